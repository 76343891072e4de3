"""A small 1-D convolutional network for sequences such as MNIST-1D, for information-plane analysis.

Two ``conv(k=5) -> ReLU -> max-pool 2`` blocks, a fully connected ReLU layer and a linear output,
sized for any (C, L) input with L >= 4 (MNIST-1D: (1, 40)). The representations analysed are the
pooled feature maps (flattened per sample), the dense layer and the softmax output, as for
:class:`~infoplane.models.cnn.SmallCNN`.
"""

from __future__ import annotations

import torch
from torch import nn

from infoplane.interface import InfoplaneError


class SmallCNN1d(nn.Module):
    """``conv1d(c1) - ReLU - pool - conv1d(c2) - ReLU - pool - fc(hidden) - ReLU - fc(n_classes)``.

    Module names: ``conv1``, ``act1``, ``pool1``, ``conv2``, ``act2``, ``pool2``, ``fc1``, ``act3``,
    ``fc2``, ``softmax`` (the softmax runs only when hooked, as in :class:`~infoplane.models.MLP`).
    :meth:`layer_names` lists ``pool1, pool2, act3, softmax``.

    Args:
        in_shape: input shape (C, L) of one sample, C >= 1, L >= 4 (default (1, 40), MNIST-1D).
        n_classes: number of classes (default 10).
        channels: channels of the two conv layers (default (8, 16)); kernel size 5, padding 2.
        hidden: width of the dense layer (default 64).
        seed: initialisation seed (default 0; keyword-only). PyTorch's default initialisation is
            drawn under ``torch.manual_seed(seed)``; the global random state is restored afterwards.

    Shapes: input (batch, C, L) -> logits (batch, n_classes). The analysed layers give ``pool1``
    (batch, c1, L/2), ``pool2`` (batch, c2, L/4) (integer division), ``act3`` (batch, hidden) and
    ``softmax`` (batch, n_classes); capture flattens them per sample.

    Units: inputs and activations are unitless (ReLU layers are >= 0 and unbounded); logits are
    unnormalised natural-log probabilities (nats).

    Raises:
        InfoplaneError: for an ``in_shape`` that is not (C, L) with C >= 1 and L >= 4, or
            non-positive ``channels``, ``hidden`` or ``n_classes``.

    Notes:
        With MNIST-1D the pooled maps have 8 x 20 = 160 and 16 x 10 = 160 units: a fine-grained
        plug-in estimate of I(X;T) is pinned at log2(n_samples) bits (every input in its own bin).
        The ``mnist1d-cnn`` preset bins coarsely (few bins over each layer's range) so that the
        estimate measures how many inputs the layer still tells apart at that resolution.

    References:
        Greydanus, S., Kobak, D. (2024). Scaling down deep learning with MNIST-1D. ICML.
        arXiv 2011.14439 (a small 1-D CNN reaches about 94 % test accuracy).

    Example:
        >>> net = SmallCNN1d((1, 40), n_classes=10, seed=0)
        >>> net(torch.zeros(3, 1, 40)).shape
        torch.Size([3, 10])
        >>> net.layer_names()
        ['pool1', 'pool2', 'act3', 'softmax']
    """

    def __init__(
        self,
        in_shape: tuple[int, int] = (1, 40),
        n_classes: int = 10,
        channels: tuple[int, int] = (8, 16),
        hidden: int = 64,
        *,
        seed: int = 0,
    ) -> None:
        super().__init__()
        if len(tuple(in_shape)) != 2 or len(tuple(channels)) != 2:
            raise InfoplaneError(
                f"SmallCNN1d needs in_shape=(C, L) and channels=(c1, c2); got in_shape={in_shape}, "
                f"channels={channels}."
            )
        c, length = (int(v) for v in in_shape)
        if c < 1 or length < 4:
            raise InfoplaneError(
                f"SmallCNN1d needs sequences of length >= 4 with C >= 1 channels; got {in_shape}."
            )
        if min(*channels, hidden, n_classes) < 1:
            raise InfoplaneError("channels, hidden and n_classes must be positive.")
        gen_state = torch.random.get_rng_state()
        torch.manual_seed(int(seed))
        try:
            self.conv1 = nn.Conv1d(c, channels[0], 5, padding=2)
            self.act1 = nn.ReLU()
            self.pool1 = nn.MaxPool1d(2)
            self.conv2 = nn.Conv1d(channels[0], channels[1], 5, padding=2)
            self.act2 = nn.ReLU()
            self.pool2 = nn.MaxPool1d(2)
            self.fc1 = nn.Linear(channels[1] * (length // 4), hidden)
            self.act3 = nn.ReLU()
            self.fc2 = nn.Linear(hidden, n_classes)
            self.softmax = nn.Softmax(dim=-1)
        finally:
            torch.random.set_rng_state(gen_state)
        self.in_shape = (c, length)

    def layer_names(self, include_output: bool = True) -> list[str]:
        """Modules whose outputs are the analysed representations (pooled maps, dense, softmax)."""
        return ["pool1", "pool2", "act3"] + (["softmax"] if include_output else [])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (batch, n_classes) of sequences (batch, C, L)."""
        h = self.pool1(self.act1(self.conv1(x)))
        h = self.pool2(self.act2(self.conv2(h)))
        h = self.act3(self.fc1(h.flatten(1)))
        logits = self.fc2(h)
        if self.softmax._forward_hooks or self.softmax._forward_pre_hooks:
            self.softmax(logits)
        return logits
