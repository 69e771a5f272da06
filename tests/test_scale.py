"""Runs over many draws: summaries merged chunk by chunk in bounded memory (against every
draw's values kept), prior draws as units of work, and the same results on Dask workers as in
one process (same seed)."""

from __future__ import annotations

import importlib
import threading
import time

import numpy as np
import pytest
from bet_model import BETA_BET, SEVEN_OF_TEN
from click.testing import CliRunner
from on_workers import assert_same, needs_dask

import influence
from influence import QueryError, parallel
from influence.bayes.uncertainty import (
    PRIOR_BLOCK,
    PriorBlocks,
    PriorChunks,
    evaluate_under_uncertainty,
)
from influence.cli.main import cli
from influence.io.render import render_evaluation
from influence.parallel import Runner, runner

# (``influence.solve`` is also a function of the package: the module is imported by name)
summaries = importlib.import_module("influence.solve.summaries")


@pytest.fixture(scope="module")
def cartel() -> influence.Diagram:
    return influence.load("cartel-intervention")


def _summaries(result: influence.Evaluation) -> list:
    return [(o.id, o.expected_utility, o.sd, o.interval_90, o.probability_best,
             o.expected_loss) for o in result.options]


# -- bounded memory -------------------------------------------------------------------------------
def test_a_subsample_keeps_every_summary_but_the_intervals_exact(cartel, monkeypatch):
    draws = 3000
    full = evaluate_under_uncertainty(cartel, prior=True, draws=draws, seed=4, chunk_size=700,
                                      keep_draws=True)
    assert full.draws_kept is None and full.meu_draws.shape == (draws,)
    # A budget that holds no run, and a sample of at most 256 draws: every 12th is kept.
    monkeypatch.setattr(summaries, "KEEP_DRAWS_BUDGET", 0)
    monkeypatch.setattr(summaries, "QUANTILE_SAMPLE", 256)
    lean = evaluate_under_uncertainty(cartel, prior=True, draws=draws, seed=4, chunk_size=700)
    step = -(-draws // 256)
    assert lean.draws_kept == len(range(0, draws, step)) == 250
    np.testing.assert_array_equal(lean.meu_draws, full.meu_draws[::step])
    assert lean.maximum_expected_utility == pytest.approx(full.maximum_expected_utility,
                                                          rel=1e-12)
    assert lean.evpi_parameters == pytest.approx(full.evpi_parameters, rel=1e-10)
    assert lean.meu_sd == pytest.approx(np.std(full.meu_draws, ddof=1), rel=1e-10)
    for a, b in zip(lean.options, full.options, strict=True):
        np.testing.assert_array_equal(a.draws, b.draws[::step])  # by position in the run
        assert a.expected_utility == pytest.approx(np.mean(b.draws), rel=1e-12, abs=1e-9)
        assert a.sd == pytest.approx(np.std(b.draws, ddof=1), rel=1e-10)
        assert a.probability_best == pytest.approx(b.probability_best, abs=1e-12)
        assert a.expected_loss == pytest.approx(b.expected_loss, rel=1e-10, abs=1e-9)
        assert a.interval_90 == pytest.approx(tuple(np.quantile(b.draws[::step], [0.05, 0.95])))
    data = lean.to_dict()
    assert data["draws_kept"] == 250 and data["draws"] == draws
    text = " ".join(render_evaluation(lean, "table", diagram=cartel).split())
    assert "90% intervals from a systematic subsample of 250 of the 3,000 draws" in text
    assert "rank error sd 0.014" in text  # sqrt(0.05 * 0.95 / 250)


def test_the_draws_kept_do_not_depend_on_the_chunks(cartel, monkeypatch):
    monkeypatch.setattr(summaries, "KEEP_DRAWS_BUDGET", 0)
    monkeypatch.setattr(summaries, "QUANTILE_SAMPLE", 100)
    a = evaluate_under_uncertainty(cartel, prior=True, draws=1001, seed=2, chunk_size=64)
    b = evaluate_under_uncertainty(cartel, prior=True, draws=1001, seed=2, chunk_size=333)
    np.testing.assert_allclose(a.meu_draws, b.meu_draws, rtol=1e-12)  # the same draws
    assert a.draws_kept == b.draws_kept == len(range(0, 1001, 11)) == 91


def test_prior_blocks_are_a_sequence_in_constant_memory():
    blocks = PriorBlocks(10**12)
    assert len(blocks) == -(-10**12 // PRIOR_BLOCK)
    assert blocks[0] == (0, (0, PRIOR_BLOCK))
    last = blocks[-1]
    assert last[0] + last[1][1] == 10**12 and last[1][0] == len(blocks) - 1
    rest = blocks[1:]
    assert len(rest) == len(blocks) - 1 and rest[0] == blocks[1]


@pytest.mark.parametrize("draws, chunk", [(2 * PRIOR_BLOCK + 5, 4000), (3000, 700),
                                          (PRIOR_BLOCK, PRIOR_BLOCK), (10, 64), (40000, 10**5)])
def test_prior_chunks_cut_the_blocks(draws, chunk):
    chunks = PriorChunks(draws, chunk)
    blocks = PriorBlocks(draws)
    cut = [chunks[i] for i in range(len(chunks))]
    # consecutive, within one block each, at most `chunk` draws, covering every draw once
    assert cut[0][0] == 0 and sum(high - low for _, (_, low, high, _) in cut) == draws
    for (start, (block, low, high, n)), after in zip(cut, [*cut[1:], None], strict=True):
        assert blocks[block] == (block * PRIOR_BLOCK, (block, n))
        assert start == block * PRIOR_BLOCK + low and 0 <= low < high <= n
        assert high - low <= chunk
        if after is not None:
            assert after[0] == start + high - low
    assert [chunks[1:][i] for i in range(len(chunks) - 1)] == cut[1:]


@pytest.mark.parametrize("budget, whole_block", [(64 * 2**20, True), (1, False)])
def test_prior_chunks_are_the_blocks_draws(cartel, monkeypatch, budget, whole_block):
    # the tables of a block computed at once, or a chunk at a time (a budget that holds none)
    import influence.bayes.uncertainty as uncertainty

    monkeypatch.setattr(uncertainty, "PRIOR_BLOCK", 300)
    monkeypatch.setattr(uncertainty, "TABLE_BUDGET", budget)
    chunks = uncertainty.PriorChunks(700, 128)
    load = uncertainty.PriorChunkLoader(cartel, 9, chunks.step)
    load(chunks[0][1])
    assert (load.group >= 300) if whole_block else (load.group == 128)
    for i in range(len(chunks)):
        _, (block, low, high, n) = chunks[i]
        whole = uncertainty._prior_block(cartel, 9, (block, n))
        part = load((block, low, high, n))
        assert part.keys() == whole.keys()
        for node, table in whole.items():
            expected = table if table.shape[0] == 1 else table[low:high]
            np.testing.assert_array_equal(part[node], expected)


@pytest.mark.parametrize("budget", [64 * 2**20, 1])
def test_a_block_in_parts_is_the_block(cartel, monkeypatch, budget):
    # the unit of work of a block on Dask workers: its tables a group of chunks at a time
    import influence.bayes.uncertainty as uncertainty

    monkeypatch.setattr(uncertainty, "TABLE_BUDGET", budget)
    whole = uncertainty._prior_block(cartel, 4, (1, 700))
    parts = list(uncertainty._prior_block_parts(cartel, 4, 128, (1, 700)))
    sizes = [max(np.shape(a)[0] for a in part.values()) for part in parts]
    assert sum(sizes) == 700 and all(size % 128 == 0 for size in sizes[:-1])
    assert len(parts) == (2 if budget > 1 else 6)
    for node, table in whole.items():
        if table.shape[0] == 1:
            assert all(part[node] is not None and part[node].shape[0] == 1 for part in parts)
            continue
        np.testing.assert_array_equal(np.concatenate([part[node] for part in parts]), table)


def test_a_group_of_tables_fits_its_budget(cartel, monkeypatch):
    # a model's tables are computed for as many whole chunks as fit the budget, never for a
    # whole block of 16,384 draws at once (large tables would not fit)
    import influence.bayes.uncertainty as uncertainty

    tables = uncertainty._prior_block(cartel, 1, (0, 100))
    per_draw = sum(a.nbytes for a in tables.values() if a.shape[0] == 100) // 100
    monkeypatch.setattr(uncertainty, "TABLE_BUDGET", 2 * 2**20)
    load = uncertainty.PriorChunkLoader(cartel, 1, 128)
    load((0, 0, 128, PRIOR_BLOCK))
    assert load.group % 128 == 0
    assert load.group * per_draw <= 2 * 2**20 < (load.group + 128) * per_draw


def test_keep_draws_is_refused_without_draws(cartel):
    with pytest.raises(QueryError, match="`keep_draws` only with `prior` or `posterior`"):
        influence.evaluate(cartel, keep_draws=True)
    result = CliRunner().invoke(cli, ["evaluate", "cartel-intervention", "--workers", "2"])
    assert result.exit_code != 0
    assert "--workers applies only with --prior or --posterior" in result.output


# -- where the work runs --------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, message", [
    ({"workers": 0}, "expected `workers` to be a whole number of at least 1, got 0"),
    ({"workers": True}, "expected `workers` to be a whole number of at least 1, got True"),
    ({"scheduler": " "}, "expected `scheduler` to be the address of a running Dask"),
    ({"workers": 2, "scheduler": "tcp://127.0.0.1:1"}, "got both"),
])
def test_bad_workers_or_scheduler(cartel, kwargs, message):
    with pytest.raises(QueryError, match=message):
        influence.evaluate(cartel, prior=True, draws=10, seed=1, **kwargs)


def test_the_local_runner_folds_in_order():
    with runner() as run:
        assert run.workers == 1
        assert run.map(pow, [1, 2, 3], shared=(2,)) == [2, 4, 8]
        assert run.fold(pow, [1, 2, 3], shared=(2,), combine=lambda a, r: a * 10 + r,
                        start=0) == 248


def test_threads_fold_in_order_and_report_in_the_calling_thread():
    def piece(base, x):  # the later pieces finish first
        time.sleep(0.003 * (12 - x))
        return base + x, threading.current_thread().name

    reported = []
    out = Runner(threads=3).map(piece, range(12), shared=(100,), done=lambda i, r: reported.append(
        (i, r[0], threading.current_thread() is threading.main_thread())))
    assert [x for x, _ in out] == list(range(100, 112))
    assert {name for _, name in out} <= {"influence-0", "influence-1", "influence-2"}
    assert len({name for _, name in out}) > 1
    assert reported == [(i, 100 + i, True) for i in range(12)]


def test_an_error_on_a_thread_is_raised_here_and_stops_the_queue():
    ran = []

    def piece(x):
        ran.append(x)
        if x == 2:
            raise ValueError("piece 2 failed")
        return x

    with pytest.raises(ValueError, match="piece 2 failed"):
        Runner(threads=2).map(piece, range(1000))
    assert len(ran) <= 6  # pieces 0-2 and at most a window of 4 queued after 0 and 1


def _threads_used(monkeypatch) -> list[int]:
    used = []
    fold = parallel._fold_on_threads
    monkeypatch.setattr(parallel, "_fold_on_threads",
                        lambda threads, *a: used.append(threads) or fold(threads, *a))
    return used


def test_threads_give_the_results_of_one_thread(cartel, monkeypatch):
    import influence.bayes.uncertainty

    monkeypatch.setattr(influence.bayes.uncertainty, "PRIOR_BLOCK", 500)
    monkeypatch.setenv("INFLUENCE_THREADS", "1")
    used = _threads_used(monkeypatch)
    one = evaluate_under_uncertainty(cartel, prior=True, draws=2600, seed=5, chunk_size=400)
    assert used == []
    monkeypatch.setenv("INFLUENCE_THREADS", "3")
    three = evaluate_under_uncertainty(cartel, prior=True, draws=2600, seed=5, chunk_size=400)
    assert used == [3]  # six blocks of draws on three threads
    np.testing.assert_array_equal(three.meu_draws, one.meu_draws)
    assert three.to_dict() == one.to_dict()


def test_a_posterior_on_threads_gives_the_results_of_one_thread(tmp_path, monkeypatch):
    (tmp_path / "bet.yaml").write_text(BETA_BET)
    (tmp_path / "evidence.yaml").write_text(SEVEN_OF_TEN)
    diagram = influence.load(str(tmp_path / "bet.yaml"))
    posterior = influence.fit(diagram, str(tmp_path / "evidence.yaml"), method="exact",
                              draws=2500, chains=4, seed=3)
    used = _threads_used(monkeypatch)
    monkeypatch.setenv("INFLUENCE_THREADS", "1")
    one = evaluate_under_uncertainty(diagram, posterior=posterior, chunk_size=700, draws=9000)
    monkeypatch.setenv("INFLUENCE_THREADS", "2")
    two = evaluate_under_uncertainty(diagram, posterior=posterior, chunk_size=700, draws=9000)
    assert used == [2]
    assert two.draws == one.draws == 9000
    np.testing.assert_array_equal(two.meu_draws, one.meu_draws)
    assert two.to_dict() == one.to_dict()


def test_threads_are_fewer_when_the_chunks_in_flight_would_not_fit(cartel, monkeypatch):
    from influence.bayes.uncertainty import _threads

    plan = influence.plan(cartel)
    monkeypatch.setenv("INFLUENCE_THREADS", "4")
    assert _threads(plan, 400, 10, 4000, False) == 4
    assert _threads(plan, 400, 3, 4000, False) == 3  # no more than the units
    # room for the chunks of two threads (two each in flight) and not of three
    two = plan.memory.total(4 * 400, rules=True)
    small = influence.plan(cartel, memory_limit=two + 1)
    assert _threads(small, 400, 10, 4000, False) <= 2


@pytest.mark.parametrize("value", ["0", "two", "-1"])
def test_a_bad_thread_count_is_refused(cartel, monkeypatch, value):
    monkeypatch.setenv("INFLUENCE_THREADS", value)
    with pytest.raises(QueryError, match=f"expected the environment variable "
                       f"INFLUENCE_THREADS to be a whole number of at least 1, got '{value}'"):
        influence.evaluate(cartel, prior=True, draws=100, seed=1)
    result = CliRunner().invoke(cli, ["evaluate", "cartel-intervention", "--prior", "--draws",
                                      "100"], env={"INFLUENCE_THREADS": value})
    assert result.exit_code != 0 and "INFLUENCE_THREADS" in result.output
    assert "Traceback" not in result.output


@needs_dask
def test_two_workers_give_the_results_of_one_process(cartel, monkeypatch):
    import influence.bayes.uncertainty

    monkeypatch.setattr(influence.bayes.uncertainty, "PRIOR_BLOCK", 500)
    monkeypatch.setattr(summaries, "KEEP_DRAWS_BUDGET", 0)
    monkeypatch.setattr(summaries, "QUANTILE_SAMPLE", 300)
    here = evaluate_under_uncertainty(cartel, prior=True, draws=2600, seed=7, chunk_size=400)
    there = evaluate_under_uncertainty(cartel, prior=True, draws=2600, seed=7, chunk_size=400,
                                       workers=2)
    assert here.draws_kept == there.draws_kept == 289
    assert_same(there.maximum_expected_utility, here.maximum_expected_utility)
    assert_same(there.evpi_parameters, here.evpi_parameters)
    assert_same(_summaries(there), _summaries(here))
    assert_same(there.meu_draws, here.meu_draws)
    assert_same(there.to_dict(), here.to_dict())


@needs_dask
def test_a_running_cluster_by_its_address(cartel):
    from distributed import LocalCluster

    here = influence.evaluate(cartel, prior=True, draws=1200, seed=3)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster:
        there = influence.evaluate(cartel, prior=True, draws=1200, seed=3,
                                   scheduler=cluster.scheduler_address)
    assert_same(_summaries(there), _summaries(here))


@needs_dask
def test_an_address_without_a_scheduler_is_refused(cartel, monkeypatch):
    import influence.limits

    monkeypatch.setattr(influence.limits, "SCHEDULER_TIMEOUT", 1)
    with pytest.raises(QueryError, match="expected a running Dask scheduler at"):
        influence.evaluate(cartel, prior=True, draws=10, seed=1,
                           scheduler="tcp://127.0.0.1:9")


@needs_dask
def test_a_second_pass_gives_the_same_results_on_workers(cartel, monkeypatch):
    # The final strategies taken as differing from those first tried: a second pass values
    # them over every block again, here and on the workers.
    import influence.bayes.uncertainty

    batched = importlib.import_module("influence.solve.batched")
    monkeypatch.setattr(influence.bayes.uncertainty, "PRIOR_BLOCK", 400)
    plain = evaluate_under_uncertainty(cartel, prior=True, draws=1500, seed=11)
    monkeypatch.setattr(batched.Strategies, "same_as", lambda self, other: False)
    passes = []
    revalue = batched.revalue_unit
    monkeypatch.setattr(batched, "revalue_unit", lambda *a: passes.append(1) or revalue(*a))
    here = evaluate_under_uncertainty(cartel, prior=True, draws=1500, seed=11)
    assert len(passes) == 4  # one second pass over the 4 blocks
    there = evaluate_under_uncertainty(cartel, prior=True, draws=1500, seed=11, workers=2)
    assert_same(_summaries(there), _summaries(here))
    assert_same(there.to_dict(), here.to_dict())
    # the second pass changes nothing but the rounding
    for a, b in zip(here.options, plain.options, strict=True):
        assert a.expected_utility == pytest.approx(b.expected_utility, rel=1e-12, abs=1e-9)
        assert a.probability_best == pytest.approx(b.probability_best, abs=1e-12)
