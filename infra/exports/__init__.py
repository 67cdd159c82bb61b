"""Exports in the formats auditors, funders and food-safety authorities already use.

``history`` reads the traceability facts from the event store; ``epcis`` writes them as a
GS1 EPCIS 2.0 JSON-LD document; ``trace`` as the FSMA 204 sortable spreadsheet of one lot;
``register`` as the EU 178/2002 art. 18 one-step-back, one-step-forward register of one
member; ``funder`` as a funder's report. ``tables`` writes any of them as CSV for French
spreadsheets (UTF-8 with BOM, ``;``) or as XLSX.
"""
