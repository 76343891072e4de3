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
    assert torch.allclose(acts["0"], net[0](x).detach().reshape(5, -1))


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
