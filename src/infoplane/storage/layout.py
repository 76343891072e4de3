"""The layout of a run directory: the one place that names its files.

Everything that reads or writes a run directory (the run engine, ``infoplane estimate``, the report,
the generalisation analysis, sweeps) asks :class:`RunLayout` for a path instead of spelling a file
name. A run directory holds (every file written atomically)::

    config.yaml                 the resolved RunConfig
    information_plane.parquet   repeat, epoch, layer, layer_name, estimator, i_xt, i_ty, unit
    history.parquet             repeat, epoch, train_loss, train_acc, test_loss, test_acc
    gradients.parquet           gradient statistics per repeat, epoch, layer (if enabled)
    diagnostics.parquet         geometric diagnostics per repeat, epoch, layer (with the store)
    phases.csv                  drift-to-diffusion and compression-onset epochs per layer
    layer_check.csv             distance from the IB bound and self-consistency (12-bit task)
    information_plane.png, snr.png, training_curves.png, layer_check.png
    activations.zarr/           the activation store (``storage.activations: zarr``)
    tensorboard/                TensorBoard event files (``tensorboard: true``)
    state/                      checkpoint.pt, status.json, estimates/, extra_estimates/, lock

The marker that makes a directory an infoplane run is ``state/status.json`` or ``config.yaml``
together with ``state/`` (see :meth:`RunLayout.is_run`); ``--overwrite`` replaces only such a
directory.

Source: the run layout of infoplane itself; the tables follow the tidy-data convention of one row per
(repeat, epoch, layer, estimator), as the information-plane plots of Shwartz-Ziv & Tishby (2017,
arXiv 1703.00810) average over repeats.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CONFIG = "config.yaml"
PLANE = "information_plane.parquet"
HISTORY = "history.parquet"
GRADIENTS = "gradients.parquet"
DIAGNOSTICS = "diagnostics.parquet"
PHASES = "phases.csv"
LAYER_CHECK = "layer_check.csv"
PLANE_FIGURE = "information_plane.png"
SNR_FIGURE = "snr.png"
TRAINING_FIGURE = "training_curves.png"
LAYER_CHECK_FIGURE = "layer_check.png"
STORE = "activations.zarr"
STATE = "state"
CHECKPOINT = "state/checkpoint.pt"
STATUS = "state/status.json"
ESTIMATES = "state/estimates"
EXTRA_ESTIMATES = "state/extra_estimates"
LOCK = "state/lock"
TENSORBOARD = "tensorboard"


@dataclass(frozen=True)
class RunLayout:
    """Paths of the files of one run directory.

    Args:
        root: the run directory (it need not exist yet).

    Example:
        >>> layout = RunLayout("runs/demo")
        >>> layout.plane.name
        'information_plane.parquet'
        >>> layout.checkpoint.relative_to(layout.root).as_posix()
        'state/checkpoint.pt'

    Raises:
        Nothing: paths are computed, not checked.

    Notes:
        Pure path arithmetic: nothing is read or created. Shapes: none (paths, no arrays). Units:
        none here; every table it names carries its own ``unit`` column (bits by default).

    References:
        Wickham, H. (2014). Tidy Data. J. Stat. Softw. 59(10) (the tables' layout).
    """

    root: Path

    def __init__(self, root: str | Path) -> None:
        object.__setattr__(self, "root", Path(root))

    def _p(self, name: str) -> Path:
        return self.root / name

    config = property(lambda self: self._p(CONFIG), doc="``config.yaml``: the resolved config.")
    plane = property(lambda self: self._p(PLANE), doc="The information-plane table (parquet).")
    history = property(lambda self: self._p(HISTORY), doc="Training curves (parquet).")
    gradients = property(lambda self: self._p(GRADIENTS), doc="Gradient statistics (parquet).")
    diagnostics = property(lambda self: self._p(DIAGNOSTICS), doc="Geometric diagnostics.")
    phases = property(lambda self: self._p(PHASES), doc="Phase transition epochs (CSV).")
    layer_check = property(lambda self: self._p(LAYER_CHECK), doc="IB layer check (CSV).")
    plane_figure = property(lambda self: self._p(PLANE_FIGURE), doc="Information-plane PNG.")
    snr_figure = property(lambda self: self._p(SNR_FIGURE), doc="Gradient SNR PNG.")
    training_figure = property(lambda self: self._p(TRAINING_FIGURE), doc="Training curves PNG.")
    layer_check_figure = property(
        lambda self: self._p(LAYER_CHECK_FIGURE), doc="IB layer check PNG."
    )
    store = property(lambda self: self._p(STORE), doc="The zarr activation store.")
    state = property(lambda self: self._p(STATE), doc="What a resume needs.")
    checkpoint = property(lambda self: self._p(CHECKPOINT), doc="Training checkpoint.")
    status = property(lambda self: self._p(STATUS), doc="Stage of the run (JSON).")
    estimates = property(lambda self: self._p(ESTIMATES), doc="Per-(estimator, layer) tables.")
    extra_estimates = property(
        lambda self: self._p(EXTRA_ESTIMATES),
        doc="Rows added by ``infoplane estimate`` (kept by a resume).",
    )
    lock = property(lambda self: self._p(LOCK), doc="Lock file held while a process writes.")
    tensorboard = property(lambda self: self._p(TENSORBOARD), doc="TensorBoard event files.")

    def estimate_cache(self, estimator_index: int, layer: int) -> Path:
        """The cached table of one (estimator, layer) estimate: ``state/estimates/KK-LLL.parquet``.

        Args:
            estimator_index: 0-based index of the estimator in the run config.
            layer: 1-based layer index.

        Returns:
            The path (it need not exist).
        """
        return self.estimates / f"{int(estimator_index):02d}-{int(layer):03d}.parquet"

    def extra_estimate(self, number: int) -> Path:
        """The ``number``-th table added by ``infoplane estimate``: ``state/extra_estimates/NNNN.parquet``.

        Args:
            number: 1-based order of addition.

        Returns:
            The path (it need not exist).
        """
        return self.extra_estimates / f"{int(number):04d}.parquet"

    def is_run(self) -> bool:
        """True when ``root`` looks like an infoplane run directory (safe to overwrite).

        Returns:
            ``True`` if ``state/status.json`` exists, or ``config.yaml`` and ``state/`` both do.
        """
        return self.status.is_file() or (self.config.is_file() and self.state.is_dir())
