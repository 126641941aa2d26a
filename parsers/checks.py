"""Cross-field consistency of a report's KPI values: warnings only, values are never changed or dropped.

A report that says "tiếp nhận 13.332 hồ sơ (9.645 trực tiếp, 3.700 trực tuyến)" contradicts itself (or
the OCR misread a digit); the analyst should look, so the pipeline records a warning naming the values
as printed.
"""

from __future__ import annotations

import math

from parsers.numbers import format_vietnamese
from schemas.extraction import Finding, KpiMatch
from schemas.models import Severity

# total = sum of parts; parts are (code, label used in the message).
SUM_RULES: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("cert.total", (("cert.organization", "organization"), ("cert.personal", "personal"))),
    ("cert.personal", (("cert.usb", "usb"), ("cert.sim_pki", "sim_pki"))),
    ("dossier.received", (("dossier.received_direct", "direct"), ("dossier.received_online", "online"))),
    ("dossier.level3_received", (("dossier.level3_direct", "direct"), ("dossier.level3_online", "online"))),
    ("dossier.level4_received", (("dossier.level4_direct", "direct"), ("dossier.level4_online", "online"))),
)
# rate = 100 * part / whole, to the decimals printed.
RATE_RULES: tuple[tuple[str, str, str], ...] = (
    ("doc.signed_pct", "doc.signed", "doc.issued"),
    ("dossier.level3_online_pct", "dossier.level3_online", "dossier.level3_received"),
    ("dossier.level4_online_pct", "dossier.level4_online", "dossier.level4_received"),
    ("dvc.level3_services_pct", "dvc.level3_services", "dvc.services_total"),
    ("dvc.level4_services_pct", "dvc.level4_services", "dvc.services_total"),
)
# part <= whole, with the finding code to use.
BOUND_RULES: tuple[tuple[str, str, str], ...] = (
    ("doc.signed", "doc.issued", "check.signed_exceeds_issued"),
    ("dvc.level3_services", "dvc.services_total", "check.part_exceeds_total"),
    ("dvc.level4_services", "dvc.services_total", "check.part_exceeds_total"),
)
_RATE_TOLERANCE = 0.01


def _decimals(value: float) -> int:
    """Decimals as printed: 76.84 -> 2, 58.8 -> 1, 100.0 -> 0."""
    if float(value).is_integer():
        return 0
    return len(repr(float(value)).split(".")[1])


def _printed(value: float) -> str:
    return format_vietnamese(value, _decimals(value))


def _check_sums(found: dict[str, KpiMatch]) -> list[Finding]:
    findings: list[Finding] = []
    for total_code, parts in SUM_RULES:
        total = found.get(total_code)
        if total is None or any(code not in found for code, _ in parts):
            continue
        part_sum = sum(found[code].value for code, _ in parts)
        if math.isclose(part_sum, total.value, abs_tol=1e-9):
            continue
        terms = " + ".join(f"{label} {_printed(found[code].value)}" for code, label in parts)
        findings.append(
            Finding(
                severity=Severity.WARNING,
                code="check.sum_mismatch",
                message=f"{total_code} {_printed(total.value)} ≠ {terms} = {_printed(part_sum)}",
                kpi=total_code,
                page=total.page,
            )
        )
    return findings


def _check_rates(found: dict[str, KpiMatch]) -> list[Finding]:
    findings: list[Finding] = []
    for rate_code, part_code, whole_code in RATE_RULES:
        rate, part, whole = found.get(rate_code), found.get(part_code), found.get(whole_code)
        if rate is None or part is None or whole is None or whole.value <= 0:
            continue
        decimals = _decimals(rate.value)
        expected = round(100 * part.value / whole.value, decimals)
        if abs(expected - rate.value) <= _RATE_TOLERANCE + 1e-9:
            continue
        findings.append(
            Finding(
                severity=Severity.WARNING,
                code="check.rate_mismatch",
                message=(
                    f"{rate_code} {_printed(rate.value)}% ≠ 100 × {part_code} {_printed(part.value)} / "
                    f"{whole_code} {_printed(whole.value)} = {format_vietnamese(expected, decimals)}%"
                ),
                kpi=rate_code,
                page=rate.page,
            )
        )
    return findings


def _check_bounds(found: dict[str, KpiMatch]) -> list[Finding]:
    findings: list[Finding] = []
    for part_code, whole_code, code in BOUND_RULES:
        part, whole = found.get(part_code), found.get(whole_code)
        if part is None or whole is None or part.value <= whole.value:
            continue
        findings.append(
            Finding(
                severity=Severity.WARNING,
                code=code,
                message=f"{part_code} {_printed(part.value)} > {whole_code} {_printed(whole.value)}",
                kpi=part_code,
                page=part.page,
            )
        )
    return findings


def check_consistency(matches: list[KpiMatch]) -> list[Finding]:
    """Warnings about values that contradict each other (sums, rates, parts above totals)."""
    found: dict[str, KpiMatch] = {}
    for match in matches:
        found.setdefault(match.kpi, match)  # the first value of a KPI is the one kept downstream
    return _check_sums(found) + _check_rates(found) + _check_bounds(found)
