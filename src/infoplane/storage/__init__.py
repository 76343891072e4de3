"""Storage: atomic writes, the run-directory layout, the tidy tables, the zarr activation store.

- :mod:`~infoplane.storage.atomic`: every file written atomically (a reader never sees half a file);
- :mod:`~infoplane.storage.layout`: :class:`RunLayout`, the one place that names a run's files;
- :mod:`~infoplane.storage.tables`: the information-plane and history table schemas, builders and a
  reader that names damaged files;
- :mod:`~infoplane.storage.activations`: the zarr store of captured activations.
"""

from infoplane.storage.activations import ActivationStore, load_activations, open_store
from infoplane.storage.atomic import atomic_write, save_figure, write_json, write_table, write_text
from infoplane.storage.layout import RunLayout
from infoplane.storage.tables import (
    HISTORY_COLUMNS,
    PLANE_COLUMNS,
    history_frame,
    plane_frame,
    read_table,
)

__all__ = [
    "HISTORY_COLUMNS",
    "PLANE_COLUMNS",
    "ActivationStore",
    "RunLayout",
    "atomic_write",
    "history_frame",
    "load_activations",
    "open_store",
    "plane_frame",
    "read_table",
    "save_figure",
    "write_json",
    "write_table",
    "write_text",
]
