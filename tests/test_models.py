"""The MLP of Shwartz-Ziv & Tishby (2017): initialisation, activations, seeding; the stacked ensemble."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from infoplane.interface import InfoplaneError
from infoplane.models import MLP
from infoplane.models.ensemble import EnsembleMLP
from infoplane.training import log_spaced_epochs


def test_idnns_initialisation_truncated_normal_zero_bias() -> None:
    net = MLP(n_inputs=400, hidden=(300,), seed=0)
    w = net.layers[0].linear.weight
    std = 1 / np.sqrt(400)
    assert w.abs().max() <= 2 * std + 1e-7
    # std of a normal truncated at +-2 sigma is 0.8796 sigma
    assert w.std().item() == pytest.approx(0.8796 * std, rel=0.02)
    assert torch.count_nonzero(net.layers[0].linear.bias) == 0


def test_seeding_is_reproducible() -> None:
    a, b, c = MLP(seed=3), MLP(seed=3), MLP(seed=4)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    assert not torch.equal(a.layers[0].linear.weight, c.layers[0].linear.weight)


@pytest.mark.parametrize(
    "act", ["tanh", "relu", "sigmoid", "linear", "elu", "softplus", "softsign"]
)
def test_every_activation_builds_and_runs(act: str) -> None:
    out = MLP(activation=act)(torch.zeros(3, 12))
    assert out.shape == (3, 2)


def test_bad_model_arguments() -> None:
    with pytest.raises(InfoplaneError, match="activation"):
        MLP(activation="swish")
    with pytest.raises(InfoplaneError, match="quantize_bits"):
        MLP(activation="relu", quantize_bits=2)


def test_ensemble_members_equal_the_single_networks() -> None:
    ens = EnsembleMLP([5, 6, 7])
    x = torch.randn(9, 12)
    out = ens(x)
    for r, seed in enumerate([5, 6, 7]):
        assert torch.allclose(out[r], MLP(seed=seed)(x), atol=1e-6)
        assert torch.allclose(ens.member(r)(x), out[r], atol=1e-6)


def test_quantized_layer_takes_at_most_2_to_the_k_values() -> None:
    net = MLP(quantize_bits=2, seed=0)
    from infoplane.capture import run_and_capture

    acts = run_and_capture(net, torch.randn(200, 12) * 3, net.layer_names(False))
    for a in acts.values():
        assert len(torch.unique(a)) <= 4


def test_log_spaced_epochs_follow_the_idnns_rule() -> None:
    e = log_spaced_epochs(8000, 400)
    assert e[0] == 0 and e[-1] == 8000 and len(e) == 275  # 274 IDNNs epochs + initialisation
    assert np.all(np.diff(e) > 0)
    with pytest.raises(InfoplaneError, match="epochs"):
        log_spaced_epochs(0)
