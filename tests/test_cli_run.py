"""End to end: ``infoplane run`` on a tiny config writes the table, history, config and figure."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from infoplane.cli import app

runner = CliRunner()
TINY = ["--epochs", "12", "--repeats", "2", "--n-capture", "8", "--quiet"]


def test_run_writes_everything(tmp_path: Path) -> None:
    out = tmp_path / "run"
    res = runner.invoke(app, ["run", *TINY, "--out", str(out)])
    assert res.exit_code == 0, res.output
    table = pd.read_parquet(out / "information_plane.parquet")
    assert {"repeat", "epoch", "layer", "estimator", "i_xt", "i_ty", "unit"} <= set(table.columns)
    assert set(table["unit"]) == {"bits"}
    assert set(table["repeat"]) == {0, 1}
    assert table["epoch"].min() == 0 and table["epoch"].max() == 12
    assert sorted(table["layer"].unique()) == [1, 2, 3, 4, 5, 6]
    assert table["i_xt"].between(0, 12 + 1e-9).all()
    history = pd.read_parquet(out / "history.parquet")
    assert {"train_loss", "train_acc", "test_loss", "test_acc"} <= set(history.columns)
    assert len(history) == 2 * 12
    cfg = yaml.safe_load((out / "config.yaml").read_text())
    assert cfg["training"]["epochs"] == 12 and cfg["repeats"] == 2
    assert (out / "information_plane.png").stat().st_size > 10_000
    assert not list(out.glob("*.tmp"))


def test_run_refuses_existing_directory_unless_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    res = runner.invoke(app, ["run", *TINY, "--out", str(out)])
    assert res.exit_code == 2 and "--overwrite" in res.output
    res = runner.invoke(app, ["run", *TINY, "--out", str(out), "--overwrite"])
    assert res.exit_code == 0, res.output


def test_relu_with_data_range_binning_and_config_file(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[model]\nactivation = "relu"\nhidden = [6, 4]\n')
    out = tmp_path / "relu"
    res = runner.invoke(
        app, ["run", *TINY, "--config", str(cfg), "-p", "binning.range=data", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    saved = yaml.safe_load((out / "config.yaml").read_text())
    assert saved["model"]["activation"] == "relu"
    assert saved["estimators"][0]["params"]["range"] == "data"


@pytest.mark.parametrize(
    "args, match",
    [
        (["--activation", "swish"], "activation"),
        (["--epochs", "0"], "epochs"),
        (["--preset", "nope"], "preset"),
        (["-e", "nope"], "estimator"),
        (["-p", "binning.n_bins=1"], "n_bins"),
        (["--config", "/no/such/file.yaml"], "does not exist"),
    ],
)
def test_bad_input_gets_a_clear_error(tmp_path: Path, args: list[str], match: str) -> None:
    res = runner.invoke(app, ["run", *args, "--out", str(tmp_path / "x")])
    assert res.exit_code == 2
    assert match in res.output


def test_python_dash_m_entry_point() -> None:
    import subprocess
    import sys

    res = subprocess.run([sys.executable, "-m", "infoplane", "--help"], capture_output=True, text=True)
    assert res.returncode == 0 and "run" in res.stdout
