"""Figure of compression against the generalisation gap across runs (one panel per layer).

The table is computed by :func:`infoplane.analysis.generalization.compression_vs_generalization`;
this module only draws it, in the style of :mod:`infoplane.plots.style`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from infoplane.analysis.generalization import gap_column, gap_correlations
from infoplane.analysis.tables import select_estimator, table_unit
from infoplane.plots.style import LAYER_COLORS, axis_label, panel_grid

__all__ = ["plot_compression_vs_generalization"]


def plot_compression_vs_generalization(
    table: Any,
    path: str | Path | None = None,
    *,
    gap: str = "accuracy",
    estimator: str | None = None,
    layers: Sequence[int] | None = None,
) -> Any:
    """Scatter of compression (x) against the generalisation gap (y), one panel per layer.

    Points are coloured by activation; each panel's title gives the Spearman correlation across
    the points.

    Args:
        table: from :func:`infoplane.analysis.generalization.compression_vs_generalization`,
            (n_runs * n_layers) rows per estimator, one per (run, estimator, layer[, repeat]) with columns estimator, layer, layer_name,
            activation, run, compression, acc_gap, loss_gap (and unit).
        path: where to save a PNG (atomically, 150 dpi); ``None`` (default) to only return the
            figure.
        gap: ``"accuracy"`` (default: train - test accuracy) or ``"loss"`` (test - train, nats).
        estimator: which estimator (``None``: the table must hold exactly one).
        layers: which layers (default: all), one panel each.

    Returns:
        The matplotlib Figure: one Axes per layer (x label "compression: peak - final I(X;T)
        [<unit>]" on the bottom row), one scatter collection per activation.

    Raises:
        InfoplaneError: for an unknown ``gap``, an estimator not in the table (or several with
            ``estimator=None``), or a table that mixes units.

    Notes:
        Across runs that differ in activation or architecture, a correlation can come from the
        difference itself (tanh compresses, ReLU does not): compare within a colour too.

    References:
        1. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
           Information. arXiv 1703.00810.
        2. Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.

    Example:
        >>> import pandas as pd
        >>> t = pd.DataFrame({"run": ["a", "b"], "estimator": "binning", "layer": 1,
        ...                   "layer_name": "h1", "activation": ["tanh", "relu"],
        ...                   "compression": [0.5, 0.0], "acc_gap": [0.1, 0.2],
        ...                   "loss_gap": [0.3, 0.4], "unit": "bits"})
        >>> fig = plot_compression_vs_generalization(t)
        >>> fig.axes[0].get_xlabel()
        'compression: peak - final I(X;T) [bits]'
        >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    col, ylabel = gap_column(gap)
    estimator = select_estimator(table, estimator, name="table")
    t = table[table["estimator"] == estimator]
    unit = table_unit(t)
    layer_list = list(layers) if layers is not None else sorted(t["layer"].unique())
    nrows, ncols = panel_grid(len(layer_list))
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(4.0 * ncols, 3.3 * nrows), squeeze=False, sharey=True
    )
    corr = gap_correlations(t, gap=gap).set_index("layer")["spearman"]
    acts = list(dict.fromkeys(t["activation"]))
    for ax, layer in zip(axes.ravel(), layer_list, strict=False):
        sub = t[t["layer"] == layer]
        for k, act in enumerate(acts):
            s = sub[sub["activation"] == act]
            ax.scatter(
                s["compression"],
                s[col],
                s=28,
                color=LAYER_COLORS[k % len(LAYER_COLORS)],
                label=act or "run",
                edgecolors="white",
                linewidths=0.5,
            )
        name = sub["layer_name"].iloc[0] if len(sub) else ""
        r = corr.get(layer, np.nan)
        rtxt = f"ρ = {r:.2f}" if np.isfinite(r) else "ρ: n/a"
        ax.set_title(f"layer {layer} ({name}), {rtxt}", fontsize=9)
        ax.axvline(0, color="0.7", lw=0.8)
        ax.grid(alpha=0.25)
    for ax in axes.ravel()[len(layer_list) :]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel(axis_label("compression: peak - final I(X;T)", unit))
    for ax in axes[:, 0]:
        ax.set_ylabel(ylabel, fontsize=8)
    axes.ravel()[0].legend(fontsize=7, framealpha=0.8)
    fig.suptitle(
        f"Compression and generalisation across {t['run'].nunique()} runs ({estimator})",
        fontsize=11,
    )
    fig.tight_layout()
    if path is not None:
        from infoplane.storage import save_figure

        save_figure(path, fig, dpi=150, bbox_inches="tight")
    return fig
