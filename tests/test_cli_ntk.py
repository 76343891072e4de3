"""`infoplane ntk`: table and figure of the infinite ensemble's information plane over time."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from infoplane.cli.app import app
from infoplane.cli.ntk import parse_times
from infoplane.interface import InfoplaneError

runner = CliRunner()


def test_parse_times() -> None:
    assert parse_times("0, 1,10,inf") == [0.0, 1.0, 10.0, math.inf]
    got = parse_times("0,log:-1:1:3,inf")
    assert got[0] == 0.0 and math.isinf(got[-1]) and got[1:-1] == pytest.approx([0.1, 1.0, 10.0])
    assert len(parse_times(None)) == 18
    with pytest.raises(InfoplaneError, match="--times"):
        parse_times("0,soon")
    with pytest.raises(InfoplaneError, match="log:START:STOP:NUM"):
        parse_times("log:1:2")


def test_digits_writes_table_figure_and_params(tmp_path: Path, saved_figures: list) -> None:
    out = tmp_path / "run"
    args = ["ntk", "--task", "digits", "--depth", "2", "--activation", "erf", "--out", str(out)]
    args += ["--times", "0,1,100,inf", "--max-train", "120", "--max-test", "60", "--n-samples", "2"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    df = pd.read_parquet(out / "ntk_table.parquet")
    assert len(df) == 4 and {"t", "i_xz_lower_bits", "i_zy_gibbs_bits", "kl_init_bits"} <= set(df)
    assert (out / "ntk_information_plane.png").is_file()
    (fig,) = saved_figures
    plane, against_t = fig.axes[0], fig.axes[1]
    assert plane.get_xlabel() == "I(X;Z) [bits]"
    assert plane.get_ylabel().startswith("I(Z;Y) [bits]")
    assert fig.axes[-1].get_ylabel() == "Training time t"  # the colour bar
    assert fig.axes[-1].get_yscale() == "log"
    (dotted,) = [ln for ln in plane.lines if ln.get_linestyle() == ":"]  # I(X;Y) = H(Y)
    assert dotted.get_ydata()[0] == pytest.approx(df["h_y_bits"].iloc[0])
    coloured = [c for c in plane.collections if c.get_array() is not None and len(c.get_array())]
    assert len(coloured[0].get_offsets()) == 2  # the finite times t = 1, 100 (0 and inf apart)
    np.testing.assert_allclose(
        sorted(coloured[0].get_offsets()[:, 0]),
        sorted(df.loc[df["t"].isin([1.0, 100.0]), "i_xz_lower_bits"]),
    )
    assert against_t.get_ylabel() == "bits"
    params = json.loads((out / "ntk_params.json").read_text())
    assert params["n_train"] == 120 and params["n_eval"] == 180 and params["activation"] == "erf"
    again = runner.invoke(app, args)  # refuses to overwrite
    assert again.exit_code == 2 and "--overwrite" in again.output
    csv = runner.invoke(app, [*args, "--overwrite", "--format", "csv", "--unit", "nats"])
    assert csv.exit_code == 0, csv.output
    assert "i_xz_lower_nats" in pd.read_csv(out / "ntk_table.csv").columns


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--task", "mnist"], "--mnist-dir"),
        (["--task", "mnist", "--mnist-dir", "/nonexistent/mnist"], "nonexistent"),
        (["--task", "cifar"], "--task"),
        (["--activation", "tanh"], "activation"),
        (["--times", "0,-1"], "times"),
        (["--task", "digits", "--mnist-dir", "/tmp"], "--mnist-dir"),
    ],
)
def test_user_errors_exit_2_with_a_message(tmp_path: Path, extra: list[str], message: str) -> None:
    result = runner.invoke(app, ["ntk", "--out", str(tmp_path), *extra])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())


def test_mnist_from_a_local_npz(tmp_path: Path) -> None:
    pytest.importorskip("infoplane.data.mnist")
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, size=(80, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, size=80),
        "x_test": rng.integers(0, 256, size=(30, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, size=30),
    }
    np.savez(tmp_path / "mnist.npz", **arrays)
    out = tmp_path / "out"
    args = ["ntk", "--task", "mnist", "--mnist-dir", str(tmp_path), "--out", str(out)]
    args += ["--times", "0,10,inf", "--max-train", "40", "--max-test", "20", "--n-samples", "2"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    params = json.loads((out / "ntk_params.json").read_text())
    assert params["n_train"] == 40 and params["n_eval"] == 60
    assert (out / "ntk_information_plane.png").exists()


@pytest.mark.slow
def test_twelve_bit_full_run(tmp_path: Path) -> None:
    result = runner.invoke(app, ["ntk", "--task", "12bit", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    df = pd.read_parquet(tmp_path / "ntk_table.parquet")
    assert len(df) == 18
    assert df["train_accuracy"].iloc[-1] == 1.0
    assert (df["i_xz_lower_bits"] <= 12 + 1e-9).all()
