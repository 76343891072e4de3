"""Deterministic and generalised IB (Strouse & Schwab 2017)."""

from __future__ import annotations

import numpy as np
import pytest

from infoplane.bottleneck import (
    deterministic_information_bottleneck,
    fixed_point,
    information_bottleneck,
)
from infoplane.interface import InfoplaneError

DSBS = np.array([[0.9, 0.1], [0.1, 0.9]])


def test_dib_encoders_are_deterministic() -> None:
    rng = np.random.default_rng(0)
    pyx = rng.dirichlet(np.ones(3), size=20)
    curve = deterministic_information_bottleneck(
        p_y_given_x=pyx, betas=np.geomspace(1, 100, 8), return_encoders=True
    )
    assert curve.encoders is not None
    for enc in curve.encoders:
        assert set(np.unique(enc)) <= {0.0, 1.0}
        assert np.all(enc.sum(1) == 1.0)
    # H(T|X) = 0, so the Lagrangian is H(T) - beta I(T;Y) = I(X;T) - beta I(T;Y)
    assert np.allclose(curve.lagrangian, curve.i_xt - curve.beta * curve.i_ty, atol=1e-9)


def test_dib_on_the_binary_symmetric_source() -> None:
    # a hard encoder of a binary X is trivial or T = X: the DIB switches at beta = 1 / I(X;Y)
    curve = deterministic_information_bottleneck(p_y_given_x=DSBS, betas=[1.5, 1.9, 10.0])
    assert curve.i_xt.tolist() == pytest.approx([0.0, 1.0, 1.0], abs=1e-12)
    assert curve.i_ty[-1] == pytest.approx(0.531004, abs=1e-6)


def test_dib_lies_below_ib() -> None:
    rng = np.random.default_rng(1)
    pyx = rng.dirichlet(np.ones(2), size=12)
    betas = np.geomspace(1, 100, 10)
    ib = information_bottleneck(p_y_given_x=pyx, betas=betas)
    dib = deterministic_information_bottleneck(p_y_given_x=pyx, betas=betas)
    # the DIB encoder is one of the encoders the IB optimises over: its IB Lagrangian is not lower
    assert np.all(dib.i_xt - betas * dib.i_ty >= ib.lagrangian - 1e-6)


def test_alpha_one_is_the_ib() -> None:
    a = fixed_point(p_y_given_x=DSBS, beta=3.0, alpha=1.0, init=[[0.6, 0.4], [0.4, 0.6]])
    b = deterministic_information_bottleneck(p_y_given_x=DSBS, betas=[3.0], alpha=1.0)
    assert b.i_xt[0] == pytest.approx(a.i_xt, abs=1e-6)


def test_generalised_alpha_lagrangian_never_increases() -> None:
    rng = np.random.default_rng(2)
    pyx = rng.dirichlet(np.ones(3), size=15)
    sol = fixed_point(
        p_y_given_x=pyx, beta=10.0, alpha=0.5, init="random", n_clusters=6, merge_tol=None,
        max_iter=300,
    )  # fmt: skip
    assert np.diff(sol.lagrangian_trace).max() <= 1e-10


def test_bad_alpha_raises() -> None:
    with pytest.raises(InfoplaneError, match="alpha"):
        deterministic_information_bottleneck(p_y_given_x=DSBS, betas=[1.0], alpha=2.0)
