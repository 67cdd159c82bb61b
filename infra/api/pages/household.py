"""The household's page « Mon compte »: its own baskets and the share it paid, nothing else."""

from __future__ import annotations

from markupsafe import Markup

from infra.api.pages import french
from infra.api.pages.html import Column, figures, join, section, table, tag
from infra.api.pages.page import Page, word
from infra.api.pages.preferences import household_preferences_section


def household_page(page: Page) -> Markup:
    """The household's own account: baskets collected and the share it paid."""
    me = page.caller.member_id
    entry = page.directory.households.get(me)
    baskets = sorted((basket for basket in list(page.directory.baskets.values())
                      if basket.household_id == me), key=lambda basket: basket.week,
                     reverse=True)
    collected = [basket for basket in baskets if basket.status == "collected"]
    paid = sum(basket.household_cents for basket in collected)
    programme = page.directory.programmes.get(entry.programme_id) if entry else None
    return join([
        tag("p", f"Référence : {entry.reference if entry else ''} — programme "
                 f"{programme.name if programme else ''}", class_="intro"),
        figures([("Paniers récupérés", french.count(len(collected)), {"id": "paniers-recuperes"}),
                 ("Ma part payée", french.euros(paid), {"id": "part-payee",
                                                        "data_centimes": str(paid)})]),
        section("mes-paniers", "Mes paniers", table(
            "Mes paniers", [Column("Semaine"), Column("Prix du panier", number=True),
                            Column("Ma part", number=True), Column("État")],
            [[french.iso_week_fr(basket.week), french.euros(basket.price_cents),
              french.euros(basket.household_cents), word(basket.status)]
             for basket in baskets], table_id="table-mes-paniers",
            sort_keys=[[basket.week, basket.price_cents, basket.household_cents, basket.status]
                       for basket in baskets])),
        household_preferences_section(page),
    ])
