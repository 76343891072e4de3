"""All figures of a run directory, written after estimation (called by the run pipeline).

- ``information_plane.png``: one panel per estimator (Shwartz-Ziv & Tishby 2017 conventions), with
  the phase markers of :func:`~infoplane.analysis.phases.detect_phases` and, on the 12-bit task, the
  Information Bottleneck bound of the soft rule p(y|x) (``all.mat``) drawn under the layers.
- ``snr.png`` and ``phases.csv``: gradient mean and std per layer (log-log) with the
  drift-to-diffusion transition marked.
- ``layer_check.png`` and ``layer_check.csv`` (12-bit task, ``--layer-check``): claim (iii), each
  layer's distance from the IB bound of the soft rule (every network) and its IB self-consistency
  (network 0), see :func:`~infoplane.bottleneck.layer_check`.
- ``training_curves.png``.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

log = logging.getLogger(__name__)


def _phases(result: Any, config: Any) -> Any:
    from infoplane.analysis.phases import detect_phases

    return detect_phases(result.plane, result.gradients, estimator=config.estimators[0].name)


def write_run_figures(
    result: Any,
    config: Any,
    dataset: Any,
    *,
    activations: dict[str, np.ndarray] | None = None,
    epochs: np.ndarray | None = None,
    progress: Any = None,
) -> list[str]:
    """Write the run's figures (and the small tables behind them) into ``result.out_dir``.

    Args:
        result: the :class:`~infoplane.run.engine.RunResult` (plane, history, gradients, store).
        config: the run's :class:`~infoplane.run.config.RunConfig`.
        dataset: the run's data set (labels for I(X;Y)).
        activations: unused (kept for callers that hold activations in memory); the layer check
            reads repeat 0 from the run's activation store.
        epochs: the captured epochs (unused; the tables hold them).
        progress: a tqdm-like factory for the progress bar of the IB layer check (one step per
            layer, about a second each on a CPU), or ``None`` (default) for no bar.

    Returns:
        Names of the files written (paths relative to the run directory, as named by
        :class:`~infoplane.storage.layout.RunLayout`).

    Raises:
        InfoplaneError: if the plane table is empty or lacks columns (from the plotting code).

    Notes:
        The information plane is averaged over repeats; I(X;Y) (dotted line) is the entropy of
        the evaluated labels in bits (the plug-in estimate). The IB bound and the layer check are
        drawn only on the 12-bit task with all 4096 inputs evaluated (sample i = input i).

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810, Figs. 2-4.

    Example:
        >>> # written by run_experiment(..., make_figures=True); see infoplane.run.engine
    """
    import matplotlib.pyplot as plt

    from infoplane.estimators.binning import label_entropy
    from infoplane.plots.information_plane import mean_over_repeats, plot_information_plane
    from infoplane.plots.training_curves import plot_training_curves
    from infoplane.run.setup import evaluation_indices
    from infoplane.storage import write_table
    from infoplane.storage.layout import RunLayout

    out = RunLayout(result.out_dir)
    eval_idx = evaluation_indices(dataset, config)
    ixy = label_entropy(dataset.y[eval_idx])
    model = config.model
    if model.arch in ("cnn", "cnn1d"):
        net = f"{model.arch} {'-'.join(map(str, model.channels))}/{model.hidden[0]}"
    elif model.arch == "factory":
        net = str(model.factory)
    else:
        net = f"{'-'.join(map(str, model.hidden))} {model.activation}"
    title = f"{config.data.task}: {net}, {config.training.optimizer} lr={config.training.lr:g}"
    written: list[str] = []

    phases = None
    if result.gradients is not None and len(result.gradients):
        from infoplane.plots.snr import plot_snr

        phases = _phases(result, config)
        write_table(out.phases, phases)
        fig = plot_snr(result.gradients, out.snr_figure, phases=phases)
        plt.close(fig)
        written += [out.phases.name, out.snr_figure.name]

    bound = None
    # the bound and the layer check need sample i = input i of the 12-bit task
    is_12bit = config.data.task == "12bit" and np.array_equal(eval_idx, np.arange(4096))
    if is_12bit and config.analysis.ib_bound:
        from infoplane.bottleneck import twelve_bit_bound

        bound = twelve_bit_bound()

    def decorate(ax: Any, name: str) -> None:
        if bound is not None:
            from infoplane.plots.bound import draw_bound

            draw_bound(ax, bound, label="IB bound, soft rule p(y|x) (I(X;Y) = 0.844 bits)")
        if phases is not None:
            from infoplane.plots.snr import mark_phases

            mark_phases(ax, mean_over_repeats(result.plane, name), phases)

    fig = plot_information_plane(
        result.plane, out.plane_figure, ixy=ixy, title=title, decorate=decorate
    )
    plt.close(fig)
    written.append(out.plane_figure.name)

    if is_12bit and config.analysis.layer_check and result.store is not None:
        written += _layer_check(result, config, bound, progress)

    fig = plot_training_curves(result.history, out.training_figure)
    plt.close(fig)
    written.append(out.training_figure.name)
    return written


def log_subset(n: int, k: int) -> np.ndarray:
    """Indices of at most ``k`` of ``n`` items, log-spaced, always with the first and the last.

    Args:
        n: number of items.
        k: at most this many indices.

    Returns:
        Sorted int64 indices in [0, n).

    Raises:
        Nothing.

    Notes:
        Fewer than ``k`` may come back (rounding merges neighbours at the start).

    References:
        None.

    Example:
        >>> log_subset(100, 4).tolist()
        [0, 4, 21, 99]
    """
    if n <= k:
        return np.arange(n)
    return np.unique(np.round(np.geomspace(1, n, k)).astype(np.int64) - 1)


def _layer_check(result: Any, config: Any, bound: Any, progress: Any = None) -> list[str]:
    """Claim (iii) per layer (Shwartz-Ziv & Tishby 2017): distance and IB self-consistency."""
    import pandas as pd

    from infoplane.analysis.diagnostics import binning_grid_from_config
    from infoplane.bottleneck import layer_check, twelve_bit_bound
    from infoplane.data import twelve_bit_p_x, twelve_bit_p_y_given_x
    from infoplane.plots.bound import plot_bound_check
    from infoplane.storage import write_table
    from infoplane.storage.activations import open_store
    from infoplane.storage.layout import RunLayout

    store = open_store(result.out_dir)
    grid = binning_grid_from_config(config)
    all_epochs = store.completed_epochs
    keep = log_subset(len(all_epochs), config.analysis.layer_check_epochs)
    epochs = all_epochs[keep]
    bound = twelve_bit_bound() if bound is None else bound
    pyx, px = twelve_bit_p_y_given_x(), twelve_bit_p_x()
    frames = []
    layers = list(store.layers)
    if progress is not None:
        layers = progress(layers, desc="IB layer check", unit="layer", leave=False)
    for index, layer in enumerate(layers, start=1):
        # every network, the chosen epochs: (n_repeats, n_epochs, n_samples, n_units)
        t = np.asarray(store.read(layer, epochs=epochs), dtype=np.float64)
        layer_grid = dict(grid)
        if layer_grid["range"] == "data" and layer_grid.get("bin_width") is None:
            layer_grid["range"] = (float(t.min()), float(max(t.max(), t.min() + 1e-9)))
        # distance for every network; the self-consistency (~0.1 s per epoch) for network 0
        frame = layer_check(t[:1], pyx, p_x=px, epochs=epochs, bound=bound, **layer_grid)
        if len(t) > 1:
            from infoplane.bottleneck import distance_to_bound

            rest = distance_to_bound(t[1:], pyx, p_x=px, epochs=epochs, bound=bound, n_boot=0,
                                     **layer_grid).rows.drop(columns="layer")  # fmt: skip
            frame = pd.concat([frame, rest.assign(repeat=rest["repeat"] + 1)], ignore_index=True)
        frames.append(frame.assign(layer=index, layer_name=layer))
    table = pd.concat(frames, ignore_index=True)
    layout = RunLayout(result.out_dir)
    write_table(layout.layer_check, table)
    plot_bound_check(table, layout.layer_check_figure, bound=bound)
    return [layout.layer_check.name, layout.layer_check_figure.name]
