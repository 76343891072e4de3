"""Variational (neural) lower bounds on mutual information: MINE, NWJ, InfoNCE and SMILE (torch).

- MINE: the Donsker-Varadhan bound ``I >= E_p[f] - ln E_{p(x)p(y)}[e^f]`` with the moving-average
  gradient correction of Belghazi et al. (2018), "Mutual Information Neural Estimation", ICML,
  arXiv 1801.04062.
- NWJ: ``I >= E_p[f] - e^{-1} E_{p(x)p(y)}[e^f]``, Nguyen, Wainwright & Jordan (2010), "Estimating
  Divergence Functionals and the Likelihood Ratio by Convex Risk Minimization", IEEE Trans. Inf.
  Theory 56(11):5847-5861, arXiv 0809.0853.
- InfoNCE: ``I >= E[ f(x_i, y_i) - ln 1/K sum_j e^{f(x_i, y_j)} ]`` over batches of K, van den Oord,
  Li & Vinyals (2018), arXiv 1807.03748; it cannot exceed ln K (Poole et al. 2019, "On Variational
  Bounds of Mutual Information", ICML, arXiv 1905.06922, which also analyses the other two).
- SMILE: ``E_p[f] - ln E_{p(x)p(y)}[clip(e^f, e^-tau, e^tau)]`` with a critic trained by the
  Jensen-Shannon objective, Song & Ermon (2020), "Understanding the Limitations of Variational
  Mutual Information Estimators", ICLR, arXiv 1910.06222, eq. 17 (the clip bounds the variance of
  the partition term; it is a biased estimate, not a bound, for tau < infinity).

Protocol (both ``estimate`` and the plane): the samples are split into a training part, a
validation part (``validation_fraction``) and a held-out test part (``test_fraction``). The critic
is trained on the first; every ``eval_every`` steps the bound is evaluated on the validation part
and the best critic kept (early stopping after ``patience`` evaluations without improvement); the
value returned is the bound of that critic on the test part, which took no part in training or in
the choice of the critic. Values that may be wrong are flagged, never returned silently:
``"not_converged"`` (still improving at ``n_steps``, or a held-out bound far below the 0 of a
constant critic), ``"saturated"`` (InfoNCE near ln K) and ``"ratio_clipped"`` (SMILE's clip moved
the value). ``estimate`` maps each continuous coordinate to normal scores first
(``preprocess="rank"``): mutual information is invariant to such monotone maps, and heavy tails
(Student-t samples 60 standard deviations out) no longer blow up ``e^f`` on held-out points.

On the plane the critic is ``f(t, y) = g(t)_y`` with g an MLP from T to one score per class,
trained for all representations of a batch at once (one batched network, ``torch.bmm``); the
expectation over the product of marginals is exact over the classes, and each representation keeps
its own best critic (its own early stopping).

I(X;T) on the plane is returned as NaN, on purpose: X is n distinct inputs each seen once, so a
critic f(x, t) has one sample per value of x and cannot be trained, and for a deterministic network
the quantity being bounded is infinite -- any finite number the bound returned would only reflect
the optimiser's budget (and InfoNCE would saturate at ln K). Use ``kde_upper``,
``sample_propagation`` or ``binning`` for I(X;T).

The critic runs on ``device`` (``None``: where the input tensors are; numpy arrays: the CPU).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from infoplane.estimators._common import (
    DeviceName,
    FollowsInputDevice,
    is_discrete,
    pow2_scale,
    row_codes,
    stratified_subset,
)
from infoplane.estimators.base import BaseEstimator, EstimatorParams, Float, Int, function_forms
from infoplane.estimators.registry import register
from infoplane.interface import InfoplaneError

_EMA = 0.01  # MINE's moving-average rate for the gradient correction
#: the most Adam steps (early stopping usually ends training sooner)
_AUTO_STEPS = {"estimate": 2000, "plane": 100}
#: steps between two evaluations of the validation bound
_AUTO_EVERY = {"estimate": 50, "plane": 20}
_AUTO_SAMPLES = {"estimate": None, "plane": 512}
_EVAL_BLOCK = 512  # held-out (test) pairs are scored in blocks of this many samples
_VAL_BLOCK = 128  # validation pairs are scored in blocks of this many samples (cheaper)

_SATURATION_MARGIN = 0.1  # nats: InfoNCE within this of its ceiling ln K is flagged "saturated"
#: nats: a held-out bound below -this is worse than a constant critic (0): "not_converged"
_NEGATIVE_FAILURE = 0.1
#: nats: the validation bound gained more than this in the last quarter of training (which ran
#: all n_steps): "not_converged"
_STILL_RISING = 0.02
#: SMILE: nats by which the clip moved the held-out partition term: above, "ratio_clipped"
_CLIP_EFFECT = 0.05


def _infonce_ceiling(n: int) -> float:
    """The largest held-out InfoNCE value on n samples, in nats: the mean of ln K over the
    evaluation blocks (K = block size; a last block of one sample is skipped)."""
    sizes = [_EVAL_BLOCK] * (n // _EVAL_BLOCK) + ([n % _EVAL_BLOCK] if n % _EVAL_BLOCK > 1 else [])
    return sum(k * math.log(k) for k in sizes) / sum(sizes)


def _split(n: int, test_fraction: float, validation_fraction: float, rng: Any) -> tuple:
    """(train, validation or None, test) index arrays of a seeded permutation of n samples.

    The validation part is dropped (no early stopping) when it would leave fewer than 2 samples
    in any part.
    """
    perm = rng.permutation(n)
    n_test = max(2, round(test_fraction * n))
    n_val = round(validation_fraction * n)
    if n_val < 2 or n - n_test - n_val < 2:
        n_val = 0
    te, va, tr = perm[:n_test], perm[n_test : n_test + n_val], perm[n_test + n_val :]
    return tr, (va if n_val else None), te


def _still_rising(history: list[tuple[int, float]], n_steps: int) -> bool:
    """True when the validation bound of the last quarter of the steps beat the rest's best."""
    early = [v for s, v in history if s <= 0.75 * n_steps]
    late = [v for s, v in history if s > 0.75 * n_steps]
    return bool(early and late and max(late) - max(early) > _STILL_RISING)


class VariationalParams(EstimatorParams):
    """Hyper-parameters of the variational bounds (MINE, NWJ, InfoNCE, SMILE)."""

    hidden: Int = Field(32, ge=1, description="width of the critic's hidden layer(s)")
    n_steps: Int | None = Field(
        None,
        ge=1,
        description="the most Adam steps (early stopping may end sooner); ``None`` = 2000 for "
        "``estimate``, 100 on the plane (every representation of a run gets its own critic)",
    )
    learning_rate: Float = Field(5e-3, gt=0, description="Adam learning rate")
    batch_size: Int = Field(128, ge=2, description="samples per step; InfoNCE's K in training")
    n_samples_max: Int | None = Field(
        None,
        ge=4,
        description="at most this many samples (class-stratified on the plane, seeded) are used, "
        "split into training, validation and test parts; ``None`` = all samples for "
        "``estimate``, 512 on the plane",
    )
    test_fraction: Float = Field(
        0.5, gt=0, le=0.9, description="held-out fraction on which the bound is evaluated"
    )
    validation_fraction: Float = Field(
        0.2,
        ge=0,
        le=0.5,
        description="fraction on which the bound is tracked for early stopping (not trained on, "
        "not reported); 0 = no early stopping (the critic after the last step)",
    )
    eval_every: Int | None = Field(
        None,
        ge=1,
        description="steps between two evaluations of the validation bound; ``None`` = 50 for "
        "``estimate``, 20 on the plane",
    )
    patience: Int = Field(
        5, ge=1, description="evaluations without improvement before training stops"
    )
    preprocess: Literal["rank", "standardize"] = Field(
        "rank",
        description='``estimate``, continuous columns: ``"rank"`` (normal scores '
        'Phi^-1(rank / (n + 1)), MI-invariant, robust to heavy tails) or ``"standardize"``',
    )
    device: DeviceName = Field(
        None,
        description="torch device of the critic: ``None`` (default) = where the input tensors "
        'are (numpy arrays and CPU tensors: the CPU), ``"cpu"``, ``"cuda"`` or ``"cuda:N"``',
    )
    seed: Int = Field(
        0, ge=0, description="seed of the subsample, split, initialisation and batches"
    )

    @model_validator(mode="after")
    def _fractions(self) -> VariationalParams:
        if self.test_fraction + self.validation_fraction > 0.9:
            raise ValueError(
                f"test_fraction + validation_fraction = "
                f"{self.test_fraction + self.validation_fraction:g} leaves less than 10% of the "
                "samples to train the critic; keep the sum at most 0.9"
            )
        return self


class SMILEParams(VariationalParams):
    """Hyper-parameters of SMILE: those of the other bounds and the clip ``clip`` (tau)."""

    clip: Float = Field(
        5.0,
        gt=0,
        description="tau: density ratios e^f of the partition term are clipped to "
        "[e^-tau, e^tau] (Song & Ermon 2020 use 1, 5 and infinity)",
    )


def _critic(d_in: int, hidden: int, gen: Any) -> Any:
    """A two-hidden-layer ReLU MLP to one score, initialised from ``gen`` (reproducible)."""
    import torch

    critic = torch.nn.Sequential(
        torch.nn.Linear(d_in, hidden),
        torch.nn.ReLU(),
        torch.nn.Linear(hidden, hidden),
        torch.nn.ReLU(),
        torch.nn.Linear(hidden, 1),
    )
    with torch.no_grad():
        for p in critic.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * (1.0 / math.sqrt(max(p.shape[-1], 1))))
    return critic


class _VariationalBase(FollowsInputDevice, BaseEstimator):
    kind: str = "mine"
    Params = VariationalParams
    plane_accepts_x = False
    plane_defines_i_xt = False
    example_params: ClassVar[dict[str, Any]] = {"n_steps": 5}

    def _steps(self, mode: str) -> int:
        return self.n_steps if self.n_steps is not None else _AUTO_STEPS[mode]

    def _every(self, mode: str) -> int:
        return self.eval_every if self.eval_every is not None else _AUTO_EVERY[mode]

    def _samples(self, mode: str) -> int | None:
        return self.n_samples_max if self.n_samples_max is not None else _AUTO_SAMPLES[mode]

    def _device(self) -> Any:
        """The torch device: the ``device`` parameter, else the inputs' (CPU for numpy)."""
        import torch

        return torch.device(self._torch_device() or "cpu")

    @property
    def _tau(self) -> float:
        return float(self.params.clip) if self.kind == "smile" else math.inf

    # -- general pairs: concatenation critic f([x, y]) ---------------------------------------------
    def _mi_nats(self, x: np.ndarray, y: np.ndarray) -> tuple[float, tuple[str, ...]]:
        import torch

        device = self._device()
        gen = torch.Generator().manual_seed(self.seed)
        rng = np.random.default_rng(self.seed)
        n = x.shape[0]
        n_max = self._samples("estimate")
        if n_max is not None and n > n_max:
            idx = rng.choice(n, n_max, replace=False)
            x, y = x[idx], y[idx]
            n = n_max
        xf = _features(x, self.preprocess)
        yf = _features(y, self.preprocess)
        tr, va, te = _split(n, self.test_fraction, self.validation_fraction, rng)
        if len(tr) < 2 or len(te) < 2:
            raise InfoplaneError(
                f"{self.name}: {n} samples are too few to train the critic on one part and "
                f"evaluate the bound on the other (test_fraction={self.test_fraction}); pass at "
                "least 4 samples, better hundreds."
            )
        xt = torch.as_tensor(xf, dtype=torch.float32, device=device)
        yt = torch.as_tensor(yf, dtype=torch.float32, device=device)
        critic = _critic(xt.shape[1] + yt.shape[1], self.hidden, gen).to(device)
        opt = torch.optim.Adam(critic.parameters(), lr=self.learning_rate)
        k = min(self.batch_size, len(tr))
        n_steps, every = self._steps("estimate"), self._every("estimate")
        tr_t = torch.as_tensor(tr, device=device)
        va_t = None if va is None else torch.as_tensor(va, device=device)
        history: list[tuple[int, float]] = []
        best, best_state, stale, stopped = -math.inf, None, 0, False

        def validate(step: int) -> bool:
            """Track the validation bound; True when training should stop."""
            nonlocal best, best_state, stale
            with torch.no_grad():
                v = float(self._pair_eval(critic, xt[va_t], yt[va_t], gen, _VAL_BLOCK))
            history.append((step, v))
            if v > best:
                best, stale = v, 0
                best_state = {key: t.detach().clone() for key, t in critic.state_dict().items()}
                return False
            stale += 1
            return stale >= self.patience

        if va_t is not None:
            validate(0)
        ema = None
        for step in range(1, n_steps + 1):
            sel = torch.randperm(len(tr), generator=gen)[:k].to(device)
            loss, ema = self._pair_loss(critic, xt[tr_t[sel]], yt[tr_t[sel]], ema, gen)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if va_t is not None and (step % every == 0 or step == n_steps) and validate(step):
                stopped = True
                break
        if best_state is not None:
            critic.load_state_dict(best_state)
        te_t = torch.as_tensor(te, device=device)
        with torch.no_grad():
            value = float(self._pair_eval(critic, xt[te_t], yt[te_t], gen))
            clip = self._clip_effect(critic, xt[te_t], yt[te_t]) if self.kind == "smile" else 0.0
        flags: list[str] = []
        if value < -_NEGATIVE_FAILURE or (not stopped and _still_rising(history, n_steps)):
            flags.append("not_converged")
        if self.kind == "infonce":
            cap = min(_infonce_ceiling(len(te)), math.log(k))  # evaluation and training K
            if value >= cap - _SATURATION_MARGIN:
                flags.append("saturated")
        if clip > _CLIP_EFFECT:
            flags.append("ratio_clipped")
        return value, tuple(flags)

    def _pair_scores(self, critic: Any, xb: Any, yb: Any) -> Any:
        """Critic on all pairs (K, K): row i = x_i with every y_j."""
        import torch

        k = xb.shape[0]
        pairs = torch.cat(
            [xb[:, None, :].expand(k, k, xb.shape[1]), yb[None, :, :].expand(k, k, yb.shape[1])], -1
        )
        return critic(pairs)[..., 0]

    def _pair_loss(self, critic: Any, xb: Any, yb: Any, ema: Any, gen: Any) -> tuple[Any, Any]:
        """Training loss on a batch of K pairs. InfoNCE scores all K^2 pairs (the diagonal is
        the joint); the other bounds score the K joint pairs and K pairs of the product of the
        marginals, (x_i, y_{i+s}) for a random shift s in 1..K-1 (O(K) per step, not O(K^2))."""
        import torch
        import torch.nn.functional as F

        if self.kind == "infonce":
            s = self._pair_scores(critic, xb, yb)
            return -(s.diagonal() - torch.logsumexp(s, 1)).mean(), ema
        k = xb.shape[0]
        shift = int(torch.randint(1, k, (1,), generator=gen))
        f_joint = critic(torch.cat([xb, yb], 1))[:, 0]
        f_marg = critic(torch.cat([xb, torch.roll(yb, shift, 0)], 1))[:, 0]
        if self.kind == "nwj":
            return -(f_joint.mean() - torch.exp(f_marg - 1).mean()), ema
        if self.kind == "smile":  # Jensen-Shannon (f-GAN) training objective (Song & Ermon 2020)
            return F.softplus(-f_joint).mean() + F.softplus(f_marg).mean(), ema
        mean_exp = torch.exp(f_marg.clamp(max=80.0)).mean()
        ema = mean_exp.detach() if ema is None else (1 - _EMA) * ema + _EMA * mean_exp.detach()
        # gradient of ln E[e^f] with the denominator replaced by its moving average (Belghazi 2018)
        return -(f_joint.mean() - mean_exp / ema), ema

    def _pair_eval(
        self, critic: Any, xb: Any, yb: Any, gen: Any, block: int = _EVAL_BLOCK
    ) -> float:
        """The bound on held-out pairs, in blocks of ``block`` samples (memory O(block^2)).

        The product of marginals is every (x_i, y_j), i != j, within a block; InfoNCE uses
        K = the block size (ln K caps each block's value). Computed in float64.
        """
        import torch

        n = xb.shape[0]
        joint_sum, nce_sum = 0.0, 0.0
        lse_parts, n_off = [], 0
        tau = self._tau
        for s0 in range(0, n, block):
            xs, ys = xb[s0 : s0 + block], yb[s0 : s0 + block]
            if xs.shape[0] < 2:  # a last block of one sample has no negative pair: skip it
                continue
            sc = self._pair_scores(critic, xs, ys).double()
            k = sc.shape[0]
            joint_sum += float(sc.diagonal().sum())
            nce_sum += float((sc.diagonal() - torch.logsumexp(sc, 1)).sum()) + k * math.log(k)
            off = sc[~torch.eye(k, dtype=torch.bool, device=sc.device)]
            if math.isfinite(tau):
                off = off.clamp(-tau, tau)
            lse_parts.append(torch.logsumexp(off, 0))
            n_off += off.numel()
        n_used = n if n % block != 1 else n - 1
        if self.kind == "infonce":
            return nce_sum / n_used
        lse = float(torch.logsumexp(torch.stack(lse_parts), 0)) - math.log(n_off)
        joint = joint_sum / n_used
        if self.kind == "nwj":
            # e^(lse - 1) is capped at e^700 (float64's range): the bound is then hugely negative
            # either way, and flagged "not_converged"
            return joint - math.exp(min(lse - 1.0, 700.0))
        return joint - lse  # DV (MINE), clipped DV (SMILE)

    def _clip_effect(self, critic: Any, xb: Any, yb: Any) -> float:
        """|ln E_q[e^f] - ln E_q[clip(e^f)]| in nats on held-out pairs: how much SMILE's clip
        moved the value (the share of clipped ratios alone overstates it: ratios clipped up to
        e^-tau change the partition term by at most e^-tau)."""
        import torch

        raw, clipped = [], []
        for s0 in range(0, xb.shape[0], _EVAL_BLOCK):
            xs, ys = xb[s0 : s0 + _EVAL_BLOCK], yb[s0 : s0 + _EVAL_BLOCK]
            if xs.shape[0] < 2:
                continue
            sc = self._pair_scores(critic, xs, ys).double()
            off = sc[~torch.eye(sc.shape[0], dtype=torch.bool, device=sc.device)]
            raw.append(torch.logsumexp(off, 0))
            clipped.append(torch.logsumexp(off.clamp(-self._tau, self._tau), 0))
        if not raw:
            return 0.0
        return abs(
            float(torch.logsumexp(torch.stack(raw), 0) - torch.logsumexp(torch.stack(clipped), 0))
        )

    # -- the plane: class-score critic g(t)_y, batched over representations ------------------------
    def _plane_nats(
        self, flat: np.ndarray, lab: np.ndarray, x: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(NaN, I(T;Y) lower bound) per representation; the critics are trained in one batch."""
        import torch

        device = self._device()
        idx = stratified_subset(lab, self._samples("plane"), self.seed)
        rng = np.random.default_rng(self.seed)
        tr, va, te = _split(len(idx), self.test_fraction, self.validation_fraction, rng)
        tr, te = idx[tr], idx[te]
        va = None if va is None else idx[va]
        if len(tr) < 2:
            raise InfoplaneError(
                f"{self.name}: {len(idx)} samples are too few to train the critics on one part and "
                "evaluate the bound on the other; pass at least 4 samples, better hundreds."
            )
        classes, y_all = np.unique(lab, return_inverse=True)
        c = len(classes)
        p_y = torch.as_tensor(
            np.bincount(y_all, minlength=c) / len(y_all), dtype=torch.float32, device=device
        )

        def labels_at(i: np.ndarray | None) -> Any:
            return None if i is None else torch.as_tensor(y_all[i], device=device)

        b_all = flat.shape[0]
        out = np.empty(b_all)
        chunk = 256
        for s in range(0, b_all, chunk):
            # an exact power-of-two rescaling first: the float32 standardisation cannot overflow
            tt = torch.as_tensor(
                pow2_scale(flat[s : s + chunk], axis=(1, 2))[0], dtype=torch.float32, device=device
            )
            # per-representation standardisation over all its samples (an affine map: MI is
            # invariant to it; no labels used), so no value exceeds sqrt(n) standard deviations
            mu = tt.mean(1, keepdim=True)
            sd = tt.std(1, keepdim=True).clamp_(min=1e-6)
            tt = (tt - mu) / sd
            t_va = None if va is None else tt[:, va]
            out[s : s + chunk] = self._fit_plane(
                (tt[:, tr], labels_at(tr)), (t_va, labels_at(va)), (tt[:, te], labels_at(te)), p_y
            )
        return np.full(b_all, np.nan), out

    def _fit_plane(self, train: tuple, val: tuple, test: tuple, p_y: Any) -> np.ndarray:
        import torch

        t_tr, y_tr = train
        t_va, y_va = val
        t_te, y_te = test
        b, d = t_tr.shape[0], t_tr.shape[2]
        c = p_y.shape[0]
        h = self.hidden
        device = t_tr.device

        # The same initial critic and mini-batch sequence for every representation, and early
        # stopping per representation: each critic's training and choice are independent of the
        # others in the batch (Adam is elementwise and the loss a sum), so chunked or online
        # estimation gives the values of one call on the whole run.
        gen = torch.Generator().manual_seed(self.seed)

        def init(*shape: int) -> Any:
            w = torch.randn((1, *shape[1:]), generator=gen) / math.sqrt(shape[-2])
            return w.repeat(shape[0], 1, 1).to(device).requires_grad_()

        w1, w2 = init(b, d, h), init(b, h, c)
        b1 = torch.zeros(b, 1, h, device=device, requires_grad=True)
        b2 = torch.zeros(b, 1, c, device=device, requires_grad=True)
        params = [w1, b1, w2, b2]
        opt = torch.optim.Adam(params, lr=self.learning_rate)

        def scores(tb: Any, ps: list[Any]) -> Any:
            return torch.baddbmm(ps[3], torch.relu(torch.baddbmm(ps[1], tb, ps[0])), ps[2])

        best = [p.detach().clone() for p in params]
        best_val = torch.full((b,), -math.inf, dtype=torch.float64, device=device)
        stale = torch.zeros(b, dtype=torch.long, device=device)

        def validate() -> bool:
            """Keep each representation's best critic; True when all have stopped."""
            with torch.no_grad():
                v, _ = self._plane_objective(
                    scores(t_va, params).double(), y_va, p_y.double(), None, train=False
                )
                live = stale < self.patience
                better = (v > best_val) & live
                for keep, p in zip(best, params, strict=True):
                    keep.copy_(torch.where(better[:, None, None], p.detach(), keep))
                best_val.copy_(torch.where(better, v, best_val))
                stale.copy_(torch.where(better, 0, stale + live.long()))
            return bool((stale >= self.patience).all())

        has_val = t_va is not None
        if has_val:
            validate()
        n_tr = t_tr.shape[1]
        k = min(self.batch_size, n_tr)
        n_steps, every = self._steps("plane"), self._every("plane")
        ema = None
        for step in range(1, n_steps + 1):
            sel = torch.randperm(n_tr, generator=gen)[:k].to(device)
            g = scores(t_tr[:, sel], params)
            loss, ema = self._plane_objective(g, y_tr[sel], p_y, ema, train=True)
            opt.zero_grad()
            loss.sum().backward()
            opt.step()
            if has_val and (step % every == 0 or step == n_steps) and validate():
                break
        final = best if has_val else [p.detach() for p in params]
        with torch.no_grad():
            # evaluated in float64: e^f of a large held-out score does not overflow
            val, _ = self._plane_objective(
                scores(t_te, final).double(), y_te, p_y.double(), None, train=False
            )
        return val.cpu().numpy().astype(np.float64)

    def _plane_objective(
        self, g: Any, y: Any, p_y: Any, ema: Any, *, train: bool
    ) -> tuple[Any, Any]:
        """Per-representation bound (eval) or loss (train) for class scores g (b, m, c)."""
        import torch
        import torch.nn.functional as F

        f_joint = g.gather(2, y[None, :, None].expand(g.shape[0], -1, 1))[..., 0]  # (b, m)
        if self.kind == "infonce":
            counts = torch.bincount(y, minlength=g.shape[2]).to(g.dtype)
            # sum over the batch's y_j of e^{g(t_i)_{y_j}} = sum_c count_c e^{g(t_i)_c}
            lse = torch.logsumexp(g + torch.log(counts.clamp(min=1e-30)), 2) - math.log(y.shape[0])
            bound = (f_joint - lse).mean(1)
            return (-bound if train else bound), ema
        log_p = torch.log(p_y)
        if self.kind == "smile" and train:  # Jensen-Shannon objective, exact over the classes
            marg_sp = (F.softplus(g) * p_y).sum(2)  # E_y softplus(g(t)_y), (b, m)
            return F.softplus(-f_joint).mean(1) + marg_sp.mean(1), ema
        gm = g.clamp(-self._tau, self._tau) if self.kind == "smile" else g
        # E over p(t)p(y), exact over the classes: e^{g(t)_y} weighted by p(y)
        marg = torch.logsumexp(gm + log_p, 2)  # ln sum_y p(y) e^{g(t)_y}, (b, m)
        lse = torch.logsumexp(marg, 1) - math.log(marg.shape[1])  # ln E_q[e^f]
        if self.kind == "nwj":
            bound = f_joint.mean(1) - torch.exp((marg - 1).clamp(max=700.0)).mean(1)
            return (-bound if train else bound), ema
        if not train:
            return f_joint.mean(1) - lse, ema
        mean_exp = torch.exp(marg.clamp(max=80.0)).mean(1)
        ema = mean_exp.detach() if ema is None else (1 - _EMA) * ema + _EMA * mean_exp.detach()
        return -(f_joint.mean(1) - mean_exp / ema), ema


def _normal_scores(a: np.ndarray) -> np.ndarray:
    """Per-column normal scores Phi^{-1}(rank / (n + 1)), ties sharing their average rank."""
    from scipy.special import ndtri
    from scipy.stats import rankdata

    return ndtri(rankdata(a, axis=0) / (a.shape[0] + 1))


def _features(a: np.ndarray, preprocess: str = "standardize") -> np.ndarray:
    """Critic inputs: one-hot rows for discrete arrays; for continuous ones normal scores
    (``"rank"``) or standardised columns (``"standardize"``)."""
    if is_discrete(a):
        codes = row_codes(a)
        return np.eye(int(codes.max()) + 1, dtype=np.float32)[codes]
    a, _ = pow2_scale(a, axis=0)  # exact; the standard deviation cannot overflow or underflow
    if preprocess == "rank":
        a = _normal_scores(a)
    sd = a.std(0)
    return ((a - a.mean(0)) / np.where(sd > 0, sd, 1.0)).astype(np.float32)


_COMMON_DOC = """
    ``estimate(x, y)`` trains a critic f([x, y]) (an MLP on the concatenation; discrete variables
    one-hot, continuous coordinates as normal scores by default) on the training part of the
    samples, keeps the critic with the best bound on the validation part (early stopping) and
    returns its bound on the test part. ``information_plane`` trains one class-score critic per
    representation, all in one batch, with the same protocol per representation, and returns
    (NaN, the I(T;Y) bound): I(X;T) is NaN by design (see the module docstring).

    Args:
        {params}

    Shapes: ``estimate``: x (n_samples, d_x), y (n_samples, d_y); ``information_plane``: t
    (..., n_samples, n_units), labels (n_samples,).

    Returns:
        ``estimate``: an :class:`~infoplane.interface.MIResult` in ``unit``, never negative.
        ``information_plane``: (i_xt, i_ty) of shape ``t.shape[:-2]``: i_xt all NaN, i_ty in
        ``unit`` clipped at 0.

    Raises:
        InfoplaneError: for invalid parameters (e.g. ``test_fraction + validation_fraction >
            0.9``), bad data, fewer than 4 samples (2 to train, 2 to evaluate), ``x`` passed to
            ``information_plane``, or ``device="cuda"`` without a GPU.
        InfoplaneRuntimeError: if training diverged (a NaN or infinite bound).

    Notes:
        {notes} A lower bound estimated on held-out samples can come out negative (independent
        data, too few steps); it is then clipped to 0 and the result flagged
        ``"clipped_negative"``: 0 means "no information detected". A held-out bound below -0.1
        nats (worse than a constant critic, whose bound is 0), or one still rising by more than
        0.02 nats in the last quarter of ``n_steps`` (training did not stop early), is flagged
        ``"not_converged"``. Data of any magnitude are rescaled by a power of two before the
        critic's preprocessing.

    References:
        {refs}

    Example:
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> x = rng.standard_normal((256, 1))
        >>> r = {cls}(n_steps=5).estimate(x, rng.standard_normal((256, 1)))   # independent
        >>> r.value >= 0 and (r.value > 0 or "clipped_negative" in r.flags)
        True
"""


@register
class MINEEstimator(_VariationalBase):
    """MINE: Donsker-Varadhan lower bound with a trained critic (Belghazi et al. 2018).

    .. math:: I(X;Y) \\ge \\mathbb E_p[f] - \\ln \\mathbb E_{p(x)p(y)}[e^{f}]
    """

    __doc__ = (__doc__ or "") + _COMMON_DOC.format(
        notes="Biased, high variance for large MI (McAllester & Stratos 2020).",
        refs="Belghazi, M. I. et al. (2018). Mutual Information Neural Estimation. ICML. "
        "arXiv 1801.04062.",
        cls="MINEEstimator",
        params="{params}",
    )
    name = "mine"
    kind = "mine"


@register
class NWJEstimator(_VariationalBase):
    """NWJ (f-divergence) lower bound with a trained critic (Nguyen, Wainwright & Jordan 2010).

    .. math:: I(X;Y) \\ge \\mathbb E_p[f] - e^{-1} \\mathbb E_{p(x)p(y)}[e^{f}]
    """

    __doc__ = (__doc__ or "") + _COMMON_DOC.format(
        notes="Unbiased gradient, variance grows as e^I (Poole et al. 2019).",
        refs="Nguyen, X., Wainwright, M. J., Jordan, M. I. (2010). Estimating Divergence "
        "Functionals and the Likelihood Ratio by Convex Risk Minimization. IEEE Trans. Inf. "
        "Theory 56(11):5847-5861. arXiv 0809.0853.",
        cls="NWJEstimator",
        params="{params}",
    )
    name = "nwj"
    kind = "nwj"


@register
class InfoNCEEstimator(_VariationalBase):
    """InfoNCE contrastive lower bound (van den Oord et al. 2018); never exceeds ln K.

    .. math:: I(X;Y) \\ge \\mathbb E\\left[f(x_i,y_i)
        - \\ln \\frac1K \\sum_{j} e^{f(x_i,y_j)}\\right]
    """

    __doc__ = (__doc__ or "") + _COMMON_DOC.format(
        notes="Low variance; a stated cap: the held-out value cannot exceed ln K, K = min(test "
        "part, 512) (the evaluation block) -- ln 256 = 8 bits on the plane at the defaults (256 "
        "test samples), ln 512 = 9 bits for ``estimate`` on 1024 or more samples -- and the "
        "critic is trained at K = min(batch_size, training part), whose objective saturates at "
        "ln K (7 bits at batch_size=128). ``estimate`` flags a value within 0.1 nats of either "
        'ln K ``"saturated"``: the true MI may be larger (raise batch_size, or use another '
        "estimator).",
        refs="1. van den Oord, A., Li, Y., Vinyals, O. (2018). Representation Learning with "
        "Contrastive Predictive Coding. arXiv 1807.03748. 2. Poole, B. et al. (2019). On "
        "Variational Bounds of Mutual Information. ICML. arXiv 1905.06922.",
        cls="InfoNCEEstimator",
        params="{params}",
    )
    name = "infonce"
    kind = "infonce"


@register
class SMILEEstimator(_VariationalBase):
    """SMILE: the clipped Donsker-Varadhan estimate, Jensen-Shannon critic (Song & Ermon 2020).

    .. math:: \\hat I = \\mathbb E_p[f] - \\ln \\mathbb E_{p(x)p(y)}
        [\\mathrm{clip}(e^{f}, e^{-\\tau}, e^{\\tau})]
    """

    __doc__ = (__doc__ or "") + _COMMON_DOC.format(
        notes="The critic is trained with the Jensen-Shannon (f-GAN) objective, whose optimum is "
        "the log density ratio, and the value is the DV formula with the ratios e^f of the "
        "partition term clipped to [e^-tau, e^tau] (``clip`` = tau): the variance of that term "
        "stays bounded (it grows as e^I for MINE/NWJ), at the price of a bias -- for tau < "
        "infinity the value is not a bound, and it cannot see log density ratios beyond tau. "
        "When the clip moves the held-out partition term ln E[e^f] by more than 0.05 nats the "
        'value is flagged ``"ratio_clipped"``.',
        refs="1. Song, J., Ermon, S. (2020). Understanding the Limitations of Variational Mutual "
        "Information Estimators. ICLR. arXiv 1910.06222, eq. 17 (SMILE). 2. Poole, B. et al. "
        "(2019). On Variational Bounds of Mutual Information. ICML. arXiv 1905.06922.",
        cls="SMILEEstimator",
        params="{params}",
    )
    name = "smile"
    kind = "smile"
    Params = SMILEParams


mine_mutual_information, mine_information_plane = function_forms(MINEEstimator)
nwj_mutual_information, nwj_information_plane = function_forms(NWJEstimator)
infonce_mutual_information, infonce_information_plane = function_forms(InfoNCEEstimator)
smile_mutual_information, smile_information_plane = function_forms(SMILEEstimator)

__test__ = {
    f.__name__: f
    for f in (
        mine_mutual_information,
        mine_information_plane,
        nwj_mutual_information,
        nwj_information_plane,
        infonce_mutual_information,
        infonce_information_plane,
        smile_mutual_information,
        smile_information_plane,
    )
}

__all__ = [
    "InfoNCEEstimator",
    "MINEEstimator",
    "NWJEstimator",
    "SMILEEstimator",
    "infonce_information_plane",
    "infonce_mutual_information",
    "mine_information_plane",
    "mine_mutual_information",
    "nwj_information_plane",
    "nwj_mutual_information",
    "smile_information_plane",
    "smile_mutual_information",
]
