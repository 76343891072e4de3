"""The dual IB (Piran, Shwartz-Ziv & Tishby 2020)."""

from __future__ import annotations

import numpy as np
import pytest

from infoplane.bottleneck import as_joint_distribution, dual_information_bottleneck, fixed_point
from infoplane.interface import InfoplaneError


def test_hard_labels_need_label_smoothing() -> None:
    hard = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    with pytest.raises(InfoplaneError, match="label_smoothing"):
        dual_information_bottleneck(p_y_given_x=hard, betas=[1.0])
    curve = dual_information_bottleneck(p_y_given_x=hard, betas=[1.0, 100.0], label_smoothing=0.1)
    smoothed = as_joint_distribution(p_y_given_x=0.9 * hard + 0.05)
    assert curve.i_ty[-1] == pytest.approx(smoothed.mutual_information(), abs=1e-5)
    assert curve.params["label_smoothing"] == 0.1


def test_limits() -> None:
    rng = np.random.default_rng(0)
    pyx = rng.dirichlet(np.ones(3), size=10)
    dist = as_joint_distribution(p_y_given_x=pyx)
    curve = dual_information_bottleneck(dist, [1e-3, 1e5])
    assert curve.i_xt[0] < 1e-6 and curve.i_ty[0] < 1e-6
    assert curve.i_ty[-1] == pytest.approx(dist.mutual_information(), abs=1e-5)
    assert curve.method == "dualib"


def test_dual_functional_never_increases() -> None:
    rng = np.random.default_rng(1)
    pyx = rng.dirichlet(np.ones(3), size=25)
    sol = fixed_point(
        p_y_given_x=pyx, beta=5.0, kind="dual", init="random", n_clusters=8, merge_tol=None,
        max_iter=300,
    )  # fmt: skip
    assert np.diff(sol.lagrangian_trace).max() <= 1e-10


def test_geometric_mean_decoder() -> None:
    # one cluster: the dual decoder is the normalised geometric mean of p(y|x) over p(x)
    pyx = np.array([[0.8, 0.2], [0.4, 0.6]])
    sol = fixed_point(p_y_given_x=pyx, beta=1e-6, kind="dual", init=np.ones((2, 1)))
    g = np.exp(0.5 * np.log(pyx).sum(0))
    assert np.allclose(sol.p_y_given_t[0], g / g.sum())
