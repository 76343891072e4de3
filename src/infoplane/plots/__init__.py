"""Figures (matplotlib, Agg) in the papers' conventions, drawn in one style (:mod:`.style`).

Computation lives in :mod:`infoplane.analysis` and :mod:`infoplane.bottleneck`; this package only
draws. The plotly report (:mod:`infoplane.report`) reads the same colours, markers and labels from
:mod:`infoplane.plots.style`.
"""

from infoplane.plots.consistency import mark_dpi_violations, plot_parameter_sensitivity
from infoplane.plots.generalization import plot_compression_vs_generalization
from infoplane.plots.information_plane import (
    draw_information_plane,
    mean_over_repeats,
    plot_information_plane,
)
from infoplane.plots.snr import mark_phases, plot_snr
from infoplane.plots.style import axis_label
from infoplane.plots.training_curves import plot_training_curves

__all__ = [
    "axis_label",
    "draw_information_plane",
    "mark_dpi_violations",
    "mark_phases",
    "mean_over_repeats",
    "plot_compression_vs_generalization",
    "plot_information_plane",
    "plot_parameter_sensitivity",
    "plot_snr",
    "plot_training_curves",
]
