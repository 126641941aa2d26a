"""KPI rules on clean, accent-free and OCR-damaged wording, the distractors, the appendix, tables, and the
real 2021 report (tests/data/parsers/report-2021-q1-excerpt.txt, trimmed from the real text)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.document import is_appendix_heading
from parsers.kpis import extract_kpis
from parsers.metadata import parse_metadata
from schemas.extraction import KpiMatch
from vietnamese.folding import strip_marks

DATA = Path(__file__).parent / "data" / "parsers"

REAL_REPORT_TRUTH: dict[str, tuple[float, str]] = {
    "doc.system_users": (6982, "cumulative"),
    "doc.issued": (49583, "period"),
    "doc.signed": (38102, "period"),
    "doc.signed_pct": (76.84, "period"),
    "cert.revoked": (47, "period"),
    "cert.issued": (92, "period"),
    "cert.total": (2218, "cumulative"),
    "cert.organization": (467, "cumulative"),
    "cert.personal": (1751, "cumulative"),
    "cert.usb": (1716, "cumulative"),
    "cert.sim_pki": (35, "cumulative"),
    "email.new_accounts": (92, "period"),
    "email.total_accounts": (7460, "cumulative"),
    "dvc.services_total": (1960, "cumulative"),
    "dvc.level3_services": (879, "cumulative"),
    "dvc.level3_services_pct": (44.85, "cumulative"),
    "dvc.level4_services": (702, "cumulative"),
    "dvc.level4_services_pct": (35.82, "cumulative"),
    "dossier.received": (13332, "period"),
    "dossier.received_direct": (9645, "period"),
    "dossier.received_online": (3687, "period"),
    "dossier.resolved": (11446, "period"),
    "dossier.level3_received": (2886, "period"),
    "dossier.level3_direct": (2408, "period"),
    "dossier.level3_online": (478, "period"),
    "dossier.level3_online_pct": (16.56, "period"),
    "dossier.level4_received": (4745, "period"),
    "dossier.level4_direct": (1536, "period"),
    "dossier.level4_online": (3209, "period"),
    "dossier.level4_online_pct": (67.63, "period"),
    "dvc.procedures_published_national": (1404, "cumulative"),
}


def values(pages: list[str]) -> dict[str, float]:
    return {m.kpi: m.value for m in extract_kpis(pages)}


def by_kpi(pages: list[str]) -> dict[str, KpiMatch]:
    return {m.kpi: m for m in extract_kpis(pages)}


@pytest.fixture(scope="module")
def real_report() -> str:
    return (DATA / "report-2021-q1-excerpt.txt").read_text(encoding="utf-8")


# --- the real report --------------------------------------------------------------------------------


def test_real_report_yields_exactly_the_31_truth_values(real_report: str) -> None:
    found = by_kpi([real_report])
    assert {k: (m.value, m.scope) for k, m in found.items()} == REAL_REPORT_TRUTH


def test_real_report_accent_free_yields_the_same_values(real_report: str) -> None:
    assert values([strip_marks(real_report)]) == {k: v for k, (v, _) in REAL_REPORT_TRUTH.items()}


def test_real_report_offsets_point_at_the_printed_number(real_report: str) -> None:
    pages = [real_report[:4000], real_report[4000:]]  # the split falls inside the KPI paragraphs
    matches = extract_kpis(pages)
    assert len(matches) == 31
    for match in matches:
        printed = pages[match.page - 1][match.start : match.end]
        assert printed.replace(".", "").replace(",", ".") == f"{match.value:g}"
        assert printed in match.evidence
        assert 0 < len(match.evidence) <= 200
        assert 0.75 <= match.score <= 1


# --- rule families, three spellings each -------------------------------------------------------------

DOC = "- Phần mềm quản lý văn bản và điều hành: "
CERT = "- Chứng thư số chuyên dùng: "
EMAIL = "- Hệ thống thư điện tử công vụ: "
DVC = "- Cổng dịch vụ công của tỉnh: "


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (DOC + "ký số 38.102 văn bản (tỷ lệ 76,84%).", {"doc.signed": 38102, "doc.signed_pct": 76.84}),
        (DOC + "ky so 38.102 van ban (ty le 76,84%).", {"doc.signed": 38102, "doc.signed_pct": 76.84}),
        ("- Phan mem quan ly van ban va dieu hanh: trong dé ky s6 14.031 van ban (dat 86,21%).",
         {"doc.signed": 14031, "doc.signed_pct": 86.21}),
        (DOC + "tổng văn bản đi trong quý: 49.583.", {"doc.issued": 49583}),
        (DOC + "toàn tỉnh phát hành 16.275 văn bản điện tử.", {"doc.issued": 16275}),
        (DOC + "Văn bản đi trên hệ thống năm 2022: 112.345.", {"doc.issued": 112345}),
        (DOC + "áp dụng cho 312 cơ quan, đơn vị với 7.472 tài khoản người dùng.",
         {"doc.system_agencies": 312, "doc.system_users": 7472}),
    ],
)  # fmt: skip
def test_document_rules(text: str, expected: dict[str, float]) -> None:
    assert values([text]) == expected


@pytest.mark.parametrize(
    "text",
    [
        CERT + "thu hồi 47 chứng thư số, cấp mới 92 chứng thư số, nâng tổng số 2.218 chứng thư số "
        "(467 chứng thư số tổ chức; 1.751 chứng thư số cá nhân (1.716 USB, 35 SIM PKI).",
        strip_marks(
            CERT + "thu hồi 47 chứng thư số, cấp mới 92 chứng thư số, nâng tổng số 2.218 chứng thư số "
            "(467 chứng thư số tổ chức; 1.751 chứng thư số cá nhân (1.716 USB, 35 SIM PKI)."
        ),
        "- Chitng thu so: thu hdi 47 chifng thu s6, cap mdi 92 chimg thu s6, nang tong s6 2.218 chimg thu "
        "s6 (467 ching thu so to chic; 1.751 chitng thu s6 cd nhan (1.716 USB, 35 SIM PKI).",
    ],
)
def test_certificate_rules_clean_accent_free_and_eng_ocr(text: str) -> None:
    assert values([text]) == {
        "cert.revoked": 47,
        "cert.issued": 92,
        "cert.total": 2218,
        "cert.organization": 467,
        "cert.personal": 1751,
        "cert.usb": 1716,
        "cert.sim_pki": 35,
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (EMAIL + "trong quý cấp 92 tài khoản cho người dùng nâng tổng số hộp thư điện tử công vụ "
         "(mail.travinh.gov.vn) cho cán bộ, công chức, viên chức là 7.460.",
         {"email.new_accounts": 92, "email.total_accounts": 7460}),
        ("- Thu dién tt cong vu: cap 41 tai khoan mdi, tong so hdp thu dién tt céng vu dang sv "
         "dung la 7.986.",
         {"email.new_accounts": 41, "email.total_accounts": 7986}),
        (EMAIL + "hiện có 5.412 hộp thư đang sử dụng.", {"email.total_accounts": 5412}),
    ],
)  # fmt: skip
def test_email_rules(text: str, expected: dict[str, float]) -> None:
    assert values([text]) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (DVC + "cung cấp 1.960 dịch vụ công trực tuyến (mức độ 3: 879, tỷ lệ 44,85%; mức độ 4: 702, "
         "tỷ lệ 35,82%).",
         {"dvc.services_total": 1960, "dvc.level3_services": 879, "dvc.level3_services_pct": 44.85,
          "dvc.level4_services": 702, "dvc.level4_services_pct": 35.82}),
        (DVC + "đang cung cấp 1.762 dịch vụ công trực tuyến, gồm 615 DVC mức độ 3 (34,9%) và 948 DVC "
         "mức độ 4 (53,8%); đã tích hợp 1.020 DVC trực tuyến lên Cổng DVC quốc gia.",
         {"dvc.services_total": 1762, "dvc.level3_services": 615, "dvc.level3_services_pct": 34.9,
          "dvc.level4_services": 948, "dvc.level4_services_pct": 53.8,
          "dvc.services_integrated_national": 1020}),
        (DVC + "Đến nay đã công khai 1.689 TTHC của tỉnh trên Cổng dịch vụ công quốc gia.",
         {"dvc.procedures_published_national": 1689}),
    ],
)  # fmt: skip
def test_online_service_rules(text: str, expected: dict[str, float]) -> None:
    assert values([text]) == expected


DOSSIERS_REAL = (
    DVC + "Trong quý hệ thống đã tiếp nhận 13.332 hồ sơ (9.645 trực tiếp, 3.687 trực tuyến), đã giải quyết "
    "11.446 hồ sơ. Trong đó tiếp nhận 2.886 hồ sơ mức độ 3 (2.408 trực tiếp, 478 trực tuyến (tỷ lệ 16,56%)); "
    "4.745 hồ sơ mức độ 4 (1.536 trực tiếp, 3.209 trực tuyến (tỷ lệ 67,63%))."
)
DOSSIERS_EXPECTED = {
    "dossier.received": 13332,
    "dossier.received_direct": 9645,
    "dossier.received_online": 3687,
    "dossier.resolved": 11446,
    "dossier.level3_received": 2886,
    "dossier.level3_direct": 2408,
    "dossier.level3_online": 478,
    "dossier.level3_online_pct": 16.56,
    "dossier.level4_received": 4745,
    "dossier.level4_direct": 1536,
    "dossier.level4_online": 3209,
    "dossier.level4_online_pct": 67.63,
}


def test_dossier_rules_clean_and_accent_free() -> None:
    assert values([DOSSIERS_REAL]) == DOSSIERS_EXPECTED
    assert values([strip_marks(DOSSIERS_REAL)]) == DOSSIERS_EXPECTED


def test_dossier_rules_reversed_wording_and_eng_ocr() -> None:
    eng = (
        "- Cong dich vu céng tinh: trong thang 01/2023 da tiép nhan 9.876 h6 so (6.102\ntruc tiép, "
        "3.774 truc tuyén), da gidi quyét 9.411 h6 so. H6 so mifc dé 3: 1.205 ho so\n(truc tiép 894, "
        "tric tuyén 311, ty lé tric tuyén 25,81%). H6 so mifc do 4: 3.980 ho so\n(1.092 tric tiép, "
        "2.888 trurc tuyén, dat 72,56%)."
    )
    assert values([eng]) == {
        "dossier.received": 9876,
        "dossier.received_direct": 6102,
        "dossier.received_online": 3774,
        "dossier.resolved": 9411,
        "dossier.level3_received": 1205,
        "dossier.level3_direct": 894,  # "trực tiếp 894": the number after its label
        "dossier.level3_online": 311,
        "dossier.level3_online_pct": 25.81,
        "dossier.level4_received": 3980,
        "dossier.level4_direct": 1092,
        "dossier.level4_online": 2888,
        "dossier.level4_online_pct": 72.56,
    }


def test_level_dossiers_when_the_words_before_the_level_are_lost() -> None:
    # What a diacritic restorer made of "H6 so mifc dé 3": the count still says "hồ sơ".
    text = DVC + "Cơ sở mức độ 3: 1.205 hồ sơ (trực tiếp 894, trực tuyến 311, tỷ lệ trực tuyến 25,81%)."
    assert values([text]) == {
        "dossier.level3_received": 1205,
        "dossier.level3_direct": 894,
        "dossier.level3_online": 311,
        "dossier.level3_online_pct": 25.81,
    }


def test_service_levels_are_not_dossier_levels() -> None:
    text = DVC + "cung cấp 1.854 dịch vụ công, mức độ 4 là 1.176 dịch vụ công trực tuyến (chiếm 63,43%)."
    assert values([text]) == {
        "dvc.services_total": 1854,
        "dvc.level4_services": 1176,
        "dvc.level4_services_pct": 63.43,
    }


def test_dossier_wording_with_labels_before_numbers() -> None:
    text = (
        DVC + "Trong 6 tháng, hệ thống tiếp nhận 25.418 hồ sơ, trong đó trực tiếp 17.203 hồ sơ, trực tuyến "
        "8.125 hồ sơ; đã giải quyết 24.960 hồ sơ, tỷ lệ giải quyết đúng hạn đạt 98,2%."
    )
    assert values([text]) == {
        "dossier.received": 25418,
        "dossier.received_direct": 17203,
        "dossier.received_online": 8125,
        "dossier.resolved": 24960,
        "dossier.resolved_ontime_pct": 98.2,  # taxonomy 1.1: the on-time rate is a KPI now
    }


# --- distractors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "- Cấp 17 giấy phép xuất bản tài liệu không kinh doanh (17 hồ sơ trực tuyến). "
        "Nâng tổng số 57 giấy phép.",
        "- Nâng tổng số 57 giấy phép đã cấp trong năm.",
        "- Ban hành 13 Công văn chỉ đạo định hướng các cơ quan báo, đài.",
        "- Cổng thông tin điện tử tỉnh đăng: 118 tin, bài tiếng Việt, 223 văn bản (Gồm: 12 lịch làm việc).",
        "- Tổng số quyết định xử phạt vi phạm hành chính được ban hành: 04. Số tiền xử phạt: 10.000.000đ",
        # Department-only figures of the Sở itself.
        DVC
        + "Sở Thông tin và Truyền thông cung cấp 37/37 TTHC lên Cổng DVC tỉnh, trong tháng tiếp nhận 19 hồ "
        "sơ trực tuyến.",
        "- Riêng Sở Thông tin và Truyền thông đã đưa 41/41 TTHC lên Cổng dịch vụ công tỉnh, "
        "tiếp nhận 64 hồ sơ, trong đó 64 hồ sơ trực tuyến.",
        # Plans and targets are not results.
        "- Phấn đấu tỷ lệ văn bản đi được ký số đạt 90% theo kế hoạch năm.",
        "- Phần mềm quản lý văn bản: Kế hoạch năm 2022: tỷ lệ văn bản ký số 90%.",
        # Dates and codes are not quantities.
        "- Quyết định số 57/QĐ-UBND ngày 12/01/2021 về chứng thư số.",
    ],
)
def test_distractors_give_nothing(text: str) -> None:
    assert extract_kpis([text]) == []


def test_unit_noun_or_phrase_end_is_required_after_a_bare_count() -> None:
    # "ký số {n} {end}": the soctrang wording, but not a count of something else.
    assert values([DOC + "Văn bản đi: 112.345, trong đó ký số 98.760 (đạt 87,9%)."]) == {
        "doc.issued": 112345,
        "doc.signed": 98760,
        "doc.signed_pct": 87.9,
    }
    assert values([DOC + "chữ ký số phục vụ ký số 1.234 hồ sơ giao dịch."]) == {}
    # The lazy gap must not stop at a count of another thing.
    assert values([CERT + "tổng số chứng thư số cấp cho 25 cơ quan là 2.746."]) == {"cert.total": 2746}


def test_value_before_plan_in_same_sentence_is_kept() -> None:
    text = DOC + "Trong 6 tháng đầu năm, tỷ lệ văn bản đi được ký số đạt 85,06% (Kế hoạch năm 2022: 90%)."
    assert values([text]) == {"doc.signed_pct": 85.06}


def test_count_is_not_read_from_a_percentage_or_a_neighbouring_label() -> None:
    # "894, trực tuyến" must not give "894 trực tuyến".
    text = DVC + "Hồ sơ mức độ 3: 1.205 hồ sơ (trực tiếp 894, trực tuyến 311)."
    found = values([text])
    assert found["dossier.level3_direct"] == 894
    assert found["dossier.level3_online"] == 311


# --- appendix, pages, first value wins ----------------------------------------------------------------


def test_appendix_values_are_ignored() -> None:
    body = DVC + "cung cấp 1.960 dịch vụ công trực tuyến.\n\nNơi nhận:\n- Lưu: VT.\n"
    appendix = (
        "Phụ lục II\nKẾT QUẢ THỰC HIỆN\n"
        "- Cổng dịch vụ công: cung cấp 2.000 dịch vụ công trực tuyến (mức 3: 879)."
    )
    assert values([body, appendix]) == {"dvc.services_total": 1960}
    assert values([appendix]) == {}


def test_appendix_whose_heading_ocr_lost_is_still_an_appendix() -> None:
    body = DVC + "cung cấp 1.960 dịch vụ công trực tuyến.\n"
    appendix = "9 Phu luc 1\n(Kèm theo Báo cáo số /BC-STTTT ngày 18/3/2021)\n" + DVC + "cung cấp 2.000 DVC."
    assert values([body, appendix]) == {"dvc.services_total": 1960}
    assert values([appendix]) == {}


def test_theo_phu_luc_in_prose_is_not_an_appendix_heading() -> None:
    # OCR wrapped the line right before "phụ lục": still prose.
    text = "Kết quả thực hiện các nhiệm vụ được giao theo\nphụ lục đính kèm.\n" + DVC + "cung cấp 1.960 DVC."
    assert values([text]) == {"dvc.services_total": 1960}


@pytest.mark.parametrize(
    ("line", "heading"),
    [
        ("Phụ lục I", True),
        ("Phụ lục", True),
        ("PHỤ LỤC 2: SỐ LIỆU CHI TIẾT", True),
        ("Phụ lục số 01", True),
        ("PHỤ LỤC KẾT QUẢ THỰC HIỆN", True),
        ("Phu luc II", True),
        ("phụ lục đính kèm.", False),
        ("Phụ lục kèm theo báo cáo này gồm các biểu số liệu chi tiết của từng đơn vị", False),
        ("Theo phụ lục", False),
    ],
)
def test_appendix_heading(line: str, heading: bool) -> None:
    assert is_appendix_heading(line) is heading


def test_first_value_in_the_body_wins() -> None:
    text = DVC + "cung cấp 1.960 dịch vụ công trực tuyến.\n" + DVC + "cung cấp 1.978 dịch vụ công trực tuyến."
    assert values([text]) == {"dvc.services_total": 1960}


def test_sentence_running_over_a_page_break_with_a_page_number() -> None:
    pages = [
        DVC + "Trong tháng tiếp nhận",
        "2\n10.214 hồ sơ, gồm 6.480 hồ sơ trực tiếp và 3.734 hồ sơ trực tuyến.",
    ]
    found = by_kpi(pages)
    assert found["dossier.received"].value == 10214
    assert found["dossier.received"].page == 2
    assert pages[1][found["dossier.received"].start : found["dossier.received"].end] == "10.214"
    assert found["dossier.received_online"].value == 3734


# --- tables -------------------------------------------------------------------------------------------

TABLE_HEADER = "TT\tChỉ tiêu\tĐơn vị tính\tKế hoạch năm 2022\tThực hiện năm 2022\n"


@pytest.mark.parametrize("separator", ["\t", " | ", " "])
def test_table_rows_take_the_result_column_not_the_plan(separator: str) -> None:
    rows = [
        ["1", "Tỷ lệ văn bản đi được ký số", "%", "90", "87,9"],
        ["2", "Tỷ lệ DVC trực tuyến mức độ 4", "%", "50", "53,8"],
        ["3", "Tỷ lệ hồ sơ giải quyết đúng hạn", "%", "98", "98,6"],
        ["4", "Tổng số văn bản đi", "Văn bản", "120.000", "112.345"],
    ]
    text = TABLE_HEADER.replace("\t", separator) + "\n".join(separator.join(row) for row in rows)
    assert values([text]) == {"doc.signed_pct": 87.9, "dvc.level4_services_pct": 53.8, "doc.issued": 112345}


def test_table_with_a_single_result_column() -> None:
    text = (
        "TT\tChỉ tiêu\tĐơn vị tính\tKết quả\n"
        "1\tSố văn bản điện tử phát hành\tVăn bản\t30.704\n"
        "2\tSố văn bản đi được ký số\tVăn bản\t26.118\n"
        "3\tTỷ lệ văn bản đi được ký số\t%\t85,06\n"
        "4\tTổng số hộp thư điện tử công vụ\tTài khoản\t6.215\n"
        "5\tSố dịch vụ công trực tuyến tích hợp lên Cổng DVC quốc gia\tDịch vụ\t938\n"
    )
    assert values([text]) == {
        "doc.issued": 30704,
        "doc.signed": 26118,
        "doc.signed_pct": 85.06,
        "email.total_accounts": 6215,
        "dvc.services_integrated_national": 938,
    }


def test_table_rows_as_tesseract_reads_them_with_wrapped_label_cells() -> None:
    text = (
        "TT Chỉ tiêu Đơn vị Kế hoạch năm Thực hiện năm\n"
        "tính 2022 2022\n"
        "1 | Tỷ lệ văn bản đi được ký số % 90 87,9\n"
        "2_ | Tỷ lệ DVC trực tuyến mức % 50 53,8\n"
        "độ 4\n"
        "5 Số dịch vụ công trực tuyến tích hợp lên Dịch vụ 1.200 938\n"
        "Cổng DVC quốc gia\n"
    )
    assert values([text]) == {
        "doc.signed_pct": 87.9,
        "dvc.level4_services_pct": 53.8,
        "dvc.services_integrated_national": 938,
    }


def test_table_row_with_other_wording_is_not_taken() -> None:
    text = "TT\tChỉ tiêu\tĐơn vị tính\tKết quả\n1\tSố văn bản đi ký số bằng chữ ký cá nhân\tVăn bản\t1.000\n"
    assert values([text]) == {}


def test_empty_input() -> None:
    assert extract_kpis([]) == []
    assert extract_kpis(["", "   \n"]) == []


# --- robustness ---------------------------------------------------------------------------------------

_VOCABULARY = (
    "tiếp nhận hồ sơ mức độ 3 4 trực tiếp tuyến tỷ lệ ( ) , ; . : % \n - | \t 1.234 56 7,8 37/37 Phụ lục "
    "chứng thư số cấp mới văn bản ký số tổng quý I/2021 năm 2022 dịch vụ công DVC"
)
_WORDS = st.sampled_from(_VOCABULARY.split(" "))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(_WORDS, max_size=40).map(" ".join), max_size=3))
def test_extract_kpis_never_raises_and_matches_are_valid(pages: list[str]) -> None:
    for match in extract_kpis(pages):
        assert 1 <= match.page <= len(pages)
        page = pages[match.page - 1]
        assert 0 <= match.start < match.end <= len(page)
        assert page[match.start : match.end][:1].isdigit()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(max_size=200), max_size=3))
def test_parsers_never_raise_on_arbitrary_text(pages: list[str]) -> None:
    extract_kpis(pages)
    parse_metadata(pages)
