"""`infoplane sweep CONFIG`: run a grid of runs locally or on a Dask cluster and merge the tables.

Grid: seeds x architectures x activations, each run estimating every listed estimator (see
:mod:`infoplane.run.sweep` for the file format and the member-seed rule: sweep seed s of an
ensemble of R networks trains the members ``s*R .. s*R + R - 1``, so no two runs share a network).
Shwartz-Ziv & Tishby (2017), arXiv 1703.00810, average over 50 networks and vary depth and data
size; Saxe et al. (2018, ICLR) vary the activation.

Errors are raised, not printed here: the application's handler (:mod:`infoplane.cli.app`) prints
one line and exits 2 for a bad sweep file or option, 1 when a run fails (naming its directory).
"""

from __future__ import annotations

from pathlib import Path

import typer

from infoplane.cli._common import console, cpu_threads


def _seed_range(seeds: list[int]) -> str:
    return f"{seeds[0]}" if len(seeds) == 1 else f"{seeds[0]}-{seeds[-1]}"


def sweep(
    config: Path = typer.Argument(
        ...,
        help="Sweep file (.yaml/.yml/.toml): preset, base, seeds, "
        "architectures, activations, estimators.",
    ),
    out: Path = typer.Option(
        Path("sweep"), "--out", "-o", help="Sweep directory (runs/ and sweep.parquet go here)."
    ),
    scheduler: str | None = typer.Option(
        None,
        "--scheduler",
        help="Address of a running Dask scheduler, e.g. tcp://host:8786 (default: local).",
    ),
    executor: str = typer.Option(
        "processes",
        "--executor",
        help="Local backend: 'processes' (process pool), 'dask' (a LocalCluster) or 'serial'.",
    ),
    workers: int | None = typer.Option(
        None,
        "--workers",
        "-j",
        min=1,
        help="Local workers (default: CPU cores, at most the number of runs).",
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="List the runs and exit."),
    threads: int | None = typer.Option(
        None,
        "--threads",
        min=1,
        help="CPU threads per run and in this process (default: the sweep file's "
        "threads_per_run, 1 unless set: fastest for these small networks).",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
) -> None:
    """Run a grid of experiments (finished runs are skipped) and merge them into one table.

    Each run trains with --threads torch threads (default: the sweep file's threads_per_run,
    itself 1 by default), and the command's own process (merging, a serial sweep) uses as many.
    """
    from rich.table import Table

    from infoplane.run.sweep import (
        MERGED_FILE,
        RUNS_DIR,
        SUCCESS_MARKER,
        check_executor,
        load_sweep_config,
        run_sweep,
    )

    check_executor(executor, flag="--executor")
    cfg = load_sweep_config(config)
    if threads is not None:
        cfg = cfg.model_copy(update={"threads_per_run": int(threads)})
    runs = cfg.runs()
    table = Table(title=f"sweep {cfg.name}: {len(runs)} runs", show_lines=False)
    columns = ("run", "seed", "member seeds", "architecture", "activation", "epochs", "status")
    for col in columns:
        table.add_column(col, overflow="fold")
    for run in runs:
        status = "done" if (out / RUNS_DIR / run.key / SUCCESS_MARKER).exists() else "todo"
        table.add_row(
            run.key,
            str(run.point["seed"]),
            _seed_range(run.config.seeds()),
            run.point["architecture"],
            run.point["activation"],
            str(run.config.training.epochs),
            status,
        )
    console.print(table)
    if dry_run:
        return
    with cpu_threads(cfg.threads_per_run):
        result = run_sweep(
            cfg, out, executor=executor, n_workers=workers, scheduler=scheduler, progress=not quiet
        )  # type: ignore[arg-type]
    units = sorted(set(result.table["unit"])) if "unit" in result.table else ["bits"]
    console.print(
        f"[bold green]done[/] in {result.seconds:.1f} s: {len(result.ran)} run(s) computed, "
        f"{len(result.skipped)} skipped; merged table ({len(result.table)} rows, information in "
        f"{', '.join(units)}) -> {out / MERGED_FILE}"
    )
