"""Distance of layers from the IB bound of the same joint (claim iii of Shwartz-Ziv & Tishby 2017)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from infoplane.bottleneck import (
    bound_envelope,
    dense_labels,
    distance_to_bound,
    partition_information,
    summarize_distance,
    twelve_bit_bound,
)
from infoplane.data.twelve_bit import twelve_bit_inputs, twelve_bit_p_x, twelve_bit_p_y_given_x
from infoplane.interface import InfoplaneError

PYX4 = np.array([[0.9, 0.1], [0.8, 0.2], [0.2, 0.8], [0.1, 0.9]])


def mi_bits(p_joint: np.ndarray) -> float:
    """I(A;B) in bits of a joint table, written out with plain numpy."""
    pa, pb = p_joint.sum(1, keepdims=True), p_joint.sum(0, keepdims=True)
    nz = p_joint > 0
    return float((p_joint[nz] * np.log2(p_joint[nz] / (pa @ pb)[nz])).sum())


def test_partition_information_matches_plain_formulas() -> None:
    rng = np.random.default_rng(0)
    pyx = rng.dirichlet(np.ones(3), size=50)
    px = rng.dirichlet(np.ones(50))
    labels = rng.integers(0, 7, size=(2, 3, 50)) * 11 - 5  # any integers, batch axes (2, 3)
    i_xt, i_ty = partition_information(labels, pyx, p_x=px)
    assert i_xt.shape == i_ty.shape == (2, 3)
    for idx in np.ndindex(2, 3):
        f = np.unique(labels[idx], return_inverse=True)[1]
        p_tx = np.zeros((f.max() + 1, 50))
        p_tx[f, np.arange(50)] = px  # p(t, x)
        assert i_xt[idx] == pytest.approx(mi_bits(p_tx), abs=1e-12)
        assert i_ty[idx] == pytest.approx(mi_bits(p_tx @ pyx), abs=1e-12)  # p(t, y)


def test_partition_information_end_points_of_the_twelve_bit_rule() -> None:
    pyx, px = twelve_bit_p_y_given_x(), twelve_bit_p_x()
    labels = np.stack([np.arange(4096), np.zeros(4096, dtype=int), (pyx[:, 0] > 0.5).astype(int)])
    i_xt, i_ty = partition_information(labels, pyx, p_x=px)
    h_x = -(px * np.log2(px)).sum()
    assert i_xt[0] == pytest.approx(h_x) and i_ty[0] == pytest.approx(0.84434, abs=1e-5)
    assert i_xt[1] == pytest.approx(0.0, abs=1e-12) and i_ty[1] == pytest.approx(0.0, abs=1e-12)
    # the hard label as T: one bit of X, 0.838 of the rule's 0.844 bits about Y
    assert i_xt[2] == pytest.approx(0.99916, abs=1e-4)
    assert 0.8375 < i_ty[2] < 0.8385
    # with the hard labels as a one-hot rule, T = label carries H(Y) = I(X;Y)
    onehot = np.eye(2)[(pyx[:, 0] > 0.5).astype(int)]
    assert partition_information(labels[2], onehot)[1] == pytest.approx(0.99916, abs=1e-4)


def test_dense_labels_vectorised_equals_unique() -> None:
    keys = np.random.default_rng(2).integers(-3, 5, size=(4, 30))
    labels, n_t = dense_labels(keys)
    for k, lab, n in zip(keys, labels, n_t, strict=True):
        np.testing.assert_array_equal(lab, np.unique(k, return_inverse=True)[1])
        assert n == len(np.unique(k))
    with pytest.raises(InfoplaneError, match="integer"):
        dense_labels(np.zeros(3))


def tanh_layers(n_rep: int = 3, n_ep: int = 4, units: int = 3) -> np.ndarray:
    rng = np.random.default_rng(1)
    x = twelve_bit_inputs().astype(np.float64) * 2 - 1
    w = rng.normal(size=(n_rep, 1, 12, units)) * np.geomspace(0.05, 2.0, n_ep)[None, :, None, None]
    return np.tanh(np.einsum("nd,redu->renu", x, w))  # (n_rep, n_ep, 4096, units)


def test_distance_to_bound_on_twelve_bit_layers() -> None:
    pyx, px = twelve_bit_p_y_given_x(), twelve_bit_p_x()
    acts = tanh_layers()
    res = distance_to_bound({"a": acts, "b": acts[:, :, :, :1]}, pyx, p_x=px, epochs=[1, 2, 3, 4])
    rows = res.rows
    assert len(rows) == 2 * 3 * 4 and set(rows.unit) == {"bits"}
    assert res.i_xy == pytest.approx(0.84434, abs=1e-5)
    # every encoder lies on or below the IB curve of the same joint
    assert not rows.above_bound.any()
    assert (rows.distance >= -1e-9).all() and (rows.excess_i_xt >= 0).all()
    # the row values are the bound at I(X;T) minus I(T;Y) under the soft rule
    env_x, env_y, _ = bound_envelope(twelve_bit_bound())
    r = rows.iloc[5]
    keys = np.unique(np.floor((acts[1, 1] + 1) / (2 / 30)).clip(0, 29), axis=0, return_inverse=True)
    i_xt, i_ty = partition_information(keys[1].ravel(), pyx, p_x=px)
    assert (r["layer"], r["repeat"], r["epoch"]) == ("a", 1, 2)
    assert r.i_xt == pytest.approx(i_xt) and r.i_ty == pytest.approx(i_ty)
    assert r.distance == pytest.approx(np.interp(i_xt, env_x, env_y) - i_ty)
    # summary: mean over the three networks, interval around it
    s = res.summary
    assert len(s) == 8 and (s.n_repeats == 3).all()
    mean = rows[(rows.layer == "a") & (rows.epoch == 2)].distance.mean()
    row = s[(s.layer == "a") & (s.epoch == 2)].iloc[0]
    assert row.distance == pytest.approx(mean)
    assert row.distance_low <= row.distance <= row.distance_high


def test_distance_end_points_and_a_traced_bound() -> None:
    pyx = np.array([[0.9, 0.1], [0.9, 0.1], [0.1, 0.9], [0.1, 0.9]])  # y depends on x > 1 only
    ident = [[-0.75], [-0.25], [0.25], [0.75]]  # every input its own bin
    pair, cross, one = [[-0.5], [-0.5], [0.5], [0.5]], [[-0.5], [0.5], [-0.5], [0.5]], [[0.0]] * 4
    res = distance_to_bound(np.array([ident, pair, cross, one]), pyx, n_bins=4)  # bound traced
    d = res.rows
    i_xy = 1 + 0.9 * np.log2(0.9) + 0.1 * np.log2(0.1)
    assert res.i_xy == pytest.approx(i_xy)
    assert d.i_xt.tolist() == pytest.approx([2.0, 1.0, 1.0, 0.0])
    assert d.distance.tolist() == pytest.approx([0.0, 0.0, i_xy, 0.0], abs=1e-6)
    # T = X keeps one bit about X that its I(T;Y) does not need
    assert d.excess_i_xt.tolist() == pytest.approx([1.0, 0.0, 1.0, 0.0], abs=1e-4)


def test_bootstrap_interval_properties() -> None:
    rows = pd.DataFrame(
        {"layer": 1, "repeat": np.tile(np.arange(5), 2), "epoch": np.repeat([0, 1], 5),
         "i_xt": 1.0, "i_ty": 0.5, "distance": [0.2] * 5 + [0.0, 0.1, 0.2, 0.3, 0.4],
         "excess_i_xt": 0.0, "above_bound": False}
    )  # fmt: skip
    s = summarize_distance(rows, n_boot=4000, confidence=0.9)
    assert s.distance.tolist() == pytest.approx([0.2, 0.2])
    assert s.distance_low[0] == pytest.approx(0.2) and s.distance_high[0] == pytest.approx(0.2)
    # the percentile interval of a mean of 5 draws from {0, .1, .2, .3, .4}: sd of the mean 0.063
    assert 0.08 < s.distance_low[1] < 0.12 and 0.28 < s.distance_high[1] < 0.32
    one = summarize_distance(rows[rows.repeat == 0])
    assert one.distance_low.isna().all() and (one.n_repeats == 1).all()


def test_bad_input_raises() -> None:
    with pytest.raises(InfoplaneError, match="not the IB curve of this joint"):
        distance_to_bound(np.zeros((1, 4096, 2)), twelve_bit_p_y_given_x(),
                          bound=pd.DataFrame({"i_xt": [0.0, 12.0], "i_ty": [0.0, 0.999]}))  # fmt: skip
    with pytest.raises(InfoplaneError, match="p_y_given_x"):
        distance_to_bound(np.zeros((1, 4, 1)), PYX4[:3])
    with pytest.raises(InfoplaneError, match="activations"):
        distance_to_bound(np.zeros(4), PYX4)
    with pytest.raises(InfoplaneError, match="epochs"):
        distance_to_bound(np.zeros((2, 4, 1)), PYX4, epochs=[1])
    with pytest.raises(InfoplaneError, match="i_xt"):
        bound_envelope(pd.DataFrame({"x": [1.0]}))
    with pytest.raises(InfoplaneError, match="labels"):
        partition_information(np.zeros(4), PYX4)
