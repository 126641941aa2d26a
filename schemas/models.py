"""Records written to the four Parquet tables. Field order here is the column order on disk."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from schemas.kpi_codes import KPI_CODES

# Bump on any change to a column's name, dtype or meaning; stored in every Parquet file's metadata.
SCHEMA_VERSION = "1.1"


class PeriodType(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    HALF = "half"
    YEAR = "year"


class Unit(StrEnum):
    COUNT = "count"
    PERCENT = "percent"


class Scope(StrEnum):
    PERIOD = "period"
    CUMULATIVE = "cumulative"


class Qualifier(StrEnum):
    """How the printed figure relates to the true one (taxonomy 1.1)."""

    EXACT = "exact"
    APPROX = "approx"  # "khoảng", "gần", "xấp xỉ", rounded figures in ngàn/nghìn/triệu
    OVER = "over"  # "trên", "hơn"
    UNDER = "under"  # "dưới", "chưa đến"


class Level(StrEnum):
    """The one administrative level a figure counts; null on a record means the whole province."""

    PROVINCE_AGENCIES = "province_agencies"  # "cấp tỉnh", "các sở, ban, ngành"
    DISTRICT = "district"
    COMMUNE = "commune"


class ValueSource(StrEnum):
    """Where a kpis row's value comes from: the document as read, or a reviewer's correction."""

    EXTRACTED = "extracted"
    CORRECTION = "correction"


class ReportStatus(StrEnum):
    OK = "ok"
    PARTIAL = "partial"
    FAILED = "failed"


class TextSource(StrEnum):
    OCR = "ocr"
    TEXT_LAYER = "text-layer"
    TXT = "txt"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=True, validate_assignment=True)


class Report(_Record):
    document_id: str = Field(pattern=r"^[0-9a-f]{64}$", description="sha256 of the file bytes")
    source_path: str
    issuer: str | None = None
    province: str | None = None
    report_number: str | None = Field(None, description="e.g. '220/BC-STTTT-VP'; null when left blank")
    report_code: str | None = Field(None, description="the document code alone, e.g. 'BC-STTTT-VP'")
    issue_date: dt.date | None = None
    period_type: PeriodType | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    signer: str | None = None
    pages: int = Field(0, ge=0)
    ocr_confidence: float | None = Field(None, ge=0, le=1)
    status: ReportStatus = ReportStatus.OK
    pipeline_version: str | None = Field(None, description="baocao version that produced this row")
    settings: str | None = Field(None, description="JSON of the run settings that shape the output")
    processed_at: dt.datetime | None = Field(None, description="UTC time the document was finished")

    @model_validator(mode="after")
    def _period_order(self) -> Report:
        if self.period_start and self.period_end and self.period_start > self.period_end:
            raise ValueError(f"period_start {self.period_start} is after period_end {self.period_end}")
        return self


class KpiRecord(_Record):
    document_id: str
    source_path: str
    kpi: str
    value: float
    unit: Unit
    scope: Scope
    period_type: PeriodType | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    page: int = Field(ge=1, description="1-based page the value was read from")
    evidence: str = Field(min_length=1, description="the text snippet the value came from")
    confidence: float = Field(ge=0, le=1)
    qualifier: Qualifier = Field(Qualifier.EXACT, description="exact / approx / over / under (1.1)")
    level: Level | None = Field(None, description="one level only; null: the whole province (1.1)")
    # Where the value was read, in pixels of the page image given by box_page_width × box_page_height
    # (the cleaned page Tesseract read, or the PDF page at the run's DPI); null for .txt inputs and
    # when the words could not be found for sure.
    box_x0: int | None = Field(None, ge=0)
    box_y0: int | None = Field(None, ge=0)
    box_x1: int | None = Field(None, ge=0)
    box_y1: int | None = Field(None, ge=0)
    box_page_width: int | None = Field(None, ge=1)
    box_page_height: int | None = Field(None, ge=1)
    source: ValueSource = Field(ValueSource.EXTRACTED, description="extracted / correction (reviewer)")
    extracted_value: float | None = Field(None, description="the value as read, kept when corrected")
    reviewed: bool = Field(False, description="a reviewer accepted or corrected this value")

    @field_validator("kpi")
    @classmethod
    def _known_code(cls, v: str) -> str:
        if v not in KPI_CODES:
            raise ValueError(f"unknown KPI code {v!r}; see schemas/kpi-taxonomy.md")
        return v

    @model_validator(mode="after")
    def _range(self) -> KpiRecord:
        if self.value < 0:
            raise ValueError(f"{self.kpi}: a {self.unit} cannot be negative ({self.value})")
        if self.unit == Unit.PERCENT and self.value > 100:
            raise ValueError(f"{self.kpi}: a percentage above 100 ({self.value})")
        return self


class ChangedWord(BaseModel):
    """A word that diacritic restoration or OCR correction replaced, for a reviewer to check."""

    line: int = Field(ge=0, description="0-based line of the page's final text")
    column: int = Field(ge=0, description="where the new word starts in that line (0-based)")
    before: str = Field(description="the word as read")
    after: str = Field(description="the word in the final text")


class PageRecord(_Record):
    document_id: str
    page: int = Field(ge=1)
    text: str = Field(description="final, post-processed text")
    raw_text: str = Field(description="text as the OCR engine / text layer / file gave it")
    ocr_confidence: float | None = Field(None, ge=0, le=1)
    source: TextSource
    changed_words: list[ChangedWord] = Field(default_factory=list, description="words restoration changed")


class Problem(_Record):
    document_id: str | None = None
    source_path: str
    severity: Severity
    code: str = Field(pattern=r"^[a-z][a-z0-9_.-]*$")
    message: str
    kpi: str | None = None
    page: int | None = Field(None, ge=1)
