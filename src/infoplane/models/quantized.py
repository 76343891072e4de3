"""k-bit quantised activations, so that the plug-in MI of a layer is exact.

Lorenzen, Igel & Nielsen (2022), "Information Bottleneck: Exact Analysis of (Quantized) Neural
Networks", ICLR, arXiv 2106.12912. Activations are rounded to 2^k evenly spaced levels on the
activation's output range in the forward pass; the backward pass is the straight-through estimator.
A layer so quantised takes finitely many values, so binning with one bin per level computes its
mutual information exactly (no estimation error beyond the finite data set).
"""

from __future__ import annotations

import torch
from torch import nn

from infoplane.interface import InfoplaneError


class Quantize(nn.Module):
    """Round inputs in [low, high] to ``2**bits`` levels (straight-through gradient).

    Args:
        bits: number of bits k >= 1; the layer takes at most 2^k values per unit.
        low, high: the range of the preceding activation (tanh: -1, 1; sigmoid: 0, 1). Inputs are
            clamped to it first.

    Shapes: any; output has the input's shape.

    Raises:
        InfoplaneError: for bits < 1 or high <= low.

    References:
        Lorenzen, S. S., Igel, C., Nielsen, M. (2022). ICLR. arXiv 2106.12912.
    """

    def __init__(self, bits: int, low: float = -1.0, high: float = 1.0) -> None:
        super().__init__()
        if int(bits) != bits or bits < 1:
            raise InfoplaneError(f"quantize_bits must be an integer >= 1; got {bits!r}.")
        if not high > low:
            raise InfoplaneError(f"Quantize needs high > low; got low={low}, high={high}.")
        self.bits, self.low, self.high = int(bits), float(low), float(high)
        self.step = (self.high - self.low) / (2**self.bits - 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        clamped = x.clamp(self.low, self.high)
        q = torch.round((clamped - self.low) / self.step) * self.step + self.low
        return clamped + (q - clamped).detach()

    def extra_repr(self) -> str:
        return f"bits={self.bits}, low={self.low}, high={self.high}"
