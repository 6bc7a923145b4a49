"""Charts drawn with matplotlib: PNG for Slack, SVG for the report. Optional.

matplotlib is well kept, works offline and draws both formats itself, but it adds about
170 MiB to an install (numpy, Pillow, fonttools…; README, "Charts"), so it is the ``charts``
extra, which ``make run`` installs. Without it ``available()`` is False: the report carries
every figure as tables and the digest goes out without its picture.

Figures are made with matplotlib's object API (never ``pyplot``'s global state) and drawn one
at a time under a lock: the digest job and a Slack command may draw at the same moment.
Colours are the Okabe–Ito palette, told apart by colour-blind readers too.
"""

from __future__ import annotations

import io
import logging
import textwrap
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
    "#999933",
    "#882255",
    "#44AA99",
    "#117733",
)
NO_GOAL_COLOUR = "#BBBBBB"
HIDDEN_COLOUR = "#DDDDDD"
_DRAWING = threading.Lock()
# matplotlib says at INFO level which fonts it indexed on first use; not news for an operator.
logging.getLogger("matplotlib").setLevel(logging.WARNING)


class ChartsUnavailable(RuntimeError):
    """matplotlib is not installed (``pip install 'kindness-bot[charts]'``)."""


def available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]
    colour: str


def goal_colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def stacked_bars(
    title: str, labels: Sequence[str], series: Sequence[Series], *, fmt: str, y_label: str
) -> bytes:
    """Bars per label, one coloured part per series (entries per goal per week)."""

    def draw(axes: Any) -> None:
        bottoms = [0.0] * len(labels)
        positions = range(len(labels))
        for item in series:
            if not any(item.values):
                continue
            axes.bar(
                positions,
                item.values,
                bottom=bottoms,
                color=item.colour,
                label=item.name,
                width=0.8,
            )
            bottoms = [b + v for b, v in zip(bottoms, item.values, strict=True)]
        _label_x(axes, labels)
        axes.set_ylabel(y_label)
        if any(any(item.values) for item in series):
            # Outside the axes on the right; constrained layout makes room for every line of
            # it, long goal titles wrapped rather than cut.
            handles, names = axes.get_legend_handles_labels()
            axes.legend(
                handles,
                [_wrapped(name) for name in names],
                loc="upper left",
                bbox_to_anchor=(1.0, 1.0),
                frameon=False,
                fontsize="small",
            )

    return _render(title, draw, fmt=fmt, wide=True)


def bars(
    title: str, labels: Sequence[str], values: Sequence[float], *, fmt: str, y_label: str
) -> bytes:
    """One bar per label, its value written on top (members taking part per week)."""

    def draw(axes: Any) -> None:
        drawn = axes.bar(range(len(labels)), values, color=PALETTE[0], width=0.8)
        axes.bar_label(drawn, fmt="%d", fontsize="x-small", padding=2)
        _label_x(axes, labels)
        axes.set_ylabel(y_label)

    return _render(title, draw, fmt=fmt, wide=True)


def paired_bars(
    title: str,
    labels: Sequence[str],
    first: Series,
    second: Series,
    *,
    fmt: str,
    x_label: str,
) -> bytes:
    """Two horizontal bars per label (actions committed against completed, per goal)."""

    def draw(axes: Any) -> None:
        height = 0.38
        rows = range(len(labels))
        for offset, item in ((-height / 2, first), (height / 2, second)):
            drawn = axes.barh(
                [r + offset for r in rows],
                item.values,
                height=height,
                color=item.colour,
                label=item.name,
            )
            axes.bar_label(drawn, fmt="%d", fontsize="x-small", padding=2)
        axes.set_yticks(list(rows), labels, fontsize="small")
        axes.invert_yaxis()
        axes.set_xlabel(x_label)
        axes.margins(x=0.06)  # room for the figure written after the longest bar
        # Beside the bars, never over them (or over the figure after the longest one).
        axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize="small")

    return _render(title, draw, fmt=fmt, wide=False, rows=len(labels))


LEGEND_WIDTH = 34  # characters on a legend line before it wraps
FEWEST_SLOTS = 6  # a young network's few weeks keep bars of the usual width


def _wrapped(name: str) -> str:
    return textwrap.fill(name, LEGEND_WIDTH, subsequent_indent="  ")


def _label_x(axes: Any, labels: Sequence[str]) -> None:
    # At most about fourteen labels fit under a chart; show every n-th one.
    step = max(1, -(-len(labels) // 14))
    axes.set_xticks(list(range(0, len(labels), step)), labels[::step], fontsize="small")
    axes.margins(x=0.01)
    if len(labels) < FEWEST_SLOTS:
        axes.set_xlim(-0.6, FEWEST_SLOTS - 0.4)


def _render(title: str, draw: Any, *, fmt: str, wide: bool, rows: int = 0) -> bytes:
    if fmt not in ("png", "svg"):
        raise ValueError(f"unknown chart format {fmt!r}")
    try:
        from matplotlib import rc_context
        from matplotlib.figure import Figure
    except ImportError:
        raise ChartsUnavailable("matplotlib is not installed") from None
    size = (9.0, 3.6) if wide else (9.0, max(2.4, 0.4 * rows + 1.0))
    # A fixed salt for the SVG's internal ids: the same figures draw the same file.
    with _DRAWING, rc_context({"svg.hashsalt": "kindness-bot"}):
        figure = Figure(figsize=size, layout="constrained")
        axes = figure.subplots()
        axes.set_title(title, loc="left", fontsize="medium", fontweight="bold")
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        axes.yaxis.get_major_locator().set_params(integer=True)
        axes.xaxis.get_major_locator().set_params(integer=True)
        draw(axes)
        buffer = io.BytesIO()
        # No creation date in the file: the same figures draw the same bytes.
        metadata = {"Date": None} if fmt == "svg" else {"Software": None}
        figure.savefig(buffer, format=fmt, dpi=144, metadata=metadata)
    return buffer.getvalue()
