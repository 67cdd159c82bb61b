"""The work pages' HTML pieces: written as plain escaped text, exactly as MarkupSafe escapes."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup, escape

from infra.api.pages.html import Column, join, short_link, table, tag, text


@given(st.one_of(st.text(), st.text(alphabet="&<>\"' a\u202f").map(str),
                 st.integers(), st.none(), st.text().map(Markup)))
def test_text_is_what_markupsafe_escape_writes(value: Any) -> None:
    """Text escaped, numbers and None written, Markup kept as it is."""
    assert text(value) == str(escape(value))
    assert type(text(value)) is str


def test_elements_escape_their_text_and_attributes_and_keep_markup() -> None:
    """A tag, a join, a short link and a table cell escape what is not Markup."""
    assert tag("p", "a < b & \"c\"", title="l'été", hidden=True, id=None) == Markup(
        "<p title=\"l&#39;été\" hidden>a &lt; b &amp; &#34;c&#34;</p>")
    assert join(["<i>", Markup("<b>x</b>"), 3, date(2026, 12, 7)]) == Markup(
        "&lt;i&gt;<b>x</b>32026-12-07")
    assert short_link("PDF", "rapport d'<A>", "/x?a=1&b=2", download=True) == Markup(
        '<a href="/x?a=1&amp;b=2" download>PDF<span class="lecteur"> — rapport d&#39;&lt;A&gt;'
        "</span></a>")
    html = table("T", [Column("Nom"), Column("Kg", number=True)], [["<x>", "1"]],
                 table_id="t", sort_keys=[["a&b", 1]], row_classes=["bloque"])
    assert '<tr class="bloque"><td data-cle="a&amp;b">&lt;x&gt;</td>' in html
    assert '<td class="nombre" data-cle="1">1</td></tr>' in html
