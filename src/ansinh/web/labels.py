"""Translatable names of the rules' group codes, for pages and documents."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext, gettext_lazy

from ansinh.core.audit import history_for
from ansinh.core.dates import format_date
from ansinh.core.group_names import (  # noqa: F401  (the groups' names live below the apps: services use them)
    HI_GROUP_LABELS,
    VSI_GROUP_LABELS,
    hi_group_label,
    vsi_group_label,
)

# The pure rules package cannot translate (it never imports Django): the fixed sentences of a pension
# estimate's ``assumptions`` (ansinh.rules.pension.estimate), in the interface's language.
PENSION_ASSUMPTION_LABELS = {
    "an estimate for consultation, not a decision on entitlement": gettext_lazy(
        "An estimate for consultation, not a decision on entitlement."
    ),
    "retires at the normal retirement age, contributions stop then": gettext_lazy(
        "Retires at the normal retirement age; contributions stop then."
    ),
    "no revaluation table in force on the pension start; incomes not revalued": gettext_lazy(
        "No revaluation table is in force when the pension starts; incomes are not revalued."
    ),
    "the average income given is already revalued": gettext_lazy(
        "The average income given is already revalued."
    ),
    "all years counted as contributed from 2014 for the lump sum": gettext_lazy(
        "For the lump sum, every year is counted as contributed from 2014 on."
    ),
    "lump sum: state support received is deducted (unconfirmed)": gettext_lazy(
        "Lump sum: the state support received is deducted (not yet confirmed)."
    ),
    "lump sum allowed here only when the minimum years are not met at retirement age": gettext_lazy(
        "The lump sum is shown only when the minimum years are not reached at retirement age."
    ),
}


def pension_assumption_label(text: str) -> str:
    """A known assumption in the interface's language; one the list does not know yet, as the rules wrote it."""
    return str(PENSION_ASSUMPTION_LABELS.get(text, text))


HISTORY_ACTION_LABELS = {
    "person_create": gettext_lazy("registered"),
    "person_update": gettext_lazy("record corrected"),
    "si_number_assign": gettext_lazy("SI number given"),
    "household_create": gettext_lazy("household created"),
    "household_add_member": gettext_lazy("member added"),
    "household_join": gettext_lazy("moved into the household"),
    "household_leave": gettext_lazy("left the household"),
    "household_head_clear": gettext_lazy("head left the household"),
    "payout_switched": gettext_lazy("pension switched to an account"),
    "person_status_history": gettext_lazy("past changes of status recorded"),
}
# Bookkeeping columns, not facts about the person or the household.
_HISTORY_HIDDEN = {
    "id",
    "name_folded",
    "province_code",
    "created_at",
    "created_by",
    "updated_at",
    "birth_date_precision",
    "statuses_since",
    "household_id",  # a household event names the household by its code (household_code)
    "changes",  # a past status history: the person page lists its changes in words ("Changes in life")
}
# What an audit event records beside a record's fields: said in words, or read as the field of another record
# (joining or leaving a household is recorded on the person: the membership's relation and days, the household's
# code).
_HISTORY_LABELS = {"statuses_from": gettext_lazy("takes effect from")}
_EVENT_FIELDS = {
    "relation": lambda: _model("registry.Membership")._meta.get_field("relation"),
    "started_on": lambda: _model("registry.Membership")._meta.get_field("started_on"),
    "ended_on": lambda: _model("registry.Membership")._meta.get_field("ended_on"),
    "household_code": lambda: _model("registry.Household")._meta.get_field("code"),
    "person_id": lambda: _model("registry.Membership")._meta.get_field("person"),
}
_EVENT_LABELS = {"person_id": gettext_lazy("person")}  # the membership's field has no label of its own


def _model(label: str):
    from django.apps import apps

    return apps.get_model(label)


def status_changes_in_words(person) -> list[dict]:
    """A person's changes in life (ADR 0031) as the person page shows them, the latest first: the day, the
    status by its label, the value before and after in words, who recorded it."""
    from ansinh.registry.selectors import status_changes

    rows = []
    for change in status_changes(person=person):
        field = type(person)._meta.get_field(change.field)
        rows.append(
            {
                "on": change.effective_on,
                "status": str(field.verbose_name),
                "before": _in_words(field, change.before) or "—",
                "after": _in_words(field, change.after) or "—",
                "by": change.created_by,
            }
        )
    return rows


def _history_value(value: object) -> object:
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return format_date(dt.date.fromisoformat(value))
        except ValueError:
            return value
    return value


def _in_words(field, value: object) -> object:
    """A stored value as a page shows it: a choice by its name, a related row by its name ('commune: 313' -> the
    commune's name), a yes/no, a date as dd/mm/yyyy."""
    if value is None:
        return None
    if getattr(field, "many_to_one", False):
        found = field.related_model._default_manager.filter(pk=value).first()
        return str(getattr(found, "name", found)) if found is not None else _history_value(value)
    choices = dict(getattr(field, "flatchoices", None) or [])  # 'cash' -> 'tiền mặt'
    return choices[value] if isinstance(value, str | int) and value in choices else _history_value(value)


def history_in_words(obj) -> list[dict]:
    """A record's audit history as a page shows it: what was done, and each changed field by its label, a
    choice by its name, a date as dd/mm/yyyy; bookkeeping columns left out."""
    rows = []
    for event in history_for(obj)[:100]:
        changes = []
        for name, old, new in event.changes():
            if name in _HISTORY_HIDDEN:
                continue
            try:
                field = _EVENT_FIELDS[name]() if name in _EVENT_FIELDS else obj._meta.get_field(name)
            except FieldDoesNotExist:
                label = _HISTORY_LABELS.get(name, name)
                changes.append(
                    (str(label), _history_value(old) if old is not None else None, _history_value(new))
                )
                continue
            label = _EVENT_LABELS.get(name) or getattr(field, "verbose_name", name)
            changes.append((str(label), _in_words(field, old), _in_words(field, new)))
        action = HISTORY_ACTION_LABELS.get(event.action, event.action)
        rows.append({"at": event.at, "actor": event.actor, "action": action, "changes": changes})
    return rows
