"""Why an export cannot be made, kept as an English template and its fields so that each
reader's language can say it (the command line's catalogue, ``infra/cli/catalogue``)."""

from __future__ import annotations


class HistoryError(ValueError):
    """The export cannot be made (unknown lot, unknown member, a period that ends before it
    starts…).

    ``template`` is a ``str.format`` text in English and ``fields`` fill it; ``str()`` of
    the error is the English message. A ``ValueError``, as the checks it replaced were.
    """

    def __init__(self, template: str, /, **fields: object) -> None:
        super().__init__(template.format(**fields))
        self.template = template
        self.fields = fields
