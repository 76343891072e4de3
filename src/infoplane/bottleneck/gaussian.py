"""The Gaussian Information Bottleneck in closed form (Chechik, Globerson, Tishby & Weiss 2005).

For jointly Gaussian (X, Y) with covariances Sigma_x, Sigma_xy, Sigma_y the optimal IB representation
is a noisy linear projection T = A X + xi, xi ~ N(0, I). With Sigma_{x|y} = Sigma_x - Sigma_xy
Sigma_y^{-1} Sigma_yx, let v_i be the left eigenvectors of Sigma_{x|y} Sigma_x^{-1} with eigenvalues
0 < lambda_1 <= lambda_2 <= ... <= 1. Component i switches on at the critical beta

    beta_i^c = 1 / (1 - lambda_i),

and above it enters A with weight alpha_i = sqrt((beta (1 - lambda_i) - 1) / (lambda_i r_i)),
r_i = v_i^T Sigma_x v_i. With n(beta) active components the curve is (nats)

    I(X;T) = 1/2 sum_i log[(beta - 1)(1 - lambda_i) / lambda_i]
    I(T;Y) = I(X;T) - 1/2 sum_i log[beta (1 - lambda_i)]

and I(X;Y) = -1/2 sum_i log lambda_i is its ceiling. Values leave this module in bits.

References:
    Chechik, G., Globerson, A., Tishby, N., Weiss, Y. (2005). Information Bottleneck for Gaussian
    Variables. Journal of Machine Learning Research 6, 165-188.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from infoplane.bottleneck.curve import IBCurve
from infoplane.bottleneck.iterative import check_betas
from infoplane.interface import LN2, InfoplaneError


def _cov(a: Any, name: str, shape: tuple[int, ...] | None = None) -> np.ndarray:
    arr = np.atleast_2d(np.asarray(a, dtype=np.float64))
    if not np.isfinite(arr).all():
        raise InfoplaneError(f"{name} contains NaN or Inf; pass a finite covariance.")
    if shape is not None and arr.shape != shape:
        raise InfoplaneError(f"{name} must have shape {shape}; got {arr.shape}.")
    return arr


def _check_spd(a: np.ndarray, name: str) -> None:
    if a.shape[0] != a.shape[1] or not np.allclose(a, a.T, atol=1e-10 * max(1.0, np.abs(a).max())):
        raise InfoplaneError(f"{name} must be a symmetric square matrix; got shape {a.shape}.")
    if np.linalg.eigvalsh(a).min() <= 0:
        raise InfoplaneError(f"{name} must be positive definite (a non-degenerate covariance).")


@dataclass(frozen=True)
class GaussianIB:
    """The closed-form Gaussian IB of one covariance structure.

    Attributes:
        eigenvalues: lambda_i of Sigma_{x|y} Sigma_x^{-1}, ascending, shape (n_x,), in (0, 1].
        eigenvectors: the left eigenvectors v_i as columns, shape (n_x, n_x), scaled so that
            v_i^T Sigma_x v_i = 1.
        critical_betas: 1 / (1 - lambda_i), shape (n_x,) (inf where lambda_i = 1).
        i_xy: I(X;Y) in bits.
        sigma_x: Sigma_x, shape (n_x, n_x).
        sigma_x_given_y: Sigma_{x|y}, shape (n_x, n_x).

    Units: ``i_xy`` and the values of :meth:`information` and :meth:`curve` are in bits; beta
    multiplies a KL in nats (the standard scaling); eigenvalues and covariances carry the units
    of the data (eigenvalues are ratios of variances, dimensionless).

    Raises:
        InfoplaneError: from :meth:`projection` and :meth:`curve` for a beta that is not finite
            and > 0. Construction validates nothing: build it with
            :func:`gaussian_information_bottleneck`.

    Notes:
        Exact for jointly Gaussian (X, Y): no iteration, no local optima. The optimal T is a
        noisy linear projection, T = A X + xi with xi ~ N(0, I); ``projection(beta)`` gives A,
        whose scale is fixed by the unit noise (A is unique only up to an orthogonal rotation
        of T). Below the first critical beta T carries nothing (I(X;T) = I(T;Y) = 0); each
        further eigenvalue adds one dimension to T, so the curve is concave and changes form (not
        slope: it is 1/beta throughout) at each of the ``critical_betas``. A direction of X independent of Y has lambda = 1 and never switches
        on (critical beta inf). The IB of non-Gaussian data is not this curve; for a layer, the
        Gaussian IB of its covariances is the bound of a Gaussian surrogate only.

    References:
        Chechik, G., Globerson, A., Tishby, N., Weiss, Y. (2005). Information Bottleneck for
        Gaussian Variables. JMLR 6, 165-188.

    Example:
        >>> g = gaussian_information_bottleneck([[1.0]], [[np.sqrt(0.75)]], [[1.0]])
        >>> round(g.i_xy, 6)  # correlation 0.75 ** 0.5: I(X;Y) = -log2(1 - 0.75) / 2
        1.0
        >>> [round(float(v), 6) for v in g.information(4.0)]  # (log2(9) / 2, log2(3) / 2)
        [1.584963, 0.792481]
        >>> g.projection(4.0).round(6).tolist()  # alpha = sqrt((4 * 0.75 - 1) / 0.25)
        [[2.828427]]
    """

    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    critical_betas: np.ndarray
    i_xy: float
    sigma_x: np.ndarray
    sigma_x_given_y: np.ndarray

    def information(self, beta: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Closed-form (I(X;T), I(T;Y)) in bits at ``beta`` (scalar or array; same shape out)."""
        b = np.asarray(beta, dtype=np.float64)
        lam = self.eigenvalues
        active = b[..., None] > self.critical_betas
        with np.errstate(divide="ignore", invalid="ignore"):
            ixt = np.where(active, 0.5 * np.log((b[..., None] - 1) * (1 - lam) / lam), 0.0)
            gap = np.where(active, 0.5 * np.log(b[..., None] * (1 - lam)), 0.0)
        i_xt = ixt.sum(-1) / LN2
        return i_xt, i_xt - gap.sum(-1) / LN2

    def projection(self, beta: float) -> np.ndarray:
        """The optimal projection A(beta), shape (n_active, n_x): rows alpha_i v_i^T (T = A X + xi).

        Raises:
            InfoplaneError: if ``beta`` is not finite and > 0.
        """
        b = float(check_betas([beta], "beta")[0])
        lam = self.eigenvalues
        active = b > self.critical_betas
        r = np.einsum("ij,jk,ki->i", self.eigenvectors.T, self.sigma_x, self.eigenvectors)
        alpha = np.sqrt((b * (1 - lam[active]) - 1) / (lam[active] * r[active]))
        return alpha[:, None] * self.eigenvectors[:, active].T

    def curve(self, betas: Sequence[float] | np.ndarray | None = None) -> IBCurve:
        """The IB curve over ``betas`` (default: 60 log-spaced from 0.5 x the first critical beta).

        ``n_clusters`` holds the number of active components; ``lagrangian`` is I(X;T) -
        beta I(T;Y) in bits.
        """
        if betas is None:
            finite = self.critical_betas[np.isfinite(self.critical_betas)]
            lo = 0.5 * (finite.min() if finite.size else 1.0)
            hi = 100.0 * (finite.max() if finite.size else 1.0)
            betas = np.logspace(np.log10(lo), np.log10(hi), 60)
        b = check_betas(betas)
        i_xt, i_ty = self.information(b)
        n_active = (b[:, None] > self.critical_betas).sum(1)
        return IBCurve(
            beta=b, i_xt=i_xt, i_ty=i_ty, lagrangian=i_xt - b * i_ty,
            n_clusters=n_active.astype(np.int64), method="gaussian", i_xy=self.i_xy,
            params={"eigenvalues": self.eigenvalues.tolist()},
        )  # fmt: skip


def gaussian_information_bottleneck(sigma_x: Any, sigma_xy: Any, sigma_y: Any) -> GaussianIB:
    """Solve the Gaussian IB of jointly Gaussian (X, Y) in closed form.

    Args:
        sigma_x: covariance of X, shape (n_x, n_x), positive definite.
        sigma_xy: cross-covariance, shape (n_x, n_y).
        sigma_y: covariance of Y, shape (n_y, n_y), positive definite.

    Returns:
        A :class:`GaussianIB` (eigenvalues, critical betas, ``curve()``, ``projection(beta)``);
        its information values are in bits.

    Raises:
        InfoplaneError: for non-finite, non-symmetric or non-positive-definite covariances, shapes
            that do not fit, or a joint covariance that is not positive definite (Sigma_{x|y}
            singular: Y determines a direction of X, I(X;Y) infinite).

    Notes:
        The solution is exact given the covariances; with covariances estimated from n samples,
        I(X;Y) = -1/2 sum log lambda_i is biased upwards (by about n_x n_y / (2 n ln 2) bits for
        large n), and small eigenvalues of Sigma_{x|y} Sigma_x^{-1} are the least accurate.
        Singularity is judged relative to the largest entry of Sigma_x (1e-12), so badly scaled
        variables should be standardised first. Eigenvalues are clipped to (0, 1] against
        rounding.

    References:
        Chechik, G., Globerson, A., Tishby, N., Weiss, Y. (2005). Information Bottleneck for
        Gaussian Variables. JMLR 6, 165-188.

    Example:
        >>> g = gaussian_information_bottleneck([[1.0]], [[np.sqrt(0.75)]], [[1.0]])
        >>> g.eigenvalues.round(6).tolist(), g.critical_betas.round(6).tolist()
        ([0.25], [1.333333])
    """
    import scipy.linalg

    sx = _cov(sigma_x, "sigma_x")
    _check_spd(sx, "sigma_x")
    sy = _cov(sigma_y, "sigma_y")
    _check_spd(sy, "sigma_y")
    sxy = _cov(sigma_xy, "sigma_xy", (sx.shape[0], sy.shape[0]))
    sxgy = sx - sxy @ np.linalg.solve(sy, sxy.T)
    sxgy = (sxgy + sxgy.T) / 2
    if np.linalg.eigvalsh(sxgy).min() <= 1e-12 * np.abs(sx).max():
        raise InfoplaneError(
            "sigma_x - sigma_xy sigma_y^-1 sigma_yx is singular: Y determines a direction of X and "
            "I(X;Y) is infinite. Add noise to X (a positive definite joint covariance)."
        )
    lam, vecs = scipy.linalg.eigh(sxgy, sx)  # Sigma_{x|y} v = lambda Sigma_x v, v^T Sigma_x v = 1
    lam = np.clip(lam, 1e-300, 1.0)
    with np.errstate(divide="ignore"):
        crit = np.where(lam < 1.0, 1.0 / (1.0 - lam), np.inf)
    i_xy = float(-0.5 * np.log(lam).sum() / LN2)
    return GaussianIB(lam, vecs, crit, i_xy, sx, sxgy)


def split_joint_covariance(cov: Any, x_dim: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split a joint covariance of (X, Y) into (Sigma_x, Sigma_xy, Sigma_y).

    Args:
        cov: joint covariance, shape (n_x + n_y, n_x + n_y), X first.
        x_dim: n_x, an integer in [1, n_x + n_y - 1].

    Returns:
        ``(sigma_x, sigma_xy, sigma_y)`` of shapes (n_x, n_x), (n_x, n_y) and (n_y, n_y), views
        of ``cov`` as float64, in the units of the data (squared).

    Raises:
        InfoplaneError: if ``cov`` is not square, contains NaN or Inf, or ``x_dim`` is not an
            integer in [1, n - 1].

    Notes:
        Only the shape is checked here; symmetry and positive definiteness are checked by
        :func:`gaussian_information_bottleneck`. The lower-left block is not returned: for a
        symmetric ``cov`` it is ``sigma_xy.T``.

    References:
        Chechik, G., Globerson, A., Tishby, N., Weiss, Y. (2005). Information Bottleneck for
        Gaussian Variables. JMLR 6, 165-188 (the block notation).

    Example:
        >>> sx, sxy, sy = split_joint_covariance(np.eye(3), 2)
        >>> sx.shape, sxy.shape, sy.shape
        ((2, 2), (2, 1), (1, 1))
    """
    c = _cov(cov, "cov")
    n = c.shape[0]
    if c.ndim != 2 or c.shape != (n, n):
        raise InfoplaneError(f"the joint covariance must be square; got shape {c.shape}.")
    if (
        isinstance(x_dim, bool)
        or not isinstance(x_dim, (int, float, np.integer, np.floating))
        or not np.isfinite(x_dim)
        or int(x_dim) != x_dim
        or not 1 <= x_dim < n
    ):
        raise InfoplaneError(f"x_dim must be an integer in [1, {n - 1}]; got {x_dim!r}.")
    k = int(x_dim)
    return c[:k, :k], c[:k, k:], c[k:, k:]


def projection_information(
    a: Any, sigma_x: Any, sigma_xy: Any, sigma_y: Any
) -> tuple[float, float]:
    """(I(X;T), I(T;Y)) in bits of T = A X + xi, xi ~ N(0, I), computed directly from covariances.

    .. math:: I(X;T) = \\tfrac12 \\log|A\\Sigma_x A^T + I|, \\quad
              I(T;Y) = I(X;T) - \\tfrac12 \\log|A \\Sigma_{x|y} A^T + I|

    An independent check of the closed form (Chechik et al. 2005, eq. 12-13): it holds for any
    projection, optimal or not, so the closed-form curve of :class:`GaussianIB` must agree with it
    at ``A = projection(beta)`` and lie above it for every other A of the same I(X;T).

    Args:
        a: projection, shape (k, n_x), or (n_x,) for one row (k = 0 allowed: T carries nothing).
        sigma_x: covariance of X, shape (n_x, n_x), positive definite.
        sigma_xy: cross-covariance, shape (n_x, n_y).
        sigma_y: covariance of Y, shape (n_y, n_y), positive definite.

    Returns:
        ``(i_xt, i_ty)``: I(X;T) and I(T;Y) in bits, floats >= 0.

    Raises:
        InfoplaneError: if ``a`` does not have n_x columns, or the covariances contain NaN or
            Inf, or their shapes do not fit together.

    Notes:
        The noise xi has unit covariance, so scaling A changes the information (A -> 0 gives
        (0, 0)); the log-determinants use ``slogdet``, stable for near-singular A Sigma A^T + I.
        The covariances are not checked for positive definiteness here (see
        :func:`gaussian_information_bottleneck`); an indefinite Sigma_{x|y} gives meaningless
        values.

    References:
        Chechik, G., Globerson, A., Tishby, N., Weiss, Y. (2005). Information Bottleneck for
        Gaussian Variables. JMLR 6, 165-188.

    Example:
        >>> sx, sxy, sy = [[1.0]], [[np.sqrt(0.75)]], [[1.0]]
        >>> g = gaussian_information_bottleneck(sx, sxy, sy)
        >>> i_xt, i_ty = projection_information(g.projection(4.0), sx, sxy, sy)
        >>> round(i_xt, 6), round(i_ty, 6)  # the closed form at beta = 4
        (1.584963, 0.792481)
        >>> try:
        ...     projection_information(np.ones((2, 3)), np.eye(2), np.ones((2, 1)) / 2, [[1.0]])
        ... except InfoplaneError as err:
        ...     print(str(err)[:38])
        a must be a projection of shape (k, 2)
    """
    sx = _cov(sigma_x, "sigma_x")
    n_x = sx.shape[0]
    sx = _cov(sigma_x, "sigma_x", (n_x, n_x))
    sxy = _cov(sigma_xy, "sigma_xy")
    n_y = sxy.shape[1]
    sxy = _cov(sigma_xy, "sigma_xy", (n_x, n_y))
    sy = _cov(sigma_y, "sigma_y", (n_y, n_y))
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 1 and a.size in (0, n_x):
        a = a.reshape(-1, n_x)
    if a.ndim != 2 or a.shape[1] != n_x:
        raise InfoplaneError(
            f"a must be a projection of shape (k, {n_x}) (one row per dimension of T, one column "
            f"per dimension of X); got shape {a.shape}."
        )
    if not np.isfinite(a).all():
        raise InfoplaneError("a contains NaN or Inf; pass a finite projection.")
    if a.shape[0] == 0:
        return 0.0, 0.0
    sxgy = sx - sxy @ np.linalg.solve(sy, sxy.T)
    eye = np.eye(a.shape[0])
    ixt = 0.5 * np.linalg.slogdet(a @ sx @ a.T + eye)[1]
    ixt_y = 0.5 * np.linalg.slogdet(a @ sxgy @ a.T + eye)[1]
    return float(ixt / LN2), float((ixt - ixt_y) / LN2)
