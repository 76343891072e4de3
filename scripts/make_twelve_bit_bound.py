"""Recompute the IB bound of the 12-bit soft rule shipped in ``bottleneck/_files/``.

Run from the repository root::

    python scripts/make_twelve_bit_bound.py

Uses p(x) and p(y|x) of ``all.mat`` as shipped in ``infoplane.data`` (Shwartz-Ziv & Tishby 2017,
arXiv 1703.00810), traces the IB curve (Tishby, Pereira & Bialek 1999, arXiv physics/0004057) with
reverse annealing from the identity encoder over 60 betas log-spaced on [1, 1e4] plus forward
annealing with splitting up to beta = 1000, keeps the monotone envelope, appends the beta = inf end
point T = X, and writes ``src/infoplane/bottleneck/_files/twelve_bit_bound.csv``.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from infoplane.bottleneck import IBCurve, information_bottleneck
from infoplane.bottleneck.distributions import as_joint_distribution
from infoplane.data.twelve_bit import twelve_bit_p_x, twelve_bit_p_y_given_x

OUT = Path(__file__).resolve().parents[1] / "src/infoplane/bottleneck/_files/twelve_bit_bound.csv"


def main() -> None:
    dist = as_joint_distribution(p_y_given_x=twelve_bit_p_y_given_x(), p_x=twelve_bit_p_x())
    betas = np.logspace(0, 4, 60)
    t0 = time.perf_counter()
    rev = information_bottleneck(
        dist, betas, annealing="reverse", reverse_max_iter=100, reverse_merge_tol=1e-2
    )
    fwd = information_bottleneck(dist, betas[betas <= 1000], annealing="forward")
    print(f"traced in {time.perf_counter() - t0:.1f} s")
    take_fwd = np.zeros(len(betas), dtype=bool)
    take_fwd[: len(fwd.beta)] = fwd.lagrangian < rev.lagrangian[: len(fwd.beta)]
    pick = lambda a, b: np.where(take_fwd, np.pad(a, (0, len(betas) - len(a))), b)  # noqa: E731
    best = IBCurve(
        beta=betas,
        i_xt=pick(fwd.i_xt, rev.i_xt),
        i_ty=pick(fwd.i_ty, rev.i_ty),
        lagrangian=pick(fwd.lagrangian, rev.lagrangian),
        n_clusters=pick(fwd.n_clusters, rev.n_clusters).astype(np.int64),
        method="ib",
        i_xy=rev.i_xy,
        h_x=rev.h_x,
    )
    env = best.envelope().to_frame()[["beta", "i_xt", "i_ty"]]
    end = pd.DataFrame(
        {"beta": [np.inf], "i_xt": [dist.entropy_x()], "i_ty": [dist.mutual_information()]}
    )
    out = pd.concat([env, end], ignore_index=True)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w") as fh:
        fh.write("# IB bound of the 12-bit soft rule (all.mat); scripts/make_twelve_bit_bound.py\n")
        out.to_csv(fh, index=False, float_format="%.8g")
    print(f"wrote {OUT} ({len(out)} rows); forward better at {int(take_fwd.sum())} betas")
    print(out.to_string())


if __name__ == "__main__":
    main()
