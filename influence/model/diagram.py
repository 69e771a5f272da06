"""The validated, immutable influence diagram.

A :class:`Diagram` holds its nodes in file (temporal) order, their tables as read-only numpy
arrays, and the named policies. Nothing in it changes after construction: functions that need a
variant build a new diagram (``dataclasses.replace``).

Every :class:`Node`, :class:`RuleRow`, :class:`Policy` and :class:`Diagram` checks itself when it
is built (:mod:`influence.model.structure`), whether by the loader, the pgmpy bridge or by hand,
and raises :class:`~influence.errors.ModelError` naming the node and the field: a diagram that
exists is valid.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any, Literal

import numpy as np

from ..errors import ArgumentTypeError, ModelError, QueryError, UnknownNameError
from ..messages import suggest
from .checks import check_given, relocate
from .compute import is_computed
from .parameter_checks import computed_nodes
from .structure import check_diagram, check_node, check_policy, check_rule_row

__all__ = ["Node", "RuleRow", "Policy", "Diagram", "NodeKind", "require_diagram"]

NodeKind = Literal["chance", "decision", "utility"]


@dataclass(frozen=True)
class Node:
    """One node of an influence diagram.

    Parameters
    ----------
    name : str
        The node's id.
    kind : {"chance", "decision", "utility"}
        What the node is.
    states : tuple of str
        The states of a chance or decision node (empty for a utility node).
    parents : tuple of str
        For chance and utility nodes, the parents of the table; for a decision, the nodes it
        observes (its information arcs).
    table : numpy.ndarray, optional
        Chance node: the CPT, shape ``(*parent_cards, n_states)``, each row summing to 1.
        Utility node: the values, shape ``(*parent_cards,)``. Decisions have none.
    label, description, source : str, optional
        Human-readable name, longer description, and where the node comes from.
    unit : str, optional
        The unit of a utility node's values.
    weight : float
        Utility nodes: the multiplier of this attribute in the total utility.
    row_sources : Mapping
        Source of each table row, keyed by the tuple of parent states.
    priors : Mapping
        Prior of each table row (or value), keyed by the tuple of parent states; see
        :mod:`influence.priors`.
    remembers : tuple of str
        Decisions of a diagram of limited memory: earlier nodes (chance nodes or decisions) it
        recalls beyond what it observes. Empty otherwise.
    structure : NoisyMax, LogLinear or Deterministic, optional
        A chance node's table defined by parameters (:mod:`influence.model.structured`); the
        :class:`Diagram` computes ``table`` from it (give ``table=None``, or the same table).
    expressions : Mapping
        A utility node's values written with parameters, keyed by the tuple of parent states
        (:class:`~influence.model.parameters.Expression`); the :class:`Diagram` fills those
        rows of ``table`` in.
    weight_expression : Expression, optional
        A utility node's weight written with parameters; the :class:`Diagram` sets
        ``weight`` to its value.

    Raises
    ------
    ModelError
        If the node is invalid in itself: a name that is not an identifier, an unknown kind,
        states missing, repeated or not text (or any on a utility node), a parent repeated or
        the node itself, a weight that is not a finite number, a table on a decision or none on
        another node, numbers that are not finite, or probability rows with a negative entry or
        not summing to 1 within :data:`influence.limits.SUM_TOLERANCE` (rows within it are
        divided by their sums). What depends on other nodes is checked by :class:`Diagram`.
    """

    name: str
    kind: NodeKind
    states: tuple[str, ...] = ()
    parents: tuple[str, ...] = ()
    table: np.ndarray | None = None
    label: str | None = None
    description: str | None = None
    source: str | None = None
    unit: str | None = None
    weight: float = 1.0
    row_sources: Mapping[tuple[str, ...], str] = field(default_factory=dict)
    priors: Mapping[tuple[str, ...], Any] = field(default_factory=dict)
    remembers: tuple[str, ...] = ()
    structure: Any = None
    expressions: Mapping[tuple[str, ...], Any] = field(default_factory=dict)
    weight_expression: Any = None

    def __post_init__(self) -> None:
        for key, value in check_node(self).items():
            object.__setattr__(self, key, value)

    @cached_property
    def state_index(self) -> Mapping[str, int]:
        """The position of each state (empty for a utility node)."""
        return MappingProxyType({s: i for i, s in enumerate(self.states)})

    @property
    def observes(self) -> tuple[str, ...]:
        """The nodes a decision observes (its information arcs); empty for other kinds."""
        return self.parents if self.kind == "decision" else ()

    @property
    def display_name(self) -> str:
        """The label if there is one, else the name."""
        return self.label or self.name

    @property
    def information(self) -> tuple[str, ...]:
        """A decision's information arcs: what it observes, then what it remembers."""
        return self.parents + self.remembers if self.kind == "decision" else ()

    def __hash__(self) -> int:
        return hash((self.name, self.kind, self.states, self.parents))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Node):
            return NotImplemented
        same_table = (self.table is None and other.table is None) or (
            self.table is not None
            and other.table is not None
            and self.table.shape == other.table.shape
            and bool(np.array_equal(self.table, other.table))
        )
        return (
            self.name == other.name
            and self.kind == other.kind
            and self.states == other.states
            and self.parents == other.parents
            and self.remembers == other.remembers
            and self.weight == other.weight
            and same_table
            and self.structure == other.structure
            and dict(self.expressions) == dict(other.expressions)
            and self.weight_expression == other.weight_expression
        )


@dataclass(frozen=True)
class RuleRow:
    """One row of a policy's decision rule: in information states agreeing with ``given``,
    choose ``choose``. A fixed choice is a single row with an empty ``given``."""

    given: Mapping[str, str]
    choose: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "given", check_rule_row(self))


@dataclass(frozen=True)
class Policy:
    """A named policy option: choices or decision rules for some of the decisions.

    Decisions the policy leaves out, and information states no rule row covers, are played
    optimally given the rest. A fixed choice is one rule row with an empty ``given``.

    Raises
    ------
    ModelError
        If the rules are not decision -> non-empty tuple of :class:`RuleRow`. Whether the
        decisions, states and `given` fit the diagram, and whether rule rows agree where they
        overlap, is checked by :class:`Diagram`.
    """

    id: str
    label: str
    rules: Mapping[str, tuple[RuleRow, ...]]
    description: str | None = None
    source: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "rules", check_policy(self))


@dataclass(frozen=True, eq=False)
class Diagram:
    """A validated influence diagram.

    Build one with :func:`influence.load` (from a file or a bundled model name),
    :func:`influence.loads`, :func:`influence.diagram_from_dict`, :func:`influence.from_pgmpy`,
    or directly from :class:`Node` and :class:`Policy` objects. Nodes are kept in file order,
    which is the order in which decisions are taken.

    Named parameters (``parameters``, :class:`~influence.model.parameters.ModelParameter`)
    and the parameters of structured tables are listed together in ``parameters``; the
    tables of nodes computed from them are computed here.

    Raises
    ------
    ModelError
        If the nodes do not make a valid influence diagram: a node name used twice, no utility
        node, an unknown parent, a utility node with children, a table whose shape does not
        follow the parents' states, a cycle, a decision observing a node listed after it, a
        later decision that is an ancestor of an earlier one, or policies naming unknown
        decisions or states, or in a rule row what the decision does not know, or with rule
        rows that overlap and choose differently, ``recall`` other than "perfect" or
        "limited", or ``remembers`` under perfect recall or naming a node that is not earlier.
        The message names :attr:`file` (when known), the node and the field.

    Notes
    -----
    ``recall`` is "perfect" (the default: a decision knows everything observed before it and
    every earlier choice) or "limited" (a decision knows only what it observes and what it
    remembers: a limited-memory influence diagram, LIMID).
    """

    name: str
    nodes: tuple[Node, ...]
    policies: tuple[Policy, ...] = ()
    title: str | None = None
    description: str | None = None
    sources: tuple[str, ...] = ()
    units: str | None = None
    file: str | None = None
    recall: str = "perfect"
    parameters: tuple[Any, ...] = ()

    def __post_init__(self) -> None:
        for key in ("nodes", "policies", "sources", "parameters"):
            value = getattr(self, key)
            if isinstance(value, str | Mapping | Node | Policy) or not hasattr(value, "__iter__"):
                raise ModelError(f"expected a tuple for `{key}`, got {type(value).__name__}",
                                 file=self.file if isinstance(self.file, str) else None,
                                 field=key)
            object.__setattr__(self, key, tuple(value))
        if self.parameters or any(is_computed(n) for n in self.nodes
                                  if isinstance(n, Node)):
            object.__setattr__(self, "nodes", computed_nodes(self))
        check_diagram(self)

    # -- lookup -------------------------------------------------------------------------------
    @cached_property
    def _by_name(self) -> Mapping[str, Node]:
        return MappingProxyType({n.name: n for n in self.nodes})

    def node(self, name: str) -> Node:
        """The node called ``name``.

        Raises
        ------
        QueryError
            If there is no such node.
        """
        try:
            return self._by_name[name]
        except (KeyError, TypeError):  # TypeError: an unhashable name
            raise UnknownNameError(
                f"expected one of the model's nodes ({', '.join(self.names)}), got {name!r}",
                file=self.file,
                node=str(name),
            ) from None

    def __contains__(self, name: object) -> bool:
        try:
            return name in self._by_name
        except TypeError:  # an unhashable name is no node's
            return False

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes)

    @property
    def names(self) -> tuple[str, ...]:
        """All node names, in file order."""
        return tuple(n.name for n in self.nodes)

    @cached_property
    def chance_nodes(self) -> tuple[Node, ...]:
        """Chance nodes in file order."""
        return tuple(n for n in self.nodes if n.kind == "chance")

    @cached_property
    def decisions(self) -> tuple[Node, ...]:
        """Decision nodes in the order they are taken (file order)."""
        return tuple(n for n in self.nodes if n.kind == "decision")

    @cached_property
    def utilities(self) -> tuple[Node, ...]:
        """Utility nodes in file order."""
        return tuple(n for n in self.nodes if n.kind == "utility")

    @cached_property
    def _parameters_by_name(self) -> Mapping[str, Any]:
        return MappingProxyType({p.name: p for p in self.parameters})

    def parameter(self, name: str) -> Any:
        """The parameter called ``name`` (a :class:`~influence.model.parameters.ModelParameter`).

        Raises
        ------
        QueryError
            If there is no such parameter.
        """
        try:
            return self._parameters_by_name[name]
        except KeyError:
            known = ", ".join(p.name for p in self.parameters) or "none"
            raise QueryError(f"expected a parameter of the model ({known}), got {name!r}"
                             f"{suggest(name, self._parameters_by_name)}",
                             file=self.file) from None

    @property
    def has_priors(self) -> bool:
        """Whether some row, value or parameter carries a prior."""
        return any(n.priors for n in self.nodes) or any(p.prior is not None
                                                       for p in self.parameters)

    def policy(self, policy_id: str) -> Policy:
        """The named policy ``policy_id``."""
        for p in self.policies:
            if p.id == policy_id:
                return p
        known = ", ".join(p.id for p in self.policies) or "none"
        raise UnknownNameError(f"expected a policy of the model ({known}), got {policy_id!r}",
                               file=self.file)

    # -- graph --------------------------------------------------------------------------------
    @cached_property
    def children(self) -> Mapping[str, tuple[str, ...]]:
        """The children of every node (information arcs included)."""
        out: dict[str, list[str]] = {n.name: [] for n in self.nodes}
        for n in self.nodes:
            for p in n.parents + n.remembers:
                out[p].append(n.name)
        return MappingProxyType({k: tuple(v) for k, v in out.items()})

    def ancestors(self, names: str | tuple[str, ...] | list[str]) -> frozenset[str]:
        """All ancestors of ``names`` (not including them), through every kind of arc."""
        if isinstance(names, str):
            names = (names,)
        elif isinstance(names, Mapping) or not hasattr(names, "__iter__"):
            raise ArgumentTypeError(f"expected node names, got {type(names).__name__} "
                                    f"{names!r}", file=self.file)
        seen: set[str] = set()
        stack = [p for n in names for p in self.node(n).parents + self.node(n).remembers]
        while stack:
            cur = stack.pop()
            if cur not in seen:
                seen.add(cur)
                node = self.node(cur)
                stack.extend(node.parents + node.remembers)
        return frozenset(seen)

    def descendants(self, name: str) -> frozenset[str]:
        """All descendants of ``name`` (not including it), through every kind of arc."""
        seen: set[str] = set()
        stack = list(self.children[self.node(name).name])
        while stack:
            cur = stack.pop()
            if cur not in seen:
                seen.add(cur)
                stack.extend(self.children[cur])
        return frozenset(seen)

    def information_set(self, decision: str) -> tuple[str, ...]:
        """What ``decision`` knows, in file order.

        Under perfect recall every node observed by it or by an earlier decision, and every
        earlier decision; under limited recall what it observes and what it remembers.
        """
        known: set[str] = set()
        for d in self.decisions:
            if d.name == decision and self.recall == "limited":
                return tuple(n for n in self.names if n in set(d.information))
            if d.name == decision:
                known.update(d.observes)
                return tuple(n for n in self.names if n in known)
            known.update(d.observes)
            known.add(d.name)
        raise UnknownNameError(
            f"expected a decision ({', '.join(d.name for d in self.decisions)}), got {decision!r}",
            file=self.file,
            node=decision,
        )

    # -- tables -------------------------------------------------------------------------------
    def _row_index(self, node: Node, given: Mapping[str, str]) -> tuple[int, ...]:
        if not isinstance(given, Mapping):
            raise ArgumentTypeError(f"expected `given` to be a mapping of parent: state, got "
                                    f"{type(given).__name__} {given!r}", file=self.file,
                                    node=node.name, parameter="given")
        given = dict(given)
        spaces = {p: self.node(p).state_index for p in node.parents}
        try:
            check_given(given, dict.fromkeys(node.parents), spaces, node=node.name, field="given")
        except ModelError as exc:
            raise relocate(exc, file=self.file, error=QueryError) from None
        return tuple(spaces[p][given[p]] for p in node.parents)

    def probabilities(self, name: str, given: Mapping[str, str] | None = None) -> dict[str, float]:
        """The CPT row of chance node ``name`` for the parent states in ``given``.

        Parameters
        ----------
        name : str
            A chance node.
        given : mapping, optional
            Parent -> state, naming every parent (nothing for a node without parents).

        Returns
        -------
        dict
            State -> probability.
        """
        node = self.node(name)
        if node.kind != "chance":
            raise QueryError(f"expected a chance node, got a {node.kind} node",
                             file=self.file, node=name)
        row = node.table[self._row_index(node, given or {})]
        return {s: float(v) for s, v in zip(node.states, row, strict=True)}

    def utility(self, name: str, given: Mapping[str, str] | None = None) -> float:
        """The value of utility node ``name`` for the parent states in ``given`` (before its
        weight)."""
        node = self.node(name)
        if node.kind != "utility":
            raise QueryError(f"expected a utility node, got a {node.kind} node",
                             file=self.file, node=name)
        return float(node.table[self._row_index(node, given or {})])

    def parent_configurations(self, name: str) -> Iterator[dict[str, str]]:
        """Every combination of the parent states of ``name``, in table order."""
        node = self.node(name)
        spaces = [self.node(p).states for p in node.parents]
        for combo in itertools.product(*spaces):
            yield dict(zip(node.parents, combo, strict=True))

    def cardinality(self, name: str) -> int:
        """Number of states of a chance or decision node."""
        return len(self.node(name).states)

    # -- identity -----------------------------------------------------------------------------
    @cached_property
    def fingerprint(self) -> str:
        """A hash of everything that determines the diagram's numbers and structure.

        Labels, descriptions and sources are left out, so editing prose keeps it; changing a
        state, an arc, a number, a weight or a prior changes it.
        """
        content = {
            "name": self.name,
            "nodes": [
                {
                    "name": n.name,
                    "kind": n.kind,
                    "states": list(n.states),
                    "parents": list(n.parents),
                    "table": None if n.table is None else np.round(n.table, 12).tolist(),
                    "weight": n.weight,
                    "priors": sorted(
                        ([list(k), repr(v)] for k, v in n.priors.items()), key=str
                    ),
                    **({"remembers": list(n.remembers)} if n.remembers else {}),
                    **({"structure": repr(n.structure)} if n.structure is not None else {}),
                    **({"expressions": sorted([list(k), str(v)] for k, v in
                                              n.expressions.items())} if n.expressions else {}),
                    **({"weight_expression": str(n.weight_expression)}
                       if n.weight_expression is not None else {}),
                }
                for n in self.nodes
            ],
            **({"recall": self.recall} if self.recall != "perfect" else {}),
        }
        if self.parameters:
            content["parameters"] = [[p.name, p.value, p.domain, repr(p.prior), p.node]
                                     for p in self.parameters]
        blob = json.dumps(content, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    @cached_property
    def fit_fingerprint(self) -> str:
        """A hash of what a fit of the priors depends on: the structure (nodes in order, their
        kinds, states and parents) and every prior (:mod:`influence.model.fingerprint`).

        A posterior stays valid while it is unchanged: editing a point value without a prior,
        a label, a source, a policy or a weight keeps it (and changes :attr:`fingerprint`).
        """
        from .fingerprint import digest, fit_content

        return digest(fit_content(self))

    def __repr__(self) -> str:
        kinds = {k: sum(n.kind == k for n in self.nodes) for k in ("chance", "decision", "utility")}
        return (
            f"Diagram(name={self.name!r}, chance={kinds['chance']}, "
            f"decisions={kinds['decision']}, utilities={kinds['utility']}, "
            f"policies={len(self.policies)})"
        )


def require_diagram(value: Any, parameter: str = "diagram") -> Diagram:
    """``value`` if it is a :class:`Diagram`.

    Raises
    ------
    ArgumentTypeError
        Naming ``parameter``, for anything else.
    """
    if not isinstance(value, Diagram):
        raise ArgumentTypeError(f"expected `{parameter}` to be a Diagram (see influence.load), "
                                f"got {type(value).__name__}", parameter=parameter)
    return value
