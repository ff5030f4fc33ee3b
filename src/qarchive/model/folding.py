"""Names and texts compared without case or accents: "Île-de-France" is "ile-de-france"."""

from __future__ import annotations

import unicodedata

__all__ = ["fold"]


def fold(text: str | None) -> str:
    """Lower-case and strip accents, for accent- and case-insensitive matching.

    Example:
        >>> fold("Économie, Finances")
        'economie, finances'
    """
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))
