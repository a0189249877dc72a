import hashlib
import io
import unicodedata
import warnings

import pytest
from pypdf import PdfWriter

from app.domain.pdfcheck import (
    REASONS,
    PdfInfo,
    RejectedFile,
    check_pdf,
    check_size,
    safe_display_name,
    sha256_hex,
)


def make_pdf(pages: int = 1, password: str | None = None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)  # A4 in points
    if password is not None:
        writer.encrypt(password)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def valid_pdf() -> bytes:
    return make_pdf(pages=3)


def reason_of(data: bytes) -> str:
    with pytest.raises(RejectedFile) as excinfo:
        check_pdf(data)
    assert excinfo.value.reason in REASONS
    assert isinstance(excinfo.value, ValueError)
    return excinfo.value.reason


# --- check_pdf: accepted ------------------------------------------------------


def test_valid_pdf_is_accepted(valid_pdf):
    info = check_pdf(valid_pdf)
    assert info == PdfInfo(
        page_count=3, size=len(valid_pdf), sha256=hashlib.sha256(valid_pdf).hexdigest()
    )


def test_single_page_pdf(valid_pdf):
    assert check_pdf(make_pdf(pages=1)).page_count == 1


def test_pdfinfo_is_frozen(valid_pdf):
    info = check_pdf(valid_pdf)
    with pytest.raises(AttributeError):
        info.page_count = 5  # type: ignore[misc]


def test_trailing_bytes_after_eof_are_tolerated(valid_pdf):
    assert check_pdf(valid_pdf + b"\r\n\x00\x00").page_count == 3


def test_sha256_hex():
    assert sha256_hex(b"") == hashlib.sha256(b"").hexdigest()
    assert sha256_hex(b"abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


# --- check_pdf: refused -------------------------------------------------------


def test_empty_file():
    assert reason_of(b"") == "empty"


def test_html_renamed_pdf():
    html = b"<!DOCTYPE html>\n<html><head><title>x</title></head><body>hi</body></html>\n"
    assert reason_of(html) == "not_pdf"


def test_windows_executable():
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 100
    assert reason_of(exe) == "not_pdf"


def test_elf_binary():
    elf = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 100
    assert reason_of(elf) == "not_pdf"


def test_zip_archive():
    assert reason_of(b"PK\x03\x04" + b"\x00" * 100) == "not_pdf"


@pytest.mark.parametrize(
    "prefix",
    [
        b"<html><script>alert(1)</script></html>\n",
        b"MZ\x90\x00" + b"\x00" * 60,
        b"\x7fELF\x02\x01\x01\x00",
        b"PK\x03\x04\x14\x00",
    ],
    ids=["html", "pe", "elf", "zip"],
)
def test_polyglot_with_pdf_body_later(valid_pdf, prefix):
    # A PDF reader would find %PDF- within the first 1024 bytes; we do not.
    assert reason_of(prefix + valid_pdf) == "not_pdf"


def test_leading_whitespace_is_refused(valid_pdf):
    assert reason_of(b"\n" + valid_pdf) == "not_pdf"


def test_truncated_pdf_cut_in_half(valid_pdf):
    assert reason_of(valid_pdf[: len(valid_pdf) // 2]) == "truncated"


def test_truncated_pdf_missing_last_bytes(valid_pdf):
    assert reason_of(valid_pdf[: valid_pdf.rindex(b"%%EOF")]) == "truncated"


def test_truncated_body_with_reappended_trailer(valid_pdf):
    trailer = valid_pdf[valid_pdf.rindex(b"startxref") :]
    assert reason_of(b"%PDF-1.3\n" + trailer) == "truncated"


def test_encrypted_pdf():
    assert reason_of(make_pdf(password="secret")) == "encrypted"


def test_encrypted_pdf_with_empty_user_password():
    # Owner-password-only files open without a prompt but are still refused.
    assert reason_of(make_pdf(password="")) == "encrypted"


def test_corrupt_pdf_garbage_between_header_and_eof():
    data = b"%PDF-1.7\n" + b"\x8f\x13garbage \xff\x00 not an object\n" * 40 + b"%%EOF\n"
    assert reason_of(data) == "corrupt"


def test_corrupt_pdf_without_pages(valid_pdf):
    writer = PdfWriter()
    buf = io.BytesIO()
    writer.write(buf)
    assert reason_of(buf.getvalue()) == "corrupt"


def test_startxref_past_end_of_file_is_truncated(valid_pdf):
    # What a body cut out of the middle (or CRLF->LF "ASCII mode" transfer) leaves.
    damaged = valid_pdf.replace(b"startxref\n", b"startxref\n9")
    assert reason_of(damaged) == "truncated"


def test_recoverable_bad_xref_pointer_is_accepted(valid_pdf, caplog):
    # pypdf (strict=False) rebuilds the xref table and only logs about it.
    head, _, _ = valid_pdf.rpartition(b"startxref\n")
    damaged = head + b"startxref\n10\n%%EOF\n"
    assert check_pdf(damaged).page_count == 3
    assert any("startxref" in record.getMessage() for record in caplog.records)


def test_check_pdf_suppresses_pypdf_warnings(valid_pdf, monkeypatch):
    # pytest runs with filterwarnings=error; a warning raised inside pypdf must
    # not turn an acceptable file into a rejection.
    import app.domain.pdfcheck as pdfcheck

    class NoisyReader(pdfcheck.pypdf.PdfReader):
        def __init__(self, *args, **kwargs):
            warnings.warn("pypdf says something", UserWarning, stacklevel=2)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(pdfcheck.pypdf, "PdfReader", NoisyReader)
    assert check_pdf(valid_pdf).page_count == 3
    with pytest.raises(UserWarning):  # the project-wide filter is back afterwards
        warnings.warn("outside", UserWarning, stacklevel=1)


def test_rejected_file_message_and_reason():
    err = RejectedFile("corrupt", "bad xref")
    assert err.reason == "corrupt"
    assert "bad xref" in str(err)
    with pytest.raises(ValueError):
        RejectedFile("nonsense")


# --- check_size ---------------------------------------------------------------


def test_check_size_within_limit():
    check_size(10, 10)
    check_size(0, 10)


def test_check_size_too_large():
    with pytest.raises(RejectedFile) as excinfo:
        check_size(11, 10)
    assert excinfo.value.reason == "too_large"


# --- safe_display_name --------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../x.pdf", "x.pdf"),
        ("..\\..\\x.pdf", "x.pdf"),
        ("/etc/passwd", "passwd"),
        ("C:\\Users\\taro\\Desktop\\report.pdf", "report.pdf"),
        ("a/b\\c/d.pdf", "d.pdf"),
        ('a";.pdf', 'a";.pdf'),
        ("設計書 v2.pdf", "設計書 v2.pdf"),
        ("届出書（写し）.pdf", "届出書（写し）.pdf"),
        ("設計書\u3000v2.pdf", "設計書\u3000v2.pdf"),
        ("  spaced \t\n  out  .pdf ", "spaced out .pdf"),
        ("evil\u202efdp.exe", "evilfdp.exe"),
        ("\u2066\u2067\u2068\u2069\u200e\u200f\u202a\u202b\u202c\u202dx.pdf", "x.pdf"),
        ("nul\x00byte\x07.pdf", "nulbyte.pdf"),
        ("del\x7f\x85\x9b.pdf", "del .pdf"),
        ("", "document.pdf"),
        ("../", "document.pdf"),
        ("..", "document.pdf"),
        ("\u202e\x00 ", "document.pdf"),
        (None, "document.pdf"),
    ],
)
def test_safe_display_name(raw, expected):
    assert safe_display_name(raw) == expected


def test_safe_display_name_quotes_kept_without_controls():
    name = safe_display_name('a";.pdf\r\nX-Injected: 1')
    assert '"' in name
    assert not any(unicodedata.category(c) == "Cc" for c in name)


def test_safe_display_name_nfc_normalises_decomposed_input():
    decomposed = unicodedata.normalize("NFD", "ガイド.pdf")  # as sent by macOS
    assert decomposed != "ガイド.pdf"
    assert safe_display_name(decomposed) == "ガイド.pdf"


def test_safe_display_name_keeps_fullwidth_characters():
    # NFC, not NFKC: full-width letters and digits stay as the user typed them.
    assert safe_display_name("ＡＢＣ１２３.pdf") == "ＡＢＣ１２３.pdf"


def test_safe_display_name_truncates_keeping_extension():
    name = safe_display_name("a" * 300 + ".pdf")
    assert len(name) == 255
    assert name == "a" * 251 + ".pdf"


def test_safe_display_name_truncates_japanese_keeping_extension():
    name = safe_display_name("届" * 300 + ".pdf", max_length=100)
    assert name == "届" * 96 + ".pdf"


def test_safe_display_name_truncates_without_extension():
    assert safe_display_name("b" * 300) == "b" * 255


def test_safe_display_name_short_name_untouched():
    assert safe_display_name("x" * 251 + ".pdf") == "x" * 251 + ".pdf"


def test_safe_display_name_truncation_keeps_combining_marks_with_their_base():
    base = "q\u0307" * 200 + ".pdf"  # q + combining dot above: no precomposed form
    assert unicodedata.normalize("NFC", base) == base
    # A cut at 97 would separate the 49th "q" from its dot; it backs off to 96.
    assert safe_display_name(base, max_length=101) == "q\u0307" * 48 + ".pdf"


def test_safe_display_name_truncation_keeps_emoji_sequences_whole():
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # 5 code points
    name = safe_display_name("a" * 20 + family + ".pdf", max_length=26)
    assert name == "a" * 20 + ".pdf"


def test_safe_display_name_rejects_tiny_max_length():
    with pytest.raises(ValueError):
        safe_display_name("x.pdf", max_length=3)
