"""`infoplane experiment ...` and `infoplane sweep` commands on tiny settings (seconds each).

Commands are invoked through the whole application (:data:`infoplane.cli.app.app`), so errors go
through its one handler: one line, exit 2 for usage errors and 1 for failed runs, no traceback.
Text is compared with whitespace normalised, so a narrow terminal's wrapping cannot break it.
"""

from __future__ import annotations

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from infoplane.cli.app import app

runner = CliRunner()
TINY = ["--epochs", "6", "--repeats", "1", "--n-points", "4"]


def _invoke(args: list[str]):
    result = runner.invoke(app, args, env={"COLUMNS": "60"})
    return result, " ".join(result.output.split())


@pytest.mark.parametrize(
    ("command", "extra", "setting_rows"),
    [
        ("depth", ["--depths", "1,2"], 2),
        ("train-size", ["--fractions", "0.1,0.5"], 2),
        ("activation", ["--activations", "tanh,relu"], None),
        ("batch", ["--batch-size", "256"], None),
    ],
)
def test_experiment_writes_table_phases_and_figure(
    tmp_path, command, extra, setting_rows, saved_figures, plane_axes
):
    out = tmp_path / command
    result, _ = _invoke(["experiment", command, "--out", str(out), *TINY, *extra])
    assert result.exit_code == 0, result.output
    name = command.replace("-", "_")
    table = pd.read_csv(out / f"{name}.csv")
    phases = pd.read_csv(out / f"{name}_phases.csv")
    assert (out / f"{name}.png").is_file()
    panels = plane_axes(saved_figures)  # one averaged plane per setting
    assert len(panels) == (setting_rows or len(panels)) and panels
    assert {"layer", "transition_epoch", "compression_epoch"} <= set(phases.columns)
    assert set(phases["unit"]) == {"bits"}
    if setting_rows is not None:
        assert len(table) == setting_rows
    if command == "depth":
        assert table["architecture"].tolist() == ["12", "12-10"]
        assert table["info_convergence_epoch"].between(0, 6).all()
        assert (table["seconds"] > 0).all()
        again, _ = _invoke(["experiment", command, "--out", str(out), *TINY, *extra])
        assert again.exit_code == 0, again.output
        reused = pd.read_csv(out / f"{name}.csv")
        assert (reused["seconds"] == 0).all()  # finished settings with the same config reused
        same = [c for c in table.columns if c != "seconds"]
        pd.testing.assert_frame_equal(reused[same], table[same])
    if command in ("activation", "batch"):  # per-layer: 2 settings x 6 layers (10-7-5-4-3, out)
        assert len(table) == 2 * 6 and set(table["unit"]) == {"bits"}
        assert (table["peak_i_xt"] >= table["final_i_xt"] - 1e-12).all()
        assert (table["compression_bits"] >= 0).all()
    if command == "batch":
        assert sorted(set(table["batch_size"])) == [0, 256]
    if command == "train-size":
        assert table["n_train"].tolist() == [round(0.1 * 4096), round(0.5 * 4096)]
        gap = table["final_test_loss"] - table["final_train_loss"]
        assert table["generalization_gap"].to_numpy() == pytest.approx(gap.to_numpy())


def test_experiment_bad_input_is_one_red_line(tmp_path):
    result, text = _invoke(["experiment", "depth", "--out", str(tmp_path), "--depths", "0,9"])
    assert result.exit_code == 2
    assert "depths must be in 1..6" in text
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["depth", "--epochs", "0"], "epochs=0"),
        (["depth", "--n-points", "1"], "n_points=1"),
        (["depth", "--lr", "inf"], "lr=inf"),
        (["depth", "--depths", "1,x"], "--depths must be a comma-separated list"),
        (["train-size", "--fractions", "0.5,1.5"], "fractions must be in (0, 1)"),
        (["activation", "--activations", "tanh,swish"], "['swish'] are not valid"),
        (["batch", "--optimizer", "lbfgs"], "optimizer='lbfgs' is unknown"),
    ],
)
def test_bad_experiment_options_exit_2_before_anything_is_written(tmp_path, args, needle):
    out = tmp_path / "never"
    result, text = _invoke(["experiment", args[0], "--out", str(out), *args[1:]])
    assert result.exit_code == 2, result.output
    assert needle in text
    assert "Traceback" not in result.output
    assert not out.exists()


def _sweep_file(tmp_path, **changes):
    cfg = {
        "preset": "default",
        "base": {"repeats": 1, "training": {"epochs": 3}, "capture": {"n_points": 3}},
        "seeds": [0],
        "activations": ["tanh", "relu"],
        "estimators": [{"name": "binning", "params": {"n_bins": 30, "range": "data"}}],
        **changes,
    }
    path = tmp_path / "grid.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def test_sweep_command_serial_and_dry_run(tmp_path):
    path = _sweep_file(tmp_path)
    out = tmp_path / "sw"
    dry, _ = _invoke(["sweep", str(path), "--out", str(out), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert not (out / "sweep.parquet").exists()
    res, _ = _invoke(["sweep", str(path), "--out", str(out), "--executor", "serial"])
    assert res.exit_code == 0, res.output
    merged = pd.read_parquet(out / "sweep.parquet")
    assert set(merged["activation"]) == {"tanh", "relu"}
    bad, _ = _invoke(["sweep", str(tmp_path / "missing.yaml")])
    assert bad.exit_code == 2


@pytest.mark.parametrize(
    ("changes", "flags", "needle"),
    [
        ({"seedz": [1]}, [], "seedz"),
        ({"seeds": [0, 0]}, [], "seeds"),
        ({"base": {"repeats": 0}}, [], "repeats"),
        ({}, ["--executor", "threads"], "--executor='threads' is unknown"),
    ],
)
def test_bad_sweep_is_a_usage_error_naming_the_key(tmp_path, changes, flags, needle):
    path = _sweep_file(tmp_path, **changes)
    out = tmp_path / "never"
    result, text = _invoke(["sweep", str(path), "--out", str(out), "--dry-run", *flags])
    assert result.exit_code == 2, result.output
    assert needle in text
    assert "Traceback" not in result.output
    assert not out.exists()


def test_failed_sweep_run_exits_1_naming_the_run(tmp_path, monkeypatch):
    import infoplane.run.engine as engine

    def broken(config, out_dir, **kwargs):
        raise RuntimeError("diverged")

    monkeypatch.setattr(engine, "run_experiment", broken)
    path = _sweep_file(tmp_path, activations=["tanh"])
    result, text = _invoke(
        ["sweep", str(path), "--out", str(tmp_path / "sw"), "-j", "1", "--executor", "serial"]
    )
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "diverged" in text and "seed0_" in text.replace(" ", "")
