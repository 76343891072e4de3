"""Timing of the NTK information-plane pipeline (infoplane.ntk), and kernel-vs-Monte-Carlo errors.

Run: ``python benchmarks/ntk.py [--sizes 500,1000,2000] [--mc] [--twelve-bit [--threads 1,2]]``.
With ``--twelve-bit`` it prints, for the whole ``infoplane ntk --task 12bit`` computation (n = 3276
training / m = 4096 evaluation inputs, the 18 default times), the wall time, CPU time and peak RSS
(``resource.getrusage``) at each thread count, each in a fresh process (targets: <= 60 s, <= 1 GB).
Prints one row per training-set
size n (evaluation set m = 1.25 n, 12 input features, depth-1 ReLU): seconds for the kernels, the
eigendecomposition of the train NTK, the variances at one time, the I(X;Z) bounds at one time (4
Monte Carlo draws), and the KL at one time. With ``--mc`` it also prints the relative Frobenius
error of the NTK against the empirical NTK of width-2048 networks (mean of 3), erf and ReLU,
depth 1-3.
"""

from __future__ import annotations

import argparse
import math
import time

import torch

from infoplane.ntk import (
    GradientFlowEnsemble,
    fc_kernels,
    kl_from_initialisation,
    mixture_mi_bounds,
    one_hot,
)


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def timing(sizes: list[int]) -> None:
    print(f"{'n':>6} {'m':>6} {'kernels':>9} {'eigh':>8} {'var/t':>8} {'MI/t':>8} {'KL':>8}  (s)")
    gen = torch.Generator().manual_seed(0)
    for n in sizes:
        m = int(1.25 * n)
        x = (torch.rand(m, 12, generator=gen) > 0.5).double()
        y = one_hot((x.sum(1) > 6).long().numpy())
        tr = torch.arange(n)
        (kc, kd), t_k = _timed(lambda x=x, tr=tr: (fc_kernels(x, x[tr]), fc_kernels(x, diag=True)))
        ens, t_e = _timed(
            lambda kc=kc, tr=tr, y=y: GradientFlowEnsemble(kc.nngp[tr], kc.ntk[tr], y[tr])
        )
        pred, t_p = _timed(
            lambda ens=ens, kc=kc, kd=kd: ens.predict(
                [100.0], kc.nngp, kc.ntk, kd.nngp, full_covariance=False
            )
        )
        _, t_mi = _timed(
            lambda pred=pred: mixture_mi_bounds(
                pred.mean[0], pred.variance[0], noise_var=1e-3, n_samples=4
            )
        )
        _, t_kl = _timed(lambda ens=ens: kl_from_initialisation(ens, [100.0]))
        print(f"{n:>6} {m:>6} {t_k:>9.2f} {t_e:>8.2f} {t_p:>8.2f} {t_mi:>8.2f} {t_kl:>8.2f}")


def monte_carlo() -> None:
    from torch.func import jacrev

    wv, bv = {"relu": 2.0, "erf": 1.5}, 0.1
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(6, 5, generator=gen, dtype=torch.float64)

    def forward(p, depth, act):
        h = x
        for i in range(depth + 1):
            if i > 0:
                h = torch.relu(h) if act == "relu" else torch.erf(h)
            h = math.sqrt(wv[act] / h.shape[-1]) * h @ p[f"w{i}"].T + math.sqrt(bv) * p[f"b{i}"]
        return h[:, 0]

    print(f"{'activation':>10} {'depth':>5} {'rel. Frobenius error (NTK, width 2048, 3 nets)':>48}")
    for act in ("relu", "erf"):
        for depth in (1, 2, 3):
            ref = fc_kernels(x, depth=depth, activation=act, weight_var=wv[act], bias_var=bv).ntk
            acc = torch.zeros(6, 6, dtype=torch.float64)
            sizes = [5] + [2048] * depth + [1]
            for _ in range(3):
                p = {}
                for i in range(depth + 1):
                    p[f"w{i}"] = torch.randn(
                        sizes[i + 1], sizes[i], generator=gen, dtype=torch.float64
                    )
                    p[f"b{i}"] = torch.randn(sizes[i + 1], generator=gen, dtype=torch.float64)
                jac = jacrev(lambda q, depth=depth, act=act: forward(q, depth, act))(p)
                j = torch.cat([v.reshape(6, -1) for v in jac.values()], dim=1)
                acc += j @ j.T / 3
            print(f"{act:>10} {depth:>5} {float((acc - ref).norm() / ref.norm()):>48.4f}")


def _twelve_bit_child(threads: int) -> None:
    import resource

    from infoplane.cli._common import cpu_threads
    from infoplane.cli.ntk import load_task
    from infoplane.ntk import ntk_information_plane

    x, y, tr, ev, _ = load_task(
        "12bit", mnist_dir=None, train_fraction=0.8, max_train=None, max_test=None, seed=0
    )
    with cpu_threads(threads):
        wall, cpu = time.perf_counter(), time.process_time()
        df = ntk_information_plane(x, y, tr, eval_idx=ev)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB -> GiB
    last = df.iloc[-1]
    print(
        f"{threads:>7} {wall:>7.1f} {cpu:>7.1f} {peak:>12.2f}   "
        f"I(X;Z) in [{last['i_xz_lower_bits']:.3f}, {last['i_xz_upper_bits']:.3f}] bits at t = inf",
        flush=True,
    )


def twelve_bit(counts: list[int]) -> None:
    import subprocess
    import sys

    print(
        "infoplane ntk --task 12bit (n = 3276 train, m = 4096 eval, 18 times; target <= 60 s, 1 GB)"
    )
    print(f"{'threads':>7} {'wall s':>7} {'cpu s':>7} {'peak RSS GiB':>12}", flush=True)
    for c in counts:  # a fresh process each: peak RSS is per process
        subprocess.run([sys.executable, __file__, "--child", str(c)], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,1000,2000")
    parser.add_argument("--mc", action="store_true", help="also print kernel-vs-Monte-Carlo errors")
    parser.add_argument("--twelve-bit", action="store_true", help="time the whole 12-bit task")
    parser.add_argument("--threads", default="1", help="thread counts for --twelve-bit, e.g. 1,2")
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        _twelve_bit_child(args.child)
        return
    if args.twelve_bit:
        twelve_bit([int(c) for c in args.threads.split(",")])
        return
    timing([int(s) for s in args.sizes.split(",")])
    if args.mc:
        monte_carlo()


if __name__ == "__main__":
    main()
