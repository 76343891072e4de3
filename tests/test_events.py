"""The event definitions (analysis/events.py): closed forms, properties, and one source of truth.

Every module that reports compression, its onset, the drift-to-diffusion transition or
convergence must agree with :mod:`infoplane.analysis.events` on the same frame, and no other
module may compute them on its own (an AST check).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from infoplane.analysis import events
from infoplane.analysis.events import (
    accuracy_epoch,
    compression_event,
    compression_events,
    compression_summary,
    convergence_events,
    information_convergence_epoch,
    loss_convergence_epoch,
    mean_ci,
    transition_epoch,
    transition_events,
)
from infoplane.interface import InfoplaneError
from infoplane.training.schedule import log_spaced_epochs

EPOCHS = log_spaced_epochs(4000, 200)[1:]
X = np.log10(EPOCHS + 1.0)
SRC = Path(__file__).resolve().parents[1] / "src" / "infoplane"


def _rise_fall(peak: float, fall: float, rise: float = 2.0, base: float = 5.0) -> np.ndarray:
    """Linear in log-epoch: ``rise`` bits up to ``peak``, then ``fall`` bits down to the end."""
    xp = np.log10(peak + 1.0)
    up = base + rise * (X - X[0]) / (xp - X[0])
    down = base + rise - fall * (X - xp) / (X[-1] - xp)
    return np.where(X <= xp, up, down)


def _plane(amounts: dict[int, list[float]], peak: float = 100.0, noise: float = 0.01):
    rng = np.random.default_rng(0)
    rows = []
    for layer, per_net in amounts.items():
        for r, a in enumerate(per_net):
            i_xt = _rise_fall(peak, a) + noise * rng.standard_normal(X.size)
            rows.append(
                pd.DataFrame(
                    {
                        "repeat": r,
                        "epoch": EPOCHS,
                        "layer": layer,
                        "layer_name": f"l{layer}",
                        "estimator": "binning",
                        "i_xt": i_xt,
                        "i_ty": 0.5,
                        "unit": "bits",
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)


# -- compression of one curve ------------------------------------------------------------------


def test_compression_of_a_rise_and_fall_has_its_closed_form_onset_and_amount():
    # Rises by 2 bits to a peak at epoch 100, then falls by 1.5 bits: onset 100, amount 1.5.
    ev = compression_event(EPOCHS, _rise_fall(100.0, 1.5))
    assert abs(np.log10(ev["onset_epoch"] / 100.0)) < 0.05
    assert ev["amount"] == pytest.approx(1.5, abs=0.1)  # the smoother shaves the kink a little
    assert ev["fitting"] == pytest.approx(2.0, abs=0.1) and ev["end_epoch"] > ev["onset_epoch"]
    assert ev["threshold"] == pytest.approx(0.05)  # smooth curve: no estimator error


def test_no_compression_for_growth_pinning_or_a_dip_after_initialisation():
    rng = np.random.default_rng(2)
    for curve in (
        np.log(EPOCHS),  # only grows
        12.0 - np.abs(rng.normal(0.0, 0.002, X.size)),  # pinned at log2(4096) with jitter
        5.0 - 0.5 * np.exp(-((X - 1.0) ** 2) / 0.05) + 0.2 * np.clip(X - 2.0, 0, None),  # dip
        8.0 - 0.5 * X,  # only falls from initialisation: no fitting phase
    ):
        ev = compression_event(EPOCHS, curve)
        assert np.isnan(ev["onset_epoch"]) and ev["amount"] == 0.0


def test_noise_raises_the_threshold_so_noise_is_not_compression():
    rng = np.random.default_rng(3)
    flat = 7.0 + 0.2 * rng.standard_normal(X.size)
    ev = compression_event(EPOCHS, flat)
    assert ev["noise"] == pytest.approx(0.2, rel=0.25)
    assert ev["threshold"] == pytest.approx(2 * ev["noise"])
    assert ev["amount"] == 0.0


def test_a_fall_that_the_curve_recovers_from_ends_at_the_recovery():
    curve = 10.0 + np.exp(-((X - np.log10(51.0)) ** 2) / 0.02) + 1.5 * np.clip(X - 2.2, 0, None)
    ev = compression_event(EPOCHS, curve)
    assert abs(np.log10(ev["onset_epoch"] / 50.0)) < 0.06
    assert 0.5 < ev["amount"] < 1.05  # the depth of the dip, not peak - final (< 0 here)


# -- compression over networks -------------------------------------------------------------------


def test_summary_amount_is_the_mean_over_networks_with_a_t_interval():
    amounts = [0.8, 1.0, 1.2, 0.9, 1.1]
    s = compression_summary(_plane({1: amounts})).iloc[0]
    ev = compression_events(_plane({1: amounts}))
    assert s["compression"] == pytest.approx(ev["amount"].mean())
    _, lo, hi = mean_ci(ev["amount"])
    assert (s["compression_ci_low"], s["compression_ci_high"]) == pytest.approx((lo, hi))
    assert s["compression"] == pytest.approx(np.mean(amounts), abs=0.1)
    assert s["compresses"] and abs(np.log10(s["onset_epoch"] / 100.0)) < 0.1


def test_onset_is_reported_only_when_the_amount_exceeds_the_error():
    # Layer 1 compresses in every network; layer 2 only in one of five (mean below the error
    # with its interval): the "onset epoch 19, compression 0 bits" cannot happen.
    plane = _plane({1: [1.0] * 5, 2: [0.0, 0.0, 0.0, 0.0, 0.3]})
    s = compression_summary(plane).set_index("layer")
    assert s.loc[1, "compresses"] and np.isfinite(s.loc[1, "onset_epoch"])
    assert not s.loc[2, "compresses"] and np.isnan(s.loc[2, "onset_epoch"])
    assert (s["compression_ci_low"] > s["error"])[s["compresses"]].all()
    assert s.loc[2, "share_compressing"] == pytest.approx(0.2)


def test_mean_ci_closed_form_and_errors():
    m, lo, hi = mean_ci([1.0, 2.0, 3.0])
    assert (m, lo, hi) == pytest.approx((2.0, 2.0 - 4.302653 / np.sqrt(3), 2.0 + 4.302653 / 3**0.5))
    assert np.isnan(mean_ci([1.0])[1]) and np.isnan(mean_ci([])[0])
    with pytest.raises(InfoplaneError, match="level"):
        mean_ci([1.0, 2.0], level=1.5)


# -- transition and convergence ------------------------------------------------------------------


def test_transition_per_network_and_on_the_averaged_curve():
    rows = []
    for r, t in enumerate([50.0, 100.0, 200.0]):
        rows.append(
            pd.DataFrame(
                {
                    "repeat": r,
                    "epoch": EPOCHS,
                    "layer": 1,
                    "grad_mean": (t / EPOCHS) ** 0.5,
                    "grad_std": 1.0,
                }
            )
        )
    g = pd.concat(rows, ignore_index=True)
    per = transition_events(g)
    for t_true, t in zip([50.0, 100.0, 200.0], per["transition_epoch"], strict=True):
        assert abs(np.log10(t / t_true)) < 0.05
    avg = transition_events(g, per_network=False)["transition_epoch"].iloc[0]
    assert abs(np.log10(avg / 100.0)) < 0.05  # geometric mean of the three curves
    assert transition_epoch(EPOCHS, np.full(X.size, 0.5)) == EPOCHS[0]


def test_information_convergence_of_an_exponential_approach():
    tau = 200.0
    i_ty = 1.0 - np.exp(-EPOCHS / tau)
    e = information_convergence_epoch(EPOCHS, np.zeros(X.size), i_ty, fraction=0.95)
    assert abs(np.log10(e / (tau * np.log(20.0)))) < 0.06  # distance exp(-e/tau) = 5%
    with pytest.raises(InfoplaneError, match="fraction"):
        information_convergence_epoch(EPOCHS, i_ty, i_ty, fraction=1.0)


def test_accuracy_and_loss_convergence():
    assert accuracy_epoch([1, 2, 3], [0.5, 0.9, 1.0], 0.9) == 2.0
    assert loss_convergence_epoch([1, 2, 3, 4], [1.0, 0.5, 0.1, 0.0], 0.8) == 3.0
    h = pd.DataFrame(
        {
            "repeat": [0, 0, 1, 1],
            "epoch": [1, 2, 1, 2],
            "train_loss": [1.0, 0.1, 1.0, 0.5],
            "train_acc": [0.95, 1.0, 0.5, 0.92],
        }
    )
    c = convergence_events(None, h)
    assert c["accuracy_epoch"].tolist() == [1.0, 2.0]
    assert c["info_convergence_epoch"].isna().all()


# -- one source of truth -------------------------------------------------------------------------


def test_every_module_reports_the_same_compression_on_the_same_frame():
    from infoplane.analysis.generalization import compression_amount
    from infoplane.analysis.phases import detect_phases
    from infoplane.experiments.results import SettingRun
    from infoplane.experiments.summary import layer_summary
    from infoplane.report.html import geometry_summary
    from infoplane.report.run_data import RunData

    plane = _plane({1: [1.0, 1.1, 0.9], 2: [0.0, 0.0, 0.0], 3: [0.5, 0.6, 0.4]}, noise=0.03)
    truth = compression_summary(plane).set_index("layer")
    per_net = compression_events(plane).set_index(["repeat", "layer"])

    phases = detect_phases(plane, None).set_index("layer")
    np.testing.assert_array_equal(phases["compression_epoch"], truth["onset_epoch"])

    ls = layer_summary(SettingRun("s", None, plane, None, None)).set_index("layer")
    np.testing.assert_allclose(ls["compression_bits"], truth["compression"])
    np.testing.assert_array_equal(ls["compression_epoch"], truth["onset_epoch"])

    amt = compression_amount(plane).set_index(["repeat", "layer"])
    np.testing.assert_allclose(amt["compression"], per_net.loc[amt.index, "amount"])

    geo = geometry_summary(RunData(Path("."), {}, "", plane), None, "binning").set_index("layer")
    np.testing.assert_allclose(geo["compression"], truth["compression"])
    np.testing.assert_array_equal(geo["peak_epoch"], truth["onset_epoch"])
    assert not truth.loc[2, "compresses"] and np.isnan(phases.loc[2, "compression_epoch"])


def test_the_depth_table_uses_the_paper_measure_from_events():
    from infoplane.experiments.depth import _label, _table
    from infoplane.experiments.results import CLAIM_IV_MEASURE, SettingRun

    runs = {}
    for d, tau in ((1, 400.0), (2, 100.0)):
        rows, hist = [], []
        for r in range(3):
            i_ty = 1.0 - np.exp(-EPOCHS / (tau * (1 + 0.1 * r)))
            rows.append(
                pd.DataFrame(
                    {
                        "repeat": r,
                        "epoch": EPOCHS,
                        "layer": d + 1,
                        "estimator": "binning",
                        "i_xt": 2.0,
                        "i_ty": i_ty,
                        "unit": "bits",
                    }
                )
            )
            hist.append(
                pd.DataFrame(
                    {
                        "repeat": r,
                        "epoch": EPOCHS,
                        "train_loss": 1 - i_ty,
                        "train_acc": i_ty,
                        "test_loss": 1 - i_ty,
                        "test_acc": i_ty,
                    }
                )
            )
        runs[_label(d)] = SettingRun(_label(d), None, pd.concat(rows), pd.concat(hist), None)
    table = _table(runs, {}, depths=[1, 2], fraction=0.95, accuracy=0.9)
    for d in (1, 2):
        run = runs[_label(d)]
        conv = convergence_events(run.plane, run.history)
        row = table.set_index("depth").loc[d]
        assert row[CLAIM_IV_MEASURE] == pytest.approx(conv["info_convergence_epoch"].mean())
        assert row["accuracy_epoch"] == pytest.approx(conv["accuracy_epoch"].mean())
    assert table[CLAIM_IV_MEASURE].iloc[0] > 2 * table[CLAIM_IV_MEASURE].iloc[1]


_EVENT_NAME = re.compile(r"compression|convergence|transition|peak_epoch")
_SCANNED = ("analysis", "experiments", "report", "run")


def _functions() -> dict[str, tuple[str, set[str]]]:
    """qualified name -> (file, names referenced in the body) for every function in scope."""
    out = {}
    for pkg in _SCANNED:
        for path in sorted((SRC / pkg).glob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef):
                    refs = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
                    refs |= {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}
                    out[f"{pkg}/{path.name}:{node.name}"] = (node.name, refs)
    return out


def test_only_events_defines_the_events():
    """A function named for an event must call events.py (directly or through one that does)."""
    funcs = _functions()
    ok = set(events.__all__)
    named = {k for k, (name, _) in funcs.items() if _EVENT_NAME.search(name)}
    changed = True
    while changed:  # names that delegate, directly or through another delegating function
        changed = False
        for key in named:
            name, refs = funcs[key]
            if name not in ok and (refs & ok) and not key.startswith("analysis/events.py"):
                ok.add(name)
                changed = True
    rogue = sorted(
        k for k in named if not k.startswith("analysis/events.py") and funcs[k][0] not in ok
    )
    # Drawing and formatting helpers that only read event columns computed elsewhere.
    readers = {"report/figures.py:compression_heatmap"}
    assert [k for k in rogue if k not in readers] == []


def test_a_layer_still_moving_at_the_end_is_censored():
    h = pd.DataFrame({"repeat": 0, "epoch": EPOCHS, "train_loss": 1.0, "train_acc": 1.0})
    still = pd.DataFrame(
        {"repeat": 0, "epoch": EPOCHS, "layer": 1, "i_xt": 1.0, "i_ty": EPOCHS / EPOCHS[-1]}
    )  # grows until the last epoch
    settled = still.assign(i_ty=1 - np.exp(-EPOCHS / 50.0))
    c = convergence_events(
        pd.concat([still, settled.assign(repeat=1)]), pd.concat([h, h.assign(repeat=1)])
    )
    assert c["info_convergence_censored"].tolist() == [True, False]
