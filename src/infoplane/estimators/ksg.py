"""k-nearest-neighbour estimators: KSG, Ross's mixed estimator, Kozachenko-Leonenko entropy.

Implements

- Kraskov, Stoegbauer & Grassberger (2004), "Estimating mutual information", Phys. Rev. E 69,
  066138, arXiv cond-mat/0305641, algorithms 1 and 2 (max-norm in the joint space);
- Ross (2014), "Mutual Information between Discrete and Continuous Data Sets", PLoS ONE 9(2):e87357,
  for one discrete variable (labels) and one continuous variable;
- Kozachenko & Leonenko (1987), "Sample estimate of the entropy of a random vector", Probl.
  Peredachi Inf. 23(2):9-16, the k-NN differential entropy.

Neighbour searches use scipy's ``cKDTree`` for low dimension and a chunked torch brute force for
wide layers (``backend="auto"`` picks by dimension), so memory stays O(chunk x n).

On the information plane a deterministic network with n distinct inputs has I(X;T) = infinity for
continuous T, so this module returns, for I(X;T), the information of the *noisy* layer
``U = T + Z``, ``Z ~ N(0, noise_variance I)`` -- the same channel as the KDE bounds and sample
propagation: ``n_noise_draws`` (M) noise draws are made per input and I(X;U) is Ross's estimate
with the input index as the discrete variable (classes of M points, k_x = min(k, M - 1)). Ross's
estimator is biased up by about ln(M) - psi(M) nats (0.39 bit at M = 2) when the inputs separate,
so I(X;U) is clipped at ln n. I(T;Y) is Ross's estimate on the clean activations with the labels
(finite because Y is discrete). Both average over ``n_eval`` class-stratified query points, with
all n points as neighbours.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import Field
from scipy.special import digamma, gammaln

from infoplane._validation import as_samples
from infoplane.estimators._common import (
    check_choice,
    check_int,
    is_discrete,
    pow2_scale,
    relative_variance,
    row_codes,
    stratified_subset,
)
from infoplane.estimators.base import BaseEstimator, EstimatorParams, Float, Int, function_forms
from infoplane.estimators.binning import _plugin_nats
from infoplane.estimators.registry import register
from infoplane.interface import InfoplaneError, convert

Backend = Literal["auto", "kdtree", "torch"]
_KDTREE_MAX_DIM = 20
_CHUNK = 1024


def _jitter(a: np.ndarray, scale: float, rng: np.random.Generator) -> np.ndarray:
    """Add tiny noise (``scale`` x the per-column std, at least ``scale``) to break ties."""
    if scale == 0:
        return a
    std = a.std(axis=0, keepdims=True)
    std = np.where(std > 0, std, 1.0)
    return a + scale * std * rng.standard_normal(a.shape)


def _standardise(a: np.ndarray) -> np.ndarray:
    """Scale each column to unit standard deviation (constant columns untouched), as scikit-learn
    does, so that the max-norm neighbours are invariant to per-coordinate affine maps.

    Each column is first divided by a power of two near its largest magnitude (exact), so the
    standard deviation neither overflows (data near 1e160) nor underflows (near 1e-200).
    """
    a, _ = pow2_scale(a, axis=0)
    a = a - a.mean(axis=0, keepdims=True)
    std = a.std(axis=0, keepdims=True)
    return a / np.where(std > 0, std, 1.0)


def _use_tree(backend: str, dim: int) -> bool:
    return backend == "kdtree" or (backend == "auto" and dim <= _KDTREE_MAX_DIM)


def _knn_maxnorm_torch(a: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Distances and indices of the k nearest neighbours (self excluded), max-norm, chunked
    torch."""
    import torch

    at = torch.as_tensor(a, dtype=torch.float64)
    n = at.shape[0]
    dists, idxs = [], []
    for s in range(0, n, _CHUNK):
        d = torch.cdist(at[s : s + _CHUNK], at, p=float("inf"))
        d[torch.arange(d.shape[0]), torch.arange(s, s + d.shape[0])] = float("inf")
        v, i = torch.topk(d, k, dim=1, largest=False)
        dists.append(v)
        idxs.append(i)
    return torch.cat(dists).numpy(), torch.cat(idxs).numpy()


def _count_within_torch(a: np.ndarray, radius: np.ndarray, *, strict: bool) -> np.ndarray:
    """Number of other points within ``radius`` (max-norm) of each point, chunked torch."""
    import torch

    at = torch.as_tensor(a, dtype=torch.float64)
    r = torch.as_tensor(radius, dtype=torch.float64)
    out = []
    for s in range(0, at.shape[0], _CHUNK):
        d = torch.cdist(at[s : s + _CHUNK], at, p=float("inf"))
        rr = r[s : s + _CHUNK, None]
        out.append(((d < rr) if strict else (d <= rr)).sum(1) - 1)
    return torch.cat(out).numpy()


def _knn_maxnorm(a: np.ndarray, k: int, backend: str) -> tuple[np.ndarray, np.ndarray]:
    if _use_tree(backend, a.shape[1]):
        from scipy.spatial import cKDTree

        d, i = cKDTree(a).query(a, k=k + 1, p=np.inf)
        return d[:, 1:], i[:, 1:]
    return _knn_maxnorm_torch(a, k)


def _count_within(a: np.ndarray, radius: np.ndarray, *, strict: bool, backend: str) -> np.ndarray:
    if _use_tree(backend, a.shape[1]):
        from scipy.spatial import cKDTree

        r = np.nextafter(radius, 0) if strict else radius
        return cKDTree(a).query_ball_point(a, r=r, p=np.inf, return_length=True) - 1
    return _count_within_torch(a, radius, strict=strict)


def _ksg_nats(x: np.ndarray, y: np.ndarray, k: int, algorithm: int, backend: str) -> float:
    n = x.shape[0]
    k = min(k, n - 1)
    xy = np.hstack([x, y])
    dist, idx = _knn_maxnorm(xy, k, backend)
    if algorithm == 1:
        eps = dist[:, -1]
        nx = _count_within(x, eps, strict=True, backend=backend)
        ny = _count_within(y, eps, strict=True, backend=backend)
        return float(digamma(k) + digamma(n) - np.mean(digamma(nx + 1) + digamma(ny + 1)))
    ex = np.abs(x[idx] - x[:, None, :]).max(axis=(1, 2))
    ey = np.abs(y[idx] - y[:, None, :]).max(axis=(1, 2))
    nx = _count_within(x, ex, strict=False, backend=backend)
    ny = _count_within(y, ey, strict=False, backend=backend)
    return float(digamma(k) - 1.0 / k + digamma(n) - np.mean(digamma(nx) + digamma(ny)))


def _ross_nats(c: np.ndarray, labels: np.ndarray, k: int, backend: str) -> float:
    """Ross (2014) I(C;L) for continuous c (n, d) and integer labels (n,), max-norm."""
    n = c.shape[0]
    _classes, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    keep = counts[inverse] > 1  # points alone in their class carry no neighbour information
    if keep.sum() < 2:
        raise InfoplaneError(
            "every discrete value occurs only once; Ross's estimator needs repeated values. "
            "Pass the discrete variable with repeats, or use 'kde_upper' for distinct inputs."
        )
    c, inverse = c[keep], inverse[keep]
    n = c.shape[0]
    counts = np.bincount(inverse)
    radius = np.empty(n)
    k_used = np.empty(n)
    for cl in np.nonzero(counts > 1)[0]:  # loop over classes, vectorised inside
        mask = inverse == cl
        kk = min(k, int(counts[cl]) - 1)
        d, _ = _knn_maxnorm(c[mask], kk, backend)
        radius[mask] = d[:, -1]
        k_used[mask] = kk
    m = _count_within(c, radius, strict=False, backend=backend)
    return float(
        digamma(n)
        - np.mean(digamma(counts[inverse]))
        + np.mean(digamma(k_used))
        - np.mean(digamma(m))
    )


def kl_entropy(
    t: np.ndarray,
    *,
    k: int = 3,
    metric: Literal["euclidean", "chebyshev"] = "euclidean",
    backend: Backend = "auto",
    unit: str = "bits",
) -> float:
    """Kozachenko-Leonenko k-NN estimate of the differential entropy h(T).

    .. math:: \\hat h = \\psi(n) - \\psi(k) + \\ln V_d + \\frac dn \\sum_i \\ln \\varepsilon_i

    with eps_i the distance from t_i to its k-th neighbour and V_d the volume of the unit ball of
    the metric (pi^{d/2} / Gamma(d/2 + 1) Euclidean, 2^d Chebyshev).

    Args:
        t: samples (n_samples, d) or (n_samples,), continuous (no repeated rows).
        k: neighbour order (default 3).
        metric: ``"euclidean"`` (default) or ``"chebyshev"``.
        backend: ``"auto"`` (cKDTree for d <= 20, else chunked torch), ``"kdtree"`` or ``"torch"``.
        unit: ``"bits"`` (default) or ``"nats"``.

    Returns:
        The entropy estimate in ``unit`` (may be negative: differential entropy).

    Raises:
        InfoplaneError: on bad input, or repeated rows (zero neighbour distance).

    Notes:
        Consistent; biased for small n and in high dimension (the k-NN ball is not small there).
        The data are divided by a power of two (exact) and d log(scale) added back, so any
        magnitude works.

    References:
        Kozachenko, L. F., Leonenko, N. N. (1987). Sample estimate of the entropy of a random
        vector. Probl. Peredachi Inf. 23(2):9-16.

    Example:
        >>> import numpy as np
        >>> t = np.random.default_rng(0).standard_normal(5000)
        >>> truth = 0.5 * np.log2(2 * np.pi * np.e)       # N(0, 1): 2.047 bits
        >>> bool(abs(kl_entropy(t) - truth) < 0.05)
        True
    """
    a, scale = pow2_scale(as_samples(t, "t"))  # exact: h(t) = h(t / s) + d ln s
    n, d = a.shape
    k = check_int(k, "k", minimum=1)
    if k >= n:
        raise InfoplaneError(f"k={k} must be smaller than n_samples={n}.")
    check_choice(metric, "metric", ("euclidean", "chebyshev"))
    if metric == "chebyshev":
        eps = _knn_maxnorm(a, k, backend)[0][:, -1]
        log_v = d * math.log(2.0)
    else:
        if _use_tree(backend, d):
            from scipy.spatial import cKDTree

            eps = cKDTree(a).query(a, k=k + 1)[0][:, -1]
        else:
            import torch

            at = torch.as_tensor(a)
            parts = []
            for s in range(0, n, _CHUNK):
                dd = torch.cdist(at[s : s + _CHUNK], at)
                parts.append(torch.topk(dd, k + 1, dim=1, largest=False)[0][:, -1])
            eps = torch.cat(parts).numpy()
        log_v = 0.5 * d * math.log(math.pi) - float(gammaln(0.5 * d + 1))
    if np.any(eps <= 0):
        raise InfoplaneError(
            "t has repeated rows (zero neighbour distance); the k-NN entropy needs continuous "
            "data. "
            "Add tiny noise or remove duplicates."
        )
    h = (
        digamma(n)
        - digamma(k)
        + log_v
        + d * np.mean(np.log(eps))
        + d * math.log(float(scale.reshape(())))
    )
    return float(convert(h, unit))


def _ksg_plane_nats(
    flat: np.ndarray,
    labels: np.ndarray,
    *,
    k: int,
    noise_variance: float,
    n_noise_draws: int,
    n_eval: int | None,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Ross estimates (I(X; T+Z), I(T; Y)) in nats for flat (B, n, d), Euclidean, torch.

    I(X; T+Z): ``n_noise_draws`` noisy copies of every input, the input index as the discrete
    variable. I(T;Y): the clean activations with the labels. Points are ordered by class so that the
    within-class neighbour search is a top-k on one contiguous block of columns.
    """
    import torch

    b_size, n, d = flat.shape
    m = n_noise_draws
    big_n = n * m
    kx = min(k, m - 1)
    rng = np.random.default_rng(seed)
    z64 = rng.standard_normal((n, m, d)) * math.sqrt(noise_variance)
    order = np.argsort(labels, kind="stable")
    classes, counts = np.unique(labels[order], return_counts=True)
    code = np.searchsorted(classes, labels[order])
    rows = stratified_subset(
        code, n_eval, seed
    )  # query inputs (sorted positions, grouped by class)
    q = torch.as_tensor(rows)
    draw = torch.as_tensor(rng.integers(0, m, size=len(rows)))
    qu = q * m + draw  # the query's noisy point among the n*m
    qc = code[rows]
    col_start = np.concatenate([[0], np.cumsum(counts)])
    q_start = np.concatenate([[0], np.cumsum(np.bincount(qc, minlength=len(classes)))])
    ky_c = np.minimum(k, counts - 1)
    ky = torch.as_tensor(np.maximum(ky_c[qc], 1))
    w = (counts / n)[qc] / np.bincount(qc, minlength=len(classes))[qc]
    w = torch.as_tensor(w / w.sum())
    own_draws = q[:, None] * m + torch.arange(m)[None, :]  # (q, m)
    ar = torch.arange(len(rows))
    const_x = float(digamma(big_n) - digamma(m) + digamma(kx))
    psi_nc = torch.special.digamma(torch.as_tensor(counts, dtype=torch.float64)[qc])
    const_y = (
        float(digamma(n))
        - float((w * psi_nc).sum())
        + float((w * torch.special.digamma(ky.double())).sum())
    )
    out_x = np.empty(b_size)
    out_y = np.empty(b_size)
    for b in range(b_size):
        # Rescale by a power of two (exact) with the noise alike: no overflow at any magnitude.
        tb, scale = pow2_scale(flat[b][order])
        scale = float(scale.reshape(()))
        rel_var, clamped = relative_variance(noise_variance, scale)
        zb = z64 / scale if not clamped else z64 * math.sqrt(rel_var / noise_variance)
        z = torch.as_tensor(zb, dtype=torch.float32)
        t = torch.as_tensor(tb, dtype=torch.float32)
        t = t - t.mean(0)
        # I(X; T+Z)
        u = (t[:, None, :] + z).reshape(big_n, d)
        u_sq = (u * u).sum(-1)
        dist = torch.addmm(u_sq[None, :], u[qu], u.T, alpha=-2.0)
        dist.add_(u_sq[qu, None]).clamp_(min=0)
        dist[ar, qu] = float("inf")  # exclude self
        r_x = torch.kthvalue(dist.gather(1, own_draws), kx, dim=1).values
        m_x = torch.le(dist, r_x[:, None]).to(torch.uint8).sum(1, dtype=torch.int32)
        out_x[b] = const_x - float((w * torch.special.digamma(m_x.clamp(min=kx).double())).sum())
        # I(T;Y) on the clean activations
        t_sq = (t * t).sum(-1)
        dist = torch.addmm(t_sq[None, :], t[q], t.T, alpha=-2.0)
        dist.add_(t_sq[q, None]).clamp_(min=0)
        dist[ar, q] = float("inf")
        r_y = torch.zeros(len(rows))
        for c in range(len(classes)):  # loop over classes (few), vectorised inside
            qs, qe = q_start[c], q_start[c + 1]
            if qe > qs and ky_c[c] >= 1:
                blk = dist[qs:qe, col_start[c] : col_start[c + 1]]
                r_y[qs:qe] = torch.topk(blk, int(ky_c[c]), dim=1, largest=False).values[:, -1]
        m_y = torch.le(dist, r_y[:, None]).to(torch.uint8).sum(1, dtype=torch.int32)
        m_y = torch.maximum(m_y, ky.to(torch.int32))
        out_y[b] = const_y - float((w * torch.special.digamma(m_y.double())).sum())
    return np.clip(out_x, 0.0, math.log(n)), np.maximum(out_y, 0.0)


@register
class KSGEstimator(BaseEstimator):
    """KSG / Ross k-nearest-neighbour mutual information (Kraskov et al. 2004; Ross 2014).

    .. math::
        \\hat I_1 = \\psi(k) + \\psi(n) - \\langle \\psi(n_x + 1) + \\psi(n_y + 1) \\rangle
        \\qquad \\hat I_2 = \\psi(k) - 1/k + \\psi(n) - \\langle \\psi(n_x) + \\psi(n_y) \\rangle

    ``estimate(x, y)``: KSG algorithm 1 or 2 for two continuous variables; Ross's estimator when one
    is discrete (integer dtype); the exact plug-in value when both are. Continuous columns are
    scaled to unit standard deviation first (as scikit-learn does), so the estimate is invariant
    to per-coordinate affine maps, at any magnitude of the data. ``information_plane``: Ross's
    estimates for the noisy layer T + N(0, noise_variance I), see the module docstring.

    Args:
        {params}

    Returns:
        ``estimate``: an :class:`~infoplane.interface.MIResult` in ``unit``.
        ``information_plane``: (i_xt, i_ty), arrays of shape ``t.shape[:-2]`` in ``unit``;
        I(X;T) in [0, log n].

    Raises:
        InfoplaneError: for invalid parameters, bad data, no more samples than ``k``, a discrete
            variable whose values all occur once (Ross's estimator needs repeats), or ``x`` passed
            to ``information_plane``.

    Notes:
        Consistent, with small bias for low dimension and moderate dependence; underestimates large
        MI (needs n of order exp(I)). Invariant under smooth invertible maps of each variable in the
        large-n limit. Fails on lattice-valued data (ties; the jitter only breaks them). Flags:
        ``"clipped_negative"`` when the bias-corrected estimate came out negative (typical for
        independent variables: the estimator's spread is about 0.01 bit at n = 1000).

    References:
        1. Kraskov, A., Stoegbauer, H., Grassberger, P. (2004). Estimating mutual information.
           Phys. Rev. E 69, 066138. arXiv cond-mat/0305641.
        2. Ross, B. C. (2014). Mutual Information between Discrete and Continuous Data Sets.
           PLoS ONE 9(2):e87357.

    Example:
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> x = rng.standard_normal(2000)
        >>> y = 0.8 * x + 0.6 * rng.standard_normal(2000)      # rho = 0.8
        >>> truth = -0.5 * np.log2(1 - 0.8**2)                  # 0.737 bits
        >>> bool(abs(KSGEstimator().estimate(x, y).value - truth) < 0.05)
        True
    """

    name = "ksg"
    #: duplicated rows (bootstrap resampling) give zero neighbour distances and bias KSG upwards
    bootstrap_resample = "subsample"
    plane_accepts_x = False

    class Params(EstimatorParams):
        """Hyper-parameters of :class:`KSGEstimator`."""

        k: Int = Field(3, ge=1, description="neighbour order (Kraskov et al. recommend 2-4)")
        algorithm: Literal[1, 2] = Field(
            1, description="algorithm 1 or 2 of Kraskov et al. (2004); ignored for mixed pairs"
        )
        backend: Literal["auto", "kdtree", "torch"] = Field(
            "auto",
            description='neighbour search: ``"auto"`` (cKDTree up to 20 dimensions, else chunked '
            'torch), ``"kdtree"`` or ``"torch"``',
        )
        jitter: Float = Field(
            1e-10,
            ge=0,
            description="relative tie-breaking noise added to standardised continuous columns in "
            "``estimate`` (as scikit-learn does); 0 disables",
        )
        seed: Int = Field(
            0, ge=0, description="seed of the jitter, the plane's noise draws and query subset"
        )
        noise_variance: Float = Field(
            1e-3,
            gt=0,
            description="plane only: sigma^2 of the Gaussian noise added to T, in the "
            "activations' units squared (as the KDE bounds on the 12-bit task)",
        )
        n_noise_draws: Int = Field(2, ge=2, description="plane only: noise draws per input")
        n_eval: Int | None = Field(
            256,
            ge=1,
            description="plane only: query points (class-stratified) per representation; "
            "``None`` = all n inputs",
        )

    def _mi_nats(self, x: np.ndarray, y: np.ndarray) -> float:
        if x.shape[0] <= self.k:
            raise InfoplaneError(
                f"x has {x.shape[0]} samples; KSG with k={self.k} needs more than k samples "
                "(pass more samples or a smaller k)."
            )
        dx, dy = is_discrete(x), is_discrete(y)
        if dx and dy:
            return _plugin_nats(row_codes(x), row_codes(y))
        rng = np.random.default_rng(self.seed)
        if dx or dy:
            c, lab = (y, x) if dx else (x, y)
            c = _jitter(_standardise(c.astype(np.float64)), self.jitter, rng)
            return _ross_nats(c, row_codes(lab), self.k, self.backend)
        xj = _jitter(_standardise(x.astype(np.float64)), self.jitter, rng)
        yj = _jitter(_standardise(y.astype(np.float64)), self.jitter, rng)
        return _ksg_nats(xj, yj, self.k, self.algorithm, self.backend)

    def _plane_nats(
        self, t: np.ndarray, labels: np.ndarray, x: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        return _ksg_plane_nats(
            t,
            labels,
            k=self.k,
            noise_variance=self.noise_variance,
            n_noise_draws=self.n_noise_draws,
            n_eval=self.n_eval,
            seed=self.seed,
        )


ksg_mutual_information, ksg_information_plane = function_forms(KSGEstimator)

__test__ = {f.__name__: f for f in (ksg_mutual_information, ksg_information_plane)}

__all__ = ["KSGEstimator", "kl_entropy", "ksg_information_plane", "ksg_mutual_information"]
