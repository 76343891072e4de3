"""``infoplane run``: train, capture, estimate and plot the information plane (the main job)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from infoplane.cli._common import console, parse_params, user_errors


def _overrides(
    *,
    activation: str | None,
    epochs: int | None,
    repeats: int | None,
    seed: int | None,
    hidden: str | None,
    lr: float | None,
    optimizer: str | None,
    batch_size: str | None,
    split: str | None,
    train_fraction: float | None,
    mi_on: str | None,
    n_capture: int | None,
    device: str | None,
    estimators: list[str] | None,
    params: list[str] | None,
    data: str | None = None,
    data_path: str | None = None,
    mnist_dir: str | None = None,
    mi_n: int | None = None,
    store: str | None = None,
    store_dtype: str | None = None,
    online: bool | None = None,
    checkpoint_every: int | None = None,
    model_factory: str | None = None,
    data_factory: str | None = None,
    layers: list[str] | None = None,
    layer_check: bool | None = None,
    diagnostics: bool | None = None,
    gradient_stats: bool | None = None,
    tensorboard: str | None = None,
    processes: str | None = None,
    subsample: int | None = None,
) -> dict[str, Any]:
    from infoplane.interface import InfoplaneError

    out: dict[str, Any] = {}

    def put(section: str | None, key: str, value: Any) -> None:
        if value is None:
            return
        (out.setdefault(section, {}) if section else out)[key] = value

    put(None, "repeats", repeats)
    put(None, "seed", seed)
    put("model", "activation", activation)
    if hidden is not None:
        try:
            put("model", "hidden", [int(h) for h in hidden.replace("-", ",").split(",") if h])
        except ValueError:
            raise InfoplaneError(f"--hidden {hidden!r} must be widths like 10,7,5,4,3.") from None
    put("training", "epochs", epochs)
    put("training", "lr", lr)
    put("training", "optimizer", optimizer)
    if batch_size is not None:
        put("training", "batch_size", None if batch_size == "full" else batch_size)
    put("training", "device", device)
    if processes is not None:
        if processes != "auto" and not processes.isdigit():
            raise InfoplaneError(f"--processes {processes!r} must be a number >= 1 or 'auto'.")
        put("training", "processes", processes if processes == "auto" else int(processes))
    put("data", "split", split)
    put("data", "train_fraction", train_fraction)
    put("data", "mi_on", mi_on)
    put("capture", "n_points", n_capture)
    if mnist_dir is not None:
        if data not in (None, "mnist"):
            raise InfoplaneError(f"--mnist-dir reads MNIST; it cannot go with --data {data}.")
        data, data_path = "mnist", mnist_dir
    put("data", "task", data)
    put("data", "path", data_path)
    put("data", "mi_n", mi_n)
    put("storage", "activations", store)
    put("storage", "dtype", store_dtype)
    put("storage", "online", online)
    put("storage", "checkpoint_every", checkpoint_every)
    put("storage", "subsample", subsample)
    if model_factory is not None:
        put("model", "arch", "factory")
        put("model", "factory", model_factory)
    if data_factory is not None:
        put("data", "task", "torch")
        put("data", "factory", data_factory)
    if layers:
        put("capture", "layers", list(layers))
    put("analysis", "layer_check", layer_check)
    put("analysis", "diagnostics", diagnostics)
    put("analysis", "gradient_stats", gradient_stats)
    put(None, "tensorboard", tensorboard)
    est_params: dict[str, dict[str, Any]] = {}
    for key, value in parse_params(params).items():
        if "." not in key:
            raise InfoplaneError(
                f"--param {key}=... must name the estimator too, e.g. --param binning.n_bins=20."
            )
        name, pkey = key.split(".", 1)
        est_params.setdefault(name, {})[pkey] = value
    if estimators:
        out["estimators"] = [{"name": e, "params": est_params.pop(e, {})} for e in estimators]
    if est_params:
        out["_param_only"] = est_params
    return out


def _apply_param_only(config_dict: dict[str, Any], extra: dict[str, dict[str, Any]]) -> None:
    from infoplane.interface import InfoplaneError

    ests = config_dict.setdefault("estimators", [{"name": "binning", "params": {}}])
    for name, values in extra.items():
        hits = [e for e in ests if e.get("name") == name]
        if not hits:
            raise InfoplaneError(
                f"--param {name}.… names estimator {name!r}, which this run does not use."
            )
        for e in hits:
            params = e.setdefault("params", {})
            # the binning grid is n_bins OR bin_width: overriding one replaces the other
            for given, other in (("bin_width", "n_bins"), ("n_bins", "bin_width")):
                if values.get(given) is not None and other not in values:
                    params[other] = None
            params.update(values)


def run(
    preset: Annotated[
        str,
        typer.Option(
            help="Built-in preset: default, tishby2017, saxe2018, saxe2018-mnist, mnist-cnn, "
            "mnist1d-mlp, mnist1d-cnn, digits-cnn."
        ),
    ] = "default",
    config: Annotated[
        Path | None,
        typer.Option("--config", help="YAML or TOML config file (on top of the preset)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Run directory (default: runs/<name>-<time>)."),
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing run directory.")] = False,
    activation: Annotated[
        str | None, typer.Option(help="tanh, relu, sigmoid, linear, elu, softplus, softsign.")
    ] = None,
    epochs: Annotated[int | None, typer.Option(help="Training epochs.")] = None,
    repeats: Annotated[
        int | None, typer.Option("--repeats", "-r", help="Number of networks (different seeds).")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Base seed; network r uses seed + r.")] = None,
    hidden: Annotated[str | None, typer.Option(help="Hidden widths, e.g. 10,7,5,4,3.")] = None,
    lr: Annotated[float | None, typer.Option(help="Learning rate.")] = None,
    optimizer: Annotated[str | None, typer.Option(help="adam or sgd.")] = None,
    batch_size: Annotated[str | None, typer.Option(help="Mini-batch size, or 'full'.")] = None,
    split: Annotated[str | None, typer.Option(help="stratified, saxe2018 or idnns.")] = None,
    train_fraction: Annotated[
        float | None, typer.Option(help="Share of data used for training.")
    ] = None,
    mi_on: Annotated[
        str | None, typer.Option(help="Estimate on all (default), train or test inputs.")
    ] = None,
    n_capture: Annotated[
        int | None, typer.Option(help="Points of the log-spaced capture grid.")
    ] = None,
    device: Annotated[str | None, typer.Option(help="auto, cpu or cuda.")] = None,
    estimator: Annotated[
        list[str] | None,
        typer.Option("--estimator", "-e", help="Estimator name; repeat for several."),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="Estimator parameter NAME.key=value; repeatable."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
    resume: Annotated[
        Path | None,
        typer.Option(
            "--resume",
            help="Go on with an interrupted run directory from its last checkpoint "
            "(uses its config.yaml).",
        ),
    ] = None,
    mnist_dir: Annotated[
        Path | None,
        typer.Option(
            "--mnist-dir",
            help="Folder with the MNIST IDX .gz files or mnist.npz (never downloaded).",
        ),
    ] = None,
    data: Annotated[
        str | None, typer.Option("--data", help="12bit, mnist, digits, mnist1d, npz or torch.")
    ] = None,
    data_path: Annotated[
        Path | None, typer.Option("--data-path", help="MNIST folder or .npz file with x, y.")
    ] = None,
    mi_n: Annotated[
        int | None,
        typer.Option(
            "--mi-n", help="Estimate on a fixed random subset of this many evaluation rows."
        ),
    ] = None,
    store: Annotated[
        str | None,
        typer.Option("--store", help="Activation store: zarr (default) or none (needs --online)."),
    ] = None,
    store_dtype: Annotated[
        str | None, typer.Option("--store-dtype", help="float32 or float16.")
    ] = None,
    online: Annotated[
        bool | None,
        typer.Option("--online/--offline", help="Estimate during training / from the store."),
    ] = None,
    checkpoint_every: Annotated[
        int | None, typer.Option("--checkpoint-every", help="Checkpoint every N epochs.")
    ] = None,
    subsample: Annotated[
        int | None,
        typer.Option(
            "--subsample",
            help="Rows of the evaluation set used by the estimators other than binning, drawn "
            "once (storage.subsample).",
        ),
    ] = None,
    processes: Annotated[
        str | None,
        typer.Option(
            "--processes",
            help="Train the networks in N processes at once, or 'auto' (one per core); needs "
            "an MLP, --online --store none and fixed binning ranges.",
        ),
    ] = None,
    model_factory: Annotated[
        str | None,
        typer.Option("--model-factory", help="Your model: package.module:function (see docs)."),
    ] = None,
    data_factory: Annotated[
        str | None,
        typer.Option(
            "--data-factory",
            help="Your data: package.module:function returning a torch Dataset (see docs).",
        ),
    ] = None,
    layer: Annotated[
        list[str] | None,
        typer.Option("--layer", help="Module name or glob to analyse; repeatable."),
    ] = None,
    layer_check: Annotated[
        bool | None,
        typer.Option(
            "--layer-check/--no-layer-check",
            help="Fit the IB beta to each layer (12-bit task; ~20 s of CPU per layer). Off "
            "unless given here or set in --config (analysis.layer_check).",
        ),
    ] = None,
    diagnostics: Annotated[
        bool | None,
        typer.Option(
            "--diagnostics/--no-diagnostics",
            help="Geometric diagnostics per layer and epoch (default: on).",
        ),
    ] = None,
    gradient_stats: Annotated[
        bool | None,
        typer.Option(
            "--gradient-stats/--no-gradient-stats",
            help="Gradient mean, std and SNR per layer, and phases (default: on).",
        ),
    ] = None,
    tensorboard: Annotated[
        Path | None,
        typer.Option(
            "--tensorboard",
            help="Log I(X;T), I(T;Y), flags, gradient SNR and the plane figure of every captured "
            "epoch to TensorBoard, in DIR/<run directory name> (needs the tensorboard extra).",
        ),
    ] = None,
) -> None:
    """Train R networks, capture every layer over training and write the information plane.

    Writes config.yaml, information_plane.parquet (i_xt, i_ty in bits), history.parquet,
    information_plane.png and the activation store activations.zarr into the run directory.
    A killed run goes on with --resume DIR; a run whose config names a model or data factory is
    resumed only if you pass the same --model-factory / --data-factory (its code is run).
    """
    import time

    with user_errors():
        from infoplane.interface import InfoplaneError
        from infoplane.run.config import (
            load_config,
            merge,
            preset_dict,
            read_config_file,
            validate_config,
        )
        from infoplane.run.engine import resume_experiment, run_experiment

        trusted = [f for f in (model_factory, data_factory) if f is not None]
        if resume is not None:  # the factories only say which code the user trusts
            model_factory = data_factory = None
        ov = _overrides(
            activation=activation,
            epochs=epochs,
            repeats=repeats,
            seed=seed,
            hidden=hidden,
            lr=lr,
            optimizer=optimizer,
            batch_size=batch_size,
            split=split,
            train_fraction=train_fraction,
            mi_on=mi_on,
            n_capture=n_capture,
            device=device,
            estimators=estimator,
            params=param,
            data=data,
            data_path=None if data_path is None else str(data_path),
            mnist_dir=None if mnist_dir is None else str(mnist_dir),
            mi_n=mi_n,
            store=store,
            store_dtype=store_dtype,
            online=online,
            checkpoint_every=checkpoint_every,
            processes=processes,
            subsample=subsample,
            model_factory=model_factory,
            data_factory=data_factory,
            layers=layer,
            layer_check=layer_check,
            diagnostics=diagnostics,
            gradient_stats=gradient_stats,
            tensorboard=None if tensorboard is None else str(tensorboard.resolve()),
        )
        progress: Any = not quiet  # rich bars: the application selects them (cli/app.py)
        if resume is not None:
            if ov or config is not None or out is not None or preset != "default":
                raise InfoplaneError(
                    "--resume DIR goes on with the config saved in DIR; drop the other run options "
                    "(only --model-factory / --data-factory may go with it)."
                )
            console.print(f"[bold]infoplane run[/] resuming {resume}")
            result = resume_experiment(resume, progress=progress, allow_factories=trusted)
            _print_summary(result)
            return
        param_only = ov.pop("_param_only", None)
        if param_only:
            base = preset_dict(preset)
            if config is not None:
                base = merge(base, read_config_file(config))
            merged = merge(base, ov)
            _apply_param_only(merged, param_only)
            cfg = validate_config(merged, str(config or f"preset {preset!r}"))
        else:
            cfg = load_config(preset, config, ov)
        # cfg.name is one plain folder name (RunConfig refuses paths), so this stays in runs/
        out_dir = out or Path("runs") / f"{cfg.name}-{time.strftime('%Y%m%d-%H%M%S')}"
        if cfg.data.task == "mnist" and not cfg.data.path:
            console.print(
                "[yellow]notice:[/] no MNIST path given (--mnist-dir DIR): running on the "
                "bundled 8x8 digits instead; config.yaml records it as data.fallback."
            )
        from infoplane.run.members import member_processes
        from infoplane.training import resolve_device

        # refused settings (device, processes) fail before the header, as before the directory
        procs = member_processes(cfg, resolve_device(cfg.training.device, check=True))
        console.print(
            f"[bold]infoplane run[/] {cfg.name}: {cfg.repeats} network(s), {cfg.training.epochs} "
            f"epochs, {_describe_model(cfg)}, estimators "
            f"{', '.join(e.name for e in cfg.estimators)}"
            + (f", {procs} processes" if procs > 1 else "")
            + f" -> {out_dir}"
        )
        result = run_experiment(cfg, out_dir, overwrite=overwrite, progress=progress)
    _print_summary(result)


def _describe_model(cfg: Any) -> str:
    m = cfg.model
    if m.arch in ("cnn", "cnn1d"):
        return f"{m.arch} {'-'.join(map(str, m.channels))}/{m.hidden[0]} on {cfg.data.task}"
    if m.arch == "factory":
        return f"{m.factory} on {cfg.data.task}"
    return f"{m.activation} {'-'.join(map(str, m.hidden))}"


def _print_summary(result: Any) -> None:
    from rich.table import Table

    plane = result.plane
    last = plane[plane["epoch"] == plane["epoch"].max()]
    peak = (
        plane.groupby(["estimator", "layer", "epoch"])["i_xt"]
        .mean()
        .groupby(["estimator", "layer"])
        .max()
    )
    final = last.groupby(["estimator", "layer"])[["i_xt", "i_ty"]].mean()
    units = ", ".join(sorted(set(plane["unit"])))
    table = Table(title=f"final epoch {int(plane['epoch'].max())} (mean over repeats, {units})")
    for col in ("estimator", "layer", "I(X;T) peak", "I(X;T) final", "I(T;Y) final"):
        table.add_column(col, justify="right")
    for (est, layer), row in final.iterrows():
        table.add_row(
            est, str(layer), f"{peak[(est, layer)]:.3f}", f"{row.i_xt:.3f}", f"{row.i_ty:.3f}"
        )
    console.print(table)
    from infoplane.analysis.validity import summarize_flags

    summary, advice = summarize_flags(plane)
    console.print(summary, markup=False)
    for line in advice:
        console.print(line, markup=False)
    secs = ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
    console.print(f"wrote {result.out_dir} ({secs})")
