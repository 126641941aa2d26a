"""The first questions an analyst asks, answered from `kpi_panel.parquet` in pandas and in DuckDB.

    .venv/bin/baocao run samples/ --out out
    .venv/bin/python examples/kpi_panel.py out/kpi_panel.parquet

Each answer is at most three lines: the panel already holds one value per province × KPI × scope ×
period × level (duplicates across files and reports resolved), timestamps, and categorical codes.
A null `level` is the whole-province figure.
"""

from __future__ import annotations

import sys

import duckdb
import pandas as pd


def signing_rate_pandas(panel: str) -> pd.DataFrame:
    """Signing rate (doc.signed_pct) per period (rows) and province (columns)."""
    p = pd.read_parquet(panel)
    return p[(p.kpi == "doc.signed_pct") & p.level.isna()].pivot(
        index="period", columns="province", values="value"
    )


def signing_rate_duckdb(panel: str) -> pd.DataFrame:
    return duckdb.sql(
        f"pivot (select province, period, value from '{panel}' "
        "where kpi = 'doc.signed_pct' and level is null) on province using first(value) order by period"
    ).df()


def online_share_pandas(panel: str) -> pd.Series:
    """Share of dossiers received online, per province over time (period start)."""
    p = pd.read_parquet(panel)
    w = p[p.level.isna() & (p.scope == "period")].pivot(
        index=["province", "period_start"], columns="kpi", values="value"
    )
    return (w["dossier.received_online"] / w["dossier.received"]).dropna().rename("online_share")


def online_share_duckdb(panel: str) -> pd.DataFrame:
    return duckdb.sql(
        "select province, period_start, sum(value) filter (kpi = 'dossier.received_online') / "
        f"sum(value) filter (kpi = 'dossier.received') as online_share from '{panel}' "
        "where level is null and scope = 'period' group by all having online_share is not null order by all"
    ).df()


def main(argv: list[str]) -> int:
    panel = argv[1] if len(argv) > 1 else "out/kpi_panel.parquet"
    for title, answer in (
        ("signing rate per province and period (pandas)", signing_rate_pandas),
        ("signing rate per province and period (DuckDB)", signing_rate_duckdb),
        ("online dossier share over time (pandas)", online_share_pandas),
        ("online dossier share over time (DuckDB)", online_share_duckdb),
    ):
        print(f"## {title}\n{answer(panel)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
