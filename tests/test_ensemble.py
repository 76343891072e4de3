"""Batched ensemble training equals training each member alone (R = 1) with the same seed."""

from __future__ import annotations

import numpy as np
import torch

from infoplane.data import load_twelve_bit
from infoplane.models.ensemble import EnsembleMLP
from infoplane.models.mlp import MLP
from infoplane.training.trainer import TrainSettings, train_ensemble

#: float32 arithmetic with a different reduction order in the batched matmul; after 5 epochs of
#: Adam the members agree with their stand-alone runs to this absolute tolerance on every weight.
ATOL = 1e-5


def test_members_start_as_the_stand_alone_mlp():
    ens = EnsembleMLP(seeds=[4, 9])
    for r, seed in enumerate([4, 9]):
        net = MLP(seed=seed)
        for a, b in zip(ens.member(r).parameters(), net.parameters(), strict=True):
            assert torch.equal(a, b)


def test_batched_training_equals_sequential_training():
    ds = load_twelve_bit(train_fraction=0.3)
    seeds = [0, 1, 2]
    settings = TrainSettings(epochs=5, batch_size=256, device="cpu")
    batched = EnsembleMLP(seeds=seeds)
    hist = train_ensemble(batched, ds.x, ds.y, ds.train_idx, ds.test_idx, settings)
    for r, seed in enumerate(seeds):
        alone = EnsembleMLP(seeds=[seed])
        hist1 = train_ensemble(alone, ds.x, ds.y, ds.train_idx, ds.test_idx, settings)
        for a, b in zip(batched.member(r).parameters(), alone.member(0).parameters(), strict=True):
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=ATOL, rtol=0)
        np.testing.assert_allclose(hist["train_loss"][:, r], hist1["train_loss"][:, 0], atol=1e-5)
        np.testing.assert_array_equal(hist["train_acc"][:, r], hist1["train_acc"][:, 0])
