"""The base class every estimator derives from: parameters, units, validation and the plane default.

An estimator holds only hyper-parameters (keyword-only arguments of ``__init__``, stored as
attributes of the same name, validated in ``__init__``). ``estimate(x, y)`` returns an
:class:`~infoplane.interface.MIResult` in the estimator's ``unit``. ``information_plane(t, labels)``
returns (I(X;T), I(T;Y)) for a batch of representations; subclasses vectorise it where they can.
Design after ``cbg-ethz/bmi`` (one small protocol) and scikit-learn (``get_params``).
"""

from __future__ import annotations

import inspect
from typing import Any, ClassVar

import numpy as np

from infoplane._validation import as_samples, check_same_length
from infoplane.interface import InfoplaneError, MIResult, check_unit, convert


class BaseEstimator:
    """Shared machinery for mutual-information estimators.

    Subclasses set ``name`` and implement ``_mutual_information_nats(x, y) -> float`` on validated
    2-D arrays. They may override :meth:`information_plane` with a vectorised version.
    """

    name: ClassVar[str] = "base"
    #: resampling scheme :func:`~infoplane.estimators.bootstrap.bootstrap_estimate` uses by default
    bootstrap_resample: ClassVar[str] = "bootstrap"

    def __init__(self, *, unit: str = "bits") -> None:
        self.unit = check_unit(unit)

    # -- parameters --------------------------------------------------------------------------------
    @classmethod
    def param_names(cls) -> list[str]:
        """Names of the keyword-only hyper-parameters of ``__init__``."""
        sig = inspect.signature(cls.__init__)
        return [p.name for p in sig.parameters.values() if p.kind is inspect.Parameter.KEYWORD_ONLY]

    def get_params(self) -> dict[str, Any]:
        """Return the hyper-parameters as a JSON-serialisable dict."""
        out: dict[str, Any] = {}
        for key in self.param_names():
            value = getattr(self, key)
            if isinstance(value, np.generic):
                value = value.item()
            elif isinstance(value, tuple):
                value = list(value)
            out[key] = value
        return out

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # -- estimation --------------------------------------------------------------------------------
    def _mutual_information_nats(self, x: np.ndarray, y: np.ndarray) -> float:
        raise NotImplementedError

    def _check_pair(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        x2 = as_samples(x, "x")
        y2 = as_samples(y, "y")
        check_same_length(x2, y2, "x", "y")
        return x2, y2

    def estimate(self, x: Any, y: Any) -> MIResult:
        """Estimate I(X;Y) from paired samples.

        Args:
            x: array of shape (n_samples,) or (n_samples, d_x). Integer or boolean arrays are
                treated as discrete symbols by estimators that distinguish them.
            y: array of shape (n_samples,) or (n_samples, d_y).

        Returns:
            An :class:`MIResult` with the value in ``self.unit``.

        Raises:
            InfoplaneError: on NaN/Inf, mismatched n_samples, fewer than 2 samples or a >2-D array.
        """
        x2, y2 = self._check_pair(x, y)
        value = convert(float(self._mutual_information_nats(x2, y2)), self.unit)
        return MIResult(
            value=float(value),
            unit=self.unit,
            estimator=self.name,
            params=self.get_params(),
            n_samples=int(x2.shape[0]),
        )

    def information_plane(
        self, t: np.ndarray, labels: np.ndarray, *, x: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return (I(X;T), I(T;Y)) in ``self.unit`` for each representation in a batch.

        Args:
            t: activations of shape (..., n_samples, n_units); leading axes (e.g. repetition, epoch)
                are batch axes.
            labels: integer class labels of shape (n_samples,).
            x: inputs of shape (n_samples, d_x) or (n_samples,). Default: each sample is a distinct
                discrete input (index 0..n-1), as for the 12-bit task evaluated on all 4096
                patterns.

        Returns:
            Two arrays of shape ``t.shape[:-2]``.
        """
        t = np.asarray(t)
        if t.ndim < 2:
            raise InfoplaneError(f"t must have shape (..., n_samples, n_units); got {t.shape}.")
        n = t.shape[-2]
        x_arr = np.arange(n) if x is None else np.asarray(x)
        batch = t.shape[:-2]
        flat = t.reshape((-1, *t.shape[-2:]))
        i_xt = np.empty(len(flat))
        i_ty = np.empty(len(flat))
        for k, tk in enumerate(flat):
            i_xt[k] = self.estimate(x_arr, tk).value
            i_ty[k] = self.estimate(tk, labels).value
        return i_xt.reshape(batch), i_ty.reshape(batch)
