"""Options and arguments shared by the ``influence`` commands, and the option of each library
parameter (library messages name parameters, ```given```; the command line names options)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

import click

from influence.errors import InfluenceError

__all__ = ["ModelType", "model_argument", "parse_given", "given_option", "format_option",
           "output_option", "OPTIONS", "option_message"]

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
    "start": "--start",
    "method": "--method",
    "chains": "--chains",
    "max_parameters": "--max-parameters",
}


def option_message(err: InfluenceError) -> str:
    """The message of a library error as the command line shows it: when the error is about a
    parameter (:attr:`InfluenceError.parameter`) that has an option, the parameter named in
    backquotes (```given```) is replaced by the option (``--given``)."""
    text = str(err)
    option = OPTIONS.get(err.parameter or "")
    return text.replace(f"`{err.parameter}`", option) if option else text

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


def format_option(choices: tuple[str, ...], default: str = "table",
                  help: str = "Output format.") -> Callable[[F], F]:
    """``--format/-f`` among ``choices``."""
    return click.option("--format", "-f", "fmt", type=click.Choice(choices), default=default,
                        show_default=True, help=help)


def output_option(help: str = "Write to FILE (atomically) instead of standard output."
                  ) -> Callable[[F], F]:
    """``--output/-o FILE``."""
    return click.option("--output", "-o", "output", metavar="FILE",
                        type=click.Path(dir_okay=False, writable=False), help=help)
