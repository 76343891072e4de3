"""The run report: one self-contained HTML page (plotly.js embedded) and a GIF of the plane.

The page puts the information plane of a run (Shwartz-Ziv & Tishby 2017, arXiv 1703.00810) next to
what Geiger (2021, "On Information Plane Analyses of Neural Network Classifiers -- A Review", arXiv
2003.09671) says a reader must check before trusting it: the geometry of the representations
(saturation, variance, clustering, binned states) and how it tracks I(X;T), violations of the
data-processing inequality, and whether compression survives a change of the estimator's parameter.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from infoplane.report.run_data import RunData, load_run

log = logging.getLogger(__name__)

REPORT_FILE = "report.html"
GIF_FILE = "information_plane.gif"

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:1180px;
padding:0 18px 40px;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-top:24px}h2{font-size:1.25em;margin-top:34px;border-bottom:1px solid #ddd}
table.tbl{border-collapse:collapse;font-size:0.85em;margin:8px 0;display:block;
overflow-x:auto;max-width:100%}
table.tbl th,table.tbl td{border:1px solid #ddd;padding:3px 8px;text-align:right}
table.tbl th{background:#f4f4f4}pre{background:#f7f7f7;padding:10px;font-size:0.8em;overflow:auto}
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:6px 10px;margin:8px 0}
.caption{color:#555;font-size:0.9em}nav a{margin-right:12px}
"""


@dataclass
class ReportResult:
    """What :func:`write_report` wrote.

    Attributes:
        html: path of the HTML page.
        gif: path of the animated GIF, or ``None``.
        sections: titles of the sections on the page.
        notes: messages about parts that are missing (no gradients, no diagnostics, ...).

    References:
        1. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
           Information. arXiv 1703.00810.
        2. Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
           Review. IEEE TNNLS, arXiv 2003.09671.
    """

    html: Path
    gif: Path | None
    sections: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _table(df: Any, floatfmt: str = "{:.3f}") -> str:
    return df.to_html(
        index=False,
        border=0,
        classes="tbl",
        na_rep="–",
        escape=True,
        float_format=lambda v: floatfmt.format(v),
    )


def _note(text: str) -> str:
    return f'<p class="note">{html.escape(text)}</p>'


def label_information(run: RunData) -> float | None:
    """I(X;Y) = H(Y) in bits of the evaluated labels of a 12-bit run, or ``None`` if unknown.

    References:
        1. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
           Information. arXiv 1703.00810.
        2. Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
           Review. IEEE TNNLS, arXiv 2003.09671.
    """
    if run.task != "12bit":
        return None
    try:
        from infoplane.data import load_twelve_bit
        from infoplane.estimators.binning import label_entropy

        d = run.config.get("data") or {}
        ds = load_twelve_bit(
            d.get("split", "stratified"), d.get("train_fraction", 0.8), d.get("split_seed", 0)
        )
        return label_entropy(ds.y[ds.evaluation_indices(d.get("mi_on", "all"))])
    except Exception as exc:
        log.info("I(X;Y) not drawn: %s", exc)
        return None


def ib_bound(run: RunData) -> tuple[np.ndarray, np.ndarray] | None:
    """The IB bound (I(X;T), I(T;Y)) in bits of a 12-bit run, if the library provides it.

    Uses ``infoplane.bottleneck.twelve_bit_bound()`` when it exists; it may return a table with
    columns i_xt, i_ty, a pair of arrays, or an object with attributes i_xt, i_ty.

    References:
        1. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
           Information. arXiv 1703.00810.
        2. Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
           Review. IEEE TNNLS, arXiv 2003.09671.
    """
    if run.task != "12bit":
        return None
    try:
        from infoplane.bottleneck import twelve_bit_bound  # type: ignore[attr-defined]
    except ImportError:
        return None
    try:
        b = twelve_bit_bound()
        if hasattr(b, "columns"):
            return np.asarray(b["i_xt"], float), np.asarray(b["i_ty"], float)
        if hasattr(b, "i_xt"):
            return np.asarray(b.i_xt, float), np.asarray(b.i_ty, float)
        x, y = b
        return np.asarray(x, float), np.asarray(y, float)
    except Exception as exc:
        log.info("IB bound not drawn: %s", exc)
        return None


def geometry_summary(run: RunData, correlations: Any | None, estimator: str) -> Any:
    """Per layer: compression of I(X;T) next to the final geometry and its correlation with I(X;T).

    Args:
        run: the loaded run.
        correlations: from :func:`infoplane.analysis.diagnostics.diagnostic_correlations`, or
            ``None``.
        estimator: which estimator's I(X;T).

    Returns:
        ``pandas.DataFrame`` with one row per layer: layer, layer_name, compression (bits, mean
        over repeats), peak_epoch (median over repeats), final_i_xt, and when diagnostics exist
        final_saturation, corr_saturation, final_n_states, corr_n_states, final_top_pc_share,
        final_class_separation.

    References:
        1. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
           Information. arXiv 1703.00810.
        2. Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
           Review. IEEE TNNLS, arXiv 2003.09671.
    """
    from infoplane.analysis.generalization import compression_amount

    comp = compression_amount(run.plane, estimator=estimator)
    out = comp.groupby(["layer", "layer_name"], as_index=False).agg(
        compression=("compression", "mean"),
        peak_epoch=("peak_epoch", "median"),
        final_i_xt=("final_i_xt", "mean"),
    )
    d = run.diagnostics
    if d is not None and len(d):
        last = d[d["epoch"] == d["epoch"].max()].replace([np.inf, -np.inf], np.nan)
        fin = last.groupby("layer", as_index=False)[
            ["saturation", "n_states", "top_pc_share", "class_separation"]
        ].mean()
        fin = fin.rename(columns={c: f"final_{c}" for c in fin.columns if c != "layer"})
        out = out.merge(fin, on="layer", how="left")
        if correlations is not None and len(correlations):
            c = correlations[correlations["estimator"] == estimator]
            for window, suffix in (("all", ""), ("after_peak", "_after_peak")):
                cw = c[c["window"] == window]
                piv = cw.pivot(index="layer", columns="diagnostic", values="correlation")
                for col in ("saturation", "n_states"):
                    if col in piv.columns:
                        out[f"corr_{col}{suffix}"] = out["layer"].map(piv[col])
        order = [
            "layer",
            "layer_name",
            "compression",
            "peak_epoch",
            "final_i_xt",
            "final_saturation",
            "corr_saturation",
            "corr_saturation_after_peak",
            "final_n_states",
            "corr_n_states",
            "corr_n_states_after_peak",
            "final_top_pc_share",
            "final_class_separation",
        ]
        out = out[[c for c in order if c in out.columns]]
    return out


def _sensitivity(run: RunData, settings: list[dict[str, Any]] | None) -> Any | None:
    """Binning sensitivity from the activation store, or ``None`` when there is no store."""
    from infoplane.analysis.consistency import parameter_sensitivity
    from infoplane.analysis.diagnostics import binning_grid_from_config
    from infoplane.report.run_data import STORE_NAME, read_store

    if not (run.path / STORE_NAME).exists():
        return None
    acts, labels, epochs = read_store(run.path)
    grid = binning_grid_from_config(run.config)
    base: dict[str, Any] = {}
    if settings is None:
        if grid["bin_width"] is not None:
            w = float(grid["bin_width"])
            settings = [{"bin_width": w * f, "n_bins": None} for f in (0.25, 1.0, 4.0)]
        else:
            base = {"range": grid["range"]}
            settings = [{"n_bins": b} for b in (10, 30, 100)]
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # out-of-range bins are part of the test
        return parameter_sensitivity(acts, labels, epochs, settings=settings, base_params=base)


def build_report_html(
    run: RunData,
    *,
    dpi_tolerance: float = 0.01,
    sensitivity: bool = True,
    sensitivity_settings: list[dict[str, Any]] | None = None,
    gif_name: str | None = None,
) -> tuple[str, list[str], list[str]]:
    """Assemble the HTML page of a loaded run.

    Args:
        run: from :func:`~infoplane.report.run_data.load_run`.
        dpi_tolerance: excess (bits) before a DPI check counts as violated.
        sensitivity: add the parameter-sensitivity section when the run has an activation store.
        sensitivity_settings: estimator settings to try (default: 10, 30, 100 bins on the run's
            range, or 1/4, 1 and 4 times its bin width).
        gif_name: file name of the GIF to mention, or ``None``.

    Returns:
        (page, section titles, notes).

    References:
        1. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
           Information. arXiv 1703.00810.
        2. Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
           Review. IEEE TNNLS, arXiv 2003.09671.
    """
    from infoplane.analysis.consistency import dpi_checks, dpi_summary, mean_dpi_violations
    from infoplane.analysis.diagnostics import diagnostic_correlations
    from infoplane.report import figures

    notes = list(run.notes)
    sections: list[tuple[str, str, str]] = []  # (id, title, body)
    plotly_embedded = False

    def fig_html(fig: Any) -> str:
        nonlocal plotly_embedded
        out = fig.to_html(
            full_html=False,
            include_plotlyjs=not plotly_embedded,
            auto_play=False,
            config={"displaylogo": False, "responsive": True},
        )
        plotly_embedded = True
        return out

    estimators = run.estimators
    main_est = estimators[0]
    ixy = label_information(run)
    bound = ib_bound(run)
    checks = dpi_checks(run.plane, tolerance=dpi_tolerance)
    marks = {
        e: mean_dpi_violations(run.plane, estimator=e, tolerance=dpi_tolerance) for e in estimators
    }
    body = fig_html(figures.plane_figure(run.plane, ixy=ixy, bound=bound, dpi_marks=marks))
    cap = (
        "x = I(X;T), y = I(T;Y) in bits, averaged over repetitions; colour = epoch (log scale); "
        "one marker symbol per layer. Move the slider (or press ▶) to join the layers of one "
        "epoch. Open red circles: the averaged estimate of a layer exceeds that of the layer "
        f"before it by more than {dpi_tolerance:g} bits (a data-processing-inequality violation)."
    )
    if ixy is not None:
        cap += f" Dotted line: I(X;Y) = H(Y) = {ixy:.3f} bits."
    if bound is not None:
        cap += " Grey line: the Information Bottleneck bound of the task."
    elif run.task == "12bit":
        notes.append(
            "IB bound: not available in this version of infoplane "
            "(infoplane.bottleneck.twelve_bit_bound)."
        )
    if gif_name:
        cap += f" An animation of the first panel is in {gif_name}."
    sections.append(
        ("plane", "Information plane", body + f'<p class="caption">{html.escape(cap)}</p>')
    )

    # Compression and geometry
    corr = None
    if run.diagnostics is not None:
        corr = diagnostic_correlations(run.diagnostics, run.plane)
    summary = geometry_summary(run, corr, main_est)
    text = (
        f"Compression = peak minus final I(X;T) ({main_est}, bits, mean over repetitions). "
        "Geiger (2021) finds that compression in binned planes often follows the geometry of the "
        "representation rather than a loss of information: compare it with the final saturation "
        "and number of distinct binned states, and with their Spearman correlation with I(X;T) "
        "over training (corr_*: all epochs; *_after_peak: from the peak of I(X;T) on). "
        "Saturation is blank for unbounded activations (e.g. ReLU)."
    )
    sections.append(
        (
            "summary",
            "Compression and geometry, per layer",
            f'<p class="caption">{html.escape(text)}</p>' + _table(summary),
        )
    )

    # Diagnostics
    if run.diagnostics is not None:
        body = fig_html(figures.diagnostics_figure(run.diagnostics, run.plane))
        piv = (
            corr[corr["estimator"] == main_est]
            .pivot(
                index=["layer", "layer_name", "window"], columns="diagnostic", values="correlation"
            )
            .reset_index()
        )
        piv.columns.name = None
        body += (
            f'<p class="caption">Diagnostics {html.escape(run.diagnostics_source)}; mean over '
            "repetitions. Spearman correlation of each with I(X;T) over training "
            f"({html.escape(main_est)}), over all epochs and from the epoch of peak I(X;T) on "
            "(after_peak: the compression phase):</p>" + _table(piv, "{:.2f}")
        )
    else:
        body = _note(f"Geometric diagnostics are {run.diagnostics_source}")
        notes.append(f"diagnostics {run.diagnostics_source}")
    sections.append(("diagnostics", "Geometric diagnostics", body))

    # DPI
    summ = dpi_summary(checks)
    summ["quantity"] = summ["quantity"].map({"i_xt": "I(X;T)", "i_ty": "I(T;Y)"})
    per_layer = (
        checks.groupby(["estimator", "quantity", "layer"], as_index=False)["violated"]
        .sum()
        .pivot(index=["estimator", "quantity"], columns="layer", values="violated")
        .reset_index()
    )
    per_layer.columns = [c if isinstance(c, str) else f"layer {c}" for c in per_layer.columns]
    per_layer["quantity"] = per_layer["quantity"].map({"i_xt": "I(X;T)", "i_ty": "I(T;Y)"})
    text = (
        "For the Markov chain Y → X → T_1 → … → T_L, the true I(X;T_l) and I(T_l;Y) cannot "
        "increase with depth. Each repetition, epoch and pair of consecutive layers is checked; "
        f"an increase above {dpi_tolerance:g} bits is a violation. Violations mean the estimator "
        "measures something other than mutual information (for binning: each layer's geometry "
        "at the bin size)."
    )
    sections.append(
        (
            "dpi",
            "Data-processing inequality",
            f'<p class="caption">{html.escape(text)}</p>'
            + _table(summ)
            + "<p class='caption'>Violations per deeper layer:</p>"
            + _table(per_layer, "{:.0f}"),
        )
    )

    # Sensitivity
    if sensitivity:
        try:
            sens = _sensitivity(run, sensitivity_settings)
        except (ImportError, ValueError, OSError) as exc:
            sens = None
            notes.append(f"parameter sensitivity failed: {exc}")
        if sens is not None:
            from infoplane.analysis.consistency import sensitivity_verdict

            body = fig_html(figures.sensitivity_figure(sens))
            body += (
                "<p class='caption'>Compression (peak − final I(X;T), bits, mean over "
                "repetitions) of the binning estimator at several settings; verdict: does "
                "compression (≥ 0.05 bits) appear at all settings, some, or none?</p>"
                + _table(sensitivity_verdict(sens))
            )
        else:
            body = _note(
                "Parameter sensitivity needs the activations (activations.zarr in the "
                "run directory); this run has none."
            )
        sections.append(("sensitivity", "Sensitivity to the estimator's parameter", body))

    # SNR
    if run.gradients is not None and len(run.gradients):
        phases = None
        try:
            from infoplane.analysis.phases import detect_phases

            phases = detect_phases(run.plane, run.gradients, estimator=main_est)
        except Exception as exc:
            log.info("phases not drawn: %s", exc)
        body = fig_html(figures.snr_figure(run.gradients, phases))
        body += (
            "<p class='caption'>Norm of the mean (red) and standard deviation (blue) of the "
            "mini-batch gradients per layer, geometric mean over repetitions (Shwartz-Ziv "
            "& Tishby 2017, Fig. 4). Dashed: drift → diffusion transition; dotted: "
            "compression onset.</p>"
        )
    else:
        body = _note(
            "No gradients.parquet in this run: the SNR figure needs analysis.gradient_stats: true."
        )
    sections.append(("snr", "Gradient signal-to-noise", body))

    # Training
    if run.history is not None and len(run.history):
        body = fig_html(figures.training_figure(run.history))
        body += "<p class='caption'>Mean over repetitions, band: min–max. Loss in nats.</p>"
        from infoplane.analysis.generalization import generalization_gap

        body += _table(generalization_gap(run.history))
    else:
        body = _note("No history.parquet in this run.")
    sections.append(("training", "Training curves", body))

    sections.append(
        (
            "config",
            "Configuration",
            f"<pre>{html.escape(run.config_text or '(no config.yaml)')}</pre>",
        )
    )
    refs = (
        "<ol><li>Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural "
        "Networks via Information. arXiv 1703.00810.</li><li>Saxe, A. M. et al. (2018). On the "
        "Information Bottleneck Theory of Deep Learning. ICLR.</li><li>Geiger, B. C. (2021). On "
        "Information Plane Analyses of Neural Network Classifiers – A Review. IEEE TNNLS, arXiv "
        "2003.09671.</li></ol>"
    )
    sections.append(("refs", "References", refs))

    model = run.config.get("model") or {}
    training = run.config.get("training") or {}
    n_rep = run.plane["repeat"].nunique()
    head = (
        f"{run.task or 'task ?'}: {'-'.join(map(str, model.get('hidden', [])))} "
        f"{model.get('activation', '')}, {training.get('optimizer', '')} "
        f"lr={training.get('lr', '')}, {training.get('epochs', '?')} epochs, {n_rep} network"
        f"{'s' if n_rep > 1 else ''}; estimators: {', '.join(estimators)}"
    )
    nav = "".join(f'<a href="#{sid}">{html.escape(t)}</a>' for sid, t, _ in sections)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>infoplane report: {html.escape(run.path.name)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Information-plane report: {html.escape(run.path.name)}</h1>",
        f"<p>{html.escape(head)}</p><nav>{nav}</nav>",
    ]
    if notes:
        parts.append("".join(_note(n) for n in notes))
    for sid, title, sec_body in sections:
        parts.append(f'<section id="{sid}"><h2>{html.escape(title)}</h2>{sec_body}</section>')
    parts.append("</body></html>")
    return "\n".join(parts), [t for _, t, _ in sections], notes


def write_report(
    run_dir: str | Path,
    out: str | Path | None = None,
    *,
    gif: bool = True,
    gif_path: str | Path | None = None,
    dpi_tolerance: float = 0.01,
    sensitivity: bool = True,
    sensitivity_settings: list[dict[str, Any]] | None = None,
) -> ReportResult:
    """Write the HTML report of a run directory (and an animated GIF of its information plane).

    Args:
        run_dir: a directory written by ``infoplane run``.
        out: the HTML file (default ``run_dir/report.html``).
        gif: also write the GIF.
        gif_path: the GIF file (default: next to ``out``, ``information_plane.gif``).
        dpi_tolerance: excess (bits) before a DPI check counts as violated (default 0.01).
        sensitivity: add the estimator-parameter sensitivity section (needs the activation store;
            costs one re-estimation per setting).
        sensitivity_settings: settings to try (see :func:`build_report_html`).

    Returns:
        A :class:`ReportResult`.

    Raises:
        InfoplaneError: if ``run_dir`` is not a run directory or a table lacks columns.

    Notes:
        The page is self-contained: plotly.js is embedded (about 4.5 MB), so it opens offline.
        Diagnostics come from ``diagnostics.parquet``, else from the activation store, else the
        page says they are missing.

    References:
        Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
        Review. IEEE TNNLS, arXiv 2003.09671.
    """
    from infoplane.report.gif import write_plane_gif
    from infoplane.storage import write_text

    run = load_run(run_dir)
    out_path = Path(out) if out is not None else run.path / REPORT_FILE
    gif_file = None
    if gif:
        gif_file = Path(gif_path) if gif_path is not None else out_path.parent / GIF_FILE
    page, titles, notes = build_report_html(
        run,
        dpi_tolerance=dpi_tolerance,
        sensitivity=sensitivity,
        sensitivity_settings=sensitivity_settings,
        gif_name=gif_file.name if gif_file is not None else None,
    )
    write_text(out_path, page)
    if gif_file is not None:
        model = run.config.get("model") or {}
        write_plane_gif(
            run.plane,
            gif_file,
            ixy=label_information(run),
            title=f"{model.get('activation', '')} {run.estimators[0]}".strip(),
        )
    return ReportResult(out_path, gif_file, titles, notes)
