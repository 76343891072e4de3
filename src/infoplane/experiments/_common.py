"""Machinery shared by the paper's experiments: configs, running settings, summaries and the figure.

Every experiment varies one thing of a base :class:`~infoplane.run.config.RunConfig` (depth,
training-set size, activation, batch size), runs each setting with
:func:`~infoplane.run.engine.run_experiment` into ``OUT/runs/<label>/`` (a finished run with the
same config is reused), and writes a table (``OUT/<name>.csv``), the phases of every layer
(``OUT/<name>_phases.csv``) and a figure (``OUT/<name>.png``: one averaged information plane per
setting plus a panel of training curves).

References:
    Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
    Information. arXiv:1703.00810.
    Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from infoplane.interface import InfoplaneError


@dataclass
class SettingRun:
    """The tables of one setting's run.

    Attributes:
        label: the setting's label (e.g. ``"3 layers"``).
        out_dir: its run directory.
        plane: information-plane table (repeat, epoch, layer, estimator, i_xt, i_ty, unit), bits.
        history: training curves (repeat, epoch, train_loss, train_acc, test_loss, test_acc).
        gradients: gradient statistics (repeat, epoch, layer, grad_mean, grad_std, snr, ...) or
            ``None``.
        seconds: wall time of the run (0 if reused).
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
    """

    out_dir: Path
    table: Any
    phases: Any
    figure: Path
    runs: dict[str, SettingRun] = field(default_factory=dict)


def experiment_config(
    *,
    preset: str = "default",
    epochs: int,
    repeats: int,
    seed: int = 0,
    lr: float | None = None,
    estimator: dict[str, Any] | None = None,
    n_points: int | None = None,
    overrides: dict[str, Any] | None = None,
) -> Any:
    """Build the base RunConfig of an experiment from a preset and the common flags.

    Args:
        preset: the preset to start from (default ``default``).
        epochs: training epochs.
        repeats: networks per setting (averaged).
        seed: seed of the first network.
        lr: learning rate (``None``: the preset's).
        estimator: ``{"name": ..., "params": {...}}`` replacing the preset's estimators.
        n_points: size of the log-spaced capture grid (``None``: the preset's).
        overrides: further nested RunConfig overrides.

    Returns:
        A :class:`~infoplane.run.config.RunConfig` (IB bound and layer check off: not needed here).

    Raises:
        InfoplaneError: for invalid values (named by key).
    """
    from infoplane.run.config import load_config, merge

    over: dict[str, Any] = {
        "seed": int(seed),
        "repeats": int(repeats),
        "training": {"epochs": int(epochs)},
        "analysis": {"gradient_stats": True, "ib_bound": False, "layer_check": False},
    }
    if lr is not None:
        over["training"]["lr"] = float(lr)
    if n_points is not None:
        over["capture"] = {"n_points": int(n_points)}
    if estimator is not None:
        over["estimators"] = [estimator]
    if overrides:
        over = merge(over, overrides)
    return load_config(preset, None, over)


def with_overrides(config: Any, overrides: dict[str, Any]) -> Any:
    """Return a copy of a RunConfig with nested ``overrides`` applied (validated).

    Raises:
        InfoplaneError: for invalid values.
    """
    from infoplane.run.config import merge, validate_config

    return validate_config(merge(config.model_dump(mode="json"), overrides), "experiment")


def _finished(run_dir: Path, config: Any) -> bool:
    from infoplane.run.engine import CONFIG_FILE
    from infoplane.run.sweep import SUCCESS_MARKER

    marker, saved = run_dir / SUCCESS_MARKER, run_dir / CONFIG_FILE
    return marker.is_file() and saved.is_file() and saved.read_text() == config.to_yaml()


def _load(label: str, run_dir: Path, seconds: float) -> SettingRun:
    import pandas as pd

    from infoplane.run.engine import GRADIENTS_FILE, HISTORY_FILE, PLANE_FILE

    grads = run_dir / GRADIENTS_FILE
    return SettingRun(
        label=label,
        out_dir=run_dir,
        plane=pd.read_parquet(run_dir / PLANE_FILE),
        history=pd.read_parquet(run_dir / HISTORY_FILE),
        gradients=pd.read_parquet(grads) if grads.is_file() else None,
        seconds=seconds,
    )


def run_settings(
    configs: dict[str, Any],
    out_dir: str | Path,
    *,
    workers: int = 1,
    progress: bool = True,
    slug: Callable[[str], str] | None = None,
) -> dict[str, SettingRun]:
    """Run one RunConfig per setting into ``out_dir/runs/<slug(label)>``, reusing finished runs.

    Args:
        configs: label -> RunConfig, in display order.
        out_dir: the experiment directory.
        workers: 1 (default) runs in this process; more uses a local process pool (each run with
            one torch thread).
        progress: tqdm bar over settings.
        slug: label -> folder name (default: non-alphanumerics replaced by ``_``).

    Returns:
        label -> :class:`SettingRun`, in the order of ``configs``.

    Raises:
        InfoplaneError: for ``workers < 1``; errors of the runs propagate.
    """
    from infoplane.run.sweep import _run_one

    if workers < 1:
        raise InfoplaneError(f"workers must be >= 1; got {workers}.")
    slug = slug or (lambda s: "".join(c if c.isalnum() or c in "-." else "_" for c in s))
    out = Path(out_dir)
    dirs = {label: out / "runs" / slug(label) for label in configs}
    todo = [lab for lab, cfg in configs.items() if not _finished(dirs[lab], cfg)]
    seconds: dict[str, float] = {}
    bar = None
    if progress and todo:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(todo), desc="settings", unit="run")
    try:
        if workers == 1 or len(todo) <= 1:
            for lab in todo:
                t0 = time.perf_counter()
                _run_one(configs[lab].model_dump(mode="json"), str(dirs[lab]), False, 1)
                seconds[lab] = time.perf_counter() - t0
                if bar is not None:
                    bar.update(1)
        elif todo:
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor, as_completed

            ctx = mp.get_context("spawn")
            with ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=ctx) as pool:
                futs = {
                    pool.submit(
                        _run_one, configs[lab].model_dump(mode="json"), str(dirs[lab]), False, 1
                    ): lab
                    for lab in todo
                }
                for fut in as_completed(futs):
                    seconds[futs[fut]] = fut.result()[2]
                    if bar is not None:
                        bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return {lab: _load(lab, dirs[lab], seconds.get(lab, 0.0)) for lab in configs}


def mean_history(history: Any) -> Any:
    """Average the training curves over repeats: DataFrame indexed by epoch."""
    cols = [c for c in ("train_loss", "train_acc", "test_loss", "test_acc") if c in history]
    return history.groupby("epoch")[cols].mean().sort_index()


def convergence_epoch(history: Any, *, fraction: float = 0.95) -> float:
    """Time to convergence (ours): when the mean training loss has made ``fraction`` of its drop.

    .. math:: e^* = \\min\\{e : \\bar L(e) \\le L_{end} + (1 - f)(L_0 - L_{end})\\}

    where :math:`\\bar L` is the training loss averaged over repetitions, :math:`L_0` its value
    after the first epoch, :math:`L_{end}` the minimum over training and f = ``fraction``. The
    paper (Shwartz-Ziv & Tishby 2017, Sec. 3.5) states that more hidden layers reach good
    generalisation in fewer epochs without defining the moment; this rule is ours, scale-free and
    insensitive to noise after convergence.

    Args:
        history: training curves with columns epoch, train_loss (and repeat).
        fraction: share f of the total loss decrease, in (0, 1) (default 0.95).

    Returns:
        The epoch e*, or NaN for an empty history.

    Raises:
        InfoplaneError: for ``fraction`` outside (0, 1).
    """
    if not 0.0 < fraction < 1.0:
        raise InfoplaneError(f"fraction must be in (0, 1); got {fraction!r}.")
    if history is None or len(history) == 0:
        return float("nan")
    loss = mean_history(history)["train_loss"]
    values = loss.to_numpy()
    level = values.min() + (1.0 - fraction) * (values[0] - values.min())
    return float(loss.index.to_numpy()[np.argmax(values <= level)])


def epochs_to_accuracy(history: Any, threshold: float) -> float:
    """First epoch at which the mean train accuracy reaches ``threshold`` (NaN if never)."""
    acc = mean_history(history)["train_acc"]
    hit = np.flatnonzero(acc.to_numpy() >= threshold)
    return float(acc.index[hit[0]]) if hit.size else float("nan")


def final_metrics(history: Any) -> dict[str, float]:
    """Repeat-averaged train/test loss (nats) and accuracy at the last epoch."""
    last = mean_history(history).iloc[-1]
    return {f"final_{k}": float(v) for k, v in last.items()}


def layer_summary(run: SettingRun, *, estimator: str | None = None) -> Any:
    """Per-layer compression and phases of one run (repeat-averaged).

    Columns: layer, peak_i_xt (max over epochs of the mean I(X;T), bits), final_i_xt,
    compression_bits (= peak - final, >= 0), final_i_ty, transition_epoch, compression_epoch (see
    :func:`~infoplane.analysis.phases.detect_phases`).
    """
    from infoplane.analysis.phases import detect_phases

    plane = run.plane
    if estimator is not None:
        plane = plane[plane["estimator"] == estimator]
    elif "estimator" in plane and plane["estimator"].nunique() > 1:
        estimator = str(plane["estimator"].iloc[0])
        plane = plane[plane["estimator"] == estimator]
    mean = plane.groupby(["layer", "epoch"])[["i_xt", "i_ty"]].mean()
    g = mean.groupby(level="layer")
    out = g["i_xt"].max().rename("peak_i_xt").to_frame()
    out["final_i_xt"] = g["i_xt"].last()
    out["compression_bits"] = (out["peak_i_xt"] - out["final_i_xt"]).clip(lower=0.0)
    out["final_i_ty"] = g["i_ty"].last()
    out = out.reset_index()
    phases = detect_phases(plane, run.gradients)
    return out.merge(phases, on="layer", how="left")


def plane_figure(
    runs: dict[str, SettingRun],
    path: str | Path,
    *,
    title: str,
    curves: Callable[[Any], None] | None = None,
) -> Path:
    """One averaged information plane per setting (shared epoch colours) plus a curves panel.

    Args:
        runs: label -> run, in panel order.
        path: PNG path (written atomically).
        title: figure title.
        curves: ``curves(ax)`` draws the last panel (e.g. training curves); ``None`` for none.

    Returns:
        ``path``.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    from infoplane.analysis.phases import detect_phases
    from infoplane.data import twelve_bit_labels
    from infoplane.estimators.binning import label_entropy
    from infoplane.plots.information_plane import draw_information_plane, mean_over_repeats
    from infoplane.plots.snr import mark_phases
    from infoplane.storage import save_figure

    n = len(runs) + (curves is not None)
    ncols = min(n, 4)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(4.3 * ncols + 1, 3.8 * nrows), squeeze=False, layout="constrained"
    )
    top = max(int(r.plane["epoch"].max()) for r in runs.values())
    norm = LogNorm(vmin=1, vmax=max(top, 2))
    ixy = label_entropy(twelve_bit_labels())
    sm = None
    for ax, (label, run) in zip(axes.ravel(), runs.items(), strict=False):
        est = str(run.plane["estimator"].iloc[0])
        mean = mean_over_repeats(run.plane, est)
        sm = draw_information_plane(ax, mean, ixy=ixy, norm=norm)
        phases = detect_phases(run.plane[run.plane["estimator"] == est], run.gradients)
        mark_phases(ax, mean, phases)
        ax.set_title(label, fontsize=10)
        ax.grid(alpha=0.2)
    axes.ravel()[0].legend(fontsize=6, loc="lower right", framealpha=0.8)
    if curves is not None:
        curves(axes.ravel()[len(runs)])
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    if sm is not None:
        cbar = fig.colorbar(sm, ax=axes.ravel().tolist(), pad=0.01, fraction=0.02, shrink=0.9)
        cbar.set_label("Epochs")
    fig.suptitle(title, fontsize=11)
    save_figure(path, fig, dpi=130)
    plt.close(fig)
    return Path(path)


def loss_curves(runs: dict[str, SettingRun], *, marks: dict[str, float] | None = None) -> Callable:
    """Return a ``curves(ax)`` that draws train (solid) and test (dashed) loss per setting."""

    def draw(ax: Any) -> None:
        colors = iter(["C0", "C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9"] * 4)
        for label, run in runs.items():
            h = mean_history(run.history)
            c = next(colors)
            ax.plot(h.index, h["train_loss"], color=c, lw=1.2, label=label)
            if h["test_loss"].notna().any():
                ax.plot(h.index, h["test_loss"], color=c, lw=1.0, ls="--")
            if marks and np.isfinite(marks.get(label, np.nan)):
                e = marks[label]
                ax.plot([e], [np.interp(e, h.index, h["train_loss"])], "o", color=c, ms=5)
        ax.set_xscale("log")
        ax.set_xlabel("Epochs")
        ax.set_ylabel("cross-entropy [nats]")
        ax.set_title("train (solid), test (dashed)", fontsize=10)
        ax.grid(alpha=0.2, which="both")
        ax.legend(fontsize=6)

    return draw


def write_outputs(
    name: str,
    out_dir: Path,
    table: Any,
    runs: dict[str, SettingRun],
    setting_column: str,
    *,
    title: str,
    curves: Callable | None,
) -> ExperimentResult:
    """Write ``<name>.csv``, ``<name>_phases.csv`` and ``<name>.png``; return the result."""
    import pandas as pd

    from infoplane.storage import write_table

    phases = pd.concat(
        [layer_summary(run).assign(**{setting_column: label}) for label, run in runs.items()],
        ignore_index=True,
    )
    phases = phases[[setting_column, *[c for c in phases.columns if c != setting_column]]]
    write_table(out_dir / f"{name}.csv", table)
    write_table(out_dir / f"{name}_phases.csv", phases)
    fig = plane_figure(runs, out_dir / f"{name}.png", title=title, curves=curves)
    return ExperimentResult(out_dir, table, phases, fig, runs)
