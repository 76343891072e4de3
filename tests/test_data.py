"""Facts of the shipped 12-bit task (Shwartz-Ziv & Tishby 2017) and its splits."""

from __future__ import annotations

import numpy as np
import pytest

from infoplane.data import (
    load_twelve_bit,
    split_indices,
    twelve_bit_inputs,
    twelve_bit_labels,
    twelve_bit_p_x,
    twelve_bit_p_y_given_x,
)
from infoplane.interface import InfoplaneError


def entropy_bits(p: np.ndarray) -> float:
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


def test_inputs_are_the_4096_distinct_binary_expansions() -> None:
    x = twelve_bit_inputs()
    assert x.shape == (4096, 12)
    assert len(np.unique(x, axis=0)) == 4096
    assert np.array_equal(x @ (2 ** np.arange(11, -1, -1)), np.arange(4096))


def test_labels_match_var_u_facts() -> None:
    y = twelve_bit_labels()
    assert y.shape == (4096,)
    assert int(y.sum()) == 2118
    assert y.mean() == pytest.approx(0.51709, abs=5e-6)
    assert entropy_bits(np.bincount(y) / 4096) == pytest.approx(0.99916, abs=5e-6)


def test_soft_rule_reproduces_labels_and_its_mutual_information() -> None:
    pyx = twelve_bit_p_y_given_x()
    px = twelve_bit_p_x()
    assert np.allclose(pyx.sum(1), 1.0)
    assert np.array_equal(pyx[:, 1] > 0.5, twelve_bit_labels() == 1)
    joint = px[:, None] * pyx
    ixy = entropy_bits(px) + entropy_bits(joint.sum(0)) - entropy_bits(joint.ravel())
    assert ixy == pytest.approx(0.84434, abs=5e-6)


def test_stratified_split_keeps_label_balance_and_is_seeded() -> None:
    y = twelve_bit_labels()
    tr, te = split_indices(y, "stratified", 0.8, seed=3)
    assert len(tr) + len(te) == 4096 and not np.intersect1d(tr, te).size
    assert y[tr].mean() == pytest.approx(y.mean(), abs=1e-3)
    assert np.array_equal(tr, split_indices(y, "stratified", 0.8, seed=3)[0])
    assert not np.array_equal(tr, split_indices(y, "stratified", 0.8, seed=4)[0])


def test_idnns_split_is_the_unshuffled_imbalanced_one() -> None:
    y = twelve_bit_labels()
    tr, te = split_indices(y, "idnns", 0.8)
    assert np.array_equal(tr, np.arange(len(tr)))
    assert y[tr].mean() == pytest.approx(0.437, abs=1e-3)
    assert y[te].mean() == pytest.approx(0.836, abs=1e-3)


def test_saxe2018_split_is_the_published_one() -> None:
    ds = load_twelve_bit("saxe2018")
    assert (len(ds.train_idx), len(ds.test_idx)) == (3277, 819)
    assert np.union1d(ds.train_idx, ds.test_idx).size == 4096


@pytest.mark.parametrize("fraction", [0.05, 0.45, 0.85])
def test_training_fractions_of_the_paper(fraction: float) -> None:
    ds = load_twelve_bit(train_fraction=fraction)
    assert len(ds.train_idx) == pytest.approx(fraction * 4096, abs=2)


def test_bad_split_arguments_are_named() -> None:
    with pytest.raises(InfoplaneError, match="split"):
        load_twelve_bit("random")
    with pytest.raises(InfoplaneError, match="train_fraction"):
        load_twelve_bit(train_fraction=1.5)
    with pytest.raises(InfoplaneError, match=r"train_fraction=0\.8"):
        load_twelve_bit("saxe2018", train_fraction=0.5)
    with pytest.raises(InfoplaneError, match="mi_on"):
        load_twelve_bit().evaluation_indices("everything")
