"""The README snippet (docs/user_loop.md): a user's own model and loop in under 15 lines."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

DOC = Path(__file__).resolve().parents[1] / "docs" / "user_loop.md"


def snippet() -> str:
    match = re.search(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert match, "docs/user_loop.md must hold a python code block"
    return match.group(1)


def test_snippet_is_under_15_lines() -> None:
    assert len(snippet().strip().splitlines()) < 15


def test_snippet_runs_and_writes_the_plane(tmp_path: Path, saved_figures: list, plane_axes) -> None:
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        scope: dict = {}
        exec(compile(snippet(), str(DOC), "exec"), scope)
    finally:
        os.chdir(cwd)
    table = scope["table"]
    assert isinstance(table, pd.DataFrame)
    assert {"repeat", "epoch", "layer", "layer_name", "estimator", "i_xt", "i_ty", "unit"} <= set(
        table.columns
    )
    assert sorted(table["epoch"].unique()) == list(range(0, 100, 10))
    assert table["layer_name"].unique().tolist() == ["1", "3"]
    assert table["i_ty"].max() <= table["i_xt"].max() + 1e-9
    assert (tmp_path / "runs/mine/information_plane.png").is_file()
    (panel,) = plane_axes(saved_figures)
    series = [c for c in panel.collections if c.get_array() is not None]
    assert len(series) == 2  # the two captured layers
    import xarray as xr

    ds = xr.open_zarr(tmp_path / "runs/mine/activations.zarr")
    assert ds["1"].shape == (1, 10, 1797, 32)
