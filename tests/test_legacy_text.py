"""Legacy Vietnamese encodings: tables checked letter by letter, detection checked on a real report.

The TCVN3 and cp1258 fixtures in tests/data/legacy/ were written by glibc iconv (TCVN5712-1, CP1258),
an implementation independent of ours; the VNI bytes below are taken from the published VNI table.
"""

from __future__ import annotations

import codecs
import random
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pipeline.legacy_text as legacy_text
from pipeline.legacy_text import (
    decode_vietnamese_text,
    tcvn3_to_unicode,
    unicode_to_cp1258,
    unicode_to_tcvn3,
    unicode_to_vni,
    vni_to_unicode,
)
from schemas.errors import EmptyInputError, TextDecodeError
from vietnamese.letters import LOWER_LETTERS, VIETNAMESE_LETTERS
from vietnamese.syllables import is_vietnamese_syllable

DATA = Path(__file__).parent / "data" / "legacy"
PARAGRAPH = (DATA / "report-paragraph.utf8.txt").read_text(encoding="utf-8")
# The same paragraph with the three characters TCVN 5712 has no code for made ASCII (as given to iconv).
PARAGRAPH_TCVN_SAFE = PARAGRAPH.replace("“", '"').replace("”", '"').replace("–", "-")
REPORT = Path("/work/shared/corpus/report-2021-q1-clean.txt")

TCVN_PUNCTUATION_CAPITALS = "ẶỊÒỎÕÓỌỘ"
ALL_LETTERS = [*LOWER_LETTERS, *(letter.upper() for letter in LOWER_LETTERS)]
UNICODE_NAMES = {"utf-8", "utf-8-sig", "utf-16", "utf-32", "utf-16-le", "utf-16-be"}
ENCODING_NAMES = (
    UNICODE_NAMES
    | {"cp1258", "tcvn3", "vni"}
    | {f"{name}+{legacy}" for name in UNICODE_NAMES for legacy in ("tcvn3", "vni")}
    # UTF-8 files with lines of raw legacy bytes, whose UTF-8 lines may also hold font-encoded text.
    | {f"utf-8+{raw}{repair}" for raw in ("cp1258", "tcvn3", "vni") for repair in ("", "+tcvn3", "+vni")}
)


def unicode_to_tcvn3_abc(text: str) -> bytes:
    """TCVN3 as ABC documents hold it: toned capitals were typed with lowercase codes in a capitals-only
    font (.VnTimeH), so only ASCII letters and Ă Â Ê Ô Ơ Ư Đ keep their case in the bytes."""
    return unicode_to_tcvn3("".join(c if c.isascii() or c in "ĂÂÊÔƠƯĐ" else c.lower() for c in text))


def _in_word(letter: str) -> str:
    # A letter inside a word of its own case, as it occurs in text (case restoration looks at words).
    return f"X{letter}X" if letter.isupper() else f"x{letter}x"


def test_the_alphabet_has_134_letters_with_diacritics() -> None:
    assert len(ALL_LETTERS) == 146
    assert len([c for c in ALL_LETTERS if not c.isascii()]) == 134
    assert len(VIETNAMESE_LETTERS) == 146


# --- TCVN3 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("letter", ALL_LETTERS)
def test_tcvn3_round_trips_every_letter(letter: str) -> None:
    word = _in_word(letter)
    encoded = unicode_to_tcvn3(word)
    assert len(encoded) == 3  # one byte per letter: every letter has a precomposed code
    assert tcvn3_to_unicode(encoded.decode("latin-1")) == word
    assert tcvn3_to_unicode(encoded.decode("cp1252", errors="replace")) == word or encoded[1] in (
        0x81,
        0x8D,
        0x8F,
        0x90,
        0x9D,  # bytes cp1252 leaves undefined
    )


@pytest.mark.parametrize(
    ("letter", "code"),
    [("à", 0xB5), ("ả", 0xB6), ("ã", 0xB7), ("á", 0xB8), ("ạ", 0xB9), ("ă", 0xA8), ("â", 0xA9),
     ("ê", 0xAA), ("ô", 0xAB), ("ơ", 0xAC), ("ư", 0xAD), ("đ", 0xAE), ("Đ", 0xA7), ("Ă", 0xA1),
     ("ệ", 0xD6), ("ỉ", 0xD8), ("ĩ", 0xDC), ("ứ", 0xF8), ("ỵ", 0xFE)],
)  # fmt: skip
def test_tcvn3_codes_match_the_published_table(letter: str, code: int) -> None:
    assert unicode_to_tcvn3(letter) == bytes([code])


def test_tcvn3_matches_glibc_iconv_on_a_real_paragraph() -> None:
    iconv_bytes = (DATA / "report-paragraph.tcvn3.txt").read_bytes()
    assert unicode_to_tcvn3(PARAGRAPH_TCVN_SAFE) == iconv_bytes
    assert tcvn3_to_unicode(iconv_bytes.decode("latin-1")) == PARAGRAPH_TCVN_SAFE


def test_tcvn3_keeps_word_processor_quotes_and_dashes_apart_from_capitals() -> None:
    text = "gói thầu “Tư vấn Xây dựng” – PHÓ GIÁM ĐỐC, HỎI, ĐỘI"
    encoded = unicode_to_tcvn3(text)
    assert b"\x93" in encoded and b"\x95" in encoded  # “ and Ó share a code
    assert tcvn3_to_unicode(encoded.decode("latin-1")) == text
    assert tcvn3_to_unicode(encoded.decode("cp1252")) == text


def test_tcvn3_reads_an_apostrophe_inside_an_english_word_as_punctuation() -> None:
    text = "thành (Lincoln’s New Salem) ở Illinois… “Đến”"
    assert tcvn3_to_unicode(unicode_to_tcvn3(text).decode("cp1252")) == text


def test_tcvn3_restores_capitals_written_with_the_abc_capitals_font() -> None:
    for heading in (
        "BÁO CÁO",
        "I. KẾT QUẢ TRIỂN KHAI THỰC HIỆN NHIỆM VỤ PHÁT TRIỂN KINH TẾ - XÃ HỘI",
        "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
        "STT\tTÊN ĐỀ ÁN\tKết quả thực hiện Quý 1/2021",
        "Ban hành BÁO CÁO tháng 3",
    ):
        assert tcvn3_to_unicode(unicode_to_tcvn3_abc(heading).decode("latin-1")) == heading
    # Title-case words, and one next to an acronym, keep their lowercase.
    for line in ("Sở Kế hoạch và Đầu tư", "XIII; Kế hoạch", "- BGD Sở;", "Số: /BC-STTTT-VP", "Sở TT&TT"):
        assert tcvn3_to_unicode(unicode_to_tcvn3_abc(line).decode("latin-1")) == line


def test_tcvn3_rejects_characters_it_has_no_code_for() -> None:
    with pytest.raises(ValueError, match="U\\+20AC"):
        unicode_to_tcvn3("10 €")


# --- VNI ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("letter", ALL_LETTERS)
def test_vni_round_trips_every_letter(letter: str) -> None:
    encoded = unicode_to_vni(letter)
    assert 1 <= len(encoded) <= 2
    assert vni_to_unicode(encoded.decode("latin-1")) == letter
    assert vni_to_unicode(_in_word(letter).replace(letter, encoded.decode("latin-1"))) == _in_word(letter)


@pytest.mark.parametrize(
    ("text", "vni"),
    [("Việt Nam", b"Vie\xe4t Nam"), ("đ", b"\xf1"), ("Đ", b"\xd1"), ("ơ", b"\xf4"), ("ư", b"\xf6"),
     ("ầ", b"a\xe0"), ("ấ", b"a\xe1"), ("ẩ", b"a\xe5"), ("ằ", b"a\xe8"), ("ẳ", b"a\xfa"), ("ặ", b"a\xeb"),
     ("ỉ", b"\xe6"), ("ĩ", b"\xf3"), ("ị", b"\xf2"), ("ỵ", b"\xee"), ("À", b"A\xd8"), ("Ủy", b"U\xdby"),
     ("Ấ", b"A\xc1"), ("người", b"ng\xf6\xf4\xf8i"), ("Quốc", b"Quo\xe1c")],
)  # fmt: skip
def test_vni_bytes_match_the_published_table(text: str, vni: bytes) -> None:
    assert unicode_to_vni(text) == vni
    assert vni_to_unicode(vni.decode("latin-1")) == text


def test_vni_round_trips_a_real_paragraph() -> None:
    encoded = unicode_to_vni(PARAGRAPH)
    assert vni_to_unicode(encoded.decode("cp1252")) == PARAGRAPH


def test_vni_reads_mixed_case_pairs_by_the_base_letter() -> None:
    assert vni_to_unicode("BAÙO CAÙO, Baùo caùo, BAùO") == "BÁO CÁO, Báo cáo, BÁO"


# --- Detection ---------------------------------------------------------------------------------------


def _utf16_be_with_bom(text: str) -> bytes:
    return codecs.BOM_UTF16_BE + text.encode("utf-16-be")


ENCODERS = {
    "utf-8": lambda t: t.encode("utf-8"),
    "utf-8-sig": lambda t: t.encode("utf-8-sig"),
    "utf-16": lambda t: t.encode("utf-16"),
    "utf-16-le": lambda t: t.encode("utf-16-le"),
    "utf-16-be": lambda t: t.encode("utf-16-be"),
    "cp1258": unicode_to_cp1258,
    "tcvn3": unicode_to_tcvn3,
    "vni": unicode_to_vni,
}


@pytest.mark.parametrize("encoding", ENCODERS)
def test_detects_each_encoding_of_a_real_paragraph(encoding: str) -> None:
    text, detected = decode_vietnamese_text(ENCODERS[encoding](PARAGRAPH))
    assert (text, detected) == (PARAGRAPH, encoding)


def test_detects_utf16_big_endian_with_bom() -> None:
    assert decode_vietnamese_text(_utf16_be_with_bom(PARAGRAPH)) == (PARAGRAPH, "utf-16")


@pytest.mark.parametrize(
    ("fixture", "expected", "encoding"),
    [
        ("report-paragraph.tcvn3.txt", PARAGRAPH_TCVN_SAFE, "tcvn3"),
        ("report-paragraph.cp1258.txt", PARAGRAPH, "cp1258"),
    ],
)
def test_detects_files_written_by_iconv(fixture: str, expected: str, encoding: str) -> None:
    assert decode_vietnamese_text((DATA / fixture).read_bytes()) == (expected, encoding)


def test_cp1258_combining_tones_come_out_nfc() -> None:
    data = unicode_to_cp1258("Tổng điều tra kinh tế")
    assert b"\xd2" in data or b"\xde" in data or b"\xec" in data  # a combining tone byte was used
    text, encoding = decode_vietnamese_text(data)
    assert encoding == "cp1258"
    assert text == "Tổng điều tra kinh tế" and unicodedata.is_normalized("NFC", text)


def test_decomposed_unicode_comes_out_composed() -> None:
    nfd = unicodedata.normalize("NFD", PARAGRAPH)
    assert nfd != PARAGRAPH
    for data in (nfd.encode("utf-8"), nfd.encode("utf-16"), nfd.encode("utf-16-le")):
        text, _ = decode_vietnamese_text(data)
        assert text == PARAGRAPH


@pytest.mark.skipif(not REPORT.exists(), reason="needs the shared corpus on the build machine")
@pytest.mark.parametrize("encoding", ["cp1258", "tcvn3", "vni"])
def test_detects_each_legacy_encoding_of_a_whole_report(encoding: str) -> None:
    report = REPORT.read_text(encoding="utf-8")
    assert decode_vietnamese_text(ENCODERS[encoding](report)) == (report, encoding)


@pytest.mark.parametrize("unicode_encoding", ["utf-8", "utf-16"])
@pytest.mark.parametrize(("legacy", "encode"), [("tcvn3", unicode_to_tcvn3_abc), ("vni", unicode_to_vni)])
def test_unicode_files_holding_legacy_font_text_are_converted(
    unicode_encoding: str, legacy: str, encode: Callable[[str], bytes]
) -> None:
    # What Word saves for a document typed in .VnTime or VNI-Times: the font's bytes as cp1252 letters.
    mojibake = encode(PARAGRAPH).decode("cp1252")
    text, encoding = decode_vietnamese_text(mojibake.encode(unicode_encoding))
    assert encoding == f"{unicode_encoding}+{legacy}"
    # ABC text lost the case of toned capitals outside all-capitals lines ("Ủy ban" reads "ủy ban").
    assert text.casefold() == PARAGRAPH.casefold()
    assert "BÁO CÁO" in text and "I. KẾT QUẢ TRIỂN KHAI THỰC HIỆN NHIỆM VỤ" in text


def test_real_unicode_vietnamese_with_only_latin1_letters_is_left_alone() -> None:
    text = "Cà Mau: có bò, cá và tôm; ô tô đi ra"
    assert decode_vietnamese_text(text.encode("utf-8")) == (text, "utf-8")


def test_undecidable_bytes_are_reported_with_what_to_do() -> None:
    noise = random.Random(6)
    blob = bytes(noise.choice(b"\x80\x83\x8a\x9c\xa4\xb1\xbf\xc3\xd5\xdd\xe7\xf0\xf9 ") for _ in range(400))
    with pytest.raises(TextDecodeError, match=r"cannot tell the encoding.*convert it to UTF-8 and retry"):
        decode_vietnamese_text(blob)


def test_latin1_symbols_without_vietnamese_are_undecidable() -> None:
    with pytest.raises(TextDecodeError):
        decode_vietnamese_text("Price: 10 ¥ © ® ± ¼ ¾ × ÷".encode("latin-1"))


@pytest.mark.parametrize(
    "data", [b"", b"  \n\t\r\n ", "\ufeff  \n".encode("utf-8"), "\n \n".encode("utf-16")]
)
def test_empty_input_is_reported(data: bytes) -> None:
    with pytest.raises(EmptyInputError):
        decode_vietnamese_text(data)


def test_binary_data_with_nul_bytes_is_reported() -> None:
    with pytest.raises(TextDecodeError, match="NUL bytes"):
        decode_vietnamese_text(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00")


def test_bom_with_broken_content_is_reported() -> None:
    with pytest.raises(TextDecodeError, match="UTF-8"):
        decode_vietnamese_text(codecs.BOM_UTF8 + b"B\xe1o c\xe1o")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_decode_or_raise_a_decode_error(data: bytes) -> None:
    try:
        text, encoding = decode_vietnamese_text(data)
    except (TextDecodeError, EmptyInputError):
        return
    assert encoding in ENCODING_NAMES
    assert unicodedata.is_normalized("NFC", text)


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(sorted(VIETNAMESE_LETTERS) + list("bcdghklmnpqrstvx .,\n")), max_size=60)
)
def test_legacy_encoders_round_trip_any_vietnamese_text(text: str) -> None:
    assert vni_to_unicode(unicode_to_vni(text).decode("latin-1")) == text
    # TCVN3 may restore capitals from context, so compare case-folded; the eight capitals sharing a
    # code with cp1252 quotes and dashes read as letters only next to a letter.
    decoded = tcvn3_to_unicode(unicode_to_tcvn3(text).decode("latin-1"))
    if not any(c in TCVN_PUNCTUATION_CAPITALS for c in text):
        assert decoded.casefold() == text.casefold()


# --- Syllable check ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "word",
    ["người", "giữa", "gìn", "hoà", "hòa", "thuỷ", "thủy", "khuya", "khuỷu", "Quốc", "ngoài", "rượu", "quyển",
     "Ủy", "BÁO", "điều", "của", "giếng", "việc", "tỉnh", "năm", "tháng", "lý", "Mỹ", "quý", "ý", "hy"],
)  # fmt: skip
def test_real_syllables_are_accepted(word: str) -> None:
    assert is_vietnamese_syllable(word)


@pytest.mark.parametrize(
    "word",
    # mojibake of other encodings, tone on the wrong vowel, two tones, huyền before a stop, a second glide
    ["vieät", "heọ", "quoác", "cỏc", "hoạà", "bàt", "tìêng", "mớa", "ViÖt", "thoỏng", "Q§", "trý", "yn"],
)
def test_mojibake_and_misspellings_are_rejected(word: str) -> None:
    assert not is_vietnamese_syllable(word)


def test_module_stays_self_contained() -> None:
    source = Path(legacy_text.__file__).read_text(encoding="utf-8")
    assert "from ocr" not in source and "from parsers" not in source
    assert "import ocr" not in source and "import parsers" not in source


# --- One file, several encodings (issue 14) ----------------------------------------------------------

MIXED_UNICODE = (
    "Sở Thông tin và Truyền thông báo cáo kết quả quý I năm 2021.\n"
    "Trong quý đã thu hồi 47 chứng thư số, cấp mới 92 chứng thư số.\n"
)
MIXED_PASTED = (
    "Tỷ lệ văn bản đi được ký số đạt 80,6% tổng số văn bản đi của các cơ quan.\n"
    "Cổng dịch vụ công tiếp nhận 1.234 hồ sơ trực tuyến trong quý.\n"
)


def test_utf8_file_with_pasted_raw_tcvn3_paragraphs_decodes_each_line() -> None:
    # A UTF-8 report into which paragraphs of an old .VnTime document were pasted as raw bytes.
    data = MIXED_UNICODE.encode("utf-8") + unicode_to_tcvn3(MIXED_PASTED) + "Hết.\n".encode()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    text, encoding = decode_vietnamese_text(data)
    assert encoding == "utf-8+tcvn3"
    assert text == MIXED_UNICODE + MIXED_PASTED + "Hết.\n"


def test_utf8_file_with_font_encoded_paragraphs_converts_only_those() -> None:
    # The same mix as Word saves it: the .VnTime paragraphs are valid UTF-8 of the font's Latin-1 letters,
    # next to real Unicode paragraphs whose letters (ở, ề, ố) Latin-1 does not have.
    mojibake = unicode_to_tcvn3(MIXED_PASTED).decode("cp1252")
    text, encoding = decode_vietnamese_text((MIXED_UNICODE + mojibake).encode("utf-8"))
    assert encoding == "utf-8+tcvn3"
    assert text == MIXED_UNICODE + MIXED_PASTED


def test_utf8_file_with_lines_of_unknown_encoding_is_reported_with_the_line() -> None:
    noise = random.Random(14)
    blob = bytes(noise.choice(b"\x80\x83\x8a\x9c\xa4\xb1\xbf\xd5\xdd\xe7\xf0\xf9 ") for _ in range(300))
    data = MIXED_UNICODE.encode("utf-8") + blob + b"\n"
    with pytest.raises(TextDecodeError, match=r"UTF-8 except 1 line\(s\) \(the first is line 3\).*retry"):
        decode_vietnamese_text(data)
