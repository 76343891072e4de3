"""Gradient-flow dynamics of the infinite ensemble (Lee et al. 2019, arXiv 1902.06720)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from infoplane.interface import InfoplaneError
from infoplane.ntk import GradientFlowEnsemble, fc_kernels, kernel_regression, one_hot


@pytest.fixture(scope="module")
def problem() -> dict:
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(40, 6, generator=gen, dtype=torch.float64)
    y = one_hot((x[:, 0] > 0).long().numpy())
    tr, te = torch.arange(30), torch.arange(30, 40)
    k_tr = fc_kernels(x[tr], depth=2, activation="erf")
    k_x = fc_kernels(x[te], x[tr], depth=2, activation="erf")
    k_te = fc_kernels(x[te], depth=2, activation="erf")
    ens = GradientFlowEnsemble(k_tr.nngp, k_tr.ntk, y[tr], learning_rate=0.5)
    return {"ens": ens, "k_tr": k_tr, "k_x": k_x, "k_te": k_te, "y": y, "tr": tr, "te": te}


TIMES = [0.0, 0.3, 3.0, 30.0, 300.0, 3e4, math.inf]


def test_mean_at_infinity_is_kernel_regression(problem: dict) -> None:
    p = problem
    pred = p["ens"].predict([math.inf], p["k_x"].nngp, p["k_x"].ntk, p["k_te"].nngp)
    want = kernel_regression(p["k_tr"].ntk, p["k_x"].ntk, p["y"][p["tr"]])
    assert torch.allclose(pred.mean[0], want, rtol=1e-6, atol=1e-8)
    train = p["ens"].predict([math.inf])
    assert torch.allclose(train.mean[0], p["y"][p["tr"]], atol=1e-6)


def test_initialisation_is_the_nngp_prior(problem: dict) -> None:
    p = problem
    pred = p["ens"].predict([0.0], p["k_x"].nngp, p["k_x"].ntk, p["k_te"].nngp)
    assert torch.allclose(pred.mean[0], torch.zeros_like(pred.mean[0]))
    assert torch.allclose(pred.covariance[0], p["k_te"].nngp, atol=1e-10)
    train = p["ens"].predict([0.0])
    assert torch.allclose(train.covariance[0], p["k_tr"].nngp, atol=1e-10)


@pytest.mark.parametrize("on", ["test", "train"])
def test_covariance_is_symmetric_psd_at_all_times(problem: dict, on: str) -> None:
    p = problem
    if on == "test":
        pred = p["ens"].predict(TIMES, p["k_x"].nngp, p["k_x"].ntk, p["k_te"].nngp)
    else:
        pred = p["ens"].predict(TIMES)
    for cov in pred.covariance:
        assert torch.equal(cov, cov.T)
        scale = float(p["k_tr"].nngp.abs().max())
        assert float(torch.linalg.eigvalsh(cov).min()) > -1e-8 * scale


def test_variance_only_matches_full_covariance(problem: dict) -> None:
    p = problem
    full = p["ens"].predict(TIMES, p["k_x"].nngp, p["k_x"].ntk, p["k_te"].nngp)
    diag = p["ens"].predict(
        TIMES, p["k_x"].nngp, p["k_x"].ntk, torch.diagonal(p["k_te"].nngp), full_covariance=False
    )
    assert diag.covariance is None
    assert torch.allclose(full.variance, diag.variance, atol=1e-10)
    assert torch.allclose(full.mean, diag.mean)
    tr_full, tr_var = p["ens"].predict(TIMES), p["ens"].predict(TIMES, full_covariance=False)
    assert torch.allclose(tr_full.variance, tr_var.variance, atol=1e-10)


def test_cross_formula_on_training_inputs_equals_train_formula(problem: dict) -> None:
    p = problem
    k = p["k_tr"]
    via_cross = p["ens"].predict(TIMES[:-1], k.nngp, k.ntk, k.nngp)
    direct = p["ens"].predict(TIMES[:-1])
    assert torch.allclose(via_cross.mean, direct.mean, atol=1e-8)
    assert torch.allclose(via_cross.covariance, direct.covariance, atol=1e-7)


def test_mean_follows_the_gradient_flow_ode(problem: dict) -> None:
    # d mu / dt = -(eta / n) Theta (mu - Y) on the training inputs; central finite difference.
    p = problem
    ens, t, h = p["ens"], 5.0, 1e-4
    mu = ens.predict([t - h, t, t + h]).mean
    deriv = (mu[2] - mu[0]) / (2 * h)
    want = -(ens.learning_rate / ens.n_train) * p["k_tr"].ntk @ (mu[1] - ens.y_train)
    assert torch.allclose(deriv, want, atol=1e-7)


def test_singular_ntk_uses_the_pseudo_inverse() -> None:
    x = torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]], dtype=torch.float64)  # duplicate row
    k = fc_kernels(x, depth=1)
    ens = GradientFlowEnsemble(k.nngp, k.ntk, torch.tensor([1.0, 1.0, -1.0]))
    pred = ens.predict([1e6, math.inf])
    assert torch.isfinite(pred.mean).all() and torch.isfinite(pred.variance).all()
    assert torch.allclose(pred.mean[1, :, 0], torch.tensor([1.0, 1.0, -1.0]).double(), atol=1e-6)


def test_bad_arguments_name_the_argument(problem: dict) -> None:
    p = problem
    with pytest.raises(InfoplaneError, match="times"):
        p["ens"].predict([-1.0])
    with pytest.raises(InfoplaneError, match="together"):
        p["ens"].predict([1.0], p["k_x"].nngp)
    with pytest.raises(InfoplaneError, match="y_train"):
        GradientFlowEnsemble(p["k_tr"].nngp, p["k_tr"].ntk, np.zeros(3))
    with pytest.raises(InfoplaneError, match="learning_rate"):
        GradientFlowEnsemble(p["k_tr"].nngp, p["k_tr"].ntk, p["y"][p["tr"]], learning_rate=0)


def test_wide_network_trained_by_gradient_descent_follows_the_kernel_dynamics() -> None:
    # One width-4096 ReLU network (NTK parameterisation) trained by full-batch gradient descent on
    # L = (1/2n) sum (f - y)^2, step 0.04 for 500 steps (t = 20), against the linearised flow
    # f_t = f_0 + Theta(x, X) A_t (Y - f_0(X)) of GradientFlowEnsemble's filter factors. With the
    # network's own empirical NTK (torch.func) the measured max error is 0.004 (this checks the
    # time units); with the analytic NTK it is 0.07 (the O(1/sqrt(width)) kernel error), out of an
    # output change of 1.86.
    from torch.func import jacrev

    gen = torch.Generator().manual_seed(3)
    x = torch.randn(15, 4, generator=gen, dtype=torch.float64)
    y = torch.sin(2 * x[:10, 0:1])
    width, wv, bv = 4096, 2.0, 0.1
    shapes = {"w1": (width, 4), "b1": (width,), "w2": (1, width), "b2": (1,)}
    params = {k: torch.randn(v, generator=gen, dtype=torch.float64) for k, v in shapes.items()}

    def f(p: dict[str, torch.Tensor], inp: torch.Tensor) -> torch.Tensor:
        h = torch.relu(math.sqrt(wv / 4) * inp @ p["w1"].T + math.sqrt(bv) * p["b1"])
        return math.sqrt(wv / width) * h @ p["w2"].T + math.sqrt(bv) * p["b2"]

    jac = jacrev(lambda p: f(p, x)[:, 0])(params)
    j = torch.cat([v.reshape(15, -1) for v in jac.values()], dim=1)
    ntk_emp = j @ j.T
    f0 = f(params, x)
    step, n_steps = 0.04, 500
    leaves = [v.requires_grad_() for v in params.values()]
    for _ in range(n_steps):  # loop over gradient-descent steps
        loss = 0.5 * ((f(params, x[:10]) - y) ** 2).mean()
        grads = torch.autograd.grad(loss, leaves)
        with torch.no_grad():
            for v, g in zip(leaves, grads, strict=True):
                v -= step * g
    ft = f(params, x).detach()

    def linearised(ntk_train: torch.Tensor, ntk_cross: torch.Tensor) -> torch.Tensor:
        ens = GradientFlowEnsemble(ntk_train, ntk_train, y)
        d = ens.filter_factors([step * n_steps])[0]
        a_t = ens.eigenvectors @ torch.diag(d) @ ens.eigenvectors.T
        return f0 + ntk_cross @ a_t @ (y - f0[:10])

    err_emp = float((ft - linearised(ntk_emp[:10, :10], ntk_emp[:, :10])).abs().max())
    k_tr = fc_kernels(x[:10], depth=1, weight_var=wv, bias_var=bv)
    k_x = fc_kernels(x, x[:10], depth=1, weight_var=wv, bias_var=bv)
    err_analytic = float((ft - linearised(k_tr.ntk, k_x.ntk)).abs().max())
    assert float((ft - f0).abs().max()) > 0.5  # it did move
    assert err_emp < 0.03, err_emp
    assert err_analytic < 0.15, err_analytic
