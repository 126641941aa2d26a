"""A run killed with SIGKILL at any moment loses only the documents in flight; a re-run completes it,
with every document exactly once and no half-written file visible."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

DOCS = 200
# Kill when this many documents of the run have been staged (0: while still starting up), plus a jitter.
KILL_AFTER_STAGED = [0, 5, 20, 1, 35, 12, 50]

TEMPLATE = (
    "SỞ THÔNG TIN VÀ TRUYỀN THÔNG\nTrà Vinh, ngày {day} tháng 3 năm 2021\nBÁO CÁO\nquý I/2021\n"
    "Trong quý thu hồi {n} chứng thư số, cấp mới 92 chứng thư số.\n"
)


def _run(inputs: Path, out: Path) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "pipeline.cli", "-q", "run", str(inputs), "--out", str(out), "--jobs", "2"]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _check_consistent(out: Path) -> set[str]:
    """Whatever is visible is whole: readable tables, unique documents, no temporary files."""
    if not (out / "reports.parquet").exists():
        return set()
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    reports = pq.read_table(out / "reports.parquet").to_pylist()
    ids = [r["document_id"] for r in reports]
    assert len(ids) == len(set(ids)), "a document appears twice"
    return set(ids)


@pytest.mark.slow
def test_sigkill_at_many_points_then_rerun_completes(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for i in range(DOCS):
        (inputs / f"báo cáo {i:03d}.txt").write_text(
            TEMPLATE.format(day=1 + i % 28, n=i + 1), encoding="utf-8"
        )
    out = tmp_path / "out"
    killed_with_work_left = 0
    for round_, staged in enumerate(KILL_AFTER_STAGED):
        proc = _run(inputs, out)
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            parts = [p for p in (out / "_staging").glob("*") if not p.name.startswith(".")]
            if len(parts) >= staged:
                break
            time.sleep(0.005)
        time.sleep(0.01 * (round_ % 4))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            killed_with_work_left += 1
        proc.wait()
        _check_consistent(out)
    assert killed_with_work_left >= 3, "the run finished before most kills: raise DOCS"

    final = _run(inputs, out)
    assert final.wait(timeout=600) == 0
    ids = _check_consistent(out)
    assert len(ids) == DOCS
    kpis = pq.read_table(out / "kpis.parquet").to_pylist()
    revoked = sorted(int(k["value"]) for k in kpis if k["kpi"] == "cert.revoked")
    assert revoked == list(range(1, DOCS + 1)), "every document's values exactly once"
    assert list((out / "_staging").iterdir()) == []
