"""The seeded demo territory (``territory``) and its governance, funding and baskets
(``governance``), written through the ledger's own commands."""
