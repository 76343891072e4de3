"""Models: the MLP of Shwartz-Ziv & Tishby (2017), its stacked ensemble, a small CNN, quantisation,
and noise layers (Gaussian noise, Gaussian dropout) insertable into any module."""

from infoplane.models.cnn import SmallCNN
from infoplane.models.ensemble import EnsembleMLP
from infoplane.models.mlp import ACTIVATIONS, BOUNDED_RANGE, MLP, idnns_init_, make_activation
from infoplane.models.noise import (
    GaussianDropout,
    GaussianNoise,
    add_noise,
    add_quantization,
    noise_in_eval,
    noise_modules,
    select_modules,
)
from infoplane.models.quantized import Quantize

__all__ = [
    "ACTIVATIONS",
    "BOUNDED_RANGE",
    "MLP",
    "EnsembleMLP",
    "GaussianDropout",
    "GaussianNoise",
    "Quantize",
    "SmallCNN",
    "add_noise",
    "add_quantization",
    "idnns_init_",
    "make_activation",
    "noise_in_eval",
    "noise_modules",
    "select_modules",
]
