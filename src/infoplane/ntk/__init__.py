"""Infinite ensembles of infinitely wide networks: NNGP/NTK kernels, gradient flow, information.

Shwartz-Ziv & Alemi (2020), "Information in Infinite Ensembles of Infinitely-Wide Neural Networks",
AABI, arXiv 1911.09189, and Shwartz-Ziv's thesis (2022), arXiv 2202.06749: in the NTK regime the
outputs of an ensemble of networks trained by gradient flow on the MSE are Gaussian at every time
(Lee et al. 2019, arXiv 1902.06720), so the information plane needs no binning.

- :func:`fc_kernels` -- NNGP and NTK of fully connected erf/ReLU networks of any depth.
- :class:`GradientFlowEnsemble` -- mean and covariance of the outputs at any time t.
- :func:`mixture_mi_bounds`, :func:`label_information`, :func:`gaussian_channel_log_likelihoods`,
  :func:`kl_from_initialisation` -- information quantities, in bits by default.
- :func:`ntk_information_plane` -- the whole table over training time.
"""

from infoplane.ntk.dynamics import (
    EnsemblePrediction,
    GradientFlowEnsemble,
    kernel_regression,
)
from infoplane.ntk.information import (
    CHANNEL_VAR_GRID,
    LabelInformation,
    MIBounds,
    gaussian_channel_log_likelihoods,
    kl_from_initialisation,
    label_information,
    mixture_mi_bounds,
    one_hot,
)
from infoplane.ntk.kernels import ACTIVATIONS, FCKernelSpec, KernelPair, fc_kernels, make_spec
from infoplane.ntk.plane import DEFAULT_TIMES, ntk_information_plane

__all__ = [
    "ACTIVATIONS",
    "CHANNEL_VAR_GRID",
    "DEFAULT_TIMES",
    "EnsemblePrediction",
    "FCKernelSpec",
    "GradientFlowEnsemble",
    "KernelPair",
    "LabelInformation",
    "MIBounds",
    "fc_kernels",
    "gaussian_channel_log_likelihoods",
    "kernel_regression",
    "kl_from_initialisation",
    "label_information",
    "make_spec",
    "mixture_mi_bounds",
    "ntk_information_plane",
    "one_hot",
]
