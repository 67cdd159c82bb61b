"""The names downloads are saved under: French, accents kept, and safe.

A name is made of a French stem (``registre``, ``rapport-financeur``, ``étiquettes``…), the
member, lot or period it covers and an extension. Its words are letters and digits (any
script, accents kept) joined by ``-``: no path separator, quote, control character or dot
survives but the extension's, and it is at most ``STEM_LENGTH_MAX`` characters.
``Content-Disposition`` carries it twice (RFC 6266): ``filename=`` in ASCII (accents
dropped: ``Réseau`` becomes ``Reseau``) for old clients, and ``filename*=UTF-8''…`` (RFC
8187, percent-encoded) with the accents, which every current browser prefers.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

STEM_LENGTH_MAX = 100  # Characters before the extension: enough for a name and a period.
EXTENSION = re.compile(r"[a-z0-9]{1,8}")
_NOT_A_WORD = re.compile(r"[\W_]+")
_NOT_ASCII_WORD = re.compile(r"[^A-Za-z0-9]+")
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})
"""Letters that do not decompose into an ASCII letter and an accent."""


def download_stem(text: str) -> str:
    """``text`` as a file name's stem: its words (accents kept) joined by ``-``."""
    words = _NOT_A_WORD.sub("-", unicodedata.normalize("NFC", text))
    return words[:STEM_LENGTH_MAX].strip("-") or "export"


def ascii_stem(stem: str) -> str:
    """The stem in ASCII: accents dropped, ligatures spelled out, other letters gone."""
    spelled = unicodedata.normalize("NFKD", stem.translate(_LIGATURES))
    plain = spelled.encode("ascii", "ignore").decode("ascii")
    return _NOT_ASCII_WORD.sub("-", plain).strip("-") or "export"


def download_name(stem: str, extension: str) -> str:
    """The accented name of a download (as a page's ``download`` attribute gives it)."""
    if not EXTENSION.fullmatch(extension):
        raise ValueError(f"not a file extension: {extension!r}")
    return f"{download_stem(stem)}.{extension}"


def content_disposition(stem: str, extension: str, disposition: str = "attachment") -> str:
    """The ``Content-Disposition`` of a download named ``stem.extension``: an ASCII
    ``filename`` and the accented ``filename*``."""
    name = download_name(stem, extension)
    fallback = f"{ascii_stem(download_stem(stem))}.{extension}"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
