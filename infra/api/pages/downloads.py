"""The « Télécharger » section: the exports the caller may take (CSV, XLSX, EPCIS)."""

from __future__ import annotations

from datetime import date
from typing import Any

from markupsafe import Markup

from infra.api.pages import french
from infra.api.pages.html import details, join, section, tag
from infra.api.pages.page import Page


def downloads(page: Page) -> Markup:
    """Download buttons for the exports the caller may take (CSV, XLSX, EPCIS JSON-LD)."""
    me = page.caller.member_id
    start = date(page.today.year, 1, 1)
    if page.today.month <= 3:  # Early in a year, last year's activity is what one reports.
        start = date(page.today.year - 1, 1, 1)
    period = f"from={start.isoformat()}&to={page.today.isoformat()}"
    links: list[tuple[str, str]] = []
    if page.may("export_register"):
        for fmt in ("xlsx", "csv"):
            links.append((f"Mon registre (une étape avant, une étape après) — {fmt.upper()}",
                          f"/api/exports/register/{me}?{period}&format={fmt}"))
    if page.may("export_funder_report") and page.caller.kind == "funder":
        for fmt in ("xlsx", "csv"):
            links.append((f"Mon rapport de financeur — {fmt.upper()}",
                          f"/api/exports/funder-report/{me}?{period}&format={fmt}"))
    if page.may("export_epcis"):
        links.append(("Événements de traçabilité EPCIS 2.0 (JSON-LD)",
                      f"/api/exports/epcis?{period}"))
    if page.may("export_history"):
        # Verified alone: cocagne verify --file FICHIER --public-key CLE (see docs/audit.md).
        links.append(("Historique vérifiable, avec sa chaîne et son point de contrôle signé "
                      "(JSON Lines)", "/api/history/export"))
        if page.services.extras.get("checkpoint_key") is not None:
            links.append(("Clé publique des points de contrôle (PEM)",
                          "/api/checkpoints/public-key"))
    if not links and not page.may("export_trace"):
        return Markup("")
    items = [tag("li", tag("a", label, href=href, download=True, class_="bouton"))
             for label, href in links]
    trace_form: Any = ""
    if page.may("export_trace"):
        trace_form = tag("form", join([
            tag("label", "Code du lot", for_="export-lot"),
            Markup('<input id="export-lot" name="lot" required autocomplete="off" '
                   'placeholder="L260105-…">'),
            tag("label", "Format", for_="export-format"),
            tag("select", join([tag("option", "XLSX", value="xlsx"),
                                tag("option", "CSV", value="csv")]),
                id="export-format", name="format"),
            tag("button", "Télécharger la fiche de rappel du lot", type="submit"),
        ]), class_="export-lot filtres", method="get", action="/espace/fiche-de-rappel")
    funder_forms: Any = ""
    if page.may("export_funder_report") and page.caller.kind != "funder":
        funders = page.directory.members_of_kind("funder")
        funder_forms = details("Rapports des financeurs", tag("ul", join(
            tag("li", join([escape_text(name), " : ",
                            tag("a", "XLSX", href=f"/api/exports/funder-report/{funder_id}?"
                                                  f"{period}&format=xlsx", download=True),
                            " · ",
                            tag("a", "CSV", href=f"/api/exports/funder-report/{funder_id}?"
                                                 f"{period}&format=csv", download=True)]))
            for funder_id, name in funders)))
    return section("telechargements", "Télécharger",
                   tag("p", f"Période : du {french.day(start)} au {french.day(page.today)}."),
                   tag("ul", join(items), class_="telechargements"), trace_form, funder_forms)


def escape_text(text: str) -> Markup:
    """Plain text as HTML."""
    return join([text])
