"""The governance page shows, on a proposal, what its rule would have given: a French table
and a chart of the differences, in Chromium, accessible, with the voters of each college; a
household says what its basket should hold and its outlet sees counts."""

# ruff: noqa: RUF001 - French typography writes its apostrophe as U+2019.

from __future__ import annotations

from playwright.sync_api import Browser

from domain.baskets import Household
from domain.preferences import SeasonPlan
from tests.e2e.pages.conftest import PHONE, SCREENS, Demo, serious_violations, sign_in, submit


def test_a_member_sees_what_the_key_would_have_given_before_it_was_voted(
        browser: Browser, demo: Demo) -> None:
    """The key's article: voters per college, and (unfolded) the kilograms each outlet would
    have received, a bar per outlet, the consistency check; axe finds nothing serious. The
unfolded section is kept as docs/screens/whatif.png."""
    page = sign_in(browser, demo, "voter")
    article = page.locator("article.proposition", has_text="5 % minimum par structure").first
    assert "Votants" in article.locator("table").first.inner_text()
    details = article.locator("details.simulation-details")
    assert details.count() == 1
    assert details.get_attribute("open") is None, "folded away once the vote is closed"
    details.locator("summary").click()
    section = details.locator("section.simulation")
    assert section.is_visible()
    text = section.inner_text()
    assert "Kilos attribués par structure" in text
    assert "Contrôle : rejouer les règles qui étaient en vigueur" in text
    assert section.locator("svg rect").count() >= 2
    assert section.get_attribute("data-coherent") == "oui"
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert serious_violations(page) == []
    SCREENS.mkdir(parents=True, exist_ok=True)
    details.screenshot(path=str(SCREENS / "whatif.png"))
    page.context.close()


def test_a_household_says_what_its_basket_should_hold_and_its_outlet_sees_counts(
        browser: Browser, demo: Demo) -> None:
    """From its own page a household asks for a large basket with carrots and leeks, no
    cabbage; the outlet that referred it sees one household wanting carrots, none named."""
    household_id = demo.members["household"]
    page = sign_in(browser, demo, "household")
    assert "Vous n’avez rien demandé pour" in page.inner_text("#mes-preferences")
    before = demo.head()
    submit(page, "state_basket_preferences", {"basket_size": "large",
                                              "wanted": "Carotte ; poireau",
                                              "avoided": "chou"})
    stated = [event for _, event in demo.events_since(
        before, SeasonPlan.PreferencesStated.TOPIC)]
    assert [(event.household_id, event.preferences.basket_size, event.preferences.wanted,
             event.preferences.avoided) for event in stated] == [
        (household_id, "large", ["carotte", "poireau"], ["chou"])]
    assert "panier grand" in page.inner_text("#mes-preferences")
    page.context.close()
    household = demo.ledger.repository.get(household_id)
    assert isinstance(household, Household)
    tokens = demo.app.state.services.tokens
    referrer_token = tokens.create(household.referrer_id, label="e2e referrer")[1]
    context = browser.new_context(viewport=PHONE, locale="fr-FR", bypass_csp=True,
                                  timezone_id="Europe/Paris", service_workers="block")
    outlet = context.new_page()
    outlet.goto(f"{demo.url}/espace#token={referrer_token}")
    outlet.wait_for_url("**/espace/structure")
    counts = outlet.locator("#table-souhaits").inner_text()
    assert "carotte" in counts
    summary = outlet.inner_text("#souhaits-foyers")
    assert "1 foyer sur " in summary, summary
    assert " a dit ses souhaits" in summary, summary
    assert household.reference not in counts
    assert serious_violations(outlet) == []
    context.close()
