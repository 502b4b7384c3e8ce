"""The report's charts, drawn by matplotlib as inline SVG (no script, no external file).

Three charts: immigration-related requests by outcome per month, the top requesting agencies
(by canonical name), and exceptions by kind. Text stays text in the SVG (``svg.fonttype =
none``), every element id is prefixed with the chart's id so three charts live on one page,
and each bar carries an id that names what it counts (``months-bar-2026-07-refused-1``) so a
test in a real browser can find it.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import ParamSpec

from redactor.errors import UsageError
from redactor.requestlog.entry import OUTCOMES

COLORS = {  # one distinct fill per outcome
    "released": "#2e7d32",
    "redacted": "#1565c0",
    "refused": "#c62828",
    "failed": "#ef6c00",
    "incomplete": "#6a1b9a",
}
IMMIGRATION_COLOR, OTHER_COLOR, EXCEPTION_COLOR = "#b71c1c", "#90a4ae", "#5d4037"
TOP_AGENCIES = 10
P = ParamSpec("P")
_WIDTH_IN = 7.2


@dataclass(frozen=True)
class ChartSpec:
    id: str
    title: str
    svg: str


def _pyplot():
    try:
        import matplotlib
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        raise UsageError(
            "the HTML and PDF reports draw their charts with matplotlib, which is not installed",
            hint="pip install 'matplotlib>=3.8' (or write --output-format md, csv or json)",
        ) from None
    from matplotlib.figure import Figure  # no pyplot: no global backend, no GUI

    return matplotlib, Figure


def _svg(fig, chart_id: str) -> str:
    matplotlib, _ = _pyplot()
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": chart_id}):
        fig.savefig(
            buf,
            format="svg",
            bbox_inches="tight",
            metadata={"Date": None, "Creator": None, "Format": None, "Type": None},
        )
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)
    # ids unique on the page: prefix every id and every reference to one
    text = re.sub(r'\bid="([^"]+)"', rf'id="{chart_id}-\1"', text)
    text = re.sub(r"url\(#([^)]+)\)", rf"url(#{chart_id}-\1)", text)
    text = re.sub(r'href="#([^"]+)"', rf'href="#{chart_id}-\1"', text)
    return text.replace(
        "<svg ", f'<svg class="chart" role="img" aria-labelledby="{chart_id}-title" ', 1
    ).strip()


_STYLE = {
    "font.size": 9,
    "font.family": "DejaVu Sans",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.fonttype": "none",
}


def _styled(fn: Callable[P, ChartSpec]) -> Callable[P, ChartSpec]:
    """Draw under one style, whatever matplotlib's global settings are."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> ChartSpec:
        matplotlib, _ = _pyplot()
        with matplotlib.rc_context(_STYLE):
            return fn(*args, **kwargs)

    return wrapper


def _figure(height: float):
    _, Figure = _pyplot()
    fig = Figure(figsize=(_WIDTH_IN, height))
    return fig, fig.subplots()


def _empty(ax, text: str) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    ax.spines[["left", "bottom"]].set_visible(False)
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="#555")


@_styled
def months_chart(by_month: Mapping[str, Mapping[str, int]]) -> ChartSpec:
    cid, title = "months", "Immigration-related requests by outcome, per month"
    fig, ax = _figure(2.8)
    months = list(by_month)
    bottoms = [0] * len(months)
    for outcome in OUTCOMES:
        heights = [by_month[m][outcome] for m in months]
        bars = ax.bar(
            months, heights, bottom=bottoms, width=0.55, color=COLORS[outcome], label=outcome
        )
        for bar, m, n in zip(bars, months, heights, strict=True):
            bar.set_gid(f"bar-{m}-{outcome}-{n}")
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    for i, total in enumerate(bottoms):
        ax.annotate(
            str(total),
            (i, total),
            ha="center",
            va="bottom",
            xytext=(0, 2),
            textcoords="offset points",
        )
    peak = max(bottoms, default=0)
    ax.set_ylim(0, max(peak * 1.15, 1))
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_ylabel("requests")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    if not peak:
        ax.text(
            0.5,
            0.5,
            "none in this period",
            ha="center",
            va="center",
            transform=ax.transAxes,
            color="#555",
        )
    return ChartSpec(cid, title, _svg(fig, cid))


@_styled
def agencies_chart(agencies: Sequence[tuple[str, int, int]]) -> ChartSpec:
    cid = "agencies"
    title = f"Top requesting agencies (canonical name; top {TOP_AGENCIES})"
    top = list(agencies[:TOP_AGENCIES])
    fig, ax = _figure(0.6 + 0.32 * max(len(top), 2))
    if not top:
        _empty(ax, "no request in this period")
        return ChartSpec(cid, title, _svg(fig, cid))
    labels = [a if len(a) <= 48 else a[:47] + "…" for a, _, _ in top][::-1]
    imm = [m for _, _, m in top][::-1]
    other = [n - m for _, n, m in top][::-1]
    b1 = ax.barh(labels, imm, color=IMMIGRATION_COLOR, label="immigration-related", height=0.6)
    b2 = ax.barh(labels, other, left=imm, color=OTHER_COLOR, label="other", height=0.6)
    for i, (a, b) in enumerate(zip(b1, b2, strict=True)):
        a.set_gid(f"agency-{i}-immigration-{imm[i]}")
        b.set_gid(f"agency-{i}-other-{other[i]}")
        ax.annotate(
            str(imm[i] + other[i]),
            (imm[i] + other[i], i),
            va="center",
            xytext=(3, 0),
            textcoords="offset points",
        )
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("requests")
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, frameon=False)
    return ChartSpec(cid, title, _svg(fig, cid))


@_styled
def exceptions_chart(by_kind: Mapping[str, int]) -> ChartSpec:
    cid, title = "exceptions", "Exceptions used, by kind"
    fig, ax = _figure(0.6 + 0.32 * max(len(by_kind), 2))
    if not by_kind:
        _empty(ax, "no exception was used in this period")
        return ChartSpec(cid, title, _svg(fig, cid))
    kinds = list(by_kind)[::-1]
    bars = ax.barh(kinds, [by_kind[k] for k in kinds], color=EXCEPTION_COLOR, height=0.6)
    for i, (bar, k) in enumerate(zip(bars, kinds, strict=True)):
        bar.set_gid(f"kind-{i}-{by_kind[k]}")
        ax.annotate(
            str(by_kind[k]), (by_kind[k], i), va="center", xytext=(3, 0), textcoords="offset points"
        )
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("requests")
    return ChartSpec(cid, title, _svg(fig, cid))
