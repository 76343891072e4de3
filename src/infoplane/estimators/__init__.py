"""Mutual-information estimators: one contract, one registry by short name, a function form of each.

Look an estimator up with :func:`make_estimator` (``make_estimator("binning", n_bins=30)``) and list
them with :func:`available_estimators`.
"""

from infoplane.estimators.base import BaseEstimator
from infoplane.estimators.binning import (
    BinningEstimator,
    binning_information_plane,
    binning_mutual_information,
)
from infoplane.estimators.registry import (
    available_estimators,
    estimator_class,
    make_estimator,
    register,
)

__all__ = [
    "BaseEstimator",
    "BinningEstimator",
    "available_estimators",
    "binning_information_plane",
    "binning_mutual_information",
    "estimator_class",
    "make_estimator",
    "register",
]
