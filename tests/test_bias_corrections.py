"""Bias corrections of the binning (plug-in) estimators: Miller-Madow and Grassberger (issue 12),
checked on discrete distributions with a known entropy and mutual information."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import digamma

from infoplane.estimators import make_estimator
from infoplane.estimators.binning import entropy_of_keys, grassberger_g
from infoplane.interface import InfoplaneError


def _bias(keys: np.ndarray, truth: float, correction: str) -> float:
    return float(entropy_of_keys(keys, correction=correction).mean() - truth)


def test_grassberger_g_matches_its_integral_definition() -> None:
    # G(m) = psi(m) + (-1)^m int_0^1 t^(m-1) / (1 + t) dt, by quadrature (an independent route)
    m = np.arange(1, 40)
    ref = [digamma(k) + (-1) ** k * quad(lambda t, k=k: t ** (k - 1) / (1 + t), 0, 1)[0] for k in m]
    np.testing.assert_allclose(grassberger_g(m), ref, rtol=0, atol=1e-12)
    assert grassberger_g(np.array([1]))[0] == pytest.approx(-np.euler_gamma - math.log(2))


def test_uniform_over_1000_symbols_with_500_samples() -> None:
    # the plug-in entropy is biased low by ~1 nat here; each correction must remove part of it
    rng = np.random.default_rng(0)
    keys = rng.integers(0, 1000, (200, 500))
    truth = math.log(1000)
    plug, mm, gr = (_bias(keys, truth, c) for c in ("none", "miller_madow", "grassberger"))
    assert plug == pytest.approx(-1.0, abs=0.05)  # measured -1.005 nats
    assert plug < mm < gr < 0  # both corrections reduce the bias, Grassberger more
    assert abs(mm) < 0.65 and abs(gr) < 0.25  # measured -0.61 and -0.21 nats


def test_well_sampled_distributions_all_agree_and_mm_is_the_first_order_term() -> None:
    rng = np.random.default_rng(1)
    p = np.array([0.5, 0.25, 0.125, 0.125])
    truth = float(-(p * np.log(p)).sum())
    keys = rng.choice(4, size=(400, 200), p=p)
    for c in ("none", "miller_madow", "grassberger"):
        assert abs(_bias(keys, truth, c)) < 0.01, c
    # Miller-Madow is the plug-in plus (K - 1) / 2n, K the occupied symbols per row
    k = np.array([len(np.unique(r)) for r in keys])
    np.testing.assert_allclose(
        entropy_of_keys(keys, correction="miller_madow"), entropy_of_keys(keys) + (k - 1) / 400
    )
    # Miller-Madow's bias is an order smaller than the plug-in's (-3/(2n) = -0.0075 nats)
    assert abs(_bias(keys, truth, "miller_madow")) < abs(_bias(keys, truth, "none")) / 3


@pytest.mark.parametrize(
    ("k", "n", "mm_ratio", "gr_ratio"),
    [(20, 200, 0.75, 0.35), (20, 2000, 0.2, 0.2), (5, 200, 0.5, 0.5)],
)
def test_corrections_reduce_the_upward_bias_of_the_plug_in_mi(
    k: int, n: int, mm_ratio: float, gr_ratio: float
) -> None:
    # independent X, Y uniform over k symbols: true I = 0, the plug-in MI is biased up (about
    # (k - 1)^2 / 2n nats while the joint is well sampled). Measured means over 30 draws: (20, 200)
    # 0.916 / 0.622 / 0.244 nats (plug-in / Miller-Madow / Grassberger: the joint's 400 cells hold
    # 200 samples, Miller-Madow under-corrects), (20, 2000) 0.096 / 0.006 / 0.001, (5, 200)
    # 0.053 / 0.013 / 0.016.
    rng = np.random.default_rng(2)
    values: dict[str, list[float]] = {c: [] for c in ("none", "miller_madow", "grassberger")}
    for _ in range(30):
        x, y = rng.integers(0, k, n), rng.integers(0, k, n)
        for c in values:
            est = make_estimator("binning", bias_correction=c, unit="nats")
            values[c].append(est._mi_nats(x[:, None], y[:, None]))  # raw: not clipped at 0
    plug, mm, gr = (float(np.mean(values[c])) for c in ("none", "miller_madow", "grassberger"))
    assert plug == pytest.approx((k - 1) ** 2 / (2 * n), rel=0.25)  # the plug-in's known bias
    assert abs(mm) < mm_ratio * plug and abs(gr) < gr_ratio * plug


def test_plane_values_are_capped_and_the_option_is_validated() -> None:
    rng = np.random.default_rng(3)
    t = rng.uniform(-1, 1, (2, 64, 3))  # 64 samples, all in distinct bins: I(X;T) = 6 bits
    labels = np.arange(64) % 2
    for c in ("miller_madow", "grassberger"):
        i_xt, i_ty = make_estimator("binning", bias_correction=c).information_plane(t, labels)
        assert np.all(i_xt <= 6.0 + 1e-12) and np.all(i_ty <= 1.0 + 1e-12)
    plain = make_estimator("binning_adaptive", n_bins=4).information_plane(t, labels)
    mm = make_estimator("binning_adaptive", n_bins=4, bias_correction="miller_madow")
    assert np.all(mm.information_plane(t, labels)[0] >= plain[0])
    with pytest.raises(InfoplaneError, match="bias_correction"):
        make_estimator("binning", bias_correction="nsb")
    with pytest.raises(InfoplaneError, match="correction"):
        entropy_of_keys(np.arange(4), correction="nsb")
