"""The benchmark of Czyż et al. (2023): 40 samplers whose true MI is checked by independent routes.

Routes: the Gaussian formula on the sample covariance (Gaussian tasks), Gaussian copulas of ranks
(monotone transforms of Gaussians), exact inversion of each transform back to its base sample,
Monte Carlo of the log-density ratio with scipy's multivariate t (Student-t), quadrature of the
trapezoid density (additive noise), and KSG at large n (slow). Then the runner: table, rule, resume.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, special, stats

from infoplane.benchmark import (
    AdditiveUniformSampler,
    BenchmarkTask,
    GaussianSampler,
    NoisyLayerSampler,
    StudentTSampler,
    TransformedSampler,
    benchmark_tasks,
    gaussian_mutual_information,
    get_task,
    noisy_layer_mutual_information,
    noisy_layer_tasks,
    not_applicable,
    run_benchmark,
    select_tasks,
    summarize_benchmark,
)
from infoplane.benchmark import runner as runner_module
from infoplane.benchmark.samplers import BIMODAL_X, BIMODAL_Y, Spiral, _mixture_cdf
from infoplane.estimators import make_estimator
from infoplane.interface import InfoplaneError, InfoplaneRuntimeError

# The task ids of the paper's code (cbg-ethz/bmi, benchmark/task_list.py), in its order.
PAPER_TASKS = [
    "1v1-normal-0.75",
    "normal_cdf-1v1-normal-0.75",
    "1v1-additive-0.1",
    "1v1-additive-0.75",
    "1v1-bimodal-0.75",
    "wiggly-1v1-normal-0.75",
    "half_cube-1v1-normal-0.75",
    "student-identity-1-1-1",
    "asinh-student-identity-1-1-1",
    "swissroll_x-normal_cdf-1v1-normal-0.75",
    "multinormal-dense-2-2-0.5",
    "multinormal-dense-3-3-0.5",
    "multinormal-dense-5-5-0.5",
    "multinormal-dense-25-25-0.5",
    "multinormal-dense-50-50-0.5",
    "multinormal-sparse-2-2-2-2.0",
    "multinormal-sparse-3-3-2-2.0",
    "multinormal-sparse-5-5-2-2.0",
    "multinormal-sparse-25-25-2-2.0",
    "student-identity-2-2-1",
    "student-identity-2-2-2",
    "student-identity-3-3-2",
    "student-identity-3-3-3",
    "student-identity-5-5-2",
    "student-identity-5-5-3",
    "normal_cdf-multinormal-sparse-3-3-2-2.0",
    "normal_cdf-multinormal-sparse-5-5-2-2.0",
    "normal_cdf-multinormal-sparse-25-25-2-2.0",
    "half_cube-multinormal-sparse-3-3-2-2.0",
    "half_cube-multinormal-sparse-5-5-2-2.0",
    "half_cube-multinormal-sparse-25-25-2-2.0",
    "spiral-multinormal-sparse-3-3-2-2.0",
    "spiral-multinormal-sparse-5-5-2-2.0",
    "spiral-multinormal-sparse-25-25-2-2.0",
    "spiral-normal_cdf-multinormal-sparse-3-3-2-2.0",
    "spiral-normal_cdf-multinormal-sparse-5-5-2-2.0",
    "spiral-normal_cdf-multinormal-sparse-25-25-2-2.0",
    "asinh-student-identity-2-2-1",
    "asinh-student-identity-3-3-2",
    "asinh-student-identity-5-5-2",
]

TASKS = benchmark_tasks()
SPARSE_MI = -math.log(1 - 0.8**2)  # two pairs with correlation 0.8: 1.0217 nats
BINORMAL_MI = -0.5 * math.log(1 - 0.75**2)  # 0.4133 nats


def _gaussian_mi(x: np.ndarray, y: np.ndarray) -> float:
    """-1/2 log(det C / (det C_xx det C_yy)) from the sample covariance, nats."""
    c = np.cov(np.hstack([x, y]), rowvar=False)
    dx = x.shape[1]
    return 0.5 * (
        np.linalg.slogdet(c[:dx, :dx])[1]
        + np.linalg.slogdet(c[dx:, dx:])[1]
        - np.linalg.slogdet(c)[1]
    )


def _copula(a: np.ndarray) -> np.ndarray:
    """Gaussianise each column by its ranks (monotone maps of a column leave it unchanged)."""
    ranks = stats.rankdata(a, axis=0)
    return special.ndtri(ranks / (len(a) + 1))


# --------------------------------------------------------------------------------------------------
# The list
# --------------------------------------------------------------------------------------------------


def test_forty_tasks_with_the_papers_names_and_order() -> None:
    assert list(TASKS) == PAPER_TASKS
    families = [t.family for t in TASKS.values()]
    assert families.count("one-dimensional") == 9 and families.count("embedding") == 1
    assert families.count("multinormal") == 9 and families.count("student") == 6
    assert families.count("transformed") == 15


def test_dimensions_and_truths_in_both_units() -> None:
    dims = {name: (t.dim_x, t.dim_y) for name, t in TASKS.items()}
    assert dims["swissroll_x-normal_cdf-1v1-normal-0.75"] == (2, 1)
    assert dims["multinormal-dense-50-50-0.5"] == (50, 50)
    assert dims["spiral-normal_cdf-multinormal-sparse-25-25-2-2.0"] == (25, 25)
    for t in TASKS.values():
        assert t.mutual_information_bits == pytest.approx(t.mutual_information / math.log(2))
        assert t.mutual_information > 0
    assert TASKS["1v1-normal-0.75"].mutual_information == pytest.approx(BINORMAL_MI)
    assert TASKS["multinormal-sparse-25-25-2-2.0"].mutual_information == pytest.approx(SPARSE_MI)
    # dense: all correlations 0.5; eigenvalues of the joint correlation 1 + (2d - 1)/2 and 1/2,
    # of each block 1 + (d - 1)/2 and 1/2, so I = log(1 + (d-1)/2) - 1/2 log(1 + (2d-1)/2) - ...
    for d in (2, 3, 5, 25, 50):
        logdet = lambda m: math.log(1 + (m - 1) * 0.5) + (m - 1) * math.log(0.5)  # noqa: E731
        expected = 0.5 * (2 * logdet(d) - logdet(2 * d))
        got = TASKS[f"multinormal-dense-{d}-{d}-0.5"].mutual_information
        assert got == pytest.approx(expected, rel=1e-12)


# --------------------------------------------------------------------------------------------------
# Sampling: shapes, dtype, seeds, standardisation
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAPER_TASKS)
def test_sample_shapes_seeds_and_standardisation(name: str) -> None:
    task = TASKS[name]
    x, y = task.sample(64, seed=3)
    assert x.shape == (64, task.dim_x) and y.shape == (64, task.dim_y)
    assert x.dtype == np.float64 and y.dtype == np.float64
    assert np.isfinite(x).all() and np.isfinite(y).all()
    x2, y2 = task.sample(64, seed=3)
    assert np.array_equal(x, x2) and np.array_equal(y, y2)
    x3, _ = task.sample(64, seed=4)
    assert not np.array_equal(x, x3)
    np.testing.assert_allclose(x.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(x.std(axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(y.std(axis=0), 1.0, rtol=1e-12)
    # standardising is the only difference from the raw sample
    rx, _ = task.sample(64, seed=3, standardize=False)
    np.testing.assert_allclose((rx - rx.mean(0)) / rx.std(0), x, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("n", "seed"), [(0, 0), (5.0, 0), (True, 0), (10, -1), (10, 1.5)])
def test_sample_rejects_bad_n_and_seed(n: object, seed: object) -> None:
    with pytest.raises(InfoplaneError, match=r"n=|seed="):
        TASKS["1v1-normal-0.75"].sample(n, seed)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------
# Ground truth by independent routes
# --------------------------------------------------------------------------------------------------

GAUSSIAN_TASKS = ["1v1-normal-0.75"] + [n for n in PAPER_TASKS if n.startswith("multinormal-")]


@pytest.mark.parametrize("name", GAUSSIAN_TASKS)
def test_gaussian_truth_equals_formula_on_sample_covariance(name: str) -> None:
    task = TASKS[name]
    n = 40_000 if task.dim_x <= 5 else 20_000
    x, y = task.sample(n, seed=11)
    plug_in = _gaussian_mi(x, y)
    # the plug-in is biased up by ~ dx*dy/(2n) nats; its sd is ~ sqrt(2 * #pairs / n)
    bias = task.dim_x * task.dim_y / (2 * n)
    assert plug_in - bias == pytest.approx(task.mutual_information, abs=0.03)


MONOTONE_OF_GAUSSIAN = [
    "normal_cdf-1v1-normal-0.75",
    "1v1-bimodal-0.75",
    "wiggly-1v1-normal-0.75",
    "half_cube-1v1-normal-0.75",
    "normal_cdf-multinormal-sparse-3-3-2-2.0",
    "normal_cdf-multinormal-sparse-5-5-2-2.0",
    "half_cube-multinormal-sparse-3-3-2-2.0",
    "half_cube-multinormal-sparse-5-5-2-2.0",
    "normal_cdf-multinormal-sparse-25-25-2-2.0",
    "half_cube-multinormal-sparse-25-25-2-2.0",
]


@pytest.mark.parametrize("name", MONOTONE_OF_GAUSSIAN)
def test_monotone_transforms_of_gaussians_by_rank_copula(name: str) -> None:
    """Per-coordinate increasing maps keep the ranks: the rank copula is the base's Gaussian."""
    task = TASKS[name]
    x, y = task.sample(40_000, seed=5)
    est = _gaussian_mi(_copula(x), _copula(y)) - task.dim_x * task.dim_y / 80_000
    assert est == pytest.approx(task.mutual_information, abs=0.03)
    base = task.sampler.base
    while isinstance(base, TransformedSampler):
        base = base.base
    assert task.mutual_information == base.mutual_information
    # ranks equal the base sample's ranks exactly (strictly increasing maps, same seed)
    bx, by = base.sample(500, seed=8)
    tx, ty = task.sampler.sample(500, seed=8)
    assert np.array_equal(np.argsort(bx, axis=0), np.argsort(tx, axis=0))
    assert np.array_equal(np.argsort(by, axis=0), np.argsort(ty, axis=0))


def _inverse(prefix: str, transform: object) -> object:
    if prefix == "normal_cdf":
        return special.ndtri
    if prefix == "half_cube":
        return lambda v: np.sign(v) * np.abs(v) ** (2.0 / 3.0)
    if prefix == "asinh":
        return np.sinh
    if prefix == "spiral":
        return transform.inverse  # type: ignore[attr-defined]
    if prefix == "swissroll":  # radius t / 21 with t = 3 pi / 2 (1 + 2u)
        return lambda v: ((np.hypot(v[:, 0], v[:, 1]) * 21.0 / (1.5 * np.pi) - 1.0) / 2.0)[:, None]
    raise AssertionError(prefix)


INVERTIBLE = [
    n
    for n in PAPER_TASKS
    if n.split("-")[0].split("_x")[0] in ("normal_cdf", "half_cube", "asinh", "spiral", "swissroll")
]


@pytest.mark.parametrize("name", INVERTIBLE)
def test_transformed_samples_invert_to_the_base_sample(name: str) -> None:
    """Each transform is injective: inverting it gives back the base sample drawn with the seed."""
    sampler = TASKS[name].sampler
    assert isinstance(sampler, TransformedSampler)
    prefix = sampler.name
    tx, ty = sampler.sample(2000, seed=9)
    bx, by = sampler.base.sample(2000, seed=9)
    inv_x = _inverse(prefix, sampler.transform_x)
    np.testing.assert_allclose(inv_x(tx), bx, rtol=1e-7, atol=1e-7)  # type: ignore[operator]
    if sampler.transform_y is None:
        np.testing.assert_array_equal(ty, by)
    else:
        inv_y = _inverse(prefix, sampler.transform_y)
        np.testing.assert_allclose(inv_y(ty), by, rtol=1e-7, atol=1e-7)  # type: ignore[operator]
    assert sampler.mutual_information == sampler.base.mutual_information


def test_spiral_preserves_norms_and_rotates_by_squared_norm() -> None:
    s = Spiral(3, 1, 2, speed=1 / 3)
    v = np.random.default_rng(0).standard_normal((100, 3))
    w = s(v)
    np.testing.assert_allclose(np.linalg.norm(w, axis=1), np.linalg.norm(v, axis=1))
    np.testing.assert_array_equal(w[:, 0], v[:, 0])  # the plane (1, 2) only
    angle = np.arctan2(w[:, 2], w[:, 1]) - np.arctan2(v[:, 2], v[:, 1])
    # the paper's spirals: plane (0, 1) of X and (1, 2) of Y, speed 1 / dimension
    for d in (3, 5, 25):
        sampler = TASKS[f"spiral-multinormal-sparse-{d}-{d}-2-2.0"].sampler
        fx, fy = sampler.transform_x, sampler.transform_y  # type: ignore[attr-defined]
        assert (fx.dim, fx.i, fx.j, fx.speed) == (d, 0, 1, 1 / d)
        assert (fy.dim, fy.i, fy.j, fy.speed) == (d, 1, 2, 1 / d)
    expected = (np.sum(v**2, axis=1) / 3 + np.pi) % (2 * np.pi) - np.pi
    np.testing.assert_allclose((angle + np.pi) % (2 * np.pi) - np.pi, expected, atol=1e-9)


def test_bimodal_marginals_are_the_stated_mixtures() -> None:
    assert BIMODAL_X == ((0.3, 0.7), (0.0, 5.0)) and BIMODAL_Y == ((0.5, 0.5), (-1.0, 3.0))
    sampler = TASKS["1v1-bimodal-0.75"].sampler
    x, y = sampler.sample(20_000, seed=2)
    for sample, (w, m) in ((x, BIMODAL_X), (y, BIMODAL_Y)):
        res = stats.kstest(sample[:, 0], lambda t, w=w, m=m: _mixture_cdf(t, w, m))
        assert res.pvalue > 1e-3
    # the quantile function is exact: CDF(quantile(u)) == u
    u, _ = TASKS["normal_cdf-1v1-normal-0.75"].sampler.sample(1000, seed=2)
    np.testing.assert_allclose(_mixture_cdf(x[:1000], *BIMODAL_X), u, atol=1e-12)


def test_wiggly_maps_are_strictly_increasing() -> None:
    from infoplane.benchmark.samplers import wiggly_x, wiggly_y

    t = np.linspace(-12, 12, 200_001)
    assert np.all(np.diff(wiggly_x(t)) > 0) and np.all(np.diff(wiggly_y(t)) > 0)


@pytest.mark.parametrize(("d", "df"), [(1, 1), (2, 1), (2, 2), (3, 2), (3, 3), (5, 2), (5, 3)])
def test_student_truth_by_monte_carlo_of_the_log_density_ratio(d: int, df: int) -> None:
    """I = E[log p(x, y) - log p(x) - log p(y)] with scipy's multivariate t densities."""
    task = get_task(f"student-identity-{d}-{d}-{df}")
    x, y = task.sample(40_000, seed=21, standardize=False)
    joint = stats.multivariate_t(np.zeros(2 * d), np.eye(2 * d), df=df)
    marg = stats.multivariate_t(np.zeros(d), np.eye(d), df=df)
    pmi = joint.logpdf(np.hstack([x, y])) - marg.logpdf(x) - marg.logpdf(y)
    se = pmi.std() / math.sqrt(len(pmi))
    assert pmi.mean() == pytest.approx(task.mutual_information, abs=5 * se + 1e-3)
    # and the samples follow the t marginal (first coordinate: Student t with df)
    assert stats.kstest(x[:, 0], stats.t(df).cdf).pvalue > 1e-3


def test_student_mi_falls_to_gaussian_mi_as_df_grows() -> None:
    disp = np.eye(4) + 0.5 * np.eye(4)[[2, 3, 0, 1]]
    gauss = GaussianSampler(disp, dim_x=2).mutual_information
    mi = [StudentTSampler(disp, dim_x=2, df=df).mutual_information for df in (1, 10, 100, 1e4)]
    assert mi[0] > mi[1] > mi[2] > mi[3] > gauss
    assert mi[3] == pytest.approx(gauss, abs=1e-6)


@settings(max_examples=40, deadline=None)
@given(
    dx=st.integers(1, 4),
    dy=st.integers(1, 4),
    seed=st.integers(0, 2**32 - 1),
)
def test_gaussian_mi_is_invariant_under_invertible_maps_of_each_variable(
    dx: int, dy: int, seed: int
) -> None:
    """I(AX + a; BY + b) = I(X; Y) for invertible A, B: the closed form sees only the dependence."""
    rng = np.random.default_rng(seed)
    m = rng.standard_normal((dx + dy, dx + dy + 2))
    cov = m @ m.T + 0.1 * np.eye(dx + dy)
    a = rng.standard_normal((dx, dx)) + 3 * np.eye(dx)
    b = rng.standard_normal((dy, dy)) + 3 * np.eye(dy)
    t = np.zeros((dx + dy, dx + dy))
    t[:dx, :dx], t[dx:, dx:] = a, b
    mi = gaussian_mutual_information(cov, dx)
    assert mi >= 0
    assert gaussian_mutual_information(t @ cov @ t.T, dx) == pytest.approx(mi, rel=1e-7, abs=1e-9)
    # symmetric in X and Y
    perm = np.r_[np.arange(dx, dx + dy), np.arange(dx)]
    assert gaussian_mutual_information(cov[np.ix_(perm, perm)], dy) == pytest.approx(mi, abs=1e-9)


def test_additive_uniform_formula_is_continuous_at_one_half() -> None:
    below = AdditiveUniformSampler(0.5 - 1e-9).mutual_information
    above = AdditiveUniformSampler(0.5 + 1e-9).mutual_information
    assert below == pytest.approx(0.5, abs=1e-8) and above == pytest.approx(0.5, abs=1e-8)


@pytest.mark.parametrize("eps", [0.1, 0.75, 0.5, 2.0])
def test_additive_uniform_truth_by_quadrature(eps: float) -> None:
    """h(Y) by quadrature of the trapezoid density of U(0,1) + U(-eps, eps), minus log(2 eps)."""

    def density(t: float) -> float:  # convolution of the two uniform densities
        return max(0.0, min(1.0, t + eps) - max(0.0, t - eps)) / (2 * eps)

    lo, hi = -eps, 1 + eps
    knots = sorted({lo, hi, eps, -eps + 1, 1 - eps, eps + 0.0})
    h = integrate.quad(
        lambda t: -density(t) * math.log(density(t)) if density(t) > 0 else 0.0,
        lo,
        hi,
        points=[k for k in knots if lo < k < hi],
        limit=200,
    )[0]
    assert AdditiveUniformSampler(eps).mutual_information == pytest.approx(
        h - math.log(2 * eps), abs=1e-8
    )
    x, y = AdditiveUniformSampler(eps).sample(5000, seed=1)
    assert x.min() >= 0 and x.max() <= 1 and np.all(np.abs(y - x) <= eps)
    assert stats.kstest((y - x)[:, 0], stats.uniform(-eps, 2 * eps).cdf).pvalue > 1e-3


ONE_DIM = PAPER_TASKS[:10]  # the nine 1 x 1 tasks and the Swiss roll


@pytest.mark.parametrize("name", ONE_DIM)
def test_one_dimensional_truths_agree_with_ksg_at_large_n(name: str) -> None:
    """KSG (k = 5, n = 20000) on the samples, and on their rank copula (MI-invariant)."""
    from infoplane.estimators import make_estimator

    task = TASKS[name]
    x, y = task.sample(20_000, seed=17)
    ksg = make_estimator("ksg", unit="nats", k=5)
    on_ranks = ksg.estimate(_copula(x), _copula(y)).value
    assert on_ranks == pytest.approx(task.mutual_information, abs=0.03)
    if name != "student-identity-1-1-1":  # KSG is biased low on the raw Cauchy (the paper's point)
        assert ksg.estimate(x, y).value == pytest.approx(task.mutual_information, abs=0.03)


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in PAPER_TASKS if "student" in n])
def test_student_truths_by_monte_carlo_at_large_n(name: str) -> None:
    """The log-density-ratio route at n = 400000, on the (asinh-inverted) raw samples."""
    task = TASKS[name]
    sampler = task.sampler.base if isinstance(task.sampler, TransformedSampler) else task.sampler
    assert task.mutual_information == sampler.mutual_information
    x, y = sampler.sample(400_000, seed=99)
    d, df = sampler.dim_x, sampler.df
    joint = stats.multivariate_t(np.zeros(2 * d), np.eye(2 * d), df=df)
    marg = stats.multivariate_t(np.zeros(d), np.eye(d), df=df)
    pmi = joint.logpdf(np.hstack([x, y])) - marg.logpdf(x) - marg.logpdf(y)
    se = pmi.std() / math.sqrt(len(pmi))
    assert se < 0.01
    assert pmi.mean() == pytest.approx(task.mutual_information, abs=4 * se)


# --------------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------------


def test_select_tasks_globs_and_errors() -> None:
    assert list(select_tasks("1v1-*")) == [
        "1v1-normal-0.75",
        "1v1-additive-0.1",
        "1v1-additive-0.75",
        "1v1-bimodal-0.75",
    ]
    assert len(select_tasks("*")) == 40 and len(select_tasks(None)) == 40
    assert list(select_tasks("asinh-*,student-identity-1-1-1")) == [
        "student-identity-1-1-1",
        "asinh-student-identity-1-1-1",
        "asinh-student-identity-2-2-1",
        "asinh-student-identity-3-3-2",
        "asinh-student-identity-5-5-2",
    ]
    with pytest.raises(InfoplaneError) as err:
        select_tasks("1v2-*")
    msg = " ".join(str(err.value).split())
    assert "'1v2-*'" in msg and "1v1-" in msg
    with pytest.raises(InfoplaneError, match="Did you mean"):
        get_task("1v1-normal-0.7")
    assert isinstance(get_task("1v1-normal-0.75"), BenchmarkTask)


# --------------------------------------------------------------------------------------------------
# The runner
# --------------------------------------------------------------------------------------------------

EXPECTED_COLUMNS = [
    "task",
    "estimator",
    "seed",
    "n",
    "estimate",
    "truth",
    "unit",
    "abs_log_ratio",
    "solved",
    "seconds",
    "note",
    "params",
    "applicable",
    "truth_se",
]


def test_run_benchmark_writes_table_and_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = runner_module._estimate_one

    def counting(est: object, x: np.ndarray, y: np.ndarray) -> tuple[float, float, str]:
        calls.append(len(x))
        return real(est, x, y)

    monkeypatch.setattr(runner_module, "_estimate_one", counting)
    tasks = ["1v1-normal-0.75", "1v1-additive-0.1"]
    df = run_benchmark(("ksg",), tasks, n=200, seeds=(0, 1), out_dir=tmp_path, progress=False)
    assert list(df.columns) == EXPECTED_COLUMNS
    assert df[["task", "seed"]].values.tolist() == [[t, s] for t in tasks for s in (0, 1)]
    assert (df["unit"] == "bits").all() and (df["n"] == 200).all()
    truth = {t: TASKS[t].mutual_information_bits for t in tasks}
    assert df["truth"].tolist() == [truth[t] for t in df["task"]]
    ratio = np.abs(np.log(df["estimate"] / df["truth"]))
    np.testing.assert_allclose(df["abs_log_ratio"], ratio)
    # solved = mean over seeds within a factor 1.5 (KSG solves both at n = 200)
    for t, g in df.groupby("task"):
        assert g["solved"].all() == (abs(math.log(g["estimate"].mean() / truth[t])) < math.log(1.5))
    assert calls.count(200) == 4  # 2 tasks x 2 seeds timed (plus one untimed warm-up)
    stored = pd.read_parquet(tmp_path / "benchmark.parquet")
    pd.testing.assert_frame_equal(stored, df)

    calls.clear()
    again = run_benchmark(["ksg"], tasks, n=200, seeds=(0, 1), out_dir=tmp_path, progress=False)
    assert calls == []  # nothing recomputed
    pd.testing.assert_frame_equal(again, df)

    # one more seed computes only that seed's rows; the old rows keep their seconds
    more = run_benchmark(["ksg"], tasks, n=200, seeds=(0, 1, 2), out_dir=tmp_path, progress=False)
    assert calls.count(200) == 2 and len(more) == 6
    old = more[more["seed"] < 2].reset_index(drop=True)
    np.testing.assert_array_equal(old["seconds"], df["seconds"])


def test_scores_rule_and_non_positive_estimates() -> None:
    def rows(values: list[float]) -> pd.DataFrame:
        return pd.DataFrame(
            [
                dict(task="t", estimator="e", seed=s, n=100, estimate=v, truth=1.0, unit="bits",
                     abs_log_ratio=0.0, solved=False, seconds=0.0, note="", params="{}")
                for s, v in enumerate(values)
            ]
        )  # fmt: skip

    assert summarize_benchmark(rows([1.4, 1.58]))["solved"].item()  # mean 1.49 < 1.5
    assert not summarize_benchmark(rows([1.4, 1.62]))["solved"].item()  # mean 1.51
    assert summarize_benchmark(rows([0.7, 0.65]))["solved"].item()  # 0.675 > 1/1.5
    assert not summarize_benchmark(rows([0.7, 0.62]))["solved"].item()  # 0.66 < 1/1.5
    assert not summarize_benchmark(rows([0.0, 2.0]))["solved"].item()  # mean 1, but one <= 0
    scored = runner_module._with_scores(rows([0.0, float("nan"), 1.0]))
    assert np.isnan(scored["abs_log_ratio"][:2]).all() and scored["abs_log_ratio"][2] == 0.0
    assert not scored["solved"].any()


def test_zero_estimate_is_noted_as_unsolved(monkeypatch: pytest.MonkeyPatch) -> None:
    from infoplane.interface import MIResult

    class Zero:
        def estimate(self, x: np.ndarray, y: np.ndarray) -> MIResult:
            return MIResult(0.0, "bits", "zero", {}, len(x), flags=("clipped_negative",))

        def get_params(self) -> dict[str, object]:
            return {}

    monkeypatch.setattr(runner_module, "make_estimator", lambda name, **kw: Zero())
    df = run_benchmark(["ksg"], "1v1-normal-*", n=20, seeds=(0,), progress=False)
    assert not df["solved"].item() and np.isnan(df["abs_log_ratio"].item())
    assert "clipped_negative" in df["note"].item() and "unsolved" in df["note"].item()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(estimators=["ksg"], tasks="1v1-normal-*", n=9), "n=9"),
        (dict(estimators=["no_such"], tasks="1v1-normal-*"), "no_such"),
        (dict(estimators=[("ksg", {"k": 0})], tasks="1v1-normal-*"), "k"),
        (dict(estimators=["ksg"], tasks="nothing-*"), "nothing-"),
        (dict(estimators=["ksg"], tasks=[]), "empty"),
        (dict(estimators=[], tasks="1v1-normal-*"), "no estimator"),
        (dict(estimators=["ksg"], tasks="1v1-normal-*", seeds=3), "seeds"),
        (dict(estimators=["ksg"], tasks="1v1-normal-*", seeds=()), "seeds"),
        (dict(estimators=["ksg", "ksg"], tasks="1v1-normal-*"), "twice"),
        (dict(estimators=[("ksg", {"unit": "nats"})], tasks="1v1-normal-*"), "bits"),
    ],
)
def test_run_benchmark_bad_input(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InfoplaneError, match=match) as err:
        run_benchmark(progress=False, **kwargs)  # type: ignore[arg-type]
    assert not isinstance(err.value, InfoplaneRuntimeError)


def test_foreign_table_is_a_runtime_error_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "benchmark.parquet").write_bytes(b"not parquet")
    with pytest.raises(InfoplaneRuntimeError, match=r"benchmark\.parquet"):
        run_benchmark(["ksg"], "1v1-normal-*", n=20, seeds=(0,), out_dir=tmp_path, progress=False)
    pd.DataFrame({"a": [1]}).to_parquet(tmp_path / "benchmark.parquet")
    with pytest.raises(InfoplaneRuntimeError, match="not an infoplane benchmark table"):
        run_benchmark(["ksg"], "1v1-normal-*", n=20, seeds=(0,), out_dir=tmp_path, progress=False)


def test_a_held_lock_is_a_runtime_error(tmp_path: Path) -> None:
    from filelock import FileLock

    with FileLock(str(tmp_path / ".benchmark.lock")):
        with pytest.raises(InfoplaneRuntimeError, match=r"\.benchmark\.lock"):
            run_benchmark(
                ["ksg"], "1v1-normal-*", n=20, seeds=(0,), out_dir=tmp_path, progress=False
            )
    assert not (tmp_path / "benchmark.parquet").exists()
    df = run_benchmark(["ksg"], "1v1-normal-*", n=20, seeds=(0,), out_dir=tmp_path, progress=False)
    assert len(df) == 1 and (tmp_path / "benchmark.parquet").exists()


# --------------------------------------------------------------------------------------------------
# The noisy-layer family and "not applicable"
# --------------------------------------------------------------------------------------------------


def test_noisy_layer_truth_by_quadrature_in_one_dimension() -> None:
    # X uniform over 3 points, Y = t_X + Z: h(Y) by quadrature of the mixture density, minus h(Z)
    t = np.array([[-0.4], [0.1], [0.9]])
    s2 = 0.09
    mix = lambda v: np.mean(stats.norm.pdf(v, loc=t[:, 0], scale=math.sqrt(s2)))  # noqa: E731
    h_y = integrate.quad(lambda v: -mix(v) * math.log(mix(v)), -4, 5, limit=200)[0]
    truth = h_y - 0.5 * math.log(2 * math.pi * math.e * s2)
    mi, se, draws = noisy_layer_mutual_information(t, s2, rounds=4000, seed=1)
    assert draws == 12000 and 0 < se < 0.01
    assert abs(mi - truth) < 4 * se
    # limits: identical rows carry nothing; far-apart rows carry log m
    assert noisy_layer_mutual_information(np.zeros((4, 2)), 0.1, rounds=10)[0] == pytest.approx(0)
    far = noisy_layer_mutual_information(np.eye(4) * 100, 0.1, rounds=10)[0]
    assert far == pytest.approx(math.log(4), abs=1e-9)


def test_noisy_layer_shipped_truths_reproduce_with_fresh_draws() -> None:
    tasks = noisy_layer_tasks()
    assert len(tasks) == 7 and all(t.family == "noisy-layer" for t in tasks.values())
    for name in ("noisy-digits_cnn-fc1-epoch20-1",):
        task = tasks[name]
        s = task.sampler
        mi, se, _ = noisy_layer_mutual_information(
            s.activations, s.noise_variance, rounds=30, seed=9
        )
        assert task.truth_draws == 512_000 and task.standard_error_bits < 0.005
        assert abs(mi - task.mutual_information) < 4 * math.hypot(se, s.standard_error)
        assert 0.5 < task.mutual_information_bits < math.log2(256)
        # an independent route: the pairwise-distance bounds on the mixture entropy bracket it
        x = np.arange(len(s.activations))
        bounds = [
            make_estimator(b, noise_variance=s.noise_variance, n_eval=None, dtype="float64")
            .estimate(x, s.activations)
            .value
            for b in ("kde_lower", "kde_upper")
        ]
        assert bounds[0] < task.mutual_information_bits < bounds[1]


def test_noisy_layer_samples_keep_x_discrete_and_standardise_y() -> None:
    task = get_task("noisy-12bit-layer3-epoch1000-0.3")
    x, y = task.sample(3000, seed=4)
    assert x.dtype == np.int64 and x.shape == (3000, 1) and 0 <= x.min() and x.max() < 256
    np.testing.assert_allclose(y.std(axis=0), 1.0)
    xr, yr = task.sample(3000, seed=4, standardize=False)
    np.testing.assert_array_equal(xr, x)
    resid = yr - task.sampler.activations[xr[:, 0]]
    assert resid.var() == pytest.approx(task.sampler.noise_variance, rel=0.05)
    with pytest.raises(InfoplaneError, match="noise_variance"):
        NoisyLayerSampler(np.zeros((3, 1)), 0.0)
    assert len(select_tasks("noisy-12bit-layer3-*", suite="noisy")) == 4
    assert len(select_tasks(None, suite="all")) == 47
    with pytest.raises(InfoplaneError, match="suite"):
        select_tasks("*", suite="bmi")
    with pytest.raises(InfoplaneError, match="suite 'czyz'"):
        select_tasks("noisy-*")


def test_noisy_estimators_are_not_applicable_on_continuous_tasks_not_failed(
    tmp_path: Path,
) -> None:
    df = run_benchmark(
        ["kde_upper", "ksg"], "1v1-normal-0.75", n=100, seeds=(0,), out_dir=tmp_path, progress=False
    )
    kde, ksg = df.iloc[0], df.iloc[1]
    assert not kde["applicable"] and np.isnan(kde["estimate"]) and not kde["solved"]
    assert kde["note"].startswith("not applicable: kde_upper measures I(X; T+Z)")
    assert "failed" not in kde["note"] and ksg["applicable"] and np.isfinite(ksg["estimate"])
    summary = summarize_benchmark(df)
    assert summary["applicable"].tolist() == [False, True]
    # on the noisy-layer family X is the input index: the same estimator applies
    noisy = run_benchmark(
        ["kde_upper"],
        "noisy-12bit-layer3-epoch1000-3",
        n=300,
        seeds=(0,),
        progress=False,
        suite="noisy",
    )
    row = noisy.iloc[0]
    assert row["applicable"] and np.isfinite(row["estimate"]) and row["truth_se"] > 0
    est = runner_module.make_estimator("gaussian_dropout")
    x = np.zeros((5, 1))
    assert "discrete X" in not_applicable(est, x, x)
    assert not_applicable(est, x.astype(int), x) is None


def test_tables_written_before_the_new_columns_still_read(tmp_path: Path) -> None:
    df = run_benchmark(["ksg"], "1v1-normal-*", n=50, seeds=(0,), progress=False)
    df.drop(columns=["applicable", "truth_se"]).to_parquet(tmp_path / "benchmark.parquet")
    again = run_benchmark(
        ["ksg"], "1v1-normal-*", n=50, seeds=(0,), out_dir=tmp_path, progress=False
    )
    assert again["applicable"].tolist() == [True] and again["truth_se"].tolist() == [0.0]
    assert again["estimate"].tolist() == df["estimate"].tolist()  # reused, not recomputed
    old = summarize_benchmark(df.drop(columns=["applicable", "truth_se"]))
    assert old["applicable"].tolist() == [True]
