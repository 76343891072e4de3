"""Training-set size shapes the information plane (Shwartz-Ziv & Tishby 2017, Sec. 3.3, Fig. 3).

The 2017 paper trains on 5%, 45% and 85% of the 12-bit task and reports that with little data the
last layers lose I(T;Y) during compression (overfitting), while with more data they keep it.
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


def train_size_experiment(
    out_dir: str | Path,
    *,
    fractions: Sequence[float] = (0.05, 0.45, 0.85),
    epochs: int = 400,
    repeats: int = 2,
    seed: int = 0,
    lr: float | None = 0.001,
    n_points: int = 60,
    workers: int = 1,
    progress: bool = True,
) -> ExperimentResult:
    """Train on several training-set sizes; tabulate fit, generalisation and the last layer's plane.

    Args:
        out_dir: experiment directory (``train_size.csv``, ``train_size_phases.csv``,
            ``train_size.png``).
        fractions: training shares of the 4096 inputs, each in (0, 1) (stratified splits).
        epochs, repeats, seed, lr, n_points, workers, progress: as in
            :func:`~infoplane.experiments.depth.depth_experiment`.

    Returns:
        :class:`~infoplane.experiments._common.ExperimentResult`; its table has one row per
        fraction: train_fraction, n_train, final train/test loss (nats) and accuracy,
        generalization_gap (test - train loss), last_hidden_i_xt and last_hidden_i_ty (bits, at the
        last epoch, averaged), seconds.

    Raises:
        InfoplaneError: for a fraction outside (0, 1).

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810, Sec. 3.3, Fig. 3.
    """
    import pandas as pd

    from infoplane.run.engine import load_dataset

    fractions = [float(f) for f in fractions]
    if not fractions or any(not 0.0 < f < 1.0 for f in fractions):
        raise InfoplaneError(f"fractions must be in (0, 1), e.g. 0.05 0.45 0.85; got {fractions}.")
    base = experiment_config(epochs=epochs, repeats=repeats, seed=seed, lr=lr, n_points=n_points)
    configs = {
        f"{f:.0%} training data": with_overrides(base, {"data": {"train_fraction": f}})
        for f in fractions
    }
    out = Path(out_dir)
    runs = run_settings(configs, out, workers=workers, progress=progress)
    rows = []
    n_hidden = len(base.model.hidden)
    for f, (label, run) in zip(fractions, runs.items(), strict=True):
        final = final_metrics(run.history)
        last = layer_summary(run).set_index("layer").loc[n_hidden]
        rows.append(
            {
                "train_fraction": f,
                "n_train": len(load_dataset(configs[label]).train_idx),
                **final,
                "generalization_gap": final["final_test_loss"] - final["final_train_loss"],
                "last_hidden_i_xt": float(last["final_i_xt"]),
                "last_hidden_i_ty": float(last["final_i_ty"]),
                "seconds": run.seconds,
            }
        )
    return write_outputs(
        "train_size",
        out,
        pd.DataFrame(rows),
        runs,
        "setting",
        title=f"Training-set size: mean of {repeats} network(s), {epochs} epochs",
        curves=loss_curves(runs),
    )
