"""The KPI taxonomy (schemas/kpi-taxonomy.md) as data: the contract between parsers, output and tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class KpiDefinition:
    code: str
    unit: Literal["count", "percent"]
    scope: Literal["period", "cumulative"]
    description: str


_TABLE: list[tuple[str, str, str, str]] = [
    ("doc.system_agencies", "count", "cumulative", "agencies using the document management system"),
    ("doc.system_users", "count", "cumulative", "user accounts of the document management system"),
    ("doc.issued", "count", "period", "electronic documents issued/sent in the period"),
    ("doc.signed", "count", "period", "of those, digitally signed"),
    ("doc.signed_pct", "percent", "period", "the signing rate"),
    ("doc.received", "count", "period", "electronic documents received in the period"),
    ("doc.electronic_pct", "percent", "period", "share of documents exchanged fully in electronic form"),
    ("cert.revoked", "count", "period", "digital certificates revoked"),
    ("cert.issued", "count", "period", "digital certificates newly issued"),
    ("cert.total", "count", "cumulative", "total active digital certificates"),
    ("cert.organization", "count", "cumulative", "certificates for organisations"),
    ("cert.personal", "count", "cumulative", "personal certificates"),
    ("cert.usb", "count", "cumulative", "personal certificates on USB tokens"),
    ("cert.sim_pki", "count", "cumulative", "personal certificates on SIM PKI"),
    ("email.new_accounts", "count", "period", "official e-mail accounts created"),
    ("email.total_accounts", "count", "cumulative", "official mailboxes in total"),
    ("dvc.services_total", "count", "cumulative", "online public services offered by the provincial portal"),
    ("dvc.level3_services", "count", "cumulative", "level-3 online public services"),
    ("dvc.level3_services_pct", "percent", "cumulative", "share of level-3 services"),
    ("dvc.level4_services", "count", "cumulative", "level-4 online public services"),
    ("dvc.level4_services_pct", "percent", "cumulative", "share of level-4 services"),
    ("dvc.full_online_services", "count", "cumulative", "online services offered end to end (toàn trình)"),
    ("dvc.full_online_services_pct", "percent", "cumulative", "share of end-to-end online services"),
    ("dvc.partial_online_services", "count", "cumulative", "online services offered in part (một phần)"),
    ("dvc.partial_online_services_pct", "percent", "cumulative", "share of partly online services"),
    (
        "dvc.procedures_published_national",
        "count",
        "cumulative",
        "administrative procedures published on the national portal",
    ),
    (
        "dvc.services_integrated_national",
        "count",
        "cumulative",
        "online services integrated into the national portal",
    ),
    ("dossier.received", "count", "period", "dossiers received by the provincial portal"),
    ("dossier.received_direct", "count", "period", "dossiers received in person"),
    ("dossier.received_online", "count", "period", "dossiers received online"),
    ("dossier.received_online_pct", "percent", "period", "online share of all dossiers received"),
    ("dossier.carried_over", "count", "period", "dossiers carried over from the previous period"),
    ("dossier.resolved", "count", "period", "dossiers resolved"),
    ("dossier.resolved_ontime", "count", "period", "dossiers resolved on time or early"),
    ("dossier.resolved_ontime_pct", "percent", "period", "the on-time resolution rate"),
    ("dossier.resolved_late", "count", "period", "dossiers resolved late"),
    ("dossier.paid_online", "count", "period", "dossiers or fees paid online"),
    ("dossier.level3_received", "count", "period", "level-3 dossiers received"),
    ("dossier.level3_direct", "count", "period", "level-3 dossiers received in person"),
    ("dossier.level3_online", "count", "period", "level-3 dossiers received online"),
    ("dossier.level3_online_pct", "percent", "period", "online share of level-3 dossiers"),
    ("dossier.level4_received", "count", "period", "level-4 dossiers received"),
    ("dossier.level4_direct", "count", "period", "level-4 dossiers received in person"),
    ("dossier.level4_online", "count", "period", "level-4 dossiers received online"),
    ("dossier.level4_online_pct", "percent", "period", "online share of level-4 dossiers"),
]

KPI_CODES: dict[str, KpiDefinition] = {
    code: KpiDefinition(code, unit, scope, desc)  # type: ignore[arg-type]
    for code, unit, scope, desc in _TABLE
}


def kpi_definition(code: str) -> KpiDefinition:
    """Look up a KPI code; raises KeyError naming the unknown code."""
    try:
        return KPI_CODES[code]
    except KeyError:
        raise KeyError(f"unknown KPI code {code!r}; see schemas/kpi-taxonomy.md") from None
