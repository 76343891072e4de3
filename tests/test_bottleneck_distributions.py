"""Validation and loading of discrete joint distributions for the IB."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from infoplane.bottleneck import as_joint_distribution, label_smoothing, load_distribution
from infoplane.data.twelve_bit import twelve_bit_p_x, twelve_bit_p_y_given_x
from infoplane.interface import InfoplaneError

ALL_MAT = Path(__file__).resolve().parents[2] / "shared" / "data" / "all.mat"


def test_joint_and_conditional_agree() -> None:
    joint = np.array([[0.45, 0.05], [0.05, 0.45]])
    a = as_joint_distribution(joint)
    b = as_joint_distribution(p_y_given_x=[[0.9, 0.1], [0.1, 0.9]])
    assert np.allclose(a.p_x, b.p_x) and np.allclose(a.p_y_given_x, b.p_y_given_x)
    assert np.allclose(a.p_xy, joint)
    assert a.mutual_information() == pytest.approx(0.531004, abs=1e-6)
    assert a.entropy_x() == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("table", "match"),
    [
        ([[0.5, -0.1], [0.3, 0.3]], "negative"),
        ([[0.5, 0.6], [0.3, 0.3]], "not a distribution"),
        ([[np.nan, 0.5], [0.5, 0.0]], "NaN"),
        ([0.5, 0.5], "shape"),
        ([["a", "b"]], "numeric"),
    ],
)
def test_bad_tables_raise(table: object, match: str) -> None:
    with pytest.raises(InfoplaneError, match=match):
        as_joint_distribution(table)


def test_conditional_rows_must_sum_to_one() -> None:
    with pytest.raises(InfoplaneError, match="do not sum to 1"):
        as_joint_distribution(p_y_given_x=[[0.5, 0.4], [0.5, 0.5]])
    with pytest.raises(InfoplaneError, match="p_x"):
        as_joint_distribution(p_y_given_x=[[0.5, 0.5]], p_x=[0.5, 0.5])


def test_label_smoothing() -> None:
    p = label_smoothing(np.array([[1.0, 0.0]]), 0.1)
    assert np.allclose(p, [[0.95, 0.05]])
    with pytest.raises(InfoplaneError, match="label_smoothing"):
        label_smoothing(np.array([[1.0, 0.0]]), 1.0)


def test_files_roundtrip(tmp_path: Path) -> None:
    cond = np.array([[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]])
    np.save(tmp_path / "c.npy", cond)
    np.savetxt(tmp_path / "c.csv", cond, delimiter=",")
    np.savez(tmp_path / "c.npz", p_y_given_x=cond, p_x=[0.2, 0.3, 0.5])
    for name in ("c.npy", "c.csv"):
        d = load_distribution(tmp_path / name)
        assert np.allclose(d.p_y_given_x, cond) and np.allclose(d.p_x, 1 / 3)
    d = load_distribution(tmp_path / "c.npz")
    assert np.allclose(d.p_x, [0.2, 0.3, 0.5])
    with pytest.raises(FileNotFoundError):
        load_distribution(tmp_path / "missing.npy")
    (tmp_path / "x.txt").write_text("1")
    with pytest.raises(InfoplaneError, match="unknown file type"):
        load_distribution(tmp_path / "x.txt")


@pytest.mark.skipif(not ALL_MAT.exists(), reason="reference data not present")
def test_all_mat_matches_shipped_rule() -> None:
    d = load_distribution(ALL_MAT)
    assert np.allclose(d.p_y_given_x, twelve_bit_p_y_given_x())
    assert np.allclose(d.p_x, twelve_bit_p_x())
    assert d.mutual_information() == pytest.approx(0.84434, abs=1e-5)
