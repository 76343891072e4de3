"""Benchmarks of the IB bound: the 12-bit curve (issue 4) and the claim-(iii) layer check (issue 15).

1. The full IB curve for p(x, y) of ``all.mat`` (Shwartz-Ziv & Tishby 2017, arXiv 1703.00810):
   4096 x 2, 60 betas log-spaced on [1, 1e4], reverse annealing from the identity encoder (|T| =
   4096), as the 2017 authors ran it (Tishby, Pereira & Bialek 1999, arXiv physics/0004057).
   Target: under 60 s on 2 CPU cores.
2. ``--layer-check [RUN_DIR]``: the layer check of a run (every layer, repeat 0, 12 log-spaced
   epochs, 30 bins on [-1, 1], the 12-bit soft rule), the former beta fit (a copy of the code it
   replaces, kept here for the comparison) against the new check (distance to the bound of the same
   joint and the deterministic-IB self-consistency), timed in the same process on the same
   activations. Target (issue 15): >= 20x faster. Without RUN_DIR, synthetic tanh layers of the
   12-bit inputs (random projections, 3-12 units, scales 0.3-3) stand in for a run.

Run from the repository root::

    python benchmarks/bound.py [--threads N] [--betas N] [--beta-max B] [--forward]
    python benchmarks/bound.py --layer-check runs/default-... [--threads 1]

Prints a table (every 5th beta of the curve and its timing; or per layer: old and new seconds and
their ratio, with the new check's readings).
"""

from __future__ import annotations

import argparse
import builtins
import os
import platform
import time

import numpy as np
import torch

from infoplane.bottleneck import as_joint_distribution, information_bottleneck
from infoplane.data.twelve_bit import twelve_bit_p_x, twelve_bit_p_y_given_x


def curve_benchmark(args: argparse.Namespace) -> None:
    """Time the 12-bit IB curve (issue 4)."""
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


# --------------------------------------------------------------------------------------------------
# The former layer check (infoplane <= commit ad2dc4e, bottleneck/layer_check.py), for comparison:
# a safeguarded Newton fit of beta to R(beta) = E_x[-log q_beta(f(x)|x)], one layer and epoch at a
# time, with the previous epoch's beta as a warm start.
# --------------------------------------------------------------------------------------------------


def _old_fit_beta(d, f, log_p_t, p_x, bounds, start=None):  # type: ignore[no-untyped-def]
    d_f = d.gather(1, f[:, None])[:, 0]
    e_df = float(p_x @ d_f)
    base = float(p_x @ (-log_p_t[f]))
    d2 = d * d
    buf = torch.empty_like(d)

    def evaluate(beta):  # type: ignore[no-untyped-def]
        torch.add(log_p_t[None, :], d, alpha=-beta, out=buf)
        m = buf.amax(dim=1)
        buf.sub_(m[:, None]).exp_()
        z = buf.sum(1)
        e1 = torch.bmm(buf[:, None, :], d[:, :, None])[:, 0, 0] / z
        e2 = torch.bmm(buf[:, None, :], d2[:, :, None])[:, 0, 0] / z
        r = base + beta * e_df + float(p_x @ (m + torch.log(z)))
        return r, e_df - float(p_x @ e1), max(float(p_x @ (e2 - e1 * e1)), 0.0)

    lo, hi = np.log(bounds[0]), np.log(bounds[1])
    s = float(np.clip(np.log(start), lo, hi)) if start else 0.5 * (lo + hi)
    have_lo = have_hi = False
    r = float("nan")
    for _ in range(100):
        beta = float(np.exp(s))
        r, g, h = evaluate(beta)
        if g > 0:
            hi, have_hi = s, True
        else:
            lo, have_lo = s, True
        if hi - lo < 1e-7:
            break
        s_new = np.log(beta - g / h) if h > 0 and beta - g / h > 0 else np.nan
        if not (np.isfinite(s_new) and lo < s_new < hi):
            if not have_hi:
                s_new = min(s + 2.0, hi) if s < hi else hi
            elif not have_lo:
                s_new = max(s - 2.0, lo) if s > lo else lo
            else:
                s_new = 0.5 * (lo + hi)
        if abs(s_new - s) < 1e-7:
            s = s_new
            break
        if s_new == s:
            return beta, r, True
        s = s_new
    beta = float(np.exp(s))
    at_limit = (not have_hi and s >= np.log(bounds[1]) - 1e-9) or (
        not have_lo and s <= np.log(bounds[0]) + 1e-9
    )
    r, _, _ = evaluate(beta)
    return beta, r, bool(at_limit)


def old_layer_check(keys: np.ndarray, pyx: np.ndarray, px: np.ndarray) -> list[tuple[float, ...]]:
    """The former per-epoch loop on binned keys (n_epochs, n_samples): (beta, residual bits)."""
    from infoplane.bottleneck._engine import LOG_FLOOR, threads_for

    px_t, pyx_t = torch.as_tensor(px), torch.as_tensor(pyx)
    neg_h = torch.special.xlogy(pyx_t, pyx_t).sum(1)
    out = []
    start = None
    for e in builtins.range(keys.shape[0]):
        _, inv = np.unique(keys[e], return_inverse=True)
        f = torch.as_tensor(inv.ravel(), dtype=torch.long)
        n_t = int(f.max()) + 1
        p_t = torch.zeros(n_t, dtype=torch.float64).index_add_(0, f, px_t)
        num = torch.zeros(n_t, 2, dtype=torch.float64).index_add_(0, f, px_t[:, None] * pyx_t)
        pyt = num / p_t[:, None]
        if n_t == 1:
            out.append((float("nan"), 0.0, False))
            continue
        with threads_for(len(f) * n_t):
            d = (neg_h[:, None] - pyx_t @ torch.log(pyt).clamp_min(LOG_FLOOR).T).clamp_min(0.0)
            beta, r, at_limit = _old_fit_beta(d, f, torch.log(p_t), px_t, (1e-3, 1e7), start)
            start = beta
        out.append((beta, max(r, 0.0) / np.log(2.0), at_limit))
    return out


def _layers(run: str | None, n_epochs: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Repeat 0 of every layer at ``n_epochs`` log-spaced epochs: name -> (n_epochs, 4096, u)."""
    if run is None:
        from infoplane.data.twelve_bit import twelve_bit_inputs

        rng = np.random.default_rng(0)
        x = twelve_bit_inputs().astype(np.float64) * 2 - 1
        scales = np.geomspace(0.3, 3.0, n_epochs)
        layers = {}
        for units in (12, 10, 7, 5, 4, 3):
            w = rng.normal(size=(12, units)) / np.sqrt(12)
            layers[f"synthetic {units}"] = np.tanh(np.stack([x @ w * s for s in scales]))
        return layers, np.arange(n_epochs)
    from infoplane.run.figures import log_subset
    from infoplane.storage.activations import load_activations, open_store

    store = open_store(run)
    keep = log_subset(len(store.completed_epochs), n_epochs)
    return {
        layer: load_activations(run, layer, repeat=0)[keep].astype(np.float64)
        for layer in store.layers
    }, store.completed_epochs[keep]


def layer_check_benchmark(args: argparse.Namespace) -> None:
    """Old beta fit vs new check on the same binned layers (issue 15)."""
    from infoplane.bottleneck import layer_check
    from infoplane.bottleneck.distance import _binned_keys

    run = None if args.layer_check == "synthetic" else args.layer_check
    layers, epochs = _layers(run, args.epochs)
    pyx, px = twelve_bit_p_y_given_x(), twelve_bit_p_x()
    layer_check(layers[next(iter(layers))][:1], pyx, p_x=px)  # warm-up (imports, bound file)
    rows = []
    tot_old = tot_new = 0.0
    for name, t in layers.items():
        keys = _binned_keys(t, 30, (-1.0, 1.0), None)
        t0 = time.perf_counter()
        old = old_layer_check(keys, pyx, px)
        t_old = time.perf_counter() - t0
        t0 = time.perf_counter()
        new = layer_check(t, pyx, p_x=px, epochs=epochs)
        t_new = time.perf_counter() - t0
        tot_old += t_old
        tot_new += t_new
        last = new.iloc[-1]
        rows.append(
            (name, int(last.n_clusters), t_old, t_new, t_old / t_new,
             sum(o[2] for o in old), float(np.nanmax([o[1] for o in old])), float(last.distance),
             float(last.inconsistent), float(last.not_argmin))
        )  # fmt: skip
    src = run or "synthetic tanh layers"
    print(
        f"Layer check, {src}: {len(epochs)} epochs per layer (repeat 0), 30 bins on [-1, 1], "
        f"12-bit soft rule; torch threads {torch.get_num_threads()}, cpus {os.cpu_count()}, "
        f"{platform.processor() or platform.machine()}\n"
    )
    print(
        "| layer | clusters (last epoch) | old beta fit [s] | new check [s] | speed-up | old: epochs "
        "with beta at 1e7 | old: max residual [bits] | new: distance [bits] | new: inconsistent "
        "| new: not argmin |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r[0]} | {r[1]} | {r[2]:.2f} | {r[3]:.3f} | {r[4]:.0f}x | {r[5]} | {r[6]:.2f} | "
            f"{r[7]:.4f} | {r[8]:.3f} | {r[9]:.3f} |"
        )
    print(f"| all layers | | {tot_old:.2f} | {tot_new:.3f} | {tot_old / tot_new:.0f}x | | | | | |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--threads", type=int, default=None, help="torch threads (default: torch's)"
    )
    parser.add_argument("--betas", type=int, default=60, help="number of betas")
    parser.add_argument("--beta-max", type=float, default=1e4, help="largest beta")
    parser.add_argument("--forward", action="store_true", help="also forward annealing (slower)")
    parser.add_argument(
        "--layer-check", nargs="?", const="synthetic", default=None, metavar="RUN_DIR",
        help="benchmark the layer check (old beta fit vs new) on a run's layers, or synthetic "
        "layers without RUN_DIR",
    )  # fmt: skip
    parser.add_argument("--epochs", type=int, default=12, help="epochs per layer (layer check)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.layer_check is not None:
        layer_check_benchmark(args)
    else:
        curve_benchmark(args)


if __name__ == "__main__":
    main()
