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
        members: the R models (``members.{r}.<name>`` are their modules); capture their layers
            with :func:`infoplane.capture.capture_members`.

    Raises:
        InfoplaneError: for no seeds or a factory that does not return an ``nn.Module``.

    Notes:
        Members run one after the other (not batched like
        :class:`~infoplane.models.ensemble.EnsembleMLP`); with a summed loss and element-wise
        optimisers each follows the trajectory it would follow alone, and each member's
        ``param.grad`` is the gradient of its own mean loss (what
        :class:`~infoplane.training.gradients.GradientStatistics` follows, member r as repeat r).

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810 (averages over many networks).

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


def import_factory(spec: str) -> Callable[..., Any]:
    """Import ``package.module:function`` and return the function.

    Args:
        spec: ``package.module:function`` (the function may be a dotted attribute path).

    Returns:
        The callable.

    Raises:
        InfoplaneError: for a spec without ``:``, a module that does not import, or a missing name.

    Notes:
        Importing a module runs its code: call this only for specs the user gave (the run engine
        refuses factories named by a run directory unless the user passes the same spec).

    References:
        Python :func:`importlib.import_module`.

    Example:
        >>> import_factory("math:sqrt")(16.0)
        4.0
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
