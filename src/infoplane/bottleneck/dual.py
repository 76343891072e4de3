"""The dual Information Bottleneck (Piran, Shwartz-Ziv & Tishby 2020).

The dual IB switches the order of the KL in the distortion,

    d(x, t) = KL[p(y|t) || p(y|x)],

which makes the optimal decoder the normalised geometric mean of the p(y|x) in the cluster,

    p_beta(y|t) = exp(sum_x p(x|t) log p(y|x)) / Z(t, beta),

and the encoder p(t|x) = p(t) exp(-beta d(x, t)) / Z(x, beta). The same alternating loop as the IB
minimises F = I(X;T) + beta E[KL[p_beta(y|t) || p(y|x)]] and never increases it.

The geometric mean needs p(y|x) > 0. Hard labels (p(y|x) in {0, 1}) are made usable by the noise
model of label smoothing, p_s(y|x) = (1 - s) p(y|x) + s / n_y, with s given by ``label_smoothing``.

References:
    1. Piran, Z., Shwartz-Ziv, R., Tishby, N. (2020). The Dual Information Bottleneck.
       arXiv 2006.04641.
    2. Shwartz-Ziv, R. (2022). Information Flow in Deep Neural Networks. PhD thesis, Hebrew
       University. arXiv 2202.06749.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from infoplane.bottleneck.curve import IBCurve
from infoplane.bottleneck.distributions import JointDistribution
from infoplane.bottleneck.distributions import label_smoothing as _smooth
from infoplane.bottleneck.iterative import Annealing, _distribution, check_betas, trace_curve
from infoplane.interface import InfoplaneError


def dual_information_bottleneck(
    p_xy: Any = None,
    betas: Sequence[float] | np.ndarray | None = None,
    *,
    p_y_given_x: Any = None,
    p_x: Any = None,
    label_smoothing: float = 0.0,
    annealing: Annealing = "auto",
    n_restarts: int = 0,
    restart_clusters: int | None = None,
    max_iter: int = 5000,
    tol: float = 1e-9,
    merge_tol: float | None = 1e-6,
    reverse_max_iter: int | None = None,
    reverse_merge_tol: float | None = None,
    return_encoders: bool = False,
    seed: int = 0,
) -> IBCurve:
    """Trace the dual IB curve of a discrete p(x, y).

    .. math:: \\min_{p(t|x)} I(X;T) + \\beta\\, E_{p(x,t)} KL[p_\\beta(y|t) \\| p(y|x)]

    Args:
        p_xy: joint or conditional table (n_x, n_y), or a :class:`JointDistribution`.
        betas: trade-off parameters > 0 (KL in nats); default 40 log-spaced on [1, 1000].
        p_y_given_x: conditional table instead of ``p_xy``.
        p_x: marginal (n_x,) with ``p_y_given_x``; default uniform.
        label_smoothing: s in [0, 1); p(y|x) is replaced by (1 - s) p(y|x) + s / n_y before the
            computation (the noise model for hard labels). Required (> 0) when some p(y|x) = 0.
        annealing, n_restarts, restart_clusters, max_iter, tol, merge_tol, reverse_max_iter,
        reverse_merge_tol, return_encoders, seed: as in
            :func:`~infoplane.bottleneck.information_bottleneck`.

    Returns:
        An :class:`IBCurve` with ``method="dualib"``: ``i_xt`` = I(X;T), ``i_ty`` = I(T;Y) of the
        Markov chain T - X - Y under the (smoothed) p(y|x), ``lagrangian`` = I(X;T) +
        beta E[KL[p_beta(y|t) || p(y|x)]], all in bits.

    Raises:
        InfoplaneError: for an invalid distribution, beta <= 0, a smoothing outside [0, 1), or
            zeros in p(y|x) with ``label_smoothing=0``.

    Notes:
        The dual IB's optimal decoder is a geometric mean, so its curve in the (I(X;T), I(T;Y))
        plane lies on or below the IB curve; the two agree in the limits beta -> 0 and beta -> inf.

    References:
        Piran, Z., Shwartz-Ziv, R., Tishby, N. (2020). The Dual Information Bottleneck. arXiv
        2006.04641.

    Example:
        >>> c = dual_information_bottleneck(p_y_given_x=[[0.9, 0.1], [0.1, 0.9]], betas=[100.0])
        >>> round(float(c.i_ty[0]), 4)
        0.531
    """
    dist = _distribution(p_xy, p_y_given_x, p_x)
    s = float(label_smoothing)
    pyx = _smooth(dist.p_y_given_x, s)
    if (pyx <= 0).any():
        raise InfoplaneError(
            "the dual IB needs p(y|x) > 0 for every x and y, but the table has zeros (hard labels); "
            "set label_smoothing > 0 (e.g. 0.01) to mix in a uniform label noise."
        )
    dist = JointDistribution(p_x=dist.p_x, p_y_given_x=pyx)
    betas_arr = check_betas(np.logspace(0, 3, 40) if betas is None else betas)
    params = {
        "label_smoothing": s, "annealing": annealing, "n_restarts": n_restarts,
        "max_iter": max_iter, "tol": tol, "merge_tol": merge_tol, "seed": seed,
    }  # fmt: skip
    return trace_curve(
        dist, betas_arr, method="dualib", kind="dual", alpha=1.0, annealing=annealing,
        n_restarts=n_restarts, restart_clusters=restart_clusters, max_iter=max_iter, tol=tol,
        merge_tol=merge_tol, reverse_max_iter=reverse_max_iter,
        reverse_merge_tol=reverse_merge_tol, return_encoders=return_encoders, seed=seed,
        params=params,
    )  # fmt: skip
