"""Small helpers shared by every validator and renderer: near-miss suggestions, how a found
value is described in an "expected X, got Y" message, and the escaping of text read from files
before it is printed."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["suggest", "describe", "printable", "printable_text", "json_printable", "excerpt",
           "quote"]

#: Characters a terminal acts on rather than shows: the C0 and C1 controls (escape, carriage
#: return, backspace, newline, ...), DEL, the line and paragraph separators, and the
#: bidirectional overrides and isolates (which reorder what is shown).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
#: The same without the newline: what a multi-line report may keep.
_CONTROL_BUT_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e"
                                  "\u2066-\u2069]")
#: What JSON text written without ``ensure_ascii`` may still hold raw (json.dumps escapes the
#: C0 controls itself).
_JSON_RAW = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}

#: How many characters of a text a message quotes.
_EXCERPT = 80
#: Integers longer than this (in bits; about 300 digits) are described by their length, not
#: written out (Python refuses to write integers of more than 4,300 digits as text).
_BIG_INT_BITS = 1000
_DIGITS_PER_BIT = 0.30103


def suggest(word: Any, options: Iterable[Any]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``options`` to ``word``, or ``""``."""
    close = difflib.get_close_matches(str(word), [str(o) for o in options], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def describe(value: Any) -> str:
    """How a found value reads in a message: ``text 'x'``, ``boolean true``, ``a list of 3``.

    Long texts are cut (see :func:`excerpt`) and very long integers given by their length.
    """
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"text {quote(value)}"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return f"a list of {len(value)}"
    if isinstance(value, int) and value.bit_length() > _BIG_INT_BITS:
        return f"an integer of about {int(value.bit_length() * _DIGITS_PER_BIT) + 1} digits"
    return f"{type(value).__name__} {excerpt(repr(value))}"


# -- printing text that came from a file -------------------------------------------------------


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: Any) -> str:
    """``text`` (any value, as its ``str``) with every control character written as Python
    writes it in a string literal (``\\x1b``, ``\\n``, ``\\u202e``), so that a name, label or
    message read from a file prints as one line and cannot move the cursor, change colours or
    fake another line. Ordinary Unicode is kept; a text without control characters comes back
    unchanged (so escaping twice changes nothing).

    Examples
    --------
    >>> printable("oil\\x1b[31m")
    'oil\\\\x1b[31m'
    >>> printable("Pétrole 油")
    'Pétrole 油'
    """
    text = str(text)
    return _CONTROL.sub(_escape, text) if _CONTROL.search(text) else text


def printable_text(text: str) -> str:
    """A multi-line report with every control character but the newline escaped, as
    :func:`printable` does: the last guard of a text renderer, whose fields are escaped one by
    one already."""
    return _CONTROL_BUT_NEWLINE.sub(_escape, text) if _CONTROL_BUT_NEWLINE.search(text) else text


def json_printable(text: str) -> str:
    """JSON text (from ``json.dumps(..., ensure_ascii=False)``) with the control characters
    json.dumps leaves raw (DEL, the C1 controls, line separators, bidirectional overrides)
    written as ``\\uXXXX`` escapes: the same JSON value, safe to print. Outside strings, JSON
    text holds none of them."""
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def quote(text: Any, limit: int = _EXCERPT) -> str:
    """``repr`` of at most ``limit`` characters of ``text`` (which escapes its control
    characters), followed by ``...`` where it was cut: how a message quotes a value it found.

    Examples
    --------
    >>> quote("oil")
    "'oil'"
    >>> quote("x" * 100, limit=3)
    "'xxx'..."
    """
    text = str(text)
    return repr(text[:limit]) + ("..." if len(text) > limit else "")


def excerpt(text: Any, limit: int = _EXCERPT) -> str:
    """At most ``limit`` characters of ``text``, escaped with :func:`printable`, with ``...``
    where it was cut: how a message quotes content it could not read."""
    text = str(text)
    short = text[:limit] + ("..." if len(text) > limit else "")
    return printable(short)
