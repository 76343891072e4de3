"""The one registry of estimators, by short name, used by configs, the CLI and the run pipeline.

After scikit-learn's estimator registry and ``cbg-ethz/bmi``'s (Czyz et al. 2023, "Beyond Normal:
On the Evaluation of Mutual Information Estimators", NeurIPS, arXiv 2306.11078): one name per
estimator, typed parameters, one suite of checks over all (``tests/test_estimator_conformance.py``).

Estimators register with the :func:`register` decorator in their own module; this module lists the
modules to import so that looking up a name never needs a second list (imports are lazy: a module is
imported the first time the registry is read).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from infoplane.estimators.base import BaseEstimator, EstimatorParams, validate_params
from infoplane.interface import InfoplaneError

# Modules whose import registers estimators. Add a module here when you add an estimator file.
_ESTIMATOR_MODULES: tuple[str, ...] = (
    "infoplane.estimators.binning",
    "infoplane.estimators.kde",
    "infoplane.estimators.ksg",
    "infoplane.estimators.noisy",
    "infoplane.estimators.dropout",
    "infoplane.estimators.renyi",
    "infoplane.estimators.edge",
    "infoplane.estimators.gaussian",
    "infoplane.estimators.variational",
    "infoplane.estimators.compressed",
    "infoplane.estimators.copula",
    "infoplane.estimators.auto",
)

_REGISTRY: dict[str, type] = {}
_loaded = False


def register(cls: type) -> type:
    """Class decorator: add an estimator class to the registry under its ``name``.

    Args:
        cls: a subclass of :class:`~infoplane.estimators.base.BaseEstimator` whose class attribute
            ``name`` (a non-empty string, the registry key) no other registered class uses.

    Returns:
        ``cls`` itself, so ``@register`` can decorate the class definition.

    Raises:
        InfoplaneError: if ``cls`` is not a ``BaseEstimator`` subclass, its ``name`` is not a
            non-empty string, or another class is already registered under that name (the
            message names both classes).

    Shapes: none (a class, no arrays).

    Units: none here; the registered estimator returns values in its ``unit`` parameter (bits by
    default).

    Notes:
        Registering the same class again is a no-op (a module imported twice). The name is the key
        users type (``-e NAME``, a config's ``estimators``) and the value stored in every
        :class:`~infoplane.interface.MIResult` and in the ``estimator`` column of a run's tables:
        renaming an estimator makes stored results name one that no longer exists. A class
        registered from user code is known only in the process that imported its module; add
        built-in estimator modules to ``_ESTIMATOR_MODULES`` so that the lazy registry imports
        them.

    References:
        1. Czyz, P., Grabowski, F., Vogt, J. E., Beerenwinkel, N., Marx, A. (2023). Beyond Normal:
           On the Evaluation of Mutual Information Estimators. NeurIPS. arXiv 2306.11078 (the
           ``bmi`` package: estimators by name, parameters stored with every result).
        2. Buitinck, L. et al. (2013). API design for machine learning software: experiences from
           the scikit-learn project. ECML PKDD Workshop. arXiv 1309.0238 (hyper-parameters only
           in the constructor, ``get_params``, one check suite over all estimators).

    Example:
        >>> from infoplane.estimators.binning import BinningEstimator
        >>> register(BinningEstimator) is BinningEstimator  # again: a no-op
        True
        >>> class Impostor(BinningEstimator):
        ...     name = "binning"
        >>> try:
        ...     register(Impostor)
        ... except InfoplaneError as err:
        ...     print(str(err).split(";")[0])
        estimator name 'binning' is taken by infoplane.estimators.binning.BinningEstimator
    """
    if not (isinstance(cls, type) and issubclass(cls, BaseEstimator)):
        raise InfoplaneError(
            f"register() takes a subclass of infoplane.estimators.BaseEstimator; got {cls!r}."
        )
    name = cls.name
    if not isinstance(name, str) or not name or name == BaseEstimator.name:
        raise InfoplaneError(
            f"{cls.__name__} needs a class attribute name, a non-empty string (its registry "
            f"key); got {name!r}."
        )
    other = _REGISTRY.get(name)
    if other is not None and other is not cls:
        raise InfoplaneError(
            f"estimator name {name!r} is taken by {other.__module__}.{other.__qualname__}; give "
            f"{cls.__module__}.{cls.__qualname__} another name."
        )
    _REGISTRY[name] = cls
    return cls


def _load() -> None:
    global _loaded
    if not _loaded:
        for module in _ESTIMATOR_MODULES:
            importlib.import_module(module)
        _loaded = True


def available_estimators() -> list[str]:
    """Return the sorted registry names of all estimators.

    Returns:
        The names accepted by :func:`make_estimator`, configs and ``infoplane ... -e NAME``, as a
        sorted list of strings (built-in estimators and any registered by imported user code).

    Raises:
        ImportError: if an estimator module cannot be imported (a broken installation);
            nothing otherwise.

    Shapes: none (a list of names). Units: none (names, no numbers).

    Notes:
        The first call imports every estimator module (about 0.1 s; torch is imported only when
        an estimator that needs it runs); later calls are free. The list is sorted, so command-line help and tests
        parametrised over it are stable. An estimator listed here is one the conformance suite
        (``tests/test_estimator_conformance.py``) checks: bounds, units, order invariance, errors.

    References:
        1. Czyz, P., Grabowski, F., Vogt, J. E., Beerenwinkel, N., Marx, A. (2023). Beyond Normal:
           On the Evaluation of Mutual Information Estimators. NeurIPS. arXiv 2306.11078 (the
           ``bmi`` package: estimators by name, parameters stored with every result).
        2. Buitinck, L. et al. (2013). API design for machine learning software: experiences from
           the scikit-learn project. ECML PKDD Workshop. arXiv 1309.0238 (hyper-parameters only
           in the constructor, ``get_params``, one check suite over all estimators).

    Example:
        >>> names = available_estimators()
        >>> {"binning", "kde_upper", "ksg"} <= set(names), names == sorted(names)
        (True, True)
    """
    _load()
    return sorted(_REGISTRY)


def estimator_class(name: str) -> type[BaseEstimator]:
    """Return the estimator class registered as ``name``.

    The class's ``Params`` attribute is its pydantic parameter model (see :func:`parameter_model`).

    Args:
        name: a registry name, e.g. ``"kde_upper"`` (exact, case-sensitive).

    Returns:
        The class, a subclass of :class:`~infoplane.estimators.base.BaseEstimator` (not an
        instance: see :func:`make_estimator`).

    Raises:
        InfoplaneError: if no estimator has that name (the message lists the known names).

    Shapes: none (a class). Units: the class's estimates are in its ``unit`` parameter (bits by
    default).

    Notes:
        Names are matched exactly (no case folding, no aliases, no prefix matching), so a typo is
        an error, never another estimator. Class attributes describe the estimator without
        building it: ``Params``, ``plane_defines_i_xt`` (False where I(X;T) is NaN by design) and
        ``bootstrap_resample``.

    References:
        1. Czyz, P., Grabowski, F., Vogt, J. E., Beerenwinkel, N., Marx, A. (2023). Beyond Normal:
           On the Evaluation of Mutual Information Estimators. NeurIPS. arXiv 2306.11078 (the
           ``bmi`` package: estimators by name, parameters stored with every result).
        2. Buitinck, L. et al. (2013). API design for machine learning software: experiences from
           the scikit-learn project. ECML PKDD Workshop. arXiv 1309.0238 (hyper-parameters only
           in the constructor, ``get_params``, one check suite over all estimators).

    Example:
        >>> cls = estimator_class("binning")
        >>> cls.__name__, cls.name, cls.Params.__name__
        ('BinningEstimator', 'binning', 'Params')
        >>> try:
        ...     estimator_class("Binning")
        ... except InfoplaneError as err:
        ...     print(str(err)[:38])
        unknown estimator 'Binning'; choose on
    """
    _load()
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        known = ", ".join(sorted(_REGISTRY))
        raise InfoplaneError(f"unknown estimator {name!r}; choose one of: {known}.") from None


def parameter_model(name: str) -> type[EstimatorParams]:
    """Return the pydantic model of the hyper-parameters of estimator ``name``.

    The model is frozen and forbids unknown fields; its field defaults are the estimator's defaults.
    Validate a config's ``params`` mapping with :func:`estimator_params` to get clear errors.

    Args:
        name: a registry name (see :func:`available_estimators`).

    Returns:
        ``estimator_class(name).Params``, a subclass of
        :class:`~infoplane.estimators.base.EstimatorParams` (the class, not an instance).

    Raises:
        InfoplaneError: for an unknown name (the message lists the known names).

    Shapes: none (a model class). Units: every model has the field ``unit`` (``"bits"`` by
    default), the unit of the estimator's values; other fields state their own (e.g. a bin width
    in the units of the activations).

    Notes:
        The model is the only place an estimator's defaults and constraints are stated: the
        class, its function forms, configs and the CLI all read them from here, so they cannot
        disagree. ``model_fields`` lists the parameters with their defaults and descriptions, and
        ``model_json_schema()`` gives a JSON schema for editors and config validation. Some
        constraints involve two fields (``n_bins`` and ``bin_width`` of ``binning`` are mutually
        exclusive) and are checked when an instance is built, not visible per field.

    References:
        1. Czyz, P., Grabowski, F., Vogt, J. E., Beerenwinkel, N., Marx, A. (2023). Beyond Normal:
           On the Evaluation of Mutual Information Estimators. NeurIPS. arXiv 2306.11078 (the
           ``bmi`` package: estimators by name, parameters stored with every result).
        2. Buitinck, L. et al. (2013). API design for machine learning software: experiences from
           the scikit-learn project. ECML PKDD Workshop. arXiv 1309.0238 (hyper-parameters only
           in the constructor, ``get_params``, one check suite over all estimators).

    Example:
        >>> model = parameter_model("binning")
        >>> model.model_fields["unit"].default, model.model_fields["n_bins"].default
        ('bits', 30)
        >>> "bin_width" in model.model_json_schema()["properties"]
        True
    """
    return estimator_class(name).Params


def estimator_params(name: str, params: Mapping[str, Any] | EstimatorParams | None = None) -> Any:
    """Validate hyper-parameters of estimator ``name`` into its typed, frozen ``Params`` object.

    Args:
        name: a registry name.
        params: a mapping such as a config's ``params`` (JSON/YAML values: lists for tuples), an
            existing ``Params`` instance (returned as is), or ``None`` (default) for the
            defaults.

    Returns:
        An instance of ``parameter_model(name)``; ``make_estimator(name, p)`` builds the estimator
        from it and ``p.model_dump(mode="json")`` gives the dict back.

    Raises:
        InfoplaneError: for an unknown name, an unknown parameter (the message lists the valid
            ones) or an invalid value (the message names the estimator, the parameter and what is
            allowed).

    Shapes: none (a parameter object). Units: the ``unit`` field (``"bits"`` unless given) is
    the unit of the estimator's values; ``p.unit`` says which.

    Notes:
        pydantic's lax mode turns JSON/YAML values into the declared types (a list into a tuple,
        ``"3"`` into 3), so a config read from YAML validates to the same object as the Python
        keywords; booleans are refused where numbers are expected, and NaN/Inf where finite
        floats are. Validating here, before a run starts, means a bad parameter fails in
        milliseconds instead of after training. ``p.model_dump(mode="json")`` is what every
        :class:`~infoplane.interface.MIResult` stores as ``params``, so a result can be rebuilt.

    References:
        1. Czyz, P., Grabowski, F., Vogt, J. E., Beerenwinkel, N., Marx, A. (2023). Beyond Normal:
           On the Evaluation of Mutual Information Estimators. NeurIPS. arXiv 2306.11078 (the
           ``bmi`` package: estimators by name, parameters stored with every result).
        2. Buitinck, L. et al. (2013). API design for machine learning software: experiences from
           the scikit-learn project. ECML PKDD Workshop. arXiv 1309.0238 (hyper-parameters only
           in the constructor, ``get_params``, one check suite over all estimators).

    Example:
        >>> p = estimator_params("binning", {"bin_width": 0.07, "range": [0, 1]})
        >>> p.n_bins is None, p.bin_width, p.range, p.unit
        (True, 0.07, (0.0, 1.0), 'bits')
        >>> try:
        ...     estimator_params("binning", {"nbins": 3})
        ... except InfoplaneError as err:
        ...     print(str(err)[:46])
        estimator 'binning' has no parameter(s) nbins;
    """
    cls = estimator_class(name)
    return validate_params(cls, dict(params) if isinstance(params, Mapping) else params)


def make_estimator(name: str, params: Any = None, /, **kwargs: Any) -> BaseEstimator:
    """Build the estimator registered as ``name``.

    Args:
        name: a registry name (see :func:`available_estimators`).
        params: optional typed parameters (a ``parameter_model(name)`` instance, e.g. from
            :func:`estimator_params`) or a dict, instead of keywords (default ``None``).
        **kwargs: hyper-parameters as keywords, e.g. ``n_bins=30``.

    Returns:
        The estimator; ``est.estimate(x, y)`` takes ``x`` of shape (n_samples, d_x) or
        (n_samples,) and ``y`` of shape (n_samples, d_y) or (n_samples,), and
        ``est.information_plane(t, labels)`` takes ``t`` of shape (..., n_samples, n_units); both
        return values in ``est.unit`` (bits by default).

    Raises:
        InfoplaneError: for an unknown name, an unknown parameter (the message lists valid ones),
            an invalid value, or both ``params`` and keywords.

    Notes:
        Hyper-parameters are fixed here and validated once; ``estimate`` and
        ``information_plane`` take only data, so one estimator object gives comparable values
        across layers and epochs. Every result carries the estimator's name and parameters
        (``MIResult.estimator``, ``MIResult.params``), so ``make_estimator(r.estimator,
        r.params)`` rebuilds the estimator that produced ``r``. Estimators differ in bias, and
        some (``binning``) depend strongly on their parameters: compare values only between
        equal names and parameters.

    References:
        1. Czyz, P., Grabowski, F., Vogt, J. E., Beerenwinkel, N., Marx, A. (2023). Beyond Normal:
           On the Evaluation of Mutual Information Estimators. NeurIPS. arXiv 2306.11078 (the
           ``bmi`` package: estimators by name, parameters stored with every result).
        2. Buitinck, L. et al. (2013). API design for machine learning software: experiences from
           the scikit-learn project. ECML PKDD Workshop. arXiv 1309.0238 (hyper-parameters only
           in the constructor, ``get_params``, one check suite over all estimators).

    Example:
        >>> est = make_estimator("binning", n_bins=2, range=(0, 1))
        >>> r = est.estimate([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])
        >>> r.value, r.unit, r.params["n_bins"]
        (1.0, 'bits', 2)
        >>> make_estimator(r.estimator, r.params).get_params() == r.params  # rebuilt from a result
        True
        >>> make_estimator("binning", estimator_params("binning", {"n_bins": 10})).n_bins
        10
    """
    return estimator_class(name)(params, **kwargs)
