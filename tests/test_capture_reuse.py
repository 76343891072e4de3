"""A module called several times in one forward pass (a shared ReLU) is captured once per call.

A torchvision-style ``BasicBlock`` uses one ``ReLU`` twice: after the first conv-bn and after the
skip connection. Every capture path must give two representations, ``relu#0`` and ``relu#1``, each
with one row per input (issue 13, item 3). Before, only the last call was kept without batching and
both calls were appended with batching (twice the rows of the labels).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from infoplane.capture import (
    ActivationCapture,
    capture_activations,
    capture_members,
    run_and_capture,
    select_layers,
)
from infoplane.interface import InfoplaneError, InfoplaneRuntimeError


# ------------------------------------------------------------------------------------ the models
class LinearBlock(nn.Module):
    """relu(fc2(relu(fc1(x))) + x) with one in-place ReLU used twice; weights fixed by hand."""

    def __init__(self, scale: float = 1.0) -> None:
        super().__init__()
        self.fc1 = nn.Linear(2, 2)
        self.relu = nn.ReLU(inplace=True)
        self.fc2 = nn.Linear(2, 2)
        with torch.no_grad():
            self.fc1.weight.copy_(scale * torch.tensor([[1.0, -1.0], [-1.0, 1.0]]))
            self.fc1.bias.zero_()
            self.fc2.weight.copy_(torch.tensor([[-1.0, 0.0], [0.0, 2.0]]))
            self.fc2.bias.copy_(torch.tensor([0.0, -1.0]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.fc1(x))
        out = self.fc2(out) + x
        return self.relu(out)


class Net(nn.Module):
    """inp (Identity) -> block -> head: the block's ReLU is ``block.relu``, called twice."""

    def __init__(self, scale: float = 1.0) -> None:
        super().__init__()
        self.inp = nn.Identity()
        self.block = LinearBlock(scale)
        self.head = nn.Linear(2, 2)
        with torch.no_grad():
            self.head.weight.copy_(torch.eye(2))
            self.head.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.block(self.inp(x)))


X = torch.tensor([[1.0, 0.0], [0.0, 2.0], [3.0, 1.0]])
# by hand: fc1(x) = (x0 - x1, x1 - x0); relu#0 = its positive part;
# fc2(h) + x = (-h0 + x0, 2 h1 - 1 + x1); relu#1 = its positive part
FC1 = torch.tensor([[1.0, -1.0], [-2.0, 2.0], [2.0, -2.0]])
RELU0 = torch.tensor([[1.0, 0.0], [0.0, 2.0], [2.0, 0.0]])
PRE1 = torch.tensor([[0.0, -1.0], [0.0, 5.0], [1.0, 0.0]])
RELU1 = torch.tensor([[0.0, 0.0], [0.0, 5.0], [1.0, 0.0]])
REUSED = ["block.relu#0", "block.relu#1"]


def reference(x: np.ndarray, scale: float = 1.0) -> dict[str, np.ndarray]:
    """The block's representations computed with numpy, independently of the hooks."""
    w1 = scale * np.array([[1.0, -1.0], [-1.0, 1.0]])
    w2, b2 = np.array([[-1.0, 0.0], [0.0, 2.0]]), np.array([0.0, -1.0])
    fc1 = x @ w1.T
    relu0 = np.maximum(fc1, 0.0)
    relu1 = np.maximum(relu0 @ w2.T + b2 + x, 0.0)
    return {"block.fc1": fc1, "block.relu#0": relu0, "block.relu#1": relu1}


class BasicBlock(nn.Module):
    """torchvision's BasicBlock: conv-bn-relu-conv-bn, plus the input, then the same ReLU again."""

    def __init__(self, channels: int = 2) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += identity
        return self.relu(out)


class TinyResNet(nn.Module):
    def __init__(self, seed: int = 0, n_classes: int = 2) -> None:
        super().__init__()
        torch.manual_seed(seed)
        self.stem = nn.Conv2d(1, 2, 3, padding=1)
        self.block1 = BasicBlock(2)
        self.pool = nn.AdaptiveAvgPool2d(2)
        self.fc = nn.Linear(8, n_classes)
        with torch.no_grad():  # running statistics that are not the identity
            for bn in (self.block1.bn1, self.block1.bn2):
                bn.running_mean.uniform_(-0.5, 0.5)
                bn.running_var.uniform_(0.5, 2.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.pool(self.block1(self.stem(x))).flatten(1))


def no_hooks(net: nn.Module) -> bool:
    return all(not m._forward_hooks and not m._forward_pre_hooks for m in net.modules())


# ------------------------------------------------------------------------- hand-checked values
def test_capture_activations_gives_one_representation_per_call() -> None:
    net = Net()
    with torch.no_grad(), capture_activations(net, ["block.fc1", "block.relu", "head"]) as acts:
        net(X)
    # forward-pass order; the ReLU called twice gets #0 and #1, the others keep their names
    assert list(acts) == ["block.fc1", "block.relu#0", "block.relu#1", "head"]
    assert torch.equal(acts["block.fc1"], FC1)  # cloned before the in-place ReLU overwrote it
    assert torch.equal(acts["block.relu#0"], RELU0)
    assert torch.equal(acts["block.relu#1"], RELU1)
    assert torch.equal(acts["head"], RELU1)  # head is the identity
    assert no_hooks(net)


@pytest.mark.parametrize("batch_size", [None, 1, 2, 3, 10])
def test_run_and_capture_with_and_without_batches(batch_size: int | None) -> None:
    net = Net()
    net.train()
    acts = run_and_capture(net, X, nn.ReLU, batch_size=batch_size)
    assert list(acts) == REUSED
    assert torch.equal(acts["block.relu#0"], RELU0)  # 3 rows each: not 6, not the last call only
    assert torch.equal(acts["block.relu#1"], RELU1)
    assert net.training and no_hooks(net)


def test_inputs_of_a_reused_module_with_pre_hooks() -> None:
    net = Net()
    acts = run_and_capture(net, X, ["block.relu"], inputs=True, batch_size=2)
    assert torch.equal(acts["block.relu#0"], FC1)
    assert torch.equal(acts["block.relu#1"], PRE1)


def test_one_call_by_its_index_and_by_globs() -> None:
    net = Net()
    only = run_and_capture(net, X, ["block.relu#1"], batch_size=2)
    assert list(only) == ["block.relu#1"] and torch.equal(only["block.relu#1"], RELU1)
    assert list(run_and_capture(net, X, "*#1")) == ["block.relu#1"]  # only the ReLU has a call 1
    assert list(run_and_capture(net, X, "block.relu#*")) == REUSED
    in_block = ["block.fc1", "block.relu#0", "block.fc2", "block.relu#1"]  # forward-pass order
    assert list(run_and_capture(net, X, "block.*")) == in_block
    # without an example nothing runs and the modules are named; with one, the representations
    assert select_layers(net, ["block.relu#1", "inp"]) == ["inp", "block.relu#1"]
    assert select_layers(net, "block.*") == ["block.fc1", "block.relu", "block.fc2"]
    names = select_layers(net, ["head", nn.ReLU, "inp"], example=X[:2])
    assert names == ["inp", "block.relu#0", "block.relu#1", "head"]
    # the representation names select the same representations again
    assert list(run_and_capture(net, X, names)) == names
    assert no_hooks(net) and net.training


def test_a_module_called_once_keeps_its_plain_name_even_when_asked_by_index() -> None:
    net = Net()
    acts = run_and_capture(net, X, ["block.fc1#0", "head"])
    assert list(acts) == ["block.fc1", "head"] and torch.equal(acts["block.fc1"], FC1)


class Doubler(nn.Module):
    """Applies one Linear (weight 2, no bias) ``k`` times: call i outputs x * 2**(i + 1)."""

    def __init__(self, k: int) -> None:
        super().__init__()
        self.k = k
        self.lin = nn.Linear(1, 1, bias=False)
        with torch.no_grad():
            self.lin.weight.fill_(2.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for _ in range(self.k):
            x = self.lin(x)
        return x


@settings(max_examples=40, deadline=None)
@given(
    k=st.integers(1, 4),
    n=st.integers(1, 12),
    batch_size=st.one_of(st.none(), st.integers(1, 14)),
    inputs=st.booleans(),
)
def test_k_calls_give_k_named_representations_in_any_batching(
    k: int, n: int, batch_size: int | None, inputs: bool
) -> None:
    x = torch.arange(1.0, n + 1.0).reshape(n, 1)
    acts = run_and_capture(Doubler(k), x, ["lin"], batch_size=batch_size, inputs=inputs)
    names = ["lin"] if k == 1 else [f"lin#{i}" for i in range(k)]
    assert list(acts) == names
    for i, name in enumerate(names):
        power = i if inputs else i + 1  # the input of call i is the output of call i - 1
        assert torch.equal(acts[name], x * 2.0**power)


# ------------------------------------------------------------------------------------ ensembles
def test_capture_members_of_a_module_ensemble() -> None:
    from infoplane.training.module_trainer import ModuleEnsemble

    ens = ModuleEnsemble(lambda s: Net(scale=1.0 + s), seeds=[0, 1], sample_ndim=1)
    x = torch.randn(7, 2)
    for batch_size in (None, 3):
        acts = capture_members(ens, x, ["block.fc1", "block.relu"], batch_size=batch_size)
        assert list(acts) == ["block.fc1", *REUSED]
        for r in range(2):
            ref = reference(x.numpy().astype(np.float64), scale=1.0 + r)
            for name in acts:
                assert acts[name].shape == (2, 7, 2)
                np.testing.assert_allclose(acts[name][r], ref[name], rtol=1e-5, atol=1e-6)
    assert not np.allclose(acts["block.relu#0"][0], acts["block.relu#0"][1])
    assert no_hooks(ens)


def test_stacked_ensemble_with_sample_dims_two() -> None:
    class Stacked(nn.Module):
        """R=2 copies as one batched computation; the shared ReLU runs twice on (R, n, 2)."""

        def __init__(self) -> None:
            super().__init__()
            self.relu = nn.ReLU()
            self.scale = torch.tensor([1.0, 2.0])[:, None, None]

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            h = self.relu(x.unsqueeze(0) * self.scale - 1.0)
            return self.relu(-h + 1.0)

    x = torch.tensor([[0.0, 1.0], [2.0, 3.0], [1.5, 0.5]])
    acts = run_and_capture(Stacked(), x, nn.ReLU, sample_dims=2, batch_size=2)
    want0 = torch.stack([torch.relu(x - 1.0), torch.relu(2 * x - 1.0)])
    assert acts["relu#0"].shape == (2, 3, 2)
    assert torch.equal(acts["relu#0"], want0)
    assert torch.equal(acts["relu#1"], torch.relu(1.0 - want0))


# ------------------------------------------------------------------------------------- Recorder
@pytest.mark.parametrize("store", [False, True])
def test_recorder_records_both_calls_and_estimates_the_plane(tmp_path, store: bool) -> None:
    from infoplane.run import Recorder

    net = Net()
    y = torch.tensor([0, 1, 1])
    rec = Recorder(
        net,
        X,
        y,
        layers=[nn.ReLU, "head"],
        batch_size=2,
        store=tmp_path / "a.zarr" if store else None,
    )
    assert rec.layers == [*REUSED, "head"]
    for epoch in range(2):
        rec.capture(epoch)
    assert rec.activations("block.relu#0").shape == (2, 3, 2)
    np.testing.assert_array_equal(rec.activations("block.relu#0")[1], RELU0.numpy())
    np.testing.assert_array_equal(rec.activations("block.relu#1")[0], RELU1.numpy())
    table = rec.estimate("binning", n_bins=4, range="data")
    assert table["layer_name"].unique().tolist() == [*REUSED, "head"]
    assert table["layer"].unique().tolist() == [1, 2, 3]
    # relu#0 puts the three inputs in three bins: I(X;T) = log2 3 bits and I(T;Y) = H(Y)
    first = table[table["layer_name"] == "block.relu#0"]
    assert first["i_xt"].to_numpy() == pytest.approx(np.log2(3))
    h_y = -(1 / 3) * np.log2(1 / 3) - (2 / 3) * np.log2(2 / 3)
    assert first["i_ty"].to_numpy() == pytest.approx(h_y)
    assert (table["unit"] == "bits").all()
    assert no_hooks(net)


def test_recorder_default_layers_name_every_call() -> None:
    from infoplane.run import Recorder

    rec = Recorder(Net(), X, torch.tensor([0, 1, 1]))
    assert rec.layers == ["inp", "block.fc1", "block.relu#0", "block.fc2", "block.relu#1", "head"]


# ------------------------------------------------------------------ names are stable, or it fails
class Varying(nn.Module):
    """Calls its ReLU once per row of the batch's first column that is positive (data-dependent)."""

    def __init__(self) -> None:
        super().__init__()
        self.relu = nn.ReLU()
        self.repeat = 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for _ in range(self.repeat):
            x = self.relu(x)
        return x


def test_a_pass_with_another_number_of_calls_fails_naming_the_module() -> None:
    net = Varying()
    with pytest.raises(InfoplaneRuntimeError, match="'relu' was called 3 time"):
        with ActivationCapture(net, ["relu"], accumulate=True) as cap:
            net(torch.ones(2, 1))
            net.repeat = 3
            net(torch.ones(2, 1))
    assert cap.names == ["relu#0", "relu#1"] and no_hooks(net)

    class ByBatch(Varying):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            self.repeat = 2 if x.shape[0] > 1 else 1
            return super().forward(x)

    net = ByBatch()
    net.train()
    with pytest.raises(InfoplaneRuntimeError, match="'relu'"):
        run_and_capture(net, torch.ones(3, 1), ["relu"], batch_size=2)  # chunks of 2, then 1
    assert no_hooks(net) and net.training


def test_recorder_refuses_a_capture_with_another_number_of_calls() -> None:
    from infoplane.run import Recorder

    net = Varying()
    rec = Recorder(net, torch.ones(4, 1), [0, 1, 0, 1], layers=["relu#0"])
    rec.capture(0)
    net.repeat = 3
    with pytest.raises(InfoplaneRuntimeError, match="'relu'"):
        rec.capture(1)
    assert rec.epochs == [0] and no_hooks(net)


def test_members_with_another_number_of_calls_fail() -> None:
    from infoplane.training.module_trainer import ModuleEnsemble

    def factory(seed: int) -> nn.Module:
        net = Varying()
        net.repeat = 2 + seed
        return net

    ens = ModuleEnsemble(factory, seeds=[0, 1], sample_ndim=1)
    with pytest.raises(InfoplaneRuntimeError, match=r"member 1.*'relu'"):
        capture_members(ens, torch.ones(3, 1), ["relu"])


# ---------------------------------------------------------------------------------- bad input
def test_layer_specs_that_match_nothing_name_the_argument_and_valid_names() -> None:
    net = Net()
    with pytest.raises(InfoplaneError) as err:
        select_layers(net, ["block.relux"])
    message = str(err.value)
    assert message.startswith("layers: 'block.relux' matches no module")
    assert "'block.relu'" in message and "'block.fc1'" in message
    with pytest.raises(InfoplaneError, match=r"^capture\.layers: 'blk\.\*' matches no module"):
        select_layers(net, "blk.*", argument="capture.layers")
    with pytest.raises(InfoplaneError, match="call index after '#'"):
        select_layers(net, "block.relu#last")
    with pytest.raises(InfoplaneError, match="no module of Net is a Conv2d"):
        select_layers(net, nn.Conv2d)
    with pytest.raises(InfoplaneError, match="layers is empty"):
        select_layers(net, [])
    with pytest.raises(InfoplaneError, match=r"'block.relu#2' asks for call 2 .* called 2 time"):
        run_and_capture(net, X, ["block.relu#2"])
    with pytest.raises(InfoplaneError, match=r"'block.fc1#1' asks for call 1"):
        select_layers(net, ["block.fc1#1"], example=X)
    with pytest.raises(InfoplaneError, match="batch_size must be a positive integer"):
        run_and_capture(net, X, ["head"], batch_size=0)
    assert no_hooks(net) and net.training


def test_a_named_module_that_is_never_called_is_an_error() -> None:
    net = Net()
    net.unused = nn.Tanh()
    with pytest.raises(InfoplaneError, match="'unused' is never called"):
        run_and_capture(net, X, ["unused", "head"])
    acts = run_and_capture(net, X, ["unused", "head"], skip_uncalled=True)
    assert list(acts) == ["head"]


# --------------------------------------------------------- a residual CNN, end to end to the plane
def test_basic_block_with_shared_inplace_relu_and_its_plane() -> None:
    from infoplane.estimators import make_estimator

    net = TinyResNet(seed=3)
    torch.manual_seed(0)
    x = torch.randn(40, 1, 4, 4)
    labels = np.arange(40) % 2
    whole = run_and_capture(net, x, ["block1.relu", "block1.bn2", "fc"])
    acts = run_and_capture(net, x, ["block1.relu", "block1.bn2", "fc"], batch_size=16)
    assert list(acts) == ["block1.relu#0", "block1.bn2", "block1.relu#1", "fc"]
    for name, value in acts.items():
        assert value.shape[0] == 40
        assert torch.allclose(value, whole[name], atol=1e-6)
    # independent route: the block's modules applied by hand, in eval mode
    net.eval()
    with torch.no_grad():
        h = net.stem(x)
        relu0 = torch.relu(net.block1.bn1(net.block1.conv1(h)))
        bn2 = net.block1.bn2(net.block1.conv2(relu0))
        relu1 = torch.relu(bn2 + h)
    assert torch.allclose(acts["block1.relu#0"], relu0.flatten(1), atol=1e-6)
    assert torch.allclose(acts["block1.bn2"], bn2.flatten(1), atol=1e-6)  # before += and ReLU
    assert torch.allclose(acts["block1.relu#1"], relu1.flatten(1), atol=1e-6)
    assert not torch.allclose(acts["block1.relu#0"], acts["block1.relu#1"])
    # the plane: one point per representation, labels and samples agree
    est = make_estimator("binning", n_bins=8, range="data")
    for name in ("block1.relu#0", "block1.relu#1"):
        i_xt, i_ty = est.information_plane(acts[name].numpy()[None], labels)
        assert 0.0 < float(np.ravel(i_ty)[0]) <= 1.0 + 1e-9
        assert float(np.ravel(i_ty)[0]) <= float(np.ravel(i_xt)[0]) <= np.log2(40) + 1e-9


# ------------------------------------------------------------------------------- the run pipeline
def residual_factory(seed: int, in_shape: tuple, n_classes: int) -> nn.Module:
    """A model factory (``model.arch='factory'``) whose block reuses its ReLU."""

    class Residual(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc_in = nn.Linear(int(np.prod(in_shape)), 4)
            self.block = nn.Module()
            self.block.fc = nn.Linear(4, 4)
            self.block.relu = nn.ReLU(inplace=True)
            self.fc_out = nn.Linear(4, n_classes)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            h = self.block.relu(self.fc_in(x.flatten(1)))
            h = self.block.relu(self.block.fc(h) + h)
            return self.fc_out(h)

    return Residual()


def run_plane(tmp_path: Any, online: bool) -> Any:
    from infoplane.run import load_config, run_experiment

    overrides = {
        "repeats": 2,
        "training": {"epochs": 3},
        "capture": {"n_points": 2, "layers": ["block.relu"], "batch_size": 1000},
        "model": {"arch": "factory", "factory": "test_capture_reuse:residual_factory"},
        "storage": {"online": online},
        "estimators": [{"name": "binning", "params": {"n_bins": 10, "range": [0, 3]}}],
    }
    cfg = load_config("default", overrides=overrides)
    out = tmp_path / ("online" if online else "offline")
    return run_experiment(cfg, out, progress=False, make_figures=False).plane


def check_plane(plane: Any) -> None:
    assert plane["layer_name"].unique().tolist() == REUSED
    assert plane["layer"].unique().tolist() == [1, 2]
    n_epochs = plane["epoch"].nunique()
    assert n_epochs >= 2 and len(plane) == 2 * n_epochs * 2  # repeats x epochs x representations
    assert plane["i_xt"].between(0, 12).all() and (plane["unit"] == "bits").all()


@pytest.fixture(scope="module")
def offline_plane(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return run_plane(tmp_path_factory.mktemp("reuse"), online=False)


def test_run_pipeline_with_a_reused_relu(offline_plane: Any) -> None:
    """Activations in the store (estimated after training): one layer per call of the ReLU."""
    check_plane(offline_plane)


def test_online_estimation_names_each_call_like_the_store(tmp_path, offline_plane: Any) -> None:
    """Online estimates (during training) label the layers as the store does, with equal values."""
    online, offline = run_plane(tmp_path, online=True), offline_plane
    check_plane(online)
    cols = ["repeat", "epoch", "layer", "layer_name", "i_xt", "i_ty"]
    pd_online = online[cols].reset_index(drop=True)
    pd_offline = offline[cols].reset_index(drop=True)
    assert pd_online.equals(pd_offline)
