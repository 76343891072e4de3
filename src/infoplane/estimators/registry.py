"""The one registry of estimators, by short name, used by configs, the CLI and the run pipeline.

Estimators register with the :func:`register` decorator in their own module; this module lists the
modules to import so that looking up a name never needs a second list (imports are lazy: a module is
imported the first time the registry is read).
"""

from __future__ import annotations

import importlib
from typing import Any

from infoplane.interface import InfoplaneError

# Modules whose import registers estimators. Add a module here when you add an estimator file.
_ESTIMATOR_MODULES: tuple[str, ...] = (
    "infoplane.estimators.binning",
    "infoplane.estimators.kde",
    "infoplane.estimators.ksg",
    "infoplane.estimators.noisy",
    "infoplane.estimators.renyi",
    "infoplane.estimators.edge",
    "infoplane.estimators.variational",
)

_REGISTRY: dict[str, type] = {}
_loaded = False


def register(cls: type) -> type:
    """Class decorator: add an estimator class to the registry under ``cls.name``."""
    name = cls.name  # type: ignore[attr-defined]
    if name in _REGISTRY and _REGISTRY[name] is not cls:
        raise RuntimeError(f"two estimators registered as {name!r}")
    _REGISTRY[name] = cls
    return cls


def _load() -> None:
    global _loaded
    if not _loaded:
        for module in _ESTIMATOR_MODULES:
            importlib.import_module(module)
        _loaded = True


def available_estimators() -> list[str]:
    """Return the sorted registry names of all estimators."""
    _load()
    return sorted(_REGISTRY)


def estimator_class(name: str) -> type:
    """Return the estimator class registered as ``name``.

    Raises:
        InfoplaneError: if no estimator has that name (the message lists the known names).
    """
    _load()
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise InfoplaneError(f"unknown estimator {name!r}; choose one of: {known}.") from None


def make_estimator(name: str, **params: Any) -> Any:
    """Build the estimator registered as ``name`` with hyper-parameters ``params``.

    Raises:
        InfoplaneError: for an unknown name or an unknown parameter (the message lists valid ones).
    """
    cls = estimator_class(name)
    valid = cls.param_names()
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise InfoplaneError(
            f"estimator {name!r} has no parameter(s) {', '.join(unknown)}; valid parameters: "
            f"{', '.join(valid)}."
        )
    return cls(**params)
