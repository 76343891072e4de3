"""infoplane: fast, correct, reproducible information-plane analysis of neural networks.

Train (or observe) a network, capture each layer's representation T over training, estimate I(X;T) and
I(T;Y) (in bits) with several estimators side by side, compute the Information Bottleneck bound, and
plot it. Built around Shwartz-Ziv & Tishby (2017), "Opening the Black Box of Deep Neural Networks via
Information", arXiv 1703.00810; Saxe et al. (2018), "On the Information Bottleneck Theory of Deep
Learning", ICLR; and the review of Geiger (2021), IEEE TNNLS, arXiv 2003.09671.

The top-level namespace is a curated surface (listed by ``dir(infoplane)``); each name is imported
from its home package on first use, so ``import infoplane`` stays light (no torch, no pandas):

- ``MIResult``, ``InfoplaneError``, ``InfoplaneRuntimeError``: contracts (``infoplane.interface``);
- ``make_estimator``, ``available_estimators``: the registry of estimators (``infoplane.estimators``);
- ``load_twelve_bit``: the 12-bit task of the 2017 paper, shipped (``infoplane.data``);
- ``MLP``: the 12-10-7-5-4-3-2 network (``infoplane.models``);
- ``ActivationCapture``: forward hooks on any ``nn.Module`` (``infoplane.capture``);
- ``RunConfig``, ``run_experiment``, ``Recorder``: the main job and a user's own loop (``infoplane.run``);
- ``information_bottleneck``: the IB curve of a joint distribution (``infoplane.bottleneck``);
- ``plot_information_plane``: the paper's figure (``infoplane.plots``).

Example:
    >>> import infoplane
    >>> "make_estimator" in dir(infoplane)
    True
    >>> infoplane.make_estimator("binning").unit
    'bits'
"""

from __future__ import annotations

import importlib
from typing import Any

from infoplane.interface import InfoplaneError, InfoplaneRuntimeError, MIResult

__version__ = "0.1.0"

_LAZY = {
    "make_estimator": "infoplane.estimators",
    "available_estimators": "infoplane.estimators",
    "load_twelve_bit": "infoplane.data",
    "ActivationCapture": "infoplane.capture",
    "MLP": "infoplane.models",
    "RunConfig": "infoplane.run",
    "run_experiment": "infoplane.run",
    "Recorder": "infoplane.run",
    "information_bottleneck": "infoplane.bottleneck",
    "plot_information_plane": "infoplane.plots",
}

__all__ = [
    "MLP",
    "ActivationCapture",
    "InfoplaneError",
    "InfoplaneRuntimeError",
    "MIResult",
    "Recorder",
    "RunConfig",
    "__version__",
    "available_estimators",
    "information_bottleneck",
    "load_twelve_bit",
    "make_estimator",
    "plot_information_plane",
    "run_experiment",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'infoplane' has no attribute {name!r}")


def __dir__() -> list[str]:
    return list(__all__)
