"""What the work pages do without JavaScript: sign in and out by a plain form, and take a
lot's recall sheet by its code.

- ``POST /espace/connexion`` (public): the pasted token, as a form field; sets the same
  HttpOnly session cookie as ``POST /api/session`` and leads to the caller's main page (or
  back to the sign-in page with a French sentence). A post from another site is refused.
- ``POST /espace/deconnexion`` (public): clears the cookie (it reveals and changes nothing
  else) and leads to the sign-in page.
- ``GET /espace/fiche-de-rappel?lot=CODE&format=xlsx``: leads to
  ``/api/exports/trace/CODE``, so that the download form needs no script; the policy entry
  is the export's.
"""



from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.params import Body, QueryParameter
from litestar.response import Redirect

from infra.api.access import SESSION_COOKIE, load_caller
from infra.api.errors import ApiError
from infra.api.pages.roles import main_page
from infra.api.queries import SESSION_MAX_AGE_S
from infra.api.services import Services

TOKEN_LENGTH_MAX = 200  # Tokens are ``coc_`` and 43 characters; a longer paste is a mistake.
LOT_CODE_LENGTH_MAX = 64

SignInForm = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


def same_site(request: Request[Any, Any, Any]) -> bool:
    """Whether a form post comes from this site.

    Browsers send ``Sec-Fetch-Site`` (``same-origin`` from our own form); under the pages'
    ``Referrer-Policy: no-referrer`` their ``Origin`` is ``null``, so it is only compared
    when it names a site. A client sending neither is not a browser another site drives.
    """
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site in {"same-origin", "none"}
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return True
    return urlsplit(origin).netloc == request.headers.get("host", "")


@post("/espace/connexion", name="pages_sign_in", include_in_schema=False,
      sync_to_thread=True, status_code=303)
def pages_sign_in(request: Request[Any, Any, Any], data: SignInForm) -> Response[Any]:
    """Sign in with a pasted token, without JavaScript."""
    token = str(data.get("jeton", "")).strip()[:TOKEN_LENGTH_MAX]
    services: Services = request.app.state.services
    caller = None
    if token and same_site(request):
        try:
            caller = load_caller(services, token)
        except ApiError:
            caller = None  # Suspended or erased: the sign-in page says the token is refused.
    slug = main_page(caller) if caller is not None else None
    if caller is None or slug is None:
        return Redirect("/espace?refus=1", status_code=303)
    suite = str(data.get("suite", ""))
    target = suite if suite.startswith("/espace/") and "//" not in suite else f"/espace/{slug}"
    cookie = Cookie(key=SESSION_COOKIE, value=token, path="/", httponly=True,
                    samesite="strict", secure=request.url.scheme == "https",
                    max_age=SESSION_MAX_AGE_S)
    return Redirect(target, status_code=303, cookies=[cookie])


@post("/espace/deconnexion", name="pages_sign_out", include_in_schema=False,
      sync_to_thread=False, status_code=303)
def pages_sign_out() -> Response[Any]:
    """Clear the session cookie, without JavaScript."""
    return Redirect("/espace", status_code=303, cookies=[
        Cookie(key=SESSION_COOKIE, value="", path="/", max_age=0, httponly=True,
               samesite="strict")])


@get("/espace/fiche-de-rappel", name="page_recall_sheet", include_in_schema=False,
     sync_to_thread=False)
def page_recall_sheet(
        lot: Annotated[str, QueryParameter(min_length=1, max_length=LOT_CODE_LENGTH_MAX)],
        format: Annotated[str, QueryParameter(pattern="^(xlsx|csv)$")] = "xlsx",
) -> Response[Any]:
    """The recall sheet of a lot, by its code (the export's own route answers)."""
    return Redirect(f"/api/exports/trace/{quote(lot.strip(), safe='')}?format={format}")


SESSION_ROUTES = [pages_sign_in, pages_sign_out, page_recall_sheet]
