"""How often each form is written capitalised inside a sentence: a channel term for the case OCR kept.

The LM is lowercase, yet case survives accent stripping and OCR and says something the trigram does not:
inside a sentence, 'Sở' (the department) is capitalised, 'số' (number) almost never; 'Nam' and 'Phú' are place
names far more often than 'năm' and 'phụ'. So a restorable word gets log P(its case | form), counted in the
training corpus over words that are not at the start of a line or a sentence (where a capital says nothing);
all-caps and one-letter words are not scored.

Rebuild (≈ 2 min; the held-out rules of ``train.py``, so no held-out line is counted):

    python -m ocr.restore.case_prior /work/shared/corpus/vi --out ocr/restore/model/case_prior.npz \\
        --heldout-source /work/shared/corpus/report-2021-q1-clean.txt \\
        --heldout-source samples/texts/report-2021-q1.md \\
        --heldout-source samples/texts/report-2023-q3-bentre.md
"""

from __future__ import annotations

import argparse
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from ocr.restore.syllables import LETTERS_RE

# A capital after these (or at the start of a line) says nothing about the word: sentence and list starts.
SENTENCE_START = frozenset(".!?:;…-–—+•*()[]\"“”'‘’/")
SMOOTHING = 1.0  # pseudo-counts, spread by the corpus-wide share of capitalised words


def informative_case(line: str, start: int, word: str) -> str | None:
    """'title' or 'lower' when the case of `word` (at `start` in `line`) says something, else None."""
    if len(word) < 2 or not (word.islower() or (word[0].isupper() and word[1:].islower())):
        return None
    before = line[:start].rstrip()
    if not before or before[-1] in SENTENCE_START or before[-1].isdigit():
        return None
    return "lower" if word.islower() else "title"


class CasePrior:
    """log P(case | form) for the LM's lowercase forms."""

    def __init__(self, forms: Sequence[str], title: np.ndarray, lower: np.ndarray) -> None:
        self.title = {form: int(n) for form, n in zip(forms, title, strict=True)}
        self.lower = {form: int(n) for form, n in zip(forms, lower, strict=True)}
        total_title, total_lower = int(title.sum()), int(lower.sum())
        self.title_share = total_title / max(total_title + total_lower, 1)

    @classmethod
    def load(cls, path: Path) -> CasePrior:
        with np.load(path, allow_pickle=False) as data:
            forms = bytes(data["forms"]).decode("utf-8").split("\n")
            return cls(forms, data["title"], data["lower"])

    def logp(self, case: str, form: str) -> float:
        title, lower = self.title.get(form, 0), self.lower.get(form, 0)
        seen = title if case == "title" else lower
        prior = self.title_share if case == "title" else 1.0 - self.title_share
        return math.log((seen + SMOOTHING * prior) / (title + lower + SMOOTHING))


def count_case(lines: Iterable[str]) -> tuple[Counter[str], Counter[str]]:
    """(title-case, lowercase) counts per lowercase form, over the words whose case is informative."""
    title: Counter[str] = Counter()
    lower: Counter[str] = Counter()
    for line in lines:
        for match in LETTERS_RE.finditer(line):
            case = informative_case(line, match.start(), match.group())
            if case == "title":
                title[match.group().lower()] += 1
            elif case == "lower":
                lower[match.group()] += 1
    return title, lower


def build_case_prior(
    corpus: Sequence[Path], out: Path, vocabulary: Sequence[str], heldout_sources: Sequence[Path] = ()
) -> None:
    from ocr.restore.train import corpus_files, split_corpus

    train_lines, _heldout = split_corpus(corpus_files(corpus), heldout_sources, 1000)
    title, lower = count_case(train_lines)
    forms = [form for form in vocabulary if form.isalpha() and (title[form] or lower[form])]
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as handle:
        np.savez_compressed(
            handle,
            forms=np.frombuffer("\n".join(forms).encode("utf-8"), dtype=np.uint8),
            title=np.array([title[f] for f in forms], dtype=np.uint32),
            lower=np.array([lower[f] for f in forms], dtype=np.uint32),
        )


def main(argv: Sequence[str] | None = None) -> None:
    from ocr.restore import load_model

    parser = argparse.ArgumentParser(description="Count how often each form is capitalised mid-sentence.")
    parser.add_argument("corpus", type=Path, nargs="+")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--heldout-source", type=Path, action="append", default=[])
    args = parser.parse_args(argv)
    build_case_prior(args.corpus, args.out, load_model().lm.vocab, args.heldout_source)


if __name__ == "__main__":
    main()
