"""The ``cocagne`` command line: ``main.py`` builds the parser from one module per area
(``demo``, ``views``, ``governance``, ``broker``, ``audit``, ``server``); ``support.py`` holds
what they share (store arguments, time parsing, tables)."""
