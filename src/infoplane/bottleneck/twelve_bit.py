"""The IB bound of the 12-bit task's soft rule (Shwartz-Ziv & Tishby 2017), precomputed.

The 2017 paper draws the Information Bottleneck curve of p(x, y) from ``all.mat`` (p(y|x) soft,
I(X;Y) = 0.84434 bits) under the layers in the information plane. Computing it takes seconds to a
minute, so the package ships the curve in ``_files/twelve_bit_bound.csv``, written by
``scripts/make_twelve_bit_bound.py`` with :func:`~infoplane.bottleneck.information_bottleneck`
(reverse annealing from the identity encoder over 60 betas log-spaced on [1, 1e4], and forward
annealing with splitting up to beta = 1000; the lower Lagrangian kept at each beta), reduced to its
monotone envelope, with the end point T = X appended.

Which curve: the one of the *soft* rule. With the hard labels of ``var_u.mat`` the exact curve is
trivial, I(T;Y) = min(I(X;T), H(Y)) (H(Y) = 0.99916 bits), so layers whose I(T;Y) is computed from the
hard labels can lie above the soft-rule curve drawn here.

References:
    Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
    Information. arXiv 1703.00810.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

BOUND_FILE = "twelve_bit_bound.csv"


@cache
def _read() -> Any:
    import pandas as pd

    with resources.files("infoplane.bottleneck").joinpath(f"_files/{BOUND_FILE}").open("r") as fh:
        return pd.read_csv(fh, comment="#")


def twelve_bit_bound() -> Any:
    """Return the IB bound of the 12-bit soft rule (``all.mat``) as a monotone envelope.

    Returns:
        pandas DataFrame with columns ``beta`` (KL in nats), ``i_xt`` and ``i_ty`` (bits), sorted by
        ``i_xt``, I(T;Y) non-decreasing. The first row is the trivial point (0, 0); the last row,
        with ``beta = inf``, is T = X: (H(X), I(X;Y)) = (about 12, 0.84434) bits.

    Notes:
        Precomputed (see the module docstring); the curve of the soft rule, not of the hard labels.
        Suitable for :func:`infoplane.plots.bound.draw_bound`.

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810.

    Example:
        >>> df = twelve_bit_bound()
        >>> list(df.columns), round(float(df.i_ty.iloc[-1]), 5)
        (['beta', 'i_xt', 'i_ty'], 0.84434)
    """
    return _read()[["beta", "i_xt", "i_ty"]].copy()
