"""Command-line conventions hold in every command (issue 16, part 4).

- a flag means the same thing everywhere: one short option names one long option in every command,
  and a long option that several commands share has the same short form (or none) everywhere;
- ``--out`` is ``-o`` and ``--quiet`` is ``-q`` wherever they exist, and every command that trains or
  loops for long (run, estimate, sweep, experiment, benchmark) can be made quiet;
- progress bars: the library draws tqdm bars, the command line draws rich's (one switch, made by the
  application for the duration of a command).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from typer.main import get_command

from infoplane.cli.app import app

LONG_RUNNING = (
    "run",
    "estimate",
    "sweep",
    "benchmark",
    "claims",
    "experiment depth",
    "experiment batch",
)


def _commands() -> Iterator[tuple[str, Any]]:
    """(name, command) for every leaf command (typer vendors click: duck typing, not isinstance)."""
    root = get_command(app)
    stack: list[tuple[str, Any]] = [("", root)]
    while stack:
        prefix, cmd = stack.pop()
        if getattr(cmd, "commands", None):
            for name, sub in cmd.commands.items():
                stack.append(((prefix + " " + name).strip(), sub))
        else:
            yield prefix, cmd


def _options(cmd: Any) -> Iterator[tuple[list[str], list[str]]]:
    for param in cmd.params:
        if getattr(param, "param_type_name", "") == "option":
            names = list(param.opts) + list(param.secondary_opts)
            yield (
                [n for n in names if n.startswith("--")],
                [n for n in names if n.startswith("-") and not n.startswith("--")],
            )


def test_the_command_tree_is_found() -> None:
    names = {name for name, _ in _commands()}
    assert {"run", "estimate", "sweep", "benchmark", "experiment depth", "mi"} <= names


def test_one_short_flag_means_one_long_flag_in_every_command() -> None:
    short_to_long: dict[str, set[str]] = defaultdict(set)
    long_to_short: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    for _, cmd in _commands():
        for longs, shorts in _options(cmd):
            for s in shorts:
                short_to_long[s].add(longs[0])
            if longs:
                long_to_short[longs[0]].add(tuple(sorted(shorts)))
    clashes = {s: sorted(v) for s, v in short_to_long.items() if len(v) > 1}
    assert clashes == {}, f"a short flag means different things: {clashes}"
    # a shared long option has one short form (or none) in every command that has it
    mixed = {k: sorted(v) for k, v in long_to_short.items() if len(v) > 1}
    assert mixed == {}, f"a long flag has different short forms: {mixed}"


def test_out_is_dash_o_and_quiet_is_dash_q_everywhere() -> None:
    for name, cmd in _commands():
        for longs, shorts in _options(cmd):
            if "--out" in longs:
                assert "-o" in shorts, f"{name}: --out without -o"
            if "--quiet" in longs:
                assert "-q" in shorts, f"{name}: --quiet without -q"


def test_every_long_running_command_can_be_quiet() -> None:
    found = dict(_commands())
    for name in LONG_RUNNING:
        longs = {n for ls, _ in _options(found[name]) for n in ls}
        assert "--quiet" in longs, f"{name} has no --quiet"


def test_library_bars_are_tqdm_and_command_bars_are_rich(monkeypatch: Any) -> None:
    import tqdm.auto
    import tqdm.rich
    from typer.core import TyperGroup
    from typer.testing import CliRunner

    from infoplane import _progress

    bar = _progress.progress_bar(total=1, disable=True)
    assert isinstance(bar, tqdm.auto.tqdm) and not isinstance(bar, tqdm.rich.tqdm)
    seen: list[bool] = []

    def spy(self: Any, ctx: Any) -> int:  # stands for the command the application runs
        seen.append(_progress._STATE["rich"])
        assert isinstance(_progress.progress_bar(total=1, disable=True), tqdm.rich.tqdm)
        return 0

    monkeypatch.setattr(TyperGroup, "invoke", spy)
    result = CliRunner().invoke(app, ["mi", "--help"])
    assert result.exit_code == 0, result.output
    assert seen == [True]  # rich inside the command
    assert _progress._STATE["rich"] is False  # the library's default is back afterwards
