"""The KPI wording corpus (tests/data/wordings/) keeps its fixed format, in both parts that are present.

This checks the corpus, never the reader: every entry has the agreed fields, every KPI code exists, units
and scopes are possible, ids are unique and every annotated figure is actually printed in its text (a
typo in a value would otherwise score a correct reader as wrong).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from schemas import KPI_CODES, Level, PeriodType, Qualifier, Scope

CORPUS_DIR = Path(__file__).resolve().parent / "data" / "wordings"
TAXONOMY = Path(__file__).resolve().parent.parent / "schemas" / "kpi-taxonomy.md"
PART_ID_PREFIX = {"test": "te", "train": "tr", "dev": "dv", "dev2": "d2", "dev3": "d3", "dev4": "d4"}
PARTS = [part for part in PART_ID_PREFIX if (CORPUS_DIR / part / "snippets.yaml").is_file()]

SOURCES = {"report", "news", "portal", "table", "ministry"}
KINDS = {
    "trong_do_list",
    "scaled_number",
    "approx",
    "noun_variant",
    "verb_order",
    "stock_flow",
    "table",
    "whose",
    "new_code",
    "ocr_noise",
    "date_period",
}
SNIPPET_KEYS = {"id", "province", "source", "kinds", "text", "expect"}
SNIPPET_OPTIONAL_KEYS = {"allow"}
FIGURE_KEYS = {"kpi", "value"}
FIGURE_OPTIONAL_KEYS = {"scope", "qualifier", "level"}
METADATA_KEYS = {
    "issuer",
    "province",
    "report_number",
    "issue_date",
    "period_type",
    "period_start",
    "period_end",
    "signer",
}
TRUTH_KEYS = {"province", "source", "kinds", "metadata", "kpis", "allow"}

# A printed number: Vietnamese thousands dots and decimal comma ("12.450", "80,6"), or bare digits as
# portals print them ("41208"); an optional scale word after it, with or without diacritics.
NUMBER = re.compile(
    r"(?<![\d.,])(\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?)(?![\d])"
    r"(?:\s*(ngàn|nghìn|ngan|nghin|triệu|trieu))?",
    re.IGNORECASE,
)
# Dashboards in an English locale print "2,418,306" and "78.65%": read as such too (a dot before exactly
# three digits stays a Vietnamese thousands dot).
ENGLISH_NUMBER = re.compile(r"(?<![\d.,])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.(?!\d{3}(?!\d))\d+)(?![\d])")
SCALE = {"ngàn": 1_000, "nghìn": 1_000, "ngan": 1_000, "nghin": 1_000, "triệu": 1_000_000, "trieu": 1_000_000}


def _codes_new_in_1_1() -> set[str]:
    """The codes the taxonomy marks "— 1.1" in their row: what the `new_code` kind is about."""
    rows = re.finditer(
        r"^\| ([a-z0-9_.]+) \|.*— 1\.1 \|$", TAXONOMY.read_text(encoding="utf-8"), re.MULTILINE
    )
    return {row.group(1) for row in rows}


def _printed_values(text: str) -> set[float]:
    """Every value a number in `text` can mean: as printed, and times its scale word when it has one."""
    values: set[float] = set()
    for match in NUMBER.finditer(text):
        number = float(match.group(1).replace(".", "").replace(",", "."))
        values.add(round(number, 4))
        if match.group(2):
            values.add(round(number * SCALE[match.group(2).lower()], 4))
    values.update(round(float(m.group(1).replace(",", "")), 4) for m in ENGLISH_NUMBER.finditer(text))
    return values


def _load(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _snippets(part: str) -> list[dict[str, Any]]:
    data = _load(CORPUS_DIR / part / "snippets.yaml")
    assert isinstance(data, list), f"{part}/snippets.yaml must be a YAML list"
    return data


def _truth_paths(part: str) -> list[Path]:
    return sorted((CORPUS_DIR / part / "texts").glob("*.truth.yaml"))


def _figure_problems(figure: Any, text: str, where: str) -> list[str]:
    """What is wrong with one `expect` / `allow` / `kpis` entry (empty when it is well formed)."""
    if not isinstance(figure, dict):
        return [f"{where}: an entry must be a mapping, got {figure!r}"]
    problems: list[str] = []
    keys = set(figure)
    if missing := FIGURE_KEYS - keys:
        problems.append(f"{where}: missing {sorted(missing)}")
    if unknown := keys - FIGURE_KEYS - FIGURE_OPTIONAL_KEYS - {"page"}:
        problems.append(f"{where}: unknown fields {sorted(unknown)}")
    code = figure.get("kpi")
    if code not in KPI_CODES:
        return [*problems, f"{where}: unknown KPI code {code!r} (see schemas/kpi-taxonomy.md)"]
    value = figure.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return [*problems, f"{where}: {code} value must be a non-negative number, got {value!r}"]
    unit = KPI_CODES[code].unit
    if unit == "percent" and value > 100:
        problems.append(f"{where}: {code} is a percentage but its value is {value}")
    if unit == "count" and value != int(value):
        problems.append(f"{where}: {code} is a count but its value is {value}")
    if figure.get("scope", KPI_CODES[code].scope) not in set(Scope):
        problems.append(f"{where}: {code} scope {figure.get('scope')!r} is not one of {sorted(Scope)}")
    if figure.get("qualifier", "exact") not in set(Qualifier):
        problems.append(f"{where}: {code} qualifier {figure.get('qualifier')!r} not in {sorted(Qualifier)}")
    if figure.get("level") is not None and figure["level"] not in set(Level):
        problems.append(f"{where}: {code} level {figure['level']!r} is not null or one of {sorted(Level)}")
    if round(float(value), 4) not in _printed_values(text):
        problems.append(f"{where}: {code} = {value} is not printed in the text (typo in value or text?)")
    return problems


def _duplicate_keys(figures: list[dict[str, Any]], where: str) -> list[str]:
    """Two expected values for one (kpi, scope, level) contradict each other: a perfect reader reports one.
    `allow` may hold a second reading of the same figure (a headline that rounds the body's value)."""
    keys = Counter(
        (f["kpi"], f.get("scope", KPI_CODES[f["kpi"]].scope), f.get("level"))
        for f in figures
        if isinstance(f, dict) and f.get("kpi") in KPI_CODES
    )
    return [f"{where}: two figures for {key}" for key, count in keys.items() if count > 1]


@pytest.mark.parametrize("part", PARTS)
def test_snippets_have_the_agreed_fields_and_consistent_figures(part: str) -> None:
    problems: list[str] = []
    ids: Counter[str] = Counter()
    id_pattern = re.compile(rf"^{PART_ID_PREFIX[part]}-\d{{3}}$")
    new_codes = _codes_new_in_1_1()
    for position, snippet in enumerate(_snippets(part)):
        where = f"{part}/snippets.yaml #{position + 1}"
        if not isinstance(snippet, dict):
            problems.append(f"{where}: must be a mapping")
            continue
        where += f" ({snippet.get('id')})"
        keys = set(snippet)
        if missing := SNIPPET_KEYS - keys:
            problems.append(f"{where}: missing {sorted(missing)}")
        if unknown := keys - SNIPPET_KEYS - SNIPPET_OPTIONAL_KEYS:
            problems.append(f"{where}: unknown fields {sorted(unknown)}")
        ids[str(snippet.get("id"))] += 1
        if not id_pattern.match(str(snippet.get("id"))):
            problems.append(f"{where}: id must look like {PART_ID_PREFIX[part]}-001")
        if not isinstance(snippet.get("province"), str) or not snippet["province"].strip():
            problems.append(f"{where}: province must be a name")
        if snippet.get("source") not in SOURCES:
            problems.append(f"{where}: source {snippet.get('source')!r} not in {sorted(SOURCES)}")
        kinds = snippet.get("kinds")
        if not isinstance(kinds, list) or not kinds or not set(kinds) <= KINDS:
            problems.append(f"{where}: kinds {kinds!r} must be a non-empty list drawn from {sorted(KINDS)}")
        text = snippet.get("text")
        if not isinstance(text, str) or not text.strip():
            problems.append(f"{where}: text must be non-empty")
            continue
        figures: list[Any] = []
        for field in ("expect", "allow"):
            entries = snippet.get(field, [])
            if not isinstance(entries, list):
                problems.append(f"{where}: {field} must be a list")
                continue
            for entry in entries:
                problems += _figure_problems(entry, text, f"{where} {field}")
                if isinstance(entry, dict) and "page" in entry:
                    problems.append(f"{where} {field}: snippets have no pages")
            figures += entries
        problems += _duplicate_keys(snippet.get("expect") or [], where)
        uses_new_code = any(isinstance(f, dict) and f.get("kpi") in new_codes for f in figures)
        if isinstance(kinds, list) and uses_new_code != ("new_code" in kinds):
            problems.append(f"{where}: kind new_code must be listed exactly when a 1.1 code is annotated")
    problems += [f"{part}/snippets.yaml: id {i} used {n} times" for i, n in ids.items() if n > 1]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("part", PARTS)
def test_whole_texts_come_with_truth_in_the_agreed_format(part: str) -> None:
    texts_dir = CORPUS_DIR / part / "texts"
    text_names = {p.name.removesuffix(".txt") for p in texts_dir.glob("*.txt")}
    truth_names = {p.name.removesuffix(".truth.yaml") for p in _truth_paths(part)}
    assert text_names == truth_names, f"{part}/texts: every <name>.txt needs <name>.truth.yaml and back"
    problems: list[str] = []
    for truth_path in _truth_paths(part):
        where = f"{part}/texts/{truth_path.name}"
        truth = _load(truth_path)
        pages = (
            truth_path.with_name(truth_path.name.removesuffix(".truth.yaml") + ".txt")
            .read_text(encoding="utf-8")
            .split("\f")
        )
        if set(truth) != TRUTH_KEYS:
            problems.append(f"{where}: fields must be exactly {sorted(TRUTH_KEYS)}, got {sorted(truth)}")
            continue
        if truth["source"] not in SOURCES:
            problems.append(f"{where}: source {truth['source']!r} not in {sorted(SOURCES)}")
        if not isinstance(truth["kinds"], list) or not set(truth["kinds"]) <= KINDS:
            problems.append(f"{where}: kinds {truth['kinds']!r} must be drawn from {sorted(KINDS)}")
        metadata = truth["metadata"]
        if not isinstance(metadata, dict) or set(metadata) != METADATA_KEYS:
            problems.append(f"{where}: metadata fields must be exactly {sorted(METADATA_KEYS)}")
            continue
        for field in ("issue_date", "period_start", "period_end"):
            if metadata[field] is not None and not isinstance(metadata[field], dt.date):
                problems.append(f"{where}: metadata.{field} must be a date (YYYY-MM-DD) or null")
        if metadata["period_type"] is not None and metadata["period_type"] not in set(PeriodType):
            problems.append(f"{where}: metadata.period_type {metadata['period_type']!r} is not a period type")
        if metadata["province"] != truth["province"]:
            problems.append(f"{where}: metadata.province differs from province")
        for position, figure in enumerate(truth["kpis"] or []):
            page = figure.get("page") if isinstance(figure, dict) else None
            if not isinstance(page, int) or not 1 <= page <= len(pages):
                problems.append(f"{where} kpis #{position + 1}: page {page!r} not in 1..{len(pages)}")
                continue
            problems += _figure_problems(
                figure, pages[page - 1], f"{where} kpis #{position + 1} on page {page}"
            )
        for position, figure in enumerate(truth["allow"] or []):
            problems += _figure_problems(figure, "\f".join(pages), f"{where} allow #{position + 1}")
        problems += _duplicate_keys(truth["kpis"] or [], where)
    assert not problems, "\n".join(problems)


def test_held_out_part_keeps_its_promised_spread() -> None:
    """The held-out part is only a fair test of generalisation with this breadth (issue 10)."""
    if "test" not in PARTS:
        pytest.skip("no held-out part in this checkout")
    snippets = _snippets("test")
    kinds = Counter(kind for s in snippets for kind in s["kinds"])
    provinces = Counter(s["province"] for s in snippets)
    traps = [s for s in snippets if "whose" in s["kinds"]]
    new_code = [s for s in snippets if "new_code" in s["kinds"]]
    noisy = [s for s in snippets if "ocr_noise" in s["kinds"]]
    assert len(snippets) >= 90
    assert {kind: n for kind, n in kinds.items() if n < 6} == {}, "every wording kind at least 6 times"
    assert set(KINDS) <= set(kinds)
    assert len(provinces) >= 18
    assert len(traps) >= 0.2 * len(snippets)
    assert len(new_code) >= 15 and len(noisy) >= 10
    texts = [_load(p) for p in _truth_paths("test")]
    assert len(texts) >= 4
    sources = Counter(t["source"] for t in texts)
    assert sources["report"] >= 2 and sources["news"] >= 1 and sources["portal"] >= 1


def test_new_codes_are_read_from_the_taxonomy() -> None:
    new_codes = _codes_new_in_1_1()
    assert {"dossier.carried_over", "doc.received", "dvc.partial_online_services_pct"} <= new_codes
    assert new_codes <= set(KPI_CODES) and "dossier.received" not in new_codes


def test_printed_values_read_numbers_the_vietnamese_way() -> None:
    """The check above is only as good as this number reading."""
    assert _printed_values("tiếp nhận 12.450 hồ sơ, đạt 80,6%") == {12450.0, 80.6}
    assert 12400.0 in _printed_values("khoảng 12,4 ngàn hồ sơ")
    assert 1300000.0 in _printed_values("1,3 triệu văn bản")
    assert 3800.0 in _printed_values("3,8 nghin ho so")
    assert _printed_values("Mức 3 | 41208 | 39377") == {3.0, 41208.0, 39377.0}
    assert {2418306.0, 78.65} <= _printed_values("received 2,418,306 dossiers (78.65%)")
