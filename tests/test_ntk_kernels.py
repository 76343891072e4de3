"""NNGP and NTK recursions against Monte Carlo estimates from wide finite networks.

Tolerances (measured, then given about 2.5x headroom):

- NTK: the empirical NTK J J^T of a width-2048 network (NTK parameterisation,
  ``torch.func.jacrev``) fluctuates around the infinite-width kernel with relative size
  O(sqrt(depth / width)); averaged over 3 networks the relative Frobenius error is about 0.02 at
  depth 2 (measured 0.022-0.023), so the test requires < 0.06.
- NNGP: the covariance of the outputs over R = 2000 random width-128 networks of depth 2; each entry
  must lie within 5 Monte Carlo standard errors sqrt((K_ij^2 + K_ii K_jj) / R) plus 0.02 max|K|
  (the O(depth / width) finite-width bias).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch.func import jacrev

from infoplane.interface import InfoplaneError
from infoplane.ntk import fc_kernels

WV, BV = {"relu": 2.0, "erf": 1.5}, 0.1


def _init(d: int, width: int, depth: int, gen: torch.Generator) -> dict[str, torch.Tensor]:
    sizes = [d] + [width] * depth + [1]
    params = {}
    for i in range(depth + 1):
        params[f"w{i}"] = torch.randn(sizes[i + 1], sizes[i], generator=gen, dtype=torch.float64)
        params[f"b{i}"] = torch.randn(sizes[i + 1], generator=gen, dtype=torch.float64)
    return params


def _forward(p: dict[str, torch.Tensor], x: torch.Tensor, depth: int, act: str) -> torch.Tensor:
    """Finite network in the NTK parameterisation (the module docstring of ntk.kernels)."""
    h = x
    for i in range(depth + 1):
        if i > 0:
            h = torch.relu(h) if act == "relu" else torch.erf(h)
        h = math.sqrt(WV[act] / h.shape[-1]) * h @ p[f"w{i}"].T + math.sqrt(BV) * p[f"b{i}"]
    return h[..., 0]


@pytest.mark.parametrize("act", ["relu", "erf"])
def test_ntk_matches_empirical_ntk_of_width_2048_nets(act: str) -> None:
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(6, 5, generator=gen, dtype=torch.float64)
    depth, n_nets = 2, 3
    ref = fc_kernels(x, depth=depth, activation=act, weight_var=WV[act], bias_var=BV)
    acc = torch.zeros(6, 6, dtype=torch.float64)
    for _ in range(n_nets):
        params = _init(5, 2048, depth, gen)
        jac = jacrev(lambda p: _forward(p, x, depth, act))(params)
        j = torch.cat([v.reshape(6, -1) for v in jac.values()], dim=1)
        acc += j @ j.T / n_nets
    rel = float((acc - ref.ntk).norm() / ref.ntk.norm())
    assert rel < 0.06, rel


@pytest.mark.slow
@pytest.mark.parametrize("act", ["relu", "erf"])
def test_deep_ntk_matches_empirical_ntk(act: str) -> None:
    # Depth 4, mean of 6 width-2048 networks: measured relative error 0.034 (relu), 0.040 (erf).
    gen = torch.Generator().manual_seed(5)
    x = torch.randn(6, 5, generator=gen, dtype=torch.float64)
    depth, n_nets = 4, 6
    ref = fc_kernels(x, depth=depth, activation=act, weight_var=WV[act], bias_var=BV)
    acc = torch.zeros(6, 6, dtype=torch.float64)
    for _ in range(n_nets):
        params = _init(5, 2048, depth, gen)
        jac = jacrev(lambda p: _forward(p, x, depth, act))(params)
        j = torch.cat([v.reshape(6, -1) for v in jac.values()], dim=1)
        acc += j @ j.T / n_nets
    rel = float((acc - ref.ntk).norm() / ref.ntk.norm())
    assert rel < 0.1, rel


@pytest.mark.parametrize("act", ["relu", "erf"])
def test_nngp_matches_output_covariance_over_random_nets(act: str) -> None:
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(5, 4, generator=gen, dtype=torch.float64)
    depth, width, n_nets, chunk = 2, 128, 2000, 500
    ref = fc_kernels(x, depth=depth, activation=act, weight_var=WV[act], bias_var=BV).nngp
    sizes = [4] + [width] * depth + [1]
    outs = []
    for _ in range(n_nets // chunk):  # chunks of networks, each chunk one batched computation
        h = x.expand(chunk, *x.shape)
        for i in range(depth + 1):
            if i > 0:
                h = torch.relu(h) if act == "relu" else torch.erf(h)
            w = torch.randn(chunk, sizes[i + 1], sizes[i], generator=gen, dtype=torch.float64)
            b = torch.randn(chunk, 1, sizes[i + 1], generator=gen, dtype=torch.float64)
            h = math.sqrt(WV[act] / sizes[i]) * h @ w.transpose(1, 2) + math.sqrt(BV) * b
        outs.append(h[..., 0])
    f = torch.cat(outs)
    emp = f.T @ f / n_nets
    diag = torch.diagonal(ref)
    se = torch.sqrt((ref**2 + torch.outer(diag, diag)) / n_nets)
    tol = 5 * se + 0.02 * ref.abs().max()
    assert bool(((emp - ref).abs() <= tol).all()), float(((emp - ref).abs() / tol).max())


def test_relu_depth1_closed_form_by_hand() -> None:
    # Two orthogonal unit-norm inputs in d = 2, no bias: K^1 = weight_var * I / 2.
    x = torch.eye(2, dtype=torch.float64) * math.sqrt(2.0)
    k = fc_kernels(x, depth=1, activation="relu", weight_var=2.0, bias_var=0.0)
    # K^1 = diag(2, 2); E[relu relu] at theta = pi/2 is sqrt(4)/(2 pi) = 1/pi, on the diagonal k/2.
    assert torch.allclose(k.nngp, torch.tensor([[2.0, 2 / math.pi], [2 / math.pi, 2.0]]).double())
    # Theta^2 = K^2 + 2 * E[step step] * K^1: E[step step] = 1/4 off-diagonal, 1/2 on it.
    want_ntk = k.nngp + 2.0 * torch.tensor([[0.5 * 2.0, 0.0], [0.0, 0.5 * 2.0]]).double()
    assert torch.allclose(k.ntk, want_ntk)


@pytest.mark.parametrize("act", ["relu", "erf"])
def test_gram_is_symmetric_psd_and_diag_matches(act: str) -> None:
    x = torch.randn(30, 7, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    k = fc_kernels(x, depth=3, activation=act)
    kd = fc_kernels(x, depth=3, activation=act, diag=True)
    for full, d in ((k.nngp, kd.nngp), (k.ntk, kd.ntk)):
        assert torch.equal(full, full.T)
        assert float(torch.linalg.eigvalsh(full).min()) > -1e-10 * float(full.abs().max())
        assert torch.allclose(torch.diagonal(full), d, rtol=1e-10, atol=1e-12)
    cross = fc_kernels(x[:4], x, depth=3, activation=act)
    assert torch.allclose(cross.ntk, k.ntk[:4], rtol=1e-10, atol=1e-12)


def test_depth_zero_is_linear_kernel() -> None:
    x = np.random.default_rng(0).normal(size=(5, 3))
    k = fc_kernels(x, depth=0, weight_var=1.5, bias_var=0.2)
    want = torch.as_tensor(1.5 * x @ x.T / 3 + 0.2)
    assert torch.allclose(k.nngp, want) and torch.allclose(k.ntk, want)


def test_zero_input_with_no_bias_is_finite() -> None:
    x = torch.zeros(2, 3, dtype=torch.float64)
    k = fc_kernels(x, depth=2, activation="relu", bias_var=0.0)
    assert torch.isfinite(k.nngp).all() and torch.isfinite(k.ntk).all()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"activation": "tanh"}, "activation"),
        ({"depth": -1}, "depth"),
        ({"weight_var": 0.0}, "weight_var"),
        ({"bias_var": -1.0}, "bias_var"),
    ],
)
def test_bad_architecture_names_the_argument(kwargs: dict, match: str) -> None:
    with pytest.raises(InfoplaneError, match=match):
        fc_kernels(np.ones((2, 2)), **kwargs)


def test_bad_inputs_name_the_argument() -> None:
    with pytest.raises(InfoplaneError, match="x1"):
        fc_kernels(np.ones(3))
    with pytest.raises(InfoplaneError, match="features"):
        fc_kernels(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(InfoplaneError, match="diag"):
        fc_kernels(np.ones((2, 3)), np.ones((2, 3)), diag=True)
