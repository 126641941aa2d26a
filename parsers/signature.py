"""The signer: the personal name in a report's signature block, or None.

A Vietnamese report ends with two columns: "Nơi nhận:" and its distribution list on the left, the signature
title ("KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC"), the signature and seal, and the signer's name on the right. OCR
interleaves the columns, loses letters ("IÁM ĐỐC", "GlAM DOC"), and turns a seal into a line of garbage.
The name is read from that block only:

1. after the last signature title (parsers/metadata_words.yaml, fuzzily, in capitals), the first line that
   is a name and nothing else, skipping distribution-list items and short garbage, stopping at prose;
2. without a usable title: the name line right above "Nơi nhận:", or the name line that ends the block
   after the distribution list.

A name is 2 to 5 title-case words starting with a family name, alone on its line, and not a place
("Hồ Chí Minh" in the distribution list is a city). Anything else gives None: a name taken from the body
or the list would be a wrong value, and a wrong value is worse than none.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from parsers.folding import fold_str, ocr_key
from parsers.metadata_words import metadata_words
from parsers.places import find_province

_NOI_NHAN_RE = re.compile(r"^[^a-z0-9]*n[o0][il1]\s*nh[a-z]{1,2}n(?![a-z])")
_LIST_ITEM_RE = re.compile(r"^\s*[-+•*–—]")
_WORD_RE = re.compile(r"[^\W\d_]+")
_COLUMN_TAIL_RE = re.compile(r"(?<=[.;)])\s+")
_NAME_LINE_RE = re.compile(r"^[^\w]*(?P<name>[^\W\d_]+(?:[ \t]+[^\W\d_]+){1,4})[ \t]*[._~'`\"|]*[ \t]*$")
# Two capitals in a row: a cheap screen that every title line passes ("IÁM", "GlAM DOC", "KT.").
_CAPITAL = "[" + "".join(chr(c) for c in range(0x41, 0x1F00) if chr(c).isupper()) + "]"
_CAPITALS_RE = re.compile(_CAPITAL * 2)
_MIN_TITLE_SCORE = 80.0  # "iam doc" ~ "giam doc" 93, "glam doc" 88; "giam sat" stays below
_MIN_TITLE_CAPITALS = 0.8  # signature titles are printed in capitals; "Giám đốc Sở chỉ đạo" is prose
_MAX_TITLE_LINE = 90
_PROSE_WORDS = 10  # a line this long is body text or a list item that wrapped: the block is over
_MAX_SKIPPED = 4  # lines (not list items) between the title and the name: second title, seal, "(Đã ký)"
_MAX_SYLLABLE = 7  # letters in the longest Vietnamese syllable ("nghiêng")


def _is_title_case(word: str) -> bool:
    return word[:1].isupper() and (len(word) == 1 or word[1:].islower())


def name_in_line(line: str) -> str | None:
    """The personal name that is the whole of `line` (seal specks around it allowed), else None."""
    match = _NAME_LINE_RE.match(line)
    if match is None:
        return None
    words = match["name"].split()
    surnames = metadata_words().surnames
    if ocr_key(fold_str(words[0])) not in surnames:
        return None
    if not all(_is_title_case(word) and len(word) <= _MAX_SYLLABLE for word in words):
        return None
    name = " ".join(words)
    place = find_province(name)
    if place is not None and len(place.split()) >= len(words):
        return None  # "Hồ Chí Minh", "Hà Nam": a place in the distribution list
    return name


def _signature_title_end(line: str) -> int | None:
    """Offset just after the signature title in `line` ("KT. GIÁM ĐỐC", "IÁM ĐỐC"), or None."""
    if len(line) > _MAX_TITLE_LINE or _CAPITALS_RE.search(line) is None:
        return None
    words = list(_WORD_RE.finditer(line))
    keys = [ocr_key(fold_str(word.group())) for word in words]
    for title in metadata_words().signature_titles:
        size = len(title.split())
        for start in range(len(keys) - size + 1):
            if fuzz.ratio(" ".join(keys[start : start + size]), title) < _MIN_TITLE_SCORE:
                continue
            letters = "".join(word.group() for word in words[start : start + size])
            if sum(c.isupper() for c in letters) >= _MIN_TITLE_CAPITALS * len(letters):
                return words[start + size - 1].end()
    return None


def _is_signature_title(line: str) -> bool:
    return _signature_title_end(line) is not None


def _name_ending_line(line: str) -> str | None:
    """The name alone on `line`, or ending it after the other column's text.

    Collapsed columns glue the name to what stands left of it: a list item ("- Lưu: VT, VP. Lâm Thị
    Oanh", after its closing "." ";" or ")") or the title ("PHÓ GIÁM ĐỐC Lâm Thị Oanh"). A recipient
    written with "Đ/c", "Ông" or "Bà" is no name here: those words are not family names.
    """
    name = name_in_line(line)
    if name is not None:
        return name
    tails = _COLUMN_TAIL_RE.split(line)
    if len(tails) > 1:
        name = name_in_line(tails[-1])
        if name is not None:
            return name
    title_end = _signature_title_end(line)
    return name_in_line(line[title_end:]) if title_end is not None else None


def _is_list_item(line: str) -> bool:
    return _LIST_ITEM_RE.match(line) is not None


def _is_prose(line: str) -> bool:
    return not _is_list_item(line) and len(line.split()) >= _PROSE_WORDS


def _is_noi_nhan(line: str) -> bool:
    return _NOI_NHAN_RE.match(fold_str(line)) is not None


def _name_after_title(lines: list[str]) -> str | None:
    skipped = 0
    for line in lines:
        name = _name_ending_line(line)
        if name is not None:
            return name
        if _is_prose(line):
            return None
        if not _is_list_item(line) and not _is_noi_nhan(line):
            skipped += 1
            if skipped > _MAX_SKIPPED:
                return None
    return None


def _name_above(lines: list[str]) -> str | None:
    """The name line right above "Nơi nhận:" (lines are given bottom-up), seal garbage skipped."""
    for skipped, line in enumerate(lines):
        name = name_in_line(line)
        if name is not None:
            return name
        if _is_prose(line) or skipped >= 2:
            return None
    return None


def _name_ending_block(lines: list[str]) -> str | None:
    """The last name line after "Nơi nhận:" when only list items and short lines come with it."""
    found = None
    for line in lines:
        if _is_prose(line):
            return None
        name = _name_ending_line(line)
        if name is not None:
            found = name
    return found


def read_signer(lines: list[str]) -> str | None:
    """The signer's name as printed, from the report's lines before any appendix, or None."""
    if not lines:
        return None
    # Scanned from the end: the signature block is the last thing before the appendices.
    title_at = next(
        (index for index in reversed(range(len(lines))) if _is_signature_title(lines[index])), None
    )
    if title_at is not None:
        # Columns collapsed into one line put the name right after the title ("PHÓ GIÁM ĐỐC Lâm Thị Oanh").
        rest = lines[title_at][_signature_title_end(lines[title_at]) or 0 :]
        name = _name_after_title(([rest] if rest.strip() else []) + lines[title_at + 1 :])
        if name is not None:
            return name
    noi_nhan_at = next((index for index in reversed(range(len(lines))) if _is_noi_nhan(lines[index])), None)
    if noi_nhan_at is None:
        return None
    # A title on the "Nơi nhận:" line itself was tried above; the name can still be above or below.
    return _name_above(lines[noi_nhan_at - 1 :: -1] if noi_nhan_at else []) or _name_ending_block(
        lines[noi_nhan_at + 1 :]
    )
