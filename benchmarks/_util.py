"""Helpers shared by the benchmark scripts (run them as ``python benchmarks/NAME.py``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import torch


def dense_peak_gflops(size: int = 1024, repeats: int = 8) -> float:
    """Best CPU-time rate of a (size x size) float32 matmul on one thread, in GFLOP/s."""
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b
    best = float("inf")
    for _ in range(repeats):
        c0 = time.process_time()
        a @ b
        best = min(best, time.process_time() - c0)
    torch.set_num_threads(old)
    return 2.0 * size**3 / best / 1e9


def run_child(script: str, spec: dict) -> dict:
    """Run ``script --child JSON`` in a fresh one-thread process (its own peak RSS); its last
    stdout line is the JSON result."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    out = subprocess.run(
        [sys.executable, script, "--child", json.dumps(spec)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"child failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])
