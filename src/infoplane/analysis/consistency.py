"""Consistency of information-plane estimates: the data-processing inequality and sensitivity.

For a feed-forward network the representations form a Markov chain Y -> X -> T_1 -> ... -> T_L, so
the true mutual information obeys the data-processing inequality (DPI)

    I(X;T_1) >= I(X;T_2) >= ... >= I(X;T_L)   and   I(T_1;Y) >= ... >= I(T_L;Y).

Estimates need not: binning each layer on its own grid, or adding noise per layer, makes the
estimated quantities properties of each layer's geometry, and a deeper layer can score higher
(Geiger 2021, arXiv 2003.09671, Sec. IV). :func:`dpi_checks` lists every pair of consecutive layers
for every estimator, repetition and epoch, :func:`dpi_summary` counts the violations and
:func:`infoplane.plots.consistency.mark_dpi_violations` marks them on an information-plane Axes.

Whether a plane shows compression can also depend on the estimator's parameter (bin count or
width, noise variance; Saxe et al. 2018, ICLR; Geiger 2021): :func:`parameter_sensitivity`
re-estimates the plane from the activations at a list of settings and :func:`sensitivity_verdict`
says, per layer, whether compression appears at all settings, some, or none;
:func:`infoplane.plots.consistency.plot_parameter_sensitivity` draws it. This module computes only;
the figures live in :mod:`infoplane.plots.consistency`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from infoplane.analysis.tables import require_columns, select_estimator, table_unit
from infoplane.interface import InfoplaneError

QUANTITIES: tuple[str, ...] = ("i_xt", "i_ty")
_LABELS = {"i_xt": "I(X;T)", "i_ty": "I(T;Y)"}


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
        plane: information-plane table of shape (n_rows, n_columns), one row per (repeat, epoch,
            layer, estimator), with columns repeat, epoch, layer, estimator, i_xt, i_ty (values in
            bits, or the table's ``unit``).
        tolerance: excess allowed before a pair counts as a violation, in the table's unit
            (default 0; e.g. 0.05 bits ignores estimator noise).
        quantities: which of ``"i_xt"``, ``"i_ty"`` to check.

    Returns:
        ``pandas.DataFrame``, one row per check, with columns estimator, repeat, epoch, layer (the
        deeper layer l), layer_name (if known), quantity, upstream (value at l - 1), value (at l),
        excess (value - upstream), violated (bool), unit (the plane's unit, from its ``unit``
        column; bits without one).

    Raises:
        InfoplaneError: for missing columns, a negative tolerance, an unknown quantity or a plane
            that mixes units.

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

    require_columns(plane, "plane", ["repeat", "epoch", "layer", "estimator", "i_xt", "i_ty"])
    quantities = _check_quantities(quantities)
    unit = table_unit(plane, name="plane")
    if not (np.isfinite(tolerance) and tolerance >= 0):
        raise InfoplaneError(
            f"tolerance must be a finite number >= 0 ({unit}, the plane's unit); got {tolerance!r}."
        )
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
        frame["unit"] = unit
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

    Notes:
        A share of violations well above zero says the estimator does not measure mutual
        information between the layers (it measures each layer's geometry at its own scale).

    References:
        Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
        Review. IEEE TNNLS, arXiv 2003.09671.

    Example:
        >>> import pandas as pd
        >>> t = pd.DataFrame({"repeat": 0, "epoch": 0, "layer": [1, 2], "estimator": "binning",
        ...                   "i_xt": [5.0, 6.0], "i_ty": [1.0, 0.5]})
        >>> dpi_summary(dpi_checks(t))[["quantity", "n_violations", "max_excess"]].to_numpy().tolist()
        [['i_xt', 1, 1.0], ['i_ty', 0, -0.5]]
    """
    import pandas as pd

    require_columns(
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

    Notes:
        Averaging hides violations of single networks and can create none: the per-network
        checks of :func:`dpi_checks` are the stricter test.

    References:
        Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
        Review. IEEE TNNLS, arXiv 2003.09671.

    Example:
        >>> import pandas as pd
        >>> t = pd.DataFrame({"repeat": [0, 0, 1, 1], "epoch": 0, "layer": [1, 2, 1, 2],
        ...                   "estimator": "b", "i_xt": [5.0, 7.0, 5.0, 4.0], "i_ty": 0.5})
        >>> mean_dpi_violations(t)[["layer", "quantity", "i_xt"]].to_numpy().tolist()
        [[2, 'i_xt', 5.5]]
    """
    require_columns(plane, "plane", ["repeat", "epoch", "layer", "estimator", "i_xt", "i_ty"])
    estimator = select_estimator(plane, estimator, name="plane")
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
    repetitions, and its compression is measured by
    :func:`infoplane.analysis.events.compression_event` (the one definition).

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
        params (JSON), layer, layer_name, peak_i_xt, peak_epoch (the onset; the last epoch when
        there is none), final_i_xt, compression (the amount of
        :func:`~infoplane.analysis.events.compression_event`, in the estimator's unit),
        final_i_ty, unit (the estimator's unit: bits unless a setting passes ``unit``),
        compresses (compression > 0: a fall of at least ``min_drop`` and the curve's error).

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

    Example:
        >>> t = np.tanh(np.random.default_rng(0).normal(size=(1, 2, 64, 2)) * [[[[1.0]]], [[[5.0]]]])
        >>> table = parameter_sensitivity({"h": t}, np.arange(64) % 2, [0, 10],
        ...                               settings=[{"n_bins": 4}, {"n_bins": 30}])
        >>> table[["setting", "layer", "unit"]].to_numpy().tolist()
        [['n_bins=4', 1, 'bits'], ['n_bins=30', 1, 'bits']]
    """
    import pandas as pd

    from infoplane.analysis.events import compression_event
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
            ev = compression_event(epochs, curve, min_drop=min_drop)  # the one definition
            found = ev["amount"] > 0
            rows.append(
                {
                    "setting": _setting_label(dict(setting)),
                    "params": json.dumps(params, default=str, sort_keys=True),
                    "layer": layer,
                    "layer_name": str(name),
                    "peak_i_xt": float(ev["peak"] if found else ev["final"]),
                    "peak_epoch": int(ev["onset_epoch"] if found else epochs[-1]),
                    "final_i_xt": float(ev["final"]),
                    "compression": float(ev["amount"]),
                    "final_i_ty": float(np.asarray(i_ty, dtype=float).mean(axis=0)[-1]),
                    "unit": str(params.get("unit", "bits")),
                }
            )
    table = pd.DataFrame(rows)
    table["compresses"] = table["compression"] > 0
    return table


def sensitivity_verdict(table: Any) -> Any:
    """Per layer: does compression appear at all settings, some, or none?

    Args:
        table: from :func:`parameter_sensitivity`.

    Returns:
        ``pandas.DataFrame``, one row per layer, with columns layer, layer_name, n_settings,
        n_compressing, verdict (``"all"``, ``"some"`` or ``"none"``), min_compression,
        max_compression (in the table's unit, bits by default).

    Raises:
        InfoplaneError: for a table without the columns of :func:`parameter_sensitivity`.

    Notes:
        "some" is the telling verdict: compression that appears at one bin size and not at
        another is a property of the estimator's parameter (Saxe et al. 2018).

    References:
        Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
        Review. IEEE TNNLS, arXiv 2003.09671.

    Example:
        >>> import pandas as pd
        >>> t = pd.DataFrame({"setting": ["a", "b"], "layer": 1, "layer_name": "h",
        ...                   "compression": [0.0, 0.3], "compresses": [False, True]})
        >>> sensitivity_verdict(t)["verdict"].tolist()
        ['some']
    """
    require_columns(table, "table", ["layer", "layer_name", "compression", "compresses"])
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
