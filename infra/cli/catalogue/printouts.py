"""French texts of the printouts (``infra/cli/printouts.py``): pick lists, lot labels."""

from __future__ import annotations

FRENCH: dict[str, str] = {
    'where to write (default {stem}.pdf, or .html)':
        'où écrire (par défaut {stem}.pdf, ou .html)',
    'a printable page rather than a PDF':
        "une page imprimable plutôt qu'un PDF",
    'give --site or --lot':
        'donnez --site ou --lot',
    "a planned delivery's pick list (PDF or HTML)":
        "la liste de préparation d'une livraison planifiée (PDF ou HTML)",
    'Per stop, the lots to pick first expired first out, with quantities; held, recalled and '
    'expired lots set apart with what could replace them.':
        'Par arrêt, les lots à prélever, premier périmé premier sorti, avec les quantités ; les '
        'lots bloqués, rappelés ou périmés mis à part, avec ce qui pourrait les remplacer.',
    'lot labels, eight per A4 sheet (PDF or HTML)':
        'étiquettes de lots, huit par feuille A4 (PDF ou HTML)',
    'Product, lot code, date and its kind, producer, organic certificate and a QR code leading '
    "to the lot's trace page.":
        'Produit, code du lot, date et sa nature, producteur, certificat bio et un QR code '
        'menant à la page de traçabilité du lot.',
    'DELIVERY_ID':
        'ID_LIVRAISON',
    'every lot in stock at this site (id or name)':
        'chaque lot en stock sur ce site (id ou nom)',
    'a lot code or id (repeatable)':
        'un code ou un id de lot (répétable)',
    'the server the QR codes lead to (default {url})':
        'le serveur auquel mènent les QR codes (par défaut {url})',
    '{file}: {size} bytes':
        '{file} : {size} octets',
    '{file}: {size} characters':
        '{file} : {size} caractères',
}
