"""``influence voi``: what is worth learning before deciding."""

from __future__ import annotations

from pathlib import Path

import click

import influence
from influence.atomic import refuse_overwrite
from influence.io.voi_text import VOI_FORMATS, render_voi

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

__all__ = ["voi"]


def _split_nodes(ctx: click.Context, param: click.Parameter, value: str | None
                 ) -> list[str] | None:
    if value is None:
        return None
    nodes = [v.strip() for v in value.split(",")]
    if not all(nodes):
        raise click.BadParameter(f"expected NODE or NODE,NODE,..., got {value!r}", ctx=ctx,
                                 param=param)
    return nodes


def _groups(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
            ) -> dict[str, str] | None:
    out: dict[str, str] = {}
    for raw in values:
        name, eq, specs = raw.partition("=")
        if not eq or not name.strip() or not specs.strip() or "[" in name:
            raise click.BadParameter(f"expected NAME=SPEC,SPEC,... (for example "
                                     f"costs=cost_a,cost_b), got {raw!r}", ctx=ctx, param=param)
        if name.strip() in out:
            raise click.BadParameter(f"the group {name.strip()!r} is given twice", ctx=ctx,
                                     param=param)
        out[name.strip()] = specs
    return out or None


def _studies(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
             ) -> list[str] | None:
    for raw in values:
        spec, eq, sizes = raw.rpartition("=")
        ok = eq and spec.strip() and spec.count("[") == spec.count("]")
        if not ok or not all(s.strip().isdigit() and int(s) > 0 for s in sizes.split(",")):
            raise click.BadParameter(f"expected SPEC=N or SPEC=N1,N2,... with whole numbers "
                                     f"N >= 1 (for example oil=10,100), got {raw!r}", ctx=ctx,
                                     param=param)
    return list(values) or None


@click.command(short_help="What is worth learning before deciding (value of information).")
@model_argument()
@click.option("--nodes", metavar="A,B", callback=_split_nodes,
              help="Value observing these chance nodes together (default: each chance node "
                   "on its own).")
@click.option("--decision", metavar="D",
              help="Only before this decision (default: before every decision that neither "
                   "knows nor influences the nodes).")
@given_option
@click.option("--prior", is_flag=True,
              help="Under the model's priors: adds the EVPI, the EVPPI of each parameter group "
                   "and the EVSI of studies.")
@click.option("--posterior", metavar="FILE", type=POSTERIOR_FILE,
              help="Under the posterior in FILE (written by `influence fit`).")
@click.option("--draws", type=click.IntRange(min=2), metavar="N",
              help="Number of prior draws (default 4000), or a cap on the posterior draws.")
@seed_option()
@click.option("--group", "groups", multiple=True, metavar="NAME=SPEC,SPEC", callback=_groups,
              help="A group of parameters learned together (repeatable); SPEC is NODE, "
                   "NODE[PARENT=STATE,...], NODE[PARENT=STATE,...]:STATE or param:NAME. "
                   "Default: one group per node with priors, and one per named parameter "
                   "with a prior.")
@click.option("--study", "studies", multiple=True, metavar="SPEC=N[,N2...]", callback=_studies,
              help="A study of N new cases of one row, NODE[PARENT=STATE,...] (NODE for a node "
                   "without parents), repeatable; several sizes give the EVSI curve. A row of "
                   "a structured table, or any row under a NUTS posterior, is valued by "
                   "reweighting the draws (with a standard error).")
@click.option("--study-cost", type=float, metavar="C",
              help="The cost of a study in the model's utility units: adds the expected net "
                   "benefit of sampling (EVSI - C).")
@format_option(VOI_FORMATS, default=None, help="Output format: an aligned text report, the "
               "JSON contract (see docs/cli.md), or one CSV row per value.")
@output_option()
@click.option("--plot", "plot", metavar="FILE", type=OUTPUT_FILE,
              help="Also draw the values (and EVSI curves) to FILE (.png, .svg or .pdf).")
@memory_limit_option
@time_limit_option
@dask_options("the draws and the studies' outcomes")
def voi(model: str, nodes: list[str] | None, decision: str | None, given: dict[str, str],
        prior: bool, posterior: str | None, draws: int | None, seed: int | None,
        groups: dict[str, str] | None, studies: list[str] | None, study_cost: float | None,
        fmt: str | None, output: str | None, plot: str | None, memory_limit: int | None,
        time_limit: float | None, workers: int | None, scheduler: str | None) -> None:
    """Value of information of MODEL: what observing chance nodes before each decision is
    worth (exact); with --prior or --posterior, what learning all the parameters (EVPI) and
    each group of them (EVPPI) is worth, and what proposed studies are worth (EVSI).

    \b
    Examples:
      influence voi oil-wildcatter
      influence voi oil-wildcatter --nodes oil --decision test
      influence voi cartel-intervention --prior --seed 1
      influence voi cartel-intervention --prior --group costs=param:cost_development
      influence voi my_model.yaml --prior --study "result[test=yes]=10,100" --study-cost 5
      influence voi my_model.yaml --posterior post.nc --format json -o voi.json --plot voi.png
      influence voi cartel-intervention --prior --draws 4000 --seed 1 --workers 2
    """
    if prior and posterior:
        raise click.UsageError("give --prior or --posterior, not both")
    uncertain = prior or posterior is not None
    for name, value in (("--draws", draws), ("--seed", seed), ("--group", groups),
                        ("--study", studies), ("--time-limit", time_limit),
                        ("--workers", workers), ("--scheduler", scheduler)):
        if value is not None and not uncertain:
            raise click.UsageError(f"{name} applies only with --prior or --posterior")
    if study_cost is not None and not studies:
        raise click.UsageError("--study-cost applies only with --study")
    fmt = output_format(fmt, output, VOI_FORMATS)
    if plot is not None:
        from influence.io.plotting import plot_format

        try:
            plot_format(plot)
        except influence.InfluenceError as err:
            raise click.BadParameter(err.detail, param_hint="'--plot'") from None
    loaded = load_model(model)
    protect = (loaded.path, None if posterior is None else posterior)
    if plot is not None:
        if output is not None and Path(plot).resolve() == Path(output).resolve():
            raise click.UsageError("--plot and --output name the same file; give two files")
        refuse_overwrite(plot, *protect)
    try:
        with progress("value of information", time_limit) as report:
            result = influence.value_of_information(
                loaded.diagram, nodes=nodes, decision=decision, given=given or None,
                prior=prior, posterior=posterior, draws=draws, seed=seed, groups=groups,
                studies=studies, study_cost=study_cost, memory_limit=memory_limit,
                progress=report, workers=workers, scheduler=scheduler)
    except ImportError as exc:
        error = missing_extras_error(exc, "valuing information under parameter uncertainty")
        if error is None:
            raise
        raise error from None
    emit(render_voi(result, fmt, width=report_width(output)), output, protect=protect,
         what=fmt)
    if plot is not None:
        from influence.io.voi_plot import write_voi_plot

        write_voi_plot(result, plot, protect=(*protect, output))
        click.echo(f"wrote {plot} (plot)", err=True)
    if result.diagnostics is not None:
        echo_posterior_warnings(result.diagnostics)
