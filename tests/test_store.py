"""The zarr activation store: bit-exact round trip, crash safety, xarray, chunked reading."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from infoplane.interface import InfoplaneError
from infoplane.storage.activations import ActivationStore, load_activations, open_store


def make(tmp_path: Path, **kw):
    layers = {"layers.0.act": 5, "out": 2}
    epochs = [0, 1, 3, 7]
    st = ActivationStore.create(
        tmp_path / "activations.zarr",
        layers,
        n_repeats=3,
        labels=np.arange(11) % 2,
        epochs=epochs,
        **kw,
    )
    rng = np.random.default_rng(0)
    data = {
        e: {
            k: (rng.normal(size=(3, 11, u)) * 10.0 ** rng.integers(-30, 30)).astype(np.float32)
            for k, u in layers.items()
        }
        for e in epochs
    }
    return st, data


def test_round_trip_is_bit_exact_and_readable_with_xarray(tmp_path: Path) -> None:
    import xarray as xr

    st, data = make(tmp_path)
    for e in [3, 0, 7, 1]:  # any order
        st.write_epoch(e, data[e])
    again = open_store(tmp_path)
    assert again.completed_epochs.tolist() == [0, 1, 3, 7] and again.layers == [
        "layers.0.act",
        "out",
    ]
    full = again.read("layers.0.act")
    assert full.dtype == np.float32 and full.shape == (3, 4, 11, 5)
    for i, e in enumerate([0, 1, 3, 7]):
        assert np.array_equal(full[:, i], data[e]["layers.0.act"])  # bit-exact
    assert np.array_equal(load_activations(tmp_path, "out", repeat=2)[2], data[3]["out"][2])
    ds = xr.open_zarr(tmp_path / "activations.zarr")
    assert ds["layers.0.act"].dims == ("repeat", "epoch", "sample", "layers.0.act.unit")
    assert ds["epoch"].values.tolist() == [0, 1, 3, 7]
    assert np.array_equal(ds["out"].sel(epoch=7).values, data[7]["out"])
    lo, hi = again.value_range("out")
    assert lo == min(d["out"].min() for d in data.values()) and hi == max(
        d["out"].max() for d in data.values()
    )


def test_half_written_epoch_is_never_read_as_complete(tmp_path: Path) -> None:
    st, data = make(tmp_path)
    st.write_epoch(0, data[0])
    # killed after writing the chunks of epoch 1 but before the manifest: chunks exist, no entry
    st._group["layers.0.act"][:, 1] = data[1]["layers.0.act"]
    again = open_store(tmp_path)
    assert again.completed_epochs.tolist() == [0]
    with pytest.raises(InfoplaneError, match="not complete"):
        again.read("out", [1])
    assert again.read("out").shape == (3, 1, 11, 2)
    manifest = json.loads((tmp_path / "activations.zarr" / "manifest.json").read_text())
    assert list(manifest["complete"]) == ["0"]
    assert not list((tmp_path / "activations.zarr").glob("*.tmp"))
    st.write_epoch(1, data[1])
    st.forget_after(0)  # a resume from a checkpoint at epoch 0
    assert open_store(tmp_path).completed_epochs.tolist() == [0]


def test_float16_store_and_chunked_reads(tmp_path: Path) -> None:
    st, data = make(tmp_path, dtype="float16")
    for e in data:
        st.write_epoch(e, {k: np.clip(v, -1e4, 1e4) for k, v in data[e].items()})
    assert st.read("out").dtype == np.float16
    chunks = list(st.iter_epoch_chunks("layers.0.act", max_bytes=3 * 11 * 5 * 4 * 2))
    assert [c[0].tolist() for c in chunks] == [[0, 1], [3, 7]]
    assert all(c[1].dtype == np.float32 for c in chunks)
    assert np.array_equal(np.concatenate([c[1] for c in chunks], axis=1), st.read("layers.0.act"))


def test_store_errors_name_the_problem(tmp_path: Path) -> None:
    st, data = make(tmp_path)
    with pytest.raises(InfoplaneError, match="expects"):
        st.write_epoch(0, {"layers.0.act": np.zeros((3, 11, 4)), "out": data[0]["out"]})
    with pytest.raises(InfoplaneError, match="lack"):
        st.write_epoch(0, {"out": data[0]["out"]})
    with pytest.raises(InfoplaneError, match="planned"):
        st.write_epoch(2, data[0])
    with pytest.raises(InfoplaneError, match="read only"):
        open_store(tmp_path).write_epoch(0, data[0])
    with pytest.raises(InfoplaneError, match="dtype"):
        ActivationStore.create(tmp_path / "b.zarr", {"a": 1}, n_repeats=1, labels=[0], dtype="int8")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(InfoplaneError, match="not an activation store"):
        ActivationStore.create(tmp_path / "mine", {"a": 1}, n_repeats=1, labels=[0])
    assert (tmp_path / "mine" / "notes.txt").is_file()
    with pytest.raises(FileNotFoundError, match="no activation store"):
        open_store(tmp_path / "nothing")
