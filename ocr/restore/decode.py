"""Restoring one text: split lines into a lattice of candidate syllables and pick the best path (Viterbi).

Each line is decoded on its own (so the line count and everything between words are preserved), though the
LM lookups of all lines are batched. A token is
either *fixed* (numbers, punctuation, codes, acronyms, e-mail and web addresses, foreign words: one candidate,
still used as LM context) or *restorable* (candidates = vocabulary forms sharing its folded key, plus, for
OCR-garbled tokens, letter repairs proposed by the channel). The score of a path is the trigram LM
log-probability plus the channel log-probability of each observation given the chosen form.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, replace

import numpy as np

from ocr.restore.case_prior import CasePrior, informative_case
from ocr.restore.channel import Channel, ChannelProfiles, ocr_key, ocr_keys
from ocr.restore.document_cache import agree_within_document
from ocr.restore.lattice import Slot
from ocr.restore.lm import MIX, SyllableLM, lm_token
from ocr.restore.syllables import (
    CHUNK_RE,
    CODE_JOINERS,
    EMAIL_OR_URL_RE,
    GLUED_VOWEL_SYMBOLS,
    NOISY_WORD_RE,
    WORD_RE,
    apply_case,
    case_kind,
)
from ocr.restore.viterbi import best_paths, best_paths_and_pairs
from vietnamese.folding import fold, has_marks
from vietnamese.letters import decompose, is_native_word
from vietnamese.syllables import is_valid_key

MAX_FORMS_PER_KEY = 18
# Forms rarer than this (natural log ratio to the key's most frequent form) are corpus noise, not options.
FORM_LOGP_MARGIN = 11.0
ROMAN_OR_LIST_LETTERS = frozenset("IVXLCDM")
VOWEL_CAPITALS = frozenset("AEIOUY")
MIN_DROP_RATE = 0.03
_APOSTROPHES = re.compile("['\u2019]")
MAX_REPAIR_LENGTH = 8
# log of the number of word types behind <unk>/<mix> in the training corpus (order of magnitude).
CLASS_MEMBER_PENALTY = 11.5
FORMS_PER_REPAIR = 4
MAX_NOISY_FORMS = 14
# Correction mode (good OCR): an unsure word's confidence is read as the chance it is right, clamped here...
MIN_WORD_ERROR_RATE = 0.02
MAX_WORD_ERROR_RATE = 0.6
MARK_DIFFERENCE_COST = 1.0  # each mark difference beyond the first
LETTER_REPAIR_COST = 2.0  # a letter error on top of the word error: rarer than a wrong mark
# ...and a change must win by this much more (natural log): with 0-3 the LM also "corrected" right but rare
# words (phòng → phong, Giờ → Gió, Sở → Số) on the samples' vie OCR; 3-6 gave the same, best, figures.
WORD_CHANGE_COST = 4.0
_ZERO = np.zeros(1)


@dataclass
class DocumentStats:
    drop_rate: float
    noisy: bool  # many tokens that are not Vietnamese: enable letter repairs


@dataclass(frozen=True)
class WordChange:
    """One word the restorer replaced, so that a reviewer can find it: `column` is where `after` starts in
    output line `line` (both 0-based); `before` is the word as it was in the input."""

    line: int
    column: int
    before: str
    after: str


@dataclass(frozen=True)
class Restored:
    text: str
    changes: list[WordChange]


class RestorationModel:
    """LM + channel + candidate index; `restore` is the entry point."""

    def __init__(
        self, lm: SyllableLM, profiles: ChannelProfiles, case_prior: CasePrior | None = None
    ) -> None:
        self.lm = lm
        self.profiles = profiles
        self.case_prior = case_prior
        forms_by_key: dict[str, list[str]] = defaultdict(list)
        for word_id, word in enumerate(lm.vocab):
            if word_id < 5 or not word.isalpha() or not is_native_word(word):
                continue
            forms_by_key[fold(word)].append(word)
        self.forms_by_key: dict[str, list[str]] = {}
        for key, forms in forms_by_key.items():
            forms.sort(key=lambda f: -float(lm.uni_logp[lm.word_id[f]]))
            best = float(lm.uni_logp[lm.word_id[forms[0]]])
            kept = [f for f in forms if best - float(lm.uni_logp[lm.word_id[f]]) <= FORM_LOGP_MARGIN]
            self.forms_by_key[key] = kept[:MAX_FORMS_PER_KEY]
        key_logp = {
            key: float(lm.uni_logp[lm.word_id[forms[0]]])
            for key, forms in self.forms_by_key.items()
            if is_valid_key(key)
        }
        self.clean_channel = Channel(profiles.clean, key_logp)
        self.noisy_channel = Channel(profiles.noisy, key_logp)
        self._fixed_ids: dict[str, np.ndarray] = {}
        self._mix_id = lm.token_id(MIX)
        self._candidate_cache: dict[tuple, tuple[list[str], np.ndarray, np.ndarray]] = {}
        self._token_ids: dict[str, int] = {}  # LM id of a candidate form (lm_token is slow, forms repeat)

    # --- document level ----------------------------------------------------------------------------------
    def document_stats(self, text: str) -> DocumentStats:
        word_counts = Counter(WORD_RE.findall(text))  # a document repeats its words: judge each once
        by_kind: Counter[str] = Counter()
        for word, count in word_counts.items():
            by_kind[_stats_kind(word)] += count
        marked, plain, invalid = by_kind["marked"], by_kind["plain"], by_kind["invalid"]
        total = marked + plain
        share = marked / total if total else 0.0
        drop = min(1.0, max(MIN_DROP_RATE, 1.0 - share / self.profiles.clean.natural_mark_share))
        noisy = total > 0 and invalid / (total + invalid) > 0.04
        return DocumentStats(drop_rate=drop, noisy=noisy)

    def restore(self, text: str, word_confidences: list[float] | None = None) -> str:
        return self.restore_tracked(text, word_confidences).text

    def restore_tracked(
        self, text: str, word_confidences: list[float] | None = None, *, unsure_below: float | None = None
    ) -> Restored:
        """Restore `text`, listing the words changed. With `unsure_below` (correction mode for good OCR)
        only words whose confidence is below it are re-decoded, with letter repairs; every other word,
        and every word of unknown confidence, stays as read (still LM context)."""
        # Decomposed marks (NFD) would split words at every combining character.
        text = unicodedata.normalize("NFC", text)
        stats = self.document_stats(text)
        if len(self._candidate_cache) > 200_000:
            self._candidate_cache.clear()
        confidences = _normalised_confidences(word_confidences, unknown=None if unsure_below else 0.5)
        lines = text.split("\n")
        lattices: list[list[Slot]] = []
        chunk_offset = 0
        for line in lines:
            n_chunks = len(CHUNK_RE.findall(line))
            line_conf = None
            if confidences is not None:
                line_conf = confidences[chunk_offset : chunk_offset + n_chunks]
            lattices.append(self._lattice(line, stats, line_conf, unsure_below))
            chunk_offset += n_chunks
        to_decode = [i for i, slots in enumerate(lattices) if _has_choice(slots)]
        decoded = [lattices[i] for i in to_decode]
        choices, pairs = best_paths_and_pairs(self.lm, decoded)
        if unsure_below is None:

            def decode_again(rescored: list[list[Slot]], which: list[int]) -> list[list[int]]:
                known = None if pairs is None else (pairs, which)
                return best_paths_and_pairs(self.lm, rescored, known=known)[0]

            choices = agree_within_document(decoded, choices, decode_again)
        out = list(lines)
        changes: list[WordChange] = []
        for i, choice in zip(to_decode, choices, strict=True):
            out[i], line_changes = _render(lines[i], lattices[i], choice, i)
            changes.extend(line_changes)
        return Restored("\n".join(out), changes)

    def _lattice(
        self,
        line: str,
        stats: DocumentStats,
        confidences: list[float | None] | None,
        unsure_below: float | None = None,
    ) -> list[Slot]:
        chunks = [(m.start(), m.end(), m.group()) for m in CHUNK_RE.finditer(line)]
        correcting = unsure_below is not None
        words = list((NOISY_WORD_RE if stats.noisy or correcting else WORD_RE).finditer(line))
        upper_words = [w.group() for w in words if w.group().isalpha() and len(w.group()) > 1]
        upper_share = (
            sum(w.isupper() for w in upper_words) / len(upper_words) if upper_words else 0.0
        )
        slots: list[Slot] = []
        chunk_index = 0
        cursor = 0
        for word_index, match in enumerate(words):
            start, end, word = match.start(), match.end(), match.group()
            for punct_pos in range(cursor, start):
                ch = line[punct_pos]
                if not ch.isspace():
                    slots.append(self._fixed(punct_pos, punct_pos + 1, ch))
            cursor = end
            while chunk_index < len(chunks) - 1 and chunks[chunk_index][1] <= start:
                chunk_index += 1
            chunk = chunks[chunk_index][2]
            confidence = None
            if confidences is not None and chunk_index < len(confidences):
                confidence = confidences[chunk_index]
            if correcting:
                sure = confidence is None or confidence >= unsure_below
                if sure or not _correctable(word) or EMAIL_OR_URL_RE.match(chunk):
                    slots.append(self._fixed(start, end, word))
                else:
                    slots.append(self._correction_candidates(start, end, word, confidence))
                continue
            written = _case_misread(words, word_index, upper_share) if stats.noisy else None
            if written is not None:
                slots.append(self._case_misread_candidates(line, start, end, word, written))
                continue
            if self._is_fixed_word(line, words, word_index, chunk, upper_share, stats.noisy):
                slots.append(self._fixed(start, end, word))
                continue
            case = informative_case(line, start, word)
            slot = self._candidates(start, end, word, stats, confidence, case)
            slots.append(slot)
        for punct_pos in range(cursor, len(line)):
            if not line[punct_pos].isspace():
                slots.append(self._fixed(punct_pos, punct_pos + 1, line[punct_pos]))
        return slots

    def _is_fixed_word(
        self, line: str, words: list, word_index: int, chunk: str, upper_share: float, noisy: bool
    ) -> bool:
        word = words[word_index].group()
        if word.isdigit() or EMAIL_OR_URL_RE.match(chunk):
            return True
        if word.islower() and word.isalpha():
            return False  # most words: none of the rules below is about a lowercase letter word
        if not any(ch.isalpha() for ch in word):
            # Digits and a glued vowel symbol, no letter at all ('1€', '1¢' for 'lệ'): no case to judge by.
            return not (noisy and len(word) <= 5 and any(is_valid_key(k) for k in ocr_keys(word)))
        kind = case_kind(word)
        if kind == "mixed":
            # eng-OCR capitalises marked vowels ('cOng' for 'công'); elsewhere mixed case means a name.
            return not (noisy and word[:1].islower() and word.isalpha() and len(word) <= 6)
        if noisy and _APOSTROPHES.search(word):
            return not _repairable_case(word)
        if not word.isalpha():
            # Letters mixed with digits: in OCR-garbled text 's6' may be 'số'; otherwise a code ('VTV9').
            return not (noisy and len(word) <= 5 and sum(ch.isdigit() for ch in word) <= 2
                        and _repairable_case(word) and any(is_valid_key(k) for k in ocr_keys(word.lower())))
        if len(word) == 1 and word.isupper():
            end = words[word_index].end()
            follower = line[end : end + 1]
            if word in ROMAN_OR_LIST_LETTERS or follower in (".", ")", "/"):
                return True
        if kind == "upper" and len(word) > 1:
            key = fold(word)
            if CODE_JOINERS.search(chunk):
                return False  # document-code pieces: only same-key vocabulary forms ('QD' → 'QĐ')
            if not is_valid_key(key):
                return False  # acronyms: same-key vocabulary forms only ('HDND' → 'HĐND', 'UBND' stays)
            if upper_share >= 0.5:
                return False
            # An isolated capitalised syllable inside running text is an acronym ('SIM', 'TIN').
            return not _has_upper_neighbour(words, word_index)
        return False

    def _fixed(self, start: int, end: int, text: str) -> Slot:
        ids = self._fixed_ids.get(text)
        if ids is None:
            ids = self._fixed_ids[text] = np.array([self.lm.token_id(lm_token(text))])
        return Slot(start, end, text, [text], ids, _ZERO, False)

    def _candidates(
        self,
        start: int,
        end: int,
        word: str,
        stats: DocumentStats,
        confidence: float | None,
        case: str | None,
    ) -> Slot:
        # Words repeat a lot within a document, and their options depend only on these inputs.
        cache_key = (word, confidence, stats.drop_rate, stats.noisy, case)
        cached = self._candidate_cache.get(cache_key)
        if cached is None:
            forms, ids, logps = self._options(word, stats, confidence)
            if case is not None and self.case_prior is not None and len(forms) > 1:
                logps = logps + np.array([self.case_prior.logp(case, form) for form in forms])
            cached = self._candidate_cache[cache_key] = (forms, ids, logps)
        forms, ids, logps = cached
        return Slot(start, end, word, forms, ids, logps, True)

    def _case_misread_candidates(self, line: str, start: int, end: int, word: str, written: str) -> Slot:
        """A word whose marked vowels eng OCR read in the wrong case ('SO' for 'Sở', 'CHi' for 'CHỈ'; see
        `_case_misread`), to be written as `written`: the odd case says a mark was there but not which, so
        every mark pattern of the key is equally likely (as for stripped text) and the LM and, inside a
        sentence, the case prior decide."""
        flat = DocumentStats(drop_rate=1.0, noisy=False)
        slot = self._candidates(start, end, word, flat, None, informative_case(line, start, written))
        return replace(slot, render_case=written)

    def _correction_candidates(self, start: int, end: int, word: str, confidence: float) -> Slot:
        cache_key = ("correct", word, confidence)
        cached = self._candidate_cache.get(cache_key)
        if cached is None:
            cached = self._candidate_cache[cache_key] = self._correction_options(word, confidence)
        forms, ids, logps = cached
        return Slot(start, end, word, forms, ids, logps, True)

    def _correction_options(self, word: str, confidence: float) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Options for a word good OCR was unsure of: the reading itself, other marks on its letters, and
        letter repairs, priced by how unsure OCR was (its confidence is the chance that the word is right)."""
        lower = word.lower()
        channel = self.clean_channel
        observed_key = ocr_key(lower)
        error_rate = min(max(1.0 - confidence, MIN_WORD_ERROR_RATE), MAX_WORD_ERROR_RATE)
        error_logp = math.log(error_rate) - WORD_CHANGE_COST
        options: dict[str, float] = {lower: math.log(max(confidence, 1.0 - MAX_WORD_ERROR_RATE))}
        for form in self.forms_by_key.get(observed_key, ()):
            if form != lower:
                differences = _mark_differences(lower, form) if observed_key == fold(lower) else 1
                options[form] = error_logp - MARK_DIFFERENCE_COST * (differences - 1)
        for repair_key, cost in channel.repairs(observed_key):
            for form in self.forms_by_key.get(repair_key, ())[:FORMS_PER_REPAIR]:
                logp = error_logp - (cost - channel.costs.key_change) - LETTER_REPAIR_COST
                options[form] = max(options.get(form, -math.inf), logp)
        for form, cost in channel.glyph_repairs(lower):
            if form in self.forms_by_key.get(fold(form), ()):
                logp = error_logp - cost - LETTER_REPAIR_COST
                options[form] = max(options.get(form, -math.inf), logp)
        forms = list(options)
        ids = np.array([self.lm.token_id(lm_token(f)) for f in forms], dtype=np.int64)
        class_member = (ids == self.lm.unk) | (ids == self._mix_id)
        logps = np.array(list(options.values()), dtype=np.float64)
        return forms, ids, logps - CLASS_MEMBER_PENALTY * class_member

    def _options(
        self, word: str, stats: DocumentStats, confidence: float | None
    ) -> tuple[list[str], np.ndarray, np.ndarray]:
        lower = word.lower()
        key = fold(lower)
        channel = self.noisy_channel if stats.noisy else self.clean_channel
        forms: list[str] = []
        logps: list[float] = []
        if key.isalpha():
            letter_level = stats.noisy and bool(channel.costs.char_confusion) and len(lower) == len(key)
            for form in self.forms_by_key.get(key, ()):
                forms.append(form)
                if letter_level:
                    logps.append(channel.char_mark_logp(lower, form))
                else:
                    logps.append(channel.mark_logp(lower, form, stats.drop_rate, confidence))
            # An unknown marked spelling of a known key is kept as an option only for good OCR; from a weak
            # engine it is a misreading.
            if lower not in forms and ((has_marks(lower) and not stats.noisy) or not forms):
                forms.append(lower)
                logps.append(0.0)
        else:
            forms.append(lower)  # an OCR token with digits, kept as it is unless a repair wins
            logps.append(0.0)
            read_key = ocr_key(lower)
            if stats.noisy and channel.costs.char_confusion and len(read_key) == len(lower):
                # A digit drawn for a marked vowel says which marks: '6' is mostly ô with a tone ('d6': 'đổ').
                for form in self.forms_by_key.get(read_key, ()):
                    forms.append(form)
                    logps.append(channel.char_mark_logp(lower, form))
        repairing = stats.noisy and len(word) <= MAX_REPAIR_LENGTH and _repairable_case(word)
        if repairing:
            proposals: list[tuple[str, float]] = []
            repairs = []
            for observed_key in ocr_keys(lower):
                repairs.extend(channel.repairs(observed_key))
                if observed_key != key and channel.is_known_key(observed_key):
                    repairs.insert(0, (observed_key, channel.costs.key_change))
                for form, cost in channel.surface_repairs(observed_key):
                    if form in self.lm.word_id and self.forms_by_key.get(fold(form)):
                        proposals.append((form, cost))
            for repair_key, cost in repairs:
                for form in self.forms_by_key.get(repair_key, ())[:FORMS_PER_REPAIR]:
                    proposals.append((form, cost))
            options = dict(zip(forms, logps, strict=True))
            for form, cost in proposals:
                options[form] = max(options.get(form, -math.inf), -cost)
            forms, logps = list(options), list(options.values())
        ids = np.array([self._token_id(f) for f in forms], dtype=np.int64)
        channel_logp = np.array(logps, dtype=np.float64)
        if repairing and len(forms) > MAX_NOISY_FORMS:
            # Keep the options with the best channel + unigram score; the trigram search is cubic in this.
            prior = channel_logp + self.lm.uni_logp[ids]
            keep = np.sort(np.argsort(-prior, kind="stable")[:MAX_NOISY_FORMS])
            forms = [forms[i] for i in keep.tolist()]
            ids, channel_logp = ids[keep], channel_logp[keep]
        # <unk> and <mix> are classes of many word types: one particular unknown word is far less likely.
        class_member = (ids == self.lm.unk) | (ids == self._mix_id)
        return forms, ids, channel_logp - CLASS_MEMBER_PENALTY * class_member

    def _token_id(self, form: str) -> int:
        token_id = self._token_ids.get(form)
        if token_id is None:
            token_id = self._token_ids[form] = self.lm.token_id(lm_token(form))
        return token_id

    def _viterbi_batch(self, lattices: list[list[Slot]]) -> list[list[int]]:
        """Best candidate index per slot for each line (`viterbi.py`)."""
        return best_paths(self.lm, lattices)


def _stats_kind(word: str) -> str:
    """How a word counts towards the document's statistics: 'marked' or 'plain' Vietnamese syllable,
    'invalid' (no syllable, or letters mixed with other characters), or 'other' (numbers, names)."""
    if not word.isalpha():
        return "other" if word.isdigit() else "invalid"
    kind = case_kind(word)
    if kind == "mixed":
        return "other"
    if is_valid_key(fold(word)) and is_native_word(word):
        return "marked" if has_marks(word) else "plain"
    return "invalid" if kind in ("lower", "title") else "other"


def _has_choice(slots: list[Slot]) -> bool:
    return any(slot.restorable and len(slot.forms) > 1 for slot in slots)


def _render(
    line: str, slots: list[Slot], choice: list[int], line_number: int = 0
) -> tuple[str, list[WordChange]]:
    pieces: list[str] = []
    changes: list[WordChange] = []
    cursor = 0
    length = 0
    for slot, k in zip(slots, choice, strict=True):
        if not slot.restorable:
            continue
        pieces.append(line[cursor : slot.start])
        length += slot.start - cursor
        word = _cased(slot.render_case or slot.text, slot.forms[k])
        if word != slot.text:
            changes.append(WordChange(line_number, length, slot.text, word))
        pieces.append(word)
        length += len(word)
        cursor = slot.end
    pieces.append(line[cursor:])
    return "".join(pieces), changes


def _correctable(word: str) -> bool:
    """Words correction mode may re-decode: letters (a glued OCR symbol or digit allowed) in lower or title
    case. Numbers, codes and acronyms stay as read, whatever the confidence: they carry the KPI values."""
    letters = sum(ch.isalpha() for ch in word)
    short = len(word) <= MAX_REPAIR_LENGTH
    return letters > 0 and letters >= len(word) - 1 and short and _repairable_case(word)


def _mark_differences(observed: str, candidate: str) -> int:
    _, obs_mods, obs_tone = decompose(observed)
    _, cand_mods, cand_tone = decompose(candidate)
    return (obs_tone != cand_tone) + sum(a != b for a, b in zip(obs_mods, cand_mods, strict=False))


def _repairable_case(word: str) -> bool:
    """Lowercase or capitalised OCR tokens; all-caps tokens are acronyms far more often than garbles."""
    letters = [ch for ch in word if ch.isalpha() or ch in GLUED_VOWEL_SYMBOLS]
    capitals = sum(ch.isupper() for ch in letters)
    return bool(letters) and (capitals == 0 or (capitals == 1 and word[0].isupper()))


def _case_misread(words: list, index: int, upper_share: float) -> str | None:
    """The case a word was written in when eng OCR read its marked vowels in the other case, else None.

    A marked lowercase vowel comes out as a capital ('SO' for 'Sở', 'BO' for 'Bộ', 'HOi' for 'Hội'): a short
    word in running text (the line not mostly all-caps, no all-caps neighbour) that starts with a consonant
    and whose other capitals are all vowels is written in title case. A marked capital I comes out as 'i'
    ('CHi' for 'CHỈ', 'HiNH' for 'HÌNH'): a word in capitals but for its i's, in an all-caps line or beside
    an all-caps word, is written in capitals. Roman numerals ('II', 'XIII') and words that spell no syllable
    ('ViLIS') are left to the other rules."""
    word = words[index].group()
    if not (2 <= len(word) <= MAX_REPAIR_LENGTH and word.isalpha() and word[0].isupper()):
        return None
    if all(ch in ROMAN_OR_LIST_LETTERS for ch in word) or not is_valid_key(fold(word)):
        return None
    in_capitals = upper_share >= 0.5 or _has_upper_neighbour(words, index)
    lowercase = [ch for ch in word if ch.islower()]
    if in_capitals:
        return word.upper() if lowercase and all(ch == "i" for ch in lowercase) else None
    tail_capitals = [ch for ch in word[1:] if ch.isupper()]
    if len(word) > 4 or word[0] in VOWEL_CAPITALS or not tail_capitals:
        return None
    return word[0] + word[1:].lower() if all(ch in VOWEL_CAPITALS for ch in tail_capitals) else None


def _has_upper_neighbour(words: list, index: int) -> bool:
    for neighbour in (index - 1, index + 1):
        if 0 <= neighbour < len(words):
            other = words[neighbour].group()
            if other.isalpha() and other.isupper() and len(other) > 1 and is_valid_key(fold(other)):
                return True
    return False


def _cased(original: str, form: str) -> str:
    if original.lower() == form:
        return original
    if original.islower() or not any(ch.isupper() for ch in original):
        return form
    if case_kind(original) == "mixed":
        return form if original[:1].islower() else form[:1].upper() + form[1:]
    if original[:1] == "I" and form[:1] == "l" and original[1:].islower():
        return form  # capital I and lowercase l share a glyph: "Igi" was "lợi", not "Lợi"
    if len(original) == len(form):
        return "".join(f.upper() if o.isupper() else f for o, f in zip(original, form, strict=True))
    return apply_case(original, form)


def _normalised_confidences(
    confidences: list[float] | None, unknown: float | None = 0.5
) -> list[float | None] | None:
    """Accept Tesseract's 0-100 scale or 0-1; unknown (negative) confidences become `unknown`."""
    if confidences is None:
        return None
    scale = 100.0 if any(c > 1.0 for c in confidences) else 1.0
    return [unknown if c < 0 else min(c / scale, 1.0) for c in confidences]

