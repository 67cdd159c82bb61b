"""The stock in every state, and its new acts, through Chromium on a phone.

A platform holds a lot pending an analysis and lifts the hold after confirming; a warm
delivery of yoghurts is refused with the temperature and the range in French, then refused
at the dock once the platform says so; a bulk donation is received (typed the next morning,
dated the evening before) and sorted into product lots with its waste; an outlet records a
workshop. The live dashboard shows what is on the
road (from where, to whom, since when) and a held lot, follows a hold within seconds, and
shows the stock as it was at the end of a past day. axe finds nothing serious at 390 px and
1280 px.
"""

# ruff: noqa: RUF001 - French typography writes its apostrophe as U+2019.

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, Page

from domain import commands as c
from domain.lots import Lot
from domain.workshops import Workshop
from tests.e2e.pages.conftest import (
    DESKTOP,
    PAGE_TIMEOUT_MS,
    PHONE,
    Demo,
    key,
    refused_reason,
    serious_violations,
    sign_in,
    submit,
)

pytestmark = pytest.mark.slow
PARIS = ZoneInfo("Europe/Paris")
LIVE_WAIT_MS = 5_000
"""A change reaches the dashboard within a second or two; the wait allows for a loaded
machine, and the test asserts no timing."""


def plain(text: str) -> str:
    """French text with its narrow and no-break spaces made plain."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def stock_row(page: Page, code: str) -> str:
    """The platform's stock table row of a lot, as text."""
    return plain(page.locator("#table-stock-plateforme tbody tr", has_text=code).inner_text())


def test_a_platform_holds_a_lot_then_lifts_the_hold(browser: Browser, demo: Demo) -> None:
    """Held: its row says why and since when, it is offered for nothing but a loss and a
    release; the release needs the confirmation, then the lot is available again."""
    page = sign_in(browser, demo, "platform")
    lot_id = str(demo.extra["hold_lot"])
    code = demo.ledger.repository.get(demo.extra["hold_lot"]).code
    before = demo.head()
    submit(page, "hold_lot", {"lot_id": lot_id, "reason": "Analyse de nitrates"})
    held = [event for _, event in demo.events_since(before, Lot.Held.TOPIC)]
    assert [(str(event.originator_id), event.reason) for event in held] == [
        (lot_id, "Analyse de nitrates")]
    row = stock_row(page, code)
    assert "Bloqué depuis le " in row
    assert "Analyse de nitrates" in row
    assert "etat-bloque" in (page.locator("#table-stock-plateforme tbody tr", has_text=code)
                             .get_attribute("class") or "")
    assert code in page.locator("#table-blocages").inner_text()
    reservable = page.locator("form.acte[data-command='reserve_lot'] [name='lot_id'] option")
    assert lot_id not in reservable.evaluate_all("options => options.map(o => o.value)")
    form = page.locator("form.acte[data-command='release_hold']")
    form.locator("[name='lot_id']").select_option(lot_id)
    form.locator("button[type=submit]").click()
    assert "cochez la confirmation" in form.locator(".erreur-formulaire").inner_text()
    assert demo.events_since(before, Lot.HoldReleased.TOPIC) == []
    submit(page, "release_hold", {"lot_id": lot_id, "reason": "Analyse conforme",
                                  "_confirmation": "on"})
    released = [event for _, event in demo.events_since(before, Lot.HoldReleased.TOPIC)]
    assert [event.reason for event in released] == ["Analyse conforme"]
    assert "Bloqué" not in stock_row(page, code)
    assert stock_row(page, code).split("\t")[6] == "15"  # Disponible (kg): all of it again.
    page.context.close()


def test_a_warm_reception_is_refused_with_its_temperature_then_refused_at_the_dock(
        browser: Browser, demo: Demo) -> None:
    """9,5 °C without a choice: refused in French with the temperature and the range, nothing
    written; corrected to « refuse at the dock » with the confirmation, the lot is refused
    (recorded, never in stock)."""
    page = sign_in(browser, demo, "platform")
    lot_id = str(demo.extra["chilled_lot"])
    code = demo.ledger.repository.get(demo.extra["chilled_lot"]).code
    option = page.locator(f"form.acte[data-command='receive_lot'] option[value='{lot_id}']")
    assert "à recevoir entre 0,0 °C et 4,0 °C" in plain(option.inner_text())
    before = demo.head()
    submit(page, "receive_lot", {"lot_id": lot_id, "measured_g": "6",
                                 "temperature_dc": "9,5"}, reload=False)
    assert plain(refused_reason(page)) == (
        f"Réception refusée : le lot {code} est à 9,5 °C, hors plage 0,0 °C à 4,0 °C : "
        "refusez-le ou acceptez-le en le bloquant.")
    assert demo.head() == before
    page.locator("#file-actes li[data-etat='refuse'] button", has_text="Corriger").click()
    form = page.locator("form.acte[data-command='receive_lot']")
    assert form.locator("[name='temperature_dc']").input_value() == "9,5"
    form.locator("[name='if_out_of_range']").select_option("refuse")
    form.locator("button[type=submit]").click()
    assert "cochez la confirmation" in form.locator(".erreur-formulaire").inner_text()
    submit(page, "receive_lot", {"_confirmation": "on"})
    refused = [event for _, event in demo.events_since(before, Lot.ReceptionRefused.TOPIC)]
    assert [(event.temperature_dc, event.temperature_min_dc, event.temperature_max_dc)
            for event in refused] == [(95, 0, 40)]
    assert demo.events_since(before, Lot.Received.TOPIC) == []
    assert code not in page.locator("#table-a-recevoir").inner_text()
    assert code not in page.locator("#table-stock-plateforme").inner_text()
    page.context.close()


def test_a_bulk_donation_is_received_then_sorted_with_its_waste(browser: Browser,
                                                                demo: Demo) -> None:
    """30 kg received unsorted (« Vrac à trier »), then sorted into 12 kg of tomatoes and
    8,5 kg of lettuce dated by hand, with 9,5 kg of waste: the product lots are in stock."""
    page = sign_in(browser, demo, "platform")
    donor = str(demo.members["producer"])
    before = demo.head()
    # Typed the morning after, from the van's notes: « Fait plus tôt ? », yesterday 18:30.
    page.locator("form.acte[data-command='receive_donation'] details summary").click()
    yesterday = date.today() - timedelta(days=1)
    submit(page, "receive_donation", {"donor_id": donor, "description": "Invendus du marché",
                                      "quantity_g": "30", "occurred_at": f"{yesterday}T18:30"})
    received = [event for _, event in demo.events_since(before, Lot.DonationReceived.TOPIC)]
    assert [(event.quantity_g, event.donor_id) for event in received] == [
        (30_000, demo.members["producer"])]
    assert received[0].context.occurred_at == datetime.combine(yesterday, time(18, 30),
                                                               tzinfo=PARIS)
    bulk = str(received[0].originator_id)
    assert "Vrac à trier" in stock_row(page, received[0].code)
    dated = (date.today() + timedelta(days=4)).isoformat()
    submit(page, "sort_donation", {"lot_id": bulk, "product": "tomate|laitue",
                                   "quantity_g": "12|8,5", "best_before": f"|{dated}",
                                   "waste_g": "9,5"})
    sorted_events = [event for _, event in demo.events_since(before, Lot.Sorted.TOPIC)]
    assert [event.waste_g for event in sorted_events] == [9_500]
    made = [event for _, event in demo.events_since(before, Lot.Derived.TOPIC)]
    assert [(event.product, event.quantity_g) for event in made] == [
        ("tomate", 12_000), ("laitue", 8_500)]
    assert made[1].best_before.isoformat() == dated
    codes = page.locator("#table-stock-plateforme tbody tr td:first-child").all_inner_texts()
    assert {made[0].code, made[1].code} <= set(codes)
    assert received[0].code not in codes  # Sorted: nothing of the bulk lot is left.
    page.context.close()


def test_an_outlet_records_a_workshop_by_its_attendance(browser: Browser, demo: Demo) -> None:
    """A cooking workshop of 12 people, for the programme the point serves: a count, no
    names; it shows in the point's workshops."""
    page = sign_in(browser, demo, "collection_point")
    before = demo.head()
    submit(page, "record_workshop", {"kind": "cooking", "attendance_count": "12",
                                     "title": "Soupes d’hiver"})
    held = [event for _, event in demo.events_since(before, Workshop.Held.TOPIC)]
    assert [(str(event.kind), event.attendance_count, event.programme_id, event.title)
            for event in held] == [("cooking", 12, demo.extra["programme"], "Soupes d’hiver")]
    assert "Soupes d’hiver" in page.locator("#table-ateliers").inner_text()
    page.context.close()


def test_an_act_dated_beyond_the_window_is_refused_with_the_window(browser: Browser,
                                                                    demo: Demo) -> None:
    """A distribution typed ten days late is refused in French, naming the week the
    cooperative allows and who may go further; nothing is written."""
    page = sign_in(browser, demo, "outlet")
    form = page.locator("form.acte[data-command='record_distribution']")
    form.locator("details summary").click()
    assert "Jusqu’à 7 jours en arrière" in form.inner_text()
    late = (datetime.now(tz=PARIS) - timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    before = demo.head()
    submit(page, "record_distribution", {"lot_id": str(demo.held_lot), "quantity_g": "1",
                                         "occurred_at": late}, reload=False)
    reason = plain(refused_reason(page))
    assert reason.startswith("L’acte est daté du ")
    assert "(7 jours) ; seul le secrétariat le peut, en donnant une raison." in reason
    assert demo.head() == before
    page.context.close()


def open_dashboard(browser: Browser, demo: Demo, viewport: dict[str, int]) -> Page:
    """The live dashboard signed in as the platform, its feed connected."""
    context = browser.new_context(viewport=viewport, locale="fr-FR",
                                  timezone_id="Europe/Paris", bypass_csp=True,
                                  service_workers="block")
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    page.goto(f"{demo.url}/dashboard#token={demo.tokens['platform']}")
    page.wait_for_function("document.getElementById('etat-direct').textContent === 'En direct'")
    return page


def dispatch_new_lot(demo: Demo) -> tuple[str, str]:
    """A lot received, then 10 of its 24 kg dispatched to the demo outlet: (lot, code)."""
    ledger, platform, site = demo.ledger, demo.members["platform"], demo.extra["site"]
    today = date.today()
    lot = ledger.execute(c.OfferLot(
        command_id=key("offer"), actor_id=demo.members["producer"], product="navet",
        quantity_g=24_000, price_cents_per_kg=150, harvest_date=today,
        best_before=today + timedelta(days=12))).stream_id
    ledger.execute(c.AcceptOffer(command_id=key("accept"), actor_id=platform, lot_id=lot,
                                 site_id=site, accepted_g=24_000))
    ledger.execute(c.ReceiveLot(command_id=key("receive"), actor_id=platform, lot_id=lot,
                                site_id=site, measured_g=24_000))
    planned = ledger.execute(c.PlanDelivery(
        command_id=key("plan"), actor_id=platform, from_site_id=site, planned_for=today,
        stops=[c.PlannedStop(demo.members["outlet"], [c.PlannedLine(lot, 10_000)])]))
    ledger.execute(c.DispatchDelivery(command_id=key("dispatch"), actor_id=platform,
                                      delivery_id=planned.stream_id))
    return str(lot), ledger.repository.get(lot).code


def test_the_dashboard_shows_what_is_on_the_road_and_what_is_held(browser: Browser,
                                                                  demo: Demo) -> None:
    """A delivery dispatched after the page opened appears on the road (from the warehouse,
    to the outlet, since when); a hold sent through the API turns the lot's row « Bloqué »
    with its reason; the state filter keeps held lots; the 1st of December shows no hold;
    axe finds nothing serious at phone and desktop sizes."""
    page = open_dashboard(browser, demo, PHONE)
    assert "Analyse de résidus de pesticides" in page.locator("#table-lots").inner_text()
    lot, code = dispatch_new_lot(demo)
    road = page.locator("#table-en-route tbody tr", has_text=code)
    road.wait_for(timeout=LIVE_WAIT_MS)
    outlet = demo.ledger.repository.get(demo.members["outlet"]).name
    assert [plain(text) for text in road.locator("td").all_inner_texts()][2:4] == [
        "Entrepôt", outlet]
    assert date.today().strftime("%d/%m/%Y") in road.inner_text()
    assert "En route : 10 kg" in plain(page.locator(f"#table-lots tr[data-lot-id='{lot}']")
                                       .inner_text())
    held_before = int(page.get_attribute("#stock-bloque", "data-grams") or 0)
    with httpx.Client(base_url=demo.url, timeout=10) as http:
        answer = http.post("/api/commands/hold_lot", json={
            "lot_id": lot, "reason": "Contrôle visuel"}, headers={
            "Authorization": f"Bearer {demo.tokens['platform']}",
            "Idempotency-Key": f"dash-{uuid.uuid4()}"})
    assert answer.status_code == 200, answer.text
    page.wait_for_function(
        f"document.querySelector(\"#table-lots tr[data-lot-id='{lot}']\").textContent"
        ".includes('Contrôle visuel')", timeout=LIVE_WAIT_MS)
    assert int(page.get_attribute("#stock-bloque", "data-grams") or 0) == held_before + 14_000
    page.select_option("#filtre-etat", "bloque")
    states = page.locator("#table-lots tbody tr").all_inner_texts()
    assert states
    assert all("Bloqué" in text or "Rappelé" in text for text in states)
    page.select_option("#filtre-etat", "")
    assert serious_violations(page) == []
    page.fill("#stock-date", "2026-12-01")
    page.click("#form-stock-date button[type=submit]")
    page.wait_for_function("document.getElementById('stock-vue').textContent"
                           ".includes('01/12/2026')")
    page.wait_for_function("document.getElementById('stock-bloque').dataset.grams === '0'")
    page.click("#stock-direct")
    page.wait_for_function("Number(document.getElementById('stock-bloque').dataset.grams) > 0")
    assert page.locator("#stock-vue").is_hidden()
    page.set_viewport_size(DESKTOP)
    assert serious_violations(page) == []
    page.context.close()
