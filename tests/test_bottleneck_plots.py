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
from infoplane.plots.bound import draw_bound, plot_bound, plot_layer_check


def test_draw_bound_on_existing_axes() -> None:
    fig, ax = plt.subplots()
    line = draw_bound(ax, twelve_bit_bound(), label="IB bound (all.mat)")
    x, y = line.get_data()
    assert x[0] == pytest.approx(0.0) and y[-1] == pytest.approx(0.84434, abs=1e-5)
    assert np.all(np.diff(x) >= 0)
    plt.close(fig)
    with pytest.raises(InfoplaneError, match="i_xt"):
        draw_bound(ax, pd.DataFrame({"a": [1]}))


def test_plot_bound_and_layer_check(tmp_path: Path) -> None:
    curve = information_bottleneck(p_y_given_x=[[0.9, 0.1], [0.1, 0.9]], betas=[1, 2, 5])
    assert plot_bound(curve, tmp_path / "b.png").stat().st_size > 1000
    df = pd.DataFrame(
        {
            "layer": [1, 1, 2, 2],
            "epoch": [0, 10, 0, 10],
            "beta": [2.0, 5.0, 1.5, 3.0],
            "residual": [0.5, 0.2, 0.7, 0.4],
            "slope": [0.5, 0.2, 0.66, 0.33],
            "i_xt": [1.0, 2.0, 0.5, 1.0],
        }
    )
    assert plot_layer_check(df, tmp_path / "lc.png").stat().st_size > 1000
    with pytest.raises(InfoplaneError, match="layer"):
        plot_layer_check(df.drop(columns="layer"), tmp_path / "x.png")


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
