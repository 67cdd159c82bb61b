"""Tables drawn by rich, in the run's language (progress bars: ``infra.cli.progress``).

On a terminal: bold headers, columns fitted to the window. In a pipe or a CI log: plain text
without colours, never wrapped, without trailing blanks.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Sequence
from typing import IO, Any

from rich import box
from rich.console import Console
from rich.table import Table

UNWRAPPED_WIDTH = 1_000
"""Columns given to rich off a terminal: a table in a log or a pipe is never wrapped."""


def console(stream: IO[str]) -> Console:
    """A rich console on ``stream``: live on a terminal, plain and unwrapped elsewhere."""
    if stream.isatty():
        return Console(file=stream, highlight=False, emoji=False, markup=False)
    return Console(file=stream, width=UNWRAPPED_WIDTH, color_system=None, highlight=False,
                   emoji=False, markup=False)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]],
                right: Sequence[int] = (), *, title: str | None = None,
                empty: str | None = None) -> None:
    """Print rows under headers (``right``: right-aligned column indexes); see
    ``infra.cli.support.print_table``."""
    out = sys.stdout
    if title:
        out.write(title + "\n")
    if not rows and empty is not None:
        out.write(f"  {empty}\n")
        return
    live = out.isatty()
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True,
                  header_style="bold" if live else "", safe_box=not live)
    for index, header in enumerate(headers):
        table.add_column(header, justify="right" if index in right else "left",
                         no_wrap=not live, overflow="fold")
    for row in rows:
        table.add_row(*(str(cell) for cell in row))
    if live:
        console(out).print(table)
        return
    # Off a terminal, render to text and strip the padding rich leaves at line ends.
    buffer = io.StringIO()
    console(buffer).print(table)
    out.write("".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines()))
