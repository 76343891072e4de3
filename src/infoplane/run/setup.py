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
from infoplane.run.checkpoint import RunLock
from infoplane.run.config import RunConfig
from infoplane.storage.layout import RunLayout

log = logging.getLogger(__name__)

DIGITS_FALLBACK = (
    "digits: no MNIST path was given (data.path or --mnist-dir), so the bundled 8x8 digits "
    "were used"
)


# ------------------------------------------------------------------------------------------ data
def resolve_config(config: RunConfig) -> RunConfig:
    """Return ``config`` with ``data.fallback`` set when the data used differ from ``data.task``.

    Args:
        config: a validated run config.

    Returns:
        The same config, or a copy with ``data.fallback`` set (the resolved config written to
        ``config.yaml``).

    Raises:
        Nothing.

    Notes:
        A ``mnist`` task without ``data.path`` runs on the bundled 8x8 digits; this is logged as a
        warning and recorded in the resolved config, so no run silently uses other data.

    References:
        Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR
        (the MNIST setting).

    Example:
        >>> from infoplane.run.config import RunConfig
        >>> resolve_config(RunConfig(data={"task": "mnist"})).data.fallback.startswith("digits")
        True
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

    Args:
        config: the run config (its ``data`` section).

    Returns:
        A :class:`~infoplane.data.Dataset`: inputs ``x`` (n_samples, *features), integer labels
        ``y`` (n_samples,), training and test rows.

    Raises:
        InfoplaneError: for an unknown task, or missing files (the message names them).

    Notes:
        Nothing is ever downloaded. ``data.task="torch"`` imports and calls ``data.factory``
        (user code; see :func:`check_trusted_factories` for run directories from elsewhere).

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810 (the 12-bit task).

    Example:
        >>> from infoplane.run.config import RunConfig
        >>> ds = load_dataset(RunConfig())
        >>> ds.x.shape, ds.n_classes
        ((4096, 12), 2)
    """
    d = config.data
    if d.task == "12bit":
        return load_twelve_bit(d.split, d.train_fraction, d.split_seed)
    if d.task == "digits" or (d.task == "mnist" and not d.path):
        from infoplane.data.digits import load_digits

        return load_digits(d.train_fraction, d.split_seed)
    if d.task == "mnist1d":
        from infoplane.data.mnist1d import load_mnist1d

        cnn1d = config.model.arch == "cnn1d"
        return load_mnist1d(train_fraction=d.train_fraction, channel_axis=cnn1d)
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
        f"data.task={d.task!r} is unknown; built in: 12bit, mnist, digits, mnist1d, npz, torch."
    )


def evaluation_indices(ds: Dataset, config: RunConfig) -> np.ndarray:
    """Rows on which information is estimated: ``data.mi_on``, then a fixed subset of ``data.mi_n``.

    Args:
        ds: the run's data set.
        config: the run config (``data.mi_on``, ``data.mi_n``, ``data.split_seed``).

    Returns:
        Sorted int64 row indices, shape (n_eval,).

    Raises:
        InfoplaneError: if ``mi_n`` exceeds the number of rows available.

    Notes:
        The subset is drawn once with ``numpy.random.default_rng(data.split_seed)`` and sorted,
        so every epoch and repeat is evaluated on the same rows. Plug-in estimates of I(X;T) are
        bounded by log2(n_eval) bits: small subsets saturate early.

    References:
        Saxe, A. M. et al. (2018). ICLR (information estimated on held-out rows).

    Example:
        >>> from infoplane.run.config import RunConfig
        >>> cfg = RunConfig(data={"mi_n": 100})
        >>> evaluation_indices(load_dataset(cfg), cfg).shape
        (100,)
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


def check_run_dir(out_dir: str | Path, overwrite: bool) -> RunLayout:
    """Check that a new run may be written to ``out_dir``, without changing anything.

    Args:
        out_dir: the run directory to create (or, with ``overwrite``, to replace).
        overwrite: replace an existing infoplane run there (default in the CLI: False).

    Returns:
        The :class:`~infoplane.storage.layout.RunLayout` of ``out_dir``.

    Raises:
        InfoplaneError: if ``out_dir`` (or a parent) is a file; if it exists and is not empty
            without ``overwrite``; if ``overwrite`` is asked for a directory that is not an
            infoplane run (its files are never deleted).

    Notes:
        The directory is only created, or replaced, by :func:`claim_run_dir`, after the whole run
        was validated (config, data, network, device).

    References:
        None (infoplane's own run layout).

    Example:
        >>> import tempfile, pathlib
        >>> check_run_dir(pathlib.Path(tempfile.mkdtemp()) / "new", overwrite=False).root.name
        'new'
    """
    layout = RunLayout(out_dir)
    out = layout.root
    for parent in [out, *out.parents]:
        if parent.exists() and not parent.is_dir():
            raise InfoplaneError(
                f"run directory {str(out)!r}: {str(parent)!r} is a file, not a directory; choose "
                "another --out."
            )
        if parent.exists():
            break
    if out.is_dir() and any(out.iterdir()):
        if not overwrite:
            raise InfoplaneError(
                f"run directory {str(out)!r} exists and is not empty; choose another --out, pass "
                "--overwrite to replace it (an infoplane run only), or --resume it."
            )
        if not layout.is_run():
            raise InfoplaneError(
                f"--overwrite replaces only an infoplane run directory, and {str(out)!r} is not "
                f"one (no {layout.status.relative_to(out).as_posix()}); nothing was deleted: choose "
                "another --out, or empty that directory yourself."
            )
    return layout


def claim_run_dir(layout: RunLayout, overwrite: bool) -> RunLock:
    """Create (or, with ``overwrite``, empty) a checked run directory and lock it.

    Call :func:`check_run_dir` first, and this only once the run is validated.

    Args:
        layout: the run directory's layout (from :func:`check_run_dir`).
        overwrite: delete the contents of an existing run directory (its lock file is kept).

    Returns:
        The held :class:`~infoplane.run.checkpoint.RunLock`; release it when the run ends.

    Raises:
        InfoplaneRuntimeError: if another process holds the directory's lock (nothing is deleted).
        InfoplaneError: as :func:`check_run_dir` (it is called again first).

    Notes:
        The lock is taken before anything is deleted, so a run that is still training is never
        overwritten.

    References:
        None (infoplane's own run layout).

    Example:
        >>> import tempfile, pathlib
        >>> lay = check_run_dir(pathlib.Path(tempfile.mkdtemp()) / "new", overwrite=False)
        >>> lock = claim_run_dir(lay, overwrite=False)
        >>> lock.held, lay.lock.is_file()
        (True, True)
        >>> lock.release()
    """
    check_run_dir(layout.root, overwrite)
    replace = layout.root.is_dir() and any(layout.root.iterdir())
    layout.root.mkdir(parents=True, exist_ok=True)
    lock = RunLock(layout.root, "training").acquire()
    try:
        for entry in list(layout.root.iterdir()) if replace else []:
            if entry == layout.state:
                for sub in entry.iterdir():
                    if sub != layout.lock:
                        _remove(sub)
            else:
                _remove(entry)
    except BaseException:
        lock.release()
        raise
    return lock


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


# ----------------------------------------------------------------------------------------- model
@dataclass
class Network:
    """A stacked model ready for :func:`~infoplane.training.trainer.train_ensemble`.

    Built by :func:`build_network`; raises nothing itself.

    Notes:
        ``capture`` runs the members in eval mode without gradients (training mode restored).

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810 (12-10-7-5-4-3-2 network).

    Example:
        >>> from infoplane.run.config import RunConfig
        >>> cfg = RunConfig(model={"hidden": [3]})
        >>> build_network(cfg, load_dataset(cfg)).layers
        ['layers.0.act', 'layers.1.softmax']

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

    Args:
        config: the run config (``model``, ``capture.layers``, ``seed``, ``repeats``).
        ds: the data set (input shape, number of classes).

    Returns:
        A :class:`Network`: an :class:`~infoplane.models.ensemble.EnsembleMLP` for ``mlp``, or a
        :class:`~infoplane.training.module_trainer.ModuleEnsemble` of ``SmallCNN`` or of the
        factory's modules; member r is initialised with seed ``seed + r``.

    Raises:
        InfoplaneError: a CNN on vector data, a factory that fails to import, or layers that match
            no module.

    Notes:
        ``model.arch="factory"`` imports and calls user code.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810, Sec. 3 (the IDNNs initialisation).

    Example:
        >>> from infoplane.run.config import RunConfig
        >>> cfg = RunConfig(repeats=2, model={"hidden": [4, 3]})
        >>> net = build_network(cfg, load_dataset(cfg))
        >>> net.capture(__import__("torch").zeros(5, 12))["layers.0.act"].shape
        (2, 5, 4)
    """
    import torch

    from infoplane.capture import capture_members, run_and_capture, select_layers

    m = config.model
    bs = config.capture.batch_size
    if m.arch == "mlp":
        from infoplane.models.ensemble import EnsembleMLP

        x = ds.x.reshape(len(ds.x), -1)
        builtin_quant = m.quantize_layers is None and m.quantize_range is None
        model = EnsembleMLP(
            config.seeds(),
            n_inputs=x.shape[1],
            hidden=m.hidden,
            n_classes=ds.n_classes,
            activation=m.activation,
            quantize_bits=m.quantize_bits if builtin_quant else None,
        )
        _add_noise_and_quantization(model, config, builtin_quant)
        layers = (
            select_layers(model, config.capture.layers, argument="capture.layers")
            if config.capture.layers
            else model.layer_names(config.capture.include_output)
        )
        # one forward pass on two inputs names the representations as the capture returns them
        # (name#k for a module called k > 1 times per pass), in forward-pass order
        layers = select_layers(
            model, layers, example=torch.as_tensor(x[:2]), argument="capture.layers"
        )

        def capture(x_eval: Any) -> dict[str, np.ndarray]:
            acts = run_and_capture(model, x_eval, layers, sample_dims=2, batch_size=bs)
            return {k: v.numpy() for k, v in acts.items()}

        return Network(model, x, layers, capture)

    from infoplane.training.module_trainer import ModuleEnsemble, import_factory

    shape = tuple(int(v) for v in ds.x.shape[1:])
    if m.arch in ("cnn", "cnn1d"):
        if m.arch == "cnn":
            from infoplane.models.cnn import SmallCNN as cnn_class

            ndim, what = 3, "images (n, C, H, W)"
        else:
            from infoplane.models.cnn1d import SmallCNN1d as cnn_class

            ndim, what = 2, "sequences (n, C, L)"
        if len(shape) != ndim:
            raise InfoplaneError(
                f"model.arch={m.arch!r} needs {what}; data {ds.name!r} has inputs of shape {shape}."
            )

        def factory(seed: int) -> Any:
            return cnn_class(shape, ds.n_classes, tuple(m.channels), m.hidden[0], seed=seed)  # type: ignore[arg-type]
    else:
        fn = import_factory(m.factory)  # type: ignore[arg-type]

        def factory(seed: int) -> Any:
            return fn(seed=seed, in_shape=shape, n_classes=ds.n_classes, **m.kwargs)

    def stochastic_factory(seed: int) -> Any:
        member = factory(seed)
        _add_noise_and_quantization(member, config, False)
        return member

    model = ModuleEnsemble(stochastic_factory, config.seeds(), sample_ndim=len(shape))
    first = model.members[0]
    if config.capture.layers:
        layers = select_layers(first, config.capture.layers, argument="capture.layers")
    elif hasattr(first, "layer_names"):
        layers = list(first.layer_names(config.capture.include_output))
    else:
        raise InfoplaneError(
            f"{type(first).__name__} has no layer_names(); name the layers to analyse in "
            "capture.layers "
            "(module names or globs, e.g. ['features.*', 'classifier.1'])."
        )
    layers = select_layers(
        first, layers, example=torch.as_tensor(ds.x[:2]), argument="capture.layers"
    )
    return Network(
        model,
        ds.x,
        layers,
        lambda x_eval: capture_members(model, x_eval, layers, batch_size=bs or 2048),
    )


def _default_layers(model: Any, key: str) -> list[str]:
    if hasattr(model, "layer_names"):
        return list(model.layer_names(False))
    raise InfoplaneError(
        f"{key} is needed: {type(model).__name__} has no layer_names(), so name the modules "
        "(names or globs, e.g. ['features.*.relu'])."
    )


def _add_noise_and_quantization(model: Any, config: RunConfig, builtin_quant: bool) -> None:
    """Insert the quantisers and noise layers of ``config.model`` into ``model`` (in place).

    Quantisers go first, then noise (a quantised, then noisy layer); both keep the layer's name.
    """
    from infoplane.models.noise import add_noise, add_quantization

    m = config.model
    if m.quantize_bits is not None and not builtin_quant:
        layers = m.quantize_layers or _default_layers(model, "model.quantize_layers")
        from infoplane.models.noise import select_modules

        try:
            add_quantization(
                model,
                select_modules(model, layers, argument="model.quantize_layers"),
                m.quantize_bits,
                range=m.quantize_range,
            )
        except InfoplaneError as exc:
            if m.quantize_range is None and "range is needed" in str(exc):
                raise InfoplaneError(f"model.quantize_range: {exc}") from None
            raise
    if m.noise is not None:
        from infoplane.models.noise import select_modules

        layers = m.noise.layers or _default_layers(model, "model.noise.layers")
        add_noise(
            model,
            select_modules(model, layers, argument="model.noise.layers"),
            kind=m.noise.kind,
            std=m.noise.std,
            rate=m.noise.rate,
            in_eval=m.noise.in_eval,
        )


# ----------------------------------------------------------------------------------- everything
@dataclass
class RunInputs:
    """Everything a run needs before training, built and checked before a directory is touched.

    Built by :func:`prepare_inputs`, which raises ``InfoplaneError`` for anything unusable.

    Notes:
        Holding these before the run directory is created is what lets a refused run leave
        nothing behind.

    References:
        None (infoplane's own run flow).

    Example:
        >>> # inputs = prepare_inputs(config); see prepare_inputs

    Attributes:
        config: the resolved config (see :func:`resolve_config`).
        dataset: the data set.
        eval_idx: rows on which information is estimated, shape (n_eval,).
        labels: their labels, shape (n_eval,).
        network: the stacked network (:class:`Network`).
        capture_epochs: the log-spaced epochs at which layers are captured, shape (n_capture,).
        device: the torch device training will use (checked usable).
    """

    config: RunConfig
    dataset: Dataset
    eval_idx: np.ndarray
    labels: np.ndarray
    network: Network
    capture_epochs: np.ndarray
    device: Any


def prepare_inputs(config: RunConfig) -> RunInputs:
    """Resolve the config, load the data, build the network and check the device.

    Args:
        config: a validated run config.

    Returns:
        A :class:`RunInputs`.

    Raises:
        InfoplaneError: for missing data files, a network that cannot be built (a CNN on vector
            data, a layer that matches no module, a factory that does not import) or a device that
            cannot be used (e.g. ``cuda`` without a GPU).

    Notes:
        Nothing is written: this is what makes a refused run leave no directory behind. Importing
        ``model.factory``/``data.factory`` runs that code: see :func:`check_trusted_factories`
        for directories that come from elsewhere.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810, Sec. 3 (12-bit task, all 4096
        inputs evaluated).

    Example:
        >>> from infoplane.run.config import load_config
        >>> inputs = prepare_inputs(load_config("default", overrides={"training": {"epochs": 4}}))
        >>> inputs.labels.shape, inputs.capture_epochs.tolist(), inputs.device.type
        ((4096,), [0, 1, 2, 3, 4], 'cpu')
    """
    from infoplane.training import log_spaced_epochs, resolve_device

    config = resolve_config(config)
    device = resolve_device(config.training.device, check=True)
    ds = load_dataset(config)
    eval_idx = evaluation_indices(ds, config)
    net = build_network(config, ds)
    epochs = log_spaced_epochs(config.training.epochs, config.capture.n_points)
    return RunInputs(config, ds, eval_idx, ds.y[eval_idx], net, epochs, device)


def factory_specs(config: RunConfig) -> list[str]:
    """The ``module:function`` specs a run would import: ``model.factory`` and ``data.factory``.

    Args:
        config: a run config.

    Returns:
        The specs the run uses (``model.factory`` with ``model.arch="factory"``, ``data.factory``
        with ``data.task="torch"``), possibly empty.

    Raises:
        Nothing.

    Notes:
        Factories named in the config but unused by its arch/task are never imported.

    References:
        None.

    Example:
        >>> from infoplane.run.config import RunConfig
        >>> factory_specs(RunConfig())
        []
    """
    specs = []
    if config.model.arch == "factory" and config.model.factory:
        specs.append(config.model.factory)
    if config.data.task == "torch" and config.data.factory:
        specs.append(config.data.factory)
    return specs


def check_trusted_factories(config: RunConfig, allowed: Any, source: str) -> None:
    """Refuse to import code named by a config that came from a run directory, unless allowed.

    Args:
        config: the config read from ``source``.
        allowed: the ``module:function`` specs the user passed themselves (``--model-factory``,
            ``--data-factory``, or the API's ``allow_factories``).
        source: the file the config was read from (named in the message).

    Returns:
        ``None`` when every factory the config uses is allowed.

    Raises:
        InfoplaneError: if the config names a factory that is not in ``allowed`` (the message says
            how to allow it).

    Notes:
        A run directory may come from someone else; importing the module its ``config.yaml``
        names would run their code. Passing the same spec on the command line is the user's
        consent.

    References:
        None.

    Example:
        >>> from infoplane.run.config import RunConfig
        >>> cfg = RunConfig(model={"arch": "factory", "factory": "evil:make"})
        >>> check_trusted_factories(cfg, ["evil:make"], "config.yaml")  # allowed: no error
    """
    allowed = {str(a) for a in (allowed or ())}
    for spec in factory_specs(config):
        if spec not in allowed:
            key = "model.factory" if spec == config.model.factory else "data.factory"
            option = "--model-factory" if key == "model.factory" else "--data-factory"
            raise InfoplaneError(
                f"{source} names {key}={spec!r}; resuming would import and run that code. If you "
                f"trust it, pass the same spec: infoplane run --resume DIR {option} {spec} "
                f"(API: resume_experiment(DIR, allow_factories=[{spec!r}]))."
            )


def complete_inputs(config: RunConfig) -> bool:
    """True when information is estimated on every input of a finite input space.

    That is the 12-bit task evaluated on all 4096 patterns (``data.mi_on="all"``, no ``mi_n``
    subset): X is then uniform over exactly the evaluated rows, so the plug-in entropies of a
    deterministic layer are exact and the ``sparse_bins`` validity flag does not apply
    (:mod:`infoplane.analysis.validity`).

    Args:
        config: the run config.

    Returns:
        ``True`` for the 12-bit task on all its inputs, else ``False``.

    Raises:
        Nothing: it only reads the config.

    Notes:
        Shapes: none. Units: none. Any other data set is a sample of an unknown input
        distribution, whose plug-in entropies are biased low when bins are sparse.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810 (X uniform over the 4096 patterns).
        Paninski, L. (2003). Estimation of Entropy and Mutual Information. Neural Computation
        15:1191 (the plug-in bias).

    Example:
        >>> from infoplane.run.config import load_config
        >>> complete_inputs(load_config("default")), complete_inputs(load_config("mnist-cnn"))
        (True, False)
    """
    d = config.data
    return d.task == "12bit" and d.mi_on == "all" and d.mi_n is None
