"""Geometric diagnostics of layer representations, to read the information plane against.

Geiger (2021), "On Information Plane Analyses of Neural Network Classifiers -- A Review", arXiv
2003.09671, concludes that the compression seen in binned or noise-added information planes
(Shwartz-Ziv & Tishby 2017, arXiv 1703.00810) often reflects *geometric* compression of the
representation -- saturation of bounded units, collapse onto a few directions, clustering of the
samples by class -- rather than a loss of information about the input. Saxe et al. (2018, ICLR)
showed that the compression of tanh networks comes with saturation and is absent for ReLU. This
module measures that geometry per layer, repetition and epoch, so that each I(X;T) curve can be
shown next to the geometry that drives it:

- ``saturation``: share of unit values within ``1 - threshold`` (relative to the half-width of the
  bounded range) of a bound of the activation: by default (``threshold=0.95``) |t| > 0.95 for tanh
  and softsign, t < 0.025 or t > 0.975 for sigmoid and the softmax output; NaN for unbounded
  activations (ReLU, linear, ...). At |t| = 0.95, tanh'(z) = 1 - t^2 < 0.1: the unit passes less
  than a tenth of a change of its input, and with 30 bins on [-1, 1] the value lies in an
  outermost bin (|t| > 0.933), where distinct inputs merge.
- ``total_variance``: tr Cov(T) = sum of the unit variances over the samples (squared activation
  units).
- ``top_pc_share``: share of the total variance in the top ``top_k`` principal components.
- ``class_separation``: tr(S_B) / tr(S_W), the between-class over the within-class scatter (inf
  when every class collapses to a point, NaN for a constant representation).
- ``n_states``: number of distinct binned states of the layer, with the binning estimator's grid
  (log2 of it bounds the binned I(X;T)).

All statistics are vectorised over the leading (repetition, epoch) axes with no Python loop over
samples; :func:`diagnostic_correlations` relates each of them to I(X;T) over training.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from infoplane.interface import InfoplaneError

DIAGNOSTIC_COLUMNS: tuple[str, ...] = (
    "saturation",
    "total_variance",
    "top_pc_share",
    "class_separation",
    "n_states",
)
"""The diagnostic columns of :func:`compute_diagnostics`, in order."""

BOUNDED_RANGES: dict[str, tuple[float, float]] = {
    "tanh": (-1.0, 1.0),
    "softsign": (-1.0, 1.0),
    "sigmoid": (0.0, 1.0),
    "softmax": (0.0, 1.0),
}
"""Range of each bounded activation; any other activation is unbounded (saturation is NaN)."""


def activation_bounds(activation: str) -> tuple[float, float] | None:
    """Return the (low, high) range of a bounded activation, or ``None`` for an unbounded one.

    Args:
        activation: activation name (``tanh``, ``sigmoid``, ``softsign``, ``softmax``; anything
            else, e.g. ``relu``, ``linear``, ``elu``, ``softplus``, is unbounded).

    Returns:
        (low, high) or ``None``.

    References:
        1. Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
           Review. IEEE TNNLS, arXiv 2003.09671.
        2. Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.
    """
    return BOUNDED_RANGES.get(str(activation).lower())


def saturation_fraction(
    t: np.ndarray, bounds: tuple[float, float], *, threshold: float = 0.95
) -> np.ndarray:
    """Share of unit values near a bound of a bounded activation.

    A value t is saturated when its position in the range, u = 2 (t - low) / (high - low) - 1 in
    [-1, 1], has |u| > ``threshold``: with 0.95, |t| > 0.95 for tanh, t < 0.025 or t > 0.975 for
    sigmoid.

    Args:
        t: activations (..., n_samples, n_units).
        bounds: (low, high) of the activation (see :func:`activation_bounds`).
        threshold: in (0, 1); the share of the half-range beyond which a value is saturated
            (default 0.95; 0.99 counts only values very close to the bound).

    Returns:
        Array of shape ``t.shape[:-2]``: the fraction of saturated values, in [0, 1].

    Raises:
        InfoplaneError: for a threshold outside (0, 1) or bounds with high <= low.

    Example:
        >>> float(saturation_fraction(np.array([[0.0, 1.0], [-0.999, 0.5]]), (-1.0, 1.0)))
        0.5

    References:
        1. Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
           Review. IEEE TNNLS, arXiv 2003.09671.
        2. Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.
    """
    if not 0.0 < threshold < 1.0:
        raise InfoplaneError(
            f"saturation_threshold must be in (0, 1), e.g. 0.95; got {threshold!r}."
        )
    lo, hi = (float(b) for b in bounds)
    if not hi > lo:
        raise InfoplaneError(f"bounds must be (low, high) with high > low; got {bounds!r}.")
    u = (2.0 / (hi - lo)) * (np.asarray(t) - lo) - 1.0
    return (np.abs(u) > threshold).mean(axis=(-2, -1))


def _covariance(t: np.ndarray) -> np.ndarray:
    """Population covariance over samples: (..., n, d) -> (..., d, d)."""
    c = t - t.mean(axis=-2, keepdims=True)
    return (np.swapaxes(c, -1, -2) @ c) / t.shape[-2]


def variance_profile(t: np.ndarray, *, top_k: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Total variance tr Cov(T) and the share of it in the top ``top_k`` principal components.

    Args:
        t: activations (..., n_samples, n_units).
        top_k: number of leading principal components (>= 1); with ``top_k >= n_units`` the share
            is 1.

    Returns:
        (total_variance, top_pc_share), each of shape ``t.shape[:-2]``; the share is NaN for a
        constant representation (zero variance).

    Raises:
        InfoplaneError: for ``top_k < 1``.

    Notes:
        The eigenvalues of the d x d covariance matrices are computed in one batched call
        (``numpy.linalg.eigvalsh``); an isotropic cloud in d dimensions has share about k / d,
        a representation on a line has share 1.

    References:
        1. Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
           Review. IEEE TNNLS, arXiv 2003.09671.
        2. Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.
    """
    if int(top_k) != top_k or top_k < 1:
        raise InfoplaneError(f"top_k must be an integer >= 1; got {top_k!r}.")
    cov = _covariance(np.asarray(t, dtype=np.float64))
    eig = np.clip(np.linalg.eigvalsh(cov), 0.0, None)  # ascending
    total = eig.sum(axis=-1)
    top = eig[..., -int(top_k) :].sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, top / np.where(total > 0, total, 1.0), np.nan)
    return np.trace(cov, axis1=-2, axis2=-1), share


def class_separation(t: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Between-class over within-class scatter, tr(S_B) / tr(S_W).

    .. math:: \\mathrm{tr}\\,S_B = \\sum_c p_c \\lVert \\mu_c - \\mu \\rVert^2, \\qquad
              \\mathrm{tr}\\,S_W = \\frac{1}{n} \\sum_i \\lVert t_i - \\mu_{y_i} \\rVert^2

    (tr S_B + tr S_W = tr Cov(T)).

    Args:
        t: activations (..., n_samples, n_units).
        labels: integer class labels (n_samples,).

    Returns:
        Array of shape ``t.shape[:-2]``: dimensionless, >= 0; ``inf`` when every class collapses
        to a point but class means differ, NaN for a constant representation.

    Raises:
        InfoplaneError: for labels that do not match the samples.

    Notes:
        The ratio of traces, not tr(S_W^{-1} S_B): it stays defined when S_W is singular, which is
        the normal case for saturated layers.

    References:
        1. Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
           Review. IEEE TNNLS, arXiv 2003.09671.
        2. Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.
    """
    from infoplane._validation import as_labels

    labels = as_labels(labels, "labels")
    t = np.asarray(t, dtype=np.float64)
    if labels.shape[0] != t.shape[-2]:
        raise InfoplaneError(
            f"labels has {labels.shape[0]} entries but the activations have {t.shape[-2]} samples; "
            "pass one label per sample."
        )
    _, inverse = np.unique(labels, return_inverse=True)
    onehot = np.eye(int(inverse.max()) + 1)[inverse]  # (n, C)
    counts = onehot.sum(axis=0)  # (C,)
    means = (onehot.T @ t) / counts[:, None]  # (..., C, d)
    mu = t.mean(axis=-2, keepdims=True)  # (..., 1, d)
    p = counts / counts.sum()
    between = np.einsum("c,...c->...", p, ((means - mu) ** 2).sum(axis=-1))
    within = ((t - means[..., inverse, :]) ** 2).sum(axis=-1).mean(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return between / within


def count_binned_states(
    t: np.ndarray,
    *,
    n_bins: int | None = None,
    bin_width: float | None = None,
    range: Any = (-1.0, 1.0),
) -> np.ndarray:
    """Number of distinct binned states (rows of bin codes) of a layer.

    The grid is the binning estimator's (:mod:`infoplane.estimators.binning`): ``n_bins``
    equal-width bins on ``range`` (or on the data's [min, max] over everything passed, with
    ``range="data"``), or bins of ``bin_width`` anchored at 0. Values outside a fixed range fall
    in extra bins of the same width (never clipped).

    Args:
        t: activations (..., n_samples, n_units).
        n_bins: bins on ``range``; default ``None``: 30, or none when ``bin_width`` is given
            (an explicit ``n_bins`` with ``bin_width`` is an error, never silently dropped).
        bin_width: fixed width anchored at 0.
        range: (low, high) or ``"data"``.

    Returns:
        Integer array of shape ``t.shape[:-2]``, between 1 and n_samples.

    Raises:
        InfoplaneError: for inconsistent binning parameters.

    Notes:
        log2(n_states) bounds the binned I(X;T) = H(T_b) from above; a layer whose samples share
        few states has little binned information, whatever the network computes. When every
        value lies inside a bounded grid, the rows of codes are encoded exactly as float64 keys
        (no out-of-range handling needed): the same counts, about 2x faster.

    References:
        1. Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
           Review. IEEE TNNLS, arXiv 2003.09671.
        2. Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.
    """
    from infoplane.estimators.binning import bin_edges_grid, discretize, resolve_bins, row_keys

    t = np.asarray(t, dtype=np.float64)
    n_bins, bin_width = resolve_bins(n_bins, bin_width, n_bins_given=n_bins is not None)
    anchor, width = bin_edges_grid(n_bins=n_bins, bin_width=bin_width, value_range=range, data=t)
    upper = anchor + width * int(n_bins) if n_bins is not None else None
    d = t.shape[-1]
    if (
        upper is not None
        and t.size
        and d * np.log2(n_bins) < 52
        and (float(t.min()) >= anchor and float(t.max()) <= upper)
    ):
        # every value inside the bounded grid: the codes of discretize() are floor((t - a) / w)
        # clipped to the grid's bins; encode each row exactly in float64 (< 2^52) and count
        top = float(round((upper - anchor) / width)) - 1.0
        codes = np.subtract(t, anchor, dtype=np.float64)
        codes /= width
        np.floor(codes, out=codes)
        np.clip(codes, 0.0, top, out=codes)
        fkeys = np.sort(codes @ (float(top + 1.0) ** np.arange(d, dtype=np.float64)), axis=-1)
        return 1 + (fkeys[..., 1:] != fkeys[..., :-1]).sum(axis=-1)
    keys = np.sort(row_keys(discretize(t, anchor, width, upper=upper)), axis=-1)
    return 1 + (keys[..., 1:] != keys[..., :-1]).sum(axis=-1)


_CHUNK_BYTES = 4 * 2**20  # float64 per block: cache-sized blocks run about 2x faster than 32 MiB


def _as_batched(name: str, a: Any) -> np.ndarray:
    arr = np.asarray(a)
    if arr.ndim == 3:
        arr = arr[None]
    if arr.ndim != 4:
        raise InfoplaneError(
            f"activations[{name!r}] must have shape (n_repeats, n_epochs, n_samples, n_units) or "
            f"(n_epochs, n_samples, n_units); got {arr.shape}."
        )
    if not np.issubdtype(arr.dtype, np.number):
        raise InfoplaneError(f"activations[{name!r}] must be numeric; got dtype {arr.dtype}.")
    return arr


def compute_diagnostics(
    activations: dict[str, np.ndarray],
    labels: np.ndarray,
    epochs: Sequence[int] | np.ndarray,
    *,
    activation: str,
    n_bins: int | None = None,
    range: Any = (-1.0, 1.0),
    bin_width: float | None = None,
    saturation_threshold: float = 0.95,
    top_k: int = 1,
    chunk_epochs: int | None = None,
) -> Any:
    """Geometric diagnostics of every layer at every captured epoch and repetition.

    Args:
        activations: layer name -> array (n_repeats, n_epochs, n_samples, n_units) (or without
            the repeat axis), layers in network order (the run pipeline's captured activations).
        labels: integer class labels of the samples, shape (n_samples,).
        epochs: the captured epochs, shape (n_epochs,).
        activation: the hidden layers' activation (``tanh``, ``relu``, ...); a layer whose name
            ends in ``softmax`` is treated as bounded in [0, 1] whatever this says.
        n_bins, range, bin_width: the binning grid for ``n_states`` (as the binning estimator:
            ``n_bins`` defaults to 30 unless ``bin_width`` is given;
            ``range="data"`` takes one range per layer over all repeats and epochs, as the run
            pipeline does).
        saturation_threshold: share of the half-range beyond which a value is saturated
            (default 0.95: |t| > 0.95 for tanh; see :func:`saturation_fraction`).
        top_k: principal components counted in ``top_pc_share`` (default 1).
        chunk_epochs: epochs processed at once (bounds memory; results do not depend on it).
            ``None`` (default) picks it so that one chunk of a layer holds about 4 MiB of
            float64 values (peak memory is a few times that; blocks that fit the CPU's caches
            run about twice as fast as 32 MiB ones).

    Returns:
        ``pandas.DataFrame``, one row per (repeat, epoch, layer), with columns repeat, epoch,
        layer (1-based), layer_name, saturation (share in [0, 1], NaN for unbounded activations),
        total_variance (squared activation units), top_pc_share (in [0, 1]), class_separation
        (dimensionless), n_states (count).

    Raises:
        InfoplaneError: for empty ``activations``, arrays of the wrong shape, layers that disagree
            on repeats or epochs, ``epochs`` or ``labels`` of the wrong length, NaN/Inf values, or
            bad binning / threshold parameters.

    Notes:
        A geometric quantity can track the binned I(X;T) without any information-theoretic
        compression: a saturated tanh unit puts many inputs into the extreme bins, lowering both
        ``n_states`` and H(T_b) (Saxe et al. 2018; Geiger 2021).

    References:
        1. Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
           Review. IEEE TNNLS, arXiv 2003.09671.
        2. Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.
        3. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
           Information. arXiv 1703.00810.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> acts = {"l1": np.tanh(rng.normal(size=(1, 2, 64, 3)))}
        >>> df = compute_diagnostics(acts, np.arange(64) % 2, [0, 10], activation="tanh")
        >>> list(df.columns)[:4]
        ['repeat', 'epoch', 'layer', 'layer_name']
    """
    import pandas as pd

    from infoplane._validation import as_labels, check_finite
    from infoplane.estimators.binning import resolve_bins

    n_bins, bin_width = resolve_bins(n_bins, bin_width, n_bins_given=n_bins is not None)
    if not activations:
        raise InfoplaneError(
            "activations is empty; pass {layer name: array} for at least one layer."
        )
    labels = as_labels(labels, "labels")
    epochs = np.asarray(epochs).astype(np.int64).ravel()
    if chunk_epochs is not None and int(chunk_epochs) < 1:
        raise InfoplaneError(f"chunk_epochs must be >= 1 or None; got {chunk_epochs!r}.")
    frames = []
    shape0: tuple[int, int] | None = None
    for layer, (name, raw) in enumerate(activations.items(), start=1):
        t = _as_batched(name, raw)
        r, e, n, _ = t.shape
        if shape0 is None:
            shape0 = (r, e)
        elif (r, e) != shape0:
            raise InfoplaneError(
                f"activations[{name!r}] has (n_repeats, n_epochs) = {(r, e)} but the first layer "
                f"has {shape0}; capture all layers at the same epochs."
            )
        if len(epochs) != e:
            raise InfoplaneError(
                f"epochs has {len(epochs)} entries but activations have {e} epochs."
            )
        if labels.shape[0] != n:
            raise InfoplaneError(
                f"labels has {labels.shape[0]} entries but activations[{name!r}] has {n} samples."
            )
        # min and max: finite exactly when every value is (NaN and Inf propagate), and they tell
        # the kernel whether the whole layer lies inside a bounded grid
        lo_t, hi_t = (float(t.min()), float(t.max())) if t.size else (0.0, 0.0)
        if not (np.isfinite(lo_t) and np.isfinite(hi_t)):
            check_finite(t, f"activations[{name!r}]")
        bounds = activation_bounds("softmax" if str(name).endswith("softmax") else activation)
        lay_range = range
        if isinstance(range, str) and n_bins is not None and bin_width is None:
            # one data range per layer over the whole run, as the pipeline's estimator sees it
            lay_range = (lo_t, hi_t)
            if lay_range[1] <= lay_range[0]:
                lay_range = (lay_range[0], lay_range[0] + 1.0)
        out = {k: np.empty((r, e)) for k in DIAGNOSTIC_COLUMNS}
        step = (
            int(chunk_epochs)
            if chunk_epochs is not None
            else max(1, _CHUNK_BYTES // (8 * r * n * t.shape[-1]))
        )
        if bounds is not None:
            _check_threshold(bounds, saturation_threshold)
        cuts = _saturation_cuts(bounds, saturation_threshold, t.dtype)
        _, inverse = np.unique(labels, return_inverse=True)
        for s in np.arange(0, e, step):
            sl = slice(int(s), int(s) + step)
            stats = _block_statistics(
                t[:, sl],
                inverse,
                bounds=bounds,
                cuts=cuts,
                threshold=saturation_threshold,
                top_k=top_k,
                grid={"n_bins": n_bins, "bin_width": bin_width, "range": lay_range},
                value_range=(lo_t, hi_t),
            )
            for key, value in stats.items():
                out[key][:, sl] = value
        frames.append(
            pd.DataFrame(
                {
                    "repeat": np.repeat(np.arange(r), e),
                    "epoch": np.tile(epochs, r),
                    "layer": layer,
                    "layer_name": str(name),
                    **{k: v.ravel() for k, v in out.items()},
                }
            )
        )
    df = pd.concat(frames, ignore_index=True)
    df["n_states"] = df["n_states"].astype(np.int64)
    return df


def _check_threshold(bounds: tuple[float, float], threshold: float) -> None:
    """The checks of :func:`saturation_fraction`, before any data is touched."""
    saturation_fraction(np.zeros((1, 1)), bounds, threshold=threshold)


def _saturation_cuts(
    bounds: tuple[float, float] | None, threshold: float, dtype: Any
) -> tuple[Any, Any] | None:
    """Values of ``dtype`` at which :func:`saturation_fraction` switches, or ``None``.

    For float32/float16 activations, ``|u(t)| > threshold`` with u computed in float64 exactly as
    :func:`saturation_fraction` does is equivalent to ``t <= low_cut or t >= high_cut`` (u is
    monotone in t), so the fraction can be counted on the stored values without a float64 copy,
    with the same result. The cuts are found by stepping through the representable values next
    to the analytic cut. ``None`` (use the float64 formula) for other dtypes or unbounded layers.
    """
    dtype = np.dtype(dtype)
    if bounds is None or dtype not in (np.dtype(np.float32), np.dtype(np.float16)):
        return None
    lo, hi = (float(b) for b in bounds)

    def u(x: Any) -> float:
        return float((2.0 / (hi - lo)) * (np.float64(x) - lo) - 1.0)

    def cut(target: float, sign: float) -> Any:
        # first value (walking inwards from outside) with sign * u(x) > threshold
        x = dtype.type(lo + (1.0 + sign * target) * (hi - lo) / 2.0)
        outward, inward = dtype.type(sign * np.inf), dtype.type(-sign * np.inf)
        for _ in range(256):
            if sign * u(x) > threshold:
                step = np.nextafter(x, inward)
                if not sign * u(step) > threshold:
                    return x
                x = step
            else:
                x = np.nextafter(x, outward)
        return None

    low, high = cut(threshold, -1.0), cut(threshold, 1.0)
    if low is None or high is None:
        return None
    return low, high


def _block_statistics(
    block: np.ndarray,
    inverse: np.ndarray,
    *,
    bounds: tuple[float, float] | None,
    cuts: tuple[Any, Any] | None,
    threshold: float,
    top_k: int,
    grid: dict[str, Any],
    value_range: tuple[float, float] | None = None,
) -> dict[str, np.ndarray]:
    """Every diagnostic of one block (r, k, n, d), each of shape (r, k), in one pass of moments.

    The same numbers as :func:`saturation_fraction`, :func:`variance_profile`,
    :func:`class_separation` and :func:`count_binned_states` called one after another (counts
    exactly, moments to rounding), with one float64 copy, one mean and one centred copy shared
    between them; saturation is counted on the stored float32 values with exact cuts
    (:func:`_saturation_cuts`); the within-class scatter is tr Cov(T) - tr S_B (computed directly
    where that difference loses more than 6 digits).

    The float64 copy is laid out units-major, (r, k, d, n): every reduction over the samples then
    runs along contiguous memory (a reduction over the samples axis of (r, k, n, d) with d of 2
    to 10 units is about 10x slower in numpy), and the moments are matrix products.
    ``value_range``: (min, max) of values including the block's (e.g. of its whole layer), or
    ``None`` to take the block's own.
    """
    n, d = block.shape[-2], block.shape[-1]
    out: dict[str, np.ndarray] = {}
    if bounds is None:
        out["saturation"] = np.full(block.shape[:-2], np.nan)
    elif cuts is not None:
        low, high = cuts
        hits = np.count_nonzero(block <= low, axis=(-2, -1))
        hits = hits + np.count_nonzero(block >= high, axis=(-2, -1))
        out["saturation"] = hits / float(n * d)
    else:
        out["saturation"] = saturation_fraction(block, bounds, threshold=threshold)
    xt = np.empty((*block.shape[:-2], d, n), dtype=np.float64)
    xt[...] = np.swapaxes(block, -1, -2)  # (r, k, d, n), float64
    mu = xt.mean(axis=-1, keepdims=True)  # (r, k, d, 1)
    c = xt - mu
    cov = (c @ np.swapaxes(c, -1, -2)) / n  # (r, k, d, d)
    del c
    eig = np.clip(np.linalg.eigvalsh(cov), 0.0, None)
    total_eig = eig.sum(axis=-1)
    top = eig[..., -int(top_k) :].sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total_eig > 0, top / np.where(total_eig > 0, total_eig, 1.0), np.nan)
    total = np.trace(cov, axis1=-2, axis2=-1)
    out["total_variance"] = total
    out["top_pc_share"] = share
    # class separation: between from the class means, within = total - between where safe
    onehot = np.eye(int(inverse.max()) + 1)[inverse]  # (n, C)
    counts = onehot.sum(axis=0)
    means = (xt @ onehot) / counts  # (r, k, d, C)
    p = counts / counts.sum()
    between = ((means - mu) ** 2).sum(axis=-2) @ p
    within = total - between
    exact = ~(within > 1e-6 * total)
    if exact.any():
        sub = xt[exact]  # (m, d, n)
        within[exact] = ((sub - means[exact][..., inverse]) ** 2).sum(axis=-2).mean(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["class_separation"] = between / within
    if value_range is None:
        value_range = (float(block.min()), float(block.max())) if block.size else (0.0, 0.0)
    out["n_states"] = _binned_states_units_major(xt, block, grid, value_range)
    return out


def _binned_states_units_major(
    xt: np.ndarray, block: np.ndarray, grid: dict[str, Any], value_range: tuple[float, float]
) -> Any:
    """:func:`count_binned_states` of ``block`` (r, k, n, d) from its float64 copy (r, k, d, n).

    The fast path of :func:`count_binned_states` (every value inside a bounded grid: each row of
    codes encoded exactly as a float64 key) in the units-major layout; any other case goes to
    :func:`count_binned_states` itself. The keys are sums of integers below 2^52, exact in any
    order, so the counts are the same. ``value_range`` bounds the block's values (the float32
    min and max equal those of the float64 copy).
    """
    from infoplane.estimators.binning import bin_edges_grid, resolve_bins

    n_bins, bin_width = resolve_bins(
        grid["n_bins"], grid["bin_width"], n_bins_given=grid["n_bins"] is not None
    )
    d = xt.shape[-2]
    if n_bins is None or not xt.size or d * np.log2(n_bins) >= 52:
        return count_binned_states(np.swapaxes(xt, -1, -2), **grid)
    anchor, width = bin_edges_grid(
        n_bins=n_bins, bin_width=bin_width, value_range=grid["range"], data=block
    )
    upper = anchor + width * int(n_bins)
    if not (value_range[0] >= anchor and value_range[1] <= upper):
        return count_binned_states(np.swapaxes(xt, -1, -2), **grid)
    top = float(round((upper - anchor) / width)) - 1.0
    codes = np.subtract(xt, anchor)
    codes /= width
    np.floor(codes, out=codes)
    np.clip(codes, 0.0, top, out=codes)
    powers = float(top + 1.0) ** np.arange(d, dtype=np.float64)
    fkeys = np.sort(powers @ codes, axis=-1)  # (r, k, n)
    return 1 + (fkeys[..., 1:] != fkeys[..., :-1]).sum(axis=-1)


def diagnostics_from_store(
    store: Any,
    *,
    activation: str,
    grid: dict[str, Any],
    max_bytes: int = 256 * 2**20,
) -> Any:
    """Geometric diagnostics of every layer, repeat and epoch of an activation store, chunked.

    Reads one layer at a time in chunks of consecutive epochs
    (:meth:`~infoplane.storage.activations.ActivationStore.iter_epoch_chunks`), so peak memory is
    bounded by twice ``max_bytes`` (the next chunk is read in a background thread while the current
    one is computed) plus a few 4 MiB blocks in float64, whatever the number of epochs. ``range="data"`` in ``grid`` becomes the layer's [min, max] over the whole
    run (``store.value_range(layer)``), as the run's binning estimator sees it, so the result does
    not depend on the chunking.

    Args:
        store: an :class:`~infoplane.storage.activations.ActivationStore` whose layers hold
            activations of shape (n_repeats, n_epochs, n_samples, n_units); only its complete
            epochs are read.
        activation: the hidden layers' activation (``"tanh"``, ``"relu"``, ...; a layer whose name
            ends in ``softmax`` is bounded in [0, 1] whatever this says).
        grid: the binning grid for ``n_states``: keys ``n_bins`` (int or ``None``), ``range``
            ((low, high) or ``"data"``), ``bin_width`` (float or ``None``), e.g. from
            :func:`binning_grid_from_config`.
        max_bytes: float32 bytes of activations read at once (default 256 MiB; at least one
            epoch is read; two reads are held at once).

    Returns:
        ``pandas.DataFrame`` with one row per (repeat, epoch, layer): columns repeat, epoch,
        layer (1-based, network order), layer_name, saturation (share in [0, 1]),
        total_variance (squared activation units), top_pc_share (share), class_separation
        (dimensionless), n_states (count), as :func:`compute_diagnostics`.

    Raises:
        InfoplaneError: for a ``grid`` without the keys above, ``max_bytes < 1``, or a store
            with no complete epoch (the message names the store).

    Notes:
        The same numbers as :func:`compute_diagnostics` on the whole store in memory (the
        chunking only changes how much is read at once). Diagnostics describe geometry, not
        information: see the module docstring (Geiger 2021).

    References:
        1. Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
           Review. IEEE TNNLS, arXiv 2003.09671.
        2. Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.

    Example:
        >>> import tempfile, pathlib
        >>> from infoplane.storage.activations import ActivationStore
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "activations.zarr"
        >>> st = ActivationStore.create(path, {"h": 2}, n_repeats=1, labels=np.array([0, 1, 0, 1]),
        ...                             epochs=[0, 1])
        >>> for e in (0, 1):
        ...     st.write_epoch(e, {"h": np.full((1, 4, 2), 0.5 * e, np.float32)})
        >>> grid = {"n_bins": 30, "range": (-1.0, 1.0), "bin_width": None}
        >>> df = diagnostics_from_store(st, activation="tanh", grid=grid)
        >>> df[["epoch", "n_states"]].to_numpy().tolist()
        [[0, 1], [1, 1]]
    """
    import pandas as pd

    missing = sorted({"n_bins", "range", "bin_width"} - set(grid))
    if missing:
        raise InfoplaneError(
            f"grid lacks key(s) {', '.join(missing)}; pass {{'n_bins': 30, 'range': (-1, 1), "
            "'bin_width': None}} or binning_grid_from_config(config)."
        )
    if int(max_bytes) < 1:
        raise InfoplaneError(f"max_bytes must be >= 1; got {max_bytes!r}.")
    epochs = store.completed_epochs
    if len(epochs) == 0:
        raise InfoplaneError(
            f"the activation store {str(store.path)!r} holds no complete epoch; diagnostics need "
            "at least one (was the run interrupted before its first capture?)."
        )
    labels = store.labels  # read once, not per chunk

    def chunks() -> Any:
        for index, layer in enumerate(store.layers, start=1):
            layer_grid = {k: grid[k] for k in ("n_bins", "range", "bin_width")}
            if isinstance(layer_grid["range"], str) and layer_grid["bin_width"] is None:
                lo, hi = store.value_range(layer)
                layer_grid["range"] = (lo, hi if hi > lo else lo + 1.0)
            for eps, t in store.iter_epoch_chunks(layer, max_bytes=int(max_bytes), epochs=epochs):
                yield index, layer, layer_grid, eps, t

    frames = []
    # the next chunk is read (zarr decompression and file I/O release the GIL) while this one is
    # computed
    for index, layer, layer_grid, eps, t in _read_ahead(chunks()):
        frame = compute_diagnostics({layer: t}, labels, eps, activation=activation, **layer_grid)
        frames.append(frame.assign(layer=index, layer_name=layer))
    return pd.concat(frames, ignore_index=True)


def _read_ahead(items: Any) -> Any:
    """Iterate ``items`` with the next item produced in a background thread meanwhile.

    The store's reads (zarr decompression, file I/O) release the GIL, so reading chunk i + 1
    overlaps the numpy work on chunk i; at most two items are alive at once. Errors of the
    producer are raised here, in order.
    """
    from concurrent.futures import ThreadPoolExecutor

    it = iter(items)
    done = object()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="infoplane-read") as pool:
        pending = pool.submit(next, it, done)
        while True:
            item = pending.result()
            if item is done:
                return
            pending = pool.submit(next, it, done)
            yield item


def binning_grid_from_config(config: Any) -> dict[str, Any]:
    """The binning grid (``n_bins``, ``range``, ``bin_width``) of a run, for ``n_states``.

    Takes the first ``binning`` estimator of the run config (a :class:`~infoplane.run.config.RunConfig`
    or its dict form, e.g. a run's ``config.yaml``); without one, 30 bins on the data's range for
    unbounded activations and on [-1, 1] otherwise.

    Args:
        config: a RunConfig or the dict of one.

    Returns:
        dict with keys ``n_bins``, ``range``, ``bin_width``, to pass to :func:`compute_diagnostics`.

    References:
        1. Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
           Review. IEEE TNNLS, arXiv 2003.09671.
        2. Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.
    """
    cfg = config.model_dump(mode="json") if hasattr(config, "model_dump") else dict(config)
    activation = (cfg.get("model") or {}).get("activation", "tanh")
    default_range: Any = "data" if activation_bounds(activation) is None else (-1.0, 1.0)
    grid: dict[str, Any] = {"n_bins": 30, "range": default_range, "bin_width": None}
    for est in cfg.get("estimators") or []:
        if est.get("name") == "binning":
            params = est.get("params") or {}
            for key in grid:
                if key in params:
                    grid[key] = params[key]
            if params.get("bin_width") is not None and "n_bins" not in params:
                grid["n_bins"] = None
            break
    if isinstance(grid["range"], list | tuple):
        grid["range"] = (float(grid["range"][0]), float(grid["range"][1]))
    return grid


def diagnostic_correlations(
    diagnostics: Any,
    plane: Any,
    *,
    method: str = "spearman",
    estimator: str | None = None,
    windows: Sequence[str] = ("all", "after_peak"),
) -> Any:
    """Correlation over training of each diagnostic with I(X;T), per estimator and layer.

    Both tables are first averaged over repetitions per (epoch, layer); the correlation is taken
    over the epochs present in both: all of them (``window="all"``), or only those from the
    epoch of peak I(X;T) on (``window="after_peak"``: the compression phase, where a fall of
    I(X;T) can be compared with a rise of saturation without the fitting phase mixed in).

    Args:
        diagnostics: table from :func:`compute_diagnostics`, shape (n_rows, n_columns), one row
            per (repeat, epoch, layer).
        plane: information-plane table (repeat, epoch, layer, estimator, i_xt, ...), one row per
            (repeat, epoch, layer, estimator), e.g. a run's plane table; I(X;T) in any unit (a
            rank correlation does not depend on it).
        method: ``"spearman"`` (rank correlation, default: any monotone relation) or ``"pearson"``.
        estimator: restrict to one estimator (default: every estimator in ``plane``).
        windows: which epoch windows, any of ``"all"`` and ``"after_peak"``.

    Returns:
        ``pandas.DataFrame`` with columns estimator, layer, layer_name, diagnostic, window,
        correlation (in [-1, 1]; NaN when either curve is constant or fewer than 3 epochs),
        n_epochs.

    Raises:
        InfoplaneError: for missing columns, an unknown ``method`` or window, or an estimator not
            in ``plane``.

    Notes:
        A strong negative correlation of ``saturation`` (or a positive one of ``n_states``) with
        I(X;T) says that the plane's compression moves with the geometry; it does not say which
        causes which. Correlations over log-spaced epochs weight late training less than a
        uniform grid would.

    References:
        Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
        Review. IEEE TNNLS, arXiv 2003.09671.

    Example:
        >>> import pandas as pd
        >>> ep = [0, 1, 10, 100]
        >>> diag = pd.DataFrame({"repeat": 0, "epoch": ep, "layer": 1, "layer_name": "h",
        ...                      "saturation": [0.0, 0.1, 0.5, 0.9], "total_variance": 1.0,
        ...                      "top_pc_share": 0.5, "class_separation": 1.0,
        ...                      "n_states": [40, 30, 20, 10]})
        >>> plane = pd.DataFrame({"repeat": 0, "epoch": ep, "layer": 1, "estimator": "binning",
        ...                       "i_xt": [5.0, 4.0, 3.0, 2.0]})
        >>> c = diagnostic_correlations(diag, plane, windows=["all"])
        >>> c.set_index("diagnostic").loc[["saturation", "n_states"], "correlation"].tolist()
        [-1.0, 1.0]
    """
    import pandas as pd

    if method not in ("spearman", "pearson"):
        raise InfoplaneError(f"method must be 'spearman' or 'pearson'; got {method!r}.")
    bad = [w for w in windows if w not in ("all", "after_peak")]
    if bad or not windows:
        raise InfoplaneError(f"windows must be a subset of ('all', 'after_peak'); got {windows!r}.")
    need_d = {"epoch", "layer", *DIAGNOSTIC_COLUMNS}
    need_p = {"epoch", "layer", "estimator", "i_xt"}
    for arg, table, need in (("diagnostics", diagnostics, need_d), ("plane", plane, need_p)):
        missing = sorted(need - set(table.columns))
        if missing:
            raise InfoplaneError(f"{arg} lacks column(s) {', '.join(missing)}.")
    names = list(dict.fromkeys(plane["estimator"]))
    if estimator is not None:
        if estimator not in names:
            raise InfoplaneError(f"estimator {estimator!r} is not in plane; it holds {names}.")
        names = [estimator]
    diag = diagnostics.groupby(["layer", "epoch"], as_index=False)[list(DIAGNOSTIC_COLUMNS)].mean()
    layer_names = (
        diagnostics.drop_duplicates("layer").set_index("layer")["layer_name"].to_dict()
        if "layer_name" in diagnostics.columns
        else {}
    )
    rows = []
    for name in names:
        p = plane[plane["estimator"] == name].groupby(["layer", "epoch"], as_index=False)["i_xt"]
        merged = diag.merge(p.mean(), on=["layer", "epoch"], how="inner")
        for layer, sub in merged.groupby("layer"):
            sub = sub.sort_values("epoch")
            peak_epoch = sub["epoch"].to_numpy()[int(np.argmax(sub["i_xt"].to_numpy()))]
            for window in windows:
                part = sub if window == "all" else sub[sub["epoch"] >= peak_epoch]
                for col in DIAGNOSTIC_COLUMNS:
                    pair = part[[col, "i_xt"]].replace([np.inf, -np.inf], np.nan).dropna()
                    r = _correlation(pair[col].to_numpy(), pair["i_xt"].to_numpy(), method)
                    rows.append(
                        {
                            "estimator": name,
                            "layer": int(layer),
                            "layer_name": layer_names.get(layer, f"layer {layer}"),
                            "diagnostic": col,
                            "window": window,
                            "correlation": r,
                            "n_epochs": len(pair),
                        }
                    )
    columns = [
        "estimator",
        "layer",
        "layer_name",
        "diagnostic",
        "window",
        "correlation",
        "n_epochs",
    ]
    return pd.DataFrame(rows, columns=columns)


def _rank(a: np.ndarray) -> np.ndarray:
    """Ranks 1..n with ties given their average rank (as ``scipy.stats.rankdata``).

    numpy only: importing ``scipy.stats`` costs about 1.4 s, more than every correlation of a
    report together.
    """
    a = np.asarray(a)
    order = np.argsort(a, kind="stable")
    s = a[order]
    new_value = np.ones(len(s), dtype=bool)
    new_value[1:] = s[1:] != s[:-1]
    group = np.cumsum(new_value) - 1  # tie group of each sorted position
    starts = np.flatnonzero(new_value)
    ends = np.append(starts[1:], len(s))  # one past the last position of each group
    ranks = np.empty(len(s), dtype=np.float64)
    ranks[order] = ((starts + 1 + ends) / 2.0)[group]
    return ranks


def _correlation(a: np.ndarray, b: np.ndarray, method: str) -> float:
    if len(a) < 3:
        return float("nan")
    if method == "spearman":
        a, b = _rank(a), _rank(b)
    a = a - a.mean()
    b = b - b.mean()
    denom = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / denom) if denom > 0 else float("nan")
