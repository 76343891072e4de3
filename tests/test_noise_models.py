"""Noise and quantisation layers inserted into any module, and their run-config options (issue 13).

Gaussian noise and Gaussian dropout (Adilova, Geiger & Fischer 2023, arXiv 2303.00596) and
quantisation (Lorenzen, Igel & Nielsen 2022, arXiv 2106.12912) make I(X;T) of a real network finite.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from infoplane.capture import run_and_capture
from infoplane.estimators import make_estimator, quantized_binning_params
from infoplane.interface import InfoplaneError
from infoplane.models import (
    GaussianDropout,
    GaussianNoise,
    SmallCNN,
    add_noise,
    add_quantization,
    noise_in_eval,
    noise_modules,
    select_modules,
)
from infoplane.run.config import validate_config
from infoplane.run.setup import build_network, load_dataset


def _plugin_entropy_bits(t: np.ndarray) -> float:
    _, counts = np.unique(t, axis=0, return_counts=True)
    p = counts / counts.sum()
    return float(-(p * np.log2(p)).sum())


# -- the layers ------------------------------------------------------------------------------------
def test_gaussian_noise_has_the_stated_variance_in_training_and_is_identity_in_eval() -> None:
    torch.manual_seed(0)
    noise = GaussianNoise(0.3)
    x = torch.full((200_000,), 2.0)
    y = noise(x)  # training mode
    assert float(y.mean()) == pytest.approx(2.0, abs=0.005)
    assert float(y.var()) == pytest.approx(0.09, rel=0.02)
    noise.eval()
    assert torch.equal(noise(x), x)
    noise.in_eval = True
    assert float(noise(x).var()) == pytest.approx(0.09, rel=0.02)


def test_gaussian_dropout_has_mean_one_and_variance_alpha_times_square() -> None:
    torch.manual_seed(1)
    drop = GaussianDropout(0.2)  # alpha = 0.25
    x = torch.cat([torch.full((200_000,), 3.0), torch.zeros(10)])
    y = drop(x)
    assert float(y[:-10].mean()) == pytest.approx(3.0, abs=0.01)
    assert float(y[:-10].var()) == pytest.approx(0.25 * 9.0, rel=0.02)
    assert torch.equal(y[-10:], torch.zeros(10))  # a zero unit stays zero
    assert torch.equal(drop.eval()(x), x)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: GaussianNoise(0.0), "std"),
        (lambda: GaussianNoise(-1.0), "std"),
        (lambda: GaussianNoise(math.nan), "std"),
        (lambda: GaussianDropout(0.0), "rate"),
        (lambda: GaussianDropout(1.0), "rate"),
        (lambda: GaussianDropout(1.5), "rate"),
    ],
)
def test_bad_noise_parameters_are_refused_naming_them(make, match: str) -> None:
    with pytest.raises(InfoplaneError, match=match):
        make()


def _net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 3), nn.Tanh(), nn.Linear(3, 2))


def test_add_noise_keeps_names_and_state_dict_and_capture_sees_the_noise_free_values() -> None:
    net = _net()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    x = torch.randn(50, 4)
    clean = run_and_capture(net, x, ["1", "3"])
    added = add_noise(net, ["1", "3"], kind="gaussian", std=0.5)
    assert sorted(added) == ["1", "3"] and set(noise_modules(net)) == {"1", "3"}
    assert net.state_dict().keys() == before.keys()  # parameter-free activations: same keys
    captured = run_and_capture(net, x, ["1", "3"])  # eval mode: the centres mu(X)
    for name in ("1", "3"):
        assert torch.equal(captured[name], clean[name])
    with noise_in_eval(net):
        noisy = run_and_capture(net, x, ["3"])["3"]
    assert not torch.equal(noisy, clean["3"])
    assert all(not m.in_eval for m in noise_modules(net).values())  # restored


def test_add_noise_selects_by_type_and_glob_and_refuses_what_matches_nothing() -> None:
    assert select_modules(_net(), nn.ReLU) == ["1"]
    assert select_modules(_net(), ["[13]"]) == ["1", "3"]
    added = add_noise(_net(), nn.Tanh, kind="dropout", rate=0.3)
    assert list(added) == ["3"] and added["3"].alpha == pytest.approx(0.3 / 0.7)
    with pytest.raises(InfoplaneError, match=r"layers.*'nope' matches no module"):
        add_noise(_net(), ["nope"], std=0.1)
    with pytest.raises(InfoplaneError, match="needs rate"):
        add_noise(_net(), ["1"], kind="dropout")
    with pytest.raises(InfoplaneError, match="takes std, not rate"):
        add_noise(_net(), ["1"], std=0.1, rate=0.2)
    with pytest.raises(InfoplaneError, match="kind"):
        add_noise(_net(), ["1"], kind="bernoulli", std=0.1)  # type: ignore[arg-type]


def test_noise_trains_through_and_gradients_flow() -> None:
    net = _net()
    add_noise(net, nn.ReLU, kind="dropout", rate=0.1)
    add_noise(net, nn.Tanh, std=0.05)
    loss = net(torch.randn(16, 4)).pow(2).sum()
    loss.backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in net.parameters())


# -- quantisation of any module ----------------------------------------------------------------------
def test_quantised_cnn_layer_takes_at_most_2_to_the_bits_values_and_binning_is_exact() -> None:
    bits = 2
    net = SmallCNN((1, 8, 8), n_classes=3, channels=(4, 8), hidden=6, seed=0)
    added = add_quantization(net, ["act1", "act2", "act3"], bits, range=(0.0, 1.0))
    assert sorted(added) == ["act1", "act2", "act3"]
    x = torch.randn(400, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    acts = run_and_capture(net, x, ["pool1", "pool2", "act3"])
    labels = np.arange(400) % 3
    est = make_estimator("binning", **quantized_binning_params(bits, 0.0, 1.0))
    levels = np.linspace(0.0, 1.0, 2**bits)
    for t in acts.values():
        t = t.numpy().astype(np.float64)
        for unit in range(t.shape[1]):  # at most 2^bits values per unit, all on the levels
            values = np.unique(t[:, unit])
            assert len(values) <= 2**bits
            assert np.abs(values[:, None] - levels[None, :]).min(1).max() < 1e-6
        i_xt, _ = est.information_plane(t, labels)
        h_t = _plugin_entropy_bits(t)
        assert 0.5 < h_t <= math.log2(400) + 1e-12  # not degenerate: the check can fail
        assert float(i_xt) == pytest.approx(h_t, abs=1e-12)  # I(X;T) = H(T), exactly


def test_quantisation_range_is_inferred_for_bounded_activations_and_required_otherwise() -> None:
    q = add_quantization(_net(), nn.Tanh, 3)
    assert (q["3"].low, q["3"].high, q["3"].bits) == (-1.0, 1.0, 3)
    with pytest.raises(InfoplaneError, match=r"range is needed.*ReLU"):
        add_quantization(_net(), nn.ReLU, 3)
    with pytest.raises(InfoplaneError, match="quantize_bits must be an integer"):
        add_quantization(_net(), nn.Tanh, 0)
    with pytest.raises(InfoplaneError, match="layers"):
        add_quantization(_net(), "missing", 2)


# -- run config: model.noise and quantisation for mlp, cnn and factory models -----------------------
def test_mlp_config_with_dropout_builds_noise_and_gives_the_estimator_the_rate() -> None:
    cfg = validate_config(
        {
            "repeats": 2,
            "model": {"hidden": [4, 3], "noise": {"kind": "dropout", "rate": 0.2}},
            "estimators": [{"name": "gaussian_dropout"}],
        }
    )
    assert cfg.estimators[0].params == {"rate": 0.2}
    net = build_network(cfg, load_dataset(cfg))
    mods = noise_modules(net.model)
    assert set(mods) == {"layers.0.act", "layers.1.act"}
    assert all(isinstance(m, GaussianDropout) and m.rate == 0.2 for m in mods.values())
    acts = net.capture(torch.zeros(5, 12))  # eval mode: deterministic centres
    again = net.capture(torch.zeros(5, 12))
    assert np.array_equal(acts["layers.0.act"], again["layers.0.act"])


def test_cnn_config_with_gaussian_noise_and_quantisation() -> None:
    cfg = validate_config(
        {
            "data": {"task": "digits"},
            "model": {
                "arch": "cnn",
                "hidden": [8],
                "noise": {"kind": "gaussian", "std": 0.1},
                "quantize_bits": 2,
                "quantize_range": [0, 1],
            },
            "estimators": [{"name": "sample_propagation"}, {"name": "binning"}],
        }
    )
    assert cfg.estimators[0].params["noise_variance"] == pytest.approx(0.01)
    net = build_network(cfg, load_dataset(cfg))
    member = net.model.members[0]
    assert set(noise_modules(member)) == {"pool1", "pool2", "act3"}
    t = net.capture(torch.as_tensor(load_dataset(cfg).x[:200], dtype=torch.float32))["act3"]
    assert len(np.unique(t[0])) <= 4


def _factory(seed: int, in_shape, n_classes: int) -> nn.Module:
    return nn.Sequential(
        nn.Flatten(), nn.Linear(int(np.prod(in_shape)), 6), nn.ReLU(), nn.Linear(6, n_classes)
    )


def test_factory_config_with_noise_on_named_layers() -> None:
    cfg = validate_config(
        {
            "data": {"task": "digits"},
            "model": {
                "arch": "factory",
                "factory": f"{__name__}:_factory",
                "noise": {"kind": "dropout", "rate": 0.5, "layers": ["2"]},
            },
            "capture": {"layers": ["2"]},
        }
    )
    net = build_network(cfg, load_dataset(cfg))
    assert list(noise_modules(net.model.members[0])) == ["2"]
    bad = cfg.model_copy(deep=True)
    bad.model.noise.layers = ["relu9"]  # type: ignore[union-attr]
    with pytest.raises(InfoplaneError, match=r"model\.noise\.layers"):
        build_network(bad, load_dataset(bad))


@pytest.mark.parametrize(
    ("model", "match"),
    [
        ({"noise": {"kind": "gaussian", "std": 0}}, r"model\.noise\.std"),
        ({"noise": {"kind": "gaussian", "std": -0.1}}, r"model\.noise\.std"),
        ({"noise": {"kind": "dropout", "rate": 0}}, r"model\.noise\.rate"),
        ({"noise": {"kind": "dropout", "rate": 1}}, r"model\.noise\.rate"),
        ({"noise": {"kind": "dropout", "rate": 0.1, "layers": ["nope"]}}, "model.noise.layers"),
        ({"noise": {"kind": "gaussian", "rate": 0.1}}, "needs std"),
        ({"arch": "cnn", "noise": {"kind": "gaussian", "std": 1, "layers": ["conv9"]}}, "conv9"),
        ({"arch": "cnn", "quantize_bits": 2}, "quantize_range"),
        ({"quantize_bits": 2, "quantize_layers": ["x"], "quantize_range": [0, 1]}, "quantize_l"),
    ],
)
def test_bad_noise_config_is_refused_at_validation_naming_the_key(model: dict, match: str) -> None:
    with pytest.raises(InfoplaneError, match=match):
        validate_config({"model": model})


def test_config_refuses_an_estimator_noise_level_other_than_the_networks() -> None:
    noise = {"kind": "gaussian", "std": 0.1}
    with pytest.raises(InfoplaneError, match=r"estimators\[0\]\.params\.noise_variance"):
        validate_config(
            {
                "model": {"noise": noise},
                "estimators": [{"name": "kde_upper", "params": {"noise_variance": 0.5}}],
            }
        )
    with pytest.raises(InfoplaneError, match="gaussian_dropout estimates a network"):
        validate_config({"estimators": [{"name": "gaussian_dropout"}]})
    ok = validate_config(
        {
            "model": {"noise": noise},
            "estimators": [{"name": "kde_upper", "params": {"noise_variance": 0.1**2}}],
        }
    )
    assert ok.estimators[0].params["noise_variance"] == 0.1**2
