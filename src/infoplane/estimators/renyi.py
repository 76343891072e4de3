"""Matrix-based Renyi alpha-entropy and mutual information (Sanchez Giraldo, Rao & Principe 2015).

Sanchez Giraldo, Rao & Principe (2015), "Measures of Entropy from Data Using Infinitely Divisible
Kernels", IEEE Trans. Inf. Theory 61(1):535-548, arXiv 1211.2459; applied to the information plane
by Yu, Wickstroem, Jenssen & Principe (2021), "Understanding Convolutional Neural Networks with
Information Theory: An Initial Exploration", IEEE TNNLS 32(1):435-442, arXiv 1804.06537.

For a sample of n points and a positive-definite kernel, the trace-normalised Gram matrix
``A_ij = K_ij / (n sqrt(K_ii K_jj))`` has eigenvalues lambda_k >= 0 summing to 1, and

    S_alpha(A) = 1 / (1 - alpha) log2( sum_k lambda_k^alpha )    (alpha = 1: -sum lambda ln lambda)
    S_alpha(A, B) = S_alpha( A o B / tr(A o B) )                      (Hadamard product)
    I_alpha(A; B) = S_alpha(A) + S_alpha(B) - S_alpha(A, B).

Kernels: Gaussian ``exp(-||a - b||^2 / (2 w^2))`` for continuous variables with width ``w`` from
Silverman's rule ``w = s (4 / ((d + 2) n))^(1 / (d + 4))``, Scott's rule ``w = s n^(-1 / (d + 4))``
(``s`` the mean per-unit standard deviation of that representation) or a fixed number; the Kronecker
kernel ``[a == b]`` for discrete variables, for which S_alpha is exactly the plug-in Renyi entropy.

On the plane X is n distinct inputs (Kronecker kernel, A_X = I / n), so I(X;T) = S_alpha(A_T), and
I(T;Y) uses the Kronecker kernel of the labels. The value is a functional of the Gram spectrum, not
a consistent estimate of Shannon information; it is bounded by log2(n) and therefore by
log2(n_samples_max) when subsampled.
"""

from __future__ import annotations

import itertools
import math
from typing import Any, Literal

import numpy as np
from pydantic import Field, field_validator

from infoplane._validation import as_samples
from infoplane.estimators._common import (
    check_float,
    is_discrete,
    pow2_scale,
    row_codes,
    stratified_subset,
)
from infoplane.estimators.base import BaseEstimator, EstimatorParams, Float, Int, function_forms
from infoplane.estimators.registry import register
from infoplane.interface import InfoplaneError, InfoplaneRuntimeError, convert

_CHUNK = 32
_REL_WIDTH_MAX = 1e12  # a fixed width relative to the data's scale is clamped to [1e-12, 1e12]


def _check_width(width: Any) -> str | float:
    if isinstance(width, str):
        if width not in ("silverman", "scott"):
            raise InfoplaneError(
                f"kernel_width must be 'silverman', 'scott' or a positive number; got {width!r}."
            )
        return width
    return check_float(width, "kernel_width", low=0.0)


def _scaled(t: np.ndarray) -> tuple[Any, np.ndarray]:
    """t (B, m, d) divided by a power of two per batch element (exact), as float64 torch, and the
    scales (B,), so that standard deviations and squared distances stay finite at any magnitude."""
    import torch

    ts, scale = pow2_scale(t, axis=(1, 2))
    return torch.as_tensor(ts, dtype=torch.float64), scale.reshape(-1)


def _widths(t: Any, rule: str | float, scale: np.ndarray | None = None) -> Any:
    """Kernel width per batch element for t (B, m, d) (torch), t divided by ``scale`` (B,)."""
    import torch

    b, m, d = t.shape
    if not isinstance(rule, str):
        rel = float(rule) / (np.ones(b) if scale is None else scale)
        rel = np.clip(rel, 1.0 / _REL_WIDTH_MAX, _REL_WIDTH_MAX)
        return torch.as_tensor(rel, dtype=t.dtype)
    s = t.std(dim=1).mean(dim=1) if m > 1 else torch.ones(b, dtype=t.dtype)
    s = torch.where(s > 0, s, torch.ones_like(s))  # constant layer: any width gives K = 1
    if rule == "silverman":
        return s * (4.0 / ((d + 2) * m)) ** (1.0 / (d + 4))
    return s * m ** (-1.0 / (d + 4))


def _gram(t: Any, rule: str | float, scale: np.ndarray | None = None) -> Any:
    """Normalised Gaussian Gram matrices A = K / m for t (B, m, d), float64 torch (t divided by
    ``scale``, see :func:`_scaled`)."""
    import torch

    w = _widths(t, rule, scale)
    sq = (t * t).sum(-1)
    d2 = (sq[:, :, None] + sq[:, None, :] - 2 * t @ t.transpose(1, 2)).clamp_(min=0)
    return torch.exp(-d2 / (2 * w[:, None, None] ** 2)) / t.shape[1]


def _entropy_of_matrix(a: Any, alpha: float) -> Any:
    """S_alpha in nats of trace-normalised PSD matrices a (..., m, m) (torch float64)."""
    import torch

    if alpha == 2.0:  # sum lambda^2 = ||A||_F^2: no eigendecomposition
        return -torch.log((a * a).sum((-2, -1)))
    lam = _eigvalsh(a).clamp_(min=0)
    lam = lam / lam.sum(-1, keepdim=True)
    if alpha == 1.0:
        return -(torch.special.xlogy(lam, lam)).sum(-1)
    return torch.log((lam**alpha).sum(-1)) / (1.0 - alpha)


def _eigvalsh(a: Any) -> Any:
    """Eigenvalues of symmetric PSD matrices a (..., m, m), float64 torch.

    LAPACK's divide-and-conquer can fail to converge on ill-conditioned Gram matrices with many
    (near-)repeated eigenvalues; it is then retried on the symmetrised matrix with a jitter of
    1e-12 x trace / m on the diagonal (moving each eigenvalue by that much), then with numpy's
    QR-based solver; if all fail, an :class:`InfoplaneRuntimeError` is raised -- never a raw
    LinAlgError.
    """
    import torch

    try:
        return torch.linalg.eigvalsh(a)
    except torch.linalg.LinAlgError:
        pass
    m = a.shape[-1]
    sym = 0.5 * (a + a.transpose(-2, -1))
    jitter = 1e-12 * sym.diagonal(dim1=-2, dim2=-1).sum(-1).abs()[..., None, None] / m
    sym = sym + jitter * torch.eye(m, dtype=a.dtype)
    try:
        return torch.linalg.eigvalsh(sym)
    except torch.linalg.LinAlgError:
        pass
    try:
        return torch.as_tensor(np.linalg.eigvalsh(sym.numpy()), dtype=a.dtype)
    except np.linalg.LinAlgError:
        raise InfoplaneRuntimeError(
            f"renyi: the eigendecomposition of a {m} x {m} Gram matrix did not converge, even with "
            "a diagonal jitter. Use alpha=2 (no eigendecomposition), a larger kernel_width, or a "
            "smaller n_samples_max."
        ) from None


def _renyi_discrete_nats(codes: np.ndarray, alpha: float) -> float:
    p = np.bincount(codes) / codes.shape[0]
    p = p[p > 0]
    if alpha == 1.0:
        return float(-(p * np.log(p)).sum())
    return float(np.log((p**alpha).sum()) / (1.0 - alpha))


def renyi_entropy(
    t: np.ndarray,
    *,
    alpha: float = 1.01,
    kernel_width: str | float = "silverman",
    unit: str = "bits",
) -> float:
    """Matrix-based Renyi alpha-entropy S_alpha(A) of a sample (Sanchez Giraldo et al. 2015).

    .. math:: S_\\alpha(A) = \\frac{1}{1-\\alpha} \\log \\sum_k \\lambda_k(A)^\\alpha

    Args:
        t: samples (n, d) or (n,); integer arrays use the Kronecker kernel (plug-in Renyi entropy).
        alpha: order > 0 (default 1.01; 1 gives the von Neumann / Shannon limit; 2 needs no
            eigendecomposition).
        kernel_width: ``"silverman"`` (default), ``"scott"`` or a fixed positive width.
        unit: ``"bits"`` (default) or ``"nats"``.

    Returns:
        S_alpha in ``unit``, in [0, log n].

    Raises:
        InfoplaneError: on bad input or parameters.
        InfoplaneRuntimeError: if the eigendecomposition fails even with a jitter.

    Notes:
        For continuous data the value depends on the kernel width and on n (it is at most log n);
        for integer data it is exactly the plug-in Renyi entropy of the distinct rows.

    References:
        Sanchez Giraldo, L. G., Rao, M., Principe, J. C. (2015). Measures of Entropy from Data
        Using Infinitely Divisible Kernels. IEEE Trans. Inf. Theory 61(1):535-548. arXiv 1211.2459.

    Example:
        >>> import numpy as np
        >>> round(renyi_entropy(np.array([0, 0, 1, 1]), alpha=2.0), 12)   # two equal classes
        1.0
    """
    a = as_samples(t, "t")
    alpha = check_float(alpha, "alpha", low=0.0)
    if is_discrete(a):
        return float(convert(_renyi_discrete_nats(row_codes(a), alpha), unit))
    ts, scale = _scaled(a[None])
    g = _gram(ts, _check_width(kernel_width), scale)
    return float(convert(float(_entropy_of_matrix(g, alpha)[0]), unit))


def _kron(codes: np.ndarray) -> Any:
    import torch

    c = torch.as_tensor(codes)
    return (c[:, None] == c[None, :]).double() / codes.shape[0]


@register
class RenyiEstimator(BaseEstimator):
    """Matrix-based Renyi alpha mutual information (Sanchez Giraldo et al. 2015; Yu et al. 2021).

    .. math:: I_\\alpha(A;B) = S_\\alpha(A) + S_\\alpha(B) - S_\\alpha\\left(\\frac{A\\circ B}
        {\\operatorname{tr}(A\\circ B)}\\right)

    Args:
        {params}

    Returns:
        ``estimate``: an :class:`~infoplane.interface.MIResult` in ``unit``.
        ``information_plane``: (i_xt, i_ty), arrays of shape ``t.shape[:-2]`` in ``unit``, each at
        most log2(n_samples_max) bits.

    Raises:
        InfoplaneError: for invalid parameters, bad data, or ``x`` passed to
            ``information_plane``.
        InfoplaneRuntimeError: if an eigendecomposition fails even with a jitter (see
            :func:`_eigvalsh`).

    Notes:
        Not a consistent estimator of Shannon MI for continuous variables: the value depends on the
        kernel width and on n. For discrete variables (Kronecker kernels) it is exactly the plug-in
        Renyi quantity, and at alpha = 1 the plug-in Shannon MI. Each representation is divided by
        a power of two (exact; a fixed ``kernel_width`` alike), so any magnitude of data works.
        Flags: ``"clipped_negative"`` when S(A) + S(B) - S(A o B) came out negative.

    References:
        1. Sanchez Giraldo, L. G., Rao, M., Principe, J. C. (2015). IEEE Trans. Inf. Theory
           61(1):535-548. arXiv 1211.2459.
        2. Yu, S., Wickstroem, K., Jenssen, R., Principe, J. C. (2021). Understanding
           Convolutional Neural Networks with Information Theory: An Initial Exploration. IEEE
           TNNLS 32(1):435-442. arXiv 1804.06537.

    Example:
        >>> import numpy as np
        >>> x = np.repeat([0, 1], 50)            # discrete: the plug-in value, 1 bit
        >>> round(RenyiEstimator(alpha=1.0).estimate(x, x.copy()).value, 9)
        1.0
    """

    name = "renyi"
    plane_accepts_x = False

    class Params(EstimatorParams):
        """Hyper-parameters of :class:`RenyiEstimator`."""

        alpha: Float = Field(
            1.01,
            gt=0,
            description="order of the entropy (Yu et al.: 1.01 to approximate Shannon's; 2 is the "
            "quadratic entropy, computed from Frobenius norms without eigendecomposition)",
        )
        kernel_width: Literal["silverman", "scott"] | Float = Field(
            "silverman",
            description='Gaussian kernel width: ``"silverman"`` or ``"scott"`` (rules on the mean '
            "per-unit std of each representation), or a fixed positive width in the data's units",
        )
        n_samples_max: Int | None = Field(
            256,
            ge=2,
            description="at most this many samples (class-stratified, seeded) are used, because "
            "each estimate needs the spectrum of an m x m Gram matrix, O(m^3); ``None`` = all",
        )
        seed: Int = Field(0, ge=0, description="seed of the subsample")

        @field_validator("kernel_width")
        @classmethod
        def _positive_width(cls, v: Any) -> Any:
            if not isinstance(v, str) and not v > 0:
                raise ValueError("a fixed kernel_width must be > 0")
            return v

    def _matrix(self, a: np.ndarray) -> Any:
        if is_discrete(a):
            return _kron(row_codes(a))[None]
        ts, scale = _scaled(a[None])
        return _gram(ts, self.kernel_width, scale)

    def _mi_nats(self, x: np.ndarray, y: np.ndarray) -> float:
        n = x.shape[0]
        if self.n_samples_max is not None and n > self.n_samples_max:
            idx = np.sort(
                np.random.default_rng(self.seed).choice(n, self.n_samples_max, replace=False)
            )
            x, y = x[idx], y[idx]
        ax, ay = self._matrix(x), self._matrix(y)
        axy = ax * ay
        axy = axy / axy.diagonal(dim1=-2, dim2=-1).sum(-1)[:, None, None]
        s = [float(_entropy_of_matrix(m, self.alpha)[0]) for m in (ax, ay, axy)]
        return s[0] + s[1] - s[2]

    def _plane_nats(
        self, flat: np.ndarray, lab: np.ndarray, x: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(S(A_T), S(A_T) + S(A_Y) - S(A_T o A_Y)) per representation, batched."""
        import torch

        idx = stratified_subset(lab, self.n_samples_max, self.seed)
        lab_s = lab[idx]
        order = np.argsort(lab_s, kind="stable")
        idx, lab_s = idx[order], lab_s[order]
        classes, counts = np.unique(lab_s, return_counts=True)
        m = len(idx)
        starts = np.concatenate([[0], np.cumsum(counts)])
        s_y = _renyi_discrete_nats(np.searchsorted(classes, lab_s), self.alpha)
        i_xt = np.empty(len(flat))
        i_ty = np.empty(len(flat))
        for s in range(0, len(flat), _CHUNK):
            tt, scale = _scaled(flat[s : s + _CHUNK][:, idx])
            a = _gram(tt, self.kernel_width, scale)
            s_t = _entropy_of_matrix(a, self.alpha)
            # A_T o A_Y normalised is block diagonal: A_T's class blocks, rescaled to trace 1.
            if self.alpha == 2.0:
                blocks = sum(
                    (a[:, lo:hi, lo:hi] ** 2).sum((-2, -1)) for lo, hi in itertools.pairwise(starts)
                )
                s_ty = -torch.log(blocks)  # tr(A o A_Y) = tr(A) = 1: no rescaling
            else:
                lams = [
                    _eigvalsh(a[:, lo:hi, lo:hi]).clamp_(min=0)
                    for lo, hi in itertools.pairwise(starts)
                ]
                lam = torch.cat(lams, dim=-1)
                lam = lam / lam.sum(-1, keepdim=True)
                if self.alpha == 1.0:
                    s_ty = -(torch.special.xlogy(lam, lam)).sum(-1)
                else:
                    s_ty = torch.log((lam**self.alpha).sum(-1)) / (1.0 - self.alpha)
            i_xt[s : s + _CHUNK] = s_t.numpy()
            i_ty[s : s + _CHUNK] = (s_t + s_y - s_ty).numpy()
        return np.clip(i_xt, 0.0, math.log(m)), i_ty


renyi_mutual_information, renyi_information_plane = function_forms(RenyiEstimator)

__test__ = {f.__name__: f for f in (renyi_mutual_information, renyi_information_plane)}

__all__ = ["RenyiEstimator", "renyi_entropy", "renyi_information_plane", "renyi_mutual_information"]
