"""The 12-bit task of Shwartz-Ziv & Tishby (2017), arXiv 1703.00810, Sec. 3.1, shipped with the package.

X is uniform over the 4096 binary patterns of 12 bits (row i is the 12-bit expansion of i, most
significant bit first); the labels are those of the authors' ``var_u.mat`` (p(y=1) = 0.51709,
H(Y) = I(X;Y) = 0.99916 bits). The stochastic rule behind it, p(y|x) from ``all.mat``
(I(X;Y) = 0.84434 bits), is shipped for the Information Bottleneck bound.

Splits (:func:`split_indices`):

- ``stratified`` (default): seeded, keeps p(y=1) equal in train and test.
- ``saxe2018``: the published shuffled 80/20 split of Saxe et al. (2018).
- ``idnns``: the original IDNNs default, the first ``train_fraction`` of the rows *unshuffled*. The rows
  are in binary order, so this split is label-imbalanced (80%: p(y=1) = 0.437 in train, 0.836 in test).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

import numpy as np

from infoplane.interface import InfoplaneError

N_BITS = 12
N_INPUTS = 2**N_BITS
SPLITS = ("stratified", "saxe2018", "idnns")
Split = Literal["stratified", "saxe2018", "idnns"]


@cache
def _files() -> dict[str, np.ndarray]:
    with resources.files("infoplane.data").joinpath("_files/twelve_bit.npz").open("rb") as fh:
        with np.load(fh) as data:
            return {k: data[k] for k in data.files}


def twelve_bit_inputs() -> np.ndarray:
    """Return the 4096 inputs, shape (4096, 12), float32 in {0, 1}; row i is i in binary (MSB first)."""
    idx = np.arange(N_INPUTS)[:, None]
    return ((idx >> np.arange(N_BITS - 1, -1, -1)) & 1).astype(np.float32)


def twelve_bit_labels() -> np.ndarray:
    """Return the labels of ``var_u.mat``, shape (4096,), int64 in {0, 1} (2118 ones)."""
    return _files()["labels"].astype(np.int64)


def twelve_bit_p_y_given_x() -> np.ndarray:
    """Return the soft rule p(y|x) of ``all.mat``, shape (4096, 2), column k = p(y=k|x), rows sum to 1."""
    return _files()["p_y_given_x"].copy()


def twelve_bit_p_x() -> np.ndarray:
    """Return p(x) of ``all.mat``, shape (4096,), summing to 1 (about uniform)."""
    return _files()["p_x"].copy()


@dataclass(frozen=True)
class Dataset:
    """Inputs, labels and a train/test split of one task.

    Attributes:
        x: inputs, shape (n_samples, *features), float32 (vectors (n, d) or images (n, C, H, W)).
        y: integer labels, shape (n_samples,).
        train_idx: indices of the training rows, shape (n_train,).
        test_idx: indices of the test rows, shape (n_test,).
        name: short description (task and split).
    """

    x: np.ndarray
    y: np.ndarray
    train_idx: np.ndarray
    test_idx: np.ndarray
    name: str

    @property
    def n_classes(self) -> int:
        """Number of classes (max label + 1)."""
        return int(self.y.max()) + 1

    def evaluation_indices(self, on: str) -> np.ndarray:
        """Indices of the rows on which MI is computed: ``all`` (default), ``train`` or ``test``.

        Raises:
            InfoplaneError: for any other value.
        """
        if on == "all":
            return np.arange(len(self.y))
        if on == "train":
            return self.train_idx
        if on == "test":
            return self.test_idx
        raise InfoplaneError(f"mi_on={on!r} is not valid; use 'all', 'train' or 'test'.")


def split_indices(
    labels: np.ndarray, split: str = "stratified", train_fraction: float = 0.8, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Return (train_idx, test_idx) for the 12-bit task.

    Args:
        labels: labels of shape (4096,).
        split: ``stratified`` (seeded, per-class shuffle), ``saxe2018`` (published split; needs
            ``train_fraction == 0.8``) or ``idnns`` (first rows, unshuffled, label-imbalanced).
        train_fraction: share of the rows used for training, in (0, 1) (the 2017 paper: 0.05, 0.45,
            0.85).
        seed: seed of the stratified shuffle.

    Raises:
        InfoplaneError: for an unknown split, a fraction outside (0, 1), or ``saxe2018`` with a
            fraction other than 0.8.
    """
    if not 0.0 < train_fraction < 1.0:
        raise InfoplaneError(f"train_fraction must be in (0, 1); got {train_fraction}.")
    n = len(labels)
    if split == "saxe2018":
        if abs(train_fraction - 0.8) > 1e-9:
            raise InfoplaneError(
                "split='saxe2018' is the published 80/20 split; set train_fraction=0.8."
            )
        files = _files()
        return files["saxe2018_train"].astype(np.int64), files["saxe2018_test"].astype(np.int64)
    if split == "idnns":
        n_train = round(train_fraction * n)
        return np.arange(n_train), np.arange(n_train, n)
    if split == "stratified":
        rng = np.random.default_rng(seed)
        train = []
        for c in np.unique(labels):
            members = rng.permutation(np.flatnonzero(labels == c))
            train.append(members[: round(train_fraction * len(members))])
        train_idx = np.sort(np.concatenate(train))
        test_idx = np.setdiff1d(np.arange(n), train_idx)
        return train_idx, test_idx
    raise InfoplaneError(f"split={split!r} is unknown; choose one of {', '.join(SPLITS)}.")


def load_twelve_bit(
    split: str = "stratified", train_fraction: float = 0.8, seed: int = 0
) -> Dataset:
    """Load the 12-bit task with a train/test split.

    Args:
        split: ``stratified`` (default), ``saxe2018`` or ``idnns`` (see :func:`split_indices`).
        train_fraction: training share in (0, 1).
        seed: seed of the stratified split.

    Returns:
        A :class:`Dataset` with x (4096, 12) float32 and y (4096,) int64.

    Raises:
        InfoplaneError: for a bad split or fraction.

    Example:
        >>> ds = load_twelve_bit()
        >>> ds.x.shape, int(ds.y.sum())
        ((4096, 12), 2118)
    """
    y = twelve_bit_labels()
    train_idx, test_idx = split_indices(y, split, train_fraction, seed)
    return Dataset(
        x=twelve_bit_inputs(),
        y=y,
        train_idx=train_idx,
        test_idx=test_idx,
        name=f"12bit/{split}/{train_fraction:g}",
    )
