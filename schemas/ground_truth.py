"""Ground truth of a sample (samples/<name>.truth.json): what a perfect run must produce."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.models import Level, PeriodType, Qualifier, Scope, Unit


class TruthMetadata(BaseModel):
    model_config = ConfigDict(extra="forbid")
    issuer: str | None
    province: str | None
    report_number: str | None
    report_code: str | None
    issue_date: dt.date | None
    period_type: PeriodType | None
    period_start: dt.date | None
    period_end: dt.date | None
    signer: str | None


class TruthKpi(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kpi: str
    value: float
    unit: Unit
    scope: Scope
    page: int = Field(ge=1)
    snippet: str = Field(description="text near the value on that page, for humans and for locating it")
    qualifier: Qualifier = Qualifier.EXACT
    level: Level | None = None


class GroundTruth(BaseModel):
    model_config = ConfigDict(extra="forbid")
    input: str = Field(description="file name of the input, relative to the truth file")
    kind: Literal["scan-pdf", "digital-pdf", "tiff", "txt", "image"]
    degradation: Literal["none", "clean", "mild", "heavy"]
    dpi: int | None = None
    description: str = ""
    pages: list[str] = Field(description="exact text of each page (NFC), as rendered")
    metadata: TruthMetadata
    kpis: list[TruthKpi]

    @classmethod
    def load(cls, path: str | Path) -> GroundTruth:
        return cls.model_validate(json.loads(Path(path).read_text(encoding="utf-8")))
