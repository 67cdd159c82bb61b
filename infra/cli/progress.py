"""Progress bars drawn by rich on stderr, in the run's language.

On a terminal the bars are redrawn live; in a pipe or a CI log each is drawn once, finished.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, Progress, ProgressColumn, Task, TaskID, TextColumn
from rich.text import Text

from infra.cli import words
from infra.cli.output import console
from infra.cli.words import t

PROGRESS_REFRESH_PER_S = 5  # Redraw live bars five times a second: smooth, and cheap.


class Figures(ProgressColumn):
    """Percentage, position out of total and events per second, in the run's language."""

    def render(self, task: Task) -> Text:
        """The figures of ``task``."""
        elapsed_s = task.elapsed or 0.0
        applied = int(task.fields.get("applied", 0))
        return Text(t("{percent}  {position}/{total}  {rate} events/s",
                      percent=words.fraction(task.percentage / 100),
                      position=words.number(int(task.completed)),
                      total=words.number(int(task.total or 0)),
                      rate=words.rate(applied / max(elapsed_s, 1e-9))))


class ProgressBars:
    """One progress bar per task, with the events it applied and its events per second."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.started: dict[TaskID, float] = {}
        self.applied: dict[TaskID, int] = {}

    def add(self, label: str, total: int) -> TaskID:
        """A new bar for ``total`` positions."""
        task = self.progress.add_task(label, total=max(total, 1), applied=0)
        self.started[task] = time.perf_counter()
        self.applied[task] = 0
        return task

    def update(self, task: TaskID, position: int, applied: int) -> None:
        """Move the bar to ``position``, counting ``applied`` more events."""
        self.applied[task] += applied
        self.progress.update(task, completed=position, applied=self.applied[task])

    def finish(self, task: TaskID) -> tuple[int, float]:
        """Fill the bar; the events applied and the seconds it took."""
        total = next(item.total for item in self.progress.tasks if item.id == task)
        self.progress.update(task, completed=total)
        self.progress.stop_task(task)
        return self.applied[task], time.perf_counter() - self.started[task]


@contextmanager
def progress_bars() -> Iterator[ProgressBars]:
    """Progress bars on stderr: redrawn on a terminal, drawn once at the end elsewhere."""
    progress = Progress(TextColumn("{task.description:<9}"), BarColumn(), Figures(),
                        console=console(sys.stderr),
                        refresh_per_second=PROGRESS_REFRESH_PER_S)
    with progress:
        yield ProgressBars(progress)
