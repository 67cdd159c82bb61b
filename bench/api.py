"""API throughput and latency for a mixed workload, and the time from a command to its SSE
message, against the SQLite default.

``python -m bench.api [--operations 3000] [--clients 4] [--receipts 50]`` seeds a small
cooperative into a fresh SQLite store, starts ``cocagne serve`` in a child process (so the
load generator does not share the server's interpreter), and then, in the same run:

- **baseline**: the same kinds of commands and queries called in-process on the ``Ledger``
  and the stock view (no HTTP, no JSON, no auth): the floor the API adds to;
- **floor**: the same clients calling ``/livez`` (no token, no store): what HTTP itself and
  the load generator cost on this machine;
- **mixed**: ``--clients`` threads send ``--operations`` requests in all: 30 % commands
  (a producer's offer), 70 % queries (stock of a site, a lot's page, the caller), each with
  its bearer token; it prints throughput and p50/p95/p99 latency per kind, and the ratio of
  API to in-process latency;
- **live**: with an SSE client connected, it posts ``--receipts`` receipts one by one and
  times each until its stock message arrives: p50/p95/max.

``python -m bench.api --pages [--scale 10] [--requests 40]`` times instead each role's work
page (``/espace/…``) and each form's submission on a demo of that scale (``bench/pages.py``).

Every loop is bounded by its count and by ``TIMEOUT_S``. Numbers depend on the machine; the
ratios are the claim.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from uuid import UUID

import httpx

from domain import commands as c
from domain.members import MemberKind
from domain.sites import SiteKind
from infra.api.auth import TokenStore
from infra.ledger.ledger import Ledger
from infra.logs import configure_logging
from infra.projections_wiring import open_projections
from infra.store import sqlite_location

TIMEOUT_S = 30.0  # Any single request or wait longer than this fails the bench.
SERVER_START_S = 60.0
COMMAND_SHARE = 0.3
BASELINE_OPERATIONS = 500  # In-process calls per kind for the baseline.
LOTS_SEEDED = 40


def percentile(values: list[float], fraction: float) -> float:
    """The value below which ``fraction`` of ``values`` fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def summary_ms(values: list[float]) -> str:
    """p50 / p95 / p99 in milliseconds."""
    return (f"p50 {percentile(values, 0.50) * 1000:7.2f} ms  p95 "
            f"{percentile(values, 0.95) * 1000:7.2f} ms  p99 "
            f"{percentile(values, 0.99) * 1000:7.2f} ms")


class World:
    """Ids of the seeded cooperative."""

    def __init__(self, ledger: Ledger) -> None:
        counter = iter(range(1_000_000))

        def new_id() -> str:
            return f"bench-seed-{next(counter)}"

        self.coordinator = ledger.execute(c.FoundCooperative(
            command_id=new_id(), name="Banc d'essai", coordinator_name="Secrétariat")).stream_id

        def member(name: str, kind: MemberKind) -> UUID:
            return ledger.execute(c.RegisterMember(command_id=new_id(), actor_id=self.coordinator,
                                                   name=name, kind=kind)).stream_id

        self.producer = member("Jardin", MemberKind.PRODUCER)
        self.platform = member("Banque alimentaire", MemberKind.PLATFORM)
        self.site = ledger.execute(c.RegisterSite(
            command_id=new_id(), actor_id=self.coordinator, name="Entrepôt",
            kind=SiteKind.WAREHOUSE, operator_id=self.platform)).stream_id
        self.lots: list[UUID] = []
        for index in range(LOTS_SEEDED):
            lot = ledger.execute(offer(self.producer, f"bench-seed-lot-{index}")).stream_id
            ledger.execute(c.AcceptOffer(command_id=new_id(), actor_id=self.platform, lot_id=lot,
                                         site_id=self.site, accepted_g=10_000))
            ledger.execute(c.ReceiveLot(command_id=new_id(), actor_id=self.platform, lot_id=lot,
                                        site_id=self.site, measured_g=10_000))
            self.lots.append(lot)


HARVEST_DATE = date.today() - timedelta(days=1)
"""Yesterday: a harvest the business-time rule finds plausible whatever day the bench runs."""


def offer(producer: UUID, command_id: str) -> c.OfferLot:
    """A producer's offer of ten kilos of carrots."""
    return c.OfferLot(command_id=command_id, actor_id=producer, product="carrot",
                      quantity_g=10_000, price_cents_per_kg=180, harvest_date=HARVEST_DATE,
                      best_before=HARVEST_DATE + timedelta(days=26))


OFFER_BODY = {"product": "carrot", "quantity_g": 10_000, "price_cents_per_kg": 180,
              "harvest_date": HARVEST_DATE.isoformat(),
              "best_before": (HARVEST_DATE + timedelta(days=26)).isoformat()}


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(db: Path, port: int) -> subprocess.Popen[bytes]:
    """``cocagne serve`` in a child process; returns once /readyz answers 200."""
    env = {**os.environ, "COCAGNE_LOG_LEVEL": "warning"}
    server = subprocess.Popen(
        [sys.executable, "-m", "infra.cli", "serve", "--db", str(db), "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.kill()
    raise RuntimeError("the server did not become ready")


def baseline(db: Path, world: World) -> dict[str, list[float]]:
    """In-process latencies of the same command and query kinds."""
    ledger = Ledger(sqlite_location(db))
    projections = open_projections(ledger)
    projections.catch_up()
    timings: dict[str, list[float]] = {"command": [], "query": []}
    try:
        for index in range(BASELINE_OPERATIONS):
            started = time.perf_counter()
            ledger.execute(offer(world.producer, f"bench-baseline-{index}"))
            timings["command"].append(time.perf_counter() - started)
            started = time.perf_counter()
            projections.stock.lines(site_id=str(world.site))
            timings["query"].append(time.perf_counter() - started)
    finally:
        projections.close()
        ledger.close()
    return timings


def mixed(base_url: str, tokens: dict[str, str], world: World, operations: int,
          clients: int) -> tuple[dict[str, list[float]], float, int]:
    """The mixed workload; (latencies per kind, seconds, errors)."""
    timings: dict[str, list[float]] = {"command": [], "query": []}
    errors = [0]
    lock = threading.Lock()
    per_client = operations // clients

    def run(client_index: int) -> None:
        rng = random.Random(client_index)
        with httpx.Client(base_url=base_url, timeout=TIMEOUT_S) as client:
            producer = {"Authorization": f"Bearer {tokens['producer']}"}
            platform = {"Authorization": f"Bearer {tokens['platform']}"}
            for index in range(per_client):
                if rng.random() < COMMAND_SHARE:
                    kind = "command"
                    started = time.perf_counter()
                    response = client.post(
                        "/api/commands/offer_lot", json=OFFER_BODY,
                        headers={**producer, "Idempotency-Key": f"bench-{client_index}-{index}"})
                else:
                    kind = "query"
                    choice = rng.random()
                    if choice < 0.5:
                        path = f"/api/stock?site_id={world.site}"
                    elif choice < 0.8:
                        path = f"/api/lots/{rng.choice(world.lots)}"
                    else:
                        path = "/api/me"
                    started = time.perf_counter()
                    response = client.get(path, headers=platform)
                elapsed = time.perf_counter() - started
                with lock:
                    timings[kind].append(elapsed)
                    if response.status_code != 200:
                        errors[0] += 1

    threads = [threading.Thread(target=run, args=(index,)) for index in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT_S * per_client)
    return timings, time.perf_counter() - started, errors[0]


def floor(base_url: str, operations: int, clients: int) -> tuple[list[float], float]:
    """The same clients calling /livez: HTTP and client cost alone."""
    timings: list[float] = []
    lock = threading.Lock()
    per_client = operations // clients

    def run() -> None:
        with httpx.Client(base_url=base_url, timeout=TIMEOUT_S) as client:
            for _ in range(per_client):
                started = time.perf_counter()
                client.get("/livez")
                elapsed = time.perf_counter() - started
                with lock:
                    timings.append(elapsed)

    threads = [threading.Thread(target=run) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT_S * per_client)
    return timings, time.perf_counter() - started


def live(base_url: str, tokens: dict[str, str], world: World, receipts: int) -> list[float]:
    """Seconds from posting each receipt to its stock message on the SSE stream."""
    platform = {"Authorization": f"Bearer {tokens['platform']}"}
    producer = {"Authorization": f"Bearer {tokens['producer']}"}
    latencies: list[float] = []
    arrived: dict[str, float] = {}
    condition = threading.Condition()
    stop = threading.Event()

    def listen() -> None:
        with httpx.Client(base_url=base_url, timeout=TIMEOUT_S) as client, client.stream(
                "GET", "/api/live", headers=platform) as response:
            event = ""
            for line in response.iter_lines():
                if stop.is_set():
                    return
                if line.startswith("event:"):
                    event = line.partition(":")[2].strip()
                elif line.startswith("data:") and event == "stock":
                    now = time.perf_counter()
                    payload = json.loads(line.partition(":")[2])
                    with condition:
                        for group in payload["groups"]:
                            for stock_line in group["lines"]:
                                arrived.setdefault(stock_line["lot_id"], now)
                        condition.notify_all()

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    time.sleep(0.5)  # The subscription is registered.
    with httpx.Client(base_url=base_url, timeout=TIMEOUT_S) as client:
        for index in range(receipts):
            lot = client.post("/api/commands/offer_lot", json=OFFER_BODY,
                              headers={**producer, "Idempotency-Key": f"live-offer-{index}"}
                              ).json()["stream_id"]
            client.post("/api/commands/accept_offer",
                        json={"lot_id": lot, "site_id": str(world.site), "accepted_g": 10_000},
                        headers={**platform, "Idempotency-Key": f"live-accept-{index}"})
            started = time.perf_counter()
            client.post("/api/commands/receive_lot",
                        json={"lot_id": lot, "site_id": str(world.site), "measured_g": 10_000},
                        headers={**platform, "Idempotency-Key": f"live-receive-{index}"})
            with condition:
                condition.wait_for(lambda lot=lot: lot in arrived, TIMEOUT_S)
            if lot in arrived:
                latencies.append(arrived[lot] - started)
    stop.set()
    return latencies


def main(argv: list[str] | None = None) -> int:
    """Run the three measurements and print them (or the work pages' with ``--pages``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--operations", type=int, default=3_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--receipts", type=int, default=50)
    parser.add_argument("--pages", action="store_true",
                        help="time each role's work page and each form's submission instead")
    parser.add_argument("--scale", type=int, default=10, help="demo scale for --pages")
    parser.add_argument("--requests", type=int, default=40,
                        help="loads of each page and submissions of each form (--pages)")
    arguments = parser.parse_args(argv)
    configure_logging("warning")
    if arguments.pages:
        from bench.pages import run_pages  # noqa: PLC0415 - only this mode needs the demo.

        return run_pages(arguments.scale, arguments.requests)
    with tempfile.TemporaryDirectory() as directory:
        db = Path(directory) / "bench.db"
        ledger = Ledger(sqlite_location(db))
        world = World(ledger)
        ledger.close()
        tokens_store = TokenStore(sqlite_location(db))
        tokens = {"producer": tokens_store.create(world.producer)[1],
                  "platform": tokens_store.create(world.platform)[1]}
        tokens_store.close()
        base = baseline(db, world)
        port = free_port()
        server = start_server(db, port)
        try:
            url = f"http://127.0.0.1:{port}"
            floor_timings, floor_seconds = floor(url, arguments.operations, arguments.clients)
            timings, seconds, errors = mixed(url, tokens, world, arguments.operations,
                                             arguments.clients)
            sse = live(url, tokens, world, arguments.receipts)
        finally:
            server.terminate()
            server.wait(TIMEOUT_S)
    total = len(timings["command"]) + len(timings["query"])
    floor_rate = len(floor_timings) / floor_seconds
    print(f"floor, /livez over HTTP: {len(floor_timings)} requests in {floor_seconds:.1f} s = "
          f"{floor_rate:,.0f} requests/s; {summary_ms(floor_timings)}")
    print(f"mixed workload over HTTP: {total} requests by {arguments.clients} clients in "
          f"{seconds:.1f} s = {total / seconds:,.0f} requests/s ({errors} non-200); "
          f"{total / seconds / floor_rate:.2f}x the /livez floor")
    for kind in ("command", "query"):
        api_p50 = percentile(timings[kind], 0.5)
        base_p50 = percentile(base[kind], 0.5)
        print(f"  {kind:<8} API        {summary_ms(timings[kind])}  (n={len(timings[kind])})")
        print(f"  {kind:<8} in-process {summary_ms(base[kind])}  (n={len(base[kind])})")
        print(f"  {kind:<8} API / in-process p50: {api_p50 / base_p50:.1f}x")
    if sse:
        print(f"command to SSE message ({len(sse)} receipts): p50 "
              f"{statistics.median(sse) * 1000:.1f} ms  p95 {percentile(sse, 0.95) * 1000:.1f} "
              f"ms  max {max(sse) * 1000:.1f} ms")
    return 0 if errors == 0 and len(sse) == arguments.receipts else 1


if __name__ == "__main__":
    sys.exit(main())
