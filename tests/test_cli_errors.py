"""Every CLI failure is one line naming the file and the fix, with the right exit code, no traceback.

Exit codes: 2 for usage errors, 1 for runtime failures (corrupt or empty files) and internal errors.
Each case runs with a narrow terminal (COLUMNS=60) in a long temporary path, and assertions on text
normalise whitespace, so that where rich wraps a line cannot change the outcome.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from rich.console import Console
from typer.testing import CliRunner

from infoplane.cli import _common
from infoplane.cli.app import app


@pytest.fixture
def narrow(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 60-column terminal for rich (the consoles read COLUMNS when they are made)."""
    monkeypatch.setenv("COLUMNS", "60")
    monkeypatch.delenv("INFOPLANE_DEBUG", raising=False)
    monkeypatch.setattr(_common, "err_console", Console(stderr=True))
    monkeypatch.setattr(_common, "console", Console())


@pytest.fixture
def deep(tmp_path: Path) -> Path:
    """A directory with a long path (longer than the terminal is wide)."""
    path = tmp_path / ("a_rather_long_directory_name_" * 3) / ("and_another_one_" * 4)
    path.mkdir(parents=True)
    return path


def invoke(args: list[str]) -> tuple[int, str]:
    res = CliRunner().invoke(app, args, env={"COLUMNS": "60"})
    return res.exit_code, " ".join(res.output.split())


def check(code: int, out: str, *, exit_code: int, names: Path | str, needle: str = "") -> None:
    assert code == exit_code, out
    assert "Traceback" not in out
    assert str(names) in out, out
    assert needle in out, out


def _plane(unit: str | list[str] = "bits") -> pd.DataFrame:
    epochs = np.array([0, 1, 10])
    rows = [
        {"repeat": 0, "epoch": int(e), "layer": lay, "layer_name": f"h{lay}",
         "estimator": "binning", "i_xt": 4.0 - lay, "i_ty": 0.5}
        for e in epochs for lay in (1, 2)
    ]  # fmt: skip
    table = pd.DataFrame(rows)
    table["unit"] = unit
    return table


def _run(path: Path, plane: pd.DataFrame | None = None) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (_plane() if plane is None else plane).to_parquet(path / "information_plane.parquet")
    (path / "config.yaml").write_text(yaml.safe_dump({"data": {"task": "digits"}}))
    return path


# ------------------------------------------------------------------------------ report
def test_report_empty_table_is_a_runtime_error(narrow: None, deep: Path) -> None:
    run = _run(deep / "run", _plane().iloc[:0])
    code, out = invoke(["report", str(run), "--no-gif", "--no-sensitivity"])
    check(code, out, exit_code=1, names=run / "information_plane.parquet", needle="no rows")


def test_report_corrupt_table(narrow: None, deep: Path) -> None:
    run = _run(deep / "run")
    (run / "information_plane.parquet").write_bytes(b"PAR1 this is not parquet")
    code, out = invoke(["report", str(run), "--no-gif"])
    check(code, out, exit_code=1, names=run / "information_plane.parquet", needle="parquet")


def test_report_corrupt_optional_table(narrow: None, deep: Path) -> None:
    run = _run(deep / "run")
    (run / "history.parquet").write_bytes(b"\x00\x01garbage")
    code, out = invoke(["report", str(run), "--no-gif"])
    check(code, out, exit_code=1, names=run / "history.parquet")


def test_report_corrupt_config(narrow: None, deep: Path) -> None:
    run = _run(deep / "run")
    (run / "config.yaml").write_text("model: [unclosed\n  - : :")
    code, out = invoke(["report", str(run), "--no-gif"])
    check(code, out, exit_code=1, names=run / "config.yaml", needle="YAML")


def test_report_config_not_a_mapping(narrow: None, deep: Path) -> None:
    run = _run(deep / "run")
    (run / "config.yaml").write_text("- just\n- a list\n")
    code, out = invoke(["report", str(run), "--no-gif"])
    check(code, out, exit_code=1, names=run / "config.yaml")


def test_report_mixed_units_is_refused(narrow: None, deep: Path) -> None:
    plane = _plane(["bits", "nats"] * 3)
    run = _run(deep / "run", plane)
    code, out = invoke(["report", str(run), "--no-gif"])
    check(code, out, exit_code=2, names=run / "information_plane.parquet", needle="mixes units")


def test_report_missing_run_dir_is_a_usage_error(narrow: None, deep: Path) -> None:
    code, out = invoke(["report", str(deep / "nope")])
    check(code, out, exit_code=2, names=deep / "nope", needle="does not exist")


def test_report_not_a_run_dir(narrow: None, deep: Path) -> None:
    code, out = invoke(["report", str(deep)])
    check(code, out, exit_code=2, names=deep, needle="not a run directory")


# ------------------------------------------------------------------------------ mi
def test_mi_truncated_npy(narrow: None, deep: Path) -> None:
    x = deep / "x.npy"
    np.save(x, np.zeros((50, 2)))
    x.write_bytes(x.read_bytes()[:100])  # header, then the data cut short
    np.save(deep / "y.npy", np.zeros(50))
    code, out = invoke(["mi", str(x), str(deep / "y.npy")])
    assert code in (1, 2), out  # a short file is unreadable data (1) or not an array (2)
    check(code, out, exit_code=code, names=x, needle="X.npy")


def test_mi_not_an_npy_file(narrow: None, deep: Path) -> None:
    x = deep / "x.npy"
    x.write_text("hello")
    np.save(deep / "y.npy", np.zeros(50))
    code, out = invoke(["mi", str(x), str(deep / "y.npy")])
    check(code, out, exit_code=2, names=x, needle="numpy.save")


def test_mi_directory_instead_of_file(narrow: None, deep: Path) -> None:
    np.save(deep / "y.npy", np.zeros(50))
    code, out = invoke(["mi", str(deep), str(deep / "y.npy")])
    check(code, out, exit_code=2, names=deep, needle="is a directory")


# ------------------------------------------------------------------------------ bound
def test_bound_missing_file(narrow: None, deep: Path) -> None:
    code, out = invoke(["bound", "--pxy", str(deep / "no.npy"), "--out", str(deep / "o")])
    check(code, out, exit_code=2, names=deep / "no.npy", needle="does not exist")


def test_bound_corrupt_npz(narrow: None, deep: Path) -> None:
    bad = deep / "p.npz"
    bad.write_bytes(b"PK\x03\x04 not really a zip archive")
    code, out = invoke(["bound", "--pxy", str(bad), "--out", str(deep / "o")])
    check(code, out, exit_code=1, names=bad, needle="--pxy")


def test_bound_corrupt_npz_gaussian(narrow: None, deep: Path) -> None:
    bad = deep / "cov.npz"
    bad.write_bytes(b"PK\x03\x04 not really a zip archive")
    code, out = invoke(
        ["bound", "--pxy", str(bad), "--method", "gaussian", "--out", str(deep / "o")]
    )
    check(code, out, exit_code=1, names=bad, needle="--pxy")


def test_bound_out_is_a_file(narrow: None, deep: Path) -> None:
    np.save(deep / "t.npy", np.array([[0.4, 0.1], [0.1, 0.4]]))
    (deep / "o").write_text("a file")
    code, out = invoke(["bound", "--pxy", str(deep / "t.npy"), "--out", str(deep / "o")])
    check(code, out, exit_code=2, names=deep / "o")


# ------------------------------------------------------------------------------ ntk
def test_ntk_corrupt_mnist(narrow: None, deep: Path) -> None:
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                 "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):  # fmt: skip
        (deep / name).write_bytes(b"\x1f\x8b\x08 truncated gzip")
    code, out = invoke(["ntk", "--task", "mnist", "--mnist-dir", str(deep), "--out", str(deep)])
    assert code in (1, 2), out
    check(code, out, exit_code=code, names=deep)


# ------------------------------------------------------------------------------ the handler
def test_usage_errors_keep_exit_2(narrow: None) -> None:
    code, out = invoke(["report", "--no-such-option"])
    assert code == 2 and "Traceback" not in out and "--no-such-option" in out


def test_runtime_error_exits_1(narrow: None, deep: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from infoplane.interface import InfoplaneRuntimeError

    def boom(*args: object, **kwargs: object) -> None:
        raise InfoplaneRuntimeError(f"lock {str(deep / 'state' / 'lock')!r} is held")

    monkeypatch.setattr("infoplane.report.write_report", boom)
    code, out = invoke(["report", str(_run(deep / "run"))])
    check(code, out, exit_code=1, names=deep / "state" / "lock", needle="error:")


def test_os_error_names_the_file(narrow: None, deep: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = deep / "run" / "report.html"

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(target))

    monkeypatch.setattr("infoplane.report.write_report", denied)
    code, out = invoke(["report", str(_run(deep / "run"))])
    check(code, out, exit_code=1, names=target, needle="Permission denied")


def test_internal_error_is_one_line_without_traceback(
    narrow: None, deep: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def bug(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr("infoplane.report.write_report", bug)
    code, out = invoke(["report", str(_run(deep / "run"))])
    assert code == 1
    assert "Traceback" not in out
    assert "internal error: ZeroDivisionError: a bug; please report it" in out
    assert "INFOPLANE_DEBUG=1" in out
    monkeypatch.setenv("INFOPLANE_DEBUG", "1")
    res = CliRunner().invoke(app, ["report", str(deep / "run")], env={"INFOPLANE_DEBUG": "1"})
    assert res.exit_code == 1 and "Traceback" in res.output and "ZeroDivisionError" in res.output


def test_main_entry_point_exit_codes(deep: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`infoplane` as a console script (main()) exits with the same codes."""
    from infoplane.cli.app import main

    for args, want in (
        ([str(deep / "nope")], 2),
        ([str(_run(deep / "run2", _plane().iloc[:0]))], 1),
    ):
        monkeypatch.setattr("sys.argv", ["infoplane", "report", *args, "--no-gif"])
        with pytest.raises(SystemExit) as info:
            main()
        assert info.value.code == want
