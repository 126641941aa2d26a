"""Figures that are not the report's own KPI: the reader must leave them out (a wrong value is worse than a
missing one), and still read the report's own figure said next to them.

Every sentence is written here, with invented numbers, one group per trap class: another province, a former
province after the 2025 merger, the whole country or a ministry, one unit or level, comparisons and
changes, plans and targets, and counts of other things than the KPI's noun (people, agencies, meetings,
money, visits, scores, ranks). The report's own province is Vĩnh Long unless a test says otherwise.
"""

from __future__ import annotations

import pytest

from parsers.kpis import extract_kpis

PROVINCE = "Vĩnh Long"


def read(text: str, province: str = PROVINCE) -> dict[str, tuple[float, str | None, str]]:
    """kpi -> (value, level, qualifier) of every value read from `text`."""
    return {m.kpi: (m.value, m.level, m.qualifier) for m in extract_kpis([text], province=province)}


def whole(text: str, province: str = PROVINCE) -> dict[str, float]:
    """kpi -> value of the whole-province values read from `text` (one-level ones left aside)."""
    return {kpi: value for kpi, (value, level, _) in read(text, province).items() if level is None}


OTHER_PROVINCE = [
    "Tỉnh Bến Tre tiếp nhận 12.345 hồ sơ trực tuyến trong quý.",
    "Theo số liệu của Sở Khoa học và Công nghệ tỉnh Lâm Đồng, đã cấp 3.456 chứng thư số.",
    "Thành phố Hồ Chí Minh tiếp nhận hơn 1,2 triệu hồ sơ.",
    "Tại Thủ đô, các cơ quan đã tiếp nhận 987.654 hồ sơ.",
    "Tỉnh Bà Rịa - Vũng Tàu đã cấp mới 640 chứng thư số.",
]

FORMER_PROVINCE = [
    # Since the 2025 merger Vĩnh Long also covers the former Bến Tre and Trà Vinh: their figures are parts.
    "Khu vực tỉnh Trà Vinh cũ tiếp nhận 23.456 hồ sơ.",
    "Riêng khu vực Bến Tre (cũ) đã giải quyết 8.765 hồ sơ đúng hạn.",
    "Tỉnh Vĩnh Long cũ tiếp nhận 31.200 hồ sơ trong tháng.",
    "Các xã thuộc tỉnh Trà Vinh trước đây đã tiếp nhận 4.100 hồ sơ trực tuyến.",
]

NATIONAL_OR_MINISTRY = [
    "Toàn quốc đã có 4.512 dịch vụ công trực tuyến toàn trình.",
    "Theo Bộ Nội vụ, cả nước tiếp nhận 12,5 triệu hồ sơ trực tuyến.",
    "Bộ Công an tiếp nhận 3.400 hồ sơ trực tuyến.",
    "Sau ba tháng, 34 địa phương đã tiếp nhận 15,2 triệu hồ sơ.",
    "Khối địa phương tiếp nhận 5.210.448 hồ sơ trong tháng.",
    "Cổng Dịch vụ công quốc gia đã cung cấp 4.412 dịch vụ công trực tuyến.",
]

ONE_BODY_OR_SECTOR = [
    "Công an tỉnh đã tiếp nhận 45.600 hồ sơ trực tuyến.",
    "Trong quý, Bưu điện tỉnh đã tiếp nhận 3.200 hồ sơ qua dịch vụ bưu chính công ích.",
    "Sở Tư pháp tiếp nhận 1.200 hồ sơ trong quý.",
    "Ngành Thuế tiếp nhận 98.000 hồ sơ khai thuế điện tử.",
    "Bảo hiểm xã hội tỉnh tiếp nhận 12.000 hồ sơ trực tuyến.",
    "Viettel Vĩnh Long đã cấp 1.500 sim ký số cho cán bộ.",
    "Lĩnh vực đất đai tiếp nhận 12.000 hồ sơ trực tuyến.",
    "Tỷ lệ hồ sơ trực tuyến của Sở Tư pháp đạt 92%.",
]

ONE_UNIT = [
    "Phường Hòa Thuận tiếp nhận 450 hồ sơ.",
    "Riêng thành phố Long Xuyên tiếp nhận 1.250 hồ sơ.",
    "Đặc khu Côn Đảo tiếp nhận 2.611 hồ sơ trong năm.",
    "Trung tâm Phục vụ hành chính công đặc khu Phú Quốc đã tiếp nhận mới 1.377 hồ sơ.",
]

COMPARISONS = [
    "Số hồ sơ trực tuyến giảm 315 hồ sơ so với quý trước.",
    "Số chứng thư số cấp mới tăng thêm 120 chứng thư.",
    "Hồ sơ trực tuyến chênh lệch 230 hồ sơ so với tháng 5.",
    "Số hồ sơ tiếp nhận tăng 12% so với cùng kỳ.",
    "Cùng kỳ năm trước, tỉnh tiếp nhận 40.210 hồ sơ.",
]

PLANS = [
    "Phấn đấu năm 2027 tiếp nhận 80% hồ sơ trực tuyến.",
    "Tỉnh đặt ra mục tiêu cấp 5.000 chứng thư số trong năm tới.",
    "Năm 2027, tỉnh sẽ cấp 3.000 chứng thư số.",
    "Theo lộ trình, đến hết năm 2027 có 90% hồ sơ được xử lý trực tuyến.",
    "Dự kiến tiếp nhận 20.000 hồ sơ trong quý tới.",
    "Phấn đấu đến hết năm 2026: 100% văn bản đi được ký số; cấp mới 1.500 chứng thư số cho cán bộ cấp xã.",
    "Số TTHC đủ điều kiện cung cấp dịch vụ công trực tuyến toàn trình: 1.088.",
]

OTHER_THINGS_COUNTED = [
    "Đã cấp chứng thư số cho 1.234 cán bộ, công chức.",
    "Tiếp nhận hồ sơ của 2.300 người dân.",
    "Giải quyết hồ sơ tại 125 cơ quan, đơn vị.",
    "Tổ chức 15 hội nghị tập huấn về chữ ký số.",
    "Thu 25 triệu đồng phí từ hồ sơ trực tuyến.",
    "Chỉ số cải cách hành chính đạt 87,5 điểm, xếp thứ 12.",
    "Tiếp nhận 45 phản ánh kiến nghị về hồ sơ.",
    "Đã tiếp nhận 540 cuộc gọi hỗ trợ về hồ sơ trực tuyến.",
    "Đã cấp 850 mã QR cho hồ sơ.",
    "Đã giải quyết 12 vụ việc khiếu nại liên quan hồ sơ.",
    "Trung tâm đang tiếp nhận hồ sơ của 17 sở, ngành.",
    "Có 1.096 Tổ công nghệ số cộng đồng đã hỗ trợ người dân nộp 36.500 hồ sơ trực tuyến.",
    "Tiếp nhận 1.500 lượt truy cập cổng dịch vụ công.",
    # A label names what its figure counts with the word right after "Số" / "Tỷ lệ".
    "Số người nộp hồ sơ trực tuyến: 12.300.",
    "Số doanh nghiệp nộp hồ sơ trực tuyến là 3.400.",
    "Số thủ tục có phát sinh hồ sơ trực tuyến: 812.",
    "Số cán bộ được cấp chứng thư số: 1.520.",
    "Tỷ lệ hài lòng của người dân khi nộp hồ sơ trực tuyến: 95,4%.",
    "Số phản ánh kiến nghị về hồ sơ trực tuyến: 43.",
    # Shares of other things, and thresholds that other things reached.
    "Đạt 100% số xã có hồ sơ trực tuyến.",
    "Trong 10 tháng, 8 xã đạt trên 90% hồ sơ trực tuyến.",
    "Có 12 thủ tục có tỷ lệ hồ sơ trực tuyến trên 90%.",
]


@pytest.mark.parametrize(
    "text",
    OTHER_PROVINCE
    + FORMER_PROVINCE
    + NATIONAL_OR_MINISTRY
    + ONE_BODY_OR_SECTOR
    + COMPARISONS
    + PLANS
    + OTHER_THINGS_COUNTED,
)
def test_someone_elses_figure_or_another_thing_gives_no_value(text: str) -> None:
    assert read(text) == {}


@pytest.mark.parametrize("text", ONE_UNIT)
def test_one_units_figure_gives_no_province_value(text: str) -> None:
    assert whole(text) == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The own figure of a sentence that also quotes a former province's part.
        ("Toàn tỉnh có 12.406 hộp thư, trong đó khu vực tỉnh Trà Vinh cũ 4.019 hộp thư.",
         {"email.total_accounts": 12406}),
        ("Văn bản đi trên hệ thống trong tháng: 61.730, trong đó khu vực tỉnh Bến Tre cũ 38.114.",
         {"doc.issued": 61730}),
        ("Trong tháng, tỉnh tiếp nhận 156.042 hồ sơ; riêng các xã thuộc khu vực tỉnh Trà Vinh cũ tiếp nhận "
         "58.913 hồ sơ.", {"dossier.received": 156042}),
        # The result clause of a sentence that opens with a target.
        ("Kế hoạch năm 2026 giao chỉ tiêu cấp mới 800 chứng thư số; kết quả đã cấp mới 912 chứng thư số.",
         {"cert.issued": 912}),
        # An earlier year's figure beside this year's: a comparison; a year named after the figure is not.
        ("Năm 2022, tỉnh tiếp nhận 45.000 hồ sơ; năm nay tiếp nhận 52.000 hồ sơ.",
         {"dossier.received": 52000}),
        ("Năm 2024, tỉnh tiếp nhận 52.000 hồ sơ, gấp đôi năm 2022.", {"dossier.received": 52000}),
        # A bounded share of the province's own dossiers stays.
        ("Tiếp nhận 45.000 hồ sơ, trong đó trên 60% hồ sơ trực tuyến.",
         {"dossier.received": 45000, "dossier.received_online_pct": 60}),
        # Labels whose first words do name the counted thing.
        ("Số lượng văn bản đến được tiếp nhận trên hệ thống: 71.230 văn bản.", {"doc.received": 71230}),
        ("Số lượt hồ sơ nộp trực tuyến trong tháng là 6.774 lượt.", {"dossier.received_online": 6774}),
        # A comparison said after the own figure does not take it away.
        ("Tiếp nhận 5.200 hồ sơ, nhiều hơn 600 hồ sơ so với cùng kỳ.", {"dossier.received": 5200}),
        # The counted thing follows the number: "lượt" here counts something else, the dossiers are own.
        ("Tiếp nhận 1.500 lượt truy cập và 320 hồ sơ trực tuyến.", {"dossier.received_online": 320}),
        # Issued to date is not the active stock; the part still valid is.
        ("Từ khi triển khai, toàn tỉnh đã cấp tổng cộng 11.508 chứng thư số cá nhân; hiện còn hiệu lực "
         "9.732 chứng thư số cá nhân.", {"cert.personal": 9732}),
        # A source quoted is no subject; the department running the systems reports the province's figures.
        ("Theo Bưu điện tỉnh, toàn tỉnh đã tiếp nhận 3.200 hồ sơ qua dịch vụ bưu chính công ích.",
         {"dossier.received_direct": 3200}),
        # A system's name says "giải quyết", but the figure is of dossiers received.
        ("Số hồ sơ tiếp nhận trên Hệ thống thông tin giải quyết TTHC tỉnh là 184.306 hồ sơ.",
         {"dossier.received": 184306}),
    ],
)  # fmt: skip
def test_the_own_figure_next_to_a_trap_is_still_read(text: str, expected: dict[str, float]) -> None:
    assert whole(text) == expected


def test_the_own_province_by_its_other_name_is_not_foreign() -> None:
    text = "Tỉnh Thừa Thiên Huế tiếp nhận 52.318 hồ sơ trong quý."
    assert whole(text, province="Thừa Thiên Huế") == {"dossier.received": 52318}
    assert whole(text, province="Huế") == {"dossier.received": 52318}
    assert whole(text, province="Đà Nẵng") == {}


def test_a_level_and_the_whole_province_both_said_leave_the_figure_out() -> None:
    text = (
        "Trung tâm Phục vụ hành chính công tỉnh (mô hình một cấp) cùng 54 chi nhánh đã tiếp nhận 387.604 "
        "hồ sơ."
    )
    assert read(text) == {}
    # Said of the number itself, the whole province wins over the level before it.
    text = "Các điểm tiếp nhận tại các xã, phường đã tiếp nhận 387.604 hồ sơ trên toàn tỉnh."
    assert read(text) == {"dossier.received": (387604, None, "exact")}


def test_ocr_signs_glued_to_a_digit_and_portal_dots() -> None:
    assert read("Ty 1& ho so giai quyet dung han dat 99,12%.") == {
        "dossier.resolved_ontime_pct": (99.12, None, "exact")
    }
    dashboard = "Số hồ sơ tiếp nhận 2,418,306 · Trực tuyến 1,902,114 (78.65%) · Cập nhật 10/11/2026"
    assert whole(dashboard) == {
        "dossier.received": 2418306,
        "dossier.received_online": 1902114,
        "dossier.received_online_pct": 78.65,
    }
