"""Information quantities of an infinite ensemble of infinitely wide networks (Gaussian outputs).

Shwartz-Ziv & Alemi (2020), arXiv 1911.09189, take the representation Z to be the output of one
network drawn from the infinite ensemble: given an input x, Z | x ~ N(mu(x, t), Sigma(x, x, t) I_k)
exactly (:mod:`infoplane.ntk.dynamics`), plus an optional isotropic Gaussian channel of variance
``noise_var`` that keeps the information finite where the ensemble's variance vanishes (training
inputs as t -> inf). With X uniform over N inputs, p(z) is a mixture of N Gaussians and:

- **I(X;Z)** is bracketed by the minibatch ("InfoNCE") lower bound and the leave-one-out upper bound
  of Poole et al. (2019), arXiv 1905.06922 (InfoNCE; the upper bound with a known conditional),
  both estimated by Monte Carlo over z ~ p(z | x_i):

      I_low = E_i E_z[ log p(z|x_i) - log (1/M) sum_{j in batch} p(z|x_j) ]          (<= log M),
      I_up  = E_i E_z[ log p(z|x_i) - log (1/(M-1)) sum_{j in batch, j != i} p(z|x_j) ].

  When the batch is the whole evaluation set (``batch_size=None``, the default) the lower bound's
  denominator is the exact marginal p(z), so it is the exact I(X;Z) of the uniform X up to Monte
  Carlo error.
- **Label side**: with the Gaussian channel q(y | z) = N(y; z, s^2 I) on the regression targets (one
  per class, one-hot), the log likelihood of one member ("Gibbs") and of the ensemble predictive
  ("Bayes") have closed forms (Shwartz-Ziv & Alemi 2020):

      Gibbs: E_z log N(y; z, s^2 I) = log N(y; mu, s^2 I) - k Sigma / (2 s^2),
      Bayes: log E_z N(y; z, s^2 I) = log N(y; mu, (s^2 + Sigma) I).

  Normalised over the class codes the channel is a classifier, q(c | z) = softmax_c(z_c / s^2), and
  the Barber & Agakov (2003) variational bound gives I(Z;Y) >= H(Y) + E log q(y | z) (Gibbs); the
  same expression with the ensemble predictive E_z q(y | z) (Bayes) is larger by Jensen's inequality
  and is the same bound for the decoder E_z q(y | z) of x: a lower bound on I(X;Y), not on I(Z;Y).
- **KL from initialisation**: KL[ N(mu_t, Sigma_t) || N(0, K) ] of the joint output distribution on
  the training inputs at time t from that at t = 0 (the NNGP prior), the function-space counterpart
  of the information in the weights (Shwartz-Ziv & Alemi 2020; Achille & Soatto 2019).

All values are returned in bits unless ``unit="nats"``; log likelihoods of continuous targets are
log densities (bits per example, in the units of the targets).

References:
    1. Shwartz-Ziv & Alemi (2020). Information in Infinite Ensembles of Infinitely-Wide Neural
       Networks. Proc. 2nd Symposium on Advances in Approximate Bayesian Inference, PMLR 118.
       arXiv:1911.09189.
    2. Shwartz-Ziv (2022). Information Flow in Deep Neural Networks. PhD thesis, Hebrew University.
       arXiv:2202.06749.
    3. Poole, Ozair, van den Oord, Alemi & Tucker (2019). On Variational Bounds of Mutual
       Information. ICML. arXiv:1905.06922.
    4. Barber & Agakov (2003). The IM Algorithm: A Variational Approach to Information Maximization.
       NeurIPS.
    5. Lee et al. (2019). Wide Neural Networks of Any Depth Evolve as Linear Models Under Gradient
       Descent. NeurIPS. arXiv:1902.06720.
    6. Achille & Soatto (2019). Where is the Information in a Deep Neural Network?
       arXiv:1905.12213.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from infoplane.interface import InfoplaneError, check_unit, convert
from infoplane.ntk.dynamics import GradientFlowEnsemble, as_times

_DTYPE = torch.float64
_LOG_2PI = math.log(2 * math.pi)
#: Rows of log p(z_i | x_j) computed at once in the I(X;Z) bounds (16 MB of float64 at M = 4096).
_ROW_CHUNK = 512
#: Channel variances s^2 tried when ``label_information(channel_var=None)`` fits the decoder.
CHANNEL_VAR_GRID: tuple[float, ...] = tuple(np.logspace(-2, 1, 13).tolist())


@dataclass(frozen=True)
class MIBounds:
    """Lower and upper bounds on a mutual information.

    Attributes:
        lower: the minibatch (InfoNCE) lower bound, in ``unit``.
        upper: the leave-one-out upper bound, in ``unit``.
        unit: ``"bits"`` or ``"nats"``.
        n_samples: Monte Carlo samples of z per input.
        batch_size: inputs per batch M (the lower bound is at most log M).
    """

    lower: float
    upper: float
    unit: str
    n_samples: int
    batch_size: int


@dataclass(frozen=True)
class LabelInformation:
    """Label side of the information plane under a Gaussian channel, in ``unit``.

    Attributes:
        h_y: empirical entropy of the labels H(Y).
        i_zy_gibbs: Barber-Agakov lower bound on I(Z;Y) from one member, H(Y) + E log q(y|z).
        i_zy_bayes: H(Y) + E log E_z q(y|z), the same with the ensemble predictive (>= Gibbs).
        log_lik_gibbs: mean Gaussian-channel log density of the targets under one member.
        log_lik_bayes: mean Gaussian-channel log density under the ensemble predictive.
        channel_var: the channel variance s^2 used (given or fitted).
        unit: ``"bits"`` or ``"nats"``.
    """

    h_y: float
    i_zy_gibbs: float
    i_zy_bayes: float
    log_lik_gibbs: float
    log_lik_bayes: float
    channel_var: float
    unit: str


def _mean_var(
    mean: Any, variance: Any, noise_var: float, *, allow_zero: bool = False
) -> tuple[torch.Tensor, torch.Tensor]:
    mu = torch.as_tensor(np.asarray(mean) if not isinstance(mean, torch.Tensor) else mean)
    var = torch.as_tensor(
        np.asarray(variance) if not isinstance(variance, torch.Tensor) else variance
    )
    mu = mu.to(_DTYPE)
    var = var.to(_DTYPE)
    if mu.ndim == 1:
        mu = mu[:, None]
    if mu.ndim != 2:
        raise InfoplaneError(f"mean must have shape (n_inputs, k); got {tuple(mu.shape)}.")
    if var.ndim == 1:
        var = var[:, None].expand_as(mu)
    if var.shape != mu.shape:
        raise InfoplaneError(
            f"variance must have shape (n_inputs,) or (n_inputs, k) = {tuple(mu.shape)}; got "
            f"{tuple(var.shape)}."
        )
    if not (torch.isfinite(mu).all() and torch.isfinite(var).all()):
        raise InfoplaneError("mean and variance must be finite; check the kernels and times.")
    if (var < 0).any():
        raise InfoplaneError("variance must be >= 0; clip tiny negative round-off with clamp(0).")
    if not (math.isfinite(noise_var) and noise_var >= 0):
        raise InfoplaneError(f"noise_var must be a finite number >= 0; got {noise_var}.")
    var = var + noise_var
    if not allow_zero and (var <= 0).any():
        raise InfoplaneError(
            "some inputs have zero output variance, so I(X;Z) is infinite; set noise_var > 0 "
            "(an additive Gaussian channel on Z)."
        )
    return mu, var


def _check_samples(n_samples: int) -> int:
    if isinstance(n_samples, bool) or not isinstance(n_samples, int | np.integer) or n_samples < 1:
        raise InfoplaneError(f"n_samples must be an integer >= 1; got {n_samples!r}.")
    return int(n_samples)


def mixture_mi_bounds(
    mean: Any,
    variance: Any,
    *,
    noise_var: float = 0.0,
    n_samples: int = 8,
    batch_size: int | None = None,
    seed: int = 0,
    unit: str = "bits",
) -> MIBounds:
    """Bounds on I(X;Z) for X uniform over N inputs and Z | x_i ~ N(mean_i, diag(variance_i)).

    The minibatch lower and leave-one-out upper bounds of Poole et al. (2019)
    (see the module docstring), with the expectation over z estimated from ``n_samples`` draws per
    input. The N inputs are shuffled into batches of M = ``batch_size`` and the bounds averaged.

    Args:
        mean: component means, shape (N, k) (or (N,) for k = 1).
        variance: component variances, shape (N,) (isotropic) or (N, k) (diagonal), >= 0.
        noise_var: variance of an extra isotropic Gaussian channel added to every component
            (default 0); needed when some variance is 0.
        n_samples: Monte Carlo draws of z per input (default 8).
        batch_size: M, inputs per batch; ``None`` (default) uses all N, which makes the lower bound
            the exact I(X;Z) for the uniform X up to Monte Carlo error.
        seed: seed of the draws and the batch shuffle.
        unit: ``"bits"`` (default) or ``"nats"``.

    Returns:
        :class:`MIBounds`. lower <= I(X;Z) <= upper holds in expectation; the estimates (from the
        same draws) can cross by Monte Carlo error when both are near 0.

    Raises:
        InfoplaneError: for mismatched shapes, negative or zero variance without noise, fewer than
            2 inputs or a batch size < 2, bad ``n_samples`` or ``unit``.

    Notes:
        Cost O(S N M k) time and O(512 M) memory (rows in chunks). The lower bound is capped at
        log M and is loose when the true information exceeds it; the upper bound has no such cap
        but is loose when components are well separated only from their own batch.

    References:
        Poole et al. (2019), ICML, arXiv:1905.06922; Shwartz-Ziv & Alemi (2020), AABI,
        arXiv:1911.09189.

    Example:
        >>> b = mixture_mi_bounds(np.array([[0.0], [10.0]]), np.array([1.0, 1.0]))
        >>> round(b.lower, 2), b.unit
        (1.0, 'bits')
    """
    check_unit(unit)
    n_samples = _check_samples(n_samples)
    mu, var = _mean_var(mean, variance, noise_var)
    n = mu.shape[0]
    if n < 2:
        raise InfoplaneError(f"mean has {n} input(s); at least 2 are needed for I(X;Z).")
    m = n if batch_size is None else int(batch_size)
    if m < 2:
        raise InfoplaneError(f"batch_size must be >= 2 (or None for all inputs); got {batch_size}.")
    m = min(m, n)
    gen = torch.Generator().manual_seed(int(seed))
    order = torch.randperm(n, generator=gen) if m < n else torch.arange(n)
    n_batches = n // m
    lowers, uppers = [], []
    for b in range(n_batches):  # loop over batches (N // M of them), vectorised inside
        idx = order[b * m : (b + 1) * m]
        lo, up = _batch_bounds(mu[idx], var[idx], n_samples, gen)
        lowers.append(lo)
        uppers.append(up)
    lower = float(np.mean(lowers))
    upper = float(np.mean(uppers))
    return MIBounds(
        lower=float(convert(lower, unit)),
        upper=float(convert(upper, unit)),
        unit=unit,
        n_samples=n_samples,
        batch_size=m,
    )


def _batch_bounds(
    mu: torch.Tensor, var: torch.Tensor, n_samples: int, gen: torch.Generator
) -> tuple[float, float]:
    """Return (lower, upper) in nats for one batch of M components (mu, var of shape (M, k))."""
    m, k = mu.shape
    inv = 1.0 / var  # (M, k)
    const = -0.5 * (k * _LOG_2PI + torch.log(var).sum(-1) + (mu * mu * inv).sum(-1))  # (M,)
    # log p(z_i | x_j) = const_j + [z_i^2, z_i] . [-inv_j / 2, mu_j inv_j]: one matmul per draw
    # (per chunk of rows i).
    weights = torch.cat([-0.5 * inv, mu * inv], dim=1)  # (M, 2k)
    log_m = math.log(m)
    log_m1 = math.log(m - 1)
    lo_sum = 0.0
    up_sum = 0.0
    for _ in range(n_samples):  # loop over Monte Carlo draws, vectorised over inputs
        z = mu + torch.sqrt(var) * torch.randn(m, k, generator=gen, dtype=_DTYPE)
        feats = torch.cat([z * z, z], dim=1)  # (M, 2k)
        lo_rows = []
        up_rows = []
        for start in range(0, m, _ROW_CHUNK):  # rows in chunks: O(chunk M) memory, cache-sized
            rows_i = torch.arange(start, min(start + _ROW_CHUNK, m))
            logp = torch.addmm(const[None, :], feats[rows_i], weights.T)  # (chunk, M)
            local = torch.arange(len(rows_i))
            own = logp[local, rows_i]
            lse_all = torch.logsumexp(logp, dim=1)
            # Leave-one-out: log(sum_j p_j - p_i) = lse_all + log(1 - p_i / sum_j p_j), exact
            # unless the own component dominates; those rows are recomputed with it masked out.
            share = own - lse_all
            lse_loo = lse_all + torch.log(-torch.expm1(share.clamp_max(-1e-300)))
            dominated = share > -0.5
            if bool(dominated.any()):
                rows = logp[dominated]
                rows[torch.arange(rows.shape[0]), rows_i[dominated]] = -math.inf
                lse_loo[dominated] = torch.logsumexp(rows, dim=1)
            lo_rows.append(own - lse_all)
            up_rows.append(own - lse_loo)
        lo_sum += float((torch.cat(lo_rows) + log_m).mean())
        up_sum += float((torch.cat(up_rows) + log_m1).mean())
    return lo_sum / n_samples, up_sum / n_samples


def one_hot(labels: Any, n_classes: int | None = None) -> torch.Tensor:
    """Return one-hot targets, shape (n, n_classes), float64, from class indices of shape (n,).

    Raises:
        InfoplaneError: for labels that are not non-negative integers below ``n_classes``.
    """
    from infoplane._validation import as_labels

    y = torch.as_tensor(as_labels(labels))
    if (y < 0).any():
        raise InfoplaneError("labels must be class indices >= 0.")
    c = int(y.max()) + 1 if n_classes is None else int(n_classes)
    if int(y.max()) >= c:
        raise InfoplaneError(f"labels hold class {int(y.max())} but n_classes={c}.")
    return torch.nn.functional.one_hot(y, c).to(_DTYPE)


def gaussian_channel_log_likelihoods(
    targets: Any,
    mean: Any,
    variance: Any,
    *,
    channel_var: float = 1.0,
    unit: str = "bits",
) -> tuple[float, float]:
    """Mean Gaussian-channel log likelihoods of the targets, (Bayes, Gibbs), per example.

    With q(y | z) = N(y; z, s^2 I_k) and z ~ N(mu, v I_k) (v the ensemble variance at the input):

    - Bayes (ensemble predictive): log E_z q(y|z)
      = -k/2 log(2 pi (s^2 + v)) - ||y - mu||^2 / (2 (s^2 + v)),
    - Gibbs (one member): E_z log q(y|z) = -k/2 log(2 pi s^2) - (||y - mu||^2 + k v) / (2 s^2).

    Args:
        targets: regression targets, shape (N, k) (one-hot labels for classification).
        mean: ensemble mean, shape (N, k).
        variance: ensemble variance, shape (N,) or (N, k), >= 0.
        channel_var: s^2 > 0 (default 1).
        unit: ``"bits"`` (default) or ``"nats"``.

    Returns:
        (bayes, gibbs): mean log densities per example in ``unit`` (bits: log2 of a density in
        target units). Bayes >= Gibbs (Jensen).

    Raises:
        InfoplaneError: for mismatched shapes or a non-positive ``channel_var``.

    References:
        Shwartz-Ziv & Alemi (2020), AABI, arXiv:1911.09189.
    """
    check_unit(unit)
    if not (math.isfinite(channel_var) and channel_var > 0):
        raise InfoplaneError(f"channel_var must be a finite number > 0; got {channel_var}.")
    mu, var = _mean_var(mean, variance, 0.0, allow_zero=True)
    y = torch.as_tensor(np.asarray(targets) if not isinstance(targets, torch.Tensor) else targets)
    y = y.to(_DTYPE)
    if y.ndim == 1:
        y = y[:, None]
    if y.shape != mu.shape:
        raise InfoplaneError(
            f"targets must have the shape of mean {tuple(mu.shape)}; got {tuple(y.shape)}."
        )
    sq = (y - mu) ** 2  # (N, k)
    bayes = -0.5 * (_LOG_2PI + torch.log(channel_var + var) + sq / (channel_var + var)).sum(-1)
    gibbs = -0.5 * (_LOG_2PI + math.log(channel_var) + (sq + var) / channel_var).sum(-1)
    return float(convert(float(bayes.mean()), unit)), float(convert(float(gibbs.mean()), unit))


def label_information(
    labels: Any,
    mean: Any,
    variance: Any,
    *,
    channel_var: float | None = None,
    noise_var: float = 0.0,
    n_samples: int = 8,
    seed: int = 0,
    unit: str = "bits",
) -> LabelInformation:
    """The label side of the information plane: H(Y), the Gibbs and Bayes bounds, log likelihoods.

    The decoder is the Gaussian channel normalised over the one-hot class codes e_c,
    q(c | z) = N(e_c; z, s^2 I) / sum_c' N(e_c'; z, s^2 I) = softmax_c(z_c / s^2); then

        I(Z;Y) >= H(Y) + E_{x,y} E_{z|x} log q(y | z)    (Gibbs, Barber & Agakov 2003),
        H(Y) + E_{x,y} log E_{z|x} q(y | z)               (Bayes, the ensemble predictive),

    with the expectations over z estimated from ``n_samples`` draws per input.

    Args:
        labels: class indices, shape (N,), of the inputs whose outputs are described.
        mean: ensemble mean, shape (N, k), k = number of classes (the one-hot regression targets).
        variance: ensemble variance, shape (N,) or (N, k), >= 0.
        channel_var: s^2 > 0; ``None`` (default) picks, from :data:`CHANNEL_VAR_GRID`, the value
            that maximises the Gibbs bound on these draws (the decoder's one parameter fitted on
            the evaluation data, a slight optimism; pass a number for a strict bound).
        noise_var: extra variance of the Gaussian channel on Z (as in :func:`mixture_mi_bounds`).
        n_samples: Monte Carlo draws of z per input (default 8).
        seed: seed of the draws.
        unit: ``"bits"`` (default) or ``"nats"``.

    Returns:
        A :class:`LabelInformation` in ``unit``.

    Raises:
        InfoplaneError: for mismatched shapes, labels outside 0..k-1, or bad parameters.

    Notes:
        The Gibbs value is a valid lower bound on I(Z;Y) for every ``channel_var``; it may be
        negative (a bad decoder), and max(0, .) is also a bound. The Monte Carlo estimate of the
        Bayes term, log of a mean, is biased low by O(1 / n_samples).

    References:
        Shwartz-Ziv & Alemi (2020), AABI, arXiv:1911.09189; Barber & Agakov (2003), NeurIPS;
        Poole et al. (2019), ICML, arXiv:1905.06922.
    """
    check_unit(unit)
    n_samples = _check_samples(n_samples)
    if channel_var is None:
        grid = torch.as_tensor(CHANNEL_VAR_GRID, dtype=_DTYPE)
    elif math.isfinite(channel_var) and channel_var > 0:
        grid = torch.as_tensor([float(channel_var)], dtype=_DTYPE)
    else:
        raise InfoplaneError(
            f"channel_var must be a finite number > 0 (or None to fit it); got {channel_var}."
        )
    mu, var = _mean_var(mean, variance, noise_var, allow_zero=True)
    n, k = mu.shape
    y = one_hot(labels, k)
    if y.shape[0] != n:
        raise InfoplaneError(f"labels has {y.shape[0]} entries but mean has {n} rows.")
    counts = y.sum(0)
    p = counts[counts > 0] / n
    h_y = float(-(p * torch.log(p)).sum())
    cls = y.argmax(1)
    gen = torch.Generator().manual_seed(int(seed))
    logq = torch.empty(n_samples, len(grid), n, dtype=_DTYPE)
    for s in range(n_samples):  # loop over Monte Carlo draws, vectorised over inputs and s^2
        z = mu + torch.sqrt(var) * torch.randn(n, k, generator=gen, dtype=_DTYPE)
        logits = z[None] / grid[:, None, None]  # (G, N, k)
        logq[s] = torch.log_softmax(logits, dim=2).gather(
            2, cls[None, :, None].expand(len(grid), n, 1)
        )[..., 0]
    best = int(logq.mean(dim=(0, 2)).argmax())
    logq = logq[:, best]
    s2 = float(grid[best])
    gibbs = h_y + float(logq.mean())
    bayes = h_y + float((torch.logsumexp(logq, dim=0) - math.log(n_samples)).mean())
    ll_bayes, ll_gibbs = gaussian_channel_log_likelihoods(y, mu, var, channel_var=s2, unit="nats")
    return LabelInformation(
        h_y=float(convert(h_y, unit)),
        i_zy_gibbs=float(convert(gibbs, unit)),
        i_zy_bayes=float(convert(bayes, unit)),
        log_lik_gibbs=float(convert(ll_gibbs, unit)),
        log_lik_bayes=float(convert(ll_bayes, unit)),
        channel_var=s2,
        unit=unit,
    )


def kl_from_initialisation(
    ensemble: GradientFlowEnsemble,
    times: Any,
    *,
    jitter: float = 1e-8,
    unit: str = "bits",
) -> np.ndarray:
    """KL of the ensemble's joint output distribution on the training inputs at t from t = 0.

    With f_t(X) ~ N(mu_t, E_t K E_t) per output unit, E_t = exp(-eta t Theta / n),
    mu_t = (I - E_t) Y, and f_0(X) ~ N(0, K), for k output units:

        KL_t = k/2 [tr(K^{-1} E_t K E_t) - n - 2 log det E_t] + 1/2 sum_c mu_tc^T K^{-1} mu_tc,

    with log det E_t = -eta t tr(Theta) / n; everything is evaluated in the NTK eigenbasis, O(n^2)
    per time after one O(n^3) factorisation.

    Args:
        ensemble: a :class:`~infoplane.ntk.dynamics.GradientFlowEnsemble`.
        times: training times, shape (T,), >= 0.
        jitter: ridge added to K relative to its mean diagonal, in the prior and in f_0 alike (so
            KL_0 = 0 exactly).
        unit: ``"bits"`` (default) or ``"nats"``.

    Returns:
        KL values, shape (T,), float64, in ``unit``; ``inf`` at t = inf (the training outputs
        become deterministic).

    Raises:
        InfoplaneError: for bad times, a negative jitter, or a kernel that stays singular.

    References:
        Shwartz-Ziv & Alemi (2020), AABI, arXiv:1911.09189; Lee et al. (2019), NeurIPS,
        arXiv:1902.06720.
    """
    check_unit(unit)
    t = as_times(times)
    if not (math.isfinite(jitter) and jitter >= 0):
        raise InfoplaneError(f"jitter must be a finite number >= 0; got {jitter}.")
    n = ensemble.n_train
    k_out = ensemble.y_train.shape[1]
    ridge = jitter * float(torch.diagonal(ensemble.nngp_eig).mean())

    def jittered() -> torch.Tensor:  # K + ridge I, rebuilt rather than held (memory)
        k = ensemble.nngp_eig.clone()
        k.diagonal().add_(ridge)
        return k

    try:  # (n, n) matrices are freed as soon as they are used: at most two beside the ensemble
        chol = torch.linalg.cholesky(jittered())
    except torch.linalg.LinAlgError:
        raise InfoplaneError(
            "the NNGP kernel on the training inputs is singular; raise jitter (e.g. 1e-6)."
        ) from None
    chol_inv = torch.eye(n, dtype=_DTYPE)  # overwritten in place by L^-1: one (n, n) less
    torch.linalg.solve_triangular(chol, chol_inv, upper=False, out=chol_inv)  # faster than potri
    del chol
    k_inv = chol_inv.T @ chol_inv
    del chol_inv
    hadamard = jittered().mul_(k_inv)  # (n, n), tr(K^-1 E K E) = e^T (K^-1 o K) e
    lam = ensemble.eigenvalues
    tau = t * ensemble.learning_rate / n
    e = torch.exp(-tau[:, None] * lam[None, :])  # (T, n); 0 at t = inf on lambda > 0
    trace_term = ((e @ hadamard) * e).sum(-1)
    logdet_term = 2 * tau * lam.sum()  # -2 log det E_t
    m_eig = (1.0 - e)[:, :, None] * ensemble.y_eig[None]  # (T, n, k)
    mahal = torch.einsum("tak,ab,tbk->t", m_eig, k_inv, m_eig)
    kl = 0.5 * k_out * (trace_term - n + logdet_term) + 0.5 * mahal
    kl = torch.where(torch.isinf(t), torch.full_like(kl, math.inf), kl.clamp_min(0.0))
    return np.asarray(convert(kl.numpy(), unit))
