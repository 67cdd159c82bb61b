"""The funder's page « Financement »: budgets, what they co-financed, the report."""

# ruff: noqa: RUF001 - French typography writes its apostrophe as U+2019.

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from infra.api.pages import french
from infra.api.pages.downloads import downloads
from infra.api.pages.html import Column, Field, Form, Option, figures, join, section, table
from infra.api.pages.page import Page, accounts_of, word


def funder_page(page: Page) -> Markup:
    """Budgets (committed, pending, spent), what they co-financed, the report."""
    me = page.caller.member_id
    accounts = [account for account in accounts_of(page, me)
                if account.kind in {"funder_budget", "programme_fund"}]
    committed = sum(account.credits_posted_cents for account in accounts)
    pending = sum(account.debits_pending_cents for account in accounts)
    spent = sum(account.debits_posted_cents for account in accounts)
    balances = page.view("balances")
    transfers = balances.table("balances_transfers")
    ids = [account.account_id for account in accounts]
    rows: list[tuple[Any, ...]] = []
    if ids:
        rows = balances.database.query_in(
            "SELECT cause_kind, status, COUNT(*), SUM(amount_cents), SUM(posted_cents) "
            f"FROM {transfers} WHERE debit_account_id IN ({{in_list}}) GROUP BY cause_kind, "
            "status", ids)
    financed = table(
        "Ce que j’ai cofinancé", [Column("Pour"), Column("État"), Column("Nombre", number=True),
                                  Column("Montant", number=True)],
        [[word(row[0]) + ("s" if int(row[2]) > 1 else ""), word(row[1]),
          french.count(int(row[2])),
          french.euros(int(row[4] if row[1] == "posted" else row[3]))]
         for row in sorted(rows)], table_id="table-cofinance",
        sort_keys=[[row[0], row[1], int(row[2]), int(row[3])] for row in sorted(rows)])
    programmes = [Option(str(entry.programme_id), f"Fonds du programme {entry.name}")
                  for entry in list(page.directory.programmes.values())]
    commit = Form("commit_budget", "Engager un budget", [
        Field("amount_cents", "Montant (€)", kind="euros", help="Par exemple 1 500,00"),
        Field("programme_id", "Pour", kind="uuid", required=False,
              options=programmes, help="Vide : le budget des livraisons"),
    ], submit="Engager")
    account_table = table(
        "Mes budgets", [Column("Budget"), Column("Engagé", number=True),
                        Column("Réservé", number=True), Column("Dépensé", number=True),
                        Column("Reste", number=True)],
        [[word(account.kind) + (f" — {page.name(account.scope_id)}" if account.scope_id
                                else ""),
          french.euros(account.credits_posted_cents), french.euros(account.debits_pending_cents),
          french.euros(account.debits_posted_cents),
          french.euros(account.credits_posted_cents - account.debits_posted_cents
                       - account.debits_pending_cents)] for account in accounts],
        table_id="table-budgets")
    return join([
        figures([("Engagé", french.euros(committed), {"id": "engage",
                                                       "data_centimes": str(committed)}),
                 ("Réservé (en attente)", french.euros(pending),
                  {"id": "en-attente", "data_centimes": str(pending)}),
                 ("Dépensé", french.euros(spent), {"id": "depense",
                                                    "data_centimes": str(spent)})]),
        section("budgets", "Mes budgets", account_table, page.forms(commit)),
        section("cofinance", "Paniers et livraisons cofinancés", financed),
        downloads(page),
    ])
