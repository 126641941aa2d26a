"""The wording corpus scorer: how well the KPI reader reads texts nobody on the project wrote.

A corpus part (tests/data/wordings/<part>/, format in its README.md) holds snippets (`snippets.yaml`, one
page each) and whole texts (`texts/<name>.txt`, pages split at form feeds, truth in `<name>.truth.yaml`).
Each is read by parsers.kpis.extract_kpis and scored: an extracted value is correct when it equals an
`expect` or `allow` entry on kpi, value, scope, qualifier and level, and wrong otherwise; recall is the
share of `expect` entries found. Figures are given per KPI family and per wording kind, with every miss
and wrong value named by its snippet id, so that a change of the vocabulary shows what it gained and broke.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from parsers.kpis import extract_kpis
from schemas.extraction import KpiMatch
from schemas.kpi_codes import KPI_CODES

FAMILIES = ("doc", "cert", "email", "dvc", "dossier")


class CorpusError(ValueError):
    """A corpus file is malformed; the message names the file and entry."""


@dataclass(frozen=True)
class Figure:
    """One truth entry: a figure as meant, with the fields a correct value must equal."""

    kpi: str
    value: float
    scope: str
    qualifier: str = "exact"
    level: str | None = None

    def matches(self, match: KpiMatch) -> bool:
        return (
            match.kpi == self.kpi
            and math.isclose(match.value, self.value, rel_tol=0, abs_tol=1e-6)
            and match.scope == self.scope
            and match.qualifier == self.qualifier
            and match.level == self.level
        )

    def label(self) -> str:
        extra = "".join(
            f" {name}={value}"
            for name, value in (("scope", self.scope), ("qualifier", self.qualifier), ("level", self.level))
            if value not in (None, "exact", KPI_CODES[self.kpi].scope)
        )
        return f"{self.kpi}={_number(self.value)}{extra}"


@dataclass(frozen=True)
class Item:
    """A snippet or a whole text of the corpus."""

    id: str
    province: str | None
    kinds: tuple[str, ...]
    pages: tuple[str, ...]
    expect: tuple[Figure, ...]
    allow: tuple[Figure, ...]
    whole_text: bool


@dataclass
class Counts:
    expected: int = 0
    found: int = 0
    wrong: int = 0

    @property
    def recall(self) -> float | None:
        return self.found / self.expected if self.expected else None

    def as_json(self) -> dict[str, Any]:
        recall = self.recall
        return {
            "expected": self.expected,
            "found": self.found,
            "wrong": self.wrong,
            "recall": None if recall is None else round(recall, 4),
        }


@dataclass
class PartScore:
    """The scores of one corpus part."""

    part: str
    items: int = 0
    total: Counts = field(default_factory=Counts)
    snippets: Counts = field(default_factory=Counts)
    texts: Counts = field(default_factory=Counts)
    families: dict[str, Counts] = field(default_factory=dict)
    kinds: dict[str, Counts] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)  # "tr-001: dossier.received=61482"
    wrongs: list[str] = field(default_factory=list)  # "tr-004: dossier.received=1200000 (evidence)"

    def as_json(self) -> dict[str, Any]:
        return {
            "part": self.part,
            "items": self.items,
            "total": self.total.as_json(),
            "snippets": self.snippets.as_json(),
            "texts": self.texts.as_json(),
            "families": {name: counts.as_json() for name, counts in sorted(self.families.items())},
            "kinds": {name: counts.as_json() for name, counts in sorted(self.kinds.items())},
            "misses": self.misses,
            "wrongs": self.wrongs,
        }


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def _figure(entry: Any, where: str) -> Figure:
    if not isinstance(entry, dict) or "kpi" not in entry or "value" not in entry:
        raise CorpusError(f"{where}: each figure needs `kpi` and `value`")
    code = entry["kpi"]
    if code not in KPI_CODES:
        raise CorpusError(f"{where}: unknown KPI code {code!r}; see schemas/kpi-taxonomy.md")
    return Figure(
        kpi=code,
        value=float(entry["value"]),
        scope=entry.get("scope") or KPI_CODES[code].scope,
        qualifier=entry.get("qualifier") or "exact",
        level=entry.get("level"),
    )


def _figures(entries: Any, where: str) -> tuple[Figure, ...]:
    return tuple(_figure(entry, f"{where} entry {n}") for n, entry in enumerate(entries or [], start=1))


def load_part(part_dir: Path) -> list[Item]:
    """The snippets and whole texts of one corpus part (a folder holding snippets.yaml and texts/)."""
    items: list[Item] = []
    snippets_path = part_dir / "snippets.yaml"
    if snippets_path.is_file():
        entries = yaml.safe_load(snippets_path.read_text(encoding="utf-8")) or []
        if not isinstance(entries, list):
            raise CorpusError(f"{snippets_path}: must be a YAML list of snippets")
        for entry in entries:
            where = f"{snippets_path} {entry.get('id', '?')}"
            items.append(
                Item(
                    id=str(entry["id"]),
                    province=entry.get("province"),
                    kinds=tuple(entry.get("kinds") or ()),
                    pages=(str(entry.get("text") or ""),),
                    expect=_figures(entry.get("expect"), f"{where} expect"),
                    allow=_figures(entry.get("allow"), f"{where} allow"),
                    whole_text=False,
                )
            )
    for text_path in sorted((part_dir / "texts").glob("*.txt")):
        truth_path = text_path.with_name(text_path.stem + ".truth.yaml")
        if not truth_path.is_file():
            raise CorpusError(f"{text_path}: no {truth_path.name} beside it")
        truth = yaml.safe_load(truth_path.read_text(encoding="utf-8")) or {}
        items.append(
            Item(
                id=text_path.stem,
                province=truth.get("province"),
                kinds=tuple(truth.get("kinds") or ()),
                pages=tuple(text_path.read_text(encoding="utf-8").split("\f")),
                expect=_figures(truth.get("kpis"), f"{truth_path} kpis"),
                allow=_figures(truth.get("allow"), f"{truth_path} allow"),
                whole_text=True,
            )
        )
    return items


def _tally(counts: Iterable[Counts], expected: int, found: int, wrong: int) -> None:
    for c in counts:
        c.expected += expected
        c.found += found
        c.wrong += wrong


def score_item(item: Item, score: PartScore) -> None:
    """Read one item and add its figures to `score`."""
    # A snippet has no header: the corpus says whose it is. A whole text is read as the pipeline reads
    # a document, its province taken from its own header.
    matches = extract_kpis(list(item.pages), province=None if item.whole_text else item.province)
    pending = list(item.expect)
    found: list[Figure] = []
    wrong: list[KpiMatch] = []
    for match in matches:
        hit = next((figure for figure in pending if figure.matches(match)), None)
        if hit is not None:
            pending.remove(hit)
            found.append(hit)
        elif not any(figure.matches(match) for figure in item.allow):
            wrong.append(match)
    score.items += 1
    scope = score.texts if item.whole_text else score.snippets
    kinds = [score.kinds.setdefault(kind, Counts()) for kind in item.kinds]
    _tally([score.total, scope, *kinds], len(item.expect), len(found), len(wrong))
    for figure in item.expect:
        family = score.families.setdefault(figure.kpi.split(".")[0], Counts())
        family.expected += 1
        family.found += figure in found
    for match in wrong:
        score.families.setdefault(match.kpi.split(".")[0], Counts()).wrong += 1
        shown = Figure(match.kpi, match.value, match.scope, match.qualifier, match.level)
        score.wrongs.append(f"{item.id}: {shown.label()} p{match.page} [{match.rule}] «{match.evidence}»")
    score.misses.extend(f"{item.id}: {figure.label()}" for figure in pending)


def score_part(part_dir: Path) -> PartScore:
    score = PartScore(part=part_dir.name)
    for item in load_part(part_dir):
        score_item(item, score)
    return score


def score_corpus(corpus_dir: Path) -> dict[str, PartScore]:
    """Scores of the parts present (train, dev, dev2, dev3, dev4, test): a missing part is not scored."""
    return {
        part: score_part(corpus_dir / part)
        for part in ("train", "dev", "dev2", "dev3", "dev4", "test")
        if (corpus_dir / part / "snippets.yaml").is_file() or (corpus_dir / part / "texts").is_dir()
    }


def _fmt(recall: float | None) -> str:
    return "—" if recall is None else f"{recall:.3f}"


def format_markdown(scores: dict[str, PartScore]) -> str:
    """The wording section of summary.md: train and test apart, then every miss and wrong value."""
    lines = ["## Wording corpus (texts nobody on the project wrote)", ""]
    if not scores:
        return "\n".join([*lines, "No corpus part found.", ""])
    lines += ["| part | items | expected | found | recall | wrong |", "|---|---|---|---|---|---|"]
    for name, s in scores.items():
        t = s.total
        lines.append(f"| {name} | {s.items} | {t.expected} | {t.found} | {_fmt(t.recall)} | {t.wrong} |")
    for name, s in scores.items():
        lines += ["", f"### {name}: by family and by wording kind", ""]
        lines += ["| group | expected | found | recall | wrong |", "|---|---|---|---|---|"]
        groups = [("snippets", s.snippets), ("whole texts", s.texts)]
        groups += [(f"family {k}", v) for k, v in sorted(s.families.items())]
        groups += [(f"kind {k}", v) for k, v in sorted(s.kinds.items())]
        for label, c in groups:
            lines.append(f"| {label} | {c.expected} | {c.found} | {_fmt(c.recall)} | {c.wrong} |")
        lines += ["", f"Wrong values ({len(s.wrongs)}):", ""]
        lines += [f"- {w}" for w in s.wrongs] or ["- none"]
        lines += ["", f"Misses ({len(s.misses)}):", ""]
        lines += [f"- {m}" for m in s.misses] or ["- none"]
    return "\n".join([*lines, ""])
