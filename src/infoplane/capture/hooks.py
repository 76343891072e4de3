"""Capture layer representations from any ``torch.nn.Module`` with forward hooks.

After ``pytorch/captum``: register a forward hook (or a forward pre-hook, for a layer's *input*) on
each chosen module, run the model, and remove every handle in ``finally`` -- even when the forward
raises. Captured tensors are detached and cloned, so a later in-place operation
(``ReLU(inplace=True)``) cannot overwrite them.

A module may be called several times in one forward pass (a ReLU shared by the two halves of a
residual block, as in torchvision's ``BasicBlock``). Each call is then its own representation, named
``<module>#<k>`` for the k-th call (from 0) -- ``block1.relu#0``, ``block1.relu#1`` -- while a
module called once keeps its plain name. The calls are counted per forward pass of the model given
to the capture; every later pass (another mini-batch, another epoch) must call each module as many
times as the first, or :class:`~infoplane.interface.InfoplaneRuntimeError` names the module.
"""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from infoplane.interface import InfoplaneError, InfoplaneRuntimeError

if TYPE_CHECKING:
    import numpy as np

LayerSpec = str | type[nn.Module]

#: Separator between a module's name and the index of its call in one forward pass.
CALL_SEP = "#"

_GLOB_CHARS = frozenset("*?[")


@dataclass
class _Pick:
    """The calls of one module chosen by the layer specifications."""

    module: str
    calls: set[int] | None  # None: every call
    explicit: dict[int, str]  # call index -> the exact spec that named it (out of range: error)
    named: str | None  # the exact spec that named the module itself (not called: error)


def _valid_names_hint(names: Sequence[str], spec: str, argument: str, model: str) -> str:
    """A few valid names for an error message: the closest to ``spec``, then the first ones."""
    close = difflib.get_close_matches(spec.split(CALL_SEP)[0], names, n=4, cutoff=0.5)
    few = list(dict.fromkeys([*close, *names[: max(0, 8 - len(close))]]))
    more = "" if len(few) >= len(names) else f", ... ({len(names)} modules)"
    return (
        f"{argument}: {spec!r} matches no module of {model}; valid names include "
        f"{', '.join(repr(n) for n in few)}{more}. Use a module name, a glob such as "
        f"'block*.relu', a type such as nn.ReLU, or '<name>{CALL_SEP}<k>' for the k-th call of a "
        "module called several times per forward pass."
    )


def _resolve(model: nn.Module, layers: Any, argument: str) -> list[_Pick]:
    """Resolve layer specifications to picks, one per module, in ``model.named_modules()`` order."""
    if not isinstance(model, nn.Module):
        raise InfoplaneError(f"model must be a torch.nn.Module, not {type(model).__name__}.")
    if isinstance(layers, str | type):
        specs: list[Any] = [layers]
    elif isinstance(layers, Iterable):
        specs = list(layers)
    else:
        raise InfoplaneError(
            f"{argument} must be a module name, a glob, a module type or a list of these, not "
            f"{type(layers).__name__}."
        )
    if not specs:
        raise InfoplaneError(
            f"{argument} is empty; name at least one layer (e.g. 'fc1' or nn.ReLU)."
        )
    named = [(name, mod) for name, mod in model.named_modules() if name]
    names = [name for name, _ in named]
    if not names:
        raise InfoplaneError(
            f"{argument}: {type(model).__name__} has no submodules to capture; wrap the layers "
            "to observe in modules (e.g. nn.ReLU() instead of torch.relu)."
        )
    known = set(names)
    picks: dict[str, _Pick] = {}

    def add(module: str, call: int | None, exact: str | None) -> None:
        pick = picks.setdefault(module, _Pick(module, set(), {}, None))
        if call is None:
            pick.calls = None
            if exact is not None:
                pick.named = exact
        else:
            if pick.calls is not None:
                pick.calls.add(call)
            if exact is not None:
                pick.explicit[call] = exact

    for spec in specs:
        if isinstance(spec, type):
            if not issubclass(spec, nn.Module):
                raise InfoplaneError(
                    f"{argument}: {spec.__name__} is not a torch.nn.Module type; use e.g. nn.ReLU."
                )
            hits = [name for name, mod in named if isinstance(mod, spec)]
            if not hits:
                types = sorted({type(mod).__name__ for _, mod in named})
                raise InfoplaneError(
                    f"{argument}: no module of {type(model).__name__} is a {spec.__name__}; "
                    f"its module types are {', '.join(types[:10])}"
                    f"{', ...' if len(types) > 10 else ''}."
                )
            for name in hits:
                add(name, None, None)
            continue
        if not isinstance(spec, str):
            raise InfoplaneError(
                f"{argument}: {spec!r} is not a module name, glob or module type "
                f"({type(spec).__name__})."
            )
        if spec in known:  # an exact module name (checked first: a name may hold '#')
            add(spec, None, spec)
            continue
        base, call = spec, None
        if CALL_SEP in spec:
            base, _, index = spec.rpartition(CALL_SEP)
            if index == "*":
                call = None
            elif index.isascii() and index.isdigit():
                call = int(index)
            else:
                raise InfoplaneError(
                    f"{argument}: in {spec!r} the call index after {CALL_SEP!r} must be an "
                    f"integer >= 0 or '*' (e.g. '{base}{CALL_SEP}0')."
                )
        if base in known:
            exact = spec if call is not None else None
            add(base, call, exact)
            if call is None:
                picks[base].named = spec
            continue
        if not _GLOB_CHARS & set(base):
            raise InfoplaneError(_valid_names_hint(names, spec, argument, type(model).__name__))
        hits = [name for name in names if fnmatch.fnmatchcase(name, base)]
        if not hits:
            raise InfoplaneError(_valid_names_hint(names, spec, argument, type(model).__name__))
        for name in hits:
            add(name, call, None)
    return [picks[name] for name in names if name in picks]


def _pick_names(picks: Sequence[_Pick]) -> list[str]:
    """The specification strings that select exactly ``picks`` (module names, ``name#k``)."""
    out: list[str] = []
    for pick in picks:
        if pick.calls is None:
            out.append(pick.module)
        else:
            out.extend(f"{pick.module}{CALL_SEP}{k}" for k in sorted(pick.calls))
    return out


def select_layers(
    model: nn.Module,
    layers: LayerSpec | Sequence[LayerSpec],
    *,
    example: torch.Tensor | None = None,
    inputs: bool = False,
    skip_uncalled: bool = False,
    argument: str = "layers",
) -> list[str]:
    """Resolve layer specifications to module names, or (with ``example``) to representation names.

    Without ``example`` nothing runs: the result names the chosen modules (``name#k`` where only
    some calls were asked for). With ``example`` the model runs once on it (eval mode, no gradients,
    training mode restored) and the result names the representations that the capture functions
    return as keys: ``block1.relu#0``, ``block1.relu#1`` for a module called twice per forward
    pass, the plain name for a module called once.

    Args:
        model: any ``nn.Module``.
        layers: a module name (``"layers.0.act"``), a glob over names (``"layers.*.act"``), a module
            type (``nn.ReLU``), a call of a module called several times per forward pass
            (``"block1.relu#1"``, the second call; ``"block1.relu#*"``: every call), or a sequence
            of these. A plain name or glob selects every call of the module.
        example: a few inputs (first axis = samples), shape (n_samples, *features), on which to run
            the model once to count the calls (default None: nothing runs).
        inputs: with ``example``: count the calls as seen by forward pre-hooks (the layers' inputs);
            the names are the same either way (default False).
        skip_uncalled: with ``example``: leave out a module named exactly that the forward pass
            never calls, instead of raising (default False).
        argument: the name of the argument in error messages (default ``"layers"``; e.g.
            ``"capture.layers"`` for a run config).

    Returns:
        Without ``example``: module names (``name#k`` for single calls), without duplicates, in
        ``model.named_modules()`` order. With ``example``: representation names, in the order of the
        forward pass (the order the model computes them in).

    Raises:
        InfoplaneError: if a specification matches no module (the message names ``argument`` and
            lists a few valid names), or is not a string or module type, or (with ``example``) asks
            for a call a module does not make or for a module the forward pass never calls.

    Notes:
        Shapes: ``example`` only (its outputs are discarded). Units: none (names in, names out).
        Globs use :func:`fnmatch.fnmatchcase` on the dotted names of ``model.named_modules()``;
        the root module (name ``""``) is never selected. An exact module name is matched first, so
        a module whose own name holds ``#`` is still found.

    References:
        Kokhlikyan, N. et al. (2020). Captum: A unified and generic model interpretability library
        for PyTorch. arXiv:2009.07896.

    Example:
        >>> class Block(nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.fc, self.relu = nn.Linear(2, 2), nn.ReLU()
        ...     def forward(self, x):
        ...         return self.relu(self.fc(self.relu(x)) + x)   # the ReLU is used twice
        >>> net = nn.Sequential(nn.Linear(2, 2), Block())
        >>> select_layers(net, [nn.ReLU, "0"]), select_layers(net, "1.relu#1")
        (['0', '1.relu'], ['1.relu#1'])
        >>> select_layers(net, ["1.*", "0"], example=torch.zeros(2, 2))
        ['0', '1.relu#0', '1.fc', '1.relu#1']
    """
    picks = _resolve(model, layers, argument)
    if example is None:
        return _pick_names(picks)
    with _evaluating(model):
        cap = ActivationCapture(
            model, layers, inputs=inputs, skip_uncalled=skip_uncalled, argument=argument
        )
        with cap:
            model(example)
        return cap.names


@contextmanager
def _evaluating(model: nn.Module) -> Iterator[None]:
    """Eval mode and no gradients inside the block; the model's training mode restored after."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        model.train(was_training)


class ActivationCapture:
    """Record the outputs (or inputs) of chosen modules during forward passes.

    Use as a context manager around the forward passes to observe::

        with ActivationCapture(model, ["layers.*.act"]) as cap:
            model(x)
        t = cap.activations["layers.0.act"]      # (n_samples, n_units), a detached clone

    A module called k > 1 times in one forward pass gives k representations, ``name#0`` ..
    ``name#{k-1}`` (see :func:`select_layers`); the names are fixed by the first forward pass and
    every later pass must call each chosen module as often.

    Args:
        model: any ``nn.Module``; its own forward calls delimit the passes.
        layers: names, globs, module types or ``name#k`` calls (see :func:`select_layers`).
        inputs: capture each module's input (forward pre-hook) instead of its output (default
            False).
        sample_dims: number of leading dimensions that index samples and are kept; the rest are
            flattened (a conv feature map (n, c, h, w) becomes (n, c*h*w)). Use 2 for a stacked
            ensemble whose outputs are (n_models, n_samples, ...) (default 1).
        accumulate: if True, outputs of successive forward passes are concatenated along the sample
            axis (for evaluating a data set in mini-batches); otherwise the last pass is kept
            (default False).
        keep_device: keep the captured tensors on the model's device instead of moving them to the
            CPU (default False).
        calls: expected number of calls per forward pass of each chosen module (``calls`` of an
            earlier capture of the same model), so that names stay the same across captures
            (default None: the first pass sets them).
        skip_uncalled: leave out a module named exactly that the first pass never calls, instead of
            raising (default False).
        argument: the name of ``layers`` in error messages (default ``"layers"``).

    Attributes:
        activations: dict representation name -> tensor of shape (*sample shape, n_features),
            float, on CPU unless ``keep_device`` is True, in forward-pass order.
        names: the representation names, in forward-pass order (empty before the first pass).
        calls: dict module name -> calls per forward pass (``None`` before the first pass).
        modules: the names of the hooked modules, in ``model.named_modules()`` order.

    Raises:
        InfoplaneError: if a layer specification matches no module; at the end of the first
            forward pass, if ``name#k`` asks for a call the module does not make or a module named
            exactly is never called; if a layer returns something that is not a tensor.
        InfoplaneRuntimeError: at the end of a forward pass that calls a chosen module a different
            number of times than the first pass (or than ``calls``); the message names the module.

    Notes:
        Captured tensors are detached clones (moved to the CPU unless ``keep_device``), so
        in-place operations later in the network cannot change them; every hook is removed on
        exit, also when the forward pass raises. Calls of a chosen module made outside a forward
        pass of ``model`` (the user calling a submodule directly) count as one pass, closed when
        ``model`` is next called or the activations are read. Units: the layers' own activation
        values; nothing is estimated here.

    References:
        Kokhlikyan, N. et al. (2020). Captum: A unified and generic model interpretability library
        for PyTorch. arXiv:2009.07896.

    Example:
        >>> net = nn.Sequential(nn.Linear(1, 1), nn.ReLU(inplace=True))
        >>> with torch.no_grad():
        ...     _ = net[0].weight.fill_(1.0), net[0].bias.fill_(0.0)
        >>> with ActivationCapture(net, ["0"]) as cap:
        ...     out = net(-torch.ones(2, 1))
        >>> cap.activations["0"].flatten().tolist(), out.flatten().tolist()
        ([-1.0, -1.0], [0.0, 0.0])
        >>> relu = nn.ReLU()
        >>> twice = nn.Sequential(relu, nn.Linear(1, 1), relu)   # one module, two calls
        >>> with ActivationCapture(twice, [nn.ReLU]) as cap:
        ...     _ = twice(torch.ones(3, 1))
        >>> cap.names, cap.calls
        (['0#0', '0#1'], {'0': 2})
    """

    def __init__(
        self,
        model: nn.Module,
        layers: LayerSpec | Sequence[LayerSpec],
        *,
        inputs: bool = False,
        sample_dims: int = 1,
        accumulate: bool = False,
        keep_device: bool = False,
        calls: Mapping[str, int] | None = None,
        skip_uncalled: bool = False,
        argument: str = "layers",
    ) -> None:
        if int(sample_dims) < 1:
            raise InfoplaneError(f"sample_dims must be >= 1, not {sample_dims}.")
        self.model = model
        self._argument = argument
        self._in_root = False
        self._picks = {p.module: p for p in _resolve(model, layers, argument)}
        self.modules = list(self._picks)
        self.inputs = inputs
        self.sample_dims = int(sample_dims)
        self.accumulate = accumulate
        self.keep_device = keep_device
        self.skip_uncalled = skip_uncalled
        self._expected = None if calls is None else {k: int(v) for k, v in calls.items()}
        self.calls: dict[str, int] | None = None
        self._keys: dict[tuple[str, int], str] = {}
        self._parts: dict[str, list[torch.Tensor]] = {}
        self._handles: list[Any] = []
        self._reset_pass()

    # ------------------------------------------------------------------------- one forward pass
    def _reset_pass(self) -> None:
        self._open = False
        self._counts: dict[str, int] = dict.fromkeys(self.modules, 0)
        self._order: list[tuple[str, int]] = []
        self._pass: dict[tuple[str, int], torch.Tensor] = {}

    def _begin(self, _module: Any, _args: Any) -> None:
        if self._open and not self._in_root:
            self._finish_pass()  # calls made outside a forward pass of the model
        self._reset_pass()
        self._open, self._in_root = True, True

    def _end(self, _module: Any, _args: Any, _output: Any) -> None:
        if self._open and self._in_root:
            self._finish_pass()

    def _wanted(self, module: str, call: int) -> bool:
        chosen = self._picks[module].calls
        return chosen is None or call in chosen

    def _on_call(self, module: str, value: Any) -> None:
        if not self._open:
            self._reset_pass()
            self._open, self._in_root = True, False
        call = self._counts[module]
        self._counts[module] = call + 1
        self._order.append((module, call))
        if self._wanted(module, call):
            self._pass[(module, call)] = self._to_tensor(module, call, value)

    def _to_tensor(self, module: str, call: int, value: Any) -> torch.Tensor:
        if isinstance(value, tuple | list) and value:
            value = value[0]
        if not isinstance(value, torch.Tensor):
            what = "input" if self.inputs else "output"
            raise InfoplaneError(
                f"layer {module!r} (call {call}) has a {what} of type {type(value).__name__}, not "
                "a tensor; capture another module."
            )
        t = value.detach()
        t = t.reshape(*t.shape[: self.sample_dims], -1) if t.dim() > self.sample_dims else t
        if t.dim() == self.sample_dims:
            t = t.unsqueeze(-1)
        return t.clone() if self.keep_device else t.to("cpu", copy=True)

    def _name(self, module: str, call: int) -> str:
        assert self.calls is not None
        return module if self.calls[module] == 1 else f"{module}{CALL_SEP}{call}"

    def _first_pass(self, counts: dict[str, int], order: list[tuple[str, int]]) -> None:
        """Fix the names from the first pass; check the calls asked for exist."""
        uncalled = [m for m in self.modules if counts[m] == 0 and self._picks[m].named]
        if uncalled and not self.skip_uncalled:
            raise InfoplaneError(
                f"{self._argument}: module {uncalled[0]!r} is never called in a forward pass of "
                f"{type(self.model).__name__}, so it has no representation; remove it from "
                f"{self._argument}."
            )
        for m, pick in self._picks.items():
            for call, spec in pick.explicit.items():
                if call >= counts[m] and not (self.skip_uncalled and counts[m] == 0):
                    made = f"calls 0..{counts[m] - 1}" if counts[m] else "never called"
                    raise InfoplaneError(
                        f"{self._argument}: {spec!r} asks for call {call} of module {m!r}, which "
                        f"is called {counts[m]} time(s) per forward pass ({made}); name it "
                        f"{m!r} for every call."
                    )
        self.calls = counts
        self._keys = {(m, k): self._name(m, k) for m, k in order if self._wanted(m, k)}
        if not self._keys:
            raise InfoplaneError(
                f"{self._argument}: none of the chosen modules ({', '.join(self.modules[:6])}) "
                f"is called in a forward pass of {type(self.model).__name__}; choose modules "
                "that its forward uses."
            )

    def _finish_pass(self) -> None:
        counts, parts, order = self._counts, self._pass, self._order
        self._reset_pass()
        reference = self.calls if self.calls is not None else self._expected
        if reference is not None:
            for m in self.modules:
                if counts[m] != reference.get(m, counts[m]):
                    raise InfoplaneRuntimeError(
                        f"module {m!r} was called {counts[m]} time(s) in this forward pass of "
                        f"{type(self.model).__name__} but {reference[m]} time(s) in the first, so "
                        f"its representations ({m}{CALL_SEP}0, {m}{CALL_SEP}1, ...) cannot keep "
                        "their names; make the number of calls independent of the input, or "
                        "capture another module."
                    )
        if self.calls is None:
            self._first_pass(counts, order)
        if not self.accumulate:
            self._parts = {}
        for key, t in parts.items():
            self._parts.setdefault(self._keys[key], []).append(t)

    def _make_hook(self, name: str) -> Any:
        if self.inputs:
            return lambda _module, args: self._on_call(name, args)
        return lambda _module, _args, output: self._on_call(name, output)

    # ------------------------------------------------------------------------------- public API
    def attach(self) -> ActivationCapture:
        """Register the hooks (done by ``__enter__``).

        Returns:
            ``self``, with a hook on every chosen module and a pair on ``model`` (pass delimiters).
        """
        modules = dict(self.model.named_modules())
        try:
            self._handles.append(self.model.register_forward_pre_hook(self._begin))
            self._handles.append(self.model.register_forward_hook(self._end))
            for name in self.modules:
                mod = modules[name]
                hook = self._make_hook(name)
                handle = (
                    mod.register_forward_pre_hook(hook)
                    if self.inputs
                    else mod.register_forward_hook(hook)
                )
                self._handles.append(handle)
        except BaseException:
            self.detach()
            raise
        return self

    def detach(self) -> None:
        """Remove every hook (done by ``__exit__``, also when the forward raised)."""
        for handle in self._handles:
            handle.remove()
        self._handles.clear()
        if self._open and not self._in_root:
            self._finish_pass()
        self._reset_pass()  # a pass cut short by an exception is dropped

    def clear(self) -> None:
        """Forget captured tensors (keep the hooks and the names fixed by the first pass)."""
        self._parts.clear()

    def __enter__(self) -> ActivationCapture:
        return self.attach()

    def __exit__(self, *exc: object) -> None:
        self.detach()

    @property
    def names(self) -> list[str]:
        """Representation names in forward-pass order (empty before the first pass)."""
        return list(dict.fromkeys(self._keys.values()))

    @property
    def activations(self) -> dict[str, torch.Tensor]:
        """Captured tensors by representation name, in forward-pass order (concatenated if
        ``accumulate``)."""
        if self._open and not self._in_root:
            self._finish_pass()
        axis = self.sample_dims - 1
        return {
            name: torch.cat(self._parts[name], dim=axis)
            if len(self._parts[name]) > 1
            else self._parts[name][0]
            for name in self.names
            if name in self._parts
        }


@contextmanager
def capture_activations(
    model: nn.Module, layers: LayerSpec | Sequence[LayerSpec], **kwargs: Any
) -> Iterator[dict[str, torch.Tensor]]:
    """Capture chosen layers during the forward passes of a ``with`` block.

    The dict yielded is empty inside the block and filled when the block ends; every hook is
    removed on exit, also when the block raises. A module called k > 1 times per forward pass
    gives the keys ``name#0`` .. ``name#{k-1}`` (see :func:`select_layers`).

    Args:
        model: any ``nn.Module``.
        layers: module names, globs, module types or ``name#k`` calls (see :func:`select_layers`).
        **kwargs: options of :class:`ActivationCapture`: ``inputs`` (capture the layers' inputs,
            default False), ``sample_dims`` (leading sample axes kept, default 1), ``accumulate``
            (concatenate successive passes, default False), ``keep_device`` (default False),
            ``calls`` (expected calls per pass), ``skip_uncalled`` (default False).

    Yields:
        dict representation name -> detached float tensor (*sample shape, n_features) (feature
        maps flattened), filled at the end of the block, in forward-pass order.

    Raises:
        InfoplaneError: if a layer specification matches no module, asks for a call the module
            does not make, or a layer returns something that is not a tensor.
        InfoplaneRuntimeError: if a forward pass calls a chosen module a different number of
            times than the first pass (the message names the module).

    Notes:
        Units: the layer's own activation values (float32 as the module computes them); no
        information quantity is computed here.
        Tensors are cloned when captured, so in-place operations later in the network (e.g.
        ``ReLU(inplace=True)``) cannot change them. Gradients are not disabled: wrap the block in
        ``torch.no_grad()`` (or use :func:`run_and_capture`) when only observing.

    References:
        Kokhlikyan, N. et al. (2020). Captum: A unified and generic model interpretability library
        for PyTorch. arXiv:2009.07896 (the hook-and-remove pattern).

    Example:
        >>> import torch
        >>> net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU())
        >>> with capture_activations(net, ["1"]) as acts:
        ...     _ = net(torch.ones(4, 2))
        >>> acts["1"].shape
        torch.Size([4, 3])
    """
    cap = ActivationCapture(model, layers, **kwargs)
    result: dict[str, torch.Tensor] = {}
    try:
        cap.attach()
        yield result
    finally:
        cap.detach()
    result.update(cap.activations)


def run_and_capture(
    model: nn.Module,
    x: torch.Tensor,
    layers: LayerSpec | Sequence[LayerSpec] | Iterable[str],
    *,
    batch_size: int | None = None,
    **kwargs: Any,
) -> dict[str, torch.Tensor]:
    """Run ``model`` on ``x`` (in eval mode, without gradients) and return the captured activations.

    Args:
        model: any ``nn.Module``.
        x: inputs, shape (n_samples, *features) (or (n_models, n_samples, *features) for a stacked
            ensemble with ``sample_dims=2`` whose inputs are per model).
        layers: as for :class:`ActivationCapture` (names, globs, types, ``name#k``).
        batch_size: evaluate in chunks of this many rows of ``x`` (first axis) to bound memory
            (default None: all at once). The names are fixed by the first chunk; every chunk must
            call each module as often.
        **kwargs: options of :class:`ActivationCapture` (``inputs``, ``sample_dims``,
            ``keep_device``, ``calls``, ``skip_uncalled``).

    Returns:
        dict representation name -> tensor (n_samples, n_features) (or (n_models, n_samples,
        n_features)), in forward-pass order; a module called k > 1 times per pass gives
        ``name#0`` .. ``name#{k-1}``, each with all n_samples rows.

    Raises:
        InfoplaneError: if ``batch_size`` < 1, a layer matches no module, asks for a call the
            module does not make, or produces something that is not a tensor.
        InfoplaneRuntimeError: if a chunk calls a chosen module a different number of times than
            the first (the message names the module).

    Notes:
        Units: the layer's own activation values (float32 as the module computes them); no
        information quantity is computed here.
        The model runs in eval mode (dropout off, batch norm on running statistics) without
        gradients; its training mode is restored afterwards, and every hook removed, also on error.

    References:
        Kokhlikyan, N. et al. (2020). Captum: A unified and generic model interpretability library
        for PyTorch. arXiv:2009.07896.

    Example:
        >>> net = nn.Sequential(nn.Linear(2, 3), nn.Tanh())
        >>> run_and_capture(net, torch.zeros(5, 2), ["1"], batch_size=2)["1"].shape
        torch.Size([5, 3])
    """
    if batch_size is not None and (
        isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1
    ):
        raise InfoplaneError(f"batch_size must be a positive integer or None, not {batch_size!r}.")
    specs = list(layers) if not isinstance(layers, str | type) else layers
    with (
        _evaluating(model),
        ActivationCapture(model, specs, accumulate=batch_size is not None, **kwargs) as cap,
    ):
        if batch_size is None:
            model(x)
        else:
            for start in range(0, x.shape[0], batch_size):
                model(x[start : start + batch_size])
    return cap.activations


def capture_members(
    ensemble: nn.Module,
    x: torch.Tensor,
    layers: Sequence[str],
    *,
    batch_size: int | None = 2048,
    inputs: bool = False,
) -> dict[str, np.ndarray]:
    """Capture the named layers of every member of an ensemble on shared inputs.

    Args:
        ensemble: a model with a ``members`` list of R modules, e.g.
            :class:`~infoplane.training.module_trainer.ModuleEnsemble`.
        x: inputs shared by all members, shape (n_samples, *features).
        layers: module names, globs or ``name#k`` calls inside one member (e.g. ``"act1"``,
            ``"block1.relu#1"``).
        batch_size: rows per forward pass (bounds memory; default 2048); ``None``: all at once.
        inputs: capture the layers' inputs instead of their outputs (default False).

    Returns:
        dict representation name -> float32 array (R, n_samples, n_units) (feature maps
        flattened), in forward-pass order; a module called k > 1 times per pass gives
        ``name#0`` .. ``name#{k-1}``.

    Raises:
        InfoplaneError: if ``ensemble`` has no ``members`` or a layer matches no module.
        InfoplaneRuntimeError: if the members call a module a different number of times (the
            message names the module).

    Notes:
        Members run one after the other in eval mode without gradients; each member's training
        mode is restored afterwards. Units: the layers' own activation values.

    References:
        Shwartz-Ziv, R. & Tishby, N. (2017). arXiv:1703.00810 (activations of every network of an
        ensemble, averaged in the information plane).

    Example:
        >>> import torch
        >>> net = nn.Module()
        >>> net.members = nn.ModuleList([nn.Sequential(nn.Linear(2, 3), nn.Tanh())] * 2)
        >>> capture_members(net, torch.ones(4, 2), ["1"])["1"].shape
        (2, 4, 3)
    """
    import numpy as np

    members = getattr(ensemble, "members", None)
    if members is None or len(members) == 0:
        raise InfoplaneError(
            f"{type(ensemble).__name__} has no members; pass a ModuleEnsemble (R models)."
        )
    specs = list(layers) if not isinstance(layers, str | type) else layers
    calls: dict[str, int] | None = None
    per_member = []
    for r, member in enumerate(members):
        with (
            _evaluating(member),
            ActivationCapture(member, specs, accumulate=True, inputs=inputs, calls=calls) as cap,
        ):
            step = x.shape[0] if batch_size is None else batch_size
            if step < 1:
                raise InfoplaneError(f"batch_size must be a positive integer or None, not {step}.")
            for start in range(0, x.shape[0], step):
                try:
                    member(x[start : start + step])
                except InfoplaneRuntimeError as exc:
                    raise InfoplaneRuntimeError(f"member {r} of the ensemble: {exc}") from None
        calls = cap.calls
        per_member.append(cap.activations)
    return {name: np.stack([p[name].float().numpy() for p in per_member]) for name in per_member[0]}
