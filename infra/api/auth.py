"""Bearer tokens issued per member, stored hashed in the ``api_tokens`` table of the store.

A token is ``coc_`` followed by 32 random bytes in base64url (256 bits from ``secrets``).
Only its SHA-256 digest is stored. A fast hash is enough here, and better than a password
hash: a slow hash (bcrypt, argon2) protects *low-entropy* secrets against offline guessing,
but nobody can enumerate 2**256 random tokens whatever the hash costs, so slowness would
only add tens of milliseconds of CPU to every request. A plain digest also lets each request
find its token with one indexed lookup. Someone who reads the table learns no usable token.

The table lives in the same database as the events (the SQLite file, or the PostgreSQL
database), so one backup holds both; it is not an event stream because a secret's digest
has no business in an immutable, exported history, and revoking must really forget it.

A token names a member; the member's roles are read from the ledger on each request, so a
revoked role or a suspension takes effect at once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from infra.api.sql import StoreDatabase
from infra.store import StoreLocation

TOKEN_PREFIX = "coc_"  # noqa: S105 - a public marker of our tokens, not a secret.
TOKEN_BYTES = 32  # 256 bits: beyond enumeration, so a single SHA-256 suffices (see above).
TOKEN_LENGTH_MAX = 100  # Longer bearer values are refused before hashing.
LABEL_LENGTH_MAX = 100
TOKENS_LISTED_MAX = 10_000  # One cooperative has hundreds of members, not tens of thousands.

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS api_tokens ("
    " token_id TEXT PRIMARY KEY,"
    " token_sha256 TEXT NOT NULL UNIQUE,"
    " member_id TEXT NOT NULL,"
    " label TEXT NOT NULL,"
    " created_at TEXT NOT NULL,"
    " revoked_at TEXT)"
)


def token_digest(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class TokenInfo:
    """A token as listed (never the secret itself)."""

    token_id: str
    member_id: UUID
    label: str
    created_at: str
    revoked_at: str | None


class TokenStore:
    """Create, resolve, list and revoke tokens in the store's database."""

    def __init__(self, location: StoreLocation) -> None:
        self.location = location
        self.database = StoreDatabase(location)
        self._execute(_SCHEMA)

    def _execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return self.database.execute(sql, params)

    def close(self) -> None:
        """Close every connection this store opened."""
        self.database.close()

    # ------------------------------------------------------------- operations

    def create(self, member_id: UUID, label: str = "") -> tuple[str, str]:
        """Issue a token for ``member_id``; return ``(token_id, token)``.

        The token is shown once: only its digest is kept.
        """
        token = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
        token_id = secrets.token_hex(6)
        self._execute(
            "INSERT INTO api_tokens (token_id, token_sha256, member_id, label, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (token_id, token_digest(token), str(member_id), label.strip()[:LABEL_LENGTH_MAX],
             datetime.now(tz=UTC).isoformat(timespec="seconds")))
        return token_id, token

    def resolve(self, token: str) -> UUID | None:
        """The member a live token was issued to, or None."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > TOKEN_LENGTH_MAX:
            return None
        rows = self._execute(
            "SELECT member_id FROM api_tokens WHERE token_sha256 = ? AND revoked_at IS NULL",
            (token_digest(token),))
        return UUID(rows[0][0]) if rows else None

    def revoke(self, token_id: str) -> bool:
        """Revoke a token by its id; False if there is no such live token."""
        before = self._execute("SELECT 1 FROM api_tokens WHERE token_id = ? AND "
                               "revoked_at IS NULL", (token_id,))
        if not before:
            return False
        self._execute("UPDATE api_tokens SET revoked_at = ? WHERE token_id = ?",
                      (datetime.now(tz=UTC).isoformat(timespec="seconds"), token_id))
        return True

    def list(self, member_id: UUID | None = None) -> list[TokenInfo]:
        """Tokens issued, newest first, optionally for one member."""
        sql = "SELECT token_id, member_id, label, created_at, revoked_at FROM api_tokens"
        params: tuple[Any, ...] = ()
        if member_id is not None:
            sql += " WHERE member_id = ?"
            params = (str(member_id),)
        sql += f" ORDER BY created_at DESC LIMIT {TOKENS_LISTED_MAX}"
        return [TokenInfo(row[0], UUID(row[1]), row[2], row[3], row[4])
                for row in self._execute(sql, params)]
