"""The figure reader (parsers/figures.py) and figures as meant (parsers/quantities.py), on our own text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parsers.kpis import extract_kpis
from parsers.quantities import combined_qualifier, qualifier_before, scaled_value
from parsers.vocabulary import VocabularyError, fold_phrase, load_vocabulary, parse_vocabulary
from schemas.models import Qualifier

VOCABULARY = load_vocabulary()


def read(text: str, province: str | None = "Đồng Tháp") -> set[tuple[str, float, str, str, str | None]]:
    return {(m.kpi, m.value, m.scope, m.qualifier, m.level) for m in extract_kpis([text], province=province)}


# --- quantities -------------------------------------------------------------------------------------


@given(st.integers(0, 99_999), st.sampled_from([1000, 1_000_000]))
def test_scaled_value_gives_the_whole_number_meant(tenths: int, factor: int) -> None:
    value = scaled_value(tenths / 10, factor)
    assert value == tenths * factor // 10
    assert value == int(value)


@given(st.lists(st.sampled_from(["tiep", "nhan", "ho", "so", "da", "cap", "trong", "quy"]), max_size=6))
def test_words_without_a_qualifier_are_exact(words: list[str]) -> None:
    assert qualifier_before(words, VOCABULARY.qualifiers) == Qualifier.EXACT


@pytest.mark.parametrize(
    ("before", "qualifier"),
    [
        ("tiếp nhận khoảng", Qualifier.APPROX),
        ("gần", Qualifier.APPROX),
        ("xấp xỉ", Qualifier.APPROX),
        ("đạt trên", Qualifier.OVER),
        ("hơn", Qualifier.OVER),
        ("dưới", Qualifier.UNDER),
        ("chỉ chưa đến", Qualifier.UNDER),
        ("khoảng 3 ngày, tiếp nhận", Qualifier.EXACT),  # the qualifier must touch the number
    ],
)
def test_qualifier_before_a_number(before: str, qualifier: Qualifier) -> None:
    assert qualifier_before(list(fold_phrase(before)), VOCABULARY.qualifiers) == qualifier


@given(st.sampled_from(list(Qualifier)), st.booleans())
def test_a_scaled_figure_is_approx_unless_bounded(printed: Qualifier, scaled: bool) -> None:
    result = combined_qualifier(printed, scaled)
    expected = Qualifier.APPROX if scaled and printed == Qualifier.EXACT else printed
    assert result == expected


# --- the reader -------------------------------------------------------------------------------------


def test_trong_do_list_with_semicolons_scaled_and_approx() -> None:
    text = (
        "Trong quý, toàn tỉnh tiếp nhận khoảng 12,4 ngàn hồ sơ; trong đó 5.102 hồ sơ trực tiếp và bưu chính; "
        "312 hồ sơ từ kỳ trước chuyển sang; đã giải quyết 11.950 hồ sơ (đúng hạn 11.800 hồ sơ)."
    )
    assert read(text) == {
        ("dossier.received", 12400, "period", "approx", None),
        ("dossier.received_direct", 5102, "period", "exact", None),
        ("dossier.carried_over", 312, "period", "exact", None),
        ("dossier.resolved", 11950, "period", "exact", None),
        ("dossier.resolved_ontime", 11800, "period", "exact", None),
    }


def test_noun_first_and_share_of_the_count_just_named() -> None:
    assert read("Số hồ sơ tiếp nhận trực tuyến là 3.687 hồ sơ, chiếm 27,65%.") == {
        ("dossier.received_online", 3687, "period", "exact", None),
        ("dossier.received_online_pct", 27.65, "period", "exact", None),
    }


def test_stock_and_flow_of_certificates() -> None:
    text = "Đến nay đã cấp 4.105 chứng thư số; số chứng thư số đang hoạt động là 3.900."
    assert read(text) == {
        ("cert.issued", 4105, "cumulative", "exact", None),
        ("cert.total", 3900, "cumulative", "exact", None),
    }


def test_bounded_millions_of_documents() -> None:
    text = "Hệ thống đã gửi đi hơn 1,3 triệu văn bản điện tử, tiếp nhận gần 1,1 triệu văn bản đến."
    assert read(text) == {
        ("doc.issued", 1_300_000, "period", "over", None),
        ("doc.received", 1_100_000, "period", "approx", None),
    }


def test_one_level_figures_carry_their_level_and_comparisons_give_nothing() -> None:
    text = "Cấp huyện tiếp nhận 4.902 hồ sơ, giảm 315 hồ sơ so với quý trước."
    assert read(text) == {("dossier.received", 4902, "period", "exact", "district")}


@pytest.mark.parametrize(
    "text",
    [
        "Tỉnh Bình Dương tiếp nhận 20.000 hồ sơ trực tuyến.",  # another province
        "Cả nước đã cấp 1,2 triệu chứng thư số.",  # the whole country
        "Tổng số hồ sơ phải giải quyết trong kỳ là 52.340 hồ sơ.",  # to be worked on, not a result
        "Kế hoạch năm 2024 tiếp nhận 60.000 hồ sơ trực tuyến.",  # a plan
        "Thành phố Thủ Đức tiếp nhận 61.220 hồ sơ, nhiều nhất trong các quận, huyện.",  # a ranking
        "Trong tháng, huyện Cao Lãnh tiếp nhận 4.000 hồ sơ, trong đó 3.000 hồ sơ trực tuyến.",  # one district
        "UBND thành phố Sa Đéc đã giải quyết 2.100 hồ sơ đúng hạn.",  # one city of the province (rule too)
    ],
)
def test_someone_elses_figures_give_nothing(text: str) -> None:
    assert read(text) == set()


def test_the_report_province_is_not_foreign() -> None:
    assert read("Tỉnh Đồng Tháp tiếp nhận 20.000 hồ sơ trực tuyến.") == {
        ("dossier.received_online", 20000, "period", "exact", None)
    }


def test_every_figure_carries_its_evidence() -> None:
    (match,) = extract_kpis(
        ["Trong tháng,\nhệ thống tiếp nhận khoảng 12,4 ngàn hồ sơ."], province="Đồng Tháp"
    )
    assert match.rule.startswith("figure:")
    assert match.evidence and "12,4 ngàn" in match.evidence
    assert (
        match.page,
        "Trong tháng,\nhệ thống tiếp nhận khoảng 12,4 ngàn hồ sơ."[match.start : match.end],
    ) == (
        1,
        "12,4",
    )
    assert 0.7 <= match.score <= 1


def test_a_broken_vocabulary_names_the_entry() -> None:
    with pytest.raises(VocabularyError, match="kpis entry 1"):
        parse_vocabulary(
            {"slots": {"noun": {"dossier": ["hồ sơ"]}}, "kpis": [{"kpi": "doc.nope", "need": {}}]}
        )
    with pytest.raises(VocabularyError, match="not a value of `slots`"):
        parse_vocabulary(
            {
                "slots": {"noun": {"dossier": ["hồ sơ"]}},
                "kpis": [{"kpi": "dossier.received", "need": {"noun": "x"}}],
            }
        )


def test_flattened_table_levels_as_rows_and_columns() -> None:
    text = (
        "Kết quả tiếp nhận hồ sơ quý I\n"
        "Cấp | Tiếp nhận | Trực tuyến | Tỷ lệ\n"
        "Cấp huyện | 2204 | 1100 | 49,9%\n"
        "Mức 2 | 700 | 10 | 1,4%\n"
        "Toàn tỉnh | 10310 | 6120 | 59,4%\n"
    )
    assert read(text) == {
        ("dossier.received", 2204, "period", "exact", "district"),
        ("dossier.received_online", 1100, "period", "exact", "district"),
        ("dossier.received_online_pct", 49.9, "period", "exact", "district"),
        # "Mức 2" says nothing the vocabulary knows: its row is left out.
        ("dossier.received", 10310, "period", "exact", None),
        ("dossier.received_online", 6120, "period", "exact", None),
        ("dossier.received_online_pct", 59.4, "period", "exact", None),
    }


def test_two_header_rows_with_spanning_cells() -> None:
    text = (
        "Dịch vụ công trực tuyến\n| Toàn trình | | Một phần |\n| TTHC | % | TTHC | %\n"
        "Tổng | 1034 | 52,8 | 925 | 47,2\n"
    )
    assert read(text) == {
        ("dvc.full_online_services", 1034, "cumulative", "exact", None),
        ("dvc.full_online_services_pct", 52.8, "cumulative", "exact", None),
        ("dvc.partial_online_services", 925, "cumulative", "exact", None),
        ("dvc.partial_online_services_pct", 47.2, "cumulative", "exact", None),
    }


def test_a_ranking_table_of_provinces_gives_nothing() -> None:
    text = (
        "Bảng xếp hạng tỷ lệ hồ sơ trực tuyến\nSTT | Địa phương | Tỷ lệ (%)\n"
        "12 | Cà Mau | 71,4\n13 | Đồng Tháp | 70,9\n"
    )
    assert read(text) == set()


@pytest.mark.parametrize(
    "text",
    [
        # Folded, "hệ số" is OCR's "hé so" (hồ sơ) and "chạm" is "chậm" (late); "Điều 13" is a reference.
        "Hệ số chạm đất không vượt quá giá trị quy định tại Điều 13 Thông tư này.",
        "Trẻ em được cấp 120 thẻ bảo hiểm y tế.",
        "Báo cáo số liệu theo Biểu 02 và Phụ lục 3 kèm theo.",
        "Tổng văn bản đi trong quý: 30 704 văn bản.",  # OCR split one number in two
    ],
)
def test_lookalike_words_references_and_split_numbers_give_nothing(text: str) -> None:
    assert read(text) == set()


def test_an_inclusive_total_gives_way_to_the_new_dossiers() -> None:
    text = (
        "Tổng số hồ sơ tiếp nhận là 30.217 hồ sơ; trong đó: kỳ trước chuyển sang 1.406 hồ sơ; "
        "tiếp nhận mới 28.811 hồ sơ."
    )
    assert read(text) == {
        ("dossier.carried_over", 1406, "period", "exact", None),
        ("dossier.received", 28811, "period", "exact", None),
    }


def test_on_time_printed_apart_from_early_is_not_on_time_or_early() -> None:
    text = (
        "Đã giải quyết 182.000 hồ sơ; trong đó trước hạn 120.417 hồ sơ, đúng hạn 61.000 hồ sơ, "
        "quá hạn 583 hồ sơ."
    )
    assert read(text) == {
        ("dossier.resolved", 182000, "period", "exact", None),
        ("dossier.resolved_late", 583, "period", "exact", None),
    }


def test_the_readers_more_specific_code_wins_over_a_rule() -> None:
    text = "Hồ sơ mức độ 4: 3.862 hồ sơ, trong đó trực tuyến 3.015 hồ sơ (78,07%), trực tiếp 847 hồ sơ."
    found = read(text)
    assert ("dossier.level4_direct", 847, "period", "exact", None) in found
    assert not any(kpi == "dossier.received_direct" for kpi, *_ in found)


def test_a_breakdown_of_new_certificates_is_not_the_stock() -> None:
    text = "Cấp mới 108 CTS (96 CTS cá nhân, 12 CTS tổ chức); thu hồi 14 CTS."
    assert read(text) == {
        ("cert.issued", 108, "period", "exact", None),
        ("cert.revoked", 14, "period", "exact", None),
    }


def test_english_grouped_dashboard_numbers() -> None:
    text = "Thống kê năm 2024 — Hồ sơ tiếp nhận: 2,418,306 | Đã giải quyết hồ sơ: 2,377,950"
    assert read(text, province="Hà Nội") == {
        ("dossier.received", 2418306, "period", "exact", None),
        ("dossier.resolved", 2377950, "period", "exact", None),
    }
    # "2,418" alone stays a Vietnamese decimal: no count.
    assert read("Hồ sơ tiếp nhận: 2,418 |", province="Hà Nội") == set()
