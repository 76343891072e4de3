"""Capture of layer representations with forward hooks on any ``nn.Module`` (after pytorch/captum).

:class:`Recorder` analyses a user's own model and training loop (call it at the epochs you want).
"""

from infoplane.capture.hooks import (
    ActivationCapture,
    capture_activations,
    run_and_capture,
    select_layers,
)
from infoplane.capture.recorder import Recorder

__all__ = [
    "ActivationCapture",
    "Recorder",
    "capture_activations",
    "run_and_capture",
    "select_layers",
]
