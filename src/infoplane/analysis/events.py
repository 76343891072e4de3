"""The events of training, defined once: fitting, compression, drift-to-diffusion, convergence.

Shwartz-Ziv & Tishby (2017), "Opening the Black Box of Deep Neural Networks via Information",
arXiv 1703.00810, describe training in the information plane as a short *fitting* phase (I(X;T)
and I(T;Y) grow) followed by a long *compression* phase (I(X;T) falls) that begins when stochastic
gradient descent turns from *drift* to *diffusion* (Sec. 3.3-3.4), and they report that more
hidden layers make the layers *converge* in far fewer epochs (Sec. 3.5, Fig. 5). Saxe et al.
(2018, ICLR) and Geiger (2021, arXiv 2003.09671) dispute the first two. Every table, figure and
report of infoplane computes these events with the functions of this module and nowhere else
(``docs/definitions.md`` states each rule with its source; ``tests/test_events.py`` checks that
the other modules agree with it).

Rules (the paper reads its events off figures; the operational rules are ours):

- **Smoothing** (:func:`smooth_log_epochs`): Gaussian-kernel local-linear regression on
  x = log10(epoch + 1), bandwidth 0.1 decades.
- **Estimator error** of a curve (:func:`curve_noise`): the robust standard deviation
  (1.4826 x median absolute deviation) of the raw values around the smoothed curve.
- **Compression of one network's layer** (:func:`compression_event`): on the smoothed I(X;T), the
  first local maximum that is preceded by a rise (the *fitting phase*) and followed by a fall (the
  *compression phase*, until the curve climbs back above the peak), both of at least the
  threshold max(``min_drop``, ``noise_factor`` x estimator error). Its epoch is the *onset*; the
  *amount* is the peak minus the lowest value of the fall; the *end* is the first epoch at which
  95% of that fall is done. No such peak: amount 0, onset NaN.
- **Compression of a layer over networks** (:func:`compression_summary`): mean amount with a
  Student-t 95% interval over networks; the layer *compresses* when the interval's lower bound
  exceeds the median threshold (the estimator's error); only then is the onset (median over
  networks) reported.
- **Drift-to-diffusion transition** (:func:`transition_epoch`): the first epoch from which the
  smoothed gradient SNR = |mean| / std stays below 1 (the paper's crossing of the two curves).
- **Convergence** (claim iv, :func:`convergence_events`): the paper's measure,
  :func:`information_convergence_epoch` (the epoch from which the output layer's point in the
  information plane stays within 5% of its path's span from its final point), and two
  accuracy-based measures, :func:`accuracy_epoch` (first epoch the training accuracy reaches a
  level) and :func:`loss_convergence_epoch` (95% of the loss drop made).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from infoplane.analysis.tables import require_columns, select_estimator, table_unit
from infoplane.interface import InfoplaneError

__all__ = [
    "accuracy_epoch",
    "compression_event",
    "compression_events",
    "compression_summary",
    "convergence_events",
    "curve_noise",
    "information_convergence_epoch",
    "loss_convergence_epoch",
    "mean_ci",
    "smooth_log_epochs",
    "transition_epoch",
    "transition_events",
]

#: Default smoothing width in decades of epochs.
BANDWIDTH = 0.1
#: Default smallest rise/fall that counts, in bits, whatever the estimator's error.
MIN_DROP = 0.05
#: The threshold is this many times the estimator's error (robust residual std).
NOISE_FACTOR = 2.0

_REFS = (
    "Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via "
    "Information. arXiv:1703.00810."
)


def _epochs_ok(epochs: np.ndarray) -> None:
    if np.any(np.diff(epochs) <= 0):
        raise InfoplaneError("epochs must be strictly increasing; sort the curve by epoch first.")


def smooth_log_epochs(
    epochs: np.ndarray, values: np.ndarray, bandwidth: float = BANDWIDTH
) -> np.ndarray:
    """Gaussian-kernel local-linear smoothing of curves on the log-epoch axis.

    At each x_i = log10(e_i + 1) a straight line is fitted to the curve by weighted least squares
    with weights K(x_j - x_i) = exp(-(x_j - x_i)^2 / (2 h^2)), and its value at x_i is returned.

    Args:
        epochs: recorded epochs, shape (n,), non-negative.
        values: curve values, shape (..., n); NaN values are ignored (they get zero weight).
        bandwidth: kernel width h in decades of epochs (> 0; 0.1 = a factor 1.26 either side).

    Returns:
        Smoothed values, shape (..., n), in the unit of ``values`` (bits for I(X;T); NaN where
        no finite neighbour exists).

    Raises:
        InfoplaneError: for a non-positive bandwidth, negative epochs, or mismatched shapes.

    Notes:
        Unlike a kernel average, the local line has no bias where the recorded epochs are unevenly
        dense (all integer epochs early, log-spaced later); a line in log-epoch is unchanged.

    References:
        Cleveland, W. S. (1979). Robust Locally Weighted Regression and Smoothing Scatterplots.
        JASA 74(368), 829-836.

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
    d = x[None, :] - x[:, None]
    k = np.exp(-0.5 * (d / bandwidth) ** 2)
    ok = np.isfinite(values).astype(np.float64)
    v = np.where(ok > 0, values, 0.0)
    s0 = ok @ k.T
    s1 = ok @ (k * d).T
    s2 = ok @ (k * d**2).T
    t0 = v @ k.T
    t1 = v @ (k * d).T
    det = s0 * s2 - s1**2
    with np.errstate(invalid="ignore", divide="ignore"):
        local = (s2 * t0 - s1 * t1) / det
        mean = t0 / s0
    fit_ok = det > 1e-12 * np.maximum(s0 * s2, 1e-300)
    out = np.where(fit_ok, local, mean)
    return np.where(s0 > 1e-12, out, np.nan)


def curve_noise(epochs: np.ndarray, values: np.ndarray, bandwidth: float = BANDWIDTH) -> float:
    """The estimator's error on a curve: robust std of the raw values around the smoothed curve.

    Args:
        epochs: recorded epochs, shape (n,), increasing.
        values: the curve, shape (n,), e.g. I(X;T) in bits.
        bandwidth: smoothing width in decades (see :func:`smooth_log_epochs`).

    Returns:
        1.4826 x median |values - smoothed| (in the unit of ``values``); 0 for fewer than 3
        finite points.

    Raises:
        InfoplaneError: for mismatched shapes or a bad bandwidth (from the smoother).

    Notes:
        This is the epoch-to-epoch scatter of the estimate (binning jitter, the KDE's sampling
        noise), not its bias; a compression smaller than it is not reported.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810, Sec. 3.3 (compression phase).

    Example:
        >>> round(curve_noise(np.arange(1, 50), np.full(49, 3.0)), 12)
        0.0
    """
    values = np.asarray(values, dtype=np.float64)
    smooth = smooth_log_epochs(epochs, values, bandwidth)
    r = values - smooth
    r = r[np.isfinite(r)]
    if r.size < 3:
        return 0.0
    return float(1.4826 * np.median(np.abs(r - np.median(r))))


def compression_event(
    epochs: np.ndarray,
    i_xt: np.ndarray,
    *,
    bandwidth: float = BANDWIDTH,
    min_drop: float = MIN_DROP,
    noise_factor: float = NOISE_FACTOR,
) -> dict[str, float]:
    """Fitting and compression of one curve of I(X;T): onset, amount, end, threshold.

    The curve is smoothed (:func:`smooth_log_epochs`); each local maximum, in order of epochs, is
    a candidate; the first one at least ``threshold`` above the lowest value before it (fitting)
    and after which the curve falls by at least ``threshold`` before climbing back above it
    (compression) is the onset. threshold = max(min_drop, noise_factor x :func:`curve_noise`).

    Args:
        epochs: recorded epochs, shape (n,), increasing.
        i_xt: I(X;T) at those epochs, shape (n,), in bits (or any unit: the result shares it).
        bandwidth: smoothing width in decades.
        min_drop: smallest rise and fall that count whatever the noise (default 0.05 bits).
        noise_factor: multiple of the estimator's error a rise/fall must exceed (default 2).

    Returns:
        dict with ``onset_epoch`` (NaN if none), ``end_epoch`` (95% of the fall done; NaN if
        none), ``amount`` (peak minus the lowest value of the fall, 0 if no compression),
        ``fitting`` (peak minus the lowest value before it, 0 if none), ``peak`` and ``final``
        (smoothed values at the onset and at the last epoch), ``threshold`` and ``noise``
        (all values in the unit of ``i_xt``).

    Raises:
        InfoplaneError: for epochs that are not increasing or a negative threshold parameter.

    Notes:
        A dip right after initialisation (no rise before it) is not compression; a layer pinned
        at log2(n) bits with binning jitter is not compression; a fall that the curve recovers
        from ends where the curve climbs back above the peak.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810, Sec. 3.3.

    Example:
        >>> ep = np.unique(np.round(np.geomspace(1, 1000, 40)).astype(int))
        >>> ev = compression_event(ep, 5 - (np.log10(ep) - 2) ** 2)  # peak at epoch 100
        >>> ev["onset_epoch"], round(ev["amount"], 1)
        (100.0, 1.0)
    """
    epochs = np.asarray(epochs, dtype=np.float64)
    i_xt = np.asarray(i_xt, dtype=np.float64)
    if not (min_drop >= 0 and noise_factor >= 0):
        raise InfoplaneError(
            f"min_drop and noise_factor must be >= 0; got min_drop={min_drop!r}, "
            f"noise_factor={noise_factor!r}."
        )
    nan = float("nan")
    out = {
        "onset_epoch": nan,
        "end_epoch": nan,
        "amount": 0.0,
        "fitting": 0.0,
        "peak": nan,
        "final": nan,
        "threshold": nan,
        "noise": nan,
    }
    if epochs.size == 0:
        return out
    _epochs_ok(epochs)
    smooth = smooth_log_epochs(epochs, i_xt, bandwidth)
    noise = curve_noise(epochs, i_xt, bandwidth)
    thr = max(min_drop, noise_factor * noise, 1e-12)
    out["threshold"], out["noise"] = thr, noise
    keep = np.flatnonzero(np.isfinite(smooth))
    v, ep = smooth[keep], epochs[keep]
    if v.size < 2:
        return out
    out["final"] = float(v[-1])
    left = np.concatenate([[-np.inf], v[:-1]])
    right = np.concatenate([v[1:], [-np.inf]])
    for i in np.flatnonzero((v >= left) & (v > right)):
        rise = v[i] - v[: i + 1].min()
        if i == 0 or rise < thr:
            continue
        after = v[i + 1 :]
        above = np.flatnonzero(after > v[i])
        stretch = after[: above[0]] if above.size else after
        if stretch.size and v[i] - stretch.min() >= thr:
            amount = float(v[i] - stretch.min())
            target = v[i] - 0.95 * amount
            end = i + 1 + int(np.flatnonzero(stretch <= target)[0])
            out.update(
                onset_epoch=float(ep[i]),
                end_epoch=float(ep[end]),
                amount=amount,
                fitting=float(rise),
                peak=float(v[i]),
            )
            return out
    return out


def _plane_rows(plane: Any, estimator: str | None) -> tuple[Any, str]:
    require_columns(plane, "plane", ["epoch", "layer", "i_xt"])
    unit = table_unit(plane, name="plane") if "unit" in plane.columns else "bits"
    if "estimator" in plane.columns:
        names = sorted(plane["estimator"].dropna().unique())
        if estimator is None and len(names) > 1:
            raise InfoplaneError(
                f"plane holds several estimators ({', '.join(names)}); pass estimator=... to "
                "choose the one whose I(X;T) marks compression."
            )
        if estimator is not None or names:
            chosen = select_estimator(plane, estimator, name="plane")
            plane = plane[plane["estimator"] == chosen]
    if "repeat" not in plane.columns:
        plane = plane.assign(repeat=0)
    return plane.dropna(subset=["i_xt"]), unit


def compression_events(
    plane: Any,
    *,
    estimator: str | None = None,
    bandwidth: float = BANDWIDTH,
    min_drop: float = MIN_DROP,
    noise_factor: float = NOISE_FACTOR,
) -> Any:
    """:func:`compression_event` of every network (repeat) and layer of a plane table.

    Args:
        plane: information-plane table (``pandas.DataFrame``, one row per (repeat, epoch, layer
            [, estimator])) with columns epoch, layer, i_xt (in the ``unit`` column's unit, bits
            by default) and optionally repeat, layer_name, estimator, unit.
        estimator: which estimator's rows (required when the table holds several).
        bandwidth: smoothing width in decades.
        min_drop: smallest rise/fall that counts (default 0.05, in the table's unit).
        noise_factor: multiple of the estimator's error a rise/fall must exceed (default 2).

    Returns:
        ``pandas.DataFrame`` with one row per (repeat, layer): repeat, layer, layer_name (if
        known), first_epoch, final_epoch, onset_epoch, end_epoch, amount, fitting, peak, final,
        threshold, noise (values in ``unit``), compresses (amount > 0), unit.

    Raises:
        InfoplaneError: for missing columns, several estimators without ``estimator``, an
            estimator not in the table, or a table mixing units.

    Shapes: the input table has shape (n_rows, n_columns); the result one row per network
    and layer (or per layer / per network, as stated under Returns).

    Notes:
        Each network is measured on its own curve; :func:`compression_summary` aggregates them.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810, Sec. 3.3.

    Example:
        >>> import pandas as pd
        >>> t = pd.DataFrame({"repeat": 0, "epoch": [0, 10, 100], "layer": 1,
        ...                   "i_xt": [5.0, 7.0, 6.5]})
        >>> compression_events(t)[["onset_epoch", "amount", "unit"]].to_numpy().tolist()
        [[10.0, 0.5, 'bits']]
    """
    import pandas as pd

    p, unit = _plane_rows(plane, estimator)
    rows = []
    for (rep, layer), sub in p.sort_values("epoch").groupby(["repeat", "layer"], sort=True):
        sub = sub.groupby("epoch", as_index=False).agg(
            i_xt=("i_xt", "mean"),
            **({"layer_name": ("layer_name", "first")} if "layer_name" in sub.columns else {}),
        )
        ep = sub["epoch"].to_numpy(dtype=float)
        ev = compression_event(
            ep,
            sub["i_xt"].to_numpy(),
            bandwidth=bandwidth,
            min_drop=min_drop,
            noise_factor=noise_factor,
        )
        row = {"repeat": int(rep), "layer": int(layer)}
        if "layer_name" in sub.columns:
            row["layer_name"] = str(sub["layer_name"].iloc[0])
        row.update(first_epoch=float(ep[0]), final_epoch=float(ep[-1]), **ev)
        rows.append(row)
    out = pd.DataFrame(rows)
    if len(out):
        out["compresses"] = out["amount"] > 0
    return out.assign(unit=unit)


def mean_ci(values: Any, level: float = 0.95) -> tuple[float, float, float]:
    """Mean of per-network values with a Student-t confidence interval over networks.

    Args:
        values: one value per network, shape (n_networks,); NaN values are dropped.
        level: confidence level in (0, 1) (default 0.95).

    Returns:
        ``(mean, low, high)`` in the unit of ``values``; the interval is NaN for fewer than two
        finite values, and all three are NaN for none.

    Raises:
        InfoplaneError: for ``level`` outside (0, 1).

    Notes:
        The t-interval assumes roughly normal per-network values; with few networks it is wide,
        as it should be.

    References:
        Student (1908). The Probable Error of a Mean. Biometrika 6(1), 1-25.

    Example:
        >>> m, lo, hi = mean_ci([1.0, 2.0, 3.0])
        >>> m, round(lo, 3), round(hi, 3)
        (2.0, -0.484, 4.484)
    """
    from scipy.special import stdtrit  # the t quantile (scipy.stats is slow to import)

    if not 0.0 < level < 1.0:
        raise InfoplaneError(f"level must be in (0, 1), e.g. 0.95; got {level!r}.")
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    if v.size == 0:
        return float("nan"), float("nan"), float("nan")
    m = float(v.mean())
    if v.size < 2:
        return m, float("nan"), float("nan")
    half = float(stdtrit(v.size - 1, 0.5 + level / 2) * v.std(ddof=1) / np.sqrt(v.size))
    return m, m - half, m + half


def compression_summary(
    plane: Any,
    *,
    estimator: str | None = None,
    bandwidth: float = BANDWIDTH,
    min_drop: float = MIN_DROP,
    noise_factor: float = NOISE_FACTOR,
    level: float = 0.95,
) -> Any:
    """Compression of each layer over networks: amount with its interval, and the onset if real.

    Args:
        plane: information-plane table (see :func:`compression_events`), one row per (repeat,
            epoch, layer[, estimator]); I(X;T) in bits by default.
        estimator: which estimator's rows (required when the table holds several).
        bandwidth: smoothing width in decades.
        min_drop: smallest rise/fall that counts (default 0.05, in the table's unit).
        noise_factor: multiple of the estimator's error a rise/fall must exceed (default 2).
        level: confidence level of the interval over networks (default 0.95).

    Returns:
        ``pandas.DataFrame``, one row per layer: layer, layer_name (if known), n_networks,
        compression (mean amount), compression_ci_low, compression_ci_high, error (median
        threshold: the estimator's error), compresses (lower bound > error; with one network,
        amount > error), onset_epoch (median over the networks that compress; NaN unless the
        layer compresses), end_epoch, share_compressing (of networks), peak_i_xt (the smoothed
        value at the onset, or the final one when higher or when the network does not
        compress), final_i_xt (means over networks of smoothed values), unit.

    Raises:
        InfoplaneError: as :func:`compression_events`.

    Shapes: the input table has shape (n_rows, n_columns); the result one row per network
    and layer (or per layer / per network, as stated under Returns).

    Notes:
        This is the one definition of compression used by ``phases.csv``, the experiments'
        per-layer tables, the report and ``infoplane claims``.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810, Sec. 3.3.
        Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.

    Example:
        >>> import pandas as pd
        >>> t = pd.DataFrame({"repeat": 0, "epoch": [0, 10, 100], "layer": 1,
        ...                   "i_xt": [5.0, 7.0, 6.5]})
        >>> s = compression_summary(t).iloc[0]
        >>> float(s["compression"]), bool(s["compresses"]), float(s["onset_epoch"])
        (0.5, True, 10.0)
    """
    import pandas as pd

    ev = compression_events(
        plane,
        estimator=estimator,
        bandwidth=bandwidth,
        min_drop=min_drop,
        noise_factor=noise_factor,
    )
    unit = str(ev["unit"].iloc[0]) if len(ev) else "bits"
    rows = []
    for layer, sub in ev.groupby("layer", sort=True):
        m, lo, hi = mean_ci(sub["amount"], level)
        err = float(np.nanmedian(sub["threshold"])) if sub["threshold"].notna().any() else np.nan
        real = bool(lo > err) if np.isfinite(lo) else bool(len(sub) == 1 and m > err)
        on = sub.loc[sub["compresses"], "onset_epoch"]
        end = sub.loc[sub["compresses"], "end_epoch"]
        row = {"layer": int(layer)}
        if "layer_name" in sub.columns:
            row["layer_name"] = str(sub["layer_name"].iloc[0])
        row.update(
            n_networks=len(sub),
            compression=m,
            compression_ci_low=lo,
            compression_ci_high=hi,
            error=err,
            compresses=real,
            onset_epoch=float(on.median()) if real and len(on) else np.nan,
            end_epoch=float(end.median()) if real and len(end) else np.nan,
            share_compressing=float(sub["compresses"].mean()),
            peak_i_xt=float(
                np.nanmean(
                    np.fmax(np.where(sub["compresses"], sub["peak"], sub["final"]), sub["final"])
                )
            ),
            final_i_xt=float(sub["final"].mean()),
        )
        rows.append(row)
    return pd.DataFrame(rows).assign(unit=unit)


def transition_epoch(
    epochs: np.ndarray,
    snr: np.ndarray,
    *,
    threshold: float = 1.0,
    bandwidth: float = BANDWIDTH,
) -> float:
    """Drift-to-diffusion transition: first epoch from which the smoothed SNR stays below threshold.

    Args:
        epochs: recorded epochs, shape (n,), increasing.
        snr: signal-to-noise ratio |mean| / std of the mini-batch gradients, shape (n,)
            (dimensionless). ``inf`` (std = 0) counts as very large.
        threshold: SNR level separating drift (above) from diffusion (below); default 1, the
            paper's crossing of the mean and std curves.
        bandwidth: smoothing width in decades (of log10 SNR; see :func:`smooth_log_epochs`).

    Returns:
        The transition epoch; NaN if the smoothed SNR is above the threshold at the last epoch
        (still drifting) or no finite value exists.

    Raises:
        InfoplaneError: for a non-positive threshold, or epochs that are not increasing.

    Notes:
        Units: the SNR is a ratio of gradient norms; the result is an epoch. Smoothing in
        log-epoch keeps a single noisy dip from being called the transition.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810, Sec. 3.4, Fig. 4.

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
    _epochs_ok(epochs)
    with np.errstate(divide="ignore"):
        log_snr = np.log10(np.clip(snr, 1e-300, 1e300))
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


def transition_events(
    gradients: Any,
    *,
    threshold: float = 1.0,
    bandwidth: float = BANDWIDTH,
    per_network: bool = True,
) -> Any:
    """:func:`transition_epoch` per network and layer, or per layer on the averaged curves.

    Args:
        gradients: gradient table (``pandas.DataFrame``, one row per (repeat, epoch, layer)) with
            columns epoch, layer, grad_mean, grad_std (norms, any unit) and optionally repeat.
        threshold: SNR level of the transition (default 1).
        bandwidth: smoothing width in decades.
        per_network: ``True``: one row per (repeat, layer); ``False``: one row per layer, on
            the geometric mean over networks of grad_mean and grad_std.

    Returns:
        ``pandas.DataFrame`` with columns (repeat,) layer, transition_epoch (NaN: still drifting).

    Raises:
        InfoplaneError: for missing columns, a bad threshold or unsorted epochs.

    Shapes: the input table has shape (n_rows, n_columns); the result one row per network
    and layer (or per layer / per network, as stated under Returns).

    Notes:
        Units: the SNR is dimensionless and the result an epoch. The averaged curve is what the
        paper's figure shows; per-network values give an interval over networks.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810, Sec. 3.4.

    Example:
        >>> import pandas as pd
        >>> ep = np.unique(np.round(np.geomspace(1, 1000, 40)).astype(int))
        >>> g = pd.DataFrame({"repeat": 0, "epoch": ep, "layer": 1,
        ...                   "grad_mean": 10.0 / ep**1.5, "grad_std": 1.0})
        >>> transition_events(g)["transition_epoch"].tolist()
        [5.0]
    """
    import pandas as pd

    require_columns(gradients, "gradients", ["epoch", "layer", "grad_mean", "grad_std"])
    g = gradients
    if "repeat" not in g.columns:
        g = g.assign(repeat=0)
    g = g.assign(
        log_mean=np.log10(g["grad_mean"].clip(lower=1e-300)),
        log_std=np.log10(g["grad_std"].clip(lower=1e-300)),
    )
    keys = ["repeat", "layer"] if per_network else ["layer"]
    avg = g.groupby([*keys, "epoch"], sort=True)[["log_mean", "log_std"]].mean()
    rows = []
    for key, sub in avg.groupby(level=keys):
        key = key if isinstance(key, tuple) else (key,)
        ep = sub.index.get_level_values("epoch").to_numpy()
        snr = 10.0 ** (sub["log_mean"].to_numpy() - sub["log_std"].to_numpy())
        t = transition_epoch(ep, snr, threshold=threshold, bandwidth=bandwidth)
        rows.append({**{k: int(v) for k, v in zip(keys, key, strict=True)}, "transition_epoch": t})
    return pd.DataFrame(rows, columns=[*keys, "transition_epoch"])


def information_convergence_epoch(
    epochs: np.ndarray,
    i_xt: np.ndarray,
    i_ty: np.ndarray,
    *,
    fraction: float = 0.95,
    bandwidth: float = BANDWIDTH,
) -> float:
    """Convergence in the information plane (the paper's measure for claim iv, Fig. 5).

    The smoothed point (I(X;T), I(T;Y)) of a layer is followed over epochs; its distance to the
    final point is d(e). Convergence is the first epoch from which d stays at or below
    (1 - ``fraction``) x max d for all later epochs: the layer has made ``fraction`` of its
    journey through the plane and stays there.

    Args:
        epochs: recorded epochs, shape (n,), increasing.
        i_xt: I(X;T) per epoch, shape (n,), in bits.
        i_ty: I(T;Y) per epoch, shape (n,), in bits.
        fraction: share of the path made, in (0, 1) (default 0.95).
        bandwidth: smoothing width in decades.

    Returns:
        The epoch (float), NaN for fewer than two finite points; the first epoch when the point
        never moves.

    Raises:
        InfoplaneError: for ``fraction`` outside (0, 1) or unsorted epochs.

    Notes:
        Shwartz-Ziv & Tishby read the convergence of the layers off the information plane
        (Fig. 5: "the layers converge" in fewer epochs with more hidden layers); they give no
        threshold, so ``fraction`` is ours. Distances are Euclidean in bits.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810, Sec. 3.5, Fig. 5.

    Example:
        >>> ep = np.arange(1, 101)
        >>> information_convergence_epoch(ep, np.minimum(ep, 10.0), np.zeros(100))  # kink at 10
        12.0
    """
    if not 0.0 < fraction < 1.0:
        raise InfoplaneError(f"fraction must be in (0, 1), e.g. 0.95; got {fraction!r}.")
    epochs = np.asarray(epochs, dtype=np.float64)
    if epochs.size < 2:
        return float("nan")
    _epochs_ok(epochs)
    xy = smooth_log_epochs(epochs, np.vstack([i_xt, i_ty]).astype(np.float64), bandwidth)
    ok = np.all(np.isfinite(xy), axis=0)
    if ok.sum() < 2:
        return float("nan")
    xy, ep = xy[:, ok], epochs[ok]
    d = np.hypot(xy[0] - xy[0, -1], xy[1] - xy[1, -1])
    level = (1.0 - fraction) * d.max() + 1e-12
    outside = np.flatnonzero(d > level)
    if outside.size == 0:
        return float(ep[0])
    return float(ep[min(outside[-1] + 1, ep.size - 1)])


def accuracy_epoch(epochs: np.ndarray, accuracy: np.ndarray, level: float = 0.9) -> float:
    """First epoch at which the training accuracy reaches ``level`` (accuracy-based convergence).

    Args:
        epochs: recorded epochs, shape (n,).
        accuracy: accuracy at those epochs, shape (n,), shares in [0, 1].
        level: the accuracy level, in [0, 1] (default 0.9).

    Returns:
        The epoch (float), NaN if never reached.

    Raises:
        InfoplaneError: for ``level`` outside [0, 1].

    Notes:
        Units: accuracy is a share, the result an epoch. The paper speaks of "training epochs
        for good generalization" (Sec. 3.5) without a level; 0.9 is ours.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810, Sec. 3.5.

    Example:
        >>> accuracy_epoch([1, 2, 3], [0.5, 0.92, 0.99]), accuracy_epoch([1, 2], [0.5, 0.6])
        (2.0, nan)
    """
    if not 0.0 <= level <= 1.0:
        raise InfoplaneError(f"level must be an accuracy in [0, 1]; got {level!r}.")
    epochs = np.asarray(epochs, dtype=np.float64)
    hit = np.flatnonzero(np.asarray(accuracy, dtype=np.float64) >= level)
    return float(epochs[hit[0]]) if hit.size else float("nan")


def loss_convergence_epoch(epochs: np.ndarray, loss: np.ndarray, fraction: float = 0.95) -> float:
    """First epoch at which the training loss has made ``fraction`` of its drop (loss-based).

    .. math:: e^* = \\min\\{e : L(e) \\le L_{min} + (1 - f)(L_0 - L_{min})\\}

    Args:
        epochs: recorded epochs, shape (n,).
        loss: training loss at those epochs, shape (n,), nats.
        fraction: share f of the drop, in (0, 1) (default 0.95).

    Returns:
        The epoch (float), NaN for an empty curve.

    Raises:
        InfoplaneError: for ``fraction`` outside (0, 1).

    Notes:
        Depends on the final loss: a deeper network that reaches a lower loss later is
        "slower" by this rule even when it is accurate earlier (the U shape of the depth
        experiment); it does not test claim iv.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810, Sec. 3.5.

    Example:
        >>> loss_convergence_epoch([1, 2, 3, 4], [1.0, 0.5, 0.1, 0.0], fraction=0.8)
        3.0
    """
    if not 0.0 < fraction < 1.0:
        raise InfoplaneError(f"fraction must be in (0, 1); got {fraction!r}.")
    v = np.asarray(loss, dtype=np.float64)
    if v.size == 0:
        return float("nan")
    level = np.nanmin(v) + (1.0 - fraction) * (v[0] - np.nanmin(v))
    return float(np.asarray(epochs, dtype=np.float64)[np.argmax(v <= level)])


def convergence_events(
    plane: Any,
    history: Any,
    *,
    estimator: str | None = None,
    layer: int | None = None,
    fraction: float = 0.95,
    accuracy: float = 0.9,
    bandwidth: float = BANDWIDTH,
) -> Any:
    """Every convergence measure of every network of a run (claim iv).

    Args:
        plane: information-plane table (repeat, epoch, layer[, estimator], i_xt, i_ty in bits),
            one row per (repeat, epoch, layer); ``None`` gives NaN information convergence.
        history: training curves (repeat, epoch, train_loss in nats, train_acc in [0, 1]), one
            row per (repeat, epoch).
        estimator: which estimator's plane rows (required when the table holds several).
        layer: which layer's path (default: the last layer, the output, present at every depth).
        fraction: share of the path (and of the loss drop) that counts as converged.
        accuracy: training-accuracy level of :func:`accuracy_epoch`.
        bandwidth: smoothing width in decades.

    Returns:
        ``pandas.DataFrame``, one row per network: repeat, info_convergence_epoch (the paper's
        measure, :func:`information_convergence_epoch`), info_convergence_censored (``True``
        when the layer settles less than one smoothing width, ``bandwidth`` decades, before the
        last epoch: it cannot be told from a layer still moving, and the epoch is a lower
        bound), accuracy_epoch,
        loss_convergence_epoch.

    Raises:
        InfoplaneError: for missing columns or bad parameters.

    Shapes: the input table has shape (n_rows, n_columns); the result one row per network
    and layer (or per layer / per network, as stated under Returns).

    Notes:
        ``info_convergence_epoch`` tests claim iv; the accuracy- and loss-based measures are
        reported beside it.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810, Sec. 3.5, Fig. 5.

    Example:
        >>> import pandas as pd
        >>> h = pd.DataFrame({"repeat": 0, "epoch": [1, 2, 3],
        ...                   "train_loss": [1.0, 0.2, 0.1], "train_acc": [0.5, 0.95, 1.0]})
        >>> convergence_events(None, h)[["repeat", "accuracy_epoch"]].to_numpy().tolist()
        [[0.0, 2.0]]
    """
    import pandas as pd

    require_columns(history, "history", ["epoch", "train_loss", "train_acc"])
    h = history if "repeat" in history.columns else history.assign(repeat=0)
    info: dict[int, float] = {}
    censored: dict[int, bool] = {}
    if plane is not None and len(plane):
        require_columns(plane, "plane", ["epoch", "layer", "i_xt", "i_ty"])
        p, _ = _plane_rows(plane, estimator)
        lay = int(p["layer"].max()) if layer is None else int(layer)
        p = p[p["layer"] == lay]
        for rep, sub in p.groupby("repeat"):
            s = sub.groupby("epoch")[["i_xt", "i_ty"]].mean().sort_index()
            ep = s.index.to_numpy()
            e = information_convergence_epoch(
                ep,
                s["i_xt"].to_numpy(),
                s["i_ty"].to_numpy(),
                fraction=fraction,
                bandwidth=bandwidth,
            )
            info[int(rep)] = e
            # Settled for less than one smoothing width before the end: it cannot be told from
            # a layer still moving at the end of the run (the epoch is only a lower bound).
            settled = np.log10(ep[-1] + 1.0) - np.log10(e + 1.0)
            censored[int(rep)] = bool(np.isfinite(e) and settled < bandwidth)
    rows = []
    for rep, sub in h.groupby("repeat"):
        s = sub.groupby("epoch")[["train_loss", "train_acc"]].mean().sort_index()
        ep = s.index.to_numpy()
        rows.append(
            {
                "repeat": int(rep),
                "info_convergence_epoch": info.get(int(rep), np.nan),
                "info_convergence_censored": censored.get(int(rep), False),
                "accuracy_epoch": accuracy_epoch(ep, s["train_acc"].to_numpy(), accuracy),
                "loss_convergence_epoch": loss_convergence_epoch(
                    ep, s["train_loss"].to_numpy(), fraction
                ),
            }
        )
    return pd.DataFrame(rows)
