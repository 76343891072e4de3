"""Reading a run directory for the report: tables, config, and the activation store if any."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from infoplane.interface import InfoplaneError, InfoplaneRuntimeError
from infoplane.storage.layout import RunLayout

log = logging.getLogger(__name__)


@dataclass
class RunData:
    """What the report reads from a run directory.

    Args:
        path, config, config_text, plane, history, gradients, diagnostics, diagnostics_source,
            notes: the attributes below (as read by :func:`load_run`).

    Shapes: every table is a pandas DataFrame of shape (n_rows, n_columns): the plane has one
    row per (repeat, epoch, layer, estimator), history one per (repeat, epoch).

    Raises:
        Nothing: a plain record, filled in and validated by :func:`load_run`.

    Notes:
        Tables keep their stored units: the plane's ``unit`` column (bits by default); history
        losses in nats. ``notes`` lists the parts a reader should know are missing, so the report
        never drops a section silently.

    Example:
        >>> import pandas as pd
        >>> run = RunData(Path("r"), {"model": {"activation": "relu"}}, "",
        ...               pd.DataFrame({"estimator": ["ksg", "binning", "ksg"]}))
        >>> run.activation, run.task, run.estimators
        ('relu', '', ['ksg', 'binning'])

    Attributes:
        path: the run directory.
        config: the run's config as a dict (from ``config.yaml``; empty if absent).
        config_text: the raw ``config.yaml`` text ("" if absent).
        plane: information-plane table (repeat, epoch, layer, layer_name, estimator, i_xt, i_ty).
        history: training curves, or ``None``.
        gradients: gradient statistics, or ``None``.
        diagnostics: geometric diagnostics, or ``None``.
        diagnostics_source: where they came from (``"diagnostics.parquet"``, ``"activation
            store"``) or why they are missing.
        notes: messages for the reader about missing parts.

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810.
    """

    path: Path
    config: dict[str, Any]
    config_text: str
    plane: Any
    history: Any | None = None
    gradients: Any | None = None
    diagnostics: Any | None = None
    diagnostics_source: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def activation(self) -> str:
        """The hidden layers' activation named in the config (``""`` if unknown)."""
        return str((self.config.get("model") or {}).get("activation", ""))

    @property
    def task(self) -> str:
        """The data set named in the config (``""`` if unknown)."""
        return str((self.config.get("data") or {}).get("task", ""))

    @property
    def estimators(self) -> list[str]:
        """Estimators in the plane table, in order of appearance."""
        return list(dict.fromkeys(self.plane["estimator"]))


def check_run_dir(path: str | Path) -> Path:
    """Return ``path`` if it is a run directory, else raise a clear error.

    Args:
        path: the directory named by the user (``RUN_DIR``).

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Shapes: none (a path). Units: none.

    Notes:
        A run directory is one with the information-plane table (the file named by
        :class:`~infoplane.storage.layout.RunLayout`); nothing is read, so a corrupt table passes
        this check and fails in :func:`load_run` with an error naming the file.

    Example:
        >>> import tempfile
        >>> try:
        ...     check_run_dir(tempfile.mkdtemp())
        ... except InfoplaneError as exc:
        ...     print("not a run directory" in str(exc))
        True

    Raises:
        InfoplaneError: if ``path`` does not exist, is not a directory, or has no
            ``information_plane.parquet``.

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810.
    """
    p = Path(path)
    if not p.exists():
        raise InfoplaneError(
            f"RUN_DIR {str(p)!r} does not exist; pass the --out of `infoplane run`."
        )
    if not p.is_dir():
        raise InfoplaneError(
            f"RUN_DIR {str(p)!r} is not a directory; pass the --out of `infoplane run`."
        )
    plane = RunLayout(p).plane
    if not plane.is_file():
        raise InfoplaneError(
            f"{str(p)!r} is not a run directory: it has no {plane.name}. Pass a directory written "
            "by `infoplane run --out DIR` (or one run of a sweep, SWEEP/runs/<key>)."
        )
    return p


def _read_table(path: Path) -> Any:
    """Read a parquet table of a run, with an error that names the file if it is corrupt.

    Raises:
        InfoplaneRuntimeError: if ``path`` is not a readable parquet table.
    """
    import pandas as pd

    try:
        return pd.read_parquet(path)
    except (OSError, ValueError, ImportError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise InfoplaneRuntimeError(
            f"{str(path)!r} is not a readable parquet table ({type(exc).__name__}: {exc}); the "
            "file is corrupt or was not written by infoplane: re-run the step that writes it, or "
            "remove it."
        ) from None


def _read_optional(path: Path) -> Any | None:
    return _read_table(path) if path.is_file() else None


def _read_config(path: Path) -> tuple[dict[str, Any], str]:
    """Read a run's ``config.yaml`` (safe YAML) as (dict, text); ``({}, "")`` if it is absent.

    Raises:
        InfoplaneRuntimeError: if the file is not valid YAML or not a mapping.
    """
    import yaml

    if not path.is_file():
        return {}, ""
    try:
        text = path.read_text(encoding="utf-8")
        config = yaml.safe_load(text) or {}
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InfoplaneRuntimeError(
            f"{str(path)!r} is not valid YAML ({type(exc).__name__}); fix or remove the file "
            "(the report then says the activation and task are unknown)."
        ) from None
    if not isinstance(config, dict):
        raise InfoplaneRuntimeError(
            f"{str(path)!r} holds a {type(config).__name__}, not a config mapping; fix or remove "
            "the file."
        )
    return config, text


def load_run(path: str | Path, *, compute_diagnostics_from_store: bool = True) -> RunData:
    """Read a run directory for the report.

    Diagnostics come from the run's diagnostics table if present, else are computed from the
    activation store (chunked over epochs, :func:`infoplane.analysis.diagnostics.diagnostics_from_store`)
    if present and ``compute_diagnostics_from_store``, else are ``None`` with a note.

    Args:
        path: the run directory (every file name comes from
            :class:`~infoplane.storage.layout.RunLayout`).
        compute_diagnostics_from_store: compute missing diagnostics from the activation store
            (default ``True``).

    Returns:
        A :class:`RunData`; its ``plane`` has shape (n_rows, n_columns), one row per (repeat,
        epoch, layer, estimator), with values in the unit of its ``unit`` column (bits without
        one).

    Raises:
        InfoplaneError: if ``path`` is not a run directory, or its plane table mixes units.
        InfoplaneRuntimeError: if the plane table is empty or lacks columns, or a table or the
            config is corrupt (the message names the file and what to do).

    Notes:
        Nothing is written. Diagnostics computed here use the binning grid of the run's config
        (``range="data"``: the layer's range over the whole run).

    References:
        Geiger, B. C. (2021). On Information Plane Analyses of Neural Network Classifiers -- A
        Review. IEEE TNNLS, arXiv 2003.09671.

    Example:
        >>> import tempfile, pathlib, pandas as pd
        >>> run = pathlib.Path(tempfile.mkdtemp())
        >>> pd.DataFrame({"repeat": 0, "epoch": [0, 10], "layer": 1, "estimator": "binning",
        ...               "i_xt": [5.0, 6.0], "i_ty": [0.1, 0.9]}
        ...              ).to_parquet(RunLayout(run).plane)
        >>> data = load_run(run)
        >>> data.estimators, data.diagnostics is None, data.notes[0].split(" ")[0]
        (['binning'], True, 'config.yaml')
    """
    p = check_run_dir(path)
    layout = RunLayout(p)
    plane = _read_table(layout.plane)
    need = ["repeat", "epoch", "layer", "estimator", "i_xt", "i_ty"]
    missing = [c for c in need if c not in plane.columns]
    if missing:
        raise InfoplaneRuntimeError(
            f"{str(layout.plane)!r} lacks column(s) {', '.join(missing)}; it was not written by "
            "`infoplane run`: re-run, or re-estimate with `infoplane estimate`."
        )
    if len(plane) == 0:
        raise InfoplaneRuntimeError(
            f"{str(layout.plane)!r} has no rows: the run stopped before its first estimate; "
            "finish it with `infoplane run --resume RUN_DIR` or add rows with `infoplane estimate`."
        )
    from infoplane.plots.style import table_unit

    table_unit(plane, name=str(layout.plane))  # one unit per table, or a clear error
    if "layer_name" not in plane.columns:
        plane["layer_name"] = plane["layer"].map(lambda x: f"layer {x}")
    config, cfg_text = _read_config(layout.config)
    run = RunData(p, config, cfg_text, plane)
    if not cfg_text:
        run.notes.append(f"{layout.config.name} is missing: the activation and task are unknown.")
    run.history = _read_optional(layout.history)
    run.gradients = _read_optional(layout.gradients)
    run.diagnostics = _read_optional(layout.diagnostics)
    if run.diagnostics is not None:
        run.diagnostics_source = layout.diagnostics.name
    elif layout.store.exists() and compute_diagnostics_from_store:
        try:
            from infoplane.analysis.diagnostics import (
                binning_grid_from_config,
                diagnostics_from_store,
            )
            from infoplane.storage.activations import ActivationStore

            run.diagnostics = diagnostics_from_store(
                ActivationStore.open(layout.store),
                activation=run.activation or "tanh",
                grid=binning_grid_from_config(config),
            )
            run.diagnostics_source = f"computed from {layout.store.name}"
        except (ImportError, InfoplaneError, OSError, KeyError, ValueError) as exc:
            run.diagnostics_source = f"could not be computed from {layout.store.name}: {exc}"
    else:
        run.diagnostics_source = (
            f"not available: the run has neither {layout.diagnostics.name} nor an activation "
            f"store ({layout.store.name}): the diagnostics need the activations, which a run "
            "estimated online without a store (storage.activations: none) does not keep; run "
            "with the store (the default) to have them."
        )
    return run


def read_store(path: Path) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Read every layer of a run's activation store, whole, into memory.

    Args:
        path: the run directory (or its ``activations.zarr``).

    Notes:
        Memory grows with the run (R x E x n x d float32 per layer): for diagnostics use
        :func:`infoplane.analysis.diagnostics.diagnostics_from_store`, which reads in chunks.

    Example:
        >>> import tempfile, pathlib
        >>> from infoplane.storage.activations import ActivationStore
        >>> root = pathlib.Path(tempfile.mkdtemp())
        >>> st = ActivationStore.create(root / "activations.zarr", {"h": 2}, n_repeats=1,
        ...                             labels=np.array([0, 1]), epochs=[3])
        >>> st.write_epoch(3, {"h": np.zeros((1, 2, 2), np.float32)})
        >>> acts, labels, epochs = read_store(root)
        >>> acts["h"].shape, epochs.tolist()
        ((1, 1, 2, 2), [3])

    Returns:
        (activations: layer -> (n_repeats, n_epochs, n_samples, n_units), labels (n_samples,),
        epochs (n_epochs,)).

    Raises:
        ImportError: if this version of infoplane has no activation store.
        FileNotFoundError: if the run has no store.

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810.
    """
    from infoplane.storage.activations import open_store

    store = open_store(path)
    epochs = store.completed_epochs
    acts = {name: store.read(name, epochs) for name in store.layers}
    return acts, store.labels, epochs
