"""The run report renders: an offline HTML page (plotly embedded), a GIF; it loads in Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from infoplane.cli.app import app
from infoplane.report import load_run, write_report

EPOCHS = np.array([0, 1, 2, 5, 10, 20, 50, 100])
CONFIG = {
    "name": "synthetic",
    "repeats": 2,
    "data": {
        "task": "12bit",
        "split": "stratified",
        "train_fraction": 0.8,
        "split_seed": 0,
        "mi_on": "all",
    },
    "model": {"hidden": [4, 3], "activation": "tanh"},
    "training": {"epochs": 100, "optimizer": "adam", "lr": 0.0004},
    "estimators": [{"name": "binning", "params": {}}],
}


def _make_run(path: Path, *, gradients: bool = True, diagnostics: bool = False) -> Path:
    """A run directory with hand-made tables (no training): 3 layers, 2 repeats."""
    path.mkdir(parents=True, exist_ok=True)
    rows = []
    x = np.log1p(EPOCHS) / np.log1p(EPOCHS[-1])
    for r in range(2):
        for layer, name in enumerate(["layers.0.act", "layers.1.act", "layers.2.softmax"], 1):
            i_xt = 12 - 2 * layer + np.sin(np.pi * x) * layer * 0.5  # rise then fall
            i_ty = 0.2 + 0.7 * x
            rows.append(
                pd.DataFrame(
                    {
                        "repeat": r,
                        "epoch": EPOCHS,
                        "layer": layer,
                        "layer_name": name,
                        "estimator": "binning",
                        "i_xt": i_xt,
                        "i_ty": i_ty,
                        "unit": "bits",
                    }
                )
            )
    plane = pd.concat(rows, ignore_index=True)
    plane.loc[(plane["layer"] == 3) & (plane["epoch"] == 5), "i_xt"] = 20.0  # a DPI violation
    second = plane.assign(estimator="kde_upper", i_xt=plane["i_xt"] * 0.8)  # a second panel
    plane = pd.concat([plane, second], ignore_index=True)
    plane.to_parquet(path / "information_plane.parquet")
    pd.DataFrame(
        {
            "repeat": np.repeat([0, 1], len(EPOCHS)),
            "epoch": np.tile(EPOCHS, 2),
            "train_loss": 0.5,
            "train_acc": 0.9,
            "test_loss": 0.6,
            "test_acc": 0.85,
        }
    ).to_parquet(path / "history.parquet")
    if gradients:
        ep = EPOCHS[1:]
        pd.DataFrame(
            {
                "repeat": 0,
                "epoch": np.tile(ep, 3),
                "layer": np.repeat([1, 2, 3], len(ep)),
                "grad_mean": np.tile(1.0 / ep, 3),
                "grad_std": np.tile(0.1 * np.sqrt(ep), 3),
                "snr": 1.0,
                "weight_norm": 1.0,
            }
        ).to_parquet(path / "gradients.parquet")
    if diagnostics:
        from infoplane.analysis.diagnostics import compute_diagnostics

        rng = np.random.default_rng(0)
        acts = {
            n: np.tanh(
                rng.standard_normal((2, len(EPOCHS), 64, 3)) * np.log1p(EPOCHS)[:, None, None]
            )
            for n in ["layers.0.act", "layers.1.act", "layers.2.softmax"]
        }
        compute_diagnostics(acts, np.arange(64) % 2, EPOCHS, activation="tanh").to_parquet(
            path / "diagnostics.parquet"
        )
    (path / "config.yaml").write_text(yaml.safe_dump(CONFIG, sort_keys=False))
    return path


def test_report_renders(tmp_path: Path) -> None:
    run = _make_run(tmp_path / "run", diagnostics=True)
    result = write_report(run)
    page = result.html.read_text(encoding="utf-8")
    assert result.html == run / "report.html"
    assert 'class="plotly-graph-div"' in page
    assert "plotly.js v" in page or "Plotly" in page[:200000]  # the library itself is embedded
    assert len(page) > 1_000_000
    assert '<script src="http' not in page and "cdn.plot.ly" not in page.split("</head>")[0]
    assert "DPI violation" in page
    for title in (
        "Information plane",
        "Geometric diagnostics",
        "Data-processing inequality",
        "Gradient signal-to-noise",
        "Training curves",
        "Configuration",
    ):
        assert title in result.sections
    from PIL import Image

    assert result.gif is not None and result.gif.is_file()
    with Image.open(result.gif) as im:
        assert im.format == "GIF" and im.n_frames == len(EPOCHS)


def test_report_without_optional_parts(tmp_path: Path) -> None:
    run = _make_run(tmp_path / "run", gradients=False)
    result = write_report(run, tmp_path / "out" / "r.html", gif=False)
    page = result.html.read_text(encoding="utf-8")
    assert result.gif is None
    assert "No gradients.parquet" in page
    assert "diagnostics.parquet" in page  # the note says what is missing
    assert page.count('class="plotly-graph-div"') == 2  # plane and training curves
    assert load_run(run).diagnostics is None


def test_report_from_activation_store(tmp_path: Path) -> None:
    storage = pytest.importorskip("infoplane.storage.activations")
    run = _make_run(tmp_path / "run")
    rng = np.random.default_rng(0)
    names = ["layers.0.act", "layers.1.act", "layers.2.softmax"]
    labels = np.arange(64) % 2
    store = storage.ActivationStore.create(
        run / "activations.zarr",
        dict.fromkeys(names, 3),
        n_repeats=2,
        labels=labels,
        epochs=EPOCHS,
    )
    z = rng.standard_normal((2, 64, 3))
    for e in EPOCHS:
        store.write_epoch(int(e), {n: np.tanh(z * (1 + np.log1p(e))) for n in names})
    data = load_run(run)
    assert data.diagnostics is not None and "activations.zarr" in data.diagnostics_source
    result = write_report(run, gif=False)
    assert "Sensitivity to the estimator's parameter" in result.sections
    assert "n_bins=100" in result.html.read_text(encoding="utf-8")


def test_cli_report(tmp_path: Path) -> None:
    run = _make_run(tmp_path / "run")
    res = CliRunner().invoke(
        app, ["report", str(run), "--out", str(tmp_path / "x.html"), "--no-gif"]
    )
    assert res.exit_code == 0, res.output
    assert (tmp_path / "x.html").is_file() and not (tmp_path / "information_plane.gif").exists()
    res = CliRunner().invoke(app, ["report", str(tmp_path)])
    assert res.exit_code == 2
    assert "not a run directory" in " ".join(res.output.split())


_PROBE = """<script>
window.__errors = [];
window.addEventListener('error', function (e) { window.__errors.push(String(e.message)); });
var _ce = console.error;
console.error = function () {
  window.__errors.push(Array.from(arguments).join(' ')); _ce.apply(console, arguments);
};
window.addEventListener('load', function () { setTimeout(function () {
  var out = document.createElement('pre'); out.id = '__probe';
  var plots = document.querySelectorAll('.js-plotly-plot .main-svg').length;
  var points = document.querySelectorAll('.js-plotly-plot .scatterlayer .point').length;
  out.textContent = 'PROBE plots=' + plots + ' points=' + points
    + ' errors=' + window.__errors.length + ' ' + window.__errors.join(' | ');
  document.body.appendChild(out); }, 2000); });
</script>"""


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.mark.skipif(
    _chromium() is None,
    reason="headless browser test needs chromium (apt-get install -y chromium); not installed",
)
def test_report_loads_in_headless_chromium(tmp_path: Path) -> None:
    run = _make_run(tmp_path / "run", diagnostics=True)
    result = write_report(run, gif=False)
    page = result.html.read_text(encoding="utf-8")
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("<head>", "<head>" + _PROBE, 1), encoding="utf-8")
    cmd = [
        _chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=15000",
        "--window-size=1200,900",
        "--dump-dom",
        probe.as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)
    found = re.search(
        r'<pre id="__probe">PROBE plots=(\d+) points=(\d+) errors=(\d+)(.*?)</pre>',
        proc.stdout,
        re.S,
    )
    assert found, f"the page did not finish loading; stderr: {proc.stderr[-2000:]}"
    plots, points, errors = (int(found.group(k)) for k in (1, 2, 3))
    assert errors == 0, found.group(0)
    assert plots >= 4, found.group(0)  # every figure drew its SVG
    assert points > 0, found.group(0)  # the plane shows its points
    console = [ln for ln in proc.stderr.splitlines() if "CONSOLE" in ln and "Uncaught" in ln]
    assert not console, console


@pytest.mark.slow
def test_report_of_a_real_run(tmp_path: Path) -> None:
    from infoplane.run.config import load_config
    from infoplane.run.engine import run_experiment

    cfg = load_config(
        "default",
        overrides={"repeats": 1, "training": {"epochs": 40}, "capture": {"n_points": 20}},
    )
    run_experiment(cfg, tmp_path / "run", progress=False, make_figures=False)
    res = CliRunner().invoke(app, ["report", str(tmp_path / "run")])
    assert res.exit_code == 0, res.output
    page = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    assert "cdn.plot.ly" not in page.split("</head>")[0]  # plotly.js embedded: works offline
    assert page.count('class="plotly-graph-div"') >= 4  # plane, diagnostics, SNR, training
    assert "I(X;T) [bits]" in page and "Dotted line: I(X;Y) = H(Y) = 0.999 bits" in page
    assert (tmp_path / "run" / "information_plane.gif").is_file()


def _plane_table(tmp_path: Path, unit: str = "bits") -> pd.DataFrame:
    plane = pd.read_parquet(_make_run(tmp_path / "run") / "information_plane.parquet")
    return plane.assign(unit=unit)


def test_plane_figure_holds_the_averaged_trajectories(tmp_path: Path) -> None:
    from infoplane.analysis.consistency import mean_dpi_violations
    from infoplane.report.figures import plane_figure

    plane = _plane_table(tmp_path)
    marks = {e: mean_dpi_violations(plane, estimator=e) for e in ("binning", "kde_upper")}
    fig = plane_figure(plane, ixy=0.99916, dpi_marks=marks)
    titles = [a.text for a in fig.layout.annotations]
    assert titles == ["binning (mean of 2 networks)", "kde_upper (mean of 2 networks)"]
    assert fig.layout.xaxis.title.text == "I(X;T) [bits]"
    assert fig.layout.yaxis.title.text == "I(T;Y) [bits]"
    assert fig.layout.xaxis2.title.text == "I(X;T) [bits]"
    layers = [t for t in fig.data if t.mode == "markers" and t.name != "DPI violation"]
    assert len(layers) == 2 * 3  # one trajectory per layer and panel
    assert [t.name for t in layers[:3]] == ["layer 1", "layer 2", "output (softmax)"]
    assert [t.marker.symbol for t in layers[:3]] == ["circle", "square", "triangle-up"]
    want = (
        plane[(plane["estimator"] == "binning") & (plane["layer"] == 2)]
        .groupby("epoch")[["i_xt", "i_ty"]]
        .mean()
    )
    np.testing.assert_allclose(layers[1].x, want["i_xt"])
    np.testing.assert_allclose(layers[1].y, want["i_ty"])
    np.testing.assert_allclose(layers[1].marker.color, np.log10(np.maximum(EPOCHS, 1)))
    bar = [t for t in layers if t.marker.showscale]
    assert len(bar) == 1 and bar[0].marker.colorbar.title.text == "Epochs"
    assert "bits" in layers[0].hovertemplate
    ixy = [t for t in fig.data if t.mode == "lines" and t.line.dash == "dot"]
    assert len(ixy) == 2 and list(ixy[0].y) == [0.99916, 0.99916]
    assert ixy[0].name == "I(X;Y) = 0.999 bits"
    dpi = [t for t in fig.data if t.name == "DPI violation"]
    assert len(dpi) == 2 and list(dpi[0].x) == [20.0]  # layer 3 at epoch 5 (set by hand)
    assert len(fig.frames) == len(EPOCHS)


def test_plane_figure_in_nats_is_labelled_nats(tmp_path: Path) -> None:
    from infoplane.report.figures import plane_figure

    fig = plane_figure(_plane_table(tmp_path, "nats"), ixy=0.5)
    assert fig.layout.xaxis.title.text == "I(X;T) [nats]"
    assert fig.layout.yaxis.title.text == "I(T;Y) [nats]"
    markers = [t for t in fig.data if t.mode == "markers"]
    assert all("nats" in t.hovertemplate and "bits" not in t.hovertemplate for t in markers)
    assert next(t.name for t in fig.data if t.mode == "lines") == "I(X;Y) = 0.500 nats"


def test_report_of_a_run_in_nats(tmp_path: Path) -> None:
    run = _make_run(tmp_path / "run", diagnostics=True)
    plane = pd.read_parquet(run / "information_plane.parquet")
    plane[["i_xt", "i_ty"]] *= np.log(2.0)
    plane.assign(unit="nats").to_parquet(run / "information_plane.parquet")
    result = write_report(run, gif=False, sensitivity=False)
    page = result.html.read_text(encoding="utf-8")
    assert "I(X;T) [nats]" in page and "I(X;T) [bits]" not in page
    assert "I(T;Y) [nats]" in page and "I(T;Y) [bits]" not in page
    h_y_nats = 0.99916 * np.log(2.0)  # I(X;Y) = H(Y) of the 12-bit labels, in nats
    assert f"I(X;Y) = H(Y) = {h_y_nats:.3f} nats" in page


def test_report_refuses_a_plane_mixing_units(tmp_path: Path) -> None:
    from infoplane.interface import InfoplaneError

    run = _make_run(tmp_path / "run")
    plane = pd.read_parquet(run / "information_plane.parquet")
    plane.loc[plane.index[::2], "unit"] = "nats"
    plane.to_parquet(run / "information_plane.parquet")
    with pytest.raises(InfoplaneError, match="mixes units"):
        write_report(run, gif=False)


def test_label_information_is_the_label_entropy(tmp_path: Path) -> None:
    from infoplane.data import load_twelve_bit
    from infoplane.estimators.binning import label_entropy
    from infoplane.report.html import label_information
    from infoplane.report.run_data import RunData

    plane = _plane_table(tmp_path)
    run = RunData(Path("."), CONFIG, "", plane)
    ds = load_twelve_bit("stratified", 0.8, 0)
    assert label_information(run) == pytest.approx(label_entropy(ds.y), abs=1e-12)
    assert label_information(run) == pytest.approx(0.99916, abs=1e-5)
    assert label_information(run, "nats") == pytest.approx(0.99916 * np.log(2.0), abs=1e-5)
    other = RunData(Path("."), {"data": {"task": "digits"}}, "", plane)
    assert label_information(other) is None


def test_diagnostics_and_sensitivity_figures_hold_the_tables(tmp_path: Path) -> None:
    from infoplane.report.figures import diagnostics_figure, sensitivity_figure

    run = load_run(_make_run(tmp_path / "run", diagnostics=True))
    fig = diagnostics_figure(run.diagnostics, run.plane)
    titles = [a.text for a in fig.layout.annotations]
    assert titles[-1] == "I(X;T) [bits] (binning)"
    assert fig.layout.xaxis.title.text == "Epochs" and fig.layout.xaxis.type == "log"
    legend = [t.name for t in fig.data if t.showlegend]
    assert legend == ["1: layers.0.act", "2: layers.1.act", "3: layers.2.softmax"]
    table = pd.DataFrame(
        {
            "setting": ["a", "b"] * 2, "layer": [1, 1, 2, 2], "layer_name": ["h1"] * 2 + ["h2"] * 2,
            "compression": [0.1, 0.2, 0.3, 0.4], "compresses": [True] * 4, "unit": "nats",
        }
    )  # fmt: skip
    heat = sensitivity_figure(table).data[0]
    np.testing.assert_allclose(heat.z, [[0.1, 0.2], [0.3, 0.4]])
    assert heat.colorbar.title.text == "nats" and "nats" in heat.hovertemplate


def test_flagged_points_are_open_in_the_report_with_their_flags(tmp_path: Path) -> None:
    from infoplane.plots.style import FLAGGED_LABEL
    from infoplane.report.figures import plane_figure
    from infoplane.report.html import build_report_html
    from infoplane.report.run_data import RunData

    plane = _plane_table(tmp_path)
    binning = plane["estimator"] == "binning"
    flagged = binning & (plane["layer"] == 1) & (plane["epoch"] >= 50) & (plane["repeat"] == 1)
    plane["flags"] = np.where(flagged, "saturated,not_finite", "")
    fig = plane_figure(plane)
    layer1 = next(t for t in fig.data if t.name == "layer 1")  # binning panel, layer 1
    hollow = [str(s).endswith("-open") for s in layer1.marker.symbol]
    assert hollow == [bool(e >= 50) for e in layer1.customdata[:, 0]]  # any repeat flags a mean
    assert set(layer1.customdata[np.array(hollow), 1]) == {"saturated,not_finite"}
    assert set(layer1.customdata[~np.array(hollow), 1]) == {"none"}
    assert "flags: %{customdata[1]}" in layer1.hovertemplate
    assert [t.name for t in fig.data].count(FLAGGED_LABEL) == 1
    other = [t for t in fig.data if t.name == "layer 2"]
    assert all(isinstance(t.marker.symbol, str) for t in other)  # nothing flagged: one symbol

    page, titles, notes = build_report_html(RunData(tmp_path, {}, "", plane), sensitivity=False)
    assert titles[:2] == ["Information plane", "Validity flags"]
    assert "not_finite" in page and "docs/flags.md" in page and "Hollow markers" in page
    assert "Most points sit at their ceiling" not in page  # 2 of 96 rows flagged
    plane["flags"] = "saturated"
    page, _, _ = build_report_html(RunData(tmp_path, {}, "", plane), sensitivity=False)
    assert "Most points sit at their ceiling" in page and "coarser bins" in page
    page, _, notes = build_report_html(
        RunData(tmp_path, {}, "", plane.drop(columns="flags")), sensitivity=False
    )
    assert any("no validity flags" in n for n in notes)


def test_gif_blitting_draws_the_same_frames_as_full_redraws(tmp_path: Path) -> None:
    """Issue 15: the GIF redraws only the changing artists; the frames stay those of a redraw."""
    from PIL import Image

    from infoplane.report.gif import write_plane_gif

    rng = np.random.default_rng(3)
    epochs = np.array([0, 1, 3, 10, 30, 100, 300])
    rows = [
        {"repeat": r, "epoch": e, "layer": lay, "estimator": "binning", "unit": "bits",
         "i_xt": 6.0 - lay + np.log1p(e) * 0.3 + rng.normal(0, 0.05),
         "i_ty": min(0.95, 0.1 * np.log1p(e) + 0.05 * lay), "flags": "saturated" if e == 30 else ""}
        for r in range(2) for e in epochs for lay in (1, 2, 3)
    ]  # fmt: skip
    plane = pd.DataFrame(rows)
    fast = write_plane_gif(plane, tmp_path / "fast.gif", ixy=1.0, dpi=40)
    slow = write_plane_gif(plane, tmp_path / "slow.gif", ixy=1.0, dpi=40, blit=False)
    a, b = Image.open(fast), Image.open(slow)
    assert a.n_frames == b.n_frames == len(epochs)
    for i in range(a.n_frames):
        a.seek(i)
        b.seek(i)
        np.testing.assert_array_equal(np.asarray(a.convert("RGB")), np.asarray(b.convert("RGB")))


def test_sensitivity_one_setting_at_a_time_equals_all_at_once(tmp_path: Path) -> None:
    """Issue 15: the report re-estimates setting by setting (a progress bar): the same table."""
    from infoplane.analysis.consistency import parameter_sensitivity
    from infoplane.report.html import _sensitivity
    from infoplane.report.run_data import read_store
    from infoplane.storage.activations import ActivationStore

    run = _make_run(tmp_path / "run")
    names = ["layers.0.act", "layers.1.act"]
    store = ActivationStore.create(run / "activations.zarr", dict.fromkeys(names, 3), n_repeats=2,
                                   labels=np.arange(64) % 2, epochs=EPOCHS)  # fmt: skip
    z = np.random.default_rng(1).standard_normal((2, 64, 3))
    for e in EPOCHS:
        store.write_epoch(int(e), {n: np.tanh(z * (1 + np.log1p(e))) for n in names})
    settings = [{"n_bins": 4}, {"n_bins": 30}]
    got = _sensitivity(load_run(run), settings, progress=True)
    acts, labels, epochs = read_store(run)
    want = parameter_sensitivity(acts, labels, epochs, settings=settings)
    pd.testing.assert_frame_equal(got, want)
