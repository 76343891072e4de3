"""Iterative IB (Tishby, Pereira & Bialek 1999) against closed forms and its invariants."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq

from infoplane.bottleneck import (
    IBCurve,
    as_joint_distribution,
    fixed_point,
    information_bottleneck,
    monotone_envelope_mask,
)
from infoplane.interface import InfoplaneError

EPS = 0.1
DSBS = np.array([[1 - EPS, EPS], [EPS, 1 - EPS]])  # doubly-symmetric binary source, uniform X


def h2(p: float) -> float:
    return float(-(p * np.log2(p) + (1 - p) * np.log2(1 - p)))


def star(a: float, b: float) -> float:
    """Binary convolution a * b = a(1 - b) + b(1 - a)."""
    return a * (1 - b) + b * (1 - a)


def dsbs_closed_form(beta: float) -> tuple[float, float]:
    """Optimal T = X xor Bern(delta): I(X;T) = 1 - h(delta), I(T;Y) = 1 - h(eps * delta)."""
    if beta <= 1 / (1 - 2 * EPS) ** 2:
        return 0.0, 0.0

    def stationary(d: float) -> float:  # d/d delta of the Lagrangian, up to a factor
        c = star(EPS, d)
        return np.log((1 - d) / d) - beta * (1 - 2 * EPS) * np.log((1 - c) / c)

    d = brentq(stationary, 1e-300, 0.5 - 1e-13, xtol=1e-16)
    return 1 - h2(d), 1 - h2(star(EPS, d))


def test_dsbs_mutual_information_and_critical_beta() -> None:
    dist = as_joint_distribution(p_y_given_x=DSBS)
    assert dist.mutual_information() == pytest.approx(0.531004, abs=1e-6)
    assert 1 / (1 - 2 * EPS) ** 2 == pytest.approx(1.5625)


def test_dsbs_curve_matches_closed_form() -> None:
    betas = [0.5, 1.5, 1.58, 1.6, 1.7, 2.0, 3.0, 5.0, 10.0, 100.0]
    curve = information_bottleneck(p_y_given_x=DSBS, betas=betas)
    for b, ixt, ity in zip(curve.beta, curve.i_xt, curve.i_ty, strict=True):
        cx, cy = dsbs_closed_form(b)
        assert ixt == pytest.approx(cx, abs=1e-5), b
        assert ity == pytest.approx(cy, abs=1e-5), b
    # below the critical beta 1.5625 only the trivial solution; above it, not
    assert curve.i_xt[curve.beta <= 1.5].max() < 1e-9
    assert curve.i_xt[curve.beta == 1.58][0] > 0.01


def test_beta_to_zero_gives_origin_and_large_beta_reaches_ixy() -> None:
    rng = np.random.default_rng(1)
    pyx = rng.dirichlet(np.ones(3), size=12)
    dist = as_joint_distribution(p_y_given_x=pyx)
    small = information_bottleneck(dist, [1e-3, 0.1])
    assert np.abs(small.i_xt).max() < 1e-9 and np.abs(small.i_ty).max() < 1e-9
    big = fixed_point(dist, beta=1e6, init="identity")
    assert big.i_ty == pytest.approx(dist.mutual_information(), abs=1e-5)


def test_lagrangian_never_increases() -> None:
    rng = np.random.default_rng(2)
    pyx = rng.dirichlet(np.ones(4), size=30)
    for beta in (2.0, 8.0, 50.0):
        sol = fixed_point(
            p_y_given_x=pyx, beta=beta, init="random", n_clusters=10, merge_tol=None, seed=3,
            max_iter=400,
        )  # fmt: skip
        steps = np.diff(sol.lagrangian_trace)
        assert len(steps) > 3
        assert steps.max() <= 1e-12 * max(1.0, np.abs(sol.lagrangian_trace).max())


def test_forward_and_reverse_annealing_agree_on_envelope() -> None:
    rng = np.random.default_rng(4)
    pyx = rng.dirichlet(np.ones(2) * 0.5, size=16)
    betas = np.geomspace(1, 200, 25)
    fwd = information_bottleneck(p_y_given_x=pyx, betas=betas, annealing="forward").envelope()
    rev = information_bottleneck(p_y_given_x=pyx, betas=betas, annealing="reverse").envelope()
    grid = np.linspace(0, min(fwd.i_xt.max(), rev.i_xt.max()), 50)
    gap = np.abs(np.interp(grid, fwd.i_xt, fwd.i_ty) - np.interp(grid, rev.i_xt, rev.i_ty))
    assert gap.max() < 2e-3
    assert fwd.i_ty[-1] == pytest.approx(rev.i_ty[-1], abs=1e-4)


def test_curve_is_monotone_and_below_ixy() -> None:
    rng = np.random.default_rng(5)
    dist = as_joint_distribution(p_y_given_x=rng.dirichlet(np.ones(3), size=10))
    curve = information_bottleneck(dist, np.geomspace(0.5, 300, 20), n_restarts=1)
    env = curve.envelope()
    assert np.all(np.diff(env.i_xt) >= 0) and np.all(np.diff(env.i_ty) >= 0)
    assert curve.i_ty.max() <= dist.mutual_information() + 1e-9
    assert curve.i_xt.max() <= dist.entropy_x() + 1e-9
    assert np.allclose(curve.lagrangian, curve.i_xt - curve.beta * curve.i_ty, atol=1e-9)
    frame = curve.to_frame()
    assert list(frame.columns) == ["beta", "i_xt", "i_ty", "lagrangian", "n_clusters"]


def test_encoders_on_request_are_stochastic_matrices() -> None:
    curve = information_bottleneck(p_y_given_x=DSBS, betas=[3.0], return_encoders=True)
    assert curve.encoders is not None
    enc = curve.encoders[0]
    assert enc.shape == (2, curve.n_clusters[0])
    assert np.allclose(enc.sum(1), 1.0)


def test_monotone_envelope_mask() -> None:
    mask = monotone_envelope_mask(np.array([0, 1, 2, 1.5]), np.array([0, 0.5, 0.6, 0.4]))
    assert mask.tolist() == [True, True, True, False]


def test_ibcurve_envelope_sorted() -> None:
    c = IBCurve(
        beta=np.array([3.0, 1.0, 2.0]), i_xt=np.array([2.0, 0.0, 1.0]),
        i_ty=np.array([0.5, 0.0, 0.4]), lagrangian=np.zeros(3), n_clusters=np.array([3, 1, 2]),
        method="ib", i_xy=0.5,
    )  # fmt: skip
    env = c.envelope()
    assert env.beta.tolist() == [1.0, 2.0, 3.0]


@pytest.mark.parametrize("bad", [[0.0, 1.0], [-1.0], [np.inf], []])
def test_bad_betas_raise(bad: list[float]) -> None:
    with pytest.raises(InfoplaneError, match="betas"):
        information_bottleneck(p_y_given_x=DSBS, betas=bad)


def test_bad_settings_raise() -> None:
    with pytest.raises(InfoplaneError, match="annealing"):
        information_bottleneck(p_y_given_x=DSBS, betas=[1.0], annealing="sideways")  # type: ignore[arg-type]
    with pytest.raises(InfoplaneError, match="beta"):
        fixed_point(p_y_given_x=DSBS, beta=0.0)
    with pytest.raises(InfoplaneError, match="init"):
        fixed_point(p_y_given_x=DSBS, beta=1.0, init=np.ones((3, 2)))


@pytest.mark.slow
def test_twelve_bit_forward_and_reverse_agree() -> None:
    from infoplane.data.twelve_bit import twelve_bit_p_x, twelve_bit_p_y_given_x

    dist = as_joint_distribution(p_y_given_x=twelve_bit_p_y_given_x(), p_x=twelve_bit_p_x())
    betas = np.geomspace(1, 300, 12)
    rev = information_bottleneck(dist, betas, annealing="reverse")
    fwd = information_bottleneck(dist, betas, annealing="forward")
    assert rev.i_xy == pytest.approx(0.84434, abs=1e-5)
    # the fast reverse sweep (merging at 1e-2 nats) stays within 1e-2 nats of Lagrangian
    assert np.all(np.abs(rev.lagrangian - fwd.lagrangian) * np.log(2) < 1e-2 * betas.clip(1))
    e_r, e_f = rev.envelope(), fwd.envelope()
    grid = np.linspace(0, min(e_r.i_xt.max(), e_f.i_xt.max()), 40)
    gap = np.abs(np.interp(grid, e_r.i_xt, e_r.i_ty) - np.interp(grid, e_f.i_xt, e_f.i_ty))
    assert gap.max() < 5e-3
