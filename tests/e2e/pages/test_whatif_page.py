"""The governance page shows, on a proposal, what its rule would have given: a French table
and a chart of the differences, in Chromium, accessible, with the voters of each college."""

from __future__ import annotations

from playwright.sync_api import Browser

from tests.e2e.pages.conftest import SCREENS, Demo, serious_violations, sign_in


def test_a_member_sees_what_the_key_would_have_given_before_it_was_voted(
        browser: Browser, demo: Demo) -> None:
    """The key's article: voters per college, and (unfolded) the kilograms each outlet would
    have received, a bar per outlet, the consistency check; axe finds nothing serious. The
unfolded section is kept as docs/screens/whatif.png."""
    page = sign_in(browser, demo, "voter")
    article = page.locator("article.proposition", has_text="Clé de répartition").first
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
