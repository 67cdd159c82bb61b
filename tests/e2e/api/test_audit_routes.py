"""Checkpoints signed on a schedule, the published public key, the history export.

A server holding the cooperative's key signs a checkpoint of the chain head on a schedule
and lists it; it publishes the public key at a stable address, without a token. The auditor
downloads the whole history, a producer the history that concerns it, and each file
verifies alone with the published key, every event checked. Both stores.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from litestar import Litestar
from litestar.testing import TestClient

from domain import commands as c
from domain.members import MemberKind
from infra.api import create_app
from infra.audit.chain_stores import open_chain_store
from infra.audit.checkpoints import (
    KEY_FILE_VARIABLE,
    KEY_VARIABLE,
    key_id,
    load_public_key,
    raw_public_key,
)
from infra.audit.history_check import verify_file
from infra.audit.schedule import CheckpointSigner
from infra.store import StoreLocation
from tests.e2e.api.conftest import World, build_world, new_id

SIGNER_POLL_S = 0.05  # The test server looks at the head often, so tests wait little.
WAIT_S = 20.0  # Bound on waiting for the signer under load (it signs within one poll).


@pytest.fixture(scope="module")
def keyed(module_store: StoreLocation) -> Iterator[tuple[TestClient[Litestar], World,
                                                         Ed25519PrivateKey]]:
    """The test cooperative served by an app that holds a checkpoint key."""
    key = Ed25519PrivateKey.generate()
    # Signing whenever the head moved (no minimum period), so tests need not wait minutes.
    signer = CheckpointSigner(module_store, key, every_s=0.0)
    app = create_app(module_store, checkpoint_signer=signer, checkpoint_poll_s=SIGNER_POLL_S)
    with TestClient(app) as client:
        world = build_world(app, module_store)
        yield client, world, key


def head(client: TestClient[Litestar]) -> int:
    """The last notification id of the served store."""
    app: Any = client.app
    return int(app.state.services.ledger.recorder.max_notification_id() or 0)


def signed_head(client: TestClient[Litestar], world: World) -> dict[str, Any]:
    """Wait until the latest listed checkpoint covers the head; return it."""
    deadline = time.monotonic() + WAIT_S
    while True:
        listing = client.get("/api/checkpoints", headers=world.headers("household")).json()
        latest = listing["checkpoints"][0] if listing["checkpoints"] else None
        if latest and latest["notification_id"] == head(client):
            return listing
        assert time.monotonic() < deadline, f"no checkpoint of the head: {listing}"
        time.sleep(SIGNER_POLL_S)


def test_the_public_key_is_published_without_a_token(
        keyed: tuple[TestClient[Litestar], World, Ed25519PrivateKey], tmp_path: Path) -> None:
    """GET /api/checkpoints/public-key: PEM, no token, its id in a header."""
    client, _, key = keyed
    client.cookies.clear()
    response = client.get("/api/checkpoints/public-key")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-pem-file")
    assert response.headers["x-key-id"] == key_id(key.public_key())
    (tmp_path / "cle.pem").write_bytes(response.content)
    published = load_public_key(tmp_path / "cle.pem")
    assert raw_public_key(published) == raw_public_key(key.public_key())


def test_the_server_signs_the_head_and_every_member_lists_it(
        keyed: tuple[TestClient[Litestar], World, Ed25519PrivateKey]) -> None:
    """Within a poll of a write the head is signed; any member lists the checkpoints."""
    client, world, key = keyed
    app: Any = client.app
    app.state.services.ledger.execute(c.RegisterMember(
        command_id=new_id("late"), actor_id=world.coordinator, name="Nouveau jardin",
        kind=MemberKind.PRODUCER))
    listing = signed_head(client, world)
    assert listing["key_id"] == key_id(key.public_key())
    assert listing["public_key_url"] == "/api/checkpoints/public-key"
    assert listing["schedule"]["every_events"] > 0
    latest = listing["checkpoints"][0]
    assert latest["key_id"] == key_id(key.public_key())
    assert latest["sequence"] == latest["notification_id"] == head(client)


def test_the_auditor_exports_the_history_and_it_verifies_alone(
        keyed: tuple[TestClient[Litestar], World, Ed25519PrivateKey], tmp_path: Path) -> None:
    """The whole history, downloaded, verifies with the published key, every event checked."""
    client, world, _ = keyed
    signed_head(client, world)
    (tmp_path / "cle.pem").write_bytes(client.get("/api/checkpoints/public-key").content)
    response = client.get("/api/history/export", headers=world.headers("auditor"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    assert 'filename="historique-' in response.headers["content-disposition"]
    path = tmp_path / "historique.jsonl"
    path.write_bytes(response.content)
    report = verify_file(path, load_public_key(tmp_path / "cle.pem"))
    assert report.ok, report.describe()
    assert report.sealed_checked == report.events_read == int(
        response.headers["x-history-head"])
    assert [check.matched for check in report.checkpoints] == [True]


def test_a_member_exports_the_history_that_concerns_it(
        keyed: tuple[TestClient[Litestar], World, Ed25519PrivateKey], tmp_path: Path) -> None:
    """A producer gets its own history (never another's); the auditor may choose one."""
    client, world, key = keyed
    response = client.get("/api/history/export", headers=world.headers("producer"))
    assert response.status_code == 200, response.text
    path = tmp_path / "producteur.jsonl"
    path.write_bytes(response.content)
    report = verify_file(path, key.public_key())
    assert report.ok, report.describe()
    assert report.outside_scope > 0
    assert f"member {world.producer}" in report.describe()
    refused = client.get(f"/api/history/export?member={world.other_producer}",
                         headers=world.headers("producer"))
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    chosen = client.get(f"/api/history/export?member={world.producer}",
                        headers=world.headers("auditor"))
    assert chosen.status_code == 200
    assert f'"member_id":"{world.producer}"' in chosen.text.splitlines()[0]


def test_without_a_key_no_public_key_and_no_schedule(sqlite_store: StoreLocation,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A server with no key says so: 404 for the key, no schedule in the listing."""
    monkeypatch.delenv(KEY_FILE_VARIABLE, raising=False)
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    app = create_app(sqlite_store)
    with TestClient(app) as client:
        world = build_world(app, sqlite_store)
        assert client.get("/api/checkpoints/public-key").status_code == 404
        listing = client.get("/api/checkpoints", headers=world.headers("auditor")).json()
    assert listing["key_id"] is None
    assert listing["schedule"] is None
    assert listing["checkpoints"] == []


def test_the_schedule_signs_at_start_then_every_n_events_or_minutes(
        sqlite_store: StoreLocation) -> None:
    """Signed once at start; again after N events, or after the period if the head moved."""
    from infra.ledger.ledger import Ledger  # noqa: PLC0415

    now = [1_000.0]
    ledger = Ledger(sqlite_store)
    signer = CheckpointSigner(sqlite_store, Ed25519PrivateKey.generate(), every_s=600,
                              every_events=6, clock=lambda: now[0])
    try:
        assert signer.tick() is None  # Nothing sealed yet.
        coordinator = ledger.execute(c.FoundCooperative(
            command_id="found", name="Coop", coordinator_name="Réseau")).stream_id
        first = signer.tick()
        assert first is not None
        assert first.notification_id == ledger.recorder.max_notification_id()
        assert signer.tick() is None  # The head has not moved.

        def register(number: int) -> None:
            ledger.execute(c.RegisterMember(command_id=f"m-{number}", actor_id=coordinator,
                                            name=f"Membre {number}", kind=MemberKind.OUTLET))

        register(1)  # Two events: fewer than six, and no time has passed.
        assert signer.tick() is None
        register(2)
        register(3)  # Six events since the first checkpoint.
        by_events = signer.tick()
        assert by_events is not None
        assert by_events.sequence == first.sequence + 6
        register(4)
        now[0] += 600
        by_time = signer.tick()
        assert by_time is not None
        assert by_time.sequence == by_events.sequence + 2
        chain = open_chain_store(sqlite_store)
        try:
            assert len(chain.read_checkpoints()) == 3
        finally:
            chain.close()
    finally:
        signer.close()
        ledger.close()
