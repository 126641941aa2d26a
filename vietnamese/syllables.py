"""Vietnamese syllable spelling: which letter strings can be one syllable.

Two questions, asked by different stages: `is_valid_key` — can this *folded* key (marks lost, as OCR or an
old archive gives it) spell a syllable at all? (restoration, OCR post-processing); `is_vietnamese_syllable`
— is this *marked* word spelled right, with one tone on the vowel where it belongs? (telling a correct
legacy-encoding decoding from mojibake). Both read one onset list.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from vietnamese.folding import fold
from vietnamese.letters import ACUTE, DOT, VIETNAMESE_LETTERS, split_tone

# Longest first, so "ngh" is tried before "ng" and "n".
_ONSETS = ("ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr", *"bcdđghklmnprstvx", "")

# --- Folded keys ------------------------------------------------------------------------------------------
# Folded rhymes of the standard orthography (marks removed, so 'ươ', 'uô', 'uơ' all read 'uo').
_FOLDED_RHYMES = frozenset(
    (
        "a", "ai", "ao", "au", "ay", "am", "an", "ang", "anh", "ap", "at", "ac", "ach",
        "e", "eo", "em", "en", "eng", "ep", "et", "ec", "eu", "enh", "ech",
        "i", "ia", "iu", "im", "in", "inh", "ip", "it", "ich", "ieu", "iem", "ien", "ieng", "iep", "iet",
        "iec",
        "y", "yeu", "yen", "yem", "yet",
        "o", "oa", "oe", "oi", "om", "on", "ong", "op", "ot", "oc", "oai", "oay", "oan", "oang", "oanh",
        "oat", "oac", "oach", "oam", "oap", "oen", "oet", "oeo", "oong", "ooc",
        "u", "ua", "ui", "um", "un", "ung", "up", "ut", "uc", "uy", "uya", "uyu", "uych", "uynh", "uyt",
        "uyn", "uyen", "uyet", "uan", "uat", "uang", "uay", "ue", "uenh", "uo", "uoi",
        "uom", "uon", "uong", "uot", "uoc", "uu", "uou", "uop", "uen", "uet", "uech",
    )
)  # fmt: skip
_FOLDED_ONSET_RE = re.compile("^(" + "|".join(o for o in _ONSETS if o and o != "đ") + ")?(.*)$")


@lru_cache(maxsize=65536)
def is_valid_key(key: str) -> bool:
    """Whether a folded lowercase key can spell a Vietnamese syllable (onset + rhyme)."""
    if not key or len(key) > 7 or not key.isascii() or not key.isalpha():
        return False
    match = _FOLDED_ONSET_RE.match(key)
    if match is None:
        return False
    onset, rhyme = match.group(1) or "", match.group(2)
    if rhyme in _FOLDED_RHYMES:
        return _onset_fits(onset, rhyme)
    # 'gi' + rhyme starting with 'i' is spelled with one i ('gìn' = gi + in), and 'gi' alone is 'gì'.
    if onset == "gi" and ("i" + rhyme in _FOLDED_RHYMES or rhyme == ""):
        return True
    if onset == "gi" and rhyme and rhyme[0] != "i":
        return False
    return onset == "qu" and ("u" + rhyme) in _FOLDED_RHYMES


def _onset_fits(onset: str, rhyme: str) -> bool:
    first = rhyme[:1]
    if onset in ("k", "gh", "ngh"):
        return first in ("i", "e", "y")
    if onset in ("c", "g", "ng"):
        return first not in ("i", "e", "y")
    if onset == "qu":
        return not rhyme.startswith("u")  # 'quốc', 'quơ' are fine; 'quu' is not
    return True


def looks_like_syllable(word: str) -> bool:
    """Whether `word`, marks and case aside, has the shape of one Vietnamese syllable ("nghiệp", "tin")."""
    return is_valid_key(fold(word))


# --- Marked words -----------------------------------------------------------------------------------------
_CODAS = ("", "ch", "ng", "nh", "c", "m", "n", "p", "t")
_STOP_CODAS = frozenset(("c", "ch", "p", "t"))
# Vowel groups that may end the syllable or take a final consonant, those that need a final consonant,
# and those that already end in a glide and so take none.
_OPEN_OR_CLOSED = frozenset(["a", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "oa", "oe", "uê", "uy"])
# y on its own is a spelling of i used after a few onsets only (lý, kỹ, mỹ, quý, ý; never "trý").
_ONSETS_BEFORE_LONE_Y = frozenset(["", "h", "k", "l", "m", "n", "qu", "s", "t", "v"])
_CLOSED_ONLY = frozenset(["ă", "â", "oă", "uâ", "iê", "yê", "uô", "ươ", "uyê"])
# fmt: off
_GLIDE_ENDED = frozenset([
    "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iu", "oi", "ôi", "ơi", "ua", "ui", "ưa", "ưi",
    "ưu", "ươi", "ươu", "iêu", "yêu", "uôi", "oai", "oay", "oao", "oeo", "uây", "uya", "uyu", "uơ",
])
# fmt: on
_SHAPED_VOWELS = "ăâêôơư"
# Both "hoà" and "hòa" spellings are in use for these open groups.
_EITHER_TONE_POSITION = frozenset(("oa", "oe", "uy"))


def _tone_positions(vowels: str, has_coda: bool) -> tuple[int, ...]:
    """Where in the vowel group Vietnamese spelling puts the tone mark."""
    shaped = [i for i, c in enumerate(vowels) if c in _SHAPED_VOWELS]
    if shaped:
        return (shaped[-1],)  # the vowel with a shape mark (ơ in ươ)
    if has_coda or len(vowels) == 1:
        return (len(vowels) - 1,)
    if vowels in _EITHER_TONE_POSITION:
        return (0, 1)
    return (1,) if len(vowels) == 3 else (0,)


@lru_cache(maxsize=65536)  # words repeat: a report has a few thousand distinct ones
def is_vietnamese_syllable(word: str) -> bool:
    """Whether word (one syllable, any case) is spelled like a Vietnamese syllable: onset, vowel group,
    final consonant, at most one tone mark, on the vowel where it belongs, and only sắc/nặng before a
    final c, ch, p or t."""
    letters = unicodedata.normalize("NFC", word.lower())
    tone = ""
    tone_index = -1
    bases = []
    for index, char in enumerate(letters):
        base, char_tone = split_tone(char)
        if char_tone:
            if tone or len(char_tone) > 1 or base not in VIETNAMESE_LETTERS:
                return False
            tone, tone_index = char_tone, index
        if len(base) != 1:
            return False  # a mark NFC could not attach: not a Vietnamese letter
        bases.append(base)
    toneless = "".join(bases)
    for onset in _ONSETS:
        if not toneless.startswith(onset):
            continue
        rest = toneless[len(onset) :]
        for coda in _CODAS:
            if not rest.endswith(coda) or len(rest) == len(coda):
                continue
            vowels = rest[: len(rest) - len(coda)]
            if coda:
                fits = vowels in _OPEN_OR_CLOSED or vowels in _CLOSED_ONLY
            elif vowels == "y":
                fits = onset in _ONSETS_BEFORE_LONE_Y
            else:
                fits = vowels in _OPEN_OR_CLOSED or vowels in _GLIDE_ENDED
            # "qu" already carries the w-glide, so a second one (quoa, quue) is not Vietnamese.
            if not fits or (onset == "qu" and vowels[0] in "ou"):
                continue
            if tone and tone_index - len(onset) not in _tone_positions(vowels, bool(coda)):
                continue
            return not (coda in _STOP_CODAS and tone not in ("", ACUTE, DOT))
    return False
