"""Site stream: warehouses, hubs, gardens and outlets' premises where lots are held."""

from __future__ import annotations

import enum
from typing import ClassVar
from uuid import UUID

from domain.base import Aggregate, Context, Created
from domain.errors import InvalidCommand

NAME_LENGTH_MAX = 200  # Matches member names.


class SiteKind(enum.StrEnum):
    """What a site is used for."""

    GARDEN = "garden"
    WAREHOUSE = "warehouse"
    HUB = "hub"
    OUTLET = "outlet"


class Site(Aggregate):
    """A place operated by one member."""

    name: str
    kind: SiteKind
    operator_id: UUID
    city: str

    class Registered(Created, frozen=True, kw_only=True):
        """A site was registered under its operator."""

        TOPIC: ClassVar[str] = "site.registered"
        name: str
        kind: SiteKind
        operator_id: UUID
        city: str

        def apply(self, site: Site) -> None:
            site.name = self.name
            site.kind = self.kind
            site.operator_id = self.operator_id
            site.city = self.city

    @classmethod
    def register(cls, site_id: UUID, context: Context, name: str, kind: SiteKind,
                 operator_id: UUID, city: str) -> Site:
        """Register a site."""
        name = name.strip()
        if not name or len(name) > NAME_LENGTH_MAX:
            raise InvalidCommand(f"site name must be 1 to {NAME_LENGTH_MAX} characters",
                                 reason="text_length", field="site name", length=len(name),
                                 maximum=NAME_LENGTH_MAX)
        return cls._create(cls.Registered, site_id, context=context, name=name, kind=kind,
                           operator_id=operator_id, city=city.strip())


Site.Registered.AGGREGATE = Site
