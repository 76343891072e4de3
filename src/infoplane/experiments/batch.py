"""Full-batch gradient descent against stochastic (mini-batch) gradient descent.

Shwartz-Ziv & Tishby (2017, arXiv 1703.00810) attribute compression to the noise of SGD (the
diffusion phase); Saxe et al. (2018, ICLR, Sec. 5) find the same compression with full-batch
gradient descent, which has no mini-batch noise. By default both settings use the same optimiser
(Adam, as in the 2017 paper), so that only the mini-batch noise differs; ``optimizer="sgd"`` gives
plain gradient descent vs plain SGD. With one batch per epoch the gradient std is 0 (SNR infinite):
full-batch runs have no drift-to-diffusion transition by construction.
"""

from __future__ import annotations

from pathlib import Path

from infoplane.experiments._common import (
    ExperimentResult,
    experiment_config,
    final_metrics,
    layer_summary,
    loss_curves,
    run_settings,
    with_overrides,
    write_outputs,
)
from infoplane.interface import InfoplaneError


def batch_experiment(
    out_dir: str | Path,
    *,
    batch_size: int = 128,
    optimizer: str = "adam",
    epochs: int = 400,
    repeats: int = 2,
    seed: int = 0,
    lr: float | None = 0.001,
    n_points: int = 60,
    workers: int = 1,
    progress: bool = True,
) -> ExperimentResult:
    """Train with mini-batches and with the full batch; tabulate per-layer compression and phases.

    Args:
        out_dir: experiment directory (``batch.csv``, ``batch_phases.csv``, ``batch.png``).
        batch_size: mini-batch size of the stochastic setting (>= 1).
        optimizer: ``adam`` (default, both settings) or ``sgd`` (gradient descent vs SGD).
        epochs, repeats, seed, lr, n_points, workers, progress: as in
            :func:`~infoplane.experiments.depth.depth_experiment`.

    Returns:
        :class:`~infoplane.experiments._common.ExperimentResult`; its table has one row per
        (setting, layer): batch_size (0 = full batch), peak_i_xt, final_i_xt, compression_bits,
        final_i_ty, transition_epoch, compression_epoch, final train/test accuracy.

    Raises:
        InfoplaneError: for a batch size < 1 or an unknown optimiser.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810, Sec. 3.4.
        Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR,
        Sec. 5.
    """
    import pandas as pd

    if int(batch_size) < 1:
        raise InfoplaneError(f"batch_size must be >= 1; got {batch_size}.")
    if optimizer not in ("adam", "sgd"):
        raise InfoplaneError(f"optimizer={optimizer!r} is unknown; use 'adam' or 'sgd'.")
    base = experiment_config(
        epochs=epochs,
        repeats=repeats,
        seed=seed,
        lr=lr,
        n_points=n_points,
        overrides={"training": {"optimizer": optimizer}},
    )
    name = "SGD" if optimizer == "sgd" else "Adam"
    configs = {
        f"mini-batch {name} (batch {batch_size})": with_overrides(
            base, {"training": {"batch_size": int(batch_size)}}
        ),
        f"full-batch {name}": with_overrides(base, {"training": {"batch_size": None}}),
    }
    out = Path(out_dir)
    runs = run_settings(configs, out, workers=workers, progress=progress)
    frames = []
    for (label, run), size in zip(runs.items(), (int(batch_size), 0), strict=True):
        final = final_metrics(run.history)
        frames.append(
            layer_summary(run).assign(
                setting=label,
                batch_size=size,
                final_train_acc=final["final_train_acc"],
                final_test_acc=final["final_test_acc"],
            )
        )
    table = pd.concat(frames, ignore_index=True)
    lead = ["setting", "batch_size"]
    table = table[[*lead, *[c for c in table.columns if c not in lead]]]
    return write_outputs(
        "batch",
        out,
        table,
        runs,
        "setting",
        title=f"Mini-batch vs full batch: mean of {repeats} network(s), {epochs} epochs",
        curves=loss_curves(runs),
    )
