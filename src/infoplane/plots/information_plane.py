"""The information-plane figure in the conventions of Shwartz-Ziv & Tishby (2017), arXiv 1703.00810.

x = I(X;T), y = I(T;Y) (bits); colour = epoch on a log scale with a colour bar "Epochs"; one marker
shape per layer (its trajectory over training); thin lines, coloured by epoch, join the layers of one
epoch; a dotted line at I(X;Y). Values are averaged over repetitions.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from infoplane.interface import InfoplaneError

LAYER_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "h", "<", ">", "p")
EPOCH_CMAP = "gnuplot"


def mean_over_repeats(table: Any, estimator: str | None = None) -> Any:
    """Average ``i_xt`` and ``i_ty`` over repeats per (epoch, layer) for one estimator.

    Args:
        table: tidy table with columns repeat, epoch, layer, estimator, i_xt, i_ty.
        estimator: which estimator's rows; ``None`` requires the table to hold exactly one.

    Returns:
        DataFrame with columns epoch, layer, i_xt, i_ty (bits), sorted.

    Raises:
        InfoplaneError: if ``estimator`` is missing from the table, or ``None`` with several present.
    """
    names = list(dict.fromkeys(table["estimator"]))
    if estimator is None:
        if len(names) != 1:
            raise InfoplaneError(f"the table holds estimators {names}; pass estimator=one of them.")
        estimator = names[0]
    if estimator not in names:
        raise InfoplaneError(f"estimator {estimator!r} is not in the table; it holds {names}.")
    rows = table[table["estimator"] == estimator]
    return (
        rows.groupby(["epoch", "layer"], as_index=False)[["i_xt", "i_ty"]]
        .mean()
        .sort_values(["epoch", "layer"], ignore_index=True)
    )


def layer_legend_labels(table: Any) -> list[str] | None:
    """Legend labels per layer: "layer l" for hidden layers, "output (softmax)" for a softmax layer."""
    if "layer_name" not in table.columns:
        return None
    names = table.drop_duplicates("layer").sort_values("layer")
    return [
        "output (softmax)" if str(n).endswith("softmax") else f"layer {int(l)}"
        for l, n in zip(names["layer"], names["layer_name"], strict=True)  # noqa: E741
    ]


def draw_information_plane(
    ax: Any,
    mean: Any,
    *,
    ixy: float | None = None,
    norm: Any = None,
    cmap: str = EPOCH_CMAP,
    layer_labels: Sequence[str] | None = None,
    marker_size: float = 22.0,
) -> Any:
    """Draw averaged information-plane trajectories on a matplotlib Axes.

    Args:
        ax: matplotlib Axes.
        mean: DataFrame with epoch, layer, i_xt, i_ty (bits), e.g. from :func:`mean_over_repeats`.
        ixy: I(X;Y) in bits for the dotted line, or ``None``.
        norm: a matplotlib colour norm for epochs (default: log scale over the epochs present).
        cmap: colour map of epochs.
        layer_labels: legend labels per layer (default "layer 1", ...).
        marker_size: scatter marker area.

    Returns:
        The ScalarMappable of the epoch colours (for a colour bar).
    """
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection
    from matplotlib.colors import LogNorm

    x = mean.pivot(index="epoch", columns="layer", values="i_xt")
    y = mean.pivot(index="epoch", columns="layer", values="i_ty")
    epochs = x.index.to_numpy()
    shown = np.maximum(epochs, 1)  # epoch 0 (initialisation) shares the colour of epoch 1
    if norm is None:
        norm = LogNorm(vmin=shown.min(), vmax=max(shown.max(), shown.min() + 1))
    cm = plt.get_cmap(cmap)
    segments = np.stack([x.to_numpy(), y.to_numpy()], axis=-1)  # (E, L, 2): a polyline per epoch
    lines = LineCollection(segments, colors=cm(norm(shown)), linewidths=0.5, alpha=0.35, zorder=1)
    ax.add_collection(lines)
    sm = None
    for k, layer in enumerate(x.columns):
        label = layer_labels[k] if layer_labels is not None else f"layer {layer}"
        sm = ax.scatter(
            x[layer],
            y[layer],
            c=shown,
            cmap=cm,
            norm=norm,
            s=marker_size,
            marker=LAYER_MARKERS[k % len(LAYER_MARKERS)],
            edgecolors="none",
            zorder=2,
        )
        ax.scatter([], [], marker=LAYER_MARKERS[k % len(LAYER_MARKERS)], color="0.3", label=label)
    if ixy is not None:
        ax.axhline(ixy, ls=":", color="k", lw=1.2, label=f"I(X;Y) = {ixy:.3f} bits", zorder=0)
    ax.set_xlabel("I(X;T) [bits]")
    ax.set_ylabel("I(T;Y) [bits]")
    ax.autoscale_view()
    return sm


def draw_label_information(
    ax: Any, mean: Any, *, ixy: float | None = None, layer_labels: Sequence[str] | None = None
) -> None:
    """Draw I(T;Y) against epoch per layer, for estimators that give no I(X;T) (e.g. ``infonce``).

    Args:
        ax: matplotlib Axes.
        mean: DataFrame with epoch, layer, i_ty (bits).
        ixy: I(X;Y) in bits for the dotted line, or ``None``.
        layer_labels: legend labels per layer.
    """
    y = mean.pivot(index="epoch", columns="layer", values="i_ty")
    epochs = np.maximum(y.index.to_numpy(), 1)
    for k, layer in enumerate(y.columns):
        label = layer_labels[k] if layer_labels is not None else f"layer {layer}"
        ax.plot(
            epochs, y[layer], marker=LAYER_MARKERS[k % len(LAYER_MARKERS)], ms=3, lw=1, label=label
        )
    if ixy is not None:
        ax.axhline(ixy, ls=":", color="k", lw=1.2)
    ax.set_xscale("log")
    ax.set_xlabel("Epochs")
    ax.set_ylabel("I(T;Y) [bits]")


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

    Args:
        table: tidy table (repeat, epoch, layer, estimator, i_xt, i_ty) in bits.
        path: where to save a PNG (atomically); ``None`` to only return the figure.
        estimators: which estimators, in panel order (default: all in the table).
        ixy: I(X;Y) in bits for the dotted line.
        title: figure title.
        decorate: optional ``decorate(ax, estimator)`` called on each panel (e.g. to draw the IB
            bound).

    Returns:
        The matplotlib Figure.

    Raises:
        InfoplaneError: if an estimator is not in the table.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    names = list(estimators) if estimators is not None else list(dict.fromkeys(table["estimator"]))
    n = len(names)
    ncols = min(n, 3)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(5.2 * ncols + 1.0, 4.4 * nrows), squeeze=False, layout="constrained"
    )
    epochs = np.maximum(table["epoch"].to_numpy(), 1)
    norm = LogNorm(vmin=epochs.min(), vmax=max(epochs.max(), epochs.min() + 1))
    sm = None
    labels = layer_legend_labels(table)
    for ax, name in zip(axes.ravel(), names, strict=False):
        mean = mean_over_repeats(table, name)
        n_rep = table.loc[table["estimator"] == name, "repeat"].nunique()
        ax.set_title(f"{name} (mean of {n_rep} network{'s' if n_rep > 1 else ''})", fontsize=10)
        if mean["i_xt"].isna().all():
            draw_label_information(ax, mean, ixy=ixy, layer_labels=labels)
            ax.legend(fontsize=7, loc="upper left", framealpha=0.8)
            ax.set_title(f"{name}: I(T;Y) only (no I(X;T) estimate)", fontsize=10)
            continue
        sm = draw_information_plane(ax, mean, ixy=ixy, norm=norm, layer_labels=labels)
        if decorate is not None:
            decorate(ax, name)
        ax.grid(alpha=0.2)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    axes.ravel()[0].legend(fontsize=7, loc="lower right", framealpha=0.8)
    if sm is not None:
        cbar = fig.colorbar(sm, ax=axes.ravel().tolist(), pad=0.02, fraction=0.04)
        cbar.set_label("Epochs")
    if title:
        fig.suptitle(title)
    if path is not None:
        from infoplane.storage import save_figure

        save_figure(path, fig, dpi=150, bbox_inches="tight")
    return fig
