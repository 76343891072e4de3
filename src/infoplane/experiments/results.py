"""What an experiment produces: the tables of each setting's run and the experiment's outputs.

The plain records shared by the runner (:mod:`infoplane.experiments.runner`), the summaries
(:mod:`infoplane.experiments.summary`) and the figure (:mod:`infoplane.experiments.figure`).

The depth experiment's table carries three convergence columns; :data:`CLAIM_IV_MEASURE` names
the one that tests claim iv of the 2017 paper (the information-plane convergence of
:func:`infoplane.analysis.events.information_convergence_epoch`); the accuracy- and loss-based
ones are reported beside it.

References:
    Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
    Information. arXiv:1703.00810.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: The depth table's column that tests claim iv (more layers, fewer epochs): the paper's measure.
CLAIM_IV_MEASURE = "info_convergence_epoch"


@dataclass
class SettingRun:
    """The tables of one setting's run.

    Attributes:
        label: the setting's label (e.g. ``"3 hidden layers"``).
        out_dir: its run directory.
        plane: information-plane table (repeat, epoch, layer, estimator, i_xt, i_ty, unit); values
            in the ``unit`` column's unit (bits).
        history: training curves (repeat, epoch, train_loss, train_acc, test_loss, test_acc);
            losses are cross-entropies in nats.
        gradients: gradient statistics (repeat, epoch, layer, grad_mean, grad_std, snr, ...) or
            ``None``.
        seconds: wall time of the run (0 if reused).

    Shapes: ``plane`` one row per (repeat, epoch, layer, estimator); ``history`` one per (repeat,
    epoch); ``gradients`` one per (repeat, epoch, layer).

    Raises:
        Nothing: a plain record.

    Example:
        >>> SettingRun("tanh", Path("runs/tanh"), None, None, None).label
        'tanh'

    Notes:
        Built by :func:`~infoplane.experiments.runner.run_settings` from the run's files.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810.

    """

    label: str
    out_dir: Path
    plane: Any
    history: Any
    gradients: Any | None
    seconds: float = 0.0


@dataclass
class ExperimentResult:
    """What an experiment wrote.

    Attributes:
        out_dir: the experiment directory.
        table: the summary table (``pandas.DataFrame``), also in ``OUT/<name>.csv``.
        phases: per-setting, per-layer phases (``OUT/<name>_phases.csv``).
        figure: path of the PNG figure.
        runs: the runs by label.

    Shapes: ``table`` one row per setting (or per setting and layer); ``phases`` one per (setting,
    layer). Units: information in the tables' ``unit`` column (bits), losses in nats.

    Raises:
        Nothing: a plain record.

    Example:
        >>> ExperimentResult(Path("out"), None, None, Path("out/depth.png")).figure.name
        'depth.png'

    Notes:
        Returned by every experiment function.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810.

    """

    out_dir: Path
    table: Any
    phases: Any
    figure: Path
    runs: dict[str, SettingRun] = field(default_factory=dict)
