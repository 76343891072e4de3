"""Timing of the NTK information-plane pipeline (infoplane.ntk), and kernel-vs-Monte-Carlo errors.

Run: ``python benchmarks/ntk.py [--sizes 500,1000,2000] [--mc]`` or
``python benchmarks/ntk.py --twelve-bit [--threads 1,2] [--baseline-src DIR] [--cli]``.
With ``--twelve-bit`` it prints, for the whole ``infoplane ntk --task 12bit`` computation (n = 3276
training / m = 4096 evaluation inputs, the 18 default times), the wall time, CPU time and peak RSS
(``ru_maxrss``, in MiB and in GB = 1e9 bytes) at each thread count, each in a fresh process
(issue 15's targets: <= 60 s and <= 1 GB). ``--baseline-src DIR`` adds the same rows for an earlier
version's ``src`` folder (``git archive HEAD src | tar -x -C /tmp/ntkbase``, then
``--baseline-src /tmp/ntkbase/src``) and the largest relative difference between the two tables;
``--cli`` adds a row for the command itself (imports, table, figure), run in a child process.
Without ``--twelve-bit`` it prints one row per training-set size n (evaluation set m = 1.25 n,
12 input features, depth-1 ReLU): seconds for the kernels, the eigendecomposition of the train
NTK, the variances at one time, the I(X;Z) bounds at one time (4 Monte Carlo draws), and the KL
at one time. With ``--mc`` it also prints the relative Frobenius
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


def _twelve_bit_child(spec: dict) -> None:
    """Child process: the 12-bit computation as ``infoplane ntk`` runs it; prints a JSON line."""
    import json
    import resource

    import numpy as np

    from infoplane.cli._common import cpu_threads
    from infoplane.cli.ntk import load_task
    from infoplane.ntk import ntk_information_plane

    x, y, tr, ev, _ = load_task(
        "12bit", mnist_dir=None, train_fraction=0.8, max_train=None, max_test=None, seed=0
    )
    with cpu_threads(spec["threads"]):
        wall, cpu = time.perf_counter(), time.process_time()
        df = ntk_information_plane(x, y, tr, eval_idx=ev)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    np.save(spec["table"], df.to_numpy(dtype=np.float64))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB -> bytes
    out = {"wall": wall, "cpu": cpu, "peak": peak, "columns": list(df.columns)}
    print(json.dumps(out), flush=True)


def _env(src: str | None, threads: int) -> dict:
    import os

    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    if src is not None:  # an earlier version's src folder first on the path
        env["PYTHONPATH"] = os.pathsep.join([src, *filter(None, [env.get("PYTHONPATH")])])
    return env


def _run_library(src: str | None, threads: int, table: str) -> dict:
    import json
    import subprocess
    import sys

    spec = json.dumps({"threads": threads, "table": table})
    out = subprocess.run(
        [sys.executable, __file__, "--child", spec],
        capture_output=True,
        text=True,
        env=_env(src, threads),
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"child failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _run_cli(src: str | None, threads: int, out_dir: str) -> dict:
    """``infoplane ntk --task 12bit`` in a child process: wall time and its own peak RSS."""
    import os
    import subprocess
    import sys

    code = "import sys; from infoplane.cli import main; sys.argv[0] = 'infoplane'; main()"
    args = ["ntk", "--task", "12bit", "--out", out_dir, "--threads", str(threads), "--overwrite"]
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=_env(src, threads),
    )
    _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage (peak RSS in KiB)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"infoplane ntk failed:\n{proc.stderr.read().decode()[-3000:]}")
    proc.stderr.close()
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak": usage.ru_maxrss * 1024}


def _table_difference(old, new, columns: list[str]) -> tuple[str, str]:
    """Largest relative difference of two tables, and a line of each column's largest.

    Values below 1e-12 in magnitude (e.g. the training loss at t = inf, 1e-22: rounding) are
    compared absolutely.
    """
    import numpy as np

    same = (old == new) | (np.isnan(old) & np.isnan(new))
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.where(same, 0.0, np.abs(new - old) / np.maximum(np.abs(old), 1e-12))
    per_column = rel.max(axis=0)
    worst = ", ".join(
        f"{c} {v:.1e}"
        for c, v in sorted(zip(columns, per_column, strict=True), key=lambda p: -p[1])
    )
    return f"{float(per_column.max()):.1e}", f"  largest relative difference by column: {worst}"


def twelve_bit(counts: list[int], baseline_src: str | None, cli: bool) -> None:
    """Print wall, CPU and peak RSS of the 12-bit task, before (``baseline_src``) and now."""
    import tempfile
    from pathlib import Path

    import numpy as np

    target = 1e9  # the "1 GB", in bytes (0.93 GiB)
    print(
        "infoplane ntk --task 12bit (n = 3276 train, m = 4096 eval, 18 times; "
        "target <= 60 s and <= 1 GB = 1e9 bytes peak RSS)"
    )
    head = (
        f"{'version':>7} {'what':>7} {'threads':>7} {'wall s':>7} {'cpu s':>7} "
        f"{'peak MiB':>9} {'peak GB':>8} {'<= 1 GB':>7} {'<= 60 s':>7} {'max rel diff':>12}"
    )
    print(head, flush=True)
    versions = [("before", baseline_src)] if baseline_src else []
    versions.append(("now", None))
    with tempfile.TemporaryDirectory() as tmp:
        for c in counts:
            tables: dict[str, np.ndarray] = {}
            for label, src in versions:  # a fresh process each: peak RSS is per process
                path = str(Path(tmp) / f"{label}{c}.npy")
                runs = [("library", _run_library(src, c, path))]
                if cli:
                    runs.append(("cli", _run_cli(src, c, str(Path(tmp) / f"cli_{label}{c}"))))
                tables[label] = np.load(path)
                diff, worst = "-", ""
                if label == "now" and "before" in tables:
                    diff, worst = _table_difference(
                        tables["before"], tables["now"], runs[0][1]["columns"]
                    )
                for what, r in runs:
                    mem = "yes" if r["peak"] <= target else "no"
                    fast = "yes" if r["wall"] <= 60 else "no"
                    print(
                        f"{label:>7} {what:>7} {c:>7} {r['wall']:>7.1f} {r['cpu']:>7.1f} "
                        f"{r['peak'] / 2**20:>9.0f} {r['peak'] / 1e9:>8.3f} {mem:>7} {fast:>7} "
                        f"{diff if what == 'library' else '-':>12}",
                        flush=True,
                    )
                if worst:
                    print(worst, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,1000,2000")
    parser.add_argument("--mc", action="store_true", help="also print kernel-vs-Monte-Carlo errors")
    parser.add_argument("--twelve-bit", action="store_true", help="time the whole 12-bit task")
    parser.add_argument("--threads", default="1", help="thread counts for --twelve-bit, e.g. 1,2")
    parser.add_argument(
        "--baseline-src",
        default=None,
        help="src folder of an earlier version for --twelve-bit's before/after rows, e.g. "
        "git archive HEAD src | tar -x -C /tmp/ntkbase, then /tmp/ntkbase/src",
    )
    parser.add_argument("--cli", action="store_true", help="--twelve-bit: also the CLI command")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        import json

        _twelve_bit_child(json.loads(args.child))
        return
    if args.twelve_bit:
        twelve_bit([int(c) for c in args.threads.split(",")], args.baseline_src, args.cli)
        return
    timing([int(s) for s in args.sizes.split(",")])
    if args.mc:
        monte_carlo()


if __name__ == "__main__":
    main()
