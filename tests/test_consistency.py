"""DPI checks pass a Markov chain and flag a constructed violation; parameter sensitivity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from infoplane.analysis.consistency import (
    dpi_checks,
    dpi_summary,
    mean_dpi_violations,
    parameter_sensitivity,
    sensitivity_verdict,
)
from infoplane.estimators import make_estimator
from infoplane.interface import InfoplaneError
from infoplane.plots.consistency import mark_dpi_violations, plot_parameter_sensitivity


def _plane_from_layers(layers: list[np.ndarray], labels: np.ndarray, estimator: str = "exact"):
    """Exact plug-in plane of integer-valued layers (bins of width 1 are the identity)."""
    est = make_estimator("binning", bin_width=1.0, n_bins=None)
    frames = []
    for k, t in enumerate(layers, start=1):
        i_xt, i_ty = est.information_plane(t, labels)
        r, e = t.shape[:2]
        frames.append(
            pd.DataFrame(
                {
                    "repeat": np.repeat(np.arange(r), e),
                    "epoch": np.tile(np.arange(e), r),
                    "layer": k,
                    "layer_name": f"t{k}",
                    "estimator": estimator,
                    "i_xt": i_xt.ravel(),
                    "i_ty": i_ty.ravel(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def test_markov_chain_passes() -> None:
    rng = np.random.default_rng(1)
    x = np.arange(1024)
    labels = (x * 2654435761 % 1024 >= 512).astype(int)  # a scrambled balanced label
    # T1 = X; each next layer is a (random, per repeat and epoch) coarsening of the one before
    t1 = np.broadcast_to(x[None, None, :, None], (2, 3, 1024, 1)).astype(float)
    t2 = np.floor(t1 / rng.integers(2, 5, (2, 3, 1, 1)))
    t3 = np.floor(t2 / rng.integers(3, 9, (2, 3, 1, 1)))
    t4 = np.floor(t3 / 7)
    plane = _plane_from_layers([t1, t2, t3, t4], labels)
    checks = dpi_checks(plane)
    assert len(checks) == 2 * 3 * 3 * 2  # repeats x epochs x pairs x quantities
    assert not checks["violated"].any()
    assert (checks["excess"] <= 1e-12).all()
    summ = dpi_summary(checks)
    assert summ["n_violations"].tolist() == [0, 0]


def test_constructed_violation_is_flagged() -> None:
    plane = pd.DataFrame(
        {
            "repeat": 0,
            "epoch": [0, 0, 0, 1, 1, 1],
            "layer": [1, 2, 3] * 2,
            "estimator": "binning",
            "i_xt": [10.0, 8.0, 9.0, 10.0, 8.0, 7.0],
            "i_ty": [1.0, 0.9, 0.8, 1.0, 0.95, 0.9],
        }
    )
    checks = dpi_checks(plane)
    bad = checks[checks["violated"]]
    assert len(bad) == 1
    row = bad.iloc[0]
    assert (row["epoch"], row["layer"], row["quantity"]) == (0, 3, "i_xt")
    assert row["excess"] == pytest.approx(1.0)
    assert not dpi_checks(plane, tolerance=1.5)["violated"].any()
    summ = dpi_summary(checks).set_index("quantity")
    assert summ.loc["i_xt", "n_violations"] == 1 and summ.loc["i_xt", "worst_layer"] == 3
    assert summ.loc["i_ty", "n_violations"] == 0
    only_ty = dpi_checks(plane, quantities=["i_ty"])
    assert set(only_ty["quantity"]) == {"i_ty"}
    with pytest.raises(InfoplaneError, match="tolerance"):
        dpi_checks(plane, tolerance=-1)
    with pytest.raises(InfoplaneError, match="i_xt"):
        dpi_checks(plane.drop(columns="i_xt"))


def test_mark_dpi_violations_on_axes() -> None:
    import matplotlib.pyplot as plt

    plane = pd.DataFrame(
        {
            "repeat": [0, 0, 1, 1],
            "epoch": 0,
            "layer": [1, 2, 1, 2],
            "estimator": "binning",
            "i_xt": [5.0, 6.0, 5.0, 5.5],
            "i_ty": [1.0, 0.5, 1.0, 0.5],
        }
    )
    means = mean_dpi_violations(plane)
    assert len(means) == 1 and means.iloc[0]["i_xt"] == pytest.approx(5.75)
    fig, ax = plt.subplots()
    assert mark_dpi_violations(ax, plane) == 1
    assert len(ax.collections) == 1
    plt.close(fig)


def test_parameter_sensitivity_all_and_none() -> None:
    rng = np.random.default_rng(0)
    z = rng.standard_normal((1, 1, 2000, 2))
    gains = np.array([0.5, 1.0, 3.0, 30.0])[None, :, None, None]  # spread, then saturate
    saturating = np.tanh(gains * z)
    constant = np.broadcast_to(np.tanh(z), (1, 4, 2000, 2))
    labels = (z[0, 0, :, 0] > 0).astype(int)
    table = parameter_sensitivity(
        {"sat": saturating, "const": constant},
        labels,
        [0, 10, 100, 1000],
        settings=[{"n_bins": 10}, {"n_bins": 30}],
    )
    assert len(table) == 4
    verdict = sensitivity_verdict(table).set_index("layer_name")["verdict"]
    assert verdict["sat"] == "all"
    assert verdict["const"] == "none"
    fig = plot_parameter_sensitivity(table)
    fig.clf()
    with pytest.raises(InfoplaneError, match="settings"):
        parameter_sensitivity({"sat": saturating}, labels, [0, 1, 2, 3], settings=[])


def test_sensitivity_verdict_some() -> None:
    table = pd.DataFrame(
        {
            "setting": ["a", "b", "c"],
            "layer": 1,
            "layer_name": "l",
            "compression": [0.0, 0.2, 0.4],
            "compresses": [False, True, True],
        }
    )
    row = sensitivity_verdict(table).iloc[0]
    assert row["verdict"] == "some" and row["n_compressing"] == 2
