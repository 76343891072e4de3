"""`infoplane ntk` (placeholder until its issue lands)."""

from __future__ import annotations

import typer


def ntk() -> None:
    """Not implemented yet."""
    raise typer.Exit(code=1)
