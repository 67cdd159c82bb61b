"""A small reader of server-sent events for the tests."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

EVENTS_MAX = 1_000  # Frames one read loop takes before giving up: far beyond any test.


@dataclass
class Frame:
    """One SSE message."""

    event: str
    id: int | None
    data: Any


def frames(response: httpx.Response) -> Iterator[Frame]:
    """Messages of an SSE response as they arrive (comments skipped)."""
    event, event_id, data = "message", None, []
    for line in response.iter_lines():
        if line == "":
            if data:
                yield Frame(event, event_id, json.loads("\n".join(data)))
            event, event_id, data = "message", None, []
            continue
        if line.startswith(":"):
            continue
        field, _, raw = line.partition(":")
        raw = raw.removeprefix(" ")
        if field == "event":
            event = raw
        elif field == "id":
            event_id = int(raw)
        elif field == "data":
            data.append(raw)


def wait_for_frame(response: httpx.Response, matches: Callable[[Frame], bool],
                   timeout_s: float) -> tuple[Frame, float]:
    """The first frame that matches, and the seconds it took (AssertionError on timeout)."""
    started = time.perf_counter()
    for count, frame in enumerate(frames(response)):
        if matches(frame):
            return frame, time.perf_counter() - started
        if count >= EVENTS_MAX or time.perf_counter() - started > timeout_s:
            break
    raise AssertionError(f"no matching frame within {timeout_s} s")
