"""Pydantic models and data contracts shared by every stage (imports nothing from the project)."""

from schemas.kpi_codes import KPI_CODES, KpiDefinition, kpi_definition
from schemas.models import (
    SCHEMA_VERSION,
    ChangedWord,
    KpiRecord,
    Level,
    PageRecord,
    PeriodType,
    Problem,
    Qualifier,
    Report,
    ReportStatus,
    Scope,
    Severity,
    TextSource,
    Unit,
    ValueSource,
)

__all__ = [
    "KPI_CODES",
    "SCHEMA_VERSION",
    "ChangedWord",
    "KpiDefinition",
    "KpiRecord",
    "Level",
    "PageRecord",
    "PeriodType",
    "Problem",
    "Qualifier",
    "Report",
    "ReportStatus",
    "Scope",
    "Severity",
    "TextSource",
    "Unit",
    "ValueSource",
    "kpi_definition",
]
