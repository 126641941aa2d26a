"""Classes of errors the KPI reader made on real public texts (provincial portals and newspapers read
through the `search` tool's pages corpus, never copied here), each rewritten as our own sentences with our
own numbers: the trap, and beside it the figure the same text must still give.
"""

from __future__ import annotations

from parsers.kpis import extract_kpis


def read(text: str, province: str | None = "Hà Tĩnh") -> dict[str, float]:
    return {m.kpi: m.value for m in extract_kpis([text], province=province)}


def test_a_marked_word_one_letter_from_a_short_pattern_word_is_another_word() -> None:
    # "quả gần" folds to "qua gan", one letter from "quá hạn" (late): it was read as 19.000 late dossiers.
    text = "Trung tâm đã giải quyết và trả kết quả gần 19.000 hồ sơ, đạt 95,1%."
    values = read(text)
    assert "dossier.resolved_late" not in values
    assert values["dossier.resolved"] == 19000
    # A garbled, unmarked spelling still matches: OCR tolerance is kept where the marks are lost.
    assert read("Trong ky, giai quyet qua han 212 ho so.")["dossier.resolved_late"] == 212


def test_on_time_printed_apart_from_early_is_not_on_time_or_early() -> None:
    # The taxonomy's on-time count includes the early ones; printed apart, neither part is that count.
    text = (
        "Đã giải quyết 14.820 hồ sơ; trong đó trả trước thời hạn 12.004 hồ sơ; đúng hạn 2.611 hồ sơ; "
        "trả quá hạn 205 hồ sơ."
    )
    values = read(text)
    assert "dossier.resolved_ontime" not in values
    assert values["dossier.resolved"] == 14820
    assert values["dossier.resolved_late"] == 205
    together = "Đã giải quyết 14.820 hồ sơ, trong đó đúng hạn và sớm hạn 14.615 hồ sơ."
    assert read(together)["dossier.resolved_ontime"] == 14615


def test_procedures_announced_by_decision_are_not_published_on_the_national_portal() -> None:
    announced = "Năm 2024, UBND tỉnh đã công bố 1.306 TTHC ở 3 cấp: tỉnh, huyện, xã."
    assert "dvc.procedures_published_national" not in read(announced)
    published = "Tỉnh đã công khai 1.911 TTHC trên Cổng DVCQG."
    assert read(published)["dvc.procedures_published_national"] == 1911


def test_one_amount_as_a_share_of_another_is_no_rate() -> None:
    ratio = "Số hồ sơ trực tuyến của 6 tháng đầu năm bằng gần 80% số hồ sơ trực tuyến của cả năm 2023."
    assert "dossier.received_online_pct" not in read(ratio)
    share = "Tỉnh tiếp nhận 30.114 hồ sơ, trong đó 9.035 hồ sơ trực tuyến, bằng 30%."
    values = read(share)
    assert values["dossier.received_online"] == 9035


def test_a_bracket_leaving_out_a_ministry_s_dossiers_keeps_the_figure_the_province_s() -> None:
    text = (
        "Trong quý, toàn tỉnh tiếp nhận 41.200 hồ sơ. Trong đó, có 10.944 hồ sơ trực tuyến (đạt tỷ lệ "
        "26,56%, chưa bao gồm hồ sơ tiếp nhận trên hệ thống của các bộ, ngành trung ương); 30.256 hồ sơ "
        "trực tiếp."
    )
    values = read(text)
    assert values["dossier.received_online"] == 10944
    assert values["dossier.received_online_pct"] == 26.56
    assert values["dossier.received_direct"] == 30256
    # Named as the figure's owner, the ministries still make the clause theirs.
    owner = "Trong quý, các bộ, ngành trung ương tiếp nhận 10.944 hồ sơ trực tuyến của người dân trong tỉnh."
    assert "dossier.received_online" not in read(owner)


def test_a_noun_said_twice_keeps_what_is_said_after_it() -> None:
    # "chứng thư số, chữ ký số được cấp": the comma joins two names of one thing, so "được cấp" is said
    # of the number: issued to date, never the active certificates (taxonomy 1.1).
    text = (
        "Tính đến hết năm 2023, toàn tỉnh có 4.076 chứng thư số, chữ ký số được cấp cho các cơ quan, đơn "
        "vị. Trong đó, chứng thư số, chữ ký số đang hoạt động là 3.310."
    )
    values = {(m.kpi, m.scope): m.value for m in extract_kpis([text], province="Hà Tĩnh")}
    assert values[("cert.issued", "cumulative")] == 4076
    assert values[("cert.total", "cumulative")] == 3310
    # Two different things after the comma stay apart: "văn bản đến" is not the documents sent.
    sent = "Trong năm, có khoảng 1,1 triệu văn bản được gửi đi, văn bản đến khoảng 2,2 triệu văn bản."
    assert read(sent)["doc.issued"] == 1100000


def test_a_sentence_opened_by_trong_do_breaks_down_the_total_before_it() -> None:
    # The parts of a to-date stock are to date too: revoked since the start, not in the period.
    text = (
        "Tính đến hết tháng 6/2024, toàn tỉnh đã cấp 5.140 chứng thư số cho các cơ quan, đơn vị.\n\n"
        "Trong đó, chứng thư số đang hoạt động là 4.402; đã thu hồi 738 chứng thư số."
    )
    values = {(m.kpi, m.scope): m.value for m in extract_kpis([text], province="Hà Tĩnh")}
    assert values[("cert.revoked", "cumulative")] == 738
    assert ("cert.revoked", "period") not in values
    assert values[("cert.total", "cumulative")] == 4402
    # Said within the period, revocations stay the period's.
    quarter = "Trong quý II/2024, Sở đã cấp mới 212 chứng thư số; đã thu hồi 38 chứng thư số."
    assert {(m.kpi, m.scope): m.value for m in extract_kpis([quarter], province="Hà Tĩnh")}[
        ("cert.revoked", "period")
    ] == 38


def test_a_bracket_opened_by_a_count_gives_the_phrase_before_it_its_count() -> None:
    text = (
        "Sáu tháng đầu năm, Trung tâm tiếp nhận 48,6 ngàn hồ sơ. Trong đó, phần lớn là hồ sơ tiếp nhận "
        "trực tiếp (39,2 ngàn hồ sơ), số còn lại nộp trực tuyến."
    )
    (direct,) = [m for m in extract_kpis([text], province="Hà Tĩnh") if m.kpi == "dossier.received_direct"]
    assert (direct.value, direct.qualifier) == (39200, "approx")
    # A bracket breaking down a count just said stays that count's parts, not the phrase's.
    parts = "Đã cấp mới 412 chứng thư số (371 chứng thư số cá nhân, 41 chứng thư số tổ chức)."
    assert read(parts)["cert.issued"] == 412


def test_late_by_the_rules_is_no_comparison_and_received_documents_are_received() -> None:
    late = "Đã giải quyết 9.310 hồ sơ; đang giải quyết 412 hồ sơ; trả quá hạn so với quy định 96 hồ sơ."
    assert read(late)["dossier.resolved_late"] == 96
    assert "dossier.resolved_late" not in read("Số hồ sơ quá hạn giảm 96 hồ sơ so với quý trước.")
    documents = (
        "Trong 6 tháng, có trên 98.000 văn bản điện tử được gửi đi và trên 310.000 văn bản điện tử được nhận."
    )
    values = read(documents)
    assert values["doc.issued"] == 98000
    assert values["doc.received"] == 310000


def test_a_span_of_years_is_neither_a_count_nor_the_report_s_period() -> None:
    national = "Số chứng thư số do Ban Cơ yếu Chính phủ cấp trong giai đoạn 2019 - 2020 là 21.405."
    assert read(national) == {}
    text = (
        "Trong giai đoạn 2021 - 2024, Sở đã cấp mới 2.310 chứng thư số. "
        "Trong năm 2024, Sở đã cấp mới 512 chứng thư số."
    )
    assert read(text) == {"cert.issued": 512}


def test_ministries_named_in_a_comma_list_and_values_given_in_turn_are_not_the_province_s() -> None:
    ranking = (
        "Trong năm, 4 bộ có tỷ lệ hồ sơ trực tuyến toàn trình cao nhất trong 80 bộ, ngành, địa phương, với "
        "các tỷ lệ lần lượt là 88,1; 81,5% và 79,2%."
    )
    assert read(ranking) == {}
    in_turn = (
        "Tỷ lệ hồ sơ trực tuyến của các sở Tư pháp, Tài chính, Công Thương lần lượt là 83,4%, 78,1% và 77,6%."
    )
    assert read(in_turn) == {}
    assert read("Tỷ lệ hồ sơ trực tuyến của tỉnh đạt 41,7%.") == {"dossier.received_online_pct": 41.7}


def test_a_period_said_after_the_stock_s_date_holds_for_the_figures_after_it() -> None:
    text = (
        "Tính đến ngày 31/12/2023, toàn tỉnh có 4.120 chứng thư số đang sử dụng, trong năm cấp mới 530 "
        "chứng thư số, thu hồi 48 chứng thư số."
    )
    values = {(m.kpi, m.scope): m.value for m in extract_kpis([text], province="Hà Tĩnh")}
    assert values[("cert.total", "cumulative")] == 4120
    assert values[("cert.issued", "period")] == 530
    assert values[("cert.revoked", "period")] == 48
    assert ("cert.revoked", "cumulative") not in values


def test_a_portal_statistics_table_with_levels_over_count_and_share_columns() -> None:
    # Flattened from a provincial portal's statistics page: two header lines (levels, then TTHC | %).
    table = (
        "Tỷ lệ cung cấp dịch vụ công trực tuyến\n"
        "| Mức độ 1 | | Mức độ 2 | | Mức độ 3 | | Mức độ 4 |\n"
        "| TTHC | % | TTHC | % | TTHC | % | TTHC | %\n"
        "Tỷ lệ TTHC cung cấp trực tuyến | 2210 | 100% | 2210 | 100% | 1402 | 63,4% | 655 | 29,6%\n"
    )
    assert read(table) == {
        "dvc.level3_services": 1402,
        "dvc.level3_services_pct": 63.4,
        "dvc.level4_services": 655,
        "dvc.level4_services_pct": 29.6,
    }


def test_levels_3_and_4_together_are_neither_level_s_count() -> None:
    assert read("Cổng một cửa hiện có hơn 1.900 thủ tục, trong đó hơn 70 thủ tục mức độ 3 và mức độ 4.") == {}
    joint = (
        "Cổng DVC tỉnh cung cấp 1.402 DVCTT mức độ 3, 4, gồm 820 dịch vụ mức độ 3 và 582 dịch vụ mức độ 4."
    )
    values = read(joint)
    assert values["dvc.level3_services"] == 820
    assert values["dvc.level4_services"] == 582


def test_a_text_without_a_header_that_names_one_province_is_that_province_s() -> None:
    # A provincial paper's news item: no header, the province named in the body and no other.
    item = (
        "Tỉnh Hà Tĩnh triển khai chữ ký số chuyên dùng từ năm 2018, đến nay số chứng thư số đang hoạt "
        "động là 5.210 chứng thư, trong đó 4.380 chứng thư số cá nhân, 830 chứng thư số tổ chức."
    )
    values = {m.kpi: m.value for m in extract_kpis([item])}
    assert values == {"cert.total": 5210, "cert.personal": 4380, "cert.organization": 830}
    # Naming two provinces, a text compares them: neither is its own.
    two = (
        "Tỉnh Hà Tĩnh có 5.210 chứng thư số đang hoạt động, "
        "tỉnh Nghệ An có 7.950 chứng thư số đang hoạt động."
    )
    assert extract_kpis([two]) == []


def test_a_date_written_with_dots_is_neither_a_count_nor_part_of_the_figure_s_words() -> None:
    text = (
        "Tính từ ngày 1.1.2024 đến 30.06.2024, trung tâm đã tiếp nhận trên 41.000 hồ sơ, "
        "giải quyết hơn 39.500 hồ sơ."
    )
    assert read(text) == {"dossier.received": 41000, "dossier.resolved": 39500}


def test_a_figure_s_own_level_wins_over_the_level_its_sentence_opened_with() -> None:
    text = "Tỉnh cung cấp 1.380 thủ tục mức độ 2; 310 dịch vụ công trực tuyến mức độ 3; 48 dịch vụ mức độ 4."
    assert read(text) == {"dvc.level3_services": 310, "dvc.level4_services": 48}


def test_late_dossiers_printed_without_their_noun() -> None:
    # Accent-free, as a portal's export or an OCR page prints it: the count ends the item.
    text = "Da giai quyet 21.304 ho so, trong do truoc han 9.112, dung han 11.930, qua han 262."
    assert read(text)["dossier.resolved_late"] == 262
    assert "dossier.resolved_late" not in read("Số hồ sơ quá hạn giảm 262 so với cùng kỳ.")
