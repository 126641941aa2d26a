"""The signer on real Tesseract output of a signature page with a red seal (issue 15).

The page is drawn here (Liberation Serif, 300 DPI): a closing sentence, the "Nơi nhận:" list on the left
(one item wraps onto a line "Hồ Chí Minh;"), "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC", a signature stroke and the
signer's name on the right, and a red seal with text around its ring placed over the title, the middle
of the block or the name. It then goes through the pipeline's own clean-up, Tesseract `vie` and
post-processing, and the metadata parser reads the signer. At the branch point the seal over the name
gave "Hồ Chí Minh" and the other two gave None.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from ocr.postprocess import postprocess_text
from ocr.preprocess import clean_page
from ocr.tesseract import ocr_image
from parsers.metadata import parse_metadata

pytestmark = pytest.mark.slow

FONTS = Path("/usr/share/fonts/truetype/liberation2")
PAGE_1 = (
    "UBND TỈNH CÀ MAU\nSỞ THÔNG TIN VÀ TRUYỀN THÔNG\nSố: 315/BC-STTTT\n"
    "Cà Mau, ngày 20 tháng 12 năm 2024\nBÁO CÁO\nKết quả công tác quý IV năm 2024\n"
)
DISTRIBUTION = [
    "- Bộ Thông tin và Truyền thông;",
    "- Cục Bưu điện Trung ương tại TP.",
    "  Hồ Chí Minh;",
    "- UBND tỉnh;",
    "- Lưu: VT, VP.",
]
SEAL_CENTRES = {"title": (1700, 260), "middle": (1620, 480), "name": (1650, 700)}
RED = (220, 30, 30, 205)


def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / name), size)


def _seal(size: tuple[int, int], centre: tuple[int, int]) -> Image.Image:
    """A round red seal: two rings, the issuer's name around the outer one, a star in the middle."""
    seal = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(seal)
    cx, cy = centre
    for radius, width in ((230, 18), (180, 8)):
        draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=RED, width=width)
    ring_text = "SỞ THÔNG TIN VÀ TRUYỀN THÔNG * TỈNH CÀ MAU *"
    for index, char in enumerate(ring_text):
        angle = 2 * math.pi * index / len(ring_text)
        xy = (cx + 200 * math.cos(angle) - 12, cy + 200 * math.sin(angle) - 20)
        draw.text(xy, char, font=_font("LiberationSerif-Bold.ttf", 40), fill=RED)
    draw.regular_polygon((cx, cy, 60), 5, fill=RED)
    return seal


def _signature_page(seal_over: str) -> Image.Image:
    page = Image.new("RGB", (2480, 1100), "white")
    draw = ImageDraw.Draw(page)
    regular, bold = _font("LiberationSerif-Regular.ttf", 54), _font("LiberationSerif-Bold.ttf", 54)
    draw.text(
        (230, 60),
        "Trên đây là báo cáo kết quả thực hiện nhiệm vụ quý IV năm 2024./.",
        font=regular,
        fill="black",
    )
    draw.text((230, 200), "Nơi nhận:", font=bold, fill="black")
    for row, line in enumerate(DISTRIBUTION, start=1):
        draw.text((230, 200 + 62 * row), line, font=_font("LiberationSerif-Regular.ttf", 46), fill="black")
    draw.text((1500, 200), "KT. GIÁM ĐỐC", font=bold, fill="black")
    draw.text((1480, 265), "PHÓ GIÁM ĐỐC", font=bold, fill="black")
    stroke = [(1500 + i * 6, 520 + int(40 * math.sin(i / 6))) for i in range(70)]
    draw.line(stroke, fill=(20, 20, 120), width=6)
    draw.text((1440, 720), "Lâm Thị Kiều Oanh", font=bold, fill="black")
    sealed = Image.alpha_composite(page.convert("RGBA"), _seal(page.size, SEAL_CENTRES[seal_over]))
    return sealed.convert("RGB")


@pytest.mark.parametrize(
    ("seal_over", "signer"),
    [
        ("title", "Lâm Thị Kiều Oanh"),  # the title is lost; the name ends the block
        ("middle", "Lâm Thị Kiều Oanh"),
        ("name", None),  # the name is lost: null, not the "Hồ Chí Minh" of the list
    ],
)
def test_signer_under_a_red_seal(seal_over: str, signer: str | None) -> None:
    text = postprocess_text(ocr_image(clean_page(_signature_page(seal_over)).image).text)
    assert "Hồ Chí Minh" in text  # the distractor is there to be taken
    assert parse_metadata([PAGE_1, text]).signer == signer
