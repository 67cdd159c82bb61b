"""A lot's trace page, in French: what a phone shows after scanning the lot's label.

Where the lot came from (producers or donor, fields, certificates, the lots it was made
from), its date and kind, its state (held, recalled, past its date), where it went (lots
made from it, outlets served) and every movement. Plain HTML, readable on a phone and
printable; no script.
"""

from __future__ import annotations

import html
from datetime import date

from domain.dates import DATE_KIND_LABELS, DateKind, paris_day
from domain.lots import Lot
from infra.printing.french import day, kilograms, moment
from projections.trace_records import BackwardTrace, ForwardTrace, Movement

MOVEMENT_LABELS = {
    "offered": "proposé", "accepted": "accepté", "declined": "offre déclinée",
    "received": "réceptionné", "refused": "refusé à la réception", "donated": "don reçu",
    "derived": "créé", "split": "divisé", "merged": "fusionné", "transformed": "transformé",
    "sorted": "trié", "reserved": "réservé", "released": "réservation libérée",
    "dispatched": "expédié", "delivered": "livré", "lost": "perdu",
    "distributed": "distribué", "recalled": "rappelé", "held": "bloqué",
    "hold_released": "débloqué",
}
PROCESS_LABELS = {"harvest": "récolte", "donation": "don", "split": "division",
                  "merge": "fusion", "transform": "transformation", "sort": "tri"}
MOVEMENTS_SHOWN_MAX = 200  # A phone screen; the full list is in the exports.

_STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 1rem; max-width: 48rem;
  color: #111; line-height: 1.4; }
h1 { font-size: 1.4rem; margin-bottom: .2rem; } h2 { font-size: 1.1rem; margin-top: 1.4rem; }
.lot { font-family: "DejaVu Sans Mono", monospace; }
.etat { padding: .5rem .8rem; font-weight: bold; border-radius: .3rem; }
.rappel, .bloque { background: #b00020; color: #fff; }
.perime { background: #fde8ea; color: #8a0014; }
.bientot { background: #fff4d6; color: #6b4500; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { border-bottom: 1px solid #ccc; padding: .3rem; text-align: left; vertical-align: top; }
td.nombre { text-align: right; white-space: nowrap; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dt { font-weight: bold; }
@media print { body { margin: 0; } }
"""


def _state(lot: Lot, today: date) -> str:
    if lot.recalled:
        return '<p class="etat rappel">RAPPELÉ — ne pas distribuer, ne pas consommer</p>'
    if lot.on_hold is not None:
        return (f'<p class="etat bloque">BLOQUÉ depuis le {day(paris_day(lot.on_hold.since))}'
                f" — {html.escape(lot.on_hold.reason)}</p>")
    if lot.best_before < today:
        kind = DATE_KIND_LABELS[lot.date_kind]
        warning = ("ne plus distribuer" if lot.date_kind == DateKind.USE_BY
                   else "vérifier avant de distribuer")
        return (f'<p class="etat perime">Date dépassée ({kind} {day(lot.best_before)}) : '
                f"{warning}</p>")
    return ""


def _rows(cells: list[list[str]]) -> str:
    return "".join("<tr>" + "".join(cells_row) + "</tr>" for cells_row in cells)


def lot_page_html(lot: Lot, backward: BackwardTrace | None, forward: ForwardTrace | None,
                  movements: list[Movement], *, today: date) -> str:
    """The lot's trace page."""
    title = f"Lot {lot.code} — {lot.product}"
    origins = "".join(
        f"<tr><td class=\"lot\">{html.escape(origin.code)}</td>"
        f"<td>{PROCESS_LABELS.get(origin.process, origin.process)}</td>"
        f"<td>{html.escape(origin.producer_name)}</td><td>{html.escape(origin.origin)}</td>"
        f"<td>{html.escape(origin.organic_certificate) or 'non bio'}</td>"
        f"<td>{day(date.fromisoformat(origin.harvest_date)) if origin.harvest_date else ''}"
        f'</td><td class="nombre">{kilograms(origin.quantity_g)}</td></tr>'
        for origin in (backward.origins if backward else []))
    parents = "".join(
        f"<li><span class=\"lot\">{html.escape(edge.parent_code)}</span> → "
        f"<span class=\"lot\">{html.escape(edge.child_code)}</span> "
        f"({PROCESS_LABELS.get(edge.process, edge.process)}, {kilograms(edge.quantity_g)})</li>"
        for edge in (backward.edges if backward else []))
    made = "".join(
        f"<li><span class=\"lot\">{html.escape(child.code)}</span> — "
        f"{html.escape(child.product)} ({kilograms(child.quantity_g)})"
        f"{' — rappelé' if child.recalled else ''}</li>"
        for child in (forward.descendants if forward else []))
    served = "".join(
        f"<li>{html.escape(reach.party_name)} : {kilograms(reach.quantity_g)} "
        f"(<span class=\"lot\">{html.escape(reach.code)}</span>)</li>"
        for reach in (forward.deliveries if forward else []))
    moves = _rows([[f"<td>{moment(movement.occurred_at)}</td>",
                    f"<td>{MOVEMENT_LABELS.get(movement.kind, movement.kind)}</td>",
                    f'<td class="lot">{html.escape(movement.code)}</td>',
                    f'<td class="nombre">{kilograms(movement.quantity_g)}</td>',
                    f"<td>{html.escape(movement.holder_name or movement.site_name)}</td>",
                    f"<td>{html.escape(movement.reason)}</td>"]
                   for movement in movements[:MOVEMENTS_SHOWN_MAX]])
    return (
        f'<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
        f'<h1>{html.escape(lot.product[:1].upper() + lot.product[1:])} '
        f'<span class="lot">{html.escape(lot.code)}</span></h1>'
        f"{_state(lot, today)}"
        f"<dl><dt>Date</dt><dd>{DATE_KIND_LABELS[lot.date_kind]} : {day(lot.best_before)}"
        f"</dd><dt>Variété</dt><dd>{html.escape(lot.variety) or '—'}</dd>"
        f"<dt>Certificat bio</dt><dd>{html.escape(lot.organic_certificate) or 'non bio'}</dd>"
        f"<dt>En stock</dt><dd>{kilograms(lot.on_hand_g)}</dd></dl>"
        f"<h2>Origine</h2><table><thead><tr><th>Lot</th><th>Entrée</th><th>Producteur ou "
        f"donateur</th><th>Parcelle</th><th>Bio</th><th>Récolte</th><th>Quantité</th></tr>"
        f"</thead><tbody>{origins}</tbody></table>"
        + (f"<h2>Fait à partir de</h2><ul>{parents}</ul>" if parents else "")
        + (f"<h2>Lots faits à partir de ce lot</h2><ul>{made}</ul>" if made else "")
        + (f"<h2>Structures servies</h2><ul>{served}</ul>" if served else "")
        + f"<h2>Mouvements</h2><table><thead><tr><th>Quand</th><th>Quoi</th><th>Lot</th>"
        f"<th>Quantité</th><th>Qui</th><th>Motif</th></tr></thead><tbody>{moves}</tbody>"
        f"</table></body></html>")
