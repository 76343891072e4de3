"""The run report: one self-contained HTML page (plotly.js embedded) and a GIF of the plane.

The page puts the information plane of a run (Shwartz-Ziv & Tishby 2017, arXiv 1703.00810) next to
what Geiger (2021, "On Information Plane Analyses of Neural Network Classifiers -- A Review", arXiv
2003.09671) says a reader must check before trusting it: the geometry of the representations
(saturation, variance, clustering, binned states) and how it tracks I(X;T), violations of the
data-processing inequality, and whether compression survives a change of the estimator's parameter.
The validity flags of every estimate (:mod:`infoplane.analysis.validity`) are drawn as hollow
markers, named in the hover text and counted in a section of their own.
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

    Args:
        html: path of the HTML page.
        gif: path of the animated GIF, or ``None``.
        sections: titles of the sections on the page, in order.
        notes: messages about parts that are missing (no gradients, no diagnostics, ...).

    Attributes:
        html, gif, sections, notes: as above.

    Shapes: none (paths and lists of strings, no arrays).

    Raises:
        Nothing: a plain record that :func:`write_report` fills in, not validated.

    Notes:
        Units of the values on the page are those of the run's table (bits unless its ``unit``
        column says nats). ``notes`` is where a missing part is reported (no gradients, no
        diagnostics, no IB bound): an empty section is never shown without one.

    Example:
        >>> from pathlib import Path
        >>> ReportResult(Path("report.html"), None).sections
        []

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


def label_information(run: RunData, unit: str | None = None) -> float | None:
    """I(X;Y) = H(Y) of the evaluated labels of a 12-bit run, or ``None`` if unknown.

    For class labels and a deterministic task (the 12-bit rule), I(X;Y) = H(Y), computed once, by
    :func:`infoplane.estimators.binning.label_entropy`.

    Args:
        run: the loaded run (its config names the task, split and evaluated samples).
        unit: ``"bits"`` or ``"nats"`` (default: the unit of the run's plane table).

    Returns:
        H(Y) in ``unit``, or ``None`` for other tasks (their I(X;Y) is not known in closed form)
        or when the data cannot be rebuilt from the config.

    Raises:
        InfoplaneError: if the plane table mixes units.

    Notes:
        H(Y) is the plug-in entropy of the labels of the samples the MI is computed on
        (``data.mi_on``); for the 12-bit task with all 4096 inputs it is 0.99916 bits.

    References:
        1. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
           Information. arXiv 1703.00810.
        2. Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
           Review. IEEE TNNLS, arXiv 2003.09671.

    Example:
        >>> import pandas as pd
        >>> from pathlib import Path
        >>> plane = pd.DataFrame({"estimator": ["binning"], "unit": ["bits"]})
        >>> run = RunData(Path("."), {"data": {"task": "12bit"}}, "", plane)
        >>> round(label_information(run), 5)
        0.99916
    """
    from infoplane.analysis.tables import table_unit

    unit = unit or table_unit(run.plane)
    if run.task != "12bit":
        return None
    try:
        from infoplane.data import load_twelve_bit
        from infoplane.estimators.binning import label_entropy

        d = run.config.get("data") or {}
        ds = load_twelve_bit(
            d.get("split", "stratified"), d.get("train_fraction", 0.8), d.get("split_seed", 0)
        )
        return float(label_entropy(ds.y[ds.evaluation_indices(d.get("mi_on", "all"))], unit=unit))
    except Exception as exc:
        log.warning("I(X;Y) not drawn: %s", exc)
        return None


def ib_bound(run: RunData) -> tuple[np.ndarray, np.ndarray] | None:
    """The IB bound (I(X;T), I(T;Y)) in bits of a 12-bit run, or ``None`` for other tasks.

    Uses :func:`infoplane.bottleneck.twelve_bit_bound` (the shipped bound of the soft rule of the
    2017 paper, p(y|x) of ``all.mat``).

    Args:
        run: the loaded run (its config names the task).

    Returns:
        (i_xt, i_ty), two arrays of shape (n_points,) in bits, or ``None`` for a task other than
        ``"12bit"`` (no bound is known for it) or a run whose config sets
        ``analysis.ib_bound: false`` (the report follows the run's choice).

    Raises:
        InfoplaneRuntimeError: if the shipped bound cannot be read (a damaged installation).

    Notes:
        The bound is in bits; the report converts it when the run's table is in nats. It is the
        curve of the soft rule, while runs estimate I(T;Y) from hard labels, so a layer may lie
        slightly above it (see :func:`infoplane.bottleneck.twelve_bit_bound`).

    Example:
        >>> import pandas as pd
        >>> from pathlib import Path
        >>> run = RunData(Path("."), {"data": {"task": "12bit"}}, "", pd.DataFrame())
        >>> x, y = ib_bound(run)
        >>> round(float(y.max()), 4)
        0.8443
        >>> ib_bound(RunData(Path("."), {"data": {"task": "12bit"}, "analysis": {"ib_bound": False}}, "", pd.DataFrame())) is None
        True

    References:
        1. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
           Information. arXiv 1703.00810.
        2. Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
           Review. IEEE TNNLS, arXiv 2003.09671.
    """
    analysis = run.config.get("analysis") or {}
    if run.task != "12bit" or (isinstance(analysis, dict) and analysis.get("ib_bound") is False):
        return None
    from infoplane.bottleneck.twelve_bit import twelve_bit_bound

    b = twelve_bit_bound()
    return b["i_xt"].to_numpy(dtype=float), b["i_ty"].to_numpy(dtype=float)


def geometry_summary(run: RunData, correlations: Any | None, estimator: str) -> Any:
    """Per layer: compression of I(X;T) next to the final geometry and its correlation with I(X;T).

    Args:
        run: the loaded run.
        correlations: from :func:`infoplane.analysis.diagnostics.diagnostic_correlations`, or
            ``None``.
        estimator: which estimator's I(X;T).

    Raises:
        InfoplaneError: for an estimator not in the plane, or a plane that mixes units.

    Notes:
        Compression and its onset come from
        :func:`infoplane.analysis.events.compression_summary` (the same numbers as
        ``phases.csv``); geometry is taken at the last captured epoch.

    Example:
        >>> import pandas as pd
        >>> from pathlib import Path
        >>> plane = pd.DataFrame({"repeat": 0, "epoch": [0, 10, 100], "layer": 1, "layer_name": "h",
        ...                       "estimator": "binning", "i_xt": [4.0, 6.0, 5.5],
        ...                       "i_ty": 0.5})
        >>> run = RunData(Path("."), {}, "", plane)
        >>> geometry_summary(run, None, "binning")["compression"].tolist()
        [0.5]

    Returns:
        ``pandas.DataFrame`` with one row per layer: layer, layer_name, compression (plane unit, mean
        over repeats), peak_epoch (the compression onset, NaN unless the layer compresses beyond
        the estimator's error), final_i_xt, and when diagnostics exist
        final_saturation, corr_saturation, final_n_states, corr_n_states, final_top_pc_share,
        final_class_separation.

    References:
        1. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
           Information. arXiv 1703.00810.
        2. Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
           Review. IEEE TNNLS, arXiv 2003.09671.
    """
    from infoplane.analysis.events import compression_summary

    comp = compression_summary(run.plane, estimator=estimator)  # the one definition
    if "layer_name" not in comp.columns:
        comp["layer_name"] = comp["layer"].map(lambda n: f"layer {n}")
    out = comp[["layer", "layer_name", "compression", "onset_epoch", "final_i_xt"]].rename(
        columns={"onset_epoch": "peak_epoch"}
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


def _sensitivity(
    run: RunData, settings: list[dict[str, Any]] | None, progress: bool = False
) -> Any | None:
    """Binning sensitivity from the activation store, or ``None`` when there is no store.

    One re-estimation of every layer per setting (about 3 s each on the default run), with a
    progress bar over the settings when ``progress`` is true.
    """
    from infoplane.analysis.consistency import parameter_sensitivity
    from infoplane.analysis.diagnostics import binning_grid_from_config
    from infoplane.report.run_data import read_store
    from infoplane.storage.layout import RunLayout

    if not RunLayout(run.path).store.exists():
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

    import pandas as pd

    from infoplane._progress import progress_bar

    frames = []
    bar = progress_bar(
        settings, desc="binning sensitivity", unit="setting", disable=not progress, leave=False
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # out-of-range bins are part of the test
        for setting in bar:  # one setting at a time: the same rows, in the same order
            frames.append(
                parameter_sensitivity(acts, labels, epochs, settings=[setting], base_params=base)
            )
    return pd.concat(frames, ignore_index=True)


def _flags_section(run: RunData, notes: list[str]) -> str:
    """The body of the "Validity flags" section: summary, shares per estimator, meanings."""
    from infoplane.analysis.validity import FLAG_MEANINGS, flag_summary, summarize_flags

    if "flags" not in run.plane.columns:
        text = (
            "This run's information-plane table has no flags column (it was written before "
            "validity flags existed): its values are unchecked. Re-estimate with `infoplane "
            "estimate RUN_DIR -e NAME --replace` or re-run to get them."
        )
        notes.append("no validity flags in the plane table (an older run)")
        return _note(text)
    summary, advice = summarize_flags(run.plane)
    shares = flag_summary(run.plane)
    cols = [c for c in shares.columns if c not in ("estimator", "n_rows")]
    shares[cols] = shares[cols] * 100.0
    shares = shares.rename(columns={c: f"{c} (%)" for c in cols})
    body = f'<p class="caption">{html.escape(summary)}</p>'
    if advice:
        body += _note(advice[0]) + "<ul>"
        body += "".join(f"<li>{html.escape(a.removeprefix('- '))}</li>" for a in advice[1:])
        body += "</ul>"
    body += _table(shares, "{:.0f}")
    body += "<ul>" + "".join(
        f"<li><b>{html.escape(k)}</b>: {html.escape(v)}</li>" for k, v in FLAG_MEANINGS.items()
    )
    body += "</ul><p class='caption'>Share of rows (one per repetition, epoch, layer and "
    body += "estimator) carrying each flag; a row may carry several. Flags never change a value."
    return body + "</p>"


def build_report_html(
    run: RunData,
    *,
    dpi_tolerance: float = 0.01,
    sensitivity: bool = True,
    sensitivity_settings: list[dict[str, Any]] | None = None,
    gif_name: str | None = None,
    progress: bool = False,
) -> tuple[str, list[str], list[str]]:
    """Assemble the HTML page of a loaded run.

    Args:
        run: from :func:`~infoplane.report.run_data.load_run`; its ``plane`` table has shape
            (n_rows, n_columns), one row per (repeat, epoch, layer, estimator).
        dpi_tolerance: excess (in the plane's unit) before a DPI check counts as violated.
        sensitivity: add the parameter-sensitivity section when the run has an activation store.
        sensitivity_settings: estimator settings to try (default: 10, 30, 100 bins on the run's
            range, or 1/4, 1 and 4 times its bin width).
        gif_name: file name of the GIF to mention, or ``None``.
        progress: show a progress bar over the sensitivity settings (default ``False``).

    Returns:
        (page, section titles, notes): the HTML text (plotly.js embedded once), the titles in
        page order, and messages about missing parts.

    Raises:
        InfoplaneError: if the plane table mixes units.

    Notes:
        Only the parameter-sensitivity section reads the activation store (whole, in memory);
        failures there become a note, not an error. Every axis and table names the plane's unit.
        The plotted values are means over repetitions; binned estimates of a deterministic
        network are a property of the estimator's grid as much as of the network (Geiger 2021),
        which is why the sensitivity and geometry sections sit next to the plane.

    Example:
        >>> import pandas as pd
        >>> from pathlib import Path
        >>> plane = pd.DataFrame({"repeat": 0, "epoch": [0, 0, 9, 9], "layer": [1, 2, 1, 2],
        ...                       "layer_name": ["a", "b"] * 2, "estimator": "binning",
        ...                       "i_xt": [4.0, 3.0, 5.0, 2.0], "i_ty": [0.1, 0.1, 0.9, 0.8],
        ...                       "flags": ["", "", "", "saturated"]})
        >>> page, titles, notes = build_report_html(RunData(Path("r"), {}, "", plane))
        >>> titles[:3], "I(X;T) [bits]" in page, "circle-open" in page
        (['Information plane', 'Validity flags', 'Compression and geometry, per layer'], True, True)

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

    from infoplane.analysis.tables import table_unit
    from infoplane.storage.layout import RunLayout

    layout = RunLayout(run.path)
    unit = table_unit(run.plane, name=str(layout.plane))
    estimators = run.estimators
    main_est = estimators[0]
    ixy = label_information(run, unit)
    if ixy is None and run.task == "12bit":
        notes.append(
            "I(X;Y) line not drawn: the 12-bit labels could not be rebuilt from the run's "
            "config.yaml (the log says why)."
        )
    bound = ib_bound(run)
    if bound is not None and unit == "nats":  # the shipped bound is in bits
        bound = (bound[0] * np.log(2.0), bound[1] * np.log(2.0))
    checks = dpi_checks(run.plane, tolerance=dpi_tolerance)
    marks = {
        e: mean_dpi_violations(run.plane, estimator=e, tolerance=dpi_tolerance) for e in estimators
    }
    body = fig_html(figures.plane_figure(run.plane, ixy=ixy, bound=bound, dpi_marks=marks))
    cap = (
        f"x = I(X;T), y = I(T;Y) in {unit}, averaged over repetitions; colour = epoch (log scale); "
        "one marker symbol per layer. Move the slider (or press ▶) to join the layers of one "
        "epoch. Open red circles: the averaged estimate of a layer exceeds that of the layer "
        f"before it by more than {dpi_tolerance:g} {unit} (a data-processing-inequality "
        "violation)."
    )
    if ixy is not None:
        cap += f" Dotted line: I(X;Y) = H(Y) = {ixy:.3f} {unit}."
    if bound is not None:
        cap += " Grey line: the Information Bottleneck bound of the task."
    if "flags" in run.plane.columns:
        cap += (
            " Hollow markers: flagged points (a validity flag holds for at least one repetition; "
            "hover to see which, and the Validity flags section)."
        )
    if gif_name:
        cap += f" An animation of the first panel is in {gif_name}."
    sections.append(
        ("plane", "Information plane", body + f'<p class="caption">{html.escape(cap)}</p>')
    )
    sections.append(("flags", "Validity flags", _flags_section(run, notes)))

    # Compression and geometry
    corr = None
    if run.diagnostics is not None:
        corr = diagnostic_correlations(run.diagnostics, run.plane)
    summary = geometry_summary(run, corr, main_est)
    text = (
        f"Compression = fall of I(X;T) after its fitting peak ({main_est}, {unit}, mean over "
        "repetitions; docs/definitions.md); peak_epoch = its onset, shown only when the "
        "compression exceeds the estimator's error with its 95% interval. "
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
        source = run.diagnostics_source or "not available: the run has none"
        body = _note(f"Geometric diagnostics are {source}")
        notes.append(f"diagnostics {source}")
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
        f"an increase above {dpi_tolerance:g} {unit} is a violation. Violations mean the estimator "
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
            sens = _sensitivity(run, sensitivity_settings, progress)
        except (ImportError, ValueError, OSError) as exc:
            sens = None
            notes.append(f"parameter sensitivity failed: {exc}")
        if sens is not None:
            from infoplane.analysis.consistency import sensitivity_verdict

            body = fig_html(figures.sensitivity_figure(sens))
            body += (
                "<p class='caption'>Compression (peak − final I(X;T), "
                f"{table_unit(sens)}, mean over repetitions) of the binning estimator at several "
                "settings; verdict: does compression (≥ 0.05 bits) appear at all settings, some, "
                "or none?</p>" + _table(sensitivity_verdict(sens))
            )
        else:
            body = _note(
                f"Parameter sensitivity needs the activations ({layout.store.name} in the "
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
            f"No {layout.gradients.name} in this run: the SNR figure needs "
            "analysis.gradient_stats: true."
        )
    sections.append(("snr", "Gradient signal-to-noise", body))

    # Training
    if run.history is not None and len(run.history):
        body = fig_html(figures.training_figure(run.history))
        body += "<p class='caption'>Mean over repetitions, band: min–max. Loss in nats.</p>"
        from infoplane.analysis.generalization import generalization_gap

        body += _table(generalization_gap(run.history))
    else:
        body = _note(f"No {layout.history.name} in this run.")
    sections.append(("training", "Training curves", body))

    sections.append(
        (
            "config",
            "Configuration",
            f"<pre>{html.escape(run.config_text or f'(no {layout.config.name})')}</pre>",
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
    progress: bool = False,
) -> ReportResult:
    """Write the HTML report of a run directory (and an animated GIF of its information plane).

    The page holds the information plane (one panel per estimator, epoch slider, I(X;Y) line, IB
    bound on the 12-bit task, DPI violations marked), the compression and geometry summary, the
    geometric diagnostics, the data-processing-inequality checks, the sensitivity to the binning
    parameter, the gradient SNR, the training curves and the config. Every information value is
    labelled with the unit of the run's table (its ``unit`` column).

    Args:
        run_dir: a directory written by ``infoplane run`` (it must hold the plane table with
            columns repeat, epoch, layer, estimator, i_xt, i_ty, one row per (repeat, epoch,
            layer, estimator)).
        out: the HTML file (default ``run_dir/report.html``).
        gif: also write the GIF (default ``True``).
        gif_path: the GIF file (default: next to ``out``, ``information_plane.gif``).
        dpi_tolerance: excess, in the plane's unit, before a DPI check counts as violated
            (default 0.01).
        sensitivity: add the estimator-parameter sensitivity section (default ``True``; needs
            the activation store; costs one re-estimation per setting).
        sensitivity_settings: settings to try (see :func:`build_report_html`).
        progress: progress bars for the steps that take seconds (the sensitivity re-estimation,
            the GIF frames); default ``False``.

    Returns:
        A :class:`ReportResult` (paths written, section titles, notes on missing parts).

    Shapes: the plane table read has shape (n_rows, n_columns); the GIF has one frame per
        captured epoch.

    Raises:
        InfoplaneError: if ``run_dir`` is not a run directory, or its plane table mixes units
            (exit 2 in the CLI).
        InfoplaneRuntimeError: if the plane table is empty or lacks columns, or a table or
            ``config.yaml`` of the run is corrupt; the message names the file (exit 1).

    Notes:
        The page is self-contained: plotly.js is embedded (about 4.5 MB), so it opens offline.
        Diagnostics come from the run's diagnostics table, else from the activation store, else
        the page says they are missing. I(X;Y) is drawn only where it is known in closed form
        (the 12-bit task: I(X;Y) = H(Y)).

    References:
        1. Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
           Information. arXiv 1703.00810.
        2. Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
           Review. IEEE TNNLS, arXiv 2003.09671.

    Example:
        >>> import tempfile, pathlib, pandas as pd
        >>> from infoplane.storage.layout import RunLayout
        >>> run = pathlib.Path(tempfile.mkdtemp())
        >>> pd.DataFrame({"repeat": 0, "epoch": [0, 0, 10, 10], "layer": [1, 2, 1, 2],
        ...               "estimator": "binning", "i_xt": [5.0, 3.0, 6.0, 2.0],
        ...               "i_ty": [0.1, 0.1, 0.9, 0.8], "unit": "bits"}
        ...              ).to_parquet(RunLayout(run).plane)
        >>> result = write_report(run, gif=False, sensitivity=False)
        >>> result.html.name, "I(X;T) [bits]" in result.html.read_text(encoding="utf-8")
        ('report.html', True)
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
        progress=progress,
    )
    write_text(out_path, page)
    if gif_file is not None:
        model = run.config.get("model") or {}
        write_plane_gif(
            run.plane,
            gif_file,
            ixy=label_information(run),
            title=f"{model.get('activation', '')} {run.estimators[0]}".strip(),
            progress=progress,
        )
    return ReportResult(out_path, gif_file, titles, notes)
