"""Vietnamese provinces and centrally-run cities, recognised in printed, accent-free or garbled text.

Reports name their province or city in the header ("UBND TỈNH TRÀ VINH") and in the place line ("Trà Vinh,
ngày ..."). Knowing the closed list lets a garbled OCR spelling ("Tra Vmh") or a line where OCR glued the
left column in front ("Số: /BC-STTTT-VP Trà Vinh") still give the canonical name.

The list holds the 63 units before the 2025 merger and the names of the 34 after it. All but one of the 34
kept the name of a pre-2025 unit ("Vĩnh Long" now also covers Bến Tre and Trà Vinh); the new one is the
centrally-run city "Huế" (before 2025 the province "Thừa Thiên Huế"). A name is returned as printed, so
a 2026 report of "Vĩnh Long" and a 2023 one are the same string while covering different areas: the issue
date tells them apart.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz

from parsers.folding import fold_str, ocr_key

PROVINCES: tuple[str, ...] = (
    "An Giang", "Bà Rịa - Vũng Tàu", "Bắc Giang", "Bắc Kạn", "Bạc Liêu", "Bắc Ninh", "Bến Tre", "Bình Định",
    "Bình Dương", "Bình Phước", "Bình Thuận", "Cà Mau", "Cần Thơ", "Cao Bằng", "Đà Nẵng", "Đắk Lắk",
    "Đắk Nông", "Điện Biên", "Đồng Nai", "Đồng Tháp", "Gia Lai", "Hà Giang", "Hà Nam", "Hà Nội", "Hà Tĩnh",
    "Hải Dương", "Hải Phòng", "Hậu Giang", "Hòa Bình", "Hưng Yên", "Khánh Hòa", "Kiên Giang", "Kon Tum",
    "Lai Châu", "Lâm Đồng", "Lạng Sơn", "Lào Cai", "Long An", "Nam Định", "Nghệ An", "Ninh Bình",
    "Ninh Thuận", "Phú Thọ", "Phú Yên", "Quảng Bình", "Quảng Nam", "Quảng Ngãi", "Quảng Ninh", "Quảng Trị",
    "Sóc Trăng", "Sơn La", "Tây Ninh", "Thái Bình", "Thái Nguyên", "Thanh Hóa", "Thừa Thiên Huế",
    "Tiền Giang", "Hồ Chí Minh", "Trà Vinh", "Tuyên Quang", "Vĩnh Long", "Vĩnh Phúc", "Yên Bái",
    "Huế",  # since 2025 (city); "Thừa Thiên Huế" before
)  # fmt: skip

_WORD_RE = re.compile(r"[a-z0-9]+")
# Minimum similarity (0..100) of the folded words of a printed name to a canonical one.
_MIN_PLACE_SCORE = 80.0


def _words(text: str) -> list[str]:
    return [ocr_key(w) for w in _WORD_RE.findall(fold_str(text))]


@lru_cache(maxsize=1)
def _province_words() -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((name, tuple(_words(name))) for name in PROVINCES)


def find_province(text: str, anchor: Literal["start", "end", "any"] = "any") -> str | None:
    """The canonical name of the province named in `text`, or None.

    `anchor` says where the name must sit: "start" right after "UBND TỈNH", "end" right before ", ngày";
    "any" takes the best-scoring window (the later one on ties, then the longer name: "Thừa Thiên Huế"
    rather than the "Huế" inside it). Anchoring matters: in an interleaved OCR line "TRÀ VINH CỘNG HÒA
    ..." the window "Vinh Cong" looks like "Vĩnh Long".
    """
    words = _words(text)
    best: tuple[float, int, int, str] | None = None  # (score, end word index, words in the name, name)
    for name, name_words in _province_words():
        size = len(name_words)
        target = " ".join(name_words)
        starts = range(len(words) - size + 1)
        if anchor == "start":
            starts = range(min(1, len(words) - size + 1))
        elif anchor == "end":
            starts = range(max(0, len(words) - size), len(words) - size + 1)
        for start in starts:
            window = words[start : start + size]
            # Cheap first-letter screen: most windows cannot match and fuzz on all of them is wasted.
            if window[0][:1] != name_words[0][:1]:
                continue
            score = fuzz.ratio(" ".join(window), target)
            if score < _MIN_PLACE_SCORE:
                continue
            candidate = (score, start + size, size, name)
            if best is None or candidate[:3] > best[:3]:
                best = candidate
    return best[3] if best else None


# Before a province's name these make it another unit's ("phường Sóc Trăng", "thành phố Đà Lạt").
_UNIT_WORDS = frozenset({"xa", "phuong", "huyen", "quan", "tran", "khu"})
_MARKED_WORD_RE = re.compile(r"[^\W\d_]+")


def _same_word(printed: str, name_word: str) -> bool:
    """A printed word with marks must carry the name's marks ("Huệ" is no "Huế"); one without any is
    compared folded (accent-free text)."""
    folded = fold_str(printed)
    if folded == printed:
        return folded == fold_str(name_word)
    return printed == name_word


def provinces_named(text: str) -> set[str]:
    """Canonical names of the provinces `text` names word for word, capitalised (a name inside a longer
    one, "Huế" in "Thừa Thiên Huế", counts once; one after a unit word, "phường Sóc Trăng", not at all)."""
    words = _MARKED_WORD_RE.findall(unicodedata.normalize("NFC", text))
    lower = [word.lower() for word in words]
    found: dict[str, tuple[int, int]] = {}
    for name in PROVINCES:
        name_words = unicodedata.normalize("NFC", name).lower().replace("-", " ").split()
        size = len(name_words)
        for start in range(len(words) - size + 1):
            window = lower[start : start + size]
            if not words[start][:1].isupper() or not all(map(_same_word, window, name_words)):
                continue
            if start and fold_str(lower[start - 1]) in _UNIT_WORDS:
                continue
            found.setdefault(name, (start, start + size))
    spans = list(found.items())
    return {
        name
        for name, (lo, hi) in spans
        if not any(other != name and o_lo <= lo and hi <= o_hi for other, (o_lo, o_hi) in spans)
    }


def canonical_place(printed: str) -> str | None:
    """A place as printed before ", ngày": canonical province name if it is one, else the printed words."""
    province = find_province(printed, anchor="end") or find_province(printed)
    if province is not None:
        return province
    # Not a province (a district town, say): keep the last few words as printed, without glued-in codes.
    words = re.findall(r"[^\W\d_]+", printed)
    tail = [w for w in words[-4:] if w[:1].isupper()]
    return " ".join(tail) if tail else None
