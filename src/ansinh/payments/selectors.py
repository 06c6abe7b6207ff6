"""Reads of collection points, receipts, day closes and bank-transfer payments, scoped to the user's areas."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from ansinh.core.access import not_found, require, scope_for
from ansinh.core.money import format_vnd

from .models import CollectionPoint, DayClose, Method, Payment, PaymentStatus, Receipt


def points_for_user(*, user) -> QuerySet[CollectionPoint]:
    return CollectionPoint.objects.filter(scope_for(user).areas_q(prefix="area__")).select_related("area")


def my_points(*, user) -> QuerySet[CollectionPoint]:
    return CollectionPoint.objects.filter(agents=user, is_active=True).select_related("area")


def point_get(*, user, point_id: int) -> CollectionPoint:
    point = (
        points_for_user(user=user).filter(pk=point_id).first()
        or my_points(user=user).filter(pk=point_id).first()
    )
    if point is None:
        raise not_found()
    return point


def agent_for_point(*, user, point: CollectionPoint, username: str):
    """The user named ``username`` whom ``user`` may assign to ``point``: only a manager of payments asks, and
    only a user who works in the point's area or in an area of the manager's scope is found — anyone else, and a
    name nobody has, is the same "not found", so the answer does not tell which usernames exist."""
    from ansinh.core.models import User

    require(user, "payments.manage")
    scope = scope_for(user)
    if not scope.covers_area(point.area):
        raise not_found()
    agent = (
        User.objects.filter(username=username, is_active=True)
        .filter(scope.areas_q(prefix="areas__") | Q(areas__path__startswith=point.area.path))
        .distinct()
        .first()
    )
    if agent is None:
        raise not_found()
    return agent


def receipts_for_user(*, user) -> QuerySet[Receipt]:
    return Receipt.objects.filter(scope_for(user).areas_q(prefix="point__area__")).select_related(
        "point", "enrollment", "issued_by"
    )


def day_receipts(*, point: CollectionPoint, agent, day) -> QuerySet[Receipt]:
    """The receipts an agent issued at a point on a day (the day the money was taken, whatever date it was
    paid for), in number order: what the desk lists, the day close counts and the handover sheet prints."""
    return (
        Receipt.objects.filter(point=point, issued_by=agent, issued_at__date=day)
        .select_related("point")
        .order_by("series", "number")
    )


def day_summary(*, point: CollectionPoint, agent, day) -> dict:
    """An agent's day at a point: its receipts, the cash they should have in hand and the transfers (void
    receipts are listed but count for nothing). The day close records exactly these figures."""
    receipts = list(day_receipts(point=point, agent=agent, day=day))
    valid = [r for r in receipts if not r.is_void]
    return {
        "receipts": receipts,
        "valid": len(valid),
        "voided": len(receipts) - len(valid),
        "cash": sum(r.amount for r in valid if r.method == Method.CASH),
        "transfers": sum(r.amount for r in valid if r.method == Method.BANK_TRANSFER),
    }


def receipt_get(*, user, receipt_id: int) -> Receipt:
    receipt = receipts_for_user(user=user).filter(pk=receipt_id).first()
    if receipt is None:
        raise not_found()
    return receipt


def day_close_get(*, user, close_id: int) -> DayClose:
    close = DayClose.objects.filter(scope_for(user).areas_q(prefix="point__area__"), pk=close_id).first()
    if close is None:
        raise not_found()
    return close


def receipt_json(receipt: Receipt) -> dict:
    return {
        "id": receipt.pk,
        "number": receipt.display_number,
        "series": receipt.series,
        "sequence": receipt.number,
        "amount": receipt.amount,
        "method": receipt.method,
        "paid_on": receipt.paid_on.isoformat(),
        "payer_name": receipt.payer_name,
        "point_id": receipt.point_id,
        "enrollment_id": receipt.enrollment_id,
        "void": receipt.is_void,
        "void_reason": receipt.void_reason or None,
    }


def transfers_reconcile(*, user, lines: list[dict]) -> dict:
    """Matches bank-statement lines ({reference, amount, bank_reference}) against bank-transfer payments.
    Reads only: confirming is done per enrollment (enrollment_confirm_payment), after a person has looked."""
    require(user, "payments.reconcile")
    scope = scope_for(user)
    payments = Payment.objects.filter(scope.areas_q(prefix="enrollment__point__area__"))
    by_ref = {
        p.reference: p
        for p in payments.filter(reference__in=[str(x.get("reference", "")).strip().upper() for x in lines])
    }
    matched, mismatched, unknown = [], [], []
    for line in lines:
        ref = str(line.get("reference", "")).strip().upper()
        payment = by_ref.get(ref)
        if payment is None:
            unknown.append(line)
        elif int(line.get("amount", -1)) != payment.amount:
            mismatched.append(
                {
                    **line,
                    "expected": payment.amount,
                    "message": _("expected %(amount)s") % {"amount": format_vnd(payment.amount)},
                }
            )
        else:
            matched.append(
                {
                    **line,
                    "enrollment_id": payment.enrollment_id,
                    "status": payment.status,
                    "already_confirmed": payment.status == PaymentStatus.CONFIRMED,
                }
            )
    return {"matched": matched, "mismatched": mismatched, "unknown": unknown}
