"""The metadata vocabulary (parsers/metadata_words.yaml): issuers, signature titles, surnames, mastheads…

Loaded once and folded once; a malformed file fails loudly at first use, naming the key to fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from parsers.folding import fold_str, ocr_key

METADATA_WORDS_PATH = Path(__file__).with_name("metadata_words.yaml")
_KEYS = ("issuers", "signature_titles", "surnames", "mastheads", "period_labels", "article_date_labels")


@dataclass(frozen=True)
class MetadataWords:
    """The vocabulary; every `*_folded` entry is folded words joined by single spaces."""

    issuers: tuple[tuple[str, str], ...]  # (canonical spelling, folded)
    signature_titles: tuple[str, ...]
    surnames: frozenset[str]
    mastheads: tuple[str, ...]
    period_labels: tuple[str, ...]
    article_date_labels: tuple[str, ...]
    abbreviations: dict[str, str]  # folded abbreviation words -> folded full words


def folded_words(text: str) -> str:
    """`text` folded, OCR lookalikes normalised, as words joined by single spaces ("Sở Y tế" -> "so y te")."""
    return " ".join(ocr_key(word) for word in re.findall(r"[a-z0-9]+", fold_str(text)))


@lru_cache(maxsize=1)
def metadata_words(path: Path = METADATA_WORDS_PATH) -> MetadataWords:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key in _KEYS:
        entries = data.get(key) if isinstance(data, dict) else None
        if not isinstance(entries, list) or not entries or not all(isinstance(e, str) for e in entries):
            raise ValueError(f"{path}: '{key}' must be a non-empty list of strings")
    return MetadataWords(
        issuers=tuple((issuer, folded_words(issuer)) for issuer in data["issuers"]),
        signature_titles=tuple(folded_words(title) for title in data["signature_titles"]),
        surnames=frozenset(folded_words(name) for name in data["surnames"]),
        # Longest first, so that "báo điện tử" is tried before "báo".
        mastheads=tuple(sorted((folded_words(m) for m in data["mastheads"]), key=len, reverse=True)),
        period_labels=tuple(folded_words(label) for label in data["period_labels"]),
        article_date_labels=tuple(folded_words(label) for label in data["article_date_labels"]),
        abbreviations={
            folded_words(k): folded_words(v) for k, v in (data.get("abbreviations") or {}).items()
        },
    )


def expand_abbreviations(folded: str) -> str:
    """`folded` words (folded_words) with abbreviations written out: "van phong ubnd tinh" ->
    "van phong uy ban nhan dan tinh"."""
    abbreviations = metadata_words().abbreviations
    if not abbreviations:
        return folded
    padded = f" {folded} "
    for short, full in abbreviations.items():
        padded = padded.replace(f" {short} ", f" {full} ")
    return padded.strip()
