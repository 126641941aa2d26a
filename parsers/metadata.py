"""Report metadata: number and code, issue date, province, issuer, period, signer.

Decisions (also in parsers/README.md):
* `report_number` is "220/BC-STTTT-VP" as printed (spaces removed); a blank number ("Số: /BC-STTTT-VP")
  gives None while `report_code` is still "BC-STTTT-VP".
* `province` and `issuer` are canonical spellings ("Trà Vinh", "Sở Thông tin và Truyền thông") whenever the
  printed text, even accent-free or garbled, matches a known one: they are identifiers, and "Tra Vinh" or
  "SO THONG TIN VA TRUYEN THONG" must group with the rest. An unknown issuer is returned as printed.
* `signer` is the personal name as printed (OCR damage included): names are not a closed list.
* The period comes from the title (the lines after "BÁO CÁO"), the widest period named there
  (parsers.dates.parse_period), with the issue year as the default year.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import fuzz

from parsers.dates import parse_issue_date, parse_period
from parsers.document import is_appendix_heading
from parsers.folding import fold, fold_str
from parsers.places import find_province
from schemas.extraction import ReportMetadata

_HEADER_LINES = 14  # the two-column header block, generously: OCR may split or interleave its lines
_NUMBER_RE = re.compile(
    r"(?<![a-z0-9])s[o0-9][ \t]*[:;.,]?[ \t]*(?P<number>\d{1,6})?[ \t]*/[ \t]*"
    r"(?P<code>[a-z]{1,8}(?:[ \t]*-[ \t]*[a-z0-9]{1,12}){1,4})"
)
_ISSUERS: tuple[str, ...] = (
    "Sở Thông tin và Truyền thông",
    "Sở Kế hoạch và Đầu tư",
    "Sở Nội vụ",
    "Sở Tài chính",
    "Sở Khoa học và Công nghệ",
    "Sở Văn hóa, Thể thao và Du lịch",
    "Sở Giáo dục và Đào tạo",
    "Sở Y tế",
    "Sở Tư pháp",
    "Sở Công Thương",
    "Sở Xây dựng",
    "Sở Giao thông vận tải",
    "Sở Tài nguyên và Môi trường",
    "Sở Nông nghiệp và Phát triển nông thôn",
    "Sở Lao động - Thương binh và Xã hội",
    "Văn phòng Ủy ban nhân dân tỉnh",
)
_MIN_ISSUER_SCORE = 88.0
_BODY_ISSUER_RE = re.compile(r"(?<![a-z])(?P<issuer>so [a-z ,\-]{4,60}?)(?: tinh [a-z ]{2,20})? bao cao")
_PROVINCE_LINE_RE = re.compile(
    r"(?:ubnd|uy ban nhan dan|u[yi] ban)\s+(?:tinh|thanh pho|tp\.?)\s+(?P<rest>.+)"
)
_TITLE_STOP_RE = re.compile(r"\s*(?:can cu|thuc hien|kinh gui|[ivx]+\.\s|\d+\.\s|nam \d{4}, )")
_SIGNATURE_TITLE_RE = re.compile(
    r"(?:^|\s)(?:kt\.?|tm\.?|q\.?|pho)?\s*(?:giam doc|chu tich|truong phong|chanh van phong)\b"
)
# Vietnamese family names (folded), Khmer ones common in the Mekong provinces included.
_SURNAMES = frozenset(
    [
        "nguyen",
        "tran",
        "le",
        "pham",
        "hoang",
        "huynh",
        "phan",
        "vu",
        "vo",
        "dang",
        "bui",
        "do",
        "ho",
        "ngo",
        "duong",
        "ly",
        "dao",
        "doan",
        "vuong",
        "truong",
        "dinh",
        "lam",
        "phung",
        "mai",
        "to",
        "ha",
        "ta",
        "luu",
        "chau",
        "thach",
        "kim",
        "son",
        "luong",
        "cao",
        "quach",
        "tu",
        "trieu",
        "chu",
        "thai",
        "tang",
        "la",
        "nghiem",
        "kieu",
        "diep",
        "lu",
        "giang",
        "trinh",
        "au",
        "hua",
        "nong",
        "danh",
        "lieu",
        "kha",
        "thi",
        "tieu",
        "van",
        "ong",
        "ung",
        "khuu",
    ]
)


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


@lru_cache(maxsize=1)
def _issuer_targets() -> tuple[tuple[str, str], ...]:
    return tuple((issuer, " ".join(re.findall(r"[a-z0-9]+", fold_str(issuer)))) for issuer in _ISSUERS)


@lru_cache(maxsize=4096)  # header lines ("SỞ THÔNG TIN VÀ TRUYỀN THÔNG") recur from report to report
def _canonical_issuer(text: str) -> str | None:
    folded = " ".join(re.findall(r"[a-z0-9]+", fold_str(text)))
    best: tuple[float, str] | None = None
    for issuer, target in _issuer_targets():
        if len(folded) < len(target) * 0.8:
            continue
        score = fuzz.partial_ratio(target, folded)
        if score >= _MIN_ISSUER_SCORE and (best is None or score > best[0]):
            best = (score, issuer)
    return best[1] if best else None


def _issuer(header_lines: list[str], body: str) -> str | None:
    for line in header_lines:
        issuer = _canonical_issuer(line)
        if issuer is not None:
            return issuer
    folded = fold(body)
    match = _BODY_ISSUER_RE.search(folded.text)
    if match is None:
        return None
    start, end = folded.to_original(match.start("issuer"), match.end("issuer"))
    printed = body[start:end]
    return _canonical_issuer(printed) or printed[:1].upper() + printed[1:]


def _province(header_lines: list[str], place: str | None) -> str | None:
    for line in header_lines:
        match = _PROVINCE_LINE_RE.search(fold_str(line))
        if match is not None:
            province = find_province(match["rest"], anchor="start")
            if province is not None:
                return province
    if place is not None:
        return find_province(place, anchor="end") or find_province(place)
    return None


def _title(lines: list[str]) -> str:
    """The title: the lines after the "BÁO CÁO" line, up to the first paragraph or heading."""
    for index, line in enumerate(lines[:40]):
        folded = " ".join(re.findall(r"[a-z0-9]+", fold_str(line)))
        if folded == "bao cao" or (len(folded) <= 12 and fuzz.ratio(folded, "bao cao") >= 80):
            title: list[str] = []
            for following in lines[index + 1 : index + 5]:
                if title and _TITLE_STOP_RE.match(fold_str(following)):
                    break
                title.append(following)
            return " ".join(title)
    return ""


def _issue_date(header: str, first_page: str) -> tuple[str | None, object]:
    place, date = parse_issue_date(header)
    if date is None:
        place, date = parse_issue_date(first_page)
    return place, date


def _person_name(line: str) -> str | None:
    words = re.findall(r"[^\W\d_]+", line)
    for start, word in enumerate(words):
        if fold_str(word) not in _SURNAMES or not _title_case(word):
            continue
        name = [word]
        for following in words[start + 1 : start + 5]:
            if not _title_case(following):
                break
            name.append(following)
        if len(name) >= 2:
            return " ".join(name)
    return None


def _title_case(word: str) -> bool:
    return word[:1].isupper() and (len(word) == 1 or word[1:].islower())


def _signer(body_lines: list[str]) -> str | None:
    """The personal name after the signature title ("GIÁM ĐỐC", "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC")."""
    title_at = None
    for index, line in enumerate(body_lines):
        folded = fold_str(line)
        if _SIGNATURE_TITLE_RE.search(folded) and len(folded) < 80 and "noi nhan" not in folded[:3]:
            title_at = index
    if title_at is None:
        return (
            None  # without the signature block any capitalised pair ("Đảng Cộng sản") could pass for a name
        )
    for line in body_lines[title_at + 1 :]:
        name = _person_name(line)
        if name is not None:
            return name
    return None


def _body_lines(pages: list[str]) -> list[str]:
    """All lines before the first appendix heading ("Phụ lục ...")."""
    lines: list[str] = []
    for page in pages:
        for line in _lines(page):
            if is_appendix_heading(line):
                return lines
            lines.append(line)
    return lines


def parse_metadata(pages: list[str]) -> ReportMetadata:
    """Metadata of a report from its pages' text (pages[0] is page 1); unknown fields are None."""
    if not pages:
        return ReportMetadata()
    first_page = pages[0]
    first_lines = _lines(first_page)
    header_lines = first_lines[:_HEADER_LINES]
    header = "\n".join(header_lines)
    report_number, report_code = _report_number(header)
    place, issue_date = _issue_date(header, first_page)
    year = issue_date.year if issue_date is not None else None  # type: ignore[attr-defined]
    period = parse_period(_title(first_lines), default_year=year)
    body_lines = _body_lines(pages)
    return ReportMetadata(
        issuer=_issuer(header_lines, first_page),
        province=_province(header_lines, place),
        report_number=report_number,
        report_code=report_code,
        issue_date=issue_date,  # type: ignore[arg-type]
        period_type=period[0] if period else None,
        period_start=period[1] if period else None,
        period_end=period[2] if period else None,
        signer=_signer(body_lines),
    )
