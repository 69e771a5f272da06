"""Reading the parts of a model file that define numbers by parameters.

:class:`ParameterBook` collects a model file's parameters: the named ones of the top-level
``parameters:`` and the numbers of structured tables (``table:`` on a chance node, read by
:func:`read_table`). A number in a structured table is written as

- a number (``0.3``): a parameter of the table, named after the node and the entry;
- a name (``partnership_effect``): a reference to a named parameter;
- a mapping ``{value, prior, source, description, name}``: a parameter of the table with a
  prior (and optionally its own name).

A named parameter's domain (probability, ratio or any number) follows from where structured
tables use it, and its prior is read for that domain once every node has been read
(:meth:`ParameterBook.finish`). The forms are documented in ``docs/model-format.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..messages import describe, suggest
from .checks import check_keys, fault, listed, number, read_given, read_text
from .parameter_spec import parse_parameter_prior
from .parameters import PARAMETER_NAME, ModelParameter, domain_text, parse_expression
from .structured import FORMS, Deterministic, Effect, Link, LogLinear, NoisyMax, Rule
from .yamlio import line_at, line_of

__all__ = ["ParameterBook", "read_table", "NAMED_KEYS", "PARAMETER_KEYS"]

NAMED_KEYS = ("value", "prior", "source", "description")
PARAMETER_KEYS = ("value", "prior", "source", "description", "name")
_FORM_KEYS = {
    "noisy_or": ("state", "leak", "links"),
    "noisy_max": ("leak", "links"),
    "log_linear": ("scale", "state", "base", "effects"),
}
_LINK_KEYS = ("given", "p", "source")
_EFFECT_KEYS = ("given", "ratio", "states", "source")
_RULE_KEYS = ("given", "state", "source")


class ParameterBook:
    """The parameters of one model file, as its nodes are read.

    Parameters
    ----------
    file : str or None
        The file, for messages.
    raw : mapping or None
        The top-level ``parameters:`` as read.
    document : any
        The whole document (for line numbers).
    """

    def __init__(self, file: str | None, raw: Any, document: Any) -> None:
        self.file = file
        self.document = document
        self.named: dict[str, Mapping[str, Any]] = {}
        self.inline: list[ModelParameter] = []
        self.roles: dict[str, tuple[str, str]] = {}
        self._read_named(raw)

    # -- the top-level parameters
    def _read_named(self, raw: Any) -> None:
        if raw is None:
            return
        if not isinstance(raw, Mapping):
            raise fault(f"expected `parameters` to be a mapping of name to parameter, got "
                        f"{describe(raw)}", field="parameters", path=("parameters",))
        for name, spec in raw.items():
            path = ("parameters", name)
            if not isinstance(name, str) or not PARAMETER_NAME.match(name):
                raise fault("expected a parameter name of letters, digits and '_' (starting "
                            f"with a letter or '_'), got {describe(name)}", field="parameters",
                            path=path)
            if isinstance(spec, int | float) and not isinstance(spec, bool):
                spec = {"value": spec}
            if not isinstance(spec, Mapping):
                raise fault(f"parameter '{name}': expected a number or a mapping with `value` "
                            f"and optionally `prior`, `source`, `description`, got "
                            f"{describe(spec)}", field="parameters", path=path)
            check_keys(spec, NAMED_KEYS, what=f"parameter '{name}'", field="parameters",
                       path=path)
            if "value" not in spec and "prior" not in spec:
                raise fault(f"parameter '{name}': missing `value`: expected a number (or a "
                            "`prior`, whose mean is then the value)", field="parameters",
                            path=path)
            self.named[name] = spec

    def finish(self) -> list[ModelParameter]:
        """The named parameters (domains from their use, priors read for them), then those of
        the structured tables, in file order."""
        out = []
        for name, spec in self.named.items():
            path = ("parameters", name)
            domain, used_as = self.roles.get(name, ("real", ""))
            why = f" ({domain_text(domain)}: {used_as})" if used_as else ""
            where = f"parameter '{name}'{why}: "
            prior = None
            if "prior" in spec:
                prior = parse_parameter_prior(
                    spec["prior"], domain=domain, file=self.file, node=None,
                    field="parameters", line=line_of(spec, "prior"), where=where)
            value = spec.get("value")
            value = prior.mean() if value is None else number(
                value, kind=domain_text(domain), field="parameters", path=(*path, "value"),
                where=where)
            texts = {k: read_text(spec.get(k), field="parameters", path=(*path, k))
                     for k in ("source", "description")}
            out.append(ModelParameter(name=name, value=float(value), domain=domain,
                                      prior=prior, **texts))
        return out + self.inline

    # -- numbers of structured tables and expressions
    def expression(self, raw: str, node: str, field: str, path: tuple, where: str = "") -> Any:
        """An expression of a utility value or weight, naming named parameters."""
        return parse_expression(raw, known=self.named, node=node, field=field, path=path,
                                where=where)

    def slot(self, raw: Any, *, node: str, name: str, role: str, what: str, path: tuple,
             source: str | None = None) -> str:
        """One number of a structured table: the name of its parameter."""
        loc = dict(node=node, field="table", path=path)
        if isinstance(raw, str):
            if raw not in self.named:
                raise fault(f"{what}: expected a number or a named parameter "
                            f"({listed(self.named) or 'none defined'}), got {raw!r}"
                            f"{suggest(raw, self.named)}", **loc)
            first = self.roles.get(raw)
            if first is not None and first[0] != role:
                raise fault(f"{what}: expected parameter {raw!r} used as {domain_text(role)} "
                            f"everywhere, got it used as {domain_text(first[0])} "
                            f"({first[1]}) too", **loc)
            self.roles.setdefault(raw, (role, f"{what} of '{node}'"))
            return raw
        spec: Mapping[str, Any]
        if isinstance(raw, Mapping):
            check_keys(raw, PARAMETER_KEYS, what=what, node=node, field="table", path=path)
            spec = raw
        else:
            spec = {"value": raw}
        if "name" in spec:
            name = read_text(spec["name"], node=node, field="table", path=(*path, "name"))
            if not PARAMETER_NAME.match(name or ""):
                raise fault(f"{what}: expected `name` of letters, digits and '_', got "
                            f"{describe(spec['name'])}", **loc)
        if name in self.named or any(p.name == name for p in self.inline):
            raise fault(f"{what}: expected a new parameter name, got {name!r}, which is taken "
                        "(give this number its own `name`)", **loc)
        where = f"{what}: "
        prior = None
        if "prior" in spec:
            prior = parse_parameter_prior(spec["prior"], domain=role, file=self.file,
                                          node=node, field="table",
                                          line=line_of(spec, "prior") or
                                          line_at(self.document, path), where=where)
        if "value" in spec:
            value = number(spec["value"], kind=domain_text(role), node=node, field="table",
                           path=(*path, "value") if isinstance(raw, Mapping) else path,
                           where=where)
        elif prior is not None:
            value = float(prior.mean())
        else:
            raise fault(f"{what}: missing `value`: expected {domain_text(role)}", **loc)
        texts = {k: read_text(spec.get(k), node=node, field="table", path=(*path, k))
                 for k in ("source", "description")}
        texts["source"] = texts["source"] or source
        self.inline.append(ModelParameter(name=name, value=value, domain=role, prior=prior,
                                          node=node, **texts))
        return name


def _given(raw: Mapping, parents: Sequence[str], node: str, path: tuple, where: str
           ) -> tuple[tuple[str, str], ...]:
    given = read_given(raw.get("given"), node=node, field="table", path=(*path, "given"),
                       where=where)
    order = {p: i for i, p in enumerate(parents)}
    return tuple(sorted(given.items(), key=lambda kv: order.get(kv[0], len(order))))


def _label(node: str, given: Sequence[tuple[str, str]], state: str | None = None) -> str:
    text = node + "[" + ",".join(f"{p}={s}" for p, s in given) + "]"
    return f"{text}:{state}" if state is not None else text


def _list(raw: Any, node: str, path: tuple, what: str) -> list:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise fault(f"expected `{what}` to be a list, got {describe(raw)}", node=node,
                    field="table", path=path)
    return raw


def _entry(raw: Any, keys: tuple[str, ...], node: str, path: tuple, what: str) -> Mapping:
    if not isinstance(raw, Mapping):
        raise fault(f"{what}: expected a mapping with `given`, got {describe(raw)}",
                    node=node, field="table", path=path)
    check_keys(raw, keys, what=what, node=node, field="table", path=path)
    return raw


def read_table(book: ParameterBook, node: str, raw: Any, states: tuple[str, ...],
               parents: tuple[str, ...]) -> Any:
    """The structure a chance node's ``table:`` defines (its numbers go into ``book``)."""
    path = ("nodes", node, "table")
    if not isinstance(raw, Mapping) or len(raw) != 1:
        raise fault(f"expected `table` to be a mapping with one of {', '.join(FORMS)}, got "
                    f"{describe(raw)}", node=node, field="table", path=path)
    form = str(next(iter(raw)))
    if form not in FORMS:
        raise fault(f"expected `table` to be one of {', '.join(FORMS)}, got {form!r}"
                    f"{suggest(form, FORMS)}", node=node, field="table", path=path)
    body = raw[form]
    path = (*path, form)
    if form == "deterministic":
        return _deterministic(body, node, parents, path)
    if not isinstance(body, Mapping):
        raise fault(f"expected `{form}` to be a mapping, got {describe(body)}", node=node,
                    field="table", path=path)
    check_keys(body, _FORM_KEYS[form], what=form, node=node, field="table", path=path)
    if form == "log_linear":
        return _log_linear(book, body, node, states, parents, path)
    return _noisy(book, body, form, node, states, parents, path)


def _target(body: Mapping, states: tuple[str, ...], node: str, path: tuple, form: str) -> str:
    if len(states) != 2:
        raise fault(f"expected `{form}` on a node of two states, got {len(states)} "
                    f"({listed(states)}); use {'noisy_max' if form == 'noisy_or' else 'base'} "
                    "for more", node=node, field="table", path=path)
    target = body.get("state", states[-1])
    target = str(target) if isinstance(target, int | str) and not isinstance(target, bool) \
        else target
    if target not in states:
        raise fault(f"expected `state` to be a state of '{node}' ({listed(states)}), got "
                    f"{describe(target)}{suggest(target, states)}", node=node, field="table",
                    path=(*path, "state"))
    return target


def _levels(book: ParameterBook, raw: Any, node: str, levels: tuple[str, ...], name: str,
            what: str, path: tuple, source: str | None) -> tuple[str, ...]:
    """Step parameters, one per level above the lowest: a number (two levels) or a mapping
    level: number."""
    above = levels[1:]
    keyed = isinstance(raw, Mapping) and bool({str(k) for k in raw} & set(above))
    if len(above) == 1 and not keyed:
        return (book.slot(raw, node=node, name=name, role="probability", what=what, path=path,
                          source=source),)
    if not isinstance(raw, Mapping):
        raise fault(f"{what}: expected a mapping level: probability for the levels above "
                    f"{levels[0]!r} ({listed(above)}), got {describe(raw)}", node=node,
                    field="table", path=path)
    keys = [str(k) for k in raw]
    bad = [k for k in keys if k not in above]
    missing = [s for s in above if s not in keys]
    if bad or missing:
        why = (f"unknown level {bad[0]!r}{suggest(bad[0], above)}" if bad
               else f"none for {listed(missing)}")
        raise fault(f"{what}: expected a probability for each level above {levels[0]!r} "
                    f"({listed(above)}), got {why}", node=node, field="table", path=path)
    key_of = {str(k): k for k in raw}
    return tuple(book.slot(raw[key_of[s]], node=node, name=f"{name}:{s}", role="probability",
                           what=f"{what} {s}", path=(*path, key_of[s]), source=source)
                 for s in above)


def _noisy(book: ParameterBook, body: Mapping, form: str, node: str, states: tuple[str, ...],
           parents: tuple[str, ...], path: tuple) -> NoisyMax:
    if form == "noisy_or":
        target = _target(body, states, node, path, form)
        levels = tuple(s for s in states if s != target) + (target,)
        leak_name = f"{node}.leak"
    else:
        if len(states) < 2:
            raise fault(f"expected at least two states for noisy_max, got {len(states)}",
                        node=node, field="table", path=path)
        levels = states
        leak_name = f"{node}.leak"
    leak = _levels(book, body.get("leak", 0.0), node, levels, leak_name, "leak",
                   (*path, "leak"), None)
    links = []
    seen: dict[tuple[str, str], int] = {}
    for i, raw in enumerate(_list(body.get("links"), node, (*path, "links"), "links")):
        lpath = (*path, "links", i)
        where = f"link {i + 1}"
        entry = _entry(raw, _LINK_KEYS, node, lpath, where)
        given = _given(entry, parents, node, lpath, f"{where}: ")
        if len(given) != 1:
            raise fault(f"{where}: expected `given` to name one parent in one state (a cause), "
                        f"got {len(given)}", node=node, field="table", path=(*lpath, "given"))
        if given[0] in seen:
            raise fault(f"{where}: expected one link per parent state, got "
                        f"{given[0][0]}={given[0][1]} again (first in link {seen[given[0]] + 1})",
                        node=node, field="table", path=lpath)
        seen[given[0]] = i
        if "p" not in entry:
            raise fault(f"{where}: missing `p`: expected the probability that this cause "
                        "alone brings the node about", node=node, field="table", path=lpath)
        source = read_text(entry.get("source"), node=node, field="table",
                           path=(*lpath, "source"))
        steps = _levels(book, entry["p"], node, levels, _label(node, given), where,
                        (*lpath, "p"), source)
        links.append(Link(given[0][0], given[0][1], steps, source))
    return NoisyMax(levels=levels, leak=leak, links=tuple(links), binary=form == "noisy_or")


def _log_linear(book: ParameterBook, body: Mapping, node: str, states: tuple[str, ...],
                parents: tuple[str, ...], path: tuple) -> LogLinear:
    scale = body.get("scale", "odds")
    if scale not in ("odds", "risk"):
        raise fault(f"expected `scale` to be odds or risk, got {describe(scale)}"
                    f"{suggest(scale, ('odds', 'risk'))}", node=node, field="table",
                    path=(*path, "scale"))
    if "base" not in body:
        raise fault("missing `base`: expected the probability (or distribution) where no "
                    "effect applies", node=node, field="table", path=path)
    if len(states) == 2:
        target = _target(body, states, node, path, "log_linear")
        reference = next(s for s in states if s != target)
        base = ((target, book.slot(body["base"], node=node, name=f"{node}.base",
                                   role="probability", what="base", path=(*path, "base"))),)
        default_states: tuple[str, ...] = (target,)
    else:
        if "state" in body:
            raise fault(f"expected no `state` on a node of {len(states)} states (give `base` "
                        "for every state, and `states` on each effect)", node=node,
                        field="table", path=(*path, "state"))
        reference = states[0]
        base = _base(book, body["base"], node, states, (*path, "base"))
        default_states = states[1:]
    effects = []
    for i, raw in enumerate(_list(body.get("effects"), node, (*path, "effects"), "effects")):
        epath = (*path, "effects", i)
        where = f"effect {i + 1}"
        entry = _entry(raw, _EFFECT_KEYS, node, epath, where)
        given = _given(entry, parents, node, epath, f"{where}: ")
        if "ratio" not in entry:
            raise fault(f"{where}: missing `ratio`: expected the factor on the "
                        f"{'odds' if scale == 'odds' else 'probability'} where `given` holds",
                        node=node, field="table", path=epath)
        targets = default_states
        if "states" in entry:
            raw_states = entry["states"]
            raw_states = [raw_states] if isinstance(raw_states, str) else raw_states
            if not isinstance(raw_states, list):
                raise fault(f"{where}: expected `states` to be a list of states, got "
                            f"{describe(raw_states)}", node=node, field="table",
                            path=(*epath, "states"))
            targets = tuple(str(s) for s in raw_states)
        source = read_text(entry.get("source"), node=node, field="table",
                           path=(*epath, "source"))
        ratio = book.slot(entry["ratio"], node=node, name=_label(node, given), role="ratio",
                          what=where, path=(*epath, "ratio"), source=source)
        effects.append(Effect(given, ratio, targets, source))
    return LogLinear(base=base, effects=tuple(effects), scale=str(scale), reference=reference)


def _base(book: ParameterBook, raw: Any, node: str, states: tuple[str, ...], path: tuple
          ) -> tuple[tuple[str, str], ...]:
    if isinstance(raw, list) and len(raw) == len(states):
        items = list(zip(states, raw, strict=True))
        keys: list[Any] = list(range(len(states)))
    elif isinstance(raw, Mapping) and sorted(str(k) for k in raw) == sorted(states):
        key_of = {str(k): k for k in raw}
        items = [(s, raw[key_of[s]]) for s in states]
        keys = [key_of[s] for s in states]
    else:
        raise fault(f"expected `base` to give every state of '{node}' ({listed(states)}) as a "
                    f"list or a mapping state: probability, got {describe(raw)}", node=node,
                    field="table", path=path)
    return tuple((s, book.slot(v, node=node, name=f"{node}.base:{s}", role="probability",
                               what=f"base {s}", path=(*path, key)))
                 for (s, v), key in zip(items, keys, strict=True))


def _deterministic(body: Any, node: str, parents: tuple[str, ...], path: tuple
                   ) -> Deterministic:
    rules = []
    for i, raw in enumerate(_list(body, node, path, "deterministic")):
        rpath = (*path, i)
        where = f"rule {i + 1}"
        entry = _entry(raw, _RULE_KEYS, node, rpath, where)
        given = _given(entry, parents, node, rpath, f"{where}: ")
        if "state" not in entry:
            raise fault(f"{where}: missing `state`: expected the state of '{node}' where "
                        "`given` holds", node=node, field="table", path=rpath)
        state = entry["state"]
        state = str(state) if isinstance(state, int | str) and not isinstance(state, bool) \
            else state
        source = read_text(entry.get("source"), node=node, field="table",
                           path=(*rpath, "source"))
        rules.append(Rule(given, state, source))
    return Deterministic(tuple(rules))
