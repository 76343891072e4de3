"""Setting a run up: the resolved config, its data set, the evaluation subset, the stacked network.

Everything here happens before a run directory is touched, so a bad config, a missing data file or
a model that cannot be built is refused without leaving anything behind. Reproduces the setting of
Shwartz-Ziv & Tishby (2017), arXiv 1703.00810, Sec. 3 (the 12-bit task, all inputs evaluated), and
of Saxe et al. (2018), ICLR (MNIST, held-out evaluation subsets).
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from infoplane.data import Dataset, load_twelve_bit
from infoplane.interface import InfoplaneError
from infoplane.run.config import RunConfig

log = logging.getLogger(__name__)

DIGITS_FALLBACK = (
    "digits: no MNIST path was given (data.path or --mnist-dir), so the bundled 8x8 digits "
    "were used"
)


# ------------------------------------------------------------------------------------------ data
def resolve_config(config: RunConfig) -> RunConfig:
    """Return ``config`` with ``data.fallback`` set when the data used differ from ``data.task``.

    A ``mnist`` task without ``data.path`` runs on the bundled 8x8 digits; this is logged as a
    warning and recorded in the resolved config (``data.fallback``).
    """
    if config.data.task == "mnist" and not config.data.path and not config.data.fallback:
        log.warning(
            "no MNIST path given: using the bundled 8x8 digits (pass --mnist-dir DIR for MNIST)"
        )
        config = config.model_copy(deep=True)
        config.data.fallback = DIGITS_FALLBACK
    return config


def load_dataset(config: RunConfig) -> Dataset:
    """Load the data set named by ``config.data``.

    Raises:
        InfoplaneError: for an unknown task, or missing files (the message names them).
    """
    d = config.data
    if d.task == "12bit":
        return load_twelve_bit(d.split, d.train_fraction, d.split_seed)
    if d.task == "digits" or (d.task == "mnist" and not d.path):
        from infoplane.data.digits import load_digits

        return load_digits(d.train_fraction, d.split_seed)
    if d.task == "mnist":
        from infoplane.data.mnist import load_mnist

        return load_mnist(d.path)  # type: ignore[arg-type]
    if d.task == "npz":
        from infoplane.data.arrays import load_arrays

        return load_arrays(d.path, d.train_fraction, d.split_seed)  # type: ignore[arg-type]
    if d.task == "torch":
        from infoplane.data.arrays import from_torch_dataset
        from infoplane.training.module_trainer import import_factory

        made = import_factory(d.factory)()  # type: ignore[arg-type]
        train, test = made if isinstance(made, tuple) else (made, None)
        return from_torch_dataset(
            train, test, train_fraction=d.train_fraction, seed=d.split_seed, name=str(d.factory)
        )
    raise InfoplaneError(
        f"data.task={d.task!r} is unknown; built in: 12bit, mnist, digits, npz, torch."
    )


def evaluation_indices(ds: Dataset, config: RunConfig) -> np.ndarray:
    """Rows on which information is estimated: ``data.mi_on``, then a fixed subset of ``data.mi_n``.

    The subset is drawn once with ``numpy.random.default_rng(data.split_seed)`` and sorted.

    Raises:
        InfoplaneError: if ``mi_n`` exceeds the number of rows available.
    """
    idx = ds.evaluation_indices(config.data.mi_on)
    n = config.data.mi_n
    if n is None or n == len(idx):
        return idx
    if n > len(idx):
        raise InfoplaneError(
            f"data.mi_n={n} exceeds the {len(idx)} rows of mi_on={config.data.mi_on!r}."
        )
    return np.sort(np.random.default_rng(config.data.split_seed).choice(idx, size=n, replace=False))


def prepare_run_dir(out_dir: str | Path, overwrite: bool) -> Path:
    """Create the run directory, refusing to reuse a non-empty one unless ``overwrite``.

    Raises:
        FileExistsError: if ``out_dir`` exists, is not empty and ``overwrite`` is False.
    """
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()):
        if not overwrite:
            raise FileExistsError(
                f"run directory {str(out)!r} exists and is not empty; choose another --out, pass "
                "--overwrite to replace it, or --resume it."
            )
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    return out


# ----------------------------------------------------------------------------------------- model
@dataclass
class Network:
    """A stacked model ready for :func:`~infoplane.training.trainer.train_ensemble`.

    Attributes:
        model: the stacked model (R members).
        x: all inputs in the shape the model takes (vectors flattened for an MLP).
        layers: the module names whose representations are analysed, in network order.
        capture: ``capture(x_eval)`` -> dict layer -> float32 array (R, n_samples, n_units).
    """

    model: Any
    x: np.ndarray
    layers: list[str]
    capture: Callable[[Any], dict[str, np.ndarray]]


def build_network(config: RunConfig, ds: Dataset) -> Network:
    """Build the R members named by ``config.model`` for data set ``ds``.

    Raises:
        InfoplaneError: a CNN on vector data, a factory that fails to import, or layers that match
            no module.
    """
    from infoplane.capture import run_and_capture, select_layers

    m = config.model
    bs = config.capture.batch_size
    if m.arch == "mlp":
        from infoplane.models.ensemble import EnsembleMLP

        x = ds.x.reshape(len(ds.x), -1)
        model = EnsembleMLP(
            config.seeds(),
            n_inputs=x.shape[1],
            hidden=m.hidden,
            n_classes=ds.n_classes,
            activation=m.activation,
            quantize_bits=m.quantize_bits,
        )
        layers = (
            select_layers(model, config.capture.layers)
            if config.capture.layers
            else model.layer_names(config.capture.include_output)
        )

        def capture(x_eval: Any) -> dict[str, np.ndarray]:
            acts = run_and_capture(model, x_eval, layers, sample_dims=2, batch_size=bs)
            return {k: v.numpy() for k, v in acts.items()}

        return Network(model, x, layers, capture)

    from infoplane.training.module_trainer import ModuleEnsemble, import_factory

    shape = tuple(int(v) for v in ds.x.shape[1:])
    if m.arch == "cnn":
        from infoplane.models.cnn import SmallCNN

        if len(shape) != 3:
            raise InfoplaneError(
                f"model.arch='cnn' needs images (n, C, H, W); data {ds.name!r} has inputs of "
                f"shape {shape}."
            )

        def factory(seed: int) -> Any:
            return SmallCNN(shape, ds.n_classes, tuple(m.channels), m.hidden[0], seed=seed)  # type: ignore[arg-type]
    else:
        fn = import_factory(m.factory)  # type: ignore[arg-type]

        def factory(seed: int) -> Any:
            return fn(seed=seed, in_shape=shape, n_classes=ds.n_classes, **m.kwargs)

    model = ModuleEnsemble(factory, config.seeds(), sample_ndim=len(shape))
    first = model.members[0]
    if config.capture.layers:
        layers = select_layers(first, config.capture.layers)
    elif hasattr(first, "layer_names"):
        layers = list(first.layer_names(config.capture.include_output))
    else:
        raise InfoplaneError(
            f"{type(first).__name__} has no layer_names(); name the layers to analyse in "
            "capture.layers "
            "(module names or globs, e.g. ['features.*', 'classifier.1'])."
        )
    return Network(
        model, ds.x, layers, lambda x_eval: model.capture(x_eval, layers, batch_size=bs or 2048)
    )
