"""Members split over processes (training.processes): the same tables as one process, resumable.

Shwartz-Ziv & Tishby (2017), arXiv 1703.00810, train 50 networks; each member of an infoplane run
depends only on its seed, so a run split into member groups trained by separate processes must give
the tables of one process (to the float32 rounding of the batched kernels), with the repeat numbers
of the run, and must resume after a kill.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from typer.testing import CliRunner

from infoplane.cli import app
from infoplane.interface import InfoplaneError, InfoplaneRuntimeError
from infoplane.run import members
from infoplane.run.config import load_config, read_config_file, validate_config
from infoplane.run.engine import resume_experiment, run_experiment

CPU = torch.device("cpu")


def split_config(processes: int | str, repeats: int = 3, epochs: int = 40, **storage):
    return load_config(
        "default",
        overrides={
            "repeats": repeats,
            "model": {"hidden": [6, 4, 3]},
            "training": {"epochs": epochs, "processes": processes},
            "capture": {"n_points": 12},
            "storage": {"online": True, "activations": "none", **storage},
            "analysis": {"diagnostics": False},
        },
    )


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("members")
    one = run_experiment(split_config(1), root / "one", progress=False, make_figures=False)
    two = run_experiment(split_config(2), root / "two", progress=False, make_figures=False)
    return one, two, root


def test_split_run_gives_the_tables_of_one_process(pair) -> None:
    one, two, root = pair
    assert json.loads((root / "two" / "state" / "members.json").read_text())["groups"] == [
        [0, 2],
        [2, 3],
    ]
    assert not (root / "one" / "state" / "members.json").exists()
    # same rows in the same order: repeat numbers of the run, estimator/layer blocks, epochs
    keys = ["repeat", "epoch", "layer", "layer_name", "estimator", "unit"]
    pd.testing.assert_frame_equal(one.plane[keys], two.plane[keys])
    assert sorted(two.plane["repeat"].unique()) == [0, 1, 2]
    # binning on trajectories equal to float32 rounding: a bin edge may flip for a few samples
    diff = np.abs(one.plane[["i_xt", "i_ty"]].to_numpy() - two.plane[["i_xt", "i_ty"]].to_numpy())
    assert diff.max() < 0.01 and np.median(diff) == 0.0
    num = one.history.select_dtypes("number").columns
    np.testing.assert_allclose(one.history[num], two.history[num], rtol=1e-5, atol=1e-6)
    assert list(one.gradients.columns) == list(two.gradients.columns)
    pd.testing.assert_frame_equal(
        one.gradients[["repeat", "epoch", "layer"]], two.gradients[["repeat", "epoch", "layer"]]
    )
    np.testing.assert_allclose(
        one.gradients["grad_mean"], two.gradients["grad_mean"], rtol=1e-3, atol=1e-7
    )
    assert 0.0 <= two.seconds["capture_in_training"] <= two.seconds["training"]


def test_member_groups_train_the_members_of_the_run(pair) -> None:
    one, _two, _root = pair
    # members 2.. of the run alone (seed + 2) are the run's repeat 2
    alone = members.member_config(split_config(1), 2, 3)
    assert alone.seeds() == [2] and alone.training.processes == 1
    res = run_experiment(alone, _root / "alone", progress=False, make_figures=False)
    last = one.history[one.history["repeat"] == 2].reset_index(drop=True)
    mine = res.history.assign(repeat=2)
    np.testing.assert_allclose(last["train_loss"], mine["train_loss"], rtol=1e-5)


def test_resume_of_a_finished_split_run_reads_the_groups_checkpoints(pair) -> None:
    _one, two, root = pair
    (root / "two" / "information_plane.parquet").unlink()
    again = resume_experiment(root / "two", progress=False, make_figures=False)
    pd.testing.assert_frame_equal(again.plane, two.plane, check_exact=True)
    pd.testing.assert_frame_equal(again.history, two.history, check_exact=True)


def test_processes_auto_and_refusals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stored = load_config("default", overrides={"training": {"processes": "auto"}})
    assert members.member_processes(stored, CPU) == 1  # a store: one process, no error
    assert "activation store" in members.unsplittable_reasons(stored, CPU)[0]
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert members.member_processes(split_config("auto", repeats=3), CPU) == 3
    assert members.member_processes(split_config(5, repeats=3), CPU) == 3
    monkeypatch.setattr(members.multiprocessing, "parent_process", lambda: object())
    assert members.member_processes(split_config("auto"), CPU) == 1  # inside a worker
    monkeypatch.undo()
    bad = load_config(
        "default", overrides={"training": {"processes": 2}, "data": {"task": "12bit"}}
    )
    with pytest.raises(InfoplaneError, match=r"training.processes=2 cannot split.*--store none"):
        run_experiment(bad, tmp_path / "refused", progress=False)
    assert not (tmp_path / "refused").exists()  # refused before the directory is made
    ranged = split_config(2)
    ranged.estimators[0].params["range"] = "data"
    assert "range: data" in members.unsplittable_reasons(ranged, CPU)[0]
    assert "cuda" in members.unsplittable_reasons(split_config(2), torch.device("cuda"))[0]
    cnn = load_config("digits-cnn", overrides={"storage": {"online": True, "activations": "none"}})
    assert "model.arch" in members.unsplittable_reasons(cnn, CPU)[0]


def test_member_groups_and_their_file(tmp_path: Path) -> None:
    assert members.member_groups(50, 2) == [(0, 25), (25, 50)]
    assert members.member_groups(7, 3) == [(0, 2), (2, 5), (5, 7)]
    for r in range(1, 12):
        for k in range(1, r + 1):
            g = members.member_groups(r, k)
            sizes = [b - a for a, b in g]
            assert g[0][0] == 0 and g[-1][1] == r and max(sizes) - min(sizes) <= 1
    with pytest.raises(InfoplaneError, match="n_groups"):
        members.member_groups(3, 4)
    members.write_member_groups(tmp_path, [(0, 2), (2, 5)])
    assert members.read_member_groups(tmp_path, 5) == [(0, 2), (2, 5)]
    with pytest.raises(InfoplaneRuntimeError, match=r"members\.json"):
        members.read_member_groups(tmp_path, 6)  # does not cover the run's members
    (tmp_path / "members.json").write_text('{"groups": [[0, 3], [2, 5]]}')
    with pytest.raises(InfoplaneRuntimeError, match="contiguous"):
        members.read_member_groups(tmp_path, 5)
    (tmp_path / "members.json").write_text("not json")
    with pytest.raises(InfoplaneRuntimeError, match="damaged"):
        members.read_member_groups(tmp_path, 5)


def test_cli_processes_option(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["run", "--processes", "two", "-q", "-o", str(tmp_path / "r")])
    assert res.exit_code == 2
    assert "--processes 'two'" in " ".join(res.output.split())
    res = CliRunner().invoke(app, ["run", "--processes", "2", "-q", "-o", str(tmp_path / "r")])
    assert res.exit_code == 2
    assert "cannot split" in " ".join(res.output.split())
    assert not (tmp_path / "r").exists()


def _workers_of(pid: int) -> list[int]:
    """The child processes of ``pid`` (Linux /proc)."""
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = task / "children"
        if children.is_file():
            out += [int(c) for c in children.read_text().split()]
    return out


def _alive(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_sigkill_of_a_split_run_then_resume_equals_the_uninterrupted_split_run(
    tmp_path: Path,
) -> None:
    killed = tmp_path / "killed"
    args = ["--epochs", "600", "--repeats", "3", "--n-capture", "30", "--checkpoint-every", "5"]
    args += ["--online", "--store", "none", "--processes", "2", "--no-diagnostics"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "infoplane", "run", *args, "-q", "-o", str(killed)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    ckpts = [killed / "state" / "members" / g / "state" / "checkpoint.pt" for g in ("0000-0002",)]
    deadline = time.monotonic() + 240
    while not all(c.exists() for c in ckpts) and proc.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
    workers = _workers_of(proc.pid)
    assert len(workers) >= 2, workers  # the two member groups (and the resource tracker)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 60  # the workers see their parent gone at the next epoch
    while any(_alive(pid) for pid in workers):
        assert time.monotonic() < deadline, "a worker outlived the killed run"
        time.sleep(0.1)
    epoch = torch.load(ckpts[0], weights_only=True)["loop"]["epoch"]
    assert 5 <= epoch < 600
    assert not (killed / "information_plane.parquet").exists()
    res = CliRunner().invoke(app, ["run", "--resume", str(killed), "-q"])
    assert res.exit_code == 0, res.output
    cfg = validate_config(read_config_file(killed / "config.yaml"))
    run_experiment(cfg, tmp_path / "ref", progress=False, make_figures=False)
    for name in ("information_plane", "history", "gradients"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(tmp_path / "ref" / f"{name}.parquet"),
            pd.read_parquet(killed / f"{name}.parquet"),
            check_exact=True,
        )
