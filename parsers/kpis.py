"""KPI extraction policy: which of the numbers the rules and the figure reader read are a report's KPIs.

The rules of parsers/kpi_rules.yaml (matched by parsers/matcher.py) come first: their section anchors must
be in the same item, nothing after an appendix heading counts, plan targets and comparisons ("Kế hoạch
năm", "cùng kỳ") and department-only figures ("Riêng Sở ...", "37/37 TTHC") are dropped, each number feeds
at most one KPI (the most specific rule) and each KPI and level gets one value (the first in the body).
The figure reader (parsers/figures.py) then fills the numbers and codes the rules left open, and wins a
number only when its reading says strictly more. For both, figures of another province, the country, a
ministry or one named district are left out, inclusive totals and "đúng hạn" printed apart from "trước
hạn" are no KPI, and every value carries its qualifier and level.
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache

from rapidfuzz import fuzz

from parsers.document import ReportText, Token, is_appendix_heading
from parsers.figures import Figure, FigureReader, in_english_group, read_quantity
from parsers.folding import ocr_skeleton
from parsers.governors import KnownNames, unknown_governor, unknown_name_in_row
from parsers.matcher import _compiled_rules, _Hit, _Matcher
from parsers.metadata import national_issuer, one_unit_issuer, parse_metadata
from parsers.places import provinces_named
from parsers.rules import RuleSet, load_rules
from parsers.tables import TableRowHit, find_table_values
from parsers.vocabulary import Vocabulary, fold_phrase, load_vocabulary
from schemas.extraction import KpiMatch
from schemas.kpi_codes import KPI_CODES
from schemas.models import Level, Qualifier

_EVIDENCE_MAX = 160
_EVIDENCE_CONTEXT = 40
_ALNUM_RE = re.compile(r"[a-z0-9]+")


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
    def __init__(
        self,
        pages: list[str],
        rules: RuleSet,
        vocabulary: Vocabulary | None = None,
        province: str | None = None,
    ) -> None:
        self.rules = rules
        self.compiled = _compiled_rules(rules)
        self.report = ReportText(pages)
        self.matcher = _Matcher(self.report, rules.settings.phrase_boundaries, self.compiled.vocabulary)
        self.appendix_start = self._find_appendix()
        self.figure_reader = FigureReader(
            self.report, vocabulary or load_vocabulary(), province, self.appendix_start
        )
        self._regions: dict[tuple[int, int], str] = {}
        self._share_tokens: list[int] | None = None
        self.province = province
        vocabulary_used = self.figure_reader.vocabulary
        self.known_names = KnownNames.of(vocabulary_used.known_names, vocabulary_used.known_words)

    def _find_appendix(self) -> int:
        """Folded offset where the appendix begins (its heading line), or the end of the text."""
        report = self.report
        settings = self.rules.settings
        folded, origin = report.folded.text, report.folded.origin
        offset = 0
        for line in report.original.split("\n"):
            # "(Kèm theo Báo cáo số ...)" under an appendix title also opens it when OCR lost the heading.
            # Folding is character by character, so fold_str(line[:60]) is this slice of the folded text.
            head_end = offset + min(len(line), 60)
            head = folded[bisect.bisect_left(origin, offset) : bisect.bisect_left(origin, head_end)]
            opening = " ".join(_ALNUM_RE.findall(head))
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
        report = self.report
        start = report.paragraph_start(hit.first_token)
        # An item that is only a figure ("- Số tài khoản: 6.982") takes its anchor from the lead-in line.
        if start > 1 and report.tokens[start - 1].key == "\n":
            lead_in_start = report.paragraph_start(start - 1)
            lead_in = report.tokens[lead_in_start : start - 1]
            if lead_in and lead_in[-1].key == ":":
                start = lead_in_start
        region = self._region(start, hit.last_token)
        return any(fuzz.partial_ratio(_skeleton_phrase(anchor), region) >= 90 for anchor in hit.rule.section)

    def _region(self, start: int, end: int) -> str:
        """Skeleton words of tokens[start:end], after those of the heading above (for _section_ok)."""
        region = self._regions.get((start, end))
        if region is None:
            matcher = self.matcher
            words = matcher.words(start, end)
            # The heading above names the subject when the item itself does not ("1. Dịch vụ công ...").
            heading = self.report.heading_before(start)
            if heading is not None:
                words = f"{matcher.words(*heading)} {words}"
            region = self._regions[(start, end)] = " ".join(ocr_skeleton(word) for word in words.split())
        return region

    def _context_ok(self, hit: _Hit) -> bool:
        matcher, report, settings = self.matcher, self.report, self.rules.settings
        for phrase in hit.rule.not_followed_by:
            if matcher.phrase_at(hit.last_token, phrase):
                return False
        for phrase in hit.rule.not_preceded_by:
            if matcher.phrase_before(hit.first_token, phrase):
                return False
        clause_start = report.clause_start(hit.first_token)
        clause = max(clause_start, hit.first_token - settings.exclude_window)
        # "Cùng kỳ năm 2022, tỉnh tiếp nhận 30.405 hồ sơ ... và cấp mới 512 chứng thư số": a comparison or
        # plan said before the clause's first number frames all its figures, however far.
        tokens = report.tokens
        first_number = next(
            (
                i
                for i in range(clause_start, hit.value_token)
                if tokens[i].kind == "num" and tokens[i].value_ok
            ),
            hit.value_token,
        )
        # Exact words there: far from the number, fuzzy ones see "phấn đấu" in "phần mềm".
        head = tuple(t.key for t in tokens[clause_start:first_number] if t.kind in ("word", "num"))
        for phrase in settings.exclude_before:
            if matcher.phrase_within(clause, hit.value_token, phrase):
                return False
            folded = fold_phrase(phrase)
            if any(head[i : i + len(folded)] == folded for i in range(len(head))):
                return False
        return not self._department_figure(hit.first_token, hit.value_token)

    def _department_figure(self, first_token: int, value_token: int, sentence_only: bool = False) -> bool:
        """The department's own figure ("Riêng Sở ...", "37/37 TTHC"), not the province's.

        For rules the marker counts in the whole item; the figure reader, which reads news and portal
        paragraphs mixing the department and the province, looks only at the figure's sentence.
        """
        matcher, report, settings = self.matcher, self.report, self.rules.settings
        paragraph = report.paragraph_start(first_token)
        if sentence_only:
            paragraph = max(paragraph, self.figure_reader.sentence(value_token)[0])
        for phrase in settings.department_markers:
            if matcher.phrase_within(paragraph, value_token, phrase):
                return True
        # "37/37 TTHC": a department's own share of procedures, never a province-wide figure.
        shares = self._department_shares()
        position = bisect.bisect_left(shares, paragraph)
        return position < len(shares) and shares[position] < value_token

    def _department_shares(self) -> list[int]:
        """Sorted indices of "37/37"-like tokens followed by "TTHC" (or "thủ tục")."""
        if self._share_tokens is None:
            tokens = self.report.tokens
            self._share_tokens = [
                i
                for i in range(len(tokens) - 1)
                if tokens[i].kind == "compound" and tokens[i + 1].key in ("tthc", "thu")
            ]
        return self._share_tokens

    def candidates(self) -> list[_Hit]:
        hits: list[_Hit] = []
        min_score = self.rules.settings.min_score
        for rule, patterns in self.compiled.patterns:
            for pattern in patterns:
                for hit in self.matcher.match_pattern(rule, pattern):
                    if hit.score < min_score or self.in_appendix(hit.value_token) or self._foreign(hit):
                        continue
                    value = _value_fits(hit, self.report.tokens[hit.value_token])
                    if value is None or not self._section_ok(hit) or not self._context_ok(hit):
                        continue
                    hits.append(_with_value(hit, value))
        for row in find_table_values(self.report, self.rules, self.appendix_start):
            hits.extend(hit for hit in self._table_hit(row) if not self._foreign(hit))
        return hits

    def _foreign(self, hit: _Hit) -> bool:
        """Another province's, the country's or a ministry's figure: never this report's value.

        Nor a piece of a "2,418,306" (a dashboard's English grouping), which the rules cannot read.
        """
        if in_english_group(self.report.tokens, hit.value_token):
            return True
        return self.figure_reader.is_foreign(hit.value_token)

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
        # One value per KPI and level: the first in the body.
        by_kpi: dict[tuple[str, Level | None, bool], _Hit] = {}
        for hit in sorted(by_number.values(), key=lambda h: (h.value_token, -h.specificity)):
            reader = self.figure_reader
            key = (hit.rule.kpi, reader.level_of(hit.value_token), reader.running_total(hit.value_token))
            by_kpi.setdefault(key, hit)
        return sorted(by_kpi.values(), key=lambda h: h.value_token)

    def values(self) -> list[KpiMatch]:
        """The rules' values, then the figure reader's for the numbers and KPIs the rules left open."""
        reader = self.figure_reader
        figures = reader.figures()
        by_number = {figure.value_token: figure for figure in figures}
        matches: list[KpiMatch] = []
        taken_numbers: set[int] = set()
        for hit in self.resolve(self.candidates()):
            figure = by_number.get(hit.value_token)
            if figure is not None and (
                reader.more_specific(figure, hit.rule.kpi)
                # The reader saw the stock its context says ("Tính đến ...; trong đó đã thu hồi 743"),
                # where the rule gives the code's usual scope rather than one of its own.
                or (
                    figure.kpi == hit.rule.kpi
                    and figure.scope != hit.rule.scope
                    and hit.rule.scope == KPI_CODES[hit.rule.kpi].scope
                )
            ):
                continue  # the reader's reading of this number wins below
            if (
                not self._policy_ok(hit.rule.kpi, hit.value_token)
                or reader.contradicts(hit.value_token, hit.rule.kpi)
                or reader.said_after_rules_out(hit.value_token, hit.rule.kpi)
                or reader.own_words_rule_out(hit.first_token, hit.value_token, hit.rule.kpi)
                # A table's columns say plan or result themselves (settings.table_excluded_headers).
                or (not hit.source.startswith("table") and reader.sentence_framed_as_plan(hit.value_token))
            ):
                continue
            matches.append(self.rule_match(hit))
            taken_numbers.add(hit.value_token)
        taken_kpis = {(m.kpi, m.level, m.scope) for m in matches}
        # An exact figure wins over a rounded one of the same code ("Hơn 62% hồ sơ ..." in a headline,
        # "chiếm 62,1%" in the body); otherwise the first in the body.
        for figure in sorted(figures, key=lambda f: f.qualifier != Qualifier.EXACT):
            if not self._policy_ok(figure.kpi, figure.value_token):
                continue
            key = (
                figure.kpi,
                figure.level.value if figure.level else None,
                self._scope(figure.scope, figure.value_token),
            )
            if figure.value_token in taken_numbers or key in taken_kpis:
                continue
            # Plans and comparisons the reader knows itself (figure_vocabulary.yaml: not_ours).
            if self._department_figure(figure.first_token, figure.value_token, sentence_only=True):
                continue
            taken_numbers.add(figure.value_token)
            taken_kpis.add(key)
            matches.append(self.figure_match(figure))
        return sorted(matches, key=lambda m: (m.page, m.start))

    def _policy_ok(self, kpi: str, value_token: int) -> bool:
        """Readings that depend on the figures around: inclusive totals, on-time printed apart."""
        reader = self.figure_reader
        if (
            reader.is_no_result(value_token, kpi)
            or reader.body_as_subject(value_token)
            or self.governed_by_unknown_name(value_token)
            or reader.governed_by_other_count(value_token)
            or reader.level_from_an_earlier_sentence(value_token)
            or reader.part_of_a_one_level_figure(value_token)
            or reader.level_and_whole_before(value_token)
            or reader.in_a_question(value_token)
            or reader.of_other_units(value_token)
            or reader.single_level_code_beside_both_levels(value_token, kpi)
            or reader.whole_before_and_level_after(value_token)
            or reader.two_actions_joined(value_token, kpi)
            or reader.of_an_earlier_year(value_token)
            or reader.label_counts_other(value_token, kpi)
        ):
            return False
        if kpi == "dossier.received" and reader.is_inclusive_total(value_token):
            return False
        return not (kpi.startswith("dossier.resolved_ontime") and reader.is_split_ontime(value_token))

    def _scope(self, scope: str, value_token: int) -> str:
        """A period code said as a running total ("lũy kế 9 tháng", "lũy kế từ đầu năm") counts to date."""
        if scope == "period" and self.figure_reader.running_total(value_token):
            return "cumulative"
        return scope

    def governed_by_unknown_name(self, value_token: int) -> bool:
        """A name no list knows is said in the figure's sentence (parsers/governors.py): unsure, left out."""
        report = self.report
        token = report.tokens[value_token]
        page, start, end = report.to_page(token.start, token.end)
        cell = self.figure_reader.cell_at(value_token)
        if cell is not None:
            row = report.original_span(report.tokens[cell.row[0]].start, token.start)
            return unknown_name_in_row(row, self.province, self.known_names) is not None
        return unknown_governor(report.pages[page], start, end, self.province, self.known_names) is not None

    def rule_match(self, hit: _Hit) -> KpiMatch:
        quantity = read_quantity(
            self.report.tokens,
            hit.value_token,
            self.figure_reader.vocabulary,
            english_locale=self.figure_reader.english_locale,
        )
        qualifier = quantity.qualifier if quantity is not None else Qualifier.EXACT
        return self._match(
            hit.rule.kpi, hit.value, hit.rule.unit, hit.rule.scope, (hit.first_token, hit.last_token),
            hit.value_token, hit.score, hit.rule.id, qualifier, self.figure_reader.level_of(hit.value_token),
        )  # fmt: skip

    def figure_match(self, figure: Figure) -> KpiMatch:
        scope = figure.scope
        # "được cấp" (issued to date) with a year named before it was issued in that year.
        if "action=issued_to_date" in figure.reason and self.figure_reader.period_named_before(
            figure.value_token
        ):
            scope = "period"
        return self._match(
            figure.kpi, figure.value, figure.unit, scope, (figure.first_token, figure.last_token),
            figure.value_token, figure.score, figure.reason, figure.qualifier, figure.level,
        )  # fmt: skip

    def _match(
        self, kpi: str, value: float, unit: str, scope: str, span: tuple[int, int], value_token: int,
        score: float, rule: str, qualifier: Qualifier, level: Level | None,
    ) -> KpiMatch:  # fmt: skip
        report = self.report
        token = report.tokens[value_token]
        page, start, end = report.to_page(token.start, token.end)
        scope = self._scope(scope, value_token)
        return KpiMatch(
            kpi=kpi,
            value=value,
            unit=unit,
            scope=scope,
            page=page + 1,
            start=start,
            end=end,
            evidence=self._evidence(span, value_token, page),
            score=min(1.0, score),
            rule=rule,
            qualifier=qualifier,
            level=level,
        )

    def _evidence(self, span: tuple[int, int], value_token: int, page: int) -> str:
        """The original words around tokens span[0]..span[1], within its page, at most ~160 characters."""
        report = self.report
        tokens = report.tokens
        first, last, value = tokens[span[0]], tokens[span[1] - 1], tokens[value_token]
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


def extract_kpis(
    pages: list[str],
    rules: RuleSet | None = None,
    province: str | None = None,
    vocabulary: Vocabulary | None = None,
) -> list[KpiMatch]:
    """KPI values stated in a report; pages[0] is page 1. `rules` defaults to parsers/kpi_rules.yaml,
    `vocabulary` to parsers/figure_vocabulary.yaml; `province` is the report's own (default: the one its
    header names, else the only province a header-less text names), so that figures of other provinces
    are left out."""
    if not any(page.strip() for page in pages):
        return []
    if one_unit_issuer(pages) is not None or national_issuer(pages):
        return []  # a district's, a commune's or a ministry's own report: no figure of it is the province's
    if province is None:
        province = parse_metadata(pages).province
    if province is None:
        # A news item of its own province's paper ("Tỉnh Sơn La ... đang hoạt động là 6.632") names it
        # and no other; naming several, it compares them, and none is the text's own.
        named = provinces_named("\n".join(pages))
        province = named.pop() if len(named) == 1 else None
    extractor = _Extractor(pages, rules or load_rules(), vocabulary or load_vocabulary(), province)
    return extractor.values()
