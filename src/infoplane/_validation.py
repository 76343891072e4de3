"""Input checks shared by estimators, capture and the CLI. Every error names the argument and the fix."""

from __future__ import annotations

from typing import Any

import numpy as np

from infoplane.interface import InfoplaneError


def as_samples(a: Any, name: str, *, min_samples: int = 2, allow_1d: bool = True) -> np.ndarray:
    """Return ``a`` as a 2-D array (n_samples, n_features), checking it is usable.

    Args:
        a: array-like of shape (n_samples,) or (n_samples, n_features).
        name: the argument's name, used in error messages.
        min_samples: smallest accepted n_samples (default 2: one sample carries no information).
        allow_1d: accept (n_samples,) and return it as (n_samples, 1).

    Raises:
        InfoplaneError: if ``a`` is not a real numeric array (object, string or complex dtype), has
            the wrong number of dimensions, too few samples, or contains NaN or Inf.

    Example:
        >>> as_samples([0.5, 1.5, 2.5], "x").shape
        (3, 1)
    """
    arr = np.asarray(a)
    check_real(arr, name)
    if arr.ndim == 1 and allow_1d:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise InfoplaneError(
            f"{name} must have shape (n_samples,) or (n_samples, n_features); got shape "
            f"{arr.shape}. Flatten the trailing axes first, e.g. a.reshape(len(a), -1)."
        )
    if arr.shape[0] < min_samples:
        raise InfoplaneError(
            f"{name} has {arr.shape[0]} sample(s); at least {min_samples} are needed to estimate "
            "information."
        )
    check_finite(arr, name)
    return arr


def check_real(arr: np.ndarray, name: str) -> None:
    """Raise :class:`InfoplaneError` unless ``arr`` has a real numeric (or boolean) dtype.

    Complex arrays are refused rather than silently losing their imaginary part; object and string
    arrays are refused because they hold no numbers.

    Example:
        >>> try:
        ...     check_real(np.zeros(3, dtype=complex), "x")
        ... except InfoplaneError as err:
        ...     print(str(err)[:45])
        x must be a real numeric array; got dtype com
    """
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise InfoplaneError(
            f"{name} must be a real numeric array; got dtype {arr.dtype}. Information estimators "
            "do not drop imaginary parts silently: pass a.real, a.imag or np.abs(a), or stack them "
            "as two features (np.stack([a.real, a.imag], axis=-1))."
        )
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise InfoplaneError(
            f"{name} must be a numeric array; got dtype {arr.dtype}. Convert it with "
            "np.asarray(a, dtype=float)."
        )


def check_finite(arr: np.ndarray, name: str) -> None:
    """Raise :class:`InfoplaneError` if ``arr`` holds NaN or Inf (e.g. a diverged network)."""
    if np.issubdtype(arr.dtype, np.floating) and not np.isfinite(arr).all():
        n_bad = int((~np.isfinite(arr)).sum())
        raise InfoplaneError(
            f"{name} contains {n_bad} NaN or Inf value(s); the network has probably diverged. "
            "Lower the learning rate or check the inputs."
        )


def check_same_length(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """Raise :class:`InfoplaneError` unless ``a`` and ``b`` have the same number of samples."""
    if a.shape[0] != b.shape[0]:
        raise InfoplaneError(
            f"{name_a} has {a.shape[0]} samples but {name_b} has {b.shape[0]}; pass paired samples "
            "(row i of each is the same example)."
        )


def as_labels(a: Any, name: str = "labels") -> np.ndarray:
    """Return discrete labels as a 1-D int64 array of shape (n_samples,).

    Raises:
        InfoplaneError: if ``a`` is not 1-D, or holds non-integer floats (pass class indices, not
            probabilities or one-hot rows).
    """
    arr = np.asarray(a)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise InfoplaneError(
            f"{name} must be class indices of shape (n_samples,); got shape {arr.shape}. "
            "Convert one-hot rows with labels.argmax(axis=1)."
        )
    if np.issubdtype(arr.dtype, np.floating):
        check_finite(arr, name)
        if not np.array_equal(arr, np.round(arr)):
            raise InfoplaneError(
                f"{name} must hold integer class indices; got non-integer floats. "
                "For continuous Y use an estimator for continuous variables (e.g. 'ksg')."
            )
    elif not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.bool_)):
        raise InfoplaneError(f"{name} must be integer class indices; got dtype {arr.dtype}.")
    return arr.astype(np.int64)


def check_positive(value: float, name: str, *, strict: bool = True) -> float:
    """Return ``value`` if it is (strictly) positive and finite, else raise :class:`InfoplaneError`."""
    ok = np.isfinite(value) and (value > 0 if strict else value >= 0)
    if not ok:
        bound = "> 0" if strict else ">= 0"
        raise InfoplaneError(f"{name} must be a finite number {bound}; got {value!r}.")
    return value
