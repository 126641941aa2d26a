"""`baocao --version`: what produced an output, so that an operator can quote it in a report."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from pipeline.calibration import CALIBRATION_FILE
from pipeline.process import pipeline_version
from schemas import SCHEMA_VERSION

_TAXONOMY = Path(__file__).resolve().parent.parent / "schemas" / "kpi-taxonomy.md"


def _short_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:12]


def _tesseract() -> str:
    import pytesseract

    try:
        version = pytesseract.get_tesseract_version()
        languages = ", ".join(sorted(pytesseract.get_languages(config="")))
    except (pytesseract.TesseractNotFoundError, OSError):
        return "not found (install tesseract-ocr and tesseract-ocr-vie)"
    return f"{version} (languages: {languages})"


def _in_process_tesseract() -> str:
    """The libtesseract of the default `tesserocr` engine (its own build, not the system's)."""
    try:
        import tesserocr
    except ImportError:
        return "not installed (runs need `--engine tesseract`)"
    return f"{tesserocr.tesseract_version().splitlines()[0].strip()} (tesserocr {tesserocr.__version__})"


def _taxonomy_version() -> str:
    try:
        first = _TAXONOMY.read_text(encoding="utf-8").splitlines()[0]
    except (OSError, IndexError):
        return "unknown"
    found = re.search(r"taxonomy ([\d.]+)", first)
    return found.group(1) if found else "unknown"


def version_lines() -> list[str]:
    from ocr.restore import DEFAULT_CHANNEL_PATH, DEFAULT_LM_PATH

    calibration = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))
    return [
        f"baocao {pipeline_version()} (output schema {SCHEMA_VERSION}, KPI taxonomy {_taxonomy_version()})",
        f"tesseract {_tesseract()}",
        f"in-process engine: {_in_process_tesseract()}",
        f"restoration language model {DEFAULT_LM_PATH.name} sha256:{_short_sha256(DEFAULT_LM_PATH)}",
        f"restoration OCR channel model {DEFAULT_CHANNEL_PATH.name} "
        f"sha256:{_short_sha256(DEFAULT_CHANNEL_PATH)}",
        f"confidence calibration {CALIBRATION_FILE.name} sha256:{_short_sha256(CALIBRATION_FILE)} "
        f"(fitted on {calibration['fitted_on']})",
    ]
