"""The ``influence`` command: the root group and the console-script entry point."""

from __future__ import annotations

import errno
import os
import sys
from typing import Any

import click

from influence import __version__
from influence.errors import InfluenceError
from influence.paths import shorten

from .convert import convert
from .evaluate import evaluate
from .graph import graph
from .lazy import LazyCommand, LazyGroup
from .model_commands import models, show, validate
from .options import option_message
from .signals import Interrupted, exit_now, ignore_interrupts, interrupts, received

__all__ = ["cli", "main"]

#: Commands whose modules import PyMC, ArviZ or matplotlib, or many modules that no other
#: command needs (the report's, the analyses'): loaded only when run.
LAZY_COMMANDS = {
    "explain": LazyCommand("influence.cli.explain:explain",
                           "Why one option beats another, attribute by attribute."),
    "sensitivity": LazyCommand("influence.cli.sensitivity:sensitivity",
                               "What drives the decision; break-even values; two-way maps."),
    "voi": LazyCommand("influence.cli.voi:voi",
                       "What is worth learning before deciding (value of information)."),
    "report": LazyCommand("influence.cli.report:report",
                          "A self-contained HTML (or PDF) report of a model, to share."),
    "fit": LazyCommand("influence.cli.bayes_commands:fit",
                       "Fit the priors to evidence data with PyMC."),
    "plot": LazyCommand("influence.cli.bayes_commands:plot",
                        "Plot results under parameter uncertainty."),
}


class InfluenceGroup(LazyGroup):
    """The root group. Its ``main`` is the one place where a command's end becomes what the
    user sees: a usage error (Click's), a library error
    (:class:`~influence.errors.InfluenceError`, naming options where the library names
    parameters, see :func:`~influence.cli.options.option_message`) or a failure of the system
    is one ``Error:`` line on standard error and an exit code (1: invalid model or data, or an
    output that cannot be written; 2: bad usage), never a traceback; Ctrl-C and SIGTERM stop
    the command (see :mod:`influence.cli.signals`) with one line and exit code 130 or 143.
    ``--help`` and ``--version`` are unaffected."""

    def main(self, args: Any = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        with interrupts():
            try:
                code = self._run(args, prog_name, complete_var, **extra)
            except Interrupted as stop:
                code = _stopped(stop)
            except Exception as exc:
                stop = _interruption(exc)
                if stop is None:
                    raise
                code = _stopped(stop)
        sys.exit(code)

    def _run(self, args: Any, prog_name: str | None, complete_var: str | None,
             **extra: Any) -> int:
        """Run the command line; the exit code."""
        try:
            done = super().main(args, prog_name, complete_var, False, **extra)
        except click.exceptions.NoArgsIsHelpError as help_:  # `influence` alone: the help
            help_.show()
            return help_.exit_code
        except click.ClickException as err:
            # Click would print the usage and a hint first: the message alone, on one line.
            return _fail(" ".join(err.format_message().split()), err.exit_code)
        except click.Abort:
            return _fail("aborted", 1)
        except InfluenceError as err:
            return _fail(option_message(err), err.exit_code)
        except MemoryError:
            return _fail("out of memory: the diagram's strategy tables (or the number of "
                         "draws) are too large for this machine", 1)
        except OSError as err:
            if err.errno == errno.EPIPE:  # the reader of standard output went away
                return 1
            where = f"{shorten(os.fsdecode(err.filename))}: " if err.filename else ""
            return _fail(f"{where}{err.strerror or err}", 1)
        # Without standalone mode Click returns the code of ctx.exit(code), or the callback's
        # value (None).
        return done if isinstance(done, int) and not isinstance(done, bool) else 0


def _stopped(stop: Interrupted) -> int:
    """Report an interruption (one line) and its exit code."""
    ignore_interrupts()
    click.echo(stop.message, err=True)
    return stop.exit_code


def _interruption(exc: BaseException) -> Interrupted | None:
    """The interruption that caused ``exc``, if any: a signal that arrived inside a library's
    own machinery (Numba's loading of compiled code wraps it in a ``SystemError``)."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, Interrupted):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def _fail(message: str, code: int) -> int:
    click.echo(f"Error: {message}", err=True)
    return code


@click.group(cls=InfluenceGroup, lazy_subcommands=LAZY_COMMANDS,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", "-V", prog_name="influence",
                      message="%(prog)s %(version)s")
def cli() -> None:
    """Bayesian influence diagrams: exact decisions from a model file.

    A model file (YAML) lists chance, decision and utility nodes in the order decisions are
    taken. Commands take a model file or the name of a bundled model.

    \b
    Examples:
      influence models                          # the bundled models
      influence evaluate oil-wildcatter         # ranked options and the optimal strategy
      influence evaluate oil-wildcatter --given oil=wet --format json
      influence show umbrella                   # nodes, arcs, what each decision knows
      influence graph umbrella -o umbrella.svg  # draw it
      influence sensitivity oil-wildcatter      # what drives the decision; break-even values
      influence explain oil-wildcatter          # where the best option's advantage comes from
      influence validate my_model.yaml
      influence evaluate model.net              # HUGIN, GeNIe .xdsl, pyAgrum .bifxml, ...
      influence convert model.xdsl model.yaml   # between any two formats
      influence report oil-wildcatter -o oil.html   # a self-contained report to share

    Exit codes: 0 success, 1 invalid model or data, 2 bad usage.
    """


for _command in (evaluate, validate, show, models, graph, convert):
    cli.add_command(_command)


def main(argv: list[str] | None = None) -> None:
    """Run the ``influence`` command (the console script and ``python -m influence``)."""
    try:
        cli.main(args=argv, prog_name="influence")
    except SystemExit as done:
        if received() and done.code == 128 + received()[-1]:
            exit_now(done.code)  # interrupted: back to the prompt without a slow teardown
        raise


if __name__ == "__main__":  # pragma: no cover
    main()
