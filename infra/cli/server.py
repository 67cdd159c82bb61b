"""API subcommands: ``serve`` (the API and dashboard) and ``token`` (create, list, revoke)."""

from __future__ import annotations

import argparse
import sys
from typing import Any
from uuid import UUID

from domain.members import Member
from infra.cli.support import add_store_arguments, store_from_arguments


def register(subparsers: Any) -> None:
    """Add ``serve`` and ``token``."""

    serve = subparsers.add_parser(
        "serve", help="serve the HTTP API and the live dashboard",
        description="Serve the API, the dashboard (/dashboard), /livez, /readyz and /metrics.")
    add_store_arguments(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--demo", action="store_true",
                       help="seed the demo territory if the store is empty and print a token "
                            "per role first")
    serve.set_defaults(func=run_serve)

    token = subparsers.add_parser("token", help="issue, list or revoke API tokens")
    actions = token.add_subparsers(dest="token_action", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="issue a token for a member (shown once)")
    add_store_arguments(create)
    create.add_argument("--member", required=True, help="the member's id or exact name")
    create.add_argument("--label", default="", help="what the token is for")
    create.set_defaults(func=run_token_create)
    listing = actions.add_parser("list", help="tokens issued (never the secrets)")
    add_store_arguments(listing)
    listing.add_argument("--member", help="only this member's (id or exact name)")
    listing.set_defaults(func=run_token_list)
    revoke = actions.add_parser("revoke", help="revoke a token by its id")
    add_store_arguments(revoke)
    revoke.add_argument("token_id", help="the token's id, as listed")
    revoke.set_defaults(func=run_token_revoke)


def run_serve(arguments: argparse.Namespace) -> int:
    """Serve until interrupted."""
    from infra.api.demo import serve, serve_demo  # noqa: PLC0415 - uvicorn loads on demand.

    location = store_from_arguments(arguments)
    if arguments.demo:
        serve_demo(location, arguments.host, arguments.port)
    else:
        print(f"serving {location.url} on http://{arguments.host}:{arguments.port}",
              file=sys.stderr)
        serve(location, arguments.host, arguments.port)
    return 0


def _member_id(ledger: Any, reference: str) -> UUID | None:
    """A member's id from its id or exact name."""
    try:
        return UUID(reference)
    except ValueError:
        pass
    position = 1
    for _ in range(1_000):  # Pages of 1,000 registrations: a loop guard far beyond any roll.
        page = ledger.recorder.select_notifications(position, 1_000,
                                                    topics=[Member.Registered.TOPIC])
        for notification in page:
            member: Any = ledger.repository.get(notification.originator_id)
            if member.name == reference:
                return UUID(str(member.id))
        if len(page) < 1_000:
            return None
        position = page[-1].id + 1
    return None


def run_token_create(arguments: argparse.Namespace) -> int:
    """Issue a token and print it (once)."""
    from infra.api.auth import TokenStore  # noqa: PLC0415
    from infra.ledger.ledger import Ledger  # noqa: PLC0415

    location = store_from_arguments(arguments)
    ledger = Ledger(location)
    try:
        member_id = _member_id(ledger, arguments.member)
        member: Any = None
        if member_id is not None:
            try:
                member = ledger.repository.get(member_id)
            except Exception:
                member = None
        if not isinstance(member, Member):
            print(f"no member {arguments.member!r} in {location.url}", file=sys.stderr)
            return 1
    finally:
        ledger.close()
    tokens = TokenStore(location)
    try:
        token_id, token = tokens.create(member.id, arguments.label)
    finally:
        tokens.close()
    print(f"token {token_id} for {member.name} ({', '.join(sorted(member.roles))}):",
          file=sys.stderr)
    print(token)
    return 0


def run_token_list(arguments: argparse.Namespace) -> int:
    """List tokens."""
    from infra.api.auth import TokenStore  # noqa: PLC0415
    from infra.ledger.ledger import Ledger  # noqa: PLC0415

    location = store_from_arguments(arguments)
    member_id = None
    if arguments.member:
        ledger = Ledger(location)
        try:
            member_id = _member_id(ledger, arguments.member)
        finally:
            ledger.close()
        if member_id is None:
            print(f"no member {arguments.member!r}", file=sys.stderr)
            return 1
    tokens = TokenStore(location)
    try:
        for info in tokens.list(member_id):
            state = f"revoked {info.revoked_at}" if info.revoked_at else "live"
            print(f"{info.token_id}  {info.member_id}  {info.created_at}  {state}  {info.label}")
    finally:
        tokens.close()
    return 0


def run_token_revoke(arguments: argparse.Namespace) -> int:
    """Revoke a token."""
    from infra.api.auth import TokenStore  # noqa: PLC0415

    tokens = TokenStore(store_from_arguments(arguments))
    try:
        if not tokens.revoke(arguments.token_id):
            print(f"no live token {arguments.token_id}", file=sys.stderr)
            return 1
    finally:
        tokens.close()
    print(f"revoked {arguments.token_id}", file=sys.stderr)
    return 0
