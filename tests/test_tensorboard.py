"""TensorBoard logging, read back with TensorBoard's own ``EventAccumulator``.

Every scalar is compared with the table it was logged from (mean over repeats per epoch, layer and
estimator; TensorBoard stores float32), for the bare writer, ``Recorder`` (online: one step per
capture; offline: at ``estimate``), ``infoplane run --tensorboard DIR`` and a finished run
directory. Flags travel with the values (a ``flagged`` share and a text entry); the unit is in the
tag. A missing ``tensorboard`` package and a bad config are usage errors.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from infoplane.interface import InfoplaneError
from infoplane.run import Recorder
from infoplane.run.tensorboard import PlaneLogger

pytestmark = pytest.mark.filterwarnings("ignore:.*outside the binning range")


def _events(log_dir: Path) -> EventAccumulator:
    acc = EventAccumulator(str(log_dir), size_guidance={"scalars": 0, "images": 0, "tensors": 0})
    acc.Reload()
    return acc


def _scalars(acc: EventAccumulator, tag: str) -> tuple[list[int], np.ndarray]:
    events = acc.Scalars(tag)
    return [e.step for e in events], np.array([e.value for e in events])


def _check_plane(acc: EventAccumulator, table: pd.DataFrame) -> int:
    """Every (estimator, layer) series equals the table's mean over repeats; returns #series."""
    unit_of = table.groupby("estimator")["unit"].first()
    means = table.groupby(["estimator", "layer", "epoch"])[["i_xt", "i_ty"]].mean()
    names = table.groupby("layer")["layer_name"].first()
    n = 0
    for (est, layer), part in means.groupby(level=[0, 1]):
        lay = f"{layer:02d}_{names[layer]}".replace("#", "_")
        epochs = part.index.get_level_values("epoch").tolist()
        for col, q in (("i_xt", "I_XT"), ("i_ty", "I_TY")):
            steps, values = _scalars(acc, f"{q}_{unit_of[est]}/{est}/{lay}")
            assert steps == epochs
            np.testing.assert_allclose(values, part[col].to_numpy(), rtol=1e-6, atol=1e-7)
        n += 1
    return n


def test_plane_logger_writes_means_flags_units_and_figures(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    rows = []
    for est, unit in (("binning", "bits"), ("kde_upper", "nats")):
        for repeat in (0, 1):
            for epoch in (0, 3, 10):
                for layer, name in ((1, "fc"), (2, "relu#1")):
                    flag = (
                        "sparse_bins" if (est, repeat, epoch, layer) == ("binning", 1, 3, 2) else ""
                    )
                    rows.append(
                        dict(repeat=repeat, epoch=epoch, layer=layer, layer_name=name,
                             estimator=est, i_xt=rng.uniform(0, 5), i_ty=rng.uniform(0, 1),
                             unit=unit, flags=flag)
                    )  # fmt: skip
    table = pd.DataFrame(rows)
    with PlaneLogger(tmp_path / "one", ixy=1.0) as tb:  # one unit: one figure tag
        assert tb.log_plane(table[table["estimator"] == "binning"], figure_epochs=[10]) == 3
    images = _events(tmp_path / "one").Images("information_plane")
    assert [i.step for i in images] == [10] and images[0].width > 200
    with PlaneLogger(tmp_path / "mixed", ixy=1.0) as tb:  # bits and nats: a figure per unit
        assert tb.log_plane(table, figure_epochs=[3]) == 3
    acc = _events(tmp_path / "mixed")
    assert _check_plane(acc, table) == 4
    assert "I_XT_nats/kde_upper/02_relu_1" in acc.Tags()["scalars"]  # unit and '#' in the tag
    assert sorted(acc.Tags()["images"]) == ["information_plane/bits", "information_plane/nats"]
    steps, share = _scalars(acc, "flagged/binning/02_relu_1")
    assert steps == [0, 3, 10] and share.tolist() == [0.0, 0.5, 0.0]  # 1 of 2 repeats flagged
    assert _scalars(acc, "flagged/kde_upper/01_fc")[1].tolist() == [0.0, 0.0, 0.0]
    text = acc.Tensors("flags/binning/text_summary")
    assert [t.step for t in text] == [3]
    assert b"sparse_bins" in text[0].tensor_proto.string_val[0]
    assert "flags/kde_upper/text_summary" not in acc.Tags()["tensors"]  # nothing flagged there


def test_missing_tensorboard_package_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # import now fails
    with pytest.raises(InfoplaneError, match=r"pip install 'infoplane\[tensorboard\]'"):
        PlaneLogger(tmp_path / "tb")
    assert not (tmp_path / "tb").exists()
    (tmp_path / "file").write_text("")
    monkeypatch.delitem(sys.modules, "torch.utils.tensorboard")
    with pytest.raises(InfoplaneError, match="is a file"):
        PlaneLogger(tmp_path / "file")


def test_config_setting_is_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from infoplane.run.config import validate_config

    assert validate_config({"tensorboard": "tb"}).tensorboard == "tb"
    assert validate_config({"tensorboard": True}).tensorboard is True
    assert validate_config({}).tensorboard is None
    with pytest.raises(InfoplaneError, match="tensorboard"):
        validate_config({"tensorboard": ""})
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "tensorboard" else real(name)
    )
    with pytest.raises(InfoplaneError, match=r"infoplane\[tensorboard\]"):
        validate_config({"tensorboard": True})


def _recorder_setup() -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 2))
    x = torch.randn(48, 4)
    return net, x, (x[:, 0] > 0).long()


def _train_epoch(net: nn.Module, x: torch.Tensor, y: torch.Tensor, opt, grads=None) -> None:  # type: ignore[no-untyped-def]
    for batch in torch.arange(len(x)).split(12):
        opt.zero_grad()
        nn.functional.cross_entropy(net(x[batch]), y[batch]).backward()
        if grads is not None:
            grads.step()
        opt.step()


def test_recorder_online_logs_each_capture(tmp_path: Path) -> None:
    net, x, y = _recorder_setup()
    rec = Recorder(
        net, x, y, layers=["1", "2"], online=("binning", {"n_bins": 8}), tensorboard=tmp_path,
        gradients=True,
    )  # fmt: skip
    opt = torch.optim.SGD(net.parameters(), lr=0.5)
    rec.capture(0)
    n_images = [len(_events(tmp_path).Images("information_plane"))]
    for epoch in (1, 2):
        _train_epoch(net, x, y, opt, rec.gradients)
        rec.gradients.end_epoch(epoch)
        rec.capture(epoch)
        if epoch == 1:
            n_images.append(len(_events(tmp_path).Images("information_plane")))
    rec.close()
    assert n_images == [1, 2]  # one figure per capture, written as it happens
    table = rec.estimate()
    assert table["epoch"].unique().tolist() == [0, 1, 2]
    acc = _events(tmp_path)
    assert _check_plane(acc, table) == 2
    assert [i.step for i in acc.Images("information_plane")] == [0, 1, 2]
    grads = rec.gradients.to_frame()
    for layer, name in ((1, "1"), (2, "2")):
        steps, snr = _scalars(acc, f"SNR/{layer:02d}_{name}")
        g = grads[grads["layer"] == layer]
        assert steps == g["epoch"].tolist() == [1, 2]
        np.testing.assert_allclose(snr, g["snr"], rtol=1e-6)
    # online without a store keeps no activations: another estimator is refused, by name
    with pytest.raises(InfoplaneError, match="keeps no activations"):
        rec.estimate("kde_upper")
    with pytest.raises(InfoplaneError, match="store="):
        rec.activations("1")


def test_recorder_offline_logs_its_estimate(tmp_path: Path) -> None:
    net, x, y = _recorder_setup()
    tb = PlaneLogger(tmp_path, figures=False)
    rec = Recorder(net, x, y, layers=["1"], tensorboard=tb)
    opt = torch.optim.SGD(net.parameters(), lr=0.5)
    for epoch in (0, 1, 2):
        if epoch:
            _train_epoch(net, x, y, opt)
        rec.capture(epoch)
    assert _events(tmp_path).Tags()["scalars"] == []  # offline: nothing until estimate()
    table = rec.estimate("binning", n_bins=5, range="data")
    rec.close()
    acc = _events(tmp_path)
    assert _check_plane(acc, table) == 1
    assert acc.Tags()["images"] == []  # figures=False


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from typer.testing import CliRunner

    from infoplane.cli import app

    root = tmp_path_factory.mktemp("tbrun")
    out, tb = root / "run", root / "tb"
    cfg = root / "c.yaml"
    cfg.write_text("analysis:\n  layer_check: false\n  diagnostics: false\n")
    args = ["run", "--epochs", "6", "--repeats", "2", "--n-capture", "2", "--hidden", "5,3",
            "--quiet", "--config", str(cfg), "--out", str(out), "--tensorboard", str(tb)]  # fmt: skip
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    return out, tb


def test_cli_run_logs_the_plane_and_snr_per_captured_epoch(cli_run: tuple[Path, Path]) -> None:
    import yaml

    out, tb = cli_run
    assert yaml.safe_load((out / "config.yaml").read_text())["tensorboard"] == str(tb.resolve())
    log_dir = tb / out.name  # DIR/<run directory name>: one TensorBoard line per run
    plane = pd.read_parquet(out / "information_plane.parquet")
    assert set(plane["repeat"]) == {0, 1}
    acc = _events(log_dir)
    assert _check_plane(acc, plane) == 3  # 2 hidden layers and the output, means of 2 networks
    epochs = sorted(plane["epoch"].unique().tolist())
    assert [i.step for i in acc.Images("information_plane")] == epochs  # <= 50: every epoch
    grads = pd.read_parquet(out / "gradients.parquet")
    g = grads[grads["layer"] == 1].groupby("epoch")["snr"].mean()
    steps, snr = _scalars(acc, f"SNR/01_{grads['layer_name'].iloc[0]}")
    assert steps == g.index.tolist()
    np.testing.assert_allclose(snr, g.to_numpy(), rtol=1e-6)


def test_log_run_directory_replays_a_finished_run(cli_run: tuple[Path, Path]) -> None:
    from infoplane.integrations import log_run_directory

    out, _ = cli_run
    log_dir = log_run_directory(out, figures=False)
    assert log_dir == out / "tensorboard"
    assert _check_plane(_events(log_dir), pd.read_parquet(out / "information_plane.parquet")) == 3
    with pytest.raises(InfoplaneError, match=r"no information_plane\.parquet"):
        log_run_directory(out / "state")


def test_import_integrations_stays_light() -> None:
    code = (
        "import json, sys, infoplane.integrations as i; d = dir(i); "
        "print(json.dumps({m: m in sys.modules for m in "
        "('lightning', 'tensorboard', 'torch', 'matplotlib')}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip().splitlines()[-1] == (
        '{"lightning": false, "tensorboard": false, "torch": false, "matplotlib": false}'
    )


def test_resume_never_writes_to_a_folder_named_by_the_run_directory(tmp_path: Path) -> None:
    """A run directory is untrusted: its config.yaml cannot choose where events are written."""
    import shutil

    import yaml

    from infoplane.run.config import load_config
    from infoplane.run.engine import resume_experiment, run_experiment

    cfg = load_config(
        "default",
        overrides={
            "training": {"epochs": 4},
            "repeats": 1,
            "capture": {"n_points": 2},
            "model": {"hidden": [3]},
            "analysis": {"layer_check": False, "diagnostics": False},
            "tensorboard": True,
        },
    )
    run_dir = tmp_path / "run"
    run_experiment(cfg, run_dir, progress=False, make_figures=False)
    outside = tmp_path / "elsewhere"
    saved = yaml.safe_load((run_dir / "config.yaml").read_text())
    saved["tensorboard"] = str(outside)  # what a malicious run directory could say
    (run_dir / "config.yaml").write_text(yaml.safe_dump(saved))
    shutil.rmtree(run_dir / "tensorboard")
    with pytest.warns(UserWarning, match="outside the run"):
        resume_experiment(run_dir, progress=False, make_figures=False)
    assert not outside.exists()
    assert any((run_dir / "tensorboard").rglob("events.out.tfevents.*"))
