"""`infoplane mi`: one mutual-information estimate between two saved arrays, printed as JSON."""

from __future__ import annotations

from pathlib import Path

import typer


def mi(
    x_path: Path = typer.Argument(
        ..., metavar="X.npy", help="samples of X: (n_samples,) or (n_samples, d)."
    ),
    y_path: Path = typer.Argument(
        ..., metavar="Y.npy", help="samples of Y: (n_samples,) or (n_samples, d)."
    ),
    estimator: str = typer.Option(
        "ksg",
        "--estimator",
        "-e",
        help="registry name: ksg or gaussian for two continuous arrays; binning; kde_upper, "
        "kde_lower or sample_propagation for I(X; T+Z) with an integer X (input index or label).",
    ),
    param: list[str] = typer.Option(
        None, "--param", "-p", help="estimator hyper-parameter key=value (repeatable), e.g. k=5."
    ),
    discrete_y: bool = typer.Option(
        False, "--discrete-y", help="treat Y as discrete labels (integer class indices)."
    ),
    unit: str = typer.Option("bits", "--unit", help="bits (default) or nats."),
    ci: bool = typer.Option(
        False,
        "--ci",
        help="add a 95% confidence interval by resampling (the estimator's default: subsampling or bootstrap; slower).",
    ),
    n_boot: int = typer.Option(100, "--n-boot", help="resamples with --ci."),
) -> None:
    """Estimate I(X;Y) and print one JSON object: estimator, value, unit, params, n_samples, flags.

    X keeps its dtype (an integer X is read as discrete symbols); Y is continuous unless
    --discrete-y. Example: infoplane mi x.npy y.npy --estimator ksg --param k=5
    """
    from infoplane.cli._common import parse_params, user_errors

    with user_errors():
        import json

        import numpy as np

        from infoplane._validation import as_labels, as_samples, check_same_length
        from infoplane.estimators import bootstrap_estimate, make_estimator
        from infoplane.interface import InfoplaneError, check_unit

        params = parse_params(param)
        check_unit(unit)
        if "unit" in params:
            raise InfoplaneError("give the unit with --unit, not --param unit=...")
        x = as_samples(_load(x_path, "X.npy"), "X.npy")
        y_raw = _load(y_path, "Y.npy")
        if discrete_y:
            y = as_labels(y_raw, "Y.npy")
        else:
            y = as_samples(y_raw, "Y.npy").astype(np.float64)  # continuous unless --discrete-y
        check_same_length(x, y, "X.npy", "Y.npy")
        est = make_estimator(estimator, unit=unit, **params)
        if ci:
            result = bootstrap_estimate(est, x, y, n_boot=n_boot)
        else:
            result = est.estimate(x, y)
        out = {
            "estimator": result.estimator,
            "value": float(result.value),
            "unit": result.unit,
            "params": result.params,
            "n_samples": int(result.n_samples),
            "flags": list(result.flags),
        }
        if result.ci is not None:
            out["ci"] = [float(result.ci[0]), float(result.ci[1])]
        out["extra"] = result.extra  # e.g. the interval's method and replicate spread
        # numpy scalars and arrays in params/extra become JSON numbers and lists
        typer.echo(
            json.dumps(out, default=lambda v: v.tolist() if hasattr(v, "tolist") else str(v))
        )


def _load(path: Path, name: str) -> object:
    """Load a .npy array (no pickles), with errors that name the argument."""
    import numpy as np

    from infoplane.interface import InfoplaneError, InfoplaneRuntimeError

    if not path.exists():
        raise InfoplaneError(f"{name}: file {str(path)!r} does not exist.")
    if path.is_dir():
        raise InfoplaneError(f"{name}: {str(path)!r} is a directory; pass a .npy file.")
    try:
        return np.load(path, allow_pickle=False)
    except ValueError as exc:
        raise InfoplaneError(
            f"{name}: {str(path)!r} is not a numeric .npy array ({exc}); save it with "
            "numpy.save(path, array) (no object arrays)."
        ) from None
    except (OSError, EOFError) as exc:
        raise InfoplaneRuntimeError(
            f"{name}: cannot read {str(path)!r} as .npy ({type(exc).__name__}: {exc}); the file is "
            "truncated or unreadable: write it again with numpy.save."
        ) from None
