"""Assemble the typer application from the command modules."""

from __future__ import annotations

import typer

from infoplane.cli import bound, estimate, experiment, mi, ntk, report, run, sweep

app = typer.Typer(
    name="infoplane",
    help="Information-plane analysis of neural networks: train or observe, capture, estimate "
    "I(X;T) and I(T;Y) in bits, compute the Information Bottleneck bound, and plot.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

app.command("run")(run.run)
app.command("mi")(mi.mi)
app.command("bound")(bound.bound)
app.command("estimate")(estimate.estimate)
app.command("ntk")(ntk.ntk)
app.command("report")(report.report)
app.command("sweep")(sweep.sweep)
app.add_typer(experiment.app, name="experiment")


def main() -> None:
    """Entry point of the ``infoplane`` console script."""
    app()
