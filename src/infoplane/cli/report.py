"""``infoplane report``: one self-contained HTML page and an animated GIF of a run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from infoplane.cli._common import DEFAULT_THREADS, THREADS_HELP, console, cpu_threads, user_errors


def report(
    run_dir: Annotated[Path, typer.Argument(help="A run directory written by `infoplane run`.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="HTML file to write (default: RUN_DIR/report.html)."),
    ] = None,
    gif: Annotated[
        bool,
        typer.Option("--gif/--no-gif", help="Also write information_plane.gif next to the page."),
    ] = True,
    dpi_tolerance: Annotated[
        float,
        typer.Option(help="Excess in bits before a data-processing-inequality check fails."),
    ] = 0.01,
    sensitivity: Annotated[
        bool,
        typer.Option(
            "--sensitivity/--no-sensitivity",
            help=(
                "Re-estimate at several bin settings (needs the run's activation store; about "
                "half the report's time on the default run)."
            ),
        ),
    ] = True,
    threads: Annotated[int, typer.Option("--threads", min=1, help=THREADS_HELP)] = DEFAULT_THREADS,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet",
            "-q",
            help="No progress bars (the sensitivity re-estimation and the GIF frames have one).",
        ),
    ] = False,
) -> None:
    """Write an HTML report of a run: the information plane with an epoch slider, diagnostics,
    DPI checks, SNR and training curves, and the config; plus an animated GIF of the plane.

    The page embeds plotly.js, so it opens offline. --threads (default 1) sets torch's and numpy's
    CPU threads: one is fastest for the small matrices of a run. The two slow steps can be
    skipped: --no-sensitivity (re-estimates the plane at 3 bin settings, about half the time on
    the default run) and --no-gif.
    """
    with user_errors(), cpu_threads(threads):
        from infoplane.report import write_report

        result = write_report(
            run_dir,
            out,
            gif=gif,
            dpi_tolerance=dpi_tolerance,
            sensitivity=sensitivity,
            progress=not quiet,
        )
    console.print(f"wrote {result.html}")
    if result.gif is not None:
        console.print(f"wrote {result.gif}")
    for note in result.notes:
        console.print(f"[yellow]note:[/] {note}")
