"""No file of projections/, consumers/ and infra/ grows past 500 lines (a domain/ stream
module with its nested events past 700), and no function anywhere past 70 (issue 10's rule):
a module that long holds several things, and each should say in one line what it owns; a
function that long holds several steps, and each should have its name."""

from __future__ import annotations

import ast
from pathlib import Path

import consumers
import domain
import infra
import projections

INFRA = Path(infra.__file__).parent
PROJECTIONS = Path(projections.__file__).parent
CONSUMERS = Path(consumers.__file__).parent
DOMAIN = Path(domain.__file__).parent
ROOT = INFRA.parent
LINES_MAX = 500
DOMAIN_LINES_MAX = 700
SUFFIXES = (".py", ".js", ".css", ".html")
"""Source the project writes (the vendored axe-core lives with the tests, not here)."""


def sources(*folders: Path, suffixes: tuple[str, ...] = SUFFIXES) -> list[Path]:
    """The project's source files under ``folders``."""
    return sorted(path for folder in folders for path in folder.rglob("*")
                  if path.suffix in suffixes)


def longer_than(folders: tuple[Path, ...], lines_max: int) -> list[str]:
    """The files under ``folders`` longer than ``lines_max``, with their length."""
    return [f"{path.relative_to(ROOT)}: {count} lines"
            for path in sources(*folders)
            if (count := len(path.read_text(encoding="utf-8").splitlines())) > lines_max]


def test_no_file_of_the_views_consumers_and_infra_exceeds_five_hundred_lines() -> None:
    """Each source file under projections/, consumers/ and infra/ has at most 500 lines."""
    assert longer_than((PROJECTIONS, CONSUMERS, INFRA), LINES_MAX) == []


def test_no_domain_module_exceeds_seven_hundred_lines() -> None:
    """A domain stream module with its nested events has at most 700 lines."""
    assert longer_than((DOMAIN,), DOMAIN_LINES_MAX) == []


FUNCTION_LINES_MAX = 70
"""A function longer than this holds several steps (a page builder, several sections): each
should be its own function."""


def test_no_function_exceeds_seventy_lines() -> None:
    """Each function of domain/, projections/, consumers/ and infra/ has at most 70 lines;
    the longer ones are listed."""
    long = []
    for path in sources(DOMAIN, PROJECTIONS, CONSUMERS, INFRA, suffixes=(".py",)):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                count = (node.end_lineno or node.lineno) - node.lineno + 1
                if count > FUNCTION_LINES_MAX:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: "
                                f"{count} lines")
    assert long == []
