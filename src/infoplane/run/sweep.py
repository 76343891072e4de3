"""Sweeps: a grid of runs (seeds x architectures x activations, with estimators) in parallel.

The 2017 paper averages every figure over 50 networks and varies the depth, the training-set size
and (Saxe et al. 2018) the activation; a sweep runs such a grid, one
:func:`~infoplane.run.engine.run_experiment` per grid point, on a local process pool (default), a
local Dask cluster, or an existing Dask distributed cluster, and merges the information-plane tables
into one Parquet table with the grid parameters as columns.

A sweep file (YAML or TOML) is a :class:`SweepConfig`::

    name: depth-and-activation
    preset: default                 # the RunConfig every run starts from
    base:                           # overrides applied to the preset (RunConfig keys)
      repeats: 2
      training: {epochs: 300}
    seeds: [0, 1]                   # seed blocks: run 0 trains members 0, 1; run 1 members 2, 3
    architectures: [[10, 7, 5, 4, 3], [10, 7]]
    activations: [tanh, relu]
    estimators:                     # applied to every run (not a training axis: one training each)
      - {name: binning, params: {n_bins: 30, range: [-1, 1]}}
      - {name: binning, params: {bin_width: 0.07, n_bins: null}}
    shards: 1                       # split each ensemble into runs (one per core or machine)

**Member seeds never overlap.** A run trains an ensemble of R = ``repeats`` networks; member r of a
run whose :class:`~infoplane.run.config.RunConfig` has ``seed = b`` is initialised and shuffled with
seed ``b + r``. A sweep seed s is the index of a *block* of R consecutive member seeds: the run for
sweep seed s gets ``RunConfig.seed = s0 + s * R`` (s0: the preset's or ``base``'s seed, 0 in every
preset), so its members use seeds ``s0 + s*R, ..., s0 + s*R + R - 1``. Distinct sweep seeds
(non-negative, each listed once) therefore never share a network, and the merged table never counts
a network twice. Shards split a block without changing its member seeds. With ``repeats: 1`` the
rule is the plain ``RunConfig.seed = s0 + s``. The merged table's ``member_seed`` column names the
seed of every network.

Runs live in ``OUT/runs/<key>/`` where the key spells the grid point and a hash of the resolved
:class:`~infoplane.run.config.RunConfig`; a run whose ``_SUCCESS`` marker exists is skipped on a rerun,
and a changed setting (a new hash) is a new run. The merged table is ``OUT/sweep.parquet``.

References:
    Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
    Information. arXiv:1703.00810.
    Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from infoplane.interface import InfoplaneError, InfoplaneRuntimeError

__all__ = [
    "EXECUTORS",
    "GRID_COLUMNS",
    "MERGED_FILE",
    "RUNS_DIR",
    "SUCCESS_MARKER",
    "RunOutcome",
    "RunTask",
    "SweepConfig",
    "SweepResult",
    "SweepRun",
    "check_executor",
    "load_sweep_config",
    "run_key",
    "run_many",
    "run_sweep",
]
SUCCESS_MARKER = "_SUCCESS"
MERGED_FILE = "sweep.parquet"
RUNS_DIR = "runs"
GRID_COLUMNS: tuple[str, ...] = (
    "run",
    "seed",
    "architecture",
    "n_hidden_layers",
    "activation",
    "shard",
)
Executor = Literal["processes", "dask", "serial"]
EXECUTORS: tuple[str, ...] = ("processes", "dask", "serial")


def check_executor(executor: str, *, flag: str = "executor") -> str:
    """Return ``executor`` if it names a known backend.

    Args:
        executor: ``"processes"``, ``"dask"`` or ``"serial"``.
        flag: how the caller spells the option in the message (e.g. ``"--executor"``).

    Returns:
        ``executor`` unchanged.

    Shapes: none. Units: none.

    Raises:
        InfoplaneError: for any other value (the message lists the choices).

    Example:
        >>> check_executor("serial")
        'serial'

    Notes:
        Checked before anything is created, so a typo never leaves a half-made sweep directory.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810.
    """
    if executor not in EXECUTORS:
        raise InfoplaneError(
            f"{flag}={executor!r} is unknown; use 'processes', 'dask' or 'serial'."
        )
    return executor


def _duplicates(values: Sequence[Any]) -> list[Any]:
    seen: list[Any] = []
    dup: list[Any] = []
    for v in values:
        if v in seen and v not in dup:
            dup.append(v)
        seen.append(v)
    return dup


def _validation_message(exc: ValidationError, source: str) -> str:
    parts = [f"{'.'.join(str(p) for p in e['loc']) or 'sweep'}: {e['msg']}" for e in exc.errors()]
    return f"bad sweep config ({source}): " + "; ".join(parts)


@dataclass(frozen=True)
class SweepRun:
    """One run of a sweep: its grid point, its resolved config and where its members sit.

    Attributes:
        point: grid columns of the run: ``seed`` (the sweep seed, a block index),
            ``architecture`` (widths joined by ``-``), ``n_hidden_layers``, ``activation``,
            ``shard``.
        config: the resolved :class:`~infoplane.run.config.RunConfig`; its members use the seeds
            ``config.seeds()``.
        first_repeat: index, within the grid point's ensemble of R networks, of this run's first
            member (0 unless the ensemble is split into shards).

    Shapes: none (a plain record). Units: seeds and indices are integers.

    Raises:
        Nothing: a plain record; :meth:`SweepConfig.runs` validates the config.

    Example:
        >>> run = SweepConfig(seeds=[1], base={"repeats": 2}).runs()[0]
        >>> run.point["seed"], run.config.seeds(), run.first_repeat
        (1, [2, 3], 0)

    Notes:
        The member seeds of the runs of one sweep are disjoint (see the module docstring).

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810.
    """

    point: dict[str, Any]
    config: Any
    first_repeat: int = 0

    @property
    def key(self) -> str:
        """Directory name of the run under ``OUT/runs/`` (see :func:`run_key`)."""
        return run_key(self.point, self.config)


class SweepConfig(BaseModel):
    """A grid of runs. Unknown keys are errors.

    Attributes:
        name: a label for the sweep.
        preset: built-in preset every run starts from (``None``: the RunConfig defaults).
        base: nested RunConfig overrides applied on top of the preset (e.g. ``{"repeats": 2}``).
        seeds: sweep seeds, one run per seed, each >= 0 and listed once. Seed s is a block of R
            member seeds: the run gets ``RunConfig.seed = s0 + s * R`` (s0 the preset's or
            ``base``'s seed), so its R members use ``s0 + s*R .. s0 + s*R + R - 1`` and no two
            runs of the sweep share a network.
        architectures: hidden widths per run; ``None`` keeps the base config's.
        activations: activations per run; ``None`` keeps the base config's.
        estimators: estimators applied to every run's activations (names or
            ``{name, params}``); ``None`` keeps the base config's. They do not multiply the
            training: each run estimates all of them from one capture.
        figures: write each run's PNG figures (slower).
        threads_per_run: torch threads inside each run (1 avoids oversubscribing the cores).
        shards: split each grid point's ensemble of R networks into this many runs of about
            R / shards members (member seeds unchanged), so that one large ensemble uses several
            cores or machines. Members are independent, so the merged table is the one of the
            unsplit run; its ``repeat`` column is renumbered 0..R-1 across shards.

    Shapes: none. Units: epochs, seeds and counts are integers; the estimates the runs produce
    are in bits unless an estimator's ``unit`` parameter says otherwise.

    Raises:
        InfoplaneError: for unknown keys or invalid values (each key named with the rule;
            :func:`load_sweep_config` also names the file); :meth:`runs` for an invalid resolved
            RunConfig.

    Example:
        >>> sweep = SweepConfig(seeds=[0, 1], base={"repeats": 2}, shards=2)
        >>> [(r.point["seed"], r.point["shard"], r.config.seeds()) for r in sweep.runs()]
        [(0, 0, [0]), (0, 1, [1]), (1, 0, [2]), (1, 1, [3])]

    Notes:
        Runs with different architectures or activations share member seeds: they are different
        networks (the seed fixes the initialisation draw and the mini-batch order, not the
        network), as in the paired comparisons of the papers.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810 (averages over 50 networks).
    """

    model_config = ConfigDict(extra="forbid")

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise InfoplaneError(_validation_message(exc, "SweepConfig")) from None

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any) -> SweepConfig:  # type: ignore[override]
        """Validate a mapping into a :class:`SweepConfig` (errors as :class:`InfoplaneError`)."""
        if isinstance(obj, dict) and not kwargs:
            if bad := [k for k in obj if not isinstance(k, str)]:
                raise InfoplaneError(f"bad sweep config: keys {bad} are not names; use strings.")
            return cls(**obj)  # through __init__: one error type for both routes
        try:
            return super().model_validate(obj, **kwargs)
        except ValidationError as exc:
            raise InfoplaneError(_validation_message(exc, "SweepConfig")) from None

    name: str = "sweep"
    preset: str | None = "default"
    base: dict[str, Any] = Field(default_factory=dict)
    seeds: list[int] = Field(default_factory=lambda: [0], min_length=1)
    architectures: list[list[int]] | None = None
    activations: list[str] | None = None
    estimators: list[dict[str, Any]] | None = None
    figures: bool = False
    threads_per_run: int = Field(1, ge=1)
    shards: int = Field(1, ge=1)

    @field_validator("estimators", mode="before")
    @classmethod
    def _names_to_dicts(cls, v: Any) -> Any:
        if v is None:
            return v
        return [{"name": e} if isinstance(e, str) else e for e in v]

    @field_validator("seeds")
    @classmethod
    def _seeds(cls, v: list[int]) -> list[int]:
        if any(s < 0 for s in v):
            raise ValueError(f"seeds must be >= 0 (block indices); got {v}")
        if dup := _duplicates(v):
            raise ValueError(f"seeds list {dup} more than once; list each seed once")
        return v

    @field_validator("architectures")
    @classmethod
    def _widths(cls, v: list[list[int]] | None) -> list[list[int]] | None:
        if v is not None and (not v or any(not a or min(a) < 1 for a in v)):
            raise ValueError(
                "architectures must be a non-empty list of non-empty lists of widths >= 1"
            )
        if v is not None and (dup := _duplicates(v)):
            raise ValueError(f"architectures list {dup} more than once; list each one once")
        return v

    @field_validator("activations")
    @classmethod
    def _activations(cls, v: list[str] | None) -> list[str] | None:
        if v is not None and not v:
            raise ValueError("activations must list at least one activation (or be omitted)")
        if v is not None and (dup := _duplicates(v)):
            raise ValueError(f"activations list {dup} more than once; list each one once")
        return v

    def runs(self) -> list[SweepRun]:
        """Resolve the grid into runs, in grid order (seed, architecture, activation, shard).

        Returns:
            One :class:`SweepRun` per run; with ``shards`` > 1 a grid point gives several runs
            whose member seeds together are the point's block ``s0 + s*R .. s0 + s*R + R - 1``.

        Raises:
            InfoplaneError: if a resolved RunConfig is invalid (the message names the key).

        Example:
            >>> [r.config.seeds() for r in SweepConfig(seeds=[0, 1], base={"repeats": 2}).runs()]
            [[0, 1], [2, 3]]
        """
        from infoplane.run.config import load_config, merge, validate_config

        archs: list[list[int] | None] = list(self.architectures or [None])
        acts: list[str | None] = list(self.activations or [None])
        out: list[SweepRun] = []
        for seed, arch, act in itertools.product(self.seeds, archs, acts):
            over: dict[str, Any] = dict(self.base)
            model: dict[str, Any] = {}
            if arch is not None:
                model["hidden"] = list(arch)
            if act is not None:
                model["activation"] = act
            if model:
                over = merge(over, {"model": model})
            if self.estimators is not None:
                over["estimators"] = self.estimators
            try:
                cfg = load_config(self.preset, None, over)
            except InfoplaneError as exc:
                raise InfoplaneError(
                    f"sweep {self.name!r}, grid point seed={seed}, architecture={arch}, "
                    f"activation={act}: {exc} (set it in the sweep file's base, preset, "
                    "architectures or activations)"
                ) from None
            block = cfg.seed + int(seed) * cfg.repeats  # disjoint blocks of R member seeds
            point = {
                "seed": int(seed),
                "architecture": "-".join(str(w) for w in cfg.model.hidden),
                "n_hidden_layers": len(cfg.model.hidden),
                "activation": cfg.model.activation,
            }
            n_shards = min(self.shards, cfg.repeats)
            bounds = np.linspace(0, cfg.repeats, n_shards + 1).round().astype(int)
            for j in range(n_shards):
                first, size = int(bounds[j]), int(bounds[j + 1] - bounds[j])
                part = validate_config(
                    merge(cfg.model_dump(mode="json"), {"seed": block + first, "repeats": size}),
                    f"sweep {self.name!r}",
                )
                out.append(SweepRun({**point, "shard": j}, part, first))
        return out

    def run_configs(self) -> list[tuple[dict[str, Any], Any]]:
        """Resolve the grid: one (grid point, RunConfig) per run, in grid order.

        Returns:
            List of (``{"seed", "architecture", "n_hidden_layers", "activation", "shard"}``,
            RunConfig), as :meth:`runs` without the shard offsets.

        Raises:
            InfoplaneError: if a resolved RunConfig is invalid (the message names the key).

        Example:
            >>> [c.seed for _, c in SweepConfig(seeds=[0, 2], base={"repeats": 3}).run_configs()]
            [0, 6]
        """
        return [(r.point, r.config) for r in self.runs()]


def load_sweep_config(path: str | Path) -> SweepConfig:
    """Read and validate a sweep file (``.yaml``, ``.yml`` or ``.toml``).

    Args:
        path: the sweep file.

    Returns:
        The validated :class:`SweepConfig` (its runs are resolved later, by :meth:`SweepConfig.runs`).

    Raises:
        InfoplaneError: for a missing file, a file that does not parse, or unknown or invalid keys
            (the message names the file and each bad key).

    Example:
        >>> import pathlib, tempfile
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "grid.yaml"
        >>> _ = path.write_text("seeds: [0, 1]\\nbase: {repeats: 2}\\n")
        >>> load_sweep_config(path).seeds
        [0, 1]

    Shapes: none. Units: none.

    Notes:
        Only the sweep's own keys are checked here; each run's RunConfig is resolved and
        validated by :meth:`SweepConfig.runs` (``run_sweep`` does so before creating anything).

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810.
    """
    from infoplane.run.config import read_config_file

    if not Path(path).is_file():
        raise InfoplaneError(
            f"sweep file {str(path)!r} does not exist; pass a .yaml, .yml or .toml sweep file."
        )
    data = read_config_file(path)
    try:
        return SweepConfig.model_validate(data)
    except InfoplaneError as exc:
        raise InfoplaneError(str(exc).replace("(SweepConfig)", f"({path})", 1)) from None


def run_key(point: dict[str, Any], config: Any) -> str:
    """Directory name of a run: its grid point and the first 10 hex digits of the config's hash.

    Args:
        point: the run's grid columns (``seed``, ``architecture``, ``activation``, ``shard``).
        config: its resolved :class:`~infoplane.run.config.RunConfig`.

    Returns:
        ``seed<s>_<architecture>_<activation>[_shard<j>]_<hash>``: a changed setting gives a new key.

    Example:
        >>> run = SweepConfig(seeds=[3]).runs()[0]
        >>> run_key(run.point, run.config).startswith("seed3_10-7-5-4-3_tanh_")
        True

    Shapes: none. Units: none.

    Raises:
        KeyError: for a point without ``seed``, ``architecture`` or ``activation``.

    Notes:
        The hash covers the whole resolved config (member seeds included), so a finished run is
        reused only for exactly the same settings.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810.
    """
    digest = hashlib.sha256(
        json.dumps(config.model_dump(mode="json"), sort_keys=True).encode()
    ).hexdigest()[:10]
    shard = f"_shard{point['shard']}" if point.get("shard", 0) else ""
    return f"seed{point['seed']}_{point['architecture']}_{point['activation']}{shard}_{digest}"


@dataclass(frozen=True)
class RunTask:
    """One run to compute: a key, its config and its directory.

    Attributes:
        key: a label of the run (the sweep key or an experiment's setting).
        config: the resolved :class:`~infoplane.run.config.RunConfig`.
        out_dir: the run directory (replaced if it holds an unfinished run).

    Shapes: none (a plain record). Units: none.

    Raises:
        Nothing: a plain record.

    Example:
        >>> RunTask("a", SweepConfig().runs()[0].config, Path("runs/a")).out_dir.name
        'a'

    Notes:
        Keys and directories of the tasks given to :func:`run_many` must be distinct.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810.
    """

    key: str
    config: Any
    out_dir: Path


@dataclass(frozen=True)
class RunOutcome:
    """What a finished run returned to the process that launched it.

    Attributes:
        plane: its information-plane table (``pandas.DataFrame``; values in the ``unit`` column).
        seconds: its wall time, in seconds.

    Shapes: ``plane`` has one row per (repeat, epoch, layer, estimator).

    Raises:
        Nothing: a plain record.

    Example:
        >>> RunOutcome(plane=None, seconds=1.5).seconds
        1.5

    Notes:
        The table is returned by the worker so that a sweep on a remote cluster can merge it
        without a shared filesystem.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810.
    """

    plane: Any
    seconds: float


def _run_one(
    config_dict: dict[str, Any], out_dir: str, figures: bool, threads: int
) -> tuple[str, Any, float]:
    """Worker task: run one config into ``out_dir`` and return (out_dir, plane table, seconds)."""
    import torch

    from infoplane.run.config import RunConfig
    from infoplane.run.engine import run_experiment
    from infoplane.storage import write_text

    before = torch.get_num_threads()
    torch.set_num_threads(int(threads))
    try:
        t0 = time.perf_counter()
        cfg = RunConfig.model_validate(config_dict)
        result = run_experiment(cfg, out_dir, overwrite=True, progress=False, make_figures=figures)
        seconds = time.perf_counter() - t0
        write_text(Path(out_dir) / SUCCESS_MARKER, f"{seconds:.3f}\n")
        return out_dir, result.plane, seconds
    finally:
        torch.set_num_threads(before)


def run_many(
    tasks: Sequence[RunTask],
    *,
    executor: Executor = "processes",
    n_workers: int | None = None,
    scheduler: str | None = None,
    figures: bool = False,
    threads: int = 1,
    progress: bool = True,
    desc: str = "runs",
) -> dict[str, RunOutcome]:
    """Compute runs (each with :func:`~infoplane.run.engine.run_experiment`) on one backend.

    The one runner behind :func:`run_sweep` and the paper's experiments: every run writes its
    directory and a ``_SUCCESS`` marker there when it has finished.

    Args:
        tasks: the runs, each with a distinct ``key`` and ``out_dir``.
        executor: ``processes`` (a local process pool, spawned), ``dask`` (a ``LocalCluster`` of
            ``n_workers`` processes, or the cluster at ``scheduler``) or ``serial`` (this process).
        n_workers: local workers (default: CPU cores, at most the number of tasks).
        scheduler: address of a running Dask scheduler; implies ``dask``.
        figures: write each run's PNG figures.
        threads: torch threads inside each run.
        progress: tqdm bar over finished runs.
        desc: the bar's label.

    Returns:
        key -> :class:`RunOutcome` (plane table, seconds) for every task.

    Raises:
        InfoplaneError: for an unknown executor or ``n_workers < 1``.
        InfoplaneRuntimeError: when runs fail; raised after the other runs have finished, naming
            every failed run directory (finished runs keep their marker, so a rerun goes on).

    Example:
        >>> run_many([], executor="serial", progress=False)
        {}

    Shapes: none (tables per run: one row per repeat, epoch, layer, estimator). Units: the
    tables' ``unit`` column (bits by default); seconds of wall time.

    Notes:
        Results do not depend on the backend: each run trains with ``threads`` torch threads and
        its own seeds. Exceptions raised in worker processes are re-raised here, chained.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810.
    """
    import os

    if scheduler is not None:
        executor = "dask"
    check_executor(executor)
    if n_workers is not None and n_workers < 1:
        raise InfoplaneError(f"n_workers must be >= 1; got {n_workers}.")
    args = {
        t.key: (t.config.model_dump(mode="json"), str(t.out_dir), figures, threads) for t in tasks
    }
    dirs = {t.key: Path(t.out_dir) for t in tasks}
    results: dict[str, RunOutcome] = {}
    failures: list[tuple[str, BaseException]] = []
    bar = None
    if progress and tasks:
        from infoplane._progress import progress_bar

        bar = progress_bar(total=len(tasks), desc=desc, unit="run")

    def done(key: str, value: tuple[str, Any, float] | None, exc: BaseException | None) -> None:
        if exc is not None or value is None:
            failures.append((key, exc or RuntimeError("no result")))
        else:
            results[key] = RunOutcome(value[1], value[2])
            run_dir = dirs[key]
            if not (run_dir / SUCCESS_MARKER).exists():  # a remote worker without shared storage
                from infoplane.storage import write_table, write_text
                from infoplane.storage.layout import RunLayout

                write_table(RunLayout(run_dir).plane, value[1])
                write_text(run_dir / SUCCESS_MARKER, f"{value[2]:.3f}\n")
        if bar is not None:
            bar.update(1)

    workers = n_workers or max(1, min(len(tasks), os.cpu_count() or 1))
    try:
        if tasks and executor == "serial":
            for key, a in args.items():
                try:
                    value = _run_one(*a)
                except Exception as exc:  # re-raised after the other runs
                    done(key, None, exc)
                else:
                    done(key, value, None)
        elif tasks and executor == "processes":
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor, as_completed

            ctx = mp.get_context("spawn")  # torch and fork do not mix
            with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
                futures = {pool.submit(_run_one, *a): k for k, a in args.items()}
                for fut in as_completed(futures):
                    exc = fut.exception()
                    done(futures[fut], fut.result() if exc is None else None, exc)
        elif tasks:
            _run_dask(args, workers, scheduler, done)
    finally:
        if bar is not None:
            bar.close()
    if failures:
        key, first = failures[0]
        names = ", ".join(str(dirs[k]) for k, _ in failures)
        raise InfoplaneRuntimeError(
            f"{len(failures)} of {len(tasks)} run(s) failed ({names}); first, run directory "
            f"{str(dirs[key])!r}: {type(first).__name__}: {first}. Fix the cause and run again: "
            "finished runs are kept and skipped."
        ) from first
    return results


def _run_dask(
    args: dict[str, tuple[Any, ...]], workers: int, scheduler: str | None, done: Callable
) -> None:
    """Submit the runs to a Dask distributed cluster (a new local one unless ``scheduler``)."""
    import contextlib

    from dask.distributed import Client, LocalCluster, as_completed

    with contextlib.ExitStack() as stack:
        if scheduler is None:
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
                )
            )
            client = stack.enter_context(Client(cluster))
        else:
            client = stack.enter_context(Client(scheduler))
        futures = {
            client.submit(_run_one, *a, key=f"infoplane-run-{k}", pure=False): k
            for k, a in args.items()
        }
        for fut in as_completed(list(futures)):
            key = futures[fut]
            try:
                value = fut.result()
            except Exception as exc:  # re-raised by the caller
                done(key, None, exc)
            else:
                done(key, value, None)


def _read_plane(run_dir: str | Path) -> Any:
    """Read a finished run's information-plane table.

    Args:
        run_dir: the run directory.

    Returns:
        Its table (``pandas.DataFrame``: repeat, epoch, layer, ..., estimator, i_xt, i_ty, unit).

    Raises:
        InfoplaneRuntimeError: for a missing or unreadable table (the message names the file and
            says to delete the run's ``_SUCCESS`` marker so that the run is computed again).
    """
    import pandas as pd

    from infoplane.storage.layout import RunLayout

    path = RunLayout(run_dir).plane
    try:
        return pd.read_parquet(path)
    except Exception as exc:
        raise InfoplaneRuntimeError(
            f"cannot read the table {str(path)!r} ({type(exc).__name__}: {exc}); delete "
            f"{str(Path(run_dir) / SUCCESS_MARKER)!r} to compute this run again."
        ) from None


@dataclass
class SweepResult:
    """What a sweep produced.

    Attributes:
        out_dir: the sweep directory.
        table: merged information-plane table (``pandas.DataFrame``): the grid columns ``run``,
            ``seed``, ``architecture``, ``n_hidden_layers``, ``activation``, ``shard``, then the
            run tables' columns (repeat, member_seed, epoch, layer, ..., estimator, i_xt, i_ty,
            unit; values in the unit of the ``unit`` column, bits by default).
        ran: keys of the runs computed now.
        skipped: keys of the runs found finished and reused.
        seconds: wall time of the sweep, in seconds.

    Shapes: ``table`` has one row per (run, repeat, epoch, layer, estimator).

    Raises:
        Nothing: a plain record returned by :func:`run_sweep`.

    Example:
        >>> SweepResult(Path("sweep"), None, ["a"], [], 2.0).ran
        ['a']

    Notes:
        ``ran`` and ``skipped`` together list every run of the grid once.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810.
    """

    out_dir: Path
    table: Any
    ran: list[str]
    skipped: list[str]
    seconds: float


def run_sweep(
    config: SweepConfig,
    out_dir: str | Path,
    *,
    executor: Executor = "processes",
    n_workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
) -> SweepResult:
    """Run every grid point not yet finished, in parallel, and merge the tables.

    Args:
        config: the sweep (see :class:`SweepConfig`).
        out_dir: sweep directory (created); runs go to ``out_dir/runs/<key>/``.
        executor: ``processes`` (default: a local ``concurrent.futures`` process pool),
            ``dask`` (a ``dask.distributed`` cluster: local ``LocalCluster`` with ``n_workers``
            processes, or the one at ``scheduler``) or ``serial`` (in this process).
        n_workers: local workers (default: the number of CPU cores, at most the number of runs).
        scheduler: address of a running Dask scheduler (``tcp://host:8786``); implies ``dask``.
            The merged table is built from the tables the workers return, and each finished
            run's table and marker are also written under this machine's ``out_dir``, so
            skipping works without a shared filesystem (the full run directories stay on the
            workers' disks unless ``out_dir`` is shared).
        progress: show a tqdm bar over finished runs.

    Returns:
        A :class:`SweepResult`; the merged table (one row per run, repeat, epoch, layer and
        estimator; I(X;T), I(T;Y) in the ``unit`` column's unit, bits by default) is also written
        to ``out_dir/sweep.parquet``. Its ``repeat`` numbers the members of a grid point
        0..R-1 and ``member_seed`` is the seed of each network: no two runs share one.

    Raises:
        InfoplaneError: for an unknown executor, a bad grid, ``n_workers < 1`` or an ``out_dir``
            that is a file; all checked before anything is created.
        InfoplaneRuntimeError: when runs fail (naming each run directory) or a finished run's
            table cannot be read.

    Example:
        >>> import tempfile
        >>> sweep = SweepConfig(seeds=[0, 1], base={"repeats": 2})
        >>> try:
        ...     run_sweep(sweep, tempfile.mkdtemp(), executor="threads")
        ... except InfoplaneError as exc:
        ...     print(exc)
        executor='threads' is unknown; use 'processes', 'dask' or 'serial'.

    Shapes: none as input; the merged table has one row per (run, repeat, epoch, layer,
    estimator).

    Notes:
        Results do not depend on the executor: every run trains with ``threads_per_run`` torch
        threads and its own seeds, so a serial and a parallel sweep give identical tables
        (tested). A run that fails raises after the other runs have finished; finished runs
        keep their ``_SUCCESS`` marker, so a rerun continues where it stopped.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810.
    """
    import pandas as pd

    from infoplane.storage import write_table

    t_start = time.perf_counter()
    check_executor("dask" if scheduler is not None else executor)
    if n_workers is not None and n_workers < 1:
        raise InfoplaneError(f"n_workers must be >= 1; got {n_workers}.")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InfoplaneError(f"out_dir {str(out)!r} is a file; pass a directory for the sweep.")
    runs = config.runs()
    keys = [r.key for r in runs]
    if dup := _duplicates(keys):
        raise InfoplaneError(f"the grid has duplicate runs {dup}; list each grid value once.")
    todo = [r for r in runs if not (out / RUNS_DIR / r.key / SUCCESS_MARKER).exists()]
    (out / RUNS_DIR).mkdir(parents=True, exist_ok=True)
    results = run_many(
        [RunTask(r.key, r.config, out / RUNS_DIR / r.key) for r in todo],
        executor=executor,
        n_workers=n_workers,
        scheduler=scheduler,
        figures=config.figures,
        threads=config.threads_per_run,
        progress=progress,
        desc=f"sweep {config.name}",
    )
    frames = []
    for run in runs:
        outcome = results.get(run.key)
        plane = outcome.plane if outcome else _read_plane(out / RUNS_DIR / run.key)
        plane = plane.assign(run=run.key, **run.point)
        if "repeat" in plane.columns:  # member index within the grid point (shards renumbered)
            plane.insert(0, "member_seed", plane["repeat"] + run.config.seed)
            plane["repeat"] = plane["repeat"] + run.first_repeat
        rest = [c for c in plane.columns if c not in GRID_COLUMNS]
        if "member_seed" in rest:
            rest.remove("member_seed")
            rest.insert(rest.index("repeat") + 1, "member_seed")
        frames.append(plane[[*GRID_COLUMNS, *rest]])
    table = pd.concat(frames, ignore_index=True)
    write_table(out / MERGED_FILE, table)
    ran = [r.key for r in todo]
    skipped = [k for k in keys if k not in set(ran)]
    return SweepResult(out, table, ran, skipped, time.perf_counter() - t_start)
