"""The plug-in binning estimator against hand-computed values (Shwartz-Ziv & Tishby 2017)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infoplane.data import twelve_bit_inputs, twelve_bit_labels
from infoplane.estimators import BinningEstimator, binning_information_plane, make_estimator
from infoplane.estimators.binning import BinningRangeWarning, entropy_of_keys, row_keys
from infoplane.interface import InfoplaneError

H_Y = 0.9991571208  # bits, the 12-bit labels (2118 ones of 4096)


def test_identity_layer_on_12bit_task_gives_12_bits_and_h_y() -> None:
    x, y = twelve_bit_inputs(), twelve_bit_labels()
    i_xt, i_ty = binning_information_plane(x, y)
    assert i_xt == pytest.approx(12.0, abs=1e-9)
    assert i_ty == pytest.approx(H_Y, abs=1e-9)


def test_constant_layer_gives_zero_and_zero() -> None:
    i_xt, i_ty = binning_information_plane(np.full((4096, 3), 0.3), twelve_bit_labels())
    assert i_xt == pytest.approx(0.0, abs=1e-12) and i_ty == pytest.approx(0.0, abs=1e-12)


def test_two_cluster_map_by_hand() -> None:
    # 8 inputs; T puts inputs {0..5} in one bin and {6, 7} in another: H(T) = h(1/4) bits.
    t = np.array([0.1] * 6 + [0.9] * 2)[:, None]
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    i_xt, i_ty = binning_information_plane(t, y, n_bins=2, range=(0, 1))
    h = lambda p: -p * np.log2(p) - (1 - p) * np.log2(1 - p)  # noqa: E731
    assert i_xt == pytest.approx(h(0.25), abs=1e-12)
    # H(T|Y=0) = 0 (all in bin 0); H(T|Y=1) = h(1/2) = 1; I(T;Y) = h(1/4) - 0.5 * 1
    assert i_ty == pytest.approx(h(0.25) - 0.5, abs=1e-12)


def test_batched_equals_one_at_a_time_and_matches_numpy_unique() -> None:
    rng = np.random.default_rng(0)
    t = np.tanh(rng.normal(size=(3, 4, 256, 5)) * 2)
    y = rng.integers(0, 3, size=256)
    i_xt, i_ty = binning_information_plane(t, y, n_bins=7)
    assert i_xt.shape == (3, 4)
    for a in range(3):
        for b in range(4):
            one = binning_information_plane(t[a, b], y, n_bins=7)
            assert (i_xt[a, b], i_ty[a, b]) == pytest.approx(one, abs=1e-12)
            codes = np.minimum(np.floor((t[a, b] + 1) / (2 / 7)), 6)
            _, counts = np.unique(codes, axis=0, return_counts=True)
            p = counts / counts.sum()
            assert i_xt[a, b] == pytest.approx(-(p * np.log2(p)).sum(), abs=1e-12)


def test_fixed_width_is_anchored_at_zero_like_saxe() -> None:
    t = np.array([[0.01], [0.06], [0.08], [-0.01]])
    # floor(t / 0.07): 0, 0, 1, -1 -> three states with p = 1/2, 1/4, 1/4 -> 1.5 bits
    i_xt, _ = binning_information_plane(t, np.array([0, 1, 0, 1]), n_bins=None, bin_width=0.07)
    assert i_xt == pytest.approx(1.5)


def test_values_outside_fixed_range_warn_and_are_not_clipped() -> None:
    t = np.array([[0.5], [2.0], [3.0], [-0.5]])
    with pytest.warns(BinningRangeWarning, match="outside"):
        i_xt, _ = binning_information_plane(t, np.array([0, 1, 0, 1]), n_bins=2)
    assert i_xt == pytest.approx(2.0)  # clipping would merge 2.0 and 3.0 into one bin (1.5 bits)
    with pytest.raises(InfoplaneError, match="outside"):
        binning_information_plane(t, np.array([0, 1, 0, 1]), n_bins=2, out_of_range="error")


def test_data_range_uses_min_max_over_the_whole_batch() -> None:
    t = np.stack([np.linspace(0, 1, 8)[:, None], np.linspace(0, 10, 8)[:, None]])
    i_xt, _ = binning_information_plane(t, np.zeros(8, int), n_bins=2, range="data")
    # range [0, 10] for both: first member falls in one bin (0 bits), second in two (1 bit)
    assert i_xt == pytest.approx([0.0, 1.0])


def test_saturated_upper_edge_is_inside_the_range() -> None:
    t = np.array([[1.0], [0.99], [-1.0], [-0.99]])
    i_xt, _ = binning_information_plane(t, np.array([0, 0, 1, 1]), n_bins=2)
    assert i_xt == pytest.approx(1.0)


def test_estimate_general_plug_in_with_discrete_x() -> None:
    est = BinningEstimator(n_bins=2, range=(0, 1))
    x = np.array([0, 1, 2, 3, 0, 1, 2, 3])
    t = np.array([0.1, 0.1, 0.9, 0.9, 0.1, 0.1, 0.9, 0.9])
    res = est.estimate(x, t)
    assert res.value == pytest.approx(1.0) and res.unit == "bits"
    assert res.params["n_bins"] == 2 and res.estimator == "binning"
    assert make_estimator("binning", unit="nats").estimate(x, t).value == pytest.approx(np.log(2))


def test_row_keys_hash_path_distinguishes_rows() -> None:
    rng = np.random.default_rng(1)
    codes = rng.integers(0, 30, size=(1000, 64))  # 30^64 does not fit in 63 bits -> hash path
    codes[500:] = codes[:500]
    keys = row_keys(codes)
    assert len(np.unique(keys)) == 500
    assert entropy_of_keys(keys) == pytest.approx(np.log(500))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_bins": 1}, "n_bins"),
        ({"n_bins": None}, "exactly one"),
        ({"bin_width": -0.1, "n_bins": None}, "bin_width"),
        ({"range": (1, 0)}, "range"),
        ({"unit": "shannons"}, "unit"),
    ],
)
def test_bad_parameters_are_named(kwargs: dict, match: str) -> None:
    with pytest.raises(InfoplaneError, match=match):
        BinningEstimator(**kwargs)


def test_bad_data_is_named() -> None:
    y = np.array([0, 1])
    with pytest.raises(InfoplaneError, match="NaN"):
        binning_information_plane(np.array([[np.nan], [0.0]]), y)
    with pytest.raises(InfoplaneError, match="labels"):
        binning_information_plane(np.zeros((3, 1)), y)
    with pytest.raises(InfoplaneError, match="at least 2"):
        binning_information_plane(np.zeros((1, 1)), y[:1])
    with pytest.raises(InfoplaneError, match="integer class"):
        binning_information_plane(np.zeros((2, 1)), np.array([0.5, 1.0]))


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(2, 60),
    d=st.integers(1, 4),
    n_bins=st.integers(2, 12),
    seed=st.integers(0, 2**16),
)
def test_properties_bounds_and_permutation_invariance(
    n: int, d: int, n_bins: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    t = rng.uniform(-1, 1, size=(n, d))
    y = rng.integers(0, 3, size=n)
    i_xt, i_ty = binning_information_plane(t, y, n_bins=n_bins)
    h_y = -sum(p * np.log2(p) for p in np.bincount(y)[np.bincount(y) > 0] / n)
    assert 0 <= i_ty <= min(i_xt, h_y) + 1e-9
    assert i_xt <= np.log2(n) + 1e-9
    perm = rng.permutation(n)
    assert binning_information_plane(t[perm], y[perm], n_bins=n_bins) == pytest.approx((i_xt, i_ty))
    # Data processing: a coarser grid (merging pairs of bins) cannot increase I(X;T).
    if n_bins % 2 == 0 and n_bins >= 4:
        coarse, _ = binning_information_plane(t, y, n_bins=n_bins // 2)
        assert coarse <= i_xt + 1e-9


# -- the bin grid: n_bins and bin_width are mutually exclusive (issue 11) ----------------------------
def test_bin_width_alone_sets_a_fixed_width_grid() -> None:
    t = np.array([[0.01], [0.06], [0.08], [-0.01]])
    est = BinningEstimator(bin_width=0.07)
    assert est.n_bins is None and est.bin_width == 0.07
    i_xt, _ = est.information_plane(t, np.array([0, 1, 0, 1]))
    assert i_xt == pytest.approx(1.5, abs=1e-12)  # floor(t / 0.07): 0, 0, 1, -1


def test_explicit_n_bins_with_bin_width_is_refused_not_silently_dropped() -> None:
    # Before: an explicit n_bins=30 next to bin_width was dropped without a word (a sentinel).
    for n_bins in (30, 10):
        with pytest.raises(InfoplaneError, match="mutually exclusive"):
            BinningEstimator(n_bins=n_bins, bin_width=0.07)
        with pytest.raises(InfoplaneError, match="mutually exclusive"):
            make_estimator("binning", n_bins=n_bins, bin_width=0.07)


def test_explicit_n_bins_30_and_the_default_are_the_same_30_bins_on_minus_one_one() -> None:
    t = np.tanh(np.random.default_rng(3).normal(size=(512, 2)))
    y = np.arange(512) % 2
    default = BinningEstimator()
    explicit = BinningEstimator(n_bins=30, bin_width=None)
    assert default.get_params() == explicit.get_params()
    assert default.n_bins == 30 and tuple(default.range) == (-1.0, 1.0)
    codes = np.minimum(np.floor((t + 1) / (2 / 30)), 29)
    _, counts = np.unique(codes, axis=0, return_counts=True)
    p = counts / counts.sum()
    assert explicit.information_plane(t, y)[0] == pytest.approx(-(p * np.log2(p)).sum(), abs=1e-12)


def test_resolve_bins_is_the_one_rule() -> None:
    from infoplane.estimators.binning import resolve_bins

    assert resolve_bins(n_bins_given=False) == (30, None)
    assert resolve_bins(None, 0.07, n_bins_given=False) == (None, 0.07)
    assert resolve_bins(12, None) == (12, None)
    assert resolve_bins(None, 0.5) == (None, 0.5)
    with pytest.raises(InfoplaneError, match="mutually exclusive"):
        resolve_bins(30, 0.07)
    with pytest.raises(InfoplaneError, match="exactly one"):
        resolve_bins(None, None)
