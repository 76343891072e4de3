"""Assemble the typer application from the command modules, with one error handler.

Every failure ends as one line on stderr and an exit code, never a traceback: 2 for a usage error
(:class:`~infoplane.interface.InfoplaneError`, click's own usage errors), 1 for a runtime failure
(:class:`~infoplane.interface.InfoplaneRuntimeError`, an ``OSError`` naming the file) and 1 for an
internal error ("please report it"; the traceback with ``INFOPLANE_DEBUG=1``).
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from infoplane.cli import (
    benchmark,
    bound,
    claims,
    estimate,
    experiment,
    mi,
    ntk,
    report,
    run,
    sweep,
)
from infoplane.cli._common import all_errors


class _HandledGroup(TyperGroup):
    """The root command group: every subcommand runs inside :func:`~infoplane.cli._common.all_errors`."""

    def invoke(self, ctx: Any) -> Any:
        from infoplane._progress import use_rich

        use_rich(True)  # every bar a command draws is rich's (the library's default is tqdm)
        try:
            with all_errors():
                return super().invoke(ctx)
        finally:
            use_rich(False)


app = typer.Typer(
    name="infoplane",
    cls=_HandledGroup,
    help="Information-plane analysis of neural networks: train or observe, capture, estimate "
    "I(X;T) and I(T;Y) in bits, compute the Information Bottleneck bound, and plot.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from infoplane import __version__

        typer.echo(f"infoplane {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Information-plane analysis of neural networks (values in bits unless a unit says otherwise)."""


app.command("run")(run.run)
app.command("mi")(mi.mi)
app.command("bound")(bound.bound)
app.command("estimate")(estimate.estimate)
app.command("ntk")(ntk.ntk)
app.command("report")(report.report)
app.command("sweep")(sweep.sweep)
app.command("benchmark")(benchmark.benchmark)
app.command("claims")(claims.claims)
app.add_typer(experiment.app, name="experiment")


def main() -> None:
    """Entry point of the ``infoplane`` console script (and ``python -m infoplane``).

    Runs the application; its root group (``_HandledGroup``) runs every command inside
    :func:`~infoplane.cli._common.all_errors`, which turns any error into one line and an exit code
    (see the module docstring), so no Python traceback reaches the user unless
    ``INFOPLANE_DEBUG=1``.
    """
    app()
