"""Run estimators over the benchmark's tasks: one table, written atomically, resumable.

One row per (task, estimator, seed): the estimate and the truth in bits, |log(estimate / truth)|,
whether the (task, estimator) pair is solved (the paper's rule: the mean estimate over the seeds is
within a factor 1.5 of the truth) and the seconds the estimate took.
"""

from __future__ import annotations

import contextlib
import json
import math
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from infoplane.benchmark.tasks import BenchmarkTask, get_task, select_tasks
from infoplane.estimators import make_estimator
from infoplane.interface import InfoplaneError, InfoplaneRuntimeError
from infoplane.storage import write_table

#: The table's file name inside ``out_dir``.
TABLE_NAME = "benchmark.parquet"
#: The lock file inside ``out_dir`` held while a run reads and rewrites the table.
LOCK_NAME = ".benchmark.lock"
#: The paper's rule: solved when |log(mean estimate / truth)| < log(SOLVED_FACTOR).
SOLVED_FACTOR = 1.5
#: Smallest sample size accepted by :func:`run_benchmark`.
MIN_SAMPLES = 10
#: Samples of the untimed warm-up estimate that each estimator runs once before its first row.
WARMUP_SAMPLES = 50
#: The table's columns, in order.
COLUMNS: tuple[str, ...] = (
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
)
#: Columns added after the first release, with the value that old tables get when read.
_BACKFILL: dict[str, Any] = {"applicable": True, "truth_se": 0.0}
_KEY = ["task", "estimator", "seed", "n"]


def _label(name: str, params: Mapping[str, Any]) -> str:
    if not params:
        return name
    inner = ", ".join(f"{k}={params[k]}" for k in sorted(params))
    return f"{name}({inner})"


def _estimators(estimators: Any) -> list[tuple[str, Any]]:
    """Validate the estimator list into (label, estimator) pairs; errors come from the registry."""
    if isinstance(estimators, str) or (
        isinstance(estimators, tuple)
        and len(estimators) == 2
        and isinstance(estimators[1], Mapping)
    ):
        estimators = [estimators]  # one name, or one (name, params) pair
    if not isinstance(estimators, Iterable):
        raise InfoplaneError(
            f"estimators={estimators!r} must be a list of registry names or (name, params) pairs, "
            "e.g. ['ksg', ('binning', {'n_bins': 10})]."
        )
    out: list[tuple[str, Any]] = []
    for item in estimators:
        if isinstance(item, str):
            name, params = item, {}
        elif isinstance(item, Sequence) and len(item) == 2 and isinstance(item[1], Mapping):
            name, params = item[0], dict(item[1])
        else:
            raise InfoplaneError(
                f"estimator {item!r} must be a registry name or a (name, params) pair, e.g. "
                "('ksg', {'k': 5})."
            )
        if "unit" in params:
            raise InfoplaneError(
                f"estimator {name!r}: do not pass 'unit'; the benchmark reports bits."
            )
        est = make_estimator(name, unit="bits", **params)  # its InfoplaneError names the problem
        label = _label(name, params)
        if label in dict(out):
            raise InfoplaneError(f"estimator {label!r} is listed twice; list each once.")
        out.append((label, est))
    if not out:
        raise InfoplaneError("no estimator given; name at least one, e.g. estimators=['ksg'].")
    return out


def _tasks(tasks: Any, suite: str = "czyz") -> dict[str, BenchmarkTask]:
    if tasks is None or isinstance(tasks, str):
        chosen = select_tasks(tasks, suite)
    elif isinstance(tasks, Mapping):
        chosen = {str(k): v for k, v in tasks.items()}
    else:
        chosen = {}
        for t in tasks:
            task = t if isinstance(t, BenchmarkTask) else get_task(t)
            chosen[task.name] = task
    if not chosen:
        raise InfoplaneError(
            "the task selection is empty; pass a glob such as '1v1-*', a list of task names, or "
            "None for all 40 tasks."
        )
    for name, task in chosen.items():
        if not isinstance(task, BenchmarkTask):
            raise InfoplaneError(f"task {name!r} is not a BenchmarkTask (got {type(task)}).")
    return chosen


def _check_seeds(seeds: Any) -> list[int]:
    if isinstance(seeds, int | np.integer | str) or not isinstance(seeds, Iterable):
        raise InfoplaneError(
            f"seeds={seeds!r} must be a sequence of non-negative ints, e.g. seeds=(0, 1, 2) or "
            "range(3)."
        )
    out = list(seeds)
    if not out or any(
        isinstance(s, bool) or not isinstance(s, int | np.integer) or s < 0 for s in out
    ):
        raise InfoplaneError(
            f"seeds={seeds!r} must be a non-empty sequence of non-negative ints, e.g. (0, 1, 2)."
        )
    if len(set(out)) != len(out):
        raise InfoplaneError(f"seeds={seeds!r} has repeated values; give each seed once.")
    return [int(s) for s in out]


def _read_table(path: Path) -> Any:
    import pandas as pd

    try:
        frame = pd.read_parquet(path)
    except Exception as exc:
        raise InfoplaneRuntimeError(
            f"cannot read the benchmark table {str(path)!r} ({type(exc).__name__}: {exc}); the "
            "file is corrupt or not a Parquet table: move it away or choose another --out."
        ) from None
    for col, value in _BACKFILL.items():
        if col not in frame.columns:
            frame[col] = value
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise InfoplaneRuntimeError(
            f"{str(path)!r} is not an infoplane benchmark table (missing columns {missing}); "
            "move it away or choose another output folder."
        )
    return frame[list(COLUMNS)]


def _with_scores(frame: Any) -> Any:
    """Recompute abs_log_ratio and solved (per task, estimator, n) from estimate and truth."""
    frame = frame.copy()
    est = frame["estimate"].to_numpy(dtype=np.float64)
    truth = frame["truth"].to_numpy(dtype=np.float64)
    ok = np.isfinite(est) & (est > 0) & (truth > 0)
    ratio = np.full(len(frame), np.nan)
    ratio[ok] = np.abs(np.log(est[ok] / truth[ok]))
    frame["abs_log_ratio"] = ratio
    if len(frame):
        # mean over seeds; a pair with a failed (NaN) or non-positive estimate is unsolved
        groups = frame.assign(_ok=ok).groupby(["task", "estimator", "n"])
        mean = groups["estimate"].transform(lambda s: s.mean(skipna=False))
        all_ok = groups["_ok"].transform("all").to_numpy(dtype=bool)
        m = mean.to_numpy(dtype=np.float64)
        good = all_ok & np.isfinite(m) & (m > 0) & (truth > 0)
        solved = np.zeros(len(frame), dtype=bool)
        solved[good] = np.abs(np.log(m[good] / truth[good])) < math.log(SOLVED_FACTOR)
        frame["solved"] = solved
    else:
        frame["solved"] = frame["solved"].astype(bool)
    return frame


def _empty_table() -> Any:
    import pandas as pd

    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in _DTYPES.items()})


_DTYPES: dict[str, str] = {
    "task": "str",
    "estimator": "str",
    "seed": "int64",
    "n": "int64",
    "estimate": "float64",
    "truth": "float64",
    "unit": "str",
    "abs_log_ratio": "float64",
    "solved": "bool",
    "seconds": "float64",
    "note": "str",
    "params": "str",
    "applicable": "bool",
    "truth_se": "float64",
}


def not_applicable(est: Any, x: np.ndarray, y: np.ndarray) -> str | None:
    """Why ``est`` does not estimate I(X;Y) on data like (x, y), or ``None`` when it does.

    Args:
        est: a registered estimator.
        x: samples of X, shape (n, d_x) (integer dtype = discrete).
        y: samples of Y, shape (n, d_y).

    Returns:
        A one-line reason, or ``None``. Units: none (text).

    Raises:
        Nothing.

    Notes:
        The noisy-layer estimators (``kde_upper``, ``kde_lower``, ``sample_propagation``,
        ``gaussian_dropout``) measure I(X; T+Z) for a discrete X (an input index) and add their
        own noise to a continuous T; they refuse two continuous variables (issue 12), so on the
        40 continuous tasks of Czyż et al. they are "not applicable", not failed. They apply to
        the noisy-layer family, whose X is the input index.

    References:
        Czyż et al. (2023), NeurIPS, arXiv 2306.11078; Kolchinsky, A., Tracey, B. D. (2017).
        Estimating Mixture Entropy with Pairwise Distances. Entropy 19(7):361. arXiv 1706.02419.

    Example:
        >>> from infoplane.estimators import make_estimator
        >>> x = np.zeros((4, 1))
        >>> not_applicable(make_estimator("kde_upper"), x, x)[:28]
        'kde_upper measures I(X; T+Z)'
        >>> not_applicable(make_estimator("ksg"), x, x) is None
        True
    """
    from infoplane.estimators.kde import _GroupedMixtureEstimator

    discrete = x.dtype.kind in "iub" or y.dtype.kind in "iub"  # integer or boolean: symbols
    if isinstance(est, _GroupedMixtureEstimator) and not discrete:
        return (
            f"{est.name} measures I(X; T+Z) for a discrete X (an input index) and adds its own "
            "noise to a continuous T; both variables of this task are continuous"
        )
    return None


def _estimate_one(est: Any, x: np.ndarray, y: np.ndarray) -> tuple[float, float, str]:
    """(estimate in bits, seconds, note); a failure of the estimator is a NaN with its message."""
    t0 = time.perf_counter()
    try:
        result = est.estimate(x, y)
    except InfoplaneError as exc:  # usage or runtime failure on this sample: record, go on
        return math.nan, time.perf_counter() - t0, f"failed: {exc}"
    seconds = time.perf_counter() - t0
    value = float(result.value)
    notes = list(result.flags)
    if not math.isfinite(value) or value <= 0:
        notes.append("estimate <= 0 bits: log ratio undefined, counted as unsolved")
    return value, seconds, "; ".join(notes)


def run_benchmark(
    estimators: Sequence[str | tuple[str, Mapping[str, Any]]],
    tasks: str | Iterable[str | BenchmarkTask] | Mapping[str, BenchmarkTask] | None = None,
    *,
    n: int = 5000,
    seeds: Sequence[int] = (0, 1, 2),
    out_dir: str | Path | None = None,
    progress: bool = True,
    suite: str = "czyz",
) -> Any:
    """Estimate I(X;Y) with each estimator on each task and seed, and score against the truth.

    For every task and seed one sample of size ``n`` is drawn (standardised per coordinate, as in
    the paper) and shared by all estimators. With ``out_dir``, the table
    ``out_dir/benchmark.parquet`` is rewritten atomically after each (task, estimator) pair, and a
    second call with the same arguments skips the rows already there (resume after an
    interruption, or add estimators to an earlier run).

    Args:
        estimators: registry names (``"ksg"``) or ``(name, params)`` pairs
            (``("ksg", {"k": 5})``); each is built with :func:`~infoplane.estimators.make_estimator`
            in bits. The table's ``estimator`` column is the name, or ``name(k=5)`` with params.
        tasks: a glob pattern (``"1v1-*"``, comma-separated for several), a list of task names or
            :class:`~infoplane.benchmark.tasks.BenchmarkTask` objects, a dict name -> task, or
            ``None`` for all 40 tasks (default).
        n: samples per data set (int >= 10; default 5000, the paper's headline size).
        seeds: seeds of the data sets (non-negative ints; default (0, 1, 2)).
        out_dir: folder for ``benchmark.parquet`` (created if needed); ``None`` keeps nothing.
        progress: show a tqdm progress bar over (task, estimator) pairs (default True).
        suite: the tasks a pattern selects from: ``"czyz"`` (default, the 40 tasks),
            ``"noisy"`` (noisy layers of real networks, truths by Monte Carlo) or ``"all"``.

    Returns:
        A pandas DataFrame with one row per requested (task, estimator, seed), in the benchmark's
        task order, and the columns ``task, estimator, seed, n, estimate, truth, unit,
        abs_log_ratio, solved, seconds, note, params``: ``estimate`` and ``truth`` in bits
        (``unit`` = "bits"); ``abs_log_ratio`` = |ln(estimate / truth)| (NaN when the estimate is
        <= 0 or failed); ``solved`` (bool, the same on every row of a (task, estimator) pair) is
        |ln(mean estimate over the seeds / truth)| < ln 1.5; ``seconds`` is the wall time of the
        estimate alone; ``note`` says why a row is unsolved or flagged (e.g. an estimate clipped
        at 0, or an estimator's error message); ``params`` is the estimator's validated
        hyper-parameters as JSON; ``applicable`` is False (estimate NaN, unsolved, the reason
        in ``note``) where the estimator does not measure I(X;Y) for the task's kind of data
        (:func:`not_applicable`); ``truth_se`` is the truth's standard error in bits (0 for
        closed forms, the Monte Carlo standard error for the noisy layers).

    Raises:
        InfoplaneError: for n < 10, bad seeds, an unknown or badly configured estimator (the
            registry's message), a task pattern that matches nothing, or an empty task selection.
        InfoplaneRuntimeError: if ``out_dir/benchmark.parquet`` exists but is unreadable or not a
            benchmark table, or another process holds ``out_dir/.benchmark.lock`` (the message
            names the file).

    Notes:
        Shapes: each data set is x of shape (n, dim_x) and y of shape (n, dim_y) from the task's
        ``sample(n, seed)``; the result is a table. An estimate <= 0 (estimators clip negative raw
        values to 0) has no log ratio: the row gets NaN, a note, and its pair counts as unsolved;
        so does a pair with a failed seed (an estimator raising
        :class:`~infoplane.interface.InfoplaneError` on a sample is recorded as NaN with its
        message, and the run goes on). Rows already in the table are reused only when their truth
        matches the task's current truth. Standardising over the sample is a per-coordinate affine
        map fitted on the data; it does not change the true MI but can help estimators that are
        not scale-invariant (binning, kernels). A lock file (``out_dir/.benchmark.lock``, the
        ``filelock`` package) keeps a second process from writing the same table at the same
        time. Each estimator first runs once, untimed, on 50 samples so that one-time costs
        (imports, compilation) stay out of ``seconds``.

    References:
        Czyż, P., Grabowski, F., Vogt, J. E., Beerenwinkel, N., Marx, A. (2023). Beyond Normal: On
        the Evaluation of Mutual Information Estimators. NeurIPS 2023, arXiv:2306.11078 (tasks,
        standardisation, and the factor-1.5 rule of its code, ``cbg-ethz/bmi``).

    Example:
        >>> df = run_benchmark(["ksg"], "1v1-normal-*", n=200, seeds=(0, 1), progress=False)
        >>> df[["task", "estimator", "seed", "unit"]].values.tolist()[0]
        ['1v1-normal-0.75', 'ksg', 0, 'bits']
        >>> round(float(df["truth"].iloc[0]), 4), bool(df["solved"].all())
        (0.5963, True)
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < MIN_SAMPLES:
        raise InfoplaneError(
            f"n={n!r} must be an integer of at least {MIN_SAMPLES} samples per data set, e.g. "
            "n=5000 (the paper's size)."
        )
    n = int(n)
    seed_list = _check_seeds(seeds)
    specs = _estimators(estimators)
    chosen = _tasks(tasks, suite)

    path = None if out_dir is None else Path(out_dir) / TABLE_NAME
    with _locked(path):
        return _run(specs, chosen, n, seed_list, path, progress)


@contextlib.contextmanager
def _locked(path: Path | None) -> Iterator[None]:
    """Hold ``<out_dir>/.benchmark.lock`` while the table is read and rewritten (one writer)."""
    if path is None:
        yield
        return
    from filelock import FileLock, Timeout

    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.parent / LOCK_NAME
    lock = FileLock(str(lock_path), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise InfoplaneRuntimeError(
            f"another process is writing {str(path)!r} (lock {str(lock_path)!r} is held); wait "
            "for it to finish or choose another output folder."
        ) from None
    try:
        yield
    finally:
        lock.release()


def _run(
    specs: list[tuple[str, Any]],
    chosen: dict[str, BenchmarkTask],
    n: int,
    seed_list: list[int],
    path: Path | None,
    progress: bool,
) -> Any:
    import pandas as pd

    from infoplane._progress import progress_bar

    table = _read_table(path) if path is not None and path.exists() else _empty_table()
    truths = {name: task.mutual_information_bits for name, task in chosen.items()}
    if len(table):
        # drop requested rows whose stored truth is stale (a changed task definition)
        stale = table["task"].map(truths).astype(float)
        is_stale = stale.notna() & ~np.isclose(stale.fillna(0.0), table["truth"], rtol=1e-9)
        table = table[~is_stale.to_numpy()]
    done = set(map(tuple, table[_KEY].itertuples(index=False, name=None)))

    rows: list[dict[str, Any]] = []
    warm: set[str] = set()
    bar = progress_bar(
        total=len(chosen) * len(specs),
        desc="benchmark",
        unit="pair",
        disable=not progress,
        leave=False,
    )
    try:
        for name, task in chosen.items():
            samples: dict[int, tuple[np.ndarray, np.ndarray]] = {}
            for label, est in specs:
                bar.set_postfix_str(f"{name} / {label}", refresh=False)
                new = []
                for seed in seed_list:
                    if (name, label, seed, n) in done:
                        continue
                    if seed not in samples:
                        samples[seed] = task.sample(n, seed)
                    reason = not_applicable(est, *samples[seed])
                    if reason is not None:
                        value, seconds, note = math.nan, 0.0, f"not applicable: {reason}"
                    else:
                        if label not in warm:  # one-time imports/compilation outside the timing
                            warm.add(label)
                            x0, y0 = samples[seed]
                            _estimate_one(est, x0[:WARMUP_SAMPLES], y0[:WARMUP_SAMPLES])
                        value, seconds, note = _estimate_one(est, *samples[seed])
                    new.append(
                        {
                            "task": name,
                            "estimator": label,
                            "seed": seed,
                            "n": n,
                            "estimate": value,
                            "truth": truths[name],
                            "unit": "bits",
                            "abs_log_ratio": math.nan,
                            "solved": False,
                            "seconds": seconds,
                            "note": note,
                            "params": json.dumps(est.get_params(), sort_keys=True, default=str),
                            "applicable": reason is None,
                            "truth_se": task.standard_error_bits,
                        }
                    )
                if new:
                    rows.extend(new)
                    if path is not None:
                        full = pd.concat(
                            [table, pd.DataFrame(rows, columns=list(COLUMNS))], ignore_index=True
                        )
                        write_table(path, _with_scores(full).astype(_DTYPES))
                bar.update(1)
    finally:
        bar.close()

    full = pd.concat([table, pd.DataFrame(rows, columns=list(COLUMNS))], ignore_index=True)
    full = full.astype(_DTYPES)
    wanted = pd.DataFrame(
        [
            (name, label, seed, n, i)
            for i, (name, label, seed) in enumerate(
                (t, lab, s) for t in chosen for lab, _ in specs for s in seed_list
            )
        ],
        columns=[*_KEY, "_order"],
    )
    out = full.merge(wanted, on=_KEY, how="inner").sort_values("_order")
    out = out.drop(columns="_order").reset_index(drop=True)
    return _with_scores(out[list(COLUMNS)]).astype(_DTYPES)


def summarize_benchmark(frame: Any) -> Any:
    """One row per (task, estimator): mean estimate over the seeds, truth, and solved.

    Args:
        frame: a table from :func:`run_benchmark` (or ``pandas.read_parquet`` of its file).

    Returns:
        A pandas DataFrame with columns ``task, estimator, n, seeds, mean_estimate, truth,
        truth_se, unit, solved, applicable, seconds`` (``mean_estimate``, ``truth`` and its
        standard error ``truth_se`` in bits; ``applicable`` False where the estimator does not
        measure I(X;Y) on the task, see :func:`not_applicable`; ``seconds`` is the total
        estimation time over the seeds), in the input's order.

    Raises:
        InfoplaneError: if ``frame`` lacks the benchmark columns.

    Notes:
        Shapes: none (tables). ``solved`` is recomputed from the estimates (the paper's rule), so a
        filtered table gives the verdict for the seeds it holds.

    References:
        Czyż et al. (2023), NeurIPS, arXiv:2306.11078.

    Example:
        >>> import pandas as pd
        >>> rows = [dict(task="t", estimator="e", seed=s, n=100, estimate=v, truth=1.0,
        ...              unit="bits", abs_log_ratio=0.0, solved=False, seconds=0.1, note="",
        ...              params="{}") for s, v in [(0, 1.2), (1, 1.6)]]
        >>> summarize_benchmark(pd.DataFrame(rows))[["mean_estimate", "solved"]].values.tolist()
        [[1.4, True]]
    """
    if hasattr(frame, "columns"):
        frame = frame.assign(
            **{c: v for c, v in _BACKFILL.items() if c not in frame.columns}
        )  # tables written before these columns existed
    missing = [c for c in COLUMNS if c not in getattr(frame, "columns", ())]
    if missing:
        raise InfoplaneError(f"frame is not a benchmark table (missing columns {missing}).")
    scored = _with_scores(frame)
    grouped = scored.groupby(["task", "estimator", "n"], sort=False)
    summary = grouped.agg(
        seeds=("seed", "count"),
        mean_estimate=("estimate", lambda s: s.mean(skipna=False)),
        truth=("truth", "first"),
        unit=("unit", "first"),
        solved=("solved", "first"),
        applicable=("applicable", "all"),
        truth_se=("truth_se", "first"),
        seconds=("seconds", "sum"),
    ).reset_index()
    return summary[
        [
            "task",
            "estimator",
            "n",
            "seeds",
            "mean_estimate",
            "truth",
            "truth_se",
            "unit",
            "solved",
            "applicable",
            "seconds",
        ]
    ]
