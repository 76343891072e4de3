"""Summaries of an experiment's runs: training curves, convergence, per-layer compression, outputs.

Every function here reads the tables of finished runs (:class:`~infoplane.experiments.runner.
SettingRun`) and computes; nothing trains. Information values are in the plane table's unit (the
``unit`` column, bits by default) and losses are cross-entropies in nats.

References:
    Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
    Information. arXiv:1703.00810.
    Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from infoplane.experiments.results import SettingRun
from infoplane.interface import InfoplaneError

#: Training-curve columns averaged by :func:`mean_history`.
HISTORY_COLUMNS: tuple[str, ...] = ("train_loss", "train_acc", "test_loss", "test_acc")


def mean_history(history: Any) -> Any:
    """Average the training curves over repeats.

    Args:
        history: training curves (``pandas.DataFrame``) with columns ``epoch`` and any of
            ``train_loss``, ``train_acc``, ``test_loss``, ``test_acc`` (one row per repeat and
            epoch; losses in nats).

    Returns:
        ``pandas.DataFrame`` indexed by epoch (sorted), one column per curve, averaged over
        repeats (same units).

    Raises:
        InfoplaneError: if ``history`` has no ``epoch`` column.

    Example:
        >>> import pandas as pd
        >>> h = pd.DataFrame({"repeat": [0, 1, 0, 1], "epoch": [1, 1, 2, 2],
        ...                   "train_loss": [1.0, 3.0, 0.5, 0.7]})
        >>> mean_history(h)["train_loss"].tolist()
        [2.0, 0.6]

    Shapes: ``history`` has one row per (repeat, epoch); the result one row per epoch.

    Notes:
        NaN entries (e.g. no test split) are skipped by the mean.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810.
    """
    if "epoch" not in history:
        raise InfoplaneError("history must have an 'epoch' column (a run's history.parquet).")
    cols = [c for c in HISTORY_COLUMNS if c in history]
    return history.groupby("epoch")[cols].mean().sort_index()


def convergence_epoch(history: Any, *, fraction: float = 0.95) -> float:
    """Loss-based convergence of the mean training loss (not the test of claim iv).

    .. math:: e^* = \\min\\{e : \\bar L(e) \\le L_{end} + (1 - f)(L_0 - L_{end})\\}

    where :math:`\\bar L` is the training loss averaged over repetitions, :math:`L_0` its value
    after the first epoch, :math:`L_{end}` the minimum over training and f = ``fraction``.

    Args:
        history: training curves with columns epoch, train_loss in nats (and repeat).
        fraction: share f of the total loss decrease, in (0, 1) (default 0.95).

    Returns:
        The epoch e* (an epoch of the table, as float), or NaN for an empty history.

    Raises:
        InfoplaneError: for ``fraction`` outside (0, 1).

    Example:
        >>> import pandas as pd
        >>> h = pd.DataFrame({"epoch": [1, 2, 3, 4], "train_loss": [1.0, 0.5, 0.1, 0.0]})
        >>> convergence_epoch(h, fraction=0.8)
        3.0

    Notes:
        The rule is :func:`~infoplane.analysis.events.loss_convergence_epoch` applied to the
        repetition-averaged loss. It depends on the final loss, so a deeper network that keeps
        lowering its loss counts as slow: claim iv is tested with the paper's measure,
        :func:`~infoplane.analysis.events.information_convergence_epoch` (see
        :func:`~infoplane.experiments.depth.depth_experiment`).

    Shapes: ``history`` has one row per (repeat, epoch).

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810, Sec. 3.5.
    """
    from infoplane.analysis.events import loss_convergence_epoch

    if not 0.0 < fraction < 1.0:
        raise InfoplaneError(f"fraction must be in (0, 1); got {fraction!r}.")
    if history is None or len(history) == 0:
        return float("nan")
    loss = mean_history(history)["train_loss"]
    return loss_convergence_epoch(loss.index.to_numpy(), loss.to_numpy(), fraction)


def epochs_to_accuracy(history: Any, threshold: float) -> float:
    """First epoch at which the repeat-averaged training accuracy reaches ``threshold``.

    Args:
        history: training curves with columns epoch, train_acc (a share in [0, 1]).
        threshold: the accuracy level, in [0, 1].

    Returns:
        The epoch (float), or NaN if the level is never reached.

    Raises:
        InfoplaneError: for a threshold outside [0, 1].

    Example:
        >>> import pandas as pd
        >>> h = pd.DataFrame({"epoch": [1, 2, 3], "train_acc": [0.5, 0.92, 0.99]})
        >>> epochs_to_accuracy(h, 0.9), epochs_to_accuracy(h, 1.0)
        (2.0, nan)

    Shapes: ``history`` has one row per (repeat, epoch). Units: accuracy is a share in [0, 1];
    the result is an epoch.

    Notes:
        The accuracy is averaged over repeats first: one slow network delays the epoch.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810.
    """
    from infoplane.analysis.events import accuracy_epoch

    if not 0.0 <= threshold <= 1.0:
        raise InfoplaneError(f"threshold must be an accuracy in [0, 1]; got {threshold!r}.")
    acc = mean_history(history)["train_acc"]
    return accuracy_epoch(acc.index.to_numpy(), acc.to_numpy(), threshold)


def final_metrics(history: Any) -> dict[str, float]:
    """Repeat-averaged train/test loss (nats) and accuracy at the last epoch.

    Args:
        history: training curves (see :func:`mean_history`).

    Returns:
        ``{"final_train_loss", "final_train_acc", "final_test_loss", "final_test_acc"}`` (those
        present); losses in nats, accuracies as shares in [0, 1].

    Raises:
        InfoplaneError: if ``history`` has no ``epoch`` column.

    Example:
        >>> import pandas as pd
        >>> h = pd.DataFrame({"epoch": [1, 2], "train_loss": [0.9, 0.3], "train_acc": [0.5, 1.0]})
        >>> final_metrics(h)
        {'final_train_loss': 0.3, 'final_train_acc': 1.0}

    Shapes: ``history`` has one row per (repeat, epoch).

    Notes:
        NaN when the run has no test split (the test columns are NaN).

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810.
    """
    last = mean_history(history).iloc[-1]
    return {f"final_{k}": float(v) for k, v in last.items()}


def layer_summary(run: SettingRun, *, estimator: str | None = None) -> Any:
    """Per-layer compression and phases of one run (repeat-averaged).

    Args:
        run: a finished run (its plane table, and gradients for the transition epochs).
        estimator: which estimator's rows to use (``None``: the first one in the table).

    Returns:
        ``pandas.DataFrame``, one row per layer: layer, peak_i_xt and final_i_xt (smoothed,
        means over networks), compression_bits (mean amount over networks, >= 0),
        compression_ci_low, compression_ci_high (95% over networks), error (the estimator's
        error), compresses (lower bound > error), final_i_ty (all in the table's unit, bits by
        default), transition_epoch, compression_epoch (NaN unless the layer compresses; see
        :func:`~infoplane.analysis.events.compression_summary`), unit.

    Raises:
        InfoplaneError: if the rows used hold several units.

    Example:
        >>> import pandas as pd
        >>> plane = pd.DataFrame({"repeat": 0, "epoch": [1, 10, 100], "layer": 1,
        ...     "estimator": "binning", "i_xt": [2.0, 3.0, 2.5], "i_ty": [0.1, 0.5, 0.9],
        ...     "unit": "bits"})
        >>> row = layer_summary(SettingRun("demo", None, plane, None, None)).iloc[0]
        >>> round(float(row["peak_i_xt"]), 6), round(float(row["compression_bits"]), 6), row["unit"]
        (3.0, 0.5, 'bits')

    Notes:
        ``compression_bits`` is named for the default unit; the ``unit`` column says which unit
        the values carry. Compression is measured per network and averaged
        (:func:`~infoplane.analysis.events.compression_summary`), the one definition shared by
        every table and the report.

    Shapes: ``run.plane`` has one row per (repeat, epoch, layer, estimator); the result one
    row per layer.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810, Sec. 3.3 (compression phase).
    """
    from infoplane.analysis.events import compression_summary
    from infoplane.analysis.phases import detect_phases

    plane = run.plane
    if estimator is not None:
        plane = plane[plane["estimator"] == estimator]
    elif "estimator" in plane and plane["estimator"].nunique() > 1:
        estimator = str(plane["estimator"].iloc[0])
        plane = plane[plane["estimator"] == estimator]
    units = sorted(set(plane["unit"])) if "unit" in plane else ["bits"]
    if len(units) != 1:
        raise InfoplaneError(f"the plane table of {run.label!r} mixes units {units}; use one.")
    comp = compression_summary(plane)
    out = comp[["layer"]].copy()
    out["peak_i_xt"] = comp["peak_i_xt"].to_numpy()
    out["final_i_xt"] = comp["final_i_xt"].to_numpy()
    out["compression_bits"] = comp["compression"].to_numpy()
    for col in ("compression_ci_low", "compression_ci_high", "error", "compresses"):
        out[col] = comp[col].to_numpy()
    out["final_i_ty"] = out["layer"].map(
        plane.groupby(["layer", "epoch"])["i_ty"].mean().groupby(level="layer").last()
    )
    phases = detect_phases(plane, run.gradients)
    return out.merge(phases, on="layer", how="left").assign(unit=units[0])


def per_layer_table(runs: dict[str, SettingRun], lead: dict[str, dict[str, Any]]) -> Any:
    """One :func:`layer_summary` per setting, with the setting's columns first and final accuracy.

    Args:
        runs: label -> run, in display order.
        lead: label -> the columns that name the setting (e.g. ``{"activation": "relu"}``), in
            column order; every label of ``runs`` needs one.

    Returns:
        ``pandas.DataFrame``, one row per (setting, layer): the lead columns, the columns of
        :func:`layer_summary` (bits), final_train_acc, final_test_acc (shares in [0, 1]).

    Raises:
        InfoplaneError: for a run without lead columns.

    Example:
        >>> import pandas as pd
        >>> plane = pd.DataFrame({"repeat": 0, "epoch": [1, 2], "layer": 1, "i_xt": [1.0, 0.5],
        ...     "i_ty": [0.2, 0.4], "unit": "bits"})
        >>> hist = pd.DataFrame({"epoch": [1, 2], "train_acc": [0.5, 0.75], "test_acc": 0.5})
        >>> run = SettingRun("relu", None, plane, hist, None)
        >>> t = per_layer_table({"relu": run}, {"relu": {"activation": "relu"}})
        >>> list(t.columns[:2]), float(t["final_train_acc"].iloc[0])
        (['activation', 'layer'], 0.75)

    Shapes: the result has one row per (setting, layer).

    Notes:
        The accuracies are of the whole network, repeated on each of its layers' rows.

    References:
        Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.
    """
    import pandas as pd

    missing = [label for label in runs if label not in lead]
    if missing:
        raise InfoplaneError(f"settings {missing} have no lead columns.")
    frames = []
    for label, run in runs.items():
        final = final_metrics(run.history)
        frames.append(
            layer_summary(run).assign(
                **lead[label],
                final_train_acc=final.get("final_train_acc", np.nan),
                final_test_acc=final.get("final_test_acc", np.nan),
            )
        )
    table = pd.concat(frames, ignore_index=True)
    first = list(next(iter(lead.values())))
    return table[[*first, *[c for c in table.columns if c not in first]]]
