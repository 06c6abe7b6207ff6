"""New or renewal, stored on each participation (ADR 0008): the look-back window of a member row and the one
expression that decides it, refreshed by every service that creates or voids coverage or contribution months."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from ansinh.registry.models import Person

from .models import Enrollment, EnrollmentMember, HICoverage, Scheme, VSIContribution
from .policy import NEW_LOOKBACK_DAYS


def lookback_window(paid_on: dt.date) -> dict[str, dt.date]:
    start = paid_on - dt.timedelta(days=NEW_LOOKBACK_DAYS)
    return {
        "lookback_from": start,
        "lookback_to": paid_on - dt.timedelta(days=1),
        "lookback_from_month": start.replace(day=1),
    }


def participation_is_new() -> Any:
    """The expression that decides, for a member row, whether its participation is **new** (docs/domain.md,
    "What the numbers mean"): the person had no non-void coverage of that scheme family on any day of the row's
    look-back window (the 90 days before the payment) — any health-insurance span for household or group HI,
    whoever paid it; for voluntary SI any contribution month touching the window. The row's own enrollment is
    never its own "before". A span without an enrollment (imported) counts."""
    from django.db.models import BooleanField, Case, Exists, OuterRef, When

    prior_hi = Exists(
        HICoverage.objects.filter(
            person_id=OuterRef("person_id"),
            is_void=False,
            valid_from__lte=OuterRef("lookback_to"),
            valid_to__gte=OuterRef("lookback_from"),
        ).exclude(enrollment_id=OuterRef("enrollment_id"))
    )
    prior_vsi = Exists(
        VSIContribution.objects.filter(
            person_id=OuterRef("person_id"),
            is_void=False,
            first_month__lte=OuterRef("lookback_to"),
            last_month__gte=OuterRef("lookback_from_month"),
        ).exclude(enrollment_id=OuterRef("enrollment_id"))
    )
    vsi = Exists(Enrollment.objects.filter(pk=OuterRef("enrollment_id"), scheme=Scheme.VSI))
    return Case(When(vsi, then=~prior_vsi), default=~prior_hi, output_field=BooleanField())


@transaction.atomic(savepoint=False)
def participation_flags_refresh(*, person_ids: Any, lock: bool = False) -> int:
    """Recomputes ``EnrollmentMember.is_new`` for every member row of these persons, in one UPDATE; returns the
    number of rows. The flag of a row depends on the person's other coverage, so this runs wherever health-
    insurance spans or contribution months are created or voided, in the same transaction (ADR 0008).

    ``person_ids``: ids, or a query of ids. ``lock``: lock the persons first, in id order, as the desk does — for
    a caller that has not (voiding), so that an enrollment of the same person committing meanwhile is seen
    (READ COMMITTED: the UPDATE's snapshot is taken after the lock is granted)."""
    if lock:
        list(Person.objects.select_for_update().filter(pk__in=person_ids).order_by("pk").values_list("pk"))
    return EnrollmentMember.objects.filter(person_id__in=person_ids).update(is_new=participation_is_new())


@transaction.atomic(savepoint=False)
def participation_flags_refresh_all(*, province_code: str | None = None) -> int:
    """The bulk form, for loads that write enrollments, coverage or contribution months without the desk
    services (COPY, imports, a restored dump): every member row, or those of one province (the member's
    ``province_code``), in one UPDATE. Returns the number of rows."""
    members = EnrollmentMember.objects.all()
    if province_code is not None:
        members = members.filter(province_code=province_code)
    return members.update(is_new=participation_is_new())
