"""The ``gaussian`` (canonical-correlation) estimator: closed forms, invariances, refusals."""

from __future__ import annotations

import numpy as np
import pytest

from infoplane.estimators import make_estimator
from infoplane.estimators.gaussian import GaussianEstimator, gaussian_information_plane
from infoplane.interface import InfoplaneError


def _gauss_mi_bits(cov: np.ndarray, dx: int) -> float:
    """Closed form 1/2 log2(det S_xx det S_yy / det S)."""
    ld = lambda m: np.linalg.slogdet(m)[1]  # noqa: E731
    return 0.5 * (ld(cov[:dx, :dx]) + ld(cov[dx:, dx:]) - ld(cov)) / np.log(2)


def _dense_cov(d: int, seed: int) -> np.ndarray:
    a = np.random.default_rng(seed).standard_normal((d, d))
    return a @ a.T + 0.5 * np.eye(d)


def test_equals_closed_form_1d() -> None:
    rng = np.random.default_rng(1)
    n, rho = 20000, 0.9
    x = rng.standard_normal(n)
    y = rho * x + np.sqrt(1 - rho**2) * rng.standard_normal(n)
    truth = -0.5 * np.log2(1 - rho**2)  # 1.198 bits
    r = GaussianEstimator().estimate(x, y)
    assert r.unit == "bits" and r.value == pytest.approx(truth, abs=0.02)
    nats = GaussianEstimator(unit="nats").estimate(x, y).value
    assert nats == pytest.approx(r.value * np.log(2), rel=1e-12)


def test_equals_closed_form_5x5_dense() -> None:
    cov = _dense_cov(10, seed=3)
    truth = _gauss_mi_bits(cov, 5)
    xy = np.random.default_rng(4).multivariate_normal(np.zeros(10), cov, size=20000)
    est = GaussianEstimator().estimate(xy[:, :5], xy[:, 5:]).value
    # sampling sd of the estimate is about sqrt(d/n)-ish; bias d_x d_y / (2n) = 0.0009 bit
    assert truth > 1.0
    assert est == pytest.approx(truth, abs=0.05)


def test_exact_on_sample_covariance() -> None:
    """The estimate is the closed form of the *sample* covariance (an independent route)."""
    rng = np.random.default_rng(5)
    xy = rng.standard_normal((300, 5)) @ rng.standard_normal((5, 5))
    sample_cov = np.cov(xy.T, bias=True)
    est = GaussianEstimator().estimate(xy[:, :2], xy[:, 2:]).value
    assert est == pytest.approx(_gauss_mi_bits(sample_cov, 2), rel=1e-9)


def test_invariant_to_invertible_linear_maps() -> None:
    rng = np.random.default_rng(6)
    xy = rng.standard_normal((1000, 6)) @ rng.standard_normal((6, 6))
    x, y = xy[:, :3], xy[:, 3:]
    a, b = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    base = GaussianEstimator().estimate(x, y).value
    moved = GaussianEstimator().estimate(x @ a + 7.0, 1e6 * y @ b - 3.0).value
    assert base > 0.1
    assert moved == pytest.approx(base, rel=1e-8)


def test_independent_is_near_zero_and_rank_preprocess_is_monotone_invariant() -> None:
    rng = np.random.default_rng(7)
    x, y = rng.standard_normal((5000, 2)), rng.standard_normal((5000, 2))
    assert GaussianEstimator().estimate(x, y).value < 0.005  # bias 4/(2n) nats = 0.0006 bit
    z = rng.standard_normal(5000)
    w = 0.6 * z + 0.8 * rng.standard_normal(5000)
    est = GaussianEstimator(preprocess="rank")
    a = est.estimate(z, w).value
    b = est.estimate(np.exp(z), w**3).value  # monotone maps: same ranks, same value
    assert a == pytest.approx(b, rel=1e-12)
    assert a == pytest.approx(-0.5 * np.log2(1 - 0.36), abs=0.03)


def test_class_conditional_formula_on_gaussian_classes() -> None:
    """Two Gaussian classes with equal covariance: the formula equals 1/2 ln det S_T/S_W."""
    rng = np.random.default_rng(8)
    labels = rng.integers(0, 2, 4000)
    t = rng.standard_normal((4000, 2)) + 2.0 * labels[:, None]
    est = GaussianEstimator(unit="nats").estimate(labels, t).value
    # independent route: total and pooled within-class covariance
    st = np.cov(t.T, bias=True)
    sw = sum((labels == c).mean() * np.cov(t[labels == c].T, bias=True) for c in (0, 1))
    expected = 0.5 * (np.linalg.slogdet(st)[1] - np.linalg.slogdet(sw)[1])
    assert est == pytest.approx(expected, rel=0.02)


def test_plane_gaussian_channel_closed_form_and_batch() -> None:
    rng = np.random.default_rng(9)
    t = rng.standard_normal((3, 400, 4)) * np.array([1.0, 0.5, 0.1, 0.0])  # a dead unit
    labels = rng.integers(0, 3, 400)
    i_xt, i_ty = gaussian_information_plane(t, labels, noise_variance=0.01, unit="nats")
    assert i_xt.shape == i_ty.shape == (3,)
    for b in range(3):
        tc = t[b] - t[b].mean(0)
        cov = tc.T @ tc / 400
        want = min(0.5 * np.linalg.slogdet(np.eye(4) + cov / 0.01)[1], np.log(400))
        assert want < np.log(400)  # the closed form, not the cap
        assert i_xt[b] == pytest.approx(want, rel=1e-10)
        # I(T;Y) per element equals estimate(labels, t) (the batched route = the single route)
        single = GaussianEstimator(unit="nats").estimate(labels, t[b]).value
        assert i_ty[b] == pytest.approx(single, abs=1e-10)


def test_refuses_singular_and_shrinkage_fixes_it() -> None:
    rng = np.random.default_rng(10)
    x, y = rng.standard_normal((20, 30)), rng.standard_normal((20, 2))
    with pytest.raises(InfoplaneError, match="shrinkage"):
        GaussianEstimator().estimate(x, y)
    value = GaussianEstimator(shrinkage=0.5).estimate(x, y).value
    assert np.isfinite(value) and value >= 0
    with pytest.raises(InfoplaneError, match="linearly dependent"):
        GaussianEstimator().estimate(x[:, :2], x[:, :2] @ np.array([[1.0, 2.0], [0.0, 1.0]]))
    with pytest.raises(InfoplaneError, match="discrete"):
        make_estimator("gaussian").estimate(np.arange(20) % 2, np.arange(20) % 3)
    with pytest.raises(InfoplaneError, match="shrinkage"):
        make_estimator("gaussian", shrinkage=1.0)


def test_degenerate_class_saturates_at_label_entropy() -> None:
    rng = np.random.default_rng(11)
    labels = np.r_[np.zeros(50, int), np.ones(50, int)]
    t = np.r_[rng.standard_normal((50, 2)), np.ones((50, 2))]  # class 1: one point
    r = GaussianEstimator().estimate(labels, t)
    assert r.value == pytest.approx(1.0) and "saturated" in r.flags
    _, i_ty = gaussian_information_plane(np.stack([t, t[::-1]]), labels)
    np.testing.assert_allclose(i_ty, [1.0, 1.0])


@pytest.mark.parametrize("scale", [1e-200, 1e160, 1e300])
def test_any_magnitude(scale: float) -> None:
    """Squares of 1e-200 underflow and of 1e160 overflow: the value must not change (it returned
    0 bits at 1e-200 and overflowed at 1e160 before the power-of-two rescaling)."""
    rng = np.random.default_rng(12)
    x = rng.standard_normal((500, 2))
    y = x[:, :1] + rng.standard_normal((500, 1))
    labels = (y[:, 0] > 0).astype(int)
    est = GaussianEstimator()
    assert est.estimate(scale * x, y).value == pytest.approx(est.estimate(x, y).value, rel=1e-9)
    assert est.estimate(labels, scale * x).value == pytest.approx(
        est.estimate(labels, x).value, rel=1e-9
    )
    i_xt, i_ty = est.information_plane(scale * x[None], labels)
    assert np.isfinite(i_xt).all() and i_ty[0] == pytest.approx(est.estimate(labels, x).value)
