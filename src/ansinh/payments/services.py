"""Writes for collection points, receipt books, receipts and the day close."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ansinh.areas.models import Area, Level
from ansinh.core.access import has_capability, require, scope_for
from ansinh.core.audit import audit_record, snapshot
from ansinh.core.dates import today
from ansinh.core.errors import ApplicationError, ErrorCode
from ansinh.core.journal import journal
from ansinh.core.money import MAX_VND

from .models import Audit, CollectionPoint, DayClose, Method, PointKind, Receipt, ReceiptBook


def _in_scope(actor, area: Area) -> None:
    if not scope_for(actor).covers_area(area):
        raise ApplicationError(
            ErrorCode.NOT_FOUND, _("There is no such area in your areas."), field="area_code"
        )


@transaction.atomic
def point_create(
    *,
    actor,
    code: str,
    name: str,
    kind: str,
    area: Area,
    bank_bin: str = "",
    bank_account: str = "",
    bank_account_name: str = "",
) -> CollectionPoint:
    require(actor, "payments.manage")
    _in_scope(actor, area)
    if kind not in PointKind.values:
        raise ApplicationError(ErrorCode.INVALID, _("Choose the kind of collection point."), field="kind")
    if area.level not in (Level.PROVINCE, Level.COMMUNE, Level.VILLAGE):
        raise ApplicationError(
            ErrorCode.INVALID, _("A point is in a current province or commune."), field="area"
        )
    if CollectionPoint.objects.filter(code=code).exists():
        raise ApplicationError(ErrorCode.CONFLICT, _("This code is taken."), field="code")
    point = CollectionPoint.objects.create(
        code=code,
        name=name.strip(),
        kind=kind,
        area=area,
        province_code=area.province_code,
        bank_bin=bank_bin,
        bank_account=bank_account,
        bank_account_name=bank_account_name,
    )
    audit_record(actor=actor, action=Audit.POINT_CREATE, obj=point, after=snapshot(point))
    return point


@transaction.atomic
def point_assign_agent(*, actor, point: CollectionPoint, agent) -> CollectionPoint:
    require(actor, "payments.manage")
    _in_scope(actor, point.area)
    point.agents.add(agent)
    audit_record(actor=actor, action=Audit.POINT_ASSIGN_AGENT, obj=point, after={"agent": agent.username})
    return point


RECEIPT_NUMBER_MAX = 9_999_999  # printed as 7 digits (Receipt.display_number); a database integer holds it


@transaction.atomic
def book_create(
    *,
    actor,
    point: CollectionPoint,
    series: str,
    first_number: int,
    last_number: int,
    held_by_kit: int | None = None,
) -> ReceiptBook:
    """A receipt book: a range of numbers of a series. Ranges of one series never overlap. ``held_by_kit``: the
    book is a field kit's (ADR 0027), out of the office desk's reach."""
    require(actor, "payments.manage")
    _in_scope(actor, point.area)
    series = series.strip().upper()
    if last_number > RECEIPT_NUMBER_MAX or first_number > RECEIPT_NUMBER_MAX:
        raise ApplicationError(
            ErrorCode.INVALID,
            _("A receipt number has at most 7 digits (up to %(max)s).") % {"max": RECEIPT_NUMBER_MAX},
            field="last_number" if last_number > RECEIPT_NUMBER_MAX else "first_number",
        )
    if not series or first_number < 1 or last_number < first_number:
        raise ApplicationError(
            ErrorCode.INVALID,
            _("A receipt book needs a series and a range of numbers from low to high."),
            field="last_number",
        )
    overlap = ReceiptBook.objects.filter(
        series=series, first_number__lte=last_number, last_number__gte=first_number
    )
    if overlap.exists():
        raise ApplicationError(
            ErrorCode.CONFLICT,
            _("These numbers overlap another book of series %(series)s.") % {"series": series},
            field="first_number",
        )
    book = ReceiptBook.objects.create(
        point=point,
        series=series,
        first_number=first_number,
        last_number=last_number,
        next_number=first_number,
        province_code=point.province_code,
        held_by_kit=held_by_kit,
    )
    audit_record(actor=actor, action=Audit.BOOK_CREATE, obj=book, after=snapshot(book))
    return book


@transaction.atomic
def book_close(*, actor, book: ReceiptBook) -> ReceiptBook:
    require(actor, "payments.manage")
    _in_scope(actor, book.point.area)
    if book.closed_at is None:
        book.closed_at = timezone.now()
        book.save(update_fields=["closed_at"])
        audit_record(
            actor=actor, action=Audit.BOOK_CLOSE, obj=book, after={"closed_at": book.closed_at.isoformat()}
        )
    return book


def _take_number(point: CollectionPoint) -> tuple[int, str, int]:
    """(book id, series, number): the next receipt number of the point's open book, taken and counted in one
    statement. The UPDATE locks the book row until the commit (never read-then-write): a concurrent desk waits,
    then PostgreSQL re-checks the row and increments the number it committed, so numbers are gap-free and never
    reused; a rollback gives the number back. This is the statement every agent of the point queues on, so it is
    one round trip, and the enrollment services run it last, just before the commit."""
    qn = connection.ops.quote_name
    table, now = qn(ReceiptBook._meta.db_table), connection.ops.adapt_datetimefield_value(timezone.now())
    open_book = "closed_at IS NULL AND next_number <= last_number AND held_by_kit IS NULL"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET next_number = next_number + 1,"  # noqa: S608 (names from the model)
            f" closed_at = CASE WHEN next_number + 1 > last_number THEN %s ELSE closed_at END"
            f" WHERE id = (SELECT id FROM {table} WHERE point_id = %s AND {open_book}"
            f" ORDER BY opened_at, first_number LIMIT 1) AND {open_book}"
            " RETURNING id, series, next_number - 1",
            [now, point.pk],
        )
        row = cursor.fetchone()
    if row is not None:
        return row[0], row[1], row[2]
    # No open book, or the one chosen was used up by a concurrent desk just now: choose under the lock.
    return _take_number_locked(point)


def _take_number_locked(point: CollectionPoint) -> tuple[int, str, int]:
    book = (
        ReceiptBook.objects.select_for_update()
        .filter(
            point=point, closed_at__isnull=True, next_number__lte=F("last_number"), held_by_kit__isnull=True
        )
        .order_by("opened_at", "first_number")
        .first()
    )
    if book is None:
        raise ApplicationError(
            ErrorCode.CONFLICT,
            _(
                "The collection point has no open receipt book with numbers left. Ask the office for a new book."
            ),
            field="point",
        )
    number = book.next_number
    book.next_number = number + 1
    if book.next_number > book.last_number:
        book.closed_at = timezone.now()  # used up
    book.save(update_fields=["next_number", "closed_at"])
    return book.pk, book.series, number


@transaction.atomic(savepoint=False)
def receipt_number_hold(*, actor, book: ReceiptBook, number: int) -> None:
    """A number a field kit gave to money whose recording waits on a manager's decision (a conflict, ADR 0027):
    the kit's book moves past it, so that it is never given again; the receipt is written with it when decided."""
    if ReceiptBook.objects.filter(pk=book.pk, next_number__lte=number).update(next_number=number + 1):
        audit_record(actor=actor, action=Audit.BOOK_NUMBER_HOLD, obj=book, after={"held": number})


def _place_number(point: CollectionPoint, book: ReceiptBook, number: int) -> tuple[int, str, int]:
    """A number a field kit gave a receipt from the book it holds: it must be the kit's book at this point and in
    its range; the unique (book, number) refuses it twice. The book's next number moves past it."""
    book = ReceiptBook.objects.select_for_update().get(pk=book.pk)
    if (
        book.point_id != point.pk
        or book.held_by_kit is None
        or not book.first_number <= number <= book.last_number
    ):
        raise ApplicationError(
            ErrorCode.CONFLICT, _("This receipt number is not in the field kit's book."), field="receipt"
        )
    if number >= book.next_number:
        book.next_number = number + 1
        book.save(update_fields=["next_number"])
    return book.pk, book.series, number


@transaction.atomic(savepoint=False)  # joins the caller's transaction; its own when called alone
def receipt_issue(
    *,
    actor,
    enrollment,
    method: str,
    amount: int,
    paid_on: dt.date,
    payer_name: str,
    tendered: int | None = None,
    numbered: tuple[ReceiptBook, int] | None = None,
) -> Receipt:
    """Called by the enrollment services inside their transaction, once the money is in, as their last write
    but the audit events: the book row stays locked from here to the commit. Refused once the agent has closed
    the day at the point: that money would be in no handover. ``numbered``: a receipt a field kit already wrote
    with a number of its own book (ADR 0027), recorded with that number."""
    agent_id = getattr(actor, "pk", None)
    if DayClose.objects.filter(point=enrollment.point, agent_id=agent_id, day=timezone.localdate()).exists():
        raise ApplicationError(
            ErrorCode.CONFLICT,
            _("You have closed the day at this collection point: money taken now would be in no handover."),
            field="point_id",
        )
    book_id, series, number = (
        _take_number(enrollment.point) if numbered is None else _place_number(enrollment.point, *numbered)
    )
    receipt = Receipt.objects.create(
        book_id=book_id,
        series=series,
        number=number,
        point=enrollment.point,
        enrollment=enrollment,
        amount=amount,
        tendered=tendered if method == Method.CASH else None,
        method=method,
        paid_on=paid_on,
        payer_name=payer_name[:150],
        province_code=enrollment.province_code,
        issued_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(
        actor=actor,
        action=Audit.RECEIPT_ISSUE,
        obj=receipt,
        after={
            "number": receipt.display_number,
            "amount": amount,
            "method": method,
            "tendered": receipt.tendered,
        },
    )
    return receipt


@transaction.atomic(savepoint=False)
def receipt_mark_void(*, actor, receipt: Receipt, reason: str) -> tuple[Receipt, bool]:
    """Marks a receipt void (never deletes it): it keeps its number and shows as void. Agents may void their own
    receipts of the day; managers any in their areas. Returns (receipt, whether it changed). The enrollment owns
    the flow (``enrollment.services.receipt_void`` voids what the receipt paid for in the same transaction)."""
    receipt = Receipt.objects.select_for_update().select_related("point__area").get(pk=receipt.pk)
    day = timezone.localdate(receipt.issued_at)  # the day in Vietnam, not in UTC
    own_today = (
        receipt.issued_by_id == getattr(actor, "pk", None)
        and day == timezone.localdate()
        and not DayClose.objects.filter(point=receipt.point, agent_id=receipt.issued_by_id, day=day).exists()
    )
    if not (
        has_capability(actor, "receipt.void") or (own_today and has_capability(actor, "receipt.void_own"))
    ):
        require(actor, "receipt.void")
    _in_scope(actor, receipt.point.area)
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise ApplicationError(
            ErrorCode.INVALID, _("Give the reason for voiding the receipt."), field="reason"
        )
    if receipt.voided_at is not None:
        return receipt, False  # voiding twice (a double click) changes nothing
    receipt.voided_at = timezone.now()
    receipt.voided_by = actor if getattr(actor, "pk", None) else None
    receipt.void_reason = reason[:300]
    receipt.save(update_fields=["voided_at", "voided_by", "void_reason"])
    audit_record(
        actor=actor,
        action=Audit.RECEIPT_VOID,
        obj=receipt,
        after={"number": receipt.display_number, "reason": receipt.void_reason},
    )
    return receipt, True


@transaction.atomic
def day_close_create(
    *,
    actor,
    point: CollectionPoint,
    day: dt.date | None = None,
    cash_counted: int,
    received_by: str,
    note: str = "",
) -> DayClose:
    """The agent's end of day: cash counted against the day's receipts; the difference is recorded, not hidden."""
    require(actor, "dayclose.create")
    _in_scope(actor, point.area)
    day = day or today()
    if day.year < 2000:  # no receipt of this system is that old (year 0001 was accepted and stored)
        raise ApplicationError(ErrorCode.INVALID, _("Choose a day this point worked."), field="day")
    if day > today():  # a day not yet worked cannot be handed over (and would stop today's receipts)
        raise ApplicationError(
            ErrorCode.INVALID, _("A day can be closed only once it has begun."), field="day"
        )
    if not isinstance(cash_counted, int) or not 0 <= cash_counted <= MAX_VND:
        raise ApplicationError(ErrorCode.INVALID, _("Enter the cash counted in đồng."), field="cash_counted")
    if not received_by.strip():
        raise ApplicationError(ErrorCode.INVALID, _("Who receives the cash?"), field="received_by")
    if DayClose.objects.filter(point=point, agent=actor, day=day).exists():
        raise ApplicationError(ErrorCode.CONFLICT, _("This day is already closed."), field="day")
    from .selectors import day_summary

    summary = day_summary(point=point, agent=actor, day=day)
    try:
        with transaction.atomic():
            close = DayClose.objects.create(
                point=point,
                agent=actor,
                day=day,
                receipts=summary["valid"],
                voided=summary["voided"],
                cash_expected=summary["cash"],
                cash_counted=cash_counted,
                transfers=summary["transfers"],
                received_by=received_by.strip()[:150],
                note=note[:300],
                province_code=point.province_code,
            )
    except IntegrityError:  # a second click that reached the database at the same moment
        raise ApplicationError(ErrorCode.CONFLICT, _("This day is already closed."), field="day") from None
    audit_record(actor=actor, action=Audit.DAY_CLOSE, obj=close, after=snapshot(close))
    journal("dayclose.create", close, actor=actor)
    return close
