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
from ..model.diagram import Diagram
from ..solve.results import DecisionResult, Evaluation, RuleResult
from .text import format_given, format_number, grid, percent

__all__ = ["evaluation_table"]

#: Options at most this many states wide get one conditional-EU column per state.
_MAX_EU_COLUMNS = 6


def _units_suffix(units: str | None) -> str:
    return f" {units}" if units else ""


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
            return f"{name} ({label})"
    return name


def _options_section(result: Evaluation) -> list[str]:
    ranked = result.ranked()
    if not ranked:
        return ["No named policies, and no decision that observes nothing: nothing to rank.",
                "(Add `policies:` to the model to compare strategies.)"]
    uncertain = result.uncertainty is not None
    averse = result.risk_tolerance is not None
    headers = ["rank", "option", "id", "kind", "EU"]
    if averse:
        headers.append("CE")
    if uncertain:
        headers += ["sd", "90% interval (5%-95%)", "P(best)", "E[loss]"]
    else:
        headers += ["sd(U)", "U 5%", "U 95%"]
    right = [i for i, h in enumerate(headers) if h not in ("option", "id", "kind",
                                                           "90% interval (5%-95%)")]
    ranks = _rank_numbers([o.certainty_equivalent if averse else o.expected_utility
                           for o in ranked])
    rows = []
    for rank, o in zip(ranks, ranked, strict=True):
        row = [str(rank), o.label, o.id, o.kind, format_number(o.expected_utility)]
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
    out = ["Policies and alternatives, best first"]
    out += grid(headers, rows, right)
    notes = []
    if any(o.kind == "alternative" for o in ranked):
        notes.append("An alternative fixes one decision and plays the others optimally.")
    if any(o.kind == "policy" for o in ranked):
        notes.append("A policy plays optimally wherever it does not say what to do.")
    if uncertain:
        notes.append("90% interval: the central interval of the EU over the draws, from its 5% "
                     "to its 95% quantile (the same in JSON, CSV and plots).")
        notes.append("P(best) and E[loss] compare the named policies with each other, and the "
                     "alternatives of each decision with each other.")
    else:
        notes.append("sd(U), U 5% and U 95%: the spread and the 5% and 95% quantiles of the "
                     "total utility under the option.")
    if averse:
        notes.append(f"Ranked by certainty equivalent (CE) under exponential utility with risk "
                     f"tolerance {format_number(result.risk_tolerance)}.")
    out += ["  " + n for n in notes]
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
    return line + ("   (" + "; ".join(extras) + ")" if extras else "")


def _eu_text(eus: Mapping[str, float]) -> str:
    return "EU " + ", ".join(f"{s} {format_number(v)}" for s, v in eus.items())


def _single_rule(head: str, rule: RuleResult, uncertain: bool) -> list[str]:
    """A decision with one information state: its choice on one line."""
    extras = [_eu_text(rule.expected_utilities)] if rule.expected_utilities else []
    if uncertain and rule.probability_optimal is not None:
        extras.append(f"optimal in {percent(rule.probability_optimal)} of draws")
    return [_with_extras(f"{head}: choose {rule.choose}", extras)]


def _every_state(head: str, decision: DecisionResult, states: Sequence[str],
                 uncertain: bool) -> list[str]:
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
    right = range(len(decision.knows) + 2, len(headers))
    return ([f"{head}, by what it knows ({knows}); every information state:"]
            + grid(headers, rows, right, indent="       "))


def _compact_states(head: str, decision: DecisionResult, states: Sequence[str],
                    uncertain: bool) -> list[str]:
    """The reachable information states of a decision, merged where they share a choice."""
    knows = ", ".join(decision.knows) or "nothing"
    reachable = decision.reachable_rules()
    compact = decision.compact_rules()
    if len(compact) == 1 and not compact[0][0]:  # one choice whatever it knows
        choose = compact[0][1]
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
        return [_with_extras(line, extras)]
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
    right = range(len(shown) + 1, len(headers))
    return [title + ":"] + grid(headers, rows, right, indent="       ")


def _rule_section(index: int, decision: DecisionResult, diagram: Diagram | None,
                  uncertain: bool, all_states: bool, all_states_hint: str) -> list[str]:
    head = f"  {index}. {_label_of(diagram, decision.decision)}"
    states = _decision_states(decision, diagram)
    reachable = decision.reachable_rules()
    if all_states:
        return _every_state(head, decision, states, uncertain)
    if len(decision.rules) == 1 and reachable:
        return _single_rule(head, reachable[0], uncertain)
    if not reachable:
        return [f"{head}: no information state is reachable under this strategy"]
    out = _compact_states(head, decision, states, uncertain)
    hidden = len(decision.rules) - len(reachable)
    if hidden:
        out.append(f"     {hidden} of {len(decision.rules)} information states cannot occur under "
                   f"this strategy ({all_states_hint} shows them).")
    return out


def evaluation_table(result: Evaluation, *, diagram: Diagram | None = None,
                     all_states: bool = False, all_states_hint: str = "all_states=True") -> str:
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

    Returns
    -------
    str
        Header (model, scenario, units), the ranked policies and alternatives, the maximum
        expected utility and the optimal strategy; under parameter uncertainty also the spread of
        each expected utility, the probability that each option is best, the expected loss and
        the expected value of perfect information about the parameters.
    """
    uncertain = result.uncertainty is not None
    title = result.title or result.model
    out = [f"{title} ({result.model})" if title != result.model else title]
    scenario = format_given(result.given)
    out.append(f"Scenario: {scenario} (results are conditional on it)" if scenario
               else "Scenario: none")
    if result.units:
        out.append(f"Utility in {result.units}")
    if uncertain:
        what = result.uncertainty or "parameter"
        draws = f"{result.draws} {what} draws" if result.draws else f"{what} draws"
        out.append(f"Parameter uncertainty: {draws}; expected utilities are means over draws")
    out.append("")
    out += _options_section(result)
    out.append("")

    if result.risk_tolerance is not None:
        out.append(f"Risk tolerance {format_number(result.risk_tolerance)}: the optimal strategy "
                   "maximises expected exponential utility -exp(-U/R)")
        out.append("Maximum certainty equivalent: "
                   f"{format_number(result.maximum_certainty_equivalent)}"
                   f"{_units_suffix(result.units)}")
    meu = ("Expected utility of that strategy: " if result.risk_tolerance is not None
           else "Maximum expected utility: ")
    meu += format_number(result.maximum_expected_utility) + _units_suffix(result.units)
    if uncertain and result.meu_sd is not None:
        lo, hi = result.meu_interval_90
        meu += (f"  (sd {format_number(result.meu_sd)}, 90% interval {format_number(lo)} to "
                f"{format_number(hi)})")
    if not uncertain and result.utility_sd is not None:
        low, high = _quantiles(result.risk_profile)
        meu += (f"  (sd of the total utility {format_number(result.utility_sd)}; 5% and 95% "
                f"quantiles {format_number(low)} and {format_number(high)})")
    out.append(meu)
    if result.evpi_parameters is not None:
        out.append("Expected value of perfect information about the parameters (EVPI): "
                   f"{format_number(result.evpi_parameters)}{_units_suffix(result.units)}")
    out.append("")
    out.append("Optimal strategy (decisions in the order they are taken)")
    for i, decision in enumerate(result.optimal_strategy, start=1):
        out += _rule_section(i, decision, diagram, uncertain, all_states, all_states_hint)
    if uncertain:
        out.append("  P(optimal): share of the draws in which that choice is optimal.")
    if result.diagnostics:
        out.append("")
        out += _diagnostics_section(result.diagnostics)
    return "\n".join(out) + "\n"


def _diagnostics_section(diagnostics: Mapping[str, Any]) -> list[str]:
    """The posterior's sampling diagnostics, shown whenever the posterior is used."""
    method = diagnostics.get("method") or "unknown method"
    chains, draws = diagnostics.get("chains"), diagnostics.get("draws")
    head = f"Posterior: {method}"
    if chains and draws:
        head += f", {chains} chains of {draws} draws"
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
    out = [head]
    warnings = list(diagnostics.get("warnings") or [])
    out += [f"  WARNING: {w}" for w in warnings]
    if not warnings:
        out.append(f"  No sampling warnings (r_hat <= {RHAT_LIMIT}, bulk ESS >= {ESS_LIMIT}, no "
                   "divergences).")
    return out
