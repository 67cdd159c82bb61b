"""The work pages' server time on a large demo: each role's main page and each form's act.

``python -m bench.api --pages [--scale 10] [--requests 40]`` writes the demo territory at
that scale (12 weeks, governance and baskets) into a fresh SQLite store, issues the demo's
sign-in tokens, prepares what the forms act on (an open round, stock held by the outlet, an
open proposal), serves it with ``cocagne serve`` in a child process, and then:

- loads each role's main page ``--requests`` times (after one warm-up load);
- sends each form's command ``--requests`` times, exactly as the page's script sends it
  (JSON body, ``Idempotency-Key``, ``Accept-Language: fr``), each a new act;
- as the baseline of the same run, calls ``/api/me``, the cheapest request that passes the
  token check and the policy table.

Times are the server's own (the ``Server-Timing`` header every answer carries), so the load
generator on the same two cores does not count. It prints p50/p95/max per page and form,
each p95 against the 100 ms budget, and the p95 ratio to the baseline; it exits non-zero if
any p95 is over budget or any request failed.
"""

from __future__ import annotations

# ruff: noqa: ARG005 - every form's act takes (client, index); many use neither.
import itertools
import re
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx

from bench.api import TIMEOUT_S, free_port, percentile, start_server
from domain import commands as c
from domain import governance_commands as g
from domain.base import Role
from domain.rules import SetAllocationKey
from infra.api.auth import TokenStore
from infra.api.demo import demo_members
from infra.api.pages.directory import Directory
from infra.demo.territory import generate_demo
from infra.ledger.ledger import Ledger
from infra.store import sqlite_location

BUDGET_MS = 100.0
MAIN_PAGES = {"producer": "producteur", "platform": "plateforme", "outlet": "structure",
              "voter": "gouvernance", "coordinator": "coordination", "funder": "financeur",
              "household": "foyer", "auditor": "controle"}
SERVER_TIMING = re.compile(r"app;dur=([0-9.]+)")
ROUND_WEEK = "2026-W40"  # Later than any demo week: the bench's own round.
HELD_G = 5_000_000  # 5 t delivered to the outlet: enough for every distribution and loss.

_keys = itertools.count(1)


def key(prefix: str) -> str:
    """A new command id."""
    return f"bench-pages-{prefix}-{next(_keys)}"


def server_ms(response: httpx.Response) -> float:
    """The server's own time for an answer."""
    found = SERVER_TIMING.search(response.headers.get("server-timing", ""))
    if found is None:
        raise RuntimeError(f"no Server-Timing on {response.request.url}")
    return float(found.group(1))


class Setup:
    """What the forms act on, prepared straight on the ledger before serving."""

    def __init__(self, ledger: Ledger, members: dict[Role, UUID]) -> None:
        directory = Directory(ledger)
        directory.refresh()
        self.members = members
        self.platform, self.producer, self.outlet = (
            members[Role.PLATFORM], members[Role.PRODUCER], members[Role.OUTLET])
        self.site = directory.sites_of(self.platform)[0][0]
        self.programme = next(iter(directory.programmes))
        self.big_lot = self._received(ledger, HELD_G * 2)
        delivery = ledger.execute(c.PlanDelivery(
            command_id=key("plan"), actor_id=self.platform, from_site_id=self.site,
            planned_for=date(2026, 3, 30),
            stops=[c.PlannedStop(self.outlet, [c.PlannedLine(self.big_lot, HELD_G)])]))
        ledger.execute(c.DispatchDelivery(command_id=key("dispatch"), actor_id=self.platform,
                                          delivery_id=delivery.stream_id))
        ledger.execute(c.ReceiveDelivery(command_id=key("sign"), actor_id=self.outlet,
                                         delivery_id=delivery.stream_id,
                                         lines=[c.ReceiptLine(self.big_lot, HELD_G)],
                                         signer="Banc d'essai"))
        self.round_id = ledger.execute(c.OpenRound(
            command_id=key("round"), actor_id=self.platform, site_id=self.site,
            week=ROUND_WEEK)).stream_id
        now = time.time()
        self.proposal_id = ledger.execute(g.SubmitProposal(
            command_id=key("proposal"), actor_id=members[Role.VOTER],
            title="Banc d'essai : clé au prorata des besoins",
            payload=SetAllocationKey(key="proportional_to_needs"),
            closes_at=_utc(now + 86_400))).stream_id

    def _received(self, ledger: Ledger, grams: int) -> UUID:
        lot = ledger.execute(c.OfferLot(
            command_id=key("offer"), actor_id=self.producer, product="carotte",
            quantity_g=grams, price_cents_per_kg=150, harvest_date=date(2026, 3, 28),
            best_before=date(2026, 4, 20))).stream_id
        ledger.execute(c.AcceptOffer(command_id=key("accept"), actor_id=self.platform,
                                     lot_id=lot, site_id=self.site, accepted_g=grams))
        ledger.execute(c.ReceiveLot(command_id=key("receive"), actor_id=self.platform,
                                    lot_id=lot, site_id=self.site, measured_g=grams))
        return lot


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


Act = Callable[[httpx.Client, int], tuple[str, str, dict[str, Any]]]
"""(client, index) -> (role, command, body); may run untimed preparatory acts first."""


def post(client: httpx.Client, tokens: dict[str, str], role: str, command: str,
         body: dict[str, Any]) -> httpx.Response:
    """One act as the page's script sends it."""
    return client.post(f"/api/commands/{command}", json=body, headers={
        "Authorization": f"Bearer {tokens[role]}", "Idempotency-Key": key(command),
        "Accept-Language": "fr", "Accept": "application/json"})


def forms(setup: Setup, tokens: dict[str, str]) -> dict[str, Act]:
    """Each form's act, with what it needs prepared (untimed) before it."""
    offer = {"product": "navet", "quantity_g": 12_500, "price_cents_per_kg": 180,
             "harvest_date": "2026-03-28", "best_before": "2026-04-15",
             "organic_certificate": "FR-BIO-01"}
    site, outlet, lot = str(setup.site), str(setup.outlet), str(setup.big_lot)

    def offered(client: httpx.Client) -> str:
        stream: str = post(client, tokens, "producer", "offer_lot", offer).json()["stream_id"]
        return stream

    def accepted(client: httpx.Client) -> str:
        lot_id = offered(client)
        post(client, tokens, "platform", "accept_offer",
             {"lot_id": lot_id, "site_id": site, "accepted_g": 12_500})
        return lot_id

    def received(client: httpx.Client) -> str:
        lot_id = accepted(client)
        post(client, tokens, "platform", "receive_lot",
             {"lot_id": lot_id, "site_id": site, "measured_g": 12_500})
        return lot_id

    # Every act takes (client, index); some use neither: they repeat the same body.
    return {
        "offer_lot": lambda client, index: ("producer", "offer_lot", offer),
        "accept_offer": lambda client, index: (
            "platform", "accept_offer",
            {"lot_id": offered(client), "site_id": site, "accepted_g": 10_000}),
        "receive_lot": lambda client, index: (
            "platform", "receive_lot",
            {"lot_id": accepted(client), "site_id": site, "measured_g": 12_400}),
        "split_lot": lambda client, index: (
            "platform", "split_lot", {"lot_id": received(client), "parts_g": [5_000, 7_500]}),
        "reserve_lot": lambda client, index: (
            "platform", "reserve_lot", {"lot_id": lot, "outlet_id": outlet,
                                        "quantity_g": 1_000}),
        "release_reservation": lambda client, index: (
            "platform", "release_reservation", {"lot_id": lot, "outlet_id": outlet,
                                                "quantity_g": 500, "reason": "banc"}),
        "record_loss (platform)": lambda client, index: (
            "platform", "record_loss", {"lot_id": lot, "quantity_g": 100,
                                        "reason": "abîmé"}),
        "recall_lot": lambda client, index: (
            "producer", "recall_lot", {"lot_id": accepted(client), "reason": "analyse"}),
        "declare_need": lambda client, index: (
            "outlet", "declare_need", {"round_id": str(setup.round_id),
                                       "product": f"produit {index}", "quantity_g": 20_000}),
        "compute_round": lambda client, index: (
            "platform", "compute_round", {"round_id": str(setup.round_id)}),
        "record_distribution": lambda client, index: (
            "outlet", "record_distribution", {"lot_id": lot, "quantity_g": 1_000,
                                              "channel": "food_aid"}),
        "record_loss (outlet)": lambda client, index: (
            "outlet", "record_loss", {"lot_id": lot, "quantity_g": 100, "reason": "abîmé"}),
        "enrol_household": lambda client, index: (
            "outlet", "enrol_household", {"programme_id": str(setup.programme),
                                          "reference": f"BANC-{index:04d}",
                                          "name": "Foyer fictif", "share_bp": 2_000}),
        "cast_vote": lambda client, index: (
            "voter", "cast_vote", {"proposal_id": str(setup.proposal_id),
                                   "choice": "yes" if index % 2 == 0 else "no"}),
        "commit_budget": lambda client, index: (
            "funder", "commit_budget", {"amount_cents": 1_000}),
        "register_member": lambda client, index: (
            "coordinator", "register_member", {"name": f"Association banc {index}",
                                               "kind": "outlet", "households_served": 40}),
        "register_site": lambda client, index: (
            "coordinator", "register_site", {"name": f"Local banc {index}", "kind": "outlet",
                                             "operator_id": outlet, "city": "Dijon"}),
        **stock_forms(setup, tokens, received),
    }


def stock_forms(setup: Setup, tokens: dict[str, str],
                received: Callable[[httpx.Client], str]) -> dict[str, Act]:
    """The forms of the stock and reports work: holds, a chilled reception, bulk donations,
    donations, labels, workshops (docs/stock.md, docs/reports.md)."""
    site, producer = str(setup.site), str(setup.producer)
    yoghurt = {"product": "yaourt", "variety": "nature", "quantity_g": 6_000,
               "price_cents_per_kg": 350, "harvest_date": "2026-03-28",
               "best_before": "2026-04-15"}

    def held(client: httpx.Client) -> str:
        lot_id = received(client)
        post(client, tokens, "platform", "hold_lot", {"lot_id": lot_id, "reason": "banc"})
        return lot_id

    def chilled(client: httpx.Client) -> str:
        lot_id: str = post(client, tokens, "producer", "offer_lot",
                           yoghurt).json()["stream_id"]
        post(client, tokens, "platform", "accept_offer",
             {"lot_id": lot_id, "site_id": site, "accepted_g": 6_000})
        return lot_id

    def bulk(client: httpx.Client) -> str:
        lot_id: str = post(client, tokens, "platform", "receive_donation", {
            "site_id": site, "donor_id": producer, "description": "Invendus",
            "quantity_g": 20_000}).json()["stream_id"]
        return lot_id

    return {
        "hold_lot": lambda client, index: (
            "platform", "hold_lot", {"lot_id": received(client), "reason": "analyse"}),
        "release_hold": lambda client, index: (
            "platform", "release_hold", {"lot_id": held(client), "reason": "conforme"}),
        "receive_lot (chilled, 3,5 °C)": lambda client, index: (
            "platform", "receive_lot", {"lot_id": chilled(client), "site_id": site,
                                        "measured_g": 6_000, "temperature_dc": 35}),
        "receive_donation": lambda client, index: (
            "platform", "receive_donation", {"site_id": site, "donor_id": producer,
                                             "description": "Invendus",
                                             "quantity_g": 20_000}),
        "sort_donation": lambda client, index: (
            "platform", "sort_donation", {"lot_id": bulk(client), "waste_g": 2_000,
                                          "outputs": [{"product": "tomate",
                                                       "quantity_g": 12_000},
                                                      {"product": "laitue",
                                                       "quantity_g": 6_000}]}),
        "record_donation": lambda client, index: (
            "platform", "record_donation", {"lot_id": received(client), "donor_id": producer,
                                            "declared_value_cents": 1_500}),
        "declare_quality_label": lambda client, index: (
            "producer", "declare_quality_label", {"lot_id": received(client),
                                                  "label": "hve", "certificate": "HVE-1"}),
        "record_workshop": lambda client, index: (
            "outlet", "record_workshop", {"kind": "cooking", "held_on": str(date.today()),
                                          "attendance_count": 10}),
    }


def summary(values: list[float]) -> str:
    """p50 / p95 / max in ms."""
    return (f"p50 {percentile(values, 0.5):6.1f} ms  p95 {percentile(values, 0.95):6.1f} ms  "
            f"max {max(values):6.1f} ms")


def run_pages(scale: int, requests: int) -> int:
    """Build, serve, measure, print; 0 when every p95 is within budget."""
    with tempfile.TemporaryDirectory() as directory:
        db = Path(directory) / "pages.db"
        location = sqlite_location(db)
        ledger = Ledger(location)
        started = time.perf_counter()
        demo = generate_demo(ledger, weeks=12, seed=7, scale=scale)
        members = demo_members(ledger)
        setup = Setup(ledger, members)
        events = int(ledger.recorder.max_notification_id() or 0)
        ledger.close()
        print(f"demo --scale {scale}: {demo.lots} lots, {events:,} events stored in "
              f"{time.perf_counter() - started:.1f} s")
        token_store = TokenStore(location)
        tokens = {str(role): token_store.create(member, label="bench")[1]
                  for role, member in members.items()}
        token_store.close()
        port = free_port()
        server = start_server(db, port)
        failures = 0
        over_budget: list[str] = []
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=TIMEOUT_S) as client:
                baseline = []
                for _ in range(requests + 1):
                    response = client.get("/api/me", headers={
                        "Authorization": f"Bearer {tokens['producer']}"})
                    baseline.append(server_ms(response))
                base_p95 = percentile(baseline[1:], 0.95)
                print(f"baseline /api/me (server time)        {summary(baseline[1:])}")
                print("main page of each role (server time, after one warm-up load):")
                for role, slug in MAIN_PAGES.items():
                    timings = []
                    for _ in range(requests + 1):
                        response = client.get(f"/espace/{slug}", headers={
                            "Authorization": f"Bearer {tokens[role]}", "Accept": "text/html"})
                        failures += response.status_code != 200
                        timings.append(server_ms(response))
                    p95 = percentile(timings[1:], 0.95)
                    flag = "ok" if p95 < BUDGET_MS else "OVER"
                    over_budget += [] if p95 < BUDGET_MS else [f"/espace/{slug}"]
                    print(f"  {role:<12} /espace/{slug:<13} {summary(timings[1:])}  "
                          f"{p95 / base_p95:5.1f}x baseline  {len(response.content) / 1024:5.0f}"
                          f" KiB  {flag}")
                print("each form's submission (server time):")
                for name, act in forms(setup, tokens).items():
                    timings = []
                    for index in range(requests):
                        role, command, body = act(client, index)
                        response = post(client, tokens, role, command, body)
                        if response.status_code != 200:
                            failures += 1
                            print(f"    {name} refused: {response.json().get('message')}")
                        timings.append(server_ms(response))
                    p95 = percentile(timings, 0.95)
                    flag = "ok" if p95 < BUDGET_MS else "OVER"
                    over_budget += [] if p95 < BUDGET_MS else [name]
                    print(f"  {name:<24} {summary(timings)}  {p95 / base_p95:5.1f}x baseline  "
                          f"{flag}")
        finally:
            server.terminate()
            server.wait(TIMEOUT_S)
    print(f"budget: p95 < {BUDGET_MS:.0f} ms of server time; over budget: "
          f"{', '.join(over_budget) or 'none'}; failed requests: {failures}")
    return 0 if not over_budget and failures == 0 else 1



