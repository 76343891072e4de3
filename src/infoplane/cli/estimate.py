"""``infoplane estimate RUN_DIR``: estimate offline from a run's activation store, add rows."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from infoplane.cli._common import console, parse_params, user_errors


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
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """Estimate I(X;T) and I(T;Y) (bits) of every stored layer and epoch; add the rows to the table.

    Reads RUN_DIR/activations.zarr in chunks of epochs (memory does not grow with the number of
    epochs) and appends one row per repeat, epoch and layer to RUN_DIR/information_plane.parquet
    (rewritten atomically), with the estimator column set to --label (default: the estimator name).
    """
    with user_errors():
        import pandas as pd

        from infoplane.estimators import make_estimator
        from infoplane.interface import InfoplaneError
        from infoplane.run.config import EstimatorConfig
        from infoplane.run.engine import PLANE_FILE, estimate_from_store
        from infoplane.storage import write_table
        from infoplane.storage.activations import open_store

        params = parse_params(param)
        make_estimator(estimator, **params)  # validate before reading anything
        name = label or estimator
        table_path = run_dir / PLANE_FILE
        old = pd.read_parquet(table_path) if table_path.is_file() else None
        if old is not None and name in set(old["estimator"]):
            if not replace:
                raise InfoplaneError(
                    f"{table_path} already has rows for estimator {name!r}; pass --label NEW_LABEL "
                    "to add them under another name, or --replace to overwrite them."
                )
            old = old[old["estimator"] != name]
        store = open_store(run_dir)
        progress = None
        if not quiet:
            from tqdm.auto import tqdm

            progress = tqdm
        console.print(
            f"[bold]infoplane estimate[/] {estimator} {params or ''} on "
            f"{len(store.layers)} layer(s), "
            f"{len(store.completed_epochs)} epoch(s), {store.n_repeats} repeat(s) of {run_dir}"
        )
        new = estimate_from_store(
            store,
            [EstimatorConfig(name=estimator, params=params)],
            max_bytes=int(chunk_mb * 2**20),
            progress=progress,
            labels_for={0: name},
        )
        table = new if old is None else pd.concat([old, new], ignore_index=True)
        write_table(table_path, table)
    last = new[new["epoch"] == new["epoch"].max()].groupby("layer")[["i_xt", "i_ty"]].mean()
    console.print(f"final epoch {int(new['epoch'].max())}, mean over repeats (bits):")
    for layer, row in last.iterrows():
        console.print(f"  layer {layer}: I(X;T) = {row.i_xt:.3f}, I(T;Y) = {row.i_ty:.3f}")
    console.print(f"added {len(new)} rows ({name}) to {table_path}")
