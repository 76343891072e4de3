"""Overheads of the default run and of ``infoplane report``, before and after (issue 15).

Shwartz-Ziv & Tishby (2017, arXiv 1703.00810) information-plane runs spend their time in training;
this script measures what comes after it: the geometric diagnostics (Geiger 2021, arXiv
2003.09671), the run's figures, the HTML report and its GIF, and the command's start-up. Each step
runs in a fresh child process for each source tree, in the same invocation, so the two columns
share the machine's state:

- ``after``: the package as installed (this checkout);
- ``before``: ``--baseline-src DIR``, a ``src`` folder of an earlier version on ``PYTHONPATH``,
  e.g. ``git archive 1be3847 src | tar -x -C /tmp/base`` then ``--baseline-src /tmp/base/src``
  (no git state is changed). Without it only the ``after`` column is printed.

The diagnostics tables of both columns are compared value by value (the largest relative
difference is printed), so a speed-up that changed the science would show.

Usage::

    python benchmarks/run_overheads.py                       # trains the default run first
    python benchmarks/run_overheads.py --run /tmp/defrun --baseline-src /tmp/base/src
    python benchmarks/run_overheads.py --run /tmp/defrun --baseline-src /tmp/base/src \
        --steps-only --repeats 5 --run-wall 25.2     # the run's steps only, medians of 5

Run with ``OMP_NUM_THREADS=1`` on a quiet machine; timings on a shared machine are noisy, the
ratios less so. Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import json, shutil, sys, time
t0 = time.perf_counter()
import torch  # the run has it imported before its analyses
import infoplane.estimators  # and its estimators (the diagnostics count states with binning's grid)
from pathlib import Path
import numpy as np
out = {}
run, work = Path(sys.argv[1]), Path(sys.argv[2])
from infoplane.run.config import read_config_file, validate_config
from infoplane.run.engine import RunResult
from infoplane.run.setup import load_dataset
from infoplane.storage import read_table
from infoplane.storage.activations import ActivationStore
from infoplane.storage.layout import RunLayout
out["imports"] = time.perf_counter() - t0
# a copy of the run's small files, the activations linked: the steps write into it
for p in run.iterdir():
    if p.name == "activations.zarr":
        (work / p.name).symlink_to(p.resolve())
    elif p.is_file():
        shutil.copy2(p, work / p.name)
lay = RunLayout(work)
from infoplane.run.config import RunConfig


def known(data, model):
    # drop settings an older version does not have (e.g. a field added since)
    fields = getattr(model, "model_fields", None)
    if not isinstance(data, dict) or fields is None:
        return data
    out = {}
    for k, v in data.items():
        if k in fields:
            sub = fields[k].annotation
            out[k] = known(v, sub) if isinstance(sub, type) else v
    return out


cfg = validate_config(known(read_config_file(lay.config), RunConfig))
ds = load_dataset(cfg)
store = ActivationStore.open(lay.store)
store.read(store.layers[0], store.completed_epochs[:1])  # the run has read its store (zarr warm)
from infoplane.analysis.diagnostics import binning_grid_from_config, diagnostics_from_store
t = time.perf_counter()
diag = diagnostics_from_store(store, activation=cfg.model.activation,
                              grid=binning_grid_from_config(cfg),
                              max_bytes=int(cfg.storage.chunk_mb * 2**20))
out["diagnostics"] = time.perf_counter() - t
diag.to_parquet(work / "bench_diagnostics.parquet")
res = RunResult(work, read_table(lay.plane), read_table(lay.history),
                read_table(lay.gradients), {}, lay.store)
from infoplane.run.figures import write_run_figures
t = time.perf_counter()
write_run_figures(res, cfg, ds)
out["figures"] = time.perf_counter() - t
from infoplane.report.gif import write_plane_gif
t = time.perf_counter()
write_plane_gif(res.plane, work / "bench.gif", ixy=1.0)
out["gif"] = time.perf_counter() - t
print("JSON" + json.dumps(out))
"""


def _child(run: Path, src: Path | None, code: str, args: list[str]) -> dict[str, float]:
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))
    if src is not None:
        env["PYTHONPATH"] = str(src)
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"child failed ({src or 'installed'}):\n{proc.stderr[-3000:]}")
    line = [x for x in proc.stdout.splitlines() if x.startswith("JSON")][-1]
    return json.loads(line[4:])


def _timed_cli(src: Path | None, args: list[str]) -> float:
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))
    if src is not None:
        env["PYTHONPATH"] = str(src)
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "infoplane", *args], env=env, check=True, capture_output=True
    )
    return time.perf_counter() - t


def _measure(run: Path, src: Path | None, steps_only: bool = False) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="infoplane-overheads-") as tmp:
        work = Path(tmp) / "steps"
        work.mkdir()
        times = _child(run, src, CHILD, [str(run), str(work)])
        import pandas as pd

        if steps_only:
            times["_diag"] = pd.read_parquet(work / "bench_diagnostics.parquet")  # type: ignore[assignment]
            return times
        rep = Path(tmp) / "report"
        rep.mkdir()
        for p in run.iterdir():
            if p.name == "activations.zarr":
                (rep / p.name).symlink_to(p.resolve())
            elif p.is_file():
                shutil.copy2(p, rep / p.name)
        times["report (CLI, wall)"] = _timed_cli(src, ["report", str(rep)])
        times["report --no-sensitivity"] = _timed_cli(src, ["report", str(rep), "--no-sensitivity"])
        times["`run --help` (start-up)"] = _timed_cli(src, ["run", "--help"])
        times["_diag"] = pd.read_parquet(work / "bench_diagnostics.parquet")  # type: ignore[assignment]
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--run", type=Path, help="a finished default run (default: train one)")
    ap.add_argument("--baseline-src", type=Path, help="src folder of the version to compare with")
    ap.add_argument(
        "--repeats", type=int, default=1,
        help="measure each tree this many times, alternating which goes first; medians printed",
    )  # fmt: skip
    ap.add_argument(
        "--steps-only", action="store_true",
        help="only the run's own steps (diagnostics, figures, GIF): no report or start-up",
    )  # fmt: skip
    ap.add_argument(
        "--run-wall", type=float,
        help="wall seconds of the default run (e.g. from `infoplane run -q`), for the share",
    )  # fmt: skip
    args = ap.parse_args()
    run_wall = None
    tmp = None
    if args.run is None:
        tmp = tempfile.mkdtemp(prefix="infoplane-overheads-run-")
        args.run = Path(tmp) / "run"
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "infoplane", "run", "-q", "--out", str(args.run)], check=True
        )
        run_wall = time.perf_counter() - t
    afters: list[dict[str, float]] = []
    befores: list[dict[str, float]] = []
    try:
        for i in range(max(1, args.repeats)):
            # alternate the order: a machine whose load drifts favours neither tree
            order = [None, args.baseline_src] if i % 2 == 0 else [args.baseline_src, None]
            for src in order:
                if src is None:
                    afters.append(_measure(args.run, None, args.steps_only))
                elif args.baseline_src is not None:
                    befores.append(_measure(args.run, src, args.steps_only))
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    import numpy as np

    def median(runs: list[dict[str, float]]) -> dict[str, float]:
        out: dict[str, float] = {}
        for k in runs[0]:
            out[k] = runs[0][k] if k.startswith("_") else float(np.median([r[k] for r in runs]))
        return out

    after = median(afters)
    before = median(befores) if befores else None
    run_wall = run_wall or args.run_wall

    steps = [k for k in after if not k.startswith("_")]
    print(f"\nrun: {args.run}" + (f"  (default run wall {run_wall:.1f} s)" if run_wall else ""))
    print(f"median of {len(afters)} measurement(s) per tree, in fresh child processes")
    print(f"{'step':<28} {'before [s]':>11} {'after [s]':>10} {'before/after':>13}")
    for k in steps:
        b = f"{before[k]:11.2f}" if before else f"{'-':>11}"
        r = f"{before[k] / after[k]:13.2f}" if before else f"{'-':>13}"
        print(f"{k:<28} {b} {after[k]:10.2f} {r}")
    if before:
        a, b = after["_diag"], before["_diag"]
        worst = 0.0
        for col in a.columns:
            if a[col].dtype.kind in "fi":
                x, y = a[col].to_numpy(float), b[col].to_numpy(float)
                both = np.isfinite(x) & np.isfinite(y)
                assert np.array_equal(np.isnan(x), np.isnan(y)), col
                rel = np.abs(x - y)[both] / np.maximum(np.abs(y[both]), 1e-300)
                worst = max(worst, float(rel.max()) if rel.size else 0.0)
        print(f"diagnostics table, before vs after: largest relative difference {worst:.1e}")
    share = after["diagnostics"] + after["figures"]
    if run_wall:
        print(f"diagnostics + figures = {share:.2f} s = {100 * share / run_wall:.1f}% of the run")
        if before:
            old = before["diagnostics"] + before["figures"]
            print(f"  (before: {old:.2f} s = {100 * old / run_wall:.1f}% of the same wall)")


if __name__ == "__main__":
    main()
