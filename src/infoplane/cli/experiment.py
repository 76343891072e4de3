"""`infoplane experiment ...`: the experiments of Shwartz-Ziv & Tishby 2017 and Saxe et al. 2018.

Each command trains a few settings (averaged over ``--repeats`` networks) and writes a table
(``NAME.csv``), the per-layer phases (``NAME_phases.csv``) and a figure (``NAME.png``) into
``--out``. Defaults finish in a few minutes on 2 CPU cores; raise ``--epochs`` and ``--repeats``
toward the papers' scale (8000 epochs, 50 networks). Finished settings are reused on a rerun.

Every command takes the same option set (``--out``, ``--epochs``, ``--repeats``, ``--seed``,
``--lr``, ``--n-points``, ``--workers``, ``--threads``), declared once in :data:`COMMON_OPTIONS`
and added to each command by :func:`experiment_command`; the values are validated by
:class:`~infoplane.experiments.runner.ExperimentOptions` (``--threads``, default 1, sets the CPU
threads of the command's own process; each run trains on one thread). Errors are raised, not
printed here: the application's handler (:mod:`infoplane.cli.app`) prints one line and exits 2
(usage) or 1 (a run failed).

References: Shwartz-Ziv & Tishby (2017), arXiv 1703.00810; Saxe et al. (2018), ICLR.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from infoplane.cli._common import DEFAULT_THREADS, THREADS_HELP, console

app = typer.Typer(
    help="The experiments of Shwartz-Ziv & Tishby 2017 and Saxe et al. 2018.",
    no_args_is_help=True,
)

#: The options every experiment command shares: name -> (type, typer option). ``out`` is the
#: experiment directory; the others are the fields of ``ExperimentOptions`` (validated there).
COMMON_OPTIONS: dict[str, tuple[Any, Any]] = {
    "out": (
        Path,
        typer.Option(..., "--out", "-o", help="Output directory (table, phases, figure, runs/)."),
    ),
    "epochs": (int, typer.Option(400, "--epochs", help="Training epochs per network.")),
    "repeats": (int, typer.Option(2, "--repeats", "-r", help="Networks per setting (averaged).")),
    "seed": (int, typer.Option(0, "--seed", help="Seed of the first network of every setting.")),
    "lr": (
        float,
        typer.Option(
            0.001, "--lr", help="Learning rate (the 2017 paper: 0.0004 over 8000 epochs)."
        ),
    ),
    "n_points": (int, typer.Option(60, "--n-points", help="Size of the log-spaced capture grid.")),
    "workers": (
        int,
        typer.Option(1, "--workers", "-j", help="Local processes (settings in parallel)."),
    ),
    "threads": (
        int,
        typer.Option(DEFAULT_THREADS, "--threads", min=1, help=THREADS_HELP),
    ),
    "quiet": (bool, typer.Option(False, "--quiet", "-q", help="No progress bars.")),
}

#: Columns shown in the terminal for per-layer tables (the CSV has them all).
BRIEF_COLUMNS = (
    "setting",
    "activation",
    "layer",
    "compression_bits",
    "transition_epoch",
    "compression_epoch",
    "final_train_acc",
    "final_test_acc",
)


def _parse_list(text: str, kind: type, flag: str) -> list[Any]:
    """Parse a comma- (or space-) separated option value into a list.

    Args:
        text: the option's value, e.g. ``"1,2,3"``.
        kind: type of each item (``int``, ``float``, ``str``).
        flag: the option's name, for the message (e.g. ``"--depths"``).

    Returns:
        The items, converted.

    Raises:
        InfoplaneError: for an item that does not convert or an empty list (naming ``flag``).

    Example:
        >>> _parse_list("0.05, 0.45,0.85", float, "--fractions")
        [0.05, 0.45, 0.85]
    """
    from infoplane.interface import InfoplaneError

    try:
        values = [kind(v) for v in text.replace(",", " ").split()]
    except ValueError:
        raise InfoplaneError(f"{flag} must be a comma-separated list; got {text!r}.") from None
    if not values:
        raise InfoplaneError(f"{flag} must list at least one value.")
    return values


def _print_result(result: Any, name: str) -> None:
    """Print an experiment's table (the brief columns of a per-layer table) and its files.

    Args:
        result: an :class:`~infoplane.experiments.results.ExperimentResult`.
        name: the experiment's file stem (``depth``, ``train_size``, ...).

    Example:
        >>> # _print_result(depth_experiment("out", epochs=6), "depth")
    """
    from rich.table import Table

    table = Table(title=name, show_lines=False)
    frame = result.table
    if "layer" in frame.columns:
        frame = frame[[c for c in frame.columns if c in BRIEF_COLUMNS]]
    for col in frame.columns:
        table.add_column(str(col), overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(*[f"{v:.4g}" if isinstance(v, float) else str(v) for v in row])
    console.print(table)
    if "unit" in result.table.columns:
        console.print(f"information in {', '.join(sorted(set(result.table['unit'])))}")
    console.print(
        f"[bold green]wrote[/] {result.out_dir / (name + '.csv')}, "
        f"{result.out_dir / (name + '_phases.csv')}, {result.figure}"
    )


def experiment_command(
    name: str, stem: str, *, group: typer.Typer | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``func(out, options, **own)`` as the command ``name`` with the shared options.

    The command's parameters are ``--out``, the function's own options, then the rest of
    :data:`COMMON_OPTIONS`; the shared values are validated into an
    :class:`~infoplane.experiments.runner.ExperimentOptions` and the result is printed with
    :func:`_print_result`.

    Args:
        name: the command's name (``depth``, ``train-size``, ...).
        stem: the experiment's file stem (``depth``, ``train_size``, ...).
        group: the typer app to register on (default: this module's ``app``).

    Returns:
        A decorator; it returns the registered command.

    Raises:
        InfoplaneError: (when the command runs) for invalid option values.

    Example:
        >>> @experiment_command("demo", "demo", group=typer.Typer())
        ... def demo(out, options, extra: int = typer.Option(1, "--extra")):
        ...     '''A demo.'''
        >>> list(inspect.signature(demo).parameters)[:3]
        ['out', 'extra', 'epochs']

    Shapes: none. Units: none (command-line options; the commands print information in bits).

    Notes:
        Typer reads the command's parameters from ``__signature__``; the shared options are
        therefore declared once and appear in every command's ``--help``.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810.
    """

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        hints = typing.get_type_hints(func)
        own = list(inspect.signature(func).parameters.values())[2:]  # after out, options
        kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
        params = [inspect.Parameter("out", kind, default=COMMON_OPTIONS["out"][1], annotation=Path)]
        params += [p.replace(annotation=hints.get(p.name, p.annotation)) for p in own]
        params += [
            inspect.Parameter(key, kind, default=option, annotation=typ)
            for key, (typ, option) in COMMON_OPTIONS.items()
            if key != "out"
        ]

        def command(**kwargs: Any) -> None:
            from infoplane.cli._common import cpu_threads
            from infoplane.experiments.runner import ExperimentOptions

            out = kwargs.pop("out")
            threads = kwargs.pop("threads", DEFAULT_THREADS)
            quiet = kwargs.pop("quiet", False)
            shared = {k: kwargs.pop(k) for k in COMMON_OPTIONS if k in kwargs}
            shared["progress"] = not quiet
            options = ExperimentOptions.build(**shared)
            with cpu_threads(threads):  # each run trains on one thread (experiments/runner.py)
                result = func(out, options, **kwargs)
            _print_result(result, stem)

        command.__name__ = func.__name__
        command.__qualname__ = func.__qualname__
        command.__doc__ = func.__doc__
        command.__module__ = func.__module__
        command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in params}
        return (group or app).command(name)(command)

    return decorate


@experiment_command("depth", "depth")
def depth(
    out: Path,
    options: Any,
    depths: str = typer.Option("1,2,3,4,5,6", "--depths", help="Numbers of hidden layers (1-6)."),
    fraction: float = typer.Option(
        0.95,
        "--fraction",
        help="Convergence = first epoch from which a network's output layer stays within "
        "(1 - this share) of its path's span from its final point in the information plane "
        "(the test of claim iv; also the loss-drop share).",
    ),
) -> Any:
    """1 to 6 hidden layers (widths 12-10-8-6-4-2): time to convergence and information planes."""
    from infoplane.experiments import depth_experiment

    numbers = _parse_list(depths, int, "--depths")
    return depth_experiment(out, depths=numbers, fraction=fraction, options=options)


@experiment_command("train-size", "train_size")
def train_size(
    out: Path,
    options: Any,
    fractions: str = typer.Option(
        "0.05,0.45,0.85", "--fractions", help="Training shares of the data, each in (0, 1)."
    ),
) -> Any:
    """Training on 5%, 45% and 85% of the 12-bit task: fit, generalisation, information planes."""
    from infoplane.experiments import train_size_experiment

    shares = _parse_list(fractions, float, "--fractions")
    return train_size_experiment(out, fractions=shares, options=options)


@experiment_command("activation", "activation")
def activation(
    out: Path,
    options: Any,
    activations: str = typer.Option(
        "tanh,relu,linear", "--activations", help="Activations to compare (Saxe et al. 2018)."
    ),
) -> Any:
    """tanh vs ReLU vs linear: does I(X;T) compress without saturation? (binning on data range)"""
    from infoplane.experiments import activation_experiment

    names = _parse_list(activations, str, "--activations")
    return activation_experiment(out, activations=names, options=options)


@experiment_command("batch", "batch")
def batch(
    out: Path,
    options: Any,
    batch_size: int = typer.Option(128, "--batch-size", help="Mini-batch size of SGD."),
    optimizer: str = typer.Option(
        "adam",
        "--optimizer",
        help="'adam' (both settings, the paper's optimiser) or 'sgd' "
        "(plain gradient descent vs plain SGD; raise --lr).",
    ),
) -> Any:
    """Full-batch gradient descent against mini-batch SGD: compression and the SNR transition."""
    from infoplane.experiments import batch_experiment

    return batch_experiment(out, batch_size=batch_size, optimizer=optimizer, options=options)
