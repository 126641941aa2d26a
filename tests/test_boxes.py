"""Placing a value's offsets in the final text on the word boxes of the text as read (pipeline/boxes.py).
The boxes of real pages are checked against their pixels in tests/test_review_browser.py."""

from __future__ import annotations

from pipeline.boxes import PageGeometry, ValueLocator, WordBox


def _line(words: list[str], y: int, x: int = 0) -> list[WordBox]:
    boxes = []
    for w in words:
        boxes.append(WordBox(w, x, y, x + 10 * len(w), y + 20))
        x += 10 * len(w) + 10
    return boxes


def test_value_found_through_restoration_and_number_repair() -> None:
    raw = "Tong so van ban di: 17.88Z van ban\nky so 15.340 van ban"
    text = "Tổng số văn bản đi: 17.882 văn bản\nký số 15.340 văn bản"
    words = _line(raw.split("\n")[0].split(), 100) + _line(raw.split("\n")[1].split(), 140)
    locator = ValueLocator(text, raw, PageGeometry(1000, 1400, tuple(words)))
    start = text.index("15.340")
    signed = next(w for w in words if w.text == "15.340")
    assert locator.box(start, start + 6) == (signed.x0, signed.y0, signed.x1, signed.y1)
    # The OCR read "17.88Z" where the text now says 17.882: the value was read from that word.
    start = text.index("17.882")
    issued = next(w for w in words if w.text == "17.88Z")
    assert locator.box(start, start + 6) == (issued.x0, issued.y0, issued.x1, issued.y1)


def test_same_number_twice_is_told_apart_by_its_neighbours_or_not_boxed() -> None:
    raw = (
        "Trong quý đã cấp mới 12 chứng thư số cho cán bộ công chức viên chức các cơ quan\n"
        "Đồng thời thu hồi 12 chứng thư số do hết hạn sử dụng hoặc chuyển công tác khác"
    )
    first, second = (line.split() for line in raw.split("\n"))
    words = _line(first, 100) + _line(second, 140)
    locator = ValueLocator(raw, raw, PageGeometry(2000, 1400, tuple(words)))
    start = raw.rindex("12")
    revoked = words[len(first) + second.index("12")]
    assert locator.box(start, start + 2) == (revoked.x0, 140, revoked.x1, 160)
    start = raw.index("12")
    issued = words[first.index("12")]
    assert locator.box(start, start + 2) == (issued.x0, 100, issued.x1, 120)
    # Without anything around them, two equal numbers are equally likely: no box rather than a wrong one.
    twins = (WordBox("12", 0, 0, 20, 20), WordBox("12", 0, 40, 20, 60))
    assert ValueLocator("12\n12", "12\n12", PageGeometry(100, 100, twins)).box(3, 5) is None


def test_words_out_of_text_order_are_found_by_content() -> None:
    # A table row rebuilt from cells: the word list is in Tesseract's column order, the text in row order.
    raw = "Văn bản đến 1.234 5.678"
    cells = [WordBox("5.678", 600, 300, 650, 320), WordBox("1.234", 400, 300, 450, 320)]
    words = (*_line(["Văn", "bản", "đến"], 300), *cells)
    locator = ValueLocator(raw, raw, PageGeometry(1000, 1400, words))
    start = raw.index("1.234")
    assert locator.box(start, start + 5) == (400, 300, 450, 320)
