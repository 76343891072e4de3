"""Figures of the consistency checks: DPI violations on the plane, sensitivity to a parameter.

The checks are computed in :mod:`infoplane.analysis.consistency` (Geiger 2021, arXiv 2003.09671);
this module only draws them, in the style of :mod:`infoplane.plots.style`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from infoplane.analysis.consistency import QUANTITIES, mean_dpi_violations, sensitivity_verdict
from infoplane.analysis.tables import require_columns, table_unit
from infoplane.plots.style import axis_label

__all__ = ["mark_dpi_violations", "plot_parameter_sensitivity"]


def mark_dpi_violations(
    ax: Any,
    plane: Any,
    *,
    estimator: str | None = None,
    tolerance: float = 0.0,
    quantities: Sequence[str] = QUANTITIES,
    size: float = 60.0,
    color: str = "red",
) -> int:
    """Circle the points of an information-plane Axes where the averaged plane breaks the DPI.

    The point of the deeper layer l at each epoch where q(T_l) > q(T_{l-1}) + ``tolerance`` (on
    the repeat-averaged plane, as drawn by
    :func:`infoplane.plots.information_plane.plot_information_plane`) gets an open circle.

    Args:
        ax: matplotlib Axes with the information plane (x = I(X;T), y = I(T;Y)).
        plane: information-plane table with columns repeat, epoch, layer, estimator, i_xt, i_ty,
            (n_repeats * n_epochs * n_layers) rows per estimator (see
            :func:`infoplane.analysis.consistency.dpi_checks`).
        estimator: which estimator's panel (``None``: the table must hold exactly one).
        tolerance: allowed excess, in the table's unit (default 0).
        quantities: which inequalities to check (default both, ``("i_xt", "i_ty")``).
        size: marker area (default 60 points^2).
        color: marker edge colour (default red).

    Returns:
        The number of points marked (distinct epoch, layer pairs); ``ax`` gains one collection
        (labelled "DPI violation (n)") when it is above 0.

    Raises:
        InfoplaneError: as :func:`~infoplane.analysis.consistency.mean_dpi_violations`.

    Notes:
        The marks are for the averaged plane that is drawn; the per-network checks of
        :func:`~infoplane.analysis.consistency.dpi_checks` count more violations.

    References:
        Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
        Review. IEEE TNNLS, arXiv 2003.09671.

    Example:
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import matplotlib.pyplot as plt, pandas as pd
        >>> plane = pd.DataFrame({"repeat": 0, "epoch": 0, "layer": [1, 2], "estimator": "b",
        ...                       "i_xt": [2.0, 3.0], "i_ty": [1.0, 0.5]})
        >>> fig, ax = plt.subplots()
        >>> mark_dpi_violations(ax, plane)
        1
        >>> plt.close(fig)
    """
    bad = mean_dpi_violations(
        plane, estimator=estimator, tolerance=tolerance, quantities=quantities
    )
    pts = bad.drop_duplicates(["epoch", "layer"])
    if len(pts):
        ax.scatter(
            pts["i_xt"],
            pts["i_ty"],
            s=size,
            facecolors="none",
            edgecolors=color,
            linewidths=1.0,
            zorder=6,
            label=f"DPI violation ({len(pts)})",
        )
    return len(pts)


def plot_parameter_sensitivity(
    table: Any, path: str | Path | None = None, *, title: str | None = None
) -> Any:
    """Heat map of the compression (peak minus final I(X;T)) per layer and estimator setting.

    Cells are annotated with the compression in the table's unit; a cell is outlined when it
    counts as compressing. The verdict per layer (all / some / none) is written at the row's end.

    Args:
        table: from :func:`infoplane.analysis.consistency.parameter_sensitivity`,
            (n_settings * n_layers) rows, one per (setting, layer), with columns setting, layer, layer_name, compression, compresses
            (and unit).
        path: where to save a PNG (atomically, 150 dpi); ``None`` (default) to only return the
            figure.
        title: figure title (default "Does compression survive the estimator's parameter?").

    Returns:
        The matplotlib Figure: one Axes with an image of n_layers x n_settings cells and a colour
        bar labelled "compression: peak - final I(X;T) [<unit>]".

    Raises:
        InfoplaneError: for a table without those columns, or one that mixes units.

    Notes:
        A layer that compresses at one setting and not at another shows that the compression is a
        property of the estimator's parameter, not of the network (Saxe et al. 2018).

    References:
        1. Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
           Review. IEEE TNNLS, arXiv 2003.09671.
        2. Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.

    Example:
        >>> import pandas as pd
        >>> t = pd.DataFrame({"setting": ["n_bins=10", "n_bins=30"], "layer": 1,
        ...                   "layer_name": "h1", "compression": [0.0, 0.4],
        ...                   "compresses": [False, True]})
        >>> fig = plot_parameter_sensitivity(t)
        >>> fig.axes[-1].get_ylabel()
        'compression: peak - final I(X;T) [bits]'
        >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    require_columns(
        table,
        "table",
        ["setting", "layer", "layer_name", "compression", "compresses"],
        hint="the table of infoplane.analysis.consistency.parameter_sensitivity",
    )
    unit = table_unit(table)
    settings = list(dict.fromkeys(table["setting"]))
    layers = sorted(table["layer"].unique())
    grid = table.pivot(index="layer", columns="setting", values="compression").loc[layers, settings]
    flags = table.pivot(index="layer", columns="setting", values="compresses").loc[layers, settings]
    verdict = sensitivity_verdict(table).set_index("layer")["verdict"]
    fig, ax = plt.subplots(figsize=(1.5 * len(settings) + 3.2, 0.55 * len(layers) + 1.6))
    vmax = max(float(np.nanmax(np.abs(grid.to_numpy()))), 1e-9)
    im = ax.imshow(grid.to_numpy(), cmap="Greens", vmin=0, vmax=vmax, aspect="auto")
    for i in range(len(layers)):
        for j in range(len(settings)):
            v = grid.iat[i, j]
            ax.text(
                j,
                i,
                f"{v:.2f}",
                ha="center",
                va="center",
                fontsize=8,
                color="white" if v > 0.6 * vmax else "black",
            )
            if bool(flags.iat[i, j]):
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, lw=1.5, ec="k"))
        ax.text(len(settings) - 0.35, i, verdict.get(layers[i], ""), va="center", fontsize=9)
    names = table.drop_duplicates("layer").set_index("layer")["layer_name"]
    ax.set_yticks(range(len(layers)), [f"{lay}: {names[lay]}" for lay in layers], fontsize=8)
    ax.set_xticks(range(len(settings)), settings, rotation=30, ha="right", fontsize=8)
    ax.set_xlim(-0.5, len(settings) + 0.5)
    cbar = fig.colorbar(im, ax=ax, fraction=0.05, pad=0.02)
    cbar.set_label(axis_label("compression: peak - final I(X;T)", unit))
    ax.set_title(title or "Does compression survive the estimator's parameter?", fontsize=10)
    fig.tight_layout()
    if path is not None:
        from infoplane.storage import save_figure

        save_figure(path, fig, dpi=150, bbox_inches="tight")
    return fig
