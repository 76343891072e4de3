"""Training dynamics and diagnostics: gradient signal-to-noise phases (Shwartz-Ziv & Tishby 2017).

The events of training (fitting, compression, drift-to-diffusion, convergence) are defined once in
:mod:`infoplane.analysis.events`; :func:`~infoplane.analysis.phases.detect_phases` applies them to
a run's tables.
"""

from infoplane.analysis.events import (
    accuracy_epoch,
    compression_event,
    compression_events,
    compression_summary,
    convergence_events,
    curve_noise,
    information_convergence_epoch,
    loss_convergence_epoch,
    mean_ci,
    transition_events,
)
from infoplane.analysis.phases import (
    compression_epoch,
    detect_phases,
    smooth_log_epochs,
    transition_epoch,
)

__all__ = [
    "accuracy_epoch",
    "compression_epoch",
    "compression_event",
    "compression_events",
    "compression_summary",
    "convergence_events",
    "curve_noise",
    "detect_phases",
    "information_convergence_epoch",
    "loss_convergence_epoch",
    "mean_ci",
    "smooth_log_epochs",
    "transition_epoch",
    "transition_events",
]

# Geometric diagnostics, estimator consistency (DPI, parameter sensitivity) and the generalisation
# link (Geiger 2021, arXiv 2003.09671): see the modules for the full API.
from infoplane.analysis.consistency import dpi_checks, dpi_summary, parameter_sensitivity
from infoplane.analysis.diagnostics import compute_diagnostics, diagnostic_correlations
from infoplane.analysis.generalization import compression_amount, compression_vs_generalization

__all__ += [
    "compression_amount",
    "compression_vs_generalization",
    "compute_diagnostics",
    "diagnostic_correlations",
    "dpi_checks",
    "dpi_summary",
    "parameter_sensitivity",
]
