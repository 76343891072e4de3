"""`infoplane sweep` (placeholder until its issue lands)."""

from __future__ import annotations

import typer


def sweep() -> None:
    """Not implemented yet."""
    raise typer.Exit(code=1)
