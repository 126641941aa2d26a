"""Whose figure, by the names around it: a name the vocabulary does not know makes a figure unsure.

The lists of figure_vocabulary.yaml name what is someone else's (a ministry, a region, a sector body, one
district). Text from a province nobody on the project read names bodies and places no list foresaw: "Đặc
khu Lý Sơn", "Phú Quốc", "Ban Quản lý Khu kinh tế", "Tập đoàn X". Vietnamese writes every such name
capitalised, so the check asks the opposite question: is every capitalised word said in the figure's
sentence before it (and in its clause after it) a word the reader knows? The known words are those of the
vocabulary's own lists (KPI nouns, verbs, systems, levels, periods: "Cổng Dịch vụ công", "Token"), its
`known_names` (the departments and bodies whose figures are the province's own), number words and Roman
numerals, and the report's own province. Province names are left to the province checks
(parsers/places.py), people (a title "ông"/"bà" or three capitalised words opening with a surname) say who
spoke, not whose the figure is, and a word capitalised by its position (a sentence, line, cell or quote
opening) or in an all-capital headline is no name. Any other capitalised word governs the figure: it is
left out, unsure (a wrong value is worse than a missing one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from parsers.metadata_words import folded_words, metadata_words
from parsers.places import PROVINCES
from vietnamese.folding import fold

# A word glued to a digit ("S6" for "Số") is OCR noise, no name.
_WORD_RE = re.compile(r"(?<!\d)[^\W\d_]+(?:&[^\W\d_]+)*(?!\d)")
# A sentence or list item opens after these: its first words are capitalised by position.
# A table cell (after a tab or "|") and a numbered table row ("\n1 Tổng số văn bản đi ...") open one too.
_SENTENCE_START_RE = re.compile(r"[.;!?](?=\s)| {3,}|\n\s*\n|[|·\t]|\n\s*[-+•*–]\s|\n\s*\d+(?:[.)]\s|\s)")
# The clause after a figure ends at these (or at the next number).
_CLAUSE_END_RE = re.compile(r"[,;.(|·\n\t]|\d| {3,}")
_OPENERS = "([\"“'‘:-–—\n"
_ROMAN_RE = re.compile(r"[IVXL][IVXLl1]*")  # OCR writes "IIl" for "III"
_PERSON_TITLES = frozenset({"ông", "bà", "anh", "chị", "đồng chí", "đ/c"})
# Folded, a word this long rarely equals another one: an OCR-garbled known word ("Truyén") is still known.
_FOLDED_MATCH_MIN = 6


@dataclass(frozen=True)
class KnownNames:
    """Capitalised words that govern nothing, lowercase: name words with marks and folded (for accent-free
    or garbled text), and every vocabulary word for abbreviations printed in capitals ("VB", "GQ")."""

    marked: frozenset[str]
    folded: frozenset[str]
    abbreviations: frozenset[str]

    @classmethod
    def of(cls, names: frozenset[str], words: frozenset[str]) -> KnownNames:
        return cls(frozenset(names), frozenset(fold(word) for word in names), frozenset(words))

    def knows(self, word: str) -> bool:
        lower = word.lower()
        if lower in self.marked or (word.isupper() and lower in self.abbreviations):
            return True
        folded = fold(lower)
        # An accent-free text ("Cong Dich vu cong") cannot tell words apart by marks: compare folded.
        return (folded == lower or len(folded) >= _FOLDED_MATCH_MIN) and folded in self.folded


@lru_cache(maxsize=1)
def _province_names() -> tuple[str, ...]:
    """Folded, longest first, with and without the hyphen ("ba ria - vung tau", "ba ria vung tau")."""
    names = {fold(name) for name in PROVINCES} | {fold(name).replace(" - ", " ") for name in PROVINCES}
    return tuple(sorted(names, key=len, reverse=True))


@lru_cache(maxsize=1)
def _province_pattern() -> re.Pattern[str]:
    """Any province name, its words apart by any white space (a name wrapped onto the next line)."""
    names = (r"\s+".join(re.escape(word) for word in name.split()) for name in _province_names())
    return re.compile(rf"\b(?:{'|'.join(names)})\b")


@lru_cache(maxsize=1)
def _surnames() -> frozenset[str]:
    return metadata_words().surnames


def _blanked_provinces(text: str) -> str:
    """`text` with every province name printed whole, marked or not, replaced by spaces (the province checks
    judge them). Folding keeps the length of composed text, so offsets stay those of `text`."""
    folded = fold(text)
    if len(folded) != len(text):
        return text
    for found in _province_pattern().finditer(folded):
        text = text[: found.start()] + " " * (found.end() - found.start()) + text[found.end() :]
    return text


def _opens_by_position(text: str, start: int, segment_start: int) -> bool:
    """Whether the word at `start` is capitalised because of where it stands."""
    before = text[segment_start:start].rstrip(" \t")
    return not before or before[-1] in _OPENERS


def _capitalised_runs(text: str, start: int, end: int) -> list[list[re.Match[str]]]:
    runs: list[list[re.Match[str]]] = []
    for match in _WORD_RE.finditer(text, start, end):
        word = match.group()
        if not word[0].isupper():
            continue
        if runs and text[runs[-1][-1].end() : match.start()].strip(" \t") == "":
            runs[-1].append(match)
        else:
            runs.append([match])
    return runs


def unknown_governor(text: str, start: int, end: int, province: str | None, known: KnownNames) -> str | None:
    """The first capitalised word the reader does not know in the sentence of the figure at text[start:end]
    (before it) or in its clause (after it), or None when every name there is known."""
    sentence_start = 0
    for boundary in _SENTENCE_START_RE.finditer(text, 0, start):
        sentence_start = boundary.end()
    clause_end = _CLAUSE_END_RE.search(text, end)
    own = {word.lower() for word in _WORD_RE.findall(province or "")}
    blanked = _blanked_provinces(text[: clause_end.start() if clause_end else len(text)])
    for segment in ((sentence_start, start), (end, len(blanked))):
        for run in _capitalised_runs(blanked, *segment):
            if _is_person(blanked, run, segment[0]) or _is_source(blanked, run, segment[0]):
                continue
            words = [match.group() for match in run]
            headline = sum(len(word) > 1 and word.isupper() for word in words) >= 2
            for position, match in enumerate(run):
                word = match.group()
                # A product joined by a hyphen ("VNPT-iOffice", "Viettel-CA") names a system, no body.
                if (
                    blanked[match.end() : match.end() + 1] == "-"
                    and blanked[match.end() + 1 : match.end() + 2].isalpha()
                ):
                    continue
                if position == 0 and _opens_by_position(blanked, match.start(), segment[0]):
                    continue
                if headline or _ROMAN_RE.fullmatch(word) or word.lower() in own or known.knows(word):
                    continue
                return word
    return None


def _is_person(text: str, run: list[re.Match[str]], segment_start: int) -> bool:
    """A person's name: after a title ("ông Lò Văn Thắng") or three or more words opening with a surname."""
    before = _WORD_RE.findall(text, segment_start, run[0].start())
    if before and before[-1].lower() in _PERSON_TITLES:
        return True
    # An interviewee opening a line: "Bà Hà: ...", "Ông Lê Văn Tâm, Giám đốc ...: ..."
    if len(run) >= 2 and run[0].group().lower() in _PERSON_TITLES:
        return True
    return len(run) >= 3 and folded_words(run[0].group()) in _surnames()


def _is_source(text: str, run: list[re.Match[str]], segment_start: int) -> bool:
    """A source quoted: "Theo Bưu điện tỉnh, ..." says where the figure comes from, not whose it is."""
    before = _WORD_RE.findall(text, segment_start, run[0].start())
    return run[0].group().lower() == "theo" or (bool(before) and before[-1].lower() == "theo")


def unknown_name_in_row(row: str, province: str | None, known: KnownNames) -> str | None:
    """The first unknown name in the cells of a table row before its figure ("1 | Sở Kế hoạch và Đầu tư |
    112 | 3408"): a row of one department, sector or unit is not the province's."""
    for cell in re.split(r"[|\t]| {3,}", row):
        cell = cell.strip()
        name = unknown_governor(cell, len(cell), len(cell), province, known)
        if name is not None:
            return name
    return None
