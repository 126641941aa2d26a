"""Vietnamese syllable utilities: accent folding, mark decomposition, case transfer, phonotactic validity.

A syllable is a maximal run of letters. Its *key* is the accent-folded lowercase form (đ→d), which is what
survives when an OCR engine or an old archive drops the marks; restoration maps a key back to a surface form.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Combining marks that carry the tone (thanh điệu) and the vowel modifiers (ă â ê ô ơ ư).
TONE_MARKS = {"\u0300": 1, "\u0301": 2, "\u0309": 3, "\u0303": 4, "\u0323": 5}  # huyền sắc hỏi ngã nặng
MODIFIER_MARKS = {"\u0306": "breve", "\u0302": "circumflex", "\u031b": "horn"}
VIETNAMESE_LETTERS = (
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
)
_VIETNAMESE_LETTER_SET = frozenset(VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper())


def _fold_char(ch: str) -> str:
    if ch in "đĐ":
        return "d"
    base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
    return base.lower() if len(base) == 1 else ch.lower()


def _build_fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    # Latin-1/Latin Extended letters cover what eng-OCR emits (é, ö, ç...) besides the Vietnamese set.
    for code in list(range(0xC0, 0x250)) + list(range(0x1E00, 0x1F00)):
        ch = chr(code)
        if ch.isalpha():
            folded = _fold_char(ch)
            if folded != ch:
                table[code] = folded
    for code in range(ord("A"), ord("Z") + 1):
        table[code] = chr(code).lower()
    return table


_FOLD_TABLE = _build_fold_table()
_STRIP_TABLE = {code: (v.upper() if chr(code).isupper() else v) for code, v in _FOLD_TABLE.items()}


def fold(text: str) -> str:
    """Accent-folded lowercase form: 'Đường' → 'duong'. Length is preserved for NFC input."""
    return text.translate(_FOLD_TABLE)


def strip_marks(text: str) -> str:
    """Remove all Vietnamese marks but keep case: 'Độc lập' → 'Doc lap'."""
    return text.translate(_STRIP_TABLE)


def has_marks(text: str) -> bool:
    return strip_marks(text) != text


@lru_cache(maxsize=65536)
def decompose(syllable: str) -> tuple[str, tuple[str, ...], int]:
    """(folded key, per-letter modifier names or '', tone 0..5) of a lowercase NFC syllable."""
    key_chars: list[str] = []
    modifiers: list[str] = []
    tone = 0
    for ch in syllable:
        if ch == "đ":
            key_chars.append("d")
            modifiers.append("stroke")
            continue
        parts = unicodedata.normalize("NFD", ch)
        key_chars.append(parts[0].lower())
        modifier = ""
        for mark in parts[1:]:
            if mark in TONE_MARKS:
                tone = TONE_MARKS[mark]
            elif mark in MODIFIER_MARKS:
                modifier = MODIFIER_MARKS[mark]
        modifiers.append(modifier)
    return "".join(key_chars), tuple(modifiers), tone


def apply_case(pattern: str, surface: str) -> str:
    """Give `surface` (lowercase) the case pattern of `pattern`: 'Tra'+'trà' → 'Trà', 'BAO'+'báo' → 'BÁO'."""
    if pattern.islower() or not pattern:
        return surface
    if pattern.isupper() and len(pattern) > 1:
        return surface.upper()
    if pattern[0].isupper() and (len(pattern) == 1 or pattern[1:].islower()):
        return surface[:1].upper() + surface[1:]
    if len(pattern) == len(surface):
        return "".join(s.upper() if p.isupper() else s for p, s in zip(pattern, surface, strict=True))
    return surface


def case_kind(word: str) -> str:
    """'lower', 'title', 'upper' or 'mixed'; single capitals count as 'upper'."""
    if word.islower():
        return "lower"
    if word.isupper():
        return "upper" if len(word) > 1 else "title"
    if word[0].isupper() and word[1:].islower():
        return "title"
    return "mixed"


def is_vietnamese_letters(word: str) -> bool:
    return all(ch in _VIETNAMESE_LETTER_SET for ch in word)


# --- Phonotactics on folded keys -------------------------------------------------------------------------
# Onsets (ordered longest first so that the regex prefers 'ngh' over 'ng' over 'n').
_ONSETS = ["ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr",
           "b", "c", "d", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", ""]
# Folded rhymes of the standard orthography (marks removed, so 'ươ', 'uô', 'uơ' all read 'uo').
_RHYMES = frozenset(
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
)
_ONSET_RE = re.compile("^(" + "|".join(o for o in _ONSETS if o) + ")?(.*)$")


@lru_cache(maxsize=65536)
def is_valid_key(key: str) -> bool:
    """Whether a folded lowercase key can spell a Vietnamese syllable (onset + rhyme)."""
    if not key or len(key) > 7 or not key.isascii() or not key.isalpha():
        return False
    match = _ONSET_RE.match(key)
    if match is None:
        return False
    onset, rhyme = match.group(1) or "", match.group(2)
    if rhyme in _RHYMES:
        return _onset_fits(onset, rhyme)
    # 'gi' + rhyme starting with 'i' is spelled with one i ('gìn' = gi + in), and 'gi' alone is 'gì'.
    if onset == "gi" and ("i" + rhyme in _RHYMES or rhyme == ""):
        return True
    if onset == "gi" and rhyme and rhyme[0] != "i":
        return False
    return onset == "qu" and ("u" + rhyme) in _RHYMES


def _onset_fits(onset: str, rhyme: str) -> bool:
    first = rhyme[:1]
    if onset in ("k", "gh", "ngh"):
        return first in ("i", "e", "y")
    if onset in ("c", "g", "ng"):
        return first not in ("i", "e", "y")
    if onset == "qu":
        return not rhyme.startswith("u")  # 'quốc', 'quơ' are fine; 'quu' is not
    return True


# --- Tokenising a line into words while keeping every other character ------------------------------------
WORD_RE = re.compile(r"[^\W_]+")
# In OCR-garbled text an apostrophe belongs to the word it touches ("vy'c", "thi’").
NOISY_WORD_RE = re.compile(r"[^\W_]+(?:['\u2019][^\W\d_]+)*['\u2019]?(?![^\W_])")
LETTERS_RE = re.compile(r"[^\W\d_]+")
CHUNK_RE = re.compile(r"\S+")
EMAIL_OR_URL_RE = re.compile(
    r"(?i)^[(\[<\"']*("
    r"[\w.+-]+@[\w-]+(\.[\w-]+)+"
    r"|(https?://|www\.)\S+"
    r"|[\w-]+(\.[\w-]+)*\.(vn|com|net|org|gov|edu|info|io)(/\S*)?"
    r")[)\]>\"'.,;:]*$"
)
CODE_JOINERS = re.compile(r"[A-Za-zĐđ0-9][-/.][A-Za-zĐđ0-9]")
