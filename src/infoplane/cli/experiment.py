"""`infoplane experiment ...`: the experiments of Shwartz-Ziv & Tishby 2017 and Saxe et al. 2018.

Each command trains a few settings (averaged over ``--repeats`` networks) and writes a table
(``NAME.csv``), the per-layer phases (``NAME_phases.csv``) and a figure (``NAME.png``) into
``--out``. Defaults finish in a few minutes on 2 CPU cores; raise ``--epochs`` and ``--repeats``
toward the papers' scale (8000 epochs, 50 networks). Finished settings are reused on a rerun.

References: Shwartz-Ziv & Tishby (2017), arXiv 1703.00810; Saxe et al. (2018), ICLR.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from infoplane.cli._common import console, user_errors

app = typer.Typer(
    help="The experiments of Shwartz-Ziv & Tishby 2017 and Saxe et al. 2018.",
    no_args_is_help=True,
)

_OUT = typer.Option(..., "--out", "-o", help="Output directory (table, phases, figure, runs/).")
_EPOCHS = typer.Option(400, "--epochs", "-e", min=1, help="Training epochs per network.")
_REPEATS = typer.Option(2, "--repeats", "-r", min=1, help="Networks per setting (averaged).")
_SEED = typer.Option(0, "--seed", help="Seed of the first network.")
_LR = typer.Option(0.001, "--lr", help="Learning rate (the 2017 paper: 0.0004 over 8000 epochs).")
_POINTS = typer.Option(60, "--n-points", min=2, help="Size of the log-spaced capture grid.")
_WORKERS = typer.Option(1, "--workers", "-j", min=1, help="Local processes (settings in parallel).")


def _numbers(text: str, kind: type, flag: str) -> list[Any]:
    from infoplane.interface import InfoplaneError

    try:
        values = [kind(v) for v in text.replace(",", " ").split()]
    except ValueError:
        raise InfoplaneError(f"{flag} must be a comma-separated list; got {text!r}.") from None
    if not values:
        raise InfoplaneError(f"{flag} must list at least one value.")
    return values


#: Columns shown in the terminal for per-layer tables (the CSV has them all).
_BRIEF = (
    "setting",
    "activation",
    "layer",
    "compression_bits",
    "transition_epoch",
    "compression_epoch",
    "final_train_acc",
    "final_test_acc",
)


def _report(result: Any, name: str) -> None:
    from rich.table import Table

    table = Table(title=name, show_lines=False)
    frame = result.table
    if "layer" in frame.columns:
        frame = frame[[c for c in frame.columns if c in _BRIEF]]
    for col in frame.columns:
        table.add_column(str(col), overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(*[f"{v:.4g}" if isinstance(v, float) else str(v) for v in row])
    console.print(table)
    console.print(
        f"[bold green]wrote[/] {result.out_dir / (name + '.csv')}, "
        f"{result.out_dir / (name + '_phases.csv')}, {result.figure}"
    )


@app.command("depth")
def depth(
    out: Path = _OUT,
    depths: str = typer.Option("1,2,3,4,5,6", "--depths", help="Numbers of hidden layers (1-6)."),
    epochs: int = _EPOCHS,
    repeats: int = _REPEATS,
    seed: int = _SEED,
    lr: float = _LR,
    fraction: float = typer.Option(
        0.95,
        "--fraction",
        help="Convergence = first epoch the mean train loss has made this "
        "share of its total drop (our definition).",
    ),
    n_points: int = _POINTS,
    workers: int = _WORKERS,
) -> None:
    """1 to 6 hidden layers (widths 12-10-8-6-4-2): time to convergence and information planes."""
    with user_errors():
        from infoplane.experiments import depth_experiment

        result = depth_experiment(
            out,
            depths=_numbers(depths, int, "--depths"),
            epochs=epochs,
            repeats=repeats,
            seed=seed,
            lr=lr,
            fraction=fraction,
            n_points=n_points,
            workers=workers,
        )
        _report(result, "depth")


@app.command("train-size")
def train_size(
    out: Path = _OUT,
    fractions: str = typer.Option(
        "0.05,0.45,0.85", "--fractions", help="Training shares of the data, each in (0, 1)."
    ),
    epochs: int = _EPOCHS,
    repeats: int = _REPEATS,
    seed: int = _SEED,
    lr: float = _LR,
    n_points: int = _POINTS,
    workers: int = _WORKERS,
) -> None:
    """Training on 5%, 45% and 85% of the 12-bit task: fit, generalisation, information planes."""
    with user_errors():
        from infoplane.experiments import train_size_experiment

        result = train_size_experiment(
            out,
            fractions=_numbers(fractions, float, "--fractions"),
            epochs=epochs,
            repeats=repeats,
            seed=seed,
            lr=lr,
            n_points=n_points,
            workers=workers,
        )
        _report(result, "train_size")


@app.command("activation")
def activation(
    out: Path = _OUT,
    activations: str = typer.Option(
        "tanh,relu,linear", "--activations", help="Activations to compare (Saxe et al. 2018)."
    ),
    epochs: int = _EPOCHS,
    repeats: int = _REPEATS,
    seed: int = _SEED,
    lr: float = _LR,
    n_points: int = _POINTS,
    workers: int = _WORKERS,
) -> None:
    """tanh vs ReLU vs linear: does I(X;T) compress without saturation? (binning on data range)"""
    with user_errors():
        from infoplane.experiments import activation_experiment

        result = activation_experiment(
            out,
            activations=_numbers(activations, str, "--activations"),
            epochs=epochs,
            repeats=repeats,
            seed=seed,
            lr=lr,
            n_points=n_points,
            workers=workers,
        )
        _report(result, "activation")


@app.command("batch")
def batch(
    out: Path = _OUT,
    batch_size: int = typer.Option(128, "--batch-size", min=1, help="Mini-batch size of SGD."),
    optimizer: str = typer.Option(
        "adam",
        "--optimizer",
        help="'adam' (both settings, the paper's optimiser) or 'sgd' "
        "(plain gradient descent vs plain SGD; raise --lr).",
    ),
    epochs: int = _EPOCHS,
    repeats: int = _REPEATS,
    seed: int = _SEED,
    lr: float = _LR,
    n_points: int = _POINTS,
    workers: int = _WORKERS,
) -> None:
    """Full-batch gradient descent against mini-batch SGD: compression and the SNR transition."""
    with user_errors():
        from infoplane.experiments import batch_experiment

        result = batch_experiment(
            out,
            batch_size=batch_size,
            optimizer=optimizer,
            epochs=epochs,
            repeats=repeats,
            seed=seed,
            lr=lr,
            n_points=n_points,
            workers=workers,
        )
        _report(result, "batch")
