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

    Args:
        name: a key of :data:`ACTIVATIONS`: ``"tanh"``, ``"relu"``, ``"sigmoid"``, ``"linear"``
            (identity), ``"elu"``, ``"softplus"`` or ``"softsign"``.

    Returns:
        A new, parameter-free ``torch.nn.Module`` applied element-wise: its output has the input's
        shape, any (batch, *features). Outputs are unitless activations in the function's range
        (tanh and softsign: (-1, 1); sigmoid: (0, 1); the others unbounded).

    Raises:
        InfoplaneError: for an unknown name (the message lists the known ones).

    Notes:
        The activation decides what a binning estimate of I(X;T) means. Bounded activations
        (:data:`BOUNDED_RANGE`) saturate, and fixed bins on their range make the estimate fall as
        units saturate; unbounded ones (``relu``, ``elu``, ``softplus``, ``linear``) have no fixed
        range, so fixed bins over [-1, 1] are wrong for them: use bins fitted to the data (Saxe et
        al. 2018 trace the apparent compression of tanh networks to this saturation).

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810 (tanh).
        Saxe, A. M., et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR
        (tanh versus ReLU).

    Example:
        >>> import torch
        >>> act = make_activation("tanh")
        >>> act
        Tanh()
        >>> act(torch.tensor([0.0, 100.0])).tolist()
        [0.0, 1.0]
    """
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        raise InfoplaneError(
            f"unknown activation {name!r}; choose one of: {', '.join(ACTIVATIONS)}."
        ) from None


def idnns_init_(linear: nn.Linear, generator: torch.Generator | None = None) -> None:
    """Initialise a linear layer in place as IDNNs did: truncated normal weights, zero bias.

    Weights are drawn from N(0, 1/fan_in) truncated at two standard deviations (TensorFlow's
    ``truncated_normal``, redrawing values outside +-2 std); biases are set to 0.

    Args:
        linear: the layer, a ``torch.nn.Linear`` with weight of shape (out_features, in_features)
            (``fan_in = in_features``); modified in place.
        generator: the random generator to draw from (default ``None``: PyTorch's global one).
            Pass a seeded ``torch.Generator`` for reproducible weights.

    Returns:
        None; ``linear.weight`` and ``linear.bias`` are overwritten.

    Raises:
        InfoplaneError: if ``linear`` is not a ``torch.nn.Linear``.

    Notes:
        Truncation shrinks the weights' standard deviation to 0.880 / sqrt(fan_in) (not
        1 / sqrt(fan_in)), exactly as in the original code. Weights are unitless. A layer created
        without bias gets only its weights initialised.

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810 (the IDNNs code's initialisation).

    Example:
        >>> import torch
        >>> from torch import nn
        >>> layer = nn.Linear(100, 50)
        >>> idnns_init_(layer, torch.Generator().manual_seed(0))
        >>> bool((layer.weight.abs() <= 0.2).all()), int(layer.bias.count_nonzero())
        (True, 0)
    """
    if not isinstance(linear, nn.Linear):
        raise InfoplaneError(
            f"idnns_init_ needs a torch.nn.Linear layer; got {type(linear).__name__}."
        )
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
        if linear.bias is not None:
            linear.bias.zero_()


class MLP(nn.Module):
    """Multi-layer perceptron whose hidden representations are the information-plane layers.

    Structure: ``Linear -> activation`` for each hidden width, then ``Linear`` to ``n_classes`` logits
    (softmax is applied by the loss / by :meth:`predict_proba`). Hidden activations are the modules
    ``layers.{i}.act`` (``layers.{i}.quant`` when quantised) and the output logits
    ``layers.{L}.linear``; :meth:`layer_names` lists the modules whose outputs are the
    representations T_1..T_L, with the softmax output last. Weights follow :func:`idnns_init_`.

    Args:
        n_inputs: input dimension (default 12, the 12-bit task; 784 for flattened MNIST).
        hidden: hidden widths (default (10, 7, 5, 4, 3), the 2017 paper's 12-10-7-5-4-3-2).
        n_classes: number of output classes (default 2).
        activation: one of ``"tanh"`` (default), ``"relu"``, ``"sigmoid"``, ``"linear"``,
            ``"elu"``, ``"softplus"``, ``"softsign"`` (see :func:`make_activation`).
        seed: seed of the initialisation (default 0; keyword-only). The weights are drawn from a
            private generator, so equal seeds give bit-identical networks and PyTorch's global random
            state is left untouched.
        quantize_bits: if set (default ``None``), quantise every hidden activation to 2^k levels
            (k = ``quantize_bits`` >= 1) on the activation's range, so that binning with one bin per
            level is exact. Needs a bounded activation (tanh, sigmoid, softsign).

    Shapes: input (batch, n_inputs) -> logits (batch, n_classes); hidden layer i gives
    (batch, hidden[i]).

    Units: inputs and activations are unitless (tanh layers in (-1, 1)); the logits are
    unnormalised natural-log probabilities (nats), :meth:`predict_proba` gives probabilities.

    Raises:
        InfoplaneError: unknown activation, empty or non-positive widths, ``n_inputs`` or
            ``n_classes`` below 1, or quantisation of an unbounded activation or with
            ``quantize_bits`` < 1.

    Notes:
        The softmax module runs only while something hooks it (capture), so training costs nothing
        extra. With tanh, the binning estimate of I(X;T) depends on saturation: the compression
        phase of the 2017 paper is not seen with ReLU (Saxe et al. 2018). A layer narrower than its
        input can still keep I(X;T) = H(X) under binning, because real-valued units separate inputs.

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810, Sec. 3.1.
        Saxe, A. M., et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.
        Lorenzen, S. S., Igel, C., Nielsen, M. (2022). Information Bottleneck: Exact Analysis of
        (Quantized) Neural Networks. ICLR. arXiv 2106.12912.

    Example:
        >>> import torch
        >>> net = MLP(seed=0)
        >>> net(torch.zeros(5, 12)).shape
        torch.Size([5, 2])
        >>> net.layer_names()[0], net.layer_names()[-1], len(net.layer_names())
        ('layers.0.act', 'layers.5.softmax', 6)
        >>> torch.equal(net.layers[0].linear.weight, MLP(seed=0).layers[0].linear.weight)
        True
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
        if int(n_inputs) < 1 or int(n_classes) < 1:
            raise InfoplaneError(
                f"n_inputs and n_classes must be positive; got {n_inputs} and {n_classes}."
            )
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
