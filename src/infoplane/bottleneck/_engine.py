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

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import torch

LOG_FLOOR = -700.0  # log of a probability treated as zero (exp(-700) ~ 1e-304)
DROP_TOL = 1e-13  # clusters with p(t) below this are removed
SMALL = 1 << 20  # encoders with fewer entries run single-threaded (thread start-up dominates)


@contextlib.contextmanager
def threads_for(numel: int) -> Iterator[None]:
    """Run small problems on one thread: their ops are too short to amortise a thread team."""
    if numel >= SMALL:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@dataclass
class Problem:
    """Tensors of p(x, y) precomputed once (float64, nats)."""

    p_x: torch.Tensor  # (n_x,)
    pyx: torch.Tensor  # (n_x, n_y)
    log_pyx: torch.Tensor  # (n_x, n_y), floored at LOG_FLOOR
    neg_h: torch.Tensor  # (n_x,): sum_y p(y|x) log p(y|x)
    cols_t: torch.Tensor  # (1 + 2 n_y, n_x): rows p(x), p(x, y), p(x) log p(y|x)
    h_y: float
    i_xy: float

    @property
    def n_y(self) -> int:
        return int(self.pyx.shape[1])

    @classmethod
    def from_arrays(cls, p_x: np.ndarray, p_y_given_x: np.ndarray) -> Problem:
        px = torch.as_tensor(np.asarray(p_x, dtype=np.float64))
        pyx = torch.as_tensor(np.asarray(p_y_given_x, dtype=np.float64))
        log_pyx = torch.log(pyx).clamp_min(LOG_FLOOR)
        neg_h = torch.special.xlogy(pyx, pyx).sum(1)
        pxy = px[:, None] * pyx
        cols_t = torch.cat([px[:, None], pxy, px[:, None] * log_pyx], dim=1).T.contiguous()
        py = pxy.sum(0)
        h_y = float(-torch.special.xlogy(py, py).sum())
        i_xy = max(h_y + float(px @ neg_h), 0.0)
        return cls(px, pyx, log_pyx, neg_h, cols_t, h_y, i_xy)


@dataclass
class State:
    """An encoder q(t|x), the marginals it implies and its Lagrangian terms (nats).

    ``sum_qlogq[x] = sum_t q(t|x) log q(t|x)``; after an encoder step it is obtained without a pass
    over q from ``a_cols`` (the columns of the logits a = bias + left @ W^T) and ``lse`` (their
    log-normaliser): sum_t q log q = sum_t q a - lse.
    """

    q: torch.Tensor  # (n_x, n_t)
    sum_qlogq: torch.Tensor | None = None  # (n_x,)
    a_cols: torch.Tensor | None = None  # (n_t, 1 + n_y)
    a_left: torch.Tensor | None = None  # (n_x, n_y)
    lse: torch.Tensor | None = None  # (n_x,)
    alpha_used: float = 1.0
    p_t: torch.Tensor | None = None
    log_pyt: torch.Tensor | None = None
    h_t: float = 0.0
    h_t_given_x: float = 0.0
    i_ty: float = 0.0
    exp_dist: float = 0.0
    lagrangian: float = float("inf")
    n_iter: int = 0
    converged: bool = False
    trace: list[float] = field(default_factory=list)
    n_t_kept: int | None = None  # |T| of a snapshot that does not keep its encoder

    @property
    def i_xt(self) -> float:
        return max(self.h_t - self.h_t_given_x, 0.0)

    @property
    def n_t(self) -> int:
        return int(self.q.shape[1]) if self.n_t_kept is None else self.n_t_kept

    def copy(self) -> State:
        return State(q=self.q.clone(), sum_qlogq=_plain_sum_qlogq(self.q))


def _plain_sum_qlogq(q: torch.Tensor) -> torch.Tensor:
    return torch.special.xlogy(q, q).sum(1)


def encoder_from_probs(q: torch.Tensor | np.ndarray) -> State:
    """State from an encoder given as probabilities (zeros allowed), shape (n_x, n_t)."""
    q = torch.as_tensor(np.asarray(q, dtype=np.float64)) if isinstance(q, np.ndarray) else q
    return State(q=q, sum_qlogq=_plain_sum_qlogq(q))


def identity_encoder(n_x: int) -> State:
    """T = X (the start of reverse annealing)."""
    q = torch.eye(n_x, dtype=torch.float64)
    return State(q=q, sum_qlogq=torch.zeros(n_x, dtype=torch.float64))


def random_encoder(n_x: int, n_t: int, rng: np.random.Generator, hard: bool = False) -> State:
    """A random soft encoder (Dirichlet(1) rows) or a random hard assignment."""
    if hard:
        idx = torch.as_tensor(rng.integers(0, n_t, size=n_x))
        return State(
            q=torch.nn.functional.one_hot(idx, n_t).to(torch.float64),
            sum_qlogq=torch.zeros(n_x, dtype=torch.float64),
        )
    return encoder_from_probs(rng.dirichlet(np.ones(n_t), size=n_x))


def _set_q(st: State, q: torch.Tensor) -> None:
    st.q = q
    st.sum_qlogq = _plain_sum_qlogq(q)
    st.a_cols = None


def marginals(st: State, pb: Problem, kind: str) -> None:
    """Fill p(t) and log p(y|t) for the encoder of ``st``; drop clusters with p(t) ~ 0."""
    n_y = pb.n_y
    s = (pb.cols_t @ st.q).T  # (n_t, 1 + 2 n_y), one pass over q
    keep = s[:, 0] > DROP_TOL
    if not bool(keep.all()):
        q = st.q[:, keep]
        _set_q(st, q / q.sum(1, keepdim=True))
        s = (pb.cols_t @ st.q).T
    p_t = s[:, 0]
    st.p_t = p_t
    if kind == "ib":
        st.log_pyt = torch.log(s[:, 1 : 1 + n_y] / p_t[:, None]).clamp_min(LOG_FLOOR)
    else:  # dual IB: normalised geometric mean of p(y|x) under p(x|t)
        st.log_pyt = torch.log_softmax(s[:, 1 + n_y :] / p_t[:, None], dim=1)


def _encoder_factors(
    st: State, pb: Problem, beta: float, kind: str
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(bias (n_t,), left (n_x, n_y), W (n_t, n_y)) with log p(t) - beta D = bias + left @ W^T + c(x)."""
    assert st.p_t is not None and st.log_pyt is not None
    log_p_t = torch.log(st.p_t)
    if kind == "ib":  # D = neg_h(x) - p(y|x) . log p(y|t)
        return log_p_t, pb.pyx, beta * st.log_pyt
    pyt = torch.exp(st.log_pyt)  # dual: D = p(y|t) . log p(y|t) - log p(y|x) . p(y|t)
    neg_h_t = (pyt * st.log_pyt).sum(1)
    return log_p_t - beta * neg_h_t, pb.log_pyx, beta * pyt


def evaluate(st: State, pb: Problem, beta: float, alpha: float, kind: str) -> None:
    """Marginals and the Lagrangian terms of the encoder in ``st`` (one extra pass over q).

    IB (alpha = 1): L = I(X;T) - beta I(T;Y). Generalised: L = H(T) - alpha H(T|X) - beta I(T;Y).
    Dual IB: L = H(T) - alpha H(T|X) + beta E[KL[p_beta(y|t) || p(y|x)]] (the functional it
    minimises). I(T;Y) is always that of the Markov chain T - X - Y.
    """
    marginals(st, pb, kind)
    assert st.p_t is not None and st.log_pyt is not None
    n_y = pb.n_y
    p_t = st.p_t
    if kind == "ib":
        new_cols = st.log_pyt
    else:
        pyt = torch.exp(st.log_pyt)
        new_cols = torch.cat([(pyt * st.log_pyt).sum(1, keepdim=True), pyt], 1)
    cols = new_cols if st.a_cols is None else torch.cat([new_cols, st.a_cols], 1)
    r = st.q @ cols  # (n_x, k), the one pass over q
    k = new_cols.shape[1]
    if kind == "ib":
        e_d = pb.neg_h - (pb.pyx * r[:, :k]).sum(1)
    else:
        e_d = r[:, 0] - (pb.log_pyx * r[:, 1:k]).sum(1)
    if st.a_cols is not None:
        assert st.a_left is not None and st.lse is not None
        qa = r[:, k] + (st.a_left * r[:, k + 1 :]).sum(1)
        st.sum_qlogq = (qa - st.lse) / st.alpha_used if st.alpha_used != 1.0 else qa - st.lse
        st.a_cols = None
    assert st.sum_qlogq is not None
    st.h_t = float(-torch.special.xlogy(p_t, p_t).sum())
    st.h_t_given_x = max(float(-(pb.p_x @ st.sum_qlogq)), 0.0)
    st.exp_dist = max(float(pb.p_x @ e_d), 0.0)
    if kind == "ib":
        st.i_ty = max(pb.i_xy - st.exp_dist, 0.0)
        st.lagrangian = st.h_t - alpha * st.h_t_given_x - beta * st.i_ty
    else:
        s = (pb.cols_t[: 1 + n_y] @ st.q).T
        pyt_m = s[:, 1:] / p_t[:, None]  # the Markov-chain decoder
        h_y_t = float(-(p_t @ torch.special.xlogy(pyt_m, pyt_m).sum(1)))
        st.i_ty = max(pb.h_y - h_y_t, 0.0)
        st.lagrangian = st.h_t - alpha * st.h_t_given_x + beta * st.exp_dist


def update_encoder(st: State, pb: Problem, beta: float, alpha: float, kind: str) -> None:
    """The encoder step q(t|x) = softmax_t((log p(t) - beta D[x,t]) / alpha); argmax at alpha = 0."""
    bias, left, w = _encoder_factors(st, pb, beta, kind)
    if alpha == 0.0:
        a = torch.addmm(bias[None, :], left, w.T)
        idx = torch.argmax(a, dim=1)
        st.q = torch.nn.functional.one_hot(idx, a.shape[1]).to(torch.float64)
        st.sum_qlogq = torch.zeros(a.shape[0], dtype=torch.float64)
        st.a_cols = None
        return
    if alpha != 1.0:
        bias, w = bias / alpha, w / alpha
    a = torch.addmm(bias[None, :], left, w.T)  # (n_x, n_t)
    m = a.amax(dim=1)
    a.sub_(m[:, None]).exp_()  # one exp per step: the dominant cost at large n_t
    s = a.sum(dim=1)
    a.div_(s[:, None])
    lse = m + torch.log(s)
    st.q = a
    st.a_cols = torch.cat([bias[:, None], w], 1) * (alpha if alpha != 1.0 else 1.0)
    st.a_left = left
    st.lse = lse * (alpha if alpha != 1.0 else 1.0)
    st.alpha_used = alpha


def merge_clusters(st: State, beta: float, tol: float) -> bool:
    """Merge clusters whose decoders are so close that merging costs at most ~``tol`` nats of L.

    Decoders are bucketed in the coordinates u = 2 sqrt(p(y|t)), in which
    KL[p || p'] ~ |u - u'|^2 / 2; cubes of side w = sqrt(2 tol / (beta n_y)) keep beta * KL between
    members below ~tol, so merging them raises the Lagrangian by at most ~tol (merging clusters with
    equal decoders changes neither I(X;T) nor I(T;Y)). Buckets do not chain. Returns whether any
    merged.
    """
    assert st.log_pyt is not None
    n_t = st.n_t
    if n_t < 2:
        return False
    n_y = st.log_pyt.shape[1]
    u = 2.0 * torch.exp(0.5 * st.log_pyt)
    width = float(np.sqrt(2.0 * tol / (beta * n_y)))
    cells = torch.floor((u / width).clamp(max=1e18)).to(torch.int64)
    _, labels = torch.unique(cells, dim=0, return_inverse=True)
    n_groups = int(labels.max()) + 1
    if n_groups == n_t:
        return False
    q = torch.zeros(st.q.shape[0], n_groups, dtype=torch.float64)
    q.index_add_(1, labels, st.q)
    _set_q(st, q)
    return True


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

    Converged when p(t) and p(y|t) are estimated to lie within ``tol`` of their limit: the last
    change times r / (1 - r), r the observed rate of geometric convergence (slow near critical
    betas). Hard encoders: when the assignment stops changing. The Lagrangian is evaluated at
    consistent marginals before each encoder step, so without merging it is non-increasing.
    """
    with threads_for(st.q.numel()):
        return _solve(st, pb, beta, alpha, kind, max_iter, tol, merge_tol, merge_every, record)


def _solve(
    st: State,
    pb: Problem,
    beta: float,
    alpha: float,
    kind: str,
    max_iter: int,
    tol: float,
    merge_tol: float | None,
    merge_every: int,
    record: bool,
) -> State:
    st.trace = []
    st.converged = False
    prev_v: torch.Tensor | None = None
    prev_delta = float("inf")
    prev_assign: torch.Tensor | None = None
    for it in range(1, max_iter + 1):
        evaluate(st, pb, beta, alpha, kind)
        assert st.log_pyt is not None and st.p_t is not None
        if record:
            st.trace.append(st.lagrangian)
        st.n_iter = it
        if alpha == 0.0:
            assign = torch.argmax(st.q, 1)
            if prev_assign is not None and torch.equal(assign, prev_assign):
                st.converged = True
                break
            prev_assign = assign
        else:
            v = torch.cat([st.p_t, torch.exp(st.log_pyt).ravel()])
            if prev_v is not None and prev_v.shape == v.shape:
                delta = float((v - prev_v).abs().max())
                # Geometric convergence: the distance still to go is about delta * r / (1 - r).
                rate = min(delta / prev_delta, 0.999999) if prev_delta > 0 else 0.0
                if delta * max(rate / (1.0 - rate), 1.0) <= tol:
                    st.converged = True
                    break
                prev_delta = delta
            else:
                prev_delta = float("inf")
            prev_v = v
        update_encoder(st, pb, beta, alpha, kind)
        if merge_tol is not None and alpha != 0.0 and (it == 1 or it % merge_every == 0):
            marginals(st, pb, kind)
            if merge_clusters(st, beta, merge_tol):
                prev_v = None
    if merge_tol is not None and merge_clusters(st, beta, merge_tol):
        evaluate(st, pb, beta, alpha, kind)
    return st
