"""``influence validate``, ``influence show`` and ``influence models``: looking at models."""

from __future__ import annotations

import click

from influence.errors import InfluenceError
from influence.io.render import DIAGRAM_FORMATS, render_diagram, render_models
from influence.io.text import validation_report
from influence.model import bundled

from .common import emit, load_model, report_width
from .options import (
    format_option,
    input_options,
    model_argument,
    option_message,
    output_format,
    output_option,
)

__all__ = ["validate", "show", "models"]


@click.command(short_help="Check model files; exit 1 if one is invalid.")
@click.argument("models", nargs=-1, required=True, metavar="MODEL...")
@input_options
def validate(models: tuple[str, ...]) -> None:
    """Check that each MODEL (a file or a bundled model name) is a valid influence diagram.

    Every MODEL is checked, whatever the others hold: one line per valid model, and for each
    invalid one its first problem (file, line, node and field) on standard error; the exit
    code is 0 if all are valid, else 1. Notes about valid but suspicious structure (a node that
    cannot affect any utility) follow the summary.

    \b
    Examples:
      influence validate oil-wildcatter
      influence validate models/*.yaml
    """
    worst = 0
    for model in models:
        try:
            loaded = load_model(model)
        except InfluenceError as err:
            if len(models) == 1:
                raise
            # several models: report every invalid one, then exit with the worst code
            click.echo(f"Error: {option_message(err)}", err=True)
            worst = max(worst, err.exit_code)
            continue
        click.echo(validation_report(loaded.diagram, model), nl=False)
    if worst:
        click.get_current_context().exit(worst)


@click.command(short_help="Describe a model: nodes, arcs, information, policies.")
@model_argument()
@input_options
@format_option(DIAGRAM_FORMATS, default=None)
@click.option("--tables", is_flag=True,
              help="Table format: also print every probability and utility table (JSON always "
                   "includes them).")
@output_option()
def show(model: str, fmt: str | None, tables: bool, output: str | None) -> None:
    """Describe MODEL: its nodes (type, states, parents or what a decision observes, label),
    arcs, the order of the decisions, what each decision knows under perfect recall, the
    named policies, the priors and the sources.

    \b
    Examples:
      influence show oil-wildcatter
      influence show umbrella --tables
      influence show my_model.yaml --format json
    """
    fmt = output_format(fmt, output, DIAGRAM_FORMATS)
    loaded = load_model(model)
    emit(render_diagram(loaded.diagram, fmt, tables=tables, width=report_width(output)),
         output, protect=(loaded.path,), what=fmt)


@click.command(short_help="List the bundled models.")
@format_option(DIAGRAM_FORMATS)
def models(fmt: str) -> None:
    """List the bundled models, one per line: name, title and the bundled evidence files
    fitted to it.

    A bundled model's name can be given wherever a command takes MODEL, and a bundled
    evidence file's name wherever `influence fit` takes --evidence.

    \b
    Examples:
      influence models
      influence models --format json
    """
    click.echo(render_models(bundled.summaries(), fmt, default=bundled.default_model(),
                             evidence=bundled.evidence_for()), nl=False)
