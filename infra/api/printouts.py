"""Printouts and the lot page: pick lists, labels, and what a label's QR code leads to.

- ``GET /api/deliveries/{id}/pick-list`` (JSON), ``.html`` (print stylesheet), ``.pdf``: what
  to pick per stop, first expired first out, held, recalled and expired lots set apart;
- ``GET /api/lots/{lot}/label.html|.pdf`` and ``GET /api/sites/{id}/labels.html|.pdf``: lot
  labels, eight per A4 sheet, with a QR code;
- ``GET /lot/{code}`` and ``GET /01/{gtin}/10/{lot}`` (a GS1 Digital Link address): the lot's
  trace page, in French, for a phone that scanned a label (signed in with the dashboard's
  session or a token; who may see it is the policy table's ``lot_page`` entry).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from litestar import Request, Response, get
from litestar.openapi.spec import Example, OpenAPIFormat, OpenAPIType, Schema
from litestar.params import PathParameter

from domain.dates import paris_day
from domain.deliveries import Delivery
from domain.lots import Lot
from domain.sites import Site
from domain.stock_rules import gtin_is_valid
from infra.api.download_names import content_disposition
from infra.api.errors import ApiError
from infra.api.export_routes import document_operation
from infra.api.policy import Scope
from infra.api.queries import QUERY_ERRORS, After, LotRef, checked_lot, services_of, wait_for
from infra.printing.labels import labels_html, labels_pdf
from infra.printing.lot_page import lot_page_html
from infra.printing.picklists import PickListData, pick_list_html, pick_list_pdf
from infra.printing.sources import (
    NotPlanned,
    PrintoutError,
    delivery_pick_list,
    lot_labels,
    rules_on,
    site_lot_ids,
)
from infra.reader import find_stream

PDF = "application/pdf"
HTML = "text/html"  # Litestar adds "; charset=utf-8" to text/* (never name it twice).
PDF_DOCUMENT = document_operation({PDF: Schema(type=OpenAPIType.STRING,
                                                format=OpenAPIFormat.BINARY)})
HTML_DOCUMENT = document_operation({"text/html": Schema(type=OpenAPIType.STRING)})
GtinRef = Annotated[str, PathParameter(min_length=8, max_length=14, pattern=r"^[0-9]+$",
                                       description="A GTIN (8 to 14 digits)")]


def _pdf(data: bytes, stem: str) -> Response[bytes]:
    return Response(data, media_type=PDF,
                    headers={"Content-Disposition": content_disposition(stem, "pdf", "inline")})


def _html(page: str) -> Response[str]:
    return Response(page, media_type=HTML)


def _now() -> datetime:
    return datetime.now(tz=UTC)


def _base_url(request: Request[Any, Any, Any]) -> str:
    return str(request.base_url).rstrip("/")


# ------------------------------------------------------------------ pick lists


def _pick_list(request: Request[Any, Any, Any], delivery_id: UUID,
               after: int | None) -> PickListData:
    services = services_of(request)
    wait_for(services, after, ["stock", "trace"])
    delivery = find_stream(services.ledger, delivery_id)
    if not isinstance(delivery, Delivery):
        raise ApiError(404, "not_found", f"delivery {delivery_id} does not exist")
    if (request.state.scope == Scope.OWN
            and delivery.platform_id != request.state.caller.member_id):
        raise ApiError(403, "forbidden", "this delivery belongs to another platform")
    try:
        return delivery_pick_list(services.ledger, services.views.stock, delivery_id, _now())
    except NotPlanned as error:
        raise ApiError(409, "invalid_state", str(error)) from error
    except PrintoutError as error:
        raise ApiError(404, "not_found", str(error)) from error


DeliveryRef = Annotated[UUID, PathParameter(
    description="The delivery", examples=[Example(value="0192f0c6-4a75-7e4b-bf61-7c8d9e0f1a2b")])]
SiteRef = Annotated[UUID, PathParameter(
    description="The site", examples=[Example(value="0192f0c4-8c21-7e44-9f10-3b4c5d6e7f80")])]


@get("/api/deliveries/{delivery_id:uuid}/pick-list", name="pick_list", tags=["stock"],
     sync_to_thread=True, responses=QUERY_ERRORS,
     summary="A planned delivery's pick list: per stop, first expired first out")
def pick_list(request: Request[Any, Any, Any], delivery_id: DeliveryRef,
              after: After = None) -> PickListData:
    """Per stop, the lots to pick with their quantities; lines the dispatch would refuse
    (held, recalled, past a DLC, too little life left) apart, with what could replace them."""
    return _pick_list(request, delivery_id, after)


@get("/api/deliveries/{delivery_id:uuid}/pick-list.html", name="pick_list_html",
     tags=["stock"], sync_to_thread=True, responses=QUERY_ERRORS, media_type=HTML,
     operation_class=HTML_DOCUMENT, summary="The pick list as a printable page")
def pick_list_page(request: Request[Any, Any, Any], delivery_id: DeliveryRef,
                   after: After = None) -> Response[str]:
    """The pick list in French, with a print stylesheet."""
    return _html(pick_list_html(_pick_list(request, delivery_id, after)))


@get("/api/deliveries/{delivery_id:uuid}/pick-list.pdf", name="pick_list_pdf",
     tags=["stock"], sync_to_thread=True, responses=QUERY_ERRORS, media_type=PDF,
     operation_class=PDF_DOCUMENT, summary="The pick list as PDF")
def pick_list_document(request: Request[Any, Any, Any], delivery_id: DeliveryRef,
                       after: After = None) -> Response[bytes]:
    """The pick list in French, A4."""
    data = _pick_list(request, delivery_id, after)
    return _pdf(pick_list_pdf(data), f"liste-de-préparation-{data.planned_for}-{data.site}")


# ---------------------------------------------------------------------- labels


def _lot_labels(request: Request[Any, Any, Any], lot: str, after: int | None) -> Any:
    found = checked_lot(request, lot, after)
    services = services_of(request)
    return lot_labels(services.ledger, services.views.trace, [UUID(found.lot_id)],
                      base_url=_base_url(request), moment=_now())


@get("/api/lots/{lot:str}/label.html", name="lot_label_html", tags=["stock"],
     sync_to_thread=True, responses=QUERY_ERRORS, media_type=HTML,
     operation_class=HTML_DOCUMENT, summary="A lot's label as a printable page")
def lot_label_page(request: Request[Any, Any, Any], lot: LotRef,
                   after: After = None) -> Response[str]:
    """Product, lot code, date and its kind, producer, certificate and QR code."""
    return _html(labels_html(_lot_labels(request, lot, after)))


@get("/api/lots/{lot:str}/label.pdf", name="lot_label_pdf", tags=["stock"],
     sync_to_thread=True, responses=QUERY_ERRORS, media_type=PDF,
     operation_class=PDF_DOCUMENT, summary="A lot's label as PDF")
def lot_label_document(request: Request[Any, Any, Any], lot: LotRef,
                       after: After = None) -> Response[bytes]:
    """The label on an A4 sheet of eight."""
    labels = _lot_labels(request, lot, after)
    return _pdf(labels_pdf(labels), f"étiquette-{labels[0].code}")


def _site_labels(request: Request[Any, Any, Any], site_id: UUID,
                 after: int | None) -> tuple[Site, Any]:
    services = services_of(request)
    wait_for(services, after, ["stock", "trace"])
    site = find_stream(services.ledger, site_id)
    if not isinstance(site, Site):
        raise ApiError(404, "not_found", f"site {site_id} does not exist")
    if request.state.scope == Scope.OWN and site.operator_id != request.state.caller.member_id:
        raise ApiError(403, "forbidden", f"site {site.name} is operated by another member")
    return site, lot_labels(services.ledger, services.views.trace,
                            site_lot_ids(services.views.stock, str(site_id)),
                            base_url=_base_url(request), moment=_now())


@get("/api/sites/{site_id:uuid}/labels.html", name="site_labels_html", tags=["stock"],
     sync_to_thread=True, responses=QUERY_ERRORS, media_type=HTML,
     operation_class=HTML_DOCUMENT, summary="Labels of every lot in stock at a site (page)")
def site_labels_page(request: Request[Any, Any, Any], site_id: SiteRef,
                     after: After = None) -> Response[str]:
    """One label per lot with stock at the site, eight per A4 sheet."""
    return _html(labels_html(_site_labels(request, site_id, after)[1]))


@get("/api/sites/{site_id:uuid}/labels.pdf", name="site_labels_pdf", tags=["stock"],
     sync_to_thread=True, responses=QUERY_ERRORS, media_type=PDF,
     operation_class=PDF_DOCUMENT, summary="Labels of every lot in stock at a site (PDF)")
def site_labels_document(request: Request[Any, Any, Any], site_id: SiteRef,
                         after: After = None) -> Response[bytes]:
    """One label per lot with stock at the site, eight per A4 sheet."""
    site, labels = _site_labels(request, site_id, after)
    return _pdf(labels_pdf(labels), f"étiquettes-{site.name}")


# -------------------------------------------------------------------- lot page


def _lot_page(request: Request[Any, Any, Any], reference: str) -> Response[str]:
    found = checked_lot(request, reference, None)
    services = services_of(request)
    lot = find_stream(services.ledger, UUID(found.lot_id))
    assert isinstance(lot, Lot)
    trace = services.views.trace
    return _html(lot_page_html(lot, trace.backward(found.lot_id), trace.forward(found.lot_id),
                               trace.movements([found.lot_id]), today=paris_day(_now())))


@get("/lot/{lot:str}", name="lot_page", include_in_schema=False, sync_to_thread=True)
def lot_page(request: Request[Any, Any, Any], lot: LotRef) -> Response[str]:
    """The lot's trace page (the address a label's QR code holds when there is no GTIN)."""
    return _lot_page(request, lot)


@get("/01/{gtin:str}/10/{lot:str}", name="lot_page_gs1", include_in_schema=False,
     sync_to_thread=True)
def lot_page_gs1(request: Request[Any, Any, Any], gtin: GtinRef, lot: LotRef) -> Response[str]:
    """The lot's trace page at its GS1 Digital Link address: the GTIN must be the one the
    stock rules give the lot's product."""
    services = services_of(request)
    found = checked_lot(request, lot, None)
    product_gtin = rules_on(services.ledger, _now()).product_rule(found.product).gtin
    if not gtin_is_valid(gtin) or product_gtin.zfill(14) != gtin.zfill(14):
        raise ApiError(404, "not_found", f"lot {found.code} is not of GTIN {gtin}")
    return _lot_page(request, lot)


PRINTOUT_ROUTES = [pick_list, pick_list_page, pick_list_document, lot_label_page,
                   lot_label_document, site_labels_page, site_labels_document, lot_page,
                   lot_page_gs1]
