"""``infoplane estimate RUN_DIR``: estimate offline from a run's activation store, add rows."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from infoplane.cli._common import (
    DEFAULT_THREADS,
    THREADS_HELP,
    console,
    cpu_threads,
    parse_params,
    user_errors,
)


def estimate(
    run_dir: Annotated[
        Path, typer.Argument(help="A run directory with an activation store (activations.zarr).")
    ],
    estimator: Annotated[
        str, typer.Option("--estimator", "-e", help="Estimator registry name.")
    ] = "binning",
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="Estimator parameter key=value; repeatable."),
    ] = None,
    label: Annotated[
        str | None, typer.Option(help="Value of the table's estimator column (default: the name).")
    ] = None,
    replace: Annotated[
        bool, typer.Option(help="Replace rows with the same estimator label.")
    ] = False,
    chunk_mb: Annotated[
        float, typer.Option(help="MiB of activations read per chunk of epochs.")
    ] = 256.0,
    subsample: Annotated[
        int | None,
        typer.Option(
            "--subsample",
            min=2,
            help="Estimate on this many rows drawn once (not binning, which uses all); the "
            "table's params column records them.",
        ),
    ] = None,
    subsample_seed: Annotated[
        int, typer.Option("--subsample-seed", min=0, help="Seed of the --subsample rows.")
    ] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
    threads: Annotated[int, typer.Option("--threads", min=1, help=THREADS_HELP)] = DEFAULT_THREADS,
) -> None:
    """Estimate I(X;T) and I(T;Y) of every stored layer and epoch; add the rows to the table.

    Reads RUN_DIR/activations.zarr in chunks of epochs (memory does not grow with the number of
    epochs) and appends one row per repeat, epoch and layer to RUN_DIR/information_plane.parquet
    (rewritten atomically), with the estimator column set to --label (default: the estimator name)
    and the unit column to the estimator's unit (bits unless -p unit=nats). The rows are also kept
    under RUN_DIR/state/extra_estimates, so `infoplane run --resume` keeps them. A run that is being
    trained (its lock is held) or is not complete is refused: run this after it has finished.
    --threads (default 1) sets torch's and numpy's CPU threads: on two cores kde_upper costs 8x less
    CPU per representation on one thread than on two (benchmarks/threads.py).
    """
    with user_errors(), cpu_threads(threads):
        import pandas as pd

        from infoplane.interface import InfoplaneError, InfoplaneRuntimeError
        from infoplane.run.checkpoint import RunLock, read_status
        from infoplane.run.config import EstimatorConfig
        from infoplane.run.estimation import estimate_from_store
        from infoplane.run.extra import add_extra_estimate
        from infoplane.storage import write_table
        from infoplane.storage.activations import open_store
        from infoplane.storage.layout import RunLayout
        from infoplane.storage.tables import PLANE_COLUMNS, read_table

        params = parse_params(param)
        try:  # validate before reading anything
            est_cfg = EstimatorConfig(name=estimator, params=params)
        except ValueError as exc:
            raise InfoplaneError(_validation_message(exc)) from None
        name = label or estimator
        layout = RunLayout(run_dir)
        store = open_store(layout.root)
        with RunLock(layout.root, "estimating"):
            stage = read_status(layout.root)
            if stage not in (None, "complete"):
                raise InfoplaneRuntimeError(
                    f"the run in {str(layout.root)!r} is not complete (stage: {stage}); rows "
                    "added now would miss its later epochs: finish it first with "
                    f"infoplane run --resume {layout.root}."
                )
            table_path = layout.plane
            old = None
            if table_path.is_file():
                old = read_table(table_path, columns=list(PLANE_COLUMNS), what="table")
            if old is not None and name in set(old["estimator"]):
                if not replace:
                    raise InfoplaneError(
                        f"{table_path} already has rows for estimator {name!r}; pass --label "
                        "NEW_LABEL to add them under another name, or --replace to overwrite them."
                    )
                old = old[old["estimator"] != name]
            progress = None
            if not quiet:
                from infoplane._progress import progress_bar

                progress = progress_bar
            console.print(
                f"[bold]infoplane estimate[/] {estimator} {params or ''} on "
                f"{len(store.layers)} layer(s), "
                f"{len(store.completed_epochs)} epoch(s), {store.n_repeats} repeat(s) of {run_dir}"
            )
            new = estimate_from_store(
                store,
                [est_cfg],
                max_bytes=int(chunk_mb * 2**20),
                progress=progress,
                labels_for={0: name},
                complete_inputs=_complete_inputs(layout),
                subsample=subsample,
                subsample_seed=subsample_seed,
            )
            add_extra_estimate(layout, name, new)
            table = new if old is None else pd.concat([old, new], ignore_index=True)
            write_table(table_path, table)
    units = sorted(set(new["unit"]))
    last = new[new["epoch"] == new["epoch"].max()].groupby("layer")[["i_xt", "i_ty"]].mean()
    console.print(f"final epoch {int(new['epoch'].max())}, mean over repeats ({', '.join(units)}):")
    for layer, row in last.iterrows():
        console.print(f"  layer {layer}: I(X;T) = {row.i_xt:.3f}, I(T;Y) = {row.i_ty:.3f}")
    console.print(f"added {len(new)} rows ({name}) to {table_path}")


def _validation_message(exc: ValueError) -> str:
    """One line from a pydantic error of EstimatorConfig (its messages already name the fix)."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        return "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in errors())
    return str(exc)


def _complete_inputs(layout: object) -> bool:
    """Whether the run estimated on every input of a finite input space (its ``config.yaml``)."""
    from infoplane.run.config import read_config_file, validate_config
    from infoplane.run.setup import complete_inputs

    path = layout.config  # type: ignore[attr-defined]
    if not path.is_file():
        return False
    return complete_inputs(validate_config(read_config_file(path), str(path)))
