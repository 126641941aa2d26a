"""Leave-one-part-out precision check: would today's checks have stopped an old reader's wrong values?

Each round of the wording corpus (tests/data/wordings) was first read by the reader of its day, before
anybody tuned on it; those first reads are the honest sample of the wrong values text nobody has seen
produces. This tool re-creates one: it extracts the reader's files of an old commit (`git archive`), reads a
part with them in a subprocess, and keeps every value with whether it was right. Then each check of today's
reader (parsers.kpis) is asked about each value's number: a check that stops many first-read wrongs and few
first-read correct values is a mechanism, not a list of the sentences it was tuned on.

    .venv/bin/python -m pipeline.precision_check --commit 36dce50 tests/data/wordings/dev2
    .venv/bin/python -m pipeline.precision_check --commit 212f9b1 tests/data/wordings/dev

The held-out part (test/) is refused: it is scored once per release, never inspected.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

from parsers.kpis import _Extractor
from parsers.rules import load_rules
from parsers.vocabulary import load_vocabulary
from pipeline.wording_eval import Item, load_part

# Run by the old commit's interpreter path: every value it extracts, with whether it was right.
_FIRST_READ = """
import json, sys
from pathlib import Path
from pipeline.wording_eval import load_part
from parsers.kpis import extract_kpis
out = []
for item in load_part(Path(sys.argv[1])):
    pending = list(item.expect)
    for m in extract_kpis(list(item.pages), province=None if item.whole_text else item.province):
        hit = next((f for f in pending if f.matches(m)), None)
        if hit is not None:
            pending.remove(hit)
        right = hit is not None or any(f.matches(m) for f in item.allow)
        out.append({"id": item.id, "page": m.page, "start": m.start, "kpi": m.kpi, "value": m.value,
                    "right": right, "evidence": m.evidence})
json.dump(out, sys.stdout)
"""

Check = Callable[[_Extractor, int, str], bool]

# Today's checks, each asked alone: True means the number is left out.
CHECKS: dict[str, Check] = {
    "unknown name in the sentence": lambda ex, index, kpi: ex.governed_by_unknown_name(index),
    "count of other things governs": lambda ex, index, kpi: ex.figure_reader.governed_by_other_count(index),
    "rules and reader disagree": lambda ex, index, kpi: _disagree(ex, index),
    "one level said once": lambda ex, index, kpi: _one_level_said_once(ex, index),
    "two actions, questions, both levels": lambda ex, index, kpi: (
        ex.figure_reader.two_actions_joined(index, kpi)
        or ex.figure_reader.in_a_question(index)
        or ex.figure_reader.single_level_code_beside_both_levels(index, kpi)
    ),
    "today's reader (all checks)": lambda ex, index, kpi: not _today_gives(ex, index, kpi),
}
_TODAY: dict[int, set[tuple[int, int, str]]] = {}
_RULE_KPIS: dict[int, dict[int, set[str]]] = {}


def _disagree(extractor: _Extractor, index: int) -> bool:
    by_number = _RULE_KPIS.get(id(extractor))
    if by_number is None:
        by_number = _RULE_KPIS[id(extractor)] = {}
        for hit in extractor.candidates():
            by_number.setdefault(hit.value_token, set()).add(hit.rule.kpi)
    figure = extractor.figure_reader.read(index)
    rules = by_number.get(index, set())
    return figure is not None and bool(rules) and figure.kpi not in rules


def _one_level_said_once(extractor: _Extractor, index: int) -> bool:
    reader = extractor.figure_reader
    return (
        reader.level_from_an_earlier_sentence(index)
        or reader.part_of_a_one_level_figure(index)
        or reader.level_and_whole_before(index)
        or reader.whole_before_and_level_after(index)
    )


def _today_gives(extractor: _Extractor, index: int, kpi: str) -> bool:
    """Whether today's whole reader gives this number this KPI (any value, scope or level)."""
    given = _TODAY.get(id(extractor))
    if given is None:
        given = _TODAY[id(extractor)] = {(m.page, m.start, m.kpi) for m in extractor.values()}
    token = extractor.report.tokens[index]
    page, start, _ = extractor.report.to_page(token.start, token.end)
    return (page + 1, start, kpi) in given


def first_read(commit: str, part: Path, repo: Path) -> list[dict[str, object]]:
    """Every value the reader of `commit` extracts from `part`, with `right` saying whether it is correct."""
    archive = subprocess.run(
        ["git", "-C", str(repo), "archive", commit, "parsers", "schemas", "vietnamese", "pipeline", "ocr"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    with tempfile.TemporaryDirectory() as old:
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(old, filter="data")
        env = {**os.environ, "PYTHONPATH": old}
        result = subprocess.run(
            [sys.executable, "-c", _FIRST_READ, str(part.resolve())],
            check=True, capture_output=True, text=True, env=env, cwd=old,
        )  # fmt: skip
    return json.loads(result.stdout)


def _extractor(item: Item) -> _Extractor:
    from parsers.metadata import parse_metadata

    pages = list(item.pages)
    province = item.province if not item.whole_text else parse_metadata(pages).province
    return _Extractor(pages, load_rules(), load_vocabulary(), province)


def _token_at(extractor: _Extractor, page: int, start: int) -> int | None:
    report = extractor.report
    for index, token in enumerate(report.tokens):
        if token.kind == "num" and report.to_page(token.start, token.end)[:2] == (page - 1, start):
            return index
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("part", type=Path, help="a wording-corpus part (not test/)")
    parser.add_argument("--commit", required=True, help="the commit whose reader gave the part's first read")
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--show", action="store_true", help="list every value a check stops")
    args = parser.parse_args(argv)
    if args.part.resolve().name == "test":
        parser.error("the held-out part is never inspected; score it with baocao eval at release")
    values = first_read(args.commit, args.part, args.repo)
    items = {item.id: item for item in load_part(args.part)}
    extractors: dict[str, _Extractor] = {}
    tally = {name: [0, 0] for name in CHECKS}  # wrongs stopped, right values lost
    shown: list[str] = []
    for value in values:
        item_id = str(value["id"])
        extractor = extractors.get(item_id) or extractors.setdefault(item_id, _extractor(items[item_id]))
        index = _token_at(extractor, int(value["page"]), int(value["start"]))  # type: ignore[call-overload]
        for name, check in CHECKS.items():
            if index is None or not check(extractor, index, str(value["kpi"])):
                continue
            tally[name][bool(value["right"])] += 1
            if args.show:
                verdict = "right" if value["right"] else "WRONG"
                shown.append(
                    f"  [{name}] {verdict} {item_id} {value['kpi']}={value['value']:g} «{value['evidence']}»"
                )
    wrongs = sum(not value["right"] for value in values)
    rights = len(values) - wrongs
    print(f"{args.part.name} first read by {args.commit}: {rights} right values, {wrongs} wrong")
    for name, (stopped, lost) in tally.items():
        print(f"  {name}: stops {stopped} of {wrongs} wrong, loses {lost} of {rights} right")
    print("\n".join(shown))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
