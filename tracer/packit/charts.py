"""Charts (matplotlib, Agg): a pie of category totals and per-event bars, written to one file.

Generic on purpose: the model command and the drift report both use it. matplotlib is the
``charts`` extra; without it every function raises :class:`UsageError` saying how to install it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tracer.errors import UsageError

MISSING_MESSAGE = "the charts extra is not installed: pip install 'api-tracer[charts]'"


def _figure_class() -> Any:
    """matplotlib's Figure bound to the Agg canvas (pyplot and its global backend stay untouched)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise UsageError(MISSING_MESSAGE) from None

    def make(**kwargs: Any) -> Any:
        fig = Figure(**kwargs)
        FigureCanvasAgg(fig)
        return fig

    return make


def palette(n: int) -> list[Any]:
    """``n`` distinct colours (matplotlib's tab10, repeated)."""
    from matplotlib import colormaps

    tab10 = colormaps["tab10"]
    return [tab10(i % 10) for i in range(n)]


def draw_pie(ax: Any, totals: Mapping[str, float], title: str = "") -> None:
    """A pie of ``{category: total}``; the legend gives each count and share (zeros included)."""
    names = list(totals)
    colours = palette(len(names))
    grand = sum(totals.values())
    shown = [(n, totals[n], c) for n, c in zip(names, colours) if totals[n] > 0]
    if shown:
        wedges, _texts, _autotexts = ax.pie(
            [v for _, v, _ in shown],
            colors=[c for _, _, c in shown],
            autopct=lambda pct: f"{pct:.0f}%" if pct >= 4 else "",
            pctdistance=0.72,
            startangle=90,
            counterclock=False,
            wedgeprops={"linewidth": 1, "edgecolor": "white"},
            textprops={"fontsize": 10, "color": "white", "fontweight": "bold"},
        )
    else:
        ax.text(0.5, 0.5, "no calls", ha="center", va="center", transform=ax.transAxes)
    ax.axis("equal")
    from matplotlib.patches import Patch

    handles = [Patch(facecolor=c) for c in colours]
    legend = [
        f"{n}: {_num(totals[n])} ({100 * totals[n] / grand:.0f}%)" if grand else f"{n}: 0"
        for n in names
    ]
    ax.legend(handles, legend, loc="upper center", bbox_to_anchor=(0.5, 0.0), frameon=False, fontsize=9)
    ax.set_title(f"{title} (total {_num(grand)})" if title else f"total {_num(grand)}", fontsize=11)


def draw_bars(
    ax: Any,
    labels: Sequence[str],
    series: Mapping[str, Sequence[float]],
    title: str = "",
    xlabel: str = "calls",
    *,
    stacked: bool = False,
) -> None:
    """Horizontal bars of per-label values, labels top to bottom in the given order.

    ``series`` maps a series name (e.g. "model", "measured", or a category) to one value per
    label. Grouped side by side by default (meant for one or two series); ``stacked`` stacks
    them and writes each label's sum at the end of its bar.
    """
    if not series:
        raise UsageError("a bar chart needs at least one series")
    for name, values in series.items():
        if len(values) != len(labels):
            raise UsageError(f"series {name!r} has {len(values)} values for {len(labels)} labels")
    n = len(series)
    colours = palette(n)
    positions = list(range(len(labels)))
    height = 0.8 if stacked else 0.8 / n
    left = [0.0] * len(labels)
    for i, (name, values) in enumerate(series.items()):
        if stacked:
            ax.barh(positions, values, height, left=left, label=name, color=colours[i])
            left = [a + b for a, b in zip(left, values)]
        else:
            offset = (i - (n - 1) / 2) * height
            bars = ax.barh([p + offset for p in positions], values, height, label=name, color=colours[i])
            ax.bar_label(bars, labels=[_num(v) for v in values], padding=2, fontsize=8)
    if stacked:
        for p, total in zip(positions, left):
            ax.text(total, p, f" {_num(total)}", va="center", fontsize=9)
    ax.set_yticks(positions, labels)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.margins(x=0.12)
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if n > 1:  # below the axis, where it cannot hide a bar
        ax.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncols=min(n, 4), frameon=False)
    if title:
        ax.set_title(title, fontsize=11)


def write_chart(
    path: str | os.PathLike[str],
    *,
    pie: Mapping[str, float],
    labels: Sequence[str],
    series: Mapping[str, Sequence[float]],
    title: str = "",
    pie_title: str = "calls by category",
    bars_title: str = "calls by event",
    stacked: bool = False,
) -> Path:
    """One image with the pie (left) and the per-event bars (right); returns the path written.

    The format follows the file's extension (PNG when it has none).
    """
    make_figure = _figure_class()
    fig = make_figure(figsize=(13, 6), layout="constrained")
    pie_ax, bar_ax = fig.subplots(1, 2, width_ratios=[2, 3])
    draw_pie(pie_ax, pie, pie_title)
    draw_bars(bar_ax, labels, series, bars_title, stacked=stacked)
    if title:
        fig.suptitle(title, fontsize=13)
    return save_figure(fig, path)


def new_figure(**kwargs: Any) -> Any:
    """A matplotlib Figure on the Agg canvas (UsageError naming the extra without matplotlib)."""
    return _figure_class()(**kwargs)


def save_figure(fig: Any, path: str | os.PathLike[str], dpi: int = 110) -> Path:
    """Write ``fig`` (the format follows the extension); a failure is a one-line UsageError.

    The image is drawn in memory first and then written whole: a file through a temporary file
    renamed over it (a failed write leaves what was there), a device or pipe directly; a full
    disk or device is an error, never a chart said to be written.
    """
    import io

    target = Path(path)
    buffer = io.BytesIO()
    fmt = target.suffix[1:].lower() or "png"
    try:
        fig.savefig(buffer, dpi=dpi, format=fmt)
    except ValueError as exc:  # an extension matplotlib cannot write
        raise UsageError(f"cannot write chart {target}: {exc}") from None
    try:
        write_bytes(target, buffer.getvalue())
    except OSError as exc:
        raise UsageError(f"cannot write chart {target}: {exc.strerror or exc}") from None
    return target


def write_bytes(target: Path, data: bytes) -> None:
    """``data`` to ``target``: atomically for a file, directly to a device or a pipe."""
    import stat
    import tempfile

    try:
        special = not stat.S_ISREG(target.stat().st_mode)
    except FileNotFoundError:
        special = False
    if special:
        with open(target, "wb") as stream:
            stream.write(data)
            stream.flush()
        return
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(name, 0o666 & ~umask)
        os.replace(name, target)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def _num(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) and not value.is_integer() else f"{int(value)}"
