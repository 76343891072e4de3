"""Mutual information after a lossy linear compression: copula, canonical directions, then KSG.

Implements the approach of Butakov, Tolmachev, Malanchuk, Neopryatnaya, Frolov & Andreev (2024),
"Information Bottleneck Analysis of Deep Neural Networks via Lossy Compression", ICLR,
arXiv 2305.08013: high-dimensional variables are compressed to a few coordinates and the mutual
information of the compressed pair is estimated with a k-nearest-neighbour (KSG) estimator; by the
data-processing inequality the compressed pair carries at most I(X;Y), with equality when the
compression keeps the dependence. Their compressor is an auto-encoder per variable; here it is a
linear map chosen on a fitting part of the samples:

1. every continuous coordinate is replaced by its normal score Phi^-1(rank / (n + 1)) (a Gaussian
   copula transform: invertible per coordinate, so the MI is unchanged and heavy tails are tamed);
2. on a fitting part of the samples, candidate compressions are built: the canonical components
   (CCA, Hotelling 1936) whose canonical correlation stands above the sampling noise edge
   sqrt(d_x / m) + sqrt(d_y / m) (m fitting samples), at most ``max_components``; the radius of
   each whitened variable (the shared scale of a heavy-tailed scale mixture such as the Student-t,
   which correlations do not see); both; and, when both variables have at most
   ``max_components`` dimensions, all canonical coordinates (no compression);
3. the candidate with the largest KSG estimate on the fitting part is chosen, and KSG (Kraskov,
   Stoegbauer & Grassberger 2004) estimates the MI of that compressed pair on the other part,
   which took no part in the choice.

One discrete variable (Ross 2014): the continuous one is standardised and, when wider than
``max_components``, projected on its top principal components (fitted on all samples: PCA does
not see the discrete variable), and KSG runs on all samples.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from pydantic import Field

from infoplane.estimators._common import is_discrete, pow2_scale, row_codes
from infoplane.estimators.base import BaseEstimator, EstimatorParams, Float, Int, function_forms
from infoplane.estimators.registry import estimator_class, register
from infoplane.interface import InfoplaneError

#: relative eigenvalue floor of the covariances that are whitened
_EIG_FLOOR = 1e-10


def _normal_scores(a: np.ndarray) -> np.ndarray:
    """Per-column normal scores Phi^-1(rank / (n + 1)) (ties share their average rank)."""
    from scipy.special import ndtri
    from scipy.stats import rankdata

    return ndtri(rankdata(a, axis=0) / (a.shape[0] + 1))


def _whitener(c: np.ndarray, shrinkage: float) -> np.ndarray:
    """C^{-1/2} of a covariance (d, d), shrunk towards its mean variance, eigenvalues floored."""
    d = c.shape[0]
    c = (1.0 - shrinkage) * c + shrinkage * np.trace(c) / d * np.eye(d)
    w, v = np.linalg.eigh(c)
    w = np.maximum(w, _EIG_FLOOR * max(float(w.max()), 1e-300))
    return (v / np.sqrt(w)) @ v.T


def canonical_directions(
    x: np.ndarray, y: np.ndarray, shrinkage: float = 0.0, *, full: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Canonical correlations and directions of two continuous samples (CCA, Hotelling 1936).

    Args:
        x: samples of shape (n_samples, d_x), float.
        y: samples of shape (n_samples, d_y), float.
        shrinkage: weight of the scaled identity mixed into each covariance before whitening, in
            [0, 1) (0: the sample covariances).
        full: return complete bases, ``a`` (d_x, d_x) and ``b`` (d_y, d_y), the directions beyond
            r uncorrelated with the other variable (default ``False``: r columns each).

    Returns:
        (rho, a, b): canonical correlations ``rho`` of shape (r,), r = min(d_x, d_y), in
        decreasing order (unitless, in [0, 1]); direction matrices ``a`` (d_x, r) and ``b``
        (d_y, r) such that ``(x - x.mean(0)) @ a`` and ``(y - y.mean(0)) @ b`` have unit
        variance and correlations ``rho`` pairwise, 0 across pairs.

    Raises:
        InfoplaneError: for fewer than 2 samples or mismatched lengths.

    Notes:
        Computed in float64 as the singular value decomposition of the whitened cross-covariance
        ``W_x S_xy W_y`` (``W = S^{-1/2}`` by ``eigh``, eigenvalues floored at 1e-10 of the
        largest, so rank-deficient data do not fail). The sample canonical correlations of
        independent variables are not 0: the largest is about sqrt(d_x / n) + sqrt(d_y / n).

    References:
        1. Hotelling, H. (1936). Relations between two sets of variates. Biometrika 28:321-377.
        2. Butakov, I. et al. (2024). Information Bottleneck Analysis of Deep Neural Networks via
           Lossy Compression. ICLR. arXiv 2305.08013 (MI of compressed representations).

    Example:
        >>> rng = np.random.default_rng(0)
        >>> x = rng.standard_normal((4000, 3))
        >>> y = np.c_[0.8 * x[:, 0] + 0.6 * rng.standard_normal(4000), rng.standard_normal(4000)]
        >>> rho, a, b = canonical_directions(x, y)
        >>> [round(float(r), 1) for r in rho], a.shape, b.shape
        ([0.8, 0.0], (3, 2), (2, 2))
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape[0] != y.shape[0] or x.shape[0] < 2:
        raise InfoplaneError(
            f"x and y need the same number (>= 2) of samples; got {x.shape[0]} and {y.shape[0]}."
        )
    n = x.shape[0]
    xc, yc = x - x.mean(0), y - y.mean(0)
    wx = _whitener(xc.T @ xc / n, shrinkage)
    wy = _whitener(yc.T @ yc / n, shrinkage)
    u, rho, vt = np.linalg.svd(wx @ (xc.T @ yc / n) @ wy, full_matrices=full)
    return np.clip(rho, 0.0, 1.0), wx @ u, wy @ vt.T


def _pca_directions(c: np.ndarray, n_keep: int) -> np.ndarray:
    """Whitening directions (d, n_keep) onto the top principal components of c (n, d)."""
    cc = c - c.mean(0)
    w, v = np.linalg.eigh(cc.T @ cc / c.shape[0])
    order = np.argsort(w)[::-1][:n_keep]
    w = np.maximum(w[order], _EIG_FLOOR * max(float(w.max()), 1e-300))
    return v[:, order] / np.sqrt(w)


@register
class CompressedKSGEstimator(BaseEstimator):
    """KSG mutual information after a copula transform and a linear (canonical) compression.

    .. math:: \\hat I(X;Y) = \\hat I_{KSG}(A^\\top \\Phi^{-1}(F_X(X)); B^\\top \\Phi^{-1}(F_Y(Y)))

    with F the per-coordinate empirical distribution functions, A and B the canonical directions
    kept (at most ``max_components`` each), fitted on a part of the samples and applied to the
    rest (Butakov et al. 2024: MI of compressed representations). See the module docstring.

    Args:
        {params}

    Shapes: x (n_samples, d_x), y (n_samples, d_y); on the plane t (..., n_samples, n_units).

    {returns}

    Raises:
        InfoplaneError: for invalid parameters, bad data, two discrete variables (use
            ``binning``), too few samples for KSG on the estimation part, or ``x`` passed to
            ``information_plane``.

    Notes:
        What the number is: the KSG estimate of I(A'X'; B'Y') for the normal-score data X', Y'.
        By the data-processing inequality it targets a lower bound on I(X;Y) when compressing
        (equality when the dependence lies in the kept directions: Gaussian-copula pairs, the
        sparse and dense multinormal tasks of Czyz et al. and their per-coordinate transforms),
        plus KSG's own bias (low for large MI in many dimensions). Dependence that is invisible to
        correlations of normal scores (Student-t with identity dispersion: all of its MI is tail
        dependence) is lost by the linear candidates; the radius candidate keeps the shared scale
        of scale mixtures (Student-t), and for at most ``max_components`` dimensions the
        uncompressed pair is a candidate too. The choice uses the fitting part only; the value
        is computed on the other part (``fit_fraction``), so noise directions that CCA finds by
        chance carry no information there. On the plane the layer is projected orthonormally on
        its top ``max_components`` principal components P and ``ksg``'s plane is applied: I(X;
        P'T + Z') with Z' ~ N(0, noise_variance I) is the noisy channel of the compressed layer,
        at most the full layer's I(X; T + Z) (data processing). Measured
        on the tasks of Czyz et al. at N = 5000 in ``docs/estimators.md``.

    References:
        1. Butakov, I., Tolmachev, A., Malanchuk, S., Neopryatnaya, A., Frolov, A., Andreev, K.
           (2024). Information Bottleneck Analysis of Deep Neural Networks via Lossy Compression.
           ICLR. arXiv 2305.08013.
        2. Kraskov, A., Stoegbauer, H., Grassberger, P. (2004). Estimating mutual information.
           Phys. Rev. E 69:066138. arXiv cond-mat/0305641, eq. 8.
        3. Hotelling, H. (1936). Relations between two sets of variates. Biometrika 28:321-377.
        4. Czyz, P. et al. (2023). Beyond Normal: On the Evaluation of Mutual Information
           Estimators. NeurIPS. arXiv 2306.11078.

    Example:
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> z = rng.standard_normal((3000, 1))
        >>> x = np.c_[z + 0.5 * rng.standard_normal((3000, 1)), rng.standard_normal((3000, 9))]
        >>> y = np.c_[rng.standard_normal((3000, 9)), np.exp(z)]     # heavy-ish, monotone in z
        >>> truth = 0.5 * np.log2(1 + 1 / 0.25)                       # 1.16 bits
        >>> bool(abs(CompressedKSGEstimator().estimate(x, y).value - truth) < 0.15)
        True
    """

    name = "ksg_compressed"
    bootstrap_resample = "subsample"
    plane_accepts_x = False

    class Params(EstimatorParams):
        """Hyper-parameters of :class:`CompressedKSGEstimator`."""

        max_components: Int = Field(
            5,
            ge=1,
            description="the most canonical (or principal) components kept per variable; when "
            "both variables have at most this many dimensions, no compression is a candidate too",
        )
        k: Int = Field(3, ge=1, description="KSG's number of neighbours")
        fit_fraction: Float = Field(
            0.5,
            gt=0,
            lt=1,
            description="share of the samples on which the directions are chosen (when "
            "compressing); KSG runs on the rest",
        )
        shrinkage: Float = Field(
            0.0, ge=0, lt=1, description="shrinkage of the covariances whitened by CCA / PCA"
        )
        noise_variance: Float = Field(
            1e-3,
            gt=0,
            description="plane only: sigma^2 of the noise of KSG's noisy layer, in the "
            "activations' units squared (see ``ksg``)",
        )
        seed: Int = Field(
            0, ge=0, description="seed of the split into fitting and estimation parts"
        )

    def _ksg(self, **extra: Any) -> Any:
        return estimator_class("ksg")(k=self.k, preprocess="none", unit="nats", **extra)

    def _split(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        perm = np.random.default_rng(self.seed).permutation(n)
        n_fit = round(self.fit_fraction * n)
        fit, est = perm[:n_fit], perm[n_fit:]
        if n_fit <= self.k + 4 or len(est) <= self.k + 4:
            raise InfoplaneError(
                f"{self.name}: {n} samples are too few to choose the compression on {n_fit} and "
                f"run KSG (k={self.k}) on the other {len(est)}; pass more samples (hundreds)."
            )
        return fit, est

    def _ksg_raw(self, x: np.ndarray, y: np.ndarray) -> float:
        out = self._ksg()._mi_nats(x, y)
        return float(out[0] if isinstance(out, tuple) else out)

    def _mixed(self, x: np.ndarray, y: np.ndarray) -> float:
        """One discrete variable: the continuous one standardised and, when wider than
        ``max_components``, projected on its top principal components (fitted on all samples:
        PCA does not see the discrete variable, so it cannot add information about it)."""
        dx = is_discrete(x)
        c, _ = pow2_scale(y if dx else x, axis=0)
        c = c - c.mean(0)
        c = c / np.where(c.std(0) > 0, c.std(0), 1.0)
        if c.shape[1] > self.max_components:
            c = c @ _pca_directions(c, self.max_components)
        codes = row_codes(x if dx else y)[:, None]
        return self._ksg_raw(codes, c) if dx else self._ksg_raw(c, codes)

    def _mi_nats(self, x: np.ndarray, y: np.ndarray) -> float | tuple[float, tuple[str, ...]]:
        if is_discrete(x) and is_discrete(y):
            raise InfoplaneError(
                f"estimator {self.name!r} needs at least one continuous variable; both x and y "
                "are discrete (integer dtype). Use 'binning' (plug-in) for two discrete variables."
            )
        if is_discrete(x) or is_discrete(y):
            return self._mixed(x, y)
        fit, est = self._split(x.shape[0])
        xs = _normal_scores(pow2_scale(x, axis=0)[0])
        ys = _normal_scores(pow2_scale(y, axis=0)[0])
        candidates = self._candidates(xs, ys, fit)
        # choose the compression by its KSG estimate on the fitting part; report the other part
        scores = [self._ksg_raw(*(_normal_scores(f(fit)) for f in pair)) for pair in candidates]
        fx, fy = candidates[int(np.argmax(scores))]
        return self._ksg_raw(_normal_scores(fx(est)), _normal_scores(fy(est)))

    def _candidates(self, xs: np.ndarray, ys: np.ndarray, fit: np.ndarray) -> list[tuple]:
        """Compressions (feature maps of sample indices) fitted on the fitting part: the
        canonical components, the radii of the whitened variables, and both."""
        m = self.max_components
        rho, a, b = canonical_directions(xs[fit], ys[fit], self.shrinkage, full=True)
        # the canonical components above the noise edge of independent samples, 1 to m of them
        edge = math.sqrt(xs.shape[1] / len(fit)) + math.sqrt(ys.shape[1] / len(fit))
        r = int(min(m, max(1, np.count_nonzero(rho > edge))))
        ax, by = a[:, :r], b[:, :r]
        mx, my = xs[fit].mean(0), ys[fit].mean(0)
        wx = _whitener(np.cov(xs[fit].T, bias=True).reshape(xs.shape[1], -1), self.shrinkage)
        wy = _whitener(np.cov(ys[fit].T, bias=True).reshape(ys.shape[1], -1), self.shrinkage)

        def lin_x(i: np.ndarray) -> np.ndarray:
            return (xs[i] - mx) @ ax

        def lin_y(i: np.ndarray) -> np.ndarray:
            return (ys[i] - my) @ by

        def rad_x(i: np.ndarray) -> np.ndarray:
            return np.linalg.norm((xs[i] - mx) @ wx, axis=1, keepdims=True)

        def rad_y(i: np.ndarray) -> np.ndarray:
            return np.linalg.norm((ys[i] - my) @ wy, axis=1, keepdims=True)

        def both_x(i: np.ndarray) -> np.ndarray:
            return np.c_[lin_x(i), rad_x(i)]

        def both_y(i: np.ndarray) -> np.ndarray:
            return np.c_[lin_y(i), rad_y(i)]

        def full_x(i: np.ndarray) -> np.ndarray:
            return (xs[i] - mx) @ a

        def full_y(i: np.ndarray) -> np.ndarray:
            return (ys[i] - my) @ b

        if xs.shape[1] == 1 and ys.shape[1] == 1:
            return [(lin_x, lin_y)]  # one dimension: the radius |x| only loses the sign
        out = [(lin_x, lin_y), (rad_x, rad_y), (both_x, both_y)]
        if xs.shape[1] <= m and ys.shape[1] <= m:  # small: also no compression at all
            out.append((full_x, full_y))
        return out

    def _plane_nats(
        self, t: np.ndarray, labels: np.ndarray, x: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        m = self.max_components
        proj = t
        if t.shape[-1] > m:  # orthonormal projection: P'(T + Z) = P'T + Z', Z' ~ N(0, s^2 I_m)
            tc = t - t.mean(axis=-2, keepdims=True)
            _, vecs = np.linalg.eigh(np.einsum("bni,bnj->bij", tc, tc))
            proj = np.einsum("bnd,bdk->bnk", t, vecs[..., ::-1][..., :m])
        ksg = estimator_class("ksg")(k=self.k, noise_variance=self.noise_variance, unit="nats")
        return ksg._plane_nats(proj, labels, None)


ksg_compressed_mutual_information, ksg_compressed_information_plane = function_forms(
    CompressedKSGEstimator
)

__test__ = {
    f.__name__: f for f in (ksg_compressed_mutual_information, ksg_compressed_information_plane)
}

__all__ = [
    "CompressedKSGEstimator",
    "canonical_directions",
    "ksg_compressed_information_plane",
    "ksg_compressed_mutual_information",
]
