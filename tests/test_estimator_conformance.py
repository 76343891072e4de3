"""One conformance suite run over every registered estimator (``available_estimators()``).

Each estimator must: refuse bad input and bad parameters with an ``InfoplaneError`` that names the
argument; never return NaN or Inf (except the documented NaN I(X;T) of the variational bounds);
respect the bounds that hold for it; be invariant to the order of the samples; convert units
exactly; be reproducible with a seed; and keep working on extreme but valid magnitudes. The
property tests run a bounded hypothesis budget by default and a larger one with ``--runslow``.
"""

from __future__ import annotations

import importlib
import inspect
import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from infoplane.estimators import (
    BaseEstimator,
    EstimatorParams,
    available_estimators,
    estimator_class,
    estimator_params,
    make_estimator,
    parameter_model,
)
from infoplane.interface import InfoplaneError, MIEstimator, MIResult

# values outside binning's default range [-1, 1] get extra bins and a warning: expected here
pytestmark = pytest.mark.filterwarnings("ignore::infoplane.estimators.binning.BinningRangeWarning")

ALL = available_estimators()
VARIATIONAL = ("infonce", "mine", "nwj", "smile")
#: fast settings for the conformance checks (the variational critics train for a few steps only)
FAST: dict[str, dict] = {name: {"n_steps": 10, "hidden": 8} for name in VARIATIONAL}
#: settings under which the plane is a deterministic function of the sample set (no subsampling,
#: no noise draws tied to sample positions), so reordering the samples changes nothing
EXACT: dict[str, dict] = {
    "binning": {},
    "binning_adaptive": {},
    "edge": {},
    "kde_upper": {"n_eval": None, "dtype": "float64"},
    "kde_lower": {"n_eval": None, "dtype": "float64"},
    "renyi": {"n_samples_max": None},
}
#: plug-in estimators: I(X;T) = H(T_b) of n samples, so at most log2 n
PLUGIN = ("binning", "binning_adaptive", "edge")
#: I(T;Y) <= H(Y) holds exactly for: the plug-in estimators (the plug-in MI with a discrete variable
#: is at most its plug-in entropy); the noisy-layer estimators kde_* and sample_propagation (each
#: row's term is ln[(sum over its class / n_c) / (sum over all / n)] <= ln(n / n_c), averaged with
#: the class weights: H(Y)); renyi (S(A_T o A_Y) >= S(A_T) and S_alpha(Y) <= H(Y) for alpha >= 1).
#: It is NOT guaranteed for ksg (Ross's digamma terms psi(n) - psi(n_c) exceed ln(n / n_c) by
#: O(1 / n_c)) nor for the variational bounds (Monte Carlo estimates on held-out samples).
TY_BOUNDED = (*PLUGIN, "kde_upper", "kde_lower", "sample_propagation", "gaussian_dropout", "renyi")

#: estimators of I(X; T+Z) for a discrete X: two float arrays are refused (issue 12, section 3)
DISCRETE_X = ("kde_upper", "kde_lower", "sample_propagation", "gaussian_dropout")


def _x_for(name: str, x: np.ndarray) -> np.ndarray:
    """``x`` itself, or the sample index (a discrete X) for the estimators that need one."""
    return np.arange(len(x)) if name in DISCRETE_X else x


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Run torch single-threaded: on a shared 2-core machine OpenMP spinning is 5-10x slower."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _est(name: str, unit: str = "bits", **extra):
    return make_estimator(name, unit=unit, **{**FAST.get(name, {}), **extra})


def _toy(seed: int = 0, n: int = 96) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % 2)
    t = np.tanh(labels[None, :, None] + 0.7 * rng.standard_normal((2, n, 3)))
    return t, labels


def _h_bits(labels: np.ndarray) -> float:
    p = np.bincount(labels) / len(labels)
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


def test_every_estimator_is_listed_and_has_a_parameter_model() -> None:
    assert ALL == sorted(ALL) and len(ALL) == 17
    for name in ALL:
        cls = estimator_class(name)
        assert parameter_model(name) is cls.Params
        assert "unit" in cls.Params.model_fields
        assert isinstance(make_estimator(name), MIEstimator)  # the protocol of interface.py


# -- bad input -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ALL)
def test_bad_inputs_to_estimate_raise_naming_the_argument(name: str) -> None:
    est = _est(name)
    x = np.random.default_rng(0).standard_normal((40, 2))
    nan, inf = x.copy(), x.copy()
    nan[3, 1] = np.nan
    inf[5, 0] = np.inf
    cases = [
        ((nan, x), "x.*NaN"),
        ((x, inf), "y.*Inf"),
        ((x + 1j, x), "x must be a real"),
        ((x, x.astype(complex)), "y must be a real"),
        ((x.astype(object), x), "x must be a numeric"),
        ((x, np.array(["a"] * 40)), "y must be a numeric"),
        ((x, x[:30]), "x has 40 samples but y has 30"),
        ((x[:1], x[:1]), "at least 2"),
        ((x.reshape(40, 1, 2), x), "x must have shape"),
    ]
    for (a, b), match in cases:
        with pytest.raises(InfoplaneError, match=match):
            est.estimate(a, b)


@pytest.mark.parametrize("name", ALL)
def test_bad_inputs_to_the_plane_raise_naming_the_argument(name: str) -> None:
    est = _est(name)
    t, labels = _toy()
    bad = t.copy()
    bad[1, 4, 0] = np.nan
    cases = [
        ((bad, labels), "t contains 1 NaN"),
        ((t.astype(complex), labels), "t must be a real"),
        ((t.astype(object), labels), "t must be a numeric"),
        ((t[0, :, 0], labels), "t must have shape"),
        ((t, labels[:-1]), "labels has 95 entries"),
        ((t, labels * 0.5), "integer class indices"),  # probabilities
        ((t, np.eye(2)[labels]), "class indices of shape"),  # one-hot rows
        ((t, labels.astype(complex)), "labels must be integer"),
        ((t[:, :1], labels[:1]), "at least 2"),
    ]
    for (a, b), match in cases:
        with pytest.raises(InfoplaneError, match=match):
            est.information_plane(a, b)


@pytest.mark.parametrize("name", ALL)
def test_plane_with_repeated_inputs_works_or_is_refused_clearly(name: str) -> None:
    est = _est(name)
    t, labels = _toy()
    x = np.arange(96) // 2  # each input seen twice
    if est.plane_accepts_x:
        i_xt, i_ty = est.information_plane(t, labels, x=x)
        assert np.isfinite(i_xt).all() and np.isfinite(i_ty).all()
        assert (i_xt <= math.log2(48) + 1e-9).all()  # at most H(X) = log2(48 distinct inputs)
    else:
        with pytest.raises(InfoplaneError, match="x=None"):
            est.information_plane(t, labels, x=x)


# -- bad parameters --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ALL)
def test_invalid_parameters_raise_naming_estimator_and_parameter(name: str) -> None:
    with pytest.raises(InfoplaneError, match=rf"estimator '{name}' has no parameter.*valid"):
        make_estimator(name, no_such_parameter=1)
    for key, info in parameter_model(name).model_fields.items():
        with pytest.raises(InfoplaneError, match=rf"estimator '{name}'.*{key}"):
            make_estimator(name, **{key: object()})
        if isinstance(info.default, float):
            for bad in (math.nan, math.inf, True):
                with pytest.raises(InfoplaneError, match=rf"{key}="):
                    make_estimator(name, **{key: bad})
    with pytest.raises(InfoplaneError, match="'bits' or 'nats'"):
        make_estimator(name, unit="shannons")


@pytest.mark.parametrize("name", ALL)
def test_params_are_typed_frozen_serialisable_and_carried_by_results(name: str) -> None:
    cls = estimator_class(name)
    est = _est(name)
    params = est.get_params()
    typed = estimator_params(name, json.loads(json.dumps(params)))
    assert isinstance(typed, cls.Params)
    again = make_estimator(name, typed)
    assert again.get_params() == params and again.params == typed
    with pytest.raises(Exception, match="frozen"):
        typed.unit = "nats"
    with pytest.raises(InfoplaneError, match="not both"):
        make_estimator(name, typed, unit="nats")
    x = np.random.default_rng(1).standard_normal((64, 1))
    y = x**3 + 0.1 * np.random.default_rng(2).standard_normal((64, 1))
    result = est.estimate(_x_for(name, x), y)
    assert isinstance(result, MIResult)
    assert result.params == params and result.estimator == name and result.n_samples == 64
    json.dumps(result.to_dict())


# -- outputs: finite, bounded, unit conversion, seed, sample order ---------------------------------
@pytest.mark.parametrize("name", ALL)
def test_outputs_are_finite_bounded_and_convert_units(name: str) -> None:
    t, labels = _toy()
    n = len(labels)
    bits = _est(name).information_plane(t, labels)
    nats = _est(name, unit="nats").information_plane(t, labels)
    i_xt, i_ty = bits
    assert i_xt.shape == i_ty.shape == (2,)
    assert np.isfinite(i_ty).all() and (i_ty >= 0).all()
    if estimator_class(name).plane_defines_i_xt:
        # finite and at most log2 n for every estimator that defines it: plug-in entropies of n
        # samples, noisy-layer bounds (each row's term <= ln n), ksg and renyi (clipped at log n)
        assert np.isfinite(i_xt).all() and (i_xt >= 0).all()
        assert (i_xt <= math.log2(n) + 1e-9).all()
        np.testing.assert_allclose(nats[0], i_xt * math.log(2), rtol=1e-12)
    else:
        assert name in VARIATIONAL and np.isnan(i_xt).all()  # documented: no variational I(X;T)
    if name in TY_BOUNDED:
        assert (i_ty <= _h_bits(labels) + 1e-9).all()
    np.testing.assert_allclose(nats[1], i_ty * math.log(2), rtol=1e-12, atol=1e-15)
    x, y = t[0], t[1] + 0.1 * t[0]
    for a, b in ((_x_for(name, x), y), (labels, x), (x, labels)):
        r_bits = _est(name).estimate(a, b)
        r_nats = _est(name, unit="nats").estimate(a, b)
        assert math.isfinite(r_bits.value) and r_bits.value >= 0
        assert r_bits.unit == "bits" and r_nats.unit == "nats"
        assert r_nats.value == pytest.approx(r_bits.value * math.log(2), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("name", ALL)
def test_reproducible_with_the_same_parameters(name: str) -> None:
    t, labels = _toy(1)
    first = _est(name, seed=3) if "seed" in parameter_model(name).model_fields else _est(name)
    second = make_estimator(name, first.params)
    np.testing.assert_array_equal(
        np.stack(first.information_plane(t, labels)), np.stack(second.information_plane(t, labels))
    )
    assert first.estimate(t[0], labels).value == second.estimate(t[0], labels).value


@pytest.mark.parametrize("name", ALL)
def test_invariant_to_sample_order(name: str) -> None:
    t, labels = _toy(2)
    perm = np.random.default_rng(7).permutation(len(labels))
    if name in EXACT:
        est = make_estimator(name, **EXACT[name])
        tol = 1e-9
    else:
        # sample positions decide which rows get which noise draw or which samples train the
        # critic: equal up to the estimator's Monte Carlo / held-out error at these settings
        est = _est(name)
        tol = {"ksg": 0.3, "sample_propagation": 0.2}.get(name, 0.25)
    a = np.stack(est.information_plane(t, labels))
    b = np.stack(est.information_plane(t[:, perm], labels[perm]))
    np.testing.assert_allclose(b, a, atol=tol, equal_nan=True)
    x, y = _x_for(name, t[0]), t[1] + t[0]
    e1 = est.estimate(x, y).value
    e2 = est.estimate(x[perm], y[perm]).value
    assert e2 == pytest.approx(e1, abs=tol if name not in ("ksg",) else 1e-9)


# -- property-based, over random small planes --------------------------------------------------------
def _plane_strategy():
    return st.integers(8, 40).flatmap(
        lambda n: st.tuples(
            arrays(
                np.float64,
                st.tuples(st.just(n), st.integers(1, 3)),
                elements=st.floats(-1, 1, allow_nan=False, width=32),
            ),
            arrays(np.int64, n, elements=st.integers(0, 2)),
        )
    )


@pytest.mark.parametrize("name", ALL)
def test_properties_on_random_planes(name: str, request: pytest.FixtureRequest) -> None:
    budget = 100 if request.config.getoption("--runslow") else 10
    est = make_estimator(name, **EXACT.get(name, FAST.get(name, {})))
    cls = estimator_class(name)

    @settings(
        max_examples=budget,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(_plane_strategy(), st.randoms(use_true_random=False))
    def check(data, rnd) -> None:
        t, labels = data
        n = len(labels)
        i_xt, i_ty = est.information_plane(t, labels)
        assert np.isfinite(i_ty) and i_ty >= 0
        if name in TY_BOUNDED:
            assert i_ty <= _h_bits(labels) + 1e-9
        if cls.plane_defines_i_xt:
            assert np.isfinite(i_xt) and 0 <= i_xt <= math.log2(n) + 1e-9
        if name in EXACT:
            perm = np.array(rnd.sample(range(n), n))
            p_xt, p_ty = est.information_plane(t[perm], labels[perm])
            assert p_xt == pytest.approx(i_xt, abs=1e-9)
            assert p_ty == pytest.approx(i_ty, abs=1e-9)

    check()


# -- extreme but valid magnitudes (issue 11, safety) -------------------------------------------------
@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize(
    ("scale", "dtype"), [(1e150, np.float64), (1e-200, np.float64), (1e29, np.float32)]
)
def test_extreme_magnitudes_give_finite_values(name: str, scale: float, dtype: type) -> None:
    t, labels = _toy(3)
    big = (t * scale).astype(dtype)
    est = _est(name)
    if name == "binning" and scale > 1:
        # a fixed grid of width 2/30 cannot index values near 1e150 in 64 bits: a clear refusal
        # (before: int64 overflow gave garbage bin codes, silently)
        for call in (
            lambda: est.information_plane(big, labels),
            lambda: est.estimate(big[0], big[1]),
        ):
            with pytest.raises(InfoplaneError, match="do not fit in 64 bits"):
                call()
        est = _est(name, range="data")
    i_xt, i_ty = est.information_plane(big, labels)
    assert np.isfinite(i_ty).all() and (i_ty >= 0).all()
    if est.plane_defines_i_xt:
        assert np.isfinite(i_xt).all() and (i_xt >= 0).all()
    r = est.estimate(_x_for(name, big[0]), big[1])
    assert math.isfinite(r.value) and r.value >= 0
    if name in DISCRETE_X:
        with pytest.raises(InfoplaneError, match="discrete"):
            est.estimate(big[0], big[1])


@pytest.mark.parametrize("name", ["kde_upper", "kde_lower", "sample_propagation"])
@pytest.mark.parametrize("scale", [1e150, 1e-150])
def test_noisy_layer_is_equivariant_to_scaling_data_and_noise(name: str, scale: float) -> None:
    # Scaling the activations by s and the noise variance by s^2 leaves every kernel value the
    # same: the estimates must not move (before the fix: NaN, from overflowing squared distances).
    t, labels = _toy(4)
    ref = make_estimator(name, n_eval=None, dtype="float64")
    scaled = make_estimator(name, n_eval=None, dtype="float64", noise_variance=1e-3 * scale**2)
    np.testing.assert_allclose(
        np.stack(scaled.information_plane(t * scale, labels)),
        np.stack(ref.information_plane(t, labels)),
        rtol=1e-9,
        atol=1e-9,
    )


@pytest.mark.parametrize("name", ["kde_upper", "kde_lower", "sample_propagation"])
def test_noisy_layer_in_float32_at_1e29(name: str) -> None:
    t, labels = _toy(5)
    ref = make_estimator(name).information_plane(t.astype(np.float32), labels)
    big = make_estimator(name, noise_variance=1e-3 * 1e58).information_plane(
        (t * 1e29).astype(np.float32), labels
    )
    np.testing.assert_allclose(np.stack(big), np.stack(ref), atol=1e-3)


@pytest.mark.parametrize("name", ["ksg", "edge", "renyi", "binning_adaptive"])
@pytest.mark.parametrize("scale", [1e160, 1e-200])
def test_dependence_survives_extreme_scales(name: str, scale: float) -> None:
    # rho = 0.95: 1.68 bits. Before the fix np.std overflowed (1e160) or underflowed (1e-200) and
    # ksg/edge returned ~0 bits; renyi raised a raw LinAlgError at 1e160.
    rng = np.random.default_rng(0)
    x = rng.standard_normal((400, 1))
    y = 0.95 * x + math.sqrt(1 - 0.95**2) * rng.standard_normal((400, 1))
    est = make_estimator(name)
    ref = est.estimate(x, y).value
    assert ref > 0.5
    assert est.estimate(x * scale, y * scale).value == pytest.approx(ref, abs=0.02)


def test_renyi_never_raises_a_raw_linalg_error() -> None:
    t, labels = _toy(6)
    for scale in (1e160, 1e300, 1e-300):
        i_xt, i_ty = make_estimator("renyi").information_plane(t * scale, labels)
        ref = make_estimator("renyi").information_plane(t, labels)
        np.testing.assert_allclose(np.stack((i_xt, i_ty)), np.stack(ref), atol=1e-6)


# -- variational bounds: never negative, never NaN, flagged -------------------------------------------
@pytest.mark.parametrize("name", ["mine", "nwj"])
def test_variational_negative_estimates_are_clipped_and_flagged(name: str) -> None:
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal(300), rng.standard_normal(300)  # independent
    raw_negative = 0
    for seed in range(4):
        r = make_estimator(name, n_steps=20, seed=seed).estimate(x, y)
        assert r.value >= 0 and math.isfinite(r.value)
        if r.flags:
            # 20 steps: the bound may still be rising ("not_converged", issue 12)
            assert r.flags[0] == "clipped_negative" and r.value == 0.0
            assert set(r.flags) <= {"clipped_negative", "not_converged"}
            raw_negative += 1
    assert raw_negative >= 1  # the raw bound does go negative on independent data


@pytest.mark.parametrize("name", VARIATIONAL)
@pytest.mark.parametrize("n", [2, 3, 4, 5, 6, 9])
def test_variational_tiny_inputs_work_or_raise_clearly(name: str, n: int) -> None:
    rng = np.random.default_rng(n)
    x, y = rng.standard_normal((n, 1)), rng.standard_normal((n, 1))
    est = make_estimator(name, n_steps=20)
    try:
        r = est.estimate(x, y)
    except InfoplaneError as err:
        assert "too few" in str(err)
        assert n < 4
    else:
        assert math.isfinite(r.value) and r.value >= 0


# -- function forms, generated from the class ------------------------------------------------------
@pytest.mark.parametrize("name", ALL)
def test_function_forms_match_the_class_and_state_no_defaults(name: str) -> None:
    cls = estimator_class(name)
    module = importlib.import_module(cls.__module__)
    mi = getattr(module, f"{name}_mutual_information")
    plane = getattr(module, f"{name}_information_plane")
    fields = cls.Params.model_fields
    for func in (mi, plane):
        sig = inspect.signature(func)
        assert {k: sig.parameters[k].default for k in fields} == {
            k: f.default for k, f in fields.items()
        }
        for section in ("Args:", "Returns:", "Raises:", "Notes:", "References:", "Example:"):
            assert section in func.__doc__, (func.__name__, section)
        assert "(n_samples," in func.__doc__ and "bits" in func.__doc__
    t, labels = _toy(8)
    kw = FAST.get(name, {})
    assert mi(t[0], labels, **kw) == cls(**kw).estimate(t[0], labels).value
    np.testing.assert_array_equal(
        np.stack(plane(t, labels, **kw)), np.stack(cls(**kw).information_plane(t, labels))
    )
    with pytest.raises(InfoplaneError, match="valid parameters"):
        mi(t[0], labels, bogus=1)


# -- the base contract itself, with toy cores --------------------------------------------------------
class _ConstantEstimator(BaseEstimator):
    """A toy estimator whose nats-valued core returns a fixed number (for contract tests)."""

    name = "constant"

    class Params(EstimatorParams):
        value: float = 0.0

    def _mi_nats(self, x: np.ndarray, y: np.ndarray) -> float:
        return self.params.value


def test_the_base_clips_flags_converts_and_refuses_non_finite_cores() -> None:
    from infoplane.interface import InfoplaneRuntimeError

    x = np.arange(10.0)
    r = _ConstantEstimator(value=-0.3).estimate(x, x)
    assert r.value == 0.0 and r.flags == ("clipped_negative",)
    assert r.to_dict()["flags"] == ["clipped_negative"]
    r = _ConstantEstimator(value=math.log(2) * 1.5).estimate(x, x)
    assert r.value == pytest.approx(1.5) and r.flags == () and r.unit == "bits"
    assert _ConstantEstimator(value=-1e-15).estimate(x, x).flags == ()  # round-off: no flag
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(InfoplaneRuntimeError, match="'constant' produced a NaN or infinite"):
            _ConstantEstimator(value=bad).estimate(x, x)
        with pytest.raises(InfoplaneRuntimeError, match="NaN or infinite I"):
            _ConstantEstimator(value=bad).information_plane(np.zeros((3, 10, 2)), x.astype(int))
    # the default plane: the core per representation, for X = sample index and for the labels
    i_xt, i_ty = _ConstantEstimator(value=math.log(2), unit="nats").information_plane(
        np.zeros((2, 3, 10, 2)), np.arange(10) % 2
    )
    np.testing.assert_allclose(i_xt, np.full((2, 3), math.log(2)))
    np.testing.assert_allclose(i_ty, np.full((2, 3), math.log(2)))


def test_infonce_flags_values_at_its_ln_k_ceiling(monkeypatch: pytest.MonkeyPatch) -> None:
    from infoplane.estimators import variational

    assert variational._infonce_ceiling(64) == pytest.approx(math.log(64))
    assert variational._infonce_ceiling(1025) == pytest.approx(math.log(512))  # 2 blocks + 1 left
    x = np.random.default_rng(0).standard_normal((128, 1))  # 64 held out: ceiling ln 64 nats
    for below, flags in ((0.05, ("saturated",)), (0.5, ())):
        monkeypatch.setattr(
            variational.InfoNCEEstimator,
            "_pair_eval",
            lambda self, *a, below=below: math.log(64) - below,
        )
        # no validation part: the critic trains on the other 64 (training cap ln 64 as well)
        r = make_estimator("infonce", n_steps=1, validation_fraction=0).estimate(x, x)
        assert r.flags == flags
        assert r.value == pytest.approx((math.log(64) - below) / math.log(2))
