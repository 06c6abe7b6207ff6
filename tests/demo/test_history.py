"""The demo province's history since 2019 behaves like a province (issue 15): coverage holds 90–96 % in every month
of the last 36, nobody the law places elsewhere is sold a household card, the desk's years carry new and renewed
participations, voluntary SI is a few percent of the working-age informal workers, and the history is made once.
One small province (1,500 persons) for all of it: the history takes a while to make."""

import datetime as dt

import pytest

from ansinh.core.access import SystemActor
from ansinh.demo.history import demo_history
from ansinh.demo.population import demo_generate
from ansinh.enrollment.models import Enrollment, EnrollmentMember, HICoverage, Scheme
from ansinh.enrollment.selectors import eligibility
from ansinh.registry.models import Membership, StatusChange
from ansinh.reports import coverage

pytestmark = pytest.mark.django_db


@pytest.fixture
def province(official_areas, tmp_path, monkeypatch):
    monkeypatch.setenv("ANSINH_KEYS_DIR", str(tmp_path))
    demo_generate(province_code="15", persons=1500, seed=1)
    return demo_history(province_code="15", seed=1)


def test_the_history_holds_a_province_in_the_band_sells_only_through_the_rule_and_is_made_once(province):
    rates = [row["rate"] for row in coverage.trend(user=SystemActor(), area_code="15", months=36)]
    assert len(rates) == 36 and all(0.90 <= r <= 0.96 for r in rates), rates
    # the cards go back to 2019, through lists, imports and the desk
    sources = set(HICoverage.objects.values_list("source", flat=True))
    assert sources == {"list", "import", "desk"}
    assert HICoverage.objects.filter(valid_from__year=2019).exists()
    # no household card for anyone the law places elsewhere on the day it was bought or began
    for span in HICoverage.objects.filter(group="household").select_related("person", "enrollment"):
        on = span.enrollment.paid_on if span.enrollment_id else span.valid_from - dt.timedelta(days=30)
        on = max(on, span.person.birth_date)
        decided = eligibility(person=span.person, on=on, coverage_end=None)
        assert decided.hi_household.allowed or decided.hi_household.reason == "already_covered", (span, on)
    # the desk's years: renewals and new participations both, and voluntary SI in the expected range
    members = EnrollmentMember.objects.filter(enrollment__scheme=Scheme.HI_HOUSEHOLD)
    assert members.filter(is_new=True).exists() and members.filter(is_new=False).exists()
    total = coverage.coverage(user=SystemActor(), area_code="15")["total"]
    assert 0.01 <= total["voluntary_si_rate"] <= 0.05, total
    # changes in life (ADR 0031): each kind is recorded, and each year is decided with that year's statuses: a
    # household lifted out of poverty had the state's cards until the review and none of them after it
    assert {"poverty", "is_student", "employment", "pension_recipient"} <= set(
        StatusChange.objects.values_list("field", flat=True)
    )
    assert province["status_changes"] == StatusChange.objects.count()
    lifted = [
        c
        for c in StatusChange.objects.filter(field="poverty", effective_on__year__gte=2020).select_related(
            "person"
        )
        if c.before == "poor"
        and c.after == ""
        and c.person.birth_date.year < 2019
        and not c.person.died_on
        and eligibility(
            person=c.person, on=c.effective_on - dt.timedelta(days=1), coverage_end=None
        ).hi_groups[:1]
        == ("poor",)  # their first group was poverty (not an employer's, not a child's)
    ]
    assert lifted
    for change in lifted:
        poor_cards = HICoverage.objects.filter(person=change.person, group="poor")
        assert poor_cards.filter(valid_to__lt=change.effective_on).exists(), change
        assert not poor_cards.filter(valid_to__gte=change.effective_on).exists(), change
    # marriages since go-live moved people between households; every household card paid at the desk was paid for
    # people who were members of one household on the day
    moved = Membership.objects.filter(ended_on__isnull=False)
    assert province["moves"] == moved.count() > 0
    for enrollment in Enrollment.objects.filter(scheme=Scheme.HI_HOUSEHOLD, point__code__startswith="DEMO-"):
        on = enrollment.paid_on
        homes = [
            {
                m.household_id
                for m in Membership.objects.filter(person_id=pid, started_on__lte=on)
                if m.ended_on is None or m.ended_on > on
            }
            for pid in enrollment.members.values_list("person_id", flat=True)
        ]
        assert len(set.intersection(*homes)) == 1, (enrollment.pk, on, homes)
    # made once: a second run changes nothing
    spans = HICoverage.objects.count()
    assert province["list_cards"] > 0 and province["enrollments"] > 0
    assert demo_history(province_code="15", seed=1) == {"enrollments": 0}
    assert HICoverage.objects.count() == spans
