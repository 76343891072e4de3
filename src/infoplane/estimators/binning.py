"""Plug-in (binning) mutual information, as used for the information plane.

Implements the estimator of Shwartz-Ziv & Tishby (2017), "Opening the Black Box of Deep Neural
Networks via Information", arXiv 1703.00810, Sec. 2.4 and the IDNNs code (equal-width bins on [-1,
1]: 30 edges ``np.linspace(-1, 1, 30)``, i.e. ``n_bins=29``), and the fixed-bin-width variant of Saxe et al. (2018), "On the Information Bottleneck Theory of
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
from typing import Any, Literal, NamedTuple

import numpy as np
from pydantic import Field, model_validator

from infoplane._validation import as_labels, check_positive
from infoplane.estimators.base import BaseEstimator, EstimatorParams, Float, Int, function_forms
from infoplane.estimators.registry import register
from infoplane.interface import InfoplaneError, convert

RangeSpec = tuple[float, float] | Literal["data"]
#: bins on [-1, 1] when neither n_bins nor bin_width is given. Not the IDNNs rule: IDNNs'
#: ``np.linspace(-1, 1, 30)`` are 30 bin *edges*, i.e. 29 bins (:data:`IDNNS_N_BINS`).
DEFAULT_N_BINS = 30
#: the number of bins of Shwartz-Ziv & Tishby's IDNNs code: 30 edges ``np.linspace(-1, 1, 30)``
IDNNS_N_BINS = 29

_HASH_SEED = 0x5EED
#: values coded per block by the fast key route (float64 temporaries of 512 KiB stay in cache)
_KEY_BLOCK = 2**16
#: integers up to 2^53 are exact in float64
_EXACT_FLOAT = 2**53
#: keys counted per block by the plane (temporaries of a few hundred KiB: no fresh pages each)
_PLANE_BLOCK = 2**15


class BinningRangeWarning(UserWarning):
    """Activations fell outside the fixed binning range; extra bins of the same width were used."""


def resolve_bins(
    n_bins: int | None = None, bin_width: float | None = None, *, n_bins_given: bool = True
) -> tuple[int | None, float | None]:
    """Resolve the two ways of setting the bin grid: ``n_bins`` on a range, or a fixed ``bin_width``.

    The one place that implements the rule: they are mutually exclusive; ``n_bins`` defaults to
    30 (on [-1, 1]) only when it was not given and no ``bin_width`` is set, so ``bin_width=0.07``
    alone works and an explicit ``n_bins=30`` is never silently dropped.

    Args:
        n_bins: the number of bins, or ``None``.
        bin_width: the fixed bin width, or ``None``.
        n_bins_given: whether the caller gave ``n_bins`` explicitly. Callers whose ``n_bins``
            defaults to ``None`` pass ``n_bins is not None``.

    Returns:
        ``(n_bins, bin_width)`` with exactly one of them ``None``.

    Raises:
        InfoplaneError: if both are given, or ``n_bins=None`` is given without a ``bin_width``.

    Shapes: none (two scalars).

    Units: ``bin_width`` is in the units of the activations it bins; ``n_bins`` is a count.

    Notes:
        Replaces a sentinel (``if bin_width is not None and n_bins == 30: n_bins = None``) that
        silently dropped an explicit ``n_bins=30``. The two grids give different numbers: 30
        bins on [-1, 1] have width 0.0667, close to Saxe et al.'s 0.07, but a fixed width anchored
        at 0 also bins unbounded (ReLU) layers, where the count of occupied bins then grows with
        the activations' range.

    References:
        1. Shwartz-Ziv, R., Tishby, N. (2017). arXiv 1703.00810 (IDNNs: 30 edges on [-1, 1],
           i.e. 29 bins).
        2. Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR
           (bin width 0.07 anchored at 0).

    Example:
        >>> resolve_bins(n_bins_given=False), resolve_bins(None, 0.07, n_bins_given=False)
        ((30, None), (None, 0.07))
        >>> resolve_bins(30, None)
        (30, None)
    """
    if not n_bins_given:
        n_bins = None if bin_width is not None else DEFAULT_N_BINS
    if n_bins is not None and bin_width is not None:
        raise InfoplaneError(
            f"n_bins={n_bins!r} and bin_width={bin_width!r} are mutually exclusive: give n_bins "
            "(equal bins on a range) or bin_width (fixed width anchored at 0), not both."
        )
    if n_bins is None and bin_width is None:
        raise InfoplaneError(
            "give exactly one of n_bins (bins on a range) or bin_width (fixed width); both are None."
        )
    return n_bins, bin_width


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

    Args:
        n_bins: number of bins on the range, or ``None`` with ``bin_width`` (see
            :func:`resolve_bins` for defaults).
        bin_width: fixed width, or ``None`` with ``n_bins``.
        value_range: (low, high) or ``"data"``.
        data: the activations, needed for ``value_range="data"``.

    Returns:
        (anchor, width) of the grid, in the activations' units.

    Raises:
        InfoplaneError: if neither or both of ``n_bins`` and ``bin_width`` are given, ``n_bins <
            2``, a non-positive width, or an empty range.

    Notes:
        Callers resolve defaults with :func:`resolve_bins` first; this function is strict.

    References:
        1. Shwartz-Ziv, R., Tishby, N. (2017). arXiv 1703.00810 (IDNNs: 30 edges on [-1, 1],
           i.e. 29 bins).
        2. Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR
           (bin width 0.07 anchored at 0).

    Example:
        >>> bin_edges_grid(n_bins=30, bin_width=None, value_range=(-1.0, 1.0))
        (-1.0, 0.06666666666666667)
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
    t: np.ndarray,
    anchor: float,
    width: float,
    *,
    upper: float | None = None,
    n_bins: int | None = None,
) -> np.ndarray:
    """Return integer bin codes floor((t - anchor) / width) of the same shape as ``t``.

    Args:
        t: activations of any shape (..., n_samples, n_units), in the activations' units.
        anchor: left edge of bin 0.
        width: bin width (> 0).
        upper: the closed right end of a bounded grid (the range's maximum, as given -- not
            ``anchor + width * n_bins`` recomputed, which can differ in the last bit). Every value
            in ``[anchor, upper]`` gets a code in ``[0, n_bins - 1]``, so a value exactly at the
            top of the range (a saturated tanh unit) is in the last bin, never in a phantom bin
            ``n_bins``. Default ``None`` (unbounded grid).
        n_bins: the number of bins of the bounded grid (default ``None``: ``round((upper -
            anchor) / width)``). Only used with ``upper``.

    Returns:
        int64 codes of the shape of ``t`` (unitless bin indices).

    Raises:
        InfoplaneError: if a code exceeds 2^62 in magnitude (activations near 1e150 on a grid of
            width 0.07): the codes would overflow 64-bit integers. Validate ``t`` first (codes of
            NaN are meaningless).

    Notes:
        Values outside a bounded grid get codes below 0 or above the last bin (extra bins of the
        same width), never clipped. Rounding of ``(t - anchor) / width`` is corrected at the
        cause: membership of the closed range is decided by comparing ``t`` with ``anchor`` and
        ``upper`` themselves, then the code is clamped into the range's bins (or out of them).
        Callers that pass a recomputed ``upper`` get a tolerance of 4 units in the last place.

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810.

    Example:
        >>> discretize(np.array([-1.0, 0.0, 0.99, 1.0]), -1.0, 0.5, upper=1.0).tolist()
        [0, 2, 3, 3]
    """
    t = np.asarray(t)
    if upper is not None and n_bins is None:  # a recomputed upper: tolerate its last-bit rounding
        n_bins = round((upper - anchor) / width)
        upper = upper + 4 * float(np.spacing(abs(upper)))
    if upper is not None and _inside_range(t, anchor, upper, n_bins) is not None:
        return _inside_int_codes(t, anchor, width, n_bins)
    codes = np.subtract(t, anchor, dtype=np.float64)  # in place from here: one temporary
    codes /= width
    np.floor(codes, out=codes)
    if upper is not None:
        top = float(n_bins) - 1.0
        above = t > upper
        np.minimum(codes, top, out=codes, where=~above)  # inside or below: never past the top bin
        np.maximum(codes, top + 1.0, out=codes, where=above)  # above: never inside
        np.maximum(codes, 0.0, out=codes, where=t >= anchor)
        np.minimum(codes, -1.0, out=codes, where=t < anchor)
    if codes.size and not np.abs(codes).max() < 2.0**62:
        raise InfoplaneError(
            f"activations reach {float(np.abs(t).max()):.3g}, more than 2^62 bins of width "
            f"{width:.3g} from the grid's anchor {anchor:g}: the bin codes do not fit in 64 bits "
            "and the binned entropy would be meaningless. Use range='data' (bins on the data's "
            "[min, max]), a larger bin_width, or rescale the activations."
        )
    return codes.astype(np.int64)


def _inside_range(
    t: np.ndarray, anchor: float, upper: float | None, n_bins: int | None
) -> tuple[float, float] | None:
    """(min, max) of a float array whose values all lie in the grid, else ``None``.

    Inside means: in the closed range [anchor, upper] of a bounded grid (compared in float64,
    exactly as :func:`discretize` compares), or finite for an unbounded grid (``upper=None``),
    so that the codes need no clamping below 0 or above the grid's last bin.
    """
    if t.dtype.kind != "f" or t.dtype.itemsize > 8 or not t.size:
        return None
    lo, hi = float(np.min(t)), float(np.max(t))
    if upper is None:
        return (lo, hi) if np.isfinite(lo) and np.isfinite(hi) else None
    if n_bins is None or not n_bins - 1 < 2**62:
        return None
    return (lo, hi) if anchor <= lo and hi <= upper else None


def _inside_codes(
    t: np.ndarray, anchor: float, width: float, n_bins: int | None, out: np.ndarray | None = None
) -> np.ndarray:
    """float64 codes floor((t - anchor) / width), capped at the last bin of a bounded grid, of
    values inside the grid: the arithmetic of :func:`discretize`, without its masks."""
    codes = np.subtract(t, anchor, dtype=np.float64, out=out)
    codes /= width
    np.floor(codes, out=codes)
    if n_bins is not None:
        np.minimum(codes, float(n_bins) - 1.0, out=codes)
    return codes


def _inside_int_codes(t: np.ndarray, anchor: float, width: float, n_bins: int) -> np.ndarray:
    """int64 codes of values inside a bounded grid, computed in cache-sized float64 blocks."""
    flat = t.reshape(-1)
    out = np.empty(flat.shape, dtype=np.int64)
    buf = np.empty(min(_KEY_BLOCK, len(flat)), dtype=np.float64)
    for s in range(0, len(flat), _KEY_BLOCK):
        blk = flat[s : s + _KEY_BLOCK]
        out[s : s + len(blk)] = _inside_codes(blk, anchor, width, n_bins, out=buf[: len(blk)])
    return out.reshape(t.shape)


def _inside_keys(
    t: np.ndarray, anchor: float, width: float, n_bins: int | None, lo: float, hi: float
) -> np.ndarray | None:
    """``row_keys(discretize(t, ...))`` of float values (..., n, d) inside their grid, or ``None``.

    The same keys as the general route, computed in cache-sized blocks: the codes stay float64
    (integers, exact) and a row's mixed-radix key is one float64 matrix-vector product, exact
    while every partial sum is below 2^53. ``lo``, ``hi`` are the values' min and max, whose codes
    are the smallest and the largest code (the code is monotone in the value). ``None`` when the
    keys would not be exact in float64 or :func:`row_keys` would hash.
    """
    d = t.shape[-1]
    cmin, cmax = (int(_inside_codes(np.array([v]), anchor, width, n_bins)[0]) for v in (lo, hi))
    base = cmax - cmin + 1
    if not d * np.log2(max(base, 2)) < 62:  # row_keys hashes these: its keys, its route
        return None
    weights = [base**j for j in range(d)]
    if max(abs(cmin), abs(cmax)) * sum(weights) >= _EXACT_FLOAT:
        return None
    w = np.array(weights, dtype=np.float64)
    shift = float(cmin * sum(weights))  # exact: the shift of row_keys
    flat = t.reshape(-1, d)
    keys = np.empty(len(flat), dtype=np.int64)
    rows = max(1, _KEY_BLOCK // d)
    buf = np.empty((min(rows, len(flat)), d), dtype=np.float64)
    kbuf = np.empty(len(buf), dtype=np.float64)
    for s in range(0, len(flat), rows):
        blk = flat[s : s + rows]
        codes = _inside_codes(blk, anchor, width, n_bins, out=buf[: len(blk)])
        kb = np.matmul(codes, w, out=kbuf[: len(blk)])
        if cmin:
            kb -= shift
        keys[s : s + len(blk)] = kb  # integers below 2^53: converted exactly
    return keys.reshape(t.shape[:-1])


def binned_row_keys(
    t: np.ndarray,
    anchor: float,
    width: float,
    *,
    upper: float | None = None,
    n_bins: int | None = None,
) -> np.ndarray:
    """Row keys of binned activations: ``row_keys(discretize(t, ...))`` with t compared in float64.

    Each value is cut into the bins of :func:`discretize`; each row of codes becomes one integer
    key (:func:`row_keys`): equal binned states, equal keys.

    Args:
        t: activations (..., n_samples, n_units), float32 or float64, in the activations' units.
        anchor: left edge of bin 0.
        width: bin width (> 0).
        upper: the closed right end of a bounded grid, as for :func:`discretize` (default
            ``None``: unbounded).
        n_bins: the bins of the bounded grid, as for :func:`discretize` (default ``None``).

    Returns:
        int64 keys of shape (..., n_samples) (unitless), equal to ``row_keys(discretize(
        t.astype(np.float64), anchor, width, upper=upper, n_bins=n_bins))``.

    Raises:
        InfoplaneError: as :func:`discretize`, when codes would overflow 64 bits.

    Notes:
        When every value lies inside the grid (the usual case: tanh units on [-1, 1]) the keys
        are computed in cache-sized blocks without int64 codes: the float64 codes (exact small
        integers) are combined by one matrix-vector product per block, exact while each key is
        below 2^53, so the keys are the same integers. Otherwise (values outside a bounded
        grid, wide rows that :func:`row_keys` hashes) the general route runs.

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810, Sec. 2.4 (binned representations).

    Example:
        >>> t = np.array([[-1.0, 0.2], [0.9, 1.0], [-0.95, 0.25]], dtype=np.float32)
        >>> binned_row_keys(t, -1.0, 0.5, upper=1.0, n_bins=4).tolist()
        [8, 15, 8]
    """
    t = np.asarray(t)
    if upper is not None and n_bins is None:  # a recomputed upper, as discretize tolerates it
        n_bins = round((upper - anchor) / width)
        upper = upper + 4 * float(np.spacing(abs(upper)))
    inside = _inside_range(t, anchor, upper, n_bins)
    if inside is not None:
        keys = _inside_keys(t, anchor, width, n_bins, *inside)
        if keys is not None:
            return keys
    t = np.asarray(t, dtype=np.float64)  # compared in float64
    return row_keys(discretize(t, anchor, width, upper=upper, n_bins=n_bins))


def row_keys(codes: np.ndarray) -> np.ndarray:
    """Encode each row of bin codes (..., n, d) as one int64 key (..., n): equal rows, equal keys.

    Args:
        codes: integer bin codes of shape (..., n, d).

    Returns:
        int64 keys of shape (..., n) (unitless).

    Raises:
        Nothing; integer input is assumed.

    Notes:
        Exact mixed-radix encoding when it fits in 63 bits; otherwise a 64-bit multiplicative hash
        with fixed random odd multipliers (collision probability about n^2 / 2^64 per batch
        element, i.e. below 1e-11 for n = 10,000).

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810.

    Example:
        >>> row_keys(np.array([[0, 1], [0, 1], [1, 0]])).tolist()
        [2, 2, 1]
    """
    codes = np.asarray(codes)
    d = codes.shape[-1]
    if codes.size and (codes.dtype.kind == "i" or (codes.dtype.kind == "u" and codes.itemsize < 8)):
        # exact in float64: BLAS, no shifted copy
        lo, hi = int(codes.min()), int(codes.max())
        base = hi - lo + 1
        weights = [base**j for j in range(d)]
        if d * np.log2(max(base, 2)) < 62 and max(-lo, hi) * sum(weights) < _EXACT_FLOAT:
            return _radix_keys(codes, weights, lo)
    codes = codes - codes.min()
    base = int(codes.max()) + 1
    if d * np.log2(max(base, 2)) < 62:
        weights = base ** np.arange(d, dtype=np.int64)
        return codes @ weights
    rng = np.random.default_rng(_HASH_SEED)
    mult = rng.integers(1, 2**63, size=d, dtype=np.uint64) | np.uint64(1)
    with np.errstate(over="ignore"):
        return (codes.astype(np.uint64) * mult).sum(axis=-1).view(np.int64)


def _radix_keys(codes: np.ndarray, weights: list[int], lo: int) -> np.ndarray:
    """Mixed-radix keys sum_j (codes[..., j] - lo) * weights[j] of integer codes (..., d),
    computed in float64 blocks (BLAS), exact because every partial sum is below 2^53."""
    d = codes.shape[-1]
    flat = codes.reshape(-1, d)
    w = np.array(weights, dtype=np.float64)
    shift = float(lo * sum(weights))
    keys = np.empty(len(flat), dtype=np.int64)
    rows = max(1, _KEY_BLOCK // d)
    buf = np.empty((min(rows, len(flat)), d), dtype=np.float64)
    kbuf = np.empty(len(buf), dtype=np.float64)
    for s in range(0, len(flat), rows):
        blk = buf[: len(flat[s : s + rows])]
        np.copyto(blk, flat[s : s + rows])
        kb = np.matmul(blk, w, out=kbuf[: len(blk)])
        if lo:
            kb -= shift
        keys[s : s + len(blk)] = kb
    return keys.reshape(codes.shape[:-1])


#: the bias corrections of the plug-in entropy that the binning estimators offer
BIAS_CORRECTIONS: tuple[str, ...] = ("none", "miller_madow", "grassberger")


def grassberger_g(counts: np.ndarray) -> np.ndarray:
    """Grassberger's G(m) = psi(m) + (-1)^m int_0^1 t^(m-1) / (1 + t) dt, for counts m >= 1.

    The integral equals (psi((m + 1) / 2) - psi(m / 2)) / 2, so G is computed with digammas.

    Args:
        counts: positive integer counts, any shape.

    Returns:
        G(m) as float64, the shape of ``counts`` (unitless; nats when used in an entropy).

    Raises:
        Nothing; positive counts are assumed.

    Notes:
        With it, H_G = ln n - (1/n) sum_i n_i G(n_i) (nats) for the counts n_i of n samples.
        G(m) ~ ln m - 1/(2m) for large m, so H_G approaches the plug-in entropy plus the
        Miller-Madow term when every count is large.

    References:
        Grassberger, P. (2003, revised 2008). Entropy Estimates from Insufficient Samplings.
        arXiv physics/0307138, eq. 35 (v2).

    Example:
        >>> from scipy.integrate import quad
        >>> from scipy.special import digamma
        >>> g3 = float(grassberger_g(np.array([3]))[0])
        >>> ref = digamma(3) - quad(lambda t: t**2 / (1 + t), 0, 1)[0]
        >>> bool(abs(g3 - ref) < 1e-12)
        True
    """
    from scipy.special import digamma

    m = np.asarray(counts, dtype=np.float64)
    sign = np.where(np.asarray(counts) % 2 == 0, 1.0, -1.0)
    return digamma(m) + sign * 0.5 * (digamma((m + 1.0) / 2.0) - digamma(m / 2.0))


def entropy_of_keys(keys: np.ndarray, *, correction: str = "none") -> np.ndarray:
    """Entropy in nats of the empirical distribution of keys along the last axis.

    .. math:: \\hat H = -\\sum_k \\frac{n_k}{n} \\ln \\frac{n_k}{n}
        \\quad (+\\tfrac{K - 1}{2n} \\text{ Miller-Madow})

    Args:
        keys: integer array (..., n); equal keys are the same symbol.
        correction: ``"none"`` (plug-in, default), ``"miller_madow"`` (plug-in + (K - 1) / (2n),
            K the occupied symbols) or ``"grassberger"`` (ln n - (1/n) sum_k n_k G(n_k), see
            :func:`grassberger_g`).

    Returns:
        Array of shape keys.shape[:-1], entropy in **nats** (divide by ln 2 for bits).

    Raises:
        InfoplaneError: for an unknown ``correction``.

    Notes:
        Sort-based and vectorised over the batch (no loop over samples). The plug-in entropy is
        biased low by about (K - 1) / (2 n) nats for K symbols (Miller 1955); that first-order
        term is all Miller-Madow removes, and it under-corrects when most symbols are seen once
        or twice (n < K). Grassberger's estimator removes more of the bias in that regime
        (measured in ``tests/test_bias_corrections.py``); neither is unbiased for n << K
        (Paninski 2003).

    References:
        1. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
           Information. arXiv 1703.00810.
        2. Miller, G. A. (1955). Note on the bias of information estimates. In Information Theory
           in Psychology, Free Press, 95-100.
        3. Grassberger, P. (2003, revised 2008). Entropy Estimates from Insufficient Samplings.
           arXiv physics/0307138, eq. 35.
        4. Paninski, L. (2003). Estimation of Entropy and Mutual Information. Neural Computation
           15:1191-1253.

    Example:
        >>> float(entropy_of_keys(np.array([3, 3, 7, 9])) / np.log(2))
        1.5
        >>> mm = entropy_of_keys(np.array([3, 3, 7, 9]), correction="miller_madow")
        >>> round(float(mm - entropy_of_keys(np.array([3, 3, 7, 9]))), 6)   # (3 - 1) / (2 * 4)
        0.25
    """
    if correction not in BIAS_CORRECTIONS:
        raise InfoplaneError(
            f"correction must be one of {', '.join(map(repr, BIAS_CORRECTIONS))}; got "
            f"{correction!r}."
        )
    n = keys.shape[-1]
    flat = keys.reshape(-1, n)
    if n == 0:
        return np.zeros(keys.shape[:-1])
    h = np.empty(flat.shape[0])
    step = max(1, _PLANE_BLOCK // n)
    terms = _Terms([n], -(-len(flat) // step))
    for s in range(0, len(flat), step):
        _, row, counts, _ = _runs(_sorted_rows(flat[s : s + step]))
        h[s : s + step] = _run_entropy(row, counts, len(flat[s : s + step]), correction, terms)
    return h.reshape(keys.shape[:-1])


def _sorted_rows(flat: np.ndarray) -> np.ndarray:
    """Each row of keys (B, n) sorted, as a new array: integer keys whose span fits in 31 bits
    are shifted to int32 first (the same order; the sort is about twice as fast)."""
    if flat.dtype.kind in "iub" and flat.size:
        lo, hi = int(flat.min()), int(flat.max())
        if hi - lo < 2**31:
            wide = flat if flat.dtype.itemsize == 8 else flat.astype(np.int64)
            out = (wide - wide.dtype.type(lo)).astype(np.int32)
        else:
            out = flat.copy()
    else:
        out = flat.copy()
    out.sort(axis=-1)
    return out


def _runs(srt: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Runs of equal values in sorted rows (b, n): flat start index, row and length of each run
    (in row order, then value order), and the number of runs of each row."""
    starts = np.empty(srt.shape, dtype=bool)
    starts[:, :1] = True
    np.not_equal(srt[:, 1:], srt[:, :-1], out=starts[:, 1:])
    per_row = np.count_nonzero(starts, axis=1)
    idx = np.flatnonzero(starts)
    counts = np.empty_like(idx)
    np.subtract(idx[1:], idx[:-1], out=counts[:-1])
    counts[-1:] = srt.size - idx[-1:]
    return idx, np.repeat(np.arange(len(srt)), per_row), counts, per_row


class _Terms:
    """-p ln p with p = count / m for runs of groups of m samples, m one of ``sizes``.

    Many runs (a wide layer: most states seen once) read a table of the m + 1 possible values of
    each size, built once at the first block that has that many runs, instead of taking a
    logarithm per run: the same expression on the same p, so the same numbers.
    """

    def __init__(self, sizes: list[int], blocks: int) -> None:
        self.sizes, self.blocks = sizes, blocks
        self.table: np.ndarray | None = None
        self.starts = np.cumsum([0] + [m + 1 for m in sizes[:-1]])

    def __call__(self, counts: np.ndarray, which: np.ndarray | None = None) -> np.ndarray:
        if self.table is None and len(counts) * self.blocks > sum(self.sizes) // 4:
            p = np.concatenate([np.arange(m + 1) / m for m in self.sizes])
            with np.errstate(divide="ignore", invalid="ignore"):  # p = 0 is never read
                self.table = -p * np.log(p)
        if self.table is not None:
            return self.table[counts if which is None else self.starts[which] + counts]
        m = self.sizes[0] if which is None else np.asarray(self.sizes, dtype=np.float64)[which]
        p = counts.astype(np.float64) / m
        return -p * np.log(p)


def _run_entropy(
    group: np.ndarray,
    counts: np.ndarray,
    n_groups: int,
    correction: str,
    terms: _Terms,
    which: np.ndarray | None = None,
    group_size: np.ndarray | None = None,
) -> np.ndarray:
    """Entropy in nats of each of ``n_groups`` groups of samples from its runs of equal keys
    (group index ``group`` and length ``counts`` per run, in key order within a group), summed
    as :func:`entropy_of_keys` always summed it, with the bias ``correction``.

    ``terms.sizes[which]`` is the number of samples of each run's group (``terms.sizes[0]`` for
    all when ``which`` is ``None``); ``group_size`` the same per group.
    """
    m = terms.sizes[0] if group_size is None else group_size
    if correction == "grassberger":
        c = counts.astype(np.float64)
        return np.log(m) - np.bincount(group, weights=c * grassberger_g(c), minlength=n_groups) / m
    h = np.bincount(group, weights=terms(counts, which), minlength=n_groups)
    if correction == "miller_madow":
        h = h + (np.bincount(group, minlength=n_groups) - 1) / (2.0 * m)
    return h


def label_entropy(labels: np.ndarray, *, unit: str = "bits") -> float:
    """Plug-in entropy H(Y) of integer labels, shape (n_samples,), in ``unit`` (bits by default).

    When Y is a function of X and the n inputs are distinct and equally likely, this is also
    I(X;Y): the dotted line of the information plane (0.99916 bits on the 12-bit task).

    Args:
        labels: integer class indices of shape (n_samples,).
        unit: ``"bits"`` (default) or ``"nats"``.

    Returns:
        H(Y) as a float in ``unit``.

    Raises:
        InfoplaneError: for labels that are not integer class indices.

    Notes:
        The plug-in (empirical) entropy; it is the upper limit of every I(T;Y) on the plane.

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810.

    Example:
        >>> label_entropy([0, 0, 1, 1])
        1.0
    """
    return float(convert(entropy_of_keys(as_labels(labels, "labels")), unit))


def _binned_keys(
    t: np.ndarray, n_bins: int | None, bin_width: float | None, value_range: RangeSpec, on: str
) -> np.ndarray:
    """Row keys of the binned states of float activations (..., n, d) (float32 or float64).

    Values inside the grid take the fast route (:func:`_inside_keys`, the same keys); the rest
    are compared and coded in float64 as before, with the out-of-range warning.
    """
    anchor, width = bin_edges_grid(
        n_bins=n_bins, bin_width=bin_width, value_range=value_range, data=t
    )
    upper = None if n_bins is None else _range_top(value_range, t)  # the closed bound itself
    inside = _inside_range(t, anchor, upper, n_bins)
    if inside is not None:
        keys = _inside_keys(t, anchor, width, n_bins, *inside)
        if keys is not None:
            return keys
        if upper is not None:  # codes in [0, n_bins - 1]: no overflow check needed
            return row_keys(_inside_int_codes(t, anchor, width, n_bins))
    t = np.asarray(t, dtype=np.float64)  # compared and coded in float64
    if upper is not None:
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
    return row_keys(discretize(t, anchor, width, upper=upper, n_bins=n_bins))


def _range_top(value_range: RangeSpec, t: np.ndarray) -> float:
    """The closed upper end of the range that :func:`bin_edges_grid` cut (validated there)."""
    if isinstance(value_range, str):
        lo, hi = float(np.min(t)), float(np.max(t))
        return hi if hi > lo else lo + 1.0
    return float(value_range[1])


Scope = Literal["global", "layer", "neuron"]
_RANK_CHUNK = 2**22  # values ranked per step by equal_mass_codes
SCOPES: tuple[str, ...] = ("global", "layer", "neuron")


def _scoped_keys(t: np.ndarray, n_bins: int, scope: str) -> np.ndarray:
    """Keys of equal-width bins on the data's [min, max] per representation or per neuron.

    ``scope="layer"``: one range per representation (leading batch element), pooled over units;
    ``scope="neuron"``: one range per unit of each representation.
    """
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
        Integer codes of the shape of ``t``, in [0, n_bins).

    Raises:
        Nothing for finite numeric input; validate ``t`` first.

    Notes:
        Ranks make the codes invariant to any increasing map of the pooled values (and to their
        scale). Sorting runs in torch, in chunks of about 4 million values.

    References:
        Chelombiev, I., Houghton, C., O'Donnell, C. (2019). Adaptive Estimators Show Information
        Compression in Deep Neural Networks. ICLR. arXiv 1902.09037.

    Example:
        >>> equal_mass_codes(np.array([[0.3], [0.1], [0.1], [0.9]]), 2).ravel().tolist()
        [1, 0, 0, 1]
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


class PlaneEntropies(NamedTuple):
    """The entropies of binned states behind one information-plane point, from one sort.

    Attributes:
        h_t: H(T_b) in nats, shape ``batch`` (the keys' leading axes).
        h_t_given_y: sum_y p(y) H(T_b | Y=y) in nats, shape ``batch``.
        distinct: number of occupied states K, shape ``batch`` (int64).
        distinct_given_y: occupied states within each class, shape ``batch + (n_classes,)``
            (int64), classes in the order of ``classes``.
        classes: the sorted class labels, shape (n_classes,).
    """

    h_t: np.ndarray
    h_t_given_y: np.ndarray
    distinct: np.ndarray
    distinct_given_y: np.ndarray
    classes: np.ndarray


def plane_entropies(
    keys: np.ndarray, labels: np.ndarray, *, correction: str = "none"
) -> PlaneEntropies:
    """H(T_b) and H(T_b | Y) of row keys (..., n) with labels (n,), and their state counts.

    .. math:: H(T_b) = -\\sum_t \\hat p(t) \\ln \\hat p(t), \\qquad
        H(T_b \\mid Y) = \\sum_y \\hat p(y) H(T_b \\mid Y = y)

    so that I(X;T) = H(T_b) and I(T;Y) = H(T_b) - H(T_b | Y) on the information plane (n distinct,
    equally likely inputs). Equal keys are the same binned state (:func:`row_keys`).

    Args:
        keys: integer row keys, shape (..., n); leading axes are batch axes (repetition, epoch).
        labels: integer class labels, shape (n,).
        correction: bias correction of every entropy, as for :func:`entropy_of_keys`
            (``"none"``, ``"miller_madow"`` or ``"grassberger"``).

    Returns:
        A :class:`PlaneEntropies`: ``h_t`` and ``h_t_given_y`` in **nats** (shape ``batch``), the
        state counts ``distinct`` (``batch``) and ``distinct_given_y`` (``batch + (C,)``), and
        ``classes`` (C,).

    Raises:
        InfoplaneError: for an unknown ``correction``.

    Notes:
        The numbers equal, bit for bit, :func:`entropy_of_keys` of all keys and of each class's
        keys (the same terms, summed in the same order), but come from one sort: each key is
        shifted to start at 0, the class index is packed into its low bits, and a row sorted by
        (key, class) holds both the runs of a state and the runs of a state within a class.
        Keys whose span fits in 31 bits are sorted as int32. When the packed key would not fit
        in 63 bits, the classes are sorted one by one. Plug-in entropies are biased low for few
        samples per state (see :func:`entropy_of_keys`).

    References:
        1. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
           Information. arXiv 1703.00810, Sec. 2.4 (binned I(X;T), I(T;Y)).
        2. Miller, G. A. (1955); Grassberger, P. (2003, revised 2008), arXiv physics/0307138,
           eq. 35 (the corrections).

    Example:
        >>> e = plane_entropies(np.array([3, 3, 7, 9]), np.array([0, 0, 1, 1]))
        >>> float(e.h_t / np.log(2)), float(e.h_t_given_y / np.log(2)), int(e.distinct)
        (1.5, 0.5, 3)
        >>> e.distinct_given_y.tolist(), e.classes.tolist()
        ([1, 2], [0, 1])
    """
    if correction not in BIAS_CORRECTIONS:
        raise InfoplaneError(
            f"correction must be one of {', '.join(map(repr, BIAS_CORRECTIONS))}; got "
            f"{correction!r}."
        )
    keys = np.asarray(keys)
    labels = np.asarray(labels)
    batch, n = keys.shape[:-1], keys.shape[-1]
    flat = keys.reshape(-1, n)
    n_rows = flat.shape[0]
    classes, y = np.unique(labels, return_inverse=True)
    y, n_classes = y.reshape(-1), len(classes)
    n_c = np.bincount(y, minlength=n_classes)
    h_t, h_c = np.zeros(n_rows), np.zeros((n_rows, n_classes))
    k_t, k_c = np.zeros(n_rows, dtype=np.int64), np.zeros((n_rows, n_classes), dtype=np.int64)
    packing = _packing(flat, n_classes)
    step = max(1, _PLANE_BLOCK // max(n, 1))  # rows per block: small temporaries, no page faults
    blocks = -(-n_rows // step)
    terms_t, terms_c = _Terms([n], blocks), _Terms(n_c.tolist(), blocks)
    class_terms = [_Terms([int(m)], blocks) for m in n_c]
    for s in range(0, n_rows if n else 0, step):
        part = flat[s : s + step]
        m, rows = len(part), slice(s, s + len(part))
        if packing is None:  # too wide to pack the class: one sort per class
            for c in range(n_classes):
                _, row_c, counts_c, k_c[rows, c] = _runs(_sorted_rows(part[:, y == c]))
                h_c[rows, c] = _run_entropy(row_c, counts_c, m, correction, class_terms[c])
            _, row, counts, k_t[rows] = _runs(_sorted_rows(part))
        else:
            srt = _packed_rows(part, y, *packing)
            idx, row_cy, counts_cy, _ = _runs(srt)
            bits = packing[1]
            cls = (srt.reshape(-1)[idx] & ((1 << bits) - 1)).astype(np.intp)
            group = row_cy * n_classes + cls
            h_c[rows] = _run_entropy(
                group,
                counts_cy,
                m * n_classes,
                correction,
                terms_c,
                which=cls,
                group_size=None if correction == "none" else np.tile(n_c.astype(np.float64), m),
            ).reshape(m, n_classes)
            k_c[rows] = np.bincount(group, minlength=m * n_classes).reshape(m, n_classes)
            if bits:
                _, row, counts, k_t[rows] = _runs(srt >> bits)
            else:
                row, counts, k_t[rows] = row_cy, counts_cy, k_c[rows, 0]
        h_t[rows] = _run_entropy(row, counts, m, correction, terms_t)
    h_t_given_y = np.zeros(n_rows)
    for c, label in enumerate(classes):  # weights p(y) as mask.mean(): few classes, not samples
        h_t_given_y += (labels == label).mean() * h_c[:, c]
    return PlaneEntropies(
        h_t.reshape(batch),
        h_t_given_y.reshape(batch),
        k_t.reshape(batch),
        k_c.reshape((*batch, n_classes)),
        classes,
    )


def _packing(flat: np.ndarray, n_classes: int) -> tuple[int, int, type] | None:
    """(shift, bits, dtype) that pack each key with its class as ``(key - shift) << bits |
    class``, or ``None`` when the keys are not integers or the packed keys need over 63 bits.
    The dtype is int32 when they fit (a faster sort)."""
    if flat.dtype.kind not in "iub" or not flat.size:
        return None
    bits = (n_classes - 1).bit_length()
    lo, hi = int(flat.min()), int(flat.max())
    top = ((hi - lo) << bits) | (n_classes - 1)
    if top >= 2**63:
        return None
    return lo, bits, (np.int32 if top < 2**31 else np.int64)


def _packed_rows(part: np.ndarray, y: np.ndarray, lo: int, bits: int, dtype: type) -> np.ndarray:
    """Rows of keys (b, n) packed with their class (:func:`_packing`), each row sorted."""
    wide = part if part.dtype.itemsize == 8 else part.astype(np.int64)
    packed = (wide - wide.dtype.type(lo)).astype(dtype)
    if bits:
        packed <<= bits
        packed |= y.astype(dtype)
    packed.sort(axis=-1)
    return packed


def _plane_from_keys(
    keys: np.ndarray, labels: np.ndarray, correction: str = "none"
) -> tuple[np.ndarray, np.ndarray]:
    """(H(T_b), H(T_b) - sum_y p(y) H(T_b | y)) in nats from row keys (..., n).

    With a bias correction the two are capped at their ceilings ln n = H(X) and H(Y) (a
    corrected entropy can exceed them).
    """
    e = plane_entropies(keys, labels, correction=correction)
    i_xt, i_ty = e.h_t, e.h_t - e.h_t_given_y
    if correction != "none":
        i_xt = np.minimum(i_xt, np.log(keys.shape[-1]))
        i_ty = np.minimum(i_ty, entropy_of_keys(labels))
    return i_xt, i_ty


def _plugin_nats(kx: np.ndarray, ky: np.ndarray, correction: str = "none") -> float:
    """Plug-in I = H(X) + H(Y) - H(X,Y) in nats from per-sample keys of X and Y, each (n,),
    each entropy with the bias ``correction``."""
    kx = np.unique(kx, return_inverse=True)[1].ravel()
    ky = np.unique(ky, return_inverse=True)[1].ravel()
    h = entropy_of_keys(np.stack([kx, ky, kx * (int(ky.max()) + 1) + ky]), correction=correction)
    return float(h[0] + h[1] - h[2])


class _PluginEstimator(BaseEstimator):
    """Plug-in estimators over per-sample keys: subclasses define ``_keys(a)`` for (..., n, d)."""

    def _keys(self, a: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _sample_keys(self, a: np.ndarray) -> np.ndarray:
        return row_keys(a.astype(np.int64)) if _is_discrete(a) else self._keys(a)

    def _mi_nats(self, x: np.ndarray, y: np.ndarray) -> float:
        return _plugin_nats(self._sample_keys(x), self._sample_keys(y), self.bias_correction)

    def _plane_nats(
        self, t: np.ndarray, labels: np.ndarray, x: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        if x is not None:  # repeated inputs: the general plug-in estimate per representation
            return super()._plane_nats(t, labels, x)
        return _plane_from_keys(self._keys(t), labels, self.bias_correction)


@register
class BinningEstimator(_PluginEstimator):
    """Plug-in binning estimator of mutual information (Shwartz-Ziv & Tishby 2017; Saxe et al. 2018).

    .. math:: I(X;T) = H(T_b), \\qquad I(T;Y) = H(T_b) - \\sum_y p(y) H(T_b \\mid Y=y)

    where :math:`T_b` is the binned state of a representation T (n_samples, n_units): each unit cut
    into equal-width bins, a sample's state the row of bin codes. ``estimate(x, y)`` bins each
    float variable the same way (integer or boolean arrays are discrete symbols, compared exactly)
    and returns the plug-in H(X) + H(Y) - H(X, Y). ``information_plane(t, labels)`` treats the n
    samples as distinct, equally likely inputs, so I(X;T) = H(T_b); it is vectorised over all
    batch axes (sort-based, no loop over samples).

    Args:
        {params}

    {returns}

    Raises:
        InfoplaneError: for invalid parameters -- ``n_bins`` and ``bin_width`` both given (they are
            mutually exclusive, see :func:`resolve_bins`), ``n_bins < 2``, a non-positive width,
            an empty range, ``scope`` other than ``"global"`` with a fixed range -- or bad data
            (and, with ``out_of_range="error"``, values outside the range).

    Notes:
        ``n_bins`` counts bins, not edges: ``n_bins=k`` cuts ``range`` at ``np.linspace(low,
        high, k + 1)``. Shwartz-Ziv & Tishby's IDNNs code bins with ``np.linspace(-1, 1, 30)`` as
        edges, i.e. 29 bins: the paper's rule is ``n_bins=29`` (the ``tishby2017`` preset); the
        default 30 bins are slightly finer. The top of a fixed range is closed (a value equal to
        ``high`` is in the last bin); IDNNs' ``np.digitize`` gives a value of exactly 1.0 a state
        of its own instead (the only difference, seen only for units saturated to 1.0 in float).
        Values outside a fixed range get extra bins of the same width (never clipped) and a
        :class:`BinningRangeWarning`. The plug-in entropy is biased low for few samples; I(X;T) is
        at most log2(n) bits, reached whenever all n samples fall into distinct bins -- which finer
        bins make happen -- so the value measures the geometry of T at the chosen resolution
        (Geiger 2021), not the (infinite) mutual information of a deterministic continuous map.
        With ``range="data"`` (scope ``"global"``) one range is taken over everything passed: a
        layer over a whole run when called by the run engine. Emits no flags (the plug-in value
        is exact for the empirical distribution). ``bias_correction`` corrects each entropy for
        the samples being a sample of a larger distribution: ``"miller_madow"`` adds (K - 1) /
        2n nats (K occupied bins); ``"grassberger"`` (Grassberger 2003/2008) removes more of the
        bias when bins hold one or two samples (uniform over 1000 bins, n = 500: plug-in -1.01
        nats, Miller-Madow -0.61, Grassberger -0.21; ``tests/test_bias_corrections.py``). On the
        plane the corrected I(X;T) and I(T;Y) are capped at log2 n and H(Y). Do not correct when
        the n inputs are the whole input space (the 12-bit task): the plug-in value is then exact.

    References:
        1. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
           Information. arXiv 1703.00810.
        2. Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.
        3. Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
           Review. IEEE TNNLS. arXiv 2003.09671.

    Example:
        >>> import numpy as np
        >>> t = np.eye(4)            # 4 distinct inputs, 4 distinct binned states
        >>> est = BinningEstimator(n_bins=2, range=(0, 1))
        >>> i_xt, i_ty = est.information_plane(t, np.array([0, 0, 1, 1]))
        >>> float(i_xt), float(i_ty)
        (2.0, 1.0)
        >>> BinningEstimator(bin_width=0.07).get_params()["n_bins"] is None
        True
    """

    name = "binning"
    #: subsampling intervals cover better than bootstrap ones (benchmarks/coverage.py)
    bootstrap_resample = "subsample"

    class Params(EstimatorParams):
        """Hyper-parameters of :class:`BinningEstimator`."""

        n_bins: Int | None = Field(
            DEFAULT_N_BINS,
            ge=2,
            description="the number of equal-width BINS on ``range`` (edges: ``n_bins + 1``, "
            "``np.linspace(low, high, n_bins + 1)``; IDNNs' ``np.linspace(-1, 1, 30)`` are 30 "
            "edges, i.e. ``n_bins=29``); ``None`` with ``bin_width``, which it excludes (giving "
            "``bin_width`` alone sets it to ``None``)",
        )
        bin_width: Float | None = Field(
            None,
            gt=0,
            description="fixed bin width anchored at 0, no range (Saxe et al. 2018: 0.07); "
            "excludes ``n_bins``",
        )
        range: tuple[Float, Float] | Literal["data"] = Field(
            (-1.0, 1.0),
            description='(low, high) for ``n_bins``, or ``"data"`` for the [min, max] of the '
            "activations passed",
        )
        out_of_range: Literal["warn", "error"] = Field(
            "warn",
            description='``"warn"`` (values outside a fixed range get extra bins of the same '
            'width and a BinningRangeWarning) or ``"error"``',
        )
        bias_correction: Literal["none", "miller_madow", "grassberger"] = Field(
            "none",
            description='entropy bias correction: ``"none"`` (plug-in), ``"miller_madow"`` '
            '(+ (K - 1) / 2n per entropy) or ``"grassberger"`` (Grassberger 2003/2008); on the '
            "plane the corrected values are capped at log n and H(Y)",
        )
        scope: Literal["global", "layer", "neuron"] = Field(
            "global",
            description='with ``range="data"``: where [min, max] is taken -- ``"global"`` (over '
            'everything passed), ``"layer"`` (per representation) or ``"neuron"`` (per unit of '
            "each representation)",
        )

        @model_validator(mode="before")
        @classmethod
        def _one_grid(cls, data: Any) -> Any:
            if isinstance(data, dict):
                data = dict(data)
                data["n_bins"], _ = resolve_bins(
                    data.get("n_bins"), data.get("bin_width"), n_bins_given="n_bins" in data
                )
            return data

        @model_validator(mode="after")
        def _consistent(self) -> BinningEstimator.Params:
            if not isinstance(self.range, str) and not self.range[1] > self.range[0]:
                raise ValueError(
                    f"range must be (low, high) with high > low; got {list(self.range)}"
                )
            if self.scope != "global" and self.range != "data":
                raise ValueError(
                    f"scope={self.scope!r} sets the bin range from the data; use it with "
                    "range='data' (a fixed range is the same for every layer and neuron)"
                )
            return self

    def _keys(self, a: np.ndarray) -> np.ndarray:
        a = np.asarray(a)
        if a.dtype not in (np.float32, np.float64) or (
            self.scope != "global" and self.n_bins is not None
        ):
            a = a.astype(np.float64)  # float32 stays: the codes are computed in float64 anyway
        if self.scope != "global" and self.n_bins is not None:
            return _scoped_keys(a, int(self.n_bins), self.scope)
        return _binned_keys(a, self.n_bins, self.bin_width, self.range, self.out_of_range)


@register
class AdaptiveBinningEstimator(_PluginEstimator):
    """Plug-in mutual information with adaptive equal-mass bins (Chelombiev et al. 2019).

    Each unit's values (``scope="neuron"``), each representation's pooled values (``"layer"``) or
    all values passed (``"global"``, e.g. a layer over a whole run) are cut at their empirical
    quantiles into ``n_bins`` bins of (about) equal mass -- see :func:`equal_mass_codes` -- and the
    plug-in estimate of :class:`BinningEstimator` is taken on the binned rows.

    .. math:: I(X;T) = H(T_q), \\qquad I(T;Y) = H(T_q) - \\sum_y p(y) H(T_q \\mid Y=y)

    Args:
        {params}

    {returns}

    Raises:
        InfoplaneError: for ``n_bins < 2``, an unknown scope, or bad data.

    Notes:
        Adapting the bins to the activations' distribution keeps every bin populated, so the
        estimate does not hinge on a fixed range (no clipping of ReLU, no empty bins at the tails);
        ties stay in one bin, so a saturated unit is one state. Like every plug-in estimate it is
        biased low for few samples and bounded by log2(n); ranks make it invariant to any
        increasing map of each unit (and to the data's scale). Chelombiev et al. place edges so
        that bins hold equal numbers of activation values; this implementation uses ranks with
        ties. Emits no flags. ``bias_correction`` as for :class:`BinningEstimator`.

    References:
        Chelombiev, I., Houghton, C., O'Donnell, C. (2019). Adaptive Estimators Show Information
        Compression in Deep Neural Networks. ICLR. arXiv 1902.09037.

    Example:
        >>> import numpy as np
        >>> t = np.arange(8.0)[:, None]          # 8 distinct values, 4 equal-mass bins of 2
        >>> i_xt, i_ty = AdaptiveBinningEstimator(n_bins=4).information_plane(t, np.arange(8) // 4)
        >>> float(i_xt), float(i_ty)
        (2.0, 1.0)
    """

    name = "binning_adaptive"
    bootstrap_resample = "subsample"

    class Params(EstimatorParams):
        """Hyper-parameters of :class:`AdaptiveBinningEstimator`."""

        n_bins: Int = Field(30, ge=2, description="bins per unit, each of about equal mass")
        bias_correction: Literal["none", "miller_madow", "grassberger"] = Field(
            "none",
            description='entropy bias correction: ``"none"`` (plug-in), ``"miller_madow"`` '
            '(+ (K - 1) / 2n per entropy) or ``"grassberger"`` (Grassberger 2003/2008); on the '
            "plane the corrected values are capped at log n and H(Y)",
        )
        scope: Literal["global", "layer", "neuron"] = Field(
            "neuron",
            description='where values are pooled for the quantiles: ``"neuron"`` (each unit of '
            'each representation), ``"layer"`` (all units of a representation) or ``"global"`` '
            "(everything passed)",
        )

    def _keys(self, a: np.ndarray) -> np.ndarray:
        return row_keys(equal_mass_codes(a, self.n_bins, self.scope))


binning_mutual_information, binning_information_plane = function_forms(BinningEstimator)
binning_adaptive_mutual_information, binning_adaptive_information_plane = function_forms(
    AdaptiveBinningEstimator
)
#: the names these functions had before the registry name was used as the prefix
adaptive_binning_mutual_information = binning_adaptive_mutual_information
adaptive_binning_information_plane = binning_adaptive_information_plane


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

    Shapes: none (scalar settings); the estimator they configure takes activations of shape
    (..., n_samples, n_units).

    Notes:
        The grid is the binning estimator's ``n_bins`` on ``range`` (no ``bin_width``), so the
        result passes straight to ``make_estimator("binning", **params)``. ``range`` is in the
        units of the activations. The MI is exact only if the layer really takes just these
        levels: activations off the levels (a layer that is not quantised, or quantised to
        another range) are binned like any others, with the usual binning bias. The values then
        returned are in bits (the estimator's default ``unit``).

    References:
        Lorenzen, S. S., Igel, C., Nielsen, M. (2022). Information Bottleneck: Exact Analysis of
        (Quantized) Neural Networks. ICLR. arXiv 2106.12912.

    Example:
        >>> quantized_binning_params(1)
        {'n_bins': 2, 'range': (-2.0, 2.0)}
    """
    if isinstance(bits, bool) or int(bits) != bits or bits < 1:
        raise InfoplaneError(f"bits must be an integer >= 1; got {bits!r}.")
    if not high > low:
        raise InfoplaneError(f"high must exceed low; got low={low}, high={high}.")
    levels = 2 ** int(bits)
    step = (high - low) / (levels - 1)
    return {"n_bins": levels, "range": (low - step / 2, high + step / 2)}


__test__ = {
    f.__name__: f
    for f in (
        binning_mutual_information,
        binning_information_plane,
        binning_adaptive_mutual_information,
        binning_adaptive_information_plane,
    )
}
