"""`infoplane estimate` (placeholder until its issue lands)."""

from __future__ import annotations

import typer


def estimate() -> None:
    """Not implemented yet."""
    raise typer.Exit(code=1)
