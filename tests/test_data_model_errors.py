"""Bad or corrupt input to data/ and models/ fails with a named InfoplaneError, never silently.

Usage errors (a wrong argument) raise :class:`InfoplaneError`; a corrupt or foreign file raises
:class:`InfoplaneRuntimeError` naming the file. Each case here used to return a wrong value
silently or escape as a raw NumPy/torch/zip exception.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import TensorDataset

from infoplane.data import (
    arrays_dataset,
    from_torch_dataset,
    load_arrays,
    load_mnist,
    read_idx,
    split_indices,
)
from infoplane.data import twelve_bit as twelve_bit_module
from infoplane.interface import InfoplaneError, InfoplaneRuntimeError
from infoplane.models import MLP, Quantize, SmallCNN, idnns_init_


def test_saxe2018_split_refuses_data_that_is_not_the_12_bit_task() -> None:
    # before: returned indices up to 4095 for 100 rows (an IndexError, or worse, much later)
    with pytest.raises(InfoplaneError, match="4096"):
        split_indices(np.zeros(100, dtype=np.int64), "saxe2018", 0.8)


def test_corrupt_npz_of_user_arrays_is_a_runtime_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.npz"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InfoplaneRuntimeError, match=r"broken\.npz"):
        load_arrays(path)


def test_pickled_arrays_are_refused_not_unpickled(tmp_path: Path) -> None:
    path = tmp_path / "objects.npz"
    np.savez(path, x=np.array([{"a": 1}, {"b": 2}], dtype=object), y=np.array([0, 1]))
    with pytest.raises(InfoplaneRuntimeError, match=r"objects\.npz"):
        load_arrays(path)


def test_mnist_npz_corrupt_or_incomplete_is_a_runtime_error(tmp_path: Path) -> None:
    (tmp_path / "mnist.npz").write_bytes(b"garbage")
    with pytest.raises(InfoplaneRuntimeError, match=r"mnist\.npz"):
        load_mnist(tmp_path)
    np.savez(tmp_path / "mnist.npz", x_train=np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(InfoplaneRuntimeError, match="y_train"):
        load_mnist(tmp_path)


@pytest.mark.parametrize(
    "content",
    [
        bytes([0, 0, 0x08, 3, 0, 0]),  # header cut inside the dimensions
        bytes([0, 0, 0x08, 1, 0, 0, 0, 5, 1, 2]),  # 5 values announced, 2 present
        bytes([1, 2, 3, 4, 5]),  # not IDX
    ],
    ids=["cut-header", "truncated-data", "not-idx"],
)
def test_truncated_or_foreign_idx_file_is_a_runtime_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "labels-idx1-ubyte"
    path.write_bytes(content)
    with pytest.raises(InfoplaneRuntimeError, match="labels-idx1-ubyte"):
        read_idx(path)


def test_idx_file_with_broken_gzip_is_a_runtime_error(tmp_path: Path) -> None:
    path = tmp_path / "labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(bytes([0, 0, 0x08, 1, 0, 0, 0, 1, 7]))[:-12])
    with pytest.raises(InfoplaneRuntimeError, match=r"labels-idx1-ubyte\.gz"):
        read_idx(path)
    with pytest.raises(InfoplaneError, match="does not exist"):
        read_idx(tmp_path / "absent-idx1-ubyte")


def test_idx_reader_decodes_a_multi_dimensional_file(tmp_path: Path) -> None:
    path = tmp_path / "images-idx3-ubyte"
    header = bytes([0, 0, 0x08, 3]) + np.array([2, 2, 3], ">i4").tobytes()
    path.write_bytes(header + bytes(range(12)))
    assert read_idx(path).tolist() == np.arange(12).reshape(2, 2, 3).tolist()


def test_corrupt_shipped_twelve_bit_file_is_a_runtime_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "_files").mkdir()
    (tmp_path / "_files" / "twelve_bit.npz").write_bytes(b"not an npz")

    class FakeResources:
        @staticmethod
        def files(package: str) -> Path:
            return tmp_path

    twelve_bit_module._files.cache_clear()
    monkeypatch.setattr(twelve_bit_module, "resources", FakeResources)
    try:
        with pytest.raises(InfoplaneRuntimeError, match=r"twelve_bit\.npz"):
            twelve_bit_module.twelve_bit_labels()
    finally:
        monkeypatch.undo()
        twelve_bit_module._files.cache_clear()
    assert int(twelve_bit_module.twelve_bit_labels().sum()) == 2118


@pytest.mark.parametrize(
    ("x", "y", "match"),
    [
        (np.ones((4, 2)) * (1 + 1j), [0, 1, 0, 1], "real numeric"),  # imaginary part was dropped
        (np.array([["a", "b"]] * 4), [0, 1, 0, 1], "real numeric"),
        (np.ones((4, 2)), [0, -1, 0, 1], "negative"),  # n_classes was max + 1 = 2, wrongly
        (np.ones((4, 2)), [0.0, 0.5, 1.0, 1.0], "integer"),
        (np.full((4, 2), np.nan), [0, 1, 0, 1], "NaN"),
    ],
)
def test_arrays_dataset_rejects_values_it_cannot_represent(
    x: object, y: object, match: str
) -> None:
    with pytest.raises(InfoplaneError, match=match):
        arrays_dataset(x, y)


def test_torch_dataset_labels_are_validated_not_truncated() -> None:
    x = torch.zeros(4, 3)
    # before: int(0.5) == 0, a silently wrong label
    with pytest.raises(InfoplaneError, match="integer"):
        from_torch_dataset(TensorDataset(x, torch.tensor([0.0, 0.5, 1.0, 1.0])))
    with pytest.raises(InfoplaneError, match="empty"):
        from_torch_dataset(TensorDataset(x[:0], torch.zeros(0)))
    with pytest.raises(InfoplaneError, match="shape"):
        from_torch_dataset(
            TensorDataset(x, torch.tensor([0, 1, 0, 1])),
            TensorDataset(torch.zeros(2, 5), torch.tensor([0, 1])),
        )
    ds = from_torch_dataset(TensorDataset(x, torch.tensor([0.0, 1.0, 0.0, 1.0])), name="ok")
    assert ds.y.dtype == np.int64 and ds.y.tolist() == [0, 1, 0, 1]


def test_model_constructors_name_bad_arguments() -> None:
    with pytest.raises(InfoplaneError, match="n_classes"):
        MLP(n_classes=0)
    with pytest.raises(InfoplaneError, match="n_inputs"):
        MLP(n_inputs=0)
    with pytest.raises(InfoplaneError, match="in_shape"):
        SmallCNN(in_shape=(28, 28))  # type: ignore[arg-type]
    with pytest.raises(InfoplaneError, match="Linear"):
        idnns_init_(nn.Conv2d(1, 1, 3))  # type: ignore[arg-type]


def test_idnns_init_of_a_layer_without_bias() -> None:
    layer = nn.Linear(400, 30, bias=False)
    idnns_init_(layer, torch.Generator().manual_seed(0))
    assert float(layer.weight.detach().abs().max()) <= 2 / 20 + 1e-7
    assert float(layer.weight.detach().std()) == pytest.approx(0.8796 / 20, rel=0.03)


@pytest.mark.parametrize("bits", [0, 1.5, float("inf"), float("nan"), True, None, "2"])
def test_quantize_refuses_bits_that_are_not_a_positive_integer(bits: object) -> None:
    with pytest.raises(InfoplaneError, match="quantize_bits"):
        Quantize(bits)  # type: ignore[arg-type]


def test_quantize_accepts_numpy_integers_and_refuses_infinite_ranges() -> None:
    q = Quantize(np.int64(2), 0.0, 1.0)
    assert q(torch.tensor([0.0, 0.2, 0.5, 0.9, 1.0])).tolist() == pytest.approx(
        [0.0, 1 / 3, 2 / 3, 1.0, 1.0]
    )
    with pytest.raises(InfoplaneError, match="high > low"):
        Quantize(2, -float("inf"), 1.0)
