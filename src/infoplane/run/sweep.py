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
    seeds: [0, 1]                   # RunConfig.seed of each run (members seed..seed+repeats-1)
    architectures: [[10, 7, 5, 4, 3], [10, 7]]
    activations: [tanh, relu]
    estimators:                     # applied to every run (not a training axis: one training each)
      - {name: binning, params: {n_bins: 30, range: [-1, 1]}}
      - {name: binning, params: {bin_width: 0.07, n_bins: null}}
    shards: 1                       # split each ensemble into runs (one per core or machine)

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from infoplane.interface import InfoplaneError

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


class SweepConfig(BaseModel):
    """A grid of runs. Unknown keys are errors.

    Attributes:
        name: a label for the sweep.
        preset: built-in preset every run starts from (``None``: the RunConfig defaults).
        base: nested RunConfig overrides applied on top of the preset (e.g. ``{"repeats": 2}``).
        seeds: ``RunConfig.seed`` of each run (one run per seed; a run's R members use
            seed..seed+R-1).
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
    """

    model_config = ConfigDict(extra="forbid")

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

    @field_validator("architectures")
    @classmethod
    def _widths(cls, v: list[list[int]] | None) -> list[list[int]] | None:
        if v is not None and (not v or any(not a or min(a) < 1 for a in v)):
            raise ValueError(
                "architectures must be a non-empty list of non-empty lists of widths >= 1"
            )
        return v

    def run_configs(self) -> list[tuple[dict[str, Any], Any]]:
        """Resolve the grid: one (grid point, RunConfig) per run, in grid order.

        Returns:
            List of (``{"seed", "architecture", "n_hidden_layers", "activation", "shard"}``,
            RunConfig); with ``shards`` > 1 a grid point gives several runs whose ``seed`` and
            ``repeats`` cover its members.

        Raises:
            InfoplaneError: if a resolved RunConfig is invalid (the message names the key).
        """
        from infoplane.run.config import load_config, merge, validate_config

        archs: list[list[int] | None] = list(self.architectures or [None])
        acts: list[str | None] = list(self.activations or [None])
        out = []
        for seed, arch, act in itertools.product(self.seeds, archs, acts):
            over: dict[str, Any] = merge(self.base, {"seed": int(seed)})
            model: dict[str, Any] = {}
            if arch is not None:
                model["hidden"] = list(arch)
            if act is not None:
                model["activation"] = act
            if model:
                over = merge(over, {"model": model})
            if self.estimators is not None:
                over["estimators"] = self.estimators
            cfg = load_config(self.preset, None, over)
            point = {
                "seed": int(seed),
                "architecture": "-".join(str(w) for w in cfg.model.hidden),
                "n_hidden_layers": len(cfg.model.hidden),
                "activation": cfg.model.activation,
            }
            n_shards = min(self.shards, cfg.repeats)
            bounds = np.linspace(0, cfg.repeats, n_shards + 1).round().astype(int)
            for j in range(n_shards):
                part = cfg
                if n_shards > 1:
                    shard = {"seed": cfg.seed + int(bounds[j]), "repeats": int(np.diff(bounds)[j])}
                    part = validate_config(merge(cfg.model_dump(mode="json"), shard), "sweep")
                out.append(({**point, "shard": j}, part))
        return out


def load_sweep_config(path: str | Path) -> SweepConfig:
    """Read and validate a sweep file (``.yaml``, ``.yml`` or ``.toml``).

    Raises:
        FileNotFoundError: if the file does not exist.
        InfoplaneError: for a file that does not parse or holds unknown or invalid keys.
    """
    from infoplane.run.config import read_config_file

    data = read_config_file(path)
    try:
        return SweepConfig.model_validate(data)
    except ValidationError as exc:
        msgs = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'sweep'}: {e['msg']}" for e in exc.errors()
        )
        raise InfoplaneError(f"bad sweep config ({path}): {msgs}") from None


def run_key(point: dict[str, Any], config: Any) -> str:
    """Directory name of a run: its grid point and the first 10 hex digits of the config's hash."""
    digest = hashlib.sha256(
        json.dumps(config.model_dump(mode="json"), sort_keys=True).encode()
    ).hexdigest()[:10]
    shard = f"_shard{point['shard']}" if point.get("shard", 0) else ""
    return f"seed{point['seed']}_{point['architecture']}_{point['activation']}{shard}_{digest}"


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


@dataclass
class SweepResult:
    """What a sweep produced.

    Attributes:
        out_dir: the sweep directory.
        table: merged information-plane table (``pandas.DataFrame``): the grid columns ``run``,
            ``seed``, ``architecture``, ``n_hidden_layers``, ``activation``, then the run tables'
            columns (repeat, epoch, layer, ..., estimator, i_xt, i_ty, unit).
        ran: keys of the runs computed now.
        skipped: keys of the runs found finished and reused.
        seconds: wall time of the sweep.
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
        A :class:`SweepResult`; the merged table is also written to ``out_dir/sweep.parquet``.

    Raises:
        InfoplaneError: for an unknown executor, a bad grid, or ``n_workers < 1``.

    Notes:
        Results do not depend on the executor: every run trains with ``threads_per_run`` torch
        threads and its own seeds, so a serial and a parallel sweep give identical tables
        (tested). A run that fails raises after the other runs have finished; finished runs
        keep their ``_SUCCESS`` marker, so a rerun continues where it stopped.
    """
    import os

    import pandas as pd

    from infoplane.storage import write_table

    if scheduler is not None:
        executor = "dask"
    if executor not in ("processes", "dask", "serial"):
        raise InfoplaneError(
            f"executor={executor!r} is unknown; use 'processes', 'dask' or 'serial'."
        )
    if n_workers is not None and n_workers < 1:
        raise InfoplaneError(f"n_workers must be >= 1; got {n_workers}.")
    t_start = time.perf_counter()
    out = Path(out_dir)
    (out / RUNS_DIR).mkdir(parents=True, exist_ok=True)
    runs = [(point, cfg, run_key(point, cfg)) for point, cfg in config.run_configs()]
    keys = [k for _, _, k in runs]
    if len(set(keys)) != len(keys):
        raise InfoplaneError(
            "the grid has duplicate points (repeated seeds, architectures or activations)."
        )
    todo = [(p, c, k) for p, c, k in runs if not (out / RUNS_DIR / k / SUCCESS_MARKER).exists()]
    skipped = [k for _, _, k in runs if k not in {t[2] for t in todo}]
    tables: dict[str, Any] = {}
    args = [
        (c.model_dump(mode="json"), str(out / RUNS_DIR / k), config.figures, config.threads_per_run)
        for _, c, k in todo
    ]
    workers = n_workers or max(1, min(len(todo), os.cpu_count() or 1))
    bar = None
    if progress and todo:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(todo), desc=f"sweep {config.name}", unit="run")
    errors: list[BaseException] = []

    def done(key: str, value: tuple[str, Any, float] | None, exc: BaseException | None) -> None:
        if exc is not None:
            errors.append(exc)
        else:
            assert value is not None
            tables[key] = value[1]
            run_dir = out / RUNS_DIR / key
            if not (run_dir / SUCCESS_MARKER).exists():  # a remote worker without shared storage
                from infoplane.run.engine import PLANE_FILE
                from infoplane.storage import write_text

                write_table(run_dir / PLANE_FILE, value[1])
                write_text(run_dir / SUCCESS_MARKER, f"{value[2]:.3f}\n")
        if bar is not None:
            bar.update(1)

    try:
        if todo and executor == "serial":
            for (_, _, k), a in zip(todo, args, strict=True):
                try:
                    done(k, _run_one(*a), None)
                except Exception as exc:  # re-raised after the other runs
                    done(k, None, exc)
        elif todo and executor == "processes":
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor, as_completed

            ctx = mp.get_context("spawn")  # torch and fork do not mix
            with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
                futures = {
                    pool.submit(_run_one, *a): k for (_, _, k), a in zip(todo, args, strict=True)
                }
                for fut in as_completed(futures):
                    exc = fut.exception()
                    done(futures[fut], fut.result() if exc is None else None, exc)
        elif todo:
            _run_dask(todo, args, workers, scheduler, done)
    finally:
        if bar is not None:
            bar.close()
    if errors:
        raise errors[0]

    frames = []
    for point, cfg, key in runs:
        plane = tables.get(key)
        if plane is None:
            from infoplane.run.engine import PLANE_FILE

            plane = pd.read_parquet(out / RUNS_DIR / key / PLANE_FILE)
        grid = {"run": key, **point}
        plane = plane.assign(**grid)
        if "repeat" in plane.columns:  # member index within the grid point (shards renumbered)
            plane["repeat"] = plane["repeat"] + (cfg.seed - point["seed"])
        frames.append(plane[[*GRID_COLUMNS, *[c for c in plane.columns if c not in GRID_COLUMNS]]])
    table = pd.concat(frames, ignore_index=True)
    write_table(out / MERGED_FILE, table)
    ran = [k for _, _, k in todo]
    return SweepResult(out, table, ran, skipped, time.perf_counter() - t_start)


def _run_dask(todo: list, args: list, workers: int, scheduler: str | None, done: Any) -> None:
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
            for (_, _, k), a in zip(todo, args, strict=True)
        }
        for fut in as_completed(list(futures)):
            key = futures[fut]
            try:
                done(key, fut.result(), None)
            except Exception as exc:  # re-raised by the caller
                done(key, None, exc)
