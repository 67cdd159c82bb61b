"""Routes of the work pages: ``/espace`` and one page per role, in French, for phones.

- ``GET /espace`` (public): signs in from the demo link's ``#token=…`` or a pasted token
  (the script posts it to ``/api/session``, which sets the HttpOnly cookie), then leads to
  the caller's main page.
- ``GET /espace/{page}``: a role's page (``infra.api.pages.roles`` names each builder),
  behind the same guard and policy table as the API: each page has its own entry
  (``page_producer``…). The session cookie authenticates these GETs; commands are posted
  by the page's script with the bearer token, never by the cookie. ``?apres=N`` waits until
  the views have applied notification N, so the page shows the act just sent; ``?au=DAY``
  shows the stock sections as they were at the end of that day (Paris), without a script.
- ``GET /espace/sw.js``, ``/espace/manifest.webmanifest`` (public): the service worker
  (scope ``/espace/``) and the manifest that make the pages installable and readable
  offline.

A page asked for without a session leads to the sign-in page; a page the caller's roles do
not open answers a French page saying so.
"""

# ruff: noqa: RUF001 - French typography writes its apostrophe as U+2019.

from __future__ import annotations

import gzip
import json
from datetime import UTC, date, datetime
from typing import Annotated, Any

import anyio.to_thread
from litestar import Request, Response, get
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.handlers import HTTPRouteHandler
from litestar.params import QueryParameter
from litestar.response import Redirect
from markupsafe import Markup

from infra.api.access import SESSION_COOKIE, Caller, load_caller
from infra.api.dashboard_routes import DASHBOARD_DIRECTORY, SECURITY_HEADERS
from infra.api.errors import EXCEPTION_HANDLERS, ApiError
from infra.api.pages import french
from infra.api.pages.directory import Directory, directory_of
from infra.api.pages.html import PERSONAL_FIELDS_JSON, join, tag, text
from infra.api.pages.page import Page
from infra.api.pages.roles import PAGES, main_page, pages_for
from infra.api.pages.session import SESSION_ROUTES
from infra.api.pages.words import ROLE_WORDS
from infra.api.policy import POLICY
from infra.api.queries import wait_for
from infra.api.services import Services

HTML = "text/html"  # Litestar adds "; charset=utf-8" to text/* (never name it twice).
GZIP_LEVEL = 6  # zlib's default: nearly all of the gain, about 2 ms for a 160 KiB page.
GZIP_BYTES_MIN = 1_400  # Below one packet, compressing gains nothing.
NOTIFICATION_MAX = 2**62

Apres = Annotated[int | None, QueryParameter(
    name="apres", required=False, ge=0, le=NOTIFICATION_MAX,
    description="Wait until the views have applied this notification (read your writes)")]
Au = Annotated[date | None, QueryParameter(
    name="au", required=False, description="Show the stock as at the end of this day (Paris)")]


def layout(title: str, body: Markup, *, slug: str, caller: Caller | None,
           directory: Directory | None, position: int = 0) -> str:
    """The page frame: header, navigation, content, the list of acts, the footer."""
    nav: Any = ""
    who: Any = ""
    if caller is not None and directory is not None:
        items = [tag("li", tag("a", page_title, href=f"/espace/{page_slug}",
                               aria_current="page" if page_slug == slug else None))
                 for page_slug, page_title in pages_for(caller)]
        stock = POLICY.get("get_stock")
        if stock is not None and caller.scope_for(stock) is not None:
            items.append(tag("li", tag("a", "Stock et traçabilité", href="/dashboard")))
        nav = tag("nav", tag("ul", join(items)), class_="onglets", aria_label="Espaces")
        roles = ", ".join(ROLE_WORDS.get(role, role) for role in sorted(caller.roles))
        who = tag("p", join([tag("strong", directory.name(caller.member_id)), f" — {roles}"]),
                  class_="qui", id="qui")
    session = tag("div", join([
        tag("p", "En ligne", id="etat-reseau", class_="etat direct", role="status",
            aria_live="polite"),
        tag("form", tag("button", "Se déconnecter", type="submit"), id="deconnexion",
            method="post", action="/espace/deconnexion", hidden=caller is None),
    ]), class_="session")
    header = tag("header", join([tag("div", join([tag("h1", "Coopérative Cocagne"), who]),
                                     class_="titre"), session]), class_="bandeau")
    acts = tag("section", join([
        tag("h2", "Mes actes", id="titre-actes"),
        tag("p", "Chaque acte envoyé d’ici, ou gardé sur l’appareil hors connexion, en "
                 "attente, envoyé ou refusé.", class_="intro"),
        tag("ol", "", id="file-actes", class_="file-actes", aria_live="polite"),
    ]), id="actes", aria_labelledby="titre-actes",
        hidden=caller is None or "data-command=" not in body)
    without_script = tag("p", "Sans JavaScript, cette page se lit mais n’envoie aucun acte : "
                              "activez JavaScript pour agir.", class_="sans-js message",
                         hidden=True) if "data-command=" in body else ""
    main = tag("main", join([tag("h2", title, class_="titre-page"),
                             tag("p", "", id="message", class_="message", role="alert",
                                 hidden=True), without_script, body, acts]),
               id="contenu", tabindex="-1")
    footer = tag("footer", join([
        "Registre coopératif — les données viennent du journal d’événements. Page du ",
        tag("span", french.moment(datetime.now(tz=UTC)), id="date-page"), "."]),
        class_="pied")
    data = {"page": slug, "position": str(position),
            "membre": str(caller.member_id) if caller else "",
            "personnels": PERSONAL_FIELDS_JSON}
    body_attributes = " ".join(f'data-{key}="{text(value)}"' for key, value in data.items())
    return (
        '<!doctype html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{Markup.escape(title)} — Coopérative Cocagne</title>\n"
        '<link rel="manifest" href="/espace/manifest.webmanifest">\n'
        '<meta name="theme-color" content="#24502f">\n'
        '<link rel="icon" href="/dashboard/favicon.svg" type="image/svg+xml">\n'
        '<link rel="stylesheet" href="/dashboard/style.css">\n'
        '<link rel="stylesheet" href="/dashboard/espace.css">\n'
        '<noscript><link rel="stylesheet" href="/dashboard/sans-js.css"></noscript>\n'
        '<script src="/dashboard/espace.js" defer></script>\n'
        '<script src="/dashboard/espace-saisie.js" defer></script>\n'
        '<script src="/dashboard/espace-actes.js" defer></script>\n</head>\n'
        f"<body {body_attributes}>\n"
        '<a class="skip" href="#contenu">Aller au contenu</a>\n'
        f"{header}\n{nav}\n{main}\n{footer}\n</body>\n</html>\n")


def html_response(text: str, status_code: int = 200, *,
                  accept_encoding: str = "") -> Response[Any]:
    """An HTML page with the dashboard's security headers (pages are never cached by
    intermediaries: they hold a member's data; the service worker keeps its own copy),
    gzipped for a browser that accepts it: a platform's page shrinks about tenfold, which a
    phone on a warehouse's poor connection feels more than the server's millisecond."""
    headers = {**SECURITY_HEADERS, "Cache-Control": "no-store", "Vary": "Accept-Encoding"}
    body = text.encode()
    if "gzip" in accept_encoding.lower() and len(body) >= GZIP_BYTES_MIN:
        body = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type=HTML, status_code=status_code, headers=headers)


def render_page(services: Services, caller: Caller, slug: str, apres: int | None,
                au: date | None = None) -> str:
    """A role's page (runs in a worker thread: it reads views and streams)."""
    wait_for(services, apres, ["stock", "trace", "balances"])
    directory = directory_of(services)
    _, title, build = PAGES[slug]
    today = french.paris(datetime.now(tz=UTC)).date()
    page = Page(services=services, caller=caller, directory=directory, today=today,
                as_of_day=au if au is not None and au < today else None)
    body = build(page)
    position = int(services.ledger.recorder.max_notification_id() or 0)
    return layout(title, body, slug=slug, caller=caller, directory=directory,
                  position=position)


def page_route(slug: str) -> HTTPRouteHandler:
    """The GET route of one role's page."""
    name, title, _ = PAGES[slug]

    async def handle(request: Request[Any, Any, Any], apres: Apres = None,
                     au: Au = None) -> Response[str]:
        services: Services = request.app.state.services
        caller: Caller = request.state.caller
        text = await anyio.to_thread.run_sync(render_page, services, caller, slug, apres, au)
        return html_response(text, accept_encoding=request.headers.get("accept-encoding", ""))

    handle.__name__ = name
    handle.__qualname__ = name
    return get(f"/espace/{slug}", name=name, include_in_schema=False,
               summary=f"Work page: {title}",
               exception_handlers={NotAuthorizedException: _to_sign_in,
                                   ApiError: _refused_page})(handle)


def wants_html(request: Request[Any, Any, Any]) -> bool:
    """Whether the client is a browser asking for a page (else it gets the API's JSON)."""
    return "text/html" in request.headers.get("accept", "")


def _to_sign_in(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    if not wants_html(request):
        return EXCEPTION_HANDLERS[HTTPException](request, error)
    return Redirect(f"/espace?suite={request.url.path}")


def _refused_page(request: Request[Any, Any, Any], error: ApiError) -> Response[Any]:
    if not wants_html(request):
        return EXCEPTION_HANDLERS[ApiError](request, error)
    message = {"role_not_allowed": "Vos rôles n’ouvrent pas cette page.",
               "suspended": "Votre adhésion est suspendue.",
               "unavailable": "Les données ne sont pas encore à jour : rechargez la page."
               }.get(error.code, "Cette page ne peut pas s’afficher.")
    body = join([tag("p", message), tag("p", tag("a", "Retour à mon espace", href="/espace"))])
    return html_response(layout("Page refusée", body, slug="", caller=None, directory=None),
                         error.status_code)


def session_caller(request: Request[Any, Any, Any]) -> Caller | None:
    """The caller of the session cookie, if it is valid."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    services: Services = request.app.state.services
    try:
        return load_caller(services, token)
    except ApiError:
        return None


@get("/espace", name="pages_home", include_in_schema=False, sync_to_thread=True)
def pages_home(request: Request[Any, Any, Any]) -> Response[Any]:
    """The caller's main page, or the sign-in page."""
    caller = session_caller(request)
    if caller is not None:
        slug = main_page(caller)
        if slug is not None:
            return Redirect(f"/espace/{slug}")
    body = join([
        tag("p", "Ouvrez le lien de connexion que la coordination vous a donné, ou collez "
                 "votre jeton d’accès.", class_="intro"),
        tag("p", "Ce jeton n’est pas reconnu.", class_="message", role="alert")
        if request.query_params.get("refus") else "",
        tag("form", join([
            Markup('<input type="hidden" name="suite" value="{}">').format(
                request.query_params.get("suite", "")),
            tag("label", "Jeton d’accès", for_="jeton"),
            Markup('<input id="jeton" name="jeton" type="password" autocomplete="off" '
                   'spellcheck="false" placeholder="coc_…" required>'),
            tag("button", "Se connecter", type="submit"),
        ]), id="connexion", class_="filtres", method="post", action="/espace/connexion"),
    ])
    return html_response(layout("Connexion", body, slug="connexion", caller=None,
                                directory=None))


@get("/espace/controle/verification", name="page_verification", include_in_schema=False,
     exception_handlers={NotAuthorizedException: _to_sign_in, ApiError: _refused_page})
async def page_verification(request: Request[Any, Any, Any]) -> Response[str]:
    """Recompute the hash chain from the events and say whether the history is intact."""
    services: Services = request.app.state.services
    caller: Caller = request.state.caller
    text = await anyio.to_thread.run_sync(_verification, services, caller)
    return html_response(text)


def _verification(services: Services, caller: Caller) -> str:
    from infra.audit.chain_stores import open_chain_store  # noqa: PLC0415 - only this page needs it.
    from infra.audit.verify import verify  # noqa: PLC0415

    store = open_chain_store(services.location)
    try:
        report = verify(store)
    finally:
        store.close()
    if report.ok:
        verdict = (f"Historique intact : les {french.count(report.sealed_checked)} événements "
                   "enregistrés ont tous été vérifiés, chacun contre son maillon de la chaîne.")
    elif report.finding is not None and report.finding.problem == "unsealed":
        # Never called intact: nothing vouches for events without a link.
        verdict = (f"Vérification incomplète : {french.count(report.unsealed)} événements "
                   "n’ont pas de maillon dans la chaîne et n’ont donc pas pu être vérifiés "
                   f"({report.finding.describe()}).")
    else:
        verdict = "L’historique ne correspond plus à la chaîne : " + (
            report.finding.describe() if report.finding is not None else "voir le CLI")
    body = join([tag("p", verdict, id="verdict", data_ok="oui" if report.ok else "non"),
                 tag("p", tag("a", "Retour au contrôle", href="/espace/controle"))])
    return layout("Vérification de l’historique", body, slug="controle", caller=caller,
                  directory=directory_of(services))


@get("/espace/sw.js", name="pages_worker", include_in_schema=False, sync_to_thread=False)
def pages_worker() -> Response[bytes]:
    """The service worker, served from /espace/ so that its scope covers the pages."""
    data = (DASHBOARD_DIRECTORY / "espace-sw.js").read_bytes()
    return Response(data, media_type="text/javascript",
                    headers={**SECURITY_HEADERS, "Service-Worker-Allowed": "/espace/"})


MANIFEST = {
    "name": "Coopérative Cocagne — espace de travail",
    "short_name": "Cocagne",
    "lang": "fr",
    "start_url": "/espace",
    "scope": "/espace/",
    "display": "standalone",
    "background_color": "#fafaf7",
    "theme_color": "#24502f",
    "icons": [{"src": "/dashboard/favicon.svg", "sizes": "any", "type": "image/svg+xml"}],
}


@get("/espace/manifest.webmanifest", name="pages_manifest", include_in_schema=False,
     sync_to_thread=False)
def pages_manifest() -> Response[bytes]:
    """The web manifest (installable app)."""
    return Response(json.dumps(MANIFEST, ensure_ascii=False).encode(),
                    media_type="application/manifest+json", headers=SECURITY_HEADERS)


PAGE_ROUTES: list[HTTPRouteHandler] = [
    pages_home, pages_worker, pages_manifest, page_verification, *SESSION_ROUTES,
    *(page_route(slug) for slug in PAGES)]
