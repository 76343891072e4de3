"""Presets whose planes mean something (issue 13) and the switches for costly analyses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from infoplane.cli import app
from infoplane.interface import InfoplaneError
from infoplane.run.config import available_presets, load_config

NEW = ["mnist1d-mlp", "mnist1d-cnn", "digits-cnn"]
N_EVAL = {"mnist1d-mlp": 5000, "mnist1d-cnn": 5000, "digits-cnn": 1797}  # all rows evaluated


def test_every_preset_validates() -> None:
    names = available_presets()
    assert set(NEW) <= set(names)
    for name in names:
        cfg = load_config(name)
        assert cfg.name == name
    cfg = load_config("mnist1d-cnn")
    assert (cfg.data.task, cfg.model.arch) == ("mnist1d", "cnn1d")
    assert load_config("mnist1d-mlp").data.task == "mnist1d"
    assert load_config("digits-cnn").data.task == "digits"


def test_unknown_preset_lists_the_known_ones() -> None:
    with pytest.raises(InfoplaneError, match="mnist1d-mlp"):
        load_config("mnist1d-lstm")


def _needs(name: str) -> None:
    if name.startswith("mnist1d"):
        pytest.importorskip("mnist1d")


def _run(name: str, tmp_path: Path, **overrides: Any) -> Any:
    from infoplane.run.engine import run_experiment

    cfg = load_config(name, overrides=overrides)
    return run_experiment(cfg, tmp_path / name, progress=False, make_figures=False)


def _plane_summary(plane: Any) -> tuple[Any, Any]:
    """Final I(X;T) per layer and its range over the epochs (mean over repeats, bits)."""
    mean = plane.groupby(["layer", "epoch"])["i_xt"].mean()
    final = mean.groupby(level=0).last()
    span = mean.groupby(level=0).agg(np.ptp)
    return final, span


SHORT = {
    "mnist1d-mlp": {"training": {"epochs": 30}, "capture": {"n_points": 20}},
    "mnist1d-cnn": {"training": {"epochs": 12}, "capture": {"n_points": 12}},
    "digits-cnn": {"training": {"epochs": 20}, "capture": {"n_points": 15}},
}


@pytest.mark.parametrize("name", NEW)
def test_short_runs_of_the_presets_are_not_pinned_at_log2_n(name: str, tmp_path: Path) -> None:
    """The presets' own estimator settings leave room below log2 n, and the points move.

    The same activations binned as the older presets do (30 bins over the data range) are pinned
    at log2 n in the first layer: what the presets' coarse bins fix.
    """
    _needs(name)
    from infoplane.estimators import make_estimator
    from infoplane.storage.activations import load_activations

    res = _run(
        name, tmp_path, analysis={"diagnostics": False, "gradient_stats": False}, **SHORT[name]
    )
    assert set(res.plane["unit"]) == {"bits"}
    n = N_EVAL[name]
    final, span = _plane_summary(res.plane)
    assert (final <= np.log2(n) + 1e-9).all()
    assert (final < 0.9 * np.log2(n)).mean() > 0.5, final  # most layers below the ceiling
    assert span.max() > 0.5, span  # and the points move over training
    # the validity flags are mostly clear, and nothing is at the log2 n ceiling
    flags = res.plane["flags"]
    assert (flags == "").mean() > 0.5, flags.value_counts()
    assert not flags.str.contains("saturated").any(), flags.value_counts()
    # the fine-grained binning of the older presets on the same activations: pinned
    first = res.plane.sort_values("layer")["layer_name"].iloc[0]
    t = load_activations(res.out_dir, first)  # (n_epochs, n_samples, n_units)
    fine = make_estimator("binning", n_bins=30, range="data")
    i_xt, _ = fine.information_plane(t.reshape(t.shape[0], t.shape[1], -1), _labels(name))
    assert i_xt[-1] > 0.97 * np.log2(n), i_xt[-1]


def _labels(name: str) -> np.ndarray:
    from infoplane.run.setup import evaluation_indices, load_dataset

    cfg = load_config(name)
    ds = load_dataset(cfg)
    return ds.y[evaluation_indices(ds, cfg)]


@pytest.mark.slow
@pytest.mark.parametrize("name", NEW)
def test_full_preset_runs_move_and_stay_below_log2_n(name: str, tmp_path: Path) -> None:
    """The preset as shipped (measured for the README: < 2 min each on 2 cores)."""
    _needs(name)
    res = _run(name, tmp_path)
    n = N_EVAL[name]
    final, span = _plane_summary(res.plane)
    assert (final < 0.9 * np.log2(n)).mean() >= 0.75, final
    assert span.max() > 0.5, span
    assert (res.plane["flags"] == "").mean() > 0.6, res.plane["flags"].value_counts()


# ------------------------------------------------------------------ switches for costly analyses
class _Stop(Exception):
    """Raised by the fake run_experiment once the CLI has built the config."""


@pytest.fixture
def seen_config(monkeypatch: pytest.MonkeyPatch) -> list:
    import infoplane.run.engine as engine

    seen: list = []

    def fake(cfg: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(cfg)
        raise _Stop

    monkeypatch.setattr(engine, "run_experiment", fake)
    return seen


def _analysis(seen: list, tmp_path: Path, *args: str) -> Any:
    before = len(seen)
    res = CliRunner().invoke(app, ["run", "--quiet", "--out", str(tmp_path / "r"), *args])
    assert len(seen) == before + 1, res.output  # the CLI reached run_experiment with a config
    return seen[-1].analysis


def test_layer_check_is_off_unless_asked_for(seen_config: list, tmp_path: Path) -> None:
    assert _analysis(seen_config, tmp_path).layer_check is False
    assert _analysis(seen_config, tmp_path, "--layer-check").layer_check is True
    assert _analysis(seen_config, tmp_path, "--no-layer-check").layer_check is False
    # a config file that asks for it is obeyed; the command line wins over it
    cfg = tmp_path / "check.yaml"
    cfg.write_text("analysis:\n  layer_check: true\n")
    assert _analysis(seen_config, tmp_path, "--config", str(cfg)).layer_check is True
    off = _analysis(seen_config, tmp_path, "--config", str(cfg), "--no-layer-check")
    assert off.layer_check is False


def test_diagnostics_and_gradient_switches(seen_config: list, tmp_path: Path) -> None:
    default = _analysis(seen_config, tmp_path)
    assert default.diagnostics is True and default.gradient_stats is True
    off = _analysis(seen_config, tmp_path, "--no-diagnostics", "--no-gradient-stats")
    assert off.diagnostics is False and off.gradient_stats is False
    cfg = tmp_path / "off.yaml"
    cfg.write_text("analysis:\n  diagnostics: false\n")
    assert _analysis(seen_config, tmp_path, "--config", str(cfg)).diagnostics is False
    on = _analysis(seen_config, tmp_path, "--config", str(cfg), "--diagnostics")
    assert on.diagnostics is True


def test_resume_refuses_the_switches(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["run", "--resume", str(tmp_path), "--layer-check"])
    assert res.exit_code == 2


def test_layer_check_reports_progress_per_layer(tmp_path: Path) -> None:
    """The IB layer check (seconds per layer) goes through the run's progress factory."""
    from infoplane.data import load_twelve_bit
    from infoplane.run.config import RunConfig
    from infoplane.run.engine import run_experiment
    from infoplane.run.figures import write_run_figures

    cfg = RunConfig(
        model={"hidden": [2]},
        training={"epochs": 2},
        capture={"n_points": 2},
        analysis={
            "diagnostics": False,
            "gradient_stats": False,
            "layer_check": True,
            "layer_check_epochs": 2,
        },
    )
    res = run_experiment(cfg, tmp_path / "run", progress=False, make_figures=False)
    calls: list = []

    def bar(items: Any, **kwargs: Any) -> Any:
        calls.append((list(items), kwargs))
        return iter(calls[-1][0])

    written = write_run_figures(res, cfg, load_twelve_bit(), progress=bar)
    assert "layer_check.csv" in written
    ((items, kwargs),) = calls
    assert items == ["layers.0.act", "layers.1.softmax"]
    assert kwargs["desc"] == "IB layer check" and kwargs["unit"] == "layer"
