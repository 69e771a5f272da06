"""Reading YAML (and JSON) model files with line numbers and without YAML 1.1 surprises.

PyYAML implements YAML 1.1, which reads bare ``yes``/``no``/``on``/``off`` as booleans (turning
``states: [no, yes]`` into ``[False, True]``), ``010`` as octal, ``1:30`` as the number 90 and
``2024-01-01`` as a date, while ``1e-3`` stays text. The loader here resolves plain scalars by
the YAML 1.2 core schema instead: only ``true``/``false`` are booleans, integers are decimal (or
``0o``/``0x``), floats include exponents (``1e-3``, as in JSON), and anything else is text.
Mappings and lists come back as :class:`dict` and :class:`list` subclasses that remember the line
of each entry, so that validation messages can point at the line. A key repeated in a mapping is
an error, not a silent overwrite. An integer a float cannot hold (beyond about 1.8e308, or
longer than Python reads as text) is an error at its line, not a traceback. So is a document
nested deeper than :data:`~influence.limits.YAML_NESTING` levels, and one whose aliases would
repeat entries beyond :data:`~influence.limits.YAML_EXPANSION` times what is written (an
"alias bomb": a few hundred bytes that expand to billions of entries), both checked before the
document is built.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from ..errors import ModelError
from ..limits import YAML_EXPANSION, YAML_NESTING

__all__ = ["LineDict", "LineList", "load_yaml_text", "load_yaml_file", "line_of", "line_at",
           "plain"]


class LineDict(dict):
    """A dict that knows the 1-based line of itself and of each of its keys."""

    line: int | None = None
    key_lines: dict

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_lines = {}


class LineList(list):
    """A list that knows the 1-based line of itself and of each of its items."""

    line: int | None = None
    item_lines: list


#: libyaml's parser when PyYAML was built with it (several times faster), else the pure-Python one.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):
    """SafeLoader with YAML 1.2 core-schema scalars, line tracking and duplicate-key errors."""

    file: str | None = None

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.path: list[Any] = []  # keys and indices from the root to the node being built


_YAML11_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("bool", "int", "float", "timestamp")}
_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag not in _YAML11_TAGS]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
# Integers before floats: the float pattern also matches plain integers.
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"),
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+.0123456789"),
)


#: Digits of the largest integer a float holds (about 1.8e308), written in base 8, 10 and 16.
_FLOAT_DIGITS = {8: 342, 10: 309, 16: 256}


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    base, digits = 10, text  # leading zeros are decimal, as in YAML 1.2
    if text.startswith("0o"):
        base, digits = 8, text[2:]
    elif text.startswith("0x"):
        base, digits = 16, text[2:]
    size = len(digits.lstrip("+-").lstrip("0"))
    # Checked before converting: Python refuses to read more than 4,300 decimal digits.
    if size > _FLOAT_DIGITS[base] or abs(value := int(digits, base)) > sys.float_info.max:
        node_name, field = _location(loader.path)
        raise ModelError(
            f"expected a number within ±{sys.float_info.max:.3g} (what a float holds), got an "
            f"integer of {size} digits", file=loader.file, node=node_name, field=field,
            line=node.start_mark.line + 1)
    return value


#: How an item of a list is named in a path, by the key of the list (numbered from 1); the
#: rule rows of a policy are listed under ``choose > DECISION``.
_ITEM = {"cpt": "row", "values": "row", "observations": "entry"}


def _field_path(path: list[Any]) -> str:
    """``nodes > u > values > row 2 > given``: list items numbered from 1, as messages do."""
    shown = []
    for i, p in enumerate(path):
        if isinstance(p, int) and not isinstance(p, bool):
            before = path[i - 1] if i else None
            name = "rule row" if i > 1 and path[i - 2] == "choose" else \
                _ITEM.get(before, "item") if isinstance(before, str) else "item"
            shown.append(f"{name} {p + 1}")
        else:
            shown.append(str(p))
    return " > ".join(shown) or "the top level"


def _location(path: list[Any], key: Any = None) -> tuple[str | None, str | None]:
    """The node and the field of the entry at ``path`` (then ``key``), when it is inside
    ``nodes``; else the top-level field."""
    node = field = None
    if path and path[0] == "nodes":
        if len(path) == 1:
            node, field = (str(key), "nodes") if key is not None else (None, "nodes")
        else:
            node = str(path[1])
            field = str(path[2]) if len(path) > 2 else (None if key is None else str(key))
    elif path:
        field = str(path[0])
    elif key is not None:
        field = str(key)
    return node, field


def _duplicate_key_error(loader: _Loader, key: Any, first: int, again: int) -> ModelError:
    """Name the node and field of a repeated key when it is inside ``nodes``."""
    path = loader.path
    node, field = _location(path, key)
    return ModelError(
        f"duplicate key {key!r} in {_field_path(path)}: expected each key once in a mapping, "
        + (f"got it twice on line {again}" if first == again
           else f"got it on line {first} and again on line {again}"),
        file=loader.file, node=node, field=field, line=again,
    )


_MERGE_TAG = "tag:yaml.org,2002:merge"


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    if len(loader.path) >= YAML_NESTING:
        raise _too_deep(loader.file, node.start_mark.line + 1)
    own = sum(1 for key_node, _ in node.value if key_node.tag != _MERGE_TAG)
    loader.flatten_mapping(node)  # merged (``<<``) entries first, then the mapping's own
    merged = len(node.value) - own
    out = LineDict()
    out.line = node.start_mark.line + 1
    own_keys: set = set()
    for i, (key_node, value_node) in enumerate(node.value):
        key = loader.construct_object(key_node, deep=True)
        key_line = key_node.start_mark.line + 1
        try:
            hash(key)
        except TypeError:
            raise ModelError(
                f"expected a plain key in {_field_path(loader.path)}, got a "
                f"{'list' if isinstance(key, list) else 'mapping'}",
                file=loader.file, line=key_line,
            ) from None
        if i >= merged:  # a key may override a merged one, not another of its own
            if key in own_keys:
                raise _duplicate_key_error(loader, key, out.key_lines[key], key_line)
            own_keys.add(key)
        loader.path.append(key)
        try:
            out[key] = loader.construct_object(value_node, deep=True)
        finally:
            loader.path.pop()
        out.key_lines[key] = key_line
    return out


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    if len(loader.path) >= YAML_NESTING:
        raise _too_deep(loader.file, node.start_mark.line + 1)
    out = LineList()
    for i, child in enumerate(node.value):
        loader.path.append(i)
        try:
            out.append(loader.construct_object(child, deep=True))
        finally:
            loader.path.pop()
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def line_of(container: Any, key: Any = None) -> int | None:
    """The line of ``container[key]`` (or of ``container`` itself), if known."""
    if key is None:
        return getattr(container, "line", None)
    if isinstance(container, LineDict):
        return container.key_lines.get(key, container.line)
    if isinstance(container, LineList) and isinstance(key, int) and 0 <= key < len(container):
        return container.item_lines[key]
    return getattr(container, "line", None)


def line_at(document: Any, path: tuple) -> int | None:
    """The line of the entry reached from ``document`` by ``path`` (keys and indices, as in
    :attr:`influence.errors.InfluenceError.path`), or of the deepest entry on the way that
    exists; None for an empty path or a document without line numbers.

    Keys are matched as written or by their text (a YAML key ``1`` matches ``"1"``).
    """
    line = None
    here = document
    for step in path:
        if isinstance(here, Mapping):
            if step not in here:
                step = next((k for k in here if str(k) == str(step)), None)
                if step is None:
                    break
            line = line_of(here, step) or line
            here = here[step]
        elif isinstance(here, list) and isinstance(step, int) and 0 <= step < len(here):
            line = line_of(here, step) or line
            here = here[step]
        else:
            break
    return line


def _json_tabs_to_spaces(text: str) -> str:
    """JSON allows tabs between tokens, YAML does not. In valid JSON a tab can only be such
    whitespace (tabs inside strings must be escaped), so turning tabs into spaces keeps both the
    meaning and the line numbers."""
    if "\t" not in text or not text.lstrip().startswith(("{", "[")):
        return text
    try:
        json.loads(text)
    except ValueError:
        return text
    return text.replace("\t", " ")


#: Below this many structural characters a document cannot nest deep enough to endanger
#: libyaml's composer, which recurses once per level (about 300 bytes of C stack each: 40,000
#: levels overflow the main thread's 8 MiB, 2,000 a thread's 512 KiB); above it, the nesting is
#: measured on the parser's events first.
_SHALLOW = 500
#: An anchor (``&name``) and an alias (``*name``) as they can start a YAML node: without
#: both, nothing repeats (a text merely holding ``*`` or ``&`` costs one more check).
_ANCHOR = re.compile(r"(?:^|[\s\[{,:])&[^\s\[\]{},]", re.M)
_ALIAS = re.compile(r"(?:^|[\s\[{,:])\*[^\s\[\]{},]", re.M)
_STARTS = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_ENDS = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


def _too_deep(file: str | None, line: int | None) -> ModelError:
    return ModelError(f"expected at most {YAML_NESTING} levels of nesting, got more",
                      file=file, line=line)


def _check_depth_of_events(text: str, file: str | None) -> None:
    """The nesting of ``text`` measured on the parser's events (which need no recursion), so
    that libyaml's recursive composer never sees a document nested thousands deep."""
    depth = 0
    for event in yaml.parse(text, Loader=_BaseLoader):
        if isinstance(event, _STARTS):
            depth += 1
            if depth > YAML_NESTING:
                raise _too_deep(file, event.start_mark.line + 1)
        elif isinstance(event, _ENDS):
            depth -= 1


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _check_aliases(root: yaml.Node, file: str | None) -> None:
    """Refuse a composed document with a recursive alias, or whose aliases expand it beyond
    :data:`~influence.limits.YAML_EXPANSION` times its written entries (and, on the way, one
    nested too deep).

    One pass over the distinct nodes (an alias is the node it names, shared): the expanded
    size and the depth below each node are computed once, children first.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    visiting: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if not done:
            if key in size:
                continue
            if key in visiting:
                raise ModelError("expected a document without recursive aliases (an alias "
                                 "inside the entry it names), got one", file=file,
                                 line=node.start_mark.line + 1)
            visiting.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node) if id(child) not in size)
            continue
        children = _children(node)
        visiting.discard(key)
        size[key] = 1 + sum(size[id(c)] for c in children)
        depth[key] = 1 + max((depth[id(c)] for c in children), default=0)
        if depth[key] > YAML_NESTING + 1:  # scalars count as a level here
            raise _too_deep(file, node.start_mark.line + 1)
    written = len(size)
    if size[id(root)] > YAML_EXPANSION * written + 10_000:
        raise ModelError(f"expected aliases (*name, <<: *name) that repeat at most "
                         f"{YAML_EXPANSION} times the {written} entries written, got a "
                         f"document of {size[id(root)]:.3g} entries", file=file)


def _structural(text: str) -> int:
    """An upper bound on the number of collections in ``text``: each starts with one of
    these characters."""
    return sum(text.count(c) for c in "[{-:?")


def load_yaml_text(text: str, file: str | None = None) -> Any:
    """Parse YAML (or JSON) text.

    Parameters
    ----------
    text : str
        The document.
    file : str, optional
        The file name used in error messages.

    Returns
    -------
    object
        The parsed document, with :class:`LineDict` and :class:`LineList` containers; None for
        an empty document.

    Raises
    ------
    ModelError
        On a syntax error (with its line and column), on a key repeated in a mapping, on an
        integer a float cannot hold, on nesting deeper than
        :data:`~influence.limits.YAML_NESTING` and on aliases that expand the document beyond
        :data:`~influence.limits.YAML_EXPANSION` times its size.
    """
    text = _json_tabs_to_spaces(text)
    loader = _Loader(text)
    loader.file = file
    try:
        if _structural(text) > _SHALLOW:
            _check_depth_of_events(text, file)
        node = loader.get_single_node()
        if node is None:
            return None
        if _ANCHOR.search(text) and _ALIAS.search(text):  # &name ... *name (or <<: *name)
            _check_aliases(node, file)
        return loader.construct_document(node)  # checks the nesting as it goes
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = f", column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "invalid YAML"
        if "nesting depth" in problem:  # libyaml's own limit (PyYAML >= 6.0.4), above ours
            raise _too_deep(file, line) from None
        if mark is not None and "\\t" not in problem:
            lines = text.splitlines()
            row = lines[mark.line] if 0 <= mark.line < len(lines) else ""
            if mark.column < len(row) and row[mark.column] == "\t":
                problem += " (the character '\\t', a tab: YAML indents with spaces)"
        raise ModelError(f"YAML syntax error{column}: {problem}", file=file, line=line) from None
    except yaml.YAMLError as exc:
        raise ModelError(f"YAML syntax error: {exc}", file=file) from None
    finally:
        loader.dispose()


def load_yaml_file(path: str | Path) -> Any:
    """Read and parse a YAML (or JSON) file; see :func:`load_yaml_text`.

    Raises
    ------
    ModelError
        If the file cannot be read, is not UTF-8 text, or does not parse.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ModelError(f"expected UTF-8 text, got undecodable bytes ({exc.reason})",
                         file=str(path)) from None
    except OSError as exc:
        raise ModelError(f"cannot read the file: {exc.strerror}", file=str(path)) from None
    return load_yaml_text(text, file=str(path))


def plain(value: Any) -> Any:
    """Plain dicts (with text keys) and lists, without the line-tracking containers."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value
