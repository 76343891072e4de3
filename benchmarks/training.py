"""Training loop speed: the hand-written stacked step vs autograd, and the compute limit (issue 15).

Trains the networks of Shwartz-Ziv & Tishby (2017), arXiv 1703.00810 (12-10-7-5-4-3-2 tanh, Adam
4e-4, batch 512) on the 12-bit task as in the ``tishby2017`` preset (R = 50, 85% training rows,
history ``running``) and the ``default`` preset (R = 4, 80%, history ``exact``), with
``TrainSettings(fast=False)`` (autograd, the reference) and ``fast=True`` (the default), alternating
in the same process, best of ``--rounds``; optionally with gradient statistics on every epoch
(``--gradients``: the worst case; the presets record them only at the ~275 capture epochs).

It prints, per case, wall and CPU milliseconds per epoch, the speed-up, the full-scale training
time these imply (8000 or 2000 epochs), and the ratio to a compute limit: the matmul FLOPs of an
epoch (forward 263, weight gradients 263 and input gradients 143 multiply-adds per sample and
member, plus the forward pass of the evaluated rows) divided by the rate of one large float32
matmul on one thread measured in the same run (the machine's dense peak; no small-matrix kernel
reaches it; x limit uses CPU time). Machine load is printed: on a shared machine CPU time is the
steadier number.

Run: ``python benchmarks/training.py [--epochs 20] [--rounds 2] [--threads 1] [--gradients]``.
"""

from __future__ import annotations

import argparse
import itertools
import os
import time

import numpy as np
import torch
from _util import dense_peak_gflops

from infoplane.data import load_twelve_bit
from infoplane.models.ensemble import EnsembleMLP
from infoplane.training import GradientStatistics, TrainSettings, train_ensemble

WIDTHS = (12, 10, 7, 5, 4, 3, 2)
#: (name, members, training fraction, history, full-scale epochs)
CASES = (("tishby2017", 50, 0.85, "running", 8000), ("default", 4, 0.8, "exact", 2000))


def matmul_flops(n_members: int, n_train: int, n_eval: int) -> float:
    """Matmul FLOPs of one epoch: 2 x multiply-adds of forward, dW, dX, and the evaluated rows."""
    pairs = list(itertools.pairwise(WIDTHS))
    fwd = sum(i * o for i, o in pairs)
    dx = sum(i * o for i, o in pairs[1:])  # no gradient for the inputs
    return 2.0 * n_members * (n_train * (2 * fwd + dx) + n_eval * fwd)


def time_training(
    r: int, fraction: float, history: str, epochs: int, fast: bool, threads: int, grads: bool
) -> tuple[float, float]:
    """(wall, cpu) seconds to train ``r`` networks for ``epochs`` epochs."""
    ds = load_twelve_bit(train_fraction=fraction)
    model = EnsembleMLP(list(range(r)))
    stats = GradientStatistics(model, range(1, epochs + 1)) if grads else None
    settings = TrainSettings(
        epochs=epochs, device="cpu", history=history, fast=fast, threads=threads
    )
    wall, cpu = time.perf_counter(), time.process_time()
    train_ensemble(
        model,
        ds.x,
        ds.y,
        ds.train_idx,
        ds.test_idx,
        settings,
        step_fn=None if stats is None else stats.step_fn,
    )
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20, help="epochs per timing")
    parser.add_argument("--rounds", type=int, default=2, help="repetitions; the best is shown")
    parser.add_argument("--threads", type=int, default=1, help="torch threads while training")
    parser.add_argument("--gradients", action="store_true", help="gradient statistics each epoch")
    args = parser.parse_args()
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])  # one-off import (torch._dynamo)
    peak = dense_peak_gflops()
    print(
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; torch threads "
        f"{args.threads}; dense float32 matmul peak (1 thread, CPU time) {peak:.1f} GFLOP/s; "
        f"gradient statistics {'every epoch' if args.gradients else 'off'}"
    )
    head = (
        f"{'case':>11} {'path':>9} {'wall ms/ep':>10} {'cpu ms/ep':>9} {'speed-up':>8} "
        f"{'full s (cpu)':>12} {'GFLOP/s':>7} {'x limit':>7}"
    )
    print(head)
    for name, r, fraction, history, full in CASES:
        ds = load_twelve_bit(train_fraction=fraction)
        n_eval = len(ds.test_idx) if history == "running" else len(ds.y)
        flops = matmul_flops(r, len(ds.train_idx), n_eval)
        best = {}
        for fast in (False, True):  # warm-up
            time_training(r, fraction, history, 1, fast, args.threads, args.gradients)
        for _ in range(args.rounds):
            for fast in (False, True):
                wall, cpu = time_training(
                    r, fraction, history, args.epochs, fast, args.threads, args.gradients
                )
                old = best.get(fast, (np.inf, np.inf))
                best[fast] = (min(old[0], wall), min(old[1], cpu))
        limit = flops / (peak * 1e9)  # seconds per epoch at the dense peak
        for fast in (False, True):
            wall, cpu = (v / args.epochs for v in best[fast])
            speed = best[False][1] / best[fast][1]
            print(
                f"{name:>11} {'stacked' if fast else 'autograd':>9} {wall * 1e3:10.1f} "
                f"{cpu * 1e3:9.1f} {speed:7.1f}x {cpu * full:12.0f} {flops / cpu / 1e9:7.2f} "
                f"{cpu / limit:7.1f}"
            )
    print(
        "full s (cpu): CPU seconds per epoch x the preset's epochs (training alone; one thread's "
        "CPU time is the wall time on an idle core). x limit: time / (matmul FLOPs at the dense "
        "peak)."
    )


if __name__ == "__main__":
    main()
