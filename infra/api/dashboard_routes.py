"""The dashboard's static files (French, no CDN), served by the app itself.

Only the files shipped in ``infra/api/dashboard/`` are served, by exact name: no path ever
reaches the file system from a request. A strict Content-Security-Policy allows scripts,
styles and connections to this origin only.
"""

from __future__ import annotations

from pathlib import Path

from litestar import Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect

DASHBOARD_DIRECTORY = Path(__file__).with_name("dashboard")
CONTENT_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css",
                 ".svg": "image/svg+xml", ".txt": "text/plain", ".ico": "image/x-icon"}
"""Litestar adds ``; charset=utf-8`` to every ``text/*`` type (named here too, it came twice)."""
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
                               "style-src 'self'; script-src 'self'; connect-src 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def _asset(name: str) -> Response[bytes]:
    allowed = {path.name: path for path in DASHBOARD_DIRECTORY.iterdir() if path.is_file()}
    path = allowed.get(name)
    if path is None or path.suffix not in CONTENT_TYPES:
        raise NotFoundException(f"no dashboard file {name!r}")
    return Response(path.read_bytes(), media_type=CONTENT_TYPES[path.suffix],
                    headers=SECURITY_HEADERS)


@get("/", name="dashboard_redirect", include_in_schema=False,
     sync_to_thread=False)
def dashboard_redirect() -> Redirect:
    """The root leads to the dashboard."""
    return Redirect("/dashboard")


@get("/dashboard", name="dashboard_index", include_in_schema=False, sync_to_thread=False)
def dashboard_index() -> Response[bytes]:
    """The dashboard page."""
    return _asset("index.html")


@get("/dashboard/{name:str}", name="dashboard_assets", include_in_schema=False,
     sync_to_thread=False)
def dashboard_assets(name: FromPath[str]) -> Response[bytes]:
    """A script, style sheet or icon of the dashboard."""
    return _asset(name)


DASHBOARD_ROUTES = [dashboard_redirect, dashboard_index, dashboard_assets]
