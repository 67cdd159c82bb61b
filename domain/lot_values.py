"""The values a lot's events carry: status, process, channel, hold, parent and child shares.

``domain.lots`` re-exports them beside the events that carry them, where most code imports
them from.
"""

from __future__ import annotations

import enum
from datetime import datetime
from uuid import UUID

import msgspec


class LotStatus(enum.StrEnum):
    """Where a lot is in its life."""

    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    RECEIVED = "received"
    REFUSED = "refused"
    """Refused at reception (arrived outside its temperature range): never in stock."""


class Process(enum.StrEnum):
    """How a lot was made from other lots."""

    SPLIT = "split"
    MERGE = "merge"
    TRANSFORM = "transform"
    SORT = "sort"
    """An unsorted bulk donation sorted into product lots."""


class Channel(enum.StrEnum):
    """How an outlet passed food on to people."""

    FOOD_AID = "food_aid"
    BASKET = "basket"
    CANTEEN = "canteen"


class Hold(msgspec.Struct, frozen=True, kw_only=True):
    """Why, since when and by whom a lot is blocked."""

    reason: str
    held_by: UUID
    since: datetime


class ParentShare(msgspec.Struct, frozen=True):
    """How much of a parent lot went into a child."""

    lot_id: UUID
    quantity_g: int


class ChildShare(msgspec.Struct, frozen=True):
    """A lot made from this one, with its quantity."""

    lot_id: UUID
    code: str
    quantity_g: int

