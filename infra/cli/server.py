"""API subcommands: ``serve`` (the API and dashboard) and ``token`` (create, list, revoke)."""

from __future__ import annotations

import argparse
import socket
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from uuid import UUID

from infra.cli.errors import EXIT_UNAVAILABLE, CliError
from infra.cli.support import (
    add_store_arguments,
    bounded_int,
    not_found,
    print_table,
    store_from_arguments,
)
from infra.cli.words import moment, t, term
from infra.logs import choose_logging

if TYPE_CHECKING:
    from infra.cli.support import CommandParser
    from infra.reader import StreamReader

PORT_MAX = 65_535
MEMBER_PAGE_SIZE = 1_000
MEMBER_PAGES_MAX = 1_000  # A million registrations: a loop guard far beyond any roll.


def register(subparsers: Any) -> None:
    """Add ``serve`` and ``token``."""
    subparsers.add_parser(
        "serve", help=t("serve the HTTP API and the live dashboard"),
        description=t("Serve the API, the dashboard (/dashboard), /livez, /readyz and "
                      "/metrics."),
        build=_serve_options)
    subparsers.add_parser("token", help=t("issue, list or revoke API tokens"),
                          description=t("issue, list or revoke API tokens"),
                          build=_token_options)


def _serve_options(serve: CommandParser) -> None:
    add_store_arguments(serve)
    serve.add_argument("--host", default="127.0.0.1", metavar=t("ADDRESS"),
                       help=t("address to bind (default 127.0.0.1)"))
    serve.add_argument("--port", type=bounded_int(0, PORT_MAX), default=8000,
                       help=t("port (default 8000)"))
    serve.add_argument("--demo", action="store_true",
                       help=t("seed the demo territory if the store is empty and print a "
                              "token per role first"))
    serve.set_defaults(func=run_serve, log_level_default="info")


def _token_options(token: CommandParser) -> None:
    actions = token.add_subparsers(dest="token_action", metavar=t("ACTION"), required=True,
                                   title=t("actions"))
    create = actions.add_parser("create", help=t("issue a token for a member (shown once)"))
    add_store_arguments(create)
    create.add_argument("--member", required=True, metavar=t("MEMBER"),
                        help=t("the member's id or exact name"))
    create.add_argument("--label", default="", metavar=t("LABEL"), help=t("what the token is for"))
    create.set_defaults(func=run_token_create)
    listing = actions.add_parser("list", help=t("tokens issued (never the secrets)"))
    add_store_arguments(listing)
    listing.add_argument("--member", metavar=t("MEMBER"),
                         help=t("only this member's (id or exact name)"))
    listing.set_defaults(func=run_token_list)
    revoke = actions.add_parser("revoke", help=t("revoke a token by its id"))
    add_store_arguments(revoke)
    revoke.add_argument("token_id", metavar="TOKEN_ID", help=t("the token's id, as listed"))
    revoke.set_defaults(func=run_token_revoke)


def check_port(host: str, port: int) -> None:
    """Refuse at once a port another process holds (rather than after seeding the demo)."""
    try:
        family, kind, protocol, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, protocol) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as error:
        raise CliError(t("cannot listen on {host}:{port}: {reason}", host=host, port=port,
                         reason=error.strerror or error), EXIT_UNAVAILABLE) from None


def run_serve(arguments: argparse.Namespace) -> int:
    """Serve until interrupted."""
    from infra.api.demo import (  # noqa: PLC0415 - start-up: uvicorn.
        demo_checkpoint_key,
        issue_demo_tokens,
        serve,
    )

    location = store_from_arguments(arguments, create=True)
    check_port(arguments.host, arguments.port)
    key = None
    if arguments.demo:
        # The demo signs checkpoints of its hash chain with its own key (or the configured one).
        key = demo_checkpoint_key(location)
        if arguments.log_level is None:
            # Seeding runs thousands of commands: one info line each would bury the links.
            choose_logging("warning", json_lines=True if arguments.log_json else None)
        issued = issue_demo_tokens(location, on_seeding=lambda: print(
            t("seeding the demo territory into {url} …", url=location.url), flush=True))
        if arguments.log_level is None:
            choose_logging("info", json_lines=True if arguments.log_json else None)
        print_demo_links(f"http://{arguments.host}:{arguments.port}",
                         {str(role): token for role, token in issued.items()},
                         signs_checkpoints=key is not None)
    else:
        print(t("serving {url} on http://{host}:{port}", url=location.url,
                host=arguments.host, port=arguments.port), file=sys.stderr)
    serve(location, arguments.host, arguments.port, checkpoint_key=key)
    return 0


def print_demo_links(url: str, tokens: Mapping[str, str], *,
                     signs_checkpoints: bool = False) -> None:
    """Where the demo is, a token and sign-in link per role, and its signed checkpoints."""
    print()
    print(t("Cocagne ledger: {url}/espace  (dashboard: {url}/dashboard, API reference: "
            "{url}/api/schema)", url=url))
    print(t("Demo tokens (Authorization: Bearer …); open a role's link to sign in as it:"))
    for role, token in tokens.items():
        print(f"  {term(role):<14} {token}\n  {'':<14} {url}/espace#token={token}")
    if signs_checkpoints:
        print(t("Signed checkpoints of the hash chain: {url}/api/checkpoints (public key: "
                "{url}/api/checkpoints/public-key; history: {url}/api/history/export)",
                url=url))
    print(flush=True)


def _member_id(history: StreamReader, reference: str) -> UUID | None:
    """A member's id from its id or exact name."""
    from domain.members import Member  # noqa: PLC0415 - start-up time: the domain.

    try:
        return UUID(reference)
    except ValueError:
        pass
    position = 1
    for _ in range(MEMBER_PAGES_MAX):
        page = history.recorder.select_notifications(position, MEMBER_PAGE_SIZE,
                                                     topics=[Member.Registered.TOPIC])
        for notification in page:
            member: Any = history.repository.get(UUID(str(notification.originator_id)))
            if member.name == reference:
                return UUID(str(member.id))
        if len(page) < MEMBER_PAGE_SIZE:
            return None
        position = page[-1].id + 1
    return None


def run_token_create(arguments: argparse.Namespace) -> int:
    """Issue a token and print it (once)."""
    # Start-up time: the token store and the store's reader load for this command only.
    from domain.baskets import Household  # noqa: PLC0415
    from domain.members import Member  # noqa: PLC0415
    from infra.api.auth import TokenStore  # noqa: PLC0415
    from infra.reader import Reader, find_stream  # noqa: PLC0415

    location = store_from_arguments(arguments)
    history = Reader(location)
    try:
        member_id = _member_id(history, arguments.member)
        member = None if member_id is None else find_stream(history, member_id)
    finally:
        history.close()
    if not isinstance(member, Member | Household):
        raise not_found(t("no member {member!r} in {url}", member=arguments.member,
                          url=location.url))
    tokens = TokenStore(location)
    try:
        token_id, token = tokens.create(member.id, arguments.label)
    finally:
        tokens.close()
    if isinstance(member, Household):
        # An enrolled household signs in as itself: its own account, nothing else.
        print(t("token {token_id} for household {reference} (household):", token_id=token_id,
                reference=member.reference), file=sys.stderr)
    else:
        print(t("token {token_id} for {name} ({roles}):", token_id=token_id, name=member.name,
                roles=", ".join(sorted(member.roles))), file=sys.stderr)
    print(token)
    return 0


def run_token_list(arguments: argparse.Namespace) -> int:
    """List tokens."""
    # Start-up time: the token store and the store's reader load for this command only.
    from infra.api.auth import TokenStore  # noqa: PLC0415
    from infra.reader import Reader  # noqa: PLC0415

    location = store_from_arguments(arguments)
    member_id = None
    if arguments.member:
        history = Reader(location)
        try:
            member_id = _member_id(history, arguments.member)
        finally:
            history.close()
        if member_id is None:
            raise not_found(t("no member {member!r} in {url}", member=arguments.member,
                              url=location.url))
    tokens = TokenStore(location)
    try:
        issued = tokens.list(member_id)
    finally:
        tokens.close()
    print_table([t("token"), t("member"), t("created"), t("state"), t("label")],
                [[info.token_id, info.member_id, moment(info.created_at),
                  t("revoked {moment}", moment=moment(info.revoked_at))
                  if info.revoked_at else t("live"), info.label] for info in issued],
                empty=t("no token"))
    return 0


def run_token_revoke(arguments: argparse.Namespace) -> int:
    """Revoke a token."""
    from infra.api.auth import TokenStore  # noqa: PLC0415 - start-up time.

    tokens = TokenStore(store_from_arguments(arguments))
    try:
        if not tokens.revoke(arguments.token_id):
            raise not_found(t("no live token {token_id}", token_id=arguments.token_id))
    finally:
        tokens.close()
    print(t("revoked {token_id}", token_id=arguments.token_id), file=sys.stderr)
    return 0
