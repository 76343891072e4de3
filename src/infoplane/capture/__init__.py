"""Capture of layer representations with forward hooks on any ``nn.Module`` (after pytorch/captum).

The :class:`~infoplane.run.recorder.Recorder` for a user's own training loop builds on these hooks;
:func:`capture_members` captures every member of a
:class:`~infoplane.training.module_trainer.ModuleEnsemble`.

Layers are chosen by module name, glob, module type or ``name#k``. A module called k > 1 times in
one forward pass (a ReLU shared by a residual block) gives k representations, ``name#0`` ..
``name#{k-1}``, in every capture path; a module called once keeps its plain name.
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
