"""Information-plane figure of an infinite ensemble of infinitely wide networks over training time.

Shwartz-Ziv & Alemi (2020), arXiv 1911.09189, and Shwartz-Ziv's thesis (2022), arXiv 2202.06749:
the ensemble's output Z traced in the information plane (x = I(X;Z), y = I(Z;Y), bits) as gradient
flow proceeds, colour = training time t on a log scale with a colour bar (the conventions of
Shwartz-Ziv & Tishby 2017, arXiv 1703.00810, with time in place of epochs). A second panel shows the
quantities against t with the I(X;Z) bounds as a band.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from infoplane.interface import InfoplaneError, check_unit
from infoplane.plots.style import EPOCH_CMAP, IXY_LINE, axis_label

TIME_CMAP = EPOCH_CMAP
"""Colour map of training time (the epoch colour map of :mod:`infoplane.plots.style`)."""


def plot_ntk_information_plane(
    table: Any,
    path: str | Path | None = None,
    *,
    unit: str = "bits",
    ixy: float | None = None,
    title: str | None = None,
) -> Any:
    """Draw the ensemble's information plane over training time, and the quantities against t.

    Left: x = I(X;Z) (the minibatch lower bound; a horizontal bar reaches the leave-one-out upper
    bound), y = I(Z;Y) (the Gibbs lower bound), one point per time joined in time order, colour = t
    on a log scale with a colour bar; t = 0 is an open black circle and t = inf a black star.
    Right: the bounds on I(X;Z) (band), the Gibbs and Bayes label terms and H(Y) against t.

    Args:
        table: DataFrame from :func:`infoplane.ntk.ntk_information_plane`, one row per time t
            (columns ``t``, ``i_xz_lower_<unit>``, ``i_xz_upper_<unit>``, ``i_zy_gibbs_<unit>``,
            ``i_zy_bayes_<unit>``, ``h_y_<unit>``).
        path: where to save the figure (PNG, PDF, ...); ``None`` does not save.
        unit: the unit of the table's columns, ``"bits"`` (default) or ``"nats"``.
        ixy: draw a dotted line at I(X;Y) (e.g. H(Y) for a deterministic rule); ``None`` uses the
            table's ``h_y_<unit>``.
        title: figure title.

    Returns:
        The matplotlib Figure (close it with ``plt.close(fig)``).

    Raises:
        InfoplaneError: if a needed column is missing, or the table has no positive finite time.

    Notes:
        Axis labels carry ``unit`` (``axis_label``); the I(X;Z) values are bounds, not
        estimates, so a point's horizontal bar is part of the result.

    Example:
        >>> import numpy as np, pandas as pd
        >>> t = pd.DataFrame({"t": [0.0, 1.0, 10.0, np.inf], "i_xz_lower_bits": [1.0, 2, 3, 3],
        ...                   "i_xz_upper_bits": [1.5, 2.5, 3.5, 3.5],
        ...                   "i_zy_gibbs_bits": [0.1, 0.4, 0.8, 0.9],
        ...                   "i_zy_bayes_bits": [0.2, 0.5, 0.9, 0.95], "h_y_bits": 1.0})
        >>> fig = plot_ntk_information_plane(t)
        >>> fig.axes[0].get_xlabel()
        'I(X;Z) [bits]'
        >>> import matplotlib.pyplot as plt; plt.close(fig)

    References:
        Shwartz-Ziv & Alemi (2020), AABI, arXiv:1911.09189; Shwartz-Ziv & Tishby (2017),
        arXiv:1703.00810.
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    check_unit(unit)
    cols = {
        "lo": f"i_xz_lower_{unit}",
        "up": f"i_xz_upper_{unit}",
        "gibbs": f"i_zy_gibbs_{unit}",
        "bayes": f"i_zy_bayes_{unit}",
        "hy": f"h_y_{unit}",
    }
    missing = [c for c in ["t", *cols.values()] if c not in table.columns]
    if missing:
        raise InfoplaneError(
            f"table lacks column(s) {missing}; pass the table of ntk_information_plane "
            f"(with unit={unit!r})."
        )
    df = table.sort_values("t", ignore_index=True)
    t = df["t"].to_numpy(dtype=np.float64)
    lo = df[cols["lo"]].to_numpy(dtype=np.float64)
    up = df[cols["up"]].to_numpy(dtype=np.float64)
    gibbs = df[cols["gibbs"]].to_numpy(dtype=np.float64)
    bayes = df[cols["bayes"]].to_numpy(dtype=np.float64)
    pos = np.isfinite(t) & (t > 0)
    if not pos.any():
        raise InfoplaneError("table has no finite time t > 0 to colour on a log scale.")
    if ixy is None:
        ixy = float(df[cols["hy"]].iloc[0])

    fig, (ax, ax_t) = plt.subplots(1, 2, figsize=(11.5, 4.6), constrained_layout=True)
    norm = LogNorm(vmin=float(t[pos].min()), vmax=float(t[pos].max()))
    cmap = plt.get_cmap(TIME_CMAP)
    ax.plot(lo, gibbs, color="0.7", lw=0.8, zorder=1)
    colours = cmap(norm(t[pos]))
    ax.hlines(gibbs[pos], lo[pos], up[pos], colors=colours, lw=1.0, zorder=2)
    sc = ax.scatter(
        lo[pos], gibbs[pos], c=t[pos], cmap=cmap, norm=norm, s=42, edgecolors="k", lw=0.3, zorder=3
    )
    zero = t == 0
    if zero.any():
        ax.scatter(lo[zero], gibbs[zero], s=60, facecolors="none", edgecolors="k", label="t = 0")
    inf = np.isinf(t)
    if inf.any():
        ax.scatter(lo[inf], gibbs[inf], s=140, marker="*", color="k", label="t = ∞", zorder=4)
    ax.axhline(ixy, **IXY_LINE, label=f"I(X;Y) = H(Y) = {ixy:.3f} {unit}")
    cbar = fig.colorbar(sc, ax=ax)
    cbar.set_label("Training time t")
    ax.set_xlabel(axis_label("I(X;Z)", unit))
    ax.set_ylabel(axis_label("I(Z;Y)", unit) + ", Gibbs lower bound")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title("Information plane of the infinite ensemble", fontsize=10)

    # Right panel: against t on a log axis; t = 0 and t = inf are drawn at the ends of the axis.
    tt = t.copy()
    tmin, tmax = float(t[pos].min()), float(t[pos].max())
    tt[zero] = tmin / 10**0.5
    tt[inf] = tmax * 10**0.5
    ax_t.fill_between(tt, lo, up, color="tab:blue", alpha=0.25, lw=0)
    ax_t.plot(tt, lo, color="tab:blue", label="I(X;Z) lower (InfoNCE)")
    ax_t.plot(tt, up, color="tab:blue", ls="--", label="I(X;Z) upper (leave-one-out)")
    ax_t.plot(tt, gibbs, color="tab:red", label="I(Z;Y) Gibbs bound")
    ax_t.plot(tt, bayes, color="tab:orange", ls="--", label="Bayes (ensemble predictive)")
    ax_t.axhline(ixy, **IXY_LINE)
    ax_t.set_xscale("log")
    decades = 10.0 ** np.arange(math.ceil(np.log10(tmin)), math.floor(np.log10(tmax)) + 1)
    ticks = [float(v) for v in decades]
    labels = [f"$10^{{{round(math.log10(v))}}}$" for v in ticks]
    if zero.any():
        ticks.insert(0, float(tt[zero][0]))
        labels.insert(0, "0")
    if inf.any():
        ticks.append(float(tt[inf][0]))
        labels.append("∞")
    ax_t.set_xticks(ticks, labels)
    ax_t.minorticks_off()
    ax_t.set_xlabel("Training time t (units of 1 / learning rate)")
    ax_t.set_ylabel(unit)
    ax_t.legend(fontsize=8)
    if title:
        fig.suptitle(title, fontsize=11)
    if path is not None:
        fig.savefig(path, dpi=150)
    return fig
