"""Checks of rule rows and policies, run by the constructors of
:class:`~influence.model.diagram.RuleRow`, :class:`~influence.model.diagram.Policy` and
:class:`~influence.model.diagram.Diagram` (see :mod:`influence.model.structure`).

A rule row checks its types, a policy that it gives each decision it names a non-empty tuple of
rule rows, and the diagram its policies against itself: unique ids, decisions and states that
exist, `given` naming only what the decision knows when it is taken, and rule rows that agree
where they overlap (:func:`first_conflict`, linear in the number of rows).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ..messages import describe, suggest
from .checks import check_given, fault, format_given, listed

if TYPE_CHECKING:  # pragma: no cover
    from .diagram import Diagram, Policy, RuleRow

__all__ = ["check_rule_row", "check_policy", "check_policies", "rules_conflict",
           "first_conflict"]


def check_rule_row(row: RuleRow) -> Mapping[str, str]:
    """A rule row's types: `given` maps node names to states (text), `choose` is a state.

    Returns
    -------
    mapping
        ``given``, read-only.
    """
    given = row.given
    if not isinstance(given, Mapping):
        raise fault(f"expected `given` to be a mapping of node: state, got {describe(given)}",
                    field="policies")
    for k, v in given.items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise fault(f"expected `given` to map node names to states (text), got {k!r}: {v!r}",
                        field="policies")
    if not isinstance(row.choose, str):
        raise fault(f"expected `choose` to be a state (text), got {describe(row.choose)}",
                    field="policies")
    return MappingProxyType(dict(given))


def _row_where(pid: str, rows: Sequence[RuleRow], i: int) -> str:
    """How messages name rule row ``i``: a single row without `given` is a fixed choice."""
    if len(rows) == 1 and not rows[0].given:
        return f"policy '{pid}': "
    return f"policy '{pid}', rule row {i + 1}: "


def check_policy(policy: Policy) -> Mapping[str, tuple[RuleRow, ...]]:
    """A policy's own content: an id, texts, rules mapping decision names to non-empty tuples
    of rule rows.

    Returns
    -------
    mapping
        ``rules``, read-only, with tuples of rows.
    """
    from .diagram import RuleRow

    pid = policy.id
    if not isinstance(pid, str) or not pid.strip():
        raise fault(f"expected a policy id (text), got {describe(pid)}", field="policies",
                    path=("policies",))
    for key in ("label", "description", "source"):
        value = getattr(policy, key)
        if (value is not None or key == "label") and not isinstance(value, str):
            raise fault(f"policy '{pid}': expected `{key}` to be text, got {describe(value)}",
                        field="policies", path=("policies", pid, key))
    if not isinstance(policy.rules, Mapping):
        raise fault(f"policy '{pid}': expected `rules` to map decisions to rule rows, got "
                    f"{describe(policy.rules)}", field="policies", path=("policies", pid))
    rules: dict[str, tuple[RuleRow, ...]] = {}
    for dname, rows in policy.rules.items():
        path = ("policies", pid, "choose", dname)
        loc = dict(node=str(dname), field="policies", path=path)
        if not isinstance(dname, str):
            raise fault(f"policy '{pid}': expected decision names, got {describe(dname)}", **loc)
        if isinstance(rows, str | Mapping) or not isinstance(rows, Iterable):
            raise fault(f"policy '{pid}': expected a tuple of rule rows for '{dname}', got "
                        f"{describe(rows)}", **loc)
        rows = tuple(rows)
        if not rows:
            raise fault(f"policy '{pid}': expected a non-empty list of rule rows, got none",
                        **loc)
        for row in rows:
            if not isinstance(row, RuleRow):
                raise fault(f"policy '{pid}': expected RuleRow objects, got {describe(row)}",
                            **loc)
        rules[dname] = rows
    return MappingProxyType(rules)


def rules_conflict(a: RuleRow, b: RuleRow) -> bool:
    """Whether two rule rows of one decision cover a common information state (they agree on
    every variable both name) and choose differently there."""
    overlap = all(a.given.get(k, v) == v for k, v in b.given.items())
    return overlap and a.choose != b.choose


def first_conflict(rows: Sequence[RuleRow]) -> tuple[int, int] | None:
    """The first rule row ``i`` that overlaps an earlier row and chooses differently, with the
    first such earlier row ``j``: ``(i, j)``, or None.

    Rows are grouped by the set of variables they name; two rows overlap when they agree on the
    variables both name. Each row is looked up in one index per group (keyed by its values on
    the variables it shares with that group), so the work is linear in the number of rows for a
    fixed number of groups, rather than quadratic.
    """
    groups: dict[frozenset, list[int]] = {}
    # group -> shared variables -> their values -> choice -> first row with it
    indexes: dict[frozenset, dict[tuple, dict[tuple, dict[str, int]]]] = {}
    for i, row in enumerate(rows):
        names = frozenset(row.given)
        found = None
        for group, members in groups.items():
            shared = tuple(sorted(group & names))
            index = indexes[group].get(shared)
            if index is None:
                index = indexes[group][shared] = {}
                for m in members:
                    values = tuple(rows[m].given[v] for v in shared)
                    index.setdefault(values, {}).setdefault(rows[m].choose, m)
            for choose, j in index.get(tuple(row.given[v] for v in shared), {}).items():
                if choose != row.choose and (found is None or j < found):
                    found = j
        if found is not None:
            return i, found
        groups.setdefault(names, []).append(i)
        for shared, index in indexes.setdefault(names, {}).items():
            values = tuple(row.given[v] for v in shared)
            index.setdefault(values, {}).setdefault(row.choose, i)
    return None


def _check_known(diagram: Diagram, decision: str, given: Mapping[str, str],
                 knows: Mapping[str, Any], *, where: str, path: tuple) -> None:
    """A rule row naming a node of the model that the decision does not know: say how to let
    the policy depend on it (observe it), or why it cannot (it comes after the decision)."""
    order = {n: i for i, n in enumerate(diagram.names)}
    for k in given:
        if k in knows or k not in order:
            continue
        if diagram.node(k).kind != "utility" and order[k] < order[decision]:
            why = (f"which '{decision}' does not observe: add {k!r} to the `observes` of "
                   f"'{decision}' for the policy to depend on it")
        else:
            why = f"which is not known when '{decision}' is taken"
        raise fault(f"expected `given` to name what '{decision}' knows when it is taken "
                    f"({listed(knows, 'nothing')}), got {k!r}, {why}", node=decision,
                    field="policies", where=where, path=(*path, k))


def check_policies(diagram: Diagram) -> None:
    """The policies against the diagram: unique ids; each chooses for decisions, states of
    them, and has rule rows whose `given` names only what the decision knows when it is taken
    (under perfect recall) and states of it, and that agree where they overlap.

    Raises
    ------
    ModelError
        With field 'policies' and the decision as the node.
    """
    from .diagram import Policy

    decisions = {d.name: d for d in diagram.decisions}
    known: dict[str, tuple[dict, dict]] = {}
    ids: set[str] = set()
    for policy in diagram.policies:
        if not isinstance(policy, Policy):
            raise fault(f"expected Policy objects in `policies`, got {describe(policy)}",
                        field="policies", path=("policies",))
        pid = policy.id
        if pid in ids:
            raise fault(f"expected each policy id once, got {pid!r} twice", field="policies",
                        path=("policies", pid))
        ids.add(pid)
        for dname, rows in policy.rules.items():
            path = ("policies", pid, "choose", dname)
            loc = dict(node=dname, field="policies")
            if dname not in decisions:
                kind = (f"a {diagram.node(dname).kind} node" if dname in diagram
                        else "not a node of the model")
                raise fault(f"policy '{pid}': expected to choose for decisions "
                            f"({listed(decisions)}), got {dname!r}, which is {kind}"
                            f"{suggest(dname, decisions)}", path=path, **loc)
            d = decisions[dname]
            if dname not in known:
                knows = dict.fromkeys(diagram.information_set(dname))
                known[dname] = knows, {n: diagram.node(n).state_index for n in knows}
            knows, spaces = known[dname]
            for i, row in enumerate(rows):
                where = _row_where(pid, rows, i)
                _check_known(diagram, dname, row.given, knows, where=where,
                             path=(*path, i, "given"))
                check_given(row.given, knows, spaces, partial=True, where=where,
                            path=(*path, i, "given"), **loc)
                if row.choose not in d.state_index:
                    raise fault(f"expected to choose a state of '{dname}' ({listed(d.states)}), "
                                f"got {row.choose!r}{suggest(row.choose, d.states)}",
                                where=where, path=(*path, i, "choose"), **loc)
            conflict = first_conflict(rows)
            if conflict is not None:
                i, j = conflict
                row, other = rows[i], rows[j]
                both = {**dict(other.given), **dict(row.given)}
                raise fault(f"expected rule rows that agree where they overlap, got "
                            f"{row.choose!r} on {format_given(both)} where rule row {j + 1} "
                            f"chooses {other.choose!r}", where=_row_where(pid, rows, i),
                            path=(*path, i), **loc)
