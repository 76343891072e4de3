"""Storage: atomic writes of tables, configs and figures; the zarr activation store of a run."""

from infoplane.storage.activations import ActivationStore, load_activations, open_store
from infoplane.storage.atomic import atomic_write, save_figure, write_json, write_table, write_text

__all__ = [
    "ActivationStore",
    "atomic_write",
    "load_activations",
    "open_store",
    "save_figure",
    "write_json",
    "write_table",
    "write_text",
]
