"""k-bit quantised activations, so that the plug-in MI of a layer is exact.

Lorenzen, Igel & Nielsen (2022), "Information Bottleneck: Exact Analysis of (Quantized) Neural
Networks", ICLR, arXiv 2106.12912. Activations are rounded to 2^k evenly spaced levels on the
activation's output range in the forward pass; the backward pass is the straight-through estimator.
A layer so quantised takes finitely many values, so binning with one bin per level computes its
mutual information exactly (no estimation error beyond the finite data set).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from infoplane.interface import InfoplaneError


class Quantize(nn.Module):
    """Round inputs in [low, high] to ``2**bits`` evenly spaced levels (straight-through gradient).

    Forward: ``q = low + step * round((clamp(x, low, high) - low) / step)`` with
    ``step = (high - low) / (2**bits - 1)``. Backward: the gradient of the clamp (the
    straight-through estimator), so the network still trains.

    Args:
        bits: number of bits k >= 1 (an integer); the layer takes at most 2^k values per unit.
        low: lower end of the preceding activation's range (default -1.0, tanh; 0 for sigmoid).
        high: upper end of that range (default 1.0). Inputs are clamped to [low, high] first.

    Shapes: any shape (batch, *features); the output has the input's shape.

    Units: unitless activations, as the input's; ``bits`` is the resolution in bits per unit, so a
    layer of d units holds at most d * bits bits.

    Raises:
        InfoplaneError: for ``bits`` not an integer >= 1, or ``low``, ``high`` not finite with
            ``high > low``.

    Notes:
        The levels include both ends, ``low`` and ``high``. Rounding at exactly half a step follows
        ``torch.round`` (half to even). Since the quantised layer takes finitely many values,
        binning with one bin per level gives its exact plug-in mutual information on the data set;
        any estimation error left is that of a finite sample, not of the binning.

    References:
        Lorenzen, S. S., Igel, C., Nielsen, M. (2022). Information Bottleneck: Exact Analysis of
        (Quantized) Neural Networks. ICLR. arXiv 2106.12912.
        Bengio, Y., Leonard, N., Courville, A. (2013). Estimating or Propagating Gradients Through
        Stochastic Neurons for Conditional Computation. arXiv 1308.3432 (straight-through).

    Example:
        >>> q = Quantize(1)
        >>> q(torch.tensor([-0.3, 0.2, 2.0])).tolist()
        [-1.0, 1.0, 1.0]
        >>> Quantize(2, 0.0, 1.0).step
        0.3333333333333333
    """

    def __init__(self, bits: int, low: float = -1.0, high: float = 1.0) -> None:
        super().__init__()
        try:
            valid = not isinstance(bits, bool) and float(bits).is_integer() and bits >= 1
        except (TypeError, ValueError):
            valid = False
        if not valid:
            raise InfoplaneError(f"quantize_bits must be an integer >= 1; got {bits!r}.")
        if not (math.isfinite(low) and math.isfinite(high) and high > low):
            raise InfoplaneError(f"Quantize needs high > low; got low={low}, high={high}.")
        self.bits, self.low, self.high = int(bits), float(low), float(high)
        self.step = (self.high - self.low) / (2**self.bits - 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        clamped = x.clamp(self.low, self.high)
        q = torch.round((clamped - self.low) / self.step) * self.step + self.low
        return clamped + (q - clamped).detach()

    def extra_repr(self) -> str:
        return f"bits={self.bits}, low={self.low}, high={self.high}"
