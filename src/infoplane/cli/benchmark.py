"""`infoplane benchmark`: estimators on the 40 tasks of Czyż et al. (2023), scored against the truth."""

from __future__ import annotations

from pathlib import Path

import typer


def benchmark(
    estimator: list[str] = typer.Option(
        None,
        "--estimator",
        "-e",
        help="registry name (repeatable), e.g. -e ksg -e binning_adaptive; default: ksg.",
    ),
    n: int = typer.Option(5000, "--n", help="samples per data set (>= 10; the paper: 5000)."),
    seeds: int = typer.Option(3, "--seeds", help="number of data sets per task: seeds 0..N-1."),
    tasks: str = typer.Option(
        "*",
        "--tasks",
        help="glob over task names, comma-separated for several, e.g. '1v1-*' or '*student*'.",
    ),
    out: Path = typer.Option(
        None,
        "--out",
        "-o",
        help="folder for benchmark.parquet (written after each task; a rerun resumes).",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
    suite: str = typer.Option(
        "czyz",
        "--suite",
        help="task suite: czyz (the 40 tasks of Czyż et al.), noisy (noisy layers of real "
        "networks, truth by Monte Carlo) or all.",
    ),
) -> None:
    """Run MI estimators on the benchmark tasks of Czyż et al. (2023) (or noisy layers) and score.

    Prints, per task and estimator, the mean estimate over the seeds and the true MI (bits), and
    whether it is solved (mean within a factor 1.5 of the truth; "n/a" where the estimator does
    not measure I(X;Y) for the task's data), then a solved count per estimator.
    Example: infoplane benchmark -e auto -e ksg --tasks '1v1-*' --n 1000 --seeds 1
    """
    from infoplane.cli._common import user_errors

    with user_errors():
        from rich.table import Table

        from infoplane.benchmark import run_benchmark, summarize_benchmark
        from infoplane.cli._common import console
        from infoplane.interface import InfoplaneError

        if seeds < 1:
            raise InfoplaneError(f"--seeds {seeds} must be at least 1 (the number of data sets).")
        names = list(estimator) if estimator else ["ksg"]
        frame = run_benchmark(
            names, tasks, n=n, seeds=range(seeds), out_dir=out, progress=not quiet, suite=suite
        )
        summary = summarize_benchmark(frame)

        table = Table(title=f"MI benchmark, n = {n}, {seeds} seed(s), values in bits")
        for col, justify in (
            ("task", "left"),
            ("estimator", "left"),
            ("mean estimate", "right"),
            ("truth", "right"),
            ("solved", "center"),
        ):
            table.add_column(col, justify=justify, overflow="fold")  # type: ignore[arg-type]
        for row in summary.itertuples(index=False):
            truth = f"{row.truth:.3f}"
            if row.truth_se > 0:
                truth += f" ± {row.truth_se:.3f}"
            table.add_row(
                str(row.task),
                str(row.estimator),
                f"{row.mean_estimate:.3f}" if row.applicable else "n/a",
                truth,
                ("yes" if row.solved else "no") if row.applicable else "n/a",
            )
        console.print(table)
        n_tasks = summary["task"].nunique()
        for name, group in summary.groupby("estimator", sort=False):
            skipped = int((~group["applicable"]).sum())
            extra = f"; {skipped} not applicable" if skipped else ""
            console.print(
                f"{name}: solved {int(group['solved'].sum())} of {n_tasks} tasks{extra} "
                f"({group['seconds'].sum():.2f} s of estimation)",
                soft_wrap=True,
                highlight=False,
            )
        if out is not None:
            console.print(f"table: {out / 'benchmark.parquet'}", soft_wrap=True, highlight=False)
