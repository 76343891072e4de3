"""TensorBoard logging of the information plane: I(X;T), I(T;Y), gradient SNR and the plane figure.

One writer, :class:`PlaneLogger`, serves ``infoplane run`` (``tensorboard:`` in the run config,
``--tensorboard DIR``), :class:`~infoplane.run.recorder.Recorder` (``tensorboard=``) and the
Lightning callback (:mod:`infoplane.integrations.lightning`). It writes, at step = the captured
epoch, through ``torch.utils.tensorboard.SummaryWriter`` (needs the ``tensorboard`` package:
``pip install 'infoplane[tensorboard]'``)::

    I_XT_<unit>/<estimator>/<NN>_<layer>     I(X;T), mean over repeats, in <unit> (bits by default)
    I_TY_<unit>/<estimator>/<NN>_<layer>     I(T;Y), likewise
    flagged/<estimator>/<NN>_<layer>         share of the repeats whose value carries a validity
                                             flag (0 = clear; see docs/flags.md)
    flags/<estimator>                        text: the flagged layers of the epoch and their flags
    SNR/<NN>_<layer>                         gradient SNR = grad_mean / grad_std, mean over repeats
    grad_mean/<NN>_<layer>, grad_std/<NN>_<layer>   the gradient norms (mean over repeats)
    information_plane                        image: the plane of all epochs up to this one
                                             (information_plane/<unit> when units are mixed)

``<NN>`` is the 1-based layer number of the table (two digits, so TensorBoard sorts layers in
network order) and ``<layer>`` the module name with characters TensorBoard does not keep in a tag
replaced by ``_`` (``relu#1`` -> ``relu_1``). The unit is part of the tag so that a nats-valued
estimator never shares a chart with a bits-valued one.

References:
    Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
    Information. arXiv:1703.00810 (the plane per epoch, Fig. 3; gradient SNR, Fig. 4).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from infoplane.interface import InfoplaneError

#: at most this many plane figures per run (log-spaced epochs, first and last included)
MAX_RUN_FIGURES = 50

_PLANE_NEEDS = ("epoch", "layer", "estimator", "i_xt", "i_ty")
_GRADIENT_NEEDS = ("epoch", "layer", "grad_mean", "grad_std", "snr")


def _tag(text: str) -> str:
    """``text`` with every character TensorBoard does not keep in a tag replaced by ``_``."""
    return re.sub(r"[^-\w./]", "_", str(text))


def _layer_tag(layer: int, name: Any) -> str:
    """``NN_name`` (two-digit 1-based layer number, then the cleaned module name)."""
    name = "" if name is None or (isinstance(name, float) and np.isnan(name)) else str(name)
    return f"{int(layer):02d}_{_tag(name)}" if name else f"{int(layer):02d}"


def _constant_column(table: Any, value: str) -> Any:
    """A column of ``value`` for every row of ``table`` (its index kept)."""
    import pandas as pd

    return pd.Series(value, index=table.index)


def _summary_writer(log_dir: str | Path) -> Any:
    """A ``SummaryWriter`` on ``log_dir``; a missing ``tensorboard`` package is a usage error."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:  # torch raises this when the tensorboard package is absent
        raise InfoplaneError(
            "TensorBoard logging needs the tensorboard package: pip install "
            "'infoplane[tensorboard]' (or drop the tensorboard option)."
        ) from None
    return SummaryWriter(log_dir=str(log_dir))


def scalar_tags(table: Any) -> dict[tuple[str, int], tuple[str, str, str]]:
    """The TensorBoard tags of each (estimator, layer) of a plane table.

    Args:
        table: tidy information-plane table (one row per repeat, epoch, layer, estimator) with
            columns estimator, layer, and optionally layer_name and unit (bits when absent).

    Returns:
        dict (estimator, layer) -> (I(X;T) tag, I(T;Y) tag, flagged tag), e.g.
        ``("I_XT_bits/binning/01_fc", "I_TY_bits/binning/01_fc", "flagged/binning/01_fc")``.

    Raises:
        InfoplaneError: if the table lacks the ``estimator`` or ``layer`` column.

    Notes:
        Shapes: one entry per distinct (estimator, layer) pair. Units: the unit of the values is
        part of the tag (``I_XT_bits``, ``I_XT_nats``). The layer number comes first, with two
        digits, so TensorBoard lists layers in network order.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810.

    Example:
        >>> import pandas as pd
        >>> t = pd.DataFrame({"estimator": ["binning"], "layer": [1], "layer_name": ["relu#1"],
        ...                   "unit": ["bits"]})
        >>> scalar_tags(t)[("binning", 1)]
        ('I_XT_bits/binning/01_relu_1', 'I_TY_bits/binning/01_relu_1', 'flagged/binning/01_relu_1')
    """
    missing = [c for c in ("estimator", "layer") if c not in table.columns]
    if missing:
        raise InfoplaneError(f"the plane table lacks column(s) {', '.join(missing)}.")
    out: dict[tuple[str, int], tuple[str, str, str]] = {}
    cols = ["estimator", "layer"] + [c for c in ("layer_name", "unit") if c in table.columns]
    for row in table[cols].drop_duplicates(["estimator", "layer"]).itertuples(index=False):
        values = row._asdict()
        unit = _tag(values.get("unit", "bits") or "bits")
        est = _tag(values["estimator"])
        lay = _layer_tag(values["layer"], values.get("layer_name"))
        out[(str(values["estimator"]), int(values["layer"]))] = (
            f"I_XT_{unit}/{est}/{lay}",
            f"I_TY_{unit}/{est}/{lay}",
            f"flagged/{est}/{lay}",
        )
    return out


class PlaneLogger:
    """Log information-plane tables, gradient statistics and plane figures to TensorBoard.

    Args:
        log_dir: the TensorBoard log directory (created if needed), or an open
            ``torch.utils.tensorboard.SummaryWriter`` (e.g. Lightning's
            ``TensorBoardLogger.experiment``), which is then flushed but never closed here.
        ixy: I(X;Y) in bits (converted for a nats-valued table), drawn as the dotted line of
            the plane figure (e.g.
            ``label_entropy(labels)``), or ``None`` (default: no line).
        title: title of the plane figure (default none).
        figures: log the plane figure (all epochs up to the step) at every logged epoch
            (default True; ~0.1-0.3 s of matplotlib per figure).

    Attributes:
        writer: the ``SummaryWriter``.
        log_dir: where the event files go.

    Raises:
        InfoplaneError: if the ``tensorboard`` package is not installed (the message says
            ``pip install 'infoplane[tensorboard]'``).

    Notes:
        Scalars are means over repeats per (estimator, epoch, layer), as in the plane figure; the
        values are those of the table (TensorBoard stores them as float32, so they agree to ~7
        significant digits). Flags are never dropped: ``flagged/...`` gives the share of flagged
        repeats, and a text entry names the flags. Tags are listed in the module docstring.
        Shapes: the plane table has one row per (repeat, epoch, layer, estimator); units: the
        table's ``unit`` column (bits by default), part of every tag.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810, Figs. 3-4.

    Example:
        >>> import tempfile, pandas as pd
        >>> t = pd.DataFrame({"repeat": 0, "epoch": [0, 1], "layer": 1, "layer_name": "fc",
        ...                   "estimator": "binning", "i_xt": [2.0, 3.0], "i_ty": [0.5, 0.9],
        ...                   "unit": "bits", "flags": ""})
        >>> with PlaneLogger(tempfile.mkdtemp(), figures=False) as tb:
        ...     tb.log_plane(t)
        2
    """

    def __init__(
        self,
        log_dir: str | Path | Any,
        *,
        ixy: float | None = None,
        title: str | None = None,
        figures: bool = True,
    ) -> None:
        if hasattr(log_dir, "add_scalar"):
            self.writer = log_dir
            self._owns = False
            self.log_dir = Path(getattr(log_dir, "log_dir", "") or ".")
        else:
            self.log_dir = Path(log_dir)
            if self.log_dir.exists() and not self.log_dir.is_dir():
                raise InfoplaneError(
                    f"tensorboard log directory {str(self.log_dir)!r} is a file; choose a folder."
                )
            self.writer = _summary_writer(self.log_dir)
            self._owns = True
        self.ixy = ixy
        self.title = title
        self.figures = bool(figures)

    def log_plane(
        self,
        table: Any,
        epochs: Any = None,
        *,
        figure_table: Any = None,
        figure_epochs: Any = None,
    ) -> int:
        """Log the scalars (and the plane figure) of some or all epochs of a plane table.

        Args:
            table: tidy table (:data:`~infoplane.storage.tables.PLANE_COLUMNS`): one row per
                (repeat, epoch, layer, estimator), ``i_xt``/``i_ty`` in the ``unit`` column's
                unit (bits when absent).
            epochs: which epochs to log (default: every epoch of ``table``).
            figure_table: the rows the figure of epoch e draws (those with epoch <= e); default
                ``table`` (pass the whole table so far when ``table`` holds one epoch).
            figure_epochs: the logged epochs that get a figure (default: all of them).

        Returns:
            The number of epochs logged.

        Raises:
            InfoplaneError: for a table without the plane columns.
        """
        missing = [c for c in _PLANE_NEEDS if c not in table.columns]
        if missing:
            raise InfoplaneError(f"the plane table lacks column(s) {', '.join(missing)}.")
        tags = scalar_tags(table)
        rows = table.assign(
            flagged=(table["flags"].fillna("").astype(str) != "")
            if "flags" in table.columns
            else False
        )
        chosen = np.unique(rows["epoch"]) if epochs is None else np.unique(np.asarray(epochs))
        rows = rows[rows["epoch"].isin(chosen)]
        grouped = rows.groupby(["epoch", "estimator", "layer"], sort=True)
        means = grouped[["i_xt", "i_ty", "flagged"]].mean()
        for (epoch, est, layer), row in means.iterrows():
            x_tag, y_tag, f_tag = tags[(str(est), int(layer))]
            step = int(epoch)
            self.writer.add_scalar(x_tag, float(row["i_xt"]), step)
            self.writer.add_scalar(y_tag, float(row["i_ty"]), step)
            self.writer.add_scalar(f_tag, float(row["flagged"]), step)
        if "flags" in rows.columns:
            self._log_flag_text(rows)
        if self.figures:
            source = table if figure_table is None else figure_table
            drawn = np.unique(rows["epoch"])
            if figure_epochs is not None:
                drawn = np.intersect1d(drawn, np.asarray(figure_epochs))
            for epoch in drawn:
                self._log_figure(source[source["epoch"] <= epoch], int(epoch))
        self.writer.flush()
        return len(np.unique(rows["epoch"]))

    def _log_flag_text(self, rows: Any) -> None:
        """One text entry per (estimator, epoch) with a flagged row: layer, repeat, flags."""
        flagged = rows[rows["flagged"]]
        for (est, epoch), part in flagged.groupby(["estimator", "epoch"], sort=True):
            lines = ["| layer | repeat | flags |", "|---|---|---|"]
            for r in part.sort_values(["layer", "repeat"]).itertuples(index=False):
                name = getattr(r, "layer_name", "")
                lines.append(f"| {int(r.layer)} {name} | {int(r.repeat)} | {r.flags} |")
            self.writer.add_text(f"flags/{_tag(est)}", "\n".join(lines), int(epoch))

    def _log_figure(self, table: Any, epoch: int) -> None:
        """The information plane of ``table`` (epochs up to ``epoch``) as an image at ``epoch``."""
        import matplotlib

        matplotlib.use("Agg", force=False)
        from infoplane.plots.information_plane import plot_information_plane

        title = f"{self.title}: epoch {epoch}" if self.title else f"epoch {epoch}"
        units = table["unit"] if "unit" in table.columns else _constant_column(table, "bits")
        names = sorted(set(units))
        for unit in names:  # one figure per unit: bits and nats never share axes
            part = table[units == unit]
            ixy = None if self.ixy is None else self.ixy * (np.log(2.0) if unit == "nats" else 1)
            fig = plot_information_plane(part, None, ixy=ixy, title=title)
            tag = "information_plane" if len(names) == 1 else f"information_plane/{_tag(unit)}"
            self.writer.add_figure(tag, fig, epoch, close=True)

    def log_gradients(self, gradients: Any, epochs: Any = None) -> int:
        """Log the gradient SNR, mean and std of each layer (mean over repeats) per epoch.

        Args:
            gradients: table of
                :meth:`~infoplane.training.gradients.GradientStatistics.to_frame` (one row per
                repeat, epoch, layer; norms in the units of the loss gradient, SNR unitless).
            epochs: which epochs to log (default: all in the table).

        Returns:
            The number of epochs logged (0 for an empty table).

        Raises:
            InfoplaneError: for a table without the gradient columns.
        """
        missing = [c for c in _GRADIENT_NEEDS if c not in gradients.columns]
        if missing:
            raise InfoplaneError(f"the gradient table lacks column(s) {', '.join(missing)}.")
        rows = gradients
        if epochs is not None:
            rows = rows[rows["epoch"].isin(np.asarray(epochs))]
        if rows.empty:
            return 0
        names = {}
        if "layer_name" in rows.columns:
            names = dict(zip(rows["layer"].astype(int), rows["layer_name"], strict=False))
        means = rows.groupby(["epoch", "layer"], sort=True)[["snr", "grad_mean", "grad_std"]].mean()
        for (epoch, layer), row in means.iterrows():
            lay = _layer_tag(int(layer), names.get(int(layer)))
            for col, prefix in (
                ("snr", "SNR"),
                ("grad_mean", "grad_mean"),
                ("grad_std", "grad_std"),
            ):
                self.writer.add_scalar(f"{prefix}/{lay}", float(row[col]), int(epoch))
        self.writer.flush()
        return len(np.unique(rows["epoch"]))

    def flush(self) -> None:
        """Write pending events to disk."""
        self.writer.flush()

    def close(self) -> None:
        """Flush, and close the writer if this logger opened it."""
        self.writer.flush()
        if self._owns:
            self.writer.close()

    def __enter__(self) -> PlaneLogger:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def tensorboard_dir(setting: Any, run_dir: str | Path) -> Path | None:
    """Where a run logs to TensorBoard, from the config's ``tensorboard`` setting.

    Args:
        setting: ``None``/``False`` (no logging), ``True`` (``<run_dir>/tensorboard``) or a
            folder DIR (events go to ``DIR/<run directory name>``, so that ``tensorboard
            --logdir DIR`` shows every run as its own line).
        run_dir: the run directory.

    Returns:
        The log directory, or ``None`` when logging is off.

    Raises:
        Nothing.

    Notes:
        Shapes and units: none (a path). A relative DIR is taken relative to the working
        directory (``infoplane run --tensorboard`` stores it absolute).

    References:
        None (infoplane's own run layout).

    Example:
        >>> tensorboard_dir(True, "runs/a").as_posix(), tensorboard_dir("tb", "runs/a").as_posix()
        ('runs/a/tensorboard', 'tb/a')
    """
    from infoplane.storage.layout import RunLayout

    if setting is None or setting is False:
        return None
    layout = RunLayout(run_dir)
    if setting is True:
        return layout.tensorboard
    return Path(setting) / layout.root.resolve().name


def log_run_to_tensorboard(
    config: Any, run_dir: str | Path, plane: Any, gradients: Any = None, labels: Any = None
) -> Path | None:
    """Log a run's information plane and gradient statistics to TensorBoard (if configured).

    Args:
        config: the run's :class:`~infoplane.run.config.RunConfig` (its ``tensorboard``
            setting; see :func:`tensorboard_dir`).
        run_dir: the run directory.
        plane: the run's plane table (one row per repeat, epoch, layer, estimator; values in
            the ``unit`` column's unit, bits by default).
        gradients: the gradient statistics table, or ``None``.
        labels: the evaluated labels (n_samples,), for the I(X;Y) line of the figures, or
            ``None``.

    Returns:
        The log directory, or ``None`` when the config asks for no logging.

    Raises:
        InfoplaneError: if the ``tensorboard`` package is missing.

    Notes:
        Called by the run engine once the plane table is written, so every captured epoch is
        logged (step = epoch) whatever the estimation route (stored, online). The plane figure
        is logged at up to :data:`MAX_RUN_FIGURES` (50) of the captured epochs, log-spaced with
        the first and the last (each costs ~0.5 s of matplotlib; the tishby2017 preset captures
        275 epochs); the scalars at every one. A resumed run logs
        again; TensorBoard keeps the newest value of a step.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810.

    Example:
        >>> from infoplane.run.config import RunConfig
        >>> log_run_to_tensorboard(RunConfig(), "runs/x", None) is None  # not configured
        True
    """
    log_dir = tensorboard_dir(getattr(config, "tensorboard", None), run_dir)
    if log_dir is None:
        return None
    ixy = None
    if labels is not None and len(plane):
        from infoplane.estimators.binning import label_entropy

        ixy = label_entropy(np.asarray(labels))
    from infoplane.run.figures import log_subset

    epochs = np.unique(plane["epoch"])
    drawn = epochs[log_subset(len(epochs), MAX_RUN_FIGURES)]
    with PlaneLogger(log_dir, ixy=ixy, title=getattr(config, "name", None)) as tb:
        tb.log_plane(plane, figure_epochs=drawn)
        if gradients is not None and len(gradients):
            tb.log_gradients(gradients)
    return log_dir
