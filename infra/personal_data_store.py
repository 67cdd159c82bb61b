"""Per-household encryption keys, kept outside the event store, so erasure can be real.

Each enrolled household gets its own random 256-bit AES-GCM key, stored in the
``household_keys`` table of the same database as the events (a separate table that the
event store never reads). Its name and contact are sealed under that key before the
enrolment event is recorded, and only the sealed bytes go into the event. Erasing a
household (GDPR art. 17) deletes its key: every event, stream, balance and trace still
loads, but the sealed bytes can no longer be opened by anyone. This is "crypto-shredding".

Sealed format: one version byte (1), a 12-byte random nonce, then the AES-GCM ciphertext and
tag of the MessagePack-encoded ``PersonalData``. The household id is the associated data,
so sealed bytes copied onto another household do not open.

Deleted rows must not linger on disk: SQLite connections set ``secure_delete`` (freed pages
are zeroed) and checkpoint the write-ahead log after an erasure; PostgreSQL vacuums the
table after an erasure so the dead row version is reclaimed (its WAL segments and backups
still hold the key until they are recycled: a backup policy must expire them).

Keys live in a table of the same database so that a backup of the ledger is a backup of the
keys too; a deployment wanting a separate key vault swaps this class for one with the same
four methods.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from contextlib import closing
from datetime import UTC, datetime
from typing import cast
from uuid import UUID

import msgspec
import psycopg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain.personal_data import PersonalData
from infra.store import POSTGRES_CONNECT_TIMEOUT_S, SQLITE_LOCK_TIMEOUT_S, StoreLocation

SEAL_VERSION = b"\x01"
NONCE_BYTES = 12  # AES-GCM's standard nonce length; random per seal.
KEY_BITS = 256

_SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS household_keys (
    household_id TEXT PRIMARY KEY,
    key BLOB NOT NULL,
    created_at TEXT NOT NULL
)"""
_POSTGRES_SCHEMA = """
CREATE TABLE IF NOT EXISTS household_keys (
    household_id uuid PRIMARY KEY,
    key bytea NOT NULL,
    created_at timestamptz NOT NULL
)"""


class PersonalDataUnavailable(Exception):
    """Sealed data could not be opened although the key exists (tampered or misfiled)."""


class PersonalDataStore:
    """Creates, uses and destroys household keys in the ledger's database.

    ``location`` None keeps keys in memory (for the in-memory event store of quick tests).
    Each operation opens and closes its own connection: enrolments and erasures are rare,
    and no connection outlives the call.
    """

    def __init__(self, location: StoreLocation | None) -> None:
        self._location = location
        self._memory: dict[UUID, bytes] = {}
        self._schema_ready = False
        self._lock = threading.Lock()

    # ------------------------------------------------------------- public API

    def create_and_seal(self, household_id: UUID, data: PersonalData) -> bytes:
        """Make a new key for the household, store it, and seal ``data`` under it."""
        key = AESGCM.generate_key(bit_length=KEY_BITS)
        self._insert_key(household_id, key)
        return _seal(key, household_id, data)

    def reveal(self, household_id: UUID, sealed: bytes) -> PersonalData | None:
        """Open sealed data; None once the household's key was destroyed."""
        key = self._select_key(household_id)
        if key is None:
            return None
        return _open(key, household_id, sealed)

    def erase(self, household_id: UUID) -> bool:
        """Destroy the household's key; False if there was none (already erased)."""
        return self._delete_key(household_id)

    def has_key(self, household_id: UUID) -> bool:
        """Whether the household's data can still be read."""
        return self._select_key(household_id) is not None

    # ---------------------------------------------------------------- backends

    def _insert_key(self, household_id: UUID, key: bytes) -> None:
        now = datetime.now(tz=UTC)
        if self._location is None:
            with self._lock:
                self._memory[household_id] = key
            return
        if self._location.kind == "sqlite":
            with closing(self._sqlite()) as lite, lite:
                lite.execute("INSERT INTO household_keys (household_id, key, created_at) "
                             "VALUES (?, ?, ?)", (str(household_id), key, now.isoformat()))
            return
        with self._postgres() as connection:
            connection.execute(
                "INSERT INTO household_keys (household_id, key, created_at) "
                "VALUES (%s, %s, %s)", (household_id, key, now))

    def _select_key(self, household_id: UUID) -> bytes | None:
        if self._location is None:
            with self._lock:
                return self._memory.get(household_id)
        if self._location.kind == "sqlite":
            with closing(self._sqlite()) as lite:
                row = lite.execute("SELECT key FROM household_keys WHERE household_id = ?",
                                   (str(household_id),)).fetchone()
            return None if row is None else bytes(row[0])
        with self._postgres() as connection:
            found = connection.execute(
                "SELECT key FROM household_keys WHERE household_id = %s",
                (household_id,)).fetchone()
        return None if found is None else bytes(cast(bytes, found[0]))

    def _delete_key(self, household_id: UUID) -> bool:
        if self._location is None:
            with self._lock:
                return self._memory.pop(household_id, None) is not None
        if self._location.kind == "sqlite":
            with closing(self._sqlite()) as lite:
                with lite:
                    deleted = lite.execute("DELETE FROM household_keys WHERE household_id = ?",
                                           (str(household_id),)).rowcount
                # The key's page also sits in the write-ahead log until a checkpoint copies
                # it back: checkpoint and truncate the log now (best effort: a long reader
                # may keep old frames until the next checkpoint).
                lite.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            return deleted > 0
        with self._postgres() as connection:
            deleted = connection.execute(
                "DELETE FROM household_keys WHERE household_id = %s", (household_id,)).rowcount
            # VACUUM cannot run in a transaction block: this connection is in autocommit.
            connection.execute("VACUUM household_keys")
        return deleted > 0

    def _sqlite(self) -> sqlite3.Connection:
        assert self._location is not None
        assert self._location.sqlite_path is not None
        connection = sqlite3.connect(self._location.sqlite_path, timeout=SQLITE_LOCK_TIMEOUT_S)
        connection.execute("PRAGMA secure_delete = ON")
        if not self._schema_ready:
            connection.execute(_SQLITE_SCHEMA)
            connection.commit()
            self._schema_ready = True
        return connection

    def _postgres(self) -> psycopg.Connection[tuple[object, ...]]:
        location = self._location
        assert location is not None
        connection = psycopg.connect(
            host=location.postgres_host, port=location.postgres_port,
            user=location.postgres_user, password=location.postgres_password or None,
            dbname=location.postgres_dbname, connect_timeout=POSTGRES_CONNECT_TIMEOUT_S,
            autocommit=True)
        if not self._schema_ready:
            connection.execute(_POSTGRES_SCHEMA)
            self._schema_ready = True
        return connection


def _seal(key: bytes, household_id: UUID, data: PersonalData) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    plaintext = msgspec.msgpack.encode(data)
    return SEAL_VERSION + nonce + AESGCM(key).encrypt(nonce, plaintext, household_id.bytes)


def _open(key: bytes, household_id: UUID, sealed: bytes) -> PersonalData:
    if not sealed.startswith(SEAL_VERSION) or len(sealed) <= 1 + NONCE_BYTES:
        raise PersonalDataUnavailable(f"sealed data of household {household_id} has an "
                                      "unknown format")
    nonce = sealed[1:1 + NONCE_BYTES]
    try:
        plaintext = AESGCM(key).decrypt(nonce, sealed[1 + NONCE_BYTES:], household_id.bytes)
    except InvalidTag as error:
        raise PersonalDataUnavailable(f"sealed data of household {household_id} does not "
                                      "open with its key") from error
    return msgspec.msgpack.decode(plaintext, type=PersonalData)
