"""Time per representation of kde_upper, binning and KSG with 1 vs 2 CPU threads (issue 15).

The commands ``infoplane estimate``, ``report``, ``experiment`` and ``sweep`` run with ``--threads``
(default 1) torch and BLAS threads (:func:`infoplane.cli._common.cpu_threads`). This script measures
the choice: each estimator's ``information_plane`` on a batch of representations shaped like a
layer of the default run (4096 inputs x 5 tanh units, binary labels), at each thread count, in the
same process, alternating, best of ``--rounds``. It prints wall and CPU milliseconds per
representation and the ratio 2 threads / 1 thread. Under 2 minutes on 2 cores.

Run: ``python benchmarks/threads.py [--rounds 3] [--threads 1,2]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from infoplane.cli._common import cpu_threads
from infoplane.estimators.registry import make_estimator

#: (estimator, representations per batch, samples): sizes that finish quickly.
CASES = (("kde_upper", 4, 4096), ("binning", 40, 4096), ("ksg", 2, 4096))


def _batch(n_repr: int, n: int, units: int = 5) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.integers(0, 2, size=(n, 12)).astype(np.float64)
    w = rng.normal(size=(n_repr, 12, units))
    t = np.tanh(np.einsum("nd,rdu->rnu", x, w))
    labels = (x.sum(1) > 6).astype(np.int64)
    return t, labels


def _time(name: str, t: np.ndarray, labels: np.ndarray, threads: int) -> tuple[float, float]:
    est = make_estimator(name)
    with cpu_threads(threads):
        wall, cpu = time.perf_counter(), time.process_time()
        est.information_plane(t, labels)
        return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="repetitions; the best is shown")
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    args = parser.parse_args()
    counts = [int(c) for c in args.threads.split(",")]
    head = "".join(f" {f'wall ms/{c}t':>11} {f'cpu ms/{c}t':>10}" for c in counts)
    print(f"{'estimator':>10} {'n':>5}{head} {'wall ratio':>10}  (per representation)")
    for name, n_repr, n in CASES:
        t, labels = _batch(n_repr, n)
        _time(name, t[:1], labels, counts[0])  # warm-up (imports, thread pools)
        best = {c: (float("inf"), float("inf")) for c in counts}
        for _ in range(args.rounds):
            for c in counts:
                wall, cpu = _time(name, t, labels, c)
                best[c] = (min(best[c][0], wall), min(best[c][1], cpu))
        cells = "".join(
            f" {1e3 * best[c][0] / n_repr:>11.2f} {1e3 * best[c][1] / n_repr:>10.2f}"
            for c in counts
        )
        ratio = best[counts[-1]][0] / best[counts[0]][0]
        print(f"{name:>10} {n:>5}{cells} {ratio:>10.2f}")


if __name__ == "__main__":
    main()
