"""The auditor's page « Contrôle »: everything read-only, the history's verification."""

# ruff: noqa: RUF001 - French typography writes its apostrophe as U+2019.

from __future__ import annotations

from markupsafe import Markup

from infra.api.pages import french
from infra.api.pages.downloads import downloads
from infra.api.pages.html import Column, figures, join, section, table, tag
from infra.api.pages.network_stock import network_stock_section
from infra.api.pages.page import ROWS_MAX, Page, word


def audit_page(page: Page) -> Markup:
    """Everything read-only: the chain's status, balances, stock, downloads."""
    database = page.services.extras.get("store_database")
    head = int(page.services.ledger.recorder.max_notification_id() or 0)
    sealed = 0
    if database is not None and database.table_exists("event_chain"):
        rows = database.execute("SELECT MAX(notification_id) FROM event_chain")
        sealed = int(rows[0][0] or 0) if rows else 0
    total, balances_table = page.kept(("soldes",), lambda: _balances(page))
    status = ("Chaîne scellée jusqu’à l’événement "
              f"{french.count(sealed)} sur {french.count(head)} (chaque événement est scellé "
              "dans la transaction qui l’enregistre)" if sealed else
              f"Historique de {french.count(head)} événements, pas encore scellé")
    return join([
        figures([("Événements", french.count(head), {"id": "evenements"}),
                 ("Scellés", french.count(sealed), {"id": "scelles"}),
                 ("Somme de tous les soldes", french.euros(total),
                  {"id": "somme-soldes", "data_centimes": str(total)})]),
        section("verification", "Vérification de l’historique", tag("p", status),
                tag("p", tag("a", "Vérifier toute la chaîne maintenant",
                             href="/espace/controle/verification")) if page.may(
                    "page_verification") else ""),
        section("soldes", "Soldes", balances_table),
        network_stock_section(page, "controle"),
        downloads(page),
    ])


def _balances(page: Page) -> tuple[int, Markup]:
    """The sum of all balances and the table of the first accounts."""
    balances = page.view("balances")
    accounts = balances.accounts() if balances is not None else []
    total = sum(account.balance_cents for account in accounts)
    return total, table(
        "Comptes et soldes", [Column("Titulaire"), Column("Compte"),
                              Column("Débits", number=True), Column("Crédits", number=True),
                              Column("En attente", number=True), Column("Solde", number=True)],
        [[page.name(account.owner_id), word(account.kind),
          french.euros(account.debits_posted_cents),
          french.euros(account.credits_posted_cents),
          french.euros(account.credits_pending_cents - account.debits_pending_cents),
          french.euros(account.balance_cents)] for account in accounts[:ROWS_MAX]],
        table_id="table-soldes",
        sort_keys=[["", account.kind, account.debits_posted_cents,
                    account.credits_posted_cents,
                    account.credits_pending_cents - account.debits_pending_cents,
                    account.balance_cents] for account in accounts[:ROWS_MAX]])
