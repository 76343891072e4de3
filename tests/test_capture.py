"""Forward-hook capture on hand-computable models (after pytorch/captum)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from infoplane.capture import ActivationCapture, capture_activations, run_and_capture, select_layers
from infoplane.interface import InfoplaneError
from infoplane.models import MLP


def tiny() -> nn.Sequential:
    net = nn.Sequential(nn.Linear(2, 2), nn.ReLU(inplace=True), nn.Linear(2, 1))
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor([[1.0, -1.0], [2.0, 0.5]]))
        net[0].bias.copy_(torch.tensor([0.0, -1.0]))
        net[2].weight.copy_(torch.tensor([[1.0, 1.0]]))
        net[2].bias.zero_()
    return net


def test_captures_hand_computed_values_and_survives_inplace_relu() -> None:
    net = tiny()
    x = torch.tensor([[1.0, 2.0], [3.0, 1.0]])
    with ActivationCapture(net, ["0", "1", "2"]) as cap:
        net(x)
    acts = cap.activations
    pre = torch.tensor([[-1.0, 2.0], [2.0, 5.5]])
    assert torch.equal(acts["0"], pre)  # the in-place ReLU ran after, but we cloned
    assert torch.equal(acts["1"], pre.clamp(min=0))
    assert torch.equal(acts["2"], torch.tensor([[2.0], [7.5]]))


def test_layer_inputs_with_pre_hooks_and_selection_by_type_and_glob() -> None:
    net = tiny()
    x = torch.tensor([[1.0, 2.0]])
    acts = run_and_capture(net, x, nn.Linear, inputs=True)
    assert list(acts) == ["0", "2"]
    assert torch.equal(acts["0"], x)
    assert select_layers(MLP(), "layers.*.act") == [f"layers.{i}.act" for i in range(5)]


def test_hooks_are_removed_even_when_forward_raises() -> None:
    net = tiny()
    with pytest.raises(RuntimeError):
        with ActivationCapture(net, ["0"]):
            net(torch.ones(1, 3))  # wrong input width
    assert all(not m._forward_hooks for m in net.modules())


def test_conv_maps_are_flattened_per_sample_and_batches_accumulate() -> None:
    net = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU())
    x = torch.randn(5, 1, 4, 4)
    acts = run_and_capture(net, x, ["0"], batch_size=2)
    assert acts["0"].shape == (5, 2 * 4 * 4)
    # batched evaluation may pick another conv algorithm: equal up to float32 rounding
    assert torch.allclose(acts["0"], net[0](x).detach().reshape(5, -1), atol=1e-6)


def test_context_manager_function_and_unknown_layer() -> None:
    net = tiny()
    with capture_activations(net, ["2"]) as acts:
        net(torch.ones(3, 2))
    assert acts["2"].shape == (3, 1)
    with pytest.raises(InfoplaneError, match="matches no module"):
        ActivationCapture(net, ["nope"])


def test_mlp_layer_names_capture_every_representation() -> None:
    net = MLP(seed=1)
    acts = run_and_capture(net, torch.zeros(4, 12), net.layer_names())
    assert [a.shape[1] for a in acts.values()] == [10, 7, 5, 4, 3, 2]
    assert torch.allclose(acts["layers.5.softmax"].sum(1), torch.ones(4))


# ------------------------------------------------------------ conv, recorder, ensembles
def test_conv_layer_hand_computed_with_input_and_output() -> None:
    conv = nn.Conv2d(1, 1, 2, bias=True)
    with torch.no_grad():
        conv.weight.copy_(torch.tensor([[[[1.0, 0.0], [0.0, -1.0]]]]))
        conv.bias.fill_(0.5)
    net = nn.Sequential(conv, nn.ReLU(inplace=True))
    x = torch.arange(9.0).reshape(1, 1, 3, 3)  # [[0,1,2],[3,4,5],[6,7,8]]
    outs = run_and_capture(net, x, ["0"])
    ins = run_and_capture(net, x, ["0", "1"], inputs=True)
    # out[i,j] = x[i,j] - x[i+1,j+1] + 0.5 = -4 + 0.5 everywhere, flattened per sample
    assert torch.equal(outs["0"], torch.full((1, 4), -3.5))  # cloned before the in-place ReLU
    assert torch.equal(ins["0"], x.reshape(1, 9))
    assert torch.equal(ins["1"], torch.full((1, 4), -3.5))  # the ReLU's input, before it runs


def test_run_and_capture_removes_hooks_and_restores_mode_when_forward_raises() -> None:
    net = tiny()
    net.train()
    with pytest.raises(RuntimeError):
        run_and_capture(net, torch.ones(2, 5), ["0", "1"], inputs=True)
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in net.modules())
    assert net.training


def test_recorder_in_memory_and_store_agree(tmp_path) -> None:
    import numpy as np

    from infoplane.run import Recorder

    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(inplace=True), nn.Linear(4, 2))
    x, y = torch.randn(30, 3), torch.arange(30) % 2
    mem = Recorder(net, x, y, layers=[nn.ReLU, "2"])
    disk = Recorder(net, x, y, layers=[nn.ReLU, "2"], store=tmp_path / "a.zarr")
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    for epoch in range(4):
        for rec in (mem, disk):
            rec.capture(epoch)
        opt.zero_grad()
        nn.functional.cross_entropy(net(x), y).backward()
        opt.step()
    assert mem.layers == ["1", "2"]
    for name in mem.layers:
        assert np.array_equal(mem.activations(name), disk.activations(name))
    assert (mem.activations("1") >= 0).all() and mem.activations("1").shape == (4, 30, 4)
    a = mem.estimate("binning", n_bins=10, range="data")
    b = disk.estimate("binning", n_bins=10, range="data")
    assert np.allclose(a["i_xt"], b["i_xt"], atol=1e-12) and list(a["epoch"][:4]) == [0, 1, 2, 3]
    assert all(not m._forward_hooks for m in net.modules())
    with pytest.raises(InfoplaneError, match="already captured"):
        mem.capture(3)


def test_module_ensemble_members_are_independent_and_captured_stacked() -> None:
    from infoplane.models.cnn import SmallCNN
    from infoplane.training.module_trainer import ModuleEnsemble

    ens = ModuleEnsemble(lambda s: SmallCNN((1, 8, 8), 10, seed=s), seeds=[0, 1], sample_ndim=3)
    x = torch.randn(5, 1, 8, 8)
    logits = ens(x)
    assert logits.shape == (2, 5, 10)
    assert torch.allclose(logits[1], SmallCNN((1, 8, 8), 10, seed=1)(x))
    assert not torch.allclose(logits[0], logits[1])
    from infoplane.capture import capture_members

    acts = capture_members(ens, x, ["pool1", "act3", "softmax"], batch_size=2)
    assert acts["pool1"].shape == (2, 5, 8 * 4 * 4) and acts["act3"].shape == (2, 5, 64)
    assert acts["softmax"].sum(-1) == pytest.approx(1.0, abs=1e-5)
