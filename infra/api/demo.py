"""``make demo``: seed the demo territory if the store is empty, issue one token per role,
print the URL and the tokens, and serve the API and dashboard."""

from __future__ import annotations

import sys
from types import FrameType
from typing import Any, TextIO
from uuid import UUID

import uvicorn
from litestar import Litestar

from domain import commands as c
from domain.base import Role
from domain.members import Member, MemberKind
from infra.api.app import create_app
from infra.api.auth import TokenStore
from infra.demo.territory import generate_demo
from infra.ledger.ledger import Ledger
from infra.store import StoreLocation

DEMO_AUDITOR_COMMAND_ID = "demo-api-auditor"
"""A stable id: serving the demo twice registers the auditor once."""
SHUTDOWN_GRACE_S = 3  # Open live feeds are closed by the app; requests get this long to end.
DEMO_ROLES = (Role.COORDINATOR, Role.PLATFORM, Role.PRODUCER, Role.OUTLET, Role.FUNDER,
              Role.HOUSEHOLD, Role.AUDITOR)


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
                if role in member.roles and role not in chosen and not member.suspended:
                    chosen[role] = member.id
        if len(page) < page_size:
            break
        position = page[-1].id + 1
    if Role.AUDITOR not in chosen and Role.COORDINATOR in chosen:
        result = ledger.execute(c.RegisterMember(
            command_id=DEMO_AUDITOR_COMMAND_ID, actor_id=chosen[Role.COORDINATOR],
            name="Commissaire aux comptes", kind=MemberKind.NETWORK, roles=[Role.AUDITOR]))
        chosen[Role.AUDITOR] = result.stream_id
    return chosen


def prepare_demo(location: StoreLocation, host: str, port: int,
                 out: TextIO = sys.stdout) -> dict[str, str]:
    """Seed if empty, issue tokens, print how to connect; the tokens by role."""
    ledger = Ledger(location)
    try:
        if not ledger.recorder.max_notification_id():
            print(f"seeding the demo territory into {location.url} …", file=out, flush=True)
            generate_demo(ledger)
        members = demo_members(ledger)
    finally:
        ledger.close()
    tokens = TokenStore(location)
    try:
        issued: dict[Role, str] = {role: tokens.create(member_id, label=f"demo {role}")[1]
                  for role, member_id in members.items()}
    finally:
        tokens.close()
    url = f"http://{host}:{port}"
    print(f"\nCocagne ledger: {url}/dashboard  (API reference: {url}/api/schema)", file=out)
    print("Demo tokens (Authorization: Bearer …); open a role's link to sign in as it:",
          file=out)
    for role, token in issued.items():
        print(f"  {role:<12} {token}\n  {'':<12} {url}/dashboard#token={token}", file=out)
    print(flush=True, file=out)
    return {role.value: token for role, token in issued.items()}


def serve_demo(location: StoreLocation, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Seed, print the URL and tokens, serve until interrupted."""
    prepare_demo(location, host, port)
    serve(location, host, port)


class _Server(uvicorn.Server):
    """uvicorn, ending the live feeds' open streams as soon as it is asked to stop."""

    def __init__(self, config: uvicorn.Config, app: Litestar) -> None:
        super().__init__(config)
        self.app = app

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        """Ctrl+C or SIGTERM: end the streams, then let uvicorn stop as usual."""
        self.app.state.services.feed.end_streams()
        super().handle_exit(sig, frame)


def serve(location: StoreLocation, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the API and dashboard with uvicorn (one process, one event loop)."""
    app = create_app(location)
    config = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False,
                            timeout_graceful_shutdown=SHUTDOWN_GRACE_S, lifespan="on")
    _Server(config, app).run()
