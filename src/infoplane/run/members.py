"""The members of one run trained in parallel processes: the ensemble split into contiguous groups.

Shwartz-Ziv & Tishby (2017), arXiv 1703.00810 (Sec. 3), average the information plane over 50
networks trained for 8000 epochs. In infoplane member r of a run initialises from seed + r and
shuffles with its own generator (:mod:`infoplane.training.trainer`), so its trajectory does not
depend on the other members. The ensemble can therefore be split into contiguous groups of
members, each trained, captured and estimated online by its own process with one torch thread,
and the tables merged with the repeat numbers shifted back. The mini-batch kernels of these tiny
networks do not speed up with more threads inside one step, but separate processes do: on k cores
the training wall time falls by about k. The tables equal those of one process up to the float32
rounding of the batched kernels (tested).

Each group keeps its own checkpoint under ``state/members/LO-HI/`` and ``state/members.json``
records the split, so an interrupted run resumes with the same groups on any machine.

Not a paper's algorithm: a way of running the paper's experiment on several cores.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
import queue as queue_module
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from infoplane.interface import InfoplaneError, InfoplaneRuntimeError
from infoplane.run.config import RunConfig

#: the file under ``state/`` that records the member groups of a split run
MEMBERS_FILE = "members.json"
#: the folder under ``state/`` that holds one sub-directory (checkpoint) per member group
MEMBERS_DIR = "members"

_QUEUE: dict[str, Any] = {"queue": None}


def unsplittable_reasons(config: RunConfig, device: Any) -> list[str]:
    """Why the members of a run cannot be trained in separate processes (empty: they can).

    Args:
        config: the run config.
        device: the ``torch.device`` the run trains on.

    Returns:
        Reasons in words, each naming the setting that prevents the split.

    Raises:
        Nothing.

    Notes:
        A split run must give each member the trajectory it has in one process: only the stacked
        MLP (members seeded one by one) without noise layers (one random stream for all members)
        qualifies; online estimation with no activation store (one store would have several
        writers); and no estimator that pools all members (``binning`` with ``range: data``).

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810, Sec. 3.

    Example:
        >>> import torch
        >>> from infoplane.run.config import RunConfig
        >>> unsplittable_reasons(RunConfig(), torch.device("cpu"))[0][:32]
        'the activation store is written '
    """
    reasons = []
    if config.model.arch != "mlp":
        reasons.append(f"model.arch is {config.model.arch!r} (only the stacked MLP is split)")
    if config.model.noise is not None:
        reasons.append("model.noise layers draw from one random stream shared by all members")
    if getattr(device, "type", "cpu") != "cpu":
        reasons.append(f"training runs on {device} (processes share the CPU cores only)")
    if not config.storage.online or config.storage.activations != "none":
        reasons.append(
            "the activation store is written by one process (use storage.online: true and "
            "storage.activations: none, i.e. --online --store none)"
        )
    pooled = sorted({e.name for e in config.estimators if e.params.get("range") == "data"})
    if pooled:
        reasons.append(
            f"estimator(s) {', '.join(pooled)} with range: data take one range over all members"
        )
    return reasons


def member_processes(config: RunConfig, device: Any) -> int:
    """The number of processes that will train the members of a run (``training.processes``).

    Args:
        config: the run config.
        device: the ``torch.device`` the run trains on.

    Returns:
        1 (one process, the usual training loop) or k >= 2, at most the number of members R.
        ``auto`` gives the number of CPU cores (at most R), or 1 inside a worker process (a sweep
        already runs one run per core) or where :func:`unsplittable_reasons` gives a reason.

    Raises:
        InfoplaneError: an explicit ``training.processes`` > 1 for a run that cannot be split
            (the message gives the reasons and the fix).

    Notes:
        Checked before a run directory is created.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810, Sec. 3 (50 networks).

    Example:
        >>> import torch
        >>> from infoplane.run.config import RunConfig
        >>> member_processes(RunConfig(), torch.device("cpu"))
        1
    """
    requested = config.training.processes
    if requested == 1 or config.repeats < 2:
        return 1
    reasons = unsplittable_reasons(config, device)
    if requested == "auto":
        if reasons or multiprocessing.parent_process() is not None:
            return 1
        return max(1, min(os.cpu_count() or 1, config.repeats))
    if reasons:
        raise InfoplaneError(
            f"training.processes={requested} cannot split this run: {'; '.join(reasons)}. Use "
            "training.processes: 1, or auto (one process where the run cannot be split)."
        )
    return min(int(requested), config.repeats)


def member_groups(n_members: int, n_groups: int) -> list[tuple[int, int]]:
    """Split members 0..n_members-1 into ``n_groups`` contiguous groups of near-equal size.

    Args:
        n_members: number of members R (>= 1).
        n_groups: number of groups (1..R).

    Returns:
        ``[(lo, hi), ...]``: group g trains members lo..hi-1; sizes differ by at most one.

    Raises:
        InfoplaneError: for ``n_groups`` outside 1..n_members.

    Notes:
        Contiguous groups keep the repeat numbers of the merged tables in order.

    References:
        None (bookkeeping).

    Example:
        >>> member_groups(50, 2), member_groups(5, 3)
        ([(0, 25), (25, 50)], [(0, 2), (2, 3), (3, 5)])
    """
    if not 1 <= n_groups <= n_members:
        raise InfoplaneError(f"n_groups must be in 1..{n_members}; got {n_groups}.")
    bounds = [round(i * n_members / n_groups) for i in range(n_groups + 1)]
    return [(int(a), int(b)) for a, b in itertools.pairwise(bounds)]


def write_member_groups(state_dir: str | Path, groups: list[tuple[int, int]]) -> Path:
    """Record the member groups of a split run in ``state/members.json`` (atomically).

    Args:
        state_dir: the run's ``state/`` folder.
        groups: the groups of :func:`member_groups`.

    Returns:
        The file written.

    Raises:
        OSError: if it cannot be written.

    Notes:
        Plain JSON, read back (and validated) by :func:`read_member_groups`.

    References:
        None (bookkeeping).

    Example:
        >>> import tempfile
        >>> d = tempfile.mkdtemp()
        >>> _ = write_member_groups(d, [(0, 2), (2, 4)]); read_member_groups(d, 4)
        [(0, 2), (2, 4)]
    """
    from infoplane.storage import write_text

    path = Path(state_dir) / MEMBERS_FILE
    write_text(path, json.dumps({"format": 1, "groups": [list(g) for g in groups]}))
    return path


def read_member_groups(state_dir: str | Path, n_members: int) -> list[tuple[int, int]] | None:
    """The member groups recorded in ``state/members.json``, or ``None`` when there is no file.

    Args:
        state_dir: the run's ``state/`` folder.
        n_members: the run's number of members R.

    Returns:
        ``[(lo, hi), ...]`` covering 0..R-1 in order, or ``None``.

    Raises:
        InfoplaneRuntimeError: the file is damaged or does not cover the R members in order (a
            run directory is untrusted input).

    Notes:
        Read with ``json`` only; nothing in it is executed.

    References:
        None (bookkeeping).

    Example:
        >>> import tempfile
        >>> read_member_groups(tempfile.mkdtemp(), 4) is None
        True
    """
    path = Path(state_dir) / MEMBERS_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
        groups = [(int(a), int(b)) for a, b in data["groups"]]
        ok = bool(groups) and groups[0][0] == 0 and groups[-1][1] == n_members
        ok = ok and all(a < b for a, b in groups)
        ok = ok and all(groups[i][1] == groups[i + 1][0] for i in range(len(groups) - 1))
    except (ValueError, TypeError, KeyError, OSError):
        ok = False
    if not ok:
        raise InfoplaneRuntimeError(
            f"{str(path)!r} is damaged or not infoplane's (it must list contiguous member groups "
            f"covering the {n_members} members), so the run cannot be resumed; start it again."
        )
    return groups


def member_config(config: RunConfig, lo: int, hi: int) -> RunConfig:
    """The config of members lo..hi-1 of a run, trained on their own (one process).

    Args:
        config: the run config (R members, seeds ``seed .. seed + R - 1``).
        lo: first member (0-based).
        hi: one past the last member.

    Returns:
        A copy with ``seed = seed + lo``, ``repeats = hi - lo`` and ``training.processes = 1``:
        member j of it is member lo + j of the run (same seed, so the same initialisation and
        shuffles).

    Raises:
        InfoplaneError: for a group outside 0..R.

    Notes:
        The data split uses ``data.split_seed``, not ``seed``, so every group sees the same data.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810, Sec. 3.

    Example:
        >>> from infoplane.run.config import RunConfig
        >>> c = member_config(RunConfig(repeats=4, seed=10), 2, 4)
        >>> c.seeds(), c.training.processes
        ([12, 13], 1)
    """
    if not 0 <= lo < hi <= config.repeats:
        raise InfoplaneError(f"member group ({lo}, {hi}) is outside 0..{config.repeats}.")
    training = config.training.model_copy(update={"processes": 1})
    return config.model_copy(
        update={"seed": config.seed + lo, "repeats": hi - lo, "training": training}
    )


def group_root(state_dir: str | Path, lo: int, hi: int) -> Path:
    """The folder of one member group (its own ``state/checkpoint.pt``): ``state/members/LO-HI``.

    Args:
        state_dir: the run's ``state/`` folder.
        lo: first member of the group.
        hi: one past its last member.

    Returns:
        The folder path.

    Raises:
        Nothing.

    Notes:
        Laid out as a run directory of its own (:class:`~infoplane.storage.layout.RunLayout`).

    References:
        None (bookkeeping).

    Example:
        >>> group_root("run/state", 0, 25).as_posix()
        'run/state/members/0000-0025'
    """
    return Path(state_dir) / MEMBERS_DIR / f"{lo:04d}-{hi:04d}"


class _QueueProgress:
    """A progress factory for a worker: reports each epoch to the parent's queue."""

    def __init__(self, q: Any) -> None:
        self.q = q

    def __call__(self, iterable: Iterable[Any], **kwargs: Any) -> Iterator[Any]:
        parent = multiprocessing.parent_process()
        self.q.put(int(kwargs.get("initial", 0)))
        for item in iterable:
            if parent is not None and not parent.is_alive():
                # the run was killed: end this worker now (nobody is left to report to; the last
                # checkpoint, written atomically, stays for --resume)
                os._exit(3)
            yield item
            self.q.put(1)


def _init_worker(q: Any) -> None:
    _QUEUE["queue"] = q


def worker_progress() -> Callable[..., Any] | None:
    """Inside a worker process: the progress factory that reports to the parent (or ``None``).

    Returns:
        A tqdm-like factory wrapping the epoch iterator, or ``None`` outside a worker.

    Raises:
        Nothing.

    Notes:
        Each epoch puts one integer on a ``multiprocessing`` queue; the parent draws one bar.

    References:
        None (bookkeeping).

    Example:
        >>> worker_progress() is None
        True
    """
    q = _QUEUE["queue"]
    return None if q is None else _QueueProgress(q)


def train_members(
    worker: Callable[..., dict[str, Any]],
    config: RunConfig,
    state_dir: str | Path,
    groups: list[tuple[int, int]],
    *,
    resume: bool,
    progress: Callable[..., Any] | None,
) -> tuple[dict[str, np.ndarray], Any, Any, float]:
    """Train the member groups of a run in parallel processes and merge what they return.

    Args:
        worker: a module-level function ``worker(config_data, root, resume)`` that trains one
            group (config as plain data, its folder, whether to go on from its checkpoint) and
            returns ``{"history": dict of arrays (E, R_g), "plane": list of
            frames (one per estimator and layer), "gradients": frame or None,
            "capture_seconds": float}``.
        config: the run config (R members).
        state_dir: the run's ``state/`` folder.
        groups: the member groups (:func:`member_groups`).
        resume: go on from each group's checkpoint (a group without one starts afresh).
        progress: a tqdm-like factory (one bar over all groups' epochs), or ``None``.

    Returns:
        ``(history, plane, gradients, capture_seconds)``: the history arrays (E, R) as one
        process returns them, the information-plane table (repeat numbers of the run, DPI flags
        recomputed on the merged table) and the gradient-statistics table (``None`` when
        disabled), each in the row order of a one-process run, and the largest group's wall
        seconds of capture and online estimation.

    Raises:
        Whatever a worker raised (the other workers are stopped; their checkpoints stay, so
        ``infoplane run --resume`` goes on).

    Notes:
        Processes are spawned (torch and fork do not mix) through
        ``concurrent.futures.ProcessPoolExecutor``; each trains on one torch thread.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810, Sec. 3.

    Example:
        >>> # history, plane, grads, secs = train_members(worker, cfg, "run/state", [(0, 25), (25, 50)],
        >>> #                                           resume=False, progress=None)
    """
    import concurrent.futures as cf

    ctx = multiprocessing.get_context("spawn")
    q = ctx.Queue()
    total = config.training.epochs * len(groups)
    bar = None
    if progress is not None:
        bar = progress(total=total, desc=f"training ({len(groups)} processes)", unit="epoch")
    results: list[dict[str, Any] | None] = [None] * len(groups)
    pool = cf.ProcessPoolExecutor(
        max_workers=len(groups), mp_context=ctx, initializer=_init_worker, initargs=(q,)
    )
    try:
        futures = {
            pool.submit(
                worker,
                member_config(config, lo, hi).model_dump(mode="json"),
                str(group_root(state_dir, lo, hi)),
                resume,
            ): g
            for g, (lo, hi) in enumerate(groups)
        }
        pending = set(futures)
        while pending:
            done, pending = cf.wait(pending, timeout=0.2, return_when=cf.FIRST_COMPLETED)
            _drain(q, bar)
            for f in done:
                results[futures[f]] = f.result()  # a worker's error stops the rest (finally)
        _drain(q, bar)
    except BaseException:
        for proc in list(getattr(pool, "_processes", {}).values()):
            proc.terminate()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        if bar is not None:
            bar.close()
    return _merge(results, groups)


def _drain(q: Any, bar: Any) -> None:
    while True:
        try:
            n = q.get_nowait()
        except queue_module.Empty:
            return
        if bar is not None:
            bar.update(n)


def _merge(
    results: list[dict[str, Any] | None], groups: list[tuple[int, int]]
) -> tuple[dict[str, np.ndarray], Any, Any, float]:
    """Merge the groups' history, plane blocks and gradient tables (repeat numbers shifted)."""
    import pandas as pd

    from infoplane.analysis.validity import add_dpi_flags

    res = [r for r in results if r is not None]
    first = res[0]["history"]
    history = {"epoch": np.asarray(first["epoch"])}
    for key in first:
        if key != "epoch":
            history[key] = np.concatenate([np.asarray(r["history"][key]) for r in res], axis=1)

    def shifted(frame: Any, lo: int) -> Any:
        frame = frame.copy()
        frame["repeat"] = frame["repeat"].to_numpy() + lo
        return frame

    blocks = [
        pd.concat(
            [shifted(r["plane"][j], lo) for r, (lo, _hi) in zip(res, groups, strict=True)],
            ignore_index=True,
        )
        for j in range(len(res[0]["plane"]))
    ]
    plane = add_dpi_flags(pd.concat(blocks, ignore_index=True))
    gradients = None
    if res[0]["gradients"] is not None:
        gradients = pd.concat(
            [shifted(r["gradients"], lo) for r, (lo, _hi) in zip(res, groups, strict=True)],
            ignore_index=True,
        )
        gradients = gradients.sort_values(
            ["epoch", "layer", "repeat"], kind="stable", ignore_index=True
        )
    return history, plane, gradients, max(float(r["capture_seconds"]) for r in res)
