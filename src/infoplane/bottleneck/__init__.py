"""Information Bottleneck algorithms: the IB curve, its deterministic and dual forms, the Gaussian IB
in closed form, and the check that network layers satisfy the IB equations.

Public API (values in bits, beta in the standard scaling with the KL in nats):

- :func:`information_bottleneck` -- iterative IB curve (Tishby, Pereira & Bialek 1999).
- :func:`deterministic_information_bottleneck` -- DIB and the generalised alpha form (Strouse &
  Schwab 2017).
- :func:`dual_information_bottleneck` -- dual IB (Piran, Shwartz-Ziv & Tishby 2020).
- :func:`gaussian_information_bottleneck` -- closed form for Gaussian variables (Chechik et al. 2005).
- :func:`fixed_point` -- the self-consistent iteration at one beta.
- :func:`distance_to_bound` -- each layer's distance (bits) from the IB bound of the same joint,
  per (layer, repeat, epoch), with a bootstrap interval over networks (Shwartz-Ziv & Tishby 2017,
  claim iii); :func:`summarize_distance`, :func:`partition_information`, :func:`bound_envelope`,
  :func:`dense_labels`, :class:`BoundDistance`.
- :func:`self_consistency` -- the IB self-consistent equations (Tishby et al. 1999, eq. 28) for soft
  encoders, and their deterministic form (Strouse & Schwab 2017) for binned layers;
  :func:`layer_check` -- both claim-(iii) readings for one layer of a run.
- :func:`twelve_bit_bound` -- the precomputed IB bound of the 12-bit soft rule.
- :class:`IBCurve`, :class:`IBSolution`, :class:`GaussianIB`, :class:`JointDistribution`,
  :func:`as_joint_distribution`, :func:`load_distribution`, :func:`label_smoothing`.
"""

from __future__ import annotations

from infoplane.bottleneck.curve import IBCurve, monotone_envelope_mask
from infoplane.bottleneck.deterministic import deterministic_information_bottleneck
from infoplane.bottleneck.distance import (
    BoundDistance,
    bound_envelope,
    dense_labels,
    distance_to_bound,
    partition_information,
    summarize_distance,
)
from infoplane.bottleneck.distributions import (
    JointDistribution,
    as_joint_distribution,
    label_smoothing,
    load_distribution,
)
from infoplane.bottleneck.dual import dual_information_bottleneck
from infoplane.bottleneck.gaussian import (
    GaussianIB,
    gaussian_information_bottleneck,
    projection_information,
    split_joint_covariance,
)
from infoplane.bottleneck.iterative import IBSolution, fixed_point, information_bottleneck
from infoplane.bottleneck.layer_check import layer_check, self_consistency
from infoplane.bottleneck.twelve_bit import twelve_bit_bound

__all__ = [
    "BoundDistance",
    "GaussianIB",
    "IBCurve",
    "IBSolution",
    "JointDistribution",
    "as_joint_distribution",
    "bound_envelope",
    "dense_labels",
    "deterministic_information_bottleneck",
    "distance_to_bound",
    "dual_information_bottleneck",
    "fixed_point",
    "gaussian_information_bottleneck",
    "information_bottleneck",
    "label_smoothing",
    "layer_check",
    "load_distribution",
    "monotone_envelope_mask",
    "partition_information",
    "projection_information",
    "self_consistency",
    "split_joint_covariance",
    "summarize_distance",
    "twelve_bit_bound",
]
