"""`infoplane experiment ...` (placeholder until its issue lands)."""

from __future__ import annotations

import typer

app = typer.Typer(help="The experiments of Shwartz-Ziv & Tishby 2017 and Saxe et al. 2018.")
