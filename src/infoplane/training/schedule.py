"""Which epochs to capture: the log-spaced rule of the IDNNs code (Shwartz-Ziv & Tishby 2017).

IDNNs records activations at ``unique(int(logspace(0, log2(epochs), n, base=2)))`` (274 distinct
epochs for epochs = 8000, n = 400): dense early, when things change fast, sparse late. We use the same
rule on epochs 1..E (epoch e = after e passes over the training set) and always add epoch 0 (the
initialisation) and the last epoch E.
"""

from __future__ import annotations

import numpy as np

from infoplane.interface import InfoplaneError


def log_spaced_epochs(epochs: int, n_points: int = 400) -> np.ndarray:
    """Return the sorted capture epochs in [0, epochs]: 0, the IDNNs log-spaced set, and ``epochs``.

    Args:
        epochs: number of training epochs E >= 1.
        n_points: points of the log-spaced grid before de-duplication (IDNNs: 400).

    Returns:
        int64 array of distinct epochs, starting with 0 and ending with E (275 for E = 8000,
        n_points = 400).

    Raises:
        InfoplaneError: if ``epochs < 1`` or ``n_points < 1``.

    Notes:
        Dense early (where the fitting phase is fast), sparse late; the grid is
        ``2 ** linspace(0, log2 E, n_points)`` truncated to integers, as in the IDNNs code. The
        truncation follows floating point: a grid point just below an integer (e.g. the last one,
        ``2 ** log2(6)``, which may come out as 5.999...) gives the epoch below, so whether such an
        epoch is in the set can differ between platforms; 0, powers of two and E always are.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810 (IDNNs code, log-spaced epochs).

    Example:
        >>> log_spaced_epochs(8, 4).tolist()
        [0, 1, 2, 4, 8]
    """
    if int(epochs) != epochs or epochs < 1:
        raise InfoplaneError(f"epochs must be an integer >= 1; got {epochs!r}.")
    if int(n_points) != n_points or n_points < 1:
        raise InfoplaneError(f"n_capture must be an integer >= 1; got {n_points!r}.")
    grid = np.logspace(0, np.log2(epochs), int(n_points), base=2).astype(np.int64)
    return np.unique(np.concatenate([[0], grid, [epochs]]).clip(0, epochs))
