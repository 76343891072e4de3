"""The root command: ``infoplane --version`` and the command list."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

import infoplane
from infoplane.cli.app import app

runner = CliRunner()


def test_version_prints_the_package_version_and_exits_0() -> None:
    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0
    assert res.output.strip() == f"infoplane {infoplane.__version__}"


def test_python_dash_m_version() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "infoplane", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"infoplane {infoplane.__version__}"


def test_every_command_is_listed() -> None:
    res = runner.invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0
    for name in (
        "run",
        "mi",
        "bound",
        "estimate",
        "ntk",
        "report",
        "sweep",
        "benchmark",
        "experiment",
    ):
        assert name in res.output
