"""Tokens: issued per member by ``cocagne token create``, stored as SHA-256 digests only,
listed without their secret, revoked by id."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from domain import commands as c
from domain.members import MemberKind
from infra.api.auth import TokenStore
from infra.cli.main import main
from infra.ledger.ledger import Ledger
from infra.store import StoreLocation, sqlite_location


def seeded(path: Path) -> tuple[StoreLocation, str]:
    """A store with a coordinator and one producer; (location, producer id)."""
    location = sqlite_location(path)
    ledger = Ledger(location)
    coordinator = ledger.execute(c.FoundCooperative(command_id="found", name="Coop",
                                                    coordinator_name="Secrétariat")).stream_id
    producer = ledger.execute(c.RegisterMember(command_id="producer", actor_id=coordinator,
                                               name="Jardin de Vesoul",
                                               kind=MemberKind.PRODUCER)).stream_id
    ledger.close()
    return location, str(producer)


def test_token_create_list_revoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Create by name, list without secrets, revoke by id; the table keeps only digests."""
    location, producer = seeded(tmp_path / "ledger.db")
    db = str(location.sqlite_path)
    assert main(["token", "create", "--db", db, "--member", "Jardin de Vesoul",
                 "--label", "tablette"]) == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("coc_")
    tokens = TokenStore(location)
    try:
        assert str(tokens.resolve(token)) == producer
    finally:
        tokens.close()
    with sqlite3.connect(db) as connection:
        stored = connection.execute("SELECT token_id, token_sha256 FROM api_tokens").fetchall()
    assert len(stored) == 1
    token_id, digest = stored[0]
    assert digest == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(stored)
    assert main(["token", "list", "--db", db]) == 0
    listing = capsys.readouterr().out
    assert token_id in listing
    assert "tablette" in listing
    assert token not in listing
    assert main(["token", "revoke", "--db", db, token_id]) == 0
    tokens = TokenStore(location)
    try:
        assert tokens.resolve(token) is None
    finally:
        tokens.close()
    assert main(["token", "revoke", "--db", db, token_id]) == 1


def test_token_create_by_id_and_unknown_member(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """A member id works too; an unknown member is refused with exit code 1."""
    location, producer = seeded(tmp_path / "ledger.db")
    db = str(location.sqlite_path)
    assert main(["token", "create", "--db", db, "--member", producer]) == 0
    assert capsys.readouterr().out.startswith("coc_")
    assert main(["token", "create", "--db", db, "--member", "Nobody"]) == 1
    assert "aucun membre" in capsys.readouterr().err


def test_tokens_live_in_postgres_too(postgres_store: StoreLocation) -> None:
    """The same table and operations on PostgreSQL."""
    tokens = TokenStore(postgres_store)
    try:
        from uuid import uuid4  # noqa: PLC0415 - only this test needs it.

        member = uuid4()
        token_id, token = tokens.create(member, "pg")
        assert tokens.resolve(token) == member
        assert [info.token_id for info in tokens.list(member)] == [token_id]
        assert tokens.revoke(token_id)
        assert tokens.resolve(token) is None
    finally:
        tokens.close()


def test_serve_and_token_are_subcommands(capsys: pytest.CaptureFixture[str]) -> None:
    """`cocagne serve --help` documents host and port (and returns 0, as help does)."""
    assert main(["serve", "--help"]) == 0
    assert "--port" in capsys.readouterr().out
