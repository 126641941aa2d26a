"""Figures as meant rather than as printed: scale words and qualifiers around a number.

"12,4 ngàn hồ sơ" means 12 400 dossiers, rounded (qualifier approx); "trên 2.000" means more than 2 000
(qualifier over). These are pure functions over folded words, so they can be fuzz-tested alone; the
words themselves are data (parsers/figure_vocabulary.yaml: `scales`, `qualifiers`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from schemas.models import Qualifier


def scaled_value(value: float, factor: int) -> float:
    """`value` × `factor` as printed: 12.4 × 1000 is 12400.0, not 12400.000000000002.

    The shortest decimal spelling of the float is what was printed, so multiplying it as a decimal is exact.
    """
    return float(Decimal(repr(value)) * factor)


def scale_factor(word: str, scales: Mapping[str, int]) -> int | None:
    """The multiplier a folded word stands for ("ngan" → 1000, "trieu" → 1 000 000), or None."""
    return scales.get(word)


def qualifier_before(words: Sequence[str], qualifiers: Mapping[str, Sequence[tuple[str, ...]]]) -> Qualifier:
    """The qualifier said by the folded words that end right before a number.

    `qualifiers` maps a qualifier name to phrases (tuples of folded words); the longest phrase that ends
    at the last word wins, so "chua den" (under) beats nothing and "hon" alone is over.
    """
    best: tuple[int, str] | None = None
    for name, phrases in qualifiers.items():
        for phrase in phrases:
            size = len(phrase)
            if 0 < size <= len(words) and tuple(words[-size:]) == phrase and (best is None or size > best[0]):
                best = (size, name)
    return Qualifier(best[1]) if best else Qualifier.EXACT


def combined_qualifier(printed: Qualifier, scaled: bool) -> Qualifier:
    """A figure in ngàn/triệu is rounded (approx) unless a word already bounds it ("hơn 1,3 triệu")."""
    if scaled and printed == Qualifier.EXACT:
        return Qualifier.APPROX
    return printed
