"""Training: the loop for stacked ensembles and the log-spaced capture schedule."""

from infoplane.training.schedule import log_spaced_epochs
from infoplane.training.trainer import TrainSettings, resolve_device, train_ensemble

__all__ = ["TrainSettings", "log_spaced_epochs", "resolve_device", "train_ensemble"]
