"""Syllable trigram language model (interpolated modified Kneser-Ney, stored in backoff form).

The model file is an ``.npz`` holding, per order, sorted integer keys (delta-coded as uint32 so that
zlib packs them well) and float16 natural-log probabilities/backoff weights. Loading is a handful of
``np.load`` calls and one ``cumsum`` per order; lookups are batched ``np.searchsorted`` calls over a whole
document, which keeps the per-syllable cost of the Python decoder low.

Key layout: a bigram (u, w) is ``u * V + w``; a trigram (u, v, w) is ``bigram_index(u, v) * V + w``, so the
trigram keys only need room for the bigram count times the vocabulary size.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

BOS, EOS, UNK, NUM, MIX = "<s>", "</s>", "<unk>", "<num>", "<mix>"
SPECIAL_TOKENS = (BOS, EOS, UNK, NUM, MIX)
TOKEN_RE = re.compile(r"[^\W_]+|[^\w\s]|_")
# Probability floor used for words outside the vocabulary (natural log).
UNK_LOGP_FLOOR = -16.0


def lm_token(word: str) -> str:
    """The LM's view of one token: lowercase syllable, a punctuation character, <num> or <mix>."""
    if word.isdigit():
        return NUM
    if any(ch.isdigit() for ch in word):
        return MIX
    return word.lower()


def line_tokens(line: str) -> list[str]:
    return [lm_token(t) for t in TOKEN_RE.findall(line)]


@dataclass
class NgramArrays:
    """The stored model: vocabulary, and per order the sorted keys with their log-probabilities."""

    vocab: list[str]
    uni_logp: np.ndarray  # float32 [V]
    uni_bow: np.ndarray  # float32 [V]
    bi_keys: np.ndarray  # int64 sorted, u * V + w
    bi_logp: np.ndarray  # float32
    bi_bow: np.ndarray  # float32
    tri_keys: np.ndarray  # int64 sorted, bigram_index * V + w
    tri_logp: np.ndarray  # float32


def _delta_encode(keys: np.ndarray) -> np.ndarray:
    deltas = np.diff(keys, prepend=np.int64(0))
    if deltas.size and int(deltas.max()) >= 2**32:
        raise ValueError("n-gram key gap does not fit in uint32; vocabulary too sparse for this layout")
    return deltas.astype(np.uint32)


def save_ngrams(arrays: NgramArrays, out: Path, extra: dict[str, np.ndarray] | None = None) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    vocab_blob = np.frombuffer("\n".join(arrays.vocab).encode("utf-8"), dtype=np.uint8)
    payload: dict[str, np.ndarray] = {
        "vocab": vocab_blob,
        "uni_logp": arrays.uni_logp.astype(np.float16),
        "uni_bow": arrays.uni_bow.astype(np.float16),
        "bi_delta": _delta_encode(arrays.bi_keys),
        "bi_logp": arrays.bi_logp.astype(np.float16),
        "bi_bow": arrays.bi_bow.astype(np.float16),
        "tri_delta": _delta_encode(arrays.tri_keys),
        "tri_logp": arrays.tri_logp.astype(np.float16),
    }
    payload.update(extra or {})
    with open(out, "wb") as handle:
        np.savez_compressed(handle, **payload)


class SyllableLM:
    """Batched log-probability queries against the stored trigram model."""

    def __init__(self, arrays: NgramArrays, extra: dict[str, np.ndarray] | None = None) -> None:
        self.vocab = arrays.vocab
        self.size = len(arrays.vocab)
        self.word_id = {w: i for i, w in enumerate(arrays.vocab)}
        self.uni_logp = arrays.uni_logp
        self.uni_bow = arrays.uni_bow
        self.bi_keys = arrays.bi_keys
        self.bi_logp = arrays.bi_logp
        self.bi_bow = arrays.bi_bow
        self.tri_keys = arrays.tri_keys
        self.tri_logp = arrays.tri_logp
        self.extra = extra or {}
        self.bos = self.word_id[BOS]
        self.eos = self.word_id[EOS]
        self.unk = self.word_id[UNK]
        self._row_starts: tuple[np.ndarray, np.ndarray, np.ndarray, float] | None = None

    @classmethod
    def load(cls, path: Path) -> SyllableLM:
        with np.load(path, allow_pickle=False) as data:
            vocab = bytes(data["vocab"]).decode("utf-8").split("\n")
            arrays = NgramArrays(
                vocab=vocab,
                uni_logp=data["uni_logp"].astype(np.float32),
                uni_bow=data["uni_bow"].astype(np.float32),
                bi_keys=np.cumsum(data["bi_delta"], dtype=np.int64),
                bi_logp=data["bi_logp"].astype(np.float32),
                bi_bow=data["bi_bow"].astype(np.float32),
                tri_keys=np.cumsum(data["tri_delta"], dtype=np.int64),
                tri_logp=data["tri_logp"].astype(np.float32),
            )
            known = {"vocab", "uni_logp", "uni_bow", "bi_delta", "bi_logp", "bi_bow", "tri_delta", "tri_logp"}
            extra = {name: data[name] for name in data.files if name not in known}
        return cls(arrays, extra)

    def row_starts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """What the compiled decoder needs to search one row of keys and to skip hopeless lookups: where each
        word's bigrams start in ``bi_keys`` and each bigram's trigrams in ``tri_keys`` (one more entry than
        rows, so row r is ``[starts[r], starts[r + 1])``), the largest log-probability in each trigram row
        (-inf if empty), and the largest log-probability any trigram query can return (<= 0 for a model
        whose entries are probabilities)."""
        if self._row_starts is None:
            words = np.arange(self.size + 1, dtype=np.int64) * self.size
            bigrams = np.arange(self.bi_keys.size + 1, dtype=np.int64) * self.size
            bi_row = np.searchsorted(self.bi_keys, words).astype(np.int64)
            tri_row = np.searchsorted(self.tri_keys, bigrams).astype(np.int64)
            row_max = np.full(self.bi_keys.size, -np.inf, dtype=np.float32)
            filled = tri_row[1:] > tri_row[:-1]
            if filled.any():
                row_max[filled] = np.maximum.reduceat(self.tri_logp, tri_row[:-1][filled])
            bigram_ceiling = max(
                float(self.bi_logp.max(initial=-np.inf)), float(self.uni_bow.max() + self.uni_logp.max())
            )
            ceiling = max(
                float(self.tri_logp.max(initial=-np.inf)),
                max(float(self.bi_bow.max(initial=0.0)), 0.0) + bigram_ceiling,
            )
            self._row_starts = (bi_row, tri_row, row_max, ceiling)
        return self._row_starts

    def token_id(self, token: str) -> int:
        return self.word_id.get(token, self.unk)

    def _find(self, keys: np.ndarray, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Index of each query in `keys` and whether it is present."""
        if queries.size > 4096:
            # Sorted needles let the binary search reuse its previous position: several times faster.
            order = np.argsort(queries, kind="stable")
            idx = np.empty_like(order)
            idx[order] = np.searchsorted(keys, queries[order])
        else:
            idx = np.searchsorted(keys, queries)
        idx_clipped = np.minimum(idx, keys.size - 1)
        found = keys[idx_clipped] == queries
        return idx_clipped, found

    def bigram_info(self, u: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For pairs (u, w): log p(w | u), the index of (u, w) (-1 if not stored) and its backoff weight."""
        idx, found = self._find(self.bi_keys, u.astype(np.int64) * self.size + w)
        logp = np.where(found, self.bi_logp[idx], self.uni_bow[u] + self.uni_logp[w])
        bow = np.where(found, self.bi_bow[idx], 0.0)
        return logp, np.where(found, idx, -1), bow

    def find_trigrams(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Index into the trigram arrays and presence of each key ``bigram_index * V + w``."""
        return self._find(self.tri_keys, keys)

    def trigram_logp(
        self, bigram_index_uv: np.ndarray, bow_uv: np.ndarray, w: np.ndarray, logp_vw: np.ndarray
    ) -> np.ndarray:
        """log p(w | u, v) given the lookups of (u, v) and of log p(w | v)."""
        result = bow_uv + logp_vw
        seen = bigram_index_uv >= 0
        if seen.any():
            queries = bigram_index_uv[seen].astype(np.int64) * self.size + w[seen]
            idx, found = self._find(self.tri_keys, queries)
            sub = result[seen]
            sub[found] = self.tri_logp[idx[found]]
            result[seen] = sub
        return result

    def sentence_logp(self, tokens: list[str]) -> float:
        """Total log-probability of a token sequence with sentence boundaries (for tests and diagnostics)."""
        ids = np.array([self.bos, *[self.token_id(t) for t in tokens], self.eos], dtype=np.int64)
        logp_pair, index_pair, bow_pair = self.bigram_info(ids[:-1], ids[1:])
        total = float(logp_pair[0])
        if ids.size > 2:
            tri = self.trigram_logp(index_pair[:-1], bow_pair[:-1], ids[2:], logp_pair[1:])
            total += float(tri.sum())
        return total
