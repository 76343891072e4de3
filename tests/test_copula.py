"""The Gaussian-copula estimator: invariance, the exact Wishart bias, bounds, routes and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from infoplane.benchmark import get_task
from infoplane.estimators import make_estimator
from infoplane.estimators.copula import CopulaEstimator, gaussian_bias_nats
from infoplane.estimators.gaussian import _cca_nats
from infoplane.interface import InfoplaneError


def _pair(n: int, rho: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 1))
    return x, rho * x + math.sqrt(1 - rho**2) * rng.standard_normal((n, 1))


def test_invariant_to_monotone_maps_of_each_coordinate() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((800, 2))
    y = x @ np.array([[0.6], [0.3]]) + 0.5 * rng.standard_normal((800, 1))
    est = CopulaEstimator()
    a = est.estimate(x, y).value
    warped = np.column_stack([np.exp(x[:, 0]), x[:, 1] ** 3])
    assert est.estimate(warped, np.arcsinh(5 * y) + 7).value == a  # ranks unchanged: same bits
    assert a > 0.3


def test_bias_formula_matches_the_first_order_term_and_grows_with_dimension() -> None:
    for n, dx, dy in ((5000, 5, 5), (5000, 50, 50), (200, 3, 2)):
        b = gaussian_bias_nats(n, dx, dy)
        assert b == pytest.approx(dx * dy / (2 * (n - (dx + dy) / 2 - 1)), rel=0.05)
    assert gaussian_bias_nats(100, 2, 2) < gaussian_bias_nats(100, 4, 4)
    with pytest.raises(InfoplaneError, match="n=4"):
        gaussian_bias_nats(4, 2, 2)


@pytest.mark.parametrize(("rho", "dx", "dy"), [(0.0, 2, 2), (0.6, 1, 1), (0.8, 3, 2)])
def test_bias_correction_makes_the_gaussian_plug_in_unbiased(rho: float, dx: int, dy: int) -> None:
    # Monte Carlo over 1500 Gaussian data sets of n = 25: the plug-in mean exceeds the truth by
    # the closed-form bias (a property of the Wishart distribution), to within 4 standard errors.
    n, reps = 25, 1500
    truth = -0.5 * math.log(1 - rho**2)  # one correlated pair (X_1, Y_1), the rest independent
    rng = np.random.default_rng(1)
    vals = np.empty(reps)
    for r in range(reps):
        x = rng.standard_normal((n, dx))
        y = rng.standard_normal((n, dy))
        y[:, 0] = rho * x[:, 0] + math.sqrt(1 - rho**2) * y[:, 0]
        vals[r] = _cca_nats(x, y, 0.0)
    se = vals.std() / math.sqrt(reps)
    bias = gaussian_bias_nats(n, dx, dy)
    assert abs(vals.mean() - truth - bias) < 4 * se
    assert bias > 5 * se  # the test can tell the corrected from the uncorrected mean


def test_exact_on_gaussian_copula_tasks_and_a_lower_bound_in_one_dimension() -> None:
    est = make_estimator("copula")
    for name in ("half_cube-multinormal-sparse-5-5-2-2.0", "multinormal-dense-25-25-0.5"):
        task = get_task(name)
        x, y = task.sample(5000, seed=0)
        assert est.estimate(x, y).value == pytest.approx(task.mutual_information_bits, abs=0.08)
    task = get_task("student-identity-1-1-1")  # dependent but uncorrelated: about 0 <= truth
    x, y = task.sample(5000, seed=0)
    assert est.estimate(x, y).value < 0.05 < task.mutual_information_bits


def test_uncorrected_equals_gaussian_estimator_on_normal_scores() -> None:
    x, y = _pair(600, 0.7, 3)
    x = np.exp(x)
    a = make_estimator("copula", bias_correction=False).estimate(x, y).value
    b = make_estimator("gaussian", preprocess="rank").estimate(x, y).value
    assert a == pytest.approx(b, rel=1e-12)
    c = make_estimator("copula").estimate(x, y).value
    assert a - c == pytest.approx(gaussian_bias_nats(600, 1, 1) / math.log(2), rel=1e-9)


def test_one_discrete_variable_saturates_at_the_label_entropy() -> None:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, 400)
    constant = labels[:, None] * 10.0  # constant within each class: a singular class covariance
    r = make_estimator("copula").estimate(labels, constant)
    p = np.bincount(labels) / 400
    assert r.value == pytest.approx(float(-(p * np.log2(p)).sum()), abs=1e-9)
    assert "saturated" in r.flags and "ties" in r.flags
    separated = constant + rng.standard_normal((400, 1)) * 0.01  # Gaussian formula: below H(Y)
    assert 1.0 < make_estimator("copula").estimate(labels, separated).value < r.value
    noise = rng.standard_normal((400, 2))
    assert make_estimator("copula").estimate(labels, noise).value < 0.05


def test_errors_and_flags() -> None:
    est = CopulaEstimator()
    with pytest.raises(InfoplaneError, match="both x and y are discrete"):
        est.estimate(np.arange(10) % 2, np.arange(10) % 3)
    with pytest.raises(InfoplaneError, match="more samples than dimensions"):
        est.estimate(
            np.zeros((4, 2)) + np.arange(4)[:, None], np.ones((4, 2)) * np.arange(4)[:, None] ** 2
        )
    lattice = np.round(np.random.default_rng(0).standard_normal((300, 1)))
    assert (
        "ties" in est.estimate(lattice, lattice + np.random.default_rng(1).random((300, 1))).flags
    )
    with pytest.raises(InfoplaneError, match="linearly dependent"):
        est.estimate(*(2 * [np.random.default_rng(0).standard_normal((50, 1))]))


def test_plane_is_the_entropy_of_distinct_rows_and_a_class_conditional_ty() -> None:
    t = np.tanh(np.random.default_rng(0).standard_normal((2, 64, 3)))
    t[1, :32] = t[1, 32:]  # 32 distinct rows: I(X;T) = 5 bits
    labels = np.arange(64) % 2
    i_xt, i_ty = make_estimator("copula").information_plane(t, labels)
    np.testing.assert_allclose(i_xt, [6.0, 5.0])
    assert ((i_ty >= 0) & (i_ty <= 1.0 + 1e-12)).all()
