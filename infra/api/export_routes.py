"""GET routes for the standard exports (``infra.exports``), as the CLI writes them.

- ``/api/exports/epcis``: GS1 EPCIS 2.0 JSON-LD of one lot's genealogy (``lot``) or of a
  period (``from``/``to``).
- ``/api/exports/trace/{lot}``: the FSMA 204 recall spreadsheet of one lot.
- ``/api/exports/register/{member_id}``: a member's one-up, one-down register.
- ``/api/exports/funder-report/{funder_id}``: a funder's commitments and what they financed.

Spreadsheets are CSV for French spreadsheets (UTF-8 with BOM, ``;``) or XLSX, sent as an
attachment. Who sees what is the policy table's; the scoping of ``OWN`` callers is here: a
producer exports only its own lots, a member only its own register, a funder only its own
report. Unknown lots and members answer 404; a day or moment that is not one answers 400
(the document types them: ``format: date`` or ``date-time``); a period that ends before it
starts, or a lot and a period together, answer 422 (well formed, refused on its values);
all in the API's error shape.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, ParamSpec, TypeVar

from litestar import Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    Example,
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Schema,
)
from litestar.params import PathParameter, QueryParameter

from infra.api.access import Caller
from infra.api.errors import COMMON_ERRORS, ApiError, error_spec
from infra.api.policy import Scope
from infra.api.queries import LOT_REF_LENGTH_MAX, services_of
from infra.exports.epcis import encode_document, epcis_document, parse_instant, select_events
from infra.exports.funder import funder_report, funder_tables
from infra.exports.history import History, HistoryError, LotInfo, load_history
from infra.exports.register import register_table
from infra.exports.tables import Format, Language, render
from infra.exports.trace import trace_table

MEMBER_REF_LENGTH_MAX = 200  # A member id (36) or exact name (names are short).
INSTANT_LENGTH_MAX = 64  # An ISO date-time with offset and microseconds is 32 characters.
FILENAME_LENGTH_MAX = 100  # Characters of a download's name: enough for a code and a period.
EPCIS_MEDIA_TYPE = "application/ld+json"
MEDIA_TYPES = {
    Format.CSV: "text/csv; charset=utf-8",
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
P = ParamSpec("P")
T = TypeVar("T")
UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")

EXPORT_ERRORS: dict[int, ResponseSpec] = {
    **COMMON_ERRORS,
    404: error_spec("No such lot, member or funder (code not_found)"),
    422: error_spec("The period ends before it starts, a lot and a period were both given, "
                    "or the export is too large to build (code invalid)"),
}
DAY_OR_MOMENT = [Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.DATE),
                 Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.DATE_TIME)]
"""A period bound (``anyOf``): a day (taken whole) or a moment (RFC 3339)."""

OutputFormat = Annotated[Format, QueryParameter(
    name="format", description="csv (UTF-8 with BOM, ';') or xlsx: always named, so a client "
                               "never gets a binary it did not ask for",
    examples=[Example(value="xlsx")])]
HeaderLanguage = Annotated[Language, QueryParameter(
    name="lang", required=False, description="Header language",
    examples=[Example(value="fr")])]
FirstDay = Annotated[date, QueryParameter(name="from", description="First day (YYYY-MM-DD)",
                                          examples=[Example(value="2026-01-01")])]
LastDay = Annotated[date, QueryParameter(name="to",
                                         description="Last day, included (YYYY-MM-DD); not "
                                                     "before the first (else 422)",
                                         examples=[Example(value="2026-03-31")])]
MemberRef = Annotated[str, PathParameter(min_length=1, max_length=MEMBER_REF_LENGTH_MAX,
                                         description="A member id or exact name")]


def document_operation(content: dict[str, Schema]) -> type[Operation]:
    """An OpenAPI operation whose success answer is documented with ``content``.

    Litestar documents a ``bytes`` answer as one media type holding a string; an export is
    one of several media types (CSV or XLSX), or a JSON-LD object.
    """

    @dataclass
    class DocumentOperation(Operation):
        def __post_init__(self) -> None:
            success = (self.responses or {}).get("200")
            if isinstance(success, OpenAPIResponse):
                success.content = {media_type: OpenAPIMediaType(schema=schema)
                                   for media_type, schema in content.items()}

    return DocumentOperation


SPREADSHEET = document_operation({
    MEDIA_TYPES[Format.CSV]: Schema(type=OpenAPIType.STRING),
    MEDIA_TYPES[Format.XLSX]: Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY),
})
EPCIS_DOCUMENT = document_operation({
    EPCIS_MEDIA_TYPE: Schema(type=OpenAPIType.OBJECT, required=["type", "epcisBody"],
                             description="A GS1 EPCIS 2.0 JSON-LD document"),
})


# ------------------------------------------------------------------ helpers


def attachment(data: bytes, media_type: str, filename: str) -> Response[bytes]:
    """``data`` as a download named ``filename`` (made safe for the header)."""
    safe = UNSAFE_FILENAME.sub("_", filename).strip("._")[:FILENAME_LENGTH_MAX] or "export"
    return Response(data, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{safe}"'})


def spreadsheet(data: bytes, output_format: Format, stem: str) -> Response[bytes]:
    """A CSV or XLSX download."""
    return attachment(data, MEDIA_TYPES[output_format], f"{stem}.{output_format.value}")


def caller_of(request: Request[Any, Any, Any]) -> Caller:
    """The caller the guard identified."""
    caller: Caller = request.state.caller
    return caller


def own_scope(request: Request[Any, Any, Any]) -> bool:
    """Whether the policy table gave the caller its own records only."""
    return bool(request.state.scope == Scope.OWN)


def lot_of(history: History, reference: str) -> LotInfo:
    """A lot by code or id, or 404."""
    try:
        return history.lot_by_code(reference.strip())
    except HistoryError as error:
        raise ApiError(404, "not_found", str(error)) from error


def check_own_lot(request: Request[Any, Any, Any], lot: LotInfo) -> None:
    """A producer (scope OWN) exports only the lots it produced."""
    if own_scope(request) and lot.producer_id != caller_of(request).member_id:
        raise ApiError(403, "forbidden", f"lot {lot.code} is not one of the caller's own lots")


def check_period(start: date, end: date) -> None:
    """Both days included, in order, and within the calendar (422 otherwise: well-formed
    days, refused together)."""
    if end < start:
        raise ApiError(422, "invalid", f"the period ends ({end}) before it starts ({start})")
    if end >= date.max - timedelta(days=1):
        raise ApiError(422, "invalid", f"the period ends too far away ({end}): the last day "
                                       f"a period may end is {date.max - timedelta(days=2)}")


def instant(text: str | None, *, end: bool, name: str) -> datetime | None:
    """A period bound from a date or RFC 3339 date-time (400 when it is neither).

    RFC 3339 allows a lower-case ``t`` and ``z``; a moment beyond what Python's calendar
    holds once in UTC (year 1 at +01:00) is the calendar's first or last moment.
    """
    if text is None:
        return None
    try:
        return parse_instant(text.strip().upper(), end=end)
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC) if text.strip()[:4] == "0001" else \
            datetime.max.replace(tzinfo=UTC)
    except ValueError as error:
        raise ApiError(400, "invalid_request",
                       f"{name}={text!r} is neither a date (YYYY-MM-DD) nor an ISO date-time"
                       ) from error


def built(make: Callable[P, T], *arguments: P.args, **keywords: P.kwargs) -> T:
    """Run an export builder; its bounds (genealogy size, rows) refused as 422."""
    try:
        return make(*arguments, **keywords)
    except HistoryError as error:
        raise ApiError(422, "invalid", str(error)) from error
    except ValueError as error:  # tables.ROWS_MAX, or a period out of order.
        raise ApiError(422, "invalid", str(error)) from error


# ------------------------------------------------------------------ routes


@get("/api/exports/epcis", name="export_epcis", tags=["exports"], sync_to_thread=True,
     media_type=EPCIS_MEDIA_TYPE, responses=EXPORT_ERRORS, operation_class=EPCIS_DOCUMENT,
     summary="GS1 EPCIS 2.0 JSON-LD of a lot's genealogy or of a period")
def export_epcis(request: Request[Any, Any, Any],
                 lot: Annotated[str | None, QueryParameter(
                     required=False, min_length=1, max_length=LOT_REF_LENGTH_MAX,
                     description="A lot code or id: the lot, its parents and descendants "
                                 "(not with from/to: 422)",
                     examples=[Example(value="L260105-CHALON-42")])
                 ] = None,
                 start: Annotated[str | None, QueryParameter(
                     name="from", required=False, max_length=INSTANT_LENGTH_MAX,
                     schema_extra={"any_of": DAY_OR_MOMENT},
                     description="Period start: a day (YYYY-MM-DD) or an RFC 3339 moment",
                     examples=[Example(value="2026-01-01")])] = None,
                 end: Annotated[str | None, QueryParameter(
                     name="to", required=False, max_length=INSTANT_LENGTH_MAX,
                     schema_extra={"any_of": DAY_OR_MOMENT},
                     description="Period end: a day (included whole) or an RFC 3339 moment; "
                                 "after the start (else 422)",
                     examples=[Example(value="2026-03-31T18:00:00+02:00")])] = None,
                 ) -> Response[bytes]:
    """Every tracking event of the lot's genealogy, or of the period, as EPCIS events.

    A producer exports its own lots only: by ``lot``, one of its own; by period, the events
    of the lots it produced.
    """
    low = instant(start, end=False, name="from")
    high = instant(end, end=True, name="to")
    if lot is not None and (start is not None or end is not None):
        raise ApiError(422, "invalid", "give either lot or a period (from/to), not both")
    if low is not None and high is not None and high <= low:
        raise ApiError(422, "invalid", f"the period ends ({end}) before it starts ({start})")
    history = load_history(services_of(request).ledger)
    if lot is not None:
        found = lot_of(history, lot)
        check_own_lot(request, found)
        events = built(lambda: select_events(history, lot_code=found.code))
        stem = f"epcis-{found.code}"
    else:
        events = select_events(history, start=low, end=high)
        if own_scope(request):
            member_id = caller_of(request).member_id
            events = [event for event in events
                      if history.lots[event.lot_id].producer_id == member_id]
        stem = f"epcis-{start or 'start'}-{end or 'now'}"
    data = encode_document(epcis_document(history, events))
    return attachment(data, EPCIS_MEDIA_TYPE, f"{stem}.jsonld")


@get("/api/exports/trace/{lot:str}", name="export_trace", tags=["exports"],
     sync_to_thread=True, media_type=MEDIA_TYPES[Format.XLSX], responses=EXPORT_ERRORS,
     operation_class=SPREADSHEET,
     summary="The FSMA 204 recall spreadsheet of a lot (CSV or XLSX)")
def export_trace(request: Request[Any, Any, Any],
                 lot: Annotated[str, PathParameter(min_length=1, max_length=LOT_REF_LENGTH_MAX,
                                                   description="A lot code or id")],
                 output_format: OutputFormat,
                 language: HeaderLanguage = Language.FR) -> Response[bytes]:
    """Every tracking event of the lot, its ancestors and descendants, sortable by date.

    A producer exports its own lots only.
    """
    history = load_history(services_of(request).ledger)
    found = lot_of(history, lot)
    check_own_lot(request, found)
    table = built(trace_table, history, found.code, language)
    data = built(render, [table], output_format, language)
    return spreadsheet(data, output_format, f"trace-{found.code}")


@get("/api/exports/register/{member_id:str}", name="export_register", tags=["exports"],
     sync_to_thread=True, media_type=MEDIA_TYPES[Format.CSV], responses=EXPORT_ERRORS,
     operation_class=SPREADSHEET,
     summary="A member's one-step-back, one-step-forward register (EU 178/2002 art. 18)")
def export_register(request: Request[Any, Any, Any], member_id: MemberRef,
                    start: FirstDay, end: LastDay,
                    output_format: OutputFormat,
                    language: HeaderLanguage = Language.FR) -> Response[bytes]:
    """What the member received, from whom, and what it passed on, to whom, in the period.

    A member (other than the coordinator and the auditor) exports its own register only.
    """
    check_period(start, end)
    history = load_history(services_of(request).ledger)
    try:
        party = history.member(member_id.strip())
    except HistoryError as error:
        raise ApiError(404, "not_found", str(error)) from error
    if own_scope(request) and party.id != caller_of(request).member_id:
        raise ApiError(403, "forbidden", f"the register of {party.name} is not the caller's own")
    table = built(register_table, history, party, start, end, language)
    data = built(render, [table], output_format, language)
    return spreadsheet(data, output_format, f"register-{party.name}-{start}-{end}")


@get("/api/exports/funder-report/{funder_id:str}", name="export_funder_report",
     tags=["exports"], sync_to_thread=True, media_type=MEDIA_TYPES[Format.XLSX],
     responses=EXPORT_ERRORS, operation_class=SPREADSHEET,
     summary="A funder's commitments and what they co-financed (CSV or XLSX)")
def export_funder_report(request: Request[Any, Any, Any],
                         funder_id: Annotated[str, PathParameter(
                             min_length=1, max_length=MEMBER_REF_LENGTH_MAX,
                             description="A funder's member id or exact name")],
                         start: FirstDay, end: LastDay,
                         output_format: OutputFormat,
                         language: HeaderLanguage = Language.FR) -> Response[bytes]:
    """Committed, posted and pending money; deliveries and baskets it co-financed.

    A funder exports its own report only.
    """
    check_period(start, end)
    try:
        report, members = funder_report(services_of(request).ledger, funder_id.strip(),
                                        start, end)
    except HistoryError as error:
        raise ApiError(404, "not_found", str(error)) from error
    if own_scope(request) and report.funder.id != caller_of(request).member_id:
        raise ApiError(403, "forbidden",
                       f"the report of {report.funder.name} is not the caller's own")
    data = built(render, funder_tables(report, members, language), output_format, language)
    return spreadsheet(data, output_format, f"funder-report-{report.funder.name}-{start}-{end}")


EXPORT_ROUTES = [export_epcis, export_trace, export_register, export_funder_report]
