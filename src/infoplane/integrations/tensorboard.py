"""TensorBoard for infoplane: the plane, its flags, the gradient SNR and the plane figure per epoch.

The writer itself lives in :mod:`infoplane.run.tensorboard` (the run engine and ``Recorder`` use it;
``run/`` cannot import this package, which sits above it). This module is the user-facing entry:
:class:`PlaneLogger` for any table, and :func:`log_run_directory` to send a finished run directory
(``infoplane run``, the Lightning callback, or one from an older version) to TensorBoard.

References:
    Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
    Information. arXiv:1703.00810 (the plane per epoch, Fig. 3; gradient SNR, Fig. 4).
"""

from __future__ import annotations

from pathlib import Path

from infoplane.interface import InfoplaneError
from infoplane.run.tensorboard import PlaneLogger, scalar_tags

__all__ = ["PlaneLogger", "log_run_directory", "scalar_tags"]


def log_run_directory(
    run_dir: str | Path, log_dir: str | Path | None = None, *, figures: bool = True
) -> Path:
    """Log a finished run directory's plane and gradient tables to TensorBoard.

    Args:
        run_dir: a run directory with ``information_plane.parquet`` (and, if present,
            ``gradients.parquet``), as written by ``infoplane run`` or
            :class:`~infoplane.integrations.lightning.InformationPlaneCallback`.
        log_dir: the TensorBoard log directory (default: ``<run_dir>/tensorboard``).
        figures: also log the plane figure of every captured epoch (default True).

    Returns:
        The log directory.

    Raises:
        InfoplaneError: if ``run_dir`` has no plane table, or the ``tensorboard`` package is
            missing.
        InfoplaneRuntimeError: for a damaged table (the message names the file).

    Notes:
        The tables are read as data (parquet), never executed. Scalars are means over repeats per
        (estimator, epoch, layer), step = epoch, in the table's unit (bits by default, part of
        the tag); the tags are those of :mod:`infoplane.run.tensorboard`. Shapes: one row per
        (repeat, epoch, layer, estimator) in the plane table.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810.

    Example:
        >>> import tempfile, pandas as pd
        >>> from infoplane.storage import write_table
        >>> from infoplane.storage.layout import RunLayout
        >>> run = RunLayout(tempfile.mkdtemp())
        >>> _ = write_table(run.plane, pd.DataFrame({
        ...     "repeat": 0, "epoch": [0, 4], "layer": 1, "layer_name": "fc",
        ...     "estimator": "binning", "i_xt": [1.0, 2.0], "i_ty": [0.1, 0.8], "unit": "bits",
        ...     "flags": ""}))
        >>> log_run_directory(run.root, figures=False).name
        'tensorboard'
    """
    from infoplane.storage.layout import RunLayout
    from infoplane.storage.tables import read_table

    layout = RunLayout(run_dir)
    if not layout.plane.is_file():
        raise InfoplaneError(
            f"{str(layout.root)!r} has no {layout.plane.name}; give a finished run directory."
        )
    plane = read_table(layout.plane, what="information-plane table")
    gradients = None
    if layout.gradients.is_file():
        gradients = read_table(layout.gradients, what="gradient table")
    target = layout.tensorboard if log_dir is None else Path(log_dir)
    with PlaneLogger(target, figures=figures) as tb:
        tb.log_plane(plane)
        if gradients is not None and len(gradients):
            tb.log_gradients(gradients)
    return target
