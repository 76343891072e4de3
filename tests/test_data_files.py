"""Readers of local data: MNIST IDX (.gz) and .npz on small generated files, digits, user arrays."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

from infoplane.data import (
    Dataset,
    arrays_dataset,
    from_torch_dataset,
    load_arrays,
    load_digits,
    load_mnist,
    read_idx,
)
from infoplane.data.mnist import IDX_FILES
from infoplane.interface import InfoplaneError


def write_idx(path: Path, a: np.ndarray, compress: bool = True) -> None:
    header = bytes([0, 0, 0x08, a.ndim]) + struct.pack(f">{a.ndim}i", *a.shape)
    data = header + a.astype(np.uint8).tobytes()
    if compress:
        with gzip.open(path, "wb") as fh:
            fh.write(data)
    else:
        path.write_bytes(data)


def fake_mnist(folder: Path, n_train: int = 12, n_test: int = 5, compress: bool = True) -> dict:
    rng = np.random.default_rng(0)
    arrays = {
        "train_images": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train_labels": rng.integers(0, 10, n_train).astype(np.uint8),
        "test_images": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "test_labels": rng.integers(0, 10, n_test).astype(np.uint8),
    }
    folder.mkdir(parents=True, exist_ok=True)
    for key, stem in IDX_FILES.items():
        write_idx(folder / (stem + (".gz" if compress else "")), arrays[key], compress)
    return arrays


@pytest.mark.parametrize("compress", [True, False])
def test_idx_reader_and_mnist_from_generated_files(tmp_path: Path, compress: bool) -> None:
    arrays = fake_mnist(tmp_path, compress=compress)
    suffix = ".gz" if compress else ""
    img = read_idx(tmp_path / f"train-images-idx3-ubyte{suffix}")
    assert img.dtype == np.uint8 and np.array_equal(img, arrays["train_images"])
    ds = load_mnist(tmp_path)
    assert isinstance(ds, Dataset) and ds.x.shape == (17, 1, 28, 28) and ds.x.dtype == np.float32
    assert np.array_equal(ds.x[:12, 0] * 255, arrays["train_images"].astype(np.float32))
    assert np.array_equal(ds.y, np.concatenate([arrays["train_labels"], arrays["test_labels"]]))
    assert np.array_equal(ds.train_idx, np.arange(12)) and np.array_equal(
        ds.test_idx, np.arange(12, 17)
    )
    assert np.array_equal(ds.evaluation_indices("test"), np.arange(12, 17))


def test_mnist_from_npz_file_and_folder(tmp_path: Path) -> None:
    arrays = fake_mnist(tmp_path / "idx")
    np.savez(
        tmp_path / "mnist.npz",
        x_train=arrays["train_images"],
        y_train=arrays["train_labels"],
        x_test=arrays["test_images"],
        y_test=arrays["test_labels"],
    )
    a, b, c = load_mnist(tmp_path), load_mnist(tmp_path / "mnist.npz"), load_mnist(tmp_path / "idx")
    assert np.array_equal(a.x, c.x) and np.array_equal(b.y, c.y)


def test_missing_mnist_names_the_expected_files_and_never_downloads(tmp_path: Path) -> None:
    with pytest.raises(InfoplaneError, match=r"t10k-images-idx3-ubyte\.gz") as info:
        load_mnist(tmp_path)
    assert "never downloads" in str(info.value)
    with pytest.raises(InfoplaneError, match="does not exist"):
        load_mnist(tmp_path / "nope")
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(b"\x01\x02\x03\x04"))
    with pytest.raises(InfoplaneError, match="missing train-labels"):
        load_mnist(tmp_path)
    with pytest.raises(InfoplaneError, match="not an IDX file"):
        read_idx(tmp_path / "train-images-idx3-ubyte.gz")


def test_digits_are_the_bundled_8x8_images() -> None:
    ds = load_digits()
    assert ds.x.shape == (1797, 1, 8, 8) and ds.x.min() == 0.0 and ds.x.max() == 1.0
    assert ds.n_classes == 10 and len(ds.train_idx) + len(ds.test_idx) == 1797
    assert np.array_equal(np.bincount(ds.y[ds.test_idx]) > 30, np.ones(10, bool))  # stratified


def test_user_arrays_from_npz_with_and_without_split(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(40, 3)), np.repeat([0, 1], 20)
    np.savez(tmp_path / "xy.npz", x=x, y=y)
    ds = load_arrays(tmp_path / "xy.npz", train_fraction=0.75)
    assert ds.x.shape == (40, 3) and len(ds.train_idx) == 30 and ds.x.dtype == np.float32
    np.savez(tmp_path / "split.npz", x_train=x[:30], y_train=y[:30], x_test=x[30:], y_test=y[30:])
    ds2 = load_arrays(tmp_path / "split.npz")
    assert ds2.x.shape == (40, 3) and np.array_equal(ds2.test_idx, np.arange(30, 40))
    np.savez(tmp_path / "bad.npz", inputs=x)
    with pytest.raises(InfoplaneError, match="needs x and y"):
        load_arrays(tmp_path / "bad.npz")
    with pytest.raises(InfoplaneError, match="does not exist"):
        load_arrays(tmp_path / "missing.npz")
    with pytest.raises(InfoplaneError, match="rows"):
        arrays_dataset(x, y[:5])


def test_any_torch_dataset() -> None:
    import torch
    from torch.utils.data import TensorDataset

    x, y = torch.randn(20, 2, 3), torch.arange(20) % 4
    ds = from_torch_dataset(TensorDataset(x[:15], y[:15]), TensorDataset(x[15:], y[15:]))
    assert ds.x.shape == (20, 2, 3) and np.array_equal(ds.y, y.numpy())
    assert np.array_equal(ds.test_idx, np.arange(15, 20))
    split = from_torch_dataset(TensorDataset(x, y), train_fraction=0.5)
    assert len(split.train_idx) == 8 and len(split.test_idx) == 12  # 2 of 5 per class (rounded)


def test_evaluation_subset_is_fixed_and_drawn_from_the_chosen_rows() -> None:
    from infoplane.run.config import load_config
    from infoplane.run.setup import evaluation_indices

    ds = load_digits()
    cfg = load_config(None, overrides={"data": {"task": "digits", "mi_on": "test", "mi_n": 50}})
    a, b = evaluation_indices(ds, cfg), evaluation_indices(ds, cfg)
    assert len(a) == 50 and np.array_equal(a, b) and set(a) <= set(ds.test_idx)
    cfg = load_config(None, overrides={"data": {"task": "digits", "mi_on": "test", "mi_n": 5000}})
    with pytest.raises(InfoplaneError, match="mi_n"):
        evaluation_indices(ds, cfg)


def test_tensor_dataset_is_read_whole_with_the_same_values_as_a_generic_dataset() -> None:
    import torch
    from torch.utils.data import Dataset as TorchDataset
    from torch.utils.data import TensorDataset

    x, y = torch.randn(40, 3, 2, dtype=torch.float64), torch.arange(40) % 4

    class ItemByItem(TorchDataset):  # a generic map-style data set: read one item at a time
        def __len__(self) -> int:
            return 30

        def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
            return x[i], int(y[i])

    class Tail(ItemByItem):
        def __len__(self) -> int:
            return 10

        def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
            return x[30 + i], int(y[30 + i])

    whole = from_torch_dataset(TensorDataset(x[:30], y[:30]), TensorDataset(x[30:], y[30:]))
    items = from_torch_dataset(ItemByItem(), Tail())
    assert whole.x.dtype == items.x.dtype == np.float32
    assert np.array_equal(whole.x, items.x) and np.array_equal(whole.y, items.y)
    with pytest.raises(InfoplaneError, match="empty"):
        from_torch_dataset(TensorDataset(x[:0], y[:0]))
