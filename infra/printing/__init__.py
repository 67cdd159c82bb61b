"""Printouts: lot labels and pick lists, as HTML (with a print stylesheet) and PDF.

Renderers take plain structs (``LabelData``, ``PickListData``) built by the service layer
from the ledger and its views, so they are tested without a store. French everywhere:
``1 234,5 kg``, ``07/12/2026``. PDFs are drawn with ReportLab's standard fonts (their
WinAnsi encoding covers French: é, œ, €, « »); QR codes come from segno, drawn as vector
squares so they scan at any print resolution.
"""
