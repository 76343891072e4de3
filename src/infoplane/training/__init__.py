"""Training: the loop for stacked ensembles (any nn.Module via ModuleEnsemble), capture schedule."""

from infoplane.training.module_trainer import ModuleEnsemble, import_factory
from infoplane.training.schedule import log_spaced_epochs
from infoplane.training.trainer import LoopState, TrainSettings, resolve_device, train_ensemble

__all__ = [
    "LoopState",
    "ModuleEnsemble",
    "TrainSettings",
    "import_factory",
    "log_spaced_epochs",
    "resolve_device",
    "train_ensemble",
]
