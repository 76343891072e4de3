"""Pairwise-distance (KDE) bounds on the information of a noisy layer, Kolchinsky & Tracey (2017).

Implements the estimator Saxe et al. (2018), "On the Information Bottleneck Theory of Deep
Learning", ICLR, used for the information plane: the layer is read as ``T = h(X) + Z`` with ``Z ~
N(0, s2 I)`` (``s2 = noise_variance``), so that, for n equally likely distinct inputs, T is a
mixture of n Gaussians centred on the activations h(x_i). Kolchinsky & Tracey (2017), "Estimating
Mixture Entropy with Pairwise Distances", Entropy 19(7):361, arXiv 1706.02419, bound the mixture
entropy with the pairwise Kullback-Leibler divergence (upper) and Bhattacharyya distance (lower);
for equal isotropic components these are ``D_KL = ||mu_i - mu_j||^2 / (2 s2)`` and ``D_B = ||mu_i -
mu_j||^2 / (8 s2)``:

    I(X;T) = H(T) - H(T|X),   H(T|X) = d/2 ln(2 pi e s2)
    I_upper(X;T) = -1/n sum_i ln( 1/n sum_j exp(-||t_i - t_j||^2 / (2 s2)) )
    I_lower(X;T) = -1/n sum_i ln( 1/n sum_j exp(-||t_i - t_j||^2 / (8 s2)) )

and, as in Saxe et al.'s code, I(T;Y) = H(T) - sum_y p(y) H(T|Y=y) with the *same* bound applied to
the class-conditional mixtures (so the I(T;Y) "bounds" are estimates, not guaranteed bounds).

Relative noise: ``relative_noise = r`` instead of ``noise_variance`` gives each representation the
variance ``s2 = r * mean_k Var_i(t_ik)`` (its mean per-unit variance over the samples), so that the
value does not depend on the layer's scale (T and 1000 T give the same value); the absolute s2 used
is recorded (``MIResult.extra["noise_variance"]``, ``estimator.noise_variance_used_``).

Convention: ``noise_variance`` is the variance s2 of the Gaussian added to each unit (Saxe et al.'s
``noise_variance``; their code divides squared distances by ``2 * var`` for the KL bound and uses
``4 * var`` inside the same formula for the Bhattacharyya bound). They used s2 = 1e-3 for the 12-bit
task (``IBnet_ComputeMI.ipynb``) and s2 = 1e-1 for MNIST (``ComputeMI.ipynb``).

Computation: rows are processed in blocks of ``block_size`` against all n columns with one matmul,
so memory is O(block_size x n); the self term (distance 0) makes the row maximum known, so the
log-sum-exp needs no max pass and never overflows. The outer average over i can be taken over a
seeded, class-stratified subset of ``n_eval`` rows (the inner sums always use all n points), which
keeps the ceiling at ln n and costs O(n_eval x n x d) per representation.

Devices: the blocks run with torch where the input tensors are (CUDA tensors: on CUDA) or on the
``device`` parameter; numpy input with ``device=None`` is the CPU route. Rows, noise draws and
the rescaling are chosen on the host, so a device changes only the floating-point order of the
sums (float64: equal to 1e-9 bit; ``benchmarks/gpu.py`` prints CPU vs GPU).

Scale: each representation is divided by the power of two at or below its largest magnitude (exact
in floating point) and the noise variance by its square, which leaves every kernel value unchanged
and keeps squared distances finite at any magnitude (1e150 in float64, 1e29 in float32). The
relative noise variance ``s2 / scale^2`` is clamped to [1e-24, 1e24]: beyond it the value is at its
limit (all rows separated: the plug-in entropy of the distinct rows; or all merged: 0) up to pairs
closer than 1e-11 of the data's range, below the float resolution of the computation anyway.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from infoplane._validation import as_samples
from infoplane.estimators._common import (
    DeviceName,
    FollowsInputDevice,
    check_choice,
    check_float,
    is_discrete,
    mixture_groups,
    pow2_scale,
    relative_variance,
    row_codes,
    sq_dists,
    torch_dtype,
)
from infoplane.estimators.base import BaseEstimator, EstimatorParams, Float, Int, function_forms
from infoplane.estimators.registry import register
from infoplane.interface import InfoplaneError, MIResult, convert

Bound = Literal["upper", "lower"]


def _kde_core(
    t: np.ndarray,
    groups: np.ndarray,
    *,
    noise_variance: float | np.ndarray,
    bound: str,
    n_eval: int | None,
    block_size: int,
    seed: int,
    dtype: str,
    n_mc: int = 0,
    relative_noise: float | None = None,
    device: Any = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (I(idx;T), I(groups;T), variances) in nats for t (B, n, d) and integer groups (n,).

    The first value treats every sample as its own input (H(T) - H(Z)); the second uses the groups
    (H(T) - sum_g p(g) H(T | g)). With ``n_mc = 0`` the entropies are the pairwise-distance bounds;
    with ``n_mc >= 1`` they are Monte Carlo estimates at ``n_mc`` noisy query points t_i + z per
    evaluated row (sample propagation, Goldfeld et al. 2019), using the control variate ||z||^2 so
    that the self term has exponent exactly 0. Each representation is rescaled by a power of two
    (see the module docstring), so no magnitude overflows. ``noise_variance`` is one variance for
    all representations or one per representation, shape (B,). With ``relative_noise = r`` it is
    ignored and each representation gets ``r`` times its mean per-unit variance over the samples
    (``r`` when that is 0: a constant representation carries no information at any noise level).
    ``variances`` (B,) are the absolute noise variances used, in the data's units squared.
    The pairwise blocks run on the torch ``device`` (CPU by default); the subset, the noise draws
    and the power-of-two rescaling are made on the host, so every device computes the same sums.
    """
    import torch

    variances = np.broadcast_to(np.asarray(noise_variance, dtype=np.float64), (t.shape[0],))

    tdt = torch_dtype(dtype)
    dev = torch.device("cpu" if device is None else device)
    n = t.shape[-2]
    order, g_code, counts, _p_c, rows, w_row = mixture_groups(groups, n_eval, seed, n_mc)
    n_classes = len(counts)
    starts = np.concatenate([[0], np.cumsum(counts)])
    row_class = g_code[rows]
    w_row_t = torch.as_tensor(w_row, dtype=torch.float64, device=dev)
    log_n = math.log(n)
    log_nc = torch.as_tensor(np.log(counts[row_class]), dtype=torch.float64, device=dev)
    c_bound = 2.0 if bound == "upper" else 8.0
    noise0 = None
    if n_mc:  # standard normal draws, scaled per representation below
        noise0 = np.random.default_rng(seed).standard_normal((len(rows), t.shape[-1]))
    col_class = torch.as_tensor(g_code, device=dev)
    rows_t = torch.as_tensor(rows, device=dev)
    row_class_t = torch.as_tensor(row_class, device=dev)
    use_slices = n_classes <= 32

    out_x = np.empty(t.shape[0])
    out_g = np.empty(t.shape[0])
    used = np.empty(t.shape[0])
    for b in range(t.shape[0]):
        tb, scale = pow2_scale(t[b][order])
        scale = float(scale.reshape(()))
        if relative_noise is None:
            rel_var, _ = relative_variance(float(variances[b]), scale)
            used[b] = variances[b]
        else:  # the same relative variance at any magnitude: T and c T give the same value
            spread = float(tb.var(axis=0).mean())
            rel_var = min(max(relative_noise * (spread if spread > 0 else 1.0), 1e-24), 1e24)
            used[b] = rel_var * scale * scale
        factor = 1.0 / (c_bound * rel_var)
        x = torch.as_tensor(tb, dtype=tdt, device=dev)
        x = x - x.mean(0)
        x_sq = (x * x).sum(-1)
        if noise0 is not None:
            noise = torch.as_tensor(noise0 * math.sqrt(rel_var), dtype=tdt, device=dev)
            noise_sq = (noise * noise).sum(-1)
        a_parts, c_parts = [], []
        for s in range(0, len(rows), block_size):
            r = rows_t[s : s + block_size]
            if noise0 is None:
                e = sq_dists(x[r], x, x_sq[r], x_sq)
                e.mul_(-factor).clamp_(min=-80.0).exp_()  # -80: no denormals (slow), < 1e-34
                e[torch.arange(len(r), device=dev), r] = 1.0  # exact self term
                shift = 0.0
            else:
                z = noise[s : s + block_size]
                e = sq_dists(x[r] + z, x).sub_(noise_sq[s : s + block_size, None]).mul_(-factor)
                e[torch.arange(len(r), device=dev), r] = 0.0  # self term: ||z||^2 - ||z||^2
                mx = e.amax(1, keepdim=True)  # >= 0; subtract to avoid overflow in wide layers
                e.sub_(mx).clamp_(min=-80.0).exp_()
                shift = mx[:, 0].double()
            if n_classes == 1:
                total = e.sum(1).double()
                own = total
            elif use_slices:
                sums = torch.stack(
                    [e[:, starts[c] : starts[c + 1]].sum(1).double() for c in range(n_classes)],
                    dim=1,
                )
                total = sums.sum(1)
                own = sums[torch.arange(len(r), device=dev), row_class_t[s : s + block_size]]
            else:
                total = e.sum(1).double()
                cls = row_class_t[s : s + block_size]
                mask = col_class[None, :] == cls[:, None]
                own = (e * mask).sum(1).double()
            a_parts.append(-(torch.log(total) + shift - log_n))
            c_parts.append(-(torch.log(own) + shift - log_nc[s : s + block_size]))
        a = torch.cat(a_parts)
        c = torch.cat(c_parts)
        h_rel = float((w_row_t * a).sum())  # H(T) - H(Z)
        h_cond = float((w_row_t * c).sum())  # sum_g p(g) [H(T|g) - H(Z)]
        out_x[b] = h_rel
        out_g[b] = h_rel - h_cond
    return out_x, out_g, used


class NoisyLayerParams(EstimatorParams):
    """Hyper-parameters shared by the noisy-layer estimators (KDE bounds, sample propagation).

    ``noise_variance`` (absolute) and ``relative_noise`` (a share of the layer's own variance) are
    alternatives: giving ``relative_noise`` sets ``noise_variance`` to ``None``; giving both is an
    error naming them.
    """

    noise_variance: Float | None = Field(
        1e-3,
        gt=0,
        description="sigma^2 of the Gaussian noise added to each unit, in the activations' units "
        "squared (Saxe et al. 2018: 1e-3 on the 12-bit task, 1e-1 on MNIST); ``None`` with "
        "``relative_noise``",
    )
    relative_noise: Float | None = Field(
        None,
        gt=0,
        description="if set, the noise variance of each representation is this share of its mean "
        "per-unit variance over the samples (scale-free; e.g. 0.01); the absolute variance used "
        "is in ``MIResult.extra['noise_variance']`` and the estimator's ``noise_variance_used_``",
    )

    @model_validator(mode="before")
    @classmethod
    def _one_noise_level(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("relative_noise") is not None:
            if data.get("noise_variance") is not None:
                raise ValueError(
                    "give noise_variance (absolute) or relative_noise (a share of the layer's "
                    f"variance), not both; got noise_variance={data['noise_variance']!r} and "
                    f"relative_noise={data['relative_noise']!r}"
                )
            data = {**data, "noise_variance": None}
        elif isinstance(data, dict) and "noise_variance" in data and data["noise_variance"] is None:
            raise ValueError(
                "noise_variance=None needs relative_noise (a positive share of the layer's "
                "variance); or give noise_variance > 0"
            )
        return data

    n_eval: Int | None = Field(
        256,
        ge=1,
        description="rows (class-stratified, seeded) over which the outer mean is taken; the "
        "mixture always uses all n centres; ``None`` = all rows (exact, O(n^2 d))",
    )
    block_size: Int = Field(256, ge=1, description="rows per block, memory O(block_size x n)")
    seed: Int = Field(0, ge=0, description="seed of the row subset (and of noise draws)")
    dtype: Literal["float32", "float64"] = Field(
        "float32",
        description='precision of the pairwise computation, ``"float32"`` or ``"float64"``',
    )
    device: DeviceName = Field(
        None,
        description="torch device of the pairwise terms: ``None`` (default) = where the input "
        'tensors are (numpy arrays and CPU tensors: the CPU), ``"cpu"``, ``"cuda"`` or '
        '``"cuda:N"``',
    )


class _GroupedMixtureEstimator(BaseEstimator):
    """Estimators of a noisy layer whose core groups the samples by a discrete variable.

    ``_core(t (B, n, d), groups (n,)) -> (I(index; T+Z) (B,), I(groups; T+Z) (B,))`` in nats is
    the subclass's; this class routes ``estimate`` and the plane through it, and refuses two
    continuous arrays (the mixture would group by distinct rows of a continuous x: not I(X;Y)).
    Shared by the KDE bounds, sample propagation and the Gaussian-dropout mixture.
    """

    #: two float arrays are refused: the generated example passes a discrete X (input index)
    example_x: ClassVar[str] = "x = np.arange(64) % 8  # a discrete X: the index of each input"

    def _core(self, t: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def _mi_nats(self, x: np.ndarray, y: np.ndarray) -> float:
        # The continuous variable gets the noise; the other's distinct rows are the groups.
        if not (is_discrete(x) or is_discrete(y)):
            raise InfoplaneError(
                f"{self.name} measures I(X; T+Z) for a discrete X (an integer or boolean array: "
                "the index of each input, or a label) and a continuous T with Gaussian noise Z "
                f"(additive, or multiplicative for dropout); x and y are both float arrays "
                f"(dtypes {x.dtype} and {y.dtype}), for which it would group the samples by "
                "their distinct x rows and return H(y + Z) - H(Z), not I(X;Y). For two "
                "continuous variables use estimator 'ksg' (or 'gaussian': the MI of the "
                "Gaussian with the same covariance); if x is a discrete variable stored as floats, pass "
                "x.astype(int) (or codes of its distinct rows)."
            )
        if is_discrete(y) and not is_discrete(x):
            x, y = y, x
        return float(self._core(y.astype(np.float64)[None], row_codes(x))[1][0])

    def _plane_nats(
        self, t: np.ndarray, labels: np.ndarray, x: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        i_xt, i_ty = self._core(t, labels)
        if x is not None:  # equal rows of x are one input
            _, i_xt = self._core(t, row_codes(x))
        return i_xt, i_ty


class _NoisyLayerEstimator(FollowsInputDevice, _GroupedMixtureEstimator):
    """Estimators of the noisy layer T + Z: the core groups samples by the discrete variable."""

    bound: ClassVar[str] = "upper"

    def _core(self, t: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        i_x, i_g, used = _kde_core(
            t,
            groups,
            noise_variance=self.noise_variance if self.relative_noise is None else 1.0,
            bound=self.bound,
            n_eval=self.n_eval,
            block_size=self.block_size,
            seed=self.seed,
            dtype=self.dtype,
            n_mc=getattr(self.params, "n_mc", 0),
            relative_noise=self.relative_noise,
            device=self._torch_device(),
        )
        #: the absolute noise variance of each representation of the last call, shape (B,)
        self.noise_variance_used_ = used
        return i_x, i_g

    def estimate(self, x: Any, y: Any) -> MIResult:
        """Estimate I(X; Y + Z) (see the class); ``extra["noise_variance"]`` is the variance used.

        Args:
            x: (n_samples,) or (n_samples, d_x), numpy array or torch tensor.
            y: (n_samples,) or (n_samples, d_y), numpy array or torch tensor (CUDA tensors: the
                pairwise terms run on CUDA).

        Returns:
            An :class:`~infoplane.interface.MIResult` in ``unit``, with the absolute noise
            variance used (in the noisy variable's units squared) in ``extra``.
        """
        result = super().estimate(x, y)  # FollowsInputDevice: the device of tensors, host copies
        used = float(self.noise_variance_used_[0])
        return dataclasses.replace(result, extra={**result.extra, "noise_variance": used})


_KDE_DOC = """Kolchinsky-Tracey {which} bound on the information of the noisy layer T + N(0, sigma^2 I).

    .. math::
        I(X;T) \\approx -\\frac1n\\sum_i \\ln \\frac1n
        \\sum_j e^{{-\\|t_i-t_j\\|^2 / ({c}\\,\\sigma^2)}}

    ({kernel}); I(T;Y) = H(T) - sum_y p(y) H(T|Y=y) with the same bound on each class mixture.
    ``estimate(x, y)`` bounds I(X; Y + Z): the noise goes to the continuous variable (``y``, or
    ``x`` if only ``x`` is a float array), the other, discrete variable (an integer or boolean
    array: an input index or a label) groups the mixture components; with all rows distinct this
    is H(Y + Z) - H(Z). Two float arrays are refused with an InfoplaneError: the estimator
    measures I(X; T+Z) for a discrete X, not the MI of two continuous variables (use ``ksg`` or
    ``gaussian`` for that).

    Args:
        {{params}}

    Returns:
        ``estimate``: an :class:`~infoplane.interface.MIResult` in ``unit``.
        ``information_plane``: (i_xt, i_ty), arrays of shape ``t.shape[:-2]`` in ``unit``;
        I(X;T) lies in [0, log n].

    Raises:
        InfoplaneError: for a non-positive or non-finite ``noise_variance`` or ``relative_noise``,
            both given, bad integers, bad data, or ``estimate(x, y)`` with two float arrays
            (neither is a discrete variable).

    Notes:
        For a deterministic network the value depends on sigma^2: it measures how well the n
        activation vectors are separated at the scale sigma (Saxe et al. 2018; Geiger 2021).
        ``relative_noise=r`` makes sigma^2 = r x the mean per-unit variance of each
        representation, so T and c T give the same value (docs/finite_mi.md); the absolute
        sigma^2 used is in ``MIResult.extra["noise_variance"]`` and ``noise_variance_used_``. For
        a network trained with Gaussian noise of std s, use ``noise_variance = s**2``
        (:func:`infoplane.estimators.dropout.noise_estimator`): the value is then the network's.
        {bias} With ``n_eval < n`` the outer mean is a Monte Carlo estimate: on a 10-unit tanh
        layer of the 12-bit task, n_eval = 256 differs from the exact value by 0.01 bit rms (0.04
        bit at most) for I(X;T) and 0.005 bit rms for I(T;Y). Any magnitude of data is handled
        (see the module docstring on scale). Flags: ``"clipped_negative"`` when the I(T;Y)-type
        difference of two bounds came out negative (it is not itself a bound).

    References:
        1. Kolchinsky, A., Tracey, B. D. (2017). Estimating Mixture Entropy with Pairwise
           Distances. Entropy 19(7):361. arXiv 1706.02419.
        2. Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.

    Example:
        >>> import numpy as np
        >>> t = np.array([[0.0], [0.0], [1.0], [1.0]])   # two clusters, far apart at sigma^2=1e-3
        >>> i_xt, i_ty = {cls}(n_eval=None).information_plane(t, np.array([0, 0, 1, 1]))
        >>> round(float(i_xt), 6), round(float(i_ty), 6)
        (1.0, 1.0)
    """


@register
class KDEUpperEstimator(_NoisyLayerEstimator):
    __doc__ = _KDE_DOC.format(
        which="upper",
        c="2",
        kernel="pairwise KL divergence, kernel exp(-d^2 / (2 sigma^2))",
        bias="An upper bound on I(X; T+Z) (exact for the mixture, no sampling error with "
        "``n_eval=None``); I(T;Y) is a difference of bounds, not a bound.",
        cls="KDEUpperEstimator",
    )
    name = "kde_upper"
    bound = "upper"
    Params = NoisyLayerParams


@register
class KDELowerEstimator(_NoisyLayerEstimator):
    __doc__ = _KDE_DOC.format(
        which="lower",
        c="8",
        kernel="Bhattacharyya distance, kernel exp(-d^2 / (8 sigma^2))",
        bias="A lower bound on I(X; T+Z); I(T;Y) is a difference of bounds, not a bound.",
        cls="KDELowerEstimator",
    )
    name = "kde_lower"
    bound = "lower"
    Params = NoisyLayerParams


def _bound_class(bound: str) -> type[_NoisyLayerEstimator]:
    check_choice(bound, "bound", ("upper", "lower"))
    return KDEUpperEstimator if bound == "upper" else KDELowerEstimator


kde_upper_mutual_information, kde_upper_information_plane = function_forms(KDEUpperEstimator)
kde_lower_mutual_information, kde_lower_information_plane = function_forms(KDELowerEstimator)


def kde_information_plane(
    t: Any, labels: Any, /, *, bound: Bound = "upper", x: Any = None, **params: Any
) -> tuple[np.ndarray, np.ndarray]:
    """Kolchinsky-Tracey (I(X;T), I(T;Y)) of ``T + N(0, noise_variance I)``, either bound.

    Chooses :func:`kde_upper_information_plane` or :func:`kde_lower_information_plane`.

    Args:
        t: activations (..., n_samples, n_units); leading axes are batch axes.
        labels: integer labels (n_samples,).
        bound: ``"upper"`` (pairwise KL, default) or ``"lower"`` (Bhattacharyya).
        x: inputs with repeated rows (n_samples, d_x), or ``None`` (all samples distinct).
        **params: hyper-parameters of :class:`KDEUpperEstimator` (``noise_variance``, ``n_eval``,
            ``block_size``, ``seed``, ``dtype``, ``unit``; defaults stated there).

    Returns:
        (i_xt, i_ty), each of shape ``t.shape[:-2]``, in ``unit`` (bits by default).

    Raises:
        InfoplaneError: on bad input, an unknown bound or invalid parameters.

    Notes:
        See :class:`KDEUpperEstimator` on what the value measures and its accuracy.

    References:
        Kolchinsky, A., Tracey, B. D. (2017). Entropy 19(7):361. arXiv 1706.02419.

    Example:
        >>> import numpy as np
        >>> t = np.array([[0.0], [0.0], [1.0], [1.0]])
        >>> i_xt, _ = kde_information_plane(t, np.array([0, 0, 1, 1]), bound="lower", n_eval=None)
        >>> round(float(i_xt), 6)
        1.0
    """
    return _bound_class(bound)(**params).information_plane(t, labels, x=x)


def kde_mutual_information(x: Any, y: Any, /, *, bound: Bound = "upper", **params: Any) -> float:
    """Kolchinsky-Tracey bound on I(X; Y + Z), Z ~ N(0, noise_variance I), from paired samples.

    Chooses :func:`kde_upper_mutual_information` or :func:`kde_lower_mutual_information`.

    Args:
        x: (n_samples,) or (n_samples, d_x); the discrete variable when ``y`` is continuous.
        y: (n_samples,) or (n_samples, d_y).
        bound: ``"upper"`` (default) or ``"lower"``.
        **params: hyper-parameters of :class:`KDEUpperEstimator` (``n_eval=None``,
            ``dtype="float64"``: exact).

    Returns:
        The bound in ``unit`` (bits by default), clipped at 0.

    Raises:
        InfoplaneError: on bad input, an unknown bound or invalid parameters.

    Notes:
        See :class:`KDEUpperEstimator`.

    References:
        Kolchinsky, A., Tracey, B. D. (2017). Entropy 19(7):361. arXiv 1706.02419.

    Example:
        >>> import numpy as np
        >>> idx = np.array([0, 1, 2, 3])
        >>> round(kde_mutual_information(idx, np.array([0.0, 1.0, 2.0, 3.0]), n_eval=None), 6)
        2.0
    """
    return _bound_class(bound)(**params).estimate(x, y).value


def kde_entropy_bound(
    t: np.ndarray, *, noise_variance: float = 1e-3, bound: Bound = "upper", unit: str = "bits"
) -> float:
    """Bound on the differential entropy of the equal-weight Gaussian mixture centred on t's rows.

    .. math:: H(T+Z) \\le \\frac d2 \\ln(2\\pi e\\sigma^2) - \\frac1n\\sum_i
        \\ln\\frac1n \\sum_j e^{-\\|t_i-t_j\\|^2/(2\\sigma^2)}

    (lower bound: 8 sigma^2 in the kernel). Exact pairwise computation in float64.

    Args:
        t: centres (n, d) or (n,).
        noise_variance: sigma^2 (default 1e-3).
        bound: ``"upper"`` or ``"lower"``.
        unit: ``"bits"`` or ``"nats"``.

    Returns:
        The entropy bound in ``unit`` (a differential entropy: may be negative).

    Raises:
        InfoplaneError: on bad input or parameters.

    Notes:
        With one centre (n = 1) both bounds equal the Gaussian's entropy d/2 log(2 pi e sigma^2).

    References:
        Kolchinsky, A., Tracey, B. D. (2017). Entropy 19(7):361. arXiv 1706.02419.

    Example:
        >>> import math
        >>> h = kde_entropy_bound([[0.0]], noise_variance=1.0, unit="nats")
        >>> round(h - 0.5 * math.log(2 * math.pi * math.e), 12)
        0.0
    """
    check_choice(bound, "bound", ("upper", "lower"))
    s2 = check_float(noise_variance, "noise_variance", low=0.0)
    t2 = as_samples(t, "t", min_samples=1).astype(np.float64)
    n, d = t2.shape
    rel, _, _ = _kde_core(
        t2[None],
        np.zeros(n, dtype=np.int64),
        noise_variance=s2,
        bound=bound,
        n_eval=None,
        block_size=256,
        seed=0,
        dtype="float64",
    )
    return float(convert(0.5 * d * math.log(2 * math.pi * math.e * s2) + rel[0], unit))


__test__ = {
    f.__name__: f
    for f in (
        kde_upper_mutual_information,
        kde_upper_information_plane,
        kde_lower_mutual_information,
        kde_lower_information_plane,
    )
}

__all__ = [
    "KDELowerEstimator",
    "KDEUpperEstimator",
    "NoisyLayerParams",
    "kde_entropy_bound",
    "kde_information_plane",
    "kde_lower_information_plane",
    "kde_lower_mutual_information",
    "kde_mutual_information",
    "kde_upper_information_plane",
    "kde_upper_mutual_information",
]
