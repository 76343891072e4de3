"""Orchestration of a run: configuration, training with capture, estimation, figures, resume, sweeps.

This package sits at the top of the data flow (data -> models -> training -> capture -> storage ->
estimators -> analysis/bottleneck -> plots/report -> **run** -> cli): it imports the packages below
it and nothing below it imports it. It reproduces the experiment of Shwartz-Ziv & Tishby (2017),
"Opening the Black Box of Deep Neural Networks via Information", arXiv 1703.00810, and runs any
``nn.Module`` the same way.

Modules, in the order of the flow: ``config`` (RunConfig, presets), ``setup`` (data, network,
device, the run directory: all checked before anything is written), ``checkpoint`` (safe
checkpoints, status, the run's lock), ``estimation`` (in memory, from the store, online),
``extra`` (rows added by ``infoplane estimate``, kept by resume), ``figures``, ``engine``
(:func:`run_experiment` / :func:`resume_experiment`: the flow), ``recorder`` and ``sweep``.

Public names (imported on first use, so ``import infoplane.run`` stays light):

- :func:`run_experiment`, :func:`resume_experiment`, :class:`RunResult` -- the main job;
- :class:`RunConfig`, :func:`load_config` -- configuration (pydantic; YAML/TOML; presets);
- :class:`Recorder` -- capture and estimate inside a user's own training loop;
- :func:`run_sweep`, :class:`SweepConfig` -- grids of runs on a process pool or a Dask cluster.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "run_experiment": "infoplane.run.engine",
    "resume_experiment": "infoplane.run.engine",
    "RunResult": "infoplane.run.engine",
    "RunConfig": "infoplane.run.config",
    "load_config": "infoplane.run.config",
    "Recorder": "infoplane.run.recorder",
    "run_sweep": "infoplane.run.sweep",
    "SweepConfig": "infoplane.run.sweep",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'infoplane.run' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
