"""Gaussian IB closed form (Chechik, Globerson, Tishby & Weiss 2005)."""

from __future__ import annotations

import numpy as np
import pytest

from infoplane.bottleneck import (
    gaussian_information_bottleneck,
    projection_information,
    split_joint_covariance,
)
from infoplane.interface import InfoplaneError

LAM = np.array([0.25, 0.5])


def covariances(rotate: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """X, Y in R^2 with Sigma_{x|y} Sigma_x^{-1} of eigenvalues (0.25, 0.5)."""
    sx, sy, sxy = np.eye(2), np.eye(2), np.diag(np.sqrt(1 - LAM))
    if rotate:  # X -> M X keeps the eigenvalues (the IB is invariant to invertible maps of X)
        m = np.array([[2.0, 0.5], [-0.3, 1.0]])
        sx, sxy = m @ sx @ m.T, m @ sxy
    return sx, sxy, sy


@pytest.mark.parametrize("rotate", [False, True])
def test_eigenvalues_and_critical_betas(rotate: bool) -> None:
    g = gaussian_information_bottleneck(*covariances(rotate))
    assert g.eigenvalues == pytest.approx(LAM, abs=1e-12)
    assert g.critical_betas == pytest.approx([4 / 3, 2.0], abs=1e-12)
    assert g.i_xy == pytest.approx(-0.5 * np.log2(LAM).sum(), abs=1e-12)  # 1.5 bits


@pytest.mark.parametrize("rotate", [False, True])
def test_closed_form_matches_the_projection(rotate: bool) -> None:
    cov = covariances(rotate)
    g = gaussian_information_bottleneck(*cov)
    for beta in (1.2, 1.5, 2.0, 3.0, 10.0, 1e3):
        i_xt, i_ty = g.information(beta)
        a = g.projection(beta)
        d_xt, d_ty = projection_information(a, *cov)
        assert float(i_xt) == pytest.approx(d_xt, abs=1e-10)
        assert float(i_ty) == pytest.approx(d_ty, abs=1e-10)
        assert a.shape[0] == int((beta > g.critical_betas).sum())


def test_closed_form_values() -> None:
    g = gaussian_information_bottleneck(*covariances(False))
    beta = 3.0  # both components active
    i_xt = 0.5 * np.log2((beta - 1) * (1 - LAM) / LAM).sum()
    i_ty = i_xt - 0.5 * np.log2(beta * (1 - LAM)).sum()
    got = g.information(beta)
    assert float(got[0]) == pytest.approx(i_xt, abs=1e-12)
    assert float(got[1]) == pytest.approx(i_ty, abs=1e-12)
    assert g.information(1.0)[0] == 0.0  # below the first critical beta
    assert float(g.information(1e9)[1]) == pytest.approx(1.5, abs=1e-6)


def test_no_projection_beats_the_closed_form() -> None:
    cov = covariances(True)
    g = gaussian_information_bottleneck(*cov)
    rng = np.random.default_rng(0)
    for beta in (1.5, 2.5, 6.0):
        i_xt, i_ty = g.information(beta)
        best = float(i_xt - beta * i_ty)
        for _ in range(200):
            a = rng.normal(size=(2, 2)) * rng.uniform(0, 3)
            x, y = projection_information(a, *cov)
            assert x - beta * y >= best - 1e-9


def test_curve_and_splitting() -> None:
    sx, sxy, sy = covariances(False)
    joint = np.block([[sx, sxy], [sxy.T, sy]])
    parts = split_joint_covariance(joint, 2)
    assert np.allclose(parts[1], sxy)
    curve = gaussian_information_bottleneck(*parts).curve([1.0, 1.5, 2.5])
    assert curve.n_clusters.tolist() == [0, 1, 2]
    assert curve.method == "gaussian"


def test_degenerate_inputs_raise() -> None:
    with pytest.raises(InfoplaneError, match="positive definite"):
        gaussian_information_bottleneck(np.zeros((2, 2)), np.zeros((2, 1)), np.eye(1))
    with pytest.raises(InfoplaneError, match="singular"):
        gaussian_information_bottleneck(np.eye(1), np.eye(1), np.eye(1))
    with pytest.raises(InfoplaneError, match="shape"):
        gaussian_information_bottleneck(np.eye(2), np.eye(3), np.eye(1))
    with pytest.raises(InfoplaneError, match="x_dim"):
        split_joint_covariance(np.eye(3), 3)
