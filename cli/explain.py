"""``influence explain``: where an option's expected utility comes from."""

from __future__ import annotations

import os

import click

import influence
from influence.io.explain_report import EXPLAIN_FORMATS, render_explanation

from .common import emit, load_model
from .evaluate import echo_posterior_warnings
from .lazy import missing_extras_error
from .options import format_option, given_option, input_options, model_argument, output_option

__all__ = ["explain"]


@click.command(short_help="Why one option beats another, attribute by attribute.")
@model_argument()
@click.argument("option", required=False, metavar="[OPTION]")
@click.argument("other", required=False, metavar="[OTHER]")
@input_options
@click.option("--by", "by", metavar="NODE",
              help="Also split the difference by the states of chance node NODE: each state's "
                   "probability under each option, the conditional expected utility, and its "
                   "share of the difference.")
@given_option
@click.option("--prior", is_flag=True,
              help="Explain under draws from the model's priors (each option is its Bayes "
                   "strategy, valued in every draw).")
@click.option("--posterior", metavar="FILE", type=click.Path(exists=True, dir_okay=False),
              help="Explain under the posterior draws in FILE (written by `influence fit`).")
@click.option("--draws", type=click.IntRange(min=2), metavar="N",
              help="Number of prior draws (default 4000), or a cap on the posterior draws.")
@click.option("--seed", type=int, metavar="S", help="Random seed of the prior draws.")
@format_option(EXPLAIN_FORMATS, help="Output format: an aligned text report, the JSON contract "
               "(see docs/explain.md), or CSV (one row per attribute; with --by, per state).")
@output_option()
@click.option("--plot", "plot", metavar="FILE", type=click.Path(dir_okay=False),
              help="Also draw the waterfall chart from OTHER's expected utility to OPTION's "
                   "to FILE (.png, .svg or .pdf).")
def explain(model: str, option: str | None, other: str | None, by: str | None,
            given: dict[str, str], prior: bool, posterior: str | None, draws: int | None,
            seed: int | None, fmt: str, output: str | None, plot: str | None) -> None:
    """Explain where the difference between two options of MODEL comes from: utility node
    (attribute) by utility node, and with --by, state by state of a chance node.

    OPTION and OTHER are option ids as `influence evaluate` lists them: a policy id, an
    alternative (decision=state) or optimal-strategy. OPTION defaults to the optimal strategy;
    OTHER to the best-ranked option whose expected utility differs from OPTION's (the optimal
    strategy first, then the ranking of `influence evaluate`; options tied with OPTION, which
    would show only zeros, are passed over). Each attribute's contribution is its weight times
    its expected value under the option's strategy; the contributions add up to the option's
    expected utility.

    \b
    Examples:
      influence explain oil-wildcatter test-and-follow drill-blind
      influence explain oil-wildcatter --by oil
      influence explain cartel-intervention
      influence explain cartel-intervention optimal-strategy status-quo --by mexico_response
      influence explain cartel-intervention --prior --draws 4000 --seed 1 --format json
      influence explain cartel-intervention status-quo --plot waterfall.png
    """
    _check_usage(prior, posterior, draws, seed, output, plot)
    if plot is not None:
        from influence.io.plotting import plot_format

        plot_format(plot)  # a bad suffix is refused before any work
    loaded = load_model(model)
    try:
        result = influence.explain(loaded.diagram, option, other, by=by, given=given or None,
                                   prior=prior, posterior=posterior, draws=draws, seed=seed)
    except ImportError as exc:
        error = missing_extras_error(exc, "explaining under parameter uncertainty")
        if error is None:
            raise
        raise error from None
    emit(render_explanation(result, fmt), output, protect=(loaded.path, posterior), what=fmt)
    if plot is not None:
        _write_plot(result, plot, (loaded.path, posterior, output))
    if result.diagnostics is not None:
        echo_posterior_warnings(result.diagnostics)


def _check_usage(prior: bool, posterior: str | None, draws: int | None, seed: int | None,
                 output: str | None, plot: str | None) -> None:
    if prior and posterior:
        raise click.UsageError("give --prior or --posterior, not both")
    if not (prior or posterior):
        for name, value in (("--draws", draws), ("--seed", seed)):
            if value is not None:
                raise click.UsageError(f"{name} applies only with --prior or --posterior")
    if output is not None and plot is not None and \
            os.path.abspath(output) == os.path.abspath(plot):
        raise click.UsageError("--output and --plot name the same file; expected two files")


def _write_plot(result: influence.Explanation, path: str, protect: tuple) -> None:
    try:
        from influence.io.explain_plot import write_explanation_plot

        write_explanation_plot(result, path, protect=protect)
    except ImportError as exc:
        error = missing_extras_error(exc, "drawing the waterfall chart")
        if error is None:
            raise
        raise error from None
    click.echo(f"wrote {path} (waterfall chart)", err=True)
