"""Acknowledgement PDFs: content, PDF/A metadata, hostile input, fetcher, codes, limits.

Real renders read back with pypdf; no mocks.
"""

import hashlib
import io
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import weasyprint
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from weasyprint.urls import FatalURLFetchingError

from app.acknowledgements import codes, render
from app.acknowledgements.codes import (
    format_code,
    new_verification_code,
    normalise_code,
)
from app.acknowledgements.fetcher import (
    FONT_FILES,
    STATIC_ROOT,
    AcknowledgementFetcher,
    FetchRefused,
)
from app.acknowledgements.render import (
    RenderError,
    RenderTimeout,
    render_acknowledgement,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RECEIPT_NUMBER = "AN-2026-000123"
ISSUER = "金融庁 Financial Services Agency"
LONG_WORD = "x" * 20_000
HOSTILE = [
    "<script>alert(1)</script>",
    "<link rel=attachment href=file:///etc/passwd>",
    "{{7*7}}",
    LONG_WORD,
    "abc\u202edef",
    "😀",
    "𠮷",
]


def make_doc(**overrides) -> dict:
    """A typical receipt: three attachments, Japanese company. Contains no "49"."""
    attachments = [
        {
            "name": name,
            "category": category,
            "size": size,
            "sha256": hashlib.sha256(name.encode()).hexdigest(),
        }
        for name, category, size in (
            ("system-architecture.pdf", "system_architecture", 2_318_004),
            ("penetration-test-2025.pdf", "security_assessment", 884_120),
            ("iso27001-certificate.pdf", "certification", 120_552),
        )
    ]
    notice_json = json.dumps(
        {"receipt_number": RECEIPT_NUMBER, "name": "株式会社サンプル"},
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    doc = {
        "kind": "receipt",
        "issuer": ISSUER,
        "demo": False,
        "receipt_number": RECEIPT_NUMBER,
        "received_at": datetime(2026, 3, 2, 1, 15, tzinfo=UTC),
        "issued_at": datetime(2026, 3, 2, 1, 16, tzinfo=UTC),
        "provider": {
            "name_ja": "株式会社サンプルカストディ",
            "name_en": "Sample Custody K.K.",
            "corporate_number": "7010001000000",
            "lei": None,
            "country": "JP",
        },
        "system": {"name": "Custody Core", "version": "4.2.1"},
        "notice_type": {"ja": "新規", "en": "New service"},
        "planned_date": date(2026, 5, 1),
        "attachments": attachments,
        "fingerprint": hashlib.sha256(notice_json).hexdigest(),
        "content_version": 1,
        "verification_code": "ACDEFGHJKLMN",
        "verification_url": (
            f"https://registry.example.jp/verify?number={RECEIPT_NUMBER}&code=ACDEFGHJKLMN"
        ),
        "notice_json": notice_json,
    }
    doc.update(overrides)
    return doc


def reader(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in reader(pdf).pages]


def text_of(pdf: bytes) -> str:
    return "\n".join(page_texts(pdf))


@pytest.fixture(scope="module")
def receipt_pdf() -> bytes:
    return render_acknowledgement(make_doc())


@pytest.fixture(scope="module")
def hostile_pdf() -> tuple[bytes, float]:
    hostile = " ".join(HOSTILE)
    attachment = {"name": hostile, "category": "other", "size": 1, "sha256": "ab" * 32}
    doc = make_doc(
        provider={
            "name_ja": hostile,
            "name_en": hostile,
            "corporate_number": None,
            "lei": None,
            "country": "JP",
        },
        system={"name": hostile, "version": "1.0"},
        attachments=[attachment],
        fingerprint="cd" * 32,  # so that any "49" in the text could only come from {{7*7}}
    )
    started = time.monotonic()
    pdf = render_acknowledgement(doc)
    return pdf, time.monotonic() - started


# --- content ---------------------------------------------------------------------------


def test_receipt_text_is_extractable_japanese_and_english(receipt_pdf):
    text = text_of(receipt_pdf)
    assert "受付票" in text
    assert "Acknowledgement of receipt" in text
    assert RECEIPT_NUMBER in text
    assert "株式会社サンプルカストディ" in text
    assert "Custody Core" in text


def test_time_of_receipt_is_printed_in_jst(receipt_pdf):
    text = text_of(receipt_pdf)
    assert "2026年3月2日 10:15 JST" in text
    assert "2 March 2026, 10:15 JST" in text


def test_attachments_fingerprint_and_verification_are_printed(receipt_pdf):
    text = text_of(receipt_pdf).replace("\n", "")
    doc = make_doc()
    for attachment in doc["attachments"]:
        assert attachment["name"] in text
        assert attachment["sha256"] in text
    assert doc["fingerprint"] in text
    assert "ACDE-FGHJ-KLMN" in text
    assert doc["verification_url"] in text


def test_typical_receipt_is_two_pages_with_annex_and_page_numbers(receipt_pdf):
    first, second = page_texts(receipt_pdf)  # exactly two pages
    assert "ACDE-FGHJ-KLMN" in first and "1 / 2" in first
    assert "別紙" in second and "system-architecture.pdf" in second and "2 / 2" in second


def test_qr_code_is_an_image_and_the_url_is_not_a_link(receipt_pdf):
    pdf = reader(receipt_pdf)
    assert len(pdf.pages[0].images) == 1
    for page in pdf.pages:
        assert "/Annots" not in page


def test_qr_code_read_back_from_the_pdf_gives_the_verification_url(receipt_pdf):
    image = reader(receipt_pdf).pages[0].images[0].image.convert("L")
    # One pixel per module in the PDF: enlarge it as a printer or a screen would.
    scanned = image.resize((image.width * 8, image.height * 8), Image.NEAREST)
    assert [code.text for code in zxingcpp.read_barcodes(scanned)] == [
        make_doc()["verification_url"]
    ]


@pytest.mark.parametrize("name", ["株式会社髙𠮷①", "髙橋𠮷野家①号"])
def test_characters_outside_jis_x_0208_are_printed(name):
    provider = {**make_doc()["provider"], "name_ja": name}
    text = text_of(render_acknowledgement(make_doc(provider=provider)))
    for ch in ("髙", "𠮷", "①"):
        assert ch in text
    assert name in text


def test_demo_is_stated_in_japanese_and_english_on_every_page():
    pages = page_texts(render_acknowledgement(make_doc(demo=True)))
    for text in pages:
        assert "金融庁が発行した文書ではありません" in text
        assert "not issued by the FSA" in text


def test_a_real_document_does_not_say_demo(receipt_pdf):
    text = text_of(receipt_pdf)
    assert "見本" not in text and "DEMO" not in text


def test_foreign_provider_shows_lei():
    provider = {
        "name_ja": "サンプル・カストディ・リミテッド",
        "name_en": "Sample Custody Ltd",
        "corporate_number": None,
        "lei": "5299000J2N45DDNE4Y28",
        "country": "GB",
    }
    text = text_of(render_acknowledgement(make_doc(provider=provider)))
    assert "5299000J2N45DDNE4Y28" in text
    assert "法人番号" not in text


def test_the_country_is_named_in_japanese_and_english_not_coded():
    foreign = {**make_doc()["provider"], "corporate_number": None, "country": "GB"}
    foreign["lei"] = "5299000J2N45DDNE4Y28"
    pdf = render_acknowledgement(make_doc(provider=foreign))
    line = next(line for line in text_of(pdf).splitlines() if "イギリス" in line)
    assert "United Kingdom" in line
    home = text_of(render_acknowledgement(make_doc())).splitlines()
    assert any("日本" in line and "Japan" in line for line in home)


def test_the_same_document_renders_to_the_same_bytes():
    assert render_acknowledgement(make_doc()) == render_acknowledgement(make_doc())


@pytest.mark.parametrize(
    ("outcome", "title_ja", "title_en"),
    [
        ("accepted", "受理通知", "Notice of acceptance"),
        ("returned", "返戻通知", "Notice of return"),
    ],
)
def test_decision_notice(outcome, title_ja, title_en):
    decision = {
        "outcome": outcome,
        "decided_at": datetime(2026, 3, 30, 6, 0, tzinfo=UTC),
        "reasons": "第一に、鍵管理の説明が不足しています。\nSecond, the SOC 2 period is missing.",
    }
    pdf = render_acknowledgement(make_doc(kind="decision", decision=decision))
    text = text_of(pdf)
    assert title_ja in text and title_en in text
    assert "2026年3月30日 15:00 JST" in text
    assert "第一に、鍵管理の説明が不足しています。" in text
    assert "Second, the SOC 2 period is missing." in text
    assert title_ja in reader(pdf).metadata.title
    assert len(reader(pdf).pages) == 2


def test_information_request_letter():
    request = {
        "comment": "HSM の認証レベルを示す資料を提出してください。",
        "reply_by": date(2026, 4, 10),
    }
    text = text_of(render_acknowledgement(make_doc(kind="information_request", request=request)))
    assert "追加資料の提出依頼" in text
    assert "HSM の認証レベルを示す資料を提出してください。" in text
    assert "2026年4月10日" in text and "10 April 2026" in text


# --- PDF/A and metadata ------------------------------------------------------------------

PDFAID = "{http://www.aiim.org/pdfa/ns/id/}"


def test_xmp_declares_pdf_a_3b(receipt_pdf):
    xmp = reader(receipt_pdf).xmp_metadata
    root = ET.fromstring(xmp.stream.get_data())
    identification = {
        key: value
        for element in root.iter()
        for key, value in element.attrib.items()
        if key.startswith(PDFAID)
    }
    assert identification[f"{PDFAID}part"] == "3"
    assert identification[f"{PDFAID}conformance"] == "B"


def test_document_info(receipt_pdf):
    pdf = reader(receipt_pdf)
    info = pdf.metadata
    assert "受付票" in info.title and RECEIPT_NUMBER in info.title
    assert info.subject == RECEIPT_NUMBER
    assert info.author == ISSUER
    assert pdf.trailer["/Root"]["/Lang"] == "ja"
    assert "/OutputIntents" in pdf.trailer["/Root"]


def _structure_types(node, seen) -> set:
    """The structure types (/H1, /Table, /TH, ...) under ``node`` of a tagged PDF."""
    node = node.get_object()
    if isinstance(node, list):
        for child in node:
            _structure_types(child, seen)
    elif hasattr(node, "get") and "/S" in node:
        seen.add(str(node["/S"]))
        if "/K" in node:
            _structure_types(node["/K"], seen)
    return seen


@pytest.mark.parametrize("kind", ["receipt", "decision", "information_request"])
def test_every_document_is_tagged_for_screen_readers(kind):
    extra = {
        "decision": {
            "decision": {
                "outcome": "returned",
                "decided_at": datetime(2026, 3, 30, tzinfo=UTC),
                "reasons": "R",
            }
        },
        "information_request": {"request": {"comment": "C", "reply_by": date(2026, 4, 10)}},
    }.get(kind, {})
    root = reader(render_acknowledgement(make_doc(kind=kind, **extra))).trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] == True  # noqa: E712 - a PDF boolean object
    assert root["/Lang"] == "ja"
    types = _structure_types(root["/StructTreeRoot"]["/K"], set())
    # The title is a heading and the particulars a table with header cells, in reading order.
    assert {"/H1", "/Table", "/TH", "/TD"} <= types


def test_only_notice_json_is_embedded_unchanged(receipt_pdf):
    pdf = reader(receipt_pdf)
    assert list(pdf.attachments) == ["notice.json"]
    assert pdf.attachments["notice.json"] == [make_doc()["notice_json"]]
    assert "/AF" in pdf.trailer["/Root"]  # PDF/A-3 associated file


def test_same_notice_renders_to_the_same_bytes(receipt_pdf):
    assert render_acknowledgement(make_doc()) == receipt_pdf


def test_qpdf_check_passes(receipt_pdf, tmp_path, service_unavailable):
    qpdf = shutil.which("qpdf")
    if qpdf is None:
        service_unavailable("qpdf is not installed (Debian package qpdf; `make setup` installs it)")
    path = tmp_path / "receipt.pdf"
    path.write_bytes(receipt_pdf)
    result = subprocess.run([qpdf, "--check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# --- hostile input -----------------------------------------------------------------------


def test_hostile_content_renders_as_plain_text(hostile_pdf):
    pdf, seconds = hostile_pdf
    text = text_of(pdf)
    flat = text.replace("\n", "")
    assert "<script>alert(1)</script>" in text
    assert "<link rel=attachment href=file:///etc/passwd>" in text
    assert "{{7*7}}" in text and "49" not in text
    # The long word (in four fields) is wrapped over pages, with headers and footers
    # in between; every character of it is there.
    assert flat.count("x") >= 4 * len(LONG_WORD)
    assert "😀" in text and "𠮷" in text
    # The override is shown, not obeyed: the text after it keeps its order.
    assert "abc[U+202E]def" in text
    assert seconds < render.DEFAULT_TIMEOUT


def test_hostile_content_adds_no_file_and_no_link(hostile_pdf):
    pdf = reader(hostile_pdf[0])
    assert list(pdf.attachments) == ["notice.json"]
    for page in pdf.pages:
        annotations = [annot.get_object() for annot in page.get("/Annots", [])]
        assert not [annot for annot in annotations if annot.get("/Subtype") == "/Link"]


PDF_TEMPLATES = [
    *render.TEMPLATES.values(),
    "acknowledgements/base.html",
    render.STYLESHEET,
]


def test_pdf_templates_make_no_links_and_mark_nothing_safe():
    for name in PDF_TEMPLATES:
        path = render.TEMPLATES_DIR / name
        source = path.read_text()
        assert not re.search(r"<a[\s>]", source, re.IGNORECASE), path
        assert not re.search(r"\|\s*safe\b|Markup", source), path
        assert not re.search(r"autoescape\s+false", source, re.IGNORECASE), path
        # WeasyPrint makes links of <a href> and of footnote calls, nothing else.
        assert not re.search(r"float\s*:\s*footnote", source), path
    assert render._env.autoescape is True


# --- fetcher -------------------------------------------------------------------------------


@pytest.fixture
def static_root(tmp_path):
    root = tmp_path / "static"
    (root / "css").mkdir(parents=True)
    (root / "css" / "x.css").write_text("p { color: red }")
    (tmp_path / "secret.txt").write_text("secret")
    (root / "escape.txt").symlink_to(tmp_path / "secret.txt")
    return root


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://example.com/x.css",
        "https://example.com/x.css",
        "ftp://example.com/x.css",
        "file://example.com/etc/passwd",
        "javascript:alert(1)",
    ],
)
def test_fetcher_refuses_urls_outside(url, caplog):
    with (
        caplog.at_level(logging.WARNING, logger="app.acknowledgements.fetcher"),
        pytest.raises(FetchRefused),
    ):
        AcknowledgementFetcher()(url)
    assert repr(url) in caplog.text


def test_fetcher_refuses_traversal_out_of_static(static_root):
    fetcher = AcknowledgementFetcher(static_root=static_root)
    base = static_root.as_uri()
    for url in (
        f"{base}/../secret.txt",
        f"{base}/css/../../secret.txt",
        f"{base}/%2e%2e/secret.txt",
        f"{base}/escape.txt",  # a symbolic link pointing outside
    ):
        with pytest.raises(FetchRefused):
            fetcher(url)


def test_fetcher_refuses_traversal_from_the_real_static_folder():
    with pytest.raises(FetchRefused):
        AcknowledgementFetcher()(STATIC_ROOT.as_uri() + "/../pyproject.toml")


def test_fetcher_serves_static_files_fonts_and_data_uris(static_root):
    fetcher = AcknowledgementFetcher(static_root=static_root)
    response = fetcher(f"{fetcher.base_url}css/x.css")
    assert response.read() == b"p { color: red }"
    assert response.content_type == "text/css"
    response.close()

    font = FONT_FILES["gothic"]
    response = fetcher(Path(font).as_uri())
    assert response.read() == Path(font).read_bytes()
    response.close()

    response = fetcher("data:text/plain;base64,SGVsbG8=")
    assert response.read() == b"Hello"
    response.close()


def test_fetcher_refuses_a_missing_font(tmp_path):
    missing = tmp_path / "missing.ttf"
    with pytest.raises(FetchRefused, match="no such file"):
        AcknowledgementFetcher(allowed_files=[missing])(missing.as_uri())


def test_a_font_that_cannot_be_loaded_stops_the_renderer():
    # No silent fallback to whatever fonts the system has: the fonts are not allowed here.
    with pytest.raises(FatalURLFetchingError):
        render._Renderer(AcknowledgementFetcher(allowed_files=[]))


def test_default_static_root_is_the_projects():
    assert AcknowledgementFetcher().static_root == os.path.realpath(PROJECT_ROOT / "static")


def test_refused_url_is_logged_with_cr_lf_escaped(caplog):
    with (
        caplog.at_level(logging.WARNING, logger="app.acknowledgements.fetcher"),
        pytest.raises(FetchRefused),
    ):
        AcknowledgementFetcher()("http://example.com/\r\nForged: entry")
    (record,) = caplog.records
    message = record.getMessage()
    assert "\r" not in message and "\n" not in message
    assert "\\r\\n" in message


def test_weasyprint_with_our_fetcher_stops_on_an_outside_resource():
    html = weasyprint.HTML(
        string='<img src="file:///etc/passwd">', url_fetcher=AcknowledgementFetcher()
    )
    with pytest.raises(FatalURLFetchingError):
        html.write_pdf()


# --- verification codes ------------------------------------------------------------------


def test_verification_codes_are_long_unambiguous_and_unique():
    generated = [new_verification_code() for _ in range(1000)]
    assert len(set(generated)) == 1000
    for code in generated:
        assert len(code) >= 10
        assert set(code) <= set(codes.ALPHABET)
    assert not set("0Oo1lI2Z5S8B") & set(codes.ALPHABET)


def test_too_short_codes_are_refused():
    with pytest.raises(ValueError):
        new_verification_code(8)


def test_format_and_normalise_code():
    assert format_code("ACDEFGHJKLMN") == "ACDE-FGHJ-KLMN"
    assert normalise_code(" ａｃｄｅ－ｆｇｈｊ ー klmn\u3000") == "ACDEFGHJKLMN"
    assert normalise_code(format_code("ACDEFGHJKLMN")) == "ACDEFGHJKLMN"


# --- input checks ------------------------------------------------------------------------


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        render_acknowledgement(make_doc(received_at=datetime(2026, 3, 2, 10, 15)))


def test_other_timezones_are_converted_to_jst():
    received = datetime(2026, 3, 2, 2, 15, tzinfo=timezone(timedelta(hours=1)))
    text = text_of(render_acknowledgement(make_doc(received_at=received)))
    assert "2026年3月2日 10:15 JST" in text


@pytest.mark.parametrize(
    "overrides",
    [
        {"kind": "invoice"},
        {"notice_json": "{}"},
        {
            "kind": "decision",
            "decision": {"outcome": "maybe", "decided_at": datetime.now(UTC), "reasons": ""},
        },
    ],
)
def test_malformed_documents_are_refused(overrides):
    with pytest.raises(ValueError):
        render_acknowledgement(make_doc(**overrides))


# --- limits --------------------------------------------------------------------------------


def full_decision() -> dict:
    attachments = [
        {
            "name": (f"{i:02d}-" + "添付書類_architecture-overview-" * 10)[:255],
            "category": "security_assessment",
            "size": 1_000_000_000,
            "sha256": hashlib.sha256(str(i).encode()).hexdigest(),
        }
        for i in range(30)
    ]
    decision = {
        "outcome": "returned",
        "decided_at": datetime(2026, 3, 30, 6, 0, tzinfo=UTC),
        "reasons": ("鍵管理体制の説明が不足しています。Key custody is not described. " * 60)[:2000],
    }
    return make_doc(kind="decision", decision=decision, attachments=attachments)


def test_notice_at_field_limits_renders_within_bound():
    started = time.monotonic()
    pdf = render_acknowledgement(full_decision())
    assert time.monotonic() - started < 10
    assert len(reader(pdf).pages) >= 3


# The deadline interrupts whatever Python code runs: now and then that is a finaliser
# (__del__), where Python drops the exception and reports it as "unraisable"; the deadline
# fires again 50 ms later (render._REFIRE_INTERVAL). The report is expected, not a fault.
interrupted_finalisers_expected = pytest.mark.filterwarnings(
    "ignore::pytest.PytestUnraisableExceptionWarning"
)


@interrupted_finalisers_expected
def test_render_timeout_fires_and_the_next_render_works():
    handler = signal.getsignal(signal.SIGALRM)
    with pytest.raises(RenderTimeout):
        render_acknowledgement(full_decision(), timeout=0.01)
    assert signal.getsignal(signal.SIGALRM) is handler
    assert "受付票" in text_of(render_acknowledgement(make_doc()))


@interrupted_finalisers_expected
def test_render_timeout_fires_off_the_main_thread():
    outcome = {}

    def target():
        try:
            render_acknowledgement(full_decision(), timeout=0.01)
        except RenderTimeout as error:
            outcome["error"] = error
        outcome["next"] = render_acknowledgement(make_doc())

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(30)
    assert isinstance(outcome.get("error"), RenderTimeout)
    assert "受付票" in text_of(outcome["next"])


def test_a_render_error_is_an_exception():
    # Callers catch Exception; WeasyPrint's fatal fetch error is a BaseException.
    assert issubclass(RenderTimeout, RenderError) and issubclass(RenderError, Exception)
