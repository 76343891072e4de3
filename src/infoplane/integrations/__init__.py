"""Integrations with a researcher's training stack: PyTorch Lightning and TensorBoard.

This package sits at the top of the data flow, beside ``experiments/`` (above ``run/``): it wraps
:class:`~infoplane.run.recorder.Recorder`, the online estimates of :mod:`infoplane.run.estimation`
and the TensorBoard writer of :mod:`infoplane.run.tensorboard` for other libraries, and nothing in
infoplane imports it. Names are imported on first use, so ``import infoplane.integrations`` loads
neither Lightning nor TensorBoard (each is an optional extra: ``pip install
'infoplane[lightning]'``, ``'infoplane[tensorboard]'``).

- :class:`InformationPlaneCallback` -- a Lightning ``Callback``: capture chosen layers at
  log-spaced epochs, estimate online, write the tables and figures of ``infoplane run``;
- :class:`PlaneLogger`, :func:`log_run_directory` -- I(X;T), I(T;Y), their flags, the gradient SNR
  and the plane figure per captured epoch in TensorBoard.

The quantities are those of Shwartz-Ziv & Tishby (2017), "Opening the Black Box of Deep Neural
Networks via Information", arXiv 1703.00810.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "InformationPlaneCallback": "infoplane.integrations.lightning",
    "PlaneLogger": "infoplane.integrations.tensorboard",
    "log_run_directory": "infoplane.integrations.tensorboard",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'infoplane.integrations' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
