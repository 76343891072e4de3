"""Gradient statistics of any nn.Module (issue 13, item 4): hand values, the layer rule, ensembles,
CNN and factory runs, and a user loop with Recorder.

The 2017 definitions (Shwartz-Ziv & Tishby, arXiv 1703.00810, Fig. 4): per layer, over the B
mini-batches of an epoch, grad_mean = ||mean_b g_b||, grad_std = sqrt(trace Cov_b g_b) (ddof 0),
snr = grad_mean / grad_std.
"""

from __future__ import annotations

import doctest
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from infoplane.interface import InfoplaneError
from infoplane.models.cnn import SmallCNN
from infoplane.models.ensemble import EnsembleMLP
from infoplane.training.gradients import COLUMNS, GradientStatistics, layer_parameters
from infoplane.training.module_trainer import ModuleEnsemble
from infoplane.training.trainer import TrainSettings, train_ensemble

# Two fixed batches for a linear model y_hat = w . x (no bias) and the quadratic loss
# L_b(w) = mean_i (w . x_i - y_i)^2, whose gradient is g_b = 2 mean_i (w . x_i - y_i) x_i.
BATCHES = [
    (torch.tensor([[1.0, 0.0]]), torch.tensor([0.0])),
    (torch.tensor([[1.0, 1.0]]), torch.tensor([0.0])),
]


def _linear(w: list[float]) -> nn.Linear:
    net = nn.Linear(2, 1, bias=False)
    with torch.no_grad():
        net.weight.copy_(torch.tensor([w]))
    return net


def _quadratic_epoch(model: nn.Module, stats: GradientStatistics, epoch: int) -> None:
    """One epoch over BATCHES without updates (the weights stay where the hand values need them)."""
    for x, y in BATCHES:
        model.zero_grad()
        out = model(x)  # (n, 1) for a plain model, (R, n, 1) for an ensemble
        loss = ((out.squeeze(-1) - y) ** 2).mean(-1).sum()  # sum of the members' mean losses
        loss.backward()
        stats.step()
    stats.end_epoch(epoch)


def test_hand_values_of_a_linear_model_with_a_quadratic_loss():
    # w = (1, 0): g_1 = 2 * 1 * (1, 0) = (2, 0); g_2 = 2 * 1 * (1, 1) = (2, 2).
    # mean = (2, 1): ||mean|| = sqrt(5); deviations (0, -1), (0, 1): trace Cov = 1, std = 1.
    net = _linear([1.0, 0.0])
    stats = GradientStatistics(net, layers={"linear": ""})
    _quadratic_epoch(net, stats, epoch=1)
    frame = stats.to_frame()
    assert list(frame.columns) == list(COLUMNS) and len(frame) == 1
    row = frame.iloc[0]
    assert (row["repeat"], row["epoch"], row["layer"], row["layer_name"]) == (0, 1, 1, "linear")
    assert row["parameters"] == "weight"
    assert row["grad_mean"] == pytest.approx(math.sqrt(5.0), rel=1e-12)
    assert row["grad_std"] == pytest.approx(1.0, rel=1e-12)
    assert row["snr"] == pytest.approx(math.sqrt(5.0), rel=1e-12)
    assert row["weight_norm"] == pytest.approx(1.0, rel=1e-12)
    # normalised by ||w|| = 2 for w = (2, 0): g = (4, 0), (4, 4): mean (4, 2) -> 2 sqrt(5) / 2.
    net2 = _linear([2.0, 0.0])
    normed = GradientStatistics(net2, layers={"linear": ""}, normalize=True)
    _quadratic_epoch(net2, normed, epoch=3)
    row = normed.to_frame().iloc[0]
    assert row["grad_mean"] == pytest.approx(math.sqrt(5.0), rel=1e-12)
    assert row["grad_std"] == pytest.approx(1.0, rel=1e-12)  # ||(0, +-2)|| / 2
    assert row["snr"] == pytest.approx(math.sqrt(5.0), rel=1e-12)


def test_module_ensemble_members_are_repeats_with_their_own_hand_values():
    weights = {0: [1.0, 0.0], 1: [2.0, 0.0], 2: [0.0, 1.0]}
    ens = ModuleEnsemble(lambda seed: _linear(weights[seed]), seeds=[0, 1, 2], sample_ndim=1)
    stats = GradientStatistics(ens, layers={"linear": ""})
    assert stats.n_models == 3
    _quadratic_epoch(ens, stats, epoch=2)
    f = stats.to_frame().set_index("repeat")
    # member 2, w = (0, 1): g_1 = (0, 0), g_2 = 2 * 1 * (1, 1): mean (1, 1), std ||(1, 1)|| = sqrt 2
    expect = {0: (math.sqrt(5), 1.0, 1.0), 1: (2 * math.sqrt(5), 2.0, 2.0), 2: (2**0.5, 2**0.5, 1)}
    for r, (mean, std, wn) in expect.items():
        assert f.loc[r, "grad_mean"] == pytest.approx(mean, rel=1e-12)
        assert f.loc[r, "grad_std"] == pytest.approx(std, rel=1e-12)
        assert f.loc[r, "weight_norm"] == pytest.approx(wn, rel=1e-12)
    assert f.loc[2, "snr"] == pytest.approx(1.0, rel=1e-12)


class Block(nn.Module):
    """A residual block that calls one ReLU twice, as torchvision's BasicBlock does."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Linear(4, 4)
        self.bn1 = nn.BatchNorm1d(4)
        self.relu = nn.ReLU()
        self.conv2 = nn.Linear(4, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.conv2(h) + x)


def test_the_layer_rule_names_the_parameters_of_each_layer():
    cnn = SmallCNN((1, 8, 8), n_classes=10, seed=0)
    assert layer_parameters(cnn) == {
        "pool1": ("conv1.weight",),
        "pool2": ("conv2.weight",),
        "act3": ("fc1.weight",),
        "softmax": ("fc2.weight",),
    }
    mlp = EnsembleMLP(seeds=[0, 1], n_inputs=4, hidden=(3,), n_classes=2)
    assert layer_parameters(mlp) == {
        "layers.0.act": ("layers.0.linear.weight",),
        "layers.1.softmax": ("layers.1.linear.weight",),
    }
    net = nn.Sequential(nn.Flatten(), Block(), nn.Linear(4, 2))
    got = layer_parameters(net, ["1.relu#0", "1.relu#1", "1", "2", "1.conv*"])
    assert got == {
        "1.relu#0": ("1.bn1.weight",),  # nearest parameterised module before the ReLU
        "1.relu#1": ("1.bn1.weight",),
        "1": ("1.conv1.weight", "1.bn1.weight", "1.conv2.weight"),  # a module with parameters
        "2": ("2.weight",),
        "1.conv1": ("1.conv1.weight",),  # a glob, expanded in module order
        "1.conv2": ("1.conv2.weight",),
    }
    assert layer_parameters(net, {"1.relu#1": "1.conv2"}) == {"1.relu#1": ("1.conv2.weight",)}
    frozen = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2), nn.ReLU())
    frozen[1].weight.requires_grad_(False)
    assert layer_parameters(frozen, ["2"]) == {"2": ("1.bias",)}  # no trainable weight: all
    with pytest.raises(InfoplaneError, match="'nope' names no module"):
        layer_parameters(net, ["nope"])
    with pytest.raises(InfoplaneError, match="no trainable parameter at or before"):
        layer_parameters(net, ["0"])
    with pytest.raises(InfoplaneError, match="layer_names"):
        GradientStatistics(net)
    lenient = GradientStatistics(net, layers=["0", "2"], strict=False)
    assert lenient.layer_names == ["2"] and lenient.skipped == ["0"]


def _images(n: int = 48, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, size=n)
    x = rng.normal(size=(n, 1, 8, 8)).astype(np.float32) + y[:, None, None, None]
    return x, y.astype(np.int64)


def test_cnn_ensemble_statistics_equal_numpy_over_stored_gradients_and_solo_members():
    """Streaming per member = numpy over every stored mini-batch gradient; member r of an
    ensemble = the same network trained alone."""
    x, y = _images()
    settings = TrainSettings(epochs=1, batch_size=12, device="cpu", lr=3e-3)

    def make(seed: int) -> nn.Module:
        return SmallCNN((1, 8, 8), 3, channels=(2, 3), hidden=5, seed=seed)

    ens = ModuleEnsemble(make, seeds=[0, 1], sample_ndim=3)
    stats = GradientStatistics(ens, epochs=[1])
    names = [n for ns in stats.parameters.values() for n in ns]
    stored: list[list[np.ndarray]] = []

    def step(epoch, s, m):
        stats.step_fn(epoch, s, m)
        if epoch == 1:
            grads = [dict(member.named_parameters()) for member in m.members]
            stored.append([np.stack([g[n].grad.double().numpy() for g in grads]) for n in names])

    train_ensemble(ens, x, y, np.arange(36), np.arange(36, 48), settings, step_fn=step)
    frame = stats.to_frame()
    assert len(stored) == 3 and len(frame) == 2 * 4  # members x layers, one epoch
    for k, name in enumerate(names):
        g = np.stack([b[k] for b in stored]).reshape(3, 2, -1)  # (B, R, d)
        mean = np.linalg.norm(g.mean(0), axis=1)
        std = np.sqrt(g.var(0).sum(-1))
        sub = frame[frame["parameters"] == name].sort_values("repeat")
        np.testing.assert_allclose(sub["grad_mean"], mean, rtol=1e-10)
        np.testing.assert_allclose(sub["grad_std"], std, rtol=1e-8)
    solo = ModuleEnsemble(make, seeds=[1], sample_ndim=3)
    alone = GradientStatistics(solo, epochs=[1])
    train_ensemble(solo, x, y, np.arange(36), np.arange(36, 48), settings, step_fn=alone)
    a = alone.to_frame()
    b = frame[frame["repeat"] == 1]
    np.testing.assert_allclose(a["grad_mean"], b["grad_mean"], rtol=1e-6)
    np.testing.assert_allclose(a["grad_std"], b["grad_std"], rtol=1e-6)


def test_state_round_trip_mid_epoch_for_a_module_ensemble():
    ens = ModuleEnsemble(lambda s: _linear([1.0 + s, 0.0]), seeds=[0, 1], sample_ndim=1)
    whole = GradientStatistics(ens, layers={"linear": ""})
    _quadratic_epoch(ens, whole, epoch=1)
    first = GradientStatistics(ens, layers={"linear": ""})
    x, y = BATCHES[0]
    ens.zero_grad()
    ((ens(x).squeeze(-1) - y) ** 2).mean(-1).sum().backward()
    first.step()
    resumed = GradientStatistics(ens, layers={"linear": ""})
    resumed.load_state_dict(first.state_dict())
    x, y = BATCHES[1]
    ens.zero_grad()
    ((ens(x).squeeze(-1) - y) ** 2).mean(-1).sum().backward()
    resumed.step()
    resumed.end_epoch(1)
    pd.testing.assert_frame_equal(resumed.to_frame(), whole.to_frame())
    other = GradientStatistics(ens, layers={"other": ""})
    with pytest.raises(InfoplaneError, match="same model"):
        other.load_state_dict(whole.state_dict())


def test_user_loop_errors_name_the_fix():
    net = _linear([1.0, 0.0])
    stats = GradientStatistics(net, layers={"linear": ""})
    with pytest.raises(InfoplaneError, match=r"'weight' has no gradient.*backward"):
        stats.step()
    _quadratic_epoch(net, stats, epoch=1)
    with pytest.raises(InfoplaneError, match="already recorded"):
        stats.end_epoch(1)
    with pytest.raises(InfoplaneError, match="integer >= 0"):
        stats.end_epoch(-1)
    with pytest.raises(InfoplaneError, match="integer >= 0"):
        stats.end_epoch("2")
    net.zero_grad()
    ((net(BATCHES[0][0]).squeeze(-1) - BATCHES[0][1]) ** 2).mean().backward()
    stats.step(epoch=2)
    with pytest.raises(InfoplaneError, match=r"given epoch 2, not 3.*end_epoch\(2\)"):
        stats.end_epoch(3)
    with pytest.raises(InfoplaneError, match="while epoch 2 is open"):
        stats.step()
    stats.end_epoch(2)
    assert stats.to_frame()["epoch"].tolist() == [1, 2]
    only_two = GradientStatistics(net, epochs=[2], layers={"linear": ""})
    _quadratic_epoch(net, only_two, epoch=1)  # not a recorded epoch: discarded
    _quadratic_epoch(net, only_two, epoch=2)
    assert only_two.to_frame()["epoch"].tolist() == [2]


def factory(seed: int, in_shape: tuple, n_classes: int) -> nn.Module:
    return nn.Sequential(
        nn.Flatten(), nn.Linear(int(np.prod(in_shape)), 4), nn.Tanh(), nn.Linear(4, n_classes)
    )


def test_factory_run_writes_gradients_for_its_capture_layers(tmp_path: Path) -> None:
    from infoplane.run.config import load_config
    from infoplane.run.engine import run_experiment

    cfg = load_config(
        "default",
        overrides={
            "repeats": 2,
            "training": {"epochs": 3},
            "capture": {"n_points": 4, "layers": ["0", "2", "3"]},  # epochs 0, 1, 2, 3
            "model": {"arch": "factory", "factory": "test_gradients_any_module:factory"},
            "analysis": {"diagnostics": False},
        },
    )
    res = run_experiment(cfg, tmp_path / "f", progress=False, make_figures=False)
    g = pd.read_parquet(tmp_path / "f" / "gradients.parquet")
    pd.testing.assert_frame_equal(g, res.gradients)
    # "0" (the Flatten at the input) has no parameter at or before it: left out, not invented
    assert g.groupby(["layer", "layer_name", "parameters"]).size().to_dict() == {
        (2, "2", "1.weight"): 2 * 3,
        (3, "3", "3.weight"): 2 * 3,
    }
    plane_names = res.plane.drop_duplicates("layer").set_index("layer")["layer_name"]
    assert plane_names.loc[2] == "2" and plane_names.loc[3] == "3"  # same numbering as the plane
    assert (g["grad_std"] > 0).all() and np.isfinite(g["snr"]).all()


def test_cnn_run_writes_gradients_snr_figure_and_phases(tmp_path: Path) -> None:
    """The mnist-cnn preset (digits fallback), shrunk: one row set per analysed layer."""
    from infoplane.run.config import load_config
    from infoplane.run.engine import run_experiment

    cfg = load_config(
        "mnist-cnn",
        overrides={
            "repeats": 2,
            "training": {"epochs": 3},
            "capture": {"n_points": 4},  # epochs 0, 1, 2, 3 (3 points give 0, 1, 3)
            "data": {"mi_n": 100},
            "model": {"channels": [2, 3], "hidden": [8]},
            "analysis": {"diagnostics": False},
        },
    )
    out = tmp_path / "cnn"
    res = run_experiment(cfg, out, progress=False, make_figures=True)
    g = pd.read_parquet(out / "gradients.parquet")
    layers = ["pool1", "pool2", "act3", "softmax"]
    per_layer = g.groupby(["layer", "layer_name", "parameters"]).size()
    assert per_layer.to_dict() == {
        (1, "pool1", "conv1.weight"): 2 * 3,  # repeats x trained capture epochs (1, 2, 3)
        (2, "pool2", "conv2.weight"): 2 * 3,
        (3, "act3", "fc1.weight"): 2 * 3,
        (4, "softmax", "fc2.weight"): 2 * 3,
    }
    assert res.plane.drop_duplicates("layer")["layer_name"].tolist() == layers
    assert sorted(g["epoch"].unique().tolist()) == [1, 2, 3]
    assert ((g["grad_mean"] > 0) & (g["grad_std"] > 0) & (g["weight_norm"] > 0)).all()
    np.testing.assert_allclose(g["snr"], g["grad_mean"] / g["grad_std"])
    assert (out / "snr.png").stat().st_size > 0
    phases = pd.read_csv(out / "phases.csv")
    assert phases["layer"].tolist() == [1, 2, 3, 4]


def test_recorder_takes_gradient_statistics_and_gives_phases():
    from infoplane.run.recorder import Recorder

    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 2))
    x, y = torch.randn(40, 4), torch.arange(40) % 2
    rec = Recorder(net, x, y, layers=["1", "2"], gradients=True)
    assert rec.gradients.parameters == {"1": ("0.weight",), "2": ("2.weight",)}
    opt = torch.optim.SGD(net.parameters(), lr=0.05)
    for epoch in range(1, 5):
        for batch in torch.arange(40).split(10):
            opt.zero_grad()
            nn.functional.cross_entropy(net(x[batch]), y[batch]).backward()
            rec.gradients.step()
            opt.step()
        rec.gradients.end_epoch(epoch)
        rec.capture(epoch)
    frame = rec.gradients.to_frame()
    assert frame.groupby("layer_name").size().to_dict() == {"1": 4, "2": 4}
    phases = rec.phases(n_bins=10, range="data")
    assert phases["layer"].tolist() == [1, 2]
    with pytest.raises(InfoplaneError, match="follows layers"):
        Recorder(net, x, y, layers=["1"], gradients=GradientStatistics(net, layers=["2"]))
    # default layers start with a module that has no parameter before it: it gets no rows
    flat = nn.Sequential(nn.Flatten(), nn.Linear(4, 2), nn.Tanh())
    rec = Recorder(flat, x, y, gradients=True)
    assert rec.layers == ["0", "1", "2"] and rec.gradients.skipped == ["0"]
    assert rec.gradients.layer_numbers == [2, 3]
    with pytest.raises(InfoplaneError, match="gradients=True"):
        Recorder(net, x, y, layers=["1"]).phases()


def test_the_recorder_example_in_the_docstring_runs():
    finder = doctest.DocTestFinder(recurse=False)
    (test,) = finder.find(GradientStatistics, "GradientStatistics")
    source = "".join(ex.source for ex in test.examples)
    assert "Recorder(" in source and "stats.step()" in source and "end_epoch" in source
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    result = runner.run(test, out=lambda _: None)
    assert result.failed == 0 and result.attempted >= 10


def test_resume_without_saved_statistics_writes_none_rather_than_a_partial_table(caplog):
    from infoplane.run.engine import _resumed_gradients

    fresh = GradientStatistics(_linear([1.0, 0.0]), layers={"linear": ""})
    assert _resumed_gradients(fresh, None, -1) is fresh  # a new run
    assert _resumed_gradients(fresh, {"gradients": None}, 0) is fresh  # nothing trained yet
    with caplog.at_level("WARNING"):
        assert _resumed_gradients(fresh, {"gradients": None}, 3) is None  # older checkpoint
        other = GradientStatistics(_linear([1.0, 0.0]), layers={"other": ""}).state_dict()
        assert _resumed_gradients(fresh, {"gradients": other}, 3) is None  # other layers
    assert caplog.text.count("no gradient statistics in the resumed run") == 2
    net = _linear([1.0, 0.0])
    saved = GradientStatistics(net, layers={"linear": ""})
    _quadratic_epoch(net, saved, epoch=1)
    restored = _resumed_gradients(fresh, {"gradients": saved.state_dict()}, 1)
    pd.testing.assert_frame_equal(restored.to_frame(), saved.to_frame())
