"""Links to the reports of docs/reports.md on the pages of the roles that may take them:
the CASF traceability register (PDF, XLSX), donors' yearly attestations (PDF), a basket
programme's (or the network's) activity (PDF), the funder report (PDF, XLSX, CSV).

Each link is shown only where the policy table lets the caller take it, and only for what
the route would answer: a platform or an outlet its own register; a donor its own
attestation, a platform those of the donations it received; a garden or a collection point
the activity of its own programmes; the coordinator, the auditor (and, for the activity,
funders) everyone's.
"""



from __future__ import annotations

from datetime import date
from uuid import UUID

from markupsafe import Markup

from infra.api.pages.html import details, join, short_link, tag
from infra.api.pages.page import Page
from infra.api.policy import POLICY, Scope

Link = tuple[str, str]
"""A download's label and address."""


def _scope(page: Page, name: str) -> Scope | None:
    access = POLICY.get(name)
    return None if access is None else page.caller.scope_for(access)


def casf(member_id: UUID | str, start: date, end: date, fmt: str) -> str:
    """The CASF register of an organisation over a period."""
    return (f"/api/exports/casf-register/{member_id}?from={start.isoformat()}"
            f"&to={end.isoformat()}&format={fmt}")


def attestation(donor_id: UUID | str, year: int) -> str:
    """A donor's attestation of a year (PDF)."""
    return f"/api/exports/donation-attestation/{donor_id}?year={year}&format=pdf"


def activity(year: int, programme_id: UUID | str | None = None) -> str:
    """A programme's (or the network's) activity of a year (PDF)."""
    programme = f"&programme={programme_id}" if programme_id is not None else ""
    return f"/api/exports/activity?year={year}{programme}&format=pdf"


def own_report_links(page: Page, start: date, end: date) -> list[Link]:
    """The reports about the caller itself, for the « Télécharger » list."""
    me = page.caller.member_id
    links: list[Link] = []
    if _scope(page, "export_casf_register") == Scope.OWN:
        links += [(f"Mon registre de traçabilité (CASF) — {fmt.upper()}",
                   casf(me, start, end, fmt)) for fmt in ("pdf", "xlsx")]
    year = start.year
    donations = list(page.directory.donations.values())
    if _scope(page, "export_donation_attestation") == Scope.OWN:
        if any(entry.donor_id == me and not entry.cancelled for entry in donations):
            links.append((f"Mon attestation de dons {year} (PDF)", attestation(me, year)))
        donors = sorted({entry.donor_id for entry in donations
                         if entry.organisation_id == me and not entry.cancelled},
                        key=page.name)
        links += [(f"Attestation de dons {year} — {page.name(donor)} (PDF)",
                   attestation(donor, year)) for donor in donors]
    if _scope(page, "export_activity") == Scope.OWN:
        links += [(f"Activité {year} du programme {entry.name} (PDF)",
                   activity(year, entry.programme_id))
                  for entry in list(page.directory.programmes.values())
                  if me == entry.producer_id or me in entry.collection_point_ids]
    elif _scope(page, "export_activity") == Scope.ALL:
        links.append((f"Activité {year} des paniers de tout le réseau (PDF)", activity(year)))
    return links


def everyone_reports(page: Page, start: date, end: date) -> Markup:
    """Folded lists of everyone's reports, for the coordinator and the auditor."""
    year = start.year
    parts: list[Markup] = []
    if _scope(page, "export_casf_register") == Scope.ALL:
        parts.append(_folded("Registres de traçabilité (CASF) des organismes", [
            (name, [("PDF", casf(member_id, start, end, "pdf")),
                    ("XLSX", casf(member_id, start, end, "xlsx"))])
            for member_id, name in page.directory.members_of_kind("platform", "outlet")]))
    if _scope(page, "export_donation_attestation") == Scope.ALL:
        donors = sorted({entry.donor_id for entry in list(page.directory.donations.values())
                         if not entry.cancelled}, key=page.name)
        parts.append(_folded(f"Attestations de dons {year}", [
            (page.name(donor), [("PDF", attestation(donor, year))]) for donor in donors]))
    if _scope(page, "export_activity") == Scope.ALL:
        parts.append(_folded(f"Activité {year} de chaque programme de paniers", [
            (entry.name, [("PDF", activity(year, entry.programme_id))])
            for entry in list(page.directory.programmes.values())]))
    return join(parts)


def _folded(summary: str, rows: list[tuple[str, list[Link]]]) -> Markup:
    """A folded list: one line per member, its formats as links."""
    if not rows:
        return Markup("")
    items = []
    for name, links in rows:
        anchors: list[Markup | str] = [name, " : "]
        for index, (label, href) in enumerate(links):
            if index:
                anchors.append(" · ")
            anchors.append(short_link(label, f"{summary}, {name}", href, download=True))
        items.append(tag("li", join(anchors)))
    return details(summary, tag("ul", join(items)))
