"""The « Télécharger » section: the exports and reports the caller may take (registers,
funder reports, CASF registers, donation attestations, programme activity, EPCIS, the
verifiable history, a lot's recall sheet)."""



from __future__ import annotations

from datetime import date
from typing import Any

from markupsafe import Markup

from infra.api.pages import french
from infra.api.pages.html import details, join, section, short_link, tag
from infra.api.pages.page import Page
from infra.api.pages.report_links import Link, everyone_reports, own_report_links

FUNDER_FORMATS = ("pdf", "xlsx", "csv")


def period_of(page: Page) -> tuple[date, date]:
    """The period the downloads cover: this year so far (early in a year, last year's
    activity is what one reports, so the period starts on last year's first day)."""
    start = date(page.today.year, 1, 1)
    if page.today.month <= 3:
        start = date(page.today.year - 1, 1, 1)
    return start, page.today


def _export_links(page: Page, start: date, end: date) -> list[Link]:
    """The caller's own register and funder report, EPCIS, the verifiable history."""
    me = page.caller.member_id
    period = f"from={start.isoformat()}&to={end.isoformat()}"
    links: list[Link] = []
    if page.may("export_register"):
        for fmt in ("xlsx", "csv"):
            links.append((f"Mon registre (une étape avant, une étape après) — {fmt.upper()}",
                          f"/api/exports/register/{me}?{period}&format={fmt}"))
    if page.may("export_funder_report") and page.caller.kind == "funder":
        for fmt in FUNDER_FORMATS:
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
    return links


def _trace_form(page: Page) -> Markup:
    """A lot's recall sheet by its code (works without a script)."""
    if not page.may("export_trace"):
        return Markup("")
    return tag("form", join([
        tag("label", "Code du lot", for_="export-lot"),
        Markup('<input id="export-lot" name="lot" required autocomplete="off" '
               'placeholder="L260105-…">'),
        tag("label", "Format", for_="export-format"),
        tag("select", join([tag("option", "XLSX", value="xlsx"),
                            tag("option", "CSV", value="csv")]),
            id="export-format", name="format"),
        tag("button", "Télécharger la fiche de rappel du lot", type="submit"),
    ]), class_="export-lot filtres", method="get", action="/espace/fiche-de-rappel")


def _funder_reports(page: Page, start: date, end: date) -> Markup:
    """Every funder's report, for those who may read them all."""
    if not page.may("export_funder_report") or page.caller.kind == "funder":
        return Markup("")
    period = f"from={start.isoformat()}&to={end.isoformat()}"
    items = []
    for funder_id, name in page.directory.members_of_kind("funder"):
        anchors: list[Any] = [name, " : "]
        for index, fmt in enumerate(FUNDER_FORMATS):
            if index:
                anchors.append(" · ")
            anchors.append(short_link(fmt.upper(), f"rapport de {name}",
                                      f"/api/exports/funder-report/{funder_id}?{period}"
                                      f"&format={fmt}", download=True))
        items.append(tag("li", join(anchors)))
    return details("Rapports des financeurs", tag("ul", join(items)))


def downloads(page: Page) -> Markup:
    """Download buttons for the exports and reports the caller may take (kept until the
    store moves: the coordinator's and the auditor's list everyone's reports)."""
    return page.kept(("telechargements", page.caller), lambda: _downloads(page))


def _downloads(page: Page) -> Markup:
    start, end = period_of(page)
    links = _export_links(page, start, end) + own_report_links(page, start, end)
    trace_form = _trace_form(page)
    folded = join([_funder_reports(page, start, end), everyone_reports(page, start, end)])
    if not links and not trace_form and not folded:
        return Markup("")
    items = [tag("li", tag("a", label, href=href, download=True, class_="bouton"))
             for label, href in links]
    return section("telechargements", "Télécharger",
                   tag("p", f"Période : du {french.day(start)} au {french.day(end)}."),
                   tag("ul", join(items), class_="telechargements"), trace_form, folded)
