"""`infoplane mi`: JSON output on held-out Gaussian and discrete cases, and clean errors."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from infoplane.cli import app

runner = CliRunner()


def _save(tmp_path: Path, name: str, a: np.ndarray) -> str:
    path = tmp_path / name
    np.save(path, a)
    return str(path)


@pytest.fixture
def gaussian(tmp_path: Path) -> tuple[str, str, float]:
    # Held-out case (seed not used elsewhere): 2-D pairs with rho = 0.7, I = -log2(1 - 0.49).
    rng = np.random.default_rng(2024)
    x = rng.standard_normal((2000, 2))
    y = 0.7 * x + math.sqrt(1 - 0.49) * rng.standard_normal((2000, 2))
    return _save(tmp_path, "x.npy", x), _save(tmp_path, "y.npy", y), -math.log2(1 - 0.49)


def test_mi_gaussian_ksg_json(gaussian: tuple[str, str, float]) -> None:
    x, y, true = gaussian
    res = runner.invoke(app, ["mi", x, y, "--estimator", "ksg", "--param", "k=5"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert set(out) == {"estimator", "value", "unit", "params", "n_samples", "flags", "extra"}
    assert out["flags"] == []
    assert out["estimator"] == "ksg" and out["unit"] == "bits" and out["n_samples"] == 2000
    assert out["params"]["k"] == 5
    assert out["value"] == pytest.approx(true, abs=0.14)  # the 2-D tolerance of the KSG tests


def test_mi_unit_nats(gaussian: tuple[str, str, float]) -> None:
    x, y, true = gaussian
    res = runner.invoke(app, ["mi", x, y, "--unit", "nats"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["unit"] == "nats"
    assert out["value"] == pytest.approx(true * math.log(2), abs=0.1)


def test_mi_discrete_binary_symmetric_channel(tmp_path: Path) -> None:
    rng = np.random.default_rng(77)
    x = rng.integers(0, 2, 20000)
    y = x ^ (rng.random(20000) < 0.1)
    xp, yp = _save(tmp_path, "x.npy", x), _save(tmp_path, "y.npy", y.astype(float))
    true = 1 + 0.1 * math.log2(0.1) + 0.9 * math.log2(0.9)
    res = runner.invoke(app, ["mi", xp, yp, "--estimator", "binning", "--discrete-y"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["value"] == pytest.approx(true, abs=0.025)


def test_mi_ci(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    x = rng.integers(0, 4, 3000)
    y = (x + rng.integers(0, 2, 3000)) % 4
    xp, yp = _save(tmp_path, "x.npy", x), _save(tmp_path, "y.npy", y)
    res = runner.invoke(
        app, ["mi", xp, yp, "-e", "binning", "--discrete-y", "--ci", "--n-boot", "30"]
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["ci"][0] <= out["value"] <= out["ci"][1]
    assert out["ci"][0] < 1.0 < out["ci"][1] + 0.05  # true I = 1 bit (uniform 4-ary, 2 outcomes)
    # the interval's description travels with the number
    assert out["extra"]["n_boot"] == 30 and out["extra"]["confidence"] == pytest.approx(0.95)
    assert out["extra"]["replicate_std"] > 0


@pytest.mark.parametrize(
    ("x_arr", "y_arr", "extra", "message"),
    [
        (np.full((10, 2), np.nan), np.zeros((10, 2)), [], "X.npy contains"),
        (np.zeros((10, 2)), np.zeros((9, 2)), [], "samples"),
        (np.zeros((1, 2)), np.zeros((1, 2)), [], "at least 2"),
        (np.zeros((10, 2, 2)), np.zeros((10, 2)), [], "shape"),
        (np.zeros((10, 2)), np.zeros((10, 2)), ["--param", "kk=3"], "no parameter"),
        (np.zeros((10, 2)), np.zeros((10, 2)), ["--estimator", "nope"], "unknown estimator"),
        (np.zeros((10, 2)), np.full(10, 0.5), ["--discrete-y"], "integer"),
        (np.zeros((10, 2)), np.zeros((10, 2)), ["--unit", "bans"], "unit"),
        (np.zeros((10, 2)), np.zeros((10, 2)), ["--param", "k"], "key=value"),
    ],
)
def test_mi_bad_input(tmp_path: Path, x_arr, y_arr, extra, message) -> None:
    xp, yp = _save(tmp_path, "x.npy", x_arr), _save(tmp_path, "y.npy", y_arr)
    res = runner.invoke(app, ["mi", xp, yp, *extra])
    assert res.exit_code == 2
    assert message in " ".join(res.output.split())


def test_mi_missing_file(tmp_path: Path) -> None:
    res = runner.invoke(app, ["mi", str(tmp_path / "no.npy"), str(tmp_path / "no2.npy")])
    assert res.exit_code == 2
    assert "X.npy" in " ".join(res.output.split())
