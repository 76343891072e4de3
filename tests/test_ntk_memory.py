"""The NTK pipeline after its speed and memory work (issue 15) gives the values it gave before.

``OLD`` is the table of :func:`~infoplane.ntk.ntk_information_plane` computed by the code before the
change (einsum over a (T, m, n) intermediate, every time through the matmuls) on a small task;
the new code must agree to float tolerance. The reference predictions below restate the old
formulas directly.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from infoplane.ntk import GradientFlowEnsemble, fc_kernels, ntk_information_plane

COLUMNS = [
    "t", "i_xz_lower_bits", "i_xz_upper_bits", "i_zy_gibbs_bits", "i_zy_bayes_bits", "h_y_bits",
    "log_lik_gibbs_bits", "log_lik_bayes_bits", "channel_var", "kl_init_bits", "mean_variance",
    "train_loss", "test_loss", "train_accuracy", "test_accuracy",
]  # fmt: skip
INF = math.inf
OLD = [
    [0.0, 0.0766201544986604, 0.0783060418980619, -0.022725113001855, -0.0200387117939552,
     0.979868756651153, -6.22413657006261, -6.20523236861756, 10.0, 0.0, 1.23680555555556, 0.5,
     0.5, 0.428571428571429, 0.384615384615385],
    [1.0, 0.0784237642827388, 0.0804757612351341, 0.00924181205031593, 0.0283892439131833,
     0.979868756651153, -3.84934359451405, -3.81665207187363, 1.77827941003892, 5.48459515018622,
     0.232810294974382, 0.217776394918542, 0.222323070736397, 0.6, 0.615384615384615],
    [30.0, 2.0908632955466, 2.20211283422541, 0.558432548340351, 0.575840427735456,
     0.979868756651153, -1.48104540340698, -1.45101420212345, 0.316227766016838,
     287.824672452787, 0.0171843168893059, 0.0662496195877284, 0.151478596930156,
     0.942857142857143, 0.769230769230769],
    [1000.0, 1.83094414667928, 1.99222207365642, 0.679093646172522, 0.68274123479639,
     0.979868756651153, -1.29149200028002, -1.28348905676891, 0.316227766016838,
     10303.7698470707, 0.00209500261075974, 0.0309632327827015, 0.148784352926893,
     0.942857142857143, 0.807692307692308],
    [INF, 1.79284851300533, 1.95171644432499, 0.656586135366591, 0.665388189483027,
     0.979868756651153, -1.29132711823329, -1.28333921941858, 0.316227766016838, INF,
     0.00208679760387778, 0.0309523809523809, 0.148710421520809, 0.942857142857143,
     0.846153846153846],
]  # fmt: skip


def _task() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = (rng.random((96, 6)) > 0.5).astype(np.float64)
    y = ((x.sum(1) + rng.random(96)) > 3.5).astype(np.int64)
    tr = np.sort(rng.choice(96, 70, replace=False))
    return x, y, tr


@pytest.fixture
def two_threads():
    """``OLD`` was computed on 2 torch threads: at t = inf one test input's two class outputs are
    tied to rounding, and on 1 thread (old and new code alike) its argmax flips."""
    old = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(old)


def test_table_equals_the_old_code_on_a_small_task(two_threads):
    x, y, tr = _task()
    times = [0.0, 1.0, 30.0, 1e3, math.inf]
    df = ntk_information_plane(x, y, tr, times=times, n_samples=3, depth=2)
    assert list(df.columns) == COLUMNS
    np.testing.assert_allclose(df.to_numpy(), np.array(OLD), rtol=1e-11, atol=1e-13)


def _old_predict(ens, times, kc, tc, kt):
    """The old formulas: einsum for the mean, one full pass per time for the variance."""
    d = ens.filter_factors(times)
    v = ens.eigenvectors
    a, b = tc @ v, kc @ v
    mean = torch.einsum("mn,tn,nk->tmk", a, d, ens.y_eig)
    var = [kt + ((a * d[i]) @ ens.nngp_eig * (a * d[i])).sum(-1) - 2 * (a * d[i] * b).sum(-1)
           for i in range(len(d))]  # fmt: skip
    return mean, torch.stack(var).clamp_min(0.0)


@pytest.mark.parametrize("full", [False, True])
def test_predict_equals_the_old_formulas(full):
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(30, 4, generator=gen, dtype=torch.float64)
    tr = torch.arange(20)
    kc = fc_kernels(x, x[tr], depth=1)
    kd = fc_kernels(x, diag=True)
    y = torch.randn(20, 3, generator=gen, dtype=torch.float64)
    ens = GradientFlowEnsemble(kc.nngp[tr], kc.ntk[tr], y)
    times = [0.0, 0.5, 20.0, math.inf]
    kt = fc_kernels(x).nngp if full else kd.nngp
    pred = ens.predict(times, kc.nngp, kc.ntk, kt, full_covariance=full)
    mean, var = _old_predict(ens, times, kc.nngp, kc.ntk, kd.nngp)
    torch.testing.assert_close(pred.mean, mean, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(pred.variance, var, rtol=1e-10, atol=1e-12)
    assert torch.equal(pred.variance[0], kd.nngp.clamp_min(0.0))  # t = 0: the prior, exactly
    train = ens.predict(times)  # the training inputs: mu = (I - E_t) Y
    e = torch.exp(-torch.tensor([0.0, 0.5, 20.0])[:, None] * ens.eigenvalues / 20)
    old = torch.einsum("an,tn,nk->tak", ens.eigenvectors, 1 - e, ens.y_eig)
    torch.testing.assert_close(train.mean[:3], old, rtol=1e-12, atol=1e-12)


def test_bounds_do_not_depend_on_the_row_chunk(monkeypatch):
    import infoplane.ntk.information as info

    gen = torch.Generator().manual_seed(2)
    mean = torch.randn(50, 2, generator=gen, dtype=torch.float64)
    var = torch.rand(50, 2, generator=gen, dtype=torch.float64) * 0.3
    var[:10] = 1e-6  # well separated components: the leave-one-out rows are recomputed
    whole = info.mixture_mi_bounds(mean, var, n_samples=3, seed=4)
    monkeypatch.setattr(info, "_ROW_CHUNK", 7)
    chunked = info.mixture_mi_bounds(mean, var, n_samples=3, seed=4)
    assert chunked.lower == pytest.approx(whole.lower, rel=1e-10)
    assert chunked.upper == pytest.approx(whole.upper, rel=1e-10)
    assert whole.upper > whole.lower > 0


def test_table_does_not_depend_on_the_evaluation_chunk(monkeypatch):
    import infoplane.ntk.plane as plane

    x, y, tr = _task()
    times = [0.0, 3.0, math.inf]
    whole = ntk_information_plane(x, y, tr, times=times, n_samples=2)
    monkeypatch.setattr(plane, "_CHUNK_BYTES", 17 * 8 * len(tr))  # 96 rows: chunks of 17
    chunked = ntk_information_plane(x, y, tr, times=times, n_samples=2)
    np.testing.assert_allclose(chunked.to_numpy(), whole.to_numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("activation", ["relu", "erf"])
def test_kernels_in_row_blocks_equal_one_block(monkeypatch, activation):
    import infoplane.ntk.kernels as kern

    gen = torch.Generator().manual_seed(3)
    x1 = torch.randn(37, 5, generator=gen, dtype=torch.float64)
    x2 = torch.randn(23, 5, generator=gen, dtype=torch.float64)
    kw = {"depth": 2, "activation": activation}
    whole = [kern.fc_kernels(x1, x2, **kw), kern.fc_kernels(x1, **kw)]
    monkeypatch.setattr(kern, "_BLOCK_BYTES", 8 * 23 * 4)  # 4 rows a block; 9 x 9 symmetrising
    blocked = [kern.fc_kernels(x1, x2, **kw), kern.fc_kernels(x1, **kw)]
    for w, b in zip(whole, blocked, strict=True):
        torch.testing.assert_close(b.nngp, w.nngp, rtol=1e-14, atol=1e-15)
        torch.testing.assert_close(b.ntk, w.ntk, rtol=1e-14, atol=1e-15)
    gram = blocked[1]
    assert torch.equal(gram.ntk, gram.ntk.T) and torch.equal(gram.nngp, gram.nngp.T)
    assert torch.equal(gram.ntk.diagonal(), kern.fc_kernels(x1, **kw, diag=True).ntk)


def test_symmetrize_in_blocks_gives_the_same_numbers(monkeypatch):
    import infoplane.ntk.kernels as kern

    m = torch.randn(50, 50, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    want = (m + m.T).mul_(0.5)
    monkeypatch.setattr(kern, "_BLOCK_BYTES", 8 * 7 * 7)  # blocks of 7: a ragged last block
    got = kern.symmetrize_(m.clone())
    assert torch.equal(got, want)


def test_ensemble_from_functions_frees_the_ntk_before_computing_k():
    import weakref

    gen = torch.Generator().manual_seed(5)
    x = torch.randn(30, 4, generator=gen, dtype=torch.float64)
    k = fc_kernels(x[:20], x[:20], depth=1)  # not exactly symmetric: the symmetrising matters
    y = torch.randn(20, 2, generator=gen, dtype=torch.float64)
    saved = (k.nngp.clone(), k.ntk.clone())
    ref = GradientFlowEnsemble(k.nngp, k.ntk, y, diag_reg=1e-3)
    assert torch.equal(k.nngp, saved[0]) and torch.equal(k.ntk, saved[1])  # caller's kept
    seen: dict = {}

    def ntk():
        m = k.ntk.clone()
        seen["ntk"] = weakref.ref(m)
        return m

    def nngp():
        seen["ntk alive when K is made"] = seen["ntk"]() is not None
        m = k.nngp.clone()
        seen["nngp"] = weakref.ref(m)
        return m

    ens = GradientFlowEnsemble(nngp, ntk, y, diag_reg=1e-3)
    assert seen["ntk alive when K is made"] is False  # never K, Theta and the workspace at once
    assert seen["nngp"]() is ens.nngp_eig  # V^T K V written into K's buffer
    torch.testing.assert_close(ens.eigenvalues, ref.eigenvalues, rtol=1e-13, atol=1e-13)
    torch.testing.assert_close(ens.nngp_eig.abs(), ref.nngp_eig.abs(), rtol=1e-12, atol=1e-13)
    cross = fc_kernels(x[20:], x[:20], depth=1)
    diag = fc_kernels(x[20:], depth=1, diag=True).nngp
    times = [0.0, 2.0, 50.0, math.inf]
    a = ens.predict(times, cross.nngp, cross.ntk, diag, full_covariance=False)
    b = ref.predict(times, cross.nngp, cross.ntk, diag, full_covariance=False)
    torch.testing.assert_close(a.mean, b.mean, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(a.variance, b.variance, rtol=1e-10, atol=1e-12)
    # The kernels are rebuilt from the eigenbasis on access (not stored).
    theta = 0.5 * (saved[1] + saved[1].T)
    theta = theta + 1e-3 * torch.trace(theta) / 20 * torch.eye(20, dtype=torch.float64)
    torch.testing.assert_close(ens.ntk_train, theta, rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(ens.nngp_train, 0.5 * (saved[0] + saved[0].T), atol=1e-10, rtol=0)


def test_ensemble_function_of_the_wrong_shape_is_refused():
    from infoplane.interface import InfoplaneError

    k = fc_kernels(torch.eye(4, dtype=torch.float64), depth=1)
    with pytest.raises(InfoplaneError, match="nngp_train"):
        GradientFlowEnsemble(lambda: k.nngp[:3, :3], lambda: k.ntk.clone(), torch.ones(4))
