"""Training the syllable language model from plain-text corpora (``baocao train-lm CORPUS... --out FILE``).

Counting is done on integer id arrays with ``np.unique``, so a 140 MB corpus trains in a few CPU-minutes and
well under 8 GB of memory. Held-out lines (a stable hash sample, plus whole files given as
``heldout_sources``) are removed from training by exact line match, so nothing in the held-out split is
ever counted.
"""

from __future__ import annotations

import re
import time
import unicodedata
import zlib
from array import array
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

from ocr.restore.lm import (
    BOS,
    EOS,
    SPECIAL_TOKENS,
    UNK,
    UNK_LOGP_FLOOR,
    NgramArrays,
    line_tokens,
    save_ngrams,
)
from vietnamese.folding import has_marks

MIN_TOKENS_PER_LINE = 2


def corpus_files(corpus: Iterable[Path]) -> list[Path]:
    """Expand directories to the ``*.txt`` files inside them (sorted, so training is reproducible)."""
    files: list[Path] = []
    for path in corpus:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.txt") if p.is_file()))
        else:
            files.append(path)
    return files


def read_lines(files: Iterable[Path]) -> Iterator[str]:
    for path in files:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for raw in handle:
                line = unicodedata.normalize("NFC", raw.strip())
                if line:
                    yield line


_MARKUP = re.compile(r"(\*\*|__|`|(?<!\w)_|_(?!\w))")
_SPACES = re.compile(r"\s+")
# Layout markup of the sample report texts (samples/README.md): column prefixes, centring, directives.
_LAYOUT_PREFIX = re.compile(r"^(L:|R:|=)\s*")


def clean_markup(line: str) -> str:
    """The corpus was stripped of markdown emphasis; do the same to report texts that still carry it."""
    line = _LAYOUT_PREFIX.sub("", line.strip())
    if line.startswith("@") or set(line) <= set("-= "):
        return ""
    return _SPACES.sub(" ", _MARKUP.sub("", line)).strip()


def is_heldout_line(line: str, modulus: int) -> bool:
    """Stable (process-independent) sample of lines kept out of training."""
    return modulus > 0 and zlib.crc32(line.encode("utf-8")) % modulus == 0


def split_corpus(
    files: Sequence[Path], heldout_sources: Sequence[Path], heldout_modulus: int
) -> tuple[list[str], list[str]]:
    """Deduplicated (training lines, held-out lines); a line equal to a held-out line never trains."""
    heldout: dict[str, None] = {}
    source_set = {p.resolve() for p in heldout_sources}
    for line in read_lines(heldout_sources):
        line = clean_markup(line)
        if has_marks(line):
            heldout.setdefault(line)
    train: dict[str, None] = {}
    for path in files:
        if path.resolve() in source_set:
            continue
        for line in read_lines([path]):
            if line in heldout:
                continue
            if is_heldout_line(line, heldout_modulus) and has_marks(line):
                heldout.setdefault(line)
            else:
                train.setdefault(line)
    return list(train), list(heldout)


def encode_lines(lines: Iterable[str], min_count: int) -> tuple[list[str], np.ndarray]:
    """Vocabulary (specials first, then by frequency) and the id sequence with BOS/EOS around each line."""
    provisional: dict[str, int] = {token: i for i, token in enumerate(SPECIAL_TOKENS)}
    ids = array("i")
    bos, eos = provisional[BOS], provisional[EOS]
    for line in lines:
        tokens = line_tokens(line)
        if len(tokens) < MIN_TOKENS_PER_LINE:
            continue
        ids.append(bos)
        for token in tokens:
            token_id = provisional.get(token)
            if token_id is None:
                token_id = provisional[token] = len(provisional)
            ids.append(token_id)
        ids.append(eos)
    seq = np.frombuffer(ids, dtype=np.int32).astype(np.int64)
    counts = np.bincount(seq, minlength=len(provisional))
    words = list(provisional)
    n_special = len(SPECIAL_TOKENS)
    regular = np.arange(n_special, len(words))
    regular = regular[counts[regular] >= min_count]
    regular = regular[np.argsort(-counts[regular], kind="stable")]
    vocab = list(SPECIAL_TOKENS) + [words[i] for i in regular]
    remap = np.full(len(words), SPECIAL_TOKENS.index(UNK), dtype=np.int64)
    remap[:n_special] = np.arange(n_special)
    remap[regular] = np.arange(n_special, n_special + regular.size)
    return vocab, remap[seq]


def _discounts(adjusted: np.ndarray) -> tuple[float, float, float]:
    """Modified Kneser-Ney discounts D1, D2, D3+ from counts-of-counts (Chen & Goodman)."""
    n = [float(np.count_nonzero(adjusted == k)) for k in (1, 2, 3, 4)]
    n = [max(v, 1.0) for v in n]
    y = n[0] / (n[0] + 2 * n[1])
    d1 = 1 - 2 * y * n[1] / n[0]
    d2 = 2 - 3 * y * n[2] / n[1]
    d3 = 3 - 4 * y * n[3] / n[2]
    return max(d1, 0.05), max(d2, 0.05), max(d3, 0.05)


def _discount_of(adjusted: np.ndarray, d: tuple[float, float, float]) -> np.ndarray:
    return np.where(adjusted == 1, d[0], np.where(adjusted == 2, d[1], d[2]))


def _gamma(groups: np.ndarray, adjusted: np.ndarray, d: tuple[float, float, float], size: int) -> np.ndarray:
    """Interpolation weight of the lower order per context group."""
    total = np.bincount(groups, weights=adjusted, minlength=size)
    mass = np.bincount(groups, weights=_discount_of(adjusted, d), minlength=size)
    return np.divide(mass, total, out=np.ones(size), where=total > 0)


def estimate_kneser_ney(
    seq: np.ndarray, vocab_size: int, *, bigram_min_count: int = 1, trigram_min_count: int = 2
) -> NgramArrays:
    """Interpolated modified Kneser-Ney trigram, pruned by raw count and renormalised into backoff form."""
    v = np.int64(vocab_size)
    bos, eos = SPECIAL_TOKENS.index(BOS), SPECIAL_TOKENS.index(EOS)
    x0, x1 = seq[:-1], seq[1:]
    valid2 = (x0 != eos) & (x1 != bos)
    uniq2, raw2 = np.unique(x0[valid2] * v + x1[valid2], return_counts=True)
    x0, x1, x2 = seq[:-2], seq[1:-1], seq[2:]
    valid3 = (x0 != eos) & (x1 != eos) & (x1 != bos) & (x2 != bos)
    uniq3, raw3 = np.unique((x0[valid3] * v + x1[valid3]) * v + x2[valid3], return_counts=True)
    del x0, x1, x2, valid2, valid3

    # Adjusted counts: continuation counts below the top order, except n-grams starting with <s>.
    suffix3, left_ext3 = np.unique(uniq3 % (v * v), return_counts=True)
    pos = np.searchsorted(suffix3, uniq2)
    pos_c = np.minimum(pos, suffix3.size - 1)
    has_ext = suffix3[pos_c] == uniq2
    bi_u, bi_w = uniq2 // v, uniq2 % v
    adj2 = np.where(bi_u == bos, raw2, np.where(has_ext, left_ext3[pos_c], raw2)).astype(np.float64)
    adj1 = np.bincount(bi_w, minlength=vocab_size).astype(np.float64)

    # Unigrams: discounted continuation counts interpolated with the uniform distribution.
    d1 = _discounts(adj1[adj1 > 0])
    total1 = adj1.sum()
    seen1 = adj1 > 0
    gamma0 = float(_discount_of(adj1[seen1], d1).sum() / total1)
    p1 = np.where(seen1, np.maximum(adj1 - _discount_of(adj1, d1), 0) / total1, 0.0) + gamma0 / vocab_size
    p1[bos] = 1e-12  # never predicted
    unk_logp = max(np.log(p1[SPECIAL_TOKENS.index(UNK)]), UNK_LOGP_FLOOR)
    p1[SPECIAL_TOKENS.index(UNK)] = np.exp(unk_logp)

    # Bigrams.
    d2 = _discounts(adj2)
    gamma1 = _gamma(bi_u, adj2, d2, vocab_size)
    total2 = np.bincount(bi_u, weights=adj2, minlength=vocab_size)
    p2 = np.maximum(adj2 - _discount_of(adj2, d2), 0) / total2[bi_u] + gamma1[bi_u] * p1[bi_w]

    # Trigrams (raw counts at the top order).
    ctx3, ctx_inv = np.unique(uniq3 // v, return_inverse=True)
    raw3f = raw3.astype(np.float64)
    d3 = _discounts(raw3f)
    gamma2 = _gamma(ctx_inv, raw3f, d3, ctx3.size)
    total3 = np.bincount(ctx_inv, weights=raw3f, minlength=ctx3.size)
    lower3 = p2[np.searchsorted(uniq2, uniq3 % (v * v))]
    p3 = np.maximum(raw3f - _discount_of(raw3f, d3), 0) / total3[ctx_inv] + gamma2[ctx_inv] * lower3

    # Prune, then choose backoff weights so that every context's distribution still sums to one.
    keep3 = raw3 >= trigram_min_count
    kept_ctx = np.unique(uniq3[keep3] // v)
    keep2 = (raw2 >= bigram_min_count) | np.isin(uniq2, kept_ctx, assume_unique=False)
    keep2 |= bi_u == bos
    tri_ctx_kept = ctx_inv[keep3]
    num3 = 1 - np.bincount(tri_ctx_kept, weights=p3[keep3], minlength=ctx3.size)
    den3 = 1 - np.bincount(tri_ctx_kept, weights=lower3[keep3], minlength=ctx3.size)
    bow3_ctx = np.log(np.clip(num3, 1e-12, None) / np.clip(den3, 1e-12, None))
    bow3_ctx[np.bincount(tri_ctx_kept, minlength=ctx3.size) == 0] = 0.0

    bi_keys = uniq2[keep2]
    bi_bow = np.zeros(bi_keys.size)
    ctx_pos = np.searchsorted(bi_keys, ctx3)
    ctx_pos_c = np.minimum(ctx_pos, bi_keys.size - 1)
    ctx_found = bi_keys[ctx_pos_c] == ctx3
    bi_bow[ctx_pos_c[ctx_found]] = bow3_ctx[ctx_found]

    kept_u = bi_u[keep2]
    num2 = 1 - np.bincount(kept_u, weights=p2[keep2], minlength=vocab_size)
    den2 = 1 - np.bincount(kept_u, weights=p1[bi_w[keep2]], minlength=vocab_size)
    uni_bow = np.log(np.clip(num2, 1e-12, None) / np.clip(den2, 1e-12, None))

    tri_bigram_index = np.searchsorted(bi_keys, uniq3[keep3] // v)
    tri_keys = tri_bigram_index.astype(np.int64) * v + uniq3[keep3] % v
    return NgramArrays(
        vocab=[],
        uni_logp=np.log(p1).astype(np.float32),
        uni_bow=uni_bow.astype(np.float32),
        bi_keys=bi_keys,
        bi_logp=np.log(p2[keep2]).astype(np.float32),
        bi_bow=bi_bow.astype(np.float32),
        tri_keys=tri_keys,
        tri_logp=np.log(p3[keep3]).astype(np.float32),
    )


def train_language_model(
    corpus: list[Path],
    out: Path,
    *,
    heldout_out: Path | None = None,
    heldout_sources: Sequence[Path] = (),
    heldout_modulus: int = 1000,
    min_word_count: int = 3,
    bigram_min_count: int = 1,
    trigram_min_count: int = 1,
    max_lines: int | None = None,
    domain_corpus: Sequence[Path] = (),
    domain_weight: int = 5,
) -> dict[str, float]:
    """Train the syllable trigram LM on `corpus` (files or folders of .txt) and write it to `out`.

    Lines of `heldout_sources` and a stable 1/`heldout_modulus` sample of the corpus are held out (never
    counted) and written to `heldout_out` when given. `domain_corpus` files (report texts, layout markup
    removed) are counted `domain_weight` times. Returns figures about the run.
    """
    started = time.perf_counter()
    files = corpus_files(corpus)
    train_lines, heldout_lines = split_corpus(files, [Path(p) for p in heldout_sources], heldout_modulus)
    if max_lines is not None:
        train_lines = train_lines[:max_lines]
    if heldout_out is not None:
        heldout_out.parent.mkdir(parents=True, exist_ok=True)
        heldout_out.write_text("".join(line + "\n" for line in heldout_lines), encoding="utf-8")
    heldout_set = set(heldout_lines)
    domain_lines = [
        line
        for line in (clean_markup(raw) for raw in read_lines(corpus_files(domain_corpus)))
        if line and line not in heldout_set
    ]
    # Count merging with a weight: a few pages of real reports should move the LM's domain preferences.
    train_lines.extend(domain_lines * domain_weight)
    vocab, seq = encode_lines(train_lines, min_word_count)
    del train_lines
    arrays = estimate_kneser_ney(
        seq, len(vocab), bigram_min_count=bigram_min_count, trigram_min_count=trigram_min_count
    )
    arrays.vocab = vocab
    save_ngrams(arrays, out)
    return {
        "train_tokens": float(seq.size),
        "heldout_lines": float(len(heldout_lines)),
        "domain_lines": float(len(domain_lines)),
        "vocab_size": float(len(vocab)),
        "bigrams": float(arrays.bi_keys.size),
        "trigrams": float(arrays.tri_keys.size),
        "model_bytes": float(out.stat().st_size),
        "seconds": time.perf_counter() - started,
    }


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m ocr.restore.train CORPUS... --out FILE`` (what ``baocao train-lm`` runs)."""
    import argparse
    import json

    parser = argparse.ArgumentParser(description="Train the syllable trigram LM for diacritic restoration.")
    parser.add_argument("corpus", nargs="+", type=Path, help="text files or folders of *.txt")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--heldout-out", type=Path)
    parser.add_argument("--heldout-source", type=Path, action="append", default=[])
    parser.add_argument("--domain", type=Path, action="append", default=[], help="report texts to up-weight")
    parser.add_argument("--domain-weight", type=int, default=5)
    parser.add_argument("--trigram-min-count", type=int, default=1)
    args = parser.parse_args(argv)
    stats = train_language_model(
        args.corpus,
        args.out,
        heldout_out=args.heldout_out,
        heldout_sources=args.heldout_source,
        domain_corpus=args.domain,
        domain_weight=args.domain_weight,
        trigram_min_count=args.trigram_min_count,
    )
    print(json.dumps(stats, indent=1))


if __name__ == "__main__":
    main()
