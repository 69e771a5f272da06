"""Options and arguments shared by the ``influence`` commands, and the option of each library
parameter (library messages name parameters, ```given```; the command line names options)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from influence.errors import EvidenceError, InfluenceError, PosteriorError
from influence.paths import input_problem, shorten

__all__ = ["ModelType", "model_argument", "parse_given", "given_option", "format_option",
           "output_option", "input_options", "INPUT_FORMATS", "parse_order", "OPTIONS",
           "option_message", "as_options", "memory_limit_option", "parallel_options",
           "dask_options", "parse_size",
           "output_format", "InputFile", "POSTERIOR_FILE", "EVIDENCE_FILE", "OUTPUT_FILE",
           "seed_option"]

#: The formats a model file may be read from (``--input-format``).
INPUT_FORMATS = ("yaml", "net", "xdsl", "bifxml", "xmlbif", "bif", "dne")

#: Where the shared reading options of a command are kept for :func:`load_model`.
READ_OPTIONS = "influence.read_options"

#: The command-line option of each Python parameter of the library that has one.
OPTIONS: dict[str, str] = {
    "given": "--given",
    "prior": "--prior",
    "posterior": "--posterior",
    "draws": "--draws",
    "seed": "--seed",
    "all_states": "--all-states",
    "tables": "--tables",
    "fmt": "--format",
    "output": "--output",
    "evidence": "--evidence",
    "cases_dir": "--cases-dir",
    "start": "--start",
    "method": "--method",
    "sampler": "--sampler",
    "chains": "--chains",
    "max_parameters": "--max-parameters",
    "memory_limit": "--memory-limit",
    "time_limit": "--time-limit",
    "risk_tolerance": "--risk-tolerance",
    "order": "--order",
    "strict": "--strict",
    "format": "--input-format",
    "output_format": "--output-format",
    "parameters": "--parameter",
    "ranges": "--range",
    "top": "--top",
    "two_way": "--two-way",
    "grid": "--grid",
    "nodes": "--nodes",
    "decision": "--decision",
    "groups": "--group",
    "studies": "--study",
    "study_cost": "--study-cost",
    "by": "--by",
    "engine": "--engine",
    "keep_draws": "--keep-draws",
    "workers": "--workers",
    "scheduler": "--scheduler",
}

#: Parameters of reading and writing files, named in warnings (which carry no parameter).
_READING = ("order", "strict", "format", "output_format")

#: Parameters an error may name besides its own (in its advice).
_ADVICE = ("keep_draws", "workers", "scheduler", "memory_limit")


def option_message(err: InfluenceError) -> str:
    """The message of a library error as the command line shows it: when the error is about a
    parameter (:attr:`InfluenceError.parameter`) that has an option, the parameter named in
    backquotes (```given```) is replaced by the option (``--given``)."""
    text = str(err)
    option = OPTIONS.get(err.parameter or "")
    if not option:
        return as_options(text)
    text = text.replace(f"`{err.parameter}`", option)
    for parameter in _ADVICE:
        text = text.replace(f"`{parameter}`", OPTIONS[parameter])
    return text


def as_options(message: str) -> str:
    """A reading or writing message (a warning, or an error about the file options) with the
    Python parameters it names in backquotes replaced by the options that set them."""
    for parameter in _READING:
        message = message.replace(f"`{parameter}`", OPTIONS[parameter])
    return message

F = TypeVar("F", bound=Callable[..., Any])

_GIVEN = re.compile(r"^\s*([^=\s]+)\s*=\s*(\S(?:.*\S)?)\s*$")


class ModelType(click.ParamType):
    """A model file path or the name of a bundled model (completed in the shell)."""

    name = "model"

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str
                       ) -> list[Any]:
        from click.shell_completion import CompletionItem

        from influence.model import bundled

        items = [CompletionItem(n) for n in bundled.names() if n.startswith(incomplete)]
        return items + [CompletionItem(incomplete, type="file")]


class InputFile(click.ParamType):
    """A file a command reads besides the model (``--posterior``, ``--evidence``,
    ``--start``), checked before any work. A missing file, a directory or a path too long for
    the system is an error of the data, as for a missing model (exit 1), raised as the
    library raises it for that kind of file; what the file holds is checked by the library.

    Parameters
    ----------
    error : type
        The :class:`~influence.errors.InfluenceError` to raise.
    what : str
        What the file is, in the message (``posterior``, ``evidence file``).
    """

    name = "file"

    def __init__(self, error: type[InfluenceError], what: str) -> None:
        self.error = error
        self.what = what

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None
                ) -> str:
        problem = input_problem(value)
        if problem is not None:
            raise self.error(f"cannot read the {self.what}: {problem}", file=shorten(value))
        return str(value)

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str
                       ) -> list[Any]:
        from click.shell_completion import CompletionItem

        return [CompletionItem(incomplete, type="file")]


#: An output file (``-o``, ``--plot``): completed as a path in the shell; what it may be (not a
#: directory, in an existing folder, not too long, never an input) is checked where it is
#: written (:mod:`influence.atomic`), an output error (exit 1) rather than bad usage.
OUTPUT_FILE = click.Path()

#: ``--posterior`` and ``--start``: a posterior file written by ``influence fit``.
POSTERIOR_FILE = InputFile(PosteriorError, "posterior")

class EvidenceFile(InputFile):
    """``--evidence``: an evidence file, or the name of a bundled one (``cartel-operations``)
    where no file of that name exists (the library finds it by that name)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None
                ) -> str:
        from influence.model import bundled

        problem = input_problem(value)
        if problem == "no such file":
            if bundled.evidence_path(str(value)) is not None:
                return str(value)
            names = ", ".join(bundled.evidence_names()) or "none"
            problem += f", and no bundled evidence of that name (bundled: {names})"
        if problem is not None:
            raise self.error(f"cannot read the {self.what}: {problem}", file=shorten(value))
        return str(value)


#: ``--evidence``: an evidence file, or the name of a bundled one.
EVIDENCE_FILE = EvidenceFile(EvidenceError, "evidence file")


def _seed(ctx: click.Context, param: click.Parameter, value: int | None) -> int | None:
    if value is not None and value < 0:
        raise click.BadParameter(f"expected a whole number >= 0, got {value}", ctx=ctx,
                                 param=param)
    return value


def seed_option(help: str = "Random seed of the prior draws (a whole number >= 0)."
                ) -> Callable[[F], F]:
    """``--seed S``: a random seed, a whole number >= 0 (checked before any work)."""
    return click.option("--seed", type=int, metavar="S", callback=_seed, help=help)


def model_argument(required: bool = True) -> Callable[[F], F]:
    """The MODEL argument: a path to a model file or the name of a bundled model."""
    return click.argument("model", type=ModelType(), required=required,
                          metavar="MODEL" if required else "[MODEL]")


def parse_given(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
                ) -> dict[str, str]:
    """Parse repeated ``--given NODE=STATE`` options into a dict.

    Raises
    ------
    click.BadParameter
        For a value without ``=``, an empty node or state, or one node given two states.
    """
    out: dict[str, str] = {}
    for raw in values:
        match = _GIVEN.match(raw)
        if not match:
            raise click.BadParameter(f"expected NODE=STATE (for example oil=wet), got {raw!r}",
                                     ctx=ctx, param=param)
        node, state = match.group(1), match.group(2)
        if node in out and out[node] != state:
            raise click.BadParameter(
                f"'{node}' is given twice, as {out[node]!r} and as {state!r}; expected one state",
                ctx=ctx, param=param)
        out[node] = state
    return out


def given_option(f: F) -> F:
    """``--given/-g NODE=STATE`` (repeatable): a scenario known before any decision."""
    return click.option(
        "--given", "-g", "given", multiple=True, metavar="NODE=STATE", callback=parse_given,
        help="Condition on a chance node that no decision influences being in STATE "
             "(repeatable). Results are conditional on this scenario.",
    )(f)


def format_option(choices: tuple[str, ...], default: str | None = "table",
                  help: str = "Output format.") -> Callable[[F], F]:
    """``--format/-f`` among ``choices``; with ``default`` None, the command resolves it
    from the suffix of ``--output`` (:func:`output_format`)."""
    if default is None:
        implied = [f".{s}" for s in choices if s in _SUFFIX_FORMATS.values()]
        help += (" [default: from the suffix of --output (" + ", ".join(implied)
                 + "), else table]")
    return click.option("--format", "-f", "fmt", type=click.Choice(choices), default=default,
                        show_default=default is not None, help=help)


#: Output formats told from the suffix of ``--output`` when ``--format`` is not given.
_SUFFIX_FORMATS = {".json": "json", ".csv": "csv"}


def output_format(fmt: str | None, output: str | None, choices: tuple[str, ...]) -> str:
    """The output format: ``--format`` if given; else told from the suffix of ``--output``
    (``.json``, ``.csv``); else ``table``.

    Raises
    ------
    click.UsageError
        When the suffix names a format the command does not write.
    """
    if fmt is not None:
        return fmt
    suffix = Path(output).suffix.lower() if output else ""
    implied = _SUFFIX_FORMATS.get(suffix)
    if implied is None:
        return "table"
    if implied not in choices:
        raise click.UsageError(
            f"cannot tell the format from {Path(output).name!r}: this command writes "
            f"{' or '.join(choices)}, not {implied.upper()}; give --format")
    return implied


def output_option(help: str = "Write to FILE (atomically) instead of standard output."
                  ) -> Callable[[F], F]:
    """``--output/-o FILE``."""
    return click.option("--output", "-o", "output", metavar="FILE",
                        type=OUTPUT_FILE, help=help)


def parse_order(ctx: click.Context, param: click.Parameter, value: str | None
                ) -> tuple[str, ...] | None:
    """``--order D1,D2,...`` as a tuple of decision names."""
    if value is None:
        return None
    names = tuple(v.strip() for v in value.split(",") if v.strip())
    if not names:
        raise click.BadParameter(f"expected decisions separated by commas (for example "
                                 f"test,drill), got {value!r}", ctx=ctx, param=param)
    return names


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    ctx.meta.setdefault(READ_OPTIONS, {})[param.name] = value
    return value


def input_options(f: F) -> F:
    """``--input-format``, ``--strict`` and ``--order``: how to read a file of another tool
    (HUGIN .net, GeNIe .xdsl, pyAgrum .bifxml, .xmlbif, .bif, Netica .dne). They are kept in
    the context for :func:`influence.cli.common.load_model`, not passed to the command."""
    options = [
        click.option("--input-format", "input_format", type=click.Choice(INPUT_FORMATS),
                     default=None, expose_value=False, callback=_remember, is_eager=True,
                     help="Read MODEL in this format [default: from its suffix]."),
        click.option("--strict", "strict", is_flag=True, expose_value=False,
                     callback=_remember, is_eager=True,
                     help="Files of other tools: refuse probability rows that do not sum to 1 "
                          "within 1e-6 (by default rows rounded in the file, within 1e-3, are "
                          "renormalised with a warning)."),
        click.option("--order", "order", metavar="D1,D2,...", default=None,
                     expose_value=False, is_eager=True,
                     callback=lambda ctx, param, value: _remember(
                         ctx, param, parse_order(ctx, param, value)),
                     help="Files of other tools: the decisions in the order they are taken, "
                          "where the file's arcs leave it open."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


_SIZE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)(?:e(\d+))?\s*([kmgt]i?b?|b)?\s*$", re.I)
_UNITS = {"": 1, "b": 1, "k": 10**3, "kb": 10**3, "ki": 2**10, "kib": 2**10,
          "m": 10**6, "mb": 10**6, "mi": 2**20, "mib": 2**20,
          "g": 10**9, "gb": 10**9, "gi": 2**30, "gib": 2**30,
          "t": 10**12, "tb": 10**12, "ti": 2**40, "tib": 2**40}


def parse_size(ctx: click.Context | None, param: click.Parameter | None,
               value: str | None) -> int | None:
    """A memory size such as ``4GB``, ``512MiB`` or ``2e9`` (bytes), as a number of bytes.

    Raises
    ------
    click.BadParameter
        For anything else, or a size of zero.
    """
    if value is None:
        return None
    match = _SIZE.match(value)
    if not match:
        raise click.BadParameter(f"expected a size such as 4GB, 512MiB or 2e9 (bytes), got "
                                 f"{value!r}", ctx=ctx, param=param)
    number = float(match.group(1)) * 10 ** int(match.group(2) or 0)
    size = int(number * _UNITS[(match.group(3) or "").lower()])
    if size <= 0:
        raise click.BadParameter(f"expected a size above zero, got {value!r}", ctx=ctx,
                                 param=param)
    return size


def dask_options(what: str) -> Callable[[F], F]:
    """``--workers N`` and ``--scheduler ADDRESS``: where the pieces of work of a command run
    (docs/scale.md); ``what`` names them in the help ("the draws")."""

    def decorate(f: F) -> F:
        f = click.option(
            "--scheduler", metavar="ADDRESS",
            help=f"Spread {what} over the running Dask cluster whose scheduler is at ADDRESS "
                 "(e.g. tcp://10.0.0.5:8786; its workers need influence installed). Same "
                 "results as one process.")(f)
        return click.option(
            "--workers", type=click.IntRange(min=1), metavar="N",
            help=f"Spread {what} over a local Dask cluster of N worker processes (needs "
                 "pip install \"influence[dask]\"). Same results as one process.")(f)

    return decorate


def parallel_options(f: F) -> F:
    """``--keep-draws``, ``--workers N`` and ``--scheduler ADDRESS``: how a run over draws
    keeps its per-draw values and where it runs (docs/scale.md)."""
    f = dask_options("the draws")(f)
    return click.option(
        "--keep-draws", "keep_draws", is_flag=True,
        help="Keep every option's value in every draw whatever their number (the 90% intervals "
             "then come from every draw). Without it a run keeps them while they fit 64 MiB, "
             "beyond that a subsample for the intervals, so memory stays bounded.")(f)


def memory_limit_option(f: F) -> F:
    """``--memory-limit SIZE``: the working memory a computation may plan to use."""
    return click.option(
        "--memory-limit", "memory_limit", metavar="SIZE", callback=parse_size,
        help="Working memory the computation may use, e.g. 4GB or 512MiB (default: half of "
             "the machine's memory). Larger work is refused before it starts.")(f)
