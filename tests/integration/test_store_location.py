"""Where the store is, from the environment: the PostgreSQL password may come from a file
(a Docker secret), so that neither the URL nor docker-compose.yml ever holds it."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.ledger.ledger import Ledger
from infra.store import (
    DATABASE_URL_VARIABLE,
    PASSWORD_FILE_VARIABLE,
    StoreConfigurationError,
    location_from_environment,
)
from tests.conftest import create_postgres_database, drop_postgres_database

URL = "postgresql://postgres@postgres:5432/cocagne"


def test_the_password_comes_from_the_file(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The file's first line, its line ending dropped, is the password; the URL shown never
    carries it."""
    secret = tmp_path / "postgres_password"
    secret.write_text("s3cr3t-é\n")
    monkeypatch.setenv(DATABASE_URL_VARIABLE, URL)
    monkeypatch.setenv(PASSWORD_FILE_VARIABLE, str(secret))
    location = location_from_environment()
    assert (location.postgres_user, location.postgres_host, location.postgres_dbname) == (
        "postgres", "postgres", "cocagne")
    assert location.postgres_password == "s3cr3t-é"
    assert location.eventsourcing_env()["POSTGRES_PASSWORD"] == "s3cr3t-é"
    assert "s3cr3t" not in location.url


def test_without_the_variable_the_url_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    """No file named: the URL's own password (or none) as before; SQLite ignores the file."""
    monkeypatch.setenv(DATABASE_URL_VARIABLE, "postgresql://u:pw@h:5433/db")
    monkeypatch.delenv(PASSWORD_FILE_VARIABLE, raising=False)
    assert location_from_environment().postgres_password == "pw"
    monkeypatch.setenv(DATABASE_URL_VARIABLE, "sqlite:///var/x.db")
    monkeypatch.setenv(PASSWORD_FILE_VARIABLE, "/nonexistent/postgres_password")
    assert location_from_environment().kind == "sqlite"


@pytest.mark.parametrize(("content", "message"), [
    (None, "cannot read the database password file"),
    (b"", "is empty"),
    (b"\n", "is empty"),
    (b"\xff\xfe", "is not UTF-8 text"),
    (b"x" * 5_000, "is larger than 4096 bytes"),
])
def test_a_bad_password_file_is_a_clear_configuration_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes | None,
        message: str) -> None:
    """Missing, empty, binary or huge: one configuration error naming the file."""
    secret = tmp_path / "postgres_password"
    if content is not None:
        secret.write_bytes(content)
    monkeypatch.setenv(DATABASE_URL_VARIABLE, URL)
    monkeypatch.setenv(PASSWORD_FILE_VARIABLE, str(secret))
    with pytest.raises(StoreConfigurationError, match=message) as refused:
        location_from_environment()
    assert str(secret) in str(refused.value)


def test_a_password_in_both_places_is_refused(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Two sources for one password would hide which one is used: keep only one."""
    secret = tmp_path / "postgres_password"
    secret.write_text("a")
    monkeypatch.setenv(DATABASE_URL_VARIABLE, "postgresql://u:b@h/db")
    monkeypatch.setenv(PASSWORD_FILE_VARIABLE, str(secret))
    with pytest.raises(StoreConfigurationError, match="keep only one"):
        location_from_environment()


@pytest.mark.postgres
def test_the_cli_reaches_postgres_with_the_password_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A ledger opened from the environment with a password file reads the real store."""
    database = create_postgres_database()
    try:
        secret = tmp_path / "postgres_password"
        secret.write_text("unused-with-trust-auth\n")
        monkeypatch.setenv(DATABASE_URL_VARIABLE, database.url)
        monkeypatch.setenv(PASSWORD_FILE_VARIABLE, str(secret))
        location = location_from_environment()
        assert location.postgres_password == "unused-with-trust-auth"
        ledger = Ledger(location)
        try:
            assert (ledger.recorder.max_notification_id() or 0) == 0
        finally:
            ledger.close()
    finally:
        drop_postgres_database(database)
