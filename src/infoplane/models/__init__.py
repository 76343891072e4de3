"""Models: the MLP of Shwartz-Ziv & Tishby (2017), its stacked ensemble, and quantised activations."""

from infoplane.models.mlp import ACTIVATIONS, MLP, idnns_init_, make_activation

__all__ = ["ACTIVATIONS", "MLP", "idnns_init_", "make_activation"]
