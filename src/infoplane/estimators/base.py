"""The one estimator contract: typed parameters, validation, units and results, implemented once.

Every estimator derives from :class:`BaseEstimator` and supplies only

- ``Params``: a pydantic model (frozen, ``extra="forbid"``) that declares each hyper-parameter with
  its type, constraint, default and a one-line description -- the only place a default is stated;
- ``_mi_nats(x, y) -> float``: I(X;Y) in nats on validated 2-D arrays (n, d_x), (n, d_y);
- optionally ``_plane_nats(t, labels, x) -> (i_xt, i_ty)``: both coordinates in nats for a batch
  ``t`` of shape (B, n, d), vectorised over B (the default calls ``_mi_nats`` per element).

:class:`BaseEstimator` then implements ``estimate`` and ``information_plane`` (validation, batching
over the leading axes, the non-negativity clip and its flag, unit conversion, the
:class:`~infoplane.interface.MIResult`), ``get_params`` and the error messages, once for all.
:func:`function_forms` generates each estimator's function forms (``<name>_mutual_information``,
``<name>_information_plane``) from the class, with docstrings derived from it.

Design after ``cbg-ethz/bmi`` (Czyz et al. 2023, "Beyond Normal: On the Evaluation of Mutual
Information Estimators", NeurIPS, arXiv 2306.11078: one small protocol, parameters validated into a
serialisable model stored with every result), scikit-learn (parameters declared once and checked by
one suite) and torchmetrics (one private core shared by the class and the function).
"""

from __future__ import annotations

import inspect
import math
import textwrap
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from infoplane._validation import as_samples, check_same_length
from infoplane.estimators._common import plane_inputs
from infoplane.interface import InfoplaneError, InfoplaneRuntimeError, MIResult, convert

#: a raw estimate below -NEG_TOL nats is flagged "clipped_negative" (smaller ones are round-off)
NEG_TOL = 1e-12


def _plain_number(value: Any) -> Any:
    """Refuse booleans where numbers are expected and unwrap numpy scalars."""
    if isinstance(value, (bool, np.bool_)):
        raise ValueError("must be a number, not a boolean")
    if isinstance(value, np.generic):
        return value.item()
    return value


#: an integer parameter (``True`` is refused, numpy integers accepted)
Int = Annotated[int, BeforeValidator(_plain_number)]
#: a finite float parameter (NaN and Inf refused)
Float = Annotated[float, Field(allow_inf_nan=False), BeforeValidator(_plain_number)]


class EstimatorParams(BaseModel):
    """Hyper-parameters common to every estimator; each estimator's ``Params`` extends it.

    Frozen (an estimator never changes its parameters) and strict about names
    (``extra="forbid"``: a misspelt parameter is an error, not ignored).

    Attributes:
        unit: ``"bits"`` (default) or ``"nats"``: the unit of every value the estimator returns.

    Shapes: none (scalar settings, no arrays).

    Units: ``unit`` names the unit of the estimator's values; a subclass's field that has a unit
    of its own (a bin width, a kernel width) is in the units of the data, and says so in its
    ``description``.

    Raises:
        pydantic.ValidationError: when built directly with an unknown field or an invalid value,
            or when a field is assigned (frozen). Build parameters through
            :func:`~infoplane.estimators.estimator_params` or
            :func:`~infoplane.estimators.make_estimator` to get an
            :class:`~infoplane.interface.InfoplaneError` that names the estimator, the parameter
            and what is allowed.

    Notes:
        A subclass declares each hyper-parameter once -- type, constraint, default and a one-line
        ``description`` -- and that declaration is the only place a default is stated: the
        estimator's ``__init__``, its generated function forms and docstrings, configs and the
        CLI all read it. Use the module's ``Int`` and ``Float`` types, which refuse booleans and
        NaN/Inf. Because the model is frozen, the ``params`` stored with every
        :class:`~infoplane.interface.MIResult` describe exactly the computation that produced it.

    References:
        1. Czyz, P., Grabowski, F., Vogt, J. E., Beerenwinkel, N., Marx, A. (2023). Beyond Normal:
           On the Evaluation of Mutual Information Estimators. NeurIPS. arXiv 2306.11078
           (parameters validated into a serialisable model stored with every result).
        2. Buitinck, L. et al. (2013). API design for machine learning software: experiences from
           the scikit-learn project. arXiv 1309.0238 (hyper-parameters declared once, checked by
           one suite).

    Example:
        >>> class Params(EstimatorParams):
        ...     n_neighbors: Int = Field(3, ge=1, description="number of neighbours k")
        >>> Params(n_neighbors=5).model_dump()
        {'unit': 'bits', 'n_neighbors': 5}
        >>> try:
        ...     Params(n_neighbours=5)  # misspelt: refused, not ignored
        ... except ValidationError as err:
        ...     print(err.errors()[0]["type"])
        extra_forbidden
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    unit: Literal["bits", "nats"] = Field(
        "bits", description='``"bits"`` or ``"nats"``: the unit of every value returned'
    )


def _format_validation_error(
    estimator: str, params_cls: type[BaseModel], exc: ValidationError
) -> str:
    """One message naming the estimator, each bad parameter, the value given and what is allowed."""
    fields = list(params_cls.model_fields)
    unknown = sorted(
        str(e["loc"][0]) for e in exc.errors() if e["type"] == "extra_forbidden" and e["loc"]
    )
    if unknown:
        return (
            f"estimator {estimator!r} has no parameter(s) {', '.join(unknown)}; valid parameters: "
            f"{', '.join(fields)}."
        )
    by_field: dict[str, list[str]] = {}
    given: dict[str, Any] = {}
    for err in exc.errors():
        key = str(err["loc"][0]) if err["loc"] else "parameters"
        msg = err["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
        msg = msg.rstrip(".")
        if msg not in by_field.setdefault(key, []):
            by_field[key].append(msg)
        given.setdefault(key, err.get("input"))
    parts = []
    for key, msgs in by_field.items():
        if key == "parameters":
            parts.append("; ".join(msgs))
        else:
            parts.append(f"{key}={given[key]!r} is invalid ({' or '.join(msgs)})")
    return f"estimator {estimator!r}: {'; '.join(parts)}."


def validate_params(cls: type[BaseEstimator], params: Any = None, /, **kwargs: Any) -> Any:
    """Return ``cls.Params`` built from a ``Params`` instance, a mapping or keyword arguments.

    Args:
        cls: an estimator class.
        params: a ``cls.Params`` instance, a dict, or ``None``.
        **kwargs: parameters as keywords (not together with ``params``).

    Returns:
        A frozen ``cls.Params`` instance.

    Raises:
        InfoplaneError: naming the estimator, each invalid or unknown parameter and what is allowed.

    Notes:
        pydantic's lax mode converts JSON/YAML values (lists to tuples, ``"3"`` to 3); booleans are
        refused where numbers are expected, and NaN/Inf where finite floats are.

    References:
        pydantic v2 documentation, "Models" and "Validation errors".

    Example:
        >>> from infoplane.estimators.binning import BinningEstimator
        >>> validate_params(BinningEstimator, {"range": [0, 1]}).range
        (0.0, 1.0)
    """
    model = cls.Params
    if params is not None:
        if kwargs:
            raise InfoplaneError(
                f"estimator {cls.name!r}: pass either a {cls.__name__}.Params instance or keyword "
                f"parameters, not both (got both and {', '.join(sorted(kwargs))})."
            )
        if isinstance(params, model):
            return params
        if isinstance(params, EstimatorParams):
            raise InfoplaneError(
                f"estimator {cls.name!r} takes {cls.__name__}.Params; got "
                f"{type(params).__qualname__}."
            )
        if not isinstance(params, dict):
            raise InfoplaneError(
                f"estimator {cls.name!r}: parameters must be keywords, a dict or a "
                f"{cls.__name__}.Params; got {type(params).__name__}."
            )
        kwargs = dict(params)
    try:
        return model(**kwargs)
    except ValidationError as exc:
        raise InfoplaneError(_format_validation_error(cls.name, model, exc)) from None
    except TypeError as exc:  # a non-string key
        raise InfoplaneError(f"estimator {cls.name!r}: {exc}") from None


def _describe_params(model: type[BaseModel], indent: str) -> str:
    """Google-style Args lines for a Params model: ``name: description (default ...)``."""
    lines = []
    for key, info in model.model_fields.items():
        desc = (info.description or "").rstrip(".")
        default = info.default
        shown = f'"{default}"' if isinstance(default, str) else repr(default)
        text = f"{key}: {desc} (default {shown})."
        lines.append(
            textwrap.fill(text, width=96, initial_indent=indent, subsequent_indent=indent + "    ")
        )
    return "\n".join(lines)


def _section(doc: str | None, title: str) -> str:
    """The body of a Google-style section (``title:`` and its indented lines) of a docstring."""
    if not doc:
        return ""
    lines = inspect.cleandoc(doc).splitlines()
    out: list[str] = []
    inside = False
    for line in lines:
        if line.strip() == f"{title}:":
            inside = True
            continue
        if inside:
            if line and not line.startswith(" "):
                break
            out.append(line)
    return textwrap.dedent("\n".join(out)).strip()


_RETURNS_DOC = """Returns:
        ``estimate``: an :class:`~infoplane.interface.MIResult` in ``unit``, never negative.
        ``information_plane``: (i_xt, i_ty), arrays of shape ``t.shape[:-2]`` in ``unit``."""


class BaseEstimator:
    """Shared machinery of every mutual-information estimator (the contract, implemented once).

    Subclasses set ``name``, declare ``Params`` (a subclass of :class:`EstimatorParams`) and
    implement ``_mi_nats``; they may implement ``_plane_nats`` with a vectorised plane.

    Args:
        params: an instance of the class's ``Params`` model (or a dict of parameters), as an
            alternative to keywords.
        **kwargs: the hyper-parameters as keywords; see the class's ``Params``.

    Returns:
        ``estimate`` -> :class:`~infoplane.interface.MIResult` in ``unit``;
        ``information_plane`` -> two arrays of shape ``t.shape[:-2]`` in ``unit``.

    Raises:
        InfoplaneError: for an unknown parameter, an invalid value (the message names the estimator,
            the parameter and what is allowed), or both ``params`` and keywords.

    Notes:
        Values are clipped at 0 (a negative raw value is flagged ``"clipped_negative"``) and never
        NaN or Inf: a numerical failure raises :class:`~infoplane.interface.InfoplaneRuntimeError`.

    References:
        Czyz, P. et al. (2023). Beyond Normal: On the Evaluation of Mutual Information
        Estimators. NeurIPS. arXiv 2306.11078 (the contract of ``cbg-ethz/bmi``).

    Example:
        >>> from infoplane.estimators import make_estimator
        >>> est = make_estimator("binning", n_bins=2, range=(0, 1))
        >>> r = est.estimate([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])
        >>> r.value, r.unit, r.flags
        (1.0, 'bits', ())
    """

    name: ClassVar[str] = "base"
    #: the pydantic model of the hyper-parameters (defaults are stated there, once)
    Params: ClassVar[type[EstimatorParams]] = EstimatorParams
    #: resampling scheme :func:`~infoplane.estimators.bootstrap.bootstrap_estimate` uses by default
    bootstrap_resample: ClassVar[str] = "bootstrap"
    #: whether ``information_plane`` accepts inputs ``x`` with repeated rows
    plane_accepts_x: ClassVar[bool] = True
    #: False where I(X;T) on the plane is NaN by design (variational bounds, see their docs)
    plane_defines_i_xt: ClassVar[bool] = True
    #: parameters the generated docstring examples use (fast settings)
    example_params: ClassVar[dict[str, Any]] = {}
    #: the line of the generated ``mutual_information`` example that makes its ``x``
    example_x: ClassVar[str] = "x = np.tanh(rng.standard_normal((64, 1)))"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        doc = cls.__doc__ or ""
        if "{params}" in doc:
            doc = doc.replace("{params}", _describe_params(cls.Params, " " * 8).lstrip())
        cls.__doc__ = doc.replace("{returns}", _RETURNS_DOC)

    def __init__(self, params: EstimatorParams | dict[str, Any] | None = None, /, **kwargs: Any):
        self._params = validate_params(type(self), params, **kwargs)

    # -- parameters --------------------------------------------------------------------------------
    @property
    def params(self) -> EstimatorParams:
        """The validated, frozen hyper-parameters (an instance of ``type(self).Params``)."""
        return self._params

    def __getattr__(self, key: str) -> Any:
        params = self.__dict__.get("_params")
        if params is not None and key in type(params).model_fields:
            return getattr(params, key)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {key!r}")

    @classmethod
    def param_names(cls) -> list[str]:
        """Names of the hyper-parameters (the fields of ``cls.Params``)."""
        return list(cls.Params.model_fields)

    def get_params(self) -> dict[str, Any]:
        """Return the hyper-parameters as a JSON-serialisable dict (tuples become lists)."""
        return self._params.model_dump(mode="json")

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # -- the core each estimator implements (nats) --------------------------------------------------
    def _mi_nats(self, x: np.ndarray, y: np.ndarray) -> float | tuple[float, tuple[str, ...]]:
        """I(X;Y) in nats for validated arrays x (n, d_x), y (n, d_y); may be negative.

        May return ``(value, flags)`` to add reasons of its own (keys of
        :data:`infoplane.interface.FLAGS`); ``"clipped_negative"`` is added by the base.
        """
        raise NotImplementedError

    def _plane_nats(
        self, t: np.ndarray, labels: np.ndarray, x: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(I(X;T), I(T;Y)) in nats, each (B,), for t (B, n, d), labels (n,), x (n, d_x) or None.

        Default: ``_mi_nats`` per representation, X the sample index when ``x`` is None.
        """
        x_arr = np.arange(t.shape[1])[:, None] if x is None else x
        lab = labels[:, None]
        i_xt = np.array([self._mi_nats(x_arr, tk) for tk in t], dtype=np.float64)
        i_ty = np.array([self._mi_nats(tk, lab) for tk in t], dtype=np.float64)
        return i_xt, i_ty

    def _not_finite(self, what: str) -> InfoplaneRuntimeError:
        return InfoplaneRuntimeError(
            f"estimator {self.name!r} produced a NaN or infinite {what} on finite input; this is a "
            f"numerical failure, not a value. Parameters: {self.get_params()}. Try other parameters "
            "(e.g. a smaller learning_rate, dtype='float64'), or report it with the data's shape "
            "and scale."
        )

    # -- the contract, implemented once -------------------------------------------------------------
    def estimate(self, x: Any, y: Any) -> MIResult:
        """Estimate I(X;Y) from paired samples.

        Args:
            x: array of shape (n_samples,) or (n_samples, d_x). Integer or boolean arrays are
                treated as discrete symbols by estimators that distinguish them.
            y: array of shape (n_samples,) or (n_samples, d_y).

        Returns:
            An :class:`~infoplane.interface.MIResult` with the value in ``self.unit`` (bits by
            default), never negative: a negative raw value is clipped to 0 and flagged
            ``"clipped_negative"``.

        Raises:
            InfoplaneError: on NaN/Inf, complex, object or string arrays, mismatched n_samples,
                fewer than 2 samples, or a >2-D array.
            InfoplaneRuntimeError: if the computation produced NaN or Inf.
        """
        x2 = as_samples(x, "x")
        y2 = as_samples(y, "y")
        check_same_length(x2, y2, "x", "y")
        out = self._mi_nats(x2, y2)
        raw, flags = (float(out[0]), tuple(out[1])) if isinstance(out, tuple) else (float(out), ())
        if not math.isfinite(raw):
            raise self._not_finite("estimate")
        if raw < -NEG_TOL:
            flags = ("clipped_negative", *flags)
        return MIResult(
            value=float(convert(max(raw, 0.0), self.unit)),
            unit=self.unit,
            estimator=self.name,
            params=self.get_params(),
            n_samples=int(x2.shape[0]),
            flags=flags,
        )

    def information_plane(
        self, t: Any, labels: Any, *, x: Any = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return (I(X;T), I(T;Y)) in ``self.unit`` for each representation in a batch.

        Args:
            t: activations of shape (..., n_samples, n_units); leading axes (e.g. repetition, epoch)
                are batch axes.
            labels: integer class labels of shape (n_samples,).
            x: inputs of shape (n_samples, d_x) or (n_samples,), equal rows being one input.
                Default ``None``: each sample is a distinct, equally likely input (the 12-bit task
                evaluated on all 4096 patterns). Estimators with ``plane_accepts_x = False`` take
                only ``None``.

        Returns:
            Two float arrays of shape ``t.shape[:-2]`` in ``self.unit``, clipped at 0. I(X;T) is
            NaN for estimators with ``plane_defines_i_xt = False`` (documented there).

        Raises:
            InfoplaneError: on NaN/Inf or non-real ``t``, labels that are not integer class indices
                (float probabilities, one-hot rows), a label count that differs from n_samples,
                fewer than 2 samples, or ``x`` where it is not supported.
            InfoplaneRuntimeError: if the computation produced NaN or Inf.
        """
        flat, lab, batch = plane_inputs(t, labels)
        if x is not None:
            if not self.plane_accepts_x:
                raise InfoplaneError(
                    f"estimator {self.name!r}: information_plane supports only x=None (every "
                    "sample a distinct input); for repeated inputs call estimate(x, t) per "
                    "representation."
                )
            x = as_samples(x, "x")
            check_same_length(x, flat[0], "x", "t")
        i_xt, i_ty = self._plane_nats(flat, lab, x)
        i_ty = np.asarray(i_ty, dtype=np.float64)
        if not np.isfinite(i_ty).all():
            raise self._not_finite("I(T;Y)")
        if self.plane_defines_i_xt:
            i_xt = np.asarray(i_xt, dtype=np.float64)
            if not np.isfinite(i_xt).all():
                raise self._not_finite("I(X;T)")
        else:
            i_xt = np.full(len(flat), np.nan)
        return (
            convert(np.maximum(i_xt, 0.0).reshape(batch), self.unit),
            convert(np.maximum(i_ty, 0.0).reshape(batch), self.unit),
        )


# -- function forms, generated the same way for every estimator ---------------------------------------
_MI_TEMPLATE = """{summary}

Function form of :class:`{cls}`: ``{cls}(**params).estimate(x, y).value``. The parameters, their
types and defaults are those of ``{cls}.Params`` (stated once there).

Args:
    x: samples of shape (n_samples,) or (n_samples, d_x); integer or boolean arrays are discrete
        symbols.
    y: paired samples of shape (n_samples,) or (n_samples, d_y).
{params}

Returns:
    The estimate of I(X;Y) as a float in ``unit`` (bits by default), clipped at 0. For the
    :class:`~infoplane.interface.MIResult` with ``params`` and ``flags`` call
    ``{cls}(**params).estimate(x, y)``.

Raises:
    InfoplaneError: on bad input (NaN/Inf, complex or object arrays, mismatched n_samples, fewer than
        2 samples, >2-D arrays) or an unknown or invalid parameter.
    InfoplaneRuntimeError: if the computation produced NaN or Inf.

Notes:
    Bias and caveats: see :class:`{cls}`.

References:
{references}

Example:
    >>> import numpy as np
    >>> from {module} import {cls}, {func}
    >>> rng = np.random.default_rng(0)
    >>> {example_x}
    >>> y = np.tanh(x + 0.5 * rng.standard_normal((64, 1)))
    >>> value = {func}(x, y{example})
    >>> value >= 0 and value == {cls}({example_kw}).estimate(x, y).value
    True
"""

_PLANE_TEMPLATE = """{summary}

Function form of :class:`{cls}`: ``{cls}(**params).information_plane(t, labels, x=x)``. The
parameters, their types and defaults are those of ``{cls}.Params`` (stated once there).

Args:
    t: activations of shape (..., n_samples, n_units); leading axes (repetition, epoch) are batch
        axes.
    labels: integer class labels of shape (n_samples,).
    x: inputs (n_samples, d_x) with repeated rows, or ``None`` (default: every sample a distinct
        input).
{params}

Returns:
    (i_xt, i_ty): two float arrays of shape ``t.shape[:-2]`` in ``unit`` (bits by default),
    clipped at 0.

Raises:
    InfoplaneError: on bad input (NaN/Inf or non-real ``t``, labels that are not integer class
        indices or whose count differs from n_samples) or an unknown or invalid parameter.
    InfoplaneRuntimeError: if the computation produced NaN or Inf.

Notes:
    What I(X;T) measures for a deterministic network, bias and caveats: see :class:`{cls}`.

References:
{references}

Example:
    >>> import numpy as np
    >>> from {module} import {func}
    >>> t = np.tanh(np.random.default_rng(0).standard_normal((2, 64, 3)))
    >>> i_xt, i_ty = {func}(t, np.arange(64) % 2{example})
    >>> i_xt.shape, i_ty.shape
    ((2,), (2,))
"""


def function_forms(
    cls: type[BaseEstimator], prefix: str | None = None
) -> tuple[Callable[..., float], Callable[..., tuple[np.ndarray, np.ndarray]]]:
    """Generate ``<prefix>_mutual_information`` and ``<prefix>_information_plane`` for ``cls``.

    Both build ``cls(**params)`` and call its ``estimate`` / ``information_plane``; no default is
    restated. Their docstrings (shapes, units, errors, references, a doctest) and signatures are
    derived from the class and its ``Params``.

    Args:
        cls: a registered estimator class.
        prefix: the functions' name prefix (default ``cls.name``).

    Returns:
        (mutual_information, information_plane), with ``__module__`` set to the class's module.

    Raises:
        Nothing at generation; the functions raise what the class raises.

    Notes:
        The generated docstrings carry doctests; register the functions in the module's
        ``__test__`` so that ``pytest --doctest-modules`` runs them.

    References:
        torchmetrics' functional/class split (one private core for both).

    Example:
        >>> from infoplane.estimators.binning import BinningEstimator
        >>> mi, plane = function_forms(BinningEstimator)
        >>> mi.__name__, plane.__name__
        ('binning_mutual_information', 'binning_information_plane')
    """
    prefix = prefix or cls.name

    def mutual_information(x: Any, y: Any, /, **params: Any) -> float:
        return cls(**params).estimate(x, y).value

    def information_plane(
        t: Any, labels: Any, /, *, x: Any = None, **params: Any
    ) -> tuple[np.ndarray, np.ndarray]:
        return cls(**params).information_plane(t, labels, x=x)

    summary = inspect.cleandoc(cls.__doc__ or cls.name).splitlines()[0]
    refs = textwrap.indent(_section(cls.__doc__, "References") or "See the class.", "    ")
    example = "".join(f", {k}={v!r}" for k, v in cls.example_params.items())
    fields = {
        "cls": cls.__name__,
        "module": cls.__module__,
        "params": _describe_params(cls.Params, "    "),
        "references": refs,
        "example": example,
        "example_kw": example.removeprefix(", "),
        "example_x": cls.example_x,
    }
    keyword = [
        inspect.Parameter(k, inspect.Parameter.KEYWORD_ONLY, default=info.default)
        for k, info in cls.Params.model_fields.items()
    ]
    pos = inspect.Parameter.POSITIONAL_ONLY
    for func, suffix, template, head in (
        (mutual_information, "mutual_information", _MI_TEMPLATE, ("x", "y")),
        (information_plane, "information_plane", _PLANE_TEMPLATE, ("t", "labels")),
    ):
        name = f"{prefix}_{suffix}"
        func.__name__ = func.__qualname__ = name
        func.__module__ = cls.__module__
        what = "I(X;Y)" if suffix == "mutual_information" else "(I(X;T), I(T;Y))"
        func.__doc__ = template.format(
            summary=f"{what} in ``unit`` with :class:`{cls.__name__}`: {summary}",
            func=name,
            **fields,
        )
        extra = (
            [inspect.Parameter("x", inspect.Parameter.KEYWORD_ONLY, default=None)]
            if suffix == "information_plane"
            else []
        )
        func.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [inspect.Parameter(h, pos) for h in head] + extra + keyword
        )
    return mutual_information, information_plane


__all__ = ["BaseEstimator", "EstimatorParams", "Float", "Int", "function_forms", "validate_params"]
