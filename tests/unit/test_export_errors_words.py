"""Why an export cannot be made is said in the reader's language: every template an export
raises has its French text with the same placeholders, and the command line fills it."""

from __future__ import annotations

import ast
from pathlib import Path

from infra.cli.words import FRENCH, said, use_language
from infra.exports.errors import HistoryError
from tests.unit.test_cli_words import (  # noqa: F401 - french_afterwards: a fixture.
    french_afterwards,
    literal_first_arguments,
    placeholders,
)

EXPORTS = Path(__file__).resolve().parents[2] / "infra" / "exports"


def templates_in_exports() -> dict[str, str]:
    """Every literal ``HistoryError("...")`` template in ``infra/exports``, with its file."""
    return literal_first_arguments(EXPORTS, "HistoryError")


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
