"""KPI values from table rows ("1 | Tổng số văn bản đi | Văn bản | 12.345"), read line by line.

A row is: an optional row number, a label, an optional unit, then the value cells. The label must be
one of a rule's `labels` (fuzzy, on the folded view) followed by at most a few unit words. Which value
cell is the result comes from the table header: in "Kế hoạch năm 2022 | Thực hiện năm 2022" the plan
comes first and must not be taken. Without a header only a numbered row with a single value counts.
Cells may be separated by "|", tabs, or nothing but spaces (OCR output): the trailing numbers are the
value cells either way.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from parsers.document import ReportText, Token
from parsers.rules import KpiRule, RuleSet

_MIN_LABEL_SCORE = 90.0
_MAX_UNIT_WORDS = 3
_MAX_CONTINUATION_WORDS = 8
_ROW_NUMBER_RE = re.compile(r"(?:\d{1,2}|[ivx]{1,4})$")
_HEADER_ANCHORS = ("chi tieu", "noi dung", "ten chi tieu")


@dataclass(frozen=True)
class TableRowHit:
    rule: KpiRule
    value: float
    label: str
    first_token: int
    last_token: int
    value_token: int
    score: float
    specificity: int


@dataclass(frozen=True)
class _Header:
    columns: int  # value columns
    result_index: int  # which of them is the result


def _line_spans(text: str, limit: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    while start < limit:
        end = text.find("\n", start)
        end = len(text) if end == -1 else end
        spans.append((start, min(end, limit)))
        start = end + 1
    return spans


def _parse_header(line: str, rules: RuleSet) -> _Header | None:
    if not any(anchor in line for anchor in _HEADER_ANCHORS):
        return None
    settings = rules.settings
    found: list[tuple[int, bool]] = []
    taken: list[tuple[int, int]] = []
    for phrases, is_result in (
        (settings.table_result_headers, True),
        (settings.table_excluded_headers, False),
    ):
        for phrase in phrases:
            for match in re.finditer(rf"\b{re.escape(phrase)}\b", line):
                if any(match.start() < end and start < match.end() for start, end in taken):
                    continue
                taken.append((match.start(), match.end()))
                found.append((match.start(), is_result))
    if not any(is_result for _, is_result in found):
        return None
    found.sort()
    result_index = max(i for i, (_, is_result) in enumerate(found) if is_result)
    return _Header(columns=len(found), result_index=result_index)


def _label_score(label: str, row_words: list[str], unit_words: set[str]) -> float:
    wanted = label.split()
    if len(row_words) < len(wanted):
        return 0.0
    leftover = row_words[len(wanted) :]
    if len(leftover) > _MAX_UNIT_WORDS or any(word not in unit_words for word in leftover):
        return 0.0
    return fuzz.ratio(" ".join(row_words[: len(wanted)]), label)


def _parse_row(
    tokens: list[Token], first: int, last: int, header: _Header | None
) -> tuple[list[int], int] | None:
    """(label token indices, result value token) of a table row in tokens[first:last], or None."""
    row = [i for i in range(first, last) if tokens[i].kind in ("word", "num", "compound")]
    if len(row) < 2:
        return None
    values: list[int] = []
    while row and tokens[row[-1]].kind in ("num", "compound") and _adjacent(tokens, row[-1], last, values):
        values.insert(0, row.pop())
    if header is not None and len(values) > header.columns:
        # Numbers ending the label ("... mức độ 4") are not value cells.
        row.extend(values[: len(values) - header.columns])
        values = values[len(values) - header.columns :]
    if not values or not row:
        return None
    numbered = tokens[row[0]].kind == "num" and _ROW_NUMBER_RE.match(tokens[row[0]].key) is not None
    label_tokens = row[1:] if numbered or _ROW_NUMBER_RE.match(tokens[row[0]].key) else row
    if header is not None and len(values) == header.columns:
        value_token = values[header.result_index]
    elif len(values) == 1 and numbered:
        value_token = values[0]
    else:
        return None
    token = tokens[value_token]
    if token.kind != "num" or token.value is None or not label_tokens:
        return None
    return label_tokens, value_token


def _continuation(tokens: list[Token], first: int, last: int) -> list[str]:
    """Words of a line that only continues the previous row's label ("độ 4" under "... mức"), or []."""
    words = [tokens[i] for i in range(first, last) if tokens[i].kind in ("word", "num")]
    if not words or len(words) > _MAX_CONTINUATION_WORDS or words[0].kind != "word":
        return []
    return [t.key for t in words]


def _best_label(
    candidates: list[list[str]], rules: list[KpiRule], unit_words: set[str]
) -> tuple[float, KpiRule, str] | None:
    best: tuple[float, KpiRule, str] | None = None
    for row_words in candidates:
        for rule in rules:
            for label in rule.labels:
                score = _label_score(label, row_words, unit_words)
                if score >= _MIN_LABEL_SCORE and (best is None or score > best[0]):
                    best = (score, rule, label)
    return best


def find_table_values(report: ReportText, rules: RuleSet, appendix_start: int) -> list[TableRowHit]:
    """Values of labelled rules found in table rows of the body (before `appendix_start`)."""
    labelled = [rule for rule in rules.rules if rule.labels]
    if not labelled:
        return []
    tokens = report.tokens
    token_starts = [t.start for t in tokens]
    unit_words = set(rules.settings.table_unit_words)
    lines = [
        (
            report.folded.text[start:end],
            bisect.bisect_left(token_starts, start),
            bisect.bisect_left(token_starts, end),
        )
        for start, end in _line_spans(report.folded.text, appendix_start)
    ]
    header: _Header | None = None
    hits: list[TableRowHit] = []
    for index, (text, first, last) in enumerate(lines):
        new_header = _parse_header(text, rules)
        if new_header is not None:
            header = new_header
            continue
        parsed = _parse_row(tokens, first, last, header)
        if parsed is None:
            continue
        label_tokens, value_token = parsed
        row_words = [tokens[i].key for i in label_tokens]
        candidates = [row_words]
        # OCR reads a wrapped label cell line by line: "2 Tỷ lệ DVC trực tuyến mức % 50 53,8" / "độ 4".
        if index + 1 < len(lines):
            _, next_first, next_last = lines[index + 1]
            if _parse_row(tokens, next_first, next_last, header) is None:
                more = _continuation(tokens, next_first, next_last)
                if more:
                    stem = list(row_words)
                    while stem and stem[-1] in unit_words:
                        stem.pop()
                    candidates.append(stem + more)
        best = _best_label(candidates, labelled, unit_words)
        if best is None:
            continue
        score, rule, label = best
        token = tokens[value_token]
        if rule.unit == "count" and _followed_by_percent(tokens, value_token):
            continue
        hits.append(
            TableRowHit(
                rule=rule,
                value=float(token.value or 0),
                label=label,
                first_token=label_tokens[0],
                last_token=value_token + 1,
                value_token=value_token,
                score=round(score / 100, 3),
                specificity=len(label.split()),
            )
        )
    return hits


def _adjacent(tokens: list[Token], index: int, line_last: int, taken: list[int]) -> bool:
    """Whether a trailing number is a value cell: only separators or other value cells after it."""
    following = taken[0] if taken else line_last
    return all(
        tokens[i].kind in ("punct", "hard") and tokens[i].key in "|%" for i in range(index + 1, following)
    )


def _followed_by_percent(tokens: list[Token], index: int) -> bool:
    return index + 1 < len(tokens) and tokens[index + 1].key == "%"
