"""What an outside tester found doing each role's work on a phone, kept as browser tests.

« Mes actes » lists each act as the user typed it, in French: kilograms, euros, percents and
degrees with their unit, a day as 17/12/2026, a week as « semaine 7 de 2026 » (never grams,
an ISO day nor a list's raw numbers); a week typed the way its label says (``2026-S07``) is
taken. The pick list a platform opens from its page fits a phone's width and names no raw id.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from uuid import UUID

import pytest
from playwright.sync_api import Browser, Page

from domain import commands as c
from tests.e2e.pages.conftest import Demo, key, refused_reason, sign_in, submit

pytestmark = pytest.mark.slow
RAW_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def waiting_acts(page: Page) -> list[str]:
    """The acts kept on the device, newest first, as « Mes actes » shows them."""
    return [text.replace("\u202f", " ").replace("\u00a0", " ") for text in
            page.locator("#file-actes li[data-etat='attente']").all_inner_texts()]


def test_my_acts_say_what_was_typed_in_french(browser: Browser, demo: Demo) -> None:
    """Offline (nothing is sent, nothing written), the acts waiting on the device read as
    typed: 5 ; 5 kg, not 5000,5000; 1,80 €/kg; 01/12/2026; « semaine 7 de 2026 » for a
    week typed 2026-S07 as the label « Semaine (AAAA-Snn) » asks."""
    before = demo.head()
    producer = sign_in(browser, demo, "producer")
    producer.context.set_offline(True)
    submit(producer, "offer_lot", {"product": "Chou", "quantity_g": "12,5",
                                   "price_cents_per_kg": "1,80"}, reload=False)
    submit(producer, "record_workshop", {"kind": "cooking", "held_on": "2026-12-01",
                                         "attendance_count": "12"}, reload=False)
    acts = waiting_acts(producer)
    assert acts[1].startswith("en attente Proposer un lot — Chou, 12,5 kg, 1,80 €/kg — ")
    assert "Enregistrer un atelier — Cuisine, 01/12/2026, 12 — " in acts[0]
    producer.context.close()
    platform = sign_in(browser, demo, "platform")
    platform.context.set_offline(True)
    lot = platform.locator("form.acte[data-command='split_lot'] [name='lot_id'] option").nth(
        1).get_attribute("value") or ""
    submit(platform, "split_lot", {"lot_id": lot, "parts_g": "5 ; 5"}, reload=False)
    submit(platform, "open_round", {"week": "2026-S07"}, reload=False)
    form = platform.locator("form.acte[data-command='open_round']")
    assert form.locator(".erreur-formulaire").is_hidden()
    acts = waiting_acts(platform)
    assert ", 5 ; 5 kg — " in acts[1]
    assert "Ouvrir la répartition de la semaine — Entrepôt, semaine 7 de 2026 — " in acts[0]
    platform.context.close()
    assert demo.head() == before


def planned_delivery(demo: Demo, day: date) -> UUID:
    """A lot received at the platform and planned for the demo outlet, not yet dispatched
    (a pick list is for a delivery still to prepare), written straight on the ledger."""
    ledger = demo.ledger
    producer, platform = demo.members["producer"], demo.members["platform"]
    site = demo.extra["site"]
    today = date.today()
    lot = ledger.execute(c.OfferLot(
        command_id=key("offer"), actor_id=producer, product="topinambour", quantity_g=9_000,
        price_cents_per_kg=150, harvest_date=today - timedelta(days=1),
        best_before=today + timedelta(days=20))).stream_id
    ledger.execute(c.AcceptOffer(command_id=key("accept"), actor_id=platform, lot_id=lot,
                                 site_id=site, accepted_g=9_000))
    ledger.execute(c.ReceiveLot(command_id=key("receive"), actor_id=platform, lot_id=lot,
                                site_id=site, measured_g=9_000))
    planned: UUID = ledger.execute(c.PlanDelivery(
        command_id=key("plan"), actor_id=platform, from_site_id=site, planned_for=day,
        stops=[c.PlannedStop(demo.members["outlet"], [c.PlannedLine(lot, 4_000)])])).stream_id
    return planned


def test_the_pick_list_fits_a_phone_and_names_no_raw_id(browser: Browser,
                                                        demo: Demo) -> None:
    """« Page à imprimer » opens the pick list: no sideways scrolling at 390 px, the lot
    by its code, the delivery by its day and site, no raw id; the site's labels link names
    the site in good French."""
    day = date.today() + timedelta(days=40)
    planned_delivery(demo, day)
    page = sign_in(browser, demo, "platform")
    assert page.locator("#stock a", has_text="Étiquettes de tout le stock du site « ").count()
    row = page.locator("#table-livraisons tr", has_text=day.strftime("%d/%m/%Y"))
    with page.context.expect_page() as opened:
        row.locator("a", has_text="Page à imprimer").click()
    sheet = opened.value
    sheet.wait_for_load_state("load")
    text = sheet.inner_text("body")
    assert f"livraison du {day.strftime('%d/%m/%Y')}" in text
    assert "topinambour" in text
    assert RAW_ID.findall(text) == []
    assert sheet.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    page.context.close()


def test_every_proposal_says_its_kind_in_french(browser: Browser, demo: Demo) -> None:
    """The demo's reference prices and stock rules were voted: each proposal's line says
    its kind in French (« Prix de référence des dons · proposée par … »), never the
    ledger's code (« set reference prices »)."""
    page = sign_in(browser, demo, "voter")
    lines = page.locator("article.proposition h3 + p").all_inner_texts()
    kinds = {line.split(" · ")[0] for line in lines}
    assert {"Prix de référence des dons", "Règles de stock"} <= kinds
    assert not [kind for kind in kinds if kind.startswith("set ")]
    page.context.close()


def test_a_value_out_of_bounds_is_refused_in_words_with_the_limit(browser: Browser,
                                                                  demo: Demo) -> None:
    """A mistyped 9 999 999 kg offer or a 300-letter product is refused with the field in
    French and its limit in its unit, never the body's code (« champ : quantity_g »)."""
    page = sign_in(browser, demo, "producer")
    before = demo.head()
    submit(page, "offer_lot", {"product": "Chou", "quantity_g": "9999999",
                               "price_cents_per_kg": "1"}, reload=False)
    reason = refused_reason(page).replace("\u202f", " ").replace("\u00a0", " ")
    assert reason == "La demande est incomplète ou mal formée : quantité — au plus 50 000 kg."
    page.locator("#file-actes li[data-etat='refuse'] button", has_text="Abandonner").click()
    submit(page, "offer_lot", {"product": "C" * 300, "quantity_g": "3"}, reload=False)
    reason = refused_reason(page)
    assert reason.startswith("La demande est incomplète ou mal formée : produit — ")
    assert "caractères au plus" in reason
    assert demo.head() == before
    page.context.close()
