"""Activation store: layer representations written to a zarr store as they are captured.

Layout of a store (a zarr v3 group, a folder ``activations.zarr`` in the run directory)::

    <layer name>     float32 or float16, shape (repeat, epoch, sample, unit), one array per layer,
                     dimension names ("repeat", "epoch", "sample", "<layer>.unit"); unwritten
                     entries are NaN. Chunks never span two epochs.
    epoch            int64 (epoch,): the training epoch of each slot (-1 while unwritten)
    repeat           int64 (repeat,): member index r (seed = base seed + r)
    sample           int64 (sample,): row of the data set each sample is
    label            int64 (sample,): the integer label of each sample (a coordinate)
    manifest.json    which epochs are complete, with each layer's min and max per epoch

Every array carries attributes in the CF/xarray conventions (:data:`LAYER_ATTRS` and friends):
``units``, ``long_name``, ``description``; each layer array also ``module`` (the module's name in
the network, without the ``#k`` call suffix), ``call`` (k of ``name#k``, 0 otherwise),
``capture_epochs`` (the rule that chose the captured epochs) and ``coordinates: "label"``, so that
``xarray.open_zarr(path)`` gives a self-described dataset with ``label`` as a (non-index)
coordinate on ``sample``. Stores written before these attributes open as before.

Writes are crash-safe: the chunks of one epoch are written first, then ``manifest.json`` is replaced
atomically (:func:`~infoplane.storage.atomic.write_json`). Readers only trust epochs listed in the
manifest, so a chunk half-written by a killed process is never read as complete (it is rewritten on
resume). Per-epoch minima and maxima make the data range of a whole run (``range="data"`` binning)
available without reading the activations again.

The store opens with xarray (``xarray.open_zarr(path)``) and with zarr directly; peak memory while
writing is one epoch of one layer, and readers stream it in epoch chunks.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from infoplane.interface import InfoplaneError, InfoplaneRuntimeError
from infoplane.storage.atomic import write_json
from infoplane.storage.layout import STORE as STORE_NAME

MANIFEST_NAME = "manifest.json"
DTYPES = ("float32", "float16")
_COORDS = ("epoch", "repeat", "sample", "label")
_CHUNK_BYTES = 8 * 2**20
#: attributes of the coordinate arrays (CF conventions: ``units``, ``long_name``, ``description``)
COORD_ATTRS: dict[str, dict[str, str]] = {
    "epoch": {
        "units": "epochs",
        "long_name": "training epoch",
        "description": "the training epoch each slot of the epoch axis holds (-1: not written yet; "
        "manifest.json lists the complete epochs)",
    },
    "repeat": {
        "units": "1",
        "long_name": "repeat",
        "description": "index r of the network (member seed = the run's seed + r)",
    },
    "sample": {
        "units": "1",
        "long_name": "data-set row",
        "description": "row of the data set that each evaluated sample is",
    },
    "label": {
        "units": "1",
        "long_name": "class label",
        "description": "integer class label Y of each evaluated sample",
    },
}
#: attributes every layer array carries (plus ``module``, ``call`` and ``capture_epochs``)
LAYER_ATTRS: dict[str, str] = {
    "units": "1",
    "long_name": "activation",
    "description": "representation T of the layer: the module's output (or input, when captured "
    "with a pre-hook) for each repeat, captured epoch, evaluated sample and unit; values in the "
    "layer's own (unitless) activation scale; NaN where not written",
    "coordinates": "label",
}


def _zarr() -> Any:
    import warnings

    import zarr

    warnings.filterwarnings("ignore", message="Consolidated metadata", module="zarr")
    return zarr


def _consolidate(path: Path) -> None:
    """Consolidate the group's metadata (one read for xarray); our manifest is not a zarr node."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _zarr().consolidate_metadata(str(path))


def _read_manifest(path: Path) -> dict[str, Any]:
    """Read and check a store's ``manifest.json``; a damaged one is a runtime error naming it."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        ok = isinstance(manifest, dict) and all(
            isinstance(manifest.get(k), dict) for k in ("layers", "slots", "complete")
        )
        ok = ok and all(k in manifest for k in ("n_repeats", "n_samples", "dtype"))
    except (ValueError, UnicodeDecodeError):
        ok = False
    if not ok:
        raise InfoplaneRuntimeError(
            f"the activation store manifest {str(path)!r} is corrupt or not an infoplane "
            "manifest; the store cannot be trusted: run the experiment again into a new directory "
            "(or restore the file from a backup)."
        )
    return manifest


def _chunks(
    n_repeats: int, n_samples: int, n_units: int, itemsize: int
) -> tuple[int, int, int, int]:
    """Chunk shape with at most ~8 MiB per chunk and exactly one epoch per chunk."""
    per_repeat = n_samples * n_units * itemsize
    if n_repeats * per_repeat <= _CHUNK_BYTES:
        return (n_repeats, 1, n_samples, n_units)
    rows = max(1, min(n_samples, _CHUNK_BYTES // max(1, n_units * itemsize)))
    return (1, 1, rows, n_units)


class ActivationStore:
    """A zarr store of captured activations, shape (repeat, epoch, sample, unit) per layer.

    Create one with :meth:`create`, open an existing one with :meth:`open`. Write one epoch at a
    time with :meth:`write_epoch`; read with :meth:`read` or :meth:`iter_epoch_chunks`.

    Args:
        path: the store folder (``.../activations.zarr``).
        mode: ``"r"`` (read only) or ``"a"`` (read and write).

    Raises:
        FileNotFoundError: if ``path`` holds no store.
        InfoplaneRuntimeError: if its manifest or metadata is damaged (reads of a damaged chunk
            raise it too, naming the store and the layer).

    Notes:
        Only epochs listed complete in ``manifest.json`` are read: a chunk half-written by a killed
        process is never trusted. ``float16`` stores round activations to 11 significant bits.

    References:
        Zarr storage specification v3, https://zarr-specs.readthedocs.io/.

    Example:
        >>> import numpy as np, tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "activations.zarr"
        >>> st = ActivationStore.create(p, {"h": 3}, n_repeats=1, labels=np.array([0, 1]),
        ...                             epochs=[0, 5])
        >>> st.write_epoch(5, {"h": np.ones((1, 2, 3), np.float32)})
        >>> st.completed_epochs.tolist(), st.read("h").shape
        ([5], (1, 1, 2, 3))
    """

    def __init__(self, path: str | Path, mode: str = "r") -> None:
        self.path = Path(path)
        if not (self.path / MANIFEST_NAME).is_file():
            raise FileNotFoundError(
                f"no activation store at {str(self.path)!r} (no {MANIFEST_NAME}); was the run "
                "made with storage.activations='zarr'?"
            )
        self._manifest = _read_manifest(self.path / MANIFEST_NAME)
        try:
            self._group = _zarr().open_group(str(self.path), mode="r" if mode == "r" else "r+")
        except Exception as exc:  # zarr raises many types for damaged metadata
            raise InfoplaneRuntimeError(
                f"the activation store {str(self.path)!r} is corrupt ({type(exc).__name__}: "
                f"{exc}); it cannot be read: run the experiment again into a new directory."
            ) from None
        self.mode = mode
        #: epoch -> ({layer: (min, max)}, rows written) of epochs written by rows, not complete yet
        self._pending: dict[int, tuple[dict[str, tuple[float, float]], np.ndarray]] = {}

    # ------------------------------------------------------------------ creation
    @classmethod
    def create(
        cls,
        path: str | Path,
        layers: Mapping[str, int],
        *,
        n_repeats: int,
        labels: np.ndarray,
        epochs: np.ndarray | list[int] | None = None,
        sample_index: np.ndarray | None = None,
        dtype: str = "float32",
        attrs: Mapping[str, Any] | None = None,
        capture_rule: str | None = None,
    ) -> ActivationStore:
        """Create an empty store (replacing an activation store already at ``path``).

        Args:
            path: the store folder to create.
            layers: layer name -> number of units, in network order.
            n_repeats: number of networks R (the leading axis).
            labels: integer labels of the evaluated samples, shape (n_samples,).
            epochs: the epochs that will be captured (sets the epoch axis); ``None`` lets the axis
                grow as epochs are written (a user's own loop).
            sample_index: data-set row of each sample, shape (n_samples,) (default 0..n-1).
            dtype: ``"float32"`` (default, exact) or ``"float16"`` (half the disk; activations are
                rounded to 11 significant bits, which changes binned estimates slightly).
            attrs: JSON-serialisable metadata stored on the group (e.g. the run name).
            capture_rule: how the captured epochs were chosen, in words (stored as the
                ``capture_epochs`` attribute of every layer array and of ``epoch``); default: "the
                epochs passed to write_epoch".

        Returns:
            The store, open for writing.

        Raises:
            InfoplaneError: for an unknown dtype, no layers, ``n_repeats < 1``, or a ``path`` that
                exists and is not an activation store (it is never deleted).
        """
        if dtype not in DTYPES:
            raise InfoplaneError(
                f"storage dtype={dtype!r} is not supported; use 'float32' or 'float16'."
            )
        if not layers:
            raise InfoplaneError("layers must name at least one layer to store.")
        if n_repeats < 1:
            raise InfoplaneError(f"n_repeats must be >= 1; got {n_repeats}.")
        import shutil

        zarr = _zarr()
        path = Path(path)
        if path.exists():
            if path.is_dir() and (
                (path / MANIFEST_NAME).is_file()
                or (path / "zarr.json").is_file()
                or not any(path.iterdir())
            ):
                shutil.rmtree(path)  # an old or half-created store: replace it
            else:
                raise InfoplaneError(
                    f"{str(path)!r} exists and is not an activation store; choose a new folder "
                    "(e.g. .../activations.zarr) for store=."
                )
        labels = np.asarray(labels, dtype=np.int64)
        n = len(labels)
        sample_index = np.arange(n) if sample_index is None else np.asarray(sample_index, np.int64)
        cap = 0 if epochs is None else len(epochs)
        rule = capture_rule or "the epochs passed to write_epoch"
        group = zarr.open_group(str(path), mode="w")
        group.attrs.update(
            {
                "title": "infoplane activation store",
                "description": "captured layer representations (repeat, epoch, sample, unit); "
                "epochs listed complete in manifest.json are the ones to trust",
                "capture_epochs": rule,
                **dict(attrs or {}),
            }
        )
        itemsize = np.dtype(dtype).itemsize
        for name, units in layers.items():
            if name in _COORDS:
                raise InfoplaneError(f"layer name {name!r} clashes with a coordinate of the store.")
            module, _, call = name.partition("#")
            arr = group.create_array(
                name,
                shape=(n_repeats, cap, n, int(units)),
                chunks=_chunks(n_repeats, n, int(units), itemsize),
                dtype=dtype,
                fill_value=np.nan,
                dimension_names=("repeat", "epoch", "sample", f"{name}.unit"),
                compressors=None,
            )
            arr.attrs.update(
                {
                    **LAYER_ATTRS,
                    "module": module,
                    "call": int(call) if call.isdigit() else 0,
                    "capture_epochs": rule,
                }
            )
        ep = group.create_array(
            "epoch",
            shape=(cap,),
            chunks=(1024,),
            dtype="int64",
            fill_value=-1,
            dimension_names=("epoch",),
        )
        ep.attrs.update({**COORD_ATTRS["epoch"], "capture_epochs": rule})
        for key, values in (
            ("repeat", np.arange(n_repeats)),
            ("sample", sample_index),
            ("label", labels),
        ):
            arr = group.create_array(
                key,
                shape=(len(values),),
                dtype="int64",
                dimension_names=("sample" if key == "label" else key,),
            )
            arr.attrs.update(COORD_ATTRS[key])
            arr[:] = values
        _consolidate(path)
        manifest = {
            "format": 1,
            "layers": {name: int(u) for name, u in layers.items()},
            "n_repeats": int(n_repeats),
            "n_samples": int(n),
            "dtype": dtype,
            "planned_epochs": None if epochs is None else [int(e) for e in epochs],
            "slots": {},  # epoch -> slot index on the epoch axis
            "complete": {},  # epoch -> {layer: [min, max]}
        }
        write_json(path / MANIFEST_NAME, manifest)
        return cls(path, mode="a")

    @classmethod
    def open(cls, path: str | Path, mode: str = "r") -> ActivationStore:
        """Open an existing store (``mode="r"`` read only, ``"a"`` to append epochs)."""
        return cls(path, mode)

    # ------------------------------------------------------------------ metadata
    @property
    def layers(self) -> list[str]:
        """Layer names, in network order."""
        return list(self._manifest["layers"])

    @property
    def n_units(self) -> dict[str, int]:
        """Units per layer."""
        return dict(self._manifest["layers"])

    @property
    def n_repeats(self) -> int:
        """Number of networks R."""
        return int(self._manifest["n_repeats"])

    @property
    def n_samples(self) -> int:
        """Number of evaluated samples."""
        return int(self._manifest["n_samples"])

    @property
    def labels(self) -> np.ndarray:
        """Labels of the samples, shape (n_samples,), int64."""
        return np.asarray(self._group["label"][:], dtype=np.int64)

    @property
    def completed_epochs(self) -> np.ndarray:
        """Epochs whose activations are complete for every layer, sorted, int64."""
        return np.array(sorted(int(e) for e in self._manifest["complete"]), dtype=np.int64)

    def _slot(self, epoch: int) -> int:
        return int(self._manifest["slots"][str(int(epoch))])

    def value_range(self, layer: str, epochs: np.ndarray | None = None) -> tuple[float, float]:
        """Minimum and maximum of ``layer`` over all repeats of the complete (or given) epochs.

        Raises:
            InfoplaneError: if no epoch is complete.
        """
        eps = self.completed_epochs if epochs is None else np.asarray(epochs)
        if len(eps) == 0:
            raise InfoplaneError(f"the store at {str(self.path)!r} holds no complete epoch.")
        pairs = [self._manifest["complete"][str(int(e))][layer] for e in eps]
        return float(min(p[0] for p in pairs)), float(max(p[1] for p in pairs))

    # ------------------------------------------------------------------ writing
    def _ensure_slot(self, epoch: int) -> int:
        key = str(int(epoch))
        slots = self._manifest["slots"]
        if key in slots:
            return int(slots[key])
        planned = self._manifest["planned_epochs"]
        if planned is not None:
            if int(epoch) not in planned:
                raise InfoplaneError(
                    f"epoch {epoch} is not one of the store's planned epochs ({planned[:6]}...)."
                )
            slot = planned.index(int(epoch))
        else:
            slot = len(slots)
            cap = self._group["epoch"].shape[0]
            if slot >= cap:
                new = slot + 1  # grow exactly: xarray then shows no unwritten slots
                for name in (*self.layers, "epoch"):
                    arr = self._group[name]
                    arr.resize((*arr.shape[:1], new, *arr.shape[2:]) if name != "epoch" else (new,))
                _consolidate(self.path)
                self._group = _zarr().open_group(str(self.path), mode="r+")
        slots[key] = slot
        return slot

    def write_epoch(self, epoch: int, activations: Mapping[str, Any]) -> None:
        """Write every layer of one epoch, then mark the epoch complete (atomically).

        Args:
            epoch: the training epoch.
            activations: layer name -> array (n_repeats, n_samples, n_units) (numpy or torch;
                a plain (n_samples, n_units) array is taken as R = 1).

        Raises:
            InfoplaneError: for a read-only store, a missing layer or a shape mismatch.
        """
        self.write_rows(epoch, 0, activations, _whole=True)
        self.finish_epoch(epoch)

    def write_rows(
        self, epoch: int, start: int, activations: Mapping[str, Any], *, _whole: bool = False
    ) -> None:
        """Write rows ``start .. start + b`` of every layer of one epoch (not complete yet).

        A capture that runs the evaluation set in batches writes each batch with this, then
        calls :meth:`finish_epoch`; peak memory is then one batch, not one epoch.

        Args:
            epoch: the training epoch.
            start: index of the first sample (row) of the batch.
            activations: layer name -> array (n_repeats, b, n_units) (numpy or torch; a plain
                (b, n_units) array is taken as R = 1).

        Raises:
            InfoplaneError: for a read-only store, a missing layer, a shape mismatch or rows past
                the end of the sample axis.
        """
        if self.mode == "r":
            raise InfoplaneError(
                f"the store at {str(self.path)!r} was opened read only; use mode='a'."
            )
        missing = [name for name in self.layers if name not in activations]
        if missing:
            raise InfoplaneError(
                f"activations lack layer(s) {', '.join(missing)} for epoch {epoch}."
            )
        slot = self._ensure_slot(epoch)
        r, n = self.n_repeats, int(self._manifest["n_samples"])
        stats, written = self._pending.setdefault(int(epoch), ({}, np.zeros(n, dtype=bool)))
        b = None
        for name in self.layers:
            value = activations[name]
            a = value.numpy() if hasattr(value, "numpy") else np.asarray(value)
            if a.ndim == 2:
                a = a[None]
            rows = n if _whole else a.shape[1] if a.ndim == 3 else -1
            want = (r, rows, self.n_units[name])
            if a.shape != want or start < 0 or start + rows > n or b not in (None, rows):
                raise InfoplaneError(
                    f"layer {name!r} at epoch {epoch} has shape {a.shape} at row {start}; the "
                    f"store expects {(r, n, self.n_units[name]) if _whole else want} (repeat, "
                    f"sample, unit) within its {n} samples."
                )
            b = rows
            a = a.astype(self._manifest["dtype"], copy=False)
            self._group[name][:, slot, start : start + rows] = a
            lo, hi = stats.get(name, (math.inf, -math.inf))
            if np.isfinite(a).all():
                lo, hi = min(lo, float(a.min())), max(hi, float(a.max()))
            else:
                lo = hi = math.nan
            stats[name] = (lo, hi)
        written[start : start + (b or 0)] = True

    def finish_epoch(self, epoch: int) -> None:
        """Mark an epoch whose rows were all written complete (the manifest, atomically).

        Raises:
            InfoplaneError: if some rows of the epoch were not written.
        """
        stats, written = self._pending.get(int(epoch), ({}, np.zeros(1, dtype=bool)))
        if not written.all():
            raise InfoplaneError(
                f"epoch {epoch}: rows {np.flatnonzero(~written)[:6].tolist()}... of the store were "
                "not written; write every row (write_rows) before finish_epoch."
            )
        del self._pending[int(epoch)]
        self._group["epoch"][self._slot(epoch)] = int(epoch)
        self._manifest["complete"][str(int(epoch))] = {
            name: [float(v) for v in stats[name]] for name in self.layers
        }
        write_json(self.path / MANIFEST_NAME, self._manifest)

    def forget_after(self, epoch: int) -> None:
        """Mark epochs after ``epoch`` incomplete (used when a run resumes from a checkpoint)."""
        done = self._manifest["complete"]
        for key in [k for k in done if int(k) > epoch]:
            del done[key]
        write_json(self.path / MANIFEST_NAME, self._manifest)

    # ------------------------------------------------------------------ reading
    def read(
        self, layer: str, epochs: np.ndarray | list[int] | None = None, repeat: int | None = None
    ) -> np.ndarray:
        """Read a layer's activations.

        Args:
            layer: layer name.
            epochs: epochs to read (default: every complete epoch, sorted).
            repeat: read only this network (drops the repeat axis).

        Returns:
            Array (n_repeats, n_epochs, n_samples, n_units), or (n_epochs, n_samples, n_units)
            with ``repeat``, in the store's dtype.

        Raises:
            InfoplaneError: for an unknown layer or an epoch that is not complete.
        """
        if layer not in self._manifest["layers"]:
            raise InfoplaneError(
                f"layer {layer!r} is not in the store; layers: {', '.join(self.layers)}."
            )
        eps = self.completed_epochs if epochs is None else np.asarray(epochs, dtype=np.int64)
        bad = [int(e) for e in eps if str(int(e)) not in self._manifest["complete"]]
        if bad:
            raise InfoplaneError(f"epoch(s) {bad[:6]} of the store are not complete.")
        try:
            return self._read(layer, eps, repeat)
        except (InfoplaneError, MemoryError):
            raise
        except Exception as exc:  # a damaged chunk: zarr/numcodecs raise many types
            raise InfoplaneRuntimeError(
                f"layer {layer!r} of the activation store {str(self.path)!r} cannot be read "
                f"({type(exc).__name__}: {exc}); a chunk file is damaged: run the experiment "
                "again into a new directory."
            ) from None

    def _read(self, layer: str, eps: np.ndarray, repeat: int | None) -> np.ndarray:
        arr = self._group[layer]
        slots = np.array([self._slot(e) for e in eps], dtype=np.int64)
        rsel: Any = slice(None) if repeat is None else int(repeat)
        if len(slots) and np.array_equal(slots, np.arange(slots[0], slots[0] + len(slots))):
            return np.asarray(arr[rsel, int(slots[0]) : int(slots[-1]) + 1])
        parts = [np.asarray(arr[rsel, int(s) : int(s) + 1]) for s in slots]
        axis = 1 if repeat is None else 0
        if not parts:
            shape = list(arr.shape)
            shape[1] = 0
            return np.zeros(shape if repeat is None else shape[1:], dtype=arr.dtype)
        return np.concatenate(parts, axis=axis)

    def iter_epoch_chunks(
        self, layer: str, *, max_bytes: int = 256 * 2**20, epochs: np.ndarray | None = None
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield (epochs, activations) in chunks of consecutive complete epochs.

        Each chunk holds at most ``max_bytes`` of float32 activations (at least one epoch), so peak
        memory does not grow with the number of epochs.

        Yields:
            ``(epochs (k,), t (n_repeats, k, n_samples, n_units) float32)``.
        """
        eps = self.completed_epochs if epochs is None else np.asarray(epochs, dtype=np.int64)
        per_epoch = self.n_repeats * int(self._manifest["n_samples"]) * self.n_units[layer] * 4
        k = max(1, int(max_bytes // max(per_epoch, 1)))
        for start in range(0, len(eps), k):
            chunk = eps[start : start + k]
            yield chunk, self.read(layer, chunk).astype(np.float32, copy=False)

    def read_rows(self, layer: str, epoch: int, start: int, stop: int) -> np.ndarray:
        """Read samples ``start .. stop`` of one layer at one complete epoch, as float32.

        Args:
            layer: layer name.
            epoch: a complete epoch.
            start: first sample (row).
            stop: one past the last sample.

        Returns:
            float32 array (n_repeats, stop - start, n_units).

        Raises:
            InfoplaneError: for an unknown layer or an epoch that is not complete.
            InfoplaneRuntimeError: for a damaged chunk (naming the store and the layer).
        """
        if layer not in self._manifest["layers"]:
            raise InfoplaneError(
                f"layer {layer!r} is not in the store; layers: {', '.join(self.layers)}."
            )
        if str(int(epoch)) not in self._manifest["complete"]:
            raise InfoplaneError(f"epoch {int(epoch)} of the store is not complete.")
        try:
            a = self._group[layer][:, self._slot(epoch), int(start) : int(stop)]
        except Exception as exc:  # a damaged chunk: zarr/numcodecs raise many types
            raise InfoplaneRuntimeError(
                f"layer {layer!r} of the activation store {str(self.path)!r} cannot be read "
                f"({type(exc).__name__}: {exc}); a chunk file is damaged: run the experiment "
                "again into a new directory."
            ) from None
        return np.asarray(a).astype(np.float32, copy=False)


def open_store(run_dir: str | Path, mode: str = "r") -> ActivationStore:
    """Open the activation store of a run directory (``run_dir/activations.zarr``).

    Args:
        run_dir: the run directory (or the ``activations.zarr`` folder itself).
        mode: ``"r"`` (default, read only) or ``"a"`` (append epochs).

    Returns:
        The :class:`ActivationStore`.

    Raises:
        FileNotFoundError: if the run has no store.
        InfoplaneRuntimeError: if the store's manifest or metadata is damaged.

    Notes:
        Shapes: the store holds one array (n_repeats, n_epochs, n_samples, n_units) per layer.
        Units: the layers' own activation values; no information quantity.
        Opening reads only the manifest and the zarr metadata, not the activations.

    References:
        Zarr storage specification v3.

    Example:
        >>> import tempfile
        >>> open_store(tempfile.mkdtemp())
        Traceback (most recent call last):
        ...
        FileNotFoundError: no activation store at ...
    """
    path = Path(run_dir)
    if path.name != STORE_NAME:
        path = path / STORE_NAME
    return ActivationStore(path, mode)


def load_activations(run_dir: str | Path, layer: str, repeat: int = 0) -> np.ndarray:
    """Read one network's activations of one layer from a run's store.

    Args:
        run_dir: the run directory (or the ``activations.zarr`` folder itself).
        layer: layer (module) name, e.g. ``"layers.0.act"``.
        repeat: which network (default 0).

    Returns:
        float32 array (n_epochs, n_samples, n_units) over the complete epochs (sorted; see
        ``open_store(run_dir).completed_epochs``).

    Raises:
        FileNotFoundError: if the run has no store.
        InfoplaneError: for an unknown layer.

    Notes:
        Reads the whole layer of one network into memory; use
        :meth:`ActivationStore.iter_epoch_chunks` for bounded memory.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810 (activations per epoch).

    Example:
        >>> # t = load_activations("runs/default-...", "layers.0.act")  # (n_epochs, 4096, 10)
    """
    return open_store(run_dir).read(layer, repeat=repeat).astype(np.float32, copy=False)
