"""Capture of layer representations with forward hooks on any ``nn.Module`` (after pytorch/captum).

The :class:`~infoplane.run.recorder.Recorder` for a user's own training loop builds on these hooks.
"""

from infoplane.capture.hooks import (
    ActivationCapture,
    capture_activations,
    run_and_capture,
    select_layers,
)

__all__ = [
    "ActivationCapture",
    "capture_activations",
    "run_and_capture",
    "select_layers",
]
