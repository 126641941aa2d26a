"""The rules file is data: it loads, validates, and bad rules are rejected with a message that helps."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers.kpis import extract_kpis
from parsers.rules import RuleError, compile_pattern, load_rules, parse_rules
from schemas import KPI_CODES


def test_default_rules_load_and_cover_every_kpi() -> None:
    rules = load_rules()
    covered = {rule.kpi for rule in rules.rules}
    assert covered == set(KPI_CODES)
    assert len({rule.id for rule in rules.rules}) == len(rules.rules)
    for rule in rules.rules:
        assert rule.unit == KPI_CODES[rule.kpi].unit
        assert rule.patterns or rule.labels


def test_pattern_syntax() -> None:
    pattern = compile_pattern("tổng số [hộp thư|tài khoản] {gap:12} là {n}", "count")
    kinds = [element.kind for element in pattern.elements]
    assert kinds == ["word", "word", "choice", "gap", "word", "value"]
    assert pattern.literal_words == 5  # tổng, số, two words of the shorter choice, là
    assert compile_pattern("{n} [chứng thư số|] usb", "count").literal_words == 1  # an empty choice pins none
    assert compile_pattern("ký số {num} [văn bản|] (tỷ lệ {pct}", "percent").unit == "percent"
    ending = compile_pattern("ký số {n} [văn bản|{end}]", "count").elements[-1]
    assert [branch[0].kind for branch in ending.choices] == ["word", "end"]


@pytest.mark.parametrize(
    ("pattern", "unit", "message"),
    [
        ("{n} văn bản {n}", "count", "exactly one"),
        ("văn bản đi", "count", "exactly one"),
        ("tỷ lệ {pct}", "count", "is a count"),
        ("{gap:3} {n} văn bản", "count", "gap"),
        ("[văn bản {n}", "count", "without"),
        ("văn bản {x}", "count", "unknown placeholder"),
    ],
)
def test_bad_patterns_are_rejected(pattern: str, unit: str, message: str) -> None:
    with pytest.raises(RuleError, match=message):
        compile_pattern(pattern, unit)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"id": "x", "kpi": "doc.nope", "patterns": ["{n} văn bản"]}, "unknown KPI code"),
        ({"id": "x", "kpi": "doc.issued"}, "give 'patterns'"),
        ({"id": "x", "kpi": "doc.issued", "patterns": ["{n} văn bản"], "scope": "forever"}, "scope"),
        ({"id": "x", "kpi": "doc.issued", "patterns": ["{n} văn bản"], "typo": 1}, "unknown keys"),
        ({"kpi": "doc.issued", "patterns": ["{n} văn bản"]}, "no 'id'"),
    ],
)
def test_bad_rules_are_rejected(rule: dict[str, object], message: str) -> None:
    with pytest.raises(RuleError, match=message):
        parse_rules({"rules": [rule]})


def test_duplicate_ids_are_rejected() -> None:
    rule = {"id": "same", "kpi": "doc.issued", "patterns": ["{n} văn bản"]}
    with pytest.raises(RuleError, match="twice"):
        parse_rules({"rules": [rule, rule]})


def test_an_analyst_can_add_a_rule(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(
        "rules:\n"
        "  - id: agencies-connected\n"
        "    kpi: doc.system_agencies\n"
        "    section: [văn bản]\n"
        "    patterns: ['kết nối {n} cơ quan']\n",
        encoding="utf-8",
    )
    rules = load_rules(path)
    text = "- Hệ thống quản lý văn bản đã kết nối 577 cơ quan, đơn vị."
    assert [(m.kpi, m.value, m.rule) for m in extract_kpis([text], rules)] == [
        ("doc.system_agencies", 577, "agencies-connected")
    ]


def test_rule_scope_override(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(
        "rules:\n  - id: ytd\n    kpi: dossier.received\n    scope: cumulative\n"
        "    patterns: ['lũy kế tiếp nhận {n} hồ sơ']\n",
        encoding="utf-8",
    )
    (match,) = extract_kpis(["Từ đầu năm lũy kế tiếp nhận 40.000 hồ sơ."], load_rules(path))
    assert (match.value, match.scope) == (40000, "cumulative")
