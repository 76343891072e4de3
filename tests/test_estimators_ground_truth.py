"""Estimators against closed-form or numerically exact mutual information.

Tolerances are stated per test (bits). They were set at about 3-4 standard deviations of the
estimator's spread at the sample size used (measured with benchmarks/estimators.py), plus its known
bias, so that a wrong formula (a factor 2, nats for bits, a missing digamma) fails.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.stats import norm

from infoplane.estimators import (
    binning_mutual_information,
    make_estimator,
)
from infoplane.estimators.edge import edge_mutual_information
from infoplane.estimators.kde import kde_entropy_bound, kde_mutual_information
from infoplane.estimators.ksg import kl_entropy, ksg_mutual_information
from infoplane.estimators.noisy import sample_propagation_mutual_information
from infoplane.estimators.renyi import renyi_entropy, renyi_mutual_information

LN2 = math.log(2)


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Run torch single-threaded here: on a shared 2-core machine OpenMP spinning makes it 5-10x
    slower."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def gaussian_pair(n: int, dim: int, rho: float, seed: int) -> tuple[np.ndarray, np.ndarray, float]:
    """X, Y in R^dim with corr(X_i, Y_i) = rho, independent pairs; true I = -dim/2 log2(1 -
    rho^2)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, dim))
    y = rho * x + math.sqrt(1 - rho**2) * rng.standard_normal((n, dim))
    return x, y, -0.5 * dim * math.log2(1 - rho**2)


def mixture_mi_bits(centres: np.ndarray, s2: float) -> float:
    """Exact I(C; mu_C + N(0, s2)) for C uniform over 1-D centres, by quadrature."""
    s = math.sqrt(s2)

    def f(u: float) -> float:
        return float(np.mean(norm.pdf(u, centres, s)))

    lo, hi = centres.min() - 12 * s, centres.max() + 12 * s
    h = -quad(
        lambda u: f(u) * math.log(max(f(u), 1e-300)), lo, hi, limit=200, points=list(centres)
    )[0]
    return (h - 0.5 * math.log(2 * math.pi * math.e * s2)) / LN2


# -- KSG -------------------------------------------------------------------------------------------
# Measured at n = 2000, k = 3 over 12 seeds (bits): bias / sd = (1, 0.5): +0.01 / 0.02;
# (1, 0.9): +0.02 / 0.03; (2, 0.6): +0.03 / 0.03; (3, 0.8): -0.15 / 0.07 (KSG underestimates large
# MI in higher dimension). Tolerance = |bias| + 4 sd.
@pytest.mark.parametrize(
    ("dim", "rho", "tol"),
    [(1, 0.5, 0.09), (1, 0.9, 0.15), (2, 0.6, 0.14), (3, 0.8, 0.42)],
)
@pytest.mark.parametrize("algorithm", [1, 2])
def test_ksg_correlated_gaussians(dim: int, rho: float, tol: float, algorithm: int) -> None:
    x, y, true = gaussian_pair(2000, dim, rho, seed=dim)
    est = ksg_mutual_information(x, y, k=3, algorithm=algorithm)
    assert est == pytest.approx(true, abs=tol)


@pytest.mark.parametrize("rho", [0.3, 0.9])
def test_ksg_matches_scikit_learn_reference(rho: float) -> None:
    # scikit-learn's mutual_info_regression implements KSG algorithm 1 (k = 3) independently; on the
    # same 1-D data the two agree up to its tie-breaking noise (< 0.005 bit), which catches an
    # off-by-one in a digamma argument (about 1/n_x ~ 0.03 bit) that the closed form tolerates.
    from sklearn.feature_selection import mutual_info_regression

    x, y, _ = gaussian_pair(2000, 1, rho, seed=21)
    ref = mutual_info_regression(x, y[:, 0], n_neighbors=3, random_state=0)[0] / LN2
    assert ksg_mutual_information(x, y, k=3, algorithm=1) == pytest.approx(ref, abs=0.005)


def test_ksg_independent_is_near_zero() -> None:
    x, y, _ = gaussian_pair(2000, 2, 0.0, seed=3)
    assert ksg_mutual_information(x, y) < 0.03  # clipped at 0, spread ~0.01 bit


def test_ksg_additive_uniform_noise() -> None:
    # Y = X + Z, X ~ U[0,1], Z ~ U[0,a], a < 1: I = a/2 - ln a nats (h(Y) = a/2, h(Y|X) = ln a).
    a = 0.5
    rng = np.random.default_rng(5)
    x = rng.random(3000)
    y = x + a * rng.random(3000)
    true = (a / 2 - math.log(a)) / LN2  # 1.361 bits
    assert ksg_mutual_information(x, y, k=3) == pytest.approx(true, abs=0.05)


def test_ross_mixed_discrete_continuous() -> None:
    # C uniform on {0, 1, 2}, T = C + N(0, 0.5^2): exact MI by quadrature (1.04 bits).
    rng = np.random.default_rng(7)
    c = rng.integers(0, 3, 3000)
    t = c + 0.5 * rng.standard_normal(3000)
    true = mixture_mi_bits(np.array([0.0, 1.0, 2.0]), 0.25)
    assert ksg_mutual_information(c, t) == pytest.approx(true, abs=0.05)
    assert ksg_mutual_information(t, c) == pytest.approx(true, abs=0.05)  # either order


def test_ksg_two_discrete_is_plugin() -> None:
    rng = np.random.default_rng(0)
    x = rng.integers(0, 4, 500)
    y = (x + rng.integers(0, 2, 500)) % 4
    assert ksg_mutual_information(x, y) == pytest.approx(
        binning_mutual_information(x, y), abs=1e-12
    )


@pytest.mark.parametrize("dim", [1, 3])
def test_kl_entropy_gaussian(dim: int) -> None:
    rng = np.random.default_rng(dim)
    t = rng.standard_normal((3000, dim)) * 0.5
    true = 0.5 * dim * math.log2(2 * math.pi * math.e * 0.25)
    assert kl_entropy(t, k=3) == pytest.approx(true, abs=0.05 * dim)
    assert kl_entropy(t, k=3, metric="chebyshev") == pytest.approx(true, abs=0.06 * dim)


# -- KDE bounds and sample propagation -------------------------------------------------------------
@pytest.mark.parametrize(("centres", "s2"), [([0.0, 1.0], 0.25), ([0.0, 0.5, 2.0, 2.2], 0.05)])
def test_kde_bounds_bracket_exact_mixture_mi(centres: list[float], s2: float) -> None:
    # The Kolchinsky-Tracey bounds are bounds on the mixture's entropy itself: no sampling error.
    mu = np.array(centres)
    true = mixture_mi_bits(mu, s2)
    idx = np.arange(len(mu))
    lower = kde_mutual_information(idx, mu, noise_variance=s2, bound="lower", dtype="float64")
    upper = kde_mutual_information(idx, mu, noise_variance=s2, bound="upper", dtype="float64")
    assert lower <= true + 1e-9 <= upper + 2e-9
    assert upper - lower > 0.05  # the bounds are distinct (a wrong kernel factor collapses them)


def test_kde_entropy_bound_of_single_gaussian_is_exact() -> None:
    # One component: both bounds equal the Gaussian entropy d/2 log2(2 pi e s2).
    t = np.zeros((1, 3))
    exact = 1.5 * math.log2(2 * math.pi * math.e * 0.1)
    assert kde_entropy_bound(t, noise_variance=0.1, bound="upper") == pytest.approx(
        exact, abs=1e-12
    )
    assert kde_entropy_bound(t, noise_variance=0.1, bound="lower") == pytest.approx(
        exact, abs=1e-12
    )


def test_kde_far_apart_points_give_log_n() -> None:
    # n distinct points much farther apart than sigma: I(X;T) = log2 n for both bounds.
    t = np.arange(8, dtype=float)[:, None] * 10.0
    for bound in ("upper", "lower"):
        assert kde_mutual_information(
            np.arange(8), t, noise_variance=1e-3, bound=bound
        ) == pytest.approx(3.0, abs=1e-9)


def test_sample_propagation_matches_quadrature() -> None:
    mu = np.array([0.0, 0.5, 2.0, 2.2])
    true = mixture_mi_bits(mu, 0.05)
    # n_mc = 5000 draws per centre: Monte Carlo standard error ~ 0.006 bit.
    est = sample_propagation_mutual_information(
        np.arange(4), mu, noise_variance=0.05, n_mc=5000, dtype="float64"
    )
    assert est == pytest.approx(true, abs=0.025)


# -- discrete joints: plug-in, Renyi (Kronecker kernels), EDGE -------------------------------------
def _joint_samples(p: np.ndarray, n_rep: int) -> tuple[np.ndarray, np.ndarray]:
    """Samples whose empirical joint is exactly p (p * n_rep integer counts)."""
    counts = np.rint(p * n_rep).astype(int)
    xs, ys = np.nonzero(counts)
    reps = counts[xs, ys]
    return np.repeat(xs, reps), np.repeat(ys, reps)


def _mi_bits(p: np.ndarray) -> float:
    px, py = p.sum(1, keepdims=True), p.sum(0, keepdims=True)
    nz = p > 0
    return float((p[nz] * np.log2(p[nz] / (px @ py)[nz])).sum())


JOINT = np.array([[0.30, 0.05, 0.05], [0.05, 0.20, 0.05], [0.0, 0.10, 0.20]])


def test_plugin_on_exact_discrete_joint() -> None:
    x, y = _joint_samples(JOINT, 1000)
    assert binning_mutual_information(x, y) == pytest.approx(_mi_bits(JOINT), abs=1e-12)


def test_renyi_kronecker_equals_plugin_renyi() -> None:
    x, y = _joint_samples(JOINT, 100)  # 1000 samples: exact spectrum, n_samples_max=None
    assert renyi_mutual_information(x, y, alpha=1.0, n_samples_max=None) == pytest.approx(
        _mi_bits(JOINT), abs=1e-9
    )
    # alpha = 2: S_2 of a Kronecker Gram matrix is -log2 sum p^2 of the empirical distribution.
    px = JOINT.sum(1)
    assert renyi_entropy(x, alpha=2.0) == pytest.approx(-math.log2((px**2).sum()), abs=1e-12)


def test_edge_on_discrete_joint_is_plugin() -> None:
    x, y = _joint_samples(JOINT, 1000)
    assert edge_mutual_information(x, y) == pytest.approx(_mi_bits(JOINT), abs=1e-9)


@pytest.mark.parametrize("p_flip", [0.0, 0.1, 0.25])
def test_binary_symmetric_channel(p_flip: float) -> None:
    # X ~ Bernoulli(1/2), Y = X xor Bernoulli(p): I = 1 - H2(p). n = 20000: the plug-in spread is
    # about 0.007 bit at p = 0.1 (through the empirical flip rate); tolerance 0.025 (3.5 sd).
    rng = np.random.default_rng(11)
    x = rng.integers(0, 2, 20000)
    y = x ^ (rng.random(20000) < p_flip)
    h2 = (
        0.0 if p_flip == 0 else -(p_flip * math.log2(p_flip) + (1 - p_flip) * math.log2(1 - p_flip))
    )
    for name in ("binning", "binning_adaptive", "edge", "ksg"):
        est = make_estimator(name).estimate(x, y.astype(np.int64)).value
        assert est == pytest.approx(1 - h2, abs=0.025), name


def test_deterministic_function_of_discrete_x_gives_entropy() -> None:
    # X uniform on 0..11, T = f(X) with f = x mod 3 (three equally likely values): I(X;T) = H(T).
    x = np.repeat(np.arange(12), 50)
    t = x % 3
    assert binning_mutual_information(x, t) == pytest.approx(math.log2(3), abs=1e-12)
    # The plane with continuous T that takes 5 values, with unequal masses, on distinct inputs.
    rows = np.repeat(np.array([[-0.9], [-0.3], [0.1], [0.5], [0.95]]), [10, 20, 30, 25, 15], axis=0)
    p = np.array([10, 20, 30, 25, 15]) / 100
    h = float(-(p * np.log2(p)).sum())
    labels = (rows[:, 0] > 0).astype(int)
    for name in ("binning", "binning_adaptive", "edge"):
        i_xt, i_ty = make_estimator(name).information_plane(rows, labels)
        assert i_xt == pytest.approx(h, abs=1e-9), name
        h_y = -(0.7 * math.log2(0.7) + 0.3 * math.log2(0.3))
        assert i_ty == pytest.approx(h_y, abs=1e-9), name  # Y is a function of T here


# -- variational bounds ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["mine", "nwj", "infonce"])
def test_variational_gaussian(name: str) -> None:
    # rho = 0.8: I = 0.737 bit. Bounds are from below, up to held-out noise; n = 1000, 200 steps.
    x, y, true = gaussian_pair(1000, 1, 0.8, seed=4)
    est = make_estimator(name, n_steps=200).estimate(x, y).value
    assert true - 0.2 < est < true + 0.1


def test_variational_plane_class_conditional_gaussians() -> None:
    # T | Y ~ N(Y * (1, 1, 1), 0.5^2 I): I(T;Y) equals the 1-D mixture with separation sqrt(3).
    rng = np.random.default_rng(2)
    lab = rng.integers(0, 2, 2048)
    t = (lab[None, :, None] * 1.0 + 0.5 * rng.standard_normal((4, 2048, 3))).astype(np.float32)
    true = mixture_mi_bits(np.array([0.0, math.sqrt(3)]), 0.25)  # 0.845 bit
    for name in ("mine", "nwj", "infonce"):
        i_xt, i_ty = make_estimator(name).information_plane(t, lab)
        assert np.isnan(i_xt).all()
        assert np.all(np.abs(i_ty - true) < 0.15), (name, i_ty)


@pytest.mark.slow
@pytest.mark.parametrize(("dim", "rho"), [(1, 0.9), (2, 0.6)])
def test_ksg_converges_at_large_n(dim: int, rho: float) -> None:
    # N = 20000: KSG's spread shrinks to ~0.01 bit and its bias in low dimension below 0.02 bit.
    x, y, true = gaussian_pair(20_000, dim, rho, seed=31)
    assert ksg_mutual_information(x, y) == pytest.approx(true, abs=0.04)


@pytest.mark.slow
def test_kde_exact_versus_subsampled_on_a_trained_like_layer() -> None:
    # A 10-unit tanh layer of the 12-bit task: n_eval = 256 is within 0.05 bit of the exact value.
    from infoplane.data.twelve_bit import twelve_bit_inputs, twelve_bit_labels

    rng = np.random.default_rng(1)
    x = twelve_bit_inputs() - 0.5
    w = rng.standard_normal((12, 10)) / math.sqrt(12)
    t = np.tanh(np.stack([s * x @ w for s in (0.1, 0.5, 2.0)])).astype(np.float32)
    labels = twelve_bit_labels()
    exact = make_estimator("kde_upper", n_eval=None).information_plane(t, labels)
    sub = make_estimator("kde_upper").information_plane(t, labels)
    np.testing.assert_allclose(sub[0], exact[0], atol=0.05)
    np.testing.assert_allclose(sub[1], exact[1], atol=0.03)
