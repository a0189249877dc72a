"""Browser tests: the real app on a loopback port, driven by Debian's Chromium.

* ``live_server`` (session): a database of its own (the harness's ``database_factory``,
  so ``TEST_DATABASE`` picks SQLite or PostgreSQL), migrated, with three staff accounts
  made through the app's operations, and the app served by Werkzeug in a process of its
  own (tests/browser/server.py) with CSRF protection on, as in production;
* ``browser`` (session): Chromium from ``/usr/bin/chromium`` (or ``$CHROMIUM``);
* ``open_context``: ``open_context(lang, javascript=True, width=1000)`` gives a fresh
  browser context (its own cookies) whose pages send ``Accept-Language: lang``;
* ``audit``: checks every page a journey visits (see checks.py); a ``Person`` given it
  checks each page it arrives at, and ``audit.assert_clean()`` ends the test;
* ``screenshots``: docs/screenshots, where the journeys leave pictures of key pages.

Missing tools (``scripts/browser-tools.sh`` installs them) skip these tests, or fail
them under ``CI=true``.
"""

import itertools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pyotp
import pytest
from playwright.sync_api import expect, sync_playwright

from app import create_app
from app.accounts import operations as accounts
from app.accounts import two_factor
from app.extensions import db
from tests.browser.checks import Audit, HtmlChecker, child_setup
from tests.conftest import BACKEND

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
    "administrator": ("Ami Administrator", "ami.administrator@fsa.example.com", "administrator"),
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
            user = accounts.create_staff_user(name, email, role, STAFF_PASSWORD, by=None)
            # Staff sign in in two steps: each gets a second factor with a known secret.
            secret = pyotp.random_base32()
            two_factor.enrol_with_secret(user, secret)
            staff[key] = SimpleNamespace(
                name=name, email=email, password=STAFF_PASSWORD, totp_secret=secret
            )
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
            preexec_fn=child_setup(),
            # The environment as the root conftest's _hermetic_environment left it.
        )
    port = process.stdout.readline().strip()
    if not port.isdigit():
        process.kill()
        pytest.fail(f"the app did not start: {log.read_text()[-3000:]}", pytrace=False)
    yield SimpleNamespace(url=f"http://127.0.0.1:{int(port)}", staff=staff, log=log, database=url)
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
    process.stdout.close()


# --- the browser ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser(browser_tools):
    # Two cores shared by the browser, the app and the checkers: a patient wait.
    expect.set_options(timeout=10_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=browser_tools.chromium, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


LOCALES = {"ja": "ja-JP", "en": "en-GB"}


@pytest.fixture
def _without_javascript():
    """The contexts whose pages run no script (axe-core cannot run there)."""
    return set()


@pytest.fixture
def open_context(browser, live_server, _without_javascript):
    contexts = []

    def open_(lang, *, javascript=True, width=1000, height=800):
        context = browser.new_context(
            base_url=live_server.url,
            locale=LOCALES[lang],
            timezone_id="Asia/Tokyo",
            java_script_enabled=javascript,
            viewport={"width": width, "height": height},
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        if not javascript:
            _without_javascript.add(context)
        return context

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def _audited_pages():
    return set()


@pytest.fixture
def audit(html_checker, browser_tools, _audited_pages, _without_javascript):
    audit = Audit(html_checker, browser_tools.axe, _audited_pages, _without_javascript)
    yield audit
    audit.close()


_unique = itertools.count(1)


@pytest.fixture
def unique():
    """A number no other test of the session gets: for e-mail addresses and identifiers."""
    return next(_unique)


class Screenshots:
    """Pictures of key pages for docs/screenshots: PNG, small enough to keep in git."""

    MAX_BYTES = 200_000

    def __init__(self, directory: Path):
        self.directory = directory

    def save(self, page, name):
        path = self.directory / f"{name}.png"
        page.screenshot(path=path)
        assert path.stat().st_size < self.MAX_BYTES, f"{path} is {path.stat().st_size} bytes"
        return path


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory):
    # One run writes docs/screenshots (the SQLite one): the two databases' runs may go at
    # the same time (scripts/test-both-databases.sh) and the pictures are the same.
    if BACKEND != "sqlite":
        return Screenshots(tmp_path_factory.mktemp("screenshots"))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return Screenshots(SCREENSHOTS)
