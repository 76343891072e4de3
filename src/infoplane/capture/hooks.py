"""Capture layer representations from any ``torch.nn.Module`` with forward hooks.

After ``pytorch/captum``: register a forward hook (or a forward pre-hook, for a layer's *input*) on each
chosen module, run the model, and remove every handle in ``finally`` -- even when the forward raises.
Captured tensors are detached and cloned, so a later in-place operation (``ReLU(inplace=True)``) cannot
overwrite them.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from infoplane.interface import InfoplaneError

if TYPE_CHECKING:
    import numpy as np

LayerSpec = str | type[nn.Module]


def select_layers(model: nn.Module, layers: LayerSpec | Sequence[LayerSpec]) -> list[str]:
    """Resolve layer specifications to module names, in the model's order.

    Args:
        model: any ``nn.Module``.
        layers: a module name (``"layers.0.act"``), a glob over names (``"layers.*.act"``), a module
            type (``nn.ReLU``), or a sequence of these.

    Returns:
        Module names, without duplicates, ordered as in ``model.named_modules()``.

    Raises:
        InfoplaneError: if a specification matches no module (the message lists some names).

    Notes:
        Shapes: none (module names in, module names out). Units: none.
        Globs use :func:`fnmatch.fnmatchcase` on the dotted names of ``model.named_modules()``;
        the root module (name ``""``) is never selected.

    References:
        Kokhlikyan, N. et al. (2020). Captum: A unified and generic model interpretability library
        for PyTorch. arXiv:2009.07896.

    Example:
        >>> net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2), nn.ReLU())
        >>> select_layers(net, nn.ReLU), select_layers(net, ["2", "0"])
        (['1', '3'], ['0', '2'])
    """
    specs = [layers] if isinstance(layers, str | type) else list(layers)
    named = [(name, mod) for name, mod in model.named_modules() if name]
    chosen: set[str] = set()
    for spec in specs:
        if isinstance(spec, type):
            hits = {name for name, mod in named if isinstance(mod, spec)}
        else:
            hits = {name for name, _ in named if fnmatch.fnmatchcase(name, spec)}
        if not hits:
            sample = ", ".join(name for name, _ in named[:12])
            raise InfoplaneError(
                f"layer {spec!r} matches no module of the model; modules: {sample}..."
            )
        chosen |= hits
    return [name for name, _ in named if name in chosen]


class ActivationCapture:
    """Record the outputs (or inputs) of chosen modules during forward passes.

    Use as a context manager around the forward passes to observe::

        with ActivationCapture(model, ["layers.*.act"]) as cap:
            model(x)
        t = cap.activations["layers.0.act"]      # (n_samples, n_units), a detached clone

    Args:
        model: any ``nn.Module``.
        layers: names, globs or module types (see :func:`select_layers`).
        inputs: capture each module's input (forward pre-hook) instead of its output.
        sample_dims: number of leading dimensions that index samples and are kept; the rest are
            flattened (a conv feature map (n, c, h, w) becomes (n, c*h*w)). Use 2 for a stacked
            ensemble whose outputs are (n_models, n_samples, ...).
        accumulate: if True, outputs of successive forward passes are concatenated along the sample
            axis (for evaluating a data set in mini-batches); otherwise the last pass is kept.

    Attributes:
        activations: dict module name -> tensor of shape (*sample shape, n_features), float, on CPU
            unless ``keep_device`` is True.

    Raises:
        InfoplaneError: if a layer specification matches no module.

    Notes:
        Captured tensors are detached clones (moved to the CPU unless ``keep_device``), so
        in-place operations later in the network cannot change them; every hook is removed on
        exit, also when the forward pass raises.

    References:
        Kokhlikyan, N. et al. (2020). Captum: A unified and generic model interpretability library
        for PyTorch. arXiv:2009.07896.

    Example:
        >>> net = nn.Sequential(nn.Linear(1, 1), nn.ReLU(inplace=True))
        >>> with torch.no_grad():
        ...     _ = net[0].weight.fill_(1.0), net[0].bias.fill_(0.0)
        >>> with ActivationCapture(net, ["0"]) as cap:
        ...     out = net(-torch.ones(2, 1))
        >>> cap.activations["0"].flatten().tolist(), out.flatten().tolist()
        ([-1.0, -1.0], [0.0, 0.0])
    """

    def __init__(
        self,
        model: nn.Module,
        layers: LayerSpec | Sequence[LayerSpec],
        *,
        inputs: bool = False,
        sample_dims: int = 1,
        accumulate: bool = False,
        keep_device: bool = False,
    ) -> None:
        self.model = model
        self.names = select_layers(model, layers)
        self.inputs = inputs
        self.sample_dims = int(sample_dims)
        self.accumulate = accumulate
        self.keep_device = keep_device
        self._parts: dict[str, list[torch.Tensor]] = {}
        self._handles: list[Any] = []

    def _store(self, name: str, value: Any) -> None:
        if isinstance(value, tuple | list):
            value = value[0]
        if not isinstance(value, torch.Tensor):
            raise InfoplaneError(f"layer {name!r} produced {type(value).__name__}, not a tensor.")
        t = value.detach()
        t = t.reshape(*t.shape[: self.sample_dims], -1) if t.dim() > self.sample_dims else t
        if t.dim() == self.sample_dims:
            t = t.unsqueeze(-1)
        t = t.clone() if self.keep_device else t.to("cpu", copy=True)
        if self.accumulate:
            self._parts.setdefault(name, []).append(t)
        else:
            self._parts[name] = [t]

    def _make_hook(self, name: str) -> Any:
        if self.inputs:
            return lambda _module, args: self._store(name, args)
        return lambda _module, _args, output: self._store(name, output)

    def attach(self) -> ActivationCapture:
        """Register the hooks (done by ``__enter__``)."""
        modules = dict(self.model.named_modules())
        for name in self.names:
            mod = modules[name]
            hook = self._make_hook(name)
            handle = (
                mod.register_forward_pre_hook(hook)
                if self.inputs
                else mod.register_forward_hook(hook)
            )
            self._handles.append(handle)
        return self

    def detach(self) -> None:
        """Remove every hook (done by ``__exit__``, also when the forward raised)."""
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

    def clear(self) -> None:
        """Forget captured tensors (keep the hooks)."""
        self._parts.clear()

    def __enter__(self) -> ActivationCapture:
        return self.attach()

    def __exit__(self, *exc: object) -> None:
        self.detach()

    @property
    def activations(self) -> dict[str, torch.Tensor]:
        """Captured tensors by module name, in layer order (concatenated if ``accumulate``)."""
        axis = self.sample_dims - 1
        return {
            name: torch.cat(self._parts[name], dim=axis)
            if len(self._parts[name]) > 1
            else self._parts[name][0]
            for name in self.names
            if name in self._parts
        }


@contextmanager
def capture_activations(
    model: nn.Module, layers: LayerSpec | Sequence[LayerSpec], **kwargs: Any
) -> Iterator[dict[str, torch.Tensor]]:
    """Capture chosen layers during the forward passes of a ``with`` block.

    The dict yielded is empty inside the block and filled when the block ends; every hook is
    removed on exit, also when the block raises.

    Args:
        model: any ``nn.Module``.
        layers: module names, globs or module types (see :func:`select_layers`).
        **kwargs: options of :class:`ActivationCapture`: ``inputs`` (capture the layers' inputs,
            default False), ``sample_dims`` (leading sample axes kept, default 1), ``accumulate``
            (concatenate successive passes, default False), ``keep_device`` (default False).

    Yields:
        dict module name -> detached float tensor (*sample shape, n_features) (feature maps
        flattened), filled at the end of the block.

    Raises:
        InfoplaneError: if a layer specification matches no module, or a layer returns something
            that is not a tensor.

    Notes:
        Units: the layer's own activation values (float32 as the module computes them); no
        information quantity is computed here.
        Tensors are cloned when captured, so in-place operations later in the network (e.g.
        ``ReLU(inplace=True)``) cannot change them. Gradients are not disabled: wrap the block in
        ``torch.no_grad()`` (or use :func:`run_and_capture`) when only observing.

    References:
        Kokhlikyan, N. et al. (2020). Captum: A unified and generic model interpretability library
        for PyTorch. arXiv:2009.07896 (the hook-and-remove pattern).

    Example:
        >>> import torch
        >>> net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU())
        >>> with capture_activations(net, ["1"]) as acts:
        ...     _ = net(torch.ones(4, 2))
        >>> acts["1"].shape
        torch.Size([4, 3])
    """
    cap = ActivationCapture(model, layers, **kwargs)
    result: dict[str, torch.Tensor] = {}
    try:
        cap.attach()
        yield result
    finally:
        cap.detach()
    result.update(cap.activations)


def run_and_capture(
    model: nn.Module,
    x: torch.Tensor,
    layers: LayerSpec | Sequence[LayerSpec] | Iterable[str],
    *,
    batch_size: int | None = None,
    **kwargs: Any,
) -> dict[str, torch.Tensor]:
    """Run ``model`` on ``x`` (in eval mode, without gradients) and return the captured activations.

    Args:
        model: any ``nn.Module``.
        x: inputs, first axis = samples (or models, then samples, for a stacked ensemble with
            ``sample_dims=2``).
        layers: as for :class:`ActivationCapture`.
        batch_size: evaluate in chunks of this many samples (first axis) to bound memory.

        **kwargs: options of :class:`ActivationCapture` (``inputs``, ``sample_dims``,
            ``keep_device``).

    Returns:
        dict module name -> tensor (n_samples, n_features) (or (n_models, n_samples, n_features)).

    Raises:
        InfoplaneError: if a layer matches no module or produces something that is not a tensor.

    Notes:
        Units: the layer's own activation values (float32 as the module computes them); no
        information quantity is computed here.
        The model runs in eval mode (dropout off, batch norm on running statistics) without
        gradients; its training mode is restored afterwards, also on error.

    References:
        Kokhlikyan, N. et al. (2020). Captum: A unified and generic model interpretability library
        for PyTorch. arXiv:2009.07896.

    Example:
        >>> net = nn.Sequential(nn.Linear(2, 3), nn.Tanh())
        >>> run_and_capture(net, torch.zeros(5, 2), ["1"], batch_size=2)["1"].shape
        torch.Size([5, 3])
    """
    was_training = model.training
    model.eval()
    try:
        with (
            torch.no_grad(),
            ActivationCapture(
                model,
                list(layers) if not isinstance(layers, str | type) else layers,
                accumulate=batch_size is not None,
                **kwargs,
            ) as cap,
        ):
            if batch_size is None:
                model(x)
            else:
                for start in range(0, x.shape[0], batch_size):
                    model(x[start : start + batch_size])
        return cap.activations
    finally:
        model.train(was_training)


def capture_members(
    ensemble: nn.Module,
    x: torch.Tensor,
    layers: Sequence[str],
    *,
    batch_size: int | None = 2048,
    inputs: bool = False,
) -> dict[str, np.ndarray]:
    """Capture the named layers of every member of an ensemble on shared inputs.

    Args:
        ensemble: a model with a ``members`` list of R modules, e.g.
            :class:`~infoplane.training.module_trainer.ModuleEnsemble`.
        x: inputs shared by all members, shape (n_samples, *features).
        layers: module names inside one member (e.g. ``"act1"``).
        batch_size: rows per forward pass (bounds memory; default 2048); ``None``: all at once.
        inputs: capture the layers' inputs instead of their outputs (default False).

    Returns:
        dict layer name -> float32 array (R, n_samples, n_units) (feature maps flattened).

    Raises:
        InfoplaneError: if ``ensemble`` has no ``members`` or a layer matches no module.

    Notes:
        Members run one after the other in eval mode without gradients; each member's training
        mode is restored afterwards.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810 (activations of every network of an
        ensemble, averaged in the information plane).

    Example:
        >>> import torch
        >>> net = nn.Module()
        >>> net.members = nn.ModuleList([nn.Sequential(nn.Linear(2, 3), nn.Tanh())] * 2)
        >>> capture_members(net, torch.ones(4, 2), ["1"])["1"].shape
        (2, 4, 3)
    """
    import numpy as np

    members = getattr(ensemble, "members", None)
    if members is None:
        raise InfoplaneError(
            f"{type(ensemble).__name__} has no members; pass a ModuleEnsemble (R models)."
        )
    per_member = [
        run_and_capture(m, x, list(layers), batch_size=batch_size, inputs=inputs) for m in members
    ]
    return {name: np.stack([p[name].float().numpy() for p in per_member]) for name in per_member[0]}
