"""The information plane of an infinite ensemble of infinitely wide networks over training time.

Puts together :mod:`~infoplane.ntk.kernels`, :mod:`~infoplane.ntk.dynamics` and
:mod:`~infoplane.ntk.information` as in Shwartz-Ziv & Alemi (2020), arXiv 1911.09189, and
Shwartz-Ziv's thesis (2022), arXiv 2202.06749 (infinite ensembles): a fully connected network of
given depth and activation, trained by gradient flow on the MSE to one-hot targets; at each time t
the ensemble's output Z at each evaluation input is Gaussian, and the table records I(X;Z)
(bounds), the label side, the KL from initialisation, and the ensemble mean's accuracy and loss.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from infoplane.interface import InfoplaneError, check_unit
from infoplane.ntk.dynamics import GradientFlowEnsemble, as_times, release_free_heap
from infoplane.ntk.information import (
    kl_from_initialisation,
    label_information,
    mixture_mi_bounds,
    one_hot,
)
from infoplane.ntk.kernels import fc_kernels, make_spec

#: Largest bytes of each (rows, n_train) cross-kernel block held at once (evaluation rows in
#: chunks of equal size). The 12-bit task's chunks (34 MiB) are above glibc's largest mmap threshold
#: (32 MiB), so each block goes back to the system when freed instead of fragmenting the heap
#: (smaller blocks, or a short last chunk, made the peak grow with the number of times).
_CHUNK_BYTES = 40 * 2**20

#: Default training times: 0, 16 log-spaced values in [1e-1, 1e5], and inf.
DEFAULT_TIMES: tuple[float, ...] = (0.0, *np.logspace(-1, 5, 16).tolist(), math.inf)


def ntk_information_plane(
    x: Any,
    labels: Any,
    train_idx: Any,
    *,
    eval_idx: Any | None = None,
    times: Any = DEFAULT_TIMES,
    depth: int = 1,
    activation: str = "relu",
    weight_var: float | None = None,
    bias_var: float = 0.05,
    learning_rate: float = 1.0,
    diag_reg: float = 0.0,
    noise_var: float = 1e-3,
    channel_var: float | None = None,
    n_samples: int = 4,
    batch_size: int | None = None,
    seed: int = 0,
    unit: str = "bits",
    progress: Callable[[int, int], None] | None = None,
) -> Any:
    """Table over training time of the information plane of an infinite ensemble (NTK regime).

    Args:
        x: inputs, shape (N, d).
        labels: class indices, shape (N,).
        train_idx: rows used for training, shape (n,).
        eval_idx: rows on which the information is computed (X uniform over them); ``None`` means
            all N rows (the convention of Shwartz-Ziv & Tishby 2017 on the 12-bit task).
        times: training times (units of 1 / learning_rate), >= 0, ``inf`` allowed.
        depth: hidden layers L >= 0.
        activation: ``"erf"`` or ``"relu"``.
        weight_var: sigma_w^2; ``None`` picks 2.0 (ReLU) or 1.0 (erf).
        bias_var: sigma_b^2 >= 0.
        learning_rate: eta > 0 of the gradient flow on L = (1/2n) sum ||f - y||^2.
        diag_reg: ridge on the train NTK, relative to its mean eigenvalue (default 0).
        noise_var: variance of the Gaussian channel added to Z (default 1e-3), which keeps I(X;Z)
            finite where the ensemble's variance vanishes (training inputs late in training).
        channel_var: variance s^2 of the label-side Gaussian channel; ``None`` (default) fits it
            per time from a grid (see :func:`~infoplane.ntk.information.label_information`).
        n_samples: Monte Carlo draws of z per input (default 4).
        batch_size: inputs per batch of the I(X;Z) bounds; ``None`` uses all evaluation inputs.
        seed: seed of the Monte Carlo draws.
        unit: ``"bits"`` (default) or ``"nats"``.
        progress: optional callback ``progress(i, T)`` called after each time.

    Returns:
        A pandas DataFrame with one row per time and columns ``t``, ``i_xz_lower_<unit>``,
        ``i_xz_upper_<unit>``, ``i_zy_gibbs_<unit>`` (lower bound on I(Z;Y)), ``i_zy_bayes_<unit>``,
        ``h_y_<unit>``, ``log_lik_gibbs_<unit>``, ``log_lik_bayes_<unit>`` (per example),
        ``kl_init_<unit>`` (on the training inputs), ``mean_variance`` (mean ensemble variance on
        the evaluation inputs), ``channel_var`` (the label-side s^2 used), ``train_loss`` and
        ``test_loss`` (the MSE loss (1/2) mean ||mu - y||^2 of the ensemble mean, target units
        squared), ``train_accuracy`` and ``test_accuracy`` (argmax of the ensemble mean); NaN
        where a split has no evaluation rows.
        ``df.attrs["params"]`` holds the parameters.

    Raises:
        InfoplaneError: for bad inputs, indices or parameters.

    Notes:
        Cost: one O(n^3) eigendecomposition, O(T m n^2) for the variances at m evaluation inputs
        and O(T S m^2) for the bounds; memory O(n^2 + m n), independent of T: at most four
        (n, n) float64 matrices at once (the NTK, its eigenvectors and the eigensolver's
        workspace; later V, V^T K V and the two of the KL), the cross kernels in row chunks. The
        12-bit task (n = 3276, m = 4096, the 18 default times) takes about 1 minute on one
        thread (the CLI's default) and about 750 MiB (0.79 GB) peak RSS for the whole command,
        imports included (was 1.0-1.2 GiB; ``benchmarks/ntk.py --twelve-bit --cli``); more
        threads are slower on a loaded 2-core machine (the eigendecomposition took 4.3 s on 1
        thread, 15 s on 2). I(X;Z) depends on ``noise_var`` wherever the ensemble's variance
        falls below it (training inputs late in training): report it with the results.

    Example:
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> x = rng.normal(size=(40, 3))
        >>> y = (x[:, 0] > 0).astype(np.int64)
        >>> df = ntk_information_plane(x, y, np.arange(30), times=[0.0, 10.0], n_samples=2)
        >>> list(df["t"])
        [0.0, 10.0]

    References:
        Shwartz-Ziv & Alemi (2020), AABI, arXiv:1911.09189; Shwartz-Ziv (2022), PhD thesis,
        arXiv:2202.06749; Lee et al. (2019), NeurIPS, arXiv:1902.06720.
    """
    from infoplane._validation import as_labels, as_samples

    check_unit(unit)
    spec = make_spec(depth, activation, weight_var, bias_var)
    xs = as_samples(x, "x", allow_1d=False)
    y = as_labels(labels, "labels")
    if len(y) != len(xs):
        raise InfoplaneError(f"x has {len(xs)} rows but labels has {len(y)}; pass paired data.")
    n_all = len(y)
    tr = _as_index(train_idx, "train_idx", n_all)
    ev = np.arange(n_all) if eval_idx is None else _as_index(eval_idx, "eval_idx", n_all)
    if len(tr) < 2:
        raise InfoplaneError("train_idx must hold at least 2 rows.")
    t = as_times(times)
    n_classes = int(y.max()) + 1
    targets = one_hot(y, n_classes)
    xt = torch.as_tensor(xs, dtype=torch.float64)
    kw = spec.to_dict()
    order = np.argsort(ev)
    loc = np.minimum(np.searchsorted(ev[order], tr), len(ev) - 1)
    alone = np.array_equal(ev[order][loc], tr)  # the train rows of the cross kernel, computed alone

    def train_kernel(which: str) -> Callable[[], torch.Tensor]:
        def compute() -> torch.Tensor:
            pair = fc_kernels(xt[tr], xt[tr], **kw) if alone else fc_kernels(xt[tr], **kw)
            return getattr(pair, which)

        return compute

    # As functions: the ensemble calls each when needed and frees the NTK after its
    # eigendecomposition, so that K, Theta and the eigensolver's workspace never coexist (the
    # kernels are computed twice, about 1 s on the 12-bit task; peak memory: see Notes).
    ens = GradientFlowEnsemble(
        train_kernel("nngp"),
        train_kernel("ntk"),
        targets[tr],
        learning_rate=learning_rate,
        diag_reg=diag_reg,
    )
    k_diag = fc_kernels(xt[ev], **kw, diag=True)
    means, variances = [], []
    chunk = max(1, -(-_CHUNK_BYTES // (8 * len(tr))))  # rows per chunk at most
    chunk = -(-len(ev) // -(-len(ev) // chunk))  # chunks of equal size
    for start in range(0, len(ev), chunk):  # evaluation rows in chunks: O(chunk n) memory
        part = slice(start, start + chunk)
        k_cross = fc_kernels(xt[ev[part]], xt[tr], **kw)
        cross = [k_cross.nngp, k_cross.ntk]
        del k_cross  # predict frees each cross kernel once it has been used
        pred = ens.predict(t, cross.pop(0), cross.pop(0), k_diag.nngp[part], full_covariance=False)
        means.append(pred.mean)
        variances.append(pred.variance)
    pred_mean, pred_var = torch.cat(means, dim=1), torch.cat(variances, dim=1)  # (T, m, k), (T, m)
    release_free_heap()  # the KL's two (n, n) matrices come next: the peak (see Notes)
    kl = kl_from_initialisation(ens, t, unit=unit)
    del ens  # its two (n, n) matrices are not needed for the per-time quantities
    is_train = np.isin(ev, tr)
    y_ev = y[ev]
    rows = []
    for i in range(len(t)):  # loop over training times
        mean = pred_mean[i]
        var = pred_var[i]
        bounds = mixture_mi_bounds(
            mean,
            var,
            noise_var=noise_var,
            n_samples=n_samples,
            batch_size=batch_size,
            seed=seed + i,
            unit=unit,
        )
        lab = label_information(
            y_ev,
            mean,
            var,
            channel_var=channel_var,
            noise_var=noise_var,
            n_samples=n_samples,
            seed=seed + i,
            unit=unit,
        )
        sq = ((mean - targets[ev]) ** 2).sum(-1).numpy()
        correct = (mean.argmax(1).numpy() == y_ev).astype(np.float64)
        rows.append(
            {
                "t": float(t[i]),
                f"i_xz_lower_{unit}": bounds.lower,
                f"i_xz_upper_{unit}": bounds.upper,
                f"i_zy_gibbs_{unit}": lab.i_zy_gibbs,
                f"i_zy_bayes_{unit}": lab.i_zy_bayes,
                f"h_y_{unit}": lab.h_y,
                f"log_lik_gibbs_{unit}": lab.log_lik_gibbs,
                f"log_lik_bayes_{unit}": lab.log_lik_bayes,
                "channel_var": lab.channel_var,
                f"kl_init_{unit}": float(kl[i]),
                "mean_variance": float(var.mean()),
                "train_loss": _masked_mean(sq, is_train) / 2,
                "test_loss": _masked_mean(sq, ~is_train) / 2,
                "train_accuracy": _masked_mean(correct, is_train),
                "test_accuracy": _masked_mean(correct, ~is_train),
            }
        )
        if progress is not None:
            progress(i + 1, len(t))
    import pandas as pd  # imported after the (n, n) work: its ~65 MB are not added to the peak

    df = pd.DataFrame(rows)
    df.attrs["params"] = {
        **kw,
        "learning_rate": learning_rate,
        "diag_reg": diag_reg,
        "noise_var": noise_var,
        "channel_var": channel_var,
        "n_samples": n_samples,
        "batch_size": batch_size,
        "seed": seed,
        "unit": unit,
        "n_train": len(tr),
        "n_eval": len(ev),
    }
    return df


def _as_index(idx: Any, name: str, n: int) -> np.ndarray:
    a = np.asarray(idx)
    if a.ndim != 1 or not np.issubdtype(a.dtype, np.integer):
        raise InfoplaneError(f"{name} must be a 1-D array of integer row indices.")
    if len(a) and (a.min() < 0 or a.max() >= n):
        raise InfoplaneError(f"{name} holds indices outside 0..{n - 1}.")
    if len(np.unique(a)) != len(a):
        raise InfoplaneError(f"{name} holds repeated indices; pass each row once.")
    return a.astype(np.int64)


def _masked_mean(values: np.ndarray, mask: np.ndarray) -> float:
    return float(values[mask].mean()) if mask.any() else math.nan
