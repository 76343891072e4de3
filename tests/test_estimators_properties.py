"""Invariants of the estimators (hypothesis), function/class and blocked/unblocked agreement,
the registry contract, input validation, and the information plane of every registered estimator.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from infoplane.estimators import (
    available_estimators,
    binning_information_plane,
    binning_mutual_information,
    estimator_class,
    make_estimator,
)
from infoplane.interface import InfoplaneError

ALL = [
    "auto",
    "binning",
    "binning_adaptive",
    "copula",
    "edge",
    "gaussian",
    "gaussian_dropout",
    "infonce",
    "kde_lower",
    "kde_upper",
    "ksg",
    "ksg_compressed",
    "mine",
    "nwj",
    "renyi",
    "sample_propagation",
    "smile",
]
FAST_PARAMS: dict[str, dict] = {
    "mine": {"n_steps": 20},
    "nwj": {"n_steps": 20},
    "infonce": {"n_steps": 20},
    "smile": {"n_steps": 20},
}
HYP = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Run torch single-threaded here: on a shared 2-core machine OpenMP spinning makes it 5-10x
    slower."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


# -- registry and parameters -----------------------------------------------------------------------
def test_registry_lists_every_estimator() -> None:
    assert available_estimators() == sorted(ALL)


@pytest.mark.parametrize("name", ALL)
def test_params_are_json_serialisable_and_round_trip(name: str) -> None:
    est = make_estimator(name)
    params = est.get_params()
    again = make_estimator(name, **json.loads(json.dumps(params)))
    assert again.get_params() == params
    assert params["unit"] == "bits"
    assert set(params) == set(estimator_class(name).param_names())


@pytest.mark.parametrize(
    ("name", "bad"),
    [
        ("kde_upper", {"noise_variance": 0.0}),
        ("kde_lower", {"n_eval": 0}),
        ("sample_propagation", {"n_mc": 0}),
        ("ksg", {"algorithm": 3}),
        ("ksg", {"n_noise_draws": 1}),
        ("renyi", {"kernel_width": "nope"}),
        ("renyi", {"alpha": -1}),
        ("edge", {"epsilon": -1.0}),
        ("mine", {"hidden": 0}),
        ("binning_adaptive", {"scope": "planet"}),
        ("binning", {"range": (0, 1), "scope": "neuron"}),
        ("binning", {"unit": "shannons"}),
    ],
)
def test_bad_parameters_raise_naming_them(name: str, bad: dict) -> None:
    key = next(iter(bad))
    with pytest.raises(InfoplaneError, match=key):
        make_estimator(name, **bad)


def test_unknown_parameter_and_name() -> None:
    with pytest.raises(InfoplaneError, match="valid parameters"):
        make_estimator("kde_upper", sigma=1.0)
    with pytest.raises(InfoplaneError, match="unknown estimator"):
        make_estimator("kde_middle")


@pytest.mark.parametrize("name", ALL)
def test_input_validation(name: str) -> None:
    est = make_estimator(name, **FAST_PARAMS.get(name, {}))
    x = np.random.default_rng(0).standard_normal((50, 2))
    bad = x.copy()
    bad[3, 1] = np.nan
    with pytest.raises(InfoplaneError, match="NaN"):
        est.estimate(bad, x)
    with pytest.raises(InfoplaneError, match="samples"):
        est.estimate(x, x[:40])
    with pytest.raises(InfoplaneError, match="shape"):
        est.estimate(x.reshape(50, 1, 2), x)
    with pytest.raises(InfoplaneError):
        est.estimate(x[:1], x[:1])
    with pytest.raises(InfoplaneError, match="labels"):
        est.information_plane(x[None], np.zeros(49, dtype=int))


# -- the information plane of every estimator ------------------------------------------------------
def _toy_plane(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, 512)
    t = np.tanh(labels[None, None, :, None] + 0.7 * rng.standard_normal((2, 3, 512, 4))).astype(
        np.float32
    )
    return t, labels


@pytest.mark.parametrize("name", ALL)
def test_plane_shapes_ranges_and_units(name: str) -> None:
    t, labels = _toy_plane()
    est = make_estimator(name, **FAST_PARAMS.get(name, {}))
    i_xt, i_ty = est.information_plane(t, labels)
    assert i_xt.shape == i_ty.shape == (2, 3)
    h_y = -sum(p * math.log2(p) for p in np.bincount(labels) / len(labels))
    assert np.all(i_ty >= 0) and np.all(i_ty <= h_y + 1e-9)
    if name in ("mine", "nwj", "infonce", "smile"):
        assert np.isnan(i_xt).all()  # documented: no variational I(X;T) for distinct inputs
    else:
        assert np.all(i_xt >= 0) and np.all(i_xt <= math.log2(512) + 1e-9)
    nats = make_estimator(name, unit="nats", **FAST_PARAMS.get(name, {})).information_plane(
        t, labels
    )
    np.testing.assert_allclose(nats[1], i_ty * math.log(2), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(
    "name", ["binning", "binning_adaptive", "kde_upper", "kde_lower", "sample_propagation", "edge"]
)
def test_plane_of_12_bit_identity_layer(name: str) -> None:
    # T = X (the 12 input bits): all 4096 states distinct and far apart at these resolutions, so
    # I(X;T) = 12 bits and I(T;Y) = H(Y) = 0.99916 bits (the data's labels).
    from infoplane.data.twelve_bit import twelve_bit_inputs, twelve_bit_labels

    x, y = twelve_bit_inputs(), twelve_bit_labels()
    i_xt, i_ty = make_estimator(name).information_plane(x[None], y)
    assert i_xt[0] == pytest.approx(12.0, abs=1e-6)
    assert i_ty[0] == pytest.approx(0.99916, abs=1e-4)


def test_plane_agrees_with_estimate_per_representation() -> None:
    # The vectorised plane equals the general estimate with X = sample index, element by element
    # (sample propagation: the noise draws go to different rows in the two paths, so up to its
    # Monte Carlo error, < 0.05 bit here).
    t, labels = _toy_plane(3)
    for name, tol in (
        ("binning", 1e-9),
        ("kde_upper", 1e-9),
        ("kde_lower", 1e-9),
        ("sample_propagation", 0.05),
    ):
        est = make_estimator(
            name, **({} if name == "binning" else {"n_eval": None, "dtype": "float64"})
        )
        i_xt, i_ty = est.information_plane(t, labels)
        assert est.estimate(np.arange(512), t[1, 2]).value == pytest.approx(i_xt[1, 2], abs=tol)
        assert est.estimate(labels, t[1, 2]).value == pytest.approx(i_ty[1, 2], abs=1e-9)


# -- function form vs class form -------------------------------------------------------------------
def test_function_and_class_forms_agree() -> None:
    from infoplane.estimators import (
        adaptive_binning_information_plane,
        adaptive_binning_mutual_information,
    )
    from infoplane.estimators.edge import edge_information_plane, edge_mutual_information
    from infoplane.estimators.kde import kde_information_plane, kde_mutual_information
    from infoplane.estimators.ksg import ksg_information_plane, ksg_mutual_information
    from infoplane.estimators.noisy import (
        sample_propagation_information_plane,
        sample_propagation_mutual_information,
    )
    from infoplane.estimators.renyi import renyi_information_plane, renyi_mutual_information
    from infoplane.estimators.variational import nwj_information_plane, nwj_mutual_information

    t, labels = _toy_plane(1)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((300, 2))
    y = x + rng.standard_normal((300, 2))
    pairs = [
        (
            binning_mutual_information(x, y, n_bins=5, range="data"),
            make_estimator("binning", n_bins=5, range="data").estimate(x, y).value,
        ),
        (
            adaptive_binning_mutual_information(x, y, n_bins=5),
            make_estimator("binning_adaptive", n_bins=5).estimate(x, y).value,
        ),
        (ksg_mutual_information(x, y, k=4), make_estimator("ksg", k=4).estimate(x, y).value),
        (
            kde_mutual_information(labels, t[0, 0]),
            make_estimator("kde_upper").estimate(labels, t[0, 0]).value,
        ),
        (
            sample_propagation_mutual_information(labels, t[0, 0], n_eval=None),
            make_estimator("sample_propagation", n_eval=None).estimate(labels, t[0, 0]).value,
        ),
        (renyi_mutual_information(x, y), make_estimator("renyi").estimate(x, y).value),
        (edge_mutual_information(x, y), make_estimator("edge").estimate(x, y).value),
        (
            nwj_mutual_information(x, y, n_steps=10),
            make_estimator("nwj", n_steps=10).estimate(x, y).value,
        ),
    ]
    for f_val, c_val in pairs:
        assert f_val == pytest.approx(c_val, abs=1e-12)
    planes = [
        (
            binning_information_plane(t, labels),
            make_estimator("binning").information_plane(t, labels),
        ),
        (
            adaptive_binning_information_plane(t, labels),
            make_estimator("binning_adaptive").information_plane(t, labels),
        ),
        (
            kde_information_plane(t, labels, bound="lower"),
            make_estimator("kde_lower").information_plane(t, labels),
        ),
        (
            sample_propagation_information_plane(t, labels),
            make_estimator("sample_propagation").information_plane(t, labels),
        ),
        (renyi_information_plane(t, labels), make_estimator("renyi").information_plane(t, labels)),
        (edge_information_plane(t, labels), make_estimator("edge").information_plane(t, labels)),
        (ksg_information_plane(t, labels), make_estimator("ksg").information_plane(t, labels)),
        (
            nwj_information_plane(t, labels, n_steps=10),
            make_estimator("nwj", n_steps=10).information_plane(t, labels),
        ),
    ]
    for (fa, fb), (ca, cb) in planes:
        np.testing.assert_allclose(fa, ca, atol=1e-12)
        np.testing.assert_allclose(fb, cb, atol=1e-12)


# -- blocked vs unblocked, subsampled vs exact, tree vs brute force --------------------------------
@pytest.mark.parametrize("name", ["kde_upper", "kde_lower", "sample_propagation"])
def test_blocked_equals_unblocked(name: str) -> None:
    t, labels = _toy_plane(2)
    small = make_estimator(name, block_size=7, dtype="float64").information_plane(t, labels)
    whole = make_estimator(name, block_size=10_000, dtype="float64").information_plane(t, labels)
    np.testing.assert_allclose(small, whole, atol=1e-10)
    f32 = make_estimator(name, block_size=7).information_plane(t, labels)
    np.testing.assert_allclose(f32, whole, atol=2e-4)  # float32 pairwise distances


def test_kde_row_subsample_is_close_to_exact() -> None:
    # n_eval rows estimate the outer mean; on these smooth data the error is < 0.1 bit at 128 rows.
    t, labels = _toy_plane(4)
    exact = make_estimator("kde_upper", n_eval=None).information_plane(t, labels)
    sub = make_estimator("kde_upper", n_eval=128).information_plane(t, labels)
    np.testing.assert_allclose(sub[0], exact[0], atol=0.1)
    np.testing.assert_allclose(sub[1], exact[1], atol=0.05)


@pytest.mark.parametrize("algorithm", [1, 2])
def test_ksg_kdtree_equals_torch_backend(algorithm: int) -> None:
    rng = np.random.default_rng(8)
    x = rng.standard_normal((400, 3))
    y = x[:, :2] + 0.5 * rng.standard_normal((400, 2))
    a = make_estimator("ksg", algorithm=algorithm, backend="kdtree").estimate(x, y).value
    b = make_estimator("ksg", algorithm=algorithm, backend="torch").estimate(x, y).value
    assert a == pytest.approx(b, abs=1e-9)


def test_ksg_invariant_under_invertible_maps() -> None:
    # I(f(X); g(Y)) = I(X;Y) for invertible f, g; KSG keeps this to within its noise (< 0.05 bit).
    rng = np.random.default_rng(9)
    x = rng.standard_normal(2000)
    y = 0.8 * x + 0.6 * rng.standard_normal(2000)
    base = make_estimator("ksg").estimate(x, y).value
    mapped = make_estimator("ksg").estimate(np.exp(x), y**3 + y).value
    scaled = make_estimator("ksg").estimate(3 * x - 2, -0.5 * y).value
    assert mapped == pytest.approx(base, abs=0.05)
    assert scaled == pytest.approx(
        base, abs=1e-6
    )  # affine per coordinate: columns are standardised


# -- hypothesis properties -------------------------------------------------------------------------
small_int_pairs = st.integers(5, 60).flatmap(
    lambda n: st.tuples(
        arrays(np.int64, n, elements=st.integers(0, 3)),
        arrays(np.int64, n, elements=st.integers(0, 3)),
    )
)


@HYP
@given(small_int_pairs, st.randoms(use_true_random=False))
def test_plugin_nonnegative_symmetric_permutation_invariant(pair, rnd) -> None:
    x, y = pair
    i = binning_mutual_information(x, y)
    assert i >= 0
    assert binning_mutual_information(y, x) == pytest.approx(i, abs=1e-12)
    perm = np.array(rnd.sample(range(len(x)), len(x)))
    assert binning_mutual_information(x[perm], y[perm]) == pytest.approx(i, abs=1e-12)
    h = lambda a: -sum(p * math.log2(p) for p in np.bincount(a) / len(a) if p > 0)  # noqa: E731
    assert i <= min(h(x), h(y)) + 1e-9


@HYP
@given(small_int_pairs, st.integers(0, 3))
def test_plugin_data_processing_inequality(pair, shift) -> None:
    # Markov chain X -> Y -> Z with Z = g(Y): the empirical joint is itself Markov, so the plug-in
    # estimate obeys I(X;Z) <= I(X;Y) exactly.
    x, y = pair
    z = (y + shift) % 4 // 2
    assert binning_mutual_information(x, z) <= binning_mutual_information(x, y) + 1e-12


plane_arrays = st.integers(8, 40).flatmap(
    lambda n: st.tuples(
        arrays(np.float64, (n, 2), elements=st.floats(-1, 1, allow_nan=False, width=32)),
        arrays(np.int64, n, elements=st.integers(0, 2)),
    )
)


@HYP
@given(plane_arrays, st.randoms(use_true_random=False))
def test_plane_bounds_and_permutation_invariance(data, rnd) -> None:
    t, labels = data
    n = len(labels)
    h_y = -sum(p * math.log2(p) for p in np.bincount(labels) / n if p > 0)
    perm = np.array(rnd.sample(range(n), n))
    for name, params in (
        ("binning", {}),
        ("binning_adaptive", {"n_bins": 4}),
        ("kde_upper", {"n_eval": None, "dtype": "float64", "noise_variance": 0.01}),
        ("kde_lower", {"n_eval": None, "dtype": "float64", "noise_variance": 0.01}),
        ("edge", {}),
    ):
        est = make_estimator(name, **params)
        i_xt, i_ty = est.information_plane(t, labels)
        assert 0 <= i_ty <= h_y + 1e-9, name
        assert 0 <= i_xt <= math.log2(n) + 1e-9, name
        if name != "edge":  # EDGE's random shifts are drawn per call in the same order: also exact
            p_xt, p_ty = est.information_plane(t[perm], labels[perm])
            assert p_xt == pytest.approx(i_xt, abs=1e-9), name
            assert p_ty == pytest.approx(i_ty, abs=1e-9), name


@HYP
@given(st.integers(30, 80), st.floats(0.0, 0.95), st.integers(0, 1000))
def test_ksg_nonnegative_and_permutation_invariant(n, rho, seed) -> None:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    y = rho * x + math.sqrt(1 - rho**2) * rng.standard_normal(n)
    est = make_estimator("ksg", jitter=0.0)
    i = est.estimate(x, y).value
    assert i >= 0
    perm = rng.permutation(n)
    assert est.estimate(x[perm], y[perm]).value == pytest.approx(i, abs=1e-9)


# -- quantised networks (Lorenzen et al. 2022) -----------------------------------------------------
@pytest.mark.parametrize("bits", [1, 2, 4])
def test_quantised_layer_binning_is_exact(bits: int) -> None:
    # With one bin per quantisation level, binning's I(X;T) is exactly the entropy of the distinct
    # quantised rows, and I(T;Y) the plug-in MI of those rows with the labels.
    import torch

    from infoplane.data.twelve_bit import twelve_bit_inputs, twelve_bit_labels
    from infoplane.estimators import quantized_binning_params
    from infoplane.models.mlp import MLP

    x = torch.as_tensor(twelve_bit_inputs())
    labels = twelve_bit_labels()
    model = MLP(quantize_bits=bits, seed=bits)
    reps = []
    with torch.no_grad():
        h = x
        for block in model.layers[:-1]:
            h = block(h)
            reps.append(h.numpy().copy())
    est = make_estimator("binning", **quantized_binning_params(bits))
    for t in reps:
        step = 2.0 / (2**bits - 1)
        assert np.allclose((t + 1) / step, np.round((t + 1) / step), atol=1e-4)  # on the levels
        _, inverse, counts = np.unique(
            np.round(t, 4), axis=0, return_inverse=True, return_counts=True
        )
        p = counts / counts.sum()
        h_t = float(-(p * np.log2(p)).sum())
        i_xt, i_ty = est.information_plane(t, labels)
        assert float(i_xt) == pytest.approx(h_t, abs=1e-9)
        assert float(i_ty) == pytest.approx(
            binning_mutual_information(inverse.ravel(), labels), abs=1e-9
        )


@pytest.mark.parametrize(
    "name",
    [
        "binning",
        "binning_adaptive",
        "edge",
        "kde_upper",
        "kde_lower",
        "sample_propagation",
        "ksg",
        "renyi",
        "mine",
        "nwj",
        "infonce",
    ],
)
def test_plane_is_the_same_when_the_batch_is_split(name: str) -> None:
    # The run pipeline estimates a layer in chunks of epochs (and online, one epoch at a time):
    # every seeded choice (rows, noise draws, shifts) depends only on n, labels and the seed, so the
    # chunks give the values of one call on the whole batch.
    t, labels = _toy_plane(5)
    est = make_estimator(name, **FAST_PARAMS.get(name, {}))
    whole = est.information_plane(t, labels)
    parts = [est.information_plane(t[:, e : e + 1], labels) for e in range(t.shape[1])]
    tol = 1e-5 if name in ("mine", "nwj", "infonce", "smile") else 1e-9  # float32 critics
    np.testing.assert_allclose(np.concatenate([p[0] for p in parts], axis=1), whole[0], atol=tol)
    np.testing.assert_allclose(np.concatenate([p[1] for p in parts], axis=1), whole[1], atol=tol)
