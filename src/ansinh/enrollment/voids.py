"""Voiding a receipt and what it paid for: the enrollment owns the flow (payments marks the receipt void, then
the enrollment's coverage and contribution months become void, and what depends on them follows: new-or-renewal
flags, coverage periods), in one transaction."""

from __future__ import annotations

from django.db import transaction

from ansinh.core.audit import audit_record
from ansinh.core.journal import journal
from ansinh.payments.models import Receipt
from ansinh.payments.services import receipt_mark_void
from ansinh.registry.models import Person

from .models import Audit, Enrollment, HICoverage, Status, VSIContribution
from .participation import participation_flags_refresh
from .periods import coverage_periods_refresh


@transaction.atomic(savepoint=False)  # joins the caller's transaction; its own when called alone
def enrollment_void(*, actor, enrollment: Enrollment) -> Enrollment:
    """Voids an enrollment whose receipt is voided (receipt_void, below), inside its transaction."""
    enrollment.status = Status.VOID
    enrollment.save(update_fields=["status"])
    HICoverage.objects.filter(enrollment=enrollment).update(is_void=True)
    VSIContribution.objects.filter(enrollment=enrollment).update(is_void=True)
    participation_flags_refresh(person_ids=enrollment.members.values("person_id"), lock=True)  # ADR 0008
    coverage_periods_refresh(  # coverage figures (ADR 0010)
        persons=Person.objects.filter(pk__in=enrollment.members.values("person_id")).order_by("pk")
    )
    audit_record(actor=actor, action=Audit.ENROLLMENT_VOID, obj=enrollment, after={"status": Status.VOID})
    return enrollment


@transaction.atomic
def receipt_void(*, actor, receipt: Receipt, reason: str) -> Receipt:
    """Voids a receipt (never deletes it: it keeps its number and shows as void) and the coverage, cards and
    contribution months it paid for. Voiding twice changes nothing."""
    receipt, changed = receipt_mark_void(actor=actor, receipt=receipt, reason=reason)
    if changed:
        enrollment_void(actor=actor, enrollment=receipt.enrollment)
        journal("receipt.void", receipt, actor=actor, reason=reason)
    return receipt
