"""Depth: more hidden layers converge in fewer epochs (Shwartz-Ziv & Tishby 2017, Sec. 3.5).

The 2017 paper (arXiv 1703.00810, Sec. 3.5 and Fig. 5) trains networks with 1 to 6 hidden layers
and reports that the added layers cut the number of epochs needed to fit and to compress. Widths
follow their description: the first hidden layer has 12 units and each further one 2 fewer
(12, 10, 8, 6, 4, 2).

Which convergence tests claim iv: the paper's own measure, read off its information planes
(Fig. 5), :func:`~infoplane.analysis.events.information_convergence_epoch` of the output layer
(present at every depth), per network, mean with a 95% interval over networks
(``info_convergence_epoch``). Beside it: epochs to a training accuracy (``accuracy_epoch``) and
the loss-based rule (``loss_convergence_epoch``, which depends on the final loss and is U-shaped
over depth; it is not the test). All three come from :mod:`infoplane.analysis.events`.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

from infoplane.experiments.results import ExperimentResult, SettingRun
from infoplane.experiments.runner import Experiment, ExperimentOptions, run_experiment_spec
from infoplane.experiments.summary import final_metrics
from infoplane.interface import InfoplaneError

#: Hidden widths of the deepest network; depth k uses the first k.
DEPTH_WIDTHS: tuple[int, ...] = (12, 10, 8, 6, 4, 2)


def _label(depth: int) -> str:
    return f"{depth} hidden layer{'s' if depth > 1 else ''}"


def _table(
    runs: dict[str, SettingRun],
    configs: dict[str, Any],
    *,
    depths: list[int],
    fraction: float,
    accuracy: float,
) -> Any:
    import pandas as pd

    from infoplane.analysis.events import convergence_events, mean_ci

    rows = []
    for d in depths:
        run = runs[_label(d)]
        plane = run.plane
        if plane is not None and "estimator" in plane.columns and plane["estimator"].nunique() > 1:
            plane = plane[plane["estimator"] == plane["estimator"].iloc[0]]
        conv = convergence_events(plane, run.history, fraction=fraction, accuracy=accuracy)
        row: dict[str, Any] = {
            "depth": d,
            "architecture": "-".join(map(str, DEPTH_WIDTHS[:d])),
            "n_networks": len(conv),
        }
        for col in ("info_convergence_epoch", "accuracy_epoch", "loss_convergence_epoch"):
            m, lo, hi = mean_ci(conv[col])
            row.update({col: m, f"{col}_ci_low": lo, f"{col}_ci_high": hi})
        row.update(**final_metrics(run.history), seconds=run.seconds)
        rows.append(row)
    return pd.DataFrame(rows)


def depth_experiment(
    out_dir: str | Path,
    *,
    depths: Sequence[int] = (1, 2, 3, 4, 5, 6),
    fraction: float = 0.95,
    accuracy: float = 0.9,
    options: ExperimentOptions | None = None,
    **values: Any,
) -> ExperimentResult:
    """Train networks of increasing depth; tabulate time to convergence and draw their planes.

    Args:
        out_dir: experiment directory (runs in ``runs/``; ``depth.csv``, ``depth_phases.csv``,
            ``depth.png``).
        depths: numbers of hidden layers, each in 1..6 and listed once (widths 12, 10, 8, 6, 4, 2
            truncated).
        fraction: share of the information-plane path (and of the loss drop) that counts as
            converged, in (0, 1) (default 0.95; see
            :func:`~infoplane.analysis.events.information_convergence_epoch`).
        accuracy: training-accuracy level in [0, 1] for the ``accuracy_epoch`` columns
            (default 0.9).
        options: the shared :class:`~infoplane.experiments.runner.ExperimentOptions` (epochs,
            repeats, seed, lr, n_points, workers, progress); ``None``: the defaults.
        **values: any of those options by name (``epochs=...``), on top of ``options``.

    Returns:
        :class:`~infoplane.experiments.results.ExperimentResult`; its table has one row per depth:
        depth, architecture, n_networks, info_convergence_epoch (the test of claim iv) with
        info_convergence_epoch_ci_low/_ci_high, accuracy_epoch (and CI), loss_convergence_epoch
        (and CI) -- means over networks with 95% t-intervals, in epochs -- final_train_loss
        (nats), final_train_acc, final_test_loss, final_test_acc, seconds.

    Shapes: the table has one row per setting (or per setting and layer).

    Raises:
        InfoplaneError: for a depth outside 1..6, a bad fraction, accuracy or option (before
            anything is written).
        InfoplaneRuntimeError: when a run fails (naming its directory).

    Example:
        >>> try:
        ...     depth_experiment("unused", depths=[0, 9])
        ... except InfoplaneError as exc:
        ...     print(exc)
        depths must be in 1..6, each once; got [0, 9].

    Notes:
        A finished setting with the same config is reused on a rerun. The paper reads
        convergence off its figures; the thresholds (``fraction``, ``accuracy``) are ours.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810, Sec. 3.5, Fig. 5.
    """
    opts = ExperimentOptions.build(options, **values)
    depths = [int(d) for d in depths]
    n = len(DEPTH_WIDTHS)
    if not depths or any(d < 1 or d > n for d in depths) or len(set(depths)) != len(depths):
        raise InfoplaneError(f"depths must be in 1..{n}, each once; got {depths}.")
    if not 0.0 < fraction < 1.0:
        raise InfoplaneError(f"fraction must be in (0, 1), e.g. 0.95; got {fraction!r}.")
    if not 0.0 <= accuracy <= 1.0:
        raise InfoplaneError(f"accuracy must be in [0, 1], e.g. 0.9; got {accuracy!r}.")
    spec = Experiment(
        "depth",
        {_label(d): {"model": {"hidden": list(DEPTH_WIDTHS[:d])}} for d in depths},
        partial(_table, depths=depths, fraction=fraction, accuracy=accuracy),
        title="Depth",
        note=" (dots: information-plane convergence)",
        marks="info_convergence_epoch",
    )
    return run_experiment_spec(spec, out_dir, opts)
