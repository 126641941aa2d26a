"""The fast paths of the parsers agree with the plain definitions they replace.

parsers.kpis compiles patterns into closures, indexes where words occur and screens word pairs in bulk;
parsers.folding, parsers.document and parsers.dates take shortcuts on composed text, page furniture and
date scanning. Each test here computes the same thing the straightforward way (the recursive pattern
walk is kept below as the reference) and requires identical results, scores to the last digit.
"""

from __future__ import annotations

import json
import random
import re
from functools import cache
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from parsers import dates
from parsers.document import ReportText
from parsers.folding import fold, fold_str
from parsers.kpis import _Extractor
from parsers.matcher import _NOISE_PUNCT, _STRONG_PUNCT, SkipMode, _Matcher, _Vocabulary, word_similarity
from parsers.rules import Element, KpiRule, Pattern, load_rules
from vietnamese.folding import fold_char, strip_char

REPO = Path(__file__).resolve().parent.parent


# --- the reference walk ---------------------------------------------------------------------------


def _skip(m: _Matcher, index: int, skip: SkipMode) -> int:
    tokens = m.tokens
    if skip == "none":
        return index
    while index < len(tokens) and tokens[index].kind == "punct":
        key = tokens[index].key
        if (skip == "light" and key in _STRONG_PUNCT) or (skip == "noise" and key not in _NOISE_PUNCT):
            break
        index += 1
    return index


def _run(
    m: _Matcher,
    elements: tuple[Element, ...],
    index: int,
    skip: SkipMode,
    sims: tuple[float, ...],
    value_token: int | None,
    gaps: int,
) -> tuple[int, tuple[float, ...], int | None, int] | None:
    """Depth-first match of `elements` from token `index`; the first (laziest) success."""
    if not elements:
        return index, sims, value_token, gaps
    element, rest = elements[0], elements[1:]
    tokens = m.tokens
    if element.loose:
        skip = "all"
    if element.kind == "choice":
        for branch in element.choices:
            result = _run(m, branch + rest, index, skip, sims, value_token, gaps)
            if result is not None:
                return result
        return None
    if element.kind == "gap":
        position = index
        for used in range(element.max_words + 1):
            result = _run(m, rest, position, "all", sims, value_token, gaps + used)
            if result is not None:
                return result
            position = m.report.skip_soft(position)
            if position >= len(tokens) or tokens[position].kind == "hard":
                return None
            position += 1
        return None
    if element.kind == "end":
        closed = index >= len(tokens) or tokens[index].kind in ("punct", "hard")
        closed = closed or any(m.phrase_at(index, phrase) for phrase in m.boundaries)
        return _run(m, rest, index, skip, sims, value_token, gaps) if closed else None
    position = _skip(m, index, skip)
    if position >= len(tokens):
        return None
    token = tokens[position]
    if element.kind == "word":
        if token.kind not in ("word", "num"):
            return None
        similarity = m.similarity_at(element.word, position)
        if similarity <= 0:
            return None
        return _run(m, rest, position + 1, "light", (*sims, similarity), value_token, gaps)
    if element.kind == "value":
        if token.kind != "num" or not token.value_ok:
            return None
        following = position + 1
        has_percent = following < len(tokens) and tokens[following].key == "%"
        if element.value_unit == "count":
            if has_percent:
                return None
            return _run(m, rest, following, "noise", sims, position, gaps)
        if not has_percent:
            return None
        return _run(m, rest, following + 1, "light", sims, position, gaps)
    if element.kind == "number":
        if token.kind not in ("num", "compound"):
            return None
        following = position + 1
        if following < len(tokens) and tokens[following].key == "%":
            following += 1
        return _run(m, rest, following, "light", sims, value_token, gaps)
    if element.kind == "period":
        for end in m.period_ends(position):
            result = _run(m, rest, end, "light", sims, value_token, gaps)
            if result is not None:
                return result
        return None
    raise AssertionError(element.kind)


def _start_positions(m: _Matcher, elements: tuple[Element, ...]) -> set[int]:
    if not elements:
        return set()
    element, rest = elements[0], elements[1:]
    if element.kind == "choice":
        found: set[int] = set()
        for branch in element.choices:
            found |= _start_positions(m, branch) if branch else _start_positions(m, rest)
        return found
    if element.kind == "word":
        return {
            i
            for indices in m.report.unique_keys.values()
            for i in indices
            if m.similarity_at(element.word, i) > 0
        }
    if element.kind in ("value", "number"):
        return {i for i, t in enumerate(m.tokens) if t.kind in ("num", "compound")}
    if element.kind == "period":
        return {i for i, t in enumerate(m.tokens) if t.kind in ("word", "num")}
    return set()


def _reference_hits(m: _Matcher, pattern: Pattern) -> list[tuple[int, int, int, float, float]]:
    hits = []
    for start in sorted(_start_positions(m, pattern.elements)):
        result = _run(m, pattern.elements, start, "none", (), None, 0)
        if result is None or result[2] is None:
            continue
        end, sims, value_token, gaps = result
        value = m.tokens[value_token].value
        if value is None:
            continue
        similarity = sum(sims) / len(sims) if sims else 1.0
        score = round(max(0.0, similarity * (1 - 0.005 * gaps)), 3)
        hits.append((start, end, value_token, score, float(value)))
    return hits


# --- texts ----------------------------------------------------------------------------------------


@cache
def _sample_pages() -> list[list[str]]:
    documents: list[list[str]] = []
    for path in sorted((REPO / "samples").glob("*.truth.json")):
        truth = json.loads(path.read_text(encoding="utf-8"))
        pages = [p["text"] if isinstance(p, dict) else p for p in truth.get("pages") or []]
        documents += [[page] for page in pages if page.strip()]
    for path in sorted((REPO / "tests" / "data" / "parsers").glob("*.txt")):
        documents.append(path.read_text(encoding="utf-8").split("\f"))
    return documents


@cache
def _pattern_sources() -> list[str]:
    return [p.source for rule in load_rules().rules for p in rule.patterns]


def _pattern_vocabulary() -> list[str]:
    return sorted({w for source in _pattern_sources() for w in re.findall(r"[^\W_]+", source)})


_GLUE = [",", ".", ":", ";", "-", "(", ")", "%", "/", "|", "\n", "\n- ", "\n\n", " và ", "trong đó", "tháng"]
_NUMBERS = ["3", "4", "12", "1.234", "56.789", "7,8", "98,5%", "37/37", "2021", "6", "9", "0"]
_PLACEHOLDERS = {
    "n": ["1.234", "56", "7", "13,332", "2021", "12/3", "45 %"],
    "pct": ["98,5%", "100%", "7 %", "12"],
    "num": ["78", "9.645", "3/4"],
    "period": ["năm 2022", "quý I/2021", "tháng", "6 tháng đầu năm", "kỳ báo cáo", "9"],
    "end": [".", ",", " và", "", " hồ sơ", ";"],
}


def _corrupt(text: str, rng: random.Random) -> str:
    """Lost marks, eng-OCR letters, stray spaces and punctuation, here and there."""
    out: list[str] = []
    for char in text:
        roll = rng.random()
        if roll < 0.15:
            char = strip_char(char)
        elif roll < 0.2:
            char = {"ư": "w", "ơ": "o", "ô": "6", "o": "0", "ứ": "if"}.get(char, char)
        out.append(char)
        if roll > 0.99:
            out.append(rng.choice([" ", ":", ",", "\n", "-"]))
    return "".join(out)


def _instance(source: str, rng: random.Random) -> str:
    """Text that a pattern describes, one choice per [...] and a filler per placeholder."""
    while "[" in source:
        source = re.sub(r"\[([^\[\]]*)\]", lambda m: rng.choice(m[1].split("|")), source, count=1)

    def placeholder(match: re.Match[str]) -> str:
        if match[1] == "gap":
            return " ".join(
                rng.choices(_pattern_vocabulary() + _NUMBERS, k=rng.randrange(int(match[2] or 3) + 2))
            )
        return rng.choice(_PLACEHOLDERS[match[1]])

    return re.sub(r"\{(\w+)(?::(\d+))?\}", placeholder, source)


def _document(rng: random.Random) -> list[str]:
    pieces: list[str] = []
    for _ in range(rng.randrange(1, 12)):
        roll = rng.random()
        if roll < 0.5:
            pieces.append(_instance(rng.choice(_pattern_sources()), rng))
        elif roll < 0.8:
            pieces.append(rng.choice(_pattern_vocabulary() + _NUMBERS))
        else:
            pieces.append(rng.choice(_GLUE))
    text = _corrupt(" ".join(pieces), rng)
    cut = rng.randrange(len(text) + 1)
    return [text[:cut], text[cut:]] if rng.random() < 0.3 else [text]


_PAGES = st.randoms(use_true_random=False).map(_document)


def _compiled_vs_reference(pages: list[str]) -> None:
    rules = load_rules()
    extractor = _Extractor(pages, rules)
    matcher = extractor.matcher
    for rule, compiled in extractor.compiled.patterns:
        for pattern in compiled:
            got = [
                (h.first_token, h.last_token, h.value_token, h.score, h.value)
                for h in matcher.match_pattern(rule, pattern)
            ]
            assert got == _reference_hits(matcher, pattern.pattern), pattern.pattern.source
            # Narrower than the reference where a value opens the pattern; never wider.
            starts = set(matcher._starts_for(pattern.starts))
            assert starts <= _start_positions(matcher, pattern.pattern.elements)


# --- the tests ------------------------------------------------------------------------------------


def test_compiled_patterns_agree_with_the_recursive_walk_on_the_samples() -> None:
    documents = _sample_pages()
    if not documents:
        pytest.skip("no sample texts")
    for pages in documents:
        _compiled_vs_reference(pages)


@settings(max_examples=150, deadline=None)
@given(_PAGES)
@example(["", "cap mới 56 tai khoan ap dung cho 1.234 co quan"])  # "mới" is a real word, never "với"
def test_compiled_patterns_agree_with_the_recursive_walk(pages: list[str]) -> None:
    _compiled_vs_reference(pages)


def test_a_pattern_outside_the_rule_set_still_matches() -> None:
    # match_pattern compiles a bare Pattern on the fly; its words are not in the document's index.
    from parsers.rules import compile_pattern

    pattern = compile_pattern("đã xử lý {n} [việc|hồ sơ]", "count")
    rule = KpiRule("x", "doc.issued", "count", "period", (pattern,))
    extractor = _Extractor(["Trong kỳ đã xử lý 1.234 việc, đã xử lý: 56 hồ sơ."], load_rules())
    hits = extractor.matcher.match_pattern(rule, pattern)
    assert [(h.value, h.score) for h in hits] == [(1234.0, 1.0), (56.0, 1.0)]
    assert [(h.first_token, h.value_token, h.score) for h in hits] == [
        (s, v, score) for s, _, v, score, _ in _reference_hits(extractor.matcher, pattern)
    ]


_KEYS = st.one_of(
    st.text(alphabet="abcdeghiklmnopqrstuvwxy0123456789/.|", min_size=1, max_size=9),
    st.sampled_from(_pattern_vocabulary()).map(lambda w: fold_str(w).replace("o", "0")),
    st.sampled_from(_pattern_vocabulary()).map(lambda w: fold_str(w)[:-1] + "i"),
    st.sampled_from(_pattern_vocabulary()).map(lambda w: fold_str(w).replace("u", "it")),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(_KEYS, max_size=40))
def test_vocabulary_screening_keeps_every_similar_pair(keys: list[str]) -> None:
    words = frozenset(re.findall(r"[a-z0-9]+", fold_str(" ".join(_pattern_vocabulary()))))
    vocabulary = _Vocabulary(words)
    matches = vocabulary.matches(keys)
    for key in keys:
        expected = sorted((w, word_similarity(w, key)) for w in words if word_similarity(w, key) > 0)
        assert sorted(matches[key]) == expected


def test_phrase_filters_agree_with_a_scan() -> None:
    settings_ = load_rules().settings
    phrases = (*settings_.exclude_before, *settings_.department_markers, *settings_.phrase_boundaries)
    for pages in _sample_pages():
        extractor = _Extractor(pages, load_rules())
        matcher, tokens = extractor.matcher, extractor.report.tokens
        for phrase in phrases:
            at = [i for i in range(len(tokens)) if tokens[i].kind != "punct" and matcher.phrase_at(i, phrase)]
            assert matcher.phrase_starts(phrase) == at
        for index in range(len(tokens)):
            expected = index
            while expected > 0 and tokens[expected - 1].kind != "hard":
                expected -= 1
            assert extractor.report.clause_start(index) == expected


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_fold_agrees_with_folding_each_character(text: str) -> None:
    folded = fold(text)
    pieces = [fold_char(c) for c in text]
    assert folded.text == "".join(pieces)
    assert list(folded.origin) == [i for i, piece in enumerate(pieces) for _ in piece]


_DATE_PARTS = st.sampled_from(
    ["ngày", "ngay", "ngiy", "ng", " ", "  ", "\n", "\t", "\u00a0", ",", ".", ":", "Trà Vinh", "TP. Cần Thơ",
     "x" * 40, "14", "02", "31", "2023", "tháng", "năm", "nim", "/", "-", " " * 70, "ngày 5 tháng 6 năm 2021"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_DATE_PARTS, max_size=30).map("".join))
def test_issue_date_scan_starts_late_enough(text: str) -> None:
    folded = fold(text).text
    full = [m.span() for m in dates._ISSUE_DATE_RE.finditer(folded)]
    scan_from = dates._earliest_issue_date(folded)
    if scan_from is None:
        assert full == []
    else:
        assert [m.span() for m in dates._ISSUE_DATE_RE.finditer(folded, scan_from)] == full


def test_page_numbers_are_left_out_of_the_tokens() -> None:
    pages = ["Trang 1\nTổng số văn bản đi 120\n- 2 -", "3\ncủa năm, gồm 5 văn bản.\n4"]
    report = ReportText(pages)
    spans = [report.folded.to_original(t.start, t.end) for t in report.tokens]
    furniture = report._furniture
    assert furniture
    assert not any(start <= s < end for s, _ in spans for start, end in furniture)
    assert [t.key for t in report.tokens if t.kind in ("word", "num")] == [
        "tong", "so", "van", "ban", "di", "120", "cua", "nam", "gom", "5", "van", "ban",
    ]  # fmt: skip
