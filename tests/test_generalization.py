"""Compression amount against the generalisation gap, across hand-made run directories."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from infoplane.analysis.generalization import (
    compression_amount,
    compression_vs_generalization,
    find_run_dirs,
    gap_correlations,
    generalization_gap,
)
from infoplane.interface import InfoplaneError
from infoplane.plots.generalization import plot_compression_vs_generalization

EPOCHS = np.array([0, 1, 10, 100])


def _plane(drop: float, repeats: int = 2) -> pd.DataFrame:
    rows = []
    for r in range(repeats):
        for layer in (1, 2):
            curve = np.array([5.0, 6.0, 7.0, 7.0 - drop * layer])
            rows.append(
                pd.DataFrame(
                    {
                        "repeat": r,
                        "epoch": EPOCHS,
                        "layer": layer,
                        "layer_name": f"layers.{layer}",
                        "estimator": "binning",
                        "i_xt": curve,
                        "i_ty": 0.5,
                        "unit": "bits",
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)


def _history(gap: float, repeats: int = 2) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "repeat": np.repeat(np.arange(repeats), len(EPOCHS)),
            "epoch": np.tile(EPOCHS, repeats),
            "train_loss": 0.1,
            "test_loss": 0.1 + gap,
            "train_acc": 0.95,
            "test_acc": 0.95 - gap,
        }
    )


def _make_run(path: Path, drop: float, gap: float, activation: str = "tanh") -> Path:
    path.mkdir(parents=True)
    _plane(drop).to_parquet(path / "information_plane.parquet")
    _history(gap).to_parquet(path / "history.parquet")
    cfg = {"model": {"activation": activation, "hidden": [10, 7]}, "data": {"train_fraction": 0.8}}
    (path / "config.yaml").write_text(yaml.safe_dump(cfg))
    return path


def test_compression_amount_known_values() -> None:
    comp = compression_amount(_plane(0.5))
    assert len(comp) == 4
    by_layer = comp.groupby("layer")["compression"].mean()
    assert by_layer[1] == pytest.approx(0.5) and by_layer[2] == pytest.approx(1.0)
    assert (comp["peak_epoch"] == 10).all() and (comp["final_epoch"] == 100).all()
    with pytest.raises(InfoplaneError, match="estimator"):
        compression_amount(_plane(0.5), estimator="kde")


def test_generalization_gap() -> None:
    gap = generalization_gap(_history(0.1))
    assert gap["acc_gap"].tolist() == pytest.approx([0.1, 0.1])
    assert gap["loss_gap"].tolist() == pytest.approx([0.1, 0.1])
    with pytest.raises(InfoplaneError, match="history"):
        generalization_gap(_history(0.1).drop(columns="test_acc"))


def test_across_a_sweep(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep" / "runs"
    for k, (drop, gap) in enumerate([(0.0, 0.01), (0.3, 0.02), (0.6, 0.05), (0.9, 0.04)]):
        _make_run(sweep / f"run{k}", drop, gap, "tanh" if k % 2 else "relu")
    assert len(find_run_dirs(tmp_path / "sweep")) == 4
    table = compression_vs_generalization(tmp_path / "sweep")
    assert len(table) == 4 * 2
    assert set(table["activation"]) == {"tanh", "relu"}
    row = table[(table["run"] == "run2") & (table["layer"] == 2)].iloc[0]
    assert row["compression"] == pytest.approx(1.2) and row["acc_gap"] == pytest.approx(0.05)
    corr = gap_correlations(table).set_index("layer")["spearman"]
    assert corr[1] == pytest.approx(0.8)  # ranks (1,2,3,4) vs (1,2,4,3)
    per_rep = compression_vs_generalization(sorted(sweep.iterdir()), per_repeat=True)
    assert len(per_rep) == 4 * 2 * 2
    fig = plot_compression_vs_generalization(table, tmp_path / "scatter.png", gap="loss")
    assert (tmp_path / "scatter.png").is_file()
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == 2  # one panel per layer
    for ax, layer in zip(panels, (1, 2), strict=True):
        assert ax.get_title().startswith(f"layer {layer} ")
        assert ax.get_xlabel() == "compression: peak - final I(X;T) [bits]"
        sub = table[table["layer"] == layer]
        points = np.concatenate([c.get_offsets() for c in ax.collections])
        assert len(ax.collections) == 2  # one series per activation
        np.testing.assert_allclose(
            sorted(map(tuple, points)),
            sorted(zip(sub["compression"], sub["loss_gap"], strict=True)),
        )
    rho = gap_correlations(table, gap="loss").set_index("layer")["spearman"]
    for ax, layer in zip(panels, (1, 2), strict=True):
        assert ax.get_title().endswith(
            f"ρ = {rho[layer]:.2f}" if np.isfinite(rho[layer]) else "n/a"
        )
    assert panels[0].get_ylabel() == "generalisation gap: test - train loss [nats]"
    fig.clf()


def test_not_a_run(tmp_path: Path) -> None:
    with pytest.raises(InfoplaneError, match="no run directory"):
        find_run_dirs(tmp_path)
    with pytest.raises(InfoplaneError, match="not a directory"):
        find_run_dirs(tmp_path / "missing")
