"""`infoplane bound`: the Information Bottleneck curve of a joint distribution, as a table and figure.

Methods: the iterative IB (Tishby, Pereira & Bialek 1999, arXiv physics/0004057), the deterministic
IB (Strouse & Schwab 2017, arXiv 1604.00268), the dual IB (Piran, Shwartz-Ziv & Tishby 2020, arXiv
2006.04641) and the Gaussian IB in closed form (Chechik et al. 2005, JMLR 6).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

DEFAULT_BETAS = "logspace:1:1000:40"


class Method(StrEnum):
    """Which bottleneck to compute."""

    ib = "ib"
    dib = "dib"
    dualib = "dualib"
    gaussian = "gaussian"


class TableFormat(StrEnum):
    """File format of the table."""

    parquet = "parquet"
    csv = "csv"


def parse_betas(spec: str, name: str = "--betas") -> list[float]:
    """Parse a beta grid: ``"1,2,5"``, ``"logspace:LO:HI:N"`` or ``"linspace:LO:HI:N"``.

    LO and HI are beta values (not exponents): ``logspace:1:1000:60`` is 60 values from 1 to 1000,
    evenly spaced in log beta.

    Raises:
        InfoplaneError: for an unparsable spec, N < 1, or any beta that is not finite and > 0.
    """
    import numpy as np

    from infoplane.bottleneck.iterative import check_betas
    from infoplane.interface import InfoplaneError

    text = spec.strip()
    try:
        if text.startswith(("logspace:", "linspace:")):
            kind, lo, hi, n = text.split(":")
            lo_f, hi_f, n_i = float(lo), float(hi), int(n)
            if n_i < 1:
                raise InfoplaneError(f"{name}: N must be >= 1 in {spec!r}.")
            if kind == "logspace":
                if lo_f <= 0 or hi_f <= 0:
                    raise InfoplaneError(
                        f"{name}: beta must be > 0; got {spec!r}. LO and HI are beta values, e.g. "
                        "logspace:1:1000:60."
                    )
                values = np.geomspace(lo_f, hi_f, n_i)
            else:
                values = np.linspace(lo_f, hi_f, n_i)
        else:
            values = np.array([float(v) for v in text.split(",") if v.strip()])
    except ValueError:
        raise InfoplaneError(
            f"{name}={spec!r} is not a beta grid; use a comma list (1,2,5), logspace:LO:HI:N or "
            "linspace:LO:HI:N."
        ) from None
    return check_betas(values, name).tolist()


_TABLE_FIX = "pass a .npy or .csv table, or a .npz/.mat with PYX, p_y_given_x or p_xy"
_GAUSSIAN_FIX = "pass a .npz/.mat with sigma_x, sigma_xy, sigma_y, or a joint covariance"


def _load_gaussian(path: Path, x_dim: int | None):  # type: ignore[no-untyped-def]
    import numpy as np

    from infoplane.bottleneck.gaussian import split_joint_covariance
    from infoplane.interface import InfoplaneError

    if not path.exists():
        raise FileNotFoundError(f"--pxy: file {str(path)!r} does not exist.")
    ext = path.suffix.lower()
    if ext in (".npz", ".mat"):
        if ext == ".npz":
            with np.load(path, allow_pickle=False) as f:
                data = {k: f[k] for k in f.files}
        else:
            import scipy.io as sio

            data = {k: v for k, v in sio.loadmat(path).items() if not k.startswith("__")}
        if {"sigma_x", "sigma_xy", "sigma_y"} <= set(data):
            return data["sigma_x"], data["sigma_xy"], data["sigma_y"]
        if "cov" in data:
            cov = data["cov"]
        else:
            raise InfoplaneError(
                f"--pxy: {path.name} needs keys sigma_x, sigma_xy, sigma_y (or cov with --x-dim) for "
                f"--method gaussian; found {sorted(data)}."
            )
    elif ext == ".npy":
        cov = np.load(path, allow_pickle=False)
    elif ext == ".csv":
        cov = np.loadtxt(path, delimiter=",", ndmin=2)
    else:
        raise InfoplaneError(f"--pxy: unknown file type {ext!r}; use .npy, .csv, .npz or .mat.")
    if x_dim is None:
        raise InfoplaneError(
            "--x-dim is needed with a joint covariance for --method gaussian: the number of X "
            "coordinates (X first, then Y)."
        )
    return split_joint_covariance(cov, x_dim)


def bound(
    pxy: Path = typer.Option(
        ...,
        "--pxy",
        help="Joint p(x,y) or conditional p(y|x) table (.npy/.csv, rows = x), or a .mat/.npz with "
        "PYX (like all.mat), p_y_given_x (+ p_x) or p_xy. For --method gaussian: covariances "
        "(.npz/.mat with sigma_x, sigma_xy, sigma_y) or a joint covariance with --x-dim.",
    ),
    out: Path = typer.Option(..., "--out", "-o", help="Output directory (created)."),
    method: Method = typer.Option(Method.ib, "--method", help="ib, dib, dualib or gaussian."),
    betas: str = typer.Option(
        None,
        "--betas",
        help="Beta grid (KL in nats): comma list '1,2,5', 'logspace:LO:HI:N' (LO, HI are beta "
        f"values) or 'linspace:LO:HI:N'. Default {DEFAULT_BETAS} (gaussian: around the critical "
        "betas).",
    ),
    kind: str = typer.Option(
        "auto", "--kind", help="How to read a table: auto, joint, conditional."
    ),
    annealing: str = typer.Option(
        None,
        "--annealing",
        help="auto, reverse, forward, both or none (default auto: both up to 256 x values, else "
        "reverse; dib: forward).",
    ),
    restarts: int = typer.Option(0, "--restarts", help="Random restarts per beta (dib: 3)."),
    alpha: float = typer.Option(0.0, "--alpha", help="dib only: 0 = deterministic IB, 1 = IB."),
    label_smoothing: float = typer.Option(
        0.0, "--label-smoothing", help="dualib only: mix s of uniform label noise into p(y|x)."
    ),
    x_dim: int = typer.Option(None, "--x-dim", help="gaussian with a joint covariance: dim of X."),
    table_format: TableFormat = typer.Option(
        TableFormat.parquet, "--format", help="parquet or csv."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of splits and restarts."),
) -> None:
    """Compute the Information Bottleneck curve of a distribution: table (bits) and figure."""
    from infoplane.cli._common import console, reading, user_errors

    with user_errors():
        import json

        from infoplane.bottleneck import (
            deterministic_information_bottleneck,
            dual_information_bottleneck,
            gaussian_information_bottleneck,
            information_bottleneck,
            load_distribution,
        )
        from infoplane.interface import InfoplaneError
        from infoplane.plots.bound import plot_bound

        if kind not in ("auto", "joint", "conditional"):
            raise InfoplaneError(f"--kind={kind!r} is not valid; use auto, joint or conditional.")
        beta_list = parse_betas(betas) if betas is not None else None
        if method is Method.gaussian:
            with reading(pxy, "--pxy", _GAUSSIAN_FIX):
                sx, sxy, sy = _load_gaussian(pxy, x_dim)
            g = gaussian_information_bottleneck(sx, sxy, sy)
            curve = g.curve(beta_list)
            meta = {
                "critical_betas": g.critical_betas.tolist(),
                "eigenvalues": g.eigenvalues.tolist(),
            }
        else:
            with reading(pxy, "--pxy", _TABLE_FIX):
                dist = load_distribution(pxy, kind=kind, name="--pxy")  # type: ignore[arg-type]
            grid = beta_list if beta_list is not None else parse_betas(DEFAULT_BETAS)
            if method is Method.ib:
                curve = information_bottleneck(
                    dist, grid, annealing=annealing or "auto", n_restarts=restarts, seed=seed
                )
            elif method is Method.dib:
                curve = deterministic_information_bottleneck(
                    dist, grid, alpha=alpha, annealing=annealing or "forward",
                    n_restarts=restarts or 3, seed=seed,
                )  # fmt: skip
            else:
                curve = dual_information_bottleneck(
                    dist, grid, label_smoothing=label_smoothing, annealing=annealing or "auto",
                    n_restarts=restarts, seed=seed,
                )  # fmt: skip
            meta = {"n_x": dist.n_x, "n_y": dist.n_y, "h_x": dist.entropy_x()}
        out.mkdir(parents=True, exist_ok=True)
        frame = curve.to_frame()
        table = out / f"bound.{table_format.value}"
        if table_format is TableFormat.parquet:
            frame.to_parquet(table, index=False)
        else:
            frame.to_csv(table, index=False)
        figure = plot_bound(curve, out / "bound.png", title=f"{method.value} curve of {pxy.name}")
        info = {
            "method": method.value, "pxy": str(pxy), "units": "bits",
            "i_xy": curve.i_xy, "params": curve.params, **meta,
        }  # fmt: skip
        (out / "bound.json").write_text(json.dumps(info, indent=2, default=float))
        last = frame.iloc[-1]
        console.print(
            f"{method.value}: {len(frame)} betas, I(X;Y) = {curve.i_xy:.5f} bits; at beta = "
            f"{last.beta:.4g}: I(X;T) = {last.i_xt:.4f}, I(T;Y) = {last.i_ty:.5f} bits."
        )
        console.print(f"wrote {table}, {figure}, {out / 'bound.json'}")
