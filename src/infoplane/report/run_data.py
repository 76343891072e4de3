"""Reading a run directory for the report: tables, config, and the activation store if any."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from infoplane.interface import InfoplaneError
from infoplane.storage.layout import (
    CONFIG as CONFIG_FILE,
)
from infoplane.storage.layout import (
    DIAGNOSTICS as DIAGNOSTICS_FILE,
)
from infoplane.storage.layout import (
    GRADIENTS as GRADIENTS_FILE,
)
from infoplane.storage.layout import (
    HISTORY as HISTORY_FILE,
)
from infoplane.storage.layout import (
    PLANE as PLANE_FILE,
)
from infoplane.storage.layout import (
    STORE as STORE_NAME,
)

log = logging.getLogger(__name__)


@dataclass
class RunData:
    """What the report reads from a run directory.

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
        """The hidden layers' activation named in the config (``""`` if unknown).

        References:
            Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
            Information. arXiv 1703.00810.
        """
        return str((self.config.get("model") or {}).get("activation", ""))

    @property
    def task(self) -> str:
        """The data set named in the config (``""`` if unknown).

        References:
            Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
            Information. arXiv 1703.00810.
        """
        return str((self.config.get("data") or {}).get("task", ""))

    @property
    def estimators(self) -> list[str]:
        """Estimators in the plane table, in order of appearance.

        References:
            Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
            Information. arXiv 1703.00810.
        """
        return list(dict.fromkeys(self.plane["estimator"]))


def check_run_dir(path: str | Path) -> Path:
    """Return ``path`` if it is a run directory, else raise a clear error.

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
    if not (p / PLANE_FILE).is_file():
        raise InfoplaneError(
            f"{str(p)!r} is not a run directory: it has no {PLANE_FILE}. Pass a directory written "
            "by `infoplane run --out DIR` (or one run of a sweep, SWEEP/runs/<key>)."
        )
    return p


def _read_optional(path: Path) -> Any | None:
    import pandas as pd

    if not path.is_file():
        return None
    return pd.read_parquet(path)


def load_run(path: str | Path, *, compute_diagnostics_from_store: bool = True) -> RunData:
    """Read a run directory for the report.

    Diagnostics come from ``diagnostics.parquet`` if present, else are computed from the activation
    store (``activations.zarr``) if present and ``compute_diagnostics_from_store``, else are
    ``None`` with a note.

    Args:
        path: the run directory.
        compute_diagnostics_from_store: compute missing diagnostics from the activation store.

    Returns:
        A :class:`RunData`.

    Raises:
        InfoplaneError: if ``path`` is not a run directory or its plane table lacks columns.

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810.
    """
    import pandas as pd
    import yaml

    p = check_run_dir(path)
    plane = pd.read_parquet(p / PLANE_FILE)
    need = ["repeat", "epoch", "layer", "estimator", "i_xt", "i_ty"]
    missing = [c for c in need if c not in plane.columns]
    if missing:
        raise InfoplaneError(f"{str(p / PLANE_FILE)!r} lacks column(s) {', '.join(missing)}.")
    if "layer_name" not in plane.columns:
        plane["layer_name"] = plane["layer"].map(lambda x: f"layer {x}")
    cfg_text = (p / CONFIG_FILE).read_text(encoding="utf-8") if (p / CONFIG_FILE).is_file() else ""
    config = (yaml.safe_load(cfg_text) or {}) if cfg_text else {}
    run = RunData(p, config, cfg_text, plane)
    if not cfg_text:
        run.notes.append(f"{CONFIG_FILE} is missing: the activation and task are unknown.")
    run.history = _read_optional(p / HISTORY_FILE)
    run.gradients = _read_optional(p / GRADIENTS_FILE)
    run.diagnostics = _read_optional(p / DIAGNOSTICS_FILE)
    if run.diagnostics is not None:
        run.diagnostics_source = DIAGNOSTICS_FILE
    elif (p / STORE_NAME).exists() and compute_diagnostics_from_store:
        try:
            run.diagnostics = diagnostics_from_store(p, config)
            run.diagnostics_source = f"computed from {STORE_NAME}"
        except (ImportError, InfoplaneError, OSError, KeyError, ValueError) as exc:
            run.diagnostics_source = f"could not be computed from {STORE_NAME}: {exc}"
    else:
        run.diagnostics_source = (
            f"not available: the run has neither {DIAGNOSTICS_FILE} nor an activation store "
            f"({STORE_NAME}); re-run with a version of `infoplane run` that writes them."
        )
    return run


def read_store(path: Path) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Read every layer of a run's activation store.

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


def diagnostics_from_store(path: Path, config: dict[str, Any]) -> Any:
    """Compute :func:`~infoplane.analysis.diagnostics.compute_diagnostics` from the store.

    Raises:
        ImportError: if this version of infoplane has no activation store.
        InfoplaneError: if the store is empty or inconsistent.

    References:
        Shwartz-Ziv, R., Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv 1703.00810.
    """
    from infoplane.analysis.diagnostics import binning_grid_from_config, compute_diagnostics

    acts, labels, epochs = read_store(path)
    if len(epochs) == 0:
        raise InfoplaneError("the activation store holds no complete epoch")
    activation = str((config.get("model") or {}).get("activation", "tanh"))
    return compute_diagnostics(
        acts, labels, epochs, activation=activation, **binning_grid_from_config(config)
    )
