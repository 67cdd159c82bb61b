"""Why an export cannot be made is said in the reader's language: every template an export
raises has its French text with the same placeholders, and the command line fills it."""

from __future__ import annotations

import ast
import string
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.cli.words import FRENCH, said, use_language
from infra.exports.errors import HistoryError

EXPORTS = Path(__file__).resolve().parents[2] / "infra" / "exports"


@pytest.fixture(autouse=True)
def french_afterwards() -> Iterator[None]:
    """Each test leaves the words in French, as a run without locale variables has them."""
    yield
    use_language("fr", {})


def templates_in_exports() -> dict[str, str]:
    """Every literal ``HistoryError("...")`` template in ``infra/exports``, with its file."""
    found: dict[str, str] = {}
    for path in sorted(EXPORTS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "HistoryError" and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                found.setdefault(node.args[0].value, path.name)
    return found


def placeholders(template: str) -> set[str]:
    """The ``{names}`` of a format template."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_exports_raise_templates_not_formatted_text() -> None:
    """No export formats its refusal itself: the language would be lost."""
    for path in sorted(EXPORTS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "HistoryError" and node.args):
                assert isinstance(node.args[0], ast.Constant), (
                    f"{path.name}:{node.lineno}: HistoryError takes a template and fields")


def test_every_export_refusal_has_its_french_text() -> None:
    templates = templates_in_exports()
    assert len(templates) >= 10
    for template, file in templates.items():
        assert template in FRENCH, f"{file}: no French text for {template!r}"
        assert placeholders(FRENCH[template]) == placeholders(template), template


def test_a_refusal_is_said_in_each_language() -> None:
    error = HistoryError("member {name} is not a funder (it is: {kind})", name="Épicerie",
                         kind="outlet")
    assert str(error) == "member Épicerie is not a funder (it is: outlet)"
    assert isinstance(error, ValueError)
    use_language("fr", {})
    assert said(error.template, error.fields) == (
        "le membre Épicerie n'est pas un financeur (c'est : structure)")
    use_language("en", {})
    assert said(error.template, error.fields) == "member Épicerie is not a funder (it is: outlet)"
