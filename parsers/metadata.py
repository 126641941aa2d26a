"""Report metadata: number and code, issue date, province, issuer, period, signer.

Metadata comes from the header (the lines above the "BÁO CÁO" title), the title and the signature block,
never from a sentence of the body: a department or a name mentioned in the text is not the issuer or the
signer. Decisions (also in parsers/README.md):

* `report_number` is "220/BC-STTTT-VP" as printed (spaces removed), from a "Số:" at the start of a header
  line; a blank number ("Số: /BC-STTTT-VP") gives None while `report_code` is still "BC-STTTT-VP".
* `province` and `issuer` are canonical spellings ("Trà Vinh", "Sở Thông tin và Truyền thông") whenever the
  printed text, even accent-free or garbled, matches a known one: they are identifiers, and "Tra Vinh" or
  "SO THONG TIN VA TRUYEN THONG" must group with the rest. The issuer is a header line that starts with a
  known issuing body, else the subject of the opening sentence ("…, Sở Thông tin và Truyền thông báo cáo
  như sau:"), else None.
* `signer` is the personal name as printed (OCR damage included) from the signature block
  (parsers.signature), or None.
* The period comes from the title (parsers.dates.parse_reporting_period), with the issue year as the
  default year (the year before for a period that would begin after the issue date); a span that is no
  month, quarter, half or year keeps its dates and no type.
* A text without "Số: …/BC-…", national motto, "UBND TỈNH …" header in capitals and "BÁO CÁO" title is a
  web page (parsers.webpage): no issuer, number or signer; the site's province, the article's date and
  the period its headline or lead names.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from rapidfuzz import fuzz

from parsers.dates import ReportingPeriod, parse_issue_date, parse_reporting_period
from parsers.document import is_appendix_heading
from parsers.folding import fold, fold_str, ocr_key
from parsers.metadata_words import expand_abbreviations, folded_words, metadata_words
from parsers.places import PROVINCES, find_province
from parsers.signature import read_signer
from parsers.webpage import masthead_province, read_webpage
from schemas.extraction import ReportMetadata

_HEADER_LINES = 14  # the two-column header block when no title is found: OCR may split or interleave it
_PLACE_LINE_SCAN = 25  # lines of page 1 searched for "Place, ngày …" when the header has no date
# "Số:" opens a header line (after OCR specks; web copies put the number on the next line); in a
# sentence ("báo cáo số 12/BC-…") it cites a document.
_NUMBER_RE = re.compile(
    r"(?m)^[^a-z0-9\n]{0,4}s[o0-9][ \t]*[:;.,]?[ \t]*(?:\n[ \t|]*)?(?P<number>\d{1,6})?[ \t]*/[ \t]*"
    r"(?P<code>[a-z]{1,8}(?:[ \t]*-[ \t]*[a-z0-9]{1,12}){1,4})"
)
_MOTTO_RE = re.compile(r"cong hoa xa hoi|doc lap\W+t[a-z]{1,2} do")
# A header's parent body is printed in capitals; a headline "UBND tỉnh Cà Mau triển khai …" is not.
_OFFICIAL_PARENT_RE = re.compile(
    r"^\W*(?:UBND|ỦY BAN NHÂN DÂN|UY BAN NHAN DAN)\s+(?:TỈNH|TINH|THÀNH PHỐ|THANH PHO|TP)\b"
)
# A national body heading the header ("BỘ KHOA HỌC VÀ CÔNG NGHỆ", "VĂN PHÒNG CHÍNH PHỦ"): its "Hà Nội, ngày …"
# is where the ministry sits, not a province the text reports on.
_NATIONAL_BODY_RE = re.compile(
    r"^\W*(?:BỘ|BO|CỤC|CUC|CHÍNH PHỦ|CHINH PHU|VĂN PHÒNG CHÍNH PHỦ|VAN PHONG CHINH PHU)\s"
)
_MIN_ISSUER_SCORE = 88.0
# What may precede the issuing body on its header line: the parent body ("UBND TỈNH TRÀ VINH") or specks.
_ISSUER_PREFIX_RE = re.compile(
    r"^(?:[a-z0-9]{1,2} )?(?:(?:ubnd|uy ban nhan dan)(?: (?:tinh|thanh pho|tp))?(?: [a-z]+){0,4} )?$"
)
# The opening sentence: the issuing body as the subject of "báo cáo", at the start of a clause.
_OPENING_ISSUER_RE = re.compile(
    r"(?:^|[,:;]\s*)(?P<issuer>(?:so|van phong) [a-z ,&\-]{1,60}?)(?:\s+(?:tinh|thanh pho)\s+[a-z ]{2,20}?)?"
    r"\s+bao cao(?![a-z])"
)
_OPENING_LINES = 8
_PROVINCE_LINE_RE = re.compile(
    r"(?:ubnd|uy ban nhan dan|u[yi] ban)\s+(?:tinh|thanh pho|tp\.?)\s+(?P<rest>.+)"
)
# The parent body split over lines, as web copies print it: "ỦY BAN NHÂN DÂN" / "TỈNH KON TUM".
_PARENT_LINE_RE = re.compile(r"(?:ubnd|ban nhan dan)\W*$")
_UNIT_LINE_RE = re.compile(r"^\W*(?:tinh|thanh pho|tp\.?)\s+(?P<rest>.+)")
_TITLE_STOP_RE = re.compile(r"\s*(?:can cu|thuc hien|kinh gui|[ivx]+\.\s|\d+\.\s|nam \d{4}, )")
_MIN_TITLE_CAPITALS = 0.7  # of the letters of the "BÁO CÁO" line ("BÁO CÁo" after OCR still counts)
_HEADING_RE = re.compile(r"^\W*(?:[ivx]+|\d+)\s*[.)]\s")


def _lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip()]


def _report_number(header: str) -> tuple[str | None, str | None]:
    folded = fold(header)
    for match in _NUMBER_RE.finditer(folded.text):
        start, end = folded.to_original(match.start("code"), match.end("code"))
        code = re.sub(r"\s+", "", header[start:end]).upper()
        if not code.startswith("BC") and "BC" not in code.split("-"):
            continue  # "Số: 57/QĐ-UBND" cites another document
        number = match["number"]
        return (f"{number}/{code}" if number else None), code
    return None, None


@lru_cache(maxsize=4096)  # header lines ("SỞ THÔNG TIN VÀ TRUYỀN THÔNG") recur from report to report
def _canonical_issuer(text: str, at_start: bool) -> str | None:
    """The known issuing body `text` names; with `at_start`, only one the line starts with."""
    folded = expand_abbreviations(folded_words(text))
    best: tuple[float, str] | None = None
    for issuer, target in metadata_words().issuers:
        if len(folded) < len(target) * 0.8:
            continue
        alignment = fuzz.partial_ratio_alignment(target, folded)
        if alignment is None or alignment.score < _MIN_ISSUER_SCORE:
            continue
        if at_start and not _ISSUER_PREFIX_RE.match(folded[: alignment.dest_start]):
            continue
        if best is None or alignment.score > best[0]:
            best = (alignment.score, issuer)
    return best[1] if best else None


def _header_issuer(header_lines: list[str]) -> str | None:
    """The issuing body on a header line of its own, printed in capitals as headers are
    ("SỞ THÔNG TIN VÀ TRUYỀN THÔNG"); "- Sở Tư pháp đã …" is a body line even near the top."""
    for line in header_lines:
        issuer = _canonical_issuer(line, at_start=True)
        if issuer is None:
            continue
        first_word = folded_words(issuer).split()[0]
        tokens = re.findall(r"[^\W_]+", line)
        if any(ocr_key(fold_str(t)) == first_word and t.isupper() for t in tokens):
            return issuer
    return None


def _opening_issuer(opening: list[str]) -> str | None:
    """The issuing body as the subject of the opening sentence ("…, Sở X báo cáo như sau:"), or None.

    `opening` are the lines after the title; the body must start the paragraph or a clause of it.
    """
    lines: list[str] = []
    for line in opening[:_OPENING_LINES]:
        if _HEADING_RE.match(fold_str(line)):
            break
        lines.append(line)
    text = " ".join(lines)
    folded = fold(text)
    for match in _OPENING_ISSUER_RE.finditer(folded.text):
        start, end = folded.to_original(match.start("issuer"), match.end("issuer"))
        issuer = _canonical_issuer(text[start:end], at_start=True)
        if issuer is not None:
            return issuer
    return None


def _province(header_lines: list[str], place: str | None) -> str | None:
    previous = ""
    for line in header_lines:
        folded = fold_str(line)
        match = _PROVINCE_LINE_RE.search(folded)
        if match is None and _PARENT_LINE_RE.search(previous):
            match = _UNIT_LINE_RE.match(folded)
        if any(c.isalpha() for c in folded):  # rules and table bars ("-------", "|") are not lines of text
            previous = folded
        if match is not None:
            province = find_province(match["rest"], anchor="start")
            if province is not None:
                return province
    if place is not None and not any(_NATIONAL_BODY_RE.match(line) for line in header_lines[:3]):
        return find_province(place, anchor="end") or find_province(place)
    return None


def _title_at(lines: list[str]) -> int | None:
    """Index of the "BÁO CÁO" line that opens the title, or None.

    Reports print it in capitals; a "Báo cáo" line of a web portal's menu is not a title."""
    for index, line in enumerate(lines[:40]):
        folded = " ".join(re.findall(r"[a-z0-9]+", fold_str(line)))
        if folded != "bao cao" and (len(folded) > 12 or fuzz.ratio(folded, "bao cao") < 80):
            continue
        letters = [c for c in line if c.isalpha()]
        if sum(c.isupper() for c in letters) >= _MIN_TITLE_CAPITALS * len(letters):
            return index
    return None


def _title_lines(lines: list[str], title_at: int | None) -> list[str]:
    """The title: the lines after the "BÁO CÁO" line, up to the first paragraph or heading."""
    if title_at is None:
        return []
    title: list[str] = []
    for following in lines[title_at + 1 : title_at + 5]:
        folded = fold_str(following)
        if title and (_TITLE_STOP_RE.match(folded) or _OPENING_ISSUER_RE.match(folded)):
            break  # the opening sentence: "Căn cứ …", "Thực hiện …", "Sở … báo cáo như sau:"
        title.append(following)
    return title


def _issue_date(header: str, first_lines: list[str]) -> tuple[str | None, dt.date | None]:
    """From the header; failing that, only a "Place, ngày …" line whose place is a province or city:
    a bare date further down belongs to a document the text cites ("Công văn số … ngày 02/6/2022")."""
    place, date = parse_issue_date(header)
    if date is not None:
        return place, date
    for line in first_lines[:_PLACE_LINE_SCAN]:
        place, date = parse_issue_date(line)
        if date is not None and place in PROVINCES:
            return place, date
    return None, None


def _split_at_appendix(pages: list[str]) -> tuple[list[str], list[str]]:
    """The lines before the first appendix heading ("Phụ lục ..."), and the lines from it on."""
    lines = [line for page in pages for line in _lines(page)]
    at = next((index for index, line in enumerate(lines) if is_appendix_heading(line)), len(lines))
    return lines[:at], lines[at:]


def _signer(pages: list[str]) -> str | None:
    """From the signature block before the appendices; a web copy may print the block after its
    appendix ("PHỤ LỤC: SỐ LIỆU …" then "Nơi nhận:"), so that part is read when the body has none."""
    body, appendix = _split_at_appendix(pages)
    return read_signer(body) or read_signer(appendix)


def _has_official_header(header_lines: list[str]) -> bool:
    """Whether the lines hold the national motto or a parent body in capitals ("UBND TỈNH TRÀ VINH")."""
    for line in header_lines:
        folded = fold_str(line)
        if _MOTTO_RE.search(folded):
            return True
        if _OFFICIAL_PARENT_RE.match(line):
            return True
    return False


# A header line (its left column) naming a district, town or commune as the issuing body, in capitals:
# "HUYỆN BÁT XÁT" under "ỦY BAN NHÂN DÂN", "UBND XÃ TÂN HÒA", "PHÒNG VĂN HÓA VÀ THÔNG TIN HUYỆN ...".
_ONE_UNIT_HEADER_RE = re.compile(
    r"^\W*(?:(?:UBND|ỦY BAN NHÂN DÂN|UY BAN NHAN DAN|PHÒNG [A-ZÀ-Ỹ ,&-]+?)\s+)?"
    r"(?P<unit>HUYỆN|HUYEN|QUẬN|QUAN|THỊ XÃ|THI XA|XÃ|XA|PHƯỜNG|PHUONG|THỊ TRẤN|THI TRAN|ĐẶC KHU|DAC KHU"
    r"|THÀNH PHỐ|THANH PHO)\s+(?P<name>[A-ZÀ-Ỹ][A-ZÀ-Ỹ -]+)$"
)


def _header_above_title(pages: list[str]) -> list[str] | None:
    """The first page's lines above its title ("BÁO CÁO"), or None for a text with no title."""
    if not pages:
        return None
    first_lines = _lines(pages[0])
    title_at = _title_at(first_lines)
    return None if title_at is None else first_lines[:title_at]


def national_issuer(pages: list[str]) -> bool:
    """Whether a national body heads the header ("BỘ THÔNG TIN VÀ TRUYỀN THÔNG", "CỤC ..."): its report
    sums or ranks the provinces; no figure of it is one province's own."""
    header = _header_above_title(pages)
    return header is not None and any(_NATIONAL_BODY_RE.match(line) for line in header[:3])


def one_unit_issuer(pages: list[str]) -> str | None:
    """The district, town or commune whose own report this is ("HUYỆN BÁT XÁT" in the header), or None.

    Its figures are that unit's, not the province's, nor the province's figures for one level. A city
    that is a province ("THÀNH PHỐ CẦN THƠ") is not one unit."""
    for line in _header_above_title(pages) or []:
        left = re.split(r"\s*\|\s*|\s{3,}", line.strip())[0]
        match = _ONE_UNIT_HEADER_RE.match(left)
        if match is None:
            continue
        name = match.group("name").strip()
        if match.group("unit") in ("THÀNH PHỐ", "THANH PHO") and find_province(name, anchor="start"):
            continue
        return f"{match.group('unit')} {name}"
    return None


def parse_metadata(pages: list[str]) -> ReportMetadata:
    """Metadata of a report from its pages' text (pages[0] is page 1); unknown fields are None."""
    if not pages:
        return ReportMetadata()
    first_lines = _lines(pages[0])
    title_at = _title_at(first_lines)
    header_lines = first_lines[:title_at] if title_at is not None else first_lines[:_HEADER_LINES]
    header = "\n".join(header_lines)
    report_number, report_code = _report_number(header)
    if title_at is None and report_code is None and not _has_official_header(header_lines):
        return read_webpage(pages[0])
    place, issue_date = _issue_date(header, first_lines)
    title = _title_lines(first_lines, title_at)
    period = parse_reporting_period(" ".join(title), issued=issue_date)
    period = period or ReportingPeriod(None, None, None)
    opening = first_lines[title_at + 1 + len(title) :] if title_at is not None else []
    return ReportMetadata(
        issuer=_header_issuer(header_lines) or _opening_issuer(opening),
        province=_province(header_lines, place) or masthead_province(first_lines),
        report_number=report_number,
        report_code=report_code,
        issue_date=issue_date,
        period_type=period.type,
        period_start=period.start,
        period_end=period.end,
        signer=_signer(pages),
    )
