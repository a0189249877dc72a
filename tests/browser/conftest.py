"""Browser tests: the real app on a loopback port, driven by Debian's Chromium.

* ``live_server`` (session): a database of its own (the harness's ``database_factory``,
  so ``TEST_DATABASE`` picks SQLite or PostgreSQL), migrated, with three staff accounts
  made through the app's operations, and the app served by Werkzeug in a thread with
  CSRF protection on, as in production;
* ``browser`` (session): Chromium from ``/usr/bin/chromium`` (or ``$CHROMIUM``);
* ``open_context``: ``open_context(lang, javascript=True, width=1000)`` gives a fresh
  browser context (its own cookies) whose pages send ``Accept-Language: lang``;
* ``audit``: checks every page a journey visits (``audit.page(page)``): axe-core with the
  WCAG 2.1 A and AA rules, the Nu HTML Checker, no sideways scrolling at 360 px, no
  server error, no CSP violation; ``audit.assert_clean()`` at the end lists what failed.

Missing tools (``scripts/browser-tools.sh`` installs them) skip these tests, or fail
them under ``CI=true``.
"""

import itertools
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest
from app import create_app
from app.accounts import operations as accounts
from app.extensions import db

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "tools" / "node_modules"
AXE = TOOLS / "axe-core" / "axe.min.js"
VNU = TOOLS / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
]
SCREENSHOTS = ROOT / "docs" / "screenshots"
STAFF_PASSWORD = "correct horse battery staple"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE_WIDTH = 360
INSTALL_HINT = "run scripts/browser-tools.sh"


# --- tools ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_tools(service_unavailable):
    missing = []
    if not (os.access(CHROMIUM, os.X_OK) or shutil.which(CHROMIUM)):
        missing.append(f"Chromium ({CHROMIUM})")
    if not AXE.is_file():
        missing.append(f"axe-core ({AXE.relative_to(ROOT)})")
    if not VNU.is_file():
        missing.append(f"the Nu HTML Checker ({VNU.relative_to(ROOT)})")
    if not shutil.which("java"):
        missing.append("java")
    if missing:
        service_unavailable(f"browser tests need {', '.join(missing)}: {INSTALL_HINT}")
    return SimpleNamespace(chromium=CHROMIUM, axe=AXE.read_text(encoding="utf-8"), vnu=VNU)


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
                f"-Dnu.validator.servlet.bind-address=127.0.0.1",
                "-cp",
                str(jar),
                "nu.validator.servlet.Main",
                str(self.port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # Checks run in the background: the browser and the app go first.
            preexec_fn=lambda: os.nice(10),
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


@pytest.fixture(scope="session")
def html_checker(browser_tools):
    checker = HtmlChecker(browser_tools.vnu)
    yield checker
    checker.stop()


# --- the app as a real server -------------------------------------------------------------


STAFF = {
    "reviewer": ("Rina Reviewer", "rina.reviewer@fsa.example.com", "reviewer"),
    "supervisor": ("Sota Supervisor", "sota.supervisor@fsa.example.com", "supervisor"),
    "supervisor2": ("Saki Supervisor", "saki.supervisor@fsa.example.com", "supervisor"),
}


@pytest.fixture(scope="session")
def live_server(database_factory, migrations, tmp_path_factory, html_checker):
    """The app in a process of its own (tests/browser/server.py) on a fresh database."""
    url = database_factory.create()
    migrations.upgrade(url)
    files = tmp_path_factory.mktemp("browser-server")
    settings = {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "browser-tests",
        "PASSWORD_HASH": "pbkdf2:sha256:1000",
        "RATELIMIT_ENABLED": False,
        "STORAGE_PATH": str(files / "files"),
        "MAIL_LOG_PATH": str(files / "mail.log"),
        # As in production: the browser must send the CSRF token of every form.
        "WTF_CSRF_ENABLED": True,
    }
    app = create_app(settings)
    staff = {}
    with app.app_context():
        for key, (name, email, role) in STAFF.items():
            accounts.create_staff_user(name, email, role, STAFF_PASSWORD)
            staff[key] = SimpleNamespace(name=name, email=email, password=STAFF_PASSWORD)
        db.session.commit()
        db.engine.dispose()
    log = files / "server.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            # Warnings are errors here too, as in the rest of the suite (pyproject.toml).
            [sys.executable, "-W", "error", "-m", "tests.browser.server", json.dumps(settings)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=stderr,
            # The environment as the root conftest's _hermetic_environment left it.
        )
    port = process.stdout.readline().strip()
    if not port.isdigit():
        process.kill()
        pytest.fail(f"the app did not start: {log.read_text()[-3000:]}", pytrace=False)
    yield SimpleNamespace(url=f"http://127.0.0.1:{int(port)}", staff=staff, log=log)
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
    process.stdout.close()


# --- the browser ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser(browser_tools):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=browser_tools.chromium, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


LOCALES = {"ja": "ja-JP", "en": "en-GB"}


@pytest.fixture
def open_context(browser, live_server):
    contexts = []

    def open_(lang, *, javascript=True, width=1000, height=800):
        context = browser.new_context(
            base_url=live_server.url,
            locale=LOCALES[lang],
            timezone_id="Asia/Tokyo",
            java_script_enabled=javascript,
            viewport={"width": width, "height": height},
            accept_downloads=True,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield open_
    for context in contexts:
        context.close()


# --- checks on every page -----------------------------------------------------------------

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
      wide.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
        + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "")
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

    def __init__(self, checker: HtmlChecker, axe_source: str, seen: set):
        self.checker = checker
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
            if response.status >= 500 or (
                response.status >= 400 and request.resource_type != "document"
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
        shape = re.sub(r"#.*$|\d+", "", page.url), tuple(
            html.count(tag) for tag in (b"<table", b"<form", b"<tr", b"data-error-summary")
        )
        if (lang, shape) in self._seen:
            return
        self._seen.add((lang, shape))
        self.pages_checked += 1
        self._pending.append((where, self._pool.submit(self.checker.errors, html)))
        # DevTools evaluation works with the page's JavaScript off too.
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
        return [f"{what}\n    on {', '.join(dict.fromkeys(pages))}" for what, pages in grouped.items()]

    def assert_clean(self):
        found = self.problems()
        assert not found, f"{len(found)} problems:\n" + "\n".join(found)

    def close(self):
        self._pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture(scope="session")
def _audited_pages():
    return set()


@pytest.fixture
def audit(html_checker, browser_tools, _audited_pages):
    audit = Audit(html_checker, browser_tools.axe, _audited_pages)
    yield audit
    audit.close()


_unique = itertools.count(1)


@pytest.fixture
def unique():
    """A number no other test of the session gets: for e-mail addresses and identifiers."""
    return next(_unique)


@pytest.fixture(scope="session")
def screenshots():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
