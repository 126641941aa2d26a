"""OCR'd pages of documents not finished yet, kept so that a killed run does not OCR them again.

A 1,000-page scan takes the better part of an hour; a kill halfway should cost the pages in flight, not
the whole document. Each page is saved as soon as its OCR comes back, in
``DIR/_staging/.pages/<document_id>.<settings>/<page>.json`` (a hidden folder: never taken for a staged
document), keyed by the settings that shape OCR so that a run with another --dpi or --lang starts afresh.
A document's pages are dropped once it is staged, and all of them after a commit.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

from pipeline.boxes import PageGeometry, WordBox
from pipeline.kill_points import kill_point
from pipeline.process import PageText
from pipeline.settings import RunSettings
from schemas import TextSource
from schemas.models import ChangedWord

log = logging.getLogger(__name__)

FOLDER = ".pages"


class PageCheckpoints:
    def __init__(self, staging: Path, settings: RunSettings) -> None:
        self.root = staging / FOLDER
        shape = json.dumps(settings.provenance(), sort_keys=True).encode()
        self.settings_key = hashlib.sha256(shape).hexdigest()[:12]
        self.resumed = 0  # pages taken from checkpoints in this run

    def _folder(self, document_id: str) -> Path:
        return self.root / f"{document_id}.{self.settings_key}"

    def load(self, document_id: str) -> dict[int, PageText]:
        """The pages of this document saved by an earlier run with the same settings."""
        folder = self._folder(document_id)
        if not document_id or not folder.is_dir():
            return {}
        pages: dict[int, PageText] = {}
        for path in folder.glob("*.json"):
            try:
                page = _page_from_json(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError, KeyError):
                continue  # unreadable: that page is simply OCR'd again
            pages[page.page] = page
        return pages

    def take(self, document_id: str, pages: list[int]) -> tuple[dict[int, PageText], list[int]]:
        """Split ``pages`` into those saved already and those still to OCR."""
        saved = self.load(document_id)
        found = {p: saved[p] for p in pages if p in saved}
        self.resumed += len(found)
        return found, [p for p in pages if p not in saved]

    def save(self, document_id: str, page: PageText) -> None:
        folder = self._folder(document_id)
        tmp = folder / f".{page.page:05d}.{uuid.uuid4().hex}.tmp"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(_page_to_json(page), ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, folder / f"{page.page:05d}.json")
        except OSError as exc:
            # A checkpoint only saves time; a full disk is reported when the document is staged.
            tmp.unlink(missing_ok=True)
            log.debug("page checkpoint not saved: %s", exc)
            return
        kill_point("page.checkpointed")

    def discard(self, document_id: str) -> None:
        shutil.rmtree(self._folder(document_id), ignore_errors=True)

    def clear(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _page_to_json(page: PageText) -> dict[str, Any]:
    fields = {f.name: getattr(page, f.name) for f in dataclasses.fields(page)}
    fields["geometry"] = dataclasses.asdict(page.geometry) if page.geometry is not None else None
    fields["changed_words"] = [c.model_dump() for c in page.changed_words]
    return fields


def _page_from_json(fields: dict[str, Any]) -> PageText:
    """The PageText saved by `_page_to_json` (JSON has no tuples, enums or nested classes)."""
    geometry = fields.get("geometry")
    return PageText(
        **{
            **fields,
            "source": TextSource(fields["source"]),
            "number_confidences": [tuple(pair) for pair in fields["number_confidences"]],
            "ocr_words": [tuple(pair) for pair in fields.get("ocr_words", [])],
            "geometry": PageGeometry(
                geometry["width"], geometry["height"], tuple(WordBox(**w) for w in geometry["words"])
            )
            if geometry
            else None,
            "changed_words": [ChangedWord(**c) for c in fields.get("changed_words", [])],
        }
    )
