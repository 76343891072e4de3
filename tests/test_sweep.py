"""A sweep on a local Dask cluster with two workers equals the serial sweep; reruns skip runs."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from infoplane.interface import InfoplaneError
from infoplane.run.sweep import GRID_COLUMNS, SweepConfig, load_sweep_config, run_sweep

TINY = {
    "name": "tiny",
    "preset": "default",
    "base": {
        "repeats": 2,
        "training": {"epochs": 8, "device": "cpu"},
        "capture": {"n_points": 5},
        "analysis": {"ib_bound": False, "layer_check": False},
    },
    "seeds": [0, 3],
    "architectures": [[6, 4], [5]],
    "activations": ["tanh"],
}


def _sorted(table: pd.DataFrame) -> pd.DataFrame:
    keys = ["run", "estimator", "repeat", "epoch", "layer"]
    return table.sort_values(keys, ignore_index=True)


def test_dask_two_workers_equals_serial_and_reruns_skip(tmp_path):
    pytest.importorskip("dask.distributed")
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(TINY))
    config = load_sweep_config(path)
    serial = run_sweep(config, tmp_path / "serial", executor="serial", progress=False)
    dask = run_sweep(config, tmp_path / "dask", executor="dask", n_workers=2, progress=False)
    assert len(serial.ran) == 4 and not serial.skipped
    assert list(serial.table.columns[: len(GRID_COLUMNS)]) == list(GRID_COLUMNS)
    assert set(serial.table["architecture"]) == {"6-4", "5"}
    pd.testing.assert_frame_equal(_sorted(serial.table), _sorted(dask.table))
    again = run_sweep(config, tmp_path / "serial", executor="serial", progress=False)
    assert not again.ran and len(again.skipped) == 4
    pd.testing.assert_frame_equal(_sorted(again.table), _sorted(serial.table))
    assert (tmp_path / "serial" / "sweep.parquet").is_file()


def test_sweep_config_errors_name_the_key(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({**TINY, "seedz": [1]}))
    with pytest.raises(InfoplaneError, match="seedz"):
        load_sweep_config(bad)
    cfg = SweepConfig.model_validate({**TINY, "activations": ["tanh", "swish"]})
    with pytest.raises(InfoplaneError, match="activation"):
        cfg.run_configs()
    with pytest.raises(InfoplaneError, match="executor"):
        run_sweep(SweepConfig.model_validate(TINY), tmp_path / "x", executor="threads")


def test_sharded_ensemble_equals_the_unsplit_run(tmp_path):
    """One ensemble of 3 networks split into 2 runs gives the same table as one run of 3."""
    grid = {**TINY, "seeds": [5], "architectures": [[5]], "base": {**TINY["base"], "repeats": 3}}
    whole = run_sweep(
        SweepConfig.model_validate(grid), tmp_path / "a", executor="serial", progress=False
    )
    split = run_sweep(
        SweepConfig.model_validate({**grid, "shards": 2}),
        tmp_path / "b",
        executor="serial",
        progress=False,
    )
    assert len(split.ran) == 2 and sorted(split.table["shard"].unique()) == [0, 1]
    assert sorted(split.table["repeat"].unique()) == [0, 1, 2]
    cols = [c for c in whole.table.columns if c not in ("run", "shard")]
    keys = ["estimator", "repeat", "epoch", "layer"]
    pd.testing.assert_frame_equal(
        whole.table[cols].sort_values(keys, ignore_index=True),
        split.table[cols].sort_values(keys, ignore_index=True),
        check_exact=False,
        rtol=0,
        atol=1e-9,
    )
