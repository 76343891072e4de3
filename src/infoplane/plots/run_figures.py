"""All figures of a run directory, written after estimation (called by the run pipeline)."""

from __future__ import annotations

from typing import Any

import numpy as np


def label_entropy_bits(labels: np.ndarray) -> float:
    """H(Y) in bits of the empirical label distribution (= I(X;Y) when Y is a function of X)."""
    p = np.bincount(labels) / len(labels)
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


def write_run_figures(
    result: Any,
    config: Any,
    dataset: Any,
    *,
    activations: dict[str, np.ndarray] | None = None,
    epochs: np.ndarray | None = None,
) -> list[str]:
    """Write the run's PNG figures into ``result.out_dir`` and return their file names.

    Writes ``information_plane.png`` (one panel per estimator, dotted line at I(X;Y) = H(Y) of the
    evaluated labels) and ``training_curves.png``.
    """
    import matplotlib.pyplot as plt

    from infoplane.plots.information_plane import plot_information_plane
    from infoplane.plots.training_curves import plot_training_curves

    out = result.out_dir
    eval_idx = dataset.evaluation_indices(config.data.mi_on)
    ixy = label_entropy_bits(dataset.y[eval_idx])
    model = config.model
    title = (
        f"{config.data.task}: {'-'.join(map(str, model.hidden))} {model.activation}, "
        f"{config.training.optimizer} lr={config.training.lr:g}"
    )
    written = []
    fig = plot_information_plane(result.plane, out / "information_plane.png", ixy=ixy, title=title)
    plt.close(fig)
    written.append("information_plane.png")
    fig = plot_training_curves(result.history, out / "training_curves.png")
    plt.close(fig)
    written.append("training_curves.png")
    return written
