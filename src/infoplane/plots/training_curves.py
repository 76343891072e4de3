"""Training curves: train and test loss (cross-entropy, nats) and accuracy over epochs (log scale)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def plot_training_curves(history: Any, path: str | Path | None = None) -> Any:
    """Plot mean (and min-max band over repeats) of loss and accuracy against epoch.

    Args:
        history: table with columns repeat, epoch, train_loss, train_acc, test_loss, test_acc.
        path: where to save a PNG (atomically), or ``None``.

    Returns:
        The matplotlib Figure.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    g = history.groupby("epoch")
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for ax, metric, label in (
        (axes[0], "loss", "cross-entropy [nats]"),
        (axes[1], "acc", "accuracy"),
    ):
        for split, colour in (("train", "C0"), ("test", "C1")):
            col = f"{split}_{metric}"
            if history[col].isna().all():
                continue
            ax.plot(g[col].mean().index, g[col].mean(), color=colour, label=split)
            ax.fill_between(g[col].min().index, g[col].min(), g[col].max(), color=colour, alpha=0.2)
        ax.set_xscale("log")
        ax.set_xlabel("Epochs")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    if path is not None:
        from infoplane.storage import save_figure

        save_figure(path, fig, dpi=130)
    return fig
