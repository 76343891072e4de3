"""Atomic file writes: a reader never sees a half-written file.

Each writer writes to a temporary file in the destination's folder, flushes it to disk, then renames
it over the destination with :func:`os.replace` (atomic on POSIX and Windows for same-volume renames).
A run killed mid-write leaves the previous complete file (or none), plus at most a stray ``.tmp``.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` then move ``tmp_path`` onto ``path`` atomically.

    Args:
        path: destination file.
        write: function that writes the complete file at the path it is given.

    Returns:
        The destination path.

    Raises:
        OSError: if the folder cannot be created or written (the temporary file is removed).
        Exception: whatever ``write`` raises (the destination is left as it was).

    Notes:
        Shapes: none (writes a file). Units: none.
        The temporary file is fsynced before the rename; a process killed mid-write leaves the
        previous file (or none) and at most a stray ``.tmp``.

    References:
        POSIX ``rename(2)``; Python :func:`os.replace`.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
        >>> atomic_write(p, lambda tmp: tmp.write_text("hello")).read_text()
        'hello'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        with open(tmp_path, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp creates 0600; give the usual mode
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return path


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically.

    Args:
        path: destination file.
        text: the text.

    Returns:
        The destination path.

    Raises:
        OSError: if the file cannot be written (the destination is left as it was).

    Notes:
        Shapes: none (writes a file). Units: none.
        Written with :func:`atomic_write`: readers never see half a file.

    References:
        Python :func:`os.replace`.

    Example:
        >>> import tempfile, pathlib
        >>> write_text(pathlib.Path(tempfile.mkdtemp()) / "a.txt", "hi").read_text()
        'hi'
    """
    return atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


def write_json(path: str | Path, obj: Any) -> Path:
    """Write ``obj`` as indented JSON to ``path`` atomically.

    Args:
        path: destination file.
        obj: JSON-serialisable data (other objects are written as ``str(obj)``).

    Returns:
        The destination path.

    Raises:
        OSError: if the file cannot be written (the destination is left as it was).

    Notes:
        Shapes: none (writes a file). Units: none.
        Written with :func:`atomic_write`: readers never see half a file.

    References:
        Python :func:`os.replace`.

    Example:
        >>> import tempfile, pathlib, json
        >>> p = write_json(pathlib.Path(tempfile.mkdtemp()) / "a.json", {"a": 1})
        >>> json.loads(p.read_text())
        {'a': 1}
    """
    return write_text(path, json.dumps(obj, indent=2, default=str) + "\n")


def write_table(path: str | Path, frame: Any) -> Path:
    """Write a pandas DataFrame atomically: Parquet for ``.parquet``, else CSV.

    Args:
        path: destination file (``.parquet`` or anything else for CSV).
        frame: the table (written without its index).

    Returns:
        The destination path.

    Raises:
        OSError: if the file cannot be written (the destination is left as it was).

    Notes:
        Shapes: any table (n_rows, n_columns). Units: none added; an information table carries its
        own ``unit`` column.
        Written with :func:`atomic_write`: readers never see half a file.

    References:
        Python :func:`os.replace`.

    Example:
        >>> import tempfile, pathlib, pandas as pd
        >>> p = write_table(pathlib.Path(tempfile.mkdtemp()) / "t.csv", pd.DataFrame({"a": [1]}))
        >>> p.read_text().split()
        ['a', '1']
    """
    path = Path(path)
    if path.suffix == ".parquet":
        return atomic_write(path, lambda p: frame.to_parquet(p, index=False))
    return atomic_write(path, lambda p: frame.to_csv(p, index=False))


def save_figure(path: str | Path, fig: Any, **kwargs: Any) -> Path:
    """Save a matplotlib figure atomically (format from the suffix of ``path``).

    Args:
        path: destination file (``.png``, ``.pdf``, ``.svg``, ...; default format PNG).
        fig: a matplotlib figure.
        **kwargs: passed to ``fig.savefig`` (e.g. ``dpi=150``).

    Returns:
        The destination path.

    Raises:
        OSError: if the file cannot be written (the destination is left as it was).

    Notes:
        Shapes: none (writes a PNG). Units: none (the figure's axes say theirs).
        Written with :func:`atomic_write`: readers never see half a file.

    References:
        Python :func:`os.replace`.

    Example:
        >>> import tempfile, pathlib, matplotlib
        >>> matplotlib.use("Agg")
        >>> import matplotlib.pyplot as plt
        >>> fig = plt.figure()
        >>> save_figure(pathlib.Path(tempfile.mkdtemp()) / "f.png", fig).suffix
        '.png'
        >>> plt.close(fig)
    """
    path = Path(path)
    fmt = path.suffix.lstrip(".") or "png"
    return atomic_write(path, lambda p: fig.savefig(p, format=fmt, **kwargs))
