"""Voiding an enrollment, called by payments.services.receipt_void inside its transaction: its coverage and
contribution months become void, and what depends on them (new-or-renewal flags, coverage periods) follows."""

from __future__ import annotations

from ansinh.core.audit import audit_record
from ansinh.registry.models import Person
from ansinh.reports.services import coverage_periods_refresh

from .models import Enrollment, HICoverage, Status, VSIContribution
from .participation import participation_flags_refresh


def enrollment_void(*, actor, enrollment: Enrollment) -> Enrollment:
    """Called when the receipt is voided (payments.services.receipt_void), inside its transaction."""
    enrollment.status = Status.VOID
    enrollment.save(update_fields=["status"])
    HICoverage.objects.filter(enrollment=enrollment).update(is_void=True)
    VSIContribution.objects.filter(enrollment=enrollment).update(is_void=True)
    participation_flags_refresh(person_ids=enrollment.members.values("person_id"), lock=True)  # ADR 0008
    coverage_periods_refresh(  # coverage figures (ADR 0010)
        persons=Person.objects.filter(pk__in=enrollment.members.values("person_id")).order_by("pk")
    )
    audit_record(actor=actor, action="enrollment_void", obj=enrollment, after={"status": Status.VOID})
    return enrollment
