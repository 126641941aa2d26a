"""Traps for the KPI reader, on our own sentences: numbers that sit near a KPI's words but are not its value.

Each trap comes with a control, the same shape worded as the figure, so that a reader that reads nothing at
all fails here too. A wrong KPI value is worse than a missing one: a trap must give no value of its kind.
"""

from __future__ import annotations

import pytest

from parsers.kpis import extract_kpis


def read(text: str, province: str = "Đồng Tháp") -> set[tuple[str, float]]:
    return {(m.kpi, m.value) for m in extract_kpis([text], province=province)}


TRAPS = [
    # a number of another unit: people, visits, money, places, meetings, scores, decisions
    ("Hồ sơ trực tuyến được hướng dẫn cho 1.250 lượt người dân.", "1.250 lượt"),
    ("Số hồ sơ trực tuyến đạt 85 điểm.", "a score"),
    ("Thu phí hồ sơ trực tuyến 25 triệu đồng.", "money"),
    ("Tiếp nhận hồ sơ tại 145 xã, phường, thị trấn.", "places"),
    ("Tổ chức 5 lớp tập huấn về chữ ký số cho 300 học viên.", "classes and trainees"),
    ("Có 1.200 doanh nghiệp nộp hồ sơ trực tuyến.", "businesses"),
    ("Số hồ sơ tiếp nhận trực tuyến gấp 3 lần.", "a ratio"),
    ("Trong năm đã ban hành 23 quyết định công bố thủ tục hành chính.", "decisions"),
    # not (yet) done, or undone
    ("Có 120 hồ sơ trực tuyến bị từ chối.", "refused"),
    ("Có 56 hồ sơ trực tuyến đang chờ bổ sung.", "waiting"),
    ("Có 800 văn bản mật không ký số.", "not signed"),
    ("Văn bản đi chưa ký số: 800.", "not signed, a rule's wording"),
    ("Hồ sơ không đúng hạn: 300.", "not on time"),
    ("Có 300 chứng thư số hết hạn.", "expired"),
    ("Đăng ký cấp 300 chứng thư số.", "applied for"),
    # someone else's: a ministry, the national portal, a region, the government office
    ("Bộ Công an tiếp nhận 45.000 hồ sơ trực tuyến.", "a ministry"),
    ("Cổng Dịch vụ công quốc gia đã cung cấp 4.412 dịch vụ công trực tuyến.", "the national portal"),
    ("Trong quý đã cấp 512 chứng thư số cho các cơ quan tại khu vực Tây Nguyên.", "a region"),
    ("Theo Văn phòng Chính phủ, tỉnh tiếp nhận 4.000 hồ sơ trực tuyến.", "someone else's count"),
    # comparisons and plans framing a whole clause, however far from the number
    ("Cùng kỳ năm 2022, tỉnh tiếp nhận 30.405 hồ sơ trực tuyến và cấp mới 512 chứng thư số.", "last year"),
    ("Trong năm trước, tỉnh tiếp nhận 4.000 hồ sơ trực tuyến.", "last year"),
    ("Yêu cầu 100% hồ sơ được giải quyết đúng hạn.", "a requirement"),
    ("Hằng tháng tiếp nhận khoảng 300 hồ sơ trực tuyến.", "a monthly average"),
    ("Giai đoạn 2020-2023, tỉnh tiếp nhận 300.000 hồ sơ trực tuyến.", "several years"),
    # a verb said of another object
    ("Ban hành 45 văn bản hướng dẫn tiếp nhận hồ sơ trực tuyến.", "documents about dossiers"),
    ("Hơn 2 triệu văn bản được gửi, nhận qua Trục liên thông.", "sent and received together"),
    # all time, for a code counted per period
    ("Từ năm 2019 đến nay, hơn 2,4 triệu văn bản điện tử đã được gửi qua phần mềm.", "a stock"),
    # OCR noise: a letter read as a digit
    ("Tỷ 1ệ hồ sơ giải quyết đúng hạn cao.", "'1ệ' is 'lệ'"),
]


@pytest.mark.parametrize(("text", "why"), TRAPS, ids=[why for _, why in TRAPS])
def test_a_trap_gives_no_value(text: str, why: str) -> None:
    assert read(text) == set(), why


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Trong quý tiếp nhận 1.250 hồ sơ trực tuyến.", {("dossier.received_online", 1250)}),
        ("Có 120 hồ sơ trực tuyến được tiếp nhận.", {("dossier.received_online", 120)}),
        ("Trong quý có 800 văn bản được ký số.", {("doc.signed", 800)}),
        ("Tỉnh tiếp nhận 45.000 hồ sơ trực tuyến.", {("dossier.received_online", 45000)}),
        ("Trong quý đã cấp 512 chứng thư số cho các cơ quan của tỉnh.", {("cert.issued", 512)}),
        ("Năm 2023, tỉnh tiếp nhận 30.405 hồ sơ trực tuyến và cấp mới 512 chứng thư số.",
         {("dossier.received_online", 30405), ("cert.issued", 512)}),
        ("Trong năm 2023, tỉnh tiếp nhận 4.000 hồ sơ trực tuyến.", {("dossier.received_online", 4000)}),
        ("Tỷ lệ hồ sơ giải quyết đúng hạn đạt 98,21%.", {("dossier.resolved_ontime_pct", 98.21)}),
        # the period named in an all-time sentence keeps the period's figure
        ("Tính đến ngày 31/12/2022, số hồ sơ tiếp nhận trực tuyến trong năm là 71.204.",
         {("dossier.received_online", 71204)}),
    ],
)  # fmt: skip
def test_the_same_shape_worded_as_the_figure_is_read(text: str, expected: set[tuple[str, float]]) -> None:
    assert read(text) == expected


def test_whom_a_thing_was_done_for_is_no_level() -> None:
    matches = extract_kpis(["Tháng 6, cấp mới 42 chứng thư số cho lãnh đạo các xã."], province="Đắk Nông")
    assert [(m.kpi, m.value, m.level) for m in matches] == [("cert.issued", 42, None)]


def test_a_bracketed_breakdown_of_new_certificates_is_no_stock() -> None:
    text = "Sở tổ chức 14 lớp tập huấn; đồng thời cấp mới 882 CTS (835 CTS cá nhân, 47 CTS tổ chức)."
    assert read(text) == {("cert.issued", 882)}


def test_all_levels_together_are_the_whole_province() -> None:
    text = "Trung tâm Phục vụ hành chính công tỉnh và Bộ phận một cửa các cấp tiếp nhận 28.406 hồ sơ."
    matches = extract_kpis([text], province="Hòa Bình")
    assert [(m.kpi, m.value, m.level) for m in matches] == [("dossier.received", 28406, None)]


def test_a_share_of_a_total_names_the_total_as_its_base() -> None:
    text = "Tỉnh ghi nhận 64.318 hồ sơ nộp trực tuyến, chiếm 41,7% tổng số hồ sơ tiếp nhận."
    assert read(text) == {("dossier.received_online", 64318), ("dossier.received_online_pct", 41.7)}


def test_a_dashboard_line_in_english_number_format() -> None:
    text = "Tổng số hồ sơ: 48,207 | Trực tuyến: 19,880 (41.24%) | Đã xử lý: 46,915 | Trễ hạn: 402"
    assert read(text) == {
        ("dossier.received", 48207),
        ("dossier.received_online", 19880),
        ("dossier.received_online_pct", 41.24),
        ("dossier.resolved", 46915),
        ("dossier.resolved_late", 402),
    }


def test_a_vietnamese_decimal_count_stays_out_without_english_numbers() -> None:
    assert read("Tổng số hồ sơ: 48,207.") == set()


def test_a_table_counts_the_noun_of_its_header_line() -> None:
    text = "Cấp | Tổng HS | Trực tiếp | Trực tuyến\nToàn tỉnh | 66215 | 41907 | 24308\n"
    assert {("dossier.received_direct", 41907), ("dossier.received_online", 24308)} <= read(text)


def test_updated_in_a_table_title_is_not_issued() -> None:
    text = (
        "Dịch vụ công trực tuyến (cập nhật 02/01/2024)\nMức độ | Số DVC\nToàn trình | 612\nMột phần | 981\n"
    )
    assert read(text) == {("dvc.full_online_services", 612), ("dvc.partial_online_services", 981)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "trên tổng số ..." after a count names the total it is out of
        ("Số hồ sơ quá hạn là 50 hồ sơ trên tổng số 22.417 hồ sơ đã giải quyết trong quý.",
         {("dossier.resolved_late", 50), ("dossier.resolved", 22417)}),
        # a row-label column's noun ("Đơn vị") is not what a table counts
        ("Đơn vị | VB đi | Ký số\nToàn tỉnh | 31285 | 29315\n",
         {("doc.issued", 31285), ("doc.signed", 29315)}),
        # a total of documents sent
        ("Trong quý, tổng số VBĐT đi: 16.802.", {("doc.issued", 16802)}),
        ("Số hồ sơ chuyển kỳ trước là 3.782.", {("dossier.carried_over", 3782)}),
    ],
)  # fmt: skip
def test_totals_and_bases_are_told_apart(text: str, expected: set[tuple[str, float]]) -> None:
    assert read(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "lượt" measures dossiers here: the unit of a KPI noun is no other unit
        ("Số lượt hồ sơ nộp trực tuyến trong tháng là 6.774 lượt.", {("dossier.received_online", 6774)}),
        # "và" before another verb starts another item: its words are not the first number's
        ("Trong tháng, thu hồi 17 chứng thư số và tạm dừng 4 chứng thư số.", {("cert.revoked", 17)}),
        ("Tỷ lệ hồ sơ giải quyết trước hạn, đúng hạn đạt 99,35%.", {("dossier.resolved_ontime_pct", 99.35)}),
    ],
)  # fmt: skip
def test_units_and_items_of_kpi_nouns(text: str, expected: set[tuple[str, float]]) -> None:
    assert read(text) == expected


def test_a_quoted_source_is_not_the_subject() -> None:
    # "Sở Thông tin và Truyền thông" as subject frames the department's own work; "Theo Sở ..." quotes it.
    text = "Theo Sở Thông tin và Truyền thông, trong năm 2023 toàn tỉnh tiếp nhận 612.844 hồ sơ."
    assert read(text, province="Bà Rịa - Vũng Tàu") == {("dossier.received", 612844)}
    assert read("Sở Thông tin và Truyền thông tiếp nhận 1.200 hồ sơ.") == set()


def test_fees_and_charges_paid_online() -> None:
    assert read("Số hồ sơ thanh toán phí, lệ phí trực tuyến: 2.964.") == {("dossier.paid_online", 2964)}
