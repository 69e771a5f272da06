"""Reading model files.

:func:`load` takes a path or the name of a bundled model, :func:`loads` model text and
:func:`diagram_from_dict` the parsed document. The format is documented in
``docs/model-format.md``.

The loader reads what only a file has: the YAML types (a state written as a number, a number in
quotes), the keys (unknown ones, with a suggestion for a near miss, and missing ones), the table
rows with their `given` (one row per combination of parent states) and the line numbers.
Structure and numbers are checked by the checks every way of building a diagram shares
(:mod:`influence.model.checks`, and the constructors of :class:`~influence.model.diagram.Node`,
:class:`~influence.model.diagram.Policy` and :class:`~influence.model.diagram.Diagram`, see
:mod:`influence.model.structure`); a :class:`~influence.errors.ModelError` coming from them gets
the file and the line of the entry at fault.

Validation runs in this order: the top level; each node's name, `type`, keys and states; each
node's arcs, table and priors, in file order; the form of the policies; the diagram as a whole
(cycles, the order of decisions) and the policies against it. The first problem found is raised,
naming the file, the line, the node and the field, and saying what was expected and what was
found.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ArgumentTypeError, ModelError, ModelNotFoundError
from ..limits import SUM_TOLERANCE
from ..messages import describe as _describe
from ..messages import suggest as _suggest
from . import bundled
from .checks import (
    check_given,
    check_keys,
    check_kind,
    check_name,
    check_parents,
    check_states,
    format_given,
    number,
    probability_row,
    read_given,
    read_text,
    relocate,
)
from .diagram import Diagram, Node
from .parameters import Expression
from .policy_reader import parse_policies
from .structure import check_arcs
from .structured_reader import ParameterBook, read_table
from .yamlio import line_at, line_of, load_yaml_file, load_yaml_text

__all__ = ["load", "loads", "diagram_from_dict", "parse_policies", "SUM_TOLERANCE"]

TOP_KEYS = ("name", "title", "description", "source", "units", "parameters", "nodes", "policies",
            "version", "recall")
COMMON_NODE_KEYS = ("type", "label", "description", "source")
NODE_KEYS = {
    "chance": COMMON_NODE_KEYS + ("states", "parents", "p", "cpt", "prior", "table"),
    "decision": COMMON_NODE_KEYS + ("states", "observes", "remembers"),
    "utility": COMMON_NODE_KEYS + ("parents", "values", "value", "unit", "weight", "prior"),
}
CPT_ROW_KEYS = ("given", "p", "source", "prior")
VALUE_ROW_KEYS = ("given", "value", "source", "prior")


class _Context:
    """Where we are in the file, to build error messages."""

    def __init__(self, file: str | None) -> None:
        self.file = file

    def error(
        self, message: str, *, node: str | None = None, field: str | None = None, line: Any = None
    ) -> ModelError:
        return ModelError(message, file=self.file, node=node, field=field, line=line)


def _text(data: Mapping, key: str, node: str | None = None, path: tuple = ()) -> str | None:
    return read_text(data.get(key), node=node, field=key, path=(*path, key))


def _sources(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(read_text(v, field="source", path=("source", i)) for i, v in enumerate(value))
    return (read_text(value, field="source", path=("source",)),)


# -- tables ------------------------------------------------------------------------------------


def _parse_name_list(name: str, spec: Mapping, key: str) -> tuple[str, ...]:
    raw = spec.get(key)
    if raw is None:
        return ()
    return check_parents([raw] if isinstance(raw, str) else raw, node=name, field=key)


class _Table:
    """How one kind of table is written: the field, the keys of a row, the key of its point
    value, how to read that value and how to take it from a prior instead."""

    def __init__(self, field: str, row_keys: tuple[str, ...], point: str, expected: str,
                 read: Callable[[Any, str, tuple], Any], mean: Callable[[Any], Any]) -> None:
        self.field = field
        self.row_keys = row_keys
        self.point = point
        self.expected = expected
        self.read = read
        self.mean = mean


def _parse_table(ctx: _Context, name: str, spec: Mapping, parents: tuple[str, ...],
                 index: Mapping[str, Mapping[str, int]], form: _Table,
                 parse_prior: Callable[..., Any]) -> tuple[dict, dict, dict]:
    """Read a list of rows with `given`, exactly one per combination of parent states."""
    field = form.field
    rows = spec.get(field)
    line = line_of(spec, field)
    if not isinstance(rows, list):
        raise ctx.error(f"expected a list of rows with `given`, got {_describe(rows)}",
                        node=name, field=field, line=line)
    values: dict[tuple, Any] = {}
    sources: dict[tuple, str] = {}
    priors: dict[tuple, Any] = {}
    seen_at: dict[tuple, int] = {}
    names = dict.fromkeys(parents)
    for i, row in enumerate(rows):
        row_line = line_of(rows, i)
        where = f"row {i + 1}: "
        path = ("nodes", name, field, i)
        if not isinstance(row, Mapping):
            raise ctx.error(f"{where}expected a mapping with `given`, got {_describe(row)}",
                            node=name, field=field, line=row_line)
        check_keys(row, form.row_keys, node=name, what=f"{field} row {i + 1}", path=path)
        loc = dict(node=name, field=field, path=(*path, "given"), where=where)
        given = read_given(row.get("given"), **loc)
        check_given(given, names, index, **loc)
        key = tuple(given[p] for p in parents)
        if key in seen_at:
            raise ctx.error(
                f"{where}expected one row per combination of parent states, got "
                f"{format_given(given)} again (first in row {seen_at[key] + 1})",
                node=name, field=field, line=row_line,
            )
        seen_at[key] = i
        values[key], prior = _read_row(ctx, name, row, form, parse_prior, where, path)
        if prior is not None:
            priors[key] = prior
        if row.get("source") is not None:
            sources[key] = _text(row, "source", name, path)
    if len(values) < int(np.prod([len(index[p]) for p in parents])):
        _missing_rows(ctx, name, field, parents, index, values, line)
    return values, sources, priors


def _read_row(ctx: _Context, name: str, row: Mapping, form: _Table,
              parse_prior: Callable[..., Any], where: str, path: tuple) -> tuple[Any, Any]:
    """A row's point value and prior; without a point value, the prior's mean."""
    value = prior = None
    if form.point in row:
        value = form.read(row[form.point], where, (*path, form.point))
    if "prior" in row:
        prior = parse_prior(row["prior"], line_of(row, "prior"), where=where, point=row.get("p"))
    if value is None:
        if prior is None:
            raise ctx.error(f"{where}missing `{form.point}`: expected {form.expected}",
                            node=name, field=form.field, line=line_of(row))
        value = form.mean(prior)
    return value, prior


def _missing_rows(ctx: _Context, name: str, field: str, parents: tuple[str, ...],
                  index: Mapping[str, Mapping[str, int]], values: Mapping, line: Any) -> None:
    """The rows of a table are incomplete: name the first few missing (found without going
    through every combination of a large table)."""
    total = int(np.prod([len(index[p]) for p in parents]))
    missing = []
    for key in itertools.product(*(index[p] for p in parents)):
        if key not in values:
            missing.append(key)
            if len(missing) == 5:
                break
    shown = "; ".join(format_given(dict(zip(parents, k, strict=True))) for k in missing)
    count = total - len(values)
    more = f" and {count - 5} more" if count > 5 else ""
    raise ctx.error(
        f"expected one row for each of the {total} combinations of {', '.join(parents)}, got "
        f"{len(values)}; missing {count}: {shown}{more}",
        node=name, field=field, line=line,
    )


def _fill(parents: tuple[str, ...], index: Mapping[str, Mapping[str, int]], rows: Mapping,
          tail: tuple[int, ...] = ()) -> np.ndarray:
    """An array over the parent states (then ``tail``) from rows keyed by parent states."""
    table = np.empty(tuple(len(index[p]) for p in parents) + tail)
    for key, row in rows.items():
        table[tuple(index[p][s] for p, s in zip(parents, key, strict=True))] = row
    return table


# -- nodes -------------------------------------------------------------------------------------


class _NodeParser:
    """Builds each :class:`Node` from its spec, once every node's kind and states are known."""

    def __init__(self, ctx: _Context, kinds: Mapping[str, str],
                 spaces: Mapping[str, tuple[str, ...]], lines: Mapping[str, Any],
                 book: ParameterBook) -> None:
        self.ctx = ctx
        self.book = book
        self.lines = lines  # the line of each node's name, for "missing ..." messages
        self.kinds = kinds
        self.spaces = spaces
        self.index = {n: {s: i for i, s in enumerate(states)} for n, states in spaces.items()}

    def parse(self, name: str, spec: Mapping) -> Node:
        kind = self.kinds[name]
        common = {key: _text(spec, key, name, ("nodes", name))
                  for key in ("label", "description", "source")}
        field = "observes" if kind == "decision" else "parents"
        parents = _parse_name_list(name, spec, field)
        check_arcs(name, kind, parents, self.kinds)  # observing a later node: the Diagram
        if kind == "decision":
            remembers = _parse_name_list(name, spec, "remembers")
            check_arcs(name, kind, remembers, self.kinds, field="remembers")
            return Node(name=name, kind=kind, states=self.spaces[name], parents=parents,
                        remembers=remembers, **common)
        if kind == "chance":
            return self._chance(name, spec, parents, common)
        return self._utility(name, spec, parents, common)

    def _prior_parser(self, name: str, field: str) -> Callable[..., Any]:
        from .prior_spec import parse_prior_spec

        kind = self.kinds[name]

        def parse(raw: Any, line: Any, where: str = "", point: Any = None) -> Any:
            return parse_prior_spec(raw, kind=kind, states=self.spaces.get(name, ()),
                                    file=self.ctx.file, node=name, field=field, line=line,
                                    where=where, point=point)

        return parse

    def _form(self, name: str, kind: str, field: str) -> _Table:
        if kind == "chance":
            states = self.spaces[name]
            return _Table(
                field, CPT_ROW_KEYS, "p", f"one probability per state ({', '.join(states)})",
                read=lambda raw, where, path: probability_row(
                    raw, states, node=name, field=field, path=path, where=where),
                mean=lambda prior: np.asarray(prior.mean(), dtype=float))
        def read(raw: Any, where: str, path: tuple) -> Any:
            if isinstance(raw, str) and self.book.named:
                try:
                    float(raw)
                except ValueError:
                    return self.book.expression(raw, name, field, path, where)
            return number(raw, node=name, field=field, path=path, where=where)

        return _Table(field, VALUE_ROW_KEYS, "value", "a number", read=read,
                      mean=lambda prior: float(prior.mean()))

    def _only(self, name: str, spec: Mapping, keys: tuple[tuple[str, str], ...],
              what: str) -> None:
        for key, instead in keys:
            if key in spec:
                raise self.ctx.error(f"expected {instead} for {what}, got `{key}`", node=name,
                                     field=key, line=line_of(spec, key))

    def _chance(self, name: str, spec: Mapping, parents: tuple[str, ...], common: dict) -> Node:
        states = self.spaces[name]
        if "table" in spec:
            self._only(name, spec, (("cpt", "a structured `table` or `cpt` rows"),
                                    ("p", "a structured `table` or `p`"),
                                    ("prior", "priors on the parameters of the `table`")),
                       "a node with a structured `table`")
            structure = read_table(self.book, name, spec["table"], states, parents)
            return Node(name=name, kind="chance", states=states, parents=parents, table=None,
                        structure=structure, **common)
        if not parents:
            self._only(name, spec, (("cpt", "`p`"),), "a node without parents")
            return self._root(name, spec, "chance", "p", dict(common, states=states))
        self._only(name, spec, (("p", "`cpt` rows"), ("prior", "a `prior` on each `cpt` row")),
                   "a node with parents")
        if "cpt" not in spec:
            raise self.ctx.error("missing `cpt`: expected one row per combination of parent "
                                 "states", node=name, field="cpt", line=self.lines[name])
        values, row_sources, priors = _parse_table(
            self.ctx, name, spec, parents, self.index, self._form(name, "chance", "cpt"),
            self._prior_parser(name, "cpt"))
        table = _fill(parents, self.index, values, (len(states),))
        return Node(name=name, kind="chance", states=states, parents=parents, table=table,
                    row_sources=row_sources, priors=priors, **common)

    def _utility(self, name: str, spec: Mapping, parents: tuple[str, ...], common: dict) -> Node:
        ctx = self.ctx
        common["unit"] = _text(spec, "unit", name, ("nodes", name))
        if "weight" in spec:
            weight = self._form(name, "utility", "weight").read(
                spec["weight"], "", ("nodes", name, "weight"))
            if isinstance(weight, Expression):
                common["weight_expression"] = weight
            else:
                common["weight"] = weight
        if not parents:
            self._only(name, spec, (("values", "`value`"),), "a utility node without parents")
            return self._root(name, spec, "utility", "value", common)
        self._only(name, spec, (("value", "`values` rows"),
                                ("prior", "a `prior` on each `values` row")),
                   "a utility node with parents")
        if "values" not in spec:
            raise ctx.error("missing `values`: expected one row per combination of parent "
                            "states", node=name, field="values", line=self.lines[name])
        values, row_sources, priors = _parse_table(
            ctx, name, spec, parents, self.index, self._form(name, "utility", "values"),
            self._prior_parser(name, "values"))
        expressions = {k: v for k, v in values.items() if isinstance(v, Expression)}
        values = {k: 0.0 if k in expressions else v for k, v in values.items()}
        return Node(name=name, kind="utility", parents=parents,
                    table=_fill(parents, self.index, values), row_sources=row_sources,
                    priors=priors, expressions=expressions, **common)

    def _root(self, name: str, spec: Mapping, kind: str, field: str, common: dict) -> Node:
        """A chance node without parents (`p`) or a utility node without parents (`value`),
        either possibly with a `prior`."""
        form = self._form(name, kind, field)
        value, prior = None, None
        if field in spec:
            value = form.read(spec[field], "", ("nodes", name, field))
        if "prior" in spec:
            prior = self._prior_parser(name, "prior")(spec["prior"], line_of(spec, "prior"),
                                                      point=spec.get("p"))
        if value is None:
            if prior is None:
                parents = " (or `parents` with `values`)" if kind == "utility" else ""
                raise self.ctx.error(f"missing `{field}`{parents}: expected {form.expected}",
                                     node=name, field=field, line=self.lines[name])
            value = form.mean(prior)
        source = common["source"]
        if isinstance(value, Expression):
            common["expressions"] = {(): value}
            value = 0.0
        return Node(name=name, kind=kind, table=value, priors={(): prior} if prior else {},
                    row_sources={(): source} if source and kind == "chance" else {}, **common)


# -- the model ---------------------------------------------------------------------------------


def _check_top(ctx: _Context, data: Any) -> tuple[str, Mapping]:
    """The top level: a mapping with a `name` and a non-empty mapping of `nodes`."""
    if data is None:
        raise ctx.error("expected a mapping with `name` and `nodes` at the top, got an empty "
                        "document")
    if not isinstance(data, Mapping):
        raise ctx.error(f"expected a mapping with `name` and `nodes` at the top, got "
                        f"{_describe(data)}", line=line_of(data))
    check_keys(data, TOP_KEYS, what="the model")
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


def _scan_nodes(ctx: _Context, nodes: Mapping) -> tuple[dict, dict]:
    """Each node's name, `type`, keys and states: what the tables of the others refer to."""
    kinds: dict[str, str] = {}
    spaces: dict[str, tuple[str, ...]] = {}
    for nname, spec in nodes.items():
        line = line_of(nodes, nname)
        check_name(nname)
        if not isinstance(spec, Mapping):
            raise ctx.error(f"expected a mapping with `type`, got {_describe(spec)}", node=nname,
                            field="nodes", line=line)
        if spec.get("type") is None:
            near = next((k for k in spec if k != "type" and _suggest(k, ("type",))), None)
            hint = f" but a key {str(near)!r} (did you mean 'type'?)" if near is not None else ""
            raise ctx.error("expected `type` to be chance, decision or utility, got no "
                            f"`type`{hint}", node=nname, field="type",
                            line=line_of(spec, "type") or line_of(spec, near) or line)
        kind = check_kind(spec["type"], node=nname)
        if "states" in spec and kind == "utility":
            raise ctx.error("expected no `states` on a utility node (its `values` give one "
                            "number per combination of parent states), got `states`",
                            node=nname, field="states", line=line_of(spec, "states"))
        check_keys(spec, NODE_KEYS[kind], node=nname, what=f"a {kind} node",
                   path=("nodes", nname))
        kinds[nname] = kind
        if kind != "utility":
            if "states" not in spec:
                raise ctx.error("missing `states`: expected a list of state names", node=nname,
                                field="states", line=line)
            spaces[nname] = check_states(spec["states"], node=nname, numbers=True)
    return kinds, spaces


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
        On any invalid content; the message names the file, the line, the node and the field.
    """
    try:
        return _diagram(_Context(file), data)
    except ModelError as exc:
        if exc.line is not None:
            raise
        raise relocate(exc, file=file, line=line_at(data, exc.path)) from None


def _diagram(ctx: _Context, data: Any) -> Diagram:
    name, nodes = _check_top(ctx, data)
    kinds, spaces = _scan_nodes(ctx, nodes)
    lines = {n: line_of(nodes, n) for n in kinds}
    book = ParameterBook(ctx.file, data.get("parameters"), data)
    parser = _NodeParser(ctx, kinds, spaces, lines, book)
    built = tuple(parser.parse(nname, spec) for nname, spec in nodes.items())
    parameters = book.finish()
    texts = {key: _text(data, key) for key in ("title", "description", "units")}
    policies = parse_policies(data.get("policies"))
    recall = data.get("recall", "perfect")
    return Diagram(name=name, nodes=built, policies=policies, file=ctx.file,
                   sources=_sources(data.get("source")), recall=recall,
                   parameters=parameters, **texts)


def loads(text: str, file: str | None = None) -> Diagram:
    """Build a diagram from model text (YAML or JSON).

    Raises
    ------
    ModelError
        On invalid text, or text that is not a ``str`` (decode bytes first).
    """
    if not isinstance(text, str):
        hint = " (decode the bytes first: text.decode('utf-8'))" if isinstance(
            text, bytes | bytearray) else ""
        raise ArgumentTypeError(f"expected model text (str), got {type(text).__name__}{hint}",
                                file=file if isinstance(file, str) else None, parameter="text")
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
    if isinstance(model, bool) or not isinstance(model, str | os.PathLike):
        raise ArgumentTypeError(f"expected a model file or the name of a bundled model, got "
                                f"{type(model).__name__} {model!r}"[:300], parameter="model")
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
