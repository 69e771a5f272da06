"""The ``influence`` command: the root group and the console-script entry point."""

from __future__ import annotations

import sys
from typing import Any

import click

from influence import __version__
from influence.errors import InfluenceError

from .convert import convert
from .evaluate import evaluate
from .explain import explain
from .graph import graph
from .lazy import LazyCommand, LazyGroup
from .model_commands import models, show, validate
from .options import option_message
from .sensitivity import sensitivity
from .voi import voi

__all__ = ["cli", "main"]

#: Commands whose modules import PyMC, ArviZ or matplotlib, or many modules that no other
#: command needs (the report's): loaded only when run.
LAZY_COMMANDS = {
    "report": LazyCommand("influence.cli.report:report",
                          "A self-contained HTML (or PDF) report of a model, to share."),
    "fit": LazyCommand("influence.cli.bayes_commands:fit",
                       "Fit the priors to evidence data with PyMC."),
    "plot": LazyCommand("influence.cli.bayes_commands:plot",
                        "Plot results under parameter uncertainty."),
}


class InfluenceGroup(LazyGroup):
    """The root group. Its ``main`` is the one place where library errors
    (:class:`~influence.errors.InfluenceError`) become a message on standard error, naming
    options where the library names parameters (:func:`~influence.cli.options.option_message`),
    and an exit code (1: invalid model or data, 2: bad usage), never a traceback."""

    def main(self, args: Any = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        try:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        except InfluenceError as err:
            if not standalone_mode:
                raise
            click.echo(f"Error: {option_message(err)}", err=True)
            sys.exit(err.exit_code)
        except MemoryError:
            if not standalone_mode:
                raise
            click.echo("Error: out of memory: the diagram's strategy tables (or the number of "
                       "draws) are too large for this machine", err=True)
            sys.exit(1)


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


for _command in (evaluate, validate, show, models, graph, convert, sensitivity, voi,
                 explain):
    cli.add_command(_command)


def main(argv: list[str] | None = None) -> None:
    """Run the ``influence`` command (the console script and ``python -m influence``)."""
    cli.main(args=argv, prog_name="influence")


if __name__ == "__main__":  # pragma: no cover
    main()
