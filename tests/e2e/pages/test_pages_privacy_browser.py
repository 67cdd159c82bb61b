"""What a browser audit found on a shared phone, kept as browser tests (real server, real
store, Debian's Chromium).

- A household's name and contact typed when an outlet enrols it stay on the device only
  while the act is unsent: once the ledger accepted or refused it, neither the queued body
  nor « Mes actes » keeps them, and « Mes actes » never showed them (« Inscrire un foyer —
  référence CCAS-0042 »). What older pages left behind is purged when a page opens.
- « Mes actes » says what matters of each act (a reception's kg and °C, a basket's kg),
  not the first three fields typed.
- « Mes lots » says a lot delivered in full is « livré à 2 structures », in good French.
"""

# ruff: noqa: RUF001 - French typography writes its apostrophe as U+2019.

from __future__ import annotations

import json
from datetime import date, timedelta
from itertools import count
from uuid import UUID

import pytest
from playwright.sync_api import Browser, Page

from domain import commands as c
from infra.api.pages.directory import Directory
from tests.e2e.pages.conftest import PHONE, Demo, key, refused_reason, sign_in, submit

pytestmark = pytest.mark.slow
_numbers = count(1)


def device_storage(page: Page) -> str:
    """Everything the page keeps in the device's localStorage, as one text."""
    text: str = page.evaluate("JSON.stringify(Object.keys(localStorage).map(function (k) {"
                              " return [k, localStorage.getItem(k)]; }))")
    return text


def stored_acts(page: Page) -> list[dict[str, object]]:
    """The acts kept on the device for the signed-in member."""
    acts: list[dict[str, object]] = page.evaluate(
        "JSON.parse(localStorage.getItem('cocagne.espace.actes.' + "
        "document.body.dataset.membre) || '[]')")
    return acts


def my_acts(page: Page) -> str:
    """« Mes actes » as shown."""
    return page.locator("#file-actes").inner_text().replace("\u202f", " ").replace(
        "\u00a0", " ")


def household(number: int, demo: Demo | None = None) -> dict[str, str]:
    """A new household's form values: a unique reference, a name and a contact, and, given
    the demo, its programme (chosen: other tests may have opened more programmes by then,
    and the form then asks which)."""
    typed = {"reference": f"PRIV-{number:04d}", "name": f"Famille Confidentielle{number}",
             "contact": f"06 55 44 {number:02d} {number:02d}"}
    if demo is not None:
        typed["programme_id"] = str(demo.extra["programme"])
    return typed


def assert_nothing_personal(page: Page, typed: dict[str, str]) -> None:
    """Neither the name nor the contact anywhere in the device's storage or « Mes actes »."""
    stored = device_storage(page)
    shown = my_acts(page)
    for secret in (typed["name"], typed["contact"]):
        assert secret not in stored, f"{secret!r} left in localStorage: {stored}"
        assert secret not in shown


def test_an_enrolled_household_leaves_no_personal_data_on_the_phone(browser: Browser,
                                                                    demo: Demo) -> None:
    """At 390 px, online: once the ledger accepted the enrolment, the device keeps neither
    the household's name nor its contact; « Mes actes » says its reference only."""
    page = sign_in(browser, demo, "outlet", viewport=PHONE)
    typed = household(next(_numbers), demo)
    submit(page, "enrol_household", typed)
    page.wait_for_selector("#file-actes li[data-etat='envoye']")
    assert f"Inscrire un foyer — référence {typed['reference']}" in my_acts(page)
    assert_nothing_personal(page, typed)
    directory = Directory(demo.ledger)
    directory.refresh()
    assert typed["reference"] in {entry.reference for entry in directory.households.values()}
    page.context.close()


def test_an_enrolment_kept_offline_loses_its_personal_data_once_sent(browser: Browser,
                                                                     demo: Demo) -> None:
    """Offline, the act waits on the device with the name (it must still be sent) but
    « Mes actes » never shows it; back online, it is sent and the name and contact go."""
    page = sign_in(browser, demo, "outlet", viewport=PHONE)
    typed = household(next(_numbers), demo)
    page.context.set_offline(True)
    submit(page, "enrol_household", typed, reload=False)
    page.wait_for_selector("#file-actes li[data-etat='attente']")
    waiting = stored_acts(page)[-1]
    assert waiting["corps"]["name"] == typed["name"]  # type: ignore[index]
    assert typed["name"] not in str(waiting["resume"])
    assert typed["contact"] not in str(waiting["resume"])
    assert typed["name"] not in my_acts(page)
    assert f"Inscrire un foyer — référence {typed['reference']}" in my_acts(page)
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector("#file-actes li[data-etat='envoye']")
    assert_nothing_personal(page, typed)
    page.context.close()


def test_a_refused_enrolment_keeps_no_personal_data(browser: Browser, demo: Demo) -> None:
    """A refused enrolment (its reference already taken) keeps its reason but neither the
    name nor the contact; « Corriger » puts back the rest and asks for them again."""
    page = sign_in(browser, demo, "outlet", viewport=PHONE)
    first = household(next(_numbers), demo)
    submit(page, "enrol_household", first)
    again = {**first, "name": "Famille Doublon", "contact": "07 11 22 33 44"}
    submit(page, "enrol_household", again, reload=False)
    refused_reason(page)
    assert_nothing_personal(page, again)
    assert_nothing_personal(page, first)
    page.locator("#file-actes li[data-etat='refuse'] button", has_text="Corriger").click()
    form = page.locator("form.acte[data-command='enrol_household']")
    assert form.locator("[name='reference']").input_value() == first["reference"]
    assert form.locator("[name='name']").input_value() == ""
    page.context.close()


def test_personal_data_left_by_an_older_page_is_purged_on_load(browser: Browser,
                                                               demo: Demo) -> None:
    """Acts an older page kept (sent, refused, or waiting, with the name in the summary)
    lose the name and contact when any page opens; a waiting act keeps its body to send."""
    page = sign_in(browser, demo, "outlet", viewport=PHONE, service_worker=True)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # Now controlled by the service worker, which keeps this page.
    page.wait_for_function("caches.match(location.origin + location.pathname)"
                           ".then(found => found !== undefined)")
    programme = str(demo.extra["programme"])
    sent, refused, waiting = (household(next(_numbers)) for _ in range(3))

    def old_act(typed: dict[str, str], state: str) -> dict[str, object]:
        return {"cle": key("old"), "commande": "enrol_household", "fixe": "{}",
                "corps": {"programme_id": programme, **typed},
                "resume": f"Inscrire un foyer — Programme, {typed['reference']}, "
                          f"{typed['name']}",
                "saisie": [programme, typed["reference"], typed["name"], typed["contact"], ""],
                "etat": state, "cree": 1_765_000_000_000, "raison": "Refusé."}

    # Written while the network is off, so the waiting act stays waiting after the reload
    # (the service worker serves the page as last seen).
    page.context.set_offline(True)
    page.evaluate("([acts]) => localStorage.setItem('cocagne.espace.actes.' + "
                  "document.body.dataset.membre, JSON.stringify(acts))",
                  [[old_act(sent, "envoye"), old_act(refused, "refuse"),
                    old_act(waiting, "attente")]])
    page.reload()
    page.wait_for_selector("#file-actes li")
    assert_nothing_personal(page, sent)
    assert_nothing_personal(page, refused)
    kept = {str(act["cle"]): act for act in stored_acts(page)}
    still = next(act for act in kept.values() if act["etat"] == "attente")
    assert still["corps"]["name"] == waiting["name"]  # type: ignore[index]
    assert waiting["name"] not in str(still["resume"])
    assert waiting["name"] not in my_acts(page)
    assert json.dumps(waiting["reference"])[1:-1] in str(still["resume"])
    page.context.close()


def test_my_acts_say_the_kg_and_degrees_that_matter(browser: Browser, demo: Demo) -> None:
    """Offline (nothing sent): a chilled lot's reception says its lot, kg, °C and site; a
    basket says its household, week, lot and kg — not only the first three fields."""
    before = demo.head()
    platform = sign_in(browser, demo, "platform", viewport=PHONE)
    platform.context.set_offline(True)
    lot = str(demo.extra["chilled_lot"])
    form = platform.locator("form.acte[data-command='receive_lot']")
    label = form.locator(f"[name='lot_id'] option[value='{lot}']").inner_text()
    code = label.split(" — ")[0]
    site = form.locator("[name='site_id'] option:checked").inner_text()
    submit(platform, "receive_lot", {"lot_id": lot, "measured_g": "6",
                                     "temperature_dc": "3,5"}, reload=False)
    shown = my_acts(platform)
    assert "Recevoir et peser un lot — " in shown
    for part in (code, "yaourt", "6 kg", "3,5 °C", site):
        assert part in shown, (part, shown)
    assert "plage" not in shown  # the lot's long label is cut to its code and product
    platform.context.close()
    point = sign_in(browser, demo, "collection_point", viewport=PHONE)
    point.context.set_offline(True)
    submit(point, "prepare_basket", {"household_id": str(demo.extra["basket_household"]),
                                     "week": "2026-S41", "lot_id": str(demo.extra["point_lot"]),
                                     "quantity_g": "2,5"}, reload=False)
    shown = my_acts(point)
    assert "Préparer le panier d’un foyer — Foyer " in shown
    assert "semaine 41 de 2026" in shown
    assert "courge" in shown
    assert "2,5 kg" in shown, shown
    point.context.close()
    assert demo.head() == before


def delivered_lot(demo: Demo, outlets: list[UUID], grams: int) -> str:
    """A lot of the demo producer received at the platform and delivered in full, in equal
    parts, to these outlets (written straight on the ledger); its code."""
    ledger = demo.ledger
    producer, platform = demo.members["producer"], demo.members["platform"]
    site = demo.extra["site"]
    today = date.today()
    lot = ledger.execute(c.OfferLot(
        command_id=key("offer"), actor_id=producer, product="panais", quantity_g=grams,
        price_cents_per_kg=150, harvest_date=today - timedelta(days=1),
        best_before=today + timedelta(days=20))).stream_id
    ledger.execute(c.AcceptOffer(command_id=key("accept"), actor_id=platform, lot_id=lot,
                                 site_id=site, accepted_g=grams))
    ledger.execute(c.ReceiveLot(command_id=key("receive"), actor_id=platform, lot_id=lot,
                                site_id=site, measured_g=grams))
    share = grams // len(outlets)
    planned = ledger.execute(c.PlanDelivery(
        command_id=key("plan"), actor_id=platform, from_site_id=site, planned_for=today,
        stops=[c.PlannedStop(outlet, [c.PlannedLine(lot, share)]) for outlet in outlets]))
    ledger.execute(c.DispatchDelivery(command_id=key("dispatch"), actor_id=platform,
                                      delivery_id=planned.stream_id))
    for outlet in outlets:
        ledger.execute(c.ReceiveDelivery(command_id=key("sign"), actor_id=outlet,
                                         delivery_id=planned.stream_id,
                                         lines=[c.ReceiptLine(lot, share)], signer="Accueil"))
    return str(ledger.repository.get(lot).code)


def test_a_lot_delivered_in_full_says_so_in_good_french(browser: Browser,
                                                       demo: Demo) -> None:
    """« Mes lots »: a lot delivered in full to two outlets is « livré à 2 structures »,
    one delivered to one « livré à 1 structure », never « reçu » nor « structure(s) »."""
    outlets = [demo.members["outlet"], demo.members["collection_point"]]
    two = delivered_lot(demo, outlets, 10_000)
    one = delivered_lot(demo, outlets[:1], 4_000)
    page = sign_in(browser, demo, "producer", viewport=PHONE)
    rows = page.locator("#table-mes-lots tbody tr")
    two_row = rows.filter(has_text=two).inner_text()
    one_row = rows.filter(has_text=one).inner_text()
    assert "livré à 2 structures" in two_row, two_row
    assert "livré à 1 structure" in one_row, one_row
    assert "reçu" not in two_row.split("\t")[2]
    assert "(s)" not in page.inner_text("main")
    page.context.close()
