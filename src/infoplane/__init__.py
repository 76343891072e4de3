"""infoplane: fast, correct, reproducible information-plane analysis of neural networks.

Train (or observe) a network, capture each layer's representation T over training, estimate I(X;T) and
I(T;Y) (in bits) with several estimators side by side, compute the Information Bottleneck bound, and
plot it. Built around Shwartz-Ziv & Tishby (2017), arXiv 1703.00810; Saxe et al. (2018), ICLR; and the
review of Geiger (2021).

The top-level namespace stays light: subpackages (``infoplane.estimators``, ``infoplane.capture``, ...)
are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from infoplane.interface import InfoplaneError, MIResult

__version__ = "0.1.0"

_LAZY = {
    "make_estimator": "infoplane.estimators",
    "available_estimators": "infoplane.estimators",
    "load_twelve_bit": "infoplane.data",
    "ActivationCapture": "infoplane.capture",
    "MLP": "infoplane.models",
    "RunConfig": "infoplane.run.config",
    "run_experiment": "infoplane.run.engine",
    "plot_information_plane": "infoplane.plots",
}

__all__ = ["InfoplaneError", "MIResult", "__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'infoplane' has no attribute {name!r}")
