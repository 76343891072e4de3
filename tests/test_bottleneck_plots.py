"""Figures of the IB bound and of the layer check."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infoplane.bottleneck import information_bottleneck, twelve_bit_bound
from infoplane.interface import InfoplaneError
from infoplane.plots.bound import draw_bound, plot_bound, plot_bound_check


def test_draw_bound_on_existing_axes() -> None:
    fig, ax = plt.subplots()
    line = draw_bound(ax, twelve_bit_bound(), label="IB bound (all.mat)")
    x, y = line.get_data()
    assert x[0] == pytest.approx(0.0) and y[-1] == pytest.approx(0.84434, abs=1e-5)
    assert np.all(np.diff(x) >= 0)
    plt.close(fig)
    with pytest.raises(InfoplaneError, match="i_xt"):
        draw_bound(ax, pd.DataFrame({"a": [1]}))


def test_plot_bound_and_layer_check(tmp_path: Path, saved_figures: list) -> None:
    curve = information_bottleneck(p_y_given_x=[[0.9, 0.1], [0.1, 0.9]], betas=[1, 2, 5])
    assert plot_bound(curve, tmp_path / "b.png") == tmp_path / "b.png"
    assert (tmp_path / "b.png").is_file()
    ax = saved_figures[0].axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("I(X;T) [bits]", "I(T;Y) [bits]")
    (dotted,) = [ln for ln in ax.lines if ln.get_linestyle() == ":"]
    assert dotted.get_ydata()[0] == pytest.approx(curve.i_xy)  # I(X;Y) = 1 - h(0.1)
    assert dotted.get_label() == f"I(X;Y) = {curve.i_xy:.3f} bits"
    np.testing.assert_allclose(ax.collections[0].get_array(), np.log10([1, 2, 5]))
    assert saved_figures[0].axes[-1].get_ylabel() == r"$\log_{10}\beta$"
    df = pd.DataFrame(
        {
            "layer": [1, 1, 1, 1, 2, 2, 2, 2],
            "repeat": [0, 1, 0, 1] * 2,
            "epoch": [0, 0, 9, 9] * 2,
            "i_xt": [1.0, 1.2, 2.0, 2.2, 0.5, 0.5, 1.0, 1.0],
            "i_ty": [0.3, 0.5, 0.5, 0.7, 0.2, 0.2, 0.4, 0.4],
            "distance": [0.2, 0.1, 0.1, 0.05, 0.3, 0.3, 0.2, 0.2],
            "excess_i_xt": 0.5,
            "above_bound": False,
            "inconsistent": [0.4, None, 0.2, None, 0.6, None, 0.5, None],
            "not_argmin": [0.5, None, 0.3, None, 0.7, None, 0.6, None],
        }
    )
    bound = pd.DataFrame({"i_xt": [0.0, 1.0, 3.0], "i_ty": [0.0, 0.6, 0.8]})
    assert plot_bound_check(df, tmp_path / "lc.png", bound=bound, n_boot=50) == tmp_path / "lc.png"
    dist_ax, eq_ax, plane_ax = saved_figures[1].axes[:3]
    # panel 1: mean distance over networks per layer, epochs + 1 on a log axis
    np.testing.assert_allclose(dist_ax.lines[0].get_ydata(), [0.15, 0.075])
    np.testing.assert_allclose(dist_ax.lines[1].get_ydata(), [0.3, 0.2])
    np.testing.assert_allclose(dist_ax.lines[0].get_xdata(), [1.0, 10.0])
    assert dist_ax.get_xscale() == "log" and dist_ax.get_ylabel() == "distance [bits]"
    # panel 2: inconsistent (solid) and not_argmin (dashed) of network 0, one pair per layer
    assert len(eq_ax.lines) == 4
    np.testing.assert_allclose(eq_ax.lines[0].get_ydata(), [0.4, 0.2])
    np.testing.assert_allclose(eq_ax.lines[3].get_ydata(), [0.7, 0.6])
    # panel 3: the layers' mean (I(X;T), I(T;Y)) and the bound of the same joint
    np.testing.assert_allclose(plane_ax.lines[0].get_xdata(), [1.1, 2.1])
    np.testing.assert_allclose(plane_ax.lines[0].get_ydata(), [0.4, 0.6])
    drawn = [np.asarray(line.get_ydata(), dtype=float) for line in plane_ax.lines]
    assert any(y.shape == (3,) and np.allclose(y, [0.0, 0.6, 0.8]) for y in drawn)
    with pytest.raises(InfoplaneError, match="layer"):
        plot_bound_check(df.drop(columns="layer"), tmp_path / "x.png")


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), n_x=st.integers(2, 8), n_y=st.integers(2, 4))
def test_curve_points_are_feasible(seed: int, n_x: int, n_y: int) -> None:
    """Data processing: 0 <= I(T;Y) <= min(I(X;T), I(X;Y)) and I(X;T) <= H(X) at every beta."""
    rng = np.random.default_rng(seed)
    pyx = rng.dirichlet(np.ones(n_y), size=n_x)
    curve = information_bottleneck(p_y_given_x=pyx, betas=[0.5, 2.0, 20.0])
    assert np.all(curve.i_ty >= 0)
    assert np.all(curve.i_ty <= np.minimum(curve.i_xt, curve.i_xy) + 1e-9)
    assert np.all(curve.i_xt <= curve.h_x + 1e-9)
