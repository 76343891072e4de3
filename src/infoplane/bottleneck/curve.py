"""The result type of the Information Bottleneck curve algorithms, and its monotone envelope.

The IB curve (Tishby, Pereira & Bialek 1999, arXiv physics/0004057) is the set of optimal
(I(X;T), I(T;Y)) pairs; its slope at the point of trade-off parameter beta is 1/beta. Solutions found
by iterative algorithms may be sub-optimal; :meth:`IBCurve.envelope` keeps the Pareto-optimal ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from infoplane.interface import InfoplaneError

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

    Raises:
        Nothing: a frozen record that the solvers build (the IB, deterministic IB, dual IB and
        Gaussian IB), not validated. :meth:`to_frame` needs pandas (a dependency of infoplane).

    Notes:
        Each entry is the best stationary point found at its beta, which for the iterative
        methods need not be the global optimum: a sub-optimal point lies below the true curve.
        :meth:`envelope` keeps the Pareto-optimal points, sorted by I(X;T); it removes points
        that are dominated but cannot add the missing optimal ones. beta multiplies a KL in nats
        (the standard scaling), while ``i_xt``, ``i_ty`` and ``lagrangian`` are in bits, so the
        curve's slope dI(T;Y)/dI(X;T) at a point is 1/beta in either unit (the two terms share
        it). The Gaussian IB has no H(X) (``h_x`` is NaN): for continuous X, I(X;T) has no finite
        ceiling.

    References:
        1. Tishby, N., Pereira, F. C., Bialek, W. (1999). The Information Bottleneck Method. Proc.
           37th Allerton Conference. arXiv physics/0004057.
        2. Strouse, D. J., Schwab, D. J. (2017). The Deterministic Information Bottleneck. Neural
           Computation 29(6), 1611-1630. arXiv 1604.00268.
        3. Piran, Z., Shwartz-Ziv, R., Tishby, N. (2020). The Dual Information Bottleneck.
           arXiv 2006.04641.
        4. Chechik, G., Globerson, A., Tishby, N., Weiss, Y. (2005). Information Bottleneck for
           Gaussian Variables. JMLR 6, 165-188.

    Example:
        >>> import numpy as np
        >>> c = IBCurve(beta=np.array([1.0, 2.0, 5.0]), i_xt=np.array([0.0, 0.8, 0.6]),
        ...             i_ty=np.array([0.0, 0.3, 0.4]), lagrangian=np.array([0.0, 0.2, -1.4]),
        ...             n_clusters=np.array([1, 2, 2]), method="ib", i_xy=0.5, h_x=1.0)
        >>> env = c.envelope()  # (0.8, 0.3) is dominated by (0.6, 0.4)
        >>> env.i_xt.tolist(), env.i_ty.tolist(), env.beta.tolist()
        ([0.0, 0.6], [0.0, 0.4], [1.0, 5.0])
        >>> list(c.to_frame().columns)
        ['beta', 'i_xt', 'i_ty', 'lagrangian', 'n_clusters']
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


def monotone_envelope_mask(i_xt: Any, i_ty: Any, atol: float = 1e-12) -> np.ndarray:
    """Boolean mask of the Pareto-optimal points of (I(X;T), I(T;Y)) (low I(X;T), high I(T;Y)).

    A point is kept if every point with a smaller or equal I(X;T) has an I(T;Y) lower by more
    than ``atol``; of tied points (same I(X;T), I(T;Y) within ``atol``) the first in I(X;T)
    order, highest I(T;Y) first, is kept.

    Args:
        i_xt: I(X;T), shape (n,), any unit (bits from the solvers).
        i_ty: I(T;Y), shape (n,), the same unit as ``i_xt``.
        atol: a point is dominated only if another beats it by more than this, in the unit of
            ``i_ty`` (default 1e-12).

    Returns:
        Mask of shape (n,), in the input order: ``True`` for the points of the envelope.

    Raises:
        InfoplaneError: if ``i_xt`` and ``i_ty`` are not 1-D arrays of the same length, or
            contain NaN.

    Notes:
        Along the kept points, sorted by I(X;T), I(T;Y) is strictly increasing: the monotone
        envelope that an optimal IB curve must be (I(T;Y) is non-decreasing in I(X;T)). It is
        not the concave hull: the IB curve is also concave, but a non-concave dent is kept, since
        removing it would invent no better point. O(n log n) (one sort).

    References:
        Tishby, N., Pereira, F. C., Bialek, W. (1999). The Information Bottleneck Method. Proc.
        37th Allerton Conference. arXiv physics/0004057 (the curve is monotone and concave).

    Example:
        >>> monotone_envelope_mask([0.0, 1.0, 0.5, 2.0], [0.0, 0.2, 0.3, 0.3]).tolist()
        [True, False, True, False]
    """
    x = np.asarray(i_xt, dtype=np.float64)
    y = np.asarray(i_ty, dtype=np.float64)
    if x.ndim != 1 or x.shape != y.shape:
        raise InfoplaneError(
            f"i_xt and i_ty must be 1-D arrays of the same length; got shapes {x.shape} and "
            f"{y.shape}."
        )
    if np.isnan(x).any() or np.isnan(y).any():
        raise InfoplaneError("i_xt or i_ty contains NaN; drop the points that failed to solve.")
    order = np.lexsort((-y, x))
    best_before = np.maximum.accumulate(np.concatenate([[-np.inf], y[order][:-1]]))
    keep_sorted = y[order] > best_before + atol
    mask = np.zeros(len(x), dtype=bool)
    mask[order] = keep_sorted
    return mask
