"""The text report of an evaluation: what ``influence evaluate`` prints by default.

:func:`evaluation_table` reads an :class:`~influence.solve.results.Evaluation` (and, for labels
and state order, its :class:`~influence.model.diagram.Diagram`) and computes nothing the solver
has not computed, apart from merging the information states that share a choice, for display.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from ..limits import ESS_LIMIT, RHAT_LIMIT, TIE_TOLERANCE
from ..messages import printable, printable_text
from ..model.diagram import Diagram
from ..solve.results import DecisionResult, Evaluation, OptionResult, RuleResult
from . import textgrid
from .text import format_given, format_number, grid, percent
from .textgrid import DEFAULT_WIDTH, PROSE_WIDTH, Column, fits, wrap

__all__ = ["evaluation_table", "ranking_cells"]

#: Options at most this many states wide get one conditional-EU column per state.
_MAX_EU_COLUMNS = 6


def _units_suffix(units: str | None) -> str:
    return f" {printable(units)}" if units else ""


def _rank_numbers(values: Sequence[float]) -> list[int]:
    ranks = []
    scale = max((abs(w) for w in values), default=0.0)
    for v in values:
        ranks.append(1 + sum(1 for w in values if w > v + TIE_TOLERANCE * scale))
    return ranks


def _quantiles(profile: Sequence[tuple[float, float]] | None
               ) -> tuple[float | None, float | None]:
    """The 5% and 95% quantiles of a distribution given as (value, probability) pairs in
    increasing order of value (the smallest value whose cumulative probability reaches each)."""
    if not profile:
        return None, None
    out = []
    for level in (0.05, 0.95):
        total = 0.0
        value = profile[-1][0]
        for v, p in profile:
            total += p
            if total >= level - 1e-12:
                value = v
                break
        out.append(value)
    return out[0], out[1]


def _label_of(diagram: Diagram | None, name: str) -> str:
    if diagram is not None and name in diagram:
        label = diagram.node(name).label
        if label and label != name:
            return printable(f"{name} ({label})")
    return printable(name)


def _tie_marks(ranks: Sequence[int]) -> list[str]:
    """``"1="`` for a rank shared with another option, ``"5"`` otherwise."""
    return [f"{r}=" if ranks.count(r) > 1 else str(r) for r in ranks]


def _option_columns(uncertain: bool, averse: bool, *, kind: bool = True, label: bool = False,
                    narrow: bool = False) -> list[Column]:
    """The columns of the ranked options: with the ``kind`` column, the ``label`` column
    (last: it wraps), and, ``narrow``, the option ids and intervals wrapping too."""
    cols = [Column("rank", right=True), Column("option", wrap=narrow, minimum=12)]
    if kind:
        cols.append(Column("kind"))
    cols.append(Column("EU", right=True))
    if averse:
        cols.append(Column("CE", right=True))
    if uncertain:
        cols += [Column("sd", right=True), Column("90% interval", wrap=narrow, minimum=8),
                 Column("P(best)", right=True), Column("E[loss]", right=True)]
    else:
        cols += [Column("sd(U)", right=True), Column("U 5%", right=True),
                 Column("U 95%", right=True)]
    if label:
        cols.append(Column("label", wrap=True, minimum=30))
    return cols


def _option_rows(result: Evaluation, ranked: Sequence[OptionResult]) -> list[list[str]]:
    uncertain = result.uncertainty is not None
    averse = result.risk_tolerance is not None
    ranks = _tie_marks(_rank_numbers([o.certainty_equivalent if averse else o.expected_utility
                                      for o in ranked]))
    rows = []
    for rank, o in zip(ranks, ranked, strict=True):
        row = [rank, o.id, o.kind, format_number(o.expected_utility)]
        if averse:
            row.append(format_number(o.certainty_equivalent))
        if uncertain:
            interval = (f"{format_number(o.interval_90[0])} to {format_number(o.interval_90[1])}"
                        if o.interval_90 else "n/a")
            row += [format_number(o.sd), interval, percent(o.probability_best),
                    format_number(o.expected_loss)]
        else:
            low, high = _quantiles(o.risk_profile)
            row += [format_number(o.utility_sd), format_number(low), format_number(high)]
        rows.append(row)
    return rows


def _option_notes(result: Evaluation, ranked: Sequence[OptionResult],
                  ranks: Sequence[str]) -> list[str]:
    uncertain = result.uncertainty is not None
    notes = []
    if any(r.endswith("=") for r in ranks):
        notes.append("=: tied with the other options of that rank (equal to within rounding); "
                     "tied options are listed in the model's order.")
    if any(o.kind == "alternative" for o in ranked):
        notes.append("An alternative (decision=state) fixes one decision and plays the others "
                     "optimally.")
    if any(o.kind == "policy" for o in ranked):
        notes.append("A policy plays optimally wherever it does not say what to do.")
    if uncertain:
        notes.append("90% interval: the central interval of the EU over the draws, from its 5% "
                     "to its 95% quantile (the same in JSON, CSV and plots).")
        notes.append("P(best): the share of draws in which the option, played as the strategy "
                     "recommended for it, has the highest EU of its group (the named policies, "
                     "or the alternatives of one decision); options tied in a draw share it.")
        notes.append("E[loss]: the mean over draws of its EU's shortfall from the best of its "
                     "group.")
    else:
        notes.append("sd(U), U 5% and U 95%: the spread and the 5% and 95% quantiles of the "
                     "total utility under the option.")
    if result.risk_tolerance is not None:
        notes.append(f"Ranked by certainty equivalent (CE) under exponential utility with risk "
                     f"tolerance {format_number(result.risk_tolerance)}.")
    return notes


def ranking_cells(result: Evaluation) -> tuple[list[Column], list[list[str]], list[str]]:
    """The ranked options as the text report shows them: the columns (``label`` last), one
    row of text cells per option (best first; tied ranks marked ``1=``) and the notes that
    explain the columns. The HTML table (:mod:`influence.io.html_tables`) shows the same."""
    ranked = result.ranked()
    columns = _option_columns(result.uncertainty is not None, result.risk_tolerance is not None,
                              label=True)
    rows = [r + [o.label] for r, o in zip(_option_rows(result, ranked), ranked, strict=True)]
    return columns, rows, _option_notes(result, ranked, [r[0] for r in rows])


def _options_section(result: Evaluation, width: int) -> list[str]:
    """The ranked options: with their labels in the last column when there is room for them
    (else listed after the table), without the ``kind`` column if that keeps the ids whole."""
    ranked = result.ranked()
    if not ranked:
        return ["No named policies, and no decision that observes nothing: nothing to rank.",
                "(Add `policies:` to the model to compare strategies.)"]
    uncertain, averse = result.uncertainty is not None, result.risk_tolerance is not None
    rows = _option_rows(result, ranked)
    labels = [o.label for o in ranked]
    kind_at = 2
    layouts = [dict(label=True), dict(), dict(kind=False), dict(kind=False, narrow=True)]
    for layout in layouts:
        columns = _option_columns(uncertain, averse, **layout)
        table = [r if layout.get("kind", True) else r[:kind_at] + r[kind_at + 1:]
                 for r in rows]
        if layout.get("label"):
            table = [r + [x] for r, x in zip(table, labels, strict=True)]
        if fits(columns, table, width=width):
            break
    out = ["Policies and alternatives, best first"] + textgrid.grid(columns, table, width=width)
    for note in _option_notes(result, ranked, [r[0] for r in rows]):
        out += wrap(note, min(width, PROSE_WIDTH), "  ", "    ")
    if not layout.get("label"):  # no room for the labels in the table: they follow it
        out += ["", "  Options:"] + textgrid.grid(
            [Column("option", wrap=True, minimum=12), Column("label", wrap=True, minimum=20)],
            [[o.id, o.label] for o in ranked], width=width, indent="    ")[2:]
    return out


def _merge(rules: Sequence[RuleResult], given: Mapping[str, str],
           states: Sequence[str]) -> tuple[float, dict[str, float] | None, float | None]:
    """Probability, conditional EU of each option and share of draws optimal of the reachable
    information states that agree with ``given``."""
    matching = [r for r in rules if r.reachable and all(r.given[k] == v for k, v in given.items())]
    total = sum(r.probability for r in matching)
    eus: dict[str, float] | None = None
    share: float | None = None
    if total > 0 and all(r.expected_utilities is not None for r in matching):
        eus = {s: sum(r.probability * r.expected_utilities[s] for r in matching) / total
               for s in states}
    if total > 0 and all(r.probability_optimal is not None for r in matching) and matching:
        share = sum(r.probability * r.probability_optimal for r in matching) / total
    return total, eus, share


def _decision_states(decision: DecisionResult, diagram: Diagram | None) -> list[str]:
    if diagram is not None and decision.decision in diagram:
        return list(diagram.node(decision.decision).states)
    for r in decision.rules:
        if r.expected_utilities:
            return list(r.expected_utilities)
    return sorted({r.choose for r in decision.rules if r.choose})


def _eu_headers(states: Sequence[str]) -> list[str]:
    return [f"EU({s})" for s in states] if len(states) <= _MAX_EU_COLUMNS else ["EU(choice)"]


def _eu_cells(eus: Mapping[str, float] | None, states: Sequence[str], choose: str | None
              ) -> list[str]:
    if len(states) <= _MAX_EU_COLUMNS:
        return [format_number(eus[s]) if eus else "-" for s in states]
    return [format_number(eus[choose]) if eus and choose else "-"]


def _with_extras(line: str, extras: Sequence[str]) -> str:
    return line + (" (" + "; ".join(extras) + ")" if extras else "")


def _eu_text(eus: Mapping[str, float]) -> str:
    return "EU " + ", ".join(f"{printable(s)} {format_number(v)}" for s, v in eus.items())


def _lines(text: str, width: int) -> list[str]:
    """A line of the strategy (``"  1. decision: ..."``), wrapped under its text."""
    body = text.lstrip(" ")
    return wrap(body, min(width, PROSE_WIDTH), text[:len(text) - len(body)], " " * 7)


def _single_rule(head: str, rule: RuleResult, uncertain: bool, width: int) -> list[str]:
    """A decision with one information state: its choice on one line."""
    extras = [_eu_text(rule.expected_utilities)] if rule.expected_utilities else []
    if uncertain and rule.probability_optimal is not None:
        extras.append(f"optimal in {percent(rule.probability_optimal)} of draws")
    return _lines(_with_extras(f"{head}: choose {rule.choose}", extras), width)


def _state_grid(headers: Sequence[str], rows: Sequence[Sequence[str]], known: int,
                width: int) -> list[str]:
    """The information states of a decision: the known variables' columns may wrap."""
    return grid(headers, rows, range(known + 1, len(headers)), indent="       ", width=width,
                wrap=range(known), minimum=8)


def _every_state(head: str, decision: DecisionResult, states: Sequence[str],
                 uncertain: bool, width: int) -> list[str]:
    """Every information state of a decision, reachable or not (``all_states``)."""
    knows = ", ".join(decision.knows) or "nothing"
    headers = list(decision.knows) + ["choose", "status", "P(state)"] + _eu_headers(states)
    if uncertain:
        headers.append("P(optimal)")
    rows = []
    for r in decision.rules:
        status = ("reachable" if r.reachable else
                  "impossible" if r.choose is None else "unreachable")
        row = [r.given[k] for k in decision.knows]
        row += [r.choose or "-", status, format_number(r.probability)]
        row += _eu_cells(r.expected_utilities, states, r.choose)
        if uncertain:
            row.append(percent(r.probability_optimal))
        rows.append(row)
    return (_lines(f"{head}, by what it knows ({knows}); every information state:", width)
            + grid(headers, rows, range(len(decision.knows) + 2, len(headers)),
                   indent="       ", width=width, wrap=range(len(decision.knows)), minimum=8))


def _one_choice(head: str, decision: DecisionResult, states: Sequence[str], uncertain: bool,
                width: int) -> list[str]:
    """A decision that makes one choice in every reachable information state."""
    knows = ", ".join(decision.knows) or "nothing"
    reachable = decision.reachable_rules()
    choose = decision.compact_rules()[0][1]
    _, eus, share = _merge(decision.rules, {}, states)
    if len(reachable) == 1:
        line = f"{head}: choose {choose}"
        extras = [f"knowing {format_given(reachable[0].given)}"]
    else:
        line = f"{head}: choose {choose} whatever it knows ({knows})"
        extras = []
    if eus:
        extras.append(_eu_text(eus))
    if uncertain and share is not None:
        extras.append(f"optimal in {percent(share)} of draws")
    return _lines(_with_extras(line, extras), width)


def _compact_states(head: str, decision: DecisionResult, states: Sequence[str],
                    uncertain: bool, width: int) -> list[str]:
    """The reachable information states of a decision, merged where they share a choice."""
    compact = decision.compact_rules()
    if len(compact) == 1 and not compact[0][0]:
        return _one_choice(head, decision, states, uncertain, width)
    knows = ", ".join(decision.knows) or "nothing"
    shown = list(compact[0][0])
    dropped = [k for k in decision.knows if k not in shown]
    title = f"{head}, by what it knows ({knows})"
    if dropped:
        title += f"; {', '.join(dropped)} left out (the choice does not depend on it)"
    headers = shown + ["choose", "P(state)"] + _eu_headers(states)
    if uncertain:
        headers.append("P(optimal)")
    rows = []
    for given, choose in compact:
        p, eus, share = _merge(decision.rules, given, states)
        row = [given[k] for k in shown] + [choose, format_number(p)]
        row += _eu_cells(eus, states, choose)
        if uncertain:
            row.append(percent(share))
        rows.append(row)
    return _lines(title + ":", width) + _state_grid(headers, rows, len(shown), width)


def _rule_section(index: int, decision: DecisionResult, diagram: Diagram | None,
                  uncertain: bool, all_states: bool, all_states_hint: str, width: int
                  ) -> list[str]:
    head = f"  {index}. {_label_of(diagram, decision.decision)}"
    states = _decision_states(decision, diagram)
    reachable = decision.reachable_rules()
    if all_states:
        return _every_state(head, decision, states, uncertain, width)
    if len(decision.rules) == 1 and reachable:
        return _single_rule(head, reachable[0], uncertain, width)
    if not reachable:
        return _lines(f"{head}: no information state is reachable under this strategy", width)
    out = _compact_states(head, decision, states, uncertain, width)
    hidden = len(decision.rules) - len(reachable)
    if hidden:
        out += wrap(f"{hidden} of {len(decision.rules)} information states cannot occur under "
                    f"this strategy ({all_states_hint} shows them).", min(width, PROSE_WIDTH),
                    " " * 5, " " * 7)
    return out


def _heading(result: Evaluation, width: int) -> list[str]:
    prose = min(width, PROSE_WIDTH)
    title = result.title or result.model
    out = wrap(f"{title} ({result.model})" if title != result.model else title, prose, "",
               "  ")
    scenario = format_given(result.given)
    out += wrap(f"Scenario: {scenario} (results are conditional on it)" if scenario
                else "Scenario: none", prose, "", "  ")
    if result.units:
        out += wrap(f"Utility in {result.units}", prose, "", "  ")
    if result.uncertainty is not None:
        what = result.uncertainty or "parameter"
        draws = f"{result.draws} {what} draws" if result.draws else f"{what} draws"
        out += wrap(f"Parameter uncertainty: {draws}; expected utilities are means over draws",
                    prose, "", "  ")
        if result.draws_kept is not None:
            out += wrap(interval_note(result.draws, result.draws_kept), prose, "", "  ")
    return out


def interval_note(draws: int, kept: int) -> str:
    """How the 90% intervals of a run that kept a subsample of its draws were made."""
    from ..solve.summaries import quantile_rank_error

    return (f"90% intervals from a systematic subsample of {kept:,} of the {draws:,} draws "
            f"(approximate: rank error sd {quantile_rank_error(kept):.2g} at the 5% and 95% "
            "quantiles); every other figure from every draw")


def _optimum(result: Evaluation, width: int) -> list[str]:
    """The maximum expected utility (and certainty equivalent, EVPI)."""
    prose = min(width, PROSE_WIDTH)
    uncertain = result.uncertainty is not None
    out = []
    if result.risk_tolerance is not None:
        out += wrap(f"Risk tolerance {format_number(result.risk_tolerance)}: the optimal "
                    "strategy maximises expected exponential utility -exp(-U/R)", prose, "",
                    "  ")
        out += wrap("Maximum certainty equivalent: "
                    f"{format_number(result.maximum_certainty_equivalent)}"
                    f"{_units_suffix(result.units)}", prose, "", "  ")
    meu = ("Expected utility of that strategy: " if result.risk_tolerance is not None
           else "Maximum expected utility: ")
    meu += format_number(result.maximum_expected_utility) + _units_suffix(result.units)
    if uncertain and result.meu_sd is not None:
        lo, hi = result.meu_interval_90
        meu += (f" (sd {format_number(result.meu_sd)}, 90% interval {format_number(lo)} to "
                f"{format_number(hi)})")
    if not uncertain and result.utility_sd is not None:
        low, high = _quantiles(result.risk_profile)
        meu += (f" (sd of the total utility {format_number(result.utility_sd)}; 5% and 95% "
                f"quantiles {format_number(low)} and {format_number(high)})")
    out += wrap(meu, prose, "", "  ")
    if result.solution is not None:
        out += wrap(_solution_line(result.solution), prose, "", "  ")
    if result.evpi_parameters is not None:
        out += wrap("Expected value of perfect information about the parameters (EVPI): "
                    f"{format_number(result.evpi_parameters)}{_units_suffix(result.units)}",
                    prose, "", "  ")
    return out


def evaluation_table(result: Evaluation, *, diagram: Diagram | None = None,
                     all_states: bool = False, all_states_hint: str = "all_states=True",
                     width: int = DEFAULT_WIDTH) -> str:
    """The plain-text report of an evaluation.

    Parameters
    ----------
    result : Evaluation
        What :func:`influence.evaluate` returned.
    diagram : Diagram, optional
        The evaluated diagram, for node labels and state order.
    all_states : bool
        Show every information state of every decision, including those that cannot occur under
        the optimal strategy (unreachable) or at all (impossible).
    all_states_hint : str
        How the note under a decision with hidden states says to show them: the Python
        argument by default; the command line gives its option (``--all-states``).
    width : int
        The widest a line may be (see :func:`influence.io.textgrid.output_width`): long
        cells wrap, and option labels follow the table when it has no room for them.

    Returns
    -------
    str
        Header (model, scenario, units), the ranked policies and alternatives, the maximum
        expected utility and the optimal strategy; under parameter uncertainty also the spread of
        each expected utility, the probability that each option is best, the expected loss and
        the expected value of perfect information about the parameters.
    """
    uncertain = result.uncertainty is not None
    out = _heading(result, width) + [""] + _options_section(result, width) + [""]
    out += _optimum(result, width) + [""]
    out.append("Optimal strategy (decisions in the order they are taken)")
    for i, decision in enumerate(result.optimal_strategy, start=1):
        out += _rule_section(i, decision, diagram, uncertain, all_states, all_states_hint,
                             width)
    if uncertain:
        out += wrap("P(optimal), optimal in N% of draws: the share of draws in which the "
                    "strategy best for that draw alone (every decision chosen anew) makes the "
                    "same choice; P(best) keeps each option's strategy the same in every draw.",
                    min(width, PROSE_WIDTH), "  ", "    ")
    if result.diagnostics:
        out.append("")
        out += _diagnostics_section(result.diagnostics, width)
    return printable_text("\n".join(out) + "\n")


def _solution_line(solution: Mapping[str, Any]) -> str:
    """How the strategy of a limited-memory diagram was found."""
    passes = solution.get("iterations")
    counted = f"; {passes} passes" if passes and passes > 1 else ""
    if solution.get("exact"):
        return ("Limited memory: each decision knows only what it observes or remembers; the "
                "diagram is soluble, so single policy updating gives the optimum")
    return ("Limited memory: each decision knows only what it observes or remembers; the "
            "diagram is not soluble, so the strategy is a local optimum of single policy "
            f"updating (no single decision rule can be improved{counted})")


def analysis_solution_line(solution: Mapping[str, Any], observing: bool = False) -> str:
    """How the optima of an analysis (sensitivity; value of information with ``observing``) of
    a limited-memory diagram were found, and whether its values are exact."""
    head = "Limited memory: each decision knows only what it observes or remembers; "
    if solution.get("exact"):
        return (head + "the diagram is soluble" + (", and so is each with an added observation"
                                                   if observing else "")
                + ", so single policy updating gives the optimum at every set of numbers: the "
                "values are exact")
    if observing:
        return (head + "the diagram or one with an added observation is not soluble, so its "
                "optimum is a local optimum of single policy updating: the values resting on "
                "one are not exact, and a value of observing may even be negative")
    return (head + "the diagram is not soluble, so every optimum is a local optimum of single "
            "policy updating: the values and break-even values rest on them and are not exact")


def _diagnostics_section(diagnostics: Mapping[str, Any], width: int = DEFAULT_WIDTH
                         ) -> list[str]:
    """The posterior's sampling diagnostics, shown whenever the posterior is used."""
    method = diagnostics.get("method") or "unknown method"
    chains, draws = diagnostics.get("chains"), diagnostics.get("draws")
    head = f"Posterior: {printable(method)}"
    if chains and draws:
        head += printable(f", {chains} chains of {draws} draws")
    params = diagnostics.get("parameters") or {}
    rhats = [p.get("r_hat") for p in params.values() if p.get("r_hat") is not None]
    esss = [p.get("ess_bulk") for p in params.values() if p.get("ess_bulk") is not None]
    rhats = [r for r in rhats if isinstance(r, int | float) and math.isfinite(r)]
    esss = [e for e in esss if isinstance(e, int | float) and math.isfinite(e)]
    if rhats:
        head += f"; max r_hat {format_number(max(rhats))}"
    if esss:
        head += f", min bulk ESS {format_number(min(esss))}"
    if diagnostics.get("divergences"):
        head += f", {diagnostics['divergences']} divergences"
    prose = min(width, PROSE_WIDTH)
    out = wrap(head, prose, "", "  ")
    warnings = list(diagnostics.get("warnings") or [])
    for w in warnings:
        out += wrap(f"WARNING: {w}", prose, "  ", "    ")
    if not warnings:
        out += wrap(f"No sampling warnings (r_hat <= {RHAT_LIMIT}, bulk ESS >= {ESS_LIMIT}, no "
                    "divergences).", prose, "  ", "    ")
    return out
