"""The torch routes of KSG (Kraskov et al. 2004, arXiv cond-mat/0305641) and of the KDE bounds
(Kolchinsky & Tracey 2017, arXiv 1706.02419) give the CPU route's values, on the CPU here and on
CUDA where a device is present (those tests are skipped without one: no test needs a GPU)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.special import logsumexp

from infoplane.estimators import ksg, make_estimator
from infoplane.estimators.ksg import KSGEstimator
from infoplane.interface import InfoplaneError

CUDA = torch.cuda.is_available()
needs_cuda = pytest.mark.skipif(not CUDA, reason="no CUDA device")


def _pair(n: int = 600, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 2))
    return x, x[:, :1] + 0.6 * rng.standard_normal((n, 1))


@pytest.mark.parametrize("algorithm", [1, 2])
def test_ksg_torch_route_on_cpu_equals_the_tree_route(algorithm: int) -> None:
    x, y = _pair()
    tree = KSGEstimator(algorithm=algorithm, backend="kdtree").estimate(x, y).value
    torch_cpu = KSGEstimator(algorithm=algorithm, backend="torch", device="cpu")
    assert torch_cpu.estimate(x, y).value == tree
    lab = (x[:, 0] > 0).astype(int)  # Ross's mixed estimator
    assert (
        KSGEstimator(backend="torch", device="cpu").estimate(lab, y).value
        == KSGEstimator(backend="kdtree").estimate(lab, y).value
    )


def test_ksg_torch_chunks_do_not_change_the_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    x, y = _pair(300, seed=1)
    whole = ksg._ksg_nats(x, y, 3, 2, "torch")
    monkeypatch.setattr(ksg, "_chunk_rows", lambda n, device: 7)  # 43 blocks, a ragged last one
    assert ksg._ksg_nats(x, y, 3, 2, "torch") == whole
    assert ksg._ksg_nats(x, y, 3, 1, "torch") == ksg._ksg_nats(x, y, 3, 1, "kdtree")


def test_ksg_tensors_on_the_cpu_give_the_numpy_values() -> None:
    x, y = _pair(400, seed=2)
    est = KSGEstimator()
    assert est.estimate(torch.as_tensor(x), torch.as_tensor(y)).value == est.estimate(x, y).value
    rng = np.random.default_rng(3)
    labels = np.arange(200) % 3
    t = np.tanh(rng.standard_normal((2, 200, 4)) + labels[:, None])  # T carries the label
    want = est.information_plane(t, labels)
    for got in (
        est.information_plane(torch.as_tensor(t), torch.as_tensor(labels)),
        KSGEstimator(device="cpu").information_plane(t, labels),
    ):
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])
    assert 0 < want[1].min() and want[0].max() <= math.log2(200)


def _kde_upper_bits(t: np.ndarray, labels: np.ndarray, s2: float) -> tuple[float, float]:
    """Kolchinsky-Tracey upper-bound (I(X;T), I(T;Y)) by the formula, numpy float64, all rows."""
    sq = ((t[:, None, :] - t[None, :, :]) ** 2).sum(-1)
    log_k = -sq / (2 * s2)
    n = t.shape[0]
    h_rel = -np.mean(logsumexp(log_k, axis=1) - math.log(n))
    same = labels[:, None] == labels[None, :]
    n_c = same.sum(1)
    h_cond = -np.mean(logsumexp(np.where(same, log_k, -np.inf), axis=1) - np.log(n_c))
    return h_rel / math.log(2), (h_rel - h_cond) / math.log(2)


@pytest.mark.parametrize("name", ["kde_upper", "sample_propagation"])
def test_kde_torch_path_on_cpu(name: str) -> None:
    rng = np.random.default_rng(4)
    t = np.tanh(rng.standard_normal((300, 5)))
    labels = np.arange(300) % 3
    kw = {"n_eval": None, "dtype": "float64", "noise_variance": 0.05}
    est = make_estimator(name, **kw)
    want = est.information_plane(t, labels)
    got = make_estimator(name, device="cpu", **kw).information_plane(
        torch.as_tensor(t), torch.as_tensor(labels)
    )
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    if name == "kde_upper":  # and the formula, computed independently in numpy
        i_xt, i_ty = _kde_upper_bits(t, labels, 0.05)
        assert float(want[0]) == pytest.approx(i_xt, abs=1e-10)
        assert float(want[1]) == pytest.approx(i_ty, abs=1e-10)
        assert 1.0 < i_xt < math.log2(300) and 0.01 < i_ty < math.log2(3)


def test_bad_devices_are_usage_errors() -> None:
    for name in ("ksg", "kde_upper", "kde_lower"):
        with pytest.raises(InfoplaneError, match="device"):
            make_estimator(name, device="gpu")
    if not CUDA:
        x, y = _pair(50)
        with pytest.raises(InfoplaneError, match="no CUDA device"):
            KSGEstimator(device="cuda").estimate(x, y)
        with pytest.raises(InfoplaneError, match="no CUDA device"):
            make_estimator("kde_upper", device="cuda:0").information_plane(
                np.zeros((10, 2)), np.arange(10) % 2
            )


@needs_cuda
def test_ksg_on_cuda_equals_the_cpu() -> None:
    x, y = _pair(2000, seed=5)
    for algorithm in (1, 2):
        cpu = KSGEstimator(algorithm=algorithm).estimate(x, y).value
        cuda = KSGEstimator(algorithm=algorithm, device="cuda").estimate(x, y).value
        assert cuda == pytest.approx(cpu, abs=1e-12)  # float64 max-norm: the same counts
        tensors = KSGEstimator(algorithm=algorithm).estimate(
            torch.as_tensor(x, device="cuda"), torch.as_tensor(y, device="cuda")
        )
        assert tensors.value == pytest.approx(cpu, abs=1e-12)
    t = np.tanh(np.random.default_rng(6).standard_normal((2, 1024, 5)))
    labels = np.arange(1024) % 2
    cpu = KSGEstimator().information_plane(t, labels)
    cuda = KSGEstimator().information_plane(torch.as_tensor(t, device="cuda"), labels)
    np.testing.assert_allclose(cuda[0], cpu[0], atol=0.02)  # float32 distances: rare flips
    np.testing.assert_allclose(cuda[1], cpu[1], atol=0.02)


@needs_cuda
def test_kde_on_cuda_equals_the_cpu() -> None:
    t = np.tanh(np.random.default_rng(7).standard_normal((3, 2048, 10)))
    labels = np.arange(2048) % 4
    for dtype, tol in (("float64", 1e-9), ("float32", 1e-4)):
        cpu = make_estimator("kde_upper", dtype=dtype).information_plane(t, labels)
        cuda = make_estimator("kde_upper", dtype=dtype).information_plane(
            torch.as_tensor(t, device="cuda"), labels
        )
        np.testing.assert_allclose(cuda[0], cpu[0], atol=tol)
        np.testing.assert_allclose(cuda[1], cpu[1], atol=tol)
