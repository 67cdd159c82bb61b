"""Printout subcommands: ``pick-list`` and ``labels``, as PDF or as a printable HTML page.

    cocagne pick-list DELIVERY_ID [--out preparation.pdf]
    cocagne labels --site Entrepôt [--out etiquettes.pdf] [--base-url https://…]
    cocagne labels --lot L261207-00042 --html --out etiquette.html

Read-only: the store is read, the views brought up to date in this process.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

from infra.cli.errors import EXIT_USAGE, CliError
from infra.cli.support import add_store_arguments, not_found, one_site, store_from_arguments
from infra.cli.words import number, t

if TYPE_CHECKING:
    from infra.cli.support import CommandParser
    from infra.projections_wiring import LedgerProjections
    from infra.reader import Reader

BASE_URL_DEFAULT = "http://127.0.0.1:8000"
"""Where ``cocagne serve`` answers by default: the address labels' QR codes lead to."""


def register(subparsers: Any) -> None:
    """Add the printout subcommands."""
    subparsers.add_parser(
        "pick-list", help=t("a planned delivery's pick list (PDF or HTML)"),
        description=t("Per stop, the lots to pick first expired first out, with quantities; "
                      "held, recalled and expired lots set apart with what could replace "
                      "them."),
        build=_pick_list_options)
    subparsers.add_parser(
        "labels", help=t("lot labels, eight per A4 sheet (PDF or HTML)"),
        description=t("Product, lot code, date and its kind, producer, organic certificate "
                      "and a QR code leading to the lot's trace page."),
        build=_labels_options)


def _outputs(parser: CommandParser, stem: str) -> None:
    parser.add_argument("--out", type=Path, default=None, metavar=t("FILE"),
                        help=t("where to write (default {stem}.pdf, or .html)", stem=stem))
    parser.add_argument("--html", action="store_true",
                        help=t("a printable page rather than a PDF"))


def _pick_list_options(picking: CommandParser) -> None:
    add_store_arguments(picking)
    picking.add_argument("delivery", type=UUID, metavar=t("DELIVERY_ID"))
    _outputs(picking, "preparation")
    picking.set_defaults(func=run_pick_list)


def _labels_options(labels: CommandParser) -> None:
    add_store_arguments(labels)
    chosen = labels.add_mutually_exclusive_group()
    chosen.add_argument("--site", metavar=t("SITE"),
                        help=t("every lot in stock at this site (id or name)"))
    chosen.add_argument("--lot", action="append", metavar=t("LOT"),
                        help=t("a lot code or id (repeatable)"))
    labels.add_argument("--base-url", default=BASE_URL_DEFAULT, metavar="URL",
                        help=t("the server the QR codes lead to (default {url})",
                               url=BASE_URL_DEFAULT))
    _outputs(labels, "etiquettes")
    labels.set_defaults(func=run_labels)


def _open(arguments: argparse.Namespace,
          names: list[str]) -> tuple[Reader, LedgerProjections]:
    # Start-up time: the store and the views load once a printout is asked for.
    from infra.projections_wiring import open_projections  # noqa: PLC0415
    from infra.reader import Reader  # noqa: PLC0415

    reader = Reader(store_from_arguments(arguments))
    try:
        return reader, open_projections(reader, names=names)
    except BaseException:
        reader.close()
        raise


def _write(arguments: argparse.Namespace, stem: str, pdf: bytes | None,
           page: str | None) -> None:
    path = arguments.out or Path(f"{stem}.{'html' if arguments.html else 'pdf'}")
    if page is not None:
        path.write_text(page, encoding="utf-8")
        print(t("{file}: {size} characters", file=path, size=number(len(page))))
    elif pdf is not None:
        path.write_bytes(pdf)
        print(t("{file}: {size} bytes", file=path, size=number(len(pdf))))


def run_pick_list(arguments: argparse.Namespace) -> int:
    """Write a delivery's pick list."""
    from infra.printing.picklists import pick_list_html, pick_list_pdf  # noqa: PLC0415
    from infra.printing.sources import PrintoutError, delivery_pick_list  # noqa: PLC0415

    reader, projections = _open(arguments, ["stock"])
    try:
        projections.catch_up()
        data = delivery_pick_list(reader, projections.stock, arguments.delivery,
                                  datetime.now(tz=UTC))
    except PrintoutError as error:
        raise not_found(str(error)) from None
    finally:
        projections.close()
        reader.close()
    _write(arguments, "preparation", None if arguments.html else pick_list_pdf(data),
           pick_list_html(data) if arguments.html else None)
    return 0


def run_labels(arguments: argparse.Namespace) -> int:
    """Write labels of a site's stock or of given lots."""
    from infra.printing.labels import labels_html, labels_pdf  # noqa: PLC0415
    from infra.printing.sources import lot_labels, site_lot_ids  # noqa: PLC0415

    reader, projections = _open(arguments, ["stock", "trace"])
    try:
        projections.catch_up()
        if not arguments.site and not arguments.lot:
            raise CliError(t("give --site or --lot"), EXIT_USAGE)
        if arguments.site:
            lot_ids = site_lot_ids(projections.stock, one_site(projections.stock, arguments.site))
        else:
            lot_ids = []
            for reference in arguments.lot:
                found = projections.trace.resolve(reference)
                if found is None:
                    raise not_found(t("no lot has the code or id {lot!r}", lot=reference))
                lot_ids.append(UUID(found))
        labels = lot_labels(reader, projections.trace, lot_ids, base_url=arguments.base_url,
                            moment=datetime.now(tz=UTC))
    finally:
        projections.close()
        reader.close()
    _write(arguments, "etiquettes", None if arguments.html else labels_pdf(labels),
           labels_html(labels) if arguments.html else None)
    return 0
