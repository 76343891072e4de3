"""The fast KSG core (one tree query in tree order, sorted 1-D marginals) gives the same numbers as
brute force, as the previous tree-per-marginal core, and as scikit-learn on the same input.

Kraskov, Stoegbauer & Grassberger (2004), Phys. Rev. E 69, 066138, arXiv cond-mat/0305641.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree
from scipy.special import digamma

from infoplane.estimators import ksg
from infoplane.estimators.ksg import KSGEstimator


def _brute_counts(a: np.ndarray, r: np.ndarray, strict: bool) -> np.ndarray:
    """Other points within r_i of point i, max-norm, by all pairwise distances (O(n^2))."""
    d = np.abs(a[:, None, :] - a[None, :, :]).max(-1)
    inside = d < r[:, None] if strict else d <= r[:, None]
    np.fill_diagonal(inside, False)
    return inside.sum(1)


def _old_ksg_nats(x: np.ndarray, y: np.ndarray, k: int, algorithm: int) -> float:
    """The previous core: a tree per space, queried in input order (reference route)."""
    n = x.shape[0]
    xy = np.hstack([x, y])
    d, idx = cKDTree(xy).query(xy, k=k + 1, p=np.inf)

    def count(a: np.ndarray, r: np.ndarray, strict: bool) -> np.ndarray:
        rr = np.nextafter(r, 0) if strict else r
        return cKDTree(a).query_ball_point(a, r=rr, p=np.inf, return_length=True) - 1

    if algorithm == 1:
        eps = d[:, -1]
        nx, ny = count(x, eps, True), count(y, eps, True)
        return float(digamma(k) + digamma(n) - np.mean(digamma(nx + 1) + digamma(ny + 1)))
    idx = idx[:, 1:]
    ex = np.abs(x[idx] - x[:, None, :]).max(axis=(1, 2))
    ey = np.abs(y[idx] - y[:, None, :]).max(axis=(1, 2))
    nx, ny = count(x, ex, False), count(y, ey, False)
    return float(digamma(k) - 1.0 / k + digamma(n) - np.mean(digamma(nx) + digamma(ny)))


def _boundary_cases(seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """1-D values with radii that sit exactly on pairwise distances (as KSG's radii do)."""
    rng = np.random.default_rng(seed)
    out = []
    for v in (
        rng.standard_normal(400),
        np.round(rng.standard_normal(400), 1),  # a lattice: many equal values and distances
        1e8 + rng.standard_normal(400),  # large offset: v +- r rounds
        rng.standard_normal(400) * 1e-12,
        np.repeat(rng.standard_normal(50), 8),
    ):
        j = rng.integers(0, v.size, v.size)
        r_exact = np.abs(v[j] - v)  # a distance each point really has (0 where j == i)
        out.append((v, r_exact))
        out.append((v, rng.random(v.size) * v.std()))
    return out


@pytest.mark.parametrize("strict", [True, False])
def test_sorted_1d_counts_equal_brute_force_on_boundaries(strict: bool) -> None:
    for v, r in _boundary_cases(0):
        got = ksg._count_sorted_1d(v, r, strict=strict)
        np.testing.assert_array_equal(got, _brute_counts(v[:, None], r, strict))


def test_zero_radius_counts_no_point_strictly_within() -> None:
    v = np.array([0.0, 0.0, 1.0, 2.0])
    r = np.zeros(4)
    np.testing.assert_array_equal(ksg._count_sorted_1d(v, r, strict=True), [0, 0, 0, 0])
    np.testing.assert_array_equal(ksg._count_sorted_1d(v, r, strict=False), [1, 1, 0, 0])
    for backend in ("kdtree", "torch"):
        a = np.column_stack([v, v])
        got = ksg._count_within(a, r, strict=True, backend=backend)
        np.testing.assert_array_equal(got, [0, 0, 0, 0])
        got = ksg._count_within(a, r, strict=False, backend=backend)
        np.testing.assert_array_equal(got, [1, 1, 0, 0])


@pytest.mark.parametrize("dim", [1, 3])
@pytest.mark.parametrize("strict", [True, False])
def test_tree_and_torch_counts_equal_brute_force(dim: int, strict: bool) -> None:
    rng = np.random.default_rng(dim)
    a = np.round(rng.standard_normal((300, dim)), 1)  # lattice: distances hit the radii exactly
    j = rng.integers(0, 300, 300)
    r = np.abs(a[j] - a).max(1)
    want = _brute_counts(a, r, strict)
    for backend in ("kdtree", "torch"):
        np.testing.assert_array_equal(ksg._count_within(a, r, strict=strict, backend=backend), want)


def test_knn_in_tree_order_equals_brute_force() -> None:
    rng = np.random.default_rng(3)
    a = rng.standard_normal((500, 2))
    d = np.abs(a[:, None, :] - a[None, :, :]).max(-1)
    np.fill_diagonal(d, np.inf)
    want = np.sort(d, axis=1)[:, :4]
    dist, idx = ksg._knn_maxnorm(a, 4, "kdtree")
    np.testing.assert_array_equal(dist, want)
    np.testing.assert_array_equal(np.take_along_axis(d, idx, 1), want)
    kth, none = ksg._knn_maxnorm(a, 4, "kdtree", kth_only=True)
    assert none is None
    np.testing.assert_array_equal(kth[:, 0], want[:, -1])


@pytest.mark.parametrize("algorithm", [1, 2])
@pytest.mark.parametrize("dims", [(1, 1), (3, 2)])
def test_ksg_core_equals_the_previous_core(algorithm: int, dims: tuple[int, int]) -> None:
    rng = np.random.default_rng(sum(dims) + algorithm)
    x = rng.standard_normal((2000, dims[0]))
    y = x[:, : dims[1]] + 0.7 * rng.standard_normal((2000, dims[1]))
    for k in (1, 3, 6):
        new = ksg._ksg_nats(x, y, k, algorithm, "auto")
        assert new == pytest.approx(_old_ksg_nats(x, y, k, algorithm), rel=1e-13, abs=1e-14)
        if k == 3:  # the torch route (O(n^2) on the CPU) once
            assert new == pytest.approx(ksg._ksg_nats(x, y, k, algorithm, "torch"), abs=1e-14)


def test_repeat_fraction_equals_unique() -> None:
    rng = np.random.default_rng(5)
    for a in (
        np.round(rng.standard_normal((500, 1)), 1),
        np.round(rng.standard_normal((500, 2)), 0),
        rng.standard_normal((500, 3)),
        np.array([[0.0, 1.0], [-0.0, 1.0], [1.0, 0.0]]),  # -0.0 == 0.0: one distance-0 pair
    ):
        _, counts = np.unique(a, axis=0, return_counts=True)
        want = counts[counts > 1].sum() / a.shape[0]
        assert ksg._repeat_fraction(a) == pytest.approx(want, abs=0)


def _sklearn_input(x: np.ndarray, y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """What ``mutual_info_regression`` feeds its KSG: unit-std columns (no centring) plus noise of
    1e-10 x max(1, mean |column|), drawn from ``RandomState(seed)``, first X then y."""
    from sklearn.preprocessing import scale

    rng = np.random.RandomState(seed)
    xs = scale(x.astype(np.float64), with_mean=False)
    xs += 1e-10 * np.maximum(1, np.mean(np.abs(xs), axis=0)) * rng.standard_normal(xs.shape)
    ys = scale(y.astype(np.float64), with_mean=False)
    ys += 1e-10 * np.maximum(1, np.mean(np.abs(ys))) * rng.standard_normal(ys.shape[0])
    return xs, ys


def test_equals_scikit_learn_on_its_own_input() -> None:
    """With scikit-learn's scaling and noise reproduced and ours switched off, every feature's
    value equals ``mutual_info_regression``'s (nats, k = 3) to round-off."""
    from sklearn.feature_selection import mutual_info_regression

    rng = np.random.default_rng(6)
    x = rng.standard_normal((3000, 3)) * np.array([1.0, 5.0, 0.01])
    y = x[:, 0] + 0.1 * x[:, 1] + 0.5 * rng.standard_normal(3000)
    want = mutual_info_regression(x, y, n_neighbors=3, random_state=0)
    xs, ys = _sklearn_input(x, y, 0)
    est = KSGEstimator(k=3, preprocess="none", jitter=0, unit="nats")
    got = np.array([est.estimate(xs[:, j], ys).value for j in range(3)])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    assert want[0] > 0.5 and want[2] < 0.05  # informative and uninformative features
    # the defaults (standardise, jitter 1e-10 from our own seed) differ only by the noise draw
    default = KSGEstimator(k=3, unit="nats").estimate(x[:, 0], y).value
    assert default == pytest.approx(want[0], abs=1e-6)
