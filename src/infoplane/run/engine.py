"""The main job: train R networks, capture their layers over training, estimate the info plane.

Reproduces the experiment of Shwartz-Ziv & Tishby (2017), arXiv 1703.00810 (Sec. 3): the 12-bit
task, a tanh MLP trained with Adam, activations of all inputs captured at log-spaced epochs, I(X;T)
and I(T;Y) per layer and epoch, averaged over repetitions; and, with other presets, MNIST (or the
8x8 digits), a CNN or any model from a factory. Data flow::

    RunConfig -> data -> stacked model (R members: EnsembleMLP, or ModuleEnsemble for any nn.Module)
              -> train_ensemble (capture at log-spaced epochs -> activation store, or online)
              -> every estimator, layer by layer, in epoch chunks read from the store -> tidy table
              -> figures

Peak memory does not grow with the number of captured epochs: each capture is written to the zarr
store (:mod:`infoplane.storage.activations`) at once and estimation reads it back in chunks of
``storage.chunk_mb``. A run directory holds (all written atomically)::

    config.yaml                 the resolved RunConfig
    information_plane.parquet   repeat, epoch, layer, layer_name, estimator, i_xt, i_ty, unit (bits)
    history.parquet             repeat, epoch, train_loss, train_acc, test_loss, test_acc
    gradients.parquet           gradient statistics per repeat, epoch, layer (if enabled)
    diagnostics.parquet         geometric diagnostics per repeat, epoch, layer (with the store)
    phases.csv                  drift-to-diffusion and compression-onset epochs per layer
    information_plane.png       the paper's figure (averaged over repeats), one panel per estimator
    snr.png, training_curves.png, layer_check.png (12-bit task)
    activations.zarr/           the activation store (``storage.activations: zarr``)
    state/                      checkpoint.pt, status.json, estimates/ (what a resume needs)

Resume: a checkpoint (model, optimiser, each member's RNG state, history, online estimates, gradient
statistics) is written every ``storage.checkpoint_every`` epochs and after the last; the store's
manifest says which epochs are complete, and each (estimator, layer) estimate is saved once done.
``run_experiment(config, out_dir, resume=True)`` (``infoplane run --resume DIR``) goes on from there
and ends with the same table as an uninterrupted run (bit-identical on the CPU).
"""

from __future__ import annotations

import logging
import shutil
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from infoplane.interface import InfoplaneError
from infoplane.run.config import RunConfig
from infoplane.run.setup import (
    build_network,
    evaluation_indices,
    load_dataset,
    prepare_run_dir,
    resolve_config,
)
from infoplane.storage.layout import (
    CHECKPOINT as CHECKPOINT_FILE,
)
from infoplane.storage.layout import (
    CONFIG as CONFIG_FILE,
)
from infoplane.storage.layout import (
    DIAGNOSTICS as DIAGNOSTICS_FILE,
)
from infoplane.storage.layout import (
    ESTIMATES as ESTIMATES_DIR,
)
from infoplane.storage.layout import (
    GRADIENTS as GRADIENTS_FILE,
)
from infoplane.storage.layout import (
    HISTORY as HISTORY_FILE,
)
from infoplane.storage.layout import (
    PLANE as PLANE_FILE,
)
from infoplane.storage.layout import (
    STATE as STATE_DIR,
)
from infoplane.storage.layout import (
    STATUS as STATUS_FILE,
)
from infoplane.storage.layout import (
    STORE as STORE_DIR,
)

log = logging.getLogger(__name__)


@dataclass
class RunResult:
    """What a run produced.

    Attributes:
        out_dir: the run directory.
        plane: tidy table (one row per repeat, epoch, layer, estimator), ``i_xt``, ``i_ty`` in bits.
        history: per-epoch training curves (one row per repeat and epoch).
        gradients: gradient statistics, or ``None`` when disabled.
        seconds: wall time of training and estimation, by stage.
        store: the activation store folder (``out_dir/activations.zarr``), or ``None`` when the
            run kept no activations; read it with :func:`infoplane.storage.load_activations`.
    """

    out_dir: Path
    plane: Any
    history: Any
    gradients: Any | None
    seconds: dict[str, float]
    store: Path | None = None


def _default_progress() -> Callable[..., Any]:
    from tqdm.auto import tqdm

    return tqdm


# ------------------------------------------------------------------------------------ estimation
def _plane_frame(
    i_xt: np.ndarray,
    i_ty: np.ndarray,
    epochs: np.ndarray,
    layer: int,
    name: str,
    estimator: str,
    unit: str,
) -> Any:
    import pandas as pd

    r, e = i_xt.shape
    return pd.DataFrame(
        {
            "repeat": np.repeat(np.arange(r), e),
            "epoch": np.tile(np.asarray(epochs), r),
            "layer": layer,
            "layer_name": name,
            "estimator": estimator,
            "i_xt": np.asarray(i_xt, dtype=float).ravel(),
            "i_ty": np.asarray(i_ty, dtype=float).ravel(),
            "unit": unit,
        }
    )


def estimate_plane(
    activations: dict[str, np.ndarray],
    labels: np.ndarray,
    epochs: np.ndarray,
    config: RunConfig,
    progress: Callable[..., Any] | None = None,
) -> Any:
    """Run every configured estimator on in-memory activations and return the tidy table.

    Args:
        activations: module name -> array (n_repeats, n_epochs, n_samples, n_units), in order.
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
        i_xt, i_ty = est.information_plane(activations[name], labels)
        frames.append(
            _plane_frame(
                np.asarray(i_xt),
                np.asarray(i_ty),
                epochs,
                layer,
                name,
                est_cfg.name,
                getattr(est, "unit", "bits"),
            )
        )
    return pd.concat(frames, ignore_index=True)


def _needs_whole_run(name: str, params: dict[str, Any]) -> bool:
    """True for estimator settings that pool every epoch of a layer at once.

    These are ``binning`` with ``range="data"`` and ``scope="global"`` (its default scope) and
    ``binning_adaptive`` with ``scope="global"`` (equal-mass bins over the whole run).
    """
    if name == "binning":
        return params.get("range") == "data" and params.get("scope", "global") == "global"
    return name == "binning_adaptive" and params.get("scope") == "global"


def estimate_layer_from_store(
    store: Any,
    layer: str,
    name: str,
    params: dict[str, Any],
    *,
    max_bytes: int = 256 * 2**20,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """Estimate one layer's information plane from an activation store, in chunks of epochs.

    Settings that depend on the whole run are resolved first: binning with ``range="data"`` gets
    the layer's [min, max] over all repeats and complete epochs, read from the store's manifest
    (the same range as estimating everything at once).

    Args:
        store: an :class:`~infoplane.storage.activations.ActivationStore`.
        layer: the layer name.
        name, params: estimator registry name and hyper-parameters.
        max_bytes: float32 bytes of activations per chunk (bounds peak memory).

    Returns:
        ``(epochs (E,), i_xt (R, E), i_ty (R, E), unit)``.

    Raises:
        InfoplaneError: for a bad estimator or an empty store.
    """
    from infoplane.estimators import make_estimator

    epochs = store.completed_epochs
    if len(epochs) == 0:
        raise InfoplaneError(
            f"the activation store at {str(store.path)!r} holds no complete epoch."
        )
    params = dict(params)
    per_epoch = store.n_repeats * store.n_samples * store.n_units[layer] * 4
    # one chunk: the estimator sees everything at once, exactly as for in-memory activations
    whole = _needs_whole_run(name, params) and per_epoch * len(epochs) > max_bytes
    quiet = False
    if whole and name == "binning_adaptive":
        # equal-mass bins over the whole run cannot be split: read the layer in one chunk
        max_bytes = max(max_bytes, per_epoch * len(epochs))
    elif whole:
        lo, hi = store.value_range(layer)
        if not hi > lo:
            hi = lo + 1.0
        params["range"] = [lo, hi]
        quiet = True
    est = make_estimator(name, **params)
    xs, ys = [], []
    labels = store.labels
    for _eps, t in store.iter_epoch_chunks(layer, max_bytes=max_bytes, epochs=epochs):
        with warnings.catch_warnings():
            if quiet:  # the range is the data's own: nothing is out of range
                warnings.filterwarnings("ignore", message=".*outside the binning range.*")
            i_xt, i_ty = est.information_plane(t, labels)
        xs.append(np.asarray(i_xt, dtype=float))
        ys.append(np.asarray(i_ty, dtype=float))
    return (
        epochs,
        np.concatenate(xs, axis=1),
        np.concatenate(ys, axis=1),
        getattr(est, "unit", "bits"),
    )


def estimate_from_store(
    store: Any,
    estimators: list[Any],
    *,
    max_bytes: int = 256 * 2**20,
    progress: Callable[..., Any] | None = None,
    done_dir: Path | None = None,
    labels_for: dict[int, str] | None = None,
) -> Any:
    """Estimate every estimator on every layer of a store and return the tidy table.

    Args:
        store: an :class:`~infoplane.storage.activations.ActivationStore`.
        estimators: :class:`~infoplane.run.config.EstimatorConfig` items (``name``, ``params``).
        max_bytes: memory budget per chunk of epochs.
        progress: tqdm-like factory, or ``None``.
        done_dir: if given, each (estimator, layer) table is saved there atomically once computed
            and reused if present (what makes estimation resumable).
        labels_for: estimator index -> the value of the ``estimator`` column (default: its name).

    Returns:
        pandas DataFrame (repeat, epoch, layer, layer_name, estimator, i_xt, i_ty, unit).
    """
    import pandas as pd

    from infoplane.storage import write_table

    jobs = [
        (k, e, i, name)
        for k, e in enumerate(estimators)
        for i, name in enumerate(store.layers, start=1)
    ]
    iterator = progress(jobs, desc="estimating", unit="layer") if progress else jobs
    frames = []
    for k, est_cfg, layer, name in iterator:
        label = (labels_for or {}).get(k, est_cfg.name)
        path = None if done_dir is None else done_dir / f"{k:02d}-{layer:03d}.parquet"
        if path is not None and path.is_file():
            frames.append(pd.read_parquet(path))
            continue
        epochs, i_xt, i_ty, unit = estimate_layer_from_store(
            store, name, est_cfg.name, est_cfg.params, max_bytes=max_bytes
        )
        frame = _plane_frame(i_xt, i_ty, epochs, layer, name, label, unit)
        if path is not None:
            write_table(path, frame)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


class OnlineEstimates:
    """Estimates computed at each capture epoch during training (no activations kept).

    Args:
        estimators: :class:`~infoplane.run.config.EstimatorConfig` items.
        labels: labels of the evaluated samples, shape (n_samples,).

    Raises:
        InfoplaneError: for an estimator setting that needs the whole run (binning with
            ``range="data"`` and ``scope="global"``): use ``bin_width``, a fixed ``range``,
            ``scope="layer"`` or keep the activation store.
    """

    def __init__(self, estimators: list[Any], labels: np.ndarray) -> None:
        from infoplane.estimators import make_estimator

        for e in estimators:
            if _needs_whole_run(e.name, e.params):
                raise InfoplaneError(
                    f"estimator {e.name!r} with range='data' needs the range over the whole run, "
                    "which online estimation does not know; use bin_width=..., a fixed range, "
                    "scope='layer', "
                    "or storage.online=false (estimate from the activation store)."
                )
        self.configs = list(estimators)
        self.estimators = [make_estimator(e.name, **e.params) for e in estimators]
        self.labels = labels
        #: (estimator index, layer index) -> {epoch: (i_xt (R,), i_ty (R,))}
        self.values: dict[tuple[int, int], dict[int, tuple[np.ndarray, np.ndarray]]] = {}

    def update(self, epoch: int, acts: dict[str, np.ndarray]) -> None:
        """Estimate every layer of one epoch; ``acts`` maps layer -> (R, n_samples, n_units)."""
        for k, est in enumerate(self.estimators):
            for i, a in enumerate(acts.values(), start=1):
                i_xt, i_ty = est.information_plane(a[:, None], self.labels)
                self.values.setdefault((k, i), {})[int(epoch)] = (
                    np.asarray(i_xt, float)[:, 0],
                    np.asarray(i_ty, float)[:, 0],
                )

    def forget_after(self, epoch: int) -> None:
        """Drop estimates of epochs after ``epoch`` (resume from a checkpoint)."""
        for per_epoch in self.values.values():
            for e in [e for e in per_epoch if e > epoch]:
                del per_epoch[e]

    def to_frame(self, layers: list[str]) -> Any:
        """The tidy table, in the same row order as offline estimation."""
        import pandas as pd

        frames = []
        for k, est_cfg in enumerate(self.configs):
            for i, name in enumerate(layers, start=1):
                per_epoch = self.values.get((k, i), {})
                epochs = np.array(sorted(per_epoch), dtype=np.int64)
                i_xt = np.stack([per_epoch[e][0] for e in epochs], axis=1)
                i_ty = np.stack([per_epoch[e][1] for e in epochs], axis=1)
                frames.append(
                    _plane_frame(
                        i_xt,
                        i_ty,
                        epochs,
                        i,
                        name,
                        est_cfg.name,
                        getattr(self.estimators[k], "unit", "bits"),
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


# ----------------------------------------------------------------------------------- checkpoints
def read_checkpoint(run_dir: str | Path) -> dict[str, Any] | None:
    """Load a run directory's checkpoint (``state/checkpoint.pt``), or ``None`` if there is none.

    The file is only ever replaced atomically, so what is read is a complete checkpoint.
    """
    import torch

    path = Path(run_dir) / CHECKPOINT_FILE
    if not path.is_file():
        return None
    return torch.load(path, map_location="cpu", weights_only=False)


def _write_checkpoint(run_dir: Path, payload: dict[str, Any]) -> None:
    import torch

    from infoplane.storage import atomic_write

    atomic_write(run_dir / CHECKPOINT_FILE, lambda p: torch.save(payload, p))


def _set_status(run_dir: Path, stage: str) -> None:
    from infoplane.storage import write_json

    write_json(run_dir / STATUS_FILE, {"stage": stage, "time": time.strftime("%Y-%m-%dT%H:%M:%S")})


# ------------------------------------------------------------------------------------------- run
def diagnostics_from_store(store: Any, config: RunConfig, *, max_bytes: int = 256 * 2**20) -> Any:
    """Geometric diagnostics (Geiger 2021) of every layer, repeat and epoch, read from the store.

    Reads one layer at a time in chunks of epochs, so memory stays bounded; ``range="data"`` of the
    binning grid becomes the layer's [min, max] over the whole run (as for estimation).

    Args:
        store: the run's :class:`~infoplane.storage.activations.ActivationStore`.
        config: the run config (activation and binning grid).
        max_bytes: float32 bytes of activations per chunk.

    Returns:
        DataFrame with columns repeat, epoch, layer, layer_name, saturation, total_variance,
        top_pc_share, class_separation, n_states (see
        :func:`~infoplane.analysis.diagnostics.compute_diagnostics`).
    """
    import pandas as pd

    from infoplane.analysis.diagnostics import binning_grid_from_config, compute_diagnostics

    grid = binning_grid_from_config(config)
    epochs = store.completed_epochs
    frames = []
    for index, layer in enumerate(store.layers, start=1):
        layer_grid = dict(grid)
        if layer_grid["range"] == "data" and layer_grid.get("bin_width") is None:
            lo, hi = store.value_range(layer)
            layer_grid["range"] = (lo, hi if hi > lo else lo + 1.0)
        for eps, t in store.iter_epoch_chunks(layer, max_bytes=max_bytes, epochs=epochs):
            frame = compute_diagnostics(
                {layer: t}, store.labels, eps, activation=config.model.activation, **layer_grid
            )
            frames.append(frame.assign(layer=index, layer_name=layer))
    return pd.concat(frames, ignore_index=True)


def run_experiment(
    config: RunConfig,
    out_dir: str | Path,
    *,
    overwrite: bool = False,
    progress: bool | Callable[..., Any] = True,
    make_figures: bool = True,
    resume: bool = False,
) -> RunResult:
    """Train, capture, estimate and write a run directory (see the module docstring).

    Args:
        config: the resolved run config.
        out_dir: the run directory to create (or, with ``resume``, the one to go on with).
        overwrite: replace an existing non-empty ``out_dir``.
        progress: ``True`` for tqdm bars, ``False`` for none, or a tqdm-like factory.
        make_figures: write the PNG figures.
        resume: go on with the interrupted run in ``out_dir`` from its last checkpoint (the config
            must be the one in ``out_dir/config.yaml``; see :func:`resume_experiment`).

    Returns:
        A :class:`RunResult`.

    Raises:
        FileExistsError: ``out_dir`` exists and is not empty (without ``overwrite`` or ``resume``).
        FileNotFoundError: ``resume`` of a directory without ``config.yaml``.
        InfoplaneError: bad configuration values, diverged (NaN) activations, or a resume whose
            config differs from the saved one.
    """
    import torch

    from infoplane.storage import write_table, write_text
    from infoplane.storage.activations import ActivationStore
    from infoplane.training import TrainSettings, log_spaced_epochs, train_ensemble

    bar = _default_progress() if progress is True else (progress or None)
    config = resolve_config(config)
    out = Path(out_dir)
    ckpt = None
    if resume:
        from infoplane.run.config import read_config_file, validate_config

        if not (out / CONFIG_FILE).is_file():
            raise FileNotFoundError(
                f"{str(out)!r} has no {CONFIG_FILE}; it is not a run directory to resume."
            )
        saved = validate_config(read_config_file(out / CONFIG_FILE), str(out / CONFIG_FILE))
        if saved.model_dump() != config.model_dump():
            raise InfoplaneError(
                f"the config differs from the one saved in {str(out / CONFIG_FILE)!r}; resume with "
                "that config (infoplane run --resume DIR takes it from there)."
            )
        ckpt = read_checkpoint(out)
    else:
        out = prepare_run_dir(out, overwrite)
        write_text(out / CONFIG_FILE, config.to_yaml())
    (out / STATE_DIR).mkdir(exist_ok=True)
    timings: dict[str, float] = {}

    ds = load_dataset(config)
    eval_idx = evaluation_indices(ds, config)
    labels = ds.y[eval_idx]
    net = build_network(config, ds)
    model, layers = net.model, net.layers
    capture_epochs = log_spaced_epochs(config.training.epochs, config.capture.n_points)
    x_eval = torch.as_tensor(net.x[eval_idx])
    st = config.storage
    keep = st.activations == "zarr"
    store_path = out / STORE_DIR
    done_epoch = -1 if ckpt is None else int(ckpt["loop"]["epoch"])
    store: ActivationStore | None = None
    if keep and ckpt is not None:
        if not (store_path / "manifest.json").is_file():
            raise InfoplaneError(
                f"{str(store_path)!r} is missing, so the epochs captured before the checkpoint are "
                "lost; start the run again (without --resume)."
            )
        store = ActivationStore.open(store_path, mode="a")
        store.forget_after(done_epoch)
    elif store_path.exists():
        shutil.rmtree(store_path)
    if ckpt is None:
        shutil.rmtree(out / ESTIMATES_DIR, ignore_errors=True)
    online = OnlineEstimates(config.estimators, labels) if st.online else None
    if online is not None and ckpt is not None:
        online.values = ckpt["online"]
        online.forget_after(done_epoch)

    def capture(epoch: int, _model: Any) -> None:
        nonlocal store
        acts = net.capture(x_eval.to(next(model.parameters()).device))
        if keep:
            if store is None:
                store = ActivationStore.create(
                    store_path,
                    {k: v.shape[-1] for k, v in acts.items()},
                    n_repeats=config.repeats,
                    labels=labels,
                    epochs=capture_epochs,
                    sample_index=eval_idx,
                    dtype=st.dtype,
                    attrs={"run": config.name, "layers": layers},
                )
            store.write_epoch(epoch, acts)
        if online is not None:
            online.update(epoch, acts)

    grad_stats = None
    step_fn = None
    if config.analysis.gradient_stats and config.model.arch == "mlp":
        from infoplane.training.gradients import GradientStatistics

        grad_stats = GradientStatistics(model, capture_epochs)
        step_fn = grad_stats.step_fn
        if ckpt is not None and ckpt.get("gradients") is not None:
            grad_stats.load_state_dict(ckpt["gradients"])

    every = st.checkpoint_every
    total = config.training.epochs

    def checkpoint(state: Any) -> None:
        if state.epoch == 0 or (state.epoch % every and state.epoch != total):
            return
        _write_checkpoint(
            out,
            {
                "loop": state.state_dict(),
                "torch_rng": torch.get_rng_state(),
                "online": online.values if online is not None else None,
                "gradients": grad_stats.state_dict() if grad_stats is not None else None,
            },
        )

    t0 = time.perf_counter()
    settings = TrainSettings(**config.training.model_dump())
    _set_status(out, "training")
    if ckpt is not None and done_epoch >= total:  # training finished before the interruption
        history = {"epoch": np.arange(1, total + 1), **ckpt["loop"]["history"]}
    else:
        if ckpt is not None:
            torch.set_rng_state(ckpt["torch_rng"])
        history = train_ensemble(
            model,
            net.x,
            ds.y,
            ds.train_idx,
            ds.test_idx,
            settings,
            capture_epochs=capture_epochs,
            capture_fn=capture,
            step_fn=step_fn,
            progress=bar,
            resume=None if ckpt is None else ckpt["loop"],
            epoch_end_fn=checkpoint,
        )
    timings["training"] = time.perf_counter() - t0
    history_df = history_frame(history)
    write_table(out / HISTORY_FILE, history_df)
    gradients_df = None
    if grad_stats is not None:
        gradients_df = grad_stats.to_frame()
        write_table(out / GRADIENTS_FILE, gradients_df)

    t0 = time.perf_counter()
    _set_status(out, "estimating")
    if online is not None:
        plane = online.to_frame(layers)
    else:
        assert store is not None
        store = ActivationStore.open(store_path)
        plane = estimate_from_store(
            store,
            config.estimators,
            max_bytes=int(st.chunk_mb * 2**20),
            progress=bar,
            done_dir=out / ESTIMATES_DIR,
        )
    timings["estimation"] = time.perf_counter() - t0
    write_table(out / PLANE_FILE, plane)
    if config.analysis.diagnostics and store is not None:
        t0 = time.perf_counter()
        write_table(
            out / DIAGNOSTICS_FILE,
            diagnostics_from_store(store, config, max_bytes=int(st.chunk_mb * 2**20)),
        )
        timings["diagnostics"] = time.perf_counter() - t0

    result = RunResult(out, plane, history_df, gradients_df, timings, store_path if keep else None)
    if make_figures:
        from infoplane.run.figures import write_run_figures

        t0 = time.perf_counter()
        write_run_figures(result, config, ds, activations=None, epochs=capture_epochs)
        timings["figures"] = time.perf_counter() - t0
    _set_status(out, "complete")
    return result


def resume_experiment(
    run_dir: str | Path, *, progress: bool | Callable[..., Any] = True, make_figures: bool = True
) -> RunResult:
    """Go on with an interrupted run from its last checkpoint, with the config saved in ``run_dir``.

    A run killed at any point (training, capture, estimation, figures) ends with the same table as
    an uninterrupted run with the same seed; a finished run is re-finished (tables and figures
    rewritten from its checkpoint and store, nothing retrained).

    Raises:
        FileNotFoundError: if ``run_dir`` has no ``config.yaml``.
    """
    from infoplane.run.config import read_config_file, validate_config

    path = Path(run_dir) / CONFIG_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"{str(run_dir)!r} has no {CONFIG_FILE}; it is not a run directory to resume."
        )
    config = validate_config(read_config_file(path), str(path))
    return run_experiment(
        config, run_dir, progress=progress, make_figures=make_figures, resume=True
    )
