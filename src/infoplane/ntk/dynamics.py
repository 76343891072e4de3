"""Outputs of an infinite ensemble of infinitely wide networks trained by gradient flow on the MSE.

In the infinite-width limit a network trained by gradient flow evolves as its linearisation
(Lee et al. 2019, arXiv 1902.06720). With loss L = (1 / 2n) sum_i ||f(x_i) - y_i||^2 over n
training pairs and learning rate eta, the training outputs obey df/dt = -(eta / n) Theta (f - Y).
Over the ensemble of random initialisations (f_0 ~ GP(0, K), the NNGP) the outputs at time t are
Gaussian with (Lee et al. 2019, the Gaussian process of the NTK-trained ensemble; Shwartz-Ziv &
Alemi 2020, arXiv 1911.09189):

    mu(x, t)         = Theta(x, X) A_t Y,
    Sigma(x, x', t)  = K(x, x') + Theta(x, X) A_t K A_t Theta(X, x')
                       - Theta(x, X) A_t K(X, x') - K(x, X) A_t Theta(X, x'),
    A_t              = Theta^{-1} (I - exp(-eta t Theta / n)),

with Theta = Theta(X, X), K = K(X, X). Each output unit is an independent copy: the covariance is
the same for every unit and the mean has one column per unit. Diagonalising
Theta = V diag(lambda) V^T once makes A_t = V diag(-expm1(-eta t lambda / n) / lambda) V^T cheap for
every t; the limit lambda -> 0 (eta t / n) and t = inf (1 / lambda: kernel regression, Theta^+ on
a singular Theta) are exact.

Units: t is gradient-flow time in units of 1 / eta (``learning_rate * t`` is what matters); outputs
are in the units of the targets.

References:
    1. Lee, Xiao, Schoenholz, Bahri, Novak, Sohl-Dickstein & Pennington (2019). Wide Neural Networks
       of Any Depth Evolve as Linear Models Under Gradient Descent. NeurIPS. arXiv:1902.06720.
    2. Shwartz-Ziv & Alemi (2020). Information in Infinite Ensembles of Infinitely-Wide Neural
       Networks. Proc. 2nd Symposium on Advances in Approximate Bayesian Inference, PMLR 118.
       arXiv:1911.09189.
    3. Jacot, Gabriel & Hongler (2018). Neural Tangent Kernel. NeurIPS. arXiv:1806.07572.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from infoplane.interface import InfoplaneError
from infoplane.ntk.kernels import symmetrize_

_DTYPE = torch.float64


@dataclass(frozen=True)
class EnsemblePrediction:
    """Mean and (co)variance of the ensemble's outputs at several training times.

    Attributes:
        times: training times, shape (T,) (``inf`` allowed), units of 1 / learning_rate.
        mean: ensemble mean, shape (T, m, k) for m inputs and k output units.
        covariance: covariance over inputs, shape (T, m, m) (the same for every output unit), or
            ``None`` when only the variance was asked for.
        variance: per-input variance Sigma(x, x, t), shape (T, m), clipped at 0.
    """

    times: torch.Tensor
    mean: torch.Tensor
    covariance: torch.Tensor | None
    variance: torch.Tensor


def _as_matrix(a: Any, name: str) -> torch.Tensor:
    t = a if isinstance(a, torch.Tensor) else torch.as_tensor(np.asarray(a))
    t = t.to(_DTYPE)
    if not torch.isfinite(t).all():
        raise InfoplaneError(f"{name} contains NaN or Inf; recompute the kernels or check inputs.")
    return t


def _owned_matrix(a: Any, name: str) -> torch.Tensor:
    """``a`` as a float64 matrix; a function is called first (its result is then ours to modify)."""
    return _as_matrix(a() if callable(a) else a, name)


def _symmetrized(m: torch.Tensor, *, owned: bool) -> torch.Tensor:
    """(m + m^T) / 2: in place when ``m`` is ours, else a new matrix (the caller's is kept)."""
    return symmetrize_(m) if owned else (m + m.T).mul_(0.5)


def release_free_heap() -> None:
    """Give the heap's free pages back to the system (glibc ``malloc_trim``; elsewhere nothing).

    Blocks of a few MB (kernel row blocks, prediction chunks) leave tens of MB free but resident
    in the heap; returned before the next (n, n) work (the eigendecomposition, the KL), they are
    not added to the peak RSS (about 30-50 MB each on the 12-bit task).
    """
    import ctypes

    try:
        trim = ctypes.CDLL(None).malloc_trim  # the C library already loaded in this process
    except (OSError, AttributeError, TypeError):  # not glibc (macOS, Windows, musl): nothing
        return
    trim.argtypes = [ctypes.c_size_t]
    trim(0)


def as_times(times: Any) -> torch.Tensor:
    """Return training times as a float64 tensor of shape (T,), checking they are >= 0 (``inf`` ok).

    Raises:
        InfoplaneError: for an empty list, NaN or a negative time.
    """
    t = torch.as_tensor(np.atleast_1d(np.asarray(times, dtype=np.float64)))
    if t.ndim != 1 or t.numel() == 0:
        raise InfoplaneError("times must be a non-empty 1-D list of training times >= 0.")
    if torch.isnan(t).any() or (t < 0).any():
        raise InfoplaneError(f"times must be >= 0 (inf allowed); got {t.tolist()}.")
    return t


class GradientFlowEnsemble:
    """Infinite ensemble of infinitely wide networks trained by gradient flow on the MSE loss.

    Built once from the train-train kernels (one eigendecomposition of the NTK, O(n^3)); then
    :meth:`predict` gives the mean and covariance of the outputs at any inputs and any times.

    Args:
        nngp_train: K(X, X), shape (n, n), or a function of no arguments that returns it. A
            function is called after the eigendecomposition of the NTK (so that K and the
            eigensolver's workspace are never in memory together) and its matrix is overwritten.
        ntk_train: Theta(X, X), shape (n, n), or a function of no arguments that returns it (its
            matrix is then symmetrised in place and freed after the eigendecomposition).
        y_train: regression targets, shape (n, k) or (n,) (e.g. one-hot labels).
        learning_rate: eta > 0 (default 1). Only eta * t matters.
        diag_reg: ridge added to the diagonal of Theta (default 0), relative to its mean
            eigenvalue: Theta + diag_reg * tr(Theta) / n * I. Regularises t = inf on a
            near-singular NTK.
        rcond: eigenvalues below ``rcond * max eigenvalue`` count as zero at t = inf
            (pseudo-inverse).

    Attributes:
        eigenvalues: eigenvalues lambda of the (regularised) train NTK, shape (n,), ascending.
        eigenvectors: V, shape (n, n).
        nngp_eig: V^T K V, the train NNGP kernel in the NTK eigenbasis, shape (n, n).
        y_eig: V^T Y, the targets in the NTK eigenbasis, shape (n, k).
        n_train: n.
        ntk_train: Theta(X, X) (regularised), shape (n, n), rebuilt from V and lambda on access.
        nngp_train: K(X, X), shape (n, n), rebuilt from V and ``nngp_eig`` on access.

    Raises:
        InfoplaneError: for kernels of mismatched shapes, non-finite values, or bad parameters.

    Notes:
        The training loss is normalised by n (the mean over examples), so the relaxation rates are
        eta lambda / n; Lee et al. (2019) write the same flow with Theta / |D|. Memory: V and
        V^T K V, two (n, n) matrices, are kept; the kernels themselves are not. Building peaks at
        four (n, n) matrices when both kernels are functions (the NTK, V and the eigensolver's
        workspace of two), at five when they are passed as matrices (K is then alive as well).

    References:
        Lee et al. (2019), NeurIPS, arXiv:1902.06720 (the NTK Gaussian process of the trained
        ensemble);
        Shwartz-Ziv & Alemi (2020), AABI, arXiv:1911.09189.

    Example:
        >>> import torch
        >>> from infoplane.ntk import fc_kernels
        >>> x = torch.randn(8, 3, dtype=torch.float64)
        >>> k = fc_kernels(x, depth=1)
        >>> ens = GradientFlowEnsemble(k.nngp, k.ntk, torch.ones(8))
        >>> tuple(ens.predict([0.0, float("inf")]).mean.shape)
        (2, 8, 1)
    """

    def __init__(
        self,
        nngp_train: Any,
        ntk_train: Any,
        y_train: Any,
        *,
        learning_rate: float = 1.0,
        diag_reg: float = 0.0,
        rcond: float = 1e-10,
    ) -> None:
        if not (math.isfinite(learning_rate) and learning_rate > 0):
            raise InfoplaneError(f"learning_rate must be a finite number > 0; got {learning_rate}.")
        if not (math.isfinite(diag_reg) and diag_reg >= 0):
            raise InfoplaneError(f"diag_reg must be a finite number >= 0; got {diag_reg}.")
        if not (0 <= rcond < 1):
            raise InfoplaneError(f"rcond must be in [0, 1); got {rcond}.")
        y = _as_matrix(y_train, "y_train")
        if y.ndim == 1:
            y = y[:, None]
        # (n, n) matrices dominate the memory. A kernel passed as a function is called only when
        # it is needed and owned here (symmetrised in place, then its buffer reused): the NTK is
        # freed after the eigendecomposition, before K exists (the 12-bit task's peak).
        theta_owned = callable(ntk_train)
        theta = _owned_matrix(ntk_train, "ntk_train")
        del ntk_train
        n = theta.shape[0]
        k = None if callable(nngp_train) else _as_matrix(nngp_train, "nngp_train")
        if theta.shape != (n, n) or (k is not None and k.shape != (n, n)):
            raise InfoplaneError(
                f"nngp_train and ntk_train must be square and the same shape; got "
                f"{None if k is None else tuple(k.shape)} and {tuple(theta.shape)}."
            )
        if y.ndim != 2 or y.shape[0] != n:
            raise InfoplaneError(
                f"y_train must have shape (n_train, k) with n_train={n}; got {tuple(y.shape)}."
            )
        theta = _symmetrized(theta, owned=theta_owned)
        if diag_reg > 0:  # Theta + diag_reg tr(Theta) / n I
            theta.diagonal().add_(diag_reg * torch.trace(theta) / n)
        release_free_heap()  # the peak comes next: the NTK, V and a workspace of two (n, n)
        lam, v = torch.linalg.eigh(theta)
        del theta
        if k is None:
            k = _owned_matrix(nngp_train, "nngp_train")
            if k.shape != (n, n):
                raise InfoplaneError(
                    f"nngp_train must return a matrix of the NTK's shape {(n, n)}; got "
                    f"{tuple(k.shape)}."
                )
            k = symmetrize_(k)
        else:
            k = _symmetrized(k, owned=False)
        del nngp_train
        self.n_train = n
        self.learning_rate = float(learning_rate)
        self.diag_reg = float(diag_reg)
        self.rcond = float(rcond)
        self.eigenvalues = lam.clamp_min(0.0)
        self.eigenvectors = v
        self.y_train = y
        # Quantities in the NTK eigenbasis, reused for every t.
        self.y_eig = v.T @ y  # (n, k)
        vk = v.T @ k
        self.nngp_eig = symmetrize_(torch.matmul(vk, v, out=k))  # (n, n): V^T K V, in K's buffer
        del vk, k

    @property
    def ntk_train(self) -> torch.Tensor:
        """Theta(X, X) (regularised), rebuilt as V diag(lambda) V^T, shape (n, n).

        Not stored (memory): each access costs O(n^3); equal to the symmetrised kernel to
        rounding, with negative round-off eigenvalues clipped at 0.
        """
        v = self.eigenvectors
        return (v * self.eigenvalues) @ v.T

    @property
    def nngp_train(self) -> torch.Tensor:
        """K(X, X), rebuilt as V (V^T K V) V^T, shape (n, n); O(n^3) per access, not stored."""
        v = self.eigenvectors
        return symmetrize_(v @ self.nngp_eig @ v.T)

    def filter_factors(self, times: Any) -> torch.Tensor:
        """Return d_t(lambda) = (1 - exp(-eta t lambda / n)) / lambda, shape (T, n).

        A_t = V diag(d_t) V^T. At lambda = 0 the limit eta t / n is used; at t = inf, 1 / lambda
        (0 for lambda below ``rcond * max lambda``, the pseudo-inverse).

        Args:
            times: training times, shape (T,), >= 0, ``inf`` allowed.

        Raises:
            InfoplaneError: for negative or NaN times.
        """
        t = as_times(times)
        lam = self.eigenvalues
        scale = self.learning_rate / self.n_train
        tau = (t * scale)[:, None]  # (T, 1)
        cutoff = self.rcond * float(lam.max().clamp_min(torch.finfo(_DTYPE).tiny))
        safe = torch.where(lam > 0, lam, torch.ones_like(lam))
        finite_tau = torch.where(torch.isinf(tau), torch.zeros_like(tau), tau)
        x = finite_tau * lam  # (T, n)
        d = torch.where(lam > 0, -torch.expm1(-x) / safe, finite_tau.expand_as(x))
        d_inf = torch.where(lam > cutoff, 1.0 / safe, torch.zeros_like(lam)).expand_as(d)
        return torch.where(torch.isinf(tau).expand_as(d), d_inf, d)

    def predict(
        self,
        times: Any,
        nngp_cross: Any | None = None,
        ntk_cross: Any | None = None,
        nngp_test: Any | None = None,
        *,
        full_covariance: bool = True,
    ) -> EnsemblePrediction:
        """Mean and covariance of the ensemble's outputs at m inputs and T times.

        With no cross kernels the inputs are the training inputs themselves, where
        mu = (I - E_t) Y and Sigma = E_t K E_t with E_t = exp(-eta t Theta / n).

        Args:
            times: training times, shape (T,), >= 0 (``0`` is initialisation, ``inf`` convergence).
            nngp_cross: K(x, X), shape (m, n).
            ntk_cross: Theta(x, X), shape (m, n).
            nngp_test: K(x, x), shape (m, m), or its diagonal (m,) when ``full_covariance=False``.
            full_covariance: return the (T, m, m) covariance; otherwise only the variance (T, m),
                in O(T m n^2) time and O(m n) memory.

        Returns:
            An :class:`EnsemblePrediction` (mean (T, m, k), covariance (T, m, m) or ``None``,
            variance (T, m)), in target units and squared target units.

        Raises:
            InfoplaneError: for missing or mismatched kernels, or bad times.
        """
        t = as_times(times)
        d = self.filter_factors(t)  # (T, n)
        v = self.eigenvectors
        if nngp_cross is None and ntk_cross is None and nngp_test is None:
            return self._predict_train(t, d, full_covariance)
        if nngp_cross is None or ntk_cross is None or nngp_test is None:
            raise InfoplaneError(
                "pass nngp_cross, ntk_cross and nngp_test together (or none of them for the "
                "training inputs)."
            )
        kc = _as_matrix(nngp_cross, "nngp_cross")
        tc = _as_matrix(ntk_cross, "ntk_cross")
        kt = _as_matrix(nngp_test, "nngp_test")
        del nngp_cross, ntk_cross  # a caller that keeps no reference lets them be freed below
        m = kc.shape[0]
        if kc.shape != (m, self.n_train) or tc.shape != (m, self.n_train):
            raise InfoplaneError(
                f"nngp_cross and ntk_cross must have shape (m, n_train={self.n_train}); got "
                f"{tuple(kc.shape)} and {tuple(tc.shape)}."
            )
        want = (m, m) if full_covariance else (m,)
        if kt.shape != want and not (not full_covariance and kt.shape == (m, m)):
            raise InfoplaneError(
                f"nngp_test must have shape {want} (K(x, x)); got {tuple(kt.shape)}."
            )
        if not full_covariance and kt.ndim == 2:
            kt = torch.diagonal(kt)
        a = tc @ v  # (m, n): Theta(x, X) V
        del tc
        mean = _scaled_products(a, d, self.y_eig)
        b = kc @ v  # (m, n): K(x, X) V
        del kc
        if not full_covariance:  # sum_n a d_t b for every t at once; then b is not needed
            cross_all = (a * b) @ d.T  # (m, T)
            del b
        covs = []
        variances = []
        ad = torch.empty_like(a)  # buffers reused for every t (no (m, n) allocation per time)
        adk = torch.empty_like(a)
        for i in range(d.shape[0]):
            if not full_covariance and not bool(d[i].any()):  # t = 0: Sigma = K(x, x) exactly
                variances.append(kt.clamp_min(0.0))
                continue
            torch.mul(a, d[i], out=ad)  # Theta(x, X) A_t expressed in the eigenbasis
            torch.matmul(ad, self.nngp_eig, out=adk)
            if full_covariance:
                cross = ad @ b.T
                cov = kt + adk @ ad.T - cross - cross.T
                cov = 0.5 * (cov + cov.T)
                covs.append(cov)
                variances.append(torch.diagonal(cov).clamp_min(0.0))
            else:
                var = kt + adk.mul_(ad).sum(-1) - 2 * cross_all[:, i]
                variances.append(var.clamp_min(0.0))
        del ad, adk
        covariance = torch.stack(covs) if full_covariance else None
        return EnsemblePrediction(t, mean, covariance, torch.stack(variances))

    def _predict_train(
        self, t: torch.Tensor, d: torch.Tensor, full_covariance: bool
    ) -> EnsemblePrediction:
        v = self.eigenvectors
        # lambda d_t(lambda) = 1 - exp(-eta t lambda / n) = 1 - e; exact at t = inf on the range.
        one_minus_e = d * self.eigenvalues  # (T, n)
        e = 1.0 - one_minus_e
        mean = _scaled_products(v, one_minus_e, self.y_eig)
        # Sigma = V E K~ E V^T with K~ = V^T K V, one time at a time (O(n^2) memory).
        covs = []
        variances = []
        for i in range(t.shape[0]):
            ve = v * e[i]
            vek = ve @ self.nngp_eig
            if full_covariance:
                cov = vek @ ve.T
                cov = 0.5 * (cov + cov.T)
                covs.append(cov)
                variances.append(torch.diagonal(cov).clamp_min(0.0))
            else:
                variances.append((vek * ve).sum(-1).clamp_min(0.0))
        covariance = torch.stack(covs) if full_covariance else None
        return EnsemblePrediction(t, mean, covariance, torch.stack(variances))


def _scaled_products(a: torch.Tensor, d: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Return ``a diag(d_t) y`` for every row t of ``d``, shape (T, m, k), in one matmul.

    The same numbers as ``einsum("mn,tn,nk->tmk", a, d, y)`` without its (T, m, n) intermediate
    (1.9 GB for the 12-bit task's 18 times).
    """
    t, n = d.shape
    k = y.shape[1]
    scaled = (d[:, :, None] * y[None]).permute(1, 0, 2).reshape(n, t * k)  # (n, T k)
    return (a @ scaled).reshape(a.shape[0], t, k).permute(1, 0, 2).contiguous()


def kernel_regression(nngp_or_ntk_train: Any, cross: Any, y_train: Any) -> torch.Tensor:
    """Kernel regression predictions Theta(x, X) Theta(X, X)^{-1} Y (the ensemble mean at t = inf).

    Args:
        nngp_or_ntk_train: kernel on the training inputs, shape (n, n), positive definite.
        cross: kernel between m inputs and the training inputs, shape (m, n).
        y_train: targets, shape (n, k) or (n,).

    Returns:
        Predictions, shape (m, k), float64, in target units.

    Raises:
        InfoplaneError: for mismatched shapes or a singular kernel.

    References:
        Lee et al. (2019), NeurIPS, arXiv:1902.06720 (the ensemble mean at t = inf).
    """
    k = _as_matrix(nngp_or_ntk_train, "nngp_or_ntk_train")
    c = _as_matrix(cross, "cross")
    y = _as_matrix(y_train, "y_train")
    if y.ndim == 1:
        y = y[:, None]
    if k.ndim != 2 or k.shape[0] != k.shape[1] or c.ndim != 2 or c.shape[1] != k.shape[0]:
        raise InfoplaneError(
            f"kernel shapes do not match: train {tuple(k.shape)}, cross {tuple(c.shape)}."
        )
    if y.shape[0] != k.shape[0]:
        raise InfoplaneError(f"y_train has {y.shape[0]} rows but the kernel has {k.shape[0]}.")
    try:
        chol = torch.linalg.cholesky(0.5 * (k + k.T))
    except torch.linalg.LinAlgError:
        raise InfoplaneError(
            "the training kernel is singular; add a ridge (diag_reg) or remove duplicate inputs."
        ) from None
    return c @ torch.cholesky_solve(y, chol)
