"""Reading YAML (and JSON) model files with line numbers and without YAML 1.1 surprises.

YAML 1.1 reads bare ``yes``/``no``/``on``/``off`` as booleans, which would turn
``states: [no, yes]`` into ``[False, True]``. The loader here follows YAML 1.2 instead: only
``true`` and ``false`` are booleans, so ``no`` and ``yes`` stay the strings an analyst wrote.
Mappings and lists come back as :class:`Mapping` and :class:`Sequence` subclasses that remember
the line of each entry, so that validation messages can point at the line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from .errors import ModelError

__all__ = ["LineDict", "LineList", "load_yaml_text", "load_yaml_file", "line_of"]


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


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans and line tracking."""


# Drop the YAML 1.1 boolean resolver (yes/no/on/off) and keep only true/false.
_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise ModelError(
                f"expected a plain key, got {type(key).__name__}",
                line=key_node.start_mark.line + 1,
            ) from None
        if key in out:
            raise ModelError(
                f"duplicate key {key!r} in the same mapping", line=key_node.start_mark.line + 1
            )
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    out = LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


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
        The parsed document, with :class:`LineDict` and :class:`LineList` containers.

    Raises
    ------
    ModelError
        On a syntax error, with its line and column.
    """
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader derives from SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = f", column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "invalid YAML"
        raise ModelError(f"YAML syntax error{column}: {problem}", file=file, line=line) from None
    except yaml.YAMLError as exc:
        raise ModelError(f"YAML syntax error: {exc}", file=file) from None


def load_yaml_file(path: str | Path) -> Any:
    """Read and parse a YAML (or JSON) file; see :func:`load_yaml_text`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ModelError(f"expected UTF-8 text, got undecodable bytes ({exc.reason})",
                         file=str(path)) from None
    except OSError as exc:
        raise ModelError(f"cannot read the file: {exc.strerror}", file=str(path)) from None
    return load_yaml_text(text, file=str(path))
