"""The demo province's May campaign: every figure of its report is there, and making it again changes nothing
(one test: the demo province takes a while to make)."""

import pytest

from ansinh.campaigns.models import ActivityKind, Campaign, Outcome
from ansinh.core.dates import today
from ansinh.demo.campaign import campaign_dates, demo_campaign
from ansinh.demo.history import demo_history
from ansinh.demo.population import demo_generate
from ansinh.enrollment.models import Enrollment, EnrollmentMember
from ansinh.enrollment.services import participation_flags_refresh_all
from ansinh.reports.campaign_figures import FIGURES, REACH, campaign_report


@pytest.fixture
def demo(official_areas, tmp_path, monkeypatch):
    monkeypatch.setenv("ANSINH_KEYS_DIR", str(tmp_path))
    demo_generate(province_code="15", persons=1500, seed=1)
    demo_history(province_code="15", seed=1)
    steps = []
    result = demo_campaign(province_code="15", seed=1, progress=lambda label, n: steps.append(n))
    return result, steps


def test_the_demo_campaign_has_figures_of_every_kind_and_is_made_once(demo):
    result, steps = demo
    assert result["campaign"] == 1 and result["enrollments"] > 0 and sum(steps) > 0
    campaign = Campaign.objects.get()
    start, end = campaign_dates(today())
    assert (campaign.starts_on, campaign.ends_on) == (start, end) and end < today()
    report = campaign_report(campaign)
    for figure in FIGURES:
        assert report["attributed"][figure] > 0, figure
        assert report["in_area"][figure] >= report["attributed"][figure], figure
    for key in REACH:
        assert report["reach"][key] > 0, key
    assert report["reach"]["livestream_views"] == 18_640
    assert set(report["by_activity_kind"]) == set(ActivityKind.values) - {"other"}
    assert all(v > 0 for v in report["funnel"].values())
    # the history went through the one rule: no household card for anyone the law places elsewhere
    from ansinh.enrollment.models import HICoverage
    from ansinh.enrollment.selectors import eligibility

    household_cards = HICoverage.objects.filter(group="household", enrollment__isnull=False).select_related(
        "person", "enrollment"
    )
    assert household_cards.exists()
    for cover in household_cards:
        decided = eligibility(person=cover.person, on=cover.enrollment.paid_on, coverage_end=None)
        assert decided.hi_household.allowed, (cover.person.full_name, decided.hi_household)
    assert report["goals"] and all(g["target"] > 0 for g in report["goals"].values())
    assert report["by_area"] and any(a["goals"] for a in report["by_area"])
    assert sum(d["new_health_insurance"] for d in report["by_day"]) > 0
    assert report["cost"]["total"] > 0 and report["cost"]["per_new_participant"] > 0

    # The desk left each participation's new/renewal flag as a recomputation of every row gives (ADR 0008),
    # whatever order the back-dated demo payments were recorded in.
    participations = EnrollmentMember.objects.filter(enrollment__status="completed")
    flags = dict(participations.values_list("pk", "is_new"))
    assert None not in flags.values() and {True, False} <= set(flags.values())
    participation_flags_refresh_all()
    assert dict(participations.values_list("pk", "is_new")) == flags

    # made again (``ansinh demo`` run twice): nothing changes
    counts = (Campaign.objects.count(), Enrollment.objects.count(), Outcome.objects.count())
    assert demo_campaign(province_code="15", seed=1) == {"campaign": 0}
    assert (Campaign.objects.count(), Enrollment.objects.count(), Outcome.objects.count()) == counts
