"""scikit-learn's bundled 8 x 8 handwritten digits: an MNIST-like task that needs no download.

1,797 images of 8 x 8 pixels with 17 grey levels (0..16), ten classes (Alpaydin & Kaynak 1998, UCI).
Used when a preset asks for MNIST but no MNIST path is given.
"""

from __future__ import annotations

import numpy as np

from infoplane.data.twelve_bit import Dataset, split_indices


def _digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """(images (1797, 8, 8), labels (1797,)) from scikit-learn's bundled ``digits.csv.gz``.

    The file is read directly when it can be found (importing scikit-learn takes seconds); otherwise
    through ``sklearn.datasets.load_digits``.
    """
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("sklearn")
    for root in (spec.submodule_search_locations or []) if spec else []:
        path = Path(root) / "datasets" / "data" / "digits.csv.gz"
        if path.is_file():
            data = np.loadtxt(path, delimiter=",", dtype=np.float64)
            return data[:, :-1].reshape(-1, 8, 8), data[:, -1].astype(np.int64)
    from sklearn.datasets import load_digits as sk_load_digits

    bunch = sk_load_digits()
    return bunch.images, bunch.target.astype(np.int64)


def load_digits(train_fraction: float = 0.8, seed: int = 0) -> Dataset:
    """Load scikit-learn's bundled 8 x 8 handwritten digits with a stratified train/test split.

    An MNIST-like task that needs no download: 1,797 images, ten classes. Used when a preset asks
    for MNIST and no MNIST path is given.

    Args:
        train_fraction: share of the rows used for training, in (0, 1); default 0.8.
        seed: seed of the stratified split (default 0).

    Returns:
        A :class:`~infoplane.data.Dataset` with x of shape (1797, 1, 8, 8), float32 in [0, 1]
        (unitless grey level / 16, 17 levels), y of shape (1797,), int64 in 0..9, and
        ``name = "digits/{train_fraction}"``.

    Raises:
        InfoplaneError: for a fraction outside (0, 1).

    Notes:
        These are not MNIST: the images are 8 x 8 (64 inputs, 17 grey levels, down-sampled from
        32 x 32 bitmaps) and there are only 1,797 of them, so a network overfits sooner and
        plug-in estimates of I(X;T) saturate at log2(1797) = 10.81 bits when every input is
        distinguishable. Results do not transfer number-for-number to MNIST.

    References:
        Alpaydin, E., Kaynak, C. (1998). Optical Recognition of Handwritten Digits. UCI Machine
        Learning Repository (the ``optdigits`` test set, as shipped by scikit-learn).
        Pedregosa, F., et al. (2011). Scikit-learn: Machine Learning in Python. JMLR 12.

    Example:
        >>> ds = load_digits()
        >>> ds.x.shape, float(ds.x.max()), ds.n_classes, len(ds.train_idx), ds.name
        ((1797, 1, 8, 8), 1.0, 10, 1438, 'digits/0.8')
    """
    images, y = _digits_arrays()
    x = (images.astype(np.float32) / np.float32(16.0))[:, None]
    train_idx, test_idx = split_indices(y, "stratified", train_fraction, seed)
    return Dataset(
        x=x, y=y, train_idx=train_idx, test_idx=test_idx, name=f"digits/{train_fraction:g}"
    )
