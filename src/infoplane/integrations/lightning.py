"""PyTorch Lightning callback: the information plane of a ``LightningModule`` during ``fit``.

:class:`InformationPlaneCallback` does, inside ``trainer.fit``, what ``infoplane run`` does in its
own loop: it captures the chosen layers (names as in :mod:`infoplane.capture`) on a fixed
evaluation set at the log-spaced epochs of the IDNNs code
(:func:`~infoplane.training.schedule.log_spaced_epochs`: epoch 0 = the initialisation, epoch e =
after e passes over the training data), estimates I(X;T) and I(T;Y) online
(:class:`~infoplane.run.estimation.OnlineEstimates`, through
:class:`~infoplane.run.recorder.Recorder`), follows the gradient SNR of each layer, and writes the
tables and figures of a run directory (:class:`~infoplane.storage.layout.RunLayout`)::

    cb = InformationPlaneCallback(x_eval, y_eval, "runs/lit", layers=["net.1", "net.3"])
    pl.Trainer(max_epochs=100, callbacks=[cb]).fit(module, train_loader)
    cb.plane  # repeat, epoch, layer, layer_name, estimator, i_xt, i_ty (bits), unit, flags

Importing this module imports Lightning (``pip install 'infoplane[lightning]'``);
``import infoplane`` and ``import infoplane.integrations`` do not.

References:
    Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
    Information. arXiv:1703.00810, Sec. 3 (capture at log-spaced epochs), Fig. 4 (gradient SNR).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from infoplane.interface import InfoplaneError

try:
    from lightning.pytorch import Callback
except ImportError:  # pragma: no cover - exercised only without the extra
    raise InfoplaneError(
        "InformationPlaneCallback needs PyTorch Lightning: pip install 'infoplane[lightning]'."
    ) from None

log = logging.getLogger(__name__)

__all__ = ["InformationPlaneCallback"]

#: default mapping history column -> the metric name the LightningModule logs
DEFAULT_METRICS: dict[str, str] = {
    "train_loss": "train_loss",
    "train_acc": "train_acc",
    "test_loss": "val_loss",
    "test_acc": "val_acc",
}


class InformationPlaneCallback(Callback):
    """Capture layers at log-spaced epochs of ``trainer.fit``, estimate online, write a run dir.

    Args:
        x: evaluation inputs (n_samples, *features) (tensor or array), fixed for the whole fit
            (e.g. the test set, or a seeded subsample of it).
        y: their integer labels (n_samples,).
        out_dir: the run directory to create (an existing non-empty one is refused unless
            ``overwrite`` and it is an infoplane run).
        layers: module names of the ``LightningModule`` (``"net.1"``), globs, types or
            ``name#k`` calls, as for :class:`~infoplane.run.recorder.Recorder`; default: every
            leaf module the forward pass calls, except dropout.
        estimators: estimated at each capture: a registry name, a ``(name, params)`` pair or a
            list of them (default ``("binning", {})``: 30 bins on [-1, 1], right for tanh
            layers; use ``bin_width`` or a fixed ``range`` for ReLU layers).
        epochs: the epochs to capture (0 = before training); default: the log-spaced rule on
            ``trainer.max_epochs`` with ``n_points`` points.
        n_points: points of the log-spaced grid (default 400, as IDNNs).
        online: estimate at each capture and keep no activation (default True); ``False``
            streams the activations to ``out_dir/activations.zarr`` and estimates at the end of
            ``fit``, which also allows estimators that need the whole run (``range="data"``).
        inputs: capture each layer's input instead of its output (default False).
        batch_size: evaluate ``x`` in chunks of this many rows (default: all at once).
        gradients: follow the gradient mean, std and SNR of each layer at the captured epochs
            (default True; layers with no parameter at or before them are left out).
        tensorboard: ``True``: log to the trainer's ``TensorBoardLogger`` if it has one, else
            to ``out_dir/tensorboard``; a folder: log there; default ``None``: no logging.
        tensorboard_figures: also log the plane figure at every captured epoch (default True;
            ~0.5 s of matplotlib each).
        subsample: online, the estimators other than ``binning`` use this many evaluation rows,
            drawn once with ``subsample_seed`` (default ``None``: all; stated in the table's
            ``params`` column).
        subsample_seed: seed of that subsample (default 0).
        metrics: history column -> logged metric name, read from ``trainer.callback_metrics``
            at each epoch end (default :data:`DEFAULT_METRICS`: ``train_loss``, ``train_acc``,
            ``val_loss``, ``val_acc``); the history table is written when any is logged.
        make_figures: write ``information_plane.png``, ``snr.png`` and ``training_curves.png``
            (default True).
        overwrite: replace an existing infoplane run in ``out_dir`` (default False).

    Attributes:
        plane: the information-plane table after ``fit`` (one row per epoch, layer and
            estimator; ``i_xt``/``i_ty`` in bits unless an estimator says nats, see ``unit``;
            ``flags`` as in :mod:`infoplane.analysis.validity`), or ``None`` before.
        gradients: the gradient table after ``fit``, or ``None``.
        history: the history table after ``fit``, or ``None``.
        recorder: the :class:`~infoplane.run.recorder.Recorder` (made at ``on_fit_start``).
        capture_epochs: the epochs captured (set at ``on_fit_start``).
        layout: the :class:`~infoplane.storage.layout.RunLayout` of ``out_dir``.

    Raises:
        InfoplaneError: (at construction) for a bad estimator or parameter; (at the start of
            ``fit``, before training) for an unbounded ``max_epochs`` without ``epochs``, a
            run directory that may not be written, or a layer that matches no module.

    Notes:
        Shapes: activations are flattened per sample, (n_samples, n_units) per layer and epoch;
        the tables have one row per (repeat = 0, epoch, layer[, estimator]). Units: bits unless
        an estimator's ``unit`` says nats; gradient norms in the units of the loss gradient.
        Captures run in eval mode without gradients, at the end of the training epoch (after
        Lightning's validation of that epoch) and before the epoch's learning-rate schedulers
        step. Gradients are read in ``on_before_optimizer_step`` (after AMP unscaling and
        gradient accumulation, before the update). Only global rank 0 captures and writes. A fit
        resumed from a Lightning checkpoint captures only the epochs trained after it (with a
        warning): the callback keeps no state in the checkpoint.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810.

    Example:
        >>> import torch, tempfile
        >>> cb = InformationPlaneCallback(torch.randn(16, 4), torch.arange(16) % 2,
        ...                               tempfile.mkdtemp() + "/run", epochs=[0, 1, 3],
        ...                               estimators=[("binning", {"n_bins": 8})])
        >>> cb.estimators[0].name, cb.layout.plane.name
        ('binning', 'information_plane.parquet')
    """

    def __init__(
        self,
        x: Any,
        y: Any,
        out_dir: str | Path,
        *,
        layers: Any = None,
        estimators: Any = ("binning", {}),
        epochs: Sequence[int] | None = None,
        n_points: int = 400,
        online: bool = True,
        inputs: bool = False,
        batch_size: int | None = None,
        gradients: bool = True,
        tensorboard: bool | str | Path | None = None,
        tensorboard_figures: bool = True,
        subsample: int | None = None,
        subsample_seed: int = 0,
        metrics: Mapping[str, str] | None = None,
        make_figures: bool = True,
        overwrite: bool = False,
    ) -> None:
        from infoplane.run.recorder import _online_estimates
        from infoplane.storage.layout import RunLayout

        super().__init__()
        self.x, self.y = x, y
        self.layout = RunLayout(out_dir)
        self.layers = layers
        # validated now (bad names fail before fit); the labels are set again at the start
        self.estimators = _online_estimates(estimators, np.zeros(2, dtype=np.int64)).configs
        self.epochs = None if epochs is None else sorted({int(e) for e in epochs})
        if self.epochs is not None and (not self.epochs or self.epochs[0] < 0):
            raise InfoplaneError(f"epochs must be integers >= 0; got {epochs!r}.")
        self.n_points = int(n_points)
        self.online = bool(online)
        self.inputs = bool(inputs)
        self.batch_size = batch_size
        self.follow_gradients = bool(gradients)
        self.tensorboard = tensorboard
        self.tensorboard_figures = bool(tensorboard_figures)
        self.subsample, self.subsample_seed = subsample, int(subsample_seed)
        self.metrics = dict(DEFAULT_METRICS if metrics is None else metrics)
        self.make_figures = bool(make_figures)
        self.overwrite = bool(overwrite)
        self.recorder: Any = None
        self.capture_epochs: list[int] = []
        self.plane: Any = None
        self.gradients: Any = None
        self.history: Any = None
        self._lock: Any = None
        self._history: dict[int, dict[str, float]] = {}
        self._active = False

    # ------------------------------------------------------------------ Lightning hooks
    def on_fit_start(self, trainer: Any, pl_module: Any) -> None:
        """Check and claim the run directory, build the Recorder, fix the capture epochs."""
        from infoplane.run.checkpoint import set_status
        from infoplane.run.recorder import Recorder
        from infoplane.run.setup import check_run_dir, claim_run_dir
        from infoplane.training.schedule import log_spaced_epochs

        self._active = bool(trainer.is_global_zero)
        if not self._active:
            return
        if self.epochs is not None:
            epochs = list(self.epochs)
        else:
            max_epochs = trainer.max_epochs
            if max_epochs is None or max_epochs < 1:
                raise InfoplaneError(
                    "InformationPlaneCallback needs a bounded Trainer(max_epochs=...) to place "
                    "its log-spaced capture epochs, or pass epochs=[...]."
                )
            epochs = log_spaced_epochs(int(max_epochs), self.n_points).tolist()
        check_run_dir(self.layout.root, self.overwrite)
        tb_target = self._tensorboard_target(trainer)
        recorder = Recorder(
            pl_module,
            self.x,
            self.y,
            self.layers,
            store=None if self.online else self.layout.store,
            inputs=self.inputs,
            batch_size=self.batch_size,
            online=list(self.estimators) if self.online else None,
            tensorboard=None,
            subsample=self.subsample,
            subsample_seed=self.subsample_seed,
        )
        self._lock = claim_run_dir(self.layout, self.overwrite)
        set_status(self.layout.root, "training")
        if tb_target is not None:
            from infoplane.estimators.binning import label_entropy
            from infoplane.run.tensorboard import PlaneLogger

            target = self.layout.tensorboard if tb_target is True else tb_target
            recorder._tb = PlaneLogger(
                target,
                ixy=label_entropy(recorder.labels),
                title=type(pl_module).__name__,
                figures=self.tensorboard_figures,
            )
        if self.follow_gradients:
            recorder.gradients = self._gradient_statistics(pl_module, recorder.layers, epochs)
        self.recorder = recorder
        self.capture_epochs = epochs
        self._history = {}
        if trainer.current_epoch > 0:
            log.warning(
                "the fit resumes at epoch %d: InformationPlaneCallback captures only the epochs "
                "trained from here on",
                trainer.current_epoch,
            )

    def on_train_start(self, trainer: Any, pl_module: Any) -> None:
        """Capture epoch 0 (the initialisation) if it is a capture epoch."""
        if self._active and trainer.current_epoch == 0 and 0 in self.capture_epochs:
            self.recorder.capture(0)

    def on_before_optimizer_step(self, trainer: Any, pl_module: Any, optimizer: Any) -> None:
        """Accumulate the gradients of this step (only in captured epochs)."""
        if self._active and self.recorder.gradients is not None:
            self.recorder.gradients.step(trainer.current_epoch + 1)

    def on_train_epoch_end(self, trainer: Any, pl_module: Any) -> None:
        """Read the epoch's logged metrics; capture if the epoch is scheduled."""
        if not self._active:
            return
        epoch = trainer.current_epoch + 1  # epochs trained so far
        metrics = trainer.callback_metrics
        self._history[epoch] = {
            col: float(metrics[name]) for col, name in self.metrics.items() if name in metrics
        }
        if epoch in self.capture_epochs:  # its gradient statistics close at the next read
            self.recorder.capture(epoch)

    def on_fit_end(self, trainer: Any, pl_module: Any) -> None:
        """Estimate (stored mode), write the tables and figures, mark the run complete."""
        if not self._active:
            return
        from infoplane.run.checkpoint import set_status

        try:
            if self.recorder.epochs:
                set_status(self.layout.root, "estimating")
                self._write_tables()
            set_status(self.layout.root, "complete")
        finally:
            self._release()

    def on_exception(self, trainer: Any, pl_module: Any, exception: BaseException) -> None:
        """Release the run directory's lock (its status stays at the stage reached)."""
        self._release()

    # ------------------------------------------------------------------ helpers
    def _release(self) -> None:
        if self.recorder is not None:
            self.recorder.close()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def _tensorboard_target(self, trainer: Any) -> Any:
        """``None``, an open SummaryWriter (the trainer's TensorBoardLogger), True or a folder."""
        if self.tensorboard is None or self.tensorboard is False:
            return None
        if self.tensorboard is True:
            from lightning.pytorch.loggers import TensorBoardLogger

            for logger in trainer.loggers:
                if isinstance(logger, TensorBoardLogger):
                    return logger.experiment
            return True
        return Path(self.tensorboard)

    @staticmethod
    def _gradient_statistics(module: Any, layers: list[str], epochs: list[int]) -> Any:
        from infoplane.training.gradients import GradientStatistics

        try:
            grads = GradientStatistics(
                module, [e for e in epochs if e > 0], layers=layers, strict=False
            )
        except InfoplaneError as exc:
            log.warning("no gradient statistics: %s", exc)
            return None
        if grads.skipped:
            log.warning(
                "no gradient statistics for %s (no parameter at or before them)",
                ", ".join(grads.skipped),
            )
        return grads if grads.n_layers else None

    def _write_tables(self) -> None:
        import pandas as pd

        from infoplane.run.recorder import write_run_files

        rec = self.recorder
        if self.online:
            plane = rec.estimate()
        else:
            plane = pd.concat(
                [rec.estimate(e.name, **e.params) for e in self.estimators], ignore_index=True
            )
        self.plane = plane
        if rec.gradients is not None:
            self.gradients = rec.gradients.to_frame()
        rows = [
            {"repeat": 0, "epoch": e, **values}
            for e, values in sorted(self._history.items())
            if values
        ]
        if rows:
            history = pd.DataFrame(rows)
            for col in DEFAULT_METRICS:
                if col not in history.columns:
                    history[col] = np.nan
            self.history = history[["repeat", "epoch", *DEFAULT_METRICS]]
        write_run_files(
            self.layout.root,
            plane,
            gradients=self.gradients,
            history=self.history,
            labels=rec.labels,
            make_figures=self.make_figures,
        )
