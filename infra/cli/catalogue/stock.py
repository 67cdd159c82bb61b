"""French texts of the stock command's states: holds, dates, what is on the road."""

from __future__ import annotations

FRENCH: dict[str, str] = {
    'delivery':
        'livraison',
    'stock per site, product and lot, with its states':
        'stock par site, produit et lot, avec ses états',
    'Stock per site, product and lot: on hand, reserved, available, on the road (per delivery: '
    'from where, to whom, since when), on hold, recalled, expired and expiring soon, measured on '
    'the as-of day (today in Paris when live); totals per site and product; with --outlets, what '
    'each outlet holds at that moment.':
        'Stock par site, produit et lot : présent, réservé, disponible, en route (par livraison '
        ": d'où, vers qui, depuis quand), bloqué, rappelé, périmé et à écouler, mesurés au jour "
        "demandé (aujourd'hui à Paris en direct) ; totaux par site et produit ; avec --outlets, "
        'ce que détient chaque structure à ce moment.',
    'stock at a past moment (ISO date-time, or a date: the end of that day in Paris)':
        'le stock à un moment passé (date-heure ISO, ou une date : la fin de ce jour-là à Paris)',
    'JSON output: lines, totals, in_transit and outlet_holdings':
        'sortie JSON : lines, totals, in_transit et outlet_holdings',
    'ON HOLD ({reason})':
        'BLOQUÉ ({reason})',
    'BULK TO SORT':
        'VRAC À TRIER',
    'not to be distributed (date)':
        'à ne plus distribuer (date)',
    'from':
        'depuis',
    'to':
        'vers',
    'left on':
        'parti le',
    'on the road':
        'en route',
    'date':
        'date',
    'states':
        'états',
    'on hold':
        'bloqué',
    'expired':
        'périmé',
    '{kind} PASSED':
        '{kind} DÉPASSÉE',
    '{kind} passed {days} days ago':
        '{kind} dépassée de {days} j',
    'ON HOLD':
        'BLOQUÉ',
    'past its date':
        'date dépassée',
}
