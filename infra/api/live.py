"""The dashboard's live feed: server-sent events that follow the event store.

One task per app reads new notifications (woken at once by a command the app handled, else
every ``POLL_INTERVAL_S`` so writes by other processes show up too), waits until the stock
view has applied them, and sends each connected client one message per batch and kind:

- ``stock``: for every (site, product) the batch touched, the full current lines of that
  group with their states, its totals and what is on the road from it, per delivery (so a
  client replaces the group: lots that left stock simply disappear); a producer gets its
  own lots only, totals recounted from them;
- ``governance``: proposals, votes, colleges or rules changed (the client refetches them);
- ``balances``: transfers were recorded (the client refetches them);
- ``reset``: the client fell too far behind to catch up message by message: reload.

Each message's SSE ``id`` is the notification id it brings the client up to. A browser that
reconnects sends it back as ``Last-Event-ID`` and gets what it missed (the groups touched
since, at their current state), then the live messages: nothing is lost or applied out of
order. The first connection passes the stock snapshot's ``position`` as ``?after=``.

Every loop and queue is bounded: a client that cannot keep up (its queue is full) is
disconnected and resumes through ``Last-Event-ID``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any
from uuid import UUID

import anyio.to_thread
import msgspec
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import Notification
from litestar import Request, get
from litestar.openapi.spec import Example
from litestar.params import QueryParameter
from litestar.response import ServerSentEvent, ServerSentEventMessage

from domain.lots import Lot
from infra.api.access import Caller
from infra.api.errors import COMMON_ERRORS
from infra.api.policy import Scope
from infra.logs import get_logger
from infra.metrics import LIVE_FEED_POSITION, SSE_CLIENTS, SSE_MESSAGES
from projections.stock_lines import totals_of

log = get_logger("cocagne.api.live")

POLL_INTERVAL_S = 0.1
"""Idle wait between polls for writes made by other processes (the CLI, another server):
well inside the dashboard's one-second freshness target, at ten ``MAX(id)`` per second."""
BATCH_NOTIFICATIONS_MAX = 2_000  # Notifications read per step: a few hundred kB in memory.
STEPS_PER_WAKE_MAX = 50  # Batches per wake-up before yielding to other work: 100k events.
REPLAY_NOTIFICATIONS_MAX = 20_000
"""A reconnecting client further behind than this gets ``reset`` (reload the snapshot):
re-describing more would take longer than reloading the page's data."""
SUBSCRIBER_QUEUE_MAX = 256
"""Messages waiting for one client: at one message per batch, minutes of activity; a client
this far behind is disconnected and resumes with Last-Event-ID."""
HEARTBEAT_S = 15.0  # A comment line this often keeps proxies from closing an idle stream.
RETRY_MS = 1_000  # How soon the browser reconnects after losing the stream.
VIEW_WAIT_S = 2.0  # How long a batch waits for the stock view before describing anyway.
ERROR_BACKOFF_S_MAX = 5.0
LOT_CACHE_MAX = 100_000  # Lots whose site and product are remembered (they never change).

STOCK_TOPICS = frozenset({
    Lot.Received.TOPIC, Lot.DonationReceived.TOPIC, Lot.Derived.TOPIC, Lot.Split.TOPIC,
    Lot.MergedInto.TOPIC, Lot.TransformedInto.TOPIC, Lot.Sorted.TOPIC, Lot.Reserved.TOPIC,
    Lot.ReservationReleased.TOPIC, Lot.Dispatched.TOPIC, Lot.Delivered.TOPIC, Lot.Lost.TOPIC,
    Lot.Recalled.TOPIC, Lot.Held.TOPIC, Lot.HoldReleased.TOPIC,
})
"""Events that change a site's stock lines or their states (on hold, recalled, on the road;
distributions change what outlets hold, not what sites hold)."""
GOVERNANCE_STREAMS = frozenset({"proposal", "colleges", "rule_book", "rules", "governance",
                                "basket_programme", "programme"})
BALANCE_STREAMS = frozenset({"transfer", "account", "ledger_account", "budget"})


def stream_kind(topic: str) -> str:
    """The first part of a topic (``lot.received`` → ``lot``), version suffix ignored."""
    return topic.split(".", 1)[0]


@dataclass
class LiveMessage:
    """One message for every client (stock lines are filtered per client at send time)."""

    id: int
    event: str
    payload: dict[str, Any]
    producers: dict[str, str | None] = field(default_factory=dict)
    """Producer of each lot in the payload's lines (to filter a producer's own)."""

    def for_caller(self, own_producer: str | None) -> bytes | None:
        """The message's data for one client (None: nothing for it)."""
        if own_producer is None or self.event != "stock":
            return msgspec.json.encode(self.payload)
        groups = []
        for group in self.payload["groups"]:
            lines = [line for line in group["lines"]
                     if self.producers.get(line.lot_id) == own_producer]
            # What is on the road and the group's totals are a producer's own too: totals
            # recounted from its lines, as GET /api/stock answers it.
            transit = [item for item in group.get("in_transit", [])
                       if self.producers.get(item.lot_id) == own_producer]
            totals = totals_of(lines)
            groups.append({**group, "lines": lines, "in_transit": transit,
                           "total": totals[0] if totals else None})
        return msgspec.json.encode({**self.payload, "groups": groups})


@dataclass(eq=False)
class Subscriber:
    """One connected client."""

    own_producer: str | None
    queue: asyncio.Queue[LiveMessage | None] = field(
        default_factory=lambda: asyncio.Queue(SUBSCRIBER_QUEUE_MAX))
    overflowed: bool = False


class LiveFeed:
    """Follows the store and fans messages out to connected clients."""

    def __init__(self, services: Any, poll_interval_s: float = POLL_INTERVAL_S) -> None:
        self.services = services
        self.poll_interval_s = poll_interval_s
        self.position = 0
        self._subscribers: set[Subscriber] = set()
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._lots: dict[UUID, tuple[str, str, str | None]] = {}

    # -------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Start following from the current head."""
        self._wake = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self.position = await anyio.to_thread.run_sync(self._head)
        LIVE_FEED_POSITION.set(self.position)
        self._task = asyncio.create_task(self._run(), name="live-feed")

    def end_streams(self) -> None:
        """End every client's stream now, from any thread (a server about to stop: uvicorn
        waits for open responses to finish before it shuts the app down)."""
        if self._loop is None:
            return

        def end_all() -> None:
            self._closed = True
            for subscriber in list(self._subscribers):
                self._end(subscriber)

        with contextlib.suppress(RuntimeError):  # The loop has closed: nothing is open.
            self._loop.call_soon_threadsafe(end_all)

    async def close(self) -> None:
        """Stop following and end every client's stream."""
        self._closed = True
        for subscriber in list(self._subscribers):
            self._end(subscriber)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def wake(self) -> None:
        """Read the store now (a command was just handled); safe from any thread or loop."""
        if self._wake is None or self._loop is None:
            return
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            self._wake.set()
            return
        with contextlib.suppress(RuntimeError):  # The feed's loop has closed: nothing to wake.
            self._loop.call_soon_threadsafe(self._wake.set)

    @property
    def clients(self) -> int:
        """Clients connected now."""
        return len(self._subscribers)

    def _head(self) -> int:
        return int(self.services.ledger.recorder.max_notification_id() or 0)

    # -------------------------------------------------------------- following

    async def _run(self) -> None:
        assert self._wake is not None
        backoff_s = self.poll_interval_s
        while not self._closed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_interval_s)
            self._wake.clear()
            try:
                await self._step()
            except Exception as error:  # The feed must outlive one bad batch.
                if self._closed:
                    return  # Shutting down: the store may already be closed.
                log.warning("live feed step failed", error_type=type(error).__name__,
                            error=str(error)[:200])
                backoff_s = min(backoff_s * 2, ERROR_BACKOFF_S_MAX)
                await asyncio.sleep(backoff_s)
                continue
            backoff_s = self.poll_interval_s

    async def _step(self) -> None:
        for _ in range(STEPS_PER_WAKE_MAX):
            if not self._subscribers:
                # Nobody listens: skip describing, just keep up with the head.
                self.position = await anyio.to_thread.run_sync(self._head)
                LIVE_FEED_POSITION.set(self.position)
                return
            notifications = await anyio.to_thread.run_sync(self._select, self.position,
                                                           BATCH_NOTIFICATIONS_MAX)
            if not notifications:
                return
            messages = await anyio.to_thread.run_sync(self.describe, notifications)
            self.position = notifications[-1].id
            LIVE_FEED_POSITION.set(self.position)
            for message in messages:
                self._publish(message)
            if len(notifications) < BATCH_NOTIFICATIONS_MAX:
                return

    def _select(self, after: int, limit: int, stop: int | None = None) -> Sequence[Notification]:
        recorder = self.services.ledger.recorder
        notifications: Sequence[Notification] = recorder.select_notifications(
            after + 1, limit, stop=stop)
        return notifications

    def _publish(self, message: LiveMessage) -> None:
        for subscriber in list(self._subscribers):
            try:
                subscriber.queue.put_nowait(message)
            except asyncio.QueueFull:
                subscriber.overflowed = True
                self._end(subscriber)

    def _end(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)
        with contextlib.suppress(asyncio.QueueFull):
            subscriber.queue.put_nowait(None)

    # -------------------------------------------------------------- messages

    def describe(self, notifications: Sequence[Notification]) -> list[LiveMessage]:
        """The messages a batch of notifications gives (runs in a worker thread)."""
        if not notifications:
            return []
        last_id = notifications[-1].id
        stock_lots: list[UUID] = []
        governance: list[str] = []
        balances = False
        for notification in notifications:
            kind = stream_kind(notification.topic)
            if notification.topic.split("#", 1)[0] in STOCK_TOPICS:
                stock_lots.append(UUID(str(notification.originator_id)))
            elif kind in GOVERNANCE_STREAMS:
                governance.append(str(notification.originator_id))
            elif kind in BALANCE_STREAMS:
                balances = True
        messages: list[LiveMessage] = []
        if stock_lots:
            stock = self._stock_message(last_id, stock_lots)
            if stock is not None:
                messages.append(stock)
        if governance:
            messages.append(LiveMessage(last_id, "governance", {
                "position": last_id, "streams": sorted(set(governance))[:100]}))
        if balances:
            messages.append(LiveMessage(last_id, "balances", {"position": last_id}))
        return messages

    def _stock_message(self, last_id: int, lot_ids: list[UUID]) -> LiveMessage | None:
        stock = self.services.views.stock
        self.services.views.wait_for(last_id, VIEW_WAIT_S, names=["stock"])
        groups: dict[tuple[str, str], None] = {}
        for lot_id in dict.fromkeys(lot_ids):
            place = self._place_of(lot_id)
            if place is not None:
                groups[(place[0], place[1])] = None
        payload_groups = []
        producers: dict[str, str | None] = {}
        for site_id, product in groups:
            lines = stock.lines(site_id=site_id, product=product)
            totals = totals_of(lines)
            transit = stock.in_transit(site_id=site_id, product=product)
            payload_groups.append({"site_id": site_id, "product": product, "lines": lines,
                                   "total": totals[0] if totals else None,
                                   "in_transit": transit})
            producers.update(self._producers([line.lot_id for line in lines]
                                             + [item.lot_id for item in transit]))
        if not payload_groups:
            return None
        return LiveMessage(last_id, "stock", {"position": last_id, "groups": payload_groups},
                           producers)

    def _place_of(self, lot_id: UUID) -> tuple[str, str, str | None] | None:
        """(site id, product, producer id) of a lot; None while it is at no site."""
        cached = self._lots.get(lot_id)
        if cached is not None:
            return cached
        try:
            lot = self.services.ledger.repository.get(lot_id)
        except AggregateNotFoundError:
            return None
        if not isinstance(lot, Lot) or lot.site_id is None:
            return None
        place = (str(lot.site_id), lot.product,
                 str(lot.producer_id) if lot.producer_id else None)
        if len(self._lots) >= LOT_CACHE_MAX:
            self._lots.clear()
        self._lots[lot_id] = place
        return place

    def _producers(self, lot_ids: list[str]) -> dict[str, str | None]:
        found: dict[str, str | None] = {}
        for lot_id in lot_ids:
            place = self._place_of(UUID(lot_id))
            found[lot_id] = place[2] if place else None
        return found

    # -------------------------------------------------------------- clients

    async def subscribe(self, own_producer: str | None, after: int | None,
                        ) -> AsyncIterator[ServerSentEventMessage]:
        """One client's stream: what it missed since ``after``, then live messages."""
        subscriber = Subscriber(own_producer)
        self._subscribers.add(subscriber)
        SSE_CLIENTS.inc()
        try:
            yield ServerSentEventMessage(comment="connected", retry=RETRY_MS, data=None)
            replayed_up_to = self.position
            if after is not None and after < replayed_up_to:
                for missed in await self._catch_up(after, replayed_up_to):
                    yield self._encode(missed, subscriber)
            while True:
                try:
                    message: LiveMessage | None = await asyncio.wait_for(
                        subscriber.queue.get(), HEARTBEAT_S)
                except TimeoutError:
                    yield ServerSentEventMessage(comment="ping", data=None)
                    continue
                if message is None:
                    return
                if message.id <= replayed_up_to and after is not None:
                    continue
                yield self._encode(message, subscriber)
        finally:
            self._subscribers.discard(subscriber)
            SSE_CLIENTS.dec()

    async def _catch_up(self, after: int, until: int) -> list[LiveMessage]:
        if until - after > REPLAY_NOTIFICATIONS_MAX:
            return [LiveMessage(until, "reset", {"position": until,
                                                 "reason": "too far behind: reload"})]
        notifications = await anyio.to_thread.run_sync(
            self._select, after, REPLAY_NOTIFICATIONS_MAX, until)
        if not notifications:
            return []
        return await anyio.to_thread.run_sync(self.describe, notifications)

    @staticmethod
    def _encode(message: LiveMessage, subscriber: Subscriber) -> ServerSentEventMessage:
        SSE_MESSAGES.labels(message.event).inc()
        data = message.for_caller(subscriber.own_producer) or b"{}"
        return ServerSentEventMessage(data=data.decode(), event=message.event, id=message.id)


def last_event_id(request: Request[Any, Any, Any], after: int | None) -> int | None:
    """Where a client resumes: the Last-Event-ID header, else ``?after=``."""
    header = request.headers.get("last-event-id", "").strip()
    if header.isdigit() and len(header) <= 18:
        return int(header)
    return after


@get("/api/live", name="live_events", tags=["stock"], responses=COMMON_ERRORS,
     media_type="text/event-stream", summary="Live stock, governance and balance changes (SSE)",
     description="Server-sent events; each id is a notification id. Resume with the "
                 "Last-Event-ID header, or start after a snapshot with ?after=position.")
async def live_events(request: Request[Any, Any, Any],
                      after: Annotated[int | None, QueryParameter(
                          ge=0, le=2**62, required=False,
                          description="Start after this notification id (a snapshot's "
                                      "position)",
                          examples=[Example(value=1_042)])] = None,
                      ) -> ServerSentEvent:
    """The dashboard's feed."""
    services = request.app.state.services
    caller: Caller = request.state.caller
    own = str(caller.member_id) if request.state.scope == Scope.OWN else None
    resume = last_event_id(request, after if after is None or 0 <= after < 2**62 else None)
    return ServerSentEvent(services.feed.subscribe(own, resume),
                           headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
