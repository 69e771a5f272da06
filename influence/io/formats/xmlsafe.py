"""Parsing XML from files of other tools, safely.

XML files are parsed with ``defusedxml``: a document type declaration with entities (the
"billion laughs" expansion), external entities and external DTDs are refused before anything is
expanded or fetched, so that opening an untrusted ``.xdsl`` or ``.bifxml`` file can neither
exhaust memory nor read local files or the network. The standard library's parser alone expands
internal entities; ``defusedxml`` wraps it and refuses them.
"""

from __future__ import annotations

from pathlib import Path
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from ...errors import ModelError

__all__ = ["parse_xml", "children", "text_of"]


def parse_xml(path: str | Path, data: bytes | None = None) -> Element:
    """The root element of the XML file ``path`` (or of ``data``).

    Raises
    ------
    ModelError
        On malformed XML (with the line) or on entity declarations and external references.
    """
    file = str(path)
    if data is None:
        data = Path(path).read_bytes()
    try:
        return fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ModelError(f"expected plain XML, got {type(exc).__name__} ({exc}): entity "
                         "declarations and external references are refused", file=file) from None
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        raise ModelError(f"expected well-formed XML, got {exc}", file=file, line=line) from None


def local(tag: str) -> str:
    """A tag without its namespace: ``{uri}cpt`` -> ``cpt``."""
    return tag.rsplit("}", 1)[-1]


def children(element: Element, tag: str) -> list[Element]:
    """The direct children of ``element`` called ``tag`` (any case, any namespace)."""
    return [c for c in element if local(c.tag).lower() == tag.lower()]


def text_of(element: Element | None) -> str:
    """The stripped text of an element ("" for none)."""
    if element is None or element.text is None:
        return ""
    return element.text.strip()
