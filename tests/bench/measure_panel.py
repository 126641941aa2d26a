"""What building kpi_panel.parquet costs at each commit, as a ratio to writing kpis.parquet in the same
process (the panel is rebuilt from the whole dataset every run, so it grows with the archive).

    python tests/bench/measure_panel.py [--documents 3000] [--rounds 5]

A synthetic dataset: each document a month or quarter report of one of 20 provinces, 30 KPI values, a
random page source, random values (so most cells with several sources conflict: the worst case for the
problems the panel writes); the two timings alternate round by round and the medians are printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from pipeline.panel import build_panel  # noqa: E402
from pipeline.tables import SCHEMAS  # noqa: E402
from schemas import KPI_CODES, kpi_definition  # noqa: E402


def _period(rng: random.Random) -> tuple[str, dt.date, dt.date]:
    year, kind = rng.choice([2021, 2022, 2023]), rng.choice(["month", "quarter"])
    months = 1 if kind == "month" else 3
    first = rng.randint(1, 12) if kind == "month" else rng.choice([1, 4, 7, 10])
    start = dt.date(year, first, 1)
    after = dt.date(year + (first + months > 12), (first + months - 1) % 12 + 1, 1)
    return kind, start, after - dt.timedelta(days=1)


def synthetic_dataset(
    documents: int, seed: int = 1
) -> tuple[list[dict[str, Any]], pa.Table, list[dict[str, Any]]]:
    rng = random.Random(seed)
    codes = sorted(KPI_CODES)[:30]
    reports, kpis, pages = [], [], []
    for d in range(documents):
        doc = f"{d:064x}"
        kind, start, end = _period(rng)
        reports.append(
            {
                "document_id": doc,
                "source_path": f"{doc}.pdf",
                "province": f"province {rng.randrange(20)}",
                "issuer": "Sở Thông tin và Truyền thông",
                "report_number": f"{d}/BC-STTTT",
                "issue_date": end + dt.timedelta(days=10),
            }
        )
        pages.append({"document_id": doc, "source": rng.choice(["ocr", "txt", "text-layer"])})
        for code in codes:
            definition = kpi_definition(code)
            kpis.append(
                {
                    "document_id": doc,
                    "source_path": f"{doc}.pdf",
                    "kpi": code,
                    "value": float(rng.randint(1, 100)),
                    "unit": str(definition.unit),
                    "scope": str(definition.scope),
                    "period_type": kind,
                    "period_start": start,
                    "period_end": end,
                    "page": 1,
                    "evidence": "tổng số văn bản đi trong kỳ báo cáo",
                    "confidence": rng.random(),
                    "qualifier": "exact",
                    "level": None,
                }
            )
    return reports, pa.Table.from_pylist(kpis, schema=SCHEMAS["kpis"]), pages


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--documents", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    reports, kpis, pages = synthetic_dataset(args.documents)
    panel_s: list[float] = []
    write_s: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.rounds):
            t = time.perf_counter()
            pq.write_table(kpis, Path(tmp) / "kpis.parquet", compression="zstd")
            write_s.append(time.perf_counter() - t)
            t = time.perf_counter()
            build_panel(reports, kpis.to_pylist(), pages)
            panel_s.append(time.perf_counter() - t)
    ratio = statistics.median(p / w for p, w in zip(panel_s, write_s, strict=True))
    panel = statistics.median(panel_s)
    print(
        f"{args.documents} documents, {kpis.num_rows} KPI rows: panel {panel:.2f} s "
        f"({1000 * panel / args.documents:.2f} ms per document), writing kpis.parquet "
        f"{statistics.median(write_s):.2f} s; median ratio panel / write {ratio:.0f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
