"""Checkpoints, status and the lock of a run directory: what makes a run safe to resume.

- The checkpoint (``state/checkpoint.pt``) holds tensors and plain Python data only (ints, floats,
  strings, lists, dicts): it is read with ``torch.load(..., weights_only=True)``, so a run directory
  from someone else can never execute code when it is resumed.
- The status (``state/status.json``) says which stage a run reached (``training``, ``estimating``,
  ``complete``); it also marks a directory as an infoplane run.
- The lock (``state/lock``, :class:`RunLock`, built on the ``filelock`` package) is held by the
  process that writes the directory (a run, a resume, ``infoplane estimate``), so two processes
  never write one run at once; an OS lock, it is released when the process dies.

Every path comes from :class:`~infoplane.storage.layout.RunLayout`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from infoplane.interface import InfoplaneRuntimeError
from infoplane.storage.layout import RunLayout

#: Version of the checkpoint format (bumped when its keys change).
CHECKPOINT_FORMAT = 2


def read_checkpoint(run_dir: str | Path) -> dict[str, Any] | None:
    """Load a run directory's checkpoint safely, or return ``None`` if there is none.

    Args:
        run_dir: the run directory.

    Returns:
        The checkpoint dict: ``format``, ``loop`` (the
        :meth:`~infoplane.training.trainer.LoopState.state_dict`), ``torch_rng`` (uint8 tensor),
        ``online`` (see :meth:`~infoplane.run.estimation.OnlineEstimates.state_dict`) and
        ``gradients`` (a :class:`~infoplane.training.gradients.GradientStatistics` state), or
        ``None`` when the run has no checkpoint yet.

    Raises:
        InfoplaneRuntimeError: if the file is not a checkpoint of this version of infoplane: it
            does not load with ``weights_only=True`` (it holds other pickled objects, perhaps code),
            is damaged, or lacks the expected keys. Nothing in it is executed.

    Notes:
        The file is only ever replaced atomically, so a complete file is what is read; a damaged
        one means it was changed after it was written.

    References:
        PyTorch documentation, ``torch.load`` (``weights_only=True`` restricts unpickling to
        tensors and primitive types).

    Example:
        >>> import tempfile
        >>> read_checkpoint(tempfile.mkdtemp()) is None
        True
    """
    import torch

    path = RunLayout(run_dir).checkpoint
    if not path.is_file():
        return None
    fix = (
        "infoplane never writes such a file, so it was damaged or replaced; nothing in it was run. "
        "Start the run again into a new directory (or delete the file to retrain from epoch 0 "
        "with --resume)."
    )
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # UnpicklingError, RuntimeError, EOFError, ...: all refused
        # torch's own message suggests weights_only=False, which is exactly what must not be done
        # with a file from a run directory: name the error type only.
        raise InfoplaneRuntimeError(
            f"refusing the checkpoint {str(path)!r}: it is not a plain tensor checkpoint "
            f"({type(exc).__name__}); {fix}"
        ) from None
    if not (
        isinstance(ckpt, dict)
        and ckpt.get("format") == CHECKPOINT_FORMAT
        and isinstance(ckpt.get("loop"), dict)
        and isinstance(ckpt["loop"].get("epoch"), int)
    ):
        raise InfoplaneRuntimeError(
            f"refusing the checkpoint {str(path)!r}: it is not a checkpoint of this version of "
            f"infoplane (format {CHECKPOINT_FORMAT}); {fix}"
        )
    return ckpt


def write_checkpoint(run_dir: str | Path, payload: dict[str, Any]) -> Path:
    """Write a checkpoint atomically (a reader never sees half of it).

    Args:
        run_dir: the run directory.
        payload: tensors and plain Python data only (see :func:`read_checkpoint`); ``format`` is
            added.

    Returns:
        The checkpoint path (``state/checkpoint.pt``).

    Raises:
        OSError: if the file cannot be written (the previous checkpoint stays).

    Notes:
        Nothing checks ``payload`` here (that would double the memory of a large model's
        checkpoint); anything that is not a tensor or plain data makes :func:`read_checkpoint`
        refuse the file, and ``tests/test_run_safety.py`` loads every run's checkpoint with
        ``weights_only=True``.

    References:
        PyTorch documentation, ``torch.save`` / ``torch.load``.

    Example:
        >>> import tempfile, torch
        >>> d = tempfile.mkdtemp()
        >>> _ = write_checkpoint(d, {"loop": {"epoch": 3}, "rng": torch.zeros(2)})
        >>> read_checkpoint(d)["loop"]["epoch"]
        3
    """
    import torch

    from infoplane.storage import atomic_write

    data = {**payload, "format": CHECKPOINT_FORMAT}
    path = RunLayout(run_dir).checkpoint
    atomic_write(path, lambda p: torch.save(data, p))
    return path


def set_status(run_dir: str | Path, stage: str) -> Path:
    """Record the stage a run reached in ``state/status.json`` (atomically).

    Args:
        run_dir: the run directory.
        stage: ``"training"``, ``"estimating"`` or ``"complete"``.

    Returns:
        The status file's path.

    Raises:
        OSError: if the file cannot be written.

    Notes:
        The time is local time, to the second; the file also marks the directory as an
        infoplane run (:meth:`~infoplane.storage.layout.RunLayout.is_run`).

    References:
        None (infoplane's own run layout).

    Example:
        >>> import tempfile
        >>> d = tempfile.mkdtemp()
        >>> _ = set_status(d, "complete")
        >>> read_status(d)
        'complete'
    """
    from infoplane.storage import write_json

    stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
    return write_json(RunLayout(run_dir).status, {"stage": stage, "time": stamp})


def read_status(run_dir: str | Path) -> str | None:
    """The stage a run reached (``training``, ``estimating``, ``complete``), or ``None``.

    Args:
        run_dir: the run directory.

    Returns:
        The stage, or ``None`` if the directory has no (readable) status file.

    Raises:
        Nothing: an unreadable status file counts as none.

    Notes:
        Runs written before the status file existed return ``None``.

    References:
        None (infoplane's own run layout).

    Example:
        >>> import tempfile
        >>> read_status(tempfile.mkdtemp()) is None
        True
    """
    import json

    path = RunLayout(run_dir).status
    try:
        stage = json.loads(path.read_text(encoding="utf-8")).get("stage")
    except (OSError, ValueError, AttributeError):
        return None
    return stage if isinstance(stage, str) else None


class RunLock:
    """An exclusive lock on a run directory (``state/lock``), held while a process writes it.

    Args:
        run_dir: the run directory (``state/`` is created if missing).
        purpose: what the holder does, for the message of whoever is refused (e.g. ``"training"``).

    Raises:
        InfoplaneRuntimeError: from :meth:`acquire` (and ``with``) if another process (or another
            lock object of this process) holds the lock: the message names the directory and says
            to wait until that process has finished.

    Notes:
        Built on ``filelock.FileLock``: an OS-level lock (``fcntl.flock`` on POSIX), released by
        the operating system if the holder dies, so a killed run never leaves a stale lock. The
        lock file itself stays; its existence means nothing.

    References:
        The ``filelock`` package, https://py-filelock.readthedocs.io/.

    Example:
        >>> import tempfile
        >>> d = tempfile.mkdtemp()
        >>> with RunLock(d, "training"):
        ...     RunLock(d).acquire()  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        infoplane.interface.InfoplaneRuntimeError: run directory ... is in use by another process ...
    """

    def __init__(self, run_dir: str | Path, purpose: str = "writing") -> None:
        self.layout = RunLayout(run_dir)
        self.purpose = purpose
        self._lock: Any = None

    def acquire(self) -> RunLock:
        """Take the lock now or raise; see the class docstring."""
        from filelock import FileLock, Timeout

        path = self.layout.lock
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(path), timeout=0)
        try:
            lock.acquire()
        except Timeout:
            raise InfoplaneRuntimeError(
                f"run directory {str(self.layout.root)!r} is in use by another process (its lock "
                f"{str(path)!r} is held, e.g. by a run still training); wait until that process "
                "has finished, then try again."
            ) from None
        self._lock = lock
        return self

    def release(self) -> None:
        """Release the lock (no-op if it is not held)."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._lock is not None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
