"""Clean-up of OCR (or text-layer) output before diacritic restoration and parsing.

Pure functions, no I/O. `postprocess_text` is idempotent and never changes letters inside ordinary
words: the only letters it rewrites are O/o/I/l/|/S standing *inside* a number, where Tesseract
confuses them with digits.
"""

from __future__ import annotations

import re
import unicodedata

from vietnamese.syllables import looks_like_syllable

__all__ = ["postprocess_text"]

# Characters that are invisible but break words and regexes: zero-width space/joiners, word joiner,
# BOM, soft hyphen (a soft hyphen is only a line-break hint, never a real character of the text).
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
# Tesseract sometimes reads Vietnamese Đ/đ as the look-alike Icelandic eth (Ð U+00D0, ð U+00F0),
# which Vietnamese never uses; "QĐ-UBND" must stay searchable.
_LOOKALIKE_LETTERS = {ord("Ð"): "Đ", ord("ð"): "đ"}
# Tesseract `vie` sometimes reads the slash of dates and document numbers ("quý I/2021") as a slash
# followed by a fraction slash; both look-alike slashes become the ASCII one, and the doubled one goes.
_SLASH_LOOKALIKES = re.compile(r"/?[\u2044\u2215]/?")
# Every Unicode horizontal space (NBSP, thin space, tabs...) becomes a plain space.
_HSPACE_RUN = re.compile(r"[^\S\n]+")

# Table rules and specks come out of Tesseract as stray tokens: "|", "_", "`", '"`', "¬". A token made
# only of such marks, with at least one that never stands alone in real text, is dropped.
_JUNK_TOKEN = re.compile(r"(?<!\S)(?=\S*[|¦_`¬~^])[|¦_`¬~^\"'“”‘’°]+(?!\S)")
# A rule glued to the end of a number: "2_ |" -> "2".
_JUNK_AFTER_NUMBER = re.compile(r"(?<=\d)[|¦_]+(?!\S)")
# A speck read as a straight quote glued to a number ("3.106\""): only when it is the line's one straight
# quote, so the closing quote of a real quotation ("... năm 2021\"") stays.
_LONE_QUOTE_AFTER_NUMBER = re.compile(r'(?<=\d)"(?!\S)')
_LENIENT_CONFUSABLES = {"O": "0", "o": "0", "I": "1", "l": "1"}
# 'S' and '|' are too common as real text (table rules, words) to convert on one-sided evidence.
_STRICT_CONFUSABLES = {"S": "5", "|": "1"}
_CONFUSABLES = _LENIENT_CONFUSABLES | _STRICT_CONFUSABLES
# A set, not the string ".,": `"" in ".,"` is True, and the end of a token is no separator.
_GROUP_SEPARATORS = frozenset(".,")

# A number-like token: digits/confusables, possibly grouped by '.' or ',', not glued to a word on
# either side (so "Zalo", "5G" or "IPv6" are never touched).
_NUMBERISH = re.compile(r"(?<![\w|])[0-9OoIl|S]+(?:[.,][0-9OoIl|S]+)*(?![\w|])")
# "30. 704" -> "30.704": a 1-3 digit leading group, '.', ONE space, exactly three digits that end the
# number. The leading group must itself start the number (or follow another group), which rules out
# "năm 2020. 150 ..." where a sentence ends with a year.
_SPLIT_THOUSANDS = re.compile(
    r"(?<![\w.,])(\d[\dOIl]{0,2}(?:\.[\dOIl]{3})*)\. (?=[OIl]{0,2}\d)([\dOIl]{3})(?![\w%])(?!,\d)"
)
# "80,6 %" -> "80,6%", but not when more numbers follow: in a table row "mức độ 4 % 50 53,8" the
# '%' is the unit column, and gluing it would turn the level "4" into a 4% value.
_SPACE_BEFORE_PERCENT = re.compile(r"(\d) +%(?! *\d)")
# Line ends with a letter immediately followed by '-', and the next line starts with a letter.
_HYPHEN_AT_END = re.compile(r"([^\W\d_]+)-$")
_LETTER_AT_START = re.compile(r"^([^\W\d_]+)")


def postprocess_text(text: str) -> str:
    """Normalise OCR text: NFC, invisible characters, spaces, split words, digits confused with letters.

    Line structure is kept: lines are only ever merged by de-hyphenation, never split or dropped.
    """
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE).translate(_LOOKALIKE_LETTERS)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _SLASH_LOOKALIKES.sub("/", text)
    lines = [_normalise_spaces(line) for line in text.split("\n")]
    lines = _join_hyphenated_lines(lines)
    # Fixing one confusion can expose another rule's pattern (e.g. "3O. 7O4" -> "30. 704" -> "30.704",
    # or '0.I"' -> '0.1"', a speck quote now glued to a number), so run the number and junk rules to a
    # fixed point; this is what makes the whole function idempotent.
    fixed = []
    for line in lines:
        for _ in range(5):
            new_line = _normalise_spaces(_fix_numbers(line))
            if new_line == line:
                break
            line = new_line
        fixed.append(line)
    return unicodedata.normalize("NFC", "\n".join(fixed))


def _normalise_spaces(line: str) -> str:
    line = _JUNK_AFTER_NUMBER.sub("", _JUNK_TOKEN.sub("", line))
    if line.count('"') == 1:
        line = _LONE_QUOTE_AFTER_NUMBER.sub("", line)
    return _HSPACE_RUN.sub(" ", line).strip()


def _join_hyphenated_lines(lines: list[str]) -> list[str]:
    """Join 'chuyển-' + 'đổi số' into one line; the hyphen marked a line break, not a compound."""
    out: list[str] = []
    for line in lines:
        if out:
            previous = out[-1]
            end = _HYPHEN_AT_END.search(previous)
            start = _LETTER_AT_START.match(line)
            if end and start:
                # Vietnamese words are written syllable by syllable, so a break between two complete
                # syllables is a word boundary (keep a space); otherwise it split a foreign word
                # ("Inter-" + "net") and the halves belong together.
                glue = " " if _both_syllables(end.group(1), start.group(1)) else ""
                out[-1] = previous[:-1] + glue + line
                continue
        out.append(line)
    return out


def _both_syllables(left: str, right: str) -> bool:
    return looks_like_syllable(left) and looks_like_syllable(right)


def _fix_numbers(line: str) -> str:
    line = _NUMBERISH.sub(_fix_confusables_in_token, line)
    line = _SPLIT_THOUSANDS.sub(r"\1.\2", line)
    return _SPACE_BEFORE_PERCENT.sub(r"\1%", line)


def _fix_confusables_in_token(match: re.Match[str]) -> str:
    """Turn look-alike letters inside one number-like token into digits, all or nothing.

    A look-alike run is a digit when a digit follows it ("2O21", "l5%"), when it sits between a digit
    and a group separator ("3O.7O4", "1l.446"), or when it is a group after a separator ("1.OOO").
    Right after the last digit it is left alone: "100l" (litres) and "45o" (degrees) are units.
    Lower-case 'o' also needs a group separator in the token, as coordinates write degrees with it
    ("20o49"). If any look-alike is left unexplained the token is a code ("SO42") and stays as is.
    """
    token = match.group(0)
    if not any(ch.isdigit() for ch in token) or not any(ch in _CONFUSABLES for ch in token):
        return token
    has_separator = any(ch in _GROUP_SEPARATORS for ch in token)
    chars = list(token)
    i = 0
    while i < len(chars):
        ch = chars[i]
        if ch in _LENIENT_CONFUSABLES:
            run_end = i
            while run_end < len(chars) and chars[run_end] in _LENIENT_CONFUSABLES:
                run_end += 1
            run = chars[i:run_end]
            digit_follows = run_end < len(chars) and chars[run_end].isdigit()
            inside = _digit_on_left(chars, i, through_separator=False) and run_end < len(chars)
            group_after_separator = i >= 2 and chars[i - 1] in _GROUP_SEPARATORS and chars[i - 2].isdigit()
            lower_o_allowed = has_separator or "o" not in run
            if lower_o_allowed and (digit_follows or inside or group_after_separator):
                chars[i:run_end] = [_LENIENT_CONFUSABLES[c] for c in run]
            i = run_end
            continue
        if ch in _STRICT_CONFUSABLES and _digit_on_left(chars, i, through_separator=False):
            following = chars[i + 1] if i + 1 < len(chars) else ""
            if following.isdigit() or following in _LENIENT_CONFUSABLES or following in _GROUP_SEPARATORS:
                chars[i] = _STRICT_CONFUSABLES[ch]
        i += 1
    if any(ch in _CONFUSABLES for ch in chars):
        return token
    return "".join(chars)


def _digit_on_left(chars: list[str], i: int, through_separator: bool = True) -> bool:
    """Left neighbour (already fixed, we go left to right) is a digit, or a separator after a digit.

    Only the left side may reach through a separator: "II.1" is a Roman heading number, while
    "1.OOO" is a thousands group.
    """
    if i >= 1 and chars[i - 1].isdigit():
        return True
    return through_separator and i >= 2 and chars[i - 1] in _GROUP_SEPARATORS and chars[i - 2].isdigit()
