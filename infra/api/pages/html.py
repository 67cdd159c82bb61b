"""HTML building blocks of the work pages: escaping, the page frame, tables and forms.

Everything that comes from the ledger is escaped as MarkupSafe's ``escape`` does; a
``Markup`` value is already safe HTML. Pieces are written as plain escaped text (``text``)
and wrapped in ``Markup`` once per element: a page has tens of thousands of pieces, and a
``Markup`` object for each cost a third of a large page's time.

No inline script or style: the page's behaviour lives in ``/dashboard/espace.js`` (the
Content-Security-Policy allows this origin's files only), and the data it needs sits in
``data-`` attributes.

A form describes one command: ``Form(command, title, fields)``. Each field names the body
key it fills and its ``kind``, which tells the script how to turn the French input into the
command's value (``kg`` → grams, ``euros`` → cents, ``percent`` → basis points…). Whether a
form is shown at all is the policy table's answer (``infra.api.pages.routes``).
"""

# ruff: noqa: RUF001 - French typography writes its apostrophe as U+2019.

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from domain import commands, governance_commands, reporting_commands

DECIMAL_PATTERN = r"\s*[0-9][0-9\s\u202f\u00a0]*([,.][0-9]{1,3})?\s*"
"""French or English decimals: ``12,5``, ``1 234,5``, ``12.5``."""
CELSIUS_PATTERN = r"\s*[-−]?[0-9]{1,2}([,.][0-9])?\s*"
"""A temperature with one decimal at most: ``3,5``, ``-18``, ``−18,5``."""
KINDS = frozenset({"text", "kg", "euros", "eur_per_kg", "percent", "date", "datetime", "uuid",
                   "choice", "int", "kg_list", "confirm", "textarea", "uuid_set", "week",
                   "words", "celsius"})
"""``words``: a list of words separated by commas or semicolons (products to want or avoid);
``celsius``: a temperature in degrees with one decimal (``3,5``, ``-18``), sent in tenths."""

BACKDATING_HELP = ("Vide : maintenant. Jusqu’à {days} jours en arrière (la fenêtre votée par "
                   "la coopérative) ; au-delà, seule la coordination le peut, en donnant une "
                   "raison.")
BACKDATING_DAYS_DEFAULT = 7  # domain.business_time.BACKDATING_WINDOW_DEFAULT, in days.



def _personal_fields() -> dict[str, tuple[str, ...]]:
    """Each command's personal fields (a household's name and contact), as its class lists
    them in ``PERSONAL_FIELDS``."""
    found: dict[str, tuple[str, ...]] = {}
    for module in (commands, governance_commands, reporting_commands):
        for value in vars(module).values():
            if not (isinstance(value, type) and issubclass(value, commands.Command)):
                continue
            fields: tuple[str, ...] = getattr(value, "PERSONAL_FIELDS", ())
            if value.NAME and fields:
                found[value.NAME] = tuple(fields)
    return found


PERSONAL_FIELDS = _personal_fields()
"""Command name → its personal fields. The page keeps them on the device only while an act
is unsent, and never shows them in « Mes actes » (``data-personnels`` on the page's body)."""
PERSONAL_FIELDS_JSON = json.dumps({name: list(fields) for name, fields
                                   in sorted(PERSONAL_FIELDS.items())}, separators=(",", ":"))

_ids = itertools.count(1)
_SPECIAL = re.compile("[&<>\"']")


def text(value: Any) -> str:
    """``str(escape(value))`` without making a ``Markup``: HTML (``__html__``) as it is,
    anything else as text with ``&<>"'`` escaped as MarkupSafe escapes them."""
    if type(value) is str:
        plain: str = value
    elif hasattr(value, "__html__"):
        return str(value.__html__())
    else:
        plain = str(value)
    if _SPECIAL.search(plain) is None:
        return plain
    return (plain.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
            .replace("'", "&#39;").replace('"', "&#34;"))


def new_id(prefix: str) -> str:
    """An element id unique in the process (so in any page)."""
    return f"{prefix}-{next(_ids)}"


def attrs(**values: Any) -> Markup:
    """HTML attributes; ``True`` writes the bare name, ``None``/``False`` omits it."""
    return Markup(_attributes(values))  # noqa: S704 - values are escaped


def _attributes(values: dict[str, Any]) -> str:
    """The text of :func:`attrs` (each value escaped)."""
    parts = []
    for name, value in values.items():
        if value is None or value is False:
            continue
        key = name.rstrip("_").replace("_", "-")
        if value is True:
            parts.append(key)
        else:
            parts.append(f'{key}="{text(value)}"')
    return " " + " ".join(parts) if parts else ""


def tag(element: str, content: Any = "", /, **values: Any) -> Markup:
    """``<element …>content</element>`` (content escaped unless it is Markup)."""
    return Markup(f"<{element}{_attributes(values)}>{text(content)}</{element}>")  # noqa: S704 - values are escaped


def short_link(label: str, context: str, href: str, **values: Any) -> Markup:
    """A link whose visible text is short (« PDF ») and whose accessible name goes on with
    its context (« PDF — étiquette du lot L261207-00042 »): the context is read aloud, not
    shown, so the visible text stays the start of the name (WCAG 2.5.3)."""
    # Written straight as escaped text (the reports' lists hold hundreds), as ``tag`` would.
    return Markup(f'<a{_attributes({"href": href, **values})}>{text(label)}'  # noqa: S704 - values are escaped
                  f'<span class="lecteur"> — {text(context)}</span></a>')


def join(items: Iterable[Any]) -> Markup:
    """Several pieces of HTML one after the other (text escaped)."""
    return Markup("".join([text(item) for item in items]))  # noqa: S704 - values are escaped


# ------------------------------------------------------------------ tables


@dataclass
class Column:
    """A table column: its heading and whether its cells are numbers (sorted as numbers)."""

    heading: str
    number: bool = False


def table(caption: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]], *,
          table_id: str, empty: str = "Rien pour l’instant.",
          sort_keys: Iterable[Sequence[Any]] | None = None,
          row_classes: Sequence[str] | None = None) -> Markup:
    """A sortable, filterable table in a scrolling region (the script adds the filter box).

    ``sort_keys`` gives, per row, the raw value of each cell (grams, cents, ISO dates) that
    sorting uses instead of the displayed French text; ``row_classes`` a class per row (a
    held or expired lot's row is highlighted, and its state cell says it in words).
    """
    heads = join(tag("th", column.heading, scope="col",
                     data_type="nombre" if column.number else "texte") for column in columns)
    body_rows = []
    keys = list(sort_keys) if sort_keys is not None else None
    # Cells are written straight as text (escaped), not through ``tag``: a page's tables
    # hold thousands of cells, and this is the same HTML three times faster.
    openings = ['<td class="nombre"' if column.number else "<td" for column in columns]
    for index, row in enumerate(rows):
        cells = []
        for position, (opening, value) in enumerate(zip(openings, row, strict=True)):
            key = keys[index][position] if keys is not None else None
            cells.append(f"{opening}{_cell_key(key)}>{text(value)}</td>")
        row_class = row_classes[index] if row_classes is not None else ""
        body_rows.append((f'<tr class="{text(row_class)}">' if row_class else "<tr>")
                         + "".join(cells) + "</tr>")
    if not body_rows:
        body_rows.append(tag("tr", tag("td", empty, colspan=str(len(columns)))))
    return tag("div", tag(
        "table", join([tag("caption", caption), tag("thead", tag("tr", heads)),
                       Markup(f"<tbody>{''.join(body_rows)}</tbody>")]),  # noqa: S704 - values are escaped
        id=table_id, class_="triable"),
        class_="defilement", role="region", aria_label=caption, tabindex="0")


def _cell_key(key: Any) -> str:
    """A cell's ``data-cle`` attribute, as ``attrs`` writes it."""
    if key is None or key is False:
        return ""
    if key is True:
        return " data-cle"
    return f' data-cle="{text(key)}"'


# ------------------------------------------------------------------ forms


@dataclass
class Option:
    """A choice of a select: its value, label, and data the script may use."""

    value: str
    label: str
    data: dict[str, str] = field(default_factory=dict)


@dataclass
class Field:
    """One input of a form."""

    name: str
    """Body key it fills (``payload.key`` for a nested value)."""
    label: str
    kind: str = "text"
    required: bool = True
    options: Sequence[Option] = ()
    help: str = ""
    value: str = ""
    list_name: str = ""
    """With ``item``: the value is one entry of the body's list ``list_name``."""
    item: dict[str, Any] | None = None
    maximum: int | None = None
    fills: str = ""
    """For a select: fields the chosen option fills, ``target`` (from the option's
    ``data-kg``) or ``target:key`` (from its ``data-key``), separated by spaces."""
    line: int = 0
    """Within a list, the line this field belongs to (1, 2…): lines are then told apart by
    number, so that a line's optional fields may stay empty."""
    line_required: bool = False
    """With ``line``: once anything of its line is filled, this field must be too."""
    only_if: str = ""
    """For a confirmation: ``field=value``, the box is required only when that field has
    that value (refusing a lot at the dock, not accepting it)."""

    def __post_init__(self) -> None:
        assert self.kind in KINDS, self.kind


@dataclass
class Form:
    """One command's form."""

    command: str
    title: str
    fields: Sequence[Field] = ()
    submit: str = "Envoyer"
    fixed: dict[str, Any] = field(default_factory=dict)
    """Body values the page sets itself (the lot of the row, the round…)."""
    intro: str = ""
    compact: bool = False
    """A one-button form (dispatch, collect, confirm) shown inline in a list."""
    confirm: str = ""
    """A sentence the person must tick before sending (a recall)."""
    dated: bool = False
    """An act often typed after the fact (a van's paper notes): a folded « Fait plus tôt ? »
    field gives its business time (``occurred_at``); empty, the act happens now."""


def field_html(form_id: str, spec: Field) -> Markup:
    """The label, input and help of one field."""
    element_id = f"{form_id}-{spec.name.replace('.', '-')}-{next(_ids)}"
    common: dict[str, Any] = {
        "id": element_id, "name": spec.name, "data_kind": spec.kind,
        "required": spec.required, "data_list": spec.list_name or None,
        "data_item": json.dumps(spec.item, sort_keys=True) if spec.item is not None else None,
        "data_remplit": spec.fills or None,
        "data_ligne": str(spec.line) if spec.line else None,
        "data_ligne_requis": "oui" if spec.line_required else None,
        "data_si": spec.only_if or None,
    }
    help_id = f"{element_id}-aide" if spec.help else None
    if help_id:
        common["aria_describedby"] = help_id
    if spec.kind in {"uuid", "choice"}:
        options = [] if spec.required and spec.value else [tag("option", "— choisir —",
                                                                value="")]
        for option in spec.options:
            options.append(_option_html(option, selected=option.value == spec.value))
        control = tag("select", join(options), **common)
    elif spec.kind == "uuid_set":
        # Several choices (a programme's collection points): one box each, in a fieldset
        # the script reads as one list.
        chosen = spec.value.split()
        boxes = [_box(f"{element_id}-{index}", option, checked=option.value in chosen)
                 for index, option in enumerate(spec.options)]
        return tag("fieldset", join([tag("legend", spec.label), *boxes]), id=element_id,
                   name=spec.name, data_kind=spec.kind,
                   data_requis="oui" if spec.required else None, class_="cases")
    elif spec.kind == "confirm":
        control = Markup(f"<input{attrs(type='checkbox', **common)}>")  # noqa: S704 - values are escaped
        return tag("div", join([control, tag("label", spec.label, for_=element_id)]),
                   class_="champ case")
    elif spec.kind == "textarea":
        control = tag("textarea", spec.value, rows="2", **common)
    else:
        input_type, extra = _input_type(spec)
        attributes = attrs(type=input_type, value=spec.value or None, **extra, **common)
        control = Markup(f"<input{attributes}>")  # noqa: S704 - values are escaped
    parts = [tag("label", spec.label, for_=element_id), control]
    if spec.help:
        parts.append(tag("p", spec.help, class_="aide", id=help_id))
    return tag("div", join(parts), class_="champ")


def _option_html(option: Option, *, selected: bool) -> Markup:
    """One ``<option>``, written straight as text (a page has hundreds), as ``tag`` would."""
    data = "".join(f' data-{key.rstrip("_").replace("_", "-")}="{text(value)}"'
                   for key, value in option.data.items() if value is not None)
    chosen = " selected" if selected else ""
    return Markup(f'<option value="{text(option.value)}"{chosen}{data}>'  # noqa: S704 - values are escaped
                  f"{text(option.label)}</option>")


def _box(element_id: str, option: Option, *, checked: bool) -> Markup:
    """One checkbox of a ``uuid_set`` field, with its label."""
    attributes = attrs(type="checkbox", id=element_id, value=option.value, checked=checked)
    box = Markup(f"<input{attributes}>")  # noqa: S704 - values are escaped
    return tag("div", join([box, tag("label", option.label, for_=element_id)]),
               class_="champ case")


def _input_type(spec: Field) -> tuple[str, dict[str, Any]]:
    if spec.kind in {"kg", "euros", "eur_per_kg", "percent"}:
        return "text", {"inputmode": "decimal", "pattern": DECIMAL_PATTERN,
                        "autocomplete": "off", "data_max": spec.maximum}
    if spec.kind == "kg_list":
        return "text", {"inputmode": "decimal", "autocomplete": "off"}
    if spec.kind == "celsius":
        # No numeric keypad: a phone's decimal pad has no minus sign, and frozen food is
        # measured below zero.
        return "text", {"pattern": CELSIUS_PATTERN, "autocomplete": "off",
                        "placeholder": "3,5"}
    if spec.kind == "int":
        return "number", {"min": "0", "step": "1", "inputmode": "numeric"}
    if spec.kind == "date":
        return "date", {}
    if spec.kind == "week":
        return "text", {"autocomplete": "off", "pattern": r"\d{4}-[SsWw]\d{2}",
                        "placeholder": "2026-S07"}
    if spec.kind == "datetime":
        return "datetime-local", {}
    return "text", {"autocomplete": "off"}


def form_html(spec: Form, *, backdating_days: int = BACKDATING_DAYS_DEFAULT) -> Markup:
    """A command's form; the script sends it (or keeps it until the network returns).
    ``backdating_days``: how far back a dated act may go (the window in force)."""
    form_id = new_id(f"f-{spec.command}")
    fields = [field_html(form_id, item) for item in spec.fields]
    if spec.dated:
        fields.append(details("Fait plus tôt ? (saisie tardive)", field_html(form_id, Field(
            "occurred_at", "Fait le (date et heure)", kind="datetime",
            required=False, help=BACKDATING_HELP.format(days=backdating_days)))))
    if spec.confirm:
        fields.append(field_html(form_id, Field("_confirmation", spec.confirm, kind="confirm")))
    parts: list[Any] = []
    if not spec.compact:
        parts.append(tag("h3", spec.title, id=f"{form_id}-titre"))
    if spec.intro:
        parts.append(tag("p", spec.intro, class_="intro"))
    parts.extend(fields)
    parts.append(tag("p", "", class_="erreur-formulaire", role="alert", hidden=True))
    parts.append(tag("button", spec.submit, type="submit"))
    return tag("form", join(parts), id=form_id, class_="acte compact" if spec.compact
               else "acte", data_command=spec.command, data_label=spec.title,
               data_fixed=json.dumps(spec.fixed, sort_keys=True, default=str),
               aria_labelledby=None if spec.compact else f"{form_id}-titre",
               aria_label=spec.title if spec.compact else None, novalidate=True)


def section(section_id: str, title: str, *content: Any, intro: str = "") -> Markup:
    """A titled section of a page."""
    heading_id = f"titre-{section_id}"
    parts = [tag("h2", title, id=heading_id)]
    if intro:
        parts.append(tag("p", intro, class_="intro"))
    parts.extend(content)
    return tag("section", join(parts), id=section_id, aria_labelledby=heading_id)


def contents(sections: Sequence[tuple[str, str]]) -> Markup:
    """Links to a long page's sections (id, title): on a phone, the way to the stock or the
    rounds without scrolling past every form."""
    return tag("nav", tag("ul", join(tag("li", tag("a", title, href=f"#{section_id}"))
                                     for section_id, title in sections)),
               class_="sommaire", aria_label="Sur cette page")


def figures(items: Sequence[tuple[str, str, dict[str, Any]]]) -> Markup:
    """Key figures in boxes: (label, value, data attributes)."""
    return tag("div", join(tag("p", join([label, " : ",
                                         tag("strong", value, **data)]))
                           for label, value, data in items), class_="resume")


def details(summary: str, *content: Any) -> Markup:
    """A folded block."""
    return tag("details", join([tag("summary", summary), *content]))
