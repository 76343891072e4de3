"""MNIST from local files: the standard IDX files (``.gz`` or not) or an ``.npz``. Never downloads.

MNIST (LeCun et al. 1998) has 60,000 training and 10,000 test images of 28 x 28 grey levels.
infoplane reads the files a user already has; the error for a missing file names the files expected
and where to get them, so nothing is fetched at run time.

Accepted layouts of ``directory``:

- the four IDX files ``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
  ``t10k-images-idx3-ubyte.gz``, ``t10k-labels-idx1-ubyte.gz`` (or the same names without ``.gz``);
- ``mnist.npz`` with arrays ``x_train``, ``y_train``, ``x_test``, ``y_test`` (the Keras file); a
  path to an ``.npz`` file works too.
"""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import numpy as np

from infoplane.data.twelve_bit import Dataset
from infoplane.interface import InfoplaneError, InfoplaneRuntimeError

IDX_FILES: dict[str, str] = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
NPZ_KEYS: tuple[str, ...] = ("x_train", "y_train", "x_test", "y_test")
_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str | Path) -> np.ndarray:
    """Read one IDX file, the format of the MNIST distribution (gzip-compressed if it ends in ``.gz``).

    The IDX format: two zero bytes, a type code (0x08 = unsigned byte), the number of dimensions,
    the dimensions as big-endian int32, then the data in C order.

    Args:
        path: the file (``.gz`` for gzip-compressed, anything else for raw bytes).

    Returns:
        Array of the shape the header announces, e.g. (n_samples, 28, 28) for images or
        (n_samples,) for labels, in the file's dtype (uint8 for MNIST: raw grey levels 0..255 or
        class indices, no unit or scaling applied).

    Raises:
        InfoplaneError: if the file does not exist.
        InfoplaneRuntimeError: if the file cannot be read or decompressed, its header is not IDX, or
            the data are shorter than the header says (a truncated download).

    Notes:
        Bytes after the announced data are ignored. Multi-byte types keep their big-endian dtype
        (NumPy reads them correctly); the returned array is read-only (a view of the file's bytes):
        copy it before writing to it.

    References:
        LeCun, Y., Bottou, L., Bengio, Y., Haffner, P. (1998). Gradient-based learning applied to
        document recognition. Proc. IEEE 86(11), 2278-2324 (MNIST and its IDX files).

    Example:
        >>> import pathlib, tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = pathlib.Path(folder) / "labels-idx1-ubyte"
        ...     _ = path.write_bytes(bytes([0, 0, 0x08, 1, 0, 0, 0, 3, 7, 2, 1]))
        ...     labels = read_idx(path)
        >>> labels.tolist(), labels.dtype.name
        ([7, 2, 1], 'uint8')
    """
    path = Path(path)
    if not path.is_file():
        raise InfoplaneError(f"{str(path)!r} does not exist; give the path of an IDX file.")
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            raw = fh.read()
    except (OSError, EOFError) as exc:
        raise InfoplaneRuntimeError(
            f"cannot read {str(path)!r} ({exc}); is it a complete MNIST file?"
        ) from exc
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise InfoplaneRuntimeError(
            f"{str(path)!r} is not an IDX file (bad header); is it an MNIST file?"
        )
    ndim = raw[3]
    offset = 4 + 4 * ndim
    if len(raw) < offset:
        raise InfoplaneRuntimeError(f"{str(path)!r} is truncated inside its IDX header.")
    dims = np.frombuffer(raw, dtype=">i4", count=ndim, offset=4).astype(int)
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    count = int(np.prod(dims))
    if len(raw) - offset < count * dtype.itemsize:
        raise InfoplaneRuntimeError(
            f"{str(path)!r} is truncated: the header announces {tuple(dims)} values."
        )
    return np.frombuffer(raw, dtype=dtype, count=count, offset=offset).reshape(tuple(dims))


def _find(directory: Path, stem: str) -> Path | None:
    for name in (f"{stem}.gz", stem, stem.replace("-idx", ".idx")):
        if (directory / name).is_file():
            return directory / name
    return None


def _missing_error(directory: Path, detail: str) -> InfoplaneError:
    names = ", ".join(f"{v}.gz" for v in IDX_FILES.values())
    return InfoplaneError(
        f"no MNIST at {str(directory)!r}: {detail}. Expected the four IDX files ({names}; "
        "uncompressed names work too) or mnist.npz with x_train, y_train, x_test, y_test. "
        "infoplane never downloads data: copy the files there (e.g. from "
        "https://yann.lecun.com/exdb/mnist/ or a mirror), or run without an MNIST path to use the "
        "bundled 8x8 digits."
    )


def load_mnist(directory: str | Path) -> Dataset:
    """Load MNIST from local files (the four IDX files or ``mnist.npz``). Never downloads.

    Args:
        directory: a folder with the IDX files or ``mnist.npz``, or the path of an ``.npz``
            (``~`` is expanded).

    Returns:
        A :class:`~infoplane.data.Dataset` named ``"mnist"`` with x of shape (70000, 1, 28, 28),
        float32 in [0, 1] (unitless grey level / 255), y of shape (70000,) int64 in 0..9,
        train_idx = rows 0..59999 (the training images) and test_idx = rows 60000..69999 (the
        10,000 test images). Smaller files give correspondingly fewer rows.

    Raises:
        InfoplaneError: if the folder or files are missing (the message names the files expected
            and where to get them), or images and labels disagree in number.
        InfoplaneRuntimeError: if a file is corrupt or truncated, or the ``.npz`` lacks
            ``x_train``, ``y_train``, ``x_test`` or ``y_test`` or holds pickled objects.

    Notes:
        The official split is kept (the test writers differ from the training writers); MI over
        ``mi_on="all"`` mixes both. 70,000 images x 784 float32 inputs take 220 MB in memory.
        Plug-in estimates of I(X;T) on MNIST saturate at log2(n_samples) bits (16.1 bits for all
        70,000 rows) whenever a layer keeps the inputs apart.

    References:
        LeCun, Y., Bottou, L., Bengio, Y., Haffner, P. (1998). Gradient-based learning applied to
        document recognition. Proc. IEEE 86(11), 2278-2324.

    Example:
        >>> import pathlib, tempfile
        >>> img = np.full((2, 28, 28), 255, np.uint8)
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = pathlib.Path(folder) / "mnist.npz"
        ...     np.savez(path, x_train=img, y_train=[3, 5], x_test=img[:1], y_test=[7])
        ...     ds = load_mnist(folder)
        >>> ds.x.shape, float(ds.x.max()), ds.y.tolist(), ds.test_idx.tolist()
        ((3, 1, 28, 28), 1.0, [3, 5, 7], [2])
    """
    path = Path(directory).expanduser()
    npz = path if path.suffix == ".npz" else path / "mnist.npz"
    if path.suffix == ".npz" and not path.is_file():
        raise _missing_error(path.parent, f"{path.name} does not exist")
    if not path.exists():
        raise _missing_error(path, "the folder does not exist")
    if npz.is_file():
        try:
            with np.load(npz, allow_pickle=False) as data:
                files = list(data.files)
                parts = {k: data[k] for k in NPZ_KEYS if k in files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            raise InfoplaneRuntimeError(
                f"cannot read {str(npz)!r} as an .npz of numeric arrays ({exc}); is it a complete "
                "copy of mnist.npz?"
            ) from exc
        missing = [k for k in NPZ_KEYS if k not in parts]
        if missing:
            raise InfoplaneRuntimeError(
                f"{str(npz)!r} lacks array(s) {', '.join(missing)}; it needs {NPZ_KEYS}."
            )
        x_tr, y_tr, x_te, y_te = (parts[k] for k in NPZ_KEYS)
    else:
        found = {key: _find(path, stem) for key, stem in IDX_FILES.items()}
        missing = [f"{IDX_FILES[k]}.gz" for k, v in found.items() if v is None]
        if missing:
            raise _missing_error(path, f"missing {', '.join(missing)}")
        x_tr, y_tr, x_te, y_te = (read_idx(found[k]) for k in IDX_FILES)  # type: ignore[arg-type]
    return images_dataset(x_tr, y_tr, x_te, y_te, name="mnist", scale=255.0)


def images_dataset(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    *,
    name: str,
    scale: float = 1.0,
) -> Dataset:
    """Stack train and test images into one :class:`Dataset` (train rows first, split kept).

    Args:
        x_train: training images (n_train, H, W) or (n_train, C, H, W), any real numeric dtype.
        y_train: integer labels (n_train,).
        x_test: test images (n_test, H, W) or (n_test, C, H, W), same image shape.
        y_test: integer labels (n_test,).
        name: the data set's name.
        scale: divide the pixel values by this (default 1; 255 for 8-bit images).

    Returns:
        A :class:`Dataset` with x of shape (n_train + n_test, C, H, W) float32 (a channel axis is
        added to (n, H, W) images; vectors (n, d) pass through), y int64, train rows first.

    Raises:
        InfoplaneError: if images and labels disagree in number, the train and test images differ in
            shape, the images are not real numbers or hold NaN/Inf, or labels are not non-negative
            integers.
    """
    from infoplane._validation import as_labels, check_finite

    if len(x_train) != len(y_train) or len(x_test) != len(y_test):
        raise InfoplaneError(
            f"{name}: images and labels differ in number ({len(x_train)} vs {len(y_train)} train, "
            f"{len(x_test)} vs {len(y_test)} test)."
        )
    x_train, x_test = np.asarray(x_train), np.asarray(x_test)
    if x_train.shape[1:] != x_test.shape[1:]:
        raise InfoplaneError(
            f"{name}: train images have shape {x_train.shape[1:]} but test images "
            f"{x_test.shape[1:]}; give both the same shape."
        )
    for part in (x_train, x_test):
        if not (np.issubdtype(part.dtype, np.number) or np.issubdtype(part.dtype, np.bool_)) or (
            np.issubdtype(part.dtype, np.complexfloating)
        ):
            raise InfoplaneError(f"{name}: images must be real numbers; got dtype {part.dtype}.")
    x = np.concatenate([x_train, x_test]).astype(np.float32) / np.float32(scale)
    check_finite(x, f"{name} images")
    if x.ndim == 3:
        x = x[:, None]
    y = np.concatenate([as_labels(y_train, "y_train"), as_labels(y_test, "y_test")])
    if len(y) and y.min() < 0:
        raise InfoplaneError(f"{name}: labels must be class indices 0, 1, ...; got a negative one.")
    n_tr = len(x_train)
    return Dataset(x=x, y=y, train_idx=np.arange(n_tr), test_idx=np.arange(n_tr, len(y)), name=name)
