"""Peak memory of a default-style run against the number of captured epochs (issue 15, issue 16).

Usage::

    python benchmarks/memory.py            # 12-bit MLP, 1000 epochs, captured epochs ~20 vs ~200
    python benchmarks/memory.py --quick    # 200 epochs

Each run is the ``default`` preset (12-bit task, 12-10-7-5-4-3-2 tanh MLP, binning with 30 bins)
with the number of capture points (``capture.n_points``) grown 10x, in its own child process, which
reports its peak RSS (``resource.getrusage``): with the activation store (the default: each epoch
written to zarr, estimated from the store in chunks of ``storage.chunk_mb``) and online (nothing
kept per epoch). Figures and diagnostics are off (they are timed in ``benchmarks/tishby2017.py``).
Peak memory should not grow with the captured epochs: the ratio column says by how much it does.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
import time
from pathlib import Path

from _util import run_child as _run_child


def _child(spec: dict) -> dict:
    from infoplane.run.config import load_config
    from infoplane.run.engine import run_experiment

    cfg = load_config("default", overrides=spec["config"])
    t0 = time.perf_counter()
    res = run_experiment(cfg, spec["out"], progress=False, make_figures=False)
    return {
        "wall_s": time.perf_counter() - t0,
        "n_epochs": int(res.plane["epoch"].nunique()),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_child(spec: dict) -> dict:
    """Run :func:`_child` in a fresh process (its own peak RSS)."""
    return _run_child(__file__, spec)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--epochs", type=int, default=1000)
    ap.add_argument("--points", type=int, default=22, help="capture points of the small run")
    args = ap.parse_args()
    if args.child:
        print(json.dumps(_child(json.loads(args.child))))
        return
    epochs = 200 if args.quick else args.epochs
    tmp = Path(tempfile.mkdtemp(prefix="infoplane-memory-"))
    print(f"default preset, 1 network, {epochs} epochs, figures and diagnostics off")
    print(f"{'mode':<8}{'captured epochs':>16}{'peak RSS MiB':>14}{'wall s':>9}{'ratio':>8}")
    for mode, storage in (
        ("stored", {"online": False, "activations": "zarr"}),
        ("online", {"online": True, "activations": "none"}),
    ):
        base = None
        for points in (args.points, 10 * args.points):
            over = {
                "repeats": 1,
                "training": {"epochs": epochs},
                "capture": {"n_points": points},
                "analysis": {"diagnostics": False, "gradient_stats": False},
                "storage": storage,
            }
            r = run_child({"config": over, "out": str(tmp / f"{mode}-{points}")})
            shutil.rmtree(tmp / f"{mode}-{points}", ignore_errors=True)
            base = base or r["peak_rss_mib"]
            print(
                f"{mode:<8}{r['n_epochs']:>16}{r['peak_rss_mib']:>14.0f}{r['wall_s']:>9.1f}"
                f"{r['peak_rss_mib'] / base:>8.3f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
