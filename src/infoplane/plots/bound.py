"""Figures of the Information Bottleneck bound and of the layer check.

The IB curve (Tishby, Pereira & Bialek 1999, arXiv physics/0004057) drawn in the information plane of
Shwartz-Ziv & Tishby (2017, arXiv 1703.00810): x = I(X;T), y = I(T;Y), both in bits, with a dotted
line at I(X;Y); and claim (iii) of the 2017 paper, that layers lie close to the bound and satisfy the
IB equations (:func:`plot_bound_check`: distance from the bound of the same joint with its interval
over networks, and the self-consistency of each layer). matplotlib with the Agg backend; PNG files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from infoplane.plots.style import IXY_LINE, axis_label, ixy_label


def _frame(curve: Any) -> Any:
    import pandas as pd

    from infoplane.bottleneck.curve import IBCurve
    from infoplane.interface import InfoplaneError

    frame = curve.to_frame() if isinstance(curve, IBCurve) else pd.DataFrame(curve)
    missing = {"i_xt", "i_ty"} - set(frame.columns)
    if missing:
        raise InfoplaneError(
            f"curve needs columns i_xt and i_ty (bits); missing {sorted(missing)}."
        )
    return frame


def _save(fig: Any, path: str | Path) -> None:
    """Lay out and save a figure as PNG, creating the folder."""
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)


def draw_bound(
    ax: Any,
    curve: Any,
    *,
    label: str | None = "IB bound",
    color: str = "black",
    linestyle: str = "-",
    linewidth: float = 1.5,
    envelope: bool = True,
    **kwargs: Any,
) -> Any:
    """Draw an IB curve on an existing Axes (x = I(X;T), y = I(T;Y), bits).

    Args:
        ax: a matplotlib Axes (e.g. the information-plane figure of a run).
        curve: an :class:`~infoplane.bottleneck.IBCurve` or a DataFrame with ``i_xt``, ``i_ty``
            in bits, one row per beta (e.g. :func:`infoplane.bottleneck.twelve_bit_bound`).
        label: legend label (default ``"IB bound"``; ``None``: no legend entry).
        color, linestyle, linewidth: line style (default solid black, 1.5).
        envelope: draw only the monotone envelope (points sorted by I(X;T)) (default ``True``).
        **kwargs: passed to ``ax.plot``.

    Returns:
        The Line2D drawn (n_points vertices, sorted by I(X;T)).

    Raises:
        InfoplaneError: if the curve lacks ``i_xt`` or ``i_ty``.

    Notes:
        Points of a numerically traced curve that lie below the envelope (sub-optimal local
        optima of the IB iterations) are dropped with ``envelope=True``.

    References:
        1. Tishby, N., Pereira, F. C., Bialek, W. (1999). The Information Bottleneck Method.
           arXiv physics/0004057.
        2. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
           Information. arXiv 1703.00810.

    Example:
        >>> import matplotlib; matplotlib.use("Agg")
        >>> import matplotlib.pyplot as plt, pandas as pd
        >>> fig, ax = plt.subplots()
        >>> line = draw_bound(ax, pd.DataFrame({"i_xt": [1.0, 0.0, 2.0], "i_ty": [0.5, 0.0, 0.9]}))
        >>> line.get_xdata().tolist()
        [0.0, 1.0, 2.0]
        >>> plt.close(fig)
    """
    from infoplane.bottleneck.curve import monotone_envelope_mask

    frame = _frame(curve)
    x = frame["i_xt"].to_numpy(dtype=float)
    y = frame["i_ty"].to_numpy(dtype=float)
    if envelope:
        keep = monotone_envelope_mask(x, y)
        x, y = x[keep], y[keep]
    order = np.argsort(x, kind="stable")
    (line,) = ax.plot(
        x[order], y[order], color=color, linestyle=linestyle, linewidth=linewidth, label=label,
        zorder=1, **kwargs,
    )  # fmt: skip
    return line


def plot_bound(
    curve: Any,
    path: str | Path,
    *,
    i_xy: float | None = None,
    title: str | None = None,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Save a PNG of an IB curve in the information plane.

    Args:
        curve: an :class:`~infoplane.bottleneck.IBCurve` or DataFrame with ``i_xt``, ``i_ty`` in
            bits, one row per beta (and ``beta``: points are coloured by log10 beta).
        path: output PNG path (its folder is created).
        i_xy: I(X;Y) in bits for the dotted ceiling (default: ``curve.i_xy`` when available).
        title: figure title (default none).
        extra: more curves to draw, label -> curve (e.g. the DIB beside the IB).

    Returns:
        The path written.

    Raises:
        InfoplaneError: if a curve lacks ``i_xt`` or ``i_ty``.

    Notes:
        Axes are labelled in bits (the bottleneck solvers return bits); the figure is closed
        after saving.

    References:
        1. Tishby, N., Pereira, F. C., Bialek, W. (1999). The Information Bottleneck Method.
           arXiv physics/0004057.
        2. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
           Information. arXiv 1703.00810.

    Example:
        >>> import tempfile, pathlib, pandas as pd
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "bound.png"
        >>> curve = pd.DataFrame({"beta": [1.0, 10.0], "i_xt": [0.0, 1.0], "i_ty": [0.0, 0.5]})
        >>> plot_bound(curve, out, i_xy=0.53).name
        'bound.png'
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    frame = _frame(curve)
    if i_xy is None:
        i_xy = getattr(curve, "i_xy", None)
    fig, ax = plt.subplots(figsize=(6, 4.5), dpi=150)
    try:
        draw_bound(ax, frame, label=getattr(curve, "method", "IB").upper() + " curve")
        if "beta" in frame:
            b = frame["beta"].to_numpy(dtype=float)
            ok = np.isfinite(b)
            sc = ax.scatter(
                frame["i_xt"][ok], frame["i_ty"][ok], c=np.log10(b[ok]), s=12, cmap="viridis",
                zorder=2,
            )  # fmt: skip
            fig.colorbar(sc, ax=ax, label=r"$\log_{10}\beta$")
        for i, (name, other) in enumerate((extra or {}).items()):
            draw_bound(ax, other, label=name, color=f"C{i + 1}", linestyle="--")
        if i_xy is not None and np.isfinite(i_xy):
            ax.axhline(i_xy, **IXY_LINE, label=ixy_label(i_xy, "bits"))
        ax.set_xlabel(axis_label("I(X;T)", "bits"))
        ax.set_ylabel(axis_label("I(T;Y)", "bits"))
        ax.set_xlim(left=0)
        ax.set_ylim(bottom=0)
        if title:
            ax.set_title(title)
        ax.legend(loc="lower right", fontsize=8)
        ax.grid(alpha=0.3)
        _save(fig, path)
    finally:
        plt.close(fig)
    return Path(path)


def plot_bound_check(
    table: Any,
    path: str | Path,
    *,
    bound: Any = None,
    title: str | None = None,
    n_boot: int = 1000,
) -> Path:
    """Save one PNG of claim (iii) for all layers: distance from the IB bound and self-consistency.

    Panels: (1) the distance from the bound of the same joint per epoch, mean over networks with
    its bootstrap interval (band), one line per layer; (2) the deterministic-IB ``inconsistent``
    mass (solid) and the ``not_argmin`` mass (dashed) per epoch; (3) the layers in the information
    plane of the rule (I(T;Y) under p(y|x)) with the bound drawn.

    Args:
        table: the rows of :func:`infoplane.bottleneck.layer_check` for several layers, with a
            ``layer`` column (one row per (layer, repeat, epoch)); columns used: ``layer, repeat,
            epoch, i_xt, i_ty, distance, excess_i_xt, above_bound`` (bits) and, when present,
            ``inconsistent`` and ``not_argmin`` (rows with NaN are skipped).
        path: output PNG path (its folder is created).
        bound: the IB curve drawn in panel 3 (a table with ``i_xt``, ``i_ty``; default none).
        title: figure title (default none).
        n_boot: bootstrap resamples of the networks for the bands (default 1000).

    Returns:
        The path written.

    Raises:
        InfoplaneError: if a needed column is missing.

    Notes:
        Epochs are shifted by one on the log axes (epoch 0 is drawn at 1). The bands are the 95%
        percentile intervals of :func:`infoplane.bottleneck.summarize_distance` (none with one
        network). Values in bits (the table's ``unit``).

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810, claim (iii).

    Example:
        >>> import tempfile, pathlib, pandas as pd
        >>> df = pd.DataFrame({"layer": 1, "repeat": [0, 1, 0, 1], "epoch": [0, 0, 9, 9],
        ...                    "i_xt": [1.0, 1.2, 2.0, 2.1], "i_ty": [0.3, 0.35, 0.5, 0.52],
        ...                    "distance": [0.2, 0.15, 0.1, 0.08], "excess_i_xt": 0.5,
        ...                    "above_bound": False, "inconsistent": [0.4, None, 0.2, None],
        ...                    "not_argmin": [0.5, None, 0.3, None]})
        >>> plot_bound_check(df, pathlib.Path(tempfile.mkdtemp()) / "b.png").suffix
        '.png'
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from infoplane.bottleneck.distance import summarize_distance
    from infoplane.interface import InfoplaneError

    need = {"layer", "repeat", "epoch", "i_xt", "i_ty", "distance", "excess_i_xt", "above_bound"}
    missing = need - set(table.columns)
    if missing:
        raise InfoplaneError(f"table needs columns {sorted(need)}; missing {sorted(missing)}.")
    summary = summarize_distance(table, n_boot=n_boot)
    fig, axes = plt.subplots(1, 3, figsize=(14, 4), dpi=150)
    try:
        for i, layer in enumerate(dict.fromkeys(table["layer"].tolist())):
            color = f"C{i % 10}"
            s = summary[summary["layer"] == layer].sort_values("epoch")
            ep = s["epoch"].to_numpy(dtype=float) + 1.0
            axes[0].plot(ep, s["distance"], color=color, label=str(layer))
            axes[0].fill_between(ep, s["distance_low"], s["distance_high"], color=color,
                                 alpha=0.2, lw=0)  # fmt: skip
            rows = table[table["layer"] == layer].sort_values("epoch")
            if "inconsistent" in rows:
                sc = rows.dropna(subset=["inconsistent"])
                ep_sc = sc["epoch"].to_numpy(dtype=float) + 1.0
                axes[1].plot(ep_sc, sc["inconsistent"], color=color, label=str(layer))
                axes[1].plot(ep_sc, sc["not_argmin"], color=color, linestyle="--")
            axes[2].plot(s["i_xt"], s["i_ty"], "o-", ms=2, lw=0.8, color=color, label=str(layer))
        if bound is not None:
            draw_bound(axes[2], bound, label="IB bound (same joint)")
        axes[0].set(xscale="log", xlabel="Epochs + 1", ylabel=axis_label("distance", "bits"))
        axes[0].set_title("distance from the IB bound (mean, 95% CI)")
        axes[1].set(xscale="log", xlabel="Epochs + 1", ylabel="share of p(x)", ylim=(-0.02, 1.02))
        axes[1].set_title("IB equations: inconsistent (solid), not argmin (dashed)")
        axes[2].set(xlabel=axis_label("I(X;T)", "bits"), ylabel=axis_label("I(T;Y) under p(y|x)",
                                                                           "bits"))  # fmt: skip
        axes[2].set_title("layers and the bound of the same joint")
        for ax in axes:
            ax.grid(alpha=0.3)
        axes[0].legend(title="layer", fontsize=7)
        if title:
            fig.suptitle(title)
        _save(fig, path)
    finally:
        plt.close(fig)
    return Path(path)
