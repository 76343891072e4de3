"""Checks shared by the analyses of information-plane tables: required columns and the one unit.

Every table that leaves infoplane carries its unit in a ``unit`` column (bits unless a ``unit``
parameter said otherwise). Analyses and figures read it from there with :func:`table_unit` instead
of assuming bits, and refuse a table that mixes units.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from infoplane.interface import UNITS, InfoplaneError
from infoplane.storage.layout import PLANE

DEFAULT_UNIT = "bits"
"""Unit of a table without a ``unit`` column (infoplane's default)."""


def require_columns(
    table: Any, name: str, columns: Sequence[str], *, hint: str = f"a run's {PLANE}"
) -> None:
    """Raise a clear error if ``table`` lacks any of ``columns``.

    Args:
        table: a ``pandas.DataFrame`` (anything with ``.columns``).
        name: the argument's name for the message (e.g. ``"plane"``).
        columns: the required column names.
        hint: what to pass instead (default: a run's information-plane table).

    Returns:
        ``None``.

    Raises:
        InfoplaneError: naming the argument, the missing columns and ``hint``.

    Notes:
        A table that is not a DataFrame lacks every column.

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810.

    Example:
        >>> import pandas as pd
        >>> try:
        ...     require_columns(pd.DataFrame({"epoch": [0]}), "plane", ["epoch", "i_xt"])
        ... except InfoplaneError as exc:
        ...     print(str(exc).split(";")[0])
        plane lacks column(s) i_xt
    """
    have = set(getattr(table, "columns", ()))
    missing = [c for c in columns if c not in have]
    if missing:
        raise InfoplaneError(f"{name} lacks column(s) {', '.join(missing)}; pass {hint}.")


def table_unit(table: Any, *, name: str = "table") -> str:
    """The one unit of a table's information values, from its ``unit`` column.

    Args:
        table: a ``pandas.DataFrame`` of information values (e.g. the information-plane table
            with columns repeat, epoch, layer, estimator, i_xt, i_ty, unit).
        name: how to call the table in error messages (e.g. its file).

    Returns:
        ``"bits"`` or ``"nats"``; ``"bits"`` for a table without a ``unit`` column or without
        rows (infoplane's default unit).

    Raises:
        InfoplaneError: if the table mixes units (convert the rows first) or names an unknown one.

    Notes:
        Figures and reports must never label nats as bits: they call this instead of assuming
        bits.

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810.

    Example:
        >>> import pandas as pd
        >>> table_unit(pd.DataFrame({"i_xt": [1.0, 2.0], "unit": ["nats", "nats"]}))
        'nats'
        >>> table_unit(pd.DataFrame({"i_xt": [1.0]}))
        'bits'
    """
    if "unit" not in getattr(table, "columns", ()):
        return DEFAULT_UNIT
    units = sorted({str(u) for u in table["unit"].dropna().unique()})
    if not units:
        return DEFAULT_UNIT
    if len(units) > 1:
        raise InfoplaneError(
            f"{name} mixes units {units}; values in different units cannot share an axis or a "
            "mean: convert them to one unit (bits = nats / ln 2), or use them separately."
        )
    if units[0] not in UNITS:
        raise InfoplaneError(f"{name} has unit {units[0]!r}; use 'bits' or 'nats'.")
    return units[0]


def select_estimator(table: Any, estimator: str | None, *, name: str = "table") -> str:
    """The estimator to use from a table: ``estimator`` if present, else the only one.

    Args:
        table: a table with an ``estimator`` column.
        estimator: the estimator asked for, or ``None``.
        name: the argument's name for the message.

    Returns:
        The estimator's name.

    Raises:
        InfoplaneError: if ``estimator`` is not in the table, or is ``None`` while the table
            holds several (or none).

    Notes:
        Estimators are listed in order of appearance in messages.

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810.

    Example:
        >>> import pandas as pd
        >>> select_estimator(pd.DataFrame({"estimator": ["binning", "binning"]}), None)
        'binning'
    """
    names = list(dict.fromkeys(table["estimator"]))
    if estimator is None:
        if len(names) != 1:
            raise InfoplaneError(f"{name} holds estimators {names}; pass estimator=one of them.")
        return str(names[0])
    if estimator not in names:
        raise InfoplaneError(f"estimator {estimator!r} is not in {name}; it holds {names}.")
    return estimator
