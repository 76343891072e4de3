"""The README snippet (docs/user_loop.md): a user's own model and loop in under 15 lines."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "user_loop.md"


def snippet() -> str:
    match = re.search(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert match, "docs/user_loop.md must hold a python code block"
    return match.group(1)


def test_snippet_is_under_15_lines() -> None:
    assert len(snippet().strip().splitlines()) < 15


def test_snippet_runs_and_writes_a_plane_that_is_not_degenerate(
    tmp_path: Path, saved_figures: list, plane_axes
) -> None:
    """The README example shows a plane that means something (issue 13): not pinned at log2 n."""
    pytest.importorskip("mnist1d")
    import torch

    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        scope: dict = {}
        torch.manual_seed(0)  # the README figure's seed
        exec(compile(snippet(), str(DOC), "exec"), scope)
    finally:
        os.chdir(cwd)
    table = scope["table"]
    assert isinstance(table, pd.DataFrame)
    assert {"repeat", "epoch", "layer", "layer_name", "estimator", "i_xt", "i_ty", "unit"} <= set(
        table.columns
    )
    assert set(table["unit"]) == {"bits"}
    assert sorted(table["epoch"].unique()) == list(range(0, 100, 5))
    assert table["layer_name"].unique().tolist() == ["1", "3"]
    n = 5000
    # not pinned at log2 n: every layer ends well below it, and the points move over training
    final = table[table["epoch"] == table["epoch"].max()].set_index("layer_name")["i_xt"]
    assert (final < 0.9 * np.log2(n)).all(), final
    span = table.groupby("layer_name")["i_xt"].agg(np.ptp)
    assert (span > 0.5).all(), span
    assert table["i_ty"].between(0, np.log2(10) + 1e-9).all()
    assert (table["flags"] == "").all(), table["flags"].value_counts()  # nothing flagged
    assert (table["i_ty"] <= table["i_xt"] + 1e-9).all()
    assert (tmp_path / "runs/mine/information_plane.png").is_file()
    (panel,) = plane_axes(saved_figures)
    series = [c for c in panel.collections if c.get_array() is not None]
    # the two captured layers, one point per epoch (flagged points are a hollow series of their own)
    assert sum(len(c.get_offsets()) for c in series) == 2 * table["epoch"].nunique()
    # the figure is not degenerate: the points span more than 0.5 bit on I(X;T) and no axis needs
    # an offset label such as "1e-12+3.3217" (all points at one value)
    xs = np.concatenate([c.get_offsets()[:, 0] for c in series])
    assert np.ptp(xs) > 0.5
    panel.figure.canvas.draw()
    assert panel.xaxis.get_offset_text().get_text() == ""
    assert panel.yaxis.get_offset_text().get_text() == ""
    import xarray as xr

    ds = xr.open_zarr(tmp_path / "runs/mine/activations.zarr")
    assert ds["1"].shape == (1, 20, n, 32)
