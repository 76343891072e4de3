"""I(X;T) of a layer with continuous (Gaussian) dropout, Adilova, Geiger & Fischer (2023).

Adilova, Geiger & Fischer, "Information Plane Analysis for Dropout Neural Networks", ICLR 2023,
arXiv 2303.00596. With Gaussian dropout ``T = mu(X) * (1 + sqrt(alpha) Z)``, ``alpha = rate / (1 -
rate)``, the conditional law of T given X = x_j is Gaussian with mean mu_j and diagonal variance
``v_j = alpha mu_j^2``. For n equally likely inputs T is the mixture ``g(t) = 1/n sum_j N(t; mu_j,
diag v_j)`` -- a mixture with per-component variances -- so that

    I(X;T) = h(T) - h(T|X),     h(T|X) = 1/n sum_j sum_k 1/2 ln(2 pi e v_jk)   (closed form)

and h(T) is estimated by Monte Carlo as in the paper: draw ``t = mu_i + sqrt(v_i) z`` for evaluated
rows i and average ``-ln g(t)``. We use the component's own density as a control variate, so each
term is

    I_i = ln n - ln sum_j exp( ln N(t; mu_j, v_j) - ln N(t; mu_i, v_i) )      in [0, ln n],

computed for blocks of rows with two matmuls (the pairwise machinery of
:mod:`infoplane.estimators.kde`: ``sum_k (t_k - mu_jk)^2 / v_jk = t^2 . (1/v_j) - 2 t . (mu_j / v_j)
+ sum_k mu_jk^2 / v_jk``). I(T;Y) = h(T) - sum_y p(y) h(T | Y=y) with the class mixtures.

For additive Gaussian noise ``T = mu(X) + std Z`` the same quantity is what ``sample_propagation``
(Monte Carlo) and ``kde_upper`` / ``kde_lower`` (bounds) compute with ``noise_variance = std^2``:
:func:`noise_estimator` builds the right estimator from a network's noise layer, with the network's
own parameters.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
from pydantic import Field

from infoplane.estimators._common import (
    mixture_groups,
    pow2_scale,
    torch_dtype,
)
from infoplane.estimators.base import (
    BaseEstimator,
    EstimatorParams,
    Float,
    Int,
    function_forms,
)
from infoplane.estimators.kde import _GroupedMixtureEstimator
from infoplane.estimators.registry import make_estimator, register
from infoplane.interface import InfoplaneError


def _dropout_core(
    t: np.ndarray,
    groups: np.ndarray,
    *,
    alpha: float,
    min_scale: float,
    n_eval: int | None,
    n_mc: int,
    block_size: int,
    seed: int,
    dtype: str,
) -> tuple[np.ndarray, np.ndarray]:
    """(I(idx;T), I(groups;T)) in nats for centres t (B, n, d) under Gaussian dropout alpha."""
    import torch

    tdt = torch_dtype(dtype)
    n = t.shape[-2]
    order, g_code, counts, _p_c, rows, w_row = mixture_groups(groups, n_eval, seed, n_mc)
    row_class = g_code[rows]
    w_row_t = torch.as_tensor(w_row, dtype=torch.float64)
    log_n = math.log(n)
    log_nc = torch.as_tensor(np.log(counts[row_class]), dtype=torch.float64)
    z_all = torch.as_tensor(
        np.random.default_rng(seed).standard_normal((len(rows), t.shape[-1])), dtype=tdt
    )
    z_sq = (z_all * z_all).sum(-1)
    col_class = torch.as_tensor(g_code)
    rows_t = torch.as_tensor(rows)
    row_class_t = torch.as_tensor(row_class)
    out_x = np.empty(t.shape[0])
    out_g = np.empty(t.shape[0])
    for b in range(t.shape[0]):
        tb, _ = pow2_scale(t[b][order])  # the value is invariant to scaling: exact rescaling
        mu = torch.as_tensor(tb, dtype=tdt)
        floor = min_scale * float(np.abs(tb).max() if tb.size else 1.0) or min_scale
        var = alpha * torch.clamp(mu * mu, min=floor * floor)  # (n, d): per-component variances
        inv = 1.0 / var
        mu_inv = mu * inv
        const = (mu * mu_inv).sum(-1) + torch.log(var).sum(-1)  # (n,)
        a_parts, c_parts = [], []
        for s in range(0, len(rows), block_size):
            r = rows_t[s : s + block_size]
            z = z_all[s : s + block_size]
            q = mu[r] + torch.sqrt(var[r]) * z  # noisy query points, (m, d)
            # quad[i, j] + logdet_j = sum_k (q_ik - mu_jk)^2 / v_jk + ln v_jk
            e = torch.addmm(const[None, :], q * q, inv.T).addmm_(q, mu_inv.T, alpha=-2.0)
            e.sub_((z_sq[s : s + block_size] + torch.log(var[r]).sum(-1))[:, None]).mul_(-0.5)
            e[torch.arange(len(r)), r] = 0.0  # the self term, exactly
            mx = e.amax(1, keepdim=True)
            e.sub_(mx).clamp_(min=-80.0).exp_()
            shift = mx[:, 0].double()
            total = e.sum(1).double()
            cls = row_class_t[s : s + block_size]
            own = (e * (col_class[None, :] == cls[:, None])).sum(1).double()
            a_parts.append(-(torch.log(total) + shift - log_n))
            c_parts.append(-(torch.log(own) + shift - log_nc[s : s + block_size]))
        h_rel = float((w_row_t * torch.cat(a_parts)).sum())
        h_cond = float((w_row_t * torch.cat(c_parts)).sum())
        out_x[b] = h_rel
        out_g[b] = h_rel - h_cond
    return out_x, out_g


@register
class GaussianDropoutEstimator(_GroupedMixtureEstimator):
    """I(X;T) and I(T;Y) of a Gaussian-dropout layer T = mu(X)(1 + sqrt(alpha) Z), Adilova et al.

    .. math:: I(X;T) = h(T) - \\frac1n\\sum_j\\sum_k \\tfrac12\\ln(2\\pi e\\,\\alpha\\,\\mu_{jk}^2),
        \\quad \\hat h(T) = -\\frac1m\\sum_i \\ln \\frac1n \\sum_j
        \\mathcal N(t_i;\\mu_j, \\alpha\\,\\mathrm{diag}\\,\\mu_j^2)

    ``t`` holds the *noise-free* values mu(X) captured in eval mode (the components' centres);
    ``alpha = rate / (1 - rate)`` must be the network's own (:func:`noise_estimator` reads it from
    the network). ``estimate(x, y)`` treats the continuous variable as the centres and the other
    variable's distinct rows as the inputs.

    Args:
        {params}

    {returns}

    Raises:
        InfoplaneError: for a rate outside (0, 1), bad integers or bad data.

    Notes:
        Monte Carlo, unbiased for h(T) up to sampling error; each row's term lies in [0, ln n]
        (the standard error is at most ln(n) / (2 sqrt(n_eval n_mc)) nats). A unit whose centre is
        exactly 0 (a ReLU below threshold) stays 0 under dropout: an atom that the estimator
        replaces by a Gaussian of std ``sqrt(alpha) * min_scale * max|mu|``; as ``min_scale -> 0``
        this converges to the MI of the mixed distribution (zero patterns are told apart
        exactly; on a 4-unit ReLU-like layer, 1e-6 and 1e-10 agree within 1e-4 bit). Values do not
        depend on the scale of ``t``, nor of any unit (multiplicative noise). Cost: two matmuls of
        (n_eval n_mc) x d x n per representation; memory four n x d arrays and block_size x n. The
        estimator's I(X;T) is the MI of the network only for the dropout layer whose input is
        noise-free (the centres come from a noise-free pass). Flags: ``"clipped_negative"`` when
        the Monte Carlo I(T;Y) came out negative.

    References:
        1. Adilova, L., Geiger, B. C., Fischer, A. (2023). Information Plane Analysis for Dropout
           Neural Networks. ICLR. arXiv 2303.00596.
        2. Srivastava, N. et al. (2014). Dropout: A Simple Way to Prevent Neural Networks from
           Overfitting. JMLR 15:1929-1958 (Gaussian dropout, alpha = p / (1 - p)).

    Example:
        >>> import numpy as np
        >>> t = np.array([[1.0], [1.0], [100.0], [100.0]])  # two inputs far apart at rate 0.05
        >>> i_xt, i_ty = GaussianDropoutEstimator(rate=0.05, n_mc=8).information_plane(
        ...     t, np.array([0, 0, 1, 1]))
        >>> round(float(i_xt), 3), round(float(i_ty), 3)
        (1.0, 1.0)
    """

    name = "gaussian_dropout"

    class Params(EstimatorParams):
        """Hyper-parameters of :class:`GaussianDropoutEstimator`."""

        rate: Float = Field(
            0.1,
            gt=0,
            lt=1,
            description="dropout rate p in (0, 1) of the network's GaussianDropout layer; the "
            "multiplicative noise has variance alpha = p / (1 - p)",
        )
        n_eval: Int | None = Field(
            256,
            ge=1,
            description="rows (class-stratified, seeded) over which the outer mean is taken; the "
            "mixture always uses all n components; ``None`` = all rows",
        )
        n_mc: Int = Field(1, ge=1, description="noise draws per evaluated row")
        min_scale: Float = Field(
            1e-6,
            gt=0,
            lt=1,
            description="floor of |mu| relative to the representation's largest |mu|, so that a "
            "unit at exactly 0 gets a narrow Gaussian instead of an atom",
        )
        block_size: Int = Field(256, ge=1, description="rows per block, memory O(block_size x n)")
        seed: Int = Field(0, ge=0, description="seed of the row subset and of the noise draws")
        dtype: Literal["float32", "float64"] = Field(
            "float64", description='precision of the pairwise computation (default ``"float64"``)'
        )

    def _core(self, t: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return _dropout_core(
            t,
            groups,
            alpha=self.rate / (1.0 - self.rate),
            min_scale=self.min_scale,
            n_eval=self.n_eval,
            n_mc=self.n_mc,
            block_size=self.block_size,
            seed=self.seed,
            dtype=self.dtype,
        )


(
    gaussian_dropout_mutual_information,
    gaussian_dropout_information_plane,
) = function_forms(GaussianDropoutEstimator)


def noise_estimator(layer: Any, name: str | None = None, **params: Any) -> BaseEstimator:
    """The estimator of a noisy layer's information, with the layer's own noise parameters.

    Args:
        layer: a :class:`~infoplane.models.noise.GaussianNoise` or
            :class:`~infoplane.models.noise.GaussianDropout` module (e.g. a value of
            :func:`infoplane.models.noise_modules`).
        name: the estimator: for Gaussian noise ``"sample_propagation"`` (default), ``"kde_upper"``
            or ``"kde_lower"``; for Gaussian dropout ``"gaussian_dropout"`` (default, the only one).
        **params: other hyper-parameters of that estimator (``n_eval``, ``seed``, ``unit``, ...);
            ``noise_variance`` / ``rate`` are taken from the layer and may not be given.

    Returns:
        The estimator, built with ``noise_variance = layer.std**2`` (Gaussian noise) or
        ``rate = layer.rate`` (dropout); its values are in ``unit`` (bits by default).

    Raises:
        InfoplaneError: for a module that is not a noise layer, an estimator that does not fit the
            noise kind, or a noise parameter given in ``params`` (it must be the network's).

    Notes:
        Shapes: none (an estimator; it takes activations (..., n_samples, n_units)). Feed it the
        noise-free values the capture records in eval mode. Using the network's own noise level
        is what makes the value the network's I(X;T), not one of an added noisy channel.

    References:
        Adilova, L., Geiger, B. C., Fischer, A. (2023). ICLR. arXiv 2303.00596.
        Goldfeld, Z. et al. (2019). ICML. arXiv 1810.05728.

    Example:
        >>> from infoplane.models.noise import GaussianNoise
        >>> noise_estimator(GaussianNoise(0.1), "kde_upper").noise_variance
        0.010000000000000002
    """
    from infoplane.models.noise import GaussianDropout, GaussianNoise

    if isinstance(layer, GaussianNoise):
        name = name or "sample_propagation"
        if name not in ("sample_propagation", "kde_upper", "kde_lower"):
            raise InfoplaneError(
                f"name={name!r} cannot estimate a GaussianNoise layer; use sample_propagation, "
                "kde_upper or kde_lower."
            )
        if "noise_variance" in params or "relative_noise" in params:
            raise InfoplaneError(
                "noise_variance is the layer's own (std**2); do not pass noise_variance or "
                "relative_noise to noise_estimator."
            )
        return make_estimator(name, noise_variance=layer.variance, **params)
    if isinstance(layer, GaussianDropout):
        name = name or "gaussian_dropout"
        if name != "gaussian_dropout":
            raise InfoplaneError(
                f"name={name!r} cannot estimate a GaussianDropout layer; use gaussian_dropout."
            )
        if "rate" in params:
            raise InfoplaneError("rate is the layer's own; do not pass rate to noise_estimator.")
        return make_estimator(name, rate=layer.rate, **params)
    raise InfoplaneError(
        f"layer must be a GaussianNoise or GaussianDropout module; got {type(layer).__name__}."
    )


__test__ = {
    f.__name__: f for f in (gaussian_dropout_mutual_information, gaussian_dropout_information_plane)
}

__all__ = [
    "GaussianDropoutEstimator",
    "gaussian_dropout_information_plane",
    "gaussian_dropout_mutual_information",
    "noise_estimator",
]
