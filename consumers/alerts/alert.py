"""An alert: what it tells one recipient, its kinds, and its JSON (the webhook's body)."""

from __future__ import annotations

import enum
from typing import Any

import msgspec


class AlertKind(enum.StrEnum):
    """What an alert is about."""

    EXPIRING = "lot.expiring"
    RECALLED = "lot.recalled"
    DELIVERY_DISCREPANCY = "delivery.discrepancy"
    RECEPTION_DISCREPANCY = "reception.discrepancy"


class Alert(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One alert to one recipient; its JSON is the webhook's body."""

    alert_id: str
    """Stable: the same fact raises the same id (receivers dedupe on it)."""
    kind: AlertKind
    position: int
    """Notification id of the event that raised it (0 for the periodic expiry scan)."""
    recipient_id: str | None
    recipient_role: str
    """``platform``, ``outlet`` or ``producer``."""
    message: str
    lot_id: str | None = None
    code: str = ""
    product: str = ""
    site_id: str | None = None
    outlet_id: str | None = None
    delivery_id: str | None = None
    on_hand_g: int = 0
    held_g: int = 0
    in_transit_g: int = 0
    received_g: int = 0
    expected_g: int = 0
    discrepancy_g: int = 0
    best_before: str | None = None
    days_left: int | None = None
    reason: str = ""
    origin_lot_id: str | None = None


_alert_encoder = msgspec.json.Encoder()
_alert_decoder = msgspec.json.Decoder(Alert)


def encode_alert(alert: Alert) -> bytes:
    """An alert's JSON, as the webhook receives it."""
    return _alert_encoder.encode(alert)


def decode_alert(body: bytes | str) -> Alert:
    """An alert from its JSON."""
    return _alert_decoder.decode(body)


def alert_fields(alert: Alert) -> dict[str, Any]:
    """An alert's fields as in its JSON (empty ones left out)."""
    fields: dict[str, Any] = msgspec.to_builtins(alert)
    return fields
