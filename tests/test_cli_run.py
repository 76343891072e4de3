"""End to end: ``infoplane run`` on a tiny config writes the table, history, config and figure."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from infoplane.cli import app

runner = CliRunner()
TINY = ["--epochs", "12", "--repeats", "2", "--n-capture", "8", "--quiet"]


def no_layer_check(tmp_path: Path) -> list[str]:
    """``--config`` without the IB layer check (about 20 s of a tiny run's figures)."""
    path = tmp_path / "no_layer_check.yaml"
    path.write_text("analysis:\n  layer_check: false\n")
    return ["--config", str(path)]


def test_run_writes_everything(tmp_path: Path, saved_figures: list, plane_axes) -> None:
    out = tmp_path / "run"
    res = runner.invoke(app, ["run", *TINY, *no_layer_check(tmp_path), "--out", str(out)])
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
    assert (out / "information_plane.png").is_file()
    (panel,) = plane_axes(saved_figures)  # one estimator: one panel
    # one trajectory per layer, each point an epoch coloured on a log scale: filled, or hollow (face
    # "none", edge in the epoch colour) where the table flags it (docs/flags.md)
    from matplotlib.collections import PathCollection

    points = [c for c in panel.collections if isinstance(c, PathCollection)]
    series = [c for c in points if c.get_array() is not None]
    filled = [c for c in series if len(c.get_facecolors())]
    hollow = [c for c in series if not len(c.get_facecolors())]
    assert sum(len(c.get_offsets()) for c in filled + hollow) == 6 * table["epoch"].nunique()
    assert len(filled) + len(hollow) >= 6
    assert not list(out.glob("*.tmp"))


@pytest.mark.slow
def test_run_with_every_figure_of_the_12bit_task(tmp_path: Path) -> None:
    out = tmp_path / "run"
    res = runner.invoke(app, ["run", *TINY, "--layer-check", "--out", str(out)])
    assert res.exit_code == 0, res.output
    check = pd.read_csv(out / "layer_check.csv")
    assert sorted(check["layer"].unique()) == [1, 2, 3, 4, 5, 6]
    for name in ("information_plane", "snr", "training_curves", "layer_check"):
        assert (out / f"{name}.png").is_file()


def test_run_refuses_existing_directory_unless_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "run"
    fast = no_layer_check(tmp_path)
    out.mkdir()
    (out / "keep.txt").write_text("x")
    res = runner.invoke(app, ["run", *TINY, "--out", str(out)])
    assert res.exit_code == 2 and "--overwrite" in res.output
    # --overwrite replaces only an infoplane run (issue 11): keep.txt survives, then a run replaces
    # a run
    res = runner.invoke(app, ["run", *TINY, "--out", str(out), "--overwrite"])
    assert res.exit_code == 2 and (out / "keep.txt").read_text() == "x"
    (out / "keep.txt").unlink()
    assert runner.invoke(app, ["run", *TINY, *fast, "--out", str(out)]).exit_code == 0
    (out / "stale.txt").write_text("from the first run")
    res = runner.invoke(app, ["run", *TINY, *fast, "--out", str(out), "--overwrite"])
    assert res.exit_code == 0, res.output
    assert not (out / "stale.txt").exists() and (out / "information_plane.parquet").is_file()


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

    res = subprocess.run(
        [sys.executable, "-m", "infoplane", "--help"], capture_output=True, text=True
    )
    assert res.returncode == 0 and "run" in res.stdout


# ------------------------------------------------------------------ MNIST, digits fallback, resume
def test_mnist_dir_reads_local_idx_files(tmp_path: Path) -> None:
    from test_data_files import fake_mnist

    fake_mnist(tmp_path / "mnist", n_train=40, n_test=12)
    out = tmp_path / "m"
    res = runner.invoke(
        app,
        [
            "run",
            "--preset",
            "saxe2018-mnist",
            "--mnist-dir",
            str(tmp_path / "mnist"),
            "--epochs",
            "2",
            "--n-capture",
            "2",
            "--hidden",
            "16,4",
            "--out",
            str(out),
            "--quiet",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "digits" not in res.output
    cfg = yaml.safe_load((out / "config.yaml").read_text())
    assert cfg["data"]["task"] == "mnist" and cfg["data"]["fallback"] is None
    table = pd.read_parquet(out / "information_plane.parquet")
    assert table["i_xt"].max() <= np.log2(12) + 1e-9  # MI on the 12 test images
    res = runner.invoke(
        app, ["run", "--mnist-dir", str(tmp_path / "none"), "--out", str(tmp_path / "x")]
    )
    assert res.exit_code == 2 and "train-images-idx3-ubyte.gz" in res.output


def test_mnist_preset_without_path_says_it_uses_digits(tmp_path: Path) -> None:
    out = tmp_path / "d"
    res = runner.invoke(
        app,
        [
            "run",
            "--preset",
            "saxe2018-mnist",
            "--epochs",
            "2",
            "--n-capture",
            "2",
            "--hidden",
            "16,4",
            "--out",
            str(out),
            "--quiet",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "digits" in res.output
    cfg = yaml.safe_load((out / "config.yaml").read_text())
    assert "digits" in cfg["data"]["fallback"]
    assert cfg["model"]["hidden"] == [16, 4] and cfg["training"]["optimizer"] == "sgd"


def test_resume_option_refuses_other_options_and_finishes_a_finished_run(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert (
        runner.invoke(app, ["run", *TINY, *no_layer_check(tmp_path), "--out", str(out)]).exit_code
        == 0
    )
    before = pd.read_parquet(out / "information_plane.parquet")
    res = runner.invoke(app, ["run", "--resume", str(out), "--epochs", "3"])
    assert res.exit_code == 2 and "--resume" in res.output
    res = runner.invoke(app, ["run", "--resume", str(out), "--quiet"])
    assert res.exit_code == 0, res.output
    pd.testing.assert_frame_equal(before, pd.read_parquet(out / "information_plane.parquet"))
    res = runner.invoke(app, ["run", "--resume", str(tmp_path / "nope")])
    assert res.exit_code == 2 and "config.yaml" in res.output


def test_presets_are_listed_and_valid() -> None:
    from infoplane.run.config import available_presets, load_config

    assert {"saxe2018-mnist", "mnist-cnn"} <= set(available_presets())
    cfg = load_config("saxe2018-mnist")
    assert cfg.model.hidden == [1024, 20, 20, 20] and cfg.training.lr == 0.001
    assert cfg.training.batch_size == 128 and cfg.data.mi_on == "test"
    assert cfg.estimators[0].params["range"] == "data"  # not [-1, 1] for ReLU
    assert load_config("mnist-cnn").model.arch == "cnn"


def test_param_override_of_the_binning_grid_replaces_the_other_setting() -> None:
    """``-p binning.bin_width=0.07`` on a preset with ``n_bins: 30`` means fixed-width bins."""
    from infoplane.cli.run import _apply_param_only
    from infoplane.run.config import preset_dict, validate_config

    for preset, given, dropped in (
        ("default", "bin_width", "n_bins"),
        ("saxe2018", "n_bins", "bin_width"),
    ):
        cfg = preset_dict(preset)
        value = 0.07 if given == "bin_width" else 30
        _apply_param_only(cfg, {"binning": {given: value}})
        params = cfg["estimators"][0]["params"]
        assert params[given] == value and params[dropped] is None
        validate_config(cfg)  # no "mutually exclusive" error
