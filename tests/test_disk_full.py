"""A disk that fills during a run (issue 14): exit 5 with one line naming the folder and the space needed,
the previous dataset byte-identical, whole staged parts only, and the next run on a roomier disk completes
with every document exactly once.

As root the output folder is a real size-limited tmpfs filled up with a ballast file; where mounting is
not allowed the same run gets ENOSPC from the Parquet writer (fault injection at the write layer)."""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import random
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import pipeline.export
from pipeline.cli import main
from pipeline.export import CURRENT, GENERATIONS, STAGING, TABLES
from schemas.errors import ExitCode

pytestmark = pytest.mark.slow

BASE_DOCS = 20
NEW_DOCS = 5
SYLLABLES = [
    "ba",
    "bá",
    "bà",
    "bả",
    "bã",
    "bạ",
    "văn",
    "bản",
    "chứng",
    "thư",
    "số",
    "hồ",
    "sơ",
    "cổng",
    "dịch",
    "vụ",
    "công",
    "tỉnh",
    "huyện",
    "xã",
]


def _write_doc(folder: Path, n: int) -> None:
    noise = random.Random(n)
    # Page text varied enough that the pages table does not compress to nothing.
    filler = " ".join(noise.choice(SYLLABLES) + str(noise.randrange(10**6)) for _ in range(3000))
    text = (
        f"Trà Vinh, ngày {1 + n % 28} tháng 3 năm 2021\nBÁO CÁO\nquý I/2021\n"
        f"Trong quý thu hồi {1000 + n} chứng thư số.\n{filler}\n"
    )
    (folder / f"r{n:03d}.txt").write_text(text, encoding="utf-8")


def _snapshot(out: Path) -> dict[str, str]:
    """Every byte and link of the published dataset."""
    snap = {CURRENT: os.readlink(out / CURRENT)}
    snap.update({n: os.readlink(out / f"{n}.parquet") for n in TABLES})
    for path in sorted((out / GENERATIONS).rglob("*")):
        if path.is_file():
            snap[str(path.relative_to(out))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return snap


def _check_staging(out: Path) -> None:
    """Only whole parts: no temporary entries, every part has every table, readable."""
    staging = out / STAGING
    assert not [p for p in staging.iterdir() if p.name.endswith(".tmp")]
    for part in staging.iterdir():
        if part.name.startswith("."):
            continue
        for name in TABLES:
            pq.read_table(part / f"{name}.parquet")


class Disk:
    """The output folder's disk: a tmpfs that can be filled, or ENOSPC injected into the writer."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root
        self.monkeypatch = monkeypatch
        self.mounted = False
        self.ballast = root / "ballast"

    def mount(self) -> None:
        self.root.mkdir()
        if os.geteuid() != 0:
            return  # fault injection instead
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(self.root)],
            capture_output=True,
            check=False,
        )
        self.mounted = result.returncode == 0

    def unmount(self) -> None:
        if self.mounted:
            subprocess.run(["umount", str(self.root)], check=False)
            if os.path.ismount(self.root):
                subprocess.run(["umount", "-l", str(self.root)], check=False)

    def fill(self, out: Path, phase: str) -> None:
        """Leave too little room for `phase`: none for staging; for the commit, about the published
        generation: the new parts fit, the next generation (published plus new) does not."""
        if not self.mounted:
            where = out / (STAGING if phase == "staging" else GENERATIONS)
            real_write = pipeline.export.pq.write_table

            def write_table(table: object, dest: object, *args: object, **kwargs: object) -> None:
                if str(dest).startswith(str(where)):
                    raise OSError(
                        errno.ENOSPC, "Error writing bytes to file. Detail: [errno 28] No space left"
                    )
                real_write(table, dest, *args, **kwargs)

            self.monkeypatch.setattr(pipeline.export.pq, "write_table", write_table)
            return
        published = sum(p.stat().st_size for p in (out / GENERATIONS).rglob("*") if p.is_file())
        leave = 0 if phase == "staging" else published
        free = shutil.disk_usage(self.root).free
        with self.ballast.open("wb") as f:
            f.truncate(0)
            block = b"\0" * (1 << 16)
            remaining = free - leave
            while remaining > 0:
                try:
                    f.write(block[: min(len(block), remaining)])
                    f.flush()
                except OSError:
                    break
                remaining -= len(block)

    def make_roomy(self) -> None:
        self.ballast.unlink(missing_ok=True)
        self.monkeypatch.undo()


@pytest.fixture(params=["tmpfs", "injected"])
def disk(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Disk]:
    """Both kinds where mounting works, so that the fallback is known to test the same thing."""
    d = Disk(tmp_path / "disk", monkeypatch)
    try:
        if request.param == "tmpfs":
            d.mount()
            if not d.mounted:
                pytest.skip("cannot mount a tmpfs here (not root, or not permitted): the injected case runs")
        else:
            d.root.mkdir()
        yield d
    finally:
        d.unmount()


def _run(inputs: Path, out: Path, disk: Disk, caplog: pytest.LogCaptureFixture) -> tuple[int, list[str]]:
    """`baocao -q run`: a real process on a real disk; in this process under fault injection."""
    args = ["-q", "run", str(inputs), "--out", str(out), "--jobs", "1"]
    if disk.mounted:
        proc = subprocess.run(
            [sys.executable, "-m", "pipeline.cli", *args], capture_output=True, text=True, check=False
        )
        return proc.returncode, [line for line in proc.stderr.splitlines() if line.strip()]
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        code = main(args)
    return code, [f"{r.levelname} {r.getMessage()}" for r in caplog.records]


@pytest.mark.parametrize("phase", ["staging", "commit"])
def test_disk_full_exits_5_keeps_the_dataset_and_the_next_run_completes(
    phase: str, disk: Disk, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for n in range(BASE_DOCS):
        _write_doc(inputs, n)
    out = disk.root / "out"
    code, _ = _run(inputs, out, disk, caplog)
    assert code == ExitCode.OK
    before = _snapshot(out)

    for n in range(BASE_DOCS, BASE_DOCS + NEW_DOCS):
        _write_doc(inputs, n)
    disk.fill(out, phase)
    code, lines = _run(inputs, out, disk, caplog)
    assert code == ExitCode.OUTPUT_ERROR == 5
    assert len(lines) == 1, lines  # one line, no traceback
    match = re.fullmatch(
        rf"ERROR no space left on the disk holding {re.escape(str(out))} \(([\d.]+) MB free\): writing the "
        r"dataset needs about ([\d.]+) MB there; free some space or use an --out on a bigger disk, then "
        r"run the same command again \(finished documents are kept\)",
        lines[0],
    )
    assert match, lines[0]
    published_mb = sum(p.stat().st_size for p in (out / GENERATIONS).rglob("*") if p.is_file()) / 1e6
    assert float(match.group(2)) >= round(published_mb, 1) > 0
    assert _snapshot(out) == before, "the published dataset changed"
    _check_staging(out)
    staged = [p for p in (out / STAGING).iterdir() if not p.name.startswith(".")]
    if phase == "commit":
        assert len(staged) == NEW_DOCS  # every new document finished and kept for the next run
    elif disk.mounted:
        assert staged == []

    disk.make_roomy()
    code, lines = _run(inputs, out, disk, caplog)
    assert code == ExitCode.OK, lines
    reports = pq.read_table(out / "reports.parquet").to_pylist()
    names = sorted(Path(r["source_path"]).name for r in reports)
    assert names == [f"r{n:03d}.txt" for n in range(BASE_DOCS + NEW_DOCS)], "every document exactly once"
    kpis = pq.read_table(out / "kpis.parquet").to_pylist()
    revoked = sorted(int(k["value"]) for k in kpis if k["kpi"] == "cert.revoked")
    assert revoked == [1000 + n for n in range(BASE_DOCS + NEW_DOCS)]
    assert list((out / STAGING).iterdir()) == []
