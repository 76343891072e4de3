"""``auto``: choose an MI estimator and its settings from the data alone, and say why.

The rule reads only the data -- which variables are discrete (integer dtype), the dimensions, the
sample size, repeated rows and the tail weight of each coordinate -- never a true value. For two
continuous variables it takes the larger of two estimates that are, on the benchmark of Czyż et al.
(2023, NeurIPS, arXiv 2306.11078), biased low where they fail: the Gaussian-copula MI
(:class:`~infoplane.estimators.copula.CopulaEstimator`, exact for Gaussian copulas at any
dimension) and KSG (Kraskov et al. 2004, Phys. Rev. E 69, 066138) on the same normal scores, which
sees dependence that rank correlations miss (heavy-tailed Student-t pairs, spirals, additive
uniform noise) in low dimension. What was chosen and why is recorded in ``MIResult.extra["auto"]``.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

import numpy as np
from pydantic import Field

from infoplane.estimators._common import is_discrete
from infoplane.estimators.base import BaseEstimator, EstimatorParams, Int, function_forms
from infoplane.estimators.copula import TIE_FRACTION, CopulaEstimator, _tie_fraction
from infoplane.estimators.gaussian import _normal_scores
from infoplane.estimators.registry import make_estimator, register
from infoplane.interface import MIResult

#: the (q99 - q01) / (q75 - q25) ratio of a normal distribution (4.653 / 1.349)
GAUSSIAN_TAIL_RATIO = 3.4494
#: a coordinate whose tail ratio exceeds this multiple of the normal's counts as heavy-tailed
HEAVY_TAIL_FACTOR = 1.5


def tail_ratio(a: np.ndarray) -> float:
    """Tail weight of the heaviest-tailed column: (q99 - q01) / (q75 - q25), over the normal's.

    Args:
        a: samples, shape (n_samples, n_features), float (any scale: quantiles do not overflow).

    Returns:
        The largest ratio over the columns divided by the normal's 3.449 (unitless): 1 for a
        Gaussian column, 0.57 for a uniform one, 1.7 for Student-t with 3 degrees of freedom,
        2.5 with 2, 9.2 for Cauchy; 1.0 when every column's interquartile range is 0.

    Raises:
        Nothing for finite arrays (callers validate the data).

    Notes:
        Quantiles instead of kurtosis: defined for every distribution (kurtosis is infinite for
        Student-t with <= 4 degrees of freedom) and free of overflow at extreme magnitudes.

    References:
        Hoaglin, D. C., Mosteller, F., Tukey, J. W. (1983). Understanding Robust and Exploratory
        Data Analysis. Wiley (quantile-based tail measures); used by :class:`AutoEstimator`
        (Czyż et al. 2023, arXiv 2306.11078, motivates testing heavy tails).

    Example:
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> round(tail_ratio(rng.standard_normal((100000, 1))), 1)
        1.0
        >>> tail_ratio(rng.standard_cauchy((100000, 1))) > 8
        True
    """
    q = np.quantile(a, [0.01, 0.25, 0.75, 0.99], axis=0)
    iqr = q[2] - q[1]
    ok = iqr > 0
    if not ok.any():
        return 1.0
    return float(np.max((q[3][ok] - q[0][ok]) / iqr[ok]) / GAUSSIAN_TAIL_RATIO)


@register
class AutoEstimator(BaseEstimator):
    """Picks the estimator from the data (discreteness, dimension, n, ties, tails); records why.

    ``estimate(x, y)``:

    - both discrete (integer dtype): the exact plug-in MI of the joint counts (``ksg`` computes
      it for two discrete variables);
    - one discrete: Ross's nearest-neighbour estimator (``ksg``, k = 3), on per-coordinate ranks
      when a coordinate of the continuous variable is heavy-tailed (tail ratio > 1.5, see Notes),
      else on standardised coordinates;
    - both continuous: ``max(copula, KSG on normal scores)``. The copula estimate (bias-corrected
      Gaussian-copula MI) is always computed; KSG (k = ``k_small_n`` below ``n_large`` samples,
      else ``k_large_n``, algorithm 1, max-norm) runs on the same normal scores when
      d_x + d_y <= ``max_knn_dim``; above that it is skipped (measured: KSG finds 0.2 of 1.47 bits
      on the 25 x 25 sparse normals of the benchmark, and its neighbour search is slow). With
      n <= d_x + d_y + 1 (no copula: a singular covariance) KSG on the normal scores alone.

    ``information_plane(t, labels)``: the ``ksg`` plane with its defaults (Ross's estimator
    for the noisy layer I(X; T+Z) and for I(T;Y)); ``seed`` is passed on.

    Args:
        {params}

    Returns:
        ``estimate``: an :class:`~infoplane.interface.MIResult` in ``unit``; ``extra["auto"]``
        holds ``chosen`` (the estimator that gave the value), ``reason`` (one sentence),
        ``features`` (n, d_x, d_y, discreteness, tie fraction, tail ratio) and ``candidates``
        (every estimate computed, in ``unit``).
        ``information_plane``: (i_xt, i_ty), arrays of shape ``t.shape[:-2]`` in ``unit``.

    Raises:
        InfoplaneError: for invalid parameters or bad data (as the estimators it calls: NaN,
            shapes, no more samples than dimensions, ``x`` passed to ``information_plane``).

    Notes:
        Why the maximum: on every benchmark task where one of the two fails, it fails low (the
        copula misses dependence without rank correlation and gives about 0 on the Student-t
        pairs; KSG loses most of the MI in 10 or more dimensions), and neither is biased up by
        more than its sampling error where it works (the copula's finite-sample bias is removed
        exactly for Gaussian copulas). The maximum inherits a small upward bias from the larger
        of two noisy values when both are right (about one standard error) and, for independent
        variables, from the larger of two values near 0. It is not a bound: neither candidate is a
        guaranteed lower bound in several dimensions. The choice never reads a true value;
        ``extra["auto"]["candidates"]`` shows both numbers, so a user can see when they disagree
        (disagreement means a non-Gaussian dependence).
        Tail weight: the ratio (q99 - q01) / (q75 - q25) of each coordinate, divided by the
        normal's 3.449 (1 for Gaussian columns, 0.57 for uniform, 1.7 for Student-t with 3
        degrees of freedom, 9.2 for Cauchy). Normal scores make the continuous-continuous choice
        independent of tails; the one-discrete case switches KSG to ranks above 1.5. Ties: more
        than 5% repeated rows in a continuous variable are flagged ``"ties"`` (average ranks, and
        KSG's seeded jitter, keep the value defined; a lattice variable is not continuous).
        Measured on the benchmark (n = 5000, seeds 0-2): see ``docs/benchmark.md``.

    References:
        1. Czyż, P., Grabowski, F., Vogt, J. E., Beerenwinkel, N., Marx, A. (2023). Beyond Normal:
           On the Evaluation of Mutual Information Estimators. NeurIPS. arXiv 2306.11078.
        2. Kraskov, A., Stoegbauer, H., Grassberger, P. (2004). Estimating mutual information.
           Phys. Rev. E 69, 066138, eq. 8. arXiv cond-mat/0305641.
        3. Ross, B. C. (2014). Mutual Information between Discrete and Continuous Data Sets.
           PLoS ONE 9(2):e87357.
        4. Ince, R. A. A. et al. (2017). A statistical framework for neuroimaging data analysis
           based on mutual information estimated via a Gaussian copula. Hum. Brain Mapp.
           38(3):1541-1573.

    Example:
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> x = rng.standard_normal((2000, 2))
        >>> y = x[:, :1] + 0.5 * rng.standard_normal((2000, 1))
        >>> r = AutoEstimator().estimate(x, y)
        >>> r.extra["auto"]["chosen"] in ("copula", "ksg"), sorted(r.extra["auto"]["candidates"])
        (True, ['copula', 'ksg'])
        >>> bool(abs(r.value - np.log2(5) / 2) < 0.1)           # truth 1.161 bits
        True
    """

    name = "auto"
    bootstrap_resample = "subsample"
    plane_accepts_x = False

    class Params(EstimatorParams):
        """Hyper-parameters of :class:`AutoEstimator`."""

        max_knn_dim: Int = Field(
            20,
            ge=0,
            description="largest d_x + d_y for which KSG runs beside the copula (0 = copula only)",
        )
        k_large_n: Int = Field(
            1, ge=1, description="KSG's neighbour order from ``n_large`` samples on"
        )
        k_small_n: Int = Field(3, ge=1, description="KSG's neighbour order below ``n_large``")
        n_large: Int = Field(1000, ge=2, description="sample size from which ``k_large_n`` is used")
        seed: Int = Field(0, ge=0, description="seed of KSG's tie-breaking jitter and the plane")

    _local = threading.local()

    def estimate(self, x: Any, y: Any) -> MIResult:
        """Estimate I(X;Y) with the estimator the data call for (see the class).

        Args:
            x: array of shape (n_samples,) or (n_samples, d_x); integer or boolean = discrete.
            y: array of shape (n_samples,) or (n_samples, d_y).

        Returns:
            An :class:`~infoplane.interface.MIResult` in ``unit``; ``extra["auto"]`` records the
            choice, the reason, the data's features and every candidate estimate.

        Raises:
            InfoplaneError: on bad input (as :meth:`BaseEstimator.estimate`).
            InfoplaneRuntimeError: if the computation produced NaN or Inf.
        """
        self._local.record = None
        result = super().estimate(x, y)
        record = self._local.record or {}
        return dataclasses.replace(result, extra={**result.extra, "auto": record})

    def _ksg(self, **params: Any) -> BaseEstimator:
        return make_estimator("ksg", unit="nats", seed=self.seed, **params)

    def _mi_nats(self, x: np.ndarray, y: np.ndarray) -> tuple[float, tuple[str, ...]]:
        n, d_x, d_y = x.shape[0], x.shape[1], y.shape[1]
        disc_x, disc_y = is_discrete(x), is_discrete(y)
        features: dict[str, Any] = {
            "n": n,
            "dim_x": d_x,
            "dim_y": d_y,
            "discrete_x": disc_x,
            "discrete_y": disc_y,
        }
        scale = 1.0 if self.unit == "nats" else 1.0 / np.log(2.0)
        if disc_x and disc_y:
            r = self._ksg().estimate(x, y)
            self._record(
                "plug-in",
                "both variables are discrete (integer dtype): the exact "
                "plug-in MI of the joint counts",
                features,
                {"plug-in": r.value * scale},
            )
            return r.value, r.flags
        if disc_x or disc_y:
            c = y if disc_x else x
            features["ties"] = _tie_fraction(c)
            features["tail_ratio"] = tail_ratio(c.astype(np.float64))
            heavy = features["tail_ratio"] > HEAVY_TAIL_FACTOR
            pre = "rank" if heavy else "standardize"
            r = self._ksg(k=3, preprocess=pre).estimate(x, y)
            why = "one variable is discrete: Ross's nearest-neighbour estimator (k = 3) on " + (
                "per-coordinate ranks (heavy tails: tail ratio "
                f"{features['tail_ratio']:.2g} > {HEAVY_TAIL_FACTOR:g})"
                if heavy
                else "standardised coordinates (tail ratio "
                f"{features['tail_ratio']:.2g} <= {HEAVY_TAIL_FACTOR:g})"
            )
            self._record("ksg", why, features, {"ksg": r.value * scale})
            return r.value, r.flags
        x, y = x.astype(np.float64), y.astype(np.float64)
        ties = max(_tie_fraction(x), _tie_fraction(y))
        features["ties"] = ties
        features["tail_ratio"] = max(tail_ratio(x), tail_ratio(y))
        flags: list[str] = ["ties"] if ties > TIE_FRACTION else []
        k = self.k_large_n if n >= self.n_large else self.k_small_n
        if n <= d_x + d_y + 1:  # the copula's covariance would be singular
            kr = self._ksg(k=k, preprocess="none").estimate(_normal_scores(x), _normal_scores(y))
            why = (
                f"two continuous variables with n = {n} <= d_x + d_y + 1 = {d_x + d_y + 1}: too "
                f"few samples for the Gaussian-copula MI; KSG (k = {k}) on normal scores alone "
                "(expect a large bias at this sample size)"
            )
            self._record("ksg", why, features, {"ksg": kr.value * scale})
            return kr.value, tuple(dict.fromkeys([*flags, *kr.flags]))
        cop = CopulaEstimator(unit="nats").estimate(x, y)
        candidates = {"copula": cop.value}
        if d_x + d_y > self.max_knn_dim or n <= k + 1:
            why = (
                f"two continuous variables in d_x + d_y = {d_x + d_y} > max_knn_dim = "
                f"{self.max_knn_dim} dimensions (or too few samples for KSG): the Gaussian-copula "
                "MI alone (KSG is biased low by most of the MI there)"
            )
            self._record("copula", why, features, {"copula": cop.value * scale})
            return cop.value, tuple(dict.fromkeys([*flags, *cop.flags]))
        kr = self._ksg(k=k, preprocess="none").estimate(_normal_scores(x), _normal_scores(y))
        candidates["ksg"] = kr.value
        chosen = "ksg" if kr.value > cop.value else "copula"
        why = (
            f"two continuous variables in d_x + d_y = {d_x + d_y} <= {self.max_knn_dim} "
            f"dimensions: the larger of the Gaussian-copula MI and KSG (k = {k}, n = {n}) on the "
            f"same normal scores, both biased low where they fail; {chosen} is larger"
        )
        self._record(chosen, why, features, {key: v * scale for key, v in candidates.items()})
        src = kr if chosen == "ksg" else cop
        return src.value, tuple(dict.fromkeys([*flags, *src.flags]))

    def _record(
        self, chosen: str, reason: str, features: dict[str, Any], candidates: dict[str, float]
    ) -> None:
        self._local.record = {
            "chosen": chosen,
            "reason": reason,
            "features": {
                k: (float(v) if isinstance(v, (float, np.floating)) else v)
                for k, v in features.items()
            },
            "candidates": {k: float(v) for k, v in candidates.items()},
        }

    def _plane_nats(
        self, t: np.ndarray, labels: np.ndarray, x: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        est = self._ksg()
        i_xt, i_ty = est.information_plane(t, labels)
        return np.asarray(i_xt), np.asarray(i_ty)


auto_mutual_information, auto_information_plane = function_forms(AutoEstimator)

__test__ = {f.__name__: f for f in (auto_mutual_information, auto_information_plane)}

__all__ = ["AutoEstimator", "auto_information_plane", "auto_mutual_information", "tail_ratio"]
