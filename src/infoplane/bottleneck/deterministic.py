"""The deterministic and generalised Information Bottleneck (Strouse & Schwab 2017).

The generalised IB minimises L = H(T) - alpha H(T|X) - beta I(T;Y). Its stationary encoders are

    p(t|x) = exp[(log p(t) - beta KL[p(y|x) || p(y|t)]) / alpha] / Z(x)

with p(t) and p(y|t) as in the IB. alpha = 1 is the IB of Tishby, Pereira & Bialek (1999); alpha -> 0
is the deterministic IB (DIB), whose encoder is a hard assignment

    f(x) = argmax_t  log p(t) - beta KL[p(y|x) || p(y|t)]

and whose cost H(T) equals I(X;T) (H(T|X) = 0). Reverse annealing is of little use for the DIB (the
identity map is a fixed point at every beta), so the curve comes from forward annealing with cluster
splitting and random hard restarts; the lowest Lagrangian is kept per beta.

References:
    1. Strouse, D. J., Schwab, D. J. (2017). The Deterministic Information Bottleneck. Neural
       Computation 29(6), 1611-1630. arXiv 1604.00268.
    2. Tishby, N., Pereira, F. C., Bialek, W. (1999). The Information Bottleneck Method. arXiv
       physics/0004057.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from infoplane.bottleneck.curve import IBCurve
from infoplane.bottleneck.iterative import Annealing, _distribution, check_betas, trace_curve
from infoplane.interface import InfoplaneError


def deterministic_information_bottleneck(
    p_xy: Any = None,
    betas: Sequence[float] | np.ndarray | None = None,
    *,
    p_y_given_x: Any = None,
    p_x: Any = None,
    alpha: float = 0.0,
    annealing: Annealing = "forward",
    n_restarts: int = 3,
    restart_clusters: int | None = None,
    max_iter: int = 5000,
    tol: float = 1e-9,
    merge_tol: float | None = 1e-6,
    return_encoders: bool = False,
    seed: int = 0,
) -> IBCurve:
    """Trace the deterministic (alpha = 0) or generalised (0 < alpha <= 1) IB curve.

    .. math:: \\min_{p(t|x)} H(T) - \\alpha H(T|X) - \\beta I(T;Y)

    Args:
        p_xy: joint or conditional table (n_x, n_y), or a :class:`JointDistribution`.
        betas: trade-off parameters > 0 (KL in nats); default 40 log-spaced on [1, 1000].
        p_y_given_x: conditional table instead of ``p_xy``.
        p_x: marginal (n_x,) with ``p_y_given_x``; default uniform.
        alpha: 0 (default) the DIB, hard encoders; in (0, 1] the generalised IB (1 = IB).
        annealing: ``"forward"`` (default), ``"reverse"``, ``"both"`` or ``"none"``.
        n_restarts: random (hard for alpha = 0) restarts per beta.
        restart_clusters: |T| of the restarts (default min(n_x, 4 n_y + 8)).
        max_iter: iteration cap per beta.
        tol: stop when p(t) and p(y|t) are estimated to be within ``tol`` of their limit (alpha > 0).
        merge_tol: clusters with decoders this close (in nats of Lagrangian) are merged.
        return_encoders: keep the encoders (alpha = 0: one-hot rows).
        seed: seed of the splits and restarts.

    Returns:
        An :class:`IBCurve` with ``method="dib"``; ``i_xt`` is I(X;T) (= H(T) when alpha = 0) and
        ``lagrangian`` is H(T) - alpha H(T|X) - beta I(T;Y), in bits.

    Raises:
        InfoplaneError: for an invalid distribution, beta <= 0 or alpha outside [0, 1].

    Notes:
        The DIB curve lies below the IB curve in the (I(X;T), I(T;Y)) plane: it optimises H(T), not
        I(X;T). Hard assignments make the DIB Lagrangian piecewise constant in the encoder, so the
        iteration stops when the assignment no longer changes.

    References:
        Strouse, D. J., Schwab, D. J. (2017). The Deterministic Information Bottleneck. Neural
        Computation 29(6). arXiv 1604.00268.

    Example:
        >>> c = deterministic_information_bottleneck(p_y_given_x=[[0.9, 0.1], [0.1, 0.9]], betas=[10.0])
        >>> round(float(c.i_xt[0]), 6), round(float(c.i_ty[0]), 6)
        (1.0, 0.531004)
    """
    a = float(alpha)
    if not (np.isfinite(a) and 0.0 <= a <= 1.0):
        raise InfoplaneError(
            f"alpha must be in [0, 1] (0: deterministic IB, 1: IB); got {alpha!r}."
        )
    dist = _distribution(p_xy, p_y_given_x, p_x)
    betas_arr = check_betas(np.logspace(0, 3, 40) if betas is None else betas)
    params = {
        "alpha": a, "annealing": annealing, "n_restarts": n_restarts, "max_iter": max_iter,
        "tol": tol, "merge_tol": merge_tol, "seed": seed,
    }  # fmt: skip
    return trace_curve(
        dist, betas_arr, method="dib", kind="ib", alpha=a, annealing=annealing,
        n_restarts=n_restarts, restart_clusters=restart_clusters, max_iter=max_iter, tol=tol,
        merge_tol=merge_tol, reverse_max_iter=None, reverse_merge_tol=None,
        return_encoders=return_encoders, seed=seed, params=params,
    )  # fmt: skip
