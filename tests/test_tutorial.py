"""``docs/tutorial.ipynb`` runs, top to bottom, and says what it claims.

The notebook is read with nbformat and its code cells are executed in order in one namespace, in
a temporary working directory, with the Agg backend (no Jupyter kernel needed), so that it runs in
CI. Then the namespace is checked against what the notebook's text says: the plane is in bits on
the log-spaced epochs, the wide convolutional maps are flagged ``saturated`` at log2 500 bits while
the dense layers under ``kde_upper`` are clear, the run directory holds the tables and figures of
``infoplane run``, and the report is written.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

nbformat = pytest.importorskip("nbformat")

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "tutorial.ipynb"


@pytest.fixture(scope="module")
def namespace(tmp_path_factory: pytest.TempPathFactory) -> dict:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    ns: dict = {"__name__": "__tutorial__"}
    mp = pytest.MonkeyPatch()
    mp.chdir(tmp_path_factory.mktemp("tutorial"))
    try:
        for i, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
            assert not cell.source.lstrip().startswith(("%", "!")), "no IPython magics"
            exec(compile(cell.source, f"tutorial cell {i}", "exec"), ns)
    finally:
        mp.undo()
        plt.close("all")
    return ns


@pytest.mark.filterwarnings("ignore:.*outside the binning range")
def test_tutorial_plane_is_in_bits_on_log_spaced_epochs(namespace: dict) -> None:
    from infoplane.training.schedule import log_spaced_epochs

    table = namespace["table"]
    assert set(table["unit"]) == {"bits"}
    assert set(table["estimator"]) == {"binning", "kde_upper"}
    epochs = log_spaced_epochs(namespace["EPOCHS"], 10).tolist()
    assert sorted(table["epoch"].unique().tolist()) == epochs == namespace["rec"].epochs
    assert table["layer_name"].unique().tolist() == ["relu1", "relu2", "relu3", "out"]
    ceiling = np.log2(500)
    assert (table["i_xt"] <= ceiling + 1e-9).all() and (table["i_xt"] >= -1e-9).all()
    assert (table["i_ty"] <= np.log2(10) + 1e-9).all()
    assert namespace["test_acc"] > 0.9  # the CNN learns the digits


def test_tutorial_flags_say_what_the_text_says(namespace: dict) -> None:
    table = namespace["table"]
    kde = table[table["estimator"] == "kde_upper"]
    conv = kde[kde["layer_name"].isin(["relu1", "relu2"])]
    assert conv["flags"].str.contains("saturated").all()
    assert np.allclose(conv["i_xt"], np.log2(500), atol=0.1)
    dense = kde[kde["layer_name"].isin(["relu3", "out"])]
    assert (dense["flags"] == "").all()
    assert dense["i_xt"].max() < np.log2(500) - 0.5
    summary = namespace["summary"]
    assert summary.startswith(f"Validity flags of {len(table)} rows")


def test_tutorial_writes_the_run_directory_and_report(namespace: dict) -> None:
    from infoplane.storage.layout import RunLayout

    run = RunLayout(namespace["run_dir"])
    for path in (run.plane, run.gradients, run.history, run.phases, run.plane_figure):
        assert path.is_file(), path
    assert run.is_run()
    html = namespace["report"].html
    assert html.is_file() and "I(X;T) [bits]" in html.read_text(encoding="utf-8")


def test_tutorial_lightning_section(namespace: dict) -> None:
    pytest.importorskip("lightning")
    cb = namespace["callback"]
    assert cb.capture_epochs == [0, 1, 2, 4, 6]
    assert sorted(cb.plane["epoch"].unique().tolist()) == cb.capture_epochs
    assert set(cb.plane["layer_name"]) == {"net.relu3", "net.out"}
    assert cb.layout.plane.is_file() and cb.layout.plane_figure.is_file()
    assert any(Path(namespace["trainer"].logger.log_dir).glob("events.out.tfevents.*"))
