"""Loading and validating the KPI rules (parsers/kpi_rules.yaml) and compiling their patterns.

Pattern syntax (parsers/README.md has the analyst's version):

* words are compared on the folded view, fuzzily ("chứng thư số" matches "chimg thu s6");
* between two words, light text punctuation (":" "-" quotes) is skipped; "," "(" ")" "/" only where the
  pattern itself has a punctuation mark there ("văn bản (tỷ lệ {pct}"), or after a {gap}; nothing crosses a
  sentence end ("." before a space, ";", "!", "?"), a new bullet line or a table cell; a {n} is followed
  directly by its next word, so "894, trực tuyến" is not "{n} trực tuyến";
* ``{n}`` the value, a count (not followed by "%"); ``{pct}`` the value, a percentage (followed by "%");
* ``{num}`` any one number that is not the value ("hồ sơ ({num} trực tiếp, {n} trực tuyến)");
* ``{period}`` words naming a period: "tháng", "quý I/2021", "năm 2021", "kỳ báo cáo", "6 tháng đầu năm";
* ``{gap:N}`` up to N words or numbers of anything (``{gap}`` is ``{gap:3}``);
* ``{end}`` the phrase ends here: punctuation, a line end, the end of text or a phrase boundary word
  ("và", "đạt", settings.phrase_boundaries) follows ("ký số {n} {end}" takes "ký số 98.760 (đạt ...)"
  but not "ký số 12 hồ sơ");
* ``[a b|c|]`` alternatives of word sequences (placeholders allowed inside); an empty one makes it optional.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

from parsers.folding import fold_str, ocr_key
from schemas.kpi_codes import KPI_CODES

DEFAULT_RULES_PATH = Path(__file__).with_name("kpi_rules.yaml")

ElementKind = Literal["word", "value", "number", "period", "gap", "end", "choice"]
_PLACEHOLDER_RE = re.compile(r"\{(?P<name>n|pct|num|period|gap|end)(?::(?P<arg>\d+))?\}")
_PATTERN_TOKEN_RE = re.compile(r"\{[^}]*\}|\[|\]|\||[a-z0-9]+|[^\sa-z0-9]")
_DEFAULT_GAP = 3


class RuleError(ValueError):
    """kpi_rules.yaml is malformed; the message names the rule and what to fix."""


@dataclass(frozen=True)
class Element:
    kind: ElementKind
    word: str = ""  # folded, OCR-normalised literal for kind "word"
    value_unit: Literal["count", "percent", ""] = ""  # for kind "value"
    max_words: int = 0  # for kind "gap"
    choices: tuple[tuple[Element, ...], ...] = ()  # for kind "choice"
    loose: bool = False  # the pattern has punctuation before it: any text punctuation may be skipped


@dataclass(frozen=True)
class Pattern:
    source: str
    elements: tuple[Element, ...]
    unit: Literal["count", "percent"]

    @property
    def literal_words(self) -> int:
        """How many words the pattern pins down (its specificity); a choice counts its shortest branch."""
        return _literal_count(self.elements)


@dataclass(frozen=True)
class KpiRule:
    id: str
    kpi: str
    unit: Literal["count", "percent"]
    scope: Literal["period", "cumulative"]
    patterns: tuple[Pattern, ...]
    section: tuple[str, ...] = ()  # folded anchors; empty = anywhere
    labels: tuple[str, ...] = ()  # folded table-row labels
    not_followed_by: tuple[str, ...] = ()
    not_preceded_by: tuple[str, ...] = ()
    order: int = 0  # position in the file, breaks ties between equally specific rules


@dataclass(frozen=True)
class RuleSettings:
    """The `settings:` block of the rules file; phrases are stored folded."""

    min_score: float = 0.8
    # Phrases just before a value (within `exclude_window` words) that make it a plan or a comparison.
    exclude_before: tuple[str, ...] = ()
    exclude_window: int = 8
    # Words that end a phrase for {end}, like punctuation.
    phrase_boundaries: tuple[str, ...] = ()
    # An item holding these is about the department itself, not the province.
    department_markers: tuple[str, ...] = ()
    appendix_headings: tuple[str, ...] = ("phu luc",)
    # A line opening with these ("(Kèm theo Báo cáo số ...)") belongs to an appendix too.
    appendix_markers: tuple[str, ...] = ()
    table_result_headers: tuple[str, ...] = ()
    table_excluded_headers: tuple[str, ...] = ()
    # Words a table row may carry after its label (the unit column).
    table_unit_words: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleSet:
    settings: RuleSettings
    rules: tuple[KpiRule, ...] = field(default_factory=tuple)


def _literal_count(elements: tuple[Element, ...]) -> int:
    total = 0
    for element in elements:
        if element.kind == "word":
            total += 1
        elif element.kind == "choice":
            total += min(_literal_count(choice) for choice in element.choices)
    return total


def _fold_phrase(text: str) -> str:
    return " ".join(ocr_key(w) for w in re.findall(r"[a-z0-9]+", fold_str(text)))


def _parse_sequence(
    tokens: list[str], position: int, source: str, inside_choice: bool
) -> tuple[tuple[Element, ...], int]:
    elements: list[Element] = []
    loose = False
    while position < len(tokens):
        token = tokens[position]
        if token in ("|", "]"):
            if not inside_choice:
                raise RuleError(f"pattern {source!r}: '{token}' outside [...]")
            return tuple(elements), position
        if token == "[":
            choices: list[tuple[Element, ...]] = []
            position += 1
            while True:
                branch, position = _parse_sequence(tokens, position, source, inside_choice=True)
                choices.append(branch)
                if position >= len(tokens):
                    raise RuleError(f"pattern {source!r}: '[' without ']'")
                if tokens[position] == "]":
                    position += 1
                    break
                position += 1  # skip "|"
            elements.append(Element("choice", choices=tuple(choices), loose=loose))
            loose = False
            continue
        if token.startswith("{"):
            placeholder = _PLACEHOLDER_RE.fullmatch(token)
            if placeholder is None:
                raise RuleError(
                    f"pattern {source!r}: unknown placeholder {token}; use {{n}} {{pct}} "
                    "{{num}} {{period}} {{gap:N}} {{end}}"
                )
            name, arg = placeholder["name"], placeholder["arg"]
            if name == "n":
                elements.append(Element("value", value_unit="count", loose=loose))
            elif name == "pct":
                elements.append(Element("value", value_unit="percent", loose=loose))
            elif name == "num":
                elements.append(Element("number", loose=loose))
            elif name == "period":
                elements.append(Element("period", loose=loose))
            elif name == "end":
                elements.append(Element("end"))
            else:
                elements.append(Element("gap", max_words=int(arg) if arg else _DEFAULT_GAP))
            loose = False
        elif re.fullmatch(r"[a-z0-9]+", token):
            elements.append(Element("word", word=ocr_key(token), loose=loose))
            loose = False
        else:
            loose = True  # punctuation: the text may have any punctuation before the next element
        position += 1
    if inside_choice:
        raise RuleError(f"pattern {source!r}: '[' without ']'")
    return tuple(elements), position


def _count_values(elements: tuple[Element, ...]) -> tuple[int, int]:
    """(fewest, most) value placeholders along any path through the pattern."""
    low = high = 0
    for element in elements:
        if element.kind == "value":
            low += 1
            high += 1
        elif element.kind == "choice":
            counts = [_count_values(choice) for choice in element.choices]
            low += min(c[0] for c in counts)
            high += max(c[1] for c in counts)
    return low, high


def iter_elements(elements: tuple[Element, ...]) -> Iterator[Element]:
    """Every element of a pattern, those inside the branches of choices included."""
    for element in elements:
        yield element
        for branch in element.choices:
            yield from iter_elements(branch)


def _value_units(elements: tuple[Element, ...]) -> set[str]:
    return {element.value_unit for element in iter_elements(elements) if element.kind == "value"}


def compile_pattern(source: str, unit: Literal["count", "percent"] | None = None) -> Pattern:
    """Compile one pattern; it must hold exactly one {n} or {pct} on every path, matching `unit` if given."""
    folded = fold_str(source)
    tokens = _PATTERN_TOKEN_RE.findall(folded)
    elements, _ = _parse_sequence(tokens, 0, source, inside_choice=False)
    if not elements:
        raise RuleError(f"pattern {source!r} is empty")
    low, high = _count_values(elements)
    if low != 1 or high != 1:
        raise RuleError(f"pattern {source!r}: needs exactly one {{n}} or {{pct}} (the value)")
    units = _value_units(elements)
    pattern_unit: Literal["count", "percent"] = "percent" if units == {"percent"} else "count"
    if len(units) != 1:
        raise RuleError(f"pattern {source!r}: mixes {{n}} and {{pct}}")
    if unit is not None and pattern_unit != unit:
        raise RuleError(f"pattern {source!r}: the KPI is a {unit} but the pattern captures a {pattern_unit}")
    if elements[0].kind == "gap" or elements[-1].kind == "gap":
        raise RuleError(f"pattern {source!r}: a {{gap}} at either end matches nothing useful; remove it")
    return Pattern(source=source, elements=elements, unit=pattern_unit)


def _string_list(raw: Any, what: str, rule_id: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise RuleError(f"rule {rule_id!r}: '{what}' must be a list of strings")
    return tuple(raw)


_RULE_KEYS = {"id", "kpi", "patterns", "section", "scope", "labels", "not_followed_by", "not_preceded_by"}


def _build_rule(raw: Any, order: int) -> KpiRule:
    if not isinstance(raw, dict):
        raise RuleError(f"rule #{order + 1} is not a mapping")
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not rule_id:
        raise RuleError(f"rule #{order + 1} has no 'id'")
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise RuleError(f"rule {rule_id!r}: unknown keys {sorted(unknown)}; allowed {sorted(_RULE_KEYS)}")
    kpi = raw.get("kpi")
    if kpi not in KPI_CODES:
        raise RuleError(f"rule {rule_id!r}: unknown KPI code {kpi!r}; see schemas/kpi-taxonomy.md")
    definition = KPI_CODES[kpi]
    scope = raw.get("scope", definition.scope)
    if scope not in ("period", "cumulative"):
        raise RuleError(f"rule {rule_id!r}: scope must be 'period' or 'cumulative', not {scope!r}")
    sources = _string_list(raw.get("patterns"), "patterns", rule_id)
    labels = _string_list(raw.get("labels"), "labels", rule_id)
    if not sources and not labels:
        raise RuleError(f"rule {rule_id!r}: give 'patterns' (prose) or 'labels' (table rows)")
    try:
        patterns = tuple(compile_pattern(source, definition.unit) for source in sources)
    except RuleError as error:
        raise RuleError(f"rule {rule_id!r}: {error}") from None
    return KpiRule(
        id=rule_id,
        kpi=kpi,
        unit=definition.unit,
        scope=scope,
        patterns=patterns,
        section=tuple(_fold_phrase(s) for s in _string_list(raw.get("section"), "section", rule_id)),
        labels=tuple(_fold_phrase(s) for s in labels),
        not_followed_by=tuple(
            _fold_phrase(s) for s in _string_list(raw.get("not_followed_by"), "not_followed_by", rule_id)
        ),
        not_preceded_by=tuple(
            _fold_phrase(s) for s in _string_list(raw.get("not_preceded_by"), "not_preceded_by", rule_id)
        ),
        order=order,
    )


def _build_settings(raw: Any) -> RuleSettings:
    if raw is None:
        return RuleSettings()
    if not isinstance(raw, dict):
        raise RuleError("'settings' must be a mapping")
    defaults = RuleSettings()
    known = set(RuleSettings.__dataclass_fields__)
    unknown = set(raw) - known
    if unknown:
        raise RuleError(f"settings: unknown keys {sorted(unknown)}; allowed {sorted(known)}")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(getattr(defaults, key), tuple):
            values[key] = tuple(_fold_phrase(s) for s in _string_list(value, key, "settings"))
        elif isinstance(getattr(defaults, key), float):
            values[key] = float(value)
        else:
            values[key] = int(value)
    return RuleSettings(**values)


def parse_rules(document: Any) -> RuleSet:
    """Validate a loaded YAML document ({settings: ..., rules: [...]}) into a RuleSet."""
    if not isinstance(document, dict) or not isinstance(document.get("rules"), list):
        raise RuleError("kpi rules: expected a mapping with a 'rules' list (and optional 'settings')")
    rules = tuple(_build_rule(raw, order) for order, raw in enumerate(document["rules"]))
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise RuleError(f"rule id {rule.id!r} is used twice")
        seen.add(rule.id)
    return RuleSet(settings=_build_settings(document.get("settings")), rules=rules)


def load_rules(path: str | Path | None = None) -> RuleSet:
    """Load and validate the rules file (default parsers/kpi_rules.yaml; the default is cached)."""
    if path is None:
        return _default_rules()
    return _load(Path(path))


def _load(path: Path) -> RuleSet:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise RuleError(f"{path}: not valid YAML: {error}") from None
    return parse_rules(document)


@lru_cache(maxsize=1)
def _default_rules() -> RuleSet:
    return _load(DEFAULT_RULES_PATH)
