"""A user's own data: arrays in an ``.npz`` file, or any ``torch.utils.data.Dataset``."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from infoplane.data.twelve_bit import Dataset, split_indices
from infoplane.interface import InfoplaneError, InfoplaneRuntimeError


def load_arrays(path: str | Path, train_fraction: float = 0.8, seed: int = 0) -> Dataset:
    """Load a user's inputs and labels from an ``.npz`` file. Never unpickles, never downloads.

    The file holds either ``x`` and ``y`` (split here, stratified by label) or ``x_train``,
    ``y_train``, ``x_test``, ``y_test`` (the split is kept, train rows first).

    Args:
        path: the ``.npz`` file (``~`` is expanded).
        train_fraction: training share when the file has no split, in (0, 1); default 0.8.
        seed: seed of that stratified split (default 0).

    Returns:
        A :class:`~infoplane.data.Dataset` named after the file's stem, with x of shape
        (n_samples, *features) float32 (vectors (n_samples, d) or images (n_samples, C, H, W);
        images of shape (n_samples, H, W) in a split file gain a channel axis) and y of shape
        (n_samples,) int64.

    Raises:
        InfoplaneError: if the file is missing or lacks the arrays (the message lists what it holds),
            or the arrays are invalid (see :func:`arrays_dataset`).
        InfoplaneRuntimeError: if the file is not a readable ``.npz`` (corrupt, truncated, or holding
            pickled objects, which are refused).

    Notes:
        ``x`` is cast to float32 as is, in the file's own unit (no rescaling): scale it beforehand
        (e.g. 8-bit pixels to [0, 1]) if the estimator's binning or the network expect it.
        Binning estimators with fixed bin edges are sensitive to that scale.

    References:
        Harris, C. R., et al. (2020). Array programming with NumPy. Nature 585, 357-362 (the
        ``.npz`` format, read with ``allow_pickle=False``).

    Example:
        >>> import pathlib, tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = pathlib.Path(folder) / "toy.npz"
        ...     np.savez(path, x=np.eye(10), y=np.arange(10) % 2)
        ...     ds = load_arrays(path)
        >>> ds.x.shape, ds.x.dtype.name, len(ds.train_idx), len(ds.test_idx), ds.name
        ((10, 10), 'float32', 8, 2, 'toy')
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise InfoplaneError(f"data.path={str(path)!r} does not exist; give an .npz with x and y.")
    try:
        with np.load(path, allow_pickle=False) as data:
            files = set(data.files)
            arrays = {
                k: data[k]
                for k in ("x", "y", "x_train", "y_train", "x_test", "y_test")
                if k in files
            }
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise InfoplaneRuntimeError(
            f"cannot read {str(path)!r} as an .npz of numeric arrays ({exc}); re-save it with "
            "numpy.savez(path, x=..., y=...)."
        ) from exc
    if {"x_train", "y_train", "x_test", "y_test"} <= files:
        from infoplane.data.mnist import images_dataset

        return images_dataset(
            arrays["x_train"], arrays["y_train"], arrays["x_test"], arrays["y_test"], name=path.stem
        )
    if not {"x", "y"} <= files:
        raise InfoplaneError(
            f"{str(path)!r} holds {sorted(files)}; it needs x and y, or x_train, y_train, "
            "x_test and y_test."
        )
    return arrays_dataset(
        arrays["x"], arrays["y"], train_fraction=train_fraction, seed=seed, name=path.stem
    )


def arrays_dataset(
    x: Any, y: Any, *, train_fraction: float = 0.8, seed: int = 0, name: str = "arrays"
) -> Dataset:
    """Make a :class:`~infoplane.data.Dataset` from in-memory arrays, with a stratified split.

    Args:
        x: inputs, array-like of shape (n_samples, *features) (vectors or images), any real
            numeric dtype; cast to float32.
        y: integer class labels, array-like of shape (n_samples,) (an (n_samples, 1) column is
            accepted), values >= 0.
        train_fraction: training share in (0, 1); default 0.8.
        seed: seed of the stratified split (default 0).
        name: the data set's name (default ``"arrays"``).

    Returns:
        A :class:`~infoplane.data.Dataset` with x of shape (n_samples, *features) float32, y of shape
        (n_samples,) int64 and a stratified split (see :func:`~infoplane.data.split_indices`).

    Raises:
        InfoplaneError: if ``x`` is not a real numeric array of at least 1 dimension, ``x`` and ``y``
            differ in length, ``x`` holds NaN or Inf, ``y`` is not non-negative integer labels, or
            ``train_fraction`` is outside (0, 1).

    Notes:
        The values of ``x`` keep their own unit (no rescaling). Each class c gets
        ``round(train_fraction * n_c)`` training rows (Python's round half to even), so the split's
        share can differ slightly from ``train_fraction`` for small classes.

    References:
        Pedregosa, F., et al. (2011). Scikit-learn: Machine Learning in Python. JMLR 12 (the
        stratified split, as in ``train_test_split(..., stratify=y)``).

    Example:
        >>> ds = arrays_dataset(np.arange(12.0).reshape(6, 2), [0, 0, 0, 1, 1, 1], train_fraction=2 / 3)
        >>> ds.x.shape, ds.y.tolist(), len(ds.train_idx), ds.n_classes
        ((6, 2), [0, 0, 0, 1, 1, 1], 4, 2)
    """
    from infoplane._validation import as_labels, check_finite

    raw = np.asarray(x)
    if raw.ndim < 1 or not (
        np.issubdtype(raw.dtype, np.integer)
        or np.issubdtype(raw.dtype, np.floating)
        or np.issubdtype(raw.dtype, np.bool_)
    ):
        raise InfoplaneError(
            f"x must be a real numeric array of shape (n_samples, *features); got dtype {raw.dtype} "
            f"and shape {raw.shape}."
        )
    x = raw.astype(np.float32)
    y = as_labels(y, "y")
    if len(x) != len(y):
        raise InfoplaneError(f"x has {len(x)} rows but y has {len(y)}; pass one label per input.")
    if len(y) and y.min() < 0:
        raise InfoplaneError("y must hold class indices 0, 1, ...; got a negative label.")
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
        train: a map-style data set (``len`` and integer indexing) of ``(x, y)`` pairs, e.g.
            ``torchvision.datasets.MNIST`` or a ``TensorDataset``; every input has the same shape.
        test: optional test data set; without it (default ``None``) ``train`` is split, stratified.
        train_fraction: training share of that split, in (0, 1); default 0.8.
        seed: seed of that split (default 0).
        name: the data set's name (default ``"torch"``).

    Returns:
        A :class:`~infoplane.data.Dataset` with x of shape (n_samples, *features) float32 (inputs as
        the data set returns them, after its transforms) and y of shape (n_samples,) int64; with
        ``test``, the train rows come first and the split is kept.

    Raises:
        InfoplaneError: if items are not ``(input, label)`` pairs, or the inputs or labels are
            invalid (see :func:`arrays_dataset`).

    Notes:
        Items of a generic data set are read one at a time through the map-style interface (that
        is all it offers); a ``TensorDataset`` is read as whole tensors at once (same values). The
        whole set is held in memory. Inputs keep the unit the data set's
        transforms give them (e.g. ``ToTensor`` scales pixels to [0, 1]).

    References:
        Paszke, A., et al. (2019). PyTorch: An Imperative Style, High-Performance Deep Learning
        Library. NeurIPS (``torch.utils.data.Dataset``).

    Example:
        >>> import torch
        >>> from torch.utils.data import TensorDataset
        >>> x, y = torch.zeros(6, 1, 2, 2), torch.tensor([0, 1, 0, 1, 0, 1])
        >>> ds = from_torch_dataset(TensorDataset(x[:4], y[:4]), TensorDataset(x[4:], y[4:]))
        >>> ds.x.shape, ds.test_idx.tolist()
        ((6, 1, 2, 2), [4, 5])
    """
    import torch

    def stack(ds: Any) -> tuple[np.ndarray, np.ndarray]:
        tensors = getattr(ds, "tensors", None)
        if isinstance(ds, torch.utils.data.TensorDataset) and tensors and len(tensors) >= 2:
            # whole tensors at once (no per-item reads); same values as the item loop below
            if len(tensors[0]) == 0:
                raise InfoplaneError(
                    f"{name}: the data set is empty; pass one with (input, label) items."
                )
            x_all, y_all = tensors[0].detach().cpu(), tensors[1].detach().cpu()
            return x_all.numpy().astype(np.float32), y_all.numpy()
        xs, ys = [], []
        for i in range(len(ds)):
            item = ds[i]
            if not isinstance(item, tuple | list) or len(item) < 2:
                raise InfoplaneError(
                    f"{name}: item {i} is {type(item).__name__}; expected (input, label)."
                )
            xi, yi = item[0], item[1]
            xs.append(xi.numpy() if isinstance(xi, torch.Tensor) else np.asarray(xi))
            ys.append(yi.item() if isinstance(yi, torch.Tensor) else yi)
        if not xs:
            raise InfoplaneError(
                f"{name}: the data set is empty; pass one with (input, label) items."
            )
        try:
            return np.stack(xs).astype(np.float32), np.asarray(ys)  # labels checked below
        except ValueError as exc:
            raise InfoplaneError(
                f"{name}: the inputs differ in shape ({exc}); resize them to one shape with the "
                "data set's transform."
            ) from exc

    x_tr, y_tr = stack(train)
    if test is None:
        return arrays_dataset(x_tr, y_tr, train_fraction=train_fraction, seed=seed, name=name)
    x_te, y_te = stack(test)
    if x_tr.shape[1:] != x_te.shape[1:]:
        raise InfoplaneError(
            f"{name}: train inputs have shape {x_tr.shape[1:]} but test inputs {x_te.shape[1:]}; "
            "pass data sets with the same input shape."
        )
    full = arrays_dataset(np.concatenate([x_tr, x_te]), np.concatenate([y_tr, y_te]), name=name)
    n_tr = len(y_tr)
    return Dataset(
        x=full.x,
        y=full.y,
        train_idx=np.arange(n_tr),
        test_idx=np.arange(n_tr, len(full.y)),
        name=name,
    )
