"""Interactive (plotly) figures of the run report, in the conventions of the matplotlib figures.

Information plane: x = I(X;T), y = I(T;Y) in the table's unit (bits by default), colour = epoch (log
scale), one marker symbol per layer, a line joining the layers of the epoch chosen with the slider, a dotted line at I(X;Y), the
IB bound where known, and open red circles where the averaged estimates break the data-processing
inequality (Geiger 2021, arXiv 2003.09671). Points whose rows carry a validity flag
(:mod:`infoplane.analysis.validity`) are drawn with open (hollow) symbols and their hover text names
the flags. Colours, markers and labels come from :mod:`infoplane.plots.style`, shared with the PNG
figures.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from infoplane.analysis.tables import table_unit
from infoplane.plots.style import (
    EPOCH_LABEL,
    FLAGGED_LABEL,
    IXY_LINE_PLOTLY,
    LAYER_COLORS,
    PHASE_COLORS,
    SNR_COLORS,
    SPLIT_COLORS,
    axis_label,
    epoch_colorscale,
    ixy_label,
    layer_legend_labels,
    layer_symbol,
    panel_grid,
)


def _layer_labels(plane: Any) -> dict[int, str]:
    layers = sorted(int(x) for x in plane["layer"].unique())
    labels = layer_legend_labels(plane) or [f"layer {lay}" for lay in layers]
    return dict(zip(layers, labels, strict=True))


def _mean_flags(rows: Any) -> Any:
    """Per (epoch, layer): the flags any repetition's row carries, as the table's strings."""
    from infoplane.analysis.validity import FLAG_NAMES, flag_mask
    from infoplane.storage.tables import flag_names

    keys = rows[["epoch", "layer"]].copy()
    if "flags" not in rows.columns:
        keys["bits"] = 0
    else:
        bits = np.zeros(len(rows), dtype=np.int64)
        for k, name in enumerate(FLAG_NAMES):
            bits |= flag_mask(rows, name).astype(np.int64) << k
        keys["bits"] = bits
    out = keys.groupby(["epoch", "layer"], as_index=False)["bits"].agg(np.bitwise_or.reduce)
    out["flags"] = flag_names(out["bits"].to_numpy())
    return out.drop(columns="bits")


def plane_figure(
    plane: Any,
    *,
    ixy: float | None = None,
    bound: tuple[np.ndarray, np.ndarray] | None = None,
    dpi_marks: dict[str, Any] | None = None,
    max_frames: int = 250,
) -> Any:
    """Information plane with an epoch slider, one panel per estimator, averaged over repeats.

    Args:
        plane: information-plane table with columns repeat, epoch, layer, layer_name, estimator,
            i_xt, i_ty (and unit, flags), one row per (repeat, epoch, layer, estimator).
        ixy: I(X;Y) in the table's unit for a dotted line, or ``None`` (default).
        bound: (i_xt, i_ty) arrays (n_points,) of the IB bound in the table's unit, or ``None``.
        dpi_marks: estimator -> table with i_xt, i_ty of points that break the DPI (from
            :func:`infoplane.analysis.consistency.mean_dpi_violations`), or ``None``.
        max_frames: most slider positions (default 250; epochs are subsampled evenly beyond it).

    Returns:
        A ``plotly.graph_objects.Figure`` with frames and a slider: per estimator panel one
        marker trace per layer (colour = log10 epoch on the colour scale of
        :func:`~infoplane.plots.style.epoch_colorscale`, colour bar "Epochs"), the I(X;Y) line,
        the bound, DPI marks and the "selected epoch" line; axis titles and hover text carry the
        table's unit. Flagged points use the open variant of their layer's symbol (e.g.
        ``"circle-open"``), their hover text lists the flags, and a legend entry "hollow:
        flagged (see docs/flags.md)" is added when any point is flagged.

    Raises:
        InfoplaneError: if the table mixes units.

    Notes:
        Values are averaged over repetitions per (epoch, layer), as in the PNG figure; a point is
        flagged when any repetition's row is.

    Example:
        >>> import pandas as pd
        >>> t = pd.DataFrame({"repeat": 0, "epoch": [1, 1, 10, 10], "layer": [1, 2, 1, 2],
        ...                   "layer_name": ["h1", "h2"] * 2, "estimator": "binning",
        ...                   "i_xt": [3.0, 2.0, 4.0, 2.5], "i_ty": [0.2, 0.1, 0.9, 0.8],
        ...                   "unit": "nats"})
        >>> fig = plane_figure(t, ixy=0.69)
        >>> fig.layout.xaxis.title.text, len([d for d in fig.data if d.mode == "markers"])
        ('I(X;T) [nats]', 2)

    References:
        1. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
           Information. arXiv 1703.00810.
        2. Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
           Review. IEEE TNNLS, arXiv 2003.09671.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    unit = table_unit(plane)
    names = list(dict.fromkeys(plane["estimator"]))
    rows, cols = panel_grid(len(names))
    n_rep = plane.groupby("estimator")["repeat"].nunique().to_dict()
    titles = [f"{n} (mean of {n_rep[n]} network{'s' if n_rep[n] > 1 else ''})" for n in names]
    fig = make_subplots(
        rows=rows, cols=cols, subplot_titles=titles, horizontal_spacing=0.08, vertical_spacing=0.12
    )
    labels = _layer_labels(plane)
    all_epochs = np.sort(plane["epoch"].unique())
    shown = np.log10(np.maximum(all_epochs, 1))
    cmin, cmax = float(shown.min()), float(max(shown.max(), shown.min() + 1e-9))
    tick_epochs = [e for e in (1, 10, 100, 1000, 10000, 100000) if e <= max(all_epochs.max(), 1)]
    means = {}
    current_idx = []
    any_flagged = False
    for k, name in enumerate(names):
        r, c = k // cols + 1, k % cols + 1
        rows_k = plane[plane["estimator"] == name]
        mean = (
            rows_k.groupby(["epoch", "layer"], as_index=False)[["i_xt", "i_ty"]]
            .mean()
            .merge(_mean_flags(rows_k), on=["epoch", "layer"], how="left")
            .sort_values(["epoch", "layer"])
        )
        means[name] = mean
        for j, (layer, sub) in enumerate(mean.groupby("layer")):
            ep = sub["epoch"].to_numpy()
            flags = sub["flags"].fillna("").to_numpy(dtype=object)
            hollow = flags != ""
            any_flagged = any_flagged or bool(hollow.any())
            symbol: Any = layer_symbol(j)
            if hollow.any():  # one symbol per point: the open variant where flagged
                symbol = np.where(hollow, symbol + "-open", symbol).tolist()
            fig.add_trace(
                go.Scatter(
                    x=sub["i_xt"],
                    y=sub["i_ty"],
                    mode="markers",
                    name=labels[int(layer)],
                    legendgroup=labels[int(layer)],
                    showlegend=k == 0,
                    marker={
                        "symbol": symbol,
                        "size": 7,
                        "opacity": 0.55,
                        "color": np.log10(np.maximum(ep, 1)),
                        "colorscale": epoch_colorscale(),
                        "cmin": cmin,
                        "cmax": cmax,
                        "showscale": k == 0 and j == 0,
                        "colorbar": {
                            "title": {"text": EPOCH_LABEL},
                            "tickvals": [np.log10(t) for t in tick_epochs],
                            "ticktext": [str(t) for t in tick_epochs],
                        },
                    },
                    customdata=np.stack(
                        [ep.astype(object), np.where(hollow, flags, "none")], axis=-1
                    ),
                    hovertemplate=f"{labels[int(layer)]}<br>epoch %{{customdata[0]}}<br>"
                    f"I(X;T) = %{{x:.3f}} {unit}<br>I(T;Y) = %{{y:.3f}} {unit}<br>"
                    "flags: %{customdata[1]}<extra></extra>",
                ),
                row=r,
                col=c,
            )
        if ixy is not None:
            fig.add_trace(
                go.Scatter(
                    x=[0, max(float(mean["i_xt"].max()), 1.0) * 1.02],
                    y=[ixy, ixy],
                    mode="lines",
                    line=IXY_LINE_PLOTLY,
                    name=ixy_label(ixy, unit),
                    legendgroup="ixy",
                    showlegend=k == 0,
                    hoverinfo="skip",
                ),
                row=r,
                col=c,
            )
        if bound is not None:
            fig.add_trace(
                go.Scatter(
                    x=bound[0],
                    y=bound[1],
                    mode="lines",
                    line={"color": "#444", "width": 1.5},
                    name="IB bound",
                    legendgroup="bound",
                    showlegend=k == 0,
                ),
                row=r,
                col=c,
            )
        marks = (dpi_marks or {}).get(name)
        if marks is not None and len(marks):
            pts = marks.drop_duplicates(["epoch", "layer"])
            fig.add_trace(
                go.Scatter(
                    x=pts["i_xt"],
                    y=pts["i_ty"],
                    mode="markers",
                    name="DPI violation",
                    legendgroup="dpi",
                    showlegend=True,
                    marker={
                        "symbol": "circle-open",
                        "size": 12,
                        "color": "red",
                        "line": {"width": 1.5},
                    },
                    customdata=np.stack([pts["epoch"], pts["layer"]], axis=-1),
                    hovertemplate="DPI violation<br>epoch %{customdata[0]}, layer "
                    "%{customdata[1]}<extra></extra>",
                ),
                row=r,
                col=c,
            )
        first = mean[mean["epoch"] == all_epochs[-1]]
        fig.add_trace(
            go.Scatter(
                x=first["i_xt"],
                y=first["i_ty"],
                mode="lines+markers",
                name="selected epoch",
                legendgroup="current",
                showlegend=k == 0,
                line={"color": "black", "width": 1.2},
                marker={
                    "size": 11,
                    "color": "rgba(0,0,0,0)",
                    "line": {"color": "black", "width": 2},
                },
                hovertemplate=f"I(X;T) = %{{x:.3f}} {unit}<br>I(T;Y) = %{{y:.3f}} {unit}"
                "<extra>selected</extra>",
            ),
            row=r,
            col=c,
        )
        current_idx.append(len(fig.data) - 1)
        if any_flagged and not any(d.name == FLAGGED_LABEL for d in fig.data):
            fig.add_trace(
                go.Scatter(
                    x=[None],
                    y=[None],
                    mode="markers",
                    name=FLAGGED_LABEL,
                    legendgroup="flagged",
                    showlegend=True,
                    marker={"symbol": "circle-open", "size": 8, "color": "#555"},
                    hoverinfo="skip",
                ),
                row=r,
                col=c,
            )
        fig.update_xaxes(title_text=axis_label("I(X;T)", unit), row=r, col=c)
        fig.update_yaxes(title_text=axis_label("I(T;Y)", unit), row=r, col=c)
    if len(all_epochs) > max_frames:
        pick = np.unique(np.linspace(0, len(all_epochs) - 1, max_frames).round().astype(int))
        frame_epochs = all_epochs[pick]
    else:
        frame_epochs = all_epochs
    frames = []
    for ep in frame_epochs:
        data = []
        for name in names:
            cur = means[name][means[name]["epoch"] == ep]
            data.append(go.Scatter(x=cur["i_xt"].to_numpy(), y=cur["i_ty"].to_numpy()))
        frames.append(go.Frame(data=data, traces=current_idx, name=str(int(ep))))
    fig.frames = frames
    anim = {
        "mode": "immediate",
        "frame": {"duration": 0, "redraw": False},
        "transition": {"duration": 0},
    }
    fig.update_layout(
        height=430 * rows + 60,
        margin={"t": 60, "b": 40},
        legend={"orientation": "v", "x": 1.12, "xanchor": "left", "y": 1.0},
        sliders=[
            {
                "active": len(frames) - 1,
                "currentvalue": {"prefix": "epoch "},
                "pad": {"t": 50},
                "transition": {"duration": 0},
                "steps": [
                    {"label": f.name, "method": "animate", "args": [[f.name], anim]} for f in frames
                ],
            }
        ],
        updatemenus=[
            {
                "type": "buttons",
                "showactive": False,
                "x": 0,
                "y": -0.02,
                "xanchor": "right",
                "yanchor": "top",
                "pad": {"t": 50, "r": 10},
                "buttons": [
                    {
                        "label": "▶",
                        "method": "animate",
                        "args": [
                            None,
                            {
                                "frame": {"duration": 60, "redraw": False},
                                "fromcurrent": True,
                                "transition": {"duration": 0},
                            },
                        ],
                    },
                    {"label": "❚❚", "method": "animate", "args": [[None], anim]},
                ],
            }
        ],
    )
    return fig


def training_figure(history: Any) -> Any:
    """Train and test loss (nats) and accuracy against epochs (log scale), mean and min-max band.

    Args:
        history: table, one row per (repeat, epoch), with columns repeat, epoch, train_loss,
            test_loss (cross-entropy, nats), train_acc, test_acc (shares in [0, 1]).

    Returns:
        A ``plotly.graph_objects.Figure``: panels "cross-entropy [nats]" and "accuracy", x axes
        "Epochs" (log), a mean line and a min-max band per split.

    Raises:
        KeyError: if ``history`` has no ``epoch`` column.

    Notes:
        Epoch 0 is left out (log axis); a split with no values (no test set) is left out.

    Example:
        >>> import pandas as pd
        >>> h = pd.DataFrame({"repeat": 0, "epoch": [1, 10], "train_loss": [0.7, 0.2],
        ...                   "test_loss": [0.7, 0.3], "train_acc": [0.5, 0.9],
        ...                   "test_acc": [0.5, 0.8]})
        >>> [t.name for t in training_figure(h).data if t.showlegend]
        ['train', 'test']

    References:
        1. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
           Information. arXiv 1703.00810.
        2. Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
           Review. IEEE TNNLS, arXiv 2003.09671.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, subplot_titles=("cross-entropy [nats]", "accuracy"))
    h = history[history["epoch"] > 0]
    g = h.groupby("epoch")
    for c, metric in ((1, "loss"), (2, "acc")):
        for split, color in SPLIT_COLORS.items():
            col = f"{split}_{metric}"
            if col not in h.columns or h[col].isna().all():
                continue
            ep = g[col].mean().index.to_numpy()
            lo, hi = g[col].min().to_numpy(), g[col].max().to_numpy()
            fig.add_trace(
                go.Scatter(
                    x=np.concatenate([ep, ep[::-1]]),
                    y=np.concatenate([lo, hi[::-1]]),
                    fill="toself",
                    fillcolor=color,
                    opacity=0.2,
                    line={"width": 0},
                    hoverinfo="skip",
                    showlegend=False,
                ),
                row=1,
                col=c,
            )
            fig.add_trace(
                go.Scatter(
                    x=ep,
                    y=g[col].mean().to_numpy(),
                    mode="lines",
                    line={"color": color},
                    name=split,
                    legendgroup=split,
                    showlegend=c == 1,
                ),
                row=1,
                col=c,
            )
        fig.update_xaxes(type="log", title_text=EPOCH_LABEL, row=1, col=c)
    fig.update_layout(height=380, margin={"t": 50, "b": 40})
    return fig


def snr_figure(gradients: Any, phases: Any = None) -> Any:
    """Gradient mean and std per layer against epochs (log-log), geometric mean over repeats.

    Args:
        gradients: table, one row per (repeat, epoch, layer), with columns repeat, epoch, layer,
            grad_mean, grad_std (gradient norms; no information unit).
        phases: optional table (layer, transition_epoch, compression_epoch), one row per layer,
            from :func:`infoplane.analysis.phases.detect_phases`; drawn as vertical lines.

    Returns:
        A ``plotly.graph_objects.Figure`` (Shwartz-Ziv & Tishby 2017, arXiv 1703.00810, Fig. 4):
        one log-log panel per layer with a "mean" and a "std" line.

    Raises:
        InfoplaneError: for missing columns (from
            :func:`~infoplane.plots.snr.mean_gradients`).

    Notes:
        Repeats are averaged geometrically; epoch 0 is left out (log axis).

    Example:
        >>> import pandas as pd
        >>> g = pd.DataFrame({"repeat": 0, "epoch": [1, 10], "layer": 1, "grad_mean": 1.0,
        ...                   "grad_std": [0.5, 2.0]})
        >>> [t.name for t in snr_figure(g).data]
        ['mean', 'std']

    References:
        1. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
           Information. arXiv 1703.00810.
        2. Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
           Review. IEEE TNNLS, arXiv 2003.09671.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from infoplane.plots.snr import mean_gradients

    avg = mean_gradients(gradients)
    avg = avg[avg["epoch"] > 0]
    layers = sorted(avg["layer"].unique())
    rows, cols = panel_grid(len(layers))
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[f"layer {lay}" for lay in layers],
        shared_xaxes=True,
        shared_yaxes=True,
        vertical_spacing=0.12,
    )
    look: dict[str, dict[int, float]] = {}
    if phases is not None:
        for col in ("transition_epoch", "compression_epoch"):
            if col in phases.columns:
                look[col] = dict(zip(phases["layer"].astype(int), phases[col], strict=True))
    for k, layer in enumerate(layers):
        r, c = k // cols + 1, k % cols + 1
        sub = avg[avg["layer"] == layer]
        fig.add_trace(
            go.Scatter(
                x=sub["epoch"],
                y=sub["grad_mean"],
                mode="lines",
                name="mean",
                line={"color": SNR_COLORS["mean"]},
                legendgroup="mean",
                showlegend=k == 0,
            ),
            row=r,
            col=c,
        )
        fig.add_trace(
            go.Scatter(
                x=sub["epoch"],
                y=sub["grad_std"],
                mode="lines",
                name="std",
                line={"color": SNR_COLORS["std"]},
                legendgroup="std",
                showlegend=k == 0,
            ),
            row=r,
            col=c,
        )
        for col, dash, color in (
            ("transition_epoch", "dash", PHASE_COLORS["transition"]),
            ("compression_epoch", "dot", PHASE_COLORS["compression"]),
        ):
            e = look.get(col, {}).get(int(layer), np.nan)
            if np.isfinite(e) and e > 0:
                fig.add_vline(
                    x=float(e), line={"dash": dash, "color": color, "width": 1}, row=r, col=c
                )
        fig.update_xaxes(type="log", row=r, col=c)
        fig.update_yaxes(type="log", row=r, col=c)
    fig.update_xaxes(title_text=EPOCH_LABEL, row=rows)
    fig.update_yaxes(title_text="gradient norm", col=1)
    fig.update_layout(height=300 * rows + 60, margin={"t": 50, "b": 40})
    return fig


DIAG_TITLES = {
    "saturation": ("saturation (share of values near a bound)", "linear"),
    "total_variance": ("total variance tr Cov(T)", "log"),
    "top_pc_share": ("variance share of the top PC", "linear"),
    "class_separation": ("class separation tr S_B / tr S_W", "log"),
    "n_states": ("distinct binned states", "log"),
}


def diagnostics_figure(diagnostics: Any, plane: Any | None = None) -> Any:
    """Each geometric diagnostic against epochs (log scale), one line per layer, mean over repeats.

    A sixth panel shows I(X;T) of the first estimator in ``plane`` on the same axis, so the
    curves can be compared.

    Args:
        diagnostics: table from :func:`infoplane.analysis.diagnostics.compute_diagnostics`, one
            row per (repeat, epoch, layer).
        plane: optional information-plane table (its first estimator's I(X;T), in the table's
            unit, fills the sixth panel).

    Returns:
        A ``plotly.graph_objects.Figure``: six panels against "Epochs" (log), one line per
        layer; the I(X;T) panel's title carries the plane's unit.

    Raises:
        InfoplaneError: if ``plane`` mixes units.

    Notes:
        Infinite class separations (collapsed classes) are drawn as gaps; saturation of an
        unbounded activation (NaN) is not drawn.

    Example:
        >>> import numpy as np
        >>> from infoplane.analysis.diagnostics import compute_diagnostics
        >>> acts = {"h": np.tanh(np.random.default_rng(0).normal(size=(1, 2, 32, 2)))}
        >>> d = compute_diagnostics(acts, np.arange(32) % 2, [1, 10], activation="tanh")
        >>> [a.text for a in diagnostics_figure(d).layout.annotations][0]
        'saturation (share of values near a bound)'

    References:
        1. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
           Information. arXiv 1703.00810.
        2. Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
           Review. IEEE TNNLS, arXiv 2003.09671.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    cols = list(DIAG_TITLES)
    d = diagnostics.replace([np.inf, -np.inf], np.nan)
    mean = d.groupby(["layer", "epoch"], as_index=False)[cols].mean()
    est = None
    if plane is not None and len(plane):
        est = next(iter(dict.fromkeys(plane["estimator"])))
    unit = table_unit(plane) if est else "bits"
    titles = [DIAG_TITLES[c][0] for c in cols] + (
        [f"{axis_label('I(X;T)', unit)} ({est})"] if est else []
    )
    fig = make_subplots(rows=2, cols=3, subplot_titles=titles, vertical_spacing=0.14)
    names = diagnostics.drop_duplicates("layer").set_index("layer")["layer_name"].to_dict()
    for j, layer in enumerate(sorted(mean["layer"].unique())):
        sub = mean[mean["layer"] == layer]
        ep = np.maximum(sub["epoch"].to_numpy(), 1)
        label = f"{int(layer)}: {names.get(layer, '')}"
        color = LAYER_COLORS[j % len(LAYER_COLORS)]
        in_legend = False
        for k, col in enumerate(cols):
            r, c = k // 3 + 1, k % 3 + 1
            y = sub[col].to_numpy(dtype=float)
            if np.isnan(y).all():
                continue  # e.g. saturation of an unbounded layer
            fig.add_trace(
                go.Scatter(
                    x=ep,
                    y=y,
                    mode="lines",
                    name=label,
                    legendgroup=label,
                    line={"color": color},
                    showlegend=not in_legend,
                ),
                row=r,
                col=c,
            )
            in_legend = True
        if est is not None:
            p = (
                plane[(plane["estimator"] == est) & (plane["layer"] == layer)]
                .groupby("epoch", as_index=False)["i_xt"]
                .mean()
            )
            fig.add_trace(
                go.Scatter(
                    x=np.maximum(p["epoch"], 1),
                    y=p["i_xt"],
                    mode="lines",
                    name=label,
                    legendgroup=label,
                    line={"color": color},
                    showlegend=False,
                ),
                row=2,
                col=3,
            )
    for k, col in enumerate(cols + (["i_xt"] if est else [])):
        r, c = k // 3 + 1, k % 3 + 1
        fig.update_xaxes(type="log", title_text=EPOCH_LABEL, row=r, col=c)
        if col in DIAG_TITLES and DIAG_TITLES[col][1] == "log":
            fig.update_yaxes(type="log", row=r, col=c)
    fig.update_layout(height=700, margin={"t": 50, "b": 40})
    return fig


def sensitivity_figure(table: Any) -> Any:
    """Heat map of compression (peak - final I(X;T), table's unit) per layer and setting.

    Args:
        table: from :func:`infoplane.analysis.consistency.parameter_sensitivity`, one row per
            (setting, layer), with compression in the table's ``unit``.

    Returns:
        A ``plotly.graph_objects.Figure``: one heat map, n_layers x n_settings, colour bar titled
        with the unit.

    Raises:
        InfoplaneError: if the table mixes units.

    Notes:
        Cells are annotated with the compression; zero is the bottom of the colour scale.

    Example:
        >>> import pandas as pd
        >>> t = pd.DataFrame({"setting": ["a", "b"], "layer": 1, "layer_name": "h",
        ...                   "compression": [0.1, 0.2]})
        >>> sensitivity_figure(t).data[0].colorbar.title.text
        'bits'

    References:
        1. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
           Information. arXiv 1703.00810.
        2. Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
           Review. IEEE TNNLS, arXiv 2003.09671.
    """
    import plotly.graph_objects as go

    unit = table_unit(table)
    settings = list(dict.fromkeys(table["setting"]))
    layers = sorted(table["layer"].unique())
    grid = table.pivot(index="layer", columns="setting", values="compression").loc[layers, settings]
    names = table.drop_duplicates("layer").set_index("layer")["layer_name"]
    fig = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(),
            x=settings,
            y=[f"{lay}: {names[lay]}" for lay in layers],
            colorscale="Greens",
            zmin=0,
            texttemplate="%{z:.2f}",
            colorbar={"title": {"text": unit}},
            hovertemplate=f"%{{y}}<br>%{{x}}<br>compression %{{z:.3f}} {unit}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(
        height=90 + 40 * len(layers), margin={"t": 30, "b": 40}, xaxis_title="estimator setting"
    )
    return fig
