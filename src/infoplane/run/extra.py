"""Rows added to a finished run by ``infoplane estimate``, kept so that a resume does not drop them.

``infoplane estimate RUN_DIR`` appends rows to the run's information-plane table and also stores
them under :attr:`~infoplane.storage.layout.RunLayout.extra_estimates`, one Parquet file per label,
numbered in the order they were added. When a run (re)writes its table -- at the end of a resume --
:func:`with_extra_estimates` merges them back, so the finished table holds them.
"""

from __future__ import annotations

from typing import Any

from infoplane.storage.layout import RunLayout
from infoplane.storage.tables import PLANE_COLUMNS, read_table


def _stored(layout: RunLayout) -> list[tuple[Any, Any]]:
    folder = layout.extra_estimates
    files = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
    return [(f, read_table(f, columns=list(PLANE_COLUMNS), what="added estimate")) for f in files]


def add_extra_estimate(layout: RunLayout, label: str, frame: Any) -> Any:
    """Store the rows ``infoplane estimate`` adds under one label (replacing that label's rows).

    Args:
        layout: the run directory's layout.
        label: the value of the rows' ``estimator`` column.
        frame: the rows (columns :data:`~infoplane.storage.tables.PLANE_COLUMNS`).

    Returns:
        The path of the file written (``state/extra_estimates/NNNN.parquet``).

    Raises:
        InfoplaneRuntimeError: if an earlier stored table is damaged (the message names it).

    Notes:
        Call it while holding the run's lock (:class:`~infoplane.run.checkpoint.RunLock`). The
        file is written atomically; the numbering keeps the order in which rows were added.

    References:
        None (infoplane's own run layout).

    Example:
        >>> import tempfile, pandas as pd
        >>> lay = RunLayout(tempfile.mkdtemp())
        >>> row = pd.DataFrame({c: [0] for c in PLANE_COLUMNS}).assign(estimator="coarse")
        >>> add_extra_estimate(lay, "coarse", row).name
        '0001.parquet'
    """
    from infoplane.storage import write_table

    stored = _stored(layout)
    for path, table in stored:
        if label in set(table["estimator"]):
            path.unlink()
    number = 1 + max((int(p.stem) for p, _ in stored if p.stem.isdigit()), default=0)
    return write_table(layout.extra_estimate(number), frame)


def with_extra_estimates(layout: RunLayout, plane: Any) -> Any:
    """Add the rows that ``infoplane estimate`` stored for a run to its information-plane table.

    Args:
        layout: the run directory's layout; the rows are read from ``layout.extra_estimates``.
        plane: the run's own table (columns :data:`~infoplane.storage.tables.PLANE_COLUMNS`).

    Returns:
        ``plane`` without rows whose ``estimator`` label was re-estimated (``--replace``), followed
        by the stored rows in the order they were added.

    Raises:
        InfoplaneRuntimeError: if a stored table is damaged (the message names it).

    Notes:
        This is what keeps rows added by ``infoplane estimate`` through a resume (the run rewrites
        its table at the end).

    References:
        None (infoplane's own run layout).

    Example:
        >>> import tempfile, pandas as pd
        >>> lay = RunLayout(tempfile.mkdtemp())
        >>> with_extra_estimates(lay, pd.DataFrame({"estimator": ["binning"]}))["estimator"].tolist()
        ['binning']
    """
    import pandas as pd

    extras = [table for _, table in _stored(layout)]
    if not extras:
        return plane
    labels = {label for e in extras for label in e["estimator"].unique()}
    kept = plane[~plane["estimator"].isin(labels)]
    return pd.concat([kept, *extras], ignore_index=True)
