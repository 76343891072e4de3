"""Benchmark: the IB curve of the 12-bit soft rule (issue 4's performance target).

The full curve for p(x, y) of ``all.mat`` (Shwartz-Ziv & Tishby 2017, arXiv 1703.00810): 4096 x 2,
60 betas log-spaced on [1, 1e4], reverse annealing from the identity encoder (|T| = 4096), as the
2017 authors ran it (Tishby, Pereira & Bialek 1999, arXiv physics/0004057). Target: under 60 s on
2 CPU cores. Run from the repository root::

    python benchmarks/bound.py [--threads N] [--betas N] [--beta-max B] [--forward]

Prints a table of the curve (every 5th beta) and the timing.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import torch

from infoplane.bottleneck import as_joint_distribution, information_bottleneck
from infoplane.data.twelve_bit import twelve_bit_p_x, twelve_bit_p_y_given_x


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--threads", type=int, default=None, help="torch threads (default: torch's)"
    )
    parser.add_argument("--betas", type=int, default=60, help="number of betas")
    parser.add_argument("--beta-max", type=float, default=1e4, help="largest beta")
    parser.add_argument("--forward", action="store_true", help="also forward annealing (slower)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    dist = as_joint_distribution(p_y_given_x=twelve_bit_p_y_given_x(), p_x=twelve_bit_p_x())
    betas = np.geomspace(1.0, args.beta_max, args.betas)
    annealing = "both" if args.forward else "reverse"
    t0 = time.perf_counter()
    curve = information_bottleneck(dist, betas, annealing=annealing)
    elapsed = time.perf_counter() - t0
    frame = curve.to_frame()
    print(frame.iloc[::5].to_string(index=False, float_format=lambda v: f"{v:.6g}"))
    env = curve.envelope()
    print()
    print("| case | n_x x n_y | betas | annealing | threads | cpus | time [s] |")
    print("|---|---|---|---|---|---|---|")
    print(
        f"| 12-bit soft rule (all.mat) | {dist.n_x} x {dist.n_y} | {len(betas)} on [1, "
        f"{args.beta_max:g}] | {annealing} | {torch.get_num_threads()} | {os.cpu_count()} | "
        f"{elapsed:.1f} |"
    )
    print(
        f"\nI(X;Y) = {curve.i_xy:.5f} bits; envelope end points: ({env.i_xt[0]:.4f}, "
        f"{env.i_ty[0]:.5f}) to ({env.i_xt[-1]:.4f}, {env.i_ty[-1]:.5f}) bits; "
        f"max |T| = {int(frame.n_clusters.max())}; {platform.processor() or platform.machine()}"
    )


if __name__ == "__main__":
    main()
