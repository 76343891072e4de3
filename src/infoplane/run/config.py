"""Run configuration (pydantic), presets, and reading/writing configs as YAML or TOML.

A :class:`RunConfig` is everything needed to reproduce a run; it is written, resolved, into every
run directory as ``config.yaml``. Presets live in ``infoplane/presets/*.yaml``:

- ``default``: about a minute on 2 CPU cores; tanh on the 12-bit task, fitting then compression.
- ``tishby2017``: the scale of Shwartz-Ziv & Tishby (2017), arXiv 1703.00810 (50 networks, 8000
  epochs, Adam 4e-4, batch 512, the IDNNs binning: 29 bins on [-1, 1] (30 edges), 85% training data as in their Fig. 2 panel).
- ``saxe2018``: the 12-bit setting of Saxe et al. (2018), ICLR (their published split, batch 256,
  fixed bin width 0.07).
- ``saxe2018-mnist``: Saxe et al. (2018)'s MNIST network 784-1024-20-20-20-10 (ReLU, SGD lr 0.001,
  batch 128), MI on the 10,000 test images; the bundled 8x8 digits when no MNIST path is given.
- ``mnist-cnn``: a small CNN (:class:`~infoplane.models.cnn.SmallCNN`) on MNIST (or the digits).
- ``mnist1d-mlp``, ``mnist1d-cnn``: an MLP and a small 1-D CNN on MNIST-1D (generated locally;
  ``pip install infoplane[mnist1d]``); ``digits-cnn``: a small CNN on the bundled 8x8 digits. Their
  coarse binning keeps I(X;T) below log2 n (Greydanus & Kobak 2024, arXiv 2011.14439).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from infoplane.interface import InfoplaneError


class _Strict(BaseModel):
    # allow_inf_nan=False: lr: .inf or a NaN anywhere is refused when the config is validated
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)


class DataConfig(_Strict):
    """Which task, split and evaluation set.

    Attributes:
        task: ``12bit`` (built in), ``mnist`` (local files at ``path``; the 8x8 ``digits`` when
            ``path`` is empty), ``digits`` (scikit-learn's, bundled), ``mnist1d`` (MNIST-1D,
            generated locally; ``pip install infoplane[mnist1d]``), ``npz`` (arrays at ``path``)
            or ``torch`` (a ``torch.utils.data.Dataset`` from ``factory``).
        path: MNIST folder (IDX files or ``mnist.npz``) or ``.npz`` file of user arrays.
        factory: ``package.module:function`` returning a torch ``Dataset`` or a (train, test) pair.
        split: ``stratified`` (seeded, default), ``saxe2018`` (published split) or ``idnns``
            (unshuffled first rows; label-imbalanced). 12-bit task only; MNIST keeps its split.
        train_fraction: share of the data used for training, in (0, 1) (data without a split).
        split_seed: seed of the stratified split and of the ``mi_n`` subset.
        mi_on: rows on which information is estimated: ``all`` (default, the 4096 inputs), ``train``
            or ``test``.
        mi_n: estimate on a fixed random subset of this many of those rows (``None``: all of them).
        fallback: set by the run when the data set used differs from ``task`` (e.g. ``digits``
            because no MNIST path was given); leave empty.

    Raises:
        pydantic.ValidationError: for a bad or unknown key (:func:`validate_config` turns it into
            an ``InfoplaneError`` naming the key).

    Notes:
        ``data.factory`` is imported only for ``task="torch"``, and on resume only when allowed.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810 (12-bit task); Saxe, A. M. et al.
        (2018). ICLR (published split, MNIST).

    Example:
        >>> DataConfig(task="digits", mi_n=100).mi_n
        100
    """

    task: Literal["12bit", "mnist", "digits", "mnist1d", "npz", "torch"] = "12bit"
    path: str | None = None
    factory: str | None = None
    split: Literal["stratified", "saxe2018", "idnns"] = "stratified"
    train_fraction: float = Field(0.8, gt=0.0, lt=1.0)
    split_seed: int = 0
    mi_on: Literal["all", "train", "test"] = "all"
    mi_n: int | None = Field(None, ge=2)
    fallback: str | None = None


class NoiseConfig(_Strict):
    """Noise layers that make a network stochastic, so that I(X;T) is finite (``model.noise``).

    Attributes:
        kind: ``gaussian`` (additive, ``T = f(X) + std Z``) or ``dropout`` (Gaussian dropout,
            ``T = f(X) (1 + sqrt(rate / (1 - rate)) Z)``).
        std: standard deviation of the additive noise (> 0, activation units; ``gaussian``).
        rate: dropout rate in (0, 1) (``dropout``).
        layers: module names or globs after which noise is inserted; ``None`` = the hidden layers
            analysed (the MLP's ``layers.{i}.act``, the CNN's ``pool1, pool2, act3``; a factory
            model needs them named unless it has ``layer_names()``).
        in_eval: also sample the noise in eval mode (default False: capture records the
            noise-free centres, which the estimators need).

    Raises:
        pydantic.ValidationError: for ``std <= 0``, a rate outside (0, 1), a parameter of the other
            kind, or a layer that matches no module of an ``mlp`` or ``cnn`` model (naming the
            key; :func:`validate_config` turns it into an ``InfoplaneError``).

    Notes:
        The estimators of the noisy layers get the network's own noise: ``kde_upper``,
        ``kde_lower``, ``sample_propagation`` and ``ksg`` (its plane's noisy channel) are given
        ``noise_variance = std**2``,
        ``gaussian_dropout`` the ``rate``; a different value given for them is an error. See
        ``docs/finite_mi.md``.

    References:
        Adilova, L., Geiger, B. C., Fischer, A. (2023). Information Plane Analysis for Dropout
        Neural Networks. ICLR. arXiv 2303.00596.

    Example:
        >>> NoiseConfig(kind="dropout", rate=0.2).layers is None
        True
    """

    kind: Literal["gaussian", "dropout"]
    std: float | None = Field(None, gt=0.0)
    rate: float | None = Field(None, gt=0.0, lt=1.0)
    layers: list[str] | None = None
    in_eval: bool = False

    @model_validator(mode="after")
    def _parameter_of_kind(self) -> NoiseConfig:
        if self.kind == "gaussian" and (self.std is None or self.rate is not None):
            raise ValueError("kind='gaussian' needs std (> 0) and no rate")
        if self.kind == "dropout" and (self.rate is None or self.std is not None):
            raise ValueError("kind='dropout' needs rate (in (0, 1)) and no std")
        if self.layers is not None and not self.layers:
            raise ValueError("layers must name at least one module, or be left out")
        return self


class ModelConfig(_Strict):
    """The network.

    Attributes:
        arch: ``mlp`` (default; the stacked ensemble of the 2017 network), ``cnn``
            (:class:`~infoplane.models.cnn.SmallCNN`: ``channels``, dense width ``hidden[0]``),
            ``cnn1d`` (:class:`~infoplane.models.cnn1d.SmallCNN1d` for sequences (C, L), e.g.
            MNIST-1D) or ``factory``.
        hidden: hidden widths (MLP) or the dense width (CNN).
        activation: hidden activation of the MLP.
        quantize_bits: k-bit quantisation (Lorenzen et al. 2022): the MLP's hidden activations
            (bounded activations), or the modules of ``quantize_layers``.
        quantize_layers: module names or globs to quantise (``None``: the MLP's hidden
            activations; the CNN's ``pool1, pool2, act3``; required for factory models without
            ``layer_names()``).
        quantize_range: (low, high) of the quantiser; required for unbounded layers (ReLU,
            pooling: e.g. [0, 1]); ``None`` = the activation's own range.
        noise: a :class:`NoiseConfig` (Gaussian noise or Gaussian dropout), or ``None``.
        channels: channels of the CNN's two conv layers.
        factory: ``package.module:function`` building one member as
            ``function(seed=..., in_shape=..., n_classes=..., **kwargs)`` -> ``nn.Module`` (logits);
            name the layers to analyse in ``capture.layers`` (or give the module a
            ``layer_names()``).
        kwargs: extra keyword arguments of the factory.

    Raises:
        pydantic.ValidationError: for a bad or unknown key (:func:`validate_config` turns it into
            an ``InfoplaneError`` naming the key).

    Notes:
        ``model.factory`` is imported only for ``arch="factory"``, and on resume only when
        allowed.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810 (12-10-7-5-4-3-2 tanh network).

    Example:
        >>> ModelConfig(hidden=[10, 7, 5]).activation
        'tanh'
    """

    arch: Literal["mlp", "cnn", "cnn1d", "factory"] = "mlp"
    hidden: list[int] = Field(default_factory=lambda: [10, 7, 5, 4, 3])
    activation: Literal["tanh", "relu", "sigmoid", "linear", "elu", "softplus", "softsign"] = "tanh"
    quantize_bits: int | None = Field(None, ge=1)
    quantize_layers: list[str] | None = None
    quantize_range: tuple[float, float] | None = None
    noise: NoiseConfig | None = None
    channels: list[int] = Field(default_factory=lambda: [8, 16])
    factory: str | None = None
    kwargs: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _quantize_usable(self) -> ModelConfig:
        if self.quantize_range is not None and not self.quantize_range[1] > self.quantize_range[0]:
            raise ValueError(
                f"quantize_range must be [low, high] with high > low; got "
                f"{list(self.quantize_range)}"
            )
        if self.quantize_bits is None and (self.quantize_layers or self.quantize_range):
            raise ValueError("quantize_layers / quantize_range need quantize_bits")
        if (
            self.quantize_bits is not None
            and self.arch in ("cnn", "cnn1d")
            and self.quantize_range is None
        ):
            raise ValueError(
                "quantize_bits on the CNN needs quantize_range (its ReLU and pooling layers are "
                "unbounded), e.g. quantize_range: [0, 1]"
            )
        if self.quantize_layers is not None and not self.quantize_layers:
            raise ValueError("quantize_layers must name at least one module, or be left out")
        for key in ("noise", "quantize_layers"):
            if self.arch in ("mlp", "cnn"):
                self._check_layers(key)
        return self

    def _check_layers(self, key: str) -> None:
        """Refuse layer names that match no module of the built-in mlp/cnn, at validation."""
        layers = self.noise.layers if key == "noise" and self.noise else None
        if key == "quantize_layers":
            layers = self.quantize_layers
        if not layers:
            return
        from infoplane.models.noise import select_modules

        if self.arch == "mlp":
            from infoplane.models.mlp import BOUNDED_RANGE, MLP

            builtin = self.quantize_layers is None and self.quantize_range is None
            bits = self.quantize_bits if builtin and self.activation in BOUNDED_RANGE else None
            skeleton: Any = MLP(1, self.hidden, 2, self.activation, quantize_bits=bits)
        else:
            from infoplane.models.cnn import SmallCNN

            skeleton = SmallCNN((1, 8, 8), 2, tuple(self.channels), self.hidden[0])  # type: ignore[arg-type]
        argument = "model.noise.layers" if key == "noise" else "model.quantize_layers"
        try:
            select_modules(skeleton, layers, argument=argument)
        except InfoplaneError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("hidden")
    @classmethod
    def _positive(cls, v: list[int]) -> list[int]:
        if not v or min(v) < 1:
            raise ValueError("hidden widths must be a non-empty list of positive integers")
        return v


class TrainingConfig(_Strict):
    """Optimisation: epochs, optimiser, learning rate, batch size (``None``/``full``: full batch).

    Attributes:
        epochs: training epochs (>= 1; default 2000).
        optimizer: ``adam`` (default) or ``sgd``.
        lr: learning rate (> 0, finite; default 4e-4).
        batch_size: mini-batch size (default 512), ``None``/``full`` for full batch.
        momentum: SGD momentum in [0, 1) (default 0).
        device: ``auto`` (default), ``cpu``, ``cuda``, ...; checked usable before a run starts.
        threads: torch CPU threads while training (1, the default, is fastest for these small
            networks; ``None`` keeps torch's default).
        history: ``exact`` evaluates all rows after each epoch; ``running`` averages the training
            mini-batches (cheaper; see :class:`~infoplane.training.TrainSettings`).
        fast: train the stacked MLP with the hand-written step (default ``True``; equal to the
            autograd path to float32 rounding, tested); ``false`` uses autograd (the reference).
        processes: train the members in this many processes at once (default 1), each a
            contiguous group of members with one torch thread (:mod:`infoplane.run.members`);
            ``auto``: one per CPU core (at most R; 1 inside a worker process, or where the run
            cannot be split). Each member's trajectory depends only on its seed, so the tables
            are those of one process to float32 rounding. Needs an MLP without noise layers on
            the CPU, online estimation without an activation store (``storage.online: true``,
            ``storage.activations: none``) and estimators that treat each network on its own
            (no ``binning`` with ``range: data``); an explicit number > 1 elsewhere is refused.

    Raises:
        pydantic.ValidationError: for a bad or unknown key (:func:`validate_config` turns it into
            an ``InfoplaneError`` naming the key).

    Notes:
        Numbers must be finite (``lr: .inf`` is refused when the config is validated).

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810 (Adam, lr 4e-4, batch 512).

    Example:
        >>> TrainingConfig(batch_size="full").batch_size is None
        True
    """

    epochs: int = Field(2000, ge=1)
    optimizer: Literal["adam", "sgd"] = "adam"
    lr: float = Field(4e-4, gt=0.0)
    batch_size: int | None = Field(512, ge=1)
    momentum: float = Field(0.0, ge=0.0, lt=1.0)
    device: str = "auto"
    threads: int | None = Field(1, ge=1)
    history: Literal["exact", "running"] = "exact"
    fast: bool = True
    processes: int | Literal["auto"] = Field(1)

    @field_validator("processes")
    @classmethod
    def _processes(cls, v: Any) -> Any:
        if v != "auto" and (isinstance(v, bool) or v < 1):
            raise ValueError(f"must be an integer >= 1 or 'auto'; got {v!r}")
        return v

    @field_validator("batch_size", mode="before")
    @classmethod
    def _full(cls, v: Any) -> Any:
        return None if isinstance(v, str) and v.lower() == "full" else v


class CaptureConfig(_Strict):
    """When and what to capture.

    Attributes:
        n_points: size of the IDNNs log-spaced grid of epochs before de-duplication (400 gives 274
            distinct epochs for 8000 epochs); epoch 0 and the last epoch are always added.
        layers: module names or globs to capture; ``None`` = every hidden layer and the softmax
            output.
        include_output: with ``layers=None``, also capture the softmax output layer.

    Raises:
        pydantic.ValidationError: for a bad or unknown key (:func:`validate_config` turns it into
            an ``InfoplaneError`` naming the key).

    Notes:
        More capture points cost disk (one epoch of every layer each) and estimation time.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810 (log-spaced epochs, IDNNs code).

    Example:
        >>> CaptureConfig(n_points=50).include_output
        True
    """

    n_points: int = Field(400, ge=1)
    layers: list[str] | None = None
    include_output: bool = True
    batch_size: int | None = Field(None, ge=1)


class StorageConfig(_Strict):
    """Where captured activations go, and checkpoints.

    Attributes:
        activations: ``zarr`` (default): written as captured to ``activations.zarr`` in the run
            directory (shape (repeat, epoch, sample, unit) per layer), estimated from there in epoch
            chunks; ``none``: not kept (needs ``online``).
        dtype: ``float32`` (exact) or ``float16`` (half the disk; estimates may change slightly).
        online: estimate at each capture epoch during training, from batches of rows, keeping no
            epoch (:mod:`infoplane.run.streaming`); ``binning`` with ``range: data`` then follows
            the streaming range rule (each layer's [min, max] at the first captured epoch, stated
            in the table's ``params`` column); ``binning_adaptive`` with global scope is refused.
        subsample: rows of the evaluation set that the estimators other than ``binning`` use,
            drawn once with ``subsample_seed`` (``null``, the default: all rows). Applies online
            and from the store alike (the same rows, stated in the table's ``params`` column);
            bounds their memory and time for large evaluation sets.
        subsample_seed: seed of that subsample (default 0).
        checkpoint_every: write a checkpoint (model, optimiser, RNG states, history) every this many
            epochs, and after the last; ``infoplane run --resume DIR`` goes on from the latest.
        chunk_mb: memory budget (MiB of float32) of one chunk of epochs read for estimation
            (default 8: peak memory is one such chunk and the estimator's temporaries, about 8x
            more, whatever the number of captured epochs; ``benchmarks/memory.py``).

    Raises:
        pydantic.ValidationError: for a bad or unknown key (:func:`validate_config` turns it into
            an ``InfoplaneError`` naming the key).

    Notes:
        ``float16`` halves the disk but rounds activations to 11 significant bits.

    References:
        None (infoplane's own storage; zarr v3 format).

    Example:
        >>> StorageConfig(online=True).activations
        'zarr'
    """

    activations: Literal["zarr", "none"] = "zarr"
    dtype: Literal["float32", "float16"] = "float32"
    online: bool = False
    subsample: int | None = Field(None, ge=2)
    subsample_seed: int = Field(0, ge=0)
    checkpoint_every: int = Field(100, ge=1)
    chunk_mb: float = Field(8.0, gt=0.0)


class EstimatorConfig(_Strict):
    """One estimator by registry name with its hyper-parameters, validated when the config is.

    The parameters are checked against the estimator's typed parameter model (its ``Params``), so
    an unknown name or a bad value is refused before anything runs. ``params`` stays the plain
    dict that is written to ``config.yaml``; :meth:`typed_params` gives the typed object.

    Attributes:
        name: registry name (see ``infoplane.estimators.available_estimators()``).
        params: hyper-parameters as plain data (e.g. ``{"n_bins": 30, "range": [-1, 1]}``).

    Raises:
        pydantic.ValidationError: for an unknown estimator or a bad parameter (the message names
            it; :func:`validate_config` turns it into an ``InfoplaneError``).

    Notes:
        Values are in bits unless ``params`` set ``unit: nats``; the table's ``unit`` column says.

    References:
        Pedregosa, F. et al. (2011). Scikit-learn: Machine Learning in Python. JMLR 12
        (hyper-parameters validated declaratively, once).

    Example:
        >>> EstimatorConfig(name="binning", params={"n_bins": 10}).params
        {'n_bins': 10}
        >>> EstimatorConfig(name="binning", params={"n_bins": 1})
        Traceback (most recent call last):
        ...
        pydantic_core._pydantic_core.ValidationError: 1 validation error for EstimatorConfig...
    """

    name: str = "binning"
    params: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_and_valid(self) -> EstimatorConfig:
        self.typed_params()
        return self

    def typed_params(self) -> Any:
        """The parameters as the estimator's typed, frozen ``Params`` object.

        Returns:
            An instance of ``estimator_class(name).Params`` (see
            :func:`infoplane.estimators.registry.estimator_params`); build the estimator with
            ``make_estimator(name, typed_params)``.

        Raises:
            ValueError: for an unknown estimator or a bad parameter (the message names it).
        """
        from infoplane.estimators.registry import estimator_params

        try:
            return estimator_params(self.name, self.params)
        except InfoplaneError as exc:
            raise ValueError(str(exc)) from None


class AnalysisConfig(_Strict):
    """Optional analyses run with the training.

    Attributes:
        gradient_stats: gradient mean, std and SNR per layer at the captured epochs (any model).
        diagnostics: geometric diagnostics per layer and epoch (needs the activation store).
        ib_bound: draw the IB bound of the 12-bit soft rule under the layers (12-bit task only).
        layer_check: each layer's distance from the IB bound under the soft rule of ``all.mat``
            (every network) and the IB self-consistency check (network 0); 12-bit task, needs the
            activation store. Off by default (a few seconds per run; ``infoplane run
            --layer-check`` turns it on); see :mod:`infoplane.bottleneck.layer_check`.
        layer_check_epochs: at most this many captured epochs (log-spaced, first and last included)
            enter the self-consistency check.

    Raises:
        pydantic.ValidationError: for a bad or unknown key (:func:`validate_config` turns it into
            an ``InfoplaneError`` naming the key).

    Notes:
        The IB bound and the layer check need the 12-bit task with all 4096 inputs evaluated.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810, Secs. 3.3-3.4 (SNR, IB bound);
        Geiger, B. C. (2021). arXiv:2003.09671 (diagnostics).

    Example:
        >>> AnalysisConfig(layer_check=False).ib_bound
        True
    """

    gradient_stats: bool = True
    diagnostics: bool = True
    ib_bound: bool = True
    layer_check: bool = False
    layer_check_epochs: int = Field(12, ge=1)


class RunConfig(_Strict):
    """Everything that defines a run. Unknown keys are errors (a typo never passes silently).

    Attributes:
        name: a label for the run: one plain folder name (the default run directory is
            ``runs/<name>-<time>``), never a path.
        seed: member r of the ensemble is initialised and shuffled with seed ``seed + r``.
        repeats: number of networks R (trained together as one batched computation).
        tensorboard: log the plane (I(X;T), I(T;Y) per layer, flags), the gradient SNR and the
            plane figure of every captured epoch to TensorBoard: ``true`` (``<run>/tensorboard``)
            or a folder DIR (``DIR/<run directory name>``); default ``null``: no logging (see
            :mod:`infoplane.run.tensorboard`; needs ``pip install 'infoplane[tensorboard]'``).

    Raises:
        pydantic.ValidationError: for a bad or unknown key (:func:`validate_config` turns it into
            an ``InfoplaneError`` naming the key).

    Notes:
        Shapes: none (a configuration, no arrays). Units: estimates are configured in bits unless
        an estimator's ``unit`` parameter says nats; ``training.lr`` is a plain step size, epochs
        and counts are integers.
        Validation happens before anything runs: estimator parameters through each estimator's
        parameter model, non-finite numbers refused, ``name`` one plain folder name.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810.

    Example:
        >>> cfg = RunConfig(repeats=3, seed=5)
        >>> cfg.seeds()
        [5, 6, 7]
    """

    name: str = "default"
    seed: int = 0
    repeats: int = Field(1, ge=1)
    data: DataConfig = Field(default_factory=DataConfig)
    model: ModelConfig = Field(default_factory=ModelConfig)
    training: TrainingConfig = Field(default_factory=lambda: TrainingConfig())
    capture: CaptureConfig = Field(default_factory=CaptureConfig)
    estimators: list[EstimatorConfig] = Field(default_factory=lambda: [EstimatorConfig()])
    analysis: AnalysisConfig = Field(default_factory=AnalysisConfig)
    storage: StorageConfig = Field(default_factory=StorageConfig)
    tensorboard: bool | str | None = None

    @model_validator(mode="after")
    def _tensorboard_usable(self) -> RunConfig:
        if isinstance(self.tensorboard, str) and not self.tensorboard.strip():
            raise ValueError("tensorboard must be true, false/null or a folder, not ''")
        if self.tensorboard:
            import importlib.util

            if importlib.util.find_spec("tensorboard") is None:
                raise ValueError(
                    "tensorboard logging needs the tensorboard package: pip install "
                    "'infoplane[tensorboard]', or set tensorboard: null"
                )
        return self

    @model_validator(mode="after")
    def _storage_usable(self) -> RunConfig:
        if self.storage.activations == "none" and not self.storage.online:
            raise ValueError(
                "storage.activations='none' keeps no activations; set storage.online=true to "
                "estimate during training, or keep activations='zarr'"
            )
        if self.storage.online:
            for est in self.estimators:
                if est.name == "binning_adaptive" and est.params.get("scope") == "global":
                    raise ValueError(
                        "storage.online=true cannot use binning_adaptive with global scope (its "
                        "equal-mass bins pool the whole run, unknown during training); use "
                        "scope='layer' or 'neuron', or storage.online=false"
                    )
        if self.model.arch == "factory" and not self.model.factory:
            raise ValueError("model.arch='factory' needs model.factory='package.module:function'")
        if self.data.task in ("npz",) and not self.data.path:
            raise ValueError("data.task='npz' needs data.path (an .npz with x and y)")
        if self.data.task == "torch" and not self.data.factory:
            raise ValueError("data.task='torch' needs data.factory='package.module:function'")
        return self

    @model_validator(mode="after")
    def _estimators_known(self) -> RunConfig:
        if not self.estimators:
            raise ValueError("estimators must name at least one estimator")
        return self

    @model_validator(mode="after")
    def _estimators_use_the_network_noise(self) -> RunConfig:
        """Give the noisy-layer estimators the network's own noise level (or refuse another)."""
        noise = self.model.noise
        for i, est in enumerate(self.estimators):
            key, value = None, None
            if est.name in ("kde_upper", "kde_lower", "sample_propagation", "ksg"):
                if noise is not None and noise.kind == "gaussian":
                    key, value = "noise_variance", float(noise.std) ** 2  # type: ignore[arg-type]
            elif est.name == "gaussian_dropout":
                if noise is None or noise.kind != "dropout":
                    raise ValueError(
                        f"estimators[{i}] gaussian_dropout estimates a network with Gaussian "
                        "dropout: set model.noise: {kind: dropout, rate: ...}"
                    )
                key, value = "rate", float(noise.rate)  # type: ignore[arg-type]
            if key is None:
                continue
            if key == "noise_variance" and est.params.get("relative_noise") is not None:
                raise ValueError(
                    f"estimators[{i}].params.relative_noise: the network has model.noise (std "
                    f"{noise.std}); its estimators use noise_variance = std**2, leave "  # type: ignore[union-attr]
                    "relative_noise out"
                )
            given = est.params.get(key)
            if given is None:
                est.params[key] = value
                est.typed_params()
            elif float(given) != value:
                raise ValueError(
                    f"estimators[{i}].params.{key}={given!r} differs from the network's noise "
                    f"({key} = {value!r} from model.noise); leave {key} out to use the network's"
                )
        return self

    @field_validator("name")
    @classmethod
    def _safe_name(cls, v: str) -> str:
        bad = (
            not v
            or len(v) > 100
            or v.startswith(".")
            or any(c in v for c in "/\\:")
            or any(ord(c) < 32 for c in v)
        )
        if bad:
            raise ValueError(
                f"name {v!r} must be one plain folder name (no '/', '\\', ':', no leading '.', "
                "at most 100 characters): runs go to runs/<name>-<time>; choose the directory "
                "with --out instead"
            )
        return v

    def seeds(self) -> list[int]:
        """Seeds of the R members: ``seed, seed + 1, ..., seed + R - 1``."""
        return [self.seed + r for r in range(self.repeats)]

    def to_yaml(self) -> str:
        """Return the resolved config as YAML."""
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False)


def _format_validation_error(exc: ValidationError, source: str) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "config"
        parts.append(f"{loc}: {err['msg']}")
    return f"bad config ({source}): " + "; ".join(parts)


def validate_config(data: dict[str, Any], source: str = "config") -> RunConfig:
    """Build a :class:`RunConfig` from a dict.

    Args:
        data: the nested config dict (as read from YAML/TOML).
        source: where it came from, for messages (default ``"config"``).

    Returns:
        The validated :class:`RunConfig`.

    Raises:
        InfoplaneError: listing each bad or unknown key with the reason.

    Notes:
        Unknown keys are errors, so a typo never passes silently; non-finite numbers are refused.

    References:
        None.

    Example:
        >>> validate_config({"repeats": 2}).repeats
        2
    """
    try:
        return RunConfig.model_validate(data)
    except ValidationError as exc:
        raise InfoplaneError(_format_validation_error(exc, source)) from None


def available_presets() -> list[str]:
    """Names of the built-in presets (files ``infoplane/presets/*.yaml``).

    Returns:
        Sorted preset names.

    Raises:
        Nothing.

    Notes:
        See the module docstring for what each preset reproduces.

    References:
        Shwartz-Ziv & Tishby (2017), arXiv:1703.00810; Saxe et al. (2018), ICLR.

    Example:
        >>> "tishby2017" in available_presets()
        True
    """
    folder = resources.files("infoplane").joinpath("presets")
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def preset_dict(name: str) -> dict[str, Any]:
    """Return the raw dict of a built-in preset.

    Args:
        name: a preset name (see :func:`available_presets`).

    Returns:
        The preset's keys as a nested dict (not validated).

    Raises:
        InfoplaneError: for an unknown preset (the message lists the known ones).

    Notes:
        Use :func:`load_config` for a validated config.

    References:
        Shwartz-Ziv & Tishby (2017), arXiv:1703.00810; Saxe et al. (2018), ICLR.

    Example:
        >>> preset_dict("tishby2017")["repeats"]
        50
    """
    if name not in available_presets():
        raise InfoplaneError(
            f"unknown preset {name!r}; choose one of: {', '.join(available_presets())}."
        )
    text = resources.files("infoplane").joinpath(f"presets/{name}.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text) or {}


def read_config_file(path: str | Path) -> dict[str, Any]:
    """Read a YAML (``.yaml``/``.yml``) or TOML (``.toml``) config file into a dict.

    Args:
        path: the config file.

    Returns:
        Its contents as a nested dict (not validated).

    Raises:
        FileNotFoundError: if the file does not exist.
        InfoplaneError: for another suffix or a file that does not parse.

    Notes:
        YAML is read with ``yaml.safe_load``: no Python objects are constructed.

    References:
        None.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "c.toml"
        >>> _ = p.write_text("repeats = 3")
        >>> read_config_file(p)
        {'repeats': 3}
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"config file {str(path)!r} does not exist.")
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix in (".yaml", ".yml"):
            data = yaml.safe_load(text) or {}
        elif path.suffix == ".toml":
            import tomllib

            data = tomllib.loads(text)
        else:
            raise InfoplaneError(f"config file {str(path)!r} must end in .yaml, .yml or .toml.")
    except (yaml.YAMLError, ValueError) as exc:
        if isinstance(exc, InfoplaneError):
            raise
        raise InfoplaneError(f"config file {str(path)!r} does not parse: {exc}") from None
    if not isinstance(data, dict):
        raise InfoplaneError(f"config file {str(path)!r} must hold a mapping at the top level.")
    return data


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Recursively merge ``override`` into a copy of ``base`` (lists and scalars are replaced).

    Args:
        base: the nested dict to start from (not modified).
        override: the nested dict whose keys win.

    Returns:
        A new merged dict.

    Raises:
        Nothing.

    Notes:
        Shapes: none (a configuration, no arrays). Units: none (the config's estimators say theirs;
        bits by default).
        Lists (e.g. ``estimators``, ``hidden``) are replaced, not concatenated.

    References:
        None.

    Example:
        >>> merge({"a": {"b": 1, "c": 2}}, {"a": {"c": 3}})
        {'a': {'b': 1, 'c': 3}}
    """
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def load_config(
    preset: str | None = "default",
    config_file: str | Path | None = None,
    overrides: dict[str, Any] | None = None,
) -> RunConfig:
    """Resolve a run config: preset, then a config file on top, then explicit overrides.

    Args:
        preset: built-in preset name (see :func:`available_presets`) or ``None``.
        config_file: YAML or TOML file whose keys override the preset.
        overrides: nested dict applied last (e.g. ``{"model": {"activation": "relu"}}``).

    Returns:
        The validated :class:`RunConfig`.

    Raises:
        InfoplaneError: unknown preset, unparsable file, or invalid values (named by key).
        FileNotFoundError: missing config file.

    Notes:
        Shapes: none (a configuration, no arrays). Units: none (the config's estimators say theirs;
        bits by default).
        The resolved config is what a run writes to ``config.yaml``.

    References:
        Shwartz-Ziv & Tishby (2017), arXiv:1703.00810 (the ``default`` and ``tishby2017``
        presets).

    Example:
        >>> load_config("default", overrides={"model": {"activation": "relu"}}).model.activation
        'relu'
    """
    data: dict[str, Any] = preset_dict(preset) if preset else {}
    source = f"preset {preset!r}" if preset else "config"
    if config_file is not None:
        data = merge(data, read_config_file(config_file))
        source = str(config_file)
    if overrides:
        data = merge(data, overrides)
    return validate_config(data, source)
