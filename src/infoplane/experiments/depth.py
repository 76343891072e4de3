"""Depth: more hidden layers converge in fewer epochs (Shwartz-Ziv & Tishby 2017, Sec. 3.5).

The 2017 paper (arXiv 1703.00810, Sec. 3.5 and Fig. 5) trains networks with 1 to 6 hidden layers
and reports that the added layers cut the number of epochs needed to fit and to compress. Widths
follow their description: the first hidden layer has 12 units and each further one 2 fewer
(12, 10, 8, 6, 4, 2). Time to convergence is ours: see
:func:`~infoplane.experiments._common.convergence_epoch`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from infoplane.experiments._common import (
    ExperimentResult,
    convergence_epoch,
    epochs_to_accuracy,
    experiment_config,
    final_metrics,
    loss_curves,
    run_settings,
    with_overrides,
    write_outputs,
)
from infoplane.interface import InfoplaneError

#: Hidden widths of the deepest network; depth k uses the first k.
DEPTH_WIDTHS: tuple[int, ...] = (12, 10, 8, 6, 4, 2)


def depth_experiment(
    out_dir: str | Path,
    *,
    depths: Sequence[int] = (1, 2, 3, 4, 5, 6),
    epochs: int = 400,
    repeats: int = 2,
    seed: int = 0,
    lr: float | None = 0.001,
    fraction: float = 0.95,
    accuracy: float = 0.9,
    n_points: int = 60,
    workers: int = 1,
    progress: bool = True,
) -> ExperimentResult:
    """Train networks of increasing depth; tabulate time to convergence and draw their planes.

    Args:
        out_dir: experiment directory (runs in ``runs/``; ``depth.csv``, ``depth_phases.csv``,
            ``depth.png``).
        depths: numbers of hidden layers, each in 1..6 (widths 12, 10, 8, 6, 4, 2 truncated).
        epochs: training epochs per network (the paper: thousands; the default is a quick look).
        repeats: networks per depth (averaged).
        seed: seed of the first network.
        lr: Adam learning rate (default 1e-3, faster than the paper's 4e-4 for short runs;
            ``None``: the preset's).
        fraction: share of the loss decrease defining convergence (see
            :func:`~infoplane.experiments._common.convergence_epoch`).
        accuracy: training-accuracy level for the ``epochs_to_accuracy`` column.
        n_points: size of the log-spaced capture grid.
        workers: local processes (1: this process).
        progress: progress bars.

    Returns:
        :class:`~infoplane.experiments._common.ExperimentResult`; its table has one row per depth:
        depth, architecture, convergence_epoch, epochs_to_accuracy, final_train_loss (nats),
        final_train_acc, final_test_loss, final_test_acc, seconds.

    Raises:
        InfoplaneError: for a depth outside 1..6 or invalid training values.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810, Sec. 3.5, Fig. 5.
    """
    import pandas as pd

    depths = [int(d) for d in depths]
    if not depths or any(d < 1 or d > len(DEPTH_WIDTHS) for d in depths):
        raise InfoplaneError(f"depths must be in 1..{len(DEPTH_WIDTHS)}; got {depths}.")
    base = experiment_config(epochs=epochs, repeats=repeats, seed=seed, lr=lr, n_points=n_points)
    configs = {
        f"{d} hidden layer{'s' if d > 1 else ''}": with_overrides(
            base, {"model": {"hidden": list(DEPTH_WIDTHS[:d])}}
        )
        for d in depths
    }
    out = Path(out_dir)
    runs = run_settings(configs, out, workers=workers, progress=progress)
    rows, marks = [], {}
    for d, (label, run) in zip(depths, runs.items(), strict=True):
        conv = convergence_epoch(run.history, fraction=fraction)
        marks[label] = conv
        rows.append(
            {
                "depth": d,
                "architecture": "-".join(map(str, DEPTH_WIDTHS[:d])),
                "convergence_epoch": conv,
                "epochs_to_accuracy": epochs_to_accuracy(run.history, accuracy),
                **final_metrics(run.history),
                "seconds": run.seconds,
            }
        )
    table = pd.DataFrame(rows)
    return write_outputs(
        "depth",
        out,
        table,
        runs,
        "setting",
        title=f"Depth: mean of {repeats} network(s), {epochs} epochs (dots: convergence, ours)",
        curves=loss_curves(runs, marks=marks),
    )
