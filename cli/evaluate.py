"""``influence evaluate``: expected utilities, the optimal strategy and the policies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import click

import influence
from influence.bayes.summary import sampling_warnings
from influence.io.render import EVALUATION_FORMATS, render_evaluation
from influence.messages import printable

from .common import emit, load_model, report_width
from .lazy import missing_extras_error
from .options import (
    OPTIONS,
    POSTERIOR_FILE,
    format_option,
    given_option,
    input_options,
    memory_limit_option,
    model_argument,
    output_format,
    output_option,
    seed_option,
)
from .progress import progress, time_limit_option

__all__ = ["evaluate", "echo_posterior_warnings"]


@click.command(short_help="Rank policies and alternatives; the optimal strategy.")
@model_argument(required=False)
@input_options
@given_option
@format_option(EVALUATION_FORMATS, default=None, help="Output format: an aligned text report, "
               "the JSON contract (see docs/cli.md), or one CSV row per policy and alternative.")
@click.option("--prior", is_flag=True,
              help="Evaluate under draws from the model's priors (parameter uncertainty).")
@click.option("--posterior", metavar="FILE", type=POSTERIOR_FILE,
              help="Evaluate under the posterior draws in FILE (written by `influence fit`).")
@click.option("--draws", type=click.IntRange(min=2), metavar="N",
              help="Number of prior draws, or a cap on the posterior draws used (at least 2).")
@seed_option()
@output_option()
@click.option("--all-states", is_flag=True,
              help="Table format: list every information state of every decision, including "
                   "those that cannot occur under the optimal strategy.")
@click.option("--risk-tolerance", "risk_tolerance", type=float, metavar="R",
              help="Choose by expected exponential utility -exp(-U/R) (risk aversion, R > 0 "
                   "in the model's units) and report certainty equivalents.")
@memory_limit_option
@time_limit_option
def evaluate(model: str | None, given: dict[str, str], fmt: str | None, prior: bool,
             posterior: str | None, draws: int | None, seed: int | None, output: str | None,
             all_states: bool, risk_tolerance: float | None, memory_limit: int | None,
             time_limit: float | None) -> None:
    """Evaluate MODEL: rank its policies and alternatives by expected utility (EU) and print
    the maximum expected utility and the optimal strategy.

    MODEL is a model file or the name of a bundled model (see `influence models`); without
    it, the default bundled model is evaluated. With --prior or --posterior, parameters are
    uncertain: every expected utility is a mean over draws, with its spread, the probability
    that each option is best, its expected loss, and the expected value of perfect
    information about the parameters. A posterior's sampling warnings (r_hat, bulk ESS,
    divergences) are printed on standard error as WARNING lines whatever the format or the
    output file; the table repeats them in its diagnostics section. On a terminal, a progress
    bar on standard error shows the time left of a long run over draws.

    \b
    Examples:
      influence evaluate oil-wildcatter
      influence evaluate oil-wildcatter --given oil=wet
      influence evaluate umbrella -o umbrella.json
      influence evaluate my_model.yaml --format csv
      influence evaluate my_model.yaml --prior --draws 4000 --seed 1
      influence evaluate my_model.yaml --posterior posterior.nc --format json -o result.json
      influence evaluate oil-wildcatter --risk-tolerance 100
    """
    if prior and posterior:
        raise click.UsageError("give --prior or --posterior, not both")
    fmt = output_format(fmt, output, EVALUATION_FORMATS)
    uncertain = prior or posterior is not None
    if not uncertain:
        for name, value in (("--draws", draws), ("--seed", seed), ("--time-limit", time_limit)):
            if value is not None:
                raise click.UsageError(f"{name} applies only with --prior or --posterior")
    if all_states and fmt != "table":
        raise click.UsageError("--all-states applies to --format table (JSON always lists "
                               "every information state)")
    loaded = load_model(model)
    try:
        with progress("evaluating", time_limit) as report:
            result = influence.evaluate(loaded.diagram, given=given or None, prior=prior,
                                        posterior=posterior, draws=draws, seed=seed,
                                        risk_tolerance=risk_tolerance,
                                        memory_limit=memory_limit, progress=report)
    except ImportError as exc:
        error = missing_extras_error(exc, "evaluating under parameter uncertainty")
        if error is None:
            raise
        raise error from None
    text = render_evaluation(result, fmt, diagram=loaded.diagram, all_states=all_states,
                             all_states_hint=OPTIONS["all_states"],
                             width=report_width(output))
    emit(text, output, protect=(loaded.path, None if posterior is None else posterior),
         what=fmt)
    if result.diagnostics is not None:
        echo_posterior_warnings(result.diagnostics)


def echo_posterior_warnings(diagnostics: Mapping[str, Any] | None) -> list[str]:
    """Print a posterior's sampling warnings on standard error, one ``WARNING:`` line each.

    Every command that uses a posterior calls this, whatever its output format or destination:
    the diagnostics are shown again whenever the posterior is used. The warnings come from the
    posterior file: their control characters are escaped. Returns the warnings.
    """
    lines = sampling_warnings(diagnostics)
    for line in lines:
        click.secho(f"WARNING: {printable(line)}", err=True, fg="red", bold=True)
    return lines
