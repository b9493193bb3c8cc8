"""Gettext catalogs (Babel .po files), compiled in memory at import: no manual step.

English is the source language (msgids); Vietnamese is the default shown to users.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Final

from babel.support import NullTranslations

from enroll_common.catalogs import compile_catalog

LANGUAGES: Final = ("vi", "en")
DEFAULT_LANGUAGE: Final = "vi"
CATALOG_DIR = Path(__file__).parent / "i18n"

_current: ContextVar[NullTranslations] = ContextVar("web_translations")
_language: ContextVar[str] = ContextVar("web_language", default=DEFAULT_LANGUAGE)


@cache
def translations(lang: str) -> NullTranslations:
    """The compiled catalog of one language (English falls back to the msgids)."""
    return compile_catalog(CATALOG_DIR, lang, LANGUAGES)


def activate(lang: str) -> None:
    """Use ``lang`` for the messages of the current request."""
    chosen = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
    _current.set(translations(chosen))
    _language.set(chosen)


def current_language() -> str:
    return _language.get()


def gettext(message: str) -> str:
    return _current.get(translations(DEFAULT_LANGUAGE)).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _current.get(translations(DEFAULT_LANGUAGE)).ngettext(singular, plural, n)


_: Callable[[str], str] = gettext

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "activate",
    "current_language",
    "gettext",
    "ngettext",
    "translations",
]
