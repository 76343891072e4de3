"""Validity flags of information-plane estimates: why a point may not mean what it seems to.

Every row of the information-plane table (one per repeat, epoch, layer and estimator) carries a
``flags`` column: the comma-separated names of the reasons its values may not be trusted, ``""``
when none applies. The rules, each stated once here and explained in ``docs/flags.md``:

- ``saturated``: I(X;T) is within ``max(0.05 bit, 1%)`` of the ceiling the estimator cannot
  exceed -- log2 n for n equally likely inputs (plug-in, KSG and noisy-channel estimators: a
  mixture of n components), log2 min(n, n_samples_max) for ``renyi``, log2 K for ``infonce`` (K
  its held-out block size). The true value may be larger; differences between such points are
  not differences in information.
- ``sparse_bins`` (``binning``, ``binning_adaptive``): the Miller-Madow bias term of I(X;T),
  (K - 1) / (2 n ln 2) bits for K occupied bins, or of I(T;Y), (sum_y (K_y - 1) - (K - 1)) /
  (2 n ln 2), exceeds 0.1 bit: too few samples per occupied bin for the plug-in entropy to stand
  for the distribution the inputs were drawn from (Paninski 2003). Not raised when the inputs are
  the complete input space (``complete_inputs=True``: the 12-bit task on all 4096 inputs), where
  the plug-in value is exact.
- ``ties`` (``ksg``): more than 5% of the rows of T repeat another row: neighbour distances of 0,
  where the KSG assumptions (a continuous density) fail.
- ``not_finite`` (``binning``, ``binning_adaptive``, ``edge``, ``renyi``): a continuous
  representation (float values, not on a lattice of at most 256 levels) of a deterministic
  network, whose estimate has reached 90% of its ceiling: the estimator now resolves (almost)
  every input, and the true I(X;T) is log2 n for any injective map of the n inputs (infinite for
  inputs drawn from a continuous distribution; Geiger 2021, Amjad & Geiger 2020). The value
  reflects the estimator's resolution, not the network.
- ``dpi_violation``: I(X;T_l) or I(T_l;Y) exceeds that of the layer before, T_{l-1}, of the same
  repeat, epoch and estimator, by more than the estimator family's tolerance
  (:data:`DPI_TOLERANCE_BITS`): the data-processing inequality of the chain X -> T_{l-1} -> T_l
  is broken, so the values are not the mutual information of that chain.

Flags never change ``i_xt`` or ``i_ty``. They are computed where the activations are at hand
(:func:`representation_flags`, called by the run's estimation in memory, from the store in chunks
and online) and then across layers (:func:`add_dpi_flags`). Internally a row's flags are an
integer bit mask (:data:`FLAG_BITS`), turned into the table's strings by :func:`flag_strings`.

References:
    1. Paninski, L. (2003). Estimation of Entropy and Mutual Information. Neural Computation
       15(6):1191-1253 (the plug-in bias and the Miller-Madow correction).
    2. Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
       Review. IEEE TNNLS. arXiv 2003.09671.
    3. Amjad, R. A., Geiger, B. C. (2020). Learning Representations for Neural Network-Based
       Classification Using the Information Bottleneck Principle. IEEE TPAMI 42(9). arXiv
       1802.09766.
    4. Kraskov, A., Stoegbauer, H., Grassberger, P. (2004). Estimating mutual information. Phys.
       Rev. E 69, 066138.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from infoplane.interface import LN2, InfoplaneError
from infoplane.storage.tables import PLANE_FLAGS, flag_names

#: Flag names in table order (a row lists its flags in this order; stated in storage.tables).
FLAG_NAMES: tuple[str, ...] = PLANE_FLAGS
#: Bit of each flag in the integer masks used before the table's strings are built.
FLAG_BITS: dict[str, int] = {name: 1 << i for i, name in enumerate(FLAG_NAMES)}

#: ``saturated``: absolute and relative margin below the ceiling (the larger one applies).
SATURATION_TOL_BITS = 0.05
SATURATION_TOL_REL = 0.01
#: ``sparse_bins``: largest Miller-Madow bias term (bits) before the plug-in value is flagged.
SPARSE_BIAS_BITS = 0.1
#: ``ties``: largest share of rows that repeat an earlier row before KSG is flagged.
TIES_SHARE = 0.05
#: ``not_finite``: share of the ceiling from which the estimate counts inputs.
NOT_FINITE_SHARE = 0.9
#: a representation with at most this many distinct values (and at most n*d/2) is a lattice.
LATTICE_LEVELS = 256

#: Estimators whose bins are known, so that occupied bins can be counted (``sparse_bins``).
BINNED_ESTIMATORS: tuple[str, ...] = ("binning", "binning_adaptive")
#: Estimators that measure the representation T itself, without noise (``not_finite``).
DETERMINISTIC_ESTIMATORS: tuple[str, ...] = ("binning", "binning_adaptive", "edge", "renyi")
#: Estimators of I(X; T+Z) for a Gaussian Z: finite by construction, never ``not_finite``.
NOISY_ESTIMATORS: tuple[str, ...] = (
    "kde_upper",
    "kde_lower",
    "sample_propagation",
    "ksg",
    "gaussian_dropout",
)

#: DPI tolerance per estimator, bits: the excess over the layer before that counts as a violation.
#: Plug-in and KDE values are deterministic functions of the data (0.05 bit: round-off and
#: small-bin effects); Monte Carlo and neighbour estimators get about 3 times their seed-to-seed
#: spread (sample_propagation: 0.08 bit rms, its docstring; KSG, EDGE, Renyi: 0.1 bit);
#: the variational bounds 0.2 bit. Other estimators: :data:`DEFAULT_DPI_TOLERANCE_BITS`.
DPI_TOLERANCE_BITS: dict[str, float] = {
    "binning": 0.05,
    "binning_adaptive": 0.05,
    "kde_upper": 0.05,
    "kde_lower": 0.05,
    "sample_propagation": 0.25,
    "ksg": 0.1,
    "edge": 0.1,
    "renyi": 0.1,
    "mine": 0.2,
    "nwj": 0.2,
    "infonce": 0.2,
}
DEFAULT_DPI_TOLERANCE_BITS = 0.1

#: one line per flag, as in ``docs/flags.md`` (the figure legend and report link there).
FLAG_MEANINGS: dict[str, str] = {
    "saturated": "I(X;T) within max(0.05 bit, 1%) of the estimator's ceiling (log2 n, or its own "
    "cap): the true value may be larger",
    "sparse_bins": "plug-in Miller-Madow bias term above 0.1 bit: too few samples per occupied bin "
    "(Paninski 2003)",
    "ties": "KSG on a representation whose rows repeat (> 5% duplicated rows): zero neighbour "
    "distances, the KSG assumptions fail",
    "not_finite": "continuous deterministic layer resolved input by input (>= 90% of the "
    "ceiling): the true I(X;T) is log2 n or infinite, the value is the estimator's resolution",
    "dpi_violation": "a value exceeds the layer before's by more than the estimator's tolerance: "
    "the data-processing inequality is broken",
}


def ceiling_bits(estimator: str, params: dict[str, Any] | None, n_samples: int) -> float:
    """The largest I(X;T) an estimator can return on the information plane, in bits.

    Args:
        estimator: the estimator's registry name (e.g. ``"binning"``).
        params: its hyper-parameters (``get_params()``; only ``renyi``'s ``n_samples_max`` and
            ``infonce``'s ``n_samples_max``/``test_fraction`` are read), or ``None``.
        n_samples: the number n of inputs, each a distinct, equally likely X.

    Returns:
        The ceiling in bits (a float): log2 n in general -- I(X;T) <= H(X) = log2 n, and the
        plug-in, KSG and noisy-channel estimates never exceed it -- log2 min(n, n_samples_max)
        for ``renyi`` (it uses at most that many samples) and log2 K for ``infonce`` (K its
        held-out block size, at most 512).

    Raises:
        InfoplaneError: if ``n_samples`` is below 2.

    Notes:
        Shapes: none (scalars). Estimators registered by user code get log2 n, the bound of
        every estimator of I(X;T) with X uniform over n inputs.

    References:
        1. Cover, T. M., Thomas, J. A. (2006). Elements of Information Theory, 2nd ed. Wiley,
           Thm. 2.6.4 (H(X) <= log |X|).
        2. Poole, B. et al. (2019). On Variational Bounds of Mutual Information. ICML. arXiv
           1905.06922 (InfoNCE <= ln K).

    Example:
        >>> ceiling_bits("binning", {}, 4096), ceiling_bits("renyi", {"n_samples_max": 256}, 4096)
        (12.0, 8.0)
    """
    if not (isinstance(n_samples, (int, np.integer)) and n_samples >= 2):
        raise InfoplaneError(f"n_samples must be an integer >= 2; got {n_samples!r}.")
    params = params or {}
    n = int(n_samples)
    if estimator == "renyi":
        cap = params.get("n_samples_max", 256)
        n = min(n, int(cap)) if cap is not None else n
    elif estimator == "infonce":
        m = min(n, int(params.get("n_samples_max") or 512))
        k = max(2, round(float(params.get("test_fraction", 0.5)) * m))
        n = min(k, 512)
    return math.log2(n)


def _distinct_per_row(keys: np.ndarray) -> np.ndarray:
    """Number of distinct values along the last axis of an integer array (B, m) -> (B,)."""
    s = np.sort(keys, axis=-1)
    return 1 + np.count_nonzero(s[:, 1:] != s[:, :-1], axis=-1)


def _blocks(n_rows: int, row_bytes: int) -> range:
    """Starts of blocks of batch rows whose float64 temporaries stay near 32 MiB."""
    return range(0, n_rows, max(1, (32 * 2**20) // max(row_bytes, 1)))


def _lattice(flat: np.ndarray) -> np.ndarray:
    """Whether each representation of a float batch (B, n, d) takes few distinct values (B,)."""
    b, n, d = flat.shape
    if np.issubdtype(flat.dtype, np.integer) or np.issubdtype(flat.dtype, np.bool_):
        return np.ones(b, dtype=bool)
    limit = min(LATTICE_LEVELS, n * d / 2)
    rows = flat.reshape(b, n * d)
    # a prefix of the values with more than `limit` distinct ones decides "continuous" cheaply
    head = (rows[:, : min(n * d, 4 * LATTICE_LEVELS)].astype(np.float64) + 0.0).view(np.int64)
    lattice = _distinct_per_row(head) <= limit
    todo = np.flatnonzero(lattice)
    step = _blocks(len(todo), n * d * 8).step
    for s in range(0, len(todo), step):  # blocks of representations, not samples
        idx = todo[s : s + step]
        vals = (rows[idx].astype(np.float64) + 0.0).view(np.int64)
        lattice[idx] = _distinct_per_row(vals) <= limit
    return lattice


def _float_row_keys(t: np.ndarray) -> np.ndarray:
    """One int64 key per row of a float array (B, n, d) -> (B, n): equal rows, equal keys.

    The float64 bit patterns (``-0.0`` folded onto ``0.0``) are combined by a 64-bit
    multiplicative hash with fixed odd multipliers (collisions about n^2 / 2^64 per batch row).
    """
    bits = (np.asarray(t, dtype=np.float64) + 0.0).view(np.uint64)
    mult = np.random.default_rng(0x5EED).integers(1, 2**63, size=t.shape[-1], dtype=np.uint64)
    mult |= np.uint64(1)
    with np.errstate(over="ignore"):
        mixed = bits * mult
        mixed ^= mixed >> np.uint64(29)
        return (mixed * np.uint64(0x9E3779B97F4A7C15)).sum(axis=-1).view(np.int64)


def representation_stats(
    t: Any, labels: Any, estimator: Any, *, need: tuple[str, ...] | None = None
) -> dict[str, np.ndarray]:
    """The properties of representations the validity flags need, vectorised over the batch.

    Args:
        t: activations of shape (..., n_samples, n_units); leading axes (repeat, epoch) are batch
            axes.
        labels: integer labels, shape (n_samples,).
        estimator: the estimator instance that produced the values (its ``name`` and, for
            ``binning``/``binning_adaptive``, its bins are used).
        need: which statistics to compute (default: those the estimator's flags use).

    Returns:
        A dict of arrays of shape ``t.shape[:-2]``: ``mm_xt`` and ``mm_ty`` (Miller-Madow bias
        terms of I(X;T) and I(T;Y), bits; binned estimators only), ``dup_share`` (share of rows
        that repeat an earlier row, in [0, 1]) and ``lattice`` (bool: float values on at most
        ``min(256, n * d / 2)`` distinct levels, or an integer/boolean dtype).

    Raises:
        InfoplaneError: if ``t`` has fewer than 2 dimensions or ``labels`` a different length.

    Notes:
        Sort-based, no loop over samples (one loop over classes for ``mm_ty``). Occupied bins are
        counted on the estimator's own bin codes, so they match its value exactly; a binning
        range warning was already given by the estimate and is not repeated.

    References:
        Paninski, L. (2003). Estimation of Entropy and Mutual Information. Neural Computation
        15(6):1191-1253.

    Example:
        >>> from infoplane.estimators import make_estimator
        >>> t = np.array([[0.1], [0.2], [0.8], [0.9]])
        >>> est = make_estimator("binning", n_bins=2, range=(0, 1))
        >>> s = representation_stats(t, np.array([0, 0, 1, 1]), est,
        ...                          need=("mm", "dup_share", "lattice"))
        >>> round(float(s["mm_xt"]), 3), float(s["dup_share"]), bool(s["lattice"])
        (0.18, 0.0, False)
    """
    t = np.asarray(t)
    if t.ndim < 2:
        raise InfoplaneError(f"t must have shape (..., n_samples, n_units); got {t.shape}.")
    lab = np.asarray(labels).reshape(-1)
    n, d = t.shape[-2], t.shape[-1]
    if len(lab) != n:
        raise InfoplaneError(f"labels has {len(lab)} entries but t has {n} samples.")
    batch = t.shape[:-2]
    flat = t.reshape(-1, n, d)
    name = getattr(estimator, "name", str(estimator))
    if need is None:
        need = _needed(name)
    out: dict[str, np.ndarray] = {}
    if "mm" in need and name in BINNED_ESTIMATORS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            keys = np.asarray(estimator._sample_keys(flat)).reshape(-1, n)
        k_all = _distinct_per_row(keys)
        k_sum = np.zeros(len(keys))
        for c in np.unique(lab):  # few classes, not samples
            k_sum += _distinct_per_row(keys[:, lab == c]) - 1
        out["mm_xt"] = ((k_all - 1) / (2 * n * LN2)).reshape(batch)
        out["mm_ty"] = ((k_sum - (k_all - 1)) / (2 * n * LN2)).reshape(batch)
    if "dup_share" in need:
        distinct = np.empty(len(flat), dtype=np.int64)
        step = _blocks(len(flat), n * d * 8).step
        for s in range(0, len(flat), step):  # blocks of representations, not samples
            distinct[s : s + step] = _distinct_per_row(_float_row_keys(flat[s : s + step]))
        out["dup_share"] = (1.0 - distinct / n).reshape(batch)
    if "lattice" in need:
        out["lattice"] = _lattice(flat).reshape(batch)
    return out


def flag_bits(
    estimator: str,
    i_xt: Any,
    *,
    n_samples: int,
    params: dict[str, Any] | None = None,
    unit: str = "bits",
    stats: dict[str, np.ndarray] | None = None,
) -> np.ndarray:
    """The flags of each estimate, as integer bit masks (all flags but ``dpi_violation``).

    Args:
        estimator: the estimator's registry name.
        i_xt: I(X;T) estimates in ``unit``, any shape (NaN where the estimator gives none).
        n_samples: the number n of inputs of each estimate.
        params: the estimator's hyper-parameters (for :func:`ceiling_bits`), or ``None``.
        unit: ``"bits"`` (default) or ``"nats"``: the unit of ``i_xt``.
        stats: from :func:`representation_stats`, arrays of the shape of ``i_xt``; ``None``
            (default) computes the flags that need no activations (``saturated``) only.

    Returns:
        int64 array of the shape of ``i_xt``; bit ``FLAG_BITS[name]`` is set where the flag holds.

    Raises:
        InfoplaneError: for an unknown ``unit`` or ``n_samples < 2``.

    Notes:
        The rules are those of the module docstring (and ``docs/flags.md``). NaN compares false,
        so a NaN I(X;T) (variational estimators) is never ``saturated`` or ``not_finite``.

    References:
        1. Paninski, L. (2003). Neural Computation 15(6):1191-1253.
        2. Geiger, B. C. (2021). IEEE TNNLS. arXiv 2003.09671.

    Example:
        >>> flag_bits("binning", [12.0, 6.0], n_samples=4096).tolist()  # 12 bits = log2 4096
        [1, 0]
    """
    from infoplane.interface import check_unit

    check_unit(unit)
    x = np.asarray(i_xt, dtype=np.float64)
    x_bits = x / LN2 if unit == "nats" else x
    ceiling = ceiling_bits(estimator, params, n_samples)
    out = np.zeros(x.shape, dtype=np.int64)
    with np.errstate(invalid="ignore"):
        tol = max(SATURATION_TOL_BITS, SATURATION_TOL_REL * ceiling)
        out |= np.where(x_bits >= ceiling - tol, FLAG_BITS["saturated"], 0)
        stats = stats or {}
        if "mm_xt" in stats:
            sparse = (np.asarray(stats["mm_xt"]) > SPARSE_BIAS_BITS) | (
                np.abs(np.asarray(stats["mm_ty"])) > SPARSE_BIAS_BITS
            )
            out |= np.where(sparse, FLAG_BITS["sparse_bins"], 0)
        if "dup_share" in stats and estimator == "ksg":
            out |= np.where(np.asarray(stats["dup_share"]) > TIES_SHARE, FLAG_BITS["ties"], 0)
        if "lattice" in stats and estimator in DETERMINISTIC_ESTIMATORS:
            resolved = ~np.asarray(stats["lattice"], dtype=bool) & (
                x_bits >= NOT_FINITE_SHARE * ceiling
            )
            out |= np.where(resolved, FLAG_BITS["not_finite"], 0)
    return out


def representation_flags(
    estimator: Any, t: Any, labels: Any, i_xt: Any, *, complete_inputs: bool = False
) -> np.ndarray:
    """The flags of the estimates of a batch of representations (all but ``dpi_violation``).

    Args:
        estimator: the estimator instance that computed ``i_xt`` (``name``, ``unit``,
            ``get_params()`` and, for binning, its bins are read).
        t: activations of shape (..., n_samples, n_units).
        labels: integer labels, shape (n_samples,).
        i_xt: its I(X;T) estimates in the estimator's unit, shape ``t.shape[:-2]``.
        complete_inputs: the n samples are the whole input space, each input once (the 12-bit
            task evaluated on all 4096 inputs): the plug-in entropies are then exact, not
            estimates, and ``sparse_bins`` is not raised. Default False (a sample of inputs).

    Returns:
        int64 bit masks of shape ``t.shape[:-2]`` (see :data:`FLAG_BITS`, :func:`flag_strings`).

    Raises:
        InfoplaneError: for inconsistent shapes.

    Notes:
        This is what the run's estimation calls where the activations are at hand (in memory,
        per chunk of epochs from the store, per epoch online); the values are not changed.

    References:
        Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
        Review. IEEE TNNLS. arXiv 2003.09671.

    Example:
        >>> from infoplane.estimators import make_estimator
        >>> est = make_estimator("binning", n_bins=30)
        >>> t = np.tanh(np.random.default_rng(0).standard_normal((1, 256, 8)))
        >>> i_xt, _ = est.information_plane(t, np.arange(256) % 2)
        >>> flag_strings(representation_flags(est, t, np.arange(256) % 2, i_xt)).tolist()
        ['saturated,sparse_bins,not_finite']
    """
    t = np.asarray(t)
    name = getattr(estimator, "name", str(estimator))
    params = estimator.get_params() if hasattr(estimator, "get_params") else {}
    unit = getattr(estimator, "unit", "bits")
    n, batch = int(t.shape[-2]), t.shape[:-2]
    x = np.asarray(i_xt, dtype=np.float64).reshape(batch)
    need = tuple(k for k in ("mm", "dup_share") if k in _needed(name))
    if complete_inputs:
        need = tuple(k for k in need if k != "mm")
    stats = representation_stats(t, labels, estimator, need=need)
    if "lattice" in _needed(name):  # only where the estimate is near its ceiling
        x_bits = x / LN2 if unit == "nats" else x
        with np.errstate(invalid="ignore"):
            near = (x_bits >= NOT_FINITE_SHARE * ceiling_bits(name, params, n)).reshape(-1)
        lattice = np.ones(near.shape, dtype=bool)
        if near.any():
            lattice[near] = _lattice(t.reshape(-1, n, t.shape[-1])[near])
        stats["lattice"] = lattice.reshape(batch)
    return flag_bits(name, x, n_samples=n, params=params, unit=unit, stats=stats)


def _needed(name: str) -> tuple[str, ...]:
    """The statistics the flags of estimator ``name`` use."""
    return tuple(
        k
        for k, ok in (
            ("mm", name in BINNED_ESTIMATORS),
            ("dup_share", name == "ksg"),
            ("lattice", name in DETERMINISTIC_ESTIMATORS),
        )
        if ok
    )


def flag_strings(bits: Any) -> np.ndarray:
    """Turn integer flag masks into the table's strings: comma-separated names, ``""`` if clear.

    Args:
        bits: int array of any shape (masks of :data:`FLAG_BITS`).

    Returns:
        An object array of str of the same shape, names in :data:`FLAG_NAMES` order.

    Raises:
        Nothing for integer input.

    Notes:
        Vectorised over rows (a loop over the five flag names only). Units: none (names).

    References:
        Wickham, H. (2014). Tidy Data. Journal of Statistical Software 59(10).

    Example:
        >>> flag_strings([0, 1, 1 | 8]).tolist()
        ['', 'saturated', 'saturated,not_finite']
    """
    return flag_names(bits)


def flag_mask(plane: Any, name: str) -> np.ndarray:
    """Boolean mask of the rows of a plane table that carry flag ``name``.

    Args:
        plane: information-plane table with a ``flags`` column (n_rows,).
        name: a flag name (see :data:`FLAG_NAMES`).

    Returns:
        bool array of shape (n_rows,).

    Raises:
        InfoplaneError: for an unknown flag name or a table without a ``flags`` column.

    Notes:
        Units: none. Matches whole names, so ``"ties"`` never matches part of another name.

    References:
        Wickham, H. (2014). Tidy Data. Journal of Statistical Software 59(10).

    Example:
        >>> import pandas as pd
        >>> flag_mask(pd.DataFrame({"flags": ["", "saturated,ties"]}), "ties").tolist()
        [False, True]
    """
    if name not in FLAG_NAMES:
        raise InfoplaneError(f"unknown flag {name!r}; flags: {', '.join(FLAG_NAMES)}.")
    if "flags" not in getattr(plane, "columns", ()):
        raise InfoplaneError("plane lacks column flags; pass a table written by this version.")
    padded = "," + plane["flags"].fillna("").astype(str) + ","
    return padded.str.contains(f",{name},", regex=False).to_numpy()


def add_dpi_flags(plane: Any) -> Any:
    """Add ``dpi_violation`` to the rows whose value exceeds the layer before's beyond tolerance.

    For each estimator, repeat and epoch, layer l (>= 2 in the ``layer`` order) is flagged when
    I(X;T_l) > I(X;T_{l-1}) + tol or I(T_l;Y) > I(T_{l-1};Y) + tol, tol from
    :data:`DPI_TOLERANCE_BITS` (converted to the table's unit).

    Args:
        plane: information-plane table of shape (n_rows, n_columns): repeat, epoch, layer,
            estimator, i_xt, i_ty, unit and flags (a missing ``flags`` column is created empty).

    Returns:
        A copy with ``flags`` updated (any earlier ``dpi_violation`` is recomputed), same rows in
        the same order; the values are untouched.

    Raises:
        InfoplaneError: for a table without the columns, or one that mixes units.

    Notes:
        Assumes the captured layers form a chain, each a function of the one before (an MLP, a
        sequential CNN): for layers captured inside residual blocks a violation may be genuine
        rather than an estimation error. The comparison is per repetition, where the DPI holds.

    References:
        1. Cover, T. M., Thomas, J. A. (2006). Elements of Information Theory, 2nd ed. Wiley,
           Thm. 2.8.1.
        2. Geiger, B. C. (2021). IEEE TNNLS. arXiv 2003.09671, Sec. IV.

    Example:
        >>> import pandas as pd
        >>> t = pd.DataFrame({"repeat": 0, "epoch": 0, "layer": [1, 2], "estimator": "binning",
        ...                   "i_xt": [5.0, 6.0], "i_ty": [1.0, 0.5], "unit": "bits",
        ...                   "flags": ["", ""]})
        >>> add_dpi_flags(t)["flags"].tolist()
        ['', 'dpi_violation']
    """
    from infoplane.analysis.tables import require_columns, table_unit

    require_columns(plane, "plane", ["repeat", "epoch", "layer", "estimator", "i_xt", "i_ty"])
    unit = table_unit(plane, name="plane")
    out = plane.copy()
    if "flags" not in out.columns:
        out["flags"] = ""
    flags = out["flags"].fillna("").astype(str)
    flags = (
        ("," + flags + ",")
        .str.replace(",dpi_violation,", ",", regex=False)
        .str.strip(",")
        .to_numpy(dtype=object)
    )
    if len(out):
        keys = ["estimator", "repeat", "epoch"]
        order = np.lexsort(
            [out["layer"].to_numpy()] + [out[k].astype(str).to_numpy() for k in reversed(keys)]
        )
        p = out.iloc[order]
        up = p.groupby(keys, sort=False)[["i_xt", "i_ty"]].shift(1)
        tol_bits = p["estimator"].map(DPI_TOLERANCE_BITS).fillna(DEFAULT_DPI_TOLERANCE_BITS)
        tol = tol_bits.to_numpy() * (LN2 if unit == "nats" else 1.0)
        with np.errstate(invalid="ignore"):
            bad = (p["i_xt"].to_numpy() - up["i_xt"].to_numpy() > tol) | (
                p["i_ty"].to_numpy() - up["i_ty"].to_numpy() > tol
            )
        violated = np.zeros(len(out), dtype=bool)
        violated[order] = bad
        flags = np.where(
            violated,
            np.where(flags == "", "dpi_violation", flags + ",dpi_violation"),
            flags,
        )
    out["flags"] = flags.astype(object) if len(out) else out["flags"].astype(object)
    return out


def flag_summary(plane: Any) -> Any:
    """Share of rows carrying each flag, per estimator and over the whole table.

    Args:
        plane: information-plane table with ``estimator`` and ``flags`` columns (n_rows rows).

    Returns:
        pandas DataFrame, one row per estimator and a last row ``"all"``, with columns
        estimator, n_rows, clear (share of rows with no flag), and one column per flag name (share
        of rows carrying it, in [0, 1]); shares are fractions, not bits.

    Raises:
        InfoplaneError: for a table without ``estimator`` or ``flags``.

    Notes:
        A row may carry several flags, so the shares need not add up to 1 - clear.

    References:
        Geiger, B. C. (2021). IEEE TNNLS. arXiv 2003.09671.

    Example:
        >>> import pandas as pd
        >>> t = pd.DataFrame({"estimator": "binning", "flags": ["saturated", "", "", ""]})
        >>> flag_summary(t)[["estimator", "clear", "saturated"]].values.tolist()
        [['binning', 0.75, 0.25], ['all', 0.75, 0.25]]
    """
    import pandas as pd

    from infoplane.analysis.tables import require_columns

    require_columns(plane, "plane", ["estimator", "flags"])
    masks = {name: flag_mask(plane, name) for name in FLAG_NAMES}
    clear = plane["flags"].fillna("").astype(str).to_numpy() == ""
    rows = []
    groups = [(e, (plane["estimator"] == e).to_numpy()) for e in dict.fromkeys(plane["estimator"])]
    groups.append(("all", np.ones(len(plane), dtype=bool)))
    for est, sel in groups:
        m = max(int(sel.sum()), 1)
        row: dict[str, Any] = {"estimator": est, "n_rows": int(sel.sum())}
        row["clear"] = float(clear[sel].sum() / m)
        for name in FLAG_NAMES:
            row[name] = float(masks[name][sel].sum() / m)
        rows.append(row)
    return pd.DataFrame(rows, columns=["estimator", "n_rows", "clear", *FLAG_NAMES])


#: what to do when most points are saturated (printed by ``infoplane run``).
SATURATION_ADVICE: tuple[str, ...] = (
    "use coarser bins (e.g. -p binning.n_bins=10, or -p binning.bin_width=0.5 for unbounded layers), so that "
    "inputs share bins",
    "add noise of a variance relative to the layer's scale: kde_upper or sample_propagation "
    "with relative_noise (e.g. -e kde_upper -p kde_upper.relative_noise=0.01); I(X; T+Z) is finite, see "
    "docs/finite_mi.md",
    "make the network stochastic (Gaussian noise or dropout layers) or quantised, so that "
    "I(X;T) is finite and estimable",
    "or use another estimator (binning_adaptive, kde_upper, sample_propagation), or evaluate "
    "more inputs (the ceiling is log2 n)",
)


def summarize_flags(plane: Any) -> tuple[str, list[str]]:
    """One paragraph on the flags of a plane table, and advice when most points are saturated.

    Args:
        plane: information-plane table with columns estimator, flags (n_rows rows, one per
            repeat, epoch, layer and estimator).

    Returns:
        ``(summary, advice)``: a one-paragraph summary (share of rows per flag, per estimator when
        there are several; shares are percentages of rows, no bits) and a list of advice lines,
        non-empty when more than half of the rows of the table (or of one estimator) are
        ``saturated`` or ``not_finite``.

    Raises:
        InfoplaneError: for a table without ``estimator`` or ``flags``.

    Notes:
        The summary says where the flags are explained (``docs/flags.md``). Advice is given for
        saturation because a saturated plane (every point at log2 n) shows the number of
        inputs, not the network.

    References:
        Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
        Review. IEEE TNNLS. arXiv 2003.09671.

    Example:
        >>> import pandas as pd
        >>> t = pd.DataFrame({"estimator": "binning", "flags": ["saturated"] * 3 + [""]})
        >>> text, advice = summarize_flags(t)
        >>> text.split(";")[0]
        'Validity flags of 4 rows (docs/flags.md): 25% clear'
        >>> len(advice) > 0
        True
    """
    summary = flag_summary(plane)
    total = summary.iloc[-1]
    per_est = summary.iloc[:-1]

    def shares(row: Any) -> str:
        parts = [f"{name} {100 * row[name]:.0f}%" for name in FLAG_NAMES if row[name] > 0]
        return ", ".join(parts) if parts else "no flags"

    text = (
        f"Validity flags of {int(total['n_rows'])} rows (docs/flags.md): "
        f"{100 * total['clear']:.0f}% clear; {shares(total)}."
    )
    if len(per_est) > 1:
        text += " Per estimator: " + "; ".join(
            f"{r['estimator']}: {100 * r['clear']:.0f}% clear ({shares(r)})"
            for _, r in per_est.iterrows()
        )
        text += "."
    pinned = np.maximum(summary["saturated"], summary["not_finite"]).to_numpy()
    advice: list[str] = []
    if (pinned > 0.5).any():
        worst = summary.iloc[int(np.argmax(pinned[:-1]))] if len(per_est) else total
        advice.append(
            f"Most points sit at their ceiling ({worst['estimator']}: "
            f"{100 * worst['saturated']:.0f}% saturated, {100 * worst['not_finite']:.0f}% "
            "not_finite): I(X;T) is near log2 n, where it counts inputs instead of measuring "
            "the network. Try:"
        )
        advice.extend(f"- {line}" for line in SATURATION_ADVICE)
    return text, advice


__all__ = [
    "DPI_TOLERANCE_BITS",
    "FLAG_BITS",
    "FLAG_MEANINGS",
    "FLAG_NAMES",
    "add_dpi_flags",
    "ceiling_bits",
    "flag_bits",
    "flag_mask",
    "flag_strings",
    "flag_summary",
    "representation_flags",
    "representation_stats",
    "summarize_flags",
]
