"""`infoplane benchmark`: one task end to end, and bad input exits 2 with one line, no traceback."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from infoplane.cli.benchmark import benchmark

runner = CliRunner()


def _app() -> typer.Typer:
    """A small app with the command, as cli/app.py registers it (the command handles its errors)."""
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command("benchmark")(benchmark)
    app.command("noop")(lambda: None)  # a second command keeps 'benchmark' a subcommand
    return app


APP = _app()


def _norm(text: str) -> str:
    return " ".join(text.split())


def test_benchmark_one_task_prints_table_and_writes_parquet(tmp_path: Path) -> None:
    res = runner.invoke(
        APP,
        [
            "benchmark",
            "-e",
            "ksg",
            "--tasks",
            "1v1-additive-0.1",
            "--n",
            "300",
            "--seeds",
            "2",
            "--out",
            str(tmp_path),
            "--quiet",
        ],
        env={"COLUMNS": "60"},
    )
    assert res.exit_code == 0, res.output
    out = _norm(res.output)
    assert "ksg: solved 1 of 1 tasks" in out
    table = pd.read_parquet(tmp_path / "benchmark.parquet")
    assert len(table) == 2 and set(table["seed"]) == {0, 1}
    assert (table["task"] == "1v1-additive-0.1").all() and (table["unit"] == "bits").all()
    assert table["truth"].iloc[0] == pytest.approx(2.4662, abs=1e-4)  # 0.1 - ln 0.2 nats, in bits


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--n", "5"], "n=5"),
        (["--tasks", "no-such-task-*"], "no-such-task-*"),
        (["-e", "no_such_estimator"], "no_such_estimator"),
        (["--seeds", "0"], "--seeds 0"),
        (["--suite", "bmi"], "bmi"),
        (["--tasks", "noisy-*"], "noisy-*"),  # the noisy layers are another suite
    ],
)
def test_benchmark_bad_input_exits_2_without_traceback(args: list[str], needle: str) -> None:
    res = runner.invoke(
        APP,
        ["benchmark", "--tasks", "1v1-normal-0.75", "--n", "50", "--quiet", *args],
        env={"COLUMNS": "60"},
    )
    assert res.exit_code == 2, res.output
    out = _norm(res.output)
    assert "error:" in out and needle in out
    assert "Traceback" not in res.output


def test_noisy_estimator_shows_not_applicable_not_failed() -> None:
    res = runner.invoke(
        APP,
        [
            "benchmark",
            "-e",
            "kde_upper",
            "-e",
            "auto",
            "--tasks",
            "1v1-normal-0.75",
            "--n",
            "200",
            "--seeds",
            "1",
            "--quiet",
        ],
        env={"COLUMNS": "200"},
    )
    assert res.exit_code == 0, res.output
    out = _norm(res.output)
    assert "kde_upper: solved 0 of 1 tasks; 1 not applicable" in out
    assert "auto: solved 1 of 1 tasks" in out and "n/a" in out and "failed" not in out


def test_noisy_suite_prints_the_truth_with_its_standard_error() -> None:
    res = runner.invoke(
        APP,
        [
            "benchmark",
            "-e",
            "kde_upper",
            "--suite",
            "noisy",
            "--tasks",
            "noisy-12bit-layer3-epoch1000-3",
            "--n",
            "300",
            "--seeds",
            "1",
            "--quiet",
        ],
        env={"COLUMNS": "200"},
    )
    assert res.exit_code == 0, res.output
    out = _norm(res.output)
    assert "±" in out and "kde_upper: solved" in out and "not applicable" not in out
