"""The hand-written stacked step trains the same networks as autograd (issue 15).

The fast path of :func:`~infoplane.training.trainer.train_ensemble` (``TrainSettings(fast=True)``,
the default for an ``EnsembleMLP``) must give the weights, the training history and the gradient
statistics of the autograd path (``fast=False``, kept as the reference) to float32 rounding, be
bit-identical when resumed from a checkpoint, leave an ordinary Adam state behind, and step aside
(giving exactly the autograd result) wherever it could differ.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from infoplane.data import load_twelve_bit
from infoplane.models.ensemble import EnsembleMLP
from infoplane.training import _stacked_step
from infoplane.training.gradients import GradientStatistics
from infoplane.training.trainer import LoopState, TrainSettings, train_ensemble

#: float32 rounding, amplified a little by a few epochs of Adam (weights are O(1))
ATOL = 2e-5


@pytest.fixture(scope="module")
def twelve_bit():
    return load_twelve_bit(train_fraction=0.5)


def _train(ds, *, fast, seeds=(0, 1, 2), epochs=4, grads=True, **kw):
    model_kw = {k: kw.pop(k) for k in ("activation", "hidden", "n_classes") if k in kw}
    x, y = kw.pop("x", ds.x), kw.pop("y", ds.y)
    model = EnsembleMLP(list(seeds), n_inputs=x.shape[1], **model_kw)
    stats = GradientStatistics(model, range(1, epochs + 1)) if grads else None
    settings = TrainSettings(epochs=epochs, device="cpu", batch_size=256, fast=fast, **kw)
    hist = train_ensemble(
        model,
        x,
        y,
        ds.train_idx,
        ds.test_idx,
        settings,
        step_fn=None if stats is None else stats.step_fn,
    )
    return model, hist, None if stats is None else stats.to_frame()


def _assert_same(a, b, atol=ATOL):
    (ma, ha, ga), (mb, hb, gb) = a, b
    for (name, pa), pb in zip(ma.named_parameters(), mb.parameters(), strict=True):
        np.testing.assert_allclose(pa.detach(), pb.detach(), atol=atol, rtol=0, err_msg=name)
    for key in ("train_loss", "test_loss"):
        np.testing.assert_allclose(ha[key], hb[key], atol=atol, rtol=0, err_msg=key)
    for key in ("train_acc", "test_acc"):
        np.testing.assert_allclose(ha[key], hb[key], atol=2e-3, rtol=0, err_msg=key)
    if ga is not None:
        for col in ("grad_mean", "grad_std", "weight_norm"):
            np.testing.assert_allclose(ga[col], gb[col], rtol=1e-4, atol=1e-7, err_msg=col)


@pytest.mark.parametrize("history", ["exact", "running"])
def test_fast_path_equals_autograd_weights_history_and_gradient_statistics(twelve_bit, history):
    fast = _train(twelve_bit, fast=True, history=history)
    slow = _train(twelve_bit, fast=False, history=history)
    _assert_same(fast, slow)
    # the networks did train: the comparison is not between untouched initialisations
    assert not torch.equal(
        fast[0].layers[0].linear.weight, EnsembleMLP([0, 1, 2]).layers[0].linear.weight
    )
    assert fast[1]["train_loss"][-1].max() < fast[1]["train_loss"][0].max()


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "linear"])
def test_other_activations_and_sgd_with_momentum(twelve_bit, activation):
    kw = {"activation": activation, "optimizer": "sgd", "lr": 0.05, "momentum": 0.9}
    _assert_same(_train(twelve_bit, fast=True, **kw), _train(twelve_bit, fast=False, **kw))


def test_three_classes_use_the_general_cross_entropy(twelve_bit):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(len(twelve_bit.y), 5)).astype(np.float32)
    y = (np.digitize(x[:, 0] + x[:, 1], [-0.5, 0.5])).astype(np.int64)
    kw = {"x": x, "y": y, "n_classes": 3, "hidden": [6, 4]}
    fast = _train(twelve_bit, fast=True, **dict(kw))
    _assert_same(fast, _train(twelve_bit, fast=False, **dict(kw)))
    assert (fast[1]["train_loss"][-1] < fast[1]["train_loss"][0]).all()  # it learns


def test_one_step_gradients_equal_autograd_and_adam_equals_torch_adam():
    torch.manual_seed(0)
    model = EnsembleMLP([5, 6])
    ref = EnsembleMLP([5, 6])
    x = torch.randint(0, 2, (2, 64, 12)).float()
    y = torch.randint(0, 2, (2, 64))
    ref_opt = torch.optim.Adam(ref.parameters(), lr=1e-2)
    logits = ref(x)
    loss = torch.nn.functional.cross_entropy(logits.transpose(1, 2), y, reduction="none")
    loss.mean(1).sum().backward()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    step = _stacked_step.StackedStep(model, opt)
    z, ce = step.forward_backward(x.transpose(1, 2), y)
    np.testing.assert_allclose(ce, loss.detach(), atol=1e-6)
    np.testing.assert_allclose(z.transpose(1, 2), logits.detach(), atol=1e-6)
    for p, q in zip(model.parameters(), ref.parameters(), strict=True):
        np.testing.assert_allclose(p.grad, q.grad, atol=1e-7, rtol=1e-5)
        p.grad.copy_(q.grad)  # same gradients: the optimisers must then agree exactly
    for _ in range(3):
        step.optimizer_step()
        ref_opt.step()
    step.release()
    for p, q in zip(model.parameters(), ref.parameters(), strict=True):
        assert torch.equal(p, q)
    for p, q in zip(model.parameters(), ref.parameters(), strict=True):
        for key in ("exp_avg", "exp_avg_sq", "step"):
            assert torch.equal(opt.state[p][key], ref_opt.state[q][key]), key


def test_resume_is_bit_identical_and_the_state_is_an_ordinary_adam_state(twelve_bit):
    ds = twelve_bit
    settings = TrainSettings(epochs=4, device="cpu", batch_size=256)
    straight = EnsembleMLP([0, 1])
    h_straight = train_ensemble(straight, ds.x, ds.y, ds.train_idx, ds.test_idx, settings)
    saved = {}

    def keep(state: LoopState) -> None:
        if state.epoch == 2:
            saved.update(state.state_dict())

    first = EnsembleMLP([0, 1])
    train_ensemble(first, ds.x, ds.y, ds.train_idx, ds.test_idx, settings, epoch_end_fn=keep)
    adam = saved["optimizer"]["state"]
    assert sorted(adam[0]) == ["exp_avg", "exp_avg_sq", "step"]
    assert float(adam[0]["step"]) == 2 * int(np.ceil(len(ds.train_idx) / 256))
    resumed = EnsembleMLP([0, 1])
    h = train_ensemble(resumed, ds.x, ds.y, ds.train_idx, ds.test_idx, settings, resume=saved)
    for p, q in zip(straight.parameters(), resumed.parameters(), strict=True):
        assert torch.equal(p, q)
    for key in ("train_loss", "test_acc"):
        np.testing.assert_array_equal(h[key], h_straight[key])
    # after training, every tensor owns its storage again (nothing is a view of a flat buffer)
    for p in straight.parameters():
        assert p.untyped_storage().nbytes() == p.numel() * p.element_size()


def test_the_fast_path_steps_aside_where_it_could_differ(twelve_bit):
    model = EnsembleMLP([0])
    opt = torch.optim.Adam(model.parameters())
    assert _stacked_step.supports(model, opt)
    assert not _stacked_step.supports(model, torch.optim.Adam(model.parameters(), weight_decay=1))
    assert not _stacked_step.supports(model, torch.optim.AdamW(model.parameters()))
    assert not _stacked_step.supports(EnsembleMLP([0], quantize_bits=4), opt)
    assert not _stacked_step.supports(EnsembleMLP([0], activation="elu"), opt)
    handle = model.layers[0].act.register_forward_hook(lambda *a: None)
    assert not _stacked_step.supports(model, opt)
    handle.remove()
    # where it steps aside, fast=True gives exactly the autograd result
    kw = {"activation": "elu", "grads": False, "epochs": 2}
    a, b = _train(twelve_bit, fast=True, **kw), _train(twelve_bit, fast=False, **kw)
    for p, q in zip(a[0].parameters(), b[0].parameters(), strict=True):
        assert torch.equal(p, q)


def test_two_threads_step_member_groups_with_the_same_result(twelve_bit):
    """threads=2: members split into two groups stepped by two Python threads."""
    before = torch.get_num_threads()
    one = _train(twelve_bit, fast=True, seeds=(0, 1, 2), threads=1)
    two = _train(twelve_bit, fast=True, seeds=(0, 1, 2), threads=2)
    _assert_same(one, two, atol=1e-6)
    assert torch.get_num_threads() == before  # the caller's torch setting is restored


def test_the_run_config_switches_the_fast_step_and_both_give_the_same_run(tmp_path, monkeypatch):
    from infoplane.run.config import load_config
    from infoplane.run.engine import run_experiment

    def run(fast: bool, name: str = ""):
        cfg = load_config(
            "default",
            overrides={
                "training": {"epochs": 5, "fast": fast},
                "repeats": 2,
                "capture": {"n_points": 3},
                "model": {"hidden": [6, 4]},
                "analysis": {"layer_check": False, "diagnostics": False},
            },
        )
        return run_experiment(
            cfg, tmp_path / f"fast-{fast}{name}", progress=False, make_figures=False
        )

    class Used(Exception):
        pass

    def refuse(*args, **kwargs):
        raise Used

    with monkeypatch.context() as m:  # training.fast: false never builds the stacked step
        m.setattr(_stacked_step, "StackedStep", refuse)
        run(False, "-probe")
        with pytest.raises(Used):
            run(True, "-probe")
    a, b = run(True), run(False)
    assert a.plane[["repeat", "epoch", "layer"]].equals(b.plane[["repeat", "epoch", "layer"]])
    np.testing.assert_allclose(a.plane["i_xt"], b.plane["i_xt"], atol=0.02)
    np.testing.assert_allclose(a.history["train_loss"], b.history["train_loss"], rtol=1e-4)
