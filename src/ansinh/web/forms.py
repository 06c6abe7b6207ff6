"""Page forms, and the readers of the plain GET/POST forms (a day, a whole number): they only collect input;
validation of the domain lives in the services."""

from __future__ import annotations

import datetime as dt
import re
from typing import cast

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ansinh.core.dates import parse_partial_date
from ansinh.core.errors import ApplicationError
from ansinh.core.models import PERSON_ROLES
from ansinh.core.numbers import parse_whole
from ansinh.registry.ethnicities import ETHNICITIES
from ansinh.registry.models import Employment, Payout, Poverty, Relation, Sex


class PersonForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    birth_date = forms.CharField(
        label=_("Date of birth"), max_length=10, help_text=_("dd/mm/yyyy, or mm/yyyy, or only the year")
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, widget=forms.RadioSelect)
    ethnicity = forms.ChoiceField(label=_("Ethnicity"), choices=ETHNICITIES, initial="01")
    personal_id = forms.CharField(label=_("Personal ID (12 digits)"), max_length=12, required=False)
    si_number = forms.CharField(label=_("SI number (10 digits)"), max_length=10, required=False)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20, required=False)
    area_code = forms.ChoiceField(label=_("Commune"))
    village_id = forms.ChoiceField(label=_("Village"), required=False)
    occupation = forms.CharField(label=_("Occupation"), max_length=100, required=False)
    employment = forms.ChoiceField(label=_("Employment"), choices=Employment.choices, required=False)
    poverty = forms.ChoiceField(label=_("Poverty status"), choices=Poverty.choices, required=False)
    poverty_year = forms.IntegerField(label=_("Year certified"), required=False)
    is_student = forms.BooleanField(label=_("Pupil or student"), required=False)
    ethnic_minority_listed_commune = forms.BooleanField(
        label=_("Ethnic minority in a listed difficult commune"), required=False
    )
    social_assistance = forms.BooleanField(label=_("Social-assistance beneficiary"), required=False)
    atk_commune = forms.BooleanField(
        label=_("Lives in a revolutionary safe-zone (ATK) commune"), required=False
    )
    agricultural_household = forms.BooleanField(
        label=_("Agricultural, forestry, fishery or salt household of average living standard"),
        required=False,
    )
    island_commune = forms.BooleanField(label=_("Lives in an island commune or special zone"), required=False)
    pension_recipient = forms.BooleanField(label=_("Receives a pension or SI benefit"), required=False)
    payout_method = forms.ChoiceField(label=_("Payout method"), choices=Payout.choices, required=False)
    do_not_contact = forms.BooleanField(label=_("Asked not to be contacted"), required=False)
    statuses_from = forms.CharField(
        label=_("The changes of status above take effect from"),
        max_length=10,
        required=False,
        help_text=_(
            "dd/mm/yyyy, for a change in the person's life: poverty certified or lifted, a job with a labour "
            "contract taken or left, school started or finished. Leave it empty to correct a mistake: the "
            "record is then read so for every date."
        ),
    )

    def __init__(self, *args, communes=(), villages=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["area_code"]).choices = [
            (c.code, f"{c.name} ({c.code})") for c in communes
        ]
        cast(forms.ChoiceField, self.fields["village_id"]).choices = [("", "—")] + [
            (str(v.pk), v.name) for v in villages
        ]

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["village_id"] = int(data["village_id"]) if data.get("village_id") else None
        if not data.get("statuses_from"):
            data.pop("statuses_from", None)  # an edit without a date is a correction (ADR 0031)
        return data


class HouseholdMemberForm(forms.Form):
    person_id = forms.IntegerField(widget=forms.HiddenInput)
    relation = forms.ChoiceField(label=_("Relation to the head"), choices=Relation.choices)


class VillageForm(forms.Form):
    name = forms.CharField(label=_("Village name"), max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("thon", _("thôn")), ("ban", _("bản")), ("to_dan_pho", _("tổ dân phố"))]
    )


class UserForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=PERSON_ROLES)
    area_codes = forms.CharField(
        label=_("Areas"), help_text=_("Area codes separated by spaces, e.g. 15 or 02269 02272")
    )
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


_FULL_DATE = re.compile(r"\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{1,2}-\d{1,2}")


def read_day(text: str | None) -> tuple[dt.date | None, str | None]:
    """'dd/mm/yyyy' or 'yyyy-mm-dd' -> (date, None), or (None, message): a quote needs the day, so the partial
    dates `parse_partial_date` also takes (a year, a month) are refused here."""
    text = (text or "").strip()
    if not text:
        return None, gettext("Enter a date.")
    if not _FULL_DATE.fullmatch(text):
        return None, gettext("Write the date as dd/mm/yyyy.")
    try:
        return parse_partial_date(text, field="on")[0], None
    except ApplicationError as e:  # 31/02/2025
        return None, e.message


def read_whole(text: str | None, *, field_label: str, minimum: int = 0) -> tuple[int | None, str | None]:
    """A whole number as people type it ('1.500.000', '1 500 000 ₫')."""
    value = parse_whole(text)
    if value is None:
        return None, gettext("Enter %(what)s as a whole number.") % {"what": field_label}
    if value < minimum:
        return None, gettext("Enter at least %(minimum)s.") % {"minimum": minimum}
    return value, None
