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
    put("data", "split", split)
    put("data", "train_fraction", train_fraction)
    put("data", "mi_on", mi_on)
    put("capture", "n_points", n_capture)
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
            raise InfoplaneError(f"--param {name}.… names estimator {name!r}, which this run does not use.")
        for e in hits:
            e.setdefault("params", {}).update(values)


def run(
    preset: Annotated[str, typer.Option(help="Built-in preset: default, tishby2017, saxe2018.")] = "default",
    config: Annotated[Path | None, typer.Option("--config", help="YAML or TOML config file (on top of the preset).")] = None,
    out: Annotated[Path | None, typer.Option(help="Run directory (default: runs/<name>-<time>).")] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing run directory.")] = False,
    activation: Annotated[str | None, typer.Option(help="tanh, relu, sigmoid, linear, elu, softplus, softsign.")] = None,
    epochs: Annotated[int | None, typer.Option(help="Training epochs.")] = None,
    repeats: Annotated[int | None, typer.Option(help="Number of networks (different seeds).")] = None,
    seed: Annotated[int | None, typer.Option(help="Base seed; network r uses seed + r.")] = None,
    hidden: Annotated[str | None, typer.Option(help="Hidden widths, e.g. 10,7,5,4,3.")] = None,
    lr: Annotated[float | None, typer.Option(help="Learning rate.")] = None,
    optimizer: Annotated[str | None, typer.Option(help="adam or sgd.")] = None,
    batch_size: Annotated[str | None, typer.Option(help="Mini-batch size, or 'full'.")] = None,
    split: Annotated[str | None, typer.Option(help="stratified, saxe2018 or idnns.")] = None,
    train_fraction: Annotated[float | None, typer.Option(help="Share of data used for training.")] = None,
    mi_on: Annotated[str | None, typer.Option(help="Estimate on all (default), train or test inputs.")] = None,
    n_capture: Annotated[int | None, typer.Option(help="Points of the log-spaced capture grid.")] = None,
    device: Annotated[str | None, typer.Option(help="auto, cpu or cuda.")] = None,
    estimator: Annotated[list[str] | None, typer.Option("--estimator", "-e", help="Estimator name; repeat for several.")] = None,
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="Estimator parameter NAME.key=value; repeatable.")] = None,
    quiet: Annotated[bool, typer.Option(help="No progress bars.")] = False,
) -> None:
    """Train R networks, capture every layer over training and write the information plane.

    Writes config.yaml, information_plane.parquet (i_xt, i_ty in bits), history.parquet and
    information_plane.png into the run directory.
    """
    import time
    import warnings

    with user_errors():
        from infoplane.config import load_config, merge, preset_dict, read_config_file, validate_config
        from infoplane.pipeline import run_experiment

        ov = _overrides(
            activation=activation, epochs=epochs, repeats=repeats, seed=seed, hidden=hidden, lr=lr,
            optimizer=optimizer, batch_size=batch_size, split=split, train_fraction=train_fraction,
            mi_on=mi_on, n_capture=n_capture, device=device, estimators=estimator, params=param,
        )
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
        out_dir = out or Path("runs") / f"{cfg.name}-{time.strftime('%Y%m%d-%H%M%S')}"
        progress: Any = False
        if not quiet:
            from tqdm import TqdmExperimentalWarning
            from tqdm.rich import tqdm

            warnings.filterwarnings("ignore", category=TqdmExperimentalWarning)
            progress = tqdm
        console.print(
            f"[bold]infoplane run[/] {cfg.name}: {cfg.repeats} network(s), {cfg.training.epochs} "
            f"epochs, {cfg.model.activation} {'-'.join(map(str, cfg.model.hidden))}, estimators "
            f"{', '.join(e.name for e in cfg.estimators)} -> {out_dir}"
        )
        result = run_experiment(cfg, out_dir, overwrite=overwrite, progress=progress)
    _print_summary(result)


def _print_summary(result: Any) -> None:
    from rich.table import Table

    plane = result.plane
    last = plane[plane["epoch"] == plane["epoch"].max()]
    peak = plane.groupby(["estimator", "layer", "epoch"])["i_xt"].mean().groupby(["estimator", "layer"]).max()
    final = last.groupby(["estimator", "layer"])[["i_xt", "i_ty"]].mean()
    table = Table(title=f"final epoch {int(plane['epoch'].max())} (mean over repeats, bits)")
    for col in ("estimator", "layer", "I(X;T) peak", "I(X;T) final", "I(T;Y) final"):
        table.add_column(col, justify="right")
    for (est, layer), row in final.iterrows():
        table.add_row(est, str(layer), f"{peak[(est, layer)]:.3f}", f"{row.i_xt:.3f}", f"{row.i_ty:.3f}")
    console.print(table)
    secs = ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
    console.print(f"wrote {result.out_dir} ({secs})")
