"""BatchPacer: how many records the next poll asks for, so that a batch ends in time."""

from __future__ import annotations

# Why 1 s: what one batch may take between two polls, the wait for the view's lock included.
# Kafka drops a process from its group when its polls are more than the poll interval (6 s,
# ``client.MAX_POLL_INTERVAL_MS``) apart; the group's other processes hold the lock for their
# own batches meanwhile, so 1 s each leaves three processes waiting in turn well inside it,
# and a batch slowed down several times by a loaded machine still fits.
BATCH_TIME_TARGET_S = 1.0
# Why 1,000: the first batch, before any was timed (a few tens of ms for a view).
BATCH_SIZE_START = 1_000
# Why 10: below it the per-batch costs (a transaction, an offset commit) are all there is.
BATCH_SIZE_FLOOR = 10


class BatchPacer:
    """The size of the next batch, from how long the last ones took (pure, no clock).

    A batch that took longer than ``BATCH_TIME_TARGET_S`` shrinks the next one at once to
    what fits the target at the pace measured. A full batch that took less grows the next one
    towards what fits, at most doubling, up to ``size_max``. A partial batch (the poll found
    fewer records) that took less changes nothing: its per-batch costs say little of the
    pace.
    """

    def __init__(self, size_max: int, target_s: float = BATCH_TIME_TARGET_S) -> None:
        if size_max < 1:
            raise ValueError(f"size_max {size_max} must be at least 1")
        self.size_max = size_max
        self.target_s = target_s
        self.size = min(BATCH_SIZE_START, size_max)
        """Records the next poll asks for."""

    def measured(self, records: int, seconds: float) -> int:
        """Take the last batch's ``records`` and ``seconds``; the next batch's size."""
        if records <= 0:
            return self.size
        fitting = int(records * self.target_s / max(seconds, 1e-6))
        if seconds > self.target_s:
            size = fitting
        elif records >= self.size:
            size = min(fitting, 2 * self.size)
        else:
            size = self.size
        self.size = max(min(size, self.size_max), min(BATCH_SIZE_FLOOR, self.size_max))
        return self.size
