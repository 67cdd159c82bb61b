"""Every refusal the domain and the service layer raise says why in French, with its numbers.

The source of ``domain/`` and ``infra/ledger/`` is read (ast), not run: each ``raise
SomeDomainError(...)`` must name its ``reason=``, the reason must have a French template
(``infra/api/pages/refusal_texts.py`` or ``refusals.py``) that the facts given at every raise
site of that reason can fill, and the codes a refusal quotes as a field, an act or a stream
(``check_quantity("measured quantity", …)``, ``uow.get(Lot, …, "lot")``) have French words.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import string
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import domain
from domain.errors import DomainError
from infra.api.pages.refusals import REASON_MESSAGES, french_message
from infra.api.pages.words import COMMAND_WORDS, TERMS

ROOT = Path(domain.__file__).parents[1]
SOURCES = ("domain", "infra/ledger")
TERM_HELPERS = {"check_quantity", "check_text", "check_available", "check_in_stock",
                "check_status", "check_active", "check_prepared", "check_inputs",
                "check_inputs_available", "_inputs", "member_with"}
"""Functions whose string arguments end up in a refusal's ``field``, ``act`` or ``what``."""
TERM_FACTS = {"field", "act", "what", "command"}


@dataclass
class RaiseSite:
    """One ``raise SomeDomainError(...)`` in the source."""

    where: str
    error: str
    reason: str | None
    facts: set[str] | None
    """The keyword facts given, or None when some come from ``**mapping``."""
    terms: dict[str, str]


def domain_error_names() -> set[str]:
    """Names of DomainError and every subclass (after importing the modules that define
    them)."""
    for package in SOURCES:
        prefix = package.replace("/", ".")
        for module in pkgutil.iter_modules([str(ROOT / package)]):
            importlib.import_module(f"{prefix}.{module.name}")
    names, pending = set(), [DomainError]
    while pending:
        error_type = pending.pop()
        names.add(error_type.__name__)
        pending.extend(error_type.__subclasses__())
    return names


def source_files() -> Iterator[Path]:
    """The Python files of the domain and of every part of ``infra`` that may raise a
    domain error (the service layer, simulations, provenance, the demo; the HTTP layer
    raises its own errors)."""
    yield from sorted((ROOT / "domain").glob("*.py"))
    yield from sorted(path for path in (ROOT / "infra").rglob("*.py")
                      if "api" not in path.relative_to(ROOT / "infra").parts)


def raise_sites() -> list[RaiseSite]:
    """Every raise of a domain error, with what it names."""
    errors = domain_error_names()
    sites = []
    for path in source_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            function = node.exc.func
            name = function.id if isinstance(function, ast.Name) else (
                function.attr if isinstance(function, ast.Attribute) else "")
            if name not in errors or name == "MalformedInput":
                # Malformed input names its offending fields instead (``details``), which
                # the French message lists.
                continue
            keywords = {keyword.arg: keyword.value for keyword in node.exc.keywords}
            reason = keywords.get("reason")
            facts = None if None in keywords else {key for key in keywords
                                                   if key not in {None, "reason"}}
            sites.append(RaiseSite(
                where=f"{path.relative_to(ROOT)}:{node.lineno}", error=name,
                reason=reason.value if isinstance(reason, ast.Constant) else None,
                facts=facts,
                terms={key: value.value for key, value in keywords.items()
                       if key in TERM_FACTS and isinstance(value, ast.Constant)}))
    return sites


def test_every_domain_error_raised_names_its_reason() -> None:
    """A raise without ``reason=`` answers only the code's sentence and the English detail;
    each one is listed as file:line."""
    missing = [f"{site.where}: {site.error}" for site in raise_sites() if site.reason is None]
    print("\n".join(missing))  # The list to fix, shown by pytest on failure.
    assert missing == []


def test_every_reason_has_a_template_its_facts_fill() -> None:
    """The template of each reason asks only for facts every raise site of it gives."""
    problems = []
    for site in raise_sites():
        if site.reason is None:
            continue
        template = REASON_MESSAGES.get(site.reason)
        if template is None:
            problems.append(f"{site.where}: no French template for {site.reason!r}")
            continue
        wanted = {field for _, field, _, _ in string.Formatter().parse(template) if field}
        if site.facts is not None and not wanted <= site.facts:
            problems.append(f"{site.where}: {site.reason!r} lacks {sorted(wanted - site.facts)}")
    assert problems == []


def test_each_template_reads_as_french_with_sample_facts() -> None:
    """Filled with sample facts, no template leaves a brace or an English unit behind."""
    for reason, template in REASON_MESSAGES.items():
        wanted = {field for _, field, _, _ in string.Formatter().parse(template) if field}
        facts: dict[str, int | str] = {
            name: 1_500 if name.endswith(("_g", "_cents", "_bp")) or name in {
                "count", "maximum", "length", "size", "days", "households", "attempts",
                "total", "numerator", "denominator"} else "exemple"
            for name in wanted}
        said = french_message("invalid", "english detail", reason, facts,
                              names=lambda _: "Épicerie solidaire")
        assert "{" not in said, reason
        assert "english detail" not in said, reason
        assert " g " not in said, reason
        assert said[:1] == said[:1].upper(), reason


def helper_terms() -> dict[str, str]:
    """String codes passed to the helpers that put them in a refusal, with where."""
    found: dict[str, str] = {}
    for path in source_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            function = node.func
            name = function.id if isinstance(function, ast.Name) else (
                function.attr if isinstance(function, ast.Attribute) else "")
            stream_get = (isinstance(function, ast.Attribute) and name == "get"
                          and isinstance(function.value, ast.Name)
                          and function.value.id == "uow")
            if name not in TERM_HELPERS and not stream_get:
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            values = [*node.args, *(keyword.value for keyword in node.keywords)]
            for value in values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    found[value.value] = where
                    if name == "check_available":  # It checks f"{act} quantity" too.
                        found[f"{value.value} quantity"] = where
    return found


def test_every_field_act_and_stream_a_refusal_names_has_french_words() -> None:
    """``measured quantity``, ``allocation round``, ``prepare a basket for``… in French."""
    codes = helper_terms()
    for site in raise_sites():
        for value in site.terms.values():
            codes.setdefault(value, site.where)
    words = TERMS | COMMAND_WORDS
    assert sorted(f"{where}: {code!r}" for code, where in codes.items()
                  if code not in words) == []
