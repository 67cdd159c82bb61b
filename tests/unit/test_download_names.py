"""Download names keep their accents and nothing that could break a header or a path."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

from infra.api.download_names import STEM_LENGTH_MAX, content_disposition

HEADER = re.compile(r"(attachment|inline); filename=\"([A-Za-z0-9-]+\.[a-z0-9]+)\"; "
                    r"filename\*=UTF-8''([A-Za-z0-9%._~-]+)")


def names(header: str) -> tuple[str, str]:
    """The ASCII and the accented names of a ``Content-Disposition``."""
    match = HEADER.fullmatch(header)
    assert match is not None, header
    return match[2], unquote(match[3], errors="strict")


@pytest.mark.parametrize(("stem", "ascii_name", "name"), [
    ("registre-Réseau Cocagne national-2026-01", "registre-Reseau-Cocagne-national-2026-01",
     "registre-Réseau-Cocagne-national-2026-01"),
    ("rapport-financeur-Cœur d'Œuvre-2026", "rapport-financeur-Coeur-d-OEuvre-2026",
     "rapport-financeur-Cœur-d-Œuvre-2026"),
    ("étiquettes-Entrepôt", "etiquettes-Entrepot", "étiquettes-Entrepôt"),
    ("registre-../../etc/passwd", "registre-etc-passwd", "registre-etc-passwd"),
    ('registre-a"; filename=evil.exe', "registre-a-filename-evil-exe",
     "registre-a-filename-evil-exe"),
    ("registre-a\r\nSet-Cookie: x=1\x00\\b", "registre-a-Set-Cookie-x-1-b",
     "registre-a-Set-Cookie-x-1-b"),
    ("...", "export", "export"),
    ("Пекарня-2026", "2026", "Пекарня-2026"),
])
def test_names_are_french_and_safe(stem: str, ascii_name: str, name: str) -> None:
    fallback, accented = names(content_disposition(stem, "pdf"))
    assert (fallback, accented) == (f"{ascii_name}.pdf", f"{name}.pdf")


def test_a_long_name_is_cut_and_an_odd_extension_refused() -> None:
    fallback, accented = names(content_disposition("é" * 300, "xlsx", "inline"))
    assert accented == "é" * STEM_LENGTH_MAX + ".xlsx"
    assert fallback == "e" * STEM_LENGTH_MAX + ".xlsx"
    with pytest.raises(ValueError, match="extension"):
        content_disposition("registre", "pdf/../x")
