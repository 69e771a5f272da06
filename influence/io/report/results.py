"""The sections of the report on the evaluation: the summary at the top, the ranked options
(with the distributions of their expected utilities under parameter uncertainty), the optimal
strategy as rules, and the risk profiles."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ...limits import TIE_TOLERANCE
from ...solve.results import DecisionResult
from ..text import format_given
from .charts import distribution_chart, risk_profile_chart
from .collect import Collected
from .html import Numbers, breakable, esc, table

__all__ = ["header", "options_section", "strategy_section", "risk_section", "rank_numbers"]

_EV = "evaluation"
#: Units at most this long are repeated beside the key figures (longer ones are stated once).
_SHORT_UNITS = 24
#: Risk profiles drawn at most (the best-ranked distinct ones).
MAX_PROFILES = 5


def rank_numbers(values: Sequence[float]) -> list[int]:
    """Ranks with ties shared: options whose values agree to within rounding
    (:data:`~influence.limits.TIE_TOLERANCE`, relative) get the same rank."""
    scale = max((abs(v) for v in values), default=0.0)
    return [1 + sum(1 for w in values if w > v + TIE_TOLERANCE * scale) for v in values]


def _units(c: Collected) -> str:
    return f" {esc(c.evaluation.units)}" if c.evaluation.units else ""


def _card(title: str, value: str, detail: str = "", text: bool = False) -> str:
    extra = f'<div class="d">{detail}</div>' if detail else ""
    kind = "v text" if text else "v"
    return (f'<div class="card"><div class="k">{esc(title)}</div><div class="{kind}">{value}'
            f"</div>{extra}</div>")


def _setting(c: Collected) -> str:
    ev, produced = c.evaluation, c.produced
    parts = []
    if ev.units:
        parts.append(f"Utility in {esc(ev.units)}.")
    scenario = format_given(ev.given)
    parts.append(f"Scenario: {esc(scenario)} (every result is conditional on it)." if scenario
                 else "Scenario: none.")
    if ev.uncertainty == "prior":
        parts.append(f"Parameter uncertainty: {ev.draws} draws from the model's priors (seed "
                     f"{produced['seed']}); expected utilities are means over the draws.")
    elif ev.uncertainty == "posterior":
        parts.append(f"Parameter uncertainty: {ev.draws} posterior draws; expected utilities "
                     "are means over the draws.")
    else:
        parts.append("Point values: the model's own numbers.")
    return " ".join(parts)


def header(c: Collected, n: Numbers) -> str:
    """The title, what the model is about, the setting, and the key figures as cards."""
    d, ev = c.diagram, c.evaluation
    title = ev.title or ev.model
    out = [f"<h1>{esc(title)}</h1>",
           f'<p class="subtitle">Decision report for the model <code>{esc(d.name)}</code></p>']
    if d.description:
        out.append(f"<p>{esc(' '.join(d.description.split()))}</p>")
    out.append(f'<p class="muted">{_setting(c)}</p>')
    for warning in (ev.diagnostics or {}).get("warnings") or ():
        out.append(f'<p class="warning">Posterior sampling warning: {esc(warning)}</p>')
    cards = []
    detail = ""
    if c.uncertain and ev.meu_interval_90 is not None:
        detail = (f"90% interval {n.show(_EV, 'maximum_expected_utility_interval_90', 0)} to "
                  f"{n.show(_EV, 'maximum_expected_utility_interval_90', 1)}")
    elif ev.utility_sd is not None:
        detail = f"sd of the total utility {n.show(_EV, 'sd')}"
    short = ev.units and len(ev.units) <= _SHORT_UNITS
    unit = f' <span class="unit">{esc(ev.units)}</span>' if short else ""
    cards.append(_card("Maximum expected utility",
                       n.show(_EV, "maximum_expected_utility") + unit, detail))
    ranking = c.data[_EV]["ranking"]
    if ranking:
        cards.append(_card("Best option", esc(ranking[0]["label"]),
                           f"EU {n.show(_EV, 'ranking', 0, 'expected_utility')}", text=True))
    if ev.evpi_parameters is not None:
        cards.append(_card("Perfect information on the parameters",
                           n.show(_EV, "evpi_parameters") + unit, "EVPI: the most that "
                           "learning every parameter could be worth"))
    params = c.data["sensitivity"]["parameters"]
    if params:
        cards.append(_card("Largest one-way swing", f'<span class="id">{esc(params[0]["id"])}'
                           "</span>", f"swing {n.show('sensitivity', 'parameters', 0, 'swing')}"
                           f" in the maximum expected utility", text=True))
    out.append(f'<div class="cards">{"".join(cards)}</div>')
    return "".join(out)


def options_section(c: Collected, n: Numbers) -> str:
    """The policies and alternatives, best first."""
    ev = c.evaluation
    ranking = c.data[_EV]["ranking"]
    if not ranking:
        return ("<p>No named policies, and no decision that observes nothing: nothing to rank. "
                "Add <code>policies:</code> to the model to compare strategies.</p>")
    headers = ["Rank", "Option", "Id", "Kind", "EU"]
    headers += ["sd", "90% interval", "P(best)", "E[loss]"] if c.uncertain else ["sd(U)"]
    ranks = rank_numbers([o["expected_utility"] for o in ranking])
    rows, classes = [], []
    for i, (rank, o) in enumerate(zip(ranks, ranking, strict=True)):
        row = [str(rank), esc(o["label"]), f'<span class="id nowrap">{esc(o["id"])}</span>',
               esc(o["kind"]), n.show(_EV, "ranking", i, "expected_utility")]
        if c.uncertain:
            row += [n.show(_EV, "ranking", i, "sd"),
                    f"{n.show(_EV, 'ranking', i, 'interval_90', 0)} to "
                    f"{n.show(_EV, 'ranking', i, 'interval_90', 1)}",
                    n.show(_EV, "ranking", i, "probability_best", fmt="percent"),
                    n.show(_EV, "ranking", i, "expected_loss")]
        else:
            row.append(n.show(_EV, "ranking", i, "sd") if "sd" in o else "n/a")
        rows.append(row)
        classes.append("best" if rank == 1 else "")
    out = [table(headers, rows, numeric=[0] + list(range(4, len(headers))),
                 row_classes=classes, css_class="ranking")]
    notes = []
    if len(set(ranks)) < len(ranks):
        notes.append("Options of equal rank tie: their expected utilities agree to rounding.")
    if any(o["kind"] == "alternative" for o in ranking):
        notes.append("An alternative fixes one decision and plays the others optimally.")
    if any(o["kind"] == "policy" for o in ranking):
        notes.append("A policy plays optimally wherever it does not say what to do.")
    if c.uncertain:
        notes.append("sd and the 90% interval are the spread of the expected utility over the "
                     "draws. P(best) is the share of draws in which the option is best, and "
                     "E[loss] its mean shortfall from the best; both compare the named policies "
                     "with each other, and the alternatives of each decision with each other.")
    else:
        notes.append("sd(U): the standard deviation of the total utility under the option.")
    out.append(f'<p class="note">{" ".join(notes)}</p>')
    if c.uncertain:
        draws = [o.draws for o in ev.ranked()]
        out.append("<h3>Expected utility over the draws</h3>")
        out.append(f"<figure>{distribution_chart(ranking, draws, ev.units)}<figcaption>Each "
                   "option's expected utility in each draw of the parameters: a histogram "
                   "(scaled to its own peak), the central 90% interval and the mean (the dot)."
                   "</figcaption></figure>")
    return "".join(out)


def _label(c: Collected, name: str) -> str:
    return c.diagram.node(name).display_name if name in c.diagram else name


def _or(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _readable(c: Collected, decision: DecisionResult) -> str:
    """The decision rule in words, from :meth:`DecisionResult.compact_rules`."""
    compact = decision.compact_rules()
    if not compact:
        return "<p>No information state of this decision can occur.</p>"
    if len(compact) == 1 and not compact[0][0]:
        knows = ", ".join(esc(_label(c, k)) for k in decision.knows)
        whatever = f" whatever it knows ({knows})" if knows and len(
            decision.reachable_rules()) > 1 else ""
        return f'<p>Choose <span class="choice">{esc(compact[0][1])}</span>{whatever}.</p>'
    kept = list(compact[0][0])
    items = []
    if len(kept) == 1:
        by_choice: dict[str, list[str]] = {}
        for given, choose in compact:
            by_choice.setdefault(choose, []).append(esc(given[kept[0]]))
        for choose, states in by_choice.items():
            items.append(f'<span class="choice">{esc(choose)}</span> if '
                         f"{esc(_label(c, kept[0]))} is {_or(states)}")
    else:
        for given, choose in compact:
            cond = " and ".join(f"{esc(_label(c, k))} = {esc(v)}" for k, v in given.items())
            items.append(f'if {cond}: <span class="choice">{esc(choose)}</span>')
    out = "<ul class=\"rules\">" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"
    dropped = [k for k in decision.knows if k not in kept]
    if dropped:
        out += (f'<p class="note">The choice does not depend on '
                f"{esc(', '.join(_label(c, k) for k in dropped))}.</p>")
    return out


def _states_table(c: Collected, n: Numbers, decision: DecisionResult) -> str:
    """The reachable information states: probability, choice, conditional expected utility of
    each option and, under uncertainty, the share of draws in which the choice is optimal."""
    node = c.diagram.node(decision.decision)
    headers = [breakable(k) for k in decision.knows] + ["P(state)", "Choose"]
    headers += [f"EU({breakable(s)})" for s in node.states]
    if c.uncertain:
        headers.append("P(optimal)")
    rows = []
    for j, rule in enumerate(decision.rules):
        if not rule.reachable:
            continue
        at = (_EV, "optimal_strategy", decision.decision, j)
        row = [esc(rule.given[k]) for k in decision.knows]
        row += [n.show(*at, "probability"), f'<span class="choice">{esc(rule.choose)}</span>']
        row += [n.show(*at, "expected_utilities", s) if rule.expected_utilities else "n/a"
                for s in node.states]
        if c.uncertain:
            row.append(n.show(*at, "probability_optimal", fmt="percent")
                       if rule.probability_optimal is not None else "n/a")
        rows.append(row)
    k = len(decision.knows)
    return table(headers, rows, numeric=[k] + list(range(k + 2, len(headers))),
                 css_class="states")


def _single(c: Collected, n: Numbers, decision: DecisionResult) -> str:
    """A decision that knows nothing: its choice and the expected utility of each option."""
    rule = decision.rules[0]
    at = (_EV, "optimal_strategy", decision.decision, 0)
    eus = ", ".join(f"{esc(s)} {n.show(*at, 'expected_utilities', s)}"
                    for s in c.diagram.node(decision.decision).states
                    if rule.expected_utilities and s in rule.expected_utilities)
    share = (f"; optimal in {n.show(*at, 'probability_optimal', fmt='percent')} of the draws"
             if rule.probability_optimal is not None else "")
    return (f'<p>Choose <span class="choice">{esc(rule.choose)}</span> (expected utility of '
            f"each option: {eus}{share}).</p>")


def strategy_section(c: Collected, n: Numbers) -> str:
    """Each decision, in the order they are taken: its rule in words, then its information
    states that can occur."""
    out = ["<p>Decisions in the order they are taken; each rule is optimal given what the "
           "decision knows when it is taken.</p>"]
    for i, decision in enumerate(c.evaluation.optimal_strategy, start=1):
        name = _label(c, decision.decision)
        suffix = f" <code>{esc(decision.decision)}</code>" if name != decision.decision else ""
        out.append(f"<h3>{i}. {esc(name)}{suffix}</h3>")
        if not decision.knows and decision.rules[0].reachable:
            out.append(_single(c, n, decision))
            continue
        out.append(_readable(c, decision))
        out.append(_states_table(c, n, decision))
        hidden = len(decision.rules) - len(decision.reachable_rules())
        if hidden:
            out.append(f'<p class="note">{hidden} of {len(decision.rules)} information states '
                       "cannot occur under this strategy and are not listed.</p>")
    if c.uncertain:
        out.append('<p class="note">P(optimal): the share of the draws in which that choice is '
                   "optimal in that information state.</p>")
    return "".join(out)


def _distinct_profiles(ranking: Sequence[Mapping[str, Any]]) -> list[tuple[list[int], Any]]:
    """The options' risk profiles, options with the same profile together, best rank first."""
    groups: list[tuple[list[int], Any]] = []
    for i, o in enumerate(ranking):
        profile = o.get("risk_profile")
        if not profile:
            continue
        for members, seen in groups:
            if seen == profile:
                members.append(i)
                break
        else:
            groups.append(([i], profile))
    return groups


def risk_section(c: Collected, n: Numbers) -> str:
    """The exact distribution of the total utility under each option (point evaluations)."""
    if c.uncertain:
        return ("<p>Risk profiles are exact distributions of the total utility at the model's "
                "own numbers: produce the report without parameter uncertainty to see them. "
                "Above, the spread of each expected utility over the draws is shown "
                "instead.</p>")
    ranking = c.data[_EV]["ranking"]
    groups = _distinct_profiles(ranking)
    if not groups:
        return ("<p>The total utility has too many possible values to list its distribution "
                "exactly; the standard deviation of each option is in the ranking above.</p>")
    shown = groups[:MAX_PROFILES]
    series = [(" = ".join(ranking[i]["label"] for i in members), profile)
              for members, profile in shown]
    out = [f"<figure>{risk_profile_chart(series, c.evaluation.units)}<figcaption>The "
           "probability that the total utility is at most each value, under each option "
           "(exact). Further right is better; a curve that lies below and right of another "
           "everywhere dominates it.</figcaption></figure>"]
    if len(groups) > len(shown):
        out.append(f'<p class="note">{len(groups) - len(shown)} options of lower rank with '
                   "other profiles are not drawn.</p>")
    rows = []
    for members, profile in groups:
        i = members[0]
        rows.append([esc(" = ".join(ranking[m]["label"] for m in members)),
                     n.show(_EV, "ranking", i, "expected_utility"),
                     n.show(_EV, "ranking", i, "sd"),
                     n.show(_EV, "ranking", i, "risk_profile", 0, 0),
                     n.show(_EV, "ranking", i, "risk_profile", 0, 1),
                     n.show(_EV, "ranking", i, "risk_profile", len(profile) - 1, 0),
                     n.show(_EV, "ranking", i, "risk_profile", len(profile) - 1, 1)])
    out.append(table(["Option", "EU", "sd(U)", "Lowest U", "P(lowest)", "Highest U",
                      "P(highest)"],
                     rows, numeric=range(1, 7), css_class="risk"))
    return "".join(out)
