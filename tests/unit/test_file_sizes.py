"""No file of projections/ and infra/ grows past 500 lines, and no function there past 70
(issue 10's rule): a module that long holds several things, and each should say in one line
what it owns; a function that long holds several steps, and each should have its name."""

from __future__ import annotations

import ast
from pathlib import Path

import infra
import projections

INFRA = Path(infra.__file__).parent
PROJECTIONS = Path(projections.__file__).parent
ROOT = INFRA.parent
LINES_MAX = 500
SUFFIXES = (".py", ".js", ".css", ".html")
"""Source the project writes (the vendored axe-core lives with the tests, not here)."""
NOT_YET = (INFRA / "demo",)
"""Folders still being split (the seeded demo territory): checked once they are."""


def sources(*folders: Path, suffixes: tuple[str, ...] = SUFFIXES) -> list[Path]:
    """The project's source files under ``folders``, outside ``NOT_YET``."""
    return sorted(path for folder in folders for path in folder.rglob("*")
                  if path.suffix in suffixes
                  and not any(path.is_relative_to(skipped) for skipped in NOT_YET))


def test_no_file_of_the_views_and_of_infra_exceeds_five_hundred_lines() -> None:
    """Each source file under projections/ and infra/ has at most 500 lines; the longer ones
    are listed."""
    long = [f"{path.relative_to(ROOT)}: {count} lines"
            for path in sources(PROJECTIONS, INFRA)
            if (count := len(path.read_text(encoding="utf-8").splitlines())) > LINES_MAX]
    assert long == []


FUNCTION_LINES_MAX = 70
"""A function longer than this holds several steps (a page builder, several sections): each
should be its own function."""


def test_no_function_of_the_views_and_of_infra_exceeds_seventy_lines() -> None:
    """Each function of projections/ and infra/ has at most 70 lines (the work pages' among
    them); the longer ones are listed."""
    long = []
    for path in sources(PROJECTIONS, INFRA, suffixes=(".py",)):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                count = (node.end_lineno or node.lineno) - node.lineno + 1
                if count > FUNCTION_LINES_MAX:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: "
                                f"{count} lines")
    assert long == []
