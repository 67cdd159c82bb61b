"""No file of the API, the work pages and the dashboard grows past 500 lines (issue 10's
rule for infra/): a module that long holds several things, and each should say in one line
what it owns."""

from __future__ import annotations

import ast
from pathlib import Path

import infra.api

API = Path(infra.api.__file__).parent
LINES_MAX = 500
SUFFIXES = (".py", ".js", ".css", ".html")
"""Source the project writes (the vendored axe-core lives with the tests, not here)."""


def test_no_file_of_the_api_and_pages_exceeds_five_hundred_lines() -> None:
    """Each source file under infra/api/ has at most 500 lines; the longer ones are listed."""
    long = sorted(f"{path.relative_to(API.parents[1])}: {count} lines"
                  for path in API.rglob("*") if path.suffix in SUFFIXES
                  and (count := len(path.read_text(encoding="utf-8").splitlines()))
                  > LINES_MAX)
    assert long == []


FUNCTION_LINES_MAX = 70
"""A page builder longer than this holds several sections: each should be its own function."""


def test_no_function_of_the_work_pages_exceeds_seventy_lines() -> None:
    """Each function of infra/api/pages/ has at most 70 lines; the longer ones are listed."""
    long = []
    for path in sorted((API / "pages").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                count = (node.end_lineno or node.lineno) - node.lineno + 1
                if count > FUNCTION_LINES_MAX:
                    long.append(f"{path.name}:{node.lineno} {node.name}: {count} lines")
    assert long == []
