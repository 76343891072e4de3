"""Streaming estimation at the scale of real models (issue 16): a CNN with >= 10,000 units in a layer.

Usage::

    python benchmarks/streaming.py            # full scale (10,000 inputs, 16,384-unit layer)
    python benchmarks/streaming.py --quick    # 2,000 inputs, fewer epochs (a smoke test)

The network (``wide_cnn`` below, a ``--model-factory``-style factory) is conv 3x3 (1 -> 16
channels, padding 1) + ReLU on 32x32 synthetic images: **16,384 units** in the first captured
layer; then 2x2 max-pool (4,096 units), a dense ReLU layer of 32 units and the 10-class output.
The data are synthetic (class prototypes plus noise): 10,000 training rows, all evaluated, and
16 test rows (the loop evaluates its test rows in one pass each epoch); training is one cheap
epoch between captures, the point is capture + estimation. Every run goes through
``infoplane.run.run_experiment`` in its own child process, which reports its peak RSS
(``resource.getrusage``) and the time spent in the estimators' streams (per (layer, epoch)).

Tables:

1. per estimator, online (``storage.online: true, activations: none``) and stored (activations
   written to zarr, estimated from the store by the same streams): ms per (layer, epoch) and the
   run's peak RSS; the non-binning estimators use a seeded subsample of ``--subsample`` rows;
2. online peak RSS as the number of captured epochs grows 10x (binning on every row; flat when
   nothing is kept per epoch). ``training.history: running`` (no full-data evaluation pass).

All numbers come from this machine in this run; ratios are what to compare.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _util import run_child as _run_child

HERE = Path(__file__).resolve().parent


def wide_cnn(seed: int, in_shape: tuple[int, ...], n_classes: int, channels: int = 16) -> object:
    """conv3x3(1->channels) + ReLU (channels x 32 x 32 units) -> pool -> dense 32 -> classes."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    c, h, w = in_shape
    return nn.Sequential(
        nn.Conv2d(c, channels, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(channels * (h // 2) * (w // 2), 32),
        nn.ReLU(),
        nn.Linear(32, n_classes),
    )


def make_data(path: Path, n: int, seed: int = 0, n_test: int = 16) -> None:
    """Synthetic 1x32x32 images of 10 classes (prototype + noise): ``n`` training rows (the
    evaluated ones, ``mi_on: train``) and ``n_test`` test rows, saved as x/y_train, x/y_test."""
    rng = np.random.default_rng(seed)
    protos = rng.random((10, 1, 32, 32)).astype(np.float32)
    y = rng.integers(0, 10, n + n_test)
    x = (protos[y] + 0.5 * rng.standard_normal((n + n_test, 1, 32, 32))).astype(np.float32)
    np.savez(path, x_train=x[:n], y_train=y[:n], x_test=x[n:], y_test=y[n:])


def _child(spec: dict) -> dict:
    """Run one configuration; return its timings, stream time per estimator and peak RSS."""
    import torch

    torch.set_num_threads(1)
    from infoplane.run import streaming
    from infoplane.run.config import load_config
    from infoplane.run.engine import run_experiment

    spent: dict[str, float] = {}

    def timed(method):
        def wrapper(self, *a, **k):
            t0 = time.perf_counter()
            try:
                return method(self, *a, **k)
            finally:
                key = self.config.name
                spent[key] = spent.get(key, 0.0) + time.perf_counter() - t0

        return wrapper

    streaming.LayerStream.add = timed(streaming.LayerStream.add)
    streaming.LayerStream.finish = timed(streaming.LayerStream.finish)
    sys.path.insert(0, str(HERE))
    cfg = load_config("default", overrides=spec["config"])
    t0 = time.perf_counter()
    res = run_experiment(cfg, spec["out"], progress=False, make_figures=False)
    wall = time.perf_counter() - t0
    store = Path(spec["out"]) / "activations.zarr"
    disk = sum(f.stat().st_size for f in store.rglob("*") if f.is_file()) if store.exists() else 0
    return {
        "wall_s": wall,
        "seconds": res.seconds,
        "spent": spent,
        "n_epochs": int(res.plane["epoch"].nunique()),
        "n_layers": int(res.plane["layer"].nunique()),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "disk_mib": disk / 2**20,
        "plane": res.plane[["estimator", "layer", "epoch", "i_xt", "i_ty"]].to_dict("list"),
    }


def run_child(spec: dict) -> dict:
    """Run :func:`_child` in a fresh process (its own peak RSS)."""
    return _run_child(__file__, spec)


def config(data: Path, epochs: int, estimators: list, online: bool, subsample: int) -> dict:
    return {
        "name": "streaming-bench",
        "repeats": 1,
        "data": {"task": "npz", "path": str(data), "mi_on": "train"},
        "model": {"arch": "factory", "factory": "streaming:wide_cnn"},
        "training": {"epochs": epochs, "batch_size": 128, "lr": 0.001, "history": "running"},
        "capture": {
            "n_points": 4 * epochs + 4,  # every epoch captured: epochs + 1 captures
            "layers": ["1", "2", "5", "6"],
            "include_output": True,
            "batch_size": 1000,
        },
        "estimators": estimators,
        "analysis": {"diagnostics": False, "gradient_stats": False},
        "storage": {
            "online": online,
            "activations": "none" if online else "zarr",
            "subsample": subsample,
            "checkpoint_every": 10**6,
        },
    }


ESTIMATORS = {
    "binning": {"name": "binning", "params": {"bin_width": 0.5, "n_bins": None}},
    "binning (range: data)": {"name": "binning", "params": {"n_bins": 30, "range": "data"}},
    "kde_upper": {"name": "kde_upper", "params": {"n_eval": 256}},
    "renyi": {"name": "renyi", "params": {"n_samples_max": 256}},
    "ksg": {"name": "ksg", "params": {"n_eval": 64, "n_noise_draws": 2}},
    "infonce": {"name": "infonce", "params": {"n_steps": 50}},
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--quick", action="store_true", help="2,000 inputs, fewer epochs")
    ap.add_argument("--n-eval", type=int, default=10_000)
    ap.add_argument("--subsample", type=int, default=500)
    ap.add_argument("--epochs-small", type=int, default=5, help="captured epochs - 1, base")
    ap.add_argument("--estimator-epochs", type=int, default=2, help="epochs for table 1")
    ap.add_argument("--skip", default="", help="comma-separated estimators to leave out")
    ap.add_argument("--section", type=int, default=0, help="1 or 2 (default: both)")
    args = ap.parse_args()
    if args.child:
        print(json.dumps(_child(json.loads(args.child))))
        return
    n = 2000 if args.quick else args.n_eval
    small = 2 if args.quick else args.epochs_small
    big = 10 * (small + 1) - 1  # captured epochs (= epochs + 1) grow exactly 10x
    tmp = Path(tempfile.mkdtemp(prefix="infoplane-streaming-"))
    data = tmp / "data.npz"
    make_data(data, n)
    print(
        f"wide CNN: conv 16x32x32 = 16,384 units, pool 4,096, dense 32, out 10; {n} evaluated "
        f"inputs; non-binning estimators on a seeded subsample of {args.subsample} rows; "
        "1 torch thread per process"
    )
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}

    try:
        if args.section in (0, 1):
            table_one(args, data, tmp, skip)
        if args.section in (0, 2):
            table_two(args, data, tmp, n, small, big)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # the stored runs are GiBs


def table_one(args: argparse.Namespace, data: Path, tmp: Path, skip: set) -> None:
    """Table 1: each estimator, online and stored."""
    print(f"\n1. ms per (layer, epoch) and peak RSS, {args.estimator_epochs + 1} captured epochs")
    print(
        f"{'estimator':<24}{'mode':<8}{'ms/(layer,epoch)':>18}{'peak RSS MiB':>14}{'disk MiB':>10}"
    )
    rows = []
    for label, est in ESTIMATORS.items():
        if label in skip:
            continue
        for online in (True, False):
            spec = {
                "config": config(data, args.estimator_epochs, [est], online, args.subsample),
                "out": str(tmp / f"{label.replace(' ', '_')}-{online}"),
            }
            r = run_child(spec)
            per = 1000 * r["spent"].get(est["name"], 0.0) / (r["n_layers"] * r["n_epochs"])
            mode = "online" if online else "stored"
            rows.append((label, mode, r))
            print(
                f"{label:<24}{mode:<8}{per:>18.1f}{r['peak_rss_mib']:>14.0f}{r['disk_mib']:>10.0f}",
                flush=True,
            )
        on, st = rows[-2][2]["plane"], rows[-1][2]["plane"]
        if label != "binning (range: data)":  # online: first-epoch range; stored: whole run
            same = on["i_xt"] == st["i_xt"] and on["i_ty"] == st["i_ty"]
            print(f"{'':<24}online == stored: {same}")


def table_two(
    args: argparse.Namespace, data: Path, tmp: Path, n: int, small: int, big: int
) -> None:
    """Table 2: online peak RSS as the captured epochs grow 10x."""
    print(f"\n2. online peak RSS as captured epochs grow 10x (binning, {n} inputs)")
    print(f"{'captured epochs':>16}{'peak RSS MiB':>14}{'wall s':>9}{'stream s':>10}")
    ests = [ESTIMATORS["binning"]]
    peaks = []
    for e in (small, big):
        spec = {"config": config(data, e, ests, True, args.subsample), "out": str(tmp / f"m{e}")}
        r = run_child(spec)
        peaks.append(r["peak_rss_mib"])
        print(
            f"{r['n_epochs']:>16}{r['peak_rss_mib']:>14.0f}{r['wall_s']:>9.1f}"
            f"{sum(r['spent'].values()):>10.1f}",
            flush=True,
        )
    print(f"ratio of peak RSS, {big + 1} vs {small + 1} captured epochs: {peaks[1] / peaks[0]:.3f}")
    print(f"(one epoch of the 16,384-unit layer alone: {n * 16384 * 4 / 2**20:.0f} MiB of float32)")


if __name__ == "__main__":
    main()
