"""Animated GIF of the information plane over training (matplotlib frames, written with Pillow).

Each frame shows the repeat-averaged plane of one estimator up to an epoch: the whole trajectory in
light grey, the points up to that epoch coloured by epoch (log scale, as in Shwartz-Ziv & Tishby
2017, arXiv 1703.00810, Fig. 1), and a line joining the layers at that epoch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from infoplane.interface import InfoplaneError


def write_plane_gif(
    plane: Any,
    path: str | Path,
    *,
    estimator: str | None = None,
    ixy: float | None = None,
    max_frames: int = 60,
    frame_ms: int = 120,
    dpi: int = 80,
    title: str | None = None,
    blit: bool = True,
    progress: bool = False,
) -> Path:
    """Write an animated GIF of the information plane over epochs.

    Args:
        plane: information-plane table with columns repeat, epoch, layer, estimator, i_xt, i_ty
            (and unit: axes are labelled with it, bits without one).
        path: the GIF to write (atomically).
        estimator: which estimator (default: the first in the table).
        ixy: I(X;Y) in the table's unit for a dotted line, or ``None``.
        max_frames: most frames (epochs are subsampled evenly in log-epoch beyond it).
        frame_ms: duration of a frame in milliseconds (the last frame is held 2 s).
        dpi: resolution of the frames (the figure is 6 x 4.5 inches).
        title: title prefix (default: the estimator's name).
        blit: draw the static parts (axes, grid, colour bar, labels) once and only the changing
            artists per frame (default ``True``, about 2x faster); ``False`` redraws the whole
            figure for every frame (the reference path: the same pixels).
        progress: show a progress bar over the frames (default ``False``).

    Returns:
        The path written.

    Raises:
        InfoplaneError: for an estimator not in the table, a table that mixes units, or
            ``max_frames < 2``.

    Notes:
        Values are averaged over repetitions per (epoch, layer), as in the PNG figure; colours,
        markers and labels come from :mod:`infoplane.plots.style`. Points whose rows carry a
        validity flag (the ``flags`` column) are hollow, as in the PNG figure, with the legend
        entry "hollow: flagged (see docs/flags.md)". Every frame uses the 256-colour palette of
        the last frame (which holds every point drawn).

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810.

    Example:
        >>> import pandas as pd, tempfile, pathlib
        >>> t = pd.DataFrame({"repeat": 0, "epoch": [1, 1, 10, 10], "layer": [1, 2, 1, 2],
        ...                   "estimator": "binning", "i_xt": [3.0, 2.0, 4.0, 2.5],
        ...                   "i_ty": [0.2, 0.1, 0.9, 0.8]})
        >>> out = write_plane_gif(t, pathlib.Path(tempfile.mkdtemp()) / "p.gif", dpi=30)
        >>> from PIL import Image
        >>> Image.open(out).n_frames
        2
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from PIL import Image

    from infoplane.analysis.tables import table_unit
    from infoplane.plots.information_plane import mean_over_repeats
    from infoplane.plots.style import (
        EPOCH_CMAP,
        EPOCH_LABEL,
        FLAGGED_EDGE_WIDTH,
        FLAGGED_LABEL,
        IXY_LINE,
        axis_label,
        epoch_norm,
        ixy_label,
        layer_legend_labels,
        layer_marker,
        shown_epochs,
    )
    from infoplane.storage import atomic_write

    if int(max_frames) < 2:
        raise InfoplaneError(f"max_frames must be >= 2; got {max_frames!r}.")
    unit = table_unit(plane)
    if estimator is None:
        estimator = str(next(iter(dict.fromkeys(plane["estimator"]))))
    mean = mean_over_repeats(plane, estimator)
    x = mean.pivot(index="epoch", columns="layer", values="i_xt")
    y = mean.pivot(index="epoch", columns="layer", values="i_ty")
    if "flagged" in mean.columns:
        flagged = (
            mean.pivot(index="epoch", columns="layer", values="flagged")
            .reindex_like(x)
            .fillna(False)
            .to_numpy(dtype=bool)
        )
    else:
        flagged = np.zeros(x.shape, dtype=bool)
    epochs = x.index.to_numpy()
    shown = shown_epochs(epochs)
    norm = epoch_norm(shown)
    if len(epochs) > max_frames:
        grid = np.linspace(np.log10(shown[0]), np.log10(shown[-1]), int(max_frames))
        idx = np.unique(np.searchsorted(np.log10(shown), grid).clip(0, len(epochs) - 1))
        idx = np.unique(np.append(idx, len(epochs) - 1))
    else:
        idx = np.arange(len(epochs))
    labels = layer_legend_labels(plane[plane["estimator"] == estimator]) or [
        f"layer {lay}" for lay in x.columns
    ]
    cmap = plt.get_cmap(EPOCH_CMAP)

    fig, ax = plt.subplots(figsize=(6, 4.5), dpi=dpi)
    xs, ys = x.to_numpy(), y.to_numpy()
    ax.plot(xs, ys, ".", color="0.85", ms=3, zorder=0)
    pad_x = 0.04 * max(np.nanmax(xs) - np.nanmin(xs), 1e-3)
    pad_y = 0.06 * max(np.nanmax(ys) - np.nanmin(ys), 1e-3)
    ax.set_xlim(np.nanmin(xs) - pad_x, np.nanmax(xs) + pad_x)
    top = max(np.nanmax(ys), ixy or -np.inf)
    ax.set_ylim(np.nanmin(ys) - pad_y, top + pad_y)
    if ixy is not None:
        ax.axhline(ixy, **IXY_LINE, label=ixy_label(ixy, unit))
    scatters, hollows = [], []
    for k in range(xs.shape[1]):
        sc = ax.scatter(
            [],
            [],
            c=[],
            cmap=cmap,
            norm=norm,
            s=22,
            marker=layer_marker(k),
            edgecolors="none",
            zorder=2,
        )
        ax.scatter([], [], marker=layer_marker(k), color="0.3", label=labels[k])
        scatters.append(sc)
        hollows.append(
            ax.scatter(
                [],
                [],
                s=22,
                marker=layer_marker(k),
                facecolors="none",
                linewidths=FLAGGED_EDGE_WIDTH,
                zorder=2,
            )
        )
    if flagged.any():
        ax.scatter(
            [],
            [],
            marker="o",
            facecolors="none",
            edgecolors="0.3",
            linewidths=FLAGGED_EDGE_WIDTH,
            label=FLAGGED_LABEL,
        )
    (line,) = ax.plot([], [], "-", color="k", lw=1.0, zorder=3)
    (dots,) = ax.plot([], [], "o", mfc="none", mec="k", ms=7, zorder=4)
    cbar = fig.colorbar(scatters[0], ax=ax, pad=0.02)
    cbar.set_label(EPOCH_LABEL)
    ax.set_xlabel(axis_label("I(X;T)", unit))
    ax.set_ylabel(axis_label("I(T;Y)", unit))
    ax.grid(alpha=0.2)
    ax.legend(fontsize=6, loc="lower right", framealpha=0.8)
    ax.set_title(f"{title or estimator}: epoch {int(epochs[-1])}", fontsize=10)
    fig.tight_layout()
    # Blitting: the axes, grid, colour bar, legend frame and labels are drawn once; each frame
    # redraws only the artists that change (points, the epoch's polyline, the title), then the
    # legend again so that it stays on top of the points, as in a full redraw.
    title_text = ax.title
    legend = ax.get_legend()
    changing = [*scatters, *hollows, line, dots]
    moving = [*changing, title_text] + ([legend] if legend is not None else [])
    canvas = fig.canvas
    if blit:
        for artist in moving:
            artist.set_animated(True)
        canvas.draw()
        background = canvas.copy_from_bbox(fig.bbox)
    from infoplane._progress import progress_bar

    frames = []
    for i in progress_bar(idx, desc="GIF frames", unit="frame", disable=not progress, leave=False):
        for k, sc in enumerate(scatters):
            ok = ~flagged[: i + 1, k]
            sc.set_offsets(np.column_stack([xs[: i + 1, k][ok], ys[: i + 1, k][ok]]))
            sc.set_array(shown[: i + 1][ok])
            hollows[k].set_offsets(np.column_stack([xs[: i + 1, k][~ok], ys[: i + 1, k][~ok]]))
            hollows[k].set_edgecolors(cmap(norm(shown[: i + 1][~ok])))
        line.set_data(xs[i], ys[i])
        dots.set_data(xs[i], ys[i])
        ax.set_title(f"{title or estimator}: epoch {int(epochs[i])}", fontsize=10)
        if blit:
            canvas.restore_region(background)
            for artist in sorted(changing, key=lambda a: a.get_zorder()):
                ax.draw_artist(artist)
            fig.draw_artist(title_text)
            if legend is not None:
                ax.draw_artist(legend)
        else:
            canvas.draw()
        rgba = np.asarray(canvas.buffer_rgba())
        frames.append(Image.fromarray(rgba[..., :3].copy()))
    plt.close(fig)
    # one palette for every frame, that of the last frame (it holds every point drawn): 50x
    # cheaper than an adaptive palette per frame, and no colour flicker between frames
    palette = frames[-1].convert("P", palette=Image.ADAPTIVE)
    frames = [f.quantize(palette=palette, dither=Image.Dither.NONE) for f in frames]
    durations = [int(frame_ms)] * (len(frames) - 1) + [2000]

    def _write(p: Path) -> None:
        frames[0].save(
            p,
            format="GIF",
            save_all=True,
            append_images=frames[1:],
            duration=durations,
            loop=0,
            optimize=False,
        )

    return atomic_write(path, _write)
