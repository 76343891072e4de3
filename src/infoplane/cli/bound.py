"""`infoplane bound` (placeholder until its issue lands)."""

from __future__ import annotations

import typer


def bound() -> None:
    """Not implemented yet."""
    raise typer.Exit(code=1)
