"""Printout subcommands: ``pick-list`` and ``labels``, as PDF or as a printable HTML page.

    cocagne pick-list DELIVERY_ID --pdf preparation.pdf
    cocagne labels --site "Entrepôt" --pdf etiquettes.pdf [--base-url https://…]
    cocagne labels --lot L261207-00042 --html etiquette.html

Read-only: the store is read, the views brought up to date in this process.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from infra.cli.support import add_store_arguments, store_from_arguments
from infra.printing.labels import labels_html, labels_pdf
from infra.printing.picklists import pick_list_html, pick_list_pdf
from infra.printing.sources import PrintoutError, delivery_pick_list, lot_labels, site_lot_ids
from infra.projections_wiring import open_projections
from infra.reader import Reader

BASE_URL_DEFAULT = "http://127.0.0.1:8000"
"""Where ``cocagne serve`` answers by default: the address labels' QR codes lead to."""


def register(subparsers: Any) -> None:
    """Add the printout subcommands."""
    picking = subparsers.add_parser(
        "pick-list", help="a planned delivery's pick list (PDF or HTML)",
        description="Per stop, the lots to pick first expired first out, with quantities; "
                    "held, recalled and expired lots set apart with what could replace them.")
    add_store_arguments(picking)
    picking.add_argument("delivery", type=UUID, metavar="DELIVERY_ID")
    _add_outputs(picking)
    picking.set_defaults(func=run_pick_list)
    labels = subparsers.add_parser(
        "labels", help="lot labels, eight per A4 sheet (PDF or HTML)",
        description="Product, lot code, date and its kind, producer, organic certificate and "
                    "a QR code leading to the lot's trace page.")
    add_store_arguments(labels)
    chosen = labels.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--site", help="every lot in stock at this site (id or name)")
    chosen.add_argument("--lot", action="append", help="a lot code or id (repeatable)")
    labels.add_argument("--base-url", default=BASE_URL_DEFAULT,
                        help=f"the server the QR codes lead to (default {BASE_URL_DEFAULT})")
    _add_outputs(labels)
    labels.set_defaults(func=run_labels)


def _add_outputs(parser: argparse.ArgumentParser) -> None:
    output = parser.add_mutually_exclusive_group(required=True)
    output.add_argument("--pdf", type=Path, metavar="FILE", help="write a PDF")
    output.add_argument("--html", type=Path, metavar="FILE", help="write a printable page")


def _write(arguments: argparse.Namespace, pdf: bytes | None, page: str | None) -> None:
    if arguments.pdf is not None and pdf is not None:
        arguments.pdf.write_bytes(pdf)
        print(f"{arguments.pdf} ({len(pdf):,} bytes)")
    elif arguments.html is not None and page is not None:
        arguments.html.write_text(page, encoding="utf-8")
        print(f"{arguments.html} ({len(page):,} characters)")


def run_pick_list(arguments: argparse.Namespace) -> int:
    """Write a delivery's pick list."""
    reader = Reader(store_from_arguments(arguments))
    projections = open_projections(reader, names=["stock"])
    try:
        projections.catch_up()
        data = delivery_pick_list(reader, projections.stock, arguments.delivery,
                                  datetime.now(tz=UTC))
        _write(arguments, pick_list_pdf(data) if arguments.pdf else None,
               pick_list_html(data) if arguments.html else None)
    except PrintoutError as error:
        print(error, file=sys.stderr)
        return 1
    finally:
        projections.close()
        reader.close()
    return 0


def run_labels(arguments: argparse.Namespace) -> int:
    """Write labels of a site's stock or of given lots."""
    reader = Reader(store_from_arguments(arguments))
    projections = open_projections(reader, names=["stock", "trace"])
    try:
        projections.catch_up()
        if arguments.site:
            sites = projections.stock.find_sites(arguments.site)
            if len(sites) != 1:
                print(f"site {arguments.site!r} matches {len(sites)} sites", file=sys.stderr)
                return 1
            lot_ids = site_lot_ids(projections.stock, sites[0][0])
        else:
            lot_ids = []
            for reference in arguments.lot:
                found = projections.trace.resolve(reference)
                if found is None:
                    print(f"lot {reference!r} does not exist", file=sys.stderr)
                    return 1
                lot_ids.append(UUID(found))
        labels = lot_labels(reader, projections.trace, lot_ids, base_url=arguments.base_url,
                            moment=datetime.now(tz=UTC))
        _write(arguments, labels_pdf(labels) if arguments.pdf else None,
               labels_html(labels) if arguments.html else None)
    finally:
        projections.close()
        reader.close()
    return 0
