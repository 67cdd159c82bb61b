"""PostgreSQL view writes staged through temporary tables keep those tables empty between
batches, and are planned afresh each time rather than kept as prepared statements, so a
rebuild's later batches cost what its first ones did."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from infra.projections_wiring import postgres_conninfo
from infra.store import StoreLocation
from projections.view_store import PostgresViewDatabase

BATCHES = 60
ROWS_PER_BATCH = 400


@pytest.fixture
def database(postgres_store: StoreLocation) -> Iterator[PostgresViewDatabase]:
    views = PostgresViewDatabase(postgres_conninfo(postgres_store), prefix="s_")
    with views.transaction() as transaction:
        transaction.execute("CREATE TABLE s_lines (line_id TEXT PRIMARY KEY, "
                            "held_g BIGINT NOT NULL, status TEXT NOT NULL)")
    yield views
    views.close()


def _stage_bytes(database: PostgresViewDatabase) -> int:
    """Bytes held by this connection's temporary tables (the stages)."""
    with database.transaction() as transaction:
        rows = transaction.query(
            "SELECT COALESCE(SUM(pg_relation_size(c.oid)), 0) FROM pg_class c "
            "WHERE c.relpersistence = 't' AND c.relkind = 'r'")
    return int(rows[0][0])


def test_stages_are_empty_after_every_batch(database: PostgresViewDatabase) -> None:
    for batch in range(BATCHES):
        keys = [f"line-{batch}-{row}" for row in range(ROWS_PER_BATCH)]
        with database.transaction() as transaction:
            transaction.executemany(
                "INSERT INTO s_lines (line_id, held_g, status) VALUES (?, ?, ?) "
                "ON CONFLICT (line_id) DO NOTHING", [(key, 1_000, "held") for key in keys])
            transaction.update_many("s_lines", "line_id", ("held_g",),
                                    [(-250, key) for key in keys], add=True)
            transaction.update_many("s_lines", "line_id", ("status",),
                                    [("sent", key) for key in keys[::2]])
        assert _stage_bytes(database) == 0, f"stages hold rows after batch {batch + 1}"
    rows = database.query("SELECT COUNT(*), SUM(held_g), "
                          "SUM(CASE WHEN status = 'sent' THEN 1 ELSE 0 END) FROM s_lines")
    assert rows[0] == (BATCHES * ROWS_PER_BATCH, BATCHES * ROWS_PER_BATCH * 750,
                       BATCHES * ROWS_PER_BATCH // 2)


def test_view_writes_are_never_kept_as_prepared_statements(
        database: PostgresViewDatabase) -> None:
    """A plan made while the view's tables were small would be kept as they grow."""
    for batch in range(10):
        keys = [f"line-{batch}-{row}" for row in range(20)]
        with database.transaction() as transaction:
            transaction.executemany(
                "INSERT INTO s_lines (line_id, held_g, status) VALUES (?, ?, ?) "
                "ON CONFLICT (line_id) DO NOTHING", [(key, 1_000, "held") for key in keys])
            transaction.update_many("s_lines", "line_id", ("status",),
                                    [("sent", key) for key in keys])
            transaction.execute("DELETE FROM s_lines WHERE held_g = ? AND line_id = ?",
                                (0, keys[0]))
            transaction.query("SELECT COUNT(*) FROM s_lines WHERE status = ?", ("sent",))
    with database.transaction() as transaction:
        prepared = transaction.query("SELECT statement FROM pg_prepared_statements")
    assert prepared == [], prepared
