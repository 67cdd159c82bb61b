"""Decisions members can see into, over HTTP on the governed demo (SQLite and PostgreSQL):
a proposal's simulation (JSON and its French page section), participation per college, the
history of the rules and one step from an act to its decision, households' preferences as
counts for their outlet, and a household member voting in its college."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from domain.baskets import Household
from domain.members import Member, MemberKind
from domain.proposals import Proposal
from domain.rules import SetAllocationKey, SetPriceGrid
from infra.api import create_app
from infra.ledger.ledger import Ledger
from tests.e2e.api.conftest import new_id
from tests.whatif_support import DEMO_WEEKS, Demo, governed_demo, proposal_ids

REFERRER = "CCAS — service social (orientation)"
DELEGATE = "Délégué·e des foyers 1"


@dataclass
class Served:
    """The demo behind the API, the ids and tokens the tests use."""

    client: TestClient[Litestar]
    ledger: Ledger
    tokens: dict[str, str]
    members: dict[str, UUID]
    households: list[UUID]
    references: list[str]
    grid_proposal: UUID
    key_proposal: UUID

    def get(self, who: str, url: str) -> Any:
        """GET as a member; the response."""
        return self.client.get(url, headers={"Authorization": f"Bearer {self.tokens[who]}"})

    def post(self, who: str, name: str, body: dict[str, Any]) -> Any:
        """POST a command as a member; the response."""
        return self.client.post(f"/api/commands/{name}", json=body, headers={
            "Authorization": f"Bearer {self.tokens[who]}", "Idempotency-Key": new_id(name)})


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def demo(request: pytest.FixtureRequest,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The governed demo on each store."""
    yield from governed_demo(request, tmp_path_factory)


def _members(ledger: Ledger) -> dict[str, UUID]:
    found: dict[str, UUID] = {}
    for notification in ledger.recorder.select_notifications(1, 10_000,
                                                             topics=["member.registered"]):
        member = ledger.repository.get(UUID(str(notification.originator_id)))
        assert isinstance(member, Member)
        found.setdefault(member.name, member.id)
    return found


@pytest.fixture(scope="module")
def served(demo: Demo) -> Iterator[Served]:
    """The API over the demo, with tokens for an outlet, the referrer, a delegate…"""
    app = create_app(demo.location, ledger=demo.ledger)
    members = _members(demo.ledger)
    households = [UUID(str(item.originator_id)) for item in demo.ledger.recorder
                  .select_notifications(1, 10_000, topics=["household.enrolled"])]
    references = []
    for household_id in households:
        household = demo.ledger.repository.get(household_id)
        assert isinstance(household, Household)
        references.append(household.reference)
    proposals = {type(proposal.payload): proposal.id for proposal in
                 (demo.ledger.repository.get(pid) for pid in proposal_ids(demo.ledger))
                 if isinstance(proposal, Proposal)}
    with TestClient(app) as client:
        tokens = app.state.services.tokens
        chosen = {"referrer": members[REFERRER], "delegate": members[DELEGATE],
                  "outlet": members["Épicerie solidaire"],
                  "producer": members["Jardin de Vesoul"]}
        issued = {who: tokens.create(member_id)[1] for who, member_id in chosen.items()}
        yield Served(client=client, ledger=demo.ledger, tokens=issued, members=chosen,
                     households=households, references=references,
                     grid_proposal=proposals[SetPriceGrid],
                     key_proposal=proposals[SetAllocationKey])


def assert_no_household_named(text: str, served: Served) -> None:
    """No household id or pseudonymous reference appears in an answer."""
    for household_id in served.households:
        assert str(household_id) not in text
    for reference in served.references:
        assert reference not in text


def test_any_member_sees_a_proposals_simulation(served: Served) -> None:
    """A household delegate reads the key's simulation: outlets by name, consistent, no
    household named anywhere."""
    response = served.get("delegate", f"/api/proposals/{served.key_proposal}/simulation")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["kind"] == "allocation_key"
    assert body["consistent"] is True
    assert body["window"]["weeks"][-1] == "2026-W05"
    rows = body["sections"][0]["rows"]
    assert {row["label"] for row in rows} >= {"Épicerie solidaire", "CCAS"}
    assert any(row["difference"] for row in rows)
    assert_no_household_named(response.text, served)
    weeks = served.get("producer", f"/api/proposals/{served.grid_proposal}/simulation"
                                   f"?weeks={DEMO_WEEKS}&before=2026-02-23")
    assert weeks.status_code == 200
    assert all(row["difference"] == 0 for section in weeks.json()["sections"]
               for row in section["rows"])


def test_the_proposals_page_section_is_french_html_with_a_chart(served: Served) -> None:
    """The HTML fragment: a table per measure, an SVG chart, the consistency line."""
    response = served.get("outlet", f"/api/proposals/{served.key_proposal}/simulation.html")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "Et si cette règle avait été en vigueur ?" in html
    assert html.count("<svg") == 1
    assert "<caption>Kilos attribués par structure</caption>" in html
    assert "Contrôle : rejouer les règles qui étaient en vigueur" in html
    assert re.search(r"\d+,\d\u00a0kg", html)
    assert "<script" not in html
    assert 'data-coherent="oui"' in html
    assert_no_household_named(html, served)


def test_participation_per_college_is_shown_on_closed_proposals(served: Served) -> None:
    """Voters over members per college, matching the recorded tally."""
    response = served.get("delegate", f"/api/proposals/{served.key_proposal}")
    entry = response.json()["proposal"]
    assert entry["status"] == "adopted"
    turnout = {item["college"]: (item["voters"], item["members"])
               for item in entry["participation"]}
    assert turnout["outlets"] == (12, 15)
    assert turnout["households"] == (3, 3)
    listed = served.get("delegate", "/api/proposals?status=adopted").json()
    assert all(item["participation"] for item in listed)


def test_rules_history_leads_to_the_acts_and_each_act_back_to_its_decision(
        served: Served) -> None:
    """History -> a decision's acts -> a round -> its lines, each naming the decision."""
    history = served.get("producer", "/api/rules/history").json()
    kinds = {entry["kind"]: entry for entry in history}
    assert sorted(kinds) == ["allocation_key", "price_grid", "reference_prices", "stock_rules"]
    key = kinds["allocation_key"]
    assert key["decision_id"] == str(served.key_proposal)
    assert key["effective_from"] == "2026-02-09"
    assert key["acts_by_kind"] == {"allocation_round.computed": 2,
                                   "allocation_round.confirmed": 2}
    assert {item["college"]: item["voters"] for item in key["participation"]}["outlets"] == 12
    acts = served.get("producer", key["acts_link"]).json()
    assert acts["count"] == key["acts"] == 4
    round_act = next(act for act in acts["acts"] if act["kind"] == "allocation_round.computed")
    provenance = served.get("producer", round_act["link"]).json()
    assert provenance["kind"] == "allocation_round"
    assert [item["decision_id"] for item in provenance["decisions"]] == [str(served.key_proposal)]
    assert provenance["lines"]
    assert {line["link"] for line in provenance["lines"]} == {
        f"/api/proposals/{served.key_proposal}"}
    grid = kinds["price_grid"]
    payment = next(act for act in served.get("producer", grid["acts_link"]).json()["acts"]
                   if act["kind"] == "delivery_settlement.priced")
    priced = served.get("producer", payment["link"]).json()
    assert priced["decisions"][0]["decision_id"] == str(served.grid_proposal)


def test_a_payment_leads_to_the_price_grid_it_applied(served: Served) -> None:
    """A producer's payment transfer: one step to the grid's decision."""
    transfer = next(UUID(str(item.originator_id)) for item in served.ledger.recorder
                    .select_notifications(1, 100_000, topics=["transfer.recorded"])
                    if served.ledger.mapper.to_domain_event(item).cause_kind == "delivery")
    answer = served.get("producer", f"/api/acts/{transfer}").json()
    assert answer["kind"] == "transfer"
    assert answer["decisions"][0]["link"] == f"/api/proposals/{served.grid_proposal}"


def test_households_preferences_reach_their_outlet_as_counts(served: Served) -> None:
    """The referrer states two households' wishes; it sees counts; another outlet cannot
    read a household's own wishes; nobody's identity is in the counts."""
    first, second = served.households[:2]
    for household_id, wanted, size in ((first, ["carotte"], "small"),
                                       (second, ["carotte", "courge"], "large")):
        response = served.post("referrer", "state_basket_preferences", {
            "household_id": str(household_id), "basket_size": size, "wanted": wanted,
            "avoided": ["chou"], "season": "2026-winter"})
        assert response.status_code == 200, response.text
    counts = served.get("referrer", "/api/preferences?season=2026-winter").json()
    assert counts["households_stated"] == 2
    assert (counts["small"], counts["large"]) == (1, 1)
    assert {item["product"]: (item["wanting"], item["avoiding"])
            for item in counts["products"]} == {"carotte": (2, 0), "chou": (0, 2),
                                                 "courge": (1, 0)}
    assert_no_household_named(str(counts), served)
    own = served.get("referrer", f"/api/households/{first}/preferences?season=2026-winter")
    assert own.json()["preferences"]["wanted"] == ["carotte"]
    other = served.get("outlet", f"/api/households/{first}/preferences?season=2026-winter")
    assert other.status_code == 403
    refused = served.client.post("/api/commands/state_basket_preferences", json={
        "household_id": str(first), "basket_size": "small", "season": "2026-winter"},
        headers={"Authorization": f"Bearer {served.tokens['outlet']}",
                 "Idempotency-Key": new_id("refused"), "Accept-Language": "fr-FR"})
    assert refused.status_code == 403
    assert refused.json()["message"].startswith("Seuls le foyer CCAS-")
    assert served.get("outlet", "/api/preferences?season=2026-winter").json()[
        "households_stated"] == 0


def test_a_household_member_votes_in_its_college(served: Served) -> None:
    """A household delegate votes on a new proposal; the provisional participation counts
    it; the proposal's simulation is there before the vote closes."""
    now = datetime.now(tz=UTC)
    submitted = served.post("referrer", "submit_proposal", {
        "title": "Clé au prorata des besoins, 10 % minimum",
        "payload": {"kind": "set_allocation_key", "key": "proportional_to_needs",
                    "minimum_share_bp": 1_000},
        "closes_at": (now + timedelta(days=7)).isoformat(), "quorum_bp": 3_000})
    assert submitted.status_code == 200, submitted.text
    proposal_id = submitted.json()["stream_id"]
    vote = served.post("delegate", "cast_vote", {"proposal_id": proposal_id, "choice": "yes"})
    assert vote.status_code == 200, vote.text
    entry = served.get("delegate", f"/api/proposals/{proposal_id}").json()
    assert entry["my_vote"] == "yes"
    households = next(item for item in entry["proposal"]["participation"]
                      if item["college"] == "households")
    assert (households["voters"], households["members"]) == (1, 3)
    simulation = served.get("delegate", f"/api/proposals/{proposal_id}/simulation?weeks=52")
    assert simulation.status_code == 200
    assert simulation.json()["consistent"] is True
    assert simulation.json()["acts"] == DEMO_WEEKS
    member = served.ledger.repository.get(served.members["delegate"])
    assert isinstance(member, Member)
    assert member.kind == MemberKind.HOUSEHOLD
