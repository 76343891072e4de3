"""Stochastic and quantised layers inserted into any ``nn.Module``, so that I(X;T) is finite.

A deterministic network with continuous activations has I(X;T) = infinity for continuous inputs and
log2 n for n distinct inputs under a plug-in estimate (Amjad & Geiger 2020; Geiger 2021, arXiv
2003.09671). Three changes to the network make the quantity finite and meaningful:

- additive Gaussian noise ``T = f(X) + std Z`` (:class:`GaussianNoise`; Goldfeld et al. 2019);
- continuous (Gaussian, multiplicative) dropout ``T = f(X) (1 + sqrt(rate / (1 - rate)) Z)``
  (:class:`GaussianDropout`; Srivastava et al. 2014, Sec. 10; Adilova, Geiger & Fischer 2023,
  arXiv 2303.00596, who show that continuous dropout noise makes I(X;T) finite);
- quantisation to ``2**bits`` levels (:class:`~infoplane.models.quantized.Quantize`; Lorenzen,
  Igel & Nielsen 2022, arXiv 2106.12912), so a layer takes finitely many values.

:func:`add_noise` and :func:`add_quantization` insert such a layer after chosen modules of any
model (by name, glob or type): the module named ``name`` is replaced, in place, by an
``nn.Sequential`` of the original (child ``module``) and the new layer (child ``noise`` or
``quant``), so ``name`` still names the representation (now the noisy or quantised one), capture
code that hooks ``name`` needs no change, and parameter-free activations keep their state-dict keys.

How capture sees a noisy layer: noise is sampled in training mode only, unless ``in_eval`` is set
(see :func:`noise_in_eval`). Capture runs the model in eval mode, so it records the *noise-free*
values mu(X) -- the centres of the Gaussian components -- and the estimators add the noise
analytically with the network's own parameters (:func:`infoplane.estimators.dropout.noise_estimator`):
``sample_propagation`` / ``kde_upper`` with ``noise_variance = std**2`` for :class:`GaussianNoise`,
``gaussian_dropout`` with the same ``rate`` for :class:`GaussianDropout`.
"""

from __future__ import annotations

import contextlib
import fnmatch
import math
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from typing import Literal

import torch
from torch import nn

from infoplane.interface import InfoplaneError
from infoplane.models.quantized import Quantize

#: a module selection: a name, a glob over dotted names, or a module type
LayerSelector = str | type[nn.Module]

#: output range of activation modules whose range is known (used by :func:`add_quantization`)
MODULE_RANGE: dict[type[nn.Module], tuple[float, float]] = {
    nn.Tanh: (-1.0, 1.0),
    nn.Softsign: (-1.0, 1.0),
    nn.Sigmoid: (0.0, 1.0),
    nn.Hardsigmoid: (0.0, 1.0),
    nn.ReLU6: (0.0, 6.0),
}


def _positive(value: object, name: str) -> float:
    try:
        ok = not isinstance(value, bool) and math.isfinite(float(value)) and float(value) > 0  # type: ignore[arg-type]
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise InfoplaneError(f"{name} must be a finite number > 0; got {value!r}.")
    return float(value)  # type: ignore[arg-type]


def _rate(value: object, name: str = "rate") -> float:
    try:
        ok = not isinstance(value, bool) and 0.0 < float(value) < 1.0  # type: ignore[arg-type]
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise InfoplaneError(
            f"{name} must lie strictly between 0 and 1 (a dropout rate); got {value!r}."
        )
    return float(value)  # type: ignore[arg-type]


class GaussianNoise(nn.Module):
    """Additive Gaussian noise ``T = x + std * Z``, Z ~ N(0, I), sampled in training mode.

    Args:
        std: standard deviation of the noise, > 0, in the units of the input activations.
        in_eval: also sample in eval mode (default False: eval mode is the identity, so capture
            records the noise-free centres mu(X); see the module docstring).

    Attributes:
        std: the noise standard deviation.
        variance: ``std**2``, the ``noise_variance`` the estimators must use for this layer.
        in_eval: whether noise is also sampled in eval mode.

    Shapes: any (batch, *features); the output has the input's shape.

    Units: the input's activation units; ``variance`` in those units squared.

    Raises:
        InfoplaneError: for ``std`` not a finite number > 0.

    Notes:
        With noise, I(X; T) = h(T) - h(T | X) with h(T | X) = d/2 log(2 pi e std^2) in closed form
        and h(T) the entropy of a Gaussian mixture centred on the noise-free values: finite for
        any input distribution. ``sample_propagation`` (Monte Carlo, unbiased up to sampling
        error) and ``kde_upper`` / ``kde_lower`` (bounds) compute it from the captured centres;
        pass them ``noise_variance=module.variance``. The noise is drawn from torch's global
        generator (seed it for reproducible training).

    References:
        Goldfeld, Z. et al. (2019). Estimating Information Flow in Deep Neural Networks. ICML.
        arXiv 1810.05728.
        Adilova, L., Geiger, B. C., Fischer, A. (2023). Information Plane Analysis for Dropout
        Neural Networks. ICLR. arXiv 2303.00596.

    Example:
        >>> noise = GaussianNoise(0.5)
        >>> noise.variance
        0.25
        >>> _ = noise.eval()
        >>> noise(torch.ones(2, 3)).tolist()  # eval mode: identity
        [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    """

    def __init__(self, std: float, *, in_eval: bool = False) -> None:
        super().__init__()
        self.std = _positive(std, "std")
        self.in_eval = bool(in_eval)

    @property
    def variance(self) -> float:
        """The noise variance ``std**2`` (the estimators' ``noise_variance``)."""
        return self.std**2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not (self.training or self.in_eval):
            return x
        return x + self.std * torch.randn_like(x)

    def extra_repr(self) -> str:
        return f"std={self.std}, in_eval={self.in_eval}"


class GaussianDropout(nn.Module):
    """Continuous (Gaussian) dropout ``T = x * (1 + sqrt(alpha) Z)``, alpha = rate / (1 - rate).

    Args:
        rate: the dropout rate p in (0, 1) whose Bernoulli dropout this matches in mean and variance
            (Srivastava et al. 2014): the multiplicative noise has mean 1 and variance
            ``alpha = p / (1 - p)``.
        in_eval: also sample in eval mode (default False: eval mode is the identity, so capture
            records the noise-free values mu(X)).

    Attributes:
        rate: the dropout rate p.
        alpha: the variance of the multiplicative noise, ``p / (1 - p)``.
        in_eval: whether noise is also sampled in eval mode.

    Shapes: any (batch, *features); the output has the input's shape.

    Units: the input's activation units (the noise is a unitless factor).

    Raises:
        InfoplaneError: for a rate outside (0, 1).

    Notes:
        Given X = x, each unit is Gaussian with mean mu_k(x) and variance alpha mu_k(x)^2, so T is
        a Gaussian mixture with per-component diagonal variances and I(X;T) is finite (Adilova et
        al. 2023, who also show that Bernoulli dropout does not make it finite). The
        ``gaussian_dropout`` estimator computes it from the captured noise-free values with the
        same ``rate``. A unit that is exactly 0 (a ReLU below threshold) stays 0: it carries an
        atom at 0, which that estimator approximates by a narrow Gaussian (its ``min_scale``).

    References:
        Srivastava, N. et al. (2014). Dropout: A Simple Way to Prevent Neural Networks from
        Overfitting. JMLR 15:1929-1958 (Sec. 10, multiplicative Gaussian noise).
        Adilova, L., Geiger, B. C., Fischer, A. (2023). Information Plane Analysis for Dropout
        Neural Networks. ICLR. arXiv 2303.00596.

    Example:
        >>> drop = GaussianDropout(0.2)
        >>> round(drop.alpha, 6)
        0.25
        >>> _ = drop.eval()
        >>> drop(torch.tensor([[2.0, -1.0]])).tolist()
        [[2.0, -1.0]]
    """

    def __init__(self, rate: float, *, in_eval: bool = False) -> None:
        super().__init__()
        self.rate = _rate(rate)
        self.alpha = self.rate / (1.0 - self.rate)
        self.in_eval = bool(in_eval)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not (self.training or self.in_eval):
            return x
        return x * (1.0 + math.sqrt(self.alpha) * torch.randn_like(x))

    def extra_repr(self) -> str:
        return f"rate={self.rate}, in_eval={self.in_eval}"


def select_modules(
    model: nn.Module, layers: LayerSelector | Sequence[LayerSelector], *, argument: str = "layers"
) -> list[str]:
    """Names of the modules of ``model`` matched by names, globs or types, in the model's order.

    Args:
        model: any ``nn.Module``.
        layers: a module name (``"features.2"``), a glob over dotted names (``"block*.relu"``), a
            module type (``nn.ReLU``), or a sequence of these.
        argument: the argument's name used in error messages (default ``"layers"``).

    Returns:
        The matched module names (``model.named_modules()`` order, no duplicates, never the root).

    Raises:
        InfoplaneError: naming ``argument`` when a selector matches no module (the message lists
            some of the model's module names) or when ``layers`` is empty or not a selector.

    Notes:
        Shapes: none (names in, names out). Units: none. Globs use :func:`fnmatch.fnmatchcase`.
        This is the selection rule of the capture code (``infoplane.capture.select_layers``),
        restated here because models sit below capture in the package layers.

    References:
        Kokhlikyan, N. et al. (2020). Captum: A unified and generic model interpretability library
        for PyTorch. arXiv 2009.07896 (layers of any model selected by name).

    Example:
        >>> net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2), nn.Tanh())
        >>> select_modules(net, nn.ReLU), select_modules(net, ["3", "1"])
        (['1'], ['1', '3'])
    """
    specs = [layers] if isinstance(layers, str | type) else list(layers)
    if not specs:
        raise InfoplaneError(f"{argument} must name at least one module (a name, glob or type).")
    named = [(name, mod) for name, mod in model.named_modules() if name]
    chosen: set[str] = set()
    for spec in specs:
        if isinstance(spec, type) and issubclass(spec, nn.Module):
            hits = {name for name, mod in named if isinstance(mod, spec)}
        elif isinstance(spec, str):
            hits = {name for name, _ in named if fnmatch.fnmatchcase(name, spec)}
        else:
            raise InfoplaneError(
                f"{argument} takes module names, globs or nn.Module types; got {spec!r}."
            )
        if not hits:
            sample = ", ".join(name for name, _ in named[:16])
            raise InfoplaneError(
                f"{argument}: {getattr(spec, '__name__', spec)!r} matches no module of "
                f"{type(model).__name__}; its modules: {sample}{'...' if len(named) > 16 else ''}"
            )
        chosen |= hits
    names = [name for name, _ in named if name in chosen]
    # a module inside another chosen one would be wrapped twice: keep the outermost
    return [n for n in names if not any(n.startswith(m + ".") for m in names if m != n)]


def _insert_after(model: nn.Module, name: str, child: str, layer: nn.Module) -> None:
    parent_name, _, attr = name.rpartition(".")
    parent = model.get_submodule(parent_name) if parent_name else model
    original = getattr(parent, attr) if hasattr(parent, attr) else parent._modules[attr]
    wrapped = nn.Sequential(OrderedDict([("module", original), (child, layer)]))
    parent._modules[attr] = wrapped


def add_noise(
    model: nn.Module,
    layers: LayerSelector | Sequence[LayerSelector],
    *,
    kind: Literal["gaussian", "dropout"] = "gaussian",
    std: float | None = None,
    rate: float | None = None,
    in_eval: bool = False,
) -> dict[str, nn.Module]:
    """Insert :class:`GaussianNoise` or :class:`GaussianDropout` after chosen modules, in place.

    Args:
        model: any ``nn.Module`` (an MLP, a CNN, a stacked ensemble); modified in place.
        layers: module names, globs or types (see :func:`select_modules`), e.g. ``["act3"]`` or
            ``nn.ReLU``.
        kind: ``"gaussian"`` (additive, needs ``std``) or ``"dropout"`` (multiplicative Gaussian
            dropout, needs ``rate``); default ``"gaussian"``.
        std: the additive noise's standard deviation (> 0, in activation units).
        rate: the dropout rate in (0, 1).
        in_eval: sample the noise in eval mode too (default False).

    Returns:
        dict layer name -> the inserted noise module. Each name now names the noisy
        representation (an ``nn.Sequential`` of ``module`` and ``noise``).

    Raises:
        InfoplaneError: for an unknown ``kind``, ``std <= 0``, a ``rate`` outside (0, 1), the
            parameter of the other kind given, or a layer selector that matches no module (each
            message names the argument).

    Notes:
        Shapes: the noise acts element-wise on outputs of any shape. Units: the activations'.
        Capture (eval mode) records the noise-free values; estimate the layer with
        :func:`infoplane.estimators.dropout.noise_estimator`, which uses these modules' own
        ``std`` / ``rate``. Only the noisy layer's I(X;T) is then the MI of the network: a layer
        downstream of another noisy layer is computed from the noise-free pass (the earlier noise
        is not propagated), i.e. as the channel X -> mu(X) + noise of that layer alone.

    References:
        Adilova, L., Geiger, B. C., Fischer, A. (2023). Information Plane Analysis for Dropout
        Neural Networks. ICLR. arXiv 2303.00596.
        Goldfeld, Z. et al. (2019). Estimating Information Flow in Deep Neural Networks. ICML.
        arXiv 1810.05728.

    Example:
        >>> net = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
        >>> added = add_noise(net, nn.ReLU, kind="dropout", rate=0.1)
        >>> list(added), type(net[1]).__name__, net(torch.zeros(5, 4)).shape
        (['1'], 'Sequential', torch.Size([5, 2]))
    """
    if kind == "gaussian":
        if rate is not None:
            raise InfoplaneError("kind='gaussian' takes std, not rate (rate is for 'dropout').")
        if std is None:
            raise InfoplaneError("kind='gaussian' needs std, the noise standard deviation (> 0).")
        _positive(std, "std")
    elif kind == "dropout":
        if std is not None:
            raise InfoplaneError("kind='dropout' takes rate, not std (std is for 'gaussian').")
        if rate is None:
            raise InfoplaneError("kind='dropout' needs rate, the dropout rate in (0, 1).")
        _rate(rate)
    else:
        raise InfoplaneError(f"kind must be 'gaussian' or 'dropout'; got {kind!r}.")
    added: dict[str, nn.Module] = {}
    for name in select_modules(model, layers):
        layer: nn.Module = (
            GaussianNoise(std, in_eval=in_eval)  # type: ignore[arg-type]
            if kind == "gaussian"
            else GaussianDropout(rate, in_eval=in_eval)  # type: ignore[arg-type]
        )
        _insert_after(model, name, "noise", layer)
        added[name] = layer
    return added


def add_quantization(
    model: nn.Module,
    layers: LayerSelector | Sequence[LayerSelector],
    bits: int,
    *,
    range: tuple[float, float] | None = None,
) -> dict[str, Quantize]:
    """Insert :class:`~infoplane.models.quantized.Quantize` after chosen modules, in place.

    Args:
        model: any ``nn.Module`` (e.g. a CNN); modified in place.
        layers: module names, globs or types (see :func:`select_modules`), e.g. ``nn.ReLU``.
        bits: bits per unit k >= 1: each quantised unit takes at most 2^k values.
        range: (low, high) of the quantiser, in activation units. Default ``None``: inferred from
            the module's type (tanh, softsign: (-1, 1); sigmoid, hardsigmoid: (0, 1); ReLU6:
            (0, 6)); required for unbounded activations (ReLU: e.g. (0, 1) clamps at 1).

    Returns:
        dict layer name -> the inserted ``Quantize``; each name now names the quantised output.

    Raises:
        InfoplaneError: for ``bits`` not an integer >= 1, a bad ``range``, a module whose range is
            unknown without ``range``, or a selector that matches no module (naming the argument).

    Notes:
        Shapes: element-wise on outputs of any shape. Units: the activations'. A quantised layer
        takes finitely many values, so binning with
        ``infoplane.estimators.quantized_binning_params(bits, low, high)`` gives its exact plug-in
        mutual information (I(X;T) = H(T) for distinct inputs). Inputs outside ``range`` are
        clamped, which changes an unbounded network; the backward pass is straight-through.
        Quantising an activation before a max-pool quantises the pooled map too.

    References:
        Lorenzen, S. S., Igel, C., Nielsen, M. (2022). Information Bottleneck: Exact Analysis of
        (Quantized) Neural Networks. ICLR. arXiv 2106.12912.

    Example:
        >>> net = nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2))
        >>> q = add_quantization(net, nn.Tanh, bits=2)
        >>> q["1"].bits, q["1"].low, q["1"].high
        (2, -1.0, 1.0)
    """
    Quantize(bits)  # validates bits
    if range is not None:
        if len(tuple(range)) != 2:
            raise InfoplaneError(f"range must be (low, high); got {range!r}.")
        low, high = (float(v) for v in range)
        Quantize(bits, low, high)  # validates the range
    added: dict[str, Quantize] = {}
    for name in select_modules(model, layers):
        if range is None:
            module = model.get_submodule(name)
            known = next((r for cls, r in MODULE_RANGE.items() if isinstance(module, cls)), None)
            if isinstance(module, nn.Hardtanh) and not isinstance(module, nn.ReLU6):
                known = (float(module.min_val), float(module.max_val))
            if known is None:
                raise InfoplaneError(
                    f"range is needed to quantise {name!r} ({type(module).__name__} has no known "
                    "output range): pass range=(low, high), e.g. (0, 1) for a ReLU."
                )
            low, high = known
        quant = Quantize(bits, low, high)
        _insert_after(model, name, "quant", quant)
        added[name] = quant
    return added


def noise_modules(model: nn.Module) -> dict[str, nn.Module]:
    """The noise layers of ``model`` by the name of the representation they make noisy.

    Args:
        model: any ``nn.Module``.

    Returns:
        dict name -> :class:`GaussianNoise` or :class:`GaussianDropout`. For a layer inserted by
        :func:`add_noise` the name is the wrapped layer's (the captured representation); a noise
        module placed by hand is listed under its own name.

    Raises:
        Nothing.

    Notes:
        Shapes: none. Units: none (modules). Use it to build estimators with the network's own
        noise parameters (:func:`infoplane.estimators.dropout.noise_estimator`).

    References:
        Adilova, L., Geiger, B. C., Fischer, A. (2023). ICLR. arXiv 2303.00596.

    Example:
        >>> net = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
        >>> _ = add_noise(net, "1", std=0.1)
        >>> {k: type(v).__name__ for k, v in noise_modules(net).items()}
        {'1': 'GaussianNoise'}
    """
    out: dict[str, nn.Module] = {}
    for name, mod in model.named_modules():
        if isinstance(mod, GaussianNoise | GaussianDropout):
            out[name[: -len(".noise")] if name.endswith(".noise") else name] = mod
    return out


@contextlib.contextmanager
def noise_in_eval(model: nn.Module, enabled: bool = True) -> Iterator[nn.Module]:
    """Context manager: sample (or not) every noise layer of ``model`` in eval mode too.

    Args:
        model: any ``nn.Module`` with :class:`GaussianNoise` / :class:`GaussianDropout` layers.
        enabled: sample in eval mode inside the block (default True).

    Returns:
        A context manager yielding ``model``; each layer's ``in_eval`` is restored on exit, also
        on error.

    Raises:
        Nothing.

    Notes:
        Shapes: none. Units: none. Use it to draw noisy representations (e.g. to check an
        estimate against samples, or to evaluate the stochastic network's accuracy); the
        information-plane capture itself wants the noise-free centres (the default).

    References:
        Adilova, L., Geiger, B. C., Fischer, A. (2023). ICLR. arXiv 2303.00596.

    Example:
        >>> net = nn.Sequential(GaussianNoise(1.0)).eval()
        >>> with noise_in_eval(net):
        ...     noisy = net(torch.zeros(1000))
        >>> bool(noisy.std() > 0.5), bool(net(torch.zeros(3)).eq(0).all())
        (True, True)
    """
    layers = list(noise_modules(model).values())
    before = [layer.in_eval for layer in layers]
    try:
        for layer in layers:
            layer.in_eval = bool(enabled)
        yield model
    finally:
        for layer, flag in zip(layers, before, strict=True):
            layer.in_eval = flag


__all__ = [
    "MODULE_RANGE",
    "GaussianDropout",
    "GaussianNoise",
    "add_noise",
    "add_quantization",
    "noise_in_eval",
    "noise_modules",
    "select_modules",
]
