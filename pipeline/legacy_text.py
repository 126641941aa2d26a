"""Decode .txt inputs in any encoding Vietnamese offices still produce, to Unicode NFC.

Handled: UTF-8 (with or without BOM), UTF-16/UTF-32 (BOM) and UTF-16 LE/BE without BOM, Windows-1258,
and the two legacy *font* encodings of the 1990s–2000s, TCVN3 (ABC fonts, TCVN 5712:1993) and VNI-Windows.
Legacy files carry no label, so each candidate decoding is scored by how much it reads as Vietnamese
(valid syllables with the tone on the right vowel, no mojibake) and the clear winner is taken; when
no candidate reads clearly as Vietnamese the file is reported (TextDecodeError) rather than guessed.
"""

from __future__ import annotations

import codecs
import contextlib
import re
import unicodedata
from dataclasses import dataclass

from schemas.errors import EmptyInputError, TextDecodeError
from vietnamese.letters import (
    ACUTE,
    DOT,
    GRAVE,
    HOOK,
    LOWER_LETTERS,
    TILDE,
    TONES,
    VIETNAMESE_LETTERS,
    split_tone,
)
from vietnamese.syllables import is_vietnamese_syllable


def _compose(base: str, tone: str) -> str:
    return unicodedata.normalize("NFC", base + tone)


# --- TCVN3 / TCVN 5712:1993 --------------------------------------------------------------------------
# One row per vowel: its code without tone, then its codes for (huyền, hỏi, ngã, sắc, nặng).
# Lowercase rows and the 7 toneless capitals (0xA1-0xA7) are the VN3 subset that ABC fonts use (capitals
# with tones came from a separate "H" font reusing the lowercase codes); the toned capitals are the VN1
# positions of the same standard, so text written by VN1 tools and every letter round-trip too.
_TCVN_ROWS: dict[str, tuple[int | None, int, int, int, int, int]] = {
    "a": (None, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9),
    "ă": (0xA8, 0xBB, 0xBC, 0xBD, 0xBE, 0xC6),
    "â": (0xA9, 0xC7, 0xC8, 0xC9, 0xCA, 0xCB),
    "e": (None, 0xCC, 0xCE, 0xCF, 0xD0, 0xD1),
    "ê": (0xAA, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6),
    "i": (None, 0xD7, 0xD8, 0xDC, 0xDD, 0xDE),
    "o": (None, 0xDF, 0xE1, 0xE2, 0xE3, 0xE4),
    "ô": (0xAB, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9),
    "ơ": (0xAC, 0xEA, 0xEB, 0xEC, 0xED, 0xEE),
    "u": (None, 0xEF, 0xF1, 0xF2, 0xF3, 0xF4),
    "ư": (0xAD, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9),
    "y": (None, 0xFA, 0xFB, 0xFC, 0xFD, 0xFE),
    "A": (None, 0x80, 0x81, 0x82, 0x83, 0x84),
    "Ă": (0xA1, 0xAF, 0xBA, 0xBF, 0xC0, 0x85),
    "Â": (0xA2, 0xC1, 0xC2, 0xC3, 0xC4, 0x86),
    "E": (None, 0x87, 0x88, 0x89, 0x8A, 0x8B),
    "Ê": (0xA3, 0xC5, 0xCD, 0xD9, 0xDA, 0x8C),
    "I": (None, 0x8D, 0x8E, 0x8F, 0x90, 0x91),
    "O": (None, 0x92, 0x93, 0x94, 0x95, 0x96),
    "Ô": (0xA4, 0xDB, 0xE0, 0xF0, 0xFF, 0x97),
    "Ơ": (0xA5, 0x98, 0x99, 0x9A, 0x9B, 0x9C),
    "U": (None, 0x9D, 0x9E, 0x9F, 0x01, 0x02),
    "Ư": (0xA6, 0x04, 0x05, 0x06, 0x11, 0x12),
    "Y": (None, 0x13, 0x14, 0x15, 0x16, 0x17),
}


def _build_tcvn_tables() -> tuple[dict[str, int], dict[int, str]]:
    encode: dict[str, int] = {"đ": 0xAE, "Đ": 0xA7}
    for base, (bare, *toned) in _TCVN_ROWS.items():
        if bare is not None:
            encode[base] = bare
        for tone, code in zip(TONES, toned, strict=True):
            encode[_compose(base, tone)] = code
    decode = {code: char for char, code in encode.items()}
    # VN1 also has the five tones as combining marks, for letters it has no precomposed code for.
    decode.update({0xB0: GRAVE, 0xB1: HOOK, 0xB2: TILDE, 0xB3: ACUTE, 0xB4: DOT})
    return encode, decode


_TCVN_ENCODE, _TCVN_DECODE = _build_tcvn_tables()
_TCVN_TONE_BYTES = {GRAVE: 0xB0, HOOK: 0xB1, TILDE: 0xB2, ACUTE: 0xB3, DOT: 0xB4}
# In 0x80-0x9F, VN1 capitals collide with the cp1252 punctuation that Word writes into TCVN3 .txt files
# (quotes, dashes, bullet, ellipsis); for those eight the neighbouring characters decide.
_TCVN_PUNCTUATION_CLASHES = {
    b: bytes([b]).decode("cp1252") for b in (0x85, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97)
}
# Text with these capitals is in capitals, and opening quotes, bullets and dashes never follow a letter
# directly: after a capital these are letters ("PHÓ"). Closing quotes and the ellipsis do follow
# letters, so they are letters only between a capital and another letter ("HÒA", not "Lincoln’s").
_TCVN_CLOSING_PUNCTUATION = frozenset((0x85, 0x92, 0x94))
_TCVN_PUNCTUATION_CODES = {char: code for code, char in _TCVN_PUNCTUATION_CLASHES.items()}
# In ABC documents a capital with a tone (or đ) used the lowercase code in a capitals-only font, so
# for these letters the byte does not tell the case (see _restore_tcvn3_capitals).
_TCVN_CASELESS_LETTERS = frozenset(
    char for char, code in _TCVN_ENCODE.items() if char.islower() and code >= 0xA8
)


def _byte_values(text: str) -> list[int]:
    """Byte values of text that came from decoding bytes as latin-1 or cp1252."""
    values = []
    for char in text:
        code = ord(char)
        if code < 0x100:
            values.append(code)
            continue
        try:
            values.append(char.encode("cp1252")[0])
        except UnicodeEncodeError:
            values.append(-1)  # already a real Unicode character: keep it as it is
    return values


def tcvn3_to_unicode(text: str) -> str:
    """TCVN3 (ABC) text, read as latin-1 or cp1252 bytes, to Unicode NFC.

    Capitals in ABC documents used a separate font on the same lowercase codes; where a word is
    evidently in capitals (heading lines like "B¸O C¸O") its letters are put back in upper case.
    """
    values = _byte_values(text)
    decoded: list[str] = []
    for position, (char, value) in enumerate(zip(text, values, strict=True)):
        if value in _TCVN_PUNCTUATION_CLASHES:
            before = text[position - 1] if position > 0 else " "
            after = text[position + 1] if position + 1 < len(text) else " "
            is_letter = _tcvn_is_capital(before) and (
                value not in _TCVN_CLOSING_PUNCTUATION or _tcvn_is_letter(after)
            )
            decoded.append(_TCVN_DECODE[value] if is_letter else _TCVN_PUNCTUATION_CLASHES[value])
        elif value in _TCVN_DECODE:
            decoded.append(_TCVN_DECODE[value])
        else:
            decoded.append(char)
    return unicodedata.normalize("NFC", _restore_tcvn3_capitals("".join(decoded)))


def _tcvn_letter(char: str) -> str:
    """The letter a TCVN3 character stands for, or '' (clashing codes count as not letters)."""
    value = _byte_values(char)[0]
    if value in _TCVN_DECODE and value not in _TCVN_PUNCTUATION_CLASHES:
        return _TCVN_DECODE[value] if _TCVN_DECODE[value].isalpha() else ""
    return char if char.isascii() and char.isalpha() else ""


def _tcvn_is_letter(char: str) -> bool:
    return bool(_tcvn_letter(char))


def _tcvn_is_capital(char: str) -> bool:
    return _tcvn_letter(char).isupper()


_WORD_EDGE = re.compile(r"^\W+|\W+$")


def _case_evidence(word: str) -> tuple[int, int, int]:
    """(capitals, lowercase, caseless) letter counts, trusting only letters whose case the byte fixes."""
    upper = lower = caseless = 0
    for char in word:
        if char in _TCVN_CASELESS_LETTERS:
            caseless += 1
        elif char.isupper():
            upper += 1
        elif char.islower():
            lower += 1
    return upper, lower, caseless


def _restore_tcvn3_capitals(text: str) -> str:
    # Table cells (tab-separated) are cased independently: "STT\tTÊN ĐỀ ÁN\tKết quả".
    return "\n".join(
        "\t".join(_restore_segment_capitals(segment) for segment in line.split("\t"))
        for line in text.split("\n")
    )


def _restore_segment_capitals(segment: str) -> str:
    tokens = list(re.finditer(r"\S+", segment))
    evidence: list[tuple[int, int, int] | None] = []
    for token in tokens:
        core = _WORD_EDGE.sub("", token.group())
        evidence.append(_case_evidence(core) if core.isalpha() else None)
    words = [stats for stats in evidence if stats is not None]
    vietnamese_words = sum(1 for token in tokens if not token.group().isascii())
    # A heading: no lowercase letter anywhere, several capitals, several Vietnamese words. One word and
    # an acronym ("BGD Sở", "Số: /BC-STTTT") are not enough: those are title case.
    heading = (
        all(stats[1] == 0 for stats in words)
        and sum(stats[0] for stats in words) >= 3
        and vietnamese_words >= 2
    )
    pieces: list[str] = []
    last_end = 0
    for token, stats in zip(tokens, evidence, strict=True):
        text = token.group()
        # Outside headings, a word with two capitals of its own and no lowercase is in capitals ("BÁO").
        if stats is not None and stats[2] > 0 and stats[1] == 0 and (heading or stats[0] >= 2):
            text = text.upper()
        pieces.append(segment[last_end : token.start()] + text)
        last_end = token.end()
    pieces.append(segment[last_end:])
    return "".join(pieces)


def unicode_to_tcvn3(text: str) -> bytes:
    """Unicode text to TCVN 5712 bytes (VN3 codes for lowercase, VN1 codes for toned capitals).

    Raises ValueError for a character the encoding has no code for.
    """
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        if char.isascii():
            out.append(ord(char))
        elif char in _TCVN_ENCODE:
            out.append(_TCVN_ENCODE[char])
        elif char in _TCVN_PUNCTUATION_CODES:
            out.append(_TCVN_PUNCTUATION_CODES[char])
        else:
            out.extend(_tcvn_decomposed(char))
    return bytes(out)


def _tcvn_decomposed(char: str) -> bytes:
    """A letter with no precomposed code: base letter code followed by a VN1 combining tone."""
    base, tone = split_tone(char)
    if tone and tone in _TCVN_TONE_BYTES and (base.isascii() or base in _TCVN_ENCODE):
        base_code = ord(base) if base.isascii() else _TCVN_ENCODE[base]
        return bytes([base_code, _TCVN_TONE_BYTES[tone]])
    raise ValueError(f"TCVN3 has no code for {char!r} (U+{ord(char):04X})")


# --- VNI-Windows -------------------------------------------------------------------------------------
# VNI writes a vowel as its ASCII base letter followed by one mark byte; ơ ư đ and the i-family are
# single bytes. Marks of capitals sit 0x20 lower than those of lowercase letters, like Latin-1 letters.
_VNI_TONE = {GRAVE: 0xF8, HOOK: 0xFB, TILDE: 0xF5, ACUTE: 0xF9, DOT: 0xEF}
_VNI_CIRCUMFLEX = 0xE2
_VNI_BREVE = 0xEA
_VNI_CIRCUMFLEX_TONE = {GRAVE: 0xE0, HOOK: 0xE5, TILDE: 0xE3, ACUTE: 0xE1, DOT: 0xE4}
_VNI_BREVE_TONE = {GRAVE: 0xE8, HOOK: 0xFA, TILDE: 0xFC, ACUTE: 0xE9, DOT: 0xEB}
_VNI_SINGLE = {"đ": 0xF1, "ơ": 0xF4, "ư": 0xF6}
_VNI_I = {GRAVE: 0xEC, HOOK: 0xE6, TILDE: 0xF3, ACUTE: 0xED, DOT: 0xF2}
_VNI_Y_DOT = 0xEE


def _vni_lower_sequence(letter: str) -> bytes:
    """VNI bytes of one lowercase Vietnamese letter."""
    base, tone = split_tone(letter)
    if base == "i" and tone:
        return bytes([_VNI_I[tone]])
    if base == "y" and tone == DOT:
        return bytes([_VNI_Y_DOT])
    if base in _VNI_SINGLE:
        return bytes([_VNI_SINGLE[base]]) + (bytes([_VNI_TONE[tone]]) if tone else b"")
    if base in "âêô":
        ascii_base = {"â": "a", "ê": "e", "ô": "o"}[base]
        mark = _VNI_CIRCUMFLEX_TONE[tone] if tone else _VNI_CIRCUMFLEX
        return ascii_base.encode() + bytes([mark])
    if base == "ă":
        return b"a" + bytes([_VNI_BREVE_TONE[tone] if tone else _VNI_BREVE])
    return base.encode() + (bytes([_VNI_TONE[tone]]) if tone else b"")


def _to_capital_bytes(sequence: bytes) -> bytes:
    # ASCII letters and VNI's Latin-1-range codes both sit 0x20 apart between cases.
    return bytes(b - 0x20 if (0x61 <= b <= 0x7A or b >= 0xE0) else b for b in sequence)


def _build_vni_tables() -> tuple[dict[str, bytes], dict[str, str]]:
    encode: dict[str, bytes] = {}
    for letter in LOWER_LETTERS:
        sequence = _vni_lower_sequence(letter)
        encode[letter] = sequence
        encode[letter.upper()] = _to_capital_bytes(sequence)
    decode: dict[str, str] = {}
    for letter, sequence in encode.items():
        if sequence.isascii():
            continue
        decode[sequence.decode("latin-1")] = letter
        if len(sequence) == 2:
            # Mixed-case pairs ("Aù") come from documents re-cased by hand; the base letter decides.
            base, mark = sequence[0], sequence[1]
            other_mark = mark + 0x20 if mark < 0xE0 else mark - 0x20
            decode[bytes([base, other_mark]).decode("latin-1")] = letter
    return encode, decode


_VNI_ENCODE, _VNI_DECODE = _build_vni_tables()


def vni_to_unicode(text: str) -> str:
    """VNI-Windows text, read as latin-1 or cp1252 bytes, to Unicode NFC."""
    out: list[str] = []
    position = 0
    while position < len(text):
        pair = text[position : position + 2]
        if len(pair) == 2 and pair in _VNI_DECODE:
            out.append(_VNI_DECODE[pair])
            position += 2
            continue
        char = text[position]
        out.append(_VNI_DECODE.get(char, char))
        position += 1
    return unicodedata.normalize("NFC", "".join(out))


def unicode_to_vni(text: str) -> bytes:
    """Unicode text to VNI-Windows bytes; ValueError for a character VNI has no code for."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        if char.isascii():
            out.append(ord(char))
        elif char in _VNI_ENCODE:
            out.extend(_VNI_ENCODE[char])
        else:
            try:
                out.extend(char.encode("cp1252"))  # VNI fonts keep cp1252 punctuation (quotes, dashes)
            except UnicodeEncodeError:
                raise ValueError(f"VNI has no code for {char!r} (U+{ord(char):04X})") from None
    return bytes(out)


def unicode_to_cp1258(text: str) -> bytes:
    """Unicode text to Windows-1258 as Windows writes it: precomposed where the code page has the letter,
    otherwise the toneless letter followed by a combining tone. ValueError when impossible."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out.extend(char.encode("cp1258"))
            continue
        except UnicodeEncodeError:
            pass
        base, tone = split_tone(char)
        try:
            out.extend(base.encode("cp1258") + tone.encode("cp1258"))
        except UnicodeEncodeError:
            raise ValueError(f"Windows-1258 has no code for {char!r} (U+{ord(char):04X})") from None
    return bytes(out)


# --- How Vietnamese does a text look? ----------------------------------------------------------------

_EDGE_PUNCTUATION = "".join(chr(c) for c in range(0x21, 0x7F) if not chr(c).isalnum()) + "“”‘’–—…•«»"
_ALLOWED_SYMBOLS = frozenset(_EDGE_PUNCTUATION) | frozenset("°№")
_LETTER_RUN = re.compile(r"[^\W\d_]+")


def _is_abbreviation_with_d(run: str) -> bool:
    """QĐ, HĐND, SKHĐT: common in reports, and each legacy encoding puts Đ on its own byte."""
    return run.isupper() and all(c.isascii() or c == "Đ" for c in run)


@dataclass(frozen=True)
class VietnameseScore:
    """Evidence that a decoding is Vietnamese: syllables that read right vs. words that are mojibake."""

    good: int
    bad: int

    @property
    def ratio(self) -> float:
        return self.good / (self.good + self.bad) if self.good + self.bad else 0.0


def score_vietnamese(text: str) -> VietnameseScore:
    """Count non-ASCII words that are valid Vietnamese syllables (good) or not (bad).

    Pure-ASCII words read the same in every candidate encoding, so they are no evidence either way;
    abbreviations with Đ (QĐ, HĐND) count as good, since the Đ byte differs in every legacy encoding.
    """
    good = bad = 0
    for token in text.split():
        core = token.strip(_EDGE_PUNCTUATION)
        if not core or core.isascii():
            continue
        if any(not (c.isascii() or c in VIETNAMESE_LETTERS or c in _ALLOWED_SYMBOLS) for c in core):
            bad += 1
            continue
        for run in _LETTER_RUN.findall(core):
            # One-letter words are few in Vietnamese (ở, ý) but frequent in mojibake: no evidence.
            if run.isascii() or len(run) == 1:
                continue
            if is_vietnamese_syllable(run) or _is_abbreviation_with_d(run):
                good += 1
            else:
                bad += 1
    return VietnameseScore(good, bad)


# --- Detection ---------------------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# VNI fonts keep cp1252's punctuation in 0x80-0x9F; bytes cp1252 leaves undefined stay as they are.
_CP1252_OR_LATIN1 = "".join(
    bytes([b]).decode("cp1252", errors="replace").replace("\ufffd", chr(b)) for b in range(256)
)
_CP1252_SYMBOLS = frozenset(_CP1252_OR_LATIN1[0x80:0xA0])
_TIE_PREFERENCE = ("cp1258", "tcvn3", "vni")
GOOD_RATIO = 0.75  # share of valid syllables above which a decoding reads as Vietnamese
CLEAR_MARGIN = 0.15  # lead over the runner-up that makes a winner clear
_UTF16_PLAUSIBLE = 0.9


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _legacy_candidates(data: bytes) -> dict[str, str]:
    as_cp1252 = "".join(_CP1252_OR_LATIN1[b] for b in data)
    candidates: dict[str, str] = {}
    with contextlib.suppress(UnicodeDecodeError):  # a byte cp1258 leaves undefined: not this encoding
        candidates["cp1258"] = _nfc(data.decode("cp1258"))
    candidates["tcvn3"] = tcvn3_to_unicode(data.decode("latin-1"))
    candidates["vni"] = vni_to_unicode(as_cp1252)
    return candidates


def _plausible_share(text: str) -> float:
    """Share of characters a Vietnamese/English document is made of (for telling UTF-16 byte orders)."""
    if not text:
        return 0.0
    plausible = sum(
        1
        for c in text
        if (c.isascii() and (c.isprintable() or c in "\t\n\r\f"))
        or "\u00a0" <= c <= "\u024f"
        or "\u0300" <= c <= "\u036f"
        or "\u1ea0" <= c <= "\u1ef9"
        or "\u2000" <= c <= "\u206f"
    )
    return plausible / len(text)


def _decode_utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    best: tuple[float, str, str] | None = None
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        share = _plausible_share(text)
        if share >= _UTF16_PLAUSIBLE and (best is None or share > best[0]):
            best = (share, text, encoding)
    return (_nfc(best[1]), best[2]) if best else None


def _describe(scores: dict[str, VietnameseScore]) -> str:
    return ", ".join(f"{name} {score.ratio:.0%} valid words" for name, score in scores.items())


def decode_vietnamese_text(data: bytes) -> tuple[str, str]:
    """Decode a Vietnamese .txt file to NFC text; returns (text, encoding name).

    Encoding names: utf-8, utf-8-sig, utf-16, utf-32 (BOM), utf-16-le, utf-16-be, cp1258, tcvn3, vni;
    a Unicode name + "+tcvn3" or "+vni" (e.g. "utf-16+tcvn3") when a Unicode file still holds text typed
    in a legacy font, which is then converted too; "utf-8+cp1258", "utf-8+tcvn3" or "utf-8+vni" (then
    maybe "+tcvn3"/"+vni" again for font-encoded UTF-8 lines) when some lines are raw legacy bytes in an
    otherwise UTF-8 file: each line is decoded in its own encoding.
    Raises EmptyInputError for empty or blank data, TextDecodeError when no encoding clearly fits.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise TextDecodeError(
                    f"the file starts with a {encoding} byte-order mark but is not valid {encoding} "
                    f"({exc.reason} at byte {exc.start}): save it as UTF-8 and retry"
                ) from None
            return _repair_font_encoded(_non_empty(_nfc(text)), encoding)
    if b"\x00" in data:
        decoded = _decode_utf16_without_bom(data)
        if decoded:
            return _repair_font_encoded(_non_empty(decoded[0]), decoded[1])
        # NUL bytes are valid UTF-8 but no text editor writes them: this is binary data.
        raise TextDecodeError(
            "the file contains NUL bytes but is not UTF-16 text: check it is really a text file, "
            "save it as UTF-8 and retry"
        )
    try:
        return _repair_font_encoded(_non_empty(_nfc(data.decode("utf-8"))), "utf-8")
    except UnicodeDecodeError:
        pass
    if not data.strip():
        raise EmptyInputError("the text file is empty: nothing to parse")
    return _decode_mixed_lines(data) or _pick_legacy(data)


def _is_utf8_text(line: bytes) -> bool:
    """Valid UTF-8 with at least one multi-byte letter: a line a Unicode editor wrote."""
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not line.isascii()


def _decode_mixed_lines(data: bytes) -> tuple[str, str] | None:
    """A UTF-8 file with paragraphs pasted in as raw legacy bytes (TCVN3 text from an old document).

    The UTF-8 lines are read as UTF-8; the others are told apart together (more evidence than one line)
    and decoded with the encoding that fits them. None when no line is UTF-8: a plain legacy file.
    """
    lines = data.split(b"\n")
    legacy = [i for i, line in enumerate(lines) if not line.isascii() and not _is_utf8_text(line)]
    if len(legacy) == sum(not line.isascii() for line in lines):
        return None
    try:
        legacy_text, legacy_encoding = _pick_legacy(b"\n".join(lines[i] for i in legacy))
    except TextDecodeError:
        raise TextDecodeError(
            f"the file is UTF-8 except {len(legacy)} line(s) (the first is line {legacy[0] + 1}) whose "
            "encoding cannot be told: convert those lines to UTF-8 and retry"
        ) from None
    legacy_lines = dict(zip(legacy, legacy_text.split("\n"), strict=True))
    decoded = [
        legacy_lines[i] if i in legacy_lines else _nfc(line.decode("utf-8")) for i, line in enumerate(lines)
    ]
    text, encoding = _repair_font_encoded(_non_empty("\n".join(decoded)), f"utf-8+{legacy_encoding}")
    return text, encoding.replace(f"+{legacy_encoding}+{legacy_encoding}", f"+{legacy_encoding}")


def _repair_font_encoded(text: str, encoding: str) -> tuple[str, str]:
    """Unicode text that still holds TCVN3 or VNI letters as Latin-1 characters ("B¸o c¸o"), as Word
    writes documents typed in .VnTime or VNI fonts, is converted; encoding then reads e.g. "utf-8+tcvn3".

    Real Vietnamese in Unicode scores high and is returned untouched. The encoding is told from all the
    lines that could be font-encoded together; each of them is converted unless it reads better as it is,
    so a file mixing real Unicode paragraphs with font-encoded ones comes out right line by line."""
    lines = text.split("\n")
    suspects = [i for i, line in enumerate(lines) if _may_be_font_encoded(line)]
    if not suspects:
        return text, encoding
    joined = "\n".join(lines[i] for i in suspects)
    unicode_score = score_vietnamese(joined)
    if unicode_score.ratio >= 0.5:
        return text, encoding
    for name, convert in (("tcvn3", tcvn3_to_unicode), ("vni", vni_to_unicode)):
        score = score_vietnamese(convert(joined))
        if score.ratio >= GOOD_RATIO and score.ratio - unicode_score.ratio >= CLEAR_MARGIN:
            for i in suspects:
                converted = convert(lines[i])
                if score_vietnamese(converted).ratio >= score_vietnamese(lines[i]).ratio:
                    lines[i] = converted
            return "\n".join(lines), f"{encoding}+{name}"
    return text, encoding


def _may_be_font_encoded(line: str) -> bool:
    return not line.isascii() and all(ord(c) < 0x100 or c in _CP1252_SYMBOLS for c in line)


def _non_empty(text: str) -> str:
    if not text.strip():
        raise EmptyInputError("the text file is empty: nothing to parse")
    return text


def _pick_legacy(data: bytes) -> tuple[str, str]:
    candidates = _legacy_candidates(data)
    scores = {name: score_vietnamese(text) for name, text in candidates.items()}
    # On a tie (little evidence, often identical text) the plain code page wins, then the more common
    # legacy encoding: TCVN3 was the government standard, VNI the southern one.
    ranked = sorted(
        scores,
        key=lambda name: (scores[name].ratio, scores[name].good, -_TIE_PREFERENCE.index(name)),
        reverse=True,
    )
    best = scores[ranked[0]]
    runner_up = scores[ranked[1]] if len(ranked) > 1 else VietnameseScore(0, 0)
    clear = best.ratio - runner_up.ratio >= CLEAR_MARGIN
    if best.good > 0 and (best.ratio >= GOOD_RATIO or (clear and best.ratio >= 0.5 and best.good >= 3)):
        return candidates[ranked[0]], ranked[0]
    raise TextDecodeError(
        f"cannot tell the encoding of this text ({_describe(scores)}; not UTF-8 or UTF-16): "
        "convert it to UTF-8 and retry"
    )
