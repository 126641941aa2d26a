"""Benchmark of Vietnamese diacritic restoration (`make bench-restore`).

    python tests/bench/bench_restore.py [--refresh-ocr] [--json OUT] [--errors]

Figures, each side by side with pyvi's ``ViUtils.add_accents`` on the same input and, on stripped text, with
a plain trigram (the same LM decoded with no channel costs: the LM's best path over every vocabulary form
of each word's key, every letter word restorable; the reference restoration must never fall below):
1. syllable accuracy on accent-stripped held-out administrative text (tests/data/restore/heldout_*.txt: the
   real 2021 report and a held-out sample of the legal corpus — none of it was used in training);
2. syllable accuracy on Tesseract ``eng`` OCR of the sample scans, aligned to their ground truth
   (OCR output cached in tests/data/restore/eng_ocr/; ``--refresh-ocr`` re-runs Tesseract); the headline is
   the 2021 report, whose text is held out of training; ``--errors`` lists the held-out errors by class;
3. correction mode on Tesseract ``vie`` OCR of the sample scans as the pipeline reads them (clean-up, layout,
   word confidences; cached in tests/data/restore/vie_ocr/*.pages.txt and *.words.tsv): character error rate
   and syllable accuracy before and after, and its CPU cost against Tesseract's on a page of the same run;
4. speed (syllables per CPU-second on one core, after loading; numpy and compiled search, alternating), model
   load time and the compiled search's first-use cost in a fresh process.

A syllable is a maximal run of letters in the truth; it counts as correct when the aligned output token is
identical (marks and case included).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from rapidfuzz.distance import Levenshtein  # noqa: E402

from ocr.restore import load_model, restore_diacritics  # noqa: E402
from ocr.restore.decode import RestorationModel, _render  # noqa: E402
from ocr.restore.lattice import Slot  # noqa: E402
from ocr.restore.syllables import LETTERS_RE, WORD_RE  # noqa: E402
from vietnamese.folding import fold, strip_marks  # noqa: E402

DATA = ROOT / "tests" / "data" / "restore"
SAMPLES = ROOT / "samples"
HELDOUT_SETS = {
    "stripped 2021 report (held out)": DATA / "heldout_report.txt",
    "stripped 2023 Bến Tre report (held out)": DATA / "heldout_report_bentre.txt",
    "legal held-out (stripped)": DATA / "heldout_legal.txt",
}
# Samples whose text never entered LM training (the others are domain data, see ocr/restore/README.md).
HELDOUT_SAMPLES = {"report-2021-q1", "report-2023-q3-bentre"}


def pyvi_restore(text: str) -> str:
    return "\n".join(_pyvi_line(line) if line.strip() else line for line in text.split("\n"))


def _pyvi_line(line: str) -> str:
    from pyvi import ViUtils

    try:
        return ViUtils.add_accents(line)
    except (KeyError, IndexError, ValueError):
        # pyvi fails on characters outside its tables; give it each word alone, keep what it cannot take.
        words = []
        for word in line.split(" "):
            try:
                words.append(ViUtils.add_accents(word) if word else word)
            except (KeyError, IndexError, ValueError):
                words.append(word)
        return " ".join(words)


def ours(text: str) -> str:
    return restore_diacritics(text)


def plain_trigram(text: str) -> str:
    """The reference: argmax of the LM over the forms of each key, no channel, no candidate cap, no rules
    for acronyms or codes (only numbers and punctuation are fixed)."""
    model = load_model()
    forms_by_key = _all_forms_by_key()
    lines = text.split("\n")
    lattices = []
    for line in lines:
        slots = []
        cursor = 0
        for match in WORD_RE.finditer(line):
            slots.extend(_punctuation_slots(model, line, cursor, match.start()))
            cursor = match.end()
            word = match.group()
            forms = forms_by_key.get(fold(word)) if word.isalpha() else None
            if not forms:
                slots.append(model._fixed(match.start(), match.end(), word))
                continue
            ids = np.array([model.lm.word_id[form] for form in forms])
            slots.append(Slot(match.start(), match.end(), word, forms, ids, np.zeros(len(forms)), True))
        slots.extend(_punctuation_slots(model, line, cursor, len(line)))
        lattices.append(slots)
    choices = model._viterbi_batch(lattices)
    return "\n".join(_render(*args)[0] for args in zip(lines, lattices, choices, strict=True))


def _punctuation_slots(model: RestorationModel, line: str, start: int, end: int) -> list[Slot]:
    return [model._fixed(pos, pos + 1, line[pos]) for pos in range(start, end) if not line[pos].isspace()]


@functools.cache
def _all_forms_by_key() -> dict[str, list[str]]:
    forms: dict[str, list[str]] = {}
    for word_id, word in enumerate(load_model().lm.vocab):
        if word_id >= 5 and word.isalpha():
            forms.setdefault(fold(word), []).append(word)
    return forms


def _pairs(truth_keys: list[str], out_keys: list[str]) -> list[tuple[int, int]]:
    pairs = []
    for tag, t1, t2, o1, o2 in Levenshtein.opcodes(truth_keys, out_keys):
        if tag == "equal" or (tag == "replace" and t2 - t1 == o2 - o1):
            pairs.extend(zip(range(t1, t2), range(o1, o2), strict=True))
    return pairs


def aligned_accuracy(truth: str, output: str, *, ignore_case: bool = False) -> tuple[int, int]:
    """(correct, total) truth letter-syllables, aligning output words to truth words on folded keys.

    OCR reads tables and side-by-side columns in another order than the truth lists them; a second pass
    aligns the words left over by the first (moved blocks) with each other.
    """
    truth_words = WORD_RE.findall(truth)
    out_words = WORD_RE.findall(output)
    total = sum(1 for w in truth_words if LETTERS_RE.fullmatch(w))
    correct = 0
    for t, o in _aligned_pairs(truth_words, out_words).items():
        t_word, o_word = truth_words[t], out_words[o]
        if ignore_case:
            t_word, o_word = t_word.lower(), o_word.lower()
        correct += LETTERS_RE.fullmatch(t_word) is not None and t_word == o_word
    return correct, total


def _aligned_pairs(truth_words: list[str], out_words: list[str]) -> dict[int, int]:
    """Truth word index -> output word index (folded keys; a second pass for blocks read in another order)."""
    truth_keys = [fold(w) for w in truth_words]
    out_keys = [fold(w) for w in out_words]
    pairs = _pairs(truth_keys, out_keys)
    left_truth = sorted(set(range(len(truth_words))) - {t for t, _ in pairs})
    left_out = sorted(set(range(len(out_words))) - {o for _, o in pairs})
    second = _pairs([truth_keys[i] for i in left_truth], [out_keys[j] for j in left_out])
    pairs.extend((left_truth[t], left_out[o]) for t, o in second)
    return dict(pairs)


def error_classes(truth: str, ocr: str, output: str) -> list[tuple[str, str, str, str]]:
    """(class, truth word, OCR chunk, output word) of every wrong truth syllable. Restoration keeps the
    whitespace, so an output word's chunk (whitespace-separated) is the OCR chunk at the same index."""
    truth_words, out_words = WORD_RE.findall(truth), WORD_RE.findall(output)
    ocr_chunks = ocr.split()
    chunk_of = [i for i, chunk in enumerate(output.split()) for _ in WORD_RE.findall(chunk)]
    paired = _aligned_pairs(truth_words, out_words)
    errors = []
    for t, word in enumerate(truth_words):
        if not LETTERS_RE.fullmatch(word) or (t in paired and out_words[paired[t]] == word):
            continue
        if t not in paired:
            errors.append(("not aligned (glued, split or lost)", word, "", ""))
            continue
        out = out_words[paired[t]]
        chunk = ocr_chunks[chunk_of[paired[t]]]
        if out.lower() == word.lower():
            kind = "case only"
        elif word.isupper() and len(word) > 1:
            kind = "all-caps word"
        elif any(ch.isdigit() for ch in chunk):
            kind = "digits in the OCR chunk"
        elif not LETTERS_RE.fullmatch(chunk):
            kind = "punctuation or symbols in the OCR chunk"
        elif fold(out) == fold(word):
            kind = "letters right, marks wrong"
        elif fold(chunk) == fold(word):
            kind = "OCR letters right, restorer changed them"
        else:
            kind = "letters wrong (OCR and output)"
        errors.append((kind, word, chunk, out))
    return errors


def print_error_classes(samples: list[tuple[str, str, str]], examples: int = 12) -> None:
    from collections import Counter

    errors = [e for _name, ocr, truth in samples for e in error_classes(truth, ocr, ours(ocr))]
    by_class = Counter(kind for kind, *_ in errors)
    print(f"  errors on held-out eng OCR by class ({len(errors)}):")
    for kind, count in by_class.most_common():
        common = Counter((w, c, o) for k, w, c, o in errors if k == kind).most_common(examples)
        shown = "; ".join(
            f"{c or '-'}→{o or '-'} ({w}){f' ×{n}' if n > 1 else ''}" for (w, c, o), n in common
        )
        print(f"    {count:>4} {kind}: {shown}")


def letters_right(truth: str, ocr: str) -> tuple[int, int]:
    """(truth syllables whose aligned OCR token has the right letters, marks and case ignored; total)."""
    return aligned_accuracy(strip_marks(truth).lower(), strip_marks(ocr).lower())


def ocr_inputs(
    refresh: bool, language: str = "eng", only: set[str] | None = None
) -> list[tuple[str, str, str]]:
    """(sample name, OCR text, truth text) for every sample with a ground truth (or those in `only`)."""
    cache = DATA / f"{language}_ocr"
    cache.mkdir(parents=True, exist_ok=True)
    result = []
    for truth_path in sorted(SAMPLES.glob("*.truth.json")):
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        name = truth_path.name.removesuffix(".truth.json")
        if name.endswith("-eng") or (only is not None and name not in only):
            continue  # '-eng' samples repeat the text of a scan, whose own eng OCR is used instead
        truth_text = "\n".join(truth["pages"])
        cached = cache / f"{name}.txt"
        if refresh or not cached.exists():
            source = truth_path.parent / truth["input"]
            if truth["kind"] == "txt":
                continue
            cached.write_text(ocr_pages(source, language), encoding="utf-8")
        result.append((name, cached.read_text(encoding="utf-8"), truth_text))
    return result


def ocr_pages(source: Path, language: str) -> str:
    from pdf2image import convert_from_path
    from PIL import Image

    if source.suffix.lower() == ".pdf":
        images = convert_from_path(str(source), dpi=300, grayscale=True)
    else:
        with Image.open(source) as tif:
            images = []
            for frame in range(getattr(tif, "n_frames", 1)):
                tif.seek(frame)
                images.append(tif.convert("L"))
    pages = []
    with tempfile.TemporaryDirectory() as tmp:
        for index, image in enumerate(images):
            path = Path(tmp) / f"p{index}.png"
            image.save(path)
            pages.append(
                subprocess.run(
                    ["tesseract", str(path), "stdout", "-l", language, "--psm", "4"],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
            )
    return "\n".join(pages)


def run_pair(label: str, inputs: list[tuple[str, str]], systems: dict[str, Callable[[str], str]]) -> dict:
    """Accuracy of each system over (input, truth) pairs, case-sensitive and case-insensitive."""
    row: dict[str, float] = {}
    for system, fn in systems.items():
        correct = correct_nocase = total = 0
        started = time.process_time()
        for source, truth in inputs:
            output = fn(source)
            c, t = aligned_accuracy(truth, output)
            c_nocase, _ = aligned_accuracy(truth, output, ignore_case=True)
            correct += c
            correct_nocase += c_nocase
            total += t
        row[system] = correct / total if total else 0.0
        row[f"{system}_ignore_case"] = correct_nocase / total if total else 0.0
        row[f"{system}_cpu_seconds"] = time.process_time() - started
        row["syllables"] = total
    figures = "".join(
        f"   {system} {row[system]:.2%} ({row[f'{system}_ignore_case']:.2%})" for system in systems
    )
    print(f"{label:<46} {row['syllables']:>6}{figures}")
    return row


def vie_pages(refresh: bool) -> list[tuple[str, list[tuple[str, list[tuple[str, float]]]], str]]:
    """(sample, [(page text, [(word, confidence)])], truth) for every scanned sample, read by the pipeline's
    own OCR path (clean-up, table layout, Tesseract vie)."""
    from pipeline.discover import discover_inputs
    from pipeline.process import ocr_page, plan_document
    from pipeline.settings import RunSettings

    cache = DATA / "vie_ocr"
    result = []
    for truth_path in sorted(SAMPLES.glob("*.truth.json")):
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        name = truth_path.name.removesuffix(".truth.json")
        texts_path, words_path = cache / f"{name}.pages.txt", cache / f"{name}.words.tsv"
        if refresh and truth["kind"] in ("scan-pdf", "tiff", "image"):
            item = discover_inputs([truth_path.parent / truth["input"]])[0][0]
            settings = RunSettings(jobs=1)
            pages = [ocr_page(item, page, settings)[0] for page in plan_document(item, settings).ocr_pages]
            texts_path.write_text("\f".join(page.raw_text for page in pages), encoding="utf-8")
            rows = ["page\tconfidence\tword"]
            rows += [f"{i}\t{c:.3f}\t{w}" for i, page in enumerate(pages, 1) for w, c in page.ocr_words]
            words_path.write_text("\n".join(rows) + "\n", encoding="utf-8")
        if not texts_path.exists():
            continue
        texts = texts_path.read_text(encoding="utf-8").split("\f")
        words: list[list[tuple[str, float]]] = [[] for _ in texts]
        for row in words_path.read_text(encoding="utf-8").splitlines()[1:]:
            page, confidence, word = row.split("\t")
            words[int(page) - 1].append((word, float(confidence)))
        result.append((name, list(zip(texts, words, strict=True)), "\n".join(truth["pages"])))
    return result


def character_error_rate(truth: str, output: str) -> float:
    truth, output = " ".join(truth.split()), " ".join(output.split())
    return Levenshtein.distance(truth, output) / len(truth)


def measure_correction(refresh: bool) -> dict[str, dict[str, float]]:
    """Correction mode on vie OCR: CER and syllable accuracy before/after, and its CPU cost per page."""
    from ocr.postprocess import postprocess_text
    from ocr.restore import correct_ocr_text

    results: dict[str, dict[str, float]] = {}
    cpu = 0.0
    n_pages = 0
    for name, pages, truth in vie_pages(refresh):
        before, after = [], []
        changed = 0
        for text, words in pages:
            text = postprocess_text(text)
            started = time.process_time()
            corrected = correct_ocr_text(text, words)
            cpu += time.process_time() - started
            n_pages += 1
            before.append(text)
            after.append(corrected.text)
            changed += len(corrected.changes)
        raw, final = "\n".join(before), "\n".join(after)
        (c_raw, total), (c_final, _) = aligned_accuracy(truth, raw), aligned_accuracy(truth, final)
        row = {
            "cer_raw": character_error_rate(truth, raw),
            "cer_corrected": character_error_rate(truth, final),
            "syllables_raw": c_raw / total,
            "syllables_corrected": c_final / total,
            "changed_words": changed,
        }
        results[name] = row
        held = " (held out)" if name in HELDOUT_SAMPLES else ""
        print(
            f"    {name + held:<41} CER {row['cer_raw']:.2%} -> {row['cer_corrected']:.2%}"
            f"   syllables {row['syllables_raw']:.2%} -> {row['syllables_corrected']:.2%}"
            f"   {changed} words changed"
        )
    if n_pages:
        per_page = cpu / n_pages
        tesseract = tesseract_cpu_per_page()
        results["cost"] = {"cpu_per_page": per_page, "tesseract_cpu_per_page": tesseract}
        print(
            f"  correction: {per_page * 1000:.0f} ms CPU per page = {per_page / tesseract:.1%} of Tesseract's"
            f" CPU on a page of the heavy sample in this run ({tesseract:.2f} s)"
        )
    return results


def tesseract_cpu_per_page() -> float:
    """CPU seconds of the pipeline's OCR of one page (render, clean-up, Tesseract), children included."""
    import resource

    from pipeline.discover import discover_inputs
    from pipeline.process import ocr_page
    from pipeline.settings import RunSettings

    item = discover_inputs([SAMPLES / "report-2023-02-travinh.pdf"])[0][0]

    def cpu() -> float:
        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    started = cpu()
    ocr_page(item, 1, RunSettings(jobs=1))
    return cpu() - started


def measure_speed() -> dict[str, float]:
    """Syllables per CPU-second after loading, on stripped held-out text and on held-out eng OCR, with the
    numpy and the compiled search alternating (same process, same caches); the model's cold load time; and
    what the compiled search's first use costs a fresh process (importing numba, loading its machine code)."""
    import ocr.restore.viterbi as viterbi
    from ocr.restore import _load_cached

    _load_cached.cache_clear()
    started = time.perf_counter()
    model = load_model()
    load_seconds = time.perf_counter() - started
    texts = {
        "stripped legal": strip_marks(HELDOUT_SETS["legal held-out (stripped)"].read_text(encoding="utf-8")),
        "eng OCR": "\n".join(
            (DATA / "eng_ocr" / f"{name}.txt").read_text(encoding="utf-8") for name in sorted(HELDOUT_SAMPLES)
        ),
    }
    best: dict[str, float] = {}
    for _round in range(2):
        for search, after in (("numpy", 10**12), ("compiled", 0)):
            viterbi.COMPILED_AFTER, viterbi._decoded_positions = after, 0
            model.restore(texts["stripped legal"][:2000])  # warm the caches of the process, not of a text
            for label, text in texts.items():
                model._candidate_cache.clear()
                started = time.process_time()
                model.restore(text)
                speed = len(LETTERS_RE.findall(text)) / (time.process_time() - started)
                best[f"{label}, {search}"] = max(best.get(f"{label}, {search}", 0.0), speed)
    first_use = subprocess.run(
        [sys.executable, "-c", FIRST_USE_PROBE], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    return {**best, "load_seconds": load_seconds, "compiled_first_use_cpu_seconds": float(first_use)}


# CPU time of the compiled search's first use in a fresh process, the model already loaded.
FIRST_USE_PROBE = """
import time
import ocr.restore.viterbi as viterbi
from ocr.restore import load_model
model = load_model()
model.lm.row_starts()
model.restore("bao cao tinh hinh")
viterbi.COMPILED_AFTER = 0
started = time.process_time()
model.restore("bao cao tinh hinh thang")
print(time.process_time() - started)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--refresh-ocr", action="store_true")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--errors", action="store_true", help="list the held-out eng-OCR errors by class")
    args = parser.parse_args()
    results: dict[str, dict] = {}
    systems = {"ours": ours, "pyvi": pyvi_restore}
    stripped_systems = {"ours": ours, "plain trigram": plain_trigram, "pyvi": pyvi_restore}

    print(f"{'input':<46} {'syl':>6}   accuracy (ignoring case)")
    for label, path in HELDOUT_SETS.items():
        truth = path.read_text(encoding="utf-8")
        results[label] = run_pair(label, [(strip_marks(truth), truth)], stripped_systems)

    samples = ocr_inputs(args.refresh_ocr)
    if samples:
        heldout = [(ocr, truth) for name, ocr, truth in samples if name in HELDOUT_SAMPLES]
        label = "eng OCR, held-out sample scans (2021, Bến Tre)"
        results[label] = run_pair(label, heldout, systems)
        if args.errors:
            print_error_classes([s for s in samples if s[0] in HELDOUT_SAMPLES])
        label = f"eng OCR, all {len(samples)} sample scans*"
        results[label] = run_pair(label, [(ocr, truth) for _n, ocr, truth in samples], systems)
        print("  * the texts of all samples but the 2021 and Bến Tre reports are LM domain training data")
        counts = [letters_right(t, o) for _n, o, t in samples]
        share = sum(c for c, _ in counts) / sum(t for _, t in counts)
        results[label]["ocr_letters_right"] = share
        print(f"  OCR tokens with the right letters (marks ignored): {share:.1%}")
        for name, ocr, truth in samples:
            c_ours, total = aligned_accuracy(truth, ours(ocr))
            c_raw, _ = aligned_accuracy(truth, ocr)
            print(f"    {name:<30} {total:>6} syl   raw OCR {c_raw / total:.2%}   ours {c_ours / total:.2%}")

    # Good OCR must not get worse: vie output of the held-out scan, before and after restoration.
    for name, ocr, truth in ocr_inputs(args.refresh_ocr, "vie", HELDOUT_SAMPLES):
        c_raw, total = aligned_accuracy(truth, ocr)
        c_ours, _ = aligned_accuracy(truth, ours(ocr))
        results[f"vie OCR {name}"] = {"raw": c_raw / total, "ours": c_ours / total, "syllables": total}
        print(f"vie OCR of {name} (held out): raw {c_raw / total:.2%} -> restored {c_ours / total:.2%}")

    print("vie OCR of the sample scans (pipeline read, word confidences), correction mode:")
    results["vie correction"] = measure_correction(args.refresh_ocr)

    results["speed"] = speed = measure_speed()
    print("speed, syllables per CPU-second after loading (one core):")
    for label in ("stripped legal", "eng OCR"):
        numpy_speed, compiled_speed = speed[f"{label}, numpy"], speed[f"{label}, compiled"]
        print(
            f"  {label:<15} numpy {numpy_speed:>8,.0f}   compiled {compiled_speed:>8,.0f}"
            f"   ({compiled_speed / numpy_speed:.1f}x)"
        )
    print(
        f"model load: {speed['load_seconds']:.2f} s   compiled search's first use in a process: "
        f"{speed['compiled_first_use_cpu_seconds']:.2f} CPU-s"
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
