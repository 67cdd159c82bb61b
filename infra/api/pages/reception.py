"""The platform's reception forms: weigh an accepted lot with its measured temperature (and
the choice, outside the range in force, to refuse it at the dock or accept it under hold),
correct its date and the kind of date; receive an unsorted bulk donation and sort it into
product lots with the waste declared (docs/stock.md).

A temperature is typed in degrees with one decimal (``3,5``, ``-18``) and sent in tenths
(``temperature_dc``); without a choice, a reception outside the range is refused by the
ledger with the temperature and the range, in French, and the form can be corrected.
"""

# ruff: noqa: RUF001 - French typography writes its apostrophe as U+2019.

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup

from domain.rules import stock_rules_at
from domain.stock_rules import SetStockRules
from infra.api.pages import french
from infra.api.pages.html import Column, Field, Form, Option, section, table
from infra.api.pages.page import OPTIONS_MAX, Page, lot_rows
from infra.api.pages.stock_states import DATE_KIND_CHOICES, dated

SORT_LINES_SHOWN = 4
"""Product lines of the sorting form: a shop's crate mixes three to five products; more
lines are sorted in a second pass (each pass is one act)."""
OUT_OF_RANGE_CHOICES = (("refuse", "Refuser le lot à quai : il n’entre pas en stock"),
                        ("hold", "L’accepter en le bloquant (motif : la température)"))
REFUSE_CONFIRMATION = ("Si je refuse le lot à quai : je confirme le refus, le lot n’entrera "
                       "jamais en stock.")
DONOR_KINDS = ("producer",)
"""Who gives food in bulk: gardens, farms and shops, registered as producers (a shop with no
role in the cooperative but its gifts)."""


def stock_rules(page: Page) -> SetStockRules:
    """The stock rules in force today (temperature ranges, shelf lives)."""
    rules, _ = stock_rules_at(page.streams.rules_in_force(page.today),
                              page.today)
    return rules


def _range_text(rules: SetStockRules, product: str) -> str:
    """`` — à recevoir entre 0,0 et 4,0 °C`` for a chilled product, else nothing."""
    found = rules.temperature_range(product)
    if found is None:
        return ""
    _, low_dc, high_dc = found
    return f" — à recevoir entre {_celsius(low_dc)} et {_celsius(high_dc)}"


def _celsius(tenths: int) -> str:
    sign = "-" if tenths < 0 else ""
    return f"{sign}{abs(tenths) // 10},{abs(tenths) % 10}\u00a0°C"


def receive_form(page: Page, awaited: Sequence[Sequence[Any]],
                 site_options: list[Option]) -> Form:
    """Weigh an accepted lot; measure it if chilled; correct its date and kind."""
    rules = stock_rules(page)
    lots = [Option(row[0], f"{row[1]} — {row[2]} ({page.name(row[11])}), "
                           f"{dated(row[6], row[13])}{_range_text(rules, row[2])}",
                   {"site": row[5] or "", "date": row[6] or "", "nature": row[13] or ""})
            for row in awaited][:OPTIONS_MAX]
    return Form("receive_lot", "Recevoir et peser un lot", [
        Field("lot_id", "Lot attendu", kind="uuid", options=lots,
              fills="best_before:date date_kind:nature"),
        Field("site_id", "Site", kind="uuid", options=site_options,
              value=site_options[0].value if len(site_options) == 1 else ""),
        Field("measured_g", "Poids mesuré (kg)", kind="kg",
              help="L’écart avec la quantité acceptée est enregistré"),
        Field("temperature_dc", "Température mesurée (°C)", kind="celsius", required=False,
              help="Obligatoire pour les produits frais ou surgelés ; une décimale, par "
                   "exemple 3,5 ou -18"),
        Field("if_out_of_range", "Si la température est hors plage", kind="choice",
              required=False, options=[Option(value, label)
                                       for value, label in OUT_OF_RANGE_CHOICES],
              help="Vide : la réception est refusée avec la température et la plage, pour "
                   "que vous choisissiez"),
        Field("best_before", "Date du lot (à corriger si besoin)", kind="date",
              required=False, help="Celle de l’offre, ou celle imprimée sur le colis"),
        Field("date_kind", "Nature de la date", kind="choice", required=False,
              options=[Option(value, label) for value, label in DATE_KIND_CHOICES]),
        Field("_confirmation", REFUSE_CONFIRMATION, kind="confirm", required=False,
              only_if="if_out_of_range=refuse"),
    ], submit="Enregistrer la réception", dated=True)


def bulk_forms(page: Page, site_options: list[Option], bulk: Sequence[Any]) -> Markup:
    """Receive an unsorted donation as one weighed lot; sort one into product lots."""
    donors = [Option(str(member_id), name)
              for member_id, name in page.directory.members_of_kind(*DONOR_KINDS)]
    receive = Form("receive_donation", "Recevoir un don en vrac", [
        Field("site_id", "Site", kind="uuid", options=site_options,
              value=site_options[0].value if len(site_options) == 1 else ""),
        Field("donor_id", "Donateur", kind="uuid", options=donors[:OPTIONS_MAX]),
        Field("description", "Ce que c’est", value="Invendus fruits et légumes"),
        Field("quantity_g", "Poids du don (kg)", kind="kg", help="Pesé en un seul lot"),
        Field("organic_certificate", "Certificat bio", required=False),
    ], submit="Recevoir le don", dated=True,
        intro="Un don non trié ne peut qu’être trié, bloqué ou perdu : triez-le au plus tard "
              "le lendemain.")
    to_sort = [Option(line.lot_id, f"{line.code} — {line.variety or 'vrac'} "
                                   f"({page.name(line.site_id)}), {french.kg(line.on_hand_g)}",
                      {"kg": french.kg_number(line.on_hand_g)})
               for line in bulk][:OPTIONS_MAX]
    return page.forms(receive, sort_form(to_sort) if to_sort else None)


def sort_form(lots: list[Option]) -> Form:
    """Sort a bulk donation: up to ``SORT_LINES_SHOWN`` product lots and the waste."""
    lines: list[Field] = []
    for number in range(1, SORT_LINES_SHOWN + 1):
        first = number == 1
        lines += [
            Field("product", f"Produit {number}", required=first, list_name="outputs",
                  line=number, line_required=True),
            Field("quantity_g", f"Quantité du produit {number} (kg)", kind="kg",
                  required=first, list_name="outputs", line=number, line_required=True),
            Field("best_before", f"Date du produit {number}", kind="date", required=False,
                  list_name="outputs", line=number,
                  help="Vide : la durée de conservation du produit depuis aujourd’hui"),
            Field("date_kind", f"Nature de la date du produit {number}", kind="choice",
                  required=False, list_name="outputs", line=number,
                  options=[Option(value, label) for value, label in DATE_KIND_CHOICES]),
        ]
    return Form("sort_donation", "Trier un don en vrac", [
        Field("lot_id", "Don à trier", kind="uuid", options=lots),
        *lines,
        Field("waste_g", "Déchets (kg)", kind="kg", value="0",
              help="Produits + déchets = le poids du don"),
    ], submit="Enregistrer le tri", dated=True)


def reception_section(page: Page, site_options: list[Option], bulk: Sequence[Any]) -> Markup:
    """Lots accepted and awaited at the platform's sites; weighing; bulk donations."""
    me = page.caller.member_id
    awaited = lot_rows(page.view("stock"), "status = 'accepted' AND platform_id = ?",
                       [str(me)])
    awaited_table = table(
        "Lots acceptés à recevoir",
        [Column("Lot"), Column("Produit"), Column("Producteur"), Column("Site"),
         Column("Date")],
        [[row[1], row[2], page.name(row[11]), page.name(row[5]), dated(row[6], row[13])]
         for row in awaited], table_id="table-a-recevoir")
    return section("reception", "Réception", awaited_table,
                   page.forms(receive_form(page, awaited, site_options)),
                   bulk_forms(page, site_options, bulk))

