"""Helpers shared by CLI commands: turning library errors into clean messages and exit codes."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import typer
from rich.console import Console

err_console = Console(stderr=True)
console = Console()


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Print :class:`~infoplane.interface.InfoplaneError` (and file errors) as one red line, exit 2."""
    from infoplane.interface import InfoplaneError

    try:
        yield
    except (InfoplaneError, FileNotFoundError, FileExistsError) as exc:
        err_console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(code=2) from None


def parse_params(items: list[str] | None) -> dict[str, object]:
    """Parse ``key=value`` strings; values are read as YAML scalars (numbers, lists, null, strings).

    Raises:
        InfoplaneError: for an item without ``=``.
    """
    import yaml

    from infoplane.interface import InfoplaneError

    out: dict[str, object] = {}
    for item in items or []:
        if "=" not in item:
            raise InfoplaneError(f"--param {item!r} must look like key=value.")
        key, value = item.split("=", 1)
        out[key.strip()] = yaml.safe_load(value)
    return out
