"""Variational (neural) lower bounds on mutual information: MINE, NWJ and InfoNCE (torch).

- MINE: the Donsker-Varadhan bound ``I >= E_p[f] - ln E_{p(x)p(y)}[e^f]`` with the moving-average
  gradient correction of Belghazi et al. (2018), "Mutual Information Neural Estimation", ICML,
  arXiv 1801.04062.
- NWJ: ``I >= E_p[f] - e^{-1} E_{p(x)p(y)}[e^f]``, Nguyen, Wainwright & Jordan (2010), "Estimating
  Divergence Functionals and the Likelihood Ratio by Convex Risk Minimization", IEEE Trans. Inf.
  Theory 56(11):5847-5861, arXiv 0809.0853.
- InfoNCE: ``I >= E[ f(x_i, y_i) - ln 1/K sum_j e^{f(x_i, y_j)} ]`` over batches of K, van den Oord,
  Li & Vinyals (2018), arXiv 1807.03748; it cannot exceed ln K (Poole et al. 2019, "On Variational
  Bounds of Mutual Information", ICML, arXiv 1905.06922, which also analyses the other two).

A critic network is trained on one half of the samples and the bound is evaluated on the other half
(so over-fitting does not inflate it). These bounds suit I(T;Y) with a discrete Y and moderate MI:
on the plane, the critic is ``f(t, y) = g(t)_y`` with g an MLP from T to one score per class,
trained for all representations of a batch at once (one batched network, ``torch.bmm``), and the
expectation over the product of marginals is exact over the classes.

I(X;T) on the plane is returned as NaN, on purpose: X is n distinct inputs each seen once, so a
critic f(x, t) has one sample per value of x and cannot be trained, and for a deterministic network
the quantity being bounded is infinite -- any finite number the bound returned would only reflect
the optimiser's budget (and InfoNCE would saturate at ln K). Use ``kde_upper``,
``sample_propagation`` or ``binning`` for I(X;T).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
from pydantic import Field

from infoplane.estimators._common import is_discrete, pow2_scale, row_codes, stratified_subset
from infoplane.estimators.base import BaseEstimator, EstimatorParams, Float, Int, function_forms
from infoplane.estimators.registry import register
from infoplane.interface import InfoplaneError

_EMA = 0.01  # MINE's moving-average rate for the gradient correction
_AUTO_STEPS = {"estimate": 400, "plane": 100}
_AUTO_SAMPLES = {"estimate": None, "plane": 512}
_EVAL_BLOCK = 512  # held-out pairs are scored in blocks of this many samples


_SATURATION_MARGIN = 0.1  # nats: InfoNCE within this of its ceiling ln K is flagged "saturated"


def _infonce_ceiling(n: int) -> float:
    """The largest held-out InfoNCE value on n samples, in nats: the mean of ln K over the
    evaluation blocks (K = block size; a last block of one sample is skipped)."""
    sizes = [_EVAL_BLOCK] * (n // _EVAL_BLOCK) + ([n % _EVAL_BLOCK] if n % _EVAL_BLOCK > 1 else [])
    return sum(k * math.log(k) for k in sizes) / sum(sizes)


def _bound_from_scores(kind: str, joint: float, marg_lse: float) -> float:
    """Bound value (per batch element) from the critic's scores.

    joint: mean of f on the joint samples; marg_lse: ln E_q[e^f].
    """
    if kind == "mine":
        return joint - marg_lse
    if kind == "nwj":
        # e^(lse - 1) is capped at e^700 (float64's range): the bound is then hugely negative
        # either way, and the contract clips it to 0 with the flag "clipped_negative"
        return joint - math.exp(min(marg_lse - 1.0, 700.0))
    raise AssertionError(kind)


class VariationalParams(EstimatorParams):
    """Hyper-parameters of the variational bounds (MINE, NWJ, InfoNCE)."""

    hidden: Int = Field(32, ge=1, description="width of the critic's hidden layer(s)")
    n_steps: Int | None = Field(
        None,
        ge=1,
        description="Adam steps; ``None`` = 400 for ``estimate``, 100 on the plane (fast "
        "defaults: every representation of a run gets its own critic)",
    )
    learning_rate: Float = Field(5e-3, gt=0, description="Adam learning rate")
    batch_size: Int = Field(128, ge=2, description="samples per step; InfoNCE's K in training")
    n_samples_max: Int | None = Field(
        None,
        ge=4,
        description="at most this many samples (class-stratified on the plane, seeded) are used, "
        "split into training and held-out parts; ``None`` = all samples for ``estimate``, 512 on "
        "the plane",
    )
    test_fraction: Float = Field(
        0.5, gt=0, le=0.9, description="held-out fraction on which the bound is evaluated"
    )
    seed: Int = Field(
        0, ge=0, description="seed of the subsample, split, initialisation and batches"
    )


class _VariationalBase(BaseEstimator):
    kind: str = "mine"
    Params = VariationalParams
    plane_accepts_x = False
    plane_defines_i_xt = False
    example_params: ClassVar[dict[str, Any]] = {"n_steps": 5}

    def _steps(self, mode: str) -> int:
        return self.n_steps if self.n_steps is not None else _AUTO_STEPS[mode]

    def _samples(self, mode: str) -> int | None:
        return self.n_samples_max if self.n_samples_max is not None else _AUTO_SAMPLES[mode]

    # -- general pairs: concatenation critic f([x, y]) ---------------------------------------------
    def _mi_nats(self, x: np.ndarray, y: np.ndarray) -> float:
        import torch

        gen = torch.Generator().manual_seed(self.seed)
        rng = np.random.default_rng(self.seed)
        n = x.shape[0]
        n_max = self._samples("estimate")
        if n_max is not None and n > n_max:
            idx = rng.choice(n, n_max, replace=False)
            x, y = x[idx], y[idx]
            n = n_max
        xf = _features(x)
        yf = _features(y)
        perm = rng.permutation(n)
        n_test = max(2, round(self.test_fraction * n))
        te, tr = perm[:n_test], perm[n_test:]
        if len(tr) < 2 or len(te) < 2:
            raise InfoplaneError(
                f"{self.name}: {n} samples are too few to train the critic on one part and "
                f"evaluate the bound on the other (test_fraction={self.test_fraction}); pass at "
                "least 4 samples, better hundreds."
            )
        xt, yt = torch.as_tensor(xf, dtype=torch.float32), torch.as_tensor(yf, dtype=torch.float32)
        d_in = xt.shape[1] + yt.shape[1]
        critic = torch.nn.Sequential(
            torch.nn.Linear(d_in, self.hidden),
            torch.nn.ReLU(),
            torch.nn.Linear(self.hidden, self.hidden),
            torch.nn.ReLU(),
            torch.nn.Linear(self.hidden, 1),
        )
        with torch.no_grad():
            for p in critic.parameters():
                p.copy_(
                    torch.randn(p.shape, generator=gen) * (1.0 / math.sqrt(max(p.shape[-1], 1)))
                )
        opt = torch.optim.Adam(critic.parameters(), lr=self.learning_rate)
        k = min(self.batch_size, len(tr))
        ema = None
        for _ in range(self._steps("estimate")):
            b = torch.as_tensor(tr[torch.randperm(len(tr), generator=gen)[:k].numpy()])
            loss, ema = self._pair_loss(critic, xt[b], yt[b], gen, ema)
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            value = float(self._pair_eval(critic, xt[te], yt[te], gen))
        if self.kind == "infonce" and value >= _infonce_ceiling(len(te)) - _SATURATION_MARGIN:
            return value, ("saturated",)
        return value

    def _pair_scores(self, critic: Any, xb: Any, yb: Any) -> Any:
        """Critic on all pairs (K, K): row i = x_i with every y_j."""
        import torch

        k = xb.shape[0]
        pairs = torch.cat(
            [xb[:, None, :].expand(k, k, xb.shape[1]), yb[None, :, :].expand(k, k, yb.shape[1])], -1
        )
        return critic(pairs)[..., 0]

    def _pair_loss(self, critic: Any, xb: Any, yb: Any, gen: Any, ema: Any) -> tuple[Any, Any]:
        import torch

        if self.kind == "infonce":
            s = self._pair_scores(critic, xb, yb)
            return -(s.diagonal() - torch.logsumexp(s, 1)).mean(), ema
        f_joint = critic(torch.cat([xb, yb], 1))[:, 0]
        yb_shuf = yb[torch.randperm(yb.shape[0], generator=gen)]
        f_marg = critic(torch.cat([xb, yb_shuf], 1))[:, 0]
        if self.kind == "nwj":
            return -(f_joint.mean() - torch.exp(f_marg - 1).mean()), ema
        mean_exp = torch.exp(f_marg).mean()
        ema = mean_exp.detach() if ema is None else (1 - _EMA) * ema + _EMA * mean_exp.detach()
        # gradient of ln E[e^f] with the denominator replaced by its moving average (Belghazi 2018)
        return -(f_joint.mean() - mean_exp / ema), ema

    def _pair_eval(self, critic: Any, xb: Any, yb: Any, gen: Any) -> float:
        """The bound on the held-out pairs, in blocks of ``_EVAL_BLOCK`` (memory O(block^2)).

        The product of marginals is every (x_i, y_j), i != j, within a block; InfoNCE uses
        K = the block size (ln K caps each block's value).
        """
        import torch

        n = xb.shape[0]
        joint_sum, nce_sum = 0.0, 0.0
        lse_parts, n_off = [], 0
        for s0 in range(0, n, _EVAL_BLOCK):
            xs, ys = xb[s0 : s0 + _EVAL_BLOCK], yb[s0 : s0 + _EVAL_BLOCK]
            if xs.shape[0] < 2:  # a last block of one sample has no negative pair: skip it
                continue
            sc = self._pair_scores(critic, xs, ys)
            k = sc.shape[0]
            joint_sum += float(sc.diagonal().sum())
            nce_sum += float((sc.diagonal() - torch.logsumexp(sc, 1)).sum()) + k * math.log(k)
            off = sc[~torch.eye(k, dtype=torch.bool)]
            lse_parts.append(torch.logsumexp(off, 0))
            n_off += off.numel()
        n_used = n if n % _EVAL_BLOCK != 1 else n - 1
        if self.kind == "infonce":
            return nce_sum / n_used
        lse = float(torch.logsumexp(torch.stack(lse_parts), 0)) - math.log(n_off)
        return float(_bound_from_scores(self.kind, joint_sum / n_used, lse))

    # -- the plane: class-score critic g(t)_y, batched over representations ------------------------
    def _plane_nats(
        self, flat: np.ndarray, lab: np.ndarray, x: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(NaN, I(T;Y) lower bound) per representation; the critics are trained in one batch."""
        import torch

        idx = stratified_subset(lab, self._samples("plane"), self.seed)
        rng = np.random.default_rng(self.seed)
        idx = rng.permutation(idx)
        n_test = max(2, round(self.test_fraction * len(idx)))
        te, tr = idx[:n_test], idx[n_test:]
        if len(tr) < 2:
            raise InfoplaneError(
                f"{self.name}: {len(idx)} samples are too few to train the critics on one part and "
                "evaluate the bound on the other; pass at least 4 samples, better hundreds."
            )
        classes, y_all = np.unique(lab, return_inverse=True)
        c = len(classes)
        p_y = torch.as_tensor(np.bincount(y_all, minlength=c) / len(y_all), dtype=torch.float32)
        y_tr = torch.as_tensor(y_all[tr])
        y_te = torch.as_tensor(y_all[te])
        b_all, d = flat.shape[0], flat.shape[-1]
        out = np.empty(b_all)
        chunk = 256
        for s in range(0, b_all, chunk):
            # an exact power-of-two rescaling first: the float32 standardisation cannot overflow
            tt = torch.as_tensor(
                pow2_scale(flat[s : s + chunk], axis=(1, 2))[0], dtype=torch.float32
            )
            # per-representation standardisation over all its samples (an affine map: MI is
            # invariant to it; no labels used), so no value exceeds sqrt(n) standard deviations
            mu = tt.mean(1, keepdim=True)
            sd = tt.std(1, keepdim=True).clamp_(min=1e-6)
            tt = (tt - mu) / sd
            out[s : s + chunk] = self._fit_plane(tt[:, tr], y_tr, tt[:, te], y_te, p_y, c, d)
        return np.full(b_all, np.nan), out

    def _fit_plane(
        self, t_tr: Any, y_tr: Any, t_te: Any, y_te: Any, p_y: Any, c: int, d: int
    ) -> np.ndarray:
        import torch

        b = t_tr.shape[0]
        h = self.hidden

        # The same initial critic and mini-batch sequence for every representation: each critic's
        # training is then independent of the others in the batch (Adam is elementwise and the loss
        # a sum), so chunked or online estimation gives the values of one call on the whole run.
        gen = torch.Generator().manual_seed(self.seed)

        def init(*shape: int) -> Any:
            w = torch.randn((1, *shape[1:]), generator=gen) / math.sqrt(shape[-2])
            return w.repeat(shape[0], 1, 1).requires_grad_()

        w1, w2 = init(b, d, h), init(b, h, c)
        b1 = torch.zeros(b, 1, h, requires_grad=True)
        b2 = torch.zeros(b, 1, c, requires_grad=True)
        params = [w1, b1, w2, b2]
        opt = torch.optim.Adam(params, lr=self.learning_rate)

        def scores(tb: Any) -> Any:
            return torch.baddbmm(b2, torch.relu(torch.baddbmm(b1, tb, w1)), w2)  # (b, m, c)

        n_tr = t_tr.shape[1]
        k = min(self.batch_size, n_tr)
        ema = None
        for _ in range(self._steps("plane")):
            sel = torch.randperm(n_tr, generator=gen)[:k]
            g = scores(t_tr[:, sel])
            loss, ema = self._plane_objective(g, y_tr[sel], p_y, ema, train=True)
            opt.zero_grad()
            loss.sum().backward()
            opt.step()
        with torch.no_grad():
            # evaluated in float64: e^f of a large held-out score does not overflow
            val, _ = self._plane_objective(
                scores(t_te).double(), y_te, p_y.double(), None, train=False
            )
        return val.numpy().astype(np.float64)

    def _plane_objective(
        self, g: Any, y: Any, p_y: Any, ema: Any, *, train: bool
    ) -> tuple[Any, Any]:
        """Per-representation bound (eval) or loss (train) for class scores g (b, m, c)."""
        import torch

        f_joint = g.gather(2, y[None, :, None].expand(g.shape[0], -1, 1))[..., 0]  # (b, m)
        if self.kind == "infonce":
            counts = torch.bincount(y, minlength=g.shape[2]).to(g.dtype)
            # sum over the batch's y_j of e^{g(t_i)_{y_j}} = sum_c count_c e^{g(t_i)_c}
            lse = torch.logsumexp(g + torch.log(counts.clamp(min=1e-30)), 2) - math.log(y.shape[0])
            bound = (f_joint - lse).mean(1)
            return (-bound if train else bound), ema
        # E over p(t)p(y), exact over the classes: e^{g(t)_y} weighted by p(y)
        marg = torch.logsumexp(g + torch.log(p_y), 2)  # ln sum_y p(y) e^{g(t)_y}, (b, m)
        lse = torch.logsumexp(marg, 1) - math.log(marg.shape[1])  # ln E_q[e^f]
        mean_exp = torch.exp(marg).mean(1)
        if self.kind == "nwj":
            bound = f_joint.mean(1) - torch.exp((marg - 1).clamp(max=700.0)).mean(1)
            return (-bound if train else bound), ema
        if not train:
            return f_joint.mean(1) - lse, ema
        ema = mean_exp.detach() if ema is None else (1 - _EMA) * ema + _EMA * mean_exp.detach()
        return -(f_joint.mean(1) - mean_exp / ema), ema


def _features(a: np.ndarray) -> np.ndarray:
    """Critic inputs: one-hot rows for discrete arrays, standardised columns for continuous ones."""
    if is_discrete(a):
        codes = row_codes(a)
        return np.eye(int(codes.max()) + 1, dtype=np.float32)[codes]
    a, _ = pow2_scale(a, axis=0)  # exact; the standard deviation cannot overflow or underflow
    sd = a.std(0)
    return ((a - a.mean(0)) / np.where(sd > 0, sd, 1.0)).astype(np.float32)


_COMMON_DOC = """
    ``estimate(x, y)`` trains a critic f([x, y]) (an MLP on the concatenation; discrete variables
    one-hot) on one part of the samples and evaluates the bound on the held-out part.
    ``information_plane`` trains one class-score critic per representation, all in one batch, and
    returns (NaN, the I(T;Y) bound): I(X;T) is NaN by design (see the module docstring).

    Args:
        {params}

    Returns:
        ``estimate``: an :class:`~infoplane.interface.MIResult` in ``unit``, never negative.
        ``information_plane``: (i_xt, i_ty) of shape ``t.shape[:-2]``: i_xt all NaN, i_ty in
        ``unit`` clipped at 0.

    Raises:
        InfoplaneError: for invalid parameters, bad data, fewer than 4 samples (2 to train, 2 to
            evaluate), or ``x`` passed to ``information_plane``.
        InfoplaneRuntimeError: if training diverged (a NaN or infinite bound).

    Notes:
        {notes} A lower bound estimated on held-out samples can come out negative (independent
        data, too few steps); it is then clipped to 0 and the result flagged
        ``"clipped_negative"``: 0 means "no information detected". Data of any magnitude are
        rescaled by a power of two before the critic's standardisation.

    References:
        {refs}

    Example:
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> x = rng.standard_normal((256, 1))
        >>> r = {cls}(n_steps=5).estimate(x, rng.standard_normal((256, 1)))   # independent
        >>> r.value >= 0 and (r.value > 0 or r.flags == ("clipped_negative",))
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
        notes="Low variance; saturates at ln K: K = batch_size in training, and in the held-out "
        "evaluation K = min(held-out size, 512) -- ln 256 = 8 bits on the plane at the defaults "
        "(256 held-out samples), ln 512 = 9 bits for ``estimate`` on 1024 or more samples. "
        '``estimate`` flags a value within 0.1 nats of that ceiling ``"saturated"``: the '
        "true MI may be larger.",
        refs="1. van den Oord, A., Li, Y., Vinyals, O. (2018). Representation Learning with "
        "Contrastive Predictive Coding. arXiv 1807.03748. 2. Poole, B. et al. (2019). On "
        "Variational Bounds of Mutual Information. ICML. arXiv 1905.06922.",
        cls="InfoNCEEstimator",
        params="{params}",
    )
    name = "infonce"
    kind = "infonce"


mine_mutual_information, mine_information_plane = function_forms(MINEEstimator)
nwj_mutual_information, nwj_information_plane = function_forms(NWJEstimator)
infonce_mutual_information, infonce_information_plane = function_forms(InfoNCEEstimator)

__test__ = {
    f.__name__: f
    for f in (
        mine_mutual_information,
        mine_information_plane,
        nwj_mutual_information,
        nwj_information_plane,
        infonce_mutual_information,
        infonce_information_plane,
    )
}

__all__ = [
    "InfoNCEEstimator",
    "MINEEstimator",
    "NWJEstimator",
    "infonce_information_plane",
    "infonce_mutual_information",
    "mine_information_plane",
    "mine_mutual_information",
    "nwj_information_plane",
    "nwj_mutual_information",
]
