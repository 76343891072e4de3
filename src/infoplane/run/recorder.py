"""Information-plane analysis of a user's own model and training loop.

:class:`Recorder` is the callback a training loop calls at the epochs it wants analysed: it runs the
model on fixed evaluation inputs (eval mode, no gradients, training mode restored), captures the
chosen layers with forward hooks (removed after each capture), and streams the activations to an
activation store (zarr; see :mod:`infoplane.storage.activations`) or keeps them in memory. Then
:meth:`Recorder.estimate` gives the information plane (bits) and :meth:`Recorder.plot` the figure::

    rec = Recorder(model, x_eval, y_eval, layers=[nn.ReLU, "fc2"], store="runs/a/activations.zarr")
    for epoch in range(n_epochs):
        train_one_epoch(model)            # the user's own loop
        rec.capture(epoch)
    table = rec.estimate("binning", n_bins=30, range="data")

With ``online=`` the estimators run at each capture and no activation is kept (memory does not grow
with the number of captured epochs); with ``tensorboard=`` the plane, its flags, the gradient SNR
and the plane figure go to TensorBoard (:mod:`infoplane.run.tensorboard`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from infoplane.capture.hooks import ActivationCapture, LayerSpec, run_and_capture
from infoplane.interface import InfoplaneError


@contextmanager
def _eval_mode(model: nn.Module) -> Iterator[None]:
    """Eval mode inside the block; the model's training mode restored after, also on error."""
    was_training = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(was_training)


class Recorder:
    """Capture a model's layers at chosen epochs of any training loop, then estimate the plane.

    Args:
        model: any ``nn.Module`` (a plain model: one network, repeat 0).
        x: evaluation inputs (n_samples, *features) (tensor or array), e.g. the test set.
        y: their integer labels (n_samples,).
        layers: module names, globs, types or ``name#k`` calls (see
            :func:`~infoplane.capture.select_layers`); default: every module that has no
            children and that the forward pass calls, except dropout. A module called k > 1 times
            per forward pass (a shared ReLU) is recorded as k layers, ``name#0`` ..
            ``name#{k-1}``; the names are in :attr:`layers`.
        store: folder of a zarr activation store to stream to (created at the first capture;
            an earlier store there is replaced, any other existing folder is refused);
            ``None`` keeps the activations in memory (fine for small models and few epochs).
        inputs: capture each layer's input (forward pre-hook) instead of its output.
        batch_size: evaluate ``x`` in chunks of this many rows (bounds memory).
        dtype: store dtype, ``"float32"`` (default) or ``"float16"``.
        chunk_mb: with a store, MiB of activations read at once by :meth:`estimate` (bounds memory).
        gradients: gradient mean, std and SNR per layer (Shwartz-Ziv & Tishby 2017, Fig. 4):
            ``True`` makes a :class:`~infoplane.training.gradients.GradientStatistics` of the
            recorded layers (those with no parameter at or before them are left out), or pass
            your own (made with ``layers=`` the recorder's :attr:`layers`); call
            ``rec.gradients.step()`` after each ``loss.backward()`` and
            ``rec.gradients.end_epoch(epoch)`` after each epoch. Default ``None``: none.
        online: estimate at each capture instead of keeping activations: an estimator name
            (``"binning"``), a ``(name, params)`` pair, or a list of them (e.g.
            ``[("binning", {"n_bins": 30}), "kde_upper"]``), estimated by
            :class:`~infoplane.run.estimation.OnlineEstimates`; without ``store`` no activation
            is kept, and :meth:`estimate` (no arguments) returns these estimates. Binning with
            ``range="data"`` follows the streaming range rule (the range of the first capture;
            :mod:`infoplane.run.streaming`); with ``batch_size`` and no ``store`` each capture
            runs in batches of rows fed to the estimators, so no epoch is held in memory.
            Default ``None``: keep the activations (memory or ``store``) and estimate later.
        tensorboard: a TensorBoard log directory, an open ``SummaryWriter`` or a
            :class:`~infoplane.run.tensorboard.PlaneLogger` (e.g. one made with
            ``figures=False``): with ``online``
            each capture logs its epoch (step = epoch); otherwise each :meth:`estimate` logs
            its table. Gradient statistics (``gradients``) are logged at the captures. Default
            ``None``: no logging (see :class:`~infoplane.run.tensorboard.PlaneLogger`).
        subsample: with ``online``, the estimators other than ``binning`` use this many rows of
            the evaluation set, drawn once with ``subsample_seed`` (default ``None``: all rows;
            the table's ``params`` column states it; see :mod:`infoplane.run.streaming`).
        subsample_seed: seed of that subsample (default 0).

    Attributes:
        layers: the recorded representation names, in forward-pass order, fixed at construction
            by one forward pass on the first two rows of ``x`` (eval mode, no gradients).
        epochs: the captured epochs, in call order.
        online: the :class:`~infoplane.run.estimation.OnlineEstimates`, or ``None``.

    Raises:
        InfoplaneError: for a layer that matches no module, a ``name#k`` call the module does not
            make, ``x`` and ``y`` of different length, a bad ``online`` estimator or parameter,
            or ``tensorboard`` without the tensorboard package.

    Notes:
        Estimates are in bits unless the estimator is asked for nats (see the table's ``unit``).
        A capture that calls a module a different number of times than the construction pass
        raises :class:`~infoplane.interface.InfoplaneRuntimeError` naming the module.
        Plug-in estimates of I(X;T) saturate at log2(n_samples) bits: evaluate on enough inputs.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810; Saxe, A. M. et al. (2018). On the
        Information Bottleneck Theory of Deep Learning. ICLR.

    Example:
        >>> net = nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2))
        >>> rec = Recorder(net, torch.randn(20, 4), torch.arange(20) % 2, layers=["1", "2"])
        >>> for epoch in range(3):
        ...     rec.capture(epoch)
        >>> rec.activations("1").shape
        (3, 20, 3)
    """

    def __init__(
        self,
        model: nn.Module,
        x: Any,
        y: Any,
        layers: LayerSpec | Sequence[LayerSpec] | None = None,
        *,
        store: str | Path | None = None,
        inputs: bool = False,
        batch_size: int | None = None,
        dtype: str = "float32",
        chunk_mb: float = 256.0,
        gradients: Any = None,
        online: Any = None,
        tensorboard: Any = None,
        subsample: int | None = None,
        subsample_seed: int = 0,
    ) -> None:
        from infoplane._validation import as_labels

        self.model = model
        self.x = torch.as_tensor(np.asarray(x) if not isinstance(x, torch.Tensor) else x)
        self.labels = as_labels(y.cpu().numpy() if isinstance(y, torch.Tensor) else y, "y")
        if len(self.labels) != self.x.shape[0]:
            raise InfoplaneError(
                f"x has {self.x.shape[0]} rows but y has {len(self.labels)} labels."
            )
        default = layers is None
        if layers is None:
            layers = [
                name
                for name, mod in model.named_modules()
                if name and not list(mod.children()) and not isinstance(mod, nn.Dropout)
            ]
        # one forward pass on two inputs names the representations (name#k for a module called
        # k > 1 times per pass) and fixes the number of calls every later capture must make
        with torch.no_grad(), _eval_mode(model):
            probe = ActivationCapture(model, layers, inputs=inputs, skip_uncalled=default)
            with probe:
                model(self.x[:2].to(self._device()))
        self.layers: list[str] = probe.names
        self._calls = probe.calls
        self.inputs = inputs
        self.batch_size = batch_size
        self.store_path = None if store is None else Path(store)
        self.dtype = dtype
        self.chunk_mb = float(chunk_mb)
        self._store: Any = None
        self._memory: dict[str, list[np.ndarray]] = {name: [] for name in self.layers}
        self.epochs: list[int] = []
        self.gradients = _gradient_statistics(model, self.layers, gradients)
        self.online = _online_estimates(online, self.labels, subsample, subsample_seed)
        self._tb: Any = None
        self._tb_gradient_epochs: set[int] = set()
        if tensorboard is not None:
            from infoplane.estimators.binning import label_entropy
            from infoplane.run.tensorboard import PlaneLogger

            if isinstance(tensorboard, PlaneLogger):
                self._tb = tensorboard
            else:
                self._tb = PlaneLogger(tensorboard, ixy=label_entropy(self.labels))

    def capture(self, epoch: int) -> None:
        """Capture every layer on the evaluation inputs after ``epoch`` (call it from your loop).

        The model runs in eval mode without gradients; its training mode is restored after.

        Raises:
            InfoplaneError: if ``epoch`` was already captured or the activations are not finite.
            InfoplaneRuntimeError: if the forward pass calls a recorded module a different number
                of times than at construction (the message names the module).
        """
        epoch = int(epoch)
        if epoch in self.epochs:
            raise InfoplaneError(f"epoch {epoch} was already captured; capture each epoch once.")
        if self.online is not None and self.store_path is None and self.batch_size:
            self._capture_streaming(epoch)  # one batch of rows at a time: no epoch is held
            return
        acts = run_and_capture(
            self.model,
            self.x.to(self._device()),
            self.layers,
            batch_size=self.batch_size,
            inputs=self.inputs,
            calls=self._calls,
        )
        arrays = {k: v.float().numpy() for k, v in acts.items()}
        if self.store_path is not None:
            from infoplane.storage.activations import ActivationStore

            if self._store is None:
                self._store = ActivationStore.create(
                    self.store_path,
                    {k: v.shape[-1] for k, v in arrays.items()},
                    n_repeats=1,
                    labels=self.labels,
                    dtype=self.dtype,
                    attrs={"layers": self.layers},
                )
            self._store.write_epoch(epoch, {k: v[None] for k, v in arrays.items()})
        elif self.online is None:
            for k, v in arrays.items():
                self._memory[k].append(v)
        if self.online is not None:
            self.online.update(epoch, {k: v[None] for k, v in arrays.items()})
        self.epochs.append(epoch)
        if self._tb is not None:
            if self.online is not None:
                table = self.online.to_frame(self.layers)
                self._tb.log_plane(table, [epoch], figure_table=table)
            self._log_gradients()

    def _capture_streaming(self, epoch: int) -> None:
        """Online capture in batches of ``batch_size`` rows, fed to the streams as they come."""
        from infoplane.run.streaming import batched

        def fetch(a: int, b: int) -> dict[str, np.ndarray]:
            acts = run_and_capture(
                self.model,
                self.x[a:b].to(self._device()),
                self.layers,
                inputs=self.inputs,
                calls=self._calls,
            )
            return {k: v.float().numpy()[None] for k, v in acts.items()}

        self.online.update_batches(  # type: ignore[union-attr]
            epoch, self.layers, batched(int(self.batch_size or 1), len(self.x), fetch)
        )
        self.epochs.append(epoch)
        if self._tb is not None:
            table = self.online.to_frame(self.layers)  # type: ignore[union-attr]
            self._tb.log_plane(table, [epoch], figure_table=table)
            self._log_gradients()

    def _log_gradients(self) -> None:
        """Log the gradient statistics of epochs not logged yet (TensorBoard)."""
        if self.gradients is None or self._tb is None:
            return
        frame = self.gradients.to_frame()
        new = sorted(set(frame["epoch"].tolist()) - self._tb_gradient_epochs)
        if new:
            self._tb.log_gradients(frame, new)
            self._tb_gradient_epochs.update(int(e) for e in new)

    def close(self) -> None:
        """Flush and close the TensorBoard writer, if any (nothing else needs closing)."""
        if self._tb is not None:
            self._tb.close()

    __call__ = capture

    def _device(self) -> torch.device:
        """The device of the model's first parameter (the CPU for a model without parameters)."""
        return next(self.model.parameters(), torch.empty(0)).device

    def activations(self, layer: str) -> np.ndarray:
        """Captured activations of ``layer``: float32 (n_epochs, n_samples, n_units), epochs sorted.

        Raises:
            InfoplaneError: for a layer that is not recorded.
        """
        if layer not in self.layers:
            raise InfoplaneError(
                f"layer {layer!r} is not recorded; layers: {', '.join(self.layers)}."
            )
        if self._store is not None:
            return self._store.read(layer, repeat=0).astype(np.float32, copy=False)
        if self.online is not None:
            raise InfoplaneError(
                "this Recorder estimates online and keeps no activations; pass store=... to keep "
                "them as well."
            )
        order = np.argsort(self.epochs)
        return np.stack([self._memory[layer][i] for i in order]) if self.epochs else np.zeros((0,))

    def estimate(self, estimator: str | None = None, **params: Any) -> Any:
        """The information plane of every recorded layer and epoch.

        Args:
            estimator: registry name (see ``infoplane.estimators.available_estimators()``);
                ``None`` (default): the ``online`` estimates when the Recorder has them and no
                ``params`` are given, else ``"binning"``.
            **params: the estimator's hyper-parameters (e.g. ``n_bins=30, range="data"``; with
                ``range="data"`` the bins span the layer's range over all recorded epochs).

        Returns:
            pandas DataFrame with columns repeat (0), epoch, layer (1-based), layer_name,
            estimator, i_xt, i_ty (bits), unit and flags (comma-separated reasons a value may
            not be trusted, ``""`` when clear: see :mod:`infoplane.analysis.validity`).

        Raises:
            InfoplaneError: if nothing was captured, for a bad estimator or parameter, or for an
                estimator other than the online ones when no activations are kept.
        """
        import pandas as pd

        from infoplane.analysis.validity import add_dpi_flags, representation_flags
        from infoplane.run.estimation import estimate_layer_from_store, make_configured_estimator
        from infoplane.storage.tables import plane_frame

        if not self.epochs:
            raise InfoplaneError("nothing captured yet; call recorder.capture(epoch) in your loop.")
        if self.online is not None and estimator is None and not params:
            return self.online.to_frame(self.layers)
        estimator = "binning" if estimator is None else estimator
        if self.online is not None and self._store is None:
            raise InfoplaneError(
                f"this Recorder estimates online ({', '.join(c.name for c in self.online.configs)})"
                " and keeps no activations, so it cannot estimate "
                f"{estimator!r} afterwards; call rec.estimate() for the online estimates, or "
                "pass store=... (or add the estimator to online=...)."
            )
        frames = []
        epochs = np.sort(np.asarray(self.epochs))
        for i, name in enumerate(self.layers, start=1):
            if self._store is not None:
                eps, i_xt, i_ty, unit, flags = estimate_layer_from_store(
                    self._store,
                    name,
                    estimator,
                    params,
                    max_bytes=int(self.chunk_mb * 2**20),
                    flags=True,
                )
            else:
                est = make_configured_estimator(estimator, params)
                acts = self.activations(name)[None]
                i_xt, i_ty = est.information_plane(acts, self.labels)
                flags = representation_flags(est, acts, self.labels, i_xt)
                eps, unit = epochs, getattr(est, "unit", "bits")
            frames.append(plane_frame(i_xt, i_ty, eps, i, name, estimator, unit, flags))
        table = add_dpi_flags(pd.concat(frames, ignore_index=True))
        if self._tb is not None and self.online is None:
            self._tb.log_plane(table)
        return table

    def plot(
        self, path: str | Path | None = None, table: Any = None, **estimator_params: Any
    ) -> Any:
        """Plot the information plane (x = I(X;T), y = I(T;Y), colour = epoch); return the figure.

        Args:
            path: PNG to write (atomically), or ``None``.
            table: a table from :meth:`estimate` (default:
                ``estimate("binning", **estimator_params)``).
        """
        from infoplane.estimators.binning import label_entropy
        from infoplane.plots.information_plane import plot_information_plane

        if table is None:
            table = self.estimate(**estimator_params)
        return plot_information_plane(table, path, ixy=label_entropy(self.labels))

    def write_run(
        self,
        out_dir: str | Path,
        table: Any = None,
        *,
        history: Any = None,
        overwrite: bool = False,
        make_figures: bool = True,
    ) -> Path:
        """Write a run directory (tables and figures of ``infoplane run``) for this recorder.

        Args:
            out_dir: the run directory to create; an existing non-empty one is refused unless
                ``overwrite`` and it is an infoplane run.
            table: a table from :meth:`estimate` (default: ``estimate()``).
            history: your training curves (columns repeat, epoch, train_loss, train_acc,
                test_loss, test_acc), or ``None``.
            overwrite: replace an earlier infoplane run there (default False).
            make_figures: write the PNG figures (default True).

        Returns:
            The run directory; ``infoplane report DIR`` (or
            :func:`~infoplane.report.write_report`) reads it.

        Raises:
            InfoplaneError: for a directory that may not be written, or as :meth:`estimate`.
        """
        from infoplane.run.checkpoint import set_status
        from infoplane.run.setup import check_run_dir, claim_run_dir

        if table is None:
            table = self.estimate()
        layout = check_run_dir(out_dir, overwrite)
        lock = claim_run_dir(layout, overwrite)
        try:
            grads = self.gradients.to_frame() if self.gradients is not None else None
            write_run_files(
                layout.root,
                table,
                gradients=grads,
                history=history,
                labels=self.labels,
                make_figures=make_figures,
            )
            set_status(layout.root, "complete")
        finally:
            lock.release()
        return layout.root

    def phases(self, table: Any = None, **estimator_params: Any) -> Any:
        """Drift-to-diffusion transition and compression onset of each layer (needs ``gradients``).

        Args:
            table: a table from :meth:`estimate` (default: ``estimate("binning",
                **estimator_params)``).
            **estimator_params: the binning estimator's parameters when ``table`` is ``None``.

        Returns:
            ``pandas.DataFrame``, one row per layer: ``layer`` (1-based, as in :meth:`estimate`),
            ``transition_epoch`` and ``compression_epoch`` (epochs, NaN when not detected); see
            :func:`~infoplane.analysis.phases.detect_phases`.

        Raises:
            InfoplaneError: if the recorder follows no gradients (``gradients=None``), or as
                :meth:`estimate`.

        Notes:
            Shapes: one row per layer. Units: epochs; I(X;T) of ``table`` in its ``unit`` (bits
            by default). The gradient table is ``rec.gradients.to_frame()`` (plot it with
            :func:`~infoplane.plots.snr.plot_snr`).

        References:
            Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810, Fig. 4.

        Example:
            >>> net = nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2))
            >>> rec = Recorder(net, torch.randn(20, 4), torch.arange(20) % 2, layers=["1", "2"],
            ...                gradients=True)
            >>> rec.gradients.parameters
            {'1': ('0.weight',), '2': ('2.weight',)}
        """
        from infoplane.analysis.phases import detect_phases

        if self.gradients is None:
            raise InfoplaneError(
                "this Recorder follows no gradients; create it with gradients=True and call "
                "rec.gradients.step() after each loss.backward()."
            )
        if table is None:
            table = self.estimate(**estimator_params)
        return detect_phases(table, self.gradients.to_frame())


def write_run_files(
    out_dir: str | Path,
    plane: Any,
    *,
    gradients: Any = None,
    history: Any = None,
    labels: Any = None,
    make_figures: bool = True,
) -> list[str]:
    """Write the tables and figures of a run directory from tables held in memory.

    What ``infoplane run`` writes, for a user's own loop (:meth:`Recorder.write_run`) or the
    Lightning callback: ``information_plane.parquet``, ``gradients.parquet`` and ``phases.csv``
    (with gradients), ``history.parquet`` (with a history), and the figures
    ``information_plane.png``, ``snr.png``, ``training_curves.png``; every path from
    :class:`~infoplane.storage.layout.RunLayout`, every file written atomically.

    Args:
        out_dir: the run directory (it must exist; claiming and locking it is the caller's).
        plane: the plane table (one row per repeat, epoch, layer, estimator; values in its
            ``unit`` column's unit, bits by default).
        gradients: the table of :meth:`~infoplane.training.gradients.GradientStatistics.to_frame`
            (one row per repeat, epoch, layer), or ``None``.
        history: training curves (one row per repeat and epoch: columns repeat, epoch,
            train_loss, train_acc, test_loss, test_acc; NaN where not measured), or ``None``.
        labels: the evaluated labels (n_samples,), for the I(X;Y) line, or ``None``.
        make_figures: write the PNG figures (default True).

    Returns:
        Names of the files written, relative to ``out_dir``.

    Raises:
        InfoplaneError: for a plane table that mixes units or lacks columns (from the plotting).

    Notes:
        The phases (drift-to-diffusion transition, compression onset) use the table's first
        estimator. The training-curves figure is drawn when the history has a train loss and
        accuracy.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810, Figs. 2-4.

    Example:
        >>> import tempfile, pandas as pd
        >>> t = pd.DataFrame({"repeat": 0, "epoch": [0, 5], "layer": 1, "layer_name": "fc",
        ...                   "estimator": "binning", "i_xt": [2.0, 3.0], "i_ty": [0.5, 0.9],
        ...                   "unit": "bits", "flags": ""})
        >>> write_run_files(tempfile.mkdtemp(), t, make_figures=False)
        ['information_plane.parquet']
    """
    from infoplane.storage import write_table
    from infoplane.storage.layout import RunLayout

    layout = RunLayout(out_dir)
    write_table(layout.plane, plane)
    written = [layout.plane.name]
    has_gradients = gradients is not None and len(gradients) > 0
    if gradients is not None:
        write_table(layout.gradients, gradients)
        written.append(layout.gradients.name)
    if history is not None and len(history):
        write_table(layout.history, history)
        written.append(layout.history.name)
    phases = None
    if has_gradients:
        from infoplane.analysis.phases import detect_phases

        phases = detect_phases(plane, gradients, estimator=str(plane["estimator"].iloc[0]))
        write_table(layout.phases, phases)
        written.append(layout.phases.name)
    if not make_figures:
        return written
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from infoplane.plots.information_plane import mean_over_repeats, plot_information_plane
    from infoplane.plots.snr import mark_phases, plot_snr

    if phases is not None:
        plt.close(plot_snr(gradients, layout.snr_figure, phases=phases))
        written.append(layout.snr_figure.name)

    def decorate(ax: Any, name: str) -> None:
        if phases is not None:
            mark_phases(ax, mean_over_repeats(plane, name), phases)

    ixy = None
    if labels is not None:
        from infoplane.estimators.binning import label_entropy

        unit = str(plane["unit"].iloc[0]) if "unit" in plane.columns else "bits"
        ixy = label_entropy(np.asarray(labels), unit=unit)
    plt.close(plot_information_plane(plane, layout.plane_figure, ixy=ixy, decorate=decorate))
    written.append(layout.plane_figure.name)
    if history is not None and all(
        c in history.columns and history[c].notna().any() for c in ("train_loss", "train_acc")
    ):
        from infoplane.plots.training_curves import plot_training_curves

        plt.close(plot_training_curves(history, layout.training_figure))
        written.append(layout.training_figure.name)
    return written


def _online_estimates(
    online: Any, labels: np.ndarray, subsample: int | None = None, subsample_seed: int = 0
) -> Any:
    """``None``, or the OnlineEstimates of an estimator name, ``(name, params)`` or a list."""
    from infoplane.run.config import EstimatorConfig
    from infoplane.run.estimation import OnlineEstimates, make_configured_estimator

    if online is None or online is False:
        return None
    items = [online] if isinstance(online, str | tuple) else list(online)
    configs = []
    for item in items:
        if isinstance(item, str):
            name, params = item, {}
        elif isinstance(item, EstimatorConfig):
            name, params = item.name, dict(item.params)
        elif isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
            name, params = item[0], dict(item[1] or {})
        else:
            raise InfoplaneError(
                f"online must be an estimator name, a (name, params) pair or a list of them; got "
                f"{item!r}."
            )
        make_configured_estimator(name, params)  # a bad name or parameter is named here
        configs.append(EstimatorConfig.model_construct(name=name, params=params))
    if not configs:
        raise InfoplaneError("online names no estimator; give at least one, or online=None.")
    return OnlineEstimates(configs, labels, subsample=subsample, subsample_seed=subsample_seed)


def _gradient_statistics(model: nn.Module, layers: list[str], gradients: Any) -> Any:
    """``None``, a new GradientStatistics of ``layers`` (``True``), or ``gradients`` if it fits."""
    from infoplane.training.gradients import GradientStatistics

    if gradients is None or gradients is False:
        return None
    if gradients is True:  # layers without any parameter at or before them get no rows
        return GradientStatistics(model, layers=layers, strict=False)
    if not isinstance(gradients, GradientStatistics):
        raise InfoplaneError(
            f"gradients must be True, None or a GradientStatistics; got {type(gradients).__name__}."
        )
    numbers = [layers.index(n) + 1 if n in layers else -1 for n in gradients.layer_names]
    if numbers != gradients.layer_numbers:
        raise InfoplaneError(
            f"gradients follows layers {gradients.layer_names} but the Recorder records "
            f"{list(layers)}; pass gradients=True, or GradientStatistics(model, layers=rec.layers)."
        )
    return gradients
