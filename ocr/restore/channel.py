"""Noisy-channel OCR model: which intended syllables could have produced an observed token, and at what cost.

Two kinds of corruption are modelled separately because they behave differently:

* marks (tone and vowel modifiers) dropped or confused on otherwise correct letters — scored per syllable
  from the observed/candidate mark difference, with a document-level drop rate (a fully stripped text makes
  every mark pattern equally likely) and the OCR word confidence;
* letter confusions of weak OCR models (``s6``→``số``, ``1ap``→``lập``, ``dwy``→``ủy``, ``nim``→``năm``) —
  learned segment rewrites (``u>if``: 'chức' read 'chifc'; on marked text ``ự>y``: 'tự' read 'ty') undone
  once or twice, plus a weighted edit distance on folded keys whose per-letter costs are learned too,
  searched among the vocabulary's keys with rapidfuzz. All costs come from aligned OCR/truth pairs made by
  ``ocr/restore/channel_data.py``.

Costs are negative natural logs, so they add to the LM's log-probabilities in the decoder.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from vietnamese.folding import fold
from vietnamese.letters import decompose, is_native_word
from vietnamese.syllables import is_valid_key

# Characters that eng-OCR produces for Vietnamese letters; folded before the key-level edit search.
DIGIT_AS_LETTER = {"0": "o", "1": "l", "5": "s", "6": "o", "8": "a", "9": "g", "4": "a", "3": "a"}
# Symbols OCR draws for a marked vowel glued to a word ("1€"/"1¢" for 'lệ', "S¢" for 'Sở', "C&n" for 'Căn',
# "S@"/"phu@ng" for 'Sở'/'phương'); the first letter is the reading of ocr_key, the others are tried too
# (ocr_keys).
SYMBOL_AS_LETTER = {"¢": "o", "€": "e", "&": "e", "@": "o"}
SYMBOL_ALTERNATIVES = {"¢": "e", "&": "ao", "@": "a"}
DEFAULT_SUB_COST = 5.5
DEFAULT_INDEL_COST = 6.0
MAX_REPAIR_COST = 11.0
MAX_REPAIR_COST_UNKNOWN = 15.0
MAX_SECOND_REWRITES = 16
MAX_REPAIRS = 12
KEY_PRIOR_WEIGHT = 0.5
DEFAULT_MARK_CONFUSION_COST = 7.0
# Confusions of weak OCR engines known from real archives (the project's issue: 'nim' for 'năm', 'Tw' for
# 'Tự') that rendered training pages may not show; used when the aligned pairs did not learn them.
SEED_SURFACE_REWRITES = tuple(f"{vowel}>i" for vowel in "ăằắẳẵặ") + tuple(f"{vowel}>w" for vowel in "ưừứửữự")
SEED_REWRITE_COST = 4.0
# Glyphs a good (`vie`) engine reads for a damaged letter on real scans that the rendered training pages
# never show (not one of the 25 k vie pairs misreads đ): the bar of 'đ' faded into a horn and a hook, so
# 'văn bản đi' came back 'văn bản ởi' on two of the sample scans. True letter -> the glyphs it is read as.
SEED_GLYPH_CONFUSIONS = {"đ": "ơờớởỡợ"}
SEED_GLYPH_COST = 4.0


@dataclass
class ChannelCosts:
    """Learned parameters; serialised as JSON next to the LM."""

    # -log P(observed char | intended char) on folded keys, for substitutions "ab" = a read as b.
    substitution: dict[str, float] = field(default_factory=dict)
    insertion: dict[str, float] = field(default_factory=dict)  # extra observed char
    deletion: dict[str, float] = field(default_factory=dict)  # intended char missing
    # -log P(marks differ | marked observation, same key), the base for mark corrections.
    mark_change: float = 3.0
    # -log P(the observed key is wrong at all), paid once by every letter repair.
    key_change: float = 2.5
    # Share of syllables carrying marks in natural text (from the corpus), to estimate drop rates.
    natural_mark_share: float = 0.88  # measured on the held-out legal (0.87) and report (0.89) text
    # Segment rewrites "true>observed" (e.g. "u>if": 'chức' read 'chifc'), -log P(rewrite | true segment).
    rewrites: dict[str, float] = field(default_factory=dict)
    # The same on marked truth ("ự>y": 'tự' read 'ty'), which pins down the marks as well as the letters.
    surface_rewrites: dict[str, float] = field(default_factory=dict)
    # Letter-level mark confusions "true>observed" ('ế>é', 'ư>u'), -log P(observed char | true char), for
    # tokens whose letters were read right; identity entries ('a>a') are included.
    char_confusion: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False, indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ChannelCosts:
        return cls(**json.loads(text))

    @classmethod
    def load(cls, path: Path) -> ChannelCosts:
        return cls.from_json(path.read_text(encoding="utf-8"))


@dataclass
class ChannelProfiles:
    """Costs learned from a good OCR engine (vie: 'clean') and from a weak one (eng: 'noisy')."""

    clean: ChannelCosts = field(default_factory=ChannelCosts)
    noisy: ChannelCosts = field(default_factory=ChannelCosts)

    def to_json(self) -> str:
        payload = {"clean": json.loads(self.clean.to_json()), "noisy": json.loads(self.noisy.to_json())}
        return json.dumps(payload, ensure_ascii=False, indent=1, sort_keys=True)

    @classmethod
    def load(cls, path: Path) -> ChannelProfiles:
        payload = json.loads(path.read_text(encoding="utf-8"))
        return cls(clean=ChannelCosts(**payload["clean"]), noisy=ChannelCosts(**payload["noisy"]))


def learn_costs(pairs: Iterable[tuple[str, str]], smoothing: float = 0.5) -> ChannelCosts:
    """Estimate letter and mark confusion costs from (observed OCR token, true syllable) pairs."""
    char_total: Counter[str] = Counter()
    subs: Counter[str] = Counter()
    ins: Counter[str] = Counter()
    dels: Counter[str] = Counter()
    marked_same_key = 0
    marked_changed = 0
    key_total = 0
    key_changed = 0
    rules: Counter[str] = Counter()
    surface_rules: Counter[str] = Counter()
    char_pairs: Counter[str] = Counter()
    char_seen: Counter[str] = Counter()
    true_keys: list[str] = []
    true_surfaces: list[str] = []
    for observed, truth in pairs:
        obs_key, true_key = ocr_key(observed), fold(truth.lower())
        if not true_key.isalpha() or not is_native_word(truth):
            continue  # foreign script in the source text says nothing about Vietnamese OCR
        key_total += 1
        char_total.update(true_key)
        true_keys.append(true_key)
        true_surfaces.append(truth.lower())
        if obs_key == true_key:
            obs_lower, true_lower = observed.lower(), truth.lower()
            if len(obs_lower) == len(true_lower):
                for true_char, obs_char in zip(true_lower, obs_lower, strict=True):
                    if fold(true_char) != true_char or true_char in "aeiouy":
                        char_pairs[f"{true_char}>{obs_char}"] += 1
                        char_seen[true_char] += 1
            if observed.lower() != fold(observed.lower()):
                marked_same_key += 1
                marked_changed += observed.lower() != truth.lower()
            continue
        key_changed += 1
        rule = segment_rewrite(true_key, obs_key)
        if rule is not None:
            rules[f"{rule[0]}>{rule[1]}"] += 1
        rule = segment_rewrite(truth.lower(), obs_key)
        if rule is not None:
            surface_rules[f"{rule[0]}>{rule[1]}"] += 1
        for op, src, dst in Levenshtein.editops(true_key, obs_key):
            if op == "replace":
                subs[true_key[src] + obs_key[dst]] += 1
            elif op == "delete":
                dels[true_key[src]] += 1
            else:
                ins[obs_key[dst]] += 1
    total_chars = max(sum(char_total.values()), 1)
    costs = ChannelCosts()
    costs.substitution = {
        pair: round(-math.log((n + smoothing) / (char_total[pair[0]] + 1.0)), 3) for pair, n in subs.items()
    }
    costs.deletion = {
        ch: round(-math.log((n + smoothing) / (char_total[ch] + 1.0)), 3) for ch, n in dels.items()
    }
    costs.insertion = {ch: round(-math.log((n + smoothing) / total_chars), 3) for ch, n in ins.items()}
    costs.rewrites = _rule_costs(rules, true_keys)
    costs.surface_rewrites = _rule_costs(surface_rules, true_surfaces)
    if key_changed:
        for rule in SEED_SURFACE_REWRITES:
            costs.surface_rewrites.setdefault(rule, SEED_REWRITE_COST)
    costs.char_confusion = {
        pair: round(-math.log((n + smoothing) / (char_seen[pair.split(">")[0]] + 1.0)), 3)
        for pair, n in char_pairs.items()
    }
    if marked_same_key:
        costs.mark_change = round(-math.log((marked_changed + smoothing) / (marked_same_key + 1.0)), 3)
    if key_total:
        costs.key_change = round(-math.log((key_changed + smoothing) / (key_total + 1.0)), 3)
    return costs


def _rule_costs(rules: Counter[str], true_texts: list[str]) -> dict[str, float]:
    """-log P(rewrite | true segment), for rewrites seen at least twice (one-off garbles are not habits)."""
    costs: dict[str, float] = {}
    for rule, n in rules.items():
        if n < 2:
            continue
        segment = rule.split(">")[0]
        occurrences = max(sum(text.count(segment) for text in true_texts), n)
        costs[rule] = round(-math.log(n / (occurrences + 1.0)), 3)
    return costs


def segment_rewrite(true_key: str, obs_key: str) -> tuple[str, str] | None:
    """The single differing segment of two keys after removing their common prefix and suffix; an empty
    side is widened by one neighbouring letter so that the rule says where the insertion happens."""
    start = 0
    while start < min(len(true_key), len(obs_key)) and true_key[start] == obs_key[start]:
        start += 1
    end_t, end_o = len(true_key), len(obs_key)
    while end_t > start and end_o > start and true_key[end_t - 1] == obs_key[end_o - 1]:
        end_t -= 1
        end_o -= 1
    if end_t == start or end_o == start:
        if start > 0:
            start -= 1
        elif end_t < len(true_key) and end_o < len(obs_key):
            end_t += 1
            end_o += 1
    true_seg, obs_seg = true_key[start:end_t], obs_key[start:end_o]
    if not true_seg or not obs_seg or len(true_seg) > 3 or len(obs_seg) > 3:
        return None
    return true_seg, obs_seg


def _parse_rules(rewrites: dict[str, float]) -> dict[str, list[tuple[str, float]]]:
    """Rewrites grouped by their observed segment: {observed: [(true, cost), ...]}."""
    grouped: dict[str, list[tuple[str, float]]] = {}
    for rule, cost in rewrites.items():
        true_seg, obs_seg = rule.split(">")
        grouped.setdefault(obs_seg, []).append((true_seg, cost))
    return grouped


def ocr_keys(token: str) -> list[str]:
    """The folded keys an OCR token may stand for: :func:`ocr_key`, then the other readings of a glued
    vowel symbol ('1¢' → 'lo', 'le')."""
    key = ocr_key(token)
    keys = [key]
    for symbol, letters in SYMBOL_ALTERNATIVES.items():
        if symbol in token:
            keys.extend(ocr_key(token.replace(symbol, letter)) for letter in letters)
    return keys


def ocr_key(token: str) -> str:
    """Folded key of an OCR token, reading digits as the letters they usually stand for."""
    # An apostrophe inside or after a word is how eng-OCR draws the horn of ư/ơ ("thu'c" for 'thực').
    folded = fold(token.lower()).replace("'", "").replace("\u2019", "")
    if folded.endswith("?"):
        folded = folded[:-2] + "u"  # 'thi?', 'st?', 'xv?': a marked ư drawn as a letter and a '?'
    if any(ch.isdigit() or ch in SYMBOL_AS_LETTER for ch in folded):
        folded = "".join(DIGIT_AS_LETTER.get(ch) or SYMBOL_AS_LETTER.get(ch, ch) for ch in folded)
    return folded


class Channel:
    """Candidate proposals and channel log-probabilities for one loaded model."""

    def __init__(self, costs: ChannelCosts, key_logp: dict[str, float]) -> None:
        self.costs = costs
        self.key_logp = key_logp  # best unigram log-probability among each syllable key's forms
        self.keys = sorted(key_logp)
        self.key_set = set(self.keys)
        self.vowels_seen = {pair.split(">")[0] for pair in costs.char_confusion}
        self.rules = _parse_rules(costs.rewrites)
        self.surface_rules = _parse_rules(costs.surface_rewrites)
        self._glyph_sources: dict[str, list[str]] = {}
        for true_char, glyphs in SEED_GLYPH_CONFUSIONS.items():
            for glyph in glyphs:
                self._glyph_sources.setdefault(glyph, []).append(true_char)

    def char_mark_logp(self, observed: str, candidate: str) -> float:
        """log P(observed | candidate) letter by letter from the learned mark confusions (weak OCR, where
        an observed 'é' says 'some mark on a vowel' rather than exactly an acute e)."""
        total = 0.0
        confusion = self.costs.char_confusion
        for true_char, obs_char in zip(candidate, observed, strict=False):
            if true_char == obs_char and true_char not in self.vowels_seen:
                continue
            cost = confusion.get(f"{true_char}>{obs_char}")
            if cost is None:
                cost = 0.0 if true_char == obs_char else DEFAULT_MARK_CONFUSION_COST
            total += cost
        return -total

    def mark_logp(self, observed: str, candidate: str, drop_rate: float, confidence: float | None) -> float:
        """log P(observed marks | candidate syllable) for a candidate with the observed letters."""
        _, obs_mods, obs_tone = decompose(observed)
        if observed == candidate:
            return 0.0
        observed_marked = obs_tone != 0 or any(obs_mods)
        if not observed_marked:
            # The observation lost all marks: as likely as the drop rate of the document.
            return math.log(max(drop_rate, 1e-3))
        penalty = self.costs.mark_change
        if confidence is not None:
            # Read the OCR confidence as the chance that the marks are right; a confident word keeps its
            # marks unless the LM strongly disagrees, an unsure one yields to context easily.
            error_rate = min(max(1.0 - confidence, math.exp(-self.costs.mark_change)), 0.5)
            penalty = -math.log(error_rate)
        _, cand_mods, cand_tone = decompose(candidate)
        differences = (obs_tone != cand_tone) + sum(a != b for a, b in zip(obs_mods, cand_mods, strict=False))
        return -penalty * (1 + 0.5 * (differences - 1))

    def repair_cost(self, observed_key: str, candidate_key: str) -> float:
        """Learned weighted edit distance between an observed folded key and a vocabulary key."""
        cost = self.costs.key_change
        for op, src, dst in Levenshtein.editops(candidate_key, observed_key):
            if op == "replace":
                cost += self.costs.substitution.get(
                    candidate_key[src] + observed_key[dst], DEFAULT_SUB_COST
                )
            elif op == "delete":
                cost += self.costs.deletion.get(candidate_key[src], DEFAULT_INDEL_COST)
            else:
                cost += self.costs.insertion.get(observed_key[dst], DEFAULT_INDEL_COST)
        return cost

    @lru_cache(maxsize=200_000)  # noqa: B019 - one Channel per loaded model, kept for the process
    def repairs(self, observed_key: str) -> tuple[tuple[str, float], ...]:
        """Vocabulary keys the observed key may be a garble of, with repair costs (most plausible first).

        Two generators: the learned segment rewrites undone once or twice ('chifc' → 'chuc'), and a
        rapidfuzz search within two edits priced by the learned per-letter costs ('nim' → 'nam').
        """
        if not observed_key or len(observed_key) > 9:
            return ()
        found: dict[str, float] = {}
        for text, cost in self._undo_rewrites(observed_key, self.rules):
            if text in self.key_set and text != observed_key:
                found[text] = min(found.get(text, math.inf), self.costs.key_change + cost)
        edits = 1 if len(observed_key) <= 3 else 2
        matches = process.extract(
            observed_key, self.keys, scorer=Levenshtein.distance, score_cutoff=edits, limit=None
        )
        for key, _distance, _index in matches:
            if key != observed_key:
                found[key] = min(found.get(key, math.inf), self.repair_cost(observed_key, key))
        # A token that spells no syllable at all has nothing better to offer: look further for it.
        limit = MAX_REPAIR_COST if observed_key in self.key_set else MAX_REPAIR_COST_UNKNOWN
        plausible = [(key, cost) for key, cost in found.items() if cost <= limit]
        # Rank by posterior, not cost alone, so that a frequent syllable beats an equally cheap rare one.
        plausible.sort(key=lambda item: item[1] - KEY_PRIOR_WEIGHT * self.key_logp[item[0]])
        return tuple(plausible[:MAX_REPAIRS])

    @lru_cache(maxsize=200_000)  # noqa: B019 - one Channel per loaded model, kept for the process
    def surface_repairs(self, observed_key: str) -> tuple[tuple[str, float], ...]:
        """Marked strings the observed key may be a garble of ('ty' → 'tự'), with costs; the caller keeps
        those that are vocabulary forms."""
        if not observed_key or len(observed_key) > 9:
            return ()
        found: dict[str, float] = {}
        for text, cost in self._undo_rewrites(observed_key, self.surface_rules):
            if text != observed_key:
                found[text] = min(found.get(text, math.inf), self.costs.key_change + cost)
        return tuple(sorted(found.items(), key=lambda item: item[1]))

    @staticmethod
    def _undo_rewrites(
        observed: str, rules: dict[str, list[tuple[str, float]]]
    ) -> list[tuple[str, float]]:
        results: list[tuple[str, float]] = []
        frontier = [(observed, 0.0)]
        for _depth in range(2):
            next_frontier = []
            for text, base in frontier:
                for obs_seg, undo in rules.items():
                    if obs_seg not in text:
                        continue
                    position = text.find(obs_seg)
                    while position != -1:
                        head, tail = text[:position], text[position + len(obs_seg) :]
                        for true_seg, cost in undo:
                            next_frontier.append((head + true_seg + tail, base + cost))
                        position = text.find(obs_seg, position + 1)
            results.extend(next_frontier)
            # Only cheap first rewrites are worth combining with a second one.
            cheap = [item for item in next_frontier if item[1] < MAX_REPAIR_COST / 2]
            frontier = sorted(cheap, key=lambda item: item[1])[:MAX_SECOND_REWRITES]
        return results

    def glyph_repairs(self, observed: str) -> list[tuple[str, float]]:
        """Strings the observed lowercase word may be a misreading of, one look-alike glyph undone
        ('ởi' → 'đi'), with costs; the caller keeps those that are vocabulary forms."""
        found: list[tuple[str, float]] = []
        for position, char in enumerate(observed):
            for true_char in self._glyph_sources.get(char, ()):
                found.append((observed[:position] + true_char + observed[position + 1 :], SEED_GLYPH_COST))
        return found

    def is_known_key(self, key: str) -> bool:
        return key in self.key_set and is_valid_key(key)
