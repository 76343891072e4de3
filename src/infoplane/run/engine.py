"""The main job: train R networks, capture their layers over training, estimate the info plane.

Reproduces the experiment of Shwartz-Ziv & Tishby (2017), arXiv 1703.00810 (Sec. 3): the 12-bit
task, a tanh MLP trained with Adam, activations of all inputs captured at log-spaced epochs, I(X;T)
and I(T;Y) per layer and epoch, averaged over repetitions; and, with other presets, MNIST (or the
8x8 digits), a CNN or any model from a factory. The flow, one module per step::

    RunConfig --setup--> data, stacked network, device        (run/setup.py; nothing written yet)
              --claim--> the run directory, locked             (run/setup.py, run/checkpoint.py)
              --train--> capture at log-spaced epochs -> activation store, or online estimates
                         checkpoints every storage.checkpoint_every epochs (run/checkpoint.py)
              --estimate--> every estimator, layer by layer, in epoch chunks (run/estimation.py)
              --tables, figures--> (storage/tables.py, run/figures.py)

Every file of a run directory is named by :class:`~infoplane.storage.layout.RunLayout` and written
atomically. A killed run goes on with :func:`resume_experiment` (``infoplane run --resume DIR``) and
ends with the same tables as an uninterrupted run (bit-identical on the CPU).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from infoplane.interface import InfoplaneError, InfoplaneRuntimeError
from infoplane.run.checkpoint import RunLock, read_checkpoint, set_status, write_checkpoint
from infoplane.run.config import RunConfig
from infoplane.run.estimation import OnlineEstimates, estimate_from_store
from infoplane.run.extra import with_extra_estimates
from infoplane.run.members import (
    member_groups,
    member_processes,
    read_member_groups,
    train_members,
    write_member_groups,
)
from infoplane.run.setup import (
    RunInputs,
    check_run_dir,
    check_trusted_factories,
    claim_run_dir,
    complete_inputs,
    prepare_inputs,
    resolve_config,
)
from infoplane.storage.layout import RunLayout


@dataclass
class RunResult:
    """What a run produced (returned by :func:`run_experiment`; raises nothing itself).

    Raises:
        Nothing: a plain record of what a run wrote.

    Notes:
        Shapes: ``plane`` has one row per (repeat, epoch, layer, estimator); ``history`` one row
        per (repeat, epoch); the store holds (n_repeats, n_epochs, n_samples, n_units) per layer.
        ``plane`` includes rows added by ``infoplane estimate`` before a resume.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810.

    Example:
        >>> # res = run_experiment(cfg, "runs/x"); res.plane.groupby("layer")["i_xt"].mean()

    Attributes:
        out_dir: the run directory.
        plane: tidy table (one row per repeat, epoch, layer, estimator; columns
            :data:`~infoplane.storage.tables.PLANE_COLUMNS`), ``i_xt``, ``i_ty`` in the ``unit``
            column's unit (bits unless an estimator was asked for nats).
        history: per-epoch training curves (one row per repeat and epoch; losses in nats).
        gradients: gradient statistics, or ``None`` when disabled.
        seconds: wall time of training and estimation, by stage (``capture_in_training``, the
            capture and online estimation, is part of ``training``).
        store: the activation store folder (``out_dir/activations.zarr``), or ``None`` when the
            run kept no activations; read it with :func:`infoplane.storage.load_activations`.
    """

    out_dir: Path
    plane: Any
    history: Any
    gradients: Any | None
    seconds: dict[str, float]
    store: Path | None = None


def _progress(progress: bool | Callable[..., Any]) -> Callable[..., Any] | None:
    if progress is True:
        from infoplane._progress import progress_bar

        return progress_bar
    return progress or None


def _saved_config(layout: RunLayout) -> RunConfig:
    """The config saved in a run directory; a damaged one is a runtime error naming it."""
    from infoplane.run.config import read_config_file, validate_config

    if not layout.config.is_file():
        raise FileNotFoundError(
            f"{str(layout.root)!r} has no {layout.config.name}; it is not a run directory to resume."
        )
    try:
        return validate_config(read_config_file(layout.config), str(layout.config))
    except InfoplaneRuntimeError:
        raise
    except InfoplaneError as exc:
        raise InfoplaneRuntimeError(
            f"{exc} -- the run directory's {layout.config.name} is damaged or not from this "
            "version of infoplane, so the run cannot be resumed; start it again."
        ) from None


class _Capture:
    """The capture callback of the training loop: store and/or online estimates, per epoch.

    The evaluation set runs through the network in batches of ``capture.batch_size`` rows (2048
    for module ensembles, all rows for the MLP, when unset): each batch is written to the store
    and fed to the online streams, so peak memory is one batch plus what the estimators keep,
    whatever the number of captured epochs or the size of the evaluation set.
    """

    def __init__(self, inputs: RunInputs, layout: RunLayout, store: Any, online: Any) -> None:
        import torch

        self.inputs, self.layout, self.store, self.online = inputs, layout, store, online
        self.x_eval = torch.as_tensor(inputs.network.x[inputs.eval_idx])
        cfg = inputs.config
        n = len(self.x_eval)
        self.rows = cfg.capture.batch_size or (n if cfg.model.arch == "mlp" else 2048)
        self.seconds = 0.0  # wall time spent capturing (and estimating online)

    def __call__(self, epoch: int, model: Any) -> None:
        t0 = time.perf_counter()
        try:
            self._capture(epoch, model)
        finally:
            self.seconds += time.perf_counter() - t0

    def _capture(self, epoch: int, model: Any) -> None:
        from infoplane.run.streaming import batched
        from infoplane.storage.activations import ActivationStore

        cfg, net = self.inputs.config, self.inputs.network
        device = next(model.parameters()).device
        n = len(self.x_eval)
        batches = batched(self.rows, n, lambda a, b: net.capture(self.x_eval[a:b].to(device)))
        sink = None
        if cfg.storage.activations == "zarr":

            def sink(start: int, acts: dict[str, Any]) -> None:
                if self.store is None:  # created at the first batch: the layers' widths are known
                    self.store = ActivationStore.create(
                        self.layout.store,
                        {k: v.shape[-1] for k, v in acts.items()},
                        n_repeats=cfg.repeats,
                        labels=self.inputs.labels,
                        epochs=self.inputs.capture_epochs,
                        sample_index=self.inputs.eval_idx,
                        dtype=cfg.storage.dtype,
                        attrs={"run": cfg.name, "layers": net.layers},
                        capture_rule=_capture_rule(cfg),
                    )
                if self.rows >= n:  # one batch: the whole epoch, written and completed at once
                    self.store.write_epoch(epoch, acts)
                else:
                    self.store.write_rows(epoch, start, acts)

        if self.online is not None:
            self.online.update_batches(epoch, list(net.layers), batches, sink=sink)
        elif sink is not None:
            for start, acts in batches():
                sink(start, acts)
        if sink is not None and self.rows < n:
            self.store.finish_epoch(epoch)


def _capture_rule(cfg: RunConfig) -> str:
    """The capture-epoch rule of a run, in words (stored with the activations)."""
    return (
        f"IDNNs log-spaced grid: capture.n_points={cfg.capture.n_points} points over "
        f"training.epochs={cfg.training.epochs} epochs, de-duplicated, epoch 0 and the last "
        "epoch always included (infoplane.training.schedule)"
    )


def _open_store_for_resume(layout: RunLayout, ckpt: dict[str, Any] | None, keep: bool) -> Any:
    """The store to append to after the checkpoint's epoch (or ``None``: start a new one)."""
    import shutil

    from infoplane.storage.activations import MANIFEST_NAME, ActivationStore

    if keep and ckpt is not None:
        if not (layout.store / MANIFEST_NAME).is_file():
            raise InfoplaneRuntimeError(
                f"{str(layout.store)!r} is missing, so the epochs captured before the checkpoint "
                "are lost; start the run again (without --resume)."
            )
        store = ActivationStore.open(layout.store, mode="a")
        store.forget_after(int(ckpt["loop"]["epoch"]))
        return store
    if layout.store.exists():
        shutil.rmtree(layout.store)
    return None


def _gradient_statistics(inputs: RunInputs) -> Any:
    """Gradient mean/std/SNR of every analysed layer at the capture epochs, or ``None``.

    Any architecture (MLP, CNN, factory model): a layer's gradients are those of the weights of
    its module, or of the nearest parameterised module before it (see
    :mod:`infoplane.training.gradients`); layers with none (e.g. a capture of the input) are left
    out with a warning.
    """
    if not inputs.config.analysis.gradient_stats:
        return None
    import logging

    from infoplane.training.gradients import GradientStatistics

    net = inputs.network
    try:
        grads = GradientStatistics(
            net.model, inputs.capture_epochs, layers=list(net.layers), strict=False
        )
    except InfoplaneError as exc:
        logging.getLogger(__name__).warning("no gradient statistics: %s", exc)
        return None
    if grads.skipped:
        logging.getLogger(__name__).warning(
            "no gradient statistics for layer(s) %s: no trainable parameter at or before them",
            ", ".join(grads.skipped),
        )
    return grads


def _resumed_gradients(grads: Any, ckpt: dict[str, Any] | None, done_epoch: int) -> Any:
    """The gradient statistics restored from the checkpoint; ``None`` (with a warning) when the
    checkpoint lacks them for epochs already trained (a run from an older version), so that no
    table with the first epochs missing is written."""
    if grads is None or ckpt is None:
        return grads
    import logging

    saved = ckpt.get("gradients")
    try:
        if saved is None:
            if done_epoch <= 0:
                return grads
            raise InfoplaneError("the checkpoint holds none")
        grads.load_state_dict(saved)
    except InfoplaneError as exc:
        logging.getLogger(__name__).warning(
            "no gradient statistics in the resumed run: the epochs up to %d cannot be recomputed "
            "(%s)",
            done_epoch,
            exc,
        )
        return None
    return grads


def _train(
    inputs: RunInputs,
    layout: RunLayout,
    ckpt: dict[str, Any] | None,
    bar: Callable[..., Any] | None,
) -> tuple[dict[str, np.ndarray], Any, Any, Any, float]:
    """Train (or go on training) with capture and checkpoints; return history, store, online,
    grads and the seconds spent in the capture callback (capture and online estimation)."""
    import torch

    from infoplane.training import TrainSettings, train_ensemble

    cfg, net = inputs.config, inputs.network
    st = cfg.storage
    store = _open_store_for_resume(layout, ckpt, keep=st.activations == "zarr")
    done_epoch = -1 if ckpt is None else int(ckpt["loop"]["epoch"])
    online = (
        OnlineEstimates(
            cfg.estimators,
            inputs.labels,
            complete_inputs=complete_inputs(cfg),
            subsample=st.subsample,
            subsample_seed=st.subsample_seed,
        )
        if st.online
        else None
    )
    if online is not None and ckpt is not None:
        online.load_state_dict(ckpt["online"])
        online.load_ranges(ckpt.get("online_ranges"))
        online.forget_after(done_epoch)
    grads = _resumed_gradients(_gradient_statistics(inputs), ckpt, done_epoch)
    capture = _Capture(inputs, layout, store, online)
    total = cfg.training.epochs

    def checkpoint(state: Any) -> None:
        if state.epoch == 0 or (state.epoch % st.checkpoint_every and state.epoch != total):
            return
        write_checkpoint(
            layout.root,
            {
                "loop": state.state_dict(),
                "torch_rng": torch.get_rng_state(),
                "online": online.state_dict() if online is not None else None,
                "online_ranges": online.ranges_state() if online is not None else None,
                "gradients": grads.state_dict() if grads is not None else None,
            },
        )

    if ckpt is not None and done_epoch >= total:  # training finished before the interruption
        saved = ckpt["loop"]["history"]
        history = {"epoch": np.arange(1, total + 1), **{k: np.asarray(v) for k, v in saved.items()}}
        return history, capture.store, online, grads, capture.seconds
    if ckpt is not None:
        torch.set_rng_state(ckpt["torch_rng"])
    history = train_ensemble(
        net.model,
        net.x,
        inputs.dataset.y,
        inputs.dataset.train_idx,
        inputs.dataset.test_idx,
        TrainSettings(**cfg.training.model_dump(exclude={"processes"})),
        capture_epochs=inputs.capture_epochs,
        capture_fn=capture,
        step_fn=None if grads is None else grads.step_fn,
        progress=bar,
        resume=None if ckpt is None else ckpt["loop"],
        epoch_end_fn=checkpoint,
    )
    return history, capture.store, online, grads, capture.seconds


def _train_member_group(config_data: dict[str, Any], root: str, resume: bool) -> dict[str, Any]:
    """Worker of :func:`~infoplane.run.members.train_members`: train one group of members.

    Runs in a spawned process: builds the group's inputs from its config (plain data), trains
    with capture, online estimation and checkpoints in ``root`` (a run-directory layout of its
    own), and returns the history arrays, the plane blocks and the gradient table.
    """
    import torch

    from infoplane.run.config import validate_config
    from infoplane.run.members import worker_progress

    torch.set_num_threads(1)
    inputs = prepare_inputs(validate_config(config_data, "member group"))
    layout = RunLayout(root)
    layout.state.mkdir(parents=True, exist_ok=True)
    ckpt = read_checkpoint(layout.root) if resume else None
    history, _store, online, grads, seconds = _train(inputs, layout, ckpt, worker_progress())
    return {
        "capture_seconds": seconds,
        "history": history,
        "plane": online.to_frames(inputs.network.layers),
        "gradients": None if grads is None else grads.to_frame(),
    }


def run_experiment(
    config: RunConfig,
    out_dir: str | Path,
    *,
    overwrite: bool = False,
    progress: bool | Callable[..., Any] = True,
    make_figures: bool = True,
    resume: bool = False,
) -> RunResult:
    """Train R networks, capture every layer over training, estimate the information plane.

    Everything is validated first (config, data, network, device, the run directory); only then
    is the directory created (or, with ``overwrite``, an earlier infoplane run there replaced) and
    locked. Training captures every layer at the log-spaced epochs of ``config.capture`` into the
    activation store (or estimates online), writing a checkpoint every
    ``storage.checkpoint_every`` epochs; then every estimator runs on every layer, in chunks of
    epochs, and the tables and figures are written.

    Args:
        config: the run config (see :func:`~infoplane.run.config.load_config`).
        out_dir: the run directory to create (or, with ``resume``, the one to go on with).
        overwrite: replace an existing infoplane run in ``out_dir`` (default False); a directory
            that is not an infoplane run is never replaced.
        progress: ``True`` (default) for tqdm bars, ``False`` for none, or a tqdm-like factory.
        make_figures: write the PNG figures (default True).
        resume: go on with the interrupted run in ``out_dir`` from its last checkpoint (default
            False); ``config`` must equal the one saved in ``out_dir/config.yaml`` (see
            :func:`resume_experiment`, which reads it from there).

    Returns:
        A :class:`RunResult`: the information-plane table (``i_xt``, ``i_ty`` in bits unless an
        estimator was set to nats; see its ``unit`` column), the training history (cross-entropy
        in nats, accuracy), gradient statistics and timings (seconds). The same tables are in
        ``out_dir`` (see :class:`~infoplane.storage.layout.RunLayout`).

    Raises:
        InfoplaneError: bad configuration values, missing data, a network that cannot be built, an
            unusable device, an ``out_dir`` that is a file or a non-empty directory (without
            ``overwrite``, or with it for a directory that is not an infoplane run), or a resume
            whose config differs from the saved one. Nothing is written in these cases.
        InfoplaneRuntimeError: the run directory is locked by another process, or (resume) its
            checkpoint, config or store is damaged or not infoplane's.
        FileNotFoundError: ``resume`` of a directory without ``config.yaml``.

    Notes:
        Shapes: the tables have one row per (repeat, epoch, layer, estimator); the store holds
        (n_repeats, n_epochs, n_samples, n_units) per layer.
        Bit-identical on the CPU whether interrupted or not (each member's RNG state, the optimiser
        and the torch RNG are checkpointed). Binning estimates depend on the bins (Saxe et al.
        2018): the table's ``estimator`` column and ``config.yaml`` record them. Rows added later
        by ``infoplane estimate`` are kept by a resume.
        With ``training.processes`` > 1 (or ``auto`` on a run that can be split, see
        :mod:`infoplane.run.members`) the members train in spawned processes: a script that calls
        this must guard its top level with ``if __name__ == "__main__":`` (Python's rule for
        spawned processes); the command line needs nothing.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810.
        Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.

    Example:
        >>> import tempfile
        >>> from infoplane.run.config import load_config
        >>> cfg = load_config("default", overrides={
        ...     "training": {"epochs": 2}, "capture": {"n_points": 2}, "model": {"hidden": [3]},
        ...     "analysis": {"diagnostics": False, "gradient_stats": False}})
        >>> res = run_experiment(cfg, tempfile.mkdtemp() + "/run", progress=False,
        ...                      make_figures=False)
        >>> sorted(res.plane["epoch"].unique().tolist()), set(res.plane["unit"])
        ([0, 1, 2], {'bits'})
    """
    bar = _progress(progress)
    layout = RunLayout(out_dir)
    lock: RunLock | None = None
    try:
        if resume:
            saved = _saved_config(layout)
            # where TensorBoard events go does not change the science (resume may redirect it)
            keep = {"tensorboard"}
            if saved.model_dump(exclude=keep) != resolve_config(config).model_dump(exclude=keep):
                raise InfoplaneError(
                    f"the config differs from the one saved in {str(layout.config)!r}; resume "
                    "with that config (infoplane run --resume DIR takes it from there)."
                )
            lock = RunLock(layout.root, "training").acquire()
        else:
            check_run_dir(layout.root, overwrite)
        inputs = prepare_inputs(config)  # data, network, device: before the directory is touched
        processes = member_processes(inputs.config, inputs.device)
        groups = None
        if resume:
            groups = read_member_groups(layout.state, inputs.config.repeats)
            ckpt = None if groups else read_checkpoint(layout.root)
            if groups is None and ckpt is None and processes > 1:
                groups = member_groups(inputs.config.repeats, processes)
        else:
            ckpt = None
            if processes > 1:
                groups = member_groups(inputs.config.repeats, processes)
            lock = claim_run_dir(layout, overwrite)
        return _run(inputs, layout, ckpt, bar, make_figures, groups=groups, resume=resume)
    finally:
        if lock is not None:
            lock.release()


def _run(
    inputs: RunInputs,
    layout: RunLayout,
    ckpt: dict[str, Any] | None,
    bar: Callable[..., Any] | None,
    make_figures: bool,
    groups: list[tuple[int, int]] | None = None,
    resume: bool = False,
) -> RunResult:
    """The run itself, in a claimed and locked directory (``groups``: members split over
    processes, :mod:`infoplane.run.members`)."""
    import shutil

    from infoplane.storage import write_table, write_text
    from infoplane.storage.activations import ActivationStore
    from infoplane.storage.tables import history_frame

    cfg = inputs.config
    if ckpt is None:
        write_text(layout.config, cfg.to_yaml())
        shutil.rmtree(layout.estimates, ignore_errors=True)
    layout.state.mkdir(exist_ok=True)
    timings: dict[str, float] = {}
    chunk = int(cfg.storage.chunk_mb * 2**20)

    t0 = time.perf_counter()
    set_status(layout.root, "training")
    plane = gradients_df = None
    if groups:
        write_member_groups(layout.state, groups)
        history, plane, gradients_df, capture_seconds = train_members(
            _train_member_group, cfg, layout.state, groups, resume=resume, progress=bar
        )
        store = online = None
    else:
        history, store, online, grads, capture_seconds = _train(inputs, layout, ckpt, bar)
        if grads is not None:
            gradients_df = grads.to_frame()
    timings["training"] = time.perf_counter() - t0
    timings["capture_in_training"] = capture_seconds
    history_df = history_frame(history)
    write_table(layout.history, history_df)
    if gradients_df is not None:
        write_table(layout.gradients, gradients_df)

    t0 = time.perf_counter()
    set_status(layout.root, "estimating")
    if online is not None:
        plane = online.to_frame(inputs.network.layers)
    elif plane is None:  # a split run has its plane from the groups (online)
        store = ActivationStore.open(layout.store)
        plane = estimate_from_store(
            store,
            cfg.estimators,
            max_bytes=chunk,
            progress=bar,
            cache=layout.estimate_cache,
            complete_inputs=complete_inputs(cfg),
            subsample=cfg.storage.subsample,
            subsample_seed=cfg.storage.subsample_seed,
        )
    plane = with_extra_estimates(layout, plane)
    timings["estimation"] = time.perf_counter() - t0
    write_table(layout.plane, plane)
    from infoplane.run.tensorboard import log_run_to_tensorboard  # no-op unless configured

    log_run_to_tensorboard(cfg, layout.root, plane, gradients_df, inputs.labels)
    if cfg.analysis.diagnostics and store is not None:
        from infoplane.analysis.diagnostics import binning_grid_from_config, diagnostics_from_store

        t0 = time.perf_counter()
        grid = binning_grid_from_config(cfg)
        diag = diagnostics_from_store(
            store, activation=cfg.model.activation, grid=grid, max_bytes=chunk
        )
        write_table(layout.diagnostics, diag)
        timings["diagnostics"] = time.perf_counter() - t0

    keep = cfg.storage.activations == "zarr"
    result = RunResult(
        layout.root, plane, history_df, gradients_df, timings, layout.store if keep else None
    )
    if make_figures:
        from infoplane.run.figures import write_run_figures

        t0 = time.perf_counter()
        write_run_figures(result, cfg, inputs.dataset, progress=bar)
        timings["figures"] = time.perf_counter() - t0
    set_status(layout.root, "complete")
    return result


def resume_experiment(
    run_dir: str | Path,
    *,
    progress: bool | Callable[..., Any] = True,
    make_figures: bool = True,
    allow_factories: Collection[str] = (),
) -> RunResult:
    """Go on with an interrupted run from its last checkpoint, with the config saved in ``run_dir``.

    A run killed at any point (training, capture, estimation, figures) ends with the same table as
    an uninterrupted run with the same seed; a finished run is re-finished (tables and figures
    rewritten from its checkpoint and store, nothing retrained). Rows added by ``infoplane
    estimate`` are kept.

    Args:
        run_dir: a run directory written by :func:`run_experiment`.
        progress: ``True`` (default) for tqdm bars, ``False`` for none, or a tqdm-like factory.
        make_figures: write the PNG figures (default True).
        allow_factories: ``module:function`` specs you trust; a run whose ``config.yaml`` names a
            ``model.factory`` or ``data.factory`` is resumed only if that spec is listed here
            (``--model-factory`` / ``--data-factory`` on the command line). Default: none.

    Returns:
        A :class:`RunResult` (values in bits unless the config says nats; see its ``unit``).

    Raises:
        FileNotFoundError: if ``run_dir`` has no ``config.yaml``.
        InfoplaneError: the config names a factory that is not in ``allow_factories`` (nothing is
            imported), or the run cannot be set up (e.g. its data files are gone).
        InfoplaneRuntimeError: a damaged or foreign checkpoint (never unpickled beyond tensors and
            plain data), config or store, or a run directory locked by another process.

    Notes:
        Shapes: the tables have one row per (repeat, epoch, layer, estimator); the store holds
        (n_repeats, n_epochs, n_samples, n_units) per layer. Units: ``i_xt``/``i_ty`` in the unit
        of the table's ``unit`` column (bits by default).
        The checkpoint is read with ``torch.load(..., weights_only=True)``: a run directory from
        someone else cannot execute code, and neither can its config unless you allow its factory.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810.

    Example:
        >>> import tempfile
        >>> from infoplane.run.config import load_config
        >>> cfg = load_config("default", overrides={
        ...     "training": {"epochs": 2}, "capture": {"n_points": 2}, "model": {"hidden": [3]},
        ...     "analysis": {"diagnostics": False, "gradient_stats": False}})
        >>> d = tempfile.mkdtemp() + "/run"
        >>> first = run_experiment(cfg, d, progress=False, make_figures=False)
        >>> again = resume_experiment(d, progress=False, make_figures=False)
        >>> again.plane.equals(first.plane)
        True
    """
    layout = RunLayout(run_dir)
    config = _saved_config(layout)
    check_trusted_factories(config, allow_factories, str(layout.config))
    if isinstance(config.tensorboard, str):
        # a run directory is untrusted: its config.yaml may not make us write outside it
        root = layout.root.resolve()
        target = Path(config.tensorboard).expanduser().resolve()
        if not target.is_relative_to(root):
            import warnings

            warnings.warn(
                f"{layout.config} names the TensorBoard folder {target}, outside the run; the "
                f"resumed run logs to {layout.tensorboard} instead (a run directory never "
                "chooses where infoplane writes).",
                stacklevel=2,
            )
            config = config.model_copy(update={"tensorboard": True})
    return run_experiment(
        config, layout.root, progress=progress, make_figures=make_figures, resume=True
    )
