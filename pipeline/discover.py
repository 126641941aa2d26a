"""Find the inputs: walk folders, classify files by content, report what cannot be processed."""

from __future__ import annotations

import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

log = logging.getLogger(__name__)

InputKind = Literal["pdf", "image", "txt"]
PROGRESS_EVERY_FILES = 10_000  # an archive folder can hold hundreds of thousands: say where the walk is

SUFFIX_KINDS: dict[str, InputKind] = {
    ".pdf": "pdf",
    ".png": "image",
    ".jpg": "image",
    ".jpeg": "image",
    ".tif": "image",
    ".tiff": "image",
    ".txt": "txt",
}

_MAGIC: list[tuple[bytes, InputKind]] = [
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"II*\x00", "image"),
    (b"MM\x00*", "image"),
]


@dataclass(frozen=True)
class InputFile:
    path: Path
    kind: InputKind


@dataclass(frozen=True)
class SkippedInput:
    path: Path
    code: str
    message: str
    explicit: bool  # named on the command line (an error) rather than met while walking (a warning)


def sniff_kind(head: bytes) -> InputKind | None:
    """The kind the first bytes of a file say it is (None: no known signature)."""
    # Some PDF writers put a few bytes of junk before the header; readers accept it within 1 KiB.
    if b"%PDF-" in head[:1024]:
        return "pdf"
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    return None


def discover_inputs(paths: list[Path]) -> tuple[list[InputFile], list[SkippedInput]]:
    """Expand files and folders (recursively, in a stable order) into inputs and skipped entries.

    Only paths are kept (no file is read here), so memory grows by a few hundred bytes per file.
    """
    found: list[InputFile] = []
    skipped: list[SkippedInput] = []
    seen: set[Path] = set()

    def consider(path: Path, explicit: bool) -> None:
        try:
            real = path.resolve()
        except (OSError, RuntimeError) as exc:  # symlink loops raise RuntimeError on some Pythons
            skipped.append(SkippedInput(path, "input.unreadable", f"cannot resolve path: {exc}", explicit))
            return
        if real in seen:
            return
        seen.add(real)
        try:
            st = path.stat()
        except OSError as exc:
            skipped.append(
                SkippedInput(path, "input.unreadable", f"cannot read file: {exc.strerror}", explicit)
            )
            return
        if not stat.S_ISREG(st.st_mode):
            skipped.append(
                SkippedInput(
                    path, "input.special_file", "not a regular file (device, FIFO or socket)", explicit
                )
            )
            return
        kind = SUFFIX_KINDS.get(path.suffix.lower())
        if kind is None:
            skipped.append(
                SkippedInput(
                    path,
                    "input.unsupported",
                    f"unsupported file type {path.suffix or '(no extension)'!r}: baocao reads "
                    ".pdf, .png, .jpg, .jpeg, .tif, .tiff and .txt",
                    explicit,
                )
            )
            return
        found.append(InputFile(path, kind))

    for given in paths:
        if given.is_dir():
            for root, dirs, files in os.walk(given, followlinks=False, onerror=None):
                dirs.sort()
                # Hidden folders (.git, .venv, our own staging area) are not archive content.
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                for name in sorted(files):
                    if name.startswith("."):
                        continue
                    consider(Path(root) / name, explicit=False)
                    walked = len(found) + len(skipped)
                    if walked % PROGRESS_EVERY_FILES == 0:
                        log.info("looking for inputs in %s: %d files so far", given, walked)
        elif given.exists() or given.is_symlink():
            consider(given, explicit=True)
        else:
            skipped.append(
                SkippedInput(given, "input.not_found", "no such file or folder: check the path", True)
            )
    return found, skipped
