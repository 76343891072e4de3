"""Training-set size shapes the information plane (Shwartz-Ziv & Tishby 2017, Sec. 3.3, Fig. 3).

The 2017 paper trains on 5%, 45% and 85% of the 12-bit task and reports that with little data the
last layers lose I(T;Y) during compression (overfitting), while with more data they keep it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

from infoplane.experiments.results import ExperimentResult, SettingRun
from infoplane.experiments.runner import Experiment, ExperimentOptions, run_experiment_spec
from infoplane.experiments.summary import final_metrics, layer_summary
from infoplane.interface import InfoplaneError


def _label(fraction: float) -> str:
    return f"{fraction:.0%} training data"


def _table(runs: dict[str, SettingRun], configs: dict[str, Any], *, fractions: list[float]) -> Any:
    import pandas as pd

    from infoplane.run.setup import load_dataset

    rows = []
    for f in fractions:
        label = _label(f)
        run, config = runs[label], configs[label]
        final = final_metrics(run.history)
        last = layer_summary(run).set_index("layer").loc[len(config.model.hidden)]
        rows.append(
            {
                "train_fraction": f,
                "n_train": len(load_dataset(config).train_idx),
                **final,
                "generalization_gap": final["final_test_loss"] - final["final_train_loss"],
                "last_hidden_i_xt": float(last["final_i_xt"]),
                "last_hidden_i_ty": float(last["final_i_ty"]),
                "unit": str(last["unit"]),
                "seconds": run.seconds,
            }
        )
    return pd.DataFrame(rows)


def train_size_experiment(
    out_dir: str | Path,
    *,
    fractions: Sequence[float] = (0.05, 0.45, 0.85),
    options: ExperimentOptions | None = None,
    **values: Any,
) -> ExperimentResult:
    """Train on several training-set sizes; tabulate fit, generalisation and the last layer's plane.

    Args:
        out_dir: experiment directory (``train_size.csv``, ``train_size_phases.csv``,
            ``train_size.png``).
        fractions: training shares of the 4096 inputs, each in (0, 1), with distinct percentages
            (stratified splits; default 0.05, 0.45, 0.85).
        options: the shared :class:`~infoplane.experiments.runner.ExperimentOptions`; ``None``:
            the defaults.
        **values: any of those options by name (``epochs=...``), on top of ``options``.

    Returns:
        :class:`~infoplane.experiments.results.ExperimentResult`; its table has one row per
        fraction: train_fraction, n_train, final train/test loss (nats) and accuracy,
        generalization_gap (test - train loss, nats), last_hidden_i_xt and last_hidden_i_ty (at
        the last epoch, averaged, in the ``unit`` column's unit: bits), unit, seconds.

    Shapes: the table has one row per setting (or per setting and layer).

    Raises:
        InfoplaneError: for a fraction outside (0, 1) or a bad option (before anything is
            written).
        InfoplaneRuntimeError: when a run fails (naming its directory).

    Example:
        >>> try:
        ...     train_size_experiment("unused", fractions=[0.5, 1.5])
        ... except InfoplaneError as exc:
        ...     print(exc)
        fractions must be in (0, 1), e.g. 0.05 0.45 0.85, with distinct percentages; got [0.5, 1.5].

    Notes:
        With little data the test loss is an estimate from the held-out inputs; the generalisation
        gap is noisy for few repeats.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810, Sec. 3.3, Fig. 3.
    """
    opts = ExperimentOptions.build(options, **values)
    fractions = [float(f) for f in fractions]
    labels = [_label(f) for f in fractions]
    if not fractions or any(not 0.0 < f < 1.0 for f in fractions) or len(set(labels)) < len(labels):
        raise InfoplaneError(
            "fractions must be in (0, 1), e.g. 0.05 0.45 0.85, with distinct percentages; "
            f"got {fractions}."
        )
    spec = Experiment(
        "train_size",
        {_label(f): {"data": {"train_fraction": f}} for f in fractions},
        partial(_table, fractions=fractions),
        title="Training-set size",
    )
    return run_experiment_spec(spec, out_dir, opts)
