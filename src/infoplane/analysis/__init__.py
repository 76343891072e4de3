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
