"""NNGP and NTK of fully connected networks: closed-form layer recursions for erf and ReLU.

The infinitely wide limit of a fully connected network in the NTK parameterisation,

    h^1(x) = sigma_w / sqrt(d) * W^1 x + sigma_b * b^1,
    h^{l+1}(x) = sigma_w / sqrt(n_l) * W^{l+1} phi(h^l(x)) + sigma_b * b^{l+1},

with every entry of W and b drawn from N(0, 1), has Gaussian-process outputs at initialisation with
the NNGP kernel K (Neal 1996; Lee et al. 2018; Matthews et al. 2018) and, under gradient flow, a
constant neural tangent kernel Theta (Jacot et al. 2018). Both obey layer recursions (Arora et al.
2019; Lee et al. 2019):

    K^1(x, x') = sigma_w^2 x.x' / d + sigma_b^2,                 Theta^1 = K^1,
    K^{l+1}    = sigma_w^2 E[phi(u) phi(v)] + sigma_b^2,
    Theta^{l+1} = K^{l+1} + sigma_w^2 E[phi'(u) phi'(v)] Theta^l,

where (u, v) ~ N(0, [[K^l(x, x), K^l(x, x')], [K^l(x, x'), K^l(x', x')]]). A network of ``depth`` L
hidden layers has L + 1 affine layers; the kernels returned are those of its (scalar) output, layer
L + 1. Each output unit of a multi-output network is an independent copy with the same kernels.

The Gaussian expectations have closed forms:

- ReLU, the arc-cosine kernels of Cho & Saul (2009) with theta = arccos(k12 / sqrt(k11 k22)):
  E[relu(u) relu(v)] = sqrt(k11 k22) / (2 pi) * (sin theta + (pi - theta) cos theta),
  E[step(u) step(v)] = (pi - theta) / (2 pi).
- erf, Williams (1997):
  E[erf(u) erf(v)] = (2 / pi) arcsin(2 k12 / sqrt((1 + 2 k11)(1 + 2 k22))),
  E[erf'(u) erf'(v)] = (4 / pi) / sqrt((1 + 2 k11)(1 + 2 k22) - 4 k12^2).

Kernels are dimensionless (variances of the pre-activations, in units of the squared output);
everything is computed in torch float64.

References:
    1. Jacot, Gabriel & Hongler (2018). Neural Tangent Kernel: Convergence and Generalization in
       Neural Networks. NeurIPS. arXiv:1806.07572.
    2. Lee, Xiao, Schoenholz, Bahri, Novak, Sohl-Dickstein & Pennington (2019). Wide Neural Networks
       of Any Depth Evolve as Linear Models Under Gradient Descent. NeurIPS. arXiv:1902.06720.
    3. Arora, Du, Hu, Li, Salakhutdinov & Wang (2019). On Exact Computation with an Infinitely Wide
       Neural Net. NeurIPS. arXiv:1904.11955.
    4. Lee, Bahri, Novak, Schoenholz, Pennington & Sohl-Dickstein (2018). Deep Neural Networks as
       Gaussian Processes. ICLR. arXiv:1711.00165.
    5. Cho & Saul (2009). Kernel Methods for Deep Learning. NeurIPS.
    6. Williams (1997). Computing with Infinite Networks. NeurIPS.
    7. Neal (1996). Bayesian Learning for Neural Networks. Springer (Lecture Notes in Statistics
       118).
    8. Matthews, Rowland, Hron, Turner & Ghahramani (2018). Gaussian Process Behaviour in Wide Deep
       Neural Networks. ICLR. arXiv:1804.11271.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import torch

from infoplane.interface import InfoplaneError

Activation = Literal["erf", "relu"]
ACTIVATIONS: tuple[str, ...] = ("erf", "relu")

#: Default weight variance per activation (2.0 preserves the ReLU forward variance, He et al. 2015).
DEFAULT_WEIGHT_VAR: dict[str, float] = {"relu": 2.0, "erf": 1.0}
#: Default bias variance (small but non-zero, so the kernel is positive definite at x = 0).
DEFAULT_BIAS_VAR = 0.05

_DTYPE = torch.float64
#: Bytes of each row block of an (n1, n2) kernel computed at once: the recursions' temporaries are
#: O(block) instead of several (n1, n2) matrices (the peak memory of the 12-bit train kernels).
_BLOCK_BYTES = 4 * 2**20


@dataclass(frozen=True)
class KernelPair:
    """The NNGP kernel and the NTK between two sets of inputs.

    Attributes:
        nngp: NNGP kernel K(x1, x2), shape (n1, n2), or (n,) for a diagonal (``diag=True``).
        ntk: neural tangent kernel Theta(x1, x2), same shape as ``nngp``.
    """

    nngp: torch.Tensor
    ntk: torch.Tensor


@dataclass(frozen=True)
class FCKernelSpec:
    """Architecture of an infinitely wide fully connected network (NTK parameterisation).

    Attributes:
        depth: number of hidden layers L >= 0 (0 is a linear model).
        activation: ``"erf"`` or ``"relu"``.
        weight_var: sigma_w^2 > 0.
        bias_var: sigma_b^2 >= 0.
    """

    depth: int = 1
    activation: str = "relu"
    weight_var: float = 2.0
    bias_var: float = DEFAULT_BIAS_VAR

    def to_dict(self) -> dict[str, Any]:
        """Return the fields as a JSON-serialisable dict."""
        return {
            "depth": self.depth,
            "activation": self.activation,
            "weight_var": self.weight_var,
            "bias_var": self.bias_var,
        }


def make_spec(
    depth: int = 1,
    activation: str = "relu",
    weight_var: float | None = None,
    bias_var: float = DEFAULT_BIAS_VAR,
) -> FCKernelSpec:
    """Validate the architecture and return a :class:`FCKernelSpec`.

    Args:
        depth: number of hidden layers L >= 0.
        activation: ``"erf"`` or ``"relu"``.
        weight_var: sigma_w^2 > 0; ``None`` picks 2.0 for ReLU and 1.0 for erf.
        bias_var: sigma_b^2 >= 0 (default 0.05).

    Returns:
        The validated specification.

    Raises:
        InfoplaneError: for an unknown activation, a negative or non-integer depth, a non-positive
            weight variance or a negative bias variance.
    """
    if activation not in ACTIVATIONS:
        raise InfoplaneError(
            f"activation={activation!r} has no closed-form kernel; choose one of: "
            f"{', '.join(ACTIVATIONS)}."
        )
    if isinstance(depth, bool) or not isinstance(depth, int | np.integer) or depth < 0:
        raise InfoplaneError(f"depth must be an integer >= 0 (hidden layers); got {depth!r}.")
    if weight_var is None:
        weight_var = DEFAULT_WEIGHT_VAR[activation]
    if not (math.isfinite(weight_var) and weight_var > 0):
        raise InfoplaneError(f"weight_var must be a finite number > 0; got {weight_var!r}.")
    if not (math.isfinite(bias_var) and bias_var >= 0):
        raise InfoplaneError(f"bias_var must be a finite number >= 0; got {bias_var!r}.")
    return FCKernelSpec(int(depth), activation, float(weight_var), float(bias_var))


def _as_inputs(x: Any, name: str) -> torch.Tensor:
    t = torch.as_tensor(np.asarray(x) if not isinstance(x, torch.Tensor) else x)
    if t.ndim != 2:
        raise InfoplaneError(
            f"{name} must have shape (n_samples, n_features); got shape {tuple(t.shape)}. "
            "Flatten the inputs first, e.g. x.reshape(len(x), -1)."
        )
    if t.shape[0] < 1 or t.shape[1] < 1:
        raise InfoplaneError(f"{name} is empty (shape {tuple(t.shape)}); pass at least one input.")
    t = t.to(_DTYPE)
    if not torch.isfinite(t).all():
        raise InfoplaneError(f"{name} contains NaN or Inf; clean the inputs first.")
    return t


def _expectations(
    k11: torch.Tensor, k22: torch.Tensor, k12: torch.Tensor, activation: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (E[phi(u) phi(v)], E[phi'(u) phi'(v)]) for (u, v) ~ N(0, [[k11, k12], [k12, k22]]).

    ``k11``, ``k22`` and ``k12`` broadcast against each other.
    """
    if activation == "relu":  # in place where possible: (m, n) temporaries are the peak memory
        norm = torch.sqrt(k11 * k22)
        zero = norm <= 0
        cos = torch.div(k12, norm.masked_fill(zero, 1.0)).masked_fill_(zero, 0.0).clamp_(-1.0, 1.0)
        del zero
        e_phi = torch.arccos(cos)  # theta
        e_dphi = torch.sub(math.pi, e_phi)  # pi - theta
        e_phi.sin_().add_(cos.mul_(e_dphi))  # sin(theta) + (pi - theta) cos
        del cos
        e_phi.mul_(norm.div_(2 * math.pi))
        return e_phi, e_dphi.div_(2 * math.pi)
    # erf
    a = (1 + 2 * k11) * (1 + 2 * k22)
    arg = (2 * k12 / torch.sqrt(a)).clamp(-1.0, 1.0)
    e_phi = (2 / math.pi) * torch.arcsin(arg)
    e_dphi = (4 / math.pi) / torch.sqrt((a - 4 * k12**2).clamp_min(torch.finfo(_DTYPE).tiny))
    return e_phi, e_dphi


def _diag_recursion(x: torch.Tensor, spec: FCKernelSpec) -> list[torch.Tensor]:
    """Return [K^1(x, x), ..., K^{L+1}(x, x)] for each row of ``x`` (each of shape (n,))."""
    k = spec.weight_var * (x * x).sum(-1) / x.shape[-1] + spec.bias_var
    out = [k]
    for _ in range(spec.depth):
        e_phi, _ = _expectations(k, k, k, spec.activation)
        k = spec.weight_var * e_phi + spec.bias_var
        out.append(k)
    return out


def fc_kernels(
    x1: Any,
    x2: Any | None = None,
    *,
    depth: int = 1,
    activation: str = "relu",
    weight_var: float | None = None,
    bias_var: float = DEFAULT_BIAS_VAR,
    diag: bool = False,
) -> KernelPair:
    """NNGP kernel K and NTK Theta of an infinitely wide fully connected network.

    Computes K^{L+1}(x1_i, x2_j) and Theta^{L+1}(x1_i, x2_j) by the layer recursions in the module
    docstring, for L = ``depth`` hidden layers, vectorised over all pairs, in float64.

    Args:
        x1: inputs, shape (n1, d).
        x2: inputs, shape (n2, d); ``None`` means ``x1`` (the Gram matrix).
        depth: number of hidden layers L >= 0.
        activation: ``"erf"`` or ``"relu"``.
        weight_var: sigma_w^2 > 0; ``None`` picks 2.0 for ReLU and 1.0 for erf.
        bias_var: sigma_b^2 >= 0.
        diag: return only k(x1_i, x1_i), shape (n1,), in O(n1) time (``x2`` must be ``None``).

    Returns:
        A :class:`KernelPair` of float64 tensors of shape (n1, n2), or (n1,) with ``diag=True``.
        Kernels are dimensionless (squared output units).

    Raises:
        InfoplaneError: for a bad architecture, inputs that are not 2-D, finite and of matching
            feature dimension, or ``diag=True`` with ``x2`` given.

    Notes:
        The NTK is that of the NTK parameterisation (Jacot et al. 2018), in which gradient flow on
        all weights and biases with learning rate eta moves the outputs by -eta Theta (f - y) per
        unit time (Lee et al. 2019). Cost: O(n1 n2 (d + L)) time; memory: the two (n1, n2)
        outputs plus temporaries of one row block (4 MiB), not several (n1, n2) matrices.

    References:
        Jacot et al. (2018), NeurIPS, arXiv:1806.07572; Lee et al. (2019), NeurIPS,
        arXiv:1902.06720; Arora et al. (2019), NeurIPS, arXiv:1904.11955; Cho & Saul (2009),
        NeurIPS; Williams (1997), NeurIPS.

    Example:
        >>> import torch
        >>> k = fc_kernels(torch.eye(3), depth=2, activation="erf")
        >>> tuple(k.ntk.shape)
        (3, 3)
    """
    spec = make_spec(depth, activation, weight_var, bias_var)
    a = _as_inputs(x1, "x1")
    if diag:
        if x2 is not None:
            raise InfoplaneError("diag=True computes k(x, x) for x1 alone; pass x2=None.")
        ks = _diag_recursion(a, spec)
        theta = ks[0]
        for layer in range(spec.depth):
            kl = ks[layer]
            _, e_dphi = _expectations(kl, kl, kl, spec.activation)
            theta = ks[layer + 1] + spec.weight_var * e_dphi * theta
        return KernelPair(nngp=ks[-1], ntk=theta)
    b = a if x2 is None else _as_inputs(x2, "x2")
    if a.shape[1] != b.shape[1]:
        raise InfoplaneError(
            f"x1 has {a.shape[1]} features but x2 has {b.shape[1]}; pass inputs of one task."
        )
    d1 = _diag_recursion(a, spec)
    d2 = d1 if x2 is None else _diag_recursion(b, spec)
    k = torch.empty(a.shape[0], b.shape[0], dtype=_DTYPE)
    theta = torch.empty_like(k)
    rows = max(1, _BLOCK_BYTES // (8 * b.shape[0]))
    for start in range(0, a.shape[0], rows):  # row blocks: O(rows n2) temporaries
        part = slice(start, start + rows)
        k[part], theta[part] = _kernel_block(a[part], b, [d[part] for d in d1], d2, spec)
    if x2 is None:  # exact symmetry of the Gram matrix, and its diagonal as with diag=True
        symmetrize_(k)
        symmetrize_(theta)
        on_diag = fc_kernels(a, **spec.to_dict(), diag=True)
        k.diagonal().copy_(on_diag.nngp)
        theta.diagonal().copy_(on_diag.ntk)
    return KernelPair(nngp=k, ntk=theta)


def _kernel_block(
    a: torch.Tensor,
    b: torch.Tensor,
    d1: list[torch.Tensor],
    d2: list[torch.Tensor],
    spec: FCKernelSpec,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (K, Theta) between the rows of ``a`` and ``b`` by the layer recursions."""
    k = spec.weight_var * (a @ b.T) / a.shape[1] + spec.bias_var
    theta = k
    for layer in range(spec.depth):
        e_phi, e_dphi = _expectations(d1[layer][:, None], d2[layer][None, :], k, spec.activation)
        k = spec.weight_var * e_phi + spec.bias_var
        theta = k + spec.weight_var * e_dphi * theta
    return k, theta


def symmetrize_(m: torch.Tensor) -> torch.Tensor:
    """Replace a square matrix by (m + m^T) / 2 in place, in blocks, and return it.

    The same numbers as ``(m + m.T).mul_(0.5)`` with O(block^2) extra memory instead of a second
    (n, n) matrix.
    """
    n = m.shape[0]
    step = max(1, math.isqrt(_BLOCK_BYTES // 8))
    for i in range(0, n, step):
        for j in range(i, n, step):
            upper = m[i : i + step, j : j + step]
            lower = m[j : j + step, i : i + step]
            avg = (upper + lower.T).mul_(0.5)
            upper.copy_(avg)
            lower.copy_(avg.T)
    return m
