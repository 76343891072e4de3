"""`infoplane bound`: tables, figure and errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from infoplane.cli.app import app
from infoplane.cli.bound import parse_betas
from infoplane.interface import InfoplaneError

runner = CliRunner()
DSBS = np.array([[0.9, 0.1], [0.1, 0.9]])
ALL_MAT = Path(__file__).resolve().parents[2] / "shared" / "data" / "all.mat"


def h2(p: float) -> float:
    return float(-(p * np.log2(p) + (1 - p) * np.log2(1 - p)))


def dsbs_closed_form(beta: float, eps: float = 0.1) -> tuple[float, float]:
    """T = X xor Bern(delta) at the stationary delta: (1 - h(delta), 1 - h(eps * delta))."""
    from scipy.optimize import brentq

    star = lambda d: eps * (1 - d) + d * (1 - eps)  # noqa: E731 - binary convolution
    g = lambda d: np.log((1 - d) / d) - beta * (1 - 2 * eps) * np.log((1 - star(d)) / star(d))  # noqa: E731
    d = brentq(g, 1e-300, 0.5 - 1e-13, xtol=1e-16)
    return 1 - h2(d), 1 - h2(star(d))


def test_parse_betas() -> None:
    assert parse_betas("1,2,5") == [1.0, 2.0, 5.0]
    assert parse_betas("logspace:1:100:3") == pytest.approx([1.0, 10.0, 100.0])
    assert parse_betas("linspace:1:3:3") == pytest.approx([1.0, 2.0, 3.0])
    for bad in ("0,1", "-1", "logspace:0:10:5", "abc", "logspace:1:2"):
        with pytest.raises(InfoplaneError, match="--betas"):
            parse_betas(bad)


def test_dsbs_table_and_figure(tmp_path: Path, saved_figures: list) -> None:
    np.save(tmp_path / "dsbs.npy", DSBS / 2)  # a joint table
    out = tmp_path / "out"
    res = runner.invoke(
        app,
        ["bound", "--pxy", str(tmp_path / "dsbs.npy"), "--betas", "1.2,1.7,2,3,10,100", "--out",
         str(out), "--format", "csv"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    df = pd.read_csv(out / "bound.csv")
    assert list(df.columns) == ["beta", "i_xt", "i_ty", "lagrangian", "n_clusters"]
    assert df.i_xt[0] == pytest.approx(0.0, abs=1e-9)  # below the critical beta 1.5625
    # large beta: T = X, I(T;Y) = 1 - h(0.1) = 0.531004
    assert df.i_ty.iloc[-1] == pytest.approx(1 - h2(0.1), abs=1e-5)
    for beta in (1.7, 2.0, 3.0):  # the closed form of the doubly-symmetric binary source
        row = df[df.beta == beta].iloc[0]
        i_xt, i_ty = dsbs_closed_form(beta)
        assert row.i_xt == pytest.approx(i_xt, abs=1e-5)
        assert row.i_ty == pytest.approx(i_ty, abs=1e-5)
    (fig,) = saved_figures
    (ax,) = [a for a in fig.axes if a.get_label() != "<colorbar>"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("I(X;T) [bits]", "I(T;Y) [bits]")
    (dotted,) = [ln for ln in ax.lines if ln.get_linestyle() == ":"]  # I(X;Y) = 1 - h(0.1)
    assert dotted.get_ydata()[0] == pytest.approx(1 - h2(0.1), abs=1e-9)
    assert ax.collections[0].get_offsets().shape == (len(df), 2)  # one point per beta
    np.testing.assert_allclose(ax.collections[0].get_array(), np.log10(df.beta))
    info = json.loads((out / "bound.json").read_text())
    assert info["units"] == "bits" and info["method"] == "ib"


@pytest.mark.parametrize("method", ["dib", "dualib"])
def test_other_methods(tmp_path: Path, method: str) -> None:
    np.savetxt(tmp_path / "c.csv", DSBS, delimiter=",")
    res = runner.invoke(
        app, ["bound", "--pxy", str(tmp_path / "c.csv"), "--method", method, "--betas",
              "logspace:1:100:4", "--out", str(tmp_path / "o")],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    df = pd.read_parquet(tmp_path / "o" / "bound.parquet")
    assert len(df) == 4 and df.i_ty.max() == pytest.approx(0.531004, abs=1e-5)


def test_gaussian(tmp_path: Path) -> None:
    lam = np.array([0.25, 0.5])
    np.savez(
        tmp_path / "g.npz", sigma_x=np.eye(2), sigma_xy=np.diag(np.sqrt(1 - lam)), sigma_y=np.eye(2)
    )
    res = runner.invoke(
        app, ["bound", "--pxy", str(tmp_path / "g.npz"), "--method", "gaussian", "--betas", "3",
              "--out", str(tmp_path / "o"), "--format", "csv"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    df = pd.read_csv(tmp_path / "o" / "bound.csv")
    i_xt = 0.5 * np.log2(2 * (1 - lam) / lam).sum()
    assert df.i_xt[0] == pytest.approx(i_xt, abs=1e-9)
    assert df.n_clusters[0] == 2
    info = json.loads((tmp_path / "o" / "bound.json").read_text())
    assert info["critical_betas"] == pytest.approx([4 / 3, 2.0])
    joint = np.block(
        [[np.eye(2), np.diag(np.sqrt(1 - lam))], [np.diag(np.sqrt(1 - lam)), np.eye(2)]]
    )
    np.save(tmp_path / "j.npy", joint)
    args = [
        "bound",
        "--pxy",
        str(tmp_path / "j.npy"),
        "--method",
        "gaussian",
        "--out",
        str(tmp_path / "p"),
    ]
    res = runner.invoke(app, args)
    assert res.exit_code == 2 and "--x-dim" in " ".join(res.output.split())
    assert runner.invoke(app, [*args, "--x-dim", "2"]).exit_code == 0


@pytest.mark.parametrize(
    ("table", "betas", "needle"),
    [
        ([[0.5, -0.1], [0.3, 0.3]], "1", "negative"),
        ([[0.5, 0.6], [0.3, 0.3]], "1", "not a distribution"),
        ([[0.5, 0.5], [0.3, 0.3]], "1", "not a distribution"),
        ([[0.45, 0.05], [0.05, 0.45]], "0,1", "--betas"),
        ([[0.45, 0.05], [0.05, 0.45]], "-2", "--betas"),
    ],
)
def test_bad_input_exits_with_a_clear_error(
    tmp_path: Path, table: list[list[float]], betas: str, needle: str
) -> None:
    np.save(tmp_path / "t.npy", np.array(table))
    res = runner.invoke(
        app,
        ["bound", "--pxy", str(tmp_path / "t.npy"), "--betas", betas, "--out", str(tmp_path / "o")],
    )
    assert res.exit_code == 2
    assert needle in " ".join(res.output.split())
    if needle != "--betas":
        assert "--pxy" in " ".join(res.output.split())


def test_conditional_rows_not_summing(tmp_path: Path) -> None:
    np.save(tmp_path / "t.npy", np.array([[0.5, 0.4], [0.5, 0.5]]))
    res = runner.invoke(
        app, ["bound", "--pxy", str(tmp_path / "t.npy"), "--kind", "conditional", "--out",
              str(tmp_path / "o")],
    )  # fmt: skip
    assert res.exit_code == 2 and "do not sum to 1" in " ".join(res.output.split())


def test_missing_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Independent of the terminal's width and of the path's length (rich must not break it)."""
    from rich.console import Console

    from infoplane.cli import _common

    monkeypatch.setenv("COLUMNS", "60")
    monkeypatch.setattr(_common, "err_console", Console(stderr=True))
    deep = tmp_path / ("a_long_directory_name_" * 4)
    deep.mkdir()
    missing = deep / "no.npy"
    res = runner.invoke(app, ["bound", "--pxy", str(missing), "--out", str(deep)])
    out = " ".join(res.output.split())
    assert res.exit_code == 2 and "does not exist" in out
    assert str(missing) in out and "Traceback" not in out


@pytest.mark.slow
@pytest.mark.skipif(not ALL_MAT.exists(), reason="reference data not present")
def test_all_mat(tmp_path: Path) -> None:
    res = runner.invoke(app, ["bound", "--pxy", str(ALL_MAT), "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    df = pd.read_parquet(tmp_path / "bound.parquet")
    assert df.i_ty.max() == pytest.approx(0.8436, abs=1e-3)
