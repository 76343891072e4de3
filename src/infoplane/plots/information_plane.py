"""The information-plane figure in the conventions of Shwartz-Ziv & Tishby (2017), arXiv 1703.00810.

x = I(X;T), y = I(T;Y) (bits); colour = epoch on a log scale with a colour bar "Epochs"; one marker
shape per layer (its trajectory over training); thin lines, coloured by epoch, join the layers of one
epoch; a dotted line at I(X;Y). Values are averaged over repetitions. Points whose rows carry a
validity flag (the table's ``flags`` column, :mod:`infoplane.analysis.validity`) are drawn hollow,
with the legend entry "hollow: flagged (see docs/flags.md)".
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from infoplane.analysis.tables import select_estimator
from infoplane.plots.style import (
    EPOCH_CMAP,
    EPOCH_LABEL,
    FLAGGED_EDGE_WIDTH,
    FLAGGED_LABEL,
    IXY_LINE,
    LAYER_MARKERS,
    axis_label,
    epoch_norm,
    fixed_margins,
    ixy_label,
    layer_legend_labels,
    layer_marker,
    panel_grid,
    save_plot,
    shown_epochs,
    table_unit,
    trim_ticks_to_view,
)

__all__ = [
    "EPOCH_CMAP",
    "LAYER_MARKERS",
    "draw_information_plane",
    "draw_label_information",
    "layer_legend_labels",
    "mean_over_repeats",
    "plot_information_plane",
]


def mean_over_repeats(table: Any, estimator: str | None = None) -> Any:
    """Average ``i_xt`` and ``i_ty`` over repeats per (epoch, layer) for one estimator.

    Args:
        table: tidy table, one row per (repeat, epoch, layer, estimator), with columns repeat,
            epoch, layer, estimator, i_xt, i_ty.
        estimator: which estimator's rows; ``None`` (default) requires the table to hold exactly
            one.

    Returns:
        DataFrame of (n_epochs * n_layers) rows, one per (epoch, layer), with columns epoch,
        layer, i_xt, i_ty (in the table's unit), sorted by epoch then layer; with a ``flags``
        column in ``table``, also ``flagged`` (bool: some repetition's row carries a flag).

    Raises:
        InfoplaneError: if ``estimator`` is missing from the table, or ``None`` with several present.

    Notes:
        NaN values are skipped by the mean (pandas); an (epoch, layer) with NaN in every repeat
        stays NaN. A mean is ``flagged`` when any of the rows averaged into it is: a number that
        may be wrong is never hidden by averaging.

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810 (the planes average 50 networks).

    Example:
        >>> import pandas as pd
        >>> t = pd.DataFrame({"repeat": [0, 1], "epoch": 5, "layer": 1, "estimator": "binning",
        ...                   "i_xt": [2.0, 4.0], "i_ty": [0.5, 0.7]})
        >>> mean_over_repeats(t).to_dict("records")
        [{'epoch': 5, 'layer': 1, 'i_xt': 3.0, 'i_ty': 0.6}]
    """
    estimator = select_estimator(table, estimator, name="the table")
    rows = table[table["estimator"] == estimator]
    if "flags" in rows.columns:
        rows = rows.assign(flagged=rows["flags"].fillna("").astype(str) != "")
        grouped = rows.groupby(["epoch", "layer"], as_index=False)
        mean = grouped[["i_xt", "i_ty"]].mean()
        mean["flagged"] = grouped["flagged"].any()["flagged"].to_numpy()
    else:
        mean = rows.groupby(["epoch", "layer"], as_index=False)[["i_xt", "i_ty"]].mean()
    return mean.sort_values(["epoch", "layer"], ignore_index=True)


def _flagged_handle() -> Any:
    """A legend proxy for the hollow markers of flagged points."""
    from matplotlib.lines import Line2D

    return Line2D(
        [],
        [],
        ls="",
        marker="o",
        markersize=5,
        markerfacecolor="none",
        markeredgecolor="0.3",
        markeredgewidth=FLAGGED_EDGE_WIDTH,
        label=FLAGGED_LABEL,
    )


def draw_information_plane(
    ax: Any,
    mean: Any,
    *,
    ixy: float | None = None,
    norm: Any = None,
    cmap: str = EPOCH_CMAP,
    layer_labels: Sequence[str] | None = None,
    marker_size: float = 22.0,
    unit: str = "bits",
) -> Any:
    """Draw averaged information-plane trajectories on a matplotlib Axes.

    x = I(X;T), y = I(T;Y); one scatter (trajectory over training) per layer with its own marker,
    coloured by epoch on a log scale; thin lines, coloured by epoch, join the layers of one epoch;
    a dotted black line at I(X;Y).

    Args:
        ax: matplotlib Axes.
        mean: DataFrame with columns epoch, layer, i_xt, i_ty (in ``unit``) and optionally
            flagged (bool), one row per (epoch, layer), e.g. from :func:`mean_over_repeats`;
            n_epochs x n_layers rows. Flagged points are drawn hollow (face ``"none"``, edge in
            the epoch colour) in a second ``PathCollection`` of their layer.
        ixy: I(X;Y) in ``unit`` for the dotted line (default ``None``: no line).
        norm: a matplotlib colour norm for epochs (default: log scale over the epochs present,
            :func:`~infoplane.plots.style.epoch_norm`).
        cmap: colour map of epochs (default ``"gnuplot"``).
        layer_labels: legend labels per layer (default "layer 1", ...).
        marker_size: scatter marker area (default 22 points^2).
        unit: unit of the values, for the axis labels (default ``"bits"``).

    Returns:
        The ``PathCollection`` of the last layer (a ScalarMappable of the epoch colours, for a
        colour bar); ``ax`` then holds one ``PathCollection`` per layer (n_epochs points each;
        for a layer with flagged points, one of its filled points and one of its hollow ones,
        whose face colour is ``"none"`` and whose edges carry the epoch colours) and one
        ``LineCollection`` of n_epochs polylines.

    Raises:
        InfoplaneError: for an unknown ``unit``.
        KeyError: if ``mean`` lacks a column.

    Notes:
        Epoch 0 (initialisation) is coloured as epoch 1 (a log scale has no 0). Values are drawn
        as given: average over repetitions first (binning estimates of one network are noisy).

    References:
        1. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
           Information. arXiv 1703.00810.
        2. Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.

    Example:
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import matplotlib.pyplot as plt, pandas as pd
        >>> mean = pd.DataFrame({"epoch": [1, 1, 10, 10], "layer": [1, 2, 1, 2],
        ...                      "i_xt": [3.0, 2.0, 4.0, 2.5], "i_ty": [0.2, 0.1, 0.9, 0.8]})
        >>> fig, ax = plt.subplots()
        >>> sm = draw_information_plane(ax, mean, ixy=1.0)
        >>> ax.get_xlabel(), len(ax.collections), ax.lines[0].get_ydata()[0]
        ('I(X;T) [bits]', 3, 1.0)
        >>> plt.close(fig)
    """
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    x = mean.pivot(index="epoch", columns="layer", values="i_xt")
    y = mean.pivot(index="epoch", columns="layer", values="i_ty")
    shown = shown_epochs(x.index.to_numpy())
    if norm is None:
        norm = epoch_norm(shown)
    cm = plt.get_cmap(cmap)
    segments = np.stack([x.to_numpy(), y.to_numpy()], axis=-1)  # (E, L, 2): a polyline per epoch
    lines = LineCollection(segments, colors=cm(norm(shown)), linewidths=0.5, alpha=0.35, zorder=1)
    ax.add_collection(lines)
    sm = None
    flagged = (
        mean.pivot(index="epoch", columns="layer", values="flagged").reindex_like(x)
        if "flagged" in mean.columns
        else None
    )
    for k, layer in enumerate(x.columns):
        label = layer_labels[k] if layer_labels is not None else f"layer {layer}"
        hollow = (
            np.zeros(len(x), dtype=bool)
            if flagged is None
            else flagged[layer].fillna(False).to_numpy(dtype=bool)
        )
        if not hollow.all():
            sm = ax.scatter(
                x[layer].to_numpy()[~hollow],
                y[layer].to_numpy()[~hollow],
                c=shown[~hollow],
                cmap=cm,
                norm=norm,
                s=marker_size,
                marker=layer_marker(k),
                edgecolors="none",
                zorder=2,
                label=label,
            )
        if hollow.any():
            sc = ax.scatter(
                x[layer].to_numpy()[hollow],
                y[layer].to_numpy()[hollow],
                c=shown[hollow],
                cmap=cm,
                norm=norm,
                s=marker_size,
                marker=layer_marker(k),
                linewidths=FLAGGED_EDGE_WIDTH,
                zorder=2,
                label=label if hollow.all() else f"_{label} (flagged)",
            )
            sc.set_facecolor("none")  # hollow: the epoch colours map to the edges
            sc.set_edgecolor(None)
            sm = sm if sm is not None and not hollow.all() else sc
    if ixy is not None:
        ax.axhline(ixy, **IXY_LINE, label=ixy_label(ixy, unit), zorder=0)
    ax.set_xlabel(axis_label("I(X;T)", unit))
    ax.set_ylabel(axis_label("I(T;Y)", unit))
    ax.autoscale_view()
    return sm


def draw_label_information(
    ax: Any,
    mean: Any,
    *,
    ixy: float | None = None,
    layer_labels: Sequence[str] | None = None,
    unit: str = "bits",
) -> None:
    """Draw I(T;Y) against epoch per layer, for estimators that give no I(X;T) (e.g. ``infonce``).

    Args:
        ax: matplotlib Axes.
        mean: DataFrame, one row per (epoch, layer), with columns epoch, layer, i_ty (in
            ``unit``).
        ixy: I(X;Y) in ``unit`` for the dotted line, or ``None``.
        layer_labels: legend labels per layer.
        unit: unit of the values (default ``"bits"``).

    Returns:
        ``None``; ``ax`` holds one line per layer (epochs on a log axis).

    Raises:
        InfoplaneError: for an unknown ``unit``.

    Notes:
        Epoch 0 is drawn at epoch 1 (log axis).

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810.

    Example:
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import matplotlib.pyplot as plt, pandas as pd
        >>> fig, ax = plt.subplots()
        >>> draw_label_information(ax, pd.DataFrame({"epoch": [0, 9], "layer": [1, 1],
        ...                                          "i_ty": [0.1, 0.8]}), unit="nats")
        >>> ax.get_ylabel()
        'I(T;Y) [nats]'
        >>> plt.close(fig)
    """
    y = mean.pivot(index="epoch", columns="layer", values="i_ty")
    epochs = shown_epochs(y.index.to_numpy())
    for k, layer in enumerate(y.columns):
        label = layer_labels[k] if layer_labels is not None else f"layer {layer}"
        ax.plot(epochs, y[layer], marker=layer_marker(k), ms=3, lw=1, label=label)
    if ixy is not None:
        ax.axhline(ixy, **IXY_LINE, label=ixy_label(ixy, unit))
    ax.set_xscale("log")
    ax.set_xlabel(EPOCH_LABEL)
    ax.set_ylabel(axis_label("I(T;Y)", unit))


def plot_information_plane(
    table: Any,
    path: str | Path | None = None,
    *,
    estimators: Sequence[str] | None = None,
    ixy: float | None = None,
    title: str | None = None,
    decorate: Any = None,
) -> Any:
    """Plot the information plane, one panel per estimator, averaged over repeats.

    Each panel: x = I(X;T), y = I(T;Y) in the table's unit (its ``unit`` column; bits without
    one), one marker shape per layer, colour = epoch on a log scale shared by all panels, with one
    colour bar labelled "Epochs"; a dotted line at I(X;Y); title "<estimator> (mean of R
    networks)". An estimator with no I(X;T) (all NaN, e.g. ``infonce``) gets I(T;Y) against epoch.
    Points with a validity flag (the table's ``flags`` column) are hollow, and the legend says so:
    "hollow: flagged (see docs/flags.md)".

    Args:
        table: tidy table with columns repeat, epoch, layer, estimator, i_xt, i_ty (and
            optionally layer_name, unit), one row per (repeat, epoch, layer, estimator).
        path: where to save a PNG (atomically, 150 dpi); ``None`` (default) to only return the
            figure.
        estimators: which estimators, in panel order (default: all in the table).
        ixy: I(X;Y) in the table's unit for the dotted line (default ``None``: no line); for
            class labels and a deterministic task, ``label_entropy(labels, unit=unit)``.
        title: figure title (default none).
        decorate: optional ``decorate(ax, estimator)`` called on each panel (e.g. to draw the IB
            bound).

    Returns:
        The matplotlib Figure (close it with ``plt.close(fig)``).

    Raises:
        InfoplaneError: if an estimator is not in the table, or the table mixes units.

    Notes:
        Repetitions are averaged per (epoch, layer) before drawing: a binned estimate of one
        network is noisy and the papers show means. The averaged points can break the
        data-processing inequality where the estimator does (see
        :func:`infoplane.analysis.consistency.dpi_checks`). A point is hollow when any of the
        rows averaged into it carries a flag (saturated, sparse_bins, ties, not_finite,
        dpi_violation; see :mod:`infoplane.analysis.validity`).

    References:
        1. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
           Information. arXiv 1703.00810.
        2. Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.
        3. Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
           Review. IEEE TNNLS, arXiv 2003.09671.

    Example:
        >>> import pandas as pd
        >>> table = pd.DataFrame({"repeat": 0, "epoch": [0, 0, 100, 100], "layer": [1, 2, 1, 2],
        ...                       "estimator": "binning", "i_xt": [5.0, 3.0, 6.0, 2.0],
        ...                       "i_ty": [0.1, 0.1, 0.9, 0.8], "unit": "bits"})
        >>> fig = plot_information_plane(table, ixy=1.0)
        >>> ax = fig.axes[0]
        >>> ax.get_title(), ax.get_xlabel(), fig.axes[-1].get_ylabel()
        ('binning (mean of 1 network)', 'I(X;T) [bits]', 'Epochs')
        >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    unit = table_unit(table)
    names = list(estimators) if estimators is not None else list(dict.fromkeys(table["estimator"]))
    nrows, ncols = panel_grid(len(names))
    width, height = 5.2 * ncols + 1.0, 4.4 * nrows
    # fixed margins (inches) with the colour bar in the right one: no layout engine, which
    # measured every text of the figure once more at each draw (a third of the figure's time)
    cbar_margin = 0.95
    top = 0.5 if title else 0.3
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(width, height), squeeze=False,
        gridspec_kw=fixed_margins(
            width, height, nrows=nrows, ncols=ncols, left=0.65, right=cbar_margin, bottom=0.5,
            top=top, wspace=0.7, hspace=0.75,
        ),
    )  # fmt: skip
    norm = epoch_norm(table["epoch"].to_numpy())
    sm = None
    any_flagged = False
    labels = layer_legend_labels(table)
    for ax, name in zip(axes.ravel(), names, strict=False):
        mean = mean_over_repeats(table, name)
        n_rep = table.loc[table["estimator"] == name, "repeat"].nunique()
        ax.set_title(f"{name} (mean of {n_rep} network{'s' if n_rep > 1 else ''})", fontsize=10)
        if mean["i_xt"].isna().all():
            draw_label_information(ax, mean, ixy=ixy, layer_labels=labels, unit=unit)
            ax.legend(fontsize=7, loc="upper left", framealpha=0.8)
            ax.set_title(f"{name}: I(T;Y) only (no I(X;T) estimate)", fontsize=10)
            continue
        sm = draw_information_plane(ax, mean, ixy=ixy, norm=norm, layer_labels=labels, unit=unit)
        if "flagged" in mean.columns:
            any_flagged = any_flagged or bool(mean["flagged"].any())
        if decorate is not None:
            decorate(ax, name)
        ax.grid(alpha=0.2)
        trim_ticks_to_view(ax)
    for ax in axes.ravel()[len(names) :]:
        ax.set_visible(False)
    handles, texts = axes.ravel()[0].get_legend_handles_labels()
    if any_flagged:
        handles.append(_flagged_handle())
        texts.append(FLAGGED_LABEL)
    axes.ravel()[0].legend(handles, texts, fontsize=7, loc="lower right", framealpha=0.8)
    if sm is not None:
        # one colour bar for every panel, 0.17 in wide, 0.1 in right of the grid
        x0 = (width - cbar_margin + 0.1) / width
        y0, y1 = 0.5 / height, 1.0 - top / height
        cax = fig.add_axes((x0, y0, 0.17 / width, y1 - y0), label="<colorbar>")
        cbar = fig.colorbar(sm, cax=cax)
        cbar.set_label(EPOCH_LABEL)
    if title:
        fig.suptitle(title)
    if path is not None:
        save_plot(fig, path, dpi=150)
    return fig
