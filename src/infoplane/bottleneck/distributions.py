"""Discrete joint distributions p(x, y) for the Information Bottleneck, and their loaders.

The IB of Tishby, Pereira & Bialek (1999), "The Information Bottleneck Method", Proc. 37th Allerton
Conference, arXiv physics/0004057, needs a discrete joint p(x, y). This module validates and converts
the forms users have -- a joint table, a conditional table p(y|x) with optional p(x), or a file
(``.npy``, ``.csv``, ``.npz``, ``.mat`` such as ``all.mat`` of Shwartz-Ziv & Tishby 2017, arXiv
1703.00810) -- into one :class:`JointDistribution`. Errors name the argument and the fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from infoplane.interface import InfoplaneError, InfoplaneRuntimeError, convert

TableKind = Literal["auto", "joint", "conditional"]

#: Tolerance on sums of probabilities (a row of p(y|x), or the whole joint table).
SUM_TOL = 1e-6


@dataclass(frozen=True)
class JointDistribution:
    """A discrete joint distribution p(x, y) = p(x) p(y|x), the input of every discrete IB solver.

    Build it with :func:`as_joint_distribution` or :func:`load_distribution`, which validate the
    tables; the constructor itself checks nothing (it is a frozen record of validated arrays).

    Attributes:
        p_x: marginal p(x), shape (n_x,), non-negative, sums to 1.
        p_y_given_x: conditional p(y|x), shape (n_x, n_y); column k is p(y=k|x); rows sum to 1.

    Units: probabilities are dimensionless; :meth:`entropy_x` and :meth:`mutual_information`
    return bits by default (``unit="nats"`` for nats).

    Raises:
        InfoplaneError: from :meth:`entropy_x` and :meth:`mutual_information` for a ``unit`` other
            than ``"bits"`` or ``"nats"``. Construction raises nothing: validate with
            :func:`as_joint_distribution`.

    Notes:
        H(X) is the largest I(X;T) and I(X;Y) the largest I(T;Y) that any encoder p(t|x) reaches
        (data-processing inequality), so they are the right end of the IB curve. Both are exact
        for the given table (no sampling); a table estimated from samples makes them plug-in
        estimates, biased (I(X;Y) upwards) when n_x * n_y is not small against the sample count.

    References:
        1. Tishby, N., Pereira, F. C., Bialek, W. (1999). The Information Bottleneck Method. Proc.
           37th Allerton Conference. arXiv physics/0004057.
        2. Cover, T. M., Thomas, J. A. (2006). Elements of Information Theory, 2nd ed. Wiley,
           Sec. 2.3 and 2.8 (mutual information, data-processing inequality).

    Example:
        >>> d = as_joint_distribution(p_y_given_x=[[0.9, 0.1], [0.1, 0.9]])
        >>> d.p_xy.tolist(), round(d.entropy_x(), 6)
        ([[0.45, 0.05], [0.05, 0.45]], 1.0)
        >>> round(d.mutual_information(), 6), round(d.mutual_information("nats"), 6)
        (0.531004, 0.368064)
        >>> try:
        ...     d.entropy_x("bit")  # a typo is an error, never a value in the wrong unit
        ... except InfoplaneError as err:
        ...     print(err)
        unit='bit' is not supported; use 'bits' or 'nats'.
    """

    p_x: np.ndarray
    p_y_given_x: np.ndarray

    @property
    def n_x(self) -> int:
        """Number of x values."""
        return int(self.p_x.shape[0])

    @property
    def n_y(self) -> int:
        """Number of y values."""
        return int(self.p_y_given_x.shape[1])

    @property
    def p_xy(self) -> np.ndarray:
        """The joint table p(x, y), shape (n_x, n_y)."""
        return self.p_x[:, None] * self.p_y_given_x

    @property
    def p_y(self) -> np.ndarray:
        """The marginal p(y), shape (n_y,)."""
        return self.p_x @ self.p_y_given_x

    def entropy_x(self, unit: str = "bits") -> float:
        """H(X) in ``unit`` (the largest I(X;T) any encoder reaches)."""
        return float(convert(float(-np.sum(_xlogx(self.p_x))), unit))

    def mutual_information(self, unit: str = "bits") -> float:
        """I(X;Y) in ``unit`` (the largest I(T;Y) any encoder reaches)."""
        h_y = -np.sum(_xlogx(self.p_y))
        h_y_x = -np.sum(self.p_x * np.sum(_xlogx(self.p_y_given_x), axis=1))
        return float(convert(float(max(h_y - h_y_x, 0.0)), unit))


def _xlogx(p: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)


def _as_table(a: Any, name: str, ndim: int) -> np.ndarray:
    arr = np.asarray(a)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise InfoplaneError(
            f"{name} must be a numeric table of probabilities; got dtype {arr.dtype}."
        )
    arr = arr.astype(np.float64)
    if arr.ndim != ndim:
        shape = "(n_x, n_y)" if ndim == 2 else "(n_x,)"
        raise InfoplaneError(f"{name} must have shape {shape}; got shape {arr.shape}.")
    if arr.size == 0:
        raise InfoplaneError(f"{name} is empty; pass at least one row of probabilities.")
    if not np.isfinite(arr).all():
        raise InfoplaneError(f"{name} contains NaN or Inf; pass finite probabilities.")
    if (arr < 0).any():
        raise InfoplaneError(
            f"{name} has {int((arr < 0).sum())} negative entr(y/ies) (min {arr.min():.3g}); "
            "probabilities must be >= 0."
        )
    return arr


def _check_rows(p: np.ndarray, name: str) -> None:
    sums = p.sum(axis=1)
    bad = np.abs(sums - 1.0) > SUM_TOL
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InfoplaneError(
            f"{name} is not a conditional distribution: {int(bad.sum())} row(s) do not sum to 1 "
            f"(row {i} sums to {sums[i]:.6g}). Each row must be p(y|x) for one x; normalise the "
            "rows, or pass a joint table p(x, y) that sums to 1."
        )


def as_joint_distribution(
    p_xy: Any = None,
    *,
    p_y_given_x: Any = None,
    p_x: Any = None,
    kind: TableKind = "auto",
    name: str = "p_xy",
) -> JointDistribution:
    """Validate a joint or conditional table and return a :class:`JointDistribution`.

    Give either ``p_xy`` (a table whose ``kind`` is inferred or stated) or ``p_y_given_x`` (with an
    optional ``p_x``, uniform by default). With ``kind="auto"`` a table whose rows all sum to 1 is
    read as p(y|x) with uniform p(x) (unless ``p_x`` is given); otherwise a table summing to 1 is read
    as the joint p(x, y).

    Args:
        p_xy: table of shape (n_x, n_y): the joint p(x, y) or the conditional p(y|x).
        p_y_given_x: conditional table of shape (n_x, n_y), rows summing to 1.
        p_x: marginal of shape (n_x,), summing to 1; default uniform. Only with a conditional table.
        kind: ``"auto"``, ``"joint"`` or ``"conditional"``: how to read ``p_xy``.
        name: the argument's name used in error messages (e.g. ``"--pxy"`` from the CLI).

    Returns:
        The validated distribution. Rows x with p(x) = 0 are dropped (they carry no information).

    Raises:
        InfoplaneError: for a non-numeric table, wrong shape, NaN/Inf, negative entries, rows of a
            conditional table that do not sum to 1, a joint table that does not sum to 1, a ``p_x``
            of the wrong length or not summing to 1, or both/neither of ``p_xy`` and ``p_y_given_x``.

    Units: none (probabilities, dimensionless); the result's :meth:`JointDistribution.entropy_x`
    and :meth:`JointDistribution.mutual_information` are in bits.

    Notes:
        Sums are checked to within 1e-6 (``SUM_TOL``) and then renormalised exactly, so a table
        rounded to six decimals is accepted. A table of counts is refused, not normalised: a
        count table silently read as probabilities would change every value on the curve.
        ``kind="auto"`` cannot misread a table: with more than one row, rows that each sum to 1
        make the entries sum to n_x, so at most one reading fits. Rows with p(x) = 0 are dropped,
        so ``n_x`` of the result can be smaller than the table's.

    References:
        1. Tishby, N., Pereira, F. C., Bialek, W. (1999). The Information Bottleneck Method. Proc.
           37th Allerton Conference. arXiv physics/0004057 (the IB needs the joint p(x, y)).
        2. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
           Information. arXiv 1703.00810 (``all.mat``: p(y|x) with uniform p(x)).

    Example:
        >>> as_joint_distribution([[0.45, 0.05], [0.05, 0.45]]).p_x
        array([0.5, 0.5])
        >>> d = as_joint_distribution([[0.9, 0.1], [0.2, 0.8]], p_x=[0.25, 0.75])
        >>> d.p_xy.round(3).tolist()
        [[0.225, 0.025], [0.15, 0.6]]
        >>> try:
        ...     as_joint_distribution([[0.5, 0.6], [0.3, 0.3]])
        ... except InfoplaneError as err:
        ...     print(str(err)[:31])
        p_xy is not a distribution: its
    """
    if (p_xy is None) == (p_y_given_x is None):
        raise InfoplaneError(
            "give exactly one of p_xy (a table) or p_y_given_x (a conditional table)."
        )
    if kind not in ("auto", "joint", "conditional"):
        raise InfoplaneError(f"kind={kind!r} is not valid; use 'auto', 'joint' or 'conditional'.")
    if p_y_given_x is not None:
        table, kind, name = _as_table(p_y_given_x, "p_y_given_x", 2), "conditional", "p_y_given_x"
    else:
        table = _as_table(p_xy, name, 2)
    if kind == "auto":
        rows_ok = bool(np.all(np.abs(table.sum(axis=1) - 1.0) <= SUM_TOL))
        total_ok = abs(table.sum() - 1.0) <= SUM_TOL
        if rows_ok and (p_x is not None or not total_ok or table.shape[0] == 1):
            kind = "conditional"
        elif total_ok:
            kind = "joint"
        else:
            raise InfoplaneError(
                f"{name} is not a distribution: its rows do not all sum to 1 (so it is not p(y|x)) "
                f"and its entries sum to {table.sum():.6g}, not 1 (so it is not p(x, y)). Normalise "
                "it, or state the kind."
            )
    if kind == "joint":
        if p_x is not None:
            raise InfoplaneError("p_x is implied by a joint table; pass p_x only with p(y|x).")
        total = table.sum()
        if abs(total - 1.0) > SUM_TOL:
            raise InfoplaneError(
                f"{name} is read as a joint p(x, y) but its entries sum to {total:.6g}, not 1; "
                "normalise it, or pass a conditional table p(y|x) whose rows sum to 1."
            )
        px = table.sum(axis=1)
        keep = px > 0
        cond = table[keep] / px[keep, None]
        px = px[keep] / px[keep].sum()
        return JointDistribution(p_x=px, p_y_given_x=cond)
    _check_rows(table, name)
    if p_x is None:
        px = np.full(table.shape[0], 1.0 / table.shape[0])
    else:
        px = _as_table(p_x, "p_x", 1) if np.ndim(p_x) == 1 else _as_table(np.ravel(p_x), "p_x", 1)
        if px.shape[0] != table.shape[0]:
            raise InfoplaneError(
                f"p_x has {px.shape[0]} entries but {name} has {table.shape[0]} rows; pass one "
                "probability per x."
            )
        if abs(px.sum() - 1.0) > SUM_TOL:
            raise InfoplaneError(f"p_x sums to {px.sum():.6g}, not 1; normalise it.")
    keep = px > 0
    cond = table[keep] / table[keep].sum(axis=1, keepdims=True)
    return JointDistribution(p_x=px[keep] / px[keep].sum(), p_y_given_x=cond)


def label_smoothing(p_y_given_x: Any, smoothing: float) -> np.ndarray:
    """Mix p(y|x) with the uniform distribution: (1 - s) p(y|x) + s / n_y.

    The noise model the dual IB uses for hard labels: every class keeps probability at least
    s / n_y, so log p(y|x) is finite.

    Args:
        p_y_given_x: conditional table of shape (n_x, n_y), rows summing to 1.
        smoothing: s in [0, 1); 0 returns the table unchanged (as float64).

    Returns:
        The smoothed table, shape (n_x, n_y), rows still summing to 1 (probabilities, no unit).

    Raises:
        InfoplaneError: if ``smoothing`` is not in [0, 1), or ``p_y_given_x`` is not a finite,
            non-negative 2-D table (the message names the argument).

    Notes:
        Units: none (probabilities). Smoothing changes the task: I(X;Y) of the smoothed table is
        lower than that of the original, so a curve computed with it is the curve of a noisier
        problem. For two perfectly determined classes I(X;Y) falls from 1 bit to 1 - h2(s/2)
        bits (h2 the binary entropy): 0.955 bits at s = 0.01, 0.714 at s = 0.1. Use the smallest
        s that makes the dual IB run. Rows are not checked to sum to 1; pass a table validated by
        :func:`as_joint_distribution`.

    References:
        1. Piran, Z., Shwartz-Ziv, R., Tishby, N. (2020). The Dual Information Bottleneck.
           arXiv 2006.04641 (the dual IB needs p(y|x) > 0).
        2. Szegedy, C., Vanhoucke, V., Ioffe, S., Shlens, J., Wojna, Z. (2016). Rethinking the
           Inception Architecture for Computer Vision. CVPR. arXiv 1512.00567 (label smoothing).

    Example:
        >>> p = label_smoothing([[1.0, 0.0], [0.0, 1.0]], 0.1)
        >>> p.round(6).tolist()
        [[0.95, 0.05], [0.05, 0.95]]
        >>> round(as_joint_distribution(p_y_given_x=p).mutual_information(), 3)
        0.714
    """
    s = float(smoothing)
    if not (np.isfinite(s) and 0.0 <= s < 1.0):
        raise InfoplaneError(f"label_smoothing must be in [0, 1); got {smoothing!r}.")
    p = _as_table(p_y_given_x, "p_y_given_x", 2)
    return (1.0 - s) * p + s / p.shape[1]


def _from_mapping(data: dict[str, Any], name: str, kind: TableKind) -> JointDistribution:
    keys = {k.lower(): k for k in data if not k.startswith("__")}
    px = None
    for cand in ("p_x", "px", "x"):
        if cand in keys:
            px = np.ravel(np.asarray(data[keys[cand]], dtype=np.float64))
            break
    if "pyx" in keys:  # all.mat of the IDNNs code: PYX has shape (n_y, n_x)
        pyx = np.asarray(data[keys["pyx"]], dtype=np.float64)
        if pyx.ndim != 2:
            raise InfoplaneError(f"{name}: PYX must be a 2-D table (n_y, n_x); got {pyx.shape}.")
        table = pyx.T
        if table.shape[1] == 2:  # PYX[0] is p(y=1|x) in the original code
            table = table[:, ::-1]
        return as_joint_distribution(table, p_x=px, kind="conditional", name=name)
    for cand in ("p_y_given_x", "pygx"):
        if cand in keys:
            return as_joint_distribution(
                np.asarray(data[keys[cand]]), p_x=px, kind="conditional", name=name
            )
    for cand in ("p_xy", "pxy", "joint"):
        if cand in keys:
            return as_joint_distribution(np.asarray(data[keys[cand]]), kind=kind, name=name)
    raise InfoplaneError(
        f"{name}: found keys {sorted(keys)} but none of PYX, p_y_given_x, p_xy; store the table "
        "under one of these names."
    )


def load_distribution(
    path: str | Path, *, kind: TableKind = "auto", name: str = "--pxy"
) -> JointDistribution:
    """Load a joint or conditional table from a file.

    Formats:
        - ``.npy``: one (n_x, n_y) table (``kind`` says how to read it; ``auto`` infers it).
        - ``.csv``: one (n_x, n_y) table of numbers, no header (a header line is skipped).
        - ``.npz`` / ``.mat``: keys ``PYX`` (``all.mat``: shape (n_y, n_x); for two classes
          ``PYX[0]`` is p(y=1|x), as in the IDNNs code) with optional ``x`` (p(x), shape
          (n_x, 1)); or ``p_y_given_x`` with optional ``p_x``; or ``p_xy``.

    Args:
        path: the file.
        kind: ``"auto"``, ``"joint"`` or ``"conditional"`` for single-table files.
        name: the argument's name for error messages.

    Returns:
        The validated :class:`JointDistribution` (probabilities; its entropies are in bits).

    Raises:
        InfoplaneError: for an unknown extension, a file without one of the keys above, or an
            invalid table (negative entries, rows not summing to 1, ...); the message starts
            with ``name``.
        InfoplaneRuntimeError: if the file exists but cannot be parsed (corrupt or foreign:
            a truncated ``.npy``, a ``.npz`` that is not a zip archive, pickled objects); the
            message names ``name`` and the file.
        FileNotFoundError: if ``path`` does not exist.

    Notes:
        Units: none (probabilities). Nothing is unpickled (``allow_pickle=False``): a table file
        from someone else cannot run code. For two classes, ``all.mat``'s ``PYX[0]`` is
        p(y=1|x), so the columns are swapped to put p(y=0|x) first; I(X;Y) does not depend on the
        order, but an encoder's decoder columns do. A ``.csv`` is read whole into memory.

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810 (``all.mat``: the 12-bit task's p(y|x), 4096 x 2).

    Example:
        >>> import tempfile, pathlib
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> np.save(folder / "t.npy", np.array([[0.45, 0.05], [0.05, 0.45]]))
        >>> round(load_distribution(folder / "t.npy").mutual_information(), 6)
        0.531004
        >>> _ = (folder / "bad.npy").write_bytes(b"not an array")
        >>> try:
        ...     load_distribution(folder / "bad.npy")
        ... except InfoplaneRuntimeError as err:
        ...     print(str(err)[:20])
        --pxy: cannot read '
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{name}: file {str(path)!r} does not exist.")
    ext = path.suffix.lower()
    try:
        if ext == ".npy":
            return as_joint_distribution(np.load(path, allow_pickle=False), kind=kind, name=name)
        if ext == ".csv":
            table = _read_csv(path)
            return as_joint_distribution(table, kind=kind, name=name)
        if ext == ".npz":
            with np.load(path, allow_pickle=False) as data:
                return _from_mapping({k: data[k] for k in data.files}, name, kind)
        if ext == ".mat":
            import scipy.io as sio

            return _from_mapping(sio.loadmat(path), name, kind)
    except InfoplaneError:
        raise
    except Exception as exc:  # a parser's failure (ValueError, OSError, BadZipFile, MatReadError)
        raise InfoplaneRuntimeError(
            f"{name}: cannot read {str(path)!r} ({type(exc).__name__}: {exc}); the file is corrupt "
            "or not in a supported format: pass a .npy, .csv, .npz or .mat table."
        ) from None
    raise InfoplaneError(f"{name}: unknown file type {ext!r}; use .npy, .csv, .npz or .mat.")


def _read_csv(path: Path) -> np.ndarray:
    import pandas as pd

    frame = pd.read_csv(path, header=None, comment="#")
    try:
        return frame.to_numpy(dtype=np.float64)
    except ValueError:  # a header line: read it as a header
        return pd.read_csv(path, comment="#").to_numpy(dtype=np.float64)
