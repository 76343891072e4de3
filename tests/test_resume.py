"""Kill and resume: a run interrupted anywhere ends with the same tables as an uninterrupted run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import torch

from infoplane.run.checkpoint import read_checkpoint
from infoplane.run.config import load_config, read_config_file, validate_config
from infoplane.run.engine import resume_experiment, run_experiment
from infoplane.storage.activations import ActivationStore

FILES = ("information_plane", "history", "gradients")


class Boom(RuntimeError):
    pass


def config(epochs: int = 40, every: int = 7):
    return load_config(
        "default",
        overrides={
            "repeats": 2,
            "training": {"epochs": epochs},
            "capture": {"n_points": 15},
            "storage": {"checkpoint_every": every},
        },
    )


def assert_same_run(a: Path, b: Path) -> None:
    for name in FILES:
        pd.testing.assert_frame_equal(
            pd.read_parquet(a / f"{name}.parquet"),
            pd.read_parquet(b / f"{name}.parquet"),
            check_exact=True,
        )


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ref") / "run"
    run_experiment(config(), out, progress=False, make_figures=False)
    return out


def test_crash_during_capture_then_resume_is_bit_identical(
    tmp_path: Path, reference: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = ActivationStore.write_epoch

    def crash(self, epoch, acts):
        if epoch == 23:
            real(self, epoch, {k: v[:, :] for k, v in acts.items()})  # written, then killed
            raise Boom("killed")
        real(self, epoch, acts)

    monkeypatch.setattr(ActivationStore, "write_epoch", crash)
    with pytest.raises(Boom):
        run_experiment(config(), tmp_path / "run", progress=False, make_figures=False)
    assert read_checkpoint(tmp_path / "run")["loop"]["epoch"] == 21
    monkeypatch.setattr(ActivationStore, "write_epoch", real)
    resume_experiment(tmp_path / "run", progress=False, make_figures=False)
    assert_same_run(reference, tmp_path / "run")


def test_crash_during_estimation_resumes_without_retraining(
    tmp_path: Path, reference: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import infoplane.run.estimation as pl

    real, calls = pl.estimate_layer_from_store, []

    def crash(*args, **kwargs):
        calls.append(args[1])
        if len(calls) == 3:
            raise Boom("killed")
        return real(*args, **kwargs)

    def count(*args, **kwargs):
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(pl, "estimate_layer_from_store", crash)
    with pytest.raises(Boom):
        run_experiment(config(), tmp_path / "run", progress=False, make_figures=False)
    calls.clear()
    monkeypatch.setattr(pl, "estimate_layer_from_store", count)
    import infoplane.training as tr

    monkeypatch.setattr(tr, "train_ensemble", lambda *a, **k: pytest.fail("retrained"))
    resume_experiment(tmp_path / "run", progress=False, make_figures=False)
    assert len(calls) == 4  # layers 1-2 were saved before the crash; 3-6 estimated now
    assert_same_run(reference, tmp_path / "run")


def test_cnn_run_crashed_mid_training_resumes_bit_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = load_config(
        "mnist-cnn",
        overrides={
            "repeats": 2,
            "training": {"epochs": 6},
            "capture": {"n_points": 6},
            "data": {"mi_n": 60},
            "model": {"channels": [2, 3], "hidden": [8]},
            "storage": {"checkpoint_every": 2},
        },
    )
    run_experiment(cfg, tmp_path / "ref", progress=False, make_figures=False)
    real = ActivationStore.write_epoch

    # the capture epochs of log_spaced_epochs(6, 6) are 0, 1, 2, 4, 6 or 0, 1, 2, 4, 5, 6
    # (whether 2 ** log2(6) truncates to 5 depends on the platform's floating point), so epoch 5
    # is not always captured: crash while writing epoch 4, which always is, after the checkpoint
    # of epoch 2 (checkpoint_every=2), so training resumes mid-way
    def crash(self, epoch, acts):
        if epoch == 4:
            raise Boom("killed")
        real(self, epoch, acts)

    monkeypatch.setattr(ActivationStore, "write_epoch", crash)
    with pytest.raises(Boom):
        run_experiment(cfg, tmp_path / "run", progress=False, make_figures=False)
    assert read_checkpoint(tmp_path / "run")["loop"]["epoch"] == 2
    monkeypatch.setattr(ActivationStore, "write_epoch", real)
    resume_experiment(tmp_path / "run", progress=False, make_figures=False)
    for name in FILES:
        pd.testing.assert_frame_equal(
            pd.read_parquet(tmp_path / "ref" / f"{name}.parquet"),
            pd.read_parquet(tmp_path / "run" / f"{name}.parquet"),
            check_exact=True,
        )


def test_resume_refuses_a_changed_config_and_a_missing_directory(tmp_path: Path) -> None:
    from infoplane.interface import InfoplaneError

    run_experiment(config(epochs=3), tmp_path / "run", progress=False, make_figures=False)
    with pytest.raises(InfoplaneError, match="differs"):
        run_experiment(config(epochs=4), tmp_path / "run", progress=False, resume=True)
    with pytest.raises(FileNotFoundError, match=r"config\.yaml"):
        resume_experiment(tmp_path / "nothing")
    import shutil

    shutil.rmtree(tmp_path / "run" / "activations.zarr")
    with pytest.raises(InfoplaneError, match="missing"):
        resume_experiment(tmp_path / "run", progress=False)


def test_sigkill_mid_training_then_resume_equals_uninterrupted_run(tmp_path: Path) -> None:
    killed = tmp_path / "killed"
    fast = (
        tmp_path / "fast.yaml"
    )  # the IB layer check costs ~20 s of figures and is not tested here
    fast.write_text("analysis:\n  layer_check: false\n")
    args = [
        "--config",
        str(fast),
        "--epochs",
        "400",
        "--repeats",
        "2",
        "--n-capture",
        "30",
        "--checkpoint-every",
        "5",
        "--quiet",
        "--out",
        str(killed),
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "infoplane", "run", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    ckpt = killed / "state" / "checkpoint.pt"
    deadline = time.monotonic() + 240
    while not ckpt.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    state = torch.load(ckpt, weights_only=False)
    assert 5 <= state["loop"]["epoch"] < 400
    assert not (killed / "information_plane.parquet").exists()

    from typer.testing import CliRunner

    from infoplane.cli import app

    res = CliRunner().invoke(app, ["run", "--resume", str(killed), "--quiet"])
    assert res.exit_code == 0, res.output
    cfg = validate_config(read_config_file(killed / "config.yaml"))
    run_experiment(cfg, tmp_path / "ref", progress=False, make_figures=False)
    assert_same_run(tmp_path / "ref", killed)
    assert (killed / "information_plane.png").is_file()
