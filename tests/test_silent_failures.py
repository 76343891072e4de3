"""Silent failures of issue 12, section 3: each test failed on the code before the fix.

- the noisy-layer estimators (kde_upper, kde_lower, sample_propagation) returned H(Y+Z) - H(Z) for
  two continuous arrays instead of refusing;
- the subsampling interval was rescaled by sqrt(m/n) instead of sqrt(m/(n-m)) (1/sqrt(2) too
  narrow at m = n/2);
- a value equal to the top of a binning range got a phantom bin ``n_bins``;
- the ``tishby2017`` preset used 30 bins where IDNNs' ``np.linspace(-1, 1, 30)`` edges give 29.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from infoplane.estimators import bootstrap_estimate, make_estimator
from infoplane.estimators.binning import BinningRangeWarning, discretize
from infoplane.interface import InfoplaneError, MIResult
from infoplane.run.config import preset_dict

NOISY = ("kde_upper", "kde_lower", "sample_propagation", "gaussian_dropout")


def _gaussian_pair(n: int, rho: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    return x, rho * x + math.sqrt(1 - rho**2) * rng.standard_normal(n)


# --- 1. noisy-layer estimators refuse two continuous arrays ---------------------------------------


@pytest.mark.parametrize("name", NOISY)
def test_noisy_layer_estimators_refuse_two_continuous_arrays(name: str) -> None:
    x, y = _gaussian_pair(300, 0.9, 0)  # I(X;Y) = 1.20 bits; the old code gave ~5.7 bits
    est = make_estimator(name, n_eval=None)
    with pytest.raises(InfoplaneError, match="discrete") as info:
        est.estimate(x, y)
    assert "ksg" in str(info.value) and "gaussian" in str(info.value)
    with pytest.raises(InfoplaneError, match="discrete"):
        est.estimate(y[:, None], np.stack([x, y], axis=1))


@pytest.mark.parametrize("name", NOISY)
def test_noisy_layer_estimators_still_take_a_discrete_variable(name: str) -> None:
    # Two far-apart clusters indexed by an integer label: I(label; T+Z) = 1 bit, either order.
    t = np.repeat([0.0, 10.0], 50)
    label = np.repeat([0, 1], 50)
    est = make_estimator(name, n_eval=None, dtype="float64")
    assert est.estimate(label, t).value == pytest.approx(1.0, abs=1e-3)
    assert est.estimate(t, label).value == pytest.approx(1.0, abs=1e-3)


# --- 2. interval scaling --------------------------------------------------------------------------


class _MeanEstimator:
    """A stand-in estimator whose value is the mean of x: its sampling sd is s / sqrt(n)."""

    bootstrap_resample = "subsample"

    def estimate(self, x: np.ndarray, y: np.ndarray) -> MIResult:
        return MIResult(float(np.mean(x)), "bits", "mean", {}, n_samples=x.shape[0])


def _mean_case(n: int = 400) -> tuple[np.ndarray, float]:
    x = np.random.default_rng(3).exponential(size=n)
    return x, float(x.std(ddof=1) / math.sqrt(n))


def test_subsample_interval_has_the_finite_population_correction() -> None:
    # Known answer: for the mean, Var(mean of m of n without replacement - full mean) =
    # s^2 (1/m - 1/n), so sqrt(m/(n-m)) rescales the roots to s^2/n and the 95% interval
    # is about mean +- 1.96 s / sqrt(n). The old sqrt(m/n) made it 1/sqrt(2) = 0.71 as wide.
    x, se = _mean_case()
    for frac in (0.5, 0.25, 0.8):
        r = bootstrap_estimate(_MeanEstimator(), x, x, n_boot=4000, subsample_fraction=frac, seed=1)
        lo, hi = r.ci
        assert (hi - lo) / (2 * 1.959964 * se) == pytest.approx(1.0, abs=0.08), frac
        assert (lo + hi) / 2 == pytest.approx(r.value, abs=0.15 * se)
        assert r.extra["resample"] == "subsample" and r.extra["method"] == "normal"
        basic = bootstrap_estimate(
            _MeanEstimator(), x, x, n_boot=4000, subsample_fraction=frac, seed=1, method="basic"
        )
        lo, hi = basic.ci
        assert (hi - lo) / (2 * 1.959964 * se) == pytest.approx(1.0, abs=0.08), frac


@pytest.mark.parametrize("method", ["bca", "basic", "percentile", "normal"])
def test_bootstrap_interval_methods_match_normal_theory_for_the_mean(method: str) -> None:
    x, se = _mean_case()
    r = bootstrap_estimate(
        _MeanEstimator(), x, x, n_boot=4000, resample="bootstrap", method=method, seed=2
    )
    lo, hi = r.ci
    assert (hi - lo) / (2 * 1.959964 * se) == pytest.approx(1.0, abs=0.08)
    assert lo < r.value < hi
    assert r.extra["method"] == method


def test_subsample_fraction_leaving_no_rows_is_refused() -> None:
    x = np.arange(10.0)
    with pytest.raises(InfoplaneError, match="subsample_fraction"):
        bootstrap_estimate(_MeanEstimator(), x, x, subsample_fraction=0.99)
    with pytest.raises(InfoplaneError, match="method"):
        bootstrap_estimate(_MeanEstimator(), x, x, method="studentized")
    with pytest.raises(InfoplaneError, match="resample='bootstrap'"):
        bootstrap_estimate(_MeanEstimator(), x, x, resample="subsample", method="bca")


@pytest.mark.slow
@pytest.mark.parametrize("name", ["ksg", "binning"])
def test_default_interval_coverage_at_least_090(name: str) -> None:
    # 100 Gaussian data sets at n = 500: coverage of the nominal 95% interval (se ~0.02).
    params = {"n_bins": 8, "range": (-4.0, 4.0)} if name == "binning" else {}
    est = make_estimator(name, **params)
    hits = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BinningRangeWarning)
        if name == "binning":  # the MI of the population's binned pair
            xb, yb = _gaussian_pair(2_000_000, 0.8, 10**6)
            truth = est.estimate(xb, yb).value
        else:
            truth = -0.5 * math.log2(1 - 0.8**2)
        for d in range(100):
            x, y = _gaussian_pair(500, 0.8, d)
            lo, hi = bootstrap_estimate(est, x, y, n_boot=100, seed=d).ci
            hits += lo <= truth <= hi
    assert hits / 100 >= 0.88


# --- 3. binning's top edge ------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    lo_milli=st.integers(-10_000, 10_000),
    span_milli=st.integers(1, 20_000),
    n_bins=st.integers(2, 200),
    u=st.floats(0.0, 1.0),
)
@example(lo_milli=-9669, span_milli=16284, n_bins=6, u=0.5)  # failed before the fix
def test_top_of_the_range_is_in_the_last_bin(
    lo_milli: int, span_milli: int, n_bins: int, u: float
) -> None:
    # Ranges with three decimals, as a user writes them: (hi - lo) / n_bins * n_bins + lo is
    # not hi in floating point for many of them.
    lo, hi = lo_milli / 1000, (lo_milli + span_milli) / 1000
    span = hi - lo
    width = (hi - lo) / n_bins
    t = np.array([lo, hi, min(lo + u * (hi - lo), hi), np.nextafter(hi, lo)])
    # Through the estimator: the minimum (bin 0), the maximum and a value inside the last bin are
    # two states, with no out-of-range warning (the old code put the maximum in a phantom bin
    # n_bins and warned that it was outside the range).
    three = np.array([[lo], [hi], [hi - width / 4]])
    h_third = -(1 / 3) * math.log2(1 / 3) - (2 / 3) * math.log2(2 / 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", BinningRangeWarning)
        for rng_spec in ((lo, hi), "data"):
            est = make_estimator("binning", n_bins=n_bins, range=rng_spec)
            i_xt, _ = est.information_plane(three, np.array([0, 1, 1]))
            assert float(i_xt) == pytest.approx(h_third, abs=1e-12)
    codes = discretize(t, lo, width, upper=hi, n_bins=n_bins)
    assert codes.min() >= 0 and codes.max() <= n_bins - 1
    assert codes[0] == 0 and codes[1] == n_bins - 1
    assert discretize(np.array([hi + span]), lo, width, upper=hi, n_bins=n_bins)[0] >= n_bins


# --- 4. the IDNNs binning rule -------------------------------------------------------------------


def _idnns_plane(t: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """(H(T), I(T;Y)) in bits with IDNNs' rule: np.digitize on np.linspace(-1, 1, 30) edges."""
    codes = np.digitize(t, np.linspace(-1, 1, 30)) - 1

    def h(c: np.ndarray) -> float:
        _, counts = np.unique(c, axis=0, return_counts=True)
        p = counts / counts.sum()
        return float(-(p * np.log2(p)).sum())

    h_t = h(codes)
    return h_t, h_t - sum((labels == c).mean() * h(codes[labels == c]) for c in (0, 1))


def test_tishby2017_preset_bins_as_idnns() -> None:
    rng = np.random.default_rng(7)
    t = np.tanh(rng.normal(0.0, 1.5, size=(4096, 2)))  # inside (-1, 1): no saturation to 1.0
    labels = rng.integers(0, 2, 4096)
    spec = preset_dict("tishby2017")["estimators"][0]
    assert spec["name"] == "binning"
    i_xt, i_ty = make_estimator("binning", **spec["params"]).information_plane(t, labels)
    ref_xt, ref_ty = _idnns_plane(t, labels)
    assert float(i_xt) == pytest.approx(ref_xt, abs=1e-9)
    assert float(i_ty) == pytest.approx(ref_ty, abs=1e-9)
    # 30 bins (the old preset) is a different, finer grid: the values differ.
    i30, _ = make_estimator("binning", n_bins=30).information_plane(t, labels)
    assert abs(float(i30) - ref_xt) > 0.01
