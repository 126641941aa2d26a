"""What the parsers hand to the pipeline, before document ids and provenance are attached."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from schemas.models import Level, PeriodType, Qualifier, Scope, Severity, Unit


class ReportMetadata(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)
    issuer: str | None = None
    province: str | None = None
    report_number: str | None = None
    report_code: str | None = None
    issue_date: dt.date | None = None
    period_type: PeriodType | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    signer: str | None = None


class KpiMatch(BaseModel):
    """One KPI value found in the text, with where it was found."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True)
    kpi: str
    value: float
    unit: Unit
    scope: Scope
    page: int = Field(ge=1, description="1-based")
    start: int = Field(ge=0, description="offset of the number in that page's text")
    end: int = Field(ge=0)
    evidence: str = Field(min_length=1)
    score: float = Field(ge=0, le=1, description="how well the wording matched the rule")
    rule: str = Field(description="id of the rule that matched")
    qualifier: Qualifier = Qualifier.EXACT
    level: Level | None = None


class Finding(BaseModel):
    """A validation result that becomes a problems.parquet row."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True)
    severity: Severity
    code: str
    message: str
    kpi: str | None = None
    page: int | None = None
