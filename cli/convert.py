"""``influence convert``: a model file from one format to another."""

from __future__ import annotations

import warnings

import click

import influence
from influence.errors import FormatWarning
from influence.io.formats import FORMATS

from .common import echo_warnings
from .options import INPUT_FORMATS, OUTPUT_FILE, parse_order

__all__ = ["convert"]

OUTPUT_FORMATS = tuple(name for name, f in FORMATS.items() if f.writer)


@click.command(short_help="Convert a model between YAML, HUGIN, GeNIe, pyAgrum, BIF, Netica.")
@click.argument("source", metavar="IN")
@click.argument("target", metavar="OUT", type=OUTPUT_FILE)
@click.option("--input-format", type=click.Choice(INPUT_FORMATS), default=None,
              help="Read IN in this format [default: from its suffix].")
@click.option("--output-format", type=click.Choice(OUTPUT_FORMATS), default=None,
              help="Write OUT in this format [default: from its suffix].")
@click.option("--strict", is_flag=True,
              help="Refuse probability rows that do not sum to 1 within 1e-6 (by default rows "
                   "rounded in the file, within 1e-3, are renormalised with a warning).")
@click.option("--order", metavar="D1,D2,...", callback=parse_order,
              help="The decisions in the order they are taken, where the arcs of IN leave it "
                   "open.")
def convert(source: str, target: str, input_format: str | None, output_format: str | None,
            strict: bool, order: tuple[str, ...] | None) -> None:
    """Convert the model IN (a file or a bundled model's name) into OUT, each in the format of
    its suffix: .yaml/.yml/.json (influence), .net (HUGIN), .xdsl (GeNIe), .bifxml/.xml
    (pyAgrum), .xmlbif and .bif (Bayesian networks only), .dne (Netica, read only).

    What OUT's format cannot hold (priors, sources, policies, ...) is left out and listed in
    one WARNING line on standard error; YAML keeps everything. OUT is written atomically and
    is never IN.

    \b
    Examples:
      influence convert oil-wildcatter oil.net
      influence convert model.xdsl model.yaml
      influence convert model.net model.bifxml --order test,drill
      influence convert model.txt model.yaml --input-format net
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", FormatWarning)
        try:
            influence.convert(source, target, input_format=input_format,
                              output_format=output_format, strict=strict, order=order)
        finally:
            echo_warnings(caught)
    click.echo(f"wrote {target}", err=True)
