"""Each role does its work from its page, in French, on a phone, through Chromium.

For every role the test signs in with the demo's link, fills in and submits the page's
forms (nothing is posted by the test itself), then finds the event in the store and the
change on the page. A double click writes one event; a refused act shows its French reason
with its numbers and writes nothing; acts recorded offline wait on the device and are sent
once each, in order, when the network returns. axe checks every role's page at phone and
desktop sizes, and the phone-sized main page of each role is kept in ``docs/screens/``.
"""

# ruff: noqa: RUF001 - French typography writes its apostrophe as U+2019.

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser

from domain.allocations import AllocationRound
from domain.baskets import Basket, BasketProgramme, Household
from domain.deliveries import Delivery
from domain.lots import Lot
from domain.members import Member
from domain.proposals import Proposal
from domain.sites import Site
from domain.transfers import Transfer
from infra.audit.history_check import verify_file
from tests.e2e.pages.conftest import (
    DESKTOP,
    MAIN_PAGES,
    PHONE,
    SCREENS,
    Demo,
    refreshed,
    refused_reason,
    serious_violations,
    sign_in,
    submit,
    text_of,
)

pytestmark = pytest.mark.slow
PARIS = ZoneInfo("Europe/Paris")
SCREEN_SECTIONS = {"platform": "#stock", "outlet": "#receptions"}
"""The section a role's screenshot shows when its page's top is only forms: the
platform's stock in every state, what is on the road to the outlet."""


def test_a_producer_offers_a_lot_once_even_when_clicking_twice(browser: Browser,
                                                                demo: Demo) -> None:
    """The offer form turns 12,5 kg and 1,80 €/kg into grams and cents; a double click
    records one offer, shown in the producer's lots."""
    page = sign_in(browser, demo, "producer")
    before = demo.head()
    submit(page, "offer_lot", {"product": "Potiron", "variety": "Rouge vif d’Étampes",
                               "quantity_g": "12,5", "price_cents_per_kg": "1,80",
                               "harvest_date": "2026-01-19", "best_before": "2026-02-10",
                               "organic_certificate": "FR-BIO-01"}, double=True)
    offers = [event for _, event in demo.events_since(before, Lot.Offered.TOPIC)]
    assert len(offers) == 1
    assert (offers[0].product, offers[0].quantity_g, offers[0].price_cents_per_kg) == (
        "potiron", 12_500, 180)
    row = page.locator("#table-mes-lots tr", has_text=offers[0].code)
    assert "12,5" in row.inner_text()
    assert "proposé" in row.inner_text()
    page.context.close()


def test_a_refused_offer_says_why_in_french_and_writes_nothing(browser: Browser,
                                                               demo: Demo) -> None:
    """A best-before before the harvest is refused with both dates in French."""
    page = sign_in(browser, demo, "producer")
    before = demo.head()
    submit(page, "offer_lot", {"product": "Chou", "quantity_g": "3", "price_cents_per_kg": "1,5",
                               "harvest_date": "2026-01-19", "best_before": "2026-01-10"},
           reload=False)
    reason = refused_reason(page)
    assert reason == ("La date « à consommer de préférence avant » (10/01/2026) précède la "
                      "récolte (19/01/2026).")
    assert demo.head() == before
    page.context.close()


def test_a_producer_recalls_its_lot_after_confirming(browser: Browser, demo: Demo) -> None:
    """The recall needs the confirmation box; the lot then shows as recalled."""
    page = sign_in(browser, demo, "producer")
    form = page.locator("form.acte[data-command='recall_lot']")
    lot_id = str(demo.extra["recall_lot"])
    form.locator("[name='lot_id']").select_option(lot_id)
    form.locator("[name='reason']").fill("Analyse : résidus au-dessus du seuil")
    form.locator("button[type=submit]").click()
    assert "cochez la confirmation" in form.locator(".erreur-formulaire").inner_text()
    before = demo.head()
    submit(page, "recall_lot", {"_confirmation": "on"})
    recalls = [event for _, event in demo.events_since(before, Lot.Recalled.TOPIC)]
    assert [str(event.originator_id) for event in recalls][:1] == [lot_id]
    assert "rappelé" in page.locator("#table-mes-lots").inner_text()
    page.context.close()


def test_a_platform_accepts_part_of_an_offer_and_weighs_it(browser: Browser,
                                                          demo: Demo) -> None:
    """Accept 8 of 12,5 kg, then record 7,9 kg measured: the lot is in stock."""
    producer_page = sign_in(browser, demo, "producer")
    submit(producer_page, "offer_lot", {"product": "Navet", "quantity_g": "12,5",
                                        "price_cents_per_kg": "2",
                                        "harvest_date": "2026-01-19",
                                        "best_before": "2026-02-01"})
    producer_page.context.close()
    lot = demo.events_since(demo.head() - 10, Lot.Offered.TOPIC)[-1][1]
    page = sign_in(browser, demo, "platform")
    before = demo.head()
    submit(page, "accept_offer", {"lot_id": str(lot.originator_id), "accepted_g": "8"})
    accepted = [event for _, event in demo.events_since(before, Lot.OfferAccepted.TOPIC)]
    assert [event.accepted_g for event in accepted] == [8_000]
    assert lot.code in page.locator("#table-a-recevoir").inner_text()
    before = demo.head()
    submit(page, "receive_lot", {"lot_id": str(lot.originator_id), "measured_g": "7,9"})
    received = [event for _, event in demo.events_since(before, Lot.Received.TOPIC)]
    assert [(event.measured_g, event.discrepancy_g) for event in received] == [(7_900, -100)]
    assert lot.code in page.locator("#table-stock-plateforme").inner_text()
    before = demo.head()
    submit(page, "split_lot", {"lot_id": str(lot.originator_id), "parts_g": "4 ; 3,9"})
    splits = [event for _, event in demo.events_since(before, Lot.Split.TOPIC)]
    assert [[child.quantity_g for child in event.children] for event in splits] == [
        [4_000, 3_900]]
    crate = str(splits[0].children[0].lot_id)
    before = demo.head()
    submit(page, "transform_lots", {"lot_id": crate, "quantity_g": "4|3,5",
                                    "product": "Soupe de navet", "loss_g": "0,5"})
    made = [event for _, event in demo.events_since(before, Lot.TransformedInto.TOPIC)]
    assert [(event.used_g, event.loss_g) for event in made] == [(4_000, 500)]
    assert "soupe de navet" in page.locator("#table-stock-plateforme").inner_text()
    page.context.close()


def test_a_refused_reservation_shows_the_available_stock(browser: Browser, demo: Demo) -> None:
    """Reserving more than available is refused with the quantities, nothing written."""
    page = sign_in(browser, demo, "platform")
    option = page.locator("form.acte[data-command='reserve_lot'] [name='lot_id'] option").nth(1)
    lot_id = option.get_attribute("value") or ""
    before = demo.head()
    submit(page, "reserve_lot", {"lot_id": lot_id, "outlet_id": str(demo.members["outlet"]),
                                 "quantity_g": "5 000"}, reload=False)
    reason = refused_reason(page).replace("\u202f", " ").replace("\u00a0", " ")
    assert reason.startswith("5 000 kg refusés : le lot ")
    assert "disponibles (" in reason
    assert "en stock" in reason
    assert demo.head() == before
    page.context.close()


def test_the_weekly_round_from_needs_to_dispatch(browser: Browser, demo: Demo) -> None:
    """The platform opens a round, the outlet declares a need, the platform computes,
    confirms, plans the delivery of the confirmed lines and dispatches it."""
    page = sign_in(browser, demo, "platform")
    before = demo.head()
    submit(page, "open_round", {"week": "2026-W30"})
    opened = [event for _, event in demo.events_since(before, AllocationRound.Opened.TOPIC)]
    assert [event.week for event in opened] == ["2026-W30"]
    round_id = str(opened[0].originator_id)
    outlet = sign_in(browser, demo, "outlet")
    before = demo.head()
    submit(outlet, "declare_need", {"round_id": round_id, "product": "carotte",
                                    "quantity_g": "25"})
    needs = [event for _, event in demo.events_since(before,
                                                     AllocationRound.NeedDeclared.TOPIC)]
    assert [event.need.quantity_g for event in needs] == [25_000]
    outlet.context.close()
    page.reload()
    submit(page, "compute_round", {})
    computed = demo.events_since(before, AllocationRound.Computed.TOPIC)
    assert len(computed) == 1
    assert computed[0][1].lines
    assert "Lignes calculées" in text_of(page)
    first = computed[0][1].lines[0]
    submit(page, "adjust_round", {"quantity_g": "1,5", "reason": "Chambre froide pleine"})
    adjusted = [event for _, event in demo.events_since(before, AllocationRound.Adjusted.TOPIC)]
    assert [(line.lot_id, line.quantity_g) for line in adjusted[0].lines][:1] == [
        (first.lot_id, 1_500)]
    assert adjusted[0].reason == "Chambre froide pleine"
    submit(page, "confirm_round", {})
    assert len(demo.events_since(before, AllocationRound.Confirmed.TOPIC)) == 1
    submit(page, "plan_delivery", {"planned_for": "2026-07-23"})
    planned = [event for _, event in demo.events_since(before, Delivery.Planned.TOPIC)]
    assert len(planned) == 1
    assert planned[0].stops[0].outlet_id == demo.members["outlet"]
    row = page.locator("#table-livraisons tr", has_text="23/07/2026")
    assert "planifié" in row.inner_text()
    with refreshed(page):
        row.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    assert len(demo.events_since(before, Delivery.Dispatched.TOPIC)) == 1
    assert "expédié" in page.locator("#table-livraisons tr", has_text="23/07/2026").inner_text()
    page.context.close()


def test_an_outlet_signs_for_its_stop_with_a_shortfall(browser: Browser, demo: Demo) -> None:
    """The receipt form lists the stop's lines; 29,5 of 30 kg received, signed by name."""
    page = sign_in(browser, demo, "outlet")
    before = demo.head()
    form_index = page.locator("form.acte[data-command='receive_delivery']").evaluate_all(
        f"(forms) => forms.findIndex(f => f.dataset.fixed.includes('{demo.transit_delivery}'))")
    submit(page, "receive_delivery", {"received_g": "29,5", "signer": "Mme Martin"},
           index=form_index)
    stops = [event for _, event in demo.events_since(before, Delivery.StopReceived.TOPIC)]
    assert [(line.received_g, line.discrepancy_g) for line in stops[0].lines] == [(29_500, -500)]
    assert stops[0].signer == "Mme Martin"
    assert "29,5" in page.locator("#table-detenu").inner_text()
    page.context.close()


def test_an_outlet_distributes_and_a_refusal_quotes_what_it_holds(browser: Browser,
                                                                  demo: Demo) -> None:
    """Distribute 10 kg by the canteen channel; 900 kg is refused with the 30 kg held."""
    page = sign_in(browser, demo, "outlet")
    lot = str(demo.held_lot)
    before = demo.head()
    submit(page, "record_distribution", {"lot_id": lot, "quantity_g": "900"}, reload=False)
    reason = refused_reason(page).replace("\u202f", " ").replace("\u00a0", " ")
    assert reason.startswith("Distribution de 900 kg refusée : vous ne détenez que ")
    assert demo.head() == before
    page.locator("#file-actes li[data-etat='refuse'] button", has_text="Corriger").click()
    form = page.locator("form.acte[data-command='record_distribution']")
    assert form.locator("[name='quantity_g']").input_value() == "900"
    submit(page, "record_distribution", {"quantity_g": "10", "channel": "canteen"})
    distributed = [event for _, event in demo.events_since(before, Lot.Distributed.TOPIC)]
    assert [(event.quantity_g, str(event.channel)) for event in distributed] == [
        (10_000, "canteen")]
    assert page.locator("#file-actes li[data-etat='refuse']").count() == 0
    page.context.close()


def test_acts_recorded_offline_are_sent_once_in_order(browser: Browser, demo: Demo) -> None:
    """Offline, a distribution then a loss wait on the device; back online, exactly one
    event each is stored, in the order they were recorded."""
    page = sign_in(browser, demo, "outlet", service_worker=True)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # Now controlled by the service worker, which keeps this page.
    page.wait_for_load_state("load")
    page.wait_for_function("caches.match(location.origin + location.pathname)"
                           ".then(found => found !== undefined)")
    lot = str(demo.held_lot)
    before = demo.head()
    page.context.set_offline(True)
    page.reload()  # Offline, the service worker serves the page as last seen.
    page.wait_for_load_state("load")
    assert "Ce que je détiens" in text_of(page)
    page.wait_for_function("document.getElementById('etat-reseau').textContent"
                           ".startsWith('Hors ligne')")
    submit(page, "record_distribution", {"lot_id": lot, "quantity_g": "5"}, reload=False)
    submit(page, "record_loss", {"lot_id": lot, "quantity_g": "1,5",
                                 "reason": "Cagettes écrasées"}, reload=False)
    waiting = page.locator("#file-actes li[data-etat='attente']")
    assert waiting.count() == 2
    assert "en attente" in waiting.first.inner_text()
    time.sleep(0.5)
    assert demo.head() == before
    with refreshed(page):
        page.context.set_offline(False)
    page.wait_for_load_state("load")
    events = demo.events_since(before, Lot.Distributed.TOPIC, Lot.Lost.TOPIC)
    assert [(type(event).__name__, event.quantity_g) for _, event in events] == [
        ("Distributed", 5_000), ("Lost", 1_500)]
    assert events[0][0] < events[1][0]
    assert page.locator("#file-actes li[data-etat='envoye']").count() >= 2
    page.context.close()


def test_an_outlet_enrols_a_household_and_hands_out_a_basket(browser: Browser,
                                                            demo: Demo) -> None:
    """Enrolment keeps only the pseudonymous reference in the events; the collection point
    records a basket's collection from its list."""
    page = sign_in(browser, demo, "outlet")
    before = demo.head()
    submit(page, "enrol_household", {"reference": "EPI-0007", "name": "Foyer Dupont",
                                      "contact": "06 00 00 00 07", "share_bp": "20"})
    enrolled = [event for _, event in demo.events_since(before, Household.Enrolled.TOPIC)]
    assert [(event.reference, event.share_bp) for event in enrolled] == [("EPI-0007", 2_000)]
    assert b"Dupont" not in enrolled[0].sealed_personal_data
    page.context.close()
    point = sign_in(browser, demo, "collection_point")
    row = point.locator("#table-paniers tr", has_text="semaine 40 de 2026")
    before = demo.head()
    with refreshed(point):
        row.locator("button[type=submit]").click()
    collected = [event for _, event in demo.events_since(before, Basket.Collected.TOPIC)]
    assert [event.originator_id for event in collected] == [demo.basket]
    point.wait_for_load_state("load")
    assert "semaine 40 de 2026" not in point.locator("#table-paniers").inner_text()
    point.context.close()


def test_an_outlet_erases_a_household_only_after_confirming(browser: Browser,
                                                            demo: Demo) -> None:
    """The outlet enrols a household, then erases it: refused in the form until the
    confirmation is ticked, then one erasure, and the household leaves the list."""
    page = sign_in(browser, demo, "outlet")
    before = demo.head()
    submit(page, "enrol_household", {"reference": "EPI-0099", "name": "Foyer Martin"})
    household = demo.events_since(before, Household.Enrolled.TOPIC)[0][1].originator_id
    form = page.locator("form.acte[data-command='erase_household']")
    form.locator("[name='household_id']").select_option(str(household))
    form.locator("button[type=submit]").click()
    assert "cochez la confirmation" in form.locator(".erreur-formulaire").inner_text()
    assert demo.events_since(before, Household.Erased.TOPIC) == []
    submit(page, "erase_household", {"household_id": str(household), "_confirmation": "on"})
    erased = [event for _, event in demo.events_since(before, Household.Erased.TOPIC)]
    assert [event.originator_id for event in erased] == [household]
    options = page.locator("form.acte[data-command='erase_household'] option").all_inner_texts()
    assert "Foyer EPI-0099" not in options
    page.context.close()


def test_a_collection_point_prepares_a_basket_then_hands_it_out(browser: Browser,
                                                                demo: Demo) -> None:
    """A basket made up from a lot the point holds (1,5 kg), at the terms in force, then
    « Récupéré » from the list: the household's share is posted."""
    page = sign_in(browser, demo, "collection_point")
    before = demo.head()
    household = str(demo.extra["basket_household"])
    lot = page.locator("form.acte[data-command='prepare_basket'] [name='lot_id'] option").nth(
        1).get_attribute("value") or ""
    submit(page, "prepare_basket", {"household_id": household, "week": "2026-W41",
                                    "lot_id": lot, "quantity_g": "1,5"})
    prepared = [event for _, event in demo.events_since(before, Basket.Prepared.TOPIC)]
    assert [(str(event.household_id), event.week, [line.quantity_g for line in event.lines])
            for event in prepared] == [(household, "2026-W41", [1_500])]
    row = page.locator("#table-paniers tr", has_text="semaine 41 de 2026")
    with refreshed(page):
        row.locator("button[type=submit]").click()
    collected = [event for _, event in demo.events_since(before, Basket.Collected.TOPIC)]
    assert [event.originator_id for event in collected] == [prepared[0].originator_id]
    assert "semaine 41 de 2026" not in page.locator("#table-paniers").inner_text()
    page.context.close()


def test_a_suspended_member_is_refused_its_next_act(browser: Browser, demo: Demo) -> None:
    """The coordinator opens a programme for a garden (a price in euros, a funder's share,
    a collection point ticked) and suspends the garden after confirming; the garden's next
    offer is refused in French, nothing written, and its page now says it is suspended."""
    directory = demo.app.state.services.extras["page_directory"]
    garden = next(member_id for member_id, _ in directory.members_of_kind("producer")
                  if member_id not in (demo.members["producer"], *(
                      entry.producer_id for entry in directory.programmes.values())))
    demo.tokens["garden"] = demo.app.state.services.tokens.create(garden, label="e2e")[1]
    producer = sign_in(browser, demo, "garden", main="producteur")
    coordinator = sign_in(browser, demo, "coordinator")
    before = demo.head()
    programme_form = coordinator.locator("form.acte[data-command='open_basket_programme']")
    programme_form.locator(f"fieldset input[value='{demo.members['outlet']}']").check()
    submit(coordinator, "open_basket_programme", {
        "name": "Paniers du Port", "producer_id": str(garden), "basket_price_cents": "12,50",
        "share_bp": "100"})
    opened = [event for _, event in demo.events_since(before, BasketProgramme.Opened.TOPIC)]
    assert [(event.name, event.terms.basket_price_cents, len(event.collection_point_ids))
            for event in opened] == [("Paniers du Port", 1_250, 1)]
    coordinator.locator("form.acte[data-command='suspend_member'] [name='member_id']"
                        ).select_option(str(garden))
    submit(coordinator, "suspend_member", {"reason": "Certificat bio échu",
                                           "_confirmation": "on"})
    assert len(demo.events_since(before, Member.Suspended.TOPIC)) == 1
    assert "suspendu·e" in coordinator.locator("#table-membres tr", has_text=directory.name(
        garden)).inner_text()
    coordinator.context.close()
    head = demo.head()
    submit(producer, "offer_lot", {"product": "Chou", "quantity_g": "3",
                                   "price_cents_per_kg": "1,5"}, reload=False)
    assert refused_reason(producer) == (f"{directory.name(garden)} est suspendu·e : aucun acte "
                                        "n’est possible.")
    assert demo.head() == head
    producer.reload()
    assert "Votre adhésion est suspendue." in text_of(producer)
    producer.context.close()


def test_the_coordinator_submits_a_member_votes_and_the_coordinator_closes(
        browser: Browser, demo: Demo) -> None:
    """The secretariat submits a proposal from the governance page without sitting in a
    college; a college member votes and changes its vote; after closing the coordinator
    closes it and the page shows the tally per college."""
    coordinator = sign_in(browser, demo, "coordinator")
    coordinator.goto(f"{demo.url}/espace/gouvernance")
    closes_at = datetime.now(tz=PARIS) + timedelta(seconds=14)
    closes = closes_at.strftime("%Y-%m-%dT%H:%M:%S")
    before = demo.head()
    key_form = coordinator.locator("form.acte[data-command='submit_proposal']").first
    key_form.locator("[name='closes_at']").evaluate(
        "(element, value) => { element.step = 1; element.value = value; }", closes)
    submit(coordinator, "submit_proposal", {"title": "Clé au prorata des besoins, 10 % minimum",
                                            "payload.key": "proportional_to_needs",
                                            "payload.minimum_share_bp": "10"})
    submitted = [event for _, event in demo.events_since(before, Proposal.Submitted.TOPIC)]
    assert [(event.payload.minimum_share_bp, event.quorum_bp, event.proposer_id,
             str(event.context.role)) for event in submitted] == [
        (1_000, 3_000, demo.members["coordinator"], "coordinator")]
    page = sign_in(browser, demo, "voter")
    submit(page, "cast_vote", {"choice": "yes"}, index=0)
    article = page.locator("article.proposition", has_text="10 % minimum").first
    assert "Votre vote : pour" in article.inner_text()
    submit(page, "cast_vote", {"choice": "yes"}, index=0, reload=False)
    assert refused_reason(page).startswith("Vous avez déjà voté pour sur « Clé au prorata")
    submit(page, "cast_vote", {"choice": "no"}, index=0)
    votes = [event for _, event in demo.events_since(before, Proposal.VoteCast.TOPIC)]
    assert [str(event.choice) for event in votes] == ["yes", "no"]
    assert "Votre vote : contre" in page.locator("article.proposition").first.inner_text()
    page.context.close()
    early = demo.head()
    time.sleep(max(0.0, (closes_at - datetime.now(tz=PARIS)).total_seconds() + 1))
    coordinator.reload()
    article = coordinator.locator("article.proposition").first
    with refreshed(coordinator):
        article.locator("form.acte[data-command='close_proposal'] button").click()
    closed = demo.events_since(early, Proposal.Adopted.TOPIC, Proposal.Rejected.TOPIC)
    assert len(closed) == 1
    coordinator.wait_for_load_state("load")
    article = coordinator.locator("article.proposition").first
    assert "Décompte par collège" in article.inner_text()
    assert "salariés" in article.inner_text()
    coordinator.context.close()


def test_the_coordinator_registers_a_member_and_a_site(browser: Browser, demo: Demo) -> None:
    """A new outlet and its site, registered from the coordination page."""
    page = sign_in(browser, demo, "coordinator")
    before = demo.head()
    submit(page, "register_member", {"name": "Épicerie du Port", "kind": "outlet",
                                     "households_served": "85"})
    members = [event for _, event in demo.events_since(before, Member.Registered.TOPIC)]
    assert [(event.name, event.households_served) for event in members] == [
        ("Épicerie du Port", 85)]
    operator = str(members[0].originator_id)
    submit(page, "register_site", {"name": "Local du Port", "kind": "outlet",
                                   "operator_id": operator, "city": "Sète"})
    sites = [event for _, event in demo.events_since(before, Site.Registered.TOPIC)]
    assert [(event.name, event.city) for event in sites] == [("Local du Port", "Sète")]
    assert "Épicerie du Port" in page.locator("#table-sites").inner_text()
    page.context.close()


def test_a_funder_commits_a_budget_and_downloads_its_report(browser: Browser,
                                                           demo: Demo) -> None:
    """1 500,00 € committed shows in the budgets; the report downloads as XLSX; a zero
    amount is refused in French."""
    page = sign_in(browser, demo, "funder")
    committed = int(page.get_attribute("#engage", "data-centimes") or 0)
    before = demo.head()
    submit(page, "commit_budget", {"amount_cents": "1 500,00"})
    transfers = [event for _, event in demo.events_since(before, Transfer.Recorded.TOPIC)]
    assert [event.amount_cents for event in transfers] == [150_000]
    assert int(page.get_attribute("#engage", "data-centimes") or 0) == committed + 150_000
    assert "livraisons" in page.locator("#table-cofinance").inner_text()
    before = demo.head()
    submit(page, "commit_budget", {"amount_cents": "0"}, reload=False)
    assert refused_reason(page).startswith("Montant refusé : 0,00")
    assert demo.head() == before
    with page.expect_download() as download:
        page.locator("a", has_text="Mon rapport de financeur — XLSX").click()
    assert download.value.suggested_filename.startswith("rapport-financeur-")
    assert download.value.suggested_filename.endswith(".xlsx")
    assert download.value.path().stat().st_size > 1_000
    page.context.close()


def test_a_household_sees_its_own_baskets_and_nothing_else(browser: Browser,
                                                          demo: Demo) -> None:
    """The demo household's link opens its own account: baskets, the share it paid."""
    page = sign_in(browser, demo, "household")
    household = demo.members["household"]
    reference = page.locator(".intro").first.inner_text()
    assert "Référence : CCAS-" in reference
    assert int(page.inner_text("#paniers-recuperes")) >= 1
    paid = int(page.get_attribute("#part-payee", "data-centimes") or 0)
    assert paid > 0
    text = text_of(page)
    others = [entry.reference for entry in demo.app.state.services.extras[
        "page_directory"].households.values() if entry.household_id != household]
    assert not any(other in text for other in others)
    # Its one act: saying what its basket should hold (tests/e2e/pages/test_whatif_page.py).
    assert page.locator("form.acte").evaluate_all(
        "forms => forms.map(form => form.dataset.command)") == ["state_basket_preferences"]
    assert page.locator("nav a").all_inner_texts() == ["Mon compte"]
    page.context.close()


def test_the_auditor_reads_everything_and_verifies_the_history(browser: Browser,
                                                               demo: Demo) -> None:
    """No form at all; the sum of balances is zero; the chain verifies; EPCIS and the
    verifiable history download, and the history verifies alone."""
    page = sign_in(browser, demo, "auditor")
    assert page.locator("form.acte").count() == 0
    assert page.get_attribute("#somme-soldes", "data-centimes") == "0"
    assert page.locator("#table-historique tbody tr").count() > 0
    assert page.locator("svg.courbes polyline").count() > 0
    balances = page.locator("#table-soldes")
    page.fill("#filtre-table-soldes", "Foyer")
    visible = balances.locator("tbody tr:visible")
    assert visible.count() > 0
    assert all(text.startswith("Foyer") for text in visible.all_inner_texts())
    page.fill("#filtre-table-soldes", "")
    balances.locator("th button", has_text="Solde").click()
    cells = balances.locator("tbody tr td:nth-child(6)").evaluate_all(
        "(cells) => cells.map(c => Number(c.dataset.cle))")
    assert cells == sorted(cells)
    with page.expect_download() as download:
        page.locator("a", has_text="EPCIS 2.0").click()
    assert download.value.suggested_filename.endswith(".jsonld")
    with page.expect_download() as download:
        page.locator("a", has_text="Historique vérifiable").click()
    assert download.value.suggested_filename.startswith("historique-")
    exported = verify_file(Path(download.value.path()))  # Alone: no database, no server.
    assert exported.ok, exported.describe()
    assert exported.sealed_checked == exported.events_read > 0
    page.locator("a", has_text="Vérifier toute la chaîne").click()
    page.wait_for_selector("#verdict")
    assert page.get_attribute("#verdict", "data-ok") == "oui"
    page.context.close()


def test_the_pages_read_without_javascript(browser: Browser, demo: Demo) -> None:
    """Without a script: sign in by pasting the token, read one's lots, see no form but a
    sentence saying why, take a lot's recall sheet by its code, sign out."""
    context = browser.new_context(viewport=PHONE, locale="fr-FR", java_script_enabled=False,
                                  timezone_id="Europe/Paris", service_workers="block",
                                  accept_downloads=True)
    page = context.new_page()
    page.goto(f"{demo.url}/espace")
    page.fill("#jeton", demo.tokens["producer"])
    page.locator("#connexion button[type=submit]").click()
    page.wait_for_url("**/espace/producteur")
    assert page.locator("#table-mes-lots tbody tr").count() > 0
    assert not page.locator("form.acte").first.is_visible()
    assert page.locator(".sans-js").is_visible()
    code = page.locator("#table-mes-lots tbody tr td").first.inner_text()
    page.fill("#export-lot", code)
    with page.expect_download() as download:
        page.locator("form.export-lot button[type=submit]").click()
    assert download.value.suggested_filename == f"traçabilité-{code.strip()}.xlsx"
    page.locator("#deconnexion button").click()
    page.wait_for_url("**/espace")
    assert page.locator("#jeton").count() == 1
    context.close()


@pytest.mark.parametrize("who", list(MAIN_PAGES))
def test_every_page_passes_axe_at_phone_and_desktop_sizes(browser: Browser, demo: Demo,
                                                         who: str) -> None:
    """No serious or critical axe violation, no sideways scrolling on a phone; the
    phone-sized main page is kept as the role's screenshot."""
    page = sign_in(browser, demo, who)
    assert page.get_attribute("html", "lang") == "fr"
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    if who != "collection_point":
        SCREENS.mkdir(parents=True, exist_ok=True)
        if who in SCREEN_SECTIONS:  # What the role comes for, rather than its first form.
            page.evaluate("selector => window.scrollTo(0, document.querySelector(selector)"
                          ".getBoundingClientRect().top + window.scrollY - document"
                          ".querySelector('.onglets').offsetHeight - 8)", SCREEN_SECTIONS[who])
        page.screenshot(path=str(SCREENS / f"{who}.png"))
    assert serious_violations(page) == []
    page.set_viewport_size(DESKTOP)
    assert serious_violations(page) == []
    assert PHONE["width"] == 390
    page.context.close()
