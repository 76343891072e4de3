"""Training any ``nn.Module`` (a CNN, a user's model) with the ensemble loop of :mod:`.trainer`.

:class:`ModuleEnsemble` holds R independent copies of a model (one per seed) and presents them as a
stacked model: inputs (R, batch, *features) -> logits (R, batch, C). It therefore runs in
:func:`~infoplane.training.trainer.train_ensemble` unchanged -- the same mini-batch loop, per-member
shuffling, history, capture epochs, checkpoints and resume -- with the members evaluated one after
the other. Because the loss is the sum of the members' losses and Adam/SGD act element-wise, each
member follows the trajectory it would follow trained alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from infoplane.interface import InfoplaneError


class ModuleEnsemble(nn.Module):
    """R independently initialised copies of a model, run as one stacked model.

    Args:
        factory: called as ``factory(seed)`` (with ``torch.manual_seed(seed)`` set first) to build
            each member; it must return an ``nn.Module`` mapping (batch, *features) to logits
            (batch, C).
        seeds: one seed per member (R >= 1).
        sample_ndim: number of feature axes of one input (1 for vectors, 3 for (C, H, W) images);
            an input with ``sample_ndim + 1`` axes is shared by all members, one with
            ``sample_ndim + 2`` axes is split along its first (member) axis.

    Attributes:
        members: the R models (``members.{r}.<name>`` are their modules).

    Raises:
        InfoplaneError: for no seeds or a factory that does not return an ``nn.Module``.

    Example:
        >>> ens = ModuleEnsemble(lambda s: nn.Linear(4, 3), seeds=[0, 1], sample_ndim=1)
        >>> ens(torch.zeros(5, 4)).shape
        torch.Size([2, 5, 3])
    """

    def __init__(
        self, factory: Callable[[int], nn.Module], seeds: Sequence[int], *, sample_ndim: int = 1
    ) -> None:
        super().__init__()
        seeds = [int(s) for s in seeds]
        if not seeds:
            raise InfoplaneError("seeds must name at least one member of the ensemble.")
        members = []
        for seed in seeds:
            torch.manual_seed(seed)
            net = factory(seed)
            if not isinstance(net, nn.Module):
                raise InfoplaneError(
                    f"the model factory returned {type(net).__name__}, not a torch.nn.Module."
                )
            members.append(net)
        self.members = nn.ModuleList(members)
        self.seeds = seeds
        self.sample_ndim = int(sample_ndim)

    @property
    def n_models(self) -> int:
        """Number of members R."""
        return len(self.seeds)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (R, batch, C) of shared inputs (batch, *f) or per-member inputs (R, batch, *f)."""
        if x.dim() == self.sample_ndim + 1:
            return torch.stack([m(x) for m in self.members])
        if x.dim() == self.sample_ndim + 2 and x.shape[0] == self.n_models:
            return torch.stack([m(x[r]) for r, m in enumerate(self.members)])
        raise InfoplaneError(
            f"input of shape {tuple(x.shape)} fits neither (batch, *features) nor "
            f"(R={self.n_models}, "
            f"batch, *features) with {self.sample_ndim} feature axis/axes."
        )

    def capture(
        self,
        x: torch.Tensor,
        layers: Sequence[str],
        *,
        batch_size: int | None = 2048,
        inputs: bool = False,
    ) -> dict[str, np.ndarray]:
        """Capture the named layers of every member on shared inputs ``x``.

        Args:
            x: inputs (n_samples, *features).
            layers: module names inside one member (e.g. ``"act1"``).
            batch_size: rows per forward pass (bounds memory).
            inputs: capture the layers' inputs instead of their outputs.

        Returns:
            dict layer name -> float32 array (R, n_samples, n_units) (feature maps flattened).
        """
        from infoplane.capture import run_and_capture

        per_member = [
            run_and_capture(m, x, list(layers), batch_size=batch_size, inputs=inputs)
            for m in self.members
        ]
        return {name: np.stack([p[name].numpy() for p in per_member]) for name in per_member[0]}


def import_factory(spec: str) -> Callable[..., Any]:
    """Import ``package.module:function`` and return the function.

    Raises:
        InfoplaneError: for a spec without ``:``, a module that does not import, or a missing name.
    """
    import importlib

    if ":" not in spec:
        raise InfoplaneError(f"model.factory={spec!r} must look like 'package.module:function'.")
    module_name, attr = spec.split(":", 1)
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise InfoplaneError(
            f"model.factory={spec!r}: module {module_name!r} does not import ({exc}); is it "
            "installed "
            "or on PYTHONPATH?"
        ) from None
    obj: Any = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise InfoplaneError(
                f"model.factory={spec!r}: {module_name!r} has no attribute {attr!r}."
            )
        obj = getattr(obj, part)
    if not callable(obj):
        raise InfoplaneError(f"model.factory={spec!r} is not callable.")
    return obj
