"""The fast binning routes give the numbers of the plain routine, bit for bit (issue 15).

The binning estimator of Shwartz-Ziv & Tishby (2017), arXiv 1703.00810, was made faster for the
``tishby2017`` preset: float32 activations coded in cache-sized blocks, mixed-radix keys by one
float64 matrix-vector product, one sort per layer for H(T) and H(T|Y) (the class packed into the
key), a table of -p ln p, and a padded softmax in the ensemble's capture. The reference below is
the plain routine those replaced (float64 codes with masks, integer keys, one sort per entropy,
a loop over classes); every test asserts exact equality with it.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from infoplane.capture import run_and_capture
from infoplane.data import twelve_bit_inputs, twelve_bit_labels
from infoplane.estimators import BinningEstimator
from infoplane.estimators.binning import (
    binned_row_keys,
    discretize,
    entropy_of_keys,
    grassberger_g,
    plane_entropies,
    row_keys,
)
from infoplane.models.ensemble import EnsembleMLP, _PaddedSoftmax
from infoplane.run.config import EstimatorConfig
from infoplane.run.streaming import LayerStream


# -- the plain routine (before issue 15), kept here as the reference ------------------------------
def _ref_codes(t: np.ndarray, anchor: float, width: float, upper, n_bins) -> np.ndarray:
    codes = np.floor((t - anchor) / width)
    if upper is not None:
        top = float(n_bins) - 1.0
        above = t > upper
        np.minimum(codes, top, out=codes, where=~above)
        np.maximum(codes, top + 1.0, out=codes, where=above)
        np.maximum(codes, 0.0, out=codes, where=t >= anchor)
        np.minimum(codes, -1.0, out=codes, where=t < anchor)
    return codes.astype(np.int64)


def _ref_row_keys(codes: np.ndarray) -> np.ndarray:
    codes = codes - codes.min()
    d = codes.shape[-1]
    base = int(codes.max()) + 1
    if d * np.log2(max(base, 2)) < 62:
        return codes @ (base ** np.arange(d, dtype=np.int64))
    mult = np.random.default_rng(0x5EED).integers(1, 2**63, size=d, dtype=np.uint64) | np.uint64(1)
    with np.errstate(over="ignore"):
        return (codes.astype(np.uint64) * mult).sum(axis=-1).view(np.int64)


def _ref_entropy(keys: np.ndarray, correction: str = "none") -> np.ndarray:
    n = keys.shape[-1]
    flat = np.sort(keys.reshape(-1, n), axis=1)
    starts = np.ones(flat.shape, dtype=bool)
    starts[:, 1:] = flat[:, 1:] != flat[:, :-1]
    row, col = np.nonzero(starts)
    ends = np.append(col[1:], n)
    ends[np.append(row[1:] != row[:-1], True)] = n
    counts = (ends - col).astype(np.float64)
    rows = flat.shape[0]
    if correction == "grassberger":
        g = np.bincount(row, weights=counts * grassberger_g(counts), minlength=rows)
        return (np.log(n) - g / n).reshape(keys.shape[:-1])
    p = counts / n
    h = np.bincount(row, weights=-p * np.log(p), minlength=rows)
    if correction == "miller_madow":
        h = h + (np.bincount(row, minlength=rows) - 1) / (2.0 * n)
    return h.reshape(keys.shape[:-1])


def _ref_plane(t, labels, n_bins=29, value_range=(-1.0, 1.0), bin_width=None, correction="none"):
    """(I(X;T), I(T;Y)) in bits by the plain routine."""
    t = np.asarray(t, dtype=np.float64)
    if bin_width is not None:
        anchor, width, upper = 0.0, bin_width, None
    else:
        lo, hi = (t.min(), t.max()) if value_range == "data" else value_range
        anchor, width, upper = float(lo), (float(hi) - float(lo)) / n_bins, float(hi)
    keys = _ref_row_keys(_ref_codes(t, anchor, width, upper, n_bins))
    h_t = _ref_entropy(keys, correction)
    h_t_y = np.zeros_like(h_t)
    for c in np.unique(labels):
        mask = labels == c
        h_t_y += mask.mean() * _ref_entropy(keys[..., mask], correction)
    i_xt, i_ty = h_t, h_t - h_t_y
    if correction != "none":
        i_xt = np.minimum(i_xt, np.log(keys.shape[-1]))
        i_ty = np.minimum(i_ty, _ref_entropy(labels))
    return np.maximum(i_xt, 0.0) / np.log(2.0), np.maximum(i_ty, 0.0) / np.log(2.0)


def _captured(r: int = 6, scale: float = 3.0) -> dict[str, np.ndarray]:
    """Activations of all 4096 inputs captured from an ensemble with spread-out weights."""
    model = EnsembleMLP(list(range(r)))
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(scale)
    x = torch.as_tensor(twelve_bit_inputs())
    acts = run_and_capture(model, x, model.layer_names(True), sample_dims=2)
    return {k: v.numpy() for k, v in acts.items()}


def _same(a, b) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


# -- tests ------------------------------------------------------------------------------------------
def test_plane_of_captured_layers_equals_the_plain_routine_bit_for_bit() -> None:
    labels = twelve_bit_labels()
    for name, t in _captured().items():
        assert t.dtype == np.float32
        for kw in ({"n_bins": 29, "range": (-1.0, 1.0)}, {"n_bins": 30}, {"bin_width": 0.07}):
            new = BinningEstimator(**kw).information_plane(t, labels)
            ref = _ref_plane(
                t, labels, kw.get("n_bins", 29), kw.get("range", (-1.0, 1.0)), kw.get("bin_width")
            )
            assert _same(new, ref), (name, kw)
            assert 0.0 < float(new[0].min()) <= 12.0  # real, non-trivial values


@pytest.mark.parametrize("correction", ["none", "miller_madow", "grassberger"])
def test_random_regimes_equal_the_plain_routine(correction: str) -> None:
    rng = np.random.default_rng(3)
    y3 = rng.integers(0, 3, size=500)
    cases = [  # (t, n_bins, range, bin_width): every route of the fast code
        (np.tanh(rng.normal(size=(5, 500, 10)) * 2).astype(np.float32), 29, (-1.0, 1.0), None),
        (np.tanh(rng.normal(size=(2, 3, 500, 4)) * 3), 29, (-1.0, 1.0), None),
        (np.sign(rng.normal(size=(4, 500, 3))), 29, (-1.0, 1.0), None),  # saturated at +-1
        (rng.normal(size=(4, 500, 3)) * 2, 29, (-1.0, 1.0), None),  # outside: extra bins
        (rng.normal(size=(4, 500, 5)), 13, "data", None),
        (rng.normal(size=(4, 500, 6)) * 0.3, 200, (-0.7, 0.7), None),  # edge not in float32
        (rng.normal(size=(4, 500, 2)), None, None, 0.07),  # unbounded, negative codes
        (rng.normal(size=(2, 500, 2)) * 1e3, None, None, 1e-5),  # keys past 2^53: int route
        (rng.normal(size=(2, 500, 70)), 29, (-4.0, 4.0), None),  # 70 units: hashed keys
        (np.round(rng.normal(size=(3, 500, 2)), 1), 7, (-4.0, 4.0), None),  # many ties
    ]
    for t, n_bins, value_range, width in cases:
        kw = {"bin_width": width} if width else {"n_bins": n_bins, "range": value_range}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            new = BinningEstimator(**kw, bias_correction=correction).information_plane(t, y3)
        ref = _ref_plane(t, y3, n_bins, value_range, width, correction)
        assert _same(new, ref), (t.shape, kw)


def test_one_class_and_two_samples() -> None:
    t = np.tanh(np.random.default_rng(0).normal(size=(3, 64, 4)))
    i_xt, i_ty = BinningEstimator(n_bins=29).information_plane(t, np.zeros(64, dtype=int))
    assert _same((i_xt, i_ty), _ref_plane(t, np.zeros(64, dtype=int)))
    assert np.all(i_ty == 0.0) and np.all(i_xt > 0)
    i_xt, i_ty = BinningEstimator(n_bins=2).information_plane(np.array([[-0.5], [0.5]]), [0, 1])
    assert (float(i_xt), float(i_ty)) == (1.0, 1.0)


def test_plane_entropies_by_hand_and_against_numpy_unique() -> None:
    e = plane_entropies(np.array([3, 3, 7, 9]), np.array([0, 0, 1, 1]))
    assert float(e.h_t) == pytest.approx(1.5 * np.log(2), abs=1e-15)
    assert float(e.h_t_given_y) == pytest.approx(0.5 * np.log(2), abs=1e-15)
    assert int(e.distinct) == 3 and e.distinct_given_y.tolist() == [1, 2]
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 4, size=300)
    for span in (50, 2**40, 2**62):  # int32 sort, int64 packed, one sort per class
        keys = rng.integers(0, 50, size=(2, 3, 300)) * (span // 50)
        e = plane_entropies(keys, labels)
        assert _same((e.h_t,), (_ref_entropy(keys),))
        h_y = sum((labels == c).mean() * _ref_entropy(keys[..., labels == c]) for c in range(4))
        assert _same((e.h_t_given_y,), (h_y,))
        for idx in np.ndindex(2, 3):
            assert e.distinct[idx] == len(np.unique(keys[idx]))
            assert e.distinct_given_y[idx].tolist() == [
                len(np.unique(keys[idx][labels == c])) for c in range(4)
            ]


def test_entropy_of_keys_and_row_keys_equal_the_plain_routines() -> None:
    rng = np.random.default_rng(2)
    for keys in (
        rng.integers(0, 9, size=(7, 40_000)),  # blocks of rows, the table of -p ln p
        rng.integers(-(2**62), 2**62, size=(3, 100)),  # int64 sort, logs per run
        rng.integers(0, 5, size=(4, 9)).astype(np.int8),
    ):
        for correction in ("none", "miller_madow", "grassberger"):
            assert _same(
                (entropy_of_keys(keys, correction=correction),), (_ref_entropy(keys, correction),)
            )
    for codes in (
        rng.integers(-3, 29, size=(4, 100, 10)),
        rng.integers(0, 29, size=(100, 10)).astype(np.int32),
        rng.integers(0, 2**40, size=(50, 3)),  # keys past 2^53: integer route
        rng.integers(0, 29, size=(20, 80)),  # hashed
    ):
        assert np.array_equal(row_keys(codes), _ref_row_keys(codes))


def test_binned_row_keys_is_row_keys_of_discretize() -> None:
    rng = np.random.default_rng(4)
    t = np.tanh(rng.normal(size=(3, 200, 6)) * 2).astype(np.float32)
    want = _ref_row_keys(_ref_codes(t.astype(np.float64), -1.0, 2 / 29, 1.0, 29))
    assert np.array_equal(binned_row_keys(t, -1.0, 2 / 29, upper=1.0, n_bins=29), want)
    assert np.array_equal(row_keys(discretize(t, -1.0, 2 / 29, upper=1.0, n_bins=29)), want)
    out = t * 1.5  # values outside: the general route, compared in float64
    want = _ref_row_keys(_ref_codes(out.astype(np.float64), -1.0, 2 / 29, 1.0, 29))
    assert np.array_equal(binned_row_keys(out, -1.0, 2 / 29, upper=1.0, n_bins=29), want)


@pytest.mark.parametrize("rows", [None, 1000])
def test_online_stream_equals_the_plain_routine(rows: int | None) -> None:
    labels = twelve_bit_labels()
    cfg = EstimatorConfig(name="binning", params={"n_bins": 29, "range": [-1.0, 1.0]})
    for name, t in _captured(r=4).items():
        stream = LayerStream(cfg, labels, online=True, complete_inputs=True)
        stream.begin()
        step = rows or len(labels)  # one batch (keys at once) or several (codes kept)
        for s in range(0, len(labels), step):
            stream.add(s, t[:, s : s + step])
        i_xt, i_ty, _ = stream.finish()
        assert _same((i_xt, i_ty), _ref_plane(t, labels)), name


def test_padded_softmax_equals_torch_softmax_bit_for_bit() -> None:
    assert _PaddedSoftmax._check()
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(7, 3000, 2, generator=gen) * torch.logspace(-4, 3, 3000)[:, None]
    x[0, :4] = torch.tensor([[0.0, -0.0], [1e38, -1e38], [-104.0, 88.0], [1e-40, 0.0]])
    got, want = _PaddedSoftmax(dim=-1)(x), torch.softmax(x, dim=-1)
    assert torch.equal(got.view(torch.int32), want.view(torch.int32))
    assert got.is_contiguous() and got.shape == want.shape
    y = torch.randn(2, 5, 3, generator=gen)  # three classes: torch's own softmax
    assert torch.equal(_PaddedSoftmax(dim=-1)(y), torch.softmax(y, dim=-1))


def test_captured_ensemble_layers_are_the_reference_forward() -> None:
    model = EnsembleMLP([0, 1, 2])
    x = torch.as_tensor(twelve_bit_inputs())
    acts = run_and_capture(model, x, model.layer_names(True), sample_dims=2)
    with torch.no_grad():  # the forward written out, with torch's own softmax
        h = x.unsqueeze(0).expand(3, -1, -1)
        for i, block in enumerate(model.layers):
            h = block.linear(h)
            h = torch.softmax(h, dim=-1) if i == len(model.layers) - 1 else torch.tanh(h)
            name = model.layer_names(True)[i]
            assert torch.equal(acts[name], h), name
    assert type(model.layers[-1].softmax).__name__ == "_PaddedSoftmax"
    assert "Softmax(dim=-1)" in repr(model.layers[-1])
