"""The fully connected network of Shwartz-Ziv & Tishby (2017), arXiv 1703.00810, Sec. 3.1.

12-10-7-5-4-3-2 with tanh hidden layers and a softmax output, weights from a truncated normal with
std 1/sqrt(fan_in) and zero biases (the IDNNs initialisation). Hidden widths and the activation are
configurable (Saxe et al. 2018 compare tanh with ReLU).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

import torch
from torch import nn

from infoplane.interface import InfoplaneError

ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "sigmoid": nn.Sigmoid,
    "linear": nn.Identity,
    "elu": nn.ELU,
    "softplus": nn.Softplus,
    "softsign": nn.Softsign,
}

#: Output range of bounded activations (used by quantisation and the saturation diagnostics).
BOUNDED_RANGE: dict[str, tuple[float, float]] = {
    "tanh": (-1.0, 1.0),
    "sigmoid": (0.0, 1.0),
    "softsign": (-1.0, 1.0),
}


def make_activation(name: str) -> nn.Module:
    """Return a fresh activation module by name.

    Raises:
        InfoplaneError: for an unknown name (the message lists the known ones).
    """
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        raise InfoplaneError(
            f"unknown activation {name!r}; choose one of: {', '.join(ACTIVATIONS)}."
        ) from None


def idnns_init_(linear: nn.Linear, generator: torch.Generator | None = None) -> None:
    """Initialise a linear layer as IDNNs did: truncated normal weights, std 1/sqrt(fan_in), zero bias.

    The normal is truncated at two standard deviations (TensorFlow's ``truncated_normal``).
    """
    std = 1.0 / math.sqrt(linear.in_features)
    with torch.no_grad():
        w = torch.empty_like(linear.weight)
        # Draw with the generator for reproducibility, then resample outside +-2 std (vectorised).
        w.normal_(0.0, std, generator=generator)
        bad = w.abs() > 2 * std
        while bad.any():
            w[bad] = torch.empty(int(bad.sum()), dtype=w.dtype).normal_(
                0.0, std, generator=generator
            )
            bad = w.abs() > 2 * std
        linear.weight.copy_(w)
        linear.bias.zero_()


class MLP(nn.Module):
    """Multi-layer perceptron whose hidden representations are the information-plane layers.

    Structure: ``Linear -> activation`` for each hidden width, then ``Linear`` to ``n_classes`` logits
    (softmax is applied by the loss / by :meth:`predict_proba`). Hidden activations are the modules
    ``layers.{i}.act`` and the output logits ``layers.{L}.linear``; :meth:`layer_names` lists the
    modules whose outputs are the representations T_1..T_L, with the softmax output last.

    Args:
        n_inputs: input dimension (12 for the 12-bit task).
        hidden: hidden widths (default 10-7-5-4-3, the 2017 paper).
        n_classes: number of output classes (2).
        activation: one of ``tanh`` (default), ``relu``, ``sigmoid``, ``linear``, ``elu``,
            ``softplus``, ``softsign``.
        seed: seed of the initialisation (fully reproducible).
        quantize_bits: if set, quantise every hidden activation to 2^k levels (Lorenzen et al. 2022),
            so that binning with one bin per level is exact. Needs a bounded activation.

    Shapes: input (batch, n_inputs) -> logits (batch, n_classes).

    Raises:
        InfoplaneError: unknown activation, empty or non-positive widths, or quantisation of an
            unbounded activation.
    """

    def __init__(
        self,
        n_inputs: int = 12,
        hidden: Sequence[int] = (10, 7, 5, 4, 3),
        n_classes: int = 2,
        activation: str = "tanh",
        *,
        seed: int = 0,
        quantize_bits: int | None = None,
    ) -> None:
        super().__init__()
        hidden = tuple(int(h) for h in hidden)
        if not hidden or min(hidden) < 1:
            raise InfoplaneError(f"hidden widths must be positive integers; got {hidden}.")
        make_activation(activation)  # validates the name
        if quantize_bits is not None and activation not in BOUNDED_RANGE:
            raise InfoplaneError(
                f"quantize_bits needs a bounded activation ({', '.join(BOUNDED_RANGE)}); got "
                f"{activation!r}."
            )
        self.activation = activation
        self.hidden = hidden
        gen = torch.Generator().manual_seed(int(seed))
        widths = (int(n_inputs), *hidden)
        blocks = []
        for fan_in, fan_out in itertools.pairwise(widths):
            block = nn.Sequential()
            block.add_module("linear", nn.Linear(fan_in, fan_out))
            block.add_module("act", make_activation(activation))
            if quantize_bits is not None:
                from infoplane.models.quantized import Quantize

                block.add_module("quant", Quantize(quantize_bits, *BOUNDED_RANGE[activation]))
            idnns_init_(block.linear, gen)
            blocks.append(block)
        out = nn.Sequential()
        out.add_module("linear", nn.Linear(widths[-1], int(n_classes)))
        idnns_init_(out.linear, gen)
        out.add_module("softmax", nn.Softmax(dim=-1))
        blocks.append(out)
        self.layers = nn.Sequential(*blocks)

    def layer_names(self, include_output: bool = True) -> list[str]:
        """Module names whose outputs are T_1..T_L (hidden), then the softmax output if asked."""
        last = "quant" if hasattr(self.layers[0], "quant") else "act"
        names = [f"layers.{i}.{last}" for i in range(len(self.hidden))]
        if include_output:
            names.append(f"layers.{len(self.hidden)}.softmax")
        return names

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return logits of shape (batch, n_classes) (the softmax module runs only for capture)."""
        h = x
        for block in self.layers[:-1]:
            h = block(h)
        logits = self.layers[-1].linear(h)
        if self._softmax_observed():
            self.layers[-1].softmax(logits)  # so that hooks on the softmax see the output layer
        return logits

    def _softmax_observed(self) -> bool:
        sm = self.layers[-1].softmax
        return bool(sm._forward_hooks or sm._forward_pre_hooks)

    def predict_proba(self, x: torch.Tensor) -> torch.Tensor:
        """Return class probabilities of shape (batch, n_classes)."""
        return torch.softmax(self.forward(x), dim=-1)
