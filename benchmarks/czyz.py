"""The MI benchmark of Czyż et al. (2023, arXiv 2306.11078) and the noisy-layer family: tables.

python benchmarks/czyz.py --out DIR [-e NAME ...] [--n 5000] [--seeds 3] [--suite czyz|noisy|all]
    runs ``run_benchmark`` (resumable in DIR) and prints the markdown tables of
    docs/benchmark.md: solved counts per estimator, and the per-task rows of the main ones.
python benchmarks/czyz.py --make-noisy-layers [--retrain]
    (re)trains the reference networks (infoplane's own trainer, seed 0), captures the layers and
    computes their Monte Carlo truths into src/infoplane/benchmark/_files/noisy_layers.npz.
python benchmarks/czyz.py --table DIR [-e NAME ...]
    prints the tables of an existing run without estimating anything.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd


def make_noisy_layers(retrain: bool = False) -> None:
    from infoplane.benchmark.noisy_layers import (
        FILE_NAME,
        NOISY_LAYER_SPECS,
        TRUTH_ROUNDS,
        capture_reference_layers,
        noise_variance_of,
        noisy_layer_mutual_information,
    )

    path = Path(__file__).parents[1] / "src/infoplane/benchmark/_files" / FILE_NAME
    t0 = time.perf_counter()
    if path.exists() and not retrain:  # keep the shipped layers, recompute the truths
        with np.load(path, allow_pickle=False) as f:
            layers = {k: f[k] for k in f.files if not k.startswith("truth:")}
    else:
        layers = capture_reference_layers(seed=0)
        print(f"trained and captured in {time.perf_counter() - t0:.1f} s")
    arrays: dict[str, np.ndarray] = dict(layers)
    for name, key, factor in NOISY_LAYER_SPECS:
        t = layers[key].astype(np.float64)
        t1 = time.perf_counter()
        mi, se, draws = noisy_layer_mutual_information(
            t, noise_variance_of(t, factor), rounds=TRUTH_ROUNDS
        )
        arrays[f"truth:{name}"] = np.array([mi, se, draws], dtype=np.float64)
        print(
            f"{name}: shape {t.shape}, I = {mi / math.log(2):.4f} bits, "
            f"se {se / math.log(2):.4f} bits, {draws} draws, {time.perf_counter() - t1:.1f} s"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)
    print(f"wrote {path} ({path.stat().st_size} bytes)")


def clean_layers() -> str:
    """The noisy-layer estimators in their intended use: the clean layer T and the task's noise
    variance, X uniform over the m inputs (one row each), against the Monte Carlo truth."""
    from infoplane.benchmark import noisy_layer_tasks
    from infoplane.estimators import make_estimator

    names = ("kde_upper", "kde_lower", "sample_propagation")
    lines = [
        "| task | truth (bits) | " + " | ".join(names) + " |",
        "|---|---|" + "---|" * len(names),
    ]
    for name, task in noisy_layer_tasks().items():
        s = task.sampler
        x = np.arange(len(s.activations))
        cells = []
        for est_name in names:
            extra = {"n_mc": 8} if est_name == "sample_propagation" else {}
            est = make_estimator(
                est_name, noise_variance=s.noise_variance, n_eval=None, dtype="float64", **extra
            )
            cells.append(f"{est.estimate(x, s.activations).value:.3f}")
        truth = f"{task.mutual_information_bits:.3f} ± {task.standard_error_bits:.3f}"
        lines.append(f"| `{name}` | {truth} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def tables(frame: pd.DataFrame, main: list[str]) -> str:
    from infoplane.benchmark import summarize_benchmark

    summary = summarize_benchmark(frame)
    seeds = sorted(frame["seed"].unique())
    lines = [
        f"Solved counts (n = {int(frame['n'].iloc[0])}, seeds {seeds[0]}-{seeds[-1]}, mean over "
        "seeds within a factor 1.5 of the truth):",
        "",
        "| estimator | solved | applicable tasks | not applicable | seconds (all seeds) |",
        "|---|---|---|---|---|",
    ]
    for est, g in summary.groupby("estimator", sort=False):
        app = g[g["applicable"]] if "applicable" in g else g
        lines.append(
            f"| {est} | {int(app['solved'].sum())} | {len(app)} | {len(g) - len(app)} | "
            f"{g['seconds'].sum():.1f} |"
        )
    lines += ["", "| task | truth (bits) | " + " | ".join(main) + " |"]
    lines.append("|---|---|" + "---|" * len(main))
    for task, g in summary.groupby("task", sort=False):
        cells = []
        for est in main:
            row = g[g["estimator"] == est]
            if row.empty:
                cells.append("")
                continue
            r = row.iloc[0]
            if "applicable" in r and not r["applicable"]:
                cells.append("n/a")
            else:
                cells.append(f"{r['mean_estimate']:.3f}{' ✓' if r['solved'] else ''}")
        lines.append(f"| `{task}` | {g['truth'].iloc[0]:.3f} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--make-noisy-layers", action="store_true")
    ap.add_argument("--retrain", action="store_true", help="with --make-noisy-layers: retrain")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--table", type=Path)
    ap.add_argument("--clean-layers", action="store_true", help="KDE bounds on the clean layers")
    ap.add_argument("-e", "--estimator", action="append")
    ap.add_argument("--main", action="append", help="estimators of the per-task table")
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--suite", default="czyz")
    args = ap.parse_args()
    if args.make_noisy_layers:
        make_noisy_layers(retrain=args.retrain)
        return
    if args.clean_layers:
        print(clean_layers())
        return
    from infoplane.benchmark import run_benchmark

    if args.table is not None:
        frame = pd.read_parquet(args.table / "benchmark.parquet")
        if args.estimator:
            frame = frame[frame["estimator"].isin(args.estimator)]
    else:
        names = args.estimator or ["auto", "copula", "gaussian", "ksg"]
        t0 = time.perf_counter()
        frame = run_benchmark(
            names,
            None,
            n=args.n,
            seeds=range(args.seeds),
            out_dir=args.out,
            suite=args.suite,
        )
        print(f"{time.perf_counter() - t0:.1f} s")
    main_names = args.main or list(dict.fromkeys(frame["estimator"]))[:4]
    print(tables(frame, main_names))


if __name__ == "__main__":
    main()
