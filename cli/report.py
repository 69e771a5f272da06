"""``influence report``: a self-contained HTML (or PDF) report of a model, to share."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import click

import influence
from influence.io.report import REPORT_FORMATS, html_to_pdf, read_data, require_browser

from .common import emit, load_model, read_options
from .evaluate import echo_posterior_warnings
from .lazy import missing_extras_error
from .options import given_option, input_options, model_argument, output_option

__all__ = ["report"]


def _command(model: str, given: dict[str, str], options: dict[str, Any]) -> str:
    """The command line, as the options were understood (shown in the report)."""
    words = ["influence", "report", model]
    read = read_options()
    if read["format"]:
        words += ["--input-format", read["format"]]
    if read["strict"]:
        words.append("--strict")
    if read["order"]:
        words += ["--order", ",".join(read["order"])]
    for node, state in given.items():
        words += ["--given", f"{node}={state}"]
    for name, value in options.items():
        if value is True:
            words.append(name)
        elif value not in (None, False):
            words += [name, str(value)]
    return shlex.join(words)


@click.command(short_help="A self-contained HTML (or PDF) report of a model, to share.")
@model_argument()
@input_options
@given_option
@click.option("--prior", is_flag=True,
              help="Under draws from the model's priors: adds the spread of each expected "
                   "utility, P(best), expected loss, their distributions, and the EVPPI.")
@click.option("--posterior", metavar="FILE", type=click.Path(exists=True, dir_okay=False),
              help="Under the posterior draws in FILE (written by `influence fit`).")
@click.option("--draws", type=click.IntRange(min=2), metavar="N",
              help="Number of prior draws (default 4000), or a cap on the posterior draws.")
@click.option("--seed", type=int, metavar="S",
              help="Random seed of the prior draws (without one, a seed is chosen and shown "
                   "in the report).")
@click.option("--top", type=click.IntRange(min=1), default=15, show_default=True,
              metavar="N", help="Parameters shown in the sensitivity analysis.")
@click.option("--format", "-f", "fmt", type=click.Choice(REPORT_FORMATS), default=None,
              help="html, or pdf (printed by Chromium or Chrome, which must be installed) "
                   "[default: from the suffix of FILE, else html].")
@output_option("Write to FILE (atomically) instead of standard output.")
def report(model: str, given: dict[str, str], prior: bool, posterior: str | None,
           draws: int | None, seed: int | None, top: int, fmt: str | None,
           output: str | None) -> None:
    """Write a self-contained report of MODEL: one HTML file with the diagram, the ranked
    options, the optimal strategy as rules, the risk profiles, the sensitivity analysis
    (tornado and break-even values), the value of information, the model's sources and how the
    report was produced. It needs no network to view, prints on A4, and runs no script.

    With --prior or --posterior the report adds, for each option, the spread of its expected
    utility over the draws, its 90% interval, the probability that it is best, its expected
    loss and a chart of its distribution, and the value of learning each group of parameters.
    PDF is printed by a headless Chromium or Chrome.

    \b
    Examples:
      influence report oil-wildcatter -o oil-wildcatter.html
      influence report cartel-intervention --prior --seed 1 -o cartel.html
      influence report my_model.yaml --posterior posterior.nc -o report.html
      influence report oil-wildcatter -o oil-wildcatter.pdf
    """
    if prior and posterior:
        raise click.UsageError("give --prior or --posterior, not both")
    if not (prior or posterior):
        for name, value in (("--draws", draws), ("--seed", seed)):
            if value is not None:
                raise click.UsageError(f"{name} applies only with --prior or --posterior")
    if fmt is None:
        fmt = "pdf" if output is not None and Path(output).suffix.lower() == ".pdf" else "html"
    if fmt == "pdf":
        if output is None:
            raise click.UsageError("PDF is binary: give --output FILE")
        require_browser()
    loaded = load_model(model)
    command = _command(model, given, {"--prior": prior, "--posterior": posterior,
                                      "--draws": draws, "--seed": seed,
                                      "--top": None if top == 15 else top, "--format": fmt
                                      if fmt != "html" else None, "--output": output})
    try:
        html = influence.report(loaded.diagram, given=given or None, prior=prior,
                                posterior=posterior, draws=draws, seed=seed, top=top,
                                command=command)
    except ImportError as exc:
        error = missing_extras_error(exc, "a report under parameter uncertainty")
        if error is None:
            raise
        raise error from None
    content: str | bytes = html_to_pdf(html) if fmt == "pdf" else html
    emit(content, output, protect=(loaded.path, None if posterior is None else Path(posterior)),
         what=f"{fmt.upper()} report")
    if posterior is not None:
        echo_posterior_warnings(read_data(html)["evaluation"].get("diagnostics"))

