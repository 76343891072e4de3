"""Consistency of information-plane estimates: the data-processing inequality and sensitivity.

For a feed-forward network the representations form a Markov chain Y -> X -> T_1 -> ... -> T_L, so
the true mutual information obeys the data-processing inequality (DPI)

    I(X;T_1) >= I(X;T_2) >= ... >= I(X;T_L)   and   I(T_1;Y) >= ... >= I(T_L;Y).

Estimates need not: binning each layer on its own grid, or adding noise per layer, makes the
estimated quantities properties of each layer's geometry, and a deeper layer can score higher
(Geiger 2021, arXiv 2003.09671, Sec. IV). :func:`dpi_checks` lists every pair of consecutive layers
for every estimator, repetition and epoch, :func:`dpi_summary` counts the violations and
:func:`mark_dpi_violations` marks them on an information-plane Axes.

Whether a plane shows compression can also depend on the estimator's parameter (bin count or
width, noise variance; Saxe et al. 2018, ICLR; Geiger 2021): :func:`parameter_sensitivity`
re-estimates the plane from the activations at a list of settings and :func:`sensitivity_verdict`
says, per layer, whether compression appears at all settings, some, or none;
:func:`plot_parameter_sensitivity` draws it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from infoplane.interface import InfoplaneError

QUANTITIES: tuple[str, ...] = ("i_xt", "i_ty")
_LABELS = {"i_xt": "I(X;T)", "i_ty": "I(T;Y)"}


def _check_columns(table: Any, name: str, need: Sequence[str]) -> None:
    missing = [c for c in need if c not in getattr(table, "columns", ())]
    if missing:
        raise InfoplaneError(
            f"{name} lacks column(s) {', '.join(missing)}; pass an information-plane table "
            "(a run's information_plane.parquet)."
        )


def _check_quantities(quantities: Sequence[str]) -> list[str]:
    bad = [q for q in quantities if q not in QUANTITIES]
    if bad or not quantities:
        raise InfoplaneError(
            f"quantities must be a non-empty subset of {QUANTITIES}; got {quantities}."
        )
    return list(quantities)


def dpi_checks(
    plane: Any,
    *,
    tolerance: float = 0.0,
    quantities: Sequence[str] = QUANTITIES,
) -> Any:
    """Check the data-processing inequality between every pair of consecutive layers.

    For each estimator, repetition, epoch and layer l >= 2, and each quantity q in ``quantities``,
    the excess q(T_l) - q(T_{l-1}) is computed; it is a violation when it exceeds ``tolerance``.

    Args:
        plane: information-plane table with columns repeat, epoch, layer, estimator, i_xt, i_ty
            (values in bits, or the table's ``unit``).
        tolerance: excess allowed before a pair counts as a violation, in the table's unit
            (default 0; e.g. 0.05 bits ignores estimator noise).
        quantities: which of ``"i_xt"``, ``"i_ty"`` to check.

    Returns:
        ``pandas.DataFrame``, one row per check, with columns estimator, repeat, epoch, layer (the
        deeper layer l), layer_name (if known), quantity, upstream (value at l - 1), value (at l),
        excess (value - upstream), violated (bool).

    Raises:
        InfoplaneError: for missing columns, a negative tolerance or an unknown quantity.

    Notes:
        Layers are ordered by the ``layer`` column (1 = closest to the input). The true DPI holds
        per network, so checks are per repetition, not on averages.

    References:
        1. Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
           Review. IEEE TNNLS, arXiv 2003.09671.
        2. Cover, T. M., Thomas, J. A. (2006). Elements of Information Theory, 2nd ed., Wiley,
           Thm. 2.8.1.

    Example:
        >>> import pandas as pd
        >>> t = pd.DataFrame({"repeat": 0, "epoch": 0, "layer": [1, 2], "estimator": "binning",
        ...                   "i_xt": [5.0, 6.0], "i_ty": [1.0, 0.5]})
        >>> dpi_checks(t)["violated"].tolist()
        [True, False]
    """
    import pandas as pd

    _check_columns(plane, "plane", ["repeat", "epoch", "layer", "estimator", "i_xt", "i_ty"])
    quantities = _check_quantities(quantities)
    if not (np.isfinite(tolerance) and tolerance >= 0):
        raise InfoplaneError(f"tolerance must be a finite number >= 0 (bits); got {tolerance!r}.")
    keys = ["estimator", "repeat", "epoch"]
    cols = [*keys, "layer", *quantities] + (["layer_name"] if "layer_name" in plane.columns else [])
    p = plane[cols].sort_values([*keys, "layer"], ignore_index=True)
    up = p.groupby(keys, sort=False)[quantities].shift(1)
    has_up = up[quantities[0]].notna().to_numpy()
    frames = []
    for q in quantities:
        excess = (p[q] - up[q]).to_numpy()
        frame = p.loc[has_up, [*keys, "layer"]].copy()
        if "layer_name" in p.columns:
            frame["layer_name"] = p.loc[has_up, "layer_name"].to_numpy()
        frame["quantity"] = q
        frame["upstream"] = up.loc[has_up, q].to_numpy()
        frame["value"] = p.loc[has_up, q].to_numpy()
        frame["excess"] = excess[has_up]
        frame["violated"] = frame["excess"] > tolerance
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def dpi_summary(checks: Any) -> Any:
    """Count DPI violations per estimator and quantity.

    Args:
        checks: table from :func:`dpi_checks`.

    Returns:
        ``pandas.DataFrame`` with columns estimator, quantity, n_checks, n_violations,
        share (n_violations / n_checks), max_excess (largest excess, in the plane's unit; <= 0
        when nothing is violated), n_epochs_violated (epochs with at least one violation in any
        repetition), worst_layer (the deeper layer of the largest excess).

    Raises:
        InfoplaneError: for a table without the columns of :func:`dpi_checks`.

    References:
        Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
        Review. IEEE TNNLS, arXiv 2003.09671.
    """
    import pandas as pd

    _check_columns(
        checks, "checks", ["estimator", "quantity", "epoch", "layer", "excess", "violated"]
    )
    rows = []
    for (est, q), sub in checks.groupby(["estimator", "quantity"], sort=False):
        worst = sub.loc[sub["excess"].idxmax()] if len(sub) else None
        rows.append(
            {
                "estimator": est,
                "quantity": q,
                "n_checks": len(sub),
                "n_violations": int(sub["violated"].sum()),
                "share": float(sub["violated"].mean()) if len(sub) else float("nan"),
                "max_excess": float(sub["excess"].max()) if len(sub) else float("nan"),
                "n_epochs_violated": int(sub.loc[sub["violated"], "epoch"].nunique()),
                "worst_layer": int(worst["layer"]) if worst is not None else -1,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "estimator",
            "quantity",
            "n_checks",
            "n_violations",
            "share",
            "max_excess",
            "n_epochs_violated",
            "worst_layer",
        ],
    )


def mean_dpi_violations(
    plane: Any,
    *,
    estimator: str | None = None,
    tolerance: float = 0.0,
    quantities: Sequence[str] = QUANTITIES,
) -> Any:
    """DPI violations of the repeat-averaged plane of one estimator (what a figure shows).

    Args:
        plane: information-plane table (see :func:`dpi_checks`).
        estimator: which estimator (``None``: the table must hold exactly one).
        tolerance: allowed excess, in the table's unit.
        quantities: which of ``"i_xt"``, ``"i_ty"`` to check.

    Returns:
        The violated rows of :func:`dpi_checks` on the averaged plane (``repeat`` is -1), with the
        averaged ``i_xt`` and ``i_ty`` of the deeper layer (where a marker goes).

    Raises:
        InfoplaneError: for missing columns, or an estimator not in the table (or several with
            ``estimator=None``).

    References:
        Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
        Review. IEEE TNNLS, arXiv 2003.09671.
    """
    _check_columns(plane, "plane", ["repeat", "epoch", "layer", "estimator", "i_xt", "i_ty"])
    names = list(dict.fromkeys(plane["estimator"]))
    if estimator is None:
        if len(names) != 1:
            raise InfoplaneError(f"plane holds estimators {names}; pass estimator=one of them.")
        estimator = names[0]
    if estimator not in names:
        raise InfoplaneError(f"estimator {estimator!r} is not in plane; it holds {names}.")
    mean = (
        plane[plane["estimator"] == estimator]
        .groupby(["epoch", "layer"], as_index=False)[["i_xt", "i_ty"]]
        .mean()
    )
    mean["repeat"] = -1
    mean["estimator"] = estimator
    checks = dpi_checks(mean, tolerance=tolerance, quantities=quantities)
    bad = checks[checks["violated"]]
    return bad.merge(mean[["epoch", "layer", "i_xt", "i_ty"]], on=["epoch", "layer"], how="left")


def mark_dpi_violations(
    ax: Any,
    plane: Any,
    *,
    estimator: str | None = None,
    tolerance: float = 0.0,
    quantities: Sequence[str] = QUANTITIES,
    size: float = 60.0,
    color: str = "red",
) -> int:
    """Circle the points of an information-plane Axes where the averaged plane breaks the DPI.

    The point of the deeper layer l at each epoch where q(T_l) > q(T_{l-1}) + ``tolerance`` (on
    the repeat-averaged plane, as drawn by
    :func:`infoplane.plots.information_plane.plot_information_plane`) gets an open circle.

    Args:
        ax: matplotlib Axes with the information plane (x = I(X;T), y = I(T;Y)).
        plane: information-plane table (see :func:`dpi_checks`).
        estimator: which estimator's panel (``None``: the table must hold exactly one).
        tolerance: allowed excess, in the table's unit.
        quantities: which inequalities to check.
        size: marker area.
        color: marker edge colour.

    Returns:
        The number of points marked (distinct epoch, layer pairs).

    Raises:
        InfoplaneError: as :func:`mean_dpi_violations`.

    References:
        Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
        Review. IEEE TNNLS, arXiv 2003.09671.
    """
    bad = mean_dpi_violations(
        plane, estimator=estimator, tolerance=tolerance, quantities=quantities
    )
    pts = bad.drop_duplicates(["epoch", "layer"])
    if len(pts):
        ax.scatter(
            pts["i_xt"],
            pts["i_ty"],
            s=size,
            facecolors="none",
            edgecolors=color,
            linewidths=1.0,
            zorder=6,
            label=f"DPI violation ({len(pts)})",
        )
    return len(pts)


def _setting_label(setting: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in setting.items()) or "defaults"


def parameter_sensitivity(
    activations: dict[str, np.ndarray],
    labels: np.ndarray,
    epochs: Sequence[int] | np.ndarray,
    *,
    settings: Sequence[dict[str, Any]],
    estimator: str = "binning",
    base_params: dict[str, Any] | None = None,
    min_drop: float = 0.05,
) -> Any:
    """Re-estimate the plane at several settings of an estimator and measure compression at each.

    For each setting (merged over ``base_params``), every layer's I(X;T) is estimated with
    ``make_estimator(estimator, **params).information_plane`` from the activations, averaged over
    repetitions, and the compression is its peak minus its final value.

    Args:
        activations: layer name -> array (n_repeats, n_epochs, n_samples, n_units) (or without the
            repeat axis), layers in order.
        labels: integer class labels (n_samples,).
        epochs: the captured epochs (n_epochs,).
        settings: parameter dicts to try, e.g. ``[{"n_bins": 10}, {"n_bins": 30}, {"n_bins": 100}]``
            or ``[{"bin_width": w, "n_bins": None} for w in (0.01, 0.07, 0.3)]``.
        estimator: registry name of the estimator (default ``"binning"``).
        base_params: parameters common to every setting (e.g. ``{"range": "data"}``).
        min_drop: compression (bits) from which a layer counts as compressing (default 0.05).

    Returns:
        ``pandas.DataFrame`` with one row per (setting, layer) and columns setting (a label),
        params (JSON), layer, layer_name, peak_i_xt, peak_epoch, final_i_xt, compression
        (peak - final, in the estimator's unit), final_i_ty, compresses (compression >= min_drop).

    Raises:
        InfoplaneError: for no settings, a negative ``min_drop``, an unknown estimator or
            parameter, or activations of the wrong shape.

    Notes:
        Each setting re-runs the estimator on every layer: the cost is that of the run's
        estimation times the number of settings. The peak of a noisy curve is biased upwards; a
        ``min_drop`` above the estimator's noise guards against calling noise compression.

    References:
        1. Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.
        2. Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
           Review. IEEE TNNLS, arXiv 2003.09671.
    """
    import pandas as pd

    from infoplane.estimators import make_estimator

    if not settings:
        raise InfoplaneError("settings is empty; pass parameter dicts, e.g. [{'n_bins': 10}, ...].")
    if not (np.isfinite(min_drop) and min_drop >= 0):
        raise InfoplaneError(f"min_drop must be a finite number >= 0 (bits); got {min_drop!r}.")
    epochs = np.asarray(epochs).ravel()
    rows = []
    for setting in settings:
        params = {**(base_params or {}), **dict(setting)}
        est = make_estimator(estimator, **params)
        for layer, (name, t) in enumerate(activations.items(), start=1):
            t = np.asarray(t)
            if t.ndim == 3:
                t = t[None]
            if t.ndim != 4 or t.shape[1] != len(epochs):
                raise InfoplaneError(
                    f"activations[{name!r}] must have shape (n_repeats, {len(epochs)}, n_samples, "
                    f"n_units) to match epochs; got {t.shape}."
                )
            i_xt, i_ty = est.information_plane(t, labels)
            curve = np.asarray(i_xt, dtype=float).mean(axis=0)
            k = int(np.nanargmax(curve))
            rows.append(
                {
                    "setting": _setting_label(dict(setting)),
                    "params": json.dumps(params, default=str, sort_keys=True),
                    "layer": layer,
                    "layer_name": str(name),
                    "peak_i_xt": float(curve[k]),
                    "peak_epoch": int(epochs[k]),
                    "final_i_xt": float(curve[-1]),
                    "compression": float(curve[k] - curve[-1]),
                    "final_i_ty": float(np.asarray(i_ty, dtype=float).mean(axis=0)[-1]),
                }
            )
    table = pd.DataFrame(rows)
    table["compresses"] = table["compression"] >= min_drop
    return table


def sensitivity_verdict(table: Any) -> Any:
    """Per layer: does compression appear at all settings, some, or none?

    Args:
        table: from :func:`parameter_sensitivity`.

    Returns:
        ``pandas.DataFrame`` with columns layer, layer_name, n_settings, n_compressing, verdict
        (``"all"``, ``"some"`` or ``"none"``), min_compression, max_compression.

    Raises:
        InfoplaneError: for a table without the columns of :func:`parameter_sensitivity`.

    References:
        Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
        Review. IEEE TNNLS, arXiv 2003.09671.
    """
    _check_columns(table, "table", ["layer", "layer_name", "compression", "compresses"])
    g = table.groupby(["layer", "layer_name"], as_index=False).agg(
        n_settings=("compresses", "size"),
        n_compressing=("compresses", "sum"),
        min_compression=("compression", "min"),
        max_compression=("compression", "max"),
    )
    g["n_compressing"] = g["n_compressing"].astype(int)
    g["verdict"] = np.where(
        g["n_compressing"] == g["n_settings"],
        "all",
        np.where(g["n_compressing"] == 0, "none", "some"),
    )
    return g[
        [
            "layer",
            "layer_name",
            "n_settings",
            "n_compressing",
            "verdict",
            "min_compression",
            "max_compression",
        ]
    ]


def plot_parameter_sensitivity(
    table: Any, path: str | Path | None = None, *, title: str | None = None
) -> Any:
    """Heat map of the compression (peak minus final I(X;T)) per layer and estimator setting.

    Cells are annotated with the compression in bits; a cell is outlined when it counts as
    compressing. The verdict per layer (all / some / none) is written at the row's end.

    Args:
        table: from :func:`parameter_sensitivity`.
        path: where to save a PNG (atomically); ``None`` to only return the figure.
        title: figure title.

    Returns:
        The matplotlib Figure.

    Raises:
        InfoplaneError: for a table without the columns of :func:`parameter_sensitivity`.

    References:
        Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
        Review. IEEE TNNLS, arXiv 2003.09671.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    _check_columns(table, "table", ["setting", "layer", "layer_name", "compression", "compresses"])
    settings = list(dict.fromkeys(table["setting"]))
    layers = sorted(table["layer"].unique())
    grid = table.pivot(index="layer", columns="setting", values="compression").loc[layers, settings]
    flags = table.pivot(index="layer", columns="setting", values="compresses").loc[layers, settings]
    verdict = sensitivity_verdict(table).set_index("layer")["verdict"]
    fig, ax = plt.subplots(figsize=(1.5 * len(settings) + 3.2, 0.55 * len(layers) + 1.6))
    vmax = max(float(np.nanmax(np.abs(grid.to_numpy()))), 1e-9)
    im = ax.imshow(grid.to_numpy(), cmap="Greens", vmin=0, vmax=vmax, aspect="auto")
    for i in range(len(layers)):
        for j in range(len(settings)):
            v = grid.iat[i, j]
            ax.text(
                j,
                i,
                f"{v:.2f}",
                ha="center",
                va="center",
                fontsize=8,
                color="white" if v > 0.6 * vmax else "black",
            )
            if bool(flags.iat[i, j]):
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, lw=1.5, ec="k"))
        ax.text(len(settings) - 0.35, i, verdict.get(layers[i], ""), va="center", fontsize=9)
    names = table.drop_duplicates("layer").set_index("layer")["layer_name"]
    ax.set_yticks(range(len(layers)), [f"{lay}: {names[lay]}" for lay in layers], fontsize=8)
    ax.set_xticks(range(len(settings)), settings, rotation=30, ha="right", fontsize=8)
    ax.set_xlim(-0.5, len(settings) + 0.5)
    cbar = fig.colorbar(im, ax=ax, fraction=0.05, pad=0.02)
    cbar.set_label("compression: peak - final I(X;T) [bits]")
    ax.set_title(title or "Does compression survive the estimator's parameter?", fontsize=10)
    fig.tight_layout()
    if path is not None:
        from infoplane.storage import save_figure

        save_figure(path, fig, dpi=150, bbox_inches="tight")
    return fig
