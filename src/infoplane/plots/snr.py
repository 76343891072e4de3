"""The gradient signal-to-noise figure of Shwartz-Ziv & Tishby (2017), arXiv 1703.00810, Fig. 4.

Per layer, the norm of the mean of the mini-batch gradients and the square root of the trace of
their covariance, against the epoch, on log-log axes, averaged (geometrically) over repetitions.
The drift-to-diffusion transition (where the two curves cross, see
:mod:`infoplane.analysis.phases`) is marked by a vertical dashed line, and the compression onset,
if given, by a dotted one, so that a reader can see whether they coincide.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from infoplane.interface import InfoplaneError
from infoplane.plots.style import (
    EPOCH_LABEL,
    PHASE_COLORS,
    SNR_COLORS,
    fixed_margins,
    panel_grid,
    save_plot,
    trim_ticks_to_view,
)

_REQUIRED = ("epoch", "layer", "grad_mean", "grad_std")


def mean_gradients(gradients: Any) -> Any:
    """Geometric mean over repeats of ``grad_mean`` and ``grad_std`` per (layer, epoch).

    Args:
        gradients: table, one row per (repeat, epoch, layer), with columns epoch, layer,
            grad_mean, grad_std (norms of the mean and std of the mini-batch gradients, in the
            units of the loss gradient) and repeat.

    Returns:
        DataFrame with one row per (layer, epoch): columns layer, epoch, grad_mean, grad_std
        (geometric means over repeats) and snr = grad_mean / grad_std (dimensionless), sorted by
        layer and epoch.

    Raises:
        InfoplaneError: for missing columns.

    Notes:
        Norms span decades over training, so repeats are averaged in log space (values below
        1e-300 are clipped to it).

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810, Fig. 4.

    Example:
        >>> import pandas as pd
        >>> g = pd.DataFrame({"repeat": [0, 1], "epoch": 1, "layer": 1,
        ...                   "grad_mean": [1.0, 100.0], "grad_std": [10.0, 10.0]})
        >>> mean_gradients(g)[["grad_mean", "snr"]].round(6).to_numpy().tolist()
        [[10.0, 1.0]]
    """
    missing = [c for c in _REQUIRED if c not in gradients.columns]
    if missing:
        raise InfoplaneError(
            f"gradients lacks column(s) {', '.join(missing)}; pass GradientStatistics.to_frame()."
        )
    g = gradients.assign(
        grad_mean=np.log10(gradients["grad_mean"].clip(lower=1e-300)),
        grad_std=np.log10(gradients["grad_std"].clip(lower=1e-300)),
    )
    avg = g.groupby(["layer", "epoch"], as_index=False)[["grad_mean", "grad_std"]].mean()
    avg["snr"] = 10.0 ** (avg["grad_mean"] - avg["grad_std"])
    avg["grad_mean"] = 10.0 ** avg["grad_mean"]
    avg["grad_std"] = 10.0 ** avg["grad_std"]
    return avg.sort_values(["layer", "epoch"], ignore_index=True)


def _phase_lookup(phases: Any, column: str) -> dict[int, float]:
    if phases is None or column not in getattr(phases, "columns", ()):
        return {}
    return {int(r.layer): float(getattr(r, column)) for r in phases.itertuples(index=False)}


def plot_snr(
    gradients: Any,
    path: str | Path | None = None,
    *,
    phases: Any = None,
    title: str | None = None,
) -> Any:
    """Plot mean and std of the gradients against epochs (log-log), one panel per layer.

    Args:
        gradients: table from :meth:`~infoplane.training.gradients.GradientStatistics.to_frame`,
            (n_repeats * n_epochs * n_layers) rows, with columns repeat, epoch, layer, grad_mean,
            grad_std (gradient norms; no information unit); repeats are averaged geometrically.
        path: where to save a PNG (atomically, 150 dpi); ``None`` (default) to only return the
            figure.
        phases: optional table from :func:`~infoplane.analysis.phases.detect_phases` (columns
            layer, transition_epoch, compression_epoch): the transition is drawn as a dashed
            vertical line, the compression onset as a dotted one.
        title: figure title.

    Returns:
        The matplotlib Figure: one log-log panel per layer ("layer l", x label "Epochs") with the
        mean (red) and std (blue) lines, and the phase lines where given.

    Raises:
        InfoplaneError: for missing columns or an empty table.

    Notes:
        Epoch 0 is left out (log axis). The crossing of the two curves is the drift-to-diffusion
        transition of the 2017 paper; whether it coincides with compression is what the figure
        lets a reader check (Saxe et al. 2018 find it need not).

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810, Fig. 4.

    Example:
        >>> import numpy as np, pandas as pd
        >>> ep = np.array([1, 10, 100])
        >>> g = pd.DataFrame({"repeat": 0, "epoch": np.tile(ep, 2), "layer": np.repeat([1, 2], 3),
        ...                   "grad_mean": 1.0, "grad_std": 0.5})
        >>> fig = plot_snr(g)
        >>> [ax.get_title() for ax in fig.axes], fig.axes[0].get_xlabel()
        (['layer 1', 'layer 2 (output)'], 'Epochs')
        >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    if gradients is None or len(gradients) == 0:
        raise InfoplaneError(
            "gradients is empty; enable analysis.gradient_stats and train >= 1 epoch."
        )
    avg = mean_gradients(gradients)
    avg = avg[avg["epoch"] > 0]
    layers = sorted(avg["layer"].unique())
    n = len(layers)
    nrows, ncols = panel_grid(n)
    width, height = 4.2 * ncols, 3.3 * nrows
    # fixed margins (inches) instead of tight_layout: the layout pass measured every tick label
    # once more, about a third of the figure's time on the default run
    margins = fixed_margins(
        width, height, nrows=nrows, ncols=ncols,
        left=0.85, right=0.15, bottom=0.6, top=0.65, wspace=0.2, hspace=0.4,
    )  # fmt: skip
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(width, height), squeeze=False, sharex=True, sharey=True,
        gridspec_kw=margins,
    )  # fmt: skip
    trans = _phase_lookup(phases, "transition_epoch")
    comp = _phase_lookup(phases, "compression_epoch")
    n_last = len(layers) - 1
    for k, (ax, layer) in enumerate(zip(axes.ravel(), layers, strict=False)):
        sub = avg[avg["layer"] == layer]
        ax.loglog(sub["epoch"], sub["grad_mean"], color=SNR_COLORS["mean"], lw=1.4, label="mean")
        ax.loglog(sub["epoch"], sub["grad_std"], color=SNR_COLORS["std"], lw=1.4, label="std")
        if np.isfinite(trans.get(layer, np.nan)):
            ax.axvline(
                trans[layer], color=PHASE_COLORS["transition"], ls="--", lw=1.0,
                label="drift → diffusion",
            )  # fmt: skip
        if np.isfinite(comp.get(layer, np.nan)):
            ax.axvline(
                comp[layer], color=PHASE_COLORS["compression"], ls=":", lw=1.4,
                label="compression onset",
            )  # fmt: skip
        suffix = " (output)" if k == n_last and n > 1 else ""
        # y given: the title sits on the axes (no ticks above them) without matplotlib measuring
        # every tick label at each draw to place it
        ax.set_title(f"layer {layer}{suffix}", fontsize=10, y=1.0)
        ax.grid(alpha=0.2, which="both")
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    from matplotlib.ticker import LogLocator

    for ax in axes.ravel()[:n]:
        # minor ticks (and grid lines) at 2 and 5 per decade, not 2..9: a third fewer tick
        # artists to lay out, about 0.4 s of the figure's 1.3 s on the default run
        ax.xaxis.set_minor_locator(LogLocator(subs=(2.0, 5.0)))
        ax.yaxis.set_minor_locator(LogLocator(subs=(2.0, 5.0)))
        trim_ticks_to_view(ax)  # no tick objects for the decades beyond the limits
    for ax in axes[-1]:
        ax.set_xlabel(EPOCH_LABEL)
    for ax in axes[:, 0]:
        ax.set_ylabel("gradient norm")
    handles: dict[str, Any] = {}
    for ax in axes.ravel()[:n]:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, handle)
    axes.ravel()[0].legend(
        list(handles.values()), list(handles), fontsize=7, loc="lower left", framealpha=0.8
    )
    n_rep = gradients["repeat"].nunique() if "repeat" in gradients.columns else 1
    default = f"Gradient mean and std (geometric mean of {n_rep} networks)"
    fig.suptitle(title or default, fontsize=11)
    if path is not None:
        save_plot(fig, path, dpi=150)
    return fig


def mark_phases(
    ax: Any,
    plane_mean: Any,
    phases: Any,
    *,
    size: float = 90.0,
) -> None:
    """Mark the transition and compression epochs on an information-plane Axes.

    For each layer, the repeat-averaged point (I(X;T), I(T;Y)) at the captured epoch nearest (on a
    log scale) to the transition epoch is drawn as a black star, and the one at the compression
    epoch as a green cross. Layers with NaN epochs get no marker.

    Args:
        ax: the matplotlib Axes of the information plane.
        plane_mean: DataFrame of (n_epochs * n_layers) rows, one per (epoch, layer), with columns epoch, layer, i_xt, i_ty
            averaged over repeats, in the plane's unit (e.g.
            :func:`infoplane.plots.information_plane.mean_over_repeats`).
        phases: table from :func:`~infoplane.analysis.phases.detect_phases`, one row per layer.
        size: marker area (default 90 points^2).

    Returns:
        ``None``; ``ax`` gains up to two collections (stars, crosses), one point per layer.

    Raises:
        InfoplaneError: if ``plane_mean`` lacks epoch, layer, i_xt or i_ty.

    Notes:
        The nearest captured epoch is used: with log-spaced capture the marker can sit a little
        before or after the detected epoch.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810, Sec. 3.3-3.4.

    Example:
        >>> import matplotlib; matplotlib.use("Agg")
        >>> import matplotlib.pyplot as plt, pandas as pd
        >>> mean = pd.DataFrame({"epoch": [1, 10, 100], "layer": 1, "i_xt": [1.0, 2.0, 1.5],
        ...                      "i_ty": [0.1, 0.5, 0.9]})
        >>> phases = pd.DataFrame({"layer": [1], "transition_epoch": [9.0],
        ...                        "compression_epoch": [float("nan")]})
        >>> fig, ax = plt.subplots()
        >>> mark_phases(ax, mean, phases)
        >>> ax.collections[0].get_offsets().tolist()
        [[2.0, 0.5]]
        >>> plt.close(fig)
    """
    missing = [c for c in ("epoch", "layer", "i_xt", "i_ty") if c not in plane_mean.columns]
    if missing:
        raise InfoplaneError(
            f"plane_mean lacks column(s) {', '.join(missing)}; pass mean_over_repeats(table)."
        )
    styles = {
        "transition_epoch": {
            "marker": "*",
            "color": PHASE_COLORS["transition"],
            "label": "drift → diffusion",
        },
        "compression_epoch": {
            "marker": "X",
            "color": PHASE_COLORS["compression"],
            "label": "compression onset",
        },
    }
    for column, style in styles.items():
        xs, ys = [], []
        for layer, epoch in _phase_lookup(phases, column).items():
            sub = plane_mean[plane_mean["layer"] == layer]
            if not np.isfinite(epoch) or sub.empty:
                continue
            ep = sub["epoch"].to_numpy()
            i = int(np.argmin(np.abs(np.log1p(ep) - np.log1p(epoch))))
            xs.append(sub["i_xt"].to_numpy()[i])
            ys.append(sub["i_ty"].to_numpy()[i])
        if xs:
            ax.scatter(
                xs,
                ys,
                s=size,
                marker=style["marker"],
                facecolors=style["color"],
                edgecolors="white",
                linewidths=0.6,
                zorder=5,
                label=style["label"],
            )
