"""A report's pages as one token stream on the folded view, with the way back to page offsets.

Tokens are words, numbers, punctuation and "hard" boundaries that no pattern crosses: a sentence end
(". " ";" "!" "?"), a table cell separator, and a line break that starts a new item (a bullet, a numbered
heading, a new paragraph after a blank line). Plain line breaks are OCR wrapping and are ignored, so
sentences that continue on the next line (or page) still match.
"""

from __future__ import annotations

import bisect
import re
import sys
from functools import cached_property
from typing import Literal, NamedTuple

from parsers.folding import FoldedText, fold, ocr_key
from parsers.numbers import parse_number
from vietnamese.syllables import is_valid_key

TokenKind = Literal["word", "num", "compound", "punct", "hard"]

# Words come first only because they are most tokens and the regex engine tries alternatives in order;
# a word starts with a letter and a number with a digit, so no position could match both.
_TOKEN_RE = re.compile(
    r"""
      (?P<word>[a-z][a-z0-9]*)
    | (?P<compound>\d+(?:/\d+)+)                                  # 37/37, 18/3/2021: never a quantity
    | (?P<num>\d{1,3}(?:\.[ ]?\d{3}(?!\d))+(?:,\d+)?|\d+(?:[.,]\d+)?)
    | (?P<newline>\n)
    | (?P<cell>[|\t]|(?<=\s)·(?=\s))                                 # a portal's " · " too
    | (?P<punct>\S)
    """,
    re.VERBOSE,
)
_HARD_PUNCT = {";", "!", "?", "…"}
_NO_SPANS = (sys.maxsize, sys.maxsize)  # past any text offset
_new_tuple = tuple.__new__
# A line that starts like this begins a new item: bullets, "1.", "2.1.", "a)", "II.", "*** Về ...".
_NEW_ITEM_RE = re.compile(r"[ \t]*(?:[-+•*–—●○▪]|\d+(?:\.\d+)*[.)]\s|[a-zđ]\)\s|[IVX]+\.\s|=)")
_DATE_WORDS = {"nam", "nim", "thang", "ngay", "quy"}  # "nim": OCR of "năm"
_YEAR_RE = re.compile(r"(?:19|20)\d\d")
_DOTTED_DATE_RE = re.compile(r"(?:0?[1-9]|[12]\d|3[01])\.(?:0?[1-9]|1[0-2])\.(?:19|20)\d\d\b")
_DAY_MONTH_BEFORE_RE = re.compile(r"(?<!\d)(?:0?[1-9]|[12]\d|3[01])\.(?:0?[1-9]|1[0-2])\.$")
_YEAR_AFTER_RE = re.compile(r"\s*[-–]\s*(?:19|20)\d\d\b")
_YEAR_BEFORE_RE = re.compile(r"\b(?:19|20)\d\d\s*[-–]\s*$")
# Section headings: "2.2. Về Bưu chính", "I. KẾT QUẢ", "a) Hệ thống ...", "*** Về ứng dụng CNTT".
_HEADING_RE = re.compile(r"[ \t]*(?:\d+(?:\.\d+)*\.?[ \t]+\S|[IVX]+\.[ \t]|[a-zđ]\)[ \t]|\*+[ \t]*\S)")
_MAX_HEADING_CHARS = 150
_PAGE_NUMBER_RE = re.compile(r"\s*(?:trang\s+|page\s+)?[-–—]?\s*\d{1,3}\s*(?:/\s*\d{1,3})?\s*[-–—]?\s*", re.I)


_APPENDIX_DESIGNATION_RE = re.compile(r"(?:so\s*)?(?:[ivx]+|\d+|[a-d])\b|[:.\-–]|$")


def is_appendix_heading(line: str, headings: tuple[str, ...] = ("phu luc",)) -> bool:
    """Whether `line` heads an appendix: "Phụ lục", "Phụ lục I", "PHỤ LỤC 2: ...", "Phụ lục số 01".

    Prose that starts a line with the same words after a line wrap ("phụ lục đính kèm.") is not one:
    a heading is capitalised and followed by nothing, a designation, or is all in capitals.
    """
    stripped = line.strip().lstrip("*#_-–•. ")
    if not stripped[:1].isupper():
        return False
    folded = " ".join(re.findall(r"[a-z0-9]+|[:.\-–]", fold(stripped).text))
    for heading in headings:
        if folded == heading or folded.startswith(heading + " "):
            rest = folded[len(heading) :].strip()
            letters = [c for c in stripped if c.isalpha()]
            if _APPENDIX_DESIGNATION_RE.match(rest) or all(c.isupper() for c in letters):
                return True
    return False


# A named tuple rather than a frozen dataclass: a report has thousands of tokens and a frozen dataclass
# costs several times as much to build (every field goes through object.__setattr__).
class Token(NamedTuple):
    kind: TokenKind
    key: str  # folded (and OCR-normalised for words) text
    start: int  # offsets in the folded document text
    end: int
    value: float | int | None = None  # for "num"
    value_ok: bool = False  # a standalone quantity, not part of a date, a code or a range


def glued_syllables(word: str) -> tuple[str, ...]:
    """A folded word that is no syllable, cut into the fewest syllables of two letters or more that spell
    it ("tiepnhan" -> "tiep", "nhan": OCR lost the space between them), or the word itself if none do.

    Only words printed with Vietnamese marks are cut ("hồsơ", "trựctuyến"): an unmarked one may be an
    English word or a name ("token", "online") that no syllables spell.
    """
    best: tuple[str, ...] | None = None

    def cut(rest: str, parts: tuple[str, ...]) -> None:
        nonlocal best
        if not rest:
            if best is None or len(parts) < len(best):
                best = parts
            return
        if len(parts) >= 3 or (best is not None and len(parts) + 1 >= len(best)):
            return
        for size in range(min(7, len(rest)), 1, -1):
            if is_valid_key(rest[:size]):
                cut(rest[size:], (*parts, rest[:size]))

    cut(word, ())
    return best if best is not None and len(best) > 1 else (word,)


def _is_paragraph_break(original: str, newline_at: int) -> bool:
    """Whether the line break at original[newline_at] starts a new item rather than wrapping a line."""
    line_end = original.find("\n", newline_at + 1)
    next_line = original[newline_at + 1 : line_end if line_end != -1 else len(original)]
    line_start = original.rfind("\n", 0, newline_at) + 1
    this_line = original[line_start:newline_at]
    if "|" in this_line or "\t" in this_line.strip() or "|" in next_line or "\t" in next_line.strip():
        return True  # table rows are separate records
    if _NEW_ITEM_RE.match(next_line):
        return True
    if not next_line.strip():
        return False  # the blank line itself; the decision is made at the line after it
    blank_before = not this_line.strip()
    return blank_before and next_line.lstrip()[:1].isupper()


class ReportText:
    """The pages joined into one text (a "\\n" between pages), folded and tokenised."""

    def __init__(self, pages: list[str]) -> None:
        self.pages = pages
        self.page_starts: list[int] = []
        offset = 0
        for page in pages:
            self.page_starts.append(offset)
            offset += len(page) + 1
        self.original = "\n".join(pages)
        self.folded: FoldedText = fold(self.original)
        self._furniture = self._page_number_spans()
        self._furniture_folded = self._folded_spans(self._furniture)
        self.tokens: list[Token] = self._tokenize()

    def _page_number_spans(self) -> list[tuple[int, int]]:
        """Original spans of page-number lines at the top or bottom of a page ("2", "- 3 -", "Trang 4").

        They sit in the middle of sentences that run over a page break ("tiếp nhận | 2 | 10.214 hồ sơ").
        """
        spans: list[tuple[int, int]] = []
        for page, base in zip(self.pages, self.page_starts, strict=True):
            lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]*\S[^\n]*", page)]
            for start, end in lines[:1] + lines[-1:]:
                if _PAGE_NUMBER_RE.fullmatch(page[start:end]):
                    spans.append((base + start, base + end))
        return spans

    def _folded_spans(self, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Original spans as folded index ranges, sorted: the origin map never decreases."""
        origin = self.folded.origin
        folded = [(bisect.bisect_left(origin, lo), bisect.bisect_left(origin, hi)) for lo, hi in spans]
        return sorted(span for span in folded if span[0] < span[1])

    def _tokenize(self) -> list[Token]:
        text = self.folded.text
        tokens: list[Token] = []
        append = tokens.append
        # Page-number lines are skipped; token starts only grow, so walk their sorted spans alongside.
        spans = self._furniture_folded
        span_index = 0
        span_start, span_end = spans[0] if spans else _NO_SPANS
        for match in _TOKEN_RE.finditer(text):
            kind = match.lastgroup
            start, end = match.span()
            if start >= span_start:
                while start >= span_end:
                    span_index += 1
                    span_start, span_end = spans[span_index] if span_index < len(spans) else _NO_SPANS
                if start >= span_start and kind != "newline":
                    continue
            if kind == "word":
                piece = match.group()
                # Most tokens are words: tuple.__new__ spares the named tuple's Python-level __new__.
                if len(piece) < 4 or is_valid_key(piece) or not self._marked(start, end):
                    append(_new_tuple(Token, ("word", ocr_key(piece), start, end, None, False)))
                    continue
                at = start
                for part in glued_syllables(piece):
                    append(_new_tuple(Token, ("word", ocr_key(part), at, at + len(part), None, False)))
                    at += len(part)
            elif kind == "punct":
                piece = match.group()
                next_char = text[end : end + 1]
                hard = piece in _HARD_PUNCT or (piece == "." and (not next_char or next_char.isspace()))
                append(Token("hard" if hard else "punct", piece, start, end))
            elif kind == "num":
                append(self._number_token(match.group(), start, end, tokens))
            elif kind == "newline":
                original_at = self.folded.origin[start]
                if _is_paragraph_break(self.original, original_at):
                    append(Token("hard", "\n", start, end))
            elif kind == "cell":
                line_start = text.rfind("\n", 0, start) + 1
                if match.group() in ("|", "·") or text[line_start:start].strip():
                    append(Token("hard", "|", start, end))
            else:
                append(Token("compound", match.group(), start, end))
        return tokens

    def _marked(self, start: int, end: int) -> bool:
        """Whether the original of folded text [start, end) has a Vietnamese marked letter ("hồsơ")."""
        origin = self.folded.origin
        return not self.original[origin[start] : origin[end - 1] + 1].isascii()

    def _number_token(self, piece: str, start: int, end: int, previous: list[Token]) -> Token:
        text = self.folded.text
        before = text[start - 1 : start] if start else ""
        after = text[end : end + 2]
        value = parse_number(piece)
        glued = before in ("/", "-") or after[:1] == "/" or (after[:1] == "-" and after[1:2].isdigit())
        # "1:092" is a misread "1.092" as often as "mức độ 3:879" lacks a space: ambiguous, so neither part.
        glued = glued or (before == ":" and text[start - 2 : start - 1].isdigit())
        glued = glued or (after[:1] == ":" and after[1:2].isdigit())
        # "năm 2022", "tháng 9", "ngày 18": parts of dates, not quantities.
        date_part = bool(previous) and previous[-1].key in _DATE_WORDS and re.fullmatch(r"\d{1,4}", piece)
        # "15.08.2019", "5.3.2019": a date written with dots (read as "15.08" and "2019"), like "15/8/2019" a
        # compound: neither a count nor a word the figure's local words run across.
        if _DOTTED_DATE_RE.match(text, start) or (
            _YEAR_RE.fullmatch(piece) and _DAY_MONTH_BEFORE_RE.search(text[max(0, start - 6) : start])
        ):
            return Token("compound", piece, start, end)
        # "giai đoạn 2017 - 2018": a span of years, not a count.
        year_span = bool(_YEAR_RE.fullmatch(piece)) and bool(
            _YEAR_AFTER_RE.match(text, end) or _YEAR_BEFORE_RE.search(text[max(0, start - 8) : start])
        )
        ok = value is not None and not glued and not date_part and not year_span
        return Token("num", piece, start, end, value, ok)

    # --- navigation -----------------------------------------------------------------------------------

    def skip_soft(self, index: int) -> int:
        """The first index at or after `index` that is not soft punctuation."""
        tokens = self.tokens
        while index < len(tokens) and tokens[index].kind == "punct":
            index += 1
        return index

    @cached_property
    def _hard_positions(self) -> list[int]:
        return [i for i, t in enumerate(self.tokens) if t.kind == "hard" and t.key in ("\n", "|")]

    def paragraph_start(self, index: int) -> int:
        """Token index where the item (bullet, paragraph, table row) holding token `index` begins."""
        position = bisect.bisect_right(self._hard_positions, index - 1)
        return self._hard_positions[position - 1] + 1 if position else 0

    @cached_property
    def _all_hard_positions(self) -> list[int]:
        return [i for i, t in enumerate(self.tokens) if t.kind == "hard"]

    def clause_start(self, index: int) -> int:
        """Token index after the last hard boundary (sentence end included) before `index`."""
        if index <= 0:
            return index
        position = bisect.bisect_left(self._all_hard_positions, index) - 1
        return self._all_hard_positions[position] + 1 if position >= 0 else 0

    def to_page(self, folded_start: int, folded_end: int) -> tuple[int, int, int]:
        """(0-based page, start, end) in that page's own text for a folded span."""
        start, end = self.folded.to_original(folded_start, folded_end)
        page = bisect.bisect_right(self.page_starts, start) - 1
        base = self.page_starts[page]
        return page, start - base, min(end - base, len(self.pages[page]))

    def original_span(self, folded_start: int, folded_end: int) -> str:
        start, end = self.folded.to_original(folded_start, folded_end)
        return self.original[start:end]

    @cached_property
    def headings(self) -> list[tuple[int, int]]:
        """Token ranges [start, end) of heading lines, in order."""
        origin = self.folded.origin
        starts = [t.start for t in self.tokens]
        found: list[tuple[int, int]] = []
        offset = 0
        for line in self.original.split("\n"):
            line_start, offset = offset, offset + len(line) + 1
            stripped = line.strip()
            if len(stripped) > _MAX_HEADING_CHARS or "|" in line or "\t" in stripped:
                continue
            if not _HEADING_RE.match(line):
                continue
            folded_start = bisect.bisect_left(origin, line_start)
            folded_end = bisect.bisect_left(origin, line_start + len(line))
            found.append((bisect.bisect_left(starts, folded_start), bisect.bisect_left(starts, folded_end)))
        return found

    def heading_before(self, index: int) -> tuple[int, int] | None:
        """The last heading line that starts before token `index`."""
        position = bisect.bisect_right(self.headings, (index, len(self.tokens))) - 1
        while position >= 0:
            start, end = self.headings[position]
            if start < index:
                return start, min(end, index)
            position -= 1
        return None

    @cached_property
    def unique_keys(self) -> dict[str, list[int]]:
        """Token indices by key, for words and numbers (where patterns can start)."""
        index: dict[str, list[int]] = {}
        for position, token in enumerate(self.tokens):
            if token.kind in ("word", "num"):
                index.setdefault(token.key, []).append(position)
        return index
