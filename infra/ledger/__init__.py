"""The service layer: the ``Ledger`` runs commands through the handlers of its registry.

Layout: ``ledger.py`` (execution, batches, idempotency, retries), ``unit_of_work.py``
(streams loaded once and saved together), ``registry.py`` (command type -> handler),
``actors.py`` (who acts, in which role), and one module of handlers per capability:
``members``, ``lots``, ``allocations``, ``deliveries`` (with ``settlement``), ``governance``
(with ``rules``), ``funding``, ``baskets``.
"""
