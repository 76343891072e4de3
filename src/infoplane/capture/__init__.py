"""Capture of layer representations with forward hooks on any ``nn.Module`` (after pytorch/captum)."""

from infoplane.capture.hooks import (
    ActivationCapture,
    capture_activations,
    run_and_capture,
    select_layers,
)

__all__ = ["ActivationCapture", "capture_activations", "run_and_capture", "select_layers"]
