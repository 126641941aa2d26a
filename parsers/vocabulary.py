"""Loading and validating the figure reader's vocabulary (parsers/figure_vocabulary.yaml).

Phrases are stored folded (parsers.folding), as tuples of OCR-normalised words, so they compare with the
folded token stream of a report. A broken file fails at load time with a message naming the entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from parsers.folding import fold_str, ocr_key
from schemas.kpi_codes import KPI_CODES
from schemas.models import Level, Qualifier

DEFAULT_VOCABULARY_PATH = Path(__file__).with_name("figure_vocabulary.yaml")

Phrase = tuple[str, ...]
WHOLE = "whole"  # the `levels` entry that says "the whole province": no level


class VocabularyError(ValueError):
    """figure_vocabulary.yaml is malformed; the message names the entry and what to fix."""


@dataclass(frozen=True)
class KpiFrame:
    """Which slot values make a figure this KPI: all of `need`, and next to it nothing but `need`/`allow`."""

    kpi: str
    unit: str
    scope: str
    need: tuple[tuple[str, str], ...]  # (slot, value)
    allow: tuple[tuple[str, str], ...]


@dataclass(frozen=True, eq=False)  # identity hash: one loaded file, cached per object
class Vocabulary:
    scales: dict[str, int]
    qualifiers: dict[str, tuple[Phrase, ...]]
    levels: dict[str, tuple[Phrase, ...]]
    not_ours: tuple[Phrase, ...]
    not_done: tuple[Phrase, ...]
    others: tuple[Phrase, ...]
    plan_headings: tuple[Phrase, ...]
    frames_sentence: tuple[Phrase, ...]
    reference_words: tuple[Phrase, ...]
    single_units: tuple[Phrase, ...]
    named_bodies: tuple[Phrase, ...]  # before a capitalised name: a ministry or central body
    other_units: tuple[Phrase, ...]  # words right after a number that say it counts something else
    plans: tuple[Phrase, ...]  # opening a sentence: its figures are targets, clause by clause
    results: tuple[Phrase, ...]  # in a clause of such a sentence: a result after all ("kết quả", "đã")
    former_place: tuple[Phrase, ...]  # after a place name: the place before the 2025 merger ("cũ")
    subject_bodies: tuple[Phrase, ...]  # capitalised, opening a clause: the figure is that body's
    label_skip: frozenset[str]  # after "Số"/"Tỷ lệ", words before the counted thing ("lượng")
    label_not: frozenset[str]  # after "Số"/"Tỷ lệ", words that make it no label of a count ("liệu", "này")
    before_possessor: frozenset[str]  # before a count without its KPI noun: whose or where ("của", "tại")
    after_count: frozenset[str]  # words that may follow a count without naming what it counts ("và", "được")
    share_words: frozenset[str]  # words that may stand between a count and its share ("đạt", "chiếm")
    compares_amounts: frozenset[str]  # before a percentage with no count of its own: a ratio ("bằng")
    excluding: tuple[Phrase, ...]  # opening a bracket: what it names is left out ("chưa bao gồm")
    parents: tuple[Phrase, ...]
    lookalikes: tuple[Phrase, ...]  # fold like vocabulary words but say nothing ("cập nhật" is not "cấp")
    periods: tuple[Phrase, ...]  # the report's own period, said with words of a stock ("từ đầu năm đến nay")
    # slot -> value -> phrases
    slots: dict[str, dict[str, tuple[Phrase, ...]]]
    frames: tuple[KpiFrame, ...]
    # Words that govern no figure when capitalised (parsers/governors.py), lowercase with marks: those
    # written capitalised in `known_names` and the other lists (but those naming someone else's)...
    known_names: frozenset[str] = frozenset()
    # ... and every word of those lists, for abbreviations printed in capitals ("VB", "GQ", "TTHC").
    known_words: frozenset[str] = frozenset()


def fold_phrase(text: str) -> Phrase:
    return tuple(ocr_key(word) for word in re.findall(r"[a-z0-9]+", fold_str(str(text))))


def _phrases(entry: Any, where: str) -> tuple[Phrase, ...]:
    if not isinstance(entry, list) or not all(isinstance(item, str) and item.strip() for item in entry):
        raise VocabularyError(f"{where}: give a list of phrases")
    return tuple(phrase for phrase in (fold_phrase(item) for item in entry) if phrase)


def _words(entry: Any, where: str) -> frozenset[str]:
    return frozenset(word for phrase in _phrases(entry or [], where) for word in phrase)


def _pairs(
    entry: Any, slots: dict[str, dict[str, tuple[Phrase, ...]]], where: str
) -> tuple[tuple[str, str], ...]:
    if not isinstance(entry, dict):
        raise VocabularyError(f"{where}: give a mapping slot: value")
    pairs: list[tuple[str, str]] = []
    for slot, values in entry.items():
        for value in values if isinstance(values, list) else [values]:
            if slot not in slots or value not in slots[slot]:
                raise VocabularyError(f"{where}: {slot}: {value} is not a value of `slots`")
            pairs.append((slot, value))
    return tuple(sorted(pairs))


# Lists whose words name someone else or something else: no name in them is the province's own.
_FOREIGN_LISTS = frozenset(
    {"others", "subject_bodies", "named_bodies", "single_units", "former_place", "other_units", "plans",
     "plan_headings", "not_ours", "frames_sentence"}
)  # fmt: skip
_NAME_WORD_RE = re.compile(r"[^\W\d_]+(?:&[^\W\d_]+)*")


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [text for key, value in node.items() for text in (str(key), *_strings(value))]
    if isinstance(node, list):
        return [text for value in node for text in _strings(value)]
    return []


def _known_words(data: dict[str, Any], names_only: bool) -> frozenset[str]:
    """Lowercase words of the lists that name nothing foreign: all of them, or only those written
    capitalised (`names_only`: `known_names` writes names as they are printed)."""
    words = set()
    for key, value in data.items():
        if key in _FOREIGN_LISTS:
            continue
        for text in _strings(value):
            for word in _NAME_WORD_RE.findall(text):
                if not names_only or word[0].isupper():
                    words.add(word.lower())
    return frozenset(words)


def parse_vocabulary(data: Any) -> Vocabulary:
    if not isinstance(data, dict):
        raise VocabularyError("the vocabulary file must be a mapping (scales, qualifiers, slots, kpis, ...)")
    scales = {fold_phrase(word)[0]: int(factor) for word, factor in (data.get("scales") or {}).items()}
    qualifiers = {
        name: _phrases(items, f"qualifiers.{name}") for name, items in data.get("qualifiers", {}).items()
    }
    for name in qualifiers:
        Qualifier(name)  # raises on a typo
    levels = {name: _phrases(items, f"levels.{name}") for name, items in data.get("levels", {}).items()}
    for name in levels:
        if name != WHOLE and name not in {level.value for level in Level}:
            raise VocabularyError(f"levels.{name}: not a level ({', '.join(level.value for level in Level)})")
    slots = {
        slot: {value: _phrases(items, f"slots.{slot}.{value}") for value, items in values.items()}
        for slot, values in (data.get("slots") or {}).items()
    }
    frames: list[KpiFrame] = []
    for number, entry in enumerate(data.get("kpis") or [], start=1):
        where = f"kpis entry {number} ({entry.get('kpi')})"
        code = entry.get("kpi")
        if code not in KPI_CODES:
            raise VocabularyError(f"{where}: unknown KPI code; see schemas/kpi-taxonomy.md")
        definition = KPI_CODES[code]
        unit = entry.get("unit", definition.unit)
        if unit != definition.unit:
            raise VocabularyError(f"{where}: unit {unit} but the taxonomy says {definition.unit}")
        scope = entry.get("scope", definition.scope)
        if scope not in ("period", "cumulative"):
            raise VocabularyError(f"{where}: scope must be period or cumulative")
        need = _pairs(entry.get("need"), slots, where)
        allow = _pairs(entry.get("allow") or {}, slots, where)
        frames.append(KpiFrame(code, unit, scope, need, allow))
    return Vocabulary(
        scales=scales,
        qualifiers=qualifiers,
        levels=levels,
        not_ours=_phrases(data.get("not_ours") or [], "not_ours"),
        not_done=_phrases(data.get("not_done") or [], "not_done"),
        others=_phrases(data.get("others") or [], "others"),
        plan_headings=_phrases(data.get("plan_headings") or [], "plan_headings"),
        frames_sentence=_phrases(data.get("frames_sentence") or [], "frames_sentence"),
        reference_words=_phrases(data.get("reference_words") or [], "reference_words"),
        single_units=_phrases(data.get("single_units") or [], "single_units"),
        named_bodies=_phrases(data.get("named_bodies") or [], "named_bodies"),
        other_units=_phrases(data.get("other_units") or [], "other_units"),
        plans=_phrases(data.get("plans") or [], "plans"),
        results=_phrases(data.get("results") or [], "results"),
        former_place=_phrases(data.get("former_place") or [], "former_place"),
        subject_bodies=_phrases(data.get("subject_bodies") or [], "subject_bodies"),
        label_skip=_words(data.get("label_skip"), "label_skip"),
        label_not=_words(data.get("label_not"), "label_not"),
        before_possessor=_words(data.get("before_possessor"), "before_possessor"),
        after_count=_words(data.get("after_count"), "after_count"),
        share_words=frozenset(
            word for phrase in _phrases(data.get("share_words") or [], "share_words") for word in phrase
        ),
        compares_amounts=_words(data.get("compares_amounts"), "compares_amounts"),
        excluding=_phrases(data.get("excluding") or [], "excluding"),
        parents=_phrases(data.get("parents") or [], "parents"),
        periods=_phrases(data.get("periods") or [], "periods"),
        lookalikes=_phrases(data.get("lookalikes") or [], "lookalikes"),
        slots=slots,
        frames=tuple(frames),
        known_names=_known_words(data, names_only=True),
        known_words=_known_words(data, names_only=False),
    )


@lru_cache(maxsize=4)
def load_vocabulary(path: Path = DEFAULT_VOCABULARY_PATH) -> Vocabulary:
    with open(path, encoding="utf-8") as handle:
        return parse_vocabulary(yaml.safe_load(handle))
