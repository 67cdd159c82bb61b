"""Holds on the work pages: the lots held (why, since when, by how much), and the forms that
hold a lot pending an analysis and lift the hold, each with its reason.

A platform holds the lots at its own sites; a coordinator any lot (the policy table's
``hold_lot`` and ``release_hold``). A held lot can be neither reserved, dispatched, split,
merged, transformed, sorted nor distributed; it may still be destroyed (a loss). A recall
holds a lot for good: a recalled lot is never offered to release.
"""

# ruff: noqa: RUF001 - French typography writes its apostrophe as U+2019.

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup

from infra.api.pages import french
from infra.api.pages.html import Column, Field, Form, Option, join, section, table
from infra.api.pages.page import OPTIONS_MAX, ROWS_MAX, Page
from infra.api.pages.stock_states import dated, more_note

RELEASE_CONFIRMATION = ("Je confirme la levée du blocage : ce lot pourra de nouveau être "
                        "réservé, expédié et distribué.")


def _option(page: Page, line: Any) -> Option:
    return Option(line.lot_id, f"{line.code} — {line.product} ({page.name(line.site_id)}), "
                               f"{french.kg(line.on_hand_g)}")


def hold_forms(page: Page, lines: Sequence[Any]) -> tuple[Form, Form | None]:
    """Hold a lot in stock; release a held one (when one is held)."""
    holdable = [_option(page, line) for line in lines
                if line.on_hand_g > 0 and not line.on_hold and not line.recalled]
    held = [_option(page, line) for line in lines if line.on_hold and not line.recalled]
    hold = Form("hold_lot", "Bloquer un lot", [
        Field("lot_id", "Lot", kind="uuid", options=holdable[:OPTIONS_MAX]),
        Field("reason", "Motif du blocage", value="Analyse en cours",
              help="Par exemple : analyse de résidus, contrôle de la chaîne du froid"),
    ], submit="Bloquer ce lot", intro="Un lot bloqué ne peut être ni réservé, ni expédié, ni "
                                      "transformé, ni distribué, jusqu’à la levée du blocage.")
    release = Form("release_hold", "Lever un blocage", [
        Field("lot_id", "Lot bloqué", kind="uuid", options=held[:OPTIONS_MAX]),
        Field("reason", "Motif de la levée", value="Analyse conforme"),
    ], submit="Lever le blocage", confirm=RELEASE_CONFIRMATION) if held else None
    return hold, release


def held_table(page: Page, lines: Sequence[Any], *, table_id: str) -> Markup:
    """The held lots: why, since when, how much (recalled lots are held for good)."""
    held = [line for line in lines if line.on_hold or line.recalled]
    count = len(held)
    held = held[:ROWS_MAX]
    rows = [[line.code, line.product,
             "Rappelé : ne pas distribuer" if line.recalled else line.hold_reason,
             "rappel (pour toujours)" if line.recalled else french.day(line.held_since),
             french.kg_number(line.on_hand_g), dated(line.best_before, line.date_kind),
             page.name(line.site_id)] for line in held]
    keys = [[line.code, line.product, None, "" if line.recalled else line.held_since,
             line.on_hand_g, line.best_before, None] for line in held]
    columns = [Column("Lot"), Column("Produit"), Column("Motif"), Column("Bloqué depuis"),
               Column("En stock (kg)", number=True), Column("Date"), Column("Site")]
    return join([table("Lots bloqués ou rappelés", columns, rows, table_id=table_id,
                       sort_keys=keys, empty="Aucun lot bloqué.",
                       row_classes=["etat-rappele" if line.recalled else "etat-bloque"
                                    for line in held]),
                 more_note(count)])


def holds_section(page: Page, lines: Sequence[Any], *, table_id: str) -> Markup:
    """Held lots and the forms to hold and release, for whoever may (else nothing)."""
    if not (page.may("hold_lot") or page.may("release_hold")):
        return Markup("")
    hold, release = hold_forms(page, lines)
    return section("blocages", "Blocages", held_table(page, lines, table_id=table_id),
                   page.forms(hold, release))
