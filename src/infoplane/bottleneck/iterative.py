"""The iterative Information Bottleneck (Tishby, Pereira & Bialek 1999) and its curve.

For a discrete joint p(x, y) and a trade-off beta > 0 the IB minimises
L[p(t|x)] = I(X;T) - beta I(T;Y) over encoders, whose stationary points satisfy the three
self-consistent equations

    p(t|x) = p(t) exp(-beta KL[p(y|x) || p(y|t)]) / Z(x, beta)
    p(t)   = sum_x p(x) p(t|x)
    p(y|t) = sum_x p(y|x) p(x|t)

with the KL in nats (the standard scaling of beta). Alternating them (a Blahut-Arimoto scheme) never
increases L. The curve is traced over a grid of betas by

- **reverse annealing**: start at the largest beta from the identity encoder T = X (what the authors
  of Shwartz-Ziv & Tishby 2017, arXiv 1703.00810, ran), and use each solution to start the next,
  smaller beta; clusters whose decoders coincide are merged;
- **forward annealing**: start at the smallest beta from one cluster, and at each larger beta split
  every cluster in two (a small perturbation along a direction of p(y|x)) before iterating;
  copies that do not separate are merged back;
- **restarts** from random encoders.

At each beta the solution with the lowest Lagrangian is kept; clusters with p(t) ~ 0 are dropped.
The computation runs in torch float64 in log space (see ``_engine``).

References:
    1. Tishby, N., Pereira, F. C., Bialek, W. (1999). The Information Bottleneck Method. Proc. 37th
       Allerton Conference on Communication, Control and Computing. arXiv physics/0004057.
    2. Slonim, N. (2002). The Information Bottleneck: Theory and Applications. PhD thesis, Hebrew
       University (annealing with cluster splitting).
    3. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
       Information. arXiv 1703.00810.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import torch

from infoplane._validation import check_positive
from infoplane.bottleneck import _engine as E
from infoplane.bottleneck.curve import IBCurve
from infoplane.bottleneck.distributions import JointDistribution, as_joint_distribution
from infoplane.interface import LN2, InfoplaneError

Annealing = Literal["auto", "reverse", "forward", "both", "none"]

#: Above this many x values the "auto" settings favour speed (see :func:`information_bottleneck`).
LARGE_N_X = 256


@dataclass(frozen=True)
class IBSolution:
    """One stationary point of the (generalised / dual) IB at one beta.

    Attributes:
        beta: the trade-off parameter (KL in nats).
        encoder: p(t|x), shape (n_x, n_t).
        p_t: p(t), shape (n_t,).
        p_y_given_t: the decoder of the method (IB: Markov chain; dual IB: geometric mean),
            shape (n_t, n_y).
        i_xt: I(X;T) in bits.
        i_ty: I(T;Y) in bits (of the Markov chain T - X - Y).
        lagrangian: the minimised functional in bits (see :class:`~infoplane.bottleneck.IBCurve`).
        n_iter: iterations run.
        converged: whether the stopping rule was met before ``max_iter``.
        lagrangian_trace: the Lagrangian (bits) before each encoder step, shape (n_iter,), when
            recorded; else empty.

    Raises:
        Nothing: a frozen record made by :func:`fixed_point` (and the curve tracers), not
            validated.

    Notes:
        A stationary point of the self-consistent equations, not necessarily the global minimum
        of the Lagrangian at ``beta``: compare solutions from several starts (as the curve
        tracers do) before trusting one. For the IB (alpha = 1) the alternating iteration never
        increases the Lagrangian, so ``lagrangian_trace`` is non-increasing up to rounding; a
        trace that rises points to a numerical problem. ``converged=False`` means ``max_iter``
        was reached: near a critical beta (where a cluster splits) convergence slows down
        sharply. ``i_ty`` is I(T;Y) of the Markov chain T - X - Y for every method, so IB and dual
        IB solutions are comparable.

    References:
        1. Tishby, N., Pereira, F. C., Bialek, W. (1999). The Information Bottleneck Method. Proc.
           37th Allerton Conference. arXiv physics/0004057.
        2. Piran, Z., Shwartz-Ziv, R., Tishby, N. (2020). The Dual Information Bottleneck.
           arXiv 2006.04641.

    Example:
        >>> sol = fixed_point(p_y_given_x=[[0.9, 0.1], [0.1, 0.9]], beta=10.0)
        >>> sol.n_clusters, sol.converged, sol.encoder.round(6).tolist()
        (2, True, [[1.0, 0.0], [0.0, 1.0]])
        >>> bool(np.all(np.diff(sol.lagrangian_trace) <= 1e-12))  # never increases
        True
    """

    beta: float
    encoder: np.ndarray
    p_t: np.ndarray
    p_y_given_t: np.ndarray
    i_xt: float
    i_ty: float
    lagrangian: float
    n_iter: int
    converged: bool
    lagrangian_trace: np.ndarray

    @property
    def n_clusters(self) -> int:
        """|T| in use."""
        return int(self.encoder.shape[1])


def _distribution(p_xy: Any, p_y_given_x: Any, p_x: Any) -> JointDistribution:
    if isinstance(p_xy, JointDistribution):
        return p_xy
    return as_joint_distribution(p_xy, p_y_given_x=p_y_given_x, p_x=p_x)


def check_betas(betas: Any, name: str = "betas") -> np.ndarray:
    """Return ``betas`` as a sorted, unique float array of finite values > 0.

    Raises:
        InfoplaneError: for an empty list or any value that is not finite and > 0.
    """
    arr = np.atleast_1d(np.asarray(betas, dtype=np.float64)).ravel()
    if arr.size == 0:
        raise InfoplaneError(f"{name} is empty; give at least one beta > 0.")
    bad = ~np.isfinite(arr) | (arr <= 0)
    if bad.any():
        raise InfoplaneError(
            f"{name} must all be finite and > 0; got {arr[bad][0]!r}. beta weighs I(T;Y) against "
            "I(X;T); use e.g. a log-spaced grid such as logspace:0:3:60."
        )
    return np.unique(arr)


def _to_solution(st: E.State, pb: E.Problem, beta: float, kind: str) -> IBSolution:
    assert st.p_t is not None and st.log_pyt is not None
    return IBSolution(
        beta=float(beta),
        encoder=st.q.numpy().copy(),
        p_t=st.p_t.numpy().copy(),
        p_y_given_t=torch.exp(st.log_pyt).numpy().copy(),
        i_xt=st.i_xt / LN2,
        i_ty=st.i_ty / LN2,
        lagrangian=st.lagrangian / LN2,
        n_iter=st.n_iter,
        converged=st.converged,
        lagrangian_trace=np.asarray(st.trace, dtype=np.float64) / LN2,
    )


def _initial_state(
    pb: E.Problem, init: Any, n_clusters: int | None, rng: np.random.Generator, hard: bool
) -> E.State:
    n_x = int(pb.p_x.shape[0])
    if init is None or (isinstance(init, str) and init == "random"):
        n_t = n_x if n_clusters is None else int(n_clusters)
        if n_t < 1:
            raise InfoplaneError(f"n_clusters must be >= 1; got {n_clusters}.")
        return E.random_encoder(n_x, n_t, rng, hard=hard)
    if isinstance(init, str):
        if init == "identity":
            return E.identity_encoder(n_x)
        raise InfoplaneError(f"init={init!r} is not valid; use 'identity', 'random' or an array.")
    q = np.asarray(init, dtype=np.float64)
    if q.ndim != 2 or q.shape[0] != n_x or (q < 0).any():
        raise InfoplaneError(
            f"init must be an encoder p(t|x) of shape ({n_x}, n_t) with entries >= 0; got shape "
            f"{q.shape}."
        )
    q = q / q.sum(1, keepdims=True)
    return E.encoder_from_probs(q)


def fixed_point(
    p_xy: Any = None,
    beta: float = 1.0,
    *,
    p_y_given_x: Any = None,
    p_x: Any = None,
    init: Any = "identity",
    n_clusters: int | None = None,
    alpha: float = 1.0,
    kind: Literal["ib", "dual"] = "ib",
    max_iter: int = 5000,
    tol: float = 1e-11,
    merge_tol: float | None = 1e-9,
    seed: int = 0,
    record: bool = True,
) -> IBSolution:
    """Iterate the IB self-consistent equations at one beta from one initial encoder.

    Args:
        p_xy: joint or conditional table (n_x, n_y), or a :class:`JointDistribution`.
        beta: trade-off parameter > 0 (KL in nats).
        p_y_given_x: conditional table (n_x, n_y), instead of ``p_xy``.
        p_x: marginal (n_x,) with ``p_y_given_x``; default uniform.
        init: ``"identity"`` (T = X), ``"random"`` (random soft encoder with ``n_clusters``), or an
            encoder array (n_x, n_t).
        n_clusters: |T| of a random start (default n_x).
        alpha: 1 for the IB; in (0, 1) the generalised IB; 0 the deterministic IB (Strouse & Schwab
            2017).
        kind: ``"ib"`` or ``"dual"`` (the dual IB's distortion and decoder).
        max_iter: iteration cap.
        tol: stop when p(t) and p(y|t) are estimated to be within ``tol`` of their limit.
        merge_tol: merge clusters whose decoders agree to within ``merge_tol / beta`` in log
            probability (``None``: never merge).
        seed: seed of a random start.
        record: keep the Lagrangian of every iteration in ``lagrangian_trace``.

    Returns:
        The :class:`IBSolution` reached.

    Raises:
        InfoplaneError: for an invalid distribution, beta <= 0, or a bad ``init``.

    Notes:
        Values are in bits; beta multiplies a KL in nats (the standard scaling), which leaves the
        solutions unchanged (both terms of the Lagrangian share the unit). The result depends on
        the start: the identity start (T = X) collapses to one cluster below the first critical
        beta, 1 / (1 - 2 eps)^2 = 1.5625 for a binary symmetric channel of error eps = 0.1 with
        uniform p(x), and stays at T = X far above it; convergence slows down sharply near it. Clusters whose decoders coincide are
        merged (``merge_tol``); ``merge_tol=None`` keeps every cluster of the start. With
        alpha = 0 the encoder is hard (a deterministic map) and the loop stops when no
        assignment changes.

    References:
        1. Tishby, N., Pereira, F. C., Bialek, W. (1999). The Information Bottleneck Method. Proc.
           37th Allerton Conference. arXiv physics/0004057.
        2. Strouse, D. J., Schwab, D. J. (2017). The Deterministic Information Bottleneck. Neural
           Computation 29(6), 1611-1630. arXiv 1604.00268 (``alpha``).

    Example:
        >>> sol = fixed_point(p_y_given_x=[[0.9, 0.1], [0.1, 0.9]], beta=10.0)
        >>> round(sol.i_xt, 4), round(sol.i_ty, 4)  # T = X: H(X) = 1 bit, I(X;Y) = 0.531 bits
        (1.0, 0.531)
        >>> fixed_point(p_y_given_x=[[0.9, 0.1], [0.1, 0.9]], beta=1.0).n_clusters  # trivial
        1
    """
    dist = _distribution(p_xy, p_y_given_x, p_x)
    beta = float(check_positive(beta, "beta"))
    pb = E.Problem.from_arrays(dist.p_x, dist.p_y_given_x)
    st = _initial_state(pb, init, n_clusters, np.random.default_rng(seed), hard=alpha == 0.0)
    st = E.solve(
        st,
        pb,
        beta,
        alpha=alpha,
        kind=kind,
        max_iter=max_iter,
        tol=tol,
        merge_tol=merge_tol,
        record=record,
    )
    return _to_solution(st, pb, beta, kind)


def _split(st: E.State, pb: E.Problem, rng: np.random.Generator, eps: float) -> E.State:
    """Duplicate every cluster, perturbing the copies along a random direction of p(y|x)."""
    assert st.log_pyt is not None
    v = torch.as_tensor(rng.standard_normal(pb.n_y))
    mean_dec = st.q @ torch.exp(st.log_pyt)  # (n_x, n_y): each x's expected decoder
    proj = (pb.pyx - mean_dec) @ v
    scale = proj.abs().max()
    u = torch.sign(proj) if eps >= 1.0 else proj / (scale if scale > 0 else 1.0)
    u = eps * u if eps < 1.0 else u
    q = torch.cat([st.q * (1 + u)[:, None], st.q * (1 - u)[:, None]], dim=1) / 2
    return E.encoder_from_probs(q)


@dataclass
class _Settings:
    kind: str
    alpha: float
    max_iter: int
    tol: float
    merge_tol: float | None
    reverse_max_iter: int
    reverse_merge_tol: float | None


def _better(a: E.State | None, b: E.State) -> bool:
    return a is None or b.lagrangian < a.lagrangian - 1e-12 * max(1.0, abs(b.lagrangian))


def trace_curve(
    dist: JointDistribution,
    betas: np.ndarray,
    *,
    method: str,
    kind: str,
    alpha: float,
    annealing: Annealing,
    n_restarts: int,
    restart_clusters: int | None,
    max_iter: int,
    tol: float,
    merge_tol: float | None,
    reverse_max_iter: int | None,
    reverse_merge_tol: float | None,
    return_encoders: bool,
    seed: int,
    params: dict[str, Any],
) -> IBCurve:
    """Shared curve tracer of the IB, the generalised/deterministic IB and the dual IB."""
    large = dist.n_x > LARGE_N_X
    if annealing == "auto":
        annealing = "reverse" if large else "both"
    if annealing not in ("reverse", "forward", "both", "none"):
        raise InfoplaneError(
            f"annealing={annealing!r} is not valid; use 'auto', 'reverse', 'forward', 'both' or "
            "'none'."
        )
    if reverse_max_iter is None:
        reverse_max_iter = 100 if large else max_iter
    if reverse_merge_tol is None:
        reverse_merge_tol = 1e-2 if large else merge_tol
    if annealing == "none" and n_restarts < 1:
        raise InfoplaneError("annealing='none' needs n_restarts >= 1 (random starts).")
    if int(n_restarts) != n_restarts or n_restarts < 0:
        raise InfoplaneError(f"n_restarts must be an integer >= 0; got {n_restarts!r}.")
    params = {
        **params,
        "annealing": annealing,
        "reverse_max_iter": reverse_max_iter,
        "reverse_merge_tol": reverse_merge_tol,
    }  # the settings actually used
    s = _Settings(kind, alpha, max_iter, tol, merge_tol, reverse_max_iter, reverse_merge_tol)
    pb = E.Problem.from_arrays(dist.p_x, dist.p_y_given_x)
    n_x = dist.n_x
    rng = np.random.default_rng(seed)
    best: list[E.State | None] = [None] * len(betas)
    hard = alpha == 0.0

    def consider(i: int, st: E.State) -> None:
        if _better(best[i], st):
            best[i] = _snapshot(st, return_encoders)

    if annealing in ("reverse", "both"):
        st = E.identity_encoder(n_x)
        for i in range(len(betas) - 1, -1, -1):
            st = E.solve(
                st, pb, betas[i], alpha=alpha, kind=kind, max_iter=s.reverse_max_iter, tol=tol,
                merge_tol=s.reverse_merge_tol,
            )  # fmt: skip
            consider(i, st)
    if annealing in ("forward", "both"):
        st = E.State(
            q=torch.ones(n_x, 1, dtype=torch.float64),
            sum_qlogq=torch.zeros(n_x, dtype=torch.float64),
        )
        for i in range(len(betas)):
            E.evaluate(st, pb, betas[i], alpha, kind)
            trial = _split(st, pb, rng, 1.0 if hard else 0.5)
            trial = E.solve(
                trial, pb, betas[i], alpha=alpha, kind=kind, max_iter=max_iter, tol=tol,
                merge_tol=merge_tol if merge_tol is not None else 1e-9,
            )  # fmt: skip
            plain = E.solve(st, pb, betas[i], alpha=alpha, kind=kind, max_iter=max_iter, tol=tol,
                            merge_tol=merge_tol)  # fmt: skip
            st = trial if trial.lagrangian <= plain.lagrangian else plain
            consider(i, st)
    for _ in range(int(n_restarts)):
        n_t = restart_clusters if restart_clusters is not None else min(n_x, 4 * pb.n_y + 8)
        for i in range(len(betas)):
            st = E.random_encoder(n_x, n_t, rng, hard=hard)
            st = E.solve(st, pb, betas[i], alpha=alpha, kind=kind, max_iter=max_iter, tol=tol,
                         merge_tol=merge_tol)  # fmt: skip
            consider(i, st)
    done = [b for b in best if b is not None]
    return IBCurve(
        beta=np.asarray(betas, dtype=np.float64),
        i_xt=np.array([b.i_xt for b in done]) / LN2,
        i_ty=np.array([b.i_ty for b in done]) / LN2,
        lagrangian=np.array([b.lagrangian for b in done]) / LN2,
        n_clusters=np.array([b.n_t for b in done], dtype=np.int64),
        method=method,
        i_xy=pb.i_xy / LN2,
        h_x=dist.entropy_x(),
        encoders=[b.q.numpy() for b in done] if return_encoders else None,
        params=params,
    )


def _snapshot(st: E.State, keep_q: bool) -> E.State:
    """A light copy of a solved state: the numbers, and the encoder only when asked for."""
    snap = E.State(q=st.q.clone() if keep_q else st.q[:, :0])
    snap.h_t, snap.h_t_given_x, snap.i_ty = st.h_t, st.h_t_given_x, st.i_ty
    snap.exp_dist, snap.lagrangian = st.exp_dist, st.lagrangian
    snap.n_iter, snap.converged = st.n_iter, st.converged
    snap.p_t = st.p_t
    snap.n_t_kept = st.n_t
    return snap


def information_bottleneck(
    p_xy: Any = None,
    betas: Sequence[float] | np.ndarray | None = None,
    *,
    p_y_given_x: Any = None,
    p_x: Any = None,
    annealing: Annealing = "auto",
    n_restarts: int = 0,
    restart_clusters: int | None = None,
    max_iter: int = 5000,
    tol: float = 1e-9,
    merge_tol: float | None = 1e-6,
    reverse_max_iter: int | None = None,
    reverse_merge_tol: float | None = None,
    return_encoders: bool = False,
    seed: int = 0,
) -> IBCurve:
    """Trace the Information Bottleneck curve of a discrete p(x, y) over a grid of betas.

    .. math:: \\min_{p(t|x)} I(X;T) - \\beta I(T;Y)

    Args:
        p_xy: joint p(x, y) or conditional p(y|x) table of shape (n_x, n_y), or a
            :class:`JointDistribution`.
        betas: trade-off parameters > 0 (KL in nats), any order; the curve is returned in
            ascending beta. Default: 40 values log-spaced on [1, 1000].
        p_y_given_x: conditional table (n_x, n_y) instead of ``p_xy``.
        p_x: marginal (n_x,) with ``p_y_given_x``; default uniform.
        annealing: ``"reverse"`` (identity start at the largest beta, descending), ``"forward"``
            (one cluster at the smallest beta, splitting), ``"both"`` (lowest Lagrangian kept),
            ``"none"`` (restarts only) or ``"auto"`` (default: ``"both"`` up to 256 x values, else
            ``"reverse"``, the fast sweep the 2017 authors ran).
        n_restarts: random restarts per beta (in addition to annealing).
        restart_clusters: |T| of the random restarts (default min(n_x, 4 n_y + 8)).
        max_iter: iteration cap per beta.
        tol: stop when p(t) and p(y|t) are estimated to be within ``tol`` of their limit.
        merge_tol: clusters whose decoders agree to within ``merge_tol / beta`` in log p(y|t) are
            merged (they carry the same information).
        reverse_max_iter, reverse_merge_tol: the same two settings for reverse annealing only.
            Default: as above up to 256 x values; above, 100 and 1e-2 (merging then costs at most
            ~0.01 nats of Lagrangian), which makes the sweep from a large identity encoder fast.
        return_encoders: keep each beta's encoder p(t|x) in ``IBCurve.encoders``.
        seed: seed of the splitting perturbations and random restarts.

    Returns:
        An :class:`IBCurve` (bits), one entry per beta; ``.envelope()`` gives the monotone envelope,
        ``.to_frame()`` the table ``beta, i_xt, i_ty, lagrangian, n_clusters``.

    Raises:
        InfoplaneError: for an invalid distribution (negative entries, rows not summing to 1, ...),
            any beta <= 0, or bad settings.

    Notes:
        beta multiplies a KL in nats, the standard scaling; the Lagrangian reported is
        I(X;T) - beta I(T;Y) with both terms in bits. Below the first critical beta the only
        solution is the trivial one, (0, 0). Iterative solutions are stationary points, not
        necessarily global optima; the annealing schedules and restarts, with the lowest
        Lagrangian kept, make the curve near-optimal in practice.

    References:
        1. Tishby, N., Pereira, F. C., Bialek, W. (1999). The Information Bottleneck Method. Proc.
           37th Allerton Conference. arXiv physics/0004057.
        2. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
           Information. arXiv 1703.00810.

    Example:
        >>> curve = information_bottleneck(p_y_given_x=[[0.9, 0.1], [0.1, 0.9]], betas=[1.0, 100.0])
        >>> [round(float(v), 4) for v in curve.i_ty]
        [0.0, 0.531]
    """
    dist = _distribution(p_xy, p_y_given_x, p_x)
    betas_arr = check_betas(np.logspace(0, 3, 40) if betas is None else betas)
    params = {
        "annealing": annealing, "n_restarts": n_restarts, "max_iter": max_iter, "tol": tol,
        "merge_tol": merge_tol, "reverse_max_iter": reverse_max_iter,
        "reverse_merge_tol": reverse_merge_tol, "seed": seed,
    }  # fmt: skip
    return trace_curve(
        dist, betas_arr, method="ib", kind="ib", alpha=1.0, annealing=annealing,
        n_restarts=n_restarts, restart_clusters=restart_clusters, max_iter=max_iter, tol=tol,
        merge_tol=merge_tol, reverse_max_iter=reverse_max_iter,
        reverse_merge_tol=reverse_merge_tol, return_encoders=return_encoders, seed=seed,
        params=params,
    )  # fmt: skip
