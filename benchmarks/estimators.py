"""Accuracy and speed of infoplane's mutual-information estimators.

Prints three tables (values in bits, times in seconds):

1. accuracy: bias (mean - truth) and spread (standard deviation over seeds) at N = 1,000 and
   5,000 on ground-truth cases (correlated Gaussians, additive uniform noise, a binary symmetric
   channel, a class-conditional Gaussian mixture);
2. speed: KSG against scikit-learn's ``mutual_info_regression`` on the same 1-D data, and the KDE
   bounds on 4096 x 10 and 10,000 x 1024 activations;
3. (``--plane``) the time of ``information_plane`` on a (5, 200, 4096, 10) batch for every
   estimator.

Usage::

    python benchmarks/estimators.py            # a few minutes
    python benchmarks/estimators.py --quick    # under a minute: 2 seeds, smaller speed cases
    python benchmarks/estimators.py --plane    # add the information-plane timing (minutes)

``--threads`` sets torch's intra-op threads (default 1: on a shared machine OpenMP spinning makes
2 threads several times slower than 1). CPU time is reported next to wall time because on a loaded
machine the wall time mostly measures the other processes.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable

import numpy as np
from scipy.integrate import quad
from scipy.stats import norm

LN2 = math.log(2)


# -- ground-truth cases: (name, sampler(n, seed) -> (x, y), true MI in bits) -----------------------
def _gauss(dim: int, rho: float) -> Callable[[int, int], tuple[np.ndarray, np.ndarray]]:
    def sample(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(seed)
        x = rng.standard_normal((n, dim))
        return x, rho * x + math.sqrt(1 - rho**2) * rng.standard_normal((n, dim))

    return sample


def _uniform_noise(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.random(n)
    return x, x + 0.5 * rng.random(n)


def _bsc(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 2, n)
    return x, (x ^ (rng.random(n) < 0.1)).astype(np.int64)


def _mixture(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    return y, y + 0.5 * rng.standard_normal(n)


def _mixture_truth() -> float:
    mu, s = np.array([0.0, 1.0, 2.0]), 0.5

    def f(u: float) -> float:
        return float(np.mean(norm.pdf(u, mu, s)))

    h = -quad(lambda u: f(u) * math.log(f(u)), -6, 8, limit=200)[0]
    return (h - 0.5 * math.log(2 * math.pi * math.e * s * s)) / LN2


CASES = [
    ("gauss 1-D rho=0.5", _gauss(1, 0.5), -0.5 * math.log2(1 - 0.25)),
    ("gauss 1-D rho=0.9", _gauss(1, 0.9), -0.5 * math.log2(1 - 0.81)),
    ("gauss 3-D rho=0.6", _gauss(3, 0.6), -1.5 * math.log2(1 - 0.36)),
    ("uniform noise a=0.5", _uniform_noise, (0.25 - math.log(0.5)) / LN2),
    ("BSC p=0.1", _bsc, 1 + 0.1 * math.log2(0.1) + 0.9 * math.log2(0.9)),
    ("mixture 3 classes", _mixture, _mixture_truth()),
]

# estimator -> (params, cases it applies to)
CONTINUOUS = {"gauss 1-D rho=0.5", "gauss 1-D rho=0.9", "gauss 3-D rho=0.6", "uniform noise a=0.5"}
MIXED = {"mixture 3 classes"}
DISCRETE = {"BSC p=0.1"}
ESTIMATORS: dict[str, tuple[dict, set[str]]] = {
    "binning": ({"n_bins": 30, "range": "data"}, CONTINUOUS | DISCRETE | MIXED),
    "binning_adaptive": ({"n_bins": 30}, CONTINUOUS | DISCRETE | MIXED),
    "ksg": ({"k": 3}, CONTINUOUS | DISCRETE | MIXED),
    "edge": ({}, CONTINUOUS | DISCRETE | MIXED),
    "kde_upper": ({"n_eval": 1000}, MIXED),
    "kde_lower": ({"n_eval": 1000}, MIXED),
    "sample_propagation": ({"n_eval": 1000, "n_mc": 4}, MIXED),
    "renyi": ({"alpha": 1.01}, CONTINUOUS | DISCRETE | MIXED),
    "mine": ({"n_samples_max": 2000}, {"gauss 1-D rho=0.9"} | MIXED),
    "nwj": ({"n_samples_max": 2000}, {"gauss 1-D rho=0.9"} | MIXED),
    "infonce": ({"n_samples_max": 2000}, {"gauss 1-D rho=0.9"} | MIXED),
}


def accuracy(seeds: int, sizes: tuple[int, ...], only: list[str] | None = None) -> None:
    from infoplane.estimators import make_estimator

    print(f"\n## Accuracy (bits): bias = mean - truth, sd over {seeds} seeds\n")
    header = "| estimator | case | truth | " + " | ".join(f"bias N={n} | sd N={n}" for n in sizes)
    print(header + " |")
    print("|" + "---|" * (3 + 2 * len(sizes)))
    for name, (params, applies) in ESTIMATORS.items():
        if only and name not in only:
            continue
        est = make_estimator(name, **params)
        for case, sampler, truth in CASES:
            if case not in applies:
                continue
            cells = []
            for n in sizes:
                vals = []
                for s in range(seeds):
                    x, y = sampler(n, 1000 + s)
                    vals.append(est.estimate(x, y).value)
                v = np.array(vals)
                cells.append(f"{v.mean() - truth:+.3f} | {v.std(ddof=1) if seeds > 1 else 0:.3f}")
            print(f"| {name} | {case} | {truth:.3f} | " + " | ".join(cells) + " |", flush=True)
    print(
        "\nNotes: renyi is not a consistent Shannon estimator for continuous data (kernel-width "
        "dependent), and uses 256 samples; kde_* and sample_propagation measure "
        "I(Y; T + N(0, 1e-3)) "
        "(their meaning on the plane), compared here on the mixture case where the added noise is "
        "negligible; mine/nwj/infonce train on half of at most 2000 samples."
    )


def _time(fn: Callable[[], object], repeat: int = 1) -> float:
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def speed(quick: bool) -> None:
    from sklearn.feature_selection import mutual_info_regression

    from infoplane.estimators import make_estimator
    from infoplane.estimators.ksg import ksg_mutual_information

    print("\n## Speed (s): KSG (k=3) vs scikit-learn mutual_info_regression, same 1-D data\n")
    print("| N | infoplane ksg | sklearn | ksg value (bits) | sklearn value (bits) |")
    print("|---|---|---|---|---|")
    for n in (1000, 10_000) if quick else (1000, 10_000, 100_000):
        x, y = _gauss(1, 0.9)(n, 7)
        t_ours = _time(lambda x=x, y=y: ksg_mutual_information(x, y), 2)
        t_sk = _time(
            lambda x=x, y=y: mutual_info_regression(x, y[:, 0], n_neighbors=3, random_state=0), 2
        )
        v_ours = ksg_mutual_information(x, y)
        v_sk = mutual_info_regression(x, y[:, 0], n_neighbors=3, random_state=0)[0] / LN2
        print(f"| {n} | {t_ours:.3f} | {t_sk:.3f} | {v_ours:.4f} | {v_sk:.4f} |", flush=True)

    print("\n## Speed (s): KDE bounds, one representation (plane call, both coordinates)\n")
    print("| activations | estimator | n_eval | time | I(X;T) | I(T;Y) |")
    print("|---|---|---|---|---|---|")
    rng = np.random.default_rng(0)
    shapes = [(4096, 10)] + ([] if quick else [(10_000, 1024)])
    for n, d in shapes:
        labels = rng.integers(0, 10 if d > 100 else 2, n)
        t = np.tanh(rng.standard_normal((n, d)) + labels[:, None] * 0.3).astype(np.float32)
        s2 = 0.1 if d > 100 else 1e-3
        for name in ("kde_upper", "kde_lower"):
            for n_eval in (256, None):
                est = make_estimator(name, n_eval=n_eval, noise_variance=s2)
                dt = _time(lambda est=est, t=t, labels=labels: est.information_plane(t, labels))
                i_xt, i_ty = est.information_plane(t, labels)
                print(
                    f"| {n} x {d} (s2={s2:g}) | {name} | {n_eval or 'all'} | {dt:.3f} | "
                    f"{float(i_xt):.3f} | {float(i_ty):.3f} |",
                    flush=True,
                )


def plane(quick: bool) -> None:
    from infoplane.estimators import available_estimators, make_estimator

    shape = (5, 20, 4096, 10) if quick else (5, 200, 4096, 10)
    print(
        f"\n## information_plane on a {shape} float32 batch (a tanh layer of the 12-bit task "
        "with growing weights), default parameters\n"
    )
    print(
        "| estimator | wall (s) | CPU (s) | CPU ms per representation | mean I(X;T) | mean I(T;Y) |"
    )
    print("|---|---|---|---|---|---|")
    from infoplane.data.twelve_bit import twelve_bit_inputs, twelve_bit_labels

    # a 10-unit tanh layer of the 12-bit task whose weights grow over "epochs" (random directions)
    rng = np.random.default_rng(1)
    x = twelve_bit_inputs() - 0.5
    labels = twelve_bit_labels()
    w = rng.standard_normal((shape[0], 1, 12, shape[3])) / math.sqrt(12)
    scale = np.geomspace(0.05, 5.0, shape[1])[None, :, None, None]
    t = np.tanh(scale * (x @ w)).astype(np.float32)
    for name in available_estimators():
        est = make_estimator(name)
        est.information_plane(t[:1, :2], labels)  # warm-up (lazy imports, torch kernels)
        t0, c0 = time.perf_counter(), time.process_time()
        i_xt, i_ty = est.information_plane(t, labels)
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        n_rep = shape[0] * shape[1]
        mean_xt = "NaN" if np.isnan(i_xt).all() else f"{np.nanmean(i_xt):.3f}"
        print(
            f"| {name} | {dt:.1f} | {dc:.1f} | {1000 * dc / n_rep:.1f} | {mean_xt} | "
            f"{np.nanmean(i_ty):.3f} |",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 seeds, smaller speed cases")
    parser.add_argument("--plane", action="store_true", help="time information_plane per estimator")
    parser.add_argument(
        "--seeds", type=int, default=None, help="seeds per accuracy cell (default 5)"
    )
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (default 1)")
    parser.add_argument("--skip-accuracy", action="store_true")
    parser.add_argument("--only", nargs="+", default=None, help="accuracy: only these estimators")
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    seeds = args.seeds or (2 if args.quick else 5)
    t0 = time.perf_counter()
    if not args.skip_accuracy:
        accuracy(seeds, (1000, 5000), args.only)
    if not args.skip_speed:
        speed(args.quick)
    if args.plane:
        plane(args.quick)
    print(f"\n(total {time.perf_counter() - t0:.0f} s, torch threads = {args.threads})")


if __name__ == "__main__":
    main()
