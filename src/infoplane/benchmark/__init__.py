"""The benchmark of Czyż et al. (2023): 40 distributions with a known mutual information.

``benchmark_tasks()`` lists the tasks (name -> :class:`BenchmarkTask`, each with ``sample(n, seed)``
and the true MI in nats and bits); ``run_benchmark`` runs estimators over them and scores them with
the paper's rule (solved when the mean estimate over seeds is within a factor 1.5 of the truth).
The samplers (Gaussian, Student-t, additive uniform noise, transformed) are public too, for tests
of any estimator. A second suite, ``noisy_layer_tasks()``, holds noisy layers of real networks,
I(X; T+Z) with a Monte Carlo truth (Goldfeld et al. 2019, ICML, arXiv 1810.05728).

References:
    Czyż, P., Grabowski, F., Vogt, J. E., Beerenwinkel, N., Marx, A. (2023). Beyond Normal: On the
    Evaluation of Mutual Information Estimators. NeurIPS 2023, arXiv:2306.11078.
"""

from infoplane.benchmark.noisy_layers import (
    NoisyLayerSampler,
    noisy_layer_mutual_information,
    noisy_layer_samplers,
)
from infoplane.benchmark.runner import not_applicable, run_benchmark, summarize_benchmark
from infoplane.benchmark.samplers import (
    AdditiveUniformSampler,
    GaussianSampler,
    Sampler,
    StudentTSampler,
    TransformedSampler,
    gaussian_mutual_information,
    student_t_mutual_information,
)
from infoplane.benchmark.tasks import (
    BenchmarkTask,
    benchmark_tasks,
    get_task,
    noisy_layer_tasks,
    select_tasks,
)

__all__ = [
    "AdditiveUniformSampler",
    "BenchmarkTask",
    "GaussianSampler",
    "NoisyLayerSampler",
    "Sampler",
    "StudentTSampler",
    "TransformedSampler",
    "benchmark_tasks",
    "gaussian_mutual_information",
    "get_task",
    "noisy_layer_mutual_information",
    "noisy_layer_samplers",
    "noisy_layer_tasks",
    "not_applicable",
    "run_benchmark",
    "select_tasks",
    "student_t_mutual_information",
    "summarize_benchmark",
]
