"""French regions, to tell a region from a constituency where a page shows only a place.

The AN's ``/dyn`` pages of the 16th legislature onwards print the author as
``Mme X (Bourgogne-Franche-Comté - Renaissance)``: the place is the deputy's
*region*, not a constituency; older captures print ``Ardèche (3e circonscription)``.
A parser that cannot tell them apart stores a region as a constituency, and every
listing then shows a whole region as the seat. Names are compared folded (no
accents, case or punctuation), since the pages write "Ile-de-France" and
"Île-de-France" alike.
"""

from __future__ import annotations

import re

from qarchive.model.folding import fold

__all__ = ["is_region", "is_region_only", "single_department_region"]

# The regions since 2016, then those before (still printed for older questions;
# the AN's own hidden "<reg>" fields spell some of them with hyphens).
_REGIONS = (
    "Auvergne-Rhône-Alpes",
    "Bourgogne-Franche-Comté",
    "Bretagne",
    "Centre-Val de Loire",
    "Corse",
    "Grand Est",
    "Hauts-de-France",
    "Île-de-France",
    "Normandie",
    "Nouvelle-Aquitaine",
    "Occitanie",
    "Pays de la Loire",
    "Provence-Alpes-Côte d'Azur",
    "Alsace",
    "Aquitaine",
    "Auvergne",
    "Basse-Normandie",
    "Bourgogne",
    "Centre",
    "Champagne-Ardenne",
    "Franche-Comté",
    "Haute-Normandie",
    "Languedoc-Roussillon",
    "Limousin",
    "Lorraine",
    "Midi-Pyrénées",
    "Nord-Pas-de-Calais",
    "Picardie",
    "Poitou-Charentes",
    "Rhône-Alpes",
)
# Overseas regions are one department each: the same name is both.
_SINGLE_DEPARTMENT = ("Guadeloupe", "Martinique", "Guyane", "La Réunion", "Réunion", "Mayotte")

_PUNCTUATION = re.compile(r"[\s\-'’]+")


def _key(name: str) -> str:
    return _PUNCTUATION.sub(" ", fold(name)).strip()


_REGION_KEYS = frozenset(map(_key, _REGIONS))
_SINGLE_KEYS = frozenset(map(_key, _SINGLE_DEPARTMENT))


def is_region(place: str) -> bool:
    """Whether ``place`` names a French region (overseas ones included).

    Example:
        ``is_region("Ile-de-France")`` and ``is_region("Guadeloupe")`` are True;
        ``is_region("Ardèche")`` is False.
    """
    key = _key(place)
    return key in _REGION_KEYS or key in _SINGLE_KEYS


def single_department_region(place: str) -> bool:
    """Whether ``place`` is an overseas region, which is also its one department."""
    return _key(place) in _SINGLE_KEYS


def is_region_only(place: str) -> bool:
    """Whether ``place`` names a region that is no department (never a constituency's name)."""
    key = _key(place)
    return key in _REGION_KEYS
