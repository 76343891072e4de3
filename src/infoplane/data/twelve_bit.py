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

from infoplane.interface import InfoplaneError, InfoplaneRuntimeError

N_BITS = 12
N_INPUTS = 2**N_BITS
SPLITS = ("stratified", "saxe2018", "idnns")
Split = Literal["stratified", "saxe2018", "idnns"]


_DATA_FILE = "_files/twelve_bit.npz"
_DATA_KEYS = ("labels", "p_y_given_x", "p_x", "saxe2018_train", "saxe2018_test")


@cache
def _files() -> dict[str, np.ndarray]:
    """The arrays of the shipped ``twelve_bit.npz`` (read once)."""
    resource = resources.files("infoplane.data").joinpath(_DATA_FILE)
    try:
        with resource.open("rb") as fh, np.load(fh) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError, EOFError) as exc:
        raise InfoplaneRuntimeError(
            f"cannot read infoplane's data file {str(resource)!r} ({exc}); reinstall infoplane."
        ) from exc
    missing = [k for k in _DATA_KEYS if k not in arrays]
    if missing:
        raise InfoplaneRuntimeError(
            f"infoplane's data file {str(resource)!r} lacks {', '.join(missing)}; reinstall infoplane."
        )
    return arrays


def twelve_bit_inputs() -> np.ndarray:
    """Return the 4096 inputs X of the 12-bit task: every pattern of 12 binary units.

    Row i is the 12-bit expansion of the integer i, most significant bit first, so the rows are in
    binary order (row 5 is ``0 ... 0 1 0 1``).

    Returns:
        Array of shape (4096, 12), float32 in {0, 1} (unitless 0/1 pattern values).

    Raises:
        Nothing: the inputs are computed, not read from a file.

    Notes:
        The rows are sorted, and the labels of :func:`twelve_bit_labels` are correlated with the row
        order; a split that takes the first rows (``split="idnns"``) is therefore label-imbalanced.
        Under the uniform p(x) used by the 2017 paper, H(X) = 12 bits, so I(X;T) <= 12 bits for
        every layer T.

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810, Sec. 3.1.

    Example:
        >>> x = twelve_bit_inputs()
        >>> x.shape, x.dtype
        ((4096, 12), dtype('float32'))
        >>> x[5].astype(int).tolist()
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1]
    """
    idx = np.arange(N_INPUTS)[:, None]
    return ((idx >> np.arange(N_BITS - 1, -1, -1)) & 1).astype(np.float32)


def twelve_bit_labels() -> np.ndarray:
    """Return the labels Y of the 12-bit task, as shipped in the authors' ``var_u.mat``.

    Returns:
        Array of shape (4096,), int64 class labels in {0, 1} (2118 ones, p(y=1) = 0.51709);
        entry i labels row i of :func:`twelve_bit_inputs`. A fresh copy on each call.

    Raises:
        InfoplaneRuntimeError: if the package's data file ``twelve_bit.npz`` is missing or corrupt.

    Notes:
        Y is a deterministic function of X here, so under the uniform p(x), I(X;Y) = H(Y) =
        0.99916 bits. This is the dotted I(X;Y) line of the information plane; the soft rule of
        :func:`twelve_bit_p_y_given_x` has a different, lower I(X;Y) (0.84434 bits).

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810, Sec. 3.1 (data from the authors' IDNNs repository).

    Example:
        >>> y = twelve_bit_labels()
        >>> y.shape, y.dtype.name, int(y.sum())
        ((4096,), 'int64', 2118)
    """
    return _files()["labels"].astype(np.int64)


def twelve_bit_p_y_given_x() -> np.ndarray:
    """Return the stochastic rule p(y|x) of the 12-bit task, as shipped in the authors' ``all.mat``.

    Returns:
        Array of shape (4096, 2), float64 probabilities: column k is p(y=k|x) for row x of
        :func:`twelve_bit_inputs`; each row sums to 1. A fresh copy on each call.

    Raises:
        InfoplaneRuntimeError: if the package's data file ``twelve_bit.npz`` is missing or corrupt.

    Notes:
        This soft rule is what the Information Bottleneck bound of the task is computed from; with
        :func:`twelve_bit_p_x` it gives I(X;Y) = 0.84434 bits. The hard labels of
        :func:`twelve_bit_labels` (what networks are trained on) are a different object, with
        I(X;Y) = H(Y) = 0.99916 bits; do not mix the two when comparing a network with the bound.

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810, Sec. 3.1.

    Example:
        >>> p = twelve_bit_p_y_given_x()
        >>> p.shape, bool(np.allclose(p.sum(axis=1), 1.0))
        ((4096, 2), True)
    """
    return _files()["p_y_given_x"].copy()


def twelve_bit_p_x() -> np.ndarray:
    """Return the input distribution p(x) of the 12-bit task, as shipped in ``all.mat``.

    Returns:
        Array of shape (4096,), float64 probabilities summing to 1; entry i is p(x) of row i of
        :func:`twelve_bit_inputs`. A fresh copy on each call.

    Raises:
        InfoplaneRuntimeError: if the package's data file ``twelve_bit.npz`` is missing or corrupt.

    Notes:
        The shipped p(x) is close to, but not exactly, uniform (entries within 0.1% of 1/4096), so
        H(X) is a hair below 12 bits. Use it together with :func:`twelve_bit_p_y_given_x`; the
        information-plane estimates of a trained network weigh every row equally instead.

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810, Sec. 3.1.

    Example:
        >>> px = twelve_bit_p_x()
        >>> px.shape, round(float(px.sum()), 9)
        ((4096,), 1.0)
    """
    return _files()["p_x"].copy()


@dataclass(frozen=True)
class Dataset:
    """Inputs, labels and a train/test split of one task (what every loader returns).

    A frozen dataclass: the arrays are kept as given (no copy, no validation), so build it through
    a loader (:func:`load_twelve_bit`, :func:`~infoplane.data.load_digits`,
    :func:`~infoplane.data.load_mnist`, :func:`~infoplane.data.arrays_dataset`) unless the arrays are
    already checked.

    Attributes:
        x: inputs, shape (n_samples, *features), float32 (vectors (n_samples, d) or images
            (n_samples, C, H, W)); values in the data set's own scale (unitless: 0/1 patterns,
            grey level / 255, ...).
        y: integer class labels, shape (n_samples,), int64 in 0..n_classes-1.
        train_idx: row indices of the training rows, shape (n_train,), int64.
        test_idx: row indices of the test rows, shape (n_test,), int64; disjoint from
            ``train_idx``.
        name: short description (task and split), e.g. ``"12bit/stratified/0.8"``.

    Raises:
        dataclasses.FrozenInstanceError: on assignment to a field (the data set is immutable;
            make a new one with :func:`dataclasses.replace`).

    Notes:
        Mutual information is estimated on the rows chosen by :meth:`evaluation_indices` (all rows by
        default), with every row weighted equally: with a train-only or test-only choice the
        empirical p(y) can differ from the population's (the ``idnns`` split of the 12-bit task is
        label-imbalanced), which shifts H(Y) and I(T;Y) in bits.

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810 (train/test splits of Sec. 3.1).

    Example:
        >>> ds = Dataset(x=np.zeros((4, 2), np.float32), y=np.array([0, 1, 0, 1]),
        ...              train_idx=np.array([0, 1]), test_idx=np.array([2, 3]), name="toy")
        >>> ds.n_classes, ds.evaluation_indices("test").tolist()
        (2, [2, 3])
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
        """Return the indices of the rows on which MI is computed.

        Args:
            on: ``"all"`` (every row, in order), ``"train"`` (:attr:`train_idx`) or ``"test"``
                (:attr:`test_idx`).

        Returns:
            Row indices, shape (n_rows,), int64.

        Raises:
            InfoplaneError: for any other value of ``on``.
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
    """Return (train_idx, test_idx), a train/test split of the rows of a labelled data set.

    Args:
        labels: integer class labels, shape (n_samples,) (4096 for the 12-bit task).
        split: ``"stratified"`` (default; seeded per-class shuffle, works for any data set),
            ``"saxe2018"`` (the published split of the 12-bit task; needs ``train_fraction == 0.8``
            and 4096 labels) or ``"idnns"`` (the first rows, unshuffled).
        train_fraction: share of the rows used for training, in (0, 1); default 0.8 (the 2017
            paper uses 0.05, 0.45 and 0.85).
        seed: seed of the stratified shuffle (default 0); ignored by the other splits.

    Returns:
        ``(train_idx, test_idx)``: sorted int64 row indices (unitless) of shapes (n_train,) and
        (n_test,), disjoint, together covering all n_samples rows. For ``stratified``, each class c
        contributes ``round(train_fraction * n_c)`` rows to the training set.

    Raises:
        InfoplaneError: for an unknown split, a fraction outside (0, 1), or ``saxe2018`` with a
            fraction other than 0.8 or with other than 4096 labels.

    Notes:
        ``idnns`` reproduces the IDNNs code's default, which takes the first rows without shuffling.
        The 12-bit rows are in binary order, so this split is label-imbalanced: at 0.8,
        p(y=1) = 0.437 in train and 0.836 in test, which biases test accuracy and any MI computed on
        train or test rows alone. Prefer ``stratified`` (same p(y=1) in both parts, up to rounding)
        unless reproducing the original runs. The split is a pure function of its arguments (no
        global random state).

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810, Sec. 3.1.
        Saxe, A. M., Bansal, Y., Dapello, J., Advani, M., Kolchinsky, A., Tracey, B. D., Cox, D. D.
        (2018). On the Information Bottleneck Theory of Deep Learning. ICLR (published split).

    Example:
        >>> y = twelve_bit_labels()
        >>> tr, te = split_indices(y, "idnns", 0.8)
        >>> len(tr), len(te), round(float(y[tr].mean()), 3), round(float(y[te].mean()), 3)
        (3277, 819, 0.437, 0.836)
        >>> tr, te = split_indices(y, "stratified", 0.8, seed=0)
        >>> len(tr), len(te), round(float(y[tr].mean()), 3), round(float(y[te].mean()), 3)
        (3276, 820, 0.517, 0.517)
    """
    if not 0.0 < train_fraction < 1.0:
        raise InfoplaneError(f"train_fraction must be in (0, 1); got {train_fraction}.")
    n = len(labels)
    if split == "saxe2018":
        if abs(train_fraction - 0.8) > 1e-9:
            raise InfoplaneError(
                "split='saxe2018' is the published 80/20 split; set train_fraction=0.8."
            )
        if n != N_INPUTS:
            raise InfoplaneError(
                f"split='saxe2018' is a split of the 12-bit task's {N_INPUTS} rows; got {n} labels. "
                "Use split='stratified' for other data."
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
    """Load the 12-bit task of Shwartz-Ziv & Tishby (2017) with a train/test split. Never downloads.

    Args:
        split: ``"stratified"`` (default), ``"saxe2018"`` or ``"idnns"`` (see
            :func:`split_indices`).
        train_fraction: training share in (0, 1); default 0.8.
        seed: seed of the stratified split (default 0).

    Returns:
        A :class:`Dataset` with x of shape (4096, 12), float32 in {0, 1} (all binary patterns, in
        binary order), y of shape (4096,), int64 in {0, 1}, the split's indices, and
        ``name = "12bit/{split}/{train_fraction}"``.

    Raises:
        InfoplaneError: for an unknown split, a fraction outside (0, 1), or ``saxe2018`` with a
            fraction other than 0.8.
        InfoplaneRuntimeError: if the package's data file ``twelve_bit.npz`` is missing or corrupt.

    Notes:
        The labels are deterministic in x, so I(X;Y) = H(Y) = 0.99916 bits over all rows; a layer's
        I(X;T) is at most 12 bits (log2 4096). With ``split="idnns"`` the split is label-imbalanced
        (see :func:`split_indices`).

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810, Sec. 3.1.
        Saxe, A. M., et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.

    Example:
        >>> ds = load_twelve_bit()
        >>> ds.x.shape, int(ds.y.sum()), ds.name
        ((4096, 12), 2118, '12bit/stratified/0.8')
        >>> len(load_twelve_bit("saxe2018").test_idx)
        819
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
