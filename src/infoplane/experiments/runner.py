"""The one experiment runner: shared options, an experiment as data, running its settings.

Every experiment of the papers varies one thing of a base :class:`~infoplane.run.config.RunConfig`
(depth, training-set size, activation, batch size). An :class:`Experiment` says which settings to
run and how to summarise them; :func:`run_experiment_spec` builds and validates every setting's
config (before anything is written), runs each with :func:`~infoplane.run.sweep.run_many` into
``OUT/runs/<label>/`` (a finished run with the same config is reused), and writes a table
(``OUT/<name>.csv``), the phases of every layer (``OUT/<name>_phases.csv``) and a figure
(``OUT/<name>.png``: one averaged information plane per setting plus a panel of training curves).

Experiments seed their runs the same way (``seed`` is the first member seed of every setting): the
settings are a paired comparison of the same R initialisation draws.

References:
    Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
    Information. arXiv:1703.00810.
    Saxe, A. M. et al. (2018). On the Information Bottleneck Theory of Deep Learning. ICLR.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from infoplane.experiments.figure import loss_curves, plane_figure
from infoplane.experiments.results import ExperimentResult, SettingRun
from infoplane.experiments.summary import layer_summary
from infoplane.interface import InfoplaneError, InfoplaneRuntimeError
from infoplane.run.sweep import RUNS_DIR, SUCCESS_MARKER, RunTask, run_many


class ExperimentOptions(BaseModel):
    """The options every experiment shares (one declaration, validated; unknown keys are errors).

    Attributes:
        epochs: training epochs per network (>= 1, default 400; the papers: thousands).
        repeats: networks per setting, averaged (>= 1, default 2; the 2017 paper: 50).
        seed: seed of the first network of every setting (>= 0, default 0); member r uses
            ``seed + r``.
        lr: learning rate (> 0, finite; default 1e-3, faster than the paper's 4e-4 for short
            runs; ``None``: the preset's).
        n_points: size of the log-spaced capture grid (>= 2, default 60).
        workers: local processes running settings in parallel (>= 1, default 1: this process).
        progress: show progress bars (default ``True``).

    Example:
        >>> ExperimentOptions.build(epochs=6, repeats=1).epochs
        6
        >>> ExperimentOptions.build(epochs=0)
        Traceback (most recent call last):
        ...
        infoplane.interface.InfoplaneError: bad experiment option epochs=0: Input should be greater than or equal to 1.

    Notes:
        Values are validated when built: a bad value never reaches a run.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810 (8000 epochs, 50 networks, lr 4e-4).

    Shapes: none. Units: epochs and points are counts; ``lr`` is the optimiser's step size.

    Raises:
        InfoplaneError: from :meth:`build`, for an unknown option or an invalid value.

    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    epochs: int = Field(400, ge=1)
    repeats: int = Field(2, ge=1)
    seed: int = Field(0, ge=0)
    lr: float | None = Field(0.001, gt=0)
    n_points: int = Field(60, ge=2)
    workers: int = Field(1, ge=1)
    progress: bool = True

    @classmethod
    def build(cls, options: ExperimentOptions | None = None, **values: Any) -> ExperimentOptions:
        """Validate options: ``options`` (or the defaults) with ``values`` on top.

        Args:
            options: options to start from (``None``: the defaults).
            **values: fields to set (``epochs=...``, ``repeats=...``, ...).

        Returns:
            The validated options.

        Raises:
            InfoplaneError: for an unknown option or an invalid value (named, with the rule).

        Example:
            >>> ExperimentOptions.build(ExperimentOptions(repeats=3), epochs=10).repeats
            3
        """
        data = {**(options.model_dump() if options is not None else {}), **values}
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            parts = []
            for err in exc.errors():
                key = ".".join(str(p) for p in err["loc"]) or "options"
                shown = f"{key}={data[key]!r}" if key in data else key
                parts.append(f"{shown}: {err['msg']}")
            raise InfoplaneError(f"bad experiment option {'; '.join(parts)}.") from None


@dataclass(frozen=True)
class Experiment:
    """An experiment as data: the settings it runs and how it summarises them.

    Attributes:
        name: file stem of its outputs (``<name>.csv``, ``<name>_phases.csv``, ``<name>.png``).
        settings: label -> nested RunConfig overrides of that setting, in display order.
        summarize: ``summarize(runs, configs)`` -> the summary table (``pandas.DataFrame``), given
            the runs and the resolved configs by label.
        title: start of the figure title (the options' repeats and epochs are appended).
        note: end of the figure title (e.g. what the dots mean).
        estimator: ``{"name", "params"}`` replacing the preset's estimators (``None``: keep).
        overrides: RunConfig overrides shared by every setting.
        marks: column of the (one row per setting) table whose value is marked on each
            setting's loss curve (``None``: no marks).

    Example:
        >>> spec = Experiment("demo", {"tanh": {"model": {"activation": "tanh"}}}, print, "Demo")
        >>> list(spec.configs(ExperimentOptions(epochs=5, repeats=1)))
        ['tanh']

    Shapes: none (a plain record). Units: the summary's information columns carry the plane
    tables' unit (bits).

    Raises:
        InfoplaneError: from :meth:`configs`, for an invalid setting.

    Notes:
        ``summarize`` receives the runs in the order of ``settings``.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810.

    """

    name: str
    settings: dict[str, dict[str, Any]]
    summarize: Callable[[dict[str, SettingRun], dict[str, Any]], Any]
    title: str
    note: str = ""
    estimator: dict[str, Any] | None = None
    overrides: dict[str, Any] | None = None
    marks: str | None = None

    def configs(self, options: ExperimentOptions) -> dict[str, Any]:
        """Resolve and validate every setting's RunConfig.

        Args:
            options: the shared options.

        Returns:
            label -> :class:`~infoplane.run.config.RunConfig`, in display order.

        Raises:
            InfoplaneError: for an invalid value (named by key).

        Example:
            >>> spec = Experiment("d", {"one": {"model": {"hidden": [4]}}}, print, "D")
            >>> spec.configs(ExperimentOptions(epochs=5, repeats=1))["one"].model.hidden
            [4]
        """
        base = experiment_config(options, estimator=self.estimator, overrides=self.overrides)
        return {label: with_overrides(base, over) for label, over in self.settings.items()}


def experiment_config(
    options: ExperimentOptions,
    *,
    preset: str = "default",
    estimator: dict[str, Any] | None = None,
    overrides: dict[str, Any] | None = None,
) -> Any:
    """Build the base RunConfig of an experiment from a preset and the shared options.

    Args:
        options: the shared options (epochs, repeats, seed, lr, n_points).
        preset: the preset to start from (default ``default``).
        estimator: ``{"name": ..., "params": {...}}`` replacing the preset's estimators.
        overrides: further nested RunConfig overrides.

    Returns:
        A :class:`~infoplane.run.config.RunConfig` (gradient statistics on; IB bound and layer
        check off: not needed here).

    Raises:
        InfoplaneError: for invalid values (named by key).

    Example:
        >>> cfg = experiment_config(ExperimentOptions(epochs=5, repeats=3, seed=2))
        >>> cfg.training.epochs, cfg.seeds()
        (5, [2, 3, 4])

    Shapes: none. Units: none (configuration).

    Notes:
        Every setting of an experiment starts from this config, so the settings are paired: the
        same member seeds, data split and capture grid.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810.

    """
    from infoplane.run.config import load_config, merge

    over: dict[str, Any] = {
        "seed": options.seed,
        "repeats": options.repeats,
        "training": {"epochs": options.epochs},
        "capture": {"n_points": options.n_points},
        "analysis": {"gradient_stats": True, "ib_bound": False, "layer_check": False},
    }
    if options.lr is not None:
        over["training"]["lr"] = float(options.lr)
    if estimator is not None:
        over["estimators"] = [estimator]
    if overrides:
        over = merge(over, overrides)
    return load_config(preset, None, over)


def with_overrides(config: Any, overrides: dict[str, Any]) -> Any:
    """Return a copy of a RunConfig with nested ``overrides`` applied (validated).

    Args:
        config: a :class:`~infoplane.run.config.RunConfig`.
        overrides: nested keys to set (e.g. ``{"model": {"activation": "relu"}}``).

    Returns:
        The new RunConfig (``config`` is unchanged).

    Raises:
        InfoplaneError: for invalid values (named by key).

    Example:
        >>> cfg = experiment_config(ExperimentOptions(epochs=5, repeats=1))
        >>> with_overrides(cfg, {"model": {"activation": "relu"}}).model.activation
        'relu'

    Shapes: none. Units: none (configuration).

    Notes:
        Lists and scalars are replaced, mappings merged key by key.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810.

    """
    from infoplane.run.config import merge, validate_config

    return validate_config(merge(config.model_dump(mode="json"), overrides), "experiment")


def _slug(label: str) -> str:
    """Folder name of a setting: its label with every character but ``[A-Za-z0-9.-]`` as ``_``.

    Args:
        label: the setting's label.

    Returns:
        A single safe path component.

    Example:
        >>> _slug("45% training data")
        '45__training_data'
    """
    return "".join(c if c.isalnum() or c in "-." else "_" for c in label)


def _finished(run_dir: Path, config: Any) -> bool:
    from infoplane.storage.layout import RunLayout

    saved = RunLayout(run_dir).config
    if not ((run_dir / SUCCESS_MARKER).is_file() and saved.is_file()):
        return False
    try:
        return saved.read_text(encoding="utf-8") == config.to_yaml()
    except (OSError, UnicodeDecodeError):
        return False  # unreadable: computed again


def _read_table(path: Path, *, required: bool = True) -> Any:
    import pandas as pd

    if not required and not path.is_file():
        return None
    try:
        return pd.read_parquet(path)
    except Exception as exc:
        raise InfoplaneRuntimeError(
            f"cannot read the table {str(path)!r} ({type(exc).__name__}: {exc}); delete its run "
            "directory to compute that setting again."
        ) from None


def _load(label: str, run_dir: Path, seconds: float) -> SettingRun:
    from infoplane.storage.layout import RunLayout

    layout = RunLayout(run_dir)
    return SettingRun(
        label=label,
        out_dir=run_dir,
        plane=_read_table(layout.plane),
        history=_read_table(layout.history),
        gradients=_read_table(layout.gradients, required=False),
        seconds=seconds,
    )


def run_settings(
    configs: dict[str, Any],
    out_dir: str | Path,
    *,
    workers: int = 1,
    progress: bool = True,
) -> dict[str, SettingRun]:
    """Run one RunConfig per setting into ``out_dir/runs/<slug(label)>``, reusing finished runs.

    Args:
        configs: label -> RunConfig, in display order.
        out_dir: the experiment directory.
        workers: 1 (default) runs in this process; more uses a local process pool (each run with
            one torch thread).
        progress: tqdm bar over settings.

    Returns:
        label -> :class:`SettingRun`, in the order of ``configs``.

    Raises:
        InfoplaneError: for ``workers < 1`` or two labels with the same folder name.
        InfoplaneRuntimeError: when runs fail (naming their directories) or a finished run's
            tables cannot be read.

    Example:
        >>> run_settings({}, "unused", progress=False)
        {}

    Notes:
        A setting is reused when its directory holds a ``_SUCCESS`` marker and the same resolved
        config; otherwise it is computed again (its directory replaced).

    Shapes: each run's tables have one row per (repeat, epoch[, layer, estimator]). Units: plane
    values in the ``unit`` column (bits), losses in nats, ``seconds`` of wall time.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810.

    """
    if workers < 1:
        raise InfoplaneError(f"workers must be >= 1; got {workers}.")
    out = Path(out_dir)
    dirs = {label: out / RUNS_DIR / _slug(label) for label in configs}
    if len(set(dirs.values())) != len(dirs):
        raise InfoplaneError(f"settings {list(configs)} share a folder name; give distinct labels.")
    todo = [label for label, cfg in configs.items() if not _finished(dirs[label], cfg)]
    outcomes = run_many(
        [RunTask(label, configs[label], dirs[label]) for label in todo],
        executor="serial" if workers == 1 or len(todo) <= 1 else "processes",
        n_workers=min(workers, max(len(todo), 1)),
        threads=1,
        progress=progress,
        desc="settings",
    )
    seconds = {label: o.seconds for label, o in outcomes.items()}
    return {label: _load(label, dirs[label], seconds.get(label, 0.0)) for label in configs}


def run_experiment_spec(
    spec: Experiment, out_dir: str | Path, options: ExperimentOptions
) -> ExperimentResult:
    """Run an experiment: validate its settings, run them, write its table, phases and figure.

    Args:
        spec: the experiment.
        out_dir: experiment directory (``runs/``, ``<name>.csv``, ``<name>_phases.csv``,
            ``<name>.png``).
        options: the shared options.

    Returns:
        :class:`~infoplane.experiments.results.ExperimentResult`.

    Raises:
        InfoplaneError: for invalid settings (checked before anything is written).
        InfoplaneRuntimeError: when a run fails (naming its directory).

    Example:
        >>> # run_experiment_spec(spec, "out/depth", ExperimentOptions(epochs=6, repeats=1))

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810.

    Shapes: the table has one row per setting or per (setting, layer). Units: information in the
    ``unit`` column's unit (bits), losses in nats.

    Notes:
        Nothing is written before every setting's config is valid; finished settings are reused.

    """
    configs = spec.configs(options)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InfoplaneError(f"--out {str(out)!r} is a file; pass a directory for the experiment.")
    runs = run_settings(configs, out, workers=options.workers, progress=options.progress)
    table = spec.summarize(runs, configs)
    marks = None
    if spec.marks is not None:
        marks = dict(zip(runs, table[spec.marks].tolist(), strict=True))
    title = (
        f"{spec.title}: mean of {options.repeats} network(s), {options.epochs} epochs{spec.note}"
    )
    return write_outputs(
        spec.name, out, table, runs, title=title, curves=loss_curves(runs, marks=marks)
    )


def write_outputs(
    name: str,
    out_dir: Path,
    table: Any,
    runs: dict[str, SettingRun],
    *,
    title: str,
    curves: Any | None,
) -> ExperimentResult:
    """Write ``<name>.csv``, ``<name>_phases.csv`` and ``<name>.png``; return the result.

    Args:
        name: file stem.
        out_dir: the experiment directory.
        table: the summary table.
        runs: label -> run (the phases table has one block of :func:`layer_summary` rows per
            run, with a ``setting`` column).
        title: figure title.
        curves: ``curves(ax)`` drawing the figure's last panel, or ``None``.

    Returns:
        :class:`~infoplane.experiments.results.ExperimentResult`.

    Raises:
        InfoplaneRuntimeError: if a file cannot be written (from the atomic writers).

    Example:
        >>> # write_outputs("depth", Path("out"), table, runs, title="Depth", curves=None)

    Notes:
        Every file is written atomically: a crash leaves the previous version or none.

    Shapes: the phases table has one row per (setting, layer). Units: as the summary table
    (information in bits, losses in nats).

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810.

    """
    import pandas as pd

    from infoplane.storage import write_table

    phases = pd.concat(
        [layer_summary(run).assign(setting=label) for label, run in runs.items()],
        ignore_index=True,
    )
    phases = phases[["setting", *[c for c in phases.columns if c != "setting"]]]
    write_table(out_dir / f"{name}.csv", table)
    write_table(out_dir / f"{name}_phases.csv", phases)
    fig = plane_figure(runs, out_dir / f"{name}.png", title=title, curves=curves)
    return ExperimentResult(out_dir, table, phases, fig, runs)
