"""Shared pytest options: slow tests are opt-in with ``--runslow``."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--runslow", action="store_true", default=False, help="run tests marked slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow: pass --runslow to run")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def saved_figures(monkeypatch: pytest.MonkeyPatch) -> list:
    """Every matplotlib Figure saved during the test (to inspect what a written PNG holds)."""
    from matplotlib.figure import Figure

    saved: list = []
    original = Figure.savefig

    def spy(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        saved.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", spy)
    return saved


def _plane_axes(figures: list, unit: str = "bits") -> list:
    """The information-plane panels among saved figures, checked for the papers' conventions.

    Each panel has x = I(X;T) and y = I(T;Y) labelled with ``unit``; its figure has a colour bar
    labelled "Epochs" on a log scale.
    """
    from matplotlib.colors import LogNorm

    panels = []
    for fig in figures:
        for ax in fig.axes:
            if ax.get_xlabel().startswith("I(X;T)"):
                assert f"[{unit}]" in ax.get_xlabel(), ax.get_xlabel()
                assert ax.get_ylabel().startswith("I(T;Y)") and f"[{unit}]" in ax.get_ylabel()
                panels.append(ax)
        if any(ax.get_xlabel().startswith("I(X;T)") for ax in fig.axes):
            bars = [ax for ax in fig.axes if "Epochs" in (ax.get_ylabel() + ax.get_xlabel())]
            assert bars, "an information-plane figure needs a colour bar labelled Epochs"
            mappables = [c for ax in fig.axes for c in ax.collections if c.get_array() is not None]
            assert any(isinstance(m.norm, LogNorm) for m in mappables), "epoch colours: log scale"
    return panels


@pytest.fixture
def plane_axes():  # type: ignore[no-untyped-def]
    """``plane_axes(figures, unit="bits")``: the checked information-plane panels of saved figures."""
    return _plane_axes
