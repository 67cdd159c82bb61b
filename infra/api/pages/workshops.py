"""Workshops on the work pages: an outlet or a garden records a cooking, gardening or
nutrition workshop it held (for a basket programme it serves, or on its own) with the
number of people who came — a count, never names — and cancels one recorded by mistake,
after confirming (docs/reports.md, « Activité d’un programme de paniers »)."""

# ruff: noqa: RUF001, RUF002 - French typography writes its apostrophe as U+2019.

from __future__ import annotations

from markupsafe import Markup

from domain.workshops import ATTENDANCE_MAX
from infra.api.pages import french
from infra.api.pages.html import Column, Field, Form, Option, section, table
from infra.api.pages.page import OPTIONS_MAX, ROWS_MAX, Page

WORKSHOP_KINDS = (("cooking", "Cuisine"), ("gardening", "Jardinage"),
                  ("nutrition", "Nutrition"))
KIND_NAMES = dict(WORKSHOP_KINDS)
CANCEL_CONFIRMATION = ("Je confirme l’annulation : cet atelier ne comptera plus dans "
                       "l’activité du programme.")


def workshops_section(page: Page) -> Markup:
    """The member's workshops, and the forms to record and cancel one (if it may)."""
    if not page.may("record_workshop"):
        return Markup("")
    me = page.caller.member_id
    served = [entry for entry in list(page.directory.programmes.values())
              if me == entry.producer_id or me in entry.collection_point_ids]
    record = Form("record_workshop", "Enregistrer un atelier", [
        Field("kind", "Sorte d’atelier", kind="choice",
              options=[Option(value, label) for value, label in WORKSHOP_KINDS]),
        Field("held_on", "Tenu le", kind="date", value=page.today.isoformat()),
        Field("attendance_count", "Nombre de participants", kind="int",
              help=f"Un nombre, jamais de noms (1 à {ATTENDANCE_MAX})"),
        Field("programme_id", "Programme de paniers", kind="uuid", required=False,
              options=[Option(str(entry.programme_id), entry.name) for entry in served],
              value=str(served[0].programme_id) if len(served) == 1 else "",
              help="Vide : un atelier hors programme"),
        Field("title", "Intitulé", required=False),
    ], submit="Enregistrer l’atelier")
    mine = sorted((entry for entry in list(page.directory.workshops.values())
                   if entry.organiser_id == me),
                  key=lambda entry: entry.held_on, reverse=True)[:ROWS_MAX]
    active = [entry for entry in mine if not entry.cancelled]
    cancel = Form("cancel_workshop", "Annuler un atelier enregistré par erreur", [
        Field("workshop_id", "Atelier", kind="uuid", options=[
            Option(str(entry.workshop_id), f"{french.day(entry.held_on)} — "
                                           f"{KIND_NAMES.get(entry.kind, entry.kind)}, "
                                           f"{entry.attendance_count} participants")
            for entry in active[:OPTIONS_MAX]]),
        Field("reason", "Motif"),
    ], submit="Annuler cet atelier", confirm=CANCEL_CONFIRMATION) if active else None
    rows = [[french.day(entry.held_on), KIND_NAMES.get(entry.kind, entry.kind),
             french.count(entry.attendance_count),
             page.name(entry.programme_id) if entry.programme_id else "hors programme",
             entry.title, "annulé" if entry.cancelled else "enregistré"] for entry in mine]
    return section("ateliers", "Ateliers", table(
        "Mes ateliers", [Column("Tenu le"), Column("Sorte"),
                         Column("Participants", number=True), Column("Programme"),
                         Column("Intitulé"), Column("État")], rows, table_id="table-ateliers",
        empty="Aucun atelier enregistré.",
        sort_keys=[[entry.held_on.isoformat(), entry.kind, entry.attendance_count, None, None, None]
                   for entry in mine]), page.forms(record, cancel))
