"""What every work page builds on: the ``Page`` a builder reads from, French words for
the ledger's codes, bounded lists of lots, a member's accounts.

A form appears only when the policy table lets the caller send its command
(``Page.may``): a page never offers what the API would refuse by role. Lists are bounded
(``ROWS_MAX``): a page is for the work of the day, the exports hold everything.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, TypeVar
from uuid import UUID

from markupsafe import Markup

from domain.rules import backdating_window_in_force
from infra.api.access import Caller
from infra.api.pages import french
from infra.api.pages.directory import Directory
from infra.api.pages.html import Form, form_html, join
from infra.api.pages.kept import Stamp, kept_of
from infra.api.pages.refusals import STATUS_WORDS
from infra.api.pages.streams import PageStreams, streams_of
from infra.api.pages.words import KIND_WORDS
from infra.api.policy import POLICY
from infra.api.services import Services

T = TypeVar("T")

ROWS_MAX = 200  # Rows of a list on a page; the exports hold everything.
OPTIONS_MAX = 300  # Choices in a select (lots in stock at one platform: a few dozen).
PROPOSALS_SHOWN_MAX = 20

CHANNELS = (("food_aid", "Aide alimentaire"), ("canteen", "Restauration collective"),
            ("basket", "Panier solidaire"))
MEMBER_KINDS = (("producer", "Producteur (jardin, ferme)"), ("platform", "Plateforme, banque "
                "alimentaire"), ("outlet", "Structure (association, épicerie, CCAS)"),
                ("funder", "Financeur"), ("household", "Délégué·e des foyers"),
                ("network", "Réseau, coordination"))
SITE_KINDS = (("warehouse", "Entrepôt"), ("garden", "Jardin"), ("outlet", "Point de "
              "distribution"))
ALLOCATION_KEYS = (("proportional_to_needs", "Au prorata des besoins déclarés"),
                   ("proportional_to_households", "Au prorata des foyers servis"))

def word(code: str | None) -> str:
    """A code of the ledger in French."""
    if code is None:
        return ""
    return STATUS_WORDS.get(code) or KIND_WORDS.get(code) or code.replace("_", " ")


@dataclass
class Page:
    """What a page function reads from."""

    services: Services
    caller: Caller
    directory: Directory
    today: date
    as_of_day: date | None = None
    """A past day whose stock the page shows (``?au=2026-12-03``); None: now."""
    _backdating_days: int | None = None
    _stamp: Stamp | None = None

    @property
    def as_of(self) -> datetime | None:
        """The end of the past day shown, in Paris (as ``cocagne stock --as-of DAY``)."""
        if self.as_of_day is None:
            return None
        return datetime.combine(self.as_of_day, time.max, tzinfo=french.PARIS)

    def may(self, name: str) -> bool:
        """Whether the policy table lets the caller use this route (command or read)."""
        access = POLICY.get(name)
        return access is not None and self.caller.scope_for(access) is not None

    def view(self, name: str) -> Any:
        """A view of the app (``stock``, ``trace`` or ``balances``)."""
        return getattr(self.services.views, name)

    @property
    def streams(self) -> PageStreams:
        """Streams folded once per version (rounds, proposals, deliveries, the rules)."""
        return streams_of(self.services.extras, self.services.ledger)

    def stamp(self) -> Stamp:
        """Where the store, the views and the directory stood when this page first asked
        (read once, before anything kept is computed; see ``kept.py``)."""
        if self._stamp is None:
            head = int(self.services.ledger.recorder.max_notification_id() or 0)
            positions = self.services.views.runner.positions()
            self._stamp = (head, positions.get("stock", 0), positions.get("trace", 0),
                           positions.get("balances", 0), self.directory.position, self.today)
        return self._stamp

    def kept(self, key: Hashable, compute: Callable[[], T]) -> T:
        """A value computed from the store, kept until the store moves (``kept.py``): the
        key says what it is and everything it depends on besides the stamp."""
        return kept_of(self.services.extras).get(self.stamp(), key, compute)

    def name(self, party: UUID | str | None) -> str:
        """A member's name, a site's name or a household's reference."""
        return self.directory.name(party)

    def forms(self, *specs: Form | None) -> Markup:
        """The forms the caller may send, in order."""
        shown = [spec for spec in specs if spec is not None and self.may(spec.command)]
        days = self.backdating_days() if any(spec.dated for spec in shown) else 0
        return join(form_html(spec, backdating_days=days) for spec in shown)

    def backdating_days(self) -> int:
        """How far back, in days, an act may be dated today (the window in force)."""
        if self._backdating_days is None:
            window, _ = backdating_window_in_force(self.streams.rule_book(),
                                                   self.today)
            self._backdating_days = window.days
        return self._backdating_days


def week_of(day: date) -> str:
    """``2026-W07``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def lot_rows(stock: Any, where: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Rows of the stock view's lots: id, code, product, variety, status, site, best-before,
    on hand, reserved, in transit, recalled, producer, platform, date kind, bulk."""
    lots = stock.table("stock_lots")
    rows: list[tuple[Any, ...]] = stock.database.query(
        "SELECT lot_id, code, product, variety, status, site_id, best_before, on_hand_g, "
        f"reserved_g, in_transit_g, recalled_at_us IS NOT NULL, producer_id, platform_id, "
        f"date_kind, bulk "
        f"FROM {lots} WHERE {where} ORDER BY code DESC LIMIT {ROWS_MAX}", list(params))
    return rows


def lot_label(row: Sequence[Any], grams: int) -> str:
    """``L260105-… — carotte Nantaise, 120 kg``."""
    variety = f" {row[3]}" if row[3] else ""
    return f"{row[1]} — {row[2]}{variety}, {french.kg(grams)}"


def accounts_of(page: Page, owner: UUID) -> list[Any]:
    """The owner's accounts in the balances view."""
    balances = page.view("balances")
    return [] if balances is None else list(balances.accounts(owner_id=str(owner)))
