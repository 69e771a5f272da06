"""The analyses split into pieces of work (one-way sweeps, break-even searches, two-way grids,
chunks of draws of the probabilistic sensitivity and of the EVPPI, outcomes of studies) give
the same results on Dask workers as in one process, to 1e-12 relative (same seed)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from on_workers import assert_same, needs_dask
from voi_models import three_way

import influence
from influence import QueryError
from influence.cli.main import cli
from influence.parallel import pieces, runner

#: A few parameters of the article model: a utility value, named parameters, a weight.
PARAMETERS = ["u_overdose[overdose_deaths=baseline]", "param:overdose_deaths.base:lower",
              "param:us_demand[demand_reduction=yes]", "weight:u_overdose"]


@pytest.fixture(scope="module")
def cartel() -> influence.Diagram:
    return influence.load("cartel-intervention")


@pytest.fixture(scope="module")
def cluster():
    """A local cluster of two worker processes for the module (one start for every test)."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as running:
        yield running.scheduler_address


# -- pieces ---------------------------------------------------------------------------------------
def test_pieces_cover_everything_once_within_their_size():
    for count, most in [(0, 5), (1, 5), (7, 5), (8, 5), (276, 506), (202, 253), (1000, 3)]:
        parts = pieces(count, most)
        covered = [i for part in parts for i in range(count)[part]]
        assert covered == list(range(count))
        assert all(len(range(count)[part]) <= most for part in parts)
        assert len(parts) >= min(count, 8) or len(range(count)[parts[0]]) == most


def test_the_local_runner_folds_an_iterator():
    with runner() as run:
        assert run.fold(pow, iter([1, 2, 3]), shared=(2,), combine=lambda a, r: a * 10 + r,
                        start=0) == 248
        assert run.map(pow, (n for n in range(0)), shared=(2,)) == []


def test_workers_are_refused_where_nothing_is_drawn(cartel):
    with pytest.raises(QueryError, match="expected `workers` only with `prior` or `posterior`"):
        influence.value_of_information(cartel, workers=2)
    result = CliRunner().invoke(cli, ["voi", "cartel-intervention", "--workers", "2"])
    assert result.exit_code != 0
    assert "--workers applies only with --prior or --posterior" in result.output


@pytest.mark.parametrize("call", [
    lambda d: influence.sensitivity(d, PARAMETERS[:1], workers=0),
    lambda d: influence.two_way(d, *PARAMETERS[:2], grid=3, scheduler=" "),
    lambda d: influence.evppi(d, prior=True, draws=10, seed=1, workers=True),
    lambda d: influence.evsi(three_way(), {"weather": 2}, prior=True, seed=1, workers=2,
                             scheduler="tcp://127.0.0.1:1"),
])
def test_bad_workers_or_scheduler_are_refused(cartel, call):
    with pytest.raises(QueryError, match="`workers`|`scheduler`"):
        call(cartel)


# -- the same results on workers ------------------------------------------------------------------
@needs_dask
def test_a_two_way_grid_on_workers(cartel, cluster):
    here = influence.two_way(cartel, PARAMETERS[0], PARAMETERS[2], grid=11)
    there = influence.two_way(cartel, PARAMETERS[0], PARAMETERS[2], grid=11,
                              scheduler=cluster)
    assert len(here.regions) > 1 and here.boundary  # the map has something to find
    assert_same(there.to_dict(), here.to_dict())


@needs_dask
def test_sensitivity_on_workers(cartel, cluster):
    here = influence.sensitivity(cartel, PARAMETERS, two_way=PARAMETERS[:2], grid=9,
                                 prior=True, draws=700, seed=3)
    there = influence.sensitivity(cartel, PARAMETERS, two_way=PARAMETERS[:2], grid=9,
                                  prior=True, draws=700, seed=3, scheduler=cluster)
    assert_same(there.to_dict(), here.to_dict())
    assert here.probabilistic.parameters and here.two_way.regions
    # the probabilistic sensitivity ranks the options as evaluate does, with the same draws
    evaluation = influence.evaluate(cartel, prior=True, draws=700, seed=3)
    assert here.probabilistic.best == evaluation.ranked()[0].id


@needs_dask
def test_evppi_on_workers(cartel, cluster):
    groups = {"costs": "param:cost_demand_reduction,param:cost_development",
              "overdoses": "param:overdose_swing"}
    for method in ("auto", "regression"):
        here = influence.evppi(cartel, groups, prior=True, draws=1000, seed=5, method=method)
        there = influence.evppi(cartel, groups, prior=True, draws=1000, seed=5,
                                method=method, scheduler=cluster)
        assert_same(there.to_dict(), here.to_dict())
        assert here.evpi_parameters > 0


@needs_dask
def test_evsi_on_workers(cluster):
    diagram = three_way()
    studies = {"report[weather=dry]": [4, 150], "weather": [5, 30]}
    here = influence.evsi(diagram, studies, prior=True, draws=900, seed=2, max_outcomes=100)
    there = influence.evsi(diagram, studies, prior=True, draws=900, seed=2, max_outcomes=100,
                           scheduler=cluster)
    assert [s.method for s in here.studies] == ["enumeration", "monte-carlo", "enumeration",
                                                 "monte-carlo"]
    assert_same(there.to_dict(), here.to_dict())


@needs_dask
def test_a_study_valued_on_the_draws_on_workers(cartel, cluster):
    studies = {"us_demand[demand_reduction=yes]": [30]}
    here = influence.evsi(cartel, studies, prior=True, draws=600, seed=2)
    there = influence.evsi(cartel, studies, prior=True, draws=600, seed=2, scheduler=cluster)
    assert [s.method for s in here.studies] == ["reweighted draws"]
    assert here.studies[0].se > 0
    assert_same(there.to_dict(), here.to_dict())


@needs_dask
def test_value_of_information_on_workers_from_the_command_line(tmp_path, cluster):
    model = tmp_path / "three_way.yaml"
    influence.save(three_way(), model)
    args = ["voi", str(model), "--prior", "--draws", "600", "--seed", "4",
            "--study", "weather=5", "--format", "json"]
    here = CliRunner().invoke(cli, args)
    there = CliRunner().invoke(cli, [*args, "--scheduler", cluster])
    assert here.exit_code == there.exit_code == 0, there.output
    assert_same(json.loads(there.output), json.loads(here.output))
    assert json.loads(here.output)["evsi"]


@needs_dask
def test_sensitivity_on_workers_from_the_command_line(cluster):
    args = ["sensitivity", "cartel-intervention", "-p", PARAMETERS[0], "-p", PARAMETERS[3],
            "--two-way", PARAMETERS[0], PARAMETERS[3], "--grid", "5", "--format", "json"]
    here = CliRunner().invoke(cli, args)
    there = CliRunner().invoke(cli, [*args, "--scheduler", cluster])
    assert here.exit_code == there.exit_code == 0, there.output
    assert_same(json.loads(there.output), json.loads(here.output))


@needs_dask
def test_a_diagram_of_limited_memory_on_workers(cluster):
    from influence.testing import limid_chain

    diagram = limid_chain(4, seed=1)
    here = influence.sensitivity(diagram, top=4)
    there = influence.sensitivity(diagram, top=4, scheduler=cluster)
    assert here.parameters and here.to_dict()["solution"]["method"]
    assert_same(there.to_dict(), here.to_dict())
