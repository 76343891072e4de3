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
from typing import Any

import torch
from torch import nn

from infoplane.interface import InfoplaneError

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
    """Context manager yielding a dict filled with the captured activations when the block ends.

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

    Returns:
        dict module name -> tensor (n_samples, n_features) (or (n_models, n_samples, n_features)).
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
