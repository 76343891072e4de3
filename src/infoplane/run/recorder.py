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

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from infoplane.capture.hooks import LayerSpec, run_and_capture, select_layers
from infoplane.interface import InfoplaneError


class Recorder:
    """Capture a model's layers at chosen epochs of any training loop, then estimate the plane.

    Args:
        model: any ``nn.Module`` (a plain model: one network, repeat 0).
        x: evaluation inputs (n_samples, *features) (tensor or array), e.g. the test set.
        y: their integer labels (n_samples,).
        layers: module names, globs or types (see :func:`~infoplane.capture.select_layers`);
            default: every module that has no children, except dropout.
        store: folder of a zarr activation store to stream to (created at the first capture;
            an earlier store there is replaced, any other existing folder is refused);
            ``None`` keeps the activations in memory (fine for small models and few epochs).
        inputs: capture each layer's input (forward pre-hook) instead of its output.
        batch_size: evaluate ``x`` in chunks of this many rows (bounds memory).
        dtype: store dtype, ``"float32"`` (default) or ``"float16"``.
        chunk_mb: with a store, MiB of activations read at once by :meth:`estimate` (bounds memory).

    Raises:
        InfoplaneError: for a layer that matches no module, or ``x`` and ``y`` of different length.

    Notes:
        Estimates are in bits unless the estimator is asked for nats (see the table's ``unit``).
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
    ) -> None:
        from infoplane._validation import as_labels

        self.model = model
        self.x = torch.as_tensor(np.asarray(x) if not isinstance(x, torch.Tensor) else x)
        self.labels = as_labels(y.cpu().numpy() if isinstance(y, torch.Tensor) else y, "y")
        if len(self.labels) != self.x.shape[0]:
            raise InfoplaneError(
                f"x has {self.x.shape[0]} rows but y has {len(self.labels)} labels."
            )
        if layers is None:
            layers = [
                name
                for name, mod in model.named_modules()
                if name and not list(mod.children()) and not isinstance(mod, nn.Dropout)
            ]
        self.layers = select_layers(model, layers)
        self.inputs = inputs
        self.batch_size = batch_size
        self.store_path = None if store is None else Path(store)
        self.dtype = dtype
        self.chunk_mb = float(chunk_mb)
        self._store: Any = None
        self._memory: dict[str, list[np.ndarray]] = {name: [] for name in self.layers}
        self.epochs: list[int] = []

    def capture(self, epoch: int) -> None:
        """Capture every layer on the evaluation inputs after ``epoch`` (call it from your loop).

        The model runs in eval mode without gradients; its training mode is restored after.

        Raises:
            InfoplaneError: if ``epoch`` was already captured or the activations are not finite.
        """
        epoch = int(epoch)
        if epoch in self.epochs:
            raise InfoplaneError(f"epoch {epoch} was already captured; capture each epoch once.")
        device = next(self.model.parameters(), torch.empty(0)).device
        acts = run_and_capture(
            self.model,
            self.x.to(device),
            self.layers,
            batch_size=self.batch_size,
            inputs=self.inputs,
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
            estimator, i_xt, i_ty (bits), unit.

        Raises:
            InfoplaneError: if nothing was captured, or for a bad estimator or parameter.
        """
        import pandas as pd

        from infoplane.run.estimation import estimate_layer_from_store, make_configured_estimator
        from infoplane.storage.tables import plane_frame

        if not self.epochs:
            raise InfoplaneError("nothing captured yet; call recorder.capture(epoch) in your loop.")
        frames = []
        epochs = np.sort(np.asarray(self.epochs))
        for i, name in enumerate(self.layers, start=1):
            if self._store is not None:
                eps, i_xt, i_ty, unit = estimate_layer_from_store(
                    self._store, name, estimator, params, max_bytes=int(self.chunk_mb * 2**20)
                )
            else:
                est = make_configured_estimator(estimator, params)
                i_xt, i_ty = est.information_plane(self.activations(name)[None], self.labels)
                eps, unit = epochs, getattr(est, "unit", "bits")
            frames.append(plane_frame(i_xt, i_ty, eps, i, name, estimator, unit))
        return pd.concat(frames, ignore_index=True)

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
