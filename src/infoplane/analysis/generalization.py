"""Does compression go with generalisation? Compression against the generalisation gap, across runs.

Shwartz-Ziv & Tishby (2017, arXiv 1703.00810, Sec. 1 and 3) argue that the compression phase is
what makes a network generalise; Saxe et al. (2018, ICLR) find networks that generalise without
compressing, and Geiger (2021, arXiv 2003.09671, Sec. V) reviews the mixed evidence. This module
puts the claim to a sweep of runs: per run and layer, the compression amount

    compression = max_epoch I(X;T) - I(X;T) at the last epoch       (bits)

against the generalisation gap at the last epoch, either in accuracy (train - test) or in loss
(test - train cross-entropy, nats). :func:`compression_vs_generalization` builds the table from run
directories, :func:`plot_compression_vs_generalization` draws the scatter, one panel per layer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from infoplane.interface import InfoplaneError

GAPS: tuple[str, ...] = ("accuracy", "loss")


def compression_amount(plane: Any, *, estimator: str | None = None) -> Any:
    """Peak minus final I(X;T), per estimator, repetition and layer.

    Args:
        plane: information-plane table with columns repeat, epoch, layer, estimator, i_xt (bits),
            e.g. a run's ``information_plane.parquet``.
        estimator: restrict to one estimator (default: all in the table).

    Returns:
        ``pandas.DataFrame`` with columns estimator, repeat, layer, layer_name (if known),
        peak_i_xt, peak_epoch, final_epoch, final_i_xt, compression (peak - final, >= 0, in the
        table's unit).

    Raises:
        InfoplaneError: for missing columns or an estimator not in the table.

    Notes:
        The peak of a noisy curve is biased upwards, so small compression amounts (a few hundredths
        of a bit with binning on 4096 samples) are noise. The peak may be at epoch 0 (I(X;T) only
        falls), in which case there was no fitting phase in I(X;T). Rows with NaN I(X;T) are
        ignored.

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810.
    """
    need = ["repeat", "epoch", "layer", "estimator", "i_xt"]
    missing = [c for c in need if c not in getattr(plane, "columns", ())]
    if missing:
        raise InfoplaneError(
            f"plane lacks column(s) {', '.join(missing)}; pass a run's information_plane.parquet."
        )
    if estimator is not None:
        names = list(dict.fromkeys(plane["estimator"]))
        if estimator not in names:
            raise InfoplaneError(f"estimator {estimator!r} is not in plane; it holds {names}.")
        plane = plane[plane["estimator"] == estimator]
    keys = ["estimator", "repeat", "layer"]
    p = plane.dropna(subset=["i_xt"]).sort_values([*keys, "epoch"], ignore_index=True)
    g = p.groupby(keys, sort=False)
    peak_idx = g["i_xt"].idxmax()
    last_idx = g["epoch"].idxmax()
    out = p.loc[peak_idx.to_numpy(), keys].reset_index(drop=True)
    if "layer_name" in p.columns:
        out["layer_name"] = p.loc[peak_idx.to_numpy(), "layer_name"].to_numpy()
    out["peak_i_xt"] = p.loc[peak_idx.to_numpy(), "i_xt"].to_numpy()
    out["peak_epoch"] = p.loc[peak_idx.to_numpy(), "epoch"].to_numpy()
    out["final_epoch"] = p.loc[last_idx.to_numpy(), "epoch"].to_numpy()
    out["final_i_xt"] = p.loc[last_idx.to_numpy(), "i_xt"].to_numpy()
    out["compression"] = out["peak_i_xt"] - out["final_i_xt"]
    return out


def generalization_gap(history: Any) -> Any:
    """Final train and test accuracy and loss, and the gaps, per repetition.

    Args:
        history: table with columns repeat, epoch, train_loss, train_acc, test_loss, test_acc
            (a run's ``history.parquet``; loss in nats, accuracy as a share).

    Returns:
        ``pandas.DataFrame`` with columns repeat, final_epoch, train_acc, test_acc, train_loss,
        test_loss, acc_gap (train_acc - test_acc), loss_gap (test_loss - train_loss, nats).
        Rows come from each repetition's last epoch with a finite test accuracy.

    Raises:
        InfoplaneError: for missing columns.

    References:
        1. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
           Information. arXiv 1703.00810.
        2. Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.
    """
    need = ["repeat", "epoch", "train_loss", "train_acc", "test_loss", "test_acc"]
    missing = [c for c in need if c not in getattr(history, "columns", ())]
    if missing:
        raise InfoplaneError(
            f"history lacks column(s) {', '.join(missing)}; pass a run's history.parquet."
        )
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
            "no run directory found (one holds information_plane.parquet and history.parquet); "
            "pass the --out of `infoplane run` or of `infoplane sweep`."
        )
    return found


def _is_run(path: Path) -> bool:
    return (path / "information_plane.parquet").is_file() and (path / "history.parquet").is_file()


def _run_labels(path: Path) -> dict[str, Any]:
    import yaml

    cfg_file = path / "config.yaml"
    if not cfg_file.is_file():
        return {"activation": "", "architecture": "", "train_fraction": np.nan}
    cfg = yaml.safe_load(cfg_file.read_text(encoding="utf-8")) or {}
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
        runs: run directories, or sweep directories holding them (see :func:`find_run_dirs`).
        estimator: which estimator's I(X;T) (default: every estimator in each run).
        per_repeat: one row per repetition (network) instead of the mean over a run's repetitions.

    Returns:
        ``pandas.DataFrame`` with columns run (directory name), path, activation, architecture,
        train_fraction, estimator, layer, layer_name, repeat (-1 for run means), compression
        (bits), peak_i_xt, final_i_xt, acc_gap (train - test accuracy), loss_gap (test - train
        loss, nats), train_acc, test_acc.

    Raises:
        InfoplaneError: if no run is found, or a run lacks columns or the estimator.

    Notes:
        Across runs that differ in activation or architecture, a correlation can come from the
        difference itself (e.g. tanh compresses and ReLU does not); compare within a group too.

    References:
        1. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
           Information. arXiv 1703.00810.
        2. Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.
        3. Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
           Review. IEEE TNNLS, arXiv 2003.09671.
    """
    import pandas as pd

    frames = []
    for path in find_run_dirs(runs):
        plane = pd.read_parquet(path / "information_plane.parquet")
        history = pd.read_parquet(path / "history.parquet")
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
        cols = [
            "compression",
            "peak_i_xt",
            "final_i_xt",
            "acc_gap",
            "loss_gap",
            "train_acc",
            "test_acc",
        ]
        if not per_repeat:
            merged = merged.groupby(["estimator", "layer", "layer_name"], as_index=False)[
                cols
            ].mean()
            merged["repeat"] = -1
        merged["run"] = path.name
        merged["path"] = str(path)
        for key, value in _run_labels(path).items():
            merged[key] = value
        frames.append(merged)
    order = [
        "run",
        "path",
        "activation",
        "architecture",
        "train_fraction",
        "estimator",
        "layer",
        "layer_name",
        "repeat",
        "compression",
        "peak_i_xt",
        "final_i_xt",
        "acc_gap",
        "loss_gap",
        "train_acc",
        "test_acc",
    ]
    return pd.concat(frames, ignore_index=True)[order]


def _gap_column(gap: str) -> tuple[str, str]:
    if gap not in GAPS:
        raise InfoplaneError(f"gap must be 'accuracy' or 'loss'; got {gap!r}.")
    if gap == "accuracy":
        return "acc_gap", "generalisation gap: train - test accuracy"
    return "loss_gap", "generalisation gap: test - train loss [nats]"


def gap_correlations(table: Any, *, gap: str = "accuracy") -> Any:
    """Spearman correlation across runs of compression with the gap, per estimator and layer.

    Args:
        table: from :func:`compression_vs_generalization`.
        gap: ``"accuracy"`` (train - test accuracy) or ``"loss"`` (test - train loss).

    Returns:
        ``pandas.DataFrame`` with columns estimator, layer, n_runs, spearman (NaN for fewer than
        3 runs or constant columns).

    Raises:
        InfoplaneError: for an unknown ``gap``.

    References:
        1. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
           Information. arXiv 1703.00810.
        2. Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.
    """
    import pandas as pd
    from scipy.stats import spearmanr

    col, _ = _gap_column(gap)
    rows = []
    for (est, layer), sub in table.groupby(["estimator", "layer"]):
        sub = sub[["compression", col]].dropna()
        r = np.nan
        if len(sub) >= 3 and sub["compression"].nunique() > 1 and sub[col].nunique() > 1:
            r = float(spearmanr(sub["compression"], sub[col]).statistic)
        rows.append({"estimator": est, "layer": int(layer), "n_runs": len(sub), "spearman": r})
    return pd.DataFrame(rows, columns=["estimator", "layer", "n_runs", "spearman"])


def plot_compression_vs_generalization(
    table: Any,
    path: str | Path | None = None,
    *,
    gap: str = "accuracy",
    estimator: str | None = None,
    layers: Sequence[int] | None = None,
) -> Any:
    """Scatter of compression (x, bits) against the generalisation gap (y), one panel per layer.

    Points are coloured by activation; each panel's title gives the Spearman correlation across
    the points.

    Args:
        table: from :func:`compression_vs_generalization`.
        path: where to save a PNG (atomically); ``None`` to only return the figure.
        gap: ``"accuracy"`` or ``"loss"``.
        estimator: which estimator (``None``: the table must hold exactly one).
        layers: which layers (default: all).

    Returns:
        The matplotlib Figure.

    Raises:
        InfoplaneError: for an unknown ``gap``, or an estimator not in the table (or several with
            ``estimator=None``).

    References:
        1. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
           Information. arXiv 1703.00810.
        2. Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    col, ylabel = _gap_column(gap)
    names = list(dict.fromkeys(table["estimator"]))
    if estimator is None:
        if len(names) != 1:
            raise InfoplaneError(f"table holds estimators {names}; pass estimator=one of them.")
        estimator = names[0]
    if estimator not in names:
        raise InfoplaneError(f"estimator {estimator!r} is not in table; it holds {names}.")
    t = table[table["estimator"] == estimator]
    layer_list = list(layers) if layers is not None else sorted(t["layer"].unique())
    n = len(layer_list)
    ncols = min(n, 3)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(4.0 * ncols, 3.3 * nrows), squeeze=False, sharey=True
    )
    corr = gap_correlations(t, gap=gap).set_index("layer")["spearman"]
    acts = list(dict.fromkeys(t["activation"]))
    for ax, layer in zip(axes.ravel(), layer_list, strict=False):
        sub = t[t["layer"] == layer]
        for k, act in enumerate(acts):
            s = sub[sub["activation"] == act]
            ax.scatter(
                s["compression"],
                s[col],
                s=28,
                color=f"C{k}",
                label=act or "run",
                edgecolors="white",
                linewidths=0.5,
            )
        name = sub["layer_name"].iloc[0] if len(sub) else ""
        r = corr.get(layer, np.nan)
        rtxt = f"ρ = {r:.2f}" if np.isfinite(r) else "ρ: n/a"
        ax.set_title(f"layer {layer} ({name}), {rtxt}", fontsize=9)
        ax.axvline(0, color="0.7", lw=0.8)
        ax.grid(alpha=0.25)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("compression: peak - final I(X;T) [bits]")
    for ax in axes[:, 0]:
        ax.set_ylabel(ylabel, fontsize=8)
    axes.ravel()[0].legend(fontsize=7, framealpha=0.8)
    fig.suptitle(
        f"Compression and generalisation across {t['run'].nunique()} runs ({estimator})",
        fontsize=11,
    )
    fig.tight_layout()
    if path is not None:
        from infoplane.storage import save_figure

        save_figure(path, fig, dpi=150, bbox_inches="tight")
    return fig
