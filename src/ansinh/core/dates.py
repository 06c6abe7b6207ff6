"""Dates as people give them: a full date, a month and year, or only a year (common in rural records)."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import ApplicationError, ErrorCode

_ISO = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_VN = re.compile(r"^(?:(\d{1,2})/)?(?:(\d{1,2})/)?(\d{4})$")  # dd/mm/yyyy, mm/yyyy, yyyy


def today() -> dt.date:
    return timezone.localdate()


def parse_partial_date(value, *, field: str = "birth_date") -> tuple[dt.date, str]:
    """'1997', '1997-05', '1997-05-13', '13/05/1997', '05/1997' or a date -> (date, precision 'y'|'m'|'d').
    A partial date is stored as its first day."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value, "d"
    text = str(value or "").strip()
    m = _ISO.match(text)
    if m:
        year, month, day = m.group(1), m.group(2), m.group(3)
    else:
        m = _VN.match(text)
        if not m:
            raise ApplicationError(
                ErrorCode.INVALID,
                _("Write the date as dd/mm/yyyy, mm/yyyy or yyyy (or YYYY-MM-DD)."),
                field=field,
            )
        a, b, year = m.group(1), m.group(2), m.group(3)
        day, month = (a, b) if b else (None, a)
    precision = "d" if day else "m" if month else "y"
    try:
        date = dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        raise ApplicationError(
            ErrorCode.INVALID, _("%(value)s is not a date that exists.") % {"value": text}, field=field
        ) from None
    return date, precision


def validate_birth_date(date: dt.date, *, field: str = "birth_date") -> dt.date:
    if date > today():
        raise ApplicationError(ErrorCode.INVALID, _("A date of birth cannot be in the future."), field=field)
    if date.year < 1900:
        raise ApplicationError(
            ErrorCode.INVALID, _("A date of birth before 1900 is not plausible."), field=field
        )
    return date


def format_date(date: dt.date | None) -> str:
    return date.strftime("%d/%m/%Y") if date else ""
