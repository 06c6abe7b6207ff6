"""Reads of enrollments and coverage, scoped to the user's areas."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from ansinh.core.access import not_found, scope_for

from .models import Enrollment, HICoverage


def enrollments_for_user(*, user) -> QuerySet[Enrollment]:
    scope = scope_for(user)
    q = scope.areas_q(prefix="point__area__")
    if getattr(user, "pk", None):
        q |= Q(created_by=user)
    return Enrollment.objects.filter(q).select_related("point", "payment")


def enrollment_get(*, user, enrollment_id: int) -> Enrollment:
    enrollment = enrollments_for_user(user=user).filter(pk=enrollment_id).first()
    if enrollment is None:
        raise not_found()
    return enrollment


def coverage_of(*, person) -> QuerySet[HICoverage]:
    return HICoverage.objects.filter(person=person).select_related("enrollment").order_by("-valid_to")


def current_coverage(*, person, on: dt.date) -> HICoverage | None:
    return (
        HICoverage.objects.filter(person=person, is_void=False, valid_from__lte=on, valid_to__gte=on)
        .order_by("-valid_to")
        .first()
    )


def renewal_status(*, persons, on: dt.date) -> list[dict]:
    """Each person's latest card and whether the desk can sell them one now (the renewal window of
    enrollment_create: a card with more than RENEWAL_WINDOW_DAYS left cannot be renewed yet)."""
    from .services import RENEWAL_WINDOW_DAYS

    rows = []
    for person in persons:
        cover = coverage_of(person=person).filter(is_void=False).first()
        renew_from = cover.valid_to - dt.timedelta(days=RENEWAL_WINDOW_DAYS) if cover else None
        rows.append(
            {
                "person": person,
                "cover": cover,
                "covered_now": bool(cover and cover.valid_from <= on <= cover.valid_to),
                "blocked": bool(renew_from and on < renew_from),
                "renew_from": renew_from,
            }
        )
    return rows


def enrollment_json(enrollment: Enrollment) -> dict:
    from ansinh.payments.models import Receipt

    payment = getattr(enrollment, "payment", None)
    receipt = Receipt.objects.filter(enrollment=enrollment).first()
    coverage = list(enrollment.hi_coverage.select_related("card").order_by("pk"))
    return {
        "id": enrollment.pk,
        "status": enrollment.status,
        "scheme": enrollment.scheme,
        "paid_on": enrollment.paid_on.isoformat(),
        "backdated": enrollment.backdated,
        "months": enrollment.months,
        "point_id": enrollment.point_id,
        "activity_id": enrollment.activity_id,
        "total_payable": enrollment.total_payable,
        "members": [
            {
                k: m.get(k)
                for k in (
                    "person_id",
                    "full_name",
                    "rank",
                    "group",
                    "monthly_premium",
                    "premium",
                    "support",
                    "payable",
                )
            }
            for m in enrollment.quote["members"]
        ],
        "payment": None
        if payment is None
        else {
            "method": payment.method,
            "status": payment.status,
            "amount": payment.amount,
            "reference": payment.reference,
            "vietqr": payment.qr_payload or None,
        },
        "receipt": None
        if receipt is None
        else {
            "id": receipt.pk,
            "number": receipt.display_number,
            "amount": receipt.amount,
            "method": receipt.method,
            "paid_on": receipt.paid_on.isoformat(),
            "void": receipt.is_void,
        },
        "coverage": [
            {
                "person_id": c.person_id,
                "valid_from": c.valid_from.isoformat(),
                "valid_to": c.valid_to.isoformat(),
                "group": c.group,
                "benefit_level": c.benefit_level,
                "rule": c.rule,
                "void": c.is_void,
                "card_id": getattr(getattr(c, "card", None), "pk", None),
            }
            for c in coverage
        ],
        "vsi": [
            {
                "person_id": v.person_id,
                "first_month": v.first_month.isoformat()[:7],
                "last_month": v.last_month.isoformat()[:7],
                "months": v.months,
                "monthly_contribution": v.monthly_contribution,
                "monthly_support": v.monthly_support,
                "void": v.is_void,
            }
            for v in enrollment.vsi_contributions.order_by("pk")
        ],
        "cards": [
            {"id": c.card.pk, "number": c.card.number, "person_id": c.person_id}
            for c in coverage
            if getattr(c, "card", None) is not None
        ],
        "vssid_install_assisted": enrollment.vssid_install_assisted,
        "cashless_switched": enrollment.cashless_switched,
    }
