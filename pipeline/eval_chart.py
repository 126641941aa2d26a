"""The eval chart (`eval.png`): per sample, CER and KPI precision/recall, the baseline beside each
figure, and the gate's verdict in the title.

Scans and text inputs (a `.txt` OCR'd by another system, a born-digital PDF) are drawn on separate rows
with their own CER scale: a `.txt` sample's raw CER (~0.2, another system's OCR) would otherwise squash
the scans' bars (~0.01) to nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Sample kinds (truth.json "kind") whose text is not read by our OCR.
TEXT_KINDS = frozenset({"txt", "digital-pdf"})
_SERIES = {
    "cer": (("cer_raw", "raw OCR", "#c9a26b"), ("cer_final", "final text", "#4a7fb5")),
    "kpi": (("kpi_recall", "recall", "#3c9a5f"), ("kpi_precision", "precision", "#9a6fb0")),
}


@dataclass(frozen=True)
class ChartSample:
    name: str
    kind: str
    figures: dict[str, float | None]
    baseline: dict[str, float | None] | None  # the same figures in the committed baseline, if any


def _draw(ax: object, samples: list[ChartSample], which: str, with_legend: bool) -> None:
    ys = list(range(len(samples)))
    bar = 0.38
    for (key, label, color), side in zip(_SERIES[which], (-1, 1), strict=True):
        positions = [y + side * bar / 2 for y in ys]
        values = [s.figures.get(key) or 0.0 for s in samples]
        bars = ax.barh(positions, values, bar, label=label, color=color)  # type: ignore[attr-defined]
        ax.bar_label(bars, fmt="%.3f", padding=2, fontsize=8)  # type: ignore[attr-defined]
        base = [(p, s.baseline.get(key)) for p, s in zip(positions, samples, strict=True) if s.baseline]
        base = [(p, v) for p, v in base if v is not None]
        if base:
            ax.plot(  # type: ignore[attr-defined]
                [v for _, v in base],
                [p for p, _ in base],
                linestyle="none",
                marker="|",
                markersize=14,
                markeredgewidth=2.5,
                color="black",
                label="baseline" if side == 1 else None,
            )
    if which == "cer":
        top = max([0.02, *(s.figures.get(k) or 0.0 for s in samples for k, *_ in _SERIES["cer"])])
        top = max(
            [top, *(s.baseline.get(k) or 0.0 for s in samples if s.baseline for k, *_ in _SERIES["cer"])]
        )
        ax.set_xlim(0, top * 1.3)  # type: ignore[attr-defined]
    else:
        ax.set_xlim(0, 1.18)  # type: ignore[attr-defined]
    ax.set_yticks(ys, [s.name for s in samples])  # type: ignore[attr-defined]
    ax.invert_yaxis()  # type: ignore[attr-defined]
    ax.grid(axis="x", alpha=0.3)  # type: ignore[attr-defined]
    if with_legend:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncols=3, frameon=False)  # type: ignore[attr-defined]


def write_chart(samples: list[ChartSample], path: Path, verdict: str) -> Figure:
    """Scans on the top row, text inputs below; CER left, KPI values right; `verdict` in the title."""
    # The object API with an Agg canvas: no pyplot global state, no display needed.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    groups = [
        ("scans (our OCR)", [s for s in samples if s.kind not in TEXT_KINDS]),
        ("text inputs (.txt, text layer)", [s for s in samples if s.kind in TEXT_KINDS]),
    ]
    groups = [(title, g) for title, g in groups if g]
    heights = [max(len(g), 1) + 1.2 for _, g in groups]
    fig = Figure(figsize=(12, 0.6 * sum(heights) + 2.0), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(groups), 2, squeeze=False, gridspec_kw={"height_ratios": heights})
    for row, (title, group) in enumerate(groups):
        last = row == len(groups) - 1
        ax_cer, ax_kpi = axes[row]
        _draw(ax_cer, group, "cer", with_legend=last)
        _draw(ax_kpi, group, "kpi", with_legend=last)
        ax_cer.set_title(f"{title}: character error rate (lower is better)", fontsize=10)
        ax_kpi.set_title(f"{title}: KPI values (higher is better)", fontsize=10)
        ax_kpi.set_yticks(ax_kpi.get_yticks(), [""] * len(group))
        if last:
            ax_cer.set_xlabel("CER")
            ax_kpi.set_xlabel("share of values")
    fig.suptitle(f"baocao eval per sample: {verdict}")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    return fig
