"""R independent MLPs trained as one batched computation (stacked weights, batched matmul).

Member r of :class:`EnsembleMLP` starts from exactly the weights of ``MLP(seed=seeds[r])``; because the
loss is a sum of the members' losses and Adam/SGD act element-wise, each member's trajectory is the
one it would follow trained alone (up to floating-point summation order). This is what lets
infoplane average the information plane over 50 networks at the cost of a few (Shwartz-Ziv & Tishby
2017, arXiv 1703.00810, average over 50 runs).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from infoplane.interface import InfoplaneError
from infoplane.models.mlp import MLP


class StackedLinear(nn.Module):
    """``n_models`` linear maps applied in one batched matmul.

    Shapes: input (n_models, batch, in_features) -> output (n_models, batch, out_features).
    Parameters: ``weight`` (n_models, out_features, in_features), ``bias`` (n_models, out_features).
    """

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor) -> None:
        super().__init__()
        self.weight = nn.Parameter(weight.clone())
        self.bias = nn.Parameter(bias.clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.baddbmm(self.bias.unsqueeze(1), x, self.weight.transpose(1, 2))

    def extra_repr(self) -> str:
        r, o, i = self.weight.shape
        return f"n_models={r}, in_features={i}, out_features={o}"


class _PaddedSoftmax(nn.Softmax):
    """``nn.Softmax`` over the last axis: the same numbers, faster for two classes on the CPU.

    torch's CPU softmax over a last axis narrower than one SIMD vector runs a slow partial-vector
    path (16 ms for the (50, 4096, 2) output of the ``tishby2017`` preset). Padding two logits to
    a full vector with -inf changes no number: the maximum is the same, exp(-inf) = 0 adds an
    exact zero to the sum of two terms, and each element's exp is computed alone, so the result
    equals ``torch.softmax`` bit for bit (a NaN output is NaN either way, its payload may differ)
    at about a quarter of the cost. That equality is checked once per process on edge values
    (signed zeros, huge, infinite and NaN logits); where it fails (another build of torch) the
    plain softmax is used.
    """

    _width = 16 if "AVX512" in str(torch.backends.cpu.get_cpu_capability()) else 8
    _exact: bool | None = None  # the padded route, checked once per process

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self._fast(x):
            return super().forward(x)
        return self._padded(x)

    def _fast(self, x: torch.Tensor) -> bool:
        ok = (
            self.dim in (-1, x.dim() - 1)
            and x.shape[-1] == 2
            and x.device.type == "cpu"
            and x.dtype == torch.float32
            and not (torch.is_grad_enabled() and x.requires_grad)
        )
        if ok and _PaddedSoftmax._exact is None:
            _PaddedSoftmax._exact = self._check()
        return bool(ok and _PaddedSoftmax._exact)

    @classmethod
    def _padded(cls, x: torch.Tensor) -> torch.Tensor:
        pad = x.new_full((*x.shape[:-1], cls._width), float("-inf"))
        pad[..., :2] = x
        return torch.softmax(pad, dim=-1)[..., :2].contiguous()

    @classmethod
    def _check(cls) -> bool:
        """Whether the padded route equals ``torch.softmax`` here, bit for bit (NaN as any NaN)."""
        special = torch.tensor([0.0, -0.0, 1e-30, -1e-30, 88.0, -104.0, 1e30, -1e30])
        special = torch.cat([special, torch.tensor([float("inf"), float("-inf"), float("nan")])])
        pairs = torch.cartesian_prod(special, special)
        gen = torch.Generator().manual_seed(0)
        noise = torch.randn(4096, 2, generator=gen) * torch.logspace(-3, 2, 4096)[:, None]
        x = torch.cat([pairs, noise]).reshape(1, -1, 2)
        with torch.no_grad():
            want, got = torch.softmax(x, dim=-1), cls._padded(x)
        same = want.view(torch.int32) == got.view(torch.int32)
        return bool((same | (want.isnan() & got.isnan())).all())

    def _get_name(self) -> str:
        return "Softmax"


class EnsembleMLP(nn.Module):
    """A stack of :class:`~infoplane.models.mlp.MLP` networks with different seeds.

    Module names match :class:`MLP` (``layers.{i}.act``, ``layers.{L}.softmax``), so the same layer
    names select the same representations; captured tensors have shape (n_models, n_samples, units).

    Args:
        seeds: one initialisation seed per member (length R >= 1); member r starts from the
            weights of ``MLP(..., seed=seeds[r])``.
        n_inputs: input dimension (default 12), as for :class:`MLP`.
        hidden: hidden widths (default (10, 7, 5, 4, 3)), as for :class:`MLP`.
        n_classes: number of output classes (default 2).
        activation: activation name (default ``"tanh"``), see
            :func:`~infoplane.models.make_activation`.
        quantize_bits: if set (default ``None``; keyword-only), quantise every hidden activation to
            2^k levels, as for :class:`MLP`.

    Shapes: input (batch, n_inputs) (shared by all members) or (R, batch, n_inputs) -> logits
    (R, batch, n_classes); hidden layer i gives (R, batch, hidden[i]).

    Units: as :class:`MLP`: unitless activations, logits in nats (natural-log scale).

    Raises:
        InfoplaneError: for no seeds, or the errors of :class:`MLP`.

    Notes:
        Members are independent only if nothing couples them: the loss must be the sum of the
        members' losses (a mean over members would scale SGD's steps by 1/R) and the optimiser
        element-wise (SGD, Adam, weight decay); clipping gradients by their global norm would mix
        the members. Equality with separate training holds up to floating-point summation order,
        so long runs drift apart in the last bits. Two members with the same seed are identical:
        give distinct seeds to average over networks. The output layer's softmax (run only when
        captured) pads two logits to a full SIMD vector: the numbers of ``torch.softmax``, at
        about a quarter of its cost on the CPU (``_PaddedSoftmax``).

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810 (information planes averaged over 50 networks).

    Example:
        >>> ens = EnsembleMLP(seeds=[0, 1])
        >>> ens(torch.zeros(5, 12)).shape
        torch.Size([2, 5, 2])
        >>> torch.equal(ens.member(1).layers[0].linear.weight, MLP(seed=1).layers[0].linear.weight)
        True
    """

    def __init__(
        self,
        seeds: Sequence[int],
        n_inputs: int = 12,
        hidden: Sequence[int] = (10, 7, 5, 4, 3),
        n_classes: int = 2,
        activation: str = "tanh",
        *,
        quantize_bits: int | None = None,
    ) -> None:
        super().__init__()
        seeds = [int(s) for s in seeds]
        if not seeds:
            raise InfoplaneError("seeds must name at least one member of the ensemble.")
        self.seeds = seeds
        self.hidden = tuple(int(h) for h in hidden)
        self.activation = activation
        self.quantize_bits = quantize_bits
        members = [
            MLP(n_inputs, hidden, n_classes, activation, seed=s, quantize_bits=quantize_bits)
            for s in seeds
        ]
        self._layer_names = (members[0].layer_names(False), members[0].layer_names(True))
        self.n_inputs = int(n_inputs)
        self.n_classes = int(n_classes)
        blocks = []
        for i, block0 in enumerate(members[0].layers):
            block = nn.Sequential()
            lin = StackedLinear(
                torch.stack([m.layers[i].linear.weight.detach() for m in members]),
                torch.stack([m.layers[i].linear.bias.detach() for m in members]),
            )
            block.add_module("linear", lin)
            for name, mod in block0.named_children():
                if type(mod) is nn.Softmax:  # the same numbers, faster (see _PaddedSoftmax)
                    mod = _PaddedSoftmax(dim=mod.dim)
                if name != "linear":
                    block.add_module(name, mod)
            blocks.append(block)
        self.layers = nn.Sequential(*blocks)

    @property
    def n_models(self) -> int:
        """Number of members R."""
        return len(self.seeds)

    def layer_names(self, include_output: bool = True) -> list[str]:
        """Module names of the representations T_1..T_L (and the softmax output), as in :class:`MLP`."""
        return list(self._layer_names[bool(include_output)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return logits (R, batch, n_classes); ``x`` is (batch, n_inputs) or (R, batch, n_inputs)."""
        if x.dim() == 2:
            x = x.unsqueeze(0).expand(self.n_models, -1, -1)
        h = x
        for block in self.layers[:-1]:
            h = block(h)
        logits = self.layers[-1].linear(h)
        sm = self.layers[-1].softmax
        if sm._forward_hooks or sm._forward_pre_hooks:
            sm(logits)  # let hooks on the softmax observe the output layer
        return logits

    def member(self, r: int) -> MLP:
        """Return member ``r`` as a stand-alone :class:`MLP` with a copy of its current weights."""
        net = MLP(
            self.n_inputs,
            self.hidden,
            self.n_classes,
            self.activation,
            seed=self.seeds[r],
            quantize_bits=self.quantize_bits,
        )
        with torch.no_grad():
            for block, stacked in zip(net.layers, self.layers, strict=True):
                block.linear.weight.copy_(stacked.linear.weight[r])
                block.linear.bias.copy_(stacked.linear.bias[r])
        return net
