"""``infoplane claims``: test the four claims of Shwartz-Ziv & Tishby (2017) and print the verdicts.

Trains what the claims need (or reuses finished runs in ``--out``), measures each event with
:mod:`infoplane.analysis.events` and writes ``claims.csv``, ``claims.md`` and one figure per claim
(:func:`infoplane.experiments.claims.run_claims`). References: Shwartz-Ziv & Tishby (2017), arXiv
1703.00810; Saxe et al. (2018), ICLR.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from infoplane.cli._common import DEFAULT_THREADS, THREADS_HELP, console, cpu_threads, user_errors


def claims(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output directory (runs/, claims.csv, claims.md).")
    ] = Path("claims"),
    preset: Annotated[
        str,
        typer.Option(
            "--preset",
            help="Scale: 'default' (a few minutes on 2 cores), 'tishby2017' (the paper's: 50 "
            "networks, 8000 epochs; hours) or 'tiny' (a smoke test).",
        ),
    ] = "default",
    epochs: Annotated[
        int | None, typer.Option("--epochs", help="Override the preset's epochs.")
    ] = None,
    repeats: Annotated[
        int | None, typer.Option("--repeats", "-r", help="Override the networks per setting.")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the first network.")] = 0,
    workers: Annotated[
        int, typer.Option("--workers", "-j", min=1, help="Local processes (settings in parallel).")
    ] = 1,
    threads: Annotated[int, typer.Option("--threads", min=1, help=THREADS_HELP)] = DEFAULT_THREADS,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
) -> None:
    """Test the claims of Shwartz-Ziv & Tishby (2017): a verdict per claim with 95% intervals.

    Claims: (i) most epochs are compression; (ii) compression begins at the drift-to-diffusion
    transition; (iii) layers lie on the IB bound; (iv) more layers train faster. For tanh and ReLU,
    binning and kde_upper. Resumable: finished runs in --out are reused.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    changes: dict[str, int] = {"seed": seed}
    if epochs is not None:
        changes["epochs"] = epochs
    if repeats is not None:
        changes["repeats"] = repeats
    command = (
        "infoplane claims " + " ".join(sys.argv[2:]) if len(sys.argv) > 2 else "infoplane claims"
    )
    with user_errors(), cpu_threads(threads):
        from infoplane.experiments.claims import run_claims

        with Progress(
            TextColumn("[bold]settings"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=quiet,
        ) as bar:
            task = bar.add_task("", total=None)

            def step(done: int, total: int, label: str) -> None:
                bar.update(task, completed=done, total=total, description=label)

            result = run_claims(
                out, preset=preset, workers=workers, progress=step, command=command, **changes
            )
    from rich.table import Table

    table = Table(title="Claims of Shwartz-Ziv & Tishby (2017)")
    for col in ("claim", "activation", "estimator", "value [95% CI]", "unit", "verdict"):
        table.add_column(col, overflow="fold")
    for r in result.table.itertuples(index=False):
        value = f"{r.value:.3g} [{r.ci_low:.3g}, {r.ci_high:.3g}]"
        table.add_row(r.claim, r.activation, r.estimator, value, r.unit, r.verdict)
    console.print(table)
    console.print(f"[bold green]wrote[/] {result.out_dir / 'claims.csv'}, {result.markdown}")
    console.print(f"figures: {', '.join(str(p) for p in result.figures.values())}")
