"""What the ``cocagne`` command says, in French by default or in English.

The language is chosen once per run by ``use_language``: ``--lang fr|en`` when given, else
the first of ``LC_ALL``, ``LC_MESSAGES`` and ``LANG`` that is set (POSIX's order): English
when it names an English locale (``en_GB.UTF-8``), French otherwise (``fr_FR.UTF-8``, but
also ``C.UTF-8`` or an unset locale: the cooperative's operators read French). Numbers,
money and dates follow that locale's conventions through ``infra.formats`` (Babel).

Messages are written in English in the code, as ``t("no lot has the code {lot}", lot=...)``,
and ``FRENCH`` below gives each its French text (gettext's convention without the ``.mo``
build step: the English text is the message id), joined from one module per area in
``infra.cli.catalogue``; the vocabulary of ``term`` is in ``infra.cli.catalogue.terms``.
``tests/unit/test_cli_words.py`` checks that every ``t("...")`` in ``infra/cli`` has its
French entry with the same placeholders.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Literal

from infra import formats
from infra.cli.catalogue import (
    audit,
    broker,
    demo,
    general,
    governance,
    printouts,
    reports,
    server,
    views,
)
from infra.cli.catalogue.terms import ENGLISH_TERMS, TERMS

Language = Literal["fr", "en"]
LANGUAGES: tuple[Language, ...] = ("fr", "en")
DEFAULT_LANGUAGE: Language = "fr"
FLAGS = ("--log-json", "-h", "--help")
"""Global options that take no value (the others, ``--lang`` and ``--log-level``, take one)."""
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")
"""Where the language comes from when ``--lang`` is not given, first set wins (POSIX)."""
DEFAULT_LOCALES: dict[Language, str] = {"fr": formats.FRENCH, "en": formats.ENGLISH}


class _Choice:
    """The language and formatting locale of this run."""

    language: Language = DEFAULT_LANGUAGE
    locale: str = formats.FRENCH


_chosen = _Choice()


def environment_locale(environ: Mapping[str, str] | None = None) -> str:
    """The POSIX locale name the environment asks for (``""`` when none is set)."""
    environ = os.environ if environ is None else environ
    for name in LOCALE_VARIABLES:
        value = environ.get(name, "")
        if value:
            return value
    return ""


def language_of(locale_name: str) -> Language:
    """English for an English locale name, French for anything else."""
    return "en" if locale_name.lower().startswith("en") else DEFAULT_LANGUAGE


def requested_language(argv: Sequence[str]) -> Language | None:
    """The language a ``--lang fr|en`` (or ``--lang=en``) before the subcommand asks for.

    The parser is built in the run's language, so this reads ``argv`` before it: the global
    options up to the first word that is not one (a ``--lang`` after the subcommand is that
    subcommand's own, e.g. the exports' header language).
    """
    index = 0
    # Each step consumes one or two words: argv's length bounds the loop.
    while index < len(argv) and argv[index].startswith("-"):
        argument = argv[index]
        value = argument.partition("=")[2] if "=" in argument else (
            argv[index + 1] if index + 1 < len(argv) else "")
        if argument.split("=")[0] == "--lang" and value in LANGUAGES:
            return "en" if value == "en" else "fr"
        index += 1 if "=" in argument or argument in FLAGS else 2
    return None


def use_language(language: Language | None = None,
                 environ: Mapping[str, str] | None = None) -> Language:
    """Choose this run's language (``language``, else the environment's) and its locale."""
    posix_name = environment_locale(environ)
    chosen = language or language_of(posix_name)
    locale = DEFAULT_LOCALES[chosen]
    if posix_name.lower().startswith(chosen) and "_" in posix_name:
        # The environment's region refines the formats (en_US writes 12/7/26).
        locale = formats.locale_for(posix_name, fallback=locale)
    _chosen.language = chosen
    _chosen.locale = locale
    return chosen


def language() -> Language:
    """The language of this run."""
    return _chosen.language


def locale() -> str:
    """The Babel locale of this run's figures (``fr_FR``, ``en_GB``…)."""
    return _chosen.locale


def t(text: str, /, **fields: object) -> str:
    """``text`` in this run's language, its ``{placeholders}`` filled from ``fields``
    (``text`` is a ``str.format`` template: a literal brace is written twice)."""
    template = FRENCH.get(text, text) if _chosen.language == "fr" else text
    return template.format(**fields)


def said(template: str, fields: Mapping[str, object]) -> str:
    """A message kept as an English template and its fields (an export's refusal:
    ``infra.exports.errors``), in this run's language, the vocabulary's words among its
    fields (``kind``, ``what``) too."""
    return t(template, **{name: term(value) if name in ("kind", "what") else value
                          for name, value in fields.items()})


def translate(text: str) -> str:
    """A text written elsewhere in English (not a template: braces are left alone), in this
    run's language when the catalogue has it."""
    return FRENCH.get(text, text) if _chosen.language == "fr" else text


def term(value: object) -> str:
    """A word of the ledger's vocabulary (a channel, a process, an account kind, a college,
    a movement…) as people say it: ``food_aid`` → ``aide alimentaire`` / ``food aid``.
    A value the vocabulary does not know is shown as it is."""
    text = str(value)
    if _chosen.language == "fr":
        return TERMS.get(text, text)
    return ENGLISH_TERMS.get(text, text.replace("_", " ") if text in TERMS else text)


# --------------------------------------------------------------------------- formats


def grams(quantity_g: int) -> str:
    """``13 701 g``."""
    return formats.grams(quantity_g, _chosen.locale)


def kilograms(quantity_g: int) -> str:
    """``1 234,5 kg``."""
    return formats.kilograms(quantity_g, _chosen.locale)


def euros(cents: int) -> str:
    """``63 046,57 €``."""
    return formats.euros(cents, _chosen.locale)


def percent(basis_points: int) -> str:
    """``12,5 %``."""
    return formats.percent(basis_points, _chosen.locale)


def number(value: int) -> str:
    """``12 345``."""
    return formats.number(value, _chosen.locale)


def rate(per_second: float) -> str:
    """``25 746`` (a rate rounded to a whole number)."""
    return formats.rate(per_second, _chosen.locale)


def seconds(value_s: float) -> str:
    """``1,25 s``."""
    return formats.seconds(value_s, _chosen.locale)


def fraction(value: float) -> str:
    """``42 %`` from 0.42."""
    return formats.fraction(value, _chosen.locale)


def day(value: date | datetime | str | None) -> str:
    """``07/12/2026``."""
    return formats.day(value, _chosen.locale)


def moment(value: datetime | str | None) -> str:
    """``07/12/2026 14:30`` in Paris time."""
    return formats.moment(value, _chosen.locale)


# ------------------------------------------------------------------------ catalogue

FRENCH: dict[str, str] = {
    **general.FRENCH,
    **demo.FRENCH,
    **views.FRENCH,
    **governance.FRENCH,
    **broker.FRENCH,
    **audit.FRENCH,
    **reports.FRENCH,
    **server.FRENCH,
    **printouts.FRENCH,
}
"""Every message's French text, by its English text (each area's in ``infra.cli.catalogue``)."""
