"""A user's own data: arrays in an ``.npz`` file, or any ``torch.utils.data.Dataset``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from infoplane.data.twelve_bit import Dataset, split_indices
from infoplane.interface import InfoplaneError


def load_arrays(path: str | Path, train_fraction: float = 0.8, seed: int = 0) -> Dataset:
    """Load inputs and labels from an ``.npz`` file.

    The file holds either ``x`` and ``y`` (split here, stratified by label) or ``x_train``,
    ``y_train``, ``x_test``, ``y_test`` (the split is kept). ``x`` may be vectors (n, d) or images
    (n, C, H, W); it is cast to float32 as is (scale it beforehand).

    Args:
        path: the ``.npz`` file.
        train_fraction: training share when the file has no split, in (0, 1).
        seed: seed of that split.

    Returns:
        A :class:`~infoplane.data.Dataset` (train rows first when the file is split).

    Raises:
        InfoplaneError: if the file is missing or lacks the arrays (the message lists them).
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise InfoplaneError(f"data.path={str(path)!r} does not exist; give an .npz with x and y.")
    with np.load(path) as data:
        files = set(data.files)
        if {"x_train", "y_train", "x_test", "y_test"} <= files:
            from infoplane.data.mnist import images_dataset

            return images_dataset(
                data["x_train"], data["y_train"], data["x_test"], data["y_test"], name=path.stem
            )
        if not {"x", "y"} <= files:
            raise InfoplaneError(
                f"{str(path)!r} holds {sorted(files)}; it needs x and y, or x_train, y_train, "
                "x_test and y_test."
            )
        x, y = data["x"], data["y"]
    return arrays_dataset(x, y, train_fraction=train_fraction, seed=seed, name=path.stem)


def arrays_dataset(
    x: Any, y: Any, *, train_fraction: float = 0.8, seed: int = 0, name: str = "arrays"
) -> Dataset:
    """Make a :class:`Dataset` from inputs ``x`` (n, *features) and integer labels ``y`` (n,).

    Raises:
        InfoplaneError: if ``x`` and ``y`` differ in length or ``y`` is not integer labels.
    """
    from infoplane._validation import as_labels, check_finite

    x = np.asarray(x, dtype=np.float32)
    y = as_labels(y, "y")
    if len(x) != len(y):
        raise InfoplaneError(f"x has {len(x)} rows but y has {len(y)}; pass one label per input.")
    check_finite(x, "x")
    train_idx, test_idx = split_indices(y, "stratified", train_fraction, seed)
    return Dataset(x=x, y=y, train_idx=train_idx, test_idx=test_idx, name=name)


def from_torch_dataset(
    train: Any,
    test: Any | None = None,
    *,
    train_fraction: float = 0.8,
    seed: int = 0,
    name: str = "torch",
) -> Dataset:
    """Materialise a ``torch.utils.data.Dataset`` (items ``(input, label)``) as a :class:`Dataset`.

    Args:
        train: a map-style data set of ``(x, y)`` pairs (e.g. ``torchvision.datasets.MNIST``).
        test: optional test data set; without it ``train`` is split (stratified).
        train_fraction, seed: the split when ``test`` is ``None``.
        name: the data set's name.

    Returns:
        A :class:`Dataset` with x (n, *features) float32 (inputs as the data set returns them, after
        its transforms) and y (n,) int64.

    Raises:
        InfoplaneError: if items are not ``(input, label)`` pairs.
    """
    import torch

    def stack(ds: Any) -> tuple[np.ndarray, np.ndarray]:
        xs, ys = [], []
        for i in range(len(ds)):
            item = ds[i]
            if not isinstance(item, tuple | list) or len(item) < 2:
                raise InfoplaneError(
                    f"{name}: item {i} is {type(item).__name__}; expected (input, label)."
                )
            xi, yi = item[0], item[1]
            xs.append(xi.numpy() if isinstance(xi, torch.Tensor) else np.asarray(xi))
            ys.append(int(yi))
        return np.stack(xs).astype(np.float32), np.asarray(ys, dtype=np.int64)

    x_tr, y_tr = stack(train)
    if test is None:
        return arrays_dataset(x_tr, y_tr, train_fraction=train_fraction, seed=seed, name=name)
    x_te, y_te = stack(test)
    x = np.concatenate([x_tr, x_te])
    y = np.concatenate([y_tr, y_te])
    return Dataset(
        x=x, y=y, train_idx=np.arange(len(y_tr)), test_idx=np.arange(len(y_tr), len(y)), name=name
    )
