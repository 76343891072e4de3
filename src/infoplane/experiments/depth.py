"""Depth: more hidden layers converge in fewer epochs (Shwartz-Ziv & Tishby 2017, Sec. 3.5).

The 2017 paper (arXiv 1703.00810, Sec. 3.5 and Fig. 5) trains networks with 1 to 6 hidden layers
and reports that the added layers cut the number of epochs needed to fit and to compress. Widths
follow their description: the first hidden layer has 12 units and each further one 2 fewer
(12, 10, 8, 6, 4, 2). Time to convergence is ours: see
:func:`~infoplane.experiments.summary.convergence_epoch`.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

from infoplane.experiments.results import ExperimentResult, SettingRun
from infoplane.experiments.runner import Experiment, ExperimentOptions, run_experiment_spec
from infoplane.experiments.summary import convergence_epoch, epochs_to_accuracy, final_metrics
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

    rows = []
    for d in depths:
        run = runs[_label(d)]
        rows.append(
            {
                "depth": d,
                "architecture": "-".join(map(str, DEPTH_WIDTHS[:d])),
                "convergence_epoch": convergence_epoch(run.history, fraction=fraction),
                "epochs_to_accuracy": epochs_to_accuracy(run.history, accuracy),
                **final_metrics(run.history),
                "seconds": run.seconds,
            }
        )
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
        fraction: share of the loss decrease defining convergence, in (0, 1) (default 0.95; see
            :func:`~infoplane.experiments.summary.convergence_epoch`).
        accuracy: training-accuracy level in [0, 1] for the ``epochs_to_accuracy`` column
            (default 0.9).
        options: the shared :class:`~infoplane.experiments.runner.ExperimentOptions` (epochs,
            repeats, seed, lr, n_points, workers, progress); ``None``: the defaults.
        **values: any of those options by name (``epochs=...``), on top of ``options``.

    Returns:
        :class:`~infoplane.experiments.results.ExperimentResult`; its table has one row per depth:
        depth, architecture, convergence_epoch, epochs_to_accuracy, final_train_loss (nats),
        final_train_acc, final_test_loss, final_test_acc, seconds.

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
        A finished setting with the same config is reused on a rerun. Time to convergence is our
        definition; the paper gives none.

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
        note=" (dots: convergence, ours)",
        marks="convergence_epoch",
    )
    return run_experiment_spec(spec, out_dir, opts)
