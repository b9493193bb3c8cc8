"""Text normalisation shared by server and offline client."""

from __future__ import annotations

import re
import unicodedata

ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
"""Invisible characters that copy-paste brings into names; removed, so the same name is one
string for duplicate checks."""


def normalize_name(s: str) -> str:
    """Canonical form of a person's name.

    Vietnamese keyboards and OCR produce both precomposed (NFC) and decomposed (NFD)
    diacritics, and agents type stray spaces; without normalising, "Nguyễn" could be two
    different strings and duplicate checks would miss the same person.
    """
    return " ".join(unicodedata.normalize("NFC", ZERO_WIDTH.sub("", s)).split())
