"""Phases of training: the drift-to-diffusion transition and the onset of compression, per layer.

Shwartz-Ziv & Tishby (2017), "Opening the Black Box of Deep Neural Networks via Information",
arXiv 1703.00810, Sec. 3.4, report that stochastic gradient descent first *drifts* (the mean of the
mini-batch gradients is large compared with their fluctuations) and then *diffuses* (the
fluctuations dominate), and that the transition coincides with the start of the compression of
I(X;T). Saxe et al. (2018, ICLR) dispute the coincidence. This module turns both events into
numbers so that a user can check the claim on their own runs.

Rules (ours; the paper gives none):

- **Smoothing.** Curves are first averaged over repetitions (geometric mean for the gradient
  norms, arithmetic mean for I(X;T)), then smoothed by Gaussian-kernel local-linear regression on
  the log-epoch axis, x = log10(epoch + 1), with a bandwidth of ``bandwidth`` decades (default
  0.1). Log-spaced capture epochs are thus smoothed evenly, without bias from how densely they lie.
- **Transition epoch** (drift -> diffusion): the first recorded epoch from which the smoothed
  log-SNR, log10(mean / std) -- equivalently the gap between the mean and std curves of the
  log-log figure -- stays below log10(``threshold``) (default 1, i.e. the curves cross) for all
  later recorded epochs. NaN if the smoothed SNR ends above the threshold.
- **Compression epoch**: the first local maximum of the smoothed, repeat-averaged I(X;T) that
  ends a rise (fitting) of at least ``min_drop`` (default 0.05 bits) and is followed by a fall
  (compression) of at least ``min_drop`` before the curve climbs back above it -- the epoch of
  peak I(X;T) for a curve that rises then falls. NaN if I(X;T) never rises then falls (e.g. a
  layer pinned at log2(n) bits, or one that only shrinks from its initial value).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from infoplane.analysis.tables import require_columns
from infoplane.interface import InfoplaneError

PHASE_COLUMNS: tuple[str, ...] = ("layer", "transition_epoch", "compression_epoch")


def smooth_log_epochs(epochs: np.ndarray, values: np.ndarray, bandwidth: float = 0.1) -> np.ndarray:
    """Gaussian-kernel local-linear smoothing of curves on the log-epoch axis.

    At each x_i = log10(e_i + 1) a straight line is fitted to the curve by weighted least squares
    with weights K(x_j - x_i) = exp(-(x_j - x_i)^2 / (2 h^2)), and its value at x_i is returned.
    Unlike a kernel average, the local line has no bias where the recorded epochs are unevenly
    dense (all integer epochs early, log-spaced later) and follows a trend up to the ends.

    Args:
        epochs: recorded epochs, shape (n,), non-negative.
        values: curve values, shape (..., n); NaN values are ignored (they get zero weight).
        bandwidth: kernel width h in decades of epochs (> 0; 0.1 = a factor 1.26 either side).

    Returns:
        Smoothed values, shape (..., n), in the unit of ``values`` (NaN where no finite
        neighbour exists).

    Raises:
        InfoplaneError: for a non-positive bandwidth, negative epochs, or mismatched shapes.

    Notes:
        Vectorised over the leading axes (one (n, n) kernel for all curves); a linear curve in
        log-epoch is returned unchanged.

    References:
        Cleveland, W. S. (1979). Robust Locally Weighted Regression and Smoothing Scatterplots.
        JASA 74(368), 829-836 (local-linear smoothing).

    Example:
        >>> smooth_log_epochs(np.array([1, 10, 100]), np.array([1.0, 1.0, 1.0]))
        array([1., 1., 1.])
    """
    epochs = np.asarray(epochs, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    if not bandwidth > 0:
        raise InfoplaneError(f"bandwidth must be > 0 (decades of epochs); got {bandwidth!r}.")
    if epochs.ndim != 1 or values.shape[-1:] != epochs.shape:
        raise InfoplaneError(
            f"values must have shape (..., n) with n = len(epochs) = {epochs.shape}; got "
            f"{values.shape}."
        )
    if np.any(epochs < 0):
        raise InfoplaneError("epochs must be non-negative.")
    x = np.log10(epochs + 1.0)
    d = x[None, :] - x[:, None]  # (n_i, n_j): offset of point j from the target i
    k = np.exp(-0.5 * (d / bandwidth) ** 2)
    ok = np.isfinite(values).astype(np.float64)
    v = np.where(ok > 0, values, 0.0)
    # Weighted moments per target i (batched over leading axes): sum w, sum w d, sum w d^2, ...
    s0 = ok @ k.T
    s1 = ok @ (k * d).T
    s2 = ok @ (k * d**2).T
    t0 = v @ k.T
    t1 = v @ (k * d).T
    det = s0 * s2 - s1**2
    with np.errstate(invalid="ignore", divide="ignore"):
        local = (s2 * t0 - s1 * t1) / det  # intercept of the local line at d = 0
        mean = t0 / s0  # fallback where the line is undetermined (a single neighbour)
    fit_ok = det > 1e-12 * np.maximum(s0 * s2, 1e-300)
    out = np.where(fit_ok, local, mean)
    return np.where(s0 > 1e-12, out, np.nan)


def transition_epoch(
    epochs: np.ndarray,
    snr: np.ndarray,
    *,
    threshold: float = 1.0,
    bandwidth: float = 0.1,
) -> float:
    """Drift-to-diffusion transition: first epoch from which the smoothed SNR stays below threshold.

    Args:
        epochs: recorded epochs, shape (n,), increasing.
        snr: signal-to-noise ratio mean/std of the gradients at those epochs, shape (n,)
            (already averaged over repetitions). ``inf`` (std = 0) counts as very large.
        threshold: SNR level separating drift (above) from diffusion (below); default 1.
        bandwidth: smoothing width in decades (see :func:`smooth_log_epochs`).

    Returns:
        The transition epoch, or NaN if the smoothed SNR is above the threshold at the last epoch
        (still drifting) or no finite value exists.

    Raises:
        InfoplaneError: for a non-positive threshold, or epochs that are not increasing.

    Notes:
        Units: the SNR is dimensionless (a ratio of gradient norms); the result is an epoch. The
        rule is ours (the paper reads the crossing off its figure): smoothing in log-epoch avoids
        calling a single noisy dip the transition.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810, Sec. 3.4.

    Example:
        >>> ep = np.unique(np.round(np.geomspace(1, 1000, 40)).astype(int))
        >>> transition_epoch(ep, 10.0 / ep**1.5)  # SNR falls through 1 at epoch 10**(2/3)
        5.0
    """
    epochs = np.asarray(epochs, dtype=np.float64)
    snr = np.asarray(snr, dtype=np.float64)
    if not threshold > 0:
        raise InfoplaneError(f"threshold must be a positive SNR level; got {threshold!r}.")
    if epochs.size == 0:
        return float("nan")
    if np.any(np.diff(epochs) <= 0):
        raise InfoplaneError("epochs must be strictly increasing; sort the curve by epoch first.")
    with np.errstate(divide="ignore"):
        log_snr = np.log10(np.clip(snr, 1e-300, 1e300))  # inf -> large finite, nan stays nan
    smooth = smooth_log_epochs(epochs, log_snr, bandwidth)
    finite = np.isfinite(smooth)
    if not finite.any():
        return float("nan")
    above = finite & (smooth >= np.log10(threshold))
    if above[np.flatnonzero(finite)[-1]]:
        return float("nan")
    if not above.any():
        return float(epochs[np.flatnonzero(finite)[0]])
    last_above = np.flatnonzero(above)[-1]
    later = np.flatnonzero(finite & (np.arange(len(epochs)) > last_above))
    return float(epochs[later[0]])


def compression_epoch(
    epochs: np.ndarray, i_xt: np.ndarray, *, bandwidth: float = 0.1, min_drop: float = 0.05
) -> float:
    """Onset of compression: the first peak of the smoothed I(X;T) between a real rise and fall.

    The curve is smoothed (:func:`smooth_log_epochs`); each local maximum, in order of epochs, is
    a candidate; the first one that is at least ``min_drop`` above the lowest value before it
    (a fitting phase) and after which the curve falls by at least ``min_drop`` (before it climbs
    back above that maximum) is the onset. For a curve that rises then falls once this is the
    epoch of peak I(X;T); a dip right after initialisation is not compression.

    Args:
        epochs: recorded epochs, shape (n,), increasing.
        i_xt: I(X;T) at those epochs, shape (n,), averaged over repetitions.
        bandwidth: smoothing width in decades (see :func:`smooth_log_epochs`).
        min_drop: smallest rise (before) and fall (after the peak) that count, in the unit of
            ``i_xt`` (default 0.05 bits): a layer pinned at log2(n) bits with binning noise does
            not compress.

    Returns:
        The onset epoch; NaN if no peak lies between such a rise and fall (no compression) or
        there is no finite value.

    Raises:
        InfoplaneError: for epochs that are not increasing or a negative ``min_drop``.

    Notes:
        The peak of a noisy curve is biased upwards; ``min_drop`` above the estimator's noise
        keeps noise from being called compression.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810, Sec. 3.3.

    Example:
        >>> ep = np.unique(np.round(np.geomspace(1, 1000, 40)).astype(int))
        >>> compression_epoch(ep, 5 - (np.log10(ep) - 2) ** 2)  # peak at epoch 100
        100.0
    """
    epochs = np.asarray(epochs, dtype=np.float64)
    i_xt = np.asarray(i_xt, dtype=np.float64)
    if not min_drop >= 0:
        raise InfoplaneError(f"min_drop must be >= 0 (in the unit of i_xt); got {min_drop!r}.")
    if epochs.size == 0:
        return float("nan")
    if np.any(np.diff(epochs) <= 0):
        raise InfoplaneError("epochs must be strictly increasing; sort the curve by epoch first.")
    smooth = smooth_log_epochs(epochs, i_xt, bandwidth)
    keep = np.flatnonzero(np.isfinite(smooth))
    v, ep = smooth[keep], epochs[keep]
    n = v.size
    if n < 2:
        return float("nan")
    left = np.concatenate([[-np.inf], v[:-1]])
    right = np.concatenate([v[1:], [-np.inf]])
    for i in np.flatnonzero((v >= left) & (v > right)):
        if i == 0 or v[i] - v[:i].min() < max(min_drop, 1e-12):
            continue  # no fitting phase before this peak
        after = v[i + 1 :]
        above = np.flatnonzero(after > v[i])
        stretch = after[: above[0]] if above.size else after
        if stretch.size and v[i] - stretch.min() >= max(min_drop, 1e-12):
            return float(ep[i])
    return float("nan")


def _check_columns(frame: Any, name: str, columns: tuple[str, ...]) -> None:
    require_columns(frame, name, columns, hint=f"a table with columns {', '.join(columns)}")


def detect_phases(
    plane,
    gradients,
    *,
    estimator: str | None = None,
    threshold: float = 1.0,
    bandwidth: float = 0.1,
    min_drop: float = 0.05,
):
    """Per-layer drift-to-diffusion transition and compression onset, after averaging over repeats.

    Args:
        plane: information-plane table (``pandas.DataFrame`` of shape (n_rows, n_columns), one
            row per (repeat, epoch, layer[, estimator])) with columns ``repeat``, ``epoch``, ``layer``, ``i_xt`` (in the
            table's ``unit``, bits by default) and optionally ``estimator`` (a run's plane
            table). May be ``None`` or empty (compression epochs NaN).
        gradients: gradient table, one row per (repeat, epoch, layer), with columns ``repeat``,
            ``epoch``, ``layer``, ``grad_mean``, ``grad_std`` (norms of the mean and the std of
            the mini-batch gradients, :meth:`~infoplane.training.gradients.GradientStatistics.to_frame`).
            May be ``None`` or empty (transition epochs NaN).
        estimator: which estimator's I(X;T) to use when ``plane`` holds several.
        threshold: SNR level of the transition (default 1: mean and std cross).
        bandwidth: smoothing width in decades of epochs (default 0.1).
        min_drop: smallest fall of I(X;T) that counts as compression, in the plane's unit
            (default 0.05 bits; see :func:`compression_epoch`).

    Returns:
        ``pandas.DataFrame`` with columns ``layer`` (int, 1..L+1), ``transition_epoch`` and
        ``compression_epoch`` (float epochs, NaN when not detected), one row per layer present
        in either table.

    Raises:
        InfoplaneError: for missing columns, or several estimators in ``plane`` with
            ``estimator=None`` (name one), or an estimator not in the table.

    Notes:
        Repetitions are averaged before detection: the gradient norms ``grad_mean`` and
        ``grad_std`` geometrically (mean of logs; SNR = ratio of the averages) and I(X;T)
        arithmetically. The rules are documented in the module docstring; they are ours.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810, Sec. 3.3-3.4.
        Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.

    Example:
        >>> import pandas as pd
        >>> ep = np.unique(np.round(np.geomspace(1, 1000, 40)).astype(int))
        >>> grads = pd.DataFrame({"repeat": 0, "epoch": ep, "layer": 1,
        ...                       "grad_mean": 1.0 / ep, "grad_std": 0.1 * np.sqrt(ep)})
        >>> plane = pd.DataFrame({"repeat": 0, "epoch": ep, "layer": 1,
        ...                       "i_xt": 5 - (np.log10(ep) - 2) ** 2})  # peak at epoch 100
        >>> detect_phases(plane, grads).to_dict("records")
        [{'layer': 1, 'transition_epoch': 5.0, 'compression_epoch': 100.0}]
    """
    import pandas as pd

    trans: dict[int, float] = {}
    comp: dict[int, float] = {}
    if gradients is not None and len(gradients):
        _check_columns(gradients, "gradients", ("epoch", "layer", "grad_mean", "grad_std"))
        g = gradients.assign(
            log_mean=np.log10(gradients["grad_mean"].clip(lower=1e-300)),
            log_std=np.log10(gradients["grad_std"].clip(lower=1e-300)),
        )
        avg = g.groupby(["layer", "epoch"], sort=True)[["log_mean", "log_std"]].mean()
        for layer, sub in avg.groupby(level="layer"):
            ep = sub.index.get_level_values("epoch").to_numpy()
            snr = 10.0 ** (sub["log_mean"].to_numpy() - sub["log_std"].to_numpy())
            trans[int(layer)] = transition_epoch(ep, snr, threshold=threshold, bandwidth=bandwidth)
    if plane is not None and len(plane):
        _check_columns(plane, "plane", ("epoch", "layer", "i_xt"))
        p = plane
        if "estimator" in p.columns:
            names = sorted(p["estimator"].dropna().unique())
            if estimator is None and len(names) > 1:
                raise InfoplaneError(
                    f"plane holds several estimators ({', '.join(names)}); pass estimator=... to "
                    "choose the one whose I(X;T) marks compression."
                )
            if estimator is not None:
                if estimator not in names:
                    raise InfoplaneError(
                        f"estimator={estimator!r} is not in plane; choose one of "
                        f"{', '.join(names)}."
                    )
                p = p[p["estimator"] == estimator]
        avg = p.groupby(["layer", "epoch"], sort=True)["i_xt"].mean()
        for layer, sub in avg.groupby(level="layer"):
            ep = sub.index.get_level_values("epoch").to_numpy()
            comp[int(layer)] = compression_epoch(
                ep, sub.to_numpy(), bandwidth=bandwidth, min_drop=min_drop
            )
    layers = sorted(set(trans) | set(comp))
    return pd.DataFrame(
        {
            "layer": np.asarray(layers, dtype=np.int64),
            "transition_epoch": np.asarray([trans.get(lay, np.nan) for lay in layers], dtype=float),
            "compression_epoch": np.asarray([comp.get(lay, np.nan) for lay in layers], dtype=float),
        }
    )
