"""The what-if section of a proposal's page, rendered by the server in French.

``simulation_section(simulation)`` gives a self-contained HTML fragment (``markupsafe.Markup``)
that a page includes as is: a heading, the weeks replayed, a small SVG chart of the
differences (one bar per party, to the right when the proposal gives more, to the left when
it gives less), a table per measure with what happened, the rules in force replayed, the
proposal and the difference, the consistency check and the notes. Every value from the ledger
is escaped; there is no script and no inline style (the pages' Content-Security-Policy allows
neither): colours are SVG attributes, layout is left to the page's stylesheet through the
classes ``simulation``, ``graphique-ecarts``, ``ecart-plus``, ``ecart-moins``, ``controle``.

The same fragment is served at ``GET /api/proposals/{id}/simulation.html`` for pages that
fetch it.
"""

# ruff: noqa: RUF001 - French typography writes its apostrophe as U+2019.

from __future__ import annotations

from uuid import UUID

from markupsafe import Markup, escape

from domain.whatif import Section, Simulation
from infra import decision_words as words
from infra.api.whatif_kept import KeptSections
from infra.reader import StreamReader
from infra.whatif import read_topics, simulate_proposal

WIDTH = 340  # The pages' charts fit a 390 px phone screen with margins.
BAR_HEIGHT = 16
LABEL_WIDTH = 120
ROWS_CHARTED_MAX = 24  # More bars than this cannot be read on a phone: the table has them all.
LABEL_LENGTH_MAX = 18  # Characters of a name beside a bar (the table has the full name).
CACHE_ENTRIES_MAX = 64  # Proposals shown on a governance page: twenty at most, per store.
PLUS_COLOUR = "#24502f"
MINUS_COLOUR = "#8b1111"


def _charted_section(simulation: Simulation) -> Section | None:
    """The section the chart shows: the first one where the proposal changes something."""
    for section in simulation.sections:
        if any(row.difference for row in section.rows):
            return section
    return simulation.sections[0] if simulation.sections else None


def chart(simulation: Simulation, chart_id: str) -> Markup:
    """An SVG bar chart of the differences of one measure."""
    section = _charted_section(simulation)
    if section is None or not section.rows:
        return Markup("")
    rows = section.rows[:ROWS_CHARTED_MAX]
    largest = max(abs(row.difference) for row in rows) or 1
    half = (WIDTH - LABEL_WIDTH) / 2
    middle = LABEL_WIDTH + half
    height = BAR_HEIGHT * len(rows) + 8
    parts = [f'<line x1="{middle:.1f}" y1="0" x2="{middle:.1f}" y2="{height}" '
             'stroke="#555" stroke-width="1"/>']
    for index, row in enumerate(rows):
        y = 4 + index * BAR_HEIGHT
        length = abs(row.difference) * (half - 4) / largest
        x = middle if row.difference >= 0 else middle - length
        colour = PLUS_COLOUR if row.difference >= 0 else MINUS_COLOUR
        kind = "ecart-plus" if row.difference >= 0 else "ecart-moins"
        label = row.label if len(row.label) <= LABEL_LENGTH_MAX else (
            row.label[:LABEL_LENGTH_MAX - 1] + "…")
        parts.append(
            f'<text x="{LABEL_WIDTH - 4}" y="{y + BAR_HEIGHT - 5}" text-anchor="end" '
            f'font-size="11">{escape(label)}</text>'
            f'<rect class="{kind}" x="{x:.1f}" y="{y + 2}" width="{max(length, 0.5):.1f}" '
            f'height="{BAR_HEIGHT - 4}" fill="{colour}">'
            f'<title>{escape(row.label)} : '
            f'{escape(words.figure(section.unit, row.difference, signed=True))}</title></rect>')
    title = (f"Écarts avec la proposition — {words.MEASURES[section.measure]} : à droite ce "
             "qu’elle donne de plus, à gauche de moins")
    svg = Markup(  # noqa: S704 - every value above is escaped or a number.
        f'<svg viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-labelledby="{escape(chart_id)}-titre" class="ecarts">'
        f'<title id="{escape(chart_id)}-titre">{escape(title)}</title>{"".join(parts)}</svg>')
    return Markup('<figure class="graphique-ecarts">{}<figcaption>{}</figcaption>'
                  "</figure>").format(svg, title)


def _table(section: Section, table_id: str) -> Markup:
    head = Markup("").join(Markup('<th scope="col">{}</th>').format(column)
                           for column in ("", *words.COLUMNS))
    body = []
    for row in section.rows:
        cells = [Markup('<th scope="row">{}</th>').format(row.label)]
        for value, signed in ((row.actual, False), (row.replayed, False), (row.proposed, False),
                              (row.difference, True)):
            cells.append(Markup('<td class="nombre" data-valeur="{}">{}</td>').format(
                value, words.figure(section.unit, value, signed=signed)))
        kind = "ecart-plus" if row.difference > 0 else (
            "ecart-moins" if row.difference < 0 else "sans-ecart")
        body.append(Markup('<tr class="{}">{}</tr>').format(kind, Markup("").join(cells)))
    totals = [Markup('<th scope="row">Total</th>')] + [
        Markup('<td class="nombre" data-valeur="{}">{}</td>').format(
            value, words.figure(section.unit, value, signed=signed))
        for value, signed in ((section.actual_total, False), (section.replayed_total, False),
                              (section.proposed_total, False), (section.difference_total, True))]
    caption = words.MEASURES[section.measure]
    # A region a keyboard can reach: on a phone the table scrolls sideways (as the pages'
    # own tables do, infra.api.pages.html.table).
    return Markup(
        '<div class="defilement" role="region" aria-label="{}" tabindex="0">'
        '<table id="{}" class="simulation-table"><caption>{}</caption>'
        "<thead><tr>{}</tr></thead><tbody>{}</tbody><tfoot><tr>{}</tr></tfoot></table></div>"
    ).format(caption, table_id, caption, head, Markup("").join(body), Markup("").join(totals))


def simulation_section(simulation: Simulation) -> Markup:
    """The proposal page's "what if" section."""
    base_id = f"simulation-{simulation.proposal_id or 'regle'}"
    if simulation.acts == 0:
        return Markup(
            '<section class="simulation" id="{}" data-coherent="oui">'
            "<h3>Et si cette règle avait été en vigueur ?</h3><p>{} — {} : rien à rejouer, "
            "la coopérative n’a rien enregistré que cette règle aurait changé.</p></section>"
        ).format(base_id, words.KINDS[simulation.kind], words.window(simulation))
    tables = Markup("").join(_table(section, f"{base_id}-{section.measure}")
                             for section in simulation.sections)
    notes = Markup("").join(Markup("<li>{}</li>").format(note)
                            for note in words.notes(simulation))
    return Markup(
        '<section class="simulation" id="{}" data-coherent="{}">'
        "<h3>Et si cette règle avait été en vigueur ?</h3>"
        "<p>{} — {} ; {}. Les chiffres rejouent ce que la coopérative a vraiment enregistré ; "
        "rien n’est écrit.</p>{}{}"
        '<p class="controle">{}</p>{}</section>'
    ).format(base_id, "oui" if simulation.consistent else "non",
             words.KINDS[simulation.kind], words.window(simulation), words.acts(simulation),
             chart(simulation, f"{base_id}-graphique"), tables,
             words.consistency(simulation),
             Markup('<ul class="notes">{}</ul>').format(notes) if notes else Markup(""))


def _computed(reader: StreamReader, proposal_id: UUID) -> tuple[Markup, tuple[str, ...]]:
    """A proposal's section and the topics its simulation read."""
    simulation = simulate_proposal(reader, proposal_id)
    return simulation_section(simulation), read_topics(simulation.kind)


kept_sections = KeptSections(_computed, CACHE_ENTRIES_MAX)
"""The governance page's what-if sections, kept until the store records an event they read
(``infra.api.whatif_kept``)."""


def proposal_section(reader: StreamReader, proposal_id: UUID, *, open_vote: bool) -> Markup:
    """The section of one proposal on the governance page, folded away once the vote closed.

    Kept per proposal until the store records an event its simulation reads: reloading a
    page after any other act (a reception, a vote) costs a lookup and one select by
    notification id; an act the simulation reads replays it afresh (a fraction of a
    second, ``bench.whatif``).
    """
    cached = kept_sections.section(reader, proposal_id)
    summary = ("Et si cette règle avait été en vigueur ? Ce qu’elle aurait donné ces dernières "
               "semaines")
    return Markup('<details class="simulation-details"{}><summary>{}</summary>{}</details>'
                  ).format(Markup(" open") if open_vote else Markup(""), summary, cached)
