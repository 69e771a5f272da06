"""The error hierarchy of influence, and its one warning.

Every error raised on bad input derives from :class:`InfluenceError`, and each class also
derives from the standard exception it is a kind of (``ValueError``, ``LookupError``,
``OSError``, ``RuntimeError``), so ``except ValueError`` keeps working. Messages name the file,
the node and the field concerned and say what was expected and what was found; every control
character in them is escaped (names and values read from a file print as one line, see
:func:`influence.messages.printable`). A message about a Python argument names it in backquotes
(```given```) and sets :attr:`InfluenceError.parameter`. The CLI catches :class:`InfluenceError`
once, names the option instead of the parameter, prints the message and exits with
:attr:`InfluenceError.exit_code`.
"""

from __future__ import annotations

import signal

from .messages import printable

__all__ = [
    "InfluenceError",
    "ModelError",
    "ModelNotFoundError",
    "QueryError",
    "EvidenceError",
    "PosteriorError",
    "TooLargeError",
    "FormatWarning",
    "UnknownNameError",
    "ArgumentTypeError",
    "OutputError",
    "DrawingError",
    "DrawingFormatError",
    "GraphvizNotFoundError",
    "CommandUnavailableError",
    "MissingDependencyError",
    "ConvergenceWarning",
    "Interrupted",
    "locate",
]


def locate(
    file: str | None = None,
    node: str | None = None,
    field: str | None = None,
    line: int | None = None,
) -> str:
    """Format a location prefix such as ``model.yaml, line 7: node 'oil', field 'p'``.

    Parameters
    ----------
    file, node, field : str, optional
        The parts of the location that are known.
    line : int, optional
        1-based line number in ``file``.

    Returns
    -------
    str
        The prefix, without a trailing colon; empty if nothing is known.
    """
    where = []
    if file:
        where.append(f"{file}, line {line}" if line else str(file))
    inner = []
    if node:
        inner.append(f"node '{node}'")
    if field:
        inner.append(f"field '{field}'")
    if inner:
        where.append(", ".join(inner))
    return ": ".join(where)


class InfluenceError(Exception):
    """Root of every error influence raises on bad input.

    Attributes
    ----------
    exit_code : int
        The process exit code the CLI uses for this error (1: invalid model or data,
        2: bad usage).
    parameter : str or None
        The Python parameter at fault (``"given"``, ``"draws"``, ...), when the error is about
        an argument rather than a file. Messages name it in backquotes (```given```); the CLI
        replaces that with the option the user typed (``--given``).
    path : tuple
        Where in the input document the fault is, as keys and indices from its root (for
        example ``("nodes", "b", "parents", 1)``); empty if unknown. Readers of files use it to
        find the line; it is not part of the message.
    """

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        node: str | None = None,
        field: str | None = None,
        line: int | None = None,
        parameter: str | None = None,
        path: tuple = (),
    ) -> None:
        self.parameter = parameter
        self.path = tuple(path)
        self.file = file
        self.node = node
        self.field = field
        self.line = line
        self.detail = printable(message)
        prefix = printable(locate(file, node, field, line))
        super().__init__(f"{prefix}: {self.detail}" if prefix else self.detail)


class ModelError(InfluenceError, ValueError):
    """A model file (or a model built in Python) is invalid."""


class ModelNotFoundError(InfluenceError, LookupError):
    """A model path does not exist and names no bundled model."""


class QueryError(InfluenceError, ValueError):
    """A request on a valid model is wrong: an unknown node or state, a scenario on a node that
    a decision influences, evidence of probability zero."""

    exit_code = 2


class UnknownNameError(QueryError, LookupError):
    """A request names a node, state, policy or decision the model does not have: a
    :class:`QueryError` (so a ``ValueError``) that is also a ``LookupError``."""


class ArgumentTypeError(QueryError, TypeError):
    """A Python argument of the wrong type (``load(None)``, ``given="oil=wet"``, ``tables=3``):
    a :class:`QueryError` (so a ``ValueError``) that is also a ``TypeError``."""


class EvidenceError(InfluenceError, ValueError):
    """An evidence file is invalid or does not fit its model."""


class PosteriorError(InfluenceError, ValueError):
    """A posterior file is unreadable or belongs to another model or model version."""


class TooLargeError(InfluenceError, ValueError):
    """A diagram is valid but too large to solve exactly on this machine: under perfect recall
    the last decision's strategy table grows with everything observed before it."""


class OutputError(InfluenceError, OSError):
    """An output file cannot be written, or would overwrite an input."""


class DrawingError(InfluenceError, RuntimeError):
    """A drawing cannot be made (Graphviz failed or is unavailable)."""


class DrawingFormatError(DrawingError, ValueError):
    """The requested drawing format is unknown, or cannot be told from the file name."""

    exit_code = 2


class GraphvizNotFoundError(DrawingError):
    """Graphviz's ``dot`` program is not installed and a drawing asked for Graphviz."""


class CommandUnavailableError(InfluenceError, RuntimeError):
    """A command cannot run in this installation (one of its modules is missing)."""


class MissingDependencyError(InfluenceError, ImportError):
    """An optional package a function needs (pandas for ``to_frame``) is not installed."""


class ConvergenceWarning(UserWarning):
    """The sampler's diagnostics say the posterior draws are not to be trusted as they are."""


class FormatWarning(UserWarning):
    """Something in a file of another tool that influence read in a documented way rather than
    refusing it: rows renormalised, impossible rows made uniform, node names mapped to ids, or
    what a conversion leaves out. The CLI prints each as one ``WARNING:`` line."""


class Interrupted(BaseException):
    """The process received SIGINT (Ctrl-C) or SIGTERM while a command ran (raised by the
    command line's signal handlers, see :mod:`influence.cli.signals`).

    Not an error of the input, and on purpose neither an :class:`Exception` nor a
    :class:`KeyboardInterrupt`: code that catches either to carry on (PyMC's samplers keep the
    draws made so far on ``KeyboardInterrupt``) lets it through, while every ``finally`` on
    the way runs (the atomic writer removes its temporary file).

    Attributes
    ----------
    signum : int
        The signal.
    exit_code : int
        128 + the signal's number (130 for SIGINT, 143 for SIGTERM), as shells report it.
    message : str
        ``Interrupted`` (SIGINT) or ``Terminated`` (SIGTERM): the line the command prints.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = int(signum)
        self.exit_code = 128 + self.signum
        self.message = "Terminated" if self.signum == signal.SIGTERM else "Interrupted"
