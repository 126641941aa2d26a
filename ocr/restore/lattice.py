"""The decoding lattice: one slot per token of a line, with its candidate forms and their channel costs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Slot:
    """One token of a line in the decoding lattice."""

    start: int
    end: int
    text: str
    forms: list[str]  # lowercase surface forms (restorable) or [text] (fixed)
    ids: np.ndarray
    channel_logp: np.ndarray
    restorable: bool
    # The case to give the chosen form when it is not the case as read: eng OCR reads a marked lowercase
    # vowel as a capital ('SO' for 'Sở'), so such a word is rendered in title case.
    render_case: str | None = None
