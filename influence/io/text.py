"""Plain-text reports of models and fits, and the building blocks of every text table.

:func:`format_number` and :func:`grid` lay numbers and columns out for all the text reports
(the evaluation report of :mod:`influence.io.evaluation_text` too). The reports here describe
a model (:func:`diagram_table`: what ``influence show`` prints), list the bundled models,
summarise a validation with its notes, and report a fit (:func:`fit_table`). They read
:class:`~influence.model.diagram.Diagram` objects and plain data, and return strings.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..limits import ESS_LIMIT, RHAT_LIMIT
from ..messages import printable, printable_text
from ..model.diagram import Diagram, Node, Policy
from . import textgrid
from .parameters_view import parameters_section, structure_lines
from .plain import arc_kind, node_table
from .textgrid import DEFAULT_WIDTH, PROSE_WIDTH, Column, wrap

__all__ = [
    "format_number",
    "percent",
    "grid",
    "wrap",
    "plural",
    "format_given",
    "diagram_table",
    "models_table",
    "model_notes",
    "validation_summary",
    "validation_report",
    "fit_table",
]


# -- building blocks ------------------------------------------------------------------------------


def format_number(x: float | None, digits: int = 4) -> str:
    """A number for a text table: ``digits`` significant digits, never fewer than the integer part.

    Trailing zeros are dropped and ``-0`` prints as ``0``; None, NaN and infinities print as
    ``n/a``.

    Examples
    --------
    >>> format_number(22.857142857)
    '22.86'
    >>> format_number(-9.999999999999998)
    '-10'
    >>> format_number(123456.7)
    '123457'
    """
    if x is None:
        return "n/a"
    x = float(x)
    if not math.isfinite(x):
        return "n/a"
    if x == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(x)))
    decimals = min(max(digits - 1 - magnitude, 0), 10)
    text = f"{x:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text


def percent(x: float | None) -> str:
    """A share as a percentage: ``40%``, ``12.5%``; ``n/a`` for None or NaN."""
    if x is None or not math.isfinite(x):
        return "n/a"
    return f"{100 * x:.0f}%" if abs(100 * x - round(100 * x)) < 0.05 else f"{100 * x:.1f}%"


def grid(headers: Sequence[str], rows: Iterable[Sequence[str]], right: Iterable[int] = (),
         indent: str = "  ", *, width: int = DEFAULT_WIDTH, wrap: Iterable[int] = (),
         minimum: int = 12) -> list[str]:
    """Aligned columns with a dashed rule under the header, no line wider than ``width``:
    columns in ``right`` are right-aligned; columns in ``wrap`` may wrap within their cells
    (never narrower than ``minimum``). See :func:`influence.io.textgrid.grid`."""
    right, wrap = set(right), set(wrap)
    columns = [Column(h, right=i in right, wrap=i in wrap, minimum=minimum)
               for i, h in enumerate(headers)]
    return textgrid.grid(columns, rows, width=width, indent=indent)


def format_given(given: Mapping[str, str]) -> str:
    """``node=state, node=state`` (escaped, see :func:`~influence.messages.printable`)."""
    return printable(", ".join(f"{k}={v}" for k, v in given.items()))


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 decision``, ``2 decisions`` (``many``: the plural when not ``word + "s"``)."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def _prose(width: int) -> int:
    return min(width, PROSE_WIDTH)


def _node_counts(diagram: Diagram) -> list[int]:
    return [sum(n.kind == k for n in diagram.nodes) for k in ("chance", "decision", "utility")]


def _counts_text(diagram: Diagram) -> str:
    """``28 nodes (14 chance, 5 decision, 9 utility), 6 policies``."""
    chance, decision, utility = _node_counts(diagram)
    return (f"{plural(len(diagram.nodes), 'node')} ({chance} chance, {decision} decision, "
            f"{utility} utility), {plural(len(diagram.policies), 'policy', 'policies')}")


# -- the model: influence show --------------------------------------------------------------------


def _header(diagram: Diagram, width: int) -> list[str]:
    title = diagram.title or diagram.name
    prose = _prose(width)
    out = wrap(f"{title} ({diagram.name})" if title != diagram.name else title, prose, "", "  ")
    if diagram.description:
        out += wrap(diagram.description, prose)
    if diagram.file:
        out += wrap(f"File: {diagram.file}", prose, "", "  ")
    if diagram.units:
        out += wrap(f"Units: {diagram.units}", prose, "", "  ")
    out += wrap(f"{_counts_text(diagram)}; fingerprint {diagram.fingerprint}", prose, "", "  ")
    return out


def _nodes_section(diagram: Diagram, width: int) -> list[str]:
    rows = []
    for n in diagram.nodes:
        if n.kind == "decision":
            parents = "observes " + (", ".join(n.parents) if n.parents else "nothing")
        else:
            parents = ", ".join(n.parents) or "-"
        states = ", ".join(n.states) if n.kind != "utility" else (n.unit or "-")
        extra = f" (weight {format_number(n.weight)})" if n.kind == "utility" and n.weight != 1 \
            else ""
        if n.weight_expression is not None:
            extra = f" (weight {n.weight_expression} = {format_number(n.weight)})"
        rows.append([n.name, n.kind, states + extra, parents, n.label or "-"])
    return (["Nodes (in file order, which is the order decisions are taken)"]
            + grid(["name", "type", "states / unit", "parents", "label"], rows, width=width,
                   wrap=(0, 2, 3, 4), minimum=14))


def _arcs_section(diagram: Diagram, width: int) -> list[str]:
    arc_rows = [[p, n.name, arc_kind(n)] for n in diagram.nodes for p in n.parents]
    out = ["Arcs"] + (grid(["from", "to", "kind"], arc_rows, width=width, wrap=(0, 1))
                      if arc_rows else ["  (none)"])
    out += wrap("conditional: into a chance node; informational: observed before a decision; "
                "functional: into a utility node.", _prose(width), "  ")
    return out


def _decisions_section(diagram: Diagram, width: int) -> list[str]:
    out = ["Decisions, in the order taken, and what each knows (perfect recall)"]
    for i, d in enumerate(diagram.decisions, start=1):
        knows = diagram.information_set(d.name)
        out += wrap(f"{i}. {d.name}: knows {', '.join(knows) if knows else 'nothing'}",
                    _prose(width), "  ", "     ")
    return out if diagram.decisions else out + ["  (none)"]


def _rule_text(policy: Policy, decision: str) -> str:
    rows = policy.rules[decision]
    if len(rows) == 1 and not rows[0].given:
        return printable(rows[0].choose)
    return printable("; ".join(f"{format_given(r.given) or 'otherwise'} -> {r.choose}"
                               for r in rows))


def _policies_section(diagram: Diagram, width: int) -> list[str]:
    out = ["Policies"]
    if not diagram.policies:
        return out + ["  (none)"]
    prose = _prose(width)
    for p in diagram.policies:
        out += wrap(f"{p.id}: {p.label}", prose, "  ", "      ")
        for decision in p.rules:
            out += wrap(f"{decision}: {_rule_text(p, decision)}", prose, "      ", "        ")
        if p.description:
            out += wrap(p.description, prose, "      ")
        if p.source:
            out += wrap(f"source: {p.source}", prose, "      ", "        ")
    out += wrap("Decisions or information states a policy leaves out are played optimally.",
                prose, "  ")
    return out


def _row_name(node: Node, key: tuple[str, ...]) -> str:
    """``node[parent=state,...]``: a row as parameters are named."""
    if not node.parents:
        return node.name
    return f"{node.name}[{','.join(f'{p}={s}' for p, s in zip(node.parents, key, strict=True))}]"


def _sources_section(diagram: Diagram, width: int) -> list[str]:
    prose = _prose(width)
    lines = []
    for s in diagram.sources:
        lines += wrap(f"model: {s}", prose, "  ", "      ")
    for n in diagram.nodes:
        if n.source:
            lines += wrap(f"{n.name}: {n.source}", prose, "  ", "      ")
        for key, src in n.row_sources.items():
            if not n.parents and src == n.source:
                continue
            lines += wrap(f"{_row_name(n, key)}: {src}", prose, "  ", "      ")
    for p in diagram.parameters:
        if p.source:
            lines += wrap(f"param:{p.name}: {p.source}", prose, "  ", "      ")
    return ["Sources"] + (lines or ["  (none given)"])


def _priors_section(diagram: Diagram, width: int) -> list[str]:
    """Every prior of the model: the row or value it is on, and the distribution."""
    rows = [[_row_name(n, key), prior.describe()]
            for n in diagram.nodes for key, prior in n.priors.items()]
    params = sum(p.prior is not None for p in diagram.parameters)
    listed = wrap(f"({plural(params, 'parameter')} uncertain, each with its prior under "
                  "Parameters; `--prior` evaluates under them)", _prose(width), "  ") \
        if params else []
    if not rows:
        return ["Priors", *(listed or ["  (none: every number is a point value)"])]
    head = (f"Priors ({plural(len(rows), 'row or value', 'rows and values')} uncertain; "
            "`--prior` evaluates under them)")
    return [head] + listed + grid(["row or value", "prior"], rows, width=width, wrap=(0, 1),
                                  minimum=24)


def _tables_section(diagram: Diagram, width: int) -> list[str]:
    out = ["Tables"]
    for n in diagram.nodes:
        if n.kind == "decision":
            continue
        rows_data = node_table(diagram, n)
        if n.kind == "chance":
            head = (f"{n.name}: P({n.name} | {', '.join(n.parents)})" if n.parents
                    else f"{n.name}: P({n.name})")
            headers = list(n.parents) + list(n.states)
            rows = [[r["given"][p] for p in n.parents]
                    + [format_number(r["p"][s]) for s in n.states] for r in rows_data]
        else:
            unit = f" [{n.unit}]" if n.unit else ""
            head = f"{n.name}: utility{unit}"
            headers = list(n.parents) + ["value"]
            rows = [[r["given"][p] for p in n.parents] + [format_number(r["value"])]
                    for r in rows_data]
        out += wrap(head, _prose(width), "  ", "      ")
        out += structure_lines(diagram, n, lambda h, r: grid(h, r, indent="      ", width=width))
        if n.structure is not None:
            out.append("    the table computed from them:")
        out += grid(headers, rows, right=range(len(n.parents), len(headers)), indent="      ",
                    width=width, wrap=range(len(headers)), minimum=6)
    return out


def diagram_table(diagram: Diagram, *, tables: bool = False, width: int = DEFAULT_WIDTH
                  ) -> str:
    """A plain-text description of a diagram: what ``influence show`` prints.

    Parameters
    ----------
    diagram : Diagram
    tables : bool
        Also print every probability and utility table.
    width : int
        The widest a line may be (see :func:`influence.io.textgrid.output_width`).
    """
    sections = [_header(diagram, width), _nodes_section(diagram, width),
                _arcs_section(diagram, width), _decisions_section(diagram, width),
                _policies_section(diagram, width), _priors_section(diagram, width),
                _sources_section(diagram, width)]
    if diagram.parameters:
        sections.insert(1, parameters_section(diagram, width))
    if tables:
        sections.append(_tables_section(diagram, width))
    return printable_text("\n\n".join("\n".join(section) for section in sections) + "\n")


# -- models and validation ------------------------------------------------------------------------


def models_table(summaries: Sequence[tuple[str, str]],
                 evidence: Mapping[str, Sequence[str]] | None = None) -> str:
    """One line per bundled model: name and title, aligned, and the names of its bundled
    evidence files (``evidence``: model name -> evidence names)."""
    if not summaries:
        return "(no bundled models)\n"
    summaries = [(printable(name), printable(title)) for name, title in summaries]
    width = max(len(name) for name, _ in summaries)
    lines = []
    for name, title in summaries:
        files = (evidence or {}).get(name) or []
        extra = f"  (evidence: {printable(', '.join(files))})" if files else ""
        lines.append(f"{name.ljust(width)}  {title}{extra}".rstrip() + "\n")
    return "".join(lines)


def model_notes(diagram: Diagram) -> list[str]:
    """Things that are valid but usually a modelling slip: nodes that cannot affect any
    utility, decisions that affect none."""
    utilities = {u.name for u in diagram.utilities}
    notes = []
    for node in diagram.nodes:
        if node.kind == "utility" or diagram.descendants(node.name) & utilities:
            continue
        if node.kind == "decision":
            notes.append(f"decision '{node.name}' influences no utility node, so every choice "
                         "is equally good")
        else:
            notes.append(f"chance node '{node.name}' has no path to a utility node, so it "
                         "cannot change any expected utility")
    return notes


def validation_summary(diagram: Diagram, shown_as: str) -> str:
    """``"MODEL: valid: N nodes (N chance, N decision, N utility), N policies"``."""
    return f"{printable(shown_as)}: valid: {_counts_text(diagram)}"


def validation_report(diagram: Diagram, shown_as: str) -> str:
    """What ``influence validate`` prints for a valid model: :func:`validation_summary`, then
    one ``note:`` line per :func:`model_notes`."""
    lines = [validation_summary(diagram, shown_as)]
    lines += [f"  note: {printable(note)}" for note in model_notes(diagram)]
    return "\n".join(lines) + "\n"


# -- a fit: influence fit -------------------------------------------------------------------------


def _number(x: Any) -> float | None:
    try:
        value = float(x)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _cell(value: Any) -> str:
    """A summary value for the table: a number, a row of numbers, or an interval."""
    if value is None:
        return "n/a"
    if isinstance(value, str):
        return value
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, list | tuple):
        if len(value) == 2 and all(not isinstance(v, list | tuple) for v in value):
            return f"[{format_number(value[0], 3)}, {format_number(value[1], 3)}]"
        return "[" + ", ".join(_cell(v) for v in value) + "]"
    return format_number(_number(value), 3)


def fit_table(diagram: Diagram, summary: Sequence[Mapping[str, Any]], method: str,
              diagnostics: Mapping[str, Any], warnings: Sequence[str], *,
              width: int = DEFAULT_WIDTH) -> str:
    """The text report of a fit: one row per parameter the evidence moved.

    Parameters
    ----------
    diagram : Diagram
        The model fitted.
    summary : sequence of mapping
        :meth:`Posterior.summary <influence.bayes.posterior.Posterior.summary>`.
    method : str
        The fit's method.
    diagnostics : mapping
        :attr:`Posterior.diagnostics <influence.bayes.posterior.Posterior.diagnostics>`.
    warnings : sequence of str
        The sampling warnings (counted in the last line).
    width : int
        The widest a line may be.
    """
    sampler = diagnostics.get("sampler")
    how = f"method: {method}" + (f", sampler: {sampler}" if sampler else "")
    out = [printable(f"Posterior of {diagram.title or diagram.name} ({how})")]
    divergences = diagnostics.get("divergences")
    if divergences is not None and method == "nuts":  # exact draws have none
        out.append(f"Divergent transitions: {divergences}")
    out.append("")
    if not summary:
        out.append("The evidence moved no parameter.")
    else:
        headers = ["parameter", "state", "prior mean", "prior 90%", "posterior mean",
                   "posterior 90%", "r_hat", "ess_bulk"]
        rows = [[str(r.get("name")), str(r.get("state") or ""), _cell(r.get("prior_mean")),
                 _cell(r.get("prior_interval_90")), _cell(r.get("mean")),
                 _cell(r.get("interval_90")), _cell(r.get("r_hat")),
                 "n/a" if _number(r.get("ess_bulk")) is None
                 else f"{_number(r.get('ess_bulk')):.0f}"] for r in summary]
        out += grid(headers, rows, right=range(1, len(headers)), width=width,
                    wrap=range(6), minimum=10)
        out.append("")
        out += wrap("90%: the central interval, from the 5% to the 95% quantile. " + (
            "Means and intervals exact, from the prior and posterior distributions"
            if all(r.get("exact") and r.get("prior_exact") for r in summary) else
            "Prior means and intervals exact, from the distributions; posterior ones from the "
            "draws" if all(r.get("prior_exact") for r in summary) else
            "Means and intervals from the draws") + ".", _prose(width), "", "")
    out.append("")
    out += wrap(f"Convergence: r_hat <= {RHAT_LIMIT} and bulk ESS >= {ESS_LIMIT} expected; "
                + (f"{plural(len(warnings), 'warning')} above." if warnings
                   else "no warnings."), _prose(width), "", "  ")
    return printable_text("\n".join(out) + "\n")
