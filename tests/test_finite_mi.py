"""Routes to a finite I(X;T): stochastic layers and noisy channels with relative noise (issue 13).

Known answers: the Gaussian channel (0.5 log2(1 + var / sigma^2)), well-separated inputs (log2 n),
and the entropy of a one-dimensional Gaussian mixture by numerical quadrature (an independent route
for both additive noise and Gaussian dropout, Adilova, Geiger & Fischer 2023, arXiv 2303.00596).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from infoplane.capture import run_and_capture
from infoplane.estimators import make_estimator
from infoplane.estimators.dropout import GaussianDropoutEstimator, noise_estimator
from infoplane.interface import InfoplaneError
from infoplane.models import GaussianDropout, GaussianNoise, add_noise, noise_modules

NOISY = ("kde_upper", "kde_lower", "sample_propagation")


def _mixture_mi_bits(mu: np.ndarray, var: np.ndarray) -> float:
    """I(X;T) of T | X=j ~ N(mu_j, var_j), X uniform on n inputs, by quadrature on a fine grid."""
    sd = np.sqrt(var)
    grid = np.linspace((mu - 12 * sd).min(), (mu + 12 * sd).max(), 40_001)
    dens = np.exp(-((grid[:, None] - mu) ** 2) / (2 * var)) / np.sqrt(2 * np.pi * var)
    p = dens.mean(1)
    h_t = -np.sum(np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)) * (grid[1] - grid[0])
    h_t_given_x = np.mean(0.5 * np.log(2 * np.pi * np.e * var))
    return float((h_t - h_t_given_x) / math.log(2))


# -- Gaussian noise: the noise level of the network, a closed form ----------------------------------
def test_linear_layer_with_gaussian_noise_matches_the_gaussian_channel_closed_form() -> None:
    # X ~ N(0, 1), T = 2 X + N(0, sigma^2) with sigma = 1: I = 0.5 log2(1 + 4) = 1.161 bits.
    # X: the 1000 quantiles of N(0, 1) (a low-discrepancy sample of the Gaussian).
    from scipy.stats import norm

    x = torch.as_tensor(norm.ppf((np.arange(1000) + 0.5) / 1000)[:, None], dtype=torch.float64)
    lin = nn.Linear(1, 1).double()
    with torch.no_grad():
        lin.weight.fill_(2.0), lin.bias.fill_(0.0)
    net = nn.Sequential(lin)
    add_noise(net, "0", std=1.0)
    t = run_and_capture(net, x, ["0"])["0"].numpy()  # eval mode: the centres 2 x
    np.testing.assert_allclose(t, 2.0 * x.numpy())
    est = noise_estimator(noise_modules(net)["0"], n_eval=None, n_mc=8, dtype="float64")
    assert est.noise_variance == 1.0
    i_xt, _ = est.information_plane(t, np.arange(1000) % 2)
    assert float(i_xt) == pytest.approx(0.5 * math.log2(5.0), abs=0.02)
    lower, upper = (
        noise_estimator(
            noise_modules(net)["0"], name, n_eval=None, dtype="float64"
        ).information_plane(t, np.arange(1000) % 2)[0]
        for name in ("kde_lower", "kde_upper")
    )
    assert float(lower) <= float(i_xt) + 0.03 and float(i_xt) <= float(upper) + 0.03


def test_sample_propagation_matches_quadrature_of_the_mixture_entropy() -> None:
    mu = np.random.default_rng(1).uniform(0.0, 3.0, 40)
    ref = _mixture_mi_bits(mu, np.full(40, 0.1))
    est = make_estimator("sample_propagation", noise_variance=0.1, n_eval=None, n_mc=100,
                         dtype="float64")  # fmt: skip
    assert float(est.information_plane(mu[:, None], np.arange(40) % 2)[0]) == pytest.approx(
        ref, abs=0.03
    )


# -- Gaussian dropout: the Adilova et al. estimator ---------------------------------------------------
@pytest.mark.parametrize("rate", [0.1, 0.3, 0.6])
def test_dropout_estimator_matches_quadrature_of_the_mixture_with_per_component_variances(
    rate: float,
) -> None:
    mu = np.random.default_rng(2).uniform(0.2, 3.0, 40)
    alpha = rate / (1 - rate)
    ref = _mixture_mi_bits(mu, alpha * mu**2)
    est = GaussianDropoutEstimator(rate=rate, n_eval=None, n_mc=100)
    value = float(est.information_plane(mu[:, None], np.arange(40) % 2)[0])
    assert 0.2 < ref < math.log2(40) - 0.5  # neither 0 nor saturated: a test that can fail
    assert value == pytest.approx(ref, abs=0.03)
    # treating the dropout noise as additive with one variance gives another number
    additive = make_estimator("sample_propagation", noise_variance=alpha * float(np.mean(mu**2)),
                              n_eval=None, n_mc=100, dtype="float64")  # fmt: skip
    assert abs(float(additive.information_plane(mu[:, None], np.arange(40) % 2)[0]) - ref) > 0.1


def test_dropout_with_well_separated_inputs_reaches_log2_n_and_one_input_gives_zero() -> None:
    centres = np.array([[1.0, 1.0], [30.0, 1.0], [1.0, 900.0], [900.0, 27000.0]])
    est = GaussianDropoutEstimator(rate=0.02, n_eval=None, n_mc=50)
    i_xt, i_ty = est.information_plane(centres, np.array([0, 0, 1, 1]))
    assert float(i_xt) == pytest.approx(2.0, abs=1e-3)
    assert float(i_ty) == pytest.approx(1.0, abs=1e-3)
    same = np.repeat(centres[:1], 4, axis=0)
    assert float(est.information_plane(same, np.array([0, 0, 1, 1]))[0]) == pytest.approx(0.0)


def test_dropout_estimate_matches_samples_drawn_from_the_network() -> None:
    # An independent route: draw T from the network (noise on in eval) and evaluate the mixture
    # log-density directly (a Python-free numpy computation) on those draws.
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.Softplus())
    add_noise(net, "1", kind="dropout", rate=0.25)
    x = torch.randn(60, 3)
    mu = run_and_capture(net, x, ["1"])["1"].double().numpy()
    net.eval()
    noise_modules(net)["1"].in_eval = True
    with torch.no_grad():
        draws = torch.stack([net(x) for _ in range(200)]).double().numpy()  # (200, 60, 4)
    var = (0.25 / 0.75) * mu**2  # (60, 4)
    diff = draws[:, :, None, :] - mu[None, None, :, :]  # (200, 60, 60, 4)
    log_comp = -0.5 * (diff**2 / var + np.log(2 * np.pi * var)).sum(-1)
    log_mix = np.logaddexp.reduce(log_comp, axis=-1) - math.log(60)
    h_t = -log_mix.mean()
    h_t_given_x = np.mean(0.5 * np.log(2 * np.pi * np.e * var).sum(-1))
    direct = (h_t - h_t_given_x) / math.log(2)
    est = noise_estimator(noise_modules(net)["1"], n_eval=None, n_mc=200)
    value = float(est.information_plane(mu, np.arange(60) % 2)[0])
    assert 0.5 < direct < math.log2(60) - 0.3
    assert value == pytest.approx(direct, abs=0.05)


def test_dropout_zero_units_are_an_atom_the_floor_converges_to() -> None:
    # A unit at exactly 0 stays 0 under dropout; the estimator's narrow Gaussian (min_scale) tells
    # it apart from a continuous component exactly in the limit: inputs {0, 1} give 1 bit.
    est = GaussianDropoutEstimator(rate=0.3, n_eval=None, n_mc=64)
    two = np.array([[0.0], [1.0]])
    assert float(est.information_plane(two, np.array([0, 1]))[0]) == pytest.approx(1.0, abs=1e-4)
    t = np.maximum(np.random.default_rng(6).standard_normal((1, 300, 4)), 0.0)  # ReLU-like
    labels = np.arange(300) % 2
    values = [
        np.stack(
            GaussianDropoutEstimator(rate=0.3, n_eval=None, n_mc=4, min_scale=m).information_plane(
                t, labels
            )
        )
        for m in (1e-6, 1e-8, 1e-10)
    ]
    np.testing.assert_allclose(values[0], values[2], atol=1e-3)
    np.testing.assert_allclose(values[1], values[2], atol=1e-5)


def test_dropout_value_does_not_depend_on_the_scale_of_the_layer() -> None:
    t = np.abs(np.random.default_rng(3).standard_normal((2, 80, 5)))
    t[:, :10, 0] = 0.0  # ReLU-like zeros: an atom at 0
    labels = np.arange(80) % 2
    est = GaussianDropoutEstimator(rate=0.2, n_eval=None)
    ref = np.stack(est.information_plane(t, labels))
    for scale in (1e-150, 1e3, 1e150):
        np.testing.assert_allclose(np.stack(est.information_plane(t * scale, labels)), ref,
                                   rtol=1e-9, atol=1e-9)  # fmt: skip


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**16), rate=st.floats(0.05, 0.8))
def test_dropout_value_is_invariant_to_rescaling_each_unit(seed: int, rate: float) -> None:
    # Multiplicative noise: T_k -> c_k T_k (c_k > 0) is an invertible map of each unit that
    # commutes with the noise (draw by draw), so I(X;T) and I(T;Y) do not change. Additive noise
    # of one variance does not have this property.
    rng = np.random.default_rng(seed)
    t = rng.uniform(0.5, 2.0, (60, 3)) * rng.choice([-1.0, 1.0], (60, 3))
    labels = np.arange(60) % 3
    c = rng.uniform(0.1, 10.0, 3)
    est = GaussianDropoutEstimator(rate=rate, n_eval=None, n_mc=2, seed=seed)
    np.testing.assert_allclose(
        np.stack(est.information_plane(t * c, labels)),
        np.stack(est.information_plane(t, labels)),
        rtol=1e-9,
        atol=1e-9,
    )


def test_noise_estimator_uses_the_layers_own_parameters_and_refuses_others() -> None:
    assert noise_estimator(GaussianNoise(0.2)).noise_variance == pytest.approx(0.04)
    assert noise_estimator(GaussianNoise(0.2)).name == "sample_propagation"
    assert noise_estimator(GaussianDropout(0.4)).rate == 0.4
    with pytest.raises(InfoplaneError, match="noise_variance is the layer's own"):
        noise_estimator(GaussianNoise(0.2), noise_variance=1.0)
    with pytest.raises(InfoplaneError, match="rate is the layer's own"):
        noise_estimator(GaussianDropout(0.4), rate=0.1)
    with pytest.raises(InfoplaneError, match="gaussian_dropout"):
        noise_estimator(GaussianDropout(0.4), "kde_upper")
    with pytest.raises(InfoplaneError, match="layer must be"):
        noise_estimator(nn.ReLU())


@pytest.mark.parametrize("bad", [0.0, 1.0, -0.5, 2.0])
def test_dropout_rate_outside_0_1_is_refused_naming_rate(bad: float) -> None:
    with pytest.raises(InfoplaneError, match="rate="):
        make_estimator("gaussian_dropout", rate=bad)


# -- noisy channels with a noise variance relative to the layer's scale -------------------------------
@pytest.mark.parametrize("name", NOISY)
def test_relative_noise_makes_the_value_scale_invariant(name: str) -> None:
    rng = np.random.default_rng(4)
    t = np.tanh(rng.standard_normal((2, 120, 3)))
    labels = np.arange(120) % 2
    est = make_estimator(name, relative_noise=0.3, n_eval=None, dtype="float64")
    ref = np.stack(est.information_plane(t, labels))
    used = est.noise_variance_used_.copy()
    big = np.stack(est.information_plane(1000.0 * t, labels))
    np.testing.assert_allclose(big, ref, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(est.noise_variance_used_, used * 1e6, rtol=1e-12)
    # the variance used is r times the mean per-unit variance, per representation
    np.testing.assert_allclose(used, 0.3 * t.var(axis=1).mean(-1), rtol=1e-12)
    # and it is the same computation as the absolute variance it stands for
    absolute = make_estimator(name, noise_variance=float(used[0]), n_eval=None, dtype="float64")
    np.testing.assert_allclose(
        np.stack(absolute.information_plane(t[:1], labels))[:, 0], ref[:, 0], rtol=1e-9
    )
    # an absolute variance is not scale invariant: the check above can fail
    assert float(ref[0, 0]) < math.log2(120) - 1.0
    saturated = float(absolute.information_plane(1000.0 * t[:1], labels)[0][0])
    assert saturated == pytest.approx(math.log2(120), abs=0.01)


@settings(max_examples=15, deadline=None)
@given(
    scale=st.floats(1e-6, 1e6),
    r=st.floats(1e-3, 1.0),
    seed=st.integers(0, 2**16),
)
def test_relative_noise_scale_invariance_property(scale: float, r: float, seed: int) -> None:
    t = np.random.default_rng(seed).standard_normal((40, 2))
    labels = np.arange(40) % 2
    est = make_estimator("kde_upper", relative_noise=r, n_eval=None, dtype="float64")
    a = np.stack(est.information_plane(t, labels))
    b = np.stack(est.information_plane(t * scale, labels))
    np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-9)


def test_relative_noise_records_the_absolute_variance_in_the_result() -> None:
    rng = np.random.default_rng(5)
    y = 3.0 * rng.standard_normal((200, 2))
    result = make_estimator("kde_upper", relative_noise=0.1, n_eval=None).estimate(
        np.arange(200) % 4, y
    )
    assert result.params["relative_noise"] == 0.1 and result.params["noise_variance"] is None
    assert result.extra["noise_variance"] == pytest.approx(0.1 * float(y.var(0).mean()))
    plain = make_estimator("kde_upper").estimate(np.arange(200) % 4, y)
    assert plain.extra["noise_variance"] == 1e-3


@pytest.mark.parametrize("name", NOISY)
@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"relative_noise": 0.0}, "relative_noise="),
        ({"relative_noise": -1.0}, "relative_noise="),
        ({"relative_noise": 0.1, "noise_variance": 0.1}, "not both"),
        ({"noise_variance": 0.0}, "noise_variance="),
        ({"noise_variance": None}, "noise_variance=None needs relative_noise"),
    ],
)
def test_bad_noise_levels_are_refused_naming_the_argument(
    name: str, params: dict, match: str
) -> None:
    with pytest.raises(InfoplaneError, match=match):
        make_estimator(name, **params)
