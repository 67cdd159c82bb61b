"""The platform's weekly allocation rounds and its deliveries (sections of « Entrepôt »)."""

# ruff: noqa: RUF001 - French typography writes its apostrophe as U+2019.

from __future__ import annotations

from typing import Any
from uuid import UUID

from markupsafe import Markup

from infra.api.download_names import download_name
from infra.api.pages import french
from infra.api.pages.html import (
    Column,
    Field,
    Form,
    Option,
    join,
    section,
    short_link,
    table,
    tag,
)
from infra.api.pages.page import ROWS_MAX, Page, week_of, word


def rounds_section(page: Page, my_sites: list[tuple[UUID, str]]) -> Markup:
    """The week's allocation round at each of the platform's sites."""
    me = page.caller.member_id
    rounds = sorted((entry for entry in list(page.directory.rounds.values())
                     if entry.platform_id == me), key=lambda entry: entry.position)
    parts: list[Any] = [page.forms(Form("open_round", "Ouvrir la répartition de la semaine", [
        Field("site_id", "Site", kind="uuid",
              options=[Option(str(site_id), name) for site_id, name in my_sites],
              value=str(my_sites[0][0]) if len(my_sites) == 1 else ""),
        Field("week", "Semaine (AAAA-Snn)", kind="week", value=week_of(page.today),
              help="Par exemple 2026-S07 ou 2026-W07"),
    ], submit="Ouvrir"))]
    parts.append(tag("p", _allocation_key_in_force(page), id="cle-en-vigueur"))
    parts.extend(_round_block(page, entry) for entry in rounds[-2:])
    return section("repartition", "Répartition de la semaine", join(parts))


def _round_block(page: Page, entry: Any) -> Markup:
    """One round: its key, needs, computed lines, and the next act it waits for."""
    allocation: Any = page.streams.get(entry.round_id)
    needs = sorted(allocation.needs.values(), key=lambda need: (page.name(need.outlet_id),
                                                                 need.product))
    lines = list(allocation.lines)
    lots = page.view("trace").lots([str(line.lot_id) for line in lines]) if lines else {}
    heading = (f"{french.iso_week_fr(entry.week)} — {page.name(entry.site_id)} : "
               f"{word(entry.status)}")
    block: list[Any] = [tag("h3", heading)]
    if allocation.key:
        decision = (page.streams.get(allocation.decision_id).title
                    if allocation.decision_id else "")
        block.append(tag("p", f"Clé appliquée : {word(allocation.key)}"
                              + (f" (décision « {decision} »)" if decision else
                                 " (par défaut)")))
    block.append(table(
        f"Besoins déclarés — {french.iso_week_fr(entry.week)}",
        [Column("Structure"), Column("Produit"), Column("Besoin (kg)", number=True)],
        [[page.name(need.outlet_id), need.product, french.kg_number(need.quantity_g)]
         for need in needs][:ROWS_MAX], table_id=f"besoins-{entry.round_id}"))
    block.append(table(
        f"Lignes calculées — {french.iso_week_fr(entry.week)}",
        [Column("Lot"), Column("Produit"), Column("Structure"),
         Column("Quantité (kg)", number=True)],
        [[lots[str(line.lot_id)].code if str(line.lot_id) in lots else "",
          lots[str(line.lot_id)].product if str(line.lot_id) in lots else "",
          page.name(line.outlet_id), french.kg_number(line.quantity_g)]
         for line in lines][:ROWS_MAX], table_id=f"lignes-{entry.round_id}"))
    block.append(_round_forms(page, entry, lines, lots))
    return tag("div", join(block), class_="tournee")


def _round_forms(page: Page, entry: Any, lines: list[Any], lots: dict[str, Any]) -> Markup:
    """Compute, adjust and confirm the round, then plan the delivery of its lines."""
    fixed = {"round_id": str(entry.round_id)}
    forms: list[Form] = []
    if entry.status in {"open", "computed"}:
        forms.append(Form("compute_round", "Calculer la répartition", fixed=fixed,
                          compact=True, submit="Calculer"))
    if entry.status == "computed" and lines:
        codes = {lot_id: lot.code for lot_id, lot in lots.items()}
        forms.append(Form("adjust_round", "Ajuster des lignes", [
            *(Field("quantity_g", f"{page.name(line.outlet_id)} — "
                                  f"{codes.get(str(line.lot_id), '')} (kg)",
                    kind="kg", value=french.kg_number(line.quantity_g),
                    list_name="lines", item={"lot_id": str(line.lot_id),
                                             "outlet_id": str(line.outlet_id)})
              for line in lines[:ROWS_MAX]),
            Field("reason", "Motif de l’ajustement"),
        ], fixed=fixed, submit="Ajuster"))
        forms.append(Form("confirm_round", "Confirmer la répartition", fixed=fixed,
                          compact=True, submit="Confirmer la répartition"))
    if entry.status == "confirmed" and lines and not _delivered(page, entry):
        stops: dict[str, list[dict[str, Any]]] = {}
        for line in lines:
            stops.setdefault(str(line.outlet_id), []).append(
                {"lot_id": str(line.lot_id), "quantity_g": line.quantity_g})
        forms.append(Form("plan_delivery", "Planifier la livraison", [
            Field("planned_for", "Date de livraison", kind="date",
                  value=page.today.isoformat()),
        ], fixed={"from_site_id": str(entry.site_id),
                  "stops": [{"outlet_id": outlet, "lines": stop_lines}
                            for outlet, stop_lines in stops.items()]},
            submit="Planifier la livraison des lignes confirmées"))
    return page.forms(*forms)


def _delivered(page: Page, entry: Any) -> bool:
    """Whether a delivery was planned from the site after the round was opened."""
    return any(delivery.site_id == entry.site_id and delivery.position > entry.position
               and delivery.status != "cancelled"
               for delivery in list(page.directory.deliveries.values()))


def _allocation_key_in_force(page: Page) -> str:
    enactments = page.streams.rules_in_force(page.today)
    for enactment in enactments:
        if str(enactment.kind) == "allocation_key":
            rule: Any = enactment.rule
            return (f"Clé en vigueur : {word(str(rule.key))}, minimum "
                    f"{french.percent(rule.minimum_share_bp)} par structure — décidée par "
                    f"« {enactment.title} », en vigueur depuis le "
                    f"{french.day(enactment.effective_from)}.")
    return "Clé en vigueur : au prorata des besoins (par défaut, aucune décision)."


def deliveries_section(page: Page) -> Markup:
    """The platform's deliveries: dispatch the planned ones."""
    me = page.caller.member_id
    mine = sorted((entry for entry in list(page.directory.deliveries.values())
                   if entry.platform_id == me), key=lambda entry: -entry.position)[:ROWS_MAX]
    rows = []
    for entry in mine:
        actions: Any = ""
        if entry.status == "planned":
            actions = page.forms(
                Form("dispatch_delivery", f"Expédier la livraison du "
                                          f"{french.day(entry.planned_for)}",
                     fixed={"delivery_id": str(entry.delivery_id)}, compact=True,
                     submit="Expédier"))
        rows.append([french.day(entry.planned_for), page.name(entry.site_id),
                     ", ".join(page.name(outlet) for outlet in entry.outlet_ids),
                     word(entry.status), actions, _pick_list_links(page, entry)])
    planned = [entry for entry in mine if entry.status == "planned"]
    cancel = Form("cancel_delivery", "Annuler une livraison planifiée", [
        Field("delivery_id", "Livraison", kind="uuid", options=[
            Option(str(entry.delivery_id), f"{french.day(entry.planned_for)} — "
                   + ", ".join(page.name(outlet) for outlet in entry.outlet_ids))
            for entry in planned]),
        Field("reason", "Motif"),
    ], submit="Annuler la livraison",
        confirm="Je confirme l’annulation : la livraison ne partira pas ; ses lots restent "
                "sur le site.") if planned else None
    return section("livraisons", "Livraisons", table(
        "Mes livraisons", [Column("Date"), Column("Depuis"), Column("Arrêts"), Column("État"),
                           Column("Action"), Column("Liste de préparation")], rows,
        table_id="table-livraisons"),
        page.forms(cancel))


def _pick_list_links(page: Page, entry: Any) -> Markup:
    """A planned delivery's pick list, first expired first out: PDF and printable page."""
    if entry.status != "planned":
        return Markup("")
    links = []
    context = f"liste de préparation du {french.day(entry.planned_for)}"
    if page.may("pick_list_pdf"):
        links.append(short_link("PDF", context,
                                f"/api/deliveries/{entry.delivery_id}/pick-list.pdf",
                                download=download_name(
                                    f"liste-de-préparation-{entry.planned_for}-"
                                    f"{page.name(entry.site_id)}", "pdf")))
    if page.may("pick_list_html"):
        links.append(short_link("Page à imprimer", context,
                                f"/api/deliveries/{entry.delivery_id}/pick-list.html",
                                target="_blank", rel="noopener"))
    return join([links[0], " · ", links[1]]) if len(links) == 2 else join(links)
