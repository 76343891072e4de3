"""Time the ``tishby2017`` preset: 50 networks x 8000 epochs, binning MI and gradient statistics.

Shwartz-Ziv & Tishby (2017), arXiv 1703.00810, average the information plane over 50 networks
trained for 8000 epochs, with activations of all 4096 inputs captured at ~275 log-spaced epochs.
infoplane trains the 50 networks as one batched ensemble with a hand-written stacked step
(``TrainSettings(fast=True)``, :mod:`infoplane.training._stacked_step`). This script prints one
table: the new path (at ``--epochs``) and, in the same run, the old autograd path
(``fast=False``) at ``--old-epochs`` (extrapolated to 8000 epochs, labelled), each with wall,
training and estimation seconds, CPU seconds, the full-scale wall time, the peak memory of the new
run, and the ratio of the training time to a compute limit (the training's matmul FLOPs at the
rate of one large float32 matmul on one thread, measured in the same run).

Usage::

    python benchmarks/tishby2017.py                       # full scale (+ old path at 100 epochs)
    python benchmarks/tishby2017.py --epochs 400          # quick: extrapolated to 8000 epochs
    python benchmarks/tishby2017.py --mode store --epochs 300 --old-epochs 0

Modes (all train the 50 networks as one ensemble with gradient statistics at the capture epochs):

- ``online`` (default): :func:`infoplane.run.engine.run_experiment` with ``storage.online`` (each
  captured epoch is estimated at once; no activation store) -- the lightest full run.
- ``store``: :func:`infoplane.run.engine.run_experiment` as configured by the preset: activations go
  to the zarr store as captured and are estimated afterwards in chunks.
- ``bare``: ``train_ensemble`` with the binning estimate inside the capture callback and no run
  directory -- the cost of the computation alone, without the pipeline's I/O.

``--sequential K`` also times K single networks (R = 1) and extrapolates linearly to R networks.
Reduced runs (``--epochs`` < 8000) are extrapolated linearly in epochs for training and in the
number of captured epochs for estimation; every extrapolated number is marked ``(x)``. On a shared
machine the CPU seconds are the steadier number (one training thread: CPU time = wall time on an
idle core). Peak memory is the process's maximum resident set size (``ru_maxrss``), measured
after the new run and before the old one.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from _util import dense_peak_gflops

from infoplane.run.config import load_config
from infoplane.training.schedule import log_spaced_epochs

FULL_EPOCHS = 8000
FULL_REPEATS = 50


def cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children so far, in seconds."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime + c.ru_utime + c.ru_stime


def peak_rss_mb() -> float:
    """Maximum resident set size of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def children_peak_rss_mb() -> float:
    """Largest maximum resident set size of a finished child process, in MiB."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0


def bare_run(config, progress: bool, fast: bool = True) -> dict[str, float]:
    """Train the ensemble, estimating binning MI at each capture epoch; return timings (s)."""
    from infoplane.estimators import make_estimator
    from infoplane.models.ensemble import EnsembleMLP
    from infoplane.run.setup import load_dataset
    from infoplane.training import TrainSettings, train_ensemble
    from infoplane.training.gradients import GradientStatistics

    ds = load_dataset(config)
    eval_idx = ds.evaluation_indices(config.data.mi_on)
    labels = ds.y[eval_idx]
    model = EnsembleMLP(
        config.seeds(),
        n_inputs=ds.x.shape[1],
        hidden=config.model.hidden,
        n_classes=ds.n_classes,
        activation=config.model.activation,
    )
    layers = model.layer_names(config.capture.include_output)
    epochs = log_spaced_epochs(config.training.epochs, config.capture.n_points)
    estimators = [make_estimator(e.name, **e.params) for e in config.estimators]
    x_eval = torch.as_tensor(ds.x[eval_idx])
    results: list[tuple[int, int, np.ndarray, np.ndarray]] = []
    est_seconds = [0.0]

    def capture(epoch: int, net) -> None:
        from infoplane.capture import run_and_capture

        t0 = time.perf_counter()
        acts = run_and_capture(net, x_eval, layers, sample_dims=2)
        for k, name in enumerate(layers, start=1):
            t = acts[name].numpy()  # (R, n, units)
            for est in estimators:
                i_xt, i_ty = est.information_plane(t, labels)
                results.append((epoch, k, np.asarray(i_xt), np.asarray(i_ty)))
        est_seconds[0] += time.perf_counter() - t0

    grads = GradientStatistics(model, epochs) if config.analysis.gradient_stats else None
    settings = TrainSettings(**{**config.training.model_dump(exclude={"processes"}), "fast": fast})
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm
    t0 = time.perf_counter()
    train_ensemble(
        model,
        ds.x,
        ds.y,
        ds.train_idx,
        ds.test_idx,
        settings,
        capture_epochs=epochs,
        capture_fn=capture,
        step_fn=grads.step_fn if grads else None,
        progress=bar,
    )
    total = time.perf_counter() - t0
    if grads is not None:
        grads.to_frame()
    return {
        "total": total,
        "estimation": est_seconds[0],
        "training": total - est_seconds[0],
        "n_captured": float(len(epochs)),
    }


def pipeline_run(config, out: Path, fast: bool = True) -> dict[str, float]:
    """Run :func:`infoplane.run.engine.run_experiment` (no figures); return its timings (s).

    ``infoplane.training.train_ensemble`` is wrapped for this call: the training loop and the
    capture callback inside it are timed (wall and CPU), so that capture and online estimation
    count as estimation, not training; the wrapper also sets ``TrainSettings.fast`` (the stacked
    step, or autograd: the old path).
    """
    import dataclasses

    import infoplane.training as training
    from infoplane.run.engine import run_experiment
    from infoplane.run.members import member_processes

    n_capt = len(log_spaced_epochs(config.training.epochs, config.capture.n_points))
    processes = member_processes(config, torch.device("cpu"))
    if processes > 1:  # members trained in spawned processes: the wrapper cannot reach them
        t0 = time.perf_counter()
        res = run_experiment(config, out, overwrite=True, progress=False, make_figures=False)
        total = time.perf_counter() - t0
        return {
            "total": total,
            # the largest group's capture + online estimation count as estimation
            "training": res.seconds["training"] - res.seconds["capture_in_training"],
            "estimation": total - res.seconds["training"] + res.seconds["capture_in_training"],
            "training_cpu": float("nan"),
            "n_captured": float(n_capt),
            "processes": float(processes),
        }

    original = training.train_ensemble
    loop = [0.0, 0.0]  # wall, cpu of the training loop (capture included)
    capt = [0.0, 0.0]  # wall, cpu of the capture callbacks

    def timed_train(*args, capture_fn=None, **kwargs):
        def timed_capture(epoch, model):
            t0, c0 = time.perf_counter(), cpu_seconds()
            capture_fn(epoch, model)
            capt[0] += time.perf_counter() - t0
            capt[1] += cpu_seconds() - c0

        args = list(args)
        args[5] = dataclasses.replace(args[5], fast=fast)
        t0, c0 = time.perf_counter(), cpu_seconds()
        try:
            return original(*args, capture_fn=timed_capture if capture_fn else None, **kwargs)
        finally:
            loop[0] += time.perf_counter() - t0
            loop[1] += cpu_seconds() - c0

    training.train_ensemble = timed_train
    try:
        t0, c0 = time.perf_counter(), cpu_seconds()
        run_experiment(config, out, overwrite=True, progress=False, make_figures=False)
        total, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    finally:
        training.train_ensemble = original
    return {
        "total": total,
        "training": loop[0] - capt[0],
        "estimation": total - (loop[0] - capt[0]),
        "training_cpu": loop[1] - capt[1],
        "cpu": cpu,
        "n_captured": float(n_capt),
        "processes": 1.0,
    }


def extrapolate(t: dict[str, float], epochs: int, n_points: int) -> float:
    """Full-scale (8000 epochs, IDNNs capture grid) time from a reduced run's parts."""
    full_capt = len(log_spaced_epochs(FULL_EPOCHS, n_points))
    return t["training"] * FULL_EPOCHS / epochs + t["estimation"] * full_capt / t["n_captured"]


def matmul_tflop(repeats: int, n_train: int, n_eval: int, epochs: int) -> float:
    """Matmul TFLOP of training: forward 263, weight gradients 263, input gradients 143
    multiply-adds per sample and member and step, plus the forward pass of the evaluated rows."""
    return 2.0 * repeats * epochs * (n_train * (263 + 263 + 143) + n_eval * 263) / 1e12


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=FULL_EPOCHS)
    parser.add_argument("--repeats", type=int, default=FULL_REPEATS)
    parser.add_argument("--n-points", type=int, default=400, help="capture grid (IDNNs: 400)")
    parser.add_argument("--mode", choices=("online", "store", "bare"), default="online")
    parser.add_argument(
        "--old-epochs",
        type=int,
        default=100,
        help="epochs of the old (autograd) path timed in the same run, extrapolated (0: skip)",
    )
    parser.add_argument("--sequential", type=int, default=0, help="single networks to time")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads while training")
    parser.add_argument(
        "--processes",
        default="auto",
        help="training.processes of the new path (auto: one per core, as the preset)",
    )
    parser.add_argument(
        "--one-epochs",
        type=int,
        default=400,
        help="epochs of the one-process stacked step timed in the same run, extrapolated "
        "(0: skip; only when the new path uses several processes)",
    )
    parser.add_argument("--out", type=Path, default=None, help="run directory (online, store)")
    parser.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    parser.add_argument("--progress", action="store_true")
    args = parser.parse_args()

    procs = args.processes if args.processes == "auto" else int(args.processes)

    def overrides(epochs: int, processes: int | str = 1) -> dict[str, object]:
        over: dict[str, object] = {
            "repeats": args.repeats,
            "training": {
                "epochs": epochs,
                "device": "cpu",
                "threads": args.threads,
                "processes": processes,
            },
            "capture": {"n_points": args.n_points},
            "analysis": {"gradient_stats": True, "ib_bound": False, "layer_check": False},
        }
        if args.mode == "online":
            over["storage"] = {"online": True, "activations": "none"}
        return over

    config = load_config("tishby2017", overrides=overrides(args.epochs, procs))
    tmp = Path(tempfile.mkdtemp(prefix="infoplane-bench-"))
    out = args.out or tmp / "batched"

    def run(cfg, where: Path, fast: bool = True) -> dict[str, float]:
        c0 = cpu_seconds()
        if args.mode == "bare":
            t = bare_run(cfg, args.progress, fast)
            t["training_cpu"] = float("nan")
            t["processes"] = 1.0
        else:
            t = pipeline_run(cfg, where, fast)
        t["cpu"] = cpu_seconds() - c0
        return t

    torch.optim.Adam([torch.zeros(1, requires_grad=True)])  # one-off import (torch._dynamo)
    load0 = os.getloadavg()[0]
    new = run(config, out)
    peak = max(peak_rss_mb(), children_peak_rss_mb())
    one = None
    if new["processes"] > 1 and args.one_epochs:
        one_cfg = load_config("tishby2017", overrides=overrides(args.one_epochs))
        one = run(one_cfg, tmp / "one")
    old = None
    if args.old_epochs:
        old_cfg = load_config("tishby2017", overrides=overrides(args.old_epochs))
        old = run(old_cfg, tmp / "old", fast=False)
    seq = []
    for k in range(args.sequential):
        single = load_config(
            "tishby2017", overrides={**overrides(args.epochs), "repeats": 1, "seed": k}
        )
        seq.append(run(single, tmp / f"single{k}"))

    from infoplane.run.setup import load_dataset

    ds = load_dataset(config)
    running = config.training.history == "running"
    n_eval = len(ds.test_idx) if running else len(ds.y)
    tflop = matmul_tflop(args.repeats, len(ds.train_idx), n_eval, FULL_EPOCHS)
    peak_gflops = dense_peak_gflops()
    limit = tflop * 1e3 / peak_gflops  # seconds of training matmuls at the dense peak, 1 thread
    reduced = args.epochs < FULL_EPOCHS
    scale = FULL_EPOCHS / args.epochs
    full_capt = len(log_spaced_epochs(FULL_EPOCHS, args.n_points))
    est_scale = full_capt / new["n_captured"]

    print(
        f"tishby2017, mode {args.mode}: {args.repeats} networks, {args.epochs} epochs "
        f"({int(new['n_captured'])} captured), binning + gradient statistics; "
        f"{os.cpu_count()} cores, load average {load0:.1f} at start, "
        f"{os.getloadavg()[0]:.1f} at end; training threads {args.threads}"
    )
    head = (
        f"{'path':>22} {'epochs':>6} {'wall s':>8} {'training':>9} {'estimation':>10} "
        f"{'cpu s':>8} {'train cpu':>9} {'full wall s':>11} {'full train cpu':>14}"
    )
    print(head)

    def row(label: str, t: dict[str, float], epochs: int, full_wall: str, full_cpu: str) -> None:
        print(
            f"{label:>22} {epochs:>6} {t['total']:8.1f} {t['training']:9.1f} "
            f"{t['estimation']:10.1f} {t['cpu']:8.1f} {t.get('training_cpu', np.nan):9.1f} "
            f"{full_wall:>11} {full_cpu:>14}"
        )

    k = int(new["processes"])
    label = f"stacked, {k} processes" if k > 1 else "stacked step (new)"
    if reduced:
        full_new = new["training"] * scale + new["estimation"] * est_scale
        row(
            label,
            new,
            args.epochs,
            f"~{full_new:.0f} (x)",
            "-" if np.isnan(new["training_cpu"]) else f"~{new['training_cpu'] * scale:.0f} (x)",
        )
    else:
        full_new = new["total"]
        cpu_text = "-" if np.isnan(new["training_cpu"]) else f"{new['training_cpu']:.0f}"
        row(label, new, args.epochs, f"{full_new:.0f}", cpu_text)
    base = new
    if one is not None:
        base = one
        one_full = one["training"] * FULL_EPOCHS / args.one_epochs + one["estimation"] * (
            full_capt / one["n_captured"]
        )
        row(
            "stacked, 1 process",
            one,
            args.one_epochs,
            f"~{one_full:.0f} (x)",
            f"~{one['training_cpu'] * FULL_EPOCHS / args.one_epochs:.0f} (x)",
        )
        print(f"speed-up of the full run, {k} processes vs 1 (wall): {one_full / full_new:.2f}x")
    if old is not None:
        o_scale = FULL_EPOCHS / args.old_epochs
        base_scale = full_capt / base["n_captured"]
        full_old = old["training"] * o_scale + base["estimation"] * base_scale
        row(
            "autograd (old)",
            old,
            args.old_epochs,
            f"~{full_old:.0f} (x)",
            f"~{old['training_cpu'] * o_scale:.0f} (x)",
        )
        base_cpu = base["training_cpu"] / (args.one_epochs if one is not None else args.epochs)
        print(
            f"speed-up of training (CPU s per epoch, old / stacked step): "
            f"{old['training_cpu'] / args.old_epochs / base_cpu:.1f}x; "
            f"of the full run (wall, extrapolated): {full_old / full_new:.1f}x"
        )
    base_epochs = args.one_epochs if one is not None else args.epochs
    train_cpu_full = base["training_cpu"] * FULL_EPOCHS / base_epochs
    if np.isnan(train_cpu_full):  # a split run alone: its training CPU is in its workers
        print(
            f"peak RSS (largest process): {peak:.0f} MiB; compute limit {limit:.0f} s on one "
            f"core, {limit / k:.0f} s on {k}; the full run's wall {full_new:.0f} s = "
            f"{full_new / (limit / k):.1f}x the {k}-core limit (--one-epochs N for the CPU "
            "per core)"
        )
    else:
        print(
            f"peak RSS (largest process): {peak:.0f} MiB; training matmuls {tflop:.2f} TFLOP at full "
            f"scale; dense float32 matmul peak {peak_gflops:.0f} GFLOP/s (1 thread) -> compute limit "
            f"{limit:.0f} s on one core, {limit / k:.0f} s on {k}; stacked-step training CPU "
            f"{train_cpu_full:.0f} s = {train_cpu_full / limit:.1f}x the limit "
            f"({tflop * 1e3 / train_cpu_full:.1f} GFLOP/s achieved per core); the full run's wall "
            f"{full_new:.0f} s = {full_new / (limit / k):.1f}x the {k}-core limit"
        )
    print(
        "(x) = extrapolated: training linearly in epochs, estimation in captured epochs (the old "
        "path's estimation is the one-process run's: the same code). 'training' excludes the "
        "capture callbacks (capture + online estimation), which count as estimation. In a run split "
        "over processes the estimation column is the slowest group's capture callbacks plus "
        "what follows training (the groups capture at the same time)."
    )
    report: dict[str, object] = {
        "mode": args.mode,
        "epochs": args.epochs,
        "repeats": args.repeats,
        "n_captured": int(new["n_captured"]),
        "new": new,
        "old": old,
        "old_epochs": args.old_epochs,
        "full_scale_wall_new": full_new,
        "peak_rss_mib": round(peak, 1),
        "compute_limit_s": limit,
        "dense_peak_gflops": peak_gflops,
        "load_average_start": load0,
        "torch_threads": args.threads,
    }
    if seq:
        mean_single = float(np.mean([s["total"] for s in seq]))
        print(
            f"single network: {mean_single:.1f} s; x{args.repeats} sequentially (extrapolated): "
            f"{mean_single * args.repeats:.0f} s = "
            f"{mean_single * args.repeats / new['total']:.1f}x "
            "the batched run"
        )
        report["single_network_seconds"] = mean_single
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
