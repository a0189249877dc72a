"""Render acknowledgement PDFs (PDF/A-3b) from plain values.

:func:`render_acknowledgement` takes a ``dict`` and returns the PDF's bytes. It
needs no Flask app, database or request. The dict:

``kind``
    ``'receipt'`` (受付票), ``'decision'`` (受理通知 / 返戻通知) or
    ``'information_request'`` (追加資料の提出依頼).
``issuer``
    str, printed in the header and footer and stored as the PDF's Author.
``demo``
    bool; when true every page says, in Japanese and English, that the document
    is a demonstration and was not issued by the FSA.
``receipt_number``
    str such as ``'AN-2026-000123'``; also the PDF's Subject.
``received_at``, ``issued_at``
    timezone-aware ``datetime`` (naive ones are refused); printed in JST.
``provider``
    dict: ``name_ja``, ``name_en``, ``corporate_number`` (str or None), ``lei``
    (str or None), ``country`` (str, e.g. ``'JP'``; printed as its Japanese and
    English names).
``system``
    dict: ``name``, ``version``.
``notice_type``
    dict: ``ja``, ``en`` (display labels).
``planned_date``
    ``date``.
``attachments``
    list of dicts: ``name``, ``category``, ``size`` (int, bytes), ``sha256`` (hex).
``fingerprint``
    hex SHA-256 of the notice's canonical JSON.
``content_version``
    int, the version of the notice that JSON is (1 as submitted; each response to an
    information request makes the next).
``verification_code``
    str, as stored (grouped for display here).
``verification_url``
    str, the full URL with number and code; printed as text and as a QR code,
    never as a link.
``decision``
    for ``kind='decision'`` only: dict ``outcome`` (``'accepted'`` or
    ``'returned'``), ``decided_at`` (aware datetime), ``reasons`` (str, may be empty).
``request``
    for ``kind='information_request'`` only: dict ``comment`` (str), ``reply_by`` (date).
``notice_json``
    bytes, the canonical JSON; embedded unchanged as ``notice.json``.

Everything user-supplied is autoescaped text; Unicode bidi and control characters
are shown as ``[U+202E]`` so that they cannot reorder or hide what is printed.

Each process keeps one :class:`~weasyprint.text.fonts.FontConfiguration` (and the
stylesheet whose ``@font-face`` rules are registered in it), created on the first
render, so call :func:`warm_up` after forking rather than before.
"""

import ctypes
import functools
import gc
import os
import re
import signal
import threading
import time
import unicodedata
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import babel
import jinja2
import segno
import weasyprint
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError

from .codes import format_code
from .fetcher import FONT_FILES, PROJECT_ROOT, SRGB_PROFILE, AcknowledgementFetcher, url_fetcher

TEMPLATES_DIR = PROJECT_ROOT / "templates"
STYLESHEET = "acknowledgements/acknowledgement.css"
TEMPLATES = {
    "receipt": "acknowledgements/receipt.html",
    "decision": "acknowledgements/decision.html",
    "information_request": "acknowledgements/information_request.html",
}
OUTCOMES = ("accepted", "returned")
PDF_VARIANT = "pdf/a-3b"
OUTPUT_INTENT = "--ack-srgb"
_OUTPUT_INTENT_CSS = (
    f'@color-profile {OUTPUT_INTENT} {{ src: url("{Path(SRGB_PROFILE).as_uri()}");'
    " components: r, g, b; }"
)
DEFAULT_TIMEOUT = 10.0

# Japan has no daylight saving time, so a fixed offset needs no tz database.
JST = timezone(timedelta(hours=9), "JST")
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]

# Shown, not obeyed: an override in a provider's name must not reorder the page.
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
ZERO_WIDTH_SPACE = "\u200b"
_SOFT_BREAK_EVERY = 32
_LONG_RUN = re.compile(rf"\S{{{_SOFT_BREAK_EVERY + 1},}}")
# Ours, not the provider's: short, and printed (and stored as metadata) unchanged.
_SYSTEM_FIELDS = frozenset(
    {"issuer", "receipt_number", "fingerprint", "sha256", "verification_code", "verification_url"}
)


class RenderError(Exception):
    """The acknowledgement could not be rendered."""


class RenderTimeout(RenderError):
    """Rendering took longer than the time allowed."""


class _DeadlineExceeded(BaseException):
    """Raised inside the render when time is up.

    A BaseException, so that WeasyPrint's own ``except Exception`` blocks (around
    images, fonts, SVG) cannot swallow it; turned into :class:`RenderTimeout`.
    """


_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


# --- from the plain dict to the template context ----------------------------------


def _is_hidden_control(ch: str) -> bool:
    return ch in _BIDI_CONTROLS or (ch < " " and ch not in "\t\n") or "\x7f" <= ch < "\xa0"


def _show_controls(text: str) -> str:
    if not any(map(_is_hidden_control, text)):
        return text
    return "".join(f"[U+{ord(ch):04X}]" if _is_hidden_control(ch) else ch for ch in text)


def _continues_cluster(previous: str, ch: str) -> bool:
    """Whether a break between ``previous`` and ``ch`` would split what is drawn as one."""
    return (
        previous == "\u200d"
        or ch in "\u200c\u200d"
        or unicodedata.category(ch) in ("Mn", "Mc", "Me")
        or "\U0001f3fb" <= ch <= "\U0001f3ff"  # emoji skin tones
        or "\U000e0020" <= ch <= "\U000e007f"  # emoji tag sequences
    )


def _soft_break(match: re.Match) -> str:
    out, run, previous = [], 0, ""
    for ch in match.group():
        if run >= _SOFT_BREAK_EVERY and not _continues_cluster(previous, ch):
            out.append(ZERO_WIDTH_SPACE)
            run = 0
        out.append(ch)
        run += 1
        previous = ch
    return "".join(out)


def _printable(value, key=None):
    """Prepare user text for print, recursively through dicts and lists.

    Bidi and control characters become visible ``[U+202E]``. Long runs without a
    space get an invisible break opportunity every few characters: WeasyPrint's
    ``overflow-wrap: anywhere`` is quadratic in the length of a word (a 20,000
    character word takes seconds per field), a zero-width space is not, and it is
    not drawn nor extracted as text. Our own identifiers are left as they are.
    """
    if isinstance(value, str):
        value = _show_controls(value)
        return value if key in _SYSTEM_FIELDS else _LONG_RUN.sub(_soft_break, value)
    if isinstance(value, dict):
        return {name: _printable(item, name) for name, item in value.items()}
    if isinstance(value, list | tuple):
        return [_printable(item) for item in value]
    return value


def _moment(value: datetime) -> dict:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValueError(f"expected a timezone-aware datetime, got {value!r}")
    jst = value.astimezone(JST)
    clock = f"{jst.hour:02d}:{jst.minute:02d} JST"
    return {
        "ja": f"{jst.year}年{jst.month}月{jst.day}日 {clock}",
        "en": f"{jst.day} {_MONTHS[jst.month - 1]} {jst.year}, {clock}",
        "w3c": value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "utc": value.astimezone(UTC),
    }


def _day(value: date) -> dict:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValueError(f"expected a date, got {value!r}")
    return {
        "ja": f"{value.year}年{value.month}月{value.day}日",
        "en": f"{value.day} {_MONTHS[value.month - 1]} {value.year}",
    }


# Any of the eight masks gives a valid code; choosing the "best" one means drawing and
# scoring all eight, two thirds of the QR code's cost (5 of 97 ms of a receipt).
QR_MASK = 2


def _qr_data_uri(url: str) -> str:
    # One pixel per module, drawn unsmoothed (image-rendering: pixelated) at 28 mm.
    qr = segno.make(url, error="m", micro=False, mask=QR_MASK)
    return qr.png_data_uri(scale=1, border=4)


@functools.cache
def _territories(language: str) -> dict:
    return babel.Locale.parse(language).territories


def _country_names(code: str) -> dict:
    """Japanese and English names of a country (CLDR, as the forms name it): fixed data
    shipped with Babel, so the same code always prints the same."""
    return {language: _territories(language).get(code, code) for language in ("ja", "en")}


def _context(doc: dict) -> dict:
    kind = doc["kind"]
    if kind not in TEMPLATES:
        raise ValueError(f"unknown acknowledgement kind {kind!r}")
    if not isinstance(doc["notice_json"], bytes):
        raise ValueError("notice_json must be bytes")
    context = _printable({key: value for key, value in doc.items() if key != "notice_json"})
    context.update(
        demo=bool(doc["demo"]),
        provider={
            **context["provider"],
            "country_name": _country_names(doc["provider"]["country"]),
        },
        received_at=_moment(doc["received_at"]),
        issued_at=_moment(doc["issued_at"]),
        planned_date=_day(doc["planned_date"]),
        attachments=[
            {**attachment, "size": f"{int(attachment['size']):,}"}
            for attachment in context["attachments"]
        ],
        verification_code=format_code(doc["verification_code"]),
        qr_data_uri=_qr_data_uri(doc["verification_url"]),
        keywords=f"advance notice, 事前届出, {kind}",
    )
    if kind == "decision":
        decision = context["decision"]
        if decision["outcome"] not in OUTCOMES:
            raise ValueError(f"unknown decision outcome {decision['outcome']!r}")
        context["decision"] = {
            **decision,
            "accepted": decision["outcome"] == "accepted",
            "decided_at": _moment(doc["decision"]["decided_at"]),
        }
    elif kind == "information_request":
        context["request"] = {**context["request"], "reply_by": _day(doc["request"]["reply_by"])}
    return context


# --- the per-process renderer -------------------------------------------------------


class _Renderer:
    """One FontConfiguration and the stylesheet whose @font-face rules live in it.

    Building it fetches and registers the fonts; that happens outside any deadline
    so that an interrupted registration never leaves a half-written font behind.
    """

    def __init__(self, fetcher: AcknowledgementFetcher):
        self.pid = os.getpid()
        self.fetcher = fetcher
        self.font_config = FontConfiguration()
        css = _env.get_template(STYLESHEET).render(
            fonts={name: Path(path).as_uri() for name, path in FONT_FILES.items()}
        )
        self.stylesheet = weasyprint.CSS(
            string=css,
            base_url=fetcher.base_url,
            url_fetcher=fetcher,
            font_config=self.font_config,
        )

    def _color_profiles(self) -> dict:
        """The sRGB output intent PDF/A needs, loaded afresh through our fetcher.

        Not WeasyPrint's own ``output_intent="srgb"``, which opens the profile on
        every render and never closes it (a ResourceWarning each time); and not
        parsed once and kept, because re-serialising a kept profile changes its
        bytes after the first render, and the same notice must give the same PDF.
        """
        profiles = {}
        weasyprint.CSS(string=_OUTPUT_INTENT_CSS, url_fetcher=self.fetcher, color_profiles=profiles)
        return profiles

    def write_pdf(self, html: str, notice_json: bytes, issued_at: datetime) -> bytes:
        notice = weasyprint.Attachment(
            string=notice_json,
            name="notice.json",
            description="Advance notice as submitted (canonical JSON)",
            created=issued_at,
            modified=issued_at,
            relationship="Data",
            url_fetcher=self.fetcher,
        )
        document = weasyprint.HTML(
            string=html, base_url=self.fetcher.base_url, url_fetcher=self.fetcher
        )
        return document.write_pdf(
            stylesheets=[self.stylesheet],
            font_config=self.font_config,
            color_profiles=self._color_profiles(),
            output_intent=OUTPUT_INTENT,
            pdf_variant=PDF_VARIANT,
            attachments=[notice],
            # Tagged: a screen reader reads the document in order, headings and tables as
            # such (about 6 % more instructions per render, by bench/ack_render.py).
            pdf_tags=True,
        )


_renderer = None
_renderer_lock = threading.Lock()
# Pango's font map is not thread-safe, so renders in one process take turns.
_render_lock = threading.Lock()
# Renderers inherited across fork() stay referenced: collecting one would delete
# the temporary font folder that the parent process still uses.
_inherited = []


def _get_renderer() -> _Renderer:
    global _renderer
    with _renderer_lock:
        if _renderer is not None and _renderer.pid != os.getpid():
            _inherited.append(_renderer)
            _renderer = None
        if _renderer is None:
            _renderer = _Renderer(url_fetcher)
        return _renderer


def _discard_renderer(renderer: _Renderer) -> None:
    """Start afresh after a render was interrupted half-way through."""
    global _renderer
    with _renderer_lock:
        if _renderer is renderer:
            _renderer = None
    # Finalise what the interrupted render left in reference cycles now, with no deadline
    # armed: left to a later collection, a finaliser (FontConfiguration.__del__) could run
    # during the next render, where that render's deadline would interrupt it.
    gc.collect()


def warm_up() -> None:
    """Create this process's renderer now (e.g. in a post-fork hook), not on first use."""
    _get_renderer()


# --- time limit ---------------------------------------------------------------------


# WeasyPrint has a few ``except BaseException`` blocks, and an exception raised while
# a __del__ runs is dropped: so the deadline keeps firing at this interval until the
# render has stopped.
_REFIRE_INTERVAL = 0.05


@contextmanager
def _alarm_deadline(seconds: float):
    """SIGALRM: interrupts Python code on the main thread."""
    armed = True

    def on_alarm(signum, frame):
        if armed:
            raise _DeadlineExceeded

    previous_handler = signal.signal(signal.SIGALRM, on_alarm)
    previous_delay, previous_interval = signal.setitimer(
        signal.ITIMER_REAL, max(seconds, 0.001), _REFIRE_INTERVAL
    )
    started = time.monotonic()
    try:
        try:
            yield
        finally:
            armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        # None: the previous handler was not installed from Python.
        signal.signal(
            signal.SIGALRM, signal.SIG_DFL if previous_handler is None else previous_handler
        )
        if previous_delay:
            # Someone else's timer was running: give it back what is left of it.
            left = max(previous_delay - (time.monotonic() - started), 0.001)
            signal.setitimer(signal.ITIMER_REAL, left, previous_interval)


def _set_async_exc(thread_id: int, exception) -> None:
    """PyThreadState_SetAsyncExc; ``None`` withdraws a pending exception (NULL)."""
    exc = None if exception is None else ctypes.py_object(exception)
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), exc)


@contextmanager
def _watchdog_deadline(seconds: float):
    """Other threads: a watchdog thread raises the exception asynchronously in this one.

    Like SIGALRM it takes effect between Python bytecodes, so both stop WeasyPrint's
    layout (pure Python) but neither can cut a single long call into C short.
    """
    thread_id = threading.get_ident()
    lock = threading.Lock()
    stopped = threading.Event()
    state = {"active": True, "fired": False}

    def watch():
        wait = seconds
        while not stopped.wait(wait):
            with lock:
                if not state["active"]:
                    return
                state["fired"] = True
                _set_async_exc(thread_id, _DeadlineExceeded)
            wait = _REFIRE_INTERVAL

    watchdog = threading.Thread(target=watch, name="acknowledgement-deadline", daemon=True)
    watchdog.start()
    try:
        yield
    finally:
        stopped.set()
        with lock:
            state["active"] = False
            if state["fired"]:
                # Withdraw the exception if it is still pending, then report it.
                _set_async_exc(thread_id, None)
                raise _DeadlineExceeded


def _deadline(seconds: float):
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        return _alarm_deadline(seconds)
    return _watchdog_deadline(seconds)


# --- entry point --------------------------------------------------------------------


def render_acknowledgement(doc: dict, *, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """Render ``doc`` (see the module docstring) to PDF/A-3b bytes within ``timeout`` seconds.

    Raises ``KeyError``/``ValueError`` for an incomplete or malformed dict,
    :class:`RenderTimeout` when time runs out and :class:`RenderError` when a
    resource (font, image) cannot be loaded.
    """
    if not timeout > 0:
        raise ValueError("timeout must be positive")
    started = time.monotonic()
    context = _context(doc)
    html = _env.get_template(TEMPLATES[doc["kind"]]).render(context)
    issued_at = _moment(doc["issued_at"])["utc"]

    if not _render_lock.acquire(timeout=timeout):
        raise RenderTimeout(f"no renderer free within {timeout:g} s")
    try:
        renderer = _get_renderer()
        left = timeout - (time.monotonic() - started)
        if left <= 0:
            raise RenderTimeout(f"rendering took longer than {timeout:g} s")
        with _deadline(left):
            return renderer.write_pdf(html, doc["notice_json"], issued_at)
    except _DeadlineExceeded:
        _discard_renderer(renderer)
        raise RenderTimeout(f"rendering took longer than {timeout:g} s") from None
    except FatalURLFetchingError as error:
        # A font or image we rely on is missing or was refused: issue nothing.
        raise RenderError(f"{error}: {error.__cause__}") from error.__cause__
    finally:
        _render_lock.release()
