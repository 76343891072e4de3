"""Training curves: train and test loss (cross-entropy, nats) and accuracy over epochs (log scale)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def plot_training_curves(history: Any, path: str | Path | None = None) -> Any:
    """Plot mean (and min-max band over repeats) of loss and accuracy against epoch.

    Args:
        history: table of (n_repeats * n_epochs) rows, one per (repeat, epoch), with columns repeat, epoch, train_loss,
            test_loss (cross-entropy in nats), train_acc, test_acc (shares in [0, 1]).
        path: where to save a PNG (atomically, 130 dpi), or ``None`` (default).

    Returns:
        The matplotlib Figure: two panels (y labels "cross-entropy [nats]" and "accuracy", x
        label "Epochs" on a log axis), one line and band per split.

    Raises:
        KeyError: if a column is missing.

    Notes:
        A split whose values are all NaN (no test set) is left out; epoch 0 is dropped by the log
        axis.

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810.

    Example:
        >>> import pandas as pd
        >>> h = pd.DataFrame({"repeat": 0, "epoch": [1, 10], "train_loss": [0.7, 0.2],
        ...                   "test_loss": [0.7, 0.3], "train_acc": [0.5, 0.9],
        ...                   "test_acc": [0.5, 0.8]})
        >>> fig = plot_training_curves(h)
        >>> [ax.get_ylabel() for ax in fig.axes]
        ['cross-entropy [nats]', 'accuracy']
        >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.ticker import LogLocator

    from infoplane.plots.style import (
        EPOCH_LABEL,
        SPLIT_COLORS,
        fixed_margins,
        save_plot,
        trim_ticks_to_view,
    )

    g = history.groupby("epoch")
    # fixed margins (inches): no layout pass measuring every label again before the save
    margins = fixed_margins(10.0, 3.8, ncols=2, left=0.75, right=0.15, bottom=0.6, top=0.15,
                            wspace=0.75)  # fmt: skip
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), gridspec_kw=margins)
    for ax, metric, label in (
        (axes[0], "loss", "cross-entropy [nats]"),
        (axes[1], "acc", "accuracy"),
    ):
        for split, colour in SPLIT_COLORS.items():
            col = f"{split}_{metric}"
            if history[col].isna().all():
                continue
            ax.plot(g[col].mean().index, g[col].mean(), color=colour, label=split)
            ax.fill_between(g[col].min().index, g[col].min(), g[col].max(), color=colour, alpha=0.2)
        ax.set_xscale("log")
        # minor ticks at 2 and 5 per decade, as in the SNR figure: fewer tick artists to draw
        ax.xaxis.set_minor_locator(LogLocator(subs=(2.0, 5.0)))
        trim_ticks_to_view(ax)
        ax.set_xlabel(EPOCH_LABEL)
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend()
    if path is not None:
        save_plot(fig, path, dpi=130)
    return fig
