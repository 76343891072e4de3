"""Geometric diagnostics on constructed activations with known answers (Geiger 2021)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from infoplane.analysis.diagnostics import (
    DIAGNOSTIC_COLUMNS,
    activation_bounds,
    binning_grid_from_config,
    class_separation,
    compute_diagnostics,
    count_binned_states,
    diagnostic_correlations,
    saturation_fraction,
    variance_profile,
)
from infoplane.interface import InfoplaneError

RNG = np.random.default_rng(0)


def test_all_saturated_tanh() -> None:
    t = np.sign(RNG.standard_normal((3, 200, 4)))  # every value at +-1
    np.testing.assert_array_equal(saturation_fraction(t, (-1.0, 1.0)), np.ones(3))
    df = compute_diagnostics({"l": t}, np.arange(200) % 2, [0, 1, 2], activation="tanh")
    assert (df["saturation"] == 1.0).all()
    assert (df["n_states"] <= 2**4).all()  # one state per sign pattern


def test_saturation_threshold_and_sigmoid_bounds() -> None:
    t = np.array([[0.0, 0.96], [-0.94, 0.999]])
    assert saturation_fraction(t, (-1.0, 1.0)) == pytest.approx(0.5)  # default 0.95
    assert saturation_fraction(t, (-1.0, 1.0), threshold=0.99) == pytest.approx(0.25)
    s = np.array([[0.01, 0.5], [0.99, 0.7]])  # sigmoid: 0.01 and 0.99 are near a bound
    assert saturation_fraction(s, activation_bounds("sigmoid")) == pytest.approx(0.5)
    assert activation_bounds("relu") is None
    with pytest.raises(InfoplaneError, match="saturation_threshold"):
        saturation_fraction(t, (-1.0, 1.0), threshold=1.5)


def test_two_tight_clusters() -> None:
    n = 400
    labels = np.arange(n) % 2
    centre = np.where(labels[:, None] == 0, -0.5, 0.5) * np.ones((n, 3))
    t = centre + 1e-4 * RNG.standard_normal((n, 3))
    sep = class_separation(t, labels)
    assert sep > 1e6  # between-class scatter 0.75, within-class 3e-8
    assert count_binned_states(t, n_bins=30, range=(-1, 1)) == 2
    tv, share = variance_profile(t, top_k=1)
    assert tv == pytest.approx(0.75, rel=1e-3)  # 3 units x 0.5^2
    assert share == pytest.approx(1.0, abs=1e-6)  # all variance along (1, 1, 1)
    # collapsed classes: within-class scatter 0, separation infinite
    assert np.isinf(class_separation(centre, labels))


def test_isotropic_gaussian() -> None:
    d, n, sigma = 5, 20000, 0.3
    t = sigma * RNG.standard_normal((n, d))
    tv, share = variance_profile(t, top_k=1)
    assert tv == pytest.approx(d * sigma**2, rel=0.03)
    assert share == pytest.approx(1 / d, abs=0.02)
    _, share2 = variance_profile(t, top_k=2)
    assert share2 == pytest.approx(2 / d, abs=0.03)
    labels = RNG.integers(0, 2, n)  # labels independent of T: no separation
    assert class_separation(t, labels) < 1e-3
    df = compute_diagnostics({"relu": t[None, None]}, labels, [7], activation="relu", range="data")
    assert np.isnan(df["saturation"]).all()  # unbounded: no saturation
    assert df["epoch"].tolist() == [7]


def test_top_pc_share_matches_sklearn_pca() -> None:
    from sklearn.decomposition import PCA

    t = RNG.standard_normal((500, 4)) @ RNG.standard_normal((4, 4))
    _, share = variance_profile(t, top_k=2)
    ref = PCA(n_components=4).fit(t).explained_variance_ratio_[:2].sum()
    assert share == pytest.approx(ref, rel=1e-9)


def test_n_states_matches_unique_rows_and_bounds_binning() -> None:
    from infoplane.estimators import make_estimator

    t = np.tanh(2 * RNG.standard_normal((2, 3, 300, 3)))
    labels = np.arange(300) % 2
    n = count_binned_states(t, n_bins=8, range=(-1, 1))
    codes = np.minimum(np.floor((t + 1) / 0.25), 7)
    ref = np.array([[len(np.unique(codes[r, e], axis=0)) for e in range(3)] for r in range(2)])
    np.testing.assert_array_equal(n, ref)
    i_xt, _ = make_estimator("binning", n_bins=8, range=(-1, 1)).information_plane(t, labels)
    assert (i_xt <= np.log2(n) + 1e-9).all()


def test_batched_equals_unbatched_and_chunking() -> None:
    acts = {
        "a": np.tanh(3 * RNG.standard_normal((2, 5, 120, 3))),
        "b.softmax": RNG.random((2, 5, 120, 2)),
    }
    labels = np.arange(120) % 3
    epochs = [0, 1, 2, 5, 9]
    full = compute_diagnostics(acts, labels, epochs, activation="tanh", chunk_epochs=2)
    one = compute_diagnostics(
        {k: v[1, 3][None, None] for k, v in acts.items()}, labels, [5], activation="tanh"
    )
    sel = full[(full["repeat"] == 1) & (full["epoch"] == 5)].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        sel[list(DIAGNOSTIC_COLUMNS)], one[list(DIAGNOSTIC_COLUMNS)], check_exact=False
    )
    assert list(full.columns) == ["repeat", "epoch", "layer", "layer_name", *DIAGNOSTIC_COLUMNS]
    assert len(full) == 2 * 5 * 2
    # the softmax layer is bounded in [0, 1] even for a relu network
    relu = compute_diagnostics(acts, labels, epochs, activation="relu", range="data")
    assert relu.loc[relu["layer"] == 2, "saturation"].notna().all()
    assert relu.loc[relu["layer"] == 1, "saturation"].isna().all()
    # 3-D input (no repeat axis) is one repetition
    three = compute_diagnostics({"a": acts["a"][0]}, labels, epochs, activation="tanh")
    assert three["repeat"].unique().tolist() == [0]


def test_errors_name_the_argument() -> None:
    t = RNG.random((1, 2, 10, 3))
    with pytest.raises(InfoplaneError, match="labels"):
        compute_diagnostics({"a": t}, np.arange(9), [0, 1], activation="tanh")
    with pytest.raises(InfoplaneError, match="epochs"):
        compute_diagnostics({"a": t}, np.arange(10), [0], activation="tanh")
    with pytest.raises(InfoplaneError, match="shape"):
        compute_diagnostics({"a": t[0, 0]}, np.arange(10), [0], activation="tanh")
    with pytest.raises(InfoplaneError, match="empty"):
        compute_diagnostics({}, np.arange(10), [0], activation="tanh")
    with pytest.raises(InfoplaneError, match="NaN"):
        bad = t.copy()
        bad[0, 0, 0, 0] = np.nan
        compute_diagnostics({"a": bad}, np.arange(10), [0, 1], activation="tanh")


def test_diagnostic_correlations_sign() -> None:
    epochs = np.arange(10)
    sat = np.linspace(0, 0.9, 10)
    i_xt = np.r_[np.linspace(5, 8, 4), 8 - 3 * sat[4:]]  # rise, then fall as saturation rises
    diag = pd.DataFrame(
        {
            "repeat": 0,
            "epoch": epochs,
            "layer": 1,
            "layer_name": "l1",
            "saturation": sat,
            "total_variance": 1.0,
            "top_pc_share": 0.5,
            "class_separation": sat,
            "n_states": (2**i_xt).round(),
        }
    )
    plane = pd.DataFrame(
        {
            "repeat": 0,
            "epoch": epochs,
            "layer": 1,
            "estimator": "binning",
            "i_xt": i_xt,
            "i_ty": 0.5,
        }
    )
    c = diagnostic_correlations(diag, plane).set_index(["window", "diagnostic"])["correlation"]
    assert c[("after_peak", "saturation")] == pytest.approx(-1.0)
    assert c[("all", "n_states")] == pytest.approx(1.0)
    assert np.isnan(c[("all", "total_variance")])  # constant curve
    with pytest.raises(InfoplaneError, match="method"):
        diagnostic_correlations(diag, plane, method="kendall")


def test_binning_grid_from_config() -> None:
    cfg = {
        "model": {"activation": "relu"},
        "estimators": [{"name": "binning", "params": {"range": "data"}}],
    }
    assert binning_grid_from_config(cfg) == {"n_bins": 30, "range": "data", "bin_width": None}
    cfg = {
        "model": {"activation": "tanh"},
        "estimators": [{"name": "binning", "params": {"bin_width": 0.07}}],
    }
    assert binning_grid_from_config(cfg)["n_bins"] is None
    assert binning_grid_from_config({"model": {"activation": "tanh"}})["range"] == (-1.0, 1.0)


def _store(tmp_path, names=("h1", "h2"), repeats=2, epochs=(0, 1, 5, 20)):
    from infoplane.storage.activations import ActivationStore

    rng = np.random.default_rng(3)
    labels = np.arange(40) % 3
    store = ActivationStore.create(
        tmp_path / "activations.zarr", dict.fromkeys(names, 4), n_repeats=repeats,
        labels=labels, epochs=list(epochs),
    )  # fmt: skip
    acts = {n: [] for n in names}
    for k, e in enumerate(epochs):
        layer = {n: np.tanh(rng.normal(size=(repeats, 40, 4)) * (1 + k) * (j + 1))
                 for j, n in enumerate(names)}  # fmt: skip
        store.write_epoch(int(e), layer)
        for n in names:
            acts[n].append(layer[n].astype(np.float32))
    whole = {n: np.stack(v, axis=1) for n, v in acts.items()}  # (R, E, n, d)
    return store, whole, labels, np.asarray(epochs)


@pytest.mark.parametrize(
    "grid",
    [
        {"n_bins": 30, "range": (-1.0, 1.0), "bin_width": None},
        {"n_bins": 7, "range": "data", "bin_width": None},
        {"n_bins": None, "range": "data", "bin_width": 0.25},
    ],
)
def test_diagnostics_from_store_chunked_equals_whole(tmp_path, grid) -> None:
    """Reading one epoch at a time gives the numbers of the whole store in memory."""
    from infoplane.analysis.diagnostics import diagnostics_from_store

    store, whole, labels, epochs = _store(tmp_path)
    one_epoch = 2 * 40 * 4 * 4  # float32 bytes of one epoch of one layer
    chunked = diagnostics_from_store(store, activation="tanh", grid=grid, max_bytes=one_epoch)
    at_once = diagnostics_from_store(store, activation="tanh", grid=grid)
    reference = compute_diagnostics(whole, labels, epochs, activation="tanh", **grid)
    key = ["layer", "repeat", "epoch"]
    for got in (chunked, at_once):
        got = got.sort_values(key, ignore_index=True)
        want = reference.sort_values(key, ignore_index=True)
        pd.testing.assert_frame_equal(got[want.columns], want, check_dtype=False)
    assert set(chunked["layer_name"]) == {"h1", "h2"} and len(chunked) == 2 * 2 * len(epochs)


def test_diagnostics_from_store_data_range_is_the_whole_run(tmp_path) -> None:
    """range="data": one range per layer over all epochs, so early epochs use the late range."""
    from infoplane.analysis.diagnostics import diagnostics_from_store

    store, whole, _, _ = _store(tmp_path, names=("h1",))
    grid = {"n_bins": 4, "range": "data", "bin_width": None}
    got = diagnostics_from_store(store, activation="tanh", grid=grid, max_bytes=1)
    lo, hi = float(whole["h1"].min()), float(whole["h1"].max())
    first = count_binned_states(whole["h1"][:, :1], n_bins=4, range=(lo, hi))
    np.testing.assert_array_equal(got[got["epoch"] == 0]["n_states"].to_numpy(), first[:, 0])


def test_diagnostics_from_store_errors(tmp_path) -> None:
    from infoplane.analysis.diagnostics import diagnostics_from_store
    from infoplane.storage.activations import ActivationStore

    empty = ActivationStore.create(
        tmp_path / "e.zarr", {"h": 2}, n_repeats=1, labels=np.array([0, 1]), epochs=[0, 1]
    )
    grid = {"n_bins": 30, "range": (-1.0, 1.0), "bin_width": None}
    with pytest.raises(InfoplaneError, match="no complete epoch") as info:
        diagnostics_from_store(empty, activation="tanh", grid=grid)
    assert "e.zarr" in str(info.value)
    with pytest.raises(InfoplaneError, match="grid lacks"):
        diagnostics_from_store(empty, activation="tanh", grid={"n_bins": 30})


def test_explicit_n_bins_is_never_dropped() -> None:
    """n_bins=30 with a bin_width is a conflict (an error), not silently ignored; the default
    is 30 bins only without a bin width."""
    t = np.tanh(np.random.default_rng(1).normal(size=(100, 2)))
    with pytest.raises(InfoplaneError, match="mutually exclusive"):
        count_binned_states(t, n_bins=30, bin_width=0.5)
    with pytest.raises(InfoplaneError, match="mutually exclusive"):
        compute_diagnostics({"h": t[None, None]}, np.arange(100) % 2, [0], activation="tanh",
                            n_bins=30, bin_width=0.5)  # fmt: skip
    width = count_binned_states(t, bin_width=0.5)  # anchored at 0: at most 4 x 4 states
    assert width == len({tuple(r) for r in np.floor(t / 0.5).astype(int)})
    assert count_binned_states(t) == count_binned_states(t, n_bins=30, range=(-1.0, 1.0))


# --- issue 15: the one-pass block kernel gives the numbers of the reference functions ---------


def _reference_rows(t: np.ndarray, labels: np.ndarray, bounds, grid) -> dict[str, np.ndarray]:
    """The diagnostics by the public one-quantity functions (the path before issue 15)."""
    from infoplane.estimators.binning import bin_edges_grid, discretize, row_keys

    x = np.asarray(t, dtype=np.float64)
    tv, share = variance_profile(x)
    anchor, width = bin_edges_grid(n_bins=grid["n_bins"], bin_width=None,
                                   value_range=grid["range"], data=x)  # fmt: skip
    keys = np.sort(row_keys(discretize(x, anchor, width, upper=anchor + width * grid["n_bins"])))
    return {
        "saturation": saturation_fraction(x, bounds) if bounds else np.full(x.shape[:-2], np.nan),
        "total_variance": tv,
        "top_pc_share": share,
        "class_separation": class_separation(x, labels),
        "n_states": 1 + (keys[..., 1:] != keys[..., :-1]).sum(axis=-1),
    }


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_block_kernel_equals_the_reference_functions(activation: str) -> None:
    rng = np.random.default_rng(5)
    z = rng.normal(size=(2, 5, 300, 4)) * np.array([0.5, 2.0, 4.0, 8.0, 30.0])[None, :, None, None]
    t = {"tanh": np.tanh(z), "sigmoid": 1 / (1 + np.exp(-z)), "relu": np.maximum(z, 0)}[activation]
    t = t.astype(np.float32)
    labels = rng.integers(0, 3, size=300)
    # values exactly at and next to the saturation cuts of float32
    lo, hi = activation_bounds(activation) or (-1.0, 1.0)
    for edge in (lo + 0.025 * (hi - lo), hi - 0.025 * (hi - lo)):
        e = np.float32(edge)
        t[0, 0, :5, 0] = [
            np.nextafter(e, np.float32(-9)),
            e,
            np.nextafter(e, np.float32(9)),
            lo,
            hi,
        ]
    rng_grid = (-1.0, 1.0) if activation != "relu" else (0.0, float(t.max()))
    grid = {"n_bins": 30, "range": rng_grid, "bin_width": None}
    df = compute_diagnostics({"h": t}, labels, np.arange(5), activation=activation, **grid)
    ref = _reference_rows(t, labels, activation_bounds(activation), grid)
    for col in DIAGNOSTIC_COLUMNS:
        got = df[col].to_numpy(dtype=float).reshape(2, 5)
        if col in ("saturation", "n_states"):  # counts: exactly the same
            np.testing.assert_array_equal(got, ref[col].astype(float), err_msg=col)
        else:
            np.testing.assert_allclose(got, ref[col], rtol=1e-12, atol=0, err_msg=col)


def test_block_kernel_keeps_inf_separation_of_collapsed_classes() -> None:
    # each class collapses to one point: tr S_W = 0 exactly, so the ratio is inf (not a rounding
    # residue of tr Cov - tr S_B)
    labels = np.arange(64) % 2
    t = np.where(labels[:, None] == 1, 0.3, -0.7) * np.ones((1, 1, 64, 3))
    df = compute_diagnostics({"h": t.astype(np.float32)}, labels, [0], activation="tanh")
    assert np.isinf(df["class_separation"].iloc[0])
    assert df["n_states"].iloc[0] == 2


def test_n_states_fast_path_outside_the_grid_falls_back() -> None:
    # values beyond the fixed range use the extra bins of discretize (not the clipped fast path)
    t = np.array([[[-1.5], [-1.0], [0.0], [1.0], [1.2], [2.4]]])  # codes -1, 0, 1, 1, 2, 3
    assert count_binned_states(t, n_bins=2, range=(-1.0, 1.0)).tolist() == [5]
    assert count_binned_states(t[:, 1:4], n_bins=2, range=(-1.0, 1.0)).tolist() == [2]


def _unique_rows(codes: np.ndarray) -> np.ndarray:
    """Distinct rows per leading index, counted one by one (an independent route)."""
    lead = codes.shape[:-2]
    flat = codes.reshape(-1, *codes.shape[-2:])
    return np.array([len(np.unique(c, axis=0)) for c in flat]).reshape(lead)


def test_block_kernel_n_states_outside_the_grid_and_for_wide_layers() -> None:
    """The kernel's exact-key route hands values outside a fixed grid, and rows too wide for an
    exact float64 key (12 units x log2(30) bits > 52), to the general route: same counts."""
    rng = np.random.default_rng(3)
    labels = np.arange(200) % 2
    t = rng.normal(scale=1.5, size=(2, 3, 200, 4)).astype(np.float32)  # beyond [-1, 1]
    df = compute_diagnostics({"h": t}, labels, [0, 1, 2], activation="relu", n_bins=4,
                             range=(-1.0, 1.0))  # fmt: skip
    # discretize's extra bins beyond the range: codes floor((t + 1) / 0.5), unclipped below
    # -1 and above 1 (1.0 itself is in the last bin)
    x = t.astype(np.float64)
    codes = np.floor((x + 1.0) / 0.5)
    codes = np.where(x == 1.0, 3.0, codes)
    np.testing.assert_array_equal(df["n_states"].to_numpy().reshape(2, 3), _unique_rows(codes))
    wide = np.tanh(rng.normal(size=(1, 2, 300, 12)) * 0.3).astype(np.float32)
    df = compute_diagnostics({"h": wide}, np.arange(300) % 2, [0, 1], activation="tanh")
    codes = np.clip(np.floor((wide.astype(np.float64) + 1.0) / (2.0 / 30)), 0, 29)
    np.testing.assert_array_equal(df["n_states"].to_numpy(), _unique_rows(codes)[0])


def test_read_ahead_keeps_the_order_and_raises_the_readers_error() -> None:
    from infoplane.analysis.diagnostics import _read_ahead
    from infoplane.interface import InfoplaneRuntimeError

    assert list(_read_ahead(iter(range(5)))) == [0, 1, 2, 3, 4]
    assert list(_read_ahead(iter([]))) == []

    def damaged():
        yield "chunk 0"
        raise InfoplaneRuntimeError("chunk 1 is damaged")

    items = _read_ahead(damaged())
    assert next(items) == "chunk 0"
    with pytest.raises(InfoplaneRuntimeError, match="damaged"):
        next(items)


def test_rank_correlation_matches_scipy() -> None:
    from scipy.stats import rankdata, spearmanr

    from infoplane.analysis.diagnostics import _correlation, _rank

    rng = np.random.default_rng(2)
    for a in (rng.normal(size=40), rng.integers(0, 4, size=40).astype(float), np.ones(3)):
        np.testing.assert_array_equal(_rank(a), rankdata(a))
    a, b = rng.integers(0, 6, size=50).astype(float), rng.normal(size=50)
    assert _correlation(a, b, "spearman") == pytest.approx(spearmanr(a, b).statistic, abs=1e-12)
