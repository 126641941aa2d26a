"""Where a value was read on its page: the box around the words of a KPI match, in page-image pixels.

A KPI match gives offsets in the page's final text (post-processed, maybe restored); the word boxes
belong to the text as read (`raw_text`: Tesseract's words, or the PDF text layer). The offsets are
carried over to the raw text through a character alignment, and the raw tokens there are found among
the words by their text and their neighbours: the word lists are not always in text order (table rows
are rebuilt from cells; poppler's box order is not its -layout line order). A number that could be
one of several words with nothing around it to tell them apart gets no box: a box on the wrong figure
would mislead a reviewer more than a missing one.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

__all__ = ["Box", "PageGeometry", "ValueLocator", "WordBox", "value_box"]

Box = tuple[int, int, int, int]  # x0, y0, x1, y1
_TOKEN = re.compile(r"\S+")
# Raw-text tokens on each side of the value that are looked for around a candidate word.
_CONTEXT_TOKENS = 5


@dataclass(frozen=True)
class WordBox:
    text: str
    x0: int
    y0: int
    x1: int
    y1: int


@dataclass(frozen=True)
class PageGeometry:
    """The words of one page with their boxes, in pixels of a page image `width` × `height`."""

    width: int
    height: int
    words: tuple[WordBox, ...]


class ValueLocator:
    """Boxes of values on one page: the page's tokens, word index and alignment are worked out once."""

    def __init__(self, text: str, raw_text: str, geometry: PageGeometry) -> None:
        self.text = text
        self.raw_text = raw_text
        self.geometry = geometry
        self._tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(raw_text)]
        self._token_ends = [e for _, e, _ in self._tokens]
        self._words_by_text: dict[str, list[int]] = {}
        for j, word in enumerate(geometry.words):
            self._words_by_text.setdefault(word.text, []).append(j)
        self._alignment: list[tuple[str, int, int, int, int]] | None = None

    def box(self, start: int, end: int) -> Box | None:
        """The box of the words holding text[start:end], or None when they cannot be found for sure."""
        raw_start, raw_end = self._raw_span(start, end)
        tokens = self._tokens
        first = bisect.bisect_right(self._token_ends, raw_start)
        last = first
        while last + 1 < len(tokens) and tokens[last + 1][0] < raw_end:
            last += 1
        if first >= len(tokens) or tokens[first][0] >= raw_end:
            return None
        wanted = [t for _, _, t in tokens[first : last + 1]]
        around = (
            tokens[max(0, first - _CONTEXT_TOKENS) : first] + tokens[last + 1 : last + 1 + _CONTEXT_TOKENS]
        )
        context = Counter(t for _, _, t in around)
        words = self.geometry.words
        scored = [
            (_context_score(words, j, len(wanted), context), j)
            for j in self._words_by_text.get(wanted[0], [])
            if j + len(wanted) <= len(words) and all(words[j + k].text == w for k, w in enumerate(wanted))
        ]
        if not scored:
            return None
        scored.sort(key=lambda sj: (-sj[0], sj[1]))
        if len(scored) > 1 and scored[0][0] == scored[1][0]:
            return None  # two equally likely places
        j = scored[0][1]
        chosen = words[j : j + len(wanted)]
        return (
            min(w.x0 for w in chosen),
            min(w.y0 for w in chosen),
            max(w.x1 for w in chosen),
            max(w.y1 for w in chosen),
        )

    def _raw_span(self, start: int, end: int) -> tuple[int, int]:
        """text[start:end] carried over to raw_text through a character alignment of the two."""
        if self.text == self.raw_text:
            return start, end
        if self._alignment is None:
            self._alignment = [
                (op.tag, op.src_start, op.src_end, op.dest_start, op.dest_end)
                for op in Levenshtein.opcodes(self.text, self.raw_text)
            ]
        ops = self._alignment
        op_starts = [op[1] for op in ops]

        def carry(pos: int) -> int:
            i = bisect.bisect_right(op_starts, pos) - 1
            while 0 <= i < len(ops) and ops[i][2] <= pos:  # skip insertions (empty source ranges)
                i += 1
            if i < 0 or i >= len(ops):
                return len(self.raw_text)
            tag, src_start, _, dest_start, dest_end = ops[i]
            if tag == "equal":
                return dest_start + pos - src_start
            return dest_start + min(pos - src_start, max(dest_end - dest_start - 1, 0))

        raw_start = carry(start)
        raw_end = carry(max(end - 1, start)) + 1
        return raw_start, max(raw_end, raw_start + 1)


def value_box(text: str, raw_text: str, start: int, end: int, geometry: PageGeometry) -> Box | None:
    """The box of one value (see ValueLocator, which places many values of a page faster)."""
    return ValueLocator(text, raw_text, geometry).box(start, end)


def _context_score(words: tuple[WordBox, ...], j: int, n: int, context: Counter[str]) -> int:
    """How many of the context tokens are next to words[j:j+n], in list order or on the same line."""
    if not context:
        return 0
    near = set(range(max(0, j - _CONTEXT_TOKENS - 2), min(len(words), j + n + _CONTEXT_TOKENS + 2)))
    top = min(w.y0 for w in words[j : j + n])
    bottom = max(w.y1 for w in words[j : j + n])
    middle = (top + bottom) / 2
    near.update(
        i for i, w in enumerate(words) if w.y0 <= middle <= w.y1 or top <= (w.y0 + w.y1) / 2 <= bottom
    )
    near.difference_update(range(j, j + n))
    found = Counter(words[i].text for i in near)
    return sum(min(count, found[token]) for token, count in context.items())
