"""Babel ``.po`` catalogs compiled in memory: one loader for the dashboard and the agent's CLI.

Both sides ship their own catalog but must compile it the same way, with no manual
``pybabel compile`` step that a fresh install could miss.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations


def compile_catalog(catalog_dir: Path, lang: str, languages: Sequence[str]) -> NullTranslations:
    """The compiled catalog of ``lang`` (English, the msgid language, falls back to msgids)."""
    po = catalog_dir / lang / "LC_MESSAGES" / "messages.po"
    if lang not in languages or not po.exists():
        return NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(fp=buf)
