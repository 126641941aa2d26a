"""The trigram Viterbi search over a document's lattices: the best candidate of every slot of every line.

Two implementations find the same paths (tests/test_restore.py checks it on real text):

* numpy (here): all LM lookups of the document in one batch (sorted ``searchsorted``), then a Python loop per
  position over small arrays; no start-up cost, ~15-20 k syllables per CPU-second on stripped text;
* compiled (``viterbi_compiled.py``, numba): ~3× faster, but its first use in a process costs about a
  CPU-second (importing numba, loading the cached machine code).

A process starts with numpy and switches to the compiled search for good once it has decoded
``COMPILED_AFTER`` positions, where the second's start-up has paid for itself: a one-page run, or a `vie` page
whose correction mode decodes a few unsure words, never imports numba; a batch of stripped or `eng`-OCR texts
runs compiled after its first few pages.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ocr.restore.lattice import Slot
from ocr.restore.lm import SyllableLM

# ~1 CPU-second of start-up at ~40 µs saved per position (numpy 15-20 k/s, compiled 45-55 k/s).
COMPILED_AFTER = 25_000
_ZERO = np.zeros(1)
_ZERO_INT = np.zeros((1, 1), dtype=np.int64)  # backpointer when the previous slot has one candidate
_decoded_positions = 0  # in this process, by the numpy search

@dataclass
class PairScores:
    """The bigram entries (log p(c | b), backoff weight, stored bigram's index or -1) of every pair of
    adjacent candidates of a compiled search, in its layout; line i's pairs are
    ``[line_start[i], line_end[i])``. A second search of the same lattices with other channel scores (the
    document cache) reads them instead of looking them up again: most of the compiled search's time is
    those lookups."""

    lp: np.ndarray
    bow: np.ndarray
    idx: np.ndarray
    line_start: np.ndarray
    line_end: np.ndarray


def best_paths(
    lm: SyllableLM, lattices: list[list[Slot]], *, compiled: bool | None = None
) -> list[list[int]]:
    """Best candidate index per slot for each line (`compiled`: force one implementation)."""
    return best_paths_and_pairs(lm, lattices, compiled=compiled)[0]


def best_paths_and_pairs(
    lm: SyllableLM,
    lattices: list[list[Slot]],
    *,
    compiled: bool | None = None,
    known: tuple[PairScores, list[int]] | None = None,
) -> tuple[list[list[int]], PairScores | None]:
    """`best_paths`, and the pair scores of a compiled search (else None). With `known` = (the pair scores of
    an earlier search, which of its lines `lattices` are, with the same candidates), those are reused."""
    global _decoded_positions
    if not lattices:
        return [], None
    bos, eos = np.array([lm.bos]), np.array([lm.eos])
    ids_list: list[np.ndarray] = []
    chan: list[np.ndarray] = []
    line_first: list[int] = []
    for slots in lattices:
        line_first.append(len(ids_list))
        ids_list.append(bos)
        chan.append(_ZERO)
        for slot in slots:
            ids_list.append(slot.ids)
            chan.append(slot.channel_logp)
        ids_list.append(eos)
        chan.append(_ZERO)
    sizes = np.fromiter((a.size for a in ids_list), dtype=np.int64, count=len(ids_list))
    first = np.array(line_first, dtype=np.int64)
    last = first + np.array([len(slots) for slots in lattices], dtype=np.int64) + 1
    ids = np.concatenate(ids_list).astype(np.int64, copy=False)
    id_offset = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    channel = np.concatenate(chan).astype(np.float64, copy=False)
    if compiled is None:
        compiled = _decoded_positions >= COMPILED_AFTER
        _decoded_positions += 0 if compiled else sizes.size
    if compiled:
        from ocr.restore.viterbi_compiled import best_paths as compiled_search

        bi_row, tri_row, tri_row_max, logp_ceiling = lm.row_starts()
        pair_offset = np.concatenate(([0, 0], np.cumsum(sizes[:-1] * sizes[1:])))
        pairs = PairScores(
            np.empty(pair_offset[-1], dtype=np.float32), np.empty(pair_offset[-1], dtype=np.float32),
            np.empty(pair_offset[-1], dtype=np.int64), pair_offset[first + 1], pair_offset[last + 1],
        )  # fmt: skip
        if known is not None:
            _copy_pairs(known[0], known[1], pairs)
        choice = compiled_search(
            ids, sizes, id_offset, channel, first, last, lm.size, lm.uni_logp, lm.uni_bow, lm.bi_keys,
            lm.bi_logp, lm.bi_bow, bi_row, lm.tri_keys, lm.tri_logp, tri_row, tri_row_max, logp_ceiling,
            pair_offset, pairs.lp, pairs.bow, pairs.idx, known is not None,
        )  # fmt: skip
        paths = [choice[a + 1 : b].tolist() for a, b in zip(first, last, strict=True)]
        return paths, pairs
    choice = _numpy_search(lm, ids, sizes, id_offset, channel, first, last)
    return [choice[a + 1 : b].tolist() for a, b in zip(first, last, strict=True)], None


def _copy_pairs(source: PairScores, lines: list[int], target: PairScores) -> None:
    bounds = zip(lines, target.line_start.tolist(), target.line_end.tolist(), strict=True)
    for line, start, end in bounds:
        source_start, source_end = int(source.line_start[line]), int(source.line_end[line])
        if source_end - source_start != end - start:
            raise ValueError("known pair scores belong to other lattices")
        target.lp[start:end] = source.lp[source_start:source_end]
        target.bow[start:end] = source.bow[source_start:source_end]
        target.idx[start:end] = source.idx[source_start:source_end]


def _numpy_search(
    lm: SyllableLM,
    ids: np.ndarray,
    sizes: np.ndarray,
    id_offset: np.ndarray,
    channel: np.ndarray,
    line_first: np.ndarray,
    line_last: np.ndarray,
) -> np.ndarray:
    n = sizes.size
    # Pair (j-1, j) for j = 1..n-1, entries (a, b) flattened row-major.
    pair_sizes = sizes[:-1] * sizes[1:]
    pair_offset = np.concatenate(([0], np.cumsum(pair_sizes)[:-1]))
    pair_pos = np.repeat(np.arange(1, n), pair_sizes)
    local = np.arange(pair_sizes.sum()) - pair_offset[pair_pos - 1]
    a = local // sizes[pair_pos]
    b = local % sizes[pair_pos]
    lp2, idx2, bow2 = lm.bigram_info(ids[id_offset[pair_pos - 1] + a], ids[id_offset[pair_pos] + b])
    # Trigrams: p(c | a, b) = bow(a, b) + p(c | b) unless (a, b, c) is stored. Only pairs (a, b) that are
    # stored bigrams can start a stored trigram, so only their continuations are looked up; the rest
    # of each position's score tensor is a broadcast sum built inside the dynamic programme.
    seen = np.flatnonzero((idx2 >= 0) & (pair_pos < n - 1))
    seen_pos = pair_pos[seen]  # the trigram ends at position seen_pos + 1
    n_next = sizes[seen_pos + 1]
    entry_pair = np.repeat(seen, n_next)
    entry_pos = np.repeat(seen_pos, n_next)
    entry_c = np.arange(n_next.sum()) - np.repeat(np.cumsum(n_next) - n_next, n_next)
    entry_a, entry_b = a[entry_pair], b[entry_pair]
    queries = idx2[entry_pair].astype(np.int64) * lm.size + ids[id_offset[entry_pos + 1] + entry_c]
    tri_index, tri_found = lm.find_trigrams(queries)
    corr_pos = entry_pos[tri_found] + 1
    corr_flat = ((entry_a * sizes[entry_pos] + entry_b) * sizes[entry_pos + 1] + entry_c)[tri_found]
    corr_val = lm.tri_logp[tri_index[tri_found]]
    corr_bounds = np.searchsorted(corr_pos, np.arange(n + 1)).tolist()

    choice = np.zeros(n, dtype=np.int64)
    size_list = sizes.tolist()
    offsets = id_offset.tolist()
    pair_offset_list = pair_offset.tolist()
    for first, last in zip(line_first.tolist(), line_last.tolist(), strict=True):
        chan = [channel[offsets[j] : offsets[j] + size_list[j]] for j in range(first, last + 1)]
        start = pair_offset_list[first]
        delta = (lp2[start : start + size_list[first + 1]] + chan[1])[None, :]
        backpointers: list[np.ndarray] = []
        for j in range(first + 2, last + 1):
            size_a, size_b, size_c = size_list[j - 2], size_list[j - 1], size_list[j]
            start_ab = pair_offset_list[j - 2]
            start_bc = pair_offset_list[j - 1]
            bow_ab = bow2[start_ab : start_ab + size_a * size_b].reshape(size_a, size_b)
            lp_bc = lp2[start_bc : start_bc + size_b * size_c].reshape(size_b, size_c)
            block = bow_ab[:, :, None] + lp_bc[None, :, :]
            lo, hi = corr_bounds[j], corr_bounds[j + 1]
            if lo < hi:
                block.ravel()[corr_flat[lo:hi]] = corr_val[lo:hi]
            if size_a == 1:
                backpointers.append(_ZERO_INT)
                delta = delta[0][:, None] + block[0] + chan[j - first]
            else:
                scores = delta[:, :, None] + block
                backpointers.append(scores.argmax(axis=0))
                delta = scores.max(axis=0) + chan[j - first]
        choice[last - 1] = int(delta[:, 0].argmax())
        for j in range(last, first + 1, -1):
            pointer = backpointers[j - first - 2]
            choice[j - 2] = 0 if pointer is _ZERO_INT else int(pointer[choice[j - 1], choice[j]])
    return choice
