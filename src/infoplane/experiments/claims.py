"""The four claims of Shwartz-Ziv & Tishby (2017), tested: one verdict table with intervals.

Shwartz-Ziv & Tishby (2017), "Opening the Black Box of Deep Neural Networks via Information",
arXiv 1703.00810, claim that (i) most training epochs are spent on compression, not fitting;
(ii) compression begins when the gradient dynamics turn from drift to diffusion (SNR below ~1);
(iii) converged layers lie on or very close to the IB bound; (iv) more hidden layers cut training
time dramatically. Saxe et al. (2018, ICLR) and Geiger (2021, arXiv 2003.09671) dispute (i), (ii)
and the generality of compression. :func:`run_claims` trains the networks a scale needs (tanh and
ReLU 10-7-5-4-3 networks on the 12-bit task with gradient statistics; networks of 1 to 6 hidden
layers), measures every event with :mod:`infoplane.analysis.events` (one definition each,
``docs/definitions.md``), and writes the verdict table: claim, activation, estimator (binning and
the noise-based ``kde_upper``), the measured quantity, its mean with a 95% interval over networks,
the paper's value and a verdict -- reproduced, not reproduced or inconclusive.

Verdict rules (ours; the paper states its claims qualitatively):

- (i) share of the epochs of the information-plane motion (first epoch to the end of
  compression) spent compressing, averaged over the hidden layers that compress; reproduced when
  the interval lies above 0.5, not reproduced below 0.5 or when no layer compresses beyond the
  estimator's error.
- (ii) log10(compression onset / drift-to-diffusion transition) per network (median over the
  layers that compress); reproduced when the interval lies within +-0.3 decades (a factor 2),
  not reproduced when it lies outside it or no layer compresses.
- (iii) distance (bits) of the converged hidden layers below the IB curve of the same joint
  (:func:`infoplane.bottleneck.distance_to_bound`: binned layers as partitions of the 4096
  inputs, I(T;Y) under the soft rule of ``all.mat`` whose curve the paper drew), averaged over
  the layers that keep less than log2(4096) - 0.5 bits (a layer that keeps all of X sits on
  the curve's plateau trivially); reproduced when the interval lies below 0.1 bit, not
  reproduced when it lies above. Binning only (the check needs a partition); inconclusive, with
  the reason, when the check is unavailable or refuses the run.
- (iv) ratio of the mean convergence epochs of the shallowest to the deepest network (bootstrap
  interval over networks); reproduced when the interval lies above 1, not reproduced when at or
  below 1; inconclusive when most of the deepest networks are still moving at the end of the run
  (censored). The paper's measure is the information-plane convergence; epochs to 90% training
  accuracy are reported beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from infoplane.experiments.results import SettingRun
from infoplane.interface import InfoplaneError

__all__ = [
    "CLAIMS",
    "PRESETS",
    "ClaimsPreset",
    "ClaimsResult",
    "claims_configs",
    "run_claims",
    "verdict_table",
]

#: Verdict words.
REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE = "reproduced", "not reproduced", "inconclusive"
#: Claim (ii): onset and transition coincide within this many decades (a factor 2).
COINCIDENCE_DECADES = 0.3
#: Claim (iii): "on or very close to the bound" = within this many bits.
NEAR_BOUND_BITS = 0.1
#: Claim (iii): the IB equations hold when less than this share of p(x)-mass breaks them.
SELF_CONSISTENT_SHARE = 0.05
#: Claim (iii): a layer within this many bits of H(X) is on the bound's plateau (no test).
TRIVIAL_BITS = 0.5

#: The claims, as the paper states them (Sec. 1, 3.3-3.6; Fig. 3-5).
CLAIMS: dict[str, str] = {
    "i": "Most training epochs are spent on compression of the input, not on fitting the "
    "labels (Sec. 3.3, Fig. 3: a short fitting phase, then a long compression phase).",
    "ii": "The compression phase begins when SGD turns from a fast drift to a stochastic "
    "diffusion: the gradient SNR falls below ~1 (Sec. 3.4, Fig. 4).",
    "iii": "Converged layers lie on or very close to the IB theoretical bound and satisfy the IB "
    "self-consistent equations (abstract and Sec. 3).",
    "iv": "Adding hidden layers dramatically reduces the number of training epochs for good "
    "generalization (Sec. 3.5, Fig. 5).",
}

#: The paper's value of each measured quantity, as stated or read off its figures.
PAPER_VALUES: dict[str, str] = {
    "i": "> 0.5 (most epochs; e.g. fitting ~300 of ~10^4 epochs)",
    "ii": "0 decades (onset at the SNR ~ 1 crossing)",
    "iii": "~0 bits (on or very close to the bound)",
    "iv": "> 1, 'dramatically' (1 vs 6 hidden layers)",
}


@dataclass(frozen=True)
class ClaimsPreset:
    """A scale at which the claims are tested.

    Attributes:
        name: preset name.
        base: the run preset the networks start from (``default`` or ``tishby2017``).
        epochs: training epochs per network.
        repeats: networks per setting (the intervals are over these).
        lr: learning rate (Adam).
        n_points: size of the log-spaced capture grid.
        activations: activations of the 10-7-5-4-3 network (claims i-iii) and of the depth
            series (claim iv).
        depths: numbers of hidden layers of the depth series (widths 12, 10, 8, 6, 4, 2).
        estimators: ``{"name", "params"}`` of each estimator (binning and a noise-based one).

    Shapes: none. Units: epochs and counts; estimator values in bits.

    Raises:
        Nothing: a plain record (checked by :func:`claims_configs`).

    Example:
        >>> PRESETS["tishby2017"].repeats, PRESETS["tishby2017"].epochs
        (50, 8000)

    Notes:
        Binning uses 30 bins on each layer's range (``range: data``) for both activations, since
        fixed [-1, 1] bins assume tanh (Saxe et al. 2018); ``kde_upper`` uses Saxe et al.'s noise
        variance 1e-3 for the 12-bit task.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810 (50 networks, 8000 epochs).
    """

    name: str
    base: str
    epochs: int
    repeats: int
    lr: float
    n_points: int
    activations: tuple[str, ...] = ("tanh", "relu")
    depths: tuple[int, ...] = (1, 2, 3, 4, 5, 6)
    estimators: tuple[dict[str, Any], ...] = field(
        default_factory=lambda: (
            {"name": "binning", "params": {"n_bins": 30, "range": "data"}},
            {"name": "kde_upper", "params": {"noise_variance": 0.001}},
        )
    )


#: The scales: ``default`` (a few minutes on 2 cores), ``tishby2017`` (the paper's), ``tiny``
#: (tests: seconds, verdicts meaningless).
PRESETS: dict[str, ClaimsPreset] = {
    "default": ClaimsPreset("default", "default", epochs=1000, repeats=5, lr=1e-3, n_points=80),
    "tishby2017": ClaimsPreset(
        "tishby2017", "tishby2017", epochs=8000, repeats=50, lr=4e-4, n_points=400
    ),
    "tiny": ClaimsPreset(
        "tiny", "default", epochs=12, repeats=2, lr=1e-2, n_points=10, depths=(1, 2)
    ),
}


@dataclass
class ClaimsResult:
    """What :func:`run_claims` wrote.

    Attributes:
        out_dir: the output directory.
        table: the verdict table (``claims.csv``).
        markdown: path of ``claims.md``.
        figures: one PNG per claim, by claim id.
        runs: the runs by label.

    Shapes: ``table`` one row per (claim, measure, activation, estimator). Units: the ``unit``
    column of each row (bits, decades, epochs, a share or a ratio).

    Raises:
        Nothing: a plain record.

    Example:
        >>> ClaimsResult(Path("out"), None, Path("out/claims.md"), {}).markdown.name
        'claims.md'

    Notes:
        Returned by :func:`run_claims`.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810.
    """

    out_dir: Path
    table: Any
    markdown: Path
    figures: dict[str, Path]
    runs: dict[str, SettingRun] = field(default_factory=dict)


def _main_label(act: str) -> str:
    return f"{act}"


def _depth_label(act: str, depth: int) -> str:
    return f"depth-{depth}-{act}"


def claims_configs(preset: ClaimsPreset, **changes: Any) -> dict[str, Any]:
    """The validated RunConfig of every network setting the claims need.

    Args:
        preset: the scale.
        **changes: fields of the preset to change (``epochs=...``, ``repeats=...``, ``seed=...``).

    Returns:
        label -> :class:`~infoplane.run.config.RunConfig`: ``<activation>`` (10-7-5-4-3 network,
        every estimator, gradient statistics) and ``depth-<k>-<activation>``.

    Raises:
        InfoplaneError: for an unknown field or an invalid value (named), before anything runs.

    Example:
        >>> sorted(claims_configs(PRESETS["tiny"]))[:3]
        ['depth-1-relu', 'depth-1-tanh', 'depth-2-relu']

    Shapes: none. Units: none (configuration).

    Notes:
        Every setting shares the member seeds, data split and capture grid (paired settings).

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810.
    """
    from dataclasses import fields, replace

    from infoplane.experiments.depth import DEPTH_WIDTHS
    from infoplane.experiments.runner import ExperimentOptions, experiment_config, with_overrides

    seed = int(changes.pop("seed", 0))
    known = {f.name for f in fields(ClaimsPreset)} - {"name", "base"}
    bad = sorted(set(changes) - known)
    if bad:
        raise InfoplaneError(f"unknown claims option(s) {bad}; choose from {sorted(known)}.")
    preset = replace(preset, **changes)
    if not set(preset.depths) <= set(range(1, len(DEPTH_WIDTHS) + 1)) or len(preset.depths) < 2:
        raise InfoplaneError(f"depths must be at least two of 1..6; got {list(preset.depths)}.")
    opts = ExperimentOptions.build(
        epochs=preset.epochs,
        repeats=preset.repeats,
        seed=seed,
        lr=preset.lr,
        n_points=preset.n_points,
        progress=False,
    )
    base = experiment_config(
        opts, preset=preset.base, overrides={"estimators": [dict(e) for e in preset.estimators]}
    )
    out: dict[str, Any] = {}
    for act in preset.activations:
        out[_main_label(act)] = with_overrides(
            base, {"model": {"activation": act, "hidden": [10, 7, 5, 4, 3]}}
        )
        for d in preset.depths:
            # Claim iv reads the output layer only: capture nothing else, no gradient statistics.
            out[_depth_label(act, d)] = with_overrides(
                base,
                {
                    "model": {"activation": act, "hidden": list(DEPTH_WIDTHS[:d])},
                    "capture": {"layers": [f"layers.{d}.softmax"]},
                    "analysis": {"gradient_stats": False},
                },
            )
    return out


# --------------------------------------------------------------------------------------------------
# Verdicts
# --------------------------------------------------------------------------------------------------


def _row(claim: str, measure: str, act: str, est: str, vals: Any, unit: str) -> dict[str, Any]:
    from infoplane.analysis.events import mean_ci

    m, lo, hi = mean_ci(vals)
    n = int(np.isfinite(np.asarray(vals, dtype=float)).sum()) if len(vals) else 0
    return {
        "claim": claim,
        "measure": measure,
        "activation": act,
        "estimator": est,
        "value": m,
        "ci_low": lo,
        "ci_high": hi,
        "n_networks": n,
        "unit": unit,
        "paper": PAPER_VALUES[claim],
    }


def _interval_verdict(lo: float, hi: float, low: float, high: float) -> str:
    """Reproduced when [lo, hi] lies inside (low, high); not when it lies outside; else neither."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return INCONCLUSIVE
    if lo > low and hi < high:
        return REPRODUCED
    if hi <= low or lo >= high:
        return NOT_REPRODUCED
    return INCONCLUSIVE


def _plane(run: SettingRun, est: str) -> Any:
    p = run.plane
    return p[p["estimator"] == est] if "estimator" in p.columns else p


def _claims_i_ii(run: SettingRun, act: str, est: str) -> tuple[list[dict[str, Any]], Any]:
    import pandas as pd

    from infoplane.analysis.events import compression_events, compression_summary, transition_events

    plane = _plane(run, est)
    last = int(plane["layer"].max())
    hidden = plane[plane["layer"] < last]  # the output layer is not a hidden representation
    summ = compression_summary(hidden)
    ev = compression_events(hidden)
    real = set(summ.loc[summ["compresses"], "layer"].astype(int))
    ev = ev[ev["layer"].isin(real) & ev["compresses"]].copy()
    span = ev["end_epoch"] - ev["first_epoch"]
    ev["share"] = np.where(span > 0, (ev["end_epoch"] - ev["onset_epoch"]) / span, np.nan)
    trans = (
        transition_events(run.gradients)
        if run.gradients is not None and len(run.gradients)
        else pd.DataFrame(columns=["repeat", "layer", "transition_epoch"])
    )
    ev = ev.merge(trans, on=["repeat", "layer"], how="left")
    with np.errstate(divide="ignore", invalid="ignore"):
        ev["log_ratio"] = np.log10(ev["onset_epoch"] / ev["transition_epoch"])
    per_net = ev.groupby("repeat").agg(share=("share", "mean"), log_ratio=("log_ratio", "median"))
    note = (
        f"compressing hidden layers: {sorted(real) or 'none'} of 1..{last - 1} "
        f"(amount > estimator error with its 95% interval)"
    )
    r1 = _row(
        "i",
        "share of the epochs of motion spent compressing",
        act,
        est,
        per_net["share"].to_numpy(),
        "share",
    )
    r2 = _row(
        "ii",
        "log10(compression onset / drift-to-diffusion transition)",
        act,
        est,
        per_net["log_ratio"].to_numpy(),
        "decades",
    )
    if not real:
        r1.update(verdict=NOT_REPRODUCED, note="no hidden layer compresses beyond the error")
        r2.update(verdict=NOT_REPRODUCED, note="no hidden layer compresses beyond the error")
    else:
        r1.update(verdict=_interval_verdict(r1["ci_low"], r1["ci_high"], 0.5, np.inf), note=note)
        c = COINCIDENCE_DECADES
        v2 = _interval_verdict(r2["ci_low"], r2["ci_high"], -c, c)
        n2 = note
        if r2["n_networks"] == 0:
            n2 = "no transition found (SNR still above 1 at the end)"
        r2.update(verdict=v2, note=n2)
    detail = ev.assign(activation=act, estimator=est)
    return [r1, r2], detail


def _last_activations(run: SettingRun) -> tuple[dict[str, Any], Any]:
    """Hidden layers' activations at the last complete epoch, samples in data-set order."""
    import zarr

    from infoplane.storage import open_store

    store = open_store(run.out_dir)
    last = int(max(store.completed_epochs))
    order = np.asarray(zarr.open_group(str(store.path), mode="r")["sample"][:])
    if sorted(order.tolist()) != list(range(order.size)):
        raise InfoplaneError("the run's evaluated samples are not the whole 12-bit input set")
    inv = np.argsort(order)
    acts = {name: store.read(name, epochs=[last])[:, :, inv] for name in store.layers[:-1]}
    return acts, last


def _claim_iii(run: SettingRun, act: str, est: str, *, n_bins: int = 30) -> list[dict[str, Any]]:
    """Distance of the hidden layers from the IB curve of the same joint, and the IB equations
    (binning only): the distance row first, then (when measured) the self-consistency row."""
    rows_out: list[dict[str, Any]] = []
    return [_claim_iii_distance(run, act, est, n_bins=n_bins, extra=rows_out), *rows_out]


def _claim_iii_distance(
    run: SettingRun, act: str, est: str, *, n_bins: int, extra: list[dict[str, Any]]
) -> dict[str, Any]:
    rows_out = extra
    measure = "distance of the converged hidden layers below the IB curve (same joint)"
    row = _row("iii", measure, act, est, [], "bits")
    try:
        from infoplane.bottleneck.distance import distance_to_bound
        from infoplane.data import twelve_bit_p_y_given_x
    except ImportError:
        row.update(verdict=INCONCLUSIVE, note="inconclusive (check not available)")
        return row
    if est != "binning":
        row.update(
            verdict=INCONCLUSIVE,
            note=f"the check is exact for binned layers (partitions of X); not defined for {est}",
        )
        return row
    try:
        acts, last = _last_activations(run)
        res = distance_to_bound(
            acts, twelve_bit_p_y_given_x(), n_bins=n_bins, range="data", epochs=[last]
        )
    except Exception as exc:  # the check refused this run: say so, never guess a number
        row.update(verdict=INCONCLUSIVE, note=f"check refused: {type(exc).__name__}: {exc}")
        return row
    rows = res.rows
    n_x = next(iter(acts.values())).shape[2]
    # A layer that keeps (almost) all of X sits on the flat top of the curve: trivially "on the
    # bound". Only layers that compress X test the claim.
    informative = rows[rows["i_xt"] < np.log2(n_x) - TRIVIAL_BITS]
    layers = sorted(set(informative["layer"].astype(str)))
    if not len(informative):
        row.update(
            verdict=INCONCLUSIVE,
            note=f"every hidden layer keeps > {np.log2(n_x) - TRIVIAL_BITS:.1f} bits of X at "
            f"epoch {last}: trivially on the bound's plateau, no test",
        )
        return row
    per_net = informative.groupby("repeat")["distance"].mean().to_numpy()
    rows_out.append(_self_consistency_row(acts, layers, act, n_bins=n_bins, epoch=last))
    row = _row("iii", measure, act, est, per_net, "bits")
    row.update(
        verdict=_interval_verdict(row["ci_low"], row["ci_high"], -np.inf, NEAR_BOUND_BITS),
        note=f"mean over the hidden layers with I(X;T) < log2(n) - {TRIVIAL_BITS} bits "
        f"({', '.join(layers)}) at epoch {last}; I(T;Y) under the soft rule of all.mat "
        f"(infoplane.bottleneck.distance); reproduced when the interval lies below "
        f"{NEAR_BOUND_BITS} bit",
    )
    return row


def _self_consistency_row(
    acts: dict[str, Any], layers: list[str], act: str, *, n_bins: int, epoch: int
) -> dict[str, Any]:
    """Share of inputs whose binned cluster breaks the (deterministic) IB equations."""
    from infoplane.bottleneck import self_consistency
    from infoplane.data import twelve_bit_p_y_given_x

    measure = "p(x)-mass breaking the IB self-consistent equations (binned layers)"
    pyx = twelve_bit_p_y_given_x()
    per_layer = []
    for name in layers:
        t = np.asarray(acts[name])[:, 0]  # (n_repeats, n_x, n_units) at the last epoch
        edges = np.linspace(t.min(), max(t.max(), t.min() + 1e-9), n_bins + 1)
        labels = []
        for r in range(t.shape[0]):
            bins = np.clip(np.digitize(t[r], edges[1:-1]), 0, n_bins - 1)
            labels.append(np.unique(bins, axis=0, return_inverse=True)[1].ravel())
        sc = self_consistency(np.asarray(labels, dtype=np.int64), pyx)
        per_layer.append(sc["inconsistent"].to_numpy(dtype=float))
    per_net = np.mean(per_layer, axis=0)
    row = _row("iii", measure, act, "binning", per_net, "share")
    row.update(
        verdict=_interval_verdict(row["ci_low"], row["ci_high"], -np.inf, SELF_CONSISTENT_SHARE),
        note=f"mean over {', '.join(layers)} at epoch {epoch} (infoplane.bottleneck."
        f"self_consistency, deterministic IB form); reproduced when the interval lies below "
        f"{SELF_CONSISTENT_SHARE}",
        paper="~0 (the maps satisfy the IB equations)",
    )
    return row


def _ratio_ci(a: np.ndarray, b: np.ndarray, seed: int = 0, n_boot: int = 2000) -> tuple:
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if a.size == 0 or b.size == 0 or b.mean() <= 0:
        return float("nan"), float("nan"), float("nan")
    r = float(a.mean() / b.mean())
    if a.size < 2 or b.size < 2:
        return r, float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    ra = rng.choice(a, (n_boot, a.size)).mean(axis=1)
    rb = rng.choice(b, (n_boot, b.size)).mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        boot = ra / rb
    boot = boot[np.isfinite(boot)]
    return r, float(np.quantile(boot, 0.025)), float(np.quantile(boot, 0.975))


def _claim_iv(
    runs: dict[str, SettingRun], act: str, est: str, depths: tuple[int, ...]
) -> tuple[list[dict[str, Any]], Any]:
    import pandas as pd

    from infoplane.analysis.events import convergence_events

    frames = []
    for d in depths:
        run = runs[_depth_label(act, d)]
        conv = convergence_events(_plane(run, est), run.history)
        frames.append(conv.assign(depth=d, activation=act, estimator=est))
    conv = pd.concat(frames, ignore_index=True)
    lo_d, hi_d = min(depths), max(depths)
    rows = []
    for col, measure in (
        ("info_convergence_epoch", "information-plane convergence (paper's measure)"),
        ("accuracy_epoch", "epochs to 90% training accuracy"),
    ):
        a = conv.loc[conv["depth"] == lo_d, col].to_numpy(dtype=float)
        b = conv.loc[conv["depth"] == hi_d, col].to_numpy(dtype=float)
        r, lo, hi = _ratio_ci(a, b)
        means = conv.groupby("depth")[col].mean()
        trend = ", ".join(f"{int(k)}: {v:.0f}" for k, v in means.items())
        verdict = _interval_verdict(lo, hi, 1.0, np.inf)
        note = f"mean epochs by depth: {trend}"
        if col == "info_convergence_epoch":
            cens = conv.groupby("depth")["info_convergence_censored"].mean()
            note += "; share still moving at the end (censored): " + ", ".join(
                f"{int(k)}: {v:.0%}" for k, v in cens.items()
            )
            if cens.get(hi_d, 0.0) > 0.5:
                verdict = INCONCLUSIVE  # the deepest networks have not converged: no ratio
            elif cens.get(lo_d, 0.0) > 0.0 and verdict == REPRODUCED:
                note += " (the shallow networks' epochs are lower bounds: the ratio is too)"
        rows.append(
            {
                "claim": "iv",
                "measure": f"{measure}: ratio {lo_d} / {hi_d} hidden layers",
                "activation": act,
                "estimator": est if col == "info_convergence_epoch" else "-",
                "value": r,
                "ci_low": lo,
                "ci_high": hi,
                "n_networks": int(np.isfinite(a).sum() + np.isfinite(b).sum()),
                "unit": "ratio",
                "paper": PAPER_VALUES["iv"],
                "verdict": verdict,
                "note": note,
            }
        )
    return rows, conv


def verdict_table(
    runs: dict[str, SettingRun],
    *,
    activations: tuple[str, ...] = ("tanh", "relu"),
    estimators: tuple[str, ...] = ("binning", "kde_upper"),
    depths: tuple[int, ...] = (1, 2, 3, 4, 5, 6),
) -> tuple[Any, dict[str, Any]]:
    """Measure every claim on finished runs and give each a verdict.

    Args:
        runs: label -> run, with the labels of :func:`claims_configs` (``tanh``,
            ``depth-3-relu``, ...).
        activations: activations to report.
        estimators: estimator names present in the runs' plane tables.
        depths: depths of the depth series (claim iv compares the smallest with the largest).

    Returns:
        ``(table, details)``: the verdict table (``pandas.DataFrame``, one row per (claim,
        measure, activation, estimator); columns claim, measure, activation, estimator, value,
        ci_low, ci_high (95% over networks), n_networks, unit, paper, verdict, note) and the
        per-network measurements behind it (``"events"``: compression and transition per
        network and layer; ``"convergence"``: per network and depth).

    Raises:
        InfoplaneError: for a run missing from ``runs`` (named).

    Shapes: the table has one row per (claim, measure, activation, estimator); units per row.

    Notes:
        Verdict rules: see the module docstring. A claim that cannot be measured is
        ``inconclusive`` with the reason in ``note``; no number is guessed.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810.
        Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.

    Example:
        >>> try:
        ...     verdict_table({})
        ... except InfoplaneError as exc:
        ...     print(str(exc)[:28])
        runs lack the settings ['tan
    """
    import pandas as pd

    need = [_main_label(a) for a in activations]
    need += [_depth_label(a, d) for a in activations for d in depths]
    missing = [n for n in need if n not in runs]
    if missing:
        raise InfoplaneError(f"runs lack the settings {missing}; run claims_configs' settings.")
    rows: list[dict[str, Any]] = []
    events, conv = [], []
    for act in activations:
        for est in estimators:
            r12, ev = _claims_i_ii(runs[_main_label(act)], act, est)
            rows += r12
            events.append(ev)
            rows += _claim_iii(runs[_main_label(act)], act, est)
            r4, c4 = _claim_iv(runs, act, est, depths)
            rows += [r for r in r4 if r["estimator"] != "-" or est == estimators[0]]
            conv.append(c4)
    table = pd.DataFrame(rows)
    order = {"i": 0, "ii": 1, "iii": 2, "iv": 3}
    table = table.sort_values(
        ["claim", "activation", "estimator"],
        key=lambda s: s.map(order) if s.name == "claim" else s,
        kind="stable",
        ignore_index=True,
    )
    details = {
        "events": pd.concat(events, ignore_index=True) if events else None,
        "convergence": pd.concat(conv, ignore_index=True) if conv else None,
    }
    return table, details


def claims_markdown(table: Any, *, preset: str, command: str) -> str:
    """The verdict table as Markdown, with the claims as the paper states them and the command.

    Args:
        table: from :func:`verdict_table`.
        preset: the preset's name.
        command: the command line that produced it.

    Returns:
        Markdown text (values rounded to 3 significant digits, units per row).

    Raises:
        KeyError: if ``table`` lacks the verdict columns.

    Shapes: one Markdown row per table row. Units: each row's ``unit`` column.

    Example:
        >>> import pandas as pd
        >>> t = pd.DataFrame([{"claim": "i", "measure": "m", "activation": "tanh",
        ...     "estimator": "binning", "value": 0.9, "ci_low": 0.8, "ci_high": 0.95,
        ...     "n_networks": 5, "unit": "share", "paper": "> 0.5", "verdict": "reproduced",
        ...     "note": ""}])
        >>> "| i | tanh | binning |" in claims_markdown(t, preset="tiny", command="x")
        True

    Notes:
        The interval is the 95% interval over networks (t-interval; bootstrap for ratios).

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810.
    """

    def fmt(v: Any) -> str:
        return "-" if not np.isfinite(v) else f"{v:.3g}"

    lines = [
        f"Measured by `{command}` (preset `{preset}`).",
        "",
        "| claim | activation | estimator | measured | value [95% CI] | unit | paper | verdict |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in table.itertuples(index=False):
        val = f"{fmt(r.value)} [{fmt(r.ci_low)}, {fmt(r.ci_high)}]"
        lines.append(
            f"| {r.claim} | {r.activation} | {r.estimator} | {r.measure} | {val} | {r.unit} | "
            f"{r.paper} | **{r.verdict}**{' (' + r.note + ')' if r.note else ''} |"
        )
    lines += ["", "The claims as the paper states them (Shwartz-Ziv & Tishby 2017):", ""]
    lines += [f"- ({k}) {v}" for k, v in CLAIMS.items()]
    return "\n".join(lines) + "\n"


def run_claims(
    out_dir: str | Path,
    *,
    preset: str = "default",
    workers: int = 1,
    progress: Any = None,
    command: str = "infoplane claims",
    **changes: Any,
) -> ClaimsResult:
    """Train what the claims need (reusing finished runs), then write the verdicts and figures.

    Args:
        out_dir: output directory: ``runs/`` (one run per setting), ``claims.csv``,
            ``claims.md``, ``claims_events.csv``, ``claims_convergence.csv``,
            ``claim_<id>.png``.
        preset: ``default`` (a few minutes on 2 cores), ``tishby2017`` (the paper's scale) or
            ``tiny`` (a smoke test).
        workers: local processes running settings in parallel (each on one thread).
        progress: ``callback(done, total, label)`` called after each setting, or ``None``.
        command: the command line recorded in ``claims.md``.
        **changes: preset fields to change (``epochs``, ``repeats``, ``seed``, ``depths``, ...).

    Returns:
        :class:`ClaimsResult`.

    Raises:
        InfoplaneError: for an unknown preset or option (before anything is written).
        InfoplaneRuntimeError: when a run fails (naming its directory).

    Example:
        >>> try:
        ...     run_claims("unused", preset="huge")
        ... except InfoplaneError as exc:
        ...     print(str(exc)[:32])
        unknown preset 'huge'; choose on

    Shapes: the table has one row per (claim, measure, activation, estimator). Units: per row.

    Notes:
        Resumable: a setting whose directory holds a finished run with the same config is reused,
        so an interrupted command continues where it stopped. Every file is written atomically.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810.
        Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.
    """
    from dataclasses import replace

    from infoplane.experiments.runner import run_settings
    from infoplane.plots.claims import plot_claim
    from infoplane.storage.atomic import save_figure, write_table, write_text

    if preset not in PRESETS:
        raise InfoplaneError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}.")
    seed = changes.get("seed", 0)
    configs = claims_configs(PRESETS[preset], **changes)
    scale = replace(PRESETS[preset], **{k: v for k, v in changes.items() if k != "seed"})
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InfoplaneError(f"--out {str(out)!r} is a file; pass a directory.")
    runs: dict[str, SettingRun] = {}
    if workers > 1:
        runs = run_settings(configs, out, workers=workers, progress=False)
        if progress is not None:
            progress(len(configs), len(configs), "all settings")
    else:
        for k, (label, cfg) in enumerate(configs.items()):
            runs.update(run_settings({label: cfg}, out, workers=1, progress=False))
            if progress is not None:
                progress(k + 1, len(configs), label)
    names = tuple(e["name"] for e in scale.estimators)
    table, details = verdict_table(
        runs, activations=scale.activations, estimators=names, depths=scale.depths
    )
    write_table(out / "claims.csv", table)
    write_table(out / "claims_events.csv", details["events"])
    write_table(out / "claims_convergence.csv", details["convergence"])
    md = write_text(
        out / "claims.md",
        f"# Claims of Shwartz-Ziv & Tishby (2017), tested (seed {seed})\n\n"
        + claims_markdown(table, preset=preset, command=command),
    )
    import matplotlib.pyplot as plt

    figures = {}
    for claim in CLAIMS:
        fig = plot_claim(claim, table, details, CLAIMS[claim])
        figures[claim] = save_figure(out / f"claim_{claim}.png", fig, dpi=110)
        plt.close(fig)
    return ClaimsResult(out, table, md, figures, runs)
