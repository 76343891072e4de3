"""KSG (Kraskov, Stoegbauer & Grassberger 2004, arXiv cond-mat/0305641, estimator 1, k = 3) against
scikit-learn's ``mutual_info_regression`` at n = 1e5, with equal values.

What scikit-learn computes: one KSG estimate per column of X against y (1-D each), after scaling
every column and y to unit standard deviation (``scale(with_mean=False)``) and adding noise of
1e-10 x max(1, mean |column|) drawn from ``RandomState(random_state)`` (first X, then y); it
clips at 0 and returns nats. For the comparison infoplane gets exactly that input (the scaling and
noise are reproduced here, inside infoplane's timing) with its own preprocessing and jitter off
(``preprocess="none", jitter=0``), so the two values must agree to round-off. "10 features" is
``mutual_info_regression`` on X of shape (n, 10): ten 1-D estimates.

Columns (seconds are the best of ``--repeat`` runs, in the same process, one after the other):

- ``sklearn``: ``mutual_info_regression(X, y, n_neighbors=3, random_state=0)``;
- ``previous``: the previous infoplane core, restated below (a cKDTree per space queried in input
  order, ``np.unique`` for the ties check) on the same input;
- ``infoplane``: ``KSGEstimator(k=3, preprocess="none", jitter=0)`` per column (the reproduced
  scikit-learn preprocessing included);
- ``default``: ``KSGEstimator()`` with its defaults (standardise, jitter 1e-10 from its own seed)
  on the raw data: the same core; its value differs from scikit-learn's by the noise draw only;
- ``ratio``: sklearn / infoplane; ``speed-up``: previous / infoplane; values in bits.

A last row times a joint 10-D X against y (no scikit-learn equivalent: it is one estimate of
I(X;Y) with a 10-D marginal), previous core vs new, at ``--n-joint`` samples.

Usage::

    python benchmarks/ksg_speed.py              # n = 1e5, a few minutes on a loaded 2-core machine
    python benchmarks/ksg_speed.py --quick      # n = 1e4
    python benchmarks/ksg_speed.py --threads 2  # tree queries on 2 threads (sklearn stays on 1)

``--threads`` (default 1) sets torch's thread count, which infoplane's tree queries follow, so the
default compares one thread with scikit-learn's one thread.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable

import numpy as np

LN2 = math.log(2)


def _best(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    best, out = math.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _sklearn_input(x: np.ndarray, y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's preprocessing of continuous X and y, reproduced (see the module docstring)."""
    from sklearn.preprocessing import scale

    rng = np.random.RandomState(seed)
    xs = scale(x.astype(np.float64), with_mean=False)
    xs += 1e-10 * np.maximum(1, np.mean(np.abs(xs), axis=0)) * rng.standard_normal(xs.shape)
    ys = scale(y.astype(np.float64), with_mean=False)
    ys += 1e-10 * np.maximum(1, np.mean(np.abs(ys))) * rng.standard_normal(ys.shape[0])
    return xs, ys


def _previous_nats(x: np.ndarray, y: np.ndarray, k: int = 3) -> float:
    """The previous infoplane KSG core (algorithm 1): ties check with np.unique, one cKDTree for
    the joint space and one per marginal, all queried in input order."""
    from scipy.spatial import cKDTree
    from scipy.special import digamma

    for a in (x, y):
        _, counts = np.unique(a, axis=0, return_counts=True)
        assert counts.max() == 1
    n = x.shape[0]
    xy = np.hstack([x, y])
    eps = cKDTree(xy).query(xy, k=k + 1, p=np.inf)[0][:, -1]
    r = np.nextafter(eps, 0)
    nx = cKDTree(x).query_ball_point(x, r=r, p=np.inf, return_length=True) - 1
    ny = cKDTree(y).query_ball_point(y, r=r, p=np.inf, return_length=True) - 1
    return max(float(digamma(k) + digamma(n) - np.mean(digamma(nx + 1) + digamma(ny + 1))), 0.0)


def _data(n: int, features: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """X (n, features) standard normal; y = sum of 0.8^j x_j plus unit noise."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, features))
    y = x @ (0.8 ** np.arange(features)) + rng.standard_normal(n)
    return x, y


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n = 1e4 instead of 1e5")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (best kept)")
    parser.add_argument("--threads", type=int, default=1, help="torch / tree-query threads")
    parser.add_argument("--n-joint", type=int, default=10_000, help="n of the joint 10-D row")
    args = parser.parse_args()

    import torch
    from sklearn.feature_selection import mutual_info_regression

    from infoplane.estimators.ksg import KSGEstimator

    torch.set_num_threads(args.threads)
    n = 10_000 if args.quick else 100_000
    fast = KSGEstimator(k=3, preprocess="none", jitter=0, unit="nats")
    default = KSGEstimator(k=3, unit="nats")

    print(f"\n## KSG k=3 vs scikit-learn mutual_info_regression ({args.threads} thread(s))\n")
    print(
        "| n | features | sklearn s | previous s | infoplane s | default s | ratio | speed-up "
        "| sklearn bits | infoplane bits | max abs diff (bits) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for features in (1, 10):
        x, y = _data(n, features)
        t_sk, v_sk = _best(
            lambda x=x, y=y: mutual_info_regression(x, y, n_neighbors=3, random_state=0),
            args.repeat,
        )

        def ours(x: np.ndarray = x, y: np.ndarray = y) -> np.ndarray:
            xs, ys = _sklearn_input(x, y, 0)
            return np.array([fast.estimate(xs[:, j], ys).value for j in range(xs.shape[1])])

        def previous(x: np.ndarray = x, y: np.ndarray = y) -> np.ndarray:
            xs, ys = _sklearn_input(x, y, 0)
            return np.array([_previous_nats(xs[:, [j]], ys[:, None]) for j in range(xs.shape[1])])

        t_ours, v_ours = _best(ours, args.repeat)
        t_prev, v_prev = _best(previous, args.repeat)
        t_def, v_def = _best(
            lambda x=x, y=y: [default.estimate(x[:, j], y).value for j in range(x.shape[1])],
            args.repeat,
        )
        v_sk, v_ours = np.asarray(v_sk) / LN2, np.asarray(v_ours) / LN2
        diff = float(np.max(np.abs(v_sk - v_ours)))
        assert np.allclose(np.asarray(v_prev) / LN2, v_ours, rtol=1e-12, atol=1e-14)
        shown = (
            (f"{v_sk[0]:.6f}", f"{v_ours[0]:.6f}")
            if features == 1
            else (f"mean {v_sk.mean():.6f}", f"mean {v_ours.mean():.6f}")
        )
        print(
            f"| {n} | {features} | {t_sk:.3f} | {t_prev:.3f} | {t_ours:.3f} | {t_def:.3f} "
            f"| {t_sk / t_ours:.2f} | {t_prev / t_ours:.2f} | {shown[0]} | {shown[1]} "
            f"| {diff:.1e} |",
            flush=True,
        )
        del v_def

    nj = args.n_joint
    x, y = _data(nj, 10, seed=8)
    xs, ys = _sklearn_input(x, y, 0)
    t_prev, v_prev = _best(lambda: _previous_nats(xs, ys[:, None]), args.repeat)
    t_ours, v_ours = _best(lambda: fast.estimate(xs, ys).value, args.repeat)
    print(
        f"| {nj} | 10 (joint) | n/a | {t_prev:.3f} | {t_ours:.3f} | n/a | n/a "
        f"| {t_prev / t_ours:.2f} | n/a | {v_ours / LN2:.6f} "
        f"| {abs(v_prev - v_ours) / LN2:.1e} (vs previous) |",
        flush=True,
    )


if __name__ == "__main__":
    main()
