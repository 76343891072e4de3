"""`infoplane sweep CONFIG`: run a grid of runs locally or on a Dask cluster and merge the tables.

Grid: seeds x architectures x activations, each run estimating every listed estimator (see
:mod:`infoplane.run.sweep` for the file format). Shwartz-Ziv & Tishby (2017), arXiv 1703.00810, average
over 50 networks and vary depth and data size; Saxe et al. (2018, ICLR) vary the activation.
"""

from __future__ import annotations

from pathlib import Path

import typer

from infoplane.cli._common import console, user_errors


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
) -> None:
    """Run a grid of experiments (finished runs are skipped) and merge them into one table."""
    with user_errors():
        from rich.table import Table

        from infoplane.interface import InfoplaneError
        from infoplane.run.sweep import (
            RUNS_DIR,
            SUCCESS_MARKER,
            load_sweep_config,
            run_key,
            run_sweep,
        )

        if executor not in ("processes", "dask", "serial"):
            raise InfoplaneError(
                f"--executor {executor!r} is unknown; use 'processes', 'dask' or 'serial'."
            )
        cfg = load_sweep_config(config)
        runs = cfg.run_configs()
        table = Table(title=f"sweep {cfg.name}: {len(runs)} runs", show_lines=False)
        for col in ("run", "seed", "architecture", "activation", "repeats", "epochs", "status"):
            table.add_column(col, overflow="fold")
        for point, rc in runs:
            key = run_key(point, rc)
            status = "done" if (out / RUNS_DIR / key / SUCCESS_MARKER).exists() else "todo"
            table.add_row(
                key,
                str(point["seed"]),
                point["architecture"],
                point["activation"],
                str(rc.repeats),
                str(rc.training.epochs),
                status,
            )
        console.print(table)
        if dry_run:
            return
        result = run_sweep(
            cfg,
            out,
            executor=executor,
            n_workers=workers,  # type: ignore[arg-type]
            scheduler=scheduler,
            progress=True,
        )
        console.print(
            f"[bold green]done[/] in {result.seconds:.1f} s: {len(result.ran)} run(s) computed, "
            f"{len(result.skipped)} skipped; merged table ({len(result.table)} rows) -> "
            f"{out / 'sweep.parquet'}"
        )
