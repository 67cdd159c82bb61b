"""The voter's page right after an act: what its what-if sections cost when the store moved.

``python -m bench.voter_after_act [--scale 10] [--loads 20] [--store PATH]`` builds the pages
bench's demo (``bench.pages``: 12 weeks, governance and baskets, an open proposal) into a
SQLite store — or copies ``--store`` when that file exists, writing it there first when it
does not, so that runs to compare start from the same history — serves it, loads the voter's
``/espace/gouvernance`` once, then ``--loads`` times: sends one act and loads the page with
``?apres=N`` (N the act's notification id, as the page's script does). It prints the server
time (``Server-Timing``) of those loads per kind of act:

- an outlet's workshop and a voter's vote, which no simulation reads;
- a new member, whose name a simulation shows (every what-if section is computed afresh).
"""

from __future__ import annotations

# ruff: noqa: ARG005 - every act takes (setup, index); some use neither.
import argparse
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from bench.api import TIMEOUT_S, free_port, start_server
from bench.pages import Setup, post, server_ms, summary
from infra.api.auth import TokenStore
from infra.api.demo import demo_members
from infra.demo.territory import generate_demo
from infra.ledger.ledger import Ledger
from infra.store import sqlite_location

VoterAct = Callable[[Setup, int], tuple[str, str, dict[str, Any]]]
ACTS: dict[str, VoterAct] = {
    "workshop (not read)": lambda setup, index: (
        "outlet", "record_workshop", {"kind": "cooking", "held_on": str(date.today()),
                                      "attendance_count": 10}),
    "vote (not read)": lambda setup, index: (
        "voter", "cast_vote", {"proposal_id": str(setup.proposal_id),
                               "choice": "yes" if index % 2 == 0 else "no"}),
    "new member (read)": lambda setup, index: (
        "coordinator", "register_member", {"name": f"Association banc {index}",
                                           "kind": "outlet", "households_served": 40}),
}


def build(db: Path, scale: int) -> None:
    """The pages bench's demo at ``scale``, written to ``db`` (``Setup`` comes later, on
    the copy measured)."""
    started = time.perf_counter()
    ledger = Ledger(sqlite_location(db))
    generate_demo(ledger, weeks=12, seed=7, scale=scale)
    events = int(ledger.recorder.max_notification_id() or 0)
    ledger.close()
    print(f"demo --scale {scale}: {events:,} events stored in "
          f"{time.perf_counter() - started:.1f} s")


def measure(db: Path, loads: int) -> None:
    """Serve ``db``; per act, ``loads`` times: the act, then the voter's page after it."""
    location = sqlite_location(db)
    ledger = Ledger(location)
    members = demo_members(ledger)
    setup = Setup(ledger, members)
    ledger.close()
    token_store = TokenStore(location)
    tokens = {str(role): token_store.create(member, label="bench")[1]
              for role, member in members.items()}
    token_store.close()
    port = free_port()
    server = start_server(db, port)
    headers = {"Authorization": f"Bearer {tokens['voter']}", "Accept": "text/html"}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=TIMEOUT_S) as client:
            first = client.get("/espace/gouvernance", headers=headers)
            print(f"first load {server_ms(first):8.1f} ms  "
                  f"{len(first.content) / 1024:5.0f} KiB")
            kept = [server_ms(client.get("/espace/gouvernance", headers=headers))
                    for _ in range(loads)]
            print(f"  {'nothing new':<22} {summary(kept)}")
            for name, act in ACTS.items():
                timings = []
                for index in range(loads):
                    role, command, body = act(setup, index)
                    answer = post(client, tokens, role, command, body)
                    answer.raise_for_status()
                    position = int(answer.json()["notification_id"])
                    page = client.get(f"/espace/gouvernance?apres={position}", headers=headers)
                    page.raise_for_status()
                    timings.append(server_ms(page))
                print(f"  {name:<22} {summary(timings)}")
    finally:
        server.terminate()
        server.wait(TIMEOUT_S)


def main() -> None:
    """Build or copy the store, then measure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--loads", type=int, default=20)
    parser.add_argument("--store", type=Path, default=None,
                        help="a demo store to copy (written there first if absent)")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        db = Path(directory) / "voter.db"
        if arguments.store is None:
            build(db, arguments.scale)
        else:
            if not arguments.store.exists():
                build(arguments.store, arguments.scale)
            shutil.copyfile(arguments.store, db)
        measure(db, arguments.loads)


if __name__ == "__main__":
    main()
