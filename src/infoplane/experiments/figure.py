"""The experiments' figure: one averaged information plane per setting plus training curves.

It follows the plot conventions of Shwartz-Ziv & Tishby (2017, arXiv 1703.00810): x = I(X;T),
y = I(T;Y), colour = epoch on a log scale shared by all panels (colour bar "Epochs"), one
trajectory per layer, and a dotted line at I(X;Y); each panel marks the layers' phase transitions.
The drawing itself is :func:`~infoplane.plots.information_plane.draw_information_plane`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from infoplane.experiments.results import SettingRun
from infoplane.experiments.summary import mean_history


def plane_figure(
    runs: dict[str, SettingRun],
    path: str | Path,
    *,
    title: str,
    curves: Callable[[Any], None] | None = None,
) -> Path:
    """Write one averaged information plane per setting (shared epoch colours) plus a curves panel.

    Args:
        runs: label -> run, in panel order; each plane table's first estimator is drawn, its
            values in the table's ``unit`` (bits by default).
        path: PNG path (written atomically).
        title: figure title.
        curves: ``curves(ax)`` draws the last panel (e.g. :func:`loss_curves`); ``None`` for none.

    Returns:
        ``path``.

    Raises:
        InfoplaneRuntimeError: if the file cannot be written.

    Example:
        >>> # plane_figure(result.runs, "depth.png", title="Depth")

    Shapes: each plane table has one row per (repeat, epoch, layer, estimator); one panel per
    setting.

    Notes:
        I(X;Y) is the entropy of the 12-bit task's labels (the experiments train on it).

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810, Fig. 2-5.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    from infoplane.analysis.phases import detect_phases
    from infoplane.data import twelve_bit_labels
    from infoplane.estimators.binning import label_entropy
    from infoplane.plots.information_plane import draw_information_plane, mean_over_repeats
    from infoplane.plots.snr import mark_phases
    from infoplane.storage import save_figure

    n = len(runs) + (curves is not None)
    ncols = min(n, 4)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(4.3 * ncols + 1, 3.8 * nrows), squeeze=False, layout="constrained"
    )
    top = max(int(r.plane["epoch"].max()) for r in runs.values())
    norm = LogNorm(vmin=1, vmax=max(top, 2))
    ixy = label_entropy(twelve_bit_labels())
    sm = None
    for ax, (label, run) in zip(axes.ravel(), runs.items(), strict=False):
        est = str(run.plane["estimator"].iloc[0])
        rows = run.plane[run.plane["estimator"] == est]
        unit = str(rows["unit"].iloc[0]) if "unit" in rows else "bits"
        mean = mean_over_repeats(run.plane, est)
        sm = draw_information_plane(ax, mean, ixy=ixy, norm=norm, unit=unit)
        mark_phases(ax, mean, detect_phases(rows, run.gradients))
        ax.set_title(label, fontsize=10)
        ax.grid(alpha=0.2)
    axes.ravel()[0].legend(fontsize=6, loc="lower right", framealpha=0.8)
    if curves is not None:
        curves(axes.ravel()[len(runs)])
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    if sm is not None:
        cbar = fig.colorbar(sm, ax=axes.ravel().tolist(), pad=0.01, fraction=0.02, shrink=0.9)
        cbar.set_label("Epochs")
    fig.suptitle(title, fontsize=11)
    save_figure(path, fig, dpi=130)
    plt.close(fig)
    return Path(path)


def loss_curves(
    runs: dict[str, SettingRun], *, marks: dict[str, float] | None = None
) -> Callable[[Any], None]:
    """Return a ``curves(ax)`` that draws train (solid) and test (dashed) loss per setting.

    Args:
        runs: label -> run (its repeat-averaged history is drawn; cross-entropy in nats).
        marks: label -> an epoch to mark with a dot on that setting's train loss (e.g. its
            convergence epoch); NaN or missing: no dot.

    Returns:
        A function of a matplotlib Axes that draws the panel (log-scaled epochs).

    Raises:
        InfoplaneError: when called, for a history without an ``epoch`` column.

    Example:
        >>> draw = loss_curves({})
        >>> callable(draw)
        True

    Shapes: each history has one row per (repeat, epoch); one train and one test curve per
    setting.

    Notes:
        Colours cycle through matplotlib's ten default colours.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810.
    """

    def draw(ax: Any) -> None:
        colors = iter(["C0", "C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9"] * 4)
        for label, run in runs.items():
            h = mean_history(run.history)
            c = next(colors)
            ax.plot(h.index, h["train_loss"], color=c, lw=1.2, label=label)
            if h["test_loss"].notna().any():
                ax.plot(h.index, h["test_loss"], color=c, lw=1.0, ls="--")
            if marks and np.isfinite(marks.get(label, np.nan)):
                e = marks[label]
                ax.plot([e], [np.interp(e, h.index, h["train_loss"])], "o", color=c, ms=5)
        ax.set_xscale("log")
        ax.set_xlabel("Epochs")
        ax.set_ylabel("cross-entropy [nats]")
        ax.set_title("train (solid), test (dashed)", fontsize=10)
        ax.grid(alpha=0.2, which="both")
        ax.legend(fontsize=6)

    return draw
