"""The work pages over plain HTTP: who sees which page and which forms, refusals in French.

The forms a page shows are derived from the policy table: a page never offers a command the
caller's roles may not send. The API says its refusals in French, with the numbers, to a
client that asks for French, and in English otherwise. A household's own token reaches its
own account and nothing else.
"""

# ruff: noqa: RUF001 - French typography writes its apostrophe as U+2019.

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from litestar.testing import TestClient

from domain import governance_commands as g
from infra.api import create_app
from infra.api.demo import demo_members
from infra.api.pages.roles import PAGES
from infra.api.policy import POLICY
from infra.cli.main import main
from infra.demo.territory import generate_demo
from tests.builders import DEMO_END
from tests.conftest import create_postgres_database, drop_postgres_database
from tests.e2e.pages.conftest import MAIN_PAGES, Demo

ROLE_TOKENS = [who for who in MAIN_PAGES if who != "collection_point"]


def client(demo: Demo, who: str) -> httpx.Client:
    """An HTTP client of the served demo with ``who``'s token."""
    return httpx.Client(base_url=demo.url, timeout=10, headers={
        "Authorization": f"Bearer {demo.tokens[who]}", "Accept": "text/html"})


@pytest.mark.parametrize("who", ROLE_TOKENS)
def test_each_page_opens_only_to_the_roles_the_policy_names(demo: Demo, who: str) -> None:
    """Every page answers its roles with HTML and everyone else with 403 role_not_allowed."""
    roles = demo.app.state.services.ledger.repository.get(demo.members[who]).roles if (
        who != "household") else {"household"}
    with client(demo, who) as http:
        for slug, (name, _, _) in PAGES.items():
            allowed = any(role in POLICY[name].roles for role in roles)
            response = http.get(f"/espace/{slug}", headers={"Accept": "application/json"})
            if allowed:
                assert response.status_code == 200, (who, slug, response.text[:200])
                assert response.headers["content-type"].startswith("text/html")
            else:
                assert response.status_code == 403, (who, slug)
                assert response.json()["code"] == "role_not_allowed"


@pytest.mark.parametrize("who", ROLE_TOKENS)
def test_a_page_shows_only_the_forms_the_policy_allows(demo: Demo, who: str) -> None:
    """Each form's command is one the caller's roles may send (the auditor's: none)."""
    roles = demo.app.state.services.ledger.repository.get(demo.members[who]).roles if (
        who != "household") else {"household"}
    with client(demo, who) as http:
        html = http.get(f"/espace/{MAIN_PAGES[who]}").text
    commands = set(re.findall(r'data-command="([a-z_]+)"', html))
    assert commands == {command for command in commands
                        if any(role in POLICY[command].roles for role in roles)}
    if who == "auditor":
        assert commands == set()
    elif who == "household":
        assert commands == {"state_basket_preferences"}, "its own basket's wishes only"
    else:
        assert commands


DESTRUCTIVE = ("erase_household", "cancel_basket", "cancel_delivery", "suspend_member",
               "recall_lot", "release_hold", "cancel_donation", "withdraw_quality_label",
               "cancel_workshop")


@pytest.mark.parametrize(("who", "slug", "shown"), [
    ("outlet", "structure", ()), ("collection_point", "structure", ("cancel_basket",)),
    ("platform", "plateforme", ()), ("coordinator", "coordination",
                                     ("erase_household", "suspend_member")),
    ("producer", "producteur", ("recall_lot",))])
def test_every_destructive_form_asks_for_a_confirmation(demo: Demo, who: str, slug: str,
                                                        shown: tuple[str, ...]) -> None:
    """Erasing, cancelling, suspending and recalling each carry a box to tick (a form shows
    when there is something to act on: a household referred, a delivery planned…)."""
    if who not in demo.tokens:
        demo.tokens[who] = demo.app.state.services.tokens.create(demo.members[who])[1]
    if who == "collection_point":  # A basket waiting, whatever other tests handed out.
        demo.ledger.execute(g.PrepareBasket(
            command_id=f"http-basket-{uuid.uuid4()}", actor_id=demo.members[who],
            household_id=demo.extra["basket_household"], week="2026-W45",
            lines=[g.BasketLineInput(demo.extra["point_lot"], 500)]))
    with client(demo, who) as http:
        html = http.get(f"/espace/{slug}").text
    forms = re.findall(r'<form[^>]*data-command="([a-z_]+)"[^>]*>(.*?)</form>', html, re.S)
    destructive = [(command, body) for command, body in forms if command in DESTRUCTIVE]
    assert set(shown) <= {command for command, _ in destructive}
    assert [command for command, body in destructive
            if 'data-kind="confirm"' not in body] == []


def test_a_browser_without_a_session_is_led_to_the_sign_in_page(demo: Demo) -> None:
    """No cookie, no token: the page redirects to /espace, which offers to sign in."""
    with httpx.Client(base_url=demo.url, timeout=10) as http:
        response = http.get("/espace/producteur", headers={"Accept": "text/html"})
        assert response.status_code in {302, 303, 307}
        assert response.headers["location"].startswith("/espace?suite=")
        assert "Jeton d’accès" in http.get("/espace").text


def test_the_sign_in_form_works_without_a_script_and_only_from_this_site(demo: Demo) -> None:
    """A pasted token signs in by a plain form post (cookie, main page); a post from
    another site, or an unknown token, leads back to the sign-in page."""
    with httpx.Client(base_url=demo.url, timeout=10) as http:
        signed = http.post("/espace/connexion", data={"jeton": demo.tokens["outlet"]},
                           headers={"Origin": demo.url})
        assert signed.status_code == 303
        assert signed.headers["location"] == "/espace/structure"
        assert "cocagne_session" in signed.headers["set-cookie"]
        foreign = http.post("/espace/connexion", data={"jeton": demo.tokens["outlet"]},
                            headers={"Origin": "https://ailleurs.example",
                                     "Sec-Fetch-Site": "cross-site"})
        unknown = http.post("/espace/connexion", data={"jeton": "coc_inconnu"})
    assert foreign.headers["location"] == unknown.headers["location"] == "/espace?refus=1"
    assert "set-cookie" not in foreign.headers


def test_refusals_are_french_with_their_numbers_when_asked(demo: Demo) -> None:
    """The same refused distribution: French with kilograms for fr, English otherwise."""
    body = {"lot_id": str(demo.held_lot), "quantity_g": 123_456_0, "channel": "food_aid"}
    headers = {"Authorization": f"Bearer {demo.tokens['outlet']}"}
    with httpx.Client(base_url=demo.url, timeout=10) as http:
        french = http.post("/api/commands/record_distribution", json=body, headers={
            **headers, "Idempotency-Key": f"fr-{uuid.uuid4()}", "Accept-Language": "fr-FR"})
        english = http.post("/api/commands/record_distribution", json=body, headers={
            **headers, "Idempotency-Key": f"en-{uuid.uuid4()}"})
    assert french.status_code == english.status_code == 409
    answer = french.json()
    assert answer["reason"] == "distribute_more_than_held"
    assert answer["facts"]["quantity_g"] == 1_234_560
    message = answer["message"].replace("\u202f", " ").replace("\u00a0", " ")
    assert message.startswith("Distribution de 1 234,56 kg refusée : vous ne détenez que ")
    assert english.json()["message"].startswith("distribute 1234560 g refused")


def test_a_household_token_reaches_its_own_account_only(demo: Demo) -> None:
    """The demo household's token names its Household stream; other accounts are refused."""
    household = demo.members["household"]
    headers = {"Authorization": f"Bearer {demo.tokens['household']}"}
    with httpx.Client(base_url=demo.url, timeout=10, headers=headers) as http:
        me = http.get("/api/me").json()
        assert (me["member_id"], me["roles"]) == (str(household), ["household"])
        own = http.get("/api/balances").json()["accounts"]
        assert own
        assert {account["owner_id"] for account in own} == {str(household)}
        other = http.get(f"/api/balances?owner_id={demo.members['producer']}")
        assert other.status_code == 403
        assert http.get("/api/stock").status_code == 403


def test_the_pages_are_installable_and_the_worker_covers_them(demo: Demo) -> None:
    """The manifest names /espace; the service worker is served from /espace/."""
    with httpx.Client(base_url=demo.url, timeout=10) as http:
        manifest = http.get("/espace/manifest.webmanifest").json()
        worker = http.get("/espace/sw.js")
    assert (manifest["start_url"], manifest["scope"], manifest["lang"]) == (
        "/espace", "/espace/", "fr")
    assert worker.status_code == 200
    assert worker.headers["service-worker-allowed"] == "/espace/"


@pytest.mark.postgres
def test_every_page_renders_on_postgresql() -> None:
    """The pages' own queries (the chart's journal, lots by producer) run on PostgreSQL too."""
    location = create_postgres_database()
    try:
        app = create_app(location)
        with TestClient(app) as http:
            ledger = app.state.services.ledger
            generate_demo(ledger, weeks=1, seed=7, scale=1, end=DEMO_END)
            chosen = demo_members(ledger)
            tokens = app.state.services.tokens
            app.state.services.views.wait_for(ledger.recorder.max_notification_id())
            for role, member_id in chosen.items():
                token = tokens.create(member_id, label="pg")[1]
                slug = MAIN_PAGES[str(role)]
                response = http.get(f"/espace/{slug}", headers={
                    "Authorization": f"Bearer {token}", "Accept": "text/html"})
                assert response.status_code == 200, (role, response.text[:300])
                assert "<main" in response.text
    finally:
        drop_postgres_database(location)


def test_the_cli_issues_a_household_its_own_token(demo: Demo,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """``cocagne token create --member HOUSEHOLD_ID`` signs in as that household."""
    household = demo.members["household"]
    assert demo.location.sqlite_path is not None
    assert main(["--lang", "en", "token", "create", "--db", str(demo.location.sqlite_path),
                 "--member", str(household), "--label", "foyer"]) == 0
    captured = capsys.readouterr()
    assert "for household CCAS-" in captured.err
    token = captured.out.strip()
    with httpx.Client(base_url=demo.url, timeout=10) as http:
        me = http.get("/api/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["member_id"] == str(household)
