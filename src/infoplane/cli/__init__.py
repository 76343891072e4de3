"""The ``infoplane`` command-line interface (typer + rich).

One module per command; each keeps heavy imports (torch, pandas, matplotlib) inside the command
function so that ``infoplane --help`` stays fast.
"""

from __future__ import annotations

from infoplane.cli.app import app, main

__all__ = ["app", "main"]
