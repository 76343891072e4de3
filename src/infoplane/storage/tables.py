"""The tidy tables of a run: their columns in one place, builders, and a reader that names bad files.

Every information-plane result in infoplane is one table with one row per
``(repeat, epoch, layer, estimator)`` and the columns of :data:`PLANE_COLUMNS`. The run engine, the
:class:`~infoplane.run.recorder.Recorder`, ``infoplane estimate``, the report and the analyses all
build or read it through this module, so the schema is stated once. Values are in the unit of the
row's own ``unit`` column (``"bits"`` unless an estimator was asked for ``"nats"``); the ``flags``
column names, comma-separated, the reasons a row's values may not be trusted (``""`` when none:
see :mod:`infoplane.analysis.validity` and ``docs/flags.md``).

The training curves are the second tidy table (:data:`HISTORY_COLUMNS`): one row per
``(repeat, epoch)``; losses are cross-entropy in nats, accuracies fractions in [0, 1].

References:
    Wickham, H. (2014). Tidy Data. Journal of Statistical Software 59(10).
    Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
    Information. arXiv:1703.00810 (the information plane averaged over repeats).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from infoplane.interface import InfoplaneError, InfoplaneRuntimeError

#: Columns of the information-plane table, in order, with their dtypes.
PLANE_COLUMNS: dict[str, str] = {
    "repeat": "int64",
    "epoch": "int64",
    "layer": "int64",
    "layer_name": "object",
    "estimator": "object",
    "i_xt": "float64",
    "i_ty": "float64",
    "unit": "object",
    "flags": "object",
}
#: Names the ``flags`` column may hold, in the order a row lists them; flag k is bit ``1 << k`` of
#: the integer masks :func:`plane_frame` accepts (rules: :mod:`infoplane.analysis.validity`).
PLANE_FLAGS: tuple[str, ...] = ("saturated", "sparse_bins", "ties", "not_finite", "dpi_violation")
#: Columns of the training-history table, in order.
HISTORY_COLUMNS: tuple[str, ...] = (
    "repeat",
    "epoch",
    "train_loss",
    "train_acc",
    "test_loss",
    "test_acc",
)


def plane_frame(
    i_xt: Any,
    i_ty: Any,
    epochs: Any,
    layer: int,
    layer_name: str,
    estimator: str,
    unit: str = "bits",
    flags: Any = None,
) -> Any:
    """Build the tidy information-plane rows of one layer and one estimator.

    Args:
        i_xt: I(X;T), shape (n_repeats, n_epochs), in ``unit``.
        i_ty: I(T;Y), shape (n_repeats, n_epochs), in ``unit``.
        epochs: the epochs of the columns, shape (n_epochs,).
        layer: 1-based index of the layer in network order.
        layer_name: the module name of the layer (e.g. ``"layers.0.act"``).
        estimator: the value of the ``estimator`` column (a registry name or a user's label).
        unit: ``"bits"`` (default) or ``"nats"``: the unit of ``i_xt`` and ``i_ty``.
        flags: the validity flags of each value, shape (n_repeats, n_epochs): strings
            (comma-separated flag names, ``""`` when clear) or integer bit masks of
            :data:`~infoplane.analysis.validity.FLAG_BITS`; ``None`` (default): ``""`` for every
            row, for callers that computed no flags.

    Returns:
        pandas DataFrame with the columns of :data:`PLANE_COLUMNS`, one row per (repeat, epoch),
        repeat-major (all epochs of repeat 0 first).

    Raises:
        InfoplaneError: if ``i_xt`` and ``i_ty`` are not 2-D of the same shape, their number of
            columns differs from the number of ``epochs``, or ``flags`` has another shape.

    Notes:
        The values are copied as given (float64); nothing is checked for finiteness here: the
        estimators guarantee finite values, and a NaN from a diverged network stays visible.
        Integer flag masks are turned into names here; the run's estimation computes them
        (:func:`~infoplane.analysis.validity.representation_flags`).

    References:
        Wickham, H. (2014). Tidy Data. Journal of Statistical Software 59(10).

    Example:
        >>> import numpy as np
        >>> t = plane_frame(np.array([[1.0, 2.0]]), np.array([[0.5, 0.9]]), [0, 10], 1, "h", "binning")
        >>> t[["repeat", "epoch", "i_xt", "unit"]].values.tolist()
        [[0, 0, 1.0, 'bits'], [0, 10, 2.0, 'bits']]
    """
    import pandas as pd

    x = np.asarray(i_xt, dtype=float)
    y = np.asarray(i_ty, dtype=float)
    eps = np.asarray(epochs, dtype=np.int64).reshape(-1)
    if x.ndim != 2 or x.shape != y.shape or x.shape[1] != len(eps):
        raise InfoplaneError(
            f"i_xt {x.shape} and i_ty {y.shape} must both be (n_repeats, n_epochs) with "
            f"n_epochs = len(epochs) = {len(eps)}."
        )
    r, e = x.shape
    if flags is None:
        flag_col: Any = np.full(r * e, "", dtype=object)
    else:
        f = np.asarray(flags)
        if f.shape != x.shape:
            raise InfoplaneError(
                f"flags {f.shape} must have the shape of i_xt, (n_repeats, n_epochs) = {x.shape}."
            )
        if np.issubdtype(f.dtype, np.integer):
            f = flag_names(f)
        flag_col = f.astype(object).ravel()
    return pd.DataFrame(
        {
            "repeat": np.repeat(np.arange(r, dtype=np.int64), e),
            "epoch": np.tile(eps, r),
            "layer": np.full(r * e, int(layer), dtype=np.int64),
            "layer_name": layer_name,
            "estimator": estimator,
            "i_xt": x.ravel(),
            "i_ty": y.ravel(),
            "unit": unit,
            "flags": flag_col,
        }
    )


def flag_names(bits: Any) -> np.ndarray:
    """Turn integer flag masks into the ``flags`` column's strings (comma-separated names).

    Args:
        bits: int array of any shape; bit ``1 << k`` stands for ``PLANE_FLAGS[k]``.

    Returns:
        An object array of str of the same shape: the names in :data:`PLANE_FLAGS` order, joined
        by commas, ``""`` where no bit is set.

    Raises:
        Nothing for integer input.

    Notes:
        Units: none (names). Vectorised over rows: a loop over the five flag names only.

    References:
        Wickham, H. (2014). Tidy Data. Journal of Statistical Software 59(10).

    Example:
        >>> flag_names(np.array([0, 1, 1 | 8])).tolist()
        ['', 'saturated', 'saturated,not_finite']
    """
    b = np.asarray(bits, dtype=np.int64)
    out = np.full(b.shape, "", dtype=object)
    for k, name in enumerate(PLANE_FLAGS):
        has = (b & (1 << k)) != 0
        out = np.where(has, out + np.where(out == "", "", ",") + name, out)
    return out


def history_frame(history: dict[str, Any]) -> Any:
    """Turn the trainer's history arrays into the tidy history table.

    Args:
        history: ``epoch`` (E,) and ``train_loss``, ``train_acc``, ``test_loss``, ``test_acc`` of
            shape (E, R), as returned by :func:`~infoplane.training.trainer.train_ensemble`.

    Returns:
        pandas DataFrame with the columns of :data:`HISTORY_COLUMNS`, sorted by repeat then epoch;
        losses are cross-entropy in nats, accuracies fractions.

    Raises:
        InfoplaneError: if a key is missing.

    Notes:
        ``test_*`` are NaN when the run has no test rows.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810, Fig. 2 (train/test error).

    Example:
        >>> import numpy as np
        >>> h = {"epoch": np.array([1, 2]), **{k: np.zeros((2, 1)) for k in HISTORY_COLUMNS[2:]}}
        >>> history_frame(h)[["repeat", "epoch"]].values.tolist()
        [[0, 1], [0, 2]]
    """
    import pandas as pd

    missing = [k for k in ("epoch", *HISTORY_COLUMNS[2:]) if k not in history]
    if missing:
        raise InfoplaneError(f"history lacks {', '.join(missing)}.")
    epochs = np.asarray(history["epoch"])
    r = np.asarray(history["train_loss"]).shape[1]
    out = {"repeat": np.tile(np.arange(r), len(epochs)), "epoch": np.repeat(epochs, r)}
    for key in HISTORY_COLUMNS[2:]:
        out[key] = np.asarray(history[key]).ravel()
    return pd.DataFrame(out).sort_values(["repeat", "epoch"], ignore_index=True)


def read_table(path: str | Path, *, columns: Any = None, what: str = "table") -> Any:
    """Read a Parquet (``.parquet``) or CSV table, naming the file if it is corrupt or incomplete.

    Args:
        path: the table file.
        columns: names the table must have (e.g. ``PLANE_COLUMNS``), or ``None``.
        what: how to call the file in messages (e.g. ``"cached estimate"``).

    Returns:
        pandas DataFrame of shape (n_rows, n_columns), with the values as written: the plane
        table's ``i_xt``/``i_ty`` are in the unit its ``unit`` column names (bits by default).

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        InfoplaneRuntimeError: if the file does not parse or lacks a required column (the message
            names the file and what to do).

    Notes:
        Every table infoplane writes is written atomically, so a file that does not parse was
        damaged or replaced by something else after it was written.

    References:
        Apache Parquet format specification, https://parquet.apache.org/docs/.

    Example:
        >>> import tempfile, pathlib, pandas as pd
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.parquet"
        >>> pd.DataFrame({"a": [1]}).to_parquet(p)
        >>> read_table(p, columns=["a"])["a"].tolist()
        [1]
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{what} {str(path)!r} does not exist.")
    try:
        frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    except Exception as exc:  # pyarrow and pandas raise many types for a damaged file
        raise InfoplaneRuntimeError(
            f"{what} {str(path)!r} is corrupt or not a table ({type(exc).__name__}); delete it "
            "and write it again (e.g. infoplane run --resume, or re-run the step that made it)."
        ) from None
    missing = [c for c in (columns or []) if c not in frame.columns]
    if missing:
        raise InfoplaneRuntimeError(
            f"{what} {str(path)!r} lacks column(s) {', '.join(missing)}; it was not written by "
            "this version of infoplane: delete it and write it again."
        )
    return frame
