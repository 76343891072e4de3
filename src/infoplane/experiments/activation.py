"""Activation: does compression need a saturating non-linearity? (Saxe et al. 2018, ICLR).

Saxe et al. (2018) find that the compression phase of Shwartz-Ziv & Tishby (2017) appears with
tanh but not with ReLU or linear networks, and attribute it to saturation. Each setting trains the
2017 network with one activation; I(X;T) is binned on each layer's own range (30 bins), since fixed
[-1, 1] bins assume tanh.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from infoplane.experiments.results import ExperimentResult, SettingRun
from infoplane.experiments.runner import Experiment, ExperimentOptions, run_experiment_spec
from infoplane.experiments.summary import per_layer_table
from infoplane.interface import InfoplaneError

#: Binning that does not assume a bounded activation.
DATA_RANGE_BINNING = {"name": "binning", "params": {"n_bins": 30, "range": "data"}}


def _table(runs: dict[str, SettingRun], configs: dict[str, Any]) -> Any:
    return per_layer_table(runs, {act: {"activation": act} for act in runs})


def activation_experiment(
    out_dir: str | Path,
    *,
    activations: Sequence[str] = ("tanh", "relu", "linear"),
    options: ExperimentOptions | None = None,
    **values: Any,
) -> ExperimentResult:
    """Train the 2017 network with several activations; tabulate per-layer compression.

    Args:
        out_dir: experiment directory (``activation.csv``, ``activation_phases.csv``,
            ``activation.png``).
        activations: activation names, each once (``tanh``, ``relu``, ``linear``, ``sigmoid``,
            ...; default tanh, relu, linear).
        options: the shared :class:`~infoplane.experiments.runner.ExperimentOptions`; ``None``:
            the defaults.
        **values: any of those options by name (``epochs=...``), on top of ``options``.

    Returns:
        :class:`~infoplane.experiments.results.ExperimentResult`; its table has one row per
        (activation, layer): peak_i_xt, final_i_xt, compression_bits (peak - final),
        final_i_ty (in the ``unit`` column's unit: bits), transition_epoch, compression_epoch,
        unit, final train/test accuracy.

    Shapes: the table has one row per setting (or per setting and layer).

    Raises:
        InfoplaneError: for an unknown or repeated activation or a bad option (before anything
            is written).
        InfoplaneRuntimeError: when a run fails (naming its directory).

    Example:
        >>> try:
        ...     activation_experiment("unused", activations=["tanh", "swish"])
        ... except InfoplaneError as exc:
        ...     print(str(exc).split(";")[0])
        activations ['swish'] are not valid

    Notes:
        Binning on the data range depends on the number of bins (Saxe et al. 2018, Appendix);
        compare settings at the same ``n_bins``.

    References:
        Saxe, A. M., Bansal, Y., Dapello, J., Advani, M., Kolchinsky, A., Tracey, B. D. & Cox,
        D. D. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.
    """
    from infoplane.models.mlp import ACTIVATIONS

    opts = ExperimentOptions.build(options, **values)
    activations = list(activations)
    unknown = [a for a in activations if a not in ACTIVATIONS]
    if not activations or unknown or len(set(activations)) < len(activations):
        raise InfoplaneError(
            f"activations {unknown or activations} are not valid; choose each once from "
            f"{', '.join(ACTIVATIONS)}."
        )
    spec = Experiment(
        "activation",
        {a: {"model": {"activation": a}} for a in activations},
        _table,
        title="Activation (binning on each layer's range)",
        estimator=DATA_RANGE_BINNING,
    )
    return run_experiment_spec(spec, out_dir, opts)
