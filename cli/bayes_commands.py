"""``influence fit`` and ``influence plot``: the commands of the Bayesian layer.

This module is imported only when one of them runs (see :mod:`influence.cli.lazy`); PyMC,
ArviZ and matplotlib are imported further down, by the library functions they call.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import click

import influence
from influence.atomic import refuse_overwrite
from influence.bayes.evidence import load_evidence
from influence.io.render import DIAGRAM_FORMATS, render_fit
from influence.messages import printable

from .common import load_model, report_width
from .evaluate import echo_posterior_warnings
from .lazy import import_ahead, missing_extras_error
from .options import (
    EVIDENCE_FILE,
    OUTPUT_FILE,
    POSTERIOR_FILE,
    format_option,
    given_option,
    input_options,
    memory_limit_option,
    model_argument,
    option_message,
    seed_option,
)
from .progress import progress, time_limit_option

__all__ = ["fit", "plot"]


def _library_call(what: str, function: Any, *args: Any, **kwargs: Any) -> Any:
    """Call the library, turning a missing optional dependency into a clear error."""
    try:
        return function(*args, **kwargs)
    except ImportError as exc:
        error = missing_extras_error(exc, what)
        if error is None:
            raise
        raise error from None


# -- fit ------------------------------------------------------------------------------------------
@click.command(short_help="Fit the priors to evidence data with PyMC.")
@model_argument()
@input_options
@click.option("--evidence", "-e", "evidence", required=True, multiple=True, metavar="FILE",
              type=EVIDENCE_FILE,
              help="Evidence file (YAML): observed counts or outcomes for nodes with priors, "
                   "or the name of a bundled evidence file (`influence models` lists them). "
                   "Repeat it to fit several files together.")
@click.option("--cases-dir", "cases_dir", metavar="DIR",
              type=click.Path(exists=True, file_okay=False),
              help="A folder the CSV files named by `cases:` entries may also be in (by default "
                   "they must be inside the evidence file's folder, symbolic links followed).")
@click.option("--start", metavar="POSTERIOR", type=POSTERIOR_FILE,
              help="Continue from an earlier exact posterior (a file written by `influence "
                   "fit`): its posterior is the prior of this fit. Two steps give the same "
                   "parameters as one fit of all the evidence, and with the same seed the "
                   "same draws.")
@click.option("--output", "-o", required=True, metavar="FILE",
              type=OUTPUT_FILE,
              help="Where to write the posterior (netCDF, e.g. posterior.nc); written "
                   "atomically, never over the model, the evidence or the --start file.")
@click.option("--method", type=click.Choice(["auto", "exact", "nuts"]), default="auto",
              show_default=True,
              help="exact: conjugate updating (Dirichlet/Beta rows observed directly); nuts: "
                   "NUTS on a PyMC model; auto: exact when possible, else NUTS.")
@click.option("--sampler", type=click.Choice(["auto", "blackjax", "pymc"]), default="auto",
              show_default=True,
              help="NUTS's implementation: blackjax (the model compiled with JAX and cached), "
                   "pymc (PyMC's sampler); auto: blackjax when JAX and BlackJAX are "
                   "installed (they are dependencies), else pymc.")
@click.option("--draws", type=click.IntRange(min=1), default=1000, show_default=True,
              metavar="N", help="Posterior draws per chain.")
@click.option("--chains", type=click.IntRange(min=1), default=4, show_default=True,
              metavar="N", help="Number of chains (r_hat needs at least 2).")
@seed_option("Random seed (a whole number >= 0).")
@format_option(DIAGRAM_FORMATS, help="How to print the summary of the fit.")
def fit(model: str, evidence: tuple[str, ...], cases_dir: str | None, start: str | None,
        output: str, method: str, sampler: str, draws: int, chains: int, seed: int | None,
        fmt: str) -> None:
    """Fit the priors of MODEL to the data in one or more evidence files and write the
    posterior.

    Prints, for every parameter the evidence moved, its prior and posterior mean and 90%
    interval, r_hat and the bulk effective sample size, and warns on standard error when r_hat
    exceeds 1.01, the bulk ESS is below 400, they cannot be computed (one chain, fewer than 4
    draws), or the sampler diverged. The warnings are stored in the posterior file and printed
    again by every command that uses it. A progress bar shows on standard error while drawing
    or sampling when it is a terminal. Evaluate decisions under the posterior with
    `influence evaluate MODEL --posterior FILE`.

    \b
    Examples:
      influence fit cartel-intervention --evidence cartel-operations -o posterior.nc
      influence fit my_model.yaml --evidence data.yaml -o posterior.nc
      influence fit my_model.yaml -e data.yaml -e more.yaml -o posterior.nc --seed 1
      influence fit my_model.yaml -e more.yaml --start posterior.nc -o updated.nc --seed 1
      influence fit my_model.yaml -e data.yaml --cases-dir ../shared -o posterior.nc
      influence fit my_model.yaml -e data.yaml -o posterior.nc --method nuts --draws 2000 --seed 1
      influence evaluate my_model.yaml --posterior posterior.nc
      influence plot my_model.yaml --posterior posterior.nc -o shift.png
    """
    loaded = load_model(model)
    inputs = tuple(Path(p) for p in (*evidence, *((start,) if start else ())))
    refuse_overwrite(output, loaded.path, *inputs)
    earlier = None
    if start is not None:
        earlier = _library_call("reading a posterior", _read_posterior, start)
    data: list[Any] = list(evidence)
    if cases_dir is not None:  # another folder for case files: read the evidence with it
        data = [load_evidence(e, loaded.diagram, cases_dir=cases_dir) for e in evidence]
    with progress("fitting") as report, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the convergence warnings: printed below
        posterior = _library_call("fitting", influence.fit, loaded.diagram, data,
                                  method=method, sampler=sampler, draws=draws,
                                  chains=chains, seed=seed, progressbar=False,
                                  progress=report, start=earlier)
    posterior.write(output, protect=tuple(p for p in (loaded.path, *inputs) if p))
    sampler_used = posterior.diagnostics.get("sampler")
    how = f"method {posterior.method}" + (f", sampler {sampler_used}" if sampler_used else "")
    click.echo(f"wrote {output} (posterior of {printable(loaded.diagram.name)}, {how})",
               err=True)
    echo_posterior_warnings(posterior.diagnostics)
    click.echo(render_fit(posterior, fmt, diagram=loaded.diagram, output=output,
                          evidence=evidence, start=start, width=report_width(None)), nl=False)


# -- plot -----------------------------------------------------------------------------------------
@click.command(short_help="Plot results under parameter uncertainty.")
@model_argument(required=False)
@input_options
@given_option
@click.option("--posterior", metavar="FILE", type=POSTERIOR_FILE,
              help="Posterior draws written by `influence fit`.")
@click.option("--prior", is_flag=True, help="Use draws from the model's priors instead.")
@click.option("--draws", type=click.IntRange(min=2), metavar="N",
              help="Number of prior draws (default 4000), or a cap on the posterior draws.")
@seed_option()
@click.option("--output", "-o", required=True, metavar="FILE",
              type=OUTPUT_FILE,
              help="The image to write (.png, .svg or .pdf), atomically.")
@click.option("--max-parameters", type=click.IntRange(min=0), default=12, show_default=True,
              metavar="N", help="Most prior-to-posterior panels (largest shifts first).")
@click.option("--risk-profile", "risk_profile", is_flag=True,
              help="Plot instead the risk profiles at the model's numbers: the exact cumulative "
                   "distribution of the total utility under the optimal strategy and each "
                   "named policy (no --prior or --posterior).")
@click.option("--alternatives", is_flag=True,
              help="With --risk-profile, also the profile of each alternative.")
@memory_limit_option
@time_limit_option
def plot(model: str | None, given: dict[str, str], posterior: str | None, prior: bool,
         draws: int | None, seed: int | None, output: str, max_parameters: int,
         risk_profile: bool, alternatives: bool, memory_limit: int | None,
         time_limit: float | None) -> None:
    """Plot MODEL under parameter uncertainty: the expected utility of the optimal strategy
    and of each policy and alternative across the draws (mean, 50% and 90% intervals, with
    the probability of being best and the expected loss), and with --posterior the prior and
    posterior densities of each parameter the evidence moved. The posterior's sampling
    warnings, if any, are printed on standard error.

    \b
    Examples:
      influence plot my_model.yaml --posterior posterior.nc -o uncertainty.png
      influence plot my_model.yaml --prior --draws 4000 --seed 1 -o prior.svg
      influence plot oil-wildcatter --risk-profile --alternatives -o risk.png
    """
    from influence.io.plotting import plot_format, write_uncertainty_plot

    if risk_profile:
        _plot_risk_profiles(model, given, posterior, prior, output, alternatives, memory_limit)
        return
    if alternatives:
        raise click.UsageError("--alternatives goes with --risk-profile")
    if prior == (posterior is not None):
        raise click.UsageError("give exactly one of --prior and --posterior")
    try:
        plot_format(output)
    except influence.InfluenceError as err:
        raise click.BadParameter(option_message(err), param_hint="'--output'") from None
    import_ahead("matplotlib.figure", "matplotlib.backends.backend_agg")
    loaded = load_model(model)
    protect = (loaded.path, posterior)
    refuse_overwrite(output, *protect)
    fitted = None
    if posterior is not None:
        fitted = _library_call("reading a posterior", _read_posterior, posterior)
    with progress("evaluating", time_limit) as report:
        result = _library_call("evaluating under parameter uncertainty", influence.evaluate,
                               loaded.diagram, given=given or None, prior=prior,
                               posterior=fitted, draws=draws, seed=seed,
                               memory_limit=memory_limit, progress=report)
    _library_call("plotting", write_uncertainty_plot, result, output, protect=protect,
                  posterior=fitted, diagram=loaded.diagram, max_parameters=max_parameters)
    click.echo(f"wrote {output} ({result.draws} {result.uncertainty} draws)", err=True)
    if fitted is not None:
        echo_posterior_warnings(fitted.diagnostics)


def _plot_risk_profiles(model: str | None, given: dict[str, str], posterior: str | None,
                        prior: bool, output: str, alternatives: bool,
                        memory_limit: int | None) -> None:
    """``influence plot --risk-profile``: the exact risk profiles at the model's numbers."""
    from influence.io.plotting import plot_format
    from influence.io.risk_plot import write_risk_plot

    if prior or posterior is not None:
        raise click.UsageError("--risk-profile plots the model's numbers: leave out --prior and "
                               "--posterior")
    try:
        plot_format(output)
    except influence.InfluenceError as err:
        raise click.BadParameter(option_message(err), param_hint="'--output'") from None
    loaded = load_model(model)
    refuse_overwrite(output, loaded.path)
    result = _library_call("evaluating", influence.evaluate, loaded.diagram,
                           given=given or None, memory_limit=memory_limit)
    _library_call("plotting", write_risk_plot, result, output, alternatives=alternatives,
                  protect=(loaded.path,))
    click.echo(f"wrote {output} (risk profiles of {printable(loaded.diagram.name)})", err=True)


def _read_posterior(path: str) -> Any:
    return influence.Posterior.read(path)
