"""Time the binning estimator against a plain ``numpy.unique(axis=0)`` route and print a table.

Usage::

    python benchmarks/binning.py [--repeats 5] [--batch 100]

Cases: one layer of 4096 x 10 activations (the widest layer of the 12-bit network on all inputs),
and a batch of ``--batch`` such layers (e.g. captured epochs), where infoplane encodes rows as integer
keys and counts them for the whole batch in one vectorised pass while the reference loops.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from infoplane.estimators import binning_information_plane


def reference(t: np.ndarray, y: np.ndarray, n_bins: int = 30) -> tuple[float, float]:
    """(I(X;T), I(T;Y)) in bits with np.digitize + np.unique(axis=0), as in the IDNNs code."""
    edges = np.linspace(-1, 1, n_bins + 1)
    codes = np.clip(np.digitize(t, edges) - 1, 0, n_bins - 1)

    def h(c: np.ndarray) -> float:
        _, counts = np.unique(c, axis=0, return_counts=True)
        p = counts / counts.sum()
        return float(-(p * np.log2(p)).sum())

    h_t = h(codes)
    h_t_y = sum((y == c).mean() * h(codes[y == c]) for c in np.unique(y))
    return h_t, h_t - h_t_y


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, size=4096)
    one = np.tanh(rng.normal(size=(4096, 10)) * 2).astype(np.float32)
    batch = np.tanh(rng.normal(size=(args.batch, 4096, 10)) * 2).astype(np.float32)

    ours = binning_information_plane(one, y)
    ref = reference(one, y)
    assert np.allclose(ours, ref), (ours, ref)
    rows = [
        (
            "4096 x 10, one layer",
            best_of(lambda: reference(one, y), args.repeats),
            best_of(lambda: binning_information_plane(one, y), args.repeats),
        ),
        (
            f"{args.batch} x 4096 x 10, batch",
            best_of(lambda: [reference(b, y) for b in batch], 1),
            best_of(lambda: binning_information_plane(batch, y), 1),
        ),
    ]
    print(f"{'case':<28} {'np.unique(axis=0) [ms]':>24} {'infoplane [ms]':>16} {'speed-up':>9}")
    for name, t_ref, t_ours in rows:
        print(f"{name:<28} {t_ref * 1e3:>24.1f} {t_ours * 1e3:>16.1f} {t_ref / t_ours:>8.1f}x")
    print(f"values agree: I(X;T) = {ours[0]:.4f} bits, I(T;Y) = {ours[1]:.4f} bits")


if __name__ == "__main__":
    main()
