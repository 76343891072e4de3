"""GradientStatistics of the stacked MLP: hand-computed per-batch gradients, a stored-gradient
reference, and the values of the implementation before any-module support (issue 13), unchanged."""

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
    with pytest.raises(InfoplaneError, match=r"layers\.0\.linear\.weight.*after loss\.backward"):
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


# Computed with the implementation before issue 13 (weights of layers.{i}.linear only), on the
# run of _reference_run(), rows sorted by epoch, layer, repeat: grad_mean, grad_std, snr, weight_norm.
REFERENCE_BEFORE_ISSUE_13 = [
    (0.11671812807855982, 0.0999167127878473, 1.168154203855634, 1.4926199796770372),
    (0.16286659021472072, 0.08643242409212501, 1.884322832842539, 2.054594281443819),
    (0.06614254881633155, 0.07665920290958673, 0.8628128953328837, 1.3711226410961004),
    (0.22744744035973669, 0.10794514974497989, 2.107064938972067, 1.2942301708211255),
    (0.14930648131970242, 0.15228626774985757, 0.9804329932423738, 1.0427076820125767),
    (0.1419397608310007, 0.09208570174485696, 1.541387621981478, 1.0460579353998096),
    (0.07175253761770232, 0.051049050377435595, 1.4055606732582426, 1.4900950738990306),
    (0.12348792881456572, 0.12892559634681575, 0.9578232120980658, 2.07002798928606),
    (0.027752806163983568, 0.052430937712694616, 0.5293211865875906, 1.352281823751392),
    (0.14776203184194972, 0.1576990874412038, 0.9369872346093379, 1.290608712453705),
    (0.03383303391206473, 0.054932798962860574, 0.6158985988487288, 1.0335224406605017),
    (0.07875864593827261, 0.08104597399651355, 0.9717774005857548, 1.0446369861507656),
    (0.06608577135586238, 0.055255421580943424, 1.1960051966856071, 1.4906860198743384),
    (0.10214521908504691, 0.09247107108040799, 1.1046181026304627, 2.0955187508220807),
    (0.03423856681550076, 0.0367643281796754, 0.9312985850895824, 1.3586231910756454),
    (0.07240390730562082, 0.15423161166281005, 0.46944920386304706, 1.3151877617459),
    (0.07737720701394203, 0.06803145249286717, 1.1373740259632812, 1.0362327566480922),
    (0.06789001236504544, 0.08923878961065305, 0.7607679649314846, 1.0756868728882258),
]


def _reference_run(step_fn) -> EnsembleMLP:
    rng = np.random.default_rng(0)
    x = rng.integers(0, 2, size=(256, 6)).astype(np.float32) * 2 - 1
    y = ((x[:, 0] * x[:, 1] + x[:, 2]) > 0).astype(np.int64)
    model = EnsembleMLP(seeds=[3, 4], n_inputs=6, hidden=(5, 3), n_classes=2)
    settings = TrainSettings(epochs=4, batch_size=64, device="cpu", lr=0.01)
    train_ensemble(
        model, x, y, np.arange(200), np.arange(200, 256), settings, step_fn=step_fn(model)
    )
    return model


class _LegacyStatistics:
    """The per-step arithmetic of the implementation before issue 13, kept as an exact reference:
    the weights of ``layers.{i}.linear`` flattened in float64, Welford's update, ddof = 0."""

    def __init__(self, model: EnsembleMLP, epochs: set[int]) -> None:
        self.weights = [block.linear.weight for block in model.layers]
        sizes = torch.as_tensor([w[0].numel() for w in self.weights])
        self.layer_of = torch.repeat_interleave(torch.arange(len(self.weights)), sizes)
        self.epochs, self.rows, self.state = epochs, {}, None

    def _flat(self, ts):
        return torch.cat([t.detach().reshape(t.shape[0], -1) for t in ts], 1).to(torch.float64)

    def _seg(self, v):
        return v.new_zeros(v.shape[0], len(self.weights)).index_add_(1, self.layer_of, v)

    def __call__(self, epoch, step, model):
        if epoch not in self.epochs:
            return
        g = self._flat([w.grad for w in self.weights])
        wn = self._seg(self._flat(self.weights) ** 2).sqrt()
        if step == 0:
            self.state = [1, g.clone(), torch.zeros_like(wn), wn]
        else:
            n, mean, m2, wsum = self.state
            n += 1
            delta = g - mean
            mean = mean + delta / n
            self.state = [n, mean, m2 + self._seg(delta * (g - mean)), wsum + wn]
        n, mean, m2, wsum = self.state
        self.rows[epoch] = (self._seg(mean**2).sqrt(), (m2 / n).sqrt(), wsum / n)


def test_mlp_values_are_unchanged_by_any_module_support():
    """The stacked-MLP path gives the values of the implementation before issue 13: equal to a
    stored reference (to float32-training precision across CPUs) and bit-identical to the legacy
    arithmetic on this machine."""
    holder: dict[str, object] = {}

    def both(model):
        holder["new"] = GradientStatistics(model, [1, 2, 4])
        holder["old"] = _LegacyStatistics(model, {1, 2, 4})

        def step(epoch, s, m):
            holder["new"].step_fn(epoch, s, m)
            holder["old"](epoch, s, m)

        return step

    _reference_run(both)
    frame = holder["new"].to_frame()
    assert frame["layer_name"].unique().tolist() == [
        "layers.0.act",
        "layers.1.act",
        "layers.2.softmax",
    ]
    assert frame["parameters"].unique().tolist() == [f"layers.{i}.linear.weight" for i in range(3)]
    got = frame[["grad_mean", "grad_std", "snr", "weight_norm"]].to_numpy()
    np.testing.assert_allclose(got, np.asarray(REFERENCE_BEFORE_ISSUE_13), rtol=1e-5)
    old = holder["old"].rows
    for row in frame.itertuples(index=False):
        mean, std, wn = (t[row.repeat, row.layer - 1].item() for t in old[row.epoch])
        assert (row.grad_mean, row.grad_std, row.weight_norm) == (mean, std, wn)
