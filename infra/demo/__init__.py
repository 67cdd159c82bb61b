"""The seeded demo territory, written through the ledger's own commands.

``territory`` runs it (``generate_demo``) on the ``stage`` (calendar, territories, sender):
each ``week``'s phases, the ``governance`` and ``reports`` seeding, then the ``closing``
scene; ``summary`` counts what was written, ``clock`` lets it live its weeks in the past.
"""
