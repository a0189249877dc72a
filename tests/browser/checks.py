"""What every page a browser test visits must pass, and the Nu HTML Checker as a service.

``Audit.page(page)`` checks a page as it is now: the HTML as served (the Nu HTML Checker),
axe-core with the WCAG 2.1 A and AA rules, and no sideways scrolling at 360 px; ``watch``
flags server errors, script errors and CSP reports on the way. ``assert_clean()`` fails
with every problem found, grouped by message.
"""

import ctypes
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE_WIDTH = 360
PR_SET_PDEATHSIG = 1


def child_setup(niceness=0):
    """Runs in a child process: it ends with the test run, even a killed one."""

    def setup():
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if niceness:
            os.nice(niceness)

    return setup


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HtmlChecker:
    """The Nu HTML Checker as a local web service: one JVM start for the whole session."""

    def __init__(self, jar: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/?out=json"
        self.process = subprocess.Popen(
            [
                "java",
                "-Xss8m",  # its RELAX NG schemas recurse deeply
                # A quick start on two cores, beside the app and the browser.
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-Dnu.validator.servlet.bind-address=127.0.0.1",
                "-cp",
                str(jar),
                "nu.validator.servlet.Main",
                str(self.port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # Checks run in the background: the browser and the app go first.
            preexec_fn=child_setup(niceness=10),
        )
        self._ready = False

    def _wait(self):
        deadline = time.monotonic() + 90
        while not self._ready:
            if self.process.poll() is not None:
                raise RuntimeError(f"the Nu HTML Checker exited ({self.process.returncode})")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=2):
                    self._ready = True
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    raise RuntimeError("the Nu HTML Checker did not start in 90 s") from None
                time.sleep(0.25)

    def errors(self, html: bytes) -> list[str]:
        self._wait()
        request = urllib.request.Request(
            self.url, data=html, headers={"Content-Type": "text/html; charset=utf-8"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            messages = json.load(response)["messages"]
        return [
            f"line {m.get('lastLine')}: {m['message']} [{m.get('extract', '').strip()}]"
            for m in messages
            if m["type"] in ("error", "non-document-error")
        ]

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
  });
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ")),
  }));
}"""

WIDER_THAN_VIEWPORT = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if (r.right > width + 1 && r.width > 0) {
      const classes = typeof el.className === "string" ? el.className.trim() : "";
      wide.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
        + (classes ? "." + classes.split(/\\s+/).join(".") : "")
        + " (" + Math.round(r.right) + "px)");
    }
  }
  return {scroll: document.documentElement.scrollWidth, width: width, wide: wide.slice(0, 5)};
}"""


class Audit:
    """Checks each page a test visits; the test fails at the end with the whole list.

    The Nu HTML Checker runs in a thread of its own, so that its answers (and its start,
    some seconds) do not hold the browser up.
    """

    def __init__(self, checker: HtmlChecker, axe_source: str, seen: set, without_javascript):
        self.checker = checker
        self.without_javascript = without_javascript
        self.axe_source = axe_source
        self.pages_checked = 0
        self._problems: list[tuple[str, str]] = []
        self._pending: list[tuple[str, Future]] = []
        self._documents = {}
        self._seen = seen
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vnu")

    def problem(self, where, what):
        self._problems.append((where, what))

    def watch(self, page):
        """Remember each page's HTML as served; flag server errors, script errors, CSP."""

        def on_response(response):
            request = response.request
            # 422 is the app's answer to an invalid form (autosave included), shown to
            # the person; any other refused request for a page's parts is a fault.
            if response.status >= 500 or (
                response.status >= 400
                and response.status != 422
                and request.resource_type != "document"
            ):
                self.problem(response.url, f"{request.method}: HTTP {response.status}")
            if request.resource_type == "document" and response.frame == page.main_frame:
                self._documents[page] = response

        def on_console(message):
            if message.type == "error" and "status of 422" not in message.text:
                self.problem(page.url, f"console: {message.text}")

        page.on("response", on_response)
        page.on("console", on_console)
        page.on("pageerror", lambda error: self.problem(page.url, f"script error: {error}"))
        return page

    def page(self, page, name=None):
        """Check the page as it is now (after a navigation)."""
        html = self._html(page)
        lang = (re.search(rb'<html lang="([^"]*)"', html) or [b"", b"?"])[1].decode()
        where = f"[{lang}] {name or re.sub(r'^https?://[^/]+', '', page.url)}"
        # A page met before (in this session) in the same language and shape (the same
        # address, and as many tables, rows, forms and error lists) is not checked again.
        shape = (
            re.sub(r"#.*$|\d+", "", page.url),
            tuple(html.count(tag) for tag in (b"<table", b"<form", b"<tr", b"data-error-summary")),
        )
        if (lang, shape) in self._seen:
            return
        self._seen.add((lang, shape))
        self.pages_checked += 1
        self._pending.append((where, self._pool.submit(self.checker.errors, html)))
        # axe-core needs the page's timers, which do not run with JavaScript off; the
        # pages are the same with it on, where axe-core checks them.
        if page.context not in self.without_javascript:
            self._axe(page, where)
        self._width(page, where)

    def _html(self, page) -> bytes:
        response = self._documents.get(page)
        if response is not None and response.url == page.url.split("#")[0]:
            try:
                return response.body()
            except Exception:  # noqa: BLE001 - the body is gone after some navigations
                pass
        return page.content().encode()

    def _axe(self, page, where):
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            # Evaluated through the DevTools protocol: the page's CSP (no inline scripts,
            # which add_script_tag would add) does not apply to it.
            page.evaluate(self.axe_source)
        for v in page.evaluate(AXE_RUN, WCAG_TAGS):
            self.problem(where, f"axe {v['id']} ({v['impact']}): {v['help']} at {v['nodes']}")

    def _width(self, page, where):
        size = page.viewport_size
        page.set_viewport_size({"width": PHONE_WIDTH, "height": size["height"]})
        try:
            found = page.evaluate(WIDER_THAN_VIEWPORT)
        finally:
            page.set_viewport_size(size)
        if found["scroll"] > found["width"]:
            self.problem(
                where,
                f"scrolls sideways at {PHONE_WIDTH} px ({found['scroll']} > {found['width']}): "
                f"{found['wide']}",
            )

    def problems(self) -> list[str]:
        for where, future in self._pending:
            for error in future.result():
                self.problem(where, f"HTML: {error}")
        self._pending.clear()
        grouped = {}
        for where, what in self._problems:
            grouped.setdefault(what, []).append(where)
        return [
            f"{what}\n    on {', '.join(dict.fromkeys(pages))}" for what, pages in grouped.items()
        ]

    def assert_clean(self):
        found = self.problems()
        assert not found, f"{len(found)} problems:\n" + "\n".join(found)

    def close(self):
        self._pool.shutdown(wait=True, cancel_futures=True)
