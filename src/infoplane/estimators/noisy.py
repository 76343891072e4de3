"""Sample-propagation estimator of the information of a noisy layer, Goldfeld et al. (2019).

Goldfeld, van den Berg, Greenewald, Melnyk, Nguyen, Kingsbury & Polyanskiy (2019), "Estimating
Information Flow in Deep Neural Networks", ICML, arXiv 1810.05728. For ``U = T + Z`` with
``Z ~ N(0, noise_variance I)`` and n equally likely inputs, U is the Gaussian mixture
``g(u) = 1/n sum_j phi_s(u - t_j)``. Its differential entropy is estimated by Monte Carlo, drawing
``u = t_i + z`` and averaging ``-ln g(u)``; then

    I(X;U) = h(U) - h(Z),      I(U;Y) = h(U) - sum_y p(y) h(U | Y=y)

with h(U | Y=y) the same estimate on the class-y mixture. The estimator is unbiased for h(U) up to
the Monte Carlo error (Goldfeld et al. bound its error by O(1/sqrt(n)) uniformly). We use the
control variate ``||z||^2 / (2 s2)`` (whose mean d/2 is known), so each term is

    I_i = ln n - ln sum_j exp(-(||t_i + z - t_j||^2 - ||z||^2) / (2 s2))   in [0, ln n].

What it measures for a deterministic network: the network itself is not noisy here; the noise is
added to the representation under study only (Goldfeld et al. inject it in every layer of a noisy
DNN, so the values differ from theirs unless the network is trained with that noise). The value
depends on the noise level exactly as the KDE bounds do; with the same ``noise_variance`` it lies
between ``kde_lower`` and ``kde_upper`` up to Monte Carlo error.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from infoplane._validation import as_samples, check_same_length
from infoplane.estimators._common import (
    check_choice,
    check_float,
    check_int,
    is_discrete,
    plane_inputs,
    row_codes,
)
from infoplane.estimators.base import BaseEstimator
from infoplane.estimators.kde import _kde_core
from infoplane.estimators.registry import register
from infoplane.interface import MIResult, convert


@register
class SamplePropagationEstimator(BaseEstimator):
    """Monte Carlo (sample propagation) I(X; T+Z) and I(T+Z; Y), Goldfeld et al. (2019).

    .. math:: \\hat h(T+Z) = -\\frac{1}{m}\\sum_{i} \\ln \\frac1n \\sum_j
        \\phi_\\sigma(t_i + z_i - t_j)

    Args:
        noise_variance: sigma^2 of the Gaussian noise added to each unit (default 1e-3, the KDE
            default on the 12-bit task, so the two are comparable).
        n_mc: noise draws per evaluated row (default 1).
        n_eval: rows (class-stratified, seeded) at which the Monte Carlo average is taken (default
            256; ``None`` = all n). The mixture always uses all n centres.
        block_size: rows per block, memory O(block_size x n) (default 256).
        seed: seed of the rows and noise draws (common random numbers across the batch).
        dtype: ``"float32"`` (default) or ``"float64"``.
        unit: ``"bits"`` (default) or ``"nats"``.

    Raises:
        InfoplaneError: for invalid parameters.

    Notes:
        Unbiased for h(T+Z) up to Monte Carlo error; the per-row terms lie in [0, ln n], so the
        standard error is at most ln(n) / (2 sqrt(n_eval n_mc)) nats (0.38 bit for n = 4096,
        n_eval = 256, n_mc = 1). Measured on a 10-unit tanh layer of the 12-bit task: 0.08 bit rms
        from seed to seed for I(X;T) (0.28 at most), 0.02 bit for I(T;Y); raise ``n_eval`` or
        ``n_mc`` to reduce it (the error falls as 1 / sqrt(n_eval n_mc)).

    References:
        Goldfeld, Z. et al. (2019). Estimating Information Flow in Deep Neural Networks. ICML.
        arXiv 1810.05728.
    """

    name = "sample_propagation"

    def __init__(
        self,
        *,
        noise_variance: float = 1e-3,
        n_mc: int = 1,
        n_eval: int | None = 256,
        block_size: int = 256,
        seed: int = 0,
        dtype: str = "float32",
        unit: str = "bits",
    ) -> None:
        super().__init__(unit=unit)
        self.noise_variance = check_float(noise_variance, "noise_variance", low=0.0)
        self.n_mc = check_int(n_mc, "n_mc", minimum=1)
        self.n_eval = check_int(n_eval, "n_eval", minimum=1, allow_none=True)
        self.block_size = check_int(block_size, "block_size", minimum=1)
        self.seed = check_int(seed, "seed", minimum=0)
        self.dtype = check_choice(dtype, "dtype", ("float32", "float64"))

    def _core(self, t: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return _kde_core(
            t,
            groups,
            noise_variance=self.noise_variance,
            bound="upper",
            n_eval=self.n_eval,
            block_size=self.block_size,
            seed=self.seed,
            dtype=self.dtype,
            n_mc=self.n_mc,
        )

    def estimate(self, x: Any, y: Any) -> MIResult:
        """Estimate I(X; Y + Z): noise on the continuous variable, groups = the other's rows.

        Args:
            x: (n_samples,) or (n_samples, d_x).
            y: (n_samples,) or (n_samples, d_y).

        Returns:
            An :class:`MIResult` in ``self.unit``.

        Raises:
            InfoplaneError: on bad input.
        """
        x2 = as_samples(x, "x")
        y2 = as_samples(y, "y")
        check_same_length(x2, y2, "x", "y")
        if is_discrete(y2) and not is_discrete(x2):
            x2, y2 = y2, x2
        _, val = self._core(y2.astype(np.float64)[None], row_codes(x2))
        return MIResult(
            value=float(convert(max(float(val[0]), 0.0), self.unit)),
            unit=self.unit,
            estimator=self.name,
            params=self.get_params(),
            n_samples=int(x2.shape[0]),
        )

    def information_plane(
        self, t: np.ndarray, labels: np.ndarray, *, x: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(I(X; T+Z), I(T+Z; Y)) for each representation in the batch.

        Args:
            t: (..., n_samples, n_units).
            labels: (n_samples,) integer labels.
            x: optional inputs (n_samples, d_x); equal rows are one input (default: all distinct).

        Returns:
            Two arrays of shape ``t.shape[:-2]`` in ``self.unit``.
        """
        flat, lab, batch = plane_inputs(t, labels)
        i_xt, i_ty = self._core(flat, lab)
        if x is not None:
            xg = as_samples(x, "x")
            check_same_length(xg, flat[0], "x", "t")
            _, i_xt = self._core(flat, row_codes(xg))
        return (
            convert(np.maximum(i_xt, 0.0).reshape(batch), self.unit),
            convert(np.maximum(i_ty, 0.0).reshape(batch), self.unit),
        )


def sample_propagation_information_plane(
    t: np.ndarray,
    labels: np.ndarray,
    *,
    noise_variance: float = 1e-3,
    n_mc: int = 1,
    n_eval: int | None = 256,
    block_size: int = 256,
    seed: int = 0,
    dtype: str = "float32",
    unit: str = "bits",
) -> tuple[np.ndarray, np.ndarray]:
    """Function form of :meth:`SamplePropagationEstimator.information_plane` (same arguments)."""
    return SamplePropagationEstimator(
        noise_variance=noise_variance,
        n_mc=n_mc,
        n_eval=n_eval,
        block_size=block_size,
        seed=seed,
        dtype=dtype,
        unit=unit,
    ).information_plane(t, labels)


def sample_propagation_mutual_information(
    x: np.ndarray,
    y: np.ndarray,
    *,
    noise_variance: float = 1e-3,
    n_mc: int = 1,
    n_eval: int | None = 256,
    block_size: int = 256,
    seed: int = 0,
    dtype: str = "float32",
    unit: str = "bits",
) -> float:
    """Function form of :meth:`SamplePropagationEstimator.estimate`: I(X; Y + Z) in ``unit``."""
    return (
        SamplePropagationEstimator(
            noise_variance=noise_variance,
            n_mc=n_mc,
            n_eval=n_eval,
            block_size=block_size,
            seed=seed,
            dtype=dtype,
            unit=unit,
        )
        .estimate(x, y)
        .value
    )


__all__ = [
    "SamplePropagationEstimator",
    "sample_propagation_information_plane",
    "sample_propagation_mutual_information",
]
