"""Settings of one run; stored with the output so every row's provenance is known."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from typing import Literal

from pipeline.engines import DEFAULT_ENGINE
from schemas.errors import SettingsError

RestoreMode = Literal["auto", "always", "never"]


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


# A report's text is a few kB per page; decoding tries several encodings on the whole file, which takes
# about 30 times its size in memory, so 16 MB (some 5,000 pages) keeps a worker well under its budget.
DEFAULT_MAX_TEXT_BYTES = 16_000_000


def max_text_bytes_from_env() -> int:
    """BAOCAO_MAX_TEXT_BYTES: the largest .txt input that is read (default 16 MB); bigger ones are
    reported as text.too_large."""
    raw = os.environ.get("BAOCAO_MAX_TEXT_BYTES", "").strip()
    if not raw:
        return DEFAULT_MAX_TEXT_BYTES
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise SettingsError(f"BAOCAO_MAX_TEXT_BYTES must be a positive number of bytes, got {raw!r}")
    return value


@dataclass(frozen=True)
class RunSettings:
    lang: str = "vie"
    dpi: int = 300
    force_ocr: bool = False
    restore: RestoreMode = "auto"
    password: str | None = field(default=None, repr=False)
    jobs: int = field(default_factory=default_jobs)
    page_timeout: float = 180.0
    force: bool = False
    scheduler: str | None = None  # a Dask scheduler address (tcp://HOST:PORT) instead of local processes
    connect_timeout: float = 10.0  # seconds to reach the scheduler before giving up
    engine: str = DEFAULT_ENGINE  # OCR engine: pipeline/engines.py ENGINE_NAMES; "null" reads nothing (tests)
    # Decode a scanned PDF page's own JPEG (resampled as poppler draws it) instead of rendering it:
    # ~0.06 s less CPU per page, same pixels to 1 grey level on 0.15% of them (ocr/render.py).
    native_scans: bool = True
    # Median letter height (px) text pages are reduced to before OCR; 0 reads every page at its own size.
    # 18 is ~1.3x less Tesseract CPU but moved CER on three of five samples (tests/bench/ocr-scale.md), so
    # it is a choice for speed, not the default.
    ocr_letter_height: float = 0.0
    # Read in the main process and carried to the workers (a Dask worker has its own environment).
    max_text_bytes: int = field(default_factory=max_text_bytes_from_env)

    def provenance(self) -> dict[str, object]:
        """The settings that shape the output (no secrets, nothing machine-specific)."""
        d = asdict(self)
        for private in ("password", "jobs", "force", "scheduler", "connect_timeout", "max_text_bytes"):
            d.pop(private)
        return d
