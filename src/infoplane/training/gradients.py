"""Per-layer gradient statistics during training: the drift and diffusion phases of SGD.

Shwartz-Ziv & Tishby (2017), "Opening the Black Box of Deep Neural Networks via Information",
arXiv 1703.00810, Sec. 3.4 and Fig. 4, follow, for every layer, the mean and the standard deviation
of the mini-batch gradients of its weights across the mini-batches of one epoch. Early in training
the mean dominates (*drift*: high signal-to-noise ratio); later the fluctuations dominate
(*diffusion*: SNR below one), and they relate the transition to the onset of compression.

For the weight matrix W_l of layer l and the gradients g_1, ..., g_B of the B mini-batches of an
epoch (each the gradient of that mini-batch's mean loss),

    grad_mean = || (1/B) sum_b g_b ||_F
    grad_std  = sqrt( trace Cov_b(g_b) ) = sqrt( (1/B) sum_b || g_b - mean ||_F^2 )
    snr       = grad_mean / grad_std

optionally with both divided by || W_l ||_F (the IDNNs plots). The covariance is the population
covariance over the epoch's mini-batches (ddof = 0), as ``np.std`` in the IDNNs code. Each layer is
kept separate: the original code accidentally summed these norms over layers.

The statistics come from the real mini-batches of the captured epochs (no extra pass); they are
accumulated with Welford's streaming update, so memory does not grow with the number of batches, and
vectorised over the members of a stacked ensemble and over layers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import torch
from torch import nn

from infoplane.interface import InfoplaneError

COLUMNS: tuple[str, ...] = (
    "repeat",
    "epoch",
    "layer",
    "grad_mean",
    "grad_std",
    "snr",
    "weight_norm",
)


def _layer_weights(model: nn.Module) -> list[nn.Parameter]:
    """Weights of ``layers.{l}.linear`` for l = 0..L, in network order."""
    layers = getattr(model, "layers", None)
    if layers is None:
        raise InfoplaneError(
            "model must have a `layers` sequence whose blocks hold a `linear` module (an "
            "infoplane MLP or EnsembleMLP); got "
            f"{type(model).__name__}."
        )
    weights = []
    for i, block in enumerate(layers):
        lin = getattr(block, "linear", None)
        if lin is None or not isinstance(getattr(lin, "weight", None), torch.Tensor):
            raise InfoplaneError(
                f"model.layers[{i}] has no `linear` module with a weight; GradientStatistics needs "
                "the MLP / EnsembleMLP layout (layers.{i}.linear.weight)."
            )
        weights.append(lin.weight)
    if not weights:
        raise InfoplaneError("model.layers is empty; there are no weights to follow.")
    return weights


class GradientStatistics:
    """Stream per-layer mean, std and SNR of the mini-batch weight gradients at chosen epochs.

    Pass :attr:`step_fn` (or the object itself, which is callable) to
    :func:`~infoplane.training.trainer.train_ensemble` as ``step_fn``; it is called after each
    backward pass with the gradients of every member stacked in ``param.grad``. Steps of epochs not
    in ``epochs`` cost one set lookup.

    Args:
        model: an :class:`~infoplane.models.ensemble.EnsembleMLP` (weights (R, out, in)) or an
            :class:`~infoplane.models.mlp.MLP` (weights (out, in), treated as R = 1). The weight
            of ``layers.{l}.linear`` is layer l + 1 of the output (1..L hidden, L + 1 the output).
        epochs: the epochs to record (training epochs are 1..E; epoch 0, the initialisation, has
            no mini-batches and is ignored). ``None`` records every epoch.
        normalize: divide ``grad_mean`` and ``grad_std`` by the Frobenius norm of the weights
            (the SNR is unchanged).

    Attributes:
        n_models: R, the number of members.
        n_layers: L + 1, the number of weight matrices.

    Raises:
        InfoplaneError: if the model lacks the ``layers.{l}.linear`` layout or ``epochs`` holds
            negative or non-integer values.

    Notes:
        ``weight_norm`` is the Frobenius norm ||W_l||_F averaged over the steps of the epoch
        (measured before each optimiser step). With one mini-batch per epoch (full-batch gradient
        descent) ``grad_std`` is 0 and ``snr`` is ``inf``. The last mini-batch of an epoch may be
        smaller than the others; every mini-batch gradient counts once.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810, Sec. 3.4, Fig. 4.

    Example:
        >>> from infoplane.models.ensemble import EnsembleMLP
        >>> gs = GradientStatistics(EnsembleMLP(seeds=[0, 1]), epochs=[1, 10])
        >>> # train_ensemble(model, ..., step_fn=gs.step_fn); frame = gs.to_frame()
    """

    def __init__(
        self, model: nn.Module, epochs: Iterable[int] | None, *, normalize: bool = False
    ) -> None:
        self._weights = _layer_weights(model)
        first = self._weights[0]
        self._stacked = first.dim() == 3
        self.n_models = int(first.shape[0]) if self._stacked else 1
        self.n_layers = len(self._weights)
        if epochs is None:
            self._epochs: set[int] | None = None
        else:
            arr = np.asarray(list(epochs))
            if arr.size and (
                not np.issubdtype(arr.dtype, np.number)
                or np.any(arr != np.round(arr))
                or np.any(arr < 0)
            ):
                raise InfoplaneError(
                    f"epochs must be non-negative integers (the capture epochs); got {arr[:8]}..."
                )
            self._epochs = {int(e) for e in arr}
        self.normalize = bool(normalize)
        sizes = [w[0].numel() if self._stacked else w.numel() for w in self._weights]
        self._layer_of = torch.repeat_interleave(
            torch.arange(self.n_layers), torch.as_tensor(sizes)
        ).to(first.device)
        self._current: int | None = None
        self._reset()
        self._rows: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    # ------------------------------------------------------------------ streaming accumulation
    def _reset(self) -> None:
        self._count = 0
        self._mean: torch.Tensor | None = None  # (R, P) running mean of the flattened gradients
        self._m2: torch.Tensor | None = None  # (R, n_layers) running sum of squared deviations
        self._wnorm_sum: torch.Tensor | None = None  # (R, n_layers)

    def _flat(self, tensors: list[torch.Tensor]) -> torch.Tensor:
        r = self.n_models
        return torch.cat([t.detach().reshape(r, -1) for t in tensors], dim=1).to(torch.float64)

    def _segment_sum(self, values: torch.Tensor) -> torch.Tensor:
        """Sum (R, P) over the parameters of each layer -> (R, n_layers)."""
        out = values.new_zeros(values.shape[0], self.n_layers)
        return out.index_add_(1, self._layer_of.to(values.device), values)

    def step_fn(self, epoch: int, step: int, model: nn.Module | None = None) -> None:
        """Accumulate the current gradients if ``epoch`` is recorded (trainer's ``step_fn``).

        Args:
            epoch: the training epoch (1..E) of the current mini-batch.
            step: index of the mini-batch within the epoch (unused; batches are counted).
            model: the model (unused; the weights were bound at construction).

        Raises:
            InfoplaneError: if a layer has no gradient (call after ``loss.backward()``).
        """
        epoch = int(epoch)
        if self._epochs is not None and epoch not in self._epochs:
            return
        if self._current is not None and epoch != self._current:
            self._finalize()
        self._current = epoch
        grads = []
        for i, w in enumerate(self._weights):
            if w.grad is None:
                raise InfoplaneError(
                    f"layers.{i}.linear.weight has no gradient; step_fn must run after backward()."
                )
            grads.append(w.grad)
        g = self._flat(grads)
        with torch.no_grad():
            wn = self._segment_sum(self._flat(list(self._weights)) ** 2).sqrt()
        self._count += 1
        if self._mean is None:
            self._mean = g.clone()
            self._m2 = torch.zeros_like(wn)
            self._wnorm_sum = wn
            return
        assert self._m2 is not None and self._wnorm_sum is not None
        delta = g - self._mean
        self._mean += delta / self._count
        self._m2 += self._segment_sum(delta * (g - self._mean))
        self._wnorm_sum += wn

    __call__ = step_fn

    def _finalize(self) -> None:
        """Close the current epoch: store (mean, std, weight norm) of shape (R, n_layers)."""
        if self._current is None or self._mean is None:
            return
        assert self._m2 is not None and self._wnorm_sum is not None
        mean = self._segment_sum(self._mean**2).sqrt()
        std = (self._m2.clamp_min(0.0) / self._count).sqrt()
        wnorm = self._wnorm_sum / self._count
        self._rows[self._current] = (
            mean.cpu().numpy(),
            std.cpu().numpy(),
            wnorm.cpu().numpy(),
        )
        self._current = None
        self._reset()

    # ------------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to resume accumulation (no reference to the model).

        Returns:
            A dict of plain Python values and CPU tensors (loadable with
            ``torch.load(..., weights_only=True)``): the recorded epochs' statistics and the
            running sums of the epoch in progress.
        """

        def cpu(t: torch.Tensor | None) -> torch.Tensor | None:
            return None if t is None else t.detach().cpu().clone()

        return {
            "version": 1,
            "n_models": self.n_models,
            "n_layers": self.n_layers,
            "normalize": self.normalize,
            "epochs": None if self._epochs is None else sorted(self._epochs),
            "current": self._current,
            "count": self._count,
            "mean": cpu(self._mean),
            "m2": cpu(self._m2),
            "wnorm_sum": cpu(self._wnorm_sum),
            "rows": {
                int(e): tuple(torch.from_numpy(np.array(a)) for a in v)
                for e, v in self._rows.items()
            },
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore the state saved by :meth:`state_dict` (e.g. when resuming a run).

        Raises:
            InfoplaneError: if the state belongs to a model with another number of members or
                layers.
        """
        if state.get("n_models") != self.n_models or state.get("n_layers") != self.n_layers:
            raise InfoplaneError(
                f"the saved gradient statistics are for {state.get('n_models')} member(s) and "
                f"{state.get('n_layers')} layer(s), not {self.n_models} and {self.n_layers}; "
                "resume with the same model."
            )
        device = self._layer_of.device

        def dev(t: torch.Tensor | None) -> torch.Tensor | None:
            return None if t is None else t.to(device)

        self.normalize = bool(state["normalize"])
        self._epochs = None if state["epochs"] is None else {int(e) for e in state["epochs"]}
        self._current = state["current"]
        self._count = int(state["count"])
        self._mean, self._m2, self._wnorm_sum = (
            dev(state["mean"]),
            dev(state["m2"]),
            dev(state["wnorm_sum"]),
        )
        self._rows = {  # type: ignore[misc]
            int(e): tuple(np.asarray(a) for a in v) for e, v in state["rows"].items()
        }

    # ------------------------------------------------------------------ results
    @property
    def epochs_recorded(self) -> list[int]:
        """Epochs with statistics so far (including the one being accumulated), sorted."""
        done = set(self._rows)
        if self._current is not None:
            done.add(self._current)
        return sorted(done)

    def to_frame(self):  # -> pandas.DataFrame (pandas imported lazily)
        """Return the statistics as a long table, one row per (repeat, epoch, layer).

        Returns:
            ``pandas.DataFrame`` with columns ``repeat`` (0..R-1), ``epoch``, ``layer`` (1..L+1 in
            network order, L + 1 = the output layer), ``grad_mean``, ``grad_std`` (Frobenius norms,
            divided by ``weight_norm`` if ``normalize``), ``snr`` (= grad_mean / grad_std; ``inf``
            when only grad_std is 0, NaN when both are) and ``weight_norm`` (||W||_F). Sorted by
            epoch, layer, repeat. Empty (with those columns) if no recorded epoch was trained.
        """
        import pandas as pd

        self._finalize()
        epochs = sorted(self._rows)
        if not epochs:
            return pd.DataFrame({c: pd.Series(dtype="float64") for c in COLUMNS}).astype(
                {"repeat": "int64", "epoch": "int64", "layer": "int64"}
            )
        mean = np.stack([self._rows[e][0] for e in epochs])  # (E, R, n_layers)
        std = np.stack([self._rows[e][1] for e in epochs])
        wnorm = np.stack([self._rows[e][2] for e in epochs])
        if self.normalize:
            mean = mean / wnorm
            std = std / wnorm
        with np.errstate(divide="ignore", invalid="ignore"):
            snr = np.where(
                std > 0, mean / np.where(std > 0, std, 1.0), np.where(mean > 0, np.inf, np.nan)
            )
        _, r, n_l = mean.shape
        ep, rep, lay = np.meshgrid(
            np.asarray(epochs), np.arange(r), np.arange(1, n_l + 1), indexing="ij"
        )
        frame = pd.DataFrame(
            {
                "repeat": rep.ravel().astype(np.int64),
                "epoch": ep.ravel().astype(np.int64),
                "layer": lay.ravel().astype(np.int64),
                "grad_mean": mean.ravel(),
                "grad_std": std.ravel(),
                "snr": snr.ravel(),
                "weight_norm": wnorm.ravel(),
            }
        )
        return frame.sort_values(["epoch", "layer", "repeat"], ignore_index=True)
