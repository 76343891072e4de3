"""Noisy layers of real networks: I(X; T+Z) with a Monte Carlo truth, the family no benchmark has.

X is uniform over m inputs, T = f(X) a layer captured from a trained network (the 12-bit tanh
network of Shwartz-Ziv & Tishby 2017, arXiv 1703.00810, at a few epochs; a small CNN on the 8 x 8
digits), and Z ~ N(0, s^2 I). T + Z is then a mixture of m Gaussians with equal weights and

.. math:: I(X; T+Z) = h(T+Z) - h(Z)
          = \\ln m - \\mathbb{E}_{i, z}\\Big[\\ln \\sum_j
            \\exp\\Big(-\\frac{\\lVert t_i + s z - t_j\\rVert^2 - \\lVert s z\\rVert^2}{2 s^2}\\Big)\\Big],

computed by Monte Carlo (:func:`noisy_layer_mutual_information`, stratified: every input gets the
same number of draws) to a stated standard error. This is the quantity that Goldfeld et al. (2019,
ICML, arXiv 1810.05728) estimate on the information plane. The layers ship in
``benchmark/_files/noisy_layers.npz`` (< 100 kB) with their truths; :func:`capture_reference_layers`
rebuilds them with infoplane's own trainer (``benchmarks/czyz.py --make-noisy-layers``).
"""

from __future__ import annotations

import functools
import math
from importlib import resources
from typing import Any

import numpy as np
from scipy.special import logsumexp

from infoplane.benchmark.samplers import Sampler, _check_n_seed
from infoplane.interface import InfoplaneError, InfoplaneRuntimeError

#: Monte Carlo rounds of the shipped truths (each round draws one noise vector per input).
TRUTH_ROUNDS = 2000
#: Inputs per task (a fixed subset of the 4096 12-bit patterns or of the 1797 digits).
N_INPUTS = 256
#: The file of shipped layers and truths, inside ``infoplane.benchmark``.
FILE_NAME = "noisy_layers.npz"


def noisy_layer_mutual_information(
    activations: Any, noise_variance: float, *, rounds: int = TRUTH_ROUNDS, seed: int = 0
) -> tuple[float, float, int]:
    """I(X; T+Z) in nats for X uniform over the rows of ``activations`` and Z ~ N(0, s^2 I).

    Args:
        activations: the layer T, shape (m, d), one row per input (float; equal rows allowed).
        noise_variance: s^2 > 0, in the activations' units squared.
        rounds: Monte Carlo rounds R (int >= 2); each draws one noise vector per input, so the
            estimate averages m R log-mixture densities (default 2000).
        seed: seed of the noise draws (default 0).

    Returns:
        ``(mi, standard_error, draws)``: the Monte Carlo value and its standard error in nats
        (the standard deviation of the R round means over sqrt(R)) and the number of draws m R.

    Raises:
        InfoplaneError: for activations that are not a finite (m, d) array with m >= 2, a
            non-positive or non-finite noise variance, or rounds < 2.

    Notes:
        Exact up to Monte Carlo error: h(T+Z) - h(Z) = ln m - E[ln sum_j exp(...)] (the formula
        in the module docstring), each term computed with ``logsumexp`` in float64, so small
        noise does not underflow. The value lies in [0, ln m]. Cost: R m^2 d operations, in
        blocks of rows.

    References:
        Goldfeld, Z., van den Berg, E., Greenewald, K., Melnyk, I., Nguyen, N., Kingsbury, B.,
        Polyanskiy, Y. (2019). Estimating Information Flow in Deep Neural Networks. ICML.
        arXiv 1810.05728, Sec. 3 (I(X;T+Z) of a noisy layer, eq. 5).

    Example:
        >>> t = np.array([[-1.0], [1.0]])          # two inputs, far apart: about 1 bit
        >>> mi, se, draws = noisy_layer_mutual_information(t, 0.01, rounds=200)
        >>> round(mi / math.log(2), 3), draws
        (1.0, 400)
    """
    t = np.asarray(activations, dtype=np.float64)
    if t.ndim != 2 or t.shape[0] < 2 or not np.isfinite(t).all():
        raise InfoplaneError(
            "activations must be a finite array of shape (m, d) with m >= 2 inputs; got shape "
            f"{t.shape}."
        )
    if not (math.isfinite(noise_variance) and noise_variance > 0):
        raise InfoplaneError(f"noise_variance={noise_variance!r} must be a finite number > 0.")
    if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 2:
        raise InfoplaneError(f"rounds={rounds!r} must be an integer >= 2.")
    m, d = t.shape
    s = math.sqrt(noise_variance)
    rng = np.random.default_rng(seed)
    sq = np.einsum("id,id->i", t, t)
    per_round = np.empty(rounds)
    block = max(1, 4_000_000 // (m * m))
    for start in range(0, rounds, block):
        r = min(block, rounds - start)
        z = s * rng.standard_normal((r, m, d))
        y = t[None] + z  # (r, m, d)
        # ||y - t_j||^2 - ||y - t_i||^2 = ||y||^2 - 2 y.t_j + ||t_j||^2 - ||z||^2
        yy = np.einsum("rid,rid->ri", y, y)
        dist = yy[..., None] - 2.0 * y @ t.T + sq[None, None, :]
        zz = np.einsum("rid,rid->ri", z, z)
        lse = logsumexp(-(dist - zz[..., None]) / (2.0 * noise_variance), axis=-1)
        per_round[start : start + r] = math.log(m) - lse.mean(axis=-1)
    mi = float(per_round.mean())
    se = float(per_round.std(ddof=1) / math.sqrt(rounds))
    return mi, se, m * rounds


class NoisyLayerSampler(Sampler):
    """X uniform over the m inputs of a captured layer T, and Y = T(X) + Z, Z ~ N(0, s^2 I).

    Args:
        activations: the layer, shape (m, d), one row per input.
        noise_variance: s^2 > 0, in the activations' units squared.
        name: a short identifier.
        truth: optional ``(mi_nats, standard_error_nats, draws)`` computed before (the shipped
            values); ``None`` computes it on first use with :func:`noisy_layer_mutual_information`.

    Attributes:
        activations: the layer (m, d), float64.
        noise_variance: s^2.
        dim_x: 1 (the input index); dim_y: d.
        mutual_information: I(X; T+Z) in nats (Monte Carlo; see ``standard_error``).
        standard_error: its Monte Carlo standard error in nats.
        draws: the Monte Carlo draws behind it.

    Raises:
        InfoplaneError: for a bad layer or noise variance, or from :meth:`sample` for a bad
            ``n`` or ``seed``.

    Notes:
        ``sample(n, seed)`` returns x as int64 of shape (n, 1) (the input's index: a discrete X,
        so estimators treat it as symbols) and y as float64 (n, d). Inputs are drawn uniformly
        with replacement.

    References:
        Goldfeld et al. (2019), ICML, arXiv 1810.05728 (noisy layers); Shwartz-Ziv & Tishby
        (2017), arXiv 1703.00810 (the 12-bit network).

    Example:
        >>> s = NoisyLayerSampler(np.array([[-1.0], [1.0]]), 0.01, truth=(math.log(2), 0.0, 1))
        >>> x, y = s.sample(5, seed=0)
        >>> x.dtype.kind, x.shape, y.shape, round(s.mutual_information_bits, 3)
        ('i', (5, 1), (5, 1), 1.0)
    """

    def __init__(
        self,
        activations: Any,
        noise_variance: float,
        name: str = "noisy-layer",
        truth: tuple[float, float, int] | None = None,
    ) -> None:
        t = np.asarray(activations, dtype=np.float64)
        if t.ndim != 2 or t.shape[0] < 2 or not np.isfinite(t).all():
            raise InfoplaneError(
                f"activations must be a finite (m, d) array with m >= 2; got shape {t.shape}."
            )
        if not (math.isfinite(noise_variance) and noise_variance > 0):
            raise InfoplaneError(f"noise_variance={noise_variance!r} must be a finite number > 0.")
        self.activations = t
        self.noise_variance = float(noise_variance)
        self.name = name
        self.dim_x = 1
        self.dim_y = t.shape[1]
        self._truth = truth

    def _truth_triple(self) -> tuple[float, float, int]:
        if self._truth is None:
            self._truth = noisy_layer_mutual_information(self.activations, self.noise_variance)
        return self._truth

    @property
    def mutual_information(self) -> float:
        """I(X; T+Z) in nats (Monte Carlo)."""
        return float(self._truth_triple()[0])

    @property
    def standard_error(self) -> float:
        """Monte Carlo standard error of :attr:`mutual_information`, in nats."""
        return float(self._truth_triple()[1])

    @property
    def draws(self) -> int:
        """Monte Carlo draws behind :attr:`mutual_information`."""
        return int(self._truth_triple()[2])

    def _draw(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        m, d = self.activations.shape
        idx = rng.integers(m, size=n)
        y = self.activations[idx] + math.sqrt(self.noise_variance) * rng.standard_normal((n, d))
        return idx[:, None], y

    def sample(self, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``n`` pairs: x the input index (int64, (n, 1)), y = T(x) + Z (float64, (n, d)).

        Args:
            n: number of samples (a positive int).
            seed: seed of :func:`numpy.random.default_rng` (a non-negative int; default 0).

        Returns:
            ``(x, y)`` of shapes (n, 1) (int64) and (n, d) (float64).

        Raises:
            InfoplaneError: if ``n`` is not a positive int or ``seed`` not a non-negative int.
        """
        n, seed = _check_n_seed(n, seed)
        x, y = self._draw(np.random.default_rng(seed), n)
        return np.ascontiguousarray(x, dtype=np.int64), np.ascontiguousarray(y, dtype=np.float64)


#: (task name, layer key in the file, noise variance as a multiple of the layer's mean variance)
NOISY_LAYER_SPECS: tuple[tuple[str, str, float], ...] = (
    ("noisy-12bit-layer3-epoch1-0.3", "12bit_layer3_epoch1", 0.3),
    ("noisy-12bit-layer3-epoch1000-0.1", "12bit_layer3_epoch1000", 0.1),
    ("noisy-12bit-layer3-epoch1000-0.3", "12bit_layer3_epoch1000", 0.3),
    ("noisy-12bit-layer3-epoch1000-3", "12bit_layer3_epoch1000", 3.0),
    ("noisy-12bit-layer1-epoch1000-1", "12bit_layer1_epoch1000", 1.0),
    ("noisy-digits_cnn-fc1-epoch20-1", "digits_cnn_fc1_epoch20", 1.0),
    ("noisy-digits_cnn-fc1-epoch20-3", "digits_cnn_fc1_epoch20", 3.0),
)


def capture_reference_layers(seed: int = 0, n_inputs: int = N_INPUTS) -> dict[str, np.ndarray]:
    """Train the reference networks briefly and capture the benchmark's layers (float32).

    The 12-bit network (12-10-7-5-4-3-2, tanh, IDNNs initialisation, Adam lr 4e-4, batch 512,
    seed ``seed``) is trained 1000 epochs on the stratified 80% split; layers 1 (10 units) and 3
    (5 units) are captured after epochs 1 and 1000 on every 16th of the 4096 patterns. A small
    CNN (:class:`~infoplane.models.cnn.SmallCNN`, channels (4, 8), hidden 16) is trained 20
    epochs on the 8 x 8 digits (batch 64, lr 1e-3); its ReLU dense layer (16 units) is captured
    on ``n_inputs`` images spread over the data set.

    Args:
        seed: the networks' initialisation and shuffling seed (default 0).
        n_inputs: inputs per layer (default 256).

    Returns:
        A dict key -> float32 array (n_inputs, units): the keys of :data:`NOISY_LAYER_SPECS`.

    Raises:
        InfoplaneError: from the trainer for bad settings.

    Notes:
        Deterministic on the CPU for a given seed and torch version (the shipped file was made
        with torch 2.13.0 CPU); takes about a minute on one core.

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810 (the 12-bit network and its training).

    Example:
        >>> callable(capture_reference_layers)  # trains networks: run benchmarks/czyz.py
        True
    """
    import torch

    from infoplane.data.digits import load_digits
    from infoplane.data.twelve_bit import load_twelve_bit
    from infoplane.models.cnn import SmallCNN
    from infoplane.models.ensemble import EnsembleMLP
    from infoplane.training.module_trainer import ModuleEnsemble
    from infoplane.training.trainer import TrainSettings, train_ensemble

    out: dict[str, np.ndarray] = {}
    ds = load_twelve_bit(seed=seed)
    rows = np.arange(0, 4096, 4096 // n_inputs)[:n_inputs]
    net = EnsembleMLP([seed])
    xt = torch.as_tensor(ds.x[rows])

    def capture(epoch: int, model: Any) -> None:
        member = model.member(0)
        acts: dict[str, np.ndarray] = {}
        hooks = [
            member.get_submodule(f"layers.{i}.act").register_forward_hook(
                lambda _m, _i, o, i=i: acts.__setitem__(f"layer{i + 1}", o.detach().numpy())
            )
            for i in (0, 2)
        ]
        try:
            with torch.no_grad():
                member(xt)
        finally:
            for h in hooks:
                h.remove()
        for layer, a in acts.items():
            out[f"12bit_{layer}_epoch{epoch}"] = a.astype(np.float32)

    settings = TrainSettings(epochs=1000, device="cpu")
    train_ensemble(
        net,
        ds.x,
        ds.y,
        ds.train_idx,
        ds.test_idx,
        settings,
        capture_epochs=np.array([1, 1000]),
        capture_fn=capture,
    )
    dg = load_digits(seed=seed)
    ens = ModuleEnsemble(
        lambda s: SmallCNN((1, 8, 8), channels=(4, 8), hidden=16, seed=s), [seed], sample_ndim=3
    )
    picks = np.linspace(0, len(dg.y) - 1, n_inputs).round().astype(int)

    def capture_cnn(epoch: int, model: Any) -> None:
        from infoplane.capture.hooks import capture_members

        acts = capture_members(model, torch.as_tensor(dg.x[picks]), ["act3"])
        out[f"digits_cnn_fc1_epoch{epoch}"] = acts["act3"][0].astype(np.float32)

    train_ensemble(
        ens,
        dg.x,
        dg.y,
        dg.train_idx,
        dg.test_idx,
        TrainSettings(epochs=20, lr=1e-3, batch_size=64, device="cpu"),
        capture_epochs=np.array([20]),
        capture_fn=capture_cnn,
    )
    return out


@functools.cache
def _shipped() -> dict[str, np.ndarray]:
    path = resources.files("infoplane.benchmark") / "_files" / FILE_NAME
    try:
        with resources.as_file(path) as p, np.load(p, allow_pickle=False) as f:
            return {k: f[k] for k in f.files}
    except (OSError, ValueError) as exc:
        raise InfoplaneRuntimeError(
            f"the benchmark's data file {FILE_NAME!r} is missing or corrupt ({exc}); reinstall "
            "infoplane or rebuild it with benchmarks/czyz.py --make-noisy-layers."
        ) from None


def noisy_layer_samplers() -> dict[str, NoisyLayerSampler]:
    """The noisy-layer tasks' samplers, by task name, with their shipped Monte Carlo truths.

    Returns:
        A dict task name -> :class:`NoisyLayerSampler` (true MI in nats, standard error in nats,
        draws), in the order of :data:`NOISY_LAYER_SPECS`. Units: nats (``*_bits`` for bits).
        Shapes: each sampler's layer is (256, d); ``sample(n)`` gives (n, 1) and (n, d).

    Raises:
        InfoplaneRuntimeError: if the shipped file is missing or corrupt.

    Notes:
        Noise variance = factor x the layer's mean per-unit variance over the inputs (the
        factor is the last part of the name). Truths: :data:`TRUTH_ROUNDS` rounds of
        :func:`noisy_layer_mutual_information` (512,000 draws, seed 0), stored in the file.

    References:
        Goldfeld et al. (2019), ICML, arXiv 1810.05728.

    Example:
        >>> s = noisy_layer_samplers()["noisy-12bit-layer3-epoch1000-0.1"]
        >>> s.dim_y, s.draws, s.standard_error < 0.01
        (5, 512000, True)
    """
    files = _shipped()
    out = {}
    for name, key, factor in NOISY_LAYER_SPECS:
        t = files[key].astype(np.float64)
        tr = files[f"truth:{name}"]
        truth = (float(tr[0]), float(tr[1]), int(tr[2]))
        out[name] = NoisyLayerSampler(t, noise_variance_of(t, factor), name=name, truth=truth)
    return out


def noise_variance_of(activations: np.ndarray, factor: float) -> float:
    """The task's noise variance: ``factor`` x the mean per-unit variance of the layer.

    Args:
        activations: the layer (m, d).
        factor: the multiple (> 0).

    Returns:
        s^2 in the activations' units squared.

    Raises:
        Nothing for a finite layer.

    Notes:
        Relative noise makes tasks comparable across layers of different scale (ReLU vs tanh).

    References:
        Goldfeld et al. (2019), ICML, arXiv 1810.05728 (noise relative to the activations).

    Example:
        >>> noise_variance_of(np.array([[0.0], [2.0]]), 0.1)
        0.1
    """
    return float(factor * np.asarray(activations, dtype=np.float64).var(axis=0).mean())


__all__ = [
    "NOISY_LAYER_SPECS",
    "NoisyLayerSampler",
    "capture_reference_layers",
    "noise_variance_of",
    "noisy_layer_mutual_information",
    "noisy_layer_samplers",
]
