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
between ``kde_lower`` and ``kde_upper`` up to Monte Carlo error. Data of any magnitude are rescaled
by a power of two with the noise consistently, as for the KDE bounds (:mod:`infoplane.estimators.kde`).
"""

from __future__ import annotations

from pydantic import Field

from infoplane.estimators.base import Int, function_forms
from infoplane.estimators.kde import NoisyLayerParams, _NoisyLayerEstimator
from infoplane.estimators.registry import register


@register
class SamplePropagationEstimator(_NoisyLayerEstimator):
    """Monte Carlo (sample propagation) I(X; T+Z) and I(T+Z; Y), Goldfeld et al. (2019).

    .. math:: \\hat h(T+Z) = -\\frac{1}{m}\\sum_{i} \\ln \\frac1n \\sum_j
        \\phi_\\sigma(t_i + z_i - t_j)

    ``estimate(x, y)`` estimates I(X; Y + Z): the noise goes to the continuous variable, the other,
    discrete variable (integer or boolean: an input index or a label) groups the mixture
    components (as for the KDE bounds); two float arrays are refused (use ``ksg`` or
    ``gaussian`` for two continuous variables).

    Args:
        {params}

    {returns}

    Raises:
        InfoplaneError: for invalid parameters (``noise_variance`` or ``relative_noise`` <= 0, or
            both given), bad data, or ``estimate(x, y)`` with two float arrays.

    Notes:
        Unbiased for h(T+Z) up to Monte Carlo error; the per-row terms lie in [0, ln n], so the
        standard error is at most ln(n) / (2 sqrt(n_eval n_mc)) nats (0.38 bit for n = 4096,
        n_eval = 256, n_mc = 1). Measured on a 10-unit tanh layer of the 12-bit task: 0.08 bit rms
        from seed to seed for I(X;T) (0.28 at most), 0.02 bit for I(T;Y); raise ``n_eval`` or
        ``n_mc`` to reduce it (the error falls as 1 / sqrt(n_eval n_mc)). The noise is added to
        the representation under study only, not to the network's other layers as in Goldfeld et
        al.'s noisy DNNs; for a network trained with Gaussian noise of std s
        (:class:`~infoplane.models.noise.GaussianNoise`), ``noise_variance = s**2`` makes the value
        that network's I(X;T) (:func:`infoplane.estimators.dropout.noise_estimator`).
        ``relative_noise`` sets the variance relative to each representation's scale (see
        :mod:`infoplane.estimators.kde`). Flags: ``"clipped_negative"`` when the Monte Carlo estimate of a
        non-negative quantity came out negative.

    References:
        Goldfeld, Z. et al. (2019). Estimating Information Flow in Deep Neural Networks. ICML.
        arXiv 1810.05728.

    Example:
        >>> import numpy as np
        >>> t = np.array([[0.0], [0.0], [1.0], [1.0]])   # two clusters, far apart at sigma^2=1e-3
        >>> est = SamplePropagationEstimator(n_eval=None)
        >>> i_xt, i_ty = est.information_plane(t, np.array([0, 0, 1, 1]))
        >>> round(float(i_xt), 3), round(float(i_ty), 3)
        (1.0, 1.0)
    """

    name = "sample_propagation"

    class Params(NoisyLayerParams):
        """Hyper-parameters of :class:`SamplePropagationEstimator`."""

        n_mc: Int = Field(1, ge=1, description="noise draws per evaluated row")


(
    sample_propagation_mutual_information,
    sample_propagation_information_plane,
) = function_forms(SamplePropagationEstimator)

__test__ = {
    f.__name__: f
    for f in (sample_propagation_mutual_information, sample_propagation_information_plane)
}

__all__ = [
    "SamplePropagationEstimator",
    "sample_propagation_information_plane",
    "sample_propagation_mutual_information",
]
