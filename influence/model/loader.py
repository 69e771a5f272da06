"""Reading and validating model files.

:func:`load` takes a path or the name of a bundled model; :func:`diagram_from_dict` takes the
parsed document. Every check of the model format lives here (field by field, with line numbers)
or in :mod:`influence.structure` (the graph: cycles, information order). The format is documented
in ``docs/model-format.md``.

Validation runs in this order: the top level; each node's name, `type` and keys; the states of
every chance and decision node; each node's arcs and table; the graph as a whole
(:func:`~influence.structure.check_structure`); the named policies. The first problem found is
raised as a :class:`~influence.errors.ModelError` naming the file, the line, the node and the
field, and saying what was expected and what was found.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelError, ModelNotFoundError
from ..messages import describe as _describe
from ..messages import suggest as _suggest
from . import bundled
from .checks import SUM_TOLERANCE, check_structure, rules_conflict
from .diagram import Diagram, Node, Policy, RuleRow
from .yamlio import line_of, load_yaml_file, load_yaml_text

__all__ = ["load", "loads", "diagram_from_dict", "parse_policies", "SUM_TOLERANCE"]

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


class _Context:
    """Where we are in the file, to build error messages."""

    def __init__(self, file: str | None) -> None:
        self.file = file

    def error(
        self, message: str, *, node: str | None = None, field: str | None = None, line: Any = None
    ) -> ModelError:
        return ModelError(message, file=self.file, node=node, field=field, line=line)


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


def _state_name(ctx: _Context, value: Any, *, node: str | None, field: str, line: Any,
                where: str = "") -> str:
    """States are text; integers are read as their decimal text."""
    if isinstance(value, bool):
        raise ctx.error(
            f"{where}expected a state name, got {_describe(value)} "
            "(write true/false states in quotes: \"true\")",
            node=node, field=field, line=line,
        )
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value
    hint = f" (write it in quotes: '{value}')" if isinstance(value, float) else ""
    raise ctx.error(f"{where}expected a state name, got {_describe(value)}{hint}", node=node,
                    field=field, line=line)


def _number(ctx: _Context, value: Any, *, node: str | None, field: str, line: Any,
            where: str = "", what: str = "a number") -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        quoted = ""
        if isinstance(value, str):
            try:
                float(value)
                quoted = " (numbers are written without quotes)"
            except ValueError:
                pass
        raise ctx.error(f"{where}expected {what}, got {_describe(value)}{quoted}", node=node,
                        field=field, line=line)
    value = float(value)
    if math.isnan(value):
        raise ctx.error(f"{where}expected {what}, got NaN", node=node, field=field, line=line)
    if not math.isfinite(value):
        raise ctx.error(f"{where}expected a finite number, got {value}", node=node, field=field,
                        line=line)
    return value


def _fmt_given(given: Mapping[str, str]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in given.items()) + "}"


# -- fields shared by several node kinds -------------------------------------------------------


def _parse_states(ctx: _Context, name: str, spec: Mapping, node_line: Any) -> tuple[str, ...]:
    if "states" not in spec:
        raise ctx.error("missing `states`: expected a list of state names", node=name,
                        field="states", line=node_line)
    raw = spec["states"]
    line = line_of(spec, "states")
    if not isinstance(raw, list) or not raw:
        found = "an empty list" if isinstance(raw, list) else _describe(raw)
        raise ctx.error(f"expected a non-empty list of state names, got {found}",
                        node=name, field="states", line=line)
    states: list[str] = []
    for i, s in enumerate(raw):
        s = _state_name(ctx, s, node=name, field="states", line=line_of(raw, i))
        if s in states:
            raise ctx.error(f"expected each state once, got {s!r} twice", node=name,
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
            raise ctx.error(f"expected each node once, got {p!r} twice", node=name, field=key,
                            line=line_of(raw, i))
        if p == name:
            raise ctx.error(f"expected other nodes, got '{name}' itself (a node cannot be its "
                            "own parent)", node=name, field=key, line=line_of(raw, i))
        out.append(p)
    return tuple(out)


def _probabilities(
    ctx: _Context, raw: Any, states: tuple[str, ...], *, node: str, field: str, line: Any,
    where: str = "",
) -> np.ndarray:
    """One probability per state, as a list in state order or a mapping state -> p.

    Rows summing to within :data:`SUM_TOLERANCE` of 1 are divided by their sum."""
    if isinstance(raw, Mapping):
        keys = {str(k): k for k in raw}
        unknown = [k for k in keys if k not in states]
        if unknown:
            raise ctx.error(
                f"{where}expected states of '{node}' ({', '.join(states)}), got unknown state "
                f"{unknown[0]!r}{_suggest(unknown[0], states)}",
                node=node, field=field, line=line,
            )
        missing = [s for s in states if s not in keys]
        if missing:
            raise ctx.error(f"{where}expected a probability for every state, got none for "
                            f"{', '.join(missing)}", node=node, field=field, line=line)
        values = [raw[keys[s]] for s in states]
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
        x = _number(ctx, v, node=node, field=field, line=line, where=where,
                    what=f"a probability for state {states[i]!r}")
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
    node: str, field: str, line: Any, where: str = "", partial: bool = False,
) -> dict[str, str]:
    """A row's `given`: parent -> state. With ``partial``, any subset of ``parents`` (what a
    decision knows); otherwise every parent exactly once."""
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise ctx.error(f"{where}expected `given` to be a mapping of parent: state, got "
                        f"{_describe(raw)}", node=node, field=field, line=line)
    out = {}
    for k, v in raw.items():
        k_line = line_of(raw, k) or line
        k = str(k)
        if k not in parents:
            what = f"what '{node}' knows" if partial else f"the parents of '{node}'"
            raise ctx.error(
                f"{where}expected `given` to name {what} ({', '.join(parents) or 'none'}), "
                f"got {k!r}{_suggest(k, parents)}",
                node=node, field=field, line=k_line,
            )
        state = _state_name(ctx, v, node=node, field=field, line=k_line, where=where)
        if state not in spaces[k]:
            raise ctx.error(
                f"{where}expected a state of '{k}' ({', '.join(spaces[k])}) in `given`, got "
                f"{k}={state!r}{_suggest(state, spaces[k])}",
                node=node, field=field, line=k_line,
            )
        out[k] = state
    if not partial:
        missing = [p for p in parents if p not in out]
        if missing:
            raise ctx.error(
                f"{where}expected `given` to name every parent ({', '.join(parents)}), "
                f"got no state for {', '.join(missing)}",
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
    """Read a list of rows with `given`, exactly one per combination of parent states."""
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
                             line=row_line, where=where)
        key = tuple(given[p] for p in parents)
        if key in seen_at:
            raise ctx.error(
                f"{where}expected one row per combination of parent states, got "
                f"{_fmt_given(given)} again (first in row {seen_at[key] + 1})",
                node=name, field=field, line=row_line,
            )
        seen_at[key] = i
        prior = None
        if "prior" in row:
            prior = parse_prior(row["prior"], line=line_of(row, "prior"), where=where,
                                point=row.get("p"))
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
            f"{', '.join(parents)}, got {len(values)}; missing {len(missing)}: {shown}{more}",
            node=name, field=field, line=line,
        )
    return values, sources, priors


def _fill(parents: tuple[str, ...], spaces: Mapping[str, tuple[str, ...]], rows: Mapping,
          tail: tuple[int, ...] = ()) -> np.ndarray:
    """An array over the parent states (then ``tail``) from rows keyed by parent states."""
    table = np.empty(tuple(len(spaces[p]) for p in parents) + tail)
    for key, row in rows.items():
        table[tuple(spaces[p].index(s) for p, s in zip(parents, key, strict=True))] = row
    return table


# -- nodes -------------------------------------------------------------------------------------


class _NodeParser:
    """Builds each :class:`Node` from its spec, once every node's kind and states are known."""

    def __init__(self, ctx: _Context, order: Mapping[str, int], kinds: Mapping[str, str],
                 spaces: Mapping[str, tuple[str, ...]], lines: Mapping[str, Any]) -> None:
        self.ctx = ctx
        self.lines = lines  # the line of each node's name, for "missing ..." messages
        self.order = order
        self.kinds = kinds
        self.spaces = spaces

    def parse(self, name: str, spec: Mapping) -> Node:
        ctx = self.ctx
        kind = self.kinds[name]
        common = dict(
            name=name, kind=kind,
            label=_text(ctx, spec.get("label"), node=name, field="label",
                        line=line_of(spec, "label")),
            description=_text(ctx, spec.get("description"), node=name, field="description",
                              line=line_of(spec, "description")),
            source=_text(ctx, spec.get("source"), node=name, field="source",
                         line=line_of(spec, "source")),
        )
        if kind == "decision":
            return self._decision(name, spec, common)
        parents = _parse_name_list(ctx, name, spec, "parents")
        self._check_arcs(name, spec, parents, "parents")
        if kind == "chance":
            return self._chance(name, spec, parents, common)
        return self._utility(name, spec, parents, common)

    # -- arcs
    def _check_arcs(self, name: str, spec: Mapping, parents: tuple[str, ...], field: str) -> None:
        raw = spec.get(field)
        for i, p in enumerate(parents):
            line = line_of(raw, i) if isinstance(raw, list) else line_of(spec, field)
            if p not in self.order:
                raise self.ctx.error(
                    f"expected nodes of the model, got unknown node {p!r}"
                    f"{_suggest(p, self.order)}", node=name, field=field, line=line)
            if self.kinds[p] == "utility":
                raise self.ctx.error(
                    f"expected chance or decision nodes, got utility node {p!r}: utility nodes "
                    "cannot have children (they are summed, not conditioned on)",
                    node=name, field=field, line=line)
            if field == "observes" and self.order[p] > self.order[name]:
                raise self.ctx.error(
                    f"expected nodes listed before '{name}' (nodes are in temporal order), got "
                    f"{p!r}, which comes after it in the file",
                    node=name, field=field, line=line)

    def _prior_parser(self, name: str, field: str) -> Callable[..., Any]:
        from .priors import parse_prior_spec

        kind = self.kinds[name]

        def parse(raw: Any, line: Any, where: str = "", point: Any = None) -> Any:
            return parse_prior_spec(raw, kind=kind, states=self.spaces.get(name, ()),
                                    file=self.ctx.file, node=name, field=field, line=line,
                                    where=where, point=point)

        return parse

    # -- kinds
    def _decision(self, name: str, spec: Mapping, common: dict) -> Node:
        observes = _parse_name_list(self.ctx, name, spec, "observes")
        self._check_arcs(name, spec, observes, "observes")
        return Node(states=self.spaces[name], parents=observes, **common)

    def _chance(self, name: str, spec: Mapping, parents: tuple[str, ...], common: dict) -> Node:
        ctx = self.ctx
        states = self.spaces[name]
        if not parents:
            return self._chance_root(name, spec, states, common)
        for key, instead in (("p", "`cpt` rows"), ("prior", "a `prior` on each `cpt` row")):
            if key in spec:
                raise ctx.error(f"expected {instead} for a node with parents, got `{key}`",
                                node=name, field=key, line=line_of(spec, key))
        if "cpt" not in spec:
            raise ctx.error("missing `cpt`: expected one row per combination of parent states",
                            node=name, field="cpt", line=self.lines[name])

        def read_row(row: Mapping, prior: Any, where: str) -> np.ndarray:
            if "p" in row:
                return _probabilities(ctx, row["p"], states, node=name, field="cpt",
                                      line=line_of(row, "p"), where=where)
            if prior is not None:
                return np.asarray(prior.mean(), dtype=float)
            raise ctx.error(f"{where}missing `p`: expected one probability per state "
                            f"({', '.join(states)})", node=name, field="cpt", line=line_of(row))

        values, row_sources, priors = _parse_table(
            ctx, name, spec, parents, self.spaces, field="cpt", row_keys=CPT_ROW_KEYS,
            read_row=read_row, parse_prior=self._prior_parser(name, "cpt"),
        )
        table = _fill(parents, self.spaces, values, (len(states),))
        return Node(states=states, parents=parents, table=table, row_sources=row_sources,
                    priors=priors, **common)

    def _chance_root(self, name: str, spec: Mapping, states: tuple[str, ...],
                     common: dict) -> Node:
        ctx = self.ctx
        if "cpt" in spec:
            raise ctx.error("expected `p` for a node without parents, got `cpt`", node=name,
                            field="cpt", line=line_of(spec, "cpt"))
        prior = None
        if "prior" in spec:
            prior = self._prior_parser(name, "prior")(spec["prior"], line_of(spec, "prior"),
                                                      point=spec.get("p"))
        if "p" in spec:
            table = _probabilities(ctx, spec["p"], states, node=name, field="p",
                                   line=line_of(spec, "p"))
        elif prior is not None:
            table = np.asarray(prior.mean(), dtype=float)
        else:
            raise ctx.error("missing `p`: expected one probability per state "
                            f"({', '.join(states)})", node=name, field="p", line=self.lines[name])
        source = common["source"]
        return Node(states=states, parents=(), table=table,
                    priors={(): prior} if prior is not None else {},
                    row_sources={(): source} if source else {}, **common)

    def _utility(self, name: str, spec: Mapping, parents: tuple[str, ...], common: dict) -> Node:
        ctx = self.ctx
        common["unit"] = _text(ctx, spec.get("unit"), node=name, field="unit",
                               line=line_of(spec, "unit"))
        if "weight" in spec:
            common["weight"] = _number(ctx, spec["weight"], node=name, field="weight",
                                       line=line_of(spec, "weight"))
        if not parents:
            return self._utility_constant(name, spec, common)
        for key, instead in (("value", "`values` rows"),
                             ("prior", "a `prior` on each `values` row")):
            if key in spec:
                raise ctx.error(f"expected {instead} for a utility node with parents, got "
                                f"`{key}`", node=name, field=key, line=line_of(spec, key))
        if "values" not in spec:
            raise ctx.error("missing `values`: expected one row per combination of parent "
                            "states", node=name, field="values", line=self.lines[name])

        def read_row(row: Mapping, prior: Any, where: str) -> float:
            if "value" in row:
                return _number(ctx, row["value"], node=name, field="values",
                               line=line_of(row, "value"), where=where)
            if prior is not None:
                return float(prior.mean())
            raise ctx.error(f"{where}missing `value`: expected a number", node=name,
                            field="values", line=line_of(row))

        values, row_sources, priors = _parse_table(
            ctx, name, spec, parents, self.spaces, field="values", row_keys=VALUE_ROW_KEYS,
            read_row=read_row, parse_prior=self._prior_parser(name, "values"),
        )
        return Node(parents=parents, table=_fill(parents, self.spaces, values),
                    row_sources=row_sources, priors=priors, **common)

    def _utility_constant(self, name: str, spec: Mapping, common: dict) -> Node:
        ctx = self.ctx
        if "values" in spec:
            raise ctx.error("expected `value` for a utility node without parents, got `values`",
                            node=name, field="values", line=line_of(spec, "values"))
        prior = None
        if "prior" in spec:
            prior = self._prior_parser(name, "prior")(spec["prior"], line_of(spec, "prior"))
        if "value" in spec:
            value = _number(ctx, spec["value"], node=name, field="value",
                            line=line_of(spec, "value"))
        elif prior is not None:
            value = float(prior.mean())
        else:
            raise ctx.error("missing `value` (or `parents` with `values`): expected a number",
                            node=name, field="value", line=self.lines[name])
        return Node(table=np.array(value), priors={(): prior} if prior else {}, **common)


# -- policies ----------------------------------------------------------------------------------


def _parse_rule_rows(ctx: _Context, where: str, dname: str, choice: list,
                     diagram: Diagram) -> tuple[RuleRow, ...]:
    """The rule rows of one decision in a policy: partial information states -> a choice."""
    states = diagram.node(dname).states
    knows = diagram.information_set(dname)
    spaces = {n: diagram.node(n).states for n in knows}
    rows: list[RuleRow] = []
    for i, row in enumerate(choice):
        rline = line_of(choice, i)
        rwhere = f"{where}, rule row {i + 1}: "
        if not isinstance(row, Mapping):
            raise ctx.error(f"{rwhere}expected a mapping with `given` and `choose`, got "
                            f"{_describe(row)}", node=dname, field="policies", line=rline)
        for key in row:
            if key not in RULE_ROW_KEYS:
                raise ctx.error(f"{rwhere}unknown key {key!r}{_suggest(key, RULE_ROW_KEYS)}; "
                                f"expected one of: {', '.join(RULE_ROW_KEYS)}", node=dname,
                                field="policies", line=line_of(row, key))
        raw_given = row.get("given") or {}
        if isinstance(raw_given, Mapping):
            for k in raw_given:
                if str(k) not in knows:
                    known = ", ".join(knows) or "nothing"
                    raise ctx.error(
                        f"{rwhere}expected `given` to name what '{dname}' knows when it is "
                        f"taken ({known}), got {str(k)!r}, which it does not observe"
                        f"{_suggest(k, knows)}",
                        node=dname, field="policies", line=line_of(raw_given, k) or rline)
        given = _parse_given(ctx, raw_given, knows, spaces, node=dname, field="policies",
                             line=rline, where=rwhere, partial=True)
        if "choose" not in row:
            raise ctx.error(f"{rwhere}missing `choose`: expected a state of '{dname}' "
                            f"({', '.join(states)})", node=dname, field="policies", line=rline)
        cline = line_of(row, "choose")
        state = _state_name(ctx, row["choose"], node=dname, field="policies", line=cline,
                            where=rwhere)
        if state not in states:
            raise ctx.error(f"{rwhere}expected to choose a state of '{dname}' "
                            f"({', '.join(states)}), got {state!r}{_suggest(state, states)}",
                            node=dname, field="policies", line=cline)
        new = RuleRow(given, state)
        for j, other in enumerate(rows):
            if rules_conflict(other, new):
                both = {**dict(other.given), **given}
                raise ctx.error(
                    f"{rwhere}expected rule rows that agree where they overlap, got "
                    f"{state!r} on {_fmt_given(both)} where rule row {j + 1} chooses "
                    f"{other.choose!r}", node=dname, field="policies", line=rline)
        rows.append(new)
    return tuple(rows)


def _parse_policy(ctx: _Context, pid: str, spec: Any, diagram: Diagram,
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
                        f"{_describe(choose)}", field="policies", line=policies_line)
    decisions = [d.name for d in diagram.decisions]
    rules: dict[str, tuple[RuleRow, ...]] = {}
    for dname, choice in choose.items():
        line = line_of(choose, dname)
        dname = str(dname)
        if dname not in decisions:
            kind = ("a " + diagram.node(dname).kind + " node" if dname in diagram
                    else "not a node of the model")
            raise ctx.error(
                f"{where}: expected to choose for decisions ({', '.join(decisions)}), got "
                f"{dname!r}, which is {kind}{_suggest(dname, decisions)}",
                node=dname, field="policies", line=line)
        if isinstance(choice, list):
            rules[dname] = _parse_rule_rows(ctx, where, dname, choice, diagram)
            if not rules[dname]:
                raise ctx.error(f"{where}: expected a state or a non-empty list of rule rows "
                                "for it, got an empty list", node=dname, field="policies",
                                line=line)
            continue
        states = diagram.node(dname).states
        state = _state_name(ctx, choice, node=dname, field="policies", line=line,
                            where=f"{where}: ")
        if state not in states:
            raise ctx.error(f"{where}: expected to choose a state of '{dname}' "
                            f"({', '.join(states)}), got {state!r}{_suggest(state, states)}",
                            node=dname, field="policies", line=line)
        rules[dname] = (RuleRow({}, state),)
    text = {
        key: _text(ctx, spec.get(key), node=None, field=key, line=line_of(spec, key))
        for key in ("label", "description", "source")
    }
    return Policy(id=pid, label=text["label"] or pid, rules=rules,
                  description=text["description"], source=text["source"])


def parse_policies(raw: Any, diagram: Diagram, *, line: int | None = None) -> tuple[Policy, ...]:
    """Validate the `policies` of a model (policy id -> {label, choose, ...}) against a
    diagram and build them.

    Raises
    ------
    ModelError
        Naming the file of ``diagram``, the decision and the field 'policies'.
    """
    ctx = _Context(diagram.file)
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        raise ctx.error(f"expected `policies` to map policy ids to policies, got "
                        f"{_describe(raw)}", field="policies", line=line)
    return tuple(
        _parse_policy(ctx, str(pid), spec, diagram, line_of(raw, pid)) for pid, spec in raw.items()
    )


# -- the model ---------------------------------------------------------------------------------


def _check_top(ctx: _Context, data: Any) -> tuple[str, Mapping]:
    """The top level: a mapping with a `name` and a non-empty mapping of `nodes`."""
    if data is None:
        raise ctx.error("expected a mapping with `name` and `nodes` at the top, got an empty "
                        "document")
    if not isinstance(data, Mapping):
        raise ctx.error(f"expected a mapping with `name` and `nodes` at the top, got "
                        f"{_describe(data)}", line=line_of(data))
    _check_keys(ctx, data, TOP_KEYS, node=None, what="the model")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ctx.error(f"expected `name` to be the model's id (text), got {_describe(name)}",
                        field="name", line=line_of(data, "name") or line_of(data))
    nodes = data.get("nodes")
    if not isinstance(nodes, Mapping) or not nodes:
        found = "an empty mapping" if isinstance(nodes, Mapping) else _describe(nodes)
        raise ctx.error(f"expected `nodes` to be a mapping of node name to node, got {found}",
                        field="nodes", line=line_of(data, "nodes") or line_of(data))
    return name.strip(), nodes


def _scan_nodes(ctx: _Context, nodes: Mapping) -> tuple[dict, dict, dict]:
    """Each node's name, `type`, keys and states: what the tables of the others refer to."""
    order: dict[str, int] = {}
    kinds: dict[str, str] = {}
    spaces: dict[str, tuple[str, ...]] = {}
    for i, (nname, spec) in enumerate(nodes.items()):
        line = line_of(nodes, nname)
        if not isinstance(nname, str) or not _NAME.match(nname):
            raise ctx.error(f"expected a node name of letters, digits, '_' or '-' (starting with "
                            f"a letter or '_'), got {_describe(nname)}", node=str(nname),
                            field="nodes", line=line)
        if not isinstance(spec, Mapping):
            raise ctx.error(f"expected a mapping with `type`, got {_describe(spec)}", node=nname,
                            field="nodes", line=line)
        kind = spec.get("type")
        if not isinstance(kind, str) or kind not in NODE_KEYS:
            found = "no `type`" if kind is None else _describe(kind)
            hint = _suggest(kind, NODE_KEYS) if isinstance(kind, str) else ""
            raise ctx.error(f"expected `type` to be chance, decision or utility, got {found}"
                            f"{hint}", node=nname, field="type", line=line_of(spec, "type") or line)
        if "states" in spec and kind == "utility":
            raise ctx.error("expected no `states` on a utility node (its `values` give one "
                            "number per combination of parent states), got `states`",
                            node=nname, field="states", line=line_of(spec, "states"))
        _check_keys(ctx, spec, NODE_KEYS[kind], node=nname, what=f"a {kind} node")
        order[nname] = i
        kinds[nname] = kind
        if kind != "utility":
            spaces[nname] = _parse_states(ctx, nname, spec, line)
    return order, kinds, spaces


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
    name, nodes = _check_top(ctx, data)
    order, kinds, spaces = _scan_nodes(ctx, nodes)
    lines = {n: line_of(nodes, n) for n in order}
    parser = _NodeParser(ctx, order, kinds, spaces, lines)
    built = tuple(parser.parse(nname, spec) for nname, spec in nodes.items())
    text = {
        key: _text(ctx, data.get(key), node=None, field=key, line=line_of(data, key))
        for key in ("title", "description", "units")
    }
    diagram = Diagram(
        name=name, nodes=built, title=text["title"], description=text["description"],
        sources=_sources(ctx, data.get("source"), node=None, field="source",
                         line=line_of(data, "source")),
        units=text["units"], file=file,
    )
    check_structure(diagram, lines=lines)
    policies = parse_policies(data.get("policies"), diagram, line=line_of(data, "policies"))
    if not policies:
        return diagram
    return Diagram(
        name=diagram.name, nodes=diagram.nodes, policies=policies, title=diagram.title,
        description=diagram.description, sources=diagram.sources, units=diagram.units, file=file,
    )


def loads(text: str, file: str | None = None) -> Diagram:
    """Build a diagram from model text (YAML or JSON)."""
    return diagram_from_dict(load_yaml_text(text, file=file), file=file)


def _not_found(model: str, why: str) -> ModelNotFoundError:
    known = bundled.names()
    stem = Path(model).name.removesuffix(".yaml").removesuffix(".yml").replace("_", "-")
    return ModelNotFoundError(
        f"expected a model file or the name of a bundled model ({', '.join(known)}), got "
        f"{model!r}: {why}{_suggest(stem, known)}"
    )


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
        If ``model`` is neither a readable file nor a bundled model; the message lists the
        bundled models.
    ModelError
        If the file is invalid.
    """
    path = Path(model)
    if path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise ModelError(f"expected UTF-8 text, got undecodable bytes ({exc.reason})",
                             file=str(model)) from None
        except OSError as exc:
            raise _not_found(str(model), f"the file cannot be read ({exc.strerror})") from None
        return loads(text, file=str(model))
    if path.is_dir():
        raise _not_found(str(model), "it is a directory")
    bundled_path = bundled.path_of(str(model))
    if bundled_path is not None:
        return diagram_from_dict(load_yaml_file(bundled_path), file=bundled_path.name)
    raise _not_found(str(model), "no such file, and no bundled model of that name")
