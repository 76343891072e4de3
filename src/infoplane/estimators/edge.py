"""EDGE: hashing-based (dependence-graph) mutual information, after Noshad, Zeng & Hero (2019).

Noshad, Zeng & Hero (2019), "Scalable Mutual Information Estimation using Dependence Graphs",
ICASSP, arXiv 1801.09125. Each sample is hashed by a randomly shifted grid of width eps (a
locality-sensitive hash, ``H1(x) = floor((x + b) / eps)``, b ~ U[0, eps)^d), optionally folded into
``F n`` buckets by a random second hash ``H2`` (collisions, which make the cost O(n)). The hashed X-
and Y-values are the two sides of a bipartite dependence graph whose edge (i, j) has ``N_ij``
samples; with vertex counts ``N_i``, ``M_j``,

    I_eps = sum_(i,j) (N_ij / n) * min( ln(N_ij n / (N_i M_j)), U )

where U caps the point-wise information. An ensemble over ``n_ensemble`` random shifts and widths
``eps * linspace(1, 1 + eps_range, L)`` is combined by the median (the reference implementation's
``'median'`` option; its optimal-weight LP needs cvxpy and is not implemented here).

This is our own implementation of the published algorithm with these documented simplifications:
axis-aligned random-shift grid hashing instead of p-stable projections; automatic width from a
histogram rule (below) instead of k-NN distances.

On the plane (n distinct inputs) every X-vertex has one sample, so I(X;T) is the plug-in entropy of
the hashed T and I(T;Y) the plug-in MI of hashed T and Y: EDGE behaves as binning with random
offsets (and collisions when ``bucket_factor`` is set), and inherits binning's dependence on the
width. Automatic width: ``eps = 2 s n^(-1 / (D + 2))`` with s the mean per-unit standard
deviation and D the joint dimension of the continuous variables (the MISE-optimal order of a
histogram's width; the factor 2 was chosen on our Gaussian benchmarks, see docs/estimators.md for
the resulting bias).
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import Field

from infoplane.estimators._common import is_discrete, pow2_scale, row_codes
from infoplane.estimators.base import BaseEstimator, EstimatorParams, Float, Int, function_forms
from infoplane.estimators.binning import entropy_of_keys, row_keys
from infoplane.estimators.registry import register


def _auto_eps(a: np.ndarray, joint_dim: int) -> np.ndarray:
    """Automatic width 2 s n^(-1/(D+2)) per batch element for a (B, n, d); D the joint dimension."""
    n = a.shape[-2]
    s = a.std(axis=-2).mean(axis=-1)
    s = np.where(s > 0, s, 1.0)
    return 2.0 * s * n ** (-1.0 / (joint_dim + 2))


def _hash(
    a: np.ndarray, eps: np.ndarray, shift: np.ndarray, buckets: int | None, salt: int
) -> np.ndarray:
    """Bucket keys (B, n) of a (B, n, d): grid cell of width eps (B,), shift (d,) in [0, 1)."""
    cells = np.floor(a / eps[:, None, None] + shift).astype(np.int64)
    keys = row_keys(cells)
    if buckets is None:
        return keys
    mult = np.uint64(
        0x9E3779B97F4A7C15 ^ (salt * 0x632BE59BD9B4E019 & 0xFFFFFFFFFFFFFFFF)
    ) | np.uint64(1)
    with np.errstate(over="ignore"):
        h = keys.view(np.uint64) * mult
    return (h >> np.uint64(17)) % np.uint64(buckets)


def _mi_keys_nats(kx: np.ndarray, ky: np.ndarray, cap: float) -> np.ndarray:
    """EDGE sum over edges for integer keys (B, n) x (B, n) or (n,), vectorised over B."""
    kx = np.asarray(kx)
    ky = np.broadcast_to(ky, kx.shape)
    n = kx.shape[-1]
    out = np.empty(kx.shape[0])
    for b in range(kx.shape[0]):  # loop over batch; each step is sort-based, no loop over samples
        _ux, ix, cx = np.unique(kx[b], return_inverse=True, return_counts=True)
        uy, iy, cy = np.unique(ky[b], return_inverse=True, return_counts=True)
        joint = ix.astype(np.int64) * len(uy) + iy
        uj, cj = np.unique(joint, return_counts=True)
        ni = cx[uj // len(uy)]
        mj = cy[uj % len(uy)]
        w = np.log(cj * n / (ni * mj))
        out[b] = float((cj / n * np.minimum(w, cap)).sum())
    return out


@register
class EDGEEstimator(BaseEstimator):
    """Ensemble dependence-graph estimator (EDGE) of mutual information, Noshad, Zeng & Hero (2019).

    .. math:: \\hat I_\\epsilon = \\sum_{(i,j)} \\frac{N_{ij}}{n}
        \\min\\left(\\ln \\frac{N_{ij}\\, n}{N_i M_j}, U\\right)

    ``estimate(x, y)`` hashes each variable (continuous ones by a randomly shifted grid, discrete
    ones exactly) and sums over the edges of the dependence graph; ``information_plane`` gives
    (H(hashed T), I(hashed T; Y)) for n distinct inputs, medians over the ensemble.

    Args:
        {params}

    Returns:
        ``estimate``: an :class:`~infoplane.interface.MIResult` in ``unit``.
        ``information_plane``: (i_xt, i_ty), arrays of shape ``t.shape[:-2]`` in ``unit``;
        I(X;T) <= log n.

    Raises:
        InfoplaneError: for invalid parameters, bad data, or ``x`` passed to
            ``information_plane``.

    Notes:
        The estimate is a plug-in over hashed cells, so it is biased low when cells hold few
        samples; the ensemble reduces the variance from the random offsets, not that bias. Each
        continuous variable is divided by a power of two near its largest magnitude before its
        width is set (exact, scale-free), so data near 1e160 or 1e-200 keep their dependence.
        Emits no flags (a plug-in sum is never negative beyond round-off).

    References:
        Noshad, M., Zeng, Y., Hero, A. O. (2019). Scalable Mutual Information Estimation using
        Dependence Graphs. ICASSP. arXiv 1801.09125.

    Example:
        >>> import numpy as np
        >>> x = np.repeat([0, 1], 50)            # a fair bit, copied: I = 1 bit exactly
        >>> round(EDGEEstimator().estimate(x, x.copy()).value, 9)
        1.0
    """

    name = "edge"
    plane_accepts_x = False

    class Params(EstimatorParams):
        """Hyper-parameters of :class:`EDGEEstimator`."""

        epsilon: Float = Field(
            1.0,
            gt=0,
            description="hash width relative to the automatic width 2 s n^(-1/(D+2)) (s: mean "
            "per-unit std of the variable, D: joint dimension of the continuous variables)",
        )
        n_ensemble: Int = Field(
            5, ge=1, description="random hashes (shift and width) combined by the median"
        )
        eps_range: Float = Field(
            0.5, ge=0, description="widths span eps * [1, 1 + eps_range] across the ensemble"
        )
        bucket_factor: Float | None = Field(
            None,
            gt=0,
            description="fold cells into bucket_factor * n buckets by a random hash (the paper's "
            "H2, collisions included); ``None`` keeps cells exact",
        )
        max_pointwise: Float | None = Field(
            None,
            gt=0,
            description="cap U on the point-wise information in nats; ``None`` = ln n (no cap "
            "in effect)",
        )
        seed: Int = Field(0, ge=0, description="seed of the random shifts")

    def _keys(
        self, a: np.ndarray, member: int, rng: np.random.Generator, joint_dim: int
    ) -> np.ndarray:
        """Hash keys (B, n) of a (B, n, d) for ensemble member ``member``."""
        if is_discrete(a):
            return np.stack([row_codes(ab) for ab in a])
        a = pow2_scale(a, axis=(1, 2))[0]  # exact; the width scales with the data
        grow = 1.0 + self.eps_range * (member / max(self.n_ensemble - 1, 1))
        eps = _auto_eps(a, joint_dim) * self.epsilon * grow
        shift = rng.random(a.shape[-1])
        n = a.shape[-2]
        buckets = None if self.bucket_factor is None else max(math.ceil(self.bucket_factor * n), 1)
        return _hash(a, eps, shift, buckets, member)

    def _cap(self, n: int) -> float:
        return math.log(n) if self.max_pointwise is None else self.max_pointwise

    def _mi_nats(self, x: np.ndarray, y: np.ndarray) -> float:
        n = x.shape[0]
        rng = np.random.default_rng(self.seed)
        dim = (0 if is_discrete(x) else x.shape[1]) + (0 if is_discrete(y) else y.shape[1])
        vals = [
            _mi_keys_nats(
                self._keys(x[None], m, rng, dim), self._keys(y[None], m, rng, dim), self._cap(n)
            )[0]
            for m in range(self.n_ensemble)
        ]
        return float(np.median(vals))

    def _plane_nats(
        self, t: np.ndarray, labels: np.ndarray, x: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        n = t.shape[-2]
        rng = np.random.default_rng(self.seed)
        h_all, i_all = [], []
        for member in range(self.n_ensemble):
            keys = self._keys(t, member, rng, t.shape[-1])
            h = entropy_of_keys(keys)
            if self.max_pointwise is None or self.max_pointwise >= math.log(n):
                # the cap cannot bind (point-wise information <= ln n): plug-in MI, vectorised
                h_cond = np.zeros_like(h)
                for c in np.unique(labels):  # loop over classes (few), not samples
                    mask = labels == c
                    h_cond += mask.mean() * entropy_of_keys(keys[:, mask])
                i = h - h_cond
            else:
                i = _mi_keys_nats(keys, labels, self._cap(n))
            h_all.append(h)
            i_all.append(i)
        return np.median(np.stack(h_all), axis=0), np.median(np.stack(i_all), axis=0)


edge_mutual_information, edge_information_plane = function_forms(EDGEEstimator)

__test__ = {f.__name__: f for f in (edge_mutual_information, edge_information_plane)}

__all__ = ["EDGEEstimator", "edge_information_plane", "edge_mutual_information"]
