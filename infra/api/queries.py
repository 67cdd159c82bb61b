"""GET routes: who am I, members and sites, stock, lots, traces, recalls, stream history.

Queries read the views (``projections/``), which follow the event store a few milliseconds
behind. ``?after=N`` (a command's ``notification_id``) waits until the views have applied
notification N, so a client reads its own writes. Scope comes from the policy table: where a
role reaches only its own data the answer is filtered (a producer sees its own lots).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from eventsourcing.application import AggregateNotFoundError
from litestar import Request, Response, delete, get, post
from litestar.datastructures import Cookie
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import PathParameter, QueryParameter

from domain.base import Role
from domain.business_time import check_in_calendar
from domain.dates import paris_day
from domain.errors import MomentOutsideCalendar
from domain.members import Member
from infra.api.access import SESSION_COOKIE, Caller, bearer_token
from infra.api.errors import COMMON_ERRORS, ApiError, error_spec
from infra.api.policy import Scope
from infra.api.services import Services
from infra.exports.recall_money import RecallMoney, RecallMoneyError, recall_money
from projections.stock_lines import InTransit, OutletHolding, StockLine, StockTotal, totals_of
from projections.trace_records import BackwardTrace, ForwardTrace, Movement, RecallImpact, TraceLot

MEMBERS_MAX = 10_000  # As the governance roll: far beyond the network's membership.
SITES_MAX = 10_000
DIRECTORY_PAGE = 1_000  # Notifications per select while listing members or sites.
HISTORY_EVENTS_MAX = 1_000  # Events per page of a stream's history.
LOT_REF_LENGTH_MAX = 100  # A lot id (36) or code (at most 64).
SESSION_MAX_AGE_S = 12 * 3600  # One working day: a dashboard left open overnight signs in again.

QUERY_ERRORS: dict[int, ResponseSpec] = {
    **COMMON_ERRORS,
    404: error_spec("No such lot, stream, account or notification (code not_found)"),
    422: error_spec("A moment outside the calendar (code moment_outside_calendar), or a "
                    "trace past its bounds (code invalid)"),
    503: error_spec("The view is not part of this build, or is behind (code unavailable)"),
}

After = Annotated[int | None, QueryParameter(
    required=False, ge=0, le=2**62,
    # Litestar drops a bound of 0 from the document (it copies only truthy ones).
    schema_extra={"minimum": 0},
    description="Wait until the views have applied this notification id (read your writes: "
                "a command's notification_id); 404 when the log has no such notification",
    examples=[Example(value=1_042)])]
AsOf = Annotated[datetime | None, QueryParameter(
    required=False,
    description="Answer as of this moment (ISO 8601; business time unless basis=recorded)",
    examples=[Example(value="2026-03-01T12:00:00+01:00")])]
Basis = Annotated[Literal["business", "recorded"], QueryParameter(
    required=False, description="Time basis of as_of")]
Direction = Annotated[Literal["backward", "forward", "both"], QueryParameter(
    required=False, description="Which way to trace")]
LotRef = Annotated[str, PathParameter(min_length=1, max_length=LOT_REF_LENGTH_MAX,
                                      description="A lot id or lot code",
                                      examples=[Example(value="L260105-4F2A91C0")])]


# ------------------------------------------------------------------ answer shapes


class Me(msgspec.Struct, frozen=True, kw_only=True):
    """The caller."""

    member_id: UUID
    kind: str
    roles: list[str]


class MemberEntry(msgspec.Struct, frozen=True, kw_only=True):
    """A member in the directory."""

    member_id: UUID
    name: str
    kind: str
    roles: list[str]
    suspended: bool


class SiteEntry(msgspec.Struct, frozen=True, kw_only=True):
    """A site in the directory."""

    site_id: UUID
    name: str
    kind: str
    operator_id: UUID
    city: str


class StockAnswer(msgspec.Struct, frozen=True, kw_only=True):
    """Stock per site, product and lot, with the view's position."""

    position: int
    """Notification id the view had applied: pass it as ``after`` to the live feed."""
    lines: list[StockLine]
    """Lots at a site or on the road, with their states on the as-of day."""
    totals: list[StockTotal]
    in_transit: list[InTransit] = msgspec.field(default_factory=list)
    """Lot lines on the road: from which site, to which outlet, on which delivery, since
    when."""
    outlet_holdings: list[OutletHolding] = msgspec.field(default_factory=list)
    """What outlets hold (at the as-of moment), with each lot's state."""


class LotAnswer(msgspec.Struct, frozen=True, kw_only=True):
    """One lot: what it is and everything that happened to it."""

    lot: TraceLot
    movements: list[Movement]


class TraceAnswer(msgspec.Struct, frozen=True, kw_only=True):
    """A lot's backward and/or forward trace."""

    backward: BackwardTrace | None = None
    forward: ForwardTrace | None = None


class StoredEventEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One event of a stream, as stored."""

    version: int
    topic: str
    recorded_at: datetime
    data: dict[str, Any]


class HistoryAnswer(msgspec.Struct, frozen=True, kw_only=True):
    """A page of a stream's events."""

    stream_id: UUID
    events: list[StoredEventEntry]
    next_version: int | None
    """Pass as ``from_version`` for the next page (None: no more)."""


# ------------------------------------------------------------------ helpers


def services_of(request: Request[Any, Any, Any]) -> Services:
    """The app's services."""
    services: Services = request.app.state.services
    return services


def wait_for(services: Services, after: int | None, names: list[str]) -> None:
    """Read-your-writes, or 503 when the views lag too far behind."""
    if after is None:
        return
    head = int(services.ledger.recorder.max_notification_id() or 0)
    if after > head:
        raise ApiError(404, "not_found", f"notification {after} does not exist: the log ends "
                                         f"at {head}")
    if not services.views.wait_for(after, names=names):
        raise ApiError(503, "unavailable",
                       f"the views have not reached notification {after} yet; retry shortly")


def moment_of(as_of: datetime | None) -> datetime | None:
    """An ``as_of`` in UTC (without an offset it is UTC, as the ledger stores moments); 422
    ``moment_outside_calendar`` when it, or its day in Paris, is outside years 1 to 9999
    (``0001-01-01T00:00:00+01:00``, ``9999-12-31T23:30:00Z``): no view can answer for it."""
    if as_of is None:
        return None
    moment = check_in_calendar("as_of", as_of)
    try:
        paris_day(moment)
    except OverflowError:
        raise MomentOutsideCalendar(
            f"as_of {as_of.isoformat()} falls on a day outside the calendar in Paris (years "
            "1 to 9999)", reason="moment_outside_calendar", moment=as_of.isoformat()) from None
    return moment


def owns_lot(caller: Caller, lot: TraceLot) -> bool:
    """Whether a lot is the caller's own (as its producer)."""
    return lot.producer_id == str(caller.member_id)


def resolve_lot(services: Services, reference: str) -> str:
    """A lot id from an id or code, or 404."""
    trace = services.views.trace
    lot_id: str | None = trace.resolve(reference.strip())
    if lot_id is None:
        raise ApiError(404, "not_found", f"lot {reference!r} does not exist (or the views "
                                         "have not seen it yet: pass ?after=)")
    return lot_id


def checked_lot(request: Request[Any, Any, Any], reference: str, after: int | None) -> TraceLot:
    """The lot named, after read-your-writes, if the caller may see it."""
    services = services_of(request)
    wait_for(services, after, ["trace"])
    lot_id = resolve_lot(services, reference)
    lot: TraceLot = services.views.trace.lots([lot_id])[lot_id]
    if request.state.scope == Scope.OWN and not owns_lot(request.state.caller, lot):
        raise ApiError(403, "forbidden", f"lot {lot.code} is not one of the caller's own lots")
    return lot


# ------------------------------------------------------------------ session


@get("/api/me", name="whoami", tags=["session"], sync_to_thread=False, responses=QUERY_ERRORS,
     summary="The caller: member id, kind and roles")
def whoami(request: Request[Any, Any, Any]) -> Me:
    """Who the token belongs to."""
    caller: Caller = request.state.caller
    return Me(member_id=caller.member_id, kind=caller.kind, roles=sorted(caller.roles))


@post("/api/session", name="open_session", tags=["session"], sync_to_thread=False,
      status_code=200, responses=QUERY_ERRORS,
      summary="Set the dashboard's session cookie from the bearer token")
def open_session(request: Request[Any, Any, Any]) -> Response[Me]:
    """The dashboard's live feed (EventSource) cannot send headers: it sends this cookie.

    The cookie is HttpOnly and SameSite=Strict, and is accepted for GET requests only; its
    path is the whole site, so that the work pages (``/espace``) and downloads read with it.
    """
    caller: Caller = request.state.caller
    token = bearer_token(request) or ""
    cookie = Cookie(key=SESSION_COOKIE, value=token, path="/", httponly=True,
                    samesite="strict", secure=request.url.scheme == "https",
                    max_age=SESSION_MAX_AGE_S)
    return Response(Me(member_id=caller.member_id, kind=caller.kind, roles=sorted(caller.roles)),
                    cookies=[cookie])


@delete("/api/session", name="close_session", tags=["session"], sync_to_thread=False,
        status_code=204, responses=QUERY_ERRORS, summary="Clear the dashboard's cookie",
        response_cookies=[Cookie(key=SESSION_COOKIE, value="", path="/", max_age=0,
                                 httponly=True, samesite="strict")])
def close_session() -> None:
    """Sign the dashboard out."""


# ------------------------------------------------------------------ directory


@get("/api/members", name="list_members", tags=["directory"], sync_to_thread=True,
     responses=QUERY_ERRORS, summary="Members, their kinds and roles")
def list_members(request: Request[Any, Any, Any]) -> list[MemberEntry]:
    """Every member (a household: itself only)."""
    services = services_of(request)
    caller: Caller = request.state.caller
    if request.state.scope == Scope.OWN:
        ids = [caller.member_id]
    else:
        ids = _stream_ids(services, Member.Registered.TOPIC, MEMBERS_MAX)
    entries = []
    for member_id in ids:
        member: Any = services.ledger.repository.get(member_id)
        if not isinstance(member, Member):
            continue  # A household's own token names its Household stream, not a member.
        entries.append(MemberEntry(member_id=member.id, name=member.name, kind=str(member.kind),
                                   roles=sorted(member.roles), suspended=member.suspended))
    return entries


@get("/api/sites", name="list_sites", tags=["directory"], sync_to_thread=True,
     responses=QUERY_ERRORS, summary="Sites and their operators")
def list_sites(request: Request[Any, Any, Any]) -> list[SiteEntry]:
    """Every site."""
    services = services_of(request)
    entries = []
    for site_id in _stream_ids(services, "site.registered", SITES_MAX):
        site: Any = services.ledger.repository.get(site_id)
        entries.append(SiteEntry(site_id=site.id, name=site.name, kind=str(site.kind),
                                 operator_id=site.operator_id, city=site.city))
    return entries


def _stream_ids(services: Services, topic: str, limit: int) -> list[UUID]:
    """Streams started by ``topic``, oldest first (at most ``limit``)."""
    ids: list[UUID] = []
    start = 1
    for _ in range(limit // DIRECTORY_PAGE + 1):
        page = services.ledger.recorder.select_notifications(start, DIRECTORY_PAGE,
                                                             topics=[topic])
        ids.extend(UUID(str(notification.originator_id)) for notification in page)
        if len(page) < DIRECTORY_PAGE or len(ids) >= limit:
            break
        start = page[-1].id + 1
    return ids[:limit]


# ------------------------------------------------------------------ stock


@get("/api/stock", name="get_stock", tags=["stock"], sync_to_thread=True,
     responses=QUERY_ERRORS, summary="Stock per site, product and lot (now or as of)")
def get_stock(request: Request[Any, Any, Any], after: After = None, as_of: AsOf = None,
              basis: Basis = "business",
              site_id: Annotated[UUID | None, QueryParameter(
                  required=False, description="Only this site's stock",
                  examples=[Example(value="0192f0c4-8c21-7e44-9f10-3b4c5d6e7f80")])] = None,
              product: Annotated[str | None, QueryParameter(
                  required=False, max_length=200, description="Only this product",
                  examples=[Example(value="poireau")])] = None,
              ) -> StockAnswer:
    """Lots at a site or on the road with their states (en stock, réservé, disponible, en
    route, bloqué, rappelé, périmé, à consommer vite) measured on the as-of day, totals per
    site and product, what is on the road per delivery, and what outlets hold."""
    services = services_of(request)
    as_of = moment_of(as_of)
    wait_for(services, after, ["stock"])
    stock = services.views.stock
    site = str(site_id) if site_id else None
    name = product.strip().lower() if product else None
    # One snapshot: the lines, transit and holdings answer exactly the events up to the
    # position reported, even while the runner commits batches.
    with services.views.snapshot(["stock"]) as positions:
        position = positions["stock"]
        lines: list[StockLine] = stock.lines(site_id=site, product=name, as_of=as_of,
                                             basis=basis)
        transit: list[InTransit] = stock.in_transit(site_id=site, product=name, as_of=as_of,
                                                    basis=basis)
        holdings: list[OutletHolding] = stock.outlet_holdings(product=name, as_of=as_of,
                                                              basis=basis)
    totals: list[StockTotal] = totals_of(lines)
    if request.state.scope == Scope.OWN:
        lot_ids = [line.lot_id for line in lines] + [line.lot_id for line in transit] + [
            holding.lot_id for holding in holdings]
        own = own_lot_ids(services, request.state.caller, lot_ids)
        lines = [line for line in lines if line.lot_id in own]
        totals = totals_of(lines)
        transit = [line for line in transit if line.lot_id in own]
        holdings = [holding for holding in holdings if holding.lot_id in own]
    return StockAnswer(position=position, lines=lines, totals=totals, in_transit=transit,
                       outlet_holdings=holdings)


def own_lot_ids(services: Services, caller: Caller, lot_ids: list[str]) -> set[str]:
    """Which of ``lot_ids`` the caller produced."""
    lots: dict[str, TraceLot] = services.views.trace.lots(lot_ids)
    return {lot_id for lot_id, lot in lots.items() if owns_lot(caller, lot)}


# ------------------------------------------------------------------ lots and traces


@get("/api/lots/{lot:str}", name="get_lot", tags=["traceability"], sync_to_thread=True,
     responses=QUERY_ERRORS, summary="A lot and every movement of it")
def get_lot(request: Request[Any, Any, Any], lot: LotRef, after: After = None,
            as_of: AsOf = None, basis: Basis = "business") -> LotAnswer:
    """What a lot is (origin, certificate, dates) and its movements."""
    as_of = moment_of(as_of)
    found = checked_lot(request, lot, after)
    movements: list[Movement] = services_of(request).views.trace.movements(
        [found.lot_id], as_of=as_of, basis=basis)
    return LotAnswer(lot=found, movements=movements)


@get("/api/lots/{lot:str}/trace", name="trace_lot", tags=["traceability"],
     sync_to_thread=True, responses=QUERY_ERRORS,
     summary="Where a lot came from and where it went (as of any moment)")
def trace_lot(request: Request[Any, Any, Any], lot: LotRef, after: After = None,
              as_of: AsOf = None, basis: Basis = "business",
              direction: Direction = "both") -> TraceAnswer:
    """Backward: ancestors, origins and sites; forward: descendants, outlets, losses."""
    as_of = moment_of(as_of)
    found = checked_lot(request, lot, after)
    trace = services_of(request).views.trace
    try:
        backward = (trace.backward(found.lot_id, as_of=as_of, basis=basis)
                    if direction in {"backward", "both"} else None)
        forward = (trace.forward(found.lot_id, as_of=as_of, basis=basis)
                   if direction in {"forward", "both"} else None)
    except ValueError as error:  # The trace's named bounds (depth, size) were exceeded.
        raise ApiError(422, "invalid", str(error)) from error
    return TraceAnswer(backward=backward, forward=forward)


class RecallAnswer(RecallImpact, frozen=True, kw_only=True):
    """What a recall reaches, and the money at stake."""

    money: RecallMoney
    """The transfers paying for the recalled lots (deliveries, baskets), pending or posted,
    with the recalled lots' part, in cents."""


@get("/api/lots/{lot:str}/recall-impact", name="recall_impact", tags=["traceability"],
     sync_to_thread=True, responses=QUERY_ERRORS,
     summary="Every lot a recall reaches, who holds or received it, and the money at stake")
def recall_impact(request: Request[Any, Any, Any], lot: LotRef, after: After = None,
                  as_of: AsOf = None, basis: Basis = "business") -> RecallAnswer:
    """The lot, every lot made from it, where they are, who received and distributed them,
    and the money at stake: every transfer paying for them (producer payments for
    deliveries, baskets), reserved or posted, with the recalled lots' part."""
    as_of = moment_of(as_of)
    found = checked_lot(request, lot, after)
    try:
        impact: RecallImpact | None = services_of(request).views.trace.recall_impact(
            found.lot_id, as_of=as_of, basis=basis)
    except ValueError as error:
        raise ApiError(422, "invalid", str(error)) from error
    if impact is None:
        raise ApiError(404, "not_found", f"lot {lot!r} did not exist at that moment")
    try:
        money = recall_money(services_of(request).ledger, str(found.lot_id), as_of=as_of,
                             basis=basis)
    except RecallMoneyError as error:
        raise ApiError(422, "invalid", str(error)) from error
    return RecallAnswer(**msgspec.structs.asdict(impact), money=money)


# ------------------------------------------------------------------ history


@get("/api/streams/{stream_id:uuid}/events", name="stream_history", tags=["audit"],
     sync_to_thread=True, responses=QUERY_ERRORS, summary="The stored events of any stream")
def stream_history(request: Request[Any, Any, Any],
                   stream_id: Annotated[UUID, PathParameter(
                       description="Any stream (a lot, a member, a delivery…)",
                       examples=[Example(value="0192f0c5-1d42-7b18-8c3e-4f5a6b7c8d9e")])],
                   from_version: Annotated[int, QueryParameter(
                       description="The first version shown (a page's next_version)",
                       examples=[Example(value=1)], ge=1,
                                                          le=2**62, required=False)] = 1,
                   limit: Annotated[int, QueryParameter(
                       description="Events per page", examples=[Example(value=100)],
                       ge=1, le=HISTORY_EVENTS_MAX,
                                                   required=False)] = HISTORY_EVENTS_MAX,
                   ) -> HistoryAnswer:
    """Events in version order, decoded, a page at a time."""
    services = services_of(request)
    stored = services.ledger.recorder.select_events(stream_id, gt=from_version - 1,
                                                    limit=limit + 1)
    if not stored and from_version == 1:
        raise ApiError(404, "not_found", f"stream {stream_id} has no events")
    entries = []
    for record in stored[:limit]:
        event: Any = services.ledger.mapper.to_domain_event(record)
        data = msgspec.to_builtins(event)
        entries.append(StoredEventEntry(version=record.originator_version, topic=record.topic,
                                        recorded_at=event.timestamp, data=data))
    next_version = stored[limit].originator_version if len(stored) > limit else None
    return HistoryAnswer(stream_id=stream_id, events=entries, next_version=next_version)


def member_or_none(services: Services, member_id: UUID) -> Member | None:
    """A member, or None."""
    try:
        member: Any = services.ledger.repository.get(member_id)
    except AggregateNotFoundError:
        return None
    return member if isinstance(member, Member) else None


QUERY_ROUTES = [whoami, open_session, close_session, list_members, list_sites, get_stock,
                get_lot, trace_lot, recall_impact, stream_history]
ROLES_IN_ORDER = tuple(Role)
