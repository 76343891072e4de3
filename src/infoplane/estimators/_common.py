"""Private helpers shared by the estimator families: validation of plane inputs, parameter checks,
evaluation subsets, and blocked pairwise squared distances in torch.

Nothing here is public API; the estimator modules re-export what users need.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from infoplane._validation import as_labels, check_finite
from infoplane.interface import InfoplaneError


def check_int(value: Any, name: str, *, minimum: int = 1, allow_none: bool = False) -> int | None:
    """Return ``value`` as an int >= ``minimum`` (or ``None`` when allowed), else raise."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        extra = " or None" if allow_none else ""
        raise InfoplaneError(f"{name} must be an integer >= {minimum}{extra}; got {value!r}.")
    return int(value)


def check_choice(value: Any, name: str, choices: tuple[Any, ...]) -> Any:
    """Return ``value`` if it is one of ``choices``, else raise naming them."""
    if value not in choices:
        raise InfoplaneError(
            f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}."
        )
    return value


def check_float(
    value: Any,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = True,
) -> float:
    """Return ``value`` as a finite float within (low, high], else raise."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InfoplaneError(f"{name} must be a number; got {value!r}.") from None
    ok = np.isfinite(v)
    if low is not None:
        ok = ok and (v > low if low_open else v >= low)
    if high is not None:
        ok = ok and v <= high
    if not ok:
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        br = "(" if low_open else "["
        raise InfoplaneError(f"{name} must be a finite number in {br}{lo}, {hi}]; got {value!r}.")
    return v


def plane_inputs(t: Any, labels: Any) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]]:
    """Validate information-plane inputs.

    Returns:
        (flat, labels, batch): ``flat`` of shape (B, n, d) float, ``labels`` (n,) int64 and the
        batch shape ``t.shape[:-2]``.

    Raises:
        InfoplaneError: for fewer than 2 dimensions, fewer than 2 samples, NaN/Inf, or a label count
            that differs from n_samples.
    """
    arr = np.asarray(t)
    if arr.ndim < 2:
        raise InfoplaneError(f"t must have shape (..., n_samples, n_units); got {arr.shape}.")
    if not (np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)):
        raise InfoplaneError(f"t must be a numeric array; got dtype {arr.dtype}.")
    n = arr.shape[-2]
    if n < 2:
        raise InfoplaneError(f"t has {n} sample(s); at least 2 are needed.")
    if arr.shape[-1] < 1:
        raise InfoplaneError("t has 0 units; pass at least one unit.")
    check_finite(arr, "t")
    lab = as_labels(labels, "labels")
    if lab.shape[0] != n:
        raise InfoplaneError(
            f"labels has {lab.shape[0]} entries but t has {n} samples; pass one label per sample."
        )
    batch = arr.shape[:-2]
    return arr.reshape((-1, *arr.shape[-2:])), lab, batch


def is_discrete(a: np.ndarray) -> bool:
    """True for integer or boolean arrays (treated as discrete symbols)."""
    return bool(np.issubdtype(a.dtype, np.integer) or np.issubdtype(a.dtype, np.bool_))


def row_codes(a: np.ndarray) -> np.ndarray:
    """Integer code 0..K-1 of each distinct row of ``a`` (n, d): equal rows, equal codes."""
    return np.unique(a, axis=0, return_inverse=True)[1].reshape(-1).astype(np.int64)


def stratified_subset(labels: np.ndarray, n_max: int | None, seed: int) -> np.ndarray:
    """Indices of a seeded subset of at most ``n_max`` samples keeping the class proportions.

    Every class keeps at least one sample; the result is sorted. ``n_max=None`` or ``n_max >= n``
    returns all indices.
    """
    n = labels.shape[0]
    if n_max is None or n_max >= n:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    _classes, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    take = np.maximum(1, np.round(counts * n_max / n).astype(int))
    order = np.argsort(inverse, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    chosen = [
        order[s + rng.choice(c, size=min(k, c), replace=False)]
        for s, c, k in zip(starts, counts, take, strict=True)
    ]
    return np.sort(np.concatenate(chosen))


def torch_dtype(name: str) -> Any:
    """Map ``"float32"``/``"float64"`` to the torch dtype."""
    import torch

    check_choice(name, "dtype", ("float32", "float64"))
    return torch.float32 if name == "float32" else torch.float64


def sq_dists(q: Any, x: Any, q_sq: Any = None, x_sq: Any = None) -> Any:
    """Squared Euclidean distances (m, n) between the rows of torch tensors q (m, d) and x (n, d).

    Uses ||q||^2 + ||x||^2 - 2 q.x (one matmul); negative round-off is clamped to 0. Centre the data
    first to keep the cancellation error small.
    """
    import torch

    if q_sq is None:
        q_sq = (q * q).sum(-1)
    if x_sq is None:
        x_sq = (x * x).sum(-1)
    d = torch.addmm(x_sq[None, :], q, x.T, alpha=-2.0)
    d.add_(q_sq[:, None])
    return d.clamp_(min=0.0)
