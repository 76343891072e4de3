"""Helpers shared by CLI commands: turning errors into one clean line and the right exit code.

Exit codes: 0 success; 2 usage errors (bad arguments or options, a bad value in a config, a file
named on the command line that does not exist: :class:`~infoplane.interface.InfoplaneError`); 1
runtime failures (a corrupt or foreign file, a lock held, a diverged network:
:class:`~infoplane.interface.InfoplaneRuntimeError`, or an unexpected ``OSError``), and 1 for an
internal error (a bug: one line asking for a report; the traceback only with ``INFOPLANE_DEBUG=1``).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import typer
from rich.console import Console
from rich.markup import escape

err_console = Console(stderr=True)
console = Console()


def _click_exceptions() -> tuple[type[BaseException], ...]:
    """Click's control-flow and usage exceptions, from typer (which may vendor click) and click."""
    found: list[type[BaseException]] = [typer.Exit, typer.Abort]
    for module in ("typer._click.exceptions", "click.exceptions"):
        with contextlib.suppress(ImportError):
            mod = __import__(module, fromlist=["ClickException"])
            found += [
                getattr(mod, n) for n in ("ClickException", "Exit", "Abort") if hasattr(mod, n)
            ]
    return tuple(found)


_PASS_THROUGH = _click_exceptions()

DEBUG_ENV = "INFOPLANE_DEBUG"
"""Environment variable that makes the CLI print the traceback of an internal error."""


def _debug() -> bool:
    return os.environ.get(DEBUG_ENV, "").strip().lower() not in ("", "0", "false", "no")


def print_error(message: str) -> None:
    """Print ``error: <message>`` as one red line on stderr (never wrapped by the terminal width)."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True, highlight=False)


def _os_error_message(exc: OSError) -> str:
    name = exc.filename if exc.filename is not None else None
    reason = exc.strerror or str(exc) or type(exc).__name__
    if name is None:
        return str(exc) or reason
    return f"cannot use {str(name)!r}: {reason}"


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Turn library errors into one red line on stderr and the error's exit code.

    :class:`~infoplane.interface.InfoplaneError` exits with its ``exit_code`` (2 for usage errors,
    1 for :class:`~infoplane.interface.InfoplaneRuntimeError`); ``FileNotFoundError`` and
    ``FileExistsError`` (a path named on the command line) exit 2; any other ``OSError``
    (permission denied, a directory where a file is expected, ...) exits 1 with the file's name.
    Anything else propagates (the application's handler reports it as an internal error).

    Raises:
        typer.Exit: with the exit code above.
    """
    from infoplane.interface import InfoplaneError

    try:
        yield
    except InfoplaneError as exc:
        print_error(str(exc))
        raise typer.Exit(code=int(getattr(exc, "exit_code", 2))) from None
    except (FileNotFoundError, FileExistsError) as exc:
        print_error(str(exc) if exc.filename is None else _os_error_message(exc))
        raise typer.Exit(code=2) from None
    except OSError as exc:
        print_error(_os_error_message(exc))
        raise typer.Exit(code=1) from None


@contextlib.contextmanager
def all_errors() -> Iterator[None]:
    """:func:`user_errors`, plus one line for any other exception (an internal error), exit 1.

    Click's own exceptions (usage errors: exit 2, ``typer.Exit``, ``Abort``) pass through. The
    traceback of an internal error is printed only when the environment variable
    ``INFOPLANE_DEBUG=1`` is set.

    Raises:
        typer.Exit: with exit code 2 (usage) or 1 (runtime or internal error).
    """
    try:
        with user_errors():
            yield
    except _PASS_THROUGH:
        raise
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        if _debug():
            import traceback

            traceback.print_exc()
        err_console.print(
            f"[bold red]internal error:[/] {escape(type(exc).__name__)}: {escape(str(exc))}; "
            f"please report it (set {DEBUG_ENV}=1 for the traceback)",
            soft_wrap=True,
            highlight=False,
        )
        raise typer.Exit(code=1) from None


@contextlib.contextmanager
def reading(path: object, what: str, fix: str) -> Iterator[None]:
    """Turn an unexpected failure while reading ``path`` into an error that names the file.

    :class:`~infoplane.interface.InfoplaneError` and ``FileNotFoundError`` pass through unchanged;
    any other exception (a corrupt archive, a truncated file, a parser error) becomes an
    :class:`~infoplane.interface.InfoplaneRuntimeError` (exit 1): "<what>: cannot read <path>
    (<type>: <message>); <fix>".

    Args:
        path: the file or folder being read.
        what: the argument that named it (e.g. ``"--pxy"``).
        fix: what the user can do (e.g. ``"pass a .npy, .csv, .npz or .mat table"``).

    Raises:
        InfoplaneRuntimeError: for any other exception raised inside the block.
    """
    from infoplane.interface import InfoplaneError, InfoplaneRuntimeError

    try:
        yield
    except (InfoplaneError, FileNotFoundError):
        raise
    except Exception as exc:
        raise InfoplaneRuntimeError(
            f"{what}: cannot read {str(path)!r} ({type(exc).__name__}: {exc}); the file is corrupt "
            f"or not in the expected format: {fix}."
        ) from None


DEFAULT_THREADS = 1
"""CPU threads of ``estimate``, ``report``, ``experiment`` and ``sweep`` unless ``--threads`` says
otherwise: one, like training (:func:`infoplane.training.trainer.torch_threads`). Their matrices
are small (one layer's representation of a few thousand inputs); on two cores kde_upper took
4.6 ms of CPU per representation on one thread and 37.6 ms on two (``benchmarks/threads.py``)."""

THREADS_HELP = (
    "CPU threads for torch and numpy's BLAS (default 1: fastest for the small matrices of this "
    "command; see benchmarks/threads.py)."
)


def check_threads(n: int, flag: str = "--threads") -> int:
    """Return ``n`` as an int after checking that it is a thread count >= 1.

    Args:
        n: number of threads asked for.
        flag: the option that gave it, named in the error.

    Returns:
        ``int(n)``.

    Raises:
        InfoplaneError: for a count below 1.

    Notes:
        No upper limit: more threads than cores is allowed (and slower).

    References:
        PyTorch documentation, ``torch.set_num_threads``.

    Example:
        >>> check_threads(2)
        2
    """
    from infoplane.interface import InfoplaneError

    if isinstance(n, bool) or int(n) != n or int(n) < 1:
        raise InfoplaneError(f"{flag} must be a whole number >= 1; got {n!r} (e.g. {flag} 1).")
    return int(n)


@contextlib.contextmanager
def cpu_threads(n: int | None = DEFAULT_THREADS) -> Iterator[None]:
    """Run the block with ``n`` torch intra-op threads and ``n`` BLAS/OpenMP threads for numpy.

    The same mechanism that training uses (:func:`infoplane.training.trainer.torch_threads`:
    ``torch.set_num_threads``, restored on exit), plus ``threadpoolctl.threadpool_limits`` for
    numpy/scipy's BLAS and OpenMP pools when ``threadpoolctl`` is installed (it comes with
    scikit-learn); otherwise numpy keeps its pools. numpy, scipy.linalg and scikit-learn's
    neighbours (KSG) are imported first: threadpoolctl limits only the libraries already loaded.

    Args:
        n: threads (>= 1), or ``None`` to leave every setting as it is. Default
            :data:`DEFAULT_THREADS` (1).

    Returns:
        A context manager.

    Raises:
        InfoplaneError: for ``n < 1``.

    Notes:
        Worker processes (``sweep``, ``experiment -j``) set their own threads; this covers the
        process that runs the command.

    References:
        PyTorch documentation, ``torch.set_num_threads``; threadpoolctl documentation,
        ``threadpool_limits``.

    Example:
        >>> import torch
        >>> with cpu_threads(1):
        ...     torch.get_num_threads()
        1
    """
    if n is None:
        yield
        return
    from infoplane.training.trainer import torch_threads

    count = check_threads(n)
    with contextlib.ExitStack() as stack:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:  # optional: numpy keeps its own pools
            pass
        else:
            import numpy  # noqa: F401  load the BLAS and OpenMP libraries the commands use,
            import scipy.linalg  # noqa: F401  so that the limits reach them (loaded ones only)
            import sklearn.neighbors  # noqa: F401

            stack.enter_context(threadpool_limits(limits=count))
        stack.enter_context(torch_threads(count))
        yield


def parse_params(items: list[str] | None) -> dict[str, object]:
    """Parse ``key=value`` strings; values are read as YAML scalars (numbers, lists, null, strings).

    Raises:
        InfoplaneError: for an item without ``=``.
    """
    import yaml

    from infoplane.interface import InfoplaneError

    out: dict[str, object] = {}
    for item in items or []:
        if "=" not in item:
            raise InfoplaneError(f"--param {item!r} must look like key=value.")
        key, value = item.split("=", 1)
        out[key.strip()] = yaml.safe_load(value)
    return out
