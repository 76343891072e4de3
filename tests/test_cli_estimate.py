"""``infoplane estimate RUN_DIR``: offline estimation from the store adds rows to the table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from infoplane.cli import app

runner = CliRunner()


def no_layer_check(tmp_path: Path) -> list[str]:
    """``--config`` without the IB layer check (about 20 s of a tiny run's figures)."""
    path = tmp_path / "no_layer_check.yaml"
    path.write_text("analysis:\n  layer_check: false\n")
    return ["--config", str(path)]


def test_estimate_adds_rows_from_the_store(tmp_path: Path) -> None:
    out = tmp_path / "run"
    res = runner.invoke(
        app,
        [
            "run",
            "--epochs",
            "6",
            "--repeats",
            "2",
            "--n-capture",
            "5",
            "--quiet",
            "--out",
            str(out),
            *no_layer_check(tmp_path),
        ],
    )
    assert res.exit_code == 0, res.output
    before = pd.read_parquet(out / "information_plane.parquet")
    res = runner.invoke(
        app,
        [
            "estimate",
            str(out),
            "-e",
            "binning",
            "-p",
            "n_bins=3",
            "-p",
            "range=[-1, 1]",
            "--label",
            "coarse",
            "--quiet",
        ],
    )
    assert res.exit_code == 0, res.output
    after = pd.read_parquet(out / "information_plane.parquet")
    assert len(after) == 2 * len(before) and set(after["estimator"]) == {"binning", "coarse"}
    coarse = after[after["estimator"] == "coarse"].reset_index(drop=True)
    assert coarse[["repeat", "epoch", "layer", "layer_name"]].equals(
        before[["repeat", "epoch", "layer", "layer_name"]]
    )
    assert (coarse["i_xt"] <= before["i_xt"] + 1e-9).all()  # 3 bins nest in 30: less information
    # the same estimator and parameters as the run reproduce the run's rows
    res = runner.invoke(
        app,
        [
            "estimate",
            str(out),
            "-e",
            "binning",
            "--label",
            "again",
            "--quiet",
            "-p",
            "n_bins=30",
            "-p",
            "range=[-1, 1]",
        ],
    )
    assert res.exit_code == 0, res.output
    again = pd.read_parquet(out / "information_plane.parquet").query("estimator == 'again'")
    pd.testing.assert_series_equal(again["i_xt"].reset_index(drop=True), before["i_xt"])


def test_estimate_errors(tmp_path: Path) -> None:
    out = tmp_path / "run"
    runner.invoke(
        app,
        [
            "run",
            "--epochs",
            "2",
            "--n-capture",
            "2",
            "--repeats",
            "1",
            "--quiet",
            "--out",
            str(out),
            *no_layer_check(tmp_path),
        ],
    )
    res = runner.invoke(app, ["estimate", str(out), "-e", "binning"])
    assert res.exit_code == 2 and "--replace" in res.output
    res = runner.invoke(app, ["estimate", str(out), "-e", "binning", "--replace", "--quiet"])
    assert res.exit_code == 0, res.output
    assert len(pd.read_parquet(out / "information_plane.parquet")) == 3 * 6
    res = runner.invoke(app, ["estimate", str(out), "-e", "nope"])
    assert res.exit_code == 2 and "unknown estimator" in res.output
    res = runner.invoke(app, ["estimate", str(tmp_path), "-e", "binning", "--label", "x"])
    assert res.exit_code == 2 and "no activation store" in res.output


def test_subsample_flags_of_run_and_estimate(tmp_path: Path) -> None:
    import json

    import yaml

    out = tmp_path / "run"
    args = ["run", "--epochs", "3", "--repeats", "1", "--n-capture", "3", "--hidden", "4,3"]
    args += ["-e", "kde_upper", "--subsample", "300", "--no-diagnostics", "--no-gradient-stats"]
    res = runner.invoke(app, [*args, "-q", "-o", str(out), *no_layer_check(tmp_path)])
    assert res.exit_code == 0, res.output
    assert yaml.safe_load((out / "config.yaml").read_text())["storage"]["subsample"] == 300
    plane = pd.read_parquet(out / "information_plane.parquet")
    assert {json.loads(p)["n_samples"] for p in plane["params"]} == {300}
    res = runner.invoke(
        app,
        ["estimate", str(out), "-e", "kde_lower", "--subsample", "200", "--subsample-seed", "3"],
    )
    assert res.exit_code == 0, res.output
    plane = pd.read_parquet(out / "information_plane.parquet")
    added = plane[plane["estimator"] == "kde_lower"]
    assert {json.loads(p)["n_samples"] for p in added["params"]} == {200}
    assert {json.loads(p)["subsample_seed"] for p in added["params"]} == {3}
    res = runner.invoke(app, ["estimate", str(out), "-e", "kde_lower", "--subsample", "1"])
    assert res.exit_code == 2
