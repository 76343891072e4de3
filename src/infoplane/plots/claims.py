"""One figure per claim of Shwartz-Ziv & Tishby (2017), with the paper's description beside it.

Shwartz-Ziv & Tishby (2017), arXiv 1703.00810, state four claims (see
:data:`infoplane.experiments.claims.CLAIMS`); ``infoplane claims`` measures each. Each figure has
the measurement on the left (values with their 95% intervals over networks) and, on the right, the
claim as the paper states it with the verdicts. The tables come from
:func:`infoplane.experiments.claims.verdict_table` (this module only draws).
"""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np

from infoplane.interface import InfoplaneError

__all__ = ["plot_claim"]

_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b")


def _groups(table: Any, claim: str) -> Any:
    return table[table["claim"] == claim].reset_index(drop=True)


def _bars(ax: Any, rows: Any, *, ref: float | None, ylabel: str) -> None:
    if not len(rows):
        ax.text(0.5, 0.5, "nothing measured", ha="center", va="center", transform=ax.transAxes)
        return
    x = np.arange(len(rows))
    v = rows["value"].to_numpy(dtype=float)
    lo = rows["ci_low"].to_numpy(dtype=float)
    hi = rows["ci_high"].to_numpy(dtype=float)
    err = np.vstack([np.where(np.isfinite(lo), v - lo, 0), np.where(np.isfinite(hi), hi - v, 0)])
    ax.bar(x, np.nan_to_num(v), color=[_COLORS[i % len(_COLORS)] for i in x], alpha=0.7)
    ax.errorbar(x, np.nan_to_num(v), yerr=np.nan_to_num(err), fmt="none", ecolor="k", capsize=3)
    ax.set_xticks(
        x,
        [f"{a}\n{e}" for a, e in zip(rows["activation"], rows["estimator"], strict=True)],
        fontsize=8,
    )
    if ref is not None:
        ax.axhline(ref, color="k", ls=":", lw=1)
    ax.set_ylabel(ylabel)


def _text(ax: Any, description: str, rows: Any) -> None:
    ax.axis("off")
    lines = ["The paper:", *textwrap.wrap(description, 44), "", "Measured here:"]
    for r in rows.itertuples(index=False):
        lines += textwrap.wrap(f"{r.activation}/{r.estimator} [{r.unit}]: {r.verdict}", 44)
    ax.text(
        0,
        1,
        "\n".join(lines),
        va="top",
        ha="left",
        fontsize=8,
        family="sans-serif",
        transform=ax.transAxes,
    )


def plot_claim(claim: str, table: Any, details: dict[str, Any], description: str) -> Any:
    """Draw the measurement of one claim next to the paper's statement and the verdicts.

    Args:
        claim: ``"i"``, ``"ii"``, ``"iii"`` or ``"iv"``.
        table: the verdict table (``pandas.DataFrame`` with columns claim, activation,
            estimator, value, ci_low, ci_high, unit, verdict), one row per (claim, measure,
            activation, estimator).
        details: ``{"events": per-network compression/transition rows (repeat, layer,
            onset_epoch, transition_epoch, activation, estimator), "convergence": per-network
            convergence epochs (depth, activation, estimator, info_convergence_epoch,
            accuracy_epoch)}``; either may be ``None``.
        description: the claim as the paper states it.

    Returns:
        The matplotlib Figure (two Axes: the measurement, the text).

    Raises:
        InfoplaneError: for an unknown claim.

    Shapes: ``table`` (n_rows, n_columns). Units: the y axis carries each claim's unit (share,
    decades/epochs, bits, epochs).

    Example:
        >>> import pandas as pd
        >>> t = pd.DataFrame([{"claim": "i", "activation": "tanh", "estimator": "binning",
        ...     "value": 0.9, "ci_low": 0.8, "ci_high": 0.95, "unit": "share",
        ...     "verdict": "reproduced"}])
        >>> fig = plot_claim("i", t, {}, "Most epochs compress.")
        >>> len(fig.axes)
        2

    Notes:
        Claim ii is drawn per network and layer (onset against transition, log-log, with the
        identity and a factor-2 band); claim iv as convergence epochs against depth.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810, Fig. 3-5.
    """
    import matplotlib.pyplot as plt

    if claim not in ("i", "ii", "iii", "iv"):
        raise InfoplaneError(f"claim must be one of i, ii, iii, iv; got {claim!r}.")
    rows = _groups(table, claim)
    fig, (ax, tx) = plt.subplots(1, 2, figsize=(10, 4), gridspec_kw={"width_ratios": [3, 2]})
    if claim == "i":
        _bars(ax, rows, ref=0.5, ylabel="share of epochs spent compressing")
        ax.set_ylim(0, 1)
        ax.set_title("(i) compression vs fitting epochs", fontsize=10)
    elif claim == "iii":
        _bars(ax, rows[rows["unit"] == "bits"].reset_index(drop=True), ref=0.0,
              ylabel="distance below the IB curve [bits]")  # fmt: skip
        if rows["value"].isna().all():
            ax.text(
                0.5, 0.5, "check not available", ha="center", va="center", transform=ax.transAxes
            )
        ax.set_title("(iii) distance to the IB bound", fontsize=10)
    elif claim == "ii":
        ev = details.get("events")
        ok = ev is not None and len(ev) and ev["transition_epoch"].notna().any()
        if ok:
            ev = ev.dropna(subset=["onset_epoch", "transition_epoch"])
            for k, ((a, e), sub) in enumerate(ev.groupby(["activation", "estimator"])):
                ax.scatter(
                    sub["transition_epoch"],
                    sub["onset_epoch"],
                    s=14,
                    color=_COLORS[k % len(_COLORS)],
                    label=f"{a}/{e}",
                )
            lim = [
                max(1.0, float(ev[["onset_epoch", "transition_epoch"]].min().min()) / 2),
                float(ev[["onset_epoch", "transition_epoch"]].max().max()) * 2,
            ]
            e = np.geomspace(*lim, 20)
            ax.plot(e, e, "k:", lw=1)
            ax.fill_between(e, e / 2, e * 2, color="0.85", zorder=0)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.legend(fontsize=7)
        else:
            ax.text(
                0.5,
                0.5,
                "no compressing layer with a transition",
                ha="center",
                va="center",
                transform=ax.transAxes,
            )
        ax.set_xlabel("drift-to-diffusion transition [epochs]")
        ax.set_ylabel("compression onset [epochs]")
        ax.set_title("(ii) onset vs transition, per network and layer", fontsize=10)
    else:
        conv = details.get("convergence")
        if conv is not None and len(conv):
            acts: list[str] = []
            for k, ((a, e), sub) in enumerate(conv.groupby(["activation", "estimator"])):
                m = sub.groupby("depth")["info_convergence_epoch"].mean()
                color = _COLORS[k % len(_COLORS)]
                ax.plot(m.index, m.to_numpy(), "o-", color=color, label=f"{a}/{e}: plane")
                if a not in acts:  # accuracy does not depend on the estimator: draw it once
                    acc = sub.groupby("depth")["accuracy_epoch"].mean()
                    ax.plot(
                        acc.index,
                        acc.to_numpy(),
                        "s--",
                        color="0.4" if a == "tanh" else "0.7",
                        label=f"{a}: 90% train accuracy",
                    )
                    acts.append(a)
            ax.set_yscale("log")
            ax.set_xticks(sorted(conv["depth"].unique()))
            ax.legend(fontsize=7)
        ax.set_xlabel("hidden layers")
        ax.set_ylabel("epochs to converge (mean over networks)")
        ax.set_title("(iv) convergence against depth", fontsize=10)
    _text(tx, description, rows)
    fig.tight_layout()
    return fig
