"""Shared by the tests that run the console examples of the docs and the model card."""

from __future__ import annotations


def assert_in_order(shown: list[str], printed: list[str]) -> None:
    """Every line ``shown`` in a documented example is ``printed``, in that order; ``...`` in
    the example stands for lines left out."""
    position = 0
    for line in shown:
        if line == "...":
            continue
        while position < len(printed) and printed[position] != line:
            position += 1
        assert position < len(printed), f"not printed (in this order): {line!r}"
        position += 1
