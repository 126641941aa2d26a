"""The same job on a real Dask cluster gives the same dataset as the local run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from PIL import Image, ImageDraw, ImageFont

from pipeline.run import run_batch
from pipeline.settings import RunSettings

distributed = pytest.importorskip("distributed")

TEXTS = {
    "a.txt": "Trà Vinh, ngày 18 tháng 3 năm 2021\nBÁO CÁO\nquý I/2021\n"
    "thu hồi 47 chứng thư số, cấp mới 92 chứng thư số\n",
    "b.txt": "Vĩnh Long, ngày 05 tháng 7 năm 2022\nBÁO CÁO\n6 tháng đầu năm 2022\ntổng văn bản đi: 12.345\n",
}


def _inputs(folder: Path) -> list[Path]:
    for name, text in TEXTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    img = Image.new("L", (1700, 500), 255)
    font_path = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
    font = ImageFont.truetype(font_path, 40) if Path(font_path).exists() else ImageFont.load_default()
    ImageDraw.Draw(img).text((60, 200), "thu hồi 47 chứng thư số, cấp mới 92 chứng thư số", font=font, fill=0)
    img.save(folder / "page.png", dpi=(300, 300))
    return sorted(folder.iterdir())


def _table(out: Path, name: str) -> pd.DataFrame:
    df = pd.read_parquet(out / f"{name}.parquet").drop(columns=["processed_at"], errors="ignore")
    df["source_path"] = df["source_path"].map(lambda p: Path(p).name) if "source_path" in df else None
    return df.sort_values(list(df.columns[:3])).reset_index(drop=True)


def test_dask_cluster_output_equals_local_run(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    inputs = _inputs(src)
    run_batch(inputs, tmp_path / "local", RunSettings(jobs=2))
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as c:
        summary = run_batch(inputs, tmp_path / "dask", RunSettings(jobs=2, scheduler=c.scheduler_address))
    assert len(summary.documents) == 3
    for name in ("reports", "kpis", "pages", "problems"):
        pd.testing.assert_frame_equal(_table(tmp_path / "local", name), _table(tmp_path / "dask", name))
    kpis = _table(tmp_path / "dask", "kpis")
    assert set(kpis["kpi"]) >= {"cert.revoked", "cert.issued"}


def test_relative_input_paths_reach_the_workers_as_absolute_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Workers on other machines (or started elsewhere) resolve a relative path against their own working
    # directory: the run sends absolute paths, so what the operator typed works on any worker.
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(TEXTS["a.txt"], encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as c:
        summary = run_batch(
            [Path("in/a.txt")], Path("out"), RunSettings(jobs=1, scheduler=c.scheduler_address)
        )
    assert summary.failed_inputs == 0
    reports = pd.read_parquet(tmp_path / "out" / "reports.parquet")
    assert list(reports["source_path"]) == [str(src / "a.txt")]
    assert list(reports["status"]) == ["ok"]
