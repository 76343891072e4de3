"""Information quantities of the infinite ensemble: bounds, label side, KL from initialisation."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from infoplane.interface import InfoplaneError
from infoplane.ntk import (
    GradientFlowEnsemble,
    fc_kernels,
    gaussian_channel_log_likelihoods,
    kl_from_initialisation,
    label_information,
    mixture_mi_bounds,
    ntk_information_plane,
    one_hot,
)


@pytest.mark.parametrize(("noise", "n", "n_sets"), [(0.01, 128, 1), (0.05, 256, 4)])
def test_bounds_bracket_the_gaussian_channel_mi(noise: float, n: int, n_sets: int) -> None:
    # X ~ N(0, I_2), Z = X + N(0, noise I_2): I(X;Z) = log(1 + 1/noise) nats. Measured over 8
    # data sets: noise 0.01, n 128: lower 5.79 +- 0.06, upper 10.1 +- 0.6 around 6.66 bits;
    # noise 0.05, n 256: lower 4.25 +- 0.06, upper 4.70 +- 0.10 around 4.39 bits (averaged here
    # over n_sets data sets).
    truth = math.log2(1 + 1 / noise)
    bounds = [
        mixture_mi_bounds(np.random.default_rng(r).normal(size=(n, 2)), np.full(n, noise), seed=r)
        for r in range(n_sets)
    ]
    lower = np.mean([b.lower for b in bounds])
    upper = np.mean([b.upper for b in bounds])
    assert lower < truth < upper, (lower, truth, upper)
    assert bounds[0].unit == "bits" and bounds[0].batch_size == n


def test_bounds_are_tight_when_components_overlap() -> None:
    # d = 1, noise 0.25: I = 1.161 bits; the two bounds differ by ~0.004 and their spread over data
    # sets is ~0.03 bits.
    truth = 0.5 * math.log2(1 + 1 / 0.25)
    b = mixture_mi_bounds(np.random.default_rng(0).normal(size=(1024, 1)), np.full(1024, 0.25))
    assert abs(b.lower - truth) < 0.1 and abs(b.upper - truth) < 0.1
    assert b.lower <= b.upper


def test_minibatch_bounds_are_ordered_and_capped() -> None:
    x = np.random.default_rng(0).normal(size=(512, 2)) * 4  # I(X;Z) = log2(17) = 4.09 bits
    b = mixture_mi_bounds(x, np.full(512, 1.0), batch_size=16, seed=0)
    assert b.lower <= math.log2(16) + 1e-9
    assert b.lower <= b.upper
    nats = mixture_mi_bounds(x, np.full(512, 1.0), batch_size=16, seed=0, unit="nats")
    assert math.isclose(nats.lower, b.lower * math.log(2), rel_tol=1e-12)


def test_separated_components_give_log_n() -> None:
    mean = np.arange(8.0)[:, None] * 100.0
    b = mixture_mi_bounds(mean, np.ones(8))
    # The lower bound reaches log2(8) = 3 bits exactly; the leave-one-out upper bound is loose
    # (unbounded) for separated components.
    assert math.isclose(b.lower, 3.0, abs_tol=1e-6) and b.upper >= 3.0


def test_identical_components_give_zero() -> None:
    b = mixture_mi_bounds(np.zeros((50, 2)), np.ones(50), seed=3)
    assert abs(b.lower) < 1e-9 and abs(b.upper) < 1e-9


def test_gaussian_channel_log_likelihoods_match_monte_carlo() -> None:
    rng = np.random.default_rng(0)
    mu, var, y = (
        rng.normal(size=(200, 3)),
        rng.uniform(0.1, 1.0, size=200),
        rng.normal(size=(200, 3)),
    )
    bayes, gibbs = gaussian_channel_log_likelihoods(y, mu, var, channel_var=0.5, unit="nats")
    z = mu[None] + np.sqrt(var)[None, :, None] * rng.normal(size=(20000, 200, 3))
    logq = (-0.5 * (np.log(2 * np.pi * 0.5) + (y[None] - z) ** 2 / 0.5)).sum(-1)
    assert math.isclose(gibbs, logq.mean(), abs_tol=0.02)
    mc_bayes = (np.logaddexp.reduce(logq, axis=0) - np.log(len(z))).mean()
    assert math.isclose(bayes, mc_bayes, abs_tol=0.02)
    assert bayes >= gibbs


def test_label_information_limits() -> None:
    labels = np.repeat(np.arange(4), 25)
    perfect = label_information(labels, 10 * one_hot(labels).numpy(), np.zeros(100), channel_var=1)
    assert math.isclose(perfect.h_y, 2.0, rel_tol=1e-12)
    assert math.isclose(perfect.i_zy_gibbs, 2.0, abs_tol=1e-3)
    blind = label_information(labels, np.zeros((100, 4)), np.ones(100), channel_var=1.0)
    assert blind.i_zy_gibbs <= blind.i_zy_bayes + 1e-12
    assert blind.i_zy_bayes < 0.05  # Z carries no information about Y
    fitted = label_information(labels, np.zeros((100, 4)), np.ones(100))
    assert fitted.channel_var > 0 and fitted.i_zy_gibbs >= blind.i_zy_gibbs


@pytest.fixture(scope="module")
def small_ensemble() -> tuple[GradientFlowEnsemble, torch.Tensor]:
    x = torch.randn(25, 4, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    y = one_hot((x[:, 0] > 0).long().numpy())
    k = fc_kernels(x, depth=1, activation="relu")
    return GradientFlowEnsemble(k.nngp, k.ntk, y), k.nngp


def test_kl_matches_the_gaussian_kl_formula(small_ensemble) -> None:
    ens, nngp = small_ensemble  # the kernel passed in, not the ensemble's eigenbasis
    times = [0.0, 0.1, 1.0, 5.0]  # E_t K E_t stays well-conditioned enough for a direct logdet
    kl = kl_from_initialisation(ens, times, jitter=1e-6, unit="nats")
    assert kl[0] == pytest.approx(0.0, abs=1e-8)
    pred = ens.predict(times)
    n, k_out = ens.n_train, ens.y_train.shape[1]
    prior = nngp + 1e-6 * float(torch.diagonal(nngp).mean()) * torch.eye(n, dtype=torch.float64)
    prior = prior.double()
    # E_t K_j E_t, the covariance of f_t when f_0 ~ N(0, K_j), and the exact Gaussian KL.
    for i in range(1, len(times)):
        e = ens.eigenvectors * torch.exp(-times[i] / n * ens.eigenvalues)
        e = e @ ens.eigenvectors.T
        cov = e @ prior @ e.T
        inv = torch.linalg.inv(prior)
        mu = pred.mean[i]
        want = 0.5 * k_out * (
            torch.trace(inv @ cov) - n + torch.logdet(prior) - torch.linalg.slogdet(cov)[1]
        ) + 0.5 * torch.einsum("ak,ab,bk->", mu, inv, mu)
        assert kl[i] == pytest.approx(float(want), rel=1e-5)
    assert np.all(np.diff(kl) > 0)
    assert math.isinf(kl_from_initialisation(ens, [math.inf])[0])


def test_information_plane_table(small_ensemble) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 3))
    y = (x[:, 0] + 0.3 * rng.normal(size=60) > 0).astype(np.int64)
    df = ntk_information_plane(
        x, y, np.arange(40), times=[0.0, 1.0, 100.0, math.inf], depth=1, n_samples=4
    )
    assert list(df["t"]) == [0.0, 1.0, 100.0, math.inf]
    assert (df["i_xz_lower_bits"] <= df["i_xz_upper_bits"] + 0.02).all()
    assert (df["i_xz_lower_bits"] <= math.log2(60) + 1e-9).all()
    assert (df["i_zy_gibbs_bits"] <= df["i_zy_bayes_bits"] + 1e-9).all()
    assert df["train_accuracy"].iloc[-1] == 1.0
    assert df["kl_init_bits"].iloc[0] == pytest.approx(0.0, abs=1e-6)


def test_bad_arguments_name_the_argument() -> None:
    with pytest.raises(InfoplaneError, match="noise_var"):
        mixture_mi_bounds(np.zeros((3, 1)), np.zeros(3))
    with pytest.raises(InfoplaneError, match="variance"):
        mixture_mi_bounds(np.zeros((3, 2)), np.ones((3, 3)))
    with pytest.raises(InfoplaneError, match="batch_size"):
        mixture_mi_bounds(np.zeros((3, 1)), np.ones(3), batch_size=1)
    with pytest.raises(InfoplaneError, match="unit"):
        mixture_mi_bounds(np.zeros((3, 1)), np.ones(3), unit="dits")
    with pytest.raises(InfoplaneError, match="channel_var"):
        label_information([0, 1], np.zeros((2, 2)), np.ones(2), channel_var=-1.0)
