"""``influence sensitivity``: what drives the decision, and its break-even values."""

from __future__ import annotations

import os
import re

import click

import influence
from influence.io.sensitivity_report import SENSITIVITY_FORMATS, render_sensitivity

from .common import emit, load_model, report_width
from .evaluate import echo_posterior_warnings
from .lazy import missing_extras_error
from .options import (
    OUTPUT_FILE,
    POSTERIOR_FILE,
    dask_options,
    format_option,
    given_option,
    memory_limit_option,
    model_argument,
    output_format,
    output_option,
    seed_option,
)
from .progress import progress, time_limit_option

__all__ = ["sensitivity", "parse_range"]

_RANGE = re.compile(r"^\s*(?P<spec>.+?)\s*=\s*(?P<low>[^:=]+?)\s*:\s*(?P<high>[^:=]+?)\s*$")


def parse_range(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
                ) -> dict[str, tuple[float, float]]:
    """Parse repeated ``--range SPEC=LOW:HIGH`` into ``{SPEC: (low, high)}`` (the library
    checks the names and the numbers).

    Raises
    ------
    click.BadParameter
        For a value not of the form SPEC=LOW:HIGH with two numbers, or a SPEC given twice.
    """
    out: dict[str, tuple[float, float]] = {}
    for raw in values:
        match = _RANGE.match(raw)
        try:
            low, high = float(match["low"]), float(match["high"])  # type: ignore[index]
        except (TypeError, ValueError):
            raise click.BadParameter(
                f"expected SPEC=LOW:HIGH with two numbers (for example oil:dry=0.3:0.7), got "
                f"{raw!r}", ctx=ctx, param=param) from None
        spec = match["spec"]  # type: ignore[index]
        if spec in out:
            raise click.BadParameter(f"{spec!r} is given two ranges; expected one", ctx=ctx,
                                     param=param)
        out[spec] = (low, high)
    return out


@click.command(short_help="What drives the decision; break-even values; two-way maps.")
@model_argument()
@click.option("--parameter", "-p", "parameters", multiple=True, metavar="SPEC",
              help="A parameter to vary (repeatable): NODE:STATE, NODE[PARENT=STATE,...]:STATE, "
                   "NODE[PARENT=STATE,...], weight:NODE or param:NAME (a named parameter or "
                   "one of a structured table). Default: every parameter but the entries of "
                   "deterministic rows, the first state of two-state rows and the numbers "
                   "computed from parameters.")
@click.option("--range", "ranges", multiple=True, metavar="SPEC=LOW:HIGH", callback=parse_range,
              help="The one-way range of a parameter (repeatable); for a utility value or a "
                   "weight also the domain searched for break-even values.")
@click.option("--top", type=click.IntRange(min=1), metavar="N",
              help="Keep the N parameters of largest swing (in every format). Without it the "
                   "table shows 15, JSON and CSV all.")
@click.option("--two-way", "two_way", nargs=2, metavar="A B",
              help="Also map which strategy is optimal as parameters A and B move together.")
@click.option("--grid", type=click.IntRange(min=3, max=401), metavar="N",
              help="Grid values per parameter of the two-way map (default 41).")
@given_option
@click.option("--prior", is_flag=True,
              help="Add the probabilistic sensitivity under draws from the priors.")
@click.option("--posterior", metavar="FILE", type=POSTERIOR_FILE,
              help="Add the probabilistic sensitivity under the posterior draws in FILE.")
@click.option("--draws", type=click.IntRange(min=2), metavar="N",
              help="Number of prior draws (default 4000), or a cap on the posterior draws.")
@seed_option()
@format_option(SENSITIVITY_FORMATS, default=None, help="Output format: an aligned text report, "
               "the JSON contract (see docs/cli.md), or one CSV row per parameter.")
@output_option()
@click.option("--plot", "plot", metavar="FILE", type=OUTPUT_FILE,
              help="Also draw the tornado chart (or, with --two-way, the region map) to FILE "
                   "(.png, .svg or .pdf).")
@memory_limit_option
@time_limit_option
@dask_options("the sweeps, break-even searches, two-way grid and draws")
def sensitivity(model: str, parameters: tuple[str, ...], ranges: dict[str, tuple[float, float]],
                top: int | None, two_way: tuple[str, str] | None, grid: int | None,
                given: dict[str, str], prior: bool, posterior: str | None, draws: int | None,
                seed: int | None, fmt: str | None, output: str | None, plot: str | None,
                memory_limit: int | None, time_limit: float | None, workers: int | None,
                scheduler: str | None) -> None:
    """Sensitivity analysis of MODEL: which numbers drive its decision, and how far each may
    move before the best choice changes.

    Each parameter moves alone over its range (its prior's 90% interval, a --range, or its
    value ±25%): the table ranks them by the swing of the maximum expected utility and names
    the best option at each end. Break-even values are the exact values, anywhere in the
    parameter's domain, at which the optimal strategy changes in an information state that can
    occur. --two-way maps the optimal strategy over two parameters; --prior or --posterior adds
    the share of the variance of the difference between the two best options that each
    uncertain parameter explains.

    \b
    Examples:
      influence sensitivity oil-wildcatter
      influence sensitivity oil-wildcatter -p oil:dry -p "test_cost[test=yes]"
      influence sensitivity oil-wildcatter --range "payoff[drill=yes,oil=dry]=-200:0"
      influence sensitivity oil-wildcatter --two-way oil:dry "payoff[drill=yes,oil=soaking]"
      influence sensitivity cartel-intervention --top 10 --plot tornado.png
      influence sensitivity cartel-intervention --prior --draws 4000 --seed 1 --format json
      influence sensitivity cartel-intervention --two-way A B --grid 101 --workers 2
    """
    _check_usage(prior, posterior, draws, seed, grid, two_way, output, plot, time_limit)
    fmt = output_format(fmt, output, SENSITIVITY_FORMATS)
    if plot is not None:
        from influence.io.plotting import plot_format

        plot_format(plot)  # a bad suffix is refused before any work
    loaded = load_model(model)
    try:
        with progress("sensitivity", time_limit) as report:
            result = influence.sensitivity(
                loaded.diagram, list(parameters) or None, given=given or None, ranges=ranges,
                top=top, prior=prior, posterior=posterior, draws=draws, seed=seed,
                two_way=two_way, grid=grid, memory_limit=memory_limit, progress=report,
                workers=workers, scheduler=scheduler)
    except ImportError as exc:
        error = missing_extras_error(exc, "a probabilistic sensitivity analysis")
        if error is None:
            raise
        raise error from None
    emit(render_sensitivity(result, fmt, top=top, width=report_width(output)), output,
         protect=(loaded.path, posterior), what=fmt)
    if plot is not None:
        _write_plot(result, plot, (loaded.path, posterior, output), top)
    if result.probabilistic is not None and result.probabilistic.diagnostics is not None:
        echo_posterior_warnings(result.probabilistic.diagnostics)


def _check_usage(prior: bool, posterior: str | None, draws: int | None, seed: int | None,
                 grid: int | None, two_way: tuple[str, str] | None, output: str | None,
                 plot: str | None, time_limit: float | None) -> None:
    if prior and posterior:
        raise click.UsageError("give --prior or --posterior, not both")
    if not (prior or posterior):
        for name, value in (("--draws", draws), ("--seed", seed), ("--time-limit", time_limit)):
            if value is not None:
                raise click.UsageError(f"{name} applies only with --prior or --posterior")
    if grid is not None and not two_way:
        raise click.UsageError("--grid applies only with --two-way")
    if output is not None and plot is not None and \
            os.path.abspath(output) == os.path.abspath(plot):
        raise click.UsageError("--output and --plot name the same file; expected two files")


def _write_plot(result: influence.SensitivityResult, path: str, protect: tuple,
                top: int | None) -> None:
    try:
        from influence.io.sensitivity_plot import write_sensitivity_plot

        write_sensitivity_plot(result, path, protect=protect, top=top)
    except ImportError as exc:
        error = missing_extras_error(exc, "drawing the sensitivity plot")
        if error is None:
            raise
        raise error from None
    what = "two-way region map" if result.two_way is not None else "tornado chart"
    click.echo(f"wrote {path} ({what})", err=True)
