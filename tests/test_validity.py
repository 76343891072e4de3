"""Validity flags of information-plane rows: each raised on a case with a known answer, not on a
clean one; carried through every estimation route, the Parquet table, the PNG and the summary."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infoplane.analysis.validity import (
    DETERMINISTIC_ESTIMATORS,
    FLAG_BITS,
    FLAG_NAMES,
    add_dpi_flags,
    ceiling_bits,
    flag_bits,
    flag_mask,
    flag_strings,
    flag_summary,
    representation_flags,
    representation_stats,
    summarize_flags,
)
from infoplane.estimators import make_estimator
from infoplane.interface import FLAGS, LN2, InfoplaneError
from infoplane.run.config import EstimatorConfig
from infoplane.run.estimation import OnlineEstimates, estimate_from_store, estimate_plane

N = 4096


def _tanh_rows(n: int = N, d: int = 10, seed: int = 0) -> np.ndarray:
    return np.tanh(2.0 * np.random.default_rng(seed).standard_normal((n, d)))


def _flags_of(name: str, t: np.ndarray, labels: np.ndarray, **params) -> tuple[str, float, float]:
    est = make_estimator(name, **params)
    i_xt, i_ty = est.information_plane(t, labels)
    return str(flag_strings(representation_flags(est, t, labels, i_xt))), float(i_xt), float(i_ty)


def _names(flags: str) -> set[str]:
    return set(filter(None, flags.split(",")))


# -- saturated and not_finite --------------------------------------------------------------------


def test_fine_bins_on_distinct_tanh_rows_are_saturated_and_not_finite() -> None:
    t, labels = _tanh_rows(), np.arange(N) % 2
    flags, i_xt, _ = _flags_of("binning", t, labels, n_bins=30)
    assert i_xt == pytest.approx(12.0, abs=1e-12)  # every row in its own bin: log2 4096
    # and K = n occupied bins: Miller-Madow term 4095 / (2 * 4096 ln 2) = 0.72 bit > 0.1
    assert _names(flags) == {"saturated", "sparse_bins", "not_finite"}
    # the whole input space evaluated (the 12-bit task): the plug-in values are exact, not sparse
    est = make_estimator("binning", n_bins=30)
    i_xt, _ = est.information_plane(t, labels)
    bits = representation_flags(est, t, labels, i_xt, complete_inputs=True)
    assert str(flag_strings(bits)) == "saturated,not_finite"
    table = estimate_plane(
        {"h": t[None, None]},
        labels,
        np.array([0]),
        [EstimatorConfig(name="binning", params={"n_bins": 30})],
        complete_inputs=True,
    )
    assert table["flags"].tolist() == ["saturated,not_finite"]


def test_a_coarse_two_bin_layer_is_clear() -> None:
    t, labels = _tanh_rows(d=1), np.arange(N) % 2
    flags, i_xt, _ = _flags_of("binning", t, labels, n_bins=2)
    assert 0.9 < i_xt <= 1.0  # two bins: at most 1 bit, far below log2 n = 12
    assert flags == ""


def test_a_quantised_layer_at_log2_n_is_saturated_but_not_not_finite() -> None:
    # 3 units on 16 levels: all 4096 rows distinct, I(X;T) = H(T) = 12 bits exactly and finite
    levels = np.linspace(-1, 1, 16)
    t = np.array(list(itertools.product(levels, repeat=3)))
    est = make_estimator("binning", n_bins=16, range=(-1.0 - 1 / 15, 1.0 + 1 / 15))
    i_xt, _ = est.information_plane(t, np.arange(N) % 2)
    assert float(i_xt) == pytest.approx(12.0, abs=1e-12)
    stats = representation_stats(t, np.arange(N) % 2, est)
    assert bool(stats["lattice"])  # 16 distinct values <= min(256, n d / 2)
    flags = _names(str(flag_strings(representation_flags(est, t, np.arange(N) % 2, i_xt))))
    assert "saturated" in flags and "not_finite" not in flags


def test_noisy_channel_estimators_are_never_not_finite() -> None:
    stats = {"lattice": np.array([False]), "mm_xt": np.array([0.0]), "mm_ty": np.array([0.0])}
    for name in ("kde_upper", "kde_lower", "sample_propagation", "ksg"):
        assert flag_bits(name, [12.0], n_samples=N, stats=stats).tolist() == [
            FLAG_BITS["saturated"]
        ]
    for name in DETERMINISTIC_ESTIMATORS:
        bits = int(
            flag_bits(
                name,
                [12.0],
                n_samples=N,
                params={"n_samples_max": None},
                stats={"lattice": np.array([False])},
            )[0]
        )
        assert bits & FLAG_BITS["not_finite"]


def test_saturation_tolerance_and_estimator_ceilings() -> None:
    # log2 4096 = 12; the margin is max(0.05 bit, 1% = 0.12 bit)
    assert flag_bits("binning", [11.89, 11.87], n_samples=N).tolist() == [1, 0]
    # nats in: 12 bits = 12 ln 2 nats
    assert flag_bits("binning", [12 * LN2], n_samples=N, unit="nats").tolist() == [1]
    # Renyi uses at most n_samples_max = 256 samples: ceiling 8 bits, not 12
    assert ceiling_bits("renyi", {"n_samples_max": 256}, N) == 8.0
    assert flag_bits("renyi", [7.99], n_samples=N, params={"n_samples_max": 256}).tolist() == [1]
    assert flag_bits("binning", [7.99], n_samples=N).tolist() == [0]
    # InfoNCE: K = held-out size, 256 of 512 samples at the defaults: ln 256 nats = 8 bits
    assert ceiling_bits("infonce", {"n_samples_max": None, "test_fraction": 0.5}, N) == 8.0
    # a NaN I(X;T) (variational bounds on the plane) is never saturated
    assert flag_bits("infonce", [np.nan], n_samples=N).tolist() == [0]
    with pytest.raises(InfoplaneError, match="n_samples"):
        ceiling_bits("binning", {}, 1)


# -- sparse_bins -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("k", "flagged"), [(100, False), (200, True)])
def test_sparse_bins_follows_the_miller_madow_term(k: int, flagged: bool) -> None:
    n = 1000
    t = ((np.arange(n) % k) + 0.5)[:, None]  # exactly k occupied bins of width 1
    labels = np.arange(n) % 2  # each class sees k/2 of them
    est = make_estimator("binning", bin_width=1.0)
    stats = representation_stats(t, labels, est)
    assert float(stats["mm_xt"]) == pytest.approx((k - 1) / (2 * n * LN2), rel=1e-12)
    # I(T;Y) term: (sum_y (K_y - 1) - (K - 1)) / (2 n ln 2) = (2 (k/2 - 1) - (k - 1)) / ...
    assert float(stats["mm_ty"]) == pytest.approx(-1 / (2 * n * LN2), rel=1e-12)
    i_xt, _ = est.information_plane(t, labels)
    names = _names(str(flag_strings(representation_flags(est, t, labels, i_xt))))
    assert ("sparse_bins" in names) is flagged  # 99 / 1386 = 0.071 bit; 199 / 1386 = 0.144 bit
    assert "not_finite" not in names  # k levels: a lattice


# -- ties ------------------------------------------------------------------------------------------


def test_ksg_on_duplicated_rows_is_flagged_ties_and_clean_rows_are_not() -> None:
    n = 512
    labels = np.arange(n) % 2
    dup = np.repeat(_tanh_rows(n // 4, 3, seed=1), 4, axis=0)  # each row 4 times: 75% repeats
    flags, _, _ = _flags_of("ksg", dup, labels, n_eval=64)
    assert "ties" in _names(flags)
    stats = representation_stats(dup, labels, make_estimator("ksg"))
    assert float(stats["dup_share"]) == pytest.approx(0.75)
    clean, _, _ = _flags_of("ksg", _tanh_rows(n, 3, seed=2), labels, n_eval=64)
    assert "ties" not in _names(clean)


# -- dpi_violation ---------------------------------------------------------------------------------


def _two_layer_table(i_xt2: float, estimator: str = "binning", unit: str = "bits") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "repeat": [0, 0, 1, 1],
            "epoch": 5,
            "layer": [2, 1, 1, 2],  # out of order on purpose
            "estimator": estimator,
            "i_xt": [i_xt2, 3.0, 3.0, 2.0],
            "i_ty": [0.5, 0.6, 0.6, 0.5],
            "unit": unit,
            "flags": ["saturated", "", "", ""],
        }
    )


def test_dpi_violation_beyond_the_estimators_tolerance() -> None:
    table = _two_layer_table(4.0)  # I(X;T2) = I(X;T1) + 1 bit in repeat 0
    out = add_dpi_flags(table)
    assert out["flags"].tolist() == ["saturated,dpi_violation", "", "", ""]
    pd.testing.assert_frame_equal(out.drop(columns="flags"), table.drop(columns="flags"))
    assert add_dpi_flags(out)["flags"].tolist() == out["flags"].tolist()  # idempotent
    # within binning's 0.05 bit: clear; sample_propagation allows 0.25 bit
    assert add_dpi_flags(_two_layer_table(3.04))["flags"].tolist()[0] == "saturated"
    assert add_dpi_flags(_two_layer_table(3.2, "sample_propagation"))["flags"][0] == "saturated"
    assert "dpi_violation" in add_dpi_flags(_two_layer_table(3.3, "sample_propagation"))["flags"][0]
    # the tolerance is in bits: 0.05 bit = 0.0347 nats
    assert "dpi_violation" in add_dpi_flags(_two_layer_table(3.04, unit="nats"))["flags"][0]
    # I(T;Y) counts too
    ty = _two_layer_table(2.0).assign(i_ty=[1.0, 0.6, 0.6, 0.5])
    assert add_dpi_flags(ty)["flags"].tolist()[0] == "saturated,dpi_violation"


# -- the routes carry the flags and leave the values alone --------------------------------------------


def test_flags_never_change_values_and_all_routes_agree(tmp_path: Path) -> None:
    from infoplane.storage import ActivationStore

    rng = np.random.default_rng(3)
    n, labels = 256, np.arange(256) % 2
    acts = {
        "h1": np.tanh(rng.standard_normal((2, 3, n, 6)) * np.array([3.0, 1.0, 0.1])[:, None, None]),
        "h2": np.tanh(rng.standard_normal((2, 3, n, 2))),
    }
    epochs = np.array([0, 1, 2])
    cfgs = [
        EstimatorConfig(name="binning", params={"n_bins": 30}),
        EstimatorConfig(name="binning", params={"n_bins": 3}),
    ]
    mem = estimate_plane(acts, labels, epochs, cfgs)
    for k, cfg in enumerate(cfgs):  # the values are those of the estimator alone
        est = make_estimator(cfg.name, **cfg.params)
        for layer, name in enumerate(acts, start=1):
            i_xt, i_ty = est.information_plane(acts[name], labels)
            rows = mem.iloc[(k * 2 + layer - 1) * 6 : (k * 2 + layer) * 6]
            assert np.array_equal(rows["i_xt"].to_numpy(), i_xt.ravel())
            assert np.array_equal(rows["i_ty"].to_numpy(), i_ty.ravel())
    fine = mem[(mem["layer"] == 1) & (mem.index < 12)]
    assert (flag_mask(fine, "saturated") == (fine["i_xt"] >= 8 - 0.08)).all()
    assert flag_mask(mem, "saturated").any() and (mem["flags"] == "").any()

    store = ActivationStore.create(
        tmp_path / "a.zarr", {"h1": 6, "h2": 2}, n_repeats=2, labels=labels
    )
    for e in epochs:
        store.write_epoch(int(e), {k: v[:, e] for k, v in acts.items()})
    offline = estimate_from_store(store, cfgs, max_bytes=2 * n * 6 * 4)  # one epoch per chunk
    pd.testing.assert_frame_equal(mem, offline)

    online = OnlineEstimates(cfgs, labels)
    for e in epochs:
        online.update(int(e), {k: v[:, e] for k, v in acts.items()})
    pd.testing.assert_frame_equal(mem, online.to_frame(list(acts)))
    restored = OnlineEstimates(cfgs, labels)
    restored.load_state_dict(online.state_dict())
    pd.testing.assert_frame_equal(mem, restored.to_frame(list(acts)))
    old = OnlineEstimates(cfgs, labels)  # a checkpoint from before flags: saturation recomputed
    old.load_state_dict([entry[:5] for entry in online.state_dict()])
    assert (
        flag_mask(old.to_frame(list(acts)), "saturated").tolist()
        == flag_mask(mem, "saturated").tolist()
    )


def test_a_cached_estimate_without_flags_is_estimated_again(tmp_path: Path) -> None:
    from infoplane.storage import ActivationStore, write_table

    labels = np.arange(64) % 2
    store = ActivationStore.create(tmp_path / "a.zarr", {"h": 3}, n_repeats=1, labels=labels)
    store.write_epoch(0, {"h": _tanh_rows(64, 3)[None]})
    cfg = [EstimatorConfig(name="binning", params={"n_bins": 30})]
    cache = tmp_path / "cache.parquet"
    fresh = estimate_from_store(store, cfg, cache=lambda k, i: cache)
    write_table(cache, fresh.drop(columns="flags"))  # as an older version wrote it
    again = estimate_from_store(store, cfg, cache=lambda k, i: cache)
    assert (
        again["flags"].tolist() == fresh["flags"].tolist() == ["saturated,sparse_bins,not_finite"]
    )


def test_the_plane_table_round_trips_flags_through_parquet(tmp_path: Path) -> None:
    from infoplane.storage import PLANE_COLUMNS, plane_frame, read_table, write_table

    frame = plane_frame(
        np.array([[12.0, 3.0]]),
        np.array([[1.0, 0.5]]),
        [0, 9],
        1,
        "h",
        "binning",
        flags=np.array([[FLAG_BITS["saturated"] | FLAG_BITS["not_finite"], 0]]),
    )
    assert list(frame.columns) == list(PLANE_COLUMNS)
    write_table(tmp_path / "p.parquet", frame)
    back = read_table(tmp_path / "p.parquet", columns=list(PLANE_COLUMNS))
    assert back["flags"].tolist() == ["saturated,not_finite", ""]
    pd.testing.assert_frame_equal(back, frame)
    with pytest.raises(InfoplaneError, match="flags"):
        plane_frame(np.ones((1, 2)), np.ones((1, 2)), [0, 1], 1, "h", "b", flags=np.zeros(3))


def test_recorder_tables_carry_flags() -> None:
    import torch
    from torch import nn

    from infoplane.run.recorder import Recorder

    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1), nn.Tanh())
    rec = Recorder(net, torch.randn(128, 4) * 3, torch.arange(128) % 2, layers=["1", "3"])
    for epoch in range(2):
        rec.capture(epoch)
    table = rec.estimate("binning", n_bins=30)
    fine = table[table["layer"] == 1]  # 8 units, 30 bins: 128 distinct rows, 7 bits
    assert (fine["i_xt"] == 7.0).all()
    assert set(fine["flags"]) == {"saturated,sparse_bins,not_finite"}
    coarse = rec.estimate("binning", n_bins=2)
    assert not flag_mask(coarse[coarse["layer"] == 2], "saturated").any()  # 1 unit: <= 1 bit


# -- the figure, the summary, the names ---------------------------------------------------------------


def test_the_png_draws_flagged_points_hollow_and_says_so(tmp_path: Path) -> None:
    import matplotlib.pyplot as plt
    from matplotlib.collections import PathCollection
    from matplotlib.colors import LogNorm, to_rgba_array

    from infoplane.plots.information_plane import plot_information_plane
    from infoplane.plots.style import FLAGGED_LABEL

    table = pd.DataFrame(
        {
            "repeat": 0,
            "epoch": [1, 1, 10, 10, 100, 100],
            "layer": [1, 2] * 3,
            "estimator": "binning",
            "i_xt": [12.0, 5.0, 12.0, 4.0, 11.0, 3.0],
            "i_ty": [0.2, 0.1, 0.6, 0.5, 0.9, 0.8],
            "unit": "bits",
            "flags": ["saturated,not_finite", "", "saturated", "", "", "dpi_violation"],
        }
    )
    fig = plot_information_plane(table, tmp_path / "p.png")
    ax = fig.axes[0]
    points = [c for c in ax.collections if isinstance(c, PathCollection)]
    hollow = [c for c in points if not len(c.get_facecolors())]  # facecolors "none"
    filled = [c for c in points if len(c.get_facecolors())]
    got = sorted(map(tuple, np.concatenate([c.get_offsets() for c in hollow]).tolist()))
    assert got == [(3.0, 0.8), (12.0, 0.2), (12.0, 0.6)]  # the flagged points, and only them
    for c in hollow:  # the edges carry the epoch colours (log scale)
        np.testing.assert_allclose(to_rgba_array(c.get_edgecolors()), c.cmap(c.norm(c.get_array())))
        assert isinstance(c.norm, LogNorm)
    assert sorted(len(c.get_offsets()) for c in filled) == [1, 2]
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert FLAGGED_LABEL in texts and "layer 1" in texts
    assert (tmp_path / "p.png").stat().st_size > 0
    plt.close(fig)
    clean = plot_information_plane(table.assign(flags=""))
    assert FLAGGED_LABEL not in [t.get_text() for t in clean.axes[0].get_legend().get_texts()]
    assert all(
        len(c.get_facecolors()) for c in clean.axes[0].collections if isinstance(c, PathCollection)
    )
    plt.close(clean)


def test_summarize_flags_advises_when_most_points_are_saturated() -> None:
    def table(n_sat: int) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "estimator": "binning",
                "flags": ["saturated,not_finite"] * n_sat + [""] * (10 - n_sat),
            }
        )

    text, advice = summarize_flags(table(6))
    assert "40% clear" in text and "saturated 60%" in text and "docs/flags.md" in text
    assert len(advice) == 5 and "bins" in advice[1] and "noise" in advice[2]
    assert any("quantised" in a for a in advice) and any("estimator" in a for a in advice)
    assert summarize_flags(table(5))[1] == []  # half is not most
    both = pd.concat([table(10), table(0).assign(estimator="kde_upper")], ignore_index=True)
    text, advice = summarize_flags(both)  # 50% overall, but all binning rows: advice
    assert "kde_upper: 100% clear" in text and advice and "binning" in advice[0]
    summary = flag_summary(both)
    assert summary["saturated"].tolist() == [1.0, 0.0, 0.5]


def test_every_flag_is_documented() -> None:
    docs = (Path(__file__).parents[1] / "docs" / "flags.md").read_text(encoding="utf-8")
    for name in FLAG_NAMES:
        assert name in FLAGS  # interface.FLAGS: one line each
        assert f"| `{name}` |" in docs and f"## `{name}`" in docs
    with pytest.raises(InfoplaneError, match="unknown flag"):
        flag_mask(pd.DataFrame({"flags": [""]}), "tie")


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 2 ** len(FLAG_NAMES) - 1), min_size=1, max_size=20))
def test_flag_strings_and_masks_round_trip(bits: list[int]) -> None:
    table = pd.DataFrame({"flags": flag_strings(np.array(bits))})
    back = sum(flag_mask(table, name).astype(int) << k for k, name in enumerate(FLAG_NAMES))
    assert back.tolist() == bits
    assert all(s == "" or not (s.startswith(",") or s.endswith(",")) for s in table["flags"])


def test_representation_stats_checks_its_input() -> None:
    with pytest.raises(InfoplaneError, match="labels"):
        representation_stats(np.zeros((4, 2)), np.zeros(3), make_estimator("binning"))
    assert math.isclose(ceiling_bits("binning", None, 1797), math.log2(1797))
