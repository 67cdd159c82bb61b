"""The producer's page « Mes lots »: offer a lot, follow its lots, money owed and paid,
recall a lot."""

# ruff: noqa: RUF001 - French typography writes its apostrophe as U+2019.

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from markupsafe import Markup

from infra.api.pages import french
from infra.api.pages.donations import label_forms
from infra.api.pages.downloads import downloads
from infra.api.pages.html import Column, Field, Form, Option, figures, join, section, table
from infra.api.pages.page import Page, accounts_of, lot_label, lot_rows, word
from infra.api.pages.stock_states import dated, holds_now
from infra.api.pages.workshops import workshops_section


def producer_page(page: Page) -> Markup:
    """Offer a lot, follow one's lots, see what one is owed and paid, recall a lot."""
    me = page.caller.member_id
    stock, trace = page.view("stock"), page.view("trace")
    rows = lot_rows(stock, "producer_id = ?", [str(me)])
    offered = trace.lots([row[0] for row in rows]) if rows else {}
    movements = _movements(page, [row[0] for row in rows])
    journeys = {lot_id: _journey(moves) for lot_id, moves in movements.items()}
    held = holds_now(page, [row[0] for row in rows])
    table_rows, keys = [], []
    for row in rows:
        lot = offered.get(row[0])
        quantity_g = lot.quantity_g if lot is not None else 0
        state = ("rappelé" if row[10] else f"bloqué : {held[row[0]]}" if row[0] in held
                 else _state(row, movements.get(row[0], {})))
        table_rows.append([row[1], f"{row[2]} {row[3]}".strip(), state,
                           french.kg_number(quantity_g), dated(row[6], row[13]),
                           page.name(row[5]) if row[5] else "—",
                           french.kg_number(int(row[7])), journeys.get(row[0], "")])
        keys.append([row[1], row[2], state, quantity_g, row[6], None, int(row[7]), None])
    offer = Form("offer_lot", "Proposer un lot", [
        Field("product", "Produit"),
        Field("variety", "Variété", required=False),
        Field("quantity_g", "Quantité (kg)", kind="kg", help="Par exemple 12,5"),
        Field("price_cents_per_kg", "Prix (€ par kg)", kind="eur_per_kg",
              help="Par exemple 1,80"),
        Field("harvest_date", "Date de récolte", kind="date", value=page.today.isoformat()),
        Field("best_before", "À consommer de préférence avant", kind="date",
              value=(page.today + timedelta(days=10)).isoformat()),
        Field("organic_certificate", "Certificat bio", required=False),
        Field("origin", "Origine (parcelle, champ)", required=False),
    ], submit="Proposer ce lot")
    recallable = [Option(row[0], lot_label(row, int(row[7])))
                  for row in rows if not row[10] and row[4] in {"accepted", "received"}]
    recall = Form("recall_lot", "Rappeler un lot", [
        Field("lot_id", "Lot", kind="uuid", options=recallable),
        Field("reason", "Motif du rappel", kind="textarea"),
    ], submit="Rappeler ce lot",
        confirm="Je confirme le rappel : ce lot et tout ce qui en a été fait ne seront plus "
                "distribués.")
    money = _owed_and_paid(page, me)
    return join([
        section("proposer", "Proposer un lot", page.forms(offer)),
        section("mes-lots", "Mes lots", table(
            "Mes lots et leur parcours",
            [Column("Lot"), Column("Produit"), Column("État"),
             Column("Proposé (kg)", number=True), Column("Date"), Column("Site"),
             Column("En stock (kg)", number=True), Column("Parcours")], table_rows,
            table_id="table-mes-lots", sort_keys=keys,
            row_classes=["etat-rappele" if row[10] else "etat-bloque" if row[0] in held
                         else "" for row in rows])),
        section("qualite", "Signes de qualité de mes lots", label_forms(
            page, [(row[0], f"{row[1]} — {row[2]}") for row in rows
                   if row[4] not in {"declined", "refused"}]),
            intro="Label Rouge, AOP, IGP, STG ou HVE : les financeurs comptent la part de "
                  "ces denrées."),
        section("argent", "Ce qui m’est dû et ce qui m’a été payé", money),
        section("rappel", "Rappeler un lot", page.forms(recall),
                intro="Un rappel bloque le lot et tous les lots qui en sont issus, et prévient "
                      "chaque structure qui l’a reçu."),
        workshops_section(page),
        downloads(page),
    ])


Moves = dict[str, tuple[int, int]]
"""A lot's movements by kind: (how many holders, grams)."""
JOURNEY_KINDS = ("received", "split", "merged", "transformed", "delivered", "distributed",
                 "lost")
USED_WORDS = {"split": "divisé", "merged": "regroupé", "transformed": "transformé"}


def _movements(page: Page, lot_ids: list[str]) -> dict[str, Moves]:
    """Each lot's movements that say where it went, by kind."""
    if not lot_ids:
        return {}
    trace = page.view("trace")
    kinds = ", ".join(f"'{kind}'" for kind in JOURNEY_KINDS)
    rows = trace.database.query_in(
        "SELECT lot_id, kind, COUNT(DISTINCT holder_id), SUM(quantity_g) "
        f"FROM {trace.table('trace_movements')} WHERE lot_id IN ({{in_list}}) "
        f"AND kind IN ({kinds}) GROUP BY lot_id, kind", lot_ids)
    found: dict[str, Moves] = {}
    for lot_id, kind, holders, grams in rows:
        found.setdefault(lot_id, {})[kind] = (int(holders), int(grams or 0))
    return found


def _journey(moves: Moves) -> str:
    """Where a lot went, in a few words (received, delivered to, distributed)."""
    parts = []
    for kind in JOURNEY_KINDS:
        if kind not in moves:
            continue
        holders, grams = moves[kind]
        parts.append({"received": f"reçu {french.kg(grams)}",
                      "delivered": f"livré à {french.plural(holders, 'structure')}",
                      "distributed": f"distribué {french.kg(grams)}",
                      "lost": f"perte {french.kg(grams)}"}.get(kind) or USED_WORDS[kind])
    return " · ".join(parts)


def _state(row: tuple[Any, ...], moves: Moves) -> str:
    """A lot's state as its producer follows it: offered, accepted, received while some is
    in stock; once nothing is left at the platform, on its way, delivered to n outlets,
    divided, merged, transformed or lost."""
    if row[4] != "received" or int(row[7]) > 0:
        return word(row[4])
    if int(row[9] or 0) > 0:
        return "en route"
    if "delivered" in moves:
        return f"livré à {french.plural(moves['delivered'][0], 'structure')}"
    for kind, used in USED_WORDS.items():
        if kind in moves:
            return used
    return "perdu" if "lost" in moves else "épuisé"


def _owed_and_paid(page: Page, member_id: UUID) -> Markup:
    accounts = [account for account in accounts_of(page, member_id)
                if account.kind == "producer"]
    pending = sum(account.credits_pending_cents for account in accounts)
    paid = sum(account.credits_posted_cents for account in accounts)
    return figures([("Dû (en attente de réception)", french.euros(pending),
                     {"data_centimes": str(pending), "id": "du-en-attente"}),
                    ("Payé", french.euros(paid), {"data_centimes": str(paid), "id": "paye"})])
