"""Donations and quality labels on the work pages (docs/reports.md).

- A platform records that a lot received at its site was given (the donor comes with the
  lot; the value is the donor's declared one, else the reference price in force), and
  cancels a donation recorded by mistake, after confirming.
- A producer declares an official quality label on its own lots, a platform on the lots it
  holds (Label Rouge, AOP, IGP, STG, HVE, with the certificate), and either withdraws a
  label declared wrongly, after confirming.
"""

# ruff: noqa: RUF001 - French typography writes its apostrophe as U+2019.

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup

from infra.api.pages import french
from infra.api.pages.html import Column, Field, Form, Option, join, section, table
from infra.api.pages.page import OPTIONS_MAX, ROWS_MAX, Page
from infra.api.pages.words import LABEL_WORDS

CANCEL_DONATION_CONFIRMATION = ("Je confirme l’annulation : ce don ne comptera plus nulle "
                                "part (attestation, registre, valeur).")
WITHDRAW_LABEL_CONFIRMATION = ("Je confirme le retrait : ce lot ne comptera plus comme sous "
                               "signe de qualité dans les rapports des financeurs.")


def donation_forms(page: Page, rows: Sequence[Sequence[Any]]) -> Markup:
    """Record a received lot as a donation; cancel one of the platform's donations.

    ``rows`` are lot rows (``page.lot_rows``) of lots in stock at the platform's sites.
    """
    me = page.caller.member_id
    given = {str(entry.lot_id) for entry in list(page.directory.donations.values())
             if not entry.cancelled}
    lots = [Option(row[0], f"{row[1]} — {row[2]} {row[3]}".strip() + f", "
                           f"{french.kg(int(row[7]))} (de {page.name(row[11])})",
                   {"donneur": row[11] or "", "kg": french.kg_number(int(row[7]))})
            for row in rows if str(row[0]) not in given]
    # A lot is given by whom it came from: the donors offered are the lots' own.
    sources = {str(row[11]): page.name(row[11]) for row in rows if row[11]}
    donors = [Option(donor_id, name)
              for donor_id, name in sorted(sources.items(), key=lambda item: item[1].lower())]
    record = Form("record_donation", "Enregistrer un don", [
        Field("lot_id", "Lot donné", kind="uuid", options=lots[:OPTIONS_MAX],
              fills="donor_id:donneur"),
        Field("donor_id", "Donateur", kind="uuid", options=donors[:OPTIONS_MAX],
              help="Celui dont vient le lot (rempli en choisissant le lot)"),
        Field("declared_value_cents", "Valeur déclarée par le donateur (€)", kind="euros",
              required=False, help="Vide : le prix de référence en vigueur le jour du don"),
        Field("quantity_g", "Quantité donnée (kg)", kind="kg", required=False,
              help="Vide : tout le lot en stock"),
        Field("donated_on", "Jour du don", kind="date", required=False,
              value=page.today.isoformat()),
        Field("note", "Note", required=False),
    ], submit="Enregistrer le don")
    mine = sorted((entry for entry in list(page.directory.donations.values())
                   if entry.organisation_id == me and not entry.cancelled),
                  key=lambda entry: entry.donated_on, reverse=True)
    cancel = Form("cancel_donation", "Annuler un don enregistré par erreur", [
        Field("lot_id", "Don", kind="uuid", options=[
            Option(str(entry.lot_id), f"{entry.lot_code} — {page.name(entry.donor_id)}, "
                                      f"{french.kg(entry.quantity_g)}, "
                                      f"{french.day(entry.donated_on)}")
            for entry in mine[:OPTIONS_MAX]]),
        Field("reason", "Motif"),
    ], submit="Annuler ce don", confirm=CANCEL_DONATION_CONFIRMATION) if mine else None
    return page.forms(record, cancel)


def donations_table(page: Page) -> Markup:
    """The donations the platform recorded (the attestations' lines)."""
    me = page.caller.member_id
    mine = sorted((entry for entry in list(page.directory.donations.values())
                   if entry.organisation_id == me),
                  key=lambda entry: entry.donated_on, reverse=True)[:ROWS_MAX]
    return table("Dons enregistrés", [Column("Jour"), Column("Lot"), Column("Donateur"),
                                      Column("Quantité (kg)", number=True),
                                      Column("Valeur", number=True), Column("État")],
                 [[french.day(entry.donated_on), entry.lot_code, page.name(entry.donor_id),
                   french.kg_number(entry.quantity_g), french.euros(entry.value_cents),
                   "annulé" if entry.cancelled else "enregistré"] for entry in mine],
                 table_id="table-dons", empty="Aucun don enregistré.",
                 sort_keys=[[entry.donated_on.isoformat(), entry.lot_code, None,
                             entry.quantity_g, entry.value_cents, None] for entry in mine])


def label_forms(page: Page, lots: Sequence[tuple[str, str]]) -> Markup:
    """Declare a quality label on one of ``lots`` (id, label); withdraw one declared."""
    ids = {lot_id for lot_id, _ in lots}
    declared = [entry for entry in list(page.directory.labels.values())
                if not entry.withdrawn and str(entry.lot_id) in ids]
    names = dict(lots)
    labels = [Option(value, label) for value, label in LABEL_WORDS.items()]
    declare = Form("declare_quality_label", "Déclarer un signe de qualité", [
        Field("lot_id", "Lot", kind="uuid",
              options=[Option(lot_id, name) for lot_id, name in lots][:OPTIONS_MAX]),
        Field("label", "Signe de qualité", kind="choice", options=labels),
        Field("certificate", "Certificat", help="Le numéro qui le prouve"),
    ], submit="Déclarer")
    withdraw = Form("withdraw_quality_label", "Retirer un signe déclaré par erreur", [
        Field("lot_id", "Lot et signe", kind="uuid", fills="label:signe", options=[
            Option(str(entry.lot_id), f"{names.get(str(entry.lot_id), '')} — "
                                      f"{LABEL_WORDS.get(entry.label, entry.label)}",
                   {"signe": entry.label}) for entry in declared[:OPTIONS_MAX]]),
        Field("label", "Signe de qualité", kind="choice", options=labels),
        Field("reason", "Motif"),
    ], submit="Retirer ce signe", confirm=WITHDRAW_LABEL_CONFIRMATION) if declared else None
    return page.forms(declare, withdraw)


def donations_section(page: Page, rows: Sequence[Sequence[Any]]) -> Markup:
    """The platform's « Dons et signes de qualité » section."""
    if not any(page.may(name) for name in ("record_donation", "declare_quality_label")):
        return Markup("")
    lots = [(str(row[0]), f"{row[1]} — {row[2]}") for row in rows]
    return section("dons", "Dons et signes de qualité", donations_table(page),
                   join([donation_forms(page, rows), label_forms(page, lots)]),
                   intro="Un lot donné n’est jamais payé au producteur ; l’attestation "
                         "annuelle de chaque donateur se télécharge plus bas.")
