"""Mutual-information estimators: one contract, one registry by short name, a function form of each.

Look an estimator up with :func:`make_estimator` (``make_estimator("binning", n_bins=30)``) and list
them with :func:`available_estimators`. Every estimator follows one contract
(:class:`~infoplane.estimators.base.BaseEstimator`): typed hyper-parameters declared once in its
pydantic ``Params`` (:func:`parameter_model`, :func:`estimator_params`), ``estimate(x, y)`` ->
:class:`~infoplane.interface.MIResult`, ``information_plane(t, labels)`` -> (I(X;T), I(T;Y)), values
in bits unless ``unit="nats"``, and generated function forms ``<name>_mutual_information`` and
``<name>_information_plane``. Registry names:

======================  ==========================================================  =============
name                    estimator                                                   module
======================  ==========================================================  =============
``binning``             plug-in, fixed-width bins (Shwartz-Ziv & Tishby 2017)         binning
``binning_adaptive``    plug-in, equal-mass bins (Chelombiev et al. 2019)             binning
``kde_upper``           pairwise-KL upper bound (Kolchinsky & Tracey 2017)            kde
``kde_lower``           pairwise-Bhattacharyya lower bound                            kde
``sample_propagation``  Monte Carlo h(T+Z) (Goldfeld et al. 2019)                     noisy
``gaussian_dropout``    I(X;T) of a Gaussian-dropout layer (Adilova et al. 2023)      dropout
``ksg``                 KSG 1/2, Ross's mixed estimator (Kraskov et al. 2004)         ksg
``gaussian``            Gaussian / CCA MI, -1/2 sum log(1 - rho_i^2)                  gaussian
``copula``              Gaussian-copula MI (normal scores, CCA, bias removed)         copula
``auto``                chooses from the data; records why (``extra["auto"]``)        auto
``renyi``               matrix-based Renyi alpha (Sanchez Giraldo et al. 2015)        renyi
``edge``                hashing dependence graph (Noshad et al. 2019)                 edge
``mine``, ``nwj``,      variational lower bounds (Belghazi 2018; Nguyen 2010;         variational
``infonce``             van den Oord 2018)
``smile``               clipped DV estimate, JS critic (Song & Ermon 2020)            variational
``ksg_compressed``      KSG after a copula + canonical compression (Butakov 2024)     compressed
======================  ==========================================================  =============

:func:`bootstrap_estimate` adds a confidence interval to any of them;
:func:`infoplane.estimators.dropout.noise_estimator` builds the estimator that matches a noisy layer
of :mod:`infoplane.models.noise` (same noise variance or dropout rate). Heavy modules (torch) are
imported lazily by the registry, so importing this package stays cheap.
"""

from infoplane.estimators.base import BaseEstimator, EstimatorParams, function_forms
from infoplane.estimators.binning import (
    AdaptiveBinningEstimator,
    BinningEstimator,
    adaptive_binning_information_plane,
    adaptive_binning_mutual_information,
    binning_adaptive_information_plane,
    binning_adaptive_mutual_information,
    binning_information_plane,
    binning_mutual_information,
    entropy_of_keys,
    equal_mass_codes,
    label_entropy,
    quantized_binning_params,
    resolve_bins,
)
from infoplane.estimators.bootstrap import bootstrap_estimate
from infoplane.estimators.registry import (
    available_estimators,
    estimator_class,
    estimator_params,
    make_estimator,
    parameter_model,
    register,
)

__all__ = [
    "AdaptiveBinningEstimator",
    "BaseEstimator",
    "BinningEstimator",
    "EstimatorParams",
    "adaptive_binning_information_plane",
    "adaptive_binning_mutual_information",
    "available_estimators",
    "binning_adaptive_information_plane",
    "binning_adaptive_mutual_information",
    "binning_information_plane",
    "binning_mutual_information",
    "bootstrap_estimate",
    "entropy_of_keys",
    "equal_mass_codes",
    "estimator_class",
    "estimator_params",
    "function_forms",
    "label_entropy",
    "make_estimator",
    "parameter_model",
    "quantized_binning_params",
    "register",
    "resolve_bins",
]
