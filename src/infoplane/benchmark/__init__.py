"""The benchmark of Czyż et al. (2023): 40 distributions with a known mutual information.

``benchmark_tasks()`` lists the tasks (name -> :class:`BenchmarkTask`, each with ``sample(n, seed)``
and the true MI in nats and bits); ``run_benchmark`` runs estimators over them and scores them with
the paper's rule (solved when the mean estimate over seeds is within a factor 1.5 of the truth).
The samplers (Gaussian, Student-t, additive uniform noise, transformed) are public too, for tests
of any estimator.

References:
    Czyż, P., Grabowski, F., Vogt, J. E., Beerenwinkel, N., Marx, A. (2023). Beyond Normal: On the
    Evaluation of Mutual Information Estimators. NeurIPS 2023, arXiv:2306.11078.
"""

from infoplane.benchmark.runner import run_benchmark, summarize_benchmark
from infoplane.benchmark.samplers import (
    AdditiveUniformSampler,
    GaussianSampler,
    Sampler,
    StudentTSampler,
    TransformedSampler,
    gaussian_mutual_information,
    student_t_mutual_information,
)
from infoplane.benchmark.tasks import BenchmarkTask, benchmark_tasks, get_task, select_tasks

__all__ = [
    "AdditiveUniformSampler",
    "BenchmarkTask",
    "GaussianSampler",
    "Sampler",
    "StudentTSampler",
    "TransformedSampler",
    "benchmark_tasks",
    "gaussian_mutual_information",
    "get_task",
    "run_benchmark",
    "select_tasks",
    "student_t_mutual_information",
    "summarize_benchmark",
]
