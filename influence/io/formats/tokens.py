"""A tokenizer and a cursor for the C-like text formats: HUGIN NET, Netica DNE and BIF.

The three share their lexical shape: identifiers, numbers, double-quoted strings, and the
punctuation ``{ } ( ) [ ] ; = , |``. They differ in comments (``%`` to the end of the line in
NET; ``//`` and ``/* */`` in DNE and BIF), which :func:`tokenize` takes as an argument. Numbers
may be written in any layout (``1``, ``-0.5``, ``.25``, ``1e-3``, ``1.0E+2``), on as many
lines as the author liked. Every token keeps its line, for messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ...errors import ModelError

__all__ = ["Token", "tokenize", "Cursor", "NUMBER", "WORD", "STRING", "PUNCT"]

NUMBER, WORD, STRING, PUNCT = "number", "word", "string", "punct"

_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![A-Za-z_?])")
_WORD = re.compile(r"[A-Za-z_0-9][A-Za-z0-9_.\-?'$]*")
_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'"}


@dataclass(frozen=True)
class Token:
    """One token: its kind, its text (the decoded value for a string) and its line."""

    kind: str
    text: str
    line: int

    @property
    def number(self) -> float:
        """The value of a number token."""
        return float(self.text)


def _string(text: str, start: int, line: int, file: str | None) -> tuple[str, int, int]:
    """Decode the string starting at ``text[start] == '"'``; returns (value, end, lines)."""
    out: list[str] = []
    i = start + 1
    lines = 0
    while i < len(text):
        c = text[i]
        if c == '"':
            return "".join(out), i + 1, lines
        if c == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "\n":  # a line continued (Netica)
                lines += 1
            else:
                out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        if c == "\n":
            lines += 1
        out.append(c)
        i += 1
    raise ModelError(f"expected a closing '\"' for the string opened on line {line}, got the end "
                     "of the file", file=file, line=line)


def tokenize(text: str, *, comments: Sequence[str] = ("%",),
             file: str | None = None) -> Iterator[Token]:
    """The tokens of ``text``.

    Parameters
    ----------
    text : str
        The whole file.
    comments : sequence of str
        Comment openers: ``"%"`` and ``"//"`` run to the end of the line, ``"/*"`` to ``*/``.
    file : str, optional
        For messages.

    Raises
    ------
    ModelError
        On an unterminated string or comment.
    """
    i, line, n = 0, 1, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
            continue
        if c.isspace() or c == "\ufeff":
            i += 1
            continue
        opener = next((o for o in comments if text.startswith(o, i)), None)
        if opener == "/*":
            end = text.find("*/", i + 2)
            if end < 0:
                raise ModelError(f"expected '*/' to close the comment opened on line {line}, "
                                 "got the end of the file", file=file, line=line)
            line += text.count("\n", i, end)
            i = end + 2
            continue
        if opener is not None:
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        if c == '"':
            value, i, lines = _string(text, i, line, file)
            yield Token(STRING, value, line)
            line += lines
            continue
        match = _NUMBER.match(text, i)
        if match:
            yield Token(NUMBER, match.group(), line)
            i = match.end()
            continue
        match = _WORD.match(text, i)
        if match:
            yield Token(WORD, match.group(), line)
            i = match.end()
            continue
        # Punctuation, and any other character (operators of expressions a reader skips).
        yield Token(PUNCT, c, line)
        i += 1


class Cursor:
    """Reads tokens one at a time, with messages naming the line."""

    def __init__(self, tokens: Sequence[Token], file: str | None) -> None:
        self.tokens = list(tokens)
        self.i = 0
        self.file = file

    @property
    def line(self) -> int | None:
        if self.i < len(self.tokens):
            return self.tokens[self.i].line
        return self.tokens[-1].line if self.tokens else None

    def error(self, message: str, node: str | None = None) -> ModelError:
        return ModelError(message, file=self.file, node=node, line=self.line)

    def at_end(self) -> bool:
        return self.i >= len(self.tokens)

    def peek(self, ahead: int = 0) -> Token | None:
        j = self.i + ahead
        return self.tokens[j] if j < len(self.tokens) else None

    def found(self) -> str:
        tok = self.peek()
        if tok is None:
            return "the end of the file"
        return {STRING: f'the string "{tok.text}"', NUMBER: f"the number {tok.text}"}.get(
            tok.kind, f"'{tok.text}'")

    def next(self, what: str = "more") -> Token:
        tok = self.peek()
        if tok is None:
            raise self.error(f"expected {what}, got the end of the file")
        self.i += 1
        return tok

    def is_punct(self, char: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.kind == PUNCT and tok.text == char

    def accept(self, char: str) -> bool:
        if self.is_punct(char):
            self.i += 1
            return True
        return False

    def expect(self, char: str, node: str | None = None) -> None:
        if not self.accept(char):
            raise self.error(f"expected '{char}', got {self.found()}", node=node)

    def name(self, what: str = "a name", node: str | None = None) -> str:
        """A word, a string or a number read as text (state names may be any of them)."""
        tok = self.peek()
        if tok is None or tok.kind == PUNCT:
            raise self.error(f"expected {what}, got {self.found()}", node=node)
        self.i += 1
        return tok.text

    def number(self, node: str | None = None) -> float:
        tok = self.peek()
        if tok is None or tok.kind != NUMBER:
            raise self.error(f"expected a number, got {self.found()}", node=node)
        self.i += 1
        return tok.number

    def skip_value(self) -> None:
        """Skip one value: a token, or a bracketed group with everything inside."""
        tok = self.next("a value")
        if tok.kind == PUNCT and tok.text in "({[":
            closing = {"(": ")", "{": "}", "[": "]"}[tok.text]
            depth = 1
            opened = tok.line
            while depth:
                if self.at_end():
                    raise ModelError(f"expected '{closing}' to close the '{tok.text}' opened on "
                                     f"line {opened}, got the end of the file", file=self.file,
                                     line=opened)
                t = self.next()
                if t.kind == PUNCT and t.text in "({[":
                    depth += 1
                elif t.kind == PUNCT and t.text in ")}]":
                    depth -= 1
