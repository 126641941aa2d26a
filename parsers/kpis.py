"""KPI extraction: the rules of parsers/kpi_rules.yaml applied to a report's pages.

Every pattern is matched on the folded token stream (parsers.document) with fuzzy word comparison, so
lost diacritics and OCR noise still match; results point back at the original page text. A wrong value
is worse than a missing one, hence the filters: the rule's section anchors must be in the same item,
nothing after an appendix heading counts, plan targets and comparisons ("Kế hoạch năm", "cùng kỳ") and
department-only figures ("Riêng Sở ...", "37/37 TTHC") are dropped, and conflicts are resolved so that
each number feeds at most one KPI (the most specific rule) and each KPI gets one value (the first in
the body).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz

from parsers.document import ReportText, Token, is_appendix_heading
from parsers.folding import fold_str, ocr_skeleton
from parsers.rules import Element, KpiRule, Pattern, RuleSet, load_rules
from parsers.tables import TableRowHit, find_table_values
from schemas.extraction import KpiMatch

_PERIOD_HEADS = {"thang", "quy", "nam", "ky"}
_PERIOD_FOLLOWERS = {"i", "ii", "iii", "iv", "nay", "dau", "cuoi", "bao", "cao", "qua", "nam", "thang", "quy"}
_MAX_PERIOD_TOKENS = 6
# Punctuation that changes what a phrase means: skipped only where the pattern shows punctuation.
_STRONG_PUNCT = {",", "(", ")", "[", "]", "/", "+", "=", "&", "%"}
# Marks OCR scatters next to numbers ("3.106: chứng thư", "14.031- văn bản"): the only ones skipped
# between a count and its unit noun.
_NOISE_PUNCT = {":", "-", "'", "`", "‘", "’", "_", "~", "•", "*", "^"}
SkipMode = Literal["none", "noise", "light", "all"]
_EVIDENCE_MAX = 160
_EVIDENCE_CONTEXT = 40


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
    skeleton_score = 0.95 * fuzz.ratio(ocr_skeleton(pattern_word), ocr_skeleton(text_word)) / 100
    score = max(score, skeleton_score)
    threshold = 0.66 if size == 3 else 0.75 if size <= 5 else 0.8
    return score if score >= threshold else 0.0


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


class _Matcher:
    def __init__(self, report: ReportText, boundaries: tuple[str, ...] = ()) -> None:
        self.report = report
        self.tokens = report.tokens
        self.boundaries = boundaries

    # --- one pattern at one place -------------------------------------------------------------------

    def period_ends(self, index: int) -> list[int]:
        """End indices (longest first) of a period expression starting at token `index`."""
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
            small_number = token.kind == "num" and re.fullmatch(r"\d{1,2}|(?:19|20)\d\d", token.key)
            if not (follower or small_number):
                break
            position += 1
            ends.append(position)
        return ends[::-1]

    def run(
        self,
        elements: tuple[Element, ...],
        index: int,
        skip: SkipMode,
        sims: tuple[float, ...],
        value_token: int | None,
        gaps: int,
    ) -> tuple[int, tuple[float, ...], int | None, int] | None:
        """Depth-first match of `elements` from token `index`; the first (laziest) success.

        `skip` says which punctuation may stand before the next element: only OCR specks right after a
        count (its unit noun follows directly, "894, trực tuyến" is not "894 trực tuyến"), light
        punctuation between words, any after a {gap} or where the pattern shows punctuation.
        """
        if not elements:
            return index, sims, value_token, gaps
        element, rest = elements[0], elements[1:]
        tokens = self.tokens
        if element.loose:
            skip = "all"
        if element.kind == "choice":
            for branch in element.choices:
                result = self.run(branch + rest, index, skip, sims, value_token, gaps)
                if result is not None:
                    return result
            return None
        if element.kind == "gap":
            position = index
            for used in range(element.max_words + 1):
                result = self.run(rest, position, "all", sims, value_token, gaps + used)
                if result is not None:
                    return result
                position = self.report.skip_soft(position)
                if position >= len(tokens) or tokens[position].kind == "hard":
                    return None
                position += 1
            return None
        if element.kind == "end":
            closed = index >= len(tokens) or tokens[index].kind in ("punct", "hard")
            closed = closed or any(self.phrase_at(index, phrase) for phrase in self.boundaries)
            return self.run(rest, index, skip, sims, value_token, gaps) if closed else None
        position = self._skip(index, skip)
        if position >= len(tokens):
            return None
        token = tokens[position]
        if element.kind == "word":
            if token.kind not in ("word", "num"):
                return None
            similarity = word_similarity(element.word, token.key)
            if similarity <= 0:
                return None
            return self.run(rest, position + 1, "light", (*sims, similarity), value_token, gaps)
        if element.kind == "value":
            if token.kind != "num" or not token.value_ok:
                return None
            following = position + 1
            has_percent = following < len(tokens) and tokens[following].key == "%"
            if element.value_unit == "count":
                if has_percent:
                    return None
                return self.run(rest, following, "noise", sims, position, gaps)
            # In prose a percentage carries its sign; a bare number next to "tỷ lệ" is too often a count.
            if not has_percent:
                return None
            return self.run(rest, following + 1, "light", sims, position, gaps)
        if element.kind == "number":
            if token.kind not in ("num", "compound"):
                return None
            following = position + 1
            if following < len(tokens) and tokens[following].key == "%":
                following += 1
            return self.run(rest, following, "light", sims, value_token, gaps)
        if element.kind == "period":
            for end in self.period_ends(position):
                result = self.run(rest, end, "light", sims, value_token, gaps)
                if result is not None:
                    return result
            return None
        raise AssertionError(f"unknown element kind {element.kind}")

    def _skip(self, index: int, skip: SkipMode) -> int:
        tokens = self.tokens
        if skip == "none":
            return index
        while index < len(tokens) and tokens[index].kind == "punct":
            key = tokens[index].key
            if (skip == "light" and key in _STRONG_PUNCT) or (skip == "noise" and key not in _NOISE_PUNCT):
                break
            index += 1
        return index

    # --- where patterns can start -------------------------------------------------------------------

    def start_positions(self, elements: tuple[Element, ...]) -> set[int]:
        if not elements:
            return set()
        element, rest = elements[0], elements[1:]
        if element.kind == "choice":
            found: set[int] = set()
            for branch in element.choices:
                found |= self.start_positions(branch) if branch else self.start_positions(rest)
            return found
        if element.kind == "word":
            return set(self._word_positions(element.word))
        if element.kind in ("value", "number"):
            return {i for i, t in enumerate(self.tokens) if t.kind in ("num", "compound")}
        if element.kind == "period":
            return {i for i, t in enumerate(self.tokens) if t.kind in ("word", "num")}
        return set()

    def _word_positions(self, word: str) -> list[int]:
        positions: list[int] = []
        for key, indices in self.report.unique_keys.items():
            if word_similarity(word, key) > 0:
                positions.extend(indices)
        return positions

    def match_pattern(self, rule: KpiRule, pattern: Pattern) -> list[_Hit]:
        hits: list[_Hit] = []
        for start in sorted(self.start_positions(pattern.elements)):
            result = self.run(pattern.elements, start, "none", (), None, 0)
            if result is None or result[2] is None:
                continue
            end, sims, value_token, gaps = result
            value = self.tokens[value_token].value
            if value is None:
                continue
            similarity = sum(sims) / len(sims) if sims else 1.0
            score = round(max(0.0, similarity * (1 - 0.005 * gaps)), 3)
            hits.append(
                _Hit(
                    rule, float(value), start, end, value_token, score, pattern.literal_words, pattern.source
                )
            )
        return hits

    # --- filters ------------------------------------------------------------------------------------

    def phrase_at(self, index: int, phrase: str) -> bool:
        """Whether the words of `phrase` start at token `index` (soft punctuation skipped)."""
        for word in phrase.split():
            index = self.report.skip_soft(index)
            if index >= len(self.tokens) or word_similarity(word, self.tokens[index].key) <= 0:
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
            if position < 0 or word_similarity(word, self.tokens[position].key) <= 0:
                return False
            position -= 1
        return True

    def phrase_within(self, start: int, end: int, phrase: str) -> bool:
        return any(self.phrase_at(i, phrase) for i in range(start, end) if self.tokens[i].kind != "punct")

    def words(self, start: int, end: int) -> str:
        return " ".join(t.key for t in self.tokens[start:end] if t.kind in ("word", "num"))


def _value_fits(hit: _Hit, token: Token) -> float | None:
    """The value in the KPI's unit, or None when it cannot be one (a fraction of a count, > 100 %)."""
    if hit.rule.unit == "percent":
        return hit.value if 0 <= hit.value <= 100 else None
    if hit.value == int(hit.value):
        return hit.value
    # "13,332" for a count: OCR turned the thousands dot into a comma.
    if re.fullmatch(r"\d{1,3},\d{3}", token.key):
        return float(token.key.replace(",", ""))
    return None


class _Extractor:
    def __init__(self, pages: list[str], rules: RuleSet) -> None:
        self.rules = rules
        self.report = ReportText(pages)
        self.matcher = _Matcher(self.report, rules.settings.phrase_boundaries)
        self.appendix_start = self._find_appendix()

    def _find_appendix(self) -> int:
        """Folded offset where the appendix begins (its heading line), or the end of the text."""
        report = self.report
        settings = self.rules.settings
        offset = 0
        for line in report.original.split("\n"):
            # "(Kèm theo Báo cáo số ...)" under an appendix title also opens it when OCR lost the heading.
            opening = " ".join(re.findall(r"[a-z0-9]+", fold_str(line[:60])))
            marked = any(opening.startswith(marker) for marker in settings.appendix_markers)
            if marked or is_appendix_heading(line, settings.appendix_headings):
                return bisect.bisect_left(report.folded.origin, offset)
            offset += len(line) + 1
        return len(report.folded.text)

    def in_appendix(self, token_index: int) -> bool:
        return self.report.tokens[token_index].start >= self.appendix_start

    def _section_ok(self, hit: _Hit) -> bool:
        if not hit.rule.section:
            return True
        matcher, report = self.matcher, self.report
        start = report.paragraph_start(hit.first_token)
        # An item that is only a figure ("- Số tài khoản: 6.982") takes its anchor from the lead-in line.
        if start > 1 and report.tokens[start - 1].key == "\n":
            lead_in_start = report.paragraph_start(start - 1)
            lead_in = report.tokens[lead_in_start : start - 1]
            if lead_in and lead_in[-1].key == ":":
                start = lead_in_start
        region = matcher.words(start, hit.last_token)
        # The heading above names the subject when the item itself does not ("1. Dịch vụ công ...").
        heading = report.heading_before(start)
        if heading is not None:
            region = f"{matcher.words(*heading)} {region}"
        region = " ".join(ocr_skeleton(word) for word in region.split())
        return any(fuzz.partial_ratio(_skeleton_phrase(anchor), region) >= 90 for anchor in hit.rule.section)

    def _context_ok(self, hit: _Hit) -> bool:
        matcher, report, settings = self.matcher, self.report, self.rules.settings
        for phrase in hit.rule.not_followed_by:
            if matcher.phrase_at(hit.last_token, phrase):
                return False
        for phrase in hit.rule.not_preceded_by:
            if matcher.phrase_before(hit.first_token, phrase):
                return False
        clause = max(report.clause_start(hit.first_token), hit.first_token - settings.exclude_window)
        for phrase in settings.exclude_before:
            if matcher.phrase_within(clause, hit.value_token, phrase):
                return False
        paragraph = report.paragraph_start(hit.first_token)
        for phrase in settings.department_markers:
            if matcher.phrase_within(paragraph, hit.value_token, phrase):
                return False
        # "37/37 TTHC": a department's own share of procedures, never a province-wide figure.
        for i in range(paragraph, hit.value_token):
            token = report.tokens[i]
            following = report.tokens[i + 1] if i + 1 < len(report.tokens) else None
            if token.kind == "compound" and following is not None and following.key in ("tthc", "thu"):
                return False
        return True

    def candidates(self) -> list[_Hit]:
        hits: list[_Hit] = []
        min_score = self.rules.settings.min_score
        for rule in self.rules.rules:
            for pattern in rule.patterns:
                for hit in self.matcher.match_pattern(rule, pattern):
                    if hit.score < min_score or self.in_appendix(hit.value_token):
                        continue
                    value = _value_fits(hit, self.report.tokens[hit.value_token])
                    if value is None or not self._section_ok(hit) or not self._context_ok(hit):
                        continue
                    hits.append(_with_value(hit, value))
        for row in find_table_values(self.report, self.rules, self.appendix_start):
            hits.extend(self._table_hit(row))
        return hits

    def _table_hit(self, row: TableRowHit) -> list[_Hit]:
        hit = _Hit(
            row.rule, row.value, row.first_token, row.last_token, row.value_token, row.score,
            row.specificity, f"table: {row.label}",
        )  # fmt: skip
        value = _value_fits(hit, self.report.tokens[row.value_token])
        if value is None or hit.score < self.rules.settings.min_score:
            return []
        return [_with_value(hit, value)]

    def resolve(self, hits: list[_Hit]) -> list[_Hit]:
        # One KPI per number: the most specific rule wins, then the best score, then file order.
        by_number: dict[int, _Hit] = {}
        for hit in hits:
            held = by_number.get(hit.value_token)
            if held is None or _rank(hit) > _rank(held):
                by_number[hit.value_token] = hit
        # One value per KPI: the first in the body.
        by_kpi: dict[str, _Hit] = {}
        for hit in sorted(by_number.values(), key=lambda h: (h.value_token, -h.specificity)):
            by_kpi.setdefault(hit.rule.kpi, hit)
        return sorted(by_kpi.values(), key=lambda h: h.value_token)

    def to_match(self, hit: _Hit) -> KpiMatch:
        report = self.report
        token = report.tokens[hit.value_token]
        page, start, end = report.to_page(token.start, token.end)
        return KpiMatch(
            kpi=hit.rule.kpi,
            value=hit.value,
            unit=hit.rule.unit,
            scope=hit.rule.scope,
            page=page + 1,
            start=start,
            end=end,
            evidence=self._evidence(hit, page),
            score=min(1.0, hit.score),
            rule=hit.rule.id,
        )

    def _evidence(self, hit: _Hit, page: int) -> str:
        """The original words around the match, within its page, at most ~160 characters."""
        report = self.report
        tokens = report.tokens
        first, last, value = tokens[hit.first_token], tokens[hit.last_token - 1], tokens[hit.value_token]
        _, span_start, _ = report.to_page(first.start, first.end)
        _, _, span_end = report.to_page(last.start, last.end)
        _, value_start, value_end = report.to_page(value.start, value.end)
        text = report.pages[page]
        span_start = min(span_start, value_start)
        span_end = max(span_end, value_end)
        if span_end - span_start > _EVIDENCE_MAX:
            span_start = max(span_start, value_start - _EVIDENCE_MAX // 2)
            span_end = min(span_end, span_start + _EVIDENCE_MAX)
        room = max(0, (_EVIDENCE_MAX - (span_end - span_start)) // 2)
        context = min(room, _EVIDENCE_CONTEXT)
        left = max(0, span_start - context)
        right = min(len(text), span_end + context)
        # Cut on word boundaries so the snippet reads naturally.
        while left > 0 and left < span_start and not text[left - 1].isspace():
            left += 1
        while right < len(text) and right > span_end and not text[right].isspace():
            right -= 1
        snippet = " ".join(text[left:right].split())
        return snippet or text[value_start:value_end]


@lru_cache(maxsize=1024)
def _skeleton_phrase(phrase: str) -> str:
    return " ".join(ocr_skeleton(word) for word in phrase.split())


def _rank(hit: _Hit) -> tuple[int, float, int]:
    return hit.specificity, hit.score, -hit.rule.order


def _with_value(hit: _Hit, value: float) -> _Hit:
    if value == hit.value:
        return hit
    return _Hit(
        hit.rule, value, hit.first_token, hit.last_token, hit.value_token, hit.score, hit.specificity,
        hit.source,
    )  # fmt: skip


def extract_kpis(pages: list[str], rules: RuleSet | None = None) -> list[KpiMatch]:
    """KPI values stated in a report; pages[0] is page 1. `rules` defaults to parsers/kpi_rules.yaml."""
    if not any(page.strip() for page in pages):
        return []
    extractor = _Extractor(pages, rules or load_rules())
    return [extractor.to_match(hit) for hit in extractor.resolve(extractor.candidates())]
