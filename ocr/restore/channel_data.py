"""Make the channel model's training data: render known text, OCR it, align OCR tokens to the truth.

    python -m ocr.restore.channel_data CORPUS_FILE... --pairs ocr/restore/model/ocr_pairs.tsv \
        --costs ocr/restore/model/channel.json

Lines are drawn with Pillow on A4 pages at 300 DPI in several fonts and sizes (a third of the pages blurred,
a third skewed, noisy and JPEG-compressed like a cheap scan), read with
Tesseract ``eng`` and ``vie``, and aligned token by token (rapidfuzz opcodes over the token sequences). The
pairs file (engine, observed token, true token) is committed; ``channel.json`` holds the costs learned from
it, one profile per engine family ('noisy' from eng, 'clean' from vie).
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import subprocess
import tempfile
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from rapidfuzz.distance import Levenshtein

from ocr.restore.channel import ChannelProfiles, learn_costs
from ocr.restore.syllables import LETTERS_RE, WORD_RE
from ocr.restore.train import is_heldout_line
from vietnamese.folding import fold, has_marks

PAGE_SIZE = (2480, 3508)  # A4 at 300 DPI
MARGIN = 180
FONTS = [
    "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf",
]
FONT_SIZES = [42, 50, 54]  # 10-13 pt at 300 DPI
HELDOUT_MODULUS = 1000


def pick_lines(files: Sequence[Path], count: int, seed: int = 7) -> list[str]:
    """A reproducible sample of marked corpus lines of moderate length."""
    candidates: list[str] = []
    for path in files:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                line = line.strip()
                if is_heldout_line(line, HELDOUT_MODULUS):
                    continue  # the LM's held-out lines stay unseen by every trained component
                if 40 <= len(line) <= 260 and has_marks(line) and zlib.crc32(line.encode()) % 97 == 5:
                    candidates.append(line)
    random.Random(seed).shuffle(candidates)
    return candidates[:count]


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if font.getlength(trial) <= width or not current:
            current = trial
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def render_pages(lines: Iterable[str], page_index_seed: int = 0) -> list[tuple[Image.Image, list[str]]]:
    """Pages (grayscale image, drawn text lines); font, size and blur vary from page to page."""
    pages: list[tuple[Image.Image, list[str]]] = []
    pending = list(lines)
    page_no = page_index_seed
    while pending:
        font = ImageFont.truetype(FONTS[page_no % len(FONTS)], FONT_SIZES[page_no % len(FONT_SIZES)])
        line_height = int(font.size * 1.5)
        image = Image.new("L", PAGE_SIZE, 255)
        draw = ImageDraw.Draw(image)
        y = MARGIN
        drawn: list[str] = []
        while pending:
            wrapped = _wrap(pending[0], font, PAGE_SIZE[0] - 2 * MARGIN)
            if y + line_height * len(wrapped) > PAGE_SIZE[1] - MARGIN and drawn:
                break
            pending.pop(0)
            for text_line in wrapped:
                draw.text((MARGIN, y), text_line, font=font, fill=0)
                drawn.append(text_line)
                y += line_height
        if page_no % 3 == 2:
            image = image.filter(ImageFilter.GaussianBlur(1.2))
        elif page_no % 3 == 1:
            image = scan_like(image, seed=page_no)
        pages.append((image, drawn))
        page_no += 1
    return pages


def scan_like(image: Image.Image, seed: int) -> Image.Image:
    """A slightly skewed, noisy, JPEG-compressed copy: what a cheap office scanner produces."""
    rng = np.random.default_rng(seed)
    skewed = image.rotate(float(rng.uniform(-0.6, 0.6)), resample=Image.Resampling.BILINEAR, fillcolor=255)
    pixels = np.asarray(skewed, dtype=np.float32) * 0.85 + 25  # lower contrast
    pixels += rng.normal(0, 10, pixels.shape)
    noisy = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    buffer = io.BytesIO()
    noisy.save(buffer, format="JPEG", quality=45)
    buffer.seek(0)
    return Image.open(buffer).convert("L")


def ocr_image(image: Image.Image, language: str) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "page.png"
        image.save(path, dpi=(300, 300))
        result = subprocess.run(
            ["tesseract", str(path), "stdout", "-l", language, "--psm", "6"],
            check=True,
            capture_output=True,
            text=True,
        )
    return result.stdout


def align_tokens(truth: Sequence[str], observed: Sequence[str]) -> list[tuple[str, str]]:
    """(observed, true) word pairs: equal tokens, and replaced runs of equal length paired in order."""
    truth_keys = [fold(t) for t in truth]
    observed_keys = [fold(t) for t in observed]
    pairs: list[tuple[str, str]] = []
    for tag, t1, t2, o1, o2 in Levenshtein.opcodes(truth_keys, observed_keys):
        if tag == "equal" or (tag == "replace" and t2 - t1 == o2 - o1):
            pairs.extend(zip(observed[o1:o2], truth[t1:t2], strict=True))
    return pairs


def words(text: str) -> list[str]:
    return WORD_RE.findall(text)


def make_pairs(lines: Sequence[str], languages: Sequence[str]) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    for language in languages:
        for image, drawn in render_pages(lines):
            ocr_text = ocr_image(image, language)
            for observed, truth in align_tokens(words("\n".join(drawn)), words(ocr_text)):
                if LETTERS_RE.fullmatch(truth):
                    rows.append((language, observed, truth))
    return rows


def learn_profiles(rows: Iterable[tuple[str, str, str]]) -> ChannelProfiles:
    rows = list(rows)
    return ChannelProfiles(
        clean=learn_costs((o, t) for lang, o, t in rows if lang == "vie"),
        noisy=learn_costs((o, t) for lang, o, t in rows if lang == "eng"),
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", nargs="*", type=Path, help="text files to draw lines from")
    parser.add_argument("--pairs", type=Path, required=True, help="TSV of (engine, observed, truth)")
    parser.add_argument("--costs", type=Path, required=True, help="channel.json to write")
    parser.add_argument("--lines", type=int, default=240)
    parser.add_argument("--reuse", action="store_true", help="learn from an existing pairs file only")
    args = parser.parse_args(argv)
    if not args.reuse:
        lines = pick_lines(args.corpus, args.lines)
        rows = make_pairs(lines, ["eng", "vie"])
        args.pairs.parent.mkdir(parents=True, exist_ok=True)
        with open(args.pairs, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
            writer.writerow(["engine", "observed", "truth"])
            writer.writerows(rows)
    with open(args.pairs, encoding="utf-8") as handle:
        reader = csv.reader(handle, delimiter="\t")
        next(reader)
        rows = [(r[0], r[1], r[2]) for r in reader]
    profiles = learn_profiles(rows)
    args.costs.write_text(profiles.to_json(), encoding="utf-8")
    print(f"{len(rows)} pairs -> {args.costs}")


if __name__ == "__main__":
    main()
