"""`infoplane report` (placeholder until its issue lands)."""

from __future__ import annotations

import typer


def report() -> None:
    """Not implemented yet."""
    raise typer.Exit(code=1)
