"""The result type of the Information Bottleneck curve algorithms, and its monotone envelope.

The IB curve (Tishby, Pereira & Bialek 1999, arXiv physics/0004057) is the set of optimal
(I(X;T), I(T;Y)) pairs; its slope at the point of trade-off parameter beta is 1/beta. Solutions found
by iterative algorithms may be sub-optimal; :meth:`IBCurve.envelope` keeps the Pareto-optimal ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

COLUMNS = ("beta", "i_xt", "i_ty", "lagrangian", "n_clusters")


@dataclass(frozen=True)
class IBCurve:
    """One traced Information Bottleneck curve, one entry per beta (ascending beta).

    Attributes:
        beta: trade-off parameters, shape (n_beta,), standard scaling (the KL term in nats).
        i_xt: I(X;T) in bits, shape (n_beta,). For DIB the same column holds I(X;T) = H(T).
        i_ty: I(T;Y) in bits, shape (n_beta,).
        lagrangian: the minimised functional in bits, shape (n_beta,): I(X;T) - beta I(T;Y) for the IB;
            H(T) - alpha H(T|X) - beta I(T;Y) for the generalised/deterministic IB; I(X;T) +
            beta E[KL[p_beta(y|t) || p(y|x)]] for the dual IB.
        n_clusters: number of clusters in use |T| (distinct decoders), shape (n_beta,).
        method: ``"ib"``, ``"dib"``, ``"dualib"`` or ``"gaussian"``.
        i_xy: I(X;Y) in bits (the curve's ceiling).
        h_x: H(X) in bits (the largest I(X;T)); NaN for the Gaussian IB.
        encoders: the encoders p(t|x), each (n_x, n_clusters), when asked for; else ``None``.
        params: the settings that produced the curve (JSON-serialisable).
    """

    beta: np.ndarray
    i_xt: np.ndarray
    i_ty: np.ndarray
    lagrangian: np.ndarray
    n_clusters: np.ndarray
    method: str
    i_xy: float
    h_x: float = float("nan")
    encoders: list[np.ndarray] | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> Any:
        """Return a pandas DataFrame with columns ``beta, i_xt, i_ty, lagrangian, n_clusters`` (bits)."""
        import pandas as pd

        return pd.DataFrame(
            {
                "beta": self.beta,
                "i_xt": self.i_xt,
                "i_ty": self.i_ty,
                "lagrangian": self.lagrangian,
                "n_clusters": self.n_clusters.astype(np.int64),
            }
        )

    def envelope(self) -> IBCurve:
        """Return the monotone (Pareto) envelope: the points no other point dominates.

        A point is kept if no other point has I(X;T) <= its I(X;T) and a larger I(T;Y) (by more than
        1e-12 bits). The result is sorted by I(X;T), so I(T;Y) is non-decreasing along it.
        """
        return self._select(monotone_envelope_mask(self.i_xt, self.i_ty))

    def _select(self, mask: np.ndarray) -> IBCurve:
        idx = np.flatnonzero(mask)
        idx = idx[np.lexsort((self.beta[idx], self.i_xt[idx]))]
        enc = None if self.encoders is None else [self.encoders[i] for i in idx]
        return IBCurve(
            beta=self.beta[idx],
            i_xt=self.i_xt[idx],
            i_ty=self.i_ty[idx],
            lagrangian=self.lagrangian[idx],
            n_clusters=self.n_clusters[idx],
            method=self.method,
            i_xy=self.i_xy,
            h_x=self.h_x,
            encoders=enc,
            params=self.params,
        )


def monotone_envelope_mask(i_xt: np.ndarray, i_ty: np.ndarray, atol: float = 1e-12) -> np.ndarray:
    """Boolean mask of the Pareto-optimal points of (I(X;T), I(T;Y)) (low I(X;T), high I(T;Y)).

    Args:
        i_xt: I(X;T), shape (n,).
        i_ty: I(T;Y), shape (n,).
        atol: a point is dominated only if another beats it by more than this.

    Returns:
        Mask of shape (n,).
    """
    i_xt = np.asarray(i_xt, dtype=np.float64)
    i_ty = np.asarray(i_ty, dtype=np.float64)
    order = np.lexsort((-i_ty, i_xt))
    best_before = np.maximum.accumulate(np.concatenate([[-np.inf], i_ty[order][:-1]]))
    keep_sorted = i_ty[order] > best_before + atol
    mask = np.zeros(len(i_xt), dtype=bool)
    mask[order] = keep_sorted
    return mask
