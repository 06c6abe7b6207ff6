"""Reads of the accounts, for those who manage them, scoped to their areas (house rule 3)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .access import not_found, require, scope_for
from .models import User

MANAGE = "users.manage"


def users_for_user(*, user) -> QuerySet[User]:
    """The accounts an administrator manages: those working in an area of theirs (or under it), and accounts
    without an area yet. An account of another province is not shown."""
    require(user, MANAGE)
    scope = scope_for(user)
    return (
        User.objects.filter(scope.areas_q(prefix="areas__") | Q(areas__isnull=True))
        .distinct()
        .prefetch_related("areas")
        .order_by("username")
    )


def user_get(*, user, user_id: int) -> User:
    found = users_for_user(user=user).filter(pk=user_id).first()
    if found is None:
        raise not_found()
    return found
