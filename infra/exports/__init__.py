"""Exports in the formats auditors, funders, food-safety authorities and donors use.

``history`` reads the traceability facts from the event store; ``epcis`` writes them as a
GS1 EPCIS 2.0 JSON-LD document; ``trace`` as the FSMA 204 sortable spreadsheet of one lot;
``register`` as the EU 178/2002 art. 18 one-step-back, one-step-forward register of one
member; ``funder`` computes a funder's report (with the organic and labelled share of the
food it co-financed) and ``funder_layout`` lays it out.

The reports of issue 13: ``casf`` (the CASF art. L266-2 traceability register of an
organisation), ``donations`` (a donor's yearly attestation), ``activity`` (a basket
programme's year) and ``recall_money`` (the money a recall puts at stake); ``facts`` adds
to the history what they need (lot values, donations, quality labels) and ``events`` reads
chosen kinds of events.

``tables`` writes CSV for French spreadsheets (UTF-8 with BOM, ``;``, one table) or XLSX
(print-ready); ``pdf`` writes A4 documents (ReportLab); ``output`` picks the format;
``french`` formats numbers and dates for people (Babel, Europe/Paris).
"""
