"""Training loop for a stacked ensemble: cross-entropy, Adam or SGD, mini-batches or full batch.

The defaults follow Shwartz-Ziv & Tishby (2017), arXiv 1703.00810, and the IDNNs code: Adam with
learning rate 4e-4, batch 512, cross-entropy on a softmax output. Train and test loss and accuracy
are recorded every epoch for every member; activations are handed to a callback at the capture
epochs, a per-step callback sees each mini-batch's gradients (for the gradient signal-to-noise
analysis), and an end-of-epoch callback gets the whole loop state (for checkpoints and resume).

Reproducibility: member r initialises from ``seeds[r]`` and shuffles with
``numpy.random.default_rng(seeds[r])``, so it follows the same trajectory whether trained alone
(R = 1) or inside a larger ensemble.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from infoplane.interface import InfoplaneError
from infoplane.training import _stacked_step

#: ``capture_fn(epoch, model)`` is called at epoch 0 (before training) and after each capture epoch.
CaptureFn = Callable[[int, nn.Module], None]
#: ``step_fn(epoch, step, model)`` is called after ``backward()`` and before the optimiser step.
StepFn = Callable[[int, int, nn.Module], None]

HISTORY_KEYS: tuple[str, ...] = ("train_loss", "train_acc", "test_loss", "test_acc")
#: Rows evaluated at once for the per-epoch train/test metrics (bounds memory on large data sets).
EVAL_BATCH = 8192


@dataclass
class LoopState:
    """The complete state of a training loop after ``epoch`` epochs (what a checkpoint holds).

    Built by the training loop and handed to ``epoch_end_fn``; raises nothing itself.

    Notes:
        :meth:`state_dict` holds only tensors and plain data, so a checkpoint loads with
        ``torch.load(..., weights_only=True)``.

    References:
        PyTorch documentation, "Saving and loading a general checkpoint".

    Example:
        >>> # train_ensemble(..., epoch_end_fn=lambda state: save(state.state_dict()))

    Attributes:
        epoch: epochs completed (0 = initialisation).
        model: the model being trained (stacked: R members).
        optimizer: its optimiser.
        rngs: one numpy Generator per member (the shuffles of the coming epochs).
        history: ``train_loss`` etc., arrays (epochs, R) for epochs 1..E; rows after ``epoch`` are
            not yet filled.
    """

    epoch: int
    model: nn.Module
    optimizer: torch.optim.Optimizer
    rngs: list[np.random.Generator]
    history: dict[str, np.ndarray] = field(default_factory=dict)

    def state_dict(self) -> dict[str, Any]:
        """Return the loop state as tensors and plain Python data (safe to load).

        Returns:
            dict with ``epoch`` (int), ``model`` and ``optimizer`` (torch state dicts, copies
            that further training leaves unchanged), ``rngs`` (each member's numpy
            bit-generator state: dicts of str and int) and ``history`` (float64 tensors
            (epoch, R) of the epochs done). Nothing in it needs pickle beyond what
            ``torch.load(..., weights_only=True)`` accepts. Load it with
            ``train_ensemble(..., resume=state_dict)``.

        Example:
            >>> from infoplane.models.ensemble import EnsembleMLP
            >>> m = EnsembleMLP([0], n_inputs=2, hidden=[2], n_classes=2)
            >>> opt = torch.optim.Adam(m.parameters())
            >>> st = LoopState(0, m, opt, [np.random.default_rng(0)]).state_dict()
            >>> sorted(st), st["rngs"][0]["bit_generator"]
            (['epoch', 'history', 'model', 'optimizer', 'rngs'], 'PCG64')
        """

        def plain(obj: Any) -> Any:  # numpy ints in a bit-generator state -> int
            if isinstance(obj, dict):
                return {str(k): plain(v) for k, v in obj.items()}
            if isinstance(obj, np.integer):
                return int(obj)
            return obj

        return {
            "epoch": int(self.epoch),
            "model": {k: v.detach().cpu().clone() for k, v in self.model.state_dict().items()},
            "optimizer": _detached(self.optimizer.state_dict()),
            "rngs": [plain(rng.bit_generator.state) for rng in self.rngs],
            "history": {
                k: torch.from_numpy(np.array(v[: self.epoch], dtype=np.float64))
                for k, v in self.history.items()
            },
        }


def _detached(obj: Any) -> Any:
    """A copy of a (nested) state dict whose tensors no longer change with training."""
    if isinstance(obj, torch.Tensor):
        return obj.detach().clone()
    if isinstance(obj, dict):
        return {k: _detached(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_detached(v) for v in obj]
    return obj


#: ``epoch_end_fn(state)`` is called after each epoch's metrics and capture (e.g. to checkpoint).
EpochEndFn = Callable[[LoopState], None]


@dataclass(frozen=True)
class TrainSettings:
    """Optimisation settings (validated by :func:`train_ensemble`, which raises ``InfoplaneError``).

    Notes:
        Mirrors :class:`~infoplane.run.config.TrainingConfig` (which validates a run's values).

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810 (Adam, lr 4e-4, batch 512).

    Example:
        >>> TrainSettings(epochs=10).lr
        0.0004

    Attributes:
        epochs: passes over the training set (>= 1).
        optimizer: ``"adam"`` (default) or ``"sgd"``.
        lr: learning rate (default 4e-4, the 2017 paper).
        batch_size: mini-batch size (default 512); ``None`` for full-batch gradient descent.
        momentum: SGD momentum (ignored by Adam).
        device: ``"cpu"``, ``"cuda"`` or ``"auto"`` (CUDA when available).
        threads: CPU threads while training (default 1: the per-step matmuls of these small
            networks are so small that torch's intra-op threads only add synchronisation cost,
            several-fold on a loaded 2-core machine); ``None`` leaves torch's setting alone. With
            the stacked step (``fast``) and ``threads`` = k > 1, the members are split into k
            groups stepped by k Python threads with single-threaded kernels instead.
        history: ``"exact"`` (default): after each epoch, evaluate every training and test row;
            ``"running"``: train loss and accuracy are the averages over the epoch's mini-batches
            (from the logits the training step computed anyway, with the weights changing along the
            epoch, as Keras reports them) and only the test rows are evaluated -- about 30% less
            work per epoch for large ensembles of these small networks.
        fast: train an :class:`~infoplane.models.ensemble.EnsembleMLP` with the hand-written
            stacked step (default True): forward and backward on (R, units, batch) activations
            without autograd, Adam on one flat buffer; the same trajectories as the autograd path
            to float32 rounding, several times faster. Used only where it gives the same result
            (tanh, ReLU, sigmoid or linear units, no quantisation, no hooks on the model, plain
            Adam or SGD); ``False`` always uses autograd.
    """

    epochs: int
    optimizer: str = "adam"
    lr: float = 4e-4
    batch_size: int | None = 512
    momentum: float = 0.0
    device: str = "auto"
    threads: int | None = 1
    history: str = "exact"
    fast: bool = True


def resolve_device(device: str, *, check: bool = False) -> torch.device:
    """Return the torch device named by ``device``, optionally checking that it can be used.

    Args:
        device: ``"auto"`` (CUDA if available, else CPU), ``"cpu"``, ``"cuda"``, ``"cuda:1"``,
            ``"mps"``, ...
        check: also allocate a tensor on it, so an unusable device (no CUDA build, no such GPU)
            is refused now rather than after a run directory was made (default False).

    Returns:
        The ``torch.device``.

    Raises:
        InfoplaneError: for a string that is not a torch device, or (with ``check``) a device
            that cannot be used here (the message says to use ``auto`` or ``cpu``).

    Notes:
        ``"auto"`` never fails: it falls back to the CPU.

    References:
        PyTorch documentation, ``torch.device``.

    Example:
        >>> resolve_device("cpu", check=True)
        device(type='cpu')
    """
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise InfoplaneError(
            f"device={device!r} is not a torch device; use 'auto', 'cpu' or 'cuda'."
        ) from None
    if check:
        try:
            torch.empty(1, device=dev)
        except (RuntimeError, AssertionError, AttributeError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise InfoplaneError(
                f"device={device!r} cannot be used on this machine ({reason}); use --device auto "
                "or cpu."
            ) from None
    return dev


@contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Temporarily set ``torch.set_num_threads(n)`` (no-op for ``None``); restores the old value.

    Args:
        n: number of intra-op threads, or ``None`` to leave torch's setting.

    Returns:
        A context manager.

    Raises:
        Nothing.

    Notes:
        One thread is fastest for the small matmuls of these networks on a loaded machine.

    References:
        PyTorch documentation, ``torch.set_num_threads``.

    Example:
        >>> with torch_threads(1):
        ...     torch.get_num_threads()
        1
    """
    if n is None:
        yield
        return
    old = torch.get_num_threads()
    torch.set_num_threads(int(n))
    try:
        yield
    finally:
        torch.set_num_threads(old)


def _make_optimizer(params: list[torch.nn.Parameter], s: TrainSettings) -> torch.optim.Optimizer:
    if s.optimizer == "adam":
        return torch.optim.Adam(params, lr=s.lr)
    if s.optimizer == "sgd":
        return torch.optim.SGD(params, lr=s.lr, momentum=s.momentum)
    raise InfoplaneError(f"optimizer={s.optimizer!r} is unknown; use 'adam' or 'sgd'.")


def _predicted_class(logits: torch.Tensor, dim: int) -> torch.Tensor:
    """``logits.argmax(dim)`` (the first maximum), without torch's slow strided argmax."""
    if logits.shape[dim] == 2:
        z0, z1 = logits.unbind(dim)
        return ((z1 > z0) | (z1.isnan() & ~z0.isnan())).long()
    return logits.max(dim).indices


def _member_loss_acc(logits: torch.Tensor, y: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Mean cross-entropy (nats) and accuracy per member; logits (R, n, C), y (n,)."""
    r, n, c = logits.shape
    if c == 2:  # CE = softplus((z1 - z0)(1 - 2y)): no log-softmax over a 2-wide axis
        ce = F.softplus((logits[..., 1] - logits[..., 0]) * (1 - 2 * y).to(logits.dtype))
    else:
        ce = F.cross_entropy(logits.reshape(r * n, c), y.repeat(r), reduction="none").view(r, n)
    acc = (_predicted_class(logits, -1) == y).float().mean(1)
    return ce.mean(1).cpu().numpy(), acc.cpu().numpy()


def _predict(model: nn.Module, xt: torch.Tensor, eval_batch: int) -> torch.Tensor:
    """Logits (R, n, C) of all rows, evaluated ``eval_batch`` rows at a time."""
    if xt.shape[0] <= eval_batch:
        return model(xt)
    return torch.cat(
        [model(xt[i : i + eval_batch]) for i in range(0, xt.shape[0], eval_batch)], dim=1
    )


def train_ensemble(
    model: nn.Module,
    x: np.ndarray,
    y: np.ndarray,
    train_idx: np.ndarray,
    test_idx: np.ndarray,
    settings: TrainSettings,
    *,
    capture_epochs: np.ndarray | None = None,
    capture_fn: CaptureFn | None = None,
    step_fn: StepFn | None = None,
    start_epoch: int = 0,
    progress: Callable[..., object] | None = None,
    resume: dict[str, Any] | None = None,
    epoch_end_fn: EpochEndFn | None = None,
) -> dict[str, np.ndarray]:
    """Train every member of ``model`` on the same data, each with its own shuffling.

    Args:
        model: the stacked ensemble (R members): an
            :class:`~infoplane.models.ensemble.EnsembleMLP`, or any module with ``seeds`` and
            ``n_models`` attributes mapping inputs (R, batch, *features) -> logits (R, batch, C)
            and shared inputs (batch, *features) -> (R, batch, C) (e.g.
            :class:`~infoplane.training.module_trainer.ModuleEnsemble`).
        x: all inputs, shape (n_samples, *features) (e.g. (n, n_features) or images (n, 1, 28, 28)).
        y: all integer labels, shape (n_samples,).
        train_idx: training rows, shape (n_train,).
        test_idx: test rows, shape (n_test,) (may be empty).
        settings: see :class:`TrainSettings`.
        capture_epochs: epochs (0 = initialisation) at which ``capture_fn`` is called.
        capture_fn: called as ``capture_fn(epoch, model)`` with the model in its state after that
            epoch.
        step_fn: called as ``step_fn(epoch, step, model)`` after each backward pass and before
            the optimiser step (gradients in ``param.grad``: stacked (R, ...) for an
            :class:`~infoplane.models.ensemble.EnsembleMLP`, per member for a
            :class:`~infoplane.training.module_trainer.ModuleEnsemble`), e.g.
            :class:`~infoplane.training.gradients.GradientStatistics` for any model.
        start_epoch: skip the epochs before this one (for resuming; the model and optimiser state
            must be those after ``start_epoch`` epochs; the shuffles of the skipped epochs are
            replayed). Prefer ``resume``.
        progress: a tqdm-like factory wrapping the epoch iterator (``None``: no progress bar).
        resume: a :meth:`LoopState.state_dict` (a checkpoint): model and optimiser state, each
            member's RNG state and the history so far are restored and training goes on from
            ``resume["epoch"]``; the result is bit-identical to an uninterrupted run on the CPU.
        epoch_end_fn: called as ``epoch_end_fn(state)`` (a :class:`LoopState`) after each epoch's
            metrics and capture, e.g. to write a checkpoint.

    Returns:
        History arrays: ``epoch`` (E,) and ``train_loss``, ``train_acc``, ``test_loss``,
        ``test_acc`` of shape (E, R); losses are cross-entropy in nats (E = epochs - start_epoch;
        with ``resume``, every epoch 1..epochs).

    Raises:
        InfoplaneError: for epochs < 1, an empty training set, a batch size < 1, an unknown
            optimiser or device.

    Notes:
        Member r shuffles with ``numpy.random.default_rng(seeds[r])``, so it follows the same
        trajectory alone or in a larger ensemble; with ``resume`` the run is bit-identical to an
        uninterrupted one on the CPU. The loss is the sum of the members' mean cross-entropies.
        An :class:`~infoplane.models.ensemble.EnsembleMLP` is trained by the hand-written stacked
        step (``settings.fast``, :mod:`infoplane.training._stacked_step`): the autograd path's
        trajectories to float32 rounding, about 3x (R = 50) to 4.5x (R = 4) less CPU time.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). Opening the Black Box of Deep Neural Networks via
        Information. arXiv:1703.00810, Sec. 3.

    Example:
        >>> from infoplane.models.ensemble import EnsembleMLP
        >>> x = np.random.default_rng(0).normal(size=(20, 3)).astype(np.float32)
        >>> y = (x[:, 0] > 0).astype(np.int64)
        >>> m = EnsembleMLP([0, 1], n_inputs=3, hidden=[4], n_classes=2)
        >>> h = train_ensemble(m, x, y, np.arange(15), np.arange(15, 20), TrainSettings(epochs=2))
        >>> h["train_loss"].shape
        (2, 2)
    """
    s = settings
    if int(s.epochs) != s.epochs or s.epochs < 1:
        raise InfoplaneError(f"epochs must be an integer >= 1; got {s.epochs!r}.")
    if len(train_idx) == 0:
        raise InfoplaneError("the training set is empty; raise train_fraction.")
    if s.batch_size is not None and s.batch_size < 1:
        raise InfoplaneError(f"batch_size must be >= 1 or None (full batch); got {s.batch_size}.")
    device = resolve_device(s.device)
    with torch_threads(s.threads if device.type == "cpu" else None):
        return _train_loop(
            model,
            x,
            y,
            train_idx,
            test_idx,
            s,
            device,
            capture_epochs,
            capture_fn,
            step_fn,
            start_epoch,
            progress,
            resume,
            epoch_end_fn,
        )


def _train_loop(
    model: nn.Module,
    x: np.ndarray,
    y: np.ndarray,
    train_idx: np.ndarray,
    test_idx: np.ndarray,
    s: TrainSettings,
    device: torch.device,
    capture_epochs: np.ndarray | None,
    capture_fn: CaptureFn | None,
    step_fn: StepFn | None,
    start_epoch: int,
    progress: Callable[..., object] | None,
    resume: dict[str, Any] | None = None,
    epoch_end_fn: EpochEndFn | None = None,
) -> dict[str, np.ndarray]:
    model.to(device)
    xt = torch.as_tensor(x, dtype=torch.float32, device=device)
    yt = torch.as_tensor(y, dtype=torch.long, device=device)
    tr = torch.as_tensor(train_idx, dtype=torch.long, device=device)
    te = torch.as_tensor(test_idx, dtype=torch.long, device=device)
    n_train, r = len(train_idx), model.n_models
    batch = n_train if s.batch_size is None else min(int(s.batch_size), n_train)
    capture_set = set(int(e) for e in (capture_epochs if capture_epochs is not None else []))
    optimizer = _make_optimizer(list(model.parameters()), s)
    rngs = [np.random.default_rng(seed) for seed in model.seeds]
    hist = {k: np.zeros((s.epochs, r)) for k in HISTORY_KEYS}
    first = start_epoch
    if resume is not None:
        start_epoch = int(resume["epoch"])
        model.load_state_dict(resume["model"])
        optimizer.load_state_dict(resume["optimizer"])
        for rng, state in zip(rngs, resume["rngs"], strict=True):
            rng.bit_generator.state = state
        for k in HISTORY_KEYS:
            hist[k][:start_epoch] = np.asarray(resume["history"][k])[:start_epoch]
        first = 0
    else:
        for _ in range(start_epoch):  # replay the shuffles of the skipped epochs
            for rng in rngs:
                rng.permutation(n_train)
    state = LoopState(start_epoch, model, optimizer, rngs, hist)
    model.train()
    if capture_fn is not None and start_epoch == 0 and 0 in capture_set:
        capture_fn(0, model)
    if epoch_end_fn is not None and start_epoch == 0:
        epoch_end_fn(state)

    if s.history not in ("exact", "running"):
        raise InfoplaneError(f"history={s.history!r} is unknown; use 'exact' or 'running'.")
    fast = None
    if s.fast and _stacked_step.supports(model, optimizer):
        workers = 1
        if device.type == "cpu" and s.threads is not None and s.threads > 1:
            # one Python thread per group of members, each kernel single-threaded: no OpenMP
            # barriers, which spin for long on a loaded machine
            workers = int(s.threads)
            torch.set_num_threads(1)  # train_ensemble restores the caller's setting
        fast = _stacked_step.StackedStep(model, optimizer, workers=workers)
    epochs = np.arange(start_epoch + 1, s.epochs + 1)
    more = {"initial": start_epoch, "total": s.epochs} if start_epoch else {}
    iterator = progress(epochs, desc="training", unit="epoch", **more) if progress else epochs
    loop = _Loop(model, optimizer, xt, yt, tr, te, batch, s.history == "running", fast)
    try:
        for epoch in iterator:  # type: ignore[attr-defined]
            i = int(epoch) - 1
            perms = np.stack([rng.permutation(n_train) for rng in rngs])
            loop.epoch(int(epoch), torch.as_tensor(perms, device=device), step_fn, hist, i)
            if capture_fn is not None and int(epoch) in capture_set:
                capture_fn(int(epoch), model)
            if epoch_end_fn is not None:
                state.epoch = int(epoch)
                epoch_end_fn(state)
    finally:
        if fast is not None:
            fast.release()
    return {"epoch": np.arange(first + 1, s.epochs + 1), **{k: v[first:] for k, v in hist.items()}}


class _Loop:
    """One epoch of mini-batch steps and the epoch's metrics (autograd or the stacked step)."""

    def __init__(
        self,
        model: nn.Module,
        optimizer: torch.optim.Optimizer,
        xt: torch.Tensor,
        yt: torch.Tensor,
        tr: torch.Tensor,
        te: torch.Tensor,
        batch: int,
        running: bool,
        fast: _stacked_step.StackedStep | None,
    ) -> None:
        self.model, self.optimizer, self.fast = model, optimizer, fast
        self.xt, self.yt, self.tr, self.te = xt, yt, tr, te
        self.batch, self.running, self.r = batch, running, model.n_models
        if fast is not None:  # inputs as (n_features, n_samples): the batch is the long axis
            self.x_rows = xt.reshape(xt.shape[0], -1)
            self.x_cols = self.x_rows.T.contiguous()
            self.x_cols_te = self.x_cols[:, te].contiguous()

    def epoch(
        self,
        epoch: int,
        perms: torch.Tensor,
        step_fn: StepFn | None,
        hist: dict[str, np.ndarray],
        i: int,
    ) -> None:
        """Train one epoch with the members' row orders ``perms`` (R, n_train); fill hist row i."""
        r, n_train, dev = self.r, self.tr.shape[0], self.xt.device
        order = torch.index_select(self.tr, 0, perms.reshape(-1)).view(r, n_train)
        ce_sum = torch.zeros(r, dtype=torch.float64, device=dev)
        n_correct = torch.zeros(r, dtype=torch.float64, device=dev)
        fast = self.fast
        if fast is not None:
            flat = order.reshape(-1)
            x_epoch = torch.index_select(self.x_rows, 0, flat).view(r, n_train, -1)
            x_epoch = x_epoch.transpose(1, 2)  # (R, n_features, n_train), a view
            y_epoch = torch.index_select(self.yt, 0, flat).view(r, n_train)
            sign_epoch = torch.sub(1.0, y_epoch, alpha=2.0).to(torch.float32)
        for step, start in enumerate(range(0, n_train, self.batch)):
            stop = start + self.batch
            if fast is not None:
                yb = y_epoch[:, start:stop]
                logits, per_sample = fast.forward_backward(
                    x_epoch[:, :, start:stop], yb, sign_epoch[:, start:stop]
                )
                if self.running:
                    ce_sum += per_sample.sum(1)
                    if logits.shape[1] == 2:  # argmax without the NaN rule (NaN shows in the loss)
                        n_correct += (torch.gt(logits[:, 1], logits[:, 0]) == yb).sum(1)
                    else:
                        n_correct += (logits.max(1).indices == yb).sum(1)
                if step_fn is not None:
                    step_fn(epoch, step, self.model)
                fast.optimizer_step()
                continue
            idx = order[:, start:stop]
            logits = self.model(self.xt[idx])
            per_sample = F.cross_entropy(
                logits.reshape(-1, logits.shape[-1]), self.yt[idx].reshape(-1), reduction="none"
            ).view(r, -1)
            loss = per_sample.mean(1).sum()
            if self.running:
                with torch.no_grad():
                    ce_sum += per_sample.sum(1)
                    n_correct += (logits.argmax(-1) == self.yt[idx]).sum(1)
            self.optimizer.zero_grad(set_to_none=False)
            loss.backward()
            if step_fn is not None:
                step_fn(epoch, step, self.model)
            self.optimizer.step()
        self._metrics(hist, i, ce_sum, n_correct, n_train)

    def _predict(self, rows: torch.Tensor | None) -> torch.Tensor:
        """Logits (R, n, C) of ``rows`` (``None``: every row)."""
        if self.fast is None:
            x = self.xt if rows is None else self.xt[rows]
            return _predict(self.model, x, EVAL_BATCH)
        cols = self.x_cols if rows is None else self.x_cols_te
        n = cols.shape[1]
        if n <= EVAL_BATCH:
            return self.fast.logits(cols)
        parts = [self.fast.logits(cols[:, j : j + EVAL_BATCH]) for j in range(0, n, EVAL_BATCH)]
        return torch.cat(parts, dim=1)

    @torch.no_grad()
    def _metrics(
        self,
        hist: dict[str, np.ndarray],
        i: int,
        ce_sum: torch.Tensor,
        n_correct: torch.Tensor,
        n_train: int,
    ) -> None:
        te, tr, yt = self.te, self.tr, self.yt
        if self.running:
            hist["train_loss"][i] = (ce_sum / n_train).cpu().numpy()
            hist["train_acc"][i] = (n_correct / n_train).cpu().numpy()
            logits_te = self._predict(te) if len(te) else None
        else:
            logits_all = self._predict(None)
            hist["train_loss"][i], hist["train_acc"][i] = _member_loss_acc(
                logits_all[:, tr], yt[tr]
            )
            logits_te = logits_all[:, te] if len(te) else None
        if logits_te is not None:
            hist["test_loss"][i], hist["test_acc"][i] = _member_loss_acc(logits_te, yt[te])
        else:
            hist["test_loss"][i] = hist["test_acc"][i] = np.nan
