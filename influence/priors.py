"""Priors on probability rows and utility values (placeholder until the Bayesian layer lands)."""

from __future__ import annotations

from typing import Any

from .errors import ModelError


def parse_prior_spec(raw: Any, *, kind: str, states: tuple[str, ...], file: str | None,
                     node: str, field: str, line: int | None, where: str = "") -> Any:
    """Parse a `prior` entry of a model file."""
    raise ModelError(f"{where}priors are not supported yet", file=file, node=node, field=field,
                     line=line)
