"""Full-batch gradient descent against stochastic (mini-batch) gradient descent.

Shwartz-Ziv & Tishby (2017, arXiv 1703.00810) attribute compression to the noise of SGD (the
diffusion phase); Saxe et al. (2018, ICLR, Sec. 5) find the same compression with full-batch
gradient descent, which has no mini-batch noise. By default both settings use the same optimiser
(Adam, as in the 2017 paper), so that only the mini-batch noise differs; ``optimizer="sgd"`` gives
plain gradient descent vs plain SGD. With one batch per epoch the gradient std is 0 (SNR infinite):
full-batch runs have no drift-to-diffusion transition by construction.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from infoplane.experiments.results import ExperimentResult, SettingRun
from infoplane.experiments.runner import Experiment, ExperimentOptions, run_experiment_spec
from infoplane.experiments.summary import per_layer_table
from infoplane.interface import InfoplaneError


def _table(runs: dict[str, SettingRun], configs: dict[str, Any], *, batch_size: int) -> Any:
    sizes = dict(zip(runs, (batch_size, 0), strict=True))  # 0 = full batch
    return per_layer_table(runs, {k: {"setting": k, "batch_size": sizes[k]} for k in runs})


def batch_experiment(
    out_dir: str | Path,
    *,
    batch_size: int = 128,
    optimizer: str = "adam",
    options: ExperimentOptions | None = None,
    **values: Any,
) -> ExperimentResult:
    """Train with mini-batches and with the full batch; tabulate per-layer compression and phases.

    Args:
        out_dir: experiment directory (``batch.csv``, ``batch_phases.csv``, ``batch.png``).
        batch_size: mini-batch size of the stochastic setting (>= 1, default 128).
        optimizer: ``adam`` (default, both settings) or ``sgd`` (gradient descent vs SGD).
        options: the shared :class:`~infoplane.experiments.runner.ExperimentOptions`; ``None``:
            the defaults.
        **values: any of those options by name (``epochs=...``), on top of ``options``.

    Returns:
        :class:`~infoplane.experiments.results.ExperimentResult`; its table has one row per
        (setting, layer): batch_size (0 = full batch), peak_i_xt, final_i_xt, compression_bits,
        final_i_ty (in the ``unit`` column's unit: bits), transition_epoch, compression_epoch,
        unit, final train/test accuracy.

    Shapes: the table has one row per setting (or per setting and layer).

    Raises:
        InfoplaneError: for a batch size < 1, an unknown optimiser or a bad option (before
            anything is written).
        InfoplaneRuntimeError: when a run fails (naming its directory).

    Example:
        >>> try:
        ...     batch_experiment("unused", optimizer="lbfgs")
        ... except InfoplaneError as exc:
        ...     print(exc)
        optimizer='lbfgs' is unknown; use 'adam' or 'sgd'.

    Notes:
        Full-batch runs have no gradient noise, so their transition epoch is NaN by construction.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810, Sec. 3.4.
        Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR,
        Sec. 5.
    """
    opts = ExperimentOptions.build(options, **values)
    if int(batch_size) < 1:
        raise InfoplaneError(f"batch_size must be >= 1; got {batch_size}.")
    if optimizer not in ("adam", "sgd"):
        raise InfoplaneError(f"optimizer={optimizer!r} is unknown; use 'adam' or 'sgd'.")
    name = "SGD" if optimizer == "sgd" else "Adam"
    spec = Experiment(
        "batch",
        {
            f"mini-batch {name} (batch {batch_size})": {
                "training": {"batch_size": int(batch_size)}
            },
            f"full-batch {name}": {"training": {"batch_size": None}},
        },
        partial(_table, batch_size=int(batch_size)),
        title="Mini-batch vs full batch",
        overrides={"training": {"optimizer": optimizer}},
    )
    return run_experiment_spec(spec, out_dir, opts)
