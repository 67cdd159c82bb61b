"""Views derived from the event store, each rebuildable from zero.

- ``view_store``: where views keep their tables (an SQLite file beside the store, or the
  store's PostgreSQL database) and the small SQL dialect layer they share;
- ``runner``: the polling runner that applies the notification log to views in batches,
  each batch committed with the view's position (catch-up, follow, read-your-writes);
- ``stock``, ``trace``, ``balances``: the views and their queries; ``stock_lines`` and
  ``trace_records`` hold what the stock and trace queries answer, ``stock_batch`` and
  ``trace_batch`` how those two views apply a batch.

Nothing here imports ``infra``: the wiring (which database, which store, metrics) lives in
``infra.projections_wiring``.
"""
