"""The command line's French texts, one module per area; ``infra.cli.words`` joins them.

A text lives in the module named after the ``infra/cli`` module that says it (``decisions``
with ``governance``, the relay's help with ``broker``); a text several modules say, in
``general``.
"""
