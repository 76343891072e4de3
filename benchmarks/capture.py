"""Capture overhead, peak memory with and without the activation store, offline estimation speed.

Usage::

    python benchmarks/capture.py            # 200 epochs (a few minutes on 2 CPU cores)
    python benchmarks/capture.py --quick    # 20 epochs

No MNIST files are needed (none are downloaded): the data are synthetic and shaped like MNIST
(784 inputs, 10 classes; ``--n-train`` training rows, ``--n-eval`` evaluated rows) and the network
is the 784-1024-20-20-20-10 ReLU MLP of Saxe et al. (2018), trained with SGD (lr 0.001, batch 128)
in a plain PyTorch loop, captured with :class:`infoplane.run.Recorder` at every epoch.

Three tables:

1. per epoch: training alone, the capture forward pass with hooks, and the store write (ms);
2. peak resident memory of the whole run (each variant in its own process) with the store
   (activations streamed to zarr, estimation in chunks) against keeping every captured epoch in
   memory (the approach the pipeline had before the store);
3. offline estimation throughput from the store (binning, 30 bins on the data range).
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def make_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """MNIST-shaped synthetic data: 10 class prototypes in [0, 1]^784 plus noise."""
    rng = np.random.default_rng(seed)
    protos = rng.random((10, 784)) < 0.2
    y = rng.integers(0, 10, n)
    x = np.clip(protos[y] * 0.8 + rng.normal(0, 0.25, (n, 784)), 0, 1).astype(np.float32)
    return x, y


def make_model():
    import torch
    from torch import nn

    torch.manual_seed(0)
    widths = [784, 1024, 20, 20, 20]
    mods: list = []
    for a, b in itertools.pairwise(widths):
        mods += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*mods, nn.Linear(20, 10))


def train_epoch(model, opt, x, y, rng, batch: int = 128) -> None:
    import torch
    from torch import nn

    perm = torch.as_tensor(rng.permutation(len(x)))
    for i in range(0, len(x), batch):
        idx = perm[i : i + batch]
        opt.zero_grad()
        nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
        opt.step()


def variant(mode: str, epochs: int, n_train: int, n_eval: int, folder: str) -> dict:
    """Run one variant in this process and return its timings and peak memory."""
    import torch
    from torch import nn

    from infoplane.run import Recorder

    torch.set_num_threads(1)
    x, y = (torch.as_tensor(a) for a in make_data(n_train))
    xe, ye = make_data(n_eval, seed=1)
    model = make_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.001)
    rng = np.random.default_rng(0)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out: dict = {"mode": mode, "rss_start_mb": base}
    t_train = t_cap = 0.0
    if mode == "train":
        for _ in range(epochs):
            t0 = time.perf_counter()
            train_epoch(model, opt, x, y, rng)
            t_train += time.perf_counter() - t0
        out["train_ms"] = 1e3 * t_train / epochs
        return out
    store = None if mode == "memory" else Path(folder) / "activations.zarr"
    rec = Recorder(model, xe, ye, layers=nn.ReLU, store=store, chunk_mb=64)
    for epoch in range(epochs):
        t0 = time.perf_counter()
        train_epoch(model, opt, x, y, rng)
        t1 = time.perf_counter()
        rec.capture(epoch)
        t_train += t1 - t0
        t_cap += time.perf_counter() - t1
    t0 = time.perf_counter()
    table = rec.estimate("binning", n_bins=30, range="data")
    out.update(
        train_ms=1e3 * t_train / epochs,
        capture_ms=1e3 * t_cap / epochs,
        estimate_s=time.perf_counter() - t0,
        rows=len(table),
        rss_peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )
    per_epoch_values = n_eval * (1024 + 20 * 3) * 4 / 2**20
    out["captured_mb"] = per_epoch_values * epochs
    return out


def child(mode: str, args: argparse.Namespace, folder: str) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--child",
        mode,
        "--epochs",
        str(args.epochs),
        "--n-train",
        str(args.n_train),
        "--n-eval",
        str(args.n_eval),
        "--folder",
        folder,
    ]
    res = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def offline_throughput(folder: str) -> list[tuple[str, float, float]]:
    """Estimate every layer of the store written by the ``store`` variant; MB/s and epochs/s."""
    from infoplane.run.estimation import estimate_layer_from_store
    from infoplane.storage.activations import ActivationStore

    store = ActivationStore.open(Path(folder) / "activations.zarr")
    rows = []
    for layer in store.layers:
        t0 = time.perf_counter()
        eps, _, _, _ = estimate_layer_from_store(
            store, layer, "binning", {"n_bins": 30, "range": "data"}, max_bytes=64 * 2**20
        )
        dt = time.perf_counter() - t0
        mb = len(eps) * store.n_samples * store.n_units[layer] * 4 / 2**20
        rows.append((f"{layer} ({store.n_units[layer]} units)", mb / dt, len(eps) / dt))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=200)
    ap.add_argument("--n-train", type=int, default=2000)
    ap.add_argument("--n-eval", type=int, default=500)
    ap.add_argument("--quick", action="store_true", help="20 epochs")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--folder", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.quick:
        args.epochs = 20
    if args.child:
        print(json.dumps(variant(args.child, args.epochs, args.n_train, args.n_eval, args.folder)))
        return
    with tempfile.TemporaryDirectory() as folder:
        res = {m: child(m, args, folder) for m in ("train", "memory", "store")}
        print(
            f"MNIST-like MLP 784-1024-20-20-20-10 ReLU, {args.n_train} training rows, "
            f"{args.n_eval} "
            f"captured rows, {args.epochs} epochs, capture every epoch, 1 torch thread"
        )
        print(f"activations captured: {res['store']['captured_mb']:.0f} MB over the run\n")
        print("| per epoch (ms) | train | capture (forward + hooks + keep) |")
        print("|---|---|---|")
        print(f"| no hooks | {res['train']['train_ms']:.1f} | - |")
        for m in ("memory", "store"):
            r = res[m]
            print(
                f"| {m} | {r['train_ms']:.1f} | {r['capture_ms']:.1f} "
                f"({100 * r['capture_ms'] / res['train']['train_ms']:.0f}% of training) |"
            )
        print("\n| variant | peak RSS (MB) | RSS after imports (MB) | estimation (s) |")
        print("|---|---|---|---|")
        for m in ("memory", "store"):
            r = res[m]
            print(
                f"| {m} | {r['rss_peak_mb']:.0f} | {r['rss_start_mb']:.0f} | "
                f"{r['estimate_s']:.1f} |"
            )
        print("\n| offline estimation from the store, per layer | MB/s | epochs/s |")
        print("|---|---|---|")
        for name, mbs, eps in offline_throughput(folder):
            print(f"| {name} | {mbs:.0f} | {eps:.1f} |")


if __name__ == "__main__":
    main()
