"""Activation functions: does compression need saturation? (Saxe et al. 2018, ICLR).

Saxe et al. (2018) show that the compression phase seen with tanh (Shwartz-Ziv & Tishby 2017,
arXiv 1703.00810) is absent with ReLU and with linear networks, and attribute it to the double-sided
saturation of tanh under binning. Binning on a fixed [-1, 1] range would assume tanh, so this
experiment bins every activation on the range of its own data (30 bins from the minimum to the
maximum of each layer over the run).
"""

from __future__ import annotations

from collections.abc import Sequence
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

#: Binning that does not assume a bounded activation.
DATA_RANGE_BINNING = {"name": "binning", "params": {"n_bins": 30, "range": "data"}}


def activation_experiment(
    out_dir: str | Path,
    *,
    activations: Sequence[str] = ("tanh", "relu", "linear"),
    epochs: int = 400,
    repeats: int = 2,
    seed: int = 0,
    lr: float | None = 0.001,
    n_points: int = 60,
    workers: int = 1,
    progress: bool = True,
) -> ExperimentResult:
    """Train the 2017 network with several activations; tabulate per-layer compression.

    Args:
        out_dir: experiment directory (``activation.csv``, ``activation_phases.csv``,
            ``activation.png``).
        activations: activation names (``tanh``, ``relu``, ``linear``, ``sigmoid``, ...).
        epochs, repeats, seed, lr, n_points, workers, progress: as in
            :func:`~infoplane.experiments.depth.depth_experiment`.

    Returns:
        :class:`~infoplane.experiments._common.ExperimentResult`; its table has one row per
        (activation, layer): peak_i_xt, final_i_xt, compression_bits (peak - final, bits),
        final_i_ty, transition_epoch, compression_epoch, final train/test accuracy.

    Raises:
        InfoplaneError: for an unknown activation.

    References:
        Saxe, A. M., Bansal, Y., Dapello, J., Advani, M., Kolchinsky, A., Tracey, B. D. & Cox,
        D. D. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.
    """
    import pandas as pd

    from infoplane.models.mlp import ACTIVATIONS

    activations = list(activations)
    unknown = [a for a in activations if a not in ACTIVATIONS]
    if not activations or unknown:
        raise InfoplaneError(
            f"activations {unknown or activations} are not valid; choose from "
            f"{', '.join(ACTIVATIONS)}."
        )
    base = experiment_config(
        epochs=epochs,
        repeats=repeats,
        seed=seed,
        lr=lr,
        n_points=n_points,
        estimator=DATA_RANGE_BINNING,
    )
    configs = {a: with_overrides(base, {"model": {"activation": a}}) for a in activations}
    out = Path(out_dir)
    runs = run_settings(configs, out, workers=workers, progress=progress)
    frames = []
    for act, run in runs.items():
        final = final_metrics(run.history)
        frames.append(
            layer_summary(run).assign(
                activation=act,
                final_train_acc=final["final_train_acc"],
                final_test_acc=final["final_test_acc"],
            )
        )
    table = pd.concat(frames, ignore_index=True)
    table = table[["activation", *[c for c in table.columns if c != "activation"]]]
    return write_outputs(
        "activation",
        out,
        table,
        runs,
        "setting",
        title=f"Activation (binning on each layer's range): mean of {repeats} network(s), "
        f"{epochs} epochs",
        curves=loss_curves(runs),
    )
