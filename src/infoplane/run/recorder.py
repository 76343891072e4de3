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

    Attributes:
        layers: the recorded representation names, in forward-pass order, fixed at construction
            by one forward pass on the first two rows of ``x`` (eval mode, no gradients).
        epochs: the captured epochs, in call order.

    Raises:
        InfoplaneError: for a layer that matches no module, a ``name#k`` call the module does not
            make, or ``x`` and ``y`` of different length.

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
        else:
            for k, v in arrays.items():
                self._memory[k].append(v)
        self.epochs.append(epoch)

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
        order = np.argsort(self.epochs)
        return np.stack([self._memory[layer][i] for i in order]) if self.epochs else np.zeros((0,))

    def estimate(self, estimator: str = "binning", **params: Any) -> Any:
        """The information plane of every recorded layer and epoch.

        Args:
            estimator: registry name (see ``infoplane.estimators.available_estimators()``).
            **params: the estimator's hyper-parameters (e.g. ``n_bins=30, range="data"``; with
                ``range="data"`` the bins span the layer's range over all recorded epochs).

        Returns:
            pandas DataFrame with columns repeat (0), epoch, layer (1-based), layer_name,
            estimator, i_xt, i_ty (bits), unit and flags (comma-separated reasons a value may
            not be trusted, ``""`` when clear: see :mod:`infoplane.analysis.validity`).

        Raises:
            InfoplaneError: if nothing was captured, or for a bad estimator or parameter.
        """
        import pandas as pd

        from infoplane.analysis.validity import add_dpi_flags, representation_flags
        from infoplane.run.estimation import estimate_layer_from_store, make_configured_estimator
        from infoplane.storage.tables import plane_frame

        if not self.epochs:
            raise InfoplaneError("nothing captured yet; call recorder.capture(epoch) in your loop.")
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
        return add_dpi_flags(pd.concat(frames, ignore_index=True))

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
            table = self.estimate("binning", **estimator_params)
        return plot_information_plane(table, path, ixy=label_entropy(self.labels))

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
            table = self.estimate("binning", **estimator_params)
        return detect_phases(table, self.gradients.to_frame())


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
