"""The stock acts and reports on the pages over plain HTTP: each new form appears exactly for
the roles the policy table allows, destructive ones ask a confirmation, held and recalled
lots are never shown available, a past day's stock reads without a script, and each
download link the pages offer answers its document."""

# ruff: noqa: RUF001 - French typography writes its apostrophe as U+2019.

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from typing import Any

import pytest

from domain import commands as c
from domain import reporting_commands as r
from domain.members import MemberKind
from domain.quality_labels import QualityLabel
from domain.workshops import WorkshopKind
from infra.api.pages.roles import PAGES
from infra.api.policy import POLICY
from tests.e2e.pages.conftest import Demo, key
from tests.e2e.pages.test_pages_http import ROLE_TOKENS, client

NEW_FORMS = ("hold_lot", "release_hold", "receive_donation", "sort_donation", "record_donation",
             "cancel_donation", "declare_quality_label", "withdraw_quality_label",
             "record_workshop", "cancel_workshop")
"""The forms of the stock and reports work (docs/stock.md, docs/reports.md)."""
CONFIRMED = ("release_hold", "cancel_donation", "withdraw_quality_label", "cancel_workshop")


@pytest.fixture(scope="module")
def stock_acts(demo: Demo) -> dict[str, Any]:
    """Something for every new form to act on, recorded on the ledger: a bulk donation to
    sort, a held lot, labels declared by the producer and the platform, a workshop recorded
    by the producer and by the outlet, a planned delivery (its pick list)."""
    ledger, platform, producer = (demo.ledger, demo.members["platform"],
                                  demo.members["producer"])
    site, today = demo.extra["site"], date.today()

    def received(product: str, grams: int) -> Any:
        lot = ledger.execute(c.OfferLot(
            command_id=key("offer"), actor_id=producer, product=product, quantity_g=grams,
            price_cents_per_kg=200, harvest_date=today,
            best_before=today + timedelta(days=10))).stream_id
        ledger.execute(c.AcceptOffer(command_id=key("accept"), actor_id=platform, lot_id=lot,
                                     site_id=site, accepted_g=grams))
        ledger.execute(c.ReceiveLot(command_id=key("receive"), actor_id=platform, lot_id=lot,
                                    site_id=site, measured_g=grams))
        return lot

    ledger.execute(c.ReceiveDonation(command_id=key("bulk"), actor_id=platform, site_id=site,
                                     donor_id=producer, description="Invendus",
                                     quantity_g=12_000))
    held = received("radis", 5_000)
    ledger.execute(c.HoldLot(command_id=key("hold"), actor_id=platform, lot_id=held,
                             reason="Analyse en cours"))
    labelled = received("chou", 9_000)
    for actor, label in ((producer, QualityLabel.HVE), (platform, QualityLabel.IGP)):
        ledger.execute(r.DeclareQualityLabel(command_id=key("label"), actor_id=actor,
                                             lot_id=labelled, label=label,
                                             certificate="CERT-2026"))
    for actor in (producer, demo.members["outlet"]):
        ledger.execute(r.RecordWorkshop(command_id=key("workshop"), actor_id=actor,
                                        kind=WorkshopKind.NUTRITION, held_on=today,
                                        attendance_count=9))
    delivered = received("poireau", 20_000)
    planned = ledger.execute(c.PlanDelivery(
        command_id=key("plan"), actor_id=platform, from_site_id=site, planned_for=today,
        stops=[c.PlannedStop(demo.members["outlet"], [c.PlannedLine(delivered, 5_000)])]))
    demo.app.state.services.views.wait_for(demo.head())  # The pages read the views.
    return {"held": held, "labelled": labelled, "delivery": planned.stream_id}


def commands_in(text: str) -> set[str]:
    """The commands of a page's forms."""
    return set(re.findall(r'data-command="([a-z_]+)"', text))


def roles_of(demo: Demo, who: str) -> set[str]:
    """The roles of a demo member (a household's token: its household role)."""
    if who == "household":
        return {"household"}
    return {str(role) for role in demo.ledger.repository.get(demo.members[who]).roles}


@pytest.mark.parametrize("who", ROLE_TOKENS)
def test_each_new_form_appears_exactly_for_the_roles_the_policy_allows(
        demo: Demo, stock_acts: dict[str, Any], who: str) -> None:
    """Across every page a member may open, each new form is shown if and only if one of
    its roles may send that command (hold: platform and coordinator; labels: producer and
    platform; workshops: outlet and producer; donations and bulk: platform)."""
    roles = roles_of(demo, who)
    shown: set[str] = set()
    with client(demo, who) as http:
        for slug, (name, _, _) in PAGES.items():
            if any(role in POLICY[name].roles for role in roles):
                shown |= commands_in(http.get(f"/espace/{slug}").text)
    expected = {command for command in NEW_FORMS
                if any(role in POLICY[command].roles for role in roles)}
    assert shown & set(NEW_FORMS) == expected, (who, sorted(roles))


@pytest.mark.parametrize(("who", "slug", "confirmed"), [
    ("platform", "plateforme", ("release_hold", "cancel_donation", "withdraw_quality_label")),
    ("producer", "producteur", ("withdraw_quality_label", "cancel_workshop")),
    ("outlet", "structure", ("cancel_workshop",)),
    ("coordinator", "coordination", ("release_hold",))])
def test_destructive_new_forms_ask_for_a_confirmation(
        demo: Demo, stock_acts: dict[str, Any], who: str, slug: str,
        confirmed: tuple[str, ...]) -> None:
    """Lifting a hold, cancelling a donation or a workshop, withdrawing a label: a box to
    tick; refusing a lot at the dock: a box required only when « refuse » is chosen."""
    with client(demo, who) as http:
        text = http.get(f"/espace/{slug}").text
    forms = re.findall(r'<form[^>]*data-command="([a-z_]+)"[^>]*>(.*?)</form>', text, re.S)
    found = {command for command, _ in forms if command in CONFIRMED}
    assert set(confirmed) <= found
    assert [command for command, body in forms
            if command in CONFIRMED and 'data-kind="confirm"' not in body] == []
    if who == "platform":
        reception = next(body for command, body in forms if command == "receive_lot")
        assert 'data-si="if_out_of_range=refuse"' in reception


def rows_of(text: str, table_id: str) -> list[tuple[str, list[str]]]:
    """(row class, cell texts) of a table's body rows."""
    body = re.search(rf'<table id="{table_id}".*?<tbody>(.*?)</tbody>', text, re.S)
    assert body is not None, table_id
    rows = []
    for attributes, cells in re.findall(r"<tr([^>]*)>(.*?)</tr>", body.group(1), re.S):
        css = re.search(r'class="([^"]*)"', attributes)
        rows.append((css.group(1) if css else "",
                     [html.unescape(re.sub(r"<[^>]+>", " ", cell)).strip()
                      for cell in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)]))
    return rows


def test_held_and_recalled_lots_are_never_shown_available(demo: Demo,
                                                          stock_acts: dict[str, Any]) -> None:
    """On the platform's page every held or recalled row says so in words and shows 0 kg
    available; the available figure is the API's, which counts neither."""
    with client(demo, "platform") as http:
        text = http.get("/espace/plateforme").text
        site = str(demo.extra["site"])
        stock = http.get(f"/api/stock?site_id={site}",
                         headers={"Accept": "application/json"}).json()
    rows = rows_of(text, "table-stock-plateforme")
    flagged = [(css, cells) for css, cells in rows if css in {"etat-bloque", "etat-rappele"}]
    assert {css for css, _ in flagged} == {"etat-bloque", "etat-rappele"}
    for css, cells in flagged:
        assert cells[6] == "0", cells  # Disponible (kg)
        assert ("Bloqué" if css == "etat-bloque" else "Rappelé") in cells[2]
    available = re.search(r'id="stock-disponible" data-grammes="(\d+)"', text)
    assert available is not None
    assert int(available.group(1)) == sum(line["available_g"] for line in stock["lines"])
    assert all(line["available_g"] == 0 for line in stock["lines"]
               if line["on_hold"] or line["recalled"])


def test_a_past_day_of_stock_reads_without_a_script(demo: Demo) -> None:
    """``?au=2026-12-01`` shows the stock at the end of that day, captioned so, with the way
    back to today, and no label to print (labels are for what is there now)."""
    with client(demo, "platform") as http:
        past = http.get("/espace/plateforme?au=2026-12-01").text
    with client(demo, "auditor") as http:
        audit = http.get("/espace/controle?au=2026-12-01").text
    assert "Lots en stock sur mes sites — au soir du 01/12/2026" in past
    assert 'href="/espace/plateforme">Revenir à aujourd’hui' in past
    assert "/label.pdf" not in past
    held = re.search(r'id="stock-bloque" data-grammes="(\d+)"', past)
    assert held is not None
    assert held.group(1) == "0"  # The demo's hold comes in its last hours, after that day.
    assert "Stock par site et produit — au soir du 01/12/2026" in audit


def link(text: str, label: str) -> str:
    """The address of the page's link whose text or label contains ``label``."""
    for attributes, inner in re.findall(r"<a([^>]*)>(.*?)</a>", text, re.S):
        aria = re.search(r'aria-label="([^"]*)"', attributes)
        words = html.unescape(re.sub(r"<[^>]+>", "", inner) + " "
                              + (aria.group(1) if aria else ""))
        if label in words:
            found = re.search(r'href="([^"]*)"', attributes)
            assert found is not None
            return html.unescape(found.group(1))
    raise AssertionError(f"no link {label!r} on the page")


@pytest.mark.parametrize(("who", "slug", "label", "kind"), [
    ("platform", "plateforme", "PDF — liste de préparation du", "%PDF"),
    ("platform", "plateforme", "Page à imprimer — liste de préparation du", "<!doctype html"),
    ("platform", "plateforme", "Étiquettes de tout le stock", "%PDF"),
    ("platform", "plateforme", "PDF — étiquette du lot", "%PDF"),
    ("platform", "plateforme", "Mon registre de traçabilité (CASF) — PDF", "%PDF"),
    ("platform", "plateforme", "Attestation de dons", "%PDF"),
    ("collection_point", "structure", "Activité", "%PDF"),
    ("funder", "financeur", "Mon rapport de financeur — PDF", "%PDF"),
    ("coordinator", "coordination", "PDF — Registres de traçabilité (CASF) des organismes",
     "%PDF"),
])
def test_each_download_link_answers_its_document(demo: Demo, stock_acts: dict[str, Any],
                                                 who: str, slug: str, label: str,
                                                 kind: str) -> None:
    """The pick list of a planned delivery (PDF, printable page), labels of a site and of a
    lot, the CASF register, a donor's attestation, a programme's activity, the funder
    report, everyone's registers for the coordinator: each link answers its document."""
    if who not in demo.tokens:
        demo.tokens[who] = demo.app.state.services.tokens.create(demo.members[who])[1]
    with client(demo, who) as http:
        address = link(http.get(f"/espace/{slug}").text, label)
        answer = http.get(address, headers={"Accept": "*/*"})
    assert answer.status_code == 200, (address, answer.text[:300])
    assert answer.content[:len(kind)].decode("latin-1").lower() == kind.lower(), address


def test_a_page_travels_gzipped_to_a_browser_that_accepts_it(demo: Demo) -> None:
    """The platform's page crosses the network compressed (several times smaller), and
    plain to a client that does not accept gzip."""
    with client(demo, "platform") as http:
        packed = http.get("/espace/plateforme", headers={"Accept-Encoding": "gzip"})
        unpacked = http.get("/espace/plateforme", headers={"Accept-Encoding": "identity"})
    assert packed.headers["content-encoding"] == "gzip"
    assert int(packed.headers["content-length"]) * 4 < len(packed.content)
    assert "content-encoding" not in unpacked.headers
    assert "<main" in packed.text
    assert "<main" in unpacked.text


def test_a_page_reloaded_after_an_act_shows_it(demo: Demo) -> None:
    """The pages keep what they compute until the store moves: an act written between two
    loads (a hold, a new member) shows on the second load of the platform's, the auditor's
    and the coordinator's pages, and a load with nothing new between is the same page."""
    ledger, platform, today = demo.ledger, demo.members["platform"], date.today()
    lot = ledger.execute(c.OfferLot(
        command_id=key("offer"), actor_id=demo.members["producer"], product="navet",
        quantity_g=7_000, price_cents_per_kg=150, harvest_date=today,
        best_before=today + timedelta(days=10))).stream_id
    ledger.execute(c.AcceptOffer(command_id=key("accept"), actor_id=platform, lot_id=lot,
                                 site_id=demo.extra["site"], accepted_g=7_000))
    ledger.execute(c.ReceiveLot(command_id=key("receive"), actor_id=platform, lot_id=lot,
                                site_id=demo.extra["site"], measured_g=7_000))
    pages = {"platform": ("plateforme", "stock-bloque"), "auditor": ("controle", "reseau-bloque")}

    def held_g(who: str, after: int) -> int:
        slug, figure = pages[who]
        with client(demo, who) as http:
            text = http.get(f"/espace/{slug}?apres={after}").text
        found = re.search(rf'id="{figure}" data-grammes="(\d+)"', text)
        assert found is not None
        return int(found.group(1))

    before = {who: held_g(who, demo.head()) for who in pages}
    assert before == {who: held_g(who, demo.head()) for who in pages}
    ledger.execute(c.HoldLot(command_id=key("hold"), actor_id=platform, lot_id=lot,
                             reason="Analyse en cours"))
    assert {who: held_g(who, demo.head()) - before[who] for who in pages} == {
        "platform": 7_000, "auditor": 7_000}
    name = f"Épicerie {key('nouvelle')}"
    with client(demo, "coordinator") as http:
        assert name not in http.get("/espace/coordination").text
        ledger.execute(c.RegisterMember(command_id=key("member"),
                                        actor_id=demo.members["coordinator"], name=name,
                                        kind=MemberKind.OUTLET, households_served=10))
        assert name in http.get(f"/espace/coordination?apres={demo.head()}").text
