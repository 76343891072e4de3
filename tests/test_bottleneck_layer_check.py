"""The 2017 paper's check that layers satisfy the IB equations, and the shipped 12-bit bound."""

from __future__ import annotations

import numpy as np
import pytest

from infoplane.bottleneck import layer_check, twelve_bit_bound
from infoplane.data.twelve_bit import twelve_bit_inputs, twelve_bit_p_x, twelve_bit_p_y_given_x
from infoplane.interface import InfoplaneError


def expected_kl(beta: float, f: np.ndarray, pyx: np.ndarray) -> float:
    """R(beta) = E_x[-log q_beta(f(x)|x)] in nats, written out with plain numpy (uniform p(x))."""
    n_t = f.max() + 1
    p_t = np.bincount(f, minlength=n_t) / len(f)
    pyt = np.stack([np.bincount(f, weights=pyx[:, k], minlength=n_t) for k in range(2)], 1)
    pyt /= pyt.sum(1, keepdims=True)
    d = (pyx[:, None, :] * (np.log(pyx[:, None, :]) - np.log(pyt[None]))).sum(-1)
    logits = np.log(p_t)[None] - beta * d
    m = logits.max(1, keepdims=True)
    log_q = logits - m - np.log(np.exp(logits - m).sum(1, keepdims=True))
    return float(-log_q[np.arange(len(f)), f].mean())


def small_task() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    p1 = np.sort(rng.uniform(0.02, 0.98, 64))
    pyx = np.stack([1 - p1, p1], 1)
    return pyx, p1


def test_fitted_beta_minimises_expected_kl() -> None:
    pyx, p1 = small_task()
    # a 1-unit "layer" whose 4 bins group inputs by p(y=1|x), with some inputs misplaced
    t = (p1 - 0.5)[None, :, None] * 1.9
    t[0, ::7, 0] *= -1
    df = layer_check(t, pyx, n_bins=4, range=(-1, 1), epochs=[5])
    row = df.iloc[0]
    assert row.epoch == 5 and not row.beta_at_limit
    f = np.unique(np.floor((t[0, :, 0] + 1) / 0.5), return_inverse=True)[1].ravel()
    r = expected_kl(row.beta, f, pyx)
    assert row.residual == pytest.approx(r / np.log(2), rel=1e-6)
    for factor in (0.9, 1.1):
        assert expected_kl(row.beta * factor, f, pyx) >= r - 1e-12
    assert row.slope == pytest.approx(1 / row.beta)
    assert row.n_clusters == 4 and row.i_xt <= 2.0


def test_edge_cases() -> None:
    p1 = np.linspace(0.05, 0.95, 64)
    pyx = np.stack([1 - p1, p1], 1)
    one = np.zeros((1, 64, 3))  # every input in one bin
    distinct = (np.arange(64) / 64 - 0.5)[None, :, None]  # every input its own bin
    df = layer_check(np.concatenate([one[..., :1], distinct]), pyx, n_bins=64, range=(-0.5, 0.5))
    assert np.isnan(df.beta[0]) and df.residual[0] == 0.0 and df.i_xt[0] == 0.0
    assert df.beta_at_limit[1] and df.i_xt[1] == pytest.approx(6.0)
    assert df.residual[1] < 1e-6


def test_bound_columns_and_twelve_bit_layer() -> None:
    rng = np.random.default_rng(1)
    x = twelve_bit_inputs()
    acts = np.tanh(np.stack([x @ rng.normal(size=(12, 3)) * s for s in (0.1, 1.0)]))
    df = layer_check(acts, twelve_bit_p_y_given_x(), p_x=twelve_bit_p_x(), bound=twelve_bit_bound())
    assert list(df.columns[:8]) == [
        "epoch", "beta", "residual", "slope", "i_xt", "i_ty", "n_clusters", "beta_at_limit",
    ]  # fmt: skip
    assert (df.i_ty <= df.bound_i_ty + 1e-3).all()
    assert (df.residual >= 0).all() and (df.i_xt <= 12 + 1e-9).all()


def test_bad_input_raises() -> None:
    pyx, _ = small_task()
    with pytest.raises(InfoplaneError, match="activations"):
        layer_check(np.zeros(64), pyx)
    with pytest.raises(InfoplaneError, match="p_y_given_x"):
        layer_check(np.zeros((1, 64, 2)), pyx[:10])
    with pytest.raises(InfoplaneError, match="epochs"):
        layer_check(np.zeros((2, 64, 2)), pyx, epochs=[1])


def test_twelve_bit_bound_file() -> None:
    df = twelve_bit_bound()
    assert list(df.columns) == ["beta", "i_xt", "i_ty"]
    assert df.i_xt.iloc[0] == pytest.approx(0.0, abs=1e-9)
    assert df.i_ty.iloc[0] == pytest.approx(0.0, abs=1e-9)
    assert df.i_ty.iloc[-1] == pytest.approx(0.84434, abs=1e-5)
    assert df.i_xt.iloc[-1] == pytest.approx(12.0, abs=1e-3)
    assert np.all(np.diff(df.i_xt) >= 0) and np.all(np.diff(df.i_ty) >= 0)
    assert np.isinf(df.beta.iloc[-1])
