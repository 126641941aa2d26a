"""pdf_info / text_layer / has_usable_text_layer on generated PDFs (real poppler)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from ocr.pdf import has_usable_text_layer, pdf_info, text_layer
from schemas.errors import CorruptPdfError, EncryptedPdfError, ZeroPagePdfError

_FONT_FILE = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf")
_BODY = (
    "Thực hiện Công văn số 421/SKHĐT-THKTKG ngày 11/3/2021 của Sở Kế hoạch và Đầu tư về việc báo cáo "
    "tình hình kinh tế xã hội tháng 3 và quý I năm 2021, Sở Thông tin và Truyền thông báo cáo như sau."
)


def _write_report_pdf(path: Path, pages: int = 2) -> Path:
    if "LiberationSerif" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("LiberationSerif", str(_FONT_FILE)))
    pdf = canvas.Canvas(str(path))
    for page in range(pages):
        pdf.setFont("LiberationSerif", 11)
        # The two-column letterhead of a provincial department report.
        pdf.drawCentredString(150, 800, "UBND TỈNH TRÀ VINH")
        pdf.drawCentredString(420, 800, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
        pdf.drawCentredString(150, 785, "SỞ THÔNG TIN VÀ TRUYỀN THÔNG")
        pdf.drawCentredString(420, 785, "Độc lập - Tự do - Hạnh phúc")
        words = _BODY.split()
        for line_number in range(4):
            chunk = " ".join(words[line_number * 12 : (line_number + 1) * 12])
            pdf.drawString(72, 700 - 15 * line_number, chunk)
        # A two-column KPI table row: label left, value right.
        pdf.drawString(72, 630, "Số thuê bao Internet băng rộng")
        pdf.drawString(400, 630, "146.315")
        pdf.drawString(72, 615, "Tỷ lệ hồ sơ trực tuyến")
        pdf.drawString(400, 615, "80,6%")
        pdf.drawString(72, 600, f"Trang {page + 1}")
        pdf.showPage()
    pdf.save()
    return path


@pytest.fixture(scope="module")
def report_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write_report_pdf(tmp_path_factory.mktemp("pdf") / "report.pdf")


def _encrypt(source: Path, target: Path, user: str, owner: str) -> Path:
    writer = PdfWriter()
    for page in PdfReader(source).pages:
        writer.add_page(page)
    writer.encrypt(user_password=user, owner_password=owner)
    with target.open("wb") as handle:
        writer.write(handle)
    return target


def test_pdf_info_reads_pages_and_size(report_pdf: Path) -> None:
    info = pdf_info(report_pdf)
    assert info.pages == 2
    assert not info.encrypted
    assert info.page_size_pts is not None
    width, height = info.page_size_pts
    assert width == pytest.approx(595.3, abs=0.5)  # A4
    assert height == pytest.approx(841.9, abs=0.5)


def test_encrypted_pdf_without_password_says_use_password(report_pdf: Path, tmp_path: Path) -> None:
    locked = _encrypt(report_pdf, tmp_path / "locked.pdf", user="mat-khau", owner="chu-so-huu")
    with pytest.raises(EncryptedPdfError, match="use --password"):
        pdf_info(locked)
    with pytest.raises(EncryptedPdfError, match="wrong"):
        pdf_info(locked, password="sai")


@pytest.mark.parametrize("password", ["mat-khau", "chu-so-huu"])
def test_encrypted_pdf_opens_with_either_password(report_pdf: Path, tmp_path: Path, password: str) -> None:
    locked = _encrypt(report_pdf, tmp_path / "locked.pdf", user="mat-khau", owner="chu-so-huu")
    info = pdf_info(locked, password=password)
    assert (info.pages, info.encrypted) == (2, True)
    assert "SỞ THÔNG TIN VÀ TRUYỀN THÔNG" in text_layer(locked, password=password)[0]


def test_owner_only_encryption_needs_no_password(report_pdf: Path, tmp_path: Path) -> None:
    restricted = _encrypt(report_pdf, tmp_path / "restricted.pdf", user="", owner="chu-so-huu")
    info = pdf_info(restricted)
    assert (info.pages, info.encrypted) == (2, True)


def test_truncated_pdf_is_corrupt(report_pdf: Path, tmp_path: Path) -> None:
    data = report_pdf.read_bytes()
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptPdfError):
        pdf_info(truncated)


def test_zero_page_pdf(tmp_path: Path) -> None:
    empty = tmp_path / "empty.pdf"
    with empty.open("wb") as handle:
        PdfWriter().write(handle)
    with pytest.raises(ZeroPagePdfError):
        pdf_info(empty)


@pytest.mark.parametrize("content", [b"", b"GIF89a not a pdf at all", "Báo cáo".encode() * 50])
def test_non_pdf_bytes_are_corrupt(tmp_path: Path, content: bytes) -> None:
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(content)
    with pytest.raises(CorruptPdfError, match="not a PDF"):
        pdf_info(fake)
    with pytest.raises(CorruptPdfError):
        text_layer(fake)


def test_text_layer_keeps_printed_lines_whole(report_pdf: Path) -> None:
    pages = text_layer(report_pdf)
    assert len(pages) == 2
    lines = [" ".join(line.split()) for line in pages[0].splitlines() if line.strip()]
    # Line by line as printed: the letterhead columns side by side, each table row on one line.
    assert lines[0] == "UBND TỈNH TRÀ VINH CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert lines[1] == "SỞ THÔNG TIN VÀ TRUYỀN THÔNG Độc lập - Tự do - Hạnh phúc"
    assert "Số thuê bao Internet băng rộng 146.315" in lines
    assert "Tỷ lệ hồ sơ trực tuyến 80,6%" in lines
    assert "Trang 2" in pages[1]


def test_usable_text_layer(report_pdf: Path) -> None:
    assert has_usable_text_layer(text_layer(report_pdf))


def test_unusable_text_layers() -> None:
    body = "Sở Thông tin và Truyền thông báo cáo tình hình thực hiện nhiệm vụ. " * 8
    assert has_usable_text_layer([body, body])
    assert not has_usable_text_layer([])
    signature_page = "Nơi nhận: Sở KH&ĐT; Lưu: VT, VP. KT. GIÁM ĐỐC PHÓ GIÁM ĐỐC Lê Thị Ngọc Hân"
    assert has_usable_text_layer([body, signature_page])
    assert not has_usable_text_layer([body, "Trang 2"])  # a scanned page with only a page number
    assert not has_usable_text_layer([signature_page] * 3)  # too little text overall
    assert not has_usable_text_layer([body, "   \n"])
    # Legacy TCVN3 font without a Unicode map: pdftotext returns mojibake like this.
    tcvn3 = "Së Th«ng tin vµ TruyÒn th«ng b¸o c¸o t×nh h×nh thùc hiÖn nhiÖm vô. " * 8
    assert not has_usable_text_layer([tcvn3])
    assert not has_usable_text_layer([body.replace("báo", "b\ufffdo")])
