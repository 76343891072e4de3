"""Time the binning estimator: against ``numpy.unique(axis=0)``, and per captured epoch of tishby2017.

Usage::

    python benchmarks/binning.py [--repeats 5] [--batch 100]
    python benchmarks/binning.py --epoch [--rounds 5]              # one captured epoch, old vs new
    python benchmarks/binning.py --epoch --baseline-src /tmp/bin/base/src   # + the old source tree

Cases (default): one layer of 4096 x 10 activations (the widest layer of the 12-bit network on all
inputs), and a batch of ``--batch`` such layers (e.g. captured epochs), where infoplane encodes rows
as integer keys and counts them for the whole batch in one vectorised pass while the reference
loops.

``--epoch`` (issue 15): the estimation work of one captured epoch of the ``tishby2017`` preset
(Shwartz-Ziv & Tishby 2017, arXiv 1703.00810): R = 50 networks, all n = 4096 inputs, layers of
10, 7, 5, 4, 3 tanh units and the 2-unit softmax, binned with 29 bins on [-1, 1]. Rows, in CPU
milliseconds per captured epoch (median of ``--rounds``), old and new measured in the same run:

- ``capture forward``: ``run_and_capture`` of the ensemble, old = torch's ``nn.Softmax`` on the
  output layer, new = the padded softmax (the same numbers);
- ``binning plane (estimator)``: ``BinningEstimator.information_plane`` of the 6 layers, old = the
  plain routine kept below (float64 codes with masks, integer keys, one sort per entropy, a loop
  over classes), new = infoplane;
- with ``--baseline-src DIR`` (e.g. ``git archive HEAD src | tar -x -C /tmp/bin/base``; read only):
  the same forward, plane and the online path (``LayerStream``, what ``storage.online`` runs) in
  child processes alternating between ``DIR`` and this tree, so that both see the same load.

Each old/new pair is checked for equal values (activations bit for bit, planes exactly).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

WIDTHS = (10, 7, 5, 4, 3)
REPEATS, N_BINS = 50, 29


def reference(t: np.ndarray, y: np.ndarray, n_bins: int = 30) -> tuple[float, float]:
    """(I(X;T), I(T;Y)) in bits with np.digitize + np.unique(axis=0), as in the IDNNs code."""
    edges = np.linspace(-1, 1, n_bins + 1)
    codes = np.clip(np.digitize(t, edges) - 1, 0, n_bins - 1)

    def h(c: np.ndarray) -> float:
        _, counts = np.unique(c, axis=0, return_counts=True)
        p = counts / counts.sum()
        return float(-(p * np.log2(p)).sum())

    h_t = h(codes)
    h_t_y = sum((y == c).mean() * h(codes[y == c]) for c in np.unique(y))
    return h_t, h_t - h_t_y


# -- the plain routine of infoplane before issue 15 (the "old" plane of --epoch) -------------------
def _old_entropy(keys: np.ndarray) -> np.ndarray:
    n = keys.shape[-1]
    flat = np.sort(keys.reshape(-1, n), axis=1)
    starts = np.ones(flat.shape, dtype=bool)
    starts[:, 1:] = flat[:, 1:] != flat[:, :-1]
    row, col = np.nonzero(starts)
    ends = np.append(col[1:], n)
    ends[np.append(row[1:] != row[:-1], True)] = n
    p = (ends - col).astype(np.float64) / n
    return np.bincount(row, weights=-p * np.log(p), minlength=flat.shape[0]).reshape(
        keys.shape[:-1]
    )


def old_plane(t: np.ndarray, y: np.ndarray, n_bins: int = N_BINS) -> tuple[np.ndarray, np.ndarray]:
    """(I(X;T), I(T;Y)) in bits of (..., n, d) activations on [-1, 1], the pre-issue-15 way."""
    t = np.asarray(t, dtype=np.float64)
    anchor, width, upper, top = -1.0, 2.0 / n_bins, 1.0, n_bins - 1.0
    codes = np.subtract(t, anchor, dtype=np.float64)
    codes /= width
    np.floor(codes, out=codes)
    above = t > upper
    np.minimum(codes, top, out=codes, where=~above)
    np.maximum(codes, top + 1.0, out=codes, where=above)
    np.maximum(codes, 0.0, out=codes, where=t >= anchor)
    np.minimum(codes, -1.0, out=codes, where=t < anchor)
    codes = codes.astype(np.int64)
    codes = codes - codes.min()
    base = int(codes.max()) + 1
    keys = codes @ (base ** np.arange(codes.shape[-1], dtype=np.int64))
    h_t = _old_entropy(keys)
    h_t_y = np.zeros_like(h_t)
    for c in np.unique(y):
        mask = y == c
        h_t_y += mask.mean() * _old_entropy(keys[..., mask])
    return h_t / np.log(2.0), (h_t - h_t_y) / np.log(2.0)


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def cpu_median(fn, rounds: int) -> float:
    """Median CPU seconds of ``fn`` over ``rounds`` calls (after one warm-up call)."""
    fn()
    times = []
    for _ in range(rounds):
        c0 = time.process_time()
        fn()
        times.append(time.process_time() - c0)
    return float(np.median(times))


# -- one captured epoch -------------------------------------------------------------------------------
def _epoch_setup(softmax: str = "new"):
    import torch
    from torch import nn

    from infoplane.data import twelve_bit_inputs, twelve_bit_labels
    from infoplane.models.ensemble import EnsembleMLP

    torch.set_num_threads(1)
    model = EnsembleMLP(list(range(REPEATS)), hidden=WIDTHS)
    with torch.no_grad():  # spread the weights: activations fill many bins, as after training
        for p in model.parameters():
            p.mul_(3.0)
    if softmax == "old":
        model.layers[-1].softmax = nn.Softmax(dim=-1)
    return model, torch.as_tensor(twelve_bit_inputs()), twelve_bit_labels()


def epoch_measure(rounds: int) -> dict:
    """CPU seconds per captured epoch of this source tree: forward, estimator plane, online."""
    from infoplane.capture import run_and_capture
    from infoplane.estimators import make_estimator
    from infoplane.run.config import EstimatorConfig
    from infoplane.run.streaming import LayerStream

    model, x, labels = _epoch_setup()
    layers = model.layer_names(True)
    est = make_estimator("binning", n_bins=N_BINS, range=(-1.0, 1.0))
    cfg = EstimatorConfig(name="binning", params={"n_bins": N_BINS, "range": [-1.0, 1.0]})
    streams = [LayerStream(cfg, labels, online=True, complete_inputs=True) for _ in layers]
    acts = {k: v.numpy() for k, v in run_and_capture(model, x, layers, sample_dims=2).items()}

    def online() -> list:
        out = []
        for s, name in zip(streams, layers, strict=True):
            s.begin()
            s.add(0, acts[name])
            out.append(s.finish())
        return out

    forward = cpu_median(lambda: run_and_capture(model, x, layers, sample_dims=2), rounds)
    plane = cpu_median(lambda: [est.information_plane(acts[k], labels) for k in layers], rounds)
    stream = cpu_median(online, rounds)
    values = [np.asarray(v).tolist() for row in online() for v in row]
    return {"forward": forward, "plane": plane, "online": stream, "values": values}


def epoch_in_process(rounds: int) -> list[tuple[str, float, float, bool]]:
    """(row, old s, new s, equal) measured in this process: forward (softmax) and the plane."""
    import torch

    from infoplane.capture import run_and_capture
    from infoplane.estimators import make_estimator

    model, x, labels = _epoch_setup()
    old_model, _, _ = _epoch_setup("old")
    layers = model.layer_names(True)
    est = make_estimator("binning", n_bins=N_BINS, range=(-1.0, 1.0))
    a_new = run_and_capture(model, x, layers, sample_dims=2)
    a_old = run_and_capture(old_model, x, layers, sample_dims=2)
    same_acts = all(torch.equal(a_new[k], a_old[k]) for k in layers)
    acts = {k: v.numpy() for k, v in a_new.items()}
    same_plane = all(
        np.array_equal(a, b)
        for k in layers
        for a, b in zip(
            est.information_plane(acts[k], labels), old_plane(acts[k], labels), strict=True
        )
    )
    rows = []
    for _ in range(2):  # old, new, old, new: both see the same load
        rows.append(
            (
                cpu_median(lambda: run_and_capture(old_model, x, layers, sample_dims=2), rounds),
                cpu_median(lambda: run_and_capture(model, x, layers, sample_dims=2), rounds),
                cpu_median(lambda: [old_plane(acts[k], labels) for k in layers], rounds),
                cpu_median(
                    lambda: [est.information_plane(acts[k], labels) for k in layers], rounds
                ),
            )
        )
    med = np.median(np.array(rows), axis=0)
    return [
        ("capture forward", med[0], med[1], same_acts),
        ("binning plane (estimator)", med[2], med[3], same_plane),
        ("forward + plane", med[0] + med[2], med[1] + med[3], same_acts and same_plane),
    ]


def epoch_with_baseline(base_src: str, rounds: int, pairs: int) -> list[tuple]:
    """Old source tree vs this one, in alternating child processes (one thread each)."""
    here = str(Path(__file__).resolve().parents[1] / "src")
    results: dict[str, list[dict]] = {"old": [], "new": []}
    for _ in range(pairs):
        for tag, src in (("old", base_src), ("new", here)):
            env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
            env["PYTHONPATH"] = src
            out = subprocess.run(
                [sys.executable, __file__, "--child-epoch", str(rounds)],
                capture_output=True,
                text=True,
                env=env,
                check=False,
            )
            if out.returncode != 0:
                raise RuntimeError(f"{tag} child failed:\n{out.stderr[-3000:]}")
            results[tag].append(json.loads(out.stdout.strip().splitlines()[-1]))
    same = results["old"][0]["values"] == results["new"][0]["values"]

    def med(tag: str, key: str) -> float:
        return float(np.median([r[key] for r in results[tag]]))

    rows = [
        (f"{name} [{src}]", med("old", key), med("new", key), same)
        for name, key, src in (
            ("capture forward", "forward", "baseline src"),
            ("binning plane (estimator)", "plane", "baseline src"),
            ("online stream (LayerStream)", "online", "baseline src"),
        )
    ]
    for key in ("plane", "online"):
        rows.append(
            (
                f"forward + {'online' if key == 'online' else 'plane'} [baseline src]",
                med("old", "forward") + med("old", key),
                med("new", "forward") + med("new", key),
                same,
            )
        )
    return rows


def print_epoch_table(rows: list[tuple], rounds: int) -> None:
    print(
        f"one captured epoch of tishby2017 (R={REPEATS}, n=4096, widths {WIDTHS} + softmax 2, "
        f"{N_BINS} bins on [-1, 1]); CPU ms, median of {rounds}"
    )
    print(f"{'step':<48} {'old [ms]':>9} {'new [ms]':>9} {'old/new':>8}  equal values")
    for name, old, new, same in rows:
        print(f"{name:<48} {old * 1e3:>9.1f} {new * 1e3:>9.1f} {old / new:>7.2f}x  {same}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--epoch", action="store_true", help="one captured epoch, old vs new")
    parser.add_argument("--rounds", type=int, default=5, help="timed calls per measurement")
    parser.add_argument("--pairs", type=int, default=3, help="old/new child pairs (baseline)")
    parser.add_argument("--baseline-src", help="an old source tree (its src/ folder)")
    parser.add_argument("--child-epoch", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_epoch:
        print(json.dumps(epoch_measure(args.child_epoch)))
        return
    if args.epoch:
        rows = epoch_in_process(args.rounds)
        if args.baseline_src:
            rows += epoch_with_baseline(args.baseline_src, args.rounds, args.pairs)
        print_epoch_table(rows, args.rounds)
        return

    from infoplane.estimators import binning_information_plane

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, size=4096)
    one = np.tanh(rng.normal(size=(4096, 10)) * 2).astype(np.float32)
    batch = np.tanh(rng.normal(size=(args.batch, 4096, 10)) * 2).astype(np.float32)

    ours = binning_information_plane(one, y)
    ref = reference(one, y)
    assert np.allclose(ours, ref), (ours, ref)
    rows = [
        (
            "4096 x 10, one layer",
            best_of(lambda: reference(one, y), args.repeats),
            best_of(lambda: binning_information_plane(one, y), args.repeats),
        ),
        (
            f"{args.batch} x 4096 x 10, batch",
            best_of(lambda: [reference(b, y) for b in batch], 1),
            best_of(lambda: binning_information_plane(batch, y), 1),
        ),
    ]
    print(f"{'case':<28} {'np.unique(axis=0) [ms]':>24} {'infoplane [ms]':>16} {'speed-up':>9}")
    for name, t_ref, t_ours in rows:
        print(f"{name:<28} {t_ref * 1e3:>24.1f} {t_ours * 1e3:>16.1f} {t_ref / t_ours:>8.1f}x")
    print(f"values agree: I(X;T) = {ours[0]:.4f} bits, I(T;Y) = {ours[1]:.4f} bits")


if __name__ == "__main__":
    main()
