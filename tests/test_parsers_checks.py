"""Consistency warnings between KPI values; values themselves are never changed."""

from __future__ import annotations

from parsers.checks import check_consistency
from parsers.kpis import extract_kpis
from schemas.extraction import KpiMatch
from schemas.kpi_codes import KPI_CODES


def match(kpi: str, value: float, page: int = 1) -> KpiMatch:
    definition = KPI_CODES[kpi]
    return KpiMatch(
        kpi=kpi, value=value, unit=definition.unit, scope=definition.scope, page=page, start=0, end=1,
        evidence="x", score=1.0, rule="test",
    )  # fmt: skip


def test_consistent_real_figures_give_no_warning() -> None:
    matches = [
        match("doc.issued", 49583), match("doc.signed", 38102), match("doc.signed_pct", 76.84),
        match("cert.total", 2218), match("cert.organization", 467), match("cert.personal", 1751),
        match("cert.usb", 1716), match("cert.sim_pki", 35),
        match("dvc.services_total", 1960), match("dvc.level3_services", 879),
        match("dvc.level3_services_pct", 44.85),
        match("dvc.level4_services", 702), match("dvc.level4_services_pct", 35.82),
        match("dossier.received", 13332), match("dossier.received_direct", 9645),
        match("dossier.received_online", 3687), match("dossier.level3_received", 2886),
        match("dossier.level3_direct", 2408), match("dossier.level3_online", 478),
        match("dossier.level3_online_pct", 16.56), match("dossier.level4_received", 4745),
        match("dossier.level4_direct", 1536), match("dossier.level4_online", 3209),
        match("dossier.level4_online_pct", 67.63),
    ]  # fmt: skip
    assert check_consistency(matches) == []


def test_sum_mismatch_names_the_printed_values() -> None:
    matches = [
        match("dossier.received", 13332, page=2),
        match("dossier.received_direct", 9645),
        match("dossier.received_online", 3700),
    ]
    (finding,) = check_consistency(matches)
    assert finding.code == "check.sum_mismatch"
    assert finding.severity == "warning"
    assert finding.message == "dossier.received 13.332 ≠ direct 9.645 + online 3.700 = 13.345"
    assert (finding.kpi, finding.page) == ("dossier.received", 2)


def test_rate_mismatch_respects_printed_decimals() -> None:
    assert (
        check_consistency(
            [match("doc.issued", 17882), match("doc.signed", 15340), match("doc.signed_pct", 85.78)]
        )
        == []
    )
    assert (
        check_consistency(
            [
                match("dvc.services_total", 1978),
                match("dvc.level4_services", 1163),
                match("dvc.level4_services_pct", 58.8),
            ]
        )
        == []
    )  # 58.797 rounds to the printed 58,8
    (finding,) = check_consistency(
        [match("doc.issued", 17882), match("doc.signed", 15340), match("doc.signed_pct", 87.78)]
    )
    assert finding.code == "check.rate_mismatch"
    assert "87,78%" in finding.message and "85,78%" in finding.message


def test_signed_exceeds_issued() -> None:
    (finding,) = check_consistency([match("doc.issued", 100), match("doc.signed", 120)])
    assert finding.code == "check.signed_exceeds_issued"
    assert finding.message == "doc.signed 120 > doc.issued 100"


def test_missing_values_are_not_checked() -> None:
    assert check_consistency([match("dossier.received", 13332), match("dossier.received_direct", 9645)]) == []
    assert check_consistency([]) == []


def test_checks_on_extracted_text_flag_a_report_that_contradicts_itself() -> None:
    text = (
        "- Cổng dịch vụ công tỉnh: hệ thống tiếp nhận 25.418 hồ sơ, trong đó trực tiếp 17.203 hồ sơ, "
        "trực tuyến 8.125 hồ sơ."
    )
    matches = extract_kpis([text])
    (finding,) = check_consistency(matches)
    assert finding.message == "dossier.received 25.418 ≠ direct 17.203 + online 8.125 = 25.328"
    assert [m.value for m in matches] == [25418, 17203, 8125]  # values kept as printed
