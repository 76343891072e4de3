"""One style for every figure: the matplotlib plots and the plotly report read it from here.

The conventions are those of Shwartz-Ziv & Tishby (2017, arXiv 1703.00810) that readers of the
information plane recognise: x = I(X;T), y = I(T;Y); colour = epoch on a log scale with a colour bar
"Epochs"; one marker shape per layer; a dotted black line at I(X;Y). Axis labels carry the unit of
the data they show (``axis_label("I(X;T)", "bits")`` -> ``"I(X;T) [bits]"``), taken from the table's
own ``unit`` column (:func:`~infoplane.analysis.tables.table_unit`, re-exported here), so a table computed in nats is labelled nats.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from infoplane.analysis.tables import DEFAULT_UNIT, table_unit
from infoplane.interface import UNITS, InfoplaneError

EPOCH_CMAP = "gnuplot"
"""Matplotlib colour map of epochs (as in the original figures)."""

EPOCH_LABEL = "Epochs"
"""Label of the epoch colour bar and of epoch axes."""

LAYER_MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v", "P", "X", "*", "h", "<", ">", "p")
"""Matplotlib marker of layer k (1-based layer k uses ``LAYER_MARKERS[(k - 1) % 12]``)."""

LAYER_SYMBOLS: tuple[str, ...] = (
    "circle",
    "square",
    "triangle-up",
    "diamond",
    "triangle-down",
    "cross",
    "x",
    "star",
    "hexagon",
    "triangle-left",
    "triangle-right",
    "pentagon",
)
"""Plotly marker symbol of layer k: the same shapes as :data:`LAYER_MARKERS`, in the same order."""

LAYER_COLORS: tuple[str, ...] = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
"""Line colour of layer k in figures against epochs (diagnostics, SNR)."""

SNR_COLORS: dict[str, str] = {"mean": "#d62728", "std": "#1f77b4"}
"""Colours of the gradient mean (red) and std (blue) in the SNR figures (2017 paper, Fig. 4)."""

PHASE_COLORS: dict[str, str] = {"transition": "#000000", "compression": "#2ca02c"}
"""Colours of the drift-to-diffusion transition (black) and the compression onset (green)."""

SPLIT_COLORS: dict[str, str] = {"train": "#1f77b4", "test": "#ff7f0e"}
"""Colours of the training and test curves."""

IXY_LINE: dict[str, Any] = {"ls": ":", "color": "k", "lw": 1.2}
"""Matplotlib style of the I(X;Y) line (dotted, black)."""

IXY_LINE_PLOTLY: dict[str, Any] = {"dash": "dot", "color": "black", "width": 1.2}
"""Plotly style of the I(X;Y) line: the same dotted black line."""

FLAGGED_LABEL = "hollow: flagged (see docs/flags.md)"
"""Legend entry of the hollow markers that draw flagged points (a validity flag holds for at least
one of the repetitions averaged into the point; :mod:`infoplane.analysis.validity`)."""

FLAGGED_EDGE_WIDTH = 1.0
"""Edge width (points) of a hollow, flagged marker: its edge carries the epoch colour."""


def axis_label(quantity: str, unit: str) -> str:
    """Axis label of an information quantity with its unit.

    Args:
        quantity: e.g. ``"I(X;T)"``, ``"I(T;Y)"``, ``"compression"``.
        unit: ``"bits"`` or ``"nats"``.

    Returns:
        ``"<quantity> [<unit>]"``.

    Raises:
        InfoplaneError: for a unit other than bits or nats.

    Notes:
        Shapes: none (strings). Every figure labels its information axes through this function,
        so the unit shown is the unit of the data (see :func:`~infoplane.analysis.tables.table_unit`).

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810.

    Example:
        >>> axis_label("I(X;T)", "bits")
        'I(X;T) [bits]'
        >>> axis_label("I(T;Y)", "nats")
        'I(T;Y) [nats]'
    """
    if unit not in UNITS:
        raise InfoplaneError(f"unit={unit!r} is not supported; use 'bits' or 'nats'.")
    return f"{quantity} [{unit}]"


def ixy_label(ixy: float, unit: str = DEFAULT_UNIT) -> str:
    """Legend text of the I(X;Y) line, e.g. ``"I(X;Y) = 0.999 bits"``.

    Args:
        ixy: I(X;Y) in ``unit``.
        unit: ``"bits"`` (default) or ``"nats"``.

    Returns:
        The label, with three decimals and the unit.

    Raises:
        InfoplaneError: for an unknown unit.

    Notes:
        For class labels and a deterministic task, I(X;Y) = H(Y)
        (:func:`infoplane.estimators.binning.label_entropy`).

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810.

    Example:
        >>> ixy_label(0.99916)
        'I(X;Y) = 0.999 bits'
    """
    axis_label("I(X;Y)", unit)  # checks the unit
    return f"I(X;Y) = {ixy:.3f} {unit}"


def layer_legend_labels(table: Any) -> list[str] | None:
    """Legend label of each layer: ``"layer l"``, or ``"output (softmax)"`` for a softmax layer.

    Args:
        table: a table with columns layer (1-based) and layer_name.

    Returns:
        One label per layer in increasing layer order, or ``None`` without a ``layer_name``
        column.

    Raises:
        KeyError: if ``table`` has no ``layer`` column.

    Notes:
        Shared by the matplotlib figures and the plotly report so that both name layers alike.

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810.

    Example:
        >>> import pandas as pd
        >>> layer_legend_labels(pd.DataFrame({"layer": [2, 1], "layer_name": ["softmax", "h1"]}))
        ['layer 1', 'output (softmax)']
    """
    if "layer_name" not in table.columns:
        return None
    names = table.drop_duplicates("layer").sort_values("layer")
    return [
        "output (softmax)" if str(n).endswith("softmax") else f"layer {int(lay)}"
        for lay, n in zip(names["layer"], names["layer_name"], strict=True)
    ]


def shown_epochs(epochs: Any) -> np.ndarray:
    """Epochs as coloured: epoch 0 (initialisation) shares the colour of epoch 1 on the log scale.

    Args:
        epochs: integer epochs, any shape.

    Returns:
        ``max(epochs, 1)`` as an array of the same shape.

    Raises:
        TypeError: for non-numeric input.

    Notes:
        A log colour scale has no place for 0.

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810.

    Example:
        >>> shown_epochs([0, 1, 10]).tolist()
        [1, 1, 10]
    """
    return np.maximum(np.asarray(epochs), 1)


def epoch_norm(epochs: Any) -> Any:
    """Log colour norm of epochs (``matplotlib.colors.LogNorm``) over the epochs given.

    Args:
        epochs: the epochs to span, any shape (0 counts as 1).

    Returns:
        A ``LogNorm`` from the smallest to the largest shown epoch (at least a factor 2 wide).

    Raises:
        ValueError: for no epochs.

    Notes:
        All panels of a figure share one norm, so one colour bar reads them all.

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810.

    Example:
        >>> n = epoch_norm([0, 10, 1000])
        >>> (float(n.vmin), float(n.vmax))
        (1.0, 1000.0)
    """
    from matplotlib.colors import LogNorm

    shown = shown_epochs(epochs)
    lo = float(shown.min())
    return LogNorm(vmin=lo, vmax=max(float(shown.max()), lo + 1.0))


def epoch_colorscale(n: int = 11) -> list[list[Any]]:
    """The epoch colour map (:data:`EPOCH_CMAP`) as a plotly colour scale.

    Args:
        n: number of stops (>= 2).

    Returns:
        ``[[position in [0, 1], "rgb(r,g,b)"], ...]``, ``n`` stops, for plotly's ``colorscale``
        (plotted against log10 of the epoch, as the matplotlib figures' ``LogNorm``).

    Raises:
        InfoplaneError: for ``n < 2``.

    Notes:
        The report and the PNG figures thus colour the same epoch alike.

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810.

    Example:
        >>> scale = epoch_colorscale(3)
        >>> [stop[0] for stop in scale]
        [0.0, 0.5, 1.0]
    """
    import matplotlib

    if int(n) < 2:
        raise InfoplaneError(f"n must be >= 2; got {n!r}.")
    cmap = matplotlib.colormaps[EPOCH_CMAP]
    out = []
    for pos in np.linspace(0.0, 1.0, int(n)):
        r, g, b = (round(255 * v) for v in cmap(float(pos))[:3])
        out.append([float(pos), f"rgb({r},{g},{b})"])
    return out


def layer_marker(k: int) -> str:
    """Matplotlib marker of the k-th layer drawn (0-based), cycling through :data:`LAYER_MARKERS`.

    Args:
        k: 0-based index of the layer in drawing order.

    Returns:
        A matplotlib marker string.

    Raises:
        TypeError: for a non-integer ``k``.

    Notes:
        :func:`layer_symbol` gives the plotly shape of the same layer.

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810.

    Example:
        >>> layer_marker(0), layer_marker(12)
        ('o', 'o')
    """
    return LAYER_MARKERS[int(k) % len(LAYER_MARKERS)]


def layer_symbol(k: int) -> str:
    """Plotly marker symbol of the k-th layer drawn (0-based): the shape of :func:`layer_marker`.

    Args:
        k: 0-based index of the layer in drawing order.

    Returns:
        A plotly marker symbol name.

    Raises:
        TypeError: for a non-integer ``k``.

    Notes:
        Same shapes, same order as the matplotlib markers.

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810.

    Example:
        >>> layer_symbol(1)
        'square'
    """
    return LAYER_SYMBOLS[int(k) % len(LAYER_SYMBOLS)]


def panel_grid(n: int, max_cols: int = 3) -> tuple[int, int]:
    """Rows and columns of a grid of ``n`` panels, at most ``max_cols`` wide.

    Args:
        n: number of panels (>= 1).
        max_cols: most columns (default 3).

    Returns:
        (rows, cols).

    Raises:
        InfoplaneError: for ``n < 1``.

    Notes:
        One panel per estimator in both the PNG and the report.

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810.

    Example:
        >>> panel_grid(4)
        (2, 3)
    """
    if int(n) < 1:
        raise InfoplaneError(f"a figure needs at least one panel; got n={n!r}.")
    cols = min(int(n), int(max_cols))
    return int(np.ceil(int(n) / cols)), cols


def save_plot(fig: Any, path: Any, *, dpi: float) -> Any:
    """Save a figure atomically; a PNG with fast compression (the same pixels).

    Args:
        fig: a matplotlib Figure.
        path: destination (``.png`` or no suffix: PNG; ``.pdf``, ``.svg``, ...: that format).
        dpi: resolution in dots per inch (the run's figures use 130-150).

    Returns:
        The destination ``Path``.

    Raises:
        OSError: if the file cannot be written (the destination is left as it was).

    Notes:
        Shapes and units: none (a file). PNGs are compressed with zlib level 1 instead of 6:
        lossless, the same pixels, files about 12% larger, encoded in about half the time.
        Written by :func:`infoplane.storage.save_figure` (atomic).

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810 (the figures saved).

    Example:
        >>> import tempfile, pathlib, matplotlib
        >>> matplotlib.use("Agg")
        >>> from matplotlib.figure import Figure
        >>> save_plot(Figure(), pathlib.Path(tempfile.mkdtemp()) / "f.png", dpi=50).suffix
        '.png'
    """
    from pathlib import Path

    from infoplane.storage import save_figure

    path = Path(path)
    extra: dict[str, Any] = {}
    if path.suffix.lower() in ("", ".png"):
        extra["pil_kwargs"] = {"compress_level": 1}
    return save_figure(path, fig, dpi=dpi, **extra)


def trim_ticks_to_view(ax: Any) -> None:
    """Let the tick locators of ``ax`` return only the ticks inside the view (the ticks drawn).

    Matplotlib's locators return ticks beyond the axis limits too (a log axis one decade on
    either side), and a tick object with two lines, a grid line and two labels is built and
    formatted for each before the out-of-view ones are dropped at draw time: on the run's SNR
    figure a third of the ticks. Wrapping each locator so that it returns only the ticks matplotlib
    would draw leaves every pixel unchanged.

    Args:
        ax: a matplotlib Axes; its x and y axes' major and minor locators are wrapped (call it
            after the scales and locators are set).

    Returns:
        ``None``.

    Raises:
        AttributeError: if ``ax`` is not a matplotlib Axes.

    Notes:
        Shapes and units: none (tick positions are in data units). The wrapper reads the view
        interval at draw time, so later limits apply; setting a scale or a locator afterwards
        replaces it. A tick within 1e-9 of the axis span (in the scale's coordinates) of a limit
        is kept, as matplotlib keeps it.

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810 (the log-log SNR figure whose ticks this trims).

    Example:
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from matplotlib.figure import Figure
        >>> ax = Figure().add_subplot()
        >>> _ = ax.loglog([1, 1000], [1, 10])
        >>> trim_ticks_to_view(ax)
        >>> ax.xaxis.get_major_locator()().tolist()
        [1.0, 10.0, 100.0, 1000.0]
    """
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(_in_view(axis.get_major_locator()))
        axis.set_minor_locator(_in_view(axis.get_minor_locator()))


def _in_view(base: Any) -> Any:
    """A locator returning the ticks of ``base`` that lie in its axis' view interval."""
    from matplotlib.ticker import Locator

    class InViewLocator(Locator):
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def set_axis(self, axis: Any) -> None:
            super().set_axis(axis)
            self.inner.set_axis(axis)

        def tick_values(self, vmin: float, vmax: float) -> Any:
            return self.inner.tick_values(vmin, vmax)

        def __call__(self) -> Any:
            locs = np.asarray(self.inner(), dtype=np.float64)
            if self.axis is None or not locs.size:
                return locs
            lo, hi = sorted(self.axis.get_view_interval())
            transform = self.axis.get_transform()
            with np.errstate(all="ignore"):
                t_lo, t_hi = transform.transform(np.array([lo, hi], dtype=np.float64))
                t = transform.transform(locs)
            tol = 1e-9 * abs(t_hi - t_lo)
            keep = (t >= min(t_lo, t_hi) - tol) & (t <= max(t_lo, t_hi) + tol)
            return locs[keep]

    return base if getattr(base, "inner", None) is not None else InViewLocator(base)


def fixed_margins(
    width: float,
    height: float,
    *,
    nrows: int = 1,
    ncols: int = 1,
    left: float,
    right: float,
    bottom: float,
    top: float,
    wspace: float = 0.0,
    hspace: float = 0.0,
) -> dict[str, float]:
    """Subplot parameters of a grid of panels whose margins and gaps are given in inches.

    A fixed layout costs nothing at draw time, where ``tight_layout`` and the constrained layout
    each measure every text of the figure once more (about half the drawing time of a run's
    figures); the margins below are those the layout engines chose for the run's figures, with
    room to spare for longer tick labels.

    Args:
        width, height: figure size in inches (> 0).
        nrows, ncols: panels of the grid (>= 1).
        left, right, bottom, top: margins in inches between the grid and the figure's edges.
        wspace, hspace: gaps in inches between neighbouring panels.

    Returns:
        ``{"left", "right", "bottom", "top", "wspace", "hspace"}`` as fractions, for
        ``plt.subplots(..., gridspec_kw=...)`` or ``fig.subplots_adjust(**...)``: edges as
        fractions of the figure, gaps as fractions of the mean panel width / height.

    Raises:
        InfoplaneError: if the margins and gaps leave no room for the panels.

    Notes:
        Shapes: none (scalars). Units: inches in, dimensionless fractions out. The figure keeps
        these positions whatever is drawn later: a label far longer than the margin is clipped
        (the run's figures label their axes with short quantities and units).

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810 (the figures' conventions).

    Example:
        >>> m = fixed_margins(10.0, 4.0, ncols=2, left=1.0, right=0.5, bottom=0.5, top=0.5,
        ...                   wspace=0.5)
        >>> m["left"], m["right"], m["bottom"], m["top"], m["wspace"]
        (0.1, 0.95, 0.125, 0.875, 0.125)
    """
    nrows, ncols = int(nrows), int(ncols)
    panel_w = (width - left - right - (ncols - 1) * wspace) / ncols
    panel_h = (height - bottom - top - (nrows - 1) * hspace) / nrows
    if nrows < 1 or ncols < 1 or not (panel_w > 0 and panel_h > 0):
        raise InfoplaneError(
            f"margins of a {width} x {height} in figure leave no room for {nrows} x {ncols} "
            "panels; pass a larger figure or smaller margins (in inches)."
        )
    return {
        "left": left / width,
        "right": 1.0 - right / width,
        "bottom": bottom / height,
        "top": 1.0 - top / height,
        "wspace": wspace / panel_w,
        "hspace": hspace / panel_h,
    }


__all__: Sequence[str] = (
    "DEFAULT_UNIT",
    "EPOCH_CMAP",
    "EPOCH_LABEL",
    "IXY_LINE",
    "IXY_LINE_PLOTLY",
    "LAYER_COLORS",
    "LAYER_MARKERS",
    "LAYER_SYMBOLS",
    "PHASE_COLORS",
    "SNR_COLORS",
    "SPLIT_COLORS",
    "axis_label",
    "epoch_colorscale",
    "epoch_norm",
    "fixed_margins",
    "ixy_label",
    "layer_legend_labels",
    "layer_marker",
    "layer_symbol",
    "panel_grid",
    "save_plot",
    "shown_epochs",
    "table_unit",
    "trim_ticks_to_view",
)
