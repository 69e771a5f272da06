"""One error hierarchy: every error class in influence/errors.py, each an InfluenceError and
the standard exception it is a kind of; lookups of unknown names."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import influence
from influence import errors

ROOT = Path(__file__).resolve().parents[1]

#: Each error class and the standard exception it also is.
STANDARD_BASE = {
    "ModelError": ValueError,
    "ModelNotFoundError": LookupError,
    "QueryError": ValueError,
    "UnknownNameError": LookupError,
    "ArgumentTypeError": TypeError,
    "EvidenceError": ValueError,
    "PosteriorError": ValueError,
    "TooLargeError": ValueError,
    "OutputError": OSError,
    "DrawingError": RuntimeError,
    "DrawingFormatError": ValueError,
    "GraphvizNotFoundError": RuntimeError,
    "CommandUnavailableError": RuntimeError,
    "MissingDependencyError": ImportError,
}


def _classes_outside_errors_py() -> list[str]:
    found = []
    for folder in ("influence", "cli"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == ROOT / "influence" / "errors.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                bases = [ast.unparse(b) for b in getattr(node, "bases", [])]
                if isinstance(node, ast.ClassDef) and any(
                        b.endswith(("Error", "Exception", "Warning")) for b in bases):
                    found.append(f"{path.relative_to(ROOT)}: {node.name}")
    return found


def test_every_error_and_warning_class_is_defined_in_errors_py() -> None:
    assert _classes_outside_errors_py() == []


def test_every_error_is_an_influence_error_and_a_standard_one() -> None:
    defined = {name for name, obj in inspect.getmembers(errors, inspect.isclass)
               if issubclass(obj, errors.InfluenceError) and obj is not errors.InfluenceError}
    assert defined == set(STANDARD_BASE)
    for name, base in STANDARD_BASE.items():
        cls = getattr(errors, name)
        assert issubclass(cls, base), name
        assert getattr(influence, name) is cls  # exported from the package
        assert name in influence.__all__ and name in errors.__all__
    assert issubclass(influence.ConvergenceWarning, UserWarning)


def test_exit_codes() -> None:
    assert errors.QueryError.exit_code == errors.UnknownNameError.exit_code == 2
    assert errors.DrawingFormatError.exit_code == 2
    assert errors.OutputError.exit_code == errors.GraphvizNotFoundError.exit_code == 1


def test_an_output_error_keeps_its_message_and_place() -> None:
    err = errors.OutputError("cannot write x.json: No space left on device", file="x.json")
    assert str(err) == "x.json: cannot write x.json: No space left on device"
    assert (err.file, err.detail) == ("x.json", "cannot write x.json: No space left on device")
    assert err.errno is None


@pytest.fixture(scope="module")
def oil() -> influence.Evaluation:
    return influence.evaluate(influence.load("oil-wildcatter"))


def test_an_unknown_policy_lists_the_policies(oil: influence.Evaluation) -> None:
    assert oil.policy("drill-blind").expected_utility == pytest.approx(20.0)
    with pytest.raises(LookupError) as info:
        oil.policy("drill")
    err = info.value
    assert isinstance(err, errors.UnknownNameError) and isinstance(err, ValueError)
    assert str(err) == ("expected one of the policies of 'oil-wildcatter' (drill-blind, "
                        "test-and-follow, do-nothing), got 'drill' (did you mean "
                        "'drill-blind'?)")
    assert err.parameter == "policy_id"


def test_an_unknown_decision_lists_the_decisions(oil: influence.Evaluation) -> None:
    assert oil.decision("test").rules[0].choose == "yes"
    with pytest.raises(errors.QueryError) as info:  # the callers' `except ValueError` holds
        oil.decision("tset")
    assert isinstance(info.value, LookupError)
    assert str(info.value) == ("expected one of the decisions of 'oil-wildcatter' (test, "
                               "drill), got 'tset' (did you mean 'test'?)")
