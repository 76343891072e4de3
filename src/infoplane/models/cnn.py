"""A small convolutional network for MNIST-like images, for information-plane analysis.

Two ``conv 3x3 -> ReLU -> max-pool 2`` blocks, a fully connected ReLU layer and a linear output,
sized for any (C, H, W) input (28 x 28 MNIST, 8 x 8 digits). The representations analysed are the
pooled feature maps (flattened per sample), the dense layer and the softmax output, in the spirit of
the convolutional experiments of Saxe et al. (2018), ICLR, and Goldfeld et al. (2019), ICML.
"""

from __future__ import annotations

import torch
from torch import nn

from infoplane.interface import InfoplaneError


class SmallCNN(nn.Module):
    """``conv(c1) - ReLU - pool - conv(c2) - ReLU - pool - fc(hidden) - ReLU - fc(n_classes)``.

    Module names: ``conv1``, ``act1``, ``pool1``, ``conv2``, ``act2``, ``pool2``, ``fc1``, ``act3``,
    ``fc2``, ``softmax`` (the softmax runs only when hooked, as in :class:`~infoplane.models.MLP`).
    :meth:`layer_names` lists ``pool1, pool2, act3, softmax``.

    Args:
        in_shape: input shape (C, H, W) of one sample, H, W >= 4 (default (1, 28, 28), MNIST;
            (1, 8, 8) for the bundled digits).
        n_classes: number of classes (default 10).
        channels: channels of the two conv layers (default (8, 16)).
        hidden: width of the dense layer (default 64).
        seed: initialisation seed (default 0; keyword-only). PyTorch's default initialisation is
            drawn under ``torch.manual_seed(seed)``; the global random state is restored afterwards.

    Shapes: input (batch, C, H, W) -> logits (batch, n_classes). The analysed layers give
    ``pool1`` (batch, c1, H/2, W/2), ``pool2`` (batch, c2, H/4, W/4) (integer division),
    ``act3`` (batch, hidden) and ``softmax`` (batch, n_classes); capture flattens them per sample.

    Units: inputs and activations are unitless (ReLU layers are >= 0 and unbounded); logits are
    unnormalised natural-log probabilities (nats).

    Raises:
        InfoplaneError: for an ``in_shape`` that is not (C, H, W) with C >= 1 and H, W >= 4, or
            non-positive ``channels``, ``hidden`` or ``n_classes``.

    Notes:
        The representations are large (``pool1`` of MNIST has 8 x 14 x 14 = 1,568 units), so a
        plug-in (binning) estimate of I(X;T) saturates at log2(n_samples) bits: every input falls in
        its own bin. Use an estimator built for high dimensions (or noise, as Goldfeld et al. do)
        before reading compression into such a curve. ReLU layers are unbounded: bin them on the
        data's range, not a fixed one.

    References:
        Saxe, A. M., et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.
        Goldfeld, Z., van den Berg, E., Greenewald, K., Melnyk, I., Nguyen, N., Kingsbury, B.,
        Polyanskiy, Y. (2019). Estimating Information Flow in Deep Neural Networks. ICML.
        arXiv 1810.05728.

    Example:
        >>> net = SmallCNN((1, 8, 8), n_classes=10, seed=0)
        >>> net(torch.zeros(3, 1, 8, 8)).shape
        torch.Size([3, 10])
        >>> net.layer_names()
        ['pool1', 'pool2', 'act3', 'softmax']
    """

    def __init__(
        self,
        in_shape: tuple[int, int, int] = (1, 28, 28),
        n_classes: int = 10,
        channels: tuple[int, int] = (8, 16),
        hidden: int = 64,
        *,
        seed: int = 0,
    ) -> None:
        super().__init__()
        if len(tuple(in_shape)) != 3 or len(tuple(channels)) != 2:
            raise InfoplaneError(
                f"SmallCNN needs in_shape=(C, H, W) and channels=(c1, c2); got in_shape={in_shape}, "
                f"channels={channels}."
            )
        c, h, w = (int(v) for v in in_shape)
        if c < 1 or h < 4 or w < 4:
            raise InfoplaneError(
                f"SmallCNN needs images of at least 4 x 4 with C >= 1 channels; got {in_shape}."
            )
        if min(*channels, hidden, n_classes) < 1:
            raise InfoplaneError("channels, hidden and n_classes must be positive.")
        gen_state = torch.random.get_rng_state()
        torch.manual_seed(int(seed))
        try:
            self.conv1 = nn.Conv2d(c, channels[0], 3, padding=1)
            self.act1 = nn.ReLU()
            self.pool1 = nn.MaxPool2d(2)
            self.conv2 = nn.Conv2d(channels[0], channels[1], 3, padding=1)
            self.act2 = nn.ReLU()
            self.pool2 = nn.MaxPool2d(2)
            flat = channels[1] * (h // 4) * (w // 4)
            self.fc1 = nn.Linear(flat, hidden)
            self.act3 = nn.ReLU()
            self.fc2 = nn.Linear(hidden, n_classes)
            self.softmax = nn.Softmax(dim=-1)
        finally:
            torch.random.set_rng_state(gen_state)
        self.in_shape = (c, h, w)

    def layer_names(self, include_output: bool = True) -> list[str]:
        """Modules whose outputs are the analysed representations (pooled maps, dense, softmax)."""
        return ["pool1", "pool2", "act3"] + (["softmax"] if include_output else [])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (batch, n_classes) of images (batch, C, H, W)."""
        h = self.pool1(self.act1(self.conv1(x)))
        h = self.pool2(self.act2(self.conv2(h)))
        h = self.act3(self.fc1(h.flatten(1)))
        logits = self.fc2(h)
        if self.softmax._forward_hooks or self.softmax._forward_pre_hooks:
            self.softmax(logits)
        return logits
