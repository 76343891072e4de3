"""The training step of a stacked :class:`~infoplane.models.ensemble.EnsembleMLP`, by hand.

Shwartz-Ziv & Tishby (2017), arXiv 1703.00810, average the information plane over 50 networks of
12-10-7-5-4-3-2 units trained for 8000 epochs. Such networks are so small that autograd's
per-operation bookkeeping, the (R, batch, units) layout of the batched matmuls and an optimiser
that loops over its parameter tensors cost far more than the arithmetic. This module computes the
same mini-batch step without them:

- activations are held as (R, units, batch), so every layer is one batched matmul whose long axis
  is the batch (several times faster than (R, batch, units) on a CPU for these widths);
- the backward pass is the chain rule written out (cross-entropy + softmax, then for each layer
  dW = dZ H^T, db = sum_b dZ, dH = W^T dZ, dZ = dH * f'(.) from the layer's output), with the
  gradients written straight into ``param.grad`` (so a ``step_fn`` such as
  :class:`~infoplane.training.gradients.GradientStatistics` sees them as before);
- tanh is evaluated as 2 sigmoid(2 z) - 1 (the factor 2 folded into the matmul), several times
  faster than ``torch.tanh`` on the CPU and equal to it within float32 rounding (|error| < 2.4e-7);
- Adam (Kingma & Ba 2015, arXiv 1412.6980, Algorithm 1) acts on one flat buffer of all parameters
  (and one of each moment), a handful of element-wise operations per step instead of ~10 per
  parameter tensor; the buffers are views of the ``torch.optim.Adam`` state, so checkpoints and
  resume see an ordinary Adam state.

The member's trajectory is that of the autograd path (and of the member trained alone) to float32
rounding: the arithmetic is the same up to summation order and the tanh above.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import math

import torch
import torch.nn.functional as F
from torch import nn

#: activations whose derivative is a function of the layer's output (what the backward pass uses)
SUPPORTED_ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")


def supports(model: nn.Module, optimizer: torch.optim.Optimizer) -> bool:
    """Whether ``model`` can be trained by :class:`StackedStep` with the same result as autograd.

    True for an :class:`~infoplane.models.ensemble.EnsembleMLP` with a supported activation, no
    quantisation, no hooks on any of its modules (a hook must see every forward pass) and all
    parameters trainable, optimised by plain Adam (no weight decay, AMSGrad, maximize,
    capturable or differentiable) or SGD (no weight decay, dampening or Nesterov).
    """
    from infoplane.models.ensemble import EnsembleMLP

    if not isinstance(model, EnsembleMLP) or type(model).forward is not EnsembleMLP.forward:
        return False
    if model.activation not in SUPPORTED_ACTIVATIONS or model.quantize_bits is not None:
        return False
    for mod in model.modules():
        if mod._forward_hooks or mod._forward_pre_hooks or mod._backward_hooks:
            return False
        if getattr(mod, "_backward_pre_hooks", None):
            return False
    if any(not p.requires_grad for p in model.parameters()):
        return False
    if len(optimizer.param_groups) != 1:
        return False
    g = optimizer.param_groups[0]
    if type(optimizer) is torch.optim.Adam:
        return not (
            g.get("weight_decay")
            or g.get("amsgrad")
            or g.get("maximize")
            or g.get("capturable")
            or g.get("differentiable")
            or g.get("decoupled_weight_decay")
        )
    if type(optimizer) is torch.optim.SGD:
        return not (
            g.get("weight_decay")
            or g.get("dampening")
            or g.get("nesterov")
            or g.get("maximize")
            or g.get("differentiable")
        )
    return False


def _flat_views(tensors: list[torch.Tensor], flat: torch.Tensor) -> list[torch.Tensor]:
    out, offset = [], 0
    for t in tensors:
        n = t.numel()
        out.append(flat[offset : offset + n].view(t.shape))
        offset += n
    return out


class StackedStep:
    """Forward, backward and optimiser step of a stacked MLP on (R, units, batch) activations.

    Binds the model's parameters, their gradients and the optimiser's moments to flat buffers
    (views) for the duration of training; :meth:`release` gives every tensor its own storage again.
    """

    def __init__(
        self, model: nn.Module, optimizer: torch.optim.Optimizer, workers: int = 1
    ) -> None:
        self.model = model
        self.optimizer = optimizer
        self.activation = model.activation
        blocks = list(model.layers)
        self.weights = [b.linear.weight for b in blocks]
        self.biases = [b.linear.bias for b in blocks]
        self.params = [t for pair in zip(self.weights, self.biases, strict=True) for t in pair]
        order = {id(p): i for i, p in enumerate(optimizer.param_groups[0]["params"])}
        if set(order) != {id(p) for p in self.params}:
            raise ValueError("the optimiser must hold exactly the model's parameters")
        dev = self.params[0].device
        n = sum(p.numel() for p in self.params)
        self.flat_param = torch.cat([p.detach().reshape(-1) for p in self.params])
        self.flat_grad = torch.zeros(n, device=dev)
        for p, view in zip(self.params, _flat_views(self.params, self.flat_param), strict=True):
            p.data = view
        for p, view in zip(self.params, _flat_views(self.params, self.flat_grad), strict=True):
            p.grad = view
        self.adam = type(optimizer) is torch.optim.Adam
        self._scratch: dict[int, list[list[torch.Tensor]]] = {}
        self._minus_one = torch.full((1, 1, 1), -1.0, device=dev)
        self._bind_state()
        r = self.weights[0].shape[0]
        bounds = [round(i * r / max(1, min(int(workers), r))) for i in range(min(workers, r) + 1)]
        self._groups = [slice(a, b) for a, b in itertools.pairwise(bounds)]
        with torch.no_grad():
            self._group_views = [
                (
                    [w[sl] for w in self.weights],
                    [b[sl].unsqueeze(-1) for b in self.biases],
                    [w.grad[sl] for w in self.weights],
                    [b.grad[sl] for b in self.biases],
                    [w[sl].transpose(1, 2) for w in self.weights],
                )
                for sl in self._groups
            ]
        self._pool = None
        if len(self._groups) > 1:
            self._pool = concurrent.futures.ThreadPoolExecutor(len(self._groups) - 1)

    # -------------------------------------------------------------- optimiser state as flat views
    def _bind_state(self) -> None:
        """Make the optimiser's per-parameter state views of flat buffers (created if absent).

        Adam's ``exp_avg`` and ``exp_avg_sq`` become views of two flat buffers and every ``step``
        a 0-d view of one small buffer, so ``optimizer.state_dict()`` is always current.
        """
        opt, dev, n = self.optimizer, self.flat_param.device, self.flat_param.numel()
        states = [opt.state[p] for p in self.params]
        if self.adam:
            keys: tuple[str, ...] = ("exp_avg", "exp_avg_sq")
        else:
            keys = ("momentum_buffer",) if opt.param_groups[0]["momentum"] else ()
        self.flat_state: dict[str, torch.Tensor] = {}
        for key in keys:
            present = [st.get(key) is not None for st in states]
            if any(present) and not all(present):
                raise ValueError(f"optimiser state {key!r} is incomplete")
            self.flat_state[key] = torch.zeros(n, device=dev)
            if all(present):
                for st, view in zip(states, self._views(key), strict=True):
                    view.copy_(st[key])
        self._fresh = bool(keys) and not all(states[0].get(k) is not None for k in keys)
        self.n_steps = 0
        if self.adam:
            if "step" in states[0]:
                self.n_steps = int(float(states[0]["step"]))
            step_dtype = states[0]["step"].dtype if "step" in states[0] else torch.float32
            self._steps = torch.full((len(self.params),), float(self.n_steps), dtype=step_dtype)
            for i, st in enumerate(states):
                st["step"] = self._steps[i]
        if self.adam or not self._fresh:
            self._publish()

    def _views(self, key: str) -> list[torch.Tensor]:
        return _flat_views(self.params, self.flat_state[key])

    def _publish(self) -> None:
        """Put the flat buffers' views into ``optimizer.state``."""
        for key in self.flat_state:
            for p, view in zip(self.params, self._views(key), strict=True):
                self.optimizer.state[p][key] = view

    def release(self) -> None:
        """Give parameters, gradients and optimiser state their own storage again."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        for p in self.params:
            p.data = p.data.clone()
            if p.grad is not None:
                p.grad = p.grad.clone()
            st = self.optimizer.state[p]
            for key, value in list(st.items()):
                if isinstance(value, torch.Tensor):
                    st[key] = value.clone()

    # -------------------------------------------------------------- the step
    def _act(self, z: torch.Tensor) -> torch.Tensor:
        """In place: the activation of pre-activations ``z`` (tanh: ``z`` holds 2 z already)."""
        a = self.activation
        if a == "tanh":
            return torch.add(self._minus_one, torch.sigmoid(z, out=z), alpha=2.0, out=z)
        if a == "relu":
            return torch.relu_(z)
        if a == "sigmoid":
            return torch.sigmoid(z, out=z)
        return z

    def _act_backward(self, g: torch.Tensor, h: torch.Tensor, tmp: torch.Tensor) -> torch.Tensor:
        """In place on ``g``: dL/dz from dL/dh and the layer's output h (``tmp``: scratch)."""
        a = self.activation
        if a == "tanh":  # f' = 1 - h^2
            return g.addcmul_(g, torch.mul(h, h, out=tmp), value=-1.0)
        if a == "relu":
            return g.mul_(torch.gt(h, 0, out=tmp))
        if a == "sigmoid":  # f' = h (1 - h)
            return g.mul_(torch.addcmul(h, h, h, value=-1.0, out=tmp))
        return g

    def _buffers(self, n: int) -> list[list[torch.Tensor]]:
        """Scratch tensors for a batch of ``n``: per layer (output, input gradient, scratch); the
        last layer's list also holds dL/dlogits."""
        bufs = self._scratch.get(n)
        if bufs is None:
            r, dev = self.weights[0].shape[0], self.flat_param.device
            bufs = []
            for w in self.weights:
                out_units, in_units = w.shape[1], w.shape[2]
                bufs.append(
                    [
                        torch.empty(r, out_units, n, device=dev),
                        torch.empty(r, in_units, n, device=dev),
                        torch.empty(r, in_units, n, device=dev),
                    ]
                )
            bufs[-1].append(torch.empty_like(bufs[-1][0]))  # dL/dlogits
            if len(self._scratch) > 4:
                self._scratch.clear()
            self._scratch[n] = bufs
        return bufs

    def _hidden(self, w: torch.Tensor, b: torch.Tensor, h: torch.Tensor, out=None) -> torch.Tensor:
        """One hidden layer (R, out, n) from its input (R, in, n) or a shared (in, n); ``b`` is
        (R, out, 1)."""
        scale = 2.0 if self.activation == "tanh" else 1.0
        if h.dim() == 2:  # shared input: one matmul for all members
            z = torch.matmul(w, h)
            z.add_(b)
            if scale != 1.0:
                z.mul_(scale)
            return self._act(z)
        z = torch.baddbmm(b, w, h, beta=scale, alpha=scale, out=out)
        return self._act(z)

    @torch.no_grad()
    def logits(self, xt: torch.Tensor) -> torch.Tensor:
        """Logits (R, n, C) of inputs ``xt`` given as (n_features, n) (shared by all members)."""
        h = xt
        for w, b in zip(self.weights[:-1], self.biases[:-1], strict=True):
            h = self._hidden(w, b.unsqueeze(-1), h)
        z = torch.baddbmm(self.biases[-1].unsqueeze(-1), self.weights[-1], h)
        return z.transpose(1, 2)

    @torch.no_grad()
    def forward_backward(
        self, x: torch.Tensor, y: torch.Tensor, sign: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Gradients of sum_r mean_b CE into ``param.grad``; return the logits and per-sample CE.

        Args:
            x: inputs (R, n_features, batch) (any strides with a unit stride on one of the last two
                axes).
            y: labels (R, batch).
            sign: ``1 - 2 y`` as floats (R, batch), if at hand (used with two classes only).

        Returns:
            logits (R, C, batch) (valid until the next step) and the cross-entropy of every sample
            (R, batch), in nats.
        """
        n = y.shape[1]
        bufs = self._buffers(n)
        if self.weights[-1].shape[1] != 2:
            sign = None  # the general cross-entropy
        elif sign is None:
            sign = torch.sub(1.0, y, alpha=2.0).to(bufs[0][0].dtype)
        if len(self._groups) == 1:
            ce = self._group_step(0, x, y, sign, bufs)
        else:  # members split into groups, one per thread (torch releases the GIL in kernels)
            futures = [
                self._pool.submit(self._group_step_no_grad, g, x, y, sign, bufs)
                for g in range(1, len(self._groups))
            ]
            first = self._group_step(0, x, y, sign, bufs)
            ce = torch.cat([first, *(f.result() for f in futures)])
        return bufs[-1][0], ce

    def _group_step_no_grad(self, *args) -> torch.Tensor:
        with torch.no_grad():  # grad mode is per thread
            return self._group_step(*args)

    def _group_step(
        self,
        g: int,
        x: torch.Tensor,
        y: torch.Tensor,
        sign: torch.Tensor | None,
        bufs: list[list[torch.Tensor]],
    ) -> torch.Tensor:
        """The step of the members of group ``g`` (a contiguous slice); returns their CE."""
        sl = self._groups[g]
        ws, bs, wgs, bgs, wts = self._group_views[g]
        x, y = x[sl], y[sl]
        n = y.shape[1]
        hs = [x]
        for k in range(len(ws) - 1):
            hs.append(self._hidden(ws[k], bs[k], hs[-1], out=bufs[k][0][sl]))
        z = torch.baddbmm(bs[-1], ws[-1], hs[-1], out=bufs[-1][0][sl])  # (R_g, C, B)
        dz = bufs[-1][3][sl]
        if sign is not None:  # two classes: CE = softplus(s), s = (z1 - z0)(1 - 2y)
            sign = sign[sl]
            s = torch.sub(z[:, 1], z[:, 0]).mul_(sign)
            ce = F.softplus(s)
            torch.mul(torch.sigmoid_(s), sign, out=dz[:, 1]).div_(n)  # p1 - y
            torch.neg(dz[:, 1], out=dz[:, 0])
        else:
            lse = torch.logsumexp(z, dim=1, keepdim=True)
            yi = y.unsqueeze(1)
            ce = (lse - z.gather(1, yi)).squeeze(1)
            torch.sub(z, lse, out=dz).exp_()
            dz.scatter_add_(1, yi, self._minus_one.expand(yi.shape))
            dz.div_(n)
        for k in range(len(ws) - 1, -1, -1):
            h_in = hs[k]
            torch.bmm(dz, h_in.transpose(1, 2), out=wgs[k])
            torch.sum(dz, dim=2, out=bgs[k])
            if k:
                grad_in = torch.bmm(wts[k], dz, out=bufs[k][1][sl])
                dz = self._act_backward(grad_in, h_in, bufs[k][2][sl])
        return ce

    @torch.no_grad()
    def optimizer_step(self) -> None:
        """Adam (or SGD) on the flat buffers, with the optimiser's current hyper-parameters."""
        group = self.optimizer.param_groups[0]
        lr = float(group["lr"])
        p, g = self.flat_param, self.flat_grad
        if self.adam:
            beta1, beta2 = (float(v) for v in group["betas"])
            eps = float(group["eps"])
            self.n_steps += 1
            self._steps.fill_(float(self.n_steps))
            m, v = self.flat_state["exp_avg"], self.flat_state["exp_avg_sq"]
            m.lerp_(g, 1.0 - beta1)
            v.mul_(beta2).addcmul_(g, g, value=1.0 - beta2)
            step_size = lr / (1.0 - beta1**self.n_steps)
            denom = (v.sqrt() / math.sqrt(1.0 - beta2**self.n_steps)).add_(eps)
            p.addcdiv_(m, denom, value=-step_size)
            return
        momentum = float(group["momentum"])
        if momentum:
            buf = self.flat_state["momentum_buffer"]
            if self._fresh:
                buf.copy_(g)
                self._fresh = False
                self._publish()
            else:
                buf.mul_(momentum).add_(g)
            p.add_(buf, alpha=-lr)
        else:
            p.add_(g, alpha=-lr)
