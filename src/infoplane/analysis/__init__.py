"""Training dynamics and diagnostics: gradient signal-to-noise phases (Shwartz-Ziv & Tishby 2017).

Public API: :func:`~infoplane.analysis.phases.detect_phases` and the per-curve rules
:func:`~infoplane.analysis.phases.transition_epoch`,
:func:`~infoplane.analysis.phases.compression_epoch`,
:func:`~infoplane.analysis.phases.smooth_log_epochs`.
"""

from infoplane.analysis.phases import (
    compression_epoch,
    detect_phases,
    smooth_log_epochs,
    transition_epoch,
)

__all__ = ["compression_epoch", "detect_phases", "smooth_log_epochs", "transition_epoch"]

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
