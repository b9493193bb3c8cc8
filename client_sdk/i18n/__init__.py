"""Gettext catalogs of the agent's client (Babel .po files, compiled in memory at import).

English is the source language (msgids); Vietnamese is what agents see unless they ask for
English with ``--lang en`` or an English locale (``LANG=en_…``), as the dashboard does.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Final

from babel.support import NullTranslations

from enroll_common.catalogs import compile_catalog

LANGUAGES: Final = ("vi", "en")
DEFAULT_LANGUAGE: Final = "vi"
CATALOG_DIR = Path(__file__).parent

_active: list[NullTranslations] = []
_language: list[str] = []


@cache
def translations(lang: str) -> NullTranslations:
    """The compiled catalog of one language (English falls back to the msgids)."""
    return compile_catalog(CATALOG_DIR, lang, LANGUAGES)


def language_from_env() -> str:
    """``FIELD_ENROLL_LANG``, else the locale (``LC_ALL``, ``LANG``), else Vietnamese."""
    for name in ("FIELD_ENROLL_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value and value not in ("C", "POSIX") and not value.startswith("C."):
            code = value.split("_")[0].split(".")[0].lower()
            return code if code in LANGUAGES else DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def activate(lang: str | None) -> str:
    """Use ``lang`` (or the environment's) for every message from now on; returns it."""
    chosen = lang if lang in LANGUAGES else language_from_env()
    _active[:] = [translations(chosen)]
    _language[:] = [chosen]
    return chosen


def current_language() -> str:
    """The language messages are shown in (for words taken from the shared glossary)."""
    return _language[0] if _language else language_from_env()


def gettext(message: str) -> str:
    current = _active[0] if _active else translations(language_from_env())
    return current.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    current = _active[0] if _active else translations(language_from_env())
    return current.ngettext(singular, plural, n)


_ = gettext

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "activate",
    "current_language",
    "gettext",
    "ngettext",
    "translations",
]
