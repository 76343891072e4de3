"""The compressed KSG estimator (issue 12): copula transform, canonical compression fitted on one
part of the samples, KSG on the other (Butakov et al. 2024), against closed forms and the
benchmark's high-dimensional and heavy-tailed tasks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.stats import norm

from infoplane.benchmark import get_task
from infoplane.estimators import make_estimator
from infoplane.estimators.compressed import canonical_directions
from infoplane.interface import InfoplaneError


def test_canonical_directions_recover_known_correlations() -> None:
    rng = np.random.default_rng(0)
    n = 20_000
    z = rng.standard_normal((n, 2))
    x = np.c_[0.8 * z[:, 0] + 0.6 * rng.standard_normal(n), z[:, 1], rng.standard_normal(n)]
    y = np.c_[0.5 * z[:, 1] + math.sqrt(0.75) * rng.standard_normal(n), z[:, 0]]
    x = x @ rng.standard_normal((3, 3))  # an invertible mixing: canonical correlations unchanged
    rho, a, b = canonical_directions(x, y)
    np.testing.assert_allclose(rho, [0.8, 0.5], atol=0.02)
    u, v = (x - x.mean(0)) @ a, (y - y.mean(0)) @ b
    corr = np.corrcoef(np.c_[u, v].T)
    np.testing.assert_allclose(corr[:2, :2], np.eye(2), atol=1e-9)  # unit variance, uncorrelated
    np.testing.assert_allclose(np.diag(corr[:2, 2:]), rho, atol=1e-9)
    _, af, bf = canonical_directions(x, y, full=True)
    assert af.shape == (3, 3) and bf.shape == (2, 2)


def test_sparse_25x25_normal_and_invariance_to_monotone_maps() -> None:
    task = get_task("multinormal-sparse-25-25-2-2.0")  # 1.474 bits in two of 25 x 25 coordinates
    x, y = task.sample(3000, 0)
    est = make_estimator("ksg_compressed")
    value = est.estimate(x, y).value
    assert value == pytest.approx(task.mutual_information_bits, abs=0.15)
    # ranks are unchanged by increasing maps of each coordinate: the value is exactly the same
    assert est.estimate(np.exp(x), y**3 + y).value == pytest.approx(value, abs=1e-12)
    # (plain KSG in 50 dimensions misses most of it: 0.2 bit at n = 5000, docs/estimators.md)


def test_heavy_tailed_student_t_keeps_its_tail_dependence() -> None:
    # Student-t with identity dispersion: all the MI is the shared scale, invisible to correlations
    task = get_task("student-identity-3-3-2")  # 0.420 bits
    x, y = task.sample(3000, 0)
    value = make_estimator("ksg_compressed").estimate(x, y).value
    truth = task.mutual_information_bits
    assert truth / 1.3 < value < truth * 1.3
    # the correlations of the normal scores carry almost nothing of it
    assert make_estimator("gaussian", preprocess="rank").estimate(x, y).value < truth / 5


def test_independent_high_dimensional_pair_gives_about_zero() -> None:
    # CCA on 2 x 30 independent dimensions finds chance correlations (about 0.24 at m = 1000);
    # they are chosen on the fitting part and carry nothing on the other
    rng = np.random.default_rng(5)
    x, y = rng.standard_normal((2000, 30)), rng.standard_normal((2000, 30))
    assert make_estimator("ksg_compressed").estimate(x, y).value < 0.05


def test_one_discrete_variable_against_quadrature() -> None:
    # labels C in {0, 1}; Y in 12 dimensions, C shifts the first coordinate by 2: I = the 1-D
    # two-component mixture's information (quadrature)
    def f(u: float) -> float:
        return 0.5 * (norm.pdf(u) + norm.pdf(u, 2.0))

    h = -quad(lambda u: f(u) * math.log(f(u)), -12, 14)[0]
    truth = (h - 0.5 * math.log(2 * math.pi * math.e)) / math.log(2)  # 0.49 bit
    rng = np.random.default_rng(6)
    c = rng.integers(0, 2, 4000)
    y = rng.standard_normal((4000, 12))
    y[:, 0] += 2.0 * c
    y = y @ np.linalg.qr(rng.standard_normal((12, 12)))[0]  # hide the direction
    value = make_estimator("ksg_compressed", max_components=3).estimate(c, y).value
    assert value == pytest.approx(truth, abs=0.1)


def test_plane_without_compression_is_ksg_and_errors_are_clear() -> None:
    rng = np.random.default_rng(7)
    t = np.tanh(rng.standard_normal((2, 256, 3)))
    labels = (t[0, :, 0] > 0).astype(int)
    got = make_estimator("ksg_compressed", k=3).information_plane(t, labels)
    ref = make_estimator("ksg", k=3).information_plane(t, labels)
    np.testing.assert_allclose(np.stack(got), np.stack(ref), atol=1e-12)
    wide = np.tanh(rng.standard_normal((1, 256, 12)))
    i_xt, _ = make_estimator("ksg_compressed").information_plane(wide, labels)
    assert np.isfinite(i_xt).all() and 0 <= i_xt[0] <= 8.0 + 1e-9
    with pytest.raises(InfoplaneError, match="discrete"):
        make_estimator("ksg_compressed").estimate(np.arange(50) % 3, np.arange(50) % 2)
    with pytest.raises(InfoplaneError, match="too few"):
        make_estimator("ksg_compressed").estimate(rng.standard_normal(12), rng.standard_normal(12))
