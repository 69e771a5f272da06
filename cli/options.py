"""Options and arguments shared by the ``influence`` commands."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

import click

__all__ = ["ModelType", "model_argument", "parse_given", "given_option", "format_option",
           "output_option", "input_options", "INPUT_FORMATS", "parse_order"]

#: The formats a model file may be read from (``--input-format``).
INPUT_FORMATS = ("yaml", "net", "xdsl", "bifxml", "xmlbif", "bif", "dne")

#: Where the shared reading options of a command are kept for :func:`load_model`.
READ_OPTIONS = "influence.read_options"

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
