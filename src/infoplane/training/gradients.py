"""Per-layer gradient statistics of any ``nn.Module`` during training: drift and diffusion of SGD.

Shwartz-Ziv & Tishby (2017), "Opening the Black Box of Deep Neural Networks via Information",
arXiv 1703.00810, section "The drift and diffusion phases of SGD optimization" and Fig. 4, follow,
for every layer, "the norm of the means and standard deviations of the weights gradients" across the
mini-batches of an epoch. Early in training the mean dominates (*drift*: high signal-to-noise ratio);
later the fluctuations dominate (*diffusion*: SNR below one), and they relate the transition to the
onset of compression.

**Definition** (the paper's Fig. 4 and its code, ``idnns/plots/plot_gradients.py``). Flatten the
weights of layer l into one vector w_l (d_l entries). For the gradients g_1, ..., g_B of the B
mini-batches of an epoch (g_b = the gradient with respect to w_l of mini-batch b's mean loss),

    grad_mean = || (1/B) sum_b g_b ||_2
    grad_std  = sqrt( trace Cov_b(g_b) ) = sqrt( (1/B) sum_b || g_b - mean ||_2^2 )
    snr       = grad_mean / grad_std

optionally with both divided by || w_l ||_2 (the paper normalises Fig. 4 by the weights' norms; the
SNR is unchanged). The covariance is the population covariance over the epoch's mini-batches
(ddof = 0), as in the IDNNs code. Each layer is kept separate (the IDNNs plotting code summed these
norms over layers by accident).

**Which parameters make a layer.** The analysed layers are named like the captured ones (module names
such as ``"layers.0.act"``, ``"pool1"``, ``"block1.relu#1"``). The parameters of a layer are those of
the module with that name (its submodules included; a ``#k`` call suffix is ignored), or, when it has
none (an activation, a pooling), those owned by the *nearest parameterised module before it* in the
order of ``model.named_modules()`` (definition order: for ``nn.Sequential`` and the usual
``__init__`` it is the order of the forward pass). Of those parameters only the weights are used
(parameters whose name ends in ``weight``, as the paper's "weights gradients"; biases are left out),
or all of them when none is called ``weight``. Parameters with ``requires_grad=False`` are never
used. So ``layers.0.act`` of the 2017 MLP uses ``layers.0.linear.weight``, ``pool1`` of
:class:`~infoplane.models.cnn.SmallCNN` uses ``conv1.weight``, and ``act3`` uses ``fc1.weight``. Give
a mapping ``{layer: module name}`` to choose a layer's module yourself.

The statistics come from the real mini-batches of training (no extra pass). They are accumulated
per step with Welford's streaming update of the mean vector and of the summed squared deviations
(the numerically stable form of "sums and sums of squares"), so memory does not grow with the
number of batches, vectorised over the members of an ensemble and over parameters (no loop over
samples).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from infoplane.interface import InfoplaneError

COLUMNS: tuple[str, ...] = (
    "repeat",
    "epoch",
    "layer",
    "layer_name",
    "grad_mean",
    "grad_std",
    "snr",
    "weight_norm",
    "parameters",
)
"""Columns of :meth:`GradientStatistics.to_frame` and of a run's ``gradients.parquet``."""

_CALL_SUFFIX = re.compile(r"#\d+$")
_PENDING = -1  # the epoch being accumulated by step() before end_epoch() names it


def _member_models(model: nn.Module) -> tuple[nn.Module, list[nn.Module] | None, int, bool]:
    """(reference module, members or None, R, stacked) for a plain, stacked or module ensemble."""
    members = getattr(model, "members", None)
    if isinstance(members, nn.ModuleList) and len(members) and hasattr(model, "n_models"):
        return members[0], list(members), len(members), False
    n_models = getattr(model, "n_models", None)
    if isinstance(n_models, int) and not isinstance(n_models, bool):
        return model, None, int(n_models), True
    return model, None, 1, False


def _weights_or_all(named: list[tuple[str, nn.Parameter]]) -> list[tuple[str, nn.Parameter]]:
    trainable = [(n, p) for n, p in named if p.requires_grad]
    weights = [(n, p) for n, p in trainable if n.rsplit(".", 1)[-1].endswith("weight")]
    return weights or trainable


def _qualified(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def layer_parameters(
    model: nn.Module, layers: Sequence[str] | Mapping[str, str] | None = None
) -> dict[str, tuple[str, ...]]:
    """The parameters whose gradients make each analysed layer (the rule of this module).

    Args:
        model: any ``nn.Module`` (for a
            :class:`~infoplane.training.module_trainer.ModuleEnsemble`, names are those inside
            one member, e.g. ``"conv1"``).
        layers: module names (exact, with an optional ``#k`` call suffix, or ``fnmatch`` globs),
            in network order; or a mapping ``{layer name: module name}`` that names the module
            whose weights are the layer (``""`` = the whole model). Default ``None``:
            ``model.layer_names()`` of an infoplane model (every layer, the output included).

    Returns:
        dict layer name -> parameter names (relative to one member, e.g. ``("fc1.weight",)``), in
        the order of ``layers`` (globs expanded in ``named_modules()`` order). Shapes: none (names
        in, names out).

    Raises:
        InfoplaneError: a layer that names no module (the message lists some), no layers, or a
            layer with no trainable parameter at or before it (name its module with a mapping).

    Notes:
        A layer's parameters: those of the module it names (submodules included); when it has
        none, those owned by the nearest module before it (``named_modules()`` order) that owns
        trainable parameters. Of these, the weights (names ending in ``weight``), or all when
        there is none. Two layers may share parameters (``act1`` and ``pool1`` both use
        ``conv1.weight``): they then get the same statistics. Units: none.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810, Fig. 4 (the weights' gradients of each layer).

    Example:
        >>> net = nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2), nn.Softmax(-1))
        >>> layer_parameters(net, ["1", "3"])
        {'1': ('0.weight',), '3': ('2.weight',)}
    """
    ref, _, _, _ = _member_models(model)
    named = [(n, m) for n, m in ref.named_modules()]
    index = {n: i for i, (n, _) in enumerate(named)}
    if layers is None:
        if not hasattr(ref, "layer_names"):
            raise InfoplaneError(
                f"layers=None needs an infoplane model with layer_names(); {type(ref).__name__} "
                "has none: name the layers to analyse (module names, e.g. layers=['relu1', 'fc2'])."
            )
        layers = list(ref.layer_names(True))
    if isinstance(layers, str):
        layers = [layers]
    mapping = isinstance(layers, Mapping)
    pairs: list[tuple[str, str | None]] = []
    if isinstance(layers, Mapping):
        pairs = [(str(k), _CALL_SUFFIX.sub("", str(v))) for k, v in layers.items()]
    else:
        for spec in layers:
            spec = str(spec)
            base = _CALL_SUFFIX.sub("", spec)
            hits = [n for n, _ in named if n and fnmatch.fnmatchcase(n, spec)]
            if base and base in index:
                pairs.append((spec, base))
            elif hits:
                pairs.extend((n, n) for n in hits)
            else:
                pairs.append((spec, None))  # reported below
    if not pairs:
        raise InfoplaneError("layers is empty; name at least one layer to follow.")
    out: dict[str, tuple[str, ...]] = {}
    for layer, base in pairs:
        if base is None or base not in index or (not base and not mapping):
            sample = ", ".join(n for n, _ in named[1:13])
            raise InfoplaneError(
                f"layers: {layer!r} names no module of {type(ref).__name__}; modules: {sample}..."
            )
        i = index[base]
        chosen = _weights_or_all(
            [(_qualified(base, n), p) for n, p in named[i][1].named_parameters()]
        )
        j = i
        while not chosen and j > 0:
            j -= 1
            prefix, mod = named[j]
            chosen = _weights_or_all(
                [(_qualified(prefix, n), p) for n, p in mod.named_parameters(recurse=False)]
            )
        if not chosen:
            raise InfoplaneError(
                f"layers: {layer!r} has no trainable parameter at or before it, so it has no "
                f"gradient; leave it out or map it to a module: layers={{{layer!r}: 'module'}}."
            )
        out[layer] = tuple(n for n, _ in chosen)
    return out


class GradientStatistics:
    """Stream per-layer mean, std and SNR of the mini-batch gradients of any ``nn.Module``.

    Two ways to feed it:

    - **your own loop**: call :meth:`step` after each ``loss.backward()`` (before
      ``optimizer.step()``) and :meth:`end_epoch` at the end of each epoch;
    - **the infoplane loop**: pass :meth:`step_fn` (or the object, which is callable) to
      :func:`~infoplane.training.trainer.train_ensemble` as ``step_fn``; steps of epochs not in
      ``epochs`` cost one set lookup, and epochs close by themselves.

    Args:
        model: the model being trained: any ``nn.Module`` (one network, repeat 0); a stacked
            ensemble such as :class:`~infoplane.models.ensemble.EnsembleMLP` (an integer
            ``n_models`` attribute and parameters (R, ...): member r is repeat r); or a
            :class:`~infoplane.training.module_trainer.ModuleEnsemble` (layer names inside one
            member; member r is repeat r).
        epochs: the epochs to record (training epochs are 1..E; epoch 0, the initialisation, has
            no mini-batches). Default ``None``: every epoch.
        layers: the analysed layers, as in :func:`layer_parameters`: module names (``#k`` call
            suffixes and globs allowed) in network order, or ``{layer: module}``. Default ``None``:
            the model's ``layer_names()`` (infoplane models: the 2017 MLP, ``SmallCNN``).
        normalize: divide ``grad_mean`` and ``grad_std`` by the layer's weight norm (the paper's
            Fig. 4; the SNR is unchanged). Default False.
        strict: raise for a layer without trainable parameters at or before it (default True);
            with False such layers are left out and listed in :attr:`skipped`.

    Attributes:
        n_models: R, the number of members (1 for a plain model).
        n_layers: the number of layers followed.
        layer_names: their names, in order.
        layer_numbers: their ``layer`` numbers in :meth:`to_frame`: the 1-based position in
            ``layers`` (a layer left out by ``strict=False`` keeps its number unused), so that
            they match the rows of a run's information-plane table.
        parameters: dict layer name -> the parameter names used (inside one member).
        skipped: layers left out by ``strict=False``.

    Raises:
        InfoplaneError: for a layer that names no module, a layer without parameters (with
            ``strict``), ``epochs`` with negative or non-integer values, or stacked parameters
            whose first axis is not R.

    Notes:
        Definitions (module docstring): ``grad_mean`` = ||mean_b g_b||_2, ``grad_std`` =
        sqrt(trace Cov_b g_b) (population covariance over the B mini-batches of the epoch),
        ``snr`` = grad_mean / grad_std, all in the units of the loss gradient (loss in nats per
        parameter unit; no information unit). ``weight_norm`` is ||w_l||_2 averaged over the steps
        of the epoch (measured before each optimiser step). With one mini-batch per epoch
        (full-batch gradient descent) ``grad_std`` is 0 and ``snr`` is ``inf``: the SNR needs
        several mini-batches. The last mini-batch of an epoch may be smaller than the others;
        every mini-batch counts once. With Adam the gradients are those of the loss, not the
        update direction. Memory: two float64 vectors of the layers' size per member. For a
        captured *input* of a module (``Recorder(inputs=True)``) the rule picks that module's own
        weights: map the layer to the module that produced the input instead.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810, "The drift and diffusion phases of SGD optimization",
        Fig. 4.

    Example:
        A plain training loop, then the same object with a :class:`~infoplane.run.Recorder`:

        >>> _ = torch.manual_seed(0)
        >>> net = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
        >>> x, y = torch.randn(64, 4), (torch.arange(64) % 2)
        >>> opt = torch.optim.SGD(net.parameters(), lr=0.1)
        >>> stats = GradientStatistics(net, layers=["1", "2"])
        >>> stats.parameters
        {'1': ('0.weight',), '2': ('2.weight',)}
        >>> from infoplane.run import Recorder
        >>> rec = Recorder(net, x, y, layers=["1", "2"], gradients=stats)
        >>> for epoch in range(1, 4):
        ...     for batch in torch.arange(64).split(16):
        ...         opt.zero_grad()
        ...         nn.functional.cross_entropy(net(x[batch]), y[batch]).backward()
        ...         stats.step()
        ...         opt.step()
        ...     stats.end_epoch(epoch)
        ...     rec.capture(epoch)
        >>> frame = stats.to_frame()
        >>> frame.shape, sorted(frame["epoch"].unique().tolist())
        ((6, 9), [1, 2, 3])
        >>> bool((frame["snr"] == frame["grad_mean"] / frame["grad_std"]).all())
        True
    """

    def __init__(
        self,
        model: nn.Module,
        epochs: Iterable[int] | None = None,
        *,
        layers: Sequence[str] | Mapping[str, str] | None = None,
        normalize: bool = False,
        strict: bool = True,
    ) -> None:
        _, members, n_models, stacked = _member_models(model)
        if strict:
            chosen = layer_parameters(model, layers)
            self.skipped: list[str] = []
            numbers = list(range(1, len(chosen) + 1))
        else:
            chosen, self.skipped, numbers = _lenient(model, layers)
        self.layer_names = list(chosen)
        self.layer_numbers = numbers
        self.parameters = dict(chosen)
        self.n_models = n_models
        self.n_layers = len(self.layer_names)
        # parameters are grouped: layers that share parameters share one segment
        groups: list[tuple[str, ...]] = []
        for names in chosen.values():
            if names not in groups:
                groups.append(names)
        self._group_of_layer = np.asarray([groups.index(n) for n in chosen.values()], dtype=int)
        self._n_groups = len(groups)
        sources = list(members) if members is not None else [model]
        self._tensors: list[list[nn.Parameter]] = []  # per source: the parameters, group order
        sizes: list[int] = []
        for src_index, src in enumerate(sources):
            params = dict(src.named_parameters())
            flat = [params[name] for names in groups for name in names]
            self._tensors.append(flat)
            if src_index == 0:
                for names in groups:
                    per = [params[name] for name in names]
                    sizes.append(sum((p[0] if stacked else p).numel() for p in per))
        self._names = [name for names in groups for name in names]
        if stacked:
            bad = [
                name
                for name, p in zip(self._names, self._tensors[0], strict=True)
                if p.dim() == 0 or p.shape[0] != n_models
            ]
            if bad:
                raise InfoplaneError(
                    f"the model has n_models={n_models} but parameter(s) {bad} are not stacked "
                    "with a first axis of R; pass a ModuleEnsemble or a plain model."
                )
        self._stacked = stacked
        first = self._tensors[0][0]
        self._layer_of = torch.repeat_interleave(
            torch.arange(self._n_groups), torch.as_tensor(sizes)
        ).to(first.device)
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
        self._current: int | None = None
        self._reset()
        self._rows: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    # ------------------------------------------------------------------ streaming accumulation
    def _reset(self) -> None:
        self._count = 0
        self._mean: torch.Tensor | None = None  # (R, P) running mean of the flattened gradients
        self._m2: torch.Tensor | None = None  # (R, n_groups) running sum of squared deviations
        self._wnorm_sum: torch.Tensor | None = None  # (R, n_groups)

    def _flat(self, per_source: list[list[torch.Tensor]]) -> torch.Tensor:
        """(R, P) float64: the tensors of every source, flattened in group order."""
        if len(per_source) == 1:
            r = self.n_models
            return torch.cat([t.detach().reshape(r, -1) for t in per_source[0]], dim=1).to(
                torch.float64
            )
        return torch.stack(
            [torch.cat([t.detach().reshape(-1) for t in ts]) for ts in per_source]
        ).to(torch.float64)

    def _segment_sum(self, values: torch.Tensor) -> torch.Tensor:
        """Sum (R, P) over the parameters of each group -> (R, n_groups)."""
        out = values.new_zeros(values.shape[0], self._n_groups)
        return out.index_add_(1, self._layer_of.to(values.device), values)

    def _gradients(self) -> list[list[torch.Tensor]]:
        grads = []
        for src in self._tensors:
            row = []
            for name, p in zip(self._names, src, strict=True):
                if p.grad is None:
                    raise InfoplaneError(
                        f"parameter {name!r} has no gradient; call step() after loss.backward() "
                        "(and check that its layer is used by the forward pass)."
                    )
                row.append(p.grad)
            grads.append(row)
        return grads

    def _accumulate(self) -> None:
        g = self._flat(self._gradients())
        with torch.no_grad():
            wn = self._segment_sum(self._flat(self._tensors) ** 2).sqrt()
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

    def step_fn(self, epoch: int, step: int = 0, model: nn.Module | None = None) -> None:
        """Accumulate the current gradients if ``epoch`` is recorded (the trainer's ``step_fn``).

        Args:
            epoch: the training epoch (1..E) of the current mini-batch; a new epoch closes the
                previous one.
            step: index of the mini-batch within the epoch (unused; batches are counted).
            model: the model (unused; the parameters were bound at construction).

        Returns:
            None. Shapes: the gradients in ``param.grad`` (stacked (R, ...) for a stacked
            ensemble); units: those of the loss gradient.

        Raises:
            InfoplaneError: if a followed parameter has no gradient (call after ``backward()``).

        Notes:
            Costs one set lookup for an epoch that is not recorded.

        References:
            Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810, Fig. 4.

        Example:
            >>> net = nn.Linear(2, 1)
            >>> stats = GradientStatistics(net, epochs=[2], layers={"fc": ""})
            >>> net(torch.ones(1, 2)).sum().backward()
            >>> stats.step_fn(1, 0, net)  # epoch 1 is not recorded: nothing happens
            >>> stats.step_fn(2, 0, net)
            >>> stats.epochs_recorded
            [2]
        """
        epoch = int(epoch)
        if self._epochs is not None and epoch not in self._epochs:
            return
        if self._current is not None and epoch != self._current:
            self._finalize()
        self._current = epoch
        self._accumulate()

    __call__ = step_fn

    def step(self, epoch: int | None = None) -> None:
        """Accumulate the gradients of the current mini-batch (call after ``loss.backward()``).

        Args:
            epoch: the epoch of this mini-batch, or ``None`` (default): the epoch that the next
                :meth:`end_epoch` names. Passing it lets steps of unrecorded epochs be skipped
                for free.

        Returns:
            None (the statistics are read with :meth:`to_frame`).

        Raises:
            InfoplaneError: if a followed parameter has no gradient, or steps named with an epoch
                are mixed with unnamed ones in one epoch.

        Notes:
            Shapes: reads ``param.grad`` of every followed parameter; units: those of the loss
            gradient. Call it before ``optimizer.step()`` so that ``weight_norm`` is that of the
            weights the gradient was computed at.

        References:
            Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810, Fig. 4.

        Example:
            >>> net = nn.Linear(3, 2)
            >>> stats = GradientStatistics(net, layers={"fc": ""})
            >>> for b in range(2):
            ...     net.zero_grad()
            ...     net(torch.full((1, 3), float(b))).sum().backward()
            ...     stats.step()
            >>> stats.end_epoch(1)
            >>> stats.to_frame()[["epoch", "layer_name", "parameters"]].values.tolist()
            [[1, 'fc', 'weight']]
        """
        if epoch is not None:
            self.step_fn(int(epoch))
            return
        if self._current is not None and self._current != _PENDING:
            raise InfoplaneError(
                f"step() without an epoch while epoch {self._current} is open; call "
                f"end_epoch({self._current}) first, or pass the epoch to every step."
            )
        self._current = _PENDING
        self._accumulate()

    def end_epoch(self, epoch: int) -> None:
        """Close the epoch whose mini-batches :meth:`step` accumulated, under the number ``epoch``.

        Args:
            epoch: the epoch just trained (an integer >= 0). If ``epochs`` was given and does not
                hold it, the accumulated steps are discarded.

        Returns:
            None.

        Raises:
            InfoplaneError: for a negative or non-integer ``epoch``, one already recorded, or
                one other than the epoch the open steps were given.

        Notes:
            An epoch without steps records nothing (e.g. epoch 0, before training). Shapes and
            units: none (bookkeeping).

        References:
            Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810, Fig. 4.

        Example:
            >>> stats = GradientStatistics(nn.Linear(2, 2), layers={"fc": ""})
            >>> stats.end_epoch(0)  # nothing was accumulated: no row
            >>> len(stats.to_frame())
            0
        """
        if isinstance(epoch, bool) or not isinstance(epoch, int | np.integer) or epoch < 0:
            raise InfoplaneError(f"epoch must be an integer >= 0; got {epoch!r}.")
        epoch = int(epoch)
        if epoch in self._rows:
            raise InfoplaneError(f"epoch {epoch} was already recorded; end each epoch once.")
        if self._current is None:
            return
        if self._current not in (_PENDING, epoch):
            raise InfoplaneError(
                f"the open steps were given epoch {self._current}, not {epoch}; call "
                f"end_epoch({self._current}), or step() without an epoch."
            )
        if self._current == _PENDING:
            if self._epochs is not None and epoch not in self._epochs:
                self._current = None
                self._reset()
                return
            self._current = epoch
        self._finalize()

    def _finalize(self) -> None:
        """Close the current epoch: store (mean, std, weight norm) of shape (R, n_groups)."""
        if self._current is None or self._current == _PENDING or self._mean is None:
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
            ``torch.load(..., weights_only=True)``): the recorded epochs' statistics (tensors
            (R, n_groups)) and the running sums of the epoch in progress.

        Raises:
            Nothing.

        Notes:
            Shapes and units as in :meth:`to_frame`; the model's parameters are not included.

        References:
            PyTorch documentation, "Saving and loading a general checkpoint".

        Example:
            >>> stats = GradientStatistics(nn.Linear(2, 2), layers={"fc": ""})
            >>> sorted(stats.state_dict())[:4]
            ['count', 'current', 'epochs', 'layer_names']
        """

        def cpu(t: torch.Tensor | None) -> torch.Tensor | None:
            return None if t is None else t.detach().cpu().clone()

        return {
            "version": 2,
            "n_models": self.n_models,
            "n_layers": self.n_layers,
            "layer_names": list(self.layer_names),
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

        Args:
            state: a dict from :meth:`state_dict` of statistics over the same model and layers.

        Returns:
            None.

        Raises:
            InfoplaneError: if the state belongs to a model with another number of members or
                other layers.

        Notes:
            States of version 1 (before layers were named) are accepted when the numbers of
            members and layers agree. Shapes and units as in :meth:`state_dict`.

        References:
            PyTorch documentation, "Saving and loading a general checkpoint".

        Example:
            >>> a = GradientStatistics(nn.Linear(2, 2), layers={"fc": ""})
            >>> b = GradientStatistics(nn.Linear(2, 2), layers={"fc": ""})
            >>> b.load_state_dict(a.state_dict())
        """
        saved_names = state.get("layer_names")
        if (
            state.get("n_models") != self.n_models
            or state.get("n_layers") != self.n_layers
            or (saved_names is not None and list(saved_names) != self.layer_names)
        ):
            raise InfoplaneError(
                f"the saved gradient statistics are for {state.get('n_models')} member(s) and "
                f"layers {saved_names or state.get('n_layers')}, not {self.n_models} and "
                f"{self.layer_names}; resume with the same model."
            )
        device = self._layer_of.device

        def dev(t: torch.Tensor | None) -> torch.Tensor | None:
            return None if t is None else t.to(device)

        self.normalize = bool(state["normalize"])
        self._epochs = None if state["epochs"] is None else {int(e) for e in state["epochs"]}
        self._current = None if state["current"] is None else int(state["current"])
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
        """Epochs with statistics so far (including one being accumulated under its number)."""
        done = set(self._rows)
        if self._current is not None and self._current != _PENDING:
            done.add(self._current)
        return sorted(done)

    def to_frame(self):  # -> pandas.DataFrame (pandas imported lazily)
        """Return the statistics as a long table, one row per (repeat, epoch, layer).

        Returns:
            ``pandas.DataFrame`` with the columns of :data:`COLUMNS`: ``repeat`` (0..R-1),
            ``epoch``, ``layer`` (1..n_layers, the position in :attr:`layer_names`, as in a run's
            information-plane table), ``layer_name``, ``grad_mean``, ``grad_std`` (2-norms, in
            the units of the loss gradient, divided by ``weight_norm`` if ``normalize``), ``snr``
            (= grad_mean / grad_std, dimensionless; ``inf`` when only grad_std is 0, NaN when both
            are), ``weight_norm`` (||w||_2) and ``parameters`` (the parameter names, comma
            separated). Sorted by epoch, layer, repeat. Empty (with those columns) if no recorded
            epoch was trained. An epoch still open under its number is closed first.

        Raises:
            Nothing.

        Notes:
            Steps accumulated by :meth:`step` without a closing :meth:`end_epoch` are not in the
            table. Shape: (n_epochs * n_layers * R, 9).

        References:
            Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810, Fig. 4.

        Example:
            >>> list(GradientStatistics(nn.Linear(2, 2), layers={"fc": ""}).to_frame().columns)[:4]
            ['repeat', 'epoch', 'layer', 'layer_name']
        """
        import pandas as pd

        self._finalize()
        epochs = sorted(self._rows)
        if not epochs:
            frame = pd.DataFrame({c: pd.Series(dtype="float64") for c in COLUMNS})
            return frame.astype(
                {
                    "repeat": "int64",
                    "epoch": "int64",
                    "layer": "int64",
                    "layer_name": "object",
                    "parameters": "object",
                }
            )
        cols = self._group_of_layer
        mean = np.stack([self._rows[e][0] for e in epochs])[..., cols]  # (E, R, n_layers)
        std = np.stack([self._rows[e][1] for e in epochs])[..., cols]
        wnorm = np.stack([self._rows[e][2] for e in epochs])[..., cols]
        if self.normalize:
            mean = mean / wnorm
            std = std / wnorm
        with np.errstate(divide="ignore", invalid="ignore"):
            snr = np.where(
                std > 0, mean / np.where(std > 0, std, 1.0), np.where(mean > 0, np.inf, np.nan)
            )
        _, r, n_l = mean.shape
        ep, rep, pos = np.meshgrid(np.asarray(epochs), np.arange(r), np.arange(n_l), indexing="ij")
        pos = pos.ravel()
        names = np.asarray(self.layer_names, dtype=object)
        params = np.asarray([",".join(self.parameters[n]) for n in self.layer_names], dtype=object)
        frame = pd.DataFrame(
            {
                "repeat": rep.ravel().astype(np.int64),
                "epoch": ep.ravel().astype(np.int64),
                "layer": np.asarray(self.layer_numbers, dtype=np.int64)[pos],
                "layer_name": names[pos],
                "grad_mean": mean.ravel(),
                "grad_std": std.ravel(),
                "snr": snr.ravel(),
                "weight_norm": wnorm.ravel(),
                "parameters": params[pos],
            }
        )
        return frame.sort_values(["epoch", "layer", "repeat"], ignore_index=True)


def _lenient(
    model: nn.Module, layers: Sequence[str] | Mapping[str, str] | None
) -> tuple[dict[str, tuple[str, ...]], list[str], list[int]]:
    """:func:`layer_parameters` layer by layer, leaving out layers without parameters; also the
    1-based positions of the layers kept among all the layers asked for."""
    if layers is None or isinstance(layers, str):
        chosen = layer_parameters(model, layers)
        return chosen, [], list(range(1, len(chosen) + 1))
    items = list(layers.items()) if isinstance(layers, Mapping) else list(layers)
    chosen = {}
    skipped: list[str] = []
    numbers: list[int] = []
    position = 0
    for item in items:
        one = dict([item]) if isinstance(layers, Mapping) else [item]
        try:
            found = layer_parameters(model, one)  # type: ignore[arg-type]
        except InfoplaneError as exc:
            if "no trainable parameter" not in str(exc):
                raise
            skipped.append(str(item[0] if isinstance(layers, Mapping) else item))
            position += 1
            continue
        for name, params in found.items():
            position += 1
            if name not in chosen:
                chosen[name] = params
                numbers.append(position)
    if not chosen:
        raise InfoplaneError(
            f"none of the layers {skipped} has a trainable parameter at or before it; there are "
            "no gradients to follow."
        )
    return chosen, skipped, numbers
