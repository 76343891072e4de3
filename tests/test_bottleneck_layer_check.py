"""The IB self-consistency check of claim (iii) (Tishby et al. 1999 eq. 28; Strouse & Schwab 2017)."""

from __future__ import annotations

import importlib
import sys

import numpy as np
import pytest

from infoplane.bottleneck import fixed_point, layer_check, self_consistency, twelve_bit_bound
from infoplane.data.twelve_bit import twelve_bit_inputs, twelve_bit_p_x, twelve_bit_p_y_given_x
from infoplane.interface import InfoplaneError

importlib.import_module("infoplane.bottleneck.layer_check")
# the module (the package exports the function of the same name)
LC = sys.modules["infoplane.bottleneck.layer_check"]


def small_task(n: int = 64) -> np.ndarray:
    p1 = np.sort(np.random.default_rng(0).uniform(0.02, 0.98, n))
    return np.stack([1 - p1, p1], 1)


@pytest.mark.parametrize("beta", [10.0, 30.0])
def test_reads_zero_on_iterative_ib_solutions(beta: float) -> None:
    pyx = small_task()
    sol = fixed_point(p_y_given_x=pyx, beta=beta, init="random", n_clusters=8, seed=1, tol=1e-13,
                      max_iter=20000)  # fmt: skip
    assert sol.converged and sol.encoder.shape[1] >= 2
    row = self_consistency(sol.encoder, pyx).iloc[0]
    assert row["kind"] == "soft" and row["unit"] == "bits"
    assert row["residual"] < 1e-8
    assert row["beta"] == pytest.approx(beta, rel=1e-5)


@pytest.mark.parametrize("beta", [3.0, 10.0, 30.0])
def test_reads_zero_on_deterministic_ib_solutions(beta: float) -> None:
    pyx = small_task()
    sol = fixed_point(p_y_given_x=pyx, beta=beta, init="random", n_clusters=8, seed=2, alpha=0.0)
    assert sol.converged
    row = self_consistency(sol.encoder.argmax(1), pyx).iloc[0]
    assert row["kind"] == "hard" and row["inconsistent"] == 0.0
    assert row["beta_low"] <= beta <= row["beta_high"]
    assert row["beta_low"] <= row["beta"] <= row["beta_high"]


def test_reads_large_on_random_partitions_and_encoders() -> None:
    pyx = small_task()
    rng = np.random.default_rng(3)
    hard = self_consistency(rng.integers(0, 8, size=(5, 64)), pyx)
    assert (hard.inconsistent > 0.5).all() and (hard.not_argmin > 0.6).all()
    assert (hard.residual > 0).all()
    enc = rng.dirichlet(np.full(8, 0.1), size=64)
    i_xt = (enc * np.log2(enc / enc.mean(0))).sum(1).mean()  # S(0) = I(X;T): q_0(t|x) = p(t)
    soft = self_consistency(enc, pyx).iloc[0]
    assert i_xt > 1.5 and soft["residual"] > 0.9 * i_xt  # no beta brings it near an IB encoder


def distortion(f: np.ndarray, pyx: np.ndarray) -> np.ndarray:
    """d(x, t) = KL[p(y|x) || p(y|t)] in nats, (n_x, n_t), for a partition (uniform p(x))."""
    n_t = f.max() + 1
    pyt = np.stack([np.bincount(f, weights=pyx[:, k], minlength=n_t) for k in range(2)], 1)
    pyt /= pyt.sum(1, keepdims=True)
    return (pyx[:, None, :] * (np.log(pyx[:, None, :]) - np.log(pyt[None]))).sum(-1)


def test_beta_infinity_limit_reads_zero_on_nearest_decoder_partitions() -> None:
    pyx = small_task()
    f = np.random.default_rng(6).integers(0, 6, 64)
    for _ in range(100):  # reassign each input to its closest decoder until nothing moves
        g = np.unique(distortion(f, pyx).argmin(1), return_inverse=True)[1]
        if np.array_equal(g, f):
            break
        f = g
    row = self_consistency(f, pyx).iloc[0]
    assert row["not_argmin"] == 0.0 and row["residual"] == pytest.approx(0.0, abs=1e-15)
    # and on a perturbed one the residual is the excess distortion E[d(x, f(x)) - min_t d(x, t)]
    f[[3, 40]] = f[[40, 3]]
    d = distortion(f, pyx)
    row = self_consistency(f, pyx).iloc[0]
    excess = d[np.arange(64), f] - d.min(1)
    assert row["residual"] == pytest.approx(excess.mean() / np.log(2), rel=1e-9)
    assert row["not_argmin"] == pytest.approx((excess > 1e-12).mean())


def dib_covered(f: np.ndarray, pyx: np.ndarray, beta: float) -> float:
    """Mass of inputs whose cluster is the deterministic-IB choice at beta (plain numpy)."""
    n_t = f.max() + 1
    p_t = np.bincount(f, minlength=n_t) / len(f)
    pyt = np.stack([np.bincount(f, weights=pyx[:, k], minlength=n_t) for k in range(2)], 1)
    pyt /= pyt.sum(1, keepdims=True)
    d = (pyx[:, None, :] * (np.log(pyx[:, None, :]) - np.log(pyt[None]))).sum(-1)
    score = np.log(p_t)[None] - beta * d
    return float((score[np.arange(len(f)), f] >= score.max(1) - 1e-12).mean())


def test_best_beta_is_the_best_of_a_brute_force_scan() -> None:
    pyx = small_task()
    rng = np.random.default_rng(4)
    for _ in range(3):
        f = np.sort(rng.integers(0, 5, 64))  # clusters of neighbouring p(y|x), imperfect
        f[rng.integers(0, 64, 6)] = rng.integers(0, 5, 6)
        f = np.unique(f, return_inverse=True)[1]
        row = self_consistency(f, pyx).iloc[0]
        scan = max(dib_covered(f, pyx, b) for b in np.geomspace(1e-2, 1e4, 400))
        assert 1 - row["inconsistent"] >= scan - 1e-12
        assert dib_covered(f, pyx, row["beta"]) == pytest.approx(1 - row["inconsistent"])


def twelve_bit_partitions() -> np.ndarray:
    rng = np.random.default_rng(5)
    x = twelve_bit_inputs().astype(np.float64) * 2 - 1
    acts = [np.tanh(x @ rng.normal(size=(12, u)) * s) for u, s in ((10, 1.0), (4, 2.0), (3, 0.5))]
    codes = [np.floor((a + 1) / (2 / 30)).clip(0, 29) for a in acts]
    return np.stack([np.unique(c, axis=0, return_inverse=True)[1].ravel() for c in codes])


def test_windowed_check_equals_the_dense_one(monkeypatch: pytest.MonkeyPatch) -> None:
    pyx, px = twelve_bit_p_y_given_x(), twelve_bit_p_x()
    labels = twelve_bit_partitions()
    fast = self_consistency(labels, pyx, p_x=px)
    monkeypatch.setattr(LC, "_WINDOWS", ())
    dense = self_consistency(labels, pyx, p_x=px)
    assert (fast.n_clusters > 4 * (2 * 16 + 16)).any()  # the windows were used
    np.testing.assert_array_equal(fast.inconsistent, dense.inconsistent)
    np.testing.assert_array_equal(fast.not_argmin, dense.not_argmin)
    np.testing.assert_allclose(fast.beta, dense.beta, rtol=1e-3)
    np.testing.assert_allclose(fast.residual, dense.residual, rtol=1e-3, atol=1e-12)


def test_layer_check_columns_on_a_twelve_bit_layer() -> None:
    rng = np.random.default_rng(1)
    x = twelve_bit_inputs()
    acts = np.tanh(np.stack([x @ rng.normal(size=(12, 3)) * s for s in (0.1, 1.0)]))
    df = layer_check(acts, twelve_bit_p_y_given_x(), p_x=twelve_bit_p_x(), epochs=[3, 7],
                     bound=twelve_bit_bound())  # fmt: skip
    assert list(df.columns) == [
        "repeat", "epoch", "i_xt", "i_ty", "bound_i_ty", "distance", "excess_i_xt", "n_clusters",
        "above_bound", "beta", "beta_low", "beta_high", "residual", "inconsistent", "not_argmin",
        "unit",
    ]  # fmt: skip
    assert df.epoch.tolist() == [3, 7] and (df.distance >= 0).all()
    assert (df.inconsistent.between(0, 1)).all() and (df.residual >= 0).all()


def test_bad_input_raises() -> None:
    pyx = small_task()
    with pytest.raises(InfoplaneError, match="activations"):
        layer_check(np.zeros(64), pyx)
    with pytest.raises(InfoplaneError, match="p_y_given_x"):
        layer_check(np.zeros((1, 64, 2)), pyx[:10])
    with pytest.raises(InfoplaneError, match="epochs"):
        layer_check(np.zeros((2, 64, 2)), pyx, epochs=[1])
    with pytest.raises(InfoplaneError, match="encoder"):
        self_consistency(-np.ones((64, 3)), pyx)
    with pytest.raises(InfoplaneError, match="sum to 1"):
        self_consistency(np.ones((64, 3)), pyx)
    with pytest.raises(InfoplaneError, match="beta_bounds"):
        self_consistency(np.ones((64, 1)), pyx, beta_bounds=(1.0, 0.5))


def test_twelve_bit_bound_file() -> None:
    df = twelve_bit_bound()
    assert list(df.columns) == ["beta", "i_xt", "i_ty"]
    assert df.i_xt.iloc[0] == pytest.approx(0.0, abs=1e-9)
    assert df.i_ty.iloc[0] == pytest.approx(0.0, abs=1e-9)
    assert df.i_ty.iloc[-1] == pytest.approx(0.84434, abs=1e-5)
    assert df.i_xt.iloc[-1] == pytest.approx(12.0, abs=1e-3)
    assert np.all(np.diff(df.i_xt) >= 0) and np.all(np.diff(df.i_ty) >= 0)
    assert np.isinf(df.beta.iloc[-1])
