"""Streaming estimation (issue 16): batches of rows, bin keys, seeded subsamples, online = stored."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from infoplane.analysis.validity import representation_flags
from infoplane.estimators import available_estimators, make_estimator
from infoplane.interface import InfoplaneError
from infoplane.run.config import EstimatorConfig, load_config, merge
from infoplane.run.estimation import OnlineEstimates, estimate_from_store
from infoplane.run.streaming import (
    RANGE_RULE,
    LayerStream,
    batched,
    run_streams,
    subsample_rows,
)


def stream_epoch(cfg: EstimatorConfig, t: np.ndarray, labels: np.ndarray, rows: int, **kw):
    s = LayerStream(cfg, labels, **kw)
    src = batched(rows, t.shape[1], lambda a, b: {"h": t[:, a:b]})
    return s, run_streams([[s]], ["h"], src)[0][0]


@pytest.mark.parametrize("d", [3, 61, 62, 300])
@pytest.mark.parametrize(
    "params",
    [{"n_bins": 3}, {"n_bins": 30}, {"bin_width": 0.5, "n_bins": None}, {"range": [-0.4, 0.4]}],
)
def test_binning_stream_equals_the_estimator_bit_for_bit(d: int, params: dict) -> None:
    # narrow layers keep their codes, wide ones (d >= 62) a linear hash shifted at the end: both
    # give binning.row_keys' own keys, so values and flags equal one call on the whole epoch
    rng = np.random.default_rng(d)
    t = np.tanh(rng.standard_normal((2, 700, d)) * 0.4).astype(np.float32)
    labels = rng.integers(0, 3, 700)
    cfg = EstimatorConfig(name="binning", params=params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, (i_xt, i_ty, flags) = stream_epoch(cfg, t, labels, rows=97)
        est = make_estimator("binning", **params)
        x, y = est.information_plane(t[:, None], labels)
        want_flags = representation_flags(est, t[:, None], labels, x)
    assert np.array_equal(i_xt, x[:, 0]) and np.array_equal(i_ty, y[:, 0])
    assert np.array_equal(flags, want_flags[:, 0])
    assert 0 < i_ty.min() and i_xt.max() <= np.log2(700) + 1e-12


def test_out_of_range_values_warn_as_the_estimator_does() -> None:
    t = np.linspace(-2, 2, 40, dtype=np.float32).reshape(1, 40, 1)
    cfg = EstimatorConfig(name="binning", params={"n_bins": 4})
    with pytest.warns(UserWarning, match="outside the binning range"):
        stream_epoch(cfg, t, np.arange(40) % 2, rows=7)
    cfg = EstimatorConfig(name="binning", params={"n_bins": 4, "out_of_range": "error"})
    with pytest.raises(InfoplaneError, match="outside the binning range"):
        stream_epoch(cfg, t, np.arange(40) % 2, rows=7)


def test_subsample_is_seeded_sorted_and_what_the_estimator_sees() -> None:
    rows = subsample_rows(1000, 100, seed=3)
    assert np.array_equal(rows, subsample_rows(1000, 100, seed=3))
    assert not np.array_equal(rows, subsample_rows(1000, 100, seed=4))
    assert len(np.unique(rows)) == 100 and np.all(np.diff(rows) > 0) and rows.max() < 1000
    assert np.array_equal(subsample_rows(50, 100), np.arange(50))
    with pytest.raises(InfoplaneError, match="subsample"):
        subsample_rows(10, 1)
    rng = np.random.default_rng(0)
    t = rng.standard_normal((2, 1000, 4)).astype(np.float32)
    labels = rng.integers(0, 2, 1000)
    cfg = EstimatorConfig(name="kde_upper", params={"n_eval": 50})
    s, (i_xt, i_ty, _) = stream_epoch(cfg, t, labels, rows=333, subsample=100, subsample_seed=3)
    x, y = make_estimator("kde_upper", n_eval=50).information_plane(t[:, None, rows], labels[rows])
    assert np.array_equal(i_xt, x[:, 0]) and np.array_equal(i_ty, y[:, 0])
    assert s.described() == {"n_samples": 100, "n_eval": 1000, "subsample_seed": 3}


def test_first_captured_epoch_fixes_the_streaming_range() -> None:
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 2, 300)
    acts = [np.maximum(rng.standard_normal((1, 300, 3)) * s, 0).astype(np.float32) for s in (1, 3)]
    cfg = [EstimatorConfig(name="binning", params={"n_bins": 8, "range": "data"})]
    on = OnlineEstimates(cfg, labels)
    for e, a in enumerate(acts):
        on.update(e, {"h": a})
    lo, hi = float(acts[0].min()), float(acts[0].max())
    assert on.ranges == {(0, 1): (lo, hi)}
    frame = on.to_frame(["h"])
    est = make_estimator("binning", n_bins=8, range=(lo, hi))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # epoch 1 grows past the first epoch's range
        want = [est.information_plane(a[:, None], labels)[0][0, 0] for a in acts]
    assert frame["i_xt"].tolist() == want and want[1] > want[0]  # extra bins, never clipped
    stated = json.loads(frame["params"].iloc[0])
    assert stated == {"n_samples": 300, "n_eval": 300, "range": [lo, hi], "range_rule": RANGE_RULE}
    again = OnlineEstimates(cfg, labels)  # a resumed run keeps the range of its first epoch
    again.load_state_dict(on.state_dict())
    again.load_ranges(on.ranges_state())
    again.update(2, {"h": acts[1] * 2})
    assert again.ranges == on.ranges


def test_streams_keep_nothing_between_epochs() -> None:
    labels = np.arange(64) % 2
    cfgs = [
        EstimatorConfig(name="binning", params={"n_bins": 4}),
        EstimatorConfig(name="kde_upper", params={"n_eval": 16}),
    ]
    on = OnlineEstimates(cfgs, labels, subsample=32)
    on.update(0, {"h": np.random.default_rng(0).uniform(-1, 1, (1, 64, 5))})
    streams = [s for row in on._streams for s in row]
    assert all(s._keys is None and s._buf is None for s in streams)


TINY_CNN = {
    "repeats": 1,
    "training": {"epochs": 3},
    "capture": {"n_points": 3, "batch_size": 500},  # 1797 rows: 4 batches per capture
    "estimators": [
        {"name": "binning", "params": {"bin_width": 0.5, "n_bins": None}},
        {"name": "kde_upper", "params": {"n_eval": 64}},
        {"name": "ksg", "params": {"n_eval": 64}},
    ],
    "analysis": {"diagnostics": False, "gradient_stats": False},
}


def test_a_cnn_run_online_gives_the_tables_of_the_stored_run(tmp_path: Path) -> None:
    from infoplane.run.engine import run_experiment
    from infoplane.storage.activations import open_store

    def run(storage: dict, name: str):
        cfg = load_config("digits-cnn", overrides=merge(TINY_CNN, {"storage": storage}))
        return run_experiment(cfg, tmp_path / name, progress=False, make_figures=False).plane

    sub = {"subsample": 300, "subsample_seed": 5}
    online = run({"online": True, "activations": "none", **sub}, "online")
    stored = run({"online": False, "activations": "zarr", **sub}, "stored")
    assert not (tmp_path / "online" / "activations.zarr").exists()
    pd.testing.assert_frame_equal(online, stored, check_exact=True)  # values equal, same rows
    assert set(online["estimator"]) == {"binning", "kde_upper", "ksg"}
    stated = online.groupby("estimator")["params"].first().map(json.loads)
    assert stated["kde_upper"] == {"n_samples": 300, "n_eval": 1797, "subsample_seed": 5}
    assert stated["binning"] == {"n_samples": 1797, "n_eval": 1797}  # binning: every row
    # the stored run's store, estimated again in other batches of rows, gives the same table
    store = open_store(tmp_path / "stored")
    cfg = load_config("digits-cnn", overrides=TINY_CNN)
    again = estimate_from_store(store, cfg.estimators, batch_rows=123, **sub)
    pd.testing.assert_frame_equal(again, stored, check_exact=True)
    kde = online[online["estimator"] == "kde_upper"]
    assert kde["i_xt"].gt(0).all() and online["epoch"].nunique() >= 2
    assert online["i_xt"].le(np.log2(1797) + 1e-9).all()


def test_recorder_streams_batches_of_rows_with_the_values_of_one_pass() -> None:
    import torch
    from torch import nn

    from infoplane.run.recorder import Recorder

    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 3))
    x, y = torch.randn(300, 6), torch.arange(300) % 3
    online = [("binning", {"n_bins": 10, "range": [-5, 5]}), ("kde_upper", {"n_eval": 32})]
    tables = []
    for batch_size in (None, 64):
        rec = Recorder(
            net, x, y, layers=["1", "2"], online=online, batch_size=batch_size, subsample=100
        )
        for epoch in range(2):
            rec.capture(epoch)
        tables.append(rec.online.to_frame(rec.layers))
    pd.testing.assert_frame_equal(tables[0], tables[1], check_exact=True)
    stated = json.loads(tables[1][tables[1]["estimator"] == "kde_upper"]["params"].iloc[0])
    assert stated == {"n_samples": 100, "n_eval": 300, "subsample_seed": 0}


FAST = {
    "mine": {"n_steps": 20},
    "nwj": {"n_steps": 20},
    "infonce": {"n_steps": 20},
    "binning_adaptive": {"scope": "layer"},
    "kde_upper": {"n_eval": 32},
    "kde_lower": {"n_eval": 32},
    "sample_propagation": {"n_eval": 32},
    "ksg": {"n_eval": 32},
    "gaussian_dropout": {"n_eval": 32},
}


@pytest.mark.parametrize("name", sorted(available_estimators()))
def test_every_estimator_streams_on_its_subsample(name: str) -> None:
    rng = np.random.default_rng(2)
    t = np.tanh(rng.standard_normal((1, 240, 3))).astype(np.float32)
    labels = rng.integers(0, 2, 240)
    cfg = EstimatorConfig(name=name, params=FAST.get(name, {}))
    s, (i_xt, i_ty, flags) = stream_epoch(cfg, t, labels, rows=50, subsample=120)
    rows = s.rows if name != "binning" else np.arange(240)
    est = make_estimator(name, **FAST.get(name, {}))
    x, y = est.information_plane(t[:, None, rows], labels[rows])
    np.testing.assert_array_equal(i_xt, x[:, 0])
    np.testing.assert_array_equal(i_ty, y[:, 0])
    assert flags.shape == (1,) and len(rows) == (240 if name == "binning" else 120)
