"""Capture of layer representations with forward hooks on any ``nn.Module`` (after pytorch/captum).

The :class:`~infoplane.run.recorder.Recorder` for a user's own training loop builds on these hooks;
:func:`capture_members` captures every member of a
:class:`~infoplane.training.module_trainer.ModuleEnsemble`.
"""

from infoplane.capture.hooks import (
    ActivationCapture,
    capture_activations,
    capture_members,
    run_and_capture,
    select_layers,
)

__all__ = [
    "ActivationCapture",
    "capture_activations",
    "capture_members",
    "run_and_capture",
    "select_layers",
]
