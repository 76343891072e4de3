"""Bootstrap intervals, and the noisy-channel semantics of the k-NN and Monte Carlo planes."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from infoplane.estimators import bootstrap_estimate, make_estimator
from infoplane.interface import InfoplaneError


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Run torch single-threaded here: on a shared 2-core machine OpenMP spinning makes it 5-10x
    slower."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_bootstrap_interval_covers_truth_and_orders() -> None:
    # BSC with p = 0.2, n = 4000: I = 1 - H2(0.2) = 0.278 bit; replicate sd ~0.011 bit.
    rng = np.random.default_rng(12)
    x = rng.integers(0, 2, 4000)
    y = x ^ (rng.random(4000) < 0.2)
    true = 1 + 0.2 * math.log2(0.2) + 0.8 * math.log2(0.8)
    res = bootstrap_estimate("binning", x, y, n_boot=200, seed=1)
    lo, hi = res.ci
    assert lo < res.value < hi
    assert lo < true < hi
    assert 0.02 < hi - lo < 0.08  # about 2 x 1.96 x 0.011
    assert res.extra["n_boot"] == 200 and res.extra["resample"] == "subsample"
    assert res.to_dict()["ci"] == [lo, hi]


def test_subsample_interval_is_similar_width() -> None:
    rng = np.random.default_rng(13)
    x = rng.integers(0, 2, 4000)
    y = x ^ (rng.random(4000) < 0.2)
    boot = bootstrap_estimate("binning", x, y, n_boot=150, seed=2)
    sub = bootstrap_estimate("binning", x, y, n_boot=150, seed=2, resample="subsample")
    w_boot = boot.ci[1] - boot.ci[0]
    w_sub = sub.ci[1] - sub.ci[0]
    assert 0.5 < w_sub / w_boot < 2.0


def test_bootstrap_accepts_instance_and_validates() -> None:
    x = np.arange(20) % 2
    est = make_estimator("binning")
    assert bootstrap_estimate(est, x, x, n_boot=5).ci is not None
    with pytest.raises(InfoplaneError, match="confidence"):
        bootstrap_estimate(est, x, x, confidence=1.5)
    with pytest.raises(InfoplaneError, match="n_boot"):
        bootstrap_estimate(est, x, x, n_boot=1)


def _separated(n: int, d: int, seed: int) -> np.ndarray:
    """n points far apart relative to sigma = sqrt(1e-3) (grid spacing 1)."""
    rng = np.random.default_rng(seed)
    return rng.permutation(n)[:, None] * np.ones((1, d)) + 0.0


def test_ksg_plane_separated_points_and_deterministic_labels() -> None:
    # Points 1 apart, noise std 0.03: T + Z identifies X, so I(X; T+Z) = log2 n (clipped there:
    # Ross's estimator overshoots by ln 2 - psi(2) nats at M = 2 draws).
    n = 512
    t = _separated(n, 2, 0)
    i_xt, _ = make_estimator("ksg").information_plane(t, np.arange(n) % 2)
    assert float(i_xt) == pytest.approx(math.log2(n), abs=1e-9)
    # Continuous T, Y = [T_1 > 0]: I(T;Y) = H(Y) = 1 bit; Ross's estimate is biased low by the
    # points near the class boundary (0.97-0.98 measured at n = 1024-2048).
    rng = np.random.default_rng(0)
    t = rng.standard_normal((1024, 2))
    _, i_ty = make_estimator("ksg").information_plane(t, (t[:, 0] > 0).astype(int))
    assert float(i_ty) == pytest.approx(1.0, abs=0.06)


def test_ksg_plane_independent_labels() -> None:
    # Labels independent of T: I(T;Y) ~ 0 (spread < 0.05 bit at 256 query points).
    rng = np.random.default_rng(4)
    t = rng.standard_normal((3, 1024, 3))
    labels = rng.integers(0, 2, 1024)
    _, i_ty = make_estimator("ksg").information_plane(t, labels)
    assert np.all(i_ty < 0.06)


def test_noisy_channel_estimators_are_ordered() -> None:
    # Same noise level: kde_lower <= sample_propagation <= kde_upper (up to MC error 0.05 bit), and
    # all approach log2 n when the points separate.
    rng = np.random.default_rng(6)
    labels = rng.integers(0, 2, 1024)
    t = np.tanh(0.2 * rng.standard_normal((1, 1024, 3)) + labels[None, :, None] * 0.1)
    vals = {
        name: make_estimator(name, noise_variance=1e-3, n_eval=None).information_plane(t, labels)
        for name in ("kde_lower", "sample_propagation", "kde_upper")
    }
    lo, mc, hi = (vals[k][0].item() for k in ("kde_lower", "sample_propagation", "kde_upper"))
    assert lo - 0.05 <= mc <= hi + 0.05
    assert lo < hi
    far = _separated(256, 3, 1)
    for name in vals:
        i_xt, _ = make_estimator(name).information_plane(far, np.arange(256) % 2)
        assert float(i_xt) == pytest.approx(8.0, abs=1e-6)


def test_noise_variance_monotone() -> None:
    # More noise, less information: I(X; T + Z) decreases with noise_variance.
    rng = np.random.default_rng(7)
    t = rng.standard_normal((1, 512, 2))
    labels = rng.integers(0, 2, 512)
    vals = [
        make_estimator("kde_upper", noise_variance=s2, n_eval=None)
        .information_plane(t, labels)[0]
        .item()
        for s2 in (1e-3, 1e-2, 1e-1, 1.0)
    ]
    assert all(a > b for a, b in itertools.pairwise(vals))


def test_ksg_bootstrap_defaults_to_subsampling() -> None:
    # Resampling with replacement duplicates rows: zero neighbour distances inflate KSG (the
    # with-replacement interval lies far above the estimate), so "auto" subsamples for ksg.
    rng = np.random.default_rng(3)
    x = rng.standard_normal(1000)
    y = 0.8 * x + 0.6 * rng.standard_normal(1000)
    auto = bootstrap_estimate("ksg", x, y, n_boot=30)
    assert auto.extra["resample"] == "subsample"
    assert auto.ci[0] - 0.05 < auto.value < auto.ci[1] + 0.05
    boot = bootstrap_estimate("ksg", x, y, n_boot=30, resample="bootstrap")
    assert boot.ci[0] > boot.value + 0.3
    assert bootstrap_estimate("binning", x > 0, y > 0, n_boot=5).extra["resample"] == "subsample"
