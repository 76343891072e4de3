"""One progress-bar factory: tqdm in the library, tqdm's rich front end in the command line.

Every long loop of infoplane (training epochs, estimation chunks, sweep runs, benchmark tasks) makes
its bar through :func:`progress_bar`, so that a library user sees plain tqdm bars (which also work
in notebooks through ``tqdm.auto``) and the ``infoplane`` command draws every bar with rich, the
library its terminal output uses. The command line switches the style once, in its entry point
(:func:`use_rich`); nothing else chooses a progress library.

Not a paper's algorithm: this module serves the project's convention (one progress-bar library
per context), stated in the project's README and ARCHITECTURE.md.
"""

from __future__ import annotations

import warnings
from typing import Any

_STATE = {"rich": False}


def use_rich(enabled: bool = True) -> None:
    """Draw every later progress bar with rich (the command line) or plain tqdm (the library).

    Args:
        enabled: ``True`` for rich (``tqdm.rich``), ``False`` for ``tqdm.auto`` (the default).

    Example:
        >>> use_rich(False)
    """
    _STATE["rich"] = bool(enabled)


def progress_bar(*args: Any, **kwargs: Any) -> Any:
    """A tqdm progress bar in the style of the context (tqdm's signature).

    Args:
        *args: passed to tqdm (an iterable first, as tqdm takes it).
        **kwargs: passed to tqdm (``total``, ``desc``, ``unit``, ``disable``, ...).

    Returns:
        A ``tqdm.auto.tqdm`` bar in the library, a ``tqdm.rich.tqdm`` bar once :func:`use_rich`
        was called (the ``infoplane`` command).

    Example:
        >>> bar = progress_bar(total=3, disable=True)
        >>> bar.update(3); bar.close()
    """
    if _STATE["rich"]:
        from tqdm import TqdmExperimentalWarning
        from tqdm.rich import tqdm

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TqdmExperimentalWarning)
            return tqdm(*args, **kwargs)
    from tqdm.auto import tqdm

    return tqdm(*args, **kwargs)
