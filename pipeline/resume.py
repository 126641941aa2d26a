"""Which documents already in the output a re-run may keep: a document is redone when a setting that
shapes its output changed since it was made, so that its rows always say what made them."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

# The settings that can change a document's output, by how its pages were read. A .txt is never OCR'd
# (only restoration applies), the text layer is neither OCR'd nor restored (only --force-ocr changes it).
_SETTINGS_BY_SOURCE: dict[str, frozenset[str]] = {
    "txt": frozenset({"restore"}),
    "text-layer": frozenset({"force_ocr"}),
    "ocr": frozenset({"lang", "dpi", "restore", "force_ocr"}),
}
_EVERY_SETTING = frozenset().union(*_SETTINGS_BY_SOURCE.values(), {"page_timeout"})


def _relevant_settings(sources: Iterable[str], status: str) -> frozenset[str]:
    sources = set(sources)
    if not sources:
        return _EVERY_SETTING
    keys = frozenset().union(*(_SETTINGS_BY_SOURCE.get(s, _EVERY_SETTING) for s in sources))
    # A longer timeout changes only a document that lost pages to the timeout, i.e. a partial one.
    if "ocr" in sources and status == "partial":
        keys |= {"page_timeout"}
    return keys


def settings_changes(made: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """The settings that differ from those the document was made with and change its output, as
    'dpi 300 → 200' (empty: the document can be kept). `made` is a row of DatasetWriter.made_documents."""
    old = json.loads(made["settings"]) if made["settings"] else {}
    keys = _relevant_settings(made["sources"], made["status"])
    return [f"{k} {old.get(k)} → {current.get(k)}" for k in sorted(keys) if old.get(k) != current.get(k)]
