"""Second pass of full restoration: agree with the rest of the document.

A report repeats its terms ('tỉnh', 'văn bản', 'Truyền thông'), and a trigram misses some of them where the
deciding word is further away ('trong tính đẩy mạnh', 'của tính kết nối'). The first pass's choices, counted
per key over the whole text, give every option a bonus, and the lines where that bonus could overturn a word
are decoded again.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable

import numpy as np

from ocr.restore.lattice import Slot
from vietnamese.folding import fold

# Weight of log P(form | key, this document's first pass) and its add-k smoothing. 0.5 gained 0.13 points
# on the held-out 2021 report and 0.22 on the Bến Tre one; 1.0 gained more on them but lost 0.08 on the legal
# held-out sample, which is unrelated lines, not a document (where a cache has nothing to agree with).
CACHE_WEIGHT = 0.5
CACHE_SMOOTHING = 1.0
# Lines are decoded again only where the bonus could overturn a word by this much (nats): 0.3 kept every
# gain above and skipped most lines of unrelated text; 0.6 and 1.0 started to lose some.
MIN_CACHE_GAP = 0.3


# The search of the lines to decode again, given their rescored lattices and which lines they are.
Viterbi = Callable[[list[list[Slot]], list[int]], list[list[int]]]


def agree_within_document(
    lattices: list[list[Slot]], choices: list[list[int]], viterbi: Viterbi
) -> list[list[int]]:
    """`choices` (the first pass's, one list per line) after the second pass. Only lines where some word
    took a minority form are decoded again: where every word took its key's most frequent form, the bonus
    can only confirm the first path."""
    keys: dict[str, str] = {}  # slot text -> key: a document repeats its words
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for slots, choice in zip(lattices, choices, strict=True):
        for slot, k in zip(slots, choice, strict=True):
            if slot.restorable and len(slot.forms) > 1:
                key = keys.get(slot.text)
                if key is None:
                    key = keys[slot.text] = fold(slot.text)
                counts[key][slot.forms[k]] += 1
    minority = {key: _minority_forms(seen) for key, seen in counts.items()}
    bonuses: dict[tuple[str, ...], np.ndarray] = {}
    redo: list[int] = []
    rescored: list[list[Slot]] = []
    for n, (slots, choice) in enumerate(zip(lattices, choices, strict=True)):
        if not any(
            slot.restorable and len(slot.forms) > 1 and slot.forms[k] in minority[keys[slot.text]]
            for slot, k in zip(slots, choice, strict=True)
        ):
            continue
        redo.append(n)
        rescored.append([_with_cache_bonus(slot, counts, keys, bonuses) for slot in slots])
    for n, choice in zip(redo, viterbi(rescored, redo), strict=True):
        choices[n] = choice  # the rescored slots have the same forms, so the lattice renders as before
    return choices


def _with_cache_bonus(
    slot: Slot,
    counts: dict[str, Counter[str]],
    keys: dict[str, str],
    bonuses: dict[tuple[str, ...], np.ndarray],
) -> Slot:
    if not slot.restorable or len(slot.forms) < 2:
        return slot
    forms = tuple(slot.forms)
    bonus = bonuses.get(forms)
    if bonus is None:
        seen = counts[keys[slot.text]]
        total = sum(seen.values()) + CACHE_SMOOTHING * len(forms)
        bonus = bonuses[forms] = CACHE_WEIGHT * np.array(
            [math.log((seen[form] + CACHE_SMOOTHING) / total) for form in forms]
        )
    logp = slot.channel_logp + bonus
    return Slot(slot.start, slot.end, slot.text, slot.forms, slot.ids, logp, True, slot.render_case)


def _minority_forms(seen: Counter[str]) -> set[str]:
    """The forms the document chose so much less often than its favourite form of the key that the cache
    bonus could overturn the first pass (the bonus gap is CACHE_WEIGHT × log of the smoothed count ratio)."""
    most = max(seen.values()) + CACHE_SMOOTHING
    return {
        form
        for form, n in seen.items()
        if CACHE_WEIGHT * math.log(most / (n + CACHE_SMOOTHING)) >= MIN_CACHE_GAP
    }
