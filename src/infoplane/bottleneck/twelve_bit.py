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

from infoplane.interface import InfoplaneRuntimeError

BOUND_FILE = "twelve_bit_bound.csv"


@cache
def _read() -> Any:
    import pandas as pd

    path = resources.files("infoplane.bottleneck").joinpath(f"_files/{BOUND_FILE}")
    try:
        with path.open("r") as fh:
            frame = pd.read_csv(fh, comment="#")
    except (OSError, ValueError) as exc:  # pandas' ParserError is a ValueError
        raise InfoplaneRuntimeError(
            f"the shipped IB bound {str(path)!r} cannot be read ({type(exc).__name__}: {exc}); "
            "the installation is damaged: reinstall infoplane."
        ) from None
    missing = {"beta", "i_xt", "i_ty"} - set(frame.columns)
    if missing or len(frame) < 2:
        raise InfoplaneRuntimeError(
            f"the shipped IB bound {str(path)!r} lacks column(s) {sorted(missing)} or rows; the "
            "installation is damaged: reinstall infoplane (or rerun "
            "scripts/make_twelve_bit_bound.py in a clone)."
        )
    return frame


def twelve_bit_bound() -> Any:
    """Return the IB bound of the 12-bit soft rule (``all.mat``) as a monotone envelope.

    Returns:
        pandas DataFrame with columns ``beta`` (KL in nats), ``i_xt`` and ``i_ty`` (bits), sorted by
        ``i_xt``, I(T;Y) non-decreasing. The first row is the trivial point (0, 0); the last row,
        with ``beta = inf``, is T = X: (H(X), I(X;Y)) = (about 12, 0.84434) bits.

    Shapes: the table has shape (n_points, 3), one row per point of the envelope (45 rows).

    Raises:
        InfoplaneRuntimeError: if the shipped file is missing or unreadable (a damaged
            installation); the message names the file.

    Notes:
        Precomputed (see the module docstring); the curve of the soft rule, not of the hard labels.
        Suitable for :func:`infoplane.plots.bound.draw_bound`. Each call returns a fresh copy of
        the table (the file is read once per process). The iterative IB finds stationary points,
        so the curve is a near-optimal inner bound: the true curve may lie slightly above it,
        never below. Layers whose I(T;Y) is estimated by binning can lie above it (estimation
        bias, hard labels), which is a statement about the estimator, not the network.

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810.

    Example:
        >>> df = twelve_bit_bound()
        >>> list(df.columns), round(float(df.i_ty.iloc[-1]), 5)
        (['beta', 'i_xt', 'i_ty'], 0.84434)
    """
    return _read()[["beta", "i_xt", "i_ty"]].copy()
