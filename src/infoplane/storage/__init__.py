"""Storage: atomic writes of tables, configs and figures, and the layout of a run directory."""

from infoplane.storage.atomic import atomic_write, save_figure, write_json, write_table, write_text

__all__ = ["atomic_write", "save_figure", "write_json", "write_table", "write_text"]
