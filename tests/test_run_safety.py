"""Safety of runs (issue 11): no foreign code runs, no data is lost, refused runs leave nothing.

Each test here failed on the code before issue 11 (pickled checkpoints loaded with
``weights_only=False``, factories imported on resume, ``--overwrite`` deleting before validating,
half-made directories, rows of ``infoplane estimate`` dropped by a resume, run names leaving
``runs/``, tracebacks for damaged files, values in nats labelled bits).
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pandas as pd
import pytest
import torch
import yaml
from typer.testing import CliRunner

from infoplane.cli import app
from infoplane.interface import InfoplaneError, InfoplaneRuntimeError
from infoplane.run.config import load_config, validate_config
from infoplane.run.engine import resume_experiment, run_experiment

runner = CliRunner()
FAST = {
    "repeats": 1,
    "training": {"epochs": 3},
    "capture": {"n_points": 3},
    "model": {"hidden": [3]},
    "analysis": {"diagnostics": False, "ib_bound": False, "layer_check": False},
}
TINY_CLI = ["--epochs", "3", "--n-capture", "3", "--hidden", "3", "--repeats", "1", "--quiet"]


def fast_config(**more: object):
    from infoplane.run.config import merge

    return load_config("default", overrides=merge(FAST, dict(more)))


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("finished") / "run"
    run_experiment(fast_config(), out, progress=False, make_figures=False)
    return out


@pytest.fixture
def run_dir(finished: Path, tmp_path: Path) -> Path:
    """A private copy of a finished tiny run (3 epochs, one network, 2 layers)."""
    out = tmp_path / "run"
    shutil.copytree(finished, out)
    return out


def tree(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in path.rglob("*") if p.is_file()}


# ------------------------------------------------------------------ a. no unpickling on resume
class _Evil:
    """Unpickling this creates a file: what a malicious checkpoint could do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_resume_refuses_a_pickled_checkpoint_and_runs_none_of_it(run_dir: Path) -> None:
    marker = run_dir.parent / "pwned"
    torch.save({"loop": _Evil(marker)}, run_dir / "state" / "checkpoint.pt")
    with pytest.raises(InfoplaneRuntimeError, match=r"checkpoint\.pt"):
        resume_experiment(run_dir, progress=False, make_figures=False)
    assert not marker.exists()
    res = runner.invoke(app, ["run", "--resume", str(run_dir), "--quiet"])
    assert res.exit_code == 1, res.output
    assert "checkpoint.pt" in res.output and not marker.exists()


def test_checkpoints_load_with_weights_only(run_dir: Path) -> None:
    ckpt = torch.load(run_dir / "state" / "checkpoint.pt", weights_only=True)
    assert ckpt["loop"]["epoch"] == 3
    assert ckpt["loop"]["history"]["train_loss"].shape == (3, 1)


def test_online_estimates_and_gradients_are_checkpointed_as_tensors(tmp_path: Path) -> None:
    cfg = fast_config(
        storage={"online": True, "activations": "none"},
        estimators=[{"name": "binning", "params": {"n_bins": 30, "range": [-1, 1]}}],
    )
    result = run_experiment(cfg, tmp_path / "run", progress=False, make_figures=False)
    ckpt = torch.load(tmp_path / "run" / "state" / "checkpoint.pt", weights_only=True)
    k, layer, epoch, i_xt, i_ty, flags = ckpt["online"][-1]
    assert (k, layer, epoch) == (0, 2, 3) and isinstance(i_xt, torch.Tensor)
    assert flags.dtype == torch.int64 and flags.shape == i_xt.shape  # validity-flag bit masks
    last = result.plane.query("layer == 2 and epoch == 3")
    assert i_xt.tolist() == last["i_xt"].tolist() and i_ty.tolist() == last["i_ty"].tolist()
    rows = ckpt["gradients"]["rows"]
    assert all(isinstance(t, torch.Tensor) for v in rows.values() for t in v)


# ------------------------------------------------------------------ b. no foreign factory on resume
FACTORY = """
from pathlib import Path
from torch import nn

Path(__file__).with_name("imported").write_text("the factory module ran")


def make(seed, in_shape, n_classes):
    return nn.Sequential(nn.Linear(in_shape[0], 3), nn.Tanh(), nn.Linear(3, n_classes))
"""


def test_resume_does_not_import_a_factory_named_by_the_run_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pkg = tmp_path / "code"
    pkg.mkdir()
    (pkg / "foreign_factory.py").write_text(textwrap.dedent(FACTORY))
    monkeypatch.syspath_prepend(str(pkg))
    spec = "foreign_factory:make"
    cfg = fast_config(
        model={"arch": "factory", "factory": spec},
        capture={"n_points": 3, "layers": ["1"]},
        analysis={"gradient_stats": False},
    )
    run = tmp_path / "someone_elses_run"
    run.mkdir()
    (run / "state").mkdir()
    (run / "config.yaml").write_text(cfg.to_yaml())
    with pytest.raises(InfoplaneError, match="--model-factory"):
        resume_experiment(run, progress=False, make_figures=False)
    res = runner.invoke(app, ["run", "--resume", str(run), "--quiet"])
    assert res.exit_code == 2 and "--model-factory" in res.output
    assert not (pkg / "imported").exists()
    # the user passes the same spec: consent, the run goes on
    res = runner.invoke(app, ["run", "--resume", str(run), "--model-factory", spec, "--quiet"])
    assert res.exit_code == 0, res.output
    assert (pkg / "imported").exists() and (run / "information_plane.parquet").is_file()


# ------------------------------------------------------------------ c. --overwrite
def test_overwrite_never_deletes_a_directory_that_is_not_a_run(tmp_path: Path) -> None:
    out = tmp_path / "thesis"
    out.mkdir()
    (out / "chapter1.tex").write_text("precious")
    res = runner.invoke(app, ["run", *TINY_CLI, "--out", str(out), "--overwrite"])
    assert res.exit_code == 2 and "not" in res.output
    assert tree(out) == {"chapter1.tex": b"precious"}


def test_overwrite_with_a_bad_device_leaves_the_old_run_untouched(run_dir: Path) -> None:
    before = tree(run_dir)
    res = runner.invoke(
        app, ["run", *TINY_CLI, "--out", str(run_dir), "--overwrite", "--device", "cuda:99"]
    )
    assert res.exit_code == 2 and "device" in res.output
    assert "infoplane run" not in res.output  # refused before the run's header is printed
    assert tree(run_dir) == before


def test_overwrite_refuses_a_run_that_is_in_use(run_dir: Path) -> None:
    from infoplane.run.checkpoint import RunLock

    before = tree(run_dir)
    with RunLock(run_dir, "training"):
        with pytest.raises(InfoplaneRuntimeError, match="in use"):
            run_experiment(fast_config(), run_dir, overwrite=True, progress=False)
    assert tree(run_dir) == before


# ------------------------------------------------------------------ d. validate before writing
@pytest.mark.parametrize(
    "override, match",
    [
        ({"training": {"epochs": 3, "device": "cuda:99"}}, "device"),
        ({"training": {"epochs": 3, "device": "nonsense"}}, "device"),
        ({"data": {"mi_n": 10**6}}, "mi_n"),
        ({"data": {"task": "mnist", "path": "/no/such/mnist"}}, "mnist"),
        ({"data": {"task": "npz", "path": "/no/such/file.npz"}}, "file.npz"),
        ({"model": {"arch": "cnn"}}, "cnn"),
        ({"model": {"arch": "factory", "factory": "no_such_module_xyz:make"}}, "no_such_module"),
        ({"capture": {"n_points": 3, "layers": ["no.such.layer"]}}, "no.such.layer"),
    ],
)
def test_a_refused_run_leaves_nothing_behind(tmp_path: Path, override: dict, match: str) -> None:
    cfg = fast_config(**override)
    out = tmp_path / "x" / "run"
    with pytest.raises(InfoplaneError, match=match):
        run_experiment(cfg, out, progress=False, make_figures=False)
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize(
    "key, value",
    [("lr", float("inf")), ("lr", float("nan")), ("momentum", float("nan"))],
)
def test_non_finite_numbers_fail_validation(key: str, value: float) -> None:
    with pytest.raises(InfoplaneError, match=key):
        validate_config({"training": {key: value}})


def test_cli_lr_inf_is_refused_before_a_directory_is_made(tmp_path: Path) -> None:
    res = runner.invoke(app, ["run", *TINY_CLI, "--lr", "inf", "--out", str(tmp_path / "r")])
    assert res.exit_code == 2 and "lr" in res.output
    assert not (tmp_path / "r").exists()


# ------------------------------------------------------------------ e. rows of `infoplane estimate`
def _estimate(run_dir: Path, *extra: str):
    args = ["estimate", str(run_dir), "-e", "binning", "-p", "n_bins=3", "--label", "coarse"]
    return runner.invoke(app, [*args, "--quiet", *extra])


def test_rows_added_by_estimate_survive_a_resume(run_dir: Path) -> None:
    res = _estimate(run_dir)
    assert res.exit_code == 0, res.output
    added = pd.read_parquet(run_dir / "information_plane.parquet")
    assert set(added["estimator"]) == {"binning", "coarse"}
    result = resume_experiment(run_dir, progress=False, make_figures=False)
    after = pd.read_parquet(run_dir / "information_plane.parquet")
    pd.testing.assert_frame_equal(after, added)
    pd.testing.assert_frame_equal(result.plane, added)
    # --replace of the run's own estimator: the replacement is what a resume keeps
    res = runner.invoke(
        app, ["estimate", str(run_dir), "-e", "binning", "-p", "n_bins=2", "--replace", "--quiet"]
    )
    assert res.exit_code == 0, res.output
    replaced = pd.read_parquet(run_dir / "information_plane.parquet")
    resume_experiment(run_dir, progress=False, make_figures=False)
    pd.testing.assert_frame_equal(pd.read_parquet(run_dir / "information_plane.parquet"), replaced)
    assert len(replaced) == len(added)


def test_estimate_refuses_a_run_that_is_being_written(run_dir: Path) -> None:
    from infoplane.run.checkpoint import RunLock

    before = tree(run_dir)
    with RunLock(run_dir, "training"):
        res = _estimate(run_dir)
    assert res.exit_code == 1 and "in use" in res.output
    assert tree(run_dir) == before


def test_estimate_refuses_an_unfinished_run(run_dir: Path) -> None:
    status = run_dir / "state" / "status.json"
    status.write_text(status.read_text().replace('"complete"', '"training"'))
    res = _estimate(run_dir)
    assert res.exit_code == 1 and "--resume" in res.output


# ------------------------------------------------------------------ f. run names stay in runs/
@pytest.mark.parametrize("name", ["../../x", "/tmp/absolute", "a/b", "..", ".hidden", "C:x"])
def test_a_run_name_cannot_leave_the_output_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    with pytest.raises(InfoplaneError, match="name"):
        load_config("default", overrides={"name": name})
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    (work / "c.yaml").write_text(yaml.safe_dump({"name": name}))
    res = runner.invoke(app, ["run", *TINY_CLI, "--config", "c.yaml"])
    assert res.exit_code == 2 and "name" in res.output
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a", "b", "c.yaml"]


# ------------------------------------------------------------------ g. damaged files: one line
def test_out_that_is_a_file_is_a_usage_error(tmp_path: Path) -> None:
    out = tmp_path / "file.txt"
    out.write_text("x")
    res = runner.invoke(app, ["run", *TINY_CLI, "--out", str(out)])
    assert res.exit_code == 2 and "file.txt" in res.output
    assert isinstance(res.exception, SystemExit)
    assert out.read_text() == "x"


def _damage(path: Path, data: bytes = b"\x00garbage\xff") -> None:
    path.write_bytes(data)


@pytest.mark.parametrize(
    "relative, command",
    [
        ("state/checkpoint.pt", "resume"),
        ("config.yaml", "resume"),
        ("state/estimates/00-001.parquet", "resume"),
        ("activations.zarr/manifest.json", "resume"),
        ("activations.zarr/manifest.json", "estimate"),
        ("information_plane.parquet", "estimate"),
        ("activations.zarr/layers.0.act/c/0/1/0/0", "estimate"),
    ],
)
def test_a_damaged_file_is_one_runtime_error_naming_it(
    run_dir: Path, relative: str, command: str
) -> None:
    path = run_dir / relative
    assert path.is_file()
    _damage(path, b"model: [unclosed" if relative.endswith(".yaml") else b"\x00garbage\xff")
    if command == "resume":
        res = runner.invoke(app, ["run", "--resume", str(run_dir), "--quiet"])
    else:
        res = _estimate(run_dir)
    assert res.exit_code == 1, res.output
    assert isinstance(res.exception, SystemExit)  # no traceback
    assert Path(relative).name in res.output


# ------------------------------------------------------------------ h. units from the table
def test_estimate_labels_values_with_the_tables_own_unit(run_dir: Path) -> None:
    res = runner.invoke(
        app,
        ["estimate", str(run_dir), "-e", "binning", "-p", "unit=nats", "--label", "n", "--quiet"],
    )
    assert res.exit_code == 0, res.output
    table = pd.read_parquet(run_dir / "information_plane.parquet")
    assert set(table.loc[table["estimator"] == "n", "unit"]) == {"nats"}
    assert "(nats)" in res.output and "(bits)" not in res.output
