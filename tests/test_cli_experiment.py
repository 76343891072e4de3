"""`infoplane experiment ...` and `infoplane sweep` commands on tiny settings (seconds each)."""

from __future__ import annotations

import pandas as pd
import pytest
import typer
import yaml
from typer.testing import CliRunner

from infoplane.cli import experiment
from infoplane.cli.sweep import sweep

runner = CliRunner()
TINY = ["--epochs", "6", "--repeats", "1", "--n-points", "4"]


@pytest.mark.parametrize(
    ("command", "extra", "setting_rows"),
    [
        ("depth", ["--depths", "1,2"], 2),
        ("train-size", ["--fractions", "0.1,0.5"], 2),
        ("activation", ["--activations", "tanh,relu"], None),
        ("batch", ["--batch-size", "256"], None),
    ],
)
def test_experiment_writes_table_phases_and_figure(tmp_path, command, extra, setting_rows):
    out = tmp_path / command
    result = runner.invoke(experiment.app, [command, "--out", str(out), *TINY, *extra])
    assert result.exit_code == 0, result.output
    name = command.replace("-", "_")
    table = pd.read_csv(out / f"{name}.csv")
    phases = pd.read_csv(out / f"{name}_phases.csv")
    assert (out / f"{name}.png").stat().st_size > 10_000
    assert {"layer", "transition_epoch", "compression_epoch"} <= set(phases.columns)
    if setting_rows is not None:
        assert len(table) == setting_rows
    if command == "depth":
        assert table["architecture"].tolist() == ["12", "12-10"]
        assert table["convergence_epoch"].between(1, 6).all()


def test_experiment_bad_input_is_one_red_line(tmp_path):
    result = runner.invoke(experiment.app, ["depth", "--out", str(tmp_path), "--depths", "0,9"])
    assert result.exit_code == 2
    assert "depths must be in 1..6" in result.output


def test_sweep_command_serial_and_dry_run(tmp_path):
    cfg = {
        "preset": "default",
        "base": {"repeats": 1, "training": {"epochs": 3}, "capture": {"n_points": 3}},
        "seeds": [0],
        "activations": ["tanh", "relu"],
        "estimators": [{"name": "binning", "params": {"n_bins": 30, "range": "data"}}],
    }
    path = tmp_path / "grid.yaml"
    path.write_text(yaml.safe_dump(cfg))
    app = typer.Typer()
    app.command()(sweep)
    out = tmp_path / "sw"
    dry = runner.invoke(app, [str(path), "--out", str(out), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert not (out / "sweep.parquet").exists()
    res = runner.invoke(app, [str(path), "--out", str(out), "--executor", "serial"])
    assert res.exit_code == 0, res.output
    merged = pd.read_parquet(out / "sweep.parquet")
    assert set(merged["activation"]) == {"tanh", "relu"}
    bad = runner.invoke(app, [str(tmp_path / "missing.yaml")])
    assert bad.exit_code == 2
