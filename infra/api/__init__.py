"""The HTTP API, the live dashboard, health and metrics (see ``infra.api.app``).

``create_app(location)`` builds the Litestar app; ``serve_demo(location, host, port)`` seeds
the demo territory into an empty store, prints the URL and a token per role, and serves.
"""

from __future__ import annotations

from infra.api.app import create_app
from infra.api.demo import serve, serve_demo

__all__ = ["create_app", "serve", "serve_demo"]
