"""What the figures hold: the information-plane conventions, units on the axes, one shared style.

Shwartz-Ziv & Tishby (2017, arXiv 1703.00810): x = I(X;T), y = I(T;Y); colour = epoch on a log scale
with a colour bar "Epochs"; one trajectory (marker shape) per layer; thin lines join the layers of
one epoch; a dotted line at I(X;Y). The tables here are built by hand, so every drawn value is known.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.colors import LogNorm

from infoplane.interface import InfoplaneError
from infoplane.plots import style
from infoplane.plots.consistency import mark_dpi_violations, plot_parameter_sensitivity
from infoplane.plots.information_plane import draw_information_plane, plot_information_plane

EPOCHS = np.array([0, 1, 10, 100, 1000])
LAYERS = (1, 2, 3)


def _plane(estimators=("binning", "kde_upper"), repeats=2, unit="bits") -> pd.DataFrame:
    """I(X;T) = 10 - l - r/10 + e/1000, I(T;Y) = 0.5 - l/10 + r/100 + e/10^4: known means, no DPI
    violation (both fall with depth)."""
    rows = []
    for est in estimators:
        for r in range(repeats):
            for e in EPOCHS:
                for lay in LAYERS:
                    rows.append(
                        {
                            "repeat": r, "epoch": int(e), "layer": lay,
                            "layer_name": "softmax" if lay == 3 else f"h{lay}",
                            "estimator": est,
                            "i_xt": 10.0 - lay - r / 10 + e / 1000,
                            "i_ty": 0.5 - 0.1 * lay + r / 100 + e / 10000,
                            "unit": unit,
                        }
                    )  # fmt: skip
    return pd.DataFrame(rows)


def _expected(layer: int, repeats: int = 2) -> np.ndarray:
    r_mean = np.mean(np.arange(repeats))
    x = 10.0 - layer - r_mean / 10 + EPOCHS / 1000
    y = 0.5 - 0.1 * layer + r_mean / 100 + EPOCHS / 10000
    return np.column_stack([x, y])


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _panels(fig) -> list:
    return [ax for ax in fig.axes if ax.get_label() != "<colorbar>" and ax.get_visible()]


def test_axes_titles_and_colour_bar() -> None:
    fig = plot_information_plane(_plane(), ixy=0.75)
    panels = _panels(fig)
    assert [ax.get_title() for ax in panels] == [
        "binning (mean of 2 networks)",
        "kde_upper (mean of 2 networks)",
    ]
    for ax in panels:
        assert ax.get_xlabel() == "I(X;T) [bits]"
        assert ax.get_ylabel() == "I(T;Y) [bits]"
    cbars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(cbars) == 1  # one colour bar for all panels
    cbar = cbars[0]
    assert cbar.get_ylabel() == "Epochs"
    assert cbar.get_yscale() == "log"
    mappable = panels[0].collections[-1]
    assert isinstance(mappable.norm, LogNorm)
    assert (mappable.norm.vmin, mappable.norm.vmax) == (1.0, 1000.0)  # epoch 0 shown as 1


def test_one_trajectory_per_layer_at_the_repeat_mean() -> None:
    fig = plot_information_plane(_plane())
    for ax in _panels(fig):
        scatters = [c for c in ax.collections if isinstance(c, PathCollection)]
        assert len(scatters) == len(LAYERS)
        assert [s.get_label() for s in scatters] == ["layer 1", "layer 2", "output (softmax)"]
        for lay, sc in zip(LAYERS, scatters, strict=True):
            np.testing.assert_allclose(sc.get_offsets(), _expected(lay), rtol=1e-12)
            np.testing.assert_array_equal(sc.get_array(), np.maximum(EPOCHS, 1))
        # each layer its own marker shape, in the shared style's order
        shapes = {tuple(map(tuple, sc.get_paths()[0].vertices.round(6))) for sc in scatters}
        assert len(shapes) == len(LAYERS)
        # thin lines join the layers of each epoch: one polyline per epoch through every layer
        (lines,) = [c for c in ax.collections if isinstance(c, LineCollection)]
        segs = lines.get_segments()
        assert len(segs) == len(EPOCHS)
        np.testing.assert_allclose(segs[2], [_expected(lay)[2] for lay in LAYERS])


def test_dotted_ixy_line_at_its_height() -> None:
    fig = plot_information_plane(_plane(estimators=("binning",)), ixy=0.99916)
    ax = _panels(fig)[0]
    dotted = [ln for ln in ax.lines if ln.get_linestyle() == ":"]
    assert len(dotted) == 1
    np.testing.assert_allclose(dotted[0].get_ydata(), [0.99916, 0.99916])
    assert dotted[0].get_label() == "I(X;Y) = 0.999 bits"
    fig = plot_information_plane(_plane(estimators=("binning",)))
    assert not [ln for ln in _panels(fig)[0].lines if ln.get_linestyle() == ":"]


def test_units_come_from_the_table() -> None:
    fig = plot_information_plane(_plane(unit="nats"), ixy=0.69)
    for ax in _panels(fig):
        assert ax.get_xlabel() == "I(X;T) [nats]"
        assert ax.get_ylabel() == "I(T;Y) [nats]"
    dotted = [ln for ln in _panels(fig)[0].lines if ln.get_linestyle() == ":"]
    assert dotted[0].get_label() == "I(X;Y) = 0.690 nats"
    no_unit = _plane().drop(columns="unit")
    assert _panels(plot_information_plane(no_unit))[0].get_xlabel() == "I(X;T) [bits]"


def test_a_table_mixing_units_is_refused() -> None:
    t = _plane()
    t.loc[t.index[::2], "unit"] = "nats"
    with pytest.raises(InfoplaneError, match="mixes units"):
        plot_information_plane(t)


def test_estimator_without_ixt_gets_label_information_against_epoch() -> None:
    t = _plane(estimators=("binning", "infonce"))
    t.loc[t["estimator"] == "infonce", "i_xt"] = np.nan
    fig = plot_information_plane(t, ixy=0.9)
    ax = _panels(fig)[1]
    assert ax.get_title() == "infonce: I(T;Y) only (no I(X;T) estimate)"
    assert ax.get_xlabel() == "Epochs" and ax.get_xscale() == "log"
    assert ax.get_ylabel() == "I(T;Y) [bits]"
    solid = [ln for ln in ax.lines if ln.get_linestyle() != ":"]
    assert len(solid) == len(LAYERS)


def test_panels_and_selection() -> None:
    fig = plot_information_plane(_plane(estimators=("a", "b", "c", "d")), estimators=["d", "b"])
    assert [ax.get_title().split()[0] for ax in _panels(fig)] == ["d", "b"]
    with pytest.raises(InfoplaneError, match="not in"):
        plot_information_plane(_plane(), estimators=["nope"])


def test_draw_information_plane_uses_the_given_norm() -> None:
    mean = (
        _plane(estimators=("binning",))
        .groupby(["epoch", "layer"], as_index=False)[["i_xt", "i_ty"]]
        .mean()
    )
    _, ax = plt.subplots()
    norm = LogNorm(vmin=1, vmax=1e4)
    sm = draw_information_plane(ax, mean, norm=norm, unit="nats")
    assert sm.norm is norm
    assert ax.get_xlabel() == "I(X;T) [nats]"
    kinds = [type(c).__name__ for c in ax.collections]
    assert kinds == ["LineCollection"] + ["PathCollection"] * len(LAYERS)
    assert all(sc.norm is norm for sc in ax.collections[1:])


def test_saved_png_holds_the_same_figure(tmp_path) -> None:
    fig = plot_information_plane(_plane(), tmp_path / "plane.png")
    img = plt.imread(tmp_path / "plane.png")
    assert img.ndim == 3 and img.shape[2] in (3, 4)
    # 150 dpi: about the figure's size in pixels (bbox "tight" trims or adds a margin)
    w, h = fig.get_size_inches() * 150
    assert abs(img.shape[1] - w) < 0.15 * w and abs(img.shape[0] - h) < 0.15 * h
    assert img[..., :3].std() > 0.05  # not a blank canvas


def test_mark_dpi_violations_circles_the_deeper_layer() -> None:
    t = _plane(estimators=("binning",))
    t.loc[(t["layer"] == 2) & (t["epoch"] == 10), "i_xt"] = 50.0  # deeper layer above layer 1
    _, ax = plt.subplots()
    assert mark_dpi_violations(ax, t) == 1
    marks = ax.collections[-1]
    np.testing.assert_allclose(marks.get_offsets(), [[50.0, _expected(2)[2, 1]]])
    assert marks.get_label() == "DPI violation (1)"


def test_parameter_sensitivity_figure_holds_the_table() -> None:
    table = pd.DataFrame(
        {
            "setting": ["n_bins=10", "n_bins=30"] * 2,
            "layer": [1, 1, 2, 2],
            "layer_name": ["h1", "h1", "h2", "h2"],
            "compression": [0.0, 0.4, 0.2, 0.3],
            "compresses": [False, True, True, True],
            "unit": "nats",
        }
    )
    fig = plot_parameter_sensitivity(table)
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.images[0].get_array(), [[0.0, 0.4], [0.2, 0.3]])
    assert fig.axes[-1].get_ylabel() == "compression: peak - final I(X;T) [nats]"
    assert len(ax.patches) == 3  # one outline per compressing cell
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("some") == 1 and texts.count("all") == 1
    assert [t.get_text() for t in ax.get_xticklabels()] == ["n_bins=10", "n_bins=30"]


# ------------------------------------------------------------------------------ the style
def test_axis_label_and_unit_checks() -> None:
    assert style.axis_label("I(X;T)", "bits") == "I(X;T) [bits]"
    with pytest.raises(InfoplaneError, match="unit"):
        style.axis_label("I(X;T)", "bans")
    with pytest.raises(InfoplaneError, match="bans"):
        style.table_unit(pd.DataFrame({"unit": ["bans"]}))


def test_matplotlib_and_plotly_share_colours_and_shapes() -> None:
    cmap = matplotlib.colormaps[style.EPOCH_CMAP]
    scale = style.epoch_colorscale(5)
    for pos, rgb in scale:
        want = tuple(round(255 * v) for v in cmap(pos)[:3])
        assert rgb == "rgb({},{},{})".format(*want)
    assert len(style.LAYER_MARKERS) == len(style.LAYER_SYMBOLS)
    # the same shape order: circle, square, triangle up, diamond, triangle down
    assert style.LAYER_MARKERS[:5] == ("o", "s", "^", "D", "v")
    assert style.LAYER_SYMBOLS[:5] == (
        "circle",
        "square",
        "triangle-up",
        "diamond",
        "triangle-down",
    )
    assert style.IXY_LINE["ls"] == ":" and style.IXY_LINE_PLOTLY["dash"] == "dot"


def test_epoch_norm_spans_the_shown_epochs() -> None:
    n = style.epoch_norm(np.array([0, 5, 50]))
    assert (n.vmin, n.vmax) == (1.0, 50.0)
    n = style.epoch_norm(np.array([0, 0]))  # one epoch: still a valid (non-empty) log range
    assert n.vmax > n.vmin


def test_png_and_report_draw_the_same_colours() -> None:
    """The SNR figure of the PNGs and of the report take their colours from one style."""
    from matplotlib.colors import to_hex

    from infoplane.plots.snr import plot_snr
    from infoplane.report.figures import snr_figure, training_figure

    grads = pd.DataFrame(
        {"repeat": 0, "epoch": [1, 10, 100], "layer": 1, "grad_mean": 1.0, "grad_std": 0.5}
    )
    ax = plot_snr(grads).axes[0]
    png = [to_hex(line.get_color()) for line in ax.lines[:2]]
    html = [t.line.color for t in snr_figure(grads).data[:2]]
    assert png == html == [style.SNR_COLORS["mean"], style.SNR_COLORS["std"]]
    history = pd.DataFrame(
        {"repeat": 0, "epoch": [1, 10], "train_loss": 0.5, "test_loss": 0.6,
         "train_acc": 0.9, "test_acc": 0.8}
    )  # fmt: skip
    lines = [t for t in training_figure(history).data if t.mode == "lines"]
    assert [t.line.color for t in lines[:2]] == list(style.SPLIT_COLORS.values())


# ------------------------------------------------------------- fixed layout of the run's figures
def _texts_inside_and_panels_apart(fig) -> None:
    """Every drawn text lies on the canvas, and no panel's labels reach into another panel."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    canvas = fig.bbox

    def inside(box, what) -> None:
        assert canvas.x0 - 1 <= box.x0 and box.x1 <= canvas.x1 + 1, what
        assert canvas.y0 - 1 <= box.y0 and box.y1 <= canvas.y1 + 1, what

    for text in fig.texts:  # the suptitle
        inside(text.get_window_extent(renderer), text.get_text())
    panels = [ax for ax in fig.axes if ax.get_visible()]
    for ax in panels:  # drawn tick labels, axis labels, title, legend
        outer = ax.get_tightbbox(renderer)
        inside(outer, ax.get_title() or ax.get_label())
        for other in panels:
            if other is not ax:
                assert not outer.overlaps(other.bbox), (ax.get_title(), other.get_title())


def _gradients(n_layers: int = 6) -> pd.DataFrame:
    epochs = np.unique(np.geomspace(1, 2000, 60).astype(int))
    rows = []
    for r in range(2):
        for lay in range(1, n_layers + 1):
            for e in epochs:
                rows.append({"repeat": r, "epoch": int(e), "layer": lay,
                             "grad_mean": 10.0 ** (-lay - r) * (1 + e / 100),
                             "grad_std": 10.0 ** (-lay) * e ** 0.3})  # fmt: skip
    return pd.DataFrame(rows)


def test_snr_figure_has_fixed_margins_and_draws_the_geometric_means(tmp_path) -> None:
    from infoplane.plots.snr import mean_gradients, plot_snr

    grads = _gradients()
    fig = plot_snr(grads, tmp_path / "snr.png")
    assert fig.get_layout_engine() is None  # no layout pass at each draw
    avg = mean_gradients(grads)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in panels][-1] == "layer 6 (output)"
    for lay, ax in enumerate(panels, start=1):
        sub = avg[avg["layer"] == lay]
        np.testing.assert_allclose(ax.lines[0].get_xdata(), sub["epoch"])
        # geometric mean over the two repeats: 10^(-l - 1/2) (1 + e/100)
        np.testing.assert_allclose(
            ax.lines[0].get_ydata(), 10.0 ** (-lay - 0.5) * (1 + sub["epoch"] / 100), rtol=1e-12
        )
        np.testing.assert_allclose(ax.lines[1].get_ydata(), 10.0 ** (-lay) * sub["epoch"] ** 0.3,
                                   rtol=1e-12)  # fmt: skip
    _texts_inside_and_panels_apart(fig)  # gradient norms over 9 decades: long tick labels
    assert plt.imread(tmp_path / "snr.png").shape[:2] == (990, 1890)  # 150 dpi, 12.6 x 6.6 in


@pytest.mark.parametrize("n_estimators", [1, 2, 4])
def test_plane_figure_fixed_margins_fit_titles_labels_and_colour_bar(n_estimators) -> None:
    names = ("binning", "kde_upper", "ksg", "renyi")[:n_estimators]
    table = _plane(estimators=names, unit="nats")
    table["i_ty"] = table["i_ty"] - 0.45  # negative values: longer tick labels
    fig = plot_information_plane(table, ixy=0.69, title="12bit: 10-7-5-4-3 tanh, adam lr=0.0004")
    assert fig.get_layout_engine() is None
    (cbar,) = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert cbar.get_ylabel() == "Epochs" and cbar.get_yscale() == "log"
    panels = _panels(fig)
    assert len(panels) == n_estimators
    # the colour bar spans the panels' height, right of every panel
    assert cbar.get_position().x0 > max(ax.get_position().x1 for ax in panels)
    _texts_inside_and_panels_apart(fig)


def test_training_curves_hold_the_repeat_means_and_bands(tmp_path) -> None:
    from infoplane.plots.training_curves import plot_training_curves

    epochs = np.array([1, 10, 100, 1000])
    history = pd.DataFrame(
        {"repeat": np.repeat([0, 1], 4), "epoch": np.tile(epochs, 2),
         "train_loss": np.r_[0.7, 0.5, 0.3, 0.1, 0.5, 0.3, 0.1, 0.1], "test_loss": np.nan,
         "train_acc": np.r_[0.5, 0.6, 0.8, 0.9, 0.7, 0.8, 0.8, 0.9], "test_acc": np.nan}
    )  # fmt: skip
    fig = plot_training_curves(history, tmp_path / "curves.png")
    assert fig.get_layout_engine() is None
    loss, acc = fig.axes
    assert [ln.get_label() for ln in loss.lines] == ["train"]  # no test split: left out
    np.testing.assert_allclose(loss.lines[0].get_ydata(), [0.6, 0.4, 0.2, 0.1])
    np.testing.assert_allclose(acc.lines[0].get_ydata(), [0.6, 0.7, 0.8, 0.9])
    band = loss.collections[0].get_paths()[0].vertices[:, 1]
    assert band.min() == pytest.approx(0.1) and band.max() == pytest.approx(0.7)
    _texts_inside_and_panels_apart(fig)
    assert plt.imread(tmp_path / "curves.png").shape[:2] == (494, 1300)  # 130 dpi, 10 x 3.8 in


def test_save_plot_writes_the_pixels_of_a_default_png(tmp_path) -> None:
    """zlib level 1 is lossless: the same pixels as matplotlib's default PNG."""
    fig = plot_information_plane(_plane(), ixy=0.75)
    style.save_plot(fig, tmp_path / "fast.png", dpi=80)
    fig.savefig(tmp_path / "default.png", dpi=80)
    np.testing.assert_array_equal(plt.imread(tmp_path / "fast.png"),
                                  plt.imread(tmp_path / "default.png"))  # fmt: skip
    assert style.save_plot(fig, tmp_path / "plane.pdf", dpi=80).read_bytes()[:4] == b"%PDF"
    with pytest.raises(InfoplaneError, match="no room"):
        style.fixed_margins(2.0, 2.0, left=1.5, right=1.0, bottom=0.1, top=0.1)


def test_trimming_ticks_to_the_view_changes_no_pixel(tmp_path, monkeypatch) -> None:
    """The in-view locators build fewer tick objects and draw exactly the same image."""
    import infoplane.plots.snr as snr

    grads = _gradients(n_layers=2)

    def render(path):
        fig = snr.plot_snr(grads, path)
        fig.canvas.draw()
        n_ticks = sum(
            len(a.majorTicks) + len(a.minorTicks) for a in (fig.axes[0].xaxis, fig.axes[0].yaxis)
        )
        return plt.imread(path), n_ticks

    trimmed, n_trimmed = render(tmp_path / "trimmed.png")
    monkeypatch.setattr(snr, "trim_ticks_to_view", lambda ax: None)
    full, n_full = render(tmp_path / "full.png")
    np.testing.assert_array_equal(trimmed, full)
    assert n_trimmed < n_full
    # negative and zero limits of a linear axis keep their edge ticks
    _, ax = plt.subplots()
    ax.plot([-1.0, 0.0], [0.0, 1.0])
    ax.set_xlim(-1.0, 0.0)
    style.trim_ticks_to_view(ax)
    locs = ax.xaxis.get_major_locator()()
    assert locs[0] == -1.0 and locs[-1] == 0.0
    assert locs.min() >= -1.0 and locs.max() <= 0.0
