"""How far are a network's layers from the IB bound of the same joint? (Shwartz-Ziv & Tishby 2017.)

Claim (iii) of Shwartz-Ziv & Tishby (2017, arXiv 1703.00810) is that converged layers lie on or very
close to the Information Bottleneck bound. The bound is the IB curve (Tishby, Pereira & Bialek 1999,
arXiv physics/0004057) of one joint p(x, y); a layer can only be compared with it when its I(T;Y) is
computed under the *same* joint.

Which joint. The 2017 authors drew the IB curve of the stochastic rule p(y|x) of ``all.mat``
(I(X;Y) = 0.84434 bits), trained their networks on the hard labels of ``var_u.mat`` (the rule's
most probable label, y = 1[p(y=1|x) > 0.5]) and computed the layers' I(T;Y) by binning against those
hard labels (IDNNs, ``extract_probs``: p(y|x) is the empirical label frequency, 0 or 1). The hard
labels are a different task, I(X;Y) = H(Y) = 0.99916 bits, whose exact IB curve is trivial
(I(T;Y) = min(I(X;T), H(Y))), so the paper's layers and its bound are not of one joint. Their test of
the IB equations (Sec. 2 and 3 of the paper, after Tishby et al. 1999) writes the layer's decoder as
p(y|t) = sum_x p(y|x) p(x|t), i.e. with the rule p(y|x); we do the same throughout: a layer's I(T;Y)
is evaluated under the soft rule. For a deterministic network with binned activations T = f(x) is a
partition of the inputs, so

    p(t) = sum_{x: f(x)=t} p(x),   p(t, y) = sum_{x: f(x)=t} p(x) p(y|x),
    I(X;T) = H(T),   I(T;Y) = sum_{t,y} p(t, y) log2[p(t, y) / (p(t) p(y))]

exactly, with no estimation error beyond the choice of bins. Any encoder, hard or soft, lies on or
below the IB curve of that joint, so the vertical gap

    distance = I*_{IB}(I(X;T)) - I(T;Y) >= 0   (bits)

is a well-defined distance from the bound; the horizontal gap ``excess_i_xt`` = I(X;T) - the least
I(X;T) at which the bound reaches the layer's I(T;Y) is the information about X the layer keeps
beyond what its I(T;Y) needs.

References:
    1. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
       Information. arXiv 1703.00810.
    2. Tishby, N., Pereira, F. C., Bialek, W. (1999). The Information Bottleneck Method. Proc. 37th
       Allerton Conference. arXiv physics/0004057.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from infoplane._validation import check_finite
from infoplane.interface import LN2, InfoplaneError

#: Points more than this (bits) above the traced bound are flagged ``above_bound``.
ABOVE_TOL = 1e-6
#: Largest batch of partitions whose tables are built at once (memory: batch x n_x x (n_y + 1)).
_BATCH = 128


def dense_labels(keys: Any) -> tuple[np.ndarray, np.ndarray]:
    """Relabel integer cluster keys (..., n_x) as 0..n_t-1 per leading index, vectorised.

    Args:
        keys: integer keys of shape (..., n_x) (e.g. binned-activation row keys); equal keys in one
            row mean one cluster.

    Returns:
        ``(labels, n_clusters)``: int64 labels of the shape of ``keys``, numbered in increasing key
        order, and int64 counts of shape ``keys.shape[:-1]`` (unitless).

    Raises:
        InfoplaneError: if ``keys`` is not an integer array with at least one axis.

    Notes:
        One sort along the last axis for all rows at once (no Python loop over rows).

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810 (binned layers as partitions of the inputs).

    Example:
        >>> labels, n_t = dense_labels(np.array([[7, 3, 7, 9], [1, 1, 1, 1]]))
        >>> labels.tolist(), n_t.tolist()
        ([[1, 0, 1, 2], [0, 0, 0, 0]], [3, 1])
    """
    k = np.asarray(keys)
    if k.ndim < 1 or not np.issubdtype(k.dtype, np.integer):
        raise InfoplaneError(
            f"keys must be an integer array of shape (..., n_x); got dtype {k.dtype}, shape "
            f"{k.shape}. Pass cluster ids or binned row keys."
        )
    lead, n = k.shape[:-1], k.shape[-1]
    flat = k.reshape(-1, n)
    order = np.argsort(flat, axis=1, kind="stable")
    sk = np.take_along_axis(flat, order, 1)
    new = np.ones(sk.shape, dtype=bool)
    new[:, 1:] = sk[:, 1:] != sk[:, :-1]
    ranks = np.cumsum(new, axis=1, dtype=np.int64) - 1
    labels = np.empty_like(ranks)
    np.put_along_axis(labels, order, ranks, 1)
    return labels.reshape(k.shape), (ranks[:, -1] + 1).reshape(lead)


def _joint(p_y_given_x: Any, p_x: Any, n: int | None) -> tuple[np.ndarray, np.ndarray]:
    from infoplane.bottleneck.distributions import as_joint_distribution

    pyx = np.asarray(p_y_given_x, dtype=np.float64)
    if pyx.ndim != 2 or (n is not None and pyx.shape[0] != n):
        raise InfoplaneError(
            f"p_y_given_x must have shape (n_samples={n}, n_y); got {pyx.shape}. Row i is p(y|x_i) "
            "of input i (the 12-bit task: infoplane.data.twelve_bit_p_y_given_x())."
        )
    dist = as_joint_distribution(p_y_given_x=pyx, p_x=p_x)
    if dist.n_x != pyx.shape[0]:
        raise InfoplaneError("p_x must be > 0 for every input; drop inputs with p(x) = 0 first.")
    return np.asarray(dist.p_x, dtype=np.float64), np.asarray(dist.p_y_given_x, dtype=np.float64)


def _tables(labels: np.ndarray, px: np.ndarray, pyx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """p(t) (P, n_x) and p(t, y) (P, n_x, n_y) of dense partitions (P, n_x), zero-padded."""
    n_p, n = labels.shape
    flat = (labels + (np.arange(n_p, dtype=np.int64) * n)[:, None]).ravel()
    p_t = np.bincount(flat, weights=np.tile(px, n_p), minlength=n_p * n).reshape(n_p, n)
    pxy = px[:, None] * pyx
    p_ty = np.stack(
        [
            np.bincount(flat, weights=np.tile(pxy[:, k], n_p), minlength=n_p * n)
            for k in builtins.range(pyx.shape[1])
        ],
        axis=-1,
    ).reshape(n_p, n, pyx.shape[1])
    return p_t, p_ty


def _xlogx(a: np.ndarray) -> np.ndarray:
    out = np.zeros_like(a)
    np.multiply(a, np.log(a, where=a > 0, out=np.zeros_like(a)), out=out, where=a > 0)
    return out


def partition_information(labels: Any, p_y_given_x: Any, *, p_x: Any = None) -> tuple[Any, Any]:
    """I(X;T) and I(T;Y) of deterministic encoders T = f(x) under a given joint p(x) p(y|x).

    .. math:: I(X;T) = H(T), \\quad I(T;Y) = \\sum_{t,y} p(t,y) \\log_2 \\frac{p(t,y)}{p(t)p(y)},
        \\quad p(t,y) = \\sum_{x: f(x)=t} p(x) p(y|x)

    Args:
        labels: integer cluster ids of shape (..., n_x): entry i is the cluster f(x_i) of input i
            (any integers; e.g. binned-activation row keys). Leading axes are batch axes
            (repetition, epoch, ...).
        p_y_given_x: the rule p(y|x), shape (n_x, n_y), rows summing to 1.
        p_x: p(x), shape (n_x,); default uniform.

    Returns:
        ``(i_xt, i_ty)``: float64 arrays of shape ``labels.shape[:-1]``, in bits.

    Raises:
        InfoplaneError: for non-integer labels, a ``p_y_given_x`` of the wrong shape or not a
            conditional distribution, or a bad ``p_x``.

    Notes:
        Exact for the given joint: a partition has p(t|x) in {0, 1}, so no estimator is involved.
        With the hard labels of a task as a one-hot ``p_y_given_x`` this is the plug-in binning
        estimate; with a soft rule it is the I(T;Y) whose IB bound is that rule's IB curve.
        Vectorised over the leading axes (one bincount per batch of 128 partitions).

    References:
        1. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
           Information. arXiv 1703.00810.
        2. Tishby, N., Pereira, F. C., Bialek, W. (1999). The Information Bottleneck Method.
           arXiv physics/0004057 (the decoder p(y|t) = sum_x p(y|x) p(x|t)).

    Example:
        >>> pyx = np.array([[0.9, 0.1], [0.8, 0.2], [0.2, 0.8], [0.1, 0.9]])
        >>> i_xt, i_ty = partition_information(np.array([[0, 0, 1, 1], [0, 1, 2, 3]]), pyx)
        >>> np.round(i_xt, 4).tolist(), np.round(i_ty, 4).tolist()
        ([1.0, 2.0], [0.3902, 0.4045])
    """
    lab = np.asarray(labels)
    if lab.ndim < 1 or not np.issubdtype(lab.dtype, np.integer):
        raise InfoplaneError(
            f"labels must be integer cluster ids of shape (..., n_x); got dtype {lab.dtype}, shape "
            f"{lab.shape}."
        )
    px, pyx = _joint(p_y_given_x, p_x, lab.shape[-1])
    dense, _ = dense_labels(lab)
    flat = dense.reshape(-1, lab.shape[-1])
    p_y = px @ pyx
    h_y = -float(_xlogx(p_y).sum())
    i_xt = np.empty(flat.shape[0])
    i_ty = np.empty(flat.shape[0])
    for s in builtins.range(0, flat.shape[0], _BATCH):
        p_t, p_ty = _tables(flat[s : s + _BATCH], px, pyx)
        h_t = -_xlogx(p_t).sum(1)
        # I(T;Y) = H(Y) + H(T) - H(T, Y)
        i_xt[s : s + _BATCH] = h_t / LN2
        i_ty[s : s + _BATCH] = (h_y + h_t + _xlogx(p_ty).sum((1, 2))) / LN2
    return i_xt.reshape(lab.shape[:-1]), np.maximum(i_ty, 0.0).reshape(lab.shape[:-1])


def bound_envelope(bound: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The monotone envelope of an IB curve as sorted arrays (I(X;T), I(T;Y), beta).

    Args:
        bound: an :class:`~infoplane.bottleneck.IBCurve` or a table with columns ``i_xt`` and
            ``i_ty`` in bits (and optionally ``beta``), one row per point, e.g.
            :func:`~infoplane.bottleneck.twelve_bit_bound`.

    Returns:
        Three float64 arrays of shape (n_points,): I(X;T) increasing, I(T;Y) strictly increasing
        (bits), and beta (NaN when the table has none). A point (0, 0) is prepended when missing.

    Raises:
        InfoplaneError: if the table lacks ``i_xt``/``i_ty``, holds NaN, or has no point.

    Notes:
        The IB curve is concave and non-decreasing, and points traced by an iterative solver lie on
        or below it, so linear interpolation between envelope points is a lower bound of the true
        curve: distances read from it are lower bounds of the true distances (in favour of the
        claim that layers are close to the bound).

    References:
        Tishby, N., Pereira, F. C., Bialek, W. (1999). The Information Bottleneck Method. arXiv
        physics/0004057.

    Example:
        >>> import pandas as pd
        >>> x, y, b = bound_envelope(pd.DataFrame({"i_xt": [2.0, 1.0], "i_ty": [0.9, 0.5]}))
        >>> x.tolist(), y.tolist()
        ([0.0, 1.0, 2.0], [0.0, 0.5, 0.9])
    """
    import pandas as pd

    from infoplane.bottleneck.curve import IBCurve, monotone_envelope_mask

    frame = bound.to_frame() if isinstance(bound, IBCurve) else pd.DataFrame(bound)
    missing = {"i_xt", "i_ty"} - set(frame.columns)
    if missing or len(frame) == 0:
        raise InfoplaneError(
            f"bound needs columns i_xt and i_ty (bits) and at least one row; missing "
            f"{sorted(missing)}. Pass an IBCurve or twelve_bit_bound()."
        )
    x = frame["i_xt"].to_numpy(dtype=np.float64)
    y = frame["i_ty"].to_numpy(dtype=np.float64)
    b = frame["beta"].to_numpy(dtype=np.float64) if "beta" in frame else np.full(len(x), np.nan)
    x, y, b = np.append(0.0, x), np.append(0.0, y), np.append(np.nan, b)
    keep = monotone_envelope_mask(x, y, atol=1e-12)
    order = np.argsort(x[keep], kind="stable")
    return x[keep][order], y[keep][order], b[keep][order]


def _default_bound(px: np.ndarray, pyx: np.ndarray) -> Any:
    """The shipped 12-bit bound when the joint is the 12-bit soft rule, else a traced curve.

    The shipped curve is of all.mat's p(x) (within 0.1% of uniform); it is used for any p(x)
    within 1% of it, uniform included: on the default run's layers the two p(x) give I(X;T) and
    I(T;Y) that differ by less than 2e-5 bits, and I(X;Y) by 2e-7 bits.
    """
    from infoplane.bottleneck.iterative import information_bottleneck
    from infoplane.bottleneck.twelve_bit import twelve_bit_bound

    if pyx.shape == (4096, 2):
        from infoplane.data.twelve_bit import twelve_bit_p_x, twelve_bit_p_y_given_x

        ref = twelve_bit_p_x()
        if np.allclose(pyx, twelve_bit_p_y_given_x(), atol=1e-12) and np.allclose(
            px, ref, rtol=1e-2, atol=0.0
        ):
            return twelve_bit_bound()
    import pandas as pd

    curve = information_bottleneck(p_y_given_x=pyx, p_x=px, betas=np.geomspace(0.5, 1e4, 60))
    frame = curve.to_frame()[["beta", "i_xt", "i_ty"]]
    h_x = -float(_xlogx(px).sum()) / LN2
    end = pd.DataFrame({"beta": [np.inf], "i_xt": [h_x], "i_ty": [curve.i_xy]})
    return pd.concat([frame, end], ignore_index=True)


def _i_xy(px: np.ndarray, pyx: np.ndarray) -> float:
    p_y = px @ pyx
    return float((-_xlogx(p_y).sum() + px @ _xlogx(pyx).sum(1)) / LN2)


@dataclass(frozen=True)
class BoundDistance:
    """Distances of layers from the IB bound: one row per (layer, repeat, epoch), and a summary.

    Attributes:
        rows: pandas DataFrame, one row per (layer, repeat, epoch), columns ``layer, repeat, epoch,
            i_xt, i_ty`` (bits; I(T;Y) under the given rule), ``bound_i_ty`` (the bound at the
            layer's I(X;T), bits), ``distance`` (``bound_i_ty - i_ty``, bits), ``excess_i_xt``
            (I(X;T) minus the least I(X;T) at which the bound reaches ``i_ty``, bits),
            ``n_clusters``, ``above_bound`` (flag: the layer lies more than 1e-6 bits above the
            traced bound) and ``unit`` (``"bits"``).
        summary: pandas DataFrame, one row per (layer, epoch): ``n_repeats``, the means of
            ``i_xt``, ``i_ty``, ``distance`` and ``excess_i_xt`` over repeats, the bootstrap
            interval of the mean distance ``distance_low``, ``distance_high`` (and
            ``excess_low``, ``excess_high``), ``confidence``, ``n_above_bound`` and ``unit``.
        i_xy: I(X;Y) of the joint, bits (the bound's ceiling).

    Raises:
        Nothing: a frozen record built by :func:`distance_to_bound`.

    Notes:
        Shapes: ``rows`` has n_layers x n_repeats x n_epochs rows, ``summary`` n_layers x
        n_epochs. The interval is a percentile bootstrap over networks (repeats): each resample
        draws n_repeats networks with replacement; with one repeat it is NaN.

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810, claim (iii).

    Example:
        >>> import pandas as pd
        >>> rec = BoundDistance(rows=pd.DataFrame(), summary=pd.DataFrame(), i_xy=0.5)
        >>> rec.i_xy
        0.5
    """

    rows: Any
    summary: Any
    i_xy: float


def _bootstrap_ci(
    values: np.ndarray, n_boot: int, confidence: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval of the mean over the last axis (networks); values (G, R)."""
    g, r = values.shape
    if r < 2 or n_boot < 1:
        return np.full(g, np.nan), np.full(g, np.nan)
    idx = rng.integers(0, r, size=(n_boot, r))
    alpha = (1.0 - confidence) / 2.0
    lo, hi = np.empty(g), np.empty(g)
    step = max(1, 4_000_000 // (n_boot * r))
    for s in builtins.range(0, g, step):
        boot = values[s : s + step][:, idx].mean(-1)  # (chunk, n_boot)
        lo[s : s + step], hi[s : s + step] = np.quantile(boot, [alpha, 1.0 - alpha], axis=1)
    return lo, hi


def _binned_keys(t: np.ndarray, n_bins: Any, range: Any, bin_width: Any) -> np.ndarray:
    from infoplane.estimators.binning import bin_edges_grid, discretize, resolve_bins, row_keys

    n_bins, bin_width = resolve_bins(n_bins, bin_width, n_bins_given=n_bins is not None)
    value_range = range
    if isinstance(range, str) and range == "data" and bin_width is None:
        value_range = (float(t.min()), float(max(t.max(), t.min() + 1e-9)))
    anchor, width = bin_edges_grid(n_bins=n_bins, bin_width=bin_width, value_range=value_range,
                                   data=t)  # fmt: skip
    upper = float(value_range[1]) if n_bins is not None else None
    return row_keys(discretize(t, anchor, width, upper=upper, n_bins=n_bins))


def _as_layers(activations: Any) -> dict[Any, np.ndarray]:
    """name -> (n_repeats, n_epochs, n_samples, n_units) arrays, validated, dtype kept."""
    layers = dict(activations) if isinstance(activations, Mapping) else {1: activations}
    out = {}
    for name, a in layers.items():
        t = np.asarray(a)
        if not np.issubdtype(t.dtype, np.floating):
            t = t.astype(np.float64)
        if t.ndim == 3:
            t = t[None]
        if t.ndim != 4:
            raise InfoplaneError(
                f"activations of layer {name!r} must have shape (n_repeats, n_epochs, n_samples, "
                f"n_units) or (n_epochs, n_samples, n_units); got {t.shape}. Flatten the unit "
                "axes of a convolutional layer first."
            )
        check_finite(t, f"activations of layer {name!r}")
        out[name] = t
    return out


def distance_to_bound(
    activations: Any,
    p_y_given_x: Any,
    *,
    p_x: Any = None,
    bound: Any = None,
    n_bins: int | None = None,
    range: tuple[float, float] | str = (-1.0, 1.0),
    bin_width: float | None = None,
    epochs: Any = None,
    n_boot: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> BoundDistance:
    """Each layer's distance from the IB bound of the same joint, per (layer, repeat, epoch).

    .. math:: \\mathrm{distance} = I^{*}_{IB}\\big(I(X;T)\\big) - I(T;Y) \\ge 0,

    with I(X;T) and I(T;Y) of the binned layer computed exactly under p(x) p(y|x) (see
    :func:`partition_information`) and I*_IB the IB curve of that same p(x) p(y|x).

    Args:
        activations: one layer, shape (n_repeats, n_epochs, n_samples, n_units) or (n_epochs,
            n_samples, n_units); or a mapping layer name -> such an array. Sample i is input x_i
            of ``p_y_given_x`` (the 12-bit task: all 4096 inputs in order).
        p_y_given_x: the rule p(y|x), shape (n_samples, n_y), rows summing to 1 (the 12-bit task:
            :func:`infoplane.data.twelve_bit_p_y_given_x`, the soft rule of ``all.mat``).
        p_x: p(x), shape (n_samples,); default uniform.
        bound: the IB curve of the same joint (:class:`~infoplane.bottleneck.IBCurve` or a table
            with ``i_xt``, ``i_ty`` in bits). Default: the shipped
            :func:`~infoplane.bottleneck.twelve_bit_bound` for the 12-bit soft rule (with all.mat's
            p(x) or one within 1% of it, uniform included), else the curve traced by
            :func:`~infoplane.bottleneck.information_bottleneck` (60 betas on [0.5, 1e4], seconds
            to a minute).
        n_bins: equal-width bins on ``range`` (default 30, IDNNs), or ``None`` with ``bin_width``.
        range: (low, high) of the bins, or ``"data"`` (each layer's min and max over all its
            repeats and epochs).
        bin_width: fixed bin width anchored at 0 (Saxe et al. 2018), instead of ``n_bins``.
        epochs: epoch numbers, shape (n_epochs,), for the ``epoch`` column; default 0..n_epochs-1.
        n_boot: bootstrap resamples of the networks for the interval (default 2000).
        confidence: level of the interval (default 0.95).
        seed: seed of the bootstrap.

    Returns:
        A :class:`BoundDistance` with ``rows`` (one per layer, repeat and epoch) and ``summary``
        (mean and bootstrap interval over repeats, one row per layer and epoch), in bits.

    Raises:
        InfoplaneError: for activations of the wrong shape or with NaN/Inf, a ``p_y_given_x``
            whose length differs from n_samples or that is not a conditional distribution, bad
            binning settings, a ``bound`` that is not of the same joint (its largest I(T;Y)
            differs from I(X;Y) of ``p_y_given_x`` by more than 1e-3 bits), or bad
            ``epochs``/``confidence``.

    Notes:
        Same joint: the networks of the 12-bit task are trained on the hard labels (the rule's
        most probable label), but the bound is that of the soft rule, so I(T;Y) is evaluated under
        the soft rule (p(y|t) = sum_x p(y|x) p(x|t), as in the paper's IB equations). Evaluated
        with hard labels a layer could lie up to 0.155 bits (H(Y|X) of the rule) above this bound.
        The bound is an inner (near-optimal) curve traced by the iterative IB, interpolated
        linearly: the distance returned is a lower bound of the true one, and a layer above the
        traced curve is flagged (``above_bound``) rather than clipped; ``excess_i_xt`` read off
        the same chords is a lower bound of the true horizontal gap. A layer that is injective
        on the inputs (I(X;T) = H(X)) has distance 0 trivially; read ``excess_i_xt`` beside it.
        The 12-bit bound is nearly flat beyond I(X;T) = 1 bit (0.838 of 0.844 bits), so small
        distances there say little: compare with the distance of a random partition of the same
        size. Cost: one sort and two bincounts per partition, vectorised over repeats and epochs.

    References:
        1. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
           Information. arXiv 1703.00810, claim (iii).
        2. Tishby, N., Pereira, F. C., Bialek, W. (1999). The Information Bottleneck Method.
           arXiv physics/0004057.

    Example:
        >>> import pandas as pd
        >>> pyx = np.array([[0.9, 0.1], [0.8, 0.2], [0.2, 0.8], [0.1, 0.9]])
        >>> bound = pd.DataFrame({"i_xt": [0.0, 1.0, 2.0], "i_ty": [0.0, 0.3902, 0.4045]})
        >>> t = np.array([[[-0.5], [-0.5], [0.5], [0.5]], [[-0.5], [0.5], [-0.5], [0.5]]])
        >>> res = distance_to_bound(t, pyx, bound=bound, n_bins=2)  # two epochs, one network
        >>> res.rows[["epoch", "i_xt", "distance"]].round(4).values.tolist()
        [[0.0, 1.0, 0.0], [1.0, 1.0, 0.383]]
    """
    import pandas as pd

    layers = _as_layers(activations)
    shapes = {t.shape[1:3] for t in layers.values()}
    if len(shapes) != 1:
        raise InfoplaneError(
            f"every layer needs the same (n_epochs, n_samples); got {sorted(shapes)}."
        )
    (n_ep, n), = shapes  # fmt: skip
    px, pyx = _joint(p_y_given_x, p_x, n)
    ep = np.arange(n_ep) if epochs is None else np.asarray(epochs).ravel()
    if ep.shape[0] != n_ep:
        raise InfoplaneError(f"epochs has {ep.shape[0]} entries but activations has {n_ep} epochs.")
    if not 0.0 < float(confidence) < 1.0:
        raise InfoplaneError(f"confidence must be in (0, 1); got {confidence}.")
    env_x, env_y, _ = bound_envelope(_default_bound(px, pyx) if bound is None else bound)
    i_xy = _i_xy(px, pyx)
    if abs(env_y[-1] - i_xy) > 1e-3:
        raise InfoplaneError(
            f"bound is not the IB curve of this joint: it ends at I(T;Y) = {env_y[-1]:.5f} bits "
            f"but I(X;Y) = {i_xy:.5f} bits under p_y_given_x. Pass the curve of the same p(x, y) "
            "(or bound=None to trace it)."
        )
    frames = []
    for name, t in layers.items():
        n_rep = t.shape[0]
        keys = _binned_keys(np.asarray(t, dtype=np.float64), n_bins, range, bin_width)
        labels, n_t = dense_labels(keys)
        i_xt, i_ty = partition_information(labels, pyx, p_x=px)
        b_ty = np.interp(i_xt, env_x, env_y)
        least_x = np.interp(np.minimum(i_ty, env_y[-1]), env_y, env_x)
        frames.append(
            pd.DataFrame(
                {
                    "layer": np.repeat(np.array([name], dtype=object), n_rep * n_ep),
                    "repeat": np.repeat(np.arange(n_rep), n_ep),
                    "epoch": np.tile(ep, n_rep),
                    "i_xt": i_xt.ravel(),
                    "i_ty": i_ty.ravel(),
                    "bound_i_ty": b_ty.ravel(),
                    "distance": (b_ty - i_ty).ravel(),
                    "excess_i_xt": np.maximum(i_xt - least_x, 0.0).ravel(),
                    "n_clusters": n_t.ravel(),
                    "above_bound": (i_ty - b_ty > ABOVE_TOL).ravel(),
                    "unit": "bits",
                }
            )
        )
    rows = pd.concat(frames, ignore_index=True)
    return BoundDistance(
        rows=rows,
        summary=summarize_distance(rows, n_boot=n_boot, confidence=confidence, seed=seed),
        i_xy=i_xy,
    )


def summarize_distance(
    rows: Any, *, n_boot: int = 2000, confidence: float = 0.95, seed: int = 0
) -> Any:
    """Mean and bootstrap interval over networks of the distance from the IB bound.

    Args:
        rows: the per-network table of :func:`distance_to_bound` (``BoundDistance.rows``):
            columns ``layer, repeat, epoch, i_xt, i_ty, distance, excess_i_xt, above_bound``.
        n_boot: bootstrap resamples of the networks (default 2000).
        confidence: level of the percentile interval (default 0.95).
        seed: seed of the resampling.

    Returns:
        pandas DataFrame, one row per (layer, epoch): ``n_repeats``, ``i_xt``, ``i_ty``,
        ``distance``, ``excess_i_xt`` (means over repeats, bits), ``distance_low``,
        ``distance_high``, ``excess_low``, ``excess_high`` (bits), ``confidence``,
        ``n_above_bound`` and ``unit``.

    Raises:
        InfoplaneError: if a column is missing, or ``confidence`` is not in (0, 1).

    Notes:
        Shapes: rows (n_layers x n_repeats x n_epochs, k) in, (n_layers x n_epochs, 14) out. The
        networks are the resampled unit (one draw resamples whole repeats, the same draw for
        every (layer, epoch)); with fewer than two repeats the interval is NaN. Groups with a
        different number of repeats are resampled separately. Vectorised over (layer, epoch).

    References:
        Efron, B., Tibshirani, R. (1993). An Introduction to the Bootstrap. Chapman & Hall
        (percentile interval). Shwartz-Ziv, R., Tishby, N. (2017). arXiv 1703.00810.

    Example:
        >>> import pandas as pd
        >>> rows = pd.DataFrame({"layer": 1, "repeat": [0, 1], "epoch": 5, "i_xt": [1.0, 2.0],
        ...                      "i_ty": 0.5, "distance": [0.1, 0.3], "excess_i_xt": 0.0,
        ...                      "above_bound": False})
        >>> s = summarize_distance(rows, n_boot=200)
        >>> float(s.distance[0]), bool(0.1 <= s.distance_low[0] <= s.distance_high[0] <= 0.3)
        (0.2, True)
    """
    import pandas as pd

    need = {"layer", "repeat", "epoch", "i_xt", "i_ty", "distance", "excess_i_xt", "above_bound"}
    missing = need - set(rows.columns)
    if missing:
        raise InfoplaneError(f"rows needs columns {sorted(need)}; missing {sorted(missing)}.")
    if not 0.0 < float(confidence) < 1.0:
        raise InfoplaneError(f"confidence must be in (0, 1); got {confidence}.")
    rng = np.random.default_rng(seed)
    out = []
    table = rows.sort_values(["layer", "epoch", "repeat"], kind="stable")
    sizes = table.groupby(["layer", "epoch"], sort=False)["repeat"].transform("size")
    for r, part in table.groupby(sizes, sort=True):
        r = int(r)
        keys = part[["layer", "epoch"]].iloc[::r].reset_index(drop=True)
        dist = part["distance"].to_numpy(dtype=np.float64).reshape(-1, r)
        exc = part["excess_i_xt"].to_numpy(dtype=np.float64).reshape(-1, r)
        d_lo, d_hi = _bootstrap_ci(dist, n_boot, confidence, rng)
        e_lo, e_hi = _bootstrap_ci(exc, n_boot, confidence, rng)
        out.append(
            keys.assign(
                n_repeats=r,
                i_xt=part["i_xt"].to_numpy(dtype=np.float64).reshape(-1, r).mean(1),
                i_ty=part["i_ty"].to_numpy(dtype=np.float64).reshape(-1, r).mean(1),
                distance=dist.mean(1),
                distance_low=d_lo,
                distance_high=d_hi,
                excess_i_xt=exc.mean(1),
                excess_low=e_lo,
                excess_high=e_hi,
                confidence=float(confidence),
                n_above_bound=part["above_bound"].to_numpy(dtype=bool).reshape(-1, r).sum(1),
                unit="bits",
            )
        )
    return pd.concat(out, ignore_index=True).sort_values(["layer", "epoch"], ignore_index=True)
