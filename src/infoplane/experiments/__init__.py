"""The experiments of Shwartz-Ziv & Tishby (2017), arXiv 1703.00810, and Saxe et al. (2018), ICLR.

Each function runs a few settings with :func:`~infoplane.run.engine.run_experiment` and writes a
table, the per-layer phases and a figure into its output directory:

- :func:`depth_experiment`: 1 to 6 hidden layers, time to convergence (claim iv: the
  information-plane convergence of :mod:`infoplane.analysis.events`).
- :func:`train_size_experiment`: 5%, 45%, 85% of the data.
- :func:`activation_experiment`: tanh, ReLU, linear (Saxe et al. 2018).
- :func:`batch_experiment`: full-batch against mini-batch training.
- :func:`run_claims`: the four claims of the 2017 paper, each with a verdict and intervals
  (``infoplane claims``).

They share one runner (:mod:`infoplane.experiments.runner`: :class:`ExperimentOptions`, an
:class:`Experiment` spec, :func:`run_experiment_spec`), one set of summaries
(:mod:`infoplane.experiments.summary`) and one figure (:mod:`infoplane.experiments.figure`).
"""

from infoplane.experiments.activation import activation_experiment
from infoplane.experiments.batch import batch_experiment
from infoplane.experiments.claims import run_claims, verdict_table
from infoplane.experiments.depth import depth_experiment
from infoplane.experiments.results import ExperimentResult, SettingRun
from infoplane.experiments.runner import Experiment, ExperimentOptions, run_experiment_spec
from infoplane.experiments.summary import convergence_epoch, layer_summary
from infoplane.experiments.train_size import train_size_experiment

__all__ = [
    "Experiment",
    "ExperimentOptions",
    "ExperimentResult",
    "SettingRun",
    "activation_experiment",
    "batch_experiment",
    "convergence_epoch",
    "depth_experiment",
    "layer_summary",
    "run_claims",
    "run_experiment_spec",
    "train_size_experiment",
    "verdict_table",
]
