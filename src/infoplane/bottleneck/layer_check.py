"""Do a network's layers satisfy the IB self-consistent equations? (Shwartz-Ziv & Tishby 2017.)

Claim (iii) of Shwartz-Ziv & Tishby (2017, arXiv 1703.00810) says that the maps X -> T and T -> Y of
converged layers satisfy the IB self-consistent equations (Tishby, Pereira & Bialek 1999, arXiv
physics/0004057, eq. 28):

    p(t|x) = p(t) exp(-beta d(x, t)) / Z(x, beta),   d(x, t) = KL[p(y|x) || p(y|t)]  (nats),

with the encoder's own p(t) = sum_x p(x) p(t|x) and decoder p(y|t) = sum_x p(y|x) p(x|t).

**Soft encoders** (e.g. a solution of the iterative IB): the check fits beta by minimising the
expected KL between the encoder and the IB encoder q_beta built from its own p(t), p(y|t),

    S(beta) = E_x KL[p(.|x) || q_beta(.|x)],

which is convex in beta (a log-sum-exp of affine functions plus an affine term); safeguarded Newton
in log beta. At a fixed point of the IB at beta, S(beta) = 0.

**Hard encoders** (a binned deterministic layer, T = f(x)) cannot satisfy eq. 28 at any finite beta,
whose encoders are soft. This is why the former check, which fitted beta to S for hard partitions,
pinned beta at its upper bound (1e7) on real layers: when every x sits in its least-distortion
cluster -- always so for a singleton cluster, whose decoder is p(y|x) itself, d = 0 -- S decreases
monotonically towards its beta -> infinity limit, so the maximum-likelihood beta runs to the bound;
the residual left there (2.4-10.9 bits) measured only near-tied decoders (the 4096 inputs of the
12-bit rule have distinct p(y|x) about 1e-4 apart, KL ~1e-8 nats, separated only for beta >~ 1e8),
and its "slope" 1/beta was the cap, not the layer. Two sound readings replace it:

- the beta -> infinity limit of eq. 28: every x must sit in a cluster of least distortion,
  f(x) in argmin_t d(x, t); ``not_argmin`` is the p(x)-mass of the inputs that do not, and
  ``residual`` = E_x[d(x, f(x)) - min_t d(x, t)] (bits) is the relevant information (as KL) the
  partition loses by not placing each input with its closest decoder;
- the self-consistent equation of a *deterministic* encoder at finite beta, the deterministic IB
  (Strouse & Schwab 2017, arXiv 1604.00268, the alpha = 0 limit of the generalised IB):

      f(x) = argmax_t [log p(t) - beta d(x, t)].

  For each input the betas at which its cluster wins form an interval, in closed form (each rival t
  gives one linear inequality in beta); the beta covered by the most input mass is found exactly by
  one sort of the interval ends. ``inconsistent`` is the mass not covered at that beta (0 when the
  partition is a deterministic-IB fixed point, with ``beta_low`` <= beta <= ``beta_high``).

Scale of beta: near-injective layers (T ~ X) give beta_low of 1e8-1e12. There the IB curve is flat
(slope 1/beta ~ 0) and the value is set by near-tied decoders (KL differences of ~1e-12 nats, at
the edge of float64 resolution) and by the 0.1% ripple of the ``all.mat`` p(x): read any beta
above ~1e6 as "the beta -> infinity end of the curve", not as a measured number.

Null behaviour (tests): the soft ``residual`` reads < 1e-8 bits on fixed points of the iterative IB
(with the solver's beta); ``inconsistent`` reads 0 on fixed points of the deterministic IB (its
interval holds the solver's beta); ``not_argmin`` and the hard ``residual`` read 0 on partitions
that put every input with its closest decoder; on random partitions into 8 clusters
``inconsistent`` and ``not_argmin`` read 0.7-0.9.

References:
    1. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
       Information. arXiv 1703.00810.
    2. Tishby, N., Pereira, F. C., Bialek, W. (1999). The Information Bottleneck Method. arXiv
       physics/0004057, eq. 28.
    3. Strouse, D. J., Schwab, D. J. (2017). The Deterministic Information Bottleneck. Neural
       Computation 29(6). arXiv 1604.00268.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from infoplane.bottleneck._engine import LOG_FLOOR, threads_for
from infoplane.bottleneck.distance import (
    _as_layers,
    _binned_keys,
    _joint,
    dense_labels,
    distance_to_bound,
)
from infoplane.interface import LN2, InfoplaneError

#: Distortions closer than this (nats) count as tied.
TIE_TOL = 1e-12
#: Entries of the (inputs x clusters) block processed at once.
_BLOCK = 1 << 21
#: Binary y: windows of nearest decoders checked on each side of p(y=1|x), largest clusters.
_WINDOWS, _TOP = (16, 256), 16


def _decoders(p_t: torch.Tensor, p_ty: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    log_pyt = torch.log(p_ty / p_t[:, None]).clamp_min(LOG_FLOOR)
    return torch.log(p_t), log_pyt


def _intervals(delta: torch.Tensor, g: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """Per-input deterministic-IB intervals [lo, hi] of beta, infeasible flags, excess distortion.

    Rival t of input x (delta = d(x, t) - d(x, f(x)), g = log p(t) - log p(f(x)), shapes (r, c))
    loses to f(x) iff g - beta delta <= 0: beta >= g / delta if delta > 0, beta <= g / delta if
    delta < 0, and g <= 0 if tied.
    """
    pos, neg = delta > TIE_TOL, delta < -TIE_TOL
    ratio = g / delta
    lo = torch.where(pos, ratio, -torch.inf).amax(1).clamp_min(0.0)
    hi = torch.where(neg, ratio, torch.inf).amin(1)
    bad = (~pos & ~neg & (g > TIE_TOL)).any(1)
    exc = torch.where(neg, -delta, 0.0).amax(1)  # d(x, f(x)) - min_t d(x, t)
    return lo, hi, bad, exc


@dataclass
class _Partition:
    """One hard partition's tables (torch float64, nats), shared by the passes of :func:`_hard`."""

    f: torch.Tensor  # (n_x,) cluster of each input
    lp: torch.Tensor  # (n_t,) log p(t)
    log_pyt: torch.Tensor  # (n_t, n_y) log p(y|t)
    pyx: torch.Tensor  # (n_x, n_y)
    neg_h: torch.Tensor  # (n_x,) sum_y p(y|x) log p(y|x)
    d_f: torch.Tensor  # (n_x,) d(x, f(x))
    order: torch.Tensor | None = None  # clusters sorted by p(y=1|t) (binary y)
    pos: torch.Tensor | None = None  # (n_x,) first sorted decoder >= p(y=1|x)
    by_size: torch.Tensor | None = None  # clusters by decreasing p(t)

    def delta(self, rows: torch.Tensor, cand: torch.Tensor) -> torch.Tensor:
        """Binary y: d(x, t) - d(x, f(x)) for rows (r,) and candidate clusters (r, c)."""
        # sum_y p(y|x) log p(y|t) = log p(0|t) + p(1|x) [log p(1|t) - log p(0|t)]
        l0 = self.log_pyt[:, 0]
        dot = torch.addcmul(l0[cand], self.pyx[rows, 1:], (self.log_pyt[:, 1] - l0)[cand])
        return (self.neg_h[rows] - self.d_f[rows])[:, None] - dot

    def window(self, rows: torch.Tensor, k: int, m: int) -> tuple[torch.Tensor, ...]:
        """Binary y: candidates (the k nearest decoders on each side, the m largest clusters).

        Returns delta and g (r, 2k + m) over the candidates (a missing one: delta inf, g 0), and
        the bounds every other cluster obeys: delta >= d_far and g <= g_far (r,).
        """
        assert self.order is not None and self.pos is not None and self.by_size is not None
        n_t = self.lp.shape[0]
        pos = self.pos[rows]
        steps = torch.arange(1, k + 1)
        idx = torch.cat([pos[:, None] - steps, pos[:, None] + steps - 1], 1)
        ok = (idx >= 0) & (idx < n_t)
        near = torch.where(ok, self.order[idx.clamp(0, n_t - 1)], -1)
        cand = torch.cat([near, self.by_size[:m].expand(len(rows), -1)], 1)
        valid = cand >= 0
        c = cand.clamp_min(0)
        g_f = self.lp[self.f[rows]]
        delta = torch.where(valid, self.delta(rows, c), torch.inf)
        g = torch.where(valid, self.lp[c] - g_f[:, None], 0.0)
        out_idx = torch.stack([pos - k - 1, pos + k], 1)
        ok_out = (out_idx >= 0) & (out_idx < n_t)
        outside = self.order[out_idx.clamp(0, n_t - 1)]
        d_out = torch.where(ok_out, self.delta(rows, outside), torch.inf)
        lp_rest = float(self.lp[self.by_size[m]]) if n_t > m else -float("inf")
        return delta, g, d_out.amin(1), lp_rest - g_f

    def dense(self, rows: np.ndarray) -> Any:
        """Yield (row indices, delta, g) blocks of the rows against every cluster."""
        n_t = self.lp.shape[0]
        step = max(1, _BLOCK // n_t)
        for s in builtins.range(0, len(rows), step):
            r = torch.as_tensor(rows[s : s + step])
            # delta = (neg_h - d_f) - p(y|x) . log p(y|t), one addmm
            delta = torch.addmm(
                (self.neg_h[r] - self.d_f[r])[:, None], self.pyx[r], self.log_pyt.T, alpha=-1.0
            )
            yield r, delta, self.lp[None, :] - self.lp[self.f[r]][:, None]


def _hard(
    f: torch.Tensor, n_t: int, px: torch.Tensor, pyx: torch.Tensor, neg_h: torch.Tensor
) -> dict[str, float]:
    """Deterministic-IB consistency of one partition f (n_x,) with n_t clusters (see module).

    Exact. With a binary y the decoders are points on [0, 1] and KL[p(y|x) || p(y|t)] grows with
    the distance of p(y=1|t) from p(y=1|x) on either side, so each input is first checked against
    its k nearest decoders on each side and the largest clusters (windows of k = 16, then 256);
    every other cluster has delta >= that of the first decoder left out and log p(t) <= that of
    the largest cluster left out, which bounds its effect. Inputs the bounds do not settle are
    checked against every cluster (an (inputs x clusters) pass).
    """
    n = f.shape[0]
    p_t = torch.zeros(n_t, dtype=torch.float64).index_add_(0, f, px)
    p_ty = torch.zeros(n_t, pyx.shape[1], dtype=torch.float64).index_add_(0, f, px[:, None] * pyx)
    lp, log_pyt = _decoders(p_t, p_ty)
    d_f = (neg_h - (pyx * log_pyt[f]).sum(1)).clamp_min(0.0)
    pt = _Partition(f=f, lp=lp, log_pyt=log_pyt, pyx=pyx, neg_h=neg_h, d_f=d_f)
    windows = [k for k in _WINDOWS if pyx.shape[1] == 2 and n_t > 4 * (2 * k + _TOP)]
    if windows:
        pt.order = torch.argsort(p_ty[:, 1] / p_t)
        pt.pos = torch.searchsorted((p_ty[:, 1] / p_t)[pt.order], pyx[:, 1].contiguous())
        pt.by_size = torch.argsort(lp, descending=True)
    lo = torch.zeros(n, dtype=torch.float64)
    hi = torch.zeros(n, dtype=torch.float64)
    bad = torch.zeros(n, dtype=torch.bool)
    exc = torch.zeros(n, dtype=torch.float64)
    todo = torch.arange(n)
    for k in windows:
        delta, g, d_far, g_far = pt.window(todo, k, _TOP)
        lo_w, hi_w, bad_w, exc_w = _intervals(delta, g)
        far_lo = torch.where(g_far > 0, g_far / d_far, torch.zeros_like(d_far))
        # settled: an empty interval stays empty when more rivals are checked; otherwise every
        # rival left out must be too far (delta >= d_far > 0) to change lo, hi or the flags. The
        # closest decoder is always in the window, so exc is exact either way.
        sure = bad_w | (hi_w <= 0) | (lo_w > hi_w) | ((d_far > TIE_TOL) & (lo_w >= far_lo))
        r = todo[sure]
        lo[r], hi[r], bad[r], exc[r] = lo_w[sure], hi_w[sure], bad_w[sure], exc_w[sure]
        todo = todo[~sure]
    for r, delta, g in pt.dense(todo.numpy()):
        lo[r], hi[r], bad[r], exc[r] = _intervals(delta, g)
    ok = ~bad & (lo <= hi) & (hi > 0)  # beta = 0 (every partition of equal sizes) excluded
    beta, b_lo, b_hi, covered = _best_beta(lo[ok], hi[ok], px[ok])
    return {
        "beta": beta,
        "beta_low": b_lo,
        "beta_high": b_hi,
        "residual": float(px @ exc) / LN2,
        "inconsistent": max(0.0, 1.0 - covered),
        "not_argmin": float(px[exc > TIE_TOL].sum()),
        "n_clusters": n_t,
        "at_limit": False,
    }


def _best_beta(
    lo: torch.Tensor, hi: torch.Tensor, w: torch.Tensor
) -> tuple[float, float, float, float]:
    """The beta covered by the most weight of the closed intervals [lo, hi] (one sort)."""
    if lo.numel() == 0:
        return float("nan"), float("nan"), float("nan"), 0.0
    v = torch.cat([lo, hi]).numpy()
    kind = np.concatenate([np.zeros(lo.numel()), np.ones(hi.numel())])  # starts before ends
    wt = torch.cat([w, -w]).numpy()
    order = np.lexsort((kind, v))
    cover = np.cumsum(wt[order])
    k = int(np.argmax(cover))
    b_lo = float(v[order][k])
    b_hi = float(v[order][k + 1]) if k + 1 < len(v) else float("inf")
    if np.isinf(b_hi):
        beta = b_lo if b_lo > 0 else 1.0
    elif b_lo > 0:
        beta = float(np.sqrt(b_lo * b_hi))
    else:
        beta = 0.5 * b_hi
    return beta, b_lo, b_hi, float(cover[k])


def _soft(
    enc: torch.Tensor,
    px: torch.Tensor,
    pyx: torch.Tensor,
    neg_h: torch.Tensor,
    bounds: tuple[float, float],
) -> dict[str, float]:
    """Fit beta of eq. 28 to a soft encoder (n_x, n_t) by safeguarded Newton (see module)."""
    enc = enc[:, (px @ enc) > 0]
    p_t = px @ enc
    p_ty = enc.T @ (px[:, None] * pyx)
    lp, log_pyt = _decoders(p_t, p_ty)
    d = (neg_h[:, None] - pyx @ log_pyt.T).clamp_min(0.0)  # (n_x, n_t)
    # S(beta) = base + beta E[d] + E_x log sum_t p(t) exp(-beta d(x, t))
    base = float(px @ (torch.special.xlogy(enc, enc) - enc * lp[None, :]).sum(1))
    e_d = float(px @ (enc * d).sum(1))
    buf = torch.empty_like(d)

    def evaluate(beta: float) -> tuple[float, float, float]:
        torch.add(lp[None, :], d, alpha=-beta, out=buf)
        m = buf.amax(dim=1)
        buf.sub_(m[:, None]).exp_()
        z = buf.sum(1)
        e1 = (buf * d).sum(1) / z
        e2 = (buf * d * d).sum(1) / z
        r = base + beta * e_d + float(px @ (m + torch.log(z)))
        return r, e_d - float(px @ e1), max(float(px @ (e2 - e1 * e1)), 0.0)

    lo, hi = np.log(bounds[0]), np.log(bounds[1])
    s = 0.5 * (lo + hi)
    have_lo = have_hi = False
    for _ in builtins.range(200):
        beta = float(np.exp(s))
        _, g, h = evaluate(beta)
        if g > 0:
            hi, have_hi = s, True
        else:
            lo, have_lo = s, True
        if hi - lo < 1e-10:
            break
        s_new = np.log(beta - g / h) if h > 0 and beta - g / h > 0 else np.nan
        if not (np.isfinite(s_new) and lo < s_new < hi):
            if not have_hi:
                s_new = min(s + 2.0, hi)
            elif not have_lo:
                s_new = max(s - 2.0, lo)
            else:
                s_new = 0.5 * (lo + hi)
        if abs(s_new - s) < 1e-12:
            s = s_new
            break
        s = s_new
    beta = float(np.exp(s))
    at_limit = (not have_hi and s >= np.log(bounds[1]) - 1e-9) or (
        not have_lo and s <= np.log(bounds[0]) + 1e-9
    )
    r, _, _ = evaluate(beta)
    return {
        "beta": beta,
        "beta_low": float("nan"),
        "beta_high": float("nan"),
        "residual": max(r, 0.0) / LN2,
        "inconsistent": float("nan"),
        "not_argmin": float("nan"),
        "n_clusters": int(enc.shape[1]),
        "at_limit": bool(at_limit),
    }


def self_consistency(
    encoder: Any,
    p_y_given_x: Any,
    *,
    p_x: Any = None,
    beta_bounds: tuple[float, float] = (1e-3, 1e9),
) -> Any:
    """How far encoders are from satisfying the IB self-consistent equations, with the best beta.

    Args:
        encoder: either hard partitions, integer cluster ids of shape (..., n_x) (entry i is the
            cluster f(x_i) of input i; leading axes are batch axes, e.g. (n_repeats, n_epochs)),
            or soft encoders p(t|x), float arrays of shape (n_x, n_t) or (..., n_x, n_t) with rows
            summing to 1 (e.g. ``IBSolution.encoder``).
        p_y_given_x: the rule p(y|x), shape (n_x, n_y), rows summing to 1.
        p_x: p(x), shape (n_x,); default uniform.
        beta_bounds: (low, high) search interval of beta for soft encoders (default (1e-3, 1e9)).

    Returns:
        pandas DataFrame, one row per encoder (leading axes flattened in C order), columns:
        ``kind`` (``"hard"``/``"soft"``), ``beta`` (KL in nats; hard: inside the best interval;
        soft: the minimiser of S), ``beta_low``, ``beta_high`` (hard: the interval of beta covered
        by the most input mass; NaN for soft), ``residual`` (bits; hard: the excess distortion
        E_x[d(x, f(x)) - min_t d(x, t)], the residual of eq. 28 as beta -> infinity; soft:
        S(beta) = E_x KL[p(t|x) || q_beta(t|x)] at the fitted beta), ``inconsistent``
        (hard: p(x)-mass whose cluster is not the deterministic-IB choice at the best beta),
        ``not_argmin`` (hard: mass not in a least-distortion cluster, the beta -> infinity limit
        of eq. 28), ``n_clusters``, ``at_limit`` (soft: beta stopped at a bound) and ``unit``.

    Raises:
        InfoplaneError: for an encoder of the wrong shape, dtype or with negative entries, a
            ``p_y_given_x`` of the wrong length or not a conditional distribution, or bad
            ``beta_bounds``.

    Notes:
        See the module docstring for the equations and why a hard partition needs the
        deterministic form. Hard partitions cost O(n_x x n_clusters) in two passes (torch,
        blocks of 2M entries), with no search: the consistent interval is in closed form and the
        best beta comes from one sort. Distortions within 1e-12 nats are ties; an input tied with
        a larger cluster is inconsistent at every beta (the deterministic IB merges such clusters).
        The soft fit is the former check's Newton iteration applied to a soft encoder.

    References:
        1. Tishby, N., Pereira, F. C., Bialek, W. (1999). The Information Bottleneck Method.
           arXiv physics/0004057, eq. 28.
        2. Strouse, D. J., Schwab, D. J. (2017). The Deterministic Information Bottleneck.
           Neural Computation 29(6). arXiv 1604.00268.
        3. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
           Information. arXiv 1703.00810, claim (iii).

    Example:
        >>> pyx = np.array([[0.9, 0.1], [0.8, 0.2], [0.2, 0.8], [0.1, 0.9]])
        >>> df = self_consistency(np.array([[0, 0, 1, 1], [0, 1, 0, 1]]), pyx)
        >>> df.inconsistent.round(3).tolist(), df.not_argmin.round(3).tolist()
        ([0.0, 0.5], [0.0, 0.5])
    """
    import pandas as pd

    enc = np.asarray(encoder)
    hard = np.issubdtype(enc.dtype, np.integer)
    if hard and enc.ndim < 1:
        raise InfoplaneError("encoder must have shape (..., n_x) of cluster ids.")
    if not hard:
        enc = enc.astype(np.float64)
        if enc.ndim < 2 or not np.isfinite(enc).all() or (enc < 0).any():
            raise InfoplaneError(
                f"encoder must be cluster ids (integers, shape (..., n_x)) or p(t|x) (floats >= 0, "
                f"shape (..., n_x, n_t)); got dtype {enc.dtype}, shape {enc.shape}."
            )
    n_x = enc.shape[-1] if hard else enc.shape[-2]
    px_np, pyx_np = _joint(p_y_given_x, p_x, n_x)
    lo_b, hi_b = (float(v) for v in beta_bounds)
    if not (np.isfinite(lo_b) and np.isfinite(hi_b) and 0 < lo_b < hi_b):
        raise InfoplaneError(f"beta_bounds must be 0 < low < high, finite; got {beta_bounds}.")
    px, pyx = torch.as_tensor(px_np), torch.as_tensor(pyx_np)
    neg_h = torch.special.xlogy(pyx, pyx).sum(1)
    rows = []
    if hard:
        labels, n_t = dense_labels(enc.reshape(-1, n_x))
        for i in builtins.range(labels.shape[0]):
            with threads_for(n_x * int(n_t[i])):
                f = torch.as_tensor(labels[i])
                rows.append({"kind": "hard", **_hard(f, int(n_t[i]), px, pyx, neg_h)})
    else:
        flat = enc.reshape(-1, n_x, enc.shape[-1])
        sums = flat.sum(-1)
        if not np.allclose(sums, 1.0, atol=1e-8):
            raise InfoplaneError("encoder rows p(t|x) must sum to 1 over t (the last axis).")
        for i in builtins.range(flat.shape[0]):
            q = torch.as_tensor(flat[i] / sums[i][:, None])
            with threads_for(q.numel()):
                rows.append({"kind": "soft", **_soft(q, px, pyx, neg_h, (lo_b, hi_b))})
    return pd.DataFrame(rows).assign(unit="bits")


def layer_check(
    activations: Any,
    p_y_given_x: Any,
    *,
    p_x: Any = None,
    n_bins: int | None = None,
    range: tuple[float, float] | str = (-1.0, 1.0),
    bin_width: float | None = None,
    epochs: Any = None,
    bound: Any = None,
) -> Any:
    """Claim (iii) for one layer: distance from the IB bound and the IB self-consistency, per epoch.

    Args:
        activations: one layer on all inputs, shape (n_repeats, n_epochs, n_samples, n_units) or
            (n_epochs, n_samples, n_units) (or (n_samples, n_units) for one epoch); sample i is
            input x_i.
        p_y_given_x: the task's rule, shape (n_samples, n_y), column k = p(y=k|x) (the 12-bit
            task: :func:`infoplane.data.twelve_bit.twelve_bit_p_y_given_x`, the soft rule).
        p_x: p(x), shape (n_samples,); default uniform.
        n_bins: equal-width bins on ``range``; default ``None``: 30 (IDNNs: 30 on [-1, 1]), or
            none when ``bin_width`` is given (giving both is an error).
        range: (low, high) of the bins, or ``"data"`` (the layer's min and max).
        bin_width: fixed bin width anchored at 0 (Saxe et al. 2018), instead of ``n_bins``.
        epochs: epoch numbers, shape (n_epochs,), for the ``epoch`` column; default 0..n_epochs-1.
        bound: the IB curve of the same joint (see :func:`~infoplane.bottleneck.distance_to_bound`;
            default: the shipped 12-bit bound for the 12-bit rule, else traced).

    Returns:
        pandas DataFrame, one row per (repeat, epoch): the columns of
        ``distance_to_bound(...).rows`` (``repeat, epoch, i_xt, i_ty, bound_i_ty, distance,
        excess_i_xt, n_clusters, above_bound``; bits, I(T;Y) under ``p_y_given_x``) and of
        :func:`self_consistency` for the binned partition (``beta, beta_low, beta_high,
        residual, inconsistent, not_argmin``), and ``unit``.

    Raises:
        InfoplaneError: for activations of the wrong shape or with NaN/Inf, a ``p_y_given_x``
            whose length differs from n_samples, bad binning settings, a ``bound`` of another
            joint, or bad ``epochs``.

    Notes:
        Binning turns the deterministic network into a partition of the inputs, so everything is
        exact for the given joint and bins; finer bins give more clusters. Cost: no search; with a binary
        y, windows of nearest decoders settle most inputs, so an epoch of a 12-bit layer with
        ~4000 binned states takes ~0.1 s on one core (the former beta fit: 5-20 s; 120x over the
        layers of the default run, ``benchmarks/bound.py --layer-check``).

    References:
        1. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
           Information. arXiv 1703.00810, claim (iii).
        2. Strouse, D. J., Schwab, D. J. (2017). The Deterministic Information Bottleneck.
           arXiv 1604.00268.

    Example:
        >>> import pandas as pd
        >>> pyx = np.array([[0.9, 0.1], [0.8, 0.2], [0.2, 0.8], [0.1, 0.9]])
        >>> bound = pd.DataFrame({"i_xt": [0.0, 1.0, 2.0], "i_ty": [0.0, 0.3902, 0.4045]})
        >>> t = np.array([[[-0.5], [-0.5], [0.5], [0.5]]])      # one epoch, two clusters
        >>> df = layer_check(t, pyx, n_bins=2, bound=bound)
        >>> float(df.i_xt[0]), round(float(df.distance[0]), 4), float(df.inconsistent[0])
        (1.0, 0.0, 0.0)
    """
    t = np.asarray(activations, dtype=np.float64)
    if t.ndim == 2:
        t = t[None]
    (t,) = _as_layers(t).values()
    dist = distance_to_bound(
        t, p_y_given_x, p_x=p_x, bound=bound, n_bins=n_bins, range=range, bin_width=bin_width,
        epochs=epochs, n_boot=0,
    ).rows  # fmt: skip
    keys = _binned_keys(t, n_bins, range, bin_width)  # (n_repeats, n_epochs, n_samples)
    sc = self_consistency(keys, p_y_given_x, p_x=p_x)
    cols = ["beta", "beta_low", "beta_high", "residual", "inconsistent", "not_argmin"]
    out = dist.drop(columns=["layer", "unit"]).reset_index(drop=True)
    for c in cols:
        out[c] = sc[c].to_numpy()
    out["unit"] = "bits"
    return out
