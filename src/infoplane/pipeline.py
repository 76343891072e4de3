"""The main job: train R networks, capture their layers over training, estimate the information plane.

Reproduces the experiment of Shwartz-Ziv & Tishby (2017), arXiv 1703.00810 (Sec. 3): the 12-bit
task, a tanh MLP trained with Adam, activations of all inputs captured at log-spaced epochs, I(X;T)
and I(T;Y) per layer and epoch, averaged over repetitions. Data flow::

    RunConfig -> data -> EnsembleMLP (R members) -> train_ensemble (capture at log-spaced epochs)
              -> every estimator on the same activations -> tidy table -> figures

A run directory holds (all written atomically)::

    config.yaml                 the resolved RunConfig
    information_plane.parquet   repeat, epoch, layer, layer_name, estimator, i_xt, i_ty, unit (bits)
    history.parquet             repeat, epoch, train_loss, train_acc, test_loss, test_acc (nats, share)
    gradients.parquet           gradient statistics per repeat, epoch, layer (if enabled)
    information_plane.png       the paper's figure (averaged over repeats), one panel per estimator
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from infoplane.config import RunConfig
from infoplane.data import Dataset, load_twelve_bit
from infoplane.interface import InfoplaneError

log = logging.getLogger(__name__)

PLANE_FILE = "information_plane.parquet"
HISTORY_FILE = "history.parquet"
GRADIENTS_FILE = "gradients.parquet"
CONFIG_FILE = "config.yaml"
FIGURE_FILE = "information_plane.png"


@dataclass
class RunResult:
    """What a run produced.

    Attributes:
        out_dir: the run directory.
        plane: tidy table (one row per repeat, epoch, layer, estimator) with ``i_xt``, ``i_ty`` in bits.
        history: per-epoch training curves (one row per repeat and epoch).
        gradients: gradient statistics, or ``None`` when disabled.
        seconds: wall time of training and estimation, by stage.
    """

    out_dir: Path
    plane: Any
    history: Any
    gradients: Any | None
    seconds: dict[str, float]


def load_dataset(config: RunConfig) -> Dataset:
    """Load the data set named by ``config.data``.

    Raises:
        InfoplaneError: for an unknown task.
    """
    d = config.data
    if d.task == "12bit":
        return load_twelve_bit(d.split, d.train_fraction, d.split_seed)
    raise InfoplaneError(f"data.task={d.task!r} is unknown; built in: '12bit'.")


def prepare_run_dir(out_dir: str | Path, overwrite: bool) -> Path:
    """Create the run directory, refusing to reuse a non-empty one unless ``overwrite``.

    Raises:
        FileExistsError: if ``out_dir`` exists, is not empty and ``overwrite`` is False.
    """
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()):
        if not overwrite:
            raise FileExistsError(
                f"run directory {str(out)!r} exists and is not empty; choose another --out or pass "
                "--overwrite to replace it."
            )
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    return out


def _default_progress() -> Callable[..., Any]:
    from tqdm.auto import tqdm

    return tqdm


def estimate_plane(
    activations: dict[str, np.ndarray],
    labels: np.ndarray,
    epochs: np.ndarray,
    config: RunConfig,
    progress: Callable[..., Any] | None = None,
) -> Any:
    """Run every configured estimator on the captured activations and return the tidy table.

    Args:
        activations: module name -> array (n_repeats, n_epochs, n_samples, n_units), layers in order.
        labels: integer labels of the evaluated samples, shape (n_samples,).
        epochs: the captured epochs, shape (n_epochs,).
        config: the run config (its ``estimators``).
        progress: tqdm-like factory, or ``None``.

    Returns:
        pandas DataFrame with columns repeat, epoch, layer (1-based), layer_name, estimator, i_xt,
        i_ty, unit.
    """
    import pandas as pd

    from infoplane.estimators import make_estimator

    jobs = [(e, i, name) for e in config.estimators for i, name in enumerate(activations, start=1)]
    iterator = progress(jobs, desc="estimating", unit="layer") if progress else jobs
    frames = []
    for est_cfg, layer, name in iterator:
        est = make_estimator(est_cfg.name, **est_cfg.params)
        t = activations[name]
        i_xt, i_ty = est.information_plane(t, labels)
        r, e = t.shape[:2]
        frames.append(
            pd.DataFrame(
                {
                    "repeat": np.repeat(np.arange(r), e),
                    "epoch": np.tile(epochs, r),
                    "layer": layer,
                    "layer_name": name,
                    "estimator": est_cfg.name,
                    "i_xt": np.asarray(i_xt, dtype=float).ravel(),
                    "i_ty": np.asarray(i_ty, dtype=float).ravel(),
                    "unit": getattr(est, "unit", "bits"),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def history_frame(history: dict[str, np.ndarray]) -> Any:
    """Turn the trainer's history arrays ((E,) epochs, (E, R) metrics) into a tidy table."""
    import pandas as pd

    epochs = history["epoch"]
    r = history["train_loss"].shape[1]
    out = {"repeat": np.tile(np.arange(r), len(epochs)), "epoch": np.repeat(epochs, r)}
    for key in ("train_loss", "train_acc", "test_loss", "test_acc"):
        out[key] = history[key].ravel()
    return pd.DataFrame(out).sort_values(["repeat", "epoch"], ignore_index=True)


def run_experiment(
    config: RunConfig,
    out_dir: str | Path,
    *,
    overwrite: bool = False,
    progress: bool | Callable[..., Any] = True,
    make_figures: bool = True,
) -> RunResult:
    """Train, capture, estimate and write a run directory (see the module docstring).

    Args:
        config: the resolved run config.
        out_dir: the run directory to create.
        overwrite: replace an existing non-empty ``out_dir``.
        progress: ``True`` for tqdm bars, ``False`` for none, or a tqdm-like factory.
        make_figures: write the PNG figures.

    Returns:
        A :class:`RunResult`.

    Raises:
        FileExistsError: ``out_dir`` exists and is not empty (without ``overwrite``).
        InfoplaneError: bad configuration values or diverged (NaN) activations.
    """
    import torch

    from infoplane.capture import run_and_capture
    from infoplane.models.ensemble import EnsembleMLP
    from infoplane.storage import write_table, write_text
    from infoplane.training import TrainSettings, log_spaced_epochs, train_ensemble

    bar = _default_progress() if progress is True else (progress or None)
    out = prepare_run_dir(out_dir, overwrite)
    write_text(out / CONFIG_FILE, config.to_yaml())
    timings: dict[str, float] = {}

    ds = load_dataset(config)
    eval_idx = ds.evaluation_indices(config.data.mi_on)
    model = EnsembleMLP(
        config.seeds(),
        n_inputs=ds.x.shape[1],
        hidden=config.model.hidden,
        n_classes=ds.n_classes,
        activation=config.model.activation,
        quantize_bits=config.model.quantize_bits,
    )
    layers = config.capture.layers or model.layer_names(config.capture.include_output)
    capture_epochs = log_spaced_epochs(config.training.epochs, config.capture.n_points)
    x_eval = torch.as_tensor(ds.x[eval_idx])
    captured: dict[str, list[np.ndarray]] = {}

    def capture(epoch: int, net: EnsembleMLP) -> None:
        acts = run_and_capture(net, x_eval.to(next(net.parameters()).device), layers, sample_dims=2)
        for name, value in acts.items():
            captured.setdefault(name, []).append(value.numpy())

    grad_stats = None
    step_fn = None
    if config.analysis.gradient_stats:
        try:
            from infoplane.training.gradients import GradientStatistics
        except ImportError:  # pragma: no cover - until the gradient module lands
            GradientStatistics = None  # noqa: N806
        if GradientStatistics is not None:
            grad_stats = GradientStatistics(model, capture_epochs)
            step_fn = grad_stats.step_fn

    t0 = time.perf_counter()
    settings = TrainSettings(**config.training.model_dump())
    history = train_ensemble(
        model, ds.x, ds.y, ds.train_idx, ds.test_idx, settings,
        capture_epochs=capture_epochs, capture_fn=capture, step_fn=step_fn, progress=bar,
    )
    timings["training"] = time.perf_counter() - t0
    history_df = history_frame(history)
    write_table(out / HISTORY_FILE, history_df)
    gradients_df = None
    if grad_stats is not None:
        gradients_df = grad_stats.to_frame()
        write_table(out / GRADIENTS_FILE, gradients_df)

    t0 = time.perf_counter()
    # (n_epochs, R, n, u) -> (R, n_epochs, n, u): one array per layer for vectorised estimation.
    activations = {name: np.stack(v, axis=1) for name, v in captured.items()}
    plane = estimate_plane(activations, ds.y[eval_idx], capture_epochs, config, bar)
    timings["estimation"] = time.perf_counter() - t0
    write_table(out / PLANE_FILE, plane)

    result = RunResult(out, plane, history_df, gradients_df, timings)
    if make_figures:
        from infoplane.plots.run_figures import write_run_figures

        t0 = time.perf_counter()
        write_run_figures(result, config, ds, activations=activations, epochs=capture_epochs)
        timings["figures"] = time.perf_counter() - t0
    return result
