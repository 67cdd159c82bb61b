"""No file of the service's own code in ``infra/`` grows past 500 lines (issue 10's rule):
a module that long holds several things, and each should say in one line what it owns."""

from __future__ import annotations

from pathlib import Path

import infra

INFRA = Path(infra.__file__).parent
LINES_MAX = 500
SUFFIXES = (".py", ".js", ".css", ".html")
"""Source the project writes; vendored or generated files would be listed here if any."""


def test_no_file_in_infra_exceeds_five_hundred_lines() -> None:
    """Each source file in infra/ has at most 500 lines; the longer ones are listed."""
    long = sorted(f"{path.relative_to(INFRA.parent)}: {count} lines"
                  for path in INFRA.rglob("*") if path.suffix in SUFFIXES
                  and (count := len(path.read_text(encoding="utf-8").splitlines()))
                  > LINES_MAX)
    assert long == []
