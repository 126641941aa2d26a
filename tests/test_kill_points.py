"""Kills at every named point of a run (issue 14): SIGKILL of the run itself at each step of staging and of
the commit, of a worker process in the middle of a page, of a Dask worker in the middle of a page. After
each, what readers see is one whole generation, and the next run completes with every document exactly
once. The kills land exactly where named (pipeline/kill_points.py), not after a sleep."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from PIL import Image, ImageDraw, ImageFont

from pipeline.export import CURRENT, GENERATIONS, STAGING, TABLES, read_dataset
from pipeline.kill_points import KILL_POINTS
from pipeline.run import run_batch
from pipeline.settings import RunSettings

pytestmark = pytest.mark.slow

TEMPLATE = (
    "SỞ THÔNG TIN VÀ TRUYỀN THÔNG\nTrà Vinh, ngày {day} tháng 3 năm 2021\nBÁO CÁO\nquý I/2021\n"
    "Trong quý thu hồi {n} chứng thư số, cấp mới 92 chứng thư số.\n"
)
FIRST_RUN = 6  # documents committed before the killed run
ALL_TXT = 12
SCAN_PAGES = 3
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"


def _write_txt(folder: Path, n: int) -> None:
    (folder / f"báo cáo {n:02d}.txt").write_text(TEMPLATE.format(day=1 + n, n=100 + n), encoding="utf-8")


def _write_scan(path: Path, pages: int) -> None:
    """A small scanned PDF (no text layer): one short line per page."""
    font = ImageFont.truetype(FONT, 28)
    images = []
    for i in range(pages):
        img = Image.new("L", (900, 120), 255)
        ImageDraw.Draw(img).text((20, 40), f"Trang {i + 1}: thu hồi {40 + i} chứng thư số", font=font, fill=0)
        images.append(img)
    images[0].save(path, save_all=True, append_images=images[1:], resolution=150)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("kill-inputs")
    for n in range(ALL_TXT):
        _write_txt(folder, n)
    _write_scan(folder / "scan.pdf", SCAN_PAGES)
    return folder


@pytest.fixture(scope="module")
def committed(inputs: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An output folder holding the first documents, committed by a clean run."""
    first = tmp_path_factory.mktemp("first-inputs")
    for n in range(FIRST_RUN):
        _write_txt(first, n)
    out = tmp_path_factory.mktemp("committed") / "out"
    run_batch([first], out, RunSettings(jobs=1))
    return out


def _run_cli(
    inputs: Path, out: Path, env: dict[str, str], jobs: int = 1, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "pipeline.cli", "-v", "run", str(inputs), "--out", str(out)]
    return subprocess.run(
        [*cmd, "--jobs", str(jobs)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _check_visible_state(out: Path) -> set[str]:
    """What a reader sees now is one whole generation: every table readable, all of one generation, and
    every document of kpis/pages/problems present in reports."""
    if not (out / CURRENT).is_symlink():
        assert not (out / "reports.parquet").exists()
        return set()
    tables = read_dataset(out)
    generations = {t.schema.metadata[b"baocao.generation"] for t in tables.values()}
    assert len(generations) == 1
    ids = tables["reports"].column("document_id").to_pylist()
    assert len(ids) == len(set(ids)), "a document appears twice"
    for name in ("kpis", "pages"):
        assert set(tables[name].column("document_id").to_pylist()) <= set(ids), name
    return set(ids)


def _check_complete(out: Path) -> None:
    """Every input exactly once, every value once, nothing left behind."""
    ids = _check_visible_state(out)
    assert len(ids) == ALL_TXT + 1
    reports = pq.read_table(out / "reports.parquet").to_pylist()
    assert sorted(Path(r["source_path"]).name for r in reports) == sorted(
        [*(f"báo cáo {n:02d}.txt" for n in range(ALL_TXT)), "scan.pdf"]
    )
    scan = next(r for r in reports if r["source_path"].endswith("scan.pdf"))
    assert scan["status"] == "ok" and scan["pages"] == SCAN_PAGES
    pages = pq.read_table(out / "pages.parquet").to_pylist()
    assert sorted(p["page"] for p in pages if p["document_id"] == scan["document_id"]) == [1, 2, 3]
    kpis = pq.read_table(out / "kpis.parquet").to_pylist()
    revoked = sorted(
        int(k["value"]) for k in kpis if k["kpi"] == "cert.revoked" and "báo cáo" in k["source_path"]
    )
    assert revoked == [100 + n for n in range(ALL_TXT)], "every document's values exactly once"
    problems = pq.read_table(out / "problems.parquet").to_pylist()
    assert not [p for p in problems if p["severity"] == "error"]
    assert list((out / STAGING).iterdir()) == []
    assert [p.name for p in (out / GENERATIONS).iterdir()] == [os.readlink(out / CURRENT).split("/")[-1]]
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


# The run is killed at each of these; "first commit" ones start from an empty folder, whose first commit
# creates the table links one by one (the only step where separate renames are visible).
MAIN_PROCESS_POINTS = [
    ("run.discovered", False),
    ("stage.part_written", False),
    ("stage.done#3", False),
    ("page.checkpointed#2", False),
    ("commit.started", False),
    ("commit.between_tables", False),
    ("commit.between_tables#3", False),
    ("commit.generation_written", False),
    ("commit.published", False),
    ("commit.between_part_removals#4", False),
    ("commit.between_links", True),
]


def test_every_kill_point_is_tested() -> None:
    tested = {p.partition("#")[0] for p, _ in MAIN_PROCESS_POINTS} | {"page.rendered"}
    assert tested == set(KILL_POINTS)


@pytest.mark.parametrize(("point", "first_commit"), MAIN_PROCESS_POINTS)
def test_run_killed_at_point_then_next_run_completes(
    point: str, first_commit: bool, inputs: Path, committed: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    if not first_commit:
        shutil.copytree(committed, out, symlinks=True)
    before = _check_visible_state(out)

    killed = _run_cli(inputs, out, {"BAOCAO_TEST_KILL_AT": point})
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    after = _check_visible_state(out)
    published = point.startswith(("commit.published", "commit.between_part_removals", "commit.between_links"))
    # The commit is all or nothing: readers see the old generation until the new one is whole.
    assert len(after) == (ALL_TXT + 1 if published else len(before))
    assert before <= after

    final = _run_cli(inputs, out, {})
    assert final.returncode == 0, final.stderr[-2000:]
    _check_complete(out)
    if point.startswith("page.checkpointed"):
        # The killed run had OCR'd two pages of the scan: they are not OCR'd again.
        assert "2 pages were taken from the checkpoints of an interrupted run" in final.stdout
        assert final.stderr.count("scan.pdf: page ") == SCAN_PAGES - 2


def test_worker_killed_mid_page_is_replaced_and_the_run_completes(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    marker = tmp_path / "killed-once"
    env = {"BAOCAO_TEST_KILL_AT": "page.rendered#1", "BAOCAO_TEST_KILL_ONCE": str(marker)}
    result = _run_cli(inputs, out, env, jobs=2)
    assert marker.exists(), "the worker was not killed"
    assert result.returncode == 0, result.stderr[-2000:]
    assert "a worker process died" in result.stderr
    _check_complete(out)


def test_dask_worker_killed_mid_page_is_replaced_and_the_run_completes(
    inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    distributed = pytest.importorskip("distributed")
    marker = tmp_path / "killed-once"
    # Set before the cluster starts: its worker processes inherit the environment.
    monkeypatch.setenv("BAOCAO_TEST_KILL_AT", "page.rendered#1")
    monkeypatch.setenv("BAOCAO_TEST_KILL_ONCE", str(marker))
    out = tmp_path / "out"
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        summary = run_batch([inputs], out, RunSettings(jobs=2, scheduler=cluster.scheduler_address))
    assert marker.exists(), "the Dask worker was not killed"
    assert summary.exit_code == 0
    _check_complete(out)
    assert set(TABLES) <= {p.name.removesuffix(".parquet") for p in out.glob("*.parquet")}


def test_workers_of_a_killed_run_exit_with_it(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    # subprocess.run returns once the run's stdout and stderr are closed: by the run and by its workers,
    # which inherited them; a worker left waiting for work would hold them open (and its memory) forever.
    killed = _run_cli(inputs, out, {"BAOCAO_TEST_KILL_AT": "stage.done#2"}, jobs=2, timeout=60)
    assert killed.returncode == -signal.SIGKILL
    assert _processes_mentioning(str(out)) == []


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and text.encode() in (proc / "cmdline").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue  # it ended meanwhile
    return found
