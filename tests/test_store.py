"""The zarr activation store: bit-exact round trip, crash safety, xarray, chunked reading."""

from __future__ import annotations

import json
import warnings
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


def test_store_opens_self_described_in_xarray(tmp_path: Path) -> None:
    import xarray as xr

    layers = {"features.1#0": 4, "features.1#1": 4, "out": 2}
    st = ActivationStore.create(
        tmp_path / "a.zarr",
        layers,
        n_repeats=2,
        labels=np.array([1, 0, 1]),
        epochs=[0, 4],
        sample_index=np.array([7, 8, 9]),
        capture_rule="every 4 epochs",
    )
    st.write_epoch(0, {k: np.zeros((2, 3, u), np.float32) for k, u in layers.items()})
    ds = xr.open_zarr(tmp_path / "a.zarr")
    assert "label" in ds.coords and "label" not in ds.data_vars  # a coordinate on "sample"
    assert ds["label"].dims == ("sample",) and ds["label"].values.tolist() == [1, 0, 1]
    assert ds["sample"].values.tolist() == [7, 8, 9]
    assert int(ds.sel(sample=8)["label"].values) == 0
    assert set(ds.data_vars) == set(layers)
    for name in layers:
        a = ds[name].attrs
        assert a["module"] == name.split("#")[0] and a["capture_epochs"] == "every 4 epochs"
        assert a["units"] == "1" and "representation" in a["description"]
    assert ds["features.1#1"].attrs["call"] == 1 and ds["out"].attrs["call"] == 0
    assert ds["epoch"].attrs["units"] == "epochs" and ds.attrs["capture_epochs"] == "every 4 epochs"
    for coord in ("epoch", "repeat", "sample", "label"):
        assert ds[coord].attrs["description"]


def test_a_store_without_attributes_is_still_read(tmp_path: Path) -> None:
    import zarr

    st, data = make(tmp_path)
    st.write_epoch(1, data[1])
    g = zarr.open_group(str(tmp_path / "activations.zarr"), mode="r+")
    for key in ("layers.0.act", "out", "epoch", "repeat", "sample", "label"):
        g[key].attrs.clear()  # as written before the arrays had attributes
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zarr: manifest.json is not a zarr node
        zarr.consolidate_metadata(str(tmp_path / "activations.zarr"))
    old = open_store(tmp_path)
    assert np.array_equal(old.read("out")[:, 0], data[1]["out"])
    assert old.labels.tolist() == (np.arange(11) % 2).tolist()


def test_an_epoch_written_in_batches_of_rows_equals_one_write(tmp_path: Path) -> None:
    st, data = make(tmp_path)
    ref, _ = make(tmp_path / "ref")
    ref.write_epoch(3, data[3])
    for start in (8, 0, 4):  # any order, uneven batches
        st.write_rows(3, start, {k: v[:, start : start + 4] for k, v in data[3].items()})
    assert st.completed_epochs.tolist() == []  # not complete until finished
    st.finish_epoch(3)
    assert np.array_equal(st.read("out"), ref.read("out"))
    assert st.value_range("out") == ref.value_range("out")
    assert np.array_equal(st.read_rows("layers.0.act", 3, 2, 9), data[3]["layers.0.act"][:, 2:9])
    st.write_rows(7, 0, {k: v[:, :5] for k, v in data[7].items()})
    with pytest.raises(InfoplaneError, match="not written"):
        st.finish_epoch(7)
    with pytest.raises(InfoplaneError, match="within its 11 samples"):
        st.write_rows(7, 9, {k: v[:, :5] for k, v in data[7].items()})
