"""``influence graph``: draw a model."""

from __future__ import annotations

from pathlib import Path

import click

from influence.errors import DrawingFormatError
from influence.io.drawing import ENGINES, FORMATS, format_for, render

from .common import emit, load_model
from .options import OUTPUT_FILE, input_options, model_argument, option_message

__all__ = ["graph"]


@click.command(short_help="Draw the diagram (DOT, SVG, PNG or PDF).")
@model_argument()
@input_options
@click.option("--output", "-o", "output", metavar="FILE", type=OUTPUT_FILE,
              help="The file to write (atomically). Without it, DOT or SVG goes to standard "
                   "output.")
@click.option("--format", "-f", "fmt", type=click.Choice(FORMATS), default=None,
              help="Drawing format [default: from the suffix of FILE, else dot].")
@click.option("--engine", type=click.Choice(ENGINES), default="auto", show_default=True,
              help="Who draws SVG, PNG and PDF: Graphviz's `dot` program, or influence's own "
                   "layout drawn with matplotlib (no system package needed); auto: Graphviz "
                   "when `dot` is installed.")
@click.option("--no-legend", is_flag=True, help="Leave out the legend of shapes and arcs.")
def graph(model: str, output: str | None, fmt: str | None, engine: str, no_legend: bool
          ) -> None:
    """Draw MODEL as an influence diagram: decisions as rectangles, chance nodes as ellipses,
    utilities as diamonds, information arcs dashed, decisions left to right in the order
    they are taken.

    SVG, PNG and PDF are drawn by Graphviz's `dot` program when it is installed, else by
    influence's own layout (matplotlib): no system package is needed. The model file is never
    overwritten.

    \b
    Examples:
      influence graph oil-wildcatter -o oil.svg
      influence graph umbrella -o umbrella.png
      influence graph umbrella -o umbrella.pdf --engine matplotlib
      influence graph my_model.yaml -o my_model.dot
      influence graph my_model.yaml | dot -Tpdf -o my_model.pdf
    """
    try:
        chosen = format_for(output, fmt)
    except DrawingFormatError as exc:
        raise click.UsageError(option_message(exc)) from None
    if output is None and chosen not in ("dot", "svg"):
        raise click.UsageError(f"{chosen.upper()} is binary: give --output FILE")
    if output is not None and fmt is not None:
        implied = Path(output).suffix.lower().lstrip(".")
        if implied in FORMATS and implied != fmt and not (implied == "gv" and fmt == "dot"):
            click.echo(f"note: writing {fmt.upper()} to a file named {Path(output).name}",
                       err=True)
    loaded = load_model(model)
    data = render(loaded.diagram, chosen, legend=not no_legend, engine=engine)
    emit(data if chosen in ("png", "pdf") else data.decode("utf-8"), output,
         protect=(loaded.path,), what=chosen.upper())
