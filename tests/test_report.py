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
    assert "not a run directory" in res.output


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
    assert (tmp_path / "run" / "report.html").stat().st_size > 1_000_000
    assert (tmp_path / "run" / "information_plane.gif").is_file()
