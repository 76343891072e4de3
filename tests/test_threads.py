"""Thread settings of the commands (issue 15): ``--threads`` (default 1; ntk: every core) in estimate, report,
experiment, sweep and ntk, applied to torch and to numpy's BLAS while the command works."""

from __future__ import annotations

import os

import pytest
import torch
import typer
import yaml
from typer.testing import CliRunner

from infoplane.cli._common import DEFAULT_THREADS, check_threads, cpu_threads
from infoplane.cli.app import app
from infoplane.interface import InfoplaneError

runner = CliRunner()


class _Stop(InfoplaneError):
    """Raised by the stubs after recording the thread settings (exit 2)."""


def _blas_threads() -> list[int]:
    from threadpoolctl import threadpool_info

    return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]


@pytest.fixture
def two_threads():
    """Start every test from torch's 2 threads, so a command that does not set them is caught."""
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def test_cpu_threads_sets_and_restores_torch_and_blas(two_threads):
    with cpu_threads(1):
        assert torch.get_num_threads() == 1
        assert all(n == 1 for n in _blas_threads())
    assert torch.get_num_threads() == 2
    with cpu_threads(None):
        assert torch.get_num_threads() == 2
    assert DEFAULT_THREADS == 1


@pytest.mark.parametrize("bad", [0, -3, 1.5, True])
def test_check_threads_names_the_option(bad):
    with pytest.raises(InfoplaneError, match="--threads must be a whole number >= 1"):
        check_threads(bad)
    with pytest.raises(InfoplaneError, match="--threads"), cpu_threads(bad):
        pass


def _params(*path: str) -> dict[str, object]:
    cmd = typer.main.get_command(app)
    for name in path:
        cmd = cmd.commands[name]  # type: ignore[attr-defined]
    return {p.name: p for p in cmd.params}


@pytest.mark.parametrize(
    ("path", "default"),
    [
        (("estimate",), 1),
        (("report",), 1),
        (("ntk",), os.cpu_count() or 1),  # large float64 matmuls: every core
        (("experiment", "depth"), 1),
        (("experiment", "batch"), 1),
        (("sweep",), None),  # None: the sweep file's threads_per_run (1 unless set)
    ],
)
def test_every_heavy_command_has_a_threads_option(path, default):
    option = _params(*path)["threads"]
    assert "--threads" in option.opts
    assert option.default == default


def _record(seen: dict[str, object]):
    def stub(*args, **kwargs):
        seen["torch"] = torch.get_num_threads()
        seen["blas"] = _blas_threads()
        raise _Stop("stopped by the test")

    return stub


@pytest.mark.parametrize("threads", [None, 2])
def test_estimate_works_with_the_chosen_threads(tmp_path, monkeypatch, two_threads, threads):
    import infoplane.storage.activations as activations

    seen: dict[str, object] = {}
    monkeypatch.setattr(activations, "open_store", _record(seen))
    args = ["estimate", str(tmp_path), "-e", "kde_upper"]
    result = runner.invoke(app, args + ([] if threads is None else ["--threads", str(threads)]))
    assert result.exit_code == 2, result.output
    want = 1 if threads is None else threads
    assert seen["torch"] == want
    assert all(n == want for n in seen["blas"])
    assert torch.get_num_threads() == 2  # restored after the command


def test_report_works_on_one_thread(tmp_path, monkeypatch, two_threads):
    import infoplane.report as report

    seen: dict[str, object] = {}
    monkeypatch.setattr(report, "write_report", _record(seen))
    result = runner.invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert seen["torch"] == 1


def test_experiment_works_on_the_chosen_threads(tmp_path, monkeypatch, two_threads):
    import infoplane.experiments as experiments

    seen: dict[str, object] = {}
    monkeypatch.setattr(experiments, "depth_experiment", _record(seen))
    for flag, want in (([], 1), (["--threads", "2"], 2)):
        result = runner.invoke(app, ["experiment", "depth", "--out", str(tmp_path), *flag])
        assert result.exit_code == 2, result.output
        assert seen["torch"] == want


@pytest.mark.parametrize(("flag", "want"), [([], 1), (["--threads", "2"], 2)])
def test_sweep_runs_and_workers_get_the_threads(tmp_path, monkeypatch, two_threads, flag, want):
    import infoplane.run.sweep as sweep_mod

    seen: dict[str, object] = {}

    def stub(cfg, *args, **kwargs):
        seen["per_run"] = cfg.threads_per_run
        _record(seen)()

    monkeypatch.setattr(sweep_mod, "run_sweep", stub)
    path = tmp_path / "sweep.yaml"
    tiny = {"name": "tiny", "preset": "default", "seeds": [0], "activations": ["tanh"]}
    path.write_text(yaml.safe_dump(tiny))
    result = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "s"), *flag])
    assert result.exit_code == 2, result.output
    assert seen["torch"] == want
    assert seen["per_run"] == want


def test_ntk_uses_every_core_by_default(tmp_path, monkeypatch, two_threads):
    import infoplane.ntk as ntk

    seen: dict[str, object] = {}
    monkeypatch.setattr(ntk, "ntk_information_plane", _record(seen))
    result = runner.invoke(app, ["ntk", "--out", str(tmp_path), "--task", "digits"])
    assert result.exit_code == 2, result.output
    assert seen["torch"] == (os.cpu_count() or 1)
    seen.clear()
    args = ["ntk", "--out", str(tmp_path), "--task", "digits", "--threads", "1"]
    assert runner.invoke(app, args).exit_code == 2
    assert seen["torch"] == 1


def test_threads_below_one_is_a_usage_error(tmp_path):
    result = runner.invoke(app, ["estimate", str(tmp_path), "--threads", "0"])
    assert result.exit_code == 2
