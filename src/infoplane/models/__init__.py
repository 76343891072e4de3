"""Models: the MLP of Shwartz-Ziv & Tishby (2017), its stacked ensemble, a small CNN, quantisation."""

from infoplane.models.cnn import SmallCNN
from infoplane.models.ensemble import EnsembleMLP
from infoplane.models.mlp import ACTIVATIONS, BOUNDED_RANGE, MLP, idnns_init_, make_activation
from infoplane.models.quantized import Quantize

__all__ = [
    "ACTIVATIONS",
    "BOUNDED_RANGE",
    "MLP",
    "EnsembleMLP",
    "Quantize",
    "SmallCNN",
    "idnns_init_",
    "make_activation",
]
