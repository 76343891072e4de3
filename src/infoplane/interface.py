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
    :attr:`exit_code` (2, as for any usage error). Raise it with one message string:
    ``InfoplaneError("unit='bit' is not supported; use 'bits' or 'nats'.")``.

    Attributes:
        exit_code: exit status of the ``infoplane`` command for this error (class attribute, 2).

    Shapes: none (an error carries no array of any shape).

    Units: none; a message that quotes a number states its unit.

    Raises:
        Nothing itself: it is raised by every public function on bad input (each documents when).

    Notes:
        A subclass of :class:`ValueError`, so code written for NumPy or scikit-learn style errors
        (``except ValueError``) still catches it. Failures while doing valid work (a corrupt file,
        a lock held) raise the subclass :class:`InfoplaneRuntimeError` instead; catch
        ``InfoplaneError`` to handle both.

    References:
        The command-line convention followed: Python's ``argparse`` (``ArgumentParser.error``) and
        Pallets' ``click`` (``UsageError.exit_code``) exit with status 2 on a usage error.

    Example:
        >>> try:
        ...     check_unit("bit")
        ... except InfoplaneError as err:
        ...     print(err.exit_code, err)
        2 unit='bit' is not supported; use 'bits' or 'nats'.
    """

    #: exit code of the ``infoplane`` command for this error
    exit_code: ClassVar[int] = 2


class InfoplaneRuntimeError(InfoplaneError):
    """A failure while doing valid work: a corrupt or foreign file, a diverged network, a lock held.

    A subclass of :class:`InfoplaneError`, so ``except InfoplaneError`` catches both; the CLI exits
    with code 1 for it (runtime failure) instead of 2 (usage error). The message names the file or
    the step that failed and what to do.

    Attributes:
        exit_code: exit status of the ``infoplane`` command for this error (class attribute, 1).

    Shapes: none (an error carries no array of any shape).

    Units: none; a message that quotes a number states its unit.

    Raises:
        Nothing itself: it is raised by functions that read files or run long jobs (each documents
        when).

    Notes:
        The input was valid, so retrying with the same arguments usually fails the same way: fix the
        named file (restore, re-create or remove it) or wait for the lock. Catch it before
        :class:`InfoplaneError` when the two need different handling.

    References:
        The command-line convention followed: Pallets' ``click`` exits with status 1 for a general
        failure (``ClickException.exit_code``) and 2 for a usage error.

    Example:
        >>> err = InfoplaneRuntimeError("'run/store.zarr' is corrupt; delete it and re-run.")
        >>> isinstance(err, InfoplaneError), err.exit_code
        (True, 1)
    """

    exit_code: ClassVar[int] = 1


def check_unit(unit: str) -> str:
    """Return ``unit`` if it is one of the supported information units, ``"bits"`` or ``"nats"``.

    Args:
        unit: the unit name to check (case-sensitive).

    Returns:
        ``unit`` unchanged (a str, ``"bits"`` or ``"nats"``).

    Raises:
        InfoplaneError: for any other value (``"bit"``, ``"Bits"``, ``None``, ...).

    Notes:
        Shapes: none (a scalar string, no array shape). Only the two names are accepted; no plural or case
        normalisation is done, so a typo never silently selects a unit.

    References:
        Cover, T. M., Thomas, J. A. (2006). Elements of Information Theory, 2nd ed. Wiley, Sec. 2.1
        (entropy in bits with log base 2, in nats with the natural log).

    Example:
        >>> check_unit("nats")
        'nats'
    """
    if not isinstance(unit, str) or unit not in UNITS:
        raise InfoplaneError(f"unit={unit!r} is not supported; use 'bits' or 'nats'.")
    return unit


def convert(value_nats: Any, unit: str) -> Any:
    """Convert an information value in nats to ``unit`` (``"bits"`` divides by ln 2).

    Args:
        value_nats: the value in nats: a float, or an array or tensor of any shape.
        unit: the target unit, ``"bits"`` or ``"nats"`` (returned unchanged).

    Returns:
        The value in ``unit``, of the input's type and shape (1 nat = 1/ln 2 = 1.4427 bits).

    Raises:
        InfoplaneError: for a unit other than ``"bits"`` or ``"nats"``.

    Notes:
        Estimators compute in nats and convert once, at the edge; converting twice (or converting a
        value already in bits) is a silent factor-1.44 error, so results carry their unit
        (:class:`MIResult`). NaN and Inf pass through unchanged.

    References:
        Cover, T. M., Thomas, J. A. (2006). Elements of Information Theory, 2nd ed. Wiley, Sec. 2.1.

    Example:
        >>> round(convert(math.log(2.0), "bits"), 12)
        1.0
        >>> convert(1.5, "nats")
        1.5
    """
    check_unit(unit)
    return value_nats / LN2 if unit == "bits" else value_nats


#: Reasons a returned value may not be trusted (:attr:`MIResult.flags` and the ``flags`` column of
#: the information-plane table); each estimator documents which it emits, the plane's rules are in
#: :mod:`infoplane.analysis.validity` and ``docs/flags.md``.
FLAGS: dict[str, str] = {
    "clipped_negative": (
        "the estimator's raw value was negative (a lower bound or a bias-corrected estimate of a "
        "non-negative quantity); it was clipped to 0, so 0 means 'no information detected', not "
        "'independent'"
    ),
    "saturated": (
        "the value is at a ceiling the estimator cannot exceed, so the true value may be larger: "
        "within 0.1 nats of ln K for InfoNCE's estimate (K the evaluation batch size); on the "
        "plane, I(X;T) within max(0.05 bit, 1%) of log2 n (n inputs) or of the estimator's own cap"
    ),
    "sparse_bins": (
        "plane, binning: the Miller-Madow bias term (K-1)/(2n ln 2) of I(X;T) or I(T;Y) exceeds "
        "0.1 bit (K occupied bins, n samples): too few samples per bin (Paninski 2003)"
    ),
    "ties": (
        "plane, KSG: more than 5% of the representation's rows repeat another row; zero "
        "neighbour distances break the KSG assumptions"
    ),
    "not_finite": (
        "plane: a continuous layer of a deterministic network, estimated without noise, resolved "
        "input by input (I(X;T) >= 90% of log2 n): the true I(X;T) is log2 n or infinite "
        "(Geiger 2021), the value shows the estimator's resolution"
    ),
    "not_converged": (
        "variational bounds (mine, nwj, infonce, smile): the critic's held-out bound was still "
        "rising by more than 0.02 nats in the last quarter of n_steps, or it is below -0.1 nats "
        "(worse than a constant critic): the value is not the bound of a trained critic"
    ),
    "ratio_clipped": (
        "smile: clipping the density ratios e^f to [e^-tau, e^tau] moved the held-out partition "
        "term by more than 0.05 nats: the value carries the clip's bias (raise clip)"
    ),
    "dpi_violation": (
        "plane: I(X;T) or I(T;Y) of a layer exceeds the layer before's by more than the "
        "estimator's tolerance, breaking the data-processing inequality"
    ),
}


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
        flags: reasons the value was returned but may not be trusted (keys of :data:`FLAGS`, e.g.
            ``"clipped_negative"``); empty when nothing is known to be wrong.

    Shapes: none (``value`` is a scalar, ``ci`` a pair; no arrays).

    Units: ``value`` and ``ci`` are in ``unit``, bits unless the estimator was built with
    ``unit="nats"``; the unit travels with the number (:meth:`to_dict` keeps it).

    Raises:
        Nothing: a frozen record, not validated here. Estimators build it through
        :meth:`infoplane.estimators.BaseEstimator.estimate`, which checks the input, raises
        :class:`InfoplaneRuntimeError` instead of returning NaN or Inf, and clips a negative raw
        value to 0 with the flag ``"clipped_negative"``.

    Notes:
        ``value`` is an estimate, with the bias of its estimator (binning and KDE values depend
        on the bin or kernel width, variational bounds are lower bounds), so compare results
        only between equal ``estimator`` and ``params``. A bootstrap ``ci`` reflects the
        variance over resamples of the same data, not the estimator's bias. Read ``flags``
        before using ``value``: a flagged value is returned so that runs finish, not because it
        is right. :meth:`to_dict` gives plain JSON types, with the unit and the flags.

    References:
        1. Czyz, P., Grabowski, F., Vogt, J. E., Beerenwinkel, N., Marx, A. (2023). Beyond Normal:
           On the Evaluation of Mutual Information Estimators. NeurIPS. arXiv 2306.11078 (a
           result stored with its estimator's parameters).
        2. Cover, T. M., Thomas, J. A. (2006). Elements of Information Theory, 2nd ed. Wiley,
           Sec. 2.1 (bits and nats).

    Example:
        >>> r = MIResult(value=0.0, unit="bits", estimator="nwj", params={}, n_samples=100,
        ...              flags=("clipped_negative",))
        >>> r.to_dict()["flags"]
        ['clipped_negative']
        >>> r2 = MIResult(value=np.float64(0.5), unit="bits", estimator="ksg", params={"k": 3},
        ...               n_samples=200, ci=(0.41, 0.6))
        >>> import json; json.dumps(r2.to_dict())[:58]
        '{"value": 0.5, "unit": "bits", "estimator": "ksg", "params'
    """

    value: float
    unit: str
    estimator: str
    params: dict[str, Any]
    n_samples: int
    ci: tuple[float, float] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    flags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_unit(self.unit)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict of all fields (``ci`` and ``flags`` as lists)."""
        out = asdict(self)
        out["value"] = float(self.value)
        if self.ci is not None:
            out["ci"] = [float(self.ci[0]), float(self.ci[1])]
        out["flags"] = list(self.flags)
        return out


@runtime_checkable
class MIEstimator(Protocol):
    """Protocol every mutual-information estimator follows.

    :class:`infoplane.estimators.base.BaseEstimator` implements it once; each estimator supplies a
    nats-valued core. Hyper-parameters are given to ``__init__`` (keywords, or an instance of the
    class's pydantic ``Params`` model) and validated there; ``estimate`` takes only data.
    ``information_plane`` gives both coordinates of the information plane for a batch of
    representations, vectorised over the leading (repetition, epoch) axes where it can.
    """

    name: ClassVar[str]
    unit: str

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
