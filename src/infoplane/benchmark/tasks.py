"""The 40 tasks of the benchmark of Czyż et al. (2023), by name, in the paper's order.

Task names are the task ids of the paper's code (``cbg-ethz/bmi``, ``benchmark/task_list.py``), e.g.
``1v1-normal-0.75`` or ``spiral-normal_cdf-multinormal-sparse-5-5-2-2.0``, so results can be compared
with published tables; ``title`` is the paper's display name (``"Spiral @ Normal CDF @ Multinormal
5 × 5 (2-pair)"``). Every task standardises each coordinate of its samples (zero mean, unit variance,
over the sample), as the paper does for all estimators ("so that all the estimators have equal
chances"); the true MI is that of the untransformed base distribution.
"""

from __future__ import annotations

import difflib
import fnmatch
import functools
from collections.abc import Iterable
from typing import Any

import numpy as np

from infoplane.benchmark.samplers import (
    AdditiveUniformSampler,
    GaussianSampler,
    Sampler,
    Spiral,
    StudentTSampler,
    TransformedSampler,
    bimodal_x,
    bimodal_y,
    half_cube,
    normal_cdf,
    swissroll,
    wiggly_x,
    wiggly_y,
)
from infoplane.interface import LN2, InfoplaneError

#: Correlation of the bivariate normal 1 x 1 base task.
GAUSSIAN_CORRELATION = 0.75
#: Off-diagonal correlation of the dense multinormal tasks (between every two coordinates).
DENSE_CORRELATION = 0.5
#: Correlation of each of the two interacting pairs (X_1, Y_1), (X_2, Y_2) of the sparse (2-pair)
#: multinormal tasks: lambda^2 / (1 + lambda^2) with latent strength lambda = 2, i.e. 0.8.
SPARSE_CORRELATION = 4.0 / 5.0


def standardize_samples(a: np.ndarray) -> np.ndarray:
    """Centre each column and divide it by its standard deviation (ddof 0; a constant column by 1).

    Args:
        a: samples, shape (n_samples, n_features).

    Returns:
        The standardised samples, float64, shape (n_samples, n_features) (unitless).
    """
    a = np.asarray(a, dtype=np.float64)
    centred = a - a.mean(axis=0)
    std = centred.std(axis=0)
    return centred / np.where(std > 0, std, 1.0)


class BenchmarkTask:
    """One task of the benchmark: a named sampler of (X, Y) with a known true mutual information.

    Args:
        name: the task id (the paper's code's id), e.g. ``"1v1-normal-0.75"``.
        title: the paper's display name, e.g. ``"Bivariate normal 1 × 1"``.
        sampler: the distribution (:class:`~infoplane.benchmark.samplers.Sampler`).
        family: ``"one-dimensional"``, ``"embedding"``, ``"multinormal"``, ``"student"`` or
            ``"transformed"`` (the paper's groups), or ``"noisy-layer"`` (infoplane's suite).
        source: one line saying where the definition comes from.

    Attributes:
        name: the task id.
        title: the display name.
        sampler: the underlying sampler (its ``sample`` does not standardise).
        family: the paper's group of the task.
        source: provenance of the definition.
        dim_x: dimension of X; ``sample`` returns x of shape (n, dim_x).
        dim_y: dimension of Y; ``sample`` returns y of shape (n, dim_y).
        mutual_information: the true I(X;Y) in nats.
        mutual_information_bits: the true I(X;Y) in bits.
        standard_error_bits: standard error of the truth in bits (0 for a closed form; the
            Monte Carlo standard error for the noisy-layer family).
        truth_draws: Monte Carlo draws behind the truth, or ``None`` for a closed form.

    Raises:
        InfoplaneError: from :meth:`sample` for a bad ``n`` or ``seed``.

    Notes:
        ``sample`` standardises each coordinate over the drawn sample by default, as the paper does
        before any estimator sees the data (``transform_rescale`` in its workflow). This is a
        per-coordinate affine map, so it does not change the MI (strictly it depends on the sample;
        the effect vanishes as n grows). Pass ``standardize=False`` for the raw distribution.

    References:
        Czyż, P., Grabowski, F., Vogt, J. E., Beerenwinkel, N., Marx, A. (2023). Beyond Normal: On
        the Evaluation of Mutual Information Estimators. NeurIPS 2023, arXiv:2306.11078.

    Example:
        >>> task = get_task("1v1-additive-0.75")
        >>> x, y = task.sample(1000, seed=0)
        >>> x.shape, y.shape, round(float(x.std()), 6), round(task.mutual_information, 4)
        ((1000, 1), (1000, 1), 1.0, 0.3333)
    """

    def __init__(
        self, name: str, title: str, sampler: Sampler, family: str, source: str = ""
    ) -> None:
        self.name = name
        self.title = title
        self.sampler = sampler
        self.family = family
        self.source = source or "Czyż et al. (2023), arXiv:2306.11078; cbg-ethz/bmi task_list.py"

    @property
    def dim_x(self) -> int:
        """Dimension of X."""
        return self.sampler.dim_x

    @property
    def dim_y(self) -> int:
        """Dimension of Y."""
        return self.sampler.dim_y

    @property
    def mutual_information(self) -> float:
        """The true I(X;Y) in nats."""
        return self.sampler.mutual_information

    @property
    def mutual_information_bits(self) -> float:
        """The true I(X;Y) in bits."""
        return self.sampler.mutual_information / LN2

    @property
    def standard_error_bits(self) -> float:
        """Standard error of the truth in bits: 0 for closed forms, the Monte Carlo standard
        error for the noisy-layer tasks."""
        return float(getattr(self.sampler, "standard_error", 0.0)) / LN2

    @property
    def truth_draws(self) -> int | None:
        """Monte Carlo draws behind the truth (``None`` for a closed form)."""
        draws = getattr(self.sampler, "draws", None)
        return None if draws is None else int(draws)

    def sample(
        self, n: int, seed: int = 0, *, standardize: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``n`` pairs reproducibly from ``seed``, standardised per coordinate by default.

        Args:
            n: number of samples (a positive int).
            seed: seed of :func:`numpy.random.default_rng` (a non-negative int; default 0).
            standardize: centre and scale each coordinate to unit variance over the sample
                (default True, the benchmark's preprocessing).

        Returns:
            ``(x, y)``: float64 arrays of shapes (n, dim_x) and (n, dim_y).

        Raises:
            InfoplaneError: for a bad ``n`` or ``seed``.
        """
        x, y = self.sampler.sample(n, seed)
        if standardize:  # discrete variables (integer dtype: an input index) stay symbols
            x = x if np.issubdtype(x.dtype, np.integer) else standardize_samples(x)
            y = y if np.issubdtype(y.dtype, np.integer) else standardize_samples(y)
        return x, y

    def __repr__(self) -> str:
        return (
            f"BenchmarkTask({self.name!r}, dim_x={self.dim_x}, dim_y={self.dim_y}, "
            f"mutual_information={self.mutual_information:.6g} nats)"
        )


# --------------------------------------------------------------------------------------------------
# Task builders (ids and titles as in the paper's code)
# --------------------------------------------------------------------------------------------------


def _binormal() -> BenchmarkTask:
    r = GAUSSIAN_CORRELATION
    s = GaussianSampler([[1.0, r], [r, 1.0]], dim_x=1, name="binormal")
    return BenchmarkTask(f"1v1-normal-{r}", "Bivariate normal 1 × 1", s, "one-dimensional")


def _dense(d: int) -> BenchmarkTask:
    c = DENSE_CORRELATION
    cov = np.eye(2 * d) * (1.0 - c) + c
    s = GaussianSampler(cov, dim_x=d, name="multinormal-dense")
    return BenchmarkTask(
        f"multinormal-dense-{d}-{d}-{c}", f"Multinormal {d} × {d} (dense)", s, "multinormal"
    )


def _sparse(d: int) -> BenchmarkTask:
    cov = np.eye(2 * d)
    for i in range(2):
        cov[i, d + i] = cov[d + i, i] = SPARSE_CORRELATION
    s = GaussianSampler(cov, dim_x=d, name="multinormal-sparse")
    return BenchmarkTask(
        f"multinormal-sparse-{d}-{d}-2-2.0", f"Multinormal {d} × {d} (2-pair)", s, "multinormal"
    )


def _student(d: int, df: int) -> BenchmarkTask:
    s = StudentTSampler(np.eye(2 * d), dim_x=d, df=df, name="student")
    family = "one-dimensional" if d == 1 else "student"
    return BenchmarkTask(
        f"student-identity-{d}-{d}-{df}", f"Student-t {d} × {d} (dof={df})", s, family
    )


def _transform(
    base: BenchmarkTask, prefix: str, label: str, fx: Any, fy: Any, family: str
) -> BenchmarkTask:
    s = TransformedSampler(base.sampler, fx, fy, name=prefix)
    return BenchmarkTask(f"{prefix}-{base.name}", f"{label} @ {base.title}", s, family)


def _normal_cdf(base: BenchmarkTask, family: str) -> BenchmarkTask:
    return _transform(base, "normal_cdf", "Normal CDF", normal_cdf, normal_cdf, family)


def _half_cube(base: BenchmarkTask, family: str) -> BenchmarkTask:
    return _transform(base, "half_cube", "Half-cube", half_cube, half_cube, family)


def _asinh(base: BenchmarkTask, family: str) -> BenchmarkTask:
    return _transform(base, "asinh", "Asinh", np.arcsinh, np.arcsinh, family)


def _spiral(base: BenchmarkTask) -> BenchmarkTask:
    # rotation generators in the planes (0, 1) of X and (1, 2) of Y; speed 1 / dimension
    fx = Spiral(base.dim_x, 0, 1, speed=1.0 / base.dim_x)
    fy = Spiral(base.dim_y, 1, 2, speed=1.0 / base.dim_y)
    return _transform(base, "spiral", "Spiral", fx, fy, "transformed")


def _build() -> dict[str, BenchmarkTask]:
    binormal = _binormal()
    uniform = _normal_cdf(binormal, "one-dimensional")
    bistudent = _student(1, 1)
    bimodal = BenchmarkTask(
        f"1v1-bimodal-{GAUSSIAN_CORRELATION}",
        "Bimodal 1 × 1",
        TransformedSampler(uniform.sampler, bimodal_x, bimodal_y, name="bimodal"),
        "one-dimensional",
    )
    one_dim = [
        binormal,
        uniform,
        BenchmarkTask(
            "1v1-additive-0.1",
            "Uniform 1 × 1 (additive noise=0.1)",
            AdditiveUniformSampler(0.1),
            "one-dimensional",
        ),
        BenchmarkTask(
            "1v1-additive-0.75",
            "Uniform 1 × 1 (additive noise=0.75)",
            AdditiveUniformSampler(0.75),
            "one-dimensional",
        ),
        bimodal,
        _transform(binormal, "wiggly", "Wiggly", wiggly_x, wiggly_y, "one-dimensional"),
        _half_cube(binormal, "one-dimensional"),
        bistudent,
        _asinh(bistudent, "one-dimensional"),
    ]
    embedding = [
        BenchmarkTask(
            f"swissroll_x-{uniform.name}",
            "Swiss roll 2 × 1",
            TransformedSampler(uniform.sampler, swissroll, None, name="swissroll", dim_x=2),
            "embedding",
        )
    ]
    multinormal = [_dense(d) for d in (2, 3, 5, 25, 50)] + [_sparse(d) for d in (2, 3, 5, 25)]
    student = [_student(d, df) for d, df in ((2, 1), (2, 2), (3, 2), (3, 3), (5, 2), (5, 3))]
    bases = [_sparse(d) for d in (3, 5, 25)]
    transformed = (
        [_normal_cdf(b, "transformed") for b in bases]
        + [_half_cube(b, "transformed") for b in bases]
        + [_spiral(b) for b in bases]
        + [_spiral(_normal_cdf(b, "transformed")) for b in bases]
        + [_asinh(_student(d, df), "transformed") for d, df in ((2, 1), (3, 2), (5, 2))]
    )
    tasks = one_dim + embedding + multinormal + student + transformed
    return {t.name: t for t in tasks}


@functools.cache
def _registry() -> dict[str, BenchmarkTask]:
    return _build()


#: The task suites: ``"czyz"`` (the 40 tasks of Czyż et al.), ``"noisy"`` (noisy layers of real
#: networks, :mod:`infoplane.benchmark.noisy_layers`) and ``"all"``.
SUITES: tuple[str, ...] = ("czyz", "noisy", "all")


@functools.cache
def _noisy_registry() -> dict[str, BenchmarkTask]:
    from infoplane.benchmark.noisy_layers import noisy_layer_samplers

    out = {}
    for name, sampler in noisy_layer_samplers().items():
        m, d = sampler.activations.shape
        title = f"Noisy layer {name.removeprefix('noisy-')} ({m} inputs, {d} units)"
        out[name] = BenchmarkTask(
            name,
            title,
            sampler,
            "noisy-layer",
            source="infoplane: a captured layer + Gaussian noise, truth by Monte Carlo "
            f"({sampler.draws} draws)",
        )
    return out


def _suite(suite: str) -> dict[str, BenchmarkTask]:
    if suite == "czyz":
        return _registry()
    if suite == "noisy":
        return _noisy_registry()
    if suite == "all":
        return {**_registry(), **_noisy_registry()}
    raise InfoplaneError(
        f"suite={suite!r} is not a task suite; choose one of {', '.join(map(repr, SUITES))}."
    )


def noisy_layer_tasks() -> dict[str, BenchmarkTask]:
    """The noisy-layer family: I(X; T+Z) for layers of real networks, truths by Monte Carlo.

    Returns:
        A new dict name -> :class:`BenchmarkTask` (family ``"noisy-layer"``): x is the input
        index (int64, shape (n, 1)), y = T(x) + Z (float64, shape (n, d), standardised by
        ``sample``); ``mutual_information_bits``, ``standard_error_bits`` and ``truth_draws``
        give the truth, its Monte Carlo standard error and the draws.

    Raises:
        InfoplaneRuntimeError: if the shipped layers are missing or corrupt.

    Notes:
        Layers: the 12-bit tanh network (12-10-7-5-4-3-2) after 1 and 1000 epochs (layers 1
        and 3) and a small CNN's dense ReLU layer on the 8 x 8 digits, each on 256 inputs; noise
        variance a multiple (last part of the name) of the layer's mean per-unit variance. See
        :mod:`infoplane.benchmark.noisy_layers`.

    References:
        Goldfeld, Z. et al. (2019). Estimating Information Flow in Deep Neural Networks. ICML.
        arXiv 1810.05728; Shwartz-Ziv, R., Tishby, N. (2017). arXiv 1703.00810.

    Example:
        >>> tasks = noisy_layer_tasks()
        >>> task = tasks["noisy-12bit-layer3-epoch1000-0.1"]
        >>> x, y = task.sample(100, seed=0)
        >>> x.dtype.kind, y.shape, task.truth_draws
        ('i', (100, 5), 512000)
    """
    return dict(_noisy_registry())


def benchmark_tasks() -> dict[str, BenchmarkTask]:
    """All 40 tasks of the benchmark, by name, in the paper's order.

    Returns:
        A new dict name -> :class:`BenchmarkTask` (insertion-ordered: 9 one-dimensional tasks, the
        Swiss roll, 9 multinormal, 6 Student-t, 15 transformed). True MI per task in nats
        (``.mutual_information``) and bits (``.mutual_information_bits``).

    Raises:
        Nothing (the definitions are fixed).

    Notes:
        Shapes: each task's ``sample(n, seed)`` returns arrays (n, dim_x) and (n, dim_y), dimensions
        from 1 to 50. The tasks are built once and shared; they hold no state that sampling changes.

    References:
        Czyż et al. (2023). Beyond Normal: On the Evaluation of Mutual Information Estimators.
        NeurIPS 2023, arXiv:2306.11078, Table 1 / Fig. 2.

    Example:
        >>> tasks = benchmark_tasks()
        >>> len(tasks), next(iter(tasks))
        (40, '1v1-normal-0.75')
    """
    return dict(_registry())


def get_task(name: str) -> BenchmarkTask:
    """The benchmark task called ``name``.

    Args:
        name: a task name (see :func:`benchmark_tasks`), e.g. ``"multinormal-dense-5-5-0.5"``.

    Returns:
        The :class:`BenchmarkTask` (true MI in nats and bits, samples of shape (n, dim)).

    Raises:
        InfoplaneError: for an unknown name (the message suggests close names).

    Notes:
        Names are case-sensitive; use :func:`select_tasks` for glob patterns.

    References:
        Czyż et al. (2023), NeurIPS, arXiv:2306.11078.

    Example:
        >>> round(get_task("multinormal-sparse-25-25-2-2.0").mutual_information_bits, 4)
        1.4739
    """
    reg = _registry()
    if isinstance(name, str) and name in reg:
        return reg[name]
    if isinstance(name, str) and name.startswith("noisy-"):
        reg = _suite("all")
        if name in reg:
            return reg[name]
    close = difflib.get_close_matches(str(name), list(reg), n=3, cutoff=0.5)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise InfoplaneError(
        f"unknown benchmark task {name!r}.{hint} List the names with "
        "infoplane.benchmark.benchmark_tasks() or use a glob pattern with select_tasks()."
    )


def select_tasks(
    pattern: str | Iterable[str] | None = None, suite: str = "czyz"
) -> dict[str, BenchmarkTask]:
    """The tasks whose names match a glob pattern (or several), in the benchmark's order.

    Args:
        pattern: an :mod:`fnmatch` glob (case-sensitive), e.g. ``"1v1-*"`` or ``"*student*"``;
            several patterns as a comma-separated string (``"1v1-*,spiral-*"``) or a list; ``None``
            or ``"*"`` for all tasks of the suite.
        suite: ``"czyz"`` (default: the 40 tasks of Czyż et al.), ``"noisy"`` (the noisy-layer
            family, :func:`noisy_layer_tasks`) or ``"all"``.

    Returns:
        A dict name -> :class:`BenchmarkTask` of the matching tasks (true MI in nats and bits).

    Raises:
        InfoplaneError: if a pattern matches no task (the message names it and lists a few valid
            names), a pattern is empty or not a string, or the suite is unknown.

    Notes:
        Shapes: none (selects tasks; each task's samples are (n, dim_x), (n, dim_y)). Every pattern
        must match something, so a typo never silently shrinks a benchmark.

    References:
        Czyż et al. (2023), NeurIPS, arXiv:2306.11078.

    Example:
        >>> list(select_tasks("1v1-*"))
        ['1v1-normal-0.75', '1v1-additive-0.1', '1v1-additive-0.75', '1v1-bimodal-0.75']
    """
    reg = _suite(suite)
    if pattern is None:
        return dict(reg)
    if isinstance(pattern, str):
        patterns = [p.strip() for p in pattern.split(",")]
    else:
        patterns = list(pattern)
    if not patterns:
        raise InfoplaneError("the task pattern list is empty; give a glob such as '1v1-*' or '*'.")
    chosen: set[str] = set()
    for p in patterns:
        if not isinstance(p, str) or not p:
            raise InfoplaneError(
                f"task pattern {p!r} must be a non-empty glob string, e.g. '1v1-*' or '*'."
            )
        matched = [name for name in reg if fnmatch.fnmatchcase(name, p)]
        if not matched:
            close = difflib.get_close_matches(p, list(reg), n=3, cutoff=0.4)
            examples = close or list(reg)[:3]
            raise InfoplaneError(
                f"task pattern {p!r} matches no task of the suite {suite!r}; valid names include "
                f"{', '.join(examples)} (fnmatch globs such as '1v1-*' or '*'; {len(reg)} tasks "
                "in the suite; suites: 'czyz', 'noisy', 'all')."
            )
        chosen.update(matched)
    return {name: task for name, task in reg.items() if name in chosen}
