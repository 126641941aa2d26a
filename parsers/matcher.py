"""The pattern engine: KPI rule patterns (parsers/rules.py) matched on a report's folded token stream.

Every pattern is matched with fuzzy word comparison, so lost diacritics and OCR noise still match; a hit
points at the tokens it covered and the token of its value. What counts as a KPI value (sections,
appendix, plans, conflicts) is policy, and lives in parsers/kpis.py.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz, process

from parsers.document import ReportText
from parsers.folding import ocr_skeleton
from parsers.rules import Element, KpiRule, Pattern, RuleSet, iter_elements
from vietnamese.folding import has_marks
from vietnamese.syllables import is_vietnamese_syllable

_PERIOD_HEADS = {"thang", "quy", "nam", "ky"}
_PERIOD_FOLLOWERS = {"i", "ii", "iii", "iv", "nay", "dau", "cuoi", "bao", "cao", "qua", "nam", "thang", "quy"}
_MAX_PERIOD_TOKENS = 6
# Punctuation that changes what a phrase means: skipped only where the pattern shows punctuation.
_STRONG_PUNCT = {",", "(", ")", "[", "]", "/", "+", "=", "&", "%"}
# Marks OCR scatters next to numbers ("3.106: chứng thư", "14.031- văn bản"): the only ones skipped
# between a count and its unit noun.
_NOISE_PUNCT = {":", "-", "'", "`", "‘", "’", "_", "~", "•", "*", "^"}
SkipMode = Literal["none", "noise", "light", "all"]
_SMALL_NUMBER_RE = re.compile(r"\d{1,2}|(?:19|20)\d\d")
_SKELETON_WEIGHT = 0.95  # a match on OCR skeletons ("chitng" ~ "chung") counts a little less
# A word printed with its marks and spelled as a Vietnamese syllable is most likely a real word: one letter
# away from a three-letter pattern word it is another word ("quả gần" is not "quá hạn"), so such a token
# needs more than that to match inexactly. Longer words keep the general tolerance: the English model
# prints marks too ("téng s6 hop thu dang hoat déng" for "tổng số hộp thư đang hoạt động").
_MARKED_WORD_SIMILARITY = 0.7


@lru_cache(maxsize=65536)
def word_similarity(pattern_word: str, text_word: str) -> float:
    """0..1 similarity of a pattern word and a text word (both folded); 0 when they should not match.

    Short words decide meaning ("3"/"4", "đi"/"đã"), so digits must be equal and a two-letter word only
    matches a garbled spelling ("dé" for "độ"); longer words tolerate about one OCR error in four letters.
    """
    if pattern_word == text_word:
        return 1.0
    if pattern_word.isdigit() or text_word.isdigit():
        return 0.0
    size = len(pattern_word)
    if size <= 2:
        # "dé" for "độ", "sd" for "số": a garbled vowel, never another real word such as "đã" for "độ".
        garbled = len(text_word) == 2 and text_word[0] == pattern_word[0] and text_word[1] in "ed"
        return 0.5 if garbled and size == 2 else 0.0
    score = fuzz.ratio(pattern_word, text_word) / 100
    skeleton_score = _SKELETON_WEIGHT * fuzz.ratio(ocr_skeleton(pattern_word), ocr_skeleton(text_word)) / 100
    score = max(score, skeleton_score)
    threshold = _threshold(size)
    return score if score >= threshold else 0.0


def _threshold(size: int) -> float:
    """word_similarity's cut-off for a pattern word of `size` letters (3 or more)."""
    return 0.66 if size == 3 else 0.75 if size <= 5 else 0.8


@dataclass(frozen=True)
class _Hit:
    rule: KpiRule
    value: float
    first_token: int
    last_token: int  # exclusive
    value_token: int
    score: float
    specificity: int
    source: str  # pattern text or table label, for debugging


_RunResult = tuple[int, tuple[float, ...], int | None, int]  # end, word similarities, value token, gap words
# A compiled pattern tail: matches from a token index, then hands over to what follows it in the pattern.
_Step = Callable[["_Matcher", int, SkipMode, tuple[float, ...], int | None, int], _RunResult | None]


@dataclass(frozen=True)
class _StartSpec:
    """Where a pattern can start: tokens like these words, any number, any word (a leading {period}).

    `value` narrows the numbers for a pattern that opens with its value: only the quantities that
    {n} ("count") or {pct} ("percent") accepts there.
    """

    words: frozenset[str]
    numbers: bool
    any_word: bool
    value: str = ""


@dataclass(frozen=True)
class _CompiledPattern:
    pattern: Pattern
    step: _Step
    starts: _StartSpec
    specificity: int  # pattern.literal_words
    required: frozenset[str]  # words every match contains

    @classmethod
    def of(cls, pattern: Pattern) -> _CompiledPattern:
        elements = pattern.elements
        return cls(
            pattern, _compile(elements, _done), _start_spec(elements), pattern.literal_words,
            _required_words(elements),
        )  # fmt: skip


@dataclass(frozen=True)
class _CompiledRules:
    """What the matcher needs from a rule set, worked out once per rule set rather than per document."""

    patterns: tuple[tuple[KpiRule, tuple[_CompiledPattern, ...]], ...]
    # The pattern words and the first words of filter phrases: where they are in a document is indexed.
    vocabulary: _Vocabulary


def _done(
    matcher: _Matcher, index: int, skip: SkipMode, sims: tuple[float, ...], value_at: int | None, gaps: int
) -> _RunResult | None:
    return index, sims, value_at, gaps


def _compile(elements: tuple[Element, ...], then: _Step) -> _Step:
    """`elements` as a chain of closures in continuation-passing style, followed by `then`.

    A step matches its element at a token index and calls the next step; the first success wins (a
    depth-first walk): a choice tries its branches in order with the same tail, a gap the fewest words
    first, a period its longest reading first. `skip` says which punctuation may stand before the next
    element: only OCR specks right after a count (its unit noun follows directly, "894, trực tuyến" is
    not "894 trực tuyến"), light punctuation between words, any after a {gap} or where the pattern shows
    punctuation. Compiling once per rule set spares dispatching on element kinds and rebuilding element
    tuples at every token of every document (tests/test_parsers_kpis_matcher.py holds the plain
    recursive walk this must agree with).
    """
    if not elements:
        return then
    element = elements[0]
    if element.kind == "word":
        # Consecutive words match one after the other with no alternatives: one step checks them all.
        count = 1
        while count < len(elements) and elements[count].kind == "word" and not elements[count].loose:
            count += 1
        step = _word_run(tuple(e.word for e in elements[:count]), _compile(elements[count:], then))
    else:
        step = _compile_element(element, _compile(elements[1:], then))
    if not element.loose:
        return step

    def loose(
        m: _Matcher, index: int, skip: SkipMode, sims: tuple[float, ...], value_at: int | None, gaps: int
    ) -> _RunResult | None:
        return step(m, index, "all", sims, value_at, gaps)

    return loose


def _compile_element(element: Element, follow: _Step) -> _Step:
    kind = element.kind
    if kind == "choice":
        branches = tuple(_compile(branch, follow) for branch in element.choices)
        # A branch opening with a word fails at once where that word is not: test it without the call.
        guards = tuple(
            branch[0].word if branch and branch[0].kind == "word" and not branch[0].loose else None
            for branch in element.choices
        )
        guarded = tuple(zip(guards, branches, strict=True))

        def choice(
            m: _Matcher, index: int, skip: SkipMode, sims: tuple[float, ...], value_at: int | None, gaps: int
        ) -> _RunResult | None:
            position = -1
            for guard, branch in guarded:
                if guard is not None:
                    table = m.similarity.get(guard)
                    if table is not None:
                        if position < 0:
                            position = index
                            if skip != "none" and position < m.size and m.kinds[position] == "punct":
                                position = m.skip_punct(position, skip)
                        if position not in table:
                            continue
                result = branch(m, index, skip, sims, value_at, gaps)
                if result is not None:
                    return result
            return None

        return choice
    if kind == "gap":
        max_words = element.max_words

        def gap(
            m: _Matcher, index: int, skip: SkipMode, sims: tuple[float, ...], value_at: int | None, gaps: int
        ) -> _RunResult | None:
            kinds, size = m.kinds, m.size
            position = index
            for used in range(max_words + 1):
                result = follow(m, position, "all", sims, value_at, gaps + used)
                if result is not None:
                    return result
                while position < size and kinds[position] == "punct":
                    position += 1
                if position >= size or kinds[position] == "hard":
                    return None
                position += 1
            return None

        return gap
    if kind == "end":

        def end(
            m: _Matcher, index: int, skip: SkipMode, sims: tuple[float, ...], value_at: int | None, gaps: int
        ) -> _RunResult | None:
            if index >= m.size or m.kinds[index] in ("punct", "hard") or m.boundary_at(index):
                return follow(m, index, skip, sims, value_at, gaps)
            return None

        return end
    if kind == "value":
        percent = element.value_unit != "count"

        def value(
            m: _Matcher, index: int, skip: SkipMode, sims: tuple[float, ...], value_at: int | None, gaps: int
        ) -> _RunResult | None:
            kinds, size = m.kinds, m.size
            position = m.after_punct(index, skip)
            if position >= size or kinds[position] != "num" or not m.tokens[position].value_ok:
                return None
            following = position + 1
            has_percent = following < size and m.keys[following] == "%"
            if not percent:
                if has_percent:
                    return None
                return follow(m, following, "noise", sims, position, gaps)
            # In prose a percentage carries its sign; a bare number next to "tỷ lệ" is too often a count.
            if not has_percent:
                return None
            return follow(m, following + 1, "light", sims, position, gaps)

        return value
    if kind == "number":

        def number(
            m: _Matcher, index: int, skip: SkipMode, sims: tuple[float, ...], value_at: int | None, gaps: int
        ) -> _RunResult | None:
            kinds, size = m.kinds, m.size
            position = m.after_punct(index, skip)
            if position >= size or (kinds[position] != "num" and kinds[position] != "compound"):
                return None
            following = position + 1
            if following < size and m.keys[following] == "%":
                following += 1
            return follow(m, following, "light", sims, value_at, gaps)

        return number
    if kind == "period":

        def period(
            m: _Matcher, index: int, skip: SkipMode, sims: tuple[float, ...], value_at: int | None, gaps: int
        ) -> _RunResult | None:
            position = m.after_punct(index, skip)
            if position >= m.size:
                return None
            for end in m.period_ends(position):
                result = follow(m, end, "light", sims, value_at, gaps)
                if result is not None:
                    return result
            return None

        return period
    raise AssertionError(f"unknown element kind {element.kind}")


def _word_run(words: tuple[str, ...], follow: _Step) -> _Step:
    def word_run(
        m: _Matcher, index: int, skip: SkipMode, sims: tuple[float, ...], value_at: int | None, gaps: int
    ) -> _RunResult | None:
        kinds, size, similarity = m.kinds, m.size, m.similarity
        position = index
        for word in words:
            if skip != "none" and position < size and kinds[position] == "punct":
                position = m.skip_punct(position, skip)
            table = similarity.get(word)
            if table is not None:
                value = table.get(position, 0.0)
            elif position < size and (kinds[position] == "word" or kinds[position] == "num"):
                value = m.similarity_at(word, position)  # a word outside the vocabulary
            else:
                return None
            if value <= 0:
                return None
            sims = (*sims, value)
            position += 1
            skip = "light"
        return follow(m, position, "light", sims, value_at, gaps)

    return word_run


def _start_spec(elements: tuple[Element, ...]) -> _StartSpec:
    """The start positions _Matcher.start_positions gives, as a description (its quirks included)."""
    if not elements:
        return _StartSpec(frozenset(), False, False)
    element, rest = elements[0], elements[1:]
    if element.kind == "choice":
        # Inside a choice a value start stays a plain number start: other branches share the set.
        specs = [_plain(_start_spec(branch) if branch else _start_spec(rest)) for branch in element.choices]
        return _StartSpec(
            frozenset().union(*(spec.words for spec in specs)),
            any(spec.numbers for spec in specs),
            any(spec.any_word for spec in specs),
        )
    if element.kind == "word":
        return _StartSpec(frozenset([element.word]), False, False)
    if element.kind == "value":
        return _StartSpec(frozenset(), True, False, element.value_unit)
    if element.kind == "number":
        return _StartSpec(frozenset(), True, False)
    if element.kind == "period":
        return _StartSpec(frozenset(), False, True)
    return _StartSpec(frozenset(), False, False)


def _plain(spec: _StartSpec) -> _StartSpec:
    return _StartSpec(spec.words, spec.numbers, spec.any_word) if spec.value else spec


def _compile_rules(rules: RuleSet) -> _CompiledRules:
    compiled: list[tuple[KpiRule, tuple[_CompiledPattern, ...]]] = []
    vocabulary: set[str] = set()
    for rule in rules.rules:
        patterns: list[_CompiledPattern] = []
        for pattern in rule.patterns:
            vocabulary |= _pattern_words(pattern.elements)
            patterns.append(_CompiledPattern.of(pattern))
        compiled.append((rule, tuple(patterns)))
    settings = rules.settings
    for phrase in (*settings.exclude_before, *settings.department_markers, *settings.phrase_boundaries):
        vocabulary.update(phrase.split()[:1])
    return _CompiledRules(tuple(compiled), _Vocabulary(frozenset(vocabulary)))


def _required_words(elements: tuple[Element, ...]) -> frozenset[str]:
    """Words on every path through the pattern (a choice contributes what all its branches share)."""
    words: set[str] = set()
    for element in elements:
        if element.kind == "word":
            words.add(element.word)
        elif element.kind == "choice":
            words |= frozenset.intersection(*(_required_words(branch) for branch in element.choices))
    return frozenset(words)


def _pattern_words(elements: tuple[Element, ...]) -> set[str]:
    return {element.word for element in iter_elements(elements) if element.kind == "word"}


_COMPILED: dict[int, tuple[RuleSet, _CompiledRules]] = {}
_MAX_COMPILED = 8


def _compiled_rules(rules: RuleSet) -> _CompiledRules:
    # By identity: hashing a whole rule set per document would cost more than it saves. The entry keeps
    # the rule set alive, so its id cannot be reused by another object while cached.
    entry = _COMPILED.get(id(rules))
    if entry is not None and entry[0] is rules:
        return entry[1]
    if len(_COMPILED) >= _MAX_COMPILED:
        _COMPILED.clear()
    compiled = _compile_rules(rules)
    _COMPILED[id(rules)] = (rules, compiled)
    return compiled


_CUTOFF_MARGIN = 0.01  # on rapidfuzz's 0..100 scale, far above any rounding difference
_MAX_KNOWN_KEYS = 65536


class _Vocabulary:
    """The words of a rule set, and which token keys each of them matches (word_similarity > 0).

    Token keys recur from document to document, so what a key matches is remembered. New keys are
    compared in bulk: rapidfuzz's C loop screens out the pairs whose ratio (plain or on skeletons) is
    below word_similarity's threshold, and only the rest go through word_similarity itself, so the
    similarities are exactly word_similarity's.
    """

    def __init__(self, words: frozenset[str]) -> None:
        self.words = words
        ordered = sorted(words)
        # Digits and one- or two-letter words match only themselves or a garbled two-letter spelling.
        self._short = [w for w in ordered if len(w) <= 2 or w.isdigit()]
        self._long = [(w, ocr_skeleton(w), _threshold(len(w))) for w in ordered if w not in self._short]
        self._known: dict[str, tuple[tuple[str, float], ...]] = {}

    def matches(self, keys: list[str]) -> dict[str, tuple[tuple[str, float], ...]]:
        """For each key, the (word, similarity) pairs with similarity > 0."""
        known = self._known
        new = {key for key in keys if key not in known}
        if len(known) + len(new) > _MAX_KNOWN_KEYS:
            known.clear()  # a bound on memory; this document's keys are all compared afresh
            new = set(keys)
        if new:
            known.update(self._compare(sorted(new)))
        return known

    def _compare(self, keys: list[str]) -> dict[str, tuple[tuple[str, float], ...]]:
        found: dict[str, list[tuple[str, float]]] = {key: [] for key in keys}
        present = set(keys)
        two_letter = [key for key in keys if len(key) == 2]
        for word in self._short:
            candidates = [word] if word in present else []
            if len(word) <= 2 and not word.isdigit():
                candidates += two_letter
            self._keep(word, candidates, found)
        skeletons = [ocr_skeleton(key) for key in keys]
        for word, skeleton, threshold in self._long:
            plain = process.extract(
                word, keys, scorer=fuzz.ratio, processor=None, limit=None,
                score_cutoff=100 * threshold - _CUTOFF_MARGIN,
            )  # fmt: skip
            shaped = process.extract(
                skeleton, skeletons, scorer=fuzz.ratio, processor=None, limit=None,
                score_cutoff=100 * threshold / _SKELETON_WEIGHT - _CUTOFF_MARGIN,
            )  # fmt: skip
            indices = {index for _, _, index in plain} | {index for _, _, index in shaped}
            self._keep(word, [keys[i] for i in sorted(indices)], found)
        return {key: tuple(pairs) for key, pairs in found.items()}

    @staticmethod
    def _keep(word: str, candidates: list[str], found: dict[str, list[tuple[str, float]]]) -> None:
        for key in dict.fromkeys(candidates):
            similarity = word_similarity(word, key)
            if similarity > 0:
                found[key].append((word, similarity))


class _Matcher:
    def __init__(
        self, report: ReportText, boundaries: tuple[str, ...] = (), vocabulary: _Vocabulary | None = None
    ) -> None:
        self.report = report
        self.tokens = report.tokens
        self.boundaries = boundaries
        # Plain lists: the matching loops read these millions of times per batch.
        self.kinds: list[str] = [t.kind for t in self.tokens]
        self.keys: list[str] = [t.key for t in self.tokens]
        self.size = len(self.tokens)
        # word -> {token index: word_similarity} for the word and number tokens it matches, for every
        # vocabulary word; compound and hard tokens matching one go to _other_positions (phrase starts).
        self.similarity: dict[str, dict[int, float]] = {}
        self._other_positions: dict[str, list[int]] = {}
        if vocabulary is not None:
            self._index(vocabulary)
        self._positions: dict[str, frozenset[int]] = {}
        self._starts: dict[_StartSpec, list[int]] = {}
        self._last: dict[str, int] = {}
        self._by_kinds: dict[tuple[str, ...], list[int]] = {}
        self._values: dict[bool, list[int]] = {}  # by "is a percentage"
        self._period_ends: dict[int, list[int]] = {}
        self._boundary_at: dict[int, bool] = {}
        self._phrase_starts: dict[str, list[int]] = {}

    # --- one pattern at one place -------------------------------------------------------------------

    def period_ends(self, index: int) -> list[int]:
        """End indices (longest first) of a period expression starting at token `index`."""
        ends = self._period_ends.get(index)
        if ends is None:
            ends = self._period_ends[index] = self._period_ends_uncached(index)
        return ends

    def _period_ends_uncached(self, index: int) -> list[int]:
        tokens = self.tokens
        head = tokens[index]
        position = index
        if head.kind == "num" and head.key.lstrip("0") in ("6", "9", "12"):
            following = self.report.skip_soft(index + 1)
            if following < len(tokens) and word_similarity("thang", tokens[following].key) > 0:
                position = following
            else:
                return []
        elif head.kind != "word" or not any(word_similarity(w, head.key) > 0 for w in _PERIOD_HEADS):
            return []
        ends = [position + 1]
        position += 1
        while position < len(tokens) and len(ends) < _MAX_PERIOD_TOKENS:
            token = tokens[position]
            if token.kind == "punct" and token.key in "/-":
                position += 1
                continue
            follower = token.kind == "word" and token.key in _PERIOD_FOLLOWERS
            small_number = token.kind == "num" and _SMALL_NUMBER_RE.fullmatch(token.key)
            if not (follower or small_number):
                break
            position += 1
            ends.append(position)
        return ends[::-1]

    def after_punct(self, index: int, skip: SkipMode) -> int:
        """Where the next element is looked for: past the punctuation `skip` allows at `index`."""
        if skip != "none" and index < self.size and self.kinds[index] == "punct":
            return self.skip_punct(index, skip)
        return index

    def skip_punct(self, index: int, skip: SkipMode) -> int:
        """Past the punctuation `skip` allows from `index` (not "none": callers handle that)."""
        kinds, keys, size = self.kinds, self.keys, self.size
        while index < size and kinds[index] == "punct":
            key = keys[index]
            if (skip == "light" and key in _STRONG_PUNCT) or (skip == "noise" and key not in _NOISE_PUNCT):
                break
            index += 1
        return index

    def boundary_at(self, index: int) -> bool:
        """Whether a phrase boundary word ("và", "trong đó") starts at token `index`, for {end}."""
        closed = self._boundary_at.get(index)
        if closed is None:
            closed = any(self.phrase_at(index, phrase) for phrase in self.boundaries)
            self._boundary_at[index] = closed
        return closed

    # --- where patterns can start -------------------------------------------------------------------

    def _index(self, vocabulary: _Vocabulary) -> None:
        similarity: dict[str, dict[int, float]] = {word: {} for word in vocabulary.words}
        unique_keys = self.report.unique_keys
        others: dict[str, list[int]] = {}
        for position, kind in enumerate(self.kinds):
            if kind == "compound" or kind == "hard":
                others.setdefault(self.keys[position], []).append(position)
        matches = vocabulary.matches([*unique_keys, *others])
        for key, indices in unique_keys.items():
            for word, value in matches[key]:
                table = similarity[word]
                for index in indices:
                    if self._another_word(word, value, index):
                        continue
                    table[index] = value
        for key, indices in others.items():
            for word, _ in matches[key]:
                self._other_positions.setdefault(word, []).extend(indices)
        self.similarity = similarity

    def similarity_at(self, word: str, index: int) -> float:
        """word_similarity of pattern `word` and token `index`, 0 where the token is another real word."""
        value = word_similarity(word, self.keys[index])
        return 0.0 if self._another_word(word, value, index) else value

    def _another_word(self, word: str, value: float, index: int) -> bool:
        """Whether token `index`, similar to `word` by `value`, is a real word other than it: printed with
        its marks and spelled as a syllable, yet a letter away (two-letter words match only OCR's garbled
        vowels, "dé" for "độ", and keep doing so)."""
        if not 0 < value < _MARKED_WORD_SIMILARITY or len(word) < 3:
            return False
        token = self.tokens[index]
        start, end = self.report.folded.to_original(token.start, token.end)
        surface = self.report.original[start:end]
        return has_marks(surface) and is_vietnamese_syllable(surface)

    def _word_positions(self, word: str) -> frozenset[int]:
        positions = self._positions.get(word)
        if positions is not None:
            return positions
        table = self.similarity.get(word)
        if table is not None:
            positions = frozenset(table)
        else:
            found: list[int] = []
            for key, indices in self.report.unique_keys.items():
                value = word_similarity(word, key)
                if value > 0:
                    found.extend(index for index in indices if not self._another_word(word, value, index))
            positions = frozenset(found)
        self._positions[word] = positions
        return positions

    def _kind_positions(self, *kinds: str) -> list[int]:
        positions = self._by_kinds.get(kinds)
        if positions is None:
            positions = self._by_kinds[kinds] = [i for i, kind in enumerate(self.kinds) if kind in kinds]
        return positions

    def _value_positions(self, percent: bool) -> list[int]:
        """Where a value element can match: a quantity followed by "%" for {pct}, not for {n}."""
        positions = self._values.get(percent)
        if positions is None:
            keys, tokens, size = self.keys, self.tokens, self.size
            positions = self._values[percent] = [
                i
                for i in self._kind_positions("num")
                if tokens[i].value_ok and (i + 1 < size and keys[i + 1] == "%") == percent
            ]
        return positions

    def _last_position(self, word: str, table: dict[int, float]) -> int:
        last = self._last.get(word)
        if last is None:
            last = self._last[word] = max(table, default=-1)
        return last

    def _starts_for(self, spec: _StartSpec) -> list[int]:
        starts = self._starts.get(spec)
        if starts is None:
            found: set[int] = set()
            for word in spec.words:
                found |= self._word_positions(word)
            if spec.value:
                found.update(self._value_positions(spec.value == "percent"))
            elif spec.numbers:
                found.update(self._kind_positions("num", "compound"))
            if spec.any_word:
                found.update(self._kind_positions("word", "num"))
            starts = self._starts[spec] = sorted(found)
        return starts

    def match_pattern(self, rule: KpiRule, pattern: Pattern | _CompiledPattern) -> list[_Hit]:
        if isinstance(pattern, Pattern):
            pattern = _CompiledPattern.of(pattern)
        step, source, specificity = pattern.step, pattern.pattern.source, pattern.specificity
        # Matched words lie at or after the start, so a start after the last place a required word
        # occurs (or any start, when one does not occur at all) cannot match.
        last = self.size
        for word in pattern.required:
            table = self.similarity.get(word)
            if table is not None:
                last = min(last, self._last_position(word, table))
        starts = self._starts_for(pattern.starts)
        tokens = self.tokens
        hits: list[_Hit] = []
        for start in starts[: bisect.bisect_right(starts, last)]:
            result = step(self, start, "none", (), None, 0)
            if result is None or result[2] is None:
                continue
            end, sims, value_token, gaps = result
            value = tokens[value_token].value
            if value is None:
                continue
            similarity = sum(sims) / len(sims) if sims else 1.0
            score = round(max(0.0, similarity * (1 - 0.005 * gaps)), 3)
            hits.append(_Hit(rule, float(value), start, end, value_token, score, specificity, source))
        return hits

    # --- filters ------------------------------------------------------------------------------------

    def phrase_at(self, index: int, phrase: str) -> bool:
        """Whether the words of `phrase` start at token `index` (soft punctuation skipped)."""
        kinds, size = self.kinds, self.size
        for word in phrase.split():
            while index < size and kinds[index] == "punct":
                index += 1
            if index >= size or self.similarity_at(word, index) <= 0:
                return False
            index += 1
        return True

    def phrase_before(self, index: int, phrase: str) -> bool:
        """Whether the words of `phrase` end right before token `index`."""
        words = phrase.split()
        position = index - 1
        for word in reversed(words):
            while position >= 0 and self.tokens[position].kind == "punct":
                position -= 1
            if position < 0 or self.similarity_at(word, position) <= 0:
                return False
            position -= 1
        return True

    def phrase_starts(self, phrase: str) -> list[int] | None:
        """Sorted token indices (not soft punctuation) where `phrase` starts; None if not indexed."""
        starts = self._phrase_starts.get(phrase)
        if starts is None:
            words = phrase.split()
            table = self.similarity.get(words[0]) if words else None
            if table is None:
                return None
            candidates = sorted([*table, *self._other_positions.get(words[0], ())])
            starts = self._phrase_starts[phrase] = [i for i in candidates if self.phrase_at(i, phrase)]
        return starts

    def phrase_within(self, start: int, end: int, phrase: str) -> bool:
        starts = self.phrase_starts(phrase)
        if starts is None:
            kinds = self.kinds
            return any(self.phrase_at(i, phrase) for i in range(start, end) if kinds[i] != "punct")
        position = bisect.bisect_left(starts, start)
        return position < len(starts) and starts[position] < end

    def words(self, start: int, end: int) -> str:
        return " ".join(t.key for t in self.tokens[start:end] if t.kind in ("word", "num"))
