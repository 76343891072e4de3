"""CPU vs CUDA for the estimators with a torch route: KSG neighbour counts (Kraskov et al. 2004,
arXiv cond-mat/0305641), the KSG information plane (Ross 2014) and the Kolchinsky-Tracey KDE
pairwise terms (Kolchinsky & Tracey 2017, arXiv 1706.02419; Saxe et al. 2018).

Each row times one call on the CPU (the default route: numpy input) and, where torch finds a CUDA
device, the same call with the input as CUDA tensors (the data are moved to the device before the
clock starts; the call includes validation on the host and the transfer back of the results),
and prints both values (the mean I(X;T) of the plane, or the estimate) and their difference. Without a CUDA device the GPU columns read
"skipped" and a line says so.

Usage::

    python benchmarks/gpu.py            # about a minute on the CPU
    python benchmarks/gpu.py --quick    # smaller cases
    python benchmarks/gpu.py --threads 2

``--threads`` (default 1) sets torch's CPU threads (and the KSG tree queries', which follow it).
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def _best(fn: Callable[[], Any], repeat: int, sync: Callable[[], None]) -> tuple[float, Any]:
    best, out = math.inf, None
    for _ in range(repeat):
        sync()
        t0 = time.perf_counter()
        out = fn()
        sync()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _cases(quick: bool) -> list[tuple[str, Callable[[Any], Any]]]:
    """(label, f(convert) -> value): ``convert`` maps a numpy array to the route's input."""
    from infoplane.estimators import make_estimator
    from infoplane.estimators.ksg import KSGEstimator

    rng = np.random.default_rng(0)
    n1 = 20_000 if quick else 100_000
    x1 = rng.standard_normal(n1)
    y1 = 0.8 * x1 + 0.6 * rng.standard_normal(n1)
    nj = 5_000 if quick else 20_000
    xj = rng.standard_normal((nj, 10))
    yj = xj[:, :1] + rng.standard_normal((nj, 1))
    lab12 = rng.integers(0, 2, 4096)
    t12 = np.tanh(rng.standard_normal((4 if quick else 20, 4096, 10)) + 0.5 * lab12[:, None])
    nb, db = (4096, 256) if quick else (10_000, 1024)
    lab_b = rng.integers(0, 10, nb)
    t_big = np.tanh(rng.standard_normal((1, nb, db)) + 0.3 * lab_b[:, None]).astype(np.float32)

    def plane(est: Any, t: np.ndarray, lab: np.ndarray) -> Callable[[Any], Any]:
        return lambda conv: est.information_plane(conv(t), lab)[0].mean()

    return [
        (f"KSG estimate, n={n1}, 1-D", lambda c: KSGEstimator().estimate(c(x1), c(y1)).value),
        (f"KSG estimate, n={nj}, 10-D x", lambda c: KSGEstimator().estimate(c(xj), c(yj)).value),
        (
            f"KSG plane, {t12.shape[0]} x 4096 x 10",
            plane(KSGEstimator(noise_variance=0.1), t12, lab12),
        ),
        (
            f"kde_upper plane, {t12.shape[0]} x 4096 x 10",
            plane(make_estimator("kde_upper", noise_variance=0.1), t12, lab12),
        ),
        (
            f"kde_upper plane, {nb} x {db}, n_eval=256",
            plane(make_estimator("kde_upper", noise_variance=2.0), t_big, lab_b),
        ),
        (
            f"kde_upper plane, {nb} x {db}, n_eval=all",
            plane(make_estimator("kde_upper", noise_variance=2.0, n_eval=None), t_big, lab_b),
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller cases")
    parser.add_argument("--repeat", type=int, default=2, help="runs per timing (best kept)")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    cuda = torch.cuda.is_available()
    name = torch.cuda.get_device_name(0) if cuda else None

    def sync() -> None:
        if cuda:
            torch.cuda.synchronize()

    print(
        f"\n## CPU ({args.threads} thread(s)) vs {name or 'GPU'}: seconds, best of {args.repeat}\n"
    )
    if not cuda:
        print("no CUDA device: GPU column skipped\n")
    on_gpu: dict[int, tuple[np.ndarray, Any]] = {}

    def to_gpu(a: np.ndarray) -> Any:
        if id(a) not in on_gpu:  # moved once (in the warm-up), before the timed runs
            on_gpu[id(a)] = (a, torch.as_tensor(a, device="cuda"))
        return on_gpu[id(a)][1]

    print("| case | CPU s | GPU s | CPU / GPU | value CPU (bits) | value GPU (bits) | diff |")
    print("|---|---|---|---|---|---|---|")
    for label, fn in _cases(args.quick):
        t_cpu, v_cpu = _best(lambda fn=fn: fn(lambda a: a), args.repeat, sync)
        if cuda:
            fn(to_gpu)  # warm-up: CUDA context, kernels, transfers
            t_gpu, v_gpu = _best(lambda fn=fn: fn(to_gpu), args.repeat, sync)
            cols = f"{t_gpu:.3f} | {t_cpu / t_gpu:.1f} | {v_cpu:.5f} | {v_gpu:.5f}"
            cols += f" | {abs(v_cpu - v_gpu):.1e}"
        else:
            cols = f"skipped | n/a | {v_cpu:.5f} | skipped | n/a"
        print(f"| {label} | {t_cpu:.3f} | {cols} |", flush=True)


if __name__ == "__main__":
    main()
