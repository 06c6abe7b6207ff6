"""Every write to the registry (house rule 1): validated first, one transaction, one audit event each."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Model
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ansinh.areas.models import Area, Level
from ansinh.areas.selectors import normalize_code
from ansinh.core.access import require, scope_for
from ansinh.core.audit import audit_batch, audit_record, snapshot
from ansinh.core.bulk import objects_insert, rows_insert
from ansinh.core.dates import format_date, parse_partial_date, today, validate_birth_date
from ansinh.core.errors import ApplicationError, ErrorCode, ValidationFailed
from ansinh.core.identifiers import normalize_phone, validate_personal_id, validate_si_number
from ansinh.core.journal import journal, quiet, recording
from ansinh.core.text import clean_name, fold, has_invisible

from .ethnicities import ETHNICITY_NAMES
from .models import (
    STATUS_FIELDS,
    Audit,
    CoveragePeriod,
    Employment,
    Household,
    Membership,
    Payout,
    Person,
    PersonMerge,
    Poverty,
    Relation,
    Sex,
    SINumberSequence,
    StatusChange,
)
from .periods import periods_follow_person

# Fields a caller may set on a person; anything else is refused, not ignored.
BOOLEAN_FIELDS = {
    "is_student",
    "ethnic_minority_listed_commune",
    "social_assistance",
    "atk_commune",
    "agricultural_household",
    "island_commune",
    "pension_recipient",
    "do_not_contact",
}
PERSON_FIELDS = {
    "full_name",
    "birth_date",
    "sex",
    "ethnicity",
    "personal_id",
    "si_number",
    "phone",
    "area_code",
    "village_id",
    "occupation",
    "employment",
    "poverty",
    "poverty_year",
    "payout_method",
    "died_on",
    "statuses_from",  # the day a change of statuses takes effect (ADR 0031); without it an edit is a correction
    *BOOLEAN_FIELDS,
}

# The allowed values, as sets: Django builds a choices class's ``values`` list again at every read.
SEXES = frozenset(Sex.values)
RELATIONS = frozenset(Relation.values)
CHOICE_FIELDS = (
    ("employment", frozenset(Employment.values)),
    ("poverty", frozenset(Poverty.values)),
    ("payout_method", frozenset(Payout.values)),
)
NAME_MAX: int = getattr(Person._meta.get_field("full_name"), "max_length", None) or 150


class _Reads:
    """What _clean_person reads from the database to check a person, one query per question (a form, the API).
    families_register answers the same questions for a whole batch from a few queries (_BatchReads)."""

    def commune(self, code: str) -> Area | None:
        return Area.objects.filter(code=code, level=Level.COMMUNE).first()

    def holds_village_of(self, commune: Area, village_ids: frozenset[int]) -> bool:
        return Area.objects.filter(pk__in=village_ids, parent=commune).exists()

    def village(self, commune: Area, village_id) -> Area | None:
        return Area.objects.filter(pk=village_id, parent=commune, level=Level.VILLAGE).first()

    def taken(self, field: str, value: str, current: Person | None) -> bool:
        others = Person.objects.filter(**{field: value})
        if current is not None:
            others = others.exclude(pk=current.pk)
        return others.exists()


READS = _Reads()


def _commune_in_scope(actor, code: str | None, errors: dict[str, str], reads: _Reads) -> Area | None:
    if not code:
        errors["area_code"] = _("Choose the commune where the person lives.")
        return None
    commune = reads.commune(normalize_code(code))
    scope = scope_for(actor)
    mine = commune is not None and (
        scope.covers_area(commune)
        or reads.holds_village_of(commune, scope.village_ids)  # a village of it is theirs
    )
    if not mine:
        # Same words for "unknown" and "not yours": the user learns nothing about other areas.
        errors["area_code"] = _("%(code)s is not a commune in your areas.") % {"code": code}
        return None
    return commune


def _village_of(commune: Area | None, village_id, errors: dict[str, str], reads: _Reads) -> Area | None:
    if not village_id or commune is None:
        return None
    village = reads.village(commune, village_id)
    if village is None:
        errors["village_id"] = _("This village is not in the chosen commune.")
    return village


def _clean_person(
    actor, data: dict[str, Any], current: Person | None, reads: _Reads = READS
) -> dict[str, Any]:
    """Validates the given fields (merged over the current record) and returns model field values: the one check
    of a person's record, for a form, the API, an import and the field kit alike."""
    unknown = set(data) - PERSON_FIELDS
    if unknown:
        raise ApplicationError(
            ErrorCode.INVALID,
            _("Unknown field: %(name)s.") % {"name": sorted(unknown)[0]},
            field=sorted(unknown)[0],
        )
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}

    def merged(name: str, default=None):
        if name in data:
            return data[name]
        if current is None:
            return default
        if name == "area_code":
            return current.commune.code
        if name == "birth_date":
            return current.birth_date_iso
        return getattr(current, name if name != "village_id" else "village_id")

    name = clean_name(str(merged("full_name", "") or ""))
    if has_invisible(name):
        errors["full_name"] = _("The name holds invisible or control characters; type it again.")
    elif len(name) < 2:
        errors["full_name"] = _("Enter the person's full name.")
    elif len(name) > NAME_MAX:
        errors["full_name"] = _("A name has at most %(n)s characters.") % {"n": NAME_MAX}
    out["full_name"], out["name_folded"] = name, fold(name)

    sex = merged("sex", "")
    if sex not in SEXES:
        errors["sex"] = _("Sex is m (male) or f (female).")
    out["sex"] = sex

    birth = None
    try:
        birth, precision = parse_partial_date(merged("birth_date", ""))
        validate_birth_date(birth)
        out["birth_date"], out["birth_date_precision"] = birth, precision
    except ApplicationError as e:
        errors["birth_date"] = e.message
        birth = None

    ethnicity = str(merged("ethnicity", "01") or "01").zfill(2)
    if ethnicity not in ETHNICITY_NAMES:
        errors["ethnicity"] = _("Choose one of the 54 ethnic groups.")
    out["ethnicity"] = ethnicity

    pid = merged("personal_id") or None
    if pid:
        try:
            out["personal_id"] = validate_personal_id(
                str(pid), sex=sex if sex in SEXES else None, birth_year=birth.year if birth else None
            )
        except ApplicationError as e:
            errors["personal_id"] = e.message
    else:
        out["personal_id"] = None

    si = merged("si_number") or None
    if si:
        try:
            out["si_number"] = validate_si_number(str(si))
        except ApplicationError as e:
            errors["si_number"] = e.message
    else:
        out["si_number"] = None

    phone = merged("phone") or ""
    if phone:
        try:
            out["phone"] = normalize_phone(str(phone))
        except ApplicationError as e:
            errors["phone"] = e.message
    else:
        out["phone"] = ""

    commune = _commune_in_scope(actor, merged("area_code"), errors, reads)
    village = _village_of(commune, merged("village_id"), errors, reads)
    scope = scope_for(actor)
    only_villages = commune is not None and not scope.covers_area(commune)  # a village's agent: theirs only
    if (
        only_villages
        and "village_id" not in errors
        and (village is None or village.pk not in scope.village_ids)
    ):
        errors["village_id"] = _("Choose a village in your areas.")
    if commune is not None:
        out["commune"], out["province_code"], out["village"] = commune, commune.province_code, village

    for field, choices in CHOICE_FIELDS:
        value = merged(field, "") or ""
        if value not in choices:
            errors[field] = _("%(value)s is not one of the allowed values.") % {"value": value}
        out[field] = value
    year = merged("poverty_year")
    if out.get("poverty") and not year:
        errors["poverty_year"] = _("Give the year the poverty status was certified.")
    if year and not (2000 <= int(year) <= today().year):
        errors["poverty_year"] = _("The certification year must be between 2000 and this year.")
    out["poverty_year"] = int(year) if year else None
    if out.get("payout_method") and not merged("pension_recipient", False):
        errors["payout_method"] = _("Only a pension or benefit recipient has a payout method.")
    for field in BOOLEAN_FIELDS:
        out[field] = bool(merged(field, False))
    out["occupation"] = str(merged("occupation", "") or "")[:100]
    out["died_on"] = _day_in_life(
        merged("died_on"),
        "died_on",
        birth,
        errors,
        *DEATH_ERRORS,
    )
    if data.get("statuses_from"):
        if current is None:
            errors["statuses_from"] = _("A date of change applies to a person already registered.")
        else:
            out["statuses_from"] = _day_in_life(
                data["statuses_from"],
                "statuses_from",
                birth,
                errors,
                *CHANGE_ERRORS,
            )

    _check_unique(out, current, errors, reads)
    if errors:
        raise ValidationFailed(errors)
    return out


# Messages translated only when said (gettext is a lookup per call: 4 per person in a batch of a million).
DEATH_ERRORS = (
    gettext_lazy("Give the full date of death (dd/mm/yyyy)."),
    gettext_lazy("The date of death must be after birth and not in the future."),
)
CHANGE_ERRORS = (
    gettext_lazy("Give the full date the change takes effect (dd/mm/yyyy)."),
    gettext_lazy("A change takes effect after birth and not in the future."),
)
TAKEN_ERRORS = (
    ("personal_id", gettext_lazy("Another person already has this personal ID.")),
    ("si_number", gettext_lazy("Another person already has this SI number.")),
)


def _day_in_life(
    value: Any, field: str, birth: dt.date | None, errors: dict[str, str], partial: Promise, outside: Promise
) -> dt.date | None:
    """A full date between birth and today (a death, a change of status), or None with the error in ``errors``."""
    if not value:
        return None
    try:
        day, precision = parse_partial_date(value, field=field)
    except ApplicationError as e:  # 31/02/2025, 'abc': say what is wrong with the text itself
        errors[field] = e.message
        return None
    if precision != "d":
        errors[field] = str(partial)
    elif day > today() or (birth and day < birth):
        errors[field] = str(outside)
    else:
        return day
    return None


def _check_unique(out: dict[str, Any], current: Person | None, errors: dict[str, str], reads: _Reads) -> None:
    for name, message in TAKEN_ERRORS:
        value = out.get(name)
        if value and name not in errors and reads.taken(name, value, current):
            errors[name] = str(message)


@transaction.atomic
def person_create(*, actor, data: dict[str, Any]) -> Person:
    """Registers a person in a commune the actor works in."""
    require(actor, "registry.edit")
    values = _clean_person(actor, data, None)
    try:
        with transaction.atomic():
            person = Person.objects.create(created_by=actor if actor.pk else None, **values)
    except IntegrityError:  # a concurrent registration of the same ID
        raise ValidationFailed({"personal_id": _("Another person already has this personal ID.")}) from None
    audit_record(actor=actor, action=Audit.PERSON_CREATE, obj=person, after=snapshot(person))
    journal("person.create", person, actor=actor, data=data)
    return person


@transaction.atomic
def person_update(*, actor, person: Person, data: dict[str, Any]) -> Person:
    """Corrects a record. The before/after of every changed field goes to the audit log."""
    require(actor, "registry.edit")
    person = Person.objects.select_for_update().select_related("commune").get(pk=person.pk)
    if not scope_for(actor).covers_resident(person):
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Not found."), status=404)
    before = snapshot(person)
    values = _clean_person(actor, data, person)
    since = values.pop("statuses_from", None)
    changes = _status_changes(actor, person, values, since) if since else []
    for key, value in values.items():
        setattr(person, key, value)
    if changes:
        person.statuses_since = max(since, person.statuses_since or since)
    person.save()
    StatusChange.objects.bulk_create(changes)
    after = snapshot(person)
    changed = {k for k in after if before.get(k) != after.get(k) and k != "updated_at"}
    if changed:
        audit_record(
            actor=actor,
            action=Audit.PERSON_UPDATE,
            obj=person,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed} | ({"statuses_from": since.isoformat()} if changes else {}),
        )
        journal("person.update", person, actor=actor, data=data)
    if changed & {"province_code", "commune", "village", "birth_date", "died_on"}:
        periods_follow_person(person)  # the coverage figures count people where and while they live
    return person


def _status_changes(actor, person: Person, values: dict[str, Any], since: dt.date) -> list[StatusChange]:
    """The rows of a change in life (ADR 0031): one per status that changes, taking effect on ``since``. Refused
    when a change of one of these statuses already takes effect later: a person's changes are recorded in the
    order they happen (a wrong one is corrected, not preceded)."""
    fields = [f for f in STATUS_FIELDS if f in values and values[f] != getattr(person, f)]
    if not fields:
        return []
    last = (
        StatusChange.objects.filter(person=person, field__in=fields, effective_on__gt=since)
        .order_by("-effective_on")
        .values_list("effective_on", flat=True)
        .first()
    )
    if last is not None:
        raise ValidationFailed(
            {
                "statuses_from": _(
                    "A change of these statuses is already recorded from %(date)s. Record changes in the order "
                    "they happened, or correct the latest one without a date."
                )
                % {"date": format_date(last)}
            }
        )
    province = values.get("province_code", person.province_code)
    return [
        _change_row(actor, person, PastChange(since, f, getattr(person, f), values[f]), province)
        for f in fields
    ]


def _change_row(actor, person: Person, change: PastChange, province_code: str) -> StatusChange:
    return StatusChange(
        person=person,
        field=change.field,
        before=change.before,
        after=change.after,
        effective_on=change.day,
        province_code=province_code,
        created_by=actor if actor.pk else None,
    )


@dataclass(frozen=True)
class PastChange:
    """One change of one status as an earlier system recorded it (status_history_record)."""

    day: dt.date
    field: str
    before: Any
    after: Any


def _status_value_ok(field: str, value: Any) -> bool:
    if field in BOOLEAN_FIELDS:
        return isinstance(value, bool)
    return any(value in choices for name, choices in CHOICE_FIELDS if name == field)


@transaction.atomic
def status_history_record(*, actor, person: Person, changes: list[PastChange]) -> int:
    """Records a person's past changes of status as an earlier system had them (ADR 0031): the office's lists of
    past years, or the demo's history. The current statuses do not change: each status's changes must chain
    (one's ``after`` is the next one's ``before``) and end at the value in force before its earliest recorded
    change (the current value when none); they come before anything already recorded. Returns the rows
    written; refuses the whole history, naming the change at fault, and writes nothing."""
    require(actor, "registry.edit")
    person = Person.objects.select_for_update().get(pk=person.pk)
    if not scope_for(actor).covers_resident(person):
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Not found."), status=404)
    recorded: dict[str, tuple[dt.date, Any]] = {}
    for field, day, before in (
        StatusChange.objects.filter(person=person)
        .order_by("-effective_on", "-pk")
        .values_list("field", "effective_on", "before")
    ):
        recorded[field] = (day, before)  # the earliest of each field, last
    by_field: dict[str, list[PastChange]] = {}
    for i, change in enumerate(sorted(changes, key=lambda c: c.day)):
        by_field.setdefault(change.field, []).append(change)
        bad = (
            change.field not in STATUS_FIELDS
            or not _status_value_ok(change.field, change.before)
            or not _status_value_ok(change.field, change.after)
            or change.before == change.after
            or not (person.birth_date <= change.day <= today())
        )
        if bad:
            raise ApplicationError(
                ErrorCode.INVALID,
                _("Change %(n)s of the status history is not a change of a status within the person's life.")
                % {"n": i + 1},
                field="changes",
            )
    for field, chain in by_field.items():
        first_recorded, value_then = recorded.get(field, (None, getattr(person, field)))
        linked = all(a.after == b.before for a, b in zip(chain, chain[1:], strict=False))
        if (
            not linked
            or chain[-1].after != value_then
            or (first_recorded and chain[-1].day >= first_recorded)
        ):
            raise ApplicationError(
                ErrorCode.CONFLICT,
                _("The history of %(status)s does not lead to the person's recorded status.")
                % {"status": getattr(Person._meta.get_field(field), "verbose_name", field)},
                field="changes",
            )
    rows = [_change_row(actor, person, c, person.province_code) for c in changes]
    StatusChange.objects.bulk_create(rows)
    if rows:
        latest = max(c.day for c in changes)
        Person.objects.filter(pk=person.pk).update(
            statuses_since=max(latest, person.statuses_since or latest)
        )
        audit_record(
            actor=actor,
            action=Audit.PERSON_STATUS_HISTORY,
            obj=person,
            after={"changes": [[c.day.isoformat(), c.field, c.before, c.after] for c in changes]},
        )
    return len(rows)


def _household_codes(wanted: dict[Area, int]) -> dict[int, list[str]]:
    """The next free household codes (HGD + commune code + number) of each commune, as many as wanted, by
    commune id; the caller holds the communes' row locks, which serialise the numbering."""
    counts = dict(
        Household.objects.filter(commune__in=list(wanted))
        .values("commune")
        .annotate(n=Count("pk"))
        .values_list("commune", "n")
    )
    codes: dict[int, list[str]] = {commune.pk: [] for commune in wanted}
    after = {commune.pk: counts.get(commune.pk, 0) for commune in wanted}
    while True:
        asked = {
            commune: [
                f"HGD{commune.code}{i:06d}"
                for i in range(after[commune.pk] + 1, after[commune.pk] + 1 + count - len(codes[commune.pk]))
            ]
            for commune, count in wanted.items()
            if len(codes[commune.pk]) < count
        }
        if not asked:
            return codes
        every = [code for some in asked.values() for code in some]
        taken = set(Household.objects.filter(code__any=every).values_list("code", flat=True))
        for commune, some in asked.items():
            codes[commune.pk] += [c for c in some if c not in taken]
            after[commune.pk] += len(some)


def _household_code(commune: Area) -> str:
    return _household_codes({commune: 1})[commune.pk][0]


@transaction.atomic
def household_create(
    *, actor, head: Person, address: str = "", code: str | None = None, on: dt.date | None = None
) -> Household:
    """A household with its head as first member, in the head's commune and village."""
    require(actor, "registry.edit")
    head = Person.objects.select_for_update().select_related("commune").get(pk=head.pk)
    if not scope_for(actor).covers_resident(head):
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Not found."), status=404)
    Area.objects.select_for_update().filter(pk=head.commune_id).first()  # serialises code numbering
    household = Household.objects.create(
        code=code or _household_code(head.commune),
        address=address.strip()[:300],
        commune=head.commune,
        village=head.village,
        province_code=head.province_code,
        head=head,
    )
    audit_record(actor=actor, action=Audit.HOUSEHOLD_CREATE, obj=household, after=snapshot(household))
    with quiet():  # the head's membership is part of the household's creation
        household_add_member(actor=actor, household=household, person=head, relation=Relation.HEAD, on=on)
    journal("household.create", household, actor=actor, head=head.pk, address=address, on=on)
    return household


@transaction.atomic
def household_add_member(
    *, actor, household: Household, person: Person, relation: str, on: dt.date | None = None
) -> Membership:
    """A person belongs to one household at a time: adding someone who already has one is refused
    (use household_move_member)."""
    require(actor, "registry.edit")
    person = Person.objects.select_for_update().select_related("commune").get(pk=person.pk)
    household = Household.objects.select_related("commune").get(pk=household.pk)
    scope = scope_for(actor)
    if not scope.covers_resident(person) or not scope.covers_resident(household):
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Not found."), status=404)
    if relation not in RELATIONS:
        raise ApplicationError(ErrorCode.INVALID, _("Choose the relation to the head."), field="relation")
    if relation == Relation.HEAD and household.head_id not in (None, person.pk):
        raise ApplicationError(
            ErrorCode.INVALID, _("A household has one head; choose another relation."), field="relation"
        )
    current = (
        Membership.objects.filter(person=person, ended_on__isnull=True).select_related("household").first()
    )
    if current is not None:
        raise ApplicationError(
            ErrorCode.CONFLICT,
            _("%(name)s already belongs to household %(code)s; move them instead.")
            % {"name": person.full_name, "code": current.household.code},
            field="person_id",
        )
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                person=person,
                household=household,
                relation=relation,
                province_code=household.province_code,
                started_on=on or today(),
            )
    except IntegrityError:
        raise ApplicationError(
            ErrorCode.CONFLICT, _("This person already belongs to a household."), field="person_id"
        ) from None
    if relation == Relation.HEAD and household.head_id is None:  # a household whose head left gets a new one
        Household.objects.filter(pk=household.pk).update(head=person)
    _membership_events(actor, household, person, relation)
    journal("household.add_member", membership, actor=actor, on=on)
    return membership


class _BatchReads(_Reads):
    """_Reads for a batch of new people: each area asked once, and the personal IDs and SI numbers of the whole
    batch looked up in one query each; a value given to an earlier person of the batch counts as taken."""

    def __init__(self, people: list[dict[str, Any]]) -> None:
        self.communes: dict[str, Area | None] = {}
        self.holds: dict[int, bool] = {}
        self.villages: dict[tuple[int, str], Area | None] = {}
        self.known: dict[str, set[str]] = {}
        self.in_use: dict[str, set[str]] = {}
        codes = {normalize_code(str(d["area_code"])) for d in people if d.get("area_code")}
        self.communes.update(dict.fromkeys(codes))
        self.communes.update((a.code, a) for a in Area.objects.filter(code__in=codes, level=Level.COMMUNE))
        for name in ("personal_id", "si_number"):
            values = {str(d[name]).strip() for d in people if d.get(name)}
            self.known[name] = values
            self.in_use[name] = set(
                Person.objects.filter(**{f"{name}__any": values}).values_list(name, flat=True)
            )

    def commune(self, code: str) -> Area | None:
        if code not in self.communes:
            self.communes[code] = super().commune(code)
        return self.communes[code]

    def holds_village_of(self, commune: Area, village_ids: frozenset[int]) -> bool:
        if commune.pk not in self.holds:
            self.holds[commune.pk] = super().holds_village_of(commune, village_ids)
        return self.holds[commune.pk]

    def village(self, commune: Area, village_id) -> Area | None:
        key = (commune.pk, str(village_id))
        if key not in self.villages:
            self.villages[key] = super().village(commune, village_id)
        return self.villages[key]

    def taken(self, field: str, value: str, current: Person | None) -> bool:
        if value in self.in_use[field]:
            return True
        return value not in self.known[field] and super().taken(field, value, current)

    def claim(self, values: list[dict[str, Any]]) -> tuple[str, int] | None:
        """Marks a family's identifiers as used; if two of its members share one, nothing is marked and the
        answer is that identifier's field and the second member's position."""
        for name in ("personal_id", "si_number"):
            seen: set[str] = set()
            for i, v in enumerate(values):
                if v.get(name) in seen:
                    return name, i
                if v.get(name):
                    seen.add(v[name])
        for name in ("personal_id", "si_number"):
            self.in_use[name].update(v[name] for v in values if v.get(name))
        return None


@dataclass
class Family:
    """New people registered together by families_register: a household's members, each with their relation to
    its head (exactly one Relation.HEAD), or one person without a household (relation None)."""

    members: list[tuple[dict[str, Any], str | None]]
    on: dt.date | None = None


@dataclass
class Registered:
    """What families_register did with a family: its persons and household, or why it was refused (the member
    at fault, by position, and the error person_create or household_create would have raised)."""

    persons: list[Person] = dataclasses.field(default_factory=list)
    household: Household | None = None
    refused: ApplicationError | None = None
    at: int = 0


def _family_refusal(
    family: Family, reads: _BatchReads, actor
) -> tuple[list[dict[str, Any]], Registered | None]:
    values: list[dict[str, Any]] = []
    for i, (data, _relation) in enumerate(family.members):
        try:
            values.append(_clean_person(actor, data, None, reads))
        except ApplicationError as e:
            return values, Registered(refused=e, at=i)
    relations = [relation for _data, relation in family.members]
    if relations != [None]:
        heads = [i for i, r in enumerate(relations) if r == Relation.HEAD]
        if len(heads) != 1 or any(r not in RELATIONS for r in relations):
            message = (
                _("A household has one head; choose another relation.")
                if len(heads) > 1
                else _("Choose the relation to the head.")
            )
            at = heads[1] if len(heads) > 1 else 0
            return values, Registered(
                refused=ApplicationError(ErrorCode.INVALID, message, field="relation"), at=at
            )
    shared = reads.claim(values)
    if shared is not None:
        name, at = shared
        return values, Registered(refused=ValidationFailed({name: str(dict(TAKEN_ERRORS)[name])}), at=at)
    return values, None


@transaction.atomic
def families_register(*, actor, families: list[Family]) -> list[Registered]:
    """Many new people at once (an office's lists brought in by an import, ADR 0030): every person checked by
    _clean_person, as person_create does, and every household as household_create and household_add_member do;
    then all of them written with a few INSERTs and the same audit events. A family with a refused member is not
    written at all; the others are. An IntegrityError (the same ID registered meanwhile by someone else) rolls the
    whole batch back, for the caller to register its families one at a time."""
    require(actor, "registry.edit")
    reads = _BatchReads([data for family in families for data, _relation in family.members])
    results: list[Registered] = []
    accepted: list[tuple[Family, list[dict[str, Any]], Registered]] = []
    for family in families:
        values, refused = _family_refusal(family, reads, actor)
        if refused is not None:
            results.append(refused)
            continue
        result = Registered()
        results.append(result)
        accepted.append((family, values, result))
    if not accepted:
        return results
    creator = actor.pk if getattr(actor, "pk", None) else None
    with audit_batch():
        for _family, values, result in accepted:
            result.persons = [_new_person(v, created_by_id=creator) for v in values]
        objects_insert([p for _f, _v, r in accepted for p in r.persons])
        for family, _values, result in accepted:
            for person, (data, _relation) in zip(result.persons, family.members, strict=True):
                audit_record(actor=actor, action=Audit.PERSON_CREATE, obj=person, after=snapshot(person))
                journal("person.create", person, actor=actor, data=data)
        households = [(f, r) for f, _v, r in accepted if f.members[0][1] is not None]
        _households_write(actor, households)
    return results


@cache
def _person_columns() -> tuple[
    tuple[str, ...], dict[str, Any], dict[str, Callable[[], Any]], tuple[str, ...]
]:
    """Person's concrete fields by name, in order; the defaults that are values; those made by a call; the
    foreign keys."""
    fields = Person._meta.concrete_fields
    made = {f.name: f.get_default for f in fields if f.has_default() and callable(f.default)}
    return (
        tuple(f.name for f in fields),
        {f.name: f.get_default() for f in fields if f.name not in made},
        made,
        tuple(f.name for f in fields if f.is_relation),
    )


def _new_person(values: dict[str, Any], *, created_by_id: int | None) -> Person:
    """``Person(created_by_id=..., **values)`` for a batch: the same instance (each field given or its default,
    a related object given, such as the commune, cached on it), built from its values in field order, which costs
    two thirds of Django's keyword path (a first import builds a million)."""
    names, defaults, made, relations = _person_columns()
    unknown = values.keys() - defaults.keys() - made.keys()
    if unknown:
        raise TypeError(f"Person has no field {sorted(unknown)[0]}")
    row = {**defaults, **values, "created_by": created_by_id}
    for name, default in made.items():
        if name not in values:
            row[name] = default()
    related = [(name, row[name]) for name in relations if isinstance(row[name], Model)]
    for name, obj in related:
        row[name] = obj.pk
    person = Person(*map(row.__getitem__, names))
    for name, obj in related:
        Person._meta.get_field(name).set_cached_value(person, obj)  # type: ignore[union-attr]
    return person


def _households_write(actor, households: list[tuple[Family, Registered]]) -> None:
    """The households of families_register: codes numbered per commune under the commune's row lock (as
    household_create), the head set, every member's membership from the family's date."""
    heads = {
        id(result): next(
            p for p, (_d, r) in zip(result.persons, family.members, strict=True) if r == Relation.HEAD
        )
        for family, result in households
    }
    count = Counter(heads[id(r)].commune_id for _f, r in households)
    locked = list(Area.objects.select_for_update().filter(pk__in=sorted(count)).order_by("pk"))
    codes = _household_codes({area: count[area.pk] for area in locked})
    for _family, result in households:
        head = heads[id(result)]
        result.household = Household(
            code=codes[head.commune_id].pop(0),
            commune_id=head.commune_id,
            village_id=head.village_id,
            province_code=head.province_code,
            head=head,
        )
    objects_insert([r.household for _f, r in households if r.household is not None])
    memberships: list[dict[str, Any]] = []  # rows, not instances: a batch writes hundreds of thousands
    for family, result in households:
        household = result.household
        assert household is not None
        audit_record(actor=actor, action=Audit.HOUSEHOLD_CREATE, obj=household, after=snapshot(household))
        started_on = family.on or today()
        for person, (_data, relation) in zip(result.persons, family.members, strict=True):
            relation = relation or Relation.OTHER  # checked by _family_refusal: never None here
            memberships.append(
                {
                    "person_id": person.pk,
                    "household_id": household.pk,
                    "relation": relation,
                    "province_code": household.province_code,
                    "started_on": started_on,
                    "ended_on": None,
                }
            )
            _membership_events(actor, household, person, relation)
        journal("household.create", household, actor=actor, head=household.head_id, address="", on=family.on)
    rows_insert(Membership, memberships)
    if recording():  # the head's membership is part of household.create, as in household_create
        for row in memberships:
            if row["relation"] != Relation.HEAD:
                journal("household.add_member", Membership(**row), actor=actor, on=row["started_on"])


def _membership_events(actor, household: Household, person: Person, relation: str) -> None:
    """The two audit events of a person joining a household: one on the household, one on the person."""
    audit_record(
        actor=actor,
        action=Audit.HOUSEHOLD_ADD_MEMBER,
        obj=household,
        after={"person_id": person.pk, "relation": relation},
    )
    audit_record(
        actor=actor,
        action=Audit.HOUSEHOLD_JOIN,
        obj=person,
        after={"household_id": household.pk, "household_code": household.code, "relation": relation},
    )


@transaction.atomic
def household_register_member(*, actor, household: Household, data: dict[str, Any], relation: str) -> Person:
    """A new person registered straight into a household (from the household's page): the record and the
    membership are written together, or neither (a refused relation leaves no person behind)."""
    if relation == Relation.HEAD or relation not in RELATIONS:
        raise ApplicationError(ErrorCode.INVALID, _("Choose the relation to the head."), field="relation")
    person = person_create(actor=actor, data=data)
    household_add_member(actor=actor, household=household, person=person, relation=relation)
    return person


@transaction.atomic
def household_move_member(
    *, actor, person: Person, to: Household, relation: str, on: dt.date | None = None
) -> Membership:
    """Moves a person to another household; the old membership is closed, not deleted (history)."""
    require(actor, "registry.edit")
    on = on or today()
    current = Membership.objects.select_for_update().filter(person=person, ended_on__isnull=True).first()
    if current is not None:
        if current.household_id == to.pk:
            raise ApplicationError(ErrorCode.CONFLICT, _("The person is already in this household."))
        if not scope_for(actor).covers_resident(current.household):
            raise ApplicationError(ErrorCode.NOT_FOUND, _("Not found."), status=404)
        current.ended_on = on
        current.save(update_fields=["ended_on"])
        audit_record(
            actor=actor,
            action=Audit.HOUSEHOLD_LEAVE,
            obj=person,
            before={"household_id": current.household_id},
            after={"ended_on": on.isoformat()},
        )
        left = current.household
        # The household keeps no head who is not in it; the next person added as head becomes its head.
        if left.head_id == person.pk:
            Household.objects.filter(pk=left.pk).update(head=None)
            audit_record(
                actor=actor,
                action=Audit.HOUSEHOLD_HEAD_CLEAR,
                obj=left,
                before={"head": person.pk},
                after={"head": None},
            )
    with quiet():  # the new membership is part of the move
        membership = household_add_member(actor=actor, household=to, person=person, relation=relation, on=on)
    journal("household.move_member", membership, actor=actor, on=on)
    return membership


@transaction.atomic
def si_number_assign(*, actor, person: Person) -> Person:
    """Gives a person without one a new 10-digit SI number: the 2-digit province code and an 8-digit serial
    taken under a row lock. Numbers issued by the national system are entered as they are; this is for people
    enrolled here for the first time."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    return si_number_assign_locked(actor=actor, person=person)


@transaction.atomic(savepoint=False)  # joins the caller's transaction; its own when called alone
def si_number_assign_locked(*, actor, person: Person) -> Person:
    """si_number_assign for a caller that has already locked the person's row in its transaction (SELECT … FOR
    UPDATE) and read it since, as the enrollment desk does: two statements for a new number, none otherwise."""
    si_numbers_assign_locked(actor=actor, persons=[person])
    return person


@transaction.atomic(savepoint=False)
def si_numbers_assign_locked(*, actor, persons: Sequence[Person]) -> None:
    """Gives each of these persons without an SI number the next one of their province (prefix + an 8-digit
    serial), the caller holding their rows locked: each province's serials taken in one statement, the numbers
    written in one. A number somebody already holds (entered from the national system) is not given: that
    person gets a later serial, as one at a time. The persons given objects are updated in place."""
    now = timezone.now()
    waiting = list({p.pk: p for p in persons if not p.si_number}.values())
    while waiting:
        by_prefix: dict[str, list[Person]] = {}
        for person in waiting:
            by_prefix.setdefault(person.province_code[-2:].zfill(2), []).append(person)
        candidates: dict[int, str] = {}
        for prefix, group in by_prefix.items():
            first = _next_serials(prefix, len(group))
            candidates.update((p.pk, f"{prefix}{first + i:08d}") for i, p in enumerate(group))
        given = _si_numbers_write(candidates, now)
        for person in waiting:
            if person.pk in given:
                person.si_number, person.updated_at = candidates[person.pk], now
                audit_record(
                    actor=actor,
                    action=Audit.SI_NUMBER_ASSIGN,
                    obj=person,
                    after={"si_number": person.si_number},
                )
        waiting = [p for p in waiting if p.pk not in given]


def _si_numbers_write(candidates: dict[int, str], now: dt.datetime) -> set[int]:
    """Writes each person's candidate number where nobody holds it yet, in one statement; the ids written."""
    qn = connection.ops.quote_name
    table, pk, si, updated = qn(Person._meta.db_table), qn("id"), qn("si_number"), qn("updated_at")
    values = ", ".join(["(%s, %s)"] * len(candidates))
    number = f"(SELECT v.si FROM v WHERE v.id = {table}.{pk})"  # noqa: S608 (quoted names only)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH v (id, si) AS (VALUES {values}) "  # noqa: S608 (names quoted; values as parameters)
            f"UPDATE {table} SET {si} = {number}, {updated} = %s "
            f"WHERE {pk} IN (SELECT id FROM v) AND NOT EXISTS (SELECT 1 FROM {table} AS q WHERE q.{si} = {number}) "
            f"RETURNING {pk}",
            [*(x for pair in candidates.items() for x in pair), now],
        )
        return {row[0] for row in cursor.fetchall()}


@transaction.atomic
def si_serials_reserve(*, actor, province_code: str, count: int) -> tuple[int, int]:
    """Sets aside ``count`` SI serials of a province for a field kit (ADR 0027), which gives them to people new in
    the field while offline: (first, last). The office's desk goes on after them."""
    require(actor, "registry.edit")
    first = _next_serials(province_code[-2:].zfill(2), count)
    return first, first + count - 1


def _next_serials(prefix: str, count: int = 1) -> int:
    """The first of the province's next ``count`` serials, taken and counted in one statement; the sequence row
    stays locked until the commit, so two desks never take the same one."""
    qn = connection.ops.quote_name
    table = qn(SINumberSequence._meta.db_table)
    for _attempt in range(2):
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET next_serial = next_serial + %s WHERE province_code = %s"  # noqa: S608
                " RETURNING next_serial - %s",
                [count, prefix, count],
            )
            row = cursor.fetchone()
        if row is not None:
            return int(row[0])
        SINumberSequence.objects.get_or_create(province_code=prefix)  # the province's first number
    raise RuntimeError(f"no SI number sequence for {prefix}")


# --- two records of the same person -----------------------------------------------------------------------------

MERGE_IDENTIFIERS = ("personal_id", "si_number", "phone")


def _person_links():
    """Every foreign key to Person in any app ((model, field name)), found from the model registry so that the
    registry imports nothing above it; the merge bookkeeping itself is left out."""
    out = []
    from django.db.models import ForeignObjectRel

    for f in Person._meta.get_fields(include_hidden=True):
        if not isinstance(f, ForeignObjectRel) or not (f.one_to_many or f.one_to_one):
            continue
        model = f.related_model
        if model in (PersonMerge, CoveragePeriod, StatusChange) or (
            model is Person and f.field.name == "merged_into"
        ):
            # the merge's own bookkeeping; coverage periods are derived (the caller rebuilds them); the kept
            # record's statuses are its own, with their changes (the dropped record keeps its history)
            continue
        out.append((model, f.field.name))
    return sorted(out, key=lambda m: (m[0]._meta.label, m[1]))


@transaction.atomic
def person_merge(*, actor, keep: Person, drop: Person, reason: str = "") -> PersonMerge:
    """Makes two records of one person one: every row of every app that points at ``drop`` (memberships,
    enrollments, coverage, contributions, receipts' members, outcomes, list rows, source links, a household's
    head) moves to ``keep``; ``keep`` takes the identifiers it lacks; ``drop`` is kept, marked merged, and holds
    its old identifiers only as aliases in the merge. One transaction, one audit event; undone by
    ``person_merge_undo``. The coverage periods (derived from the spans, ADR 0010) are not moved: the caller
    rebuilds both persons' (``imports.dedup.persons_merge`` does, through ``enrollment.periods``). Two different
    personal IDs or SI numbers are two people: refused."""
    require(actor, "registry.edit")
    if keep.pk == drop.pk:
        raise ApplicationError(ErrorCode.INVALID, _("A person cannot be merged with themself."), field="drop")
    rows = {
        p.pk: p for p in Person.objects.select_for_update().filter(pk__in=[keep.pk, drop.pk]).order_by("pk")
    }
    scope = scope_for(actor)
    if len(rows) != 2 or not all(scope.covers_resident(p) for p in rows.values()):
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Not found."), status=404)
    keep, drop = rows[keep.pk], rows[drop.pk]
    if keep.merged_into_id or drop.merged_into_id:
        raise ApplicationError(ErrorCode.CONFLICT, _("This record was already merged."), field="drop")
    for name in ("personal_id", "si_number"):
        a, b = getattr(keep, name), getattr(drop, name)
        if a and b and a != b:
            raise ApplicationError(
                ErrorCode.CONFLICT,
                _("The two records have different %(what)s: they are two people.")
                % {"what": _("personal IDs") if name == "personal_id" else _("SI numbers")},
                field=name,
            )
    before: dict[str, Any] = {
        "kept": {n: getattr(keep, n) for n in MERGE_IDENTIFIERS},
        "dropped": {n: getattr(drop, n) for n in MERGE_IDENTIFIERS},
        "closed_membership": None,
    }
    aliases = {"full_name": drop.full_name, **before["dropped"]}
    take = {n: getattr(drop, n) for n in MERGE_IDENTIFIERS if getattr(drop, n) and not getattr(keep, n)}
    Person.objects.filter(pk=drop.pk).update(personal_id=None, si_number=None, merged_into=keep)
    if take:
        Person.objects.filter(pk=keep.pk).update(**take)
    open_drop = Membership.objects.filter(person=drop, ended_on__isnull=True).first()
    if open_drop is not None and Membership.objects.filter(person=keep, ended_on__isnull=True).exists():
        Membership.objects.filter(pk=open_drop.pk).update(ended_on=today())
        before["closed_membership"] = open_drop.pk
    moved: dict[str, list] = {}
    for model, name in _person_links():
        ids = list(model.objects.filter(**{name: drop.pk}).values_list("pk", flat=True))
        if not ids:
            continue
        try:
            with transaction.atomic():
                model.objects.filter(pk__in=ids).update(**{name: keep.pk})
        except IntegrityError:
            raise ApplicationError(
                ErrorCode.CONFLICT,
                _("Both records are in the same %(what)s; remove one of them from it first.")
                % {"what": model._meta.verbose_name},
                field="drop",
            ) from None
        moved[f"{model._meta.label}.{name}"] = ids
    merge = PersonMerge.objects.create(
        kept=keep,
        dropped=drop,
        moved=moved,
        before=before,
        aliases=aliases,
        reason=(reason or "")[:200],
        province_code=keep.province_code,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(
        actor=actor,
        action=Audit.PERSON_MERGE,
        obj=merge,
        after={
            "kept": keep.pk,
            "dropped": drop.pk,
            "moved": {k: len(v) for k, v in moved.items()},
            "reason": reason,
        },
    )
    keep.refresh_from_db()
    return merge


@transaction.atomic
def person_merge_undo(*, actor, merge: PersonMerge) -> PersonMerge:
    """Puts back what ``person_merge`` moved: the rows it moved point at the dropped record again, the two
    records' identifiers are those they had, the closed membership is open again. Rows written for the kept
    person after the merge stay with it."""
    from django.apps import apps

    require(actor, "registry.edit")
    merge = PersonMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise ApplicationError(ErrorCode.CONFLICT, _("This merge was already undone."), field="merge")
    keep = Person.objects.select_for_update().get(pk=merge.kept_id)
    drop = Person.objects.select_for_update().get(pk=merge.dropped_id)
    if not scope_for(actor).covers_resident(keep):
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Not found."), status=404)
    for key, ids in merge.moved.items():
        label, name = key.rsplit(".", 1)
        apps.get_model(label).objects.filter(pk__in=ids, **{name: keep.pk}).update(**{name: drop.pk})
    Person.objects.filter(pk=keep.pk).update(personal_id=None, si_number=None)
    Person.objects.filter(pk=drop.pk).update(merged_into=None, **merge.before["dropped"])
    Person.objects.filter(pk=keep.pk).update(**merge.before["kept"])
    if merge.before.get("closed_membership"):
        Membership.objects.filter(pk=merge.before["closed_membership"]).update(ended_on=None)
    merge.undone_at = timezone.now()
    merge.save(update_fields=["undone_at"])
    audit_record(
        actor=actor, action=Audit.PERSON_MERGE_UNDO, obj=merge, after={"kept": keep.pk, "dropped": drop.pk}
    )
    return merge
