"""Vietnamese diacritic restoration: syllable trigram LM + noisy-channel OCR model + Viterbi decoder.

Public API (the CLI's ``baocao restore`` / ``baocao train-lm`` / ``--restore auto`` call these):

* :func:`restore_diacritics` — restore marks (and repair OCR letter confusions) line by line;
* :func:`restore_tracked` — the same, listing the words changed;
* :func:`correct_ocr_text` — correction mode for good (`vie`) OCR: only the words OCR was unsure of;
* :func:`restoration_decision` — whether a page needs restoring, with the statistics behind the decision;
* :func:`train_language_model` — rebuild the model from corpora;
* :func:`load_model` — the (lazily loaded, cached) model.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from ocr.restore.case_prior import CasePrior
from ocr.restore.channel import ChannelProfiles
from ocr.restore.correction import correct_ocr_text as _correct
from ocr.restore.decision import restoration_decision
from ocr.restore.decode import RestorationModel, Restored, WordChange
from ocr.restore.lm import SyllableLM

MODEL_DIR = Path(__file__).resolve().parent / "model"
DEFAULT_LM_PATH = MODEL_DIR / "syllable_lm.npz"
DEFAULT_CHANNEL_PATH = MODEL_DIR / "channel.json"


def load_model(path: Path | None = None) -> RestorationModel:
    """The restoration model at `path` (default: the committed one), loaded once per process.

    The channel costs are read from ``channel.json`` beside the LM file when present, else the defaults; the
    case counts from ``case_prior.npz`` beside it when present (else case is not scored).
    """
    return _load_cached(Path(path).resolve() if path is not None else DEFAULT_LM_PATH)


@lru_cache(maxsize=4)
def _load_cached(path: Path) -> RestorationModel:
    lm = SyllableLM.load(path)
    channel_path = path.parent / "channel.json"
    if not channel_path.exists():
        channel_path = DEFAULT_CHANNEL_PATH
    profiles = ChannelProfiles.load(channel_path) if channel_path.exists() else ChannelProfiles()
    case_path = path.parent / "case_prior.npz"
    case_prior = CasePrior.load(case_path) if case_path.exists() else None
    return RestorationModel(lm, profiles, case_prior)


def train_language_model(corpus: list[Path], out: Path, **options: Any) -> dict[str, float]:
    """Train the syllable LM (see :func:`ocr.restore.train.train_language_model` for the options)."""
    # Imported here so that `python -m ocr.restore.train` does not find its module already loaded.
    from ocr.restore.train import train_language_model as train

    return train(corpus, out, **options)


def restore_diacritics(text: str, word_confidences: list[float] | None = None) -> str:
    """Restore Vietnamese marks in `text`; the output has exactly as many lines as the input.

    `word_confidences`, if given, holds one OCR confidence (0-1 or Tesseract's 0-100) per whitespace-separated
    word of `text`, in reading order; confident words keep their marks unless the model strongly disagrees.
    """
    return load_model().restore(text, word_confidences)


def restore_tracked(text: str, word_confidences: list[float] | None = None) -> Restored:
    """:func:`restore_diacritics`, with the list of the words it changed (line, column, before, after)."""
    return load_model().restore_tracked(text, word_confidences)


def correct_ocr_text(text: str, words: Sequence[tuple[str, float]]) -> Restored:
    """Correction mode for good OCR: re-decode only the words of `text` whose OCR confidence (`words`: the
    OCR words with their confidences 0-1, in reading order) is low; every other word stays as read."""
    return _correct(load_model(), text, words)


__all__ = [
    "RestorationModel",
    "Restored",
    "WordChange",
    "correct_ocr_text",
    "load_model",
    "restoration_decision",
    "restore_diacritics",
    "restore_tracked",
    "train_language_model",
]
