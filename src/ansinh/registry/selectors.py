"""Every read of the registry, scoped to the acting user's areas (house rule 3)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from contextlib import suppress
from types import SimpleNamespace
from typing import Any

from django.db.models import Case, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When

from ansinh.core.access import not_found, scope_for
from ansinh.core.errors import ApplicationError
from ansinh.core.identifiers import normalize_phone
from ansinh.core.text import fold

from .models import STATUS_FIELDS, Household, Membership, Person, StatusChange

SEARCH_MAX_CHARS = 160
SEARCH_LIMIT = 50


def persons_for_user(*, user, details: bool = True) -> QuerySet[Person]:
    """The persons in the user's areas; with ``details`` (pages, the API) their commune, village and current
    ``household_id`` come along. Without, just the rows (the desk, which needs them fast)."""
    persons = Person.objects.filter(scope_for(user).residents_q(), merged_into__isnull=True)
    if not details:
        return persons
    open_membership = Membership.objects.filter(person=OuterRef("pk"), ended_on__isnull=True)
    return persons.select_related("commune", "village").annotate(
        household_id=Subquery(open_membership.values("household_id")[:1])
    )


def person_get(*, user, person_id: int) -> Person:
    person = persons_for_user(user=user).filter(pk=person_id).first()
    if person is None:
        raise not_found()
    return person


def person_search(*, user, text: str, limit: int = SEARCH_LIMIT) -> list[Person]:
    """Finds people by personal ID, SI number or phone (exact), or by name with or without diacritics.

    Name ranking: the whole name; then a name that starts with, or ends with, what was typed (family name or
    given name); then a match at a word start; then anything containing every word typed."""
    text = (text or "").strip()[:SEARCH_MAX_CHARS]  # a name is at most 150 characters; a pasted page is not
    if not text:
        return []
    base = persons_for_user(user=user)
    compact = re.sub(r"[\s.\-]", "", text)
    if re.fullmatch(r"\+?\d{9,12}", compact):
        q = Q(pk__in=[])
        if len(compact) == 12 and compact.isdigit():
            q |= Q(personal_id=compact)
        if len(compact) == 10 and compact.isdigit():
            q |= Q(si_number=compact)
        with suppress(ApplicationError):  # not a mobile number: the other identifiers still apply
            q |= Q(phone=normalize_phone(compact))
        found = list(base.filter(q).order_by("name_folded", "pk")[:limit])
        return _with_aliases(user, base, found, q, limit)
    folded = fold(text)
    words = list(dict.fromkeys(w for w in folded.split(" ") if w))
    query = base
    alias_q = Q()
    for word in words:
        query = query.filter(name_folded__contains=word)
        alias_q &= Q(name_folded__contains=word)
    query = query.annotate(
        rank=Case(
            When(name_folded=folded, then=Value(0)),
            When(
                Q(name_folded__startswith=folded + " ") | Q(name_folded__endswith=" " + folded), then=Value(1)
            ),
            When(Q(name_folded__startswith=folded) | Q(name_folded__contains=" " + folded), then=Value(2)),
            default=Value(3),
            output_field=IntegerField(),
        )
    )
    found = list(query.order_by("rank", "name_folded", "pk")[:limit])
    return _with_aliases(user, base, found, alias_q, limit)


def _with_aliases(user, base: QuerySet[Person], found: list[Person], q: Q, limit: int) -> list[Person]:
    """After the people found, those found by a record merged into them (issue 13: "search finds the dropped
    person's identifiers as aliases"): a name written another way, or a phone, that only the merged record held.
    The merged record keeps its name and phone; its IDs went to the kept record, which the search finds itself."""
    if len(found) >= limit:
        return found
    merged = Person.objects.filter(scope_for(user).residents_q(), merged_into__isnull=False).filter(q)
    kept_ids = set(merged.values_list("merged_into_id", flat=True)[:limit]) - {p.pk for p in found}
    if not kept_ids:
        return found
    return found + list(base.filter(pk__in=kept_ids).order_by("name_folded", "pk")[: limit - len(found)])


def households_for_user(*, user) -> QuerySet[Household]:
    return Household.objects.filter(scope_for(user).residents_q()).select_related(
        "commune", "village", "head"
    )


def household_get(*, user, household_id: int) -> Household:
    household = households_for_user(user=user).filter(pk=household_id).first()
    if household is None:
        raise not_found()
    return household


def household_members(*, household: Household, include_past: bool = False) -> QuerySet[Membership]:
    members = Membership.objects.filter(household=household).select_related("person")
    if not include_past:
        members = members.filter(ended_on__isnull=True)
    return members.order_by("ended_on", "started_on", "pk")


def household_served(*, user, person: Person) -> list[Person]:
    """The person and the members of their household that the user may serve (the desk offers them together):
    a household in another area, or members living in another area, are left out (their own office serves
    them). ``person`` as read by ``person_get`` (its ``household_id`` annotated)."""
    household_id = getattr(person, "household_id", None)
    household = households_for_user(user=user).filter(pk=household_id).first() if household_id else None
    if household is None:
        return [person]
    visible = persons_for_user(user=user).filter(memberships__household=household, memberships__ended_on=None)
    ids = set(visible.values_list("pk", flat=True))
    return [m.person for m in household_members(household=household) if m.person_id in ids]


def person_memberships(*, person: Person) -> QuerySet[Membership]:
    return Membership.objects.filter(person=person).select_related("household").order_by("-started_on", "-pk")


def statuses_on(person: Any, on: dt.date) -> Any:
    """A person's statuses (``STATUS_FIELDS``) on a day, as attributes: the person itself when no recorded change
    takes effect after ``on`` (no query; most people, and everyone today), otherwise each status as it was before
    the first change after ``on`` (ADR 0031). ``person``: a Person, or a lighter record that carries
    ``statuses_since`` and the statuses (a target list's candidates)."""
    since = getattr(person, "statuses_since", None)
    if since is None or on >= since:
        return person
    return statuses_on_many([person], on)[person.pk]


def statuses_on_many(persons: Iterable[Any], on: dt.date) -> dict[int, Any]:
    """``statuses_on`` for many people, with one query for those who changed after ``on`` (none for people read
    with ``prefetch_related("status_changes")``)."""
    out: dict[int, Any] = {}
    later: dict[int, dict[str, Any]] = {}
    changes: list[tuple[int, str, Any]] = []
    to_read = []
    for p in persons:
        since = getattr(p, "statuses_since", None)
        if since is None or on >= since:
            out[p.pk] = p
            continue
        later[p.pk] = {field: getattr(p, field) for field in STATUS_FIELDS}
        prefetched = getattr(p, "_prefetched_objects_cache", {}).get("status_changes")
        if prefetched is None:
            to_read.append(p.pk)
        else:
            found = sorted(
                (c for c in prefetched if c.effective_on > on), key=lambda c: (c.effective_on, c.pk)
            )
            changes += [(p.pk, c.field, c.before) for c in found]
    if to_read:
        changes += (
            StatusChange.objects.filter(person_id__in=to_read, effective_on__gt=on)
            .order_by("effective_on", "pk")
            .values_list("person_id", "field", "before")
        )
    seen: set[tuple[int, str]] = set()
    for person_id, field, before in changes:  # each person's in order: the first change after ``on`` counts
        if (person_id, field) not in seen and field in STATUS_FIELDS:
            seen.add((person_id, field))
            later[person_id][field] = before
    out.update({pk: SimpleNamespace(pk=pk, **values) for pk, values in later.items()})
    return out


def status_changes(*, person: Person) -> QuerySet[StatusChange]:
    """A person's recorded changes in life, the latest first (the person page)."""
    return (
        StatusChange.objects.filter(person=person)
        .select_related("created_by")
        .order_by("-effective_on", "-pk")
    )
