"""A checkpointed page comes back exactly as it was OCR'd, boxes and changed words included."""

from __future__ import annotations

import json

from pipeline.boxes import PageGeometry, WordBox
from pipeline.page_checkpoints import _page_from_json, _page_to_json
from pipeline.process import PageText
from schemas import ChangedWord, TextSource


def test_page_round_trips_through_its_checkpoint() -> None:
    page = PageText(
        page=2,
        raw_text="Cấp mới 92 chứng thư số",
        text="Cấp mới 92 chứng thư số",
        source=TextSource.OCR,
        confidence=0.91,
        number_confidences=[("92", 0.88)],
        ocr_words=[("Cấp", 0.97), ("92", 0.88)],
        restored=True,
        geometry=PageGeometry(2480, 3508, (WordBox("92", 410, 300, 470, 340),)),
        changed_words=[ChangedWord(line=0, column=4, before="moi", after="mới")],
    )
    assert _page_from_json(json.loads(json.dumps(_page_to_json(page)))) == page
