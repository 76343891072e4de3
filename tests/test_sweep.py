"""Sweeps: Dask equals serial, reruns skip, shards equal the unsplit run, no network is trained twice,
and errors name the key or the run directory."""

from __future__ import annotations

import itertools
import types

import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from infoplane.interface import InfoplaneError, InfoplaneRuntimeError
from infoplane.run.sweep import (
    GRID_COLUMNS,
    SUCCESS_MARKER,
    SweepConfig,
    load_sweep_config,
    run_sweep,
)

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


def test_serial_sweep_merges_the_grid_and_reruns_skip(tmp_path):
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(TINY))
    config = load_sweep_config(path)
    serial = run_sweep(config, tmp_path / "serial", executor="serial", progress=False)
    assert len(serial.ran) == 4 and not serial.skipped
    assert list(serial.table.columns[: len(GRID_COLUMNS)]) == list(GRID_COLUMNS)
    assert set(serial.table["architecture"]) == {"6-4", "5"}
    again = run_sweep(config, tmp_path / "serial", executor="serial", progress=False)
    assert not again.ran and len(again.skipped) == 4
    pd.testing.assert_frame_equal(_sorted(again.table), _sorted(serial.table))
    assert (tmp_path / "serial" / "sweep.parquet").is_file()


@pytest.mark.slow
def test_dask_two_workers_equals_serial(tmp_path):
    """About 15 s: a LocalCluster of two spawned workers, each importing torch."""
    pytest.importorskip("dask.distributed")
    config = SweepConfig.model_validate(TINY)
    serial = run_sweep(config, tmp_path / "serial", executor="serial", progress=False)
    dask = run_sweep(config, tmp_path / "dask", executor="dask", n_workers=2, progress=False)
    pd.testing.assert_frame_equal(_sorted(serial.table), _sorted(dask.table))


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


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"seeds": [0, 1, 0]}, "seeds"),
        ({"seeds": [-1]}, "seeds"),
        ({"activations": ["tanh", "tanh"]}, "activations"),
        ({"architectures": [[5], [5]]}, "architectures"),
        ({"shards": 0}, "shards"),
    ],
)
def test_bad_grid_is_refused_naming_the_key_before_anything_is_written(tmp_path, change, key):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({**TINY, **change}))
    with pytest.raises(InfoplaneError, match=key) as info:
        load_sweep_config(path)
    assert str(path) in str(info.value)
    assert not isinstance(info.value, InfoplaneRuntimeError)  # a usage error: exit 2
    with pytest.raises(InfoplaneError, match=key):  # built in code: the same error type
        SweepConfig.model_validate({**TINY, **change})


def test_missing_sweep_file_and_file_as_out_dir_are_usage_errors(tmp_path):
    with pytest.raises(InfoplaneError, match=r"missing\.yaml"):
        load_sweep_config(tmp_path / "missing.yaml")
    not_dir = tmp_path / "plain.txt"
    not_dir.write_text("x")
    with pytest.raises(InfoplaneError, match=r"plain\.txt"):
        run_sweep(SweepConfig.model_validate(TINY), not_dir, executor="serial", progress=False)


def _members(config: SweepConfig) -> dict[tuple, list[set[int]]]:
    """Member-seed sets of the runs, grouped by (architecture, activation)."""
    out: dict[tuple, list[set[int]]] = {}
    for point, run_config in config.run_configs():
        group = (point["architecture"], point["activation"])
        out.setdefault(group, []).append(set(run_config.seeds()))
    return out


def test_seeds_0_1_with_two_repeats_train_four_distinct_networks():
    """Today's bug: seeds [0, 1] x repeats 2 trained members {0, 1} and {1, 2}: network 1 twice."""
    for shards in (1, 2):
        config = SweepConfig.model_validate({**TINY, "seeds": [0, 1], "shards": shards})
        for sets in _members(config).values():
            assert len(sets) == 2 * shards
            for a, b in itertools.combinations(sets, 2):
                assert not a & b, f"runs share member seeds {a & b}"
            assert set().union(*sets) == {0, 1, 2, 3}
    _, run_config = SweepConfig.model_validate({**TINY, "seeds": [1]}).run_configs()[0]
    assert run_config.seed == 2 and run_config.seeds() == [2, 3]


@settings(max_examples=25, deadline=None)
@given(
    seeds=st.lists(st.integers(0, 30), min_size=1, max_size=4, unique=True),
    repeats=st.integers(1, 5),
    shards=st.integers(1, 4),
    base_seed=st.integers(0, 100),
)
def test_member_seeds_are_disjoint_consecutive_blocks(seeds, repeats, shards, base_seed):
    base = {**TINY["base"], "repeats": repeats, "seed": base_seed}
    config = SweepConfig.model_validate(
        {**TINY, "base": base, "seeds": seeds, "architectures": [[5]], "shards": shards}
    )
    runs = config.runs()
    for a, b in itertools.combinations([set(r.config.seeds()) for r in runs], 2):
        assert not a & b
    for s in seeds:
        parts = [r for r in runs if r.point["seed"] == s]
        members = sorted(m for r in parts for m in r.config.seeds())
        first = base_seed + s * repeats
        assert members == list(range(first, first + repeats))
        for r in parts:  # first_repeat places each shard inside its block
            assert r.config.seed == first + r.first_repeat


def test_merged_table_counts_each_network_once(tmp_path):
    """The merged table's (run, repeat) networks are distinct: distinct member seeds, distinct
    trajectories, and each equals an independent single-network run with its member seed."""
    from infoplane.run.config import validate_config
    from infoplane.run.engine import run_experiment

    grid = {**TINY, "seeds": [0, 1], "architectures": [[5]]}
    grid["base"] = {**TINY["base"], "training": {"epochs": 4, "device": "cpu"}}
    result = run_sweep(
        SweepConfig.model_validate(grid), tmp_path / "s", executor="serial", progress=False
    )
    table = result.table
    curves = {
        key: tuple(g.sort_values(["epoch", "layer"])["i_xt"].round(12))
        for key, g in table.groupby(["run", "repeat"])
    }
    assert len(curves) == 4
    assert len(set(curves.values())) == 4, "two (run, repeat) rows hold the same network"
    networks = table.groupby(["run", "repeat"])["member_seed"].unique()
    assert all(len(v) == 1 for v in networks)
    assert sorted(int(v[0]) for v in networks) == [0, 1, 2, 3]
    one = next(r for r in SweepConfig.model_validate(grid).runs() if r.point["seed"] == 1)
    single = validate_config({**one.config.model_dump(mode="json"), "seed": 2, "repeats": 1})
    alone = run_experiment(single, tmp_path / "alone", progress=False, make_figures=False).plane
    rows = table[(table["seed"] == 1) & (table["repeat"] == 0)]
    cols = ["epoch", "layer", "i_xt", "i_ty"]
    pd.testing.assert_frame_equal(
        rows[cols].sort_values(cols[:2], ignore_index=True),
        alone[cols].sort_values(cols[:2], ignore_index=True),
        check_exact=False,
        rtol=0,
        atol=1e-9,
    )


def _fake_run(fail_seed: int):
    """A stand-in for run_experiment: fails for one member seed, else returns a tiny table."""

    def fake(config, out_dir, **kwargs):
        if config.seed == fail_seed:
            raise RuntimeError("diverged")
        from infoplane.storage.layout import RunLayout

        layout = RunLayout(out_dir)
        layout.root.mkdir(parents=True, exist_ok=True)
        plane = pd.DataFrame(
            {
                "repeat": list(range(config.repeats)),
                "epoch": 0,
                "layer": 1,
                "estimator": "binning",
                "i_xt": 1.0,
                "i_ty": 0.5,
                "unit": "bits",
            }
        )
        plane.to_parquet(layout.plane)
        return types.SimpleNamespace(plane=plane)

    return fake


def test_failed_run_raises_runtime_error_naming_its_directory(tmp_path, monkeypatch):
    import infoplane.run.engine as engine

    monkeypatch.setattr(engine, "run_experiment", _fake_run(fail_seed=6))
    config = SweepConfig.model_validate({**TINY, "architectures": [[5]]})  # seeds 0, 3 -> 0, 6
    with pytest.raises(InfoplaneRuntimeError) as info:
        run_sweep(config, tmp_path / "s", executor="serial", progress=False)
    failed = next(r for r in config.runs() if r.config.seed == 6)
    ok = next(r for r in config.runs() if r.config.seed == 0)
    assert str(tmp_path / "s" / "runs" / failed.key) in str(info.value)
    assert "diverged" in str(info.value)
    assert (tmp_path / "s" / "runs" / ok.key / SUCCESS_MARKER).is_file()
    monkeypatch.setattr(engine, "run_experiment", _fake_run(fail_seed=-1))
    again = run_sweep(config, tmp_path / "s", executor="serial", progress=False)
    assert again.ran == [failed.key] and again.skipped == [ok.key]
    assert sorted(again.table["member_seed"]) == [0, 1, 6, 7]


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
    assert sorted(split.table["member_seed"].unique()) == [15, 16, 17]
    cols = [c for c in whole.table.columns if c not in ("run", "shard")]
    keys = ["estimator", "repeat", "epoch", "layer"]
    pd.testing.assert_frame_equal(
        whole.table[cols].sort_values(keys, ignore_index=True),
        split.table[cols].sort_values(keys, ignore_index=True),
        check_exact=False,
        rtol=0,
        atol=1e-9,
    )
