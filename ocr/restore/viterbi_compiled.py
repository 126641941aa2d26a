"""The trigram Viterbi search with its LM lookups, compiled with numba (see `viterbi.py` for when it is used).

In Python the search cost ~20 µs of interpreter overhead per position, and the batched numpy LM lookups built
arrays of a million candidate pairs per 20 k syllables of stripped text. Compiled, each LM lookup is a binary
search inside one row of the sorted n-gram keys (the bigrams of one word, the trigrams of one bigram), whose
bounds the model computes once (:meth:`ocr.restore.lm.SyllableLM.row_starts`), and trigrams that cannot
change the best path are not looked up at all. What is left is mostly memory access: a million bigram
lookups per 20 k stripped syllables. The machine code is cached on disk beside this module (``cache=True``):
only the first use after an install compiles (3-4 s); later processes pay ~0.3 s to import numba and about
as much again to load the code, once per process.

The score of a path is the numpy version's, in the same float32 sums: p(c | a, b) is the stored trigram
where there is one, else bow(a, b) + p(c | b), with p(c | b) = bow(b) + p(c) for an unseen bigram.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _row_search(keys: np.ndarray, lo: int, hi: int, key: int) -> int:  # pragma: no cover - compiled
    """Index of `key` in the sorted `keys[lo:hi]`, or -1."""
    end = hi
    while lo < hi:
        mid = (lo + hi) >> 1
        if keys[mid] < key:
            lo = mid + 1
        else:
            hi = mid
    return lo if lo < end and keys[lo] == key else -1


@njit(cache=True, nogil=True)
def best_paths(
    ids: np.ndarray,
    sizes: np.ndarray,
    id_offset: np.ndarray,
    channel: np.ndarray,
    line_first: np.ndarray,
    line_last: np.ndarray,
    vocab_size: int,
    uni_logp: np.ndarray,
    uni_bow: np.ndarray,
    bi_keys: np.ndarray,
    bi_logp: np.ndarray,
    bi_bow: np.ndarray,
    bi_row: np.ndarray,
    tri_keys: np.ndarray,
    tri_logp: np.ndarray,
    tri_row: np.ndarray,
    tri_row_max: np.ndarray,
    logp_ceiling: float,
    pair_offset: np.ndarray,
    pair_lp: np.ndarray,
    pair_bow: np.ndarray,
    pair_idx: np.ndarray,
    pairs_known: bool,
) -> np.ndarray:  # pragma: no cover - compiled; its results are checked through the decoder's tests
    """The best candidate index at every position. Position p has candidates ``ids[id_offset[p]:][:sizes[p]]``
    with channel scores at the same offsets; a line runs from its ``<s>`` (``line_first``) to its ``</s>``
    (``line_last``), each with one candidate. The pairs of candidates of positions p - 1 and p start at
    ``pair_offset[p]`` (row-major); their bigram entries (log p(c | b), backoff weight, stored bigram's index
    or -1) are read from ``pair_lp``/``pair_bow``/``pair_idx`` when ``pairs_known``, else looked up and
    written there, for a second search of the same lattices with other channel scores."""
    n = sizes.size
    max_size = 1
    for p in range(n):
        max_size = max(max_size, sizes[p])
    backpointer = np.zeros(pair_offset[n], dtype=np.int64)
    choice = np.zeros(n, dtype=np.int64)
    square = max_size * max_size
    delta, new_delta = np.empty(square), np.empty(square)
    # Per candidate pair of the previous two positions and of the last two: log p(w | u), the stored bigram's
    # index (-1 if none) and its backoff weight.
    prev_lp, cur_lp = np.empty(square, dtype=np.float32), np.empty(square, dtype=np.float32)
    prev_bow, cur_bow = np.empty(square, dtype=np.float32), np.empty(square, dtype=np.float32)
    prev_idx, cur_idx = np.empty(square, dtype=np.int64), np.empty(square, dtype=np.int64)
    order = np.empty(max_size, dtype=np.int64)
    for line in range(line_first.size):
        first, last = line_first[line], line_last[line]
        for j in range(first + 1, last + 1):
            size_a = sizes[j - 2] if j >= first + 2 else 1
            size_b, size_c = sizes[j - 1], sizes[j]
            at = pair_offset[j]
            if pairs_known:
                for bc in range(size_b * size_c):
                    cur_lp[bc] = pair_lp[at + bc]
                    cur_bow[bc] = pair_bow[at + bc]
                    cur_idx[bc] = pair_idx[at + bc]
            else:
                for b in range(size_b):
                    u = ids[id_offset[j - 1] + b]
                    for c in range(size_c):
                        w = ids[id_offset[j] + c]
                        found = _row_search(bi_keys, bi_row[u], bi_row[u + 1], u * vocab_size + w)
                        bc = b * size_c + c
                        cur_idx[bc] = found
                        if found >= 0:
                            cur_lp[bc] = bi_logp[found]
                            cur_bow[bc] = bi_bow[found]
                        else:
                            cur_lp[bc] = uni_bow[u] + uni_logp[w]
                            cur_bow[bc] = np.float32(0.0)
                        pair_lp[at + bc] = cur_lp[bc]
                        pair_bow[at + bc] = cur_bow[bc]
                        pair_idx[at + bc] = found
            if j == first + 1:
                for c in range(size_c):
                    delta[c] = cur_lp[c] + channel[id_offset[j] + c]
            else:
                for b in range(size_b):
                    # The a of this b by descending delta (insertion sort: a few candidates). A trigram
                    # (a, b, c) adds at most its row's largest stored log-probability or bow(a, b) + p(c | b):
                    # an a whose delta plus that is below the best score so far cannot win and is not
                    # looked up, and once delta plus the largest such bound is below it, no later a can win.
                    for a in range(size_a):
                        value = delta[a * size_b + b]
                        k = a
                        while k > 0 and delta[order[k - 1] * size_b + b] < value:
                            order[k] = order[k - 1]
                            k -= 1
                        order[k] = a
                    for c in range(size_c):
                        bc = b * size_c + c
                        w = ids[id_offset[j] + c]
                        best = -np.inf
                        best_a = 0
                        for rank in range(size_a):
                            a = order[rank]
                            ab = a * size_b + b
                            if delta[ab] + logp_ceiling < best:
                                break
                            logp = prev_bow[ab] + cur_lp[bc]
                            pair = prev_idx[ab]
                            if pair >= 0 and delta[ab] + max(tri_row_max[pair], logp) >= best:
                                key = pair * vocab_size + w
                                stored = _row_search(tri_keys, tri_row[pair], tri_row[pair + 1], key)
                                if stored >= 0:
                                    logp = tri_logp[stored]
                            score = delta[ab] + logp
                            # Ties go to the lowest a, as numpy's argmax does.
                            if score > best or (score == best and a < best_a):
                                best = score
                                best_a = a
                        new_delta[bc] = best + channel[id_offset[j] + c]
                        backpointer[pair_offset[j] + bc] = best_a
                delta, new_delta = new_delta, delta
            prev_lp, cur_lp = cur_lp, prev_lp
            prev_bow, cur_bow = cur_bow, prev_bow
            prev_idx, cur_idx = cur_idx, prev_idx
        # At </s> (one candidate) delta holds the pairs (b, </s>).
        best = -np.inf
        for b in range(sizes[last - 1]):
            if delta[b] > best:
                best = delta[b]
                choice[last - 1] = b
        for j in range(last, first + 1, -1):
            choice[j - 2] = backpointer[pair_offset[j] + choice[j - 1] * sizes[j] + choice[j]]
    return choice


def warm_up() -> None:
    """Compile :func:`best_paths` into the on-disk cache (``make setup`` calls this): one line, two slots."""
    line = np.array([0], dtype=np.int64)
    keys = np.zeros(1, dtype=np.int64)
    logp = np.zeros(1, dtype=np.float32)
    rows = np.zeros(3, dtype=np.int64)
    pair_offset = np.array([0, 0, 1, 2, 3], dtype=np.int64)
    pair_logp, pair_idx = np.zeros(3, dtype=np.float32), np.zeros(3, dtype=np.int64)
    best_paths(
        np.zeros(4, dtype=np.int64), np.ones(4, dtype=np.int64), np.arange(4, dtype=np.int64), np.zeros(4),
        line, line + 3, 2, logp, logp, keys, logp, logp, rows, keys, logp, rows, logp, 0.0,
        pair_offset, pair_logp, pair_logp.copy(), pair_idx, False,
    )  # fmt: skip
