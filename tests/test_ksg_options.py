"""KSG options: preprocessing, ensembles over k, ties, conditional MI and the permutation test."""

from __future__ import annotations

import numpy as np
import pytest

from infoplane.estimators import make_estimator
from infoplane.estimators.ksg import KSGEstimator, ksg_cmi, ksg_permutation_test
from infoplane.interface import InfoplaneError


def _pair(n: int = 500, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 2))
    return x, x[:, :1] + 0.5 * rng.standard_normal((n, 1))


def test_defaults_keep_the_values_of_the_previous_release() -> None:
    """Values computed by the code before the options were added (same data, same seed)."""
    x, y = _pair()
    lab = (x[:, 0] > 0).astype(int)
    assert KSGEstimator().estimate(x, y).value == pytest.approx(1.1433715595978122, rel=1e-12)
    assert KSGEstimator(algorithm=2).estimate(x, y).value == pytest.approx(
        1.163711674617809, rel=1e-12
    )
    assert KSGEstimator().estimate(lab, y).value == pytest.approx(0.5593712274922892, rel=1e-12)
    assert KSGEstimator(k=5).estimate(x, lab).value == pytest.approx(0.9396397057262093, rel=1e-12)


def test_rank_preprocess_is_invariant_to_monotone_maps() -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal(800)
    y = 0.8 * x + 0.6 * rng.standard_normal(800)
    est = KSGEstimator(preprocess="rank")
    a = est.estimate(x, y).value
    assert est.estimate(np.exp(x), y**3 + 5 * y).value == a  # same ranks: identical neighbours
    assert a == pytest.approx(-0.5 * np.log2(1 - 0.64), abs=0.08)
    # standardisation is affine-invariant only: the monotone maps change its value
    std = KSGEstimator().estimate(np.exp(x), y**3 + 5 * y).value
    assert std != pytest.approx(a, abs=1e-6)


def test_preprocess_none_depends_on_the_scale_of_each_coordinate() -> None:
    x, y = _pair(1000, seed=2)
    x2 = x * np.array([1.0, 1e3])  # the uninformative coordinate dominates the max-norm
    std = KSGEstimator().estimate(x2, y).value
    raw = KSGEstimator(preprocess="none").estimate(x2, y).value
    assert std == pytest.approx(KSGEstimator().estimate(x, y).value, abs=0.02)
    assert raw < std - 0.3


def test_k_list_is_the_mean_of_the_estimates() -> None:
    x, y = _pair(400, seed=3)
    single = [KSGEstimator(k=k).estimate(x, y).value for k in (2, 4, 8)]
    assert KSGEstimator(k=[2, 4, 8]).estimate(x, y).value == pytest.approx(np.mean(single))
    lab = (x[:, 1] > 0).astype(int)
    single = [KSGEstimator(k=k).estimate(lab, y).value for k in (3, 6)]
    assert KSGEstimator(k=(3, 6)).estimate(lab, y).value == pytest.approx(np.mean(single))
    t = np.tanh(np.random.default_rng(3).standard_normal((2, 64, 3)))
    labels = np.arange(64) % 2
    planes = [make_estimator("ksg", k=k).information_plane(t, labels) for k in (2, 3)]
    both = make_estimator("ksg", k=[2, 3]).information_plane(t, labels)
    np.testing.assert_allclose(both[0], (planes[0][0] + planes[1][0]) / 2)
    np.testing.assert_allclose(both[1], (planes[0][1] + planes[1][1]) / 2)
    for bad in ([], [3, 3], [0, 2], True):
        with pytest.raises(InfoplaneError, match="k="):
            make_estimator("ksg", k=bad)


def test_ties_are_refused_without_jitter_and_flagged_with_it() -> None:
    rng = np.random.default_rng(4)
    x = np.round(rng.standard_normal(500), 1)  # a lattice: many repeated values
    y = x + rng.standard_normal(500)
    with pytest.raises(InfoplaneError, match="jitter"):
        KSGEstimator(jitter=0).estimate(x, y)
    assert "ties" in KSGEstimator().estimate(x, y).flags
    clean = KSGEstimator(jitter=0).estimate(rng.standard_normal(500), y)
    assert "ties" not in clean.flags


def _gauss_cmi_bits(cov: np.ndarray) -> float:
    ld = lambda idx: np.linalg.slogdet(cov[np.ix_(idx, idx)])[1]  # noqa: E731
    return 0.5 * (ld([0, 2]) + ld([1, 2]) - ld([2]) - ld([0, 1, 2])) / np.log(2)


def test_cmi_matches_the_gaussian_closed_form() -> None:
    mix = np.array([[1.0, 0.0, 0.8], [0.7, 0.6, 0.5], [0.0, 0.0, 1.0]])  # rows: x, y, z
    cov = mix @ mix.T
    truth = _gauss_cmi_bits(cov)
    assert 0.3 < truth < 1.5
    e = np.random.default_rng(5).standard_normal((5000, 3)) @ mix.T
    r = ksg_cmi(e[:, 0], e[:, 1], e[:, 2])
    assert r.unit == "bits" and r.estimator == "ksg_cmi"
    assert r.value == pytest.approx(truth, abs=0.05)
    # conditionally independent: x and y share only z
    z = e[:, 2]
    rng = np.random.default_rng(6)
    ci = ksg_cmi(z + rng.standard_normal(5000), z + rng.standard_normal(5000), z, unit="nats")
    assert ci.value < 0.02
    with pytest.raises(InfoplaneError, match="continuous z"):
        ksg_cmi(e[:, 0], e[:, 1], np.arange(5000) % 3)
    with pytest.raises(InfoplaneError):
        ksg_cmi(e[:10, 0], e[:, 1], e[:, 2])


def test_permutation_test_null_and_p_values() -> None:
    rng = np.random.default_rng(7)
    x = rng.standard_normal(300)
    est, p, null = ksg_permutation_test(x, x + rng.standard_normal(300), n_permutations=39)
    assert null.shape == (39,) and p == pytest.approx(1 / 40) and est > null.max() + 0.2
    assert abs(null.mean()) < 0.03  # the estimator's null is centred near 0 bits
    y = rng.standard_normal(300)
    est, p, null = ksg_permutation_test(x, y, n_permutations=39, seed=1)
    assert p == (1 + np.sum(null >= est)) / 40
    # under independence the p-value is uniform on {1/20, ..., 1}: mean 0.525 over data sets
    ps = [
        ksg_permutation_test(*rng.standard_normal((2, 200)), n_permutations=19, seed=s)[1]
        for s in range(12)
    ]
    assert 0.3 < np.mean(ps) < 0.75 and max(ps) > 0.5
    with pytest.raises(InfoplaneError, match="n_permutations"):
        ksg_permutation_test(x, y, n_permutations=0)


def _noisy_layer_truth_bits(t: np.ndarray, s2: float, draws: int, seed: int) -> float:
    """Monte Carlo h(T+Z) - h(Z) for X uniform over the n rows of t, Z ~ N(0, s2 I), in bits."""
    from scipy.special import logsumexp

    n, d = t.shape
    rng = np.random.default_rng(seed)
    u = t[rng.integers(0, n, draws)] + np.sqrt(s2) * rng.standard_normal((draws, d))
    sq = ((u[:, None, :] - t[None]) ** 2).sum(-1)
    log_p = logsumexp(-sq / (2 * s2), axis=1) - np.log(n) - 0.5 * d * np.log(2 * np.pi * s2)
    return float((-log_p.mean() - 0.5 * d * np.log(2 * np.pi * np.e * s2)) / np.log(2))


@pytest.mark.parametrize("s2", [0.05, 0.2])
def test_noisy_layer_plane_bias_is_small_at_the_defaults(s2: float) -> None:
    """I(X; T+Z) of a 5-D tanh layer of 1024 inputs: the defaults (M = 8 draws, k_noise = 1) are
    within 0.2 bit of the Monte Carlo truth; the former defaults (M = 2, k_noise = min(k, M-1))
    were 0.6 bit low on this case (and on the 12-bit network's 5-D layer)."""
    rng = np.random.default_rng(0)
    x = rng.choice([-1.0, 1.0], size=(1024, 10))
    t = np.tanh(x @ (1.5 * rng.standard_normal((10, 5)) / np.sqrt(10)))
    labels = (x[:, 0] > 0).astype(int)
    truth = _noisy_layer_truth_bits(t, s2, draws=3000, seed=1)  # standard error ~0.02 bit
    est = make_estimator("ksg", noise_variance=s2, n_eval=None)
    i_xt = est.information_plane(t, labels)[0]
    assert i_xt == pytest.approx(truth, abs=0.2)
    old = make_estimator("ksg", noise_variance=s2, n_eval=None, n_noise_draws=2, k_noise=None)
    assert old.information_plane(t, labels)[0] < truth - 0.4
