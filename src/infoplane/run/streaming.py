"""Streaming estimation: one epoch of a layer estimated from batches of rows, keeping no epoch.

The information plane of Shwartz-Ziv & Tishby (2017), arXiv 1703.00810 (Sec. 3), needs, for each
captured epoch and layer, I(X;T) and I(T;Y) over the evaluation set. A layer of a real model has
thousands of units and the evaluation set tens of thousands of rows: one epoch of one layer is then
hundreds of MiB. Here each (estimator, layer) is a *stream* fed the rows of one epoch in batches
(as the capture produces them, or as they are read back from the store); it keeps only what its
estimator needs:

- ``binning`` (``scope="global"``): one int64 key per sample and repeat, the hash of the row's bin
  codes (Shwartz-Ziv & Tishby 2017, Eq. 2-3: I(X;T) = H(T_b), I(T;Y) = H(T_b) - H(T_b | Y)). Its
  memory is 8 bytes x R x n, whatever the width of the layer. With ``range="data"`` the range over
  the whole run is unknown while training, so online the **streaming range rule** applies: each
  layer's range is [min, max] over all repeats, samples and units of the layer at the *first
  captured epoch* (one extra forward pass at that epoch), then fixed; later values outside it get
  extra bins of the same width (never clipped). The range used is written in the table's ``params``
  column (``range``, ``range_rule``).
- every other estimator (KDE bounds, KSG, Renyi, EDGE, Gaussian, the neural bounds, adaptive or
  per-layer/per-neuron binning): the rows of a fixed, seeded subsample of the evaluation set
  (``subsample`` rows drawn without replacement with ``numpy.random.default_rng(subsample_seed)``,
  sorted), or every row when ``subsample`` is ``None``; it is estimated on those rows when the epoch
  is complete. Its memory is R x m x d float32. The subsample is written in the ``params`` column
  (``n_samples``, ``n_eval``, ``subsample_seed``).

A stream's values do not depend on how the rows are batched (keys are per row, subsample rows are
copied), so a run estimated online and the same run estimated from its store with the same
settings give equal tables (:func:`~infoplane.run.estimation.estimate_from_store` with
``subsample``).

References:
    Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
    Information. arXiv:1703.00810, Sec. 3.
    Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR
    (binning ranges for unbounded activations).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from infoplane.interface import InfoplaneError, convert

#: the streaming range rule of ``binning`` with ``range="data"`` while training
RANGE_RULE = "first captured epoch"
#: values of a row block coded at once by a binning stream (bounds its temporaries to ~8 MiB each)
_BLOCK_VALUES = 2**20
_HASH_SEED = 0x5EED  # the multipliers of infoplane.estimators.binning.row_keys


def subsample_rows(n: int, size: int | None, seed: int = 0) -> np.ndarray:
    """The fixed, seeded subsample of the evaluation rows a non-binning stream keeps.

    Args:
        n: number of evaluation rows.
        size: rows to keep (``None`` or ``>= n``: all rows).
        seed: seed of ``numpy.random.default_rng`` (default 0).

    Returns:
        Sorted int64 row indices, shape (min(size, n),).

    Raises:
        InfoplaneError: if ``size < 2``.

    Notes:
        Units: row indices. The draw depends only on ``(n, size, seed)``, so the online and the
        stored estimation of a run use the same rows.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810 (estimates over the inputs).

    Example:
        >>> subsample_rows(10, 4, seed=0).tolist()
        [2, 4, 5, 7]
        >>> len(subsample_rows(10, None))
        10
    """
    if size is not None and int(size) < 2:
        raise InfoplaneError(f"subsample must be >= 2 rows (or None for all); got {size}.")
    if size is None or int(size) >= n:
        return np.arange(n, dtype=np.int64)
    rng = np.random.default_rng(int(seed))
    return np.sort(rng.choice(n, int(size), replace=False)).astype(np.int64)


def keyed_binning(name: str, params: dict[str, Any]) -> bool:
    """Whether an estimator setting is streamed by per-row bin keys (all rows, any batch).

    Args:
        name: estimator registry name.
        params: its hyper-parameters.

    Returns:
        ``True`` for ``binning`` with global scope (fixed range, ``bin_width``, or ``range="data"``
        under the streaming range rule) and no ``bias_correction``, ``False`` for every other
        setting (subsampled rows).

    Raises:
        Nothing.

    Notes:
        Keyed streams use every evaluation row; the others use ``subsample`` rows.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810, Sec. 3.

    Example:
        >>> keyed_binning("binning", {"n_bins": 30}), keyed_binning("kde_upper", {})
        (True, False)
    """
    return (
        name == "binning"
        and params.get("scope", "global") == "global"
        and params.get("bias_correction", "none") == "none"  # corrected: the estimator itself
    )


def _row_hash(codes: np.ndarray, mult: np.ndarray) -> np.ndarray:
    """int64 key of each row of int64 codes (..., b, d): a 64-bit multiplicative hash."""
    with np.errstate(over="ignore"):
        return (codes.view(np.uint64) * mult).sum(axis=-1, dtype=np.uint64).view(np.int64)


def _make(name: str, params: dict[str, Any]) -> Any:
    """The estimator ``name`` with ``params`` validated into its typed parameters."""
    from infoplane.estimators.registry import estimator_params, make_estimator

    return make_estimator(name, estimator_params(name, params))


class _Levels:
    """Whether a representation's values take at most ``limit`` distinct levels (streamed)."""

    def __init__(self, n_repeats: int, limit: float) -> None:
        self.limit = limit
        self.levels: list[np.ndarray | None] = [np.empty(0, np.float64)] * n_repeats

    def add(self, a: np.ndarray) -> None:
        live = [r for r, lv in enumerate(self.levels) if lv is not None]
        if live:  # one sort settles "continuous" for most repeats: > limit values in a prefix
            head = np.sort(a.reshape(len(a), -1)[live, :1024].astype(np.float64), axis=1)
            many = (head[:, 1:] != head[:, :-1]).sum(axis=1) >= self.limit
            for r in np.asarray(live)[many & ~np.isnan(head).any(axis=1)]:
                self.levels[r] = None
        for r, lv in enumerate(self.levels):
            if lv is None:
                continue
            vals = a[r].reshape(-1)
            for part in (vals[:1024], vals):  # a short prefix usually settles "continuous"
                lv = np.union1d(lv, np.unique(part.astype(np.float64) + 0.0))
                if len(lv) > self.limit:
                    lv = None
                    break
            self.levels[r] = lv

    def lattice(self) -> np.ndarray:
        return np.array([lv is not None for lv in self.levels], dtype=bool)


class LayerStream:
    """The estimate of one estimator on one layer, one epoch at a time, fed batches of rows.

    Args:
        config: an :class:`~infoplane.run.config.EstimatorConfig` (``name``, ``params``).
        labels: labels of the evaluation rows, shape (n_eval,).
        subsample: rows kept by a non-keyed stream (``None``: all; see :func:`subsample_rows`).
        subsample_seed: seed of the subsample (default 0).
        online: ``True`` while training: ``binning`` with ``range="data"`` follows the streaming
            range rule (:data:`RANGE_RULE`); ``False``: it needs ``value_range`` (the whole run's).
        value_range: (low, high) that replaces ``range="data"`` of a keyed binning stream, or
            ``None``.
        complete_inputs: the rows are the whole input space (no ``sparse_bins`` flag).

    Attributes:
        rows: the evaluation rows the stream uses, sorted, shape (m,).
        needs_range: ``True`` while the streaming range rule still waits for its first epoch.

    Raises:
        InfoplaneError: for a bad estimator setting, or ``range="data"`` offline without
            ``value_range``.

    Notes:
        Values in the estimator's unit (bits by default); flags as
        :func:`~infoplane.analysis.validity.representation_flags` computes them on the same rows.
        Memory: 8 x R x n bytes (keyed) or 4 x R x m x d bytes (subsampled), plus one block.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810, Sec. 3.

    Example:
        >>> from infoplane.run.config import EstimatorConfig
        >>> s = LayerStream(EstimatorConfig(params={"n_bins": 2}), np.array([0, 1]))
        >>> s.begin(); s.add(0, np.array([[[-1.0]]])); s.add(1, np.array([[[1.0]]]))
        >>> [float(v[0]) for v in s.finish()[:2]]
        [1.0, 1.0]
    """

    def __init__(
        self,
        config: Any,
        labels: np.ndarray,
        *,
        subsample: int | None = None,
        subsample_seed: int = 0,
        online: bool = True,
        value_range: tuple[float, float] | None = None,
        complete_inputs: bool = False,
    ) -> None:
        self.config = config
        self.labels = np.asarray(labels, dtype=np.int64)
        self.n = len(self.labels)
        self.keyed = keyed_binning(config.name, config.params)
        self.params = dict(config.params)
        self.range_rule: str | None = None
        self.needs_range = False
        if self.keyed and self.params.get("range") == "data" and self.params.get("n_bins", 1):
            if value_range is not None:
                lo, hi = (float(v) for v in value_range)
                self.params["range"] = [lo, hi if hi > lo else lo + 1.0]
            elif online:
                self.needs_range, self.range_rule = True, RANGE_RULE
            else:
                raise InfoplaneError(
                    "binning with range='data' needs the range over the whole run (value_range)."
                )
        self.estimator = _make(config.name, self.params)
        self.unit = getattr(self.estimator, "unit", "bits")
        self.rows = (
            np.arange(self.n, dtype=np.int64)
            if self.keyed
            else subsample_rows(self.n, subsample, subsample_seed)
        )
        self.subsample_seed = int(subsample_seed) if len(self.rows) < self.n else None
        self.complete_inputs = bool(complete_inputs) and len(self.rows) == self.n
        self._buf: np.ndarray | None = None
        self._keys: np.ndarray | None = None
        self._whole: np.ndarray | None = None  # the epoch's row keys, when it came in one batch
        self._outside = 0

    # ----------------------------------------------------------------- range rule
    def fix_range(self, lo: float, hi: float) -> None:
        """Fix the range of a stream under the streaming range rule (from its first epoch).

        Args:
            lo: the layer's minimum at the first captured epoch.
            hi: its maximum (a constant layer gets ``lo + 1``).
        """
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise InfoplaneError(
                f"layer values at the first captured epoch are not finite ({lo}, {hi}): the "
                "streaming range rule of binning with range='data' cannot set a range; use a "
                "fixed range or bin_width."
            )
        self.params["range"] = [float(lo), float(hi) if hi > lo else float(lo) + 1.0]
        self.estimator = _make(self.config.name, self.params)
        self.needs_range = False

    # ----------------------------------------------------------------- one epoch
    def begin(self) -> None:
        """Start an epoch (drops what the previous one kept)."""
        if self.needs_range:
            raise InfoplaneError("the stream's range is not fixed yet (fix_range first).")
        self._buf = self._keys = self._whole = None
        self._outside = 0
        self._levels: _Levels | None = None

    def add(self, start: int, a: Any) -> None:
        """Feed rows ``start .. start + b`` of the epoch.

        Args:
            start: index of the first row of the batch in the evaluation set.
            a: activations (n_repeats, b, n_units) (numpy or torch).
        """
        a = a.numpy() if hasattr(a, "numpy") else np.asarray(a)
        r, b, d = a.shape
        if self.keyed:
            self._add_keys(start, a)
            return
        lo, hi = np.searchsorted(self.rows, [start, start + b])
        if self._buf is None:
            self._buf = np.full((r, len(self.rows), d), np.nan, dtype=np.float32)
        if hi > lo:
            self._buf[:, lo:hi] = a[:, self.rows[lo:hi] - start]

    def _add_keys(self, start: int, a: np.ndarray) -> None:
        from infoplane.analysis.validity import LATTICE_LEVELS
        from infoplane.estimators.binning import bin_edges_grid, binned_row_keys, discretize

        r, b, d = a.shape
        if self._keys is None:
            # narrow layers keep their codes (row_keys then gives the estimator's own keys);
            # wide ones (d >= 62, always hashed by row_keys) keep the same linear hash of
            # unshifted codes, shifted by the epoch's smallest code at the end
            self._keys = np.zeros((r, self.n, d) if d < 62 else (r, self.n), dtype=np.int64)
            self._min_code = np.iinfo(np.int64).max
            self._levels = _Levels(r, min(LATTICE_LEVELS, self.n * d / 2))
            self._mult = np.random.default_rng(_HASH_SEED).integers(
                1, 2**63, size=d, dtype=np.uint64
            ) | np.uint64(1)
        p = self.estimator.get_params()
        n_bins, width, value_range = p["n_bins"], p["bin_width"], p["range"]
        anchor, step = bin_edges_grid(n_bins=n_bins, bin_width=width, value_range=value_range)
        upper = float(value_range[1]) if n_bins is not None else None
        self._levels.add(a)  # type: ignore[union-attr]
        if (  # the whole epoch in one batch, inside the range: its keys at once, no codes kept
            self._keys.ndim == 3
            and start == 0
            and b == self.n
            and upper is not None
            and a.dtype.kind == "f"
            and anchor <= float(a.min())
            and float(a.max()) <= upper
        ):
            self._whole = binned_row_keys(a, anchor, step, upper=upper, n_bins=n_bins)
            return
        rows = max(1, _BLOCK_VALUES // max(1, d * r))
        for s in range(0, b, rows):
            blk = a[:, s : s + rows]
            if not (  # a float block inside the range is coded as it is (no copy, no masks)
                upper is not None
                and blk.dtype.kind == "f"
                and anchor <= float(blk.min())
                and float(blk.max()) <= upper
            ):
                blk = blk.astype(np.float64)  # compared in float64, as the estimator
                if upper is not None:
                    self._outside += int(((blk < anchor) | (blk > upper)).sum())
            codes = discretize(blk, anchor, step, upper=upper, n_bins=n_bins)
            stop = start + s + blk.shape[1]
            if self._keys.ndim == 3:
                self._keys[:, start + s : stop] = codes
            else:
                self._min_code = min(self._min_code, int(codes.min()))
                self._keys[:, start + s : stop] = _row_hash(codes, self._mult)

    def _final_keys(self) -> np.ndarray:
        """The estimator's own row keys of the epoch (``binning.row_keys`` of its codes)."""
        from infoplane.estimators.binning import row_keys

        keys = self._keys
        assert keys is not None
        if self._whole is not None:
            return self._whole
        if keys.ndim == 3:
            return row_keys(keys)
        with np.errstate(over="ignore"):
            shift = np.uint64(self._min_code % 2**64) * self._mult.sum(dtype=np.uint64)
            return (keys.view(np.uint64) - shift).view(np.int64)

    def finish(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The epoch's estimates.

        Returns:
            ``(i_xt (R,), i_ty (R,), flags (R,) int64)``, values in the stream's unit.
        """
        from infoplane.analysis.validity import representation_flags

        if self.keyed:
            return self._finish_keys()
        if self._buf is None:
            raise InfoplaneError("no rows were fed to the stream for this epoch.")
        t = self._buf[:, None]
        labels = self.labels[self.rows]
        i_xt, i_ty = self.estimator.information_plane(t, labels)
        flags = representation_flags(
            self.estimator, t, labels, i_xt, complete_inputs=self.complete_inputs
        )
        self._buf = None
        return (
            np.asarray(i_xt, float)[:, 0],
            np.asarray(i_ty, float)[:, 0],
            np.asarray(flags, np.int64)[:, 0],
        )

    def _finish_keys(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        from infoplane.analysis.validity import LN2, flag_bits
        from infoplane.estimators.binning import BinningRangeWarning, plane_entropies

        labels, n = self.labels, self.n
        if self._keys is None:
            raise InfoplaneError("no rows were fed to the stream for this epoch.")
        keys = self._final_keys()
        if self._outside and self.range_rule is None and self.params.get("range") != "data":
            p = self.estimator.get_params()
            lo, hi = p["range"]
            msg = (
                f"{self._outside / (keys.shape[0] * n * self._mult.size):.2%} of activation "
                f"values lie outside the binning range [{lo:g}, {hi:g}]; they were put in extra "
                "bins of the same width (not clipped). Use range='data' or bin_width=... for "
                "unbounded activations such as ReLU."
            )
            if p.get("out_of_range") == "error":
                raise InfoplaneError(msg)
            warnings.warn(msg, BinningRangeWarning, stacklevel=2)
        e = plane_entropies(keys, labels)  # one sort: H(T), H(T|Y) and the state counts
        h_t, h_t_y, k_all = e.h_t, e.h_t_given_y, e.distinct
        k_sum = (e.distinct_given_y - 1).sum(axis=-1)
        i_xt = np.asarray(convert(h_t, self.unit), dtype=float)
        i_ty = np.asarray(convert(h_t - h_t_y, self.unit), dtype=float)
        stats = {"lattice": self._levels.lattice()}  # type: ignore[union-attr]
        if not self.complete_inputs:
            stats["mm_xt"] = (k_all - 1) / (2 * n * LN2)
            stats["mm_ty"] = (k_sum - (k_all - 1)) / (2 * n * LN2)
        flags = flag_bits(
            self.config.name,
            i_xt,
            n_samples=n,
            params=self.estimator.get_params(),
            unit=self.unit,
            stats=stats,
        )
        self._keys = self._whole = None
        return i_xt, i_ty, np.asarray(flags, dtype=np.int64)

    def described(self) -> dict[str, Any]:
        """What the ``params`` column states for this stream (rows used, range rule).

        Returns:
            ``{"n_samples": m, "n_eval": n}`` plus ``subsample_seed`` for a subsample and
            ``range``/``range_rule`` for a binning range set by the streaming rule or the run.
        """
        out: dict[str, Any] = {"n_samples": len(self.rows), "n_eval": int(self.n)}
        if self.subsample_seed is not None:
            out["subsample_seed"] = self.subsample_seed
        if self.keyed and self.config.params.get("range") == "data" and not self.needs_range:
            out["range"] = [float(v) for v in self.params["range"]]
            out["range_rule"] = self.range_rule or "whole run"
        return out


def layer_ranges(batches: Iterable[tuple[int, dict[str, Any]]]) -> dict[str, tuple[float, float]]:
    """Minimum and maximum of every layer over batches of rows (the streaming range rule).

    Args:
        batches: ``(start, {layer: activations (R, b, d)})`` items.

    Returns:
        layer -> (min, max) over repeats, rows and units (NaN if a value is not finite).

    Raises:
        Nothing.

    Notes:
        Used at the first captured epoch by streams that wait for their range.

    References:
        Saxe, A. M. et al. (2018). ICLR (data-range bins).

    Example:
        >>> layer_ranges([(0, {"h": np.array([[[1.0], [3.0]]])}), (2, {"h": np.array([[[-2.0]]])})])
        {'h': (-2.0, 3.0)}
    """
    out: dict[str, tuple[float, float]] = {}
    for _start, acts in batches:
        for name, a in acts.items():
            a = a.numpy() if hasattr(a, "numpy") else np.asarray(a)
            lo, hi = out.get(name, (np.inf, -np.inf))
            if np.isfinite(a).all():
                out[name] = (min(lo, float(a.min())), max(hi, float(a.max())))
            else:
                out[name] = (np.nan, np.nan)
    return out


def params_text(described: dict[str, Any]) -> str:
    """The ``params`` column's value: the stream's description as compact JSON.

    Args:
        described: from :meth:`LayerStream.described`.

    Returns:
        A JSON string with sorted keys.

    Raises:
        Nothing for JSON-serialisable input.

    Notes:
        Units: ``range`` in the layer's activation units; counts in rows.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810.

    Example:
        >>> params_text({"n_samples": 2, "n_eval": 4})
        '{"n_eval": 4, "n_samples": 2}'
    """
    return json.dumps(described, sort_keys=True)


def batched(
    rows: int, n: int, fetch: Callable[[int, int], dict[str, Any]]
) -> Callable[[], Iterator[tuple[int, dict[str, Any]]]]:
    """A re-iterable source of ``(start, {layer: (R, b, d)})`` batches of ``rows`` rows.

    Args:
        rows: rows per batch (>= 1).
        n: number of rows.
        fetch: ``fetch(start, stop)`` -> layer -> activations of those rows.

    Returns:
        A function that yields the batches again at each call.

    Raises:
        InfoplaneError: if ``rows < 1``.

    Notes:
        Shapes: each batch (R, b, d) per layer, b <= rows. Memory: one batch at a time.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810.

    Example:
        >>> src = batched(2, 3, lambda a, b: {"h": np.zeros((1, b - a, 1))})
        >>> [(s, v["h"].shape[1]) for s, v in src()]
        [(0, 2), (2, 1)]
    """
    if rows < 1:
        raise InfoplaneError(f"rows per batch must be >= 1; got {rows}.")

    def gen() -> Iterator[tuple[int, dict[str, Any]]]:
        for s in range(0, n, rows):
            yield s, fetch(s, min(n, s + rows))

    return gen


def run_streams(
    streams: Sequence[Sequence[LayerStream]],
    layers: Sequence[str],
    batches: Callable[[], Iterable[tuple[int, dict[str, Any]]]],
    sink: Callable[[int, dict[str, Any]], None] | None = None,
) -> list[list[tuple[np.ndarray, np.ndarray, np.ndarray]]]:
    """Estimate one epoch: every stream of every layer, from one pass over the batches.

    Args:
        streams: ``streams[k][i]``: estimator k on layer ``layers[i]``.
        layers: layer names, in network order.
        batches: re-iterable source of ``(start, {layer: (R, b, d)})``; iterated twice at an
            epoch where a stream still waits for its range (the streaming range rule).
        sink: also called with every batch (e.g. writing it to the store), or ``None``.

    Returns:
        ``out[k][i] = (i_xt (R,), i_ty (R,), flags (R,))`` in each estimator's unit.

    Raises:
        InfoplaneError: from a stream (e.g. a non-finite first-epoch range).

    Notes:
        Peak memory: one batch plus what each stream keeps (keys or its subsample rows).

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810, Sec. 3.

    Example:
        >>> from infoplane.run.config import EstimatorConfig
        >>> s = [[LayerStream(EstimatorConfig(params={"n_bins": 2, "range": "data"}),
        ...                   np.array([0, 1]))]]
        >>> src = batched(1, 2, lambda a, b: {"h": np.array([[[-3.0], [5.0]]])[:, a:b]})
        >>> out = run_streams(s, ["h"], src)
        >>> float(out[0][0][0][0]), s[0][0].described()["range"]
        (1.0, [-3.0, 5.0])
    """
    waiting = {layers[i] for row in streams for i, s in enumerate(row) if s.needs_range}
    if waiting:
        ranges = layer_ranges(
            (start, {k: v for k, v in acts.items() if k in waiting}) for start, acts in batches()
        )
        for row in streams:
            for i, s in enumerate(row):
                if s.needs_range:
                    s.fix_range(*ranges[layers[i]])
    for row in streams:
        for s in row:
            s.begin()
    for start, acts in batches():
        if sink is not None:
            sink(start, acts)
        for row in streams:
            for i, s in enumerate(row):
                s.add(start, acts[layers[i]])
    return [[s.finish() for s in row] for row in streams]
