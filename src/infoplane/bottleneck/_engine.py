"""Shared fixed-point engine of the iterative IB family, in torch float64 and in log space.

One loop serves the Information Bottleneck (Tishby, Pereira & Bialek 1999, arXiv physics/0004057),
its generalised / deterministic form (Strouse & Schwab 2017, Neural Computation 29(6), arXiv
1604.00268) and the dual IB (Piran, Shwartz-Ziv & Tishby 2020, arXiv 2006.04641). Each step, from an
encoder q(t|x):

    p(t)   = sum_x p(x) q(t|x)
    p(y|t) = sum_x p(x|t) p(y|x)                         (IB: arithmetic mean)
           = exp(sum_x p(x|t) log p(y|x)) / Z(t)         (dual IB: normalised geometric mean)
    D[x,t] = KL[p(y|x) || p(y|t)]                        (IB; matrix form, below)
           = KL[p(y|t) || p(y|x)]                        (dual IB)
    q(t|x) = softmax_t((log p(t) - beta D[x,t]) / alpha) (alpha = 1: IB; alpha -> 0: argmax, DIB)

The KL term is a matrix product, D = sum_y p(y|x) log p(y|x) - P(y|x) @ log P(y|t)^T, and the
encoder a log-softmax, so nothing underflows at large beta. All quantities are in nats here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

LOG_FLOOR = -700.0  # log of a probability treated as zero (exp(-700) ~ 1e-304)
DROP_TOL = 1e-13  # clusters with p(t) below this are removed


@dataclass
class Problem:
    """Tensors of p(x, y) precomputed once (float64)."""

    p_x: torch.Tensor  # (n_x,)
    pyx: torch.Tensor  # (n_x, n_y)
    log_pyx: torch.Tensor  # (n_x, n_y), floored at LOG_FLOOR
    neg_h: torch.Tensor  # (n_x,): sum_y p(y|x) log p(y|x)
    pxy: torch.Tensor  # (n_x, n_y)
    h_y: float
    i_xy: float  # nats

    @classmethod
    def from_arrays(cls, p_x: np.ndarray, p_y_given_x: np.ndarray) -> Problem:
        px = torch.as_tensor(np.asarray(p_x, dtype=np.float64))
        pyx = torch.as_tensor(np.asarray(p_y_given_x, dtype=np.float64))
        log_pyx = torch.log(pyx).clamp_min(LOG_FLOOR)
        neg_h = torch.special.xlogy(pyx, pyx).sum(1)
        pxy = px[:, None] * pyx
        py = pxy.sum(0)
        h_y = float(-torch.special.xlogy(py, py).sum())
        i_xy = max(h_y + float(px @ neg_h), 0.0)
        return cls(px, pyx, log_pyx, neg_h, pxy, h_y, i_xy)


@dataclass
class State:
    """An encoder with the marginals it implies, and the quantities of the Lagrangian (nats)."""

    q: torch.Tensor  # (n_x, n_t) encoder p(t|x)
    log_q: torch.Tensor  # (n_x, n_t)
    p_t: torch.Tensor = field(default=None)  # type: ignore[assignment]
    log_pyt: torch.Tensor = field(default=None)  # type: ignore[assignment]
    dist: torch.Tensor = field(default=None)  # type: ignore[assignment]
    h_t: float = 0.0
    h_t_given_x: float = 0.0
    i_ty: float = 0.0
    exp_dist: float = 0.0
    lagrangian: float = float("inf")
    n_iter: int = 0
    converged: bool = False
    trace: list[float] = field(default_factory=list)

    @property
    def i_xt(self) -> float:
        return max(self.h_t - self.h_t_given_x, 0.0)


def encoder_from_probs(q: torch.Tensor) -> State:
    """State from an encoder given as probabilities (zeros allowed)."""
    log_q = torch.where(q > 0, torch.log(q.clamp_min(1e-300)), torch.full_like(q, -torch.inf))
    return State(q=q, log_q=log_q)


def identity_encoder(n_x: int) -> State:
    """T = X."""
    return encoder_from_probs(torch.eye(n_x, dtype=torch.float64))


def random_encoder(n_x: int, n_t: int, rng: np.random.Generator, hard: bool = False) -> State:
    """A random soft encoder (Dirichlet(1) rows) or a random hard assignment."""
    if hard:
        idx = torch.as_tensor(rng.integers(0, n_t, size=n_x))
        q = torch.nn.functional.one_hot(idx, n_t).to(torch.float64)
    else:
        q = torch.as_tensor(rng.dirichlet(np.ones(n_t), size=n_x))
    return encoder_from_probs(q)


def _drop_empty(st: State, p_x: torch.Tensor) -> None:
    p_t = p_x @ st.q
    keep = p_t > DROP_TOL
    if not bool(keep.all()):
        q = st.q[:, keep]
        q = q / q.sum(1, keepdim=True)
        st.q = q
        st.log_q = torch.log_softmax(st.log_q[:, keep], dim=1)


def marginals(st: State, pb: Problem, decoder: str) -> None:
    """Fill p(t), log p(y|t) and the distortion matrix for the encoder of ``st``."""
    _drop_empty(st, pb.p_x)
    q = st.q
    p_t = pb.p_x @ q
    st.p_t = p_t
    if decoder == "ib":
        pyt = (q.T @ pb.pxy) / p_t[:, None]
        st.log_pyt = torch.log(pyt).clamp_min(LOG_FLOOR)
    else:  # dual: normalised geometric mean
        m = ((q * pb.p_x[:, None]).T @ pb.log_pyx) / p_t[:, None]
        st.log_pyt = torch.log_softmax(m, dim=1)


def distortion(log_pyt: torch.Tensor, pb: Problem, kind: str) -> torch.Tensor:
    """D[x, t] in nats, shape (n_x, n_t): KL[p(y|x)||p(y|t)] (ib) or KL[p(y|t)||p(y|x)] (dual)."""
    if kind == "ib":
        d = pb.neg_h[:, None] - pb.pyx @ log_pyt.T
    else:
        pyt = torch.exp(log_pyt)
        d = (pyt * log_pyt).sum(1)[None, :] - pb.log_pyx @ pyt.T
    return d.clamp_min(0.0)


def evaluate(st: State, pb: Problem, beta: float, alpha: float, kind: str) -> None:
    """Marginals, distortion, information terms and the Lagrangian of the encoder in ``st``.

    IB (alpha = 1): L = I(X;T) - beta I(T;Y). Generalised: L = H(T) - alpha H(T|X) - beta I(T;Y).
    Dual IB: L = I(X;T) + beta E[KL[p_beta(y|t) || p(y|x)]] (the functional it minimises).
    """
    marginals(st, pb, kind)
    st.dist = distortion(st.log_pyt, pb, kind)
    p_t = st.p_t
    st.h_t = float(-torch.special.xlogy(p_t, p_t).sum())
    qlogq = torch.where(st.q > 0, st.q * st.log_q, torch.zeros((), dtype=st.q.dtype))
    st.h_t_given_x = max(float(-(pb.p_x @ qlogq.sum(1))), 0.0)
    st.exp_dist = float(pb.p_x @ (st.q * st.dist).sum(1))
    if kind == "ib":
        st.i_ty = max(pb.i_xy - st.exp_dist, 0.0)
        st.lagrangian = st.h_t - alpha * st.h_t_given_x - beta * st.i_ty
    else:
        pyt = (st.q.T @ pb.pxy) / p_t[:, None]  # the Markov-chain decoder, for I(T;Y)
        h_y_t = float(-(p_t @ torch.special.xlogy(pyt, pyt).sum(1)))
        st.i_ty = max(pb.h_y - h_y_t, 0.0)
        st.lagrangian = st.h_t - alpha * st.h_t_given_x + beta * st.exp_dist


def update_encoder(st: State, beta: float, alpha: float) -> None:
    """The encoder step: q(t|x) = softmax((log p(t) - beta D) / alpha); argmax when alpha = 0."""
    logits = torch.log(st.p_t)[None, :] - beta * st.dist
    if alpha == 0.0:
        idx = torch.argmax(logits, dim=1)
        q = torch.nn.functional.one_hot(idx, logits.shape[1]).to(torch.float64)
        st.q = q
        st.log_q = torch.where(q > 0, 0.0, -torch.inf).to(torch.float64)
    else:
        if alpha != 1.0:
            logits = logits / alpha
        st.log_q = torch.log_softmax(logits, dim=1)
        st.q = torch.exp(st.log_q)


def merge_clusters(st: State, beta: float, tol: float) -> None:
    """Merge clusters whose decoders are equal to within ``tol`` (in beta * max_y |d log p(y|t)|).

    Two clusters with equal p(y|t) split p(t) in a fixed ratio for every x, so merging them changes
    neither I(X;T) nor I(T;Y) (to first order in the difference).
    """
    n_t = st.log_pyt.shape[0]
    if n_t < 2:
        return
    lp = st.log_pyt
    if lp.shape[1] == 2:  # one coordinate suffices: sort and group neighbours
        coord = lp[:, 1] - lp[:, 0]
        order = torch.argsort(coord)
        gaps = torch.diff(coord[order]).abs() * beta
        new_group = torch.cat([torch.ones(1, dtype=torch.bool), gaps > tol])
        group_sorted = torch.cumsum(new_group.long(), 0) - 1
        labels = torch.empty_like(group_sorted)
        labels[order] = group_sorted
        n_groups = int(group_sorted[-1]) + 1
    else:
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import connected_components

        dist = torch.cdist(lp, lp, p=float("inf")) * beta
        adj = csr_matrix((dist <= tol).numpy())
        n_groups, lab = connected_components(adj, directed=False)
        labels = torch.as_tensor(lab, dtype=torch.long)
    if n_groups == n_t:
        return
    q = torch.zeros(st.q.shape[0], n_groups, dtype=torch.float64)
    q.index_add_(1, labels, st.q)
    m = torch.full((st.q.shape[0], n_groups), -torch.inf, dtype=torch.float64)
    m = m.scatter_reduce(1, labels[None, :].expand_as(st.log_q), st.log_q, reduce="amax")
    safe_m = torch.where(torch.isfinite(m), m, torch.zeros_like(m))
    s = torch.zeros_like(m).index_add_(1, labels, torch.exp(st.log_q - safe_m[:, labels]))
    st.log_q = torch.where(torch.isfinite(m), safe_m + torch.log(s), m)
    st.q = q


def solve(
    st: State,
    pb: Problem,
    beta: float,
    *,
    alpha: float = 1.0,
    kind: str = "ib",
    max_iter: int = 1000,
    tol: float = 1e-10,
    merge_tol: float | None = 1e-6,
    merge_every: int = 10,
    record: bool = False,
) -> State:
    """Iterate the self-consistent equations from ``st`` at one beta until convergence.

    Converged when the Lagrangian changes by less than ``tol`` * max(1, |L|) nats and the decoders
    by less than ``sqrt(tol)`` (hard encoders: when the assignment stops changing). The Lagrangian
    is evaluated at consistent marginals before each encoder step, so it is non-increasing.
    """
    st.trace = []
    st.converged = False
    prev_l = float("inf")
    prev_pyt: torch.Tensor | None = None
    prev_assign: torch.Tensor | None = None
    for it in range(1, max_iter + 1):
        evaluate(st, pb, beta, alpha, kind)
        if record:
            st.trace.append(st.lagrangian)
        st.n_iter = it
        dl = abs(prev_l - st.lagrangian)
        same_shape = prev_pyt is not None and prev_pyt.shape == st.log_pyt.shape
        if alpha == 0.0:
            assign = torch.argmax(st.q, 1)
            if prev_assign is not None and torch.equal(assign, prev_assign):
                st.converged = True
                break
            prev_assign = assign
        elif same_shape and dl <= tol * max(1.0, abs(st.lagrangian)):
            dpyt = float((torch.exp(st.log_pyt) - torch.exp(prev_pyt)).abs().max())  # type: ignore[arg-type]
            if dpyt <= np.sqrt(tol):
                st.converged = True
                break
        prev_l = st.lagrangian
        prev_pyt = st.log_pyt
        update_encoder(st, beta, alpha)
        if merge_tol is not None and alpha != 0.0 and it % merge_every == 0:
            marginals(st, pb, kind)
            merge_clusters(st, beta, merge_tol)
            prev_pyt = None
    if merge_tol is not None:
        merge_clusters(st, beta, merge_tol)
        evaluate(st, pb, beta, alpha, kind)
    return st
