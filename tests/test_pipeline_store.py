"""The run pipeline with the activation store: offline = online, chunks, CNN and factory models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from torch import nn

from infoplane.interface import InfoplaneError
from infoplane.run.config import EstimatorConfig, load_config
from infoplane.run.engine import run_experiment
from infoplane.run.estimation import estimate_from_store
from infoplane.storage.activations import open_store

TINY = {"repeats": 2, "training": {"epochs": 15}, "capture": {"n_points": 8}}


def tiny(**over):
    from infoplane.run.config import merge

    return load_config("default", overrides=merge(TINY, over))


def test_online_and_offline_estimation_agree(tmp_path: Path) -> None:
    ests = [
        {"name": "binning", "params": {"bin_width": 0.2, "n_bins": None}},
        {"name": "binning", "params": {"n_bins": 12, "range": [-1.0, 1.0]}},
    ]
    cfg = tiny(estimators=ests, storage={"online": True, "activations": "zarr"})
    res = run_experiment(cfg, tmp_path / "run", progress=False, make_figures=False)
    store = open_store(tmp_path / "run")
    assert store.completed_epochs.tolist() == sorted(res.plane["epoch"].unique().tolist())
    offline = estimate_from_store(store, cfg.estimators, complete_inputs=True)  # all 4096 inputs
    pd.testing.assert_frame_equal(res.plane, offline, check_exact=False, rtol=0, atol=1e-12)
    assert store.read("layers.0.act").shape == (2, len(store.completed_epochs), 4096, 10)


def test_chunked_estimation_with_data_range_equals_one_chunk(tmp_path: Path) -> None:
    cfg = tiny(
        model={"activation": "relu", "hidden": [6, 4]},
        estimators=[{"name": "binning", "params": {"n_bins": 20, "range": "data"}}],
    )
    res = run_experiment(cfg, tmp_path / "run", progress=False, make_figures=False)
    store = open_store(tmp_path / "run")
    chunked = estimate_from_store(
        store, cfg.estimators, max_bytes=2 * 4096 * 6 * 4, complete_inputs=True
    )  # 1 epoch, all 4096 inputs
    pd.testing.assert_frame_equal(res.plane, chunked, check_exact=False, rtol=0, atol=1e-12)
    # and equal to estimating the whole array in memory at once (the pre-store pipeline)
    from infoplane.estimators import make_estimator

    t = store.read("layers.0.act")
    i_xt, _ = make_estimator("binning", n_bins=20, range="data").information_plane(t, store.labels)
    got = res.plane[res.plane["layer"] == 1]["i_xt"].to_numpy()
    assert np.allclose(got, i_xt.ravel(), atol=1e-12, rtol=0)


def test_online_only_keeps_no_activations_and_refuses_whole_run_pools(tmp_path: Path) -> None:
    cfg = tiny(
        storage={"online": True, "activations": "none"},
        estimators=[{"name": "binning", "params": {"bin_width": 0.1, "n_bins": None}}],
    )
    res = run_experiment(cfg, tmp_path / "run", progress=False, make_figures=False)
    assert not (tmp_path / "run" / "activations.zarr").exists()
    assert len(res.plane) == 2 * res.plane["epoch"].nunique() * 6
    adaptive = [{"name": "binning_adaptive", "params": {"scope": "global"}}]
    with pytest.raises(InfoplaneError, match="whole run"):  # refused before any file is written
        tiny(storage={"online": True}, estimators=adaptive)
    from infoplane.run.estimation import OnlineEstimates

    with pytest.raises(InfoplaneError, match="whole run"):
        OnlineEstimates([EstimatorConfig(**adaptive[0])], np.zeros(3))
    with pytest.raises(InfoplaneError, match="online"):
        tiny(storage={"activations": "none", "online": False})


def test_small_cnn_on_digits_with_an_evaluation_subset(tmp_path: Path) -> None:
    cfg = load_config(
        "mnist-cnn",
        overrides={
            "repeats": 2,
            "training": {"epochs": 2},
            "capture": {"n_points": 2},
            "data": {"mi_n": 100},
            "model": {"channels": [2, 3], "hidden": [8]},
        },
    )
    res = run_experiment(cfg, tmp_path / "cnn", progress=False, make_figures=False)
    assert "digits" in res.out_dir.joinpath("config.yaml").read_text()
    assert res.plane["layer_name"].unique().tolist() == ["pool1", "pool2", "act3", "softmax"]
    store = open_store(tmp_path / "cnn")
    assert store.n_samples == 100 and store.read("pool1").shape == (2, 3, 100, 2 * 4 * 4)
    assert res.history["train_acc"].between(0, 1).all() and set(res.history["repeat"]) == {0, 1}


def factory(seed: int, in_shape: tuple, n_classes: int, width: int = 5) -> nn.Module:
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(int(np.prod(in_shape)), width),
        nn.Tanh(),
        nn.Linear(width, n_classes),
    )


def test_model_factory_and_layer_globs(tmp_path: Path) -> None:
    cfg = load_config(
        "default",
        overrides={
            "repeats": 1,
            "training": {"epochs": 3},
            "capture": {"n_points": 3, "layers": ["2", "3"]},
            "model": {
                "arch": "factory",
                "factory": "test_pipeline_store:factory",
                "kwargs": {"width": 4},
            },
        },
    )
    res = run_experiment(cfg, tmp_path / "f", progress=False, make_figures=False)
    assert res.plane["layer_name"].unique().tolist() == ["2", "3"]
    assert open_store(tmp_path / "f").n_units == {"2": 4, "3": 2}
    cfg.model.factory = "no_such_module:f"
    with pytest.raises(InfoplaneError, match="does not import"):
        run_experiment(cfg, tmp_path / "g", progress=False, make_figures=False)


def test_estimator_configs_are_reused_from_the_registry() -> None:
    assert EstimatorConfig(name="binning").params == {}


def torch_data():
    import torch
    from torch.utils.data import TensorDataset

    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(60, 5, generator=g), torch.arange(60) % 3
    return TensorDataset(x[:45], y[:45]), TensorDataset(x[45:], y[45:])


def test_any_torch_dataset_from_a_config(tmp_path: Path) -> None:
    cfg = load_config(
        None,
        overrides={
            "data": {"task": "torch", "factory": "test_pipeline_store:torch_data", "mi_on": "test"},
            "model": {"hidden": [4, 3], "activation": "relu"},
            "training": {"epochs": 3},
            "capture": {"n_points": 3},
            "estimators": [{"name": "binning", "params": {"range": "data"}}],
        },
    )
    res = run_experiment(cfg, tmp_path / "t", progress=False, make_figures=False)
    assert open_store(tmp_path / "t").n_samples == 15
    assert res.plane["i_xt"].max() <= np.log2(15) + 1e-9


def test_a_run_store_is_self_described_in_xarray(tmp_path: Path) -> None:
    import xarray as xr

    cfg = tiny(repeats=1, training={"epochs": 4}, capture={"n_points": 3, "batch_size": 1000})
    run_experiment(cfg, tmp_path / "run", progress=False, make_figures=False)  # 5 batches
    ds = xr.open_zarr(tmp_path / "run" / "activations.zarr")
    assert "label" in ds.coords and ds["label"].dims == ("sample",)
    a = ds["layers.0.act"].attrs
    assert a["module"] == "layers.0.act" and "n_points=3" in a["capture_epochs"]
    assert ds.attrs["run"] == cfg.name and ds["epoch"].attrs["units"] == "epochs"
    store = open_store(tmp_path / "run")
    t = ds["layers.0.act"].sel(epoch=int(store.completed_epochs[-1])).values
    assert np.array_equal(t, store.read("layers.0.act", store.completed_epochs[-1:])[:, 0])
