"""Time the ``tishby2017`` preset: 50 networks x 8000 epochs, binning MI and gradient statistics.

Shwartz-Ziv & Tishby (2017), arXiv 1703.00810, average the information plane over 50 networks
trained for 8000 epochs, with activations of all 4096 inputs captured at ~275 log-spaced epochs.
infoplane trains the 50 networks as one batched ensemble; this script reports the wall time, the
CPU time, the peak memory, and the ratio to training the networks one after another.

Usage::

    python benchmarks/tishby2017.py                       # full scale
    python benchmarks/tishby2017.py --epochs 400          # quick: extrapolated to 8000 epochs
    python benchmarks/tishby2017.py --mode store --epochs 300

Modes (all train the 50 networks as one ensemble with gradient statistics at the capture epochs):

- ``online`` (default): :func:`infoplane.run.engine.run_experiment` with ``storage.online`` (each
  captured epoch is estimated at once; no activation store) -- the lightest full run.
- ``store``: :func:`infoplane.run.engine.run_experiment` as configured by the preset: activations go
  to the zarr store as captured (float32: n_captured x R x 4096 x 31 x 4 bytes, about 7 GB on
  disk at full scale) and are estimated afterwards in chunks.
- ``bare``: ``train_ensemble`` with the binning estimate inside the capture callback and no run
  directory -- the cost of the computation alone, without the pipeline's I/O.

Sequential reference: ``--sequential K`` times K single networks (R = 1, same epochs, same
pipeline) and extrapolates linearly to R networks (said so in the output). Reduced runs
(``--epochs`` < 8000) are extrapolated linearly in epochs for training and in the number of
captured epochs for estimation; every extrapolated number is labelled.

Peak memory is the process's maximum resident set size (``ru_maxrss``), baseline included; the
batched run is measured before the sequential ones.
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

from infoplane.run.config import load_config
from infoplane.training.schedule import log_spaced_epochs

FULL_EPOCHS = 8000
FULL_REPEATS = 50


def cpu_seconds() -> float:
    """User + system CPU time of this process so far (all threads), in seconds."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def peak_rss_mb() -> float:
    """Maximum resident set size of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def bare_run(config, progress: bool) -> dict[str, float]:
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
    settings = TrainSettings(**config.training.model_dump())
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


def pipeline_run(config, out: Path) -> dict[str, float]:
    """Run :func:`infoplane.run.engine.run_experiment` (no figures); return its timings (s).

    The capture callback is timed (by wrapping ``infoplane.training.train_ensemble`` for this
    call), so that capture and online estimation are counted as estimation, not training.
    """
    import infoplane.training as training
    from infoplane.run.engine import run_experiment

    original = training.train_ensemble
    spent = [0.0]

    def timed_train(*args, capture_fn=None, **kwargs):
        def timed_capture(epoch, model):
            t0 = time.perf_counter()
            capture_fn(epoch, model)
            spent[0] += time.perf_counter() - t0

        return original(*args, capture_fn=timed_capture if capture_fn else None, **kwargs)

    training.train_ensemble = timed_train
    try:
        t0 = time.perf_counter()
        result = run_experiment(config, out, overwrite=True, progress=False, make_figures=False)
        total = time.perf_counter() - t0
    finally:
        training.train_ensemble = original
    n_capt = len(log_spaced_epochs(config.training.epochs, config.capture.n_points))
    train = float(result.seconds.get("training", total)) - spent[0]
    return {
        "total": total,
        "training": train,
        "estimation": total - train,
        "n_captured": float(n_capt),
    }


def extrapolate(t: dict[str, float], epochs: int, n_points: int) -> float:
    """Full-scale (8000 epochs, IDNNs capture grid) time from a reduced run's parts."""
    full_capt = len(log_spaced_epochs(FULL_EPOCHS, n_points))
    return t["training"] * FULL_EPOCHS / epochs + t["estimation"] * full_capt / t["n_captured"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=FULL_EPOCHS)
    parser.add_argument("--repeats", type=int, default=FULL_REPEATS)
    parser.add_argument("--n-points", type=int, default=400, help="capture grid (IDNNs: 400)")
    parser.add_argument("--mode", choices=("online", "store", "bare"), default="online")
    parser.add_argument("--sequential", type=int, default=2, help="single networks to time")
    parser.add_argument("--threads", type=int, default=1, help="torch threads while training")
    parser.add_argument("--out", type=Path, default=None, help="run directory (online, store)")
    parser.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    parser.add_argument("--progress", action="store_true")
    args = parser.parse_args()

    over: dict[str, object] = {
        "repeats": args.repeats,
        "training": {"epochs": args.epochs, "device": "cpu", "threads": args.threads},
        "capture": {"n_points": args.n_points},
        "analysis": {"gradient_stats": True, "ib_bound": False, "layer_check": False},
    }
    if args.mode == "online":
        over["storage"] = {"online": True, "activations": "none"}
    config = load_config("tishby2017", overrides=over)
    tmp = Path(tempfile.mkdtemp(prefix="infoplane-bench-"))
    out = args.out or tmp / "batched"

    def run(cfg, where: Path) -> dict[str, float]:
        c0 = cpu_seconds()
        if args.mode == "bare":
            t = bare_run(cfg, args.progress)
        else:
            t = pipeline_run(cfg, where)
        t["cpu"] = cpu_seconds() - c0
        return t

    batched = run(config, out)
    peak = peak_rss_mb()
    seq = []
    for k in range(args.sequential):
        single = load_config("tishby2017", overrides={**over, "repeats": 1, "seed": k})
        seq.append(run(single, tmp / f"single{k}"))
    reduced = args.epochs < FULL_EPOCHS
    report: dict[str, object] = {
        "mode": args.mode,
        "epochs": args.epochs,
        "repeats": args.repeats,
        "n_captured": int(batched["n_captured"]),
        "batched_seconds": round(batched["total"], 2),
        "batched_training_seconds": round(batched["training"], 2),
        "batched_estimation_seconds": round(batched["estimation"], 2),
        "batched_cpu_seconds": round(batched["cpu"], 2),
        "peak_rss_mib": round(peak, 1),
        "cpu_count": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "torch_threads": args.threads,
    }
    if seq:
        mean_single = float(np.mean([s["total"] for s in seq]))
        report["single_network_seconds"] = round(mean_single, 2)
        report["single_network_cpu_seconds"] = round(float(np.mean([s["cpu"] for s in seq])), 2)
        report["sequential_seconds_extrapolated"] = round(mean_single * args.repeats, 1)
        report["speedup_vs_sequential"] = round(mean_single * args.repeats / batched["total"], 1)
        report["sequential_note"] = (
            f"{len(seq)} single network(s) timed, x{args.repeats} extrapolated linearly"
        )
    if reduced:
        full = extrapolate(batched, args.epochs, args.n_points)
        report["full_scale_seconds_extrapolated"] = round(full, 1)
        cpu_share = batched["cpu"] / batched["total"]
        report["full_scale_cpu_seconds_extrapolated"] = round(full * cpu_share, 1)
        if seq:
            singles = [extrapolate(s, args.epochs, args.n_points) for s in seq]
            report["full_scale_speedup_vs_sequential_extrapolated"] = round(
                float(np.mean(singles)) * args.repeats / full, 1
            )
        report["full_scale_note"] = (
            f"extrapolated from {args.epochs} epochs: training x{FULL_EPOCHS / args.epochs:g}, "
            "estimation x (captured epochs at 8000 / captured here)"
        )
        if args.repeats != FULL_REPEATS:
            report["full_scale_note"] += f"; at R={args.repeats}, not {FULL_REPEATS}"
    for key, value in report.items():
        print(f"{key:>34}: {value}")
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
