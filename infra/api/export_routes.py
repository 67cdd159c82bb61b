"""GET routes for the standard exports (``infra.exports``), as the CLI writes them.

- ``/api/exports/epcis``: GS1 EPCIS 2.0 JSON-LD of one lot's genealogy (``lot``) or of a
  period (``from``/``to``).
- ``/api/exports/trace/{lot}``: the FSMA 204 recall spreadsheet of one lot.
- ``/api/exports/register/{member_id}``: a member's one-up, one-down register.
- ``/api/exports/funder-report/{funder_id}``: a funder's commitments and what they financed,
  the organic and labelled share of that food, every co-financed operation.
- ``/api/exports/casf-register/{member_id}``: an organisation's traceability register
  (CASF art. L266-2): reception, transformation, storage, distribution, with values.
- ``/api/exports/donation-attestation/{donor_id}``: a donor's yearly attestation.
- ``/api/exports/activity``: a basket programme's (or the network's) activity for a year.

Documents are CSV for French spreadsheets (UTF-8 with BOM, ``;``, one table: ``table``
names which), XLSX (a sheet per table, printed A4 landscape, fitted to the width, header
repeated) or PDF (A4), sent as an attachment; times are Europe/Paris. Who sees what is the
policy table's; the scoping of ``OWN`` callers is here: a producer exports only its own
lots, a member only its own register, a funder only its own report, an organisation only
its own CASF register, a donor or a receiving platform only its own attestations, a
programme's garden or collection point only that programme's activity. Unknown lots and
members answer 404; a day or moment that is not one answers 400 (the document types them:
``format: date`` or ``date-time``); a period that ends before it starts, or a lot and a
period together, answer 422 (well formed, refused on its values); all in the API's error
shape.
"""

from __future__ import annotations

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
from infra.api.download_names import content_disposition
from infra.api.errors import COMMON_ERRORS, ApiError, error_spec
from infra.api.policy import Scope
from infra.api.queries import LOT_REF_LENGTH_MAX, services_of
from infra.exports.activity import activity, activity_document, activity_tables
from infra.exports.casf import casf_document, casf_register, casf_tables
from infra.exports.donations import COLUMNS as DONATION_COLUMNS
from infra.exports.donations import (
    attestation,
    attestation_document,
    attestation_rows,
    reference_decisions,
)
from infra.exports.epcis import encode_document, epcis_document, parse_instant, select_events
from infra.exports.facts import load_facts
from infra.exports.funder import funder_report
from infra.exports.funder_layout import funder_document, funder_tables
from infra.exports.history import History, HistoryError, LotInfo, Party, load_history
from infra.exports.output import render
from infra.exports.pdf import render_pdf
from infra.exports.register import register_table
from infra.exports.tables import Format, Language, Table
from infra.exports.trace import trace_table

MEMBER_REF_LENGTH_MAX = 200  # A member id (36) or exact name (names are short).
INSTANT_LENGTH_MAX = 64  # An ISO date-time with offset and microseconds is 32 characters.
EPCIS_MEDIA_TYPE = "application/ld+json"
MEDIA_TYPES = {
    Format.CSV: "text/csv",  # Litestar adds "; charset=utf-8" to text/*.
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Format.PDF: "application/pdf",
}
TABLE_KEY_LENGTH_MAX = 40  # The names of a report's tables are short words.
YEAR_MIN, YEAR_MAX = 2000, 2100
P = ParamSpec("P")
T = TypeVar("T")

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
    name="format", description="csv (UTF-8 with BOM, ';', one table), xlsx or pdf (A4): "
                               "always named, so a client never gets a binary it did not "
                               "ask for",
    examples=[Example(value="xlsx")])]
TableKey = Annotated[str | None, QueryParameter(
    name="table", required=False, min_length=1, max_length=TABLE_KEY_LENGTH_MAX,
    description="For CSV: which of the report's tables (default: its first)",
    examples=[Example(value="summary")])]
Year = Annotated[int, QueryParameter(name="year", ge=YEAR_MIN, le=YEAR_MAX,
                                     description="Calendar year (Europe/Paris days)",
                                     examples=[Example(value=2026)])]
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
                                         description="A member id or exact name",
                                         examples=[Example(value="Épicerie solidaire")])]


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
    MEDIA_TYPES[Format.PDF]: Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY),
})
EPCIS_DOCUMENT = document_operation({
    EPCIS_MEDIA_TYPE: Schema(type=OpenAPIType.OBJECT, required=["type", "epcisBody"],
                             description="A GS1 EPCIS 2.0 JSON-LD document"),
})


# ------------------------------------------------------------------ helpers


def attachment(data: bytes, media_type: str, stem: str, extension: str) -> Response[bytes]:
    """``data`` as a download named in French ``stem.extension`` (``download_names``)."""
    return Response(data, media_type=media_type,
                    headers={"Content-Disposition": content_disposition(stem, extension)})


def spreadsheet(data: bytes, output_format: Format, stem: str) -> Response[bytes]:
    """A CSV, XLSX or PDF download."""
    return attachment(data, MEDIA_TYPES[output_format], stem, output_format.value)


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
    except ValueError as error:  # tables.ROWS_MAX, a period out of order, an unknown table.
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
        stem = f"epcis-{start or 'début'}-{end or 'maintenant'}"
    data = encode_document(epcis_document(history, events))
    return attachment(data, EPCIS_MEDIA_TYPE, stem, "jsonld")


@get("/api/exports/trace/{lot:str}", name="export_trace", tags=["exports"],
     sync_to_thread=True, media_type=MEDIA_TYPES[Format.XLSX], responses=EXPORT_ERRORS,
     operation_class=SPREADSHEET,
     summary="The FSMA 204 recall spreadsheet of a lot (CSV or XLSX)")
def export_trace(request: Request[Any, Any, Any],
                 lot: Annotated[str, PathParameter(min_length=1, max_length=LOT_REF_LENGTH_MAX,
                                                   description="A lot code or id",
                                                   examples=[Example(value="L260105-4F2A91C0")])],
                 output_format: OutputFormat,
                 language: HeaderLanguage = Language.FR) -> Response[bytes]:
    """Every tracking event of the lot, its ancestors and descendants, sortable by date.

    A producer exports its own lots only.
    """
    history = load_history(services_of(request).ledger)
    found = lot_of(history, lot)
    check_own_lot(request, found)
    table = built(trace_table, history, found.code, language)
    data = built(render, [table], output_format, language, generated_at=datetime.now(UTC))
    return spreadsheet(data, output_format, f"traçabilité-{found.code}")


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
    data = built(render, [table], output_format, language, generated_at=datetime.now(UTC))
    return spreadsheet(data, output_format, f"registre-{party.name}-{start}-{end}")


@get("/api/exports/funder-report/{funder_id:str}", name="export_funder_report",
     tags=["exports"], sync_to_thread=True, media_type=MEDIA_TYPES[Format.XLSX],
     responses=EXPORT_ERRORS, operation_class=SPREADSHEET,
     summary="A funder's commitments and what they co-financed (CSV or XLSX)")
def export_funder_report(request: Request[Any, Any, Any],
                         funder_id: Annotated[str, PathParameter(
                             min_length=1, max_length=MEMBER_REF_LENGTH_MAX,
                             description="A funder's member id or exact name",
                             examples=[Example(value="Fondation")])],
                         start: FirstDay, end: LastDay,
                         output_format: OutputFormat,
                         language: HeaderLanguage = Language.FR,
                         table: TableKey = None) -> Response[bytes]:
    """Committed, posted and pending money; deliveries and baskets it co-financed; the
    organic and labelled share of that food per outlet and month; every co-financed
    operation. CSV tables: ``summary`` (default), ``outlets``, ``quality``, ``operations``.

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
    if output_format == Format.PDF:
        data = built(render_pdf, funder_document(report, members, language,
                                                 datetime.now(UTC)), language)
    else:
        data = built(render, funder_tables(report, members, language), output_format,
                     language, table_key=table)
    return spreadsheet(data, output_format, f"rapport-financeur-{report.funder.name}-{start}-{end}")


@get("/api/exports/casf-register/{member_id:str}", name="export_casf_register",
     tags=["exports"], sync_to_thread=True, media_type=MEDIA_TYPES[Format.PDF],
     responses=EXPORT_ERRORS, operation_class=SPREADSHEET,
     summary="An organisation's traceability register (CASF art. L266-2)")
def export_casf_register_route(request: Request[Any, Any, Any], member_id: MemberRef,
                               start: FirstDay, end: LastDay, output_format: OutputFormat,
                               language: HeaderLanguage = Language.FR,
                               table: TableKey = None) -> Response[bytes]:
    """Every step of the food the organisation handled in the period (reception,
    transformation, storage, distribution) with quantities, values and evidence. CSV
    tables: ``lines`` (default), ``summary``.

    A platform or an outlet exports its own register only.
    """
    check_period(start, end)
    facts = load_facts(services_of(request).ledger)
    party = member_of(facts.history, member_id)
    if own_scope(request) and party.id != caller_of(request).member_id:
        raise ApiError(403, "forbidden",
                       f"the register of {party.name} is not the caller's own")
    register = built(casf_register, facts.history, facts, party, start, end)
    if output_format == Format.PDF:
        data = built(render_pdf, casf_document(facts.history, facts, register, language,
                                               datetime.now(UTC)), language)
    else:
        data = built(render, casf_tables(facts.history, facts, register, language),
                     output_format, language, table_key=table)
    return spreadsheet(data, output_format, f"registre-casf-{party.name}-{start}-{end}")


@get("/api/exports/donation-attestation/{donor_id:str}", name="export_donation_attestation",
     tags=["exports"], sync_to_thread=True, media_type=MEDIA_TYPES[Format.PDF],
     responses=EXPORT_ERRORS, operation_class=SPREADSHEET,
     summary="A donor's yearly attestation of donations in kind (PDF)")
def export_donation_attestation_route(
        request: Request[Any, Any, Any],
        donor_id: Annotated[str, PathParameter(min_length=1, max_length=MEMBER_REF_LENGTH_MAX,
                                               description="The donor's member id or name",
                                               examples=[Example(value="Supermarché du "
                                                                       "centre")])],
        year: Year,
        organisation: Annotated[str | None, QueryParameter(
            required=False, min_length=1, max_length=MEMBER_REF_LENGTH_MAX,
            description="Only the donations to this organisation (id or name)",
            examples=[Example(value="Banque alimentaire")])] = None,
        output_format: Annotated[Format, QueryParameter(
            name="format", required=False,
            description="pdf (the attestation, default), or its lines as csv or xlsx",
            examples=[Example(value="pdf")])
        ] = Format.PDF,
        language: HeaderLanguage = Language.FR) -> Response[bytes]:
    """What the donor gave in the year, to which organisation, when, how much and worth
    what, with the event each line rests on.

    A donor gets its own attestations; a platform those of the donations it received.
    """
    ledger = services_of(request).ledger
    facts = load_facts(ledger)
    donor = member_of(facts.history, donor_id)
    receiver = member_of(facts.history, organisation) if organisation else None
    if own_scope(request):
        caller = caller_of(request).member_id
        if donor.id != caller:
            if receiver is not None and receiver.id != caller:
                raise ApiError(403, "forbidden", "an attestation is its donor's, or the "
                                                 "receiving organisation's")
            receiver = facts.history.members.get(caller)
    found = built(attestation, facts, reference_decisions(ledger), donor, year, receiver)
    if output_format == Format.PDF:
        data = built(render_pdf, attestation_document(facts.history, found, language,
                                                      datetime.now(UTC)), language)
    else:
        table = Table(title_fr=f"Dons {donor.name} {year}",
                      title_en=f"Donations {donor.name} {year}", columns=DONATION_COLUMNS,
                      rows=attestation_rows(facts.history, found, language))
        data = built(render, [table], output_format, language)
    return spreadsheet(data, output_format, f"attestation-dons-{donor.name}-{year}")


@get("/api/exports/activity", name="export_activity", tags=["exports"], sync_to_thread=True,
     media_type=MEDIA_TYPES[Format.PDF], responses=EXPORT_ERRORS,
     operation_class=SPREADSHEET,
     summary="A basket programme's (or the network's) activity for a year")
def export_activity_route(
        request: Request[Any, Any, Any], year: Year, output_format: OutputFormat,
        programme: Annotated[str | None, QueryParameter(
            required=False, min_length=1, max_length=MEMBER_REF_LENGTH_MAX,
            description="A basket programme's id or exact name (default: every programme)",
            examples=[Example(value="Paniers Solidaires")])
        ] = None,
        language: HeaderLanguage = Language.FR, table: TableKey = None) -> Response[bytes]:
    """Baskets distributed, households served (a count, never names), kilograms per channel
    and garden, workshops held. CSV tables: ``programmes`` (default), ``months``,
    ``channels``, ``workshop-kinds``, ``workshops``.

    A garden or a collection point exports the activity of its own programmes only.
    """
    ledger = services_of(request).ledger
    facts = load_facts(ledger)
    try:
        found = activity(ledger, facts, year, programme)
    except HistoryError as error:
        raise ApiError(404, "not_found", str(error)) from error
    if own_scope(request):
        caller = caller_of(request).member_id
        if programme is None or not all(
                caller in {item.producer_id, *item.collection_point_ids}
                for item in found.programmes):
            raise ApiError(403, "forbidden", "name a programme the caller runs or serves as "
                                             "a collection point")
    if output_format == Format.PDF:
        data = built(render_pdf, activity_document(facts.history, found, language,
                                                   datetime.now(UTC)), language)
    else:
        data = built(render, activity_tables(facts.history, found, language), output_format,
                     language, table_key=table)
    return spreadsheet(data, output_format, f"activité-{found.scope}-{year}")


def member_of(history: History, reference: str) -> Party:
    """A member by id or exact name, or 404."""
    try:
        return history.member(reference.strip())
    except HistoryError as error:
        raise ApiError(404, "not_found", str(error)) from error


EXPORT_ROUTES = [export_epcis, export_trace, export_register, export_funder_report,
                 export_casf_register_route, export_donation_attestation_route,
                 export_activity_route]
