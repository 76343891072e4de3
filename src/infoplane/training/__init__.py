"""Training: the loop for stacked ensembles (any nn.Module via ModuleEnsemble), capture schedule,
and gradient statistics (mean, std, SNR per layer; Shwartz-Ziv & Tishby 2017, arXiv 1703.00810)."""

from infoplane.training.gradients import GradientStatistics, layer_parameters
from infoplane.training.module_trainer import ModuleEnsemble, import_factory
from infoplane.training.schedule import log_spaced_epochs
from infoplane.training.trainer import LoopState, TrainSettings, resolve_device, train_ensemble

__all__ = [
    "GradientStatistics",
    "LoopState",
    "ModuleEnsemble",
    "TrainSettings",
    "import_factory",
    "layer_parameters",
    "log_spaced_epochs",
    "resolve_device",
    "train_ensemble",
]
