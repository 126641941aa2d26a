"""The figure reader: every number of a report is a candidate value; the words around it say what it counts.

The rules of parsers/kpi_rules.yaml read one department's sentences; other provinces say the same
figure in other words and orders ("số hồ sơ tiếp nhận trực tuyến là 3.687", "trong đó 9.645 trực tiếp",
"khoảng 12,4 ngàn hồ sơ"). Here a figure's role comes from what its context says, slot by slot
(parsers/figure_vocabulary.yaml):

* local words: those right before the number back to the previous number or comma, and those right
  after it up to the next one — what is said here is binding;
* the context: the words before "trong đó" that the figure enumerates, or a lead-in line ending in ":",
  or else the earlier words of its sentence — they only fill slots the local words leave open.

A KPI frame matches when all its `need` slots are said and nothing said locally is foreign to it; the
frame needing the most slots wins and a tie between codes leaves the figure out. A figure is also left
out when its sentence is someone else's (another province, the country, a ministry), when a comparison
or a plan frames it, or when the local words say nothing the winning frame needs: what the reader is
unsure of, it does not report.
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

from parsers.document import ReportText, Token
from parsers.figure_tables import TableCell, table_cells
from parsers.folding import ocr_skeleton
from parsers.matcher import word_similarity
from parsers.places import PROVINCES
from parsers.quantities import combined_qualifier, qualifier_before, scale_factor, scaled_value
from parsers.vocabulary import WHOLE, KpiFrame, Phrase, Vocabulary, fold_phrase
from schemas.kpi_codes import KPI_CODES
from schemas.models import Level, Qualifier

_MAX_BEFORE = 16  # local words before a number
_MAX_AFTER = 8  # local words after it
_MAX_CONTEXT = 30  # words of a parent or sentence head
_UNIT_BEFORE_PLACE = frozenset({"xa", "phuong", "huyen", "quan", "tran", "khu"})  # "phường Sóc Trăng"
_THIS_YEAR = 9999  # "năm nay": later than any year a report names
_NOISE_SIGNS = frozenset("&@#$*^~`=<>§¢")  # glued to a digit, OCR noise: the digit was a letter
_ZONE_STOPS = {",", "(", ")", "[", "]", "—", "–"}  # dashes: "Đã giải quyết: 1.198 — Đúng hạn: 97%"
_SENTENCE_ENDS = {".", "!", "?", "…", "\n", "|"}  # hard tokens that end a sentence (";" only a clause)

# Categories of a phrase found in the text besides slot values ("slot:<name>").
_LEVEL, _QUALIFIER, _NOT_OURS, _PARENT = "level", "qualifier", "not_ours", "parent"
# Slots whose value, said right after a number, decides between codes of one noun (a rule's reading too).
_DECIDING_SLOTS = frozenset({"medium", "owner", "channel", "level", "timing", "carried", "direction", "form"})
_PERIOD = "period"  # a phrase that only says the report's own period: it fills no slot
_LOOKALIKE = "lookalike"  # a phrase that hides a vocabulary word folded like it ("cập nhật", not "cấp")
_NOT_DONE = "not_done"  # the name of a `not_ours` phrase that says the thing counted is not done


@dataclass(frozen=True)
class Figure:
    """A number read as a KPI value, with the slots that decided it (its `reason`)."""

    kpi: str
    unit: str
    scope: str
    value: float
    qualifier: Qualifier
    level: Level | None
    value_token: int
    first_token: int
    last_token: int  # exclusive
    score: float
    reason: str


@dataclass(frozen=True)
class Quantity:
    """A number as meant: its value after a scale word, the qualifier, the token after it all."""

    value: float
    qualifier: Qualifier
    percent: bool
    end: int  # first token after the number, its "%" and its scale word


# Units of time after a number make it a period ("6 tháng", "3 ngày"), no count of things.
_PERIOD_UNITS = frozenset({"ngay", "gio", "phut", "tuan", "thang", "quy", "nam", "ky"})
# Folded words of a table's column headers that name no thing: "Số", "Tổng", "Đơn vị tính", "Kết quả".
_NEUTRAL_HEADER_WORDS = frozenset(
    {"so", "tong", "ty", "ti", "le", "don", "vi", "tinh", "ket", "qua", "thuc", "hien", "nam", "quy", "thang",
     "luong", "chi", "tieu", "noi", "dung", "stt", "tt", "ghi", "chu", "cong", "toan", "trong", "do", "ky",
     "nay", "gia", "tri", "tai", "luy", "ke", "tu", "den", "ngay", "muc"}
)  # fmt: skip
# Folded words that open a predicate: what stands before them is its subject ("450 hợp tác xã đã nộp ...").
_PREDICATE_MARKERS = frozenset({"da", "dang", "se"})


def _head_nouns_only(phrases: list[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
    """Vietnamese puts the head noun first: in "Hồ sơ DVC", "hồ sơ TTHC" the second noun only says whose,
    so a noun right after another is no noun of its own."""
    noun_ends = {end for _, end, category, _ in phrases if category == "slot:noun"}
    return [phrase for phrase in phrases if not (phrase[2] == "slot:noun" and phrase[0] in noun_ends)]


@dataclass(frozen=True)
class _Said:
    """What a stretch of words says: slot values (the one nearest the number first), level, framing."""

    slots: dict[str, str]
    level: Level | None
    level_said: bool  # a level or "toàn tỉnh" was said: nothing said further away carries over
    not_ours: bool
    first: int  # token range the phrases were found in
    last: int


@lru_cache(maxsize=65536)
def words_match(pattern_word: str, text_word: str) -> bool:
    """Folded words that are the same word, allowing OCR stand-ins ("chitng" for "chứng").

    Stricter than the rule matcher: one letter tells "tỉnh" from "trình" and "ngàn" from "nhận", and a
    figure has no pattern around it to make up for a loose word. Only long words tolerate an error.
    """
    if pattern_word == text_word or ocr_skeleton(pattern_word) == ocr_skeleton(text_word):
        return True
    return len(pattern_word) >= 6 and word_similarity(pattern_word, text_word) >= 0.8


_GROUP_HEAD_RE = re.compile(r"\d{1,3},\d{3}")
_GROUP_RE = re.compile(r"\d{3}")
_ENGLISH_PERCENT_RE = re.compile(r"\d{1,2}\.\d{1,2}")  # "41.24" before "%": a decimal point


def english_grouped(tokens: list[Token], index: int) -> tuple[int, int] | None:
    """ "2,418,306" as an English-locale dashboard prints it: (2418306, the token after it), else None.

    Only two or more comma groups are sure: "2,418" alone may be a Vietnamese decimal.
    """
    token = tokens[index]
    if token.kind != "num" or not _GROUP_HEAD_RE.fullmatch(token.key):
        return None
    digits, position, offset = token.key.replace(",", ""), index + 1, token.end
    while (
        position + 1 < len(tokens)
        and tokens[position].key == ","
        and tokens[position].start == offset
        and tokens[position + 1].start == offset + 1
        and _GROUP_RE.fullmatch(tokens[position + 1].key)
    ):
        digits += tokens[position + 1].key
        offset = tokens[position + 1].end
        position += 2
    return (int(digits), position) if position > index + 1 else None


def in_english_group(tokens: list[Token], index: int) -> bool:
    """Whether tokens[index] is a piece of a "2,418,306" (its head or a tail group)."""
    if english_grouped(tokens, index) is not None:
        return True
    position = index
    while (
        position >= 2
        and tokens[position - 1].key == ","
        and tokens[position - 1].start == tokens[position - 2].end
    ):
        position -= 2
        if english_grouped(tokens, position) is not None:
            return True
    return False


def read_quantity(
    tokens: list[Token],
    index: int,
    vocabulary: Vocabulary,
    percent_column: bool = False,
    english_locale: bool = False,
) -> Quantity | None:
    """The number at tokens[index] as meant ("khoảng 12,4 ngàn" → 12400, approx), or None if none.

    A count must come out whole: "12,4" alone is not a count, "12,4 ngàn" is. In a text that writes
    numbers the English way (`english_locale`), "48,207" is a count.
    """
    token = tokens[index]
    if token.kind != "num" or token.value is None or not token.value_ok:
        return None
    # "Điều 13", "Biểu 02": a reference, not a quantity.
    before_words: tuple[str, ...] = ()
    position = index - 1
    while position >= 0 and index - position <= 3 and tokens[position].kind == "word":
        before_words = (tokens[position].key, *before_words)
        position -= 1
    if any(before_words[-len(phrase) :] == phrase for phrase in vocabulary.reference_words if before_words):
        return None
    grouped = english_grouped(tokens, index)
    if grouped is None and in_english_group(tokens, index):
        return None  # the tail "306" of "2,418,306"
    # "tỷ 1ệ": OCR read a letter as a digit; a digit glued to one or two letters is a piece of a word,
    # and so is one glued to a sign no figure wears ("tỷ 1& hồ sơ").
    following = tokens[index + 1] if index + 1 < len(tokens) else None
    if following is not None and following.start == token.end and following.key in _NOISE_SIGNS:
        return None
    if any(
        0 <= near < len(tokens)
        and tokens[near].kind == "word"
        and len(tokens[near].key) <= 2
        and (tokens[near].start == token.end or tokens[near].end == token.start)
        for near in (index - 1, index + 1)
    ):
        return None
    # "76 84%", "30 704 văn bản": OCR split one number in two; neither part is the figure.
    if (index > 0 and tokens[index - 1].kind == "num") or (
        index + 1 < len(tokens) and tokens[index + 1].kind == "num"
    ):
        return None
    end = grouped[1] if grouped else index + 1
    has_sign = end < len(tokens) and tokens[end].key == "%"
    percent = has_sign or percent_column  # a table column headed "%" or "Tỷ lệ" holds bare percentages
    value = float(grouped[0] if grouped else token.value)
    factor = None
    if percent:
        end += has_sign
        if not 0 <= value <= 100:
            return None
    else:
        if end < len(tokens) and tokens[end].kind == "word":
            factor = scale_factor(tokens[end].key, vocabulary.scales)
        if factor is not None:
            value = scaled_value(value, factor)
            end += 1
        elif english_locale and grouped is None and _GROUP_HEAD_RE.fullmatch(token.key):
            value = float(token.key.replace(",", ""))
        if value != int(value):
            return None
    before: list[str] = []
    position = index - 1
    while position >= 0 and len(before) < 3 and tokens[position].kind == "word":
        before.insert(0, tokens[position].key)
        position -= 1
    qualifier = combined_qualifier(qualifier_before(before, vocabulary.qualifiers), factor is not None)
    return Quantity(value, qualifier, percent, end)


def _starts_at(keys: tuple[str, ...], position: int, phrase: Phrase) -> bool:
    return keys[position : position + len(phrase)] == phrase


def _inside(part: Phrase, whole: Phrase) -> bool:
    """Whether the words `part` appear in a row within `whole`."""
    return any(whole[k : k + len(part)] == part for k in range(len(whole) - len(part) + 1))


@lru_cache(maxsize=8)
def _first_words(vocabulary: Vocabulary) -> frozenset[str]:
    """The first word of every phrase of the vocabulary."""
    return frozenset(phrase[0] for phrase, _, _ in _phrase_index(vocabulary))


@lru_cache(maxsize=8)
def _phrase_index(vocabulary: Vocabulary) -> tuple[tuple[Phrase, str, str], ...]:
    """Every phrase with its category and name, longest first (the longest reading of words wins)."""
    entries: list[tuple[Phrase, str, str]] = []
    for slot, values in vocabulary.slots.items():
        for value, phrases in values.items():
            entries.extend((phrase, f"slot:{slot}", value) for phrase in phrases)
    for level, phrases in vocabulary.levels.items():
        entries.extend((phrase, _LEVEL, level) for phrase in phrases)
    for qualifier, phrases in vocabulary.qualifiers.items():
        entries.extend((phrase, _QUALIFIER, qualifier) for phrase in phrases)
    entries.extend((phrase, _NOT_OURS, "") for phrase in vocabulary.not_ours)
    entries.extend((phrase, _NOT_OURS, _NOT_DONE) for phrase in vocabulary.not_done)
    entries.extend((phrase, _PARENT, "") for phrase in vocabulary.parents)
    entries.extend((phrase, _PERIOD, "") for phrase in vocabulary.periods)
    entries.extend((phrase, _LOOKALIKE, "") for phrase in vocabulary.lookalikes)
    return tuple(sorted(entries, key=lambda entry: -len(entry[0])))


class FigureReader:
    """Reads the figures of one report; `province` is the report's own (None: every named one is foreign)."""

    def __init__(
        self, report: ReportText, vocabulary: Vocabulary, province: str | None, appendix_start: int
    ) -> None:
        self.report = report
        self.tokens = report.tokens
        self.vocabulary = vocabulary
        self.appendix_start = appendix_start
        own = fold_phrase(province) if province else ()
        places = [fold_phrase(name) for name in PROVINCES]
        # A name inside the own one, or the own one inside it, is the same place renamed: "Huế" in a
        # report of "Thừa Thiên Huế", and the other way round since the 2025 merger.
        self._own_place = tuple(p for p in places if own and (_inside(p, own) or _inside(own, p)))
        self._foreign_places = tuple(p for p in places if p not in self._own_place)

    @cached_property
    def english_locale(self) -> bool:
        """Whether the text writes numbers the English way: "1,245,806", or a percentage "41.24%"."""
        tokens = self.tokens
        return any(
            (_ENGLISH_PERCENT_RE.fullmatch(t.key) and i + 1 < len(tokens) and tokens[i + 1].key == "%")
            or english_grouped(tokens, i) is not None
            for i, t in enumerate(tokens)
            if t.kind == "num"
        )

    # --- phrases ------------------------------------------------------------------------------------

    @cached_property
    def _phrases(self) -> list[tuple[int, int, str, str]]:
        """(first token, end token, category, name) of every vocabulary phrase, non-overlapping.

        Longest first, so "kỳ trước chuyển sang" (carried over) is not "kỳ trước" (a comparison) and
        "cấp huyện" (a level) is not "cấp" (issued). Phrases run over words and numbers, not punctuation.
        """
        tokens = self.tokens
        words = [i for i, t in enumerate(tokens) if t.kind in ("word", "num")]
        keys = [tokens[i].key for i in words]
        taken = [False] * len(words)
        found: list[tuple[int, int, str, str]] = []
        by_first: dict[str, list[tuple[Phrase, str, str]]] = {}
        for entry in _phrase_index(self.vocabulary):
            by_first.setdefault(entry[0][0], []).append(entry)
        starts: dict[int, list[tuple[Phrase, str, str]]] = {}
        positions_of: dict[str, list[int]] = {}
        for position, key in enumerate(keys):
            positions_of.setdefault(key, []).append(position)
        # Compare each distinct word once, not each occurrence: a report repeats its words a lot. Only
        # long words match fuzzily (words_match), the rest by their OCR skeleton: a dictionary look-up.
        by_skeleton: dict[str, list[str]] = {}
        for first_word in by_first:
            by_skeleton.setdefault(ocr_skeleton(first_word), []).append(first_word)
        long_words = [first_word for first_word in by_first if len(first_word) >= 6]
        for key, positions in positions_of.items():
            matched = set(by_skeleton.get(ocr_skeleton(key), ()))
            if len(key) >= 4:
                matched.update(word for word in long_words if words_match(word, key))
            for first_word in matched:
                for position in positions:
                    starts.setdefault(position, []).extend(by_first[first_word])
        candidates: list[tuple[int, int, str, str]] = []
        for position, entries in starts.items():
            for phrase, category, name in entries:
                size = len(phrase)
                if position + size > len(keys):
                    continue
                # A phrase stays within one clause: only light punctuation between its words ("SIM-PKI").
                if not self._joined(words[position], words[position + size - 1]):
                    continue
                if all(words_match(phrase[k], keys[position + k]) for k in range(1, size)):
                    candidates.append((position, size, category, name))
        accepted: set[tuple[int, int]] = set()
        for position, size, category, name in sorted(candidates, key=lambda c: (-c[1], c[0])):
            # The same words may say two slots ("sim pki": a certificate, on a SIM).
            if (position, size) not in accepted and any(taken[position : position + size]):
                continue
            taken[position : position + size] = [True] * size
            accepted.add((position, size))
            found.append((words[position], words[position + size - 1] + 1, category, name))
        found.sort()
        return found

    def _joined(self, first: int, last: int) -> bool:
        """Only light punctuation between: "SIM-PKI", "các sở, ban, ngành"; no bracket, no clause end."""
        return all(
            t.kind in ("word", "num") or (t.kind == "punct" and t.key not in ("(", ")", "[", "]"))
            for t in self.tokens[first : last + 1]
        )

    @cached_property
    def _phrase_starts(self) -> list[int]:
        return [phrase[0] for phrase in self._phrases]

    def _phrases_in(self, first: int, last: int) -> list[tuple[int, int, str, str]]:
        """Phrases that start within tokens [first, last), or run into it from before."""
        position = max(0, bisect.bisect_left(self._phrase_starts, first) - 1)
        result = []
        while position < len(self._phrases) and self._phrases[position][0] < last:
            if self._phrases[position][1] > first:
                result.append(self._phrases[position])
            position += 1
        return result

    def _said(self, first: int, last: int, toward: str) -> _Said:
        """What tokens [first, last) say; where a slot is said twice, the value nearest `toward` wins."""
        phrases = _head_nouns_only(self._phrases_in(first, last))
        if toward == "end":
            phrases = phrases[::-1]
        slots: dict[str, str] = {}
        level: Level | None = None
        level_said = False
        not_ours = False
        for _, _, category, name in phrases:
            if category.startswith("slot:"):
                slots.setdefault(category[5:], name)
            elif category == _LEVEL and not level_said:
                level_said = True
                level = None if name == WHOLE else Level(name)
            elif category == _NOT_OURS:
                not_ours = True
        return _Said(slots, level, level_said, not_ours, first, last)

    # --- where a figure sits ------------------------------------------------------------------------

    @cached_property
    def _sentence_ends(self) -> list[int]:
        return [i for i, t in enumerate(self.tokens) if t.kind == "hard" and t.key in _SENTENCE_ENDS]

    def sentence(self, index: int) -> tuple[int, int]:
        """Token range of the sentence holding token `index` (";" does not end one)."""
        ends = self._sentence_ends
        position = bisect.bisect_left(ends, index)
        start = ends[position - 1] + 1 if position else 0
        end = ends[position] if position < len(ends) else len(self.tokens)
        return start, end

    def _local_before(self, index: int, start: int) -> int:
        """First token of the local words before the number at `index` (not before `start`)."""
        tokens = self.tokens
        position, words = index, 0
        while position > start and words < _MAX_BEFORE:
            token = tokens[position - 1]
            if token.key == "(" and position == index and not self._number_shortly_before(position - 1):
                # "hồ sơ tiếp nhận trực tiếp (54,1 ngàn hồ sơ)": a bracket opened by the number after a
                # phrase with no count of its own gives that phrase its count.
                position -= 1
                continue
            if token.kind in ("compound", "hard") or token.key in _ZONE_STOPS:
                break
            # Another figure ends the zone; a number inside a phrase ("mức độ 4") or a date's ("năm 2022")
            # is a word of it.
            if token.kind == "num" and token.value_ok and not self._covered_by_phrase(position - 1):
                break
            # "... 3.118 hồ sơ tồn kỳ trước chuyển sang và 49.222 hồ sơ tiếp nhận mới": what comes
            # before "và" is the previous item's.
            if self._is_parent_end(position) or (
                token.key == "va" and self._number_shortly_before(position - 1)
            ):
                break
            words += token.kind == "word"
            position -= 1
        return position

    def _share_of_previous(self, local_first: int, index: int) -> bool:
        """A percentage right after a count, with at most "đạt"/"chiếm" between: that count's share."""
        words = [t.key for t in self.tokens[local_first:index] if t.kind == "word"]
        if any(word not in self.vocabulary.share_words for word in words):
            return False
        return self._number_shortly_before(local_first)

    def _number_shortly_before(self, index: int) -> bool:
        """A number within the few tokens before `index`, in the same clause (an item just ended)."""
        for position in range(index - 1, max(-1, index - 13), -1):
            token = self.tokens[position]
            if token.kind == "hard":
                return False
            if token.kind == "num":
                return True
        return False

    def _local_after(self, index: int, end: int) -> int:
        """Token after the local words that follow a number (its noun, its verb)."""
        tokens = self.tokens
        position, words = index, 0
        while position < end and words < _MAX_AFTER:
            token = tokens[position]
            if token.key == "," and self._synonym_after(index, position):
                position += 1  # "3.228 chứng thư số, chữ ký số được cấp": one noun said twice
                continue
            if token.kind in ("num", "compound", "hard") or token.key in _ZONE_STOPS:
                break
            if token.key == ":" and position > index:
                break  # "88.402 hồ sơ: sớm hạn 61.118, ...": a breakdown follows, its own words
            if token.key == "tren" and self._names_a_base(position + 1):
                break  # "50 hồ sơ trên tổng số 22.417 hồ sơ đã giải quyết": out of a total, said of it
            if token.key == "va" and self._verb_at(position + 1):
                break  # "thu hồi 17 chứng thư số và tạm dừng 4 ...": another item, its own verb
            words += token.kind == "word"
            position += 1
        # Past the word limit, a run of vocabulary phrases goes on saying what the number counts: "826
        # thủ tục cung cấp dịch vụ công trực tuyến toàn trình" is four phrases, eleven words.
        while (
            words >= _MAX_AFTER
            and position < end
            and self.tokens[position].kind == "word"
            and self._covered_by_phrase(position)
        ):
            position += 1
        # "45 văn bản hướng dẫn tiếp nhận hồ sơ": a second, other noun is another object, and what is
        # said of it ("tiếp nhận") is not said of the first: the words stop at the first unknown word
        # after the first noun ("hướng dẫn"), or at the second noun.
        phrases = self._phrases_in(index, position)
        nouns = [(start, end, name) for start, end, category, name in phrases if category == "slot:noun"]
        other = next((start for start, _, name in nouns if name != nouns[0][2]), None)
        if other is None:
            return position
        covered = {i for start, end, _, _ in phrases for i in range(start, end)}
        unknown = (i for i in range(nouns[0][1], other) if self.tokens[i].kind == "word" and i not in covered)
        return next(unknown, other)

    def _synonym_after(self, index: int, comma: int) -> bool:
        """Whether the comma at `comma` stands between two names of one noun, the first of them the
        number's (it follows `index`): "chứng thư số, chữ ký số", "hồ sơ, HS"."""
        phrases = self._phrases_in(index, comma + 4)
        before = [name for _, end, category, name in phrases if category == "slot:noun" and end == comma]
        second = [
            (end, name)
            for start, end, category, name in phrases
            if category == "slot:noun" and start == comma + 1
        ]
        if not before or not second or second[0][1] != before[0]:
            return False
        # "văn bản, văn bản đến ...": the second name says more (a direction), so it is another thing.
        second_end = second[0][0]
        return all(
            category == "slot:noun" or end <= comma + 1 or start >= second_end
            for start, end, category, _ in phrases
        )

    @cached_property
    def _parent_ends(self) -> set[int]:
        return {end for _, end, category, _ in self._phrases if category == _PARENT}

    def _is_parent_end(self, position: int) -> bool:
        return position in self._parent_ends

    def _opens_sentence(self, marker: int, sentence_start: int) -> bool:
        """Whether only soft punctuation stands before the parent marker at `marker` in its sentence."""
        return all(t.kind == "punct" for t in self.tokens[sentence_start:marker])

    def _previous_total_sentence(self, sentence_start: int) -> int | None:
        """Start of the sentence before `sentence_start` if it ends with a full stop and states a figure."""
        tokens = self.tokens
        end = sentence_start - 1
        while end >= 0 and tokens[end].key == "\n":
            end -= 1  # a blank line between the total and its parts
        if end < 0 or tokens[end].key != ".":
            return None
        start, _ = self.sentence(end - 1) if end >= 1 else (0, 0)
        return start if any(t.kind == "num" and t.value_ok for t in tokens[start:end]) else None

    def _context(self, local_first: int, sentence_start: int) -> tuple[int, int, str]:
        """Token range whose words the figure inherits, and what it is ("parent", "lead-in", "head")."""
        tokens = self.tokens
        # The nearest "trong đó" before the figure in its sentence: the items after it are its parts.
        for start, _, category, _ in reversed(self._phrases_in(sentence_start, local_first + 1)):
            if category != _PARENT:
                continue
            first = start
            # "A; trong đó B; C": the parent is the clause before the marker, or the one before that.
            position = start
            while position > sentence_start:
                token = tokens[position - 1]
                if token.key == ";" and any(t.kind == "word" for t in tokens[position:start]):
                    break
                position -= 1
            first = max(position, start - 3 * _MAX_CONTEXT)
            if first == sentence_start and self._opens_sentence(start, sentence_start):
                # "Tính đến cuối năm 2021, toàn tỉnh có 3.228 chứng thư số ... . Trong đó, ... đã thu hồi
                # 743": a sentence opened by the marker breaks down the total of the sentence before it.
                previous = self._previous_total_sentence(sentence_start)
                if previous is not None:
                    return max(previous, start - 3 * _MAX_CONTEXT), start, "parent"
            return first, start, "parent"
        # A breakdown in brackets right after a count ("cấp mới 882 CTS (835 CTS cá nhân, ...)"): the count's
        # sentence up to the count is the parent: what it says nearest the count wins, even a verb said after
        # an earlier number ("Sở tổ chức 14 lớp ...; đồng thời cấp mới 882 CTS (835 CTS cá nhân").
        # A cell of a dashboard line ("Tổng số hồ sơ: 48,207 | Trực tuyến: 19,880 | ..."): the line's first
        # cell names what the line counts.
        line_start = sentence_start
        if sentence_start >= 1 and tokens[sentence_start - 1].key == "|":
            line_start = sentence_start - 1
            while line_start > 0 and tokens[line_start - 1].key != "\n":
                line_start -= 1
        bracket = self._open_bracket(sentence_start, local_first)
        if bracket is not None and self._number_shortly_before(bracket):
            return max(line_start, bracket - 3 * _MAX_CONTEXT), bracket, "parent"
        if line_start < sentence_start:
            first_bar = next(i for i in range(line_start, sentence_start) if tokens[i].key == "|")
            return line_start, first_bar, "lead-in"
        # An item under a lead-in line ending with ":" ("Kết quả tiếp nhận hồ sơ:" / "- Trực tuyến: 3.687").
        if (
            sentence_start >= 2
            and tokens[sentence_start - 1].key == "\n"
            and tokens[sentence_start - 2].key == ":"
        ):
            lead_start, _ = self.sentence(sentence_start - 2)
            return lead_start, sentence_start - 2, "lead-in"
        # Otherwise the earlier words of the sentence, without the asides already closed.
        return sentence_start, local_first, "head"

    def _open_bracket(self, first: int, last: int) -> int | None:
        """The "(" still open at `last` among tokens [first, last), if any."""
        opened: list[int] = []
        for position in range(first, last):
            key = self.tokens[position].key
            if key == "(":
                opened.append(position)
            elif key == ")" and opened:
                opened.pop()
        return opened[-1] if opened else None

    def _inherited(self, local_first: int, sentence_start: int) -> tuple[_Said, str]:
        """What the figure inherits: its own item's opening words first, then the context's.

        In "trong đó: - Các sở, ban, ngành: 41.530 hồ sơ (trực tuyến 30.118 ...); - Cấp huyện: ..." the
        item ("Các sở, ban, ngành: 41.530 hồ sơ (") says the level of 30.118, the parent the rest.
        """
        first, last, kind = self._context(local_first, sentence_start)
        context = self._context_said(first, last, head=kind == "head")
        if kind == "head":
            return context, kind
        item_first = last if kind == "parent" else sentence_start
        for position in range(local_first - 1, item_first - 1, -1):
            if self.tokens[position].key == ";":
                item_first = position + 1
                break
        # Skip the marker itself ("trong đó").
        while (
            item_first < local_first
            and self.tokens[item_first].kind == "word"
            and any(
                start <= item_first < end
                for start, end, category, _ in self._phrases_in(item_first, item_first + 1)
                if category == _PARENT
            )
        ):
            item_first += 1
        item = self._context_said(item_first, local_first)
        slots = {**context.slots, **item.slots}
        level, level_said = (item.level, True) if item.level_said else (context.level, context.level_said)
        return _Said(slots, level, level_said, context.not_ours, first, last), kind

    def _closed_asides(self, first: int, last: int) -> list[tuple[int, int]]:
        spans: list[tuple[int, int]] = []
        opened: int | None = None
        for position in range(first, last):
            key = self.tokens[position].key
            if key == "(":
                opened = position
            elif key == ")" and opened is not None:
                spans.append((opened, position + 1))
                opened = None
        return spans

    def _context_said(self, first: int, last: int, head: bool = False) -> _Said:
        """What a context says. In a sentence head (`head`) only the verb said before its first number is
        the sentence's: "có 2,3 nghìn hồ sơ thanh toán trực tuyến và 14,8 nghìn hồ sơ nộp trực tuyến"."""
        asides = self._closed_asides(first, last)
        # The subject's level ("Cấp huyện tiếp nhận ...") is said before the context's first number;
        # one said later names another item ("... và 380 thủ tục cấp xã; trong đó ...").
        first_number = next((i for i in range(first, last) if self.tokens[i].value_ok), last)
        # Words inside a closed "( ... )" belong to that aside's figures, not to what follows it.
        slots: dict[str, str] = {}
        level: Level | None = None
        level_said = False
        stock_said = False
        for start, _, category, name in reversed(_head_nouns_only(self._phrases_in(first, last))):
            if any(lo <= start < hi for lo, hi in asides):
                continue
            if category in ("slot:state", "slot:todate"):
                stock_said = True
            if category == "slot:action" and stock_said and "action" not in slots:
                # "cấp mới 92 CTS, nâng tổng số 2.218 CTS (467 tổ chức ...)": the stock said last is
                # what the figure belongs to, not the verb said before it.
                slots["action"] = ""
            if category == "slot:action" and head and start >= first_number:
                continue
            if category.startswith("slot:"):
                slots.setdefault(category[5:], name)
            elif category == _LEVEL and not level_said and (start < first_number or name == WHOLE):
                level_said = True
                level = None if name == WHOLE else Level(name)
        slots = {slot: value for slot, value in slots.items() if value}
        return _Said(slots, level, level_said, False, first, last)

    def sentence_framed_as_plan(self, index: int) -> bool:
        """Whether a plan opens the sentence of token `index` before its first number and the clause of
        the number says no result ("Phấn đấu đến hết năm 2025: ...; cấp mới 1.500 chứng thư số"): the
        rules' figures too. "Kế hoạch ... 800 CTS; kết quả đã cấp mới 912" keeps the 912.
        """
        start, end = self.sentence(index)
        first_number = next((i for i in range(start, end) if self.tokens[i].value_ok), end)
        keys = tuple(t.key for t in self.tokens[start:first_number] if t.kind in ("word", "num"))
        if not any(
            _starts_at(keys, position, phrase)
            for phrase in self.vocabulary.plans
            for position in range(len(keys))
        ):
            return False
        return not self._clause_says_result(index)

    def _clause_says_result(self, index: int, plan_said_here_wins: bool = False) -> bool:
        """Whether the clause of token `index`, before it, says a result (`results`: "đã", "kết quả").
        With `plan_said_here_wins`, a plan in that clause too makes it none: "Kế hoạch năm 2026 đã đề ra
        cấp 2.000 chứng thư số" stays a plan. (Not for the rules: a report table flattened by OCR puts
        "Kế hoạch" and "Thực hiện" in one clause, and its rows are results.)"""
        clause = tuple(
            t.key for t in self.tokens[self.report.clause_start(index) : index] if t.kind == "word"
        )
        if plan_said_here_wins and any(
            _starts_at(clause, position, phrase)
            for phrase in self.vocabulary.plans
            for position in range(len(clause))
        ):
            return False
        return any(
            _starts_at(clause, position, phrase)
            for phrase in self.vocabulary.results
            for position in range(len(clause))
        )

    def _frames_context_as_not_ours(self, context: _Said, index: int | None = None) -> bool:
        """A plan or comparison said before any number of the context frames the whole of it."""
        first_number = next(
            (i for i in range(context.first, context.last) if self.tokens[i].value_ok), context.last
        )
        keys = tuple(t.key for t in self.tokens[context.first : first_number] if t.kind in ("word", "num"))
        # "Theo Sở Thông tin và Truyền thông, ...": a source quoted, not the subject.
        framing = {
            phrase
            for phrase in self.vocabulary.frames_sentence
            for position in range(len(keys))
            if keys[position : position + len(phrase)] == phrase
            and (position == 0 or keys[position - 1] != "theo")
        }
        # "Năm 2026, kế hoạch cấp 2.000 CTS; 11 tháng đã cấp 1.874 CTS": a plan, then a result said
        # in the figure's own clause.
        if framing and framing <= set(self.vocabulary.plans) and index is not None:
            return not self._clause_says_result(index, plan_said_here_wins=True)
        return bool(framing)

    @cached_property
    def _foreign_spans(self) -> set[tuple[int, int]]:
        """Sentences naming another province, and clauses naming the country or a ministry (`others`).

        A province name frames its whole sentence ("Tỉnh Bình Dương tiếp nhận ...; trong đó ..."); the
        country or a ministry only its clause, since reports say whom they exchange documents with
        ("... với các Bộ, ngành Trung ương; tổng văn bản đi trong quý: 49.583").
        """
        tokens = self.tokens
        # Commas inside a name list are no break: "83 bộ, ngành, địa phương" names the ministries.
        words = [(i, t.key) for i, t in enumerate(tokens) if t.key != ","]
        keys = [key if tokens[i].kind in ("word", "num") else "" for i, key in words]
        by_first: dict[str, list[Phrase]] = {}
        for phrase in self.vocabulary.others:
            by_first.setdefault(phrase[0], []).append(phrase)
        spans: set[tuple[int, int]] = set()
        for at, key in enumerate(keys):
            position = words[at][0]
            for phrase in by_first.get(key, ()):
                said = tuple(keys[at : at + len(phrase)]) == phrase
                if said and not self._excluded_at(position):
                    spans.add(self.clause(position))
        for (first, _end, own), former in zip(self._place_mentions, self._former_flags, strict=True):
            # A province named as it was before the 2025 merger is a part of this one: _former_parts.
            if not own and not former:
                spans.add(self.sentence(first))
        spans.update(self.clause(position) for position in self._named_bodies)
        return spans

    def _excluded_at(self, position: int) -> bool:
        """Whether token `position` lies in a bracket of its clause opened by an `excluding` phrase ("(chưa
        bao gồm hồ sơ ... của các bộ, ngành)"): what it names is left out of the figure, not its owner."""
        tokens = self.tokens
        clause_start, _ = self.clause(position)
        for opening in range(position - 1, clause_start - 1, -1):
            if tokens[opening].key == ")":
                return False
            if tokens[opening].key == "(":
                inside = tuple(t.key for t in tokens[opening + 1 : position] if t.kind in ("word", "num"))
                return any(
                    inside[i : i + len(phrase)] == phrase
                    for phrase in self.vocabulary.excluding
                    for i in range(len(inside) - len(phrase) + 1)
                )
        return False

    @cached_property
    def _former_parts(self) -> list[tuple[int, int]]:
        """Token ranges governed by a province named as it was before the 2025 merger ("khu vực tỉnh Sóc
        Trăng cũ", the own one too: "khu vực Quảng Trị cũ"): since then a part of the report's province.

        Such a part governs the figures after it to the end of its clause, and those before it unless a
        comma or "trong đó" sets it apart: "toàn tỉnh có 12.406 hộp thư, trong đó khu vực tỉnh Kon Tum cũ
        4.019 hộp thư" keeps the 12.406, "tiếp nhận 2.345 hồ sơ tại khu vực Hà Giang cũ" does not.
        """
        tokens = self.tokens
        parts: list[tuple[int, int]] = []
        for (position, end, _), former in zip(self._place_mentions, self._former_flags, strict=True):
            if former:
                clause_start, clause_end = self.clause(position)
                first = position
                while first > clause_start:
                    if tokens[first - 1].key in (",", "(") or self._is_parent_end(first):
                        break
                    first -= 1
                # "..., thì năm 2026 toàn tỉnh Vĩnh Long tiếp nhận ...": the whole province said again, and
                # "toàn tỉnh (gồm cả khu vực Trà Vinh cũ) đã cấp ...": an aside ends with its bracket.
                last = next((start for start in self._whole_starts if end <= start < clause_end), clause_end)
                opened = self._open_bracket(clause_start, position)
                if opened is not None:
                    last = next((i for i in range(end, last) if tokens[i].key == ")"), last)
                parts.append((first, last))
        return parts

    @cached_property
    def _former_flags(self) -> list[bool]:
        """For each of `_place_mentions`, whether it names a province before the 2025 merger; "cũ" after
        the last of a list holds for all ("khu vực Bến Tre và Trà Vinh cũ")."""
        mentions = self._place_mentions
        flags = [self._former_after(end) for _, end, _ in mentions]
        for k in range(len(mentions) - 2, -1, -1):
            between = [t.key for t in self.tokens[mentions[k][1] : mentions[k + 1][0]]]
            if flags[k + 1] and between and all(key in ("va", ",", "tinh") for key in between):
                flags[k] = True
        return flags

    @cached_property
    def _whole_starts(self) -> list[int]:
        """Sorted token indices where a phrase saying the whole province starts ("toàn tỉnh"), as a subject:
        not a base ("chiếm 30% toàn tỉnh", "của toàn tỉnh")."""
        tokens = self.tokens
        return [
            start
            for start, _, category, name in self._phrases
            if category == _LEVEL
            and name == WHOLE
            and (start == 0 or tokens[start - 1].key not in ("%", "cua", "so"))
        ]

    @cached_property
    def _place_mentions(self) -> list[tuple[int, int, bool]]:
        """(first token, end token, the own province?) of every province named in the text; a hyphen
        may stand between its words ("Bà Rịa - Vũng Tàu")."""
        tokens = self.tokens
        words = [i for i, t in enumerate(tokens) if t.kind in ("word", "num") or t.key == "-"]
        keys = [tokens[i].key for i in words if tokens[i].key != "-"]
        positions = [i for i in words if tokens[i].key != "-"]
        places = [(place, True) for place in self._own_place] + [(p, False) for p in self._foreign_places]
        by_first: dict[str, list[tuple[Phrase, bool]]] = {}
        for place, own in places:
            by_first.setdefault(place[0], []).append((place, own))
        mentions: list[tuple[int, int, bool]] = []
        taken: set[int] = set()
        for k, key in enumerate(keys):
            # The longest name first: "Thừa Thiên Huế" before the "Huế" inside it.
            for place, own in sorted(by_first.get(key, ()), key=lambda entry: -len(entry[0])):
                end = k + len(place)
                if positions[k] in taken or tuple(keys[k:end]) != place:
                    continue
                last = positions[end - 1]
                if any(tokens[i].kind == "punct" and tokens[i].key != "-" for i in range(positions[k], last)):
                    continue
                taken.update(positions[k:end])
                # "phường Sóc Trăng", "xã Hòa Bình": a unit named like a province (_unit_names).
                if k > 0 and keys[k - 1] in _UNIT_BEFORE_PLACE:
                    continue
                mentions.append((positions[k], last + 1, own))
        return mentions

    def _former_after(self, index: int) -> bool:
        """Whether the words from token `index` (after a place name) say it is the place before the 2025
        merger: "cũ", "(cũ)", "trước sáp nhập", "trước khi hợp nhất"."""
        keys = [t.key for t in self.tokens[index : index + 5] if t.kind in ("word", "num")][:4]
        return any(keys[: len(phrase)] == list(phrase) for phrase in self.vocabulary.former_place)

    @cached_property
    def _named_bodies(self) -> list[int]:
        """Token indices where a named ministry or central body is said: "Bộ Công an", "Tổng cục Thuế"
        (a word of `named_bodies` written capitalised, before a capitalised name: not "bộ phận")."""
        tokens, original, origin = self.tokens, self.report.original, self.report.folded.origin
        found = []
        for index, token in enumerate(tokens):
            for body in self.vocabulary.named_bodies:
                end = index + len(body)
                if end >= len(tokens) or tuple(t.key for t in tokens[index:end]) != body:
                    continue
                name = tokens[end]
                if (
                    name.kind == "word"
                    and name.key != "phan"  # "BỘ PHẬN MỘT CỬA" in a capitalised heading
                    and original[origin[token.start]].isupper()
                    and original[origin[name.start]].isupper()
                ):
                    found.append(index)
        return found

    def clause(self, index: int) -> tuple[int, int]:
        """Token range of the clause holding token `index` (between any hard boundaries)."""
        start = self.report.clause_start(index)
        end = index
        while end < len(self.tokens) and self.tokens[end].kind != "hard":
            end += 1
        return start, end

    def _continues_foreign_list(self, index: int) -> bool:
        """Whether the figure's clause holds only numbers going on with a list the clause before it opened,
        and that clause is someone else's: "... lần lượt là 83,49; 78,44% và 77,66%"."""
        start, end = self.clause(index)
        if start < 2 or self.tokens[start - 1].key != ";":
            return False
        if any(t.kind == "word" and t.key != "va" for t in self.tokens[start:end]):
            return False
        return self.clause(start - 2) in self._foreign_spans

    def is_foreign(self, index: int) -> bool:
        """Whether the figure at token `index` is someone else's: its sentence or clause says so."""
        if self.sentence(index) in self._foreign_spans or self.clause(index) in self._foreign_spans:
            return True
        if self._continues_foreign_list(index):
            return True
        if any(first <= index < last for first, last in self._former_parts):
            return True
        return self._one_unit_before(index)

    @cached_property
    def _unit_names(self) -> list[int]:
        """Token indices where one named district or commune is said: "huyện Cao Lãnh", "UBND thành phố Sa
        Đéc" (a unit word before a capitalised name that is not the report's own province)."""
        tokens, original, origin = self.tokens, self.report.original, self.report.folded.origin
        units = self.vocabulary.single_units
        found = []
        for index, token in enumerate(tokens):
            if token.kind != "word":
                continue
            for unit in units:
                end = index + len(unit)
                if end >= len(tokens) or tuple(t.key for t in tokens[index:end]) != unit:
                    continue
                name = tokens[end]
                if name.kind != "word" or not original[origin[name.start]].isupper():
                    continue
                if any(tuple(t.key for t in tokens[end : end + len(own)]) == own for own in self._own_place):
                    continue
                if index > 0 and tokens[index - 1].key in ("cac", "cap"):
                    continue
                found.append(index)
        return found

    def _one_unit_before(self, index: int) -> bool:
        """One district's or commune's figure, said before it in its sentence: not a province KPI."""
        start, _ = self.sentence(index)
        position = bisect.bisect_left(self._unit_names, start)
        return position < len(self._unit_names) and self._unit_names[position] < index

    def level_of(self, index: int) -> Level | None:
        """The administrative level of the figure at token `index` (None: the whole province).

        As the reader decides it: the level said nearest before the number ("Trung tâm Phục vụ hành chính
        công tỉnh và Bộ phận một cửa các cấp tiếp nhận ..." is all levels), then after it, then the context.
        """
        start, end = self.sentence(index)
        local_first = self._local_before(index, start)
        after_end = self._before_recipient(index + 1, self._local_after(index + 1, end))
        for said in (self._said(local_first, index, "end"), self._said(index + 1, after_end, "start")):
            if said.level_said:
                return said.level
        inherited = self._inherited(local_first, start)[0]
        # "Cấp huyện tiếp nhận ...; cấp xã tiếp nhận 143.508 hồ sơ, tỷ lệ đúng hạn 99,12%": a level said
        # later in the sentence, nearer the figure than the head's, is the figure's.
        if inherited.level_said:
            nearer = self._said(start, local_first, "end")
            if nearer.level_said and nearer.level != inherited.level:
                return nearer.level
        return inherited.level

    def _before_recipient(self, first: int, last: int) -> int:
        """Where "cho" (for whom) starts among tokens [first, last): "cấp 42 sim ký cho lãnh đạo các xã" is
        no commune figure; whom it was done for says no level."""
        return next((i for i in range(first, last) if self.tokens[i].key == "cho"), last)

    def _under_plan_heading(self, index: int) -> bool:
        """Figures under "PHƯƠNG HƯỚNG, NHIỆM VỤ ..." are targets, not results."""
        heading = self.report.heading_before(index)
        if heading is None:
            return False
        keys = tuple(t.key for t in self.tokens[heading[0] : heading[1]] if t.kind in ("word", "num"))
        return any(
            keys[position : position + len(phrase)] == phrase
            for phrase in self.vocabulary.plan_headings
            for position in range(len(keys))
        )

    # --- questions the KPI policy asks about a number (parsers/kpis.py) ---------------------------------

    def _slot_after(self, index: int, slot: str, value: str) -> int | None:
        """Where the sentence of token `index` says slot=value after it, if it does."""
        _, end = self.sentence(index)
        for start, _, category, name in self._phrases_in(index + 1, end):
            if category == f"slot:{slot}" and name == value:
                return start
        return None

    def is_inclusive_total(self, index: int) -> bool:
        """A received total whose parts list carried-over and newly received dossiers: not the KPI.

        "tiếp nhận 35.211 hồ sơ (kỳ trước chuyển qua: 2.004; tiếp nhận mới: 33.207)": the new ones are
        dossier.received; a single total, even one including the carried-over, stays the KPI.
        """
        carried = self._slot_after(index, "carried", "carried")
        return carried is not None and self._slot_after(carried, "action", "receive") is not None

    def is_split_ontime(self, index: int) -> bool:
        """ "trước hạn X, đúng hạn Y" printed apart: Y is not "on time or early" (and nobody sums them)."""
        start, end = self.sentence(index)
        phrases = self._phrases_in(start, end)
        early = any(category == "slot:timing" and name == "early" for _, _, category, name in phrases)
        local_first = self._local_before(index, start)
        local_early = any(
            category == "slot:timing" and name == "early"
            for _, _, category, name in self._phrases_in(local_first, index)
        )
        return early and not local_early

    def contradicts(self, index: int, kpi: str) -> bool:
        """Whether the context's verb rules `kpi` out for the number at `index` (a rule's reading).

        "cấp mới 108 CTS (96 CTS cá nhân, 12 CTS tổ chức)": issuing does not suit a stock of certificates.
        """
        start, end = self.sentence(index)
        local_first = self._local_before(index, start)
        local = self._said(local_first, self._local_after(index + 1, end), toward="start")
        if not kpi.startswith("cert.") or KPI_CODES[kpi].scope != "cumulative":
            return False  # measured on the train wordings: only certificate stocks need this
        frames = [frame for frame in self.vocabulary.frames if frame.kpi == kpi]
        if {"action", "state", "todate"} & set(local.slots):
            # The number's own words say what it is: a stock ("nâng tổng số 2.218 ..."), or an action no
            # frame of the code takes ("toàn tỉnh có 3.228 chứng thư số, chữ ký số được cấp" were issued
            # to date, however many of them are still active).
            action = local.slots.get("action")
            if action is None or "state" in local.slots or not frames:
                return False
            return all(("action", action) not in (*frame.need, *frame.allow) for frame in frames)
        inherited = self._inherited(local_first, start)[0].slots
        action = inherited.get("action")
        # A stock said anywhere around ("tổng số CTS đã cấp là 2.904 (582 tổ chức ...)") keeps it.
        if action is None or not frames or {"state", "todate"} & set(inherited):
            return False
        return all(("action", action) not in (*frame.need, *frame.allow) for frame in frames)

    def said_after_rules_out(self, index: int, kpi: str) -> bool:
        """Whether the words right after the number at `index` (its noun and what is said of it) say a slot
        value that no frame of `kpi` needs or allows: a rule's reading the reader's words contradict.

        "có 6.402 chứng thư số trên thiết bị Token" is no total of certificates: the medium says more. The
        reader's own figures obey this already; here it makes the rules agree with it.
        """
        frames = [frame for frame in self.vocabulary.frames if frame.kpi == kpi]
        if not frames:
            return False
        quantity = read_quantity(self.tokens, index, self.vocabulary, english_locale=self.english_locale)
        after = quantity.end if quantity is not None else index + 1
        start, end = self.sentence(index)
        said = self._said(after, self._local_after(after, end), toward="start").slots
        pairs = [(slot, value) for slot, value in said.items() if slot in _DECIDING_SLOTS]
        # A verb right before the number counts for a part of a stock ("of which personal", "on USB"),
        # which takes no verb: "đã cấp tổng cộng 11.508 chứng thư số cá nhân" were issued, whatever is
        # still valid of them. ("tổng số CTS đã cấp là 2.904" stays the total: measured on the samples.)
        pairs_said = [pair for frame in frames for pair in (*frame.need, *frame.allow)]
        if all(slot != "action" for slot, _ in pairs_said) and any(
            slot in ("owner", "medium") for slot, _ in pairs_said
        ):
            before = self._said(self._local_before(index, start), index, toward="end").slots
            if "action" in before and before.get("state") != "active":
                pairs.append(("action", before["action"]))
        return bool(pairs) and all(
            any(pair not in (*frame.need, *frame.allow) for pair in pairs) for frame in frames
        )

    def own_words_rule_out(self, first: int, index: int, kpi: str) -> bool:
        """Whether a rule's own matched words before its number (tokens [first, index)) say an owner or a
        medium that no frame of `kpi` fits: "tổng số chứng thư số cá nhân trên địa bàn là 9.306" is no
        total of certificates, whatever the rule's gap let through."""
        frames = [frame for frame in self.vocabulary.frames if frame.kpi == kpi]
        said = [
            (category[5:], name)
            for _, _, category, name in self._phrases_in(first, index)
            if category in ("slot:owner", "slot:medium")
        ]
        return bool(frames) and any(
            all(pair not in (*frame.need, *frame.allow) for frame in frames) for pair in said
        )

    def counts_other_unit(self, after: int) -> bool:
        """Whether the words from token `after` (right after a number) name another unit: people, visits,
        money, days, places ("1.250 lượt", "25 triệu đồng", "145 xã"). A KPI noun said there wins, and so
        does a unit that measures a KPI noun in the sentence ("Số lượt hồ sơ nộp trực tuyến: 6.774 lượt")."""
        size = self._unit_at(after)
        if size == 0 or self._noun_at(after):
            return False
        if self._noun_at(after + size):
            return False  # "15.310 lượt hồ sơ"
        start, _ = self.sentence(after)
        return not any(self._unit_at(i) and self._noun_at(i + self._unit_at(i)) for i in range(start, after))

    def governed_by_other_count(self, index: int) -> bool:
        """Whether a count of other things stands before the figure at `index` in its clause, before a
        verb: "34 địa phương đã tiếp nhận 15,2 triệu hồ sơ", "với 8.214 thành viên, đã hỗ trợ người dân
        nộp 36.500 hồ sơ", "126 chi nhánh đã tiếp nhận ...". The figure is those things' sum or their
        help, not the province's own: unsure. Periods ("6 tháng", "3 ngày") are no things."""
        tokens = self.tokens
        start = self.report.clause_start(index)
        position = start
        while position < index:
            token = tokens[position]
            if token.kind != "num" or not token.value_ok:
                position += 1
                continue
            quantity = read_quantity(tokens, position, self.vocabulary, english_locale=self.english_locale)
            if quantity is None or quantity.percent or quantity.end >= index:
                position += 1
                continue
            after = quantity.end
            # Periods, asides ("Toàn tỉnh (3 cấp) tiếp nhận ...") and whose units ("Trung tâm ... của 103
            # xã, phường tiếp nhận ...": the province's own units) govern nothing.
            previous = tokens[position - 1].key if position > start else ""
            if self._period_unit_at(after) or previous in ("(", *self.vocabulary.before_possessor):
                position = after
                continue
            # The subject: said before the clause's first verb, and a verb after it ("Tiếp nhận 1.500 lượt
            # truy cập và 320 hồ sơ" is an object).
            if (
                self._counts_other_things(after)
                and not any(self._verb_at(i) for i in range(self._part_start(start, position), position))
                and any(self._verb_at(i) or tokens[i].key in _PREDICATE_MARKERS for i in range(after, index))
            ):
                # "... đã tiếp nhận 387.604 hồ sơ trên toàn tỉnh": the whole province said after it wins.
                end = self.clause(index)[1]
                return not self._whole_said(index + 1, min(end, index + 8))
            position = after
        return False

    def level_from_an_earlier_sentence(self, index: int) -> bool:
        """Whether the figure at `index` says no level nor the whole province in its own sentence, right
        after a sentence of its paragraph whose subject is one level (said before that sentence's first
        number): "Trung tâm Phục vụ hành chính công tỉnh đã tiếp nhận 18.642 hồ sơ ... . Kết quả: đã giải
        quyết 14.318 hồ sơ" may be the centre's or the province's: unsure. A level said in a breakdown
        ("trong đó cấp xã ...", "- Cấp xã: ...") is no subject."""
        start, _ = self.sentence(index)
        paragraph = self.report.paragraph_start(index)
        if paragraph >= start or self.level_of(index) is not None:
            return False
        if self._said(start, index, "end").level_said:
            return False
        previous_start, _ = self.sentence(start - 1)
        previous_start = max(previous_start, paragraph)
        tokens = self.tokens
        first_number = next(
            (i for i in range(previous_start, start) if tokens[i].kind == "num" and tokens[i].value_ok), None
        )
        if first_number is None or tokens[previous_start].key in ("-", "+", "*"):
            return False
        subject = self._said(previous_start, first_number, "end")
        return subject.level_said and subject.level is not None

    def part_of_a_one_level_figure(self, index: int) -> bool:
        """Whether the figure at `index` is a part ("trong đó ...") of a figure of one level and says no
        level itself: "7.103 hồ sơ cấp tỉnh, trong đó đúng hạn 6.920 hồ sơ" may be the province agencies'
        part or the province's; unsure. Parents of several levels ("1.650 thủ tục cấp tỉnh và 380 thủ tục
        cấp xã; trong đó ...") are a list whose parts are the whole's."""
        start, _ = self.sentence(index)
        local_first = self._local_before(index, start)
        first, last, kind = self._context(local_first, start)
        if kind != "parent" or self.level_of(index) is not None:
            return False
        parents = [i for i in range(first, last) if self.tokens[i].kind == "num" and self.tokens[i].value_ok]
        levels = {self.level_of(i) for i in parents}
        # "1.650 thủ tục cấp tỉnh và hơn 380 thủ tục cấp xã; trong đó ...": a list of levels, parts of all.
        return len(levels) == 1 and None not in levels

    def level_and_whole_before(self, index: int) -> bool:
        """Whether one level said right before the whole province ("cấp xã toàn tỉnh", "cấp huyện trên toàn
        tỉnh") stands in the clause before the figure at `index`: all communes of the province are neither
        the whole nor plainly one level's figure; unsure (as the reader's own figures)."""
        start = self.report.clause_start(index)
        levels = [(first, end, name) for first, end, category, name in self._phrases_in(start, index)
                  if category == _LEVEL]  # fmt: skip
        return any(
            name != WHOLE
            and other == WHOLE
            and all(t.key in ("tren", "cua") for t in self.tokens[end:next_first])
            for (_, end, name), (next_first, _, other) in itertools.pairwise(levels)
        )

    def running_total(self, index: int) -> bool:
        """Whether the figure at `index` is a running total: "lũy kế" said in its clause before it, or in
        its column's header ("Quý III/2024 | Lũy kế 9 tháng")."""
        cell = self._cells.get(index)
        spans = [*cell.headers] if cell is not None else [(self.report.clause_start(index), index)]
        running = self.vocabulary.slots.get("running", {}).get("running", ())
        for first, last in spans:
            keys = [t.key for t in self.tokens[first:last] if t.kind == "word"]
            # Compared on the words: "lũy kế 9 tháng" is also a period phrase, which takes the words.
            if any(keys[i : i + len(phrase)] == list(phrase) for phrase in running for i in range(len(keys))):
                return True
        return False

    def period_named_before(self, index: int) -> bool:
        """Whether the clause of the figure at `index` names a year or "thêm" (more) before it and no stock
        to date: "năm 2023 tỉnh được cấp 1.204 chứng thư số", "Năm 2024 có thêm 518 chứng thư số được cấp"
        were issued in that period, not to date."""
        start = self.report.clause_start(index)
        tokens = self.tokens[start:index]
        if any(category == "slot:todate" for _, _, category, _ in self._phrases_in(start, index)):
            return False
        year = any(t.kind == "num" and not t.value_ok and re.fullmatch(r"(19|20)\d\d", t.key) for t in tokens)
        return year or any(t.key == "them" for t in tokens)

    def of_other_units(self, index: int) -> bool:
        """Whether the figure's own words before it say whose with "của các" and another unit: "tổng số hộp
        thư của các địa phương khoảng 560 nghìn" is the localities' (the country's), not the province's."""
        start, _ = self.sentence(index)
        tokens = self.tokens
        first = self._local_before(index, start)
        return any(
            tokens[i].key == "cua" and tokens[i + 1].key == "cac" and self._unit_at(i + 2)
            for i in range(first, index - 2)
        )

    def in_a_question(self, index: int) -> bool:
        """Whether the figure at `index` stands in a question ("Bao giờ tỉnh đạt 100% hồ sơ trực tuyến?"):
        an interview's question says no result."""
        _, end = self.sentence(index)
        return end < len(self.tokens) and self.tokens[end].key == "?"

    def single_level_code_beside_both_levels(self, index: int, kpi: str) -> bool:
        """Whether a code of level 3 or 4 is read in a clause saying both levels together ("Tổng số DVCTT
        mức độ 3, 4 là 1.167 dịch vụ, chiếm 58,41%"): neither level's figure."""
        if "level3" not in kpi and "level4" not in kpi:
            return False
        start = self.report.clause_start(index)
        levels = [name for _, _, category, name in self._phrases_in(start, index) if category == "slot:level"]
        # "gồm 820 dịch vụ mức độ 3 và 582 ...": the figure's own words name its one level.
        _, end = self.sentence(index)
        own = self._phrases_in(index + 1, self._local_after(index + 1, end))
        if any(category == "slot:level" and name in ("l3", "l4") for _, _, category, name in own):
            return False
        # "mức độ 3, 4 là 1.395, trong đó mức độ 4 là 812": the level said nearest is the figure's.
        return bool(levels) and levels[-1] == "l34"

    def whole_before_and_level_after(self, index: int) -> bool:
        """Whether the whole province is said before the figure at `index` and one level right after it:
        "toàn tỉnh đã đưa vào vận hành 642 dịch vụ cấp tỉnh, 904 dịch vụ cấp huyện": parts, unsure."""
        start, end = self.sentence(index)
        local_first = self._local_before(index, start)
        before = self._said(local_first, index, "end")
        if not (before.level_said and before.level is None):
            return False
        after_end = self._before_recipient(index + 1, self._local_after(index + 1, end))
        after = self._said(index + 1, after_end, "start")
        return after.level_said and after.level is not None

    def two_actions_joined(self, index: int, kpi: str) -> bool:
        """Whether two different actions joined by "và" stand right before the figure at `index`, each an
        action of the code's own thing: "đã tiếp nhận và xử lý 18.642 hồ sơ" counts neither the received
        nor the resolved dossiers alone ("tiếp nhận và cấp phát 214 thiết bị Token" is issued: receiving
        is no certificate figure)."""
        start, _ = self.sentence(index)
        local_first = self._local_before(index, start)
        actions = [p for p in self._phrases_in(local_first, index) if p[2] == "slot:action"]
        if len(actions) < 2:
            return False
        (_, first_end, _, first), (second_start, second_end, _, second) = actions[-2], actions[-1]
        if first == second or not all(t.key in ("va", ",") for t in self.tokens[first_end:second_start]):
            return False
        if not all(t.key == "da" or t.kind == "punct" for t in self.tokens[second_end:index]):
            return False
        nouns = {value for frame in self.vocabulary.frames if frame.kpi == kpi for slot, value in frame.need
                 if slot == "noun"}  # fmt: skip
        acted = {
            value
            for frame in self.vocabulary.frames
            if any(pair in frame.need for pair in (("noun", noun) for noun in nouns))
            for slot, value in (*frame.need, *frame.allow)
            if slot == "action"
        }
        return first in acted and second in acted

    def _part_start(self, start: int, index: int) -> int:
        """Token index after the last comma or colon before `index` in the clause opened at `start`."""
        for position in range(index - 1, start - 1, -1):
            if self.tokens[position].key in (",", ":"):
                return position + 1
        return start

    def _counts_other_things(self, after: int) -> bool:
        """Whether the words from token `after` (right after a count) name things no KPI counts: another
        unit, or a word no phrase of the vocabulary starts with here ("8.214 thành viên")."""
        # "412 thuê bao SIM PKI": a KPI noun said right after the first word is what it counts.
        if any(self._noun_at(i) for i in range(after, min(after + 3, len(self.tokens)))):
            return False
        if self.counts_other_unit(after):
            return True
        token = self.tokens[after] if after < len(self.tokens) else None
        if token is None or token.kind != "word" or token.key in self.vocabulary.after_count:
            return False
        return not any(start == after for start, _, _, _ in self._phrases_in(after, after + 1))

    def _period_unit_at(self, index: int) -> bool:
        """A period ("6 tháng") or a number of levels ("hệ thống một cửa điện tử 3 cấp"): no things."""
        return index < len(self.tokens) and self.tokens[index].key in (*_PERIOD_UNITS, "cap")

    def counts_unknown(self, after: int) -> bool:
        """Whether the word at token `after` (right after a count) is a thing the vocabulary does not know:
        neither a phrase of it nor a word of `after_count`. "12 vụ việc khiếu nại liên quan hồ sơ" counts
        complaints, whatever noun comes later; unsure, so the number is left out."""
        if after >= len(self.tokens):
            return False
        token = self.tokens[after]
        if token.kind != "word" or token.key in self.vocabulary.after_count or self._unit_at(after):
            return False
        # The first word of a phrase is enough: OCR may garble the rest ("hồ sσ", "thiết bị USB Token").
        first_words = _first_words(self.vocabulary)
        if token.key in first_words or (
            len(token.key) >= 4 and any(words_match(word, token.key) for word in first_words)
        ):
            return False
        if any(start == after for start, _, _, _ in self._phrases_in(after, after + 1)):
            return False
        return not self._garbled_phrase_at(after)

    def body_as_subject(self, index: int) -> bool:
        """Whether a named body opens the clause of the number at `index`, or a comma-led part of it before
        the number: "Công an tỉnh đã tiếp nhận ...", "Trong quý, Bưu điện tỉnh ...", "Lĩnh vực đất đai ...".
        Its figure is that body's or sector's, not the province's (`subject_bodies`, written capitalised;
        "Theo Bưu điện tỉnh, ..." quotes a source and is no subject)."""
        clause_start = self.report.clause_start(index)
        position = bisect.bisect_left(self._subject_bodies, clause_start)
        return position < len(self._subject_bodies) and self._subject_bodies[position] < index

    @cached_property
    def _subject_bodies(self) -> list[int]:
        """Sorted token indices where a `subject_bodies` phrase opens a clause or a comma-led part."""
        tokens, original, origin = self.tokens, self.report.original, self.report.folded.origin
        bodies = self.vocabulary.subject_bodies
        firsts = {body[0] for body in bodies}
        found = []
        for position, token in enumerate(tokens):
            if token.kind != "word" or token.key not in firsts:
                continue
            previous = tokens[position - 1] if position else None
            # "... của Sở Tư pháp đạt 92%": whose, wherever in the clause.
            if previous is not None and previous.kind != "hard" and previous.key not in (",", ":", "cua"):
                continue
            if not original[origin[token.start]].isupper():
                continue
            keys = tuple(t.key for t in tokens[position : position + 4])
            if any(keys[: len(body)] == body for body in bodies):
                found.append(position)
        return found

    def of_an_earlier_year(self, index: int) -> bool:
        """Whether the figure at `index` is said of an earlier year than another its sentence names: "Năm
        2022, tỉnh tiếp nhận 45.000 hồ sơ; năm nay con số này là 52.000 hồ sơ" compares, the 45.000 is not
        this report's. Only a year said before the figure in its clause frames it ("..., gấp 2 lần năm
        2022" compares after it); a range ("từ năm 2019 đến năm 2023") names two years there, so neither."""
        start, end = self.sentence(index)
        years = self._years_in(start, end)
        if len(set(years.values())) < 2:
            return False
        clause_start = self.report.clause_start(index)
        mine = {year for position, year in years.items() if clause_start <= position < index}
        return len(mine) == 1 and min(mine) < max(years.values())

    def _years_in(self, start: int, end: int) -> dict[int, int]:
        """Token index -> year of every "năm YYYY" in tokens [start, end); "năm nay" (this year) is later
        than any year named."""
        tokens = self.tokens
        years: dict[int, int] = {}
        for i in range(max(start, 1), end):
            if tokens[i - 1].key != "nam":
                continue
            if tokens[i].kind == "num" and re.fullmatch(r"(19|20)\d\d", tokens[i].key):
                years[i] = int(tokens[i].key)
            elif tokens[i].key == "nay":
                years[i] = _THIS_YEAR
        return years

    def label_counts_other(self, index: int, kpi: str) -> bool:
        """Whether a label before the number at `index` ("Số ...", "Tổng số ...", "Tỷ lệ ...") names another
        thing than `kpi` counts: the word right after "Số" is what is counted. "Số người nộp hồ sơ trực
        tuyến: 12.300" counts people, "Số thủ tục có phát sinh hồ sơ trực tuyến: 812" procedures, "Tỷ lệ hài
        lòng ...: 95,4%" satisfaction, whatever KPI noun comes later. Unsure, so left out."""
        nouns = {
            value
            for frame in self.vocabulary.frames
            if frame.kpi == kpi
            for slot, value in frame.need
            if slot == "noun"
        }
        if not nouns:
            return False
        tokens = self.tokens
        first = self.report.clause_start(index)
        for position in range(index - 1, first - 1, -1):
            if tokens[position].kind == "num" and tokens[position].value_ok:
                first = position + 1
                break
        opener = None
        for position in range(first, index):
            end = self._label_opener_end(position)
            if end is not None:
                opener = end
        while opener is not None and opener < index and tokens[opener].key in self.vocabulary.label_skip:
            opener += 1  # "Số lượng văn bản đến", "Tổng số các hồ sơ"
        if opener is None or opener >= index or tokens[opener].kind != "word":
            return False
        if tokens[opener].key in self.vocabulary.label_not:
            return False  # "số liệu" (data), "tỷ lệ này" (the share just named)
        size = self._unit_at(opener)
        if size:
            return not self._noun_at(opener + size)  # "Số lượt hồ sơ nộp trực tuyến" counts dossiers
        if self.counts_unknown(opener):
            return True
        named = next(
            (
                name
                for start, _, category, name in self._phrases_in(opener, opener + 1)
                if start == opener and category == "slot:noun"
            ),
            None,
        )
        return named is not None and named not in nouns

    def _label_opener_end(self, position: int) -> int | None:
        """The token after a label opener starting at `position`: a standalone "Số" (not the "sơ" of "hồ
        sơ", which a phrase covers), or "Tổng số" / "Tỷ lệ" (phrases of the vocabulary)."""
        token = self.tokens[position]
        if token.kind != "word":
            return None
        for start, end, category, name in self._phrases_in(position, position + 1):
            if start == position and (category, name) in (("slot:state", "total"), ("slot:share", "share")):
                return end
        if token.key == "so" and not self._covered_by_phrase(position):
            original = self.report.original[self.report.folded.origin[token.start]]
            return position + 1 if original in "Ssốsố" else None
        return None

    def _whole_said(self, first: int, last: int) -> bool:
        """Whether tokens [first, last) say the whole province ("toàn tỉnh", "mô hình một cấp")."""
        return any(
            category == _LEVEL and name == WHOLE for _, _, category, name in self._phrases_in(first, last)
        )

    def _bound_for_other_things(self, index: int, frame: KpiFrame) -> bool:
        """Whether the bounded share at `index` ("trên 90%") is a threshold that a count of other things
        said before it in its clause reached: "8 xã đạt trên 90% hồ sơ trực tuyến", "12 thủ tục có tỷ lệ
        hồ sơ trực tuyến trên 90%"."""
        noun = dict(frame.need).get("noun")
        tokens = self.tokens
        for position in range(self.report.clause_start(index), index):
            if tokens[position].kind != "num" or not tokens[position].value_ok:
                continue
            after = position + 1
            if self._unit_at(after) or self.counts_unknown(after):
                return True
            named = next(
                (name for start, _, category, name in self._phrases_in(after, after + 1)
                 if start == after and category == "slot:noun"),
                None,
            )  # fmt: skip
            if named is not None and named != noun:
                return True
        return False

    def _share_of_other_things(self, after: int) -> bool:
        """Whether the words right after a percentage make it a share of something else: "100% số xã có hồ
        sơ trực tuyến" is a share of communes; "97% số văn bản" stays one of documents."""
        tokens = self.tokens
        if after + 1 >= len(tokens) or tokens[after].key != "so" or self._covered_by_phrase(after):
            return False
        return bool(self._unit_at(after + 1)) or self.counts_unknown(after + 1)

    def _period_said_since_todate(self, start: int, end: int) -> bool:
        """Whether a `periods` phrase ("trong năm") follows the last `todate` phrase in [start, end)."""
        phrases = self._phrases_in(start, end)
        todate = [first for first, _, category, _ in phrases if category == "slot:todate"]
        periods = [first for first, _, category, _ in phrases if category == _PERIOD]
        return bool(periods) and (not todate or max(periods) > max(todate))

    def _compares_amounts(self, index: int) -> bool:
        """Whether the percentage at `index` follows a `compares_amounts` word (a qualifier may stand
        between) with no count before it in its clause: one amount as a share of another, not a rate."""
        tokens = self.tokens
        qualifiers = self.vocabulary.qualifiers.values()
        qualifier_words = {word for phrases in qualifiers for phrase in phrases for word in phrase}
        position = index - 1
        while position >= 0 and tokens[position].kind == "word" and tokens[position].key in qualifier_words:
            position -= 1
        if position < 0 or tokens[position].key not in self.vocabulary.compares_amounts:
            return False
        clause_start = self.report.clause_start(index)
        return not any(
            tokens[i].kind == "num" and tokens[i].value_ok and self._noun_at(i + 1)
            for i in range(clause_start, position)
        )

    def _counts_a_possessor(self, index: int, after: int) -> bool:
        """Whether the count at `index` follows a preposition and no KPI noun follows it: it counts whose
        or where the thing is ("hồ sơ của 17 sở, ngành", "tại 125 cơ quan"), not the thing."""
        before = self.tokens[index - 1] if index else None
        if before is None or before.kind != "word" or before.key not in self.vocabulary.before_possessor:
            return False
        if self._covered_by_phrase(index - 1):
            return False  # "tại bộ phận một cửa 68.210": "cửa" folds like "của"
        return not self._noun_at(after)

    def _garbled_phrase_at(self, index: int) -> bool:
        """Whether a phrase of two or more words starts at token `index` with its first word garbled by
        OCR beyond fuzzy matching but its first letter and its other words intact ("467 ching thu so")."""
        tokens = self.tokens
        key = tokens[index].key
        for phrase, _, _ in _phrase_index(self.vocabulary):
            size = len(phrase)
            if size < 2 or phrase[0][0] != key[0] or index + size > len(tokens):
                continue
            if all(
                tokens[index + k].kind == "word" and words_match(phrase[k], tokens[index + k].key)
                for k in range(1, size)
            ):
                return True
        return False

    def _unit_at(self, index: int) -> int:
        """How many words of an `other_units` phrase start at token `index` (0: none)."""
        tokens = self.tokens
        for phrase in sorted(self.vocabulary.other_units, key=len, reverse=True):
            span = tokens[index : index + len(phrase)]
            if len(span) == len(phrase) and all(
                t.kind == "word" and words_match(word, t.key) for word, t in zip(phrase, span, strict=True)
            ):
                return len(phrase)
        return 0

    def _verb_at(self, index: int) -> bool:
        """Whether a verb (an action, or a `not_done` phrase) starts at token `index`."""
        return any(
            start == index and (category == "slot:action" or name == _NOT_DONE)
            for start, _, category, name in self._phrases_in(index, index + 1)
        )

    def _noun_at(self, index: int) -> bool:
        return any(
            start == index and category == "slot:noun"
            for start, _, category, _ in self._phrases_in(index, index + 1)
        )

    def is_no_result(self, index: int, kpi: str) -> bool:
        """Whether a rule's number for `kpi` is no result: it counts another unit, its own words say the
        thing is not done (`not_done`: "300 chứng thư số hết hạn", "văn bản đi chưa ký số: 800"), or the
        national portal is its subject ("Cổng Dịch vụ công quốc gia đã cung cấp 4.412 dịch vụ")."""
        quantity = read_quantity(self.tokens, index, self.vocabulary, english_locale=self.english_locale)
        end = quantity.end if quantity is not None else index + 1
        if self.counts_other_unit(end):
            return True
        if KPI_CODES[kpi].unit == "count" and index not in self._cells and self.counts_unknown(end):
            return True
        start, sentence_end = self.sentence(index)
        first, last = self._local_before(index, start), self._local_after(end, sentence_end)
        said = {
            pair
            for frame in self.vocabulary.frames
            if frame.kpi == kpi
            for pair in (*frame.need, *frame.allow)
        }
        if ("national", "national") not in said and self._national_subject(index):
            return True
        return any(
            category == _NOT_OURS and name == _NOT_DONE
            for _, _, category, name in self._phrases_in(first, last)
        )

    def more_specific(self, figure: Figure, kpi: str) -> bool:
        """Whether the reader's code for a number says more than a rule's `kpi` ("mức độ 4 ... trực tiếp")."""
        needs = [len(frame.need) for frame in self.vocabulary.frames if frame.kpi == kpi]
        mine = [len(frame.need) for frame in self.vocabulary.frames if frame.kpi == figure.kpi]
        return bool(needs) and figure.kpi != kpi and min(mine) > max(needs)

    # --- reading ------------------------------------------------------------------------------------

    def _covered_by_phrase(self, index: int) -> bool:
        """A number inside a phrase ("mức độ 3") is a word of it, not a figure."""
        position = bisect.bisect_right(self._phrase_starts, index) - 1
        return position >= 0 and self._phrases[position][1] > index

    @cached_property
    def _cells(self) -> dict[int, TableCell]:
        return {cell.value_token: cell for cell in table_cells(self.tokens)}

    def _names_someone_else(self, span: tuple[int, int]) -> bool:
        keys = tuple(t.key for t in self.tokens[span[0] : span[1]] if t.kind in ("word", "num"))
        return any(
            keys[position : position + len(phrase)] == phrase
            for phrase in (*self._foreign_places, *self.vocabulary.others)
            for position in range(len(keys))
        )

    def _in_first_cell(self, index: int) -> bool:
        """Whether token `index` is in the first cell of its line (no "|" before it on the line)."""
        position = index - 1
        while position >= 0 and self.tokens[position].key != "\n":
            if self.tokens[position].key == "|":
                return False
            position -= 1
        return True

    def _percent_column(self, cell: TableCell) -> bool:
        return any(self.tokens[i].key == "%" for span in cell.headers for i in range(*span)) or any(
            self._said(*span, toward="start").slots.get("share") for span in cell.headers
        )

    def _read_cell(self, cell: TableCell, quantity: Quantity) -> Figure | None:
        """A table's number: its row label and column header are its local words, the title its context."""
        spans = [span for span in (cell.row_label, *cell.headers) if span is not None]
        if cell.title is not None:
            spans.append(cell.title)
        if any(self._names_someone_else(span) for span in (*spans, cell.row)):
            return None
        row = self._said(*cell.row_label, toward="start") if cell.row_label else None
        headers = [self._said(*span, toward="start") for span in cell.headers]
        if row is not None and not row.slots and not row.level_said:
            return None  # a row the vocabulary does not know ("Mức 2"): what it counts is unsaid
        if any(self._says_unknown_thing(span) for span in cell.headers):
            return None  # "Cung cấp thông tin": a column of something the vocabulary does not know
        if any(said.not_ours for said in (row, *headers) if said is not None):
            return None
        local: dict[str, str] = {}
        for said in (*headers, *([row] if row else [])):
            local.update(said.slots)
        percent = quantity.percent
        if not percent and local.get("share") and any("noun" in said.slots for said in headers):
            # "Tỷ lệ TTHC cung cấp trực tuyến | 1856 | 70,2%" under "TTHC | %": the column says the count.
            del local["share"]
        if percent:
            local["share"] = "share"
            if cell.previous_headers and (len(local) == 1 or "noun" not in local):
                # "Tiếp nhận | Trực tuyến | Tỷ lệ", "Số TTHC | Tỷ lệ (%)": a share column is the share of the
                # column before; what it leaves unsaid comes from there.
                for span in cell.previous_headers:
                    for slot, value in self._said(*span, toward="start").slots.items():
                        local.setdefault(slot, value)
        # A title names its subject first: "Hồ sơ DVC trực tuyến quý IV" counts dossiers.
        inherited = self._said(*cell.title, toward="start").slots if cell.title else {}
        if "noun" not in inherited:
            # "Cấp | Tổng HS | Trực tiếp | Trực tuyến": one noun in the header line is what the table counts;
            # the first cell's only when no other cell names one ("Đơn vị | VB đi | Ký số" counts documents,
            # "Chứng thư số | Đã cấp | Đang hoạt động" certificates).
            by_cell: dict[bool, set[str]] = {True: set(), False: set()}
            for start, _, category, name in self._phrases_in(*cell.header_rows):
                if category == "slot:noun":
                    by_cell[self._in_first_cell(start)].add(name)
            nouns = by_cell[False] or by_cell[True]
            if len(nouns) == 1:
                inherited = {**inherited, "noun": nouns.pop()}
        if local.get("action") == "issue" and any(
            category == "slot:state" and name == "active"
            for _, _, category, name in self._phrases_in(*cell.header_rows)
        ):
            # "Chứng thư số | Đã cấp | Đang hoạt động": beside a stock column, issued means issued to date.
            local["action"] = "issued_to_date"
        frame, local_needs = self._best_frame(local, inherited, "percent" if percent else "count", False)
        if frame is None:
            return None
        # "Trước hạn | Đúng hạn" as two columns: the on-time column alone is not "on time or early".
        early_apart = any(name == "early" for *_, name in self._phrases_in(*cell.header_rows))
        if frame.kpi.startswith("dossier.resolved_ontime") and "early" not in local.values() and early_apart:
            return None
        level_from = [said for said in ([row] if row else []) + headers if said.level_said]
        level = level_from[0].level if level_from else None
        said = ", ".join(f"{slot}={value}" for slot, value in frame.need)
        return Figure(
            frame.kpi, frame.unit, frame.scope, quantity.value, Qualifier.EXACT, level, cell.value_token,
            cell.row[0], cell.row[1], round(0.7 + 0.3 * local_needs / len(frame.need), 3),
            f"figure: {said} (table cell)",
        )  # fmt: skip

    def cell_at(self, index: int) -> TableCell | None:
        """The table cell of the number at token `index`, if it stands in a flattened table."""
        return self._cells.get(index)

    def _says_unknown_thing(self, span: tuple[int, int]) -> bool:
        """Whether a column header holds a word outside every vocabulary phrase that is no neutral word
        ("Cung cấp thông tin": information, no KPI thing)."""
        covered = {i for start, end, _, _ in self._phrases_in(*span) for i in range(start, end)}
        return any(
            token.kind == "word" and i not in covered and token.key not in self.vocabulary.after_count
            and token.key not in _NEUTRAL_HEADER_WORDS and len(token.key) > 1
            for i, token in enumerate(self.tokens[span[0] : span[1]], start=span[0])
        )  # fmt: skip

    def read(self, index: int) -> Figure | None:
        """The figure at token `index`, or None when its context does not say one KPI clearly."""
        tokens = self.tokens
        if tokens[index].start >= self.appendix_start or self._covered_by_phrase(index):
            return None
        cell = self._cells.get(index)
        percent_column = cell is not None and self._percent_column(cell)
        quantity = read_quantity(tokens, index, self.vocabulary, percent_column, self.english_locale)
        if quantity is None or self.is_foreign(index) or self._under_plan_heading(index):
            return None
        if self.counts_other_unit(quantity.end):
            return None
        if cell is None and not quantity.percent and self.counts_unknown(quantity.end):
            return None
        if cell is None and not quantity.percent and self._counts_a_possessor(index, quantity.end):
            return None
        if cell is None and quantity.percent and self._share_of_other_things(quantity.end):
            return None
        if cell is None and quantity.percent and self._compares_amounts(index):
            return None
        if cell is not None:
            return self._read_cell(cell, quantity)
        start, end = self.sentence(index)
        local_first = self._local_before(index, start)
        local_last = self._local_after(quantity.end, end)
        if quantity.percent and self._names_a_base(quantity.end):
            local_last = quantity.end  # "chiếm 41,7% tổng số hồ sơ tiếp nhận": the words name the base
        before = self._said(local_first, index, toward="end")
        after = self._said(quantity.end, local_last, toward="start")
        if before.not_ours or after.not_ours:
            return None
        local = {**after.slots, **before.slots}
        if "noun" in after.slots:
            # The noun after a number is what it counts: "các đơn vị tiếp nhận 187,5 nghìn hồ sơ".
            local["noun"] = after.slots["noun"]
        # "chiếm 27,65%", "(đạt 98,75%)", "(59,55%)" name only the share of the count just said.
        share_said = local.get("share") == "share" or (
            quantity.percent and self._share_of_previous(local_first, index)
        )
        only_share_words = all(
            t.key in self.vocabulary.share_words for t in tokens[local_first:index] if t.kind == "word"
        )
        if quantity.percent:
            local["share"] = "share"
        context, context_kind = self._inherited(local_first, start)
        if self._frames_context_as_not_ours(context, index):
            return None
        # "Tỷ lệ văn bản đi được gửi ... (có ký số) đạt 97,4%": the sentence opened with the share.
        share_said = share_said or (
            quantity.percent and only_share_words and context.slots.get("share") == "share"
        )
        unit = "percent" if quantity.percent else "count"
        inherited = context.slots
        if "todate" in inherited and self._period_said_since_todate(start, local_last):
            # "Tính đến 31/12, có 3.642 CTS ..., trong năm cấp mới 486, thu hồi 61": the period said
            # after the stock's date holds for the figures after it.
            inherited = {slot: value for slot, value in inherited.items() if slot != "todate"}
        if {"state", "todate"} & set(local):
            # "...; số chứng thư số đang hoạt động là 3.900": a stock said here, whatever was done before.
            inherited = {slot: value for slot, value in inherited.items() if slot != "action"}
        frame, local_needs = self._best_frame(local, inherited, unit, share_said)
        if frame is None:
            return None
        # "Hồ sơ DVC mức độ 3 (một phần): tiếp nhận 9.617": a level of service the context says and the
        # code does not fit makes the plain code unsure (the level's own is not said close enough).
        said_level = None if "level" in local else inherited.get("level")  # its own level wins
        if said_level in ("l3", "l4", "l34") and ("level", said_level) not in (*frame.need, *frame.allow):
            return None
        if self._stock_of_a_flow(frame, local, inherited, start, end):
            return None
        bounded_share = quantity.percent and quantity.qualifier in (Qualifier.OVER, Qualifier.UNDER)
        if bounded_share and self._bound_for_other_things(index, frame):
            return None
        # "cấp phát 42 sim ký cho lãnh đạo các xã": whom it was done for is not the figure's level.
        after = self._said(quantity.end, self._before_recipient(quantity.end, local_last), toward="start")
        level = next((said.level for said in (before, after, context) if said.level_said), None)
        if after.level_said and after.level is None:
            level = None  # "... đã tiếp nhận 387.604 hồ sơ trên toàn tỉnh": said of the number itself
        elif level is not None and self._whole_said(start, index):
            # One level and the whole province both said before it, an aside included ("Trung tâm Phục vụ
            # hành chính công (mô hình một cấp) cùng 126 chi nhánh đã tiếp nhận ..."): unsure.
            return None
        score = round(0.7 + 0.3 * local_needs / len(frame.need), 3)
        said = ", ".join(f"{slot}={value}" for slot, value in frame.need)
        reason = f"figure: {said} (local {local_needs}/{len(frame.need)}, {context_kind})"
        return Figure(
            frame.kpi, frame.unit, frame.scope, quantity.value, quantity.qualifier, level, index,
            min(local_first, index), max(local_last, quantity.end), score, reason,
        )  # fmt: skip

    def _national_subject(self, index: int) -> bool:
        """Whether the sentence of token `index` opens with the national portal, before its first number:
        its figures are the portal's ("Cổng Dịch vụ công quốc gia đã cung cấp 4.412 dịch vụ"), unlike
        "tỉnh đã công khai 1.853 TTHC trên Cổng Dịch vụ công quốc gia"."""
        start, end = self.sentence(index)
        first_number = next((i for i in range(start, end) if self.tokens[i].value_ok), end)
        # The portal's name opening a clause is its subject; a bare "quốc gia" ("trục liên thông văn bản
        # quốc gia") or the portal after a verb ("công khai ... trên Cổng ...") is not.
        return any(
            category == "slot:national"
            and phrase_end - phrase_start >= 3
            and (phrase_start == start or self.tokens[phrase_start - 1].key == ",")
            for phrase_start, phrase_end, category, _ in self._phrases_in(start, first_number)
        )

    def _names_a_base(self, after: int) -> bool:
        """Whether the words from token `after` (right after a percentage) open with a total ("tổng số"):
        the whole the share is taken of, not what the share counts."""
        return any(
            start == after and category == "slot:state" and name == "total"
            for start, _, category, name in self._phrases_in(after, after + 1)
        )

    def _stock_of_a_flow(
        self, frame: KpiFrame, local: dict[str, str], inherited: dict[str, str], start: int, end: int
    ) -> bool:
        """Whether a code counted per period is read from a sentence about all time or someone else.

        "Từ năm 2019 đến nay, hơn 2,4 triệu văn bản ... đã được gửi": a stock, unless the sentence also
        names the period ("Tính đến ngày 31/12, số hồ sơ tiếp nhận trong năm là ..."). "Cổng Dịch vụ công
        quốc gia đã cung cấp 4.412 dịch vụ": the national portal's figure, not the province's.
        """
        said = {*frame.need, *frame.allow}
        if ("national", "national") not in said and self._national_subject(start):
            return True
        if frame.scope != "period" or "todate" not in inherited or ("todate", "todate") in said:
            return False
        return not any(category == _PERIOD for _, _, category, _ in self._phrases_in(start, end))

    def _best_frame(
        self, local: dict[str, str], inherited: dict[str, str], unit: str, share_said: bool
    ) -> tuple[KpiFrame | None, int]:
        """The one frame the slots say, and how many of its needs were said locally; None if not one."""
        # A running total ("lũy kế") says the scope (running_total), not what is counted.
        local = {slot: value for slot, value in local.items() if slot != "running"}
        inherited = {slot: value for slot, value in inherited.items() if slot != "running"}
        best: list[tuple[int, int, KpiFrame]] = []
        for frame in self.vocabulary.frames:
            if frame.unit != unit:
                continue
            fits = set(frame.need) | set(frame.allow)
            if any(pair not in fits for pair in local.items()):
                continue
            local_needs = 0
            for slot, value in frame.need:
                if local.get(slot) == value:
                    local_needs += 1
                elif slot in local or inherited.get(slot) != value:
                    break
            else:
                # What the context does (its verb) must suit the figure: "cấp 17 giấy phép (17 hồ sơ
                # trực tuyến)" is not dossiers received, "cấp mới 108 CTS (96 CTS cá nhân ...)" not the
                # stock of personal certificates.
                action = inherited.get("action")
                if "action" not in local and action is not None and ("action", action) not in fits:
                    continue
                # The words next to the number must say something of the figure itself, and more than
                # its noun: "14 văn bản" in a list after "tiếp nhận ..., trong đó" is not enough.
                said_here = [slot for slot, value in frame.need if local.get(slot) == value]
                if share_said or any(slot not in ("share", "noun") for slot in said_here):
                    best.append((len(frame.need), local_needs, frame))
        if not best:
            return None, 0
        best.sort(key=lambda entry: -entry[0])
        top = [entry for entry in best if entry[0] == best[0][0]]
        if len({(entry[2].kpi, entry[2].scope) for entry in top}) > 1:
            return None, 0  # two codes fit equally well: unsure, so nothing
        return top[0][2], top[0][1]

    def figures(self) -> list[Figure]:
        """Every figure of the report the reader is sure of, in text order."""
        found = []
        for index, token in enumerate(self.tokens):
            if token.kind == "num" and token.value_ok:
                figure = self.read(index)
                if figure is not None:
                    found.append(figure)
        # A table row giving one code in several columns ("Quý I | Quý II | 6 tháng"): the last column is
        # the result, as the rules take the last result column.
        last_in_row: dict[tuple[int, str], int] = {}
        for figure in found:
            if figure.value_token in self._cells:
                last_in_row[(figure.first_token, figure.kpi)] = figure.value_token
        return [
            figure
            for figure in found
            if figure.value_token not in self._cells
            or last_in_row[(figure.first_token, figure.kpi)] == figure.value_token
        ]
