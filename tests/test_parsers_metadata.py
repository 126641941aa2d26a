"""Report metadata from the header, title and signature block, on clean, interleaved and eng-OCR text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from parsers.metadata import parse_metadata
from schemas.extraction import ReportMetadata

DATA = Path(__file__).parent / "data" / "parsers"

TRAVINH_2023 = """UBND TỈNH TRÀ VINH
SỞ THÔNG TIN VÀ TRUYỀN THÔNG
Số: 220/BC-STTTT-VP
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Trà Vinh, ngày 14 tháng 02 năm 2023
BÁO CÁO
Tình hình thực hiện nhiệm vụ tháng 01 năm 2023
Căn cứ chức năng, nhiệm vụ được giao, Sở Thông tin và Truyền thông báo cáo kết quả như sau:
I. KẾT QUẢ THỰC HIỆN NHIỆM VỤ TRONG THÁNG
- Chứng thư số: cấp mới 58 chứng thư số.
Nơi nhận:
- Sở KH&ĐT;
- Lưu: VT, VP.
KT. GIÁM ĐỐC
PHÓ GIÁM ĐỐC
Lê Thị Ngọc Hân
"""

# The same page as the eng-trained OCR gives it: columns interleaved, diacritics garbled.
TRAVINH_2023_ENG = """UBND TINH TRA VINH CONG HOA XA HOI CHU NGHIA VIET NAM

SO THONG TIN VA TRUYEN THONG Doc lap - Ty do - Hanh phic
S6: 220/BC-STTTT-VP Tra Vinh, ngay 14 thdng 02 ndém 2023
BAO CAO

Tinh hinh thu hién nhiém vu thang 01 nam 2023

Can civ chifc nang, nhiém vu dudc giao, SO Thong tin va Truyén thong bao cao
két qua thu'c hién nhiém vu thang 01 nam 2023 nhv sau:
Noi nhan: KT. GIAM DOC
- S6 KH&DT; PHO GIAM DOC
- Luu: VT, VP.

Lé Thi Ngoc Han
"""

EXPECTED_2023 = {
    "issuer": "Sở Thông tin và Truyền thông",
    "province": "Trà Vinh",
    "report_number": "220/BC-STTTT-VP",
    "report_code": "BC-STTTT-VP",
    "issue_date": dt.date(2023, 2, 14),
    "period_type": "month",
    "period_start": dt.date(2023, 1, 1),
    "period_end": dt.date(2023, 1, 31),
}


def test_clean_header() -> None:
    metadata = parse_metadata([TRAVINH_2023])
    assert metadata.model_dump() == {**EXPECTED_2023, "signer": "Lê Thị Ngọc Hân"}


def test_eng_ocr_header_interleaved_and_garbled() -> None:
    metadata = parse_metadata([TRAVINH_2023_ENG])
    # Province and issuer come back canonical; the signer is as printed.
    assert metadata.model_dump() == {**EXPECTED_2023, "signer": "Lé Thi Ngoc Han"}


def test_real_report_blank_number_and_quarter() -> None:
    text = (DATA / "report-2021-q1-excerpt.txt").read_text(encoding="utf-8")
    metadata = parse_metadata([text])
    assert metadata == ReportMetadata(
        issuer="Sở Thông tin và Truyền thông",
        province="Trà Vinh",
        report_number=None,
        report_code="BC-STTTT-VP",
        issue_date=dt.date(2021, 3, 18),
        period_type="quarter",
        period_start=dt.date(2021, 1, 1),
        period_end=dt.date(2021, 3, 31),
        signer="Nguyễn Văn Nây",
    )


def test_signer_is_taken_before_the_appendix() -> None:
    pages = [
        "UBND TỈNH BẾN TRE\nSỞ THÔNG TIN VÀ TRUYỀN THÔNG\nSố: 2675/BC-STTTT\n"
        "Bến Tre, ngày 22 tháng 9 năm 2023\n"
        "BÁO CÁO\nKết quả thực hiện nhiệm vụ quý III năm 2023 và phương hướng nhiệm vụ quý IV năm 2023\n"
        "Thực hiện chế độ báo cáo định kỳ ...\nNơi nhận:\n- Lưu: VT, VP.\nKT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC\n",
        "Võ Thị Thanh Tâm\nPhụ lục I\nNgười lập biểu\nTrần Văn Bảy\n",
    ]
    metadata = parse_metadata(pages)
    assert metadata.signer == "Võ Thị Thanh Tâm"
    assert metadata.province == "Bến Tre"
    assert (metadata.report_number, metadata.report_code) == ("2675/BC-STTTT", "BC-STTTT")
    assert (metadata.period_type, metadata.period_start) == ("quarter", dt.date(2023, 7, 1))


@pytest.mark.parametrize(
    ("header", "province"),
    [
        ("ỦY BAN NHÂN DÂN TỈNH VĨNH LONG\nSỞ THÔNG TIN VÀ TRUYỀN THÔNG", "Vĩnh Long"),
        ("UBND TINH SOC TRANG\nSO THONG TIN VA TRUYEN THONG", "Sóc Trăng"),
        ("UBND TỈNH TRÀ VINH CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Trà Vinh"),  # not "Vinh Cong" ~ Vĩnh Long
    ],
)
def test_province_from_header(header: str, province: str) -> None:
    assert parse_metadata([header]).province == province


def test_issuer_from_body_when_header_lacks_it() -> None:
    text = (
        "Trà Vinh, ngày 18 tháng 3 năm 2021\nBÁO CÁO\nquý I/2021\n"
        "Sở Thông tin và Truyền thông báo cáo như sau:"
    )
    metadata = parse_metadata([text])
    assert metadata.issuer == "Sở Thông tin và Truyền thông"
    assert metadata.province == "Trà Vinh"  # from the place line


def test_empty_pages_give_empty_metadata() -> None:
    assert parse_metadata([]) == ReportMetadata()
    assert parse_metadata(["", "  "]) == ReportMetadata()
