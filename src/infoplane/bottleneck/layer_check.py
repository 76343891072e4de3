"""Do the layers of a network satisfy the IB equations? (Shwartz-Ziv & Tishby 2017, Sec. 5.)

For a layer T of a deterministic network evaluated on every input x, binning the activations gives a
deterministic encoder T = f(x), hence p(t) = sum_{x: f(x)=t} p(x) and, with the task's known rule
p(y|x), the decoder p(y|t) = sum_x p(x|t) p(y|x). The IB self-consistent equations say that an
optimal encoder at trade-off beta would be

    q_beta(t|x) = p(t) exp(-beta KL[p(y|x) || p(y|t)]) / Z(x, beta),

built from the layer's own p(t) and p(y|t). The check fits the beta that brings q_beta closest to the
layer's encoder in expected KL. For a deterministic encoder p(t|x) = 1[t = f(x)] that distance is

    R(beta) = E_x KL[p(.|x) || q_beta(.|x)] = E_x[-log q_beta(f(x)|x)]
            = E_x[-log p(f(x)) + beta d(x, f(x)) + log sum_t p(t) exp(-beta d(x, t))]

with d(x, t) = KL[p(y|x) || p(y|t)] in nats. R is convex in beta (a log-sum-exp of functions linear in
beta, plus a linear term), and R'(beta) = E[d(x, f(x))] - E_x E_{q_beta}[d(x, t)]: the fitted beta is
the one at which the soft IB encoder has the same expected distortion as the layer (a maximum
likelihood fit of an inverse temperature). It is found by a safeguarded Newton iteration on R' in
log beta within ``beta_bounds``. The residual R(beta*) (bits) says how far the layer is from any IB
encoder built on its own clusters; on the IB curve the slope dI(T;Y)/dI(X;T) is 1/beta*.

Edge cases: a layer with one cluster fits every beta (R = 0): beta and slope are NaN. If every x sits
in the cluster of least distortion, R decreases towards 0 as beta -> inf and the fit stops at the upper
bound (``beta_at_limit`` is True).

References:
    1. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
       Information. arXiv 1703.00810.
    2. Tishby, N., Pereira, F. C., Bialek, W. (1999). The Information Bottleneck Method. arXiv
       physics/0004057.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np
import torch

from infoplane._validation import check_finite
from infoplane.bottleneck._engine import LOG_FLOOR, threads_for
from infoplane.bottleneck.distributions import as_joint_distribution
from infoplane.estimators.binning import bin_edges_grid, discretize, resolve_bins, row_keys
from infoplane.interface import LN2, InfoplaneError


def _fit_beta(
    d: torch.Tensor,
    f: torch.Tensor,
    log_p_t: torch.Tensor,
    p_x: torch.Tensor,
    bounds: tuple[float, float],
    start: float | None = None,
) -> tuple[float, float, bool]:
    """Minimise R(beta) over [bounds]; returns (beta, R in nats, at_limit).

    Safeguarded Newton on R'(beta) = 0 (R''(beta) = E_x Var_q[d] >= 0), bracketing in log beta.
    """
    d_f = d.gather(1, f[:, None])[:, 0]
    e_df = float(p_x @ d_f)
    base = float(p_x @ (-log_p_t[f]))
    d2 = d * d
    buf = torch.empty_like(d)

    def evaluate(beta: float) -> tuple[float, float, float]:
        torch.add(log_p_t[None, :], d, alpha=-beta, out=buf)
        m = buf.amax(dim=1)
        buf.sub_(m[:, None]).exp_()
        z = buf.sum(1)
        e1 = torch.bmm(buf[:, None, :], d[:, :, None])[:, 0, 0] / z
        e2 = torch.bmm(buf[:, None, :], d2[:, :, None])[:, 0, 0] / z
        r = base + beta * e_df + float(p_x @ (m + torch.log(z)))
        return r, e_df - float(p_x @ e1), max(float(p_x @ (e2 - e1 * e1)), 0.0)

    lo, hi = np.log(bounds[0]), np.log(bounds[1])
    s = float(np.clip(np.log(start), lo, hi)) if start else 0.5 * (lo + hi)
    have_lo = have_hi = False
    r = float("nan")
    for _ in range(100):
        beta = float(np.exp(s))
        r, g, h = evaluate(beta)
        if g > 0:
            hi, have_hi = s, True
        else:
            lo, have_lo = s, True
        if hi - lo < 1e-7:
            break
        # Newton step on R'(beta) = 0 taken in beta; otherwise bisect (or expand) in log beta.
        s_new = np.log(beta - g / h) if h > 0 and beta - g / h > 0 else np.nan
        if not (np.isfinite(s_new) and lo < s_new < hi):
            if not have_hi:
                s_new = min(s + 2.0, hi) if s < hi else hi
            elif not have_lo:
                s_new = max(s - 2.0, lo) if s > lo else lo
            else:
                s_new = 0.5 * (lo + hi)
        if abs(s_new - s) < 1e-7:
            s = s_new
            break
        if s_new == s:  # pinned at a bound
            return beta, r, True
        s = s_new
    beta = float(np.exp(s))
    at_limit = (not have_hi and s >= np.log(bounds[1]) - 1e-9) or (
        not have_lo and s <= np.log(bounds[0]) + 1e-9
    )
    r, _, _ = evaluate(beta)
    return beta, r, bool(at_limit)


def layer_check(
    activations: Any,
    p_y_given_x: Any,
    *,
    p_x: Any = None,
    n_bins: int | None = None,
    range: tuple[float, float] = (-1.0, 1.0),
    bin_width: float | None = None,
    epochs: Any = None,
    beta_bounds: tuple[float, float] = (1e-3, 1e7),
    bound: Any = None,
) -> Any:
    """Fit, per epoch, the IB trade-off beta that best explains one layer's binned encoder.

    Args:
        activations: one layer of one network on all inputs, shape (n_epochs, n_samples, n_units)
            (or (n_samples, n_units) for one epoch); sample i is input x_i.
        p_y_given_x: the task's rule, shape (n_samples, n_y), column k = p(y=k|x) (the 12-bit task:
            :func:`infoplane.data.twelve_bit.twelve_bit_p_y_given_x`).
        p_x: p(x), shape (n_samples,); default uniform.
        n_bins: equal-width bins on ``range``; default ``None``: 30 (IDNNs: 30 on [-1, 1]), or
            none when ``bin_width`` is given (giving both is an error).
        range: (low, high) of the bins. For ``"data"``-style ranges pass the explicit (min, max).
        bin_width: fixed bin width anchored at 0 (Saxe et al. 2018), instead of ``n_bins``.
        epochs: epoch numbers, shape (n_epochs,), for the ``epoch`` column; default 0..n_epochs-1.
        beta_bounds: (low, high) search interval of beta.
        bound: optional IB curve (:class:`~infoplane.bottleneck.IBCurve` or a DataFrame with
            ``beta, i_xt, i_ty``); adds the bound's ``bound_i_ty`` and slope ``bound_slope`` (its
            1/beta) at the layer's I(X;T), interpolated along the monotone envelope.

    Returns:
        pandas DataFrame, one row per epoch, columns ``epoch``, ``beta`` (fitted, KL in nats),
        ``residual`` (expected KL between the layer's encoder and the fitted IB encoder, bits),
        ``slope`` (1/beta, the IB curve's dI(T;Y)/dI(X;T) at that beta), ``i_xt`` and ``i_ty`` (bits;
        I(T;Y) under ``p_y_given_x``), ``n_clusters``, ``beta_at_limit``; plus ``bound_i_ty`` and
        ``bound_slope`` with ``bound``.

    Raises:
        InfoplaneError: for activations of the wrong shape or with NaN/Inf, a ``p_y_given_x`` whose
            rows do not sum to 1 or whose length differs from n_samples, bad binning settings, or bad
            ``beta_bounds``/``epochs``.

    Notes:
        Binning turns the deterministic network into a deterministic encoder; the fitted beta depends
        on the bin size (finer bins, more clusters, larger beta). The IB encoder is soft, so the
        residual is zero only in the limits (one cluster, or beta -> inf with every x in its
        least-distortion cluster). The fit uses the layer's own p(t) and p(y|t), so it tests the
        self-consistency of the layer, not its distance from the optimal curve (``bound`` gives that).
        Clusters with (nearly) equal decoders p(y|t) are indistinguishable to the IB encoder, which
        spreads over them; a layer with many such clusters (thousands of binned states, each a few
        inputs) keeps a residual of several bits at any beta. Compare residuals across epochs and
        layers rather than against 0. Cost: O(n_samples x n_clusters) per evaluation, about 5-15
        evaluations per epoch (the previous epoch's beta is the warm start); about 0.5 s per epoch
        of a 12-bit layer with ~4000 binned states on one core.

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810.

    Example:
        >>> import numpy as np
        >>> pyx = np.array([[0.9, 0.1], [0.8, 0.2], [0.2, 0.8], [0.1, 0.9]])
        >>> t = np.array([[[-0.5], [-0.5], [0.5], [0.5]]])      # one epoch, two clusters
        >>> df = layer_check(t, pyx, n_bins=2)
        >>> float(df.i_xt[0]), bool(df.beta[0] > 0)
        (1.0, True)
    """
    import pandas as pd

    t = np.asarray(activations, dtype=np.float64)
    if t.ndim == 2:
        t = t[None]
    if t.ndim != 3:
        raise InfoplaneError(
            f"activations must have shape (n_epochs, n_samples, n_units); got {t.shape}. Flatten the "
            "unit axes of a convolutional layer first."
        )
    check_finite(t, "activations")
    n_ep, n = t.shape[0], t.shape[1]
    pyx = np.asarray(p_y_given_x, dtype=np.float64)
    if pyx.ndim != 2 or pyx.shape[0] != n:
        raise InfoplaneError(
            f"p_y_given_x must have shape (n_samples={n}, n_y); got {pyx.shape}. Row i is p(y|x_i)."
        )
    dist = as_joint_distribution(p_y_given_x=pyx, p_x=p_x)
    if dist.n_x != n:
        raise InfoplaneError("p_x must be > 0 for every sample in the layer check.")
    lo_b, hi_b = (float(v) for v in beta_bounds)
    if not (np.isfinite(lo_b) and np.isfinite(hi_b) and 0 < lo_b < hi_b):
        raise InfoplaneError(f"beta_bounds must be 0 < low < high, finite; got {beta_bounds}.")
    ep = np.arange(n_ep) if epochs is None else np.asarray(epochs).ravel()
    if ep.shape[0] != n_ep:
        raise InfoplaneError(f"epochs has {ep.shape[0]} entries but activations has {n_ep} epochs.")
    n_bins, bin_width = resolve_bins(n_bins, bin_width, n_bins_given=n_bins is not None)
    anchor, width = bin_edges_grid(n_bins=n_bins, bin_width=bin_width, value_range=range, data=t)
    upper = anchor + width * int(n_bins) if n_bins is not None else None
    keys = row_keys(discretize(t, anchor, width, upper=upper))  # (n_epochs, n_samples)

    px = torch.as_tensor(dist.p_x)
    pyx_t = torch.as_tensor(dist.p_y_given_x)
    neg_h = torch.special.xlogy(pyx_t, pyx_t).sum(1)
    p_y = px @ pyx_t
    h_y = float(-torch.special.xlogy(p_y, p_y).sum())
    rows = []
    start: float | None = None  # warm start: the previous epoch's beta
    for e in builtins.range(n_ep):  # loop over epochs; each is vectorised over inputs
        _, inv = np.unique(keys[e], return_inverse=True)
        f = torch.as_tensor(inv.ravel(), dtype=torch.long)
        n_t = int(f.max()) + 1
        p_t = torch.zeros(n_t, dtype=torch.float64).index_add_(0, f, px)
        num = torch.zeros(n_t, pyx_t.shape[1], dtype=torch.float64).index_add_(
            0, f, px[:, None] * pyx_t
        )
        pyt = num / p_t[:, None]
        h_t = float(-torch.special.xlogy(p_t, p_t).sum())
        i_ty = max(h_y + float(p_t @ torch.special.xlogy(pyt, pyt).sum(1)), 0.0)
        if n_t == 1:
            beta, r, at_limit = float("nan"), 0.0, False
        else:
            with threads_for(n * n_t):
                d = (neg_h[:, None] - pyx_t @ torch.log(pyt).clamp_min(LOG_FLOOR).T).clamp_min(0.0)
                beta, r, at_limit = _fit_beta(d, f, torch.log(p_t), px, (lo_b, hi_b), start)
                start = beta
        rows.append(
            {
                "epoch": ep[e],
                "beta": beta,
                "residual": max(r, 0.0) / LN2,
                "slope": 1.0 / beta if np.isfinite(beta) else float("nan"),
                "i_xt": h_t / LN2,
                "i_ty": i_ty / LN2,
                "n_clusters": n_t,
                "beta_at_limit": at_limit,
            }
        )
    df = pd.DataFrame(rows)
    if bound is not None:
        env = _envelope_frame(bound)
        df["bound_i_ty"] = np.interp(df["i_xt"], env["i_xt"], env["i_ty"])
        slope = 1.0 / env["beta"].to_numpy()
        df["bound_slope"] = np.interp(df["i_xt"], env["i_xt"], slope)
    return df


def _envelope_frame(bound: Any) -> Any:
    import pandas as pd

    from infoplane.bottleneck.curve import IBCurve, monotone_envelope_mask

    frame = bound.to_frame() if isinstance(bound, IBCurve) else pd.DataFrame(bound)
    missing = {"beta", "i_xt", "i_ty"} - set(frame.columns)
    if missing:
        raise InfoplaneError(f"bound needs columns beta, i_xt, i_ty; missing {sorted(missing)}.")
    keep = monotone_envelope_mask(frame["i_xt"].to_numpy(), frame["i_ty"].to_numpy())
    return frame[keep].sort_values("i_xt")
