"""GradientStatistics against hand-computed per-batch gradients and a stored-gradient reference."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from infoplane.interface import InfoplaneError
from infoplane.models.ensemble import EnsembleMLP
from infoplane.models.mlp import MLP
from infoplane.training.gradients import COLUMNS, GradientStatistics
from infoplane.training.trainer import TrainSettings, train_ensemble


def _tiny(seeds=(0, 1)) -> EnsembleMLP:
    return EnsembleMLP(seeds=list(seeds), n_inputs=2, hidden=(2,), n_classes=2)


def _set_grads(model: EnsembleMLP, values: list[torch.Tensor]) -> None:
    for block, v in zip(model.layers, values, strict=True):
        block.linear.weight.grad = v.clone()


def _feed(
    gs: GradientStatistics, model: EnsembleMLP, epoch: int, per_batch: list[list[torch.Tensor]]
):
    for step, values in enumerate(per_batch):
        _set_grads(model, values)
        gs.step_fn(epoch, step, model)


def test_hand_computed_mean_std_snr_per_layer_and_member():
    model = _tiny()
    # Weights: layer 1 (R=2, 2, 2), layer 2 (R=2, 2, 2). Known norms: ||W1|| = 2, ||W2|| = 4.
    with torch.no_grad():
        model.layers[0].linear.weight.fill_(1.0)
        model.layers[1].linear.weight.fill_(2.0)
    e = torch.zeros(2, 2, 2)
    e[:, 0, 0] = 1.0  # a unit entry in each member
    # Layer 1: member 0 gets c = 1, 2, 3 (mean 2, std sqrt(2/3)); member 1 gets 0, 0, 3 (mean 1,
    # std sqrt(2)). Layer 2: c = 4 constant (mean 4, std 0) for member 0, -1, 1, 0 for member 1.
    c1 = torch.tensor([[1.0, 0.0], [2.0, 0.0], [3.0, 3.0]])
    c2 = torch.tensor([[4.0, -1.0], [4.0, 1.0], [4.0, 0.0]])
    batches = [[e * c1[b].view(2, 1, 1), e * c2[b].view(2, 1, 1)] for b in range(3)]
    gs = GradientStatistics(model, epochs=[3])
    _feed(gs, model, 2, batches)  # not a recorded epoch: ignored
    _feed(gs, model, 3, batches)
    frame = gs.to_frame()
    assert list(frame.columns) == list(COLUMNS)
    got = frame.set_index(["repeat", "layer"])
    assert set(frame["epoch"]) == {3}
    expect = {
        (0, 1): (2.0, math.sqrt(2 / 3)),
        (1, 1): (1.0, math.sqrt(2.0)),
        (0, 2): (4.0, 0.0),
        (1, 2): (0.0, math.sqrt(2 / 3)),
    }
    for key, (mean, std) in expect.items():
        row = got.loc[key]
        assert row["grad_mean"] == pytest.approx(mean, abs=1e-12)
        assert row["grad_std"] == pytest.approx(std, abs=1e-12)
    assert got.loc[(0, 1), "snr"] == pytest.approx(2.0 / math.sqrt(2 / 3))
    assert got.loc[(0, 2), "snr"] == np.inf  # no fluctuation at all
    assert got.loc[(1, 2), "snr"] == 0.0
    assert got.loc[(0, 1), "weight_norm"] == pytest.approx(2.0)
    assert got.loc[(0, 2), "weight_norm"] == pytest.approx(4.0)


def test_layers_are_not_summed_and_normalize_divides_by_weight_norm():
    model = _tiny(seeds=(0,))
    with torch.no_grad():
        model.layers[0].linear.weight.fill_(0.5)  # ||W1|| = 1
        model.layers[1].linear.weight.fill_(1.5)  # ||W2|| = 3
    batches = [[torch.full((1, 2, 2), float(b)), torch.full((1, 2, 2), 10.0 * b)] for b in (1, 3)]
    gs = GradientStatistics(model, epochs=[1], normalize=True)
    _feed(gs, model, 1, batches)
    f = gs.to_frame().set_index("layer")
    # mean gradient = 2 (layer 1) / 20 (layer 2) in every entry of a 2x2 matrix: norms 4 and 40;
    # deviations +-1 (+-10) in 4 entries: std 2 and 20.
    assert f.loc[1, "grad_mean"] == pytest.approx(4.0 / 1.0)
    assert f.loc[2, "grad_mean"] == pytest.approx(40.0 / 3.0)
    assert f.loc[1, "grad_std"] == pytest.approx(2.0)
    assert f.loc[2, "grad_std"] == pytest.approx(20.0 / 3.0)
    assert f.loc[1, "snr"] == pytest.approx(2.0)


def test_plain_mlp_is_one_member_and_errors_name_the_fix():
    net = MLP(n_inputs=2, hidden=(2,), n_classes=2)
    gs = GradientStatistics(net, epochs=None)
    with pytest.raises(InfoplaneError, match="after backward"):
        gs.step_fn(1, 0, net)
    with pytest.raises(InfoplaneError, match="layers"):
        GradientStatistics(torch.nn.Linear(2, 2), epochs=[1])
    with pytest.raises(InfoplaneError, match="epochs"):
        GradientStatistics(net, epochs=[-1])
    assert gs.to_frame().empty


def test_streaming_equals_stored_gradients_during_real_training():
    """Welford over real mini-batches equals numpy over every stored per-batch gradient."""
    rng = np.random.default_rng(0)
    x = rng.integers(0, 2, size=(96, 4)).astype(np.float32)
    y = (x.sum(1) > 2).astype(np.int64)
    model = EnsembleMLP(seeds=[0, 1, 2], n_inputs=4, hidden=(5, 3), n_classes=2)
    gs = GradientStatistics(model, epochs=[1, 3])
    stored: dict[int, list[list[np.ndarray]]] = {1: [], 3: []}

    def step(epoch, s, m):
        gs.step_fn(epoch, s, m)
        if epoch in stored:
            stored[epoch].append([b.linear.weight.grad.double().numpy().copy() for b in m.layers])

    settings = TrainSettings(epochs=3, batch_size=20, device="cpu")
    train_ensemble(model, x, y, np.arange(80), np.arange(80, 96), settings, step_fn=step)
    frame = gs.to_frame()
    assert len(frame) == 2 * 3 * 3  # epochs x members x layers
    for epoch, batches in stored.items():
        assert len(batches) == 4  # 80 / 20
        for layer in range(3):
            g = np.stack([b[layer] for b in batches])  # (B, R, out, in)
            mean = np.linalg.norm(g.mean(0).reshape(3, -1), axis=1)
            std = np.sqrt(g.reshape(4, 3, -1).var(0).sum(-1))
            sub = frame[(frame.epoch == epoch) & (frame.layer == layer + 1)].sort_values("repeat")
            np.testing.assert_allclose(sub["grad_mean"], mean, rtol=1e-10)
            np.testing.assert_allclose(sub["grad_std"], std, rtol=1e-8)


def test_state_dict_round_trip_resumes_mid_epoch():
    model = _tiny()
    e = torch.ones(2, 2, 2)
    batches = [[e * b, e * (2 * b)] for b in (1.0, 2.0, 4.0)]
    whole = GradientStatistics(model, epochs=[1, 2])
    _feed(whole, model, 1, batches)
    _feed(whole, model, 2, batches)
    first = GradientStatistics(model, epochs=[1, 2])
    _feed(first, model, 1, batches)
    _feed(first, model, 2, batches[:1])  # interrupted inside epoch 2
    state = first.state_dict()
    resumed = GradientStatistics(model, epochs=None)
    resumed.load_state_dict(state)
    _feed(resumed, model, 2, batches[1:])
    pd_testing = pytest.importorskip("pandas.testing")
    pd_testing.assert_frame_equal(resumed.to_frame(), whole.to_frame())
    with pytest.raises(InfoplaneError, match="same model"):
        GradientStatistics(_tiny(seeds=(0,)), epochs=[1]).load_state_dict(state)
