"""Contracts shared by every part of infoplane: results, units, errors and the estimator protocol.

This module imports nothing from the package, so every other module may depend on it without cycles
(the layout of ``cbg-ethz/bmi``'s ``interface.py``).

Units: every information quantity that leaves the library is in **bits** unless a ``unit`` argument
says otherwise; estimators compute internally in nats and convert at the edge with :func:`convert`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

import numpy as np

Unit = Literal["bits", "nats"]
UNITS: tuple[str, ...] = ("bits", "nats")
LN2 = math.log(2.0)


class InfoplaneError(ValueError):
    """Bad input to infoplane (a usage error). The message names the argument or file and the fix.

    The command-line interface prints the message on one line, without a traceback, and exits with
    :attr:`exit_code` (2, as for any usage error).
    """

    #: exit code of the ``infoplane`` command for this error
    exit_code: ClassVar[int] = 2


class InfoplaneRuntimeError(InfoplaneError):
    """A failure while doing valid work: a corrupt or foreign file, a diverged network, a lock held.

    A subclass of :class:`InfoplaneError`, so ``except InfoplaneError`` catches both; the CLI exits
    with code 1 for it (runtime failure) instead of 2 (usage error). The message names the file or
    the step that failed and what to do.
    """

    exit_code: ClassVar[int] = 1


def check_unit(unit: str) -> str:
    """Return ``unit`` if it is ``"bits"`` or ``"nats"``.

    Raises:
        InfoplaneError: for any other value.
    """
    if unit not in UNITS:
        raise InfoplaneError(f"unit={unit!r} is not supported; use 'bits' or 'nats'.")
    return unit


def convert(value_nats: Any, unit: str) -> Any:
    """Convert a value (scalar or array) in nats to ``unit`` ("bits" divides by ln 2)."""
    check_unit(unit)
    return value_nats / LN2 if unit == "bits" else value_nats


@dataclass(frozen=True)
class MIResult:
    """One estimate of an information quantity.

    Attributes:
        value: the estimate, in ``unit``.
        unit: ``"bits"`` or ``"nats"``.
        estimator: registry name of the estimator that produced it.
        params: the estimator's hyper-parameters (JSON-serialisable), so the result can be reproduced.
        n_samples: number of samples the estimate used.
        ci: optional (low, high) confidence interval in ``unit`` (bootstrap), else ``None``.
        extra: optional estimator-specific diagnostics (JSON-serialisable).
    """

    value: float
    unit: str
    estimator: str
    params: dict[str, Any]
    n_samples: int
    ci: tuple[float, float] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict of all fields."""
        out = asdict(self)
        out["value"] = float(self.value)
        if self.ci is not None:
            out["ci"] = [float(self.ci[0]), float(self.ci[1])]
        return out


@runtime_checkable
class MIEstimator(Protocol):
    """Protocol every mutual-information estimator follows.

    Hyper-parameters are keyword-only arguments of ``__init__`` and are validated there; ``estimate``
    takes only data. ``information_plane`` gives both coordinates of the information plane for a
    batch of representations and may be vectorised over the leading (repetition, epoch) axes.
    """

    name: ClassVar[str]

    def estimate(self, x: np.ndarray, y: np.ndarray) -> MIResult:
        """Estimate I(X;Y) from paired samples ``x`` (n, d_x) or (n,) and ``y`` (n, d_y) or (n,)."""
        ...

    def get_params(self) -> dict[str, Any]:
        """Return the hyper-parameters as a JSON-serialisable dict."""
        ...

    def information_plane(
        self, t: np.ndarray, labels: np.ndarray, *, x: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return (I(X;T), I(T;Y)) with shapes ``t.shape[:-2]`` for ``t`` of shape (..., n, d)."""
        ...
