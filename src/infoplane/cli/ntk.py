"""``infoplane ntk``: the information plane of an infinite ensemble of infinitely wide networks.

Shwartz-Ziv & Alemi (2020), arXiv 1911.09189; Shwartz-Ziv (2022), arXiv 2202.06749: NNGP/NTK kernels
of a fully connected network, the Gaussian outputs of the ensemble under gradient flow on the MSE
(Lee et al. 2019, arXiv 1902.06720), and I(X;Z), I(Z;Y) and the KL from initialisation over training
time. Writes ``ntk_table.parquet`` (or ``.csv``), ``ntk_information_plane.png`` and
``ntk_params.json`` into ``--out``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from infoplane.cli._common import console, cpu_threads, user_errors

#: default --threads of ``infoplane ntk``: every core (its float64 matmuls scale with threads)
NTK_THREADS = os.cpu_count() or 1

TASKS = ("12bit", "digits", "mnist")


def parse_times(spec: str | None) -> list[float]:
    """Parse ``--times``: comma-separated values (``inf`` allowed) or ``log:START:STOP:NUM``.

    ``log:-1:5:16`` means 16 log-spaced times from 1e-1 to 1e5; items may be mixed, e.g.
    ``0,log:-1:5:16,inf``. ``None`` gives the default (0, 16 log-spaced times in [0.1, 1e5], inf).

    Raises:
        InfoplaneError: for an item that is neither a number nor a valid ``log:`` range.
    """
    import numpy as np

    from infoplane.interface import InfoplaneError
    from infoplane.ntk import DEFAULT_TIMES

    if spec is None:
        return list(DEFAULT_TIMES)
    out: list[float] = []
    for item in (s.strip() for s in spec.split(",")):
        if not item:
            continue
        if item.startswith("log:"):
            parts = item.split(":")[1:]
            try:
                start, stop, num = float(parts[0]), float(parts[1]), int(parts[2])
            except (ValueError, IndexError):
                raise InfoplaneError(
                    f"--times item {item!r} must look like log:START:STOP:NUM (exponents of 10), "
                    "e.g. log:0:5:11."
                ) from None
            out.extend(np.logspace(start, stop, num).tolist())
            continue
        try:
            out.append(float(item))
        except ValueError:
            raise InfoplaneError(
                f"--times item {item!r} is not a number; use e.g. 0,0.1,1,10,inf or log:0:5:11."
            ) from None
    if not out:
        raise InfoplaneError("--times is empty; give e.g. 0,log:0:5:11,inf.")
    return sorted(set(out))


def _subsample(idx: Any, limit: int | None, seed: int) -> Any:
    import numpy as np

    if limit is None or len(idx) <= limit:
        return np.sort(idx)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(idx, size=limit, replace=False))


def load_task(
    task: str,
    *,
    mnist_dir: Path | None,
    train_fraction: float,
    max_train: int | None,
    max_test: int | None,
    seed: int,
) -> tuple[Any, Any, Any, Any, str]:
    """Return (x (N, d), labels (N,), train_idx, eval_idx, name) for a task of ``infoplane ntk``.

    ``12bit``: the 4096 patterns, evaluated on all of them. ``digits``: scikit-learn's bundled 8 x 8
    digits scaled to [0, 1]. ``mnist``: :func:`infoplane.data.mnist.load_mnist` on ``mnist_dir``,
    subsampled to ``max_train`` training and ``max_test`` test rows (defaults 2000 and 1000). Only
    the rows used are returned (inputs flattened to vectors, float64); the evaluation rows are all
    of them, the (subsampled) training and test rows.

    Raises:
        InfoplaneError: for an unknown task, or ``mnist`` without a usable ``--mnist-dir`` or
            loader.
    """
    import numpy as np

    from infoplane.interface import InfoplaneError

    if task not in TASKS:
        raise InfoplaneError(f"--task {task!r} is unknown; choose one of {', '.join(TASKS)}.")
    if mnist_dir is not None and task != "mnist":
        raise InfoplaneError(f"--mnist-dir goes with --task mnist, not --task {task}.")
    if task == "12bit":
        from infoplane.data import load_twelve_bit

        ds = load_twelve_bit(train_fraction=train_fraction, seed=seed)
        x, y, tr, te, name = ds.x, ds.y, ds.train_idx, ds.test_idx, "12-bit"
    elif task == "digits":
        from sklearn.datasets import load_digits

        from infoplane.data import split_indices

        bunch = load_digits()
        x = (bunch.data / 16.0).astype(np.float32)
        y = bunch.target.astype(np.int64)
        tr, te = split_indices(y, "stratified", train_fraction, seed)
        name = "digits (8x8)"
    else:
        if mnist_dir is None:
            raise InfoplaneError(
                "--task mnist needs --mnist-dir DIR, a folder with the MNIST IDX files "
                "(train-images-idx3-ubyte[.gz], ...); infoplane never downloads."
            )
        try:
            from infoplane.data.mnist import load_mnist
        except ImportError as exc:
            raise InfoplaneError(
                f"the MNIST loader (infoplane.data.mnist.load_mnist) is not available ({exc}); "
                "use --task 12bit or --task digits."
            ) from None
        from infoplane.cli._common import reading

        with reading(
            mnist_dir, "--mnist-dir", "pass the folder of the MNIST IDX .gz or .npz files"
        ):
            ds = load_mnist(mnist_dir)
        x, y, tr, te, name = ds.x, ds.y, ds.train_idx, ds.test_idx, "MNIST"
        max_train = 2000 if max_train is None else max_train
        max_test = 1000 if max_test is None else max_test
    tr = _subsample(np.asarray(tr), max_train, seed)
    te = _subsample(np.asarray(te), max_test, seed + 1)
    rows = np.sort(np.concatenate([tr, te]))  # keep only the rows used, flattened to vectors
    x_used = np.asarray(x[rows], dtype=np.float64).reshape(len(rows), -1)
    return x_used, np.asarray(y)[rows], np.searchsorted(rows, tr), np.arange(len(rows)), name


def ntk(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (created if missing).")],
    task: Annotated[str, typer.Option(help="12bit, digits or mnist.")] = "12bit",
    depth: Annotated[int, typer.Option(help="Hidden layers L >= 0.")] = 1,
    activation: Annotated[str, typer.Option(help="erf or relu.")] = "relu",
    times: Annotated[
        str | None,
        typer.Option(
            help="Training times: comma-separated (inf allowed) and/or log:START:STOP:NUM; "
            "default: 0, 16 log-spaced times from 0.1 to 1e5, inf."
        ),
    ] = None,
    mnist_dir: Annotated[
        Path | None, typer.Option("--mnist-dir", help="Folder with the MNIST IDX files.")
    ] = None,
    weight_var: Annotated[
        float | None, typer.Option(help="sigma_w^2 (default 2 for relu, 1 for erf).")
    ] = None,
    bias_var: Annotated[float, typer.Option(help="sigma_b^2.")] = 0.05,
    learning_rate: Annotated[float, typer.Option(help="Gradient-flow learning rate eta.")] = 1.0,
    train_fraction: Annotated[float, typer.Option(help="Training share (12bit, digits).")] = 0.8,
    max_train: Annotated[
        int | None, typer.Option(help="Subsample the training rows (mnist default 2000).")
    ] = None,
    max_test: Annotated[
        int | None, typer.Option(help="Subsample the test rows (mnist default 1000).")
    ] = None,
    noise_var: Annotated[
        float, typer.Option(help="Variance of the Gaussian channel added to Z.")
    ] = 1e-3,
    channel_var: Annotated[
        float | None,
        typer.Option(help="Label-side Gaussian channel variance (default: fitted per time)."),
    ] = None,
    n_samples: Annotated[int, typer.Option(help="Monte Carlo draws of Z per input.")] = 4,
    batch_size: Annotated[
        int | None, typer.Option(help="Batch size of the I(X;Z) bounds (default: all).")
    ] = None,
    diag_reg: Annotated[float, typer.Option(help="Relative ridge on the train NTK.")] = 0.0,
    unit: Annotated[str, typer.Option(help="bits or nats.")] = "bits",
    table_format: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "parquet",
    seed: Annotated[int, typer.Option(help="Seed of the split, subsampling and draws.")] = 0,
    overwrite: Annotated[bool, typer.Option(help="Replace existing output files.")] = False,
    threads: Annotated[
        int,
        typer.Option(
            "--threads",
            min=1,
            help="CPU threads for torch and numpy's BLAS (default: every core; the large "
            "float64 matmuls of this command scale with threads). Use 1 on a busy machine.",
        ),
    ] = NTK_THREADS,
) -> None:
    """Information plane of an infinite ensemble of infinitely wide networks (NTK) over time.

    --threads (default: every core) sets torch's and numpy's CPU threads. On a quiet 2-core
    machine the 12-bit task took 42.6 s wall with two threads and 78 s with one (most of it
    float64 matmuls of 3276-wide kernels); on a machine busy with other work one thread can be
    faster (the eigendecomposition then took 4.3 s on one thread and 15 s on two).
    """
    with user_errors(), cpu_threads(threads):
        import json
        import time

        from infoplane.interface import InfoplaneError, check_unit
        from infoplane.ntk import make_spec, ntk_information_plane

        check_unit(unit)
        spec = make_spec(depth, activation, weight_var, bias_var)
        if table_format not in ("parquet", "csv"):
            raise InfoplaneError(f"--format {table_format!r} is unknown; use parquet or csv.")
        time_list = parse_times(times)
        x, y, tr, ev, name = load_task(
            task,
            mnist_dir=mnist_dir,
            train_fraction=train_fraction,
            max_train=max_train,
            max_test=max_test,
            seed=seed,
        )
        out.mkdir(parents=True, exist_ok=True)
        table_path = out / f"ntk_table.{table_format}"
        fig_path = out / "ntk_information_plane.png"
        params_path = out / "ntk_params.json"
        if not overwrite:
            for p in (table_path, fig_path, params_path):
                if p.exists():
                    raise FileExistsError(f"{p} exists; pass --overwrite or another --out.")
        console.print(
            f"ntk: {name}, {len(tr)} training / {len(ev)} evaluation inputs, depth {spec.depth} "
            f"{spec.activation}, {len(time_list)} times"
        )
        start = time.perf_counter()
        with console.status("kernels, gradient-flow dynamics and information ...") as status:

            def progress(i: int, total: int) -> None:
                status.update(f"information at time {i}/{total} ...")

            df = ntk_information_plane(
                x,
                y,
                tr,
                eval_idx=ev,
                times=time_list,
                **spec.to_dict(),
                learning_rate=learning_rate,
                diag_reg=diag_reg,
                noise_var=noise_var,
                channel_var=channel_var,
                n_samples=n_samples,
                batch_size=batch_size,
                seed=seed,
                unit=unit,
                progress=progress,
            )
        elapsed = time.perf_counter() - start
        params = {"task": task, "name": name, **df.attrs["params"], "wall_s": round(elapsed, 2)}
        df.attrs = {}
        tmp = table_path.with_name(table_path.name + ".tmp")
        if table_format == "parquet":
            df.to_parquet(tmp, index=False)
        else:
            df.to_csv(tmp, index=False)
        tmp.replace(table_path)
        params_path.write_text(json.dumps(params, indent=2) + "\n")
        # matplotlib only now: its memory is not added to the (n, n) peak of the computation.
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from infoplane.plots.ntk import plot_ntk_information_plane

        title = f"{name}: depth {spec.depth} {spec.activation}, infinite ensemble (NTK)"
        fig = plot_ntk_information_plane(df, fig_path, unit=unit, title=title)
        plt.close(fig)
        last = df.iloc[-1]
        console.print(
            f"t = {last['t']:g}: I(X;Z) in [{last[f'i_xz_lower_{unit}']:.3f}, "
            f"{last[f'i_xz_upper_{unit}']:.3f}] {unit}, I(Z;Y) >= {last[f'i_zy_gibbs_{unit}']:.3f} "
            f"{unit}, test accuracy {last['test_accuracy']:.3f}"
        )
        console.print(f"wrote {table_path}, {fig_path} and {params_path} in {elapsed:.1f} s")
