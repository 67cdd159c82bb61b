"""The HTTP API, the live dashboard, health and metrics (see ``infra.api.app``)."""

from __future__ import annotations

from infra.api.app import create_app

__all__ = ["create_app"]
