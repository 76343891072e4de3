"""The Lightning callback against a real ``lightning.Trainer`` (CPU, a tiny model, a few epochs).

What is checked, by routes independent of the callback:

- the captured epochs are the log-spaced schedule, epoch 0 being the initialisation;
- the plane table equals estimating, with the estimator itself, the activations of the model
  states a second callback saved at the same hooks (computed by hand from the saved weights), and
  equals a plain ``Recorder`` fed those states;
- the gradient table equals the mean/std of the per-step gradients that second callback saw;
- the stored route (``online=False``, ``range="data"``) equals estimating the zarr store;
- the run directory holds the tables and figures of ``infoplane run``; TensorBoard scalars (via the
  trainer's ``TensorBoardLogger``) equal the table;
- usage errors are raised before any training and leave no directory behind.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from torch import nn

pl = pytest.importorskip("lightning.pytorch")

from infoplane.estimators.binning import BinningEstimator  # noqa: E402
from infoplane.interface import InfoplaneError  # noqa: E402
from infoplane.run import Recorder  # noqa: E402
from infoplane.storage.tables import read_table  # noqa: E402
from infoplane.training.schedule import log_spaced_epochs  # noqa: E402

N_BINS = 10

# the logits are unbounded: binning them on [-1, 1] puts values in extra bins (intended here)
pytestmark = pytest.mark.filterwarnings("ignore:.*outside the binning range")


class TinyModule(pl.LightningModule):
    """4 -> 6 (tanh) -> 2, SGD, logs train_loss/train_acc per epoch."""

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def training_step(self, batch: tuple[torch.Tensor, torch.Tensor], _: int) -> torch.Tensor:
        x, y = batch
        out = self(x)
        loss = nn.functional.cross_entropy(out, y)
        self.log("train_loss", loss, on_step=False, on_epoch=True)
        self.log("train_acc", (out.argmax(1) == y).float().mean(), on_step=False, on_epoch=True)
        return loss

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.parameters(), lr=0.5)


class StateSpy(pl.Callback):
    """Saves the weights at the same hooks as the callback, and every step's gradient of net.0."""

    def __init__(self) -> None:
        self.states: dict[int, dict[str, torch.Tensor]] = {}
        self.grads: dict[int, list[torch.Tensor]] = {}

    def on_train_start(self, trainer, pl_module) -> None:  # type: ignore[no-untyped-def]
        self.states[0] = copy.deepcopy(pl_module.net.state_dict())

    def on_before_optimizer_step(self, trainer, pl_module, optimizer) -> None:  # type: ignore[no-untyped-def]
        g = pl_module.net[0].weight.grad.detach().clone().ravel()
        self.grads.setdefault(trainer.current_epoch + 1, []).append(g)

    def on_train_epoch_end(self, trainer, pl_module) -> None:  # type: ignore[no-untyped-def]
        self.states[trainer.current_epoch + 1] = copy.deepcopy(pl_module.net.state_dict())


def _data() -> tuple[torch.Tensor, torch.Tensor, torch.utils.data.DataLoader]:
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(64, 4, generator=gen)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).long()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=16)
    return x, y, loader


def _trainer(callbacks: list, max_epochs: int, logger=False):  # type: ignore[no-untyped-def]
    return pl.Trainer(
        max_epochs=max_epochs,
        callbacks=callbacks,
        logger=logger,
        enable_progress_bar=False,
        enable_checkpointing=False,
        enable_model_summary=False,
        accelerator="cpu",
        devices=1,
        deterministic=True,
    )


def _by_hand(state: dict[str, torch.Tensor], x: torch.Tensor) -> dict[str, np.ndarray]:
    """The two captured layers computed from the saved weights, without any hook."""
    with torch.no_grad():
        h = torch.tanh(x @ state["0.weight"].T + state["0.bias"])
        out = h @ state["2.weight"].T + state["2.bias"]
    return {"net.1": h.numpy(), "net.2": out.numpy()}


@pytest.fixture(scope="module")
def online_fit(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from lightning.pytorch.loggers import TensorBoardLogger

    from infoplane.integrations import InformationPlaneCallback

    torch.manual_seed(0)
    x, y, loader = _data()
    root = tmp_path_factory.mktemp("lit")
    cb = InformationPlaneCallback(
        x,
        y,
        root / "run",
        layers=["net.1", "net.2"],
        estimators=[("binning", {"n_bins": N_BINS})],
        n_points=6,
        tensorboard=True,
        tensorboard_figures=False,
    )
    spy = StateSpy()
    logger = TensorBoardLogger(root / "tb", name="lit")
    _trainer([cb, spy], max_epochs=6, logger=logger).fit(TinyModule(), loader)
    return cb, spy, x, y, logger


def test_capture_epochs_are_the_log_spaced_schedule(online_fit) -> None:  # type: ignore[no-untyped-def]
    cb, *_ = online_fit
    expected = log_spaced_epochs(6, 6).tolist()
    assert cb.capture_epochs == expected == [0, 1, 2, 4, 6]
    assert sorted(cb.plane["epoch"].unique().tolist()) == expected
    assert cb.recorder.epochs == expected


def test_plane_equals_estimating_the_saved_model_states(online_fit) -> None:  # type: ignore[no-untyped-def]
    cb, spy, x, y, _ = online_fit
    est = BinningEstimator(n_bins=N_BINS)
    labels = y.numpy()
    table = read_table(cb.layout.plane)
    assert set(table["unit"]) == {"bits"}
    for epoch in cb.capture_epochs:
        acts = _by_hand(spy.states[epoch], x)
        for layer, name in enumerate(["net.1", "net.2"], start=1):
            i_xt, i_ty = est.information_plane(acts[name][None, None], labels)
            row = table[(table["epoch"] == epoch) & (table["layer"] == layer)]
            assert len(row) == 1 and row["layer_name"].item() == name
            np.testing.assert_allclose(row["i_xt"].item(), float(i_xt[0, 0]), rtol=0, atol=1e-12)
            np.testing.assert_allclose(row["i_ty"].item(), float(i_ty[0, 0]), rtol=0, atol=1e-12)
    # the output layer moves: I(T;Y) of the logits changes over training (a capture that froze
    # the weights would give one value)
    out = table[table["layer"] == 2]["i_ty"].to_numpy()
    assert np.ptp(out) > 0.05


def test_plane_equals_a_recorder_fed_the_same_states(online_fit) -> None:  # type: ignore[no-untyped-def]
    cb, spy, x, y, _ = online_fit
    net = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 2))
    rec = Recorder(net, x, y, layers=["1", "2"])
    for epoch in cb.capture_epochs:
        net.load_state_dict(spy.states[epoch])
        rec.capture(epoch)
    ref = rec.estimate("binning", n_bins=N_BINS)
    got = cb.plane
    for col in ("epoch", "layer", "flags"):
        assert got[col].tolist() == ref[col].tolist(), col
    for col in ("i_xt", "i_ty"):  # the online route sums per batch: equal to the last ulps
        np.testing.assert_allclose(got[col], ref[col], rtol=0, atol=1e-12)


def test_gradient_table_equals_the_per_step_gradients(online_fit) -> None:  # type: ignore[no-untyped-def]
    cb, spy, *_ = online_fit
    grads = read_table(cb.layout.gradients)
    assert sorted(grads["epoch"].unique().tolist()) == [1, 2, 4, 6]  # epoch 0 has no step
    for epoch in (1, 4, 6):
        g = torch.stack(spy.grads[epoch]).double()  # (steps, n_params) of net.0.weight
        mean = g.mean(0).norm().item()
        std = ((g - g.mean(0)) ** 2).mean(0).sum().sqrt().item()
        row = grads[(grads["epoch"] == epoch) & (grads["layer"] == 1)]
        np.testing.assert_allclose(row["grad_mean"].item(), mean, rtol=1e-6)
        np.testing.assert_allclose(row["grad_std"].item(), std, rtol=1e-6)
        np.testing.assert_allclose(row["snr"].item(), mean / std, rtol=1e-6)


def test_run_directory_holds_the_tables_and_figures_of_a_run(online_fit) -> None:  # type: ignore[no-untyped-def]
    from infoplane.run.checkpoint import RunLock, read_status

    cb, *_ = online_fit
    lay = cb.layout
    for path in (lay.plane, lay.gradients, lay.history, lay.phases):
        assert path.is_file(), path
    for fig in (lay.plane_figure, lay.snr_figure, lay.training_figure):
        assert fig.is_file() and fig.stat().st_size > 1000, fig
    assert read_status(lay.root) == "complete" and lay.is_run()
    with RunLock(lay.root, "test"):  # released by the callback (acquire raises if held)
        pass
    assert not lay.store.exists()  # online: no activation kept
    hist = read_table(lay.history)
    assert hist["epoch"].tolist() == [1, 2, 3, 4, 5, 6]
    assert hist["train_loss"].notna().all() and hist["test_loss"].isna().all()
    assert hist["train_loss"].iloc[-1] < hist["train_loss"].iloc[0]


def test_tensorboard_scalars_via_the_trainers_logger_equal_the_table(online_fit) -> None:  # type: ignore[no-untyped-def]
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    cb, _, _, _, logger = online_fit
    acc = EventAccumulator(logger.log_dir, size_guidance={"scalars": 0})
    acc.Reload()
    table = cb.plane
    for layer, name in ((1, "net.1"), (2, "net.2")):
        rows = table[table["layer"] == layer].sort_values("epoch")
        for col, quantity in (("i_xt", "I_XT_bits"), ("i_ty", "I_TY_bits")):
            events = acc.Scalars(f"{quantity}/binning/{layer:02d}_{name}")
            assert [e.step for e in events] == rows["epoch"].tolist()
            np.testing.assert_allclose([e.value for e in events], rows[col], rtol=1e-6)
    snr = acc.Scalars("SNR/01_net.1")
    grads = cb.gradients[cb.gradients["layer"] == 1]
    np.testing.assert_allclose([e.value for e in snr], grads["snr"], rtol=1e-6)
    assert "train_loss_epoch" in acc.Tags()["scalars"] or "train_loss" in acc.Tags()["scalars"]


def test_stored_route_equals_estimating_the_store(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from infoplane.integrations import InformationPlaneCallback
    from infoplane.storage.activations import ActivationStore

    torch.manual_seed(1)
    x, y, loader = _data()
    params = {"n_bins": 4, "range": "data"}  # the range over the whole run: needs the store
    cb = InformationPlaneCallback(
        x,
        y,
        tmp_path / "run",
        layers=["net.1"],
        estimators=[("binning", params)],
        epochs=[0, 1, 3],
        online=False,
        gradients=False,
        make_figures=False,
    )
    _trainer([cb], max_epochs=3).fit(TinyModule(), loader)
    store = ActivationStore.open(cb.layout.store)
    acts = store.read("net.1", repeat=0)  # (3, 64, 6)
    assert acts.shape == (3, 64, 6)
    i_xt, i_ty = BinningEstimator(**params).information_plane(acts[None], y.numpy())
    plane = read_table(cb.layout.plane)
    assert plane["epoch"].tolist() == [0, 1, 3]
    np.testing.assert_allclose(plane["i_xt"], i_xt[0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(plane["i_ty"], i_ty[0], rtol=0, atol=1e-12)
    assert not cb.layout.gradients.exists() and not cb.layout.plane_figure.exists()


def test_usage_errors_come_before_training(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from infoplane.integrations import InformationPlaneCallback

    x, y, loader = _data()
    with pytest.raises(InfoplaneError, match="n_bins"):
        InformationPlaneCallback(x, y, tmp_path / "a", estimators=[("binning", {"n_bins": 1})])
    with pytest.raises(InfoplaneError, match="online must be"):
        InformationPlaneCallback(x, y, tmp_path / "a", estimators=[3])
    cb = InformationPlaneCallback(x, y, tmp_path / "b", layers=["net.1"])
    with pytest.raises(InfoplaneError, match="max_epochs"):
        _trainer([cb], max_epochs=-1).fit(TinyModule(), loader)
    assert not (tmp_path / "b").exists()
    busy = tmp_path / "c"
    busy.mkdir()
    (busy / "mine.txt").write_text("keep")
    cb = InformationPlaneCallback(x, y, busy, layers=["net.1"], epochs=[0, 1])
    with pytest.raises(InfoplaneError, match="not empty"):
        _trainer([cb], max_epochs=1).fit(TinyModule(), loader)
    assert sorted(p.name for p in busy.iterdir()) == ["mine.txt"]
    cb = InformationPlaneCallback(x, y, tmp_path / "d", layers=["no_such_layer"], epochs=[0])
    with pytest.raises(InfoplaneError, match="no_such_layer"):
        _trainer([cb], max_epochs=1).fit(TinyModule(), loader)
    assert not (tmp_path / "d").exists()


def test_recorder_online_subsample_equals_estimating_those_rows() -> None:
    """What the callback's ``subsample=`` passes on: kde on a fixed seeded subset of rows."""
    from infoplane.estimators import make_estimator
    from infoplane.run.streaming import subsample_rows

    torch.manual_seed(0)
    x, y, _ = _data()
    net = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 2))
    spec = ("kde_upper", {"noise_variance": 0.05})
    online = Recorder(net, x, y, layers=["1"], online=spec, subsample=20, subsample_seed=3)
    kept = Recorder(net, x, y, layers=["1"])
    for epoch in (0, 1):
        with torch.no_grad():
            net[0].weight.mul_(1.5)  # a different representation at each epoch
        online.capture(epoch)
        kept.capture(epoch)
    rows = subsample_rows(64, 20, seed=3)
    acts = kept.activations("1")[:, rows]  # (2, 20, 6)
    i_xt, i_ty = make_estimator(*spec).information_plane(acts[None], y.numpy()[rows])
    table = online.estimate()
    np.testing.assert_allclose(table["i_xt"], i_xt[0], rtol=1e-10)
    np.testing.assert_allclose(table["i_ty"], i_ty[0], rtol=1e-10)
    assert '"n_samples": 20' in table["params"].iloc[0]
