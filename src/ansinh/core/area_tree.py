"""The shape of the area tree: its levels, how codes are written and how a subtree is read from the
materialised ``path`` (ADR 0001).

It is what access (``core.access``: a user's scope is a set of subtrees) and user management need of the areas,
kept here on the ground floor so that core imports no domain app (ADR 0020). The ``Area`` table itself, its
official lists and its reads live in ``ansinh.areas``, which builds on these; core reaches the table only through
the user's ``areas`` relation.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Q, TextChoices
from django.utils.translation import gettext_lazy as _

LEGACY_PREFIX = "legacy:"
PATH_END = "~"  # sorts after every character used in codes and paths


class Level(TextChoices):
    PROVINCE = "province", _("province")
    COMMUNE = "commune", _("commune")
    VILLAGE = "village", _("village")
    LEGACY_PROVINCE = "legacy_province", _("province (before 1 July 2025)")
    LEGACY_DISTRICT = "legacy_district", _("district (before 1 July 2025)")
    LEGACY_COMMUNE = "legacy_commune", _("commune (before 1 July 2025)")


def subtree_q(path: str, prefix: str = "") -> Q:
    """An area and everything under it, answered from the index on ``path``.

    SQLite compares strings bytewise, so a range scan works; PostgreSQL's default collation ignores
    punctuation, so there we use LIKE 'path%' which Django backs with a varchar_pattern_ops index."""
    if connection.vendor == "postgresql":
        return Q(**{f"{prefix}path__startswith": path})
    return Q(**{f"{prefix}path__gte": path, f"{prefix}path__lt": path + PATH_END})


def normalize_code(code: str) -> str:
    """'15' -> '15' (province), '2269' is ambiguous so communes are given with 5 digits: '02269';
    'legacy:10' stays; village codes ('02269.001') stay."""
    code = (code or "").strip()
    if code.startswith(LEGACY_PREFIX):
        return code
    if code.isdigit() and len(code) <= 2:
        return code.zfill(2)
    return code
