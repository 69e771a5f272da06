"""Reading and validating model files.

:func:`load` takes a path or the name of a bundled model; :func:`diagram_from_dict` takes the
parsed document. Every check of the model format lives here (field by field, with line numbers)
or in :mod:`influence.structure` (the graph: cycles, information order). The format is documented
in ``docs/model-format.md``.
"""

from __future__ import annotations

import difflib
import itertools
import math
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from . import bundled
from .diagram import Diagram, Node, Policy, RuleRow
from .errors import ModelError, ModelNotFoundError
from .structure import check_structure
from .yamlio import line_of, load_yaml_file, load_yaml_text

__all__ = ["load", "loads", "diagram_from_dict", "SUM_TOLERANCE"]

#: Rows whose probabilities sum to within this of 1 are renormalized; others are an error.
SUM_TOLERANCE = 1e-6

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")
TOP_KEYS = ("name", "title", "description", "source", "units", "nodes", "policies", "version")
COMMON_NODE_KEYS = ("type", "label", "description", "source")
NODE_KEYS = {
    "chance": COMMON_NODE_KEYS + ("states", "parents", "p", "cpt", "prior"),
    "decision": COMMON_NODE_KEYS + ("states", "observes"),
    "utility": COMMON_NODE_KEYS + ("parents", "values", "value", "unit", "weight", "prior"),
}
CPT_ROW_KEYS = ("given", "p", "source", "prior")
VALUE_ROW_KEYS = ("given", "value", "source", "prior")
POLICY_KEYS = ("label", "description", "source", "choose")
RULE_ROW_KEYS = ("given", "choose", "source")


def _suggest(word: Any, options: Any) -> str:
    close = difflib.get_close_matches(str(word), [str(o) for o in options], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Context:
    """Where we are in the file, to build error messages."""

    def __init__(self, file: str | None) -> None:
        self.file = file

    def error(
        self, message: str, *, node: str | None = None, field: str | None = None, line: Any = None
    ) -> ModelError:
        return ModelError(message, file=self.file, node=node, field=field, line=line)


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"text {value!r}"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


def _check_keys(
    ctx: _Context, mapping: Mapping, allowed: tuple[str, ...], *, node: str | None, what: str
) -> None:
    for key in mapping:
        if key not in allowed:
            raise ctx.error(
                f"unknown key {key!r} in {what}{_suggest(key, allowed)}; "
                f"expected one of: {', '.join(allowed)}",
                node=node,
                field=str(key),
                line=line_of(mapping, key),
            )


def _text(ctx: _Context, value: Any, *, node: str | None, field: str, line: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ctx.error(f"expected text, got {_describe(value)}", node=node, field=field, line=line)
    return str(value)


def _sources(ctx: _Context, value: Any, *, node: str | None, field: str, line: Any) -> tuple:
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(
            _text(ctx, v, node=node, field=field, line=line_of(value, i))
            for i, v in enumerate(value)
        )
    return (_text(ctx, value, node=node, field=field, line=line),)


def _state_name(ctx: _Context, value: Any, *, node: str | None, field: str, line: Any) -> str:
    """States are text; integers are read as their decimal text."""
    if isinstance(value, bool):
        raise ctx.error(
            f"expected a state name, got {_describe(value)} "
            "(write true/false states in quotes: \"true\")",
            node=node,
            field=field,
            line=line,
        )
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value
    raise ctx.error(f"expected a state name, got {_describe(value)}", node=node, field=field,
                    line=line)


def _number(ctx: _Context, value: Any, *, node: str | None, field: str, line: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ctx.error(f"expected a number, got {_describe(value)}", node=node, field=field,
                        line=line)
    value = float(value)
    if not math.isfinite(value):
        raise ctx.error(f"expected a finite number, got {value}", node=node, field=field,
                        line=line)
    return value


# -- nodes -------------------------------------------------------------------------------------


def _parse_states(ctx: _Context, name: str, spec: Mapping) -> tuple[str, ...]:
    if "states" not in spec:
        raise ctx.error("missing 'states': expected a list of state names", node=name,
                        field="states", line=line_of(spec))
    raw = spec["states"]
    line = line_of(spec, "states")
    if not isinstance(raw, list) or not raw:
        raise ctx.error(f"expected a non-empty list of state names, got {_describe(raw)}",
                        node=name, field="states", line=line)
    states = []
    for i, s in enumerate(raw):
        s = _state_name(ctx, s, node=name, field="states", line=line_of(raw, i))
        if s in states:
            raise ctx.error(f"duplicate state {s!r}: expected each state once", node=name,
                            field="states", line=line_of(raw, i))
        states.append(s)
    return tuple(states)


def _parse_name_list(ctx: _Context, name: str, spec: Mapping, key: str) -> tuple[str, ...]:
    raw = spec.get(key, [])
    line = line_of(spec, key)
    if raw is None:
        raw = []
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list):
        raise ctx.error(f"expected a list of node names, got {_describe(raw)}", node=name,
                        field=key, line=line)
    out: list[str] = []
    for i, p in enumerate(raw):
        if not isinstance(p, str):
            raise ctx.error(f"expected a node name, got {_describe(p)}", node=name, field=key,
                            line=line_of(raw, i))
        if p in out:
            raise ctx.error(f"{p!r} is listed twice", node=name, field=key, line=line_of(raw, i))
        if p == name:
            raise ctx.error("a node cannot be its own parent", node=name, field=key,
                            line=line_of(raw, i))
        out.append(p)
    return tuple(out)


def _probabilities(
    ctx: _Context, raw: Any, states: tuple[str, ...], *, node: str, field: str, line: Any,
    where: str = "",
) -> np.ndarray:
    if isinstance(raw, Mapping):
        unknown = [k for k in raw if str(k) not in states]
        if unknown:
            raise ctx.error(
                f"{where}unknown state {unknown[0]!r}{_suggest(unknown[0], states)}; "
                f"expected states of '{node}': {', '.join(states)}",
                node=node, field=field, line=line,
            )
        missing = [s for s in states if s not in {str(k) for k in raw}]
        if missing:
            raise ctx.error(f"{where}missing probabilities for state(s) {', '.join(missing)}",
                            node=node, field=field, line=line)
        values = [raw[k] for s in states for k in raw if str(k) == s]
    elif isinstance(raw, list):
        if len(raw) != len(states):
            raise ctx.error(
                f"{where}expected {len(states)} probabilities (one per state: "
                f"{', '.join(states)}), got {len(raw)}",
                node=node, field=field, line=line,
            )
        values = list(raw)
    else:
        raise ctx.error(f"{where}expected a list of probabilities, got {_describe(raw)}",
                        node=node, field=field, line=line)
    probs = np.empty(len(states))
    for i, v in enumerate(values):
        if isinstance(v, float) and math.isnan(v):
            raise ctx.error(f"{where}expected a probability, got NaN", node=node, field=field,
                            line=line)
        x = _number(ctx, v, node=node, field=field, line=line)
        if x < 0:
            raise ctx.error(f"{where}expected probabilities >= 0, got {v} for state "
                            f"{states[i]!r}", node=node, field=field, line=line)
        probs[i] = x
    total = probs.sum()
    if abs(total - 1.0) > SUM_TOLERANCE:
        raise ctx.error(f"{where}expected probabilities summing to 1, got a sum of {total:.10g}",
                        node=node, field=field, line=line)
    return probs / total


def _parse_given(
    ctx: _Context, raw: Any, parents: tuple[str, ...], spaces: Mapping[str, tuple[str, ...]], *,
    node: str, field: str, line: Any, partial: bool = False,
) -> dict[str, str]:
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise ctx.error(f"expected `given` to be a mapping of parent: state, got {_describe(raw)}",
                        node=node, field=field, line=line)
    out = {}
    for k, v in raw.items():
        k = str(k)
        if k not in parents:
            what = "what the decision knows" if partial else "the parents"
            raise ctx.error(
                f"`given` names {k!r}, which is not among {what} "
                f"({', '.join(parents) or 'none'}){_suggest(k, parents)}",
                node=node, field=field, line=line_of(raw, k) or line,
            )
        state = _state_name(ctx, v, node=node, field=field, line=line_of(raw, k) or line)
        if state not in spaces[k]:
            raise ctx.error(
                f"`given` has {k}={state!r}, but '{k}' has states {', '.join(spaces[k])}"
                f"{_suggest(state, spaces[k])}",
                node=node, field=field, line=line_of(raw, k) or line,
            )
        out[k] = state
    if not partial:
        missing = [p for p in parents if p not in out]
        if missing:
            raise ctx.error(
                f"`given` must name every parent; missing {', '.join(missing)}",
                node=node, field=field, line=line,
            )
    return out


def _parse_table(
    ctx: _Context,
    name: str,
    spec: Mapping,
    parents: tuple[str, ...],
    spaces: Mapping[str, tuple[str, ...]],
    *,
    field: str,
    row_keys: tuple[str, ...],
    read_row: Callable[[Any, Any, str], Any],
    parse_prior: Callable[..., Any],
) -> tuple[dict, dict, dict]:
    """Read a list of rows with `given`, one per combination of parent states."""
    rows = spec.get(field)
    line = line_of(spec, field)
    if not isinstance(rows, list):
        raise ctx.error(f"expected a list of rows with `given`, got {_describe(rows)}",
                        node=name, field=field, line=line)
    values: dict[tuple, Any] = {}
    sources: dict[tuple, str] = {}
    priors: dict[tuple, Any] = {}
    seen_at: dict[tuple, int] = {}
    for i, row in enumerate(rows):
        row_line = line_of(rows, i)
        where = f"row {i + 1}: "
        if not isinstance(row, Mapping):
            raise ctx.error(f"{where}expected a mapping with `given`, got {_describe(row)}",
                            node=name, field=field, line=row_line)
        _check_keys(ctx, row, row_keys, node=name, what=f"{field} row {i + 1}")
        given = _parse_given(ctx, row.get("given"), parents, spaces, node=name, field=field,
                             line=row_line)
        key = tuple(given[p] for p in parents)
        if key in seen_at:
            raise ctx.error(
                f"{where}repeats the combination {_fmt_given(given)} of row {seen_at[key] + 1}",
                node=name, field=field, line=row_line,
            )
        seen_at[key] = i
        prior = None
        if "prior" in row:
            prior = parse_prior(row["prior"], line=line_of(row, "prior"), where=where)
            priors[key] = prior
        values[key] = read_row(row, prior, where)
        if row.get("source") is not None:
            sources[key] = _text(ctx, row["source"], node=name, field="source",
                                 line=line_of(row, "source"))
    expected = list(itertools.product(*(spaces[p] for p in parents)))
    missing = [k for k in expected if k not in values]
    if missing:
        shown = "; ".join(_fmt_given(dict(zip(parents, k, strict=True))) for k in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise ctx.error(
            f"expected one row for each of the {len(expected)} combinations of "
            f"{', '.join(parents)}; missing {len(missing)}: {shown}{more}",
            node=name, field=field, line=line,
        )
    return values, sources, priors


def _fmt_given(given: Mapping[str, str]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in given.items()) + "}"


def _parse_node(
    ctx: _Context, name: str, spec: Any, order: dict[str, int], specs: Mapping[str, Any],
    spaces: Mapping[str, tuple[str, ...]], kinds: Mapping[str, str],
) -> Node:
    from .priors import parse_prior_spec

    kind = spec["type"]
    _check_keys(ctx, spec, NODE_KEYS[kind], node=name, what=f"a {kind} node")
    label = _text(ctx, spec.get("label"), node=name, field="label", line=line_of(spec, "label"))
    description = _text(ctx, spec.get("description"), node=name, field="description",
                        line=line_of(spec, "description"))
    source = _text(ctx, spec.get("source"), node=name, field="source",
                   line=line_of(spec, "source"))
    common = dict(name=name, kind=kind, label=label, description=description, source=source)

    def check_parents(parents: tuple[str, ...], field: str) -> None:
        raw = spec.get(field)
        for i, p in enumerate(parents):
            line = line_of(raw, i) if isinstance(raw, list) else line_of(spec, field)
            if p not in order:
                raise ctx.error(f"unknown node {p!r}{_suggest(p, order)}", node=name, field=field,
                                line=line)
            if kinds[p] == "utility":
                raise ctx.error(
                    f"utility node {p!r} cannot have children, but it is listed here; "
                    "utility nodes are summed, not conditioned on",
                    node=name, field=field, line=line,
                )

    if kind == "decision":
        states = spaces[name]
        observes = _parse_name_list(ctx, name, spec, "observes")
        check_parents(observes, "observes")
        raw = spec.get("observes")
        for i, p in enumerate(observes):
            if order[p] > order[name]:
                line = line_of(raw, i) if isinstance(raw, list) else line_of(spec, "observes")
                raise ctx.error(
                    f"a decision may observe only nodes listed before it, but {p!r} comes after "
                    f"'{name}' in the file (nodes are in temporal order)",
                    node=name, field="observes", line=line,
                )
        return Node(states=states, parents=observes, **common)

    parents = _parse_name_list(ctx, name, spec, "parents")
    check_parents(parents, "parents")
    node_prior = lambda field: (  # noqa: E731
        lambda raw, line, where="": parse_prior_spec(
            raw, kind=kind, states=spaces.get(name, ()), file=ctx.file, node=name,
            field=field, line=line, where=where,
        )
    )
    if kind == "chance":
        states = spaces[name]
        if not parents:
            if "cpt" in spec:
                raise ctx.error("a node without parents takes `p`, not `cpt`", node=name,
                                field="cpt", line=line_of(spec, "cpt"))
            prior = None
            if "prior" in spec:
                prior = node_prior("prior")(spec["prior"], line_of(spec, "prior"))
            if "p" in spec:
                table = _probabilities(ctx, spec["p"], states, node=name, field="p",
                                       line=line_of(spec, "p"))
            elif prior is not None:
                table = np.asarray(prior.mean(), dtype=float)
            else:
                raise ctx.error("missing `p`: expected one probability per state "
                                f"({', '.join(states)})", node=name, field="p", line=line_of(spec))
            priors = {(): prior} if prior is not None else {}
            row_sources = {(): source} if source else {}
            return Node(states=states, parents=(), table=table, priors=priors,
                        row_sources=row_sources, **common)
        if "p" in spec:
            raise ctx.error("a node with parents takes `cpt` rows, not `p`", node=name,
                            field="p", line=line_of(spec, "p"))
        if "prior" in spec:
            raise ctx.error("a node with parents takes a `prior` on each `cpt` row", node=name,
                            field="prior", line=line_of(spec, "prior"))
        if "cpt" not in spec:
            raise ctx.error("missing `cpt`: expected one row per combination of parent states",
                            node=name, field="cpt", line=line_of(spec))

        def read_cpt_row(row: Mapping, prior: Any, where: str) -> np.ndarray:
            if "p" in row:
                return _probabilities(ctx, row["p"], states, node=name, field="cpt",
                                      line=line_of(row, "p"), where=where)
            if prior is not None:
                return np.asarray(prior.mean(), dtype=float)
            raise ctx.error(f"{where}missing `p`", node=name, field="cpt", line=line_of(row))

        values, row_sources, priors = _parse_table(
            ctx, name, spec, parents, spaces, field="cpt", row_keys=CPT_ROW_KEYS,
            read_row=read_cpt_row, parse_prior=node_prior("cpt"),
        )
        shape = tuple(len(spaces[p]) for p in parents) + (len(states),)
        table = np.empty(shape)
        for key, row in values.items():
            table[tuple(spaces[p].index(s) for p, s in zip(parents, key, strict=True))] = row
        return Node(states=states, parents=parents, table=table, row_sources=row_sources,
                    priors=priors, **common)

    # utility
    unit = _text(ctx, spec.get("unit"), node=name, field="unit", line=line_of(spec, "unit"))
    weight = 1.0
    if "weight" in spec:
        weight = _number(ctx, spec["weight"], node=name, field="weight",
                         line=line_of(spec, "weight"))
    common.update(unit=unit, weight=weight)
    if not parents:
        if "values" in spec:
            raise ctx.error("a utility node without parents takes `value`, not `values`",
                            node=name, field="values", line=line_of(spec, "values"))
        prior = None
        if "prior" in spec:
            prior = node_prior("prior")(spec["prior"], line_of(spec, "prior"))
        if "value" in spec:
            value = _number(ctx, spec["value"], node=name, field="value",
                            line=line_of(spec, "value"))
        elif prior is not None:
            value = float(prior.mean())
        else:
            raise ctx.error("missing `value` (or `parents` with `values`)", node=name,
                            field="value", line=line_of(spec))
        return Node(table=np.array(value), priors={(): prior} if prior else {}, **common)
    if "value" in spec:
        raise ctx.error("a utility node with parents takes `values` rows, not `value`",
                        node=name, field="value", line=line_of(spec, "value"))
    if "prior" in spec:
        raise ctx.error("a utility node with parents takes a `prior` on each `values` row",
                        node=name, field="prior", line=line_of(spec, "prior"))
    if "values" not in spec:
        raise ctx.error("missing `values`: expected one row per combination of parent states",
                        node=name, field="values", line=line_of(spec))

    def read_value_row(row: Mapping, prior: Any, where: str) -> float:
        if "value" in row:
            v = row["value"]
            if isinstance(v, float) and math.isnan(v):
                raise ctx.error(f"{where}expected a number, got NaN", node=name, field="values",
                                line=line_of(row, "value"))
            return _number(ctx, v, node=name, field="values", line=line_of(row, "value"))
        if prior is not None:
            return float(prior.mean())
        raise ctx.error(f"{where}missing `value`", node=name, field="values", line=line_of(row))

    values, row_sources, priors = _parse_table(
        ctx, name, spec, parents, spaces, field="values", row_keys=VALUE_ROW_KEYS,
        read_row=read_value_row, parse_prior=node_prior("values"),
    )
    table = np.empty(tuple(len(spaces[p]) for p in parents))
    for key, v in values.items():
        table[tuple(spaces[p].index(s) for p, s in zip(parents, key, strict=True))] = v
    return Node(parents=parents, table=table, row_sources=row_sources, priors=priors, **common)


# -- policies ----------------------------------------------------------------------------------


def _parse_policy(ctx: _Context, pid: str, spec: Any, partial_diagram: Diagram,
                  policies_line: Any) -> Policy:
    where = f"policy '{pid}'"
    if not isinstance(spec, Mapping):
        raise ctx.error(f"{where}: expected a mapping with `choose`, got {_describe(spec)}",
                        field="policies", line=policies_line)
    for key in spec:
        if key not in POLICY_KEYS:
            raise ctx.error(
                f"{where}: unknown key {key!r}{_suggest(key, POLICY_KEYS)}; expected one of: "
                f"{', '.join(POLICY_KEYS)}", field="policies", line=line_of(spec, key))
    choose = spec.get("choose")
    if not isinstance(choose, Mapping) or not choose:
        raise ctx.error(f"{where}: expected `choose` to map decisions to states or rules, got "
                        f"{_describe(choose)}", field="policies", line=line_of(spec))
    decisions = {d.name: d for d in partial_diagram.decisions}
    rules: dict[str, tuple[RuleRow, ...]] = {}
    for dname, choice in choose.items():
        line = line_of(choose, dname)
        if dname not in decisions:
            kind = ("a " + partial_diagram.node(dname).kind + " node"
                    if dname in partial_diagram else "not a node")
            raise ctx.error(
                f"{where} chooses {dname!r}, which is {kind}; expected a decision "
                f"({', '.join(decisions)}){_suggest(dname, decisions)}",
                node=str(dname), field="policies", line=line)
        states = decisions[dname].states
        if not isinstance(choice, list):
            state = _state_name(ctx, choice, node=dname, field="policies", line=line)
            if state not in states:
                raise ctx.error(f"{where} chooses {state!r}; expected a state of '{dname}' "
                                f"({', '.join(states)}){_suggest(state, states)}",
                                node=dname, field="policies", line=line)
            rules[dname] = (RuleRow({}, state),)
            continue
        knows = partial_diagram.information_set(dname)
        spaces = {n: partial_diagram.node(n).states for n in knows}
        rows: list[RuleRow] = []
        for i, row in enumerate(choice):
            rline = line_of(choice, i)
            rwhere = f"{where}, rule row {i + 1}"
            if not isinstance(row, Mapping):
                raise ctx.error(f"{rwhere}: expected a mapping with `given` and `choose`, got "
                                f"{_describe(row)}", node=dname, field="policies", line=rline)
            for key in row:
                if key not in RULE_ROW_KEYS:
                    raise ctx.error(f"{rwhere}: unknown key {key!r}"
                                    f"{_suggest(key, RULE_ROW_KEYS)}; expected one of: "
                                    f"{', '.join(RULE_ROW_KEYS)}", node=dname, field="policies",
                                    line=line_of(row, key))
            raw_given = row.get("given") or {}
            if isinstance(raw_given, Mapping):
                for k in raw_given:
                    if str(k) not in knows:
                        known = ", ".join(knows) or "nothing"
                        raise ctx.error(
                            f"{rwhere}: '{dname}' does not observe {k!r} (when it is taken it "
                            f"knows: {known})", node=dname, field="policies",
                            line=line_of(raw_given, k) or rline)
            given = _parse_given(ctx, raw_given, knows, spaces, node=dname, field="policies",
                                 line=rline, partial=True)
            if "choose" not in row:
                raise ctx.error(f"{rwhere}: missing `choose`", node=dname, field="policies",
                                line=rline)
            state = _state_name(ctx, row["choose"], node=dname, field="policies",
                                line=line_of(row, "choose"))
            if state not in states:
                raise ctx.error(f"{rwhere} chooses {state!r}; expected a state of '{dname}' "
                                f"({', '.join(states)}){_suggest(state, states)}",
                                node=dname, field="policies", line=line_of(row, "choose"))
            for j, other in enumerate(rows):
                overlap = all(other.given.get(k, v) == v for k, v in given.items())
                if overlap and other.choose != state:
                    both = {**dict(other.given), **given}
                    raise ctx.error(
                        f"{rwhere} overlaps rule row {j + 1} on {_fmt_given(both)} and chooses "
                        f"{state!r} where that row chooses {other.choose!r}",
                        node=dname, field="policies", line=rline)
            rows.append(RuleRow(given, state))
        if not rows:
            raise ctx.error(f"{where}: expected a state or a non-empty list of rule rows",
                            node=dname, field="policies", line=line)
        rules[dname] = tuple(rows)
    label = _text(ctx, spec.get("label"), node=None, field="label", line=line_of(spec, "label"))
    return Policy(
        id=pid,
        label=label or pid,
        rules=rules,
        description=_text(ctx, spec.get("description"), node=None, field="description",
                          line=line_of(spec, "description")),
        source=_text(ctx, spec.get("source"), node=None, field="source",
                     line=line_of(spec, "source")),
    )


# -- the model ---------------------------------------------------------------------------------


def diagram_from_dict(data: Any, file: str | None = None) -> Diagram:
    """Validate a parsed model document and build its :class:`Diagram`.

    Parameters
    ----------
    data : mapping
        The parsed YAML/JSON document.
    file : str, optional
        The file it came from, for error messages.

    Returns
    -------
    Diagram

    Raises
    ------
    ModelError
        On any invalid content; the message names the file, node and field.
    """
    ctx = _Context(file)
    if not isinstance(data, Mapping):
        raise ctx.error(f"expected a mapping with `name` and `nodes` at the top, got "
                        f"{_describe(data)}")
    _check_keys(ctx, data, TOP_KEYS, node=None, what="the model")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ctx.error(f"expected `name` to be the model's id (text), got {_describe(name)}",
                        field="name", line=line_of(data, "name") or line_of(data))
    nodes = data.get("nodes")
    if not isinstance(nodes, Mapping) or not nodes:
        raise ctx.error(f"expected `nodes` to be a mapping of node name to node, got "
                        f"{_describe(nodes)}", field="nodes", line=line_of(data, "nodes"))

    order: dict[str, int] = {}
    kinds: dict[str, str] = {}
    spaces: dict[str, tuple[str, ...]] = {}
    for i, (nname, spec) in enumerate(nodes.items()):
        line = line_of(nodes, nname)
        if not isinstance(nname, str) or not _NAME.match(nname):
            raise ctx.error(f"expected a node name of letters, digits, '_' or '-' (starting with "
                            f"a letter or '_'), got {_describe(nname)}", field="nodes", line=line)
        if not isinstance(spec, Mapping):
            raise ctx.error(f"expected a mapping with `type`, got {_describe(spec)}", node=nname,
                            line=line)
        kind = spec.get("type")
        if kind not in NODE_KEYS:
            found = "no `type`" if kind is None else _describe(kind)
            raise ctx.error(f"expected `type` to be chance, decision or utility, got {found}"
                            f"{_suggest(kind, NODE_KEYS) if kind is not None else ''}",
                            node=nname, field="type", line=line_of(spec, "type") or line)
        order[nname] = i
        kinds[nname] = kind
        if kind != "utility":
            spaces[nname] = _parse_states(ctx, nname, spec)
        elif "states" in spec:
            raise ctx.error("utility nodes have no states; their `values` give one number per "
                            "combination of parent states", node=nname, field="states",
                            line=line_of(spec, "states"))

    built = tuple(
        _parse_node(ctx, nname, spec, order, nodes, spaces, kinds) for nname, spec in nodes.items()
    )
    units = _text(ctx, data.get("units"), node=None, field="units", line=line_of(data, "units"))
    diagram = Diagram(
        name=name.strip(),
        nodes=built,
        title=_text(ctx, data.get("title"), node=None, field="title",
                    line=line_of(data, "title")),
        description=_text(ctx, data.get("description"), node=None, field="description",
                          line=line_of(data, "description")),
        sources=_sources(ctx, data.get("source"), node=None, field="source",
                         line=line_of(data, "source")),
        units=units,
        file=file,
    )
    check_structure(diagram, lines={n: line_of(nodes, n) for n in order})

    raw_policies = data.get("policies")
    if raw_policies is None:
        return diagram
    if not isinstance(raw_policies, Mapping):
        raise ctx.error(f"expected `policies` to map policy ids to policies, got "
                        f"{_describe(raw_policies)}", field="policies",
                        line=line_of(data, "policies"))
    policies = tuple(
        _parse_policy(ctx, str(pid), spec, diagram, line_of(raw_policies, pid))
        for pid, spec in raw_policies.items()
    )
    return Diagram(
        name=diagram.name, nodes=diagram.nodes, policies=policies, title=diagram.title,
        description=diagram.description, sources=diagram.sources, units=diagram.units, file=file,
    )


def loads(text: str, file: str | None = None) -> Diagram:
    """Build a diagram from model text (YAML or JSON)."""
    return diagram_from_dict(load_yaml_text(text, file=file), file=file)


def load(model: str | Path) -> Diagram:
    """Load a model from a path or from the name of a bundled model.

    Parameters
    ----------
    model : str or Path
        A path to a ``.yaml``/``.yml``/``.json`` file, or the name of a bundled model
        (see :func:`influence.bundled.names`).

    Returns
    -------
    Diagram

    Raises
    ------
    ModelNotFoundError
        If ``model`` is neither an existing file nor a bundled model.
    ModelError
        If the file is invalid.
    """
    path = Path(model)
    if path.is_file():
        return diagram_from_dict(load_yaml_file(path), file=str(model))
    if path.is_dir():
        raise ModelNotFoundError(f"expected a model file, got a directory: {model}")
    bundled_path = bundled.path_of(str(model))
    if bundled_path is not None:
        return diagram_from_dict(load_yaml_file(bundled_path), file=bundled_path.name)
    known = bundled.names()
    raise ModelNotFoundError(
        f"no such file, and no bundled model of that name: {str(model)!r}"
        f"{_suggest(model, known)}; bundled models: {', '.join(known)}"
    )
