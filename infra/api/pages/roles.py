"""The work page of each role: what it sees and the forms of what it may do.

Each ``*_page`` function reads the views, the directory and a few streams, and returns the
page's sections as HTML. A form appears only when the policy table lets the caller send its
command (``Page.may``): the page never offers what the API would refuse by role. Lists are
bounded (``ROWS_MAX``): a page is for the work of the day, the exports hold everything.
"""

# ruff: noqa: RUF001 - French typography writes its apostrophe as U+2019.

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from markupsafe import Markup

from domain.base import Role
from infra import reader
from infra.api.access import Caller
from infra.api.pages import french
from infra.api.pages.chart import chart_html, stock_history
from infra.api.pages.directory import Directory
from infra.api.pages.html import (
    Column,
    Field,
    Form,
    Option,
    details,
    figures,
    form_html,
    join,
    section,
    table,
    tag,
)
from infra.api.pages.refusals import STATUS_WORDS
from infra.api.policy import POLICY
from infra.api.services import Services

ROWS_MAX = 200  # Rows of a list on a page; the exports hold everything.
OPTIONS_MAX = 300  # Choices in a select (lots in stock at one platform: a few dozen).
PROPOSALS_SHOWN_MAX = 20

CHANNELS = (("food_aid", "Aide alimentaire"), ("canteen", "Restauration collective"),
            ("basket", "Panier solidaire"))
MEMBER_KINDS = (("producer", "Producteur (jardin, ferme)"), ("platform", "Plateforme, banque "
                "alimentaire"), ("outlet", "Structure (association, épicerie, CCAS)"),
                ("funder", "Financeur"), ("household", "Délégué·e des foyers"),
                ("network", "Réseau, coordination"))
SITE_KINDS = (("warehouse", "Entrepôt"), ("garden", "Jardin"), ("outlet", "Point de "
              "distribution"))
ALLOCATION_KEYS = (("proportional_to_needs", "Au prorata des besoins déclarés"),
                   ("proportional_to_households", "Au prorata des foyers servis"))
KIND_WORDS = {"producer": "producteur", "platform": "plateforme", "outlet": "structure",
              "funder": "financeur", "household": "foyer", "network": "réseau",
              "funder_budget": "budget de livraison", "programme_fund": "fonds du programme",
              "set_allocation_key": "Clé de répartition", "set_price_grid": "Grille de prix",
              "set_basket_terms": "Conditions des paniers", "admit_member": "Admission",
              "commit_budget": "Engagement budgétaire", "producers": "producteurs",
              "outlets": "structures", "households": "foyers", "funders": "financeurs",
              "employees": "salariés", "allocation_key": "Clé de répartition",
              "price_grid": "Grille de prix", "basket_terms": "Conditions des paniers",
              "delivery": "livraison", "basket": "panier", "decision": "décision",
              "commitment": "engagement", "proportional_to_needs": "au prorata des besoins",
              "proportional_to_households": "au prorata des foyers servis",
              "food_aid": "aide alimentaire", "canteen": "restauration collective",
              "warehouse": "entrepôt", "garden": "jardin"}


def word(code: str | None) -> str:
    """A code of the ledger in French."""
    if code is None:
        return ""
    return STATUS_WORDS.get(code) or KIND_WORDS.get(code) or code.replace("_", " ")


@dataclass
class Page:
    """What a page function reads from."""

    services: Services
    caller: Caller
    directory: Directory
    today: date

    def may(self, name: str) -> bool:
        """Whether the policy table lets the caller use this route (command or read)."""
        access = POLICY.get(name)
        return access is not None and self.caller.scope_for(access) is not None

    def view(self, name: str) -> Any:
        """A view of the app (``stock``, ``trace`` or ``balances``)."""
        return getattr(self.services.views, name)

    def name(self, party: UUID | str | None) -> str:
        """A member's name, a site's name or a household's reference."""
        return self.directory.name(party)

    def forms(self, *specs: Form | None) -> Markup:
        """The forms the caller may send, in order."""
        return join(form_html(spec) for spec in specs
                    if spec is not None and self.may(spec.command))


def week_of(day: date) -> str:
    """``2026-W07``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def lot_rows(stock: Any, where: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Rows of the stock view's lots: id, code, product, variety, status, site, best-before,
    on hand, reserved, in transit, recalled, producer, platform."""
    lots = stock.table("stock_lots")
    rows: list[tuple[Any, ...]] = stock.database.query(
        "SELECT lot_id, code, product, variety, status, site_id, best_before, on_hand_g, "
        f"reserved_g, in_transit_g, recalled_at_us IS NOT NULL, producer_id, platform_id "
        f"FROM {lots} WHERE {where} ORDER BY code DESC LIMIT {ROWS_MAX}", list(params))
    return rows


def lot_label(row: Sequence[Any], grams: int) -> str:
    """``L260105-… — carotte Nantaise, 120 kg``."""
    variety = f" {row[3]}" if row[3] else ""
    return f"{row[1]} — {row[2]}{variety}, {french.kg(grams)}"


def accounts_of(page: Page, owner: UUID) -> list[Any]:
    """The owner's accounts in the balances view."""
    balances = page.view("balances")
    return [] if balances is None else list(balances.accounts(owner_id=str(owner)))


# ------------------------------------------------------------------ producer


def producer_page(page: Page) -> Markup:
    """Offer a lot, follow one's lots, see what one is owed and paid, recall a lot."""
    me = page.caller.member_id
    stock, trace = page.view("stock"), page.view("trace")
    rows = lot_rows(stock, "producer_id = ?", [str(me)])
    offered = trace.lots([row[0] for row in rows]) if rows else {}
    journeys = _journeys(page, [row[0] for row in rows])
    table_rows, keys = [], []
    for row in rows:
        lot = offered.get(row[0])
        quantity_g = lot.quantity_g if lot is not None else 0
        state = "rappelé" if row[10] else word(row[4])
        table_rows.append([row[1], f"{row[2]} {row[3]}".strip(), french.kg_number(quantity_g),
                           state, page.name(row[5]) if row[5] else "—",
                           french.kg_number(int(row[7])), journeys.get(row[0], "")])
        keys.append([row[1], row[2], quantity_g, state, "", int(row[7]), ""])
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
            [Column("Lot"), Column("Produit"), Column("Proposé (kg)", number=True),
             Column("État"), Column("Site"), Column("En stock (kg)", number=True),
             Column("Parcours")], table_rows, table_id="table-mes-lots", sort_keys=keys)),
        section("argent", "Ce qui m’est dû et ce qui m’a été payé", money),
        section("rappel", "Rappeler un lot", page.forms(recall),
                intro="Un rappel bloque le lot et tous les lots qui en sont issus, et prévient "
                      "chaque structure qui l’a reçu."),
        downloads(page),
    ])


def _journeys(page: Page, lot_ids: list[str]) -> dict[str, str]:
    """Where each lot went, in a few words (received at, delivered to, distributed)."""
    if not lot_ids:
        return {}
    trace = page.view("trace")
    rows = trace.database.query_in(
        "SELECT lot_id, kind, COUNT(DISTINCT holder_id), SUM(quantity_g) "
        f"FROM {trace.table('trace_movements')} WHERE lot_id IN ({{in_list}}) "
        "AND kind IN ('received', 'split', 'delivered', 'distributed', 'lost') "
        "GROUP BY lot_id, kind", lot_ids)
    words = {"received": "reçu {kg}", "split": "divisé", "delivered": "livré à {n} "
             "structure(s)", "distributed": "distribué {kg}", "lost": "perte {kg}"}
    parts: dict[str, list[str]] = {}
    for lot_id, kind, holders, grams in sorted(rows, key=lambda row: list(words).index(row[1])):
        parts.setdefault(lot_id, []).append(
            words[kind].format(kg=french.kg(int(grams or 0)), n=int(holders)))
    return {lot_id: " · ".join(items) for lot_id, items in parts.items()}


def _owed_and_paid(page: Page, member_id: UUID) -> Markup:
    accounts = [account for account in accounts_of(page, member_id)
                if account.kind == "producer"]
    pending = sum(account.credits_pending_cents for account in accounts)
    paid = sum(account.credits_posted_cents for account in accounts)
    return figures([("Dû (en attente de réception)", french.euros(pending),
                     {"data_centimes": str(pending), "id": "du-en-attente"}),
                    ("Payé", french.euros(paid), {"data_centimes": str(paid), "id": "paye"})])


# ------------------------------------------------------------------ platform


def platform_page(page: Page) -> Markup:
    """Offers, receptions, stock and its history, rounds and deliveries of a platform."""
    me = page.caller.member_id
    stock, trace = page.view("stock"), page.view("trace")
    my_sites = page.directory.sites_of(me)
    site_options = [Option(str(site_id), name) for site_id, name in my_sites]
    offers = lot_rows(stock, "status = 'offered'", [])
    offered = trace.lots([row[0] for row in offers]) if offers else {}
    offer_options = [Option(row[0], f"{lot_label(row, offered[row[0]].quantity_g)} "
                                    f"({page.name(row[11])})",
                            {"kg": french.kg_number(offered[row[0]].quantity_g)})
                     for row in offers if row[0] in offered]
    accept = Form("accept_offer", "Accepter une offre", [
        Field("lot_id", "Offre", kind="uuid", options=offer_options, fills="accepted_g"),
        Field("site_id", "Site de réception", kind="uuid", options=site_options,
              value=site_options[0].value if len(site_options) == 1 else ""),
        Field("accepted_g", "Quantité acceptée (kg)", kind="kg",
              help="Toute l’offre ou une partie"),
    ], submit="Accepter")
    decline = Form("decline_offer", "Refuser une offre", [
        Field("lot_id", "Offre", kind="uuid", options=offer_options),
        Field("reason", "Motif"),
    ], submit="Refuser")
    awaited = lot_rows(stock, "status = 'accepted' AND platform_id = ?", [str(me)])
    awaited_lots = trace.lots([row[0] for row in awaited]) if awaited else {}
    receive = Form("receive_lot", "Recevoir et peser un lot", [
        Field("lot_id", "Lot attendu", kind="uuid",
              options=[Option(row[0], f"{row[1]} — {row[2]} ({page.name(row[11])})",
                              {"site": row[5] or ""}) for row in awaited]),
        Field("site_id", "Site", kind="uuid", options=site_options,
              value=site_options[0].value if len(site_options) == 1 else ""),
        Field("measured_g", "Poids mesuré (kg)", kind="kg",
              help="L’écart avec la quantité acceptée est enregistré"),
    ], submit="Enregistrer la réception")
    site_ids = [str(site_id) for site_id, _ in my_sites]
    in_stock = lot_rows(stock, f"site_id IN ({', '.join('?' for _ in site_ids)}) AND "
                        "on_hand_g > 0", site_ids) if site_ids else []
    stock_options = [Option(row[0], lot_label(row, int(row[7]) - int(row[8])),
                            {"kg": french.kg_number(int(row[7]) - int(row[8]))})
                     for row in in_stock if not row[10]][:OPTIONS_MAX]
    outlets = [Option(str(member_id), name)
               for member_id, name in page.directory.members_of_kind("outlet")]
    stock_forms = page.forms(
        Form("split_lot", "Diviser un lot", [
            Field("lot_id", "Lot", kind="uuid", options=stock_options),
            Field("parts_g", "Parts (kg, séparées par ;)", kind="kg_list",
                  help="Par exemple 10 ; 12,5 — elles doivent faire tout le disponible"),
        ], submit="Diviser"),
        Form("reserve_lot", "Réserver pour une structure", [
            Field("lot_id", "Lot", kind="uuid", options=stock_options),
            Field("outlet_id", "Structure", kind="uuid", options=outlets),
            Field("quantity_g", "Quantité (kg)", kind="kg"),
        ], submit="Réserver"),
        Form("release_reservation", "Libérer une réservation", [
            Field("lot_id", "Lot", kind="uuid", options=stock_options),
            Field("outlet_id", "Structure", kind="uuid", options=outlets),
            Field("quantity_g", "Quantité (kg)", kind="kg"),
            Field("reason", "Motif"),
        ], submit="Libérer"),
        Form("merge_lots", "Regrouper deux lots", [
            Field("lot_id", "Premier lot", kind="uuid", options=stock_options,
                  list_name="parents", item={}),
            Field("quantity_g", "Quantité du premier (kg)", kind="kg", list_name="parents",
                  item={}),
            Field("lot_id", "Second lot", kind="uuid", options=stock_options,
                  list_name="parents", item={}),
            Field("quantity_g", "Quantité du second (kg)", kind="kg", list_name="parents",
                  item={}),
        ], submit="Regrouper"),
        Form("transform_lots", "Transformer un lot", [
            Field("lot_id", "Lot utilisé", kind="uuid", options=stock_options,
                  list_name="inputs", item={}),
            Field("quantity_g", "Quantité utilisée (kg)", kind="kg", list_name="inputs",
                  item={}),
            Field("product", "Produit obtenu", list_name="outputs", item={}),
            Field("quantity_g", "Quantité obtenue (kg)", kind="kg", list_name="outputs",
                  item={}),
            Field("loss_g", "Perte (kg)", kind="kg", help="Utilisé = obtenu + perte"),
        ], submit="Transformer"),
        Form("record_loss", "Déclarer une perte", [
            Field("lot_id", "Lot", kind="uuid", options=stock_options),
            Field("quantity_g", "Quantité perdue (kg)", kind="kg"),
            Field("reason", "Motif"),
        ], submit="Déclarer la perte"),
    )
    stock_table = table(
        "Lots en stock sur mes sites",
        [Column("Lot"), Column("Produit"), Column("Site"), Column("À consommer avant"),
         Column("En main (kg)", number=True), Column("Réservé (kg)", number=True),
         Column("Disponible (kg)", number=True)],
        [[row[1], f"{row[2]} {row[3]}".strip(), page.name(row[5]), french.day(row[6]),
          french.kg_number(int(row[7])), french.kg_number(int(row[8])),
          french.kg_number(int(row[7]) - int(row[8]))] for row in in_stock],
        table_id="table-stock-plateforme",
        sort_keys=[[row[1], row[2], "", row[6], int(row[7]), int(row[8]),
                    int(row[7]) - int(row[8])] for row in in_stock])
    history = stock_history(stock, page.services.views.position("stock"), site_ids,
                            page.today)
    pending_table = table(
        "Offres en attente",
        [Column("Lot"), Column("Produit"), Column("Producteur"), Column("Proposé (kg)",
                                                                        number=True)],
        [[row[1], f"{row[2]} {row[3]}".strip(), page.name(row[11]),
          french.kg_number(offered[row[0]].quantity_g)] for row in offers if row[0] in offered],
        table_id="table-offres")
    awaited_table = table(
        "Lots acceptés à recevoir",
        [Column("Lot"), Column("Produit"), Column("Producteur"), Column("Site")],
        [[row[1], row[2], page.name(row[11]), page.name(row[5])] for row in awaited
         if row[0] in awaited_lots], table_id="table-a-recevoir")
    return join([
        section("offres", "Offres des producteurs", pending_table, page.forms(accept, decline)),
        section("reception", "Réception", awaited_table, page.forms(receive)),
        section("stock", "Stock de mes sites", stock_table,
                chart_html(history, title="Stock de mes sites", table_id="table-historique")),
        section("gestes", "Diviser, regrouper, transformer, réserver", stock_forms),
        rounds_section(page, my_sites),
        deliveries_section(page),
        downloads(page),
    ])


def rounds_section(page: Page, my_sites: list[tuple[UUID, str]]) -> Markup:
    """The week's allocation round at each of the platform's sites."""
    me = page.caller.member_id
    rounds = sorted((entry for entry in list(page.directory.rounds.values())
                     if entry.platform_id == me), key=lambda entry: entry.position)
    parts: list[Any] = [page.forms(Form("open_round", "Ouvrir la répartition de la semaine", [
        Field("site_id", "Site", kind="uuid",
              options=[Option(str(site_id), name) for site_id, name in my_sites],
              value=str(my_sites[0][0]) if len(my_sites) == 1 else ""),
        Field("week", "Semaine (AAAA-Snn)", value=week_of(page.today),
              help="Par exemple 2026-W07"),
    ], submit="Ouvrir"))]
    key = _allocation_key_in_force(page)
    parts.append(tag("p", key, id="cle-en-vigueur"))
    for entry in rounds[-2:]:
        allocation: Any = page.services.ledger.repository.get(entry.round_id)
        needs = sorted(allocation.needs.values(), key=lambda need: (page.name(need.outlet_id),
                                                                     need.product))
        lines = list(allocation.lines)
        lots = page.view("trace").lots([str(line.lot_id) for line in lines]) if lines else {}
        heading = (f"{french.iso_week_fr(entry.week)} — {page.name(entry.site_id)} : "
                   f"{word(entry.status)}")
        block: list[Any] = [tag("h3", heading)]
        if allocation.key:
            decision = (page.services.ledger.repository.get(allocation.decision_id).title
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
        fixed = {"round_id": str(entry.round_id)}
        if entry.status in {"open", "computed"}:
            block.append(page.forms(Form("compute_round", "Calculer la répartition",
                                         fixed=fixed, compact=True, submit="Calculer")))
        if entry.status == "computed" and lines:
            codes = {lot_id: lot.code for lot_id, lot in lots.items()}
            block.append(page.forms(Form("adjust_round", "Ajuster des lignes", [
                *(Field("quantity_g", f"{page.name(line.outlet_id)} — "
                                      f"{codes.get(str(line.lot_id), '')} (kg)",
                        kind="kg", value=french.kg_number(line.quantity_g),
                        list_name="lines", item={"lot_id": str(line.lot_id),
                                                 "outlet_id": str(line.outlet_id)})
                  for line in lines[:ROWS_MAX]),
                Field("reason", "Motif de l’ajustement"),
            ], fixed=fixed, submit="Ajuster")))
            block.append(page.forms(Form("confirm_round", "Confirmer la répartition",
                                         fixed=fixed, compact=True,
                                         submit="Confirmer la répartition")))
        if entry.status == "confirmed" and lines and not _delivered(page, entry):
            stops: dict[str, list[dict[str, Any]]] = {}
            for line in lines:
                stops.setdefault(str(line.outlet_id), []).append(
                    {"lot_id": str(line.lot_id), "quantity_g": line.quantity_g})
            block.append(page.forms(Form("plan_delivery", "Planifier la livraison", [
                Field("planned_for", "Date de livraison", kind="date",
                      value=page.today.isoformat()),
            ], fixed={"from_site_id": str(entry.site_id),
                      "stops": [{"outlet_id": outlet, "lines": stop_lines}
                                for outlet, stop_lines in stops.items()]},
                submit="Planifier la livraison des lignes confirmées")))
        parts.append(tag("div", join(block), class_="tournee"))
    return section("repartition", "Répartition de la semaine", join(parts))


def _delivered(page: Page, entry: Any) -> bool:
    """Whether a delivery was planned from the site after the round was opened."""
    return any(delivery.site_id == entry.site_id and delivery.position > entry.position
               and delivery.status != "cancelled"
               for delivery in list(page.directory.deliveries.values()))


def _allocation_key_in_force(page: Page) -> str:
    enactments = reader.rules_in_force(page.services.ledger, page.today)
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
                     word(entry.status), actions])
    return section("livraisons", "Livraisons", table(
        "Mes livraisons", [Column("Date"), Column("Depuis"), Column("Arrêts"), Column("État"),
                           Column("Action")], rows, table_id="table-livraisons"))


# ------------------------------------------------------------------ outlet


def outlet_page(page: Page) -> Markup:
    """Needs, receipts, distributions and losses, baskets of an outlet."""
    me = page.caller.member_id
    open_rounds = [entry for entry in list(page.directory.rounds.values())
                   if entry.status == "open"]
    need = Form("declare_need", "Déclarer un besoin", [
        Field("round_id", "Répartition", kind="uuid", options=[
            Option(str(entry.round_id), f"{page.name(entry.site_id)} — "
                                        f"{french.iso_week_fr(entry.week)}")
            for entry in sorted(open_rounds, key=lambda entry: entry.position)],
            value=str(open_rounds[0].round_id) if len(open_rounds) == 1 else ""),
        Field("product", "Produit"),
        Field("quantity_g", "Quantité souhaitée (kg)", kind="kg"),
    ], submit="Déclarer")
    stops = [entry for entry in list(page.directory.deliveries.values())
             if entry.status == "dispatched" and me in entry.outlet_ids
             and me not in entry.received_outlets]
    receipts: list[Any] = []
    for entry in sorted(stops, key=lambda entry: entry.position):
        delivery: Any = page.services.ledger.repository.get(entry.delivery_id)
        stop = delivery.stop_for(me)
        lots = page.view("trace").lots([str(line.lot_id) for line in stop.lines])
        receipts.append(Form("receive_delivery", f"Livraison du "
                                                 f"{french.day(entry.planned_for)} depuis "
                                                 f"{page.name(entry.site_id)}", [
            *(Field("received_g", f"{lots[str(line.lot_id)].product} "
                                  f"{lots[str(line.lot_id)].code} — expédié "
                                  f"{french.kg(line.quantity_g)} ; reçu (kg)",
                    kind="kg", value=french.kg_number(line.quantity_g), list_name="lines",
                    item={"lot_id": str(line.lot_id)})
              for line in stop.lines if str(line.lot_id) in lots),
            Field("signer", "Signé par (nom)"),
        ], fixed={"delivery_id": str(entry.delivery_id)}, submit="Signer la réception"))
    stock = page.view("stock")
    holdings = stock.outlet_holdings(outlet_id=str(me))
    holding_options = [Option(holding.lot_id, f"{holding.code} — {holding.product}, "
                                              f"{french.kg(holding.held_g)}",
                              {"kg": french.kg_number(holding.held_g)})
                       for holding in holdings if not holding.recalled][:OPTIONS_MAX]
    distribute = Form("record_distribution", "Enregistrer une distribution", [
        Field("lot_id", "Lot", kind="uuid", options=holding_options, fills="quantity_g"),
        Field("quantity_g", "Quantité distribuée (kg)", kind="kg"),
        Field("channel", "Canal", kind="choice",
              options=[Option(value, label) for value, label in CHANNELS], value="food_aid"),
    ], submit="Enregistrer la distribution")
    loss = Form("record_loss", "Déclarer une perte", [
        Field("lot_id", "Lot", kind="uuid", options=holding_options),
        Field("quantity_g", "Quantité perdue (kg)", kind="kg"),
        Field("reason", "Motif", value="Produits abîmés"),
    ], submit="Déclarer la perte")
    holdings_table = table(
        "Ce que je détiens", [Column("Lot"), Column("Produit"), Column("Détenu (kg)",
                                                                       number=True),
                              Column("État")],
        [[holding.code, holding.product, french.kg_number(holding.held_g),
          "rappelé : ne pas distribuer" if holding.recalled else "à distribuer"]
         for holding in holdings][:ROWS_MAX], table_id="table-detenu",
        sort_keys=[[holding.code, holding.product, holding.held_g, ""]
                   for holding in holdings][:ROWS_MAX])
    return join([
        section("besoins", "Besoins de la semaine", page.forms(need)),
        section("receptions", "Livraisons à signer",
                page.forms(*receipts) if receipts else tag("p", "Aucune livraison en route "
                                                                "vers vous.")),
        section("distributions", "Distributions et pertes", holdings_table,
                page.forms(distribute, loss)),
        baskets_section(page),
        downloads(page),
    ])


def baskets_section(page: Page) -> Markup:
    """Enrol households; record the collection of the baskets prepared here."""
    me = page.caller.member_id
    programmes = [Option(str(entry.programme_id), entry.name)
                  for entry in list(page.directory.programmes.values())]
    enrol = Form("enrol_household", "Inscrire un foyer", [
        Field("programme_id", "Programme", kind="uuid", options=programmes,
              value=programmes[0].value if len(programmes) == 1 else ""),
        Field("reference", "Référence (pseudonyme)", help="Lettres, chiffres, tirets : "
              "jamais un nom"),
        Field("name", "Nom (scellé, jamais dans le journal)"),
        Field("contact", "Contact (scellé)", required=False),
        Field("share_bp", "Part payée par le foyer (%)", kind="percent", required=False,
              help="Vide : le plafond en vigueur (30 % au plus)"),
    ], submit="Inscrire")
    waiting = sorted((basket for basket in list(page.directory.baskets.values())
                      if basket.collection_point_id == me and basket.status == "prepared"),
                     key=lambda basket: (basket.week, page.name(basket.household_id)))
    rows = [[page.name(basket.household_id), french.iso_week_fr(basket.week),
             french.euros(basket.household_cents),
             page.forms(Form("collect_basket", f"Panier récupéré — "
                                               f"{page.name(basket.household_id)}",
                             fixed={"basket_id": str(basket.basket_id)}, compact=True,
                             submit="Récupéré"))]
            for basket in waiting[:ROWS_MAX]]
    if not page.may("collect_basket") and not page.may("enrol_household"):
        return Markup("")
    return section("paniers", "Paniers solidaires", page.forms(enrol), table(
        "Paniers préparés à remettre", [Column("Foyer"), Column("Semaine"),
                                        Column("Part du foyer"), Column("Action")],
        rows, table_id="table-paniers", empty="Aucun panier en attente ici."))


# ------------------------------------------------------------------ governance


def governance_page(page: Page) -> Markup:
    """Proposals with their terms, vote and change one's vote, tallies, rules in force."""
    from domain.governance import Colleges  # noqa: PLC0415 - read only here.

    me = page.caller.member_id
    now = datetime.now(tz=UTC)
    colleges: Any = None
    try:
        colleges = page.services.ledger.repository.get(Colleges.ID)
    except Exception:
        colleges = None
    seated = colleges is not None and me in getattr(colleges, "members", {})
    blocks: list[Any] = []
    for proposal_id in list(reversed(page.directory.proposal_ids))[:PROPOSALS_SHOWN_MAX]:
        proposal: Any = page.services.ledger.repository.get(proposal_id)
        blocks.append(_proposal_block(page, proposal, now))
    submit = Form("submit_proposal", "Soumettre une proposition (clé de répartition)", [
        Field("title", "Titre"),
        Field("payload.key", "Clé proposée", kind="choice",
              options=[Option(value, label) for value, label in ALLOCATION_KEYS]),
        Field("payload.minimum_share_bp", "Minimum par structure (%)", kind="percent",
              value="0"),
        Field("closes_at", "Fin du vote", kind="datetime",
              value=(datetime.now(tz=UTC) + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")),
        Field("quorum_bp", "Quorum (%)", kind="percent", value="30"),
        Field("threshold_bp", "Seuil d’adoption (%)", kind="percent", value="50"),
    ], fixed={"payload": {"kind": "set_allocation_key"}}, submit="Soumettre au vote")
    rules = _rules_table(page)
    parts = [section("propositions", "Propositions", join(blocks) if blocks else
                     tag("p", "Aucune proposition."))]
    if seated:
        parts.append(section("proposer-vote", "Proposer", page.forms(submit)))
    else:
        parts.append(tag("p", "Vous ne siégez dans aucun collège : vous suivez les votes sans "
                              "y prendre part.", class_="intro"))
    parts.append(section("regles", "Règles en vigueur", rules))
    return join(parts)


def _proposal_block(page: Page, proposal: Any, now: datetime) -> Markup:
    kind = str(type(proposal.payload).__struct_config__.tag or "")
    status = str(proposal.status)
    closes_at = proposal.closes_at if proposal.closes_at.tzinfo else proposal.closes_at.replace(
        tzinfo=UTC)
    heading = tag("h3", proposal.title)
    facts = [f"{word(kind)} · proposée par {page.name(proposal.proposer_id)}",
             f"vote du {french.moment(proposal.opens_at)} au {french.moment(proposal.closes_at)}",
             f"quorum {french.percent(proposal.quorum_bp)}, seuil "
             f"{french.percent(proposal.threshold_bp)}"]
    state = {"open": "ouverte", "adopted": "adoptée", "rejected": "rejetée"}.get(status, status)
    lines: list[Any] = [heading, tag("p", " · ".join(facts)),
                        tag("p", join(["État : ", tag("strong", state,
                                                      class_=f"etat-{status}")]))]
    terms = _terms(page, proposal.payload)
    if terms:
        lines.append(tag("p", f"Termes : {terms}"))
    tally = proposal.outcome if proposal.outcome is not None else proposal.count()
    lines.append(table(
        ("Décompte par collège" if status != "open" else "Décompte provisoire par collège")
        + f" — {proposal.title}",
        [Column("Collège"), Column("Poids", number=True), Column("Membres", number=True),
         Column("Pour", number=True), Column("Contre", number=True),
         Column("Abstention", number=True)],
        [[word(str(college.college)), french.percent(college.weight_bp), college.members,
          college.yes, college.no, college.abstain] for college in tally.colleges],
        table_id=f"decompte-{proposal.id}"))
    if status != "open":
        lines.append(tag("p", f"Participation {french.percent(tally.participation_bp)}, "
                              f"pour {french.percent(tally.yes_share_bp)} : {state}."))
    my_vote = proposal.ballots.get(page.caller.member_id)
    if status == "open" and now < closes_at and page.caller.member_id in proposal.roll:
        if my_vote is not None:
            lines.append(tag("p", f"Votre vote : {word(str(my_vote))} (modifiable jusqu’à la "
                                  "clôture)", class_="mon-vote"))
        lines.append(page.forms(Form("cast_vote", f"Voter — {proposal.title}", [
            Field("choice", "Mon vote", kind="choice",
                  options=[Option("yes", "Pour"), Option("no", "Contre"),
                           Option("abstain", "Abstention")],
                  value=str(my_vote) if my_vote is not None else ""),
        ], fixed={"proposal_id": str(proposal.id)},
            submit="Changer mon vote" if my_vote is not None else "Voter")))
    if status == "open" and now >= closes_at:
        lines.append(page.forms(Form("close_proposal", f"Clore le vote — {proposal.title}",
                                     fixed={"proposal_id": str(proposal.id)}, compact=True,
                                     submit="Clore et dépouiller")))
    return tag("article", join(lines), class_="proposition", data_statut=status)


def _terms(page: Page, payload: Any) -> str:
    kind = str(type(payload).__struct_config__.tag or "")
    if kind == "set_allocation_key":
        return (f"{word(str(payload.key))}, minimum "
                f"{french.percent(payload.minimum_share_bp)} par structure")
    if kind == "set_price_grid":
        prices = ", ".join(f"{price.product} {french.euros(price.price_cents_per_kg)}/kg"
                           for price in payload.prices)
        return (f"{prices} ; part des structures {french.percent(payload.outlet_share_bp)} ; "
                + ", ".join(f"{page.name(funder.funder_id)} {french.percent(funder.share_bp)}"
                            for funder in payload.funders))
    if kind == "set_basket_terms":
        return (f"panier {french.euros(payload.basket_price_cents)}, part des foyers au plus "
                f"{french.percent(payload.household_share_cap_bp)}")
    if kind == "commit_budget":
        return f"{page.name(payload.funder_id)} engage {french.euros(payload.amount_cents)}"
    if kind == "admit_member":
        return f"admission de {page.name(payload.member_id)} ({word(str(payload.college))})"
    return ""


def _rules_table(page: Page) -> Markup:
    enactments = reader.rules_in_force(page.services.ledger, page.today)
    return table("Règles en vigueur aujourd’hui",
                 [Column("Règle"), Column("Termes"), Column("Depuis"), Column("Décidée par")],
                 [[word(str(enactment.kind)), _terms(page, enactment.rule),
                   french.day(enactment.effective_from), enactment.title]
                  for enactment in enactments], table_id="table-regles",
                 empty="Aucune règle votée : les règles par défaut s’appliquent.")


# ------------------------------------------------------------------ coordinator


def coordination_page(page: Page) -> Markup:
    """Register members and sites; the directory."""
    members = sorted(page.directory.members.items(), key=lambda item: item[1][0].lower())
    operators = [Option(str(member_id), name) for member_id, (name, kind) in members
                 if kind in {"platform", "producer", "outlet"}]
    register_member = Form("register_member", "Inscrire un membre", [
        Field("name", "Nom"),
        Field("kind", "Sorte de membre", kind="choice",
              options=[Option(value, label) for value, label in MEMBER_KINDS]),
        Field("households_served", "Foyers servis par semaine (structures)", kind="int",
              required=False, value="0"),
    ], submit="Inscrire")
    register_site = Form("register_site", "Enregistrer un site", [
        Field("name", "Nom du site"),
        Field("kind", "Sorte de site", kind="choice",
              options=[Option(value, label) for value, label in SITE_KINDS]),
        Field("operator_id", "Exploité par", kind="uuid", options=operators),
        Field("city", "Commune", required=False),
    ], submit="Enregistrer")
    balances = page.view("balances")
    total = int(balances.total_cents()) if balances is not None else 0
    open_to_close = sum(1 for proposal_id in list(page.directory.proposal_ids)
                        if _closable(page, proposal_id))
    return join([
        figures([("Membres", french.count(len(members)), {"id": "nombre-membres"}),
                 ("Sites", french.count(len(page.directory.sites)), {}),
                 ("Somme de tous les soldes", french.euros(total),
                  {"data_centimes": str(total)}),
                 ("Votes à clore", french.count(open_to_close), {})]),
        section("inscrire", "Inscrire", page.forms(register_member, register_site)),
        section("membres", "Membres", table(
            "Membres de la coopérative", [Column("Nom"), Column("Sorte")],
            [[name, word(kind)] for _, (name, kind) in members][:ROWS_MAX * 5],
            table_id="table-membres")),
        section("sites", "Sites", table(
            "Sites", [Column("Nom"), Column("Sorte"), Column("Exploitant"), Column("Commune")],
            [[site[0], word(site[1]), page.name(site[2]), site[3]]
             for site in sorted(page.directory.sites.values(), key=lambda site: site[0])],
            table_id="table-sites")),
        downloads(page),
    ])


def _closable(page: Page, proposal_id: UUID) -> bool:
    proposal: Any = page.services.ledger.repository.get(proposal_id)
    closes_at = proposal.closes_at if proposal.closes_at.tzinfo else proposal.closes_at.replace(
        tzinfo=UTC)
    return str(proposal.status) == "open" and datetime.now(tz=UTC) >= closes_at


# ------------------------------------------------------------------ funder


def funder_page(page: Page) -> Markup:
    """Budgets (committed, pending, spent), what they co-financed, the report."""
    me = page.caller.member_id
    accounts = [account for account in accounts_of(page, me)
                if account.kind in {"funder_budget", "programme_fund"}]
    committed = sum(account.credits_posted_cents for account in accounts)
    pending = sum(account.debits_pending_cents for account in accounts)
    spent = sum(account.debits_posted_cents for account in accounts)
    balances = page.view("balances")
    transfers = balances.table("balances_transfers")
    ids = [account.account_id for account in accounts]
    rows: list[tuple[Any, ...]] = []
    if ids:
        rows = balances.database.query_in(
            "SELECT cause_kind, status, COUNT(*), SUM(amount_cents), SUM(posted_cents) "
            f"FROM {transfers} WHERE debit_account_id IN ({{in_list}}) GROUP BY cause_kind, "
            "status", ids)
    financed = table(
        "Ce que j’ai cofinancé", [Column("Pour"), Column("État"), Column("Nombre", number=True),
                                  Column("Montant", number=True)],
        [[word(row[0]) + ("s" if int(row[2]) > 1 else ""), word(row[1]),
          french.count(int(row[2])),
          french.euros(int(row[4] if row[1] == "posted" else row[3]))]
         for row in sorted(rows)], table_id="table-cofinance",
        sort_keys=[[row[0], row[1], int(row[2]), int(row[3])] for row in sorted(rows)])
    programmes = [Option(str(entry.programme_id), f"Fonds du programme {entry.name}")
                  for entry in list(page.directory.programmes.values())]
    commit = Form("commit_budget", "Engager un budget", [
        Field("amount_cents", "Montant (€)", kind="euros", help="Par exemple 1 500,00"),
        Field("programme_id", "Pour", kind="uuid", required=False,
              options=programmes, help="Vide : le budget des livraisons"),
    ], submit="Engager")
    account_table = table(
        "Mes budgets", [Column("Budget"), Column("Engagé", number=True),
                        Column("Réservé", number=True), Column("Dépensé", number=True),
                        Column("Reste", number=True)],
        [[word(account.kind) + (f" — {page.name(account.scope_id)}" if account.scope_id
                                else ""),
          french.euros(account.credits_posted_cents), french.euros(account.debits_pending_cents),
          french.euros(account.debits_posted_cents),
          french.euros(account.credits_posted_cents - account.debits_posted_cents
                       - account.debits_pending_cents)] for account in accounts],
        table_id="table-budgets")
    return join([
        figures([("Engagé", french.euros(committed), {"id": "engage",
                                                       "data_centimes": str(committed)}),
                 ("Réservé (en attente)", french.euros(pending),
                  {"id": "en-attente", "data_centimes": str(pending)}),
                 ("Dépensé", french.euros(spent), {"id": "depense",
                                                    "data_centimes": str(spent)})]),
        section("budgets", "Mes budgets", account_table, page.forms(commit)),
        section("cofinance", "Paniers et livraisons cofinancés", financed),
        downloads(page),
    ])


# ------------------------------------------------------------------ household


def household_page(page: Page) -> Markup:
    """The household's own account: baskets collected and the share it paid."""
    me = page.caller.member_id
    entry = page.directory.households.get(me)
    baskets = sorted((basket for basket in list(page.directory.baskets.values())
                      if basket.household_id == me), key=lambda basket: basket.week,
                     reverse=True)
    collected = [basket for basket in baskets if basket.status == "collected"]
    paid = sum(basket.household_cents for basket in collected)
    programme = page.directory.programmes.get(entry.programme_id) if entry else None
    return join([
        tag("p", f"Référence : {entry.reference if entry else ''} — programme "
                 f"{programme.name if programme else ''}", class_="intro"),
        figures([("Paniers récupérés", french.count(len(collected)), {"id": "paniers-recuperes"}),
                 ("Ma part payée", french.euros(paid), {"id": "part-payee",
                                                        "data_centimes": str(paid)})]),
        section("mes-paniers", "Mes paniers", table(
            "Mes paniers", [Column("Semaine"), Column("Prix du panier", number=True),
                            Column("Ma part", number=True), Column("État")],
            [[french.iso_week_fr(basket.week), french.euros(basket.price_cents),
              french.euros(basket.household_cents), word(basket.status)]
             for basket in baskets], table_id="table-mes-paniers",
            sort_keys=[[basket.week, basket.price_cents, basket.household_cents, basket.status]
                       for basket in baskets])),
    ])


# ------------------------------------------------------------------ auditor


def audit_page(page: Page) -> Markup:
    """Everything read-only: the chain's status, balances, stock, downloads."""
    database = page.services.extras.get("store_database")
    head = int(page.services.ledger.recorder.max_notification_id() or 0)
    sealed = 0
    if database is not None and database.table_exists("event_chain"):
        rows = database.execute("SELECT MAX(notification_id) FROM event_chain")
        sealed = int(rows[0][0] or 0) if rows else 0
    balances = page.view("balances")
    accounts = balances.accounts() if balances is not None else []
    total = sum(account.balance_cents for account in accounts)
    stock = page.view("stock")
    history = stock_history(stock, page.services.views.position("stock"), None, page.today)
    totals = stock.totals()
    status = ("Chaîne scellée jusqu’à l’événement "
              f"{french.count(sealed)} sur {french.count(head)} (chaque événement est scellé "
              "dans la transaction qui l’enregistre)" if sealed else
              f"Historique de {french.count(head)} événements, pas encore scellé")
    return join([
        figures([("Événements", french.count(head), {"id": "evenements"}),
                 ("Scellés", french.count(sealed), {"id": "scelles"}),
                 ("Somme de tous les soldes", french.euros(total),
                  {"id": "somme-soldes", "data_centimes": str(total)})]),
        section("verification", "Vérification de l’historique", tag("p", status),
                tag("p", tag("a", "Vérifier toute la chaîne maintenant",
                             href="/espace/controle/verification")) if page.may(
                    "page_verification") else ""),
        section("soldes", "Soldes", table(
            "Comptes et soldes", [Column("Titulaire"), Column("Compte"),
                                  Column("Débits", number=True), Column("Crédits", number=True),
                                  Column("En attente", number=True), Column("Solde",
                                                                            number=True)],
            [[page.name(account.owner_id), word(account.kind),
              french.euros(account.debits_posted_cents),
              french.euros(account.credits_posted_cents),
              french.euros(account.credits_pending_cents - account.debits_pending_cents),
              french.euros(account.balance_cents)] for account in accounts[:ROWS_MAX]],
            table_id="table-soldes",
            sort_keys=[["", account.kind, account.debits_posted_cents,
                        account.credits_posted_cents,
                        account.credits_pending_cents - account.debits_pending_cents,
                        account.balance_cents] for account in accounts[:ROWS_MAX]])),
        section("stock", "Stock du réseau", table(
            "Stock par site et produit", [Column("Site"), Column("Produit"),
                                          Column("En main (kg)", number=True),
                                          Column("Disponible (kg)", number=True)],
            [[total_line.site_name, total_line.product, french.kg_number(total_line.on_hand_g),
              french.kg_number(total_line.available_g)] for total_line in totals[:ROWS_MAX]],
            table_id="table-stock-reseau"),
            chart_html(history, title="Stock du réseau", table_id="table-historique")),
        downloads(page),
    ])


# ------------------------------------------------------------------ downloads


def downloads(page: Page) -> Markup:
    """Download buttons for the exports the caller may take (CSV, XLSX, EPCIS JSON-LD)."""
    me = page.caller.member_id
    start = date(page.today.year, 1, 1)
    if page.today.month <= 3:  # Early in a year, last year's activity is what one reports.
        start = date(page.today.year - 1, 1, 1)
    period = f"from={start.isoformat()}&to={page.today.isoformat()}"
    links: list[tuple[str, str]] = []
    if page.may("export_register"):
        for fmt in ("xlsx", "csv"):
            links.append((f"Mon registre (une étape avant, une étape après) — {fmt.upper()}",
                          f"/api/exports/register/{me}?{period}&format={fmt}"))
    if page.may("export_funder_report") and page.caller.kind == "funder":
        for fmt in ("xlsx", "csv"):
            links.append((f"Mon rapport de financeur — {fmt.upper()}",
                          f"/api/exports/funder-report/{me}?{period}&format={fmt}"))
    if page.may("export_epcis"):
        links.append(("Événements de traçabilité EPCIS 2.0 (JSON-LD)",
                      f"/api/exports/epcis?{period}"))
    if page.may("export_history"):
        # Verified alone: cocagne verify --file FICHIER --public-key CLE (see docs/audit.md).
        links.append(("Historique vérifiable, avec sa chaîne et son point de contrôle signé "
                      "(JSON Lines)", "/api/history/export"))
        if page.services.extras.get("checkpoint_key") is not None:
            links.append(("Clé publique des points de contrôle (PEM)",
                          "/api/checkpoints/public-key"))
    if not links and not page.may("export_trace"):
        return Markup("")
    items = [tag("li", tag("a", label, href=href, download=True, class_="bouton"))
             for label, href in links]
    trace_form: Any = ""
    if page.may("export_trace"):
        trace_form = tag("form", join([
            tag("label", "Code du lot", for_="export-lot"),
            Markup('<input id="export-lot" name="lot" required autocomplete="off" '
                   'placeholder="L260105-…">'),
            tag("label", "Format", for_="export-format"),
            tag("select", join([tag("option", "XLSX", value="xlsx"),
                                tag("option", "CSV", value="csv")]),
                id="export-format", name="format"),
            tag("button", "Télécharger la fiche de rappel du lot", type="submit"),
        ]), class_="export-lot filtres", data_export="trace", method="get",
            action="/api/exports/trace")
    funder_forms: Any = ""
    if page.may("export_funder_report") and page.caller.kind != "funder":
        funders = page.directory.members_of_kind("funder")
        funder_forms = details("Rapports des financeurs", tag("ul", join(
            tag("li", join([escape_text(name), " : ",
                            tag("a", "XLSX", href=f"/api/exports/funder-report/{funder_id}?"
                                                  f"{period}&format=xlsx", download=True),
                            " · ",
                            tag("a", "CSV", href=f"/api/exports/funder-report/{funder_id}?"
                                                 f"{period}&format=csv", download=True)]))
            for funder_id, name in funders)))
    return section("telechargements", "Télécharger",
                   tag("p", f"Période : du {french.day(start)} au {french.day(page.today)}."),
                   tag("ul", join(items), class_="telechargements"), trace_form, funder_forms)


def escape_text(text: str) -> Markup:
    """Plain text as HTML."""
    return join([text])


PAGES: dict[str, tuple[str, str, Callable[[Page], Markup]]] = {
    # slug: (policy name, title, builder)
    "producteur": ("page_producer", "Mes lots", producer_page),
    "plateforme": ("page_platform", "Entrepôt", platform_page),
    "structure": ("page_outlet", "Ma structure", outlet_page),
    "gouvernance": ("page_governance", "Gouvernance", governance_page),
    "coordination": ("page_coordination", "Coordination", coordination_page),
    "financeur": ("page_funder", "Financement", funder_page),
    "foyer": ("page_household", "Mon compte", household_page),
    "controle": ("page_audit", "Contrôle", audit_page),
}
MAIN_PAGE_BY_ROLE: tuple[tuple[Role, str], ...] = (
    (Role.HOUSEHOLD, "foyer"), (Role.AUDITOR, "controle"), (Role.PRODUCER, "producteur"),
    (Role.PLATFORM, "plateforme"), (Role.OUTLET, "structure"), (Role.FUNDER, "financeur"),
    (Role.COORDINATOR, "coordination"), (Role.VOTER, "gouvernance"))
