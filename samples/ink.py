"""Coloured ink stamped and written over a degraded sample page: the red round seal and the blue pen
signature every Vietnamese administrative report ends with (issue 15).

Ink on paper filters the light: each ink multiplies the page by its colour, so print under a seal stays
black and the seal shows through the signature, as on a real scan. The seal is a double ring with the
issuer's name around it and a star in the middle, stamped unevenly (a stamp never inks all over); the
signature is a few loops of a smooth random pen stroke.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

__all__ = [
    "HIGHLIGHTER_GREEN",
    "HIGHLIGHTER_YELLOW",
    "PEN_BLACK",
    "SEAL_RED",
    "SIGNATURE_BLUE",
    "InkMark",
    "highlighter_mark",
    "note_mark",
    "seal_mark",
    "signature_mark",
    "stamp",
]

# Scanned colours of a red stamp pad and a blue ballpoint pen on white paper (RGB).
SEAL_RED = (214, 38, 48)
SIGNATURE_BLUE = (28, 52, 168)
PEN_BLACK = (40, 40, 46)
# Fluorescent highlighters as a scanner sees them: bright, strongly coloured, transparent over print.
HIGHLIGHTER_YELLOW = (250, 236, 70)
HIGHLIGHTER_GREEN = (130, 230, 120)
MM_PER_INCH = 25.4


@dataclass(frozen=True)
class InkMark:
    strength: np.ndarray  # float32 in [0, 1], page-sized: how much ink each pixel holds
    colour: tuple[int, int, int]


def _mm(value: float, dpi: int) -> float:
    return value * dpi / MM_PER_INCH


def seal_mark(
    shape: tuple[int, int],
    centre: tuple[float, float],
    dpi: int,
    legend: str,
    font_path: Path,
    rng: np.random.Generator,
    diameter_mm: float = 34.0,
) -> InkMark:
    """A round seal: outer and inner ring, `legend` in capitals around the top, a star in the middle."""
    height, width = shape
    canvas = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(canvas)
    cx, cy = centre
    outer = _mm(diameter_mm / 2, dpi)
    inner = outer - _mm(5.5, dpi)
    ring = max(2, round(_mm(0.7, dpi)))
    for radius, line in ((outer, ring), (outer - ring * 1.6, max(1, ring // 2)), (inner, max(1, ring // 2))):
        draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=255, width=line)
    _legend_around(canvas, legend, (cx, cy), (outer + inner) / 2, font_path, dpi)
    star = _mm(6.0, dpi)
    points = []
    for k in range(10):
        radius = star if k % 2 == 0 else star * 0.4
        angle = -math.pi / 2 + k * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    draw.polygon(points, fill=255)
    strength = np.asarray(canvas, dtype=np.float32) / 255.0
    # A stamp inks unevenly: low-frequency patches from 70% to 100%, and a slight spread of the pad ink.
    coarse = rng.uniform(0.7, 1.0, (7, 7)).astype(np.float32)
    patches = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)
    strength = cv2.GaussianBlur(strength, (0, 0), _mm(0.12, dpi)) * np.clip(patches, 0.5, 1.0)
    return InkMark(np.clip(strength, 0.0, 1.0), SEAL_RED)


def _legend_around(
    canvas: Image.Image, legend: str, centre: tuple[float, float], radius: float, font_path: Path, dpi: int
) -> None:
    """Draw `legend` letter by letter along the circle, upright towards the centre, over ~300°."""
    font = ImageFont.truetype(str(font_path), round(_mm(3.2, dpi)))
    span = math.radians(300)
    step = span / max(1, len(legend))
    start = -math.pi / 2 - span / 2 + step / 2
    for index, letter in enumerate(legend):
        if letter == " ":
            continue
        angle = start + index * step
        box = font.getbbox(letter)
        glyph = Image.new("L", (box[2] + 4, box[3] + 4), 0)
        ImageDraw.Draw(glyph).text((2, 2), letter, font=font, fill=255)
        turned = glyph.rotate(-math.degrees(angle) - 90, resample=Image.Resampling.BICUBIC, expand=True)
        x = centre[0] + radius * math.cos(angle) - turned.width / 2
        y = centre[1] + radius * math.sin(angle) - turned.height / 2
        canvas.paste(255, (round(x), round(y)), turned)


def signature_mark(
    shape: tuple[int, int], centre: tuple[float, float], dpi: int, rng: np.random.Generator
) -> InkMark:
    """A handwritten signature: a smooth random looping stroke about 40 x 14 mm, with a final flourish."""
    height, width = shape
    samples = 600
    t = np.linspace(0.0, 1.0, samples)
    span_x, span_y = _mm(40, dpi), _mm(7, dpi)
    loops = rng.uniform(4.0, 6.0)
    x = centre[0] + span_x * (t - 0.5) + _mm(3, dpi) * np.sin(2 * np.pi * loops * t + rng.uniform(0, 6))
    y = (
        centre[1]
        + span_y * np.sin(2 * np.pi * loops * t * 0.5 + rng.uniform(0, 6)) * (0.6 + 0.4 * np.cos(3 * t))
        - _mm(4, dpi) * t
    )
    flourish = np.linspace(0.0, 1.0, 120)
    fx = x[-1] - span_x * 0.9 * flourish
    fy = y[-1] + _mm(6, dpi) * np.sin(np.pi * flourish)
    points = np.stack([np.concatenate([x, fx]), np.concatenate([y, fy])], axis=1)
    canvas = np.zeros((height, width), np.uint8)
    pen = max(2, round(_mm(0.45, dpi)))
    cv2.polylines(canvas, [np.round(points).astype(np.int32)], False, 255, pen, lineType=cv2.LINE_AA)
    strength = canvas.astype(np.float32) / 255.0 * 0.9
    return InkMark(strength, SIGNATURE_BLUE)


def stamp(page: np.ndarray, marks: list[InkMark]) -> np.ndarray:
    """The grey page (H x W) with every mark's ink multiplied over it, as an RGB image."""
    colour = np.repeat(page[:, :, None].astype(np.float32), 3, axis=2)
    for mark in marks:
        ink = np.asarray(mark.colour, dtype=np.float32) / 255.0
        colour *= 1.0 - mark.strength[:, :, None] * (1.0 - ink)
    return np.clip(colour, 0, 255).astype(np.uint8)


def highlighter_mark(
    shape: tuple[int, int],
    box: tuple[float, float, float, float],
    colour: tuple[int, int, int],
    dpi: int,
    rng: np.random.Generator,
) -> InkMark:
    """A highlighter band over `box` (left, top, right, bottom): a broad felt tip drawn once along the
    line, a little wider and taller than the print, slightly slanted, its ends rounded, denser where the
    stroke overlaps itself at the ends."""
    height, width = shape
    left, top, right, bottom = box
    overhang = _mm(1.5, dpi)
    tip = (bottom - top) + _mm(1.5, dpi)
    middle = (top + bottom) / 2
    slant = rng.uniform(-_mm(0.8, dpi), _mm(0.8, dpi))
    canvas = np.zeros((height, width), np.uint8)
    start = (round(left - overhang), round(middle - slant))
    end = (round(right + overhang), round(middle + slant))
    cv2.line(canvas, start, end, 255, max(2, round(tip)), lineType=cv2.LINE_AA)
    strength = canvas.astype(np.float32) / 255.0
    # A felt tip lays ink unevenly along the stroke.
    streaks = rng.uniform(0.8, 1.0, (1, 64)).astype(np.float32)
    strength *= cv2.resize(streaks, (width, height), interpolation=cv2.INTER_LINEAR)
    return InkMark(np.clip(strength, 0.0, 1.0), colour)


def note_mark(
    shape: tuple[int, int],
    top_left: tuple[float, float],
    size_mm: tuple[float, float],
    lines: int,
    colour: tuple[int, int, int],
    dpi: int,
    rng: np.random.Generator,
) -> InkMark:
    """A handwritten note in a margin: `lines` lines of cursive-like pen loops filling `size_mm`
    (width, height), each line a few "words" with gaps, and an underline under the last one."""
    height, width = shape
    x0, y0 = top_left
    span_x, span_y = _mm(size_mm[0], dpi), _mm(size_mm[1], dpi)
    line_step = span_y / lines
    canvas = np.zeros((height, width), np.uint8)
    pen = max(2, round(_mm(0.4, dpi)))
    for line in range(lines):
        baseline = y0 + line_step * (line + 0.7)
        x = x0
        while x < x0 + span_x * rng.uniform(0.75, 1.0):
            word = min(_mm(rng.uniform(4.0, 9.0), dpi), x0 + span_x - x)
            samples = max(20, int(word))
            t = np.linspace(0.0, 1.0, samples)
            loops = word / _mm(1.6, dpi)
            px = x + word * t + _mm(0.6, dpi) * np.sin(2 * np.pi * loops * t)
            py = baseline - line_step * 0.35 * np.abs(np.sin(np.pi * loops * t + rng.uniform(0, 3)))
            points = np.round(np.stack([px, py], axis=1)).astype(np.int32)
            cv2.polylines(canvas, [points], False, 255, pen, lineType=cv2.LINE_AA)
            x += word + _mm(rng.uniform(1.5, 2.5), dpi)
    underline_y = round(y0 + span_y + _mm(0.5, dpi))
    cv2.line(canvas, (round(x0), underline_y), (round(x0 + span_x * 0.8), underline_y + 3), 255, pen)
    return InkMark(canvas.astype(np.float32) / 255.0 * 0.9, colour)
