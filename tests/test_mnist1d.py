"""MNIST-1D (Greydanus & Kobak 2024) generated locally, the 1-D CNN, and their run wiring (issue 13)."""

from __future__ import annotations

import random
import sys

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from infoplane.cli import app
from infoplane.data import load_mnist1d
from infoplane.interface import InfoplaneError
from infoplane.models.cnn1d import SmallCNN1d
from infoplane.run.config import RunConfig, load_config
from infoplane.run.setup import build_network, load_dataset, prepare_inputs


@pytest.fixture(scope="module")
def package():  # type: ignore[no-untyped-def]
    return pytest.importorskip("mnist1d")


@pytest.fixture(scope="module")
def ds(package):  # type: ignore[no-untyped-def]
    return load_mnist1d()


@pytest.fixture
def no_package(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``import mnist1d`` fail as it does when the extra is not installed."""
    for name in [m for m in sys.modules if m == "mnist1d" or m.startswith("mnist1d.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "mnist1d", None)
    monkeypatch.setitem(sys.modules, "mnist1d.data", None)


def test_shapes_split_and_scale(ds) -> None:  # type: ignore[no-untyped-def]
    assert ds.x.shape == (5000, 40) and ds.x.dtype == np.float32
    assert ds.y.dtype == np.int64 and ds.n_classes == 10
    # num_samples // 10 sequences per class, shuffled, the first 80 % for training
    assert np.bincount(ds.y).tolist() == [500] * 10
    assert ds.train_idx.tolist() == list(range(4000))
    assert ds.test_idx.tolist() == list(range(4000, 5000))
    # standardised over the whole data set by the generator
    assert abs(float(ds.x.mean())) < 1e-5 and abs(float(ds.x.std()) - 1.0) < 1e-4
    # continuous: every sequence distinct, so a plug-in I(X;T) can reach log2 5000
    assert len(np.unique(ds.x, axis=0)) == 5000
    assert ds.name == "mnist1d/5000/42"


def test_equals_the_package_generator(ds, package) -> None:  # type: ignore[no-untyped-def]
    """The same arrays as ``mnist1d.data.make_dataset`` with its default arguments."""
    from mnist1d.data import get_dataset_args, make_dataset

    state = np.random.get_state()  # noqa: NPY002
    try:
        ref = make_dataset(get_dataset_args())
    finally:
        np.random.set_state(state)  # noqa: NPY002
    np.testing.assert_array_equal(ds.x[:4000], ref["x"].astype(np.float32))
    np.testing.assert_array_equal(ds.x[4000:], ref["x_test"].astype(np.float32))
    np.testing.assert_array_equal(ds.y, np.concatenate([ref["y"], ref["y_test"]]))


def test_deterministic_seeded_and_leaves_global_rngs_alone(ds, package) -> None:  # type: ignore[no-untyped-def]
    np.random.seed(123)  # noqa: NPY002
    random.seed(7)
    expected_np, expected_py = np.random.random_sample(), random.random()  # noqa: NPY002
    np.random.seed(123)  # noqa: NPY002
    random.seed(7)
    small = load_mnist1d(100, seed=42, channel_axis=True)
    # the package seeds numpy's and Python's global generators: they are restored
    assert np.random.random_sample() == expected_np  # noqa: NPY002
    assert random.random() == expected_py
    assert small.x.shape == (100, 1, 40) and len(small.train_idx) == 80
    np.testing.assert_array_equal(load_mnist1d(100, seed=42).x, small.x[:, 0])
    assert not np.array_equal(load_mnist1d(100, seed=1).x, small.x[:, 0])


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"n_samples": 25}, "n_samples"),
        ({"n_samples": 10}, "n_samples"),
        ({"n_samples": 100.0}, "n_samples"),
        ({"train_fraction": 1.0}, "train_fraction"),
        ({"train_fraction": 0.0}, "train_fraction"),
    ],
)
def test_bad_arguments_are_named(kwargs: dict, word: str) -> None:
    with pytest.raises(InfoplaneError, match=word):
        load_mnist1d(**kwargs)


def test_missing_package_names_the_extra(no_package: None) -> None:
    with pytest.raises(InfoplaneError, match=r"pip install infoplane\[mnist1d\]"):
        load_mnist1d()
    cfg = load_config("mnist1d-mlp")
    with pytest.raises(InfoplaneError, match=r"infoplane\[mnist1d\]"):
        prepare_inputs(cfg)


def test_cli_without_the_package_exits_2_naming_the_extra(no_package: None, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "run"
    res = CliRunner().invoke(app, ["run", "--preset", "mnist1d-cnn", "--quiet", "--out", str(out)])
    assert res.exit_code == 2, res.output
    assert "infoplane[mnist1d]" in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert not out.exists()  # refused before the run directory is touched


def test_run_setup_mlp_and_cnn1d(package) -> None:  # type: ignore[no-untyped-def]
    mlp = RunConfig(data={"task": "mnist1d"}, model={"hidden": [8]})
    ds = load_dataset(mlp)
    assert ds.x.shape == (5000, 40)
    cnn = RunConfig(
        repeats=2,
        data={"task": "mnist1d"},
        model={"arch": "cnn1d", "channels": [2, 3], "hidden": [5], "activation": "relu"},
    )
    ds1 = load_dataset(cnn)
    assert ds1.x.shape == (5000, 1, 40)
    net = build_network(cnn, ds1)
    assert net.layers == ["pool1", "pool2", "act3", "softmax"]
    acts = net.capture(torch.as_tensor(ds1.x[:7]))
    # (R, n, units): pooled maps flattened per sample, c x L/2 and c x L/4
    assert {k: v.shape for k, v in acts.items()} == {
        "pool1": (2, 7, 2 * 20),
        "pool2": (2, 7, 3 * 10),
        "act3": (2, 7, 5),
        "softmax": (2, 7, 10),
    }
    np.testing.assert_allclose(acts["softmax"].sum(-1), 1.0, rtol=1e-5)
    with pytest.raises(InfoplaneError, match="cnn1d"):
        build_network(cnn, load_dataset(RunConfig(data={"task": "digits"})))


def test_small_cnn1d_matches_a_hand_computation() -> None:
    net = SmallCNN1d((1, 8), n_classes=3, channels=(1, 1), hidden=2, seed=3)
    x = torch.randn(4, 1, 8, generator=torch.Generator().manual_seed(0))
    f = torch.nn.functional
    h = f.max_pool1d(f.relu(f.conv1d(x, net.conv1.weight, net.conv1.bias, padding=2)), 2)
    h = f.max_pool1d(f.relu(f.conv1d(h, net.conv2.weight, net.conv2.bias, padding=2)), 2)
    h = f.relu(h.flatten(1) @ net.fc1.weight.T + net.fc1.bias)
    torch.testing.assert_close(net(x), h @ net.fc2.weight.T + net.fc2.bias)
    # seeded: the same members for the same seed, the global torch generator untouched
    before = torch.random.get_rng_state()
    again = SmallCNN1d((1, 8), n_classes=3, channels=(1, 1), hidden=2, seed=3)
    assert torch.equal(torch.random.get_rng_state(), before)
    assert torch.equal(again.conv1.weight, net.conv1.weight)


@pytest.mark.parametrize(
    "kwargs",
    [{"in_shape": (1, 8, 8)}, {"in_shape": (1, 3)}, {"in_shape": (0, 40)}, {"hidden": 0}],
)
def test_small_cnn1d_refuses_bad_shapes(kwargs: dict) -> None:
    with pytest.raises(InfoplaneError, match=r"SmallCNN1d|positive"):
        SmallCNN1d(**kwargs)
