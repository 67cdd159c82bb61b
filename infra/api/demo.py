"""``make demo``: seed the demo territory if the store is empty, issue one token per role,
print the URL and the tokens, and serve the API and dashboard.

The demo signs checkpoints of its hash chain like a production server: with the key named by
``COCAGNE_CHECKPOINT_KEY_FILE`` if set, else with a key of its own made once beside the
SQLite file (``cocagne.db.checkpoint-key.pem``, readable by its owner only), so the history
exported from the dashboard's store verifies alone against the published public key.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType
from typing import Any, TextIO
from uuid import UUID

import uvicorn
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from litestar import Litestar

from domain import commands as c
from domain.base import Role
from domain.baskets import Basket
from domain.members import Member, MemberKind
from infra.api.app import create_app
from infra.api.auth import TokenStore
from infra.audit.checkpoints import generate_key_file, load_private_key
from infra.audit.schedule import configured_key
from infra.demo.territory import generate_demo
from infra.ledger.ledger import Ledger
from infra.store import StoreLocation

DEMO_AUDITOR_COMMAND_ID = "demo-api-auditor"
"""A stable id: serving the demo twice registers the auditor once."""
SHUTDOWN_GRACE_S = 3  # Open live feeds are closed by the app; requests get this long to end.
DEMO_KEY_SUFFIX = ".checkpoint-key.pem"
DEMO_ROLES = (Role.COORDINATOR, Role.PLATFORM, Role.PRODUCER, Role.OUTLET, Role.FUNDER,
              Role.VOTER, Role.HOUSEHOLD, Role.AUDITOR)


def demo_members(ledger: Ledger) -> dict[Role, UUID]:
    """One member per role of the demo (registering an auditor if there is none)."""
    chosen: dict[Role, UUID] = {}
    position = 1
    page_size = 1_000
    for _ in range(1_000):  # 1 M members: beyond any demo; a loop guard.
        page = ledger.recorder.select_notifications(position, page_size,
                                                    topics=[Member.Registered.TOPIC])
        for notification in page:
            member: Any = ledger.repository.get(UUID(str(notification.originator_id)))
            for role in DEMO_ROLES:
                if role == Role.VOTER and set(member.roles) != {Role.VOTER}:
                    continue  # The voter's link is a college member with no other role.
                if role == Role.HOUSEHOLD:
                    continue  # A household signs in as its own enrolled household, below.
                if role in member.roles and role not in chosen and not member.suspended:
                    chosen[role] = member.id
        if len(page) < page_size:
            break
        position = page[-1].id + 1
    household = household_with_baskets(ledger)
    if household is not None:
        chosen[Role.HOUSEHOLD] = household
    if Role.AUDITOR not in chosen and Role.COORDINATOR in chosen:
        result = ledger.execute(c.RegisterMember(
            command_id=DEMO_AUDITOR_COMMAND_ID, actor_id=chosen[Role.COORDINATOR],
            name="Commissaire aux comptes", kind=MemberKind.NETWORK, roles=[Role.AUDITOR]))
        chosen[Role.AUDITOR] = result.stream_id
    return chosen


def household_with_baskets(ledger: Ledger) -> UUID | None:
    """An enrolled household that collected baskets: the demo's household signs in as it
    (its token names its Household stream; see ``infra.api.access.load_caller``)."""
    page = ledger.recorder.select_notifications(1, 1, topics=[Basket.Collected.TOPIC])
    if not page:
        return None
    basket: Any = ledger.repository.get(UUID(str(page[0].originator_id)))
    household_id: UUID = basket.household_id
    return household_id


def issue_demo_tokens(location: StoreLocation,
                      on_seeding: Callable[[], None] | None = None) -> dict[Role, str]:
    """Seed the demo territory if the store is empty (``on_seeding`` is told first), then
    issue one token per role; the tokens by role."""
    ledger = Ledger(location)
    try:
        if not ledger.recorder.max_notification_id():
            if on_seeding is not None:
                on_seeding()
            generate_demo(ledger)
        members = demo_members(ledger)
    finally:
        ledger.close()
    tokens = TokenStore(location)
    try:
        return {role: tokens.create(member_id, label=f"demo {role}")[1]
                for role, member_id in members.items()}
    finally:
        tokens.close()


def prepare_demo(location: StoreLocation, host: str, port: int,
                 out: TextIO = sys.stdout, *, signs_checkpoints: bool = False) -> dict[str, str]:
    """Seed if empty, issue tokens, print how to connect; the tokens by role. (``cocagne
    serve --demo`` prints the same in the command's language, ``infra.cli.server``.)"""
    issued = issue_demo_tokens(location, on_seeding=lambda: print(
        f"seeding the demo territory into {location.url} …", file=out, flush=True))
    url = f"http://{host}:{port}"
    print(f"\nCocagne ledger: {url}/espace  (dashboard: {url}/dashboard, API reference: "
          f"{url}/api/schema)", file=out)
    print("Demo tokens (Authorization: Bearer …); open a role's link to sign in as it:",
          file=out)
    for role, token in issued.items():
        print(f"  {role:<12} {token}\n  {'':<12} {url}/espace#token={token}", file=out)
    if signs_checkpoints:
        print(f"Signed checkpoints of the hash chain: {url}/api/checkpoints (public key: "
              f"{url}/api/checkpoints/public-key; history: {url}/api/history/export)", file=out)
    print(flush=True, file=out)
    return {role.value: token for role, token in issued.items()}


def demo_checkpoint_key(location: StoreLocation) -> Ed25519PrivateKey | None:
    """The configured checkpoint key, else the demo's own beside its SQLite file."""
    configured = configured_key()
    if configured is not None or location.kind != "sqlite" or location.sqlite_path is None:
        return configured
    path = location.sqlite_path.with_name(location.sqlite_path.name + DEMO_KEY_SUFFIX)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        generate_key_file(path)
    return load_private_key(path)


def serve_demo(location: StoreLocation, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Seed, print the URL and tokens, serve until interrupted (signing checkpoints)."""
    key = demo_checkpoint_key(location)
    prepare_demo(location, host, port, signs_checkpoints=key is not None)
    serve(location, host, port, checkpoint_key=key)


class _Server(uvicorn.Server):
    """uvicorn, ending the live feeds' open streams as soon as it is asked to stop."""

    def __init__(self, config: uvicorn.Config, app: Litestar) -> None:
        super().__init__(config)
        self.app = app

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        """Ctrl+C or SIGTERM: end the streams, then let uvicorn stop as usual."""
        self.app.state.services.feed.end_streams()
        super().handle_exit(sig, frame)


def serve(location: StoreLocation, host: str = "127.0.0.1", port: int = 8000,
          checkpoint_key: Ed25519PrivateKey | None = None) -> None:
    """Serve the API and dashboard with uvicorn (one process, one event loop)."""
    app = create_app(location, checkpoint_key=checkpoint_key)
    config = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False,
                            timeout_graceful_shutdown=SHUTDOWN_GRACE_S, lifespan="on")
    _Server(config, app).run()
