"""Report metadata from the header, title and signature block, on clean, interleaved and eng-OCR text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from parsers.folding import fold_str
from parsers.metadata import parse_metadata
from parsers.signature import name_in_line
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


# Issues 10 and 15: metadata comes from the header and the signature block, or stays null.
# The texts below are written for these tests; they follow the layout of real provincial reports.

HEADER_2024 = """UBND TỈNH CÀ MAU
SỞ THÔNG TIN VÀ TRUYỀN THÔNG
Số: 315/BC-STTTT
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Cà Mau, ngày 20 tháng 12 năm 2024
BÁO CÁO
Kết quả công tác chuyển đổi số quý IV năm 2024
Căn cứ nhiệm vụ được giao, Sở Thông tin và Truyền thông báo cáo như sau:
I. KẾT QUẢ
- Sở đã phối hợp với Sở Tư pháp triển khai phần mềm hộ tịch; đồng chí Phạm Quốc Bảo, Phó Chủ tịch
UBND tỉnh chủ trì hội nghị; 1.204 hồ sơ được tiếp nhận trong quý.
"""


def _report(signature_block: str, header: str = HEADER_2024) -> list[str]:
    return [header + signature_block]


@pytest.mark.parametrize(
    ("block", "signer"),
    [
        # Clean.
        (
            "Nơi nhận:\n- UBND tỉnh;\n- Lưu: VT.\nKT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC\nLâm Thị Kiều Oanh\n",
            "Lâm Thị Kiều Oanh",
        ),
        # OCR lost letters of the title.
        ("Nơi nhận:\n- UBND tỉnh;\n- Lưu: VT.\nIÁM ĐỐC\nLâm Thị Kiều Oanh\n", "Lâm Thị Kiều Oanh"),
        ("Noi nhan:\n- UBND tinh;\n- Luu: VT.\nGlAM DOC\nLam Thi Kieu Oanh\n", "Lam Thi Kieu Oanh"),
        ("Nơi nhận:\n- Lưu: VT.\nKT. GIÁM ĐÔC\nPHÓ GIÁM ĐÓC\nLâm Thị Kiều Oanh\n", "Lâm Thị Kiều Oanh"),
        # A seal over the signature: a line of garbage between the title and the name.
        (
            "Nơi nhận:\n- Lưu: VT.\nKT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC\n~ ,/ 'Ọ ;.~ \\ ỹ ,'J\nLâm Thị Kiều Oanh\n",
            "Lâm Thị Kiều Oanh",
        ),
        # Interleaved columns: the title on the "Nơi nhận:" line, list items before the name.
        (
            "Nơi nhận: KT. GIÁM ĐỐC\n- UBND tỉnh; PHÓ GIÁM ĐỐC\n- Sở Tài chính;\n- Lưu: VT, VP.\n\n"
            "Lâm Thị Kiều Oanh\n",
            "Lâm Thị Kiều Oanh",
        ),
        # The title lost entirely: the name right above "Nơi nhận:" ...
        ("—- '~. ,\nLâm Thị Kiều Oanh\nNơi nhận:\n- UBND tỉnh;\n- Lưu: VT.\n", "Lâm Thị Kiều Oanh"),
        # ... or ending the block after the distribution list.
        ("Nơi nhận:\n- UBND tỉnh;\n- Lưu: VT.\n.~ 'ợ\nLâm Thị Kiều Oanh\n", "Lâm Thị Kiều Oanh"),
        # Columns collapsed into one line (pdftotext -layout after spaces are collapsed, or OCR).
        (
            "Nơi nhận: KT. GIÁM ĐỐC\n- UBND tỉnh; PHÓ GIÁM ĐỐC\n- Lưu: VT, VP. Lâm Thị Kiều Oanh\n",
            "Lâm Thị Kiều Oanh",
        ),
        ("Nơi nhận: KT. GIÁM ĐỐC\n- UBND tỉnh (b/c); PHÓ GIÁM ĐỐC Lâm Thị Kiều Oanh\n", "Lâm Thị Kiều Oanh"),
        ("Nơi nhận:\n- UBND tỉnh (b/c);\n- Lưu: VT. Lâm Thị Kiều Oanh\n", "Lâm Thị Kiều Oanh"),
        # ... but a recipient, or a city after "TP.", is no signer.
        ("Nơi nhận: KT. GIÁM ĐỐC\n- Đ/c Trần Văn Mười; PHÓ GIÁM ĐỐC\n- Lưu: VT.\n", None),
        ("Nơi nhận: KT. GIÁM ĐỐC\n- Sở TT&TT TP. Hồ Chí Minh\n- Lưu: VT.\n", None),
        # Issue 15: a seal took the title and the name; the list names a city. Null, not "Hồ Chí Minh".
        (
            "Nơi nhận:\n- Bộ Thông tin và Truyền thông;\n- Cục Bưu điện Trung ương tại TP.\nHồ Chí Minh;\n"
            "- Lưu: VT.\nKT. GIÁM ĐỐC\n'~ ., Ị/ ;\n",
            None,
        ),
        ("Nơi nhận:\n- Bộ Thông tin và Truyền thông;\n- Sở TT&TT TP.\nHồ Chí Minh\n- Lưu: VT.\n", None),
        # The same with the right column read first, as OCR gives it: title, seal, then the list.
        (
            "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC\n,'~ Ị. ;/\nNơi nhận:\n- Bộ Thông tin và Truyền thông;\n"
            "- Cục Bưu điện Trung ương tại TP.\nHồ Chí Minh;\n- Lưu: VT.\n",
            None,
        ),
        (
            "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC\n,'~ Ị. ;/\nNơi nhận:\n- Bộ Thông tin và Truyền thông;\n"
            "- Sở Thông tin và Truyền thông TP.\nHồ Chí Minh\n",
            None,
        ),
        # No signature block at all: not a name from the body ("Phạm Quốc Bảo" above).
        ("Trên đây là báo cáo của Sở./.\n", None),
        # A recipient named in the list is not the signer.
        ("Nơi nhận:\n- Đ/c Trần Văn Mười;\n- Lưu: VT.\nKT. GIÁM ĐỐC\n.,~ '\n", None),
    ],
)
def test_signer_only_from_the_signature_block(block: str, signer: str | None) -> None:
    assert parse_metadata(_report(block)).signer == signer


def test_signer_on_eng_ocr_whose_title_lost_its_first_letter() -> None:
    # The sample eng-OCR report with the title's first letter gone ("IAM DOC") and a name in the body.
    text = TRAVINH_2023_ENG.replace("KT. GIAM DOC", "KT. IAM DOC").replace("PHO GIAM DOC", "PHO IAM DOC")
    text = text.replace("nhv sau:", "nhv sau:\n- Dong chi Tran Van Hai, Pho Chu tich UBND tinh du hop.")
    assert parse_metadata([text]).signer == "Lé Thi Ngoc Han"
    # And with the name line gone too: no name at all rather than the one in the body.
    assert parse_metadata([text.replace("Lé Thi Ngoc Han", "")]).signer is None


def test_issuer_not_taken_from_a_body_sentence() -> None:
    header = "UBND TỈNH CÀ MAU\nCà Mau, ngày 20 tháng 12 năm 2024\nBÁO CÁO\nKết quả quý IV năm 2024\n"
    body = "I. KẾT QUẢ\n- UBND tỉnh giao Sở Tư pháp báo cáo kết quả rà soát; phối hợp với\nSở Y tế báo cáo.\n"
    metadata = parse_metadata([header + body])
    assert metadata.issuer is None
    assert metadata.province == "Cà Mau"
    # The opening sentence names the issuer; a body sentence does not.
    opening = "Thực hiện Công văn số 12/UBND-KT của UBND tỉnh, Sở Tư pháp báo cáo như sau:\n"
    assert parse_metadata([header + opening + body]).issuer == "Sở Tư pháp"
    opening = "Thực hiện Công văn số 45/STP ngày 02/12/2024 của Sở Tư pháp, UBND huyện báo cáo như sau:\n"
    assert parse_metadata([header + opening + body]).issuer is None


def test_issuer_line_lost_body_department_not_taken_from_first_lines() -> None:
    # The department line was lost to OCR; a body line within the first 14 lines names another one.
    text = HEADER_2024.replace("SỞ THÔNG TIN VÀ TRUYỀN THÔNG\n", "").replace(
        "Căn cứ nhiệm vụ được giao, Sở Thông tin và Truyền thông báo cáo như sau:\n", ""
    )
    metadata = parse_metadata([text])
    assert metadata.issuer is None
    assert (metadata.report_number, metadata.province) == ("315/BC-STTTT", "Cà Mau")


def test_report_with_range_and_year_to_date_periods() -> None:
    ranged = HEADER_2024.replace(
        "Kết quả công tác chuyển đổi số quý IV năm 2024",
        "Kết quả công tác chuyển đổi số\n(Số liệu từ ngày 16/9/2024 đến ngày 15/12/2024)",
    )
    metadata = parse_metadata([ranged])
    assert (metadata.period_type, metadata.period_start, metadata.period_end) == (
        "quarter",
        dt.date(2024, 9, 16),
        dt.date(2024, 12, 15),
    )
    nine = HEADER_2024.replace("quý IV năm 2024", "9 tháng đầu năm 2024 và phương hướng quý IV năm 2024")
    metadata = parse_metadata([nine])
    assert (metadata.period_type, metadata.period_start, metadata.period_end) == (
        None,
        dt.date(2024, 1, 1),
        dt.date(2024, 9, 30),
    )


NEWS_ARTICLE = """Thứ Bảy, 07/12/2024
BÁO ĐỒNG NAI
Trang chủ | Thời sự | Kinh tế | Xã hội
Đồng Nai: 9 tháng, hơn 60% hồ sơ thủ tục hành chính nộp trực tuyến
Thứ Năm, 05/12/2024 08:30 (GMT+7)
Theo báo cáo số 412/BC-STTTT của Sở Thông tin và Truyền thông, 9 tháng đầu năm 2024 toàn tỉnh tiếp nhận
trên 210.000 hồ sơ. Sở Thông tin và Truyền thông báo cáo, tỉnh Bình Dương và TP. Hồ Chí Minh cũng đạt
tỷ lệ cao. Ông Nguyễn Hữu Tài, Giám đốc Sở, cho biết ngày 16/9/2024 hệ thống mới đã vận hành.
Nguyễn Hữu Tài
"""


NEWS_EXPECTED = ReportMetadata(
    province="Đồng Nai",
    issue_date=dt.date(2024, 12, 5),
    period_start=dt.date(2024, 1, 1),  # the headline's "9 tháng": no type, the article's year
    period_end=dt.date(2024, 9, 30),
)


def test_news_article_has_no_issuer_number_or_signer() -> None:
    assert parse_metadata([NEWS_ARTICLE]) == NEWS_EXPECTED


def test_news_article_accent_free_with_crawl_banner() -> None:
    text = "Cap nhat: 07/12/2024 10:15\n" + fold_str(NEWS_ARTICLE).replace("bao dong nai", "Bao Dong Nai")
    assert parse_metadata([text]) == NEWS_EXPECTED


def test_portal_page_date_label_and_masthead_province() -> None:
    text = (
        "Thứ Bảy, ngày 07/12/2024\n"
        "CỔNG THÔNG TIN ĐIỆN TỬ TỈNH CÀ MAU\n"
        "Cà Mau đẩy mạnh chuyển đổi số trong quý III/2024\n"
        "Ngày đăng: 15/10/2024 | Lượt xem: 1.204\n"
        "Sở Thông tin và Truyền thông tỉnh Cà Mau và tỉnh Bạc Liêu phối hợp triển khai nền tảng số.\n"
    )
    assert parse_metadata([text]) == ReportMetadata(
        province="Cà Mau",
        issue_date=dt.date(2024, 10, 15),
        period_type="quarter",
        period_start=dt.date(2024, 7, 1),
        period_end=dt.date(2024, 9, 30),
    )


def test_ministry_page_names_provinces_but_has_none_of_its_own() -> None:
    text = (
        "Cổng thông tin điện tử Bộ Thông tin và Truyền thông\n"
        "Tin tức - Sự kiện\n"
        "Cà Mau và Bạc Liêu dẫn đầu về dịch vụ công trực tuyến\n"
        "05/11/2024 14:20\n"
        "Theo báo cáo của tỉnh Cà Mau, ngày 5.3.2019 tỉnh đã khai trương Trung tâm hành chính công.\n"
    )
    assert parse_metadata([text]) == ReportMetadata(issue_date=dt.date(2024, 11, 5))


# After the 2025 merger the 34 provinces and cities: all names a report can carry.
PROVINCES_2025 = (
    "Hà Nội", "Huế", "Hải Phòng", "Đà Nẵng", "Hồ Chí Minh", "Cần Thơ", "Tuyên Quang", "Cao Bằng", "Lai Châu",
    "Lào Cai", "Thái Nguyên", "Điện Biên", "Lạng Sơn", "Sơn La", "Phú Thọ", "Bắc Ninh", "Quảng Ninh",
    "Hưng Yên", "Ninh Bình", "Thanh Hóa", "Nghệ An", "Hà Tĩnh", "Quảng Trị", "Quảng Ngãi", "Gia Lai",
    "Khánh Hòa", "Lâm Đồng", "Đắk Lắk", "Đồng Nai", "Tây Ninh", "Vĩnh Long", "Đồng Tháp", "Cà Mau",
    "An Giang",
)  # fmt: skip


@pytest.mark.parametrize("province", PROVINCES_2025)
def test_every_post_2025_province_is_recognised(province: str) -> None:
    header = f"UBND TỈNH {province.upper()}\nSỞ KHOA HỌC VÀ CÔNG NGHỆ\nSố: 12/BC-SKHCN\n"
    assert parse_metadata([header]).province == province
    assert parse_metadata([fold_str(header).upper()]).province == province


@pytest.mark.parametrize(
    ("header", "province", "issuer"),
    [
        ("UBND THÀNH PHỐ HUẾ\nSỞ KHOA HỌC VÀ CÔNG NGHỆ\nSố: 40/BC-SKHCN", "Huế", "Sở Khoa học và Công nghệ"),
        ("Số: 40/BC-SNNMT\nThừa Thiên Huế, ngày 3 tháng 3 năm 2024", "Thừa Thiên Huế", None),
        ("ỦY BAN NHÂN DÂN\nTỈNH KON TUM\nSỞ NỘI VỤ\nSố: 7/BC-SNV", "Kon Tum", "Sở Nội vụ"),
        (
            "UBND TỈNH AN GIANG\nSỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG\nSố: 88/BC-SNNMT",
            "An Giang",
            "Sở Nông nghiệp và Môi trường",
        ),
    ],
)
def test_2025_names_and_split_header_lines(header: str, province: str, issuer: str | None) -> None:
    metadata = parse_metadata([header])
    assert (metadata.province, metadata.issuer) == (province, issuer)


def test_cited_report_number_in_a_sentence_is_not_the_number() -> None:
    text = HEADER_2024.replace("Số: 315/BC-STTTT\n", "").replace(
        "Căn cứ nhiệm vụ", "Theo báo cáo số 220/BC-STTTT ngày 2/12/2024, căn cứ nhiệm vụ"
    )
    assert (parse_metadata([text]).report_number, parse_metadata([text]).report_code) == (None, None)


def test_issuer_needs_a_header_line_in_capitals() -> None:
    # No title line (OCR lost "BÁO CÁO"): the first lines hold body text that starts with a department.
    text = "UBND TỈNH CÀ MAU\nSố: 315/BC-STTTT\n- Sở Tư pháp đã triển khai phần mềm hộ tịch trong quý.\n"
    assert parse_metadata([text]).issuer is None
    # A speck OCR left before the department line does not hide it.
    assert parse_metadata(["UBND TỈNH CÀ MAU\nl SỞ Y TẾ\nSố: 9/BC-SYT\n"]).issuer == "Sở Y tế"


def test_title_line_starting_with_a_department_keeps_the_period() -> None:
    text = HEADER_2024.replace(
        "Kết quả công tác chuyển đổi số quý IV năm 2024",
        "Kết quả công tác chuyển đổi số của\nSở Thông tin và Truyền thông quý IV năm 2024",
    )
    metadata = parse_metadata([text])
    assert (metadata.period_type, metadata.period_start) == ("quarter", dt.date(2024, 10, 1))
    assert metadata.issuer == "Sở Thông tin và Truyền thông"


def test_web_copy_of_a_report_header_split_over_lines() -> None:
    # Legal-document sites print the two header columns as separate lines with rules and table bars.
    text = (
        "ỦY BAN NHÂN DÂN\nTỈNH LAI CHÂU\n-------\n|\nCỘNG HÒA XÃ HỘI\nCHỦ NGHĨA VIỆT NAM\n"
        "Độc lập - Tự do - Hạnh phúc\n|\nSố:\n71/BC-UBND\n|\nLai Châu, ngày 9\ntháng 10 năm 2023\n|\n"
        "BÁO CÁO\nTình hình chuyển đổi số 9 tháng đầu năm 2023\n"
    )
    assert parse_metadata([text]) == ReportMetadata(
        province="Lai Châu",
        report_number="71/BC-UBND",
        report_code="BC-UBND",
        issue_date=dt.date(2023, 10, 9),
        period_start=dt.date(2023, 1, 1),
        period_end=dt.date(2023, 9, 30),
    )


@pytest.mark.parametrize(
    ("text", "province", "date"),
    [
        # The merged provincial media of 2025; the date line right under the masthead.
        ("Báo và Phát thanh, Truyền hình Cà Mau\n08/12/2025\nSáng 8/12, HĐND tỉnh khai mạc kỳ họp.", "Cà Mau",
         dt.date(2025, 12, 8)),
        # A date without "ngày" and a view counter.
        ("Trang chủ | Thực tiễn\nThứ ba, 25 Tháng 1 2022 16:22\n7331 Lượt xem\nHoạt động truyền thông.", None,
         dt.date(2022, 1, 25)),
        # An ISO date line.
        ("Đài Phát thanh và Truyền hình Vĩnh Long\n2024-03-05\nVĩnh Long số hóa hồ sơ.", "Vĩnh Long",
         dt.date(2024, 3, 5)),
        # A journalist's by-line: name, time, date (a provincial newspaper's layout).
        ("Tỷ lệ hồ sơ giải quyết đúng hạn tiếp tục tăng\n\nMinh Khoa 09:12, 02/04/2024\n\n"
         "Người dân nộp hồ sơ trực tuyến ngày càng nhiều.", None, dt.date(2024, 4, 2)),
    ],
)  # fmt: skip
def test_web_page_date_formats(text: str, province: str | None, date: dt.date) -> None:
    assert parse_metadata([text]) == ReportMetadata(province=province, issue_date=date)


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("Lâm Thị Kiều Oanh", "Lâm Thị Kiều Oanh"),
        ("| Nguyễn Văn Phòng |", "Nguyễn Văn Phòng"),  # a table cell of a web copy
        ("Lò Văn Giàng", "Lò Văn Giàng"),
        ("Giàng A Páo", "Giàng A Páo"),
        ("Lé Thi Ngoc Han", "Lé Thi Ngoc Han"),  # eng OCR: as printed
        ("Trần Văn Long", "Trần Văn Long"),  # "Văn Long" is close to "Vĩnh Long", but three words are a name
        ("Hồ Chí Minh", None),  # a city
        ("Hồ Chí Minh;", None),  # a list item that wrapped
        ("Ninh Bình", None),
        ("Phó Giám Đốc", None),  # a title in title case
        ("Nguyễn Văn Phòng, Phó Chủ tịch UBND tỉnh", None),  # not alone on its line
        ("- Đ/c Trần Văn Mười;", None),
        ("Người lập biểu", None),
        ("NGUYỄN VĂN PHÒNG", None),  # capitals: not read (see parsers/README.md)
    ],
)
def test_name_line(line: str, name: str | None) -> None:
    assert name_in_line(line) == name


def test_portal_menu_item_is_not_a_report_title() -> None:
    text = (
        "Cổng thông tin điện tử tỉnh Bạc Liêu\nTrang chủ\nTin tức\nBáo cáo\nThống kê năm 2023\n"
        "Bạc Liêu sơ kết chuyển đổi số quý I/2024\n05/4/2024 09:10\n"
        "Sở Thông tin và Truyền thông báo cáo: quý I/2024 toàn tỉnh tiếp nhận 41.206 hồ sơ.\n"
    )
    assert parse_metadata([text]) == ReportMetadata(
        province="Bạc Liêu",
        issue_date=dt.date(2024, 4, 5),
        period_type="quarter",  # from the headline, not the menu item "Thống kê năm 2023"
        period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 3, 31),
    )


def test_news_headline_province_dateline_and_lead_period() -> None:
    text = (
        "Tây Ninh: Gần 90% văn bản đi được ký số trên hệ thống quản lý văn bản\n"
        "(BTN) - 22/11/2023 15:05\n\n"
        "Đến nay, các cơ quan nhà nước của tỉnh đã kết nối liên thông văn bản. Riêng 10 tháng đầu năm\n"
        "2023, toàn tỉnh phát hành 152.300 văn bản điện tử. Cùng kỳ năm 2022, tỷ lệ này chỉ đạt 71%.\n\n"
        "Ông Lê Văn Tám, Phó Giám đốc Sở Thông tin và Truyền thông, cho biết năm 2024 tỉnh phấn đấu 95%.\n"
        "Ngọc Hân\n"
    )
    assert parse_metadata([text]) == ReportMetadata(
        province="Tây Ninh",
        issue_date=dt.date(2023, 11, 22),
        period_start=dt.date(2023, 1, 1),
        period_end=dt.date(2023, 10, 31),
    )


def test_portal_statistics_page_with_fetch_banner() -> None:
    text = (
        "[Bản lưu trang web — thu thập ngày 04/11/2024 08:12 UTC — https://dichvucong.example.gov.vn]\n"
        "CỔNG DỊCH VỤ CÔNG TỈNH ĐỒNG THÁP\n"
        "Trang chủ | Thủ tục hành chính | Thống kê\n"
        "Kỳ thống kê: Tháng 10/2024 (từ 01/10/2024 đến 31/10/2024) — Cập nhật: 02/11/2024 07:00\n"
        "Cấp | Tiếp nhận | Trực tuyến\nToàn tỉnh | 40210 | 31877\n"
    )
    assert parse_metadata([text]) == ReportMetadata(
        province="Đồng Tháp",
        issue_date=dt.date(2024, 11, 2),  # the page's own update, not the day it was fetched
        period_type="month",
        period_start=dt.date(2024, 10, 1),
        period_end=dt.date(2024, 10, 31),
    )


def test_issuer_abbreviated_in_the_opening_sentence() -> None:
    text = (
        "UBND TỈNH QUẢNG NAM | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nVĂN PHÒNG | Độc lập - Tự do - Hạnh phúc\n"
        "Số: 77/BC-VP | Quảng Nam, ngày 3 tháng 4 năm 2024\nBÁO CÁO\nKết quả giải quyết TTHC quý I năm 2024\n"
        "Căn cứ số liệu trên Hệ thống, Văn phòng UBND tỉnh báo cáo như sau:\n"
    )
    assert parse_metadata([text]).issuer == "Văn phòng Ủy ban nhân dân tỉnh"


def test_signature_block_printed_after_the_appendix() -> None:
    text = HEADER_2024 + (
        "PHỤ LỤC: SỐ LIỆU HỒ SƠ QUÝ IV/2024\nChỉ tiêu | Số lượng\nTiếp nhận | 1204\n\n"
        "Nơi nhận:                    KT. GIÁM ĐỐC\n- UBND tỉnh (b/c);             PHÓ GIÁM ĐỐC\n- Lưu: VT.\n"
        "                              Đinh Công Lý\n"
    )
    assert parse_metadata([text]).signer == "Đinh Công Lý"


# The tuning part of the KPI wording corpus (tests/data/wordings/train, on main since the corpus merge):
# whole reports, news items and portal pages of other provinces, each with its metadata truth.
WORDINGS_TRAIN = Path(__file__).parent / "data" / "wordings" / "train" / "texts"


@pytest.mark.skipif(not WORDINGS_TRAIN.is_dir(), reason="the wording corpus is not in this checkout")
@pytest.mark.parametrize(
    "truth_path",
    sorted(WORDINGS_TRAIN.glob("*.truth.yaml")) if WORDINGS_TRAIN.is_dir() else [],
    ids=lambda p: p.name.removesuffix(".truth.yaml"),
)
def test_wording_corpus_metadata(truth_path: Path) -> None:
    truth = yaml.safe_load(truth_path.read_text(encoding="utf-8"))["metadata"]
    text = truth_path.with_name(truth_path.name.replace(".truth.yaml", ".txt")).read_text(encoding="utf-8")
    found = parse_metadata(text.split("\f")).model_dump(exclude={"report_code"})
    # A signer's name is returned as printed; eng-OCR text has lost its diacritics.
    assert fold_str(found.pop("signer") or "") == fold_str(truth.pop("signer") or "")
    assert found == {key: truth[key] for key in found}


def test_a_ministry_letter_has_no_province_of_its_own() -> None:
    # "Hà Nội, ngày …" under a ministry's header is where the ministry sits: the letter quotes every
    # province and reports on none.
    page = (
        "BỘ NỘI VỤ                          CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "                                   Độc lập - Tự do - Hạnh phúc\n"
        "Số: 812/BNV-CCHC                   Hà Nội, ngày 3 tháng 4 năm 2026\n"
        "V/v kết quả cải cách hành chính quý I/2026\n"
        "Kính gửi: Ủy ban nhân dân các tỉnh, thành phố.\n"
        "Quý I, các địa phương tiếp nhận 5.100.234 hồ sơ.\n"
    )
    metadata = parse_metadata([page])
    assert metadata.province is None
    assert metadata.issuer == "Bộ Nội vụ"
    assert metadata.issue_date == dt.date(2026, 4, 3)


def test_a_province_department_keeps_its_province_from_the_place_line() -> None:
    page = (
        "SỞ KHOA HỌC VÀ CÔNG NGHỆ            CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "Số: 41/BC-SKHCN                    Cà Mau, ngày 9 tháng 10 năm 2026\n"
        "BÁO CÁO\nKết quả chuyển đổi số quý III năm 2026\n"
    )
    metadata = parse_metadata([page])
    assert metadata.province == "Cà Mau"
    assert metadata.issuer == "Sở Khoa học và Công nghệ"
