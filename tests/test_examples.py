"""examples/kpi_panel.py answers the analyst's first questions from kpi_panel.parquet, in pandas and
DuckDB, on real datasets: the .txt sample (fast) and the shared OCR run over every sample."""

from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pipeline.run import run_batch
from pipeline.settings import RunSettings
from tests.conftest import REPO, SAMPLES_DIR, SampleRun

EXAMPLE = REPO / "examples" / "kpi_panel.py"


@pytest.fixture(scope="module")
def example() -> dict[str, Any]:
    return runpy.run_path(str(EXAMPLE))


@pytest.fixture(scope="module")
def txt_panel(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("txt-dataset")
    run_batch([SAMPLES_DIR / "report-2023-02-travinh-eng.txt"], out, RunSettings(jobs=1))
    return str(out / "kpi_panel.parquet")


def _signing(example: dict[str, Any], panel: str) -> dict[tuple[str, str], float]:
    pandas_answer = example["signing_rate_pandas"](panel).stack().dropna().to_dict()
    duck = example["signing_rate_duckdb"](panel).set_index("period").stack().to_dict()
    assert {k: v for k, v in duck.items() if pd.notna(v)} == pandas_answer
    return {(province, period): v for (period, province), v in pandas_answer.items()}


def _online(example: dict[str, Any], panel: str) -> dict[tuple[str, str], float]:
    pandas_answer = example["online_share_pandas"](panel)
    duck = example["online_share_duckdb"](panel)
    duck_answer = {(r.province, r.period_start): r.online_share for r in duck.itertuples()}
    assert duck_answer == pytest.approx(pandas_answer.to_dict())
    return {(p, str(start.date())): v for (p, start), v in pandas_answer.items()}


def test_example_on_the_txt_sample(example: dict[str, Any], txt_panel: str) -> None:
    assert _signing(example, txt_panel) == {("Trà Vinh", "2023-01"): 86.21}
    assert _online(example, txt_panel) == {("Trà Vinh", "2023-01-01"): pytest.approx(3774 / 9876)}


def test_example_runs_as_a_script(txt_panel: str) -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), txt_panel], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("## ") == 4 and "86.21" in done.stdout and "Traceback" not in done.stderr


@pytest.mark.slow
def test_example_on_the_sample_run(example: dict[str, Any], sample_run: SampleRun) -> None:
    panel = str(Path(sample_run.out_dir) / "kpi_panel.parquet")
    # The signing rates the sample reports print (samples/texts/*.yaml), one per province and period;
    # the January 2023 Trà Vinh report is given twice (scan and .txt) and counts once.
    assert _signing(example, panel) == {
        ("Trà Vinh", "2021-Q1"): 76.84,
        ("Trà Vinh", "2022-09"): 85.78,
        ("Trà Vinh", "2023-01"): 86.21,
        ("Vĩnh Long", "2022-H1"): 85.06,
        ("Sóc Trăng", "2022"): 87.9,
        ("Bến Tre", "2023-Q3"): 93.28,
    }
    online = _online(example, panel)
    assert set(online) == {
        ("Trà Vinh", "2021-01-01"),
        ("Trà Vinh", "2022-09-01"),
        ("Trà Vinh", "2023-01-01"),
        ("Vĩnh Long", "2022-01-01"),
        ("Sóc Trăng", "2022-01-01"),
        ("Bến Tre", "2023-07-01"),
    }
    assert online[("Trà Vinh", "2023-01-01")] == pytest.approx(3774 / 9876)
