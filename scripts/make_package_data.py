"""Rebuild the small data files shipped inside the package from the reference data.

Run from the repository root with the reference data beside it::

    python scripts/make_package_data.py ../shared/data

Reads ``var_u.mat`` (labels of the 12-bit task, Shwartz-Ziv & Tishby 2017, arXiv 1703.00810),
``all.mat`` (the soft rule p(y|x) behind it) and the Saxe et al. (2018) 80/20 split, and writes
``src/infoplane/data/_files/twelve_bit.npz`` holding only what the package needs: the labels, p(x),
p(y|x) and the indices of the published split. Inputs are not stored: row i is the 12-bit binary
expansion of i (checked here).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import scipy.io as sio


def main(src: Path) -> None:
    var_u = sio.loadmat(src / "var_u.mat")
    features = var_u["F"].astype(np.int64)
    weights = 2 ** np.arange(11, -1, -1)
    if not np.array_equal(features @ weights, np.arange(4096)):
        raise SystemExit("var_u.mat rows are not the binary expansions of 0..4095")
    labels = var_u["y"].ravel().astype(np.uint8)

    soft = sio.loadmat(src / "all.mat")
    p_x = soft["x"].ravel().astype(np.float64)
    # PYX[0] is p(y=1|x) (PYX[0] > 0.5 reproduces var_u), so reverse rows: column k = p(y=k|x).
    p_y_given_x = soft["PYX"][::-1].T.astype(np.float64)  # (4096, 2), rows sum to 1
    if not np.array_equal(p_y_given_x[:, 1] > 0.5, labels == 1):
        raise SystemExit("all.mat PYX does not reproduce var_u labels")
    split = np.load(src / "IB_data_2017_12_21_16_51_3_275766.npz")
    train_idx = (split["X_train"].astype(np.int64) @ weights).astype(np.int16)
    test_idx = (split["X_test"].astype(np.int64) @ weights).astype(np.int16)
    if not np.array_equal(labels[train_idx], split["y_train"]):
        raise SystemExit("Saxe split labels disagree with var_u.mat")

    out = Path(__file__).resolve().parents[1] / "src/infoplane/data/_files/twelve_bit.npz"
    np.savez_compressed(
        out,
        labels=labels,
        p_x=p_x,
        p_y_given_x=p_y_given_x,
        saxe2018_train=train_idx,
        saxe2018_test=test_idx,
    )
    print(f"wrote {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data"))
