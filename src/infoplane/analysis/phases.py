"""Phases of training per layer: the drift-to-diffusion transition and the onset of compression.

Shwartz-Ziv & Tishby (2017), "Opening the Black Box of Deep Neural Networks via Information",
arXiv 1703.00810, Sec. 3.4, report that stochastic gradient descent first *drifts* and then
*diffuses*, and that the transition coincides with the start of the compression of I(X;T); Saxe
et al. (2018, ICLR) dispute the coincidence. The rules are defined once, in
:mod:`infoplane.analysis.events` (``docs/definitions.md``); this module only applies them to a
run's tables: the transition on the repetition-averaged gradient curves
(:func:`~infoplane.analysis.events.transition_events`), the compression onset from
:func:`~infoplane.analysis.events.compression_summary` (NaN unless the layer's compression,
averaged over networks, exceeds the estimator's error with its confidence interval).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from infoplane.analysis.events import (
    compression_event,
    compression_summary,
    smooth_log_epochs,
    transition_epoch,
    transition_events,
)
from infoplane.analysis.tables import require_columns

__all__ = ["compression_epoch", "detect_phases", "smooth_log_epochs", "transition_epoch"]

PHASE_COLUMNS: tuple[str, ...] = ("layer", "transition_epoch", "compression_epoch")


def compression_epoch(
    epochs: np.ndarray, i_xt: np.ndarray, *, bandwidth: float = 0.1, min_drop: float = 0.05
) -> float:
    """Onset of compression of one curve (:func:`~infoplane.analysis.events.compression_event`).

    Args:
        epochs: recorded epochs, shape (n,), increasing.
        i_xt: I(X;T) at those epochs, shape (n,), in bits (or the unit of the table).
        bandwidth: smoothing width in decades.
        min_drop: smallest rise and fall that count (default 0.05 bits); the estimator's error
            (twice the curve's robust scatter) raises it.

    Returns:
        The onset epoch, NaN when the curve has no fitting-then-compression peak.

    Raises:
        InfoplaneError: for epochs that are not increasing or a negative ``min_drop``.

    Notes:
        A thin alias kept for users of earlier versions: the rule lives in
        :mod:`infoplane.analysis.events`.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810, Sec. 3.3.

    Example:
        >>> ep = np.unique(np.round(np.geomspace(1, 1000, 40)).astype(int))
        >>> compression_epoch(ep, 5 - (np.log10(ep) - 2) ** 2)  # peak at epoch 100
        100.0
    """
    return compression_event(epochs, i_xt, bandwidth=bandwidth, min_drop=min_drop)["onset_epoch"]


def _check_columns(frame: Any, name: str, columns: tuple[str, ...]) -> None:
    require_columns(frame, name, columns, hint=f"a table with columns {', '.join(columns)}")


def detect_phases(
    plane,
    gradients,
    *,
    estimator: str | None = None,
    threshold: float = 1.0,
    bandwidth: float = 0.1,
    min_drop: float = 0.05,
):
    """Per-layer drift-to-diffusion transition and compression onset, after averaging over repeats.

    Args:
        plane: information-plane table (``pandas.DataFrame`` of shape (n_rows, n_columns), one
            row per (repeat, epoch, layer[, estimator])) with columns ``repeat``, ``epoch``, ``layer``, ``i_xt`` (in the
            table's ``unit``, bits by default) and optionally ``estimator`` (a run's plane
            table). May be ``None`` or empty (compression epochs NaN).
        gradients: gradient table, one row per (repeat, epoch, layer), with columns ``repeat``,
            ``epoch``, ``layer``, ``grad_mean``, ``grad_std`` (norms of the mean and the std of
            the mini-batch gradients, :meth:`~infoplane.training.gradients.GradientStatistics.to_frame`).
            May be ``None`` or empty (transition epochs NaN).
        estimator: which estimator's I(X;T) to use when ``plane`` holds several.
        threshold: SNR level of the transition (default 1: mean and std cross).
        bandwidth: smoothing width in decades of epochs (default 0.1).
        min_drop: smallest rise/fall of I(X;T) that counts, in the plane's unit (default 0.05
            bits; the estimator's error raises it; see
            :func:`~infoplane.analysis.events.compression_summary`).

    Returns:
        ``pandas.DataFrame`` with columns ``layer`` (int, 1..L+1), ``transition_epoch`` and
        ``compression_epoch`` (float epochs, NaN when not detected), one row per layer present
        in either table.

    Raises:
        InfoplaneError: for missing columns, or several estimators in ``plane`` with
            ``estimator=None`` (name one), or an estimator not in the table.

    Notes:
        The transition is found on the gradient norms averaged geometrically over repetitions
        (SNR = ratio of the averages); the compression onset is the median over networks of
        each network's onset, reported only when the layer's compression (mean over networks,
        95% interval) exceeds the estimator's error. The rules live in
        :mod:`infoplane.analysis.events`.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810, Sec. 3.3-3.4.
        Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.

    Example:
        >>> import pandas as pd
        >>> ep = np.unique(np.round(np.geomspace(1, 1000, 40)).astype(int))
        >>> grads = pd.DataFrame({"repeat": 0, "epoch": ep, "layer": 1,
        ...                       "grad_mean": 1.0 / ep, "grad_std": 0.1 * np.sqrt(ep)})
        >>> plane = pd.DataFrame({"repeat": 0, "epoch": ep, "layer": 1,
        ...                       "i_xt": 5 - (np.log10(ep) - 2) ** 2})  # peak at epoch 100
        >>> detect_phases(plane, grads).to_dict("records")
        [{'layer': 1, 'transition_epoch': 5.0, 'compression_epoch': 100.0}]
    """
    import pandas as pd

    trans: dict[int, float] = {}
    comp: dict[int, float] = {}
    if gradients is not None and len(gradients):
        _check_columns(gradients, "gradients", ("epoch", "layer", "grad_mean", "grad_std"))
        t = transition_events(
            gradients, threshold=threshold, bandwidth=bandwidth, per_network=False
        )
        trans = dict(zip(t["layer"].astype(int), t["transition_epoch"], strict=True))
    if plane is not None and len(plane):
        _check_columns(plane, "plane", ("epoch", "layer", "i_xt"))
        c = compression_summary(plane, estimator=estimator, bandwidth=bandwidth, min_drop=min_drop)
        comp = dict(zip(c["layer"].astype(int), c["onset_epoch"], strict=True))
    layers = sorted(set(trans) | set(comp))
    return pd.DataFrame(
        {
            "layer": np.asarray(layers, dtype=np.int64),
            "transition_epoch": np.asarray([trans.get(lay, np.nan) for lay in layers], dtype=float),
            "compression_epoch": np.asarray([comp.get(lay, np.nan) for lay in layers], dtype=float),
        }
    )
