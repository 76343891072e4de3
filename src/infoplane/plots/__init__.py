"""Figures (matplotlib, Agg): the information plane and training curves, in the papers' conventions."""

from infoplane.plots.information_plane import (
    draw_information_plane,
    mean_over_repeats,
    plot_information_plane,
)
from infoplane.plots.training_curves import plot_training_curves

__all__ = [
    "draw_information_plane",
    "mean_over_repeats",
    "plot_information_plane",
    "plot_training_curves",
]
