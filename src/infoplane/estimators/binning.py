"""Plug-in (binning) mutual information, as used for the information plane.

Implements the estimator of Shwartz-Ziv & Tishby (2017), "Opening the Black Box of Deep Neural
Networks via Information", arXiv 1703.00810, Sec. 2.4 and the IDNNs code (equal-width bins on [-1,
1]), and the fixed-bin-width variant of Saxe et al. (2018), "On the Information Bottleneck Theory of
Deep Learning", ICLR, (bin width 0.07, bins anchored at 0, unbounded).

Each unit of a layer's representation T (n_samples, n_units) is discretised to an integer bin code;
a sample's binned state is the row of codes. With X uniform over n distinct inputs and a
deterministic network, T is a function of X, so

    I(X;T) = H(T) - H(T|X) = H(T)                      (H(T|X) = 0)
    I(T;Y) = H(T) - H(T|Y) = H(T) - sum_y p(y) H(T | Y=y)

with every entropy the plug-in (empirical) entropy of binned states. All batch axes (repetition,
epoch) are handled in one vectorised pass: rows are encoded as integer keys, keys sorted per batch
element and run lengths counted; there is no Python loop over samples.

Bias: the plug-in entropy is biased low for small n; I(X;T) is bounded by log2(n) bits (12 bits on
the full 12-bit task), reached whenever all n samples fall into distinct bins -- which finer bins
make happen. The value therefore measures the geometry of T at the chosen resolution (Geiger 2021),
not the (infinite) mutual information of a deterministic continuous map.
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np

from infoplane._validation import as_labels, check_finite, check_positive
from infoplane.estimators.base import BaseEstimator
from infoplane.estimators.registry import register
from infoplane.interface import InfoplaneError, convert

RangeSpec = tuple[float, float] | Literal["data"]

_HASH_SEED = 0x5EED


class BinningRangeWarning(UserWarning):
    """Activations fell outside the fixed binning range; extra bins of the same width were used."""


def bin_edges_grid(
    *,
    n_bins: int | None,
    bin_width: float | None,
    value_range: RangeSpec,
    data: np.ndarray | None = None,
) -> tuple[float, float]:
    """Return the (anchor, width) of the equal-width bin grid the estimator uses.

    Bin k covers [anchor + k * width, anchor + (k + 1) * width). With ``bin_width`` set the grid is
    anchored at 0 (Saxe et al. 2018) and unbounded; with ``n_bins`` the grid spans ``value_range``
    (IDNNs: [-1, 1]) or the data's [min, max] when ``value_range="data"``.

    Raises:
        InfoplaneError: if neither or both of ``n_bins`` and ``bin_width`` are given, ``n_bins <
            2``, a non-positive width, or an empty range.
    """
    if (n_bins is None) == (bin_width is None):
        raise InfoplaneError(
            "give exactly one of n_bins (bins on a range) or bin_width (fixed width)."
        )
    if bin_width is not None:
        check_positive(bin_width, "bin_width")
        return 0.0, float(bin_width)
    assert n_bins is not None
    if int(n_bins) != n_bins or n_bins < 2:
        raise InfoplaneError(f"n_bins must be an integer >= 2; got {n_bins!r}.")
    if isinstance(value_range, str):
        if value_range != "data":
            raise InfoplaneError(f"range must be (low, high) or 'data'; got {value_range!r}.")
        if data is None:
            raise InfoplaneError("range='data' needs the activations to set the range.")
        lo, hi = float(np.min(data)), float(np.max(data))
        if hi <= lo:  # constant activations: any single bin holds them all
            hi = lo + 1.0
    else:
        lo, hi = (float(v) for v in value_range)
        if not (np.isfinite(lo) and np.isfinite(hi) and hi > lo):
            raise InfoplaneError(
                f"range must be finite (low, high) with high > low; got {value_range}."
            )
    return lo, (hi - lo) / int(n_bins)


def discretize(
    t: np.ndarray, anchor: float, width: float, *, upper: float | None = None
) -> np.ndarray:
    """Return integer bin codes floor((t - anchor) / width) of the same shape as ``t``.

    ``upper`` (the closed right end of a bounded grid) is put in the last bin, so that a value
    exactly at the top of the range (a saturated tanh unit) is not counted as out of range.
    """
    codes = np.subtract(t, anchor, dtype=np.float64)  # in place from here: one temporary
    codes /= width
    np.floor(codes, out=codes)
    if upper is not None:
        codes[t == upper] = np.floor((upper - anchor) / width) - 1
    return codes.astype(np.int64)


def row_keys(codes: np.ndarray) -> np.ndarray:
    """Encode each row of bin codes (..., n, d) as one int64 key (..., n): equal rows, equal keys.

    Exact mixed-radix encoding when it fits in 63 bits; otherwise a 64-bit multiplicative hash with
    fixed random odd multipliers (collision probability about n^2 / 2^64 per batch element,
    i.e. below 1e-11 for n = 10,000).
    """
    codes = codes - codes.min()
    d = codes.shape[-1]
    base = int(codes.max()) + 1
    if d * np.log2(max(base, 2)) < 62:
        weights = base ** np.arange(d, dtype=np.int64)
        return codes @ weights
    rng = np.random.default_rng(_HASH_SEED)
    mult = rng.integers(1, 2**63, size=d, dtype=np.uint64) | np.uint64(1)
    with np.errstate(over="ignore"):
        return (codes.astype(np.uint64) * mult).sum(axis=-1).view(np.int64)


def entropy_of_keys(keys: np.ndarray) -> np.ndarray:
    """Plug-in entropy in nats of the empirical distribution of keys along the last axis.

    Args:
        keys: integer array (..., n).

    Returns:
        Array of shape keys.shape[:-1], entropy in nats.
    """
    n = keys.shape[-1]
    flat = np.sort(keys.reshape(-1, n), axis=1)
    starts = np.ones(flat.shape, dtype=bool)
    starts[:, 1:] = flat[:, 1:] != flat[:, :-1]
    # Run lengths = distances between consecutive run starts (vectorised over the batch).
    row, col = np.nonzero(starts)
    ends = np.append(col[1:], n)
    ends[np.append(row[1:] != row[:-1], True)] = n
    counts = (ends - col).astype(np.float64)
    p = counts / n
    h = np.bincount(row, weights=-p * np.log(p), minlength=flat.shape[0])
    return h.reshape(keys.shape[:-1])


def label_entropy(labels: np.ndarray, *, unit: str = "bits") -> float:
    """Plug-in entropy H(Y) of integer labels, shape (n_samples,), in ``unit`` (bits by default).

    When Y is a function of X and the n inputs are distinct and equally likely, this is also
    I(X;Y): the dotted line of the information plane (0.99916 bits on the 12-bit task).

    Raises:
        InfoplaneError: for labels that are not integer class indices.
    """
    return float(convert(entropy_of_keys(as_labels(labels, "labels")), unit))


def _binned_keys(
    t: np.ndarray, n_bins: int | None, bin_width: float | None, value_range: RangeSpec, on: str
) -> np.ndarray:
    check_finite(t, "t")
    anchor, width = bin_edges_grid(
        n_bins=n_bins, bin_width=bin_width, value_range=value_range, data=t
    )
    upper = None
    if n_bins is not None:
        upper = anchor + width * int(n_bins)
        outside = (t < anchor) | (t > upper)
        if outside.any() and value_range != "data":
            frac = float(outside.mean())
            msg = (
                f"{frac:.2%} of activation values lie outside the binning range "
                f"[{anchor:g}, {upper:g}]; they were put in extra bins of the same width (not "
                "clipped). Use range='data' or bin_width=... for unbounded activations such as "
                "ReLU."
            )
            if on == "error":
                raise InfoplaneError(msg)
            warnings.warn(msg, BinningRangeWarning, stacklevel=3)
    return row_keys(discretize(t, anchor, width, upper=upper))


Scope = Literal["global", "layer", "neuron"]
_RANK_CHUNK = 2**22  # values ranked per step by equal_mass_codes
SCOPES: tuple[str, ...] = ("global", "layer", "neuron")


def _check_scope(scope: str, value_range: RangeSpec) -> str:
    if scope not in SCOPES:
        raise InfoplaneError(f"scope must be one of {', '.join(SCOPES)}; got {scope!r}.")
    if scope != "global" and value_range != "data":
        raise InfoplaneError(
            f"scope={scope!r} sets the bin range from the data; use it with range='data' "
            "(a fixed range is the same for every layer and neuron)."
        )
    return scope


def _scoped_keys(t: np.ndarray, n_bins: int, scope: str) -> np.ndarray:
    """Keys of equal-width bins on the data's [min, max] per representation or per neuron.

    ``scope="layer"``: one range per representation (leading batch element), pooled over units;
    ``scope="neuron"``: one range per unit of each representation.
    """
    check_finite(t, "t")
    axes = (-2, -1) if scope == "layer" else (-2,)
    lo = t.min(axis=axes, keepdims=True)
    hi = t.max(axis=axes, keepdims=True)
    hi = np.where(hi > lo, hi, lo + 1.0)  # constant unit: one bin
    codes = np.floor((t - lo) / ((hi - lo) / n_bins))
    return row_keys(np.minimum(codes, n_bins - 1).astype(np.int64))  # the maximum: last bin


def equal_mass_codes(t: np.ndarray, n_bins: int, scope: Scope = "neuron") -> np.ndarray:
    """Adaptive (equal-mass) bin codes: each bin holds about 1/n_bins of the pooled values.

    A value's code is ``floor(r * n_bins / m)`` with r its rank among the m pooled values, ties
    sharing the smallest rank, so equal values (a saturated unit) always share a bin and bins may
    hold more than m / n_bins values.

    Args:
        t: activations (..., n_samples, n_units).
        n_bins: number of bins (>= 2).
        scope: where the values are pooled: ``"neuron"`` (default; each unit of each representation
            separately), ``"layer"`` (all units of a representation) or ``"global"`` (everything
            passed, e.g. a layer over a whole run).

    Returns:
        Integer codes of the shape of ``t``.
    """
    t = np.asarray(t)
    if not np.issubdtype(t.dtype, np.floating):
        t = t.astype(np.float64)
    shape = t.shape
    if scope == "neuron":
        v = np.moveaxis(t, -2, -1).reshape(-1, shape[-2])  # (..., units) rows of n samples
    elif scope == "layer":
        v = t.reshape(-1, shape[-2] * shape[-1])
    else:
        v = t.reshape(1, -1)
    m = v.shape[1]
    import torch  # sort, batched over rows

    codes = np.empty(v.shape, dtype=np.int64)
    rows = max(1, _RANK_CHUNK // m)  # bound the int64 temporaries to O(_RANK_CHUNK)
    for s in range(0, v.shape[0], rows):
        sv, order = torch.sort(torch.as_tensor(np.ascontiguousarray(v[s : s + rows])), dim=1)
        starts = torch.ones(sv.shape, dtype=torch.bool)
        starts[:, 1:] = sv[:, 1:] != sv[:, :-1]
        pos = torch.arange(m).expand(sv.shape[0], m)
        min_rank = torch.where(starts, pos, 0).cummax(dim=1).values  # ties share the first rank
        codes[s : s + rows] = (
            torch.empty_like(min_rank).scatter_(1, order, (min_rank * n_bins) // m).numpy()
        )
    if scope == "neuron":
        return np.moveaxis(codes.reshape((*shape[:-2], shape[-1], shape[-2])), -1, -2)
    return codes.reshape(shape)


def _is_discrete(a: np.ndarray) -> bool:
    return bool(np.issubdtype(a.dtype, np.integer) or np.issubdtype(a.dtype, np.bool_))


def binning_information_plane(
    t: np.ndarray,
    labels: np.ndarray,
    *,
    n_bins: int | None = 30,
    bin_width: float | None = None,
    range: RangeSpec = (-1.0, 1.0),
    out_of_range: Literal["warn", "error"] = "warn",
    unit: str = "bits",
    scope: Scope = "global",
) -> tuple[np.ndarray, np.ndarray]:
    """Binned (I(X;T), I(T;Y)) for representations of n distinct, equally likely inputs.

    .. math:: I(X;T) = H(T_b), \\qquad I(T;Y) = H(T_b) - \\sum_y p(y) H(T_b \\mid Y=y)

    where :math:`T_b` is the binned state (Shwartz-Ziv & Tishby 2017, arXiv 1703.00810, Sec. 2.4).
    I(X;T) = H(T) holds because T is a deterministic function of X and the n inputs are distinct.

    Args:
        t: activations of shape (..., n_samples, n_units); leading axes are batch axes (repetition,
            epoch). With ``range="data"`` one range is taken over the whole batch (e.g. a layer
            over a whole run).
        labels: integer labels of shape (n_samples,).
        n_bins: number of equal-width bins on ``range`` (IDNNs: 30 on [-1, 1]). ``None`` with
            ``bin_width``.
        bin_width: fixed bin width anchored at 0, no range (Saxe et al. 2018: 0.07).
        range: (low, high) for ``n_bins`` or ``"data"`` for the data's [min, max].
        out_of_range: ``"warn"`` (extra bins of the same width, never clipped) or ``"error"``.
        unit: ``"bits"`` (default) or ``"nats"``.
        scope: with ``range="data"``, where the [min, max] is taken: ``"global"`` (default, over
            everything passed: a layer over a whole run), ``"layer"`` (per representation, i.e.
            per layer, epoch and repetition) or ``"neuron"`` (per unit of each representation).

    Returns:
        (i_xt, i_ty), each of shape ``t.shape[:-2]``, in ``unit``.

    Raises:
        InfoplaneError: on NaN/Inf, a label count that differs from n_samples, fewer than 2 samples,
            bad binning parameters, or (with ``out_of_range="error"``) values outside the range.

    Example:
        >>> import numpy as np
        >>> t = np.eye(4)            # 4 distinct inputs, 4 distinct binned states
        >>> i_xt, i_ty = binning_information_plane(t, np.array([0, 0, 1, 1]), n_bins=2, range=(0, 1))
        >>> float(i_xt), float(i_ty)
        (2.0, 1.0)
    """
    t = np.asarray(t, dtype=np.float64)
    if t.ndim < 2:
        raise InfoplaneError(f"t must have shape (..., n_samples, n_units); got {t.shape}.")
    n = t.shape[-2]
    if n < 2:
        raise InfoplaneError(f"t has {n} sample(s); at least 2 are needed.")
    labels = as_labels(labels, "labels")
    if labels.shape[0] != n:
        raise InfoplaneError(
            f"labels has {labels.shape[0]} entries but t has {n} samples; pass one label per "
            "sample."
        )
    _check_scope(scope, range)
    if scope != "global" and n_bins is not None and bin_width is None:
        keys = _scoped_keys(t, int(n_bins), scope)
    else:
        keys = _binned_keys(t, n_bins, bin_width, range, out_of_range)
    return _plane_from_keys(keys, labels, unit)


def _plane_from_keys(
    keys: np.ndarray, labels: np.ndarray, unit: str
) -> tuple[np.ndarray, np.ndarray]:
    """(H(T_b), H(T_b) - sum_y p(y) H(T_b | y)) in ``unit`` from row keys (..., n)."""
    h_t = entropy_of_keys(keys)
    h_t_given_y = np.zeros_like(h_t)
    for c in np.unique(labels):  # loop over classes (few), not samples
        mask = labels == c
        h_t_given_y += mask.mean() * entropy_of_keys(keys[..., mask])
    i_ty = np.maximum(h_t - h_t_given_y, 0.0)
    return convert(h_t, unit), convert(i_ty, unit)


def binning_mutual_information(
    x: np.ndarray,
    y: np.ndarray,
    *,
    n_bins: int | None = 30,
    bin_width: float | None = None,
    range: RangeSpec = (-1.0, 1.0),
    out_of_range: Literal["warn", "error"] = "warn",
    unit: str = "bits",
    scope: Scope = "global",
) -> float:
    """Plug-in I(X;Y) = H(X) + H(Y) - H(X,Y) after binning each continuous variable.

    Integer or boolean arrays are discrete symbols (rows compared exactly, not binned); float arrays
    are binned unit by unit as in :func:`binning_information_plane`.

    Args:
        x: array (n_samples,) or (n_samples, d_x).
        y: array (n_samples,) or (n_samples, d_y).
        n_bins, bin_width, range, out_of_range, unit, scope: as in
            :func:`binning_information_plane` (``scope="layer"``: one range per variable).

    Returns:
        The plug-in mutual information in ``unit``.

    Raises:
        InfoplaneError: on bad input or parameters (see :func:`binning_information_plane`).
    """
    return (
        BinningEstimator(
            n_bins=n_bins,
            bin_width=bin_width,
            range=range,
            out_of_range=out_of_range,
            unit=unit,
            scope=scope,
        )
        .estimate(x, y)
        .value
    )


@register
class BinningEstimator(BaseEstimator):
    """Plug-in binning estimator (Shwartz-Ziv & Tishby 2017; Saxe et al. 2018).

    Args:
        n_bins: equal-width bins on ``range`` (default 30 on [-1, 1], the IDNNs setting); set
            ``None`` when using ``bin_width``.
        bin_width: fixed width anchored at 0 (Saxe et al. 2018 used 0.07); no range needed.
        range: (low, high), or ``"data"`` for the [min, max] of the activations passed (a whole run
            of a layer when called by the run pipeline).
        out_of_range: ``"warn"`` (default; values outside a fixed range get extra bins of the same
            width and a :class:`BinningRangeWarning`) or ``"error"``.
        unit: ``"bits"`` (default) or ``"nats"``.
        scope: with ``range="data"``: ``"global"`` (default; one range over everything passed),
            ``"layer"`` (per representation) or ``"neuron"`` (per unit of each representation).

    Raises:
        InfoplaneError: for inconsistent parameters (see :func:`bin_edges_grid`).

    References:
        1. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
           Information. arXiv 1703.00810.
        2. Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.
    """

    name = "binning"

    def __init__(
        self,
        *,
        n_bins: int | None = 30,
        bin_width: float | None = None,
        range: RangeSpec = (-1.0, 1.0),
        out_of_range: Literal["warn", "error"] = "warn",
        unit: str = "bits",
        scope: Scope = "global",
    ) -> None:
        super().__init__(unit=unit)
        if bin_width is not None and n_bins == 30:
            n_bins = None  # bin_width given alone: the default n_bins does not apply
        if not isinstance(range, str):
            range = (float(range[0]), float(range[1]))
        bin_edges_grid(n_bins=n_bins, bin_width=bin_width, value_range=range, data=np.zeros(1))
        if out_of_range not in ("warn", "error"):
            raise InfoplaneError(f"out_of_range must be 'warn' or 'error'; got {out_of_range!r}.")
        self.n_bins = n_bins
        self.bin_width = bin_width
        self.range = range
        self.out_of_range = out_of_range
        self.scope = _check_scope(scope, range)

    def _keys(self, a: np.ndarray) -> np.ndarray:
        if _is_discrete(a):
            return row_keys(a.astype(np.int64))
        if self.scope != "global" and self.n_bins is not None and self.bin_width is None:
            return _scoped_keys(a, int(self.n_bins), self.scope)
        return _binned_keys(a, self.n_bins, self.bin_width, self.range, self.out_of_range)

    def _mutual_information_nats(self, x: np.ndarray, y: np.ndarray) -> float:
        kx = np.unique(self._keys(x), return_inverse=True)[1].ravel()
        ky = np.unique(self._keys(y), return_inverse=True)[1].ravel()
        kxy = kx * (int(ky.max()) + 1) + ky
        h = entropy_of_keys(np.stack([kx, ky, kxy]))
        return float(max(h[0] + h[1] - h[2], 0.0))

    def information_plane(
        self, t: np.ndarray, labels: np.ndarray, *, x: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Vectorised (I(X;T), I(T;Y)) over batch axes; see :func:`binning_information_plane`.

        With ``x`` given (not all inputs distinct), falls back to the general plug-in estimate.
        """
        if x is not None:
            return super().information_plane(t, labels, x=x)
        return binning_information_plane(
            t,
            labels,
            n_bins=self.n_bins,
            bin_width=self.bin_width,
            range=self.range,
            out_of_range=self.out_of_range,
            unit=self.unit,
            scope=self.scope,
        )


@register
class AdaptiveBinningEstimator(BaseEstimator):
    """Plug-in MI with adaptive equal-mass bins (after Chelombiev, Houghton & O'Donnell 2019).

    Each unit's values (``scope="neuron"``), each representation's pooled values (``"layer"``) or
    all values passed (``"global"``, e.g. a layer over a whole run) are cut at their empirical
    quantiles into ``n_bins`` bins of (about) equal mass -- see :func:`equal_mass_codes` -- and the
    plug-in estimate of :func:`binning_information_plane` is taken on the binned rows.

    .. math:: I(X;T) = H(T_q), \\qquad I(T;Y) = H(T_q) - \\sum_y p(y) H(T_q \\mid Y=y)

    Args:
        n_bins: bins per unit (default 30, as the fixed-width default).
        scope: ``"neuron"`` (default), ``"layer"`` or ``"global"``.
        unit: ``"bits"`` (default) or ``"nats"``.

    Raises:
        InfoplaneError: for ``n_bins < 2`` or an unknown scope.

    Notes:
        Adapting the bins to the activations' distribution keeps every bin populated, so the
        estimate does not hinge on a fixed range (no clipping of ReLU, no empty bins at the tails);
        ties stay in one bin, so a saturated unit is one state. Like every plug-in estimate it is
        biased low for few samples and bounded by log2(n). Chelombiev et al. place edges so that
        bins hold equal numbers of activation values; this implementation uses ranks with ties.

    References:
        Chelombiev, I., Houghton, C., O'Donnell, C. (2019). Adaptive Estimators Show Information
        Compression in Deep Neural Networks. ICLR. arXiv 1902.09037.
    """

    name = "binning_adaptive"

    def __init__(self, *, n_bins: int = 30, scope: Scope = "neuron", unit: str = "bits") -> None:
        super().__init__(unit=unit)
        if isinstance(n_bins, bool) or int(n_bins) != n_bins or n_bins < 2:
            raise InfoplaneError(f"n_bins must be an integer >= 2; got {n_bins!r}.")
        if scope not in SCOPES:
            raise InfoplaneError(f"scope must be one of {', '.join(SCOPES)}; got {scope!r}.")
        self.n_bins = int(n_bins)
        self.scope = scope

    def _keys(self, a: np.ndarray) -> np.ndarray:
        if _is_discrete(a):
            return row_keys(a.astype(np.int64))
        return row_keys(equal_mass_codes(a, self.n_bins, self.scope))

    def _mutual_information_nats(self, x: np.ndarray, y: np.ndarray) -> float:
        kx = np.unique(self._keys(x), return_inverse=True)[1].ravel()
        ky = np.unique(self._keys(y), return_inverse=True)[1].ravel()
        kxy = kx * (int(ky.max()) + 1) + ky
        h = entropy_of_keys(np.stack([kx, ky, kxy]))
        return float(max(h[0] + h[1] - h[2], 0.0))

    def information_plane(
        self, t: np.ndarray, labels: np.ndarray, *, x: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Vectorised (I(X;T), I(T;Y)) over batch axes with adaptive bins.

        Args:
            t: (..., n_samples, n_units).
            labels: (n_samples,) integer labels.
            x: optional inputs; when given, falls back to the general plug-in estimate per
                representation.

        Returns:
            Two arrays of shape ``t.shape[:-2]`` in ``self.unit``.
        """
        if x is not None:
            return super().information_plane(t, labels, x=x)
        t = np.asarray(t)
        if t.ndim < 2 or t.shape[-2] < 2:
            raise InfoplaneError(f"t must have shape (..., n_samples>=2, n_units); got {t.shape}.")
        check_finite(t, "t")
        labels = as_labels(labels, "labels")
        if labels.shape[0] != t.shape[-2]:
            raise InfoplaneError(
                f"labels has {labels.shape[0]} entries but t has {t.shape[-2]} samples; pass one "
                "label per sample."
            )
        return _plane_from_keys(self._keys(t), labels, self.unit)


def adaptive_binning_information_plane(
    t: np.ndarray,
    labels: np.ndarray,
    *,
    n_bins: int = 30,
    scope: Scope = "neuron",
    unit: str = "bits",
) -> tuple[np.ndarray, np.ndarray]:
    """Function form of :meth:`AdaptiveBinningEstimator.information_plane` (same arguments)."""
    return AdaptiveBinningEstimator(n_bins=n_bins, scope=scope, unit=unit).information_plane(
        t, labels
    )


def adaptive_binning_mutual_information(
    x: np.ndarray, y: np.ndarray, *, n_bins: int = 30, scope: Scope = "neuron", unit: str = "bits"
) -> float:
    """Function form of :meth:`AdaptiveBinningEstimator.estimate`: plug-in I(X;Y) in ``unit``."""
    return AdaptiveBinningEstimator(n_bins=n_bins, scope=scope, unit=unit).estimate(x, y).value


def quantized_binning_params(bits: int, low: float = -1.0, high: float = 1.0) -> dict[str, object]:
    """Binning parameters with one bin centred on each of the 2^bits levels of a quantised layer.

    For activations quantised to ``2**bits`` evenly spaced levels on [low, high] (Lorenzen et al.
    2022; :class:`infoplane.models.quantized.Quantize`, ``MLP(quantize_bits=bits)``), bins of width
    ``step = (high - low) / (2**bits - 1)`` on ``[low - step/2, high + step/2]`` put each level in
    its own bin, so the binning estimator's plug-in MI is exactly the MI of the finite-valued layer
    on the data set (no estimation error beyond the empirical distribution).

    Args:
        bits: number of bits k >= 1.
        low, high: the quantiser's range (tanh: -1, 1; sigmoid: 0, 1).

    Returns:
        ``{"n_bins": 2**bits, "range": (low - step/2, high + step/2)}``, to pass to
        ``make_estimator("binning", **params)``.

    Raises:
        InfoplaneError: for bits < 1 or high <= low.

    References:
        Lorenzen, S. S., Igel, C., Nielsen, M. (2022). Information Bottleneck: Exact Analysis of
        (Quantized) Neural Networks. ICLR. arXiv 2106.12912.
    """
    if isinstance(bits, bool) or int(bits) != bits or bits < 1:
        raise InfoplaneError(f"bits must be an integer >= 1; got {bits!r}.")
    if not high > low:
        raise InfoplaneError(f"high must exceed low; got low={low}, high={high}.")
    levels = 2 ** int(bits)
    step = (high - low) / (levels - 1)
    return {"n_bins": levels, "range": (low - step / 2, high + step / 2)}
