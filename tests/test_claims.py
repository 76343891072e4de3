"""``infoplane claims``: verdicts on synthetic runs whose answers are known, and the command."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from infoplane.experiments.claims import (
    INCONCLUSIVE,
    NOT_REPRODUCED,
    PRESETS,
    REPRODUCED,
    claims_configs,
    claims_markdown,
    run_claims,
    verdict_table,
)
from infoplane.experiments.results import SettingRun
from infoplane.interface import InfoplaneError
from infoplane.training.schedule import log_spaced_epochs

EPOCHS = log_spaced_epochs(4000, 120)[1:]
X = np.log10(EPOCHS + 1.0)
ESTIMATORS = ("binning", "kde_upper")


def _main_run(act: str, repeats: int = 5) -> SettingRun:
    """tanh: every hidden layer fits to epoch 100 then compresses 1 bit; SNR crosses 1 at 100.
    relu: I(X;T) only grows."""
    rng = np.random.default_rng(0)
    xp = np.log10(101.0)
    planes, grads, hist = [], [], []
    for r in range(repeats):
        for layer in range(1, 7):
            if act == "tanh":
                i_xt = np.where(
                    X <= xp, 5 + 2 * X / xp, 7 - (1 + 0.1 * r) * (X - xp) / (X[-1] - xp)
                )
            else:
                i_xt = 5 + X
            for est in ESTIMATORS:
                planes.append(
                    pd.DataFrame(
                        {
                            "repeat": r,
                            "epoch": EPOCHS,
                            "layer": layer,
                            "estimator": est,
                            "i_xt": i_xt + 0.01 * rng.standard_normal(X.size),
                            "i_ty": 0.5,
                            "unit": "bits",
                        }
                    )
                )
            t = 100.0 * 10 ** (0.05 * rng.standard_normal())
            grads.append(
                pd.DataFrame(
                    {
                        "repeat": r,
                        "epoch": EPOCHS,
                        "layer": layer,
                        "grad_mean": np.sqrt(t / EPOCHS),
                        "grad_std": 1.0,
                    }
                )
            )
        hist.append(
            pd.DataFrame(
                {
                    "repeat": r,
                    "epoch": EPOCHS,
                    "train_loss": 1 / EPOCHS,
                    "train_acc": 1 - 1 / EPOCHS,
                }
            )
        )
    return SettingRun(act, None, pd.concat(planes), pd.concat(hist), pd.concat(grads))


def _depth_run(label: str, depth: int, tau: float, repeats: int = 5) -> SettingRun:
    """The output layer approaches its final point with time constant tau (shorter when deeper)."""
    planes, hist = [], []
    for r in range(repeats):
        i_ty = 1 - np.exp(-EPOCHS / (tau * (1 + 0.05 * r)))
        for est in ESTIMATORS:
            planes.append(
                pd.DataFrame(
                    {
                        "repeat": r,
                        "epoch": EPOCHS,
                        "layer": depth + 1,
                        "estimator": est,
                        "i_xt": 1.0,
                        "i_ty": i_ty,
                        "unit": "bits",
                    }
                )
            )
        hist.append(
            pd.DataFrame({"repeat": r, "epoch": EPOCHS, "train_loss": 1 - i_ty, "train_acc": i_ty})
        )
    return SettingRun(label, None, pd.concat(planes), pd.concat(hist), None)


def _runs() -> dict[str, SettingRun]:
    runs = {act: _main_run(act) for act in ("tanh", "relu")}
    for act in ("tanh", "relu"):
        for depth, tau in ((1, 800.0), (2, 100.0)):
            runs[f"depth-{depth}-{act}"] = _depth_run(f"depth-{depth}-{act}", depth, tau)
    return runs


@pytest.fixture(scope="module")
def verdicts():
    return verdict_table(_runs(), depths=(1, 2))


def _verdict(table, claim, act, est):
    sub = table[(table["claim"] == claim) & (table["activation"] == act)]
    return sub[sub["estimator"] == est].iloc[0]


def test_known_answers_give_the_right_verdicts(verdicts):
    table, details = verdicts
    assert set(table["verdict"]) <= {REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE}
    for est in ESTIMATORS:
        i = _verdict(table, "i", "tanh", est)
        # falls linearly in log-epoch from 100 to 4000: 95% done near epoch 10**3.52
        assert i["verdict"] == REPRODUCED and 0.9 < i["value"] < 1.0
        ii = _verdict(table, "ii", "tanh", est)
        assert ii["verdict"] == REPRODUCED and abs(ii["value"]) < 0.1
        assert ii["ci_low"] < ii["value"] < ii["ci_high"]
        for claim in ("i", "ii"):
            row = _verdict(table, claim, "relu", est)
            assert row["verdict"] == NOT_REPRODUCED and "no hidden layer" in row["note"]
        iv = _verdict(table, "iv", "tanh", est)
        assert iv["verdict"] == REPRODUCED and iv["value"] == pytest.approx(8.0, rel=0.15)
        # no activation store in a synthetic run: claim iii says why, with no number
        iii = _verdict(table, "iii", "tanh", est)
        assert iii["verdict"] == INCONCLUSIVE and np.isnan(iii["value"]) and iii["note"]
    acc = _verdict(table, "iv", "tanh", "-")
    assert acc["verdict"] == REPRODUCED and "accuracy" in acc["measure"]
    assert set(details["events"]["layer"]) == {1, 2, 3, 4, 5}  # output layer excluded
    assert set(details["convergence"]["depth"]) == {1, 2}


def test_markdown_states_the_command_and_every_row(verdicts):
    table, _ = verdicts
    md = claims_markdown(table, preset="default", command="infoplane claims --out x")
    assert "`infoplane claims --out x`" in md
    assert md.count("\n| ") == len(table) + 1  # header + one line per row


def test_plots_one_figure_per_claim(verdicts):
    import matplotlib.pyplot as plt

    from infoplane.experiments.claims import CLAIMS
    from infoplane.plots.claims import plot_claim

    table, details = verdicts
    for claim, text in CLAIMS.items():
        fig = plot_claim(claim, table, details, text)
        assert len(fig.axes) == 2
        shown = fig.axes[1].texts[0].get_text()
        assert shown.startswith("The paper:") and "Measured here:" in shown
        assert any(w in shown for w in (REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE))
        plt.close(fig)
    with pytest.raises(InfoplaneError, match="claim"):
        plot_claim("v", table, details, "")


def test_bad_options_are_refused_before_anything_runs(tmp_path):
    with pytest.raises(InfoplaneError, match="preset"):
        run_claims(tmp_path / "x", preset="huge")
    with pytest.raises(InfoplaneError, match="unknown claims option"):
        claims_configs(PRESETS["tiny"], epoch=3)
    with pytest.raises(InfoplaneError, match="depths"):
        claims_configs(PRESETS["tiny"], depths=(1,))
    with pytest.raises(InfoplaneError, match="lack the settings"):
        verdict_table({})
    assert not (tmp_path / "x").exists()


def test_cli_refuses_a_bad_preset_with_exit_2(tmp_path):
    from typer.testing import CliRunner

    from infoplane.cli.app import app

    result = CliRunner().invoke(app, ["claims", "--preset", "huge", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "preset" in result.output


@pytest.mark.slow
def test_cli_tiny_writes_the_table_and_figures_and_resumes(tmp_path):
    from typer.testing import CliRunner

    from infoplane.cli.app import app

    out = tmp_path / "claims"
    result = CliRunner().invoke(app, ["claims", "--preset", "tiny", "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "claims.csv")
    assert set(table["claim"]) == {"i", "ii", "iii", "iv"}
    assert set(table["activation"]) == {"tanh", "relu"}
    for claim in ("i", "ii", "iii", "iv"):
        assert (out / f"claim_{claim}.png").is_file()
    assert "infoplane claims" in (out / "claims.md").read_text()
    mtime = (out / "runs" / "tanh" / "_SUCCESS").stat().st_mtime
    again = CliRunner().invoke(app, ["claims", "--preset", "tiny", "--out", str(out)])
    assert again.exit_code == 0, again.output
    assert (out / "runs" / "tanh" / "_SUCCESS").stat().st_mtime == mtime  # reused
    pd.testing.assert_frame_equal(pd.read_csv(out / "claims.csv"), table)
