"""Text normalisation shared by server and offline client."""

from __future__ import annotations

import unicodedata


def normalize_name(s: str) -> str:
    """Canonical form of a person's name.

    Vietnamese keyboards and OCR produce both precomposed (NFC) and decomposed (NFD)
    diacritics, and agents type stray spaces; without normalising, "Nguyễn" could be two
    different strings and duplicate checks would miss the same person.
    """
    return " ".join(unicodedata.normalize("NFC", s).split())
