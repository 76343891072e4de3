"""Phase detection on synthetic curves with a known drift-to-diffusion transition and peak."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from infoplane.analysis.phases import (
    compression_epoch,
    detect_phases,
    smooth_log_epochs,
    transition_epoch,
)
from infoplane.interface import InfoplaneError
from infoplane.training.schedule import log_spaced_epochs

EPOCHS = log_spaced_epochs(4000, 300)[1:]  # training epochs only (>= 1), log-spaced


def _gradients(transition: float, repeats: int = 5, noise: float = 0.3, layers=(1, 2)):
    """mean = 1 until the transition then decays; std grows: SNR = (transition / e)^0.7."""
    rng = np.random.default_rng(0)
    rows = []
    for layer in layers:
        t = transition * layer  # deeper layers later
        for r in range(repeats):
            jitter = np.exp(noise * rng.standard_normal(len(EPOCHS)))
            std = 1e-2 * (EPOCHS / t) ** 0.35 * jitter
            mean = 1e-2 * (t / EPOCHS) ** 0.35
            rows.append(
                pd.DataFrame(
                    {
                        "repeat": r,
                        "epoch": EPOCHS,
                        "layer": layer,
                        "grad_mean": mean,
                        "grad_std": std,
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)


def _plane(peak: float, repeats: int = 5, layers=(1, 2)):
    rng = np.random.default_rng(1)
    rows = []
    for layer in layers:
        x = np.log10(EPOCHS + 1.0) - np.log10(peak * layer + 1.0)
        for r in range(repeats):
            i_xt = 10.0 - 2.0 * x**2 + 0.05 * rng.standard_normal(len(EPOCHS))
            rows.append(
                pd.DataFrame(
                    {
                        "repeat": r,
                        "epoch": EPOCHS,
                        "layer": layer,
                        "estimator": "binning",
                        "i_xt": i_xt,
                        "i_ty": 0.5,
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)


def test_smoothing_preserves_a_line_in_log_epoch_inside_the_range():
    x = np.log10(EPOCHS + 1.0)
    out = smooth_log_epochs(EPOCHS, 3.0 * x)
    inner = (x > x.min() + 0.4) & (x < x.max() - 0.4)
    np.testing.assert_allclose(out[inner], 3.0 * x[inner], atol=0.02)


def test_known_transition_and_compression_are_found_per_layer():
    phases = detect_phases(_plane(peak=300.0), _gradients(transition=100.0))
    assert list(phases.columns) == ["layer", "transition_epoch", "compression_epoch"]
    assert phases["layer"].tolist() == [1, 2]
    for layer, t_true, c_true in [(1, 100.0, 300.0), (2, 200.0, 600.0)]:
        row = phases.set_index("layer").loc[layer]
        assert abs(np.log10(row["transition_epoch"] / t_true)) < 0.06  # within 15%
        assert abs(np.log10(row["compression_epoch"] / c_true)) < 0.06


def test_no_transition_or_compression_gives_nan():
    assert np.isnan(transition_epoch(EPOCHS, np.full(len(EPOCHS), 5.0)))
    assert transition_epoch(EPOCHS, np.full(len(EPOCHS), 0.5)) == EPOCHS[0]
    assert np.isnan(compression_epoch(EPOCHS, np.log(EPOCHS)))  # still growing at the end
    # Infinite SNR (full batch: std = 0) counts as drift.
    assert np.isnan(transition_epoch(EPOCHS, np.full(len(EPOCHS), np.inf)))


def test_brief_dip_below_one_is_not_the_transition():
    snr = np.where((EPOCHS > 20) & (EPOCHS < 23), 0.5, 3.0)
    snr = np.where(EPOCHS > 1000, 0.2, snr)
    assert abs(np.log10(transition_epoch(EPOCHS, snr) / 1000)) < 0.1


def test_errors_name_the_argument():
    with pytest.raises(InfoplaneError, match="lacks column"):
        detect_phases(None, pd.DataFrame({"epoch": [1], "layer": [1]}))
    two = pd.concat([_plane(300.0), _plane(300.0).assign(estimator="kde")])
    with pytest.raises(InfoplaneError, match="estimator="):
        detect_phases(two, None)
    assert len(detect_phases(two, None, estimator="kde")) == 2
    with pytest.raises(InfoplaneError, match="bandwidth"):
        smooth_log_epochs(EPOCHS, EPOCHS, bandwidth=0.0)
    with pytest.raises(InfoplaneError, match="increasing"):
        transition_epoch(EPOCHS[::-1], np.ones(len(EPOCHS)))


def test_compression_onset_is_the_first_peak_followed_by_a_real_drop():
    x = np.log10(EPOCHS + 1.0)
    # Rises to a peak near epoch 50, falls by 1 bit, then climbs above it again by the end.
    curve = 10.0 + np.exp(-((x - np.log10(51.0)) ** 2) / 0.02) + 1.5 * np.clip(x - 2.2, 0, None)
    found = compression_epoch(EPOCHS, curve)
    assert abs(np.log10(found / 50.0)) < 0.06
    # A layer pinned at 12 bits with binning noise does not compress.
    rng = np.random.default_rng(2)
    pinned = 12.0 - np.abs(rng.normal(0.0, 0.002, len(EPOCHS)))
    assert np.isnan(compression_epoch(EPOCHS, pinned))
    with pytest.raises(InfoplaneError, match="min_drop"):
        compression_epoch(EPOCHS, pinned, min_drop=-1.0)


def test_snr_figure_and_phase_markers(tmp_path):
    import matplotlib.pyplot as plt

    from infoplane.plots.snr import mark_phases, mean_gradients, plot_snr

    grads = _gradients(transition=100.0)
    plane = _plane(peak=300.0)
    phases = detect_phases(plane, grads)
    fig = plot_snr(grads, tmp_path / "snr.png", phases=phases)
    assert (tmp_path / "snr.png").is_file()
    assert len(fig.axes) == 2  # one panel per layer
    avg = mean_gradients(grads)
    for ax, layer in zip(fig.axes, sorted(avg["layer"].unique()), strict=True):
        assert ax.get_title().startswith(f"layer {layer}")
        assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
        mean_line, std_line = ax.lines[:2]  # the mean (red) and std (blue) of the gradients
        sub = avg[(avg["layer"] == layer) & (avg["epoch"] > 0)]
        np.testing.assert_allclose(mean_line.get_ydata(), sub["grad_mean"])
        np.testing.assert_allclose(std_line.get_ydata(), sub["grad_std"])
        dashed = [ln for ln in ax.lines if ln.get_linestyle() == "--"]  # drift -> diffusion
        want = phases.set_index("layer").loc[layer, "transition_epoch"]
        assert len(dashed) == 1 and dashed[0].get_xdata()[0] == pytest.approx(want)
    assert fig.axes[-1].get_xlabel() == "Epochs"
    plt.close(fig)
    avg = mean_gradients(grads)
    assert {"layer", "epoch", "grad_mean", "grad_std", "snr"} <= set(avg.columns)
    fig, ax = plt.subplots()
    mean = plane.groupby(["epoch", "layer"], as_index=False)[["i_xt", "i_ty"]].mean()
    mark_phases(ax, mean, phases)
    assert len(ax.collections) == 2  # transition stars and compression crosses
    plt.close(fig)
    with pytest.raises(InfoplaneError, match="empty"):
        plot_snr(grads.iloc[:0])


def test_a_dip_right_after_initialisation_is_not_compression():
    x = np.log10(EPOCHS + 1.0)
    # Starts high, dips by 0.5 bit, then only grows: no fitting phase before the first "peak".
    curve = 5.0 - 0.5 * np.exp(-((x - 1.0) ** 2) / 0.05) + 0.2 * np.clip(x - 2.0, 0, None)
    assert np.isnan(compression_epoch(EPOCHS, curve))
