"""Private helpers shared by the estimator families: validation of plane inputs, parameter checks,
evaluation subsets, and blocked pairwise squared distances in torch.

Nothing here is public API; the estimator modules re-export what users need.
"""

from __future__ import annotations

import math
import re
import sys
from typing import Annotated, Any, NamedTuple

import numpy as np
from pydantic import AfterValidator

from infoplane._validation import as_labels, check_finite, check_real
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
        InfoplaneError: for fewer than 2 dimensions, a non-real dtype (complex, object, string),
            fewer than 2 samples, NaN/Inf, or a label count that differs from n_samples.
    """
    arr = np.asarray(t)
    check_real(arr, "t")
    if arr.ndim < 2:
        raise InfoplaneError(f"t must have shape (..., n_samples, n_units); got {arr.shape}.")
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


def pow2_scale(a: np.ndarray, axis: int | tuple[int, ...] | None = None) -> tuple[np.ndarray, Any]:
    """Divide ``a`` by the power of two at or below its largest magnitude (exact in floating point).

    Returns ``(a / s, s)`` in float64 with ``max |a / s|`` in [1, 2) along ``axis`` (kept as size-1
    axes in ``s``); all-zero slices get s = 1. Standard deviations and squared distances of the
    result neither overflow (data near 1e160) nor underflow (data near 1e-200), and because s is a
    power of two the scaled values are the original ones up to their exponent: nothing is rounded.
    """
    a = np.asarray(a, dtype=np.float64)
    m = np.max(np.abs(a), axis=axis, keepdims=True) if a.size else np.ones((1,) * a.ndim)
    m = np.where(m > 0, m, 1.0)
    s = np.ldexp(1.0, np.frexp(m)[1] - 1)
    return a / s, s


#: relative noise variances (noise variance / data scale^2) are clamped to [1/REL_VAR_MAX, REL_VAR_MAX]
REL_VAR_MAX = 1e24


def relative_variance(variance: float, scale: float) -> tuple[float, bool]:
    """``variance / scale**2`` for data divided by ``scale`` (a power of two), clamped.

    Returns ``(relative, clamped)``. Unclamped, the division is exact (``scale`` is a power of
    two), so rescaled data and noise give bit-identical kernel values. Clamped to [1e-24, 1e24]:
    beyond it every pair of distinct rows is separated (or merged) to float precision anyway.
    """
    log_rel = math.log(variance) - 2.0 * math.log(scale)
    if abs(log_rel) <= math.log(REL_VAR_MAX):
        return variance / scale**2, False
    return (REL_VAR_MAX if log_rel > 0 else 1.0 / REL_VAR_MAX), True


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


class MixtureGroups(NamedTuple):
    """The grouping of a Gaussian mixture's components by a discrete variable (see
    :func:`mixture_groups`)."""

    order: np.ndarray  # (n,) permutation that sorts the samples by group
    g_code: np.ndarray  # (n,) group code 0..K-1 of each sorted sample
    counts: np.ndarray  # (K,) samples per group
    p_c: np.ndarray  # (K,) share of each group
    rows: np.ndarray  # (m * n_mc,) evaluated (sorted) rows, each repeated n_mc times
    w_row: np.ndarray  # (m * n_mc,) weight of each evaluated row, summing to 1


def mixture_groups(
    groups: np.ndarray, n_eval: int | None, seed: int, n_mc: int = 1
) -> MixtureGroups:
    """Sort mixture components by group and choose the evaluated rows, stratified by group.

    Shared by the pairwise-distance bounds (:mod:`~infoplane.estimators.kde`) and the dropout mixture
    (:mod:`~infoplane.estimators.dropout`): each group's evaluated rows average to that group's
    share; groups without an evaluated row (singletons beyond ``n_eval``) drop out of the weights.
    """
    n = groups.shape[0]
    order = np.argsort(groups, kind="stable")
    g_sorted = groups[order]
    classes, counts = np.unique(g_sorted, return_counts=True)
    g_code = np.searchsorted(classes, g_sorted)
    n_classes = len(classes)
    p_c = counts / n
    rows = stratified_subset(g_code, n_eval, seed) if n_classes < n else np.arange(n)
    if n_classes == n and n_eval is not None and n_eval < n:
        rows = np.sort(np.random.default_rng(seed).choice(n, size=n_eval, replace=False))
    if n_mc:
        rows = np.repeat(rows, n_mc)
    row_class = g_code[rows]
    w_row = p_c[row_class] / np.bincount(row_class, minlength=n_classes)[row_class]
    return MixtureGroups(order, g_code, counts, p_c, rows, w_row / w_row.sum())


# -- devices: the torch routes of KSG and the KDE bounds run where the caller's tensors are ---------
_DEVICE_RE = re.compile(r"^(cpu|cuda(:\d+)?)$")


def check_device(value: Any) -> Any:
    """Validate a ``device`` parameter: ``None``, ``"cpu"``, ``"cuda"`` or ``"cuda:N"``."""
    if value is None:
        return None
    if not isinstance(value, str) or not _DEVICE_RE.match(value):
        raise ValueError(
            "device must be None (where the input tensors are; numpy arrays: CPU), 'cpu', 'cuda' "
            f"or 'cuda:N'; got {value!r}"
        )
    return value


def input_device(*arrays: Any) -> str | None:
    """The device of the first torch tensor among ``arrays`` that is not on the CPU, else None.

    torch is not imported here: an argument is a tensor only if torch is already loaded.
    """
    torch = sys.modules.get("torch")
    if torch is None:
        return None
    for a in arrays:
        if isinstance(a, torch.Tensor) and a.device.type != "cpu":
            return str(a.device)
    return None


def to_host(a: Any) -> Any:
    """A torch tensor as a numpy array on the host (detached, one copy off an accelerator); any
    other value unchanged."""
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(a, torch.Tensor):
        return a.detach().cpu().numpy()
    return a


def resolve_device(requested: str | None, found: str | None) -> str | None:
    """The torch device of a computation: ``requested`` if given, else ``found`` (the inputs'),
    else None (the default CPU route). Raises InfoplaneError when CUDA is asked for and absent."""
    device = requested if requested is not None else found
    if device is not None and device.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            raise InfoplaneError(
                f"device={device!r} but torch finds no CUDA device (torch.cuda.is_available() is "
                "False); pass device=None or 'cpu', or install a CUDA build of torch."
            )
        index = int(device.split(":")[1]) if ":" in device else 0
        if index >= torch.cuda.device_count():
            raise InfoplaneError(
                f"device={device!r} but torch finds {torch.cuda.device_count()} CUDA device(s); "
                "pass an index below that."
            )
    return device


#: The type of an estimator's ``device`` parameter: ``None``, ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.
DeviceName = Annotated[str | None, AfterValidator(check_device)]


class FollowsInputDevice:
    """Mixin of the estimators that run on the device of their input tensors (CUDA when there).

    ``estimate`` and ``information_plane`` note the device of the first accelerator tensor among
    the inputs, hand the estimator's validated core host (numpy) copies, and clear the note when
    they return; :meth:`_torch_device` combines it with the ``device`` parameter. Put it before
    the estimator base class (``class E(FollowsInputDevice, BaseEstimator)``).
    """

    _input_device: str | None = None

    def _torch_device(self) -> str | None:
        """The device to compute on: the ``device`` parameter, else the inputs' (None: CPU)."""
        return resolve_device(self.params.device, self._input_device)  # type: ignore[attr-defined]

    def estimate(self, x: Any, y: Any) -> Any:
        """Estimate I(X;Y) (see the estimator's class); CUDA tensors are computed on CUDA.

        Args:
            x: (n_samples,) or (n_samples, d_x), numpy array or torch tensor.
            y: (n_samples,) or (n_samples, d_y), numpy array or torch tensor.

        Returns:
            An :class:`~infoplane.interface.MIResult` in ``unit``.
        """
        self._input_device = input_device(x, y)
        try:
            return super().estimate(to_host(x), to_host(y))  # type: ignore[misc]
        finally:
            self._input_device = None

    def information_plane(
        self, t: Any, labels: Any, *, x: Any = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(I(X;T), I(T;Y)) per representation (see the estimator's class); CUDA runs on CUDA.

        Args:
            t: activations (..., n_samples, n_units), numpy array or torch tensor.
            labels: integer labels (n_samples,).
            x: inputs with repeated rows (n_samples, d_x), or ``None`` (every sample distinct).

        Returns:
            (i_xt, i_ty), arrays of shape ``t.shape[:-2]`` in ``unit``.
        """
        self._input_device = input_device(t, labels, x)
        try:
            return super().information_plane(  # type: ignore[misc]
                to_host(t), to_host(labels), x=to_host(x)
            )
        finally:
            self._input_device = None
