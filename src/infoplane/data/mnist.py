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
from pathlib import Path

import numpy as np

from infoplane.data.twelve_bit import Dataset
from infoplane.interface import InfoplaneError

IDX_FILES: dict[str, str] = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
NPZ_KEYS: tuple[str, ...] = ("x_train", "y_train", "x_test", "y_test")
_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str | Path) -> np.ndarray:
    """Read one IDX file (gzip-compressed if its name ends in ``.gz``).

    The IDX format: two zero bytes, a type code (0x08 = unsigned byte), the number of dimensions,
    the dimensions as big-endian int32, then the data in C order.

    Args:
        path: the file.

    Returns:
        Array of the file's shape and type (uint8 for MNIST).

    Raises:
        InfoplaneError: if the header is not IDX or the data are shorter than the header says.
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        raw = fh.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise InfoplaneError(f"{str(path)!r} is not an IDX file (bad header); is it an MNIST file?")
    ndim = raw[3]
    dims = np.frombuffer(raw, dtype=">i4", count=ndim, offset=4).astype(int)
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    offset = 4 + 4 * ndim
    count = int(np.prod(dims))
    if len(raw) - offset < count * dtype.itemsize:
        raise InfoplaneError(
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
    """Load MNIST from local files.

    Args:
        directory: a folder with the IDX files or ``mnist.npz``, or the path of an ``.npz``.

    Returns:
        A :class:`~infoplane.data.Dataset` with x (70000, 1, 28, 28) float32 in [0, 1] (grey level
        / 255), y (70000,) int64, train_idx = rows 0..59999 (the training images), test_idx =
        rows 60000..69999 (the 10,000 test images).

    Raises:
        InfoplaneError: if the files are missing (the message names them) or malformed.

    References:
        LeCun, Y., Bottou, L., Bengio, Y., Haffner, P. (1998). Gradient-based learning applied to
        document recognition. Proc. IEEE 86(11).
    """
    path = Path(directory).expanduser()
    npz = path if path.suffix == ".npz" else path / "mnist.npz"
    if path.suffix == ".npz" and not path.is_file():
        raise _missing_error(path.parent, f"{path.name} does not exist")
    if not path.exists():
        raise _missing_error(path, "the folder does not exist")
    if npz.is_file():
        with np.load(npz) as data:
            missing = [k for k in NPZ_KEYS if k not in data.files]
            if missing:
                raise InfoplaneError(
                    f"{str(npz)!r} lacks array(s) {', '.join(missing)}; it needs {NPZ_KEYS}."
                )
            parts = {k: data[k] for k in NPZ_KEYS}
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
    """Stack train and test images into one :class:`Dataset` (train rows first).

    Args:
        x_train, x_test: images (n, H, W) or (n, C, H, W), any numeric dtype.
        y_train, y_test: integer labels (n,).
        name: the data set's name.
        scale: divide the pixel values by this (255 for 8-bit images).

    Raises:
        InfoplaneError: if images and labels disagree in number or labels are not integers.
    """
    from infoplane._validation import as_labels

    if len(x_train) != len(y_train) or len(x_test) != len(y_test):
        raise InfoplaneError(
            f"{name}: images and labels differ in number ({len(x_train)} vs {len(y_train)} train, "
            f"{len(x_test)} vs {len(y_test)} test)."
        )
    x = np.concatenate([x_train, x_test]).astype(np.float32) / np.float32(scale)
    if x.ndim == 3:
        x = x[:, None]
    y = np.concatenate([as_labels(y_train, "y_train"), as_labels(y_test, "y_test")])
    n_tr = len(x_train)
    return Dataset(x=x, y=y, train_idx=np.arange(n_tr), test_idx=np.arange(n_tr, len(y)), name=name)
