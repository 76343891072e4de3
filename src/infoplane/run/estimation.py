"""Estimating the information plane of a run: in memory, from the activation store, or online.

Three routes give the same tidy table (:data:`~infoplane.storage.tables.PLANE_COLUMNS`, one row per
repeat, epoch, layer and estimator, values in the ``unit`` column's unit, bits by default):

- :func:`estimate_plane`: activations held in memory, (R, E, n, d) per layer;
- :func:`estimate_from_store`: read back from the zarr store in chunks of epochs, so peak memory does
  not grow with the number of epochs; each (estimator, layer) result can be cached on disk, which
  makes estimation resumable;
- :class:`OnlineEstimates`: at each capture epoch during training, keeping no activations (the
  streams of :mod:`infoplane.run.streaming`, fed batches of rows; ``estimate_from_store`` with
  ``subsample`` runs the same streams on the store, so the two give equal tables).

Settings that pool every epoch of a layer (``binning`` with ``range="data"`` and global scope;
``binning_adaptive`` with global scope) get the layer's range over the whole run from the store's
manifest, so chunked estimation equals estimating everything at once.

Every route also fills the table's ``flags`` column (:mod:`infoplane.analysis.validity`): the flags
that need the activations (saturation, sparse bins, ties, non-finite I(X;T)) are computed where they
are at hand -- per layer in memory, per chunk of epochs from the store, per epoch online -- and the
data-processing-inequality flag across layers once the table is complete. Flags never change a
value.

References:
    Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
    Information. arXiv:1703.00810, Sec. 3 (binning I(X;T), I(T;Y) per layer and epoch).
    Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR
    (data-range bins for unbounded activations).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from infoplane.analysis.validity import add_dpi_flags, flag_bits, representation_flags
from infoplane.interface import InfoplaneError
from infoplane.storage.tables import PLANE_COLUMNS, plane_frame, read_table

#: columns a cached (estimator, layer) table must have; one without ``flags`` is recomputed
_CACHED_COLUMNS = [c for c in PLANE_COLUMNS if c != "flags"]


def make_configured_estimator(name: str, params: dict[str, Any]) -> Any:
    """Build the estimator ``name`` with hyper-parameters ``params`` (validated by its class).

    Args:
        name: registry name (see ``infoplane.estimators.available_estimators()``).
        params: hyper-parameters as plain data (a config's ``params`` dict).

    Returns:
        The estimator instance.

    Raises:
        InfoplaneError: for an unknown estimator or a bad parameter (named in the message).

    Notes:
        The plain dict is validated into the estimator's typed ``Params`` object
        (:func:`~infoplane.estimators.registry.estimator_params`), which builds the estimator.

    References:
        Pedregosa, F. et al. (2011). Scikit-learn: Machine Learning in Python. JMLR 12 (validated
        hyper-parameters set in ``__init__``).

    Example:
        >>> make_configured_estimator("binning", {"n_bins": 10}).n_bins
        10
    """
    from infoplane.estimators.registry import estimator_params, make_estimator

    return make_estimator(name, estimator_params(name, params))


def needs_whole_run(name: str, params: dict[str, Any]) -> bool:
    """Whether an estimator setting pools every epoch of a layer at once.

    Args:
        name: estimator registry name.
        params: its hyper-parameters.

    Returns:
        ``True`` for ``binning`` with ``range="data"`` and ``scope="global"`` (its default scope)
        and for ``binning_adaptive`` with ``scope="global"``.

    Raises:
        Nothing.

    Notes:
        Online, the range over the whole run is not known while training: ``binning`` then
        follows the streaming range rule (:mod:`infoplane.run.streaming`) and ``binning_adaptive``
        with global scope is refused. From the store, they need the layer's range over all epochs
        first.

    References:
        Saxe, A. M. et al. (2018). ICLR (bins over the range of the whole run).

    Example:
        >>> needs_whole_run("binning", {"range": "data"}), needs_whole_run("binning", {})
        (True, False)
    """
    if name == "binning":
        return params.get("range") == "data" and params.get("scope", "global") == "global"
    return name == "binning_adaptive" and params.get("scope") == "global"


def estimate_plane(
    activations: dict[str, np.ndarray],
    labels: np.ndarray,
    epochs: np.ndarray,
    estimators: Sequence[Any],
    progress: Callable[..., Any] | None = None,
    *,
    complete_inputs: bool = False,
) -> Any:
    """Run every estimator on in-memory activations and return the tidy table.

    Args:
        activations: module name -> array (n_repeats, n_epochs, n_samples, n_units), in network
            order.
        labels: integer labels of the evaluated samples, shape (n_samples,).
        epochs: the captured epochs, shape (n_epochs,).
        estimators: :class:`~infoplane.run.config.EstimatorConfig` items (``name``, ``params``).
        progress: tqdm-like factory, or ``None`` (default).
        complete_inputs: the samples are the whole input space (the 12-bit task on all 4096
            inputs): no ``sparse_bins`` flag, the plug-in values being exact (default False).

    Returns:
        pandas DataFrame with the columns of :data:`~infoplane.storage.tables.PLANE_COLUMNS`;
        ``i_xt`` and ``i_ty`` in each estimator's unit (bits by default, see ``unit``); ``flags``
        as computed by :mod:`infoplane.analysis.validity`.

    Raises:
        InfoplaneError: for a bad estimator or activations of the wrong shape.

    Notes:
        The bias of each estimator is its own (e.g. binning overestimates compression with too
        few bins; Saxe et al. 2018); the table says which estimator made each row, and its
        ``flags`` column which rows may not be trusted (``docs/flags.md``).

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810, Sec. 3.

    Example:
        >>> from infoplane.run.config import EstimatorConfig
        >>> t = np.random.default_rng(0).uniform(-1, 1, (1, 2, 8, 2))
        >>> table = estimate_plane({"h": t}, np.arange(8) % 2, np.array([0, 5]),
        ...                        [EstimatorConfig(name="binning", params={"n_bins": 2})])
        >>> table[["epoch", "layer", "unit", "flags"]].values.tolist()  # 8 samples, 4 bins: sparse
        [[0, 1, 'bits', 'sparse_bins'], [5, 1, 'bits', 'sparse_bins']]
    """
    import pandas as pd

    jobs = [(e, i, name) for e in estimators for i, name in enumerate(activations, start=1)]
    iterator = progress(jobs, desc="estimating", unit="layer") if progress else jobs
    frames = []
    for est_cfg, layer, name in iterator:
        est = make_configured_estimator(est_cfg.name, est_cfg.params)
        i_xt, i_ty = est.information_plane(activations[name], labels)
        flags = representation_flags(
            est, activations[name], labels, i_xt, complete_inputs=complete_inputs
        )
        unit = getattr(est, "unit", "bits")
        frames.append(plane_frame(i_xt, i_ty, epochs, layer, name, est_cfg.name, unit, flags))
    return add_dpi_flags(pd.concat(frames, ignore_index=True))


def estimate_layer_from_store(
    store: Any,
    layer: str,
    name: str,
    params: dict[str, Any],
    *,
    max_bytes: int = 256 * 2**20,
    flags: bool = False,
    complete_inputs: bool = False,
) -> tuple[Any, ...]:
    """Estimate one layer's information plane from an activation store, in chunks of epochs.

    Args:
        store: an :class:`~infoplane.storage.activations.ActivationStore`.
        layer: the layer name.
        name: estimator registry name.
        params: its hyper-parameters.
        max_bytes: float32 bytes of activations per chunk (bounds peak memory; default 256 MiB).
        flags: also return the validity flags of each estimate, computed on each chunk while it
            is in memory (default False).
        complete_inputs: the samples are the whole input space (no ``sparse_bins``; default
            False).

    Returns:
        ``(epochs (E,), i_xt (R, E), i_ty (R, E), unit)``: the complete epochs of the store and the
        estimates in ``unit`` (bits unless ``params`` ask for nats); with ``flags=True`` a fifth
        item, the int64 flag masks (R, E) of
        :func:`~infoplane.analysis.validity.representation_flags` (all flags but
        ``dpi_violation``, which needs every layer).

    Raises:
        InfoplaneError: for a bad estimator or an empty store.
        InfoplaneRuntimeError: for a damaged store (from the store's reader).

    Notes:
        Settings that depend on the whole run are resolved first: binning with ``range="data"``
        gets the layer's [min, max] over all repeats and complete epochs, read from the store's
        manifest (the same range as estimating everything at once); ``binning_adaptive`` with
        global scope reads the layer in one chunk.

    References:
        Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.

    Example:
        >>> import tempfile, pathlib
        >>> from infoplane.storage import ActivationStore
        >>> st = ActivationStore.create(pathlib.Path(tempfile.mkdtemp()) / "a.zarr", {"h": 1},
        ...                             n_repeats=1, labels=np.array([0, 1, 0, 1]))
        >>> st.write_epoch(0, {"h": np.array([[[-1.0], [1.0], [-1.0], [1.0]]])})
        >>> eps, i_xt, i_ty, unit = estimate_layer_from_store(st, "h", "binning", {"n_bins": 2})
        >>> float(i_xt[0, 0]), float(i_ty[0, 0]), unit
        (1.0, 1.0, 'bits')
    """
    epochs = store.completed_epochs
    if len(epochs) == 0:
        raise InfoplaneError(
            f"the activation store at {str(store.path)!r} holds no complete epoch."
        )
    params = dict(params)
    per_epoch = store.n_repeats * store.n_samples * store.n_units[layer] * 4
    # one chunk: the estimator sees everything at once, exactly as for in-memory activations
    whole = needs_whole_run(name, params) and per_epoch * len(epochs) > max_bytes
    quiet = False
    if whole and name == "binning_adaptive":
        # equal-mass bins over the whole run cannot be split: read the layer in one chunk
        max_bytes = max(max_bytes, per_epoch * len(epochs))
    elif whole:
        lo, hi = store.value_range(layer)
        if not hi > lo:
            hi = lo + 1.0
        params["range"] = [lo, hi]
        quiet = True
    est = make_configured_estimator(name, params)
    xs, ys, fs = [], [], []
    labels = store.labels
    for _eps, t in store.iter_epoch_chunks(layer, max_bytes=max_bytes, epochs=epochs):
        with warnings.catch_warnings():
            if quiet:  # the range is the data's own: nothing is out of range
                warnings.filterwarnings("ignore", message=".*outside the binning range.*")
            i_xt, i_ty = est.information_plane(t, labels)
        xs.append(np.asarray(i_xt, dtype=float))
        ys.append(np.asarray(i_ty, dtype=float))
        if flags:
            fs.append(representation_flags(est, t, labels, xs[-1], complete_inputs=complete_inputs))
    out = (
        epochs,
        np.concatenate(xs, axis=1),
        np.concatenate(ys, axis=1),
        getattr(est, "unit", "bits"),
    )
    return (*out, np.concatenate(fs, axis=1)) if flags else out


def estimate_from_store(
    store: Any,
    estimators: Sequence[Any],
    *,
    max_bytes: int = 256 * 2**20,
    progress: Callable[..., Any] | None = None,
    cache: Callable[[int, int], Path] | None = None,
    labels_for: dict[int, str] | None = None,
    complete_inputs: bool = False,
    subsample: int | None = None,
    subsample_seed: int = 0,
    batch_rows: int | None = None,
) -> Any:
    """Estimate every estimator on every layer of a store and return the tidy table.

    Args:
        store: an :class:`~infoplane.storage.activations.ActivationStore`.
        estimators: :class:`~infoplane.run.config.EstimatorConfig` items (``name``, ``params``).
        max_bytes: memory budget per chunk of epochs (default 256 MiB of float32).
        progress: tqdm-like factory, or ``None``.
        cache: ``cache(estimator index, layer index)`` -> the file where that (estimator, layer)
            table is saved atomically once computed, and reused if present (what makes estimation
            resumable; a run passes :meth:`~infoplane.storage.layout.RunLayout.estimate_cache`).
            ``None`` (default): nothing cached.
        labels_for: estimator index -> the value of the ``estimator`` column (default: its name).
        complete_inputs: the store's samples are the whole input space (the 12-bit task on all
            4096 inputs): no ``sparse_bins`` flag (default False).
        subsample: ``None`` (default): each chunk of epochs is estimated at once. An int: the
            streaming route of :mod:`infoplane.run.streaming`, as online -- each epoch read in
            batches of rows, ``binning`` (global scope) on every row by bin keys, every other
            estimator on this many rows drawn with ``subsample_seed``; the table gains a
            ``params`` column stating them. A run estimated online with the same subsample gives
            the same values.
        subsample_seed: seed of the subsample (default 0).
        batch_rows: rows read at once by the streaming route (default: ``max_bytes`` of float32).

    Returns:
        pandas DataFrame with the columns of :data:`~infoplane.storage.tables.PLANE_COLUMNS`,
        estimator-major, then layer, repeat, epoch; ``flags`` from
        :mod:`infoplane.analysis.validity`; with ``subsample``, a ``params`` column (JSON).

    Raises:
        InfoplaneError: for a bad estimator or an empty store.
        InfoplaneRuntimeError: for a damaged store or cached table (the message names the file).

    Notes:
        A cached table is trusted as it is: it was written atomically by this function for the
        same run (its config cannot change on resume). One written before tables had a ``flags``
        column is estimated again. The ``dpi_violation`` flag is computed on the whole table.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810, Sec. 3.

    Example:
        >>> import tempfile, pathlib
        >>> from infoplane.storage import ActivationStore
        >>> from infoplane.run.config import EstimatorConfig
        >>> st = ActivationStore.create(pathlib.Path(tempfile.mkdtemp()) / "a.zarr", {"h": 1},
        ...                             n_repeats=1, labels=np.array([0, 1]))
        >>> st.write_epoch(0, {"h": np.array([[[-1.0], [1.0]]])})
        >>> estimate_from_store(st, [EstimatorConfig()])["i_xt"].tolist()
        [1.0]
    """
    import pandas as pd

    from infoplane.storage import write_table

    jobs = [
        (k, e, i, name)
        for k, e in enumerate(estimators)
        for i, name in enumerate(store.layers, start=1)
    ]
    if subsample is not None:
        return _stream_from_store(
            store,
            estimators,
            progress=progress,
            cache=cache,
            labels_for=labels_for,
            complete_inputs=complete_inputs,
            subsample=subsample,
            subsample_seed=subsample_seed,
            batch_rows=batch_rows,
            max_bytes=max_bytes,
        )
    iterator = progress(jobs, desc="estimating", unit="layer") if progress else jobs
    frames = []
    for k, est_cfg, layer, name in iterator:
        label = (labels_for or {}).get(k, est_cfg.name)
        path = None if cache is None else Path(cache(k, layer))
        if path is not None and path.is_file():
            cached = read_table(path, columns=_CACHED_COLUMNS, what="cached estimate")
            if "flags" in cached.columns:
                frames.append(cached.assign(flags=cached["flags"].fillna("")))
                continue
        epochs, i_xt, i_ty, unit, flags = estimate_layer_from_store(
            store,
            name,
            est_cfg.name,
            est_cfg.params,
            max_bytes=max_bytes,
            flags=True,
            complete_inputs=complete_inputs,
        )
        frame = plane_frame(i_xt, i_ty, epochs, layer, name, label, unit, flags)
        if path is not None:
            write_table(path, frame)
        frames.append(frame)
    return add_dpi_flags(pd.concat(frames, ignore_index=True))


def _stream_from_store(
    store: Any,
    estimators: Sequence[Any],
    *,
    progress: Callable[..., Any] | None,
    cache: Callable[[int, int], Path] | None,
    labels_for: dict[int, str] | None,
    complete_inputs: bool,
    subsample: int,
    subsample_seed: int,
    batch_rows: int | None,
    max_bytes: int,
) -> Any:
    """The streaming route of :func:`estimate_from_store` (the online estimation, from the store)."""
    import pandas as pd

    from infoplane.run.streaming import LayerStream, batched, params_text, run_streams
    from infoplane.storage import write_table

    epochs = store.completed_epochs
    if len(epochs) == 0:
        raise InfoplaneError(
            f"the activation store at {str(store.path)!r} holds no complete epoch."
        )
    labels, n = store.labels, store.n_samples
    layers = list(store.layers)
    iterator = progress(layers, desc="estimating", unit="layer") if progress else layers
    frames: dict[tuple[int, int], Any] = {}
    for name in iterator:
        layer = layers.index(name) + 1
        todo = []
        for k, cfg in enumerate(estimators):
            path = None if cache is None else Path(cache(k, layer))
            if path is not None and path.is_file():
                cached = read_table(
                    path, columns=[*_CACHED_COLUMNS, "flags"], what="cached estimate"
                )
                frames[(k, layer)] = cached.assign(flags=cached["flags"].fillna(""))
            elif needs_whole_run(cfg.name, cfg.params) and cfg.name != "binning":
                # equal-mass bins over the whole run cannot be streamed: the chunked route
                eps, i_xt, i_ty, unit, fl = estimate_layer_from_store(
                    store,
                    name,
                    cfg.name,
                    cfg.params,
                    max_bytes=max_bytes,
                    flags=True,
                    complete_inputs=complete_inputs,
                )
                frame = plane_frame(
                    i_xt, i_ty, eps, layer, name, (labels_for or {}).get(k, cfg.name), unit, fl
                )
                frame["params"] = params_text({"n_samples": int(n), "n_eval": int(n)})
                frames[(k, layer)] = frame
                if path is not None:
                    write_table(path, frame)
            else:
                value_range = None
                if cfg.name == "binning" and cfg.params.get("range") == "data":
                    value_range = store.value_range(name)
                stream = LayerStream(
                    cfg,
                    labels,
                    subsample=subsample,
                    subsample_seed=subsample_seed,
                    online=False,
                    value_range=value_range
                    if cfg.params.get("scope", "global") == "global"
                    else None,
                    complete_inputs=complete_inputs,
                )
                todo.append((k, cfg, stream, path))
        if not todo:
            continue
        d = store.n_units[name]
        rows = batch_rows or max(1, max_bytes // (4 * store.n_repeats * d))
        out: list[list[Any]] = [[] for _ in todo]
        for e in epochs:
            src = batched(
                rows, n, lambda a, b, e=e, nm=name: {nm: store.read_rows(nm, int(e), a, b)}
            )
            res = run_streams([[t[2]] for t in todo], [name], src)
            for j, row in enumerate(res):
                out[j].append(row[0])
        for j, (k, cfg, stream, path) in enumerate(todo):
            i_xt, i_ty, fl = (np.stack([v[m] for v in out[j]], axis=1) for m in range(3))
            frame = plane_frame(
                i_xt,
                i_ty,
                epochs,
                layer,
                name,
                (labels_for or {}).get(k, cfg.name),
                stream.unit,
                fl,
            )
            frame["params"] = params_text(stream.described())
            frames[(k, layer)] = frame
            if path is not None:
                write_table(path, frame)
    ordered = [frames[(k, i)] for k in range(len(estimators)) for i in range(1, len(layers) + 1)]
    return add_dpi_flags(pd.concat(ordered, ignore_index=True))


class OnlineEstimates:
    """Estimates computed at each capture epoch during training (no activations kept).

    Each (estimator, layer) is a :class:`~infoplane.run.streaming.LayerStream`: fed the epoch's
    rows in batches as the capture produces them, it keeps only per-row bin keys (``binning``) or
    a fixed seeded subsample of the rows (every other estimator; all rows when ``subsample`` is
    ``None``), so peak memory grows neither with the number of captured epochs nor, beyond what
    the estimator keeps, with the evaluation set.

    Args:
        estimators: :class:`~infoplane.run.config.EstimatorConfig` items.
        labels: labels of the evaluated samples, shape (n_samples,).
        complete_inputs: the samples are the whole input space (no ``sparse_bins``; default
            False).
        subsample: rows of the evaluation set the non-binning estimators use (``None``, the
            default: all); drawn by :func:`~infoplane.run.streaming.subsample_rows`.
        subsample_seed: seed of that subsample (default 0).

    Attributes:
        values: (estimator index, layer index) -> {epoch: (i_xt (R,), i_ty (R,), flags (R,))},
            values in each estimator's unit (bits by default), flags int64 masks of
            :data:`~infoplane.analysis.validity.FLAG_BITS`.
        ranges: (estimator index, layer index) -> (low, high) set by the streaming range rule.

    Raises:
        InfoplaneError: for ``binning_adaptive`` with ``scope="global"`` (equal-mass bins over the
            whole run): use ``scope="layer"``/``"neuron"`` or keep the activation store.

    Notes:
        ``binning`` with ``range="data"`` (global scope) follows the streaming range rule
        (:data:`~infoplane.run.streaming.RANGE_RULE`): each layer's range is its [min, max] at
        the first captured epoch, then fixed; the table's ``params`` column states it. With the
        same ``subsample`` the values equal those of
        :func:`estimate_from_store` on the run's store; flags are computed on the same rows.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810, Sec. 3.

    Example:
        >>> from infoplane.run.config import EstimatorConfig
        >>> on = OnlineEstimates([EstimatorConfig(params={"n_bins": 2})], np.array([0, 1]))
        >>> on.update(0, {"h": np.array([[[-1.0], [1.0]]])})
        >>> on.to_frame(["h"])[["epoch", "i_xt", "unit"]].values.tolist()
        [[0, 1.0, 'bits']]
    """

    def __init__(
        self,
        estimators: Sequence[Any],
        labels: np.ndarray,
        *,
        complete_inputs: bool = False,
        subsample: int | None = None,
        subsample_seed: int = 0,
    ) -> None:
        for e in estimators:
            if e.name == "binning_adaptive" and e.params.get("scope") == "global":
                raise InfoplaneError(
                    "estimator 'binning_adaptive' with scope='global' pools the whole run, which "
                    "online estimation does not know; use scope='layer' or 'neuron', or "
                    "storage.online=false (estimate from the activation store)."
                )
        self.configs = list(estimators)
        self.estimators = [make_configured_estimator(e.name, e.params) for e in estimators]
        self.labels = np.asarray(labels)
        self.complete_inputs = bool(complete_inputs)
        self.subsample = subsample
        self.subsample_seed = int(subsample_seed)
        self.values: dict[tuple[int, int], dict[int, tuple[np.ndarray, ...]]] = {}
        self.ranges: dict[tuple[int, int], tuple[float, float]] = {}
        self._streams: list[list[Any]] | None = None
        self._layers: list[str] | None = None

    def _make_streams(self, layers: list[str]) -> list[list[Any]]:
        from infoplane.run.streaming import LayerStream

        if self._streams is None or self._layers != list(layers):
            self._layers = list(layers)
            self._streams = [
                [
                    LayerStream(
                        cfg,
                        self.labels,
                        subsample=self.subsample,
                        subsample_seed=self.subsample_seed,
                        online=True,
                        complete_inputs=self.complete_inputs,
                    )
                    for _ in layers
                ]
                for cfg in self.configs
            ]
            for (k, i), rng in self.ranges.items():
                self._streams[k][i - 1].fix_range(*rng)
        return self._streams

    def update(self, epoch: int, acts: dict[str, np.ndarray]) -> None:
        """Estimate every layer of one epoch from its whole activations.

        Args:
            epoch: the captured epoch.
            acts: layer -> activations (n_repeats, n_samples, n_units), in network order.
        """
        self.update_batches(epoch, list(acts), lambda: iter([(0, acts)]))

    def update_batches(
        self,
        epoch: int,
        layers: list[str],
        batches: Callable[[], Any],
        sink: Callable[[int, dict[str, Any]], None] | None = None,
    ) -> None:
        """Estimate every layer of one epoch from batches of rows.

        Args:
            epoch: the captured epoch.
            layers: the layer names, in network order.
            batches: a function returning an iterator of ``(start, {layer: (R, b, d)})``; called
                twice at the first epoch when a stream follows the streaming range rule.
            sink: also called with each batch (e.g. to write it to the store), or ``None``.
        """
        from infoplane.run.streaming import run_streams

        streams = self._make_streams(layers)
        out = run_streams(streams, layers, batches, sink=sink)
        for k, row in enumerate(out):
            for i, vals in enumerate(row, start=1):
                self.values.setdefault((k, i), {})[int(epoch)] = vals
                s = streams[k][i - 1]
                if s.range_rule is not None:
                    self.ranges[(k, i)] = tuple(s.params["range"])  # type: ignore[assignment]

    def forget_after(self, epoch: int) -> None:
        """Drop estimates of epochs after ``epoch`` (resume from a checkpoint)."""
        for per_epoch in self.values.values():
            for e in [e for e in per_epoch if e > epoch]:
                del per_epoch[e]

    def state_dict(self) -> list[list[Any]]:
        """The estimates so far as plain data and tensors (for a safe checkpoint).

        Returns:
            A list of ``[estimator index, layer index, epoch, i_xt tensor (R,), i_ty tensor (R,),
            flags tensor (R,) int64]``.
        """
        import torch

        return [
            [k, i, e, *(torch.from_numpy(np.array(v)) for v in vals)]
            for (k, i), per_epoch in sorted(self.values.items())
            for e, vals in sorted(per_epoch.items())
        ]

    def ranges_state(self) -> list[list[float]]:
        """The ranges fixed by the streaming range rule, as plain data (for a checkpoint).

        Returns:
            A list of ``[estimator index, layer index, low, high]``.
        """
        return [[k, i, float(lo), float(hi)] for (k, i), (lo, hi) in sorted(self.ranges.items())]

    def load_ranges(self, state: list[list[float]] | None) -> None:
        """Restore ranges saved by :meth:`ranges_state` (``None``: none were fixed)."""
        self.ranges = {(int(k), int(i)): (float(lo), float(hi)) for k, i, lo, hi in state or []}
        self._streams = None

    def load_state_dict(self, state: list[list[Any]]) -> None:
        """Restore estimates saved by :meth:`state_dict`.

        A checkpoint written before flags were kept has 5 items per entry; its flags are then
        recomputed from the values alone (``saturated``), the others need the activations.
        """
        self.values = {}
        n = len(self.labels)
        for k, i, e, x, y, *rest in state:
            x = np.asarray(x, dtype=float)
            if rest:
                f = np.asarray(rest[0], dtype=np.int64)
            else:
                est = self.estimators[int(k)]
                f = flag_bits(est.name, x, n_samples=n, params=est.get_params(), unit=est.unit)
            self.values.setdefault((int(k), int(i)), {})[int(e)] = (
                x,
                np.asarray(y, dtype=float),
                f,
            )

    def to_frame(self, layers: list[str]) -> Any:
        """The tidy table, in the same row order as offline estimation.

        Args:
            layers: the layer names, in network order.

        Returns:
            pandas DataFrame with the columns of :data:`~infoplane.storage.tables.PLANE_COLUMNS`
            (values in each estimator's unit, bits by default; ``flags`` filled in), plus a
            ``params`` column (JSON: rows used, subsample seed, streaming range) when a subsample
            or the streaming range rule was used.
        """
        import pandas as pd

        return add_dpi_flags(pd.concat(self.to_frames(layers), ignore_index=True))

    def to_frames(self, layers: list[str]) -> list[Any]:
        """The table of :meth:`to_frame` as one frame per (estimator, layer), before the DPI flags.

        Args:
            layers: the layer names, in network order.

        Returns:
            pandas DataFrames in estimator-major, layer-minor order, each repeat-major (the blocks
            :meth:`to_frame` concatenates; the member groups of
            :mod:`infoplane.run.members` merge them block by block).
        """
        from infoplane.run.streaming import params_text

        streams = self._make_streams(layers)
        frames = []
        for k, est_cfg in enumerate(self.configs):
            for i, name in enumerate(layers, start=1):
                per_epoch = self.values.get((k, i), {})
                epochs = np.array(sorted(per_epoch), dtype=np.int64)
                i_xt = np.stack([per_epoch[e][0] for e in epochs], axis=1)
                i_ty = np.stack([per_epoch[e][1] for e in epochs], axis=1)
                flags = np.stack([per_epoch[e][2] for e in epochs], axis=1)
                unit = getattr(self.estimators[k], "unit", "bits")
                frame = plane_frame(i_xt, i_ty, epochs, i, name, est_cfg.name, unit, flags)
                if self.subsample is not None or self.ranges:
                    frame["params"] = params_text(streams[k][i - 1].described())
                frames.append(frame)
        return frames
