"""Does compression go with generalisation? Compression against the generalisation gap, across runs.

Shwartz-Ziv & Tishby (2017, arXiv 1703.00810, Sec. 1 and 3) argue that the compression phase is
what makes a network generalise; Saxe et al. (2018, ICLR) find networks that generalise without
compressing, and Geiger (2021, arXiv 2003.09671, Sec. V) reviews the mixed evidence. This module
puts the claim to a sweep of runs: per run and layer, the compression amount

    compression = max_epoch I(X;T) - I(X;T) at the last epoch       (bits)

against the generalisation gap at the last epoch, either in accuracy (train - test) or in loss
(test - train cross-entropy, nats). :func:`compression_vs_generalization` builds the table from run
directories; :func:`infoplane.plots.generalization.plot_compression_vs_generalization` draws the
scatter, one panel per layer (this module computes only).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from infoplane.analysis.tables import require_columns, select_estimator, table_unit
from infoplane.interface import InfoplaneError
from infoplane.storage.layout import HISTORY, PLANE, RunLayout

GAPS: tuple[str, ...] = ("accuracy", "loss")

_LABELS = ("run", "path", "activation", "architecture", "train_fraction")
_VALUES = (
    "compression",
    "peak_i_xt",
    "final_i_xt",
    "acc_gap",
    "loss_gap",
    "train_acc",
    "test_acc",
)


def compression_amount(plane: Any, *, estimator: str | None = None) -> Any:
    """Compression of I(X;T) per estimator, repetition and layer (the rule of ``analysis.events``).

    Args:
        plane: information-plane table of shape (n_rows, n_columns), one row per (repeat, epoch,
            layer, estimator), with
            columns repeat, epoch, layer, estimator, i_xt (in its ``unit``, bits by default),
            e.g. a run's plane table.
        estimator: restrict to one estimator (default: all in the table).

    Returns:
        ``pandas.DataFrame``, one row per (estimator, repeat, layer), with columns estimator, repeat, layer, layer_name (if known),
        peak_i_xt, peak_epoch (the compression onset; the final epoch when the network does not
        compress), final_epoch, final_i_xt (smoothed values), compression (the amount of
        :func:`infoplane.analysis.events.compression_event`: 0 unless a fitting rise is followed
        by a fall above the estimator's error, in the table's unit), unit (the table's ``unit``;
        bits without one).

    Raises:
        InfoplaneError: for missing columns, an estimator not in the table, or a table that mixes
            units.

    Notes:
        One definition of compression for every table (``analysis/events.py``): the curve is
        smoothed on the log-epoch axis and a fall counts only after a fitting rise and above
        the estimator's error, so a curve that only falls from initialisation reads 0. Rows
        with NaN I(X;T) are ignored.

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810.

    Example:
        >>> import pandas as pd
        >>> t = pd.DataFrame({"repeat": 0, "epoch": [0, 10, 100], "layer": 1,
        ...                   "estimator": "binning", "i_xt": [5.0, 7.0, 6.5], "unit": "nats"})
        >>> compression_amount(t)[["peak_epoch", "compression", "unit"]].to_numpy().tolist()
        [[10, 0.5, 'nats']]
    """
    require_columns(plane, "plane", ["repeat", "epoch", "layer", "estimator", "i_xt"])
    unit = table_unit(plane, name="plane")
    if estimator is not None:
        plane = plane[plane["estimator"] == select_estimator(plane, estimator, name="plane")]
    import pandas as pd

    from infoplane.analysis.events import compression_events

    frames = []
    for name, sub in plane.groupby("estimator", sort=False):
        ev = compression_events(sub, estimator=str(name))
        if not len(ev):
            continue
        out = ev[["repeat", "layer"]].assign(estimator=name)
        if "layer_name" in ev.columns:
            out["layer_name"] = ev["layer_name"].to_numpy()
        out["peak_i_xt"] = np.where(ev["compresses"], ev["peak"], ev["final"])
        peak = np.where(ev["compresses"], ev["onset_epoch"], ev["final_epoch"])
        out["peak_epoch"] = peak.astype(np.int64)
        out["final_epoch"] = ev["final_epoch"].to_numpy().astype(np.int64)
        out["final_i_xt"] = ev["final"].to_numpy()
        out["compression"] = ev["amount"].to_numpy()
        frames.append(out)
    keys = ["estimator", "repeat", "layer"]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=keys)
    out = out[[*keys, *[c for c in out.columns if c not in keys]]]
    out["unit"] = unit
    return out


def generalization_gap(history: Any) -> Any:
    """Final train and test accuracy and loss, and the gaps, per repetition.

    Args:
        history: table, one row per (repeat, epoch), with columns repeat, epoch, train_loss,
            train_acc, test_loss, test_acc (a run's history table; loss in nats, accuracy as a
            share).

    Returns:
        ``pandas.DataFrame``, one row per repeat, with columns repeat, final_epoch, train_acc, test_acc, train_loss,
        test_loss, acc_gap (train_acc - test_acc), loss_gap (test_loss - train_loss, nats).
        Rows come from each repetition's last epoch with a finite test accuracy.

    Raises:
        InfoplaneError: for missing columns.

    Notes:
        Runs without a test set (all test accuracies NaN) keep their last epoch, with NaN gaps.

    References:
        1. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
           Information. arXiv 1703.00810.
        2. Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.

    Example:
        >>> import pandas as pd
        >>> h = pd.DataFrame({"repeat": 0, "epoch": [1, 9], "train_loss": [0.6, 0.1],
        ...                   "train_acc": [0.6, 0.95], "test_loss": [0.6, 0.4],
        ...                   "test_acc": [0.6, 0.85]})
        >>> gap = generalization_gap(h)
        >>> gap["final_epoch"].item(), round(gap["acc_gap"].item(), 6), round(gap["loss_gap"].item(), 6)
        (9, 0.1, 0.3)
    """
    need = ["repeat", "epoch", "train_loss", "train_acc", "test_loss", "test_acc"]
    require_columns(history, "history", need, hint=f"a run's {HISTORY}")
    h = history.dropna(subset=["test_acc"]).sort_values(["repeat", "epoch"])
    if h.empty:
        h = history.sort_values(["repeat", "epoch"])
    last = h.groupby("repeat", as_index=False).tail(1).reset_index(drop=True)
    out = last[["repeat", "epoch", "train_acc", "test_acc", "train_loss", "test_loss"]].rename(
        columns={"epoch": "final_epoch"}
    )
    out["acc_gap"] = out["train_acc"] - out["test_acc"]
    out["loss_gap"] = out["test_loss"] - out["train_loss"]
    return out.reset_index(drop=True)


def find_run_dirs(paths: str | Path | Iterable[str | Path]) -> list[Path]:
    """Expand run directories and sweep directories into a sorted list of run directories.

    A run directory holds ``information_plane.parquet`` and ``history.parquet``; a sweep directory
    (from ``infoplane sweep``) holds them under ``runs/<key>/``. Any other directory is searched
    one and two levels down.

    Args:
        paths: one path or several.

    Returns:
        The run directories found, sorted, without duplicates.

    Raises:
        InfoplaneError: if a path does not exist or no run directory is found.

    References:
        1. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
           Information. arXiv 1703.00810.
        2. Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            raise InfoplaneError(
                f"{str(path)!r} is not a directory; pass run or sweep directories."
            )
        if _is_run(path):
            found.append(path)
            continue
        found.extend(p for p in sorted(path.glob("*")) if p.is_dir() and _is_run(p))
        found.extend(p for p in sorted(path.glob("*/*")) if p.is_dir() and _is_run(p))
    found = sorted(dict.fromkeys(p.resolve() for p in found))
    if not found:
        raise InfoplaneError(
            f"no run directory found (one holds {PLANE} and {HISTORY}); "
            "pass the --out of `infoplane run` or of `infoplane sweep`."
        )
    return found


def _is_run(path: Path) -> bool:
    layout = RunLayout(path)
    return layout.plane.is_file() and layout.history.is_file()


def _run_labels(path: Path) -> dict[str, Any]:
    import yaml

    from infoplane.interface import InfoplaneRuntimeError

    cfg_file = RunLayout(path).config
    if not cfg_file.is_file():
        return {"activation": "", "architecture": "", "train_fraction": np.nan}
    try:
        cfg = yaml.safe_load(cfg_file.read_text(encoding="utf-8")) or {}
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InfoplaneRuntimeError(
            f"{str(cfg_file)!r} is not valid YAML ({type(exc).__name__}); fix or remove it."
        ) from None
    if not isinstance(cfg, dict):
        raise InfoplaneRuntimeError(f"{str(cfg_file)!r} is not a config mapping; fix or remove it.")
    model = cfg.get("model") or {}
    return {
        "activation": str(model.get("activation", "")),
        "architecture": "-".join(str(h) for h in model.get("hidden", [])),
        "train_fraction": float((cfg.get("data") or {}).get("train_fraction", np.nan)),
    }


def compression_vs_generalization(
    runs: str | Path | Iterable[str | Path],
    *,
    estimator: str | None = None,
    per_repeat: bool = False,
) -> Any:
    """Compression amount per layer against the generalisation gap, for every run of a sweep.

    Args:
        runs: run directories, or sweep directories holding them (see :func:`find_run_dirs`);
            each run's plane table has shape (n_rows, n_columns), one row per (repeat, epoch,
            layer, estimator).
        estimator: which estimator's I(X;T) (default: every estimator in each run).
        per_repeat: one row per repetition (network) instead of the mean over a run's repetitions.

    Returns:
        ``pandas.DataFrame`` with columns run (directory name), path, activation, architecture,
        train_fraction, estimator, layer, layer_name, repeat (-1 for run means), compression
        (in ``unit``), unit (of the runs' tables, bits by default), peak_i_xt, final_i_xt, acc_gap (train - test accuracy), loss_gap (test - train
        loss, nats), train_acc, test_acc.

    Raises:
        InfoplaneError: if no run is found, a run lacks columns or the estimator, or the runs' tables
            are in different units.
        InfoplaneRuntimeError: if a run's table or config is corrupt (the message names the file).

    Notes:
        Across runs that differ in activation or architecture, a correlation can come from the
        difference itself (e.g. tanh compresses and ReLU does not); compare within a group too.

    References:
        1. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
           Information. arXiv 1703.00810.
        2. Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.
        3. Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
           Review. IEEE TNNLS, arXiv 2003.09671.

    Example:
        >>> import tempfile, pathlib, pandas as pd
        >>> from infoplane.storage.layout import RunLayout
        >>> run = RunLayout(pathlib.Path(tempfile.mkdtemp()) / "run")
        >>> run.root.mkdir()
        >>> pd.DataFrame({"repeat": 0, "epoch": [0, 10, 100], "layer": 1, "estimator": "binning",
        ...               "i_xt": [5.0, 7.0, 6.0]}).to_parquet(run.plane)
        >>> pd.DataFrame({"repeat": 0, "epoch": [100], "train_loss": [0.1], "train_acc": [0.99],
        ...               "test_loss": [0.3], "test_acc": [0.9]}).to_parquet(run.history)
        >>> t = compression_vs_generalization(run.root)
        >>> t[["run", "layer", "compression", "unit"]].to_numpy().tolist()
        [['run', 1, 1.0, 'bits']]
    """
    import pandas as pd

    frames = []
    for path in find_run_dirs(runs):
        layout = RunLayout(path)
        plane = _read_table(layout.plane)
        history = _read_table(layout.history)
        if estimator is not None and estimator not in set(plane["estimator"]):
            raise InfoplaneError(
                f"run {str(path)!r} has no estimator {estimator!r}; it holds "
                f"{sorted(set(plane['estimator']))}."
            )
        comp = compression_amount(plane, estimator=estimator)
        gap = generalization_gap(history)
        merged = comp.merge(gap, on="repeat", how="left")
        if "layer_name" not in merged.columns:
            merged["layer_name"] = merged["layer"].map(lambda x: f"layer {x}")
        merged["unit"] = table_unit(plane, name=str(layout.plane))
        if not per_repeat:
            keys = ["estimator", "layer", "layer_name", "unit"]
            merged = merged.groupby(keys, as_index=False)[list(_VALUES)].mean()
            merged["repeat"] = -1
        merged["run"] = path.name
        merged["path"] = str(path)
        for key, value in _run_labels(path).items():
            merged[key] = value
        frames.append(merged)
    order = [*_LABELS, "estimator", "layer", "layer_name", "repeat", "compression", "unit"]
    order += [c for c in _VALUES if c != "compression"]
    table = pd.concat(frames, ignore_index=True)[order]
    table_unit(table, name="the runs' information-plane tables")  # runs in one unit, or an error
    return table


def _read_table(path: Path) -> Any:
    import pandas as pd

    from infoplane.interface import InfoplaneRuntimeError

    try:
        return pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise InfoplaneRuntimeError(
            f"{str(path)!r} is not a readable parquet table ({type(exc).__name__}); re-run the "
            "step that writes it, or remove the run."
        ) from None


def gap_column(gap: str) -> tuple[str, str]:
    """The column of a generalisation gap and its axis label.

    Args:
        gap: ``"accuracy"`` (train - test accuracy) or ``"loss"`` (test - train loss, nats).

    Returns:
        (column of :func:`compression_vs_generalization`'s table, label with the unit).

    Raises:
        InfoplaneError: for any other ``gap``.

    Notes:
        Loss is the cross-entropy in nats, as training reports it.

    References:
        Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.

    Example:
        >>> gap_column("loss")[0]
        'loss_gap'
    """
    if gap not in GAPS:
        raise InfoplaneError(f"gap must be 'accuracy' or 'loss'; got {gap!r}.")
    if gap == "accuracy":
        return "acc_gap", "generalisation gap: train - test accuracy"
    return "loss_gap", "generalisation gap: test - train loss [nats]"


def gap_correlations(table: Any, *, gap: str = "accuracy") -> Any:
    """Spearman correlation across runs of compression with the gap, per estimator and layer.

    Args:
        table: from :func:`compression_vs_generalization`, one row per (run, estimator, layer).
        gap: ``"accuracy"`` (train - test accuracy, default) or ``"loss"`` (test - train loss,
            nats).

    Returns:
        ``pandas.DataFrame``, one row per (estimator, layer), with columns estimator, layer,
        n_runs, spearman (dimensionless; NaN for fewer than 3 runs or constant columns).

    Raises:
        InfoplaneError: for an unknown ``gap``.

    Notes:
        A rank correlation: unit-free (bits or nats give the same), and blind to the size of the
        effect.

    Example:
        >>> import pandas as pd
        >>> t = pd.DataFrame({"estimator": "b", "layer": 1, "compression": [0.1, 0.2, 0.3],
        ...                   "acc_gap": [0.01, 0.02, 0.03]})
        >>> gap_correlations(t)["spearman"].tolist()
        [1.0]

    References:
        1. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
           Information. arXiv 1703.00810.
        2. Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.
    """
    import pandas as pd
    from scipy.stats import spearmanr

    col, _ = gap_column(gap)
    rows = []
    for (est, layer), sub in table.groupby(["estimator", "layer"]):
        sub = sub[["compression", col]].dropna()
        r = np.nan
        if len(sub) >= 3 and sub["compression"].nunique() > 1 and sub[col].nunique() > 1:
            r = float(spearmanr(sub["compression"], sub[col]).statistic)
        rows.append({"estimator": est, "layer": int(layer), "n_runs": len(sub), "spearman": r})
    return pd.DataFrame(rows, columns=["estimator", "layer", "n_runs", "spearman"])
